// drivers/base/core.c + class.c + fs/sysfs: classes, devices, attributes and their devtmpfs
// nodes (chrdev-core §5). Generated files (sysfs attributes, procfs) read like seq_files.
import { EACCES, EEXIST, EFAULT, EINVAL, ENODEV } from './errno.js';
import { MAJOR, MINOR, formatDevt } from './devt.js';
import { O_ACCMODE, O_RDONLY, O_WRONLY, S_IFBLK, S_IFCHR, S_IFREG, type File, type FileOperations, type Inode, type Vfs } from './vfs.js';
import type { Task } from './task.js';

export const PAGE_SIZE = 4096;

export const latin1ToBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
export const bytesToLatin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};

/** struct device_attribute: show → text or -errno; store → bytes consumed or -errno. */
export interface DeviceAttribute {
  name: string;
  /** default: 0644 with both handlers, 0444 show only, 0200 store only (DEVICE_ATTR_RW/RO/WO) */
  mode?: number;
  show?(dev: Device, cur: Task): string | number;
  store?(dev: Device, text: string, cur: Task): number;
}

export class DeviceClass {
  readonly devices: Device[] = [];
  constructor(readonly name: string, readonly dir: Inode) {}
}

export interface DeviceCreateOptions {
  /** devtmpfs node mode bits (default 0o600) */
  mode?: number;
  uid?: number;
  gid?: number;
  /** node path under /dev when it differs from the device name */
  nodename?: string;
  /** a disk (class block): its node is a block device, its uevent says DEVTYPE=disk */
  block?: boolean;
}

/** struct device */
export class Device {
  readonly attrs = new Map<string, Inode>();
  node: Inode | null = null;
  constructor(
    readonly name: string,
    readonly cls: DeviceClass | null,
    readonly parent: Device | null,
    readonly devt: number,
    public drvdata: unknown,
    readonly dir: Inode,
    readonly opts: DeviceCreateOptions,
  ) {}
}

/** seq_file-like fops for a generated file: show runs at offset 0 of each open, store per write. */
export function seqFileFops(
  show: ((cur: Task) => string | number) | undefined,
  store: ((text: string, cur: Task) => number) | undefined,
  limit = PAGE_SIZE - 1,
): FileOperations {
  return {
    open(_inode: Inode, file: File) {
      const acc = file.flags & O_ACCMODE;
      // kernfs: a direction without a handler cannot be opened, even by root
      if (acc !== O_WRONLY && !show) return -EACCES;
      if (acc !== O_RDONLY && !store) return -EACCES;
      return 0;
    },
    read(file: File, ubuf: number, count: number, cur: Task) {
      // kernfs_get_active fails once the node is removed: the show may belong to a gone module
      if (file.inode.nlink === 0) return -ENODEV;
      // seq_read: a read from anywhere but where the last one ended (a seek, a pread) shows again
      if (file.pos === 0 || !file.seqBuf || file.pos !== file.seqPos) {
        const r = show!(cur);
        if (typeof r === 'number') return r < 0 ? r : -EINVAL;
        let bytes = latin1ToBytes(r);
        // sysfs_kf_seq_show clamps an overlong show to PAGE_SIZE - 1
        if (bytes.length > limit) bytes = bytes.subarray(0, limit);
        file.seqBuf = bytes;
      }
      const avail = Math.max(0, file.seqBuf.length - file.pos);
      const n = Math.min(count, avail);
      if (n === 0) return 0;
      if (cur.copyToUser(ubuf, file.seqBuf.subarray(file.pos, file.pos + n), n)) return -EFAULT;
      file.pos += n;
      file.seqPos = file.pos;
      return n;
    },
    write(file: File, ubuf: number, count: number, cur: Task) {
      if (file.inode.nlink === 0) return -ENODEV;
      if (count === 0) return 0;
      // kernfs copies at most a page and NUL-terminates; store runs whatever the offset
      const len = Math.min(count, PAGE_SIZE);
      const buf = new Uint8Array(len);
      if (cur.copyFromUser(buf, ubuf, len)) return -EFAULT;
      const r = store!(bytesToLatin1(buf), cur);
      if (r > 0) file.pos += r;
      return r;
    },
    llseek(file: File, offset: number, whence: number) {
      const size = file.seqBuf?.length ?? 0;
      const pos = whence === 0 ? offset : whence === 1 ? file.pos + offset : whence === 2 ? size + offset : -1;
      if (!Number.isSafeInteger(pos) || pos < 0) return -EINVAL;
      file.pos = pos;
      return pos;
    },
  };
}

