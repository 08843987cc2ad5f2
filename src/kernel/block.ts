// block/genhd.c + fs/block_dev.c + block/ioctl.c, as much as a driver of this kernel needs to
// give its storage a block device: register_blkdev, add_disk/del_gendisk (the disk in class
// `block`, its devtmpfs node, /sys/block, /proc/partitions) and the block device file, whose
// reads and writes go straight to the driver's request function (there is no page cache: every
// read reaches the device, every write is on it when write() returns).
import { EACCES, EBUSY, EFAULT, EINTR, EINVAL, EIO, ENOMEM, ENOSPC, ENOTTY, ENXIO, EOPNOTSUPP, EPERM } from './errno.js';
import { Mutex } from './locking.js';
import { MAJOR, MINOR, MKDEV } from './devt.js';
import { CAP_SYS_ADMIN } from './cred.js';
import { Ida } from './ida.js';
import type { Device, DeviceClass, DeviceModel } from './device.js';
import type { File, FileOperations, Inode, ModuleRef, Vfs } from './vfs.js';
import type { PhysMem } from './mm.js';
import type { Task } from './task.js';
import type { ModuleGetter } from './chrdev.js';

/** include/linux/major.h: where disks with GENHD_FL_EXT_DEVT get their dev_t */
export const BLOCK_EXT_MAJOR = 259;
/** blk_alloc_devt's idr range (NR_EXT_DEVT = 1 << MINORBITS) */
const NR_EXT_DEVT = 1 << 20;
/** BLKDEV_MAJOR_HASH_SIZE: register_blkdev(0) hands out 254, 253, … 1 */
const BLKDEV_MAJOR_HASH_SIZE = 255;
/** DISK_MAX_PARTS: ext_range of a disk with no minors of its own */
const DISK_MAX_PARTS = 256;
export const GENHD_FL_EXT_DEVT = 64;
const PAGE = 4096;
/** one request moves at most this much (a 128 KiB bio, what readahead would ask) */
const MAX_REQUEST_BYTES = 128 * 1024;
/** BLK_DEF_MAX_SECTORS: a queue's max_sectors is at most this */
const BLK_DEF_MAX_SECTORS = 1024;
/** GENHD_FL_UP: set by add_disk (the capability attribute shows it) */
const GENHD_FL_UP = 16;

// block/ioctl.c's generic commands (include/uapi/linux/fs.h)
export const BLKROSET = 0x125d;
export const BLKROGET = 0x125e;
export const BLKGETSIZE = 0x1260;
export const BLKFLSBUF = 0x1261;
export const BLKRAGET = 0x1263;
export const BLKFRAGET = 0x1265;
export const BLKSECTGET = 0x1267;
export const BLKSSZGET = 0x1268;
export const BLKIOMIN = 0x1278;
export const BLKIOOPT = 0x1279;
export const BLKALIGNOFF = 0x127a;
export const BLKPBSZGET = 0x127b;
export const BLKBSZGET = 0x80081270;
export const BLKGETSIZE64 = 0x80081272;

/** struct block_device_operations: what the driver does at open, last close and ioctl */
export interface BlockDeviceOperations {
  owner?: ModuleRef | null;
  open?(disk: Gendisk, file: File, cur: Task): number | Promise<number>;
  release?(disk: Gendisk, file: File, cur: Task): void;
  /** the driver's ioctl (after block/ioctl.c's own commands); -ENOTTY for one it does not know */
  ioctl?(disk: Gendisk, file: File, cmd: number, arg: number, cur: Task): number | Promise<number>;
}

/**
 * What a driver fills in before add_disk (alloc_disk's fields plus its queue's limits and
 * make_request).
 */
export interface GendiskInit {
  diskName: string;
  major: number;
  firstMinor: number;
  /** minors of its own; 0 with GENHD_FL_EXT_DEVT takes BLOCK_EXT_MAJOR's */
  minors: number;
  flags: number;
  fops: BlockDeviceOperations;
  privateData: unknown;
  /** driverfs_dev: the device the disk sits below in sysfs */
  parent: Device | null;
  /** in 512-byte sectors */
  capacity: number;
  logicalBlockSize: number;
  /** blk_queue_max_hw_sectors */
  maxHwSectors: number;
  /** QUEUE_FLAG_NONROT */
  nonRotational: boolean;
  /**
   * The request function: moves `bytes` between the disk at `sector` and the frames `pfns`
   * (whole pages, in order). @returns 0 or -errno (-EIO for a failed command)
   */
  submit(write: boolean, sector: number, pfns: readonly number[], bytes: number, cur: Task): Promise<number>;
  /**
   * An empty REQ_FLUSH request (blkdev_issue_flush): the disk's volatile cache to its media.
   * Without it (no cache, blk_queue_flush unset) a flush completes at once.
   */
  flush?(cur: Task): Promise<number>;
}

