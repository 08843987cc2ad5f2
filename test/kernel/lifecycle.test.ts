// Lifecycles across the kernel, one regression test per defect found, named after what it checks:
// mm_users across exit, ESRCH after exit and the tables exit leaves, fds opened during exit, mmap
// unwinding, kernfs deactivation, module references on every path, DAC access modes, hostile
// argument types, the path walk.
import { describe, it, expect, afterEach } from 'vitest';
import {
  Kernel, KernelError, defineModule, O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, POLLIN, PROT_READ, PROT_WRITE,
  EFAULT, MISC_DYNAMIC_MINOR, SIGKILL, SIGUSR1, type MiscDevice, type ModuleApi, type WaitQueue,
} from '../../src/index.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

const errno = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    return `not a KernelError: ${String(e)}`;
  }
  return 'no error';
};

/**
 * /dev/sleeper: read sleeps until the test calls wake(), then copies `fill` bytes to the user.
 * `mode` picks an uninterruptible (wait_event) or interruptible sleep; open may sleep or throw.
 */
function sleeperModule() {
  const st = {
    wq: null as WaitQueue | null,
    ready: false,
    fill: 0x55,
    openThrows: false,
    openSleeps: false,
    releases: 0,
    interruptible: false,
    wake() {
      st.ready = true;
      st.wq!.wakeUp();
    },
  };
  const mod = defineModule({
    name: 'sleeper',
    init(k: ModuleApi) {
      st.wq = k.initWaitqueueHead();
      const misc: MiscDevice = {
        minor: MISC_DYNAMIC_MINOR,
        name: 'sleeper',
        mode: 0o666,
        fops: {
          async open(_i, _f, cur) {
            if (st.openThrows) throw new Error('driver bug in open');
            if (st.openSleeps) await k.waitEvent(st.wq!, () => st.ready);
            void cur;
            return 0;
          },
          release() {
            st.releases++;
            return 0;
          },
          poll(file, pt) {
            k.pollWait(file, st.wq!, pt);
            return st.ready ? POLLIN : 0;
          },
          async read(_file, ubuf, count, cur) {
            if (st.interruptible) {
              const r = await k.waitEventInterruptible(st.wq!, () => st.ready, cur);
              if (r) return r;
            } else await k.waitEvent(st.wq!, () => st.ready);
            const n = Math.min(count, 4096);
            return cur.copyToUser(ubuf, new Uint8Array(n).fill(st.fill), n) ? -EFAULT : n;
          },
        },
      };
      k.state = misc;
      return k.miscRegister(misc);
    },
    exit(k: ModuleApi) {
      k.miscDeregister(k.state as MiscDevice);
    },
  });
  return { mod, st };
}

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

describe('mmap: a failure gives back what it installed; VMAs bounded', () => {
  it('page allocation failing mid-way leaks no frame, with or without a fixed address', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const p = k.spawn();
    const base = k.phys.freeFrames;
    for (const fixed of [undefined, 0x4000_0000]) {
      k.faults.failPageAlloc.configure({ probability: 100, space: 37, times: 1 });
      expect(await errno(() => p.mmap(200 * 4096, PROT_READ | PROT_WRITE, fixed))).toBe('ENOMEM');
      expect(k.faults.failPageAlloc.times).toBe(0);
      // page tables may stay (Linux keeps them too); no user page does
      expect(base - k.phys.freeFrames).toBeLessThanOrEqual(2);
      expect(p.task.mm.areas).toEqual([]);
    }
    k.faults.disableAll();
    await p.exit();
    expect(k.phys.freeFrames).toBe(base + 1); // + the page directory spawn took before `base`
  });
});

