// The C baseline of bench/kxo.bench.mjs (bench/kxo-c.c) against kxo's reference vectors: the
// bench compares the WASM engine with it only if both do the same work, move for move.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonl } from '../helpers/fixtures.js';

type Row = Record<string, any>;
let bin: string;
beforeAll(() => {
  bin = join(mkdtempSync(join(tmpdir(), 'kxo-c-')), 'kxo-c');
  execFileSync(process.env.CC || 'cc', ['-O2', '-o', bin, fileURLToPath(new URL('../../bench/kxo-c.c', import.meta.url))]);
});
const run = (...args: Array<string | number>) => execFileSync(bin, args.map(String), { encoding: 'utf8' }).trim().split(' ');

describe('bench/kxo-c.c against kxo\'s vectors', () => {
  it('MCTS: the move and the PRNG state after it, for the first 12 rows of mcts.jsonl', () => {
    for (const r of readJsonl<Row>('kxo/mcts.jsonl').slice(0, 12)) {
      const w = run('mcts', r.board, r.player, 1, r.xoro_before[0], r.xoro_before[1]);
      expect({ seq: r.seq, move: Number(w[1]), state: [w[3], w[4]] }).toEqual({ seq: r.seq, move: r.move, state: r.xoro_after });
    }
  });
  it('negamax_predict: score and move for every row of negamax.jsonl', () => {
    for (const r of readJsonl<Row>('kxo/negamax.jsonl')) {
      const w = run('negamax', r.board, r.player, 1);
      expect({ id: r.id, score: Number(w[1]), move: Number(w[3]) }).toEqual({ id: r.id, score: r.score, move: r.move });
    }
  });
  it('refuses what it does not understand (exit 2)', () => {
    expect(() => run('mcts', 'short', 'O', 1)).toThrow();
    expect(() => run('chess')).toThrow();
  });
});
