// The dma engine works on the kernel's physical memory (imported). Its own part is the reserved
// low megabyte, which the frame allocator never hands out; nothing survives between calls.
//
// ┌ [0, __heap_base)        static data                                                   ┐
// ├ PAGES   u32[MAX_PAGES]  pfns pinned by getUserPages (one call's worth)                 │
// ├ SEGS    {addr u32, len u32}[MAX_SEGS]  what walkPrps found, in order                   │
// ├ LISTS   u32[MAX_LISTS]  list blocks the host hands in for setupPrps (used in order)    │
// ├ RESULT  u64[2]          setupPrps's PRP1 and PRP2, read by the host as unsigned         │
// └ end < 1 MiB (PHYS_RESERVED)                                                            ┘
// At REFS_BASE (1 MiB) the kernel keeps one u32 refcount per frame (struct page._refcount).
export const PAGE: u32 = 4096;
export const REFS_BASE: usize = 1 << 20;
export const MAX_PAGES: i32 = 65536;
export const MAX_SEGS: i32 = 65536;
export const MAX_LISTS: i32 = 256;

export const PAGES_OFF: usize = (__heap_base + 15) & ~15;
export const SEGS_OFF: usize = PAGES_OFF + <usize>MAX_PAGES * 4;
export const LISTS_OFF: usize = SEGS_OFF + <usize>MAX_SEGS * 8;
export const RESULT_OFF: usize = LISTS_OFF + <usize>MAX_LISTS * 4;
export const END: usize = RESULT_OFF + 16;

@inline export function page(i: i32): u32 {
  assert(<u32>i < <u32>MAX_PAGES);
  return load<u32>(PAGES_OFF + (<usize>i << 2));
}
@inline export function setPage(i: i32, pfn: u32): void {
  assert(<u32>i < <u32>MAX_PAGES);
  store<u32>(PAGES_OFF + (<usize>i << 2), pfn);
}
@inline export function setSeg(i: i32, addr: u32, len: u32): void {
  assert(<u32>i < <u32>MAX_SEGS);
  store<u32>(SEGS_OFF + (<usize>i << 3), addr);
  store<u32>(SEGS_OFF + (<usize>i << 3), len, 4);
}
@inline export function list(i: i32): u32 {
  assert(<u32>i < <u32>MAX_LISTS);
  return load<u32>(LISTS_OFF + (<usize>i << 2));
}
/** refcount of a frame, in the kernel's REFS array */
@inline export function refAddr(pfn: u32): usize {
  return REFS_BASE + (<usize>pfn << 2);
}
/** a PRP entry (u64, little-endian) of a list block at physical address `at` */
@inline export function prpEntry(at: usize, i: i32): u64 {
  return load<u64>(at + (<usize>i << 3));
}
@inline export function setPrpEntry(at: usize, i: i32, v: u64): void {
  store<u64>(at + (<usize>i << 3), v);
}
