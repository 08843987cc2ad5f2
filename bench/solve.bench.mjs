// The exact solver from the empty board (`vchardev solve`): 4x4/4, 5x5/4 and 5x5/5 are draws, 6x6/4
// a first-player win; one core, the table cleared before each solve, the code warmed by a first
// solve of 4x4/4. Nodes are the same every run: only the time varies.
import { StrongEngine } from '../dist/wasm/strong.js';
import { quick, progress, record } from './lib.mjs';

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const boards = [[4, 4, quick ? 10 : 30], [5, 4, quick ? 1 : 3], ...(quick ? [] : [[5, 5, 1], [6, 4, 1]])];
const rows = [];
console.log('| from the empty board | value | plies | nodes | median ms |\n|---|---|---:|---:|---:|');
for (const [n, goal, runs] of boards) {
  progress(`solve ${n}x${n}/${goal} (${runs} run${runs > 1 ? 's' : ''})`);
  const e = await StrongEngine.create({ boardSize: n, goal, exactBudget: 1e11, solverTableBits: 22 });
  const empty = ' '.repeat(n * n);
  e.solve(' '.repeat(16).padEnd(n * n, ' '), 'O'); // warm the code (and take the table's memory)
  const times = [];
  let s;
  for (let r = 0; r < runs; r++) {
    e.clearTable();
    const t0 = performance.now();
    s = e.solve(empty, 'O');
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  console.log(`| ${n}x${n}, ${goal} in a row | ${s.value} | ${s.plies} | ${e.lastNodes.toLocaleString('en-US')} | ${ms.toFixed(ms < 100 ? 2 : 0)} |`);
  rows.push({ workload: `exact solve from the empty board, ${n}x${n}/${goal} (${s.value})`, unit: 'ms', better: 'lower', kind: 'the exact solver (WASM, one core)', series: { WASM: ms } });
}
record('solve', rows);
