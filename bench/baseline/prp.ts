// nvme_setup_prps (Linux 3.x, nvme §5) and the controller's walk (QEMU nvme_map_prp, nvme §9) in
// plain TypeScript over physical memory: the baseline the WASM dma engine is benchmarked against
// and the reference the engine's tests compare with. Not shipped.

export const NVME_PAGE = 4096;
// status codes in the host-visible (>> 1) space, as the controller reports them
const S = { NVME_SC_INVALID_FIELD: 0x2, NVME_SC_DATA_XFER_ERROR: 0x4, NVME_SC_INVALID_PRP_OFFSET: 0x13, NVME_SC_DNR: 0x4000 };

/** A dma_pool as the algorithm sees it (the driver's DmaPool fits). */
export interface DmaPool {
  alloc(): number;
  release(addr: number): void;
}

export interface PrpWalkError {
  status: number;
  rule: string;
  listPage: number;
  entry: number;
  value: number;
}

const ENTRIES_PER_PAGE = NVME_PAGE / 8;
const SMALL_BLOCK = 256;

/** One scatter-gather entry: a physical address (with in-page offset) and a length. */
export interface SgEntry {
  addr: number;
  len: number;
}

export interface PrpResult {
  prp1: number;
  prp2: number;
  /** bytes the PRPs describe (less than asked when a pool ran dry) */
  len: number;
  /** list blocks taken, in chain order, with the pool each came from */
  lists: Array<{ addr: number; pool: DmaPool }>;
}

/**
 * see: linux drivers/block/nvme-core.c nvme_setup_prps (3.x)
 * Small pool (256-byte blocks) when at most 32 entries are needed, else the page pool; a full list
 * page moves its last entry to slot 0 of a new page and points slot 511 at it.
 */
export function buildPrps(u32: Uint32Array, sg: readonly SgEntry[], totalLen: number, small: DmaPool, page: DmaPool): PrpResult {
  let si = 0;
  let dmaAddr = sg[0]!.addr;
  let dmaLen = sg[0]!.len;
  const offset = dmaAddr & (NVME_PAGE - 1);
  const res: PrpResult = { prp1: dmaAddr, prp2: 0, len: totalLen, lists: [] };
  let length = totalLen - (NVME_PAGE - offset);
  if (length <= 0) return res;
  dmaLen -= NVME_PAGE - offset;
  if (dmaLen > 0) dmaAddr += NVME_PAGE - offset;
  else {
    si++;
    dmaAddr = sg[si]!.addr;
    dmaLen = sg[si]!.len;
  }
  if (length <= NVME_PAGE) {
    res.prp2 = dmaAddr;
    return res;
  }
  const nprps = Math.ceil(length / NVME_PAGE);
  const pool = nprps <= SMALL_BLOCK / 8 ? small : page;
  let list = pool.alloc();
  if (list < 0) {
    res.prp2 = dmaAddr;
    res.len = totalLen - length + NVME_PAGE;
    return res;
  }
  res.lists.push({ addr: list, pool });
  res.prp2 = list;
  let i = 0;
  for (;;) {
    if (i === ENTRIES_PER_PAGE) {
      const old = list;
      list = pool.alloc();
      if (list < 0) {
        res.len = totalLen - length;
        return res;
      }
      res.lists.push({ addr: list, pool });
      // the entry in the last slot moves to slot 0 of the new page; the slot points to it
      u32[list >>> 2] = u32[(old >>> 2) + 2 * (i - 1)]!;
      u32[(list >>> 2) + 1] = u32[(old >>> 2) + 2 * (i - 1) + 1]!;
      u32[(old >>> 2) + 2 * (i - 1)] = list;
      u32[(old >>> 2) + 2 * (i - 1) + 1] = 0;
      i = 1;
    }
    u32[(list >>> 2) + 2 * i] = dmaAddr;
    u32[(list >>> 2) + 2 * i + 1] = 0;
    i++;
    dmaLen -= NVME_PAGE;
    dmaAddr += NVME_PAGE;
    length -= NVME_PAGE;
    if (length <= 0) break;
    if (dmaLen > 0) continue;
    si++;
    dmaAddr = sg[si]!.addr;
    dmaLen = sg[si]!.len;
  }
  return res;
}

/** Returns every list block of a PrpResult to its pool. */
export function freePrps(r: PrpResult): void {
  for (const l of r.lists) l.pool.release(l.addr);
  r.lists.length = 0;
}

