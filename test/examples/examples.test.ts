// examples/ run as a user would run them (issue 10): the Node ones as scripts, the browser one
// served as a static page in Chromium, the example player built and graded.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { grade } from '../../src/tournament/grade.js';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { missingTool, toolPath } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const node = (file: string) => spawnSync(process.execPath, [join(root, 'examples', file)], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('examples/', () => {
  it('custom-driver.mjs: a kernel and a driver of your own', () => {
    const r = node('custom-driver.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from a virtual char device\n254:0 (major:minor)\nopen for writing as uid 1000: EACCES\n');
  });
  it('engine-node.mjs: the engine alone plays a game (the reference game 1)', () => {
    const r = node('engine-node.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('X wins after B4 -> C2 -> A1 -> C3 -> D2 -> B3 -> A2 -> A3');
  });
  it('ai/player.ts: the example player builds with its own command, grades perfect on the oracle, never forfeits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'example-ai-'));
    // the command its header gives, with the project's asc
    const r = spawnSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), join(root, 'examples/ai/player.ts'), '-o', join(dir, 'lookahead.wasm'), '--runtime', 'stub', '-O3', '--noAssert'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(readFileSync(join(root, 'examples/ai/player.ts'), 'utf8')).toContain('npx asc examples/ai/player.ts -o lookahead.wasm --runtime stub -O3 --noAssert');
    const report = await grade(join(dir, 'lookahead.wasm'), { games: 1, jobs: 0 });
    expect(report.ai).toBe('lookahead');
    expect(report.oracle).toEqual({ positions: 300, best: 300, keep: 300, forfeits: 0 });
    expect(report.forfeitReasons).toEqual({});
    expect(report.vs.random).toMatchObject({ wins: 2, losses: 0 });
  }, 120_000);
  it.skipIf(missingTool('chromium', 'the browser example test'))('browser/: the engine in a static page', async () => {
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
    const server = createServer((req, res) => {
      let path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = join(root, path);
      if (!file.startsWith(root) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await chromium.launch({ executablePath: toolPath('chromium'), args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/examples/browser/`);
      await page.waitForFunction(() => (window as any).done, null, { timeout: 60_000 });
      expect(await page.textContent('#out')).toMatch(/^negamax from the empty board: move [A-D][1-4], score -?\d+/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 90_000);
});