export class DeviceModel {
  private readonly classes = new Map<string, DeviceClass>();
  /** devices without a class (bus devices, platform devices) by sysfs path */
  private readonly busDevices: Device[] = [];

  constructor(private readonly vfs: Vfs) {
    for (const d of ['/dev', '/sys/class', '/sys/devices/virtual', '/sys/module', '/sys/bus', '/proc']) vfs.mkdirP(d);
  }

  /** class_create; @returns the class or -EEXIST */
  classCreate(name: string): DeviceClass | number {
    if (!name || name.includes('/')) return -EINVAL;
    if (this.classes.has(name)) return -EEXIST;
    const dir = this.vfs.mkdirP(`/sys/class/${name}`);
    if (typeof dir === 'number') return dir;
    const cls = new DeviceClass(name, dir);
    this.classes.set(name, cls);
    return cls;
  }

  /** class_destroy: devices still in it are destroyed too (Linux warns; we clean up). */
  classDestroy(cls: DeviceClass): void {
    if (this.classes.get(cls.name) !== cls) return;
    for (const d of [...cls.devices]) this.deviceUnregister(d);
    this.vfs.unlink(cls.dir);
    this.vfs.remove(`/sys/devices/virtual/${cls.name}`);
    this.classes.delete(cls.name);
  }

  getClass(name: string): DeviceClass | undefined {
    return this.classes.get(name);
  }
  allClasses(): DeviceClass[] {
    return [...this.classes.values()];
  }

  /**
   * device_create: sysfs dir with dev/uevent, /sys/class/<c>/<name> link and, when MAJOR != 0,
   * a devtmpfs node. @returns the device or -EEXIST
   */
  deviceCreate(cls: DeviceClass, parent: Device | null, devt: number, drvdata: unknown, name: string, opts: DeviceCreateOptions = {}): Device | number {
    if (!name || name.includes('/')) return -EINVAL;
    if (cls.devices.some((d) => d.name === name)) return -EEXIST;
    // get_device_parent: no parent → devices/virtual/<class>; a classless (bus) parent → a
    // glue directory named after the class; a class-device parent → directly below it
    const base = !parent ? `/sys/devices/virtual/${cls.name}` : parent.cls ? parent.dir.path : `${parent.dir.path}/${cls.name}`;
    const dirPath = `${base}/${name}`;
    if (typeof this.vfs.lookup(dirPath, false) !== 'number') return -EEXIST;
    const dir = this.vfs.mkdirP(dirPath);
    if (typeof dir === 'number') return dir;
    const dev = new Device(name, cls, parent, devt >>> 0, drvdata, dir, opts);
    const nodeName = opts.nodename ?? name;
    if (MAJOR(devt) !== 0) {
      const mode = opts.mode ?? 0o600;
      const node = this.vfs.create(`/dev/${nodeName}`, (opts.block ? S_IFBLK : S_IFCHR) | (mode & 0o7777), devt >>> 0, opts.uid ?? 0, opts.gid ?? 0);
      if (typeof node === 'number') {
        this.vfs.unlink(dir);
        return node;
      }
      dev.node = node;
    }
    if (MAJOR(devt) !== 0) this.addFile(dev, 'dev', 0o444, () => `${formatDevt(devt)}\n`);
    this.addFile(dev, 'uevent', 0o644, () => {
      if (MAJOR(devt) === 0) return '';
      let s = `MAJOR=${MAJOR(devt)}\nMINOR=${MINOR(devt)}\nDEVNAME=${nodeName}\n`;
      if (opts.block) s += 'DEVTYPE=disk\n';
      else if (opts.mode !== undefined) s += `DEVMODE=0${(opts.mode & 0o7777).toString(8)}\n`;
      return s;
    }, (text) => text.length); // writing uevent asks for a synthetic event: accepted, nothing to send
    const rel = '../../' + dirPath.slice('/sys/'.length);
    this.vfs.symlink(`/sys/class/${cls.name}/${name}`, rel);
    cls.devices.push(dev);
    return dev;
  }

