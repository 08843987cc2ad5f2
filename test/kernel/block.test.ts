// The block layer (block.ts): register_blkdev, add_disk/del_gendisk, the block device file and
// block/ioctl.c, on a RAM disk module whose request function copies frames to an array.
import { describe, it, expect, afterEach } from 'vitest';
import {
  Kernel, KernelError, defineModule, O_RDONLY, O_RDWR, O_WRONLY, S_IFBLK, S_IFMT, MAJOR, MINOR, CAP_SYS_ADMIN,
  BLKROSET, BLKROGET, BLKGETSIZE, BLKFLSBUF, BLKSSZGET, BLKPBSZGET, BLKBSZGET, BLKGETSIZE64, GENHD_FL_EXT_DEVT,
  type Gendisk, type ModuleApi, type Process,
} from '../../src/index.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

const errno = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e instanceof KernelError ? e.code : `not a KernelError: ${String(e)}`;
  }
  return 'no error';
};

interface Ram {
  data: Uint8Array;
  disks: Gendisk[];
  major: number;
  opens: number;
  releases: number;
  requests: Array<{ write: boolean; sector: number; bytes: number }>;
  /** request number `at` (0-based) fails with errno */
  fail: { at: number; errno: number } | null;
}

/** brd in miniature: `n` disks of `sectors` each, logical block size `lbs` */
function ramdisk(st: Ram, opts: { sectors: number; lbs: number; n?: number; ext?: boolean; maxHw?: number }) {
  return defineModule({
    name: 'ram',
    init(k: ModuleApi) {
      const major = k.registerBlkdev(0, 'ram');
      if (major < 0) return major;
      st.major = major;
      for (let i = 0; i < (opts.n ?? 1); i++) {
        const disk = k.addDisk({
          diskName: `ram${i}`, major, firstMinor: opts.ext ? 0 : i, minors: opts.ext ? 0 : 1, flags: opts.ext ? GENHD_FL_EXT_DEVT : 0,
          parent: null, privateData: null, capacity: opts.sectors, logicalBlockSize: opts.lbs, maxHwSectors: opts.maxHw ?? 256, nonRotational: false,
          fops: {
            open() {
              st.opens++;
              return 0;
            },
            release() {
              st.releases++;
            },
            ioctl(_d, _f, cmd) {
              return cmd === 0x5201 ? 77 : -25; // a private command, else -ENOTTY
            },
          },
          submit: async (write, sector, pfns, bytes) => {
            st.requests.push({ write, sector, bytes });
            if (st.fail && st.requests.length - 1 === st.fail.at) return st.fail.errno;
            const base = i * opts.sectors * 512 + sector * 512;
            for (let o = 0, p = 0; o < bytes; o += 4096, p++) {
              const n = Math.min(4096, bytes - o);
              const frame = k.phys.u8.subarray(pfns[p]! * 4096, pfns[p]! * 4096 + n);
              if (write) st.data.set(frame, base + o);
              else frame.set(st.data.subarray(base + o, base + o + n));
            }
            return 0;
          },
        });
        if (typeof disk === 'number') return disk;
        st.disks.push(disk);
      }
      return 0;
    },
    exit(k: ModuleApi) {
      for (const d of st.disks) k.delGendisk(d);
      k.unregisterBlkdev(st.major, 'ram');
    },
  });
}

async function boot(opts: { sectors: number; lbs: number; n?: number; ext?: boolean; maxHw?: number }) {
  const st: Ram = { data: new Uint8Array(opts.sectors * 512 * (opts.n ?? 1)), disks: [], major: 0, opens: 0, releases: 0, requests: [], fail: null };
  k = await Kernel.boot({ clock: 'virtual', modules: { ram: ramdisk(st, opts) } });
  await k.insmod('ram');
  return { st, p: k.spawn() };
}

const text = async (p: Process, path: string) => {
  const fd = await p.open(path, O_RDONLY);
  const buf = p.mmap(4096);
  const n = await p.read(fd, buf, 4096);
  await p.close(fd);
  return new TextDecoder().decode(p.peek(buf, n));
};

