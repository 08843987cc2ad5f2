// The read loop both of kxo's protocols share (kxo §4, kxo-games §3): take what is queued, or
// fail at once for O_NONBLOCK, or sleep until something comes. A read whose file switches
// protocol while it sleeps returns SWITCHED and starts over in the other protocol.
import { EAGAIN, ERESTARTSYS } from '../../kernel/errno.js';
import { O_NONBLOCK, type File } from '../../kernel/vfs.js';
import type { Mutex } from '../../kernel/locking.js';
import type { Task } from '../../kernel/task.js';
import { KXO_TRACE as T } from './trace.js';
import type { K, KxoFile, KxoState } from './state.js';

/** What a read returns when its file switched protocol while it slept: the read starts over. */
export const SWITCHED = 1 << 30;

export interface Queue {
  readonly len: number;
  toUser(cur: Task, ubuf: number, count: number): { ret: number; copied: number };
}

export async function readQueue(
  k: K, st: KxoState, f: KxoFile, proto: 0 | 1, lock: Mutex, queue: Queue,
  file: File, ubuf: number, count: number, cur: Task,
): Promise<number> {
  if ((await lock.lockInterruptible(cur)) < 0) return -ERESTARTSYS;
  try {
    for (;;) {
      if (f.proto !== proto) return SWITCHED;
      const { ret, copied } = queue.toUser(cur, ubuf, count);
      // observed: kxo §4 — a fault is -EFAULT even after a prefix was copied (and consumed);
      // the event protocol returns the whole events that did reach the user
      if (ret < 0 && (proto === 0 || !copied)) {
        k.trace(T.errFault, { ubuf, count });
        return ret;
      }
      if (copied) return copied;
      if (file.flags & O_NONBLOCK) {
        k.trace(T.errAgain, { pid: cur.pid });
        return -EAGAIN;
      }
      const w = await k.waitEventInterruptible(st.rxWait, () => f.proto !== proto || queue.len > 0, cur);
      if (w) return w;
    }
  } finally {
    lock.unlock();
  }
}
