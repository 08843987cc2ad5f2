// qat.md "Edge cases a test suite must cover", 1–12.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, KernelError, O_RDWR, type Process } from '../../src/index.js';
import type { QatApi, QatDeviceConfig } from '../../src/drivers/qat/index.js';
import { adfUserProcessStart } from '../../src/user/adf.js';
import { parseConfig, expandUserSections, ADF_CFG_MAX_TEXT, type Section } from '../../src/drivers/qat/config.js';
import { errnoOf } from '../helpers/kernel.js';


let k: Kernel;
let api: QatApi;
afterEach(async () => {
  await k?.shutdown();
});
const cfg = (n: number, limit = 0) => `[GENERAL]\nServicesEnabled = cy\n[KERNEL]\nNumberCyInstances = 1\n[SSL]\nNumberCyInstances = 1\nNumProcesses = ${n}\nLimitDevAccess = ${limit}\nCy0CoreAffinity = 1\n`;
async function boot(devices: QatDeviceConfig[], variant: 'A' | 'B' = 'A') {
  k = await Kernel.boot({ clock: 'virtual' });
  api = (await k.insmod('qat', { devices, variant })).api;
}
async function write(p: Process, t: string): Promise<{ fd: number; r: number }> {
  const fd = await p.open('/dev/qat_dev_processes', O_RDWR);
  const b = p.mmap(4096);
  p.poke(b, t);
  return { fd, r: await p.write(fd, b, t.length) };
}
async function nameOf(p: Process, fd: number): Promise<string> {
  const b = p.mmap(4096);
  expect(await p.read(fd, b, 128)).toBe(0);
  const bytes = p.peek(b, 128);
  return String.fromCharCode(...bytes.subarray(0, bytes.indexOf(0)));
}

describe('open (qat §5, edge 1)', () => {
  it('no started device → EACCES; once one starts, open succeeds', async () => {
    await boot([{ id: 0, config: cfg(2) }]);
    const p = k.spawn();
    await expect(p.open('/dev/qat_dev_processes', O_RDWR)).rejects.toMatchObject({ code: 'EACCES' });
    api.start(0);
    await p.close(await p.open('/dev/qat_dev_processes', O_RDWR));
  });
  it('the node is root\'s 0600, as devtmpfs makes a device the driver gives no mode; devMode widens it', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const user = k.spawn({ uid: 1000 });
    const st = user.stat('/dev/qat_dev_processes');
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 0, 0]);
    await expect(user.open('/dev/qat_dev_processes', O_RDWR)).rejects.toMatchObject({ code: 'EACCES' });
    await k.shutdown();
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('qat', { devices: [{ id: 0, started: true, config: cfg(2) }], devMode: 0o666 });
    const other = k.spawn({ uid: 1000 });
    expect(other.stat('/dev/qat_dev_processes').mode & 0o7777).toBe(0o666);
    await other.close(await other.open('/dev/qat_dev_processes', O_RDWR));
    await expect(k.insmod('sharepool', { devMode: 0o1000 })).rejects.toMatchObject({ code: 'EINVAL' });
    await k.rmmod('qat');
    await expect(k.insmod('qat', { devMode: -1 })).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('write/read/release (qat §6–§8)', () => {
  it('NumProcesses 2: SSL_INT_0, SSL_INT_1, then 1; a freed name is handed out again (edge 2)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const [a, b, c, d] = [k.spawn(), k.spawn(), k.spawn(), k.spawn()];
    expect((await adfUserProcessStart(a, 'SSL')).name).toBe('SSL_INT_0');
    expect((await adfUserProcessStart(b, 'SSL')).name).toBe('SSL_INT_1');
    expect((await write(c, 'SSL')).r).toBe(1);
    await a.exit();
    expect((await adfUserProcessStart(d, 'SSL')).name).toBe('SSL_INT_0');
    expect(api.holders().map((h) => h.name).sort()).toEqual(['SSL_INT_0', 'SSL_INT_1']);
  });
  it('fast path: NumProcesses 0 still hands out SSL_INT_0; the second writer gets 1 (observed, edge 3)', async () => {
    await boot([{ id: 0, started: true, config: cfg(0) }]);
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_INT_0');
    expect((await write(k.spawn(), 'SSL')).r).toBe(1);
  });
  it('LimitDevAccess 1 on devices 0 and 1: SSL_DEV0_INT_0, SSL_DEV1_INT_0, then 1 (edge 4)', async () => {
    await boot([{ id: 0, started: true, config: cfg(1, 1) }, { id: 1, started: true, config: cfg(1, 1) }]);
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_DEV0_INT_0');
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_DEV1_INT_0');
    expect((await write(k.spawn(), 'SSL')).r).toBe(1);
  });
  it('an unlimited section on two devices with 2 slots each gives 2 names in total (edge 5)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }, { id: 1, started: true, config: cfg(2) }]);
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_INT_0');
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_INT_1');
    expect((await write(k.spawn(), 'SSL')).r).toBe(1);
  });
  it('"SSL\\n" → EINVAL; a 128-byte template → EIO; count 0 → EIO (edge 6)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const p = k.spawn();
    await expect(write(p, 'SSL\n')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(write(p, 'S'.repeat(128))).rejects.toMatchObject({ code: 'EIO' });
    await expect(write(p, '')).rejects.toMatchObject({ code: 'EIO' });
  });
  it('a second write after success → EBADF; after a 1 the same fd may retry (edge 7)', async () => {
    await boot([{ id: 0, started: true, config: cfg(1) }]);
    const p = k.spawn();
    const { fd } = await write(p, 'SSL');
    const b = p.mmap(4096);
    p.poke(b, 'SSL');
    await expect(p.write(fd, b, 3)).rejects.toMatchObject({ code: 'EBADF' });
    const q = k.spawn();
    const { fd: qfd, r } = await write(q, 'SSL');
    expect(r).toBe(1);
    await p.close(fd);
    const qb = q.mmap(4096);
    q.poke(qb, 'SSL');
    expect(await q.write(qfd, qb, 3)).toBe(0);
    expect(await nameOf(q, qfd)).toBe('SSL_INT_0');
  });
  it('read before assignment → EIO; after it returns 0 with strlen bytes and no NUL, ignoring count (edge 8)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const p = k.spawn();
    const fd = await p.open('/dev/qat_dev_processes', O_RDWR);
    const b = p.mmap(4096);
    await expect(p.read(fd, b, 128)).rejects.toMatchObject({ code: 'EIO' });
    p.poke(b, 'SSL');
    expect(await p.write(fd, b, 3)).toBe(0);
    p.poke(b, new Uint8Array(16).fill(0x7e));
    expect(await p.read(fd, b, 2)).toBe(0);
    expect(String.fromCharCode(...p.peek(b, 10))).toBe('SSL_INT_0~');
  });
  it('the first started device is a PF with VFs enabled and no VF started → EIO (edge 9)', async () => {
    await boot([{ id: 0, started: true, vfsEnabled: true, config: cfg(2) }, { id: 1, type: 'c62xvf', config: cfg(2) }]);
    await expect(write(k.spawn(), 'SSL')).rejects.toMatchObject({ code: 'EIO' });
  });
  it('gap quirk: device 0 not started, device 2 started, list non-empty → 0 with an EMPTY name (observed, edge 10)', async () => {
    await boot([{ id: 0, config: cfg(2) }, { id: 2, started: true, config: cfg(2) }]);
    const a = k.spawn();
    expect((await adfUserProcessStart(a, 'SSL')).name).toBe('SSL_INT_0');
    const p = k.spawn();
    const { fd, r } = await write(p, 'SSL');
    expect(r).toBe(0);
    expect(await nameOf(p, fd)).toBe('');
  });
  it('a signal while waiting for the semaphore → EBADF (edge 11)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const st = k.modules.get('qat')!.k.state;
    await st.sem.down(); // someone else holds it
    const p = k.spawn();
    const fd = await p.open('/dev/qat_dev_processes', O_RDWR);
    const b = p.mmap(4096);
    p.poke(b, 'SSL');
    const ac = new AbortController();
    const w = p.write(fd, b, 3, { signal: ac.signal });
    ac.abort();
    await expect(w).rejects.toMatchObject({ code: 'EBADF' });
    st.sem.up();
  });
  it('a signalled writer still takes a free semaphore (down_interruptible looks at signals only before sleeping)', async () => {
    await boot([{ id: 0, started: true, config: cfg(2) }]);
    const p = k.spawn();
    const fd = await p.open('/dev/qat_dev_processes', O_RDWR);
    const b = p.mmap(4096);
    p.poke(b, 'SSL');
    expect(await p.write(fd, b, 3, { signal: AbortSignal.abort() })).toBe(0);
    expect(await p.read(fd, b, 64)).toBe(0);
    expect(String.fromCharCode(...p.peek(b, 9))).toBe('SSL_INT_0');
  });
});