/** struct gendisk once added */
export class Gendisk {
  readOnly = false;
  /** del_gendisk has run: open files get -EIO for I/O, new opens -ENXIO */
  dead = false;
  /** ios and sectors per direction, for the stat attribute */
  readonly stat = { ios: [0, 0], sectors: [0, 0] };
  fileOps!: FileOperations;
  /** requests one at a time (see request in blockFileOps) */
  readonly lock = new Mutex();
  /** open files of it: the blkext minor goes back at the last of them after del_gendisk (put_disk) */
  openers = 0;
  /** set by del_gendisk: frees the dev_t */
  putDevt: (() => void) | null = null;
  /** an open file went (or an open failed) */
  put(): void {
    if (--this.openers === 0 && this.dead) this.putDevt?.();
  }
  constructor(readonly init: GendiskInit, readonly devt: number, readonly dev: Device) {}
  get name(): string {
    return this.init.diskName;
  }
  get sizeBytes(): number {
    return this.init.capacity * 512;
  }
  /** bd_set_size's block size: the largest power of two up to a page that divides the size */
  get blockSize(): number {
    let bsize = this.init.logicalBlockSize;
    while (bsize < PAGE && !(this.sizeBytes & bsize)) bsize <<= 1;
    return bsize;
  }
}

export class BlockRegistry {
  /** major → names, in the order register_blkdev put them (major_names' hash chains) */
  private readonly majors = new Map<number, string>();
  private readonly extDevt = new Ida();
  private readonly disks = new Map<number, Gendisk>();
  readonly cls: DeviceClass;

  constructor(private readonly devices: DeviceModel, private readonly vfs: Vfs, private readonly phys: PhysMem) {
    this.cls = devices.classCreate('block') as DeviceClass;
    vfs.mkdirP('/sys/block');
    // genhd_device_init
    this.registerBlkdev(BLOCK_EXT_MAJOR, 'blkext');
  }

  // see: block/genhd.c register_blkdev — 0 asks for a free major from 254 down
  registerBlkdev(major: number, name: string): number {
    if (!Number.isInteger(major) || major < 0 || major >= 4096 || !name || name.length > 64) return -EINVAL;
    if (major === 0) {
      for (let m = BLKDEV_MAJOR_HASH_SIZE - 1; m > 0; m--) {
        if (!this.majors.has(m)) {
          this.majors.set(m, name);
          return m;
        }
      }
      return -EBUSY;
    }
    if (this.majors.has(major)) return -EBUSY;
    this.majors.set(major, name);
    return 0;
  }
  /** unregister_blkdev: only with the name it was registered under (Linux WARNs otherwise) */
  unregisterBlkdev(major: number, name: string): void {
    if (this.majors.get(major) === name) this.majors.delete(major);
  }
  /** /proc/devices' block half: "%3d %s" by major_names slot (major % 255), then age */
  procDevices(): string[] {
    const slot = (m: number) => m % BLKDEV_MAJOR_HASH_SIZE;
    return [...this.majors].map(([m, name], age) => ({ m, name, age }))
      .sort((a, b) => slot(a.m) - slot(b.m) || a.age - b.age)
      .map(({ m, name }) => `${String(m).padStart(3)} ${name}`);
  }
  /** /proc/partitions: every disk with a capacity, #blocks in KiB */
  procPartitions(): string {
    // the header comes with the first disk, even one whose row is left out (no capacity)
    if (this.disks.size === 0) return '';
    const rows = [...this.disks.values()].filter((d) => d.init.capacity > 0)
      .map((d) => `${String(MAJOR(d.devt)).padStart(4)}  ${String(MINOR(d.devt)).padStart(7)} ${String(Math.floor(d.init.capacity / 2)).padStart(10)} ${d.name}\n`);
    return `major minor  #blocks  name\n\n${rows.join('')}`;
  }

  lookup(devt: number): Gendisk | null {
    return this.disks.get(devt >>> 0) ?? null;
  }

