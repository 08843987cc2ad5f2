import { describe, it, expect } from 'vitest';
import { Kernel } from '../../src/index.js';
import { qatCli } from '../../src/cli/qat.js';

describe('vchardev qat (issue 6 CLI)', () => {
  it('two processes get SSL_INT_0/1, the third finds no slot; holders list who has which', async () => {
    const k = await Kernel.boot({ clock: 'virtual' });
    let out = '';
    expect(await qatCli(k, ['--processes', '3'], { write: (t) => void (out += t) })).toBe(0);
    expect(out).toContain('qat_dev0 (c62x, started): GENERAL KERNEL SSL SSL_INT_0 SSL_INT_1\n');
    expect(out).toMatch(/pid \d+: SSL_INT_0\npid \d+: SSL_INT_1\npid \d+: SSL: no free instance \(write returned 1\)\n/);
    expect(out).toMatch(/holders: \d+=SSL_INT_0, \d+=SSL_INT_1\n$/);
    await k.shutdown();
  });

  it('a config under which no process gets a name (not a QAT config at all) fails with a reason', async () => {
    const k = await Kernel.boot({ clock: 'virtual' });
    let out = '';
    const io = { write: (t: string) => void (out += t), readFile: async () => 'root:x:0:0:root:/root:/bin/bash\n' };
    await expect(qatCli(k, ['--config', '/etc/passwd'], io)).rejects.toMatchObject({ message: expect.stringMatching(/no process got an instance name for \[SSL\]/) });
    expect(out).toMatch(/^pid \d+: \S+/m);
    expect(out).not.toMatch(/: fd \d+$/m);
    await k.shutdown();
  });
});
