// testbus.md "Edge cases a test suite must cover", 1–12.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, KernelError, O_RDWR, S_IFCHR, MKDEV, type Process, type TraceEvent } from '../../src/index.js';
import { TEST_ERASE, TEST_RDWR, TestIoctlData, TestMsg, MSG_RD, MSG_WR } from '../../src/drivers/testbus/uapi.js';
import type { TestBusApi } from '../../src/drivers/testbus/bus.js';
import { errnoOf } from '../helpers/kernel.js';


let k: Kernel;
let bus: TestBusApi;
let p: Process;
let events: TraceEvent[];
afterEach(async () => {
  await k?.shutdown();
});

async function boot(devices: Array<{ name: string; id: number }>, chrdev: Record<string, unknown> = {}) {
  k = await Kernel.boot({ clock: 'virtual' });
  events = [];
  k.trace.on((e) => e.kind !== 'syscall' && events.push(e));
  bus = (await k.insmod('test_bus', { devices })).api;
  await k.insmod('test_chrdev', chrdev);
  p = k.spawn();
}
const ev = (name: string) => events.filter((e) => e.name === name).map((e) => e.fields);

/** Writes a TEST_RDWR batch into user memory; @returns the ioctl argument address. */
function batch(msgs: Array<{ flag: number; from: number; len: number; buf: number }>, at = p.mmap(4096)): number {
  const b = new Uint8Array(16 + 24 * msgs.length);
  const v = new DataView(b.buffer);
  TestIoctlData.write(v, 0, { numMsg: msgs.length, msg: at + 16 });
  msgs.forEach((m, i) => TestMsg.write(v, 16 + 24 * i, m));
  p.poke(at, b);
  return at;
}

describe('nodes (testbus §1–§3, edges 1–2)', () => {
  it('test-0 and test-3 get minors 0 and 3; minor 1 → ENODEV; id 300 → ENXIO; duplicate id → EEXIST', async () => {
    await boot([{ name: 'test', id: 0 }, { name: 'test', id: 3 }, { name: 'big', id: 300 }]);
    const major = p.stat('/dev/test-0').rdev >>> 20;
    expect(major).toBe(254);
    expect(p.stat('/dev/test-3').rdev & 0xfffff).toBe(3);
    expect(await p.readFile('/sys/class/test_chrdev/test-0/dev')).toBe('254:0\n');
    expect(await p.readFile('/sys/devices/test_bus/test-3/test_chrdev/test-3/dev')).toBe('254:3\n');
    await p.mknod('/dev/hand-1', S_IFCHR | 0o600, MKDEV(major, 1));
    await expect(p.open('/dev/hand-1', O_RDWR)).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(p.open('/dev/big-300', O_RDWR)).rejects.toMatchObject({ code: 'ENXIO' });
    expect(errnoOf(() => bus.addDevice('dup', 3))).toBe(-17);
  });
  it('a pre-existing class → load fails with EEXIST and the major is released', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('test_bus');
    (k.devices.classCreate('test_chrdev'));
    await expect(k.insmod('test_chrdev')).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await k.spawn().readFile('/proc/devices')).includes('test_chrdev')).toBe(false);
  });
  it('device_create failing at the 2nd of 3 devices: load returns 0, the 3rd gets no node (B7)', async () => {
    await boot([{ name: 'a', id: 0 }, { name: 'b', id: 1 }, { name: 'c', id: 2 }], { failCreateAt: 1 });
    expect(p.readdir('/dev').filter((n) => /^[abc]-/.test(n))).toEqual(['a-0']);
  });
});