describe('register_blkdev and /proc/devices', () => {
  it('hands out 254 first, lists blkext (259) before it by hash slot, and refuses a taken major', async () => {
    const { p } = await boot({ sectors: 64, lbs: 512 });
    expect(await text(p, '/proc/devices')).toMatch(/Block devices:\n259 blkext\n254 ram\n$/);
    const mod = defineModule({
      name: 'two',
      init(k: ModuleApi) {
        const m = k.registerBlkdev(0, 'two');
        expect(m).toBe(253);
        expect(k.registerBlkdev(m, 'again')).toBe(-16); // EBUSY
        expect(k.registerBlkdev(8, 'sd')).toBe(0);
        expect(k.registerBlkdev(4096, 'big')).toBe(-22);
        return 0;
      },
    });
    await k.insmod(mod);
    // 8 % 255 = 8 sorts after 259 % 255 = 4 and before 253, 254
    expect(await text(p, '/proc/devices')).toMatch(/Block devices:\n259 blkext\n  8 sd\n253 two\n254 ram\n$/);
  });
});

describe('add_disk', () => {
  it('makes a block node 0660 root:disk, sysfs with the disk attributes and queue limits, /sys/block and /proc/partitions', async () => {
    const { st, p } = await boot({ sectors: 2048, lbs: 512, n: 2 });
    const node = p.stat('/dev/ram1');
    expect(node.mode & S_IFMT).toBe(S_IFBLK);
    expect(node.mode & 0o7777).toBe(0o660);
    expect([node.uid, node.gid, MAJOR(node.rdev), MINOR(node.rdev)]).toEqual([0, 6, st.major, 1]);
    const dir = '/sys/devices/virtual/block/ram1';
    expect(await text(p, `${dir}/dev`)).toBe(`${st.major}:1\n`);
    expect(await text(p, `${dir}/size`)).toBe('2048\n');
    expect(await text(p, `${dir}/range`)).toBe('1\n');
    expect(await text(p, `${dir}/ext_range`)).toBe('1\n');
    expect(await text(p, `${dir}/ro`)).toBe('0\n');
    expect(await text(p, `${dir}/removable`)).toBe('0\n');
    // add_disk sets GENHD_FL_UP (0x10)
    expect(await text(p, `${dir}/capability`)).toBe('10\n');
    expect(await text(p, `${dir}/uevent`)).toBe(`MAJOR=${st.major}\nMINOR=1\nDEVNAME=ram1\nDEVTYPE=disk\n`);
    expect(await text(p, `${dir}/queue/logical_block_size`)).toBe('512\n');
    expect(await text(p, `${dir}/queue/max_hw_sectors_kb`)).toBe('128\n');
    expect(await text(p, `${dir}/queue/rotational`)).toBe('1\n');
    expect(await text(p, '/sys/block/ram1/size')).toBe('2048\n');
    expect(await text(p, '/sys/class/block/ram0/size')).toBe('2048\n');
    expect(await text(p, '/proc/partitions')).toBe(
      `major minor  #blocks  name\n\n ${st.major}        0       1024 ram0\n ${st.major}        1       1024 ram1\n`,
    );
  });

  it('a disk with no minors of its own takes BLOCK_EXT_MAJOR 259 and the lowest free minor; del_gendisk gives it back', async () => {
    const { st, p } = await boot({ sectors: 64, lbs: 512, n: 2, ext: true });
    expect([MAJOR(p.stat('/dev/ram0').rdev), MINOR(p.stat('/dev/ram0').rdev), MINOR(p.stat('/dev/ram1').rdev)]).toEqual([259, 0, 1]);
    expect(await text(p, '/sys/block/ram0/ext_range')).toBe('256\n');
    expect(await text(p, '/sys/block/ram0/capability')).toBe('50\n');
    await k.rmmod('ram');
    expect(await errno(p.open('/dev/ram0', O_RDONLY))).toBe('ENOENT');
    expect(p.readdir('/sys/block')).toEqual([]);
    expect(await text(p, '/proc/partitions')).toBe('');
    expect(await text(p, '/proc/devices')).toMatch(/Block devices:\n259 blkext\n$/);
    st.disks.length = 0;
    await k.insmod('ram');
    expect(MINOR(p.stat('/dev/ram0').rdev)).toBe(0);
  });

  it('refuses an unregistered major, a bad name or block size, and a dev_t in use', async () => {
    const { st } = await boot({ sectors: 64, lbs: 512 });
    const results: number[] = [];
    await k.insmod(defineModule({
      name: 'bad',
      init(k: ModuleApi) {
        const base = { diskName: 'x', major: st.major, firstMinor: 5, minors: 1, flags: 0, parent: null, privateData: null, capacity: 8, logicalBlockSize: 512, maxHwSectors: 8, nonRotational: true, fops: {}, submit: async () => 0 };
        for (const d of [{ major: 99 }, { diskName: 'a/b' }, { logicalBlockSize: 1000 }, { logicalBlockSize: 8192 }, { firstMinor: 0 }, { minors: 0 }, { capacity: -1 }]) {
          results.push(k.addDisk({ ...base, ...d }) as number);
        }
        return 0;
      },
    }));
    expect(results).toEqual([-22, -22, -22, -22, -16, -22, -22]);
  });
});

