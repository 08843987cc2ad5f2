// The dma engine's exports (raw bindings): addresses of its scratch areas, and the three jobs.
import { PAGES_OFF, SEGS_OFF, LISTS_OFF, RESULT_OFF, END, MAX_PAGES, MAX_SEGS, MAX_LISTS } from './layout';
import { getUserPages as gup } from './gup';
import { setupPrps as setup, prp1, prp2, listsUsed } from './prp';
import { walkPrps as walk, nsegs, errRule, errPage, errEntry, errValue } from './walk';

export function pagesPtr(): usize { return PAGES_OFF; }
export function segsPtr(): usize { return SEGS_OFF; }
export function listsPtr(): usize { return LISTS_OFF; }
export function resultPtr(): usize { return RESULT_OFF; }
export function scratchEnd(): usize { return END; }
export function maxPages(): i32 { return MAX_PAGES; }
export function maxSegs(): i32 { return MAX_SEGS; }
export function maxLists(): i32 { return MAX_LISTS; }

export function getUserPages(pgd: u32, addr: u32, n: i32, write: bool, nrFrames: u32): i32 {
  return gup(pgd, addr, n, write, nrFrames);
}
/** @returns bytes described; PRP1 and PRP2 also land in RESULT (u64 each) */
export function setupPrps(offset: u32, total: i32, nLists: i32): i32 {
  const r = setup(offset, total, nLists);
  store<u64>(RESULT_OFF, prp1);
  store<u64>(RESULT_OFF, prp2, 8);
  return r;
}
export function getPrp1(): u64 { return prp1; }
export function getPrp2(): u64 { return prp2; }
export function getListsUsed(): i32 { return listsUsed; }

/** lo and ram are byte addresses as numbers (exact below 2^53): no BigInt on the host's per-call path */
export function walkPrps(p1: u64, p2: u64, len: u32, lo: f64, ram: f64): i32 { return walk(p1, p2, len, <u64>lo, <u64>ram); }
export function getNsegs(): i32 { return nsegs; }
export function getErrRule(): i32 { return errRule; }
export function getErrPage(): i32 { return errPage; }
export function getErrEntry(): i32 { return errEntry; }
export function getErrValue(): u64 { return errValue; }
