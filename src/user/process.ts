// A user process: the Process API wraps a kernel Task and turns -errno into thrown KernelErrors,
// like a libc. Memory helpers (mmap/peek/poke) act on the task's address space directly.
import { KernelError, EFAULT, EINVAL } from '../kernel/errno.js';
import { PROT_READ, PROT_WRITE, PAGE_SIZE } from '../kernel/mm.js';
import { O_RDONLY, O_WRONLY, O_TRUNC } from '../kernel/vfs.js';
import { bytesToLatin1, latin1ToBytes } from '../kernel/device.js';
import { SIGKILL, type Task } from '../kernel/task.js';
import type { KernelCore } from '../kernel/kernel.js';
import type { PollFd } from '../kernel/syscalls.js';

export interface CallOptions {
  /** aborting it interrupts a sleeping call like a signal (EINTR) */
  signal?: AbortSignal;
}

function check(r: number, syscall: string, detail: string): number {
  if (r < 0) throw new KernelError(-r, syscall, detail);
  return r;
}

export class Process {
  constructor(readonly kernel: KernelCore, readonly task: Task) {}

  get pid(): number {
    return this.task.pid;
  }
  get uid(): number {
    return this.task.uid;
  }

  async open(path: string, flags = O_RDONLY, opts: CallOptions = {}): Promise<number> {
    return check(await this.kernel.sys.open(this.task, path, flags, opts.signal), 'open', `'${path}'`);
  }
  async close(fd: number): Promise<void> {
    check(await this.kernel.sys.close(this.task, fd), 'close', `fd ${fd}`);
  }
  /** read(2) into user memory at buf; @returns bytes read */
  async read(fd: number, buf: number, count: number, opts: CallOptions = {}): Promise<number> {
    return check(await this.kernel.sys.read(this.task, fd, buf, count, opts.signal), 'read', `fd ${fd}`);
  }
  async write(fd: number, buf: number, count: number, opts: CallOptions = {}): Promise<number> {
    return check(await this.kernel.sys.write(this.task, fd, buf, count, opts.signal), 'write', `fd ${fd}`);
  }
  /** ioctl(2); the result may be positive (e.g. an NVMe status). */
  async ioctl(fd: number, cmd: number, arg = 0, opts: CallOptions = {}): Promise<number> {
    return check(await this.kernel.sys.ioctl(this.task, fd, cmd, arg, opts.signal), 'ioctl', `fd ${fd}`);
  }
  async lseek(fd: number, offset: number, whence: number): Promise<number> {
    return check(await this.kernel.sys.lseek(this.task, fd, offset, whence), 'lseek', `fd ${fd}`);
  }
  async dup(fd: number): Promise<number> {
    return check(await this.kernel.sys.dup(this.task, fd), 'dup', `fd ${fd}`);
  }
  /** poll(2): timeout in ms (-1 = forever); @returns every entry with its revents */
  async poll(fds: ReadonlyArray<{ fd: number; events: number }>, timeoutMs = -1, opts: CallOptions = {}): Promise<PollFd[]> {
    const list = fds.map((p) => ({ fd: p.fd, events: p.events, revents: 0 }));
    check(await this.kernel.sys.poll(this.task, list, timeoutMs, opts.signal), 'poll', '');
    return list;
  }
  async mknod(path: string, mode: number, dev: number): Promise<void> {
    check(await this.kernel.sys.mknod(this.task, path, mode, dev), 'mknod', `'${path}'`);
  }
  async chmod(path: string, mode: number): Promise<void> {
    check(await this.kernel.sys.chmod(this.task, path, mode), 'chmod', `'${path}'`);
  }
  readdir(path: string): string[] {
    const r = this.kernel.sys.readdir(path);
    if (typeof r === 'number') throw new KernelError(-r, 'readdir', `'${path}'`);
    return r;
  }
  stat(path: string) {
    const r = this.kernel.sys.stat(path);
    if (typeof r === 'number') throw new KernelError(-r, 'stat', `'${path}'`);
    return r;
  }

  /** mmap(NULL, len, prot, MAP_PRIVATE|MAP_ANONYMOUS): @returns the user address */
  mmap(len: number, prot = PROT_READ | PROT_WRITE, fixedAddr?: number): number {
    return check(this.task.mm.mmap(len, prot, fixedAddr), 'mmap', `len ${len}`);
  }
  munmap(addr: number, len: number): void {
    check(this.task.mm.munmap(addr, len), 'munmap', `0x${addr.toString(16)}`);
  }
  mprotect(addr: number, len: number, prot: number): void {
    check(this.task.mm.mprotect(addr, len, prot), 'mprotect', `0x${addr.toString(16)}`);
  }

  /** Host view of user memory, ignoring protection; throws EFAULT where nothing is mapped. */
  peek(addr: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.each(addr, n, (phys, off, len) => out.set(this.kernel.phys.u8.subarray(phys, phys + len), off));
    return out;
  }
  poke(addr: number, bytes: Uint8Array | string): void {
    const b = typeof bytes === 'string' ? latin1ToBytes(bytes) : bytes;
    this.each(addr, b.length, (phys, off, len) => this.kernel.phys.u8.set(b.subarray(off, off + len), phys));
  }
  private each(addr: number, n: number, fn: (phys: number, off: number, len: number) => void): void {
    if (!Number.isInteger(addr) || !Number.isInteger(n) || n < 0) throw new KernelError(EINVAL, 'peek');
    for (let off = 0; off < n; ) {
      const a = addr + off;
      const pte = this.task.mm.pte(a);
      if (!(pte & 0x200)) throw new KernelError(EFAULT, 'peek', `0x${a.toString(16)}`);
      const len = Math.min(n - off, PAGE_SIZE - (a % PAGE_SIZE));
      fn((pte >>> 12) * PAGE_SIZE + (a % PAGE_SIZE), off, len);
      off += len;
    }
  }

  /** cat: opens, reads to EOF (at most `max` bytes), closes. */
  async readFile(path: string, max = 1 << 20): Promise<string> {
    const fd = await this.open(path, O_RDONLY);
    const buf = this.mmap(PAGE_SIZE);
    try {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const n = await this.read(fd, buf, Math.min(PAGE_SIZE, max - total));
        if (n === 0) break;
        parts.push(this.peek(buf, n));
        total += n;
        if (total >= max) break;
      }
      const all = new Uint8Array(total);
      let o = 0;
      for (const p of parts) all.set(p, (o += p.length) - p.length);
      return bytesToLatin1(all);
    } finally {
      this.munmap(buf, PAGE_SIZE);
      await this.close(fd);
    }
  }
  /** echo > path: one write of the whole text; @returns what write returned */
  async writeFile(path: string, text: string | Uint8Array): Promise<number> {
    const bytes = typeof text === 'string' ? latin1ToBytes(text) : text;
    const fd = await this.open(path, O_WRONLY | O_TRUNC);
    const len = Math.max(bytes.length, 1);
    const buf = this.mmap(len);
    try {
      this.poke(buf, bytes);
      return await this.write(fd, buf, bytes.length);
    } finally {
      this.munmap(buf, len);
      await this.close(fd);
    }
  }

  /** kill(2) aimed at this process: interrupts its sleeping calls; SIGKILL also exits it. */
  async kill(sig: number): Promise<void> {
    check(this.task.kill(sig), 'kill', `pid ${this.pid}`);
    if (sig === SIGKILL) await this.exit();
  }
  /** exit(2): closes every fd (running releases) and unmaps all memory. */
  async exit(): Promise<void> {
    await this.kernel.exitTask(this.task);
  }
}