  /** device_destroy: the first device of the class with that devt; unknown devt is a no-op. */
  deviceDestroy(cls: DeviceClass, devt: number): void {
    const dev = cls.devices.find((d) => d.devt === devt >>> 0);
    if (dev) this.deviceUnregister(dev);
  }

  /** device_register for a classless device (a bus device) at /sys/devices/<root>/.../<name>. */
  deviceRegister(name: string, parent: Device | null, root = 'platform'): Device | number {
    const dirPath = parent ? `${parent.dir.path}/${name}` : `/sys/devices/${root}/${name}`;
    if (typeof this.vfs.lookup(dirPath, false) !== 'number') return -EEXIST;
    const dir = this.vfs.mkdirP(dirPath);
    if (typeof dir === 'number') return dir;
    const dev = new Device(name, null, parent, 0, null, dir, {});
    this.addFile(dev, 'uevent', 0o644, () => '', (text) => text.length);
    this.busDevices.push(dev);
    return dev;
  }

  deviceUnregister(dev: Device): void {
    if (dev.cls) {
      const i = dev.cls.devices.indexOf(dev);
      if (i < 0) return;
      dev.cls.devices.splice(i, 1);
      this.vfs.remove(`/sys/class/${dev.cls.name}/${dev.name}`);
    } else {
      const i = this.busDevices.indexOf(dev);
      if (i < 0) return;
      this.busDevices.splice(i, 1);
    }
    if (dev.node) {
      const parentDir = dev.node.parent;
      this.vfs.unlink(dev.node);
      this.vfs.pruneEmpty(parentDir, this.vfs.lookup('/dev') as Inode);
      dev.node = null;
    }
    const up = dev.dir.parent;
    this.vfs.unlink(dev.dir);
    this.vfs.pruneEmpty(up, this.vfs.lookup('/sys/devices') as Inode);
  }

  /** device_create_file: @returns 0 or -EEXIST */
  deviceCreateFile(dev: Device, attr: DeviceAttribute): number {
    if (dev.attrs.has(attr.name)) return -EEXIST;
    const mode = attr.mode ?? ((attr.show ? 0o444 : 0) | (attr.store ? 0o200 : 0));
    const show = attr.show && ((cur: Task) => attr.show!(dev, cur));
    const store = attr.store && ((text: string, cur: Task) => attr.store!(dev, text, cur));
    return this.addFile(dev, attr.name, mode, show, store);
  }
  deviceRemoveFile(dev: Device, name: string): void {
    const node = dev.attrs.get(name);
    if (node) {
      this.vfs.unlink(node);
      dev.attrs.delete(name);
    }
  }

  /** sysfs_create_link: a symlink `name` in dev's directory to target's (removed with dev). */
  createLink(dev: Device, name: string, target: Device): number {
    if (!name || name.includes('/') || dev.attrs.has(name)) return -EINVAL;
    // relative, as sysfs makes them: up to the common ancestor, then down to the target
    const from = dev.dir.path.split('/').filter(Boolean);
    const to = target.dir.path.split('/').filter(Boolean);
    let common = 0;
    while (common < from.length && common < to.length && from[common] === to[common]) common++;
    const rel = `${'../'.repeat(from.length - common)}${to.slice(common).join('/')}`;
    const node = this.vfs.symlink(`${dev.dir.path}/${name}`, rel);
    if (typeof node === 'number') return node;
    dev.attrs.set(name, node);
    return 0;
  }

  /** A generated file anywhere (procfs, /sys/module): show at open, optional store. */
  createGeneratedFile(path: string, mode: number, show?: (cur: Task) => string | number, store?: (text: string, cur: Task) => number, limit?: number): Inode | number {
    const node = this.vfs.create(path, S_IFREG | mode);
    if (typeof node === 'number') return node;
    node.fops = seqFileFops(show, store, limit);
    return node;
  }

  private addFile(dev: Device, name: string, mode: number, show?: (cur: Task) => string | number, store?: (text: string, cur: Task) => number): number {
    const node = this.createGeneratedFile(`${dev.dir.path}/${name}`, mode, show, store);
    if (typeof node === 'number') return node;
    node.kobj = dev;
    dev.attrs.set(name, node);
    return 0;
  }
}
