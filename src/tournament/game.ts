// One game between two engines, the unit a tournament deals out: deterministic for its seed.
// A side is a built-in AI by name or a player file (docs/kxo-ai-abi.md), which plays each game
// on a fresh instance of its own and may forfeit it.
import { createEngine, winnerOf, type AiName, type Engine, type PlayerEngine } from '../wasm/engine.js';
import { PlayerFile, PlayerForfeit } from '../wasm/player.js';

/** A side of a game: a built-in AI, or a player file (a path or URL) with its budget per move. */
export type Side = AiName | { wasm: string; budgetMs: number };

export interface GameTask {
  /** plays 'O' (moves first) */
  first: Side;
  /** plays 'X' */
  second: Side;
  seed: number;
  boardSize: number;
  goal: number;
}
export interface GameResult {
  winner: 'O' | 'X' | 'D';
  plies: number;
  /** the side that forfeited and why (timeout, trap: …, illegal move n): the other side won */
  forfeit?: { side: 'O' | 'X'; reason: string };
}

/** Engines kept per worker: creating one costs a compile and tens of MiB, a game costs less. */
export class EngineCache {
  private readonly engines = new Map<string, Engine>();
  private readonly files = new Map<string, Promise<PlayerFile>>();
  async get(ai: AiName, boardSize: number, goal: number, seed: number): Promise<Engine> {
    // seeded AIs are made anew per game (cheap for random; MCTS reseeds below), so a game's
    // moves never depend on which games this worker happened to play before
    const key = `${ai}/${boardSize}/${goal}`;
    if (ai === 'random') return createEngine({ ai, boardSize, goal, seed });
    let e = this.engines.get(key);
    if (!e) this.engines.set(key, (e = await createEngine({ ai, boardSize, goal, seed })));
    e.reset?.(seed);
    return e;
  }
  /** A player's engine for one game: the file compiled once per worker, an instance per game. */
  async player(side: { wasm: string; budgetMs: number }, boardSize: number, goal: number, seed: number): Promise<PlayerEngine> {
    let file = this.files.get(side.wasm);
    if (!file) this.files.set(side.wasm, (file = PlayerFile.load(side.wasm)));
    return createEngine({ ai: { wasm: await file }, boardSize, goal, seed, budgetMs: side.budgetMs });
  }
}

type Mover = { bestMove(board: string, player: 'O' | 'X'): number | Promise<number>; close?(): void };

export async function playGame(t: GameTask, cache: EngineCache): Promise<GameResult> {
  const make = (side: Side, seed: number, own: EngineCache): Promise<Mover> =>
    typeof side === 'string' ? own.get(side, t.boardSize, t.goal, seed) : own.player(side, t.boardSize, t.goal, seed);
  const o = await make(t.first, t.seed, cache);
  let x: Mover | null = null;
  try {
    // the same built-in on both sides needs a second engine (each keeps its own state)
    x = await make(t.second, t.seed ^ 0x5bd1e995, t.second === t.first ? new EngineCache() : cache);
    let board = ' '.repeat(t.boardSize * t.boardSize);
    let turn: 'O' | 'X' = 'O';
    for (let plies = 0; ; plies++) {
      const w = winnerOf(board, t.boardSize, t.goal);
      if (w !== ' ') return { winner: w, plies };
      let m: number;
      try {
        m = await (turn === 'O' ? o : x).bestMove(board, turn);
      } catch (e) {
        if (e instanceof PlayerForfeit) return { winner: turn === 'O' ? 'X' : 'O', plies, forfeit: { side: turn, reason: e.reason } };
        throw e;
      }
      if (m < 0 || board[m] !== ' ') throw new Error(`${label(turn === 'O' ? t.first : t.second)} answered ${m} on ${JSON.stringify(board)}`);
      board = board.slice(0, m) + turn + board.slice(m + 1);
      turn = turn === 'O' ? 'X' : 'O';
    }
  } finally {
    // a player's worker ends with its game, whatever ended it (a side that failed to load too)
    o.close?.();
    x?.close?.();
  }
}

/** How a side is named in messages: the AI's name or the player's file. */
export function label(side: Side): string {
  return typeof side === 'string' ? side : side.wasm;
}
