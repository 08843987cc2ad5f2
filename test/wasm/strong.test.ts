// The strong engine against the oracle (a complete solution of 4x4 three in a row): every one of
// the 300 positions answered with an optimal move and solved to its exact value and length.
import { describe, it, expect, beforeAll } from 'vitest';
import { StrongEngine } from '../../src/wasm/strong.js';
import { readJsonl } from '../helpers/fixtures.js';

interface Row { board: string; player: 'O' | 'X'; value: 'win' | 'draw' | 'loss'; plies: number; best: number[]; keep: number[] }
const rows = readJsonl<Row>('oracle/positions.jsonl');
let release: StrongEngine;
let test: StrongEngine;
beforeAll(async () => {
  release = await StrongEngine.create();
  test = await StrongEngine.create({ build: 'test' });
});

describe('strong engine on 4x4 / 3 (oracle positions)', () => {
  it('picks a move in `best` for all 300 positions (release and bounds-checked builds)', () => {
    const wrong: string[] = [];
    for (const [i, r] of rows.entries()) {
      for (const e of [release, test]) {
        const m = e.bestMove(r.board, r.player);
        if (!r.best.includes(m)) wrong.push(`row ${i}: ${JSON.stringify(r.board)} ${r.player} → ${m}, best ${r.best}`);
      }
    }
    expect(wrong).toEqual([]);
  });
  it('solve() gives every position its exact value and plies', () => {
    const wrong = rows.flatMap((r, i) => {
      const s = release.solve(r.board, r.player);
      return s.value === r.value && s.plies === r.plies ? [] : [`row ${i}: ${JSON.stringify(s)} vs ${r.value} ${r.plies}`];
    });
    expect(wrong).toEqual([]);
  });
  it('from the empty board the side to move wins in 5 plies', () => {
    expect(release.solve(' '.repeat(16), 'O')).toEqual({ value: 'win', plies: 5 });
    const m = release.bestMove(' '.repeat(16), 'O');
    expect([5, 6, 9, 10]).toContain(m); // the centre cells win in 5
  });
  it('refuses malformed boards and sizes', async () => {
    expect(() => release.bestMove('OX', 'O')).toThrow(TypeError);
    expect(() => release.bestMove(' '.repeat(16), 'Z' as never)).toThrow(TypeError);
    await expect(StrongEngine.create({ boardSize: 9 })).rejects.toThrow(RangeError);
    await expect(StrongEngine.create({ boardSize: 4, goal: 5 })).rejects.toThrow(RangeError);
    expect(release.bestMove('OOO             ', 'X')).toBe(-1); // already won
  });
  it('plays larger boards within its node budget (5x5/4, 6x6/4)', async () => {
    for (const [boardSize, goal] of [[5, 4], [6, 4], [3, 3]] as const) {
      const e = await StrongEngine.create({ boardSize, goal, nodeBudget: 50_000 });
      let board = ' '.repeat(boardSize * boardSize);
      let player: 'O' | 'X' = 'O';
      for (let i = 0; i < 4; i++) {
        const m = e.bestMove(board, player);
        expect(board[m]).toBe(' ');
        board = board.slice(0, m) + player + board.slice(m + 1);
        player = player === 'O' ? 'X' : 'O';
      }
    }
    // 3x3 tic-tac-toe is a draw with perfect play
    expect((await StrongEngine.create({ boardSize: 3, goal: 3 })).solve(' '.repeat(9), 'X')).toEqual({ value: 'draw', plies: 9 });
  });
});

describe('strong engine bounds and configuration', () => {
  it('options are validated; any budget still takes a win now; solve() refuses what it could not solve', async () => {
    for (const bad of [{ nodeBudget: Infinity }, { nodeBudget: 2 ** 31 }, { nodeBudget: 0 }, { exactCells: Infinity }, { exactCells: 25 }, { boardSize: 4.5 }, { goal: 3.5 }]) {
      await expect(StrongEngine.create(bad)).rejects.toThrow(RangeError);
    }
    const e = await StrongEngine.create({ boardSize: 5, goal: 3, nodeBudget: 1 });
    const board = 'OO       XX              ';
    expect(e.bestMove(board, 'O')).toBe(2); // the win, even when not one depth fits the budget
    expect(e.bestMove(board, 'X')).toBe(2); // X has no win now but must block O's
    const tight = await StrongEngine.create({ boardSize: 4, goal: 4, exactBudget: 10 });
    expect(() => tight.solve(' '.repeat(16), 'O')).toThrow(/not solved within 10 nodes/);
    expect(tight.bestMove(' '.repeat(16), 'O')).toBeGreaterThanOrEqual(0);
  });
});
