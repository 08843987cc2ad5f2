import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Kernel, O_RDONLY, O_RDWR, O_NONBLOCK, O_WRONLY, POLLIN, POLLRDNORM, PROT_READ, type Process } from '../../src/index.js';
import { parseBoard, drawBoard, DRAWBUFFER_SIZE } from '../../src/drivers/kxo/board.js';
import { GameTracker } from '../../src/cli/xo-user.js';
import { readJsonl } from '../helpers/fixtures.js';

const STATE = '/sys/class/kxo/kxo/kxo_state';
const dec = (b: Uint8Array) => String.fromCharCode(...b);

let k: Kernel;
let p: Process;
let buf: number;
beforeEach(async () => {
  k = await Kernel.boot({ clock: 'virtual' });
  await k.insmod('kxo');
  p = k.spawn();
  buf = p.mmap(8192);
});
afterEach(async () => {
  await k.shutdown();
});

async function drain(fd: number): Promise<string> {
  let out = '';
  for (;;) {
    try {
      const n = await p.read(fd, buf, 8192);
      out += dec(p.peek(buf, n));
    } catch (e: any) {
      if (e.code === 'EAGAIN') return out;
      throw e;
    }
  }
}
const boardsOf = (text: string) => {
  const out: string[] = [];
  for (let i = 0; i + DRAWBUFFER_SIZE <= text.length; i += DRAWBUFFER_SIZE) out.push(parseBoard(text.slice(i, i + DRAWBUFFER_SIZE))!);
  return out;
};

describe('kxo_state (kxo §2)', () => {
  it('reads "1 1 0\\n" after load and the node/sysfs files exist (kxo §1)', async () => {
    expect(await p.readFile(STATE)).toBe('1 1 0\n');
    expect(await p.readFile('/sys/module/kxo/initstate')).toBe('live\n');
    const st = p.stat('/dev/kxo');
    expect(st.rdev >>> 20).toBe(254);
    expect(await p.readFile('/sys/class/kxo/kxo/dev')).toBe('254:0\n');
  });
  it.each([
    ['0 1 0', '0 1 0\n'],
    ['010', '0 1 0\n'],
    ['1', '1 1 0\n'],
    ['0', '0 1 0\n'],
    ['\n1 1 0', '\n 1 1\n'],
    ['1 1 1\n', '1 1 1\n'],
  ])('store %j → show %j, returning the full count', async (input, shown) => {
    expect(await p.writeFile(STATE, input)).toBe(input.length);
    expect(await p.readFile(STATE)).toBe(shown);
  });
});