describe('sysfs files of a removed module (kernfs deactivation)', () => {
  function attrModule() {
    return defineModule({
      name: 'attrs',
      init(k: ModuleApi) {
        const cls = k.classCreate('attrs');
        if (typeof cls === 'number') return cls;
        const dev = k.deviceCreate(cls, null, 0, null, 'a0');
        if (typeof dev === 'number') return dev;
        k.deviceCreateFile(dev, { name: 'value', mode: 0o666, show: () => 'v\n', store: (_d, t) => t.length });
        k.state = cls;
        return 0;
      },
      exit(k: ModuleApi) {
        k.classDestroy(k.state);
      },
    });
  }
  it('an attribute open across rmmod answers ENODEV to read and write', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    await k.insmod(attrModule());
    const p = k.spawn();
    const fd = await p.open('/sys/class/attrs/a0/value', O_RDWR);
    const buf = p.mmap(4096);
    expect(await p.read(fd, buf, 100)).toBe(2);
    await k.rmmod('attrs'); // sysfs files do not pin the module (Linux neither)
    expect(await errno(p.lseek(fd, 0, 0))).toBe('no error');
    expect(await errno(p.read(fd, buf, 100))).toBe('ENODEV');
    expect(await errno(p.write(fd, buf, 2))).toBe('ENODEV');
    await p.close(fd);
  });
  it('kxo_state after rmmod kxo: ENODEV', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 32 });
    await k.insmod('kxo', { build: 'test' });
    const p = k.spawn();
    const fd = await p.open('/sys/class/kxo/kxo/kxo_state', O_RDWR);
    await k.rmmod('kxo');
    const buf = p.mmap(4096);
    p.poke(buf, '1 0 0\n');
    expect(await errno(p.read(fd, buf, 100))).toBe('ENODEV');
    expect(await errno(p.write(fd, buf, 6))).toBe('ENODEV');
  });
});

describe('a driver open that throws', () => {
  it('is an oops and EIO, and gives its module reference back', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod, st } = sleeperModule();
    await k.insmod(mod);
    st.openThrows = true;
    const p = k.spawn();
    for (let i = 0; i < 3; i++) expect(await errno(p.open('/dev/sleeper', O_RDONLY))).toBe('EIO');
    expect(k.dmesg()).toContain('driver bug in open');
    expect(k.modules.get('sleeper')!.mod.refcnt).toBe(0);
    await k.rmmod('sleeper');
  });
});

describe('access modes and DAC', () => {
  it('O_RDWR and access mode 3 need read and write permission; mode 3 gives an ioctl-only fd', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const root = k.spawn();
    await root.chmod('/dev/zero', 0o622); // like /dev/kxo: others may write, not read
    const user = k.spawn({ uid: 1000 });
    expect(await errno(user.open('/dev/zero', O_RDONLY))).toBe('EACCES');
    expect(await errno(user.open('/dev/zero', O_RDWR))).toBe('EACCES');
    expect(await errno(user.open('/dev/zero', 3))).toBe('EACCES');
    expect(await errno(user.open('/dev/zero', O_WRONLY))).toBe('no error');
    await root.chmod('/dev/zero', 0o666);
    const fd = await user.open('/dev/zero', 3 | O_NONBLOCK);
    const buf = user.mmap(4096);
    expect(await errno(user.read(fd, buf, 10))).toBe('EBADF');
    expect(await errno(user.write(fd, buf, 10))).toBe('EBADF');
    expect(await errno(user.ioctl(fd, 0x5421 /* FIONBIO */, buf))).toBe('no error');
  });
});

describe('poll timeouts that are not numbers', () => {
  it('NaN and non-numbers are EINVAL and the clock stays sane', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const p = k.spawn();
    const fd = await p.open('/dev/null');
    for (const t of [Number.NaN, '5', null, undefined as unknown as number, {}, 10n]) {
      if (t === undefined) continue; // the default (-1, forever)
      expect(await errno(p.poll([{ fd, events: POLLIN }], t as number))).toBe('EINVAL');
    }
    expect(await errno(p.poll({} as never, 0))).toBe('EINVAL');
    expect(await errno(p.poll(new Array(2000).fill({ fd, events: POLLIN }), 0))).toBe('EINVAL');
    await k.clock.advance(10);
    expect(k.clock.now()).toBe(10);
  });
});

