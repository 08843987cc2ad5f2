import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Kernel, O_RDWR, O_RDONLY, CAP_SYS_ADMIN, PROT_READ, type Process } from '../../src/index.js';
import { NVME_IOCTL_ADMIN_CMD, NVME_IOCTL_ID, NVME_IOCTL_SUBMIT_IO, NvmeAdminCmd, asciiField, type NvmeAdminCmdFields } from '../../src/drivers/nvme/uapi.js';
import { identifyController } from '../../src/drivers/nvme/ctrl/identify.js';
import type { NvmeApi } from '../../src/drivers/nvme/index.js';
import { makeFirmwareImage } from '../../src/cli/nvme.js';

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
