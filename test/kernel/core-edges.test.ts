// chrdev-core.md "Edge cases a test suite must cover", 1–17, one test each.
import { describe, it, expect, afterEach } from 'vitest';
import {
  Kernel, defineModule, MKDEV, MAJOR, MINOR, O_RDONLY, O_RDWR, O_NONBLOCK, O_WRONLY, POLLIN, PROT_READ, PROT_WRITE,
  EFAULT, EAGAIN, ENOIOCTLCMD, Kfifo, _IO, _IOWR, _IOW, _IOC_DIR, _IOC_TYPE, _IOC_NR, _IOC_SIZE, MISC_DYNAMIC_MINOR,
  S_IFCHR, KernelError,
} from '../../src/index.js';
import { ChrdevRegistry } from '../../src/kernel/chrdev.js';
import { Ida } from '../../src/kernel/ida.js';
import type { ModuleApi } from '../../src/kernel/module.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

describe('dev_t (edge 1)', () => {
  it('MKDEV/MAJOR/MINOR round-trip at the limits; MINOR never negative', () => {
    for (const [ma, mi] of [[511, 0xfffff], [4095, 0xfffff], [0, 0], [254, 1]]) {
      const d = MKDEV(ma!, mi!);
      expect([MAJOR(d), MINOR(d), d >= 0]).toEqual([ma, mi, true]);
    }
    expect(MKDEV(4095, 0xfffff)).toBe(0xffffffff);
  });
});

describe('region registry (edges 2–6)', () => {
  it('dynamic majors 254, 253 …; after 234..254 the next is 511 (edge 2)', () => {
    const r = new ChrdevRegistry();
    expect(MAJOR(r.allocChrdevRegion(0, 1, 'a'))).toBe(254);
    expect(MAJOR(r.allocChrdevRegion(0, 1, 'b'))).toBe(253);
    for (let i = 0; i < 19; i++) r.allocChrdevRegion(0, 1, `x${i}`);
    expect(MAJOR(r.allocChrdevRegion(0, 1, 'c'))).toBe(511);
    expect(MAJOR(r.allocChrdevRegion(0, 1, 'd'))).toBe(510);
  });
  it('major 489 occupies bucket 234, so the first pass skips 234 (observed, edge 3)', () => {
    const r = new ChrdevRegistry();
    expect(r.registerChrdevRegion(MKDEV(489, 0), 1, 'q')).toBe(0);
    for (let i = 254; i >= 235; i--) expect(MAJOR(r.allocChrdevRegion(0, 1, 'x'))).toBe(i);
    expect(MAJOR(r.allocChrdevRegion(0, 1, 'y'))).toBe(511);
  });
  it('overlap → -EBUSY, adjacent ok, major 512 → -EINVAL, minorct too large → -EINVAL (edge 4)', () => {
    const r = new ChrdevRegistry();
    expect(r.registerChrdevRegion(MKDEV(100, 0), 10, 'a')).toBe(0);
    expect(r.registerChrdevRegion(MKDEV(100, 5), 10, 'b')).toBe(-16);
    expect(r.registerChrdevRegion(MKDEV(100, 10), 10, 'c')).toBe(0);
    expect(r.registerRegion(512, 0, 1, 'd')).toBe(-22);
    expect(r.registerRegion(100, 0x100, 0x100000, 'e')).toBe(-22);
  });
  it('a region spanning two majors rolls back its first part when the second fails (edge 5)', () => {
    const r = new ChrdevRegistry();
    expect(r.registerChrdevRegion(MKDEV(201, 0), 1, 'blocker')).toBe(0);
    expect(r.registerChrdevRegion(MKDEV(200, 0xffff0), 0x20, 'span')).toBe(-16);
    expect(r.regions().map((c) => c.name)).toEqual(['blocker']);
  });
  it('unregister with a mismatched count leaves the region registered (edge 6)', () => {
    const r = new ChrdevRegistry();
    r.registerChrdevRegion(MKDEV(150, 0), 4, 'a');
    r.unregisterChrdevRegion(MKDEV(150, 0), 3);
    expect(r.regions()).toHaveLength(1);
    r.unregisterChrdevRegion(MKDEV(150, 0), 4);
    expect(r.regions()).toHaveLength(0);
  });
});

