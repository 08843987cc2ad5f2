// What the bundler tests share (test/web/bundle.test.ts, vite.test.ts): a built consumer page
// served from its folder, Chromium to open it, and the reference game it must play.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readJsonl } from './fixtures.js';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

export interface Served {
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 (a missing file is 404) and launches Chromium at `chromiumPath`. */
export async function serveConsumer(dir: string, chromiumPath: string): Promise<Served> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404, 'Not Found').end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Opens the consumer page at `url` and waits for its result (test/web/consumer/app.js). */
export async function consumerResult(page: Page, url: string, timeout = 90_000): Promise<{ games: Array<{ moves: number[]; winner: string }>; error: string | null; pageErrors: string[] }> {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => (window as any).result?.games.length >= 1 || (window as any).result?.error, null, { timeout });
  return { ...(await page.evaluate(() => (window as any).result)), pageErrors };
}

/** kxo's first reference game, as the consumer page reports a game. */
export function referenceGame(): { moves: number[]; winner: string } {
  const ref = readJsonl<{ moves: number[]; winner: string }>('kxo/games.jsonl');
  return { moves: ref[0]!.moves, winner: ref[0]!.winner };
}
