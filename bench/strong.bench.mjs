// The strong engine per move: the WASM build against the plain-TypeScript baseline (same
// algorithm, same run) over the 300 oracle positions and from the empty board, with kxo's
// negamax for scale. Both keep their transposition table across positions, as in a game.
import { readFileSync } from 'node:fs';
import { StrongEngine } from '../dist/wasm/strong.js';
import { KxoEngine } from '../dist/wasm/kxo.js';
import { StrongEngineTs } from './.out/strong.js';
import { quick, progress, record } from './lib.mjs';

const rows = readFileSync(new URL('../test/fixtures/oracle/positions.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const ROUNDS = quick ? 2 : 10;
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];

async function perMove(label, make) {
  progress(label);
  const times = [];
  const e = await make();
  for (let r = 0; r < ROUNDS; r++) {
    e.clearTable(); // each round starts from an empty table
    for (const row of rows) {
      const t0 = performance.now();
      const m = e.bestMove(row.board, row.player);
      times.push(performance.now() - t0);
      if (!row.best.includes(m)) throw new Error(`${label}: row ${row.board} answered ${m}, not an optimal move`);
    }
  }
  return times;
}
const wasm = await perMove('strong WASM over the oracle positions', () => StrongEngine.create());
const ts = await perMove('strong TS over the oracle positions', () => new StrongEngineTs(4, 3));
const kxo = await KxoEngine.create();
progress("kxo's negamax over the same positions");
const nk = [];
for (let r = 0; r < ROUNDS; r++) for (const row of rows) {
  const t0 = performance.now();
  kxo.negamaxPredict(row.board, row.player);
  nk.push(performance.now() - t0);
}
// one engine each, the table cleared before every timed search (fresh memory would time the
// operating system's first touch of 16 MiB, not the search)
const empty = async (make) => {
  const e = await make();
  const t = [];
  for (let r = 0; r < (quick ? 10 : 50); r++) {
    e.clearTable();
    const t0 = performance.now();
    e.bestMove(' '.repeat(16), 'O');
    t.push(performance.now() - t0);
  }
  return pct(t, 0.5);
};
const ew = await empty(() => StrongEngine.create());
const et = await empty(() => new StrongEngineTs(4, 3));

console.log('| per move, 4x4/3 | median ms | p99 ms |\n|---|---:|---:|');
for (const [name, t] of [['strong, WASM', wasm], ['strong, plain TS', ts], ["kxo's negamax (WASM)", nk]]) {
  console.log(`| ${name} | ${pct(t, 0.5).toFixed(4)} | ${pct(t, 0.99).toFixed(3)} |`);
}
console.log(`\nfrom the empty board (a cleared table): WASM ${ew.toFixed(2)} ms, TS ${et.toFixed(2)} ms (${(et / ew).toFixed(2)}x)`);
console.log(`over the oracle positions, median: TS/WASM ${(pct(ts, 0.5) / pct(wasm, 0.5)).toFixed(2)}x; p99: ${(pct(ts, 0.99) / pct(wasm, 0.99)).toFixed(2)}x`);
record('strong', [
  { workload: 'strong engine per move, oracle positions (median)', unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: pct(wasm, 0.5), TypeScript: pct(ts, 0.5) } },
  { workload: 'strong engine per move, oracle positions (p99)', unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: pct(wasm, 0.99), TypeScript: pct(ts, 0.99) } },
  { workload: 'strong engine, empty board, cleared table', unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: ew, TypeScript: et } },
]);
