// The WASM dma engine against the TypeScript reference of the same algorithms
// (src/drivers/nvme/prp.ts) on the kernel's real page tables (nvme §4, §5, §9): every test for
// each build — bounds-checked test, release (SIMD) and its scalar variant — bit for bit.
import { describe, it, expect, beforeEach } from 'vitest';
import fc from 'fast-check';
import { PhysMem, AddressSpace, PROT_READ, PROT_WRITE } from '../../src/kernel/mm.js';
import { DmaEngine, type DmaBuild } from '../../src/wasm/dma.js';
import { buildPrps, walkPrps } from '../../bench/baseline/prp.js';
import { DmaPool } from '../../src/drivers/nvme/prp.js';

let phys: PhysMem;
let mm: AddressSpace;
let dma: DmaEngine;
const frames = (n: number) => Array.from({ length: n }, () => phys.allocFrame() * 4096);

for (const build of ['test', 'release', 'scalar'] as const satisfies readonly DmaBuild[]) describe(`the ${build} build`, () => {
beforeEach(async () => {
  phys = new PhysMem(64, 3);
  mm = AddressSpace.create(phys) as AddressSpace;
  dma = await DmaEngine.create(phys.memory, build);
});

/** Pins [addr, addr+len) in WASM and builds PRPs there, with `lists` handed in. */
function wasmBuild(addr: number, len: number, lists: number[]) {
  const offset = addr % 4096;
  const count = Math.ceil((offset + len) / 4096);
  const pages = dma.getUserPages(mm.pgd, addr, count, true, phys.nrFrames);
  expect(pages.length).toBe(count);
  const r = dma.setupPrps(offset, len, lists);
  for (const p of pages) phys.putPage(p);
  return r;
}
function tsBuild(addr: number, len: number, small: number[], page: number[]) {
  const sg = [];
  for (let a = addr, left = len; left > 0; ) {
    const n = Math.min(left, 4096 - (a % 4096));
    sg.push({ addr: mm.translate(a, true), len: n });
    a += n;
    left -= n;
  }
  return buildPrps(phys.u32, sg, len, new DmaPool(256, small), new DmaPool(4096, page));
}

describe('getUserPages in WASM (nvme §4)', () => {
  it('pins through the page tables, takes a reference per page, stops at the first fault or read-only page', () => {
    const a = mm.mmap(4 * 4096, PROT_READ | PROT_WRITE);
    mm.mprotect(a + 2 * 4096, 4096, PROT_READ);
    const pages = dma.getUserPages(mm.pgd, a + 100, 4, true, phys.nrFrames);
    expect(Array.from(pages)).toEqual([0, 1].map((i) => mm.translate(a + i * 4096, false) >>> 12));
    expect(phys.pageRefs(pages[0]!)).toBe(2);
    expect(dma.getUserPages(mm.pgd, a, 4, false, phys.nrFrames).length).toBe(4);
    expect(dma.getUserPages(mm.pgd, 0x7000_0000, 1, false, phys.nrFrames).length).toBe(0);
  });
});

describe('setupPrps in WASM equals the TypeScript reference (nvme §5)', () => {
  it.each([
    [0x200, 4096], [0, 4096], [0, 8192], [0, 12288], [0, 33 * 4096], [0, 34 * 4096],
    [0, 513 * 4096], [0, 514 * 4096], [0, 515 * 4096], [0x44, 6 << 20], [4092, 4], [4092, 8],
  ])('offset %i, %i bytes', (offset, len) => {
    const a = mm.mmap(len + 8192, PROT_READ | PROT_WRITE);
    const small = frames(1);
    const pages = frames(8);
    const t = tsBuild(a + offset, len, [...small], [...pages]);
    const nprps = Math.ceil(Math.max(0, len - (4096 - offset)) / 4096);
    const lists = nprps <= 1 ? [] : nprps <= 32 ? [...small] : [...pages];
    // the TS build wrote its lists into the same blocks: read them, then let WASM write again
    const tsEntries = t.lists.map((l) => Array.from(phys.u32.subarray(l.addr >>> 2, (l.addr >>> 2) + 1024)));
    const w = wasmBuild(a + offset, len, lists);
    expect([Number(w.prp1), Number(w.prp2), w.len, w.used]).toEqual([t.prp1, t.prp2, t.len, t.lists.length]);
    t.lists.forEach((l, i) => expect(Array.from(phys.u32.subarray(l.addr >>> 2, (l.addr >>> 2) + 1024))).toEqual(tsEntries[i]));
  });
  it('blocks running out: no list → PRP1 + PRP2 coverage; no chain page → the bytes so far', () => {
    const a = mm.mmap(700 * 4096, PROT_READ | PROT_WRITE);
    expect(wasmBuild(a + 0x100, 10 * 4096, []).len).toBe(4096 - 0x100 + 4096);
    expect(wasmBuild(a, 600 * 4096, frames(1)).len).toBe(513 * 4096);
  });
});

describe('walkPrps in WASM (nvme §9, edge 9)', () => {
  const put = (addr: number, i: number, v: number) => new DataView(phys.u8.buffer).setBigUint64(addr + 8 * i, BigInt(v), true);
  it('PRP2 unaligned with at most one page left → 0x4013 naming PRP2', () => {
    expect(dma.walkPrps(0x200000n, 0x300010n, 8192)).toMatchObject({ status: 0x4013, error: { rule: 'prp2-offset', entry: 1 } });
  });
  it('an unaligned list entry → 0x4013 with its index; a list outside RAM → 0x0004; data outside RAM → 0x4002', () => {
    const [list] = frames(1);
    put(list!, 0, 0x400000);
    put(list!, 1, 0x401008);
    expect(dma.walkPrps(0x200000n, BigInt(list!), 3 * 4096)).toMatchObject({ status: 0x4013, error: { rule: 'list-entry-offset', listPage: 1, entry: 1, value: 0x401008 } });
    expect(dma.walkPrps(0x200000n, 1n << 40n, 3 * 4096)).toMatchObject({ status: 0x0004, error: { rule: 'list-read' } });
    expect(dma.walkPrps(1n << 40n, 0n, 512)).toMatchObject({ status: 0x4002, error: { rule: 'data-range' } });
  });
  it('an unaligned chain pointer → 0x4013 at entry 511', () => {
    const [list] = frames(1);
    for (let i = 0; i < 511; i++) put(list!, i, 0x400000 + i * 4096);
    put(list!, 511, 0x900008);
    expect(dma.walkPrps(0x200000n, BigInt(list!), 600 * 4096)).toMatchObject({ status: 0x4013, error: { rule: 'chain-offset', entry: 511 } });
  });
  it('property: random 4-byte-aligned buffers up to 8 MiB walk back to the user pages, as the TS walk does', () => {
    const size = 8 * 1024 * 1024 + 8192;
    const base = mm.mmap(size, PROT_READ | PROT_WRITE);
    const small = frames(1);
    const pages = frames(8);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 1, max: 8 * 1024 * 1024 }), (off4, len) => {
        const addr = base + off4 * 4;
        const nprps = Math.ceil(Math.max(0, len - (4096 - (addr % 4096))) / 4096);
        const w = wasmBuild(addr, len, nprps <= 1 ? [] : nprps <= 32 ? small : pages);
        expect(w.len).toBe(len);
        const walked = dma.walkPrps(w.prp1, w.prp2, len);
        expect(walked.status).toBe(0);
        const ref = walkPrps(phys.u8, w.prp1, w.prp2, len);
        expect(Array.isArray(ref)).toBe(true);
        const segs = ref as Array<{ addr: number; len: number }>;
        expect(walked.nsegs).toBe(segs.length);
        let v = addr;
        for (let i = 0; i < walked.nsegs; i++) {
          expect([walked.segs[2 * i], walked.segs[2 * i + 1]]).toEqual([mm.translate(v, false), segs[i]!.len]);
          v += segs[i]!.len;
        }
      }),
      { numRuns: 50 },
    );
  });
  it('an entry near 2^64 is outside RAM, not wrapped past the check: PRP1, PRP2 and a list entry', () => {
    const top = 0xffff_ffff_ffff_f000n;
    expect(dma.walkPrps(top, 0n, 512)).toMatchObject({ status: 0x4002, error: { rule: 'data-range' } });
    expect(dma.walkPrps(0x200000n, top, 8192)).toMatchObject({ status: 0x4002, error: { rule: 'data-range', entry: 1 } });
    const [list] = frames(1);
    for (let i = 0; i < 20; i++) put(list!, i, 0x400000 + i * 4096);
    new DataView(phys.u8.buffer).setBigUint64(list! + 8 * 13, top, true);
    expect(dma.walkPrps(0x200000n, BigInt(list!), 21 * 4096)).toMatchObject({ status: 0x4002, error: { rule: 'data-range', listPage: 1, entry: 13 } });
  });
  it('a list pointer near 2^64 is a list that cannot be read, not wrapped past the check: PRP2 and a chain', () => {
    expect(dma.walkPrps(0x200000n, 0xffff_ffff_ffff_fff8n, 3 * 4096)).toMatchObject({ status: 0x0004, error: { rule: 'list-read', listPage: 1 } });
    const [list] = frames(1);
    for (let i = 0; i < 511; i++) put(list!, i, 0x400000 + i * 4096);
    new DataView(phys.u8.buffer).setBigUint64(list! + 8 * 511, 0xffff_ffff_ffff_f000n, true);
    expect(dma.walkPrps(0x200000n, BigInt(list!), 600 * 4096)).toMatchObject({ status: 0x0004, error: { rule: 'list-read', listPage: 2 } });
  });
  it('property: one bad entry anywhere in a list of up to 1,500 pages is reported as the TS walk reports it', () => {
    const base = mm.mmap(1600 * 4096, PROT_READ | PROT_WRITE);
    const pages = frames(8);
    const ramEnd = BigInt(phys.u8.length);
    const kinds = [
      (v: bigint) => v + 8n, // unaligned
      () => 0n, // below the bus floor
      () => ramEnd, // just past RAM
      () => ramEnd - 4096n, // the last page: fine
      () => 0xffff_ffff_ffff_f000n, // would wrap
      () => 1n << 63n, // negative as a signed lane
    ];
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 1500 }), fc.nat(), fc.integer({ min: 0, max: kinds.length - 1 }), (n, at, kind) => {
        const w = wasmBuild(base, n * 4096, pages);
        // the data entries (chain slots are pointers, left alone): entry j of the transfer
        const slots: Array<[number, number]> = [];
        for (let page = 0, list = Number(w.prp2), left = n - 1; left > 0; page++) {
          const here = left > 512 ? 511 : left;
          for (let i = 0; i < here; i++) slots.push([list + 8 * i, i]);
          left -= here;
          if (left) list = Number(new DataView(phys.u8.buffer).getBigUint64(list + 8 * 511, true));
        }
        const [addr] = slots[at % slots.length]!;
        const dv = new DataView(phys.u8.buffer);
        const old = dv.getBigUint64(addr, true);
        dv.setBigUint64(addr, kinds[kind]!(old), true);
        const got = dma.walkPrps(w.prp1, w.prp2, n * 4096);
        const ref = walkPrps(phys.u8, w.prp1, w.prp2, n * 4096);
        dv.setBigUint64(addr, old, true);
        if (Array.isArray(ref)) {
          expect(got.status).toBe(0);
          expect(got.nsegs).toBe(ref.length);
          for (let i = 0; i < ref.length; i++) expect([got.segs[2 * i], got.segs[2 * i + 1]]).toEqual([ref[i]!.addr, ref[i]!.len]);
        } else {
          expect({ status: got.status, ...got.error }).toEqual({ status: ref.status, rule: ref.rule, listPage: ref.listPage, entry: ref.entry, value: ref.value });
        }
      }),
      { numRuns: 60, seed: 2 },
    );
  });
});
});
