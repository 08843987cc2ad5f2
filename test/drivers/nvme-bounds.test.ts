// Issue 9 defects 11 and 12: the emulated controller bounds what a guest can make it do.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Kernel, O_RDWR, type Process } from '../../src/index.js';
import { NVME_IOCTL_ADMIN_CMD, NvmeAdminCmd, type NvmeAdminCmdFields } from '../../src/drivers/nvme/uapi.js';
import { FW_IMAGE_MAX } from '../../src/drivers/nvme/ctrl/controller.js';
import type { NvmeApi } from '../../src/drivers/nvme/index.js';

let k: Kernel;
let api: NvmeApi;
let root: Process;
let fd: number;
let cmdBuf: number;
let data: number;

beforeEach(async () => {
  k = await Kernel.boot({ clock: 'virtual', misc: '3.x', memoryMiB: 32 });
  api = (await k.insmod('nvme')).api;
  root = k.spawn();
  fd = await root.open('/dev/nvme0', O_RDWR);
  cmdBuf = root.mmap(4096);
  data = root.mmap(16 * 4096);
});
afterEach(async () => {
  await k.shutdown();
});

async function admin(c: Partial<NvmeAdminCmdFields>): Promise<number> {
  const raw = new Uint8Array(NvmeAdminCmd.SIZE);
  NvmeAdminCmd.write(new DataView(raw.buffer), c);
  root.poke(cmdBuf, raw);
  return root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmdBuf);
}
const identify = () => admin({ opcode: 0x06, cdw10: 1, addr: BigInt(data), dataLen: 4096 });
const download = (offBytes: number, len: number) =>
  admin({ opcode: 0x11, addr: BigInt(data), dataLen: len, cdw10: len / 4 - 1, cdw11: offBytes / 4 });

describe('firmware download offsets are bounded', () => {
  it('a piece past the staging limit is Invalid Field, allocates nothing, loses no command id', async () => {
    for (const off of [2 ** 30, 3 * 2 ** 30, (2 ** 32 - 1) * 4, FW_IMAGE_MAX - 4096 + 4]) {
      expect(await download(off, 4096)).toBe(0x4002);
    }
    expect(api.devs.get(0)!.ctrl.stagedImage.length).toBe(0);
    // more commands than the admin queue has ids: none was lost to an exception
    for (let i = 0; i < 80; i++) expect(await identify()).toBe(0);
    expect(api.devs.get(0)!.ctrl.internalErrors).toBe(0);
  });
  it('overlapping pieces are Overlapping Range; the limit itself is reachable', async () => {
    root.poke(data, 'REV-0042');
    expect(await download(0, 8192)).toBe(0);
    expect(await download(4096, 4096)).toBe(0x4114);
    expect(await download(FW_IMAGE_MAX - 4096, 4096)).toBe(0);
    expect(api.devs.get(0)!.ctrl.stagedImage.length).toBe(FW_IMAGE_MAX);
    expect(await admin({ opcode: 0x10, cdw10: 1 | (1 << 3) })).toBe(0);
    expect(api.devs.get(0)!.ctrl.firmwareRevision).toBe('REV-0042');
  });
});

describe('PRPs into reserved memory are refused', () => {
  it('data_len 0 or a 4-byte buffer cannot make Identify write frame 0 or the reserved area', async () => {
    // the engine's scratch and the page refcounts down there change legitimately; Identify data
    // (it carries the serial number) must never land there
    const reserved = () => Buffer.from(k.phys.u8.buffer, 0, k.phys.firstFrame * 4096);
    const serial = Buffer.from('VCHARDEV0001');
    expect(reserved().indexOf(serial)).toBe(-1);
    expect(await admin({ opcode: 0x06, cdw10: 1, dataLen: 0 })).toBe(0x4002);
    expect(await admin({ opcode: 0x06, cdw10: 1, addr: BigInt(data + 4092), dataLen: 4 })).toBe(0x4002);
    expect(api.devs.get(0)!.ctrl.lastPrpError).toMatchObject({ rule: 'data-range' });
    expect(reserved().indexOf(serial)).toBe(-1);
    expect(await identify()).toBe(0);
    expect(Buffer.from(root.peek(data, 4096)).indexOf(serial)).toBeGreaterThan(0);
  });
});

describe('a command cancelled while the controller has it', () => {
  it('keeps its buffer pinned until the late completion: freed pages never receive its data', async () => {
    const ctrl = api.devs.get(0)!.ctrl;
    ctrl.stalled = true;
    const raw = new Uint8Array(NvmeAdminCmd.SIZE);
    NvmeAdminCmd.write(new DataView(raw.buffer), { opcode: 0x06, cdw10: 1, addr: BigInt(data), dataLen: 4096, timeoutMs: 10 });
    root.poke(cmdBuf, raw);
    const pending = root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmdBuf).catch((e) => e);
    await k.clock.advance(20);
    expect(await pending).toMatchObject({ code: 'EINTR' });
    expect(root.task.mm.pinned).toBe(1); // still the controller's
    root.munmap(data, 16 * 4096);
    const user = k.spawn({ uid: 1000 });
    const canary = user.mmap(256 * 4096);
    user.poke(canary, new Uint8Array(256 * 4096).fill(0xaa));
    ctrl.unstall(); // the cancelled Identify runs now, into the page it was given
    expect(user.peek(canary, 256 * 4096).every((b) => b === 0xaa)).toBe(true);
    expect(root.task.mm.pinned).toBe(0); // the late completion gave the page back
  });
  it('a controller removed with cancelled commands pending gives every page back', async () => {
    const ctrl = api.devs.get(0)!.ctrl;
    ctrl.stalled = true;
    const raw = new Uint8Array(NvmeAdminCmd.SIZE);
    NvmeAdminCmd.write(new DataView(raw.buffer), { opcode: 0x06, cdw10: 1, addr: BigInt(data), dataLen: 8192, timeoutMs: 10 });
    root.poke(cmdBuf, raw);
    const pending = root.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmdBuf).catch((e) => e);
    await k.clock.advance(20);
    expect(await pending).toMatchObject({ code: 'EINTR' });
    expect(root.task.mm.pinned).toBe(2);
    await root.close(fd);
    api.removeController(0);
    expect(root.task.mm.pinned).toBe(0);
  });
});
