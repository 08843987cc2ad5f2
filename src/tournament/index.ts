// Tournaments between AIs (`vchardev tournament`, and `tournament()` as a library): every pair
// plays N games with each colour on a pool of worker threads (piscina, one WASM instance per AI
// per worker). Each game's seed comes from the tournament seed, the pair, the colour and the game
// number, so the results are the same whatever the number of workers. A player file
// (docs/kxo-ai-abi.md) enters like an AI: by its name, each game on a fresh instance, its
// forfeits counted with their reasons.
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { AI_NAMES, checkShape, type AiName } from '../wasm/engine.js';
import { DEFAULT_BUDGET_MS, PlayerFile, checkBudget, isPlayerFileName } from '../wasm/player.js';
import { EngineCache, playGame, type GameResult, type GameTask, type Side } from './game.js';

export interface TournamentOptions {
  /**
   * the AIs that play each other (the CLI's --ai and createEngine's `ai`): built-in names, or
   * player files (a path or URL ending in .wasm), which play under their own names
   */
  ai: Array<AiName | string>;
  /** a player's wall time per move, ms (default 1000): past it the move is a forfeit */
  budgetMs?: number;
  /** only the first entrant plays, against every other (the grader's matches); default: every pair */
  firstOnly?: boolean;
  /** games per pair and colour */
  games: number;
  /** worker threads (default: every core); 0 plays on this thread */
  jobs?: number;
  seed?: number;
  boardSize?: number;
  goal?: number;
  /** called after every game with (done, total) */
  onProgress?(done: number, total: number): void;
}

export interface PairResult {
  a: string;
  b: string;
  /** a's wins, draws and losses against b over both colours */
  wins: number;
  draws: number;
  losses: number;
  /** a's wins when moving first / second */
  winsFirst: number;
  winsSecond: number;
  /** games of this pair lost by forfeit, by a and by b */
  forfeitsA: number;
  forfeitsB: number;
}
export interface Standing {
  ai: string;
  /** the player's file, for an entrant that is one */
  file?: string;
  games: number;
  wins: number;
  draws: number;
  losses: number;
  /** points: win 1, draw 1/2 */
  score: number;
  /** Elo relative to the field's mean (0), with a 95% interval */
  elo: number;
  eloError: number;
  /** games it lost by forfeit, and how many for each reason (timeout, trap: …, illegal move n) */
  forfeits: number;
  forfeitReasons: Record<string, number>;
}
export interface TournamentTable {
  boardSize: number;
  goal: number;
  games: number;
  seed: number;
  jobs: number;
  seconds: number;
  pairs: PairResult[];
  standings: Standing[];
}

/** Worker threads a caller may ask for (more are capped at the cores anyway). */
export const MAX_JOBS = 256;
/** Games in one tournament, all pairs and colours together. */
export const MAX_GAMES = 200_000;

/** A game's seed from the tournament's: the pair, the colour and the game number mixed in. */
function gameSeed(seed: number, i: number, j: number, colour: number, g: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [i, j, colour, g]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}

/**
 * Bradley–Terry ratings by minorise–maximise (draws count half to each side), on the Elo scale
 * with the field's mean at 0; the interval is 1.96 standard errors from the Fisher information.
 */
