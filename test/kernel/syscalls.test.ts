// The syscall layer (src/kernel/syscalls.ts): a driver open that throws, poll timeouts, hostile
// argument types, fcntl.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, KernelError, O_RDONLY, O_RDWR, O_NONBLOCK, POLLIN, PROT_READ, EFAULT } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
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
