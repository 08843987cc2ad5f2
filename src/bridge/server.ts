// The bridge (Node only): a vchardev kernel served on a Unix socket to real programs that run
// with the preload shim (native/vchardev-shim.c). Each program's pid gets a task of its own whose
// user memory is the program's (/proc/<pid>/mem), so copy_to_user, copy_from_user and
// get_user_pages reach the real buffers and drivers run unchanged; a bad pointer is -EFAULT.
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EBADF, EINVAL, EIO, ENAMETOOLONG, ENOTDIR, EPERM, ESRCH, KernelError } from '../kernel/errno.js';

/** open(2)'s O_DIRECTORY on x86-64 */
const O_DIRECTORY = 0o200000;
import { MAJOR, MINOR } from '../kernel/devt.js';
import { O_APPEND, O_NONBLOCK, isBlk, isChr, isDir, isLnk } from '../kernel/vfs.js';
import type { KernelCore } from '../kernel/kernel.js';
import { F_GETFL, F_SETFL } from '../kernel/syscalls.js';
import { Process } from '../user/process.js';
import { NONCE_SIZE, OP, parseRequests, reply, vstat, type Request } from './protocol.js';
import { ProcMem, USER_LIMIT } from './procmem.js';

/** A well-behaved client has one request and an interrupt in flight per connection. */
const MAX_QUEUED = 8;
/** replies a client does not read: past this the connection is dropped */
const MAX_UNREAD = 1 << 20;

/** The inode of the socket a process holds as descriptor fd (/proc/<pid>/fd), or -1. */
function socketOf(pid: number, fd: number): number {
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0xffffff) return -1;
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** When the process started (/proc/<pid>/stat field 22): a pid the OS hands out again differs. */
function startTimeOf(pid: number): string {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return st.slice(st.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** The effective uid and gid of a process, from /proc/<pid>/status; null when it is gone. */
function credsOf(pid: number): { uid: number; gid: number } | null {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'latin1');
    const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(st);
    const gid = /^Gid:\s+\d+\s+(\d+)/m.exec(st);
    return uid && gid ? { uid: Number(uid[1]), gid: Number(gid[1]) } : null;
  } catch {
    return null;
  }
}

/** Every uid and gid a process holds (real, effective, saved, fs), from /proc/<pid>/status. */
function allIdsOf(pid: number): string | null {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'latin1');
    const uid = /^Uid:\s+(.*)$/m.exec(st);
    const gid = /^Gid:\s+(.*)$/m.exec(st);
    return uid && gid ? `${uid[1]!.trim()}/${gid[1]!.trim()}` : null;
  } catch {
    return null;
  }
}

/**
 * Whether a process is dumpable (ptrace may touch it): the files in /proc/<pid> of a process that
 * made itself non-dumpable are root's instead of its effective uid's (its directory stays its own).
 */
function dumpable(pid: number): boolean {
  const creds = credsOf(pid);
  try {
    return creds !== null && statSync(`/proc/${pid}/status`).uid === creds.uid;
  } catch {
    return false;
  }
}

/** Whether `pid` descends from `ancestor` (a bounded walk up /proc/<pid>/status PPid). */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, steps = 0; p > 1 && steps < 64; steps++) {
    let st: string;
    try {
      st = readFileSync(`/proc/${p}/status`, 'latin1');
    } catch {
      return false;
    }
    const m = /^PPid:\s+(\d+)/m.exec(st);
    if (!m) return false;
    p = Number(m[1]);
    if (p === ancestor) return true;
  }
  return false;
}

