// `npm run fuzz -- --ops N --seed S`: a longer fuzz run than CI's, printing issue 9's table.
// Exits 1 when any row is not 0, so it can gate a script too.
import { parseArgs } from 'node:util';
import { runFuzz, reportTable, isClean } from './fuzzer.js';

const USAGE = `usage: npm run fuzz -- [--ops N] [--seed S] [--epoch-ops N] [--no-faults] [--json]

  --ops N        commands in total (default 100000)
  --seed S       fast-check seed (default 1); a run replays exactly from its seed
  --epoch-ops N  commands between full teardowns (default 500)
  --no-faults    leave fault injection off
  --json         print the report as JSON instead of the table`;

function main(): Promise<number> | number {
  let args;
  try {
    args = parseArgs({
      options: {
        ops: { type: 'string', default: '100000' },
        seed: { type: 'string', default: '1' },
        'epoch-ops': { type: 'string', default: '500' },
        'no-faults': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const ops = Number(args.ops);
  const seed = Number(args.seed);
  const epochOps = Number(args['epoch-ops']);
  if (![ops, seed, epochOps].every((n) => Number.isSafeInteger(n) && n > 0)) {
    console.error(`fuzz: --ops, --seed and --epoch-ops take positive integers\n${USAGE}`);
    return 2;
  }
  return (async () => {
    const t0 = performance.now();
    const r = await runFuzz({
      ops, seed, epochOps, faults: !args['no-faults'],
      progress: (e, n, rep) => process.stderr.write(`\repoch ${e}/${n}  ${Math.round((performance.now() - t0) / 1000)} s  ${isClean(rep) ? 'clean so far' : 'FINDINGS'}   `),
    });
    process.stderr.write('\n');
    if (args.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`vchardev fuzz: ${ops} operations, seed ${seed}, ${Math.round((performance.now() - t0) / 1000)} s\n`);
      console.log(reportTable(r));
      if (r.failures.length) console.log(`\nfirst findings:\n${r.failures.map((f) => `- ${f}`).join('\n')}`);
    }
    return isClean(r) ? 0 : 1;
  })();
}

process.exitCode = await main();