describe('cancelled timers leave the clock queue', () => {
  it('10,000 polls that end before their timeout leave no clock event behind', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const { mod, st } = sleeperModule();
    await k.insmod(mod);
    const p = k.spawn();
    const fd = await p.open('/dev/sleeper', O_RDONLY);
    const clock = k.clock as import('../../src/index.js').VirtualClock;
    for (let i = 0; i < 10_000; i++) {
      // a signal ends each sleep long before its timeout; the timeout event must go with it
      const pr = errno(p.poll([{ fd, events: POLLIN }], 60_000));
      await p.kill(SIGUSR1);
      expect(await pr).toBe('EINTR');
    }
    expect(clock.pending).toBe(0);
    st.wake();
  });
});

describe('module references against rmmod', () => {
  it('rmmod while init runs → EBUSY; the module then loads, unloads and loads again', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 32 });
    const loading = k.insmod('kxo', { build: 'test' });
    expect(await errno(k.rmmod('kxo'))).toBe('EBUSY');
    await loading;
    await k.rmmod('kxo');
    await k.insmod('kxo', { build: 'test' });
    await k.rmmod('kxo');
  });
  it('rmmod racing an api call (nvme addController) → EBUSY; no frame or node is left behind', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 32, misc: '3.x' });
    const base = k.phys.freeFrames;
    const h = await k.insmod<import('../../src/drivers/nvme/index.js').NvmeApi>('nvme');
    const adding = h.api.addController();
    expect(await errno(k.rmmod('nvme'))).toBe('EBUSY');
    expect(await adding).toBe(1);
    await k.rmmod('nvme');
    expect(k.spawn().readdir('/dev').filter((n) => n.startsWith('nvme'))).toEqual([]);
    expect(k.phys.freeFrames).toBe(base - 1); // the spawn's page directory
    expect(await errno(() => h.api.addController())).toBe('ENODEV');
  });
});

