// fs/char_dev.c + drivers/base/map.c: the char region registry and the cdev map that open()
// consults (chrdev-core §2–§3).
import { EBUSY, EINVAL, ENXIO } from './errno.js';
import { CHRDEV_MAJOR_MAX, MAJOR, MINOR, MINORMASK, MKDEV } from './devt.js';
import type { File, FileOperations, Inode, ModuleRef } from './vfs.js';
import type { Task } from './task.js';

const CHRDEV_MAJOR_HASH_SIZE = 255;
const CHRDEV_MAJOR_DYN_END = 234;
const CHRDEV_MAJOR_DYN_EXT_START = 511;
const CHRDEV_MAJOR_DYN_EXT_END = 384;
const MAX_NAME = 63;

/** struct cdev */
export class Cdev {
  dev = 0;
  count = 0;
  owner: ModuleRef | null = null;
  /** set once cdev_add succeeded, cleared by cdev_del */
  live = false;
  constructor(public ops: FileOperations) {}
}

export interface CharDeviceStruct {
  major: number;
  baseminor: number;
  minorct: number;
  name: string;
  cdev: Cdev | null;
}

interface Probe {
  dev: number;
  range: number;
  cdev: Cdev;
}

const majorToIndex = (major: number) => major % CHRDEV_MAJOR_HASH_SIZE;

export class ChrdevRegistry {
  private readonly chrdevs: CharDeviceStruct[][] = Array.from({ length: CHRDEV_MAJOR_HASH_SIZE }, () => []);
  private readonly probes: Probe[][] = Array.from({ length: CHRDEV_MAJOR_HASH_SIZE }, () => []);

  // see: fs/char_dev.c find_dynamic_major
  private findDynamicMajor(): number {
    // two passes: 254→234 by empty bucket, then 511→384 by exact major
    // observed: chrdev-core §2 — major i+255 in bucket i blocks i in the first pass
    for (let i = CHRDEV_MAJOR_HASH_SIZE - 1; i >= CHRDEV_MAJOR_DYN_END; i--) {
      if (this.chrdevs[i]!.length === 0) return i;
    }
    for (let i = CHRDEV_MAJOR_DYN_EXT_START; i >= CHRDEV_MAJOR_DYN_EXT_END; i--) {
      if (!this.chrdevs[majorToIndex(i)]!.some((cd) => cd.major === i)) return i;
    }
    return -EBUSY;
  }

  /** __register_chrdev_region; @returns the entry, or -EINVAL / -EBUSY */
  registerRegion(major: number, baseminor: number, minorct: number, name: string): CharDeviceStruct | number {
    if (!Number.isInteger(major) || major < 0 || major >= CHRDEV_MAJOR_MAX) return -EINVAL;
    if (!Number.isInteger(baseminor) || baseminor < 0 || baseminor > MINORMASK) return -EINVAL;
    if (!Number.isInteger(minorct) || minorct < 0 || minorct > MINORMASK + 1 - baseminor) return -EINVAL;
    if (major === 0) {
      const m = this.findDynamicMajor();
      if (m < 0) return m;
      major = m;
    }
    const bucket = this.chrdevs[majorToIndex(major)]!;
    let at = bucket.length;
    for (let i = 0; i < bucket.length; i++) {
      const cur = bucket[i]!;
      if (cur.major < major) continue;
      if (cur.major > major) {
        at = i;
        break;
      }
      if (cur.baseminor + cur.minorct <= baseminor) continue;
      if (cur.baseminor >= baseminor + minorct) {
        at = i;
        break;
      }
      return -EBUSY;
    }
    const cd: CharDeviceStruct = { major, baseminor, minorct, name: name.slice(0, MAX_NAME), cdev: null };
    bucket.splice(at, 0, cd);
    return cd;
  }

  /** __unregister_chrdev_region: only an exact (major, baseminor, minorct) match is removed. */
  unregisterRegion(major: number, baseminor: number, minorct: number): CharDeviceStruct | null {
    const bucket = this.chrdevs[majorToIndex(major)]!;
    const i = bucket.findIndex((cd) => cd.major === major && cd.baseminor === baseminor && cd.minorct === minorct);
    if (i < 0) return null;
    return bucket.splice(i, 1)[0]!;
  }

  /** alloc_chrdev_region; @returns dev_t (MKDEV(major, baseminor)) or -errno */
  allocChrdevRegion(baseminor: number, count: number, name: string): number {
    const cd = this.registerRegion(0, baseminor, count, name);
    return typeof cd === 'number' ? cd : MKDEV(cd.major, cd.baseminor);
  }

