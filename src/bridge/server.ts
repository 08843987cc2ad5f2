// The bridge (Node only): a vchardev kernel served on a Unix socket to real programs that run
// with the preload shim (native/shim/) or under the seccomp supervisor. Each process
// that sends a request gets a task of its own whose user memory is the process's, so
// copy_to_user, copy_from_user and get_user_pages reach the real buffers and drivers run
// unchanged; a bad pointer is -EFAULT.
//
// Who may act for whom: a request acts for the process that sent it, as the host kernel says
// (src/bridge/native.ts), never for a pid it names; a descriptor grants its holder the open file,
// and the holder's reads land in the holder's memory. Credentials are the sender's at the time of
// the call. The one exception is OP_ACTFOR: the supervisor acts for the program it runs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EACCES, EBADF, EINVAL, EIO, EMFILE, ENAMETOOLONG, ENOTDIR, EPERM, ESRCH, KernelError } from '../kernel/errno.js';
import { MAJOR, MINOR } from '../kernel/devt.js';
import { O_APPEND, O_NONBLOCK, isBlk, isChr, isDir, isLnk, mayAccess } from '../kernel/vfs.js';
import { CAP_DAC_OVERRIDE, type Cred } from '../kernel/cred.js';
import type { KernelCore } from '../kernel/kernel.js';
import { F_GETFL, F_SETFL } from '../kernel/syscalls.js';
import { Process } from '../user/process.js';
import { OP, parseRequests, reply, vstat, type Request } from './protocol.js';
import { EV_CLOSED, EV_DATA, EV_EXIT, ensureNative, loadAddon, type Addon, type AddonServer } from './native.js';
import { descendsFrom, dumpable, hostIds, sameIds, socketOf, virtualCred, type UserMapping } from './host.js';
import { RemoteMemory } from './remote.js';
import { resolvePath, servedPaths } from './paths.js';

export { ensureNative } from './native.js';
export type { UserMapping } from './host.js';

/** open(2)'s O_DIRECTORY on x86-64 */
const O_DIRECTORY = 0o200000;
/** A well-behaved client has one request and an interrupt in flight per connection. */
const MAX_QUEUED = 8;
/** processes using one connection's file directly (fork, SCM_RIGHTS; the shim attaches instead) */
const MAX_HOLDERS = 64;
/** rw_verify_area: a read or write moves at most this much (MAX_RW_COUNT) */
const MAX_RW_COUNT = 0x7ffff000;
/**
 * A pointer at or above 2^53 (a kernel address, (void *)-1) is no number this kernel holds
 * exactly: it stands in as an address no process has, so the call faults as Linux's would.
 */
const NO_ADDRESS = 2 ** 53 - 2 ** 12;
const userPtr = (v: number) => (v >= 2 ** 53 ? NO_ADDRESS : v);

/** Connections one process, one user, and all clients may hold at once (see BridgeOptions). */
const LIMITS = { perProcess: 1024, perUser: 4096, total: 8192 };

export interface BridgeOptions {
  /** where to listen (default: a fresh directory under the system's tmpdir) */
  socketPath?: string;
  /** the preload shim (default: the package's build/libvchardev-shim.so, else compiled on first use) */
  shim?: string;
  /**
   * How host users appear in the kernel (default 'root'): 'root' makes the user who started the
   * bridge root there, as `unshare --map-root-user` does, so /dev/kxo (root 0600) opens for it;
   * 'host' keeps every process's host ids and capabilities, to try permission checks.
   */
  users?: UserMapping;
  /** connections one process (default 1024), one user (4096) and all (8192) may hold */
  limits?: Partial<typeof LIMITS>;
}