describe('hostile argument types', () => {
  it('every call answers with a KernelError, never a TypeError or an oops', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const p = k.spawn();
    const fd = await p.open('/dev/zero', O_RDWR);
    const buf = p.mmap(4096);
    const bad: Array<[string, () => unknown, string]> = [
      ['ioctl bigint cmd', () => p.ioctl(fd, 10n as never, buf), 'EINVAL'],
      ['ioctl string arg', () => p.ioctl(fd, 0x5421, 'x' as never), 'EINVAL'],
      ['ioctl fractional arg', () => p.ioctl(fd, 0x5421, 1.5), 'EINVAL'],
      ['ioctl arg past an unsigned long', () => p.ioctl(fd, 0x5421, 2 ** 64), 'EINVAL'],
      // a pointer no process maps is a fault where the kernel copies, however large (put_user)
      ['ioctl FIONBIO at 2^53', () => p.ioctl(fd, 0x5421, 2 ** 53), 'EFAULT'],
      ['ioctl FIONBIO at 2^60', () => p.ioctl(fd, 0x5421, 2 ** 60), 'EFAULT'],
      ['ioctl FIONBIO at -1 (an unsigned long of all ones)', () => p.ioctl(fd, 0x5421, -1), 'EFAULT'],
      ['ioctl object fd', () => p.ioctl({} as never, 0x5421, buf), 'EBADF'],
      ['munmap null', () => p.munmap(null as never, 4096), 'EINVAL'],
      ['mprotect undefined', () => p.mprotect(undefined as never, 4096, PROT_READ), 'EINVAL'],
      ['mprotect bad prot', () => p.mprotect(buf, 4096, 0x100), 'EINVAL'],
      ['mmap string len', () => p.mmap('4096' as never), 'EINVAL'],
      ['mmap bad prot', () => p.mmap(4096, 99), 'EINVAL'],
      ['mmap NaN addr', () => p.mmap(4096, PROT_READ, Number.NaN), 'EINVAL'],
      ['mknod number path', () => p.mknod(123 as never, 0o20600, 0), 'EFAULT'],
      ['mknod bigint dev', () => p.mknod('/dev/x', 0o20600, 1n as never), 'EINVAL'],
      ['chmod null path', () => p.chmod(null as never, 0o600), 'EFAULT'],
      ['chmod string mode', () => p.chmod('/dev/zero', '600' as never), 'EINVAL'],
      ['open object path', () => p.open({} as never), 'EFAULT'],
      ['open empty path', () => p.open(''), 'ENOENT'],
      ['open long path', () => p.open('/' + 'a'.repeat(5000)), 'ENAMETOOLONG'],
      ['open long name', () => p.open('/dev/' + 'a'.repeat(300)), 'ENAMETOOLONG'],
      ['open bigint flags', () => p.open('/dev/zero', 0n as never), 'EINVAL'],
      ['read NaN count', () => p.read(fd, buf, Number.NaN), 'EINVAL'],
      ['read string buf', () => p.read(fd, 'x' as never, 4), 'EFAULT'],
      ['write bigint count', () => p.write(fd, buf, 4n as never), 'EINVAL'],
      ['lseek bigint', () => p.lseek(fd, 1n as never, 0), 'EINVAL'],
      ['poll null', () => p.poll(null as never), 'EINVAL'],
      ['poll entry null', () => p.poll([null as never]), 'EINVAL'],
      ['poll bigint events', () => p.poll([{ fd, events: 1n as never }], 0), 'EINVAL'],
      ['poll signal not a signal', () => p.poll([{ fd, events: 1 }], 0, { signal: {} as never }), 'EINVAL'],
      ['peek huge', () => p.peek(buf, 2 ** 40), 'EINVAL'],
      ['peek negative', () => p.peek(buf, -1), 'EINVAL'],
      ['peek unmapped', () => p.peek(0x1000, 2 ** 31), 'EFAULT'],
      ['poke number', () => p.poke(buf, 42 as never), 'EINVAL'],
      ['readFile huge max', () => p.readFile('/dev/zero', 2 ** 40), 'EINVAL'],
      ['writeFile object', () => p.writeFile('/dev/null', {} as never), 'EINVAL'],
      ['kill bigint', () => p.kill(9n as never), 'EINVAL'],
      ['kill 65', () => p.kill(65), 'EINVAL'],
      ['stat null', () => p.stat(null as never), 'EFAULT'],
      ['readdir number', () => p.readdir(7 as never), 'EFAULT'],
      ['dup string', () => p.dup('3' as never), 'EBADF'],
      ['close NaN', () => p.close(Number.NaN), 'EBADF'],
    ];
    const got = [];
    for (const [name, fn] of bad) got.push([name, await errno(fn)]);
    expect(got).toEqual(bad.map(([name, , want]) => [name, want]));
    expect(k.dmesg()).not.toContain('Oops');
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

describe('work, scratch maps, path walk and mknod', () => {
  it('kxo: closing /dev/kxo while work is queued and running (on a worker) flushes without an oops', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 64 });
    await k.insmod('kxo', { delay: 1, build: 'release', worker: 'on', workers: 1 });
    const p = k.spawn();
    for (let i = 0; i < 6; i++) {
      const fd = await p.open('/dev/kxo', O_RDONLY);
      // the timer fires and queues the move; the close comes after 0..5 turns of the host loop,
      // while the move is queued, on the worker, or done
      const ticks = k.clock.advance(1 + i);
      for (let t = 0; t < i; t++) await new Promise((r) => setImmediate(r));
      await p.close(fd);
      await ticks;
    }
    expect(k.dmesg()).not.toContain('BUG:');
    await p.exit();
    await k.rmmod('kxo');
  }, 30_000);
  it('readFile and writeFile leave no fd behind when their scratch mmap fails', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const p = k.spawn();
    k.faults.failPageAlloc.configure({ probability: 100, times: -1 });
    expect(await errno(p.readFile('/dev/zero', 10))).toBe('ENOMEM');
    expect(await errno(p.writeFile('/dev/null', 'x'))).toBe('ENOMEM');
    k.faults.disableAll();
    expect([p.task.openFds(), k.nrFiles]).toEqual([[], 0]);
  });
  it("mknod resolves '.' and '..'; a trailing slash on a non-directory is ENOTDIR", async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const root = k.spawn();
    await root.mknod('/dev/./x', 0o20600, 1 << 20 | 3);
    await root.mknod('/dev/../dev/y', 0o20600, 1 << 20 | 3);
    expect(root.readdir('/dev').filter((n) => n === '.' || n === '..')).toEqual([]);
    expect(root.readdir('/dev')).toEqual(expect.arrayContaining(['x', 'y']));
    expect(await errno(root.mknod('/dev/.', 0o20600, 0))).toBe('EEXIST');
    expect(await errno(root.open('/dev/null/'))).toBe('ENOTDIR');
    expect(await errno(root.open('/dev/'))).toBe('no error');
  });
  it("a component after a non-directory is ENOTDIR, '.' as much as '..' or a name (link_path_walk)", async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const root = k.spawn();
    for (const path of ['/dev/null/.', '/dev/null/..', '/dev/null/x', '/dev/null/./', '/dev/./null/.']) {
      expect(await errno(root.open(path)), path).toBe('ENOTDIR');
      expect(() => root.stat(path), path).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    }
    expect(root.stat('/dev/./null').mode & 0o170000).toBe(0o020000);
    expect(root.stat('/dev/.').mode & 0o170000).toBe(0o040000);
    expect(root.stat('.').mode & 0o170000).toBe(0o040000);
  });
  it('throwing getters and Proxies in poll entries or call options are KernelErrors', async () => {
    k = await Kernel.boot({ clock: 'virtual', memoryMiB: 8 });
    const p = k.spawn();
    const fd = await p.open('/dev/null');
    const evil = { get fd(): number { throw new SyntaxError('boom'); }, events: 1 };
    expect(await errno(p.poll([evil as never], 0))).toBe('EFAULT');
    const trap = new Proxy([], { get: () => { throw new RangeError('trap'); } });
    expect(await errno(p.poll(trap as never, 0))).toBe('EFAULT');
    const opts = { get signal(): AbortSignal { throw new TypeError('getter'); } };
    expect(await errno(p.read(fd, p.mmap(4096), 1, opts))).toBe('EINVAL');
  });
});

