// Issue 13: unmodified Linux programs against vchardev's drivers through the bridge (the preload
// shim and kernel.bridge()): nvme-cli, dd, cat, sh, a C program written as kxo's users write
// theirs, Python's fcntl.ioctl.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, type Bridge } from '../../src/index.js';
import { parseBoard } from '../../src/drivers/kxo/board.js';
import { missingTool, toolPath } from '../helpers/tools.js';
import { until } from '../helpers/until.js';

const NVME = toolPath('nvme');
const noNvme = missingTool('nvme', 'the bridge\'s nvme-cli tests');
const dir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
const QAT_CFG = '[GENERAL]\nServicesEnabled = cy\n[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\n';

let k: Kernel;
let bridge: Bridge;
let client: string;

interface Run {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
  bytes: Buffer;
}
/** Runs argv under the bridge; stdin stays an open, empty pipe (as a terminal nobody types in). */
function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const c = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...bridge.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.stderr.on('data', (d: Buffer) => (err += d));
    c.on('exit', (code, signal) => {
      const bytes = Buffer.concat(out);
      resolve({ code, signal, out: bytes.toString('latin1'), err, bytes });
    });
  });
}
const sh = (cmd: string) => run(['sh', '-c', cmd]);

beforeAll(async () => {
  client = join(dir, 'client');
  // the headers a user's program includes for the ABIs vchardev defines (include/uapi)
  execFileSync('cc', ['-O1', '-I', new URL('../../include/uapi', import.meta.url).pathname, '-o', client, new URL('./client.c', import.meta.url).pathname]);
  k = await Kernel.boot({ clock: 'real' });
  await k.insmod('kxo', { delay: 20 });
  await k.insmod('nvme', { classSysfs: true });
  await k.insmod('qat', { devices: [{ id: 0, started: true, config: QAT_CFG }] });
  await k.insmod('test_bus', { devices: [{ name: 'eeprom', id: 0 }] });
  await k.insmod('test_chrdev');
  bridge = await k.bridge();
}, 60_000);
afterAll(async () => {
  await bridge?.close();
  await k?.shutdown();
});

describe('standard tools on kxo', () => {
  it('dd if=/dev/kxo bs=66 count=3 gives three boards', async () => {
    const r = await run(['dd', 'if=/dev/kxo', 'bs=66', 'count=3', 'status=none']);
    expect(r.code).toBe(0);
    expect(r.bytes.length).toBe(198);
    for (let i = 0; i < 3; i++) expect(parseBoard(r.out.slice(i * 66, i * 66 + 66))).not.toBeNull();
  });
  it('cat kxo_state and initstate; ls -l and stat see a character device with the kernel\'s dev_t', async () => {
    expect((await run(['cat', '/sys/class/kxo/kxo/kxo_state'])).out).toBe('1 1 0\n');
    expect((await run(['cat', '/sys/module/kxo/initstate'])).out).toBe('live\n');
    const major = k.sys.stat('/dev/kxo') as { rdev: number };
    const ls = await run(['ls', '-l', '/dev/kxo']);
    expect(ls.out).toMatch(new RegExp(`^crw------- 1 root root ${major.rdev >>> 20}, 0 .* /dev/kxo\\n$`));
    expect((await run(['stat', '-c', '%F', '/dev/kxo'])).out).toBe('character special file\n');
    expect((await run(['cat', '/proc/devices'])).out).toMatch(/\n\s*\d+ kxo\n/);
  });
  it('find and ls -l walk the kernel\'s sysfs directories (opendir, fdopendir, dirfd, fstatat)', async () => {
    const f = await run(['find', '/sys/class/kxo/kxo/', '/sys/module/kxo', '-name', 'kxo_state', '-o', '-name', 'initstate']);
    expect(f.err).toBe('');
    expect(f.out.split('\n').filter(Boolean).sort()).toEqual(['/sys/class/kxo/kxo/kxo_state', '/sys/module/kxo/initstate']);
    const l = await run(['ls', '-l', '/sys/class/kxo/kxo/']);
    expect(l.err).toBe('');
    expect(l.out).toMatch(/^-rw-r--r-- 1 root root \d+ .* kxo_state$/m);
  });
  it('echo "0 1 0" > kxo_state from sh stops the boards; "1 1 0" brings them back', async () => {
    const r = await sh('echo "0 1 0" > /sys/class/kxo/kxo/kxo_state && cat /sys/class/kxo/kxo/kxo_state');
    expect(r.out).toBe('0 1 0\n');
    // no board comes while display is off: a blocking dd is still waiting after half a second
    const dd = run(['timeout', '0.5', 'dd', 'if=/dev/kxo', 'bs=66', 'count=1', 'status=none']);
    expect((await dd).bytes.length).toBe(0);
    await sh('echo "1 1 0" > /sys/class/kxo/kxo/kxo_state');
    expect((await run(['dd', 'if=/dev/kxo', 'bs=66', 'count=1', 'status=none'])).bytes.length).toBe(66);
  });
});

