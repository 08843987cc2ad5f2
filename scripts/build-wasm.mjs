// Compiles every engine folder assembly/<name>/index.ts into build/<name>.{release,test}.wasm.
// One asconfig.json holds both targets; each engine is its own module (own linear memory).
import { readdirSync, existsSync, mkdirSync, statSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });

const newest = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
  const p = join(dir, e.name);
  return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
}, statSync(join(root, 'asconfig.json')).mtimeMs);

const engines = existsSync(join(root, 'assembly'))
  ? readdirSync(join(root, 'assembly'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, 'assembly', e.name, 'index.ts')))
      .map((e) => e.name)
  : [];
const force = process.argv.includes('--force');
for (const name of engines) {
  const src = join(root, 'assembly', name);
  const srcTime = Math.max(newest(src), existsSync(join(root, 'assembly', 'shared')) ? newest(join(root, 'assembly', 'shared')) : 0);
  // an engine may add flags of its own (e.g. dma imports the kernel's physical memory and uses
  // SIMD) and variants: a build of one target with other flags (dma.scalar: release without
  // SIMD, for engines that lack it)
  const json = (f) => (existsSync(join(src, f)) ? JSON.parse(readFileSync(join(src, f), 'utf8')) : null);
  const extra = json('asc-flags.json') ?? [];
  const builds = [['release', 'release', extra], ['test', 'test', extra],
    ...Object.entries(json('variants.json') ?? {}).map(([v, o]) => [v, o.target, o.flags])];
  for (const [variant, target, flags] of builds) {
    const file = join(out, `${name}.${variant}.wasm`);
    if (!force && existsSync(file) && statSync(file).mtimeMs >= srcTime) continue;
    execFileSync(process.execPath, [asc, join(src, 'index.ts'), '--config', join(root, 'asconfig.json'),
      '--target', target, '--outFile', file, ...flags], { stdio: 'inherit', cwd: root });
    console.log(`asc: ${name}.${variant}.wasm`);
  }
}
