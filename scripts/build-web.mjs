// Makes dist/ loadable by a browser without a bundler: copies it to web/dist with the package's
// "#wasm-load"/"#worker" imports rewritten to the browser files, and the .wasm files to web/build.
import { readdirSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync, copyFileSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist');
const out = join(root, 'web', 'dist');
const map = {
  '#wasm-load': join(out, 'wasm', 'load.browser.js'),
  '#worker': join(out, 'wasm', 'worker.browser.js'),
  '#kxo-spawn': join(out, 'drivers', 'kxo', 'spawn.browser.js'),
  '#bridge': join(out, 'bridge', 'start.browser.js'),
  '#player-spawn': join(out, 'wasm', 'player-spawn.browser.js'),
};
rmSync(out, { recursive: true, force: true });

function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, e.name);
    const to = join(out, relative(src, from));
    if (e.isDirectory()) {
      walk(from);
      continue;
    }
    // the CLI entry is Node's (process, node:fs); the rest of dist runs in browsers as it is
    if (!e.name.endsWith('.js') || from === join(src, 'cli', 'main.js')) continue;
    mkdirSync(dirname(to), { recursive: true });
    let text = readFileSync(from, 'utf8');
    for (const [spec, file] of Object.entries(map)) {
      let rel = relative(dirname(to), file).replace(/\\/g, '/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      text = text.replaceAll(`'${spec}'`, `'${rel}'`).replaceAll(`"${spec}"`, `"${rel}"`);
    }
    writeFileSync(to, text);
  }
}
if (!existsSync(src)) throw new Error('run npm run build:ts first');
walk(src);
mkdirSync(join(root, 'web', 'build'), { recursive: true });
const wasmDir = join(root, 'build');
if (existsSync(wasmDir)) for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(root, 'web', 'build', f));