describe('the working directory in the kernel\'s tree', () => {
  it('a shell cds into sysfs: relative paths, pwd, programs it runs, .. back out to the host, ENOTDIR on a file', async () => {
    const r = await sh('cd /sys/class/kxo/kxo && /bin/pwd && cat kxo_state && ls && cd ../../../../tmp && /bin/pwd; cd /sys/class/kxo/kxo/kxo_state');
    expect(r.out).toMatch(/^\/sys\/class\/kxo\/kxo\n\d \d \d\ndev\nkxo_state\nuevent\n\/tmp\n$/);
    expect(r.err).toMatch(/can't cd to \/sys\/class\/kxo\/kxo\/kxo_state/);
  });
  it('in such a directory a call the shim does not wrap cannot act on the directory left behind', async () => {
    const r = await sh(`cd ${dir} && cd /sys/class/kxo/kxo && mkdir zz; echo "rc=$?"; ls ${dir}`);
    expect(r.out).toMatch(/^rc=1\n/);
    expect(r.out).not.toMatch(/zz/);
  });
  it('VCHARDEV_CWD is believed only for a directory of ours that its shell really is in', async () => {
    const real = (await run(['/bin/pwd'])).out;
    expect((await run(['/bin/pwd'], { VCHARDEV_CWD: '/etc' })).out).toBe(real);
    expect((await run(['/bin/pwd'], { VCHARDEV_CWD: '/sys/class/kxo/kxo' })).out).toBe(real);
  });
  it('Python: os.chdir, os.getcwd, a relative open and os.listdir(".")', async () => {
    const r = await run(['python3', '-c', 'import os; os.chdir("/sys/module/kxo"); print(os.getcwd(), open("initstate").read().strip(), "initstate" in os.listdir("."))']);
    expect(r.err).toBe('');
    expect(r.out).toBe('/sys/module/kxo live True\n');
  });
});

describe('a statically linked program, under the seccomp supervisor', () => {
  it('opens, reads (readv too), fstats, stats, writes sysfs, O_NONBLOCK, EINTR, fork + exec, NVMe ioctls, threads on one file, poll, select, access; EFAULT, epoll EPERM, no socket calls or sendfile on a device', async () => {
    const prog = join(dir, 'static');
    execFileSync('cc', ['-static', '-O1', '-pthread', '-o', prog, new URL('./static.c', import.meta.url).pathname]);
    const before = k.nrFiles;
    const r = await run(bridge.supervised([prog]));
    expect(r.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.out.match(/^ok /gm)!.length, r.out + r.err).toBe(21);
    expect(r.code).toBe(0);
    // every file it opened went at its last close
    await until(() => k.nrFiles === before);
  }, 30_000);
});

describe('files closed behind the shim\'s back', () => {
  it('a raw close syscall or close_range still releases the kernel\'s file while the program lives on', async () => {
    const before = k.nrFiles;
    const c = spawn(client, ['raw-close'], { env: { ...process.env, ...bridge.env }, stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => c.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    expect(line).toBe('ready 1 1 0\n');
    // the server sees the sockets go and runs the releases
    await until(() => k.nrFiles === before);
    c.stdin.end();
    await new Promise((r) => c.once('exit', r));
  });
});

describe('a C program of our own (test/bridge/client.c)', () => {
  it('select, fopen, kxo_state, O_NONBLOCK, poll, EFAULT, fork + exec, dup; NVMe, QAT, TEST_RDWR', async () => {
    const r = await run([client, 'kxo', 'nvme', 'qat', 'testbus']);
    expect(r.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.code).toBe(0);
    // every check ran (a crash part way would leave fewer)
    expect(r.out.match(/^ok /gm)!.length).toBe(37);
  }, 30_000);
});

describe.skipIf(noNvme)('nvme-cli (Debian\'s 2.3) through the bridge', () => {
  it('id-ctrl: normal, -o json and -H show the controller\'s configuration', async () => {
    const r = await run([NVME, 'id-ctrl', '/dev/nvme0']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^vid\s+: 0x1b36$/m);
    expect(r.out).toMatch(/^sn\s+: VCHARDEV0001\s*$/m);
    expect(r.out).toMatch(/^mn\s+: vchardev NVMe Ctrl\s*$/m);
    const j = JSON.parse((await run([NVME, 'id-ctrl', '/dev/nvme0', '-o', 'json'])).out);
    expect({ vid: j.vid, ssvid: j.ssvid, sn: j.sn.trim(), mn: j.mn.trim(), fr: j.fr.trim() }).toEqual({ vid: 0x1b36, ssvid: 0x1af4, sn: 'VCHARDEV0001', mn: 'vchardev NVMe Ctrl', fr: '1.0' });
    const h = await run([NVME, 'id-ctrl', '/dev/nvme0', '-H']);
    expect(h.code).toBe(0);
    // the decoded bits of CMIC (0: one port, one controller, PCI)
    expect(h.out).toMatch(/\[0:0\] : 0\tSingle Port/);
    expect(h.out).toMatch(/\[1:1\] : 0\tSingle Controller/);
  });
  it('id-ns, smart-log, fw-log', async () => {
    const ns = await run([NVME, 'id-ns', '/dev/nvme0', '-n', '1']);
    expect(ns.code).toBe(0);
    expect(ns.out).toMatch(/^nsze\s+: 0x[0-9a-f]+$/m);
    const smart = await run([NVME, 'smart-log', '/dev/nvme0']);
    expect(smart.code).toBe(0);
    expect(smart.out).toMatch(/temperature\s+: \d+/);
    const fw = await run([NVME, 'fw-log', '/dev/nvme0']);
    expect(fw.out).toMatch(/frs1\s+: 0x[0-9a-f]+ \(1\.0/);
  });
  it('fw-download + fw-commit of a file: the slot shows the new revision', async () => {
    const image = Buffer.alloc(8192, 0xa5);
    image.write('2.7-test', 0, 'latin1');
    const file = join(dir, 'fw.bin');
    writeFileSync(file, image);
    const dl = await run([NVME, 'fw-download', '/dev/nvme0', `--fw=${file}`]);
    expect(dl.err + dl.out).toMatch(/Firmware download success/i);
    const commit = await run([NVME, 'fw-commit', '/dev/nvme0', '--slot=2', '--action=1']);
    expect(commit.code).toBe(0);
    expect((await run([NVME, 'fw-log', '/dev/nvme0'])).out).toMatch(/frs2\s+: 0x[0-9a-f]+ \(2\.7-test\)/);
  });
  it('nvme list -v -o json finds the controller in the sysfs the driver provides (classSysfs)', async () => {
    const r = await run([NVME, 'list', '-v', '-o', 'json']);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    const ctrl = j.Devices[0].Subsystems[0].Controllers[0];
    expect({ name: ctrl.Controller, sn: ctrl.SerialNumber, mn: ctrl.ModelNumber, transport: ctrl.Transport, address: ctrl.Address })
      .toEqual({ name: 'nvme0', sn: 'VCHARDEV0001', mn: 'vchardev NVMe Ctrl', transport: 'pcie', address: '0000:00:04.0' });
    expect(j.Devices[0].Subsystems[0].Subsystem).toBe('nvme-subsys0');
  });
  it('nvme list -o json and plain nvme list list the namespace disk with the controller\'s serial, model and firmware', async () => {
    const r = await run([NVME, 'list', '-o', 'json']);
    expect(r.err).toBe('');
    const [d] = JSON.parse(r.out).Devices;
    // the firmware test above may have committed another revision
    const fw = (await k.spawn().readFile('/sys/class/nvme/nvme0/firmware_rev')).trim();
    expect({ ns: d.NameSpace, path: d.DevicePath, sn: d.SerialNumber, mn: d.ModelNumber, fw: d.Firmware, size: d.PhysicalSize, lba: d.SectorSize })
      .toEqual({ ns: 1, path: '/dev/nvme0n1', sn: 'VCHARDEV0001', mn: 'vchardev NVMe Ctrl', fw, size: 2 ** 30, lba: 512 });
    const plain = await run([NVME, 'list']);
    expect(plain.out).toMatch(new RegExp(`^/dev/nvme0n1 +ng0n1 +VCHARDEV0001 +vchardev NVMe Ctrl +1 +1\\.07 +GB / +1\\.07 +GB +512 +B \\+ +0 B +${fw.replace(/\./g, '\\.')}`, 'm'));
  });
  it('dd writes and reads the namespace as a block device; blockdev and stat see its size and type', async () => {
    const file = join(dir, 'blk.txt');
    writeFileSync(file, 'written by dd through the bridge\n');
    const w = await run(['dd', `if=${file}`, 'of=/dev/nvme0n1', 'bs=512', 'seek=3', 'conv=sync,notrunc']);
    expect(w.code).toBe(0);
    const r = await run(['sh', '-c', 'dd if=/dev/nvme0n1 bs=512 skip=3 count=1 2>/dev/null | head -c 33; blockdev --getsize64 --getss /dev/nvme0n1; stat -c "%F %t:%T" /dev/nvme0n1']);
    expect(r.out).toBe('written by dd through the bridge\n1073741824\n512\nblock special file 103:0\n');
  });
  it('a wrong namespace is the NVMe status by name, as on real hardware', async () => {
    const r = await run([NVME, 'id-ns', '/dev/nvme0', '-n', '5']);
    expect(r.err + r.out).toContain('Invalid Namespace or Format');
  });
});

describe('Python', () => {
  it('fcntl.ioctl NVME_IOCTL_ADMIN_CMD Identify from a ctypes buffer', async () => {
    const py = [
      'import ctypes, fcntl, os, struct',
      'buf = ctypes.create_string_buffer(4096)',
      'cmd = bytearray(struct.pack("<BBHIIIQQIIIIIIIIII", 6, 0, 0, 0, 0, 0, 0, ctypes.addressof(buf), 0, 4096, 1, 0, 0, 0, 0, 0, 0, 0))',
      'fd = os.open("/dev/nvme0", os.O_RDONLY)',
      'r = fcntl.ioctl(fd, 0xC0484E41, cmd, True)',
      'print(r, buf.raw[4:24].decode().strip())',
    ].join('\n');
    const r = await run(['python3', '-c', py]);
    expect(r.err).toBe('');
    expect(r.out).toBe('0 VCHARDEV0001\n');
  });
});

describe('a hostile client of the socket', () => {
  it('ACTFOR is accepted only for the sender\'s own descendant; a flood of requests loses its connection', async () => {
    const spoof = join(dir, 'spoof');
    execFileSync('cc', ['-O1', '-o', spoof, new URL('./spoof.c', import.meta.url).pathname]);
    const tasks = k.tasks.size;
    const r = await run([spoof, String(process.pid)]);
    expect(r.out).toBe(['honest 0', 'actfor-server -1', 'actfor-child 0', 'flood dropped 1', ''].join('\n'));
    // nothing of the refused attempts or the dropped flood stays behind
    await until(() => k.tasks.size <= tasks);
    expect(k.tasks.size).toBe(tasks);
  }, 30_000);
  it('after exec the program\'s memory is reached again (sh: exec 3< …; exec cat …)', async () => {
    const r = await sh('exec 3</sys/class/kxo/kxo/kxo_state; read x <&3; echo "[$x]"; exec cat /sys/class/kxo/kxo/kxo_state');
    expect(r.err).toBe('');
    expect(r.out).toBe('[1 1 0]\n1 1 0\n');
  });
});

describe('drivers loaded after the bridge started', () => {
  it('are served to the children spawned after the insmod', async () => {
    expect(bridge.paths).not.toContain('/dev/sharepool_test');
    await k.insmod('sharepool');
    try {
      expect(bridge.paths).toContain('/dev/sharepool_test');
      const r = await run(['stat', '-c', '%F', '/dev/sharepool_test']);
      expect(r.out).toBe('character special file\n');
    } finally {
      await k.rmmod('sharepool');
    }
  });
});

describe('tasks of real processes', () => {
  it('get pids of the kernel\'s own (the host\'s pids are another namespace) and the process\'s credentials', async () => {
    // the shell holds /dev/kxo open until its stdin ends
    const c = spawn('sh', ['-c', 'exec 3</dev/kxo; read x'], { env: { ...process.env, ...bridge.env }, stdio: ['pipe', 'ignore', 'inherit'] });
    const find = () => [...k.tasks.values()].find((t) => t.comm === `pid${c.pid}`);
    await until(() => find() !== undefined);
    const task = find();
    expect(task!.pid).not.toBe(c.pid);
    // the bridge's own user is root inside (users: 'root', as unshare --map-root-user)
    expect(task!.uid).toBe(0);
    c.stdin!.end('\n');
    await new Promise((r) => c.on('exit', r));
  });
});

describe('lifetime', () => {
  it('a program killed in a blocking read leaves no open file behind (the last close releases it)', async () => {
    const settle = (want: (n: number) => boolean) => until(() => want(k.nrFiles));
    // the files of the earlier tests' programs go as their sockets close (soon after they exit)
    await settle((n) => n === 0);
    expect(k.nrFiles).toBe(0);
    const c = spawn('dd', ['if=/dev/kxo', 'bs=66', 'count=1000000', 'status=none', 'of=/dev/null'], { env: { ...process.env, ...bridge.env } });
    try {
      await settle((n) => n === 1);
      expect(k.nrFiles).toBe(1);
    } finally {
      c.kill('SIGKILL');
    }
    await new Promise((r) => c.on('exit', r));
    await settle((n) => n === 0);
    expect(k.nrFiles).toBe(0);
  });
});