export interface Segment {
  addr: number;
  len: number;
}

/**
 * see: qemu hw/nvme/ctrl.c nvme_map_prp
 * @returns the data segments in order, or the status and the offending entry
 */
export function walkPrps(u8: Uint8Array, prp1: bigint, prp2: bigint, len: number, lo = BigInt(NVME_PAGE)): Segment[] | PrpWalkError {
  const ram = BigInt(u8.length);
  const P = BigInt(NVME_PAGE);
  const segs: Segment[] = [];
  // the device reaches [lo, ram): page 0 is "no page" (the WASM engine's default floor)
  const data = (addr: bigint, n: number, listPage: number, entry: number): PrpWalkError | null => {
    if (addr < lo || addr + BigInt(n) > ram) return { status: S.NVME_SC_INVALID_FIELD | S.NVME_SC_DNR, rule: 'data-range', listPage, entry, value: Number(addr) };
    segs.push({ addr: Number(addr), len: n });
    return null;
  };
  const first = Math.min(len, Number(P - (prp1 % P)));
  let err = data(prp1, first, 0, 0);
  if (err) return err;
  let left = len - first;
  if (left === 0) return segs;
  if (left <= NVME_PAGE) {
    if (prp2 % P) return { status: S.NVME_SC_INVALID_PRP_OFFSET | S.NVME_SC_DNR, rule: 'prp2-offset', listPage: 0, entry: 1, value: Number(prp2) };
    err = data(prp2, left, 0, 1);
    return err ?? segs;
  }
  return walkPrpList(u8, prp2, left, segs, data, lo);
}

/** Reads `count` u64 entries of a list at addr; null when the list lies outside [lo, RAM). */
function readList(u8: Uint8Array, addr: bigint, count: number, lo: bigint): BigUint64Array | null {
  if (addr < lo || addr + BigInt(count * 8) > BigInt(u8.length)) return null;
  const a = Number(addr);
  const out = new BigUint64Array(count);
  const v = new DataView(u8.buffer, u8.byteOffset);
  for (let i = 0; i < count; i++) out[i] = v.getBigUint64(a + 8 * i, true);
  return out;
}

function walkPrpList(
  u8: Uint8Array, listAddr: bigint, left: number, segs: Segment[],
  data: (addr: bigint, n: number, listPage: number, entry: number) => PrpWalkError | null,
  lo: bigint,
): Segment[] | PrpWalkError {
  const P = NVME_PAGE;
  // the first list may start mid-page: only the entries up to the page end are its own
  let avail = (P - Number(listAddr % BigInt(P))) / 8;
  let page = 1;
  let list = readList(u8, listAddr, Math.min(Math.ceil(left / P), avail), lo);
  if (!list) return { status: S.NVME_SC_DATA_XFER_ERROR, rule: 'list-read', listPage: page, entry: 0, value: Number(listAddr) };
  let i = 0;
  while (left > 0) {
    let ent = list[i]!;
    if (i === avail - 1 && left > P) {
      const next = followChain(u8, ent, left, page, lo);
      if ('status' in next) return next;
      list = next.list;
      avail = ENTRIES_PER_PAGE;
      page++;
      i = 0;
      ent = list[0]!;
    }
    if (ent % BigInt(P)) return { status: S.NVME_SC_INVALID_PRP_OFFSET | S.NVME_SC_DNR, rule: 'list-entry-offset', listPage: page, entry: i, value: Number(ent) };
    const n = Math.min(left, P);
    const err = data(ent, n, page, i);
    if (err) return err;
    left -= n;
    i++;
  }
  return segs;
}

/** The last entry of a full list page points to the next list page, which must be page aligned. */
function followChain(u8: Uint8Array, ptr: bigint, left: number, page: number, lo: bigint): { list: BigUint64Array } | PrpWalkError {
  if (ptr % BigInt(NVME_PAGE)) return { status: S.NVME_SC_INVALID_PRP_OFFSET | S.NVME_SC_DNR, rule: 'chain-offset', listPage: page, entry: ENTRIES_PER_PAGE - 1, value: Number(ptr) };
  const list = readList(u8, ptr, Math.min(Math.ceil(left / NVME_PAGE), ENTRIES_PER_PAGE), lo);
  if (!list) return { status: S.NVME_SC_DATA_XFER_ERROR, rule: 'list-read', listPage: page + 1, entry: 0, value: Number(ptr) };
  return { list };
}
