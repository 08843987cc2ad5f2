// `vchardev new-ai` (docs/kxo-ai-abi.md §5): each template, built with the command its README
// gives, loads as a player, plays legal games in a tournament with no forfeit, takes a win it has
// and blocks the opponent's. The C template needs Debian's clang and lld.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { BUILD } from '../../src/cli/new-ai.js';
import { createEngine } from '../../src/wasm/engine.js';
import { tournament } from '../../src/tournament/index.js';
import { missingTool } from '../helpers/tools.js';

afterEach(() => vi.restoreAllMocks());
const quiet = () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
};
const asc = fileURLToPath(new URL('../../node_modules/assemblyscript/bin/asc.js', import.meta.url));

/** Builds a template's player with the README's command (asc through the project's copy). */
function build(dir: string, lang: 'as' | 'c'): string {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  expect(readme).toContain(BUILD[lang]);
  const words = BUILD[lang].split(' ');
  if (lang === 'as') execFileSync(process.execPath, [asc, ...words.slice(words.indexOf('asc') + 1)], { cwd: dir, stdio: 'pipe' });
  else execFileSync(words[0]!, words.slice(1), { cwd: dir, stdio: 'pipe' });
  return join(dir, 'player.wasm');
}

async function checkPlayer(wasm: string, name: string) {
  const e = await createEngine({ ai: { wasm }, boardSize: 4, goal: 3 });
  try {
    expect(e.name).toBe(name);
    // O has 0 and 1: O takes 2; X to move blocks it there too; an empty board: a centre cell
    expect(await e.bestMove('OO   X  X       ', 'O')).toBe(2);
    expect(await e.bestMove('OO   X          ', 'X')).toBe(2);
    expect([5, 6, 9, 10]).toContain(await e.bestMove(' '.repeat(16), 'O'));
  } finally {
    e.close();
  }
  const t = await tournament({ ai: ['random', wasm], games: 3, jobs: 0, seed: 5, boardSize: 5, goal: 4 });
  const me = t.standings.find((s) => s.ai === name)!;
  expect(me).toMatchObject({ games: 6, forfeits: 0 });
}

describe('vchardev new-ai', () => {
  it('AssemblyScript: the template builds with its README\'s command, loads under its name and plays', async () => {
    quiet();
    const dir = join(mkdtempSync(join(tmpdir(), 'new-ai-')), 'my-bot');
    expect(await main(['new-ai', dir])).toBe(0);
    expect(existsSync(join(dir, 'player.ts'))).toBe(true);
    await checkPlayer(build(dir, 'as'), 'my-bot');
  }, 60_000);
  it.skipIf(missingTool('clang', 'the C player template') || missingTool('wasmld', 'the C player template'))('C: the template and kxo_ai.h build with clang --target=wasm32, load and play', async () => {
    quiet();
    const dir = mkdtempSync(join(tmpdir(), 'new-ai-c-'));
    expect(await main(['new-ai', dir, '--lang', 'c', '--name', 'c bot'])).toBe(0);
    expect(readFileSync(join(dir, 'kxo_ai.h'), 'utf8')).toContain('KXO_EXPORT(kxo_move)');
    await checkPlayer(build(dir, 'c'), 'c bot');
  }, 60_000);
  it('refuses a directory that is not empty, a language it has no template for, a bad name', async () => {
    quiet();
    const dir = mkdtempSync(join(tmpdir(), 'new-ai-x-'));
    writeFileSync(join(dir, 'mine.txt'), 'x');
    expect(await main(['new-ai', dir])).toBe(1);
    expect(await main(['new-ai', join(dir, 'a'), '--lang', 'rust'])).toBe(2);
    expect(await main(['new-ai', join(dir, 'b'), '--name', 'x'.repeat(33)])).toBe(2);
    expect(await main(['new-ai'])).toBe(2);
    expect(await main(['new-ai', '--help'])).toBe(0);
  });
});