export interface Bridge {
  /**
   * What a child process needs: LD_PRELOAD, VCHARDEV_SOCK, VCHARDEV_PATHS (one path a line: sysfs
   * names hold colons, as pci0000:00 does). Computed when read,
   * so a child spawned after an insmod sees that driver's paths too.
   */
  readonly env: Record<string, string>;
  readonly socketPath: string;
  /** the path prefixes the kernel serves now (its devices, classes, modules, /proc files) */
  readonly paths: string[];
  /** requests served so far */
  readonly requests: number;
  /**
   * The argv that runs `argv` against this kernel when the preload shim cannot reach it (a
   * statically linked or Go program): under the seccomp supervisor, compiled on first use. Spawn
   * it with `env`.
   */
  supervised(argv: readonly string[]): string[];
  close(): Promise<void>;
}

/** The shim to preload: an explicit path, the build's, or compiled on first use. */
export function ensureShim(explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`no preload shim at ${explicit}`);
    return explicit;
  }
  return ensureNative('shim');
}

/** The seccomp supervisor (native/vchardev-seccomp.c) for programs the shim cannot reach. */
export function ensureSupervisor(): string {
  return ensureNative('supervisor');
}

/** a device node's type: its dev_t means something */
const isDev = (mode: number) => isChr(mode) || isBlk(mode);
const errnoOf = (err: unknown): number => (err instanceof KernelError ? err.errno : EIO);

/** A host process, as the host kernel named it: its pid and the addon's generation for it. */
interface Sender {
  pid: number;
  gen: number;
  key: string;
}
/** The ids a message was sent with: the host kernel checked them against the sender's then. */
interface SentIds {
  uid: number;
  gid: number;
}
const senderKey = (pid: number, gen: number) => `${pid}/${gen}`;

/** The task standing for one host process. */
interface Client {
  proc: Process;
  /** connections whose open file this task holds a descriptor of */
  conns: number;
  /** the ids the call being made was sent with (its credentials: see credOf) */
  sent: SentIds;
}

interface Conn {
  id: number;
  /** bytes of a request not complete yet, and who sent them */
  pending: Buffer;
  pendingFrom: string;
  /** ACTFOR: a sender's key → the process it acts for on this connection */
  actFor: Map<string, Sender>;
  /** the client's socket inode (OPEN): other processes attach to the file by it */
  clientIno: number;
  /** requests not yet handled, in order: each with the process it acts for, who sent it and with which ids */
  queue: { q: Request; as: Sender; from: Sender; sent: SentIds }[];
  running: boolean;
  /** settles when the queue is empty */
  chain: Promise<void>;
  /** the call in flight, for OP_INTR */
  abort: AbortController | null;
  /** an OP_INTR came while the call it interrupts was still queued: it starts interrupted */
  intrQueued: boolean;
  /** the interrupt the next call gets (making one costs several µs; reused until fired) */
  ctl: AbortController | null;
  /** the open file: a descriptor in each task (by sender key) that used it, while its process lives */
  fds: Map<string, number>;
  /**
   * the file's descriptor in the bridge's keeper task, once every process that used it has gone
   * while the socket lives on in another (a child that has not used it yet): fput on last close
   */
  kept: number;
  closed: boolean;
}

class BridgeServer {
  readonly clients = new Map<string, Client>();
  readonly conns = new Map<number, Conn>();
  /** the closing of connections already gone (their files' releases may still be running) */
  readonly ending = new Set<Promise<void>>();
  readonly byIno = new Map<number, Conn>();
  requests = 0;
  srv!: AddonServer;
  private readonly owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  /** the Creds calls were given, by the ids they were made of (see virtualCred) */
  private readonly creds = new Map<string, Cred>();

  constructor(readonly k: KernelCore, readonly addon: Addon, readonly users: UserMapping) {}

  // ---- who is asking ----

