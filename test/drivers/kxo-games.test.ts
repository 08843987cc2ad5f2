// The kxo extension (kxo-games.md, issue 12): parameters, ioctls, the event protocol, human
// moves, per-game sysfs and loadavg, under the virtual clock.
import { KXO_TRACE } from '../../src/drivers/kxo/trace.js';
import { until } from '../helpers/until.js';
import { availableParallelism } from 'node:os';
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, O_RDONLY, O_RDWR, O_NONBLOCK, POLLIN, POLLRDNORM, type Process } from '../../src/index.js';
import { parseBoard, drawBufferSize } from '../../src/drivers/kxo/board.js';
import { gameSeeds, xoroJump, makeCheckWin } from '../../src/drivers/kxo/game.js';
import { KxoEngine } from '../../src/wasm/kxo.js';
import {
  KXO_GET_INFO, KXO_SET_PROTO, KXO_SET_AI, KXO_GAME_CTL, KXO_GET_BOARD, KXO_EV_START, KXO_EV_OVERFLOW,
  KXO_EV_X, applyEvent,
} from '../../src/drivers/kxo/uapi.js';
import type { KxoApi } from '../../src/drivers/kxo/index.js';
import { Client } from '../helpers/kxo-client.js';

const dec = (b: Uint8Array) => String.fromCharCode(...b);
let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

async function boot(params: Record<string, unknown>): Promise<{ p: Process; buf: number; api: KxoApi }> {
  k = await Kernel.boot({ clock: 'virtual' });
  const h = await k.insmod('kxo', params);
  const p = k.spawn();
  return { p, buf: p.mmap(16384), api: h.api as KxoApi };
}