function elo(ais: string[], pairs: PairResult[]): Map<string, { elo: number; err: number }> {
  const idx = new Map(ais.map((a, i) => [a, i]));
  const n = ais.length;
  const w = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const p of pairs) {
    const i = idx.get(p.a)!;
    const j = idx.get(p.b)!;
    // a small prior (half a draw each way) keeps an unbeaten or winless AI finite
    w[i]![j] = p.wins + p.draws / 2 + 0.5;
    w[j]![i] = p.losses + p.draws / 2 + 0.5;
  }
  let g = new Array<number>(n).fill(1);
  for (let it = 0; it < 500; it++) {
    const next = g.map((gi, i) => {
      let wins = 0;
      let den = 0;
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        wins += w[i]![j]!;
        den += (w[i]![j]! + w[j]![i]!) / (gi + g[j]!);
      }
      return den ? wins / den : gi;
    });
    const mean = Math.exp(next.reduce((s, x) => s + Math.log(x), 0) / n);
    g = next.map((x) => x / mean);
  }
  const out = new Map<string, { elo: number; err: number }>();
  ais.forEach((a, i) => {
    let info = 0;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const games = w[i]![j]! + w[j]![i]!;
      const p = g[i]! / (g[i]! + g[j]!);
      info += games * p * (1 - p);
    }
    // 1/sqrt(info) is the error of a rating against fixed opponents; with the field's mean pinned
    // at 0 each rating carries about (n-1)/n of it (for two AIs: half the gap's error)
    const se = info > 0 ? ((n - 1) / n) / Math.sqrt(info) : Infinity;
    out.set(a, { elo: (400 / Math.LN10) * Math.log(g[i]!), err: (1.96 * 400 * se) / Math.LN10 });
  });
  return out;
}

export async function tournament(opts: TournamentOptions): Promise<TournamentTable> {
  if (!Array.isArray(opts.ai)) throw new TypeError('ai must be a list of AI names');
  const budgetMs = checkBudget(opts.budgetMs ?? DEFAULT_BUDGET_MS);
  const entrants = await entrantsOf([...new Set(opts.ai)], budgetMs);
  const ais = entrants.map((e) => e.name);
  const sides = entrants.map((e) => e.side);
  if (ais.length < 2) throw new RangeError('a tournament needs two AIs or more');
  if (!Number.isSafeInteger(opts.games) || opts.games < 1) throw new RangeError('games must be a positive integer');
  const { boardSize, goal } = checkShape(opts.boardSize ?? 4, opts.goal ?? 3);
  const seed = (opts.seed ?? 1) >>> 0;
  const jobsAsked = opts.jobs ?? availableParallelism();
  if (!Number.isSafeInteger(jobsAsked) || jobsAsked < 0 || jobsAsked > MAX_JOBS) throw new RangeError(`jobs must be an integer in 0..${MAX_JOBS}: ${String(opts.jobs)}`);

  const tasks: Array<{ i: number; j: number; colour: number; task: GameTask }> = [];
  const pairCount = opts.firstOnly ? ais.length - 1 : (ais.length * (ais.length - 1)) / 2;
  const total = pairCount * 2 * opts.games;
  if (total > MAX_GAMES) throw new RangeError(`${total} games: a tournament plays at most ${MAX_GAMES}`);
  for (let i = 0; i < ais.length; i++) {
    for (let j = i + 1; j < ais.length; j++) {
      if (opts.firstOnly && i > 0) continue;
      for (let colour = 0; colour < 2; colour++) {
        for (let g = 0; g < opts.games; g++) {
          const [first, second] = colour === 0 ? [sides[i]!, sides[j]!] : [sides[j]!, sides[i]!];
          tasks.push({ i, j, colour, task: { first, second, seed: gameSeed(seed, i, j, colour, g), boardSize, goal } });
        }
      }
    }
  }
  // more threads than cores (or games) only cost memory: each holds an engine of every AI
  const jobs = Math.min(jobsAsked, availableParallelism(), tasks.length);
  const t0 = performance.now();
  let done = 0;
  const tick = () => opts.onProgress?.(++done, tasks.length);
  let results: GameResult[];
  if (jobs === 0) {
    // jobsAsked 0: on this thread
    const cache = new EngineCache();
    results = [];
    for (const t of tasks) {
      results.push(await playGame(t.task, cache));
      tick();
    }
  } else {
    const { Piscina } = await import('piscina');
    // the worker entry is built JS: from src/ (vitest) and dist/ alike this names dist/tournament
    const pool = new Piscina({ filename: fileURLToPath(new URL('../../dist/tournament/worker.js', import.meta.url)), minThreads: jobs, maxThreads: jobs });
    try {
      results = await Promise.all(tasks.map((t) => pool.run(t.task).then((r: GameResult) => (tick(), r))));
    } finally {
      await pool.destroy();
    }
  }
  const pairs: PairResult[] = [];
  for (let i = 0; i < ais.length; i++) {
    for (let j = i + 1; j < ais.length; j++) {
      if (opts.firstOnly && i > 0) continue;
      const p: PairResult = { a: ais[i]!, b: ais[j]!, wins: 0, draws: 0, losses: 0, winsFirst: 0, winsSecond: 0, forfeitsA: 0, forfeitsB: 0 };
      tasks.forEach((t, k) => {
        if (t.i !== i || t.j !== j) return;
        const r = results[k]!;
        const aIs = t.colour === 0 ? 'O' : 'X';
        if (r.forfeit) r.forfeit.side === aIs ? p.forfeitsA++ : p.forfeitsB++;
        if (r.winner === 'D') p.draws++;
        else if (r.winner === aIs) {
          p.wins++;
          if (aIs === 'O') p.winsFirst++;
          else p.winsSecond++;
        } else p.losses++;
      });
      pairs.push(p);
    }
  }
  const ratings = elo(ais, pairs);
  // forfeits, by the entrant that lost them
  const forfeits = ais.map(() => ({ n: 0, reasons: {} as Record<string, number> }));
  tasks.forEach((t, k) => {
    const f = results[k]!.forfeit;
    if (!f) return;
    const who = (f.side === 'O') === (t.colour === 0) ? t.i : t.j;
    const kind = f.reason.replace(/ \(over \d+ ms\)$/, '');
    forfeits[who]!.n++;
    forfeits[who]!.reasons[kind] = (forfeits[who]!.reasons[kind] ?? 0) + 1;
  });
  const standings: Standing[] = ais.map((ai, idx) => {
    let wins = 0;
    let draws = 0;
    let losses = 0;
    for (const p of pairs) {
      if (p.a === ai) {
        wins += p.wins;
        draws += p.draws;
        losses += p.losses;
      } else if (p.b === ai) {
        wins += p.losses;
        draws += p.draws;
        losses += p.wins;
      }
    }
    const r = ratings.get(ai)!;
    const file = entrants[idx]!.file;
    return {
      ai, ...(file ? { file } : {}), games: wins + draws + losses, wins, draws, losses, score: wins + draws / 2, elo: Math.round(r.elo), eloError: Math.round(r.err),
      forfeits: forfeits[idx]!.n, forfeitReasons: forfeits[idx]!.reasons,
    };
  }).sort((x, y) => y.score - x.score || y.elo - x.elo);
  return { boardSize, goal, games: opts.games, seed, jobs, seconds: (performance.now() - t0) / 1000, pairs, standings };
}

