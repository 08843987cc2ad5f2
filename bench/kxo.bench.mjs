// kxo's AIs per move: the WASM release build against the plain-TypeScript baseline, same run.
// MCTS from the empty board, negamax_predict from the empty board and three mid-game positions,
// and an engine-only replay of consecutive games (turn carried over, as the driver plays them).
import { KxoEngine } from '../dist/wasm/kxo.js';
import { KxoEngineTs } from './.out/kxo.js';
import { quick, progress, timeIt, record } from './lib.mjs';

const GAMES = Number(process.env.KXO_GAMES ?? (quick ? 1 : 40));
/** kxo's C at gcc -O2 on these 2-vCPU machines (ms per call), measured once from the original source */
const C_MS = { 'mcts(empty, O)': 890, 'negamax_predict(empty, X)': 4.2 };
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
async function pair(label, fw, ft) {
  const a = await timeIt(`${label} wasm`, fw);
  const b = await timeIt(`${label} ts`, ft);
  rows.push([label, 1000 / a.hz, 1000 / b.hz]);
  console.log(`${label}: wasm ${(1000 / a.hz).toFixed(2)} ms ±${a.stats.rme.toFixed(1)}%, ts ${(1000 / b.hz).toFixed(2)} ms ±${b.stats.rme.toFixed(1)}%`);
}
const seed = wasm.xoroState;
await pair('mcts(empty, O)', () => { wasm.xoroState = seed; wasm.mcts(EMPTY, 'O'); }, () => { ts.xoroState = seed; ts.mcts(EMPTY, 'O'); });
await pair('negamax_predict(empty, X)', () => wasm.negamaxPredict(EMPTY, 'X'), () => ts.negamaxPredict(EMPTY, 'X'));
for (const [i, b] of MID.entries()) await pair(`negamax_predict(mid ${i + 1})`, () => wasm.negamaxPredict(b, 'X'), () => ts.negamaxPredict(b, 'X'));

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
rows.push([`${GAMES}-game replay (${movesW} moves), per move`, wasmReplay / movesW, tsReplay / movesT]);

console.log('\n| workload | WASM ms/move | TS ms/move | TS/WASM |\n|---|---:|---:|---:|');
for (const [l, a, b] of rows) console.log(`| ${l} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(2)}x |`);
console.log(`\npeak linear memory of one engine: ${(wasm.memoryBytes / 2 ** 20).toFixed(1)} MiB (allocated once at init)`);
console.log(`kxo's C at gcc -O2 on the same machines: ${C_MS['mcts(empty, O)']} ms per MCTS move and ${C_MS['negamax_predict(empty, X)']} ms per negamax_predict from the empty board`);
record('kxo', rows.map(([workload, wasm, ts]) => ({ workload, unit: 'ms', better: 'lower', wasm, ts, c: C_MS[workload] ?? null })));
