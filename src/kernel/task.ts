// A task (struct task_struct): the `cur` every fops hook receives last. User memory access,
// credentials and signals are its methods, since JS has no `current` that survives an await.
import { EBADF, EFAULT, EMFILE, ESRCH } from './errno.js';
import { copyFromUser, copyToUser, copyFromRemote, copyToRemote, getUser, putUser, accessOk, userBytes, userValue } from './uaccess.js';
import type { UserAccess, UserMemoryBackend } from './uaccess.js';
import type { Interruptible } from './wait.js';
import { TASK_SIZE, type AddressSpace } from './mm.js';
import { Cred } from './cred.js';

/** what a task whose process is gone holds: nobody's ids, no capability */
const NOBODY = new Cred(65534, 65534, []);
import type { File } from './vfs.js';
import type { FaultAttr } from './fault.js';

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGUSR2 = 12;
export const SIGALRM = 14;
export const SIGTERM = 15;

/** The first descriptor handed out: 0–2 are taken to be the process's stdio, kept elsewhere. */
export const FIRST_FD = 3;
const PAGE_BYTES = 4096;
/** bounce copies a remote task keeps for its next pins (an Identify pins one page) */
const ORIG_POOL = 16;
/** changed stretches of a bounce page written back in one call (the addon's MAX_RUNS) */
const RUNS_AT_ONCE = 512;
export const NR_OPEN = 1024;

const ABORTED = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const ADD_LISTENER = EventTarget.prototype.addEventListener;
const REMOVE_LISTENER = EventTarget.prototype.removeEventListener;
/** AbortSignal's own `aborted` getter: it brand-checks, so only a genuine signal gets through. */
const signalAborted = (s: AbortSignal): boolean => ABORTED.call(s) as boolean;
/** Whether `s` is a genuine AbortSignal (not an object made from its prototype). */
export function isAbortSignal(s: unknown): s is AbortSignal {
  try {
    signalAborted(s as AbortSignal);
    return true;
  } catch {
    return false;
  }
}

export class Task implements UserAccess, Interruptible {
  readonly files: Array<File | null> = [];
  comm = 'proc';
  /** PF_EXITING: exit has begun; no new syscall enters, sleepers see a fatal signal */
  exiting = false;
  /** exit has finished: the task is gone from the pid table */
  exited = false;
  /** fail_usercopy (the kernel's fault injection), consulted by every user copy */
  usercopyFault: FaultAttr | null = null;
  /** syscalls currently inside the kernel; a pending signal is delivered when this drops to 0 */
  inflight = 0;
  private sigpending = 0;
  /** SIGKILL is pending: killable sleeps (TASK_KILLABLE) end only for this */
  private sigkill = false;
  private readonly sigListeners = new Set<() => void>();
  /** a per-call AbortSignal (set on per-call views made by withAbort) */
  protected callSignal: AbortSignal | null = null;

  /** pages lent to a driver by getUserPages of a remote task: pfn → where they came from, as read */
  private readonly bounce = new Map<number, { addr: number; write: boolean; orig: Uint8Array }>();
  /** bounce pages' copies of what they held when pinned, for reuse (at most ORIG_POOL) */
  private readonly origPool: Uint8Array[] = [];

  /**
   * @param remote the memory of a process outside this kernel (the bridge); the task's own
   * address space then only carries its lifetime (mm_users), and user copies go to the process
   */
  constructor(readonly pid: number, cred: Cred, readonly mm: AddressSpace, readonly remote: UserMemoryBackend | null = null) {
    this.credState = { own: cred, stale: false };
  }

  /**
   * The credentials and whether they must be read again: one object that the task and its
   * per-call views (withAbort) share, so a view never keeps a copy of its own.
   */
  private readonly credState: { own: Cred; stale: boolean };
  /**
   * Where the credentials of a task that stands for a real process come from (the bridge): that
   * process's, read again for each call that looks at them, so a setuid exec or a setgroups in
   * the process counts from its next call on, as current_cred() would. null: the process is gone
   * (the task then holds nothing: an unprivileged nobody).
   */
  credSource: (() => Cred | null) | null = null;

  get cred(): Cred {
    const st = this.credState;
    if (st.stale && this.credSource) {
      st.stale = false;
      st.own = this.credSource() ?? NOBODY;
    }
    return st.own;
  }
  set cred(c: Cred) {
    this.credState.own = c;
    this.credState.stale = false;
  }
  /** A call begins: the credentials are read again when it first uses them (credSource). */
  credsChanged(): void {
    if (this.credSource) this.credState.stale = true;
  }

  get tgid(): number {
    return this.pid;
  }
  get uid(): number {
    return this.cred.uid;
  }
  get gid(): number {
    return this.cred.gid;
  }
  /** capable(): does this task hold the capability? */
  capable(cap: number): boolean {
    return this.cred.capable(cap);
  }

