// What every benchmark shares: the --quick mode (set by run.mjs through BENCH_QUICK), progress on
// stderr, and a results file per benchmark that run.mjs gathers into JSON and an SVG chart.
import Benchmark from 'benchmark';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const quick = process.env.BENCH_QUICK === '1';

/** One line on stderr, so stdout stays the tables. */
export function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

/**
 * Times fn: with benchmark.js, or in --quick mode with a plain loop: 50 ms of warm-up, then
 * ~0.15 s of samples (at least two, one for a call of 0.5 s; a sample is a batch of calls lasting
 * 5 ms or more). `defer` fns get a deferred whose resolve() ends the call, as benchmark.js does.
 * @returns { name, hz, stats: { rme } }
 */
export function timeIt(name, fn, opts = {}) {
  progress(name);
  if (quick) return quickTime(name, fn, opts.defer);
  const o = { minSamples: opts.minSamples ?? 5, maxTime: opts.maxTime ?? 3 };
  return new Promise((resolve) => {
    const b = new Benchmark(name, fn, { ...o, ...(opts.defer ? { defer: true } : {}), onComplete: () => resolve(b) });
    b.run();
  });
}

async function quickTime(name, fn, defer) {
  const call = defer ? () => new Promise((resolve) => fn({ resolve })) : fn;
  // a synchronous fn runs batches without an await per call (a microtask would be most of a
  // call that takes tens of ns), as benchmark.js's compiled loop runs it
  const runBatch = defer
    ? async (n) => { for (let i = 0; i < n; i++) await call(); }
    : (n) => { for (let i = 0; i < n; i++) call(); };
  // warm-up: 50 ms of calls (the JIT's tiers), or one call when that alone takes 50 ms or more
  let t = performance.now();
  let calls = 0;
  do {
    await call();
    calls++;
  } while (performance.now() - t < 50);
  const one = Math.max((performance.now() - t) / calls, 1e-4);
  const batch = Math.max(1, Math.ceil(5 / one));
  // a call of 50 ms or more is warm enough after one run: it counts as the first sample, and
  // one of half a second is the only one
  const samples = calls === 1 ? [one] : [];
  const end = performance.now() + 150;
  while (samples.length < (one >= 500 ? 1 : 2) || (performance.now() < end && samples.length < 50)) {
    t = performance.now();
    await runBatch(batch);
    samples.push((performance.now() - t) / batch);
  }
  const mean = samples.reduce((a, x) => a + x, 0) / samples.length;
  const sd = samples.length > 1 ? Math.sqrt(samples.reduce((a, x) => a + (x - mean) ** 2, 0) / (samples.length - 1)) : 0;
  return { name, hz: 1000 / mean, stats: { rme: ((1.96 * sd) / Math.sqrt(samples.length) / mean) * 100 } };
}

/**
 * The C baseline `file` (in bench/), built now with the system's compiler ($CC or cc, -O2);
 * null where there is none (the caller prints that the C figures were skipped).
 */
export function cProgram(file) {
  const bin = join(mkdtempSync(join(tmpdir(), 'vchardev-bench-')), file.replace(/\.c$/, ''));
  try {
    execFileSync(process.env.CC || 'cc', ['-O2', '-o', bin, fileURLToPath(new URL(`./${file}`, import.meta.url))], { stdio: 'ignore' });
    return bin;
  } catch {
    return null;
  }
}

/**
 * Records a benchmark's results for run.mjs (bench/results.json, .md and .svg). A row is one
 * comparison: { workload, unit, better: 'lower' | 'higher', kind, series: { label: value } }, where
 * `kind` names what is compared (the chart draws each kind with its own legend) and each label
 * says what its bar is ("WASM", "C (cc -O2, this run)", "2 workers", …). A null value is left out.
 */
export function record(bench, rows, notes = []) {
  const dir = process.env.BENCH_OUT;
  if (!dir) return;
  for (const r of rows) {
    if (!r.kind || !r.series || !['lower', 'higher'].includes(r.better)) throw new Error(`bench ${bench}: a row needs kind, series and better: ${JSON.stringify(r)}`);
    for (const k of Object.keys(r.series)) if (r.series[k] == null || !Number.isFinite(r.series[k])) delete r.series[k];
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${bench}.json`), JSON.stringify({ bench, quick, rows, notes }, null, 2));
}
