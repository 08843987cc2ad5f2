// A consumer built with Vite in production mode plays kxo in Chromium with no parameter at all
// (issue 19): Vite finds the engines by their literal `new URL('…', import.meta.url)` and bundles
// the AI worker from its literal `new Worker(new URL('./ai-worker.js', import.meta.url))` as a
// worker chunk; the package's browser conditions keep the bridge (its server, addon and C sources)
// out of the bundle. The sizes printed here are the README's bundle table.
import { missingTool, toolPath } from '../helpers/tools.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'vite';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readJsonl } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = toolPath('chromium');
const noChromium = missingTool('chromium', 'the Vite-built consumer test');
let dir: string;
let out: string;
let server: Server;
let browser: Browser;
let base: string;

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
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(out, path === '/' ? 'index.html' : path);
    if (!file.startsWith(out) || !existsSync(file)) return void res.writeHead(404, 'Not Found').end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(noChromium)('a Vite production build of a consumer, in Chromium', () => {
  it('plays the reference game with no parameter: the engine and the worker are where Vite put them', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/?defaults`);
    await page.waitForFunction(() => (window as any).result?.games.length >= 1 || (window as any).result?.error, null, { timeout: 90_000 });
    const r = await page.evaluate(() => (window as any).result);
    expect(r.error).toBeNull();
    const ref = readJsonl<{ moves: number[]; winner: string }>('kxo/games.jsonl');
    expect(r.games[0]).toEqual({ moves: ref[0]!.moves, winner: ref[0]!.winner });
    expect(errors).toEqual([]);
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
