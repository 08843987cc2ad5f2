// The per-file event queue of the kxo extension (kxo-games §3): 2-byte [game, code] pairs in a
// 4096-byte kfifo whose last pair is kept for the overflow marker.
import type { Kfifo } from '../../kernel/kfifo.js';
import type { UserAccess } from '../../kernel/uaccess.js';
import { KXO_EV_OVERFLOW, KXO_EV_OVERFLOW_GAME } from './uapi.js';

export class EventQueue {
  /** events were dropped: nothing more is queued until the reader has drained the marker */
  overflowed = false;
  /** events dropped since load (for the tracer and tests) */
  dropped = 0;
  private readonly pair = new Uint8Array(2);

  constructor(private readonly fifo: Kfifo) {}

  get len(): number {
    return this.fifo.len;
  }
  /** Queues one event; @returns false when it was dropped */
  push(game: number, code: number): boolean {
    if (this.overflowed) {
      if (this.fifo.len > 0) {
        this.dropped++;
        return false;
      }
      this.overflowed = false;
    }
    // the last 2 bytes are the marker's: an event that would take them is lost, and so is every
    // later one until the reader catches up
    if (this.fifo.avail < 4) {
      this.overflowed = true;
      this.dropped++;
      this.put(KXO_EV_OVERFLOW_GAME, KXO_EV_OVERFLOW);
      return false;
    }
    this.put(game, code);
    return true;
  }
  /** Drops what is queued (KXO_SET_PROTO). */
  reset(): void {
    this.fifo.reset();
    this.overflowed = false;
  }
  /**
   * Copies whole events to the user. @returns bytes copied (even) and 0 or -EFAULT; a fault part
   * way consumes only the whole events that reached the user
   */
  toUser(cur: UserAccess, ubuf: number, count: number): { ret: number; copied: number } {
    const r = this.fifo.toUser(cur, ubuf, count & ~1);
    if (r.copied & 1) {
      // half an event reached the user before the fault: it stays queued, whole
      this.fifo.out = (this.fifo.out - 1) >>> 0;
      r.copied--;
    }
    return r;
  }

  private put(game: number, code: number): void {
    this.pair[0] = game;
    this.pair[1] = code;
    this.fifo.put(this.pair, 2);
  }
}