  /**
   * The task standing for a process (made at its first request, with a pid of this kernel's
   * own), its credentials those of the call about to be made (sent with `sent`).
   */
  clientOf(s: Sender, sent: SentIds): Client | null {
    let c = this.clients.get(s.key);
    if (!c) {
      const cred = this.credOf(s, sent);
      if (!cred) return null;
      const task = this.k.createTask({ uid: cred.uid, gid: cred.gid, remote: new RemoteMemory(this.addon, this.srv, s.pid, s.gen), comm: `pid${s.pid}` });
      task.cred = cred;
      const client: Client = { proc: new Process(this.k, task), conns: 0, sent };
      task.credSource = () => this.credOf(s, client.sent);
      this.clients.set(s.key, client);
      return client;
    }
    c.sent = sent;
    c.proc.task.credsChanged();
    return c;
  }
  /**
   * The credentials of a call: the process's now, as long as they are still the ids its message
   * was sent with. If they differ, the process changed them after sending (a setuid exec while
   * its request waited): the call acts with the ids it was sent with, and no capability.
   */
  credOf(s: Sender, sent: SentIds, real = false) {
    const now = hostIds(this.addon.creds(this.srv, s.pid, s.gen));
    if (!now) return null;
    // access(2) asks with the real ids, and capabilities only for a real uid 0 (do_faccessat's
    // override_creds): the question is answered, no file is opened, so no send-time check
    if (real) return virtualCred({ ...now, euid: now.ruid, fsuid: now.ruid, egid: now.rgid, fsgid: now.rgid, capEff: now.ruid === 0 ? now.capEff : 0 }, this.users, this.owner, this.creds);
    if (now.fsuid === sent.uid && now.fsgid === sent.gid) return virtualCred(now, this.users, this.owner, this.creds);
    const then = { ...now, ruid: sent.uid, euid: sent.uid, suid: sent.uid, fsuid: sent.uid, rgid: sent.gid, egid: sent.gid, sgid: sent.gid, fsgid: sent.gid, capEff: 0, groups: [] };
    return virtualCred(then, this.users, this.owner, this.creds);
  }
  /** Is the process still the one its sender record names (after a look-up in /proc by pid)? */
  alive(s: Sender): boolean {
    return this.addon.alive(this.srv, s.pid, s.gen);
  }
  async release(key: string): Promise<void> {
    const c = this.clients.get(key);
    if (!c || --c.conns > 0) return;
    this.clients.delete(key);
    await c.proc.exit().catch(() => {});
  }

  // ---- the operations ----

  async handle(conn: Conn, q: Request, as: Sender, from: Sender, sent: SentIds): Promise<Buffer | null> {
    this.requests++;
    switch (q.op) {
      case OP.STAT: return this.stat(q);
      case OP.LIST: return this.list(q);
      case OP.READLINK: return this.readlink(q);
      case OP.RESOLVE: {
        const r = resolvePath(this.k, this.pathOf(q), q.a !== 0);
        return typeof r === 'number' ? reply(r) : reply(0, Buffer.from(r, 'latin1'));
      }
      case OP.INTR:
        conn.abort?.abort();
        return null;
    }
    // everything else acts for a process the host kernel named
    if (as.gen === 0) return reply(-ESRCH);
    // acting for another (ACTFOR): only while it still holds the very ids the sender sent with
    // and lets itself be traced (a setuid exec since, or PR_SET_DUMPABLE 0, ends it)
    if (as !== from && !this.stillActsFor(as, sent)) {
      conn.actFor.delete(from.key);
      return reply(-EPERM);
    }
    switch (q.op) {
      case OP.ACCESS: return this.access(q, as, sent);
      case OP.OPEN: return this.open(conn, q, as, sent);
      case OP.ACTFOR: return this.actFor(conn, q, as, from);
      case OP.REGISTER: return this.register(conn, q, as);
      case OP.ATTACH: return this.attach(conn, q, as, sent);
    }
    return this.onFile(conn, q, as, sent);
  }

  private stillActsFor(target: Sender, sent: SentIds): boolean {
    const ids = hostIds(this.addon.creds(this.srv, target.pid, target.gen));
    return ids !== null && ids.ruid === sent.uid && ids.euid === sent.uid && ids.fsuid === sent.uid &&
      ids.rgid === sent.gid && ids.egid === sent.gid && ids.fsgid === sent.gid && dumpable(target.pid, ids.euid) && this.alive(target);
  }

