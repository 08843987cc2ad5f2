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

describe('a library user\'s first program (issue 19)', () => {
  it('Kernel.boot() runs on the real clock: a read of /dev/kxo returns a board without advancing anything', async () => {
    const k = await Kernel.boot();
    try {
      await k.insmod('kxo', { delay: 10 });
      const p = k.spawn();
      const fd = await p.open('/dev/kxo', O_RDONLY);
      const buf = p.mmap(4096);
      expect(await p.read(fd, buf, 66)).toBe(66);
      expect(parseBoard(String.fromCharCode(...p.peek(buf, 66)))).not.toBeNull();
      await p.close(fd);
    } finally {
      await k.shutdown();
    }
  }, 60_000);
});

describe('abi ext with the real clock: games on a pool of workers, a program playing a human side', () => {
  it('a program plays O of game 0 by write() while 3 other games run on 2 workers', async () => {
    const { KXO_SET_PROTO, KXO_EV_X, KXO_EV_START } = await import('../../src/drivers/kxo/uapi.js');
    const { O_RDWR, POLLIN } = await import('../../src/index.js');
    const k = await Kernel.boot({ clock: 'real' });
    try {
      const h = await k.insmod('kxo', { abi: 'ext', games: 4, delay: 10, ai: 'human,random', worker: 'on', workers: 2 });
      expect(h.api.pool.workers).toBe(2);
      const p = k.spawn();
      const buf = p.mmap(8192);
      const fd = await p.open('/dev/kxo', O_RDWR);
      p.poke(buf, Uint8Array.of(1, 0, 0, 0));
      await p.ioctl(fd, KXO_SET_PROTO, buf);
      // game 0: O is ours; games 1..3 become AI against AI
      for (const g of [1, 2, 3]) {
        p.poke(buf, Uint8Array.of(g, 0, 1, 0));
        await p.ioctl(fd, 0x40047802, buf);
      }
      const board = new Array<string>(16).fill(' ');
      let ours = true;
      let ended = '';
      const others = new Set<number>();
      while (!ended) {
        if (ours) {
          const cell = board.indexOf(' ');
          p.poke(buf + 4096, `0 ${cell}\n`);
          await p.write(fd, buf + 4096, `0 ${cell}\n`.length);
          ours = false;
        }
        const [r] = await p.poll([{ fd, events: POLLIN }], 5000);
        expect(r!.revents & POLLIN).toBe(POLLIN);
        const n = await p.read(fd, buf, 4096);
        const ev = p.peek(buf, n);
        for (let i = 0; i < n; i += 2) {
          const [g, code] = [ev[i]!, ev[i + 1]!];
          if (g !== 0) {
            others.add(g);
            continue;
          }
          if (code < KXO_EV_X) board[code] = 'O';
          else if (code < KXO_EV_START) {
            board[code - KXO_EV_X] = 'X';
            ours = true;
          } else if (code > KXO_EV_START) ended = code === 0x81 ? 'O' : code === 0x82 ? 'X' : 'D';
        }
        if (ended) ours = false;
      }
      expect(h.api.game(0).winner).toBe(ended);
      expect(h.api.game(0).board).toBe(board.join(''));
      expect(others).toEqual(new Set([1, 2, 3]));
      await p.close(fd);
      await k.rmmod('kxo');
      expect(h.api.pool.closed).toBe(true);
    } finally {
      await k.shutdown();
    }
  }, 60_000);
});
