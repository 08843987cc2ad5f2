// Time and deferred work: the Clock, timers (kernel/time/timer.c), tasklets (kernel/softirq.c)
// and workqueues (kernel/workqueue.c). Nothing reads Date.now(): all time comes from the Clock.
//
// Under the VirtualClock nothing moves until advance(ms): due callbacks run in (time, order)
// sequence, each awaited, so a test sees the same interleaving every run.

export type Deferred = () => unknown;

interface ClockEvent {
  at: number;
  seq: number;
  fn: Deferred;
  cancelled: boolean;
}

export interface EventHandle {
  cancel(): void;
}

/** Lets queued promise continuations (woken sleepers) run before the clock goes on. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise((r) => (g.setImmediate ? g.setImmediate(r) : setTimeout(r, 0)));
}

export abstract class Clock {
  abstract readonly kind: 'virtual' | 'real';
  /** Called with whatever a callback threw: the kernel turns it into an oops; the clock goes on. */
  onError: (err: unknown, fn: Deferred) => void = () => {};
  abstract now(): number;
  /** Runs fn at clock time `at` (ms); earlier-scheduled events at the same time run first. */
  abstract schedule(at: number, fn: Deferred): EventHandle;
  abstract advance(ms: number): Promise<void>;
  /** Cancels every pending event (kernel shutdown). */
  abstract cancelAll(): void;

  protected async run(fn: Deferred): Promise<void> {
    try {
      const r = fn();
      if (r && typeof (r as Promise<unknown>).then === 'function') await r;
    } catch (err) {
      this.onError(err, fn);
    }
  }
}

export class VirtualClock extends Clock {
  readonly kind = 'virtual' as const;
  private t = 0;
  private seq = 0;
  private queue: ClockEvent[] = [];
  private advancing: Promise<void> = Promise.resolve();

  now(): number {
    return this.t;
  }
  schedule(at: number, fn: Deferred): EventHandle {
    // a NaN time would poison the clock (every later comparison false): refuse it loudly
    if (typeof at !== 'number' || Number.isNaN(at)) throw new RangeError(`clock event at ${String(at)}`);
    const ev: ClockEvent = { at: Math.max(at, this.t), seq: this.seq++, fn, cancelled: false };
    // keep sorted by (at, seq): insert after every event due no later
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > ev.at) i--;
    this.queue.splice(i, 0, ev);
    return {
      cancel: () => {
        if (ev.cancelled) return;
        ev.cancelled = true;
        // a cancelled event leaves the queue now, not when the clock reaches it: a poll timeout
        // cancelled 100,000 times must not hold 100,000 closures
        const j = this.find(ev);
        if (j >= 0) this.queue.splice(j, 1);
      },
    };
  }
  /** Binary search by (at, seq) for a queued event. */
  private find(ev: ClockEvent): number {
    let lo = 0;
    let hi = this.queue.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid]!;
      if (m === ev) return mid;
      if (m.at < ev.at || (m.at === ev.at && m.seq < ev.seq)) lo = mid + 1;
      else hi = mid - 1;
    }
    return this.queue.indexOf(ev);
  }
  /** Runs every callback due up to now + ms in order, then sets the clock to the target. */
  advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) return Promise.reject(new RangeError(`advance(${ms})`));
    // concurrent advance() calls queue up instead of interleaving
    const next = this.advancing.then(() => this.advanceTo(this.t + ms));
    this.advancing = next.catch(() => {});
    return next;
  }
  /** Events still pending (for tests and diagnostics). */
  get pending(): number {
    return this.queue.length;
  }
  cancelAll(): void {
    for (const e of this.queue) e.cancelled = true;
    this.queue = [];
  }

  private async advanceTo(target: number): Promise<void> {
    await yieldToEventLoop();
    for (;;) {
      const ev = this.queue[0];
      if (!ev || ev.at > target) break;
      this.queue.shift();
      if (ev.cancelled) continue;
      this.t = Math.max(this.t, ev.at);
      await this.run(ev.fn);
      await yieldToEventLoop();
    }
    this.t = Math.max(this.t, target);
    await yieldToEventLoop();
  }
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface HeapEvent extends ClockEvent {
  /** position in the heap, -1 once out of it */
  index: number;
}

