// see: qemu hw/nvme/ctrl.c nvme_map_prp (nvme §9) — the controller side: PRP1 (offset allowed),
// then PRP2 as a data pointer or a list, lists chained through their last entry. Segments land in
// SEGS; a failure says which entry broke which rule. Split as walkPrpList + followChain.
import { PAGE, setSeg, prpEntry, MAX_SEGS, SEGS_OFF } from './layout';

export const SC_INVALID_FIELD_DNR: i32 = 0x4002;
export const SC_DATA_XFER_ERROR: i32 = 0x0004;
export const SC_INVALID_PRP_OFFSET_DNR: i32 = 0x4013;
// rule ids for the error record (names on the host side)
export const RULE_PRP2_OFFSET: i32 = 1;
export const RULE_ENTRY_OFFSET: i32 = 2;
export const RULE_CHAIN_OFFSET: i32 = 3;
export const RULE_LIST_READ: i32 = 4;
export const RULE_DATA_RANGE: i32 = 5;
export const RULE_TOO_MANY: i32 = 6;

export let nsegs: i32 = 0;
export let errRule: i32 = 0;
export let errPage: i32 = 0;
export let errEntry: i32 = 0;
export let errValue: u64 = 0;

// the window of bus addresses the device may reach: [lo, ram). Below lo is the host's own memory
// (frame 0 means "no page", then the engine's data and the refcount table), never a data buffer
let lo: u64 = 0;
let ram: u64 = 0;

function fail(status: i32, rule: i32, listPage: i32, entry: i32, value: u64): i32 {
  errRule = rule;
  errPage = listPage;
  errEntry = entry;
  errValue = value;
  return status;
}

@inline function seg(addr: u64, n: u32, listPage: i32, entry: i32): i32 {
  // (ram - addr, not addr + n: an entry near 2^64 would wrap past the check)
  if (addr < lo || addr > ram || <u64>n > ram - addr) return fail(SC_INVALID_FIELD_DNR, RULE_DATA_RANGE, listPage, entry, addr);
  if (nsegs == MAX_SEGS) return fail(SC_INVALID_FIELD_DNR, RULE_TOO_MANY, listPage, entry, addr);
  setSeg(nsegs++, <u32>addr, n);
  return 0;
}

/** @returns 0 (segments in SEGS, count nsegs) or an NVMe status with the error record set */
export function walkPrps(p1: u64, p2: u64, len: u32, loBytes: u64, ramBytes: u64): i32 {
  lo = loBytes;
  ram = ramBytes;
  nsegs = 0;
  errRule = 0;
  const first = min<u32>(len, PAGE - <u32>(p1 & (PAGE - 1)));
  let r = seg(p1, first, 0, 0);
  if (r) return r;
  const left = len - first;
  if (left == 0) return 0;
  if (left <= PAGE) {
    if (p2 & (PAGE - 1)) return fail(SC_INVALID_PRP_OFFSET_DNR, RULE_PRP2_OFFSET, 0, 1, p2);
    return seg(p2, left, 0, 1);
  }
  return walkPrpList(p2, left);
}

function walkPrpList(listAddr: u64, left: u32): i32 {
  // the first list may start mid-page: only the entries up to the page end are its own
  let avail = <i32>((PAGE - <u32>(listAddr & (PAGE - 1))) >> 3);
  let listPage = 1;
  let cur = listAddr;
  // (ram - cur, not cur + bytes: a list pointer near 2^64 would wrap past the check)
  if (cur < lo || cur > ram || <u64>(min<u32>((left + PAGE - 1) / PAGE, <u32>avail) << 3) > ram - cur) return fail(SC_DATA_XFER_ERROR, RULE_LIST_READ, 1, 0, cur);
  let i = 0;
  while (left > 0) {
    // the entries before this page's chain slot (or up to the last one) are whole data pages:
    // taken in bulk; what bulk stops at (a bad entry, the chain, the last page) is the loop's
    const need = <i32>((left + PAGE - 1) / PAGE);
    const run = min<i32>(need <= avail - i ? need - 1 : avail - 1 - i, MAX_SEGS - nsegs);
    if (run > 0) {
      const done = bulk(<usize>cur + (<usize>i << 3), run);
      i += done;
      left -= <u32>done << 12;
    }
    let ent = prpEntry(<usize>cur, i);
    if (i == avail - 1 && left > PAGE) {
      const r = followChain(ent, left, listPage);
      if (r) return r;
      cur = ent;
      avail = <i32>(PAGE >> 3);
      listPage++;
      i = 0;
      ent = prpEntry(<usize>cur, 0);
    }
    if (ent & (PAGE - 1)) return fail(SC_INVALID_PRP_OFFSET_DNR, RULE_ENTRY_OFFSET, listPage, i, ent);
    const n = min<u32>(left, PAGE);
    const r = seg(ent, n, listPage, i);
    if (r) return r;
    left -= n;
    i++;
  }
  return 0;
}

