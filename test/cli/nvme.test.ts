import { describe, it, expect, afterEach } from 'vitest';
import { Kernel } from '../../src/index.js';
import { nvmeCli } from '../../src/cli/nvme.js';

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await nvmeCli(k.spawn(), argv, { write: (t) => void (out += t) });
  return { code, out };
}

describe('vchardev nvme (issue 5 CLI)', () => {
  it('id-ctrl prints the identity in nvme-cli layout, read through the ioctl', async () => {
    k = await Kernel.boot();
    await k.insmod('nvme', { serial: 'S123', model: 'Test Model' });
    const { code, out } = await run(['id-ctrl', '/dev/nvme0']);
    expect(code).toBe(0);
    expect(out).toContain('vid       : 0x1b36\n');
    expect(out).toContain('sn        : S123');
    expect(out).toContain('mn        : Test Model');
    expect(out).toContain('mdts      : 11\n');
  });
  it('fw-download + fw-commit + fw-log in one kernel; a controller status makes exit code 1', async () => {
    k = await Kernel.boot();
    await k.insmod('nvme');
    const r = await run(['fw-download', '/dev/nvme0', '--size', String(3 << 20), '--xfer', String(1 << 20), '+', 'fw-commit', '/dev/nvme0', '-s', '2', '-a', '1', '+', 'fw-log', '/dev/nvme0']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('frs2 : 2.0\n');
    expect(r.out).toContain('afi  : 0x2\n');
    const bad = await run(['id-ns', '/dev/nvme0', '-n', '7']);
    expect(bad).toEqual({ code: 1, out: 'NVMe status: identify namespace: 0x400b\n' });
  });
  it('an unknown command prints usage and exits 2', async () => {
    k = await Kernel.boot();
    await k.insmod('nvme');
    const r = await run(['frobnicate', '/dev/nvme0']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('usage: vchardev nvme');
  });
});
