// The VFS (src/kernel/vfs.ts): DAC and access modes, the path walk, mknod; close during work and
// the scratch maps of readFile/writeFile.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, EFAULT } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
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
