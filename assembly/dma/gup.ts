// see: linux mm/gup.c get_user_pages — walk the two-level page table (PDE/PTE u32: pfn << 12 |
// flags) and take a reference on each page, stopping at the first fault.
import { PAGE, refAddr, setPage, MAX_PAGES } from './layout';

const _PAGE_PRESENT: u32 = 0x1;
const _PAGE_RW: u32 = 0x2;

/** @returns pages pinned from addr (page-aligned down), at most n, their pfns in PAGES */
export function getUserPages(pgd: u32, addr: u32, n: i32, write: bool, nrFrames: u32): i32 {
  if (n > MAX_PAGES) n = MAX_PAGES;
  const need = write ? _PAGE_PRESENT | _PAGE_RW : _PAGE_PRESENT;
  let a = addr & ~(PAGE - 1);
  let i = 0;
  for (; i < n; i++) {
    const pde = load<u32>((<usize>pgd << 12) + (<usize>(a >> 22) << 2));
    if (!(pde & _PAGE_PRESENT)) break;
    const pte = load<u32>((<usize>(pde >> 12) << 12) + (<usize>((a >> 12) & 1023) << 2));
    if ((pte & need) != need) break;
    const pfn = pte >> 12;
    assert(pfn < nrFrames, 'pte names a frame outside memory');
    store<u32>(refAddr(pfn), load<u32>(refAddr(pfn)) + 1);
    setPage(i, pfn);
    if (a > 0xffffffff - PAGE) {
      i++;
      break;
    }
    a += PAGE;
  }
  return i;
}
