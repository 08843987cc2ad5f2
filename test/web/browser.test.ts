// The browser page in Debian's Chromium: the kernel, the kxo driver and its worker run unmodified
// in a browser, and the games shown match the reference games.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Server } from 'node:http';
// @ts-expect-error plain JS helper without types
import { serve } from '../../scripts/serve.mjs';
import { readJsonl } from '../helpers/fixtures.js';
import { missingTool, toolPath } from '../helpers/tools.js';
import { playerPath } from '../helpers/players.js';
import { readFileSync } from 'node:fs';

const CHROMIUM = toolPath('chromium');
const noChromium = missingTool('chromium', 'the browser page test');
let server: Server;
let browser: Browser;

beforeAll(async () => {
  if (noChromium) return;
  if (!existsSync(new URL('../../web/dist/index.js', import.meta.url))) throw new Error('web/dist is missing: run npm run build');
  server = await serve(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe.skipIf(noChromium)('web page (browser)', () => {
  it('boots a kernel, loads kxo with its AIs on a Web Worker and shows the reference game', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as any).vchardev?.tracker.games.length >= 1, null, { timeout: 90_000 });
    const games = await page.evaluate(() => (window as any).vchardev.tracker.games.map((g: any) => ({ moves: g.moves, winner: g.winner })));
    const ref = readJsonl<{ moves: number[]; winner: string }>('kxo/games.jsonl');
    expect(games[0]).toEqual({ moves: ref[0]!.moves, winner: ref[0]!.winner });
    expect(await page.textContent('#board')).toMatch(/^ {5}A B C D\n {2}1 {2}.\|.\|.\|.\n/); // the first row keeps its alignment
    expect(await page.textContent('#games')).toContain('game 1: X wins — 1. B4  2. C2  3. A1');
    expect(await page.textContent('#times')).toMatch(/O \(MCTS\): [\d.]+ ms\/move/);
    expect(await page.textContent('#clock')).toMatch(/^time \d\d:\d\d:\d\d$/);
    expect(await page.textContent('#tree')).toContain('kxo  c ');
    expect(await page.textContent('#log')).toContain('kxo');
    await page.keyboard.press('Control+P'); // the terminal's Ctrl-P: display off, through kxo_state
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'display off', null, { timeout: 10_000 });
    await page.keyboard.press('q');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'stopped', null, { timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('web page, many games (issue 12)', () => {
  it('?games=3&ai=human,random: three boards from events; a click plays the human\'s move by write()', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/?games=3&board=5&goal=4&ai=human,random&delay=50`);
    await page.waitForFunction(() => (window as any).vchardev?.client?.games.length === 3, null, { timeout: 60_000 });
    expect(await page.locator('.game').count()).toBe(3);
    expect(await page.locator('.game').nth(0).locator('.cell').count()).toBe(25);
    // O is ours in every game: play c3 (cell 12) in game 1
    await page.locator('.game').nth(1).locator('.cell').nth(12).click();
    await page.waitForFunction(() => (window as any).vchardev.client.games[1].cells[12] === 'O', null, { timeout: 10_000 });
    // random answers as X on a later tick
    await page.waitForFunction(() => (window as any).vchardev.client.games[1].cells.includes('X'), null, { timeout: 10_000 });
    expect(await page.locator('.game').nth(1).locator('.cell').nth(12).textContent()).toBe('O');
    expect(await page.textContent('#status')).toBe('3 games, 5x5, 4 in a row');
    await page.click('#gquit');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'stopped', null, { timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 90_000);

  it('?games=16: boards with coordinates, labelled cells, readable stones, aligned columns; on a phone nothing runs off the screen', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/?games=16&ai=human,random&delay=50`);
    await page.waitForFunction(() => (window as any).vchardev?.client?.games.length === 16, null, { timeout: 60_000 });
    // play A1 in game 0, so a stone is on the board
    await page.locator('.game').nth(0).locator('.cell').nth(0).click();
    await page.waitForFunction(() => (window as any).vchardev.client.games[0].cells[0] === 'O', null, { timeout: 10_000 });
    const game0 = page.locator('.game').nth(0);
    // the names a move is written with, around the board
    expect(await game0.locator('.coord').allTextContents()).toEqual(['', 'A', 'B', 'C', 'D', '1', '2', '3', '4']);
    const labels = await game0.locator('.cell').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
    expect(labels).toHaveLength(16);
    expect(labels[0]).toBe('game 0, A1, O');
    for (const l of labels) expect(l).toMatch(/^game 0, [A-D][1-4], (O|X|empty.*)$/);
    // stones against their cell: WCAG contrast of at least 4.5 (AA)
    const ratio = await game0.locator('.cell').nth(0).evaluate((b) => {
      const rgb = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
      const lum = ([r, g, bl]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(bl!);
      };
      const st = getComputedStyle(b);
      const [a, c] = [lum(rgb(st.color)), lum(rgb(st.backgroundColor))];
      return (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05);
    });
    expect(ratio).toBeGreaterThanOrEqual(4.5);
    // 16 boards in columns of one width
    const boxes = await page.locator('.game').evaluateAll((gs) => gs.map((g) => g.getBoundingClientRect()).map((r) => ({ x: Math.round(r.x), w: Math.round(r.width) })));
    expect(new Set(boxes.map((b) => b.w)).size).toBe(1);
    const columns = new Set(boxes.map((b) => b.x)).size;
    expect(columns).toBeGreaterThan(1);
    expect(boxes.slice(0, columns).map((b) => b.x)).toEqual(boxes.slice(columns, 2 * columns).map((b) => b.x));
    // a phone: nothing wider than the screen, dmesg included
    await page.setViewportSize({ width: 375, height: 740 });
    const widths = await page.evaluate(() => ({
      doc: document.documentElement.scrollWidth,
      log: document.getElementById('log')!.getBoundingClientRect().right,
      board: document.querySelector('.game')!.getBoundingClientRect().right,
    }));
    expect(widths.doc).toBeLessThanOrEqual(375);
    expect(widths.log).toBeLessThanOrEqual(375);
    expect(widths.board).toBeLessThanOrEqual(375);
    expect(errors).toEqual([]);
  }, 90_000);
});

describe.skipIf(noChromium)('web page, players students bring (docs/kxo-ai-abi.md §3)', () => {
  it('a .wasm picked for O plays there (in a worker of the page); one dropped on X forfeits, and dmesg says why', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/?games=2&ai=mcts,negamax&delay=30`);
    await page.waitForFunction(() => (window as any).vchardev?.client?.games.length === 2, null, { timeout: 60_000 });
    // pick for O, and at once drop a player that traps on X: both sides change, in one reload
    // or two, whichever the page manages (the second pick does not lose the first)
    await page.setInputFiles('#f-playerO', playerPath('first'));
    const bytes = [...readFileSync(playerPath('trap'))];
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'trap.wasm', { type: 'application/wasm' }));
      document.getElementById('drop-X')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await page.waitForFunction(() => (window as any).vchardev.client?.games[0].ai.join() === 'first,trap', null, { timeout: 30_000 });
    // it plays the first empty cell
    await page.waitForFunction(() => (window as any).vchardev.client.games.every((g: any) => g.cells[0] === 'O'), null, { timeout: 30_000 });
    expect(await page.textContent('#drop-O .chosen')).toMatch(/^first-\w+\.wasm$/);
    expect(await page.textContent('#drop-X .chosen')).toBe('trap.wasm');
    expect(await page.locator('.game').count()).toBe(2);
    await page.waitForFunction(() => /kxo: game \d: trap forfeits: trap: .*unreachable/.test(document.getElementById('log')!.textContent!), null, { timeout: 30_000 });
    await page.waitForFunction(() => (window as any).vchardev.client.finished.some((f: any) => f.winner === 'O'), null, { timeout: 30_000 });
    // a player the host refuses: the page says why; the next pick keeps the sides that loaded
    const v2 = [...readFileSync(playerPath('v2'))];
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'v2.wasm'));
      document.getElementById('drop-O')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, v2);
    await page.waitForFunction(() => /kxo_abi_version returns 2/.test(document.getElementById('log')!.textContent!), null, { timeout: 30_000 });
    expect(await page.textContent('#status')).toMatch(/EINVAL/);
    await page.waitForFunction(() => document.querySelector('#drop-O .chosen')!.textContent!.startsWith('first-'), null, { timeout: 30_000 });
    await page.setInputFiles('#f-playerX', playerPath('first'));
    await page.waitForFunction(() => (window as any).vchardev.client?.games[0].ai.join() === 'first,first-2', null, { timeout: 30_000 });
    // a file that is not a player: the page says so, the games go on
    await page.setInputFiles('#f-playerX', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    expect(await page.textContent('#status')).toBe('notes.txt: not a .wasm file');
    expect(errors).toEqual([]);
  }, 120_000);

  it('a player picked in the one-game view: the page moves to the events view, and the old view\'s keys are gone', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const port = (server.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/?delay=20`);
    await page.waitForFunction(() => (window as any).vchardev?.tracker, null, { timeout: 60_000 });
    await page.setInputFiles('#f-playerO', playerPath('first'));
    await page.waitForFunction(() => (window as any).vchardev.client?.games[0].ai.join() === 'first,negamax', null, { timeout: 30_000 });
    expect(await page.isHidden('#single')).toBe(true);
    // Q was the one-game view's stop key: here it must not reach the new module's kxo_state
    await page.click('h1');
    await page.keyboard.press('q');
    const before = await page.evaluate(() => (window as any).vchardev.client.finished.length);
    await page.waitForFunction((n) => (window as any).vchardev.client.finished.length >= n + 2, before, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as any).vchardev.proc.readFile('/sys/class/kxo/kxo/kxo_state'))).toMatch(/^1 1 0/);
    expect(errors).toEqual([]);
  }, 90_000);
});
