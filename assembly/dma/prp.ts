// see: linux drivers/block/nvme-core.c nvme_setup_prps (3.x, nvme §5) — from the pinned pages
// (PAGES) build PRP1, PRP2 and, past two pages, PRP lists in blocks the host handed in (LISTS):
// at most 32 entries fit the small pool's 256-byte block, otherwise page blocks chained through
// slot 511 (its entry moves to slot 0 of the next page).
import { PAGE, PAGES_OFF, MAX_PAGES, page, list, setPrpEntry, prpEntry } from './layout';

export let prp1: u64 = 0;
export let prp2: u64 = 0;
export let listsUsed: i32 = 0;

/**
 * offset: in-page offset of the buffer; total: bytes; nLists: blocks available in LISTS.
 * @returns bytes described (short when the blocks ran out, as the pool failing does in 3.x)
 */
export function setupPrps(offset: u32, total: i32, nLists: i32): i32 {
  listsUsed = 0;
  let pi = 0;
  let dmaAddr: u64 = (<u64>page(0) << 12) + offset;
  prp1 = dmaAddr;
  prp2 = 0;
  let length = total - <i32>(PAGE - offset);
  if (length <= 0) return total;
  // each sg entry is one page here (pages are not merged), so the cursor moves to the next page
  pi = 1;
  dmaAddr = <u64>page(pi) << 12;
  if (length <= <i32>PAGE) {
    prp2 = dmaAddr;
    return total;
  }
  if (nLists == 0) {
    prp2 = dmaAddr;
    return total - length + <i32>PAGE;
  }
  let cur = <usize>list(0);
  listsUsed = 1;
  prp2 = <u64>cur;
  let i = 0;
  for (;;) {
    if (i == <i32>(PAGE >> 3)) {
      if (listsUsed == nLists) return total - length;
      const next = <usize>list(listsUsed++);
      setPrpEntry(next, 0, prpEntry(cur, i - 1));
      setPrpEntry(cur, i - 1, <u64>next);
      cur = next;
      i = 1;
    }
    // the entries still wanted, as many as this list page has room for, in one go
    const k = min<i32>((length + <i32>PAGE - 1) >> 12, <i32>(PAGE >> 3) - i);
    fill(cur + (<usize>i << 3), pi, k);
    pi += k;
    i += k;
    length -= k << 12;
    if (length <= 0) break;
  }
  return total;
}

/** Writes the PRP entries of pinned pages [from, from + k) at `at`: each pfn << 12, as a u64. */
function fill(at: usize, from: i32, k: i32): void {
  assert(from >= 0 && k >= 0 && from + k <= MAX_PAGES);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    // four pfns per v128 load, widened to two pairs of u64 and shifted into addresses; eight
    // entries a round
    let src = PAGES_OFF + (<usize>from << 2);
    let dst = at;
    for (; j + 8 <= k; j += 8) {
      const v = v128.load(src);
      const w = v128.load(src, 16);
      v128.store(dst, i64x2.shl(i64x2.extend_low_i32x4_u(v), 12));
      v128.store(dst, i64x2.shl(i64x2.extend_high_i32x4_u(v), 12), 16);
      v128.store(dst, i64x2.shl(i64x2.extend_low_i32x4_u(w), 12), 32);
      v128.store(dst, i64x2.shl(i64x2.extend_high_i32x4_u(w), 12), 48);
      src += 32;
      dst += 64;
    }
  }
  for (; j < k; j++) setPrpEntry(at, j, <u64>page(from + j) << 12);
}