describe('module parameters (kxo-games §1)', () => {
  it.each([
    [{ games: 2 }, 'games > 1 needs abi ext'],
    [{ abi: 'ext', games: 65 }, 'games must be'],
    [{ abi: 'ext', games: 0 }, 'games must be'],
    [{ boardSize: 9 }, 'boardSize'],
    [{ boardSize: 2, goal: 2 }, 'boardSize'],
    [{ boardSize: 4, goal: 5 }, 'goal'],
    [{ ai: 'mcts' }, 'ai must be'],
    [{ ai: 'mcts,chess' }, 'ai must be'],
    [{ ai: 'human,negamax' }, 'human side needs abi ext'],
    [{ abi: 'kxo2' }, 'abi must be'],
    [{ abi: 'ext', workers: -1 }, 'workers'],
  ])('%j → EINVAL', async (params, why) => {
    k = await Kernel.boot({ clock: 'virtual' });
    await expect(k.insmod('kxo', params)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(k.dmesg()).toContain(why);
    expect(k.vfs.lookup('/dev/kxo')).toBeLessThan(0);
  });
  it('game g draws from kxo\'s xoroshiro seed jumped g times (the engine\'s own jump)', async () => {
    const e = await KxoEngine.create({ build: 'test' });
    const seeds = gameSeeds(4);
    expect(seeds[0]).toEqual([314159265n, 1618033989n]);
    for (let g = 1; g < 4; g++) {
      e.xoroJump();
      expect(seeds[g]).toEqual(e.xoroState);
      expect(xoroJump(seeds[g - 1]!)).toEqual(seeds[g]);
    }
  });
  it('abi kxo with another shape and other AIs: board texts of 2 + 4n² bytes, legal games', async () => {
    const { p, buf } = await boot({ boardSize: 5, goal: 4, ai: 'strong,random' });
    expect(drawBufferSize(5)).toBe(102);
    const fd = await p.open('/dev/kxo', O_RDWR | O_NONBLOCK);
    await k.clock.advance(2000);
    const n = await p.read(fd, buf, 4096);
    expect(n % 102).toBe(0);
    const boards = Array.from({ length: n / 102 }, (_, i) => parseBoard(dec(p.peek(buf + i * 102, 102)), 5));
    expect(boards.every((b) => b !== null && b.length === 25)).toBe(true);
    const stones = boards.map((b) => [...b!].filter((c) => c !== ' ').length);
    expect(Math.max(...stones)).toBeGreaterThan(3);
    // no write or ioctl in abi kxo, whatever the shape
    await expect(p.write(fd, buf, 4)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.ioctl(fd, KXO_GET_INFO, buf)).rejects.toMatchObject({ code: 'ENOTTY' });
  });
});

describe('ioctls (kxo-games §2)', () => {
  it('GET_INFO, SET_PROTO, unknown commands and bad pointers', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 3, boardSize: 5, goal: 4 });
    const c = await Client.open(p, buf);
    expect(await c.info()).toEqual([3, 5, 4, 0]);
    await c.proto(1);
    expect(await c.info()).toEqual([3, 5, 4, 1]);
    await expect(c.proto(2)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(c.proto(-1)).rejects.toMatchObject({ code: 'EINVAL' });
    for (const cmd of [KXO_GET_INFO, KXO_SET_PROTO, KXO_SET_AI, KXO_GAME_CTL, KXO_GET_BOARD]) {
      await expect(p.ioctl(c.fd, cmd, 0)).rejects.toMatchObject({ code: 'EFAULT' });
    }
    await expect(p.ioctl(c.fd, 0x7805, buf)).rejects.toMatchObject({ code: 'ENOTTY' });
    p.poke(buf, Uint8Array.of(3));
    await expect(p.ioctl(c.fd, KXO_GET_BOARD, buf)).rejects.toMatchObject({ code: 'EINVAL' });
    for (const bad of [[3, 0, 0], [0, 2, 0], [0, 0, 5]]) {
      p.poke(buf, Uint8Array.of(bad[0]!, bad[1]!, bad[2]!, 0));
      await expect(p.ioctl(c.fd, KXO_SET_AI, buf)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    for (const bad of [[3, 0], [0, 3]]) {
      p.poke(buf, Uint8Array.of(bad[0]!, bad[1]!, 0, 0));
      await expect(p.ioctl(c.fd, KXO_GAME_CTL, buf)).rejects.toMatchObject({ code: 'EINVAL' });
    }
  });
  it('SET_AI and GAME_CTL need write access: EBADF before the argument is read', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2 });
    const ro = await Client.open(p, buf, O_RDONLY);
    await expect(p.ioctl(ro.fd, KXO_SET_AI, 0)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(p.ioctl(ro.fd, KXO_GAME_CTL, 0)).rejects.toMatchObject({ code: 'EBADF' });
    // the read-only ioctls work on it
    expect((await ro.board(1)).cells).toBe(' '.repeat(64));
  });
  it('GET_BOARD: turn, state, winner, unused cells blank, moves; pause, resume and restart', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2, boardSize: 3, goal: 3, ai: 'negamax,negamax' });
    const c = await Client.open(p, buf);
    await c.proto(1);
    expect(await c.board(0)).toEqual({ turn: 'O', state: 0, winner: ' ', cells: ' '.repeat(64), moves: 0 });
    await c.ctl(1, 0); // pause game 1
    await k.clock.advance(300); // 3 ticks
    const b0 = await c.board(0);
    expect(b0.moves).toBe(3);
    expect(b0.turn).toBe('X');
    expect(b0.cells.slice(9)).toBe(' '.repeat(55));
    expect([...b0.cells.slice(0, 9)].filter((x) => x !== ' ')).toHaveLength(3);
    expect(await c.board(1)).toEqual({ turn: 'O', state: 1, winner: ' ', cells: ' '.repeat(64), moves: 0 });
    // every event so far is game 0's
    expect((await c.events()).every(([g]) => g === 0)).toBe(true);
    await c.ctl(1, 1);
    await k.clock.advance(100);
    expect((await c.board(1)).moves).toBe(1);
    await c.events();
    // restart of a paused game: the board clears, a start event, and it stays paused
    await c.ctl(1, 0);
    await c.ctl(1, 2);
    expect(await c.events()).toEqual([[1, KXO_EV_START]]);
    expect(await c.board(1)).toMatchObject({ state: 1, moves: 0, cells: ' '.repeat(64) });
    await k.clock.advance(100);
    expect((await c.board(1)).moves).toBe(0);
    expect((await c.events()).map(([g]) => g)).toEqual([0]);
  });
  it('a game ends with its end event after the move, stays over for a tick, restarts with a start event', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 1, boardSize: 3, goal: 3, ai: 'negamax,random' });
    const c = await Client.open(p, buf);
    await c.proto(1);
    const seen: Array<[number, number]> = [];
    let over = -1;
    for (let t = 0; t < 12 && over < 0; t++) {
      await k.clock.advance(100);
      const ev = await c.events();
      seen.push(...ev);
      if (ev.some(([, code]) => code > 0x80 && code < 0x84)) over = t;
    }
    expect(over).toBeGreaterThanOrEqual(4);
    const end = seen.findIndex(([, code]) => code > 0x80 && code < 0x84);
    expect(seen[end - 1]![1]).toBeLessThan(0x80); // the deciding move comes first, in the same tick
    const b = await c.board(0);
    expect(b.state).toBe(2);
    expect(b.winner).toBe({ 0x81: 'O', 0x82: 'X', 0x83: 'D' }[seen[end]![1]]);
    // pausing a game that is over changes nothing
    await c.ctl(0, 0);
    expect((await c.board(0)).state).toBe(2);
    await k.clock.advance(100);
    expect(await c.events()).toEqual([[0, KXO_EV_START]]);
    expect(await c.board(0)).toMatchObject({ state: 0, winner: ' ', moves: 0 });
    // kxo's carry-over: the side after the last mover starts
    expect((await c.board(0)).turn).toBe(seen[end - 1]![1] < KXO_EV_X ? 'X' : 'O');
  });
});

