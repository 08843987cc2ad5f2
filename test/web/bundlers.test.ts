// A consumer built with a bundler's production mode plays kxo in Chromium with no parameter at all
// (issue 19): Vite 8 and webpack 5 find the engines by their literal
// `new URL('…', import.meta.url)` and bundle the AI worker from its literal
// `new Worker(new URL('./ai-worker.js', import.meta.url))` as a worker chunk; the package's browser
// conditions keep the bridge (its server, addon and C sources) out of the bundle. The sizes
// printed here are the README's bundle table.
import { missingTool, toolPath } from '../helpers/tools.js';
import { serveConsumer, consumerResult, referenceGame, type Served } from '../helpers/consumer.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import webpack from 'webpack';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const noChromium = missingTool('chromium', 'the bundled consumer tests');
const PAGE = '<!doctype html><title>consumer</title><script type="module" src="./app.js"></script>';

/** A consumer project: its page, its script, and vchardev in its node_modules. */
function consumerProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'vchardev'), 'dir');
  copyFileSync(join(root, 'test/web/consumer/app.js'), join(dir, 'app.js'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  return dir;
}

const BUNDLERS: Array<{ name: string; build(dir: string): Promise<string> }> = [
  {
    name: 'Vite 8',
    async build(dir) {
      const out = join(dir, 'dist');
      await build({ root: dir, mode: 'production', logLevel: 'silent', configFile: false, build: { outDir: out, target: 'es2022' } });
      return out;
    },
  },
  {
    name: 'webpack 5',
    build(dir) {
      const out = join(dir, 'dist');
      return new Promise((resolve, reject) => {
        const c = webpack({
          mode: 'production', context: dir, entry: './app.js', target: 'web', performance: { hints: false },
          output: { path: out, filename: 'app.js', publicPath: 'auto', clean: true },
        });
        c.run((err, stats) => {
          c.close(() => {});
          if (err || stats?.hasErrors()) return reject(err ?? new Error(stats!.toString({ all: false, errors: true })));
          writeFileSync(join(out, 'index.html'), PAGE);
          resolve(out);
        });
      });
    },
  },
];

for (const b of BUNDLERS) {
  describe.skipIf(noChromium)(`a ${b.name} production build of a consumer, in Chromium`, () => {
    let dir: string;
    let out: string;
    let served: Served;
    beforeAll(async () => {
      dir = consumerProject('vchardev-bundle-');
      out = await b.build(dir);
      served = await serveConsumer(out, toolPath('chromium'));
    }, 120_000);
    afterAll(async () => {
      await served?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('plays the reference game with no parameter: the engine and the worker are where the bundler put them', async () => {
      const r = await consumerResult(await served.browser.newPage(), `${served.base}/?defaults`);
      expect(r.error).toBeNull();
      expect(r.games[0]).toEqual(referenceGame());
      expect(r.pageErrors).toEqual([]);
    }, 120_000);
    it('bundles the worker as a chunk of its own and ships nothing of the bridge', () => {
      const files = readdirSync(out, { recursive: true }).map(String).filter((f) => /\.(js|wasm|c|h)$/.test(f));
      const js = files.filter((f) => f.endsWith('.js'));
      const text = js.map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
      // no unbundled worker inlined as a data: URL, no bridge server, addon loader or C source
      expect(text).not.toContain('data:text/javascript');
      expect(text).not.toMatch(/SCM_CREDENTIALS|process_vm_readv|vchardev-addon|node-api-headers/);
      expect(files.filter((f) => /\.(c|h)$/.test(f) || /(^|\/)server/.test(f))).toEqual([]);
      const gz = (f: string) => gzipSync(readFileSync(join(out, f))).length;
      const app = js.find((f) => /(^|\/)(index|app)[^/]*\.js$/.test(f) && readFileSync(join(out, f), 'utf8').includes('/dev/kxo'))!;
      // chunks of their own: the AI worker's entry (it asks for WorkerGlobalScope) with its
      // engines, and a player's (docs/kxo-ai-abi.md, started only when one plays); none of the
      // kernel (/dev/kxo is the app's)
      const workers = js.filter((f) => f !== app && /WorkerGlobalScope/.test(readFileSync(join(out, f), 'utf8')));
      expect(workers.length).toBe(2);
      for (const w of workers) expect(readFileSync(join(out, w), 'utf8')).not.toContain('/dev/kxo');
      expect(workers.filter((w) => readFileSync(join(out, w), 'utf8').includes('kxo_abi_version')).length).toBe(1);
      const wasm = files.filter((f) => f.endsWith('.wasm')).reduce((s, f) => s + gz(f), 0);
      console.log(`${b.name}: app ${(gz(app) / 1024).toFixed(1)} kB, worker ${(workers.reduce((s, f) => s + gz(f), 0) / 1024).toFixed(1)} kB, .wasm files ${(wasm / 1024).toFixed(1)} kB (gzipped)`);
    });
  });
}
