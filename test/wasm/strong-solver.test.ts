// The strong engine's exact solver beyond 16 empty cells: the known values of the solved boards,
// every answer checked against a plain minimax written here (no symmetry, no pruning but the
// game's own end) on positions it can finish, the 8 images of a position agreeing, and bestMove()
// keeping what the solver proved.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { StrongEngine, type SolveProgress } from '../../src/wasm/strong.js';

type Side = 'O' | 'X';
const other = (p: Side): Side => (p === 'O' ? 'X' : 'O');

/** every run of `goal` cells on an n x n board */
function lines(n: number, goal: number): number[][] {
  const out: number[][] = [];
  for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]] as const) {
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const cells = Array.from({ length: goal }, (_, k) => [r + dr * k, c + dc * k] as const);
        if (cells.every(([y, x]) => y >= 0 && y < n && x >= 0 && x < n)) out.push(cells.map(([y, x]) => y * n + x));
      }
    }
  }
  return out;
}
const won = (b: string, ls: number[][], p: Side) => ls.some((l) => l.every((c) => b[c] === p));

/** win (1), draw (0) or loss (-1) for `p` to move, by plain minimax with a memo */
function minimax(b: string, p: Side, ls: number[][], memo: Map<string, number>): number {
  const key = b + p;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  let best = b.includes(' ') ? -1 : 0;
  for (let i = 0; i < b.length && best < 1; i++) {
    if (b[i] !== ' ') continue;
    const next = b.slice(0, i) + p + b.slice(i + 1);
    const v = won(next, ls, p) ? 1 : -minimax(next, other(p), ls, memo);
    if (v > best) best = v;
  }
  memo.set(key, best);
  return best;
}

/** the image of a board under symmetry s (the same 8 the engine folds) */
function image(b: string, n: number, s: number): string {
  const out = new Array<string>(b.length);
  const m = n - 1;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const to = [[r, c], [c, m - r], [m - r, m - c], [m - c, r], [r, m - c], [m - r, c], [c, r], [m - c, m - r]][s]!;
      out[to[0] * n + to[1]] = b[r * n + c]!;
    }
  }
  return out.join('');
}

const VALUE = { win: 1, draw: 0, loss: -1 } as const;

describe('the exact solver on whole boards (known values)', () => {
  it('3x3/3, 4x4/4 and 5x5/4 are draws; 4x4/3 and 5x5/3 are wins in 5 plies', async () => {
    const known: [number, number, { value: string; plies: number }][] = [
      [3, 3, { value: 'draw', plies: 9 }],
      [4, 3, { value: 'win', plies: 5 }],
      [4, 4, { value: 'draw', plies: 16 }],
      [5, 3, { value: 'win', plies: 5 }],
      [5, 4, { value: 'draw', plies: 25 }],
    ];
    for (const [boardSize, goal, want] of known) {
      const e = await StrongEngine.create({ boardSize, goal, exactBudget: 100_000_000 });
      expect(e.solve(' '.repeat(boardSize * boardSize), 'X'), `${boardSize}x${boardSize}/${goal}`).toEqual(want);
      expect(e.lastNodes).toBeGreaterThan(0);
    }
  });
  it('5x5/5 is a draw too, a long solve that reports progress: nodes growing, the root moves settled of all', async () => {
    const e = await StrongEngine.create({ boardSize: 5, goal: 5, exactBudget: 100_000_000 });
    const seen: SolveProgress[] = [];
    expect(e.solve(' '.repeat(25), 'O', { onProgress: (p) => seen.push(p) })).toEqual({ value: 'draw', plies: 25 });
    expect(seen.length).toBeGreaterThan(0);
    for (const [i, p] of seen.entries()) {
      expect(p.rootMoves).toBe(25);
      expect(p.rootDone).toBeLessThan(25);
      if (i > 0) expect(p.nodes).toBeGreaterThan(seen[i - 1]!.nodes);
    }
    expect(e.lastNodes).toBeGreaterThan(seen.at(-1)!.nodes);
  });
});

