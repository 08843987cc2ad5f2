// kxo under the real clock: the AIs think on a worker, so the kernel's event loop keeps serving
// reads, polls and sysfs. Measures event-loop delay (p50/p99/max) while two games are played,
// and the per-move AI times the driver records (debugfs kxo/ai_times).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kernel, O_RDONLY, POLLIN } from '../dist/index.js';
import { quick, progress, record } from './lib.mjs';

const GAMES = Number(process.env.KXO_LAG_GAMES ?? (quick ? 1 : 2));
progress(`playing ${GAMES} game(s) under the real clock`);
const kernel = await Kernel.boot({ clock: 'real' });
await kernel.insmod('kxo', { delay: 100 });
const proc = kernel.spawn();
const fd = await proc.open('/dev/kxo', O_RDONLY);
const buf = proc.mmap(4096);
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let games = 0;
let sysfsReads = 0;
const t0 = performance.now();
while (games < GAMES && performance.now() - t0 < 120_000) {
  await proc.poll([{ fd, events: POLLIN }], 1000);
  const n = await proc.read(fd, buf, 66);
  await proc.readFile('/sys/class/kxo/kxo/kxo_state');
  sysfsReads++;
  const text = String.fromCharCode(...proc.peek(buf, n));
  if (text.length === 66 && kernel.dmesg().split('win!!!').length - 1 > games) games = kernel.dmesg().split('win!!!').length - 1;
}
h.disable();
const times = (await proc.readFile('/sys/kernel/debug/kxo/ai_times')).trim().split('\n').map((l) => l.split(' '));
const ms = (who) => times.filter((t) => t[0] === who).map((t) => Number(t[2]));
const avg = (a) => (a.reduce((s, x) => s + x, 0) / Math.max(1, a.length)).toFixed(1);
console.log(`games ${games}, ${sysfsReads} board reads + sysfs reads, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log('\n| event-loop delay | ms |\n|---|---:|');
console.log(`| p50 | ${(h.percentile(50) / 1e6).toFixed(2)} |\n| p99 | ${(h.percentile(99) / 1e6).toFixed(2)} |\n| max | ${(h.max / 1e6).toFixed(2)} |`);
console.log('\n| AI | moves | mean ms/move | max ms |\n|---|---:|---:|---:|');
for (const [who, name] of [['O', 'MCTS (O)'], ['X', 'negamax (X)']]) {
  const a = ms(who);
  console.log(`| ${name} | ${a.length} | ${avg(a)} | ${Math.max(0, ...a).toFixed(1)} |`);
}
record('kxo-lag', [{ workload: 'event-loop delay while kxo plays (real clock, AIs on a worker)', unit: 'ms', better: 'lower', kind: 'latency', series: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 } }]);
await proc.close(fd);
await kernel.shutdown();
