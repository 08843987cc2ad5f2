// The bridge (issue 13): 1000 NVMe Identify ioctls from a C client through the preload shim and
// the kernel's Unix socket, p50/p99, against a native ioctl on /dev/null in the same run; once
// with the server and the client on one vCPU (taskset), once wherever the scheduler puts them.
// The server is JavaScript: its first thousands of requests run before V8 has optimised the path
// (cold), so the figures that count are taken after a warm-up; the cold run is shown too.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../dist/index.js';
import { quick, progress, record } from './lib.mjs';

const N = quick ? 300 : 1000;
const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
const client = join(dir, 'client');
execFileSync('cc', ['-O2', '-o', client, new URL('./bridge-client.c', import.meta.url).pathname]);

const k = await Kernel.boot({ clock: 'real' });
await k.insmod('nvme');
const bridge = await k.bridge();

const WARMUP = quick ? 2000 : 10000;

function runClient(cpu, n = N) {
  return new Promise((resolve, reject) => {
    const argv = cpu === null ? [client, String(n)] : ['taskset', '-c', String(cpu), client, String(n)];
    const c = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...bridge.env } });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => process.stderr.write(d));
    c.on('exit', (code) => (code === 0 ? resolve(Object.fromEntries(out.trim().split('\n').map((l) => { const [w, p50, p99] = l.split(' '); return [w, { p50: Number(p50), p99: Number(p99) }]; }))) : reject(new Error(`client exit ${code}`))));
  });
}

const rows = [];
console.log(`| ${N} ioctls | p50 µs | p99 µs |\n|---|---:|---:|`);
// pin the server (this process) and the client to vCPU 0: wake-ups stay on one CPU
execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
progress('cold, one vCPU');
const cold = await runClient(0);
// the warm-up is several programs in turn, not one long one: the server's path is re-optimised
// for each of the first few clients (their connections bring new object shapes: V8 logs a few
// dozen deoptimisations over the first four programs and none after)
const CLIENTS = quick ? 4 : 8;
progress(`warm-up (${CLIENTS} programs, ${WARMUP} requests in all)`);
for (let i = 0; i < CLIENTS; i++) await runClient(0, WARMUP / CLIENTS);
progress('one vCPU');
const one = await runClient(0);
execFileSync('taskset', ['-cp', `0-${Math.max(0, (await import('node:os')).availableParallelism() - 1)}`, String(process.pid)], { stdio: 'ignore' });
progress('any vCPU');
const any = await runClient(null);
console.log(`| Identify through the bridge, cold server (its first ${N}), one vCPU | ${cold.identify.p50.toFixed(1)} | ${cold.identify.p99.toFixed(1)} |`);
console.log(`| Identify through the bridge, one vCPU | ${one.identify.p50.toFixed(1)} | ${one.identify.p99.toFixed(1)} |`);
console.log(`| Identify into a buffer zeroed before each call, one vCPU | ${one['identify-fresh'].p50.toFixed(1)} | ${one['identify-fresh'].p99.toFixed(1)} |`);
console.log(`| Identify through the bridge, any vCPU | ${any.identify.p50.toFixed(1)} | ${any.identify.p99.toFixed(1)} |`);
console.log(`| native ioctl on /dev/null | ${one.null.p50.toFixed(2)} | ${one.null.p99.toFixed(2)} |`);