export interface BridgeOptions {
  /** where to listen (default: a fresh directory under the system's tmpdir) */
  socketPath?: string;
  /** the preload shim (default: the package's build/libvchardev-shim.so) */
  shim?: string;
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

/** The shim the package's build makes (`npm run build`), from src/ and dist/ alike. */
export function defaultShim(): string {
  return fileURLToPath(new URL('../../build/libvchardev-shim.so', import.meta.url));
}

type NativePart = 'shim' | 'supervisor';

/**
 * A native part of the bridge: the build's (build/), else compiled now from the package's native/
 * sources into the system's tmpdir, named by their hash (an installed package has no build step:
 * npm does not run its scripts). native/parts.json says how each is compiled.
 */
function ensureNative(part: NativePart): string {
  const native = (f: string) => fileURLToPath(new URL(`../../native/${f}`, import.meta.url));
  const parts = JSON.parse(readFileSync(native('parts.json'), 'utf8')) as Record<NativePart, { source: string; output: string; flags: string[]; libs: string[] }>;
  const { source, output, flags, libs } = parts[part];
  const built = fileURLToPath(new URL(`../../build/${output}`, import.meta.url));
  if (existsSync(built)) return built;
  const src = native(source);
  if (!existsSync(src)) throw new Error(`the bridge's source is missing (${src})`);
  const hash = createHash('sha256').update(readFileSync(src)).update(readFileSync(native('vchardev-wire.h'))).digest('hex').slice(0, 16);
  const out = join(tmpdir(), `vchardev-${hash}-${output}`);
  if (existsSync(out)) return out;
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, [...flags, '-o', `${out}.${process.pid}`, src, ...libs], { stdio: 'pipe' });
  } catch (e) {
    const why = (e as { code?: string }).code === 'ENOENT' ? `no C compiler (${cc})` : String((e as { stderr?: Buffer }).stderr ?? e).split('\n')[0];
    throw new Error(`the bridge needs its ${part === 'shim' ? 'preload shim' : 'seccomp supervisor'}, built from ${src} with a C compiler: ${why}. Install gcc (apt-get install gcc) or set CC`);
  }
  renameSync(`${out}.${process.pid}`, out);
  return out;
}

/** The shim to preload: an explicit path, the build's, or compiled on first use. */
export function ensureShim(explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`no preload shim at ${explicit}`);
    return explicit;
  }
  return ensureNative('shim');
}

/**
 * The seccomp supervisor (native/vchardev-seccomp.c) for programs the shim cannot reach
 * (statically linked, Go): `[supervisor, program, ...args]` with the bridge's env runs them
 * against the kernel.
 */
export function ensureSupervisor(): string {
  return ensureNative('supervisor');
}

/** The memory devices stay the host's: a shell's `> /dev/null` must not reach this kernel. */
const HOST_DEVICES = new Set(['null', 'zero', 'full']);
const HOST_CLASSES = new Set(['mem']);
/** classes the host has too: only this kernel's own devices in them are served */
const SHARED_CLASSES = new Set(['block']);
const BUILTIN_MODULES = new Set(['mem']);
const SERVED_PROC = ['/proc/devices', '/proc/misc', '/proc/modules', '/proc/partitions'];
/** a device node's type: its dev_t means something */
const isDev = (mode: number) => isChr(mode) || isBlk(mode);

/** The prefixes a program sees from this kernel: computed when the bridge starts. */
function servedPaths(k: KernelCore): string[] {
  const list = (dir: string) => {
    const r = k.sys.readdir(dir);
    return typeof r === 'number' ? [] : r;
  };
  return [
    ...list('/dev').filter((n) => !HOST_DEVICES.has(n)).map((n) => `/dev/${n}`),
    ...list('/sys/class').filter((n) => !HOST_CLASSES.has(n) && !SHARED_CLASSES.has(n)).map((n) => `/sys/class/${n}`),
    ...[...SHARED_CLASSES].flatMap((c) => list(`/sys/class/${c}`).map((n) => `/sys/class/${c}/${n}`)),
    ...list('/sys/block').map((n) => `/sys/block/${n}`),
    ...list('/sys/devices/virtual').filter((n) => !HOST_CLASSES.has(n) && !SHARED_CLASSES.has(n)).map((n) => `/sys/devices/virtual/${n}`),
    ...list('/sys/module').filter((n) => !BUILTIN_MODULES.has(n)).map((n) => `/sys/module/${n}`),
    ...list('/sys/bus').map((n) => `/sys/bus/${n}`),
    // the devices' own directories, which /sys/class links to (realpath lands there)
    ...list('/sys/devices').filter((n) => n !== 'virtual').map((n) => `/sys/devices/${n}`),
    ...SERVED_PROC,
  ];
}

