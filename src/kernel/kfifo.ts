// lib/kfifo.c byte fifo (chrdev-core §10): power-of-two size, free-running u32 in/out counters.
import { EINVAL, EFAULT } from './errno.js';
import type { UserAccess } from './uaccess.js';

function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
function rounddownPow2(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

export class Kfifo {
  /** u32 counters that wrap; len = in - out (mod 2^32) */
  in = 0;
  out = 0;
  readonly mask: number;

  private constructor(readonly buffer: Uint8Array) {
    this.mask = buffer.length - 1;
  }

  /** kfifo_alloc: size rounded up to a power of two; < 2 → -EINVAL. */
  static alloc(size: number): Kfifo | number {
    if (!Number.isInteger(size) || size < 2) return -EINVAL;
    const n = roundupPow2(size);
    if (n > 0x80000000) return -EINVAL;
    return new Kfifo(new Uint8Array(n));
  }
  /** kfifo_init on a caller buffer: size rounded down to a power of two. */
  static init(buffer: Uint8Array): Kfifo | number {
    if (buffer.length < 2) return -EINVAL;
    return new Kfifo(buffer.subarray(0, rounddownPow2(buffer.length)));
  }

  get size(): number {
    return this.mask + 1;
  }
  get len(): number {
    return (this.in - this.out) >>> 0;
  }
  get avail(): number {
    return this.size - this.len;
  }
  isEmpty(): boolean {
    return this.in === this.out;
  }
  isFull(): boolean {
    return this.len > this.mask;
  }
  reset(): void {
    this.in = this.out = 0;
  }

  /** kfifo_in: stores min(n, free) bytes and returns that count; the rest is dropped. */
  put(src: Uint8Array, n = src.length): number {
    const len = Math.min(n, this.avail);
    this.copyIn(src, len, this.in);
    this.in = (this.in + len) >>> 0;
    return len;
  }
  /** kfifo_out: removes min(n, len) bytes into dst. */
  get(dst: Uint8Array, n = dst.length): number {
    const len = this.peekInto(dst, n);
    this.out = (this.out + len) >>> 0;
    return len;
  }
  /** kfifo_out_peek */
  peekInto(dst: Uint8Array, n = dst.length): number {
    const len = Math.min(n, this.len);
    const off = this.out & this.mask;
    const first = Math.min(len, this.size - off);
    dst.set(this.buffer.subarray(off, off + first), 0);
    dst.set(this.buffer.subarray(0, len - first), first);
    return len;
  }

  /**
   * kfifo_to_user: copies min(n, len) bytes. `copied` counts what reached the user and exactly
   * that much is consumed; ret is 0 or -EFAULT when the user copy faulted part way.
   */
  toUser(cur: UserAccess, ubuf: number, n: number): { ret: number; copied: number } {
    const len = Math.min(n, this.len);
    const off = this.out & this.mask;
    const first = Math.min(len, this.size - off);
    let left = cur.copyToUser(ubuf, this.buffer.subarray(off, off + first), first);
    let copied = first - left;
    if (left === 0 && len > first) {
      left = cur.copyToUser(ubuf + first, this.buffer.subarray(0, len - first), len - first);
      copied += len - first - left;
    }
    this.out = (this.out + copied) >>> 0;
    return { ret: left ? -EFAULT : 0, copied };
  }
  /** kfifo_from_user: mirror of toUser. */
  fromUser(cur: UserAccess, ubuf: number, n: number): { ret: number; copied: number } {
    const len = Math.min(n, this.avail);
    const tmp = new Uint8Array(len);
    const left = cur.copyFromUser(tmp, ubuf, len);
    const copied = len - left;
    this.copyIn(tmp, copied, this.in);
    this.in = (this.in + copied) >>> 0;
    return { ret: left ? -EFAULT : 0, copied };
  }

  private copyIn(src: Uint8Array, len: number, at: number): void {
    const off = at & this.mask;
    const first = Math.min(len, this.size - off);
    this.buffer.set(src.subarray(0, first), off);
    this.buffer.set(src.subarray(first, len), 0);
  }
}
