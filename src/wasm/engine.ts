// One interface for every AI (kxo's MCTS and negamax, the strong engine, a random player), so
// the driver, the tournament and the views can pick any of them by name.
import { KxoEngine, type Player } from './kxo.js';
import { StrongEngine, type Solution } from './strong.js';
import type { EngineSource, WasmBuild } from './instance.js';
import { DEFAULT_BUDGET_MS, PlayerFile, checkBudget, type PlayerInstance, type PlayerSource } from './player.js';
import { splitmix64 } from './splitmix.js';

export type AiName = 'strong' | 'mcts' | 'negamax' | 'random';
export const AI_NAMES: readonly AiName[] = ['strong', 'mcts', 'negamax', 'random'];

export interface Engine {
  readonly ai: AiName;
  readonly boardSize: number;
  readonly goal: number;
  /** a cell index 0..size²-1 (row by row) for `player` to play, or -1 when the game is over */
  bestMove(board: string, player: Player): number;
  /** the exact value and length of the position (the strong engine only) */
  solve?(board: string, player: Player): Solution;
  /** forgets what earlier games taught it and reseeds, so a game depends on its seed alone */
  reset?(seed: number): void;
}

export interface EngineOptions {
  ai: AiName;
  /** board side 3..8 (default 4); kxo's AIs scale their limits with it (KxoEngine.configure) */
  boardSize?: number;
  /** stones in a row that win (default 3) */
  goal?: number;
  /** seeds the random player and MCTS's xoroshiro (default: each engine's own fixed seed) */
  seed?: number;
  build?: WasmBuild;
  /** the .wasm from elsewhere (see EngineSource) */
  source?: EngineSource;
}

/** The winner of a board: 'O', 'X', 'D' (full, no line) or ' ' (still open). */
export function winnerOf(board: string, size: number, goal: number): ' ' | 'O' | 'X' | 'D' {
  const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? board[r * size + c] : ' ');
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = at(r, c);
      if (v !== 'O' && v !== 'X') continue;
      for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]] as const) {
        let k = 1;
        while (k < goal && at(r + dr * k, c + dc * k) === v) k++;
        if (k === goal) return v;
      }
    }
  }
  return board.includes(' ') ? ' ' : 'D';
}

class RandomEngine implements Engine {
  readonly ai = 'random' as const;
  private s: number;
  constructor(readonly boardSize: number, readonly goal: number, seed: number) {
    this.s = (seed >>> 0) || 0x2545f491;
  }
  bestMove(board: string, player: Player): number {
    checkBoard(board, this.boardSize, player);
    if (winnerOf(board, this.boardSize, this.goal) !== ' ') return -1;
    const empty = [...board].flatMap((c, i) => (c === ' ' ? [i] : []));
    // xorshift32: deterministic for a seed
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    this.s >>>= 0;
    return empty[this.s % empty.length]!;
  }
}

function checkBoard(board: string, size: number, player: Player): void {
  if (typeof board !== 'string' || board.length !== size * size || !/^[ OX]*$/.test(board)) {
    throw new TypeError(`a ${size}x${size} board is ${size * size} characters of ' ', 'O', 'X': ${JSON.stringify(board)}`);
  }
  if (player !== 'O' && player !== 'X') throw new TypeError(`player must be 'O' or 'X': ${JSON.stringify(player)}`);
}

/** A player a student brings (docs/kxo-ai-abi.md): its file, and what it may take per move. */
export interface PlayerEngineOptions {
  ai: { wasm: PlayerSource; file?: string };
  boardSize?: number;
  goal?: number;
  /** the game's seed: kxo_init gets it, env.seed is made from it (default 1) */
  seed?: number | bigint;
  /** wall time a move may take before it is a forfeit, ms (default 1000) */
  budgetMs?: number;
}

/**
 * A student's player as an engine: the built-ins' interface, but its answers come from a worker,
 * so bestMove returns a promise (a forfeit rejects it with PlayerForfeit). One instance plays one
 * game: reset(seed) starts the next one on a fresh instance; close() ends its worker.
 */
export interface PlayerEngine {
  readonly ai: 'wasm';
  /** the player's own name (kxo_name), else its file's base name */
  readonly name: string;
  readonly boardSize: number;
  readonly goal: number;
  bestMove(board: string, player: Player): Promise<number>;
  reset(seed: number | bigint): Promise<void>;
  close(): void;
}