  copyToUser(ubuf: number, src: Uint8Array, n: number): number {
    if (this.usercopyFault?.shouldFail('copy_to_user')) return Number.isInteger(n) && n > 0 ? n : 0;
    return this.remote ? copyToRemote(this.remote, ubuf, src, n) : copyToUser(this.mm, ubuf, src, n);
  }
  copyFromUser(dst: Uint8Array, ubuf: number, n: number): number {
    if (this.usercopyFault?.shouldFail('copy_from_user') && Number.isInteger(n) && n > 0 && n <= dst.length) {
      dst.fill(0, 0, n);
      return n;
    }
    return this.remote ? copyFromRemote(this.remote, dst, ubuf, n) : copyFromUser(this.mm, dst, ubuf, n);
  }
  getUser(ubuf: number, size: 1 | 2 | 4 | 8): number | bigint {
    if (this.usercopyFault?.shouldFail('get_user')) return -EFAULT;
    if (!this.remote) return getUser(this.mm, ubuf, size);
    const b = new Uint8Array(8);
    return this.copyFromUser(b, ubuf, size) ? -EFAULT : userValue(b, size);
  }
  putUser(ubuf: number, value: number | bigint, size: 1 | 2 | 4 | 8): number {
    if (this.usercopyFault?.shouldFail('put_user')) return -EFAULT;
    if (!this.remote) return putUser(this.mm, ubuf, value, size);
    return this.copyToUser(ubuf, userBytes(value, size), size) ? -EFAULT : 0;
  }
  accessOk(addr: number, len: number): boolean {
    return accessOk(addr, len, this.remote?.limit);
  }
  /** TASK_SIZE of this task: 2^32 for ours, the process's own for a bridged one (2^47) */
  get taskSize(): number {
    return this.remote?.limit ?? TASK_SIZE;
  }
  /**
   * get_user_pages: pins pages from addr; @returns pfns (fewer than asked on a fault). A remote
   * task's pages are copied into frames of this kernel (bounce pages, as swiotlb does for a
   * device that cannot reach the memory) and copied back when they are unpinned.
   */
  getUserPages(addr: number, nrPages: number, write: boolean): number[] {
    if (!this.remote) return this.mm.getUserPages(addr, nrPages, write);
    const phys = this.mm.phys;
    const out: number[] = [];
    const base = addr - (addr % PAGE_BYTES);
    for (let i = 0; i < nrPages; i++) {
      const a = base + i * PAGE_BYTES;
      if (!accessOk(a, PAGE_BYTES, this.remote.limit)) break;
      // not zeroed: the read below fills the whole frame, or the frame goes back unused
      const pfn = phys.allocFrame(false);
      if (pfn < 0) break;
      const frame = phys.u8.subarray(pfn * PAGE_BYTES, (pfn + 1) * PAGE_BYTES);
      // pinned for writing, the page must be writable by the process, as get_user_pages(FOLL_WRITE)
      // requires (a read-only buffer is EFAULT, not silently left unwritten)
      if ((write && !this.remote.writable(a, PAGE_BYTES)) || this.remote.read(a, frame, PAGE_BYTES) < PAGE_BYTES) {
        phys.putPage(pfn);
        break;
      }
      // the page as it was, to write back only what the device changes (a copy from a small pool:
      // a fresh 4 KiB buffer per pin costs more than the copy)
      const orig = this.origPool.pop() ?? new Uint8Array(PAGE_BYTES);
      orig.set(frame);
      this.bounce.set(pfn, { addr: a, write, orig });
      out.push(pfn);
    }
    this.mm.pinned += out.length;
    return out;
  }
  /** Releases pages pinned by getUserPages (put_page on each; a remote task's go back to it). */
  unpinUserPages(pages: readonly number[]): void {
    if (!this.remote) return this.mm.unpinUserPages(pages);
    const phys = this.mm.phys;
    for (const pfn of pages) {
      const b = this.bounce.get(pfn);
      if (!b) continue;
      this.bounce.delete(pfn);
      // only the bytes the device changed go back: the process may have stored to the rest of the
      // page meanwhile (a device does not rewrite what it did not touch)
      const now = phys.u8.subarray(pfn * PAGE_BYTES, (pfn + 1) * PAGE_BYTES);
      if (b.write && !this.remote.equal?.(now, b.orig)) {
        // equal words are skipped a word at a time; a run of changed bytes never crosses an
        // equal word, so each stretch of changed words is split into byte runs on its own
        const nw = new Int32Array(now.buffer, now.byteOffset, PAGE_BYTES / 4);
        const ow = new Int32Array(b.orig.buffer, b.orig.byteOffset, PAGE_BYTES / 4);
        const runs = this.runs;
        let n = 0;
        for (let w = 0; w < nw.length; ) {
          if (nw[w] === ow[w]) {
            w++;
            continue;
          }
          let e = w + 1;
          while (e < nw.length && nw[e] !== ow[e]) e++;
          for (let i = 4 * w; i < 4 * e; ) {
            if (now[i] === b.orig[i]) {
              i++;
              continue;
            }
            let j = i + 1;
            while (j < 4 * e && now[j] !== b.orig[j]) j++;
            runs[n++] = i;
            runs[n++] = j - i;
            if (n === runs.length) {
              this.writeRuns(b.addr, now, n);
              n = 0;
            }
            i = j;
          }
          w = e;
        }
        this.writeRuns(b.addr, now, n);
      }
      if (this.origPool.length < ORIG_POOL) this.origPool.push(b.orig);
      phys.putPage(pfn);
      this.mm.pinned--;
    }
  }

