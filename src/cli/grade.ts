// `vchardev grade PLAYER.wasm…`: the grader's report of each player (docs/kxo-ai-abi.md §4) as a
// table and as JSON; several files are ranked by Elo, and a file that is refused is listed with
// its reason instead of stopping the others (a teacher's folder of submissions).
import { writeFileSync } from 'node:fs';
import { grade, formatReport, type GradeReport } from '../tournament/grade.js';
import { PlayerLoadError } from '../wasm/player.js';
import { CliError, UsageError, budgetOption, intOption, parse } from './args.js';

export const GRADE_USAGE = `usage: vchardev grade PLAYER.wasm… [--board N] [--goal N] [--games N] [--jobs N] [--seed S]
                     [--budget MS] [--json FILE]

  grades each player file (docs/kxo-ai-abi.md): its name and load; on 4x4/3 how many of the 300
  oracle positions it answers with an optimal move (best) or one that keeps the outcome (keep);
  --games N games (default 10) with each colour against random, mcts, negamax and strong, with
  forfeits and an Elo estimate; its time per move. Several files are ranked by Elo; a refused
  file is listed with its reason. --json writes the report(s).`;

export async function gradeMain(argv: string[]): Promise<number> {
  const { values: v, positionals: files } = parse('grade', argv, {
    board: { type: 'string' }, goal: { type: 'string' }, games: { type: 'string' }, jobs: { type: 'string' }, seed: { type: 'string' },
    budget: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(GRADE_USAGE);
    return 0;
  }
  if (!files.length) throw new UsageError('grade: name one player file or more (vchardev grade mine.wasm)');
  const boardSize = intOption(v.board as string | undefined, '--board', { min: 3, max: 8, fallback: 4 });
  const goal = intOption(v.goal as string | undefined, '--goal', { min: 3, max: boardSize, fallback: 3 });
  const games = intOption(v.games as string | undefined, '--games', { min: 1, max: 10_000, fallback: 10 });
  const jobs = v.jobs === undefined ? undefined : intOption(v.jobs as string, '--jobs', { min: 0, max: 256 });
  const seed = intOption(v.seed as string | undefined, '--seed', { max: 0xffffffff, fallback: 1 });
  const budgetMs = budgetOption(v.budget as string | undefined);
  const tty = process.stderr.isTTY;
  const reports: GradeReport[] = [];
  const refused: Array<{ file: string; why: string }> = [];
  for (const [k, file] of files.entries()) {
    let last = 0;
    try {
      reports.push(await grade(file, {
        boardSize, goal, games, jobs, seed, budgetMs,
        onProgress: (stage, done, total) => {
          const now = performance.now();
          if (done !== total && now - last < (tty ? 100 : 5000)) return;
          last = now;
          const bar = '#'.repeat(Math.round((done / total) * 20)).padEnd(20, '.');
          process.stderr.write(`${tty ? '\r' : ''}[${k + 1}/${files.length}] ${file}: ${stage} [${bar}] ${done}/${total}${tty ? '\x1b[K' : '\n'}`);
        },
      }));
    } catch (e) {
      if (!(e instanceof PlayerLoadError)) throw e;
      refused.push({ file, why: e.why });
    } finally {
      if (tty) process.stderr.write('\r\x1b[K');
    }
  }
  reports.sort((a, b) => b.elo.value - a.elo.value);
  for (const r of reports) process.stdout.write(`${formatReport(r)}\n`);
  if (files.length > 1) {
    const lines = ['| rank | player | file | Elo | best (oracle) | forfeits |', '|---:|---|---|---:|---:|---:|'];
    reports.forEach((r, i) => {
      const forfeits = Object.values(r.forfeitReasons).reduce((a, n) => a + n, 0);
      lines.push(`| ${i + 1} | ${r.ai} | ${r.file} | ${r.elo.value >= 0 ? '+' : ''}${r.elo.value} | ${r.oracle ? r.oracle.best : '–'} | ${forfeits} |`);
    });
    for (const f of refused) lines.push(`| – | refused | ${f.file} | ${f.why} | | |`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } else if (refused.length) {
    throw new UsageError(`grade: ${refused[0]!.file}: ${refused[0]!.why}`);
  }
  if (v.json) {
    const doc = files.length > 1 ? { players: reports, refused } : reports[0];
    try {
      writeFileSync(v.json as string, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (e) {
      throw new CliError(`grade --json: ${(e as Error).message}`);
    }
  }
  return 0;
}
