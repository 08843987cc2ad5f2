// The WASM kxo engine (bounds-checked test build) against every reference vector of kxo's C;
// the release build is checked on a subset (issue 3).
import { describe, it, expect, beforeAll } from 'vitest';
import { KxoEngine } from '../../src/wasm/kxo.js';
import { readJsonl } from '../helpers/fixtures.js';

type Row = Record<string, any>;
let test: KxoEngine;
let release: KxoEngine;
beforeAll(async () => {
  test = await KxoEngine.create({ build: 'test' });
  release = await KxoEngine.create({ build: 'release' });
});
const fresh = (build: 'test' | 'release') => KxoEngine.create({ build });

describe('xoroshiro (kxo §9)', () => {
  it('every row of xoroshiro.jsonl', async () => {
    const e = await fresh('test');
    for (const r of readJsonl<Row>('kxo/xoroshiro.jsonl')) {
      if (r.kind === 'seed' || r.kind === 'state_after_1000_next') expect(e.xoroState, r.kind).toEqual([BigInt(r.s0), BigInt(r.s1)]);
      else if (r.kind === 'next') expect(e.xoroNext(), `next ${r.i}`).toBe(BigInt(r.value));
      else if (r.kind === 'jump') {
        const j = await fresh('test');
        for (let i = 0; i < r.k; i++) j.xoroJump();
        expect(j.xoroState, `jump ${r.k}`).toEqual([BigInt(r.s0), BigInt(r.s1)]);
      } else if (r.kind === 'jump_then_next') {
        const j = await fresh('test');
        let v = 0n;
        for (let i = 0; i < r.k; i++) {
          j.xoroJump();
          v = j.xoroNext();
        }
        expect(v, `jump_then_next ${r.k}`).toBe(BigInt(r.value));
      }
    }
  });
  it('spec vectors: first outputs and one jump from the seed', async () => {
    const e = await fresh('release');
    expect([e.xoroNext(), e.xoroNext(), e.xoroNext()]).toEqual([0x00732aedf8b9b0a1n, 0xf870f8065085b26bn, 0xfafd3af763e2d5e3n]);
    const j = await fresh('release');
    j.xoroJump();
    expect(j.xoroState).toEqual([0x46c00556075ac85bn, 0x6e59ed857ffd35aen]);
    expect(j.xoroNext()).toBe(0x22475d54110fe24dn);
  });
});

describe('board evaluation (kxo §6)', () => {
  it('check_win and get_score on all 2000 boards, test and release builds', () => {
    for (const r of readJsonl<Row>('kxo/board.jsonl')) {
      for (const e of [test, release]) {
        expect([r.i, e.checkWin(r.board), e.getScore(r.board, 'O'), e.getScore(r.board, 'X')]).toEqual([r.i, r.check_win, r.score_O, r.score_X]);
      }
    }
  });
  it('rejects a malformed board at the host API', () => {
    expect(() => test.checkWin('XO')).toThrow(TypeError);
    expect(() => test.getScore('?'.repeat(16), 'O')).toThrow(TypeError);
  });
});

describe('fixed point (kxo §8)', () => {
  it('every fixed_sqrt, fixed_log and uct_score row', () => {
    for (const r of readJsonl<Row>('kxo/fixed.jsonl')) {
      if (r.fn === 'fixed_sqrt') expect([r.x, test.fixedSqrt(r.x)]).toEqual([r.x, r.r]);
      else if (r.fn === 'fixed_log') expect([r.x, test.fixedLog(r.x)]).toEqual([r.x, r.r]);
      else if (r.fn === 'uct_score') expect([r.n_total, r.n_visits, r.score, test.uctScore(r.n_total, r.n_visits, r.score)]).toEqual([r.n_total, r.n_visits, r.score, r.r]);
      else expect(test.fixedSqrt(512)).toBe(r.r ?? r.value);
    }
    expect([384, 512, 1024, 128, 65536 * 256, 65537 * 256, 100000 * 256].map((v) => release.fixedLog(v))).toEqual([102, 176, 348, 0x800000b0, 1066, 0, 182]);
    expect([release.fixedSqrt(2), release.fixedSqrt(4), release.fixedSqrt(512)]).toEqual([3, 7, 362]);
  });
});

describe('negamax (kxo §7)', () => {
  const rows = readJsonl<Row>('kxo/negamax.jsonl').sort((a, b) => a.seq - b.seq);
  it.each(['test', 'release'] as const)('all 200 rows in recorded order (%s build)', async (build) => {
    const e = await fresh(build);
    for (const r of rows) expect([r.id, e.negamaxPredict(r.board, r.player)]).toEqual([r.id, { score: r.score, move: r.move }]);
  });
});