  private pathOf(q: Request): string {
    return q.payload.length ? q.payload.toString('latin1') : '';
  }

  private stat(q: Request): Buffer {
    const path = this.pathOf(q);
    const st = this.k.sys.stat(path, q.a !== 0);
    if (typeof st === 'number') return reply(st);
    const size = isLnk(st.mode) ? (this.k.vfs.lookup(path, false) as { target: string }).target.length : isDir(st.mode) || isDev(st.mode) ? 0 : 4096;
    return reply(0, vstat({ mode: st.mode, uid: st.uid, gid: st.gid, major: isDev(st.mode) ? MAJOR(st.rdev) : 0, minor: isDev(st.mode) ? MINOR(st.rdev) : 0, size, ino: st.ino }));
  }

  private list(q: Request): Buffer {
    const path = this.pathOf(q);
    const names = this.k.sys.readdir(path);
    if (typeof names === 'number') return reply(names);
    const parts = names.map((n) => {
      const st = this.k.sys.stat(`${path}/${n}`, false);
      const t = typeof st === 'number' ? 'f' : isDir(st.mode) ? 'd' : isLnk(st.mode) ? 'l' : isChr(st.mode) ? 'c' : isBlk(st.mode) ? 'b' : 'f';
      return `${t}${n}\0`;
    });
    return reply(0, Buffer.from(parts.join(''), 'latin1'));
  }

  private readlink(q: Request): Buffer {
    const node = this.k.vfs.lookup(this.pathOf(q), false);
    if (typeof node === 'number') return reply(node);
    if (!isLnk(node.mode)) return reply(-EINVAL);
    return reply(0, Buffer.from(node.target, 'latin1'));
  }

  /**
   * access(2) on a path of ours, as do_faccessat decides it: with the caller's real ids (and,
   * for them, its capabilities: CAP_DAC_OVERRIDE reads and writes anything, executes a directory
   * or what has an x bit)
   */
  private access(q: Request, as: Sender, sent: SentIds): Buffer {
    const node = this.k.vfs.lookup(this.pathOf(q), true);
    if (typeof node === 'number') return reply(node);
    const mode = q.a & 7;
    if (!mode) return reply(0);
    const cred = this.credOf(as, sent, true);
    if (!cred) return reply(-ESRCH);
    if (cred.capable(CAP_DAC_OVERRIDE)) return reply(!(mode & 1) || isDir(node.mode) || node.mode & 0o111 ? 0 : -EACCES);
    return reply(mayAccess(node, mode, cred));
  }

  private async open(conn: Conn, q: Request, as: Sender, sent: SentIds): Promise<Buffer> {
    if (conn.fds.size) return reply(-EINVAL);
    if (q.payload.length >= 4096) return reply(-ENAMETOOLONG);
    const path = this.pathOf(q);
    const c = this.clientOf(as, sent);
    if (!c) return reply(-ESRCH);
    c.conns++;
    try {
      // O_DIRECTORY: only a directory opens
      if (q.a & O_DIRECTORY) {
        const st = this.k.sys.stat(path);
        if (typeof st === 'number') throw new KernelError(-st, 'open', path);
        if (!isDir(st.mode)) throw new KernelError(ENOTDIR, 'open', path);
      }
      // O_LARGEFILE and other bits the kernel does not keep are dropped; O_CLOEXEC is the socket's
      const fd = await c.proc.open(path, q.a & (3 | 0o100 | 0o200 | 0o1000 | O_APPEND | O_NONBLOCK));
      conn.fds.set(as.key, fd);
      // the client socket's inode, for other processes to attach by: believed when the
      // caller's descriptor b is that socket
      if (q.c > 0 && Number.isSafeInteger(q.c) && !this.byIno.has(q.c) && socketOf(as.pid, q.b) === q.c && this.alive(as)) {
        conn.clientIno = q.c;
        this.byIno.set(conn.clientIno, conn);
      }
      return reply(0);
    } catch (err) {
      await this.release(as.key);
      return reply(-errnoOf(err));
    }
  }

