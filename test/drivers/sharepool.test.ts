// sharepool.md "Edge cases a test suite must cover", 1–14, plus real sharing and the test device.
import { describe, it, expect, afterEach, beforeEach } from 'vitest';
import { Kernel, KernelError, O_RDWR, type Process } from '../../src/index.js';
import type { SharepoolApi } from '../../src/drivers/sharepool/index.js';
import { SP_IOCTL_ADD_GROUP, SP_IOCTL_ALLOC, SP_IOCTL_GROUP_ID, SP_IOCTL_K2U } from '../../src/drivers/sharepool/uapi.js';
import { errnoOf } from '../helpers/kernel.js';


let k: Kernel;
let sp: SharepoolApi;
beforeEach(async () => {
  k = await Kernel.boot({ clock: 'virtual', memoryMiB: 128 });
  sp = (await k.insmod('sharepool')).api;
});
afterEach(async () => {
  await k.shutdown();
});
const spawn = () => k.spawn();

describe('spg_id validity (§4.1, edge 1)', () => {
  it('0, -1, 200001, 800000, 899999, 900001 → EINVAL; 1, 99999, 200000, 900000 accepted', () => {
    for (const id of [0, -1, 200001, 800000, 899999, 900001]) expect(errnoOf(() => sp.addTask(spawn().pid, id)), `id ${id}`).toBe(-22);
    expect(sp.addTask(spawn().pid, 1)).toBe(1);
    expect(sp.addTask(spawn().pid, 99999)).toBe(99999);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100000);
    expect(sp.addTask(spawn().pid, 900000)).toBe(800000);
  });
});

describe('auto ids (§4.2–4.4, edges 2–3)', () => {
  it('an explicit auto id never created → EINVAL; created and alive → joins (edge 2)', () => {
    expect(errnoOf(() => sp.addTask(spawn().pid, 100005))).toBe(-22);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100000);
    const b = spawn();
    expect(sp.addTask(b.pid, 100000)).toBe(100000);
    expect(sp.groups.get(100000)!.procs).toHaveLength(2);
  });
  it('AUTO twice → 100000, 100001; after the first group dies the next AUTO reuses 100000; DVPP → 800000, 800001 (edge 3)', async () => {
    const a = spawn();
    expect(sp.addTask(a.pid, 200000)).toBe(100000);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100001);
    await a.exit();
    expect(sp.groups.has(100000)).toBe(false);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100000);
    expect(sp.addTask(spawn().pid, 900000)).toBe(800000);
    expect(sp.addTask(spawn().pid, 900000)).toBe(800001);
  });
});

describe('task checks (§4.5–4.6, edges 4–5)', () => {
  it('unknown pid, exiting task or kernel thread → ESRCH, and a newly generated id goes back (free_new_spg_id, edge 4)', () => {
    expect(errnoOf(() => sp.addTask(9999, 200000))).toBe(-3);
    expect(sp.ida.isUsed(100000)).toBe(false);
    const e = spawn();
    sp.setProc(e.pid, { exiting: true });
    expect(errnoOf(() => sp.addTask(e.pid, 200000))).toBe(-3);
    expect(sp.ida.isUsed(100000)).toBe(false);
    const kt = spawn();
    sp.setProc(kt.pid, { kthread: true });
    expect(errnoOf(() => sp.addTask(kt.pid, 200000))).toBe(-3);
    expect(sp.ida.isUsed(100000)).toBe(false);
    // so the next process gets the first auto id
    expect(sp.addTask(spawn().pid, 200000)).toBe(100000);
  });
  it('already in a group → EEXIST, and the newly generated id goes back (free_new_spg_id, edge 5)', () => {
    const a = spawn();
    expect(sp.addTask(a.pid, 5)).toBe(5);
    expect(errnoOf(() => sp.addTask(a.pid, 200000))).toBe(-17);
    expect(sp.ida.isUsed(100000)).toBe(false);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100000);
    expect(sp.addTask(spawn().pid, 200000)).toBe(100001);
  });
});

