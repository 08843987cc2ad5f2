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
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('nvme', { serial: 'S123', model: 'Test Model' });
    const { code, out } = await run(['id-ctrl', '/dev/nvme0']);
    expect(code).toBe(0);
    expect(out).toContain('vid       : 0x1b36\n');
    expect(out).toContain('sn        : S123');
    expect(out).toContain('mn        : Test Model');
    expect(out).toContain('mdts      : 11\n');
  });
  it('fw-download + fw-commit + fw-log in one kernel; a controller status makes exit code 1', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('nvme');
    const r = await run(['fw-download', '/dev/nvme0', '--size', String(3 << 20), '--xfer', String(1 << 20), '+', 'fw-commit', '/dev/nvme0', '-s', '2', '-a', '1', '+', 'fw-log', '/dev/nvme0']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('frs2 : 2.0\n');
    expect(r.out).toContain('afi  : 0x2\n');
    const bad = await run(['id-ns', '/dev/nvme0', '-n', '7']);
    expect(bad).toEqual({ code: 22, out: 'NVMe status: Invalid Namespace or Format(0x400b)\n' }); // nvme-cli: EINVAL
  });
  it('an unknown command or option, or a missing required one, is a usage error (exit 2 in main)', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('nvme');
    await expect(run(['frobnicate', '/dev/nvme0'])).rejects.toThrow(/unknown command 'frobnicate'/);
    await expect(run(['id-ctrl', '/dev/nvme0', '--bogus'])).rejects.toThrow(/Unknown option '--bogus'/);
    await expect(run(['get-feature', '/dev/nvme0'])).rejects.toThrow(/-f \(feature id\) is required/);
    await expect(run(['id-ctrl'])).rejects.toThrow(/a device is required/);
    await expect(run(['id-ctrl', '/dev/nvme0', '-o', 'xml'])).rejects.toThrow(/not normal, json or binary/);
  });
  it('-o json uses nvme-cli field names; -H decodes bits; -o binary gives the raw structure', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('nvme', { serial: 'S9' });
    const j = JSON.parse((await run(['id-ctrl', '/dev/nvme0', '-o', 'json'])).out);
    expect(j).toMatchObject({ vid: 0x1b36, ssvid: 0x1af4, mdts: 11, nn: 1 });
    expect(j.sn.trimEnd()).toBe('S9');
    const smart = JSON.parse((await run(['smart-log', '/dev/nvme0', '-o', 'json'])).out);
    expect(smart).toMatchObject({ critical_warning: 0, temperature: 310, avail_spare: 100 });
    expect((await run(['id-ctrl', '/dev/nvme0', '-H'])).out).toMatch(/\[2:2\] : 1\tFW Commit and Download Supported/);
    let bytes = new Uint8Array(0);
    const code = await nvmeCli(k.spawn(), ['fw-log', '/dev/nvme0', '-b'], { write: () => {}, writeBytes: (b) => void (bytes = b) });
    expect(code).toBe(0);
    expect([bytes.length, bytes[0], String.fromCharCode(...bytes.subarray(8, 11))]).toEqual([512, 1, '1.0']);
  });
  it('a missing device or file is one line and its errno, never a stack', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('nvme');
    expect(await run(['id-ctrl', '/dev/nvme1'])).toEqual({ code: 2, out: "vchardev: nvme id-ctrl: ENOENT: no such file or directory, open '/dev/nvme1'\n" });
    const r = await nvmeCli(k.spawn(), ['fw-download', '/dev/nvme0', '-f', '/nope'], {
      write: () => {},
      readFile: () => Promise.reject(Object.assign(new Error("ENOENT: no such file or directory, open '/nope'"), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/nope' })),
    });
    expect(r).toBe(2);
  });
});