  /**
   * The seccomp supervisor (the sender) acts for the program under its filter: only a dumpable
   * descendant that holds exactly its ids (so no setuid child's). Its own requests on this
   * connection then act for that program; anyone else's stay their own.
   */
  private actFor(conn: Conn, q: Request, as: Sender, from: Sender): Buffer {
    const target = q.a;
    if (!Number.isSafeInteger(target) || target <= 1 || target === process.pid) return reply(-EPERM);
    const gen = this.addon.track(this.srv, target);
    if (gen === 0) return reply(-ESRCH);
    const mine = hostIds(this.addon.creds(this.srv, as.pid, as.gen));
    const theirs = hostIds(this.addon.creds(this.srv, target, gen));
    if (!mine || !theirs || !sameIds(mine, theirs) || !dumpable(target, theirs.euid) || !descendsFrom(target, as.pid)) return reply(-EPERM);
    // the look-ups above went by pid: both must still be the processes named
    if (!this.alive(as) || !this.addon.alive(this.srv, target, gen)) return reply(-ESRCH);
    // kept under the sender's own key: its later requests are looked up by who sent them
    conn.actFor.set(from.key, { pid: target, gen, key: senderKey(target, gen) });
    return reply(0);
  }

  /** the socket of this connection's open file, now in the caller's hands (see OPEN) */
  private register(conn: Conn, q: Request, as: Sender): Buffer {
    if (!conn.fds.has(as.key) || conn.clientIno >= 0) return reply(-EINVAL);
    if (!(q.b > 0 && Number.isSafeInteger(q.b)) || this.byIno.has(q.b) || socketOf(as.pid, q.a) !== q.b || !this.alive(as)) return reply(-EBADF);
    conn.clientIno = q.b;
    this.byIno.set(q.b, conn);
    return reply(0);
  }

  /**
   * Another process (a forked child, an exec'd image) holds the descriptor `a` on the client
   * socket with inode `b`: this connection becomes its channel to the same open file.
   */
  private async attach(conn: Conn, q: Request, as: Sender, sent: SentIds): Promise<Buffer> {
    if (conn.fds.size) return reply(-EINVAL);
    const ino = Number.isSafeInteger(q.b) ? q.b : -1;
    const target = this.byIno.get(ino);
    if (!target || socketOf(as.pid, q.a) !== ino || !this.alive(as)) return reply(-EBADF);
    const shared = await this.share(target, conn, as, sent);
    return reply(typeof shared === 'number' ? shared : 0);
  }

  /**
   * The descriptor of this connection's file in the caller's task: a process that got the socket
   * (fork, SCM_RIGHTS) shares the open file in a task of its own, at most MAX_HOLDERS live ones
   * per connection (a process's task goes when it exits: EV_EXIT).
   */
  private async fdFor(conn: Conn, as: Sender, sent: SentIds): Promise<{ c: Client; fd: number } | number> {
    const fd = conn.fds.get(as.key);
    // (a key in fds always has its client: exited() takes both away together)
    if (fd !== undefined) return { c: this.clientOf(as, sent)!, fd };
    if (conn.fds.size >= MAX_HOLDERS) return -EMFILE;
    return this.share(conn, conn, as, sent);
  }

  /**
   * The open file of connection `of` shared into the caller's task (fdShare from whichever task
   * holds it), recorded as the caller's descriptor on `into`. @returns it, or -errno
   */
  private async share(of: Conn, into: Conn, as: Sender, sent: SentIds): Promise<{ c: Client; fd: number } | number> {
    const from = this.holder(of);
    if (!from) return -EBADF;
    const c = this.clientOf(as, sent);
    if (!c) return -ESRCH;
    c.conns++;
    const nfd = this.k.sys.fdShare(from.c.proc.task, from.fd, c.proc.task);
    if (nfd < 0) {
      await this.release(as.key);
      return nfd;
    }
    into.fds.set(as.key, nfd);
    return { c, fd: nfd };
  }

