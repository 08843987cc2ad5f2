// The VFS: one inode tree holding devtmpfs (/dev), sysfs (/sys) and procfs (/proc); open files;
// and the dispatch defaults a user sees when a driver leaves a hook out (chrdev-core §6).
import { EACCES, EEXIST, EINVAL, ELOOP, ENOENT, ENOTDIR, ENOTTY, ESPIPE } from './errno.js';
import { DEFAULT_POLLMASK, type PollTable } from './wait.js';
import type { Task } from './task.js';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFIFO = 0o010000;
export const isChr = (mode: number) => (mode & S_IFMT) === S_IFCHR;
export const isBlk = (mode: number) => (mode & S_IFMT) === S_IFBLK;
export const isDir = (mode: number) => (mode & S_IFMT) === S_IFDIR;
export const isReg = (mode: number) => (mode & S_IFMT) === S_IFREG;
export const isLnk = (mode: number) => (mode & S_IFMT) === S_IFLNK;

export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

type Ret = number | Promise<number>;

/** struct file_operations: every hook optional; `cur` (the calling task) comes last. */
export interface FileOperations {
  /** set by the module API: open files pin this module (try_module_get) */
  owner?: ModuleRef | null;
  open?(inode: Inode, file: File, cur: Task): Ret;
  release?(inode: Inode, file: File, cur: Task): Ret | void;
  read?(file: File, ubuf: number, count: number, cur: Task): Ret;
  write?(file: File, ubuf: number, count: number, cur: Task): Ret;
  unlockedIoctl?(file: File, cmd: number, arg: number, cur: Task): Ret;
  poll?(file: File, pt: PollTable | null, cur: Task): number;
  llseek?(file: File, offset: number, whence: number, cur: Task): number;
  /** fsync/fdatasync over [start, end] (vfs_fsync_range); a file without it is -EINVAL */
  fsync?(file: File, start: number, end: number, datasync: boolean, cur: Task): Ret;
}

/** The part of a module the VFS needs for try_module_get/module_put. */
export interface ModuleRef {
  readonly name: string;
  refcnt: number;
  state: 'coming' | 'live' | 'going' | 'gone';
}

export class Inode {
  readonly children: Map<string, Inode> | null;
  /** for symlinks: the target path, relative to the link's directory or absolute */
  target = '';
  /** for regular (sysfs/procfs) files: how an open file behaves */
  fops: FileOperations | null = null;
  /** sysfs/device back-pointer for attributes */
  kobj: unknown = null;
  nlink = 1;

  constructor(
    readonly ino: number,
    public name: string,
    public parent: Inode | null,
    public mode: number,
    public rdev = 0,
    public uid = 0,
    public gid = 0,
  ) {
    this.children = isDir(mode) ? new Map() : null;
  }

  /** Absolute path of this inode. */
  get path(): string {
    const parts: string[] = [];
    for (let n: Inode | null = this; n && n.parent; n = n.parent) parts.unshift(n.name);
    return '/' + parts.join('/');
  }
}

/** struct file: one open of an inode, shared by dup'ed descriptors. */
export class File {
  pos = 0;
  privateData: unknown = null;
  /** descriptors (and in-flight syscalls) holding this file; release runs when it drops to 0 */
  count = 1;
  /** seq_file-style cache for generated files (sysfs attributes, procfs) */
  seqBuf: Uint8Array | null = null;
  /** where the last read of seqBuf ended (seq_file's read_pos) */
  seqPos = 0;
  /** the module pinned while this file is open (module_put at the last close) */
  owner: ModuleRef | null = null;

  constructor(public inode: Inode, public fops: FileOperations, public flags: number) {}

  // OPEN_FMODE: access mode 3 gives neither FMODE_READ nor FMODE_WRITE (an ioctl-only fd)
  get readable(): boolean {
    const m = this.flags & O_ACCMODE;
    return m === O_RDONLY || m === O_RDWR;
  }
  get writable(): boolean {
    const m = this.flags & O_ACCMODE;
    return m === O_WRONLY || m === O_RDWR;
  }
}

const MAX_SYMLINKS = 40;

/** The single tree behind every path; inode numbers are per kernel. */
export class Vfs {
  private nextIno = 1;
  readonly root = new Inode(this.nextIno++, '', null, S_IFDIR | 0o755);

  /** Resolves a path to an inode, following symlinks; @returns the inode or -ENOENT/-ENOTDIR/-ELOOP */
  lookup(path: string, followLast = true): Inode | number {
    return this.walk(this.root, path, followLast, 0);
  }