/** Boards rebuilt from events, the way a reader of the protocol keeps them. */
function rebuild(events: Array<[number, number]>, games: number, size: number): string[] {
  const boards = Array.from({ length: games }, () => new Array<string>(size * size).fill(' '));
  for (const [g, code] of events) applyEvent(boards, size, g, code);
  return boards.map((b) => b.join(''));
}

describe('the event protocol (kxo-games §3)', () => {
  it('8 games: the boards rebuilt from events equal KXO_GET_BOARD after every tick; a tick\'s events come in game order', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 8, ai: 'mcts,negamax' });
    const c = await Client.open(p, buf);
    await c.proto(1);
    const all: Array<[number, number]> = [];
    let ends = 0;
    for (let t = 0; t < 25; t++) {
      await k.clock.advance(100);
      const ev = await c.events();
      // moves and ends of one tick: game ids never go down (an end follows its game's move)
      for (let i = 1; i < ev.length; i++) expect(ev[i]![0]).toBeGreaterThanOrEqual(ev[i - 1]![0]);
      all.push(...ev);
      ends += ev.filter(([, code]) => code > 0x80 && code < 0x84).length;
      const rebuilt = rebuild(all, 8, 4);
      for (let g = 0; g < 8; g++) {
        const b = await c.board(g);
        expect({ t, g, cells: b.cells.slice(0, 16) }).toEqual({ t, g, cells: rebuilt[g] });
      }
    }
    expect(ends).toBeGreaterThan(8);
    // the games differ: each draws from its own PRNG stream
    expect(new Set(rebuild(all.slice(0, 60), 8, 4)).size).toBeGreaterThan(1);
  }, 60_000);
  it('reads: whole events only, count 1 → EINVAL, count 0 → 0, O_NONBLOCK → EAGAIN, poll', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2 });
    const c = await Client.open(p, buf);
    await c.proto(1);
    expect(await p.read(c.fd, buf, 0)).toBe(0);
    await expect(p.read(c.fd, buf, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.read(c.fd, buf, 2)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect((await p.poll([{ fd: c.fd, events: POLLIN | POLLRDNORM }], 0))[0]!.revents).toBe(0);
    await k.clock.advance(100);
    expect((await p.poll([{ fd: c.fd, events: POLLIN | POLLRDNORM }], 0))[0]!.revents).toBe(POLLIN | POLLRDNORM);
    // a fault consumes nothing
    await expect(p.read(c.fd, 0, 2)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(await p.read(c.fd, buf, 3)).toBe(2);
    expect([...p.peek(buf, 2)][0]).toBe(0);
    expect(await p.read(c.fd, buf, 64)).toBe(2);
    expect([...p.peek(buf, 2)][0]).toBe(1);
    // a blocking reader sleeps until the next tick's events
    const rw = await p.open('/dev/kxo', O_RDWR);
    const r = new Client(p, buf, rw);
    await r.proto(1);
    const pending = p.read(rw, buf + 4096, 4);
    await k.clock.advance(100);
    expect(await pending).toBe(4);
    // switching back to boards discards the file's events; proto 0 reads boards
    await r.proto(0);
    await k.clock.advance(100);
    const n = await p.read(rw, buf, 66);
    expect(parseBoard(dec(p.peek(buf, n)))).not.toBeNull();
  });
  it('a file that does not read overflows once, loses what follows, resumes when drained', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 64, ai: 'random,random' });
    const slow = await Client.open(p, buf);
    const ref = await Client.open(p, buf);
    await slow.proto(1);
    await ref.proto(1);
    const all: Array<[number, number]> = [];
    for (let t = 0; t < 40; t++) {
      await k.clock.advance(100);
      all.push(...(await ref.events()));
    }
    const got = await slow.events();
    // 4094 bytes of events, then the marker in the last pair
    expect(got.length).toBe(2048);
    expect(got[got.length - 1]).toEqual([0xff, KXO_EV_OVERFLOW]);
    expect(got.slice(0, -1)).toEqual(all.slice(0, 2047));
    // drained: queuing resumes with the next event, and GET_BOARD resynchronises
    const boards: string[] = [];
    for (let g = 0; g < 64; g++) boards.push((await slow.board(g)).cells.slice(0, 16));
    await k.clock.advance(100);
    const next = await slow.events();
    expect(next).toEqual(await ref.events());
    const rebuilt = Array.from({ length: 64 }, (_, g) => [...boards[g]!]);
    for (const [g, code] of next) applyEvent(rebuilt, 4, g, code);
    for (let g = 0; g < 64; g++) expect(rebuilt[g]!.join('')).toBe((await slow.board(g)).cells.slice(0, 16));
  }, 60_000);
  it('with abi ext, a proto-0 file reads kxo\'s own stream byte for byte (game ends, the final board again, kxo_state)', async () => {
    const streamOf = async (params: Record<string, unknown>) => {
      const { p, buf } = await boot(params);
      const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
      let text = '';
      const take = async () => {
        for (;;) {
          try {
            const n = await p.read(fd, buf, 4096);
            text += dec(p.peek(buf, n));
          } catch (e: any) {
            if (e.code === 'EAGAIN') return;
            throw e;
          }
        }
      };
      for (let t = 0; t < 12; t++) {
        await k.clock.advance(100);
        await take();
      }
      // end: the game in progress finishes, its final board comes once, then nothing
      await p.writeFile('/sys/class/kxo/kxo/kxo_state', '1 1 1');
      for (let t = 0; t < 12; t++) {
        await k.clock.advance(100);
        await take();
      }
      await p.close(fd);
      await k.shutdown();
      return text;
    };
    const kxo = await streamOf({});
    const ext = await streamOf({ abi: 'ext', games: 3 });
    expect(kxo.length).toBeGreaterThan(12 * 66);
    expect(ext).toBe(kxo);
  });
  it('with abi ext, proto-0 files still read game 0\'s board texts (the board size\'s shape)', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2, boardSize: 6, goal: 4, ai: 'negamax,random' });
    const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
    await k.clock.advance(300);
    const size = drawBufferSize(6);
    const n = await p.read(fd, buf, 4096);
    expect(n).toBe(3 * size);
    const last = parseBoard(dec(p.peek(buf + 2 * size, size)), 6)!;
    expect(last).toBe((k.modules.get('kxo')!.k.api as KxoApi).board());
    expect([...last].filter((x) => x !== ' ')).toHaveLength(3);
  });
});

