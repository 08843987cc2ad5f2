// Node half of starting a kxo AI worker ('#kxo-spawn'): worker_threads runs built JS, so the entry
// is dist/drivers/kxo/ai-worker.js, named from here for src/ (vitest) and dist/ alike.
import { startWorker, type Channel } from '../../wasm/worker.node.js';

export function startAiWorker(): Channel {
  return startWorker(new URL('../../../dist/drivers/kxo/ai-worker.js', import.meta.url));
}