  /** mkdir -p; @returns the directory, or -ENOTDIR when a component is not a directory */
  mkdirP(path: string, mode = 0o755): Inode | number {
    let dir = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      let next = dir.children!.get(part);
      if (!next) {
        next = new Inode(this.nextIno++, part, dir, S_IFDIR | mode);
        dir.children!.set(part, next);
      } else if (isLnk(next.mode)) {
        const r = this.lookup(next.path);
        if (typeof r === 'number') return r;
        next = r;
      }
      if (!next.children) return -ENOTDIR;
      dir = next;
    }
    return dir;
  }

  /** Creates a leaf (node, file or symlink) at path, making parents; -EEXIST when taken. */
  create(path: string, mode: number, rdev = 0, uid = 0, gid = 0): Inode | number {
    const i = path.lastIndexOf('/');
    const dir = this.mkdirP(path.slice(0, i));
    if (typeof dir === 'number') return dir;
    const name = path.slice(i + 1);
    if (!name) return -EINVAL;
    if (dir.children!.has(name)) return -EEXIST;
    const node = new Inode(this.nextIno++, name, dir, mode, rdev, uid, gid);
    dir.children!.set(name, node);
    return node;
  }

  /** Creates a leaf named `name` in directory `dir` (mknod's last step); -EEXIST when taken. */
  createIn(dir: Inode, name: string, mode: number, rdev = 0, uid = 0, gid = 0): Inode | number {
    if (!dir.children) return -ENOTDIR;
    if (!name || name === '.' || name === '..' || name.includes('/')) return -EEXIST;
    if (dir.children.has(name)) return -EEXIST;
    const node = new Inode(this.nextIno++, name, dir, mode, rdev, uid, gid);
    dir.children.set(name, node);
    return node;
  }

  symlink(path: string, target: string): Inode | number {
    const node = this.create(path, S_IFLNK | 0o777);
    if (typeof node !== 'number') node.target = target;
    return node;
  }

  /** Removes an inode (a directory with everything below it); absent paths are a no-op. */
  remove(path: string): void {
    const node = this.lookup(path, false);
    if (typeof node !== 'number') this.unlink(node);
  }
  /**
   * Unlinks an inode; a directory takes everything below it along. A removed sysfs/procfs file
   * that is still open answers -ENODEV from then on (kernfs deactivation: its show/store belong
   * to a device or module that may be gone).
   */
  unlink(node: Inode): void {
    if (node.parent && node.parent.children!.get(node.name) === node) node.parent.children!.delete(node.name);
    const stack = [node];
    for (let n = stack.pop(); n; n = stack.pop()) {
      n.nlink = 0;
      if (n.children) stack.push(...n.children.values());
    }
  }
  /** Removes empty directories upward from dir (stops at stop). */
  pruneEmpty(dir: Inode | null, stop: Inode): void {
    while (dir && dir !== stop && dir !== this.root && dir.children && dir.children.size === 0) {
      const up = dir.parent;
      this.unlink(dir);
      dir = up;
    }
  }

  private walk(start: Inode, path: string, followLast: boolean, depth: number): Inode | number {
    if (depth > MAX_SYMLINKS) return -ELOOP;
    // a trailing slash asks for a directory: "/dev/null/" is -ENOTDIR, as in Linux
    if (path.length > 1 && path.endsWith('/')) {
      const r = this.walk(start, path.replace(/\/+$/, ''), true, depth);
      return typeof r === 'number' || r.children ? r : -ENOTDIR;
    }
    let node = path.startsWith('/') ? this.root : start;
    const parts = path.split('/').filter((p) => p);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      // every component after the first is looked up in a directory: "/dev/kxo/." is -ENOTDIR
      if (!node.children) return -ENOTDIR;
      if (part === '.') continue;
      if (part === '..') {
        node = node.parent ?? node;
        continue;
      }
      const next = node.children.get(part);
      if (!next) return -ENOENT;
      if (isLnk(next.mode) && (followLast || i < parts.length - 1)) {
        const r = this.walk(node, next.target, true, depth + 1);
        if (typeof r === 'number') return r;
        node = r;
      } else node = next;
    }
    return node;
  }
}

const ACC_MODE = [4, 2, 6, 6] as const;
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/** Who asks, as generic_permission sees it: the fsuid, and in_group_p for the group bits. */
export interface Asker {
  readonly uid: number;
  inGroup(gid: number): boolean;
}

/** generic_permission over the mode bits: @returns 0 or -EACCES (no capability considered) */
export function mayAccess(inode: Inode, want: number, who: Asker): number {
  const bits = inode.uid === who.uid ? (inode.mode >> 6) & 7 : who.inGroup(inode.gid) ? (inode.mode >> 3) & 7 : inode.mode & 7;
  return (bits & want) === want ? 0 : -EACCES;
}

/** Permission check at open: owner/group/other bits; uid 0 bypasses (CAP_DAC_OVERRIDE). */
export function mayOpen(inode: Inode, flags: number, who: Asker, dacOverride: boolean): number {
  if (dacOverride) return 0;
  // ACC_MODE: O_RDONLY needs r, O_WRONLY w, O_RDWR and mode 3 both
  return mayAccess(inode, ACC_MODE[flags & O_ACCMODE]!, who);
}

// ---- dispatch defaults (fs/read_write.c, fs/ioctl.c, fs/select.c) ----

export function noLlseek(): number {
  return -ESPIPE;
}

/** generic_file_llseek-like helper drivers may use; size bounds SEEK_END. */
export function fixedSizeLlseek(file: File, offset: number, whence: number, size: number): number {
  let pos: number;
  switch (whence) {
    case SEEK_SET: pos = offset; break;
    case SEEK_CUR: pos = file.pos + offset; break;
    case SEEK_END: pos = size + offset; break;
    default: return -EINVAL;
  }
  if (!Number.isSafeInteger(pos) || pos < 0) return -EINVAL;
  file.pos = pos;
  return pos;
}

/** What vfs_read does without .read, etc.; kept in one place so every missing hook agrees. */
export const defaultFops = {
  read: () => -EINVAL,
  write: () => -EINVAL,
  unlockedIoctl: () => -ENOTTY,
  llseek: () => -ESPIPE,
  poll: () => DEFAULT_POLLMASK,
} as const;