describe('human moves by write() (kxo-games §4)', () => {
  it('"G C" lines play at once; errors in the spec\'s order; the first error stops the batch', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 3, ai: 'human,negamax' });
    const c = await Client.open(p, buf);
    await c.proto(1);
    expect(await c.write('0 B2\n1 a1')).toBe(9);
    expect(await c.events()).toEqual([[0, 5], [1, 0]]);
    expect((await c.board(0)).cells.slice(0, 16)).toBe('     O          ');
    // X (negamax) answers on the next tick, in both games; game 2 waits for its human
    await k.clock.advance(100);
    const ev = await c.events();
    expect(ev.map(([g, code]) => [g, code >= KXO_EV_X])).toEqual([[0, true], [1, true]]);
    const refuse = async (text: string, code: string) => expect(c.write(text)).rejects.toMatchObject({ code });
    await refuse('0', 'EINVAL');
    await refuse('x B2', 'EINVAL');
    await refuse('0 B2 C3', 'EINVAL');
    await refuse('0 ?', 'EINVAL');
    await refuse('3 A1', 'EINVAL'); // no game 3
    await c.ctl(2, 0);
    await refuse('2 Z9', 'EAGAIN'); // paused comes before the cell's range
    await c.ctl(2, 1);
    await c.setAi(2, 0, 1); // O becomes negamax: not a human's turn
    await refuse('2 A1', 'EPERM');
    await c.setAi(2, 0, 4);
    await refuse('2 Z9', 'EINVAL');
    await refuse('2 16', 'EINVAL');
    await refuse('0 B2', 'EINVAL'); // occupied
    // a batch: the moves before the error stand, the error is returned
    await refuse('2 0\n2 1\n', 'EPERM');
    expect((await c.board(2)).cells.slice(0, 16)).toBe('O' + ' '.repeat(15));
    await k.clock.advance(100); // X answers in game 2
    const b2 = (await c.board(2)).cells.slice(0, 16);
    expect([...b2].filter((x) => x === 'X')).toHaveLength(1);
    const free = b2.indexOf(' ', 1);
    expect(await c.write(`2 ${free}\n`)).toBe(`2 ${free}\n`.length);
    expect((await c.board(2)).cells[free]).toBe('O');
    // a write needs write access, and its size is bounded
    const ro = await Client.open(p, buf, O_RDONLY);
    await expect(ro.write('2 3')).rejects.toMatchObject({ code: 'EBADF' });
    await expect(p.write(c.fd, buf, 4097)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.write(c.fd, 0, 4)).rejects.toMatchObject({ code: 'EFAULT' });
  });
});

