// The real clock's single host timer over a heap of events (sched.ts). The host's timers and
// performance.now() are vitest's fake ones, so every test runs the same on any machine: `sleep`
// moves host time on by exactly ms and fires the timers due (the one test that looks at Node's
// own timer handles uses the real ones).
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { RealClock, Kernel, O_RDONLY, POLLIN, SIGUSR1 } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const fake = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });

describe('RealClock', () => {
  beforeEach(fake);
  afterEach(() => void vi.useRealTimers());
  it('runs events by time, then in the order they were scheduled', async () => {
    const c = new RealClock();
    const got: string[] = [];
    const t = c.now();
    c.schedule(t + 30, () => got.push('late'));
    c.schedule(t + 10, () => got.push('first'));
    c.schedule(t + 10, () => got.push('second'));
    c.schedule(t - 5, () => got.push('past'));
    await sleep(60);
    expect(got).toEqual(['past', 'first', 'second', 'late']);
    expect(c.pending).toBe(0);
  });

  it('a cancelled event leaves at once and never runs; cancelling twice is harmless', async () => {
    const c = new RealClock();
    const t = c.now();
    let ran = 0;
    const hs = Array.from({ length: 10_000 }, (_, i) => c.schedule(t + 5 + (i % 7), () => ran++));
    expect(c.pending).toBe(10_000);
    // cancel every other one, from the middle of the heap as well as its top
    hs.forEach((h, i) => i % 2 === 0 && h.cancel());
    hs[0]!.cancel();
    expect(c.pending).toBe(5_000);
    await sleep(40);
    expect(ran).toBe(5_000);
  });

  it('keeps the host alive while an event waits, not after the last one is cancelled (nvme\'s 60 s timeout, armed per command)', async () => {
    vi.useRealTimers();
    const before = timeouts();
    const c = new RealClock();
    const a = c.schedule(c.now() + 60_000, () => {});
    expect(timeouts()).toBe(before + 1);
    a.cancel();
    expect(timeouts()).toBe(before);
    // the next command's timeout needs no new host timer, and holds the host again
    const b = c.schedule(c.now() + 60_000, () => {});
    expect(timeouts()).toBe(before + 1);
    b.cancel();
    c.cancelAll();
    expect(timeouts()).toBe(before);
  });

  it('an earlier event re-arms the host timer; a far deadline (past 2^31 ms) neither fires nor breaks the rest', async () => {
    const c = new RealClock();
    const got: string[] = [];
    c.schedule(c.now() + 2 ** 33, () => got.push('far'));
    c.schedule(c.now() + 60_000, () => got.push('minute'));
    c.schedule(c.now() + 5, () => got.push('soon'));
    c.schedule(Infinity, () => got.push('never'));
    await sleep(30);
    expect(got).toEqual(['soon']);
    expect(c.pending).toBe(2);
    c.cancelAll();
    expect(c.pending).toBe(0);
  });

  it('a callback that throws goes to onError; the others still run', async () => {
    const c = new RealClock();
    const errors: unknown[] = [];
    c.onError = (e) => errors.push(e);
    let ok = 0;
    c.schedule(c.now() + 1, () => {
      throw new Error('driver bug');
    });
    c.schedule(c.now() + 1, () => ok++);
    await sleep(20);
    expect([errors.length, ok]).toEqual([1, 1]);
  });

  it('never runs an event before its time, even when the host timer fires early', async () => {
    const c = new RealClock();
    // a host whose timers fire 0.6 ms before the clock reaches their time
    const host = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => host() - 0.6);
    const early: number[] = [];
    for (let i = 0; i < 40; i++) {
      const at = c.now() + 0.3 + (i % 8) * 0.7;
      c.schedule(at, () => {
        if (c.now() < at) early.push(at - c.now());
      });
    }
    await sleep(40);
    expect(c.pending).toBe(0);
    expect(early).toEqual([]);
  });

  it('cancelAll from inside a callback stops the events due with it', async () => {
    const c = new RealClock();
    const got: string[] = [];
    const t = c.now() + 2;
    c.schedule(t, () => {
      got.push('first');
      c.cancelAll();
    });
    c.schedule(t, () => got.push('second'));
    await sleep(30);
    expect(got).toEqual(['first']);
  });
});

describe('the kernel\'s clock events', () => {
  let k: Kernel;
  afterEach(async () => {
    await k?.shutdown();
  });
  describe('cancelled timers leave the clock queue', () => {
    it('10,000 polls that end before their timeout leave no clock event behind', async () => {
      k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
      const { mod, st } = sleeperModule();
      await k.insmod(mod);
      const p = k.spawn();
      const fd = await p.open('/dev/sleeper', O_RDONLY);
      const clock = k.clock as import('../../src/index.js').VirtualClock;
      for (let i = 0; i < 10_000; i++) {
        // a signal ends each sleep long before its timeout; the timeout event must go with it
        const pr = errno(p.poll([{ fd, events: POLLIN }], 60_000));
        await p.kill(SIGUSR1);
        expect(await pr).toBe('EINTR');
      }
      expect(clock.pending).toBe(0);
      st.wake();
    });
  });
});