  /** A task holding this connection's open file (whichever process still does, else the keeper). */
  private holder(conn: Conn): { c: Client; fd: number } | null {
    for (const [key, fd] of conn.fds) {
      const c = this.clients.get(key);
      if (c) return { c, fd };
    }
    return this.keeper && conn.kept >= 0 ? { c: this.keeper, fd: conn.kept } : null;
  }

  /** the task that holds files whose users all exited while their sockets live on (see Conn.kept) */
  private keeper: Client | null = null;

  /**
   * A process the bridge knew has exited: its task exits (do_exit closes its descriptors; files
   * other processes still hold live on in their tasks).
   */
  private async exited(key: string): Promise<void> {
    const c = this.clients.get(key);
    if (!c) return;
    this.clients.delete(key);
    for (const conn of this.conns.values()) {
      const fd = conn.fds.get(key);
      if (fd === undefined) continue;
      conn.fds.delete(key);
      // the last task using it, but the socket is still open in another process (a child that
      // inherited it): the file lives on for it, as the child's descriptor keeps it in Linux
      if (!conn.fds.size && conn.kept < 0 && !conn.closed) {
        this.keeper ??= { proc: new Process(this.k, this.k.createTask({ uid: 0, gid: 0, comm: 'bridge' })), conns: 0, sent: { uid: 0, gid: 0 } };
        const kept = this.k.sys.fdShare(c.proc.task, fd, this.keeper.proc.task);
        if (kept >= 0) conn.kept = kept;
      }
    }
    await c.proc.exit().catch(() => {});
  }

  /** A call on the connection's open file, in the caller's task. */
  private async onFile(conn: Conn, q: Request, as: Sender, sent: SentIds): Promise<Buffer> {
    const at = await this.fdFor(conn, as, sent);
    if (typeof at === 'number') return reply(at);
    const { c, fd } = at;
    const p = c.proc;
    // only calls that may sleep get an interrupt: on a device, a blocking read or write, any
    // ioctl, a waiting poll
    const file = p.task.fdGet(fd);
    const dev = file !== null && isDev(file.inode.mode);
    const rw = q.op === OP.READ || q.op === OP.WRITE || q.op === OP.PREAD || q.op === OP.PWRITE;
    const mayBlock = q.op === OP.IOCTL || q.op === OP.FSYNC || (q.op === OP.POLL && q.b !== 0) || (rw && file !== null && !(file.flags & O_NONBLOCK));
    const abort = dev && mayBlock ? (conn.ctl ??= new AbortController()) : null;
    conn.abort = abort;
    if (conn.intrQueued) {
      conn.intrQueued = false;
      abort?.abort();
    }
    const call = abort ? { signal: abort.signal } : {};
    const buf = userPtr(q.a);
    const count = Math.min(q.b, MAX_RW_COUNT);
    try {
      switch (q.op) {
        case OP.READ: return reply(await p.read(fd, buf, count, call));
        case OP.WRITE: return reply(await p.write(fd, buf, count, call));
        case OP.PREAD: return reply(await p.pread(fd, buf, count, q.cSigned, call));
        case OP.PWRITE: return reply(await p.pwrite(fd, buf, count, q.cSigned, call));
        case OP.IOCTL: return reply(await p.ioctl(fd, q.a % 2 ** 32, userPtr(q.b), call));
        case OP.LSEEK: return reply(await p.lseek(fd, q.aSigned, q.b));
        case OP.FSTAT: {
          const ino = file!.inode;
          return reply(0, vstat({ mode: ino.mode, uid: ino.uid, gid: ino.gid, major: isDev(ino.mode) ? MAJOR(ino.rdev) : 0, minor: isDev(ino.mode) ? MINOR(ino.rdev) : 0, size: 0, ino: ino.ino }));
        }
        case OP.POLL: {
          const [r] = await p.poll([{ fd, events: q.a % 2 ** 16 }], q.b ? -1 : 0, call).catch((err) => {
            if (err instanceof KernelError && err.code === 'EINTR') return [{ revents: 0 }];
            throw err;
          });
          return reply(r!.revents);
        }
        case OP.FSYNC: return reply(await p.fsync(fd, q.a !== 0));
        case OP.SYNC_FILE_RANGE: return reply(await p.syncFileRange(fd, q.aSigned, q.bSigned, q.c % 2 ** 32));
        case OP.SYNCFS: return reply(await p.syncfs(fd));
        case OP.FALLOCATE: return reply(await p.fallocate(fd, q.a % 2 ** 32, q.bSigned, q.cSigned));
        case OP.FADVISE: return reply(await p.fadvise(fd, q.aSigned, q.bSigned, q.c % 2 ** 32));
        case OP.GETFL: return reply(await p.fcntl(fd, F_GETFL));
        case OP.SETFL: return reply(await p.fcntl(fd, F_SETFL, q.a % 2 ** 32));
        default: return reply(-EINVAL);
      }
    } catch (err) {
      return reply(-errnoOf(err));
    } finally {
      if (abort && conn.abort === abort) conn.abort = null;
      if (abort?.signal.aborted) conn.ctl = null;
    }
  }

