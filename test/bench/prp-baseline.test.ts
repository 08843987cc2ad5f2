import { describe, it, expect, beforeEach } from 'vitest';
import fc from 'fast-check';
import { PhysMem, AddressSpace, PROT_READ, PROT_WRITE } from '../../src/kernel/mm.js';
import { buildPrps, walkPrps, freePrps, type SgEntry, type PrpResult } from '../../bench/baseline/prp.js';
import { DmaPool } from '../../src/drivers/nvme/prp.js';

let phys: PhysMem;
let mm: AddressSpace;
let small: DmaPool;
let page: DmaPool;

function pools(smallBlocks = 64, pages = 64) {
  const s: number[] = [];
  for (let f = 0; s.length < smallBlocks; f++) {
    const base = phys.allocFrame() * 4096;
    for (let o = 0; o < 4096 && s.length < smallBlocks; o += 256) s.push(base + o);
  }
  small = new DmaPool(256, s);
  page = new DmaPool(4096, Array.from({ length: pages }, () => phys.allocFrame() * 4096));
}
beforeEach(() => {
  phys = new PhysMem(64, 7);
  mm = AddressSpace.create(phys) as AddressSpace;
  pools();
});

/** The sg list nvme_map_user_pages builds for [addr, addr+len). */
function sgFor(addr: number, len: number): SgEntry[] {
  const sg: SgEntry[] = [];
  let left = len;
  for (let a = addr; left > 0; ) {
    const n = Math.min(left, 4096 - (a % 4096));
    sg.push({ addr: mm.translate(a, true), len: n });
    a += n;
    left -= n;
  }
  return sg;
}
const pageOf = (addr: number, i: number) => mm.translate((Math.floor(addr / 4096) + i) * 4096, true);
const entry = (listAddr: number, i: number) => Number(new DataView(phys.u8.buffer).getBigUint64(listAddr + 8 * i, true));
function build(addr: number, len: number): PrpResult {
  return buildPrps(phys.u32, sgFor(addr, len), len, small, page);
}

describe('nvme_setup_prps shapes (nvme §5, edge 5)', () => {
  it('offset 0x200, 4096 bytes: PRP1 = page0 + 0x200, PRP2 = page1', () => {
    const a = mm.mmap(8192, PROT_READ | PROT_WRITE);
    const r = build(a + 0x200, 4096);
    expect([r.prp1, r.prp2, r.len, r.lists.length]).toEqual([pageOf(a, 0) + 0x200, pageOf(a, 1), 4096, 0]);
  });
  it('one page: PRP2 = 0; offset 0, 8192 bytes: PRP2 = page1', () => {
    const a = mm.mmap(8192, PROT_READ | PROT_WRITE);
    expect(build(a, 4096).prp2).toBe(0);
    const r = build(a, 8192);
    expect([r.prp1, r.prp2]).toEqual([pageOf(a, 0), pageOf(a, 1)]);
  });
  it('12288 bytes: a small-pool list [p1, p2]', () => {
    const a = mm.mmap(3 * 4096, PROT_READ | PROT_WRITE);
    const before = small.available;
    const r = build(a, 12288);
    expect(small.available).toBe(before - 1);
    expect([entry(r.prp2, 0), entry(r.prp2, 1)]).toEqual([pageOf(a, 1), pageOf(a, 2)]);
  });
  it('32 list entries use the small pool; 33 use the page pool', () => {
    const a = mm.mmap(34 * 4096, PROT_READ | PROT_WRITE);
    const r32 = build(a, 33 * 4096);
    expect(r32.lists[0]!.pool).toBe(small);
    const r33 = build(a, 34 * 4096);
    expect(r33.lists[0]!.pool).toBe(page);
    expect(r33.prp2 % 4096).toBe(0);
    expect(entry(r33.prp2, 32)).toBe(pageOf(a, 33));
  });
  it('a small-pool list may start at a 256-byte offset inside its page', () => {
    const a = mm.mmap(4 * 4096, PROT_READ | PROT_WRITE);
    build(a, 3 * 4096);
    const r = build(a, 4 * 4096);
    expect(r.prp2 % 4096).toBe(256);
    expect(walkPrps(phys.u8, BigInt(r.prp1), BigInt(r.prp2), 4 * 4096)).toHaveLength(4);
  });
  it('512 entries fill one page; 513 chain: slot 511 points to page B whose slot 0 holds the moved entry', () => {
    const a = mm.mmap(515 * 4096, PROT_READ | PROT_WRITE);
    const r512 = build(a, 513 * 4096);
    expect(r512.lists).toHaveLength(1);
    expect(entry(r512.prp2, 511)).toBe(pageOf(a, 512));
    const r513 = build(a, 514 * 4096);
    expect(r513.lists).toHaveLength(2);
    const B = r513.lists[1]!.addr;
    expect(entry(r513.prp2, 510)).toBe(pageOf(a, 511));
    expect(entry(r513.prp2, 511)).toBe(B);
    expect([entry(B, 0), entry(B, 1)]).toEqual([pageOf(a, 512), pageOf(a, 513)]);
  });
  it('514 pages after PRP1: page A = p1..p511 + &B, page B = [p512, p513, p514]', () => {
    const a = mm.mmap(515 * 4096, PROT_READ | PROT_WRITE);
    const r = build(a, 515 * 4096);
    const B = r.lists[1]!.addr;
    expect(entry(r.prp2, 0)).toBe(pageOf(a, 1));
    expect(entry(r.prp2, 511)).toBe(B);
    expect([entry(B, 0), entry(B, 1), entry(B, 2)]).toEqual([pageOf(a, 512), pageOf(a, 513), pageOf(a, 514)]);
  });
  it('pool exhaustion: no list → PRP1+PRP2 coverage; no chain page → bytes so far (edge 6)', () => {
    pools(0, 0);
    const a = mm.mmap(600 * 4096, PROT_READ | PROT_WRITE);
    const r = build(a + 0x100, 10 * 4096);
    expect(r.len).toBe(4096 - 0x100 + 4096);
    pools(0, 1);
    const r2 = build(a, 600 * 4096);
    // PRP1 plus the 512 entries written before the chain page could not be had
    expect(r2.len).toBe(4096 + 512 * 4096);
    freePrps(r2);
    expect(page.available).toBe(1);
  });
});

