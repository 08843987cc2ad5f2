// kxo's AIs per move: the WASM release build against the plain-TypeScript baseline and the same
// work in C (bench/kxo-c.c, built with the system's compiler), all in this run. MCTS from the
// empty board, negamax_predict from the empty board and three mid-game positions, and an
// engine-only replay of consecutive games (turn carried over, as the driver plays them). Every
// implementation must give the same moves, scores and PRNG state before its time counts.
import { execFileSync } from 'node:child_process';
import { KxoEngine } from '../dist/wasm/kxo.js';
import { KxoEngineTs } from './.out/kxo.js';
import { quick, progress, timeIt, record, cProgram } from './lib.mjs';

const GAMES = Number(process.env.KXO_GAMES ?? 40);
const C = cProgram('kxo-c.c');
const C_LABEL = 'C (bench/kxo-c.c, cc -O2, this run)';
/** Runs the C baseline; @returns its output's fields ("move 13 ms 95.1" → { move: 13, ms: 95.1 }) */
function c(...args) {
  progress(`C: ${args.join(' ').trim()}`);
  const words = execFileSync(C, args.map(String), { encoding: 'utf8' }).trim().split(' ');
  const out = {};
  for (let i = 0; i < words.length; i += 1) {
    if (words[i] === 'state') out.state = [BigInt(words[++i]), BigInt(words[++i])];
    else out[words[i]] = Number(words[++i]);
  }
  return out;
}
const text = (x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
const same = (what, a, b) => {
  if (text(a) !== text(b)) throw new Error(`the C baseline differs on ${what}: ${text(a)} against the WASM engine's ${text(b)}`);
};
const EMPTY = ' '.repeat(16);
const MID = ['    X  X OO XO O', 'OX   O  O   X  X', ' XOXOXOXO  O    '];
const wasm = await KxoEngine.create({ build: 'release' });
const ts = new KxoEngineTs();

// identical results first: a faster engine that plays differently would prove nothing
for (const [b, p] of [[EMPTY, 'X'], [MID[0], 'X'], [MID[1], 'O']]) {
  const a = wasm.negamaxPredict(b, p);
  const c = ts.negamaxPredict(b, p);
  if (a.score !== c.score || a.move !== c.move) throw new Error(`negamax differs on ${JSON.stringify(b)}`);
}
wasm.xoroState = ts.xoroState;
if (wasm.mcts(EMPTY, 'O') !== ts.mcts(EMPTY, 'O') || wasm.xoroState.join() !== ts.xoroState.join()) throw new Error('mcts differs');

const rows = [];
/** [label, WASM ms, TS ms, C ms or null] */
async function pair(label, fw, ft, fc) {
  const a = await timeIt(`${label} wasm`, fw);
  const b = await timeIt(`${label} ts`, ft);
  const cm = C ? fc() : null;
  rows.push([label, 1000 / a.hz, 1000 / b.hz, cm]);
  console.log(`${label}: wasm ${(1000 / a.hz).toFixed(2)} ms ±${a.stats.rme.toFixed(1)}%, ts ${(1000 / b.hz).toFixed(2)} ms ±${b.stats.rme.toFixed(1)}%${cm == null ? '' : `, C ${cm.toFixed(2)} ms`}`);
}
const seed = wasm.xoroState;
await pair('mcts(empty, O)', () => { wasm.xoroState = seed; wasm.mcts(EMPTY, 'O'); }, () => { ts.xoroState = seed; ts.mcts(EMPTY, 'O'); }, () => {
  wasm.xoroState = seed;
  const want = { move: wasm.mcts(EMPTY, 'O'), state: [...wasm.xoroState] };
  const r = c('mcts', EMPTY, 'O', quick ? 1 : 5, ...seed);
  same('mcts(empty, O)', { move: r.move, state: r.state }, want);
  return r.ms;
});
const negamaxC = (b, reps) => () => {
  const r = c('negamax', b, 'X', reps);
  same(`negamax_predict(${JSON.stringify(b)})`, { score: r.score, move: r.move }, wasm.negamaxPredict(b, 'X'));
  return r.ms;
};
await pair('negamax_predict(empty, X)', () => wasm.negamaxPredict(EMPTY, 'X'), () => ts.negamaxPredict(EMPTY, 'X'), negamaxC(EMPTY, quick ? 50 : 500));
for (const [i, b] of MID.entries()) await pair(`negamax_predict(mid ${i + 1})`, () => wasm.negamaxPredict(b, 'X'), () => ts.negamaxPredict(b, 'X'), negamaxC(b, quick ? 2000 : 20000));

function replay(e, games) {
  let turn = 'O';
  let moves = 0;
  for (let g = 0; g < games; g++) {
    const b = new Array(16).fill(' ');
    while (e.checkWin(b.join('')) === ' ') {
      const m = turn === 'O' ? e.mcts(b.join(''), 'O') : e.negamaxPredict(b.join(''), 'X').move;
      if (m !== -1) b[m] = turn;
      turn = turn === 'O' ? 'X' : 'O';
      moves++;
    }
  }
  return moves;
}
// the replay repeats what the rows above time, move after move: a full run's figure only
if (!quick) {
  progress(`replaying ${GAMES} games on each engine`);
  const fw = await KxoEngine.create({ build: 'release' });
  let t = performance.now();
  const movesW = replay(fw, GAMES);
  const wasmReplay = performance.now() - t;
  const ft = new KxoEngineTs();
  t = performance.now();
  const movesT = replay(ft, GAMES);
  const tsReplay = performance.now() - t;
  if (movesW !== movesT) throw new Error('replays differ');
  let cReplay = null;
  if (C) {
    const r = c('replay', GAMES);
    same('the replay\'s move count', r.moves, movesW);
    cReplay = r.ms;
  }
  rows.push([`${GAMES}-game replay (${movesW} moves), per move`, wasmReplay / movesW, tsReplay / movesT, cReplay]);
}

console.log('\n| workload | WASM ms/move | TS ms/move | C ms/move | TS/WASM | C/WASM (above 1: WASM faster) |\n|---|---:|---:|---:|---:|---:|');
const f = (x) => (x == null ? '–' : x.toFixed(3));
for (const [l, a, b, cm] of rows) console.log(`| ${l} | ${f(a)} | ${f(b)} | ${f(cm)} | ${(b / a).toFixed(2)}x | ${cm == null ? '–' : `${(cm / a).toFixed(2)}x`} |`);
console.log(`\npeak linear memory of one engine: ${(wasm.memoryBytes / 2 ** 20).toFixed(1)} MiB (allocated once at init)`);
console.log(C ? `C: ${C_LABEL}, the same algorithm and data layout as assembly/kxo, checked move for move against the WASM engine` : 'C baseline skipped: no C compiler (set CC)');
console.log("kxo's own C (sysprog21/kxo, kernel-style, a node allocated per expansion) is not vendored here, so it is not run: an earlier session measured ~890 ms per MCTS move from its source on these machines");
record('kxo', rows.map(([workload, wasm, ts, cm]) => ({ workload, unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: wasm, TypeScript: ts, [C_LABEL]: cm } })));
