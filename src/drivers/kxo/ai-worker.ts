// Worker entry (built JS: dist/drivers/kxo/ai-worker.js): owns one engine and answers move
// requests in order, so a thinking AI never blocks the kernel's event loop.
import { parentChannel } from '#worker';
import { loadEngine } from './engines.js';
import type { KxoSearch } from './engines.js';

const ch = parentChannel();
if (ch) {
  let engine: KxoSearch | null = null;
  ch.onMessage(async (msg) => {
    if (msg.type === 'init') {
      engine = await loadEngine(msg.build, msg.module);
      ch.post({ type: 'ready' });
    } else if (msg.type === 'move' && engine) {
      const t0 = performance.now();
      const move = msg.player === 'O' ? engine.mcts(msg.table, 'O') : engine.negamaxPredict(msg.table, 'X').move;
      ch.post({ type: 'move', id: msg.id, move, ms: performance.now() - t0 });
    }
  });
}
