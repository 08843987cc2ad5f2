// `npm run bench [-- --quick] [--runs N] [--json FILE] [--svg FILE] [--md FILE] [name …]`: every
// bench/*.bench.mjs in turn (each prints its own tables), N times over; then the results gathered
// as JSON, a Markdown table of each figure's range over the runs (the README's numbers come from
// `--runs 3`) and an SVG chart that draws each kind of comparison with its own legend and axes.
import { readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chart, spread, fmt } from './chart.mjs';
import { availableParallelism, cpus } from 'node:os';

const dir = fileURLToPath(new URL('.', import.meta.url));
let args;
try {
  args = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      report: { type: 'boolean', default: false },
      md: { type: 'string', default: join(dir, 'results.md') },
      json: { type: 'string', default: join(dir, 'results.json') },
      svg: { type: 'string', default: join(dir, 'results.svg') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.mjs')).sort();
if (args.values.help) {
  // every bench there is, read from the folder, and nothing built to say so
  console.log(`usage: npm run bench -- [--quick] [--runs N] [--json FILE] [--svg FILE] [--md FILE] [name …]

  --quick    fewer samples and shorter runs (under 30 s in all): indicative figures only
  --runs N   every bench N times; each figure is then reported as its range over the runs
  --report   write the JSON, Markdown and chart again from the last run's results, running nothing

benches: ${all.map((f) => f.replace('.bench.mjs', '')).join(', ')}`);
  process.exit(0);
}
const out = join(dir, '.out', 'results');
const report = args.values.report;
const runs = report ? (existsSync(out) ? readdirSync(out).length : 0) : Number(args.values.runs);
if (report && !runs) {
  console.error('bench: --report needs a run first (bench/.out/results is empty)');
  process.exit(2);
}
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error('bench: --runs takes 1..20');
  process.exit(2);
}
// the build the benches run (dist/, build/ and the bench's own TypeScript)
for (const argv of report ? [] : [['run', 'build'], ['exec', '--', 'tsc', '-p', 'tsconfig.bench.json']]) {
  const b = spawnSync('npm', argv, { stdio: 'inherit', cwd: join(dir, '..') });
  if (b.status) process.exit(b.status ?? 1);
}
const only = args.positionals;
const benches = report ? [] : all.filter((f) => !only.length || only.some((o) => f.startsWith(`${o}.`)));
if (!report) rmSync(out, { recursive: true, force: true });
// --report keeps what the last run was
const quick = report ? JSON.parse(readFileSync(join(out, '1', readdirSync(join(out, '1'))[0]), 'utf8')).quick : args.values.quick;
if (quick && !report) console.log('\n(quick: fewer samples and shorter runs; the figures are indicative, not the README\'s, which come from `npm run bench -- --runs 3`)');
const t0 = performance.now();
for (let run = 1; run <= (report ? 0 : runs); run++) {
  for (const [i, f] of benches.entries()) {
    const start = performance.now();
    const tag = runs > 1 ? ` (run ${run} of ${runs})` : '';
    console.log(`\n## ${f}${quick ? ' (quick)' : ''}${tag}`);
    process.stderr.write(`[${i + 1}/${benches.length}]${tag} ${f} …\n`);
    const r = spawnSync(process.execPath, [join(dir, f)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_OUT: join(out, String(run)), BENCH_QUICK: quick ? '1' : '0' },
    });
    process.stderr.write(`[${i + 1}/${benches.length}]${tag} ${f} done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
    if (r.status) process.exitCode = r.status;
  }
}

const perRun = Array.from({ length: runs }, (_, i) => {
  const d = join(out, String(i + 1));
  return existsSync(d) ? readdirSync(d).map((f) => JSON.parse(readFileSync(join(d, f), 'utf8'))) : [];
});
/** Each bench's rows with every series value as its { min, max, mid (median), n } over the runs. */
function merge() {
  return (perRun[0] ?? []).map((first) => ({
    ...first,
    rows: first.rows.map((row, i) => {
      const twins = twinsOf(first.bench, row, i);
      const series = {};
      for (const label of Object.keys(row.series)) {
        const vs = twins.map((t) => t.series[label]).filter((v) => typeof v === 'number').sort((a, b) => a - b);
        series[label] = vs.length > 1 ? { min: vs[0], max: vs.at(-1), mid: vs[(vs.length - 1) >> 1], n: vs.length } : vs[0];
      }
      return { ...row, series };
    }),
  }));
}
/** The same row in every run: at the same place with the same workload, else by its workload. */
function twinsOf(bench, row, i) {
  return perRun.map((rs) => {
    const rows = rs.find((b) => b.bench === bench)?.rows ?? [];
    return rows[i]?.workload === row.workload ? rows[i] : rows.find((x) => x.workload === row.workload);
  }).filter(Boolean);
}
const results = merge();
/**
 * How many times better WASM did than each other series of its row, within each run (a machine's
 * mood moves both sides of one run together): "3.1x" is WASM 3.1 times faster; "0.7x" slower.
 */
const ratios = results.flatMap((b) => b.rows.flatMap((row, i) => {
  if (!('WASM' in row.series)) return [];
  const twins = twinsOf(b.bench, row, i);
  return Object.keys(row.series).filter((l) => l !== 'WASM').map((l) => {
    const rs = twins.filter((t) => typeof t.series[l] === 'number').map((t) => (row.better === 'lower' ? t.series[l] / t.series.WASM : t.series.WASM / t.series[l])).sort((x, y) => x - y);
    return rs.length ? `| ${b.bench} | ${row.workload} | WASM against ${l} | ${rs[0].toFixed(2)}${rs.length > 1 ? `–${rs.at(-1).toFixed(2)}` : ''}x |` : null;
  }).filter(Boolean);
}));
const machine = `${availableParallelism()} vCPU (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
const doc = { date: new Date().toISOString(), node: process.version, machine, quick, runs, seconds: (performance.now() - t0) / 1000, results };
writeFileSync(args.values.json, `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(args.values.svg, chart(results, `vchardev benchmarks: ${machine}${runs > 1 ? `, range over ${runs} runs` : ''}${quick ? ' (quick, indicative)' : ''}`));
const range = (v) => {
  const s = spread(v);
  return s.max > s.min ? `${fmt(s.min)}–${fmt(s.max)}` : fmt(s.mid);
};
const md = [
  `Measured by \`npm run bench --${quick ? ' --quick' : ''}${runs > 1 ? ` --runs ${runs}` : ''}\` on ${machine}, ${doc.date.slice(0, 10)}${runs > 1 ? `; each figure is its lowest–highest over the ${runs} runs` : ''}${quick ? '; quick: indicative only' : ''}.`,
  '',
  '| bench | workload | what | figure |',
  '|---|---|---|---:|',
  ...results.flatMap((b) => b.rows.flatMap((r) => Object.entries(r.series).map(([l, v]) => `| ${b.bench} | ${r.workload} | ${l} | ${range(v)} ${r.unit} |`))),
  '',
  'WASM against the others within each run (above 1x: WASM did better; the range is over the runs):',
  '',
  '| bench | workload | comparison | WASM is |',
  '|---|---|---|---:|',
  ...ratios,
  '',
];
writeFileSync(args.values.md, md.join('\n'));
console.log(`\nresults: ${args.values.json}, ${args.values.md}; chart: ${args.values.svg} (${doc.seconds.toFixed(0)} s in all)`);
