// The bridge's wire format, shared with native/vchardev-wire.h (keep the two in step): the server
// greets every connection with an i64 status (0, or -EMFILE/-ENFILE when the client holds too
// many connections, and the connection closes); then every request is a 48-byte header and a
// payload, every reply a 24-byte header and a payload, all little-endian. A connection starts
// with OPEN (then it is that open file until it closes), ATTACH (another process's channel to an
// open file it inherited) or is a one-shot path request (STAT, LIST, READLINK, RESOLVE).
//
//   request: u32 op, u32 0, u64 a, u64 b, u64 c, u64 0, u32 len, u32 0, then len bytes
//   reply:   i64 ret (>= 0, or -errno), u64 a, u32 len, u32 pad, then len bytes
//
// A request says nothing of who sends it: the host kernel does (SCM_CREDENTIALS with each
// message, read by the server's addon), and the request acts for that process, in its memory.
export const OP = {
  /** a = open flags, b = uid | gid << 32, payload = path */
  OPEN: 1,
  /** a = follow symlinks, b = uid | gid << 32, payload = path; reply payload = VSTAT */
  STAT: 2,
  /** payload = path; reply payload = "<type><name>\0"… (type d, l, c or f) */
  LIST: 3,
  /** a = buffer, b = count */
  READ: 4,
  WRITE: 5,
  /** a = buffer, b = count, c = offset */
  PREAD: 6,
  PWRITE: 7,
  /** a = cmd, b = arg */
  IOCTL: 8,
  /** a = offset (i64), b = whence */
  LSEEK: 9,
  /** reply payload = VSTAT */
  FSTAT: 10,
  /** a = events, b = 1: answer only once something is ready (or on INTR) */
  POLL: 11,
  GETFL: 12,
  /** a = the new O_NONBLOCK / O_APPEND bits */
  SETFL: 13,
  /** interrupts the call in flight on this connection (a signal reached the caller); no reply */
  INTR: 14,
  /** payload = path; reply payload = the link's target */
  READLINK: 15,
  /** a = the client's fd, b = its socket's inode: this connection becomes a channel to that file */
  ATTACH: 16,
  /**
   * a = a pid the sender's requests on this connection act for from now on: a dumpable
   * descendant of the sender with the same credentials (the seccomp supervisor, acting for the
   * program it runs); others' requests on it stay their own
   */
  ACTFOR: 17,
  /**
   * a = the caller's fd, b = its socket's inode: registers the socket of this connection's open
   * file after the fact, as OPEN does with its b and c (the supervisor places the socket into the
   * program only after OPEN), so other channels can ATTACH to it
   */
  REGISTER: 18,
  /** a = 1 for fdatasync */
  FSYNC: 19,
  /** a = offset, b = nbytes, c = flags */
  SYNC_FILE_RANGE: 20,
  SYNCFS: 21,
  /** a = mode, b = offset, c = len */
  FALLOCATE: 22,
  /** a = offset, b = len, c = advice */
  FADVISE: 23,
  /**
   * a = follow the last symlink, payload = an absolute path with its ".." kept; reply payload =
   * the path walked as Linux walks it (where it leaves the kernel's tree, the rest as given)
   */
  RESOLVE: 24,
  /** a = access(2)'s mode, payload = path: decided with the sender's credentials (its real ids) */
  ACCESS: 25,
} as const;

/** the greeting: an i64 status */
export const GREETING_SIZE = 8;
export const REQ_SIZE = 48;
export const REP_SIZE = 24;
/** a path payload is at most PATH_MAX bytes */
export const MAX_PAYLOAD = 4096;

/** struct vstat: u32 mode, uid, gid, major, minor, pad; u64 size, ino */
export const VSTAT_SIZE = 40;

/**
 * One request. The u64 fields are numbers (exact below 2^53: user addresses, counts, file
 * offsets; anything larger is refused where it matters), with signed readings of a and c.
 */
export interface Request {
  op: number;
  a: number;
  b: number;
  c: number;
  /** a, b and c as i64 (offsets and lengths) */
  aSigned: number;
  bSigned: number;
  cSigned: number;
  payload: Buffer;
}

const u64 = (buf: Buffer, at: number) => buf.readUInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);
const i64 = (buf: Buffer, at: number) => buf.readInt32LE(at + 4) * 2 ** 32 + buf.readUInt32LE(at);

/** Splits complete requests off the front of `buf`; @returns them and the bytes left over */
export function parseRequests(buf: Buffer): { requests: Request[]; rest: Buffer; error?: string } {
  const requests: Request[] = [];
  let off = 0;
  while (buf.length - off >= REQ_SIZE) {
    const len = buf.readUInt32LE(off + 40);
    if (len > MAX_PAYLOAD) return { requests, rest: Buffer.alloc(0), error: `payload of ${len} bytes` };
    if (buf.length - off < REQ_SIZE + len) break;
    requests.push({
      op: buf.readUInt32LE(off),
      a: u64(buf, off + 8),
      b: u64(buf, off + 16),
      c: u64(buf, off + 24),
      aSigned: i64(buf, off + 8),
      bSigned: i64(buf, off + 16),
      cSigned: i64(buf, off + 24),
      payload: buf.subarray(off + REQ_SIZE, off + REQ_SIZE + len),
    });
    off += REQ_SIZE + len;
  }
  return { requests, rest: buf.subarray(off) };
}

const EMPTY = new Uint8Array(0);

export function reply(ret: number, payload: Uint8Array = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(REP_SIZE + payload.length);
  // i64 ret: every value here is an int (a count, an offset below 2^53, or -errno)
  out.writeInt32LE(ret % 2 ** 32 | 0, 0);
  out.writeInt32LE(Math.floor(ret / 2 ** 32), 4);
  out.fill(0, 8, 16);
  out.writeUInt32LE(payload.length, 16);
  out.writeUInt32LE(0, 20);
  out.set(payload, REP_SIZE);
  return out;
}

export function vstat(v: { mode: number; uid: number; gid: number; major: number; minor: number; size: number; ino: number }): Buffer {
  const b = Buffer.alloc(VSTAT_SIZE);
  b.writeUInt32LE(v.mode >>> 0, 0);
  b.writeUInt32LE(v.uid >>> 0, 4);
  b.writeUInt32LE(v.gid >>> 0, 8);
  b.writeUInt32LE(v.major >>> 0, 12);
  b.writeUInt32LE(v.minor >>> 0, 16);
  b.writeBigUInt64LE(BigInt(v.size), 24);
  b.writeBigUInt64LE(BigInt(v.ino), 32);
  return b;
}
