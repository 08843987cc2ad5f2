// kxo's AIs per move: the WASM release build against the plain-TypeScript baseline and the same
// work in C (bench/kxo-c.c, built with the system's compiler), all in this run. MCTS from the
// empty board, negamax_predict from the empty board and three mid-game positions, and an
// engine-only replay of consecutive games (turn carried over, as the driver plays them). Every
// implementation must give the same moves, scores and PRNG state before its time counts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KxoEngine } from '../dist/wasm/kxo.js';
import { KxoEngineTs } from './.out/kxo.js';
import { quick, progress, timeIt, record, cProgram } from './lib.mjs';

const GAMES = Number(process.env.KXO_GAMES ?? 40);
const C = cProgram('kxo-c.c');
const C_LABEL = 'C (bench/kxo-c.c, cc -O2, this run)';
/**
 * kxo's own C, when a checkout of sysprog21/kxo is named by KXO_SRC: its engine files built in user
 * space against bench/kxo-own/include (nothing of kxo is kept here), checked against kxo's vectors
 */
const OWN = ownKxo();
const OWN_LABEL = "kxo's own C (KXO_SRC, cc -O2, this run)";
function ownKxo() {
  const src = process.env.KXO_SRC;
  if (!src) return null;
  const files = ['game.c', 'mcts.c', 'negamax.c', 'zobrist.c', 'xoroshiro.c'].map((f) => join(src, f));
  if (!files.every((f) => existsSync(f))) throw new Error(`KXO_SRC=${src}: not a kxo checkout (no ${files.find((f) => !existsSync(f))})`);
  const bin = join(mkdtempSync(join(tmpdir(), 'kxo-own-')), 'kxo-own');
  const here = fileURLToPath(new URL('./kxo-own/', import.meta.url));
  execFileSync(process.env.CC || 'cc', ['-O2', '-std=gnu99', '-w', '-I', join(here, 'include'), '-I', src, '-o', bin, join(here, 'main.c'), ...files], { stdio: 'inherit' });
  return bin;
}
const own = (...args) => runC(OWN, "kxo's own C", args);
const c = (...args) => runC(C, 'C', args);
/** Runs a C program of the bench; @returns its output's fields ("move 13 ms 95.1" → { move: 13, ms: 95.1 }) */
function runC(bin, what, args) {
  progress(`${what}: ${args.join(' ').trim()}`);
  const words = execFileSync(bin, args.map(String), { encoding: 'utf8' }).trim().split(' ');
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
/** [label, WASM ms, TS ms, C ms or null, kxo's own C ms or null] */
async function pair(label, fw, ft, fc, fown) {
  const a = await timeIt(`${label} wasm`, fw);
  const b = await timeIt(`${label} ts`, ft);
  const cm = C ? fc() : null;
  const om = OWN && fown ? fown() : null;
  rows.push([label, 1000 / a.hz, 1000 / b.hz, cm, om]);
  console.log(`${label}: wasm ${(1000 / a.hz).toFixed(2)} ms ±${a.stats.rme.toFixed(1)}%, ts ${(1000 / b.hz).toFixed(2)} ms ±${b.stats.rme.toFixed(1)}%${cm == null ? '' : `, C ${cm.toFixed(2)} ms`}${om == null ? '' : `, kxo's own C ${om.toFixed(2)} ms`}`);
}
const seed = wasm.xoroState;
await pair('mcts(empty, O)', () => { wasm.xoroState = seed; wasm.mcts(EMPTY, 'O'); }, () => { ts.xoroState = seed; ts.mcts(EMPTY, 'O'); }, () => {
  wasm.xoroState = seed;
  const want = { move: wasm.mcts(EMPTY, 'O'), state: [...wasm.xoroState] };
  const r = c('mcts', EMPTY, 'O', quick ? 1 : 5, ...seed);
  same('mcts(empty, O)', { move: r.move, state: r.state }, want);
  return r.ms;
}, () => {
  // from mcts_init's seed, as kxo's first move: the reference vector (mcts.jsonl seq 0) is 13
  const r = own('mcts', quick ? 1 : 3);
  same("kxo's own mcts from its seed", r.move, 13);
  return r.ms;
});
const negamaxC = (b, reps) => () => {
  const r = c('negamax', b, 'X', reps);
  same(`negamax_predict(${JSON.stringify(b)})`, { score: r.score, move: r.move }, wasm.negamaxPredict(b, 'X'));
  return r.ms;
};
const negamaxOwn = (b, reps) => () => {
  const r = own('negamax', b, reps);
  same(`kxo's own negamax_predict(${JSON.stringify(b)})`, { score: r.score, move: r.move }, wasm.negamaxPredict(b, 'X'));
  return r.ms;
};
await pair('negamax_predict(empty, X)', () => wasm.negamaxPredict(EMPTY, 'X'), () => ts.negamaxPredict(EMPTY, 'X'), negamaxC(EMPTY, quick ? 50 : 500), negamaxOwn(EMPTY, quick ? 20 : 200));
for (const [i, b] of MID.entries()) await pair(`negamax_predict(mid ${i + 1})`, () => wasm.negamaxPredict(b, 'X'), () => ts.negamaxPredict(b, 'X'), negamaxC(b, quick ? 2000 : 20000), negamaxOwn(b, quick ? 500 : 5000));

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

console.log("\n| workload | WASM ms/move | TS ms/move | C ms/move | kxo's own C ms/move | TS/WASM | C/WASM | kxo's C/WASM (above 1: WASM faster) |\n|---|---:|---:|---:|---:|---:|---:|---:|");
const f = (x) => (x == null ? '–' : x.toFixed(3));
const ratio = (x, a) => (x == null ? '–' : `${(x / a).toFixed(2)}x`);
for (const [l, a, b, cm, om] of rows) console.log(`| ${l} | ${f(a)} | ${f(b)} | ${f(cm)} | ${f(om)} | ${ratio(b, a)} | ${ratio(cm, a)} | ${ratio(om, a)} |`);
console.log(`\npeak linear memory of one engine: ${(wasm.memoryBytes / 2 ** 20).toFixed(1)} MiB (allocated once at init)`);
console.log(C ? `C: ${C_LABEL}, the same algorithm and data layout as assembly/kxo, checked move for move against the WASM engine` : 'C baseline skipped: no C compiler (set CC)');
console.log(OWN
  ? `kxo's own C: sysprog21/kxo from ${process.env.KXO_SRC}, built in user space against bench/kxo-own/include, checked against kxo's vectors`
  : "kxo's own C: not run (KXO_SRC=<a checkout of sysprog21/kxo> times it; kxo is not kept here)");
record('kxo', rows.map(([workload, wasm, ts, cm, om]) => ({ workload, unit: 'ms', better: 'lower', kind: 'WASM against TypeScript and C', series: { WASM: wasm, TypeScript: ts, [C_LABEL]: cm, [OWN_LABEL]: om } })));
