// One game of the kxo driver: its board, turn, AIs and history (kxo-games §1a). kxo itself has
// one; abi 'ext' runs up to 64. check_win follows sysprog21/kxo game.c for every shape.
import type { KxoAiKind } from './uapi.js';
import type { MoveRequest, MoveResult } from './ai.js';
import type { KxoPlayer, PlayerSides } from './players.js';

export type Side = 'O' | 'X';
/** what plays a side: a built-in AI, 'human' (write()), or a player file (abi 'ext') */
export type SideAi = KxoAiKind | KxoPlayer;
/** a side's AI as sysfs and the API name it */
export const aiName = (ai: SideAi): string => (typeof ai === 'string' ? ai : ai.name);
export type Winner = ' ' | 'O' | 'X' | 'D';

/** The winning segments in check_win's scan order: rows, columns, "\" then "/" diagonals. */
function segments(size: number, goal: number): Int8Array {
  const seg: number[] = [];
  const span = size - goal + 1;
  const line = (i: number, j: number, di: number, dj: number) => {
    for (let t = 0; t < goal; t++) seg.push((i + di * t) * size + (j + dj * t));
  };
  for (let i = 0; i < size; i++) for (let j = 0; j < span; j++) line(i, j, 0, 1);
  for (let i = 0; i < span; i++) for (let j = 0; j < size; j++) line(i, j, 1, 0);
  for (let i = 0; i < span; i++) for (let j = 0; j < span; j++) line(i, j, 1, 1);
  for (let i = 0; i < span; i++) for (let j = goal - 1; j < size; j++) line(i, j, 1, -1);
  return Int8Array.from(seg);
}

/**
 * see: sysprog21/kxo game.c check_win — the timer handler's game-over test. The AIs' own copy
 * runs inside the WASM engine; this one serves the softirq path, which must not wait on a worker.
 * @returns ' ' while the game is on, 'O'/'X' for the first complete segment, 'D' for a full board
 */
export function makeCheckWin(size: number, goal: number): (table: ArrayLike<string>) => Winner {
  const seg = segments(size, goal);
  const cells = size * size;
  return (table) => {
    for (let s = 0; s < seg.length; s += goal) {
      const w = table[seg[s]!];
      if (w === ' ') continue;
      let k = 1;
      while (k < goal && table[seg[s + k]!] === w) k++;
      if (k === goal) return w as 'O' | 'X';
    }
    for (let i = 0; i < cells; i++) if (table[i] === ' ') return ' ';
    return 'D';
  };
}

/** kxo's 4x4, three in a row */
export const checkWin = makeCheckWin(4, 3);

/** xoroshiro128+ seed of kxo's mcts_init; game g > 0 starts g jumps (2^64 steps each) further on */
export const KXO_XORO_SEED: readonly [bigint, bigint] = [314159265n, 1618033989n];

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M64;

/**
 * see: kxo xoroshiro.c jump — 2^64 steps of xoroshiro128+ (24/16/37) at once, so the games of one
 * module draw from non-overlapping streams (the engine's own copy is assembly/kxo/xoroshiro.ts)
 */
export function xoroJump([s0, s1]: readonly [bigint, bigint]): [bigint, bigint] {
  let a = 0n;
  let b = 0n;
  for (const j of [0xdf900294d8f554a5n, 0x170865df4b3201fcn]) {
    for (let bit = 0n; bit < 64n; bit++) {
      if (j & (1n << bit)) {
        a ^= s0;
        b ^= s1;
      }
      const x = s1 ^ s0;
      s0 = rotl(s0, 24n) ^ x ^ ((x << 16n) & M64);
      s1 = rotl(x, 37n);
    }
  }
  return [a, b];
}

/** The PRNG of each of n games: kxo's seed for game 0 (bit-exact to kxo), one jump per game on. */
export function gameSeeds(n: number): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [[...KXO_XORO_SEED]];
  while (out.length < n) out.push(xoroJump(out[out.length - 1]!));
  return out;
}

/** A move asked for ahead of its tick: the epoch it is for, the request, its answer to come. */
export interface Ahead {
  epoch: number;
  req: MoveRequest;
  p: Promise<MoveResult>;
  /** set when the game changed and the guess will never be used */
  dropped: boolean;
  /** its answer, kept while the game is MAX_AHEAD turns ahead: the next guess waits for room */
  held?: MoveResult;
}

export class Game {
  readonly cells: string[];
  turn: Side = 'O';
  over = false;
  paused = false;
  winner: Winner = ' ';
  /** moves played since the last start */
  moves: number[] = [];
  /** the AI of each side: [O, X] */
  ai: [SideAi, SideAi];
  /** the first word of the game's PRNG at load: what a player's seed is made from */
  readonly seed: bigint;
  /** games started so far (a player's instance belongs to one) */
  round = 0;
  /** the instances of the player files playing here, when a side is one */
  players: PlayerSides | null = null;
  /** the game's PRNG (mcts, random): carried from move to move whatever worker plays it */
  rng: [bigint, bigint];
  /** bumped by every change a move in flight must not overwrite (restart, new AI, a human move) */
  epoch = 0;
  /**
   * this game's next moves, in turn order: each asked of the pool as soon as the one before it
   * came back (the tick's slower moves still running), each used by the tick that needs exactly
   * its request at its epoch; a change of the game drops them all
   */
  ahead: Ahead[] = [];

  constructor(readonly id: number, readonly size: number, ai: [SideAi, SideAi], rng: [bigint, bigint]) {
    this.cells = new Array<string>(size * size).fill(' ');
    this.ai = [...ai];
    this.rng = rng;
    this.seed = rng[0];
  }
  get board(): string {
    return this.cells.join('');
  }
  aiOf(side: Side): SideAi {
    return this.ai[side === 'O' ? 0 : 1];
  }
  /** Clears the board; the side to move stays the side after the last mover (kxo's carry-over). */
  restart(): void {
    this.cells.fill(' ');
    this.over = false;
    this.winner = ' ';
    this.moves = [];
    this.epoch++;
    this.round++;
    // a player's instance plays one game: the next one starts afresh (kxo_init again)
    this.players?.close();
  }
}