/** Events by (at, seq) in a binary heap that can also remove any event it holds. */
class EventHeap {
  private readonly a: HeapEvent[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): HeapEvent | undefined {
    return this.a[0];
  }
  push(ev: HeapEvent): void {
    ev.index = this.a.length;
    this.a.push(ev);
    this.up(ev.index);
  }
  remove(ev: HeapEvent): void {
    const i = ev.index;
    if (i < 0 || this.a[i] !== ev) return;
    const last = this.a.pop()!;
    ev.index = -1;
    if (last === ev) return;
    this.a[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }
  clear(): HeapEvent[] {
    const all = this.a.splice(0);
    for (const e of all) e.index = -1;
    return all;
  }
  private less(i: number, j: number): boolean {
    const x = this.a[i]!;
    const y = this.a[j]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
  private swap(i: number, j: number): void {
    const x = this.a[i]!;
    const y = this.a[j]!;
    this.a[i] = y;
    this.a[j] = x;
    y.index = i;
    x.index = j;
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.a.length && this.less(l, m)) m = l;
      if (r < this.a.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/**
 * Wall time. Every event waits in one heap behind a single host timer armed for the earliest: a
 * command timeout armed and cancelled per ioctl (nvme's 60 s) costs no setTimeout/clearTimeout
 * pair, only a heap insert and removal. A cancelled event leaves the heap at once.
 */
export class RealClock extends Clock {
  readonly kind = 'real' as const;
  private readonly t0 = performance.now();
  private seq = 0;
  private readonly heap = new EventHeap();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** when the host timer fires (clock ms); it may be earlier than the first event, never later */
  private armedAt = Infinity;

  now(): number {
    return performance.now() - this.t0;
  }
  schedule(at: number, fn: Deferred): EventHandle {
    if (typeof at !== 'number' || Number.isNaN(at)) throw new RangeError(`clock event at ${String(at)}`);
    if (at === Infinity) return { cancel: () => {} };
    const ev: HeapEvent = { at, seq: this.seq++, fn, cancelled: false, index: -1 };
    this.heap.push(ev);
    if (at < this.armedAt) this.arm(at);
    else this.hold(true);
    return {
      cancel: () => {
        if (ev.cancelled) return;
        ev.cancelled = true;
        // the host timer stays armed: when it fires early it finds nothing due and re-arms;
        // with nothing left to wait for it no longer keeps the host's event loop alive
        this.heap.remove(ev);
        if (this.heap.size === 0) this.hold(false);
      },
    };
  }
  /** ref/unref of the host timer (Node's; a browser's timers have neither) */
  private held = false;
  private hold(on: boolean): void {
    if (this.held === on || this.timer === null) return;
    this.held = on;
    const t = this.timer as { ref?: () => void; unref?: () => void };
    if (on) t.ref?.();
    else t.unref?.();
  }
  private arm(at: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    // setTimeout fires at once past 2^31-1 ms: far deadlines re-arm in steps instead
    // a whole millisecond at least (setTimeout's own floor) so a not-yet-due event is not spun on
    const delay = Math.min(Math.max(1, Math.ceil(at - this.now())), MAX_TIMEOUT_MS);
    this.armedAt = this.now() + delay;
    this.timer = setTimeout(() => this.fire(), delay);
    this.held = true;
  }
  /** the events being run by fire() (cancelAll from one of them stops the rest) */
  private firing: HeapEvent[] = [];
  private fire(): void {
    this.timer = null;
    this.held = false;
    this.armedAt = Infinity;
    // never early: the host timer may fire a fraction of a millisecond before the event's time,
    // and an event not yet due waits for the next arming
    const now = this.now();
    const due: HeapEvent[] = [];
    for (let ev = this.heap.peek(); ev && ev.at <= now; ev = this.heap.peek()) {
      this.heap.remove(ev);
      due.push(ev);
    }
    const next = this.heap.peek();
    if (next) this.arm(next.at);
    this.firing = due;
    for (const ev of due) {
      if (ev.cancelled) continue;
      ev.cancelled = true;
      void this.run(ev.fn);
    }
    this.firing = [];
  }
  /** Events still pending (for tests and diagnostics). */
  get pending(): number {
    return this.heap.size;
  }
  advance(): Promise<void> {
    return Promise.reject(new Error('advance() needs a virtual clock (Kernel.boot({ clock: "virtual" }))'));
  }
  cancelAll(): void {
    for (const e of this.heap.clear()) e.cancelled = true;
    for (const e of this.firing) e.cancelled = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held = false;
    this.armedAt = Infinity;
  }
}

/** struct timer_list: a one-shot callback at an absolute clock time (ms stand in for jiffies). */
export class Timer {
  expires = 0;
  private handle: EventHandle | null = null;

  constructor(private readonly clock: Clock, readonly fn: (t: Timer) => void) {}

  /** mod_timer: (re)arms; @returns 1 if the timer was pending, else 0 */
  mod(expires: number): number {
    const was = this.del();
    this.expires = expires;
    this.handle = this.clock.schedule(expires, () => {
      this.handle = null;
      this.fn(this);
    });
    return was;
  }
  /** del_timer: @returns 1 if a pending timer was deactivated */
  del(): number {
    if (!this.handle) return 0;
    this.handle.cancel();
    this.handle = null;
    return 1;
  }
  /** del_timer_sync: handlers are synchronous here, so none can be running concurrently. */
  delSync(): number {
    return this.del();
  }
  get pending(): boolean {
    return this.handle !== null;
  }
}

/** struct tasklet_struct: runs once soon after tasklet_schedule, never twice concurrently. */
export class Tasklet {
  private handle: EventHandle | null = null;
  private killed = false;

  constructor(private readonly clock: Clock, readonly fn: () => void) {}

  schedule(): void {
    if (this.handle || this.killed) return;
    this.handle = this.clock.schedule(this.clock.now(), () => {
      this.handle = null;
      this.fn();
    });
  }
  /** tasklet_kill: drops a pending run; later schedules are ignored until re-init. */
  kill(): void {
    this.handle?.cancel();
    this.handle = null;
    this.killed = true;
  }
  get scheduled(): boolean {
    return this.handle !== null;
  }
}

/** struct work_struct */
export class Work {
  handle: EventHandle | null = null;
  constructor(readonly fn: (w: Work) => unknown) {}
  get pending(): boolean {
    return this.handle !== null;
  }
}

/** struct workqueue_struct: items run on the clock; flush runs what is queued and awaits the rest. */
export class Workqueue {
  private readonly queued = new Set<Work>();
  private readonly running = new Set<Promise<void>>();
  private destroyed = false;

  constructor(private readonly clock: Clock, readonly name: string) {}

  /** queue_work: @returns false when the work was already pending */
  queue(work: Work): boolean {
    if (work.pending || this.destroyed) return false;
    work.handle = this.clock.schedule(this.clock.now(), () => this.execute(work));
    this.queued.add(work);
    return true;
  }
  /** cancel_work: @returns true if a pending work was dropped */
  cancel(work: Work): boolean {
    if (!work.pending) return false;
    work.handle!.cancel();
    work.handle = null;
    this.queued.delete(work);
    return true;
  }
  /** flush_workqueue: every item queued before the call has finished when this resolves. */
  async flush(): Promise<void> {
    for (const w of [...this.queued]) {
      // the clock may have run it while an earlier item was awaited
      if (!this.queued.has(w) || !w.handle) continue;
      w.handle.cancel();
      await this.execute(w);
    }
    await Promise.all([...this.running]);
  }
  async destroy(): Promise<void> {
    await this.flush();
    this.destroyed = true;
  }

  private execute(work: Work): Promise<void> {
    // pending is cleared before the function runs, as in Linux, so it may requeue itself
    work.handle = null;
    this.queued.delete(work);
    const p = (async () => {
      try {
        await work.fn(work);
      } catch (err) {
        this.clock.onError(err, work.fn as Deferred);
      }
    })();
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }
}