describe('per-game sysfs (kxo-games §6)', () => {
  it('board, ai and state read by anyone; ai and state written by root with the ioctls\' effect', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2, boardSize: 3, goal: 3, ai: 'negamax,human' });
    const dir = '/sys/class/kxo/kxo/games';
    await k.clock.advance(0);
    const c = await Client.open(p, buf);
    await c.proto(1);
    const user = k.spawn({ uid: 1000 });
    expect(await user.readFile(`${dir}/1/board`)).toBe('...\n...\n...\n');
    expect(await user.readFile(`${dir}/1/ai`)).toBe('negamax human\n');
    expect(await user.readFile(`${dir}/1/state`)).toBe('playing\n');
    await k.clock.advance(100);
    const b = (await c.board(1)).cells;
    expect(await p.readFile(`${dir}/1/board`)).toBe([0, 1, 2].map((r) => b.slice(r * 3, r * 3 + 3).replace(/ /g, '.') + '\n').join(''));
    await expect(user.writeFile(`${dir}/1/state`, 'paused')).rejects.toMatchObject({ code: 'EACCES' });
    expect(await p.writeFile(`${dir}/1/state`, 'paused\n')).toBe(7);
    expect(await p.readFile(`${dir}/1/state`)).toBe('paused\n');
    expect((await c.board(1)).state).toBe(1);
    await p.writeFile(`${dir}/1/state`, 'restart');
    expect((await c.events()).slice(-1)).toEqual([[1, KXO_EV_START]]);
    expect(await p.readFile(`${dir}/1/board`)).toBe('...\n...\n...\n');
    await p.writeFile(`${dir}/1/state`, 'playing');
    await p.writeFile(`${dir}/0/ai`, 'strong random\n');
    expect(await p.readFile(`${dir}/0/ai`)).toBe('strong random\n');
    await expect(p.writeFile(`${dir}/0/ai`, 'strong')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.writeFile(`${dir}/0/ai`, 'strong chess')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.writeFile(`${dir}/0/state`, 'over')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.writeFile(`${dir}/0/board`, 'x')).rejects.toMatchObject({ code: 'EACCES' });
    // the new AIs play: game 0's O is strong now
    await k.clock.advance(100);
    expect((k.modules.get('kxo')!.k.api as KxoApi).game(0).ai).toEqual(['strong', 'random']);
  });
});