describe('find_or_alloc and access control (§4.7–4.8, edges 6–7)', () => {
  it('a dead but referenced group → ENODEV; once freed the id makes a fresh group (edge 6)', async () => {
    const a = spawn();
    sp.addTask(a.pid, 7);
    const held = sp.find(a.pid, 7)!;
    await a.exit();
    expect(sp.groups.get(7)!.isAlive).toBe(false);
    expect(errnoOf(() => sp.addTask(spawn().pid, 7))).toBe(-19);
    sp.drop(held);
    expect(sp.groups.has(7)).toBe(false);
    expect(sp.addTask(spawn().pid, 7)).toBe(7);
    expect(sp.groups.get(7)!.spaList).toEqual([]);
  });
  it('AC_SINGLE_OWNER: a non-owner joining → EPERM, use_count unchanged (edge 7)', () => {
    sp.acMode = 1;
    const owner = spawn();
    expect(sp.addTask(owner.pid, 3, owner.pid)).toBe(3);
    const before = sp.groups.get(3)!.useCount;
    const other = spawn();
    expect(errnoOf(() => sp.addTask(other.pid, 3, other.pid))).toBe(-1);
    expect(sp.groups.get(3)!.useCount).toBe(before);
  });
});

describe('areas on join (§4.11, edges 8–12)', () => {
  function groupWithAreas(n: number): { owner: Process; vas: number[] } {
    const owner = spawn();
    sp.addTask(owner.pid, 9);
    return { owner, vas: Array.from({ length: n }, () => sp.alloc(owner.pid, 4096 * 3)) };
  }
  it('three ALLOC areas: all mapped in order, each use_count +1, id returned, use_count +1, mm in procs (edge 8)', () => {
    const { vas } = groupWithAreas(3);
    const g = sp.groups.get(9)!;
    const counts = g.spaList.map((a) => a.useCount);
    const uc = g.useCount;
    const b = spawn();
    expect(sp.addTask(b.pid, 9)).toBe(9);
    expect(sp.mapped(b.pid).map(([s]) => s)).toEqual(vas);
    expect(g.spaList.map((a) => a.useCount)).toEqual(counts.map((c) => c + 1));
    expect(g.useCount).toBe(uc + 1);
    expect(g.procs).toContain(b.pid);
  });
  it('mmap failure at area 2: areas 0–1 unmapped, error, not in the group, counts restored, a fresh group freed (edge 9)', () => {
    groupWithAreas(3);
    const g = sp.groups.get(9)!;
    const counts = g.spaList.map((a) => a.useCount);
    sp.faults.mmapFailAt = 2;
    const b = spawn();
    expect(errnoOf(() => sp.addTask(b.pid, 9))).toBe(-12);
    expect(sp.mapped(b.pid)).toEqual([]);
    expect(g.procs).not.toContain(b.pid);
    expect(g.spaList.map((a) => a.useCount)).toEqual(counts);
    expect(errnoOf(() => sp.groupOf(b.pid))).toBe(-19);
    sp.faults.mmapFailAt = -1;
    sp.faults.fileSetupFail = false;
    const c = spawn();
    sp.faults.statAllocFail = true;
    expect(errnoOf(() => sp.addTask(c.pid, 200000))).toBe(-12);
    expect(sp.groups.has(100000)).toBe(false);
    expect(sp.ida.isUsed(100000)).toBe(false);
  });
  it('populate failure at area 2: areas 0–2 unmapped, error (edge 10)', () => {
    groupWithAreas(3);
    sp.faults.populateFailAt = 2;
    const b = spawn();
    expect(errnoOf(() => sp.addTask(b.pid, 9))).toBe(-12);
    expect(sp.mapped(b.pid)).toEqual([]);
  });
  it('a core dump in progress → EBUSY after unmapping earlier areas (edge 11)', () => {
    groupWithAreas(2);
    const b = spawn();
    sp.setProc(b.pid, { coredump: true });
    expect(errnoOf(() => sp.addTask(b.pid, 9))).toBe(-16);
    expect(sp.mapped(b.pid)).toEqual([]);
  });
  it('a K2SPG remap failure: the join still succeeds without that mapping (edge 12)', () => {
    const owner = spawn();
    sp.addTask(owner.pid, 4);
    const va = sp.k2u(owner.pid, 4096, 4, 0x5a);
    sp.faults.k2uRemapFail = true;
    const b = spawn();
    expect(sp.addTask(b.pid, 4)).toBe(4);
    expect(() => b.peek(va, 1)).toThrow();
    sp.faults.k2uRemapFail = false;
    const c = spawn();
    expect(sp.addTask(c.pid, 4)).toBe(4);
    expect([...c.peek(va, 2)]).toEqual([0x5a, 0x5a]);
  });
  it('an area whose free has begun is dead: a join meanwhile skips it, a second free does not find it, and it goes with its last use (is_dead)', () => {
    const { owner, vas } = groupWithAreas(2);
    // another join walk holds a temporary use of the first area while the owner frees it
    const held = sp.holdArea(owner.pid, vas[0]!)!;
    expect(sp.free(owner.pid, vas[0]!)).toBe(0);
    const g = sp.groups.get(9)!;
    expect(g.spaList.map((a) => [a.vaStart, a.isDead])).toEqual([[vas[0], true], [vas[1], false]]);
    expect(errnoOf(() => sp.free(owner.pid, vas[0]!))).toBe(-22);
    expect(() => owner.peek(vas[0]!, 1)).toThrow(); // unmapped from the members
    // a process joining now gets the live area only
    const b = spawn();
    expect(sp.addTask(b.pid, 9)).toBe(9);
    expect(sp.mapped(b.pid).map(([s]) => s)).toEqual([vas[1]]);
    expect(() => b.peek(vas[0]!, 1)).toThrow();
    expect(held.pfns).toHaveLength(3); // its pages wait for the last use
    const free = k.phys.freeFrames;
    sp.dropArea(held);
    expect(g.spaList.map((a) => a.vaStart)).toEqual([vas[1]]);
    expect([held.pfns, k.phys.freeFrames]).toEqual([[], free + 3]);
  });
});