  // see: block/genhd.c add_disk (blk_alloc_devt, register_disk) — @returns the disk or -errno
  addDisk(init: GendiskInit): Gendisk | number {
    if (!this.majors.has(init.major) || !/^[A-Za-z0-9_-]{1,31}$/.test(init.diskName)) return -EINVAL;
    if (!(init.logicalBlockSize >= 512 && init.logicalBlockSize <= PAGE && (init.logicalBlockSize & (init.logicalBlockSize - 1)) === 0)) return -EINVAL;
    // byte offsets stay exact numbers: at most 2^53 bytes
    if (!Number.isSafeInteger(init.capacity) || init.capacity < 0 || init.capacity > 2 ** 44) return -EINVAL;
    let devt: number;
    let ext = -1;
    if (init.minors > 0) devt = MKDEV(init.major, init.firstMinor);
    else if (init.flags & GENHD_FL_EXT_DEVT) {
      ext = this.extDevt.allocRange(0, NR_EXT_DEVT - 1);
      if (ext < 0) return -EBUSY;
      devt = MKDEV(BLOCK_EXT_MAJOR, ext);
    } else return -EINVAL;
    if (this.disks.has(devt)) {
      if (ext >= 0) this.extDevt.free(ext);
      return -EBUSY;
    }
    // devtmpfs makes block nodes 0600 root; udev's rule then gives group disk 0660 (as on a distro)
    const dev = this.devices.deviceCreate(this.cls, init.parent, devt, null, init.diskName, { mode: 0o660, gid: 6, block: true });
    if (typeof dev === 'number') {
      if (ext >= 0) this.extDevt.free(ext);
      return dev;
    }
    const disk = new Gendisk(init, devt, dev);
    disk.fileOps = blockFileOps(disk, this.phys);
    this.addAttributes(disk);
    this.vfs.symlink(`/sys/block/${init.diskName}`, `../${dev.dir.path.slice('/sys/'.length)}`);
    this.disks.set(devt, disk);
    return disk;
  }

  // see: block/genhd.c del_gendisk — the node and sysfs go; open files stay until closed, and
  // the blkext minor is freed by the last put_disk (disk_release → blk_free_devt)
  delGendisk(disk: Gendisk): void {
    if (disk.dead) return;
    disk.dead = true;
    this.disks.delete(disk.devt);
    this.vfs.remove(`/sys/block/${disk.name}`);
    this.devices.deviceUnregister(disk.dev);
    disk.putDevt = () => {
      if (MAJOR(disk.devt) === BLOCK_EXT_MAJOR) this.extDevt.free(MINOR(disk.devt));
    };
    if (disk.openers === 0) disk.putDevt();
  }

  private addAttributes(disk: Gendisk): void {
    const d = disk.init;
    const ro = (name: string, show: () => string) => this.devices.deviceCreateFile(disk.dev, { name, mode: 0o444, show: () => `${show()}\n` });
    // see: block/genhd.c disk_attrs
    ro('range', () => String(d.minors));
    // disk_max_parts: a disk that may take ext dev_ts has room for DISK_MAX_PARTS
    ro('ext_range', () => String(d.flags & GENHD_FL_EXT_DEVT ? DISK_MAX_PARTS : d.minors));
    ro('removable', () => '0');
    ro('ro', () => (disk.readOnly ? '1' : '0'));
    ro('size', () => String(d.capacity));
    ro('alignment_offset', () => '0');
    ro('discard_alignment', () => '0');
    ro('capability', () => (disk.dead ? d.flags : d.flags | GENHD_FL_UP).toString(16));
    // part_stat_show: reads, merges, sectors, ticks; writes, …; in flight, io_ticks, time_in_queue
    ro('stat', () => [disk.stat.ios[0], 0, disk.stat.sectors[0], 0, disk.stat.ios[1], 0, disk.stat.sectors[1], 0, 0, 0, 0].map((n) => String(n).padStart(8)).join(' '));
    ro('inflight', () => `${'0'.padStart(8)} ${'0'.padStart(8)}`);
    // the request queue's limits (block/blk-sysfs.c)
    const q = `${disk.dev.dir.path}/queue`;
    this.vfs.mkdirP(q);
    const lbs = String(d.logicalBlockSize);
    for (const [name, show] of [
      ['logical_block_size', lbs], ['physical_block_size', lbs], ['hw_sector_size', lbs], ['minimum_io_size', lbs],
      ['optimal_io_size', '0'], ['max_hw_sectors_kb', String(d.maxHwSectors >> 1)], ['max_sectors_kb', String(Math.min(d.maxHwSectors, BLK_DEF_MAX_SECTORS) >> 1)],
      ['rotational', d.nonRotational ? '0' : '1'], ['read_ahead_kb', '128'], ['nr_requests', '128'],
    ] as const) this.devices.createGeneratedFile(`${q}/${name}`, 0o444, () => `${show}\n`);
  }
}

