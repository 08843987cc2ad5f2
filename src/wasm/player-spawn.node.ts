// Node half of starting a player's worker ('#player-spawn'): worker_threads runs built JS, so the
// entry is dist/wasm/player-worker.js, named from here for src/ (vitest) and dist/ alike.
import { startWorker, type Channel } from './worker.node.js';

export function startPlayerWorker(): Channel {
  return startWorker(new URL('../../dist/wasm/player-worker.js', import.meta.url));
}
