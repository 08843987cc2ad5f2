// 1-byte read of the virtual /dev/zero (through the Process API, i.e. a full syscall: fd lookup,
// access checks, the driver's read, copy_to_user through the page tables) against Node's
// fs.readSync on the real /dev/zero, in the same run.
import { timeIt, record } from './lib.mjs';
import { openSync, readSync, closeSync } from 'node:fs';
import { Kernel, O_RDONLY } from '../dist/index.js';

const kernel = await Kernel.boot({ clock: 'virtual' });
const proc = kernel.spawn();
const vfd = await proc.open('/dev/zero', O_RDONLY);
const ubuf = proc.mmap(4096);
const rfd = openSync('/dev/zero', 'r');
const hostBuf = Buffer.alloc(1);

// sanity: both really read one zero byte
proc.poke(ubuf, new Uint8Array([7]));
if ((await proc.read(vfd, ubuf, 1)) !== 1 || proc.peek(ubuf, 1)[0] !== 0) throw new Error('virtual /dev/zero broken');
hostBuf[0] = 7;
if (readSync(rfd, hostBuf, 0, 1) !== 1 || hostBuf[0] !== 0) throw new Error('real /dev/zero broken');

const v = await timeIt('vchardev read(/dev/zero, 1)', (d) => proc.read(vfd, ubuf, 1).then(() => d.resolve()), { defer: true });
const n = await timeIt('node fs.readSync(/dev/zero, 1)', () => readSync(rfd, hostBuf, 0, 1));
const ns = (b) => 1e9 / b.hz;
console.log('| path | ns/op | ops/s |\n|---|---:|---:|');
for (const b of [v, n]) console.log(`| ${b.name} | ${ns(b).toFixed(0)} | ${Math.round(b.hz).toLocaleString('en-US')} |`);
console.log(`\nratio (real syscall time / virtual syscall time): ${(ns(n) / ns(v)).toFixed(2)}x`);
record('devzero', [{ workload: '1-byte read of /dev/zero', unit: 'ns', better: 'lower', kind: 'a virtual syscall against a real one', series: { 'vchardev read() (Process API)': ns(v), 'fs.readSync of the real /dev/zero': ns(n) } }]);
closeSync(rfd);
await kernel.shutdown();
