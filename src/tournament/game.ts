// One game between two engines, the unit a tournament deals out: deterministic for its seed.
import { createEngine, winnerOf, type AiName, type Engine } from '../wasm/engine.js';

export interface GameTask {
  /** plays 'O' (moves first) */
  first: AiName;
  /** plays 'X' */
  second: AiName;
  seed: number;
  boardSize: number;
  goal: number;
}
export interface GameResult {
  winner: 'O' | 'X' | 'D';
  plies: number;
}

/** Engines kept per worker: creating one costs a compile and tens of MiB, a game costs less. */
export class EngineCache {
  private readonly engines = new Map<string, Engine>();
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
}

export async function playGame(t: GameTask, cache: EngineCache): Promise<GameResult> {
  const o = await cache.get(t.first, t.boardSize, t.goal, t.seed);
  const x = t.second === t.first ? await new EngineCache().get(t.second, t.boardSize, t.goal, t.seed ^ 0x5bd1e995) : await cache.get(t.second, t.boardSize, t.goal, t.seed ^ 0x5bd1e995);
  let board = ' '.repeat(t.boardSize * t.boardSize);
  let turn: 'O' | 'X' = 'O';
  for (let plies = 0; ; plies++) {
    const w = winnerOf(board, t.boardSize, t.goal);
    if (w !== ' ') return { winner: w, plies };
    const m = (turn === 'O' ? o : x).bestMove(board, turn);
    if (m < 0 || board[m] !== ' ') throw new Error(`${turn === 'O' ? t.first : t.second} answered ${m} on ${JSON.stringify(board)}`);
    board = board.slice(0, m) + turn + board.slice(m + 1);
    turn = turn === 'O' ? 'X' : 'O';
  }
}