/**
 * Validates and stores `n` entries at `at`, each a whole data page: aligned, inside [lo, ram).
 * @returns how many were good before the first bad one (the caller reports that one)
 */
function bulk(at: usize, n: i32): i32 {
  if (ram < lo + <u64>PAGE) return 0;
  // e is good when aligned and e - lo <= span (unsigned: below lo wraps to a huge value)
  const span = ram - lo - <u64>PAGE;
  let out = SEGS_OFF + (<usize>nsegs << 3);
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    // two entries per v128, eight a round: alignment and range as lane-wise tests; out, their
    // low halves each beside the length PAGE
    const mask = i64x2.splat(<i64>(PAGE - 1));
    const loV = i64x2.splat(<i64>lo);
    const spanV = i64x2.splat(<i64>span);
    const zero = i64x2.splat(0);
    const len = i32x4.splat(<i32>PAGE);
    let src = at;
    for (; k + 8 <= n; k += 8) {
      const a = v128.load(src);
      const b = v128.load(src, 16);
      const c = v128.load(src, 32);
      const d = v128.load(src, 48);
      const da = i64x2.sub(a, loV);
      const db = i64x2.sub(b, loV);
      const dc = i64x2.sub(c, loV);
      const dd = i64x2.sub(d, loV);
      // a lane is bad when unaligned, below lo (or past 2^63: negative), or past the span
      const low = v128.or(v128.or(i64x2.lt_s(da, zero), i64x2.lt_s(db, zero)), v128.or(i64x2.lt_s(dc, zero), i64x2.lt_s(dd, zero)));
      const high = v128.or(v128.or(i64x2.gt_s(da, spanV), i64x2.gt_s(db, spanV)), v128.or(i64x2.gt_s(dc, spanV), i64x2.gt_s(dd, spanV)));
      const odd = v128.and(v128.or(v128.or(a, b), v128.or(c, d)), mask);
      if (v128.any_true(v128.or(v128.or(low, high), odd))) break;
      v128.store(out, v128.shuffle<i32>(a, len, 0, 4, 2, 4));
      v128.store(out, v128.shuffle<i32>(b, len, 0, 4, 2, 4), 16);
      v128.store(out, v128.shuffle<i32>(c, len, 0, 4, 2, 4), 32);
      v128.store(out, v128.shuffle<i32>(d, len, 0, 4, 2, 4), 48);
      src += 64;
      out += 64;
    }
  }
  for (; k < n; k++) {
    const e = load<u64>(at + (<usize>k << 3));
    if ((e & <u64>(PAGE - 1)) | <u64>(e - lo > span)) break;
    store<u32>(out, <u32>e);
    store<u32>(out, PAGE, 4);
    out += 8;
  }
  nsegs += k;
  return k;
}

/** The last entry of a full list page points to the next list page: aligned, inside RAM. */
function followChain(ptr: u64, left: u32, listPage: i32): i32 {
  if (ptr & (PAGE - 1)) return fail(SC_INVALID_PRP_OFFSET_DNR, RULE_CHAIN_OFFSET, listPage, <i32>(PAGE >> 3) - 1, ptr);
  const entries = min<u32>((left + PAGE - 1) / PAGE, PAGE >> 3);
  if (ptr < lo || ptr > ram || <u64>(entries << 3) > ram - ptr) return fail(SC_DATA_XFER_ERROR, RULE_LIST_READ, listPage + 1, 0, ptr);
  return 0;
}
