// A user process: the Process API wraps a kernel Task and turns -errno into thrown KernelErrors,
// like a libc. Memory helpers (mmap/peek/poke) act on the task's address space directly.
import { KernelError, EFAULT, EINVAL, ESRCH } from '../kernel/errno.js';
import { PROT_READ, PROT_WRITE, PROT_EXEC, PAGE_SIZE, TASK_SIZE, _PAGE_MAPPED } from '../kernel/mm.js';
import { O_RDONLY, O_WRONLY, O_TRUNC } from '../kernel/vfs.js';
import { bytesToLatin1, latin1ToBytes } from '../kernel/device.js';
import { SIGKILL, NR_OPEN, type Task } from '../kernel/task.js';
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
/** Not an AbortSignal: the syscall layer answers EINVAL for it. */
const NOT_A_SIGNAL = {} as AbortSignal;
/** The caller's signal; a throwing getter is a bad argument (EINVAL), not a host exception. */
function signalOf(opts: CallOptions | null | undefined): AbortSignal | undefined {
  try {
    return opts?.signal;
  } catch {
    return NOT_A_SIGNAL;
  }
}
/** Any value as message text: a Symbol or a throwing toString must not turn an errno into a TypeError. */
const str = (v: unknown): string => {
  try {
    return typeof v === 'string' ? v : typeof v === 'symbol' ? v.toString() : String(v);
  } catch {
    return '?';
  }
};
/** An address for a message, whatever the caller passed. */
const hex = (a: unknown) => (typeof a === 'number' && Number.isFinite(a) ? `0x${a.toString(16)}` : str(a));
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** The largest peek/poke: the whole user address space (it must be mapped, so memory bounds it). */
const MAX_HOST_COPY = TASK_SIZE;
/** The most one readFile collects on the host (a read of /dev/zero must not eat the heap). */
const READFILE_MAX = 64 << 20;
/** _NSIG: signal numbers are 1..64 (0 only checks that the process exists) */
const NSIG = 64;

export class Process {
  constructor(readonly kernel: KernelCore, readonly task: Task) {}

  get pid(): number {
    return this.task.pid;
  }
  get uid(): number {
    return this.task.uid;
  }
  /** False once exit() (or SIGKILL) has begun: every call then throws ESRCH. */
  get alive(): boolean {
    return !this.task.exiting;
  }
  /** The address space of a live process, else ESRCH (a dead process has no memory to touch). */
  private mm(syscall: string) {
    if (this.task.exiting || !this.task.mm.alive) throw new KernelError(ESRCH, syscall, `pid ${this.pid}`);
    return this.task.mm;
  }

