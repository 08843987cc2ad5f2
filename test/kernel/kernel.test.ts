// The Kernel object (src/kernel/kernel.ts): shutdown with a release still running.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, defineModule, O_RDONLY, MISC_DYNAMIC_MINOR, type MiscDevice, type ModuleApi } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
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

describe('shutdown with a call still in flight', () => {
  it('waits for a call in an uninterruptible sleep (which exit does not end) to finish, then unloads its module', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const { mod, st } = sleeperModule();
    await k.insmod(mod);
    const p = k.spawn();
    const fd = await p.open('/dev/sleeper', O_RDONLY);
    const read = errno(p.read(fd, p.mmap(4096), 16));
    let down = false;
    const shutdown = k.shutdown().then(() => (down = true));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect([down, k.modules.has('sleeper')]).toEqual([false, true]);
    st.wake(); // the driver wakes its sleeper: the call returns, the file goes, the module can
    await shutdown;
    expect(await read).toBe('no error');
    expect([k.modules.has('sleeper'), k.nrFiles]).toEqual([false, 0]);
  });
});
