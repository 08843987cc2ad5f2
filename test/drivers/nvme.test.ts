import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Kernel, KernelError, SIGKILL, SIGUSR1, O_RDWR, O_RDONLY, CAP_SYS_ADMIN, PROT_READ, S_IFMT, S_IFBLK, MAJOR, MINOR, BLOCK_EXT_MAJOR, type Process } from '../../src/index.js';
import { NVME_IOCTL_ADMIN_CMD, NVME_IOCTL_ID, NVME_IOCTL_SUBMIT_IO, NvmeAdminCmd, NvmeUserIo, asciiField, type NvmeAdminCmdFields, type NvmeUserIoFields } from '../../src/drivers/nvme/uapi.js';
import { identifyController } from '../../src/drivers/nvme/ctrl/identify.js';
import type { NvmeApi } from '../../src/drivers/nvme/index.js';
import { makeFirmwareImage } from '../../src/cli/nvme.js';
import { DmaEngine } from '../../src/dma.js';

let k: Kernel;
let api: NvmeApi;
let root: Process;
let fd: number;
let cmdBuf: number;

beforeEach(async () => {
  k = await Kernel.boot({ clock: 'virtual', misc: '3.x', memoryMiB: 64 });
  api = (await k.insmod('nvme')).api;
  root = k.spawn();
  fd = await root.open('/dev/nvme0', O_RDWR);
  cmdBuf = root.mmap(4096);
});
afterEach(async () => {
  await k.shutdown();
});

const ctrl = () => api.devs.get(0)!.ctrl;

function putCmd(p: Process, at: number, c: Partial<NvmeAdminCmdFields>): void {
  const raw = new Uint8Array(NvmeAdminCmd.SIZE);
  NvmeAdminCmd.write(new DataView(raw.buffer), { result: 0xdeadbeef, ...c });
  p.poke(at, raw);
}
const resultOf = (p: Process, at: number) => new DataView(p.peek(at + 68, 4).buffer).getUint32(0, true);
async function admin(c: Partial<NvmeAdminCmdFields>, p = root, f = fd, at = cmdBuf): Promise<number> {
  putCmd(p, at, c);
  return p.ioctl(f, NVME_IOCTL_ADMIN_CMD, at);
}

