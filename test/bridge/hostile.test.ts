// Issue 18: the bridge as a security boundary. A hostile client per finding: a descriptor passed
// to another process, credentials that change, memory the program may not write, pointers
// beyond the address space, a connection flood, a library planted where the native parts are
// cached, and the README's commands as an ordinary user.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kernel, type Bridge } from '../../src/index.js';
import { cacheDir, ensureNative, loadAddon } from '../../src/bridge/native.js';
import { missingTool } from '../helpers/tools.js';
import { until, untilRunning } from '../helpers/until.js';

const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'hostile-test-'));
const hostile = join(dir, 'hostile');
const hostileStatic = join(dir, 'hostile-static');

let k: Kernel;
let bridge: Bridge;

interface Run {
  code: number | null;
  out: string;
  err: string;
}
function run(argv: string[], opts: { input?: (c: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const c = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...bridge.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d));
    c.stderr!.on('data', (d: Buffer) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
    if (opts.input) opts.input(c);
    else c.stdin!.end();
  });
}
/** "name v1 v2 …" lines → name → values */
const lines = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => {
  const [name, ...rest] = l.split(' ');
  return [name!, rest.join(' ')];
}));

beforeAll(async () => {
  execFileSync('cc', ['-O1', '-Wall', '-o', hostile, new URL('./hostile.c', import.meta.url).pathname]);
  execFileSync('cc', ['-O1', '-static', '-o', hostileStatic, new URL('./hostile.c', import.meta.url).pathname]);
  k = await Kernel.boot({ clock: 'real' });
  await k.insmod('kxo', { delay: 20 });
  await k.insmod('nvme', { classSysfs: true });
  bridge = await k.bridge();
}, 60_000);
afterAll(async () => {
  await bridge?.close();
  await k?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('who a request acts for', () => {
  it('a child holding an inherited descriptor (dropped to nobody) that speaks the protocol itself, naming its parent, reaches only its own memory', async () => {
    const r = await run([hostile, 'inherit']);
    expect(r.err).toBe('');
    const got = lines(r.out);
    // the child's write took its own (zero) page to the disk, its read landed in its own page
    expect(got['child-pwrite']).toBe('4096');
    expect(got['child-pread']).toBe('4096');
    expect(got['child-got']).toBe('DISKDATA');
    expect(got['disk-has-secret']).toBe('0');
    expect(got['parent-page']).toBe('PARENT-SECRET');
  });
  it.skipIf(!root)('credentials are the caller\'s at each call: after dropping to nobody the same process no longer opens root\'s /dev/kxo', async () => {
    const r = await run([hostile, 'creds']);
    expect(lines(r.out)).toEqual({ 'open-as-root': '0', 'open-as-nobody': '-13' });
  });
  it.skipIf(!root)('a call acts with the ids its message was sent with: a process root now but nobody when it sent (a setuid exec while the request waited) is nobody, without capabilities', async () => {
    const r = await run([hostile, 'sentids']);
    expect(lines(r.out)).toEqual({ 'sent-as-root': '0', 'sent-as-nobody': '-13' });
  });
  it('a message passing descriptors (SCM_RIGHTS) loses its connection, and the descriptors do not stay in the server', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 3; i++) {
      const r = await run([hostile, 'rights']);
      // -20000: no reply, the connection was closed
      expect(lines(r.out)).toEqual({ plain: '0', 'with-fd': '-20000' });
    }
    expect(fds()).toBe(before);
  });
  it.skipIf(!root || !existsSync('/usr/bin/unshare'))('capabilities count only in the bridge\'s user namespace: nobody inside unshare -Ur (root there, every capability) is still nobody', async () => {
    // another user than the bridge's must reach its socket
    chmodSync(dirname(bridge.socketPath), 0o755);
    chmodSync(bridge.socketPath, 0o777);
    chmodSync(dir, 0o755);
    const r = await run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-Ur', hostile, 'opencap']);
    expect(r.err).toBe('');
    expect(r.out).toBe('uid 0 open -13\n');
  });
});