describe('open/release/read/poll (kxo §4)', () => {
  it('first open arms the timer, second does not; closing one of two keeps the game running but resets end', async () => {
    const a = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    const st = k.modules.get('kxo')!.k.state;
    expect(st.timer.pending).toBe(true);
    const expires = st.timer.expires;
    const b = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    expect(st.timer.expires).toBe(expires);
    await p.writeFile(STATE, '1 1 1');
    await p.close(b);
    expect(await p.readFile(STATE)).toBe('1 1 0\n');
    expect(st.timer.pending).toBe(true);
    await k.clock.advance(100);
    expect((await drain(a)).length).toBe(66);
    await p.close(a);
    expect(st.timer.pending).toBe(false);
  });

  it('streams one 66-byte board per tick with the §5 layout; the first shows O13', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await expect(p.read(fd, buf, 66)).rejects.toMatchObject({ code: 'EAGAIN', errno: 11, syscall: 'read' });
    expect((await p.poll([{ fd, events: POLLIN }], 0))[0]!.revents).toBe(0);
    await k.clock.advance(100);
    expect((await p.poll([{ fd, events: POLLIN | POLLRDNORM }], 0))[0]!.revents).toBe(0x41);
    const text = await drain(fd);
    expect(text).toBe('\n\n | | | \n-------\n | | | \n-------\n | | | \n-------\n |O| | \n-------\n');
    expect(dec(drawBoard(' '.repeat(13) + 'O  '))).toBe(text);
  });

  it('read(10) returns 10 and the next read continues mid-board (kxo §4)', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await k.clock.advance(100);
    expect(await p.read(fd, buf, 10)).toBe(10);
    const first = dec(p.peek(buf, 10));
    expect(await p.read(fd, buf, 100)).toBe(56);
    expect(first + dec(p.peek(buf, 56))).toBe(dec(drawBoard(' '.repeat(13) + 'O  ')));
  });

  it('a buffer faulting after 20 bytes → EFAULT with the 20 bytes consumed; a bad range → EFAULT, nothing consumed', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await k.clock.advance(100);
    const two = p.mmap(8192);
    p.mprotect(two + 4096, 4096, PROT_READ);
    await expect(p.read(fd, two + 4096 - 20, 66)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(await p.read(fd, buf, 100)).toBe(46);
    await k.clock.advance(100);
    await expect(p.read(fd, 2 ** 32 - 10, 66)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(await p.read(fd, buf, 100)).toBe(66);
  });

  it('count 0 returns 0 at once, even with data queued (deviation: kxo §4)', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY);
    expect(await p.read(fd, buf, 0)).toBe(0);
    await k.clock.advance(100);
    expect(await p.read(fd, buf, 0)).toBe(0);
  });

  it('a blocking read sleeps until the next tick; a signal ends it with EINTR (chrdev-core §7)', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY);
    const r = p.read(fd, buf, 66);
    await k.clock.advance(100);
    expect(await r).toBe(66);
    const ac = new AbortController();
    const r2 = p.read(fd, buf, 66, { signal: ac.signal });
    ac.abort();
    await expect(r2).rejects.toMatchObject({ code: 'EINTR' });
  });

  it('write → EINVAL, ioctl → ENOTTY, lseek → ESPIPE (kxo §1)', async () => {
    const fd = await p.open('/dev/kxo', O_RDWR | O_NONBLOCK);
    await expect(p.write(fd, buf, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.ioctl(fd, 0x1234, 0)).rejects.toMatchObject({ code: 'ENOTTY' });
    await expect(p.lseek(fd, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
    const w = await p.open('/dev/kxo', O_WRONLY);
    await p.close(w);
  });

  it('rmmod is refused while /dev/kxo is open (EBUSY), allowed after close', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY);
    await expect(k.rmmod('kxo')).rejects.toMatchObject({ code: 'EBUSY' });
    await p.close(fd);
    await k.rmmod('kxo');
    await expect(p.open('/dev/kxo', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the game through the device (kxo §3, §12)', () => {
  it('plays the reference games of games.jsonl with turn carry-over, one board per tick', async () => {
    const games = readJsonl<{ game: number; first: string; moves: number[]; winner: string; final_board: string }>('kxo/games.jsonl');
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    const tracker = new GameTracker();
    const want = 3;
    let ticks = 0;
    while (tracker.games.length < want && ticks < 60) {
      await k.clock.advance(100);
      ticks++;
      const text = await drain(fd);
      expect(text.length).toBe(66); // exactly one board per tick while display is on
      for (const b of boardsOf(text)) tracker.feed(b);
    }
    for (let g = 0; g < want; g++) {
      const got = tracker.games[g]!;
      expect({ game: g, first: got.first, moves: got.moves, winner: got.winner, board: got.finalBoard })
        .toEqual({ game: g, first: games[g]!.first, moves: games[g]!.moves, winner: games[g]!.winner, board: games[g]!.final_board });
    }
  });

  it('without a reader the fifo keeps 62 boards + 4 bytes; later boards are dropped (kxo §5)', async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    const st = k.modules.get('kxo')!.k.state;
    // display off while we fast-forward would stop boards; instead fill the fifo with board redraws
    st.ai = { ...st.ai, move: () => -1 }; // no AI moves: every tick redraws the same empty board
    await k.clock.advance(100 * 70);
    expect(st.fifo.len).toBe(4096);
    const text = await drain(fd);
    expect(text.length).toBe(4096);
    expect(text.slice(62 * 66)).toBe('\n\n |');
    expect(k.dmesg()).toContain('produce_board: 62 bytes dropped');
  });

  it("display '0' stops per-tick and final boards; '1' resumes them (kxo §2, §6)", async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await k.clock.advance(100);
    expect((await drain(fd)).length).toBe(66);
    await p.writeFile(STATE, '0 1 0');
    await k.clock.advance(1000);
    expect(await drain(fd)).toBe('');
    await p.writeFile(STATE, '1 1 0');
    await k.clock.advance(100);
    expect((await drain(fd)).length).toBe(66);
  });

  it("end '1' halts at the game end with the final board kept; a full close and reopen restarts (kxo §2, §4)", async () => {
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await p.writeFile(STATE, '1 1 1');
    const st = k.modules.get('kxo')!.k.state;
    for (let i = 0; i < 12; i++) await k.clock.advance(100);
    expect(st.timer.pending).toBe(false);
    const final = k.modules.get('kxo')!.k.api.board();
    expect(final).toBe('O   O XOXXX  O  ');
    await drain(fd);
    await k.clock.advance(500);
    expect(await drain(fd)).toBe('');
    await p.close(fd);
    expect(await p.readFile(STATE)).toBe('1 1 0\n');
    const fd2 = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await k.clock.advance(100); // game-over tick: final board redrawn, table cleared, re-armed
    expect(boardsOf(await drain(fd2))).toEqual([final]);
    await k.clock.advance(100);
    expect(boardsOf(await drain(fd2))).toEqual(['        O       ']);
  });
});
