// Players students bring (docs/kxo-ai-abi.md): what the worker boundary costs a move — a player
// that answers at once (the new-ai template, built now with the project's asc) against a built-in
// AI's call — and how many submissions a minute the grader gets through on 1 worker and on every
// core. The player's own think time is the worker's measure; the rest is the crossing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../dist/wasm/engine.js';
import { grade } from '../dist/tournament/grade.js';
import { quick, progress, record } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'player-bench-'));
const src = readFileSync(new URL('../templates/ai/as/player.ts', import.meta.url), 'utf8').replace('__KXO_NAME_BYTES__', '98, 101, 110, 99, 104');
writeFileSync(join(dir, 'player.ts'), src);
execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/assemblyscript/bin/asc.js', import.meta.url)), join(dir, 'player.ts'), '-o', join(dir, 'player.wasm'), '--runtime', 'stub', '-O3', '--noAssert']);
const wasm = join(dir, 'player.wasm');

const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
const N = quick ? 500 : 5000;
const board = 'O X  X O        ';
async function perMove(label, e) {
  progress(label);
  for (let i = 0; i < 200; i++) await e.bestMove(board, 'O');
  const t = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await e.bestMove(board, 'O');
    t.push(performance.now() - t0);
  }
  return t;
}
const player = await createEngine({ ai: { wasm } });
const p = await perMove(`a player through its worker, ${N} moves`, player);
player.close();
const random = await perMove(`the built-in random AI, ${N} moves`, await createEngine({ ai: 'random', seed: 1 }));
const us = (x) => (x * 1000).toFixed(1);
console.log(`| one move (4x4/3), ${N} times | median µs | p99 µs |\n|---|---:|---:|`);
console.log(`| a player answering at once, through its worker | ${us(pct(p, 0.5))} | ${us(pct(p, 0.99))} |`);
console.log(`| the built-in random AI, a call | ${us(pct(random, 0.5))} | ${us(pct(random, 0.99))} |`);

// the grader over two submissions (the same file twice), 10 games per opponent and colour
const cores = availableParallelism();
const games = quick ? 1 : 10;
const perMinute = async (jobs) => {
  progress(`grading 2 submissions on ${jobs} worker(s)`);
  const t0 = performance.now();
  for (let k = 0; k < 2; k++) await grade(wasm, { games, jobs, seed: k + 1 });
  return 2 / ((performance.now() - t0) / 60000);
};
const one = await perMinute(1);
const all = await perMinute(cores);
console.log(`\ngrading (${games} games per opponent and colour): ${one.toFixed(1)} submissions/min on 1 worker, ${all.toFixed(1)} on ${cores}`);
record('player', [
  { workload: 'a move through the worker boundary (a player that answers at once), median', unit: 'µs', better: 'lower', kind: 'players in WebAssembly', series: { 'a player, through its worker': pct(p, 0.5) * 1000, 'the built-in random AI, a call': pct(random, 0.5) * 1000 } },
  { workload: 'a move through the worker boundary (a player that answers at once), p99', unit: 'µs', better: 'lower', kind: 'players in WebAssembly', series: { 'a player, through its worker': pct(p, 0.99) * 1000, 'the built-in random AI, a call': pct(random, 0.99) * 1000 } },
  { workload: `grader submissions per minute (${games} games per opponent and colour)`, unit: 'per min', better: 'higher', kind: 'workers', series: { '1 worker': one, [`${cores} workers`]: cores > 1 ? all : null } },
]);