describe('the exact solver against plain minimax', () => {
  // positions reached by random play with exactly `empties` cells left and no line yet: a
  // stone that would end the game goes to the next free cell that does not
  const position = (n: number, goal: number, empties: number) =>
    fc.array(fc.nat(), { minLength: n * n - empties, maxLength: n * n - empties }).map((picks) => {
      const ls = lines(n, goal);
      let b = ' '.repeat(n * n);
      let p: Side = 'X';
      for (const k of picks) {
        const free = [...b].flatMap((c, i) => (c === ' ' ? [i] : []));
        const next = free.map((_, j) => free[(k + j) % free.length]!).map((at) => b.slice(0, at) + p + b.slice(at + 1)).find((nb) => !won(nb, ls, p));
        if (next === undefined) break;
        b = next;
        p = other(p);
      }
      return { b, p };
    });
  for (const [n, goal, empties, runs] of [[4, 4, 10, 40], [4, 4, 7, 100], [5, 4, 11, 30], [5, 5, 11, 20], [6, 4, 10, 20]] as const) {
    it(`${n}x${n}/${goal}: the value of ${runs} positions with ${empties} empty cells, and of their 8 images`, async () => {
      // exactCells 0: bestMove() goes through the solver too, not the distance search
      const e = await StrongEngine.create({ boardSize: n, goal, exactCells: 0, exactBudget: 50_000_000 });
      const ls = lines(n, goal);
      fc.assert(fc.property(position(n, goal, empties), ({ b, p }) => {
        const want = minimax(b, p, ls, new Map());
        for (let s = 0; s < 8; s++) {
          const got = e.solve(image(b, n, s), p);
          if (VALUE[got.value] !== want) return false;
        }
        // the move played keeps the value: the opponent then has its negation
        const m = e.bestMove(b, p);
        const after = b.slice(0, m) + p + b.slice(m + 1);
        const next = won(after, ls, p) ? 1 : after.includes(' ') ? -minimax(after, other(p), ls, new Map()) : 0;
        return b[m] === ' ' && next === want;
      }), { numRuns: runs, seed: 21 });
    });
  }
});

describe('the exact solver: budgets and refusals', () => {
  it('a budget too small is a RangeError; the table size is validated; a finished game is refused', async () => {
    const tight = await StrongEngine.create({ boardSize: 5, goal: 4, exactBudget: 1000 });
    expect(() => tight.solve(' '.repeat(25), 'O')).toThrow(/not solved within 1000 nodes/);
    // and its moves still come, from the budgeted search
    expect(tight.bestMove(' '.repeat(25), 'O')).toBeGreaterThanOrEqual(0);
    for (const solverTableBits of [15, 27, 20.5]) await expect(StrongEngine.create({ solverTableBits })).rejects.toThrow(RangeError);
    const e = await StrongEngine.create({ boardSize: 5, goal: 4, solverTableBits: 16 });
    expect(() => e.solve('XXXX' + ' '.repeat(21), 'O')).toThrow(/already over/);
    expect(() => e.solve('OXOXO' + 'XOXOX' + 'XOXOX' + 'OXOXO' + 'OXOXO', 'X')).toThrow(/already over/);
  });
  it('a loss or a win beyond 16 empty cells has its length measured by deepening (5x5/3)', async () => {
    // X on 0, 1 and 5 threatens 2 and 10; O on 7 and 24 has no line: O to move loses at ply 2,
    // X to move wins at ply 1
    const e = await StrongEngine.create({ boardSize: 5, goal: 3 });
    const b = [...' '.repeat(25)].map((c, i) => ([0, 1, 5].includes(i) ? 'X' : [7, 24].includes(i) ? 'O' : c)).join('');
    expect(e.solve(b, 'O')).toEqual({ value: 'loss', plies: 2 });
    expect(e.solve(b, 'X')).toEqual({ value: 'win', plies: 1 });
    expect([2, 10]).toContain(e.bestMove(b, 'X'));
  });
});