  // ---- connections ----

  onEvent(kind: number, id: number, pid: number, gen: number, uid: number, gid: number, data: Buffer | undefined): void {
    if (kind === EV_CLOSED) {
      const conn = this.conns.get(id);
      if (conn) this.end(conn);
      return;
    }
    if (kind === EV_EXIT) {
      const done = this.exited(senderKey(pid, gen)).finally(() => this.ending.delete(done));
      this.ending.add(done);
      return;
    }
    if (kind !== EV_DATA || !data) return;
    let conn = this.conns.get(id);
    if (!conn) {
      conn = {
        id, pending: Buffer.alloc(0), pendingFrom: '', actFor: new Map(), clientIno: -1, queue: [], running: false,
        chain: Promise.resolve(), abort: null, intrQueued: false, ctl: null, fds: new Map(), kept: -1, closed: false,
      };
      this.conns.set(id, conn);
    }
    if (conn.closed) return;
    const from: Sender = { pid, gen, key: senderKey(pid, gen) };
    const sent: SentIds = { uid, gid };
    // a request is one sender's bytes, sent with one set of ids: another's joining a half-sent
    // one is a broken stream
    const pendingFrom = `${from.key}/${uid}/${gid}`;
    if (conn.pending.length && conn.pendingFrom !== pendingFrom) return this.drop(conn);
    const parsed = parseRequests(conn.pending.length ? Buffer.concat([conn.pending, data]) : data);
    conn.pending = parsed.rest.length ? Buffer.from(parsed.rest) : Buffer.alloc(0);
    conn.pendingFrom = pendingFrom;
    if (parsed.error) return this.drop(conn);
    const as = conn.actFor.get(from.key) ?? from;
    for (const q of parsed.requests) {
      // an interrupt reaches the call in flight now, not after it; a call still queued (it came
      // in the same read) starts interrupted
      if (q.op === OP.INTR) {
        if (conn.abort) conn.abort.abort();
        else if (conn.queue.length) conn.intrQueued = true;
      } else conn.queue.push({ q, as, from, sent });
    }
    // a client that floods requests loses the connection
    if (conn.queue.length > MAX_QUEUED) return this.drop(conn);
    if (!conn.running && conn.queue.length) conn.chain = this.drain(conn);
  }

  /** one request at a time per connection, as one thread of the program makes them */
  private async drain(conn: Conn): Promise<void> {
    conn.running = true;
    for (let e = conn.queue.shift(); e; e = conn.queue.shift()) {
      const out = await this.handle(conn, e.q, e.as, e.from, e.sent).catch(() => reply(-EIO));
      // a queued interrupt was for the call just made, whatever it was
      conn.intrQueued = false;
      // a reply the client does not take at once (it reads none): the connection goes
      if (out && !conn.closed && this.addon.send(this.srv, conn.id, out) < 0) this.drop(conn);
    }
    conn.running = false;
  }

