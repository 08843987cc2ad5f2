// errno values of include/uapi/asm-generic/errno-base.h, errno.h and include/linux/errno.h
// (chrdev-core §12). Always positive here; negate at the return site.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const EWOULDBLOCK = EAGAIN;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EMFILE = 24;
export const ENOTTY = 25;
export const EFBIG = 27;
export const ENOSPC = 28;
export const ESPIPE = 29;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ELOOP = 40;
export const ETIME = 62;
export const EOVERFLOW = 75;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const ERESTARTSYS = 512;
export const ENOIOCTLCMD = 515;

const TABLE = [
  [EPERM, 'EPERM', 'operation not permitted'],
  [ENOENT, 'ENOENT', 'no such file or directory'],
  [ESRCH, 'ESRCH', 'no such process'],
  [EINTR, 'EINTR', 'interrupted system call'],
  [EIO, 'EIO', 'input/output error'],
  [ENXIO, 'ENXIO', 'no such device or address'],
  [E2BIG, 'E2BIG', 'argument list too long'],
  [EBADF, 'EBADF', 'bad file descriptor'],
  [EAGAIN, 'EAGAIN', 'resource temporarily unavailable'],
  [ENOMEM, 'ENOMEM', 'cannot allocate memory'],
  [EACCES, 'EACCES', 'permission denied'],
  [EFAULT, 'EFAULT', 'bad address'],
  [EBUSY, 'EBUSY', 'device or resource busy'],
  [EEXIST, 'EEXIST', 'file exists'],
  [ENODEV, 'ENODEV', 'no such device'],
  [ENOTDIR, 'ENOTDIR', 'not a directory'],
  [EISDIR, 'EISDIR', 'is a directory'],
  [EINVAL, 'EINVAL', 'invalid argument'],
  [EMFILE, 'EMFILE', 'too many open files'],
  [ENOTTY, 'ENOTTY', 'inappropriate ioctl for device'],
  [EFBIG, 'EFBIG', 'file too large'],
  [ENOSPC, 'ENOSPC', 'no space left on device'],
  [ESPIPE, 'ESPIPE', 'illegal seek'],
  [ENAMETOOLONG, 'ENAMETOOLONG', 'file name too long'],
  [ENOSYS, 'ENOSYS', 'function not implemented'],
  [ELOOP, 'ELOOP', 'too many levels of symbolic links'],
  [ETIME, 'ETIME', 'timer expired'],
  [EOVERFLOW, 'EOVERFLOW', 'value too large for defined data type'],
  [EOPNOTSUPP, 'EOPNOTSUPP', 'operation not supported'],
  [ETIMEDOUT, 'ETIMEDOUT', 'connection timed out'],
  [ERESTARTSYS, 'ERESTARTSYS', 'restart system call'],
  [ENOIOCTLCMD, 'ENOIOCTLCMD', 'no ioctl command'],
] as const;

/** The errno names this kernel answers with: what KernelError.code can be. */
export type ErrnoCode = (typeof TABLE)[number][1];
const NAMES = new Map<number, ErrnoCode>(TABLE.map(([n, name]) => [n, name]));
const MESSAGES = new Map<number, string>(TABLE.map(([n, , msg]) => [n, msg]));

/** errnoName(14) === 'EFAULT'; unknown numbers read 'E<n>'. */
export function errnoName(errno: number): ErrnoCode | `E${number}` {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** strerror-style text, lower case like Node's fs errors. */
export function errnoMessage(errno: number): string {
  return MESSAGES.get(errno) ?? `unknown error ${errno}`;
}

/** True when a `T | number` result from an ERR_PTR-style call is an error (a negative number). */
export function isErr<T>(x: T | number): x is number {
  return typeof x === 'number' && x < 0;
}

/**
 * What user-side calls throw, shaped like Node's fs errors:
 * "EAGAIN: resource temporarily unavailable, read fd 3" with .errno 11, .code 'EAGAIN', .syscall 'read'.
 */
export class KernelError extends Error {
  override name = 'KernelError';
  /** the errno's name, e.g. 'EAGAIN' (a union, so `switch (e.code)` is checked) */
  readonly code: ErrnoCode | `E${number}`;
  constructor(readonly errno: number, readonly syscall: string, readonly detail = '') {
    super(`${errnoName(errno)}: ${errnoMessage(errno)}, ${syscall}${detail ? ' ' + detail : ''}`);
    this.code = errnoName(errno);
  }
}
