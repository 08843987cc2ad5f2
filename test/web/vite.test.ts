// A consumer built with Vite in production mode plays kxo in Chromium with no parameter at all
// (issue 19): Vite finds the engines by their literal `new URL('…', import.meta.url)` and bundles
// the AI worker from its literal `new Worker(new URL('./ai-worker.js', import.meta.url))` as a
// worker chunk; the package's browser conditions keep the bridge (its server, addon and C sources)
// out of the bundle. The sizes printed here are the README's bundle table.
import { missingTool, toolPath } from '../helpers/tools.js';
import { serveConsumer, consumerResult, referenceGame, type Served } from '../helpers/consumer.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const noChromium = missingTool('chromium', 'the Vite-built consumer test');
let dir: string;
let out: string;
let served: Served;

beforeAll(async () => {
  if (noChromium) return;
  // a consumer project: its page, its script, and vchardev in its node_modules
  dir = mkdtempSync(join(tmpdir(), 'vchardev-vite-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'vchardev'), 'dir');
  copyFileSync(join(root, 'test/web/consumer/app.js'), join(dir, 'app.js'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>consumer</title><script type="module" src="./app.js"></script>');
  out = join(dir, 'dist');
  await build({ root: dir, mode: 'production', logLevel: 'silent', configFile: false, build: { outDir: out, target: 'es2022' } });
  served = await serveConsumer(out, toolPath('chromium'));
}, 120_000);
afterAll(async () => {
  await served?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(noChromium)('a Vite production build of a consumer, in Chromium', () => {
  it('plays the reference game with no parameter: the engine and the worker are where Vite put them', async () => {
    const r = await consumerResult(await served.browser.newPage(), `${served.base}/?defaults`);
    expect(r.error).toBeNull();
    expect(r.games[0]).toEqual(referenceGame());
    expect(r.pageErrors).toEqual([]);
  }, 120_000);
  it('bundles the worker as a chunk of its own and ships nothing of the bridge', () => {
    const files = readdirSync(join(out, 'assets'));
    const js = files.filter((f) => f.endsWith('.js'));
    expect(js.some((f) => f.startsWith('ai-worker'))).toBe(true);
    const text = js.map((f) => readFileSync(join(out, 'assets', f), 'utf8')).join('\n');
    // no unbundled worker inlined as a data: URL, no bridge server, addon loader or C source
    expect(text).not.toContain('data:text/javascript');
    expect(text).not.toMatch(/SCM_CREDENTIALS|process_vm_readv|vchardev-addon|node-api-headers/);
    expect(files.filter((f) => /\.(c|h)$/.test(f) || f.startsWith('server'))).toEqual([]);
    const gz = (f: string) => gzipSync(readFileSync(join(out, 'assets', f))).length;
    const app = js.find((f) => f.startsWith('index'))!;
    const worker = js.find((f) => f.startsWith('ai-worker'))!;
    const wasm = files.filter((f) => f.endsWith('.wasm')).reduce((s, f) => s + gz(f), 0);
    console.log(`vite: app ${(gz(app) / 1024).toFixed(1)} kB, worker ${(gz(worker) / 1024).toFixed(1)} kB, .wasm files ${(wasm / 1024).toFixed(1)} kB (gzipped)`);
  });
});
