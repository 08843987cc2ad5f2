// drivers/char/mem.c: /dev/null, /dev/zero and /dev/full on major 1 (minors 3, 5, 7).
import { defineModule } from '../../kernel/module.js';
import { EFAULT, EINVAL, ENOSPC, ENXIO } from '../../kernel/errno.js';
import { MKDEV } from '../../kernel/devt.js';
import { isErr } from '../../kernel/errno.js';
import { SEEK_SET, SEEK_CUR, type FileOperations } from '../../kernel/vfs.js';
import type { DeviceClass } from '../../kernel/device.js';

export const MEM_MAJOR = 1;
const ZERO_PAGE = new Uint8Array(4096);

// read_null/write_null; /dev/null and /dev/zero seek to 0 (null_lseek / noop-ish behaviour)
const memLseek = (file: { pos: number }, offset: number, whence: number) => {
  if (whence !== SEEK_SET && whence !== SEEK_CUR) return -EINVAL;
  return (file.pos = 0);
};

const nullFops: FileOperations = {
  read: () => 0,
  write: (_f, _u, count) => count,
  llseek: memLseek,
};

// read_iter_zero: fills the user buffer a page at a time; a fault after progress is a short read
const zeroRead: FileOperations['read'] = (_file, ubuf, count, cur) => {
  let done = 0;
  while (done < count) {
    const chunk = Math.min(count - done, ZERO_PAGE.length);
    const left = cur.copyToUser(ubuf + done, ZERO_PAGE, chunk);
    done += chunk - left;
    if (left) return done ? done : -EFAULT;
    if (done < count && cur.signalPending()) break;
  }
  return done;
};

const zeroFops: FileOperations = { read: zeroRead, write: (_f, _u, count) => count, llseek: memLseek };
const fullFops: FileOperations = { read: zeroRead, write: () => -ENOSPC, llseek: memLseek };

const DEVLIST: ReadonlyArray<readonly [number, string, FileOperations]> = [
  [3, 'null', nullFops],
  [5, 'zero', zeroFops],
  [7, 'full', fullFops],
];

export const mem = defineModule({
  name: 'mem',
  description: 'drivers/char/mem.c: /dev/null, /dev/zero, /dev/full',
  async init(k) {
    // memory_open dispatches by minor to the per-device fops
    const r = k.registerChrdev(MEM_MAJOR, 'mem', {
      open(inode, file) {
        const entry = DEVLIST.find(([minor]) => minor === (inode.rdev & 0xfffff));
        if (!entry) return -ENXIO;
        file.fops = { ...entry[2], owner: file.fops.owner };
        return 0;
      },
    });
    if (r < 0) return r;
    const cls = k.classCreate('mem');
    if (isErr(cls)) {
      k.unregisterChrdev(MEM_MAJOR, 'mem');
      return cls;
    }
    for (const [minor, name] of DEVLIST) k.deviceCreate(cls, null, MKDEV(MEM_MAJOR, minor), null, name, { mode: 0o666 });
    k.state = { cls };
    return 0;
  },
  exit(k) {
    const cls = (k.state as { cls: DeviceClass }).cls;
    for (const [minor] of DEVLIST) k.deviceDestroy(cls, MKDEV(MEM_MAJOR, minor));
    k.classDestroy(cls);
    k.unregisterChrdev(MEM_MAJOR, 'mem');
  },
});

