// Sleeping locks (kernel/locking/mutex.c, semaphore.c): FIFO hand-off to waiters.
import { EINTR } from './errno.js';
import type { Interruptible } from './wait.js';

export class Semaphore {
  private readonly waiters: Array<(ok: boolean) => void> = [];

  constructor(public count = 1) {}

  /** down(): never fails. */
  down(): void | Promise<void> {
    if (this.count > 0) {
      this.count--;
      return;
    }
    return new Promise<void>((resolve) => this.waiters.push(() => resolve()));
  }
  /**
   * down_interruptible(): 0, or -EINTR when it would sleep and a signal is pending or arrives
   * first. A free semaphore is taken before signals are looked at (__down_common checks them only
   * on the way to sleep), so a signalled task still gets one that nobody holds.
   */
  downInterruptible(cur: Interruptible): number | Promise<number> {
    if (this.count > 0) {
      this.count--;
      return 0;
    }
    if (cur.signalPending()) return -EINTR;
    return new Promise<number>((resolve) => {
      const waiter = () => {
        off();
        resolve(0);
      };
      const off = cur.onSignal(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        off();
        resolve(-EINTR);
      });
      this.waiters.push(waiter);
    });
  }
  /** down_trylock(): 0 on success, 1 when it would block (Linux's inverted convention). */
  downTrylock(): number {
    if (this.count > 0) {
      this.count--;
      return 0;
    }
    return 1;
  }
  /** up(): hands the unit straight to the first waiter, if any. */
  up(): void {
    const w = this.waiters.shift();
    if (w) w(true);
    else this.count++;
  }
}

/** struct mutex as a binary semaphore; lockInterruptible returns -EINTR like mutex_lock_interruptible. */
export class Mutex {
  private readonly sem = new Semaphore(1);
  lock(): void | Promise<void> {
    return this.sem.down();
  }
  lockInterruptible(cur: Interruptible): number | Promise<number> {
    return this.sem.downInterruptible(cur);
  }
  /** mutex_trylock: 1 when taken, 0 when contended. */
  trylock(): number {
    return this.sem.downTrylock() === 0 ? 1 : 0;
  }
  unlock(): void {
    this.sem.up();
  }
  get locked(): boolean {
    return this.sem.count === 0;
  }
}
