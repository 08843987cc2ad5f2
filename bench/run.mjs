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

benches: ${all.map((f) => f.replace('.bench.mjs', '')).join(', ')}`);
  process.exit(0);
}
const runs = Number(args.values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error('bench: --runs takes 1..20');
  process.exit(2);
}
// the build the benches run (dist/, build/ and the bench's own TypeScript)
for (const argv of [['run', 'build'], ['exec', '--', 'tsc', '-p', 'tsconfig.bench.json']]) {
  const b = spawnSync('npm', argv, { stdio: 'inherit', cwd: join(dir, '..') });
  if (b.status) process.exit(b.status ?? 1);
}
const out = join(dir, '.out', 'results');
rmSync(out, { recursive: true, force: true });
const only = args.positionals;
const benches = all.filter((f) => !only.length || only.some((o) => f.startsWith(`${o}.`)));
const quick = args.values.quick;
if (quick) console.log('\n(quick: fewer samples and shorter runs; the figures are indicative, not the README\'s, which come from `npm run bench -- --runs 3`)');
const t0 = performance.now();
for (let run = 1; run <= runs; run++) {
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

/** Each bench's rows with every series value as its { min, max, mid (median), n } over the runs. */
function merge() {
  const perRun = Array.from({ length: runs }, (_, i) => {
    const d = join(out, String(i + 1));
    return existsSync(d) ? readdirSync(d).map((f) => JSON.parse(readFileSync(join(d, f), 'utf8'))) : [];
  });
  return (perRun[0] ?? []).map((first) => ({
    ...first,
    rows: first.rows.map((row, i) => {
      const twins = perRun.map((rs) => rs.find((b) => b.bench === first.bench)?.rows.find((x, j) => x.workload === row.workload || (j === i && x.kind === row.kind))).filter(Boolean);
      const series = {};
      for (const label of Object.keys(row.series)) {
        const vs = twins.map((t) => t.series[label]).filter((v) => typeof v === 'number').sort((a, b) => a - b);
        series[label] = vs.length > 1 ? { min: vs[0], max: vs.at(-1), mid: vs[(vs.length - 1) >> 1], n: vs.length } : vs[0];
      }
      return { ...row, series };
    }),
  }));
}
const results = merge();
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
];
writeFileSync(args.values.md, md.join('\n'));
console.log(`\nresults: ${args.values.json}, ${args.values.md}; chart: ${args.values.svg} (${doc.seconds.toFixed(0)} s in all)`);