  /** [offset, length] pairs of a bounce page's changed bytes, written back together */
  private readonly runs = new Uint32Array(2 * RUNS_AT_ONCE);
  /** Writes the first n/2 runs of this.runs from page src to addr (one call where the backend can). */
  private writeRuns(addr: number, src: Uint8Array, n: number): void {
    if (!n) return;
    if (this.remote!.writeRuns) this.remote!.writeRuns(addr, src, this.runs.subarray(0, n));
    else for (let k = 0; k < n; k += 2) this.remote!.write(addr + this.runs[k]!, src.subarray(this.runs[k]!, this.runs[k]! + this.runs[k + 1]!), this.runs[k + 1]!);
  }

  /** fatal_signal_pending: what TASK_KILLABLE waits (nvme's command waits) react to. */
  fatalSignalPending(): boolean {
    return this.sigkill || this.exiting;
  }
  signalPending(): boolean {
    return this.sigpending > 0 || this.exiting || (this.callSignal !== null && signalAborted(this.callSignal));
  }
  onSignal(fn: () => void): () => void {
    this.sigListeners.add(fn);
    const sig = this.callSignal;
    // the platform's own methods, never what a caller's object overrides: they cannot throw
    if (sig) ADD_LISTENER.call(sig, 'abort', fn);
    return () => {
      this.sigListeners.delete(fn);
      if (sig) REMOVE_LISTENER.call(sig, 'abort', fn);
    };
  }
  /** Sends a signal: interrupts every interruptible sleep of this task. @returns 0 or -ESRCH */
  kill(sig: number): number {
    if (this.exited) return -ESRCH;
    if (this.inflight === 0) return 0; // delivered at once: nothing is asleep in the kernel
    this.sigpending++;
    if (sig === SIGKILL) this.sigkill = true;
    for (const fn of [...this.sigListeners]) fn();
    return 0;
  }
  /**
   * do_exit's first step (PF_EXITING plus the group SIGKILL): from here on no syscall enters,
   * every sleep of this task, interruptible or killable, ends, and no descriptor is installed.
   */
  beginExit(): void {
    if (this.exiting) return;
    this.exiting = true;
    for (const fn of [...this.sigListeners]) fn();
  }

  /** Called as a syscall leaves the kernel: the last one out delivers pending signals. */
  syscallExit(): void {
    if (--this.inflight === 0) {
      this.sigpending = 0;
      this.sigkill = false;
    }
  }

  /**
   * A view of this task for one call that also counts `signal` as a pending signal. The view of
   * the last signal is kept: a caller that passes one signal to call after call (the bridge, one
   * per connection) gets the same view, not a new object per call.
   */
  withAbort(signal: AbortSignal | undefined): Task {
    if (!signal) return this;
    if (this.lastView?.callSignal === signal) return this.lastView;
    const view = Object.create(this) as Task;
    view.callSignal = signal;
    this.lastView = view;
    return view;
  }
  private lastView: Task | null = null;

  // ---- descriptor table (fs/file.c) ----

  /** @returns the lowest free fd, -EMFILE, or -ESRCH once exit has closed the table */
  fdInstall(file: File): number {
    if (this.exiting) return -ESRCH;
    let fd = FIRST_FD;
    while (fd < this.files.length && this.files[fd]) fd++;
    if (fd >= NR_OPEN) return -EMFILE;
    this.files[fd] = file;
    return fd;
  }
  fdGet(fd: number): File | null {
    return (Number.isInteger(fd) && this.files[fd]) || null;
  }
  /** Removes the descriptor; @returns its file or -EBADF */
  fdRemove(fd: number): File | number {
    const f = this.fdGet(fd);
    if (!f) return -EBADF;
    this.files[fd] = null;
    return f;
  }
  openFds(): number[] {
    const out: number[] = [];
    this.files.forEach((f, i) => f && out.push(i));
    return out;
  }
}
