// A remote task's get_user_pages (the bridge's processes): pages are bounced through frames of
// this kernel, and unpinning writes back exactly the bytes the device changed, whatever the
// process stored to the rest of the page meanwhile; on a backend with writeRuns, in batches.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel } from '../../src/index.js';
import type { UserMemoryBackend } from '../../src/kernel/uaccess.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

const BASE = 0x10000;

/** A process's memory of 4 pages at BASE, counting the calls that write it. */
function process(vectored: boolean): UserMemoryBackend & { mem: Uint8Array; writes: number; batches: number[] } {
  const mem = new Uint8Array(4 * 4096);
  const inside = (addr: number, n: number) => addr >= BASE && addr + n <= BASE + mem.length;
  const b = {
    mem, writes: 0, batches: [] as number[], limit: 2 ** 47,
    read(addr: number, dst: Uint8Array, n: number) {
      if (!inside(addr, n)) return 0;
      dst.set(mem.subarray(addr - BASE, addr - BASE + n));
      return n;
    },
    write(addr: number, src: Uint8Array, n: number) {
      b.writes++;
      if (!inside(addr, n)) return 0;
      mem.set(src.subarray(0, n), addr - BASE);
      return n;
    },
    writable: (addr: number, n: number) => inside(addr, n),
  } as UserMemoryBackend & { mem: Uint8Array; writes: number; batches: number[] };
  if (vectored) {
    b.writeRuns = (addr, src, runs) => {
      b.batches.push(runs.length / 2);
      let w = 0;
      for (let i = 0; i < runs.length; i += 2) {
        mem.set(src.subarray(runs[i]!, runs[i]! + runs[i + 1]!), addr - BASE + runs[i]!);
        w += runs[i + 1]!;
      }
      return w;
    };
    b.equal = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return b;
}

describe.each([false, true])('bounce pages of a remote task (writeRuns: %s)', (vectored) => {
  it('the device\'s changed bytes go back; bytes it left alone keep what the process stored meanwhile', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const pr = process(vectored);
    pr.mem.fill(0x11);
    const task = k.createTask({ remote: pr });
    const [pfn] = task.getUserPages(BASE + 4096, 1, true);
    expect(pfn).toBeGreaterThanOrEqual(0);
    const frame = k.phys.u8.subarray(pfn! * 4096, pfn! * 4096 + 4096);
    expect(frame.every((v) => v === 0x11)).toBe(true);
    // the device writes every other byte (2048 stretches), the rest as it found them
    for (let i = 0; i < 4096; i += 2) frame[i] = i & 0xff ? i & 0xff : 1;
    // meanwhile the process stores to the bytes the device did not change
    for (let i = 1; i < 4096; i += 2) pr.mem[4096 + i] = 0x22;
    task.unpinUserPages([pfn!]);
    for (let i = 0; i < 4096; i++) expect(pr.mem[4096 + i], `byte ${i}`).toBe(i % 2 ? 0x22 : i & 0xff ? i & 0xff : 1);
    // the pages around it untouched
    expect(pr.mem.subarray(0, 4096).every((v) => v === 0x11)).toBe(true);
    expect(pr.mem.subarray(8192).every((v) => v === 0x11)).toBe(true);
    if (vectored) {
      // 2048 stretches in calls of at most 512
      expect(pr.batches).toEqual([512, 512, 512, 512]);
      expect(pr.writes).toBe(0);
    } else expect(pr.writes).toBe(2048);
    expect(task.mm.pinned).toBe(0);
  });

  it('a page the device did not change writes nothing back; a page pinned for reading never', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const pr = process(vectored);
    const task = k.createTask({ remote: pr });
    task.unpinUserPages(task.getUserPages(BASE, 2, true));
    const ro = task.getUserPages(BASE, 1, false);
    k.phys.u8[ro[0]! * 4096] = 9;
    task.unpinUserPages(ro);
    expect(pr.writes + pr.batches.length).toBe(0);
    expect(pr.mem[0]).toBe(0);
    // one changed byte: one write, of that byte
    const [pfn] = task.getUserPages(BASE + 8192, 1, true);
    k.phys.u8[pfn! * 4096 + 4095] = 7;
    task.unpinUserPages([pfn!]);
    expect(pr.mem[8192 + 4095]).toBe(7);
    expect(vectored ? pr.batches : pr.writes).toEqual(vectored ? [1] : 1);
  });
});