  async open(path: string, flags = O_RDONLY, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.open(this.task, path, flags, signalOf(opts)), 'open', `'${str(path)}'`);
  }
  async close(fd: number): Promise<void> {
    check(await this.kernel.sys.close(this.task, fd), 'close', `fd ${str(fd)}`);
  }
  /** read(2) into user memory at buf; @returns bytes read */
  async read(fd: number, buf: number, count: number, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.read(this.task, fd, buf, count, signalOf(opts)), 'read', `fd ${str(fd)}`);
  }
  async write(fd: number, buf: number, count: number, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.write(this.task, fd, buf, count, signalOf(opts)), 'write', `fd ${str(fd)}`);
  }
  /** pread(2): at pos, the file's offset unchanged */
  async pread(fd: number, buf: number, count: number, pos: number, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.pread(this.task, fd, buf, count, pos, signalOf(opts)), 'pread64', `fd ${str(fd)}`);
  }
  async pwrite(fd: number, buf: number, count: number, pos: number, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.pwrite(this.task, fd, buf, count, pos, signalOf(opts)), 'pwrite64', `fd ${str(fd)}`);
  }
  /** ioctl(2); the result may be positive (e.g. an NVMe status). */
  async ioctl(fd: number, cmd: number, arg = 0, opts: CallOptions | null = {}): Promise<number> {
    return check(await this.kernel.sys.ioctl(this.task, fd, cmd, arg, signalOf(opts)), 'ioctl', `fd ${str(fd)}`);
  }
  /** fcntl(2) F_GETFL / F_SETFL (O_NONBLOCK, O_APPEND) */
  async fcntl(fd: number, cmd: number, arg = 0): Promise<number> {
    return check(await this.kernel.sys.fcntl(this.task, fd, cmd, arg), 'fcntl', `fd ${str(fd)}`);
  }
  async lseek(fd: number, offset: number, whence: number): Promise<number> {
    return check(await this.kernel.sys.lseek(this.task, fd, offset, whence), 'lseek', `fd ${str(fd)}`);
  }
  /** fsync(2); fdatasync(2) with `datasync` */
  async fsync(fd: number, datasync = false): Promise<number> {
    return check(await this.kernel.sys.fsync(this.task, fd, datasync), datasync ? 'fdatasync' : 'fsync', `fd ${str(fd)}`);
  }
  /** sync_file_range(2) */
  async syncFileRange(fd: number, offset: number, nbytes: number, flags: number): Promise<number> {
    return check(await this.kernel.sys.syncFileRange(this.task, fd, offset, nbytes, flags), 'sync_file_range', `fd ${str(fd)}`);
  }
  /** syncfs(2) */
  async syncfs(fd: number): Promise<number> {
    return check(await this.kernel.sys.syncfs(this.task, fd), 'syncfs', `fd ${str(fd)}`);
  }
  /** fallocate(2) */
  async fallocate(fd: number, mode: number, offset: number, len: number): Promise<number> {
    return check(await this.kernel.sys.fallocate(this.task, fd, mode, offset, len), 'fallocate', `fd ${str(fd)}`);
  }
  /** posix_fadvise(2) (the fadvise64 syscall: it throws where the C function returns the error) */
  async fadvise(fd: number, offset: number, len: number, advice: number): Promise<number> {
    return check(await this.kernel.sys.fadvise(this.task, fd, offset, len, advice), 'fadvise64', `fd ${str(fd)}`);
  }
  async dup(fd: number): Promise<number> {
    return check(await this.kernel.sys.dup(this.task, fd), 'dup', `fd ${str(fd)}`);
  }
  /** poll(2): timeout in ms (-1 = forever); @returns every entry with its revents */
  async poll(fds: ReadonlyArray<{ fd: number; events: number }>, timeoutMs = -1, opts: CallOptions | null = {}): Promise<PollFd[]> {
    // do_sys_poll refuses more than RLIMIT_NOFILE entries before looking at any of them; the
    // entries are copied in once (copy_from_user): a getter that throws is a fault, EFAULT
    let list: PollFd[];
    try {
      if (!Array.isArray(fds) || fds.length > NR_OPEN) throw new KernelError(EINVAL, 'poll', 'fds');
      list = [];
      for (let i = 0; i < fds.length; i++) {
        const p = fds[i];
        if (!p || typeof p !== 'object') throw new KernelError(EINVAL, 'poll', `fds[${i}]`);
        list.push({ fd: p.fd, events: p.events, revents: 0 });
      }
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError(EFAULT, 'poll', 'fds');
    }
    check(await this.kernel.sys.poll(this.task, list, timeoutMs, signalOf(opts)), 'poll', '');
    return list;
  }
  async mknod(path: string, mode: number, dev: number): Promise<void> {
    check(await this.kernel.sys.mknod(this.task, path, mode, dev), 'mknod', `'${str(path)}'`);
  }
  async chmod(path: string, mode: number): Promise<void> {
    check(await this.kernel.sys.chmod(this.task, path, mode), 'chmod', `'${str(path)}'`);
  }
  readdir(path: string): string[] {
    this.mm('readdir');
    const r = this.kernel.sys.readdir(path);
    if (typeof r === 'number') throw new KernelError(-r, 'readdir', `'${str(path)}'`);
    return r;
  }
  stat(path: string) {
    this.mm('stat');
    const r = this.kernel.sys.stat(path);
    if (typeof r === 'number') throw new KernelError(-r, 'stat', `'${str(path)}'`);
    return r;
  }

  /** mmap(NULL, len, prot, MAP_PRIVATE|MAP_ANONYMOUS): @returns the user address */
  mmap(len: number, prot = PROT_READ | PROT_WRITE, fixedAddr?: number): number {
    const mm = this.mm('mmap');
    if (!isInt(prot) || prot < 0 || prot > (PROT_READ | PROT_WRITE | PROT_EXEC)) throw new KernelError(EINVAL, 'mmap', `prot ${str(prot)}`);
    if (fixedAddr !== undefined && !isInt(fixedAddr)) throw new KernelError(EINVAL, 'mmap', hex(fixedAddr));
    return check(mm.mmap(len, prot, fixedAddr), 'mmap', `len ${str(len)}`);
  }
  munmap(addr: number, len: number): void {
    check(this.mm('munmap').munmap(addr, len), 'munmap', hex(addr));
  }
  mprotect(addr: number, len: number, prot: number): void {
    check(this.mm('mprotect').mprotect(addr, len, prot), 'mprotect', hex(addr));
  }

  /** Host view of user memory, ignoring protection; throws EFAULT where nothing is mapped. */
  peek(addr: number, n: number): Uint8Array {
    const segs = this.segments('peek', addr, n);
    const out = new Uint8Array(n);
    const u8 = this.kernel.phys.u8;
    for (const [phys, off, len] of segs) out.set(u8.subarray(phys, phys + len), off);
    return out;
  }
  poke(addr: number, bytes: Uint8Array | string): void {
    if (typeof bytes !== 'string' && !(bytes instanceof Uint8Array)) throw new KernelError(EINVAL, 'poke', 'bytes must be a Uint8Array or a string');
    const b = typeof bytes === 'string' ? latin1ToBytes(bytes) : bytes;
    const u8 = this.kernel.phys.u8;
    for (const [phys, off, len] of this.segments('poke', addr, b.length)) u8.set(b.subarray(off, off + len), phys);
  }
  /**
   * The physical pieces of [addr, addr+n), all checked before anything is copied or allocated:
   * EINVAL for a bad range, EFAULT at the first page with nothing mapped.
   */
  private segments(syscall: string, addr: number, n: number): Array<[number, number, number]> {
    const mm = this.mm(syscall);
    if (!isInt(addr) || !isInt(n) || n < 0 || addr < 0 || n > MAX_HOST_COPY || addr + n > TASK_SIZE) {
      throw new KernelError(EINVAL, syscall, `${hex(addr)} len ${str(n)}`);
    }
    const segs: Array<[number, number, number]> = [];
    for (let off = 0; off < n; ) {
      const a = addr + off;
      const pte = mm.pte(a);
      if (!(pte & _PAGE_MAPPED)) throw new KernelError(EFAULT, syscall, hex(a));
      const len = Math.min(n - off, PAGE_SIZE - (a % PAGE_SIZE));
      segs.push([(pte >>> 12) * PAGE_SIZE + (a % PAGE_SIZE), off, len]);
      off += len;
    }
    return segs;
  }

  /** cat: opens, reads to EOF (at most `max` bytes), closes. */
  async readFile(path: string, max = 1 << 20): Promise<string> {
    if (!isInt(max) || max < 0 || max > READFILE_MAX) throw new KernelError(EINVAL, 'read', `max ${str(max)}`);
    // the scratch page first: a failed mmap must not leave the file open
    const buf = this.mmap(PAGE_SIZE);
    let fd = -1;
    try {
      fd = await this.open(path, O_RDONLY);
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
      await this.release(fd, buf, PAGE_SIZE);
    }
  }
  /** The end of readFile/writeFile: close and unmap, whatever happened (the process may be gone). */
  private async release(fd: number, buf: number, len: number): Promise<void> {
    if (fd >= 0) await this.close(fd).catch(() => {});
    try {
      this.munmap(buf, len);
    } catch {
      // ESRCH: exit took the memory already
    }
  }
  /** echo > path: one write of the whole text; @returns what write returned */
  async writeFile(path: string, text: string | Uint8Array): Promise<number> {
    if (typeof text !== 'string' && !(text instanceof Uint8Array)) throw new KernelError(EINVAL, 'write', 'text must be a string or a Uint8Array');
    const bytes = typeof text === 'string' ? latin1ToBytes(text) : text;
    const len = Math.max(bytes.length, 1);
    const buf = this.mmap(len);
    let fd = -1;
    try {
      fd = await this.open(path, O_WRONLY | O_TRUNC);
      this.poke(buf, bytes);
      return await this.write(fd, buf, bytes.length);
    } finally {
      await this.release(fd, buf, len);
    }
  }

  /** kill(2) aimed at this process: interrupts its sleeping calls; SIGKILL also exits it. */
  async kill(sig: number): Promise<void> {
    if (!isInt(sig) || sig < 0 || sig > NSIG) throw new KernelError(EINVAL, 'kill', `signal ${str(sig)}`);
    if (this.task.exiting) throw new KernelError(ESRCH, 'kill', `pid ${this.pid}`);
    if (sig === 0) return;
    check(this.task.kill(sig), 'kill', `pid ${this.pid}`);
    if (sig === SIGKILL) await this.exit();
  }
  /**
   * exit(2): closes every fd (running releases) and drops the address space. Calls still in
   * flight end (sleepers with EINTR) and keep their memory until they return; every later call
   * throws ESRCH. Exiting twice is harmless.
   */
  async exit(): Promise<void> {
    await this.kernel.exitTask(this.task);
  }
}