// see: fs/block_dev.c blkdev_open + __blkdev_get
export async function blkdevOpen(reg: BlockRegistry, mods: ModuleGetter, inode: Inode, file: File, cur: Task): Promise<number> {
  const disk = reg.lookup(inode.rdev);
  if (!disk) return -ENXIO;
  const owner = disk.init.fops.owner ?? null;
  if (!mods.tryModuleGet(owner)) return -ENXIO;
  file.owner = owner;
  file.fops = disk.fileOps;
  file.privateData = disk;
  disk.openers++;
  const r = disk.init.fops.open ? await disk.init.fops.open(disk, file, cur) : 0;
  if (r < 0) disk.put();
  return r;
}

/** A task as a killable sleep sees it: only fatal signals count (TASK_KILLABLE). */
function killable(cur: Task): { signalPending(): boolean; onSignal(fn: () => void): () => void } {
  return {
    signalPending: () => cur.fatalSignalPending(),
    onSignal: (fn) => cur.onSignal(() => {
      if (cur.fatalSignalPending()) fn();
    }),
  };
}

/** def_blk_fops for one disk: I/O through its request function, block/ioctl.c, block_llseek. */
function blockFileOps(disk: Gendisk, phys: PhysMem): FileOperations {
  const d = disk.init;
  /** a request moves at most max_sectors (min(max_hw_sectors, 1024)) and 128 KiB, whole blocks */
  const maxRequest = Math.max(d.logicalBlockSize, Math.min(MAX_REQUEST_BYTES, Math.min(d.maxHwSectors, BLK_DEF_MAX_SECTORS) * 512) & -d.logicalBlockSize);
  /**
   * One request over [start, end): frames allocated, read and/or written, freed. Requests on a
   * disk take its lock one at a time, so a read-modify-write of a partial block is atomic (the
   * page lock's job in Linux). @returns bytes moved (less than n after a copy fault) or -errno
   */
  const request = async (write: boolean, at: number, n: number, start: number, end: number, ubuf: number, cur: Task): Promise<number> => {
    // lock_page_killable: only a fatal signal ends the wait, and a dying task starts no I/O
    if (await disk.lock.lockInterruptible(killable(cur))) return -EINTR;
    const pfns: number[] = [];
    try {
      if (disk.dead) return -EIO;
      if (cur.fatalSignalPending()) return -EINTR;
      for (let b = 0; b < end - start; b += PAGE) {
        const p = phys.allocFrame();
        if (p < 0) return -ENOMEM;
        pfns.push(p);
      }
      const frames = () => pfns.map((p) => phys.u8.subarray(p * PAGE, (p + 1) * PAGE));
      const buf = new Uint8Array(end - start);
      // a copy from the user stops at a fault: what came before it is still written
      const data = write ? new Uint8Array(n) : null;
      const m = data ? n - cur.copyFromUser(data, ubuf, n) : n;
      if (m === 0) return -EFAULT;
      // a write of part of a block reads the block first (read-modify-write)
      if (!write || at !== start || at + m !== end) {
        const r = await d.submit(false, start / 512, pfns, end - start, cur);
        if (r < 0) return r;
        disk.stat.ios[0]!++;
        disk.stat.sectors[0]! += (end - start) / 512;
        frames().forEach((f, i) => buf.set(f.subarray(0, Math.min(PAGE, buf.length - i * PAGE)), i * PAGE));
      }
      if (!data) return n - cur.copyToUser(ubuf, buf.subarray(at - start, at - start + n), n);
      buf.set(data.subarray(0, m), at - start);
      frames().forEach((f, i) => f.set(buf.subarray(i * PAGE, Math.min(buf.length, (i + 1) * PAGE))));
      const r = await d.submit(true, start / 512, pfns, end - start, cur);
      if (r < 0) return r;
      disk.stat.ios[1]!++;
      disk.stat.sectors[1]! += (end - start) / 512;
      return m;
    } finally {
      // a driver whose command outlives the request holds its own references to the frames
      for (const p of pfns) phys.putPage(p);
      disk.lock.unlock();
    }
  };
  /** moves [pos, pos + count), a request at a time; @returns bytes or -errno */
  const io = async (file: File, ubuf: number, count: number, cur: Task, write: boolean): Promise<number> => {
    if (disk.dead) return -EIO;
    const size = disk.sizeBytes;
    const pos = file.pos;
    if (write) {
      if (disk.readOnly) return -EPERM;
      // see: mm/filemap.c generic_write_checks for a block device
      if (pos >= size) return count || pos > size ? -ENOSPC : 0;
    } else if (pos >= size) return 0;
    count = Math.min(count, size - pos);
    const lbs = d.logicalBlockSize;
    let done = 0;
    while (done < count) {
      // a long transfer stops for a fatal signal (and for the disk's removal), keeping what moved
      if (cur.fatalSignalPending()) return done || -EINTR;
      const at = pos + done;
      const start = at - (at % lbs);
      const end = Math.min(size, Math.ceil(Math.min(pos + count, start + maxRequest) / lbs) * lbs);
      const n = Math.min(end, pos + count) - at;
      const moved = await request(write, at, n, start, end, ubuf + done, cur);
      if (moved < 0) return done || moved;
      done += moved;
      file.pos += moved;
      if (moved < n) return done || -EFAULT;
    }
    return done;
  };

  return {
    owner: d.fops.owner ?? null,
    release(_inode, file, cur) {
      try {
        d.fops.release?.(disk, file, cur);
      } finally {
        disk.put();
      }
    },
    read: (file, ubuf, count, cur) => io(file, ubuf, count, cur, false),
    write: (file, ubuf, count, cur) => io(file, ubuf, count, cur, true),
    // see: fs/block_dev.c block_llseek — past the end is -EINVAL
    llseek(file, offset, whence) {
      const size = disk.sizeBytes;
      const to = whence === 0 ? offset : whence === 1 ? file.pos + offset : whence === 2 ? size + offset : NaN;
      if (!Number.isSafeInteger(to) || to < 0 || to > size) return -EINVAL;
      file.pos = to;
      return to;
    },
    unlockedIoctl: (file, cmd, arg, cur) => blkdevIoctl(disk, file, cmd >>> 0, arg, cur),
    // see: fs/block_dev.c blkdev_fsync — no page cache to write back here, then
    // blkdev_issue_flush, whose -EOPNOTSUPP is no error; requests before it are done first
    fsync: async (_file, _start, _end, _datasync, cur) => {
      if (!d.flush) return 0;
      if (await disk.lock.lockInterruptible(killable(cur))) return -EINTR;
      try {
        if (disk.dead) return -EIO;
        const r = await d.flush(cur);
        return r === -EOPNOTSUPP ? 0 : r;
      } finally {
        disk.lock.unlock();
      }
    },
  };
}

