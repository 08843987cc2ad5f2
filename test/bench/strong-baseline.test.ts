// The plain-TypeScript strong engine (the benchmark baseline) plays exactly as well: every oracle
// position answered with an optimal move, so the benchmark compares like with like.
import { describe, it, expect } from 'vitest';
import { StrongEngineTs } from '../../bench/baseline/strong.js';
import { readJsonl } from '../helpers/fixtures.js';

describe('strong engine baseline (TS) on the oracle positions', () => {
  it('picks a move in `best` for all 300, with the exact score', () => {
    const e = new StrongEngineTs(4, 3);
    const rows = readJsonl<{ board: string; player: 'O' | 'X'; value: string; plies: number; best: number[] }>('oracle/positions.jsonl');
    const wrong = rows.flatMap((r, i) => {
      const m = e.bestMove(r.board, r.player);
      const s = e.lastScore;
      const plies = s > 0 ? 1000000 - s : s < 0 ? 1000000 + s : [...r.board].filter((c) => c === ' ').length;
      return r.best.includes(m) && plies === r.plies ? [] : [`row ${i}: ${m} (${plies}) vs ${r.best} (${r.plies})`];
    });
    expect(wrong).toEqual([]);
  });
});
