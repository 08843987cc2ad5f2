// Sleeping locks (src/kernel/locking.ts) as kernel/locking/semaphore.c and mutex.c behave.
import { describe, it, expect } from 'vitest';
import { Semaphore, Mutex } from '../../src/kernel/locking.js';
import type { Interruptible } from '../../src/kernel/wait.js';

/** A task with a signal pending (or not), and a way to deliver one later. */
function task(pending: boolean): Interruptible & { signal(): void } {
  const fns = new Set<() => void>();
  return {
    signalPending: () => pending,
    onSignal(fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    signal() {
      pending = true;
      for (const fn of [...fns]) fn();
    },
  };
}

describe('down_interruptible and mutex_lock_interruptible', () => {
  it('take a free lock even with a signal pending; only a sleep is interrupted (-EINTR)', async () => {
    const sem = new Semaphore(1);
    expect(sem.downInterruptible(task(true))).toBe(0);
    expect(sem.count).toBe(0);
    // held now: a signalled task does not sleep at all
    expect(sem.downInterruptible(task(true))).toBe(-4);
    // one without a signal sleeps until up(), or until a signal comes first
    const t = task(false);
    const asleep = sem.downInterruptible(t);
    t.signal();
    expect(await asleep).toBe(-4);
    const waiter = sem.downInterruptible(task(false));
    sem.up();
    expect(await waiter).toBe(0);
    expect(sem.count).toBe(0); // handed over, not released
    const m = new Mutex();
    expect(m.lockInterruptible(task(true))).toBe(0);
    expect(m.locked).toBe(true);
    expect(m.lockInterruptible(task(true))).toBe(-4);
    m.unlock();
    expect(m.locked).toBe(false);
  });
});
