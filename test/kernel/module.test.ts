// Loadable modules (src/kernel/module.ts, Kernel.insmod): parameters, the contract of a module's
// host-facing api, and module references against rmmod.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, KernelError, defineModule, EINVAL } from '../../src/index.js';
import { errno } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

describe('module parameters', () => {
  it('an unknown parameter is logged and ignored, the load goes on (unknown_module_param_cb, Linux 4.2+)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod('test_bus', { bogus: 1, alsoBogus: 'x' } as never);
    expect(h.name).toBe('test_bus');
    const lines = k.dmesg().split('\n');
    expect(lines.some((l) => l.endsWith("test_bus: unknown parameter 'bogus' ignored"))).toBe(true);
    expect(lines.some((l) => l.endsWith("test_bus: unknown parameter 'alsoBogus' ignored"))).toBe(true);
    const p = k.spawn();
    await expect(p.readFile('/sys/module/test_bus/parameters/bogus')).rejects.toMatchObject({ code: 'ENOENT' });
    // a parameter on the object's prototype chain is not a parameter either
    await k.rmmod('test_bus');
    await k.insmod('test_bus', { toString: 1 } as never);
    expect(k.dmesg()).toContain("test_bus: unknown parameter 'toString' ignored");
  });
});

describe('a module\'s api, as the insmod handle gives it', () => {
  const api = {
    ok: () => 5,
    zero: () => 0,
    fail: () => -EINVAL,
    async later(r: number) {
      await Promise.resolve();
      return r;
    },
    boom(): number {
      throw new TypeError('driver bug');
    },
    named: () => {
      throw new KernelError(EINVAL, 'demo', 'no game 9');
    },
  };
  const demo = defineModule<Record<string, never>, typeof api>({
    name: 'demo',
    init(mk) {
      mk.api = api;
      return 0;
    },
    exit() {},
  });
  const user = defineModule<Record<string, never>, { got: number[] }>({
    name: 'demo_user',
    init(mk) {
      const d = mk.useModule<typeof api>('demo')!;
      mk.api = { got: [d.ok(), d.fail()] };
      return 0;
    },
    exit() {},
  });

  it('returns the value; the driver\'s -errno is a KernelError thrown (an async call rejects), as in the Process API', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod(demo);
    expect([h.api.ok(), h.api.zero()]).toEqual([5, 0]);
    expect(() => h.api.fail()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await expect(h.api.later(7)).resolves.toBe(7);
    await expect(h.api.later(-12)).rejects.toMatchObject({ code: 'ENOMEM' });
    expect(() => h.api.named()).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('no game 9') }));
    // another module gets the -errno itself, as from an exported symbol
    expect((await k.insmod(user)).api.got).toEqual([5, -EINVAL]);
  });
  it('a driver exception is an oops and EIO; a call on a module gone is ENODEV without reaching it', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod(demo);
    expect(() => h.api.boom()).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(k.dmesg()).toContain('BUG: exception in demo api boom: TypeError: driver bug');
    await k.rmmod('demo');
    expect(() => h.api.ok()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    // an async function's failure is a rejection, never a synchronous throw
    const p = h.api.later(1);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toMatchObject({ code: 'ENODEV' });
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
    // addController is async: on a module gone it rejects, it does not throw at the call
    const late = h.api.addController();
    expect(late).toBeInstanceOf(Promise);
    expect(await errno(late)).toBe('ENODEV');
  });
});