describe('death (§6, edges 13–14)', () => {
  it('the last member exits → is_alive false, a notice, joins rejected; use_count 0 only after every reference (edge 13)', async () => {
    const a = spawn();
    sp.addTask(a.pid, 200000);
    const held = sp.find(a.pid, 100000)!;
    await a.exit();
    expect(held.isAlive).toBe(false);
    expect(sp.deadNotices).toEqual([100000]);
    expect(errnoOf(() => sp.addTask(spawn().pid, 100000))).toBe(-22);
    expect(held.useCount).toBe(1);
    sp.drop(held);
    expect(sp.groups.has(100000)).toBe(false);
  });
  it('a stat record from before a failed join is dropped by the failure path (observed, edge 14)', () => {
    const owner = spawn();
    sp.addTask(owner.pid, 11);
    sp.alloc(owner.pid, 4096);
    const a = spawn();
    expect(sp.k2u(a.pid, 4096, -1)).toBeGreaterThan(0); // k2u to the task alone creates its record
    expect(sp.stats.get(a.pid)).toMatchObject({ useCount: 1, k2uSize: 4096 });
    sp.faults.mmapFailAt = 0;
    expect(errnoOf(() => sp.addTask(a.pid, 11))).toBe(-12);
    expect(sp.stats.has(a.pid)).toBe(false);
  });
});

describe('memory is really shared', () => {
  it('bytes one member writes are read by another; a non-member faults at that address', async () => {
    const a = spawn();
    const b = spawn();
    sp.addTask(a.pid, 21);
    sp.addTask(b.pid, 21);
    const va = sp.alloc(a.pid, 8192);
    a.poke(va + 4000, 'shared!');
    expect(String.fromCharCode(...b.peek(va + 4000, 7))).toBe('shared!');
    const zero = await b.open('/dev/zero');
    expect(await b.read(zero, va + 4000, 3)).toBe(3);
    expect([...a.peek(va + 4000, 4)]).toEqual([0, 0, 0, 0x72]);
    const outsider = spawn();
    expect(() => outsider.peek(va, 1)).toThrow(/EFAULT/);
    const oz = await outsider.open('/dev/zero');
    await expect(outsider.read(oz, va, 1)).rejects.toMatchObject({ code: 'EFAULT' });
  });
  it('the test device: add group, alloc, k2u and group id through ioctls', async () => {
    const p = spawn();
    const fd = await p.open('/dev/sharepool_test', O_RDWR);
    const b = p.mmap(4096);
    const v = (n: number) => new DataView(p.peek(b, n).buffer);
    p.poke(b, new Uint8Array(new Int32Array([p.pid, 200000]).buffer));
    expect(await p.ioctl(fd, SP_IOCTL_ADD_GROUP, b)).toBe(100000);
    p.poke(b, new Uint8Array(new Int32Array([p.pid, 0]).buffer));
    expect(await p.ioctl(fd, SP_IOCTL_GROUP_ID, b)).toBe(0);
    expect(v(8).getInt32(4, true)).toBe(100000);
    const alloc = new DataView(new ArrayBuffer(32));
    alloc.setBigUint64(0, 8192n, true);
    p.poke(b, new Uint8Array(alloc.buffer));
    expect(await p.ioctl(fd, SP_IOCTL_ALLOC, b)).toBe(0);
    const va = Number(v(32).getBigUint64(24, true));
    p.poke(va, 'ok');
    expect(String.fromCharCode(...p.peek(va, 2))).toBe('ok');
    const k2u = new DataView(new ArrayBuffer(24));
    k2u.setBigUint64(0, 4096n, true);
    k2u.setInt32(8, 100000, true);
    k2u.setUint32(12, 0x33, true);
    p.poke(b, new Uint8Array(k2u.buffer));
    expect(await p.ioctl(fd, SP_IOCTL_K2U, b)).toBe(0);
    expect(p.peek(Number(v(24).getBigUint64(16, true)), 1)[0]).toBe(0x33);
    await expect(p.ioctl(fd, 0x1234, b)).rejects.toMatchObject({ code: 'ENOTTY' });
  });
});