/** A driver with a fifo-backed device, used by several cases below. */
const fifoDev = defineModule({
  name: 'fifodev',
  init(k: ModuleApi) {
    const dev = k.allocChrdevRegion(0, 2, 'fifodev');
    const fifo = k.kfifoAlloc(16) as Kfifo;
    const wq = k.initWaitqueueHead();
    const cdev = k.cdevAlloc({
      async read(file, ubuf, count, cur) {
        for (;;) {
          const { ret, copied } = fifo.toUser(cur, ubuf, count);
          if (ret) return ret;
          if (copied) return copied;
          if (file.flags & O_NONBLOCK) return -EAGAIN;
          const w = await k.waitEventInterruptible(wq, () => fifo.len > 0, cur);
          if (w) return w;
        }
      },
      write(_f, ubuf, count, cur) {
        const { ret, copied } = fifo.fromUser(cur, ubuf, count);
        if (copied) wq.wakeUpInterruptible();
        return ret || copied;
      },
      poll(file, pt) {
        k.pollWait(file, wq, pt);
        return fifo.len ? POLLIN : 0;
      },
      unlockedIoctl: (_f, cmd) => (cmd === 1 ? 42 : cmd === 2 ? -ENOIOCTLCMD : -25),
    });
    k.cdevAdd(cdev, dev, 1);
    const cls = k.classCreate('fifodev') as any;
    k.deviceCreate(cls, null, dev, null, 'fifo0');
    k.deviceCreate(cls, null, dev + 1, null, 'fifo1'); // a node with no cdev behind it
    k.state = { dev, cdev, cls, fifo };
    return 0;
  },
  exit(k) {
    k.deviceDestroy(k.state.cls, k.state.dev);
    k.deviceDestroy(k.state.cls, k.state.dev + 1);
    k.classDestroy(k.state.cls);
    k.cdevDel(k.state.cdev);
    k.unregisterChrdevRegion(k.state.dev, 2);
  },
});

describe('cdev lookup (edges 7–8)', () => {
  it('a node without a cdev → ENXIO; after cdev_del an open fd works but a new open fails (edge 7)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod(fifoDev);
    const p = k.spawn();
    await expect(p.open('/dev/fifo1', O_RDWR)).rejects.toMatchObject({ code: 'ENXIO' });
    const fd = await p.open('/dev/fifo0', O_RDWR);
    h.k.cdevDel(h.k.state.cdev);
    const b = p.mmap(4096);
    p.poke(b, 'hi');
    expect(await p.write(fd, b, 2)).toBe(2);
    await expect(p.open('/dev/fifo0', O_RDWR)).rejects.toMatchObject({ code: 'ENXIO' });
    await p.close(fd);
  });
  it('two cdevs covering one dev: the smaller range wins (edge 8)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const which: string[] = [];
    const m = defineModule({
      name: 'two',
      init(k) {
        k.registerChrdevRegion(MKDEV(300, 0), 8, 'two');
        k.cdevAdd(k.cdevAlloc({ open: () => (which.push('big'), 0) }), MKDEV(300, 0), 8);
        k.cdevAdd(k.cdevAlloc({ open: () => (which.push('small'), 0) }), MKDEV(300, 2), 2);
        return 0;
      },
    });
    await k.insmod(m);
    const p = k.spawn();
    await p.mknod('/dev/t2', S_IFCHR | 0o600, MKDEV(300, 2));
    await p.mknod('/dev/t5', S_IFCHR | 0o600, MKDEV(300, 5));
    await p.close(await p.open('/dev/t2'));
    await p.close(await p.open('/dev/t5'));
    expect(which).toEqual(['small', 'big']);
  });
});

describe('misc (edge 9)', () => {
  const misc = (minor: number, name: string, seen?: unknown[]) => defineModule({
    name: `misc_${name}`,
    init(k) {
      const m = { minor, name, fops: { open: (_i: any, f: any) => (seen?.push(f.privateData), 0) } };
      k.state = m;
      return k.miscRegister(m);
    },
    exit(k) {
      k.miscDeregister(k.state);
    },
  });
  it('modern: dynamic 256, 257; duplicate fixed → EBUSY; fixed 300 → EINVAL; private_data is the miscdevice', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const seen: unknown[] = [];
    const a = await k.insmod(misc(MISC_DYNAMIC_MINOR, 'a', seen));
    await k.insmod(misc(MISC_DYNAMIC_MINOR, 'b'));
    expect([a.k.state.minor, k.modules.get('misc_b')!.k.state.minor]).toEqual([256, 257]);
    await k.insmod(misc(200, 'c'));
    await expect(k.insmod(misc(200, 'd'))).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(k.insmod(misc(300, 'e'))).rejects.toMatchObject({ code: 'EINVAL' });
    const p = k.spawn();
    await p.close(await p.open('/dev/a'));
    expect(seen).toEqual([a.k.state]);
    await p.mknod('/dev/ghost', S_IFCHR | 0o600, MKDEV(10, 999));
    await expect(p.open('/dev/ghost')).rejects.toMatchObject({ code: 'ENODEV' });
  });
  it('3.x: dynamic minors 63, 62 …', async () => {
    k = await Kernel.boot({ clock: 'virtual', misc: '3.x' });
    const a = await k.insmod(misc(MISC_DYNAMIC_MINOR, 'a'));
    const b = await k.insmod(misc(MISC_DYNAMIC_MINOR, 'b'));
    expect([a.k.state.minor, b.k.state.minor]).toEqual([63, 62]);
  });
});

