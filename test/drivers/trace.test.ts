// Each driver's trace.ts catalogue: refusals emit their `err_` event before returning (issue 9,
// QEMU's trace-events habit), under the names the catalogue declares.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, O_RDONLY, O_RDWR, type TraceEvent } from '../../src/index.js';
import { NVME_TRACE, NVME_PRP_TRACE } from '../../src/drivers/nvme/trace.js';
import { QAT_TRACE } from '../../src/drivers/qat/trace.js';
import { KXO_TRACE } from '../../src/drivers/kxo/trace.js';
import { TESTBUS_TRACE } from '../../src/drivers/testbus/trace.js';
import { SP_TRACE } from '../../src/drivers/sharepool/trace.js';
import { NVME_IOCTL_ADMIN_CMD } from '../../src/drivers/nvme/uapi.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});
function record(kernel: Kernel): TraceEvent[] {
  const out: TraceEvent[] = [];
  kernel.trace.on((e) => e.kind !== 'syscall' && out.push(e));
  return out;
}

describe('trace catalogues', () => {
  it('every name is unique within its driver, and refusals are err_-prefixed', () => {
    for (const cat of [NVME_TRACE, NVME_PRP_TRACE, QAT_TRACE, KXO_TRACE, TESTBUS_TRACE, SP_TRACE]) {
      const names = Object.values(cat);
      expect(new Set(names).size).toBe(names.length);
      for (const [key, name] of Object.entries(cat)) if (key.startsWith('err')) expect(name).toMatch(/^err_[a-z0-9_]+$/);
    }
  });
  it('nvme: no CAP_SYS_ADMIN → err_no_cap_sys_admin; an unknown ioctl → err_unknown_ioctl', async () => {
    k = await Kernel.boot({ clock: 'virtual', misc: '3.x' });
    await k.insmod('nvme');
    const ev = record(k);
    const root = k.spawn();
    await root.chmod('/dev/nvme0', 0o666);
    const user = k.spawn({ uid: 1000 });
    const fd = await user.open('/dev/nvme0', O_RDWR);
    await expect(user.ioctl(fd, NVME_IOCTL_ADMIN_CMD, user.mmap(4096))).rejects.toMatchObject({ code: 'EACCES' });
    await expect(user.ioctl(fd, 0x1234, 0)).rejects.toMatchObject({ code: 'ENOTTY' });
    expect(ev.map((e) => `${e.kind}:${e.name}`)).toEqual([`nvme:${NVME_TRACE.errNoCapSysAdmin}`, `nvme:${NVME_TRACE.errUnknownIoctl}`]);
  });
  it('qat: open with no started device → err_no_started_device', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('qat');
    const ev = record(k);
    await expect(k.spawn().open('/dev/qat_dev_processes', O_RDWR)).rejects.toMatchObject({ code: 'EACCES' });
    expect(ev.map((e) => e.name)).toEqual([QAT_TRACE.errNoStartedDevice]);
  });
  it('kxo: a non-blocking read of an empty fifo → err_again', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo', { build: 'test' });
    const ev = record(k);
    const p = k.spawn();
    const fd = await p.open('/dev/kxo', O_RDONLY | 0o4000);
    await expect(p.read(fd, p.mmap(4096), 66)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(ev.map((e) => e.name)).toEqual([KXO_TRACE.errAgain]);
  });
  it('testbus: an unknown ioctl → err_unknown_ioctl', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('test_bus', { devices: [{ name: 'eeprom', id: 0 }] });
    await k.insmod('test_chrdev');
    const ev = record(k);
    const p = k.spawn();
    const fd = await p.open('/dev/eeprom-0', O_RDWR);
    await expect(p.ioctl(fd, 0x7403, 0)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(ev.map((e) => e.name)).toEqual([TESTBUS_TRACE.errUnknownIoctl]);
  });
});
