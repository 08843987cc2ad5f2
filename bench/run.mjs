// `npm run bench [-- --quick] [--json FILE] [--svg FILE] [name …]`: every bench/*.bench.mjs in
// turn (each prints its own table), then the results gathered as JSON and an SVG chart of WASM
// against the plain-TypeScript baseline and the C reference.
import { readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chart } from './chart.mjs';

const dir = fileURLToPath(new URL('.', import.meta.url));
let args;
try {
  args = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
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
  console.log(`usage: npm run bench -- [--quick] [--json FILE] [--svg FILE] [name …]\n\nbenches: ${all.map((f) => f.replace('.bench.mjs', '')).join(', ')}`);
  process.exit(0);
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
const t0 = performance.now();
for (const [i, f] of benches.entries()) {
  const start = performance.now();
  console.log(`\n## ${f}${args.values.quick ? ' (quick)' : ''}`);
  process.stderr.write(`[${i + 1}/${benches.length}] ${f} …\n`);
  const r = spawnSync(process.execPath, [join(dir, f)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_OUT: out, BENCH_QUICK: args.values.quick ? '1' : '0' },
  });
  process.stderr.write(`[${i + 1}/${benches.length}] ${f} done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  if (r.status) process.exitCode = r.status;
}
const results = existsSync(out) ? readdirSync(out).map((f) => JSON.parse(readFileSync(join(out, f), 'utf8'))) : [];
const doc = { date: new Date().toISOString(), node: process.version, quick: args.values.quick, seconds: (performance.now() - t0) / 1000, results };
writeFileSync(args.values.json, `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(args.values.svg, chart(results));
console.log(`\nresults: ${args.values.json}, chart: ${args.values.svg} (${doc.seconds.toFixed(0)} s in all)`);