describe('read/write (testbus §4, edge 3)', () => {
  it('write "hello" → 1; read 5 → 1 with "hello"; read 0 → 1; read 300 → EINVAL; > 4 MiB → ENOMEM; bad buffer → EFAULT; lseek → ESPIPE', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const b = p.mmap(8 << 20);
    p.poke(b, 'hello');
    expect(await p.write(fd, b, 5)).toBe(1);
    p.poke(b, '\0\0\0\0\0');
    expect(await p.read(fd, b, 5)).toBe(1);
    expect(String.fromCharCode(...p.peek(b, 5))).toBe('hello');
    expect(await p.read(fd, b, 0)).toBe(1);
    await expect(p.read(fd, b, 300)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.read(fd, b, (4 << 20) + 1)).rejects.toMatchObject({ code: 'ENOMEM' });
    await expect(p.write(fd, 0x7000_0000, 3)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(String.fromCharCode(...bus.devices[0]!.eeprom.subarray(0, 6))).toBe('hello\xff');
    await expect(p.lseek(fd, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
  });
});

describe('TEST_RDWR (testbus §5, edges 4–10)', () => {
  it('a write+read batch → 2 with the read buffer filled; B1 written = 8 × num_msg (edge 4)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    p.poke(d, 'xyz');
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: MSG_WR, from: 16, len: 3, buf: d }, { flag: MSG_RD, from: 16, len: 3, buf: d + 100 }]))).toBe(2);
    expect(String.fromCharCode(...p.peek(d + 100, 3))).toBe('xyz');
    expect(ev('rdwr-table-overflow')).toEqual([{ requested: 2, written: 16 }]);
  });
  it('num_msg 0 → 0, no B1 event (edge 5)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    expect(await p.ioctl(fd, TEST_RDWR, batch([]))).toBe(0);
    expect(ev('rdwr-table-overflow')).toEqual([]);
  });
  it('bad arg / msg pointer → EFAULT without a leak; a bad data pointer in write message 2 → EFAULT, B2 {allocations 4}, B1 {written 24} (edge 6)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    await expect(p.ioctl(fd, TEST_RDWR, 0x7000_0000)).rejects.toMatchObject({ code: 'EFAULT' });
    const a = p.mmap(4096);
    p.poke(a, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x70, 0, 0, 0, 0]));
    await expect(p.ioctl(fd, TEST_RDWR, a)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(ev('rdwr-leak')).toEqual([]);
    const d = p.mmap(4096);
    const arg = batch([{ flag: MSG_WR, from: 0, len: 2, buf: d }, { flag: MSG_RD, from: 0, len: 2, buf: d }, { flag: MSG_WR, from: 0, len: 2, buf: 0x7000_0000 }]);
    await expect(p.ioctl(fd, TEST_RDWR, arg)).rejects.toMatchObject({ code: 'EFAULT' });
    expect(ev('rdwr-leak')).toMatchObject([{ allocations: 4 }]);
    expect(ev('rdwr-table-overflow')).toEqual([{ requested: 3, written: 24 }]);
    expect(k.modules.get('test_chrdev')!.k.api.leaked).toBe(4);
  });
  it('a failing message after a valid write → 0 and the earlier write applied (B4, edge 7)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    p.poke(d, 'AB');
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: MSG_WR, from: 0, len: 2, buf: d }, { flag: MSG_WR, from: 250, len: 10, buf: d }]))).toBe(0);
    expect([...bus.devices[0]!.eeprom.subarray(0, 3)]).toEqual([0x41, 0x42, 0xff]);
  });
  it('a copy-back fault at read message 1 of 3 → 1 (edge 8)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: MSG_RD, from: 0, len: 2, buf: d }, { flag: MSG_RD, from: 0, len: 2, buf: 0x7000_0000 }, { flag: MSG_RD, from: 0, len: 2, buf: d }]))).toBe(1);
  });
  it('a 5 MiB message 1 → B3, message 0 applied, bad-kernel-buffer, 0 returned (edge 9)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    p.poke(d, 'Q');
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: MSG_WR, from: 5, len: 1, buf: d }, { flag: MSG_RD, from: 0, len: 5 << 20, buf: d }]))).toBe(0);
    expect(ev('rdwr-unprepared')).toEqual([{ index: 1 }]);
    expect(ev('bad-kernel-buffer')).toEqual([{ index: 1 }]);
    expect(bus.devices[0]!.eeprom[5]).toBe(0x51);
  });
  it('flag 0 or 3 → 0; TEST_ERASE → 0 and all 0xFF; 0x7403 → EINVAL (edge 10)', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    p.poke(d, 'zz');
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: 0, from: 0, len: 1, buf: d }]))).toBe(0);
    expect(await p.ioctl(fd, TEST_RDWR, batch([{ flag: 3, from: 0, len: 2, buf: d }]))).toBe(0);
    await p.write(fd, d, 2);
    expect(await p.ioctl(fd, TEST_ERASE, 0)).toBe(0);
    expect(bus.devices[0]!.eeprom.every((x) => x === 0xff)).toBe(true);
    await expect(p.ioctl(fd, 0x7403, 0)).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('hot-plug (testbus §7, edges 11–12)', () => {
  it('on: a later device gets a node; removal deletes it; an open fd then sees use-after-remove and ENODEV', async () => {
    await boot([]);
    expect(bus.addDevice('late', 7)).toBe(0);
    const fd = await p.open('/dev/late-7', O_RDWR);
    expect(bus.removeDevice(7)).toBe(0);
    await expect(p.open('/dev/late-7', O_RDWR)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(p.read(fd, p.mmap(4096), 1)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(ev('use-after-remove')).toEqual([{ id: 7 }]);
    await p.close(fd);
  });
  it('off: a later device gets no node; a removed device\'s node opens with ENODEV and is reported stale at unload', async () => {
    await boot([{ name: 'old', id: 2 }], { hotplug: false });
    bus.addDevice('late', 7);
    expect(p.readdir('/dev').includes('late-7')).toBe(false);
    bus.removeDevice(2);
    await expect(p.open('/dev/old-2', O_RDWR)).rejects.toMatchObject({ code: 'ENODEV' });
    await k.rmmod('test_chrdev');
    expect(ev('stale-node')).toEqual([{ name: 'old', id: 2 }]);
    expect(p.readdir('/dev').includes('old-2')).toBe(false);
  });
});

describe('TEST_RDWR per-call ceilings (i2c-dev I2C_RDWR)', () => {
  it('more than 42 messages → EINVAL before anything is allocated; 42 pass', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    const big = p.mmap(8192);
    const msgs = (n: number) => Array.from({ length: n }, () => ({ flag: MSG_RD, from: 0, len: 1, buf: d }));
    await expect(p.ioctl(fd, TEST_RDWR, batch(msgs(70_000).slice(0, 43), big))).rejects.toMatchObject({ code: 'EINVAL' });
    expect(ev('err_rdwr_too_many_msgs')).toEqual([{ numMsg: 43 }]);
    // num_msg is what the header says, whatever the array holds: 70,000 is refused just the same
    p.poke(big, Uint8Array.from([0x70, 0x11, 0x01, 0]));
    await expect(p.ioctl(fd, TEST_RDWR, big)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(await p.ioctl(fd, TEST_RDWR, batch(msgs(42), big))).toBe(42);
  });
  it('42 messages of 4 MiB share one 8 MiB budget: the third takes the B3 path at once', async () => {
    await boot([{ name: 'test', id: 0 }]);
    const fd = await p.open('/dev/test-0', O_RDWR);
    const d = p.mmap(4096);
    const msgs = Array.from({ length: 42 }, () => ({ flag: MSG_RD, from: 0, len: 4 << 20, buf: d }));
    expect(await p.ioctl(fd, TEST_RDWR, batch(msgs, p.mmap(8192)))).toBe(0);
    expect(ev('rdwr-unprepared')).toEqual([{ index: 2 }]);
  });
});

describe('test_chrdev holds test_bus (module use)', () => {
  it('rmmod test_bus → EBUSY while test_chrdev is loaded; in reverse order both go', async () => {
    await boot([{ name: 'test', id: 0 }]);
    await expect(k.rmmod('test_bus')).rejects.toMatchObject({ code: 'EBUSY' });
    expect(await p.readFile('/sys/module/test_bus/refcnt')).toBe('1\n');
    await k.rmmod('test_chrdev');
    await k.rmmod('test_bus');
    expect(k.modules.size).toBe(1); // mem
  });
});