  private drop(conn: Conn): void {
    this.addon.close(this.srv, conn.id);
    this.end(conn);
  }

  /** the last descriptor on the socket is gone: fput on every task's descriptor (last close) */
  end(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    this.conns.delete(conn.id);
    if (this.byIno.get(conn.clientIno) === conn) this.byIno.delete(conn.clientIno);
    conn.abort?.abort();
    conn.queue.length = 0;
    conn.chain = conn.chain.then(async () => {
      for (const [key, fd] of conn.fds) {
        await this.clients.get(key)?.proc.close(fd).catch(() => {});
        await this.release(key);
      }
      conn.fds.clear();
      if (conn.kept >= 0) await this.keeper?.proc.close(conn.kept).catch(() => {});
      conn.kept = -1;
      // the keeper goes with the last file it keeps
      if (this.keeper && ![...this.conns.values()].some((o) => o.kept >= 0)) {
        const keeper = this.keeper;
        this.keeper = null;
        await keeper.proc.exit().catch(() => {});
      }
    });
    // close() waits for it too: the program may have gone before the bridge closes
    const done = conn.chain.finally(() => this.ending.delete(done));
    this.ending.add(done);
  }

  async close(): Promise<void> {
    // calls still sleeping in the kernel (a blocked read) end now, and every connection's
    // descriptors are closed before close() returns
    this.addon.stop(this.srv);
    const all = [...this.conns.values()];
    for (const conn of all) this.end(conn);
    for (const conn of all) await conn.chain;
    await Promise.all([...this.ending]);
    for (const key of [...this.clients.keys()]) {
      const c = this.clients.get(key)!;
      this.clients.delete(key);
      await c.proc.exit().catch(() => {});
    }
    await this.keeper?.proc.exit().catch(() => {});
    this.keeper = null;
  }
}

export async function startBridge(k: KernelCore, opts: BridgeOptions = {}): Promise<Bridge> {
  if (process.platform !== 'linux') throw new Error(`the bridge needs Linux (LD_PRELOAD, SCM_CREDENTIALS, process_vm_readv); this is ${process.platform}`);
  const users = opts.users ?? 'root';
  if (users !== 'root' && users !== 'host') throw new KernelError(EINVAL, 'bridge', `users: '${String(users)}' (root or host)`);
  const limits = { ...LIMITS, ...opts.limits };
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v < 1 || v > LIMITS.total) throw new KernelError(EINVAL, 'bridge', `limits.${name}: ${String(v)}`);
  }
  const shim = ensureShim(opts.shim);
  const addon = loadAddon();
  const dir = opts.socketPath ? null : mkdtempSync(join(tmpdir(), 'vchardev-'));
  const socketPath = opts.socketPath ?? join(dir!, 'sock');
  const server = new BridgeServer(k, addon, users);
  const srv = addon.listen(socketPath, (kind, id, pid, gen, uid, gid, data) => server.onEvent(kind, id, pid, gen, uid, gid, data), limits.perProcess, limits.perUser, limits.total);
  if (typeof srv === 'number') {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw new KernelError(-srv, 'bridge', socketPath);
  }
  server.srv = srv;
  return {
    socketPath,
    // read when a child is spawned: drivers loaded after bridge() are served to later children
    get paths() {
      return servedPaths(k);
    },
    get requests() {
      return server.requests;
    },
    get env() {
      return { LD_PRELOAD: shim, VCHARDEV_SOCK: socketPath, VCHARDEV_PATHS: servedPaths(k).join('\n') };
    },
    supervised(argv) {
      return [ensureSupervisor(), ...argv];
    },
    async close() {
      await server.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      else rmSync(socketPath, { force: true });
    },
  };
}
