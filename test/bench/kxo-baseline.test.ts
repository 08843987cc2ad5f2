// The plain-TypeScript baseline engine (bench/baseline) against kxo's reference vectors: the
// benchmark compares like with like only if both engines give identical results.
import { describe, it, expect } from 'vitest';
import { KxoEngineTs, fixedSqrt, fixedLog, uctScore, EXPLORATION_FACTOR, XORO_SEED } from '../../bench/baseline/kxo.js';
import { readJsonl } from '../helpers/fixtures.js';

type Row = Record<string, any>;

describe('xoroshiro (kxo §9)', () => {
  it('matches every row of xoroshiro.jsonl', () => {
    const rows = readJsonl<Row>('kxo/xoroshiro.jsonl');
    const e = new KxoEngineTs();
    for (const r of rows) {
      switch (r.kind) {
        case 'seed':
          expect(e.xoroState).toEqual([BigInt(r.s0), BigInt(r.s1)]);
          break;
        case 'next':
          expect(e.xoroNext(), `next ${r.i}`).toBe(BigInt(r.value));
          break;
        case 'state_after_1000_next':
          expect(e.xoroState).toEqual([BigInt(r.s0), BigInt(r.s1)]);
          break;
        case 'jump': {
          const j = new KxoEngineTs();
          for (let i = 0; i < r.k; i++) j.xoroJump();
          expect(j.xoroState, `jump ${r.k}`).toEqual([BigInt(r.s0), BigInt(r.s1)]);
          break;
        }
        case 'jump_then_next': {
          const j = new KxoEngineTs();
          expect(j.xoroState).toEqual([...XORO_SEED]);
          // the playout pattern, k times over: jump, then draw one value
          let v = 0n;
          for (let i = 0; i < r.k; i++) {
            j.xoroJump();
            v = j.xoroNext();
          }
          expect(v, `jump_then_next ${r.k}`).toBe(BigInt(r.value));
          break;
        }
      }
    }
  });
});

describe('board evaluation (kxo §6)', () => {
  it('check_win and get_score on all 2000 boards', () => {
    const e = new KxoEngineTs();
    for (const r of readJsonl<Row>('kxo/board.jsonl')) {
      expect([r.i, e.checkWin(r.board), e.getScore(r.board, 'O'), e.getScore(r.board, 'X')]).toEqual([r.i, r.check_win, r.score_O, r.score_X]);
    }
  });
});

describe('fixed point (kxo §8)', () => {
  it('fixed_sqrt, fixed_log, uct_score and EXPLORATION_FACTOR rows', () => {
    let n = 0;
    for (const r of readJsonl<Row>('kxo/fixed.jsonl')) {
      n++;
      if (r.fn === 'fixed_sqrt') expect([r.x, fixedSqrt(r.x)]).toEqual([r.x, r.r]);
      else if (r.fn === 'fixed_log') expect([r.x, fixedLog(r.x)]).toEqual([r.x, r.r]);
      else if (r.fn === 'uct_score') expect([r.n_total, r.n_visits, r.score, uctScore(r.n_total, r.n_visits, r.score)]).toEqual([r.n_total, r.n_visits, r.score, r.r]);
      else expect(EXPLORATION_FACTOR).toBe(r.r ?? r.value);
    }
    expect(n).toBe(9095);
    expect([fixedLog(384), fixedLog(512), fixedLog(1024), fixedLog(128), fixedLog(65536 * 256), fixedLog(65537 * 256), fixedLog(100000 * 256)])
      .toEqual([102, 176, 348, 0x800000b0, 1066, 0, 182]);
  });
});

const mctsRows = readJsonl<Row>('kxo/mcts.jsonl');

describe('mcts (kxo §8)', () => {
  // one engine per row, each starting from the row's recorded PRNG state: rows are independent
  it.each([0, 1, 15, 40, 99])('row %i: move, tree size, root children and PRNG state after', (seq) => {
    const r = mctsRows.find((x) => x.seq === seq)!;
    const e = new KxoEngineTs();
    e.xoroState = [BigInt(r.xoro_before[0]), BigInt(r.xoro_before[1])];
    expect(e.mcts(r.board, r.player)).toBe(r.move);
    expect(e.lastMcts!.nodes).toBe(r.nr_active_nodes);
    expect(e.lastMcts!.rootVisits).toBe(r.root_visits);
    expect(e.lastMcts!.children).toEqual(r.children.map((c: Row) => ({ move: c.move, visits: c.n_visits, score: c.score })));
    expect(e.xoroState).toEqual([BigInt(r.xoro_after[0]), BigInt(r.xoro_after[1])]);
  });
});

describe('negamax (kxo §7)', () => {
  it('all 200 rows in recorded order with the mainline heapsort', () => {
    const e = new KxoEngineTs();
    const rows = readJsonl<Row>('kxo/negamax.jsonl').sort((a, b) => a.seq - b.seq);
    for (const r of rows) expect([r.id, e.negamaxPredict(r.board, r.player)]).toEqual([r.id, { score: r.score, move: r.move }]);
  });
});
