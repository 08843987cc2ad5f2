// The tournament's worker (built JS: dist/tournament/worker.js, run by piscina): one engine of
// each AI per worker thread, kept across the games it is dealt.
import { EngineCache, playGame, type GameTask, type GameResult } from './game.js';

const cache = new EngineCache();

export default function run(task: GameTask): Promise<GameResult> {
  return playGame(task, cache);
}
