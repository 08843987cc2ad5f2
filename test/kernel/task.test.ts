// Tasks and processes (src/kernel/task.ts, Kernel.exitTask, src/user/process.ts): exit while calls
// sleep or race it (mm_users), a handle after exit, signals against sleeps and releases.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, O_RDONLY, POLLIN, PROT_READ, PROT_WRITE, SIGKILL, SIGUSR1 } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';
import { Cred, CAP_SYS_ADMIN } from '../../src/kernel/cred.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

describe('exit while a call sleeps: the address space lives on (mm_users)', () => {
  it('a read completing after exit writes the dead process memory, never the next process', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod, st } = sleeperModule();
    await k.insmod(mod);
    const base = k.phys.freeFrames;
    const p1 = k.spawn({ uid: 1000 });
    const fd = await p1.open('/dev/sleeper', O_RDONLY);
    const buf = p1.mmap(4096);
    const pending = p1.read(fd, buf, 4096);
    await p1.exit();
    // the sleeping read still holds p1's memory and its file: nothing was freed under it
    expect(p1.task.mm.alive).toBe(true);
    expect(st.releases).toBe(0);
    const p2 = k.spawn({ uid: 0 });
    const canary = p2.mmap(64 * 4096);
    p2.poke(canary, new Uint8Array(64 * 4096).fill(0xaa));
    st.wake();
    expect(await pending).toBe(4096);
    expect(p2.peek(canary, 64 * 4096).every((b) => b === 0xaa)).toBe(true);
    // the last user of p1's memory and file has gone: release ran, every frame came back
    expect(st.releases).toBe(1);
    expect(p1.task.mm.alive).toBe(false);
    await p2.exit();
    expect(k.phys.freeFrames).toBe(base);
  });
  it('an interruptible sleep ends with EINTR at exit, so the call settles', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod, st } = sleeperModule();
    st.interruptible = true;
    await k.insmod(mod);
    const p = k.spawn();
    const fd = await p.open('/dev/sleeper', O_RDONLY);
    const buf = p.mmap(4096);
    const pending = errno(p.read(fd, buf, 10));
    const polled = errno(p.poll([{ fd, events: POLLIN }], -1));
    await p.kill(SIGKILL);
    expect(await pending).toBe('EINTR');
    expect(await polled).toBe('EINTR');
    expect(st.releases).toBe(1);
  });
});

describe('a Process handle after exit, and the tables exit leaves', () => {
  it('every call fails with ESRCH and root memory stays untouched', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const user = k.spawn({ uid: 1000 });
    const ubuf = user.mmap(4096);
    await user.exit();
    const root = k.spawn({ uid: 0 });
    const secret = root.mmap(4096);
    root.poke(secret, 'root secret');
    expect(await errno(() => user.peek(ubuf, 16))).toBe('ESRCH');
    expect(await errno(() => user.poke(ubuf, 'owned'))).toBe('ESRCH');
    expect(await errno(() => user.mprotect(ubuf, 4096, PROT_READ))).toBe('ESRCH');
    expect(await errno(() => user.mmap(4096))).toBe('ESRCH');
    expect(await errno(() => user.munmap(ubuf, 4096))).toBe('ESRCH');
    expect(await errno(user.open('/dev/null'))).toBe('ESRCH');
    expect(await errno(user.kill(SIGUSR1))).toBe('ESRCH');
    expect(await errno(() => user.stat('/dev/null'))).toBe('ESRCH');
    expect(new TextDecoder().decode(root.peek(secret, 11))).toBe('root secret');
    await user.exit(); // twice is harmless
  });
  it('a task that exits, with or without files open, is gone from every table of the kernel', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const exiting = (k as unknown as { exiting: Map<unknown, unknown> }).exiting;
    const free = k.phys.freeFrames;
    for (let i = 0; i < 2000; i++) {
      const p = k.spawn({ uid: 1000 });
      p.mmap(4096);
      if (i % 2) await p.open('/dev/null');
      await (i % 3 ? p.exit() : Promise.all([p.exit(), p.exit()]));
    }
    await new Promise((r) => setImmediate(r));
    expect([k.tasks.size, exiting.size, k.nrFiles, k.phys.freeFrames]).toEqual([0, 0, 0, free]);
  });
});