/** Linux's calc_load in unsigned 64-bit arithmetic, written from kernel/sched/loadavg.c. */
function linuxCalcLoad(load: bigint, exp: bigint, active: bigint): bigint {
  let newload = load * exp + active * (2048n - exp);
  if (active >= load) newload += 2048n - 1n;
  return newload / 2048n;
}

describe('per-AI load average (kxo-games §5)', async () => {
  const { calcLoad, formatLoad, LoadAverages, EXP_1, EXP_5, EXP_15, FIXED_1 } = await import('../../src/drivers/kxo/loadavg.js');
  it('calc_load matches Linux\'s formula, rounding included', () => {
    expect(calcLoad(0, EXP_1, 2048)).toBe(164);
    expect(calcLoad(2048, EXP_1, 0)).toBe(1884);
    expect(calcLoad(1000, EXP_1, 1024)).toBe(1002);
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let i = 0; i < 2000; i++) {
      const load = rnd(8 * FIXED_1);
      const active = rnd(8 * FIXED_1);
      for (const exp of [EXP_1, EXP_5, EXP_15]) expect(calcLoad(load, exp, active)).toBe(Number(linuxCalcLoad(BigInt(load), BigInt(exp), BigInt(active))));
    }
    // /proc/loadavg's printing: FIXED_1/200 added, two decimals
    expect([formatLoad(0), formatLoad(1024), formatLoad(2048), formatLoad(164), formatLoad(3 * 2048 + 2047)]).toEqual(['0.00', '0.50', '1.00', '0.08', '4.00']);
  });
  it('a steady 50% busy AI converges to 0.50 on the 1-minute figure', () => {
    const l = new LoadAverages();
    for (let i = 0; i < 12; i++) {
      l.charge('mcts', 2500);
      l.sample();
    }
    // after one minute the 1-minute figure is 1 − 1/e of the way there, the others behind
    const [m1, m5, m15] = l.per.get('mcts')!.avenrun;
    expect(m1).toBeGreaterThan(m5);
    expect(m5).toBeGreaterThan(m15);
    expect(Math.abs(m1 / 1024 - (1 - Math.exp(-1)))).toBeLessThan(0.02);
    for (let i = 0; i < 1000; i++) {
      l.charge('mcts', 2500);
      l.sample();
    }
    expect(l.per.get('mcts')!.avenrun[0]).toBe(1024);
    expect(l.show()).toBe('mcts 0.50 0.50 0.50\n');
    // idle from then on: it decays, the 1-minute figure first
    for (let i = 0; i < 12; i++) l.sample();
    const [a1, a5, a15] = l.per.get('mcts')!.avenrun;
    expect(a1).toBeLessThan(a5);
    expect(a5).toBeLessThan(a15);
  });
  it('the loadavg file lists the AIs that played, sampled every 5 s of the kernel clock', async () => {
    const { p } = await boot({ abi: 'ext', games: 2, ai: 'negamax,random' });
    expect(await p.readFile('/sys/class/kxo/kxo/loadavg')).toBe('');
    const fd = await p.open('/dev/kxo', O_RDONLY);
    await k.clock.advance(5000);
    const text = await p.readFile('/sys/class/kxo/kxo/loadavg');
    expect(text).toMatch(/^negamax \d+\.\d\d \d+\.\d\d \d+\.\d\d\nrandom \d+\.\d\d \d+\.\d\d \d+\.\d\d\n$/);
    await p.close(fd);
  });
  it('abi kxo has no loadavg, no games directory', async () => {
    const { p } = await boot({});
    await expect(p.readFile('/sys/class/kxo/kxo/loadavg')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(p.readFile('/sys/class/kxo/kxo/games/0/board')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the AI pool (kxo-games §1, issue 12)', () => {
  /** The event stream of 12 ticks of 4 games with every AI kind, on a pool of `workers`. */
  async function stream(worker: 'off' | 'on', workers: number, ahead: { used: number; dropped: number } = { used: 0, dropped: 0 }): Promise<Array<[number, number]>> {
    const { p, buf, api } = await boot({ abi: 'ext', games: 4, ai: 'random,negamax', worker, workers });
    expect(api.pool.workers).toBe(worker === 'on' ? workers : 0);
    k.trace.on((e) => {
      if (e.name === KXO_TRACE.moveAhead) ahead[e.fields!.used ? 'used' : 'dropped']++;
    });
    const c = await Client.open(p, buf);
    await c.proto(1);
    await c.setAi(1, 0, 0); // game 1: mcts for O
    await c.setAi(2, 1, 3); // game 2: strong for X
    await c.setAi(3, 0, 3);
    const all: Array<[number, number]> = [];
    for (let t = 0; t < 12; t++) {
      await k.clock.advance(100);
      all.push(...(await c.events()));
    }
    await expect(k.rmmod('kxo')).rejects.toMatchObject({ code: 'EBUSY' });
    await p.close(c.fd);
    await k.rmmod('kxo');
    expect(api.pool.closed).toBe(true);
    await k.shutdown();
    return all;
  }
  it('by default the AIs think on workers under the virtual clock too (one per game up to the machine\'s threads), so a tick of strong 8x8 games does not hold the host\'s thread', async () => {
    const { p, api } = await boot({ abi: 'ext', games: 2, boardSize: 8, goal: 8, ai: 'strong,strong' });
    expect(api.pool.workers).toBe(Math.min(2, availableParallelism()));
    await p.open('/dev/kxo', O_RDONLY); // the games play while the device is open
    await k.clock.advance(300);
    expect(api.game(0).moves.length).toBeGreaterThan(0);
  });
  it('under the virtual clock the events are the same inline and on 1 or 3 workers, with moves asked for ahead; rmmod releases them', async () => {
    const none = { used: 0, dropped: 0 };
    const inline = await stream('off', 0, none);
    expect(inline.length).toBeGreaterThan(40);
    // inline nothing is asked ahead; on workers each game's next turn is, and serves its tick
    // (through game ends and restarts too: 12 ticks see several)
    expect(none).toEqual({ used: 0, dropped: 0 });
    const one = { used: 0, dropped: 0 };
    expect(await stream('on', 1, one)).toEqual(inline);
    expect(one.used).toBeGreaterThan(30);
    const three = { used: 0, dropped: 0 };
    expect(await stream('on', 3, three)).toEqual(inline);
    expect(three.used).toBeGreaterThan(30);
    expect(inline.filter(([, code]) => code === 0x80).length).toBeGreaterThan(1);
  }, 120_000);
  it('a move asked for ahead is dropped when the game changes before its tick (here: a new AI)', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2, ai: 'negamax,negamax', worker: 'on', workers: 1 });
    const seen: Array<{ game: number; used: boolean }> = [];
    k.trace.on((e) => e.name === KXO_TRACE.moveAhead && seen.push(e.fields as { game: number; used: boolean }));
    const c = await Client.open(p, buf);
    await c.proto(1);
    await k.clock.advance(100); // each game's first move; its second is asked for ahead
    await c.setAi(0, 1, 2); // game 0's X becomes random: the guess for game 0 is not the move wanted
    await k.clock.advance(100);
    // (asked longest first: game 1's negamax before game 0's random)
    expect(seen).toEqual([{ game: 1, used: true }, { game: 0, used: false }]);
    await p.close(c.fd);
  });
  it('a game runs at most four turns ahead of its tick, and goes on once a tick takes one', async () => {
    const { p, api } = await boot({ abi: 'ext', games: 1, ai: 'random,random', worker: 'on', workers: 1 });
    await p.open('/dev/kxo', O_RDONLY);
    await k.clock.advance(100);
    const g = api.state.games[0]!;
    await until(() => g.ahead.length === 4);
    const fourth = g.ahead[3]!;
    await fourth.p;
    expect(g.ahead.length).toBe(4); // the fourth's answer waits for room
    await k.clock.advance(100);
    // the tick took the first; the fifth turn is asked for now
    await until(() => g.ahead.length === 4 && g.ahead[2] === fourth);
  });
});

