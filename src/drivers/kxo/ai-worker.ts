// Worker entry (built JS: dist/drivers/kxo/ai-worker.js, also 'vchardev/kxo-worker'): one set of
// engines answering move requests one at a time, so a thinking AI never blocks the kernel.
import { parentChannel } from '#worker';
import { AiRunner } from './ai.js';

const ch = parentChannel();
if (ch) {
  let runner: AiRunner | null = null;
  ch.onMessage(async (msg) => {
    if (msg.type === 'init') {
      try {
        runner = await AiRunner.create(msg.modules);
        ch.post({ type: 'ready' });
      } catch (err) {
        ch.post({ type: 'init-error', error: err instanceof Error ? err.message : String(err) });
      }
    } else if (msg.type === 'move' && runner) {
      try {
        const r = await runner.run(msg.req);
        ch.post({ type: 'move', ...r });
      } catch (err) {
        ch.post({ type: 'move', error: err instanceof Error ? err.message : String(err) });
      }
    }
  });
}
