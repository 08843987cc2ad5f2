// copy_to_user / copy_from_user / get_user / put_user over a task's page tables (chrdev-core §9).
// A bad pointer never throws: the copy stops at the first faulting page and reports what is left.
import { EFAULT } from './errno.js';
import { PAGE_SIZE, TASK_SIZE, type AddressSpace } from './mm.js';

/** What a driver may do with user memory through `cur` (the calling task). */
export interface UserAccess {
  /** @returns bytes NOT copied (0 = success) */
  copyToUser(ubuf: number, src: Uint8Array, n: number): number;
  /** @returns bytes NOT copied; the uncopied tail of dst[0..n) is zero-filled */
  copyFromUser(dst: Uint8Array, ubuf: number, n: number): number;
}

/** access_ok: the range lies below TASK_SIZE (mapping is not checked). NULL with len 0 passes. */
export function accessOk(addr: number, len: number, limit = TASK_SIZE): boolean {
  return Number.isInteger(addr) && Number.isInteger(len) && addr >= 0 && len >= 0 && addr + len <= limit;
}

/**
 * The memory of a task that lives in another OS process (the bridge: a real program's pointers,
 * reached through /proc/<pid>/mem). Reads and writes are synchronous, like copy_*_user.
 */
export interface UserMemoryBackend {
  /** the user address space's end (2^47 on x86-64) */
  readonly limit: number;
  /** @returns bytes read into dst[0..n) from addr (fewer: the rest is not mapped) */
  read(addr: number, dst: Uint8Array, n: number): number;
  /** @returns bytes written from src[0..n) to addr (fewer: the rest is not mapped or not writable) */
  write(addr: number, src: Uint8Array, n: number): number;
  /**
   * Whether the process may write [addr, addr + n) itself (its mapping allows it): what
   * get_user_pages for writing checks. `write` may succeed where this is false (ptrace's force).
   */
  writable(addr: number, n: number): boolean;
  /**
   * Writes the [offset, length] pairs `runs` of src to addr + offset at once (what a write per
   * pair does, in one call where the platform has it); @returns the bytes written
   */
  writeRuns?(addr: number, src: Uint8Array, runs: Uint32Array): number;
  /** Whether two bounce pages hold the same bytes (a platform's memcmp), when it has a faster one than a loop. */
  equal?(a: Uint8Array, b: Uint8Array): boolean;
}

/** copy_to_user into a remote task: a fault part way leaves the rest uncopied. */
export function copyToRemote(mem: UserMemoryBackend, ubuf: number, src: Uint8Array, n: number): number {
  if (!Number.isInteger(n) || n < 0) return 0;
  if (!accessOk(ubuf, n, mem.limit) || n > src.length) return n;
  return n - mem.write(ubuf, src, n);
}

/** copy_from_user from a remote task; the uncopied tail is zero-filled. */
export function copyFromRemote(mem: UserMemoryBackend, dst: Uint8Array, ubuf: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) return 0;
  if (n > dst.length) return n;
  const done = accessOk(ubuf, n, mem.limit) ? mem.read(ubuf, dst, n) : 0;
  dst.fill(0, done, n);
  return n - done;
}

export function copyToUser(mm: AddressSpace, ubuf: number, src: Uint8Array, n: number): number {
  if (!Number.isInteger(n) || n < 0) return 0;
  if (!accessOk(ubuf, n) || n > src.length) return n;
  const u8 = mm.phys.u8;
  let done = 0;
  while (done < n) {
    const a = ubuf + done;
    const phys = mm.translate(a, true);
    if (phys < 0) break;
    const chunk = Math.min(n - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
    if (chunk === 1) u8[phys] = src[done]!;
    else u8.set(src.subarray(done, done + chunk), phys);
    done += chunk;
  }
  return n - done;
}

export function copyFromUser(mm: AddressSpace, dst: Uint8Array, ubuf: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) return 0;
  if (n > dst.length) return n;
  let done = 0;
  if (accessOk(ubuf, n)) {
    const u8 = mm.phys.u8;
    while (done < n) {
      const a = ubuf + done;
      const phys = mm.translate(a, false);
      if (phys < 0) break;
      const chunk = Math.min(n - done, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
      dst.set(u8.subarray(phys, phys + chunk), done);
      done += chunk;
    }
  }
  dst.fill(0, done, n);
  return n - done;
}

/** get_user's value from its little-endian bytes: 1/2/4 bytes unsigned, 8 as a bigint */
export function userValue(b: Uint8Array, size: 1 | 2 | 4 | 8): number | bigint {
  const v = new DataView(b.buffer, b.byteOffset, 8);
  switch (size) {
    case 1: return v.getUint8(0);
    case 2: return v.getUint16(0, true);
    case 4: return v.getUint32(0, true);
    case 8: return v.getBigUint64(0, true);
  }
}

/** put_user's little-endian bytes of a value (8 bytes; the first `size` are written) */
export function userBytes(value: number | bigint, size: 1 | 2 | 4 | 8): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  switch (size) {
    case 1: v.setUint8(0, Number(value) & 0xff); break;
    case 2: v.setUint16(0, Number(value) & 0xffff, true); break;
    case 4: v.setUint32(0, Number(value) >>> 0, true); break;
    case 8: v.setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true); break;
  }
  return b;
}

/** get_user of a 1/2/4-byte unsigned value or an 8-byte bigint; @returns the value or -EFAULT */
export function getUser(mm: AddressSpace, ubuf: number, size: 1 | 2 | 4 | 8): number | bigint {
  const b = new Uint8Array(8);
  return copyFromUser(mm, b, ubuf, size) ? -EFAULT : userValue(b, size);
}

/** put_user, little-endian; @returns 0 or -EFAULT */
export function putUser(mm: AddressSpace, ubuf: number, value: number | bigint, size: 1 | 2 | 4 | 8): number {
  return copyToUser(mm, ubuf, userBytes(value, size), size) ? -EFAULT : 0;
}
