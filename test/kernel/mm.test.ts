// Address spaces (src/kernel/mm.ts): mmap unwinding and the bound on VMAs.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, PROT_READ, PROT_WRITE } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
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
