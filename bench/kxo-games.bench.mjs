// The kxo extension (issue 12): what the event protocol saves over kxo's board texts, how many
// events per second reach user space for 1, 8 and 64 games under the virtual clock, and how many
// games per minute the real clock plays on 1 worker against every core.
import { availableParallelism } from 'node:os';
import { Kernel, O_RDONLY, O_NONBLOCK, POLLIN } from '../dist/index.js';
import { quick, progress, record } from './lib.mjs';

const PROTO = 0x40047801;

/** Reads a non-blocking fd until EAGAIN, handing each chunk to `take`. */
async function drain(p, fd, buf, take) {
  for (;;) {
    let n;
    try {
      n = await p.read(fd, buf, 4096);
    } catch (e) {
      if (e.code === 'EAGAIN') return;
      throw e;
    }
    take(p.peek(buf, n));
  }
}

/** kxo's own stream (abi kxo, proto 0) for `ticks` ticks; moves counted as new stones between boards. */
async function boardsRun(ticks, ai) {
  const k = await Kernel.boot({ clock: 'virtual' });
  // the AIs inline: this measures the protocol's bytes and the path to user space, not a worker
  await k.insmod('kxo', { ai, worker: 'off' });
  const p = k.spawn();
  const buf = p.mmap(4096);
  const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
  let bytes = 0;
  let moves = 0;
  let prev = 0;
  let text = '';
  for (let t = 0; t < ticks; t++) {
    await k.clock.advance(100);
    await drain(p, fd, buf, (chunk) => {
      bytes += chunk.length;
      text += String.fromCharCode(...chunk);
    });
    for (; text.length >= 66; text = text.slice(66)) {
      const stones = [...text.slice(0, 66)].filter((c) => c === 'O' || c === 'X').length;
      if (stones > prev) moves += stones - prev;
      prev = stones;
    }
  }
  await p.close(fd);
  await k.shutdown();
  return { bytes, moves };
}

/** Counts moves from the event stream itself (codes below 0x80). */
async function eventsRun(games, ticks) {
  const k = await Kernel.boot({ clock: 'virtual' });
  await k.insmod('kxo', { abi: 'ext', games, ai: 'random,random', worker: 'off' });
  const p = k.spawn();
  const buf = p.mmap(4096);
  const fd = await p.open('/dev/kxo', O_RDONLY | O_NONBLOCK);
  p.poke(buf, Uint8Array.of(1, 0, 0, 0));
  await p.ioctl(fd, PROTO, buf);
  let events = 0;
  let moves = 0;
  const t0 = performance.now();
  for (let t = 0; t < ticks; t++) {
    await k.clock.advance(100);
    await drain(p, fd, buf, (ev) => {
      events += ev.length / 2;
      for (let i = 1; i < ev.length; i += 2) if (ev[i] < 0x80) moves++;
    });
  }
  const s = (performance.now() - t0) / 1000;
  await p.close(fd);
  await k.shutdown();
  return { events, moves, s };
}

/** Real clock: finished games in `seconds` with `games` games on `workers` workers. */
async function realRun(games, workers, seconds) {
  const k = await Kernel.boot({ clock: 'real' });
  await k.insmod('kxo', { abi: 'ext', games, workers, worker: 'on', delay: 1, ai: 'mcts,negamax' });
  const p = k.spawn();
  const buf = p.mmap(4096);
  const fd = await p.open('/dev/kxo', O_RDONLY);
  p.poke(buf, Uint8Array.of(1, 0, 0, 0));
  await p.ioctl(fd, PROTO, buf);
  let finished = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const [r] = await p.poll([{ fd, events: POLLIN }], 200);
    if (!(r.revents & POLLIN)) continue;
    const n = await p.read(fd, buf, 4096);
    const ev = p.peek(buf, n);
    for (let i = 1; i < n; i += 2) if (ev[i] > 0x80 && ev[i] < 0x84) finished++;
  }
  const s = (performance.now() - t0) / 1000;
  await p.close(fd);
  await k.shutdown();
  return { finished, perMinute: (finished / s) * 60 };
}

const rows = [];
// 1. bytes per move: kxo's board stream against the event protocol (random AIs: many short games,
// so the start and end events count as they would in a long session)
progress('bytes per move');
const ticks = quick ? 100 : 400;
const boards = await boardsRun(ticks, 'random,random');
const evs = await eventsRun(1, ticks);
const evBytes = evs.events * 2;
console.log('| protocol (1 game, virtual clock) | bytes | moves | bytes per move |\n|---|---:|---:|---:|');
console.log(`| kxo's boards (proto 0) | ${boards.bytes} | ${boards.moves} | ${(boards.bytes / boards.moves).toFixed(1)} |`);
console.log(`| events (proto 1) | ${evBytes} | ${evs.moves} | ${(evBytes / evs.moves).toFixed(2)} |`);
rows.push({ workload: 'bytes per move, 1 game, random AIs', unit: 'B', better: 'lower', kind: "kxo's extension against kxo", series: { 'events (proto 1)': evBytes / evs.moves, "kxo's boards (proto 0)": boards.bytes / boards.moves } });

// 2. events per second delivered to user space
console.log('\n| games | ticks | events | moves | wall s | events/s | moves/s |\n|---:|---:|---:|---:|---:|---:|---:|');
for (const n of [1, 8, 64]) {
  progress(`events per second, ${n} game(s)`);
  const t = quick ? 100 : 500;
  const r = await eventsRun(n, t);
  console.log(`| ${n} | ${t} | ${r.events} | ${r.moves} | ${r.s.toFixed(2)} | ${Math.round(r.events / r.s)} | ${Math.round(r.moves / r.s)} |`);
  rows.push({ workload: `events/s to user space, ${n} game(s), random AIs, virtual clock`, unit: 'events/s', better: 'higher', kind: 'throughput', series: { [`${n} game(s)`]: r.events / r.s } });
}

// 3. real clock, kxo's AIs: games per minute on 1 worker against every core
const cores = availableParallelism();
const seconds = quick ? 2 : 20;
const games = Math.max(4, 2 * cores);
console.log(`\n| real clock, ${games} games of mcts vs negamax, ${seconds} s | workers | games finished | games/min |\n|---|---:|---:|---:|`);
const per = {};
for (const w of [...new Set([1, cores])]) {
  progress(`real clock, ${w} worker(s)`);
  const r = await realRun(games, w, seconds);
  per[w] = r.perMinute;
  console.log(`| | ${w} | ${r.finished} | ${r.perMinute.toFixed(1)} |`);
}
if (cores > 1) console.log(`\n${cores} workers vs 1: ${(per[cores] / per[1]).toFixed(2)}x games per minute`);
rows.push({ workload: `games/min, real clock, ${games} games of mcts vs negamax`, unit: 'games/min', better: 'higher', kind: 'workers', series: { '1 worker': per[1], [`${cores} workers`]: cores > 1 ? per[cores] : null } });
record('kxo-games', rows, [`${cores} cores`]);