describe('fcntl F_GETFL / F_SETFL (fs/fcntl.c setfl)', () => {
  it('reads the open flags and changes O_NONBLOCK and O_APPEND only', async () => {
    const { Kernel, O_RDWR, O_NONBLOCK } = await import('../../src/index.js');
    const k = await Kernel.boot({ clock: 'virtual' });
    const p = k.spawn();
    const fd = await p.open('/dev/null', O_RDWR);
    expect(await p.fcntl(fd, 3)).toBe(O_RDWR);
    expect(await p.fcntl(fd, 4, O_NONBLOCK | 0o2000 | O_RDWR ^ O_RDWR | 0o100)).toBe(0);
    expect(await p.fcntl(fd, 3)).toBe(O_RDWR | O_NONBLOCK | 0o2000);
    await expect(p.fcntl(fd, 99)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(p.fcntl(77, 3)).rejects.toMatchObject({ code: 'EBADF' });
    await k.shutdown();
  });
});

describe('shutdown with a release still running', () => {
  it('waits for a file\'s release that is still running before unloading its module (nothing it started is left)', async () => {
    let exited = false;
    let released = false;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slow = defineModule({
      name: 'slowrelease',
      init(mk: ModuleApi) {
        const misc: MiscDevice = {
          minor: MISC_DYNAMIC_MINOR,
          name: 'slowrelease',
          fops: {
            // a release that waits for its work, as kxo's flushes its workqueue
            async release() {
              await gate;
              released = true;
              return 0;
            },
          },
        };
        const r = mk.miscRegister(misc);
        return r < 0 ? r : 0;
      },
      exit() {
        exited = true;
      },
    });
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod(slow);
    const p = k.spawn();
    const fd = await p.open('/dev/slowrelease', O_RDONLY);
    void p.close(fd); // the program goes without waiting for its close
    let down = false;
    const shutdown = k.shutdown().then(() => (down = true));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    // however long the release takes, shutdown waits for it
    expect([down, released, exited]).toEqual([false, false, false]);
    open();
    await shutdown;
    expect([released, exited, k.modules.has('slowrelease')]).toEqual([true, true, false]);
  });
});