describe('the char device (nvme §1)', () => {
  it('is misc device nvme0 with a 3.x dynamic minor 63, on a PCI parent', async () => {
    const st = root.stat('/dev/nvme0');
    expect([st.rdev >>> 20, st.rdev & 0xfffff]).toEqual([10, 63]);
    expect(await root.readFile('/sys/class/misc/nvme0/dev')).toBe('10:63\n');
    expect(await root.readFile('/proc/misc')).toContain(' 63 nvme0');
  });
  it('read/write → EINVAL, lseek → ESPIPE, poll always ready', async () => {
    await expect(root.read(fd, cmdBuf, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.write(fd, cmdBuf, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.lseek(fd, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
    expect((await root.poll([{ fd, events: 0x145 }], 0))[0]!.revents).toBe(0x145);
  });
});

describe('NVME_IOCTL_ADMIN_CMD (nvme §3, edges 1–4, 8)', () => {
  it('without CAP_SYS_ADMIN → EACCES even with data_len 0; other numbers → ENOTTY', async () => {
    await root.chmod('/dev/nvme0', 0o666);
    const user = k.spawn({ uid: 1000 });
    const ufd = await user.open('/dev/nvme0', O_RDWR);
    const ub = user.mmap(4096);
    const before = ctrl().executed;
    await expect(admin({ opcode: 6, cdw10: 1 }, user, ufd, ub)).rejects.toMatchObject({ code: 'EACCES', errno: 13 });
    expect(ctrl().executed).toBe(before);
    const admin2 = k.spawn({ uid: 1000, caps: [CAP_SYS_ADMIN] });
    const afd = await admin2.open('/dev/nvme0', O_RDWR);
    const ab = admin2.mmap(4096);
    expect(await admin({ opcode: 0x0a, cdw10: 4 }, admin2, afd, ab)).toBe(0);
    await expect(root.ioctl(fd, NVME_IOCTL_ID, 0)).rejects.toMatchObject({ code: 'ENOTTY' });
    await expect(root.ioctl(fd, NVME_IOCTL_SUBMIT_IO, cmdBuf)).rejects.toMatchObject({ code: 'ENOTTY' });
  });
  it('a bad arg pointer → EFAULT; the result is written for 0 and positive statuses', async () => {
    await expect(root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, 0x1000)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
    expect(resultOf(root, cmdBuf)).toBe(343);
    expect(await admin({ opcode: 0x0a, cdw10: 0x55 })).toBe(0x4002);
    expect(resultOf(root, cmdBuf)).toBe(0);
  });
  it('the result is not written when status < 0', async () => {
    await expect(admin({ opcode: 6, cdw10: 1, addr: BigInt(cmdBuf + 2), dataLen: 4096 })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(resultOf(root, cmdBuf)).toBe(0xdeadbeef);
  });
  it('addr & 3 → EINVAL; data_len 0x7FFFF000 → EINVAL; data_len 0 sends PRP1 = PRP2 = 0', async () => {
    const data = root.mmap(8192);
    await expect(admin({ opcode: 6, cdw10: 1, addr: BigInt(data + 1), dataLen: 4096 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(admin({ opcode: 6, cdw10: 1, addr: BigInt(data), dataLen: 0x7ffff000 })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await admin({ opcode: 0x0a, cdw10: 4, addr: BigInt(data), dataLen: 0 })).toBe(0);
    expect([ctrl().lastSqe!.prp1, ctrl().lastSqe!.prp2]).toEqual([0n, 0n]);
  });
  it('unmapped or read-only buffers → EFAULT, even host→device (observed: nvme §4); nothing stays pinned', async () => {
    const ro = root.mmap(8192, PROT_READ);
    const before = ctrl().executed;
    await expect(admin({ opcode: 6, cdw10: 1, addr: BigInt(ro), dataLen: 4096 })).rejects.toMatchObject({ code: 'EFAULT' });
    await expect(admin({ opcode: 0x11, cdw10: 1023, addr: BigInt(ro), dataLen: 4096 })).rejects.toMatchObject({ code: 'EFAULT' });
    await expect(admin({ opcode: 6, cdw10: 1, addr: 0x7000_0000n, dataLen: 4096 })).rejects.toMatchObject({ code: 'EFAULT' });
    await expect(admin({ opcode: 6, cdw10: 1, addr: 2n ** 40n, dataLen: 4096 })).rejects.toMatchObject({ code: 'EFAULT' });
    const half = root.mmap(8192);
    root.munmap(half + 4096, 4096);
    await expect(admin({ opcode: 6, cdw10: 1, addr: BigInt(half + 2048), dataLen: 4096 })).rejects.toMatchObject({ code: 'EFAULT' });
    expect(ctrl().executed).toBe(before);
    expect(root.task.mm.pinned).toBe(0);
  });
  it('Identify data read by the user equals the controller structure, at a 0x200 offset', async () => {
    const data = root.mmap(3 * 4096);
    expect(await admin({ opcode: 6, cdw10: 1, addr: BigInt(data + 0x200), dataLen: 4096 })).toBe(0);
    expect(root.peek(data + 0x200, 4096)).toEqual(identifyController(ctrl().cfg, ctrl().firmwareRevision));
    expect(asciiField(root.peek(data + 0x200 + 24, 40), 0, 40)).toBe('vchardev NVMe Ctrl');
    expect(root.task.mm.pinned).toBe(0);
  });
  it('controller statuses pass through: CNS 9 → 0x4002, Identify NS 0 → 0x400B', async () => {
    const data = root.mmap(4096);
    expect(await admin({ opcode: 6, cdw10: 9, addr: BigInt(data), dataLen: 4096 })).toBe(0x4002);
    expect(await admin({ opcode: 6, cdw10: 0, nsid: 0, addr: BigInt(data), dataLen: 4096 })).toBe(0x400b);
  });
});

describe('submission (nvme §7, edges 7, 10)', () => {
  it('a command the controller never completes → EINTR after timeout_ms; the late CQE is ignored', async () => {
    ctrl().stalled = true;
    putCmd(root, cmdBuf, { opcode: 0x0a, cdw10: 4, timeoutMs: 500 });
    const r = root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmdBuf);
    await k.clock.advance(499);
    let settled = false;
    void r.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await k.clock.advance(1);
    await expect(r).rejects.toMatchObject({ code: 'EINTR' });
    ctrl().unstall();
    expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
    expect(resultOf(root, cmdBuf)).toBe(343);
  });
  it('timeout_ms 0 waits the default 60 s', async () => {
    ctrl().stalled = true;
    putCmd(root, cmdBuf, { opcode: 0x0a, cdw10: 4 });
    const r = root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmdBuf);
    const seen = r.catch((e) => e.code);
    await k.clock.advance(59_999);
    await k.clock.advance(1);
    expect(await seen).toBe('EINTR');
    expect(k.clock.now()).toBe(60_000);
  });
  it('the CQ phase wraps after 64 admin commands and ids are reused', async () => {
    const q = api.devs.get(0)!.adminq;
    const start = q.cqHead + (q.cqPhase === 1 ? 0 : 64);
    for (let i = 0; i < 70; i++) expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
    expect((start + 70) % 64).toBe(q.cqHead);
    expect(q.outstanding).toBe(0);
  });
});

describe('features and logs through the ioctl (edge 12)', () => {
  it('Set/Get Features round-trip; Number of Queues after queue creation → 0x400C', async () => {
    expect(await admin({ opcode: 0x09, cdw10: 4, cdw11: 360 })).toBe(0);
    expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
    expect(resultOf(root, cmdBuf)).toBe(360);
    expect(await admin({ opcode: 0x09, cdw10: 7, cdw11: 0xffff })).toBe(0x4002);
    expect(await admin({ opcode: 0x09, cdw10: 7, cdw11: 0 })).toBe(0x400c); // probe created an I/O pair
  });
  it('Get Log Page: SMART 512 bytes, unaligned offset → 0x4002, unknown LID → 0x4002', async () => {
    const data = root.mmap(4096);
    expect(await admin({ opcode: 2, nsid: 0xffffffff, cdw10: 2 | (127 << 16), addr: BigInt(data), dataLen: 512 })).toBe(0);
    expect(new DataView(root.peek(data, 4).buffer).getUint16(1, true)).toBe(310);
    expect(await admin({ opcode: 2, cdw10: 2 | (127 << 16), cdw12: 1, addr: BigInt(data), dataLen: 512 })).toBe(0x4002);
    expect(await admin({ opcode: 2, cdw10: 0x42 | (127 << 16), addr: BigInt(data), dataLen: 512 })).toBe(0x4002);
  });
});

describe('data really moves (issue 5)', () => {
  it('a 6 MiB firmware image from a 4-byte-aligned odd offset arrives byte-exact through chained PRP lists', async () => {
    const size = 6 << 20;
    const img = makeFirmwareImage(size, '9.9.9');
    const user = root.mmap(size + 8192);
    root.poke(user + 0x44, img);
    expect(await admin({ opcode: 0x11, cdw10: size / 4 - 1, cdw11: 0, addr: BigInt(user + 0x44), dataLen: size })).toBe(0);
    expect(await admin({ opcode: 0x10, cdw10: 2 | (1 << 3) })).toBe(0);
    expect(ctrl().committedImage.length).toBe(size);
    expect(Buffer.compare(ctrl().committedImage, img)).toBe(0);
    const data = root.mmap(4096);
    expect(await admin({ opcode: 6, cdw10: 1, addr: BigInt(data), dataLen: 4096 })).toBe(0);
    expect(asciiField(root.peek(data, 4096), 64, 8)).toBe('9.9.9');
    expect(root.task.mm.pinned).toBe(0);
  });
  it('a dma pool running dry → ENOMEM, nothing submitted, pages unpinned (nvme §5, edge 6)', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual', misc: '3.x' });
    const api2: NvmeApi = (await k2.insmod('nvme', { pagePoolPages: 1 })).api;
    const p = k2.spawn();
    const f = await p.open('/dev/nvme0', O_RDWR);
    const cb = p.mmap(4096);
    const size = 4 << 20; // 1024 pages: two list pages needed, the pool holds one
    const user = p.mmap(size);
    const before = api2.devs.get(0)!.ctrl.executed;
    await expect(admin({ opcode: 0x11, cdw10: size / 4 - 1, addr: BigInt(user), dataLen: size }, p, f, cb)).rejects.toMatchObject({ code: 'ENOMEM' });
    expect(api2.devs.get(0)!.ctrl.executed).toBe(before);
    expect(p.task.mm.pinned).toBe(0);
    await k2.shutdown();
  });
});

describe('lifetime (nvme §1, edge 11)', () => {
  it('removal with an fd open: ioctls still work; the last close frees; minor and instance are reused', async () => {
    api.removeController(0);
    await expect(root.open('/dev/nvme0', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
    const dev = api.devs.get(0)!;
    expect(dev.freed).toBe(false);
    await root.close(fd);
    expect(dev.freed).toBe(true);
    expect(api.devs.size).toBe(0);
    expect(await api.addController()).toBe(0);
    expect(root.stat('/dev/nvme0').rdev & 0xfffff).toBe(63);
    fd = await root.open('/dev/nvme0', O_RDWR);
    expect(await admin({ opcode: 0x0a, cdw10: 4 })).toBe(0);
  });
  it('rmmod with an fd open → EBUSY', async () => {
    await expect(k.rmmod('nvme')).rejects.toMatchObject({ code: 'EBUSY' });
  });
  it('engine: a compiled dma engine from elsewhere serves the controller; one that cannot be had fails insmod with ENOENT and a log line, leaving nothing', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual', memoryMiB: 64 });
    try {
      const free = k2.phys.freeFrames;
      await expect(k2.insmod('nvme', { engine: new URL('file:///nonexistent/dma.wasm') })).rejects.toMatchObject({ code: 'ENOENT' });
      expect(k2.dmesg()).toMatch(/nvme: dma engine: .*\/nonexistent\/dma\.wasm: ENOENT/);
      expect(k2.phys.freeFrames).toBe(free);
      expect(k2.modules.has('nvme')).toBe(false);
      await k2.insmod('nvme', { engine: await DmaEngine.compile() });
      const p = k2.spawn();
      const f = await p.open('/dev/nvme0', O_RDWR);
      const [cmd, data] = [p.mmap(4096), p.mmap(4096)];
      expect(await admin({ opcode: 0x06, cdw10: 1, addr: BigInt(data), dataLen: 4096 }, p, f, cmd)).toBe(0);
      expect(asciiField(p.peek(data, 4096), 24, 40)).toBe('vchardev NVMe Ctrl');
    } finally {
      await k2.shutdown();
    }
  });
});

describe('classSysfs: the sysfs nvme-cli\'s `nvme list` scans (off by default, as in 3.13)', () => {
  it('class nvme and nvme-subsystem with their attributes and link; gone with the controller and at rmmod', async () => {
    expect(root.readdir('/sys/class')).not.toContain('nvme');
    const k2 = await Kernel.boot({ clock: 'virtual' });
    try {
      const h = await k2.insmod('nvme', { classSysfs: true });
      const p = k2.spawn();
      expect(await p.readFile('/sys/class/nvme/nvme0/model')).toBe('vchardev NVMe Ctrl\n');
      expect(await p.readFile('/sys/class/nvme/nvme0/transport')).toBe('pcie\n');
      expect(await p.readFile('/sys/class/nvme/nvme0/address')).toBe('0000:00:04.0\n');
      expect(await p.readFile('/sys/class/nvme/nvme0/state')).toBe('live\n');
      const nqn = await p.readFile('/sys/class/nvme/nvme0/subsysnqn');
      expect(nqn).toMatch(/^nqn\.2014\.08\.org\.nvmexpress:1b361af4VCHARDEV0001 +vchardev NVMe Ctrl +\n$/);
      expect(await p.readFile('/sys/class/nvme-subsystem/nvme-subsys0/subsysnqn')).toBe(nqn);
      // the subsystem links its controller, relative as sysfs makes links
      const link = k2.vfs.lookup('/sys/class/nvme-subsystem/nvme-subsys0/nvme0', false) as { target: string };
      expect(link.target).toBe('../../../pci0000:00/0000:00:04.0/nvme/nvme0');
      expect(await p.readFile('/sys/class/nvme-subsystem/nvme-subsys0/nvme0/serial')).toBe('VCHARDEV0001\n');
      const second = await h.api.addController({ serial: 'SECOND' });
      expect(await p.readFile(`/sys/class/nvme/nvme${second}/serial`)).toBe('SECOND\n');
      h.api.removeController(second);
      expect(p.readdir('/sys/class/nvme')).toEqual(['nvme0']);
      expect(p.readdir('/sys/class/nvme-subsystem')).toEqual(['nvme-subsys0']);
      await k2.rmmod('nvme');
      expect(p.readdir('/sys/class')).not.toContain('nvme');
      expect(p.readdir('/sys/class')).not.toContain('nvme-subsystem');
    } finally {
      await k2.shutdown();
    }
  });
});

describe('the namespace block device (nvme §1, §6)', () => {
  const userIo = (p: Process, at: number, c: Partial<NvmeUserIoFields>) => {
    const raw = new Uint8Array(NvmeUserIo.SIZE);
    NvmeUserIo.write(new DataView(raw.buffer), c);
    p.poke(at, raw);
  };
  let ns: number;
  let io: number;
  let data: number;
  beforeEach(async () => {
    ns = await root.open('/dev/nvme0n1', O_RDWR);
    io = root.mmap(4096);
    data = root.mmap(64 * 1024);
  });

  it('is disk nvme0n1: 259:0 (GENHD_FL_EXT_DEVT), in /proc/partitions, below the PCI device as in 3.13; the driver holds major 254', async () => {
    const st = root.stat('/dev/nvme0n1');
    expect([st.mode & S_IFMT, MAJOR(st.rdev), MINOR(st.rdev)]).toEqual([S_IFBLK, BLOCK_EXT_MAJOR, 0]);
    expect(await root.readFile('/sys/devices/pci0000:00/0000:00:04.0/block/nvme0n1/size')).toBe(`${0x200000}\n`);
    expect(await root.readFile('/sys/block/nvme0n1/queue/logical_block_size')).toBe('512\n');
    expect(await root.readFile('/sys/block/nvme0n1/queue/max_hw_sectors_kb')).toBe('8192\n');
    expect(await root.readFile('/sys/block/nvme0n1/queue/rotational')).toBe('0\n');
    expect(await root.readFile('/proc/partitions')).toBe('major minor  #blocks  name\n\n 259        0    1048576 nvme0n1\n');
    expect(await root.readFile('/proc/devices')).toMatch(/Block devices:\n259 blkext\n254 nvme\n$/);
  });

  it('fsync and fdatasync send one NVMe Flush each (blkdev_fsync → blkdev_issue_flush, the controller has a volatile cache); sync_file_range, syncfs and posix_fadvise pass; fallocate is ENODEV on a disk, as in 3.13 (blkdev_fallocate came in 4.9)', async () => {
    const before = ctrl().executed;
    expect(await root.fsync(ns)).toBe(0);
    expect(ctrl().executed).toBe(before + 1);
    expect(await root.fsync(ns, true)).toBe(0);
    expect(ctrl().executed).toBe(before + 2);
    expect(await root.syncFileRange(ns, 0, 4096, 7)).toBe(0);
    await expect(root.syncFileRange(ns, 0, 4096, 8)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.syncFileRange(ns, -1, 4096, 2)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await root.syncfs(ns)).toBe(0);
    expect(await root.fadvise(ns, 0, 0, 4 /* DONTNEED */)).toBe(0);
    await expect(root.fadvise(ns, 0, 0, 6)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.fadvise(ns, 0, -1, 0)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.fallocate(ns, 0, 0, 4096)).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(root.fallocate(ns, 0, 0, 0)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.fallocate(ns, 4, 0, 4096)).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    // no command reached the controller for any of those
    expect(ctrl().executed).toBe(before + 2);
    const ro = await root.open('/dev/nvme0n1', O_RDONLY);
    await expect(root.fallocate(ro, 0, 0, 4096)).rejects.toMatchObject({ code: 'EBADF' });
    // a character device has no fsync (vfs_fsync_range: -EINVAL) and no page cache range (-ESPIPE)
    const chr = await root.open('/dev/nvme0', O_RDWR);
    await expect(root.fsync(chr)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(root.syncFileRange(chr, 0, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
    await expect(root.fallocate(chr, 0, 0, 1)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(await root.syncfs(chr)).toBe(0);
    await expect(root.fsync(99)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('NVME_IOCTL_ID is the namespace id; NVME_IOCTL_ADMIN_CMD works through it too; others ENOTTY', async () => {
    expect(await root.ioctl(ns, NVME_IOCTL_ID, 0)).toBe(1);
    putCmd(root, io, { opcode: 6, nsid: 1, addr: BigInt(data), dataLen: 4096, cdw10: 0 });
    expect(await root.ioctl(ns, NVME_IOCTL_ADMIN_CMD, io)).toBe(0);
    expect(new DataView(root.peek(data, 8).buffer).getBigUint64(0, true)).toBe(0x200000n);
    await expect(root.ioctl(ns, 0x2285 /* SG_IO */, io)).rejects.toMatchObject({ code: 'ENOTTY' });
  });

  it('NVME_IOCTL_SUBMIT_IO writes and reads blocks, which read() sees at the same offset', async () => {
    root.poke(data, new TextEncoder().encode('x'.repeat(1024)));
    userIo(root, io, { opcode: 1, nblocks: 1, addr: BigInt(data), slba: 10n });
    expect(await root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).toBe(0);
    await root.lseek(ns, 10 * 512 - 1, 0);
    expect(await root.read(ns, data + 8192, 1026)).toBe(1026);
    expect(new TextDecoder().decode(root.peek(data + 8192, 1026))).toBe(`\0${'x'.repeat(1024)}\0`);
    // write() reaches the controller, SUBMIT_IO reads it back (and Compare agrees)
    await root.lseek(ns, 0, 0);
    root.poke(data, new TextEncoder().encode('hello, block'));
    expect(await root.write(ns, data, 12)).toBe(12);
    userIo(root, io, { opcode: 2, nblocks: 0, addr: BigInt(data + 4096), slba: 0n });
    expect(await root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).toBe(0);
    expect(new TextDecoder().decode(root.peek(data + 4096, 12))).toBe('hello, block');
    userIo(root, io, { opcode: 5, nblocks: 0, addr: BigInt(data + 4096), slba: 0n });
    expect(await root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).toBe(0);
    userIo(root, io, { opcode: 5, nblocks: 0, addr: BigInt(data + 4096), slba: 1n });
    expect(await root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).toBe(0x4285); // Compare Failure | DNR
  });

  it('SUBMIT_IO checks in 3.13\'s order: EFAULT, the opcode (EINVAL), the buffer (EINVAL, EFAULT); the controller then answers LBA range', async () => {
    await expect(root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, 0x10)).rejects.toMatchObject({ code: 'EFAULT' });
    userIo(root, io, { opcode: 0x09, addr: BigInt(data) });
    await expect(root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).rejects.toMatchObject({ code: 'EINVAL' });
    userIo(root, io, { opcode: 2, addr: BigInt(data + 2) });
    await expect(root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).rejects.toMatchObject({ code: 'EINVAL' });
    userIo(root, io, { opcode: 2, addr: 0x7000_0000n });
    await expect(root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).rejects.toMatchObject({ code: 'EFAULT' });
    userIo(root, io, { opcode: 2, nblocks: 1, addr: BigInt(data), slba: 0x200000n - 1n });
    expect(await root.ioctl(ns, NVME_IOCTL_SUBMIT_IO, io)).toBe(0x4080); // LBA Out of Range | DNR
    // no CAP_SYS_ADMIN check (only the node's mode guards it)
    await root.chmod('/dev/nvme0n1', 0o666);
    const user = k.spawn({ uid: 1000 });
    const ufd = await user.open('/dev/nvme0n1', O_RDWR);
    const ub = user.mmap(8192);
    const raw = new Uint8Array(NvmeUserIo.SIZE);
    NvmeUserIo.write(new DataView(raw.buffer), { opcode: 2, addr: BigInt(ub + 4096) });
    user.poke(ub, raw);
    expect(await user.ioctl(ufd, NVME_IOCTL_SUBMIT_IO, ub)).toBe(0);
  });

  it('the controller\'s store is bounded (storeMiB): a write past it is Capacity Exceeded; zeroed blocks free their space', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual' });
    try {
      await k2.insmod('nvme', { storeMiB: 1 });
      const p = k2.spawn();
      const f = await p.open('/dev/nvme0n1', O_RDWR);
      const buf = p.mmap(1 << 20);
      p.poke(buf, new Uint8Array(1 << 20).fill(1));
      expect(await p.write(f, buf, 1 << 20)).toBe(1 << 20);
      await expect(p.write(f, buf, 512)).rejects.toMatchObject({ code: 'EIO' });
      await p.lseek(f, 0, 0);
      p.poke(buf, new Uint8Array(4096));
      expect(await p.write(f, buf, 4096)).toBe(4096);
      await p.lseek(f, 1 << 20, 0);
      expect(await p.write(f, buf + 4096, 4096)).toBe(4096);
    } finally {
      await k2.shutdown();
    }
    const k3 = await Kernel.boot({ clock: 'virtual' });
    try {
      await expect(k3.insmod('nvme', { storeMiB: 1.5 })).rejects.toMatchObject({ code: 'EINVAL' });
      expect(await k3.spawn().readFile('/proc/devices')).toMatch(/Block devices:\n259 blkext\n$/);
    } finally {
      await k3.shutdown();
    }
  });

  it('removal with the disk open: the node goes, I/O is EIO, ioctls still reach the controller; the last close frees it', async () => {
    api.removeController(0);
    await expect(root.open('/dev/nvme0n1', O_RDONLY)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(root.readdir('/sys/block')).toEqual([]);
    await expect(root.read(ns, data, 512)).rejects.toMatchObject({ code: 'EIO' });
    expect(await root.ioctl(ns, NVME_IOCTL_ID, 0)).toBe(1);
    const dev = api.devs.get(0)!;
    await root.close(fd);
    expect(dev.freed).toBe(false);
    await root.close(ns);
    expect(dev.freed).toBe(true);
    expect(await api.addController()).toBe(0);
    expect(MINOR(root.stat('/dev/nvme0n1').rdev)).toBe(0);
    fd = await root.open('/dev/nvme0', O_RDWR);
  });

  it('with classSysfs the disk sits below the controller\'s class device, where nvme-cli scans for namespaces', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual' });
    try {
      await k2.insmod('nvme', { classSysfs: true });
      const p = k2.spawn();
      expect(p.readdir('/sys/class/nvme/nvme0')).toContain('nvme0n1');
      expect(await p.readFile('/sys/class/nvme/nvme0/nvme0n1/dev')).toBe('259:0\n');
      expect((k2.vfs.lookup('/sys/block/nvme0n1', false) as { target: string }).target).toBe('../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1');
    } finally {
      await k2.shutdown();
    }
  });

  it('a block request that times out keeps its frames until the controller is done with them (no DMA into reused memory)', async () => {
    const fill = root.mmap(4096);
    root.poke(fill, new Uint8Array(4096).fill(0xee));
    expect(await root.write(ns, fill, 4096)).toBe(4096);
    await root.lseek(ns, 0, 0);
    ctrl().stalled = true;
    const read = root.read(ns, data, 4096).catch((e: unknown) => e);
    await k.clock.advance(5_000);
    expect(await read).toMatchObject({ code: 'EIO' });
    // whatever is allocated now must not be what the late command writes into
    const taken = Array.from({ length: 256 }, () => k.phys.allocFrame());
    ctrl().unstall();
    expect(taken.some((pfn) => k.phys.u8[pfn * 4096] === 0xee)).toBe(false);
    for (const pfn of taken) k.phys.putPage(pfn);
  });

  it('requests follow the controller\'s MDTS; zeros still write when the store is full', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual' });
    try {
      await k2.insmod('nvme', { mdts: 1, storeMiB: 0 });
      const p = k2.spawn();
      expect(await p.readFile('/sys/block/nvme0n1/queue/max_hw_sectors_kb')).toBe('8\n');
      const f = await p.open('/dev/nvme0n1', O_RDWR);
      const buf = p.mmap(64 * 1024);
      expect(await p.read(f, buf, 64 * 1024)).toBe(64 * 1024);
      expect(await p.write(f, buf, 64 * 1024)).toBe(64 * 1024);
      p.poke(buf, new Uint8Array([1]));
      await expect(p.write(f, buf, 512)).rejects.toMatchObject({ code: 'EIO' });
    } finally {
      await k2.shutdown();
    }
  });

  it('a process waiting for the disk behind a hung request is killable, and only killable (lock_page_killable)', async () => {
    ctrl().stalled = true;
    const first = root.read(ns, data, 512).catch((e: unknown) => e);
    await k.clock.advance(1);
    const other = k.spawn();
    const ofd = await other.open('/dev/nvme0n1', O_RDONLY);
    const ob = other.mmap(4096);
    let settled = false;
    const waiting = other.read(ofd, ob, 512).catch((e: unknown) => e).finally(() => (settled = true));
    await k.clock.advance(1);
    await other.kill(SIGUSR1);
    await k.clock.advance(1);
    expect(settled).toBe(false);
    await other.kill(SIGKILL);
    await k.clock.advance(1);
    expect(settled).toBe(true);
    expect(await waiting).toBeInstanceOf(KernelError);
    await k.clock.advance(5_000);
    expect(await first).toMatchObject({ code: 'EIO' });
    ctrl().unstall();
  });
});

describe('parameters and addController overrides are checked before anything is made', () => {
  it('hostile values are EINVAL with a log line, leaving no frame, device or name behind; nvme loads after', async () => {
    const k2 = await Kernel.boot({ clock: 'virtual', memoryMiB: 64 });
    try {
      const free = k2.phys.freeFrames;
      const bad: Array<Record<string, unknown>> = [
        { namespaces: 'x' }, { namespaces: 5 }, { namespaces: null }, { namespaces: [{ blocks: 0, lbads: 9 }] }, { namespaces: [{ blocks: 8, lbads: 7 }] },
        { mdts: 'a' }, { mdts: -1 }, { mqes: 0 }, { ioQueuePairs: 0 }, { build: 'nope' }, { vid: 0x10000 }, { serial: 'x'.repeat(21) },
        { model: 7 }, { fwSlots: 9 }, { timeoutUnits: 0 }, { smallPoolBlocks: 0 }, { engine: 42 }, { classSysfs: 'yes' }, { storeMiB: -1 },
      ];
      for (const params of bad) {
        await expect(k2.insmod('nvme', params), JSON.stringify(params)).rejects.toMatchObject({ code: 'EINVAL' });
      }
      expect(k2.phys.freeFrames).toBe(free);
      expect(k2.dmesg()).toContain('nvme: a namespace is { blocks: 1..2^40, lbads: 9..12 }');
      expect(k2.dmesg()).not.toContain('Oops');
      const h = await k2.insmod('nvme');
      const withOne = k2.phys.freeFrames;
      for (const o of [{ namespaces: 'x' }, { mdts: -1 }, { mqes: 0 }, { storeBytes: 'x' }, null, 5]) {
        await expect(h.api.addController(o as never), JSON.stringify(o)).rejects.toMatchObject({ code: 'EINVAL' });
      }
      expect([k2.phys.freeFrames, h.api.devs.size]).toEqual([withOne, 1]);
      expect(await h.api.addController({ namespaces: [{ blocks: 1024, lbads: 12 }], model: 'second' })).toBe(1);
      await k2.rmmod('nvme');
      expect(k2.phys.freeFrames).toBe(free);
    } finally {
      await k2.shutdown();
    }
  });
});
