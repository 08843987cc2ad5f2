// Devices and sysfs (src/kernel/device.ts): the files of a removed module.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, defineModule, O_RDWR, type ModuleApi } from '../../src/index.js';
import { errno, sleeperModule } from '../helpers/kernel.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
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
