import { describe, it, expect } from 'vitest';
import { Kernel, O_RDONLY, O_RDWR } from '../../src/index.js';

describe('boot', () => {
  it('reads /dev/zero and /proc/devices', async () => {
    const k = await Kernel.boot({ clock: 'virtual' });
    const p = k.spawn();
    const fd = await p.open('/dev/zero', O_RDONLY);
    const buf = p.mmap(4096);
    p.poke(buf, 'abc');
    expect(await p.read(fd, buf, 3)).toBe(3);
    expect([...p.peek(buf, 4)]).toEqual([0, 0, 0, 0]);
    await p.close(fd);
    expect(await p.readFile('/proc/devices')).toContain('  1 mem\n 10 misc');
    const full = await p.open('/dev/full', O_RDWR);
    await expect(p.write(full, buf, 1)).rejects.toMatchObject({ code: 'ENOSPC', syscall: 'write' });
  });
});
