// Tournaments (issue 11): the same seed gives the same results on 0, 1 or 2 workers; the strong
// engine tops the table; the CLI prints the table and writes the chart.
import { playerPath } from '../helpers/players.js';
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tournament, formatTable, tournamentChart } from '../../src/tournament/index.js';

describe('tournament()', () => {
  it('is deterministic for a seed whatever the number of workers', async () => {
    const opts = { ai: ['strong', 'mcts', 'random'] as const, games: 2, seed: 5 };
    const [inline, one, two] = await Promise.all([0, 1, 2].map((jobs) => tournament({ ...opts, ai: [...opts.ai], jobs })));
    expect(one!.pairs).toEqual(inline!.pairs);
    expect(two!.pairs).toEqual(inline!.pairs);
    expect(two!.standings[0]!.ai).toBe('strong');
    // strong moving first always wins on 4x4/3
    for (const p of two!.pairs) if (p.a === 'strong') expect(p.winsFirst).toBe(2);
  }, 120_000);
  it('counts every game once, scores and rates them', async () => {
    const t = await tournament({ ai: ['strong', 'negamax', 'random'], games: 5, jobs: 0, seed: 9 });
    for (const s of t.standings) expect(s.games).toBe(20);
    expect(t.standings.reduce((n, s) => n + s.wins, 0)).toBe(t.standings.reduce((n, s) => n + s.losses, 0));
    expect(t.standings.find((s) => s.ai === 'random')!.elo).toBeLessThan(0);
    expect(formatTable(t)).toMatch(/\| strong \| 20 \|/);
    await expect(tournament({ ai: ['strong'], games: 1 })).rejects.toThrow(RangeError);
    await expect(tournament({ ai: ['strong', 'random'], games: 1, goal: 3.5 })).rejects.toThrow(RangeError);
    // two AIs, 10–0: each rating carries half of the gap's error
    const two = await tournament({ ai: ['strong', 'random'], games: 5, jobs: 0 });
    const [a, b] = two.standings;
    expect(a!.elo).toBe(-b!.elo);
    expect(a!.eloError).toBeLessThan(Math.abs(a!.elo - b!.elo));
    await expect(tournament({ ai: ['strong', 'nope' as never], games: 1 })).rejects.toThrow(TypeError);
    // the chart has an Elo axis: a line, ticks with their values, and what the axis is
    const svg = tournamentChart(two);
    expect(svg).toContain('Elo (0 = the field\'s average)');
    const ticks = [...svg.matchAll(/text-anchor="middle">([+-]?\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(ticks).toContain(0);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...ticks)).toBeLessThanOrEqual(Math.min(a!.elo, b!.elo));
  });
  it('vchardev tournament prints the table and writes the chart and JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tournament-'));
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'tournament', '--ai', 'strong,negamax,random', '--games', '3', '--jobs', '2', '--svg', join(dir, 't.svg'), '--json', join(dir, 't.json')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| AI | games | wins | draws | losses | score | Elo (95%) |');
    expect(readFileSync(join(dir, 't.svg'), 'utf8')).toMatch(/^<svg/);
    expect(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')).standings).toHaveLength(3);
    expect(spawnSync(process.execPath, [cli, 'tournament', '--ai', 'strong,chess'], { encoding: 'utf8' }).status).toBe(2);
  });
});

describe('bounds on jobs, games and outputs', () => {
  it('jobs and the number of games are bounded; outputs are checked before the games', async () => {
    for (const jobs of [Number.NaN, -1, 1.5, Infinity, 257]) {
      await expect(tournament({ ai: ['strong', 'random'], games: 1, jobs })).rejects.toThrow(RangeError);
    }
    await expect(tournament({ ai: ['strong', 'random', 'negamax'], games: 40_000 })).rejects.toThrow(/at most/);
    const t = await tournament({ ai: ['strong', 'random'], games: 1, jobs: 200 });
    expect(t.jobs).toBeLessThanOrEqual(2); // capped at the games (and the cores)
    const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [cli, 'tournament', '--ai', 'strong,random', '--games', '1', '--svg', '/nonexistent/dir/t.svg'], { encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(spawnSync(process.execPath, [cli, 'tournament', '--ai', 'strong,random', '--svg='], { encoding: 'utf8' }).status).toBe(2);
  }, 60_000);
});

describe('tournament() with player files (docs/kxo-ai-abi.md)', () => {
  it('each forfeit kind inside a tournament that completes: counted per entrant with its reason', async () => {
    const t = await tournament({ ai: ['random', playerPath('first'), playerPath('loop'), playerPath('trap'), playerPath('minus1'), playerPath('occupied')], games: 1, jobs: 2, seed: 3, budgetMs: 100 });
    const by = new Map(t.standings.map((s) => [s.ai, s]));
    expect([...by.keys()].sort()).toEqual(['first', 'loop', 'minus1', 'occupied', 'random', 'trap']);
    // every entrant plays 5 opponents with both colours
    for (const s of t.standings) expect(s.games).toBe(10);
    // the three that never make a legal move forfeit each game they move in: all but the two in
    // which the other one of the three, moving first, forfeited before them
    expect(by.get('loop')).toMatchObject({ forfeits: 8, forfeitReasons: { timeout: 8 }, wins: 2, file: playerPath('loop') });
    expect(by.get('trap')).toMatchObject({ forfeits: 8, wins: 2 });
    expect(Object.keys(by.get('trap')!.forfeitReasons)).toEqual([expect.stringMatching(/^trap: .*unreachable/i)]);
    expect(by.get('minus1')).toMatchObject({ forfeits: 8, forfeitReasons: { 'illegal move -1': 8 }, wins: 2 });
    // 'occupied' plays a cell twice on its second move, unless its game ended before
    expect(by.get('occupied')!.forfeits).toBeGreaterThan(0);
    expect(Object.keys(by.get('occupied')!.forfeitReasons).every((r) => /^illegal move \d+$/.test(r))).toBe(true);
    expect(by.get('first')!.forfeits).toBe(0);
    expect(by.get('random')!.forfeits).toBe(0);
    expect(formatTable(t)).toMatch(/\| loop \|.*\| 8 \(timeout: 8\) \|/);
  });
  it('the same seed gives the same table on 1 and 2 workers (players get the game\'s seed)', async () => {
    const opts = { ai: ['random', 'negamax', playerPath('seeded'), playerPath('random')], games: 3, seed: 42 };
    const [one, two] = await Promise.all([1, 2].map((jobs) => tournament({ ...opts, jobs })));
    const strip = (x: typeof one) => ({ pairs: x.pairs, standings: x.standings });
    expect(strip(two)).toEqual(strip(one));
    expect(one.standings.map((s) => s.ai).sort()).toEqual(['negamax', 'random', 'random-js', 'seeded']);
  });
  it('a refused player stops the tournament before a game; a name that is no AI and no .wasm is a TypeError', async () => {
    await expect(tournament({ ai: ['random', playerPath('v2')], games: 1, jobs: 0 })).rejects.toThrow(/kxo_abi_version returns 2/);
    await expect(tournament({ ai: ['random', 'mine.txt'], games: 1, jobs: 0 })).rejects.toThrow(TypeError);
  });
});