describe('config expansion (qat §4, edge 12)', () => {
  it('derived sections get the right names and keys; S keeps only LimitDevAccess', () => {
    const s = parseConfig(cfg(2, 1)) as Section[];
    expect(expandUserSections(s, 3)).toBe(0);
    expect(s.map((x) => x.name)).toEqual(['GENERAL', 'KERNEL', 'SSL', 'SSL_DEV3_INT_0', 'SSL_DEV3_INT_1']);
    expect(s[3]!.params).toEqual([{ key: 'NumberCyInstances', value: '1' }]);
    expect(s[2]!.params).toEqual([{ key: 'LimitDevAccess', value: '1' }]);
    const u = parseConfig(cfg(1)) as Section[];
    expandUserSections(u, 0);
    expect(u.map((x) => x.name)).toContain('SSL_INT_0');
  });
  it('variant B: a started device without the section is skipped; nothing found anywhere → EINVAL', async () => {
    await boot([{ id: 0, started: true, config: '[GENERAL]\n' }, { id: 1, started: true, config: cfg(1) }], 'B');
    expect((await adfUserProcessStart(k.spawn(), 'SSL')).name).toBe('SSL_INT_0');
    expect((await write(k.spawn(), 'SSL')).r).toBe(1);
    await expect(write(k.spawn(), 'TLS')).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('config values within the driver limits', () => {
  it('NumProcesses past the device limit, huge or overlong text is EINVAL at once, allocating nothing', async () => {
    await boot([{ id: 0, started: true, config: cfg(1) }]);
    // (a loop over 10^8 processes would end only at the test's timeout)
    expect(errnoOf(() => api.configure(0, cfg(1e8)))).toBe(-22);
    expect(errnoOf(() => api.configure(0, cfg(129)))).toBe(-22); // c62x: 16 banks x 8 ring pairs
    expect(api.configure(0, cfg(99999999999999999999))).toBe(0); // past u32: kstrtoul fails, read as 0
    expect(errnoOf(() => api.configure(0, '#'.repeat(ADF_CFG_MAX_TEXT + 1)))).toBe(-22);
    expect(errnoOf(() => api.configure(0, '[S]\n'.repeat(5000)))).toBe(-22);
    expect(api.configure(0, cfg(128))).toBe(0);
    expect(api.devices.get(0)!.sections.length).toBe(3 + 128);
    expect(errnoOf(() => api.addDevice({ id: 5, type: 'c62xvf', config: cfg(9) }))).toBe(-22); // a VF has 8
    expect(api.devices.has(5)).toBe(false);
  });
});
