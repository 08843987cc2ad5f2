// drivers/char/misc.c: one major (10) shared by small devices, minors per era (chrdev-core §4).
import { EBUSY, EINVAL, ENODEV, ENXIO, isErr } from './errno.js';
import { MKDEV, MINOR, MINORMASK } from './devt.js';
import { Ida } from './ida.js';
import type { ChrdevRegistry, ModuleGetter } from './chrdev.js';
import type { DeviceModel, Device, DeviceClass } from './device.js';
import type { File, FileOperations, Inode } from './vfs.js';
import type { Task } from './task.js';

export const MISC_MAJOR = 10;
export const MISC_DYNAMIC_MINOR = 255;
const DYNAMIC_MINORS_3X = 64;

export type MiscEra = 'modern' | '3.x';

/** struct miscdevice */
export interface MiscDevice {
  minor: number;
  name: string;
  fops: FileOperations;
  parent?: Device | null;
  /** node mode, e.g. 0o666; default 0600 */
  mode?: number;
  nodename?: string;
  /** set by miscRegister */
  thisDevice?: Device | null;
}

export class MiscRegistry {
  private readonly list: MiscDevice[] = [];
  private readonly ida = new Ida();
  /** 3.x: bit i set = dynamic minor 63 - i in use */
  private readonly bitmap = new Uint8Array(DYNAMIC_MINORS_3X);
  readonly cls: DeviceClass;

  constructor(
    readonly era: MiscEra,
    private readonly devices: DeviceModel,
    chrdevs: ChrdevRegistry,
    private readonly mods: ModuleGetter,
  ) {
    const cls = devices.classCreate('misc');
    if (isErr(cls)) throw new Error('misc class exists at boot');
    this.cls = cls;
    const count = era === 'modern' ? MINORMASK + 1 : 256;
    const r = chrdevs.registerChrdev(MISC_MAJOR, 0, count, 'misc', { open: (i, f, c) => this.open(i, f, c) }, null);
    if (r < 0) throw new Error(`misc: cannot register major ${MISC_MAJOR}: ${r}`);
  }

  /** misc_register: @returns 0, -EINVAL (modern fixed minor > 255), -EBUSY, or a device error */
  register(misc: MiscDevice): number {
    if (misc.minor === MISC_DYNAMIC_MINOR) {
      const r = this.allocDynamic();
      if (r < 0) return r;
      misc.minor = r;
    } else {
      if (this.era === 'modern' && (misc.minor > 255 || misc.minor < 0)) return -EINVAL;
      if (this.list.some((m) => m.minor === misc.minor)) return -EBUSY;
    }
    const dev = this.devices.deviceCreate(this.cls, misc.parent ?? null, MKDEV(MISC_MAJOR, misc.minor), misc, misc.name, {
      mode: misc.mode,
      nodename: misc.nodename,
    });
    if (isErr(dev)) {
      this.freeDynamic(misc.minor);
      misc.minor = MISC_DYNAMIC_MINOR;
      return dev;
    }
    misc.thisDevice = dev;
    this.list.unshift(misc);
    return 0;
  }

  /** misc_deregister */
  deregister(misc: MiscDevice): void {
    const i = this.list.indexOf(misc);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.devices.deviceDestroy(this.cls, MKDEV(MISC_MAJOR, misc.minor));
    misc.thisDevice = null;
    this.freeDynamic(misc.minor);
  }

  find(minor: number): MiscDevice | undefined {
    return this.list.find((m) => m.minor === minor);
  }
  all(): readonly MiscDevice[] {
    return this.list;
  }

  // see: drivers/char/misc.c misc_open — private_data is set before the driver's open
  private open(inode: Inode, file: File, cur: Task): number | Promise<number> {
    const misc = this.find(MINOR(inode.rdev));
    if (!misc) return -ENODEV;
    if (!this.mods.tryModuleGet(misc.fops.owner)) return -ENXIO;
    file.owner = misc.fops.owner ?? null;
    file.privateData = misc;
    file.fops = misc.fops;
    return misc.fops.open ? misc.fops.open(inode, file, cur) : 0;
  }

  private allocDynamic(): number {
    if (this.era === 'modern') {
      const r = this.ida.allocRange(MISC_DYNAMIC_MINOR + 1, MINORMASK);
      return r < 0 ? -EBUSY : r;
    }
    // 3.x: first free bit i gives minor 63 - i; fixed users of 0..63 are not checked (observed)
    const i = this.bitmap.indexOf(0);
    if (i < 0) return -EBUSY;
    this.bitmap[i] = 1;
    return DYNAMIC_MINORS_3X - i - 1;
  }
  private freeDynamic(minor: number): void {
    if (this.era === 'modern') {
      if (minor > MISC_DYNAMIC_MINOR) this.ida.free(minor);
    } else if (minor < DYNAMIC_MINORS_3X) {
      this.bitmap[DYNAMIC_MINORS_3X - minor - 1] = 0;
    }
  }
}
