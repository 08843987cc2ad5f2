// PRP lists: build (nvme_setup_prps, host) and walk (nvme_map_prp, controller) for 4 KiB to 64 MiB
// transfers over scattered frames, the WASM dma engine against the plain-TS baseline, same run;
// plus sg construction from the page tables and a full NVME_IOCTL_ADMIN_CMD Identify round trip.
import { execFileSync } from 'node:child_process';
import { quick, timeIt, record, cProgram } from './lib.mjs';
import { PhysMem, AddressSpace } from '../dist/kernel/mm.js';
import { DmaEngine } from '../dist/wasm/dma.js';
import { Kernel, O_RDWR } from '../dist/index.js';
import { NvmeAdminCmd, NVME_IOCTL_ADMIN_CMD } from '../dist/drivers/nvme/uapi.js';
import { buildPrps, walkPrps } from './.out/prp.js';

const phys = new PhysMem(256, 9);
const mm = AddressSpace.create(phys);
const dma = await DmaEngine.create(phys.memory, 'release');
const lists = Array.from({ length: 64 }, () => phys.allocFrame() * 4096);
const pool = () => { const free = [...lists].reverse(); return { alloc: () => free.pop() ?? -1, release: (a) => free.push(a) }; };

const run = (name, fn) => timeIt(name, fn, { minSamples: 8, maxTime: 2 });
/**
 * The C baseline (M entries/s built, M pages/s walked with the WASM walk's checks and output) at
 * `bytes`, measured now by bench/prp-c.c, built with the system's compiler; null without one.
 */
const cBin = cProgram('prp-c.c');
const cAt = (bytes) => {
  if (!cBin) return null;
  const [, build, , walk] = execFileSync(cBin, [String(bytes)], { encoding: 'utf8' }).trim().split(' ');
  return { build: Number(build), walk: Number(walk) };
};
// the release build uses SIMD; the scalar variant is what an engine without it runs
const scalar = await DmaEngine.create(phys.memory, 'scalar');
const rows = [];
for (const size of quick ? [4096, 1 << 20, 64 << 20] : [4096, 128 << 10, 1 << 20, 64 << 20]) {
  const addr = mm.mmap(size + 4096, 3);
  const pages = Math.ceil(size / 4096);
  const entries = Math.max(0, pages - 1); // PRP entries beyond PRP1
  // the host side's inputs: pinned pfns (WASM) and the equivalent sg list (TS)
  const pfns = dma.getUserPages(mm.pgd, addr, pages, true, phys.nrFrames);
  for (const p of pfns) phys.putPage(p);
  const sg = Array.from(pfns, (p) => ({ addr: p * 4096, len: 4096 }));
  const nLists = pages - 1 <= 32 ? lists.slice(0, 1) : lists;
  const w = dma.setupPrps(0, size, nLists);
  const t = buildPrps(phys.u32, sg, size, pool(), pool());
  if (w.len !== size || t.len !== size || Number(w.prp1) !== t.prp1 || Number(w.prp2) !== t.prp2) throw new Error(`builds differ at ${size}`);
  const ws = dma.walkPrps(w.prp1, w.prp2, size);
  const ts = walkPrps(phys.u8, BigInt(t.prp1), BigInt(t.prp2), size);
  if (ws.status || ws.nsegs !== ts.length) throw new Error(`walks differ at ${size}`);
  const label = size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`;
  const c = cAt(size);
  const bw = await run(`build wasm ${label}`, () => dma.setupPrps(0, size, nLists));
  const bs = await run(`build wasm scalar ${label}`, () => scalar.setupPrps(0, size, nLists));
  const bt = await run(`build ts ${label}`, () => buildPrps(phys.u32, sg, size, pool(), pool()));
  const ww = await run(`walk wasm ${label}`, () => dma.walkPrps(w.prp1, w.prp2, size));
  const wsc = await run(`walk wasm scalar ${label}`, () => scalar.walkPrps(w.prp1, w.prp2, size));
  const wt = await run(`walk ts ${label}`, () => walkPrps(phys.u8, BigInt(t.prp1), BigInt(t.prp2), size));
  const gw = await run(`gup wasm ${label}`, () => { const p = dma.getUserPages(mm.pgd, addr, pages, true, phys.nrFrames); for (let i = 0; i < p.length; i++) phys.refs[p[i]]--; });
  const rate = (b, n) => (b.hz * Math.max(1, n)) / 1e6;
  rows.push([label, entries, rate(bw, entries), rate(bt, entries), rate(ww, pages), rate(wt, pages), rate(gw, pages), rate(bs, entries), rate(wsc, pages), c]);
  console.log(`${label}: done`);
}

// a full admin command through the syscall layer: Identify into a user buffer
const k = await Kernel.boot({ clock: 'virtual', misc: '3.x' });
await k.insmod('nvme');
const p = k.spawn();
const fd = await p.open('/dev/nvme0', O_RDWR);
const cmd = p.mmap(4096);
const data = p.mmap(4096);
const raw = new Uint8Array(72);
NvmeAdminCmd.write(new DataView(raw.buffer), { opcode: 6, cdw10: 1, addr: BigInt(data), dataLen: 4096 });
p.poke(cmd, raw);
if ((await p.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd)) !== 0) throw new Error('identify failed');
const id = await timeIt('identify round trip', (d) => p.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd).then(() => d.resolve()), { defer: true, minSamples: 10 });
await k.shutdown();

console.log('\n| transfer | PRP entries | build M entries/s: WASM | no SIMD | TS | C | WASM/C | walk M pages/s: WASM | no SIMD | TS | C | WASM/C | sg from page tables M pages/s (WASM) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const f = (v) => (v == null ? '–' : v.toFixed(1));
const x = (a, b) => (b == null ? '–' : `${(a / b).toFixed(2)}x`);
for (const [l, e, bw, bt, ww, wt, g, bs, wsc, c] of rows) {
  console.log(`| ${l} | ${e} | ${f(bw)} | ${f(bs)} | ${f(bt)} | ${f(c?.build)} | ${x(bw, c?.build)} | ${f(ww)} | ${f(wsc)} | ${f(wt)} | ${f(c?.walk)} | ${x(ww, c?.walk)} | ${f(g)} |`);
}
console.log(`\nNVME_IOCTL_ADMIN_CMD Identify (4 KiB) round trip through the syscall layer: ${Math.round(id.hz).toLocaleString('en-US')} /s (${(1e6 / id.hz).toFixed(1)} µs)`);
console.log(cBin ? 'C: bench/prp-c.c, cc -O2, this run, the same checks and segments as the WASM walk' : 'C baseline skipped: no C compiler (set CC)');
const kind = 'WASM against TypeScript and C';
const C_LABEL = 'C (bench/prp-c.c, cc -O2, this run)';
record('dma', [
  ...rows.flatMap(([l, , bw, bt, ww, wt, , bs, wsc, c]) => [
    { workload: `PRP build ${l}`, unit: 'M entries/s', better: 'higher', kind, series: { WASM: bw, 'WASM without SIMD': bs, TypeScript: bt, [C_LABEL]: c?.build } },
    { workload: `PRP walk ${l}`, unit: 'M pages/s', better: 'higher', kind, series: { WASM: ww, 'WASM without SIMD': wsc, TypeScript: wt, [C_LABEL]: c?.walk } },
  ]),
  { workload: 'NVME_IOCTL_ADMIN_CMD Identify round trip', unit: 'µs', better: 'lower', kind: 'latency', series: { 'through the syscall layer': 1e6 / id.hz } },
]);
