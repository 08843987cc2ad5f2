// Which paths the bridge serves: the kernel's devices, classes, modules and /proc files, less
// what stays the host's (a shell's `> /dev/null` must not reach this kernel).
import type { KernelCore } from '../kernel/kernel.js';

const HOST_DEVICES = new Set(['null', 'zero', 'full']);
const HOST_CLASSES = new Set(['mem']);
/** classes the host has too: only this kernel's own devices in them are served */
const SHARED_CLASSES = new Set(['block']);
const BUILTIN_MODULES = new Set(['mem']);
const SERVED_PROC = ['/proc/devices', '/proc/misc', '/proc/modules', '/proc/partitions'];

/** The prefixes a program sees from this kernel, as it is now. */
export function servedPaths(k: KernelCore): string[] {
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
