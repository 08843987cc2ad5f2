// A consumer bundled with esbuild plays kxo in Chromium (issue 10): the package's exports resolve
// for a bundler ('vchardev', 'vchardev/kxo-worker', the browser conditions of '#wasm-load' and
// '#worker'), the engine and worker come from where the consumer put them, and without them the
// failure names the missing file and its HTTP status instead of ENOMEM.
import { missingTool, toolPath } from '../helpers/tools.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readJsonl } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = toolPath('chromium');
const noChromium = missingTool('chromium', 'the bundled consumer test');
let out: string;
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (noChromium) return;
  out = mkdtempSync(join(tmpdir(), 'vchardev-bundle-'));
  await build({
    entryPoints: { app: join(root, 'test/web/consumer/app.js'), 'kxo-worker': 'vchardev/kxo-worker' },
    absWorkingDir: root, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true,
    outdir: out, logLevel: 'silent',
  });
  mkdirSync(join(out, 'assets'));
  copyFileSync(join(root, 'build/kxo.release.wasm'), join(out, 'assets/kxo.release.wasm'));
  writeFileSync(join(out, 'index.html'), '<!doctype html><title>consumer</title><script type="module" src="./app.js"></script>');
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
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.skipIf(noChromium)('an esbuild-bundled consumer in Chromium', () => {
  it('plays the reference game with the engine and worker where the bundle put them', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as any).result?.games.length >= 1 || (window as any).result?.error, null, { timeout: 90_000 });
    const r = await page.evaluate(() => (window as any).result);
    expect(r.error).toBeNull();
    const ref = readJsonl<{ moves: number[]; winner: string }>('kxo/games.jsonl');
    expect(r.games[0]).toEqual({ moves: ref[0]!.moves, winner: ref[0]!.winner });
    expect(errors).toEqual([]);
    const size = gzipSync(readFileSync(join(out, 'app.js'))).length;
    console.log(`bundle: app.js ${(size / 1024).toFixed(1)} kB gzipped`);
  }, 120_000);
  it('without them, insmod fails with ENOENT naming the file and the HTTP status', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?defaults`);
    await page.waitForFunction(() => (window as any).result?.error, null, { timeout: 60_000 });
    const r = await page.evaluate(() => (window as any).result);
    expect(r.error).toMatch(new RegExp(`^ENOENT .*cannot load the kxo engine from ${base}/build/kxo\\.release\\.wasm: HTTP 404`));
    const page2 = await browser.newPage();
    await page2.goto(`${base}/?noworker`);
    await page2.waitForFunction(() => (window as any).result?.error, null, { timeout: 60_000 });
    const r2 = await page2.evaluate(() => (window as any).result);
    expect(r2.error).toMatch(new RegExp(`^ENOENT .*cannot load the kxo worker from ${base}/missing-worker\\.js: HTTP 404`));
  }, 90_000);
});