interface Client {
  proc: Process;
  mem: ProcMem;
  /** connections this pid has used */
  conns: number;
}

interface Conn {
  sock: Socket;
  /** what this connection greeted with; a request's pid is believed once its memory holds it */
  nonce: Buffer;
  /** verified pids → their process keys ("pid/start time": a reused pid is another process) */
  keys: Map<number, string>;
  /** tears the connection down (once): its descriptors are closed in every task */
  end: () => void;
  /** the client's socket inode (OPEN): other processes attach to the file by it */
  clientIno: number;
  pending: Buffer;
  /** requests not yet handled, in order; `running` while one is */
  queue: Request[];
  running: boolean;
  /** settles when the queue is empty */
  chain: Promise<void>;
  /** the call in flight, for OP_INTR */
  abort: AbortController | null;
  /**
   * the interrupt the next call gets: one controller serves call after call until an OP_INTR
   * fires it (making one costs several µs; every call removes the listeners it added)
   */
  ctl: AbortController | null;
  /** the open file: a descriptor in each task (by process key) that used it */
  fds: Map<string, number>;
  opener: string;
}

const errnoOf = (err: unknown): number => (err instanceof KernelError ? err.errno : EIO);

export async function startBridge(k: KernelCore, opts: BridgeOptions = {}): Promise<Bridge> {
  if (process.platform !== 'linux') throw new Error(`the bridge needs Linux (LD_PRELOAD and /proc/<pid>/mem); this is ${process.platform}`);
  const shim = ensureShim(opts.shim);
  const dir = opts.socketPath ? null : mkdtempSync(join(tmpdir(), 'vchardev-'));
  const socketPath = opts.socketPath ?? join(dir!, 'sock');
  /** the task of each process, by "pid/start time" */
  const clients = new Map<string, Client>();
  const conns = new Set<Conn>();
  /** the closing of connections already gone (their files' releases may still be running) */
  const ending = new Set<Promise<void>>();
  const byIno = new Map<number, Conn>();
  let requests = 0;

  /**
   * Does the request come from the pid it names? That process's memory must hold this
   * connection's nonce at `auth` (read through /proc/<pid>/mem): a client cannot speak for a
   * process whose memory it cannot write, nor for the server.
   */
  const verify = (conn: Conn, q: Request): boolean => {
    if (conn.keys.has(q.pid)) return true;
    if (q.pid <= 1 || q.pid === process.pid || q.auth === 0 || q.auth >= USER_LIMIT) return false;
    const mem = new ProcMem(q.pid);
    const got = new Uint8Array(NONCE_SIZE);
    const ok = mem.read(q.auth, got, NONCE_SIZE) === NONCE_SIZE && timingSafeEqual(got, conn.nonce);
    mem.close();
    const start = ok ? startTimeOf(q.pid) : '';
    if (start) conn.keys.set(q.pid, `${q.pid}/${start}`);
    return start !== '';
  };

  /**
   * The task standing for a process (made at its first request, with its credentials and a pid
   * of this kernel's own: the host's pids and the kernel's tasks are separate namespaces).
   */
  const clientOf = (key: string): Client | null => {
    let c = clients.get(key);
    if (!c) {
      const pid = Number(key.split('/')[0]);
      const creds = credsOf(pid);
      if (!creds) return null;
      const mem = new ProcMem(pid);
      const task = k.createTask({ uid: creds.uid, gid: creds.gid, remote: mem, comm: `pid${pid}` });
      c = { proc: new Process(k, task), mem, conns: 0 };
      clients.set(key, c);
    }
    return c;
  };
  const release = async (key: string) => {
    const c = clients.get(key);
    if (!c || --c.conns > 0) return;
    clients.delete(key);
    await c.proc.exit().catch(() => {});
    c.mem.close();
  };

  /** The descriptor of this connection's file in the caller's task (a forked child shares the file). */
  const fdFor = (conn: Conn, pid: number): { c: Client; fd: number } | number => {
    const key = conn.keys.get(pid)!;
    const fd = conn.fds.get(key);
    if (fd !== undefined) return { c: clients.get(key)!, fd };
    const owner = clients.get(conn.opener);
    const ownerFd = conn.fds.get(conn.opener);
    if (!owner || ownerFd === undefined) return -EBADF;
    const c = clientOf(key);
    if (!c) return -ESRCH;
    const nfd = k.sys.fdShare(owner.proc.task, ownerFd, c.proc.task);
    if (nfd < 0) return nfd;
    c.conns++;
    conn.fds.set(key, nfd);
    return { c, fd: nfd };
  };

  const statOf = (path: string, follow: boolean): Buffer | number => {
    const st = k.sys.stat(path, follow);
    if (typeof st === 'number') return st;
    const size = isLnk(st.mode) ? (k.vfs.lookup(path, false) as { target: string }).target.length : isDir(st.mode) || isDev(st.mode) ? 0 : 4096;
    return vstat({ mode: st.mode, uid: st.uid, gid: st.gid, major: isDev(st.mode) ? MAJOR(st.rdev) : 0, minor: isDev(st.mode) ? MINOR(st.rdev) : 0, size, ino: st.ino });
  };

  async function handle(conn: Conn, q: Request): Promise<Buffer | null> {
    requests++;
    // only the path requests and OPEN carry a path
    const path = q.payload.length ? q.payload.toString('latin1') : '';
    // path requests touch no process memory; everything else acts for a verified pid
    const pathOnly = q.op === OP.STAT || q.op === OP.LIST || q.op === OP.READLINK;
    if (!pathOnly && !verify(conn, q)) return reply(-EPERM);
    switch (q.op) {
      case OP.OPEN: {
        if (conn.fds.size) return reply(-EINVAL);
        if (q.payload.length >= 4096) return reply(-ENAMETOOLONG);
        const key = conn.keys.get(q.pid)!;
        const c = clientOf(key);
        if (!c) return reply(-ESRCH);
        c.conns++;
        conn.opener = key;
        try {
          // O_DIRECTORY: only a directory opens
          if (q.a & O_DIRECTORY) {
            const st = k.sys.stat(path);
            if (typeof st === 'number') throw new KernelError(-st, 'open', path);
            if (!isDir(st.mode)) throw new KernelError(ENOTDIR, 'open', path);
          }
          // O_LARGEFILE and other bits the kernel does not keep are dropped; O_CLOEXEC is the socket's
          const fd = await c.proc.open(path, q.a & (3 | 0o100 | 0o200 | 0o1000 | O_APPEND | O_NONBLOCK));
          conn.fds.set(key, fd);
          // the client socket's inode, for other processes to attach by: believed when the
          // caller's descriptor b is that socket
          if (q.c > 0 && Number.isSafeInteger(q.c) && !byIno.has(q.c) && socketOf(q.pid, q.b) === q.c) {
            conn.clientIno = q.c;
            byIno.set(conn.clientIno, conn);
          }
          return reply(0);
        } catch (err) {
          await release(key);
          return reply(-errnoOf(err));
        }
      }
      case OP.STAT: {
        const st = statOf(path, q.a !== 0);
        return typeof st === 'number' ? reply(st) : reply(0, st);
      }
      case OP.LIST: {
        const names = k.sys.readdir(path);
        if (typeof names === 'number') return reply(names);
        const parts = names.map((n) => {
          const st = k.sys.stat(`${path}/${n}`, false);
          const t = typeof st === 'number' ? 'f' : isDir(st.mode) ? 'd' : isLnk(st.mode) ? 'l' : isChr(st.mode) ? 'c' : isBlk(st.mode) ? 'b' : 'f';
          return `${t}${n}\0`;
        });
        return reply(0, Buffer.from(parts.join(''), 'latin1'));
      }
      case OP.READLINK: {
        const node = k.vfs.lookup(path, false);
        if (typeof node === 'number') return reply(node);
        if (!isLnk(node.mode)) return reply(-EINVAL);
        return reply(0, Buffer.from(node.target, 'latin1'));
      }
      case OP.INTR:
        conn.abort?.abort();
        return null;
      case OP.ACTFOR: {
        // the seccomp supervisor (verified as the sender) acts for the program under its filter:
        // only a descendant that holds exactly its credentials (so no setuid child's)
        const target = q.a;
        if (!Number.isSafeInteger(target) || target <= 1 || target === process.pid) return reply(-EPERM);
        const ids = allIdsOf(target);
        if (!ids || ids !== allIdsOf(q.pid) || !descendsFrom(target, q.pid) || !dumpable(target)) return reply(-EPERM);
        const start = startTimeOf(target);
        if (!start) return reply(-ESRCH);
        conn.keys.set(target, `${target}/${start}`);
        // the sender steps back: this connection may end up in the target's hands (an open's
        // socket), and the target must not speak for its supervisor
        conn.keys.delete(q.pid);
        return reply(0);
      }
      case OP.REGISTER: {
        // the socket of this connection's open file, now in the caller's hands (see OPEN)
        const key = conn.keys.get(q.pid)!;
        if (!conn.fds.has(key) || conn.clientIno >= 0) return reply(-EINVAL);
        if (!(q.b > 0 && Number.isSafeInteger(q.b)) || byIno.has(q.b) || socketOf(q.pid, q.a) !== q.b) return reply(-EBADF);
        conn.clientIno = q.b;
        byIno.set(q.b, conn);
        return reply(0);
      }
      case OP.ATTACH: {
        // another process (a forked child, an exec'd image) holds the descriptor `a` on the
        // client socket with inode `b`: this connection becomes its channel to the same open file
        if (conn.fds.size) return reply(-EINVAL);
        const ino = Number.isSafeInteger(q.b) ? q.b : -1;
        const target = byIno.get(ino);
        if (socketOf(q.pid, q.a) !== ino || !target) return reply(-EBADF);
        const from = clients.get(target.opener);
        const fromFd = target.fds.get(target.opener);
        const key = conn.keys.get(q.pid)!;
        const c = clientOf(key);
        if (!from || fromFd === undefined || !c) return reply(-EBADF);
        const nfd = k.sys.fdShare(from.proc.task, fromFd, c.proc.task);
        if (nfd < 0) return reply(nfd);
        c.conns++;
        conn.opener = key;
        conn.fds.set(key, nfd);
        return reply(0);
      }
    }
    const at = fdFor(conn, q.pid);
    if (typeof at === 'number') return reply(at);
    const { c, fd } = at;
    const p = c.proc;
    // only calls that may sleep get an interrupt (an AbortController costs a few µs): on a
    // character device, a blocking read or write, any ioctl, a waiting poll
    const file = p.task.fdGet(fd);
    const dev = file !== null && isDev(file.inode.mode);
    const mayBlock = q.op === OP.IOCTL || (q.op === OP.POLL && q.b !== 0) ||
      ((q.op === OP.READ || q.op === OP.WRITE || q.op === OP.PREAD || q.op === OP.PWRITE) && file !== null && !(file.flags & O_NONBLOCK));
    const abort = dev && mayBlock ? (conn.ctl ??= new AbortController()) : null;
    conn.abort = abort;
    const call = abort ? { signal: abort.signal } : {};
    try {
      switch (q.op) {
        case OP.READ:
          return reply(await p.read(fd, q.a, q.b, call));
        case OP.WRITE:
          return reply(await p.write(fd, q.a, q.b, call));
        case OP.PREAD:
          return reply(await p.pread(fd, q.a, q.b, q.cSigned, call));
        case OP.PWRITE:
          return reply(await p.pwrite(fd, q.a, q.b, q.cSigned, call));
        case OP.IOCTL:
          return reply(await p.ioctl(fd, q.a % 2 ** 32, q.b, call));
        case OP.LSEEK:
          return reply(await p.lseek(fd, q.aSigned, q.b));
        case OP.FSTAT: {
          const file = p.task.fdGet(fd);
          if (!file) return reply(-EBADF);
          const ino = file.inode;
          return reply(0, vstat({ mode: ino.mode, uid: ino.uid, gid: ino.gid, major: isDev(ino.mode) ? MAJOR(ino.rdev) : 0, minor: isDev(ino.mode) ? MINOR(ino.rdev) : 0, size: 0, ino: ino.ino }));
        }
        case OP.POLL: {
          const [r] = await p.poll([{ fd, events: q.a % 2 ** 16 }], q.b ? -1 : 0, call).catch((err) => {
            if (err instanceof KernelError && err.code === 'EINTR') return [{ revents: 0 }];
            throw err;
          });
          return reply(r!.revents);
        }
        case OP.GETFL:
          return reply(await p.fcntl(fd, F_GETFL));
        case OP.SETFL:
          return reply(await p.fcntl(fd, F_SETFL, q.a % 2 ** 32));
        default:
          return reply(-EINVAL);
      }
    } catch (err) {
      return reply(-errnoOf(err));
    } finally {
      if (abort && conn.abort === abort) conn.abort = null;
      if (abort?.signal.aborted) conn.ctl = null;
    }
  }

  const onConnection = (sock: Socket) => {
    const conn: Conn = {
      sock, nonce: randomBytes(NONCE_SIZE), keys: new Map(), end: () => {}, clientIno: -1,
      pending: Buffer.alloc(0), queue: [], running: false, chain: Promise.resolve(), abort: null, ctl: null, fds: new Map(), opener: '',
    };
    conns.add(conn);
    sock.write(conn.nonce);
    // one request at a time per connection, as one thread of the program makes them
    const drain = async () => {
      conn.running = true;
      for (let q = conn.queue.shift(); q; q = conn.queue.shift()) {
        const out = await handle(conn, q).catch(() => reply(-EIO));
        if (out && !sock.destroyed) sock.write(out);
      }
      conn.running = false;
    };
    sock.on('data', (data: Buffer) => {
      const parsed = parseRequests(conn.pending.length ? Buffer.concat([conn.pending, data]) : data);
      conn.pending = parsed.rest.length ? Buffer.from(parsed.rest) : Buffer.alloc(0);
      if (parsed.error) {
        sock.destroy();
        return;
      }
      for (const q of parsed.requests) {
        // an interrupt reaches the call in flight now, not after it
        if (q.op === OP.INTR) conn.abort?.abort();
        else conn.queue.push(q);
      }
      // a client that floods requests, or never reads its replies, loses the connection
      if (conn.queue.length > MAX_QUEUED || sock.writableLength > MAX_UNREAD) {
        sock.destroy();
        return;
      }
      if (!conn.running && conn.queue.length) conn.chain = drain();
    });
    // the last descriptor on the socket is gone: fput on every task's descriptor (last close)
    const end = () => {
      if (!conns.delete(conn)) return;
      if (byIno.get(conn.clientIno) === conn) byIno.delete(conn.clientIno);
      conn.abort?.abort();
      conn.queue.length = 0;
      conn.chain = conn.chain.then(async () => {
        for (const [key, fd] of conn.fds) {
          await clients.get(key)?.proc.close(fd).catch(() => {});
          await release(key);
        }
        conn.fds.clear();
      });
      // close() waits for it too: the program may have gone before the bridge closes
      const done = conn.chain.finally(() => ending.delete(done));
      ending.add(done);
    };
    conn.end = end;
    sock.on('close', end);
    sock.on('error', end);
  };

  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    // read when a child is spawned: drivers loaded after bridge() are served to later children
    get paths() {
      return servedPaths(k);
    },
    get requests() {
      return requests;
    },
    get env() {
      return { LD_PRELOAD: shim, VCHARDEV_SOCK: socketPath, VCHARDEV_PATHS: servedPaths(k).join('\n') };
    },
    supervised(argv) {
      return [ensureSupervisor(), ...argv];
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // calls still sleeping in the kernel (a blocked read) end now, and every connection's
      // descriptors are closed before close() returns
      const all = [...conns];
      for (const conn of all) {
        conn.sock.destroy();
        conn.end();
      }
      for (const conn of all) await conn.chain;
      await Promise.all([...ending]);
      await closed;
      for (const key of [...clients.keys()]) {
        const c = clients.get(key)!;
        clients.delete(key);
        await c.proc.exit().catch(() => {});
        c.mem.close();
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