class WasmPlayerEngine implements PlayerEngine {
  readonly ai = 'wasm' as const;
  private constructor(private readonly file: PlayerFile, private inst: PlayerInstance, readonly boardSize: number, readonly goal: number, private readonly budgetMs: number) {}
  static async create(file: PlayerFile, boardSize: number, goal: number, seed: bigint, budgetMs: number): Promise<WasmPlayerEngine> {
    return new WasmPlayerEngine(file, await file.start({ seed, budgetMs }), boardSize, goal, budgetMs);
  }
  get name(): string {
    return this.inst.name;
  }
  async bestMove(board: string, player: Player): Promise<number> {
    checkBoard(board, this.boardSize, player);
    if (winnerOf(board, this.boardSize, this.goal) !== ' ') return -1;
    return this.inst.move(board, this.boardSize, this.goal, player);
  }
  async reset(seed: number | bigint): Promise<void> {
    const next = await this.file.start({ seed: BigInt.asUintN(64, BigInt(seed)), budgetMs: this.budgetMs });
    this.inst.close();
    this.inst = next;
    // closed while the new instance was starting: it ends too
    if (this.closed) next.close();
  }
  private closed = false;
  close(): void {
    this.closed = true;
    this.inst.close();
  }
}

/** An engine by name: `createEngine({ ai: 'strong' })`, `{ ai: 'mcts', seed: 7 }`, … or a player's file: `{ ai: { wasm: './mine.wasm' } }` */
export async function createEngine(opts: EngineOptions): Promise<Engine>;
export async function createEngine(opts: PlayerEngineOptions): Promise<PlayerEngine>;
export async function createEngine(opts: EngineOptions | PlayerEngineOptions): Promise<Engine | PlayerEngine> {
  if (typeof opts.ai === 'object' && opts.ai !== null) return createPlayerEngine(opts as PlayerEngineOptions);
  return createBuiltin(opts as EngineOptions);
}

/** A board's shape as every AI takes it: side 3..8, goal 3..side; RangeError else. */
export function checkShape(boardSize: number, goal: number): { boardSize: number; goal: number } {
  if (!Number.isInteger(boardSize) || boardSize < 3 || boardSize > 8) throw new RangeError(`boardSize must be an integer in 3..8: ${String(boardSize)}`);
  if (!Number.isInteger(goal) || goal < 3 || goal > boardSize) throw new RangeError(`goal must be an integer in 3..${boardSize}: ${String(goal)}`);
  return { boardSize, goal };
}

async function createPlayerEngine(opts: PlayerEngineOptions): Promise<PlayerEngine> {
  const { boardSize, goal } = checkShape(opts.boardSize ?? 4, opts.goal ?? 3);
  const budgetMs = checkBudget(opts.budgetMs ?? DEFAULT_BUDGET_MS);
  const seed = opts.seed ?? 1;
  if (typeof seed !== 'bigint' && !Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer: ${String(seed)}`);
  const file = await PlayerFile.load(opts.ai.wasm, opts.ai.file);
  return WasmPlayerEngine.create(file, boardSize, goal, BigInt.asUintN(64, BigInt(seed)), budgetMs);
}

async function createBuiltin(opts: EngineOptions): Promise<Engine> {
  const { boardSize, goal } = checkShape(opts.boardSize ?? 4, opts.goal ?? 3);
  if (opts.seed !== undefined && !Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be an integer: ${String(opts.seed)}`);
  switch (opts.ai) {
    case 'strong': {
      const e = await StrongEngine.create({ boardSize, goal, build: opts.build, source: opts.source });
      return {
        ai: 'strong', boardSize, goal,
        bestMove: (b, p) => e.bestMove(b, p),
        solve: (b, p) => e.solve(b, p),
        reset: () => e.clearTable(),
      };
    }
    case 'mcts':
    case 'negamax': {
      const e = await KxoEngine.create({ build: opts.build, source: opts.source, boardSize, goal });
      const seedWith = (seed: number) => {
        const a = splitmix64(BigInt(seed >>> 0));
        e.xoroState = [a, splitmix64(a)];
      };
      if (opts.seed !== undefined) seedWith(opts.seed);
      const ai = opts.ai;
      return {
        ai, boardSize, goal,
        reset: seedWith,
        bestMove: (b, p) => {
          checkBoard(b, boardSize, p);
          if (e.checkWin(b) !== ' ') return -1;
          return ai === 'mcts' ? e.mcts(b, p) : e.negamaxPredict(b, p).move;
        },
      };
    }
    case 'random':
      return new RandomEngine(boardSize, goal, opts.seed ?? 1);
    default:
      throw new TypeError(`ai must be one of ${AI_NAMES.join(', ')}: ${JSON.stringify((opts as { ai: unknown }).ai)}`);
  }
}
