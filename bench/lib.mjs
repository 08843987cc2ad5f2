// What every benchmark shares: the --quick mode (set by run.mjs through BENCH_QUICK), progress on
// stderr, and a results file per benchmark that run.mjs gathers into JSON and an SVG chart.
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const quick = process.env.BENCH_QUICK === '1';

/** One line on stderr, so stdout stays the tables. */
export function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

/** Times fn with benchmark.js; fewer samples in --quick mode. @returns the Benchmark */
export function timeIt(name, fn, opts = {}) {
  progress(name);
  const o = quick ? { minSamples: 2, maxTime: 0.1, initCount: 1 } : { minSamples: opts.minSamples ?? 5, maxTime: opts.maxTime ?? 3 };
  return new Promise((resolve) => {
    const b = new Benchmark(name, fn, { ...o, ...(opts.defer ? { defer: true } : {}), onComplete: () => resolve(b) });
    b.run();
  });
}

/**
 * Records a benchmark's results: `rows` of { workload, unit, wasm, ts, c? } where higher or lower
 * is better as `better` says. run.mjs turns them into bench/results.json and bench/results.svg.
 */
export function record(bench, rows, notes = []) {
  const dir = process.env.BENCH_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${bench}.json`), JSON.stringify({ bench, quick, rows, notes }, null, 2));
}