describe('the test device checks who acts on whom', () => {
  const addGroup = async (p: Process, fd: number, buf: number, pid: number, id: number) => {
    p.poke(buf, new Uint8Array(new Int32Array([pid, id]).buffer));
    return p.ioctl(fd, SP_IOCTL_ADD_GROUP, buf);
  };
  it('is 0600 by default: a user cannot open it', async () => {
    const user = k.spawn({ uid: 1000 });
    await expect(user.open('/dev/sharepool_test', O_RDWR)).rejects.toMatchObject({ code: 'EACCES' });
  });
  it('with 0666, a user can neither add root, nor read its group, nor join it, nor k2u into it', async () => {
    await k.rmmod('sharepool');
    sp = (await k.insmod('sharepool', { devMode: 0o666 })).api;
    const root = spawn();
    const rfd = await root.open('/dev/sharepool_test', O_RDWR);
    const rbuf = root.mmap(4096);
    expect(await addGroup(root, rfd, rbuf, root.pid, 42)).toBe(42);
    const secret = sp.alloc(root.pid, 4096);
    root.poke(secret, 'root data');
    const user = k.spawn({ uid: 1000 });
    const fd = await user.open('/dev/sharepool_test', O_RDWR);
    const buf = user.mmap(4096);
    await expect(addGroup(user, fd, buf, root.pid, 7)).rejects.toMatchObject({ code: 'EPERM' });
    await expect(addGroup(user, fd, buf, user.pid, 42)).rejects.toMatchObject({ code: 'EPERM' });
    user.poke(buf, new Uint8Array(new Int32Array([root.pid, 0]).buffer));
    await expect(user.ioctl(fd, SP_IOCTL_GROUP_ID, buf)).rejects.toMatchObject({ code: 'EPERM' });
    const k2u = new DataView(new ArrayBuffer(24));
    k2u.setBigUint64(0, 4096n, true);
    k2u.setInt32(8, 42, true);
    user.poke(buf, new Uint8Array(k2u.buffer));
    await expect(user.ioctl(fd, SP_IOCTL_K2U, buf)).rejects.toMatchObject({ code: 'EPERM' });
    expect(sp.groups.get(42)!.procs).toEqual([root.pid]);
    expect(String.fromCharCode(...root.peek(secret, 9))).toBe('root data');
    expect(() => user.peek(secret, 1)).toThrow(/EFAULT/);
    // a user may still group its own processes
    const mine = k.spawn({ uid: 1000 });
    expect(await addGroup(user, fd, buf, mine.pid, 200000)).toBe(100000);
    expect(await addGroup(user, fd, buf, user.pid, 100000)).toBe(100000);
  });
});