  /** register_chrdev_region: split at major boundaries; a failing piece undoes the earlier ones. */
  registerChrdevRegion(from: number, count: number, name: string): number {
    const to = from + count;
    let n = from;
    for (let next: number; n < to; n = next) {
      next = Math.min(MKDEV(MAJOR(n) + 1, 0), to);
      const cd = this.registerRegion(MAJOR(n), MINOR(n), next - n, name);
      if (typeof cd === 'number') {
        for (let m = from, mnext: number; m < n; m = mnext) {
          mnext = MKDEV(MAJOR(m) + 1, 0);
          this.unregisterRegion(MAJOR(m), MINOR(m), Math.min(mnext, n) - m);
        }
        return cd;
      }
    }
    return 0;
  }

  /** unregister_chrdev_region: same split; mismatched pieces are silently ignored. */
  unregisterChrdevRegion(from: number, count: number): void {
    const to = from + count;
    for (let n = from, next: number; n < to; n = next) {
      next = Math.min(MKDEV(MAJOR(n) + 1, 0), to);
      this.unregisterRegion(MAJOR(n), MINOR(n), next - n);
    }
  }

  /** __register_chrdev: region + a cdev over it. @returns 0, the dynamic major, or -errno */
  registerChrdev(major: number, baseminor: number, count: number, name: string, fops: FileOperations, owner: ModuleRef | null): number {
    const cd = this.registerRegion(major, baseminor, count, name);
    if (typeof cd === 'number') return cd;
    const cdev = new Cdev(fops);
    cdev.owner = owner;
    const err = this.cdevAdd(cdev, MKDEV(cd.major, baseminor), count);
    if (err) {
      this.unregisterRegion(cd.major, baseminor, count);
      return err;
    }
    cd.cdev = cdev;
    return major ? 0 : cd.major;
  }

  /** __unregister_chrdev */
  unregisterChrdev(major: number, baseminor: number, count: number): void {
    const cd = this.unregisterRegion(major, baseminor, count);
    if (cd?.cdev) this.cdevDel(cd.cdev);
  }

  // see: drivers/base/map.c kobj_map
  cdevAdd(cdev: Cdev, dev: number, count: number): number {
    if (!Number.isInteger(count) || count < 1) return -EINVAL;
    cdev.dev = dev >>> 0;
    cdev.count = count;
    const n = Math.min(MAJOR(dev + count - 1) - MAJOR(dev) + 1, CHRDEV_MAJOR_HASH_SIZE);
    for (let i = 0, index = MAJOR(dev); i < n; i++, index++) {
      const list = this.probes[index % CHRDEV_MAJOR_HASH_SIZE]!;
      // sorted by range; a new probe goes in front of equal ranges, so the newest wins ties
      let at = 0;
      while (at < list.length && list[at]!.range < count) at++;
      list.splice(at, 0, { dev: cdev.dev, range: count, cdev });
    }
    cdev.live = true;
    return 0;
  }

  // see: drivers/base/map.c kobj_unmap
  cdevDel(cdev: Cdev): void {
    if (!cdev.live) return;
    const n = Math.min(MAJOR(cdev.dev + cdev.count - 1) - MAJOR(cdev.dev) + 1, CHRDEV_MAJOR_HASH_SIZE);
    for (let i = 0, index = MAJOR(cdev.dev); i < n; i++, index++) {
      const list = this.probes[index % CHRDEV_MAJOR_HASH_SIZE]!;
      const at = list.findIndex((p) => p.cdev === cdev && p.dev === cdev.dev && p.range === cdev.count);
      if (at >= 0) list.splice(at, 1);
    }
    cdev.live = false;
  }

  /** kobj_lookup: the smallest range containing dev; @returns the cdev or null */
  lookup(dev: number): Cdev | null {
    for (const p of this.probes[MAJOR(dev) % CHRDEV_MAJOR_HASH_SIZE]!) {
      if (p.dev > dev || p.dev + p.range - 1 < dev) continue;
      return p.cdev;
    }
    return null;
  }

  /** Lines of /proc/devices' "Character devices:" part: "%3d %s", one per region. */
  procDevices(): string[] {
    const all = this.chrdevs.flat().sort((a, b) => a.major - b.major || a.baseminor - b.baseminor);
    return all.map((cd) => `${String(cd.major).padStart(3)} ${cd.name}`);
  }
  /** Every registered region (for `vchardev ls` and tests). */
  regions(): CharDeviceStruct[] {
    return this.chrdevs.flat();
  }
}

/** What chrdev_open needs from the kernel: module pinning. */
export interface ModuleGetter {
  tryModuleGet(owner: ModuleRef | null | undefined): boolean;
}

// see: fs/char_dev.c chrdev_open
export function chrdevOpen(reg: ChrdevRegistry, mods: ModuleGetter, inode: Inode, file: File, cur: Task): number | Promise<number> {
  const cdev = reg.lookup(inode.rdev);
  if (!cdev) return -ENXIO;
  const owner = cdev.ops.owner ?? cdev.owner;
  if (!mods.tryModuleGet(owner)) return -ENXIO;
  file.owner = owner;
  file.fops = cdev.ops;
  return cdev.ops.open ? cdev.ops.open(inode, file, cur) : 0;
}
