// kxo under the real clock: the AIs run on a worker_threads worker (built JS in dist/), the
// event loop keeps serving the device, and the game is the reference game.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { Kernel, O_RDONLY } from '../../src/index.js';
import { parseBoard } from '../../src/drivers/kxo/board.js';
import { GameTracker } from '../../src/cli/xo-user.js';
import { readJsonl } from '../helpers/fixtures.js';

describe('kxo with the real clock and a worker', () => {
  it('plays the first reference game with delay 20 ms', async () => {
    expect(existsSync(new URL('../../dist/drivers/kxo/ai-worker.js', import.meta.url))).toBe(true);
    const k = await Kernel.boot({ clock: 'real' });
    try {
      const h = await k.insmod('kxo', { delay: 20 });
      const p = k.spawn();
      const fd = await p.open('/dev/kxo', O_RDONLY);
      const buf = p.mmap(4096);
      const tracker = new GameTracker();
      let pending = '';
      while (tracker.games.length < 1) {
        const n = await p.read(fd, buf, 4096);
        pending += String.fromCharCode(...p.peek(buf, n));
        for (; pending.length >= 66; pending = pending.slice(66)) tracker.feed(parseBoard(pending.slice(0, 66))!);
      }
      expect(tracker.games[0]!.moves).toEqual(readJsonl<{ moves: number[] }>('kxo/games.jsonl')[0]!.moves);
      expect(h.k.state.moveTimes.length).toBeGreaterThanOrEqual(8);
      await p.close(fd);
    } finally {
      await k.shutdown();
    }
  }, 60_000);
});