describe('every share-pool frame comes back', () => {
  it('k2u to self, alloc never freed, k2u to a group and failed joins: all returned at exit and rmmod', async () => {
    await k.rmmod('sharepool');
    const base = k.phys.freeFrames;
    sp = (await k.insmod('sharepool')).api;
    const a = k.spawn({ uid: 1000 });
    const b = k.spawn({ uid: 1000 });
    expect(sp.k2u(a.pid, 1 << 20, -1, 0x11)).toBeGreaterThan(0); // a is in no group
    expect(sp.addTask(b.pid, 5)).toBe(5);
    const shared = sp.k2u(b.pid, 8192, 5, 0x22);
    expect(shared).toBeGreaterThan(0);
    expect(sp.alloc(b.pid, 3 << 20)).toBeGreaterThan(0); // never freed
    // a's join remaps the K2SPG area, then fails on the ALLOC one: the unwind takes both back
    sp.faults.mmapFailAt = 1;
    expect(errnoOf(() => sp.addTask(a.pid, 5))).toBe(-12);
    sp.faults.mmapFailAt = -1;
    expect(() => a.peek(shared, 1)).toThrow(/EFAULT/);
    const c = k.spawn({ uid: 1000 });
    expect(sp.addTask(c.pid, 5)).toBe(5); // c maps both areas, then is still alive at rmmod
    await a.exit();
    await b.exit();
    expect(sp.areaCount).toBe(2); // c still maps the group's two areas
    await k.rmmod('sharepool');
    expect(() => c.peek(shared, 1)).toThrow(/EFAULT/); // module exit unmapped it from c
    await c.exit();
    expect(k.phys.freeFrames).toBe(base);
  });
  it('error paths unwind exactly: alloc and k2u with page allocation failing', async () => {
    const before = k.phys.freeFrames;
    const a = k.spawn();
    const b = k.spawn();
    expect(sp.addTask(a.pid, 6)).toBe(6);
    expect(sp.addTask(b.pid, 6)).toBe(6);
    for (let space = 0; space < 40; space += 7) {
      k.faults.failPageAlloc.configure({ probability: 100, space, times: 1 });
      const r1 = errnoOf(() => sp.alloc(a.pid, 32 * 4096));
      k.faults.failPageAlloc.configure({ probability: 100, space, times: 1 });
      const r2 = errnoOf(() => sp.k2u(a.pid, 32 * 4096, -1));
      k.faults.failPageAlloc.configure({ probability: 100, space, times: 1 });
      const r3 = errnoOf(() => sp.k2u(a.pid, 32 * 4096, 6));
      for (const r of [r1, r2, r3]) if (r > 0) expect(r).toBeGreaterThanOrEqual(0xe000_0000);
      if (r1 > 0) expect(sp.free(a.pid, r1)).toBe(0);
    }
    k.faults.disableAll();
    await a.exit();
    await b.exit();
    expect(sp.areaCount).toBe(0);
    expect(k.phys.freeFrames).toBe(before);
  });
  it('one process cannot take all memory: a per-process limit, and it all returns at exit', async () => {
    const hog = k.spawn({ uid: 1000 });
    let n = 0;
    while ((errnoOf(() => sp.k2u(hog.pid, 8 << 20, -1)) as number) > 0) n++;
    expect(n).toBe(8); // limitMiB 64
    expect(errnoOf(() => sp.k2u(hog.pid, 8 << 20, -1))).toBe(-12);
    await hog.exit();
    const root = spawn();
    expect(root.mmap(96 << 20)).toBeGreaterThan(0);
  });
  it('freed ranges of the share-pool window are reused', () => {
    const a = spawn();
    for (let i = 0; i < 600; i++) {
      const va = sp.alloc(a.pid, 4096);
      expect(va, `round ${i}`).toBeGreaterThan(0);
      expect(sp.free(a.pid, va)).toBe(0);
    }
  });
});

describe('a group whose owner exited', () => {
  it('a user still cannot join a root group through it, nor free a member\'s allocation', async () => {
    await k.rmmod('sharepool');
    sp = (await k.insmod('sharepool', { devMode: 0o666 })).api;
    const owner = spawn();
    const member = spawn();
    expect(sp.addTask(owner.pid, 9)).toBe(9);
    expect(sp.addTask(member.pid, 9, owner.pid)).toBe(9);
    const va = sp.alloc(member.pid, 4096);
    member.poke(va, 'ROOT-SECRET');
    await owner.exit();
    const evil = k.spawn({ uid: 1000 });
    const fd = await evil.open('/dev/sharepool_test', O_RDWR);
    const b = evil.mmap(4096);
    evil.poke(b, new Uint8Array(new Int32Array([evil.pid, 9]).buffer));
    await expect(evil.ioctl(fd, SP_IOCTL_ADD_GROUP, b)).rejects.toMatchObject({ code: 'EPERM' });
    expect(errnoOf(() => sp.free(owner.pid, va))).toBe(-22); // not in the group any more
    const other = spawn();
    expect(sp.addTask(other.pid, 9, member.pid)).toBe(9);
    expect(errnoOf(() => sp.free(other.pid, va))).toBe(-1); // EPERM: only the applier frees
    expect(String.fromCharCode(...member.peek(va, 11))).toBe('ROOT-SECRET');
  });
});