/** A built-in AI, or a player file checked now (a refused one stops the tournament before a game). */
async function entrantsOf(names: string[], budgetMs: number): Promise<Array<{ name: string; side: Side; file?: string }>> {
  const out: Array<{ name: string; side: Side; file?: string }> = [];
  for (const a of names) {
    if (AI_NAMES.includes(a as AiName)) {
      out.push({ name: a, side: a as AiName });
      continue;
    }
    if (typeof a !== 'string' || !isPlayerFileName(a)) throw new TypeError(`unknown AI ${JSON.stringify(a)}: ${AI_NAMES.join(', ')}, or a player file (.wasm)`);
    const file = await PlayerFile.load(a);
    // its name is what it says in its worker (kxo_name); two entrants of one name are told apart
    const said = await file.probe(budgetMs);
    let name = said;
    for (let k = 2; out.some((e) => e.name === name) || AI_NAMES.includes(name as AiName); k++) name = `${said} (${k})`;
    out.push({ name, side: { wasm: a, budgetMs }, file: a });
  }
  return out;
}

/** The table as text: standings, then every pair. */
export function formatTable(t: TournamentTable): string {
  const lines = [
    `${t.boardSize}x${t.boardSize}, ${t.goal} in a row; ${t.games} games per pair and colour; seed ${t.seed}; ${t.jobs} worker(s); ${t.seconds.toFixed(1)} s`,
    '',
    '| AI | games | wins | draws | losses | score | Elo (95%) | forfeits |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...t.standings.map((s) => `| ${s.ai} | ${s.games} | ${s.wins} | ${s.draws} | ${s.losses} | ${s.score} | ${s.elo >= 0 ? '+' : ''}${s.elo} ± ${s.eloError} | ${forfeitText(s)} |`),
    '',
    '| pair | wins | draws | losses | wins moving first / second |',
    '|---|---:|---:|---:|---:|',
    ...t.pairs.map((p) => `| ${p.a} vs ${p.b} | ${p.wins} | ${p.draws} | ${p.losses} | ${p.winsFirst} / ${p.winsSecond} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function forfeitText(s: Standing): string {
  if (!s.forfeits) return '0';
  return `${s.forfeits} (${Object.entries(s.forfeitReasons).map(([r, n]) => `${r}: ${n}`).join(', ')})`;
}

/** An SVG of the standings: Elo with its interval per AI, over an Elo axis with its ticks. */
export function tournamentChart(t: TournamentTable): string {
  const W = 820;
  const rowH = 34;
  const top = 50;
  const axisY = top + t.standings.length * rowH + 6;
  const H = axisY + 44;
  const lo = Math.min(...t.standings.map((s) => s.elo - (Number.isFinite(s.eloError) ? s.eloError : 0)), -100);
  const hi = Math.max(...t.standings.map((s) => s.elo + (Number.isFinite(s.eloError) ? s.eloError : 0)), 100);
  // the right 240 px are the labels'
  const x = (v: number) => 120 + ((v - lo) / (hi - lo)) * (W - 360);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n`;
  svg += `<rect width="${W}" height="${H}" fill="#fff"/>\n`;
  svg += `<text x="10" y="22" font-size="15" font-weight="bold">${t.boardSize}x${t.boardSize}/${t.goal}: Elo by AI (95% interval), ${t.games} games per pair and colour</text>\n`;
  svg += `<line x1="${x(0)}" y1="34" x2="${x(0)}" y2="${axisY}" stroke="#bbb" stroke-dasharray="4 3"/>\n`;
  t.standings.forEach((s, i) => {
    const y = top + i * rowH;
    const e = Number.isFinite(s.eloError) ? s.eloError : 0;
    svg += `<text x="10" y="${y + 14}">${s.ai}</text>`;
    svg += `<line x1="${x(s.elo - e)}" y1="${y + 10}" x2="${x(s.elo + e)}" y2="${y + 10}" stroke="#3b6fd6" stroke-width="2"/>`;
    svg += `<circle cx="${x(s.elo)}" cy="${y + 10}" r="5" fill="#3b6fd6"/>`;
    svg += `<text x="${x(s.elo + e) + 6}" y="${y + 14}">${s.elo >= 0 ? '+' : ''}${s.elo} ± ${e} (score ${s.score}/${s.games})</text>\n`;
  });
  // the axis: Elo points, ticks every 50, 100, 200 … so that there are at most about eight
  const step = [50, 100, 200, 500, 1000, 2000, 5000].find((d) => (hi - lo) / d <= 8) ?? 10_000;
  svg += `<line x1="${x(lo)}" y1="${axisY}" x2="${x(hi)}" y2="${axisY}" stroke="#666"/>\n`;
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
    svg += `<line x1="${x(v)}" y1="${axisY}" x2="${x(v)}" y2="${axisY + 5}" stroke="#666"/>`;
    svg += `<text x="${x(v)}" y="${axisY + 18}" font-size="10" text-anchor="middle">${v > 0 ? '+' : ''}${v}</text>\n`;
  }
  svg += `<text x="${x((lo + hi) / 2)}" y="${axisY + 34}" font-size="11" text-anchor="middle" fill="#444">Elo (0 = the field's average)</text>\n`;
  return `${svg}</svg>\n`;
}

export { grade, formatReport, oraclePositions, type GradeReport, type GradeOptions } from './grade.js';