describe('calls racing exit', () => {
  it('an open issued while exit runs is refused; an open in flight at exit leaks no file or module reference', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod, st } = sleeperModule();
    await k.insmod(mod);
    const p = k.spawn();
    st.openSleeps = true;
    const inflight = errno(p.open('/dev/sleeper', O_RDONLY));
    const exiting = p.exit();
    expect(await errno(p.open('/dev/null'))).toBe('ESRCH');
    await exiting;
    st.wake();
    expect(await inflight).toBe('ESRCH');
    expect(p.task.openFds()).toEqual([]);
    expect(st.releases).toBe(1);
    expect(k.modules.get('sleeper')!.mod.refcnt).toBe(0);
    await k.rmmod('sleeper');
  });
});

describe('signals, sleeps and releases', () => {
  it('a forged AbortSignal (made from the prototype) is EINVAL; nothing of it runs in the kernel', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod } = sleeperModule();
    await k.insmod(mod);
    const p = k.spawn();
    const fd = await p.open('/dev/sleeper', O_RDONLY);
    const sig = Object.create(AbortSignal.prototype);
    Object.defineProperty(sig, 'removeEventListener', { value: () => { throw new TypeError('forged'); } });
    expect(await errno(p.read(fd, p.mmap(4096), 10, { signal: sig }))).toBe('EINVAL');
    await p.exit();
    expect([k.nrFiles, k.modules.get('sleeper')!.mod.refcnt]).toEqual([0, 0]);
  });
  it('VMAs are bounded by vm.max_map_count; a call among thousands changes only the areas it names', async () => {
    // (how long one call takes among 6000 areas is a timing: bench/, not here)
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 64 });
    const p = k.spawn({ uid: 1000 });
    for (let i = 0; i < 6000; i++) p.mmap(4096, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE);
    const before = p.task.mm.areas.length;
    expect(before).toBeLessThanOrEqual(6000);
    const first = p.task.mm.areas[0]!.start;
    p.mprotect(first, 4096, PROT_READ); // the first page now matches its neighbour's protection
    p.munmap(first + 3 * 4096, 4096);
    expect(() => p.peek(first + 3 * 4096, 1)).toThrow();
    expect(p.peek(first + 2 * 4096, 1)).toHaveLength(1);
    expect(p.task.mm.areas.length).toBeLessThanOrEqual(before);
  });
  it('mknod needs write and search permission on the parent, and only devtmpfs takes nodes', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const user = k.spawn({ uid: 1000, caps: [27 /* CAP_MKNOD */] });
    expect(await errno(user.mknod('/dev/nvme1', 0o20666, 10 << 20))).toBe('EACCES');
    expect(await errno(user.mknod('/sys/class/new/dir/node', 0o20666, 0))).toBe('ENOENT');
    expect(await errno(k.spawn().mknod('/sys/class/node', 0o20666, 0))).toBe('EPERM');
    expect(await errno(k.spawn().mknod('/dev/fresh', 0o20600, 10 << 20))).toBe('no error');
  });
  it('a failing insmod unwinds: qat with a bad device, test_bus with a duplicate id, then both load', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    expect(await errno(k.insmod('qat', { devices: [{ id: 0, started: true, config: '' }, { id: -1 }] }))).toBe('EINVAL');
    expect(await errno(k.insmod('test_bus', { devices: [{ name: 'eeprom', id: 0 }, { name: 'eeprom', id: 0 }] }))).toBe('EEXIST');
    expect(await errno(() => k.spawn().stat('/dev/qat_dev_processes'))).toBe('ENOENT');
    await k.insmod('qat', { devices: [{ id: 0, started: true }] });
    await k.insmod('test_bus', { devices: [{ name: 'eeprom', id: 0 }] });
  });
});

describe('per-call views of a task (withAbort)', () => {
  it('a view kept for a signal reads the credentials anew after each credsChanged, as the task does', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const task = k.createTask({ uid: 0, gid: 0 });
    let now = new Cred(0, 0);
    task.credSource = () => now;
    const signal = new AbortController().signal;
    task.credsChanged();
    expect(task.withAbort(signal).cred.uid).toBe(0);
    // the process gave up root between two calls of one connection (one signal, one view)
    now = new Cred(1000, 1000);
    task.credsChanged();
    const view = task.withAbort(signal);
    expect(view.cred.uid).toBe(1000);
    expect(view.capable(CAP_SYS_ADMIN)).toBe(false);
    expect(task.cred.uid).toBe(1000);
  });
});
