// Which paths the bridge serves: the kernel's devices, classes, modules and /proc files, less
// what stays the host's (a shell's `> /dev/null` must not reach this kernel).
import type { KernelCore } from '../kernel/kernel.js';
import { ENOTDIR } from '../kernel/errno.js';
import { isLnk } from '../kernel/vfs.js';

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

/**
 * A path walked as Linux walks it, in this kernel's tree: `..` goes up from where the path really
 * is (a symlink is followed first; a component that is not a directory is -ENOTDIR), the last
 * component followed when `follow`. The walk may leave the kernel's tree (a component it does not
 * have): the rest is then the host's, appended as it is. @returns the path or -errno
 */
export function resolvePath(k: KernelCore, path: string, follow: boolean): string | number {
  const parts = path.split('/').filter((p) => p && p !== '.');
  let at = '/';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const here = k.vfs.lookup(at, true);
    if (typeof here === 'number') return here;
    if (!here.children) return -ENOTDIR;
    if (part === '..') {
      at = here.parent ? here.parent.path : '/';
      continue;
    }
    const next = at === '/' ? `/${part}` : `${at}/${part}`;
    const node = k.vfs.lookup(next, false);
    // not the kernel's: the host's from here on
    if (typeof node === 'number') return [next, ...parts.slice(i + 1)].join('/');
    const last = i === parts.length - 1;
    if (isLnk(node.mode) && (follow || !last)) {
      const real = k.vfs.lookup(next, true);
      if (typeof real === 'number') return real;
      at = real.path;
    } else {
      at = next;
    }
  }
  return at;
}