// the same client under umockdev 0.17 with a C ioctl handler (bench/umockdev-server.c), when
// Debian's umockdev and libumockdev-dev are installed: the alternative the README weighs
const um = umockdev();
if (um) {
  console.log(`| Identify under umockdev 0.17 (a C handler), one vCPU | ${um.identify.p50.toFixed(1)} | ${um.identify.p99.toFixed(1)} |`);
  console.log(`| the same into a buffer zeroed before each call | ${um['identify-fresh'].p50.toFixed(1)} | ${um['identify-fresh'].p99.toFixed(1)} |`);
  console.log(`| native ioctl on /dev/null under umockdev's preload | ${um.null.p50.toFixed(2)} | ${um.null.p99.toFixed(2)} |`);
} else console.log('(umockdev row skipped: apt-get install -y umockdev libumockdev-dev pkg-config)');
// host calls under the seccomp supervisor: every read and write of a supervised program is
// trapped (BPF sees numbers, not which file a descriptor is), so a host call pays a round trip
// through the supervisor; measured against the same static program run natively
const sup = supervisorHost();
if (sup) {
  console.log(`| a host write() to /dev/null, static program, natively | ${sup.native.null.p50.toFixed(2)} | ${sup.native.null.p99.toFixed(2)} |`);
  console.log(`| the same under the seccomp supervisor | ${sup.supervised.null.p50.toFixed(2)} | ${sup.supervised.null.p99.toFixed(2)} |`);
  for (const bs of Object.keys(sup.cat)) {
    console.log(`| cat of a 100 MiB host file in ${Number(bs) / 1024} KiB reads: natively / under the supervisor | ${sup.cat[bs].native.toFixed(0)} ms | ${sup.cat[bs].supervised.toFixed(0)} ms |`);
  }
} else console.log('(supervisor rows skipped: no static C library, or not x86-64)');
console.log(`\ngoal: p50 ≤ 50 µs on one vCPU — ${one.identify.p50 <= 50 ? 'met' : 'not met'} (${bridge.requests} requests served)`);
const kind = 'a real program\'s call: through vchardev against the host';
for (const q of ['p50', 'p99']) {
  rows.push({
    workload: `an ioctl from a real program, one vCPU, ${q}`, unit: 'µs', better: 'lower', kind,
    series: {
      'NVMe Identify through the bridge': one.identify[q], 'the same into a buffer zeroed before each call': one['identify-fresh'][q],
      'NVMe Identify under umockdev 0.17 (C handler)': um?.identify[q], 'native ioctl on /dev/null': one.null[q],
    },
  });
}
if (sup) rows.push({ workload: 'a host write() to /dev/null from a static program, p50', unit: 'µs', better: 'lower', kind, series: { 'under the seccomp supervisor': sup.supervised.null.p50, natively: sup.native.null.p50 } });
record('bridge', rows);

function supervisorHost() {
  if (process.arch !== 'x64') return null;
  const prog = join(dir, 'supervisor-host');
  try {
    execFileSync('cc', ['-O2', '-static', '-o', prog, new URL('./supervisor-host.c', import.meta.url).pathname], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const big = join(dir, '100m.bin');
  execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', `count=${quick ? 20 : 100}`, 'status=none']);
  const run = (argv, env = {}) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } }).trim().split(' ');
  progress('host calls under the supervisor');
  const nul = (argv, env) => { const [, p50, p99] = run([...argv, 'null', String(N * 10)], env); return { null: { p50: Number(p50), p99: Number(p99) } }; };
  const native = nul([prog]);
  const supervised = nul(bridge.supervised([prog]), bridge.env);
  const cat = {};
  for (const bs of [131072, 4096]) {
    cat[bs] = { native: Number(run([prog, 'cat', big, String(bs)])[1]), supervised: Number(run(bridge.supervised([prog, 'cat', big, String(bs)]), bridge.env)[1]) };
  }
  return { native, supervised, cat };
}

function umockdev() {
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'umockdev-1.0', 'glib-2.0', 'gobject-2.0'], { encoding: 'utf8' });
  if (flags.status !== 0) return null;
  const server = join(dir, 'umockdev-server');
  execFileSync('cc', ['-O2', '-o', server, new URL('./umockdev-server.c', import.meta.url).pathname, ...flags.stdout.trim().split(/\s+/)]);
  progress('umockdev');
  const out = execFileSync('taskset', ['-c', '0', server, client, String(N)], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => { const [w, p50, p99] = l.split(' '); return [w, { p50: Number(p50), p99: Number(p99) }]; }));
}
await bridge.close();
await k.shutdown();
