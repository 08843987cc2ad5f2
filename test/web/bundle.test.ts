// A consumer bundled with esbuild plays kxo in Chromium (issue 10): the package's exports resolve
// for a bundler ('vchardev', 'vchardev/kxo-worker', the browser conditions of '#wasm-load' and
// '#worker'), the engine and worker come from where the consumer put them, and without them the
// failure names the missing file and its HTTP status instead of ENOMEM.
import { missingTool, toolPath } from '../helpers/tools.js';
import { serveConsumer, consumerResult, referenceGame, type Served } from '../helpers/consumer.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const noChromium = missingTool('chromium', 'the bundled consumer test');
let out: string;
let served: Served;

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
  served = await serveConsumer(out, toolPath('chromium'));
}, 120_000);
afterAll(async () => {
  await served?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.skipIf(noChromium)('an esbuild-bundled consumer in Chromium', () => {
  it('plays the reference game with the engine and worker where the bundle put them', async () => {
    const r = await consumerResult(await served.browser.newPage(), `${served.base}/`);
    expect(r.error).toBeNull();
    expect(r.games[0]).toEqual(referenceGame());
    expect(r.pageErrors).toEqual([]);
    const size = gzipSync(readFileSync(join(out, 'app.js'))).length;
    console.log(`bundle: app.js ${(size / 1024).toFixed(1)} kB gzipped`);
  }, 120_000);
  it('without them, insmod fails with ENOENT naming the file and the HTTP status', async () => {
    const r = await consumerResult(await served.browser.newPage(), `${served.base}/?defaults`, 60_000);
    expect(r.error).toMatch(new RegExp(`^ENOENT .*cannot load the kxo engine from ${served.base}/build/kxo\\.release\\.wasm: HTTP 404`));
    const r2 = await consumerResult(await served.browser.newPage(), `${served.base}/?noworker`, 60_000);
    expect(r2.error).toMatch(new RegExp(`^ENOENT .*cannot load the kxo worker from ${served.base}/missing-worker\\.js: HTTP 404`));
  }, 90_000);
});