// see: block/ioctl.c blkdev_ioctl (3.13) — its own commands, then the driver's
async function blkdevIoctl(disk: Gendisk, file: File, cmd: number, arg: number, cur: Task): Promise<number> {
  const d = disk.init;
  const put = (v: number | bigint, size: 2 | 4 | 8) => cur.putUser(arg, v, size);
  const driver = () => (d.fops.ioctl ? d.fops.ioctl(disk, file, cmd, arg, cur) : -ENOTTY);
  switch (cmd) {
    case BLKROGET: return put(disk.readOnly ? 1 : 0, 4);
    case BLKSSZGET: return put(d.logicalBlockSize, 4);
    case BLKPBSZGET: return put(d.logicalBlockSize, 4);
    case BLKIOMIN: return put(d.logicalBlockSize, 4);
    case BLKIOOPT: return put(0, 4);
    case BLKALIGNOFF: return put(0, 4);
    case BLKBSZGET: return put(disk.blockSize, 4);
    case BLKSECTGET: return put(Math.min(d.maxHwSectors, BLK_DEF_MAX_SECTORS), 2);
    case BLKRAGET:
    case BLKFRAGET: return arg ? put(256, 8) : -EINVAL;
    // unsigned long sectors: on 64 bits never -EFBIG
    case BLKGETSIZE: return put(BigInt(d.capacity), 8);
    case BLKGETSIZE64: return put(BigInt(disk.sizeBytes), 8);
    case BLKFLSBUF: {
      if (!cur.capable(CAP_SYS_ADMIN)) return -EACCES;
      const r = await driver();
      // nothing is cached to flush
      return r === -ENOTTY || r === -EINVAL ? 0 : r;
    }
    case BLKROSET: {
      // the driver first, then the capability (BLKFLSBUF checks the other way round)
      const r = await driver();
      if (r !== -ENOTTY && r !== -EINVAL) return r;
      if (!cur.capable(CAP_SYS_ADMIN)) return -EACCES;
      // get_user's value is unsigned: a negative number is its -EFAULT
      const v = cur.getUser(arg, 4);
      if (typeof v !== 'number' || v < 0) return -EFAULT;
      disk.readOnly = v !== 0;
      return 0;
    }
    default:
      return driver();
  }
}
