// Tournament throughput: games per second with one worker and with every core (same games, same
// seed), so the speedup of the piscina pool is measured on this machine.
import { availableParallelism } from 'node:os';
import { tournament } from '../dist/tournament/index.js';
import { quick, progress, record } from './lib.mjs';

const cores = availableParallelism();
const opts = { ai: ['strong', 'mcts', 'negamax', 'random'], games: quick ? 1 : 8, seed: 1 };
const rate = async (jobs) => {
  progress(`tournament with ${jobs} worker(s)`);
  const t = await tournament({ ...opts, jobs });
  const games = t.standings.reduce((n, s) => n + s.games, 0) / 2;
  return { games, seconds: t.seconds, perSecond: games / t.seconds };
};
const one = await rate(1);
const all = await rate(cores);
console.log('| workers | games | seconds | games/s |\n|---:|---:|---:|---:|');
for (const [jobs, r] of [[1, one], [cores, all]]) console.log(`| ${jobs} | ${r.games} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(1)} |`);
console.log(`\nspeedup with ${cores} workers: ${(all.perSecond / one.perSecond).toFixed(2)}x`);
record('tournament', [{ workload: `tournament games/s (${opts.ai.join(', ')}; ${opts.games} games a pairing)`, unit: 'games/s', better: 'higher', kind: 'workers', series: { '1 worker': one.perSecond, [`${cores} workers`]: cores > 1 ? all.perSecond : null } }]);
