// The grader (docs/kxo-ai-abi.md §4): what a student and a teacher want to know of a player —
// that it loads and under what name; on 4x4/3, how many of the 300 oracle positions it answers
// with an optimal move (`best`) or one that keeps the outcome (`keep`); its matches against every
// built-in AI with both colours, an Elo estimate with its interval; its time per move.
import { readFileSync } from 'node:fs';
import { AI_NAMES } from '../wasm/engine.js';
import { PlayerFile, PlayerForfeit, PlayerLoadError, DEFAULT_BUDGET_MS, isPlayerFileName, type PlayerInstance } from '../wasm/player.js';
import { tournament } from './index.js';

export interface GradeOptions {
  boardSize?: number;
  goal?: number;
  /** games against each built-in AI with each colour (default 10) */
  games?: number;
  /** worker threads for the matches (default: every core; 0 plays on this thread) */
  jobs?: number;
  seed?: number;
  budgetMs?: number;
  /** what is being done: the oracle's positions, then the matches' games */
  onProgress?(stage: 'oracle' | 'matches', done: number, total: number): void;
}

export interface GradeReport {
  ai: string;
  file: string;
  abi: 1;
  loadMs: number;
  /** on 4x4/3 only: the 300 positions of the oracle, a forfeit counting as neither */
  oracle: { positions: number; best: number; keep: number; forfeits: number } | null;
  vs: Record<string, { wins: number; draws: number; losses: number; forfeits: number }>;
  forfeitReasons: Record<string, number>;
  elo: { value: number; low: number; high: number };
  moveMs: { median: number; p99: number };
}

interface OracleRow {
  board: string;
  player: 'O' | 'X';
  best: number[];
  keep: number[];
}

/** The oracle's 300 positions (a complete solution of 4x4/3), shipped in dist/data. */
export function oraclePositions(): OracleRow[] {
  const text = readFileSync(new URL('../../dist/data/oracle-positions.jsonl', import.meta.url), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as OracleRow);
}

const pct = (a: number[], p: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]! : 0);

export async function grade(path: string, opts: GradeOptions = {}): Promise<GradeReport> {
  const boardSize = opts.boardSize ?? 4;
  const goal = opts.goal ?? 3;
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const seed = opts.seed ?? 1;
  // (a player is named by its file's .wasm, as everywhere an AI name is taken)
  if (typeof path !== 'string' || !isPlayerFileName(path)) throw new PlayerLoadError(String(path), 'a player file\'s name ends in .wasm');
  const t0 = performance.now();
  const file = await PlayerFile.load(path);
  let inst: PlayerInstance = await file.start({ seed: BigInt(seed), budgetMs });
  const loadMs = performance.now() - t0;
  const name = inst.name;
  const times: number[] = [];
  let oracle: GradeReport['oracle'] = null;
  try {
    if (boardSize === 4 && goal === 3) {
      const rows = oraclePositions();
      oracle = { positions: rows.length, best: 0, keep: 0, forfeits: 0 };
      for (const [i, r] of rows.entries()) {
        try {
          const m = await inst.move(r.board, 4, 3, r.player);
          times.push(inst.lastMs);
          if (r.best.includes(m)) oracle.best++;
          if (r.keep.includes(m)) oracle.keep++;
        } catch (e) {
          if (!(e instanceof PlayerForfeit)) throw e;
          // a forfeit costs that position; the next one gets a fresh instance
          oracle.forfeits++;
          inst = await file.start({ seed: BigInt(seed), budgetMs });
        }
        opts.onProgress?.('oracle', i + 1, rows.length);
      }
    } else {
      // the time per move on this board: the player's moves of two games against itself
      for (let g = 0; g < 2 && times.length < 40; g++) {
        let board = ' '.repeat(boardSize * boardSize);
        for (let turn: 'O' | 'X' = 'O'; board.includes(' '); turn = turn === 'O' ? 'X' : 'O') {
          let m: number;
          try {
            m = await inst.move(board, boardSize, goal, turn);
          } catch (e) {
            if (!(e instanceof PlayerForfeit)) throw e;
            inst = await file.start({ seed: BigInt(seed + g + 1), budgetMs });
            break;
          }
          times.push(inst.lastMs);
          board = board.slice(0, m) + turn + board.slice(m + 1);
        }
      }
    }
  } finally {
    inst.close();
  }
  // the matches: the player against every built-in AI, both colours (kxo's AIs play any shape)
  const t = await tournament({
    ai: [path, ...AI_NAMES], games: opts.games ?? 10, jobs: opts.jobs, seed, boardSize, goal, budgetMs, firstOnly: true,
    onProgress: (done, total) => opts.onProgress?.('matches', done, total),
  });
  const me = t.standings.find((s) => s.file === path)!;
  const vs: GradeReport['vs'] = {};
  for (const p of t.pairs) {
    const mine = p.a === me.ai;
    vs[mine ? p.b : p.a] = { wins: mine ? p.wins : p.losses, draws: p.draws, losses: mine ? p.losses : p.wins, forfeits: mine ? p.forfeitsA : p.forfeitsB };
  }
  return {
    ai: name, file: path, abi: 1, loadMs,
    oracle,
    vs,
    forfeitReasons: { ...me.forfeitReasons },
    elo: { value: me.elo, low: me.elo - me.eloError, high: me.elo + me.eloError },
    moveMs: { median: pct(times, 0.5), p99: pct(times, 0.99) },
  };
}

/** A report as text: the player, the oracle's figures, the matches, Elo, speed. */
export function formatReport(r: GradeReport): string {
  const lines = [`${r.ai} (${r.file}): ABI ${r.abi}, loaded in ${r.loadMs.toFixed(0)} ms`];
  if (r.oracle) {
    const pc = (n: number) => `${((100 * n) / r.oracle!.positions).toFixed(1)}%`;
    lines.push(`oracle (4x4/3, ${r.oracle.positions} positions): best ${r.oracle.best} (${pc(r.oracle.best)}), keep ${r.oracle.keep} (${pc(r.oracle.keep)})${r.oracle.forfeits ? `, forfeits ${r.oracle.forfeits}` : ''}`);
  }
  lines.push('', '| against | wins | draws | losses | of them forfeits |', '|---|---:|---:|---:|---:|');
  for (const [opp, v] of Object.entries(r.vs)) lines.push(`| ${opp} | ${v.wins} | ${v.draws} | ${v.losses} | ${v.forfeits} |`);
  const reasons = Object.entries(r.forfeitReasons);
  lines.push('', `forfeits: ${reasons.length ? reasons.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'}`);
  lines.push(`Elo ${r.elo.value >= 0 ? '+' : ''}${r.elo.value} (95%: ${r.elo.low} … ${r.elo.high}) against the built-in AIs`);
  lines.push(`time per move: median ${r.moveMs.median.toFixed(3)} ms, p99 ${r.moveMs.p99.toFixed(3)} ms`);
  return `${lines.join('\n')}\n`;
}
