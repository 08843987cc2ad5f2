// The grader (docs/kxo-ai-abi.md §4): its oracle counts against a count made here from the
// fixture, its matches against every built-in AI with both colours, forfeits, another board, and
// `vchardev grade` over several files (ranked, a refused one listed) with its JSON.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grade, formatReport } from '../../src/tournament/grade.js';
import { AI_NAMES } from '../../src/wasm/engine.js';
import { main } from '../../src/cli/main.js';
import { readJsonl } from '../helpers/fixtures.js';
import { playerPath } from '../helpers/players.js';

afterEach(() => vi.restoreAllMocks());
interface Row { board: string; player: 'O' | 'X'; best: number[]; keep: number[] }

describe('grade()', () => {
  it('the first-empty-cell player: oracle counts equal an independent count; both colours against every AI', async () => {
    const r = await grade(playerPath('first'), { games: 2, jobs: 0, seed: 4 });
    const rows = readJsonl<Row>('oracle/positions.jsonl');
    const want = { best: 0, keep: 0 };
    for (const row of rows) {
      const m = row.board.indexOf(' ');
      if (row.best.includes(m)) want.best++;
      if (row.keep.includes(m)) want.keep++;
    }
    expect(r.oracle).toEqual({ positions: 300, best: want.best, keep: want.keep, forfeits: 0 });
    expect(Object.keys(r.vs).sort()).toEqual([...AI_NAMES].sort());
    for (const v of Object.values(r.vs)) expect(v.wins + v.draws + v.losses).toBe(4);
    // the perfect player never loses 4x4/3 with either colour against a first-empty-cell player
    expect(r.vs.strong!.wins).toBe(0);
    expect(r.ai).toBe('first');
    expect(r.moveMs.median).toBeGreaterThanOrEqual(0);
    expect(formatReport(r)).toMatch(/oracle \(4x4\/3, 300 positions\): best \d+/);
  }, 120_000);
  it('a player that only forfeits: no oracle position, every game lost by forfeit with its reason', async () => {
    const r = await grade(playerPath('minus1'), { games: 1, jobs: 0 });
    expect(r.oracle).toEqual({ positions: 300, best: 0, keep: 0, forfeits: 300 });
    for (const v of Object.values(r.vs)) expect(v).toMatchObject({ wins: 0, losses: 2 });
    // it forfeits its first move with either colour: all 8 games, each for its reason
    expect(r.forfeitReasons).toEqual({ 'illegal move -1': 8 });
    expect(Object.values(r.vs).reduce((a, v) => a + v.forfeits, 0)).toBe(8);
  }, 120_000);
  it('a file whose name does not end in .wasm is refused at once, as the tournament refuses it', async () => {
    await expect(grade('/tmp/player.bin', { games: 1, jobs: 0 })).rejects.toThrow(/a player file's name ends in \.wasm/);
  });
  it('on another board there is no oracle; the time per move comes from its own games', async () => {
    const r = await grade(playerPath('first'), { boardSize: 5, goal: 4, games: 1, jobs: 0 });
    expect(r.oracle).toBeNull();
    expect(r.moveMs.p99).toBeGreaterThanOrEqual(r.moveMs.median);
  }, 120_000);
});

describe('vchardev grade', () => {
  it('ranks several files by Elo, lists a refused one, writes the JSON', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const json = join(mkdtempSync(join(tmpdir(), 'grade-')), 'r.json');
    expect(await main(['grade', playerPath('first'), playerPath('minus1'), playerPath('v2'), '--games', '1', '--jobs', '0', '--json', json])).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { players: Array<{ ai: string; elo: { value: number } }>; refused: Array<{ why: string }> };
    expect(doc.players.map((p) => p.ai)).toEqual(['first', 'minus1']);
    expect(doc.refused).toEqual([{ file: playerPath('v2'), why: 'kxo_abi_version returns 2 (this host speaks version 1)' }]);
    expect(out).toMatch(/\| 1 \| first \|/);
    expect(out).toContain('| – | refused |');
    expect(await main(['grade', playerPath('v2')])).toBe(2);
    expect(await main(['grade'])).toBe(2);
  }, 180_000);
});