describe('the block device file', () => {
  it('reads and writes at any offset: a partial block is read, changed and written back', async () => {
    const { st, p } = await boot({ sectors: 64, lbs: 4096 });
    st.data.fill(0xaa);
    const fd = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(3 * 4096);
    p.poke(buf, new Uint8Array(5000).fill(0x11));
    expect(await p.lseek(fd, 4000, 0)).toBe(4000);
    st.requests.length = 0;
    expect(await p.write(fd, buf, 5000)).toBe(5000);
    // one request of 8 KiB: read first (the edges are partial blocks), then written
    expect(st.requests).toEqual([{ write: false, sector: 0, bytes: 12288 }, { write: true, sector: 0, bytes: 12288 }]);
    expect(st.data.subarray(3990, 4000).every((b) => b === 0xaa)).toBe(true);
    expect(st.data.subarray(4000, 9000).every((b) => b === 0x11)).toBe(true);
    expect(st.data[9000]).toBe(0xaa);
    expect(await p.lseek(fd, 0, 1)).toBe(9000);
    await p.lseek(fd, 3999, 0);
    expect(await p.read(fd, buf, 5002)).toBe(5002);
    expect([...p.peek(buf, 3)]).toEqual([0xaa, 0x11, 0x11]);
    expect([...p.peek(buf + 5000, 2)]).toEqual([0x11, 0xaa]);
    // an aligned write of whole blocks is not read first
    await p.lseek(fd, 8192, 0);
    st.requests.length = 0;
    await p.write(fd, buf, 4096);
    expect(st.requests).toEqual([{ write: true, sector: 16, bytes: 4096 }]);
    await p.close(fd);
  });

  it('stops at the end: read 0, write ENOSPC, a write across the end is cut; llseek past the end is EINVAL', async () => {
    const { p } = await boot({ sectors: 16, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(8192);
    expect(await p.lseek(fd, 0, 2)).toBe(8192);
    expect(await p.read(fd, buf, 10)).toBe(0);
    expect(await errno(p.write(fd, buf, 1))).toBe('ENOSPC');
    expect(await p.write(fd, buf, 0)).toBe(0);
    expect(await errno(p.lseek(fd, 1, 2))).toBe('EINVAL');
    expect(await errno(p.lseek(fd, -1, 0))).toBe('EINVAL');
    expect(await errno(p.lseek(fd, 0, 3))).toBe('EINVAL');
    await p.lseek(fd, 8000, 0);
    expect(await p.write(fd, buf, 1000)).toBe(192);
    await p.lseek(fd, 8000, 0);
    expect(await p.read(fd, buf, 1000)).toBe(192);
    await p.close(fd);
  });

  it('a request larger than 128 KiB is split; a bad buffer is EFAULT, and after a copied part its length', async () => {
    const { st, p } = await boot({ sectors: 1024, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(300 * 1024);
    st.requests.length = 0;
    expect(await p.read(fd, buf, 300 * 1024)).toBe(300 * 1024);
    expect(st.requests.map((r) => r.bytes)).toEqual([131072, 131072, 45056]);
    await p.lseek(fd, 0, 0);
    expect(await errno(p.read(fd, 0x10, 512))).toBe('EFAULT');
    // the mapping ends 300 KiB in: the copy stops there, as copy_to_user does
    const free0 = k.phys.freeFrames;
    expect(await p.read(fd, buf + 200 * 1024, 256 * 1024)).toBe(100 * 1024);
    expect(await p.lseek(fd, 0, 1)).toBe(100 * 1024);
    // a write from the same buffer writes what could be copied, read-modify-write at its end
    await p.lseek(fd, 1000, 0);
    p.poke(buf + 299 * 1024, new Uint8Array(1024).fill(7));
    expect(await p.write(fd, buf + 299 * 1024, 4096)).toBe(1024);
    expect([st.data[999], st.data[1000], st.data[2023], st.data[2024]]).toEqual([0, 7, 7, 0]);
    expect(k.phys.freeFrames).toBe(free0);
    await p.close(fd);
  });

  it('a failed request is its errno, or the bytes moved before it', async () => {
    const { st, p } = await boot({ sectors: 1024, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(256 * 1024);
    const free0 = k.phys.freeFrames;
    st.requests.length = 0;
    st.fail = { at: 0, errno: -5 };
    expect(await errno(p.read(fd, buf, 512))).toBe('EIO');
    expect(await p.lseek(fd, 0, 1)).toBe(0);
    st.requests.length = 0;
    expect(await errno(p.write(fd, buf, 512))).toBe('EIO');
    // the second 128 KiB request fails: the first one's bytes are the result
    st.requests.length = 0;
    st.fail = { at: 1, errno: -5 };
    expect(await p.read(fd, buf, 200 * 1024)).toBe(128 * 1024);
    expect(await p.lseek(fd, 0, 1)).toBe(128 * 1024);
    expect(k.phys.freeFrames).toBe(free0);
    await p.close(fd);
  });

  it('block/ioctl.c answers the size and geometry commands before the driver sees anything else', async () => {
    const { p } = await boot({ sectors: 2 * 1024 * 1024, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_RDONLY);
    const out = p.mmap(4096);
    const u16 = () => new DataView(p.peek(out, 2).buffer).getUint16(0, true);
    const u32 = () => new DataView(p.peek(out, 4).buffer).getUint32(0, true);
    const u64 = () => new DataView(p.peek(out, 8).buffer).getBigUint64(0, true);
    expect(await p.ioctl(fd, BLKGETSIZE64, out)).toBe(0);
    expect(u64()).toBe(1n << 30n);
    expect(await p.ioctl(fd, BLKGETSIZE, out)).toBe(0);
    expect(u64()).toBe(2n * 1024n * 1024n);
    await p.ioctl(fd, BLKSSZGET, out);
    expect(u32()).toBe(512);
    await p.ioctl(fd, BLKPBSZGET, out);
    expect(u32()).toBe(512);
    // bd_set_size: the largest power of two up to a page that divides the size
    await p.ioctl(fd, BLKBSZGET, out);
    expect(u32()).toBe(4096);
    await p.ioctl(fd, BLKROGET, out);
    expect(u32()).toBe(0);
    // max_sectors: min(max_hw_sectors 256, BLK_DEF_MAX_SECTORS 1024)
    await p.ioctl(fd, 0x1267 /* BLKSECTGET */, out);
    expect(u16()).toBe(256);
    await p.ioctl(fd, 0x1263 /* BLKRAGET */, out);
    expect(u64()).toBe(256n);
    expect(await errno(p.ioctl(fd, 0x1263, 0))).toBe('EINVAL');
    expect(await p.ioctl(fd, 0x5201, 0)).toBe(77);
    expect(await errno(p.ioctl(fd, 0x5202, 0))).toBe('ENOTTY');
    expect(await errno(p.ioctl(fd, BLKGETSIZE64, 0x10))).toBe('EFAULT');
    await p.close(fd);
  });

  it('BLKROSET and BLKFLSBUF need CAP_SYS_ADMIN; a read-only disk refuses writes with EPERM', async () => {
    const { p } = await boot({ sectors: 64, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_RDWR);
    const arg = p.mmap(4096);
    p.poke(arg, new Uint8Array([1, 0, 0, 0]));
    expect(await p.ioctl(fd, BLKFLSBUF, 0)).toBe(0);
    expect(await p.ioctl(fd, BLKROSET, arg)).toBe(0);
    expect(await text(p, '/sys/block/ram0/ro')).toBe('1\n');
    expect(await errno(p.write(fd, arg, 512))).toBe('EPERM');
    expect(await p.read(fd, arg, 512)).toBe(512);
    expect(await errno(p.ioctl(fd, BLKROSET, 0x10))).toBe('EFAULT');
    // a user holding CAP_SYS_ADMIN may set it back
    const admin = k.spawn({ uid: 1000, gid: 6, caps: [CAP_SYS_ADMIN] });
    const afd = await admin.open('/dev/ram0', O_RDWR);
    const zero = admin.mmap(4096);
    expect(await admin.ioctl(afd, BLKROSET, zero)).toBe(0);
    expect(await admin.write(afd, zero, 512)).toBe(512);
    await admin.close(afd);
    await p.close(fd);
  });

  it('a user without CAP_SYS_ADMIN gets EACCES from BLKROSET and BLKFLSBUF; the node itself is 0660 root:disk', async () => {
    const { p } = await boot({ sectors: 64, lbs: 512 });
    const disk = k.spawn({ uid: 1000, gid: 6, caps: [] });
    const fd = await disk.open('/dev/ram0', O_RDWR);
    const arg = disk.mmap(4096);
    expect(await errno(disk.ioctl(fd, BLKROSET, arg))).toBe('EACCES');
    expect(await errno(disk.ioctl(fd, BLKFLSBUF, 0))).toBe('EACCES');
    await disk.close(fd);
    const other = k.spawn({ uid: 1000, gid: 1000, caps: [] });
    expect(await errno(other.open('/dev/ram0', O_RDONLY))).toBe('EACCES');
    expect(await p.open('/dev/ram0', O_RDONLY)).toBeGreaterThan(0);
  });

  it('an open file pins the module; after del_gendisk it reads EIO, new opens fail, and close still releases', async () => {
    const { st, p } = await boot({ sectors: 64, lbs: 512 });
    const fd = await p.open('/dev/ram0', O_WRONLY);
    expect(st.opens).toBe(1);
    expect(await errno(k.rmmod('ram'))).toBe('EBUSY');
    k.modules.get('ram')!.k.delGendisk(st.disks[0]!);
    expect(await errno(p.write(fd, p.mmap(4096), 512))).toBe('EIO');
    expect(await errno(p.open('/dev/ram0', O_RDONLY))).toBe('ENOENT');
    await p.close(fd);
    expect(st.releases).toBe(1);
    await k.rmmod('ram');
  });

  it('concurrent writes of parts of one block both land (a read-modify-write holds the disk)', async () => {
    const { st, p } = await boot({ sectors: 64, lbs: 4096 });
    const a = await p.open('/dev/ram0', O_RDWR);
    const b = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(4096);
    p.poke(buf, new Uint8Array([0x41, 0x42]));
    await p.lseek(b, 1, 0);
    expect(await Promise.all([p.write(a, buf, 1), p.write(b, buf + 1, 1)])).toEqual([1, 1]);
    expect([st.data[0], st.data[1]]).toEqual([0x41, 0x42]);
  });

  it('a request is at most max_sectors (min(max_hw_sectors, 1024)) of whole blocks', async () => {
    const { st, p } = await boot({ sectors: 1024, lbs: 512, maxHw: 16 });
    const fd = await p.open('/dev/ram0', O_RDONLY);
    const buf = p.mmap(512 * 1024);
    expect(await p.read(fd, buf, 300 * 1024)).toBe(300 * 1024);
    expect(Math.max(...st.requests.map((r) => r.bytes))).toBe(8192);
    expect(await text(p, '/sys/block/ram0/queue/max_sectors_kb')).toBe('8\n');
  });

  it('pread/pwrite work at a position and leave the offset; past the end pread is 0 and pwrite ENOSPC', async () => {
    const { st, p } = await boot({ sectors: 16, lbs: 512 });
    st.data.set([1, 2, 3], 4096);
    const fd = await p.open('/dev/ram0', O_RDWR);
    const buf = p.mmap(4096);
    await p.lseek(fd, 100, 0);
    expect(await p.pread(fd, buf, 3, 4096)).toBe(3);
    expect([...p.peek(buf, 3)]).toEqual([1, 2, 3]);
    expect(await p.pwrite(fd, buf, 3, 10)).toBe(3);
    expect([...st.data.subarray(10, 13)]).toEqual([1, 2, 3]);
    expect(await p.lseek(fd, 0, 1)).toBe(100);
    expect(await p.pread(fd, buf, 10, 8192 + 4096)).toBe(0);
    expect(await errno(p.pwrite(fd, buf, 10, 8192 + 4096))).toBe('ENOSPC');
    expect(await errno(p.pread(fd, buf, 10, -1))).toBe('EINVAL');
    expect(await errno(p.pread(99, buf, 10, -1))).toBe('EINVAL');
    expect(await errno(p.pread(99, buf, 10, 0))).toBe('EBADF');
  });

  it('the blkext minor of a removed disk stays taken while a file of it is open (freed at the last put_disk)', async () => {
    const { st, p } = await boot({ sectors: 64, lbs: 512, ext: true });
    const fd = await p.open('/dev/ram0', O_RDONLY);
    const api = k.modules.get('ram')!.k;
    api.delGendisk(st.disks[0]!);
    const again = api.addDisk({ ...st.disks[0]!.init, diskName: 'ram9' });
    expect(typeof again === 'number' ? again : MINOR(again.devt)).toBe(1);
    await p.close(fd);
    const third = api.addDisk({ ...st.disks[0]!.init, diskName: 'ram8' });
    expect(typeof third === 'number' ? third : MINOR(third.devt)).toBe(0);
    st.disks.push(again as Gendisk, third as Gendisk);
  });

  it('/proc/partitions has its header once a disk exists, even one of no capacity (whose row is left out)', async () => {
    const { p } = await boot({ sectors: 0, lbs: 512 });
    expect(await text(p, '/proc/partitions')).toBe('major minor  #blocks  name\n\n');
  });
});
