// A real process's memory as the kernel's uaccess backend: /proc/<pid>/mem, read and written
// synchronously (copy_*_user are synchronous), page by page so a fault stops the copy where the
// mapping ends, as copy_to_user does. Needs ptrace access to the process (the server starts it,
// or the same uid without Yama's restrictions).
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import type { UserMemoryBackend } from '../kernel/uaccess.js';

const PAGE = 4096;

/** Whether [lo, hi) lies within the union of the sorted [start, end) pairs. */
function covered(ranges: number[], lo: number, hi: number): boolean {
  let at = lo;
  for (let i = 0; i < ranges.length && at < hi; i += 2) {
    if (ranges[i]! <= at && at < ranges[i + 1]!) at = ranges[i + 1]!;
  }
  return at >= hi;
}
/** x86-64's user address space: 47 bits */
export const USER_LIMIT = 2 ** 47;

export class ProcMem implements UserMemoryBackend {
  readonly limit = USER_LIMIT;
  private fd: number | null = null;

  constructor(readonly pid: number) {}

  private handle(): number | null {
    if (this.fd === null) {
      try {
        this.fd = openSync(`/proc/${this.pid}/mem`, 'r+');
      } catch {
        return null;
      }
    }
    return this.fd;
  }

  private io(kind: 'read' | 'write', addr: number, buf: Uint8Array, n: number, retried = false): number {
    const fd = this.handle();
    if (fd === null) return 0;
    let done = 0;
    while (done < n) {
      const a = addr + done;
      const chunk = Math.min(n - done, PAGE - (a % PAGE));
      let r: number;
      try {
        r = kind === 'read' ? readSync(fd, buf, done, chunk, a) : writeSync(fd, buf, done, chunk, a);
      } catch {
        break; // EIO: not mapped (or not writable) in the process
      }
      if (r <= 0) break;
      done += r;
    }
    // an open /proc/<pid>/mem keeps the memory of the image it was opened on: after an exec
    // every access fails. A fault at the very start is retried once on a fresh open.
    if (done === 0 && n > 0 && !retried) {
      this.close();
      return this.io(kind, addr, buf, n, true);
    }
    return done;
  }

  read(addr: number, dst: Uint8Array, n: number): number {
    return this.io('read', addr, dst, n);
  }
  write(addr: number, src: Uint8Array, n: number): number {
    return this.io('write', addr, src, n);
  }
  /** the process's writable mappings as last read from /proc/<pid>/maps: [start, end) pairs */
  private writableMaps: number[] | null = null;

  /**
   * Every byte of the range lies in a mapping the process may write. A range the last reading
   * of /proc/<pid>/maps shows writable is believed (reading maps costs hundreds of µs); anything
   * else is read again, so a "no" is always current. (A mapping made read-only by mprotect since
   * could still read as writable: the write then lands as ptrace's would.)
   */
  writable(addr: number, n: number): boolean {
    if (this.writableMaps && covered(this.writableMaps, addr, addr + n)) return true;
    let maps: string;
    try {
      maps = readFileSync(`/proc/${this.pid}/maps`, 'latin1');
    } catch {
      return false;
    }
    const ranges: number[] = [];
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) .(.)/.exec(line);
      if (m && m[3] === 'w') ranges.push(parseInt(m[1]!, 16), parseInt(m[2]!, 16));
    }
    this.writableMaps = ranges;
    return covered(ranges, addr, addr + n);
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
