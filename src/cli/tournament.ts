// `vchardev tournament`: AIs play each other on every core; a table on stdout, an SVG chart and
// (with --json) the table as JSON in files.
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tournament, formatTable, tournamentChart } from '../tournament/index.js';
import { AI_NAMES, type AiName } from '../wasm/engine.js';
import { PlayerLoadError, isPlayerFileName } from '../wasm/player.js';
import { CliError, UsageError, budgetOption, intOption, parse } from './args.js';

export const TOURNAMENT_USAGE = `usage: vchardev tournament [--ai strong,mcts,negamax,random,./mine.wasm] [--games N] [--jobs N]
                           [--seed S] [--board N] [--goal N] [--budget MS] [--svg FILE] [--json FILE]

  every pair of AIs plays N games (default 10) with each colour on a pool of --jobs worker
  threads (default: every core); the same --seed gives the same results whatever --jobs.
  Prints the standings (score, Elo with a 95% interval) and every pair; writes an SVG chart
  (default tournament.svg) and, with --json, the table. A name ending in .wasm is a player file
  (docs/kxo-ai-abi.md): it plays under its own name, each move within --budget MS (default 1000),
  and its forfeits (timeout, trap, illegal move) are counted with their reasons.`;

export async function tournamentMain(argv: string[]): Promise<number> {
  const { values: v } = parse('tournament', argv, {
    ai: { type: 'string' }, games: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' },
    board: { type: 'string' }, goal: { type: 'string' }, svg: { type: 'string' }, json: { type: 'string' }, budget: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(TOURNAMENT_USAGE);
    return 0;
  }
  const ais = ((v.ai as string | undefined) ?? 'strong,mcts,negamax,random').split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of ais) if (!AI_NAMES.includes(a as AiName) && !isPlayerFileName(a)) throw new UsageError(`tournament --ai: '${a}' is not one of ${AI_NAMES.join(', ')} or a player file (.wasm)`);
  if (new Set(ais).size < 2) throw new UsageError('tournament --ai: name two AIs or more');
  const games = intOption(v.games as string | undefined, '--games', { min: 1, max: 100_000, fallback: 10 });
  const jobs = v.jobs === undefined ? undefined : intOption(v.jobs as string, '--jobs', { min: 0, max: 256 });
  const seed = intOption(v.seed as string | undefined, '--seed', { max: 0xffffffff, fallback: 1 });
  const boardSize = intOption(v.board as string | undefined, '--board', { min: 3, max: 8, fallback: 4 });
  const goal = intOption(v.goal as string | undefined, '--goal', { min: 3, max: boardSize, fallback: 3 });
  const budgetMs = budgetOption(v.budget as string | undefined);
  // the outputs are checked before the games are played, not after
  const svg = (v.svg as string | undefined) ?? 'tournament.svg';
  for (const [opt, file] of [['--svg', svg], ['--json', v.json as string | undefined]] as const) {
    if (file === undefined) continue;
    if (!file) throw new UsageError(`tournament ${opt}: a file name is required`);
    try {
      accessSync(dirname(resolve(file)), constants.W_OK);
    } catch {
      throw new CliError(`tournament ${opt}: cannot write in ${dirname(resolve(file))}`, 2);
    }
  }
  const tty = process.stderr.isTTY;
  let last = 0;
  const run = tournament({
    ai: ais, games, jobs, seed, boardSize, goal, budgetMs,
    onProgress: (done, total) => {
      const now = performance.now();
      if (done !== total && now - last < (tty ? 100 : 2000)) return;
      last = now;
      const width = 30;
      const bar = '#'.repeat(Math.round((done / total) * width)).padEnd(width, '.');
      process.stderr.write(`${tty ? '\r' : ''}[${bar}] ${done}/${total} games${tty ? '' : '\n'}`);
    },
  });
  // a refused player file is the invocation's fault: one line, exit 2
  const table = await run.catch((e: unknown) => {
    if (e instanceof PlayerLoadError) throw new UsageError(`tournament --ai: ${e.file}: ${e.why}`);
    throw e;
  });
  if (tty) process.stderr.write('\n');
  process.stdout.write(formatTable(table));
  try {
    writeFileSync(svg, tournamentChart(table));
    if (v.json) writeFileSync(v.json as string, `${JSON.stringify(table, null, 2)}\n`);
  } catch (e) {
    throw new CliError(`tournament: ${(e as Error).message}`);
  }
  process.stderr.write(`chart: ${svg}${v.json ? `, table: ${v.json}` : ''}\n`);
  return 0;
}