describe('a process\'s image and its exit', () => {
  it('a child that inherited a descriptor reads it after its parent, the only user so far, exited (the file lives on)', async () => {
    const r = await run([hostile, 'orphan']);
    expect(r.out).toBe('orphan-read 66 0\n');
  });
  it('an exec ends what the image before it may reach: its memory, its credentials; the new image is another record', async () => {
    const addon = loadAddon();
    const sock = join(dir, 'exec-test.sock');
    const srv = addon.listen(sock, () => {}, 8, 8, 8);
    expect(typeof srv).not.toBe('number');
    const s = srv as Exclude<typeof srv, number>;
    const c = spawn('sh', ['-c', 'read x; exec sleep 5'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await untilRunning(c.pid!, 'sh');
      const gen = addon.track(s, c.pid!);
      const mapped = parseInt(readFileSync(`/proc/${c.pid}/maps`, 'latin1').split('-')[0]!, 16);
      const buf = new Uint8Array(16);
      expect(addon.memory(s, 0, c.pid!, gen, mapped, buf, 0, 16)).toBe(16);
      expect(addon.creds(s, c.pid!, gen)).not.toBeNull();
      c.stdin!.end('go\n');
      // until sh has exec'd sleep
      await untilRunning(c.pid!, 'sleep');
      expect(addon.memory(s, 0, c.pid!, gen, mapped, buf, 0, 16)).toBe(0);
      expect(addon.memory(s, 1, c.pid!, gen, mapped, buf, 0, 16)).toBe(0);
      expect(addon.writable(s, c.pid!, gen, mapped, 16)).toBe(false);
      expect(addon.creds(s, c.pid!, gen)).toBeNull();
      expect(addon.alive(s, c.pid!, gen)).toBe(false);
      const next = addon.track(s, c.pid!);
      expect(next).not.toBe(gen);
      expect(addon.alive(s, c.pid!, next)).toBe(true);
    } finally {
      c.kill();
      addon.stop(s);
    }
  });
});

describe('a reused pid', () => {
  it.skipIf(!root)('is another process: the record of the one that had it reaches neither its memory nor its credentials', async () => {
    const addon = loadAddon();
    const srv = addon.listen(join(dir, 'reuse-test.sock'), () => {}, 8, 8, 8);
    if (typeof srv === 'number') throw new Error(`listen ${srv}`);
    const first = spawn('sleep', ['5']);
    const pid = first.pid!;
    try {
      await untilRunning(pid, 'sleep');
      const gen = addon.track(srv, pid);
      const mapped = parseInt(readFileSync(`/proc/${pid}/maps`, 'latin1').split('-')[0]!, 16);
      const buf = new Uint8Array(8);
      expect(addon.memory(srv, 0, pid, gen, mapped, buf, 0, 8)).toBe(8);
      first.kill('SIGKILL');
      await new Promise((r) => first.on('exit', r));
      // the next process gets the same pid (ns_last_pid, as root); a few tries, other processes
      // may take it first
      let second: ReturnType<typeof spawn> | null = null;
      for (let i = 0; i < 20 && !second; i++) {
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
        const c = spawn('sleep', ['5']);
        if (c.pid === pid) second = c;
        else c.kill('SIGKILL');
      }
      expect(second).not.toBeNull();
      try {
        await untilRunning(pid, 'sleep');
        expect(addon.memory(srv, 0, pid, gen, mapped, buf, 0, 8)).toBe(0);
        expect(addon.memory(srv, 1, pid, gen, mapped, buf, 0, 8)).toBe(0);
        expect(addon.creds(srv, pid, gen)).toBeNull();
        expect(addon.alive(srv, pid, gen)).toBe(false);
        const next = addon.track(srv, pid);
        expect(next).not.toBe(gen);
        expect(addon.memory(srv, 0, pid, next, parseInt(readFileSync(`/proc/${pid}/maps`, 'latin1').split('-')[0]!, 16), buf, 0, 8)).toBe(8);
      } finally {
        second?.kill('SIGKILL');
      }
    } finally {
      addon.stop(srv);
    }
  });
});

describe('the supervisor\'s filter', () => {
  it('refuses a system call of another ABI (i386\'s int 0x80) that its x86-64 numbers would pass by', async () => {
    const native = await run([hostileStatic, 'abi']);
    // a kernel without IA32 emulation refuses it itself: nothing to tell apart then
    if (native.out === 'int80 1\n') expect((await run(bridge.supervised([hostileStatic, 'abi']))).out).toBe('int80 -38\n');
    else expect(native.out).toBe('int80 -38\n');
  });
});

describe('user memory honours the program\'s page protections', () => {
  const expected = {
    'prot-none': '-1 -14 1',
    'prot-read': '-1 -14 1',
    const: '-1 -14 1',
    code: '-1 -14 1',
    'identify-into-prot-read': '-1 -14 1',
    'identify-into-rw': '0',
    'pread-into-rw': '512 DISKDATA',
  };
  it('through the preload shim: pread into PROT_NONE, PROT_READ, a const string or code is EFAULT and changes nothing', async () => {
    const r = await run([hostile, 'protect']);
    expect(r.err).toBe('');
    expect(lines(r.out)).toEqual(expected);
  });
  it('through the seccomp supervisor, the same', async () => {
    const r = await run(bridge.supervised([hostileStatic, 'protect']));
    expect(lines(r.out)).toEqual(expected);
  });
  const far = { 'read-minus-one': '-1 -14', 'ioctl-kernel-address': '-1 -14', 'identify-to-kernel-address': '-1 -14' };
  it('a pointer at or above 2^53 ((void *)-1, a kernel address) is EFAULT, by both routes', async () => {
    expect(lines((await run([hostile, 'pointers'])).out)).toEqual(far);
    expect(lines((await run(bridge.supervised([hostileStatic, 'pointers']))).out)).toEqual(far);
  });
});

describe('the calls a block device needs (fsync and friends), by both routes', () => {
  const expected = {
    pwrite: '4096', fsync: '0 0', fdatasync: '0 0', sync_file_range: '0 0', syncfs: '0 0',
    posix_fadvise: '0', 'posix_fadvise-bad': '22', fallocate: '-1 -19', 'fsync-chr': '-1 -22',
  };
  it('through the preload shim', async () => {
    const r = await run([hostile, 'sync']);
    expect(r.err).toBe('');
    expect(lines(r.out)).toEqual(expected);
  });
  it('through the seccomp supervisor', async () => {
    expect(lines((await run(bridge.supervised([hostileStatic, 'sync']))).out)).toEqual(expected);
  });
  it.skipIf(missingTool('mkfs', 'the mkfs.ext4 test'))('dd conv=fsync, then mkfs.ext4 and a clean e2fsck -fn of /dev/nvme0n1', async () => {
    const dd = await run(['dd', 'if=/dev/zero', 'of=/dev/nvme0n1', 'bs=4k', 'count=16', 'conv=fsync', 'status=none']);
    expect([dd.code, dd.err]).toEqual([0, '']);
    const mkfs = await run(['mkfs.ext4', '-q', '-F', '/dev/nvme0n1']);
    expect([mkfs.code, mkfs.err]).toEqual([0, '']);
    const fsck = await run(['e2fsck', '-fn', '/dev/nvme0n1']);
    expect(fsck.code).toBe(0);
    expect(fsck.out).toMatch(/^\/dev\/nvme0n1: 11\/\d+ files/m);
  }, 60_000);
});

describe('the shim under signals', () => {
  it('ppoll\'s mask ends the wait when it unblocks a pending signal (with a timeout beyond 32 bits); select writes back the time left; a handler that dups and closes while files of ours open and close does not deadlock', async () => {
    const r = await run([hostile, 'signals']);
    expect(r.err).toBe('');
    expect(lines(r.out)).toEqual({ 'ppoll-mask': '-1 -4 1', 'select-left': '1 1', 'opens-under-signals': '1000 1' });
  }, 30_000);
});

describe('paths as Linux walks them', () => {
  it('.. of a device node is ENOTDIR; .. in sysfs goes up from where a class link really points', async () => {
    const cat = await run(['cat', '/dev/kxo/../kxo']);
    expect(cat.err).toMatch(/Not a directory/);
    const up = await run(['sh', '-c', 'cd -P /sys/class/kxo/kxo/.. && pwd; ls -d /sys/class/kxo/kxo/../.. && cat /sys/class/kxo/../kxo/kxo/kxo_state']);
    expect(up.err).toBe('');
    expect(up.out).toBe('/sys/devices/virtual/kxo\n/sys/class/kxo/kxo/../..\n1 1 0\n');
  });
  it('by both routes: open of /dev/kxo/../kxo is ENOTDIR; /sys/class/kxo/kxo/../kxo/kxo_state opens', async () => {
    const want = 'device-dotdot -20\nclass-dotdot 6 1 1 0\n';
    expect((await run([hostile, 'dotdot'])).out).toBe(want);
    expect((await run(bridge.supervised([hostileStatic, 'dotdot']))).out).toBe(want);
  });
  it('a host directory that holds the kernel\'s entries lists both (ls /sys/class, /dev, Python\'s os.listdir)', async () => {
    const host = readdirSync('/sys/class');
    const ls = await run(['ls', '-1', '/sys/class']);
    expect(ls.out.trim().split('\n').sort()).toEqual([...new Set([...host, 'kxo', 'nvme', 'nvme-subsystem'])].sort());
    const dev = await run(['python3', '-c', 'import os; print(sorted(n for n in os.listdir("/dev") if n in ("kxo", "nvme0", "nvme0n1", "null")))']);
    expect(dev.out).toBe("['kxo', 'null', 'nvme0', 'nvme0n1']\n");
  });
  it('a host path with .. is left to the host (a symlink in it is the host\'s to follow)', async () => {
    mkdirSync(join(dir, 'pw/a'), { recursive: true });
    mkdirSync(join(dir, 'pw/x'), { recursive: true });
    symlinkSync(join(dir, 'pw/a'), join(dir, 'pw/link'));
    const r = await run(['ls', '-d', join(dir, 'pw/link/../x')]);
    expect([r.out.trim(), r.err]).toEqual([join(dir, 'pw/link/../x'), '']);
  });
});

describe('bounds', () => {
  it('a program flooding connections is refused past its bound (EMFILE) while another program keeps working', async () => {
    const tasks = k.tasks.size;
    let release!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((res) => (holding = res));
    const flood = run([hostile, 'flood'], {
      input: (c) => {
        c.stdout!.on('data', (d: Buffer) => { if (String(d).includes('holding')) holding(); });
        release = () => c.stdin!.end();
      },
    });
    await held;
    const cat = await run(['cat', '/sys/class/kxo/kxo/kxo_state']);
    expect(cat.out).toBe('1 1 0\n');
    const dd = await run(['dd', 'if=/dev/kxo', 'bs=66', 'count=1', 'status=none']);
    expect(dd.out.length).toBe(66);
    release();
    const r = await flood;
    // 1024 accepted, the other 76 refused with EMFILE (-24)
    expect(lines(r.out).flood).toBe('1024 76 -24');
    await until(() => k.tasks.size <= tasks);
    expect(k.tasks.size).toBe(tasks);
  }, 30_000);
});

describe('the native parts are built where no other user can plant one', () => {
  it('the cache is the user\'s own 0700 directory; a library planted at the old shared name in the temp directory is never used', () => {
    const home = mkdtempSync(join(tmpdir(), 'xdg-'));
    const env = { XDG_CACHE_HOME: home };
    const cache = cacheDir(env);
    expect(cache).toBe(join(home, 'vchardev'));
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    // what the bridge used before: $TMPDIR/vchardev-<hash>-<output>, trusted if present
    const planted = join(tmpdir(), 'vchardev-0000000000000000-libvchardev-shim.so');
    // (another user may have planted it already: it is there either way)
    if (!existsSync(planted)) writeFileSync(planted, 'planted');
    const shim = ensureNative('shim', { build: false, env });
    expect(shim.startsWith(`${cache}/`)).toBe(true);
    expect(readFileSync(shim).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // a second call takes the cached build
    expect(ensureNative('shim', { build: false, env })).toBe(shim);
    rmSync(home, { recursive: true, force: true });
  });
  it.skipIf(!root)('a cache directory or a cached build owned by another user is refused, not loaded', () => {
    const home = mkdtempSync(join(tmpdir(), 'xdg-'));
    const env = { XDG_CACHE_HOME: home };
    const shim = ensureNative('shim', { build: false, env });
    chownSync(shim, 65534, 65534);
    expect(() => ensureNative('shim', { build: false, env })).toThrow(/not this user's own file/);
    const other = join(home, 'other');
    mkdirSync(join(other, 'vchardev'), { recursive: true });
    chownSync(join(other, 'vchardev'), 65534, 65534);
    expect(() => cacheDir({ XDG_CACHE_HOME: other })).toThrow(/not a directory of this user's/);
    rmSync(home, { recursive: true, force: true });
  });
});

describe('an ordinary user', () => {
  const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;
  const asNobody = (args: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cli, ...args], { encoding: 'latin1', timeout: 60_000 });
  it.skipIf(!root || !existsSync(cli))('runs the README\'s commands: dd of /dev/kxo and nvme id-ctrl work as nobody, who is root inside the kernel', () => {
    const dd = asNobody(['run', '--', 'dd', 'if=/dev/kxo', 'bs=66', 'count=1', 'status=none']);
    expect(dd.stderr).toBe('');
    expect(dd.stdout.length).toBe(66);
    const id = asNobody(['run', '--', 'nvme', 'id-ctrl', '/dev/nvme0']);
    expect(id.status).toBe(0);
    expect(id.stdout).toMatch(/^mn\s+: /m);
    const who = asNobody(['run', '--', 'sh', '-c', 'stat -c "%U %a" /dev/kxo; id -u']);
    expect(who.stdout).toBe('root 600\n65534\n');
  });
  it.skipIf(!root || !existsSync(cli))('with --host-ids nobody is nobody inside the kernel too: Permission denied on root\'s 0600 /dev/kxo', () => {
    const dd = asNobody(['run', '--host-ids', '--', 'dd', 'if=/dev/kxo', 'bs=66', 'count=1', 'status=none']);
    expect(dd.status).not.toBe(0);
    expect(dd.stderr).toMatch(/Permission denied/);
  });
});