describe('sysfs (edges 10–11)', () => {
  it('dev reads "M:m\\n", uevent has MAJOR/MINOR/DEVNAME, duplicate name → EEXIST, device_destroy removes the node', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod(fifoDev);
    const p = k.spawn();
    const dev = h.k.state.dev;
    expect(await p.readFile('/sys/class/fifodev/fifo0/dev')).toBe(`${MAJOR(dev)}:0\n`);
    expect(await p.readFile('/sys/class/fifodev/fifo0/uevent')).toBe(`MAJOR=${MAJOR(dev)}\nMINOR=0\nDEVNAME=fifo0\n`);
    expect(h.k.deviceCreate(h.k.state.cls, null, dev, null, 'fifo0')).toBe(-17);
    h.k.deviceDestroy(h.k.state.cls, dev);
    await expect(p.open('/dev/fifo0')).rejects.toMatchObject({ code: 'ENOENT' });
  });
  it('show returning 5000 chars → 4095 bytes; write of 0 bytes skips store; a write at an offset still calls store (edge 11)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const stored: string[] = [];
    const m = defineModule({
      name: 'attrs',
      init(k) {
        const cls = k.classCreate('attrs') as any;
        const d = k.deviceCreate(cls, null, 0, null, 'a0') as any;
        k.deviceCreateFile(d, { name: 'big', show: () => 'x'.repeat(5000) });
        k.deviceCreateFile(d, { name: 'rw', show: () => 'v\n', store: (_d, t) => (stored.push(t), t.length) });
        return 0;
      },
    });
    await k.insmod(m);
    const p = k.spawn();
    expect((await p.readFile('/sys/class/attrs/a0/big')).length).toBe(4095);
    const fd = await p.open('/sys/class/attrs/a0/rw', O_RDWR);
    const b = p.mmap(4096);
    p.poke(b, 'abc');
    expect(await p.write(fd, b, 0)).toBe(0);
    expect(stored).toEqual([]);
    expect(await p.read(fd, b, 2)).toBe(2);
    expect(await p.write(fd, b, 2)).toBe(2);
    expect(stored).toEqual(['v\n']);
    await expect(p.open('/sys/class/attrs/a0/big', O_WRONLY)).rejects.toMatchObject({ code: 'EACCES' });
  });
});

describe('VFS defaults and blocking (edges 12–13)', () => {
  it('no .read → EINVAL; no ioctl → ENOTTY; ENOIOCTLCMD → ENOTTY; no llseek → ESPIPE; no .poll → 0x145 (edge 12)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const m = defineModule({
      name: 'bare',
      init(k) {
        const dev = k.allocChrdevRegion(0, 1, 'bare');
        k.cdevAdd(k.cdevAlloc({}), dev, 1);
        k.deviceCreate(k.classCreate('bare') as any, null, dev, null, 'bare');
        return 0;
      },
    });
    await k.insmod(m);
    await k.insmod(fifoDev);
    const p = k.spawn();
    const fd = await p.open('/dev/bare', O_RDWR);
    const b = p.mmap(4096);
    await expect(p.read(fd, b, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.write(fd, b, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.ioctl(fd, 0x1234)).rejects.toMatchObject({ code: 'ENOTTY' });
    await expect(p.lseek(fd, 0, 0)).rejects.toMatchObject({ code: 'ESPIPE' });
    expect((await p.poll([{ fd, events: 0xffff }], 0))[0]!.revents).toBe(0x145);
    const f2 = await p.open('/dev/fifo0', O_RDWR);
    expect(await p.ioctl(f2, 1)).toBe(42);
    await expect(p.ioctl(f2, 2)).rejects.toMatchObject({ code: 'ENOTTY' });
  });
  it('O_NONBLOCK on empty → EAGAIN; a signal during a blocking read → EINTR; poll wakes on data (edge 13)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod(fifoDev);
    const p = k.spawn();
    const fd = await p.open('/dev/fifo0', O_RDWR | O_NONBLOCK);
    const b = p.mmap(4096);
    await expect(p.read(fd, b, 4)).rejects.toMatchObject({ code: 'EAGAIN', errno: 11 });
    const fdb = await p.open('/dev/fifo0', O_RDWR);
    const sleeping = p.read(fdb, b, 4);
    await p.kill(10);
    await expect(sleeping).rejects.toMatchObject({ code: 'EINTR', errno: 4 });
    const polled = p.poll([{ fd, events: POLLIN }], -1);
    const w = k.spawn();
    const wb = w.mmap(4096);
    w.poke(wb, 'xy');
    const wf = await w.open('/dev/fifo0', O_WRONLY);
    expect(await w.write(wf, wb, 2)).toBe(2);
    expect((await polled)[0]!.revents).toBe(POLLIN);
    expect(await p.read(fdb, b, 4)).toBe(2);
  });
});

