// Wait queues and poll tables (include/linux/wait.h, fs/select.c). A sleeper is a promise;
// wake_up re-checks every sleeper's condition; a signal ends interruptible sleeps with -ERESTARTSYS.
import { ERESTARTSYS } from './errno.js';

/** What a sleeper needs from the calling task. */
export interface Interruptible {
  signalPending(): boolean;
  /** Registers a callback run when a signal arrives; returns the unregister function. */
  onSignal(fn: () => void): () => void;
}

export class WaitQueue {
  private readonly waiters = new Set<() => void>();

  /** wake_up / wake_up_interruptible: every sleeper re-checks its condition. */
  wakeUp(): void {
    for (const w of [...this.waiters]) w();
  }
  wakeUpInterruptible(): void {
    this.wakeUp();
  }
  get active(): boolean {
    return this.waiters.size > 0;
  }
  /** Low level: calls fn on every wake until the returned function removes it. */
  addWaiter(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }
}

/**
 * wait_event_interruptible: 0 at once when cond() holds, -ERESTARTSYS when a signal is pending
 * or arrives first, otherwise a promise of one of those.
 */
export function waitEventInterruptible(wq: WaitQueue, cond: () => boolean, cur: Interruptible): number | Promise<number> {
  if (cond()) return 0;
  if (cur.signalPending()) return -ERESTARTSYS;
  return new Promise<number>((resolve) => {
    const done = (v: number) => {
      offWq();
      offSig();
      resolve(v);
    };
    const offWq = wq.addWaiter(() => cond() && done(0));
    const offSig = cur.onSignal(() => done(-ERESTARTSYS));
  });
}

/** wait_event: uninterruptible. */
export function waitEvent(wq: WaitQueue, cond: () => boolean): void | Promise<void> {
  if (cond()) return;
  return new Promise<void>((resolve) => {
    const off = wq.addWaiter(() => {
      if (cond()) {
        off();
        resolve();
      }
    });
  });
}

/** poll_table: the queues a .poll hook registered on (poll_wait). */
export class PollTable {
  readonly queues: WaitQueue[] = [];
  add(wq: WaitQueue): void {
    if (!this.queues.includes(wq)) this.queues.push(wq);
  }
}

// include/uapi/asm-generic/poll.h (chrdev-core §6)
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const POLLRDNORM = 0x040;
export const POLLRDBAND = 0x080;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
/** What a file without .poll reports: always readable and writable. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