describe('controller PRP walk (nvme §9, edge 9)', () => {
  const put = (addr: number, i: number, v: number) => new DataView(phys.u8.buffer).setBigUint64(addr + 8 * i, BigInt(v), true);
  it('PRP2 unaligned with at most one page left → 0x4013', () => {
    expect(walkPrps(phys.u8, 0x200000n, 0x300010n, 8192)).toMatchObject({ status: 0x4013, rule: 'prp2-offset' });
  });
  it('an unaligned list entry → 0x4013 naming the entry', () => {
    const list = phys.allocFrame() * 4096;
    put(list, 0, 0x400000);
    put(list, 1, 0x401008);
    expect(walkPrps(phys.u8, 0x200000n, BigInt(list), 3 * 4096)).toMatchObject({ status: 0x4013, rule: 'list-entry-offset', listPage: 1, entry: 1, value: 0x401008 });
  });
  it('a list pointer outside RAM → 0x0004; a data pointer outside RAM → 0x4002', () => {
    expect(walkPrps(phys.u8, 0x200000n, 1n << 40n, 3 * 4096)).toMatchObject({ status: 0x0004, rule: 'list-read' });
    expect(walkPrps(phys.u8, 1n << 40n, 0n, 512)).toMatchObject({ status: 0x4002, rule: 'data-range' });
  });
  it('an unaligned chain pointer → 0x4013', () => {
    const list = phys.allocFrame() * 4096;
    for (let i = 0; i < 511; i++) put(list, i, 0x400000 + i * 4096);
    put(list, 511, 0x900008);
    expect(walkPrps(phys.u8, 0x200000n, BigInt(list), 600 * 4096)).toMatchObject({ status: 0x4013, rule: 'chain-offset', entry: 511 });
  });
});

describe('build then walk (property)', () => {
  it('for random 4-byte-aligned offsets and lengths up to 8 MiB the walk reads the user bytes in order', () => {
    phys = new PhysMem(64, 11);
    mm = AddressSpace.create(phys) as AddressSpace;
    pools(64, 16);
    const size = 8 * 1024 * 1024 + 8192;
    const base = mm.mmap(size, PROT_READ | PROT_WRITE);
    for (let a = base; a < base + size; a += 4096) {
      const p = mm.translate(a, true);
      for (let i = 0; i < 4096; i += 4) new DataView(phys.u8.buffer).setUint32(p + i, a + i, true);
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2047 }), fc.integer({ min: 1, max: 8 * 1024 * 1024 }), (off4, len) => {
        const addr = base + off4 * 4;
        const r = build(addr, len);
        try {
          expect(r.len).toBe(len);
          const segs = walkPrps(phys.u8, BigInt(r.prp1), BigInt(r.prp2), len);
          expect(Array.isArray(segs)).toBe(true);
          let v = addr;
          let total = 0;
          for (const s of segs as Array<{ addr: number; len: number }>) {
            expect(s.addr).toBe(mm.translate(v, false));
            v += s.len;
            total += s.len;
          }
          expect(total).toBe(len);
        } finally {
          freePrps(r);
        }
      }),
      { numRuns: 60 },
    );
  });
});
