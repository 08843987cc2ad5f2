// see: qemu hw/nvme/ctrl.c nvme_map_prp (nvme §9) — the controller side: PRP1 (offset allowed),
// then PRP2 as a data pointer or a list, lists chained through their last entry. Segments land in
// SEGS; a failure says which entry broke which rule. Split as walkPrpList + followChain.
import { PAGE, setSeg, prpEntry, MAX_SEGS } from './layout';

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
  if (addr < lo || addr + <u64>n > ram) return fail(SC_INVALID_FIELD_DNR, RULE_DATA_RANGE, listPage, entry, addr);
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
  if (cur < lo || cur + <u64>(min<u32>((left + PAGE - 1) / PAGE, <u32>avail) << 3) > ram) return fail(SC_DATA_XFER_ERROR, RULE_LIST_READ, 1, 0, cur);
  let i = 0;
  while (left > 0) {
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

/** The last entry of a full list page points to the next list page: aligned, inside RAM. */
function followChain(ptr: u64, left: u32, listPage: i32): i32 {
  if (ptr & (PAGE - 1)) return fail(SC_INVALID_PRP_OFFSET_DNR, RULE_CHAIN_OFFSET, listPage, <i32>(PAGE >> 3) - 1, ptr);
  const entries = min<u32>((left + PAGE - 1) / PAGE, PAGE >> 3);
  if (ptr < lo || ptr + <u64>(entries << 3) > ram) return fail(SC_DATA_XFER_ERROR, RULE_LIST_READ, listPage + 1, 0, ptr);
  return 0;
}