describe('hostile parameters, protocol switches and resyncs', () => {
  it('hostile parameter values are EINVAL with nothing left behind; kxo loads again after', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    for (const bad of [{ delay: Symbol('d') }, { delay: 0.01 }, { delay: Infinity }, { abi: Object.create(null) }, { abi: 'ext', ai: Object.create(null) },
      { abi: 'ext', worker: Object.create(null) }, { abi: 'ext', ai: { toString() { throw new Error('boom'); } } }]) {
      await expect(k.insmod('kxo', bad as never)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    expect(k.dmesg()).not.toContain('Oops');
    expect(k.vfs.lookup('/dev/kxo')).toBeLessThan(0);
    await k.insmod('kxo', { abi: 'ext' });
  });
  it('a read follows its file\'s protocol switch instead of sleeping in the old one', async () => {
    const { p, buf } = await boot({ abi: 'ext', games: 2 });
    const fd = await p.open('/dev/kxo', O_RDWR);
    const c = new Client(p, buf, fd);
    const boards = p.read(fd, buf + 4096, 66);
    await new Promise((r) => setImmediate(r));
    await c.proto(1);
    await k.clock.advance(100);
    // events now: the first tick's move in each game
    expect(await boards).toBe(4);
    expect([...p.peek(buf + 4096, 4)].filter((_, i) => i % 2 === 0)).toEqual([0, 1]);
    // and back: a blocking events read switched to boards gets a board, not EAGAIN
    const events = p.read(fd, buf + 4096, 66);
    await new Promise((r) => setImmediate(r));
    await c.proto(0);
    await k.clock.advance(100);
    expect(await events).toBe(66);
    expect(parseBoard(dec(p.peek(buf + 4096, 66)))).not.toBeNull();
  });
  it('shutdown while insmod is still starting its workers waits for it, then unloads it', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const ins = k.insmod('kxo', { abi: 'ext', worker: 'on', workers: 2 });
    await new Promise((r) => setImmediate(r));
    await k.shutdown();
    const h = await ins;
    expect((h.api as KxoApi).pool.closed).toBe(true);
    expect(k.modules.has('kxo')).toBe(false);
  });
});

describe('human moves, sysfs writes and game control edges', () => {
  it('an AI that cannot load costs its own game, not the others; logged once, no oops', async () => {
    const { p, buf, api } = await boot({ abi: 'ext', games: 3, ai: 'random,random', strongEngine: new Uint8Array([0, 97, 115, 109, 9]) });
    const c = await Client.open(p, buf);
    await c.setAi(1, 0, 3); // game 1's O: strong, whose engine bytes are broken
    await k.clock.advance(1000);
    expect(api.game(1).moves).toHaveLength(0);
    const movesOf = (g: number) => api.state.moveTimes.filter((t) => t.game === g).length;
    for (const g of [0, 2]) expect(movesOf(g)).toBeGreaterThan(5);
    expect(k.dmesg()).not.toContain('Oops');
    expect(k.dmesg().match(/the strong AI cannot play/g)).toHaveLength(1);
    // switched back, the game goes on
    await c.setAi(1, 0, 2);
    await k.clock.advance(200);
    expect(api.game(1).moves.length).toBeGreaterThan(0);
  });
});
