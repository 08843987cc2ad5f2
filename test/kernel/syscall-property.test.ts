// Random syscall sequences with random pointers and sizes never throw anything but KernelError,
// and a process that exits leaves no fds, pins or frames behind (issue 2).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Kernel, KernelError, O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK, POLLIN, POLLOUT, FIONBIO, PROT_READ, PROT_WRITE, PROT_NONE } from '../../src/index.js';

const paths = ['/dev/null', '/dev/zero', '/dev/full', '/dev/nope', '/proc/devices', '/sys/class/mem/zero/dev'];
const ptr = fc.oneof(
  fc.constantFrom(0, 0x1000, 0x10000, 0x10000 + 4090, 2 ** 32 - 1, 2 ** 32, -1, 0.5, Number.NaN, 2 ** 53),
  fc.integer({ min: 0, max: 2 ** 32 }),
);
const size = fc.oneof(fc.constantFrom(0, 1, 4095, 4096, 4097, 65536, -1, 2 ** 31, 1.5), fc.nat(20000));
const op = fc.oneof(
  fc.record({ k: fc.constant('open'), path: fc.constantFrom(...paths), flags: fc.constantFrom(O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_NONBLOCK, 7) }),
  fc.record({ k: fc.constant('read'), fd: fc.integer({ min: -1, max: 8 }), ptr, size }),
  fc.record({ k: fc.constant('write'), fd: fc.integer({ min: -1, max: 8 }), ptr, size }),
  fc.record({ k: fc.constant('ioctl'), fd: fc.integer({ min: -1, max: 8 }), cmd: fc.constantFrom(FIONBIO, 0x5451, 0xc0484e41, 0), ptr }),
  fc.record({ k: fc.constant('poll'), fd: fc.integer({ min: -1, max: 8 }) }),
  fc.record({ k: fc.constant('close'), fd: fc.integer({ min: -1, max: 8 }) }),
  fc.record({ k: fc.constant('dup'), fd: fc.integer({ min: -1, max: 8 }) }),
  fc.record({ k: fc.constant('lseek'), fd: fc.integer({ min: -1, max: 8 }), off: fc.integer({ min: -5, max: 5 }), whence: fc.integer({ min: -1, max: 5 }) }),
  fc.record({ k: fc.constant('mmap'), size, prot: fc.constantFrom(PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE) }),
  fc.record({ k: fc.constant('munmap'), ptr, size }),
  fc.record({ k: fc.constant('mprotect'), ptr, size, prot: fc.constantFrom(PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE) }),
  fc.record({ k: fc.constant('pin'), ptr, size }),
);

describe('random syscalls (property)', () => {
  it('only KernelError escapes, and exit leaves nothing behind', async () => {
    const k = await Kernel.boot({ clock: 'virtual', memoryMiB: 16 });
    const before = k.phys.freeFrames;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const p = k.spawn({ uid: ops.length % 2 ? 0 : 1000 });
        const maps: number[] = [];
        for (const o of ops as any[]) {
          try {
            switch (o.k) {
              case 'open': await p.open(o.path, o.flags); break;
              case 'read': await p.read(o.fd, o.ptr, o.size); break;
              case 'write': await p.write(o.fd, o.ptr, o.size); break;
              case 'ioctl': await p.ioctl(o.fd, o.cmd, o.ptr); break;
              case 'poll': await p.poll([{ fd: o.fd, events: POLLIN | POLLOUT }], 0); break;
              case 'close': await p.close(o.fd); break;
              case 'dup': await p.dup(o.fd); break;
              case 'lseek': await p.lseek(o.fd, o.off, o.whence); break;
              case 'mmap': maps.push(p.mmap(o.size, o.prot)); break;
              case 'munmap': p.munmap(maps.length && o.size % 2 ? maps[0]! : o.ptr, o.size); break;
              case 'mprotect': p.mprotect(maps.length ? maps[maps.length - 1]! : o.ptr, o.size, o.prot); break;
              case 'pin': p.task.unpinUserPages(p.task.getUserPages(o.ptr, Math.min(Math.abs(o.size) | 0, 64), true)); break;
            }
          } catch (e) {
            if (!(e instanceof KernelError)) throw e;
          }
        }
        await p.exit();
        expect(p.task.openFds()).toEqual([]);
        expect(p.task.mm.pinned).toBe(0);
        expect(k.phys.freeFrames).toBe(before);
        expect([...k.modules.values()].map(({ mod }) => mod.refcnt)).toEqual([0]);
      }),
      { numRuns: 150 },
    );
    await k.shutdown();
  });
});