describe('ioctl encoding (edge 14)', () => {
  it('the three NVMe numbers encode and decode', () => {
    expect(_IO('N', 0x40)).toBe(0x4e40);
    expect(_IOWR('N', 0x41, 72)).toBe(0xc0484e41);
    expect(_IOW('N', 0x42, 48)).toBe(0x40304e42);
    const c = 0xc0484e41;
    expect([_IOC_DIR(c), _IOC_TYPE(c), _IOC_NR(c), _IOC_SIZE(c)]).toEqual([3, 0x4e, 0x41, 72]);
  });
});

describe('user copies and kfifo (edges 15–16)', () => {
  it('copy_to_user into a partly writable buffer returns the uncopied count; kfifo_to_user consumes only what was copied (edge 15)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const p = k.spawn();
    const a = p.mmap(8192);
    p.mprotect(a + 4096, 4096, PROT_READ);
    expect(p.task.copyToUser(a + 4090, new Uint8Array(10).fill(7), 10)).toBe(4);
    expect([...p.peek(a + 4090, 6)]).toEqual([7, 7, 7, 7, 7, 7]);
    const f = Kfifo.alloc(16) as Kfifo;
    f.put(new Uint8Array(10).fill(9));
    const r = f.toUser(p.task, a + 4090, 10);
    expect(r).toEqual({ ret: -EFAULT, copied: 6 });
    expect(f.len).toBe(4);
    const dst = new Uint8Array(8).fill(1);
    expect(p.task.copyFromUser(dst, 0x10, 8)).toBe(8);
    expect([...dst]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('kfifo_alloc(4096) holds 4096, (100) holds 128; overfilling stores what fits; counters wrap past 2^32 (edge 16)', () => {
    expect((Kfifo.alloc(4096) as Kfifo).size).toBe(4096);
    const f = Kfifo.alloc(100) as Kfifo;
    expect(f.size).toBe(128);
    expect(f.put(new Uint8Array(200))).toBe(128);
    expect(Kfifo.alloc(1)).toBe(-22);
    const w = Kfifo.alloc(8) as Kfifo;
    w.in = w.out = 0xfffffffc;
    expect(w.put(Uint8Array.from([1, 2, 3, 4, 5, 6]))).toBe(6);
    expect(w.in).toBe(2);
    const out = new Uint8Array(6);
    expect(w.get(out)).toBe(6);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('IDA (edge 17)', () => {
  it('reuses a freed id before higher ones; an exhausted range → -ENOSPC', () => {
    const ida = new Ida();
    expect([ida.allocRange(5, 7), ida.allocRange(5, 7), ida.allocRange(5, 7)]).toEqual([5, 6, 7]);
    expect(ida.allocRange(5, 7)).toBe(-28);
    ida.free(6);
    expect(ida.allocRange(5, 7)).toBe(6);
    expect(ida.allocRange(-1, 3)).toBe(-28);
  });
});

describe('Process API contract (design.md)', () => {
  it('KernelError carries errno, code and syscall; permissions at open; rmmod EBUSY; oops → EIO and the kernel goes on', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const m = defineModule({
      name: 'oopsy',
      init(k) {
        const dev = k.allocChrdevRegion(0, 1, 'oopsy');
        const cdev = k.cdevAlloc({ read: () => { throw new Error('boom'); } });
        k.cdevAdd(cdev, dev, 1);
        const cls = k.classCreate('oopsy') as any;
        k.deviceCreate(cls, null, dev, null, 'oopsy');
        k.state = { dev, cdev, cls };
        return 0;
      },
      exit(k) {
        k.deviceDestroy(k.state.cls, k.state.dev);
        k.classDestroy(k.state.cls);
        k.cdevDel(k.state.cdev);
        k.unregisterChrdevRegion(k.state.dev, 1);
      },
    });
    await k.insmod(m);
    const user = k.spawn({ uid: 1000 });
    const e = await user.open('/dev/oopsy').catch((x) => x);
    expect(e).toBeInstanceOf(KernelError);
    expect([e.errno, e.code, e.syscall, e.message]).toEqual([13, 'EACCES', 'open', "EACCES: permission denied, open '/dev/oopsy'"]);
    const root = k.spawn();
    const fd = await root.open('/dev/oopsy');
    await expect(root.read(fd, root.mmap(4096), 1)).rejects.toMatchObject({ code: 'EIO' });
    expect(k.dmesg()).toContain('BUG: exception in read: Error: boom');
    await expect(k.rmmod('oopsy')).rejects.toMatchObject({ code: 'EBUSY' });
    await root.close(fd);
    await k.rmmod('oopsy');
    expect((await root.readFile('/proc/devices')).includes('oopsy')).toBe(false);
    await k.insmod(defineModule({ name: 'noexit', init: () => 0 }));
    await expect(k.rmmod('noexit')).rejects.toMatchObject({ code: 'EBUSY' });
  });
  it('exit closes every fd and returns every frame; two kernels share nothing', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const k2 = await Kernel.boot({ clock: 'virtual' });
    const free = k.phys.freeFrames;
    const p = k.spawn();
    const a = p.mmap(64 * 1024, PROT_READ | PROT_WRITE);
    p.poke(a, 'x');
    await p.open('/dev/zero');
    await p.dup(3);
    const pages = p.task.getUserPages(a, 4, true);
    p.task.unpinUserPages(pages);
    await p.exit();
    expect(p.task.openFds()).toEqual([]);
    expect(p.task.mm.pinned).toBe(0);
    expect(k.phys.freeFrames).toBe(free);
    expect(k2.modules.has('mem')).toBe(true);
    expect(k2.phys.freeFrames).toBe(free);
    await k2.shutdown();
  });
});

describe('sysfs reads as seq_read does', () => {
  it('a read that does not continue where the last one ended (pread, a seek) shows again; one that continues does not', async () => {
    let shows = 0;
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod(defineModule({
      name: 'counter',
      init(mk: ModuleApi) {
        const cls = mk.classCreate('counter');
        if (typeof cls === 'number') return cls;
        const dev = mk.deviceCreate(cls, null, 0, null, 'c0');
        if (typeof dev === 'number') return dev;
        return mk.deviceCreateFile(dev, { name: 'n', show: () => `${String(++shows).padStart(4, '0')}\n` });
      },
    }));
    const p = k.spawn();
    const fd = await p.open('/sys/class/counter/c0/n', O_RDONLY);
    const buf = p.mmap(4096);
    const text = (n: number) => new TextDecoder().decode(p.peek(buf, n));
    expect(await p.read(fd, buf, 2)).toBe(2);
    expect(text(2)).toBe('00');
    // continuing: the same snapshot
    expect(await p.read(fd, buf, 3)).toBe(3);
    expect(text(3)).toBe('01\n');
    // elsewhere: shown again (pread leaves the offset as it was)
    expect(await p.pread(fd, buf, 2, 2)).toBe(2);
    expect(text(2)).toBe('02');
    expect(await p.read(fd, buf, 4)).toBe(0);
    await p.lseek(fd, 1, 0);
    expect(await p.read(fd, buf, 4)).toBe(4);
    expect(text(4)).toBe('003\n');
    expect(shows).toBe(3);
  });
});

describe('spawn options (issue 19)', () => {
  it('a wrong option is EINVAL, as a syscall argument is, never a TypeError', async () => {
    const k = await Kernel.boot({ clock: 'virtual' });
    try {
      for (const bad of [{ caps: 5 }, { caps: [99] }, { caps: ['x'] }, { uid: -1 }, { uid: 1.5 }, { gid: 2 ** 32 }, { comm: 7 }, null]) {
        let err: unknown;
        try {
          k.spawn(bad as never);
        } catch (e) {
          err = e;
        }
        expect(err, JSON.stringify(bad)).toBeInstanceOf(KernelError);
        expect((err as KernelError).code).toBe('EINVAL');
      }
      expect(k.spawn({ uid: 1000, caps: new Set([21]) }).task.capable(21)).toBe(true);
    } finally {
      await k.shutdown();
    }
  });
});