describe('mcts (kxo §8)', () => {
  const rows = readJsonl<Row>('kxo/mcts.jsonl');
  // one test per row, each from the row's own PRNG state, so rows are independent
  it.each(rows.map((r) => [r.seq, r] as const))('row %i', async (_seq, r) => {
    const e = await fresh('test');
    e.xoroState = [BigInt(r.xoro_before[0]), BigInt(r.xoro_before[1])];
    expect(e.mcts(r.board, r.player)).toBe(r.move);
    expect({ nodes: e.lastMcts!.nodes, rootVisits: e.lastMcts!.rootVisits }).toEqual({ nodes: r.nr_active_nodes, rootVisits: r.root_visits });
    expect(e.lastMcts!.children).toEqual(r.children.map((c: Row) => ({ move: c.move, visits: c.n_visits, score: c.score })));
    expect(e.xoroState).toEqual([BigInt(r.xoro_after[0]), BigInt(r.xoro_after[1])]);
  }, 60_000);
  it('the release build agrees on rows 0 and 15 (spec §12: move 13, 18245 nodes from the empty board)', async () => {
    for (const seq of [0, 15]) {
      const r = rows.find((x) => x.seq === seq)!;
      const e = await fresh('release');
      e.xoroState = [BigInt(r.xoro_before[0]), BigInt(r.xoro_before[1])];
      expect(e.mcts(r.board, r.player)).toBe(r.move);
      expect(e.lastMcts!.nodes).toBe(r.nr_active_nodes);
      expect(e.xoroState).toEqual([BigInt(r.xoro_after[0]), BigInt(r.xoro_after[1])]);
    }
  });
});

describe('memory layout: the playout scratch has its own region', () => {
  it('an MCTS search leaves every Zobrist key as negamax needs it (both builds)', async () => {
    for (const build of ['test', 'release'] as const) {
      const e = await fresh(build);
      const keys = e.zobristKeys();
      expect(new Set(keys).size).toBe(32);
      e.mcts('                ', 'O');
      e.mcts('OX  X  O        ', 'X');
      expect(e.zobristKeys()).toEqual(keys);
    }
  });
});

describe('games (kxo §3, §12)', () => {
  it('the 10 consecutive games of games.jsonl, engine only, turn carried over', async () => {
    const e = await fresh('release');
    let turn: 'O' | 'X' = 'O';
    for (const g of readJsonl<Row>('kxo/games.jsonl')) {
      const b = new Array(16).fill(' ');
      const moves: number[] = [];
      const first = turn;
      while (e.checkWin(b.join('')) === ' ') {
        const m = turn === 'O' ? e.mcts(b.join(''), 'O') : e.negamaxPredict(b.join(''), 'X').move;
        if (m !== -1) {
          b[m] = turn;
          moves.push(m);
        }
        turn = turn === 'O' ? 'X' : 'O';
      }
      expect({ game: g.game, first, moves, winner: e.checkWin(b.join('')), board: b.join('') })
        .toEqual({ game: g.game, first: g.first, moves: g.moves, winner: g.winner, board: g.final_board });
    }
  });
});

describe('other board shapes (issue 11: size and goal as parameters)', () => {
  it('configure() checks its range and scales the limits; back on 4x4/3 it is kxo again, bit for bit', async () => {
    const e = await fresh('test');
    expect([e.boardSize, e.goal, e.mctsIterations, e.negamaxDepth]).toEqual([4, 3, 100000, 6]);
    for (const [n, g] of [[2, 2], [9, 3], [5, 6], [4, 2], [4.5, 3]] as const) expect(() => e.configure(n, g)).toThrow(RangeError);
    e.configure(5, 4);
    expect([e.mctsIterations, e.negamaxDepth]).toEqual([26214, 4]);
    expect(() => e.checkWin(' '.repeat(16))).toThrow(TypeError);
    // a 5x5 board: four in a row wins, three does not
    expect(e.checkWin('OOO  ' + ' '.repeat(20))).toBe(' ');
    expect(e.checkWin(' XXXX' + ' '.repeat(20))).toBe('X');
    expect(e.checkWin('O     O     O     O      ')).toBe('O');
    expect(e.checkWin('   O   O   O   O         ')).toBe('O');
    e.configure(8, 8);
    expect([e.mctsIterations, e.negamaxDepth]).toEqual([1562, 4]);
    expect(e.zobristKeys()).toHaveLength(128);
    expect(new Set(e.zobristKeys()).size).toBe(128);
    expect(e.checkWin('X'.repeat(8) + ' '.repeat(56))).toBe('X');
    const m = e.mcts(' '.repeat(64), 'O');
    expect(m).toBeGreaterThanOrEqual(0);
    expect(e.lastMcts!.nodes).toBeLessThanOrEqual(1 + 64 * 1562);
    e.configure(4, 3);
    for (const r of readJsonl<Row>('kxo/board.jsonl').slice(0, 200)) expect([r.i, e.checkWin(r.board), e.getScore(r.board, 'O')]).toEqual([r.i, r.check_win, r.score_O]);
    const rows = readJsonl<Row>('kxo/negamax.jsonl').sort((a, b) => a.seq - b.seq).slice(0, 40);
    const f = await fresh('test');
    f.configure(6, 4);
    f.negamaxPredict(' '.repeat(36), 'O');
    f.configure(4, 3);
    for (const r of rows) expect([r.id, f.negamaxPredict(r.board, r.player)]).toEqual([r.id, { score: r.score, move: r.move }]);
  }, 60_000);
});
