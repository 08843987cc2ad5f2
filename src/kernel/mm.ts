// Physical memory, page frames and per-task address spaces (design.md "User memory is real memory").
//
// ┌ [0, 1 MiB)            frames 0..255, never handed out: frame 0 means "no page" (PRP 0); the rest
// │                       is the dma engine's static data, stack and scratch (it imports this memory)
// ├ [1 MiB, +4×nrFrames)  REFS: u32 refcount per frame (struct page._refcount), so WASM can pin pages
// ├ frames from firstFrame on, handed out in a seeded shuffled order: virtually contiguous user
// │                       buffers are physically scattered
// └ page directories and page tables live in frames too, so the WASM dma engine walks them directly
//
// Two-level page table (10/10/12 bits) below TASK_SIZE = 2^32:
//   PDE u32 = pfn(page table) << 12 | _PAGE_PRESENT
//   PTE u32 = pfn << 12 | flags   (_PAGE_PRESENT = readable, _PAGE_RW = writable,
//                                  _PAGE_MAPPED = a frame is attached, even under PROT_NONE)
import { EINVAL, ENOMEM } from './errno.js';
import type { FaultAttr } from './fault.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = ~(PAGE_SIZE - 1);
export const TASK_SIZE = 2 ** 32;
export const PHYS_RESERVED_FRAMES = 256;
/** Byte offset of the per-frame u32 refcount array in physical memory. */
export const REFS_BASE = PHYS_RESERVED_FRAMES * PAGE_SIZE;
export const PTRS_PER_TABLE = 1024;

export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_MAPPED = 0x200;

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** vm.max_map_count's default: past it mmap, mprotect and munmap answer -ENOMEM. */
export const MAX_MAP_COUNT = 65530;

/** First address mmap hands out: the low 64 KiB stay unmapped so NULL-ish pointers fault. */
export const MMAP_MIN_ADDR = 0x10000;

const pageAlign = (n: number) => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function pteFlags(prot: number): number {
  let f = _PAGE_MAPPED;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) f |= _PAGE_PRESENT;
  if (prot & PROT_WRITE) f |= _PAGE_RW;
  return f;
}

/** The machine's RAM: one fixed-size WebAssembly.Memory cut into 4 KiB frames with refcounts. */
export class PhysMem {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly nrFrames: number;
  /** the first frame the allocator may hand out (after the reserved area and REFS) */
  readonly firstFrame: number;
  /** struct page refcount, in linear memory at REFS_BASE: a mapping holds one, every pin one more */
  readonly refs: Uint32Array;
  private readonly freeList: Uint32Array;
  private nrFree = 0;
  /** fail_page_alloc: when set and it fires, allocFrame answers -ENOMEM */
  failPageAlloc: FaultAttr | null = null;

  constructor(memoryMiB: number, seed: number) {
    if (!Number.isInteger(memoryMiB) || memoryMiB < 2 || memoryMiB > 4095) {
      throw new RangeError(`memoryMiB must be an integer in 2..4095, got ${memoryMiB}`);
    }
    const pages = memoryMiB * 16; // 64 KiB wasm pages; initial = maximum so views never detach
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.nrFrames = this.u8.length / PAGE_SIZE;
    this.refs = new Uint32Array(this.memory.buffer, REFS_BASE, this.nrFrames);
    this.firstFrame = PHYS_RESERVED_FRAMES + Math.ceil((this.nrFrames * 4) / PAGE_SIZE);
    // Fisher-Yates with a small seeded PRNG (mulberry32): deterministic per seed, never frame 0
    const frames = new Uint32Array(this.nrFrames - this.firstFrame);
    for (let i = 0; i < frames.length; i++) frames[i] = this.firstFrame + i;
    let s = seed >>> 0;
    const rand = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = frames.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const tmp = frames[i]!;
      frames[i] = frames[j]!;
      frames[j] = tmp;
    }
    // the free list is a stack popped from the end: reverse so the first frame handed out is frames[0]
    frames.reverse();
    this.freeList = frames;
    this.nrFree = frames.length;
  }

  get freeFrames(): number {
    return this.nrFree;
  }
  /**
   * alloc_page: a zeroed frame (refcount 1), or one with its old bytes when `zero` is false
   * (__GFP_ZERO's absence) for a caller that overwrites all of it before anything reads it.
   * @returns pfn, or -ENOMEM
   */
  allocFrame(zero = true): number {
    if (this.nrFree === 0 || this.failPageAlloc?.shouldFail('alloc_pages')) return -ENOMEM;
    const pfn = this.freeList[--this.nrFree]!;
    this.refs[pfn] = 1;
    if (zero) this.u8.fill(0, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    return pfn;
  }
  /** get_page */
  getPage(pfn: number): void {
    this.refs[pfn]!++;
  }
  /** put_page: the frame returns to the free list when the last reference goes. */
  putPage(pfn: number): void {
    if (!(pfn >= this.firstFrame && pfn < this.nrFrames) || this.refs[pfn] === 0) throw new Error(`put_page on free frame ${pfn}`);
    if (--this.refs[pfn]! === 0) this.freeList[this.nrFree++] = pfn;
  }
  pageRefs(pfn: number): number {
    return this.refs[pfn]!;
  }
}

export interface Vma {
  start: number;
  end: number;
  prot: number;
}

/**
 * One task's user address space (struct mm_struct): VMAs plus the page table in physical memory.
 * Its lifetime follows mm_users: the task holds one reference and every syscall in flight holds
 * another (mmget), so a call that sleeps across exit() still writes into the memory it was given,
 * never into frames handed to the next process; the last mmput tears it down (exit_mmap).
 */
export class AddressSpace {
  readonly pgd: number;
  private readonly vmas: Vma[] = [];
  private readonly tables: number[] = [];
  private destroyed = false;
  /** mm_users: the owning task plus everyone who took mmget */
  private users = 1;
  /** pages pinned through this mm and not yet released (must return to 0) */
  pinned = 0;

  private constructor(readonly phys: PhysMem, pgd: number) {
    this.pgd = pgd;
  }

  static create(phys: PhysMem): AddressSpace | number {
    const pgd = phys.allocFrame();
    if (pgd < 0) return pgd;
    return new AddressSpace(phys, pgd);
  }

  /** mmget: keeps the address space alive while a call uses it. */
  mmget(): void {
    if (this.users <= 0) throw new Error('mmget on a dead mm');
    this.users++;
  }
  /** mmget_not_zero: @returns false once the last user has gone */
  mmgetNotZero(): boolean {
    if (this.users <= 0) return false;
    this.users++;
    return true;
  }
  /** mmput: the last reference unmaps everything and frees the page tables. */
  mmput(): void {
    if (this.users <= 0) throw new Error('mmput on a dead mm');
    if (--this.users === 0) this.destroy();
  }
  /** mm_users (for tests and diagnostics) */
  get mmUsers(): number {
    return this.users;
  }
  get alive(): boolean {
    return !this.destroyed;
  }

  /** Physical byte address of the PTE for addr, or -1 when its page table is missing. */
  ptePhys(addr: number): number {
    if (this.destroyed || !(addr >= 0 && addr < TASK_SIZE)) return -1;
    const pde = this.phys.u32[(this.pgd << 10) + (addr >>> 22)]!;
    if (!(pde & _PAGE_PRESENT)) return -1;
    return ((pde >>> 12) << 12) + (((addr >>> 12) & 1023) << 2);
  }
  pte(addr: number): number {
    const p = this.ptePhys(addr);
    return p < 0 ? 0 : this.phys.u32[p >>> 2]!;
  }
  /** Physical address of user byte addr with the needed access, or -1 (the fault case). */
  translate(addr: number, write: boolean): number {
    if (this.destroyed || !(addr >= 0 && addr < TASK_SIZE)) return -1;
    const pde = this.phys.u32[(this.pgd << 10) + (addr >>> 22)]!;
    if (!(pde & _PAGE_PRESENT)) return -1;
    const pte = this.phys.u32[((pde >>> 12) << 10) + ((addr >>> 12) & 1023)]!;
    const need = write ? _PAGE_PRESENT | _PAGE_RW : _PAGE_PRESENT;
    if ((pte & need) !== need) return -1;
    return ((pte >>> 12) << 12) + (addr & (PAGE_SIZE - 1));
  }

  get areas(): readonly Vma[] {
    return this.vmas;
  }
  /** Bytes of user memory mapped. */
  get mappedBytes(): number {
    return this.vmas.reduce((s, v) => s + v.end - v.start, 0);
  }

  /**
   * Anonymous private mapping, populated at once with zeroed frames.
   * @returns the user address, or -EINVAL (bad length/address), -ENOMEM (no room or frames)
   */
  mmap(len: number, prot: number, fixedAddr?: number): number {
    if (this.destroyed || !Number.isInteger(len) || len <= 0 || len > TASK_SIZE) return -EINVAL;
    const size = pageAlign(len);
    if (this.tooManyMaps(1)) return -ENOMEM;
    let start: number;
    if (fixedAddr !== undefined) {
      if (!Number.isInteger(fixedAddr) || fixedAddr % PAGE_SIZE || fixedAddr < MMAP_MIN_ADDR || fixedAddr + size > TASK_SIZE) return -EINVAL;
      start = fixedAddr;
      const r = this.munmap(start, size); // MAP_FIXED replaces what was there
      if (r < 0) return r;
    } else {
      start = this.findGap(size);
      if (start < 0) return -ENOMEM;
    }
    if (size / PAGE_SIZE > this.phys.freeFrames) return -ENOMEM;
    const flags = pteFlags(prot);
    for (let a = start; a < start + size; a += PAGE_SIZE) {
      const r = this.setPte(a, flags);
      if (r < 0) {
        this.zapRange(start, a); // no VMA yet: unmap by page table, exactly what was installed
        return r;
      }
    }
    this.insertVma({ start, end: start + size, prot });
    return start;
  }

  /**
   * Maps existing frames (shared memory: each mapping takes a page reference, so the frames live
   * until every mapper unmapped them). At fixedAddr (replacing what was there) or a free range.
   * @returns the user address, or -EINVAL / -ENOMEM
   */
  mapFrames(pfns: readonly number[], prot: number, fixedAddr?: number): number {
    if (this.destroyed || !Array.isArray(pfns) || pfns.length === 0 || pfns.length > TASK_SIZE / PAGE_SIZE) return -EINVAL;
    const size = pfns.length * PAGE_SIZE;
    if (this.tooManyMaps(1)) return -ENOMEM;
    let start: number;
    if (fixedAddr !== undefined) {
      if (!Number.isInteger(fixedAddr) || fixedAddr % PAGE_SIZE || fixedAddr < MMAP_MIN_ADDR || fixedAddr + size > TASK_SIZE) return -EINVAL;
      start = fixedAddr;
      this.munmap(start, size);
    } else {
      start = this.findGap(size);
      if (start < 0) return -ENOMEM;
    }
    const flags = pteFlags(prot);
    for (let i = 0; i < pfns.length; i++) {
      const pfn = pfns[i]!;
      if (!Number.isInteger(pfn) || pfn < this.phys.firstFrame || pfn >= this.phys.nrFrames || this.phys.pageRefs(pfn) === 0) {
        this.zapRange(start, start + i * PAGE_SIZE);
        return -EINVAL;
      }
      const r = this.setPte(start + i * PAGE_SIZE, flags, pfn);
      if (r < 0) {
        this.zapRange(start, start + i * PAGE_SIZE);
        return r;
      }
    }
    this.insertVma({ start, end: start + size, prot });
    return start;
  }
  /** Whether [addr, addr+len) is free of mappings (for fixed-address users such as sharepool). */
  isFree(addr: number, len: number): boolean {
    return !this.vmas.some((v) => v.start < addr + len && v.end > addr);
  }

  /** @returns 0, or -EINVAL for an unaligned address or bad length */
  munmap(addr: number, len: number): number {
    if (this.destroyed) return -EINVAL;
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr % PAGE_SIZE || len <= 0 || addr + len > TASK_SIZE) return -EINVAL;
    const end = addr + pageAlign(len);
    if (this.tooManyMaps(this.vmas.some((v) => v.start < addr && v.end > end) ? 1 : 0)) return -ENOMEM; // a hole splits a VMA
    this.unmapRange(addr, end);
    return 0;
  }

  /** @returns 0, -EINVAL, or -ENOMEM when part of the range is not mapped (as Linux does) */
  mprotect(addr: number, len: number, prot: number): number {
    if (this.destroyed) return -EINVAL;
    if (!Number.isInteger(addr) || !Number.isInteger(len) || addr % PAGE_SIZE || addr < 0 || len < 0 || addr + len > TASK_SIZE) return -EINVAL;
    if (!Number.isInteger(prot) || prot < 0 || prot > (PROT_READ | PROT_WRITE | PROT_EXEC)) return -EINVAL;
    const end = addr + pageAlign(len);
    const cuts = Number(this.vmas.some((v) => v.start < addr && v.end > addr)) + Number(this.vmas.some((v) => v.start < end && v.end > end));
    if (this.tooManyMaps(cuts)) return -ENOMEM;
    for (let a = addr; a < end; a += PAGE_SIZE) if (!(this.pte(a) & _PAGE_MAPPED)) return -ENOMEM;
    const flags = pteFlags(prot);
    for (let a = addr; a < end; a += PAGE_SIZE) {
      const p = this.ptePhys(a) >>> 2;
      this.phys.u32[p] = (this.phys.u32[p]! & PAGE_MASK) | flags;
    }
    this.splitVmas(addr, end, (v) => ({ ...v, prot }));
    return 0;
  }

  /**
   * get_user_pages: pins up to nrPages pages from addr (page-aligned down) with the access asked.
   * @returns the pinned pfns, possibly fewer than asked (the first fault stops it)
   */
  getUserPages(addr: number, nrPages: number, write: boolean): number[] {
    const pages: number[] = [];
    if (this.destroyed || !Number.isInteger(addr) || !Number.isInteger(nrPages)) return pages;
    let a = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    for (let i = 0; i < nrPages; i++, a += PAGE_SIZE) {
      if (a < 0 || a >= TASK_SIZE) break;
      const phys = this.translate(a, write);
      if (phys < 0) break;
      const pfn = phys >>> PAGE_SHIFT;
      this.phys.getPage(pfn);
      pages.push(pfn);
    }
    this.pinned += pages.length;
    return pages;
  }
  /** put_page for pages pinned by getUserPages. */
  unpinUserPages(pages: readonly number[]): void {
    for (const pfn of pages) this.phys.putPage(pfn);
    this.pinned -= pages.length;
  }

  /** exit_mmap: unmaps everything and frees the page tables (pinned frames live on until unpinned). */
  private destroy(): void {
    if (this.destroyed) return;
    this.unmapRange(0, TASK_SIZE);
    for (const t of this.tables) this.phys.putPage(t);
    this.phys.putPage(this.pgd);
    this.destroyed = true;
  }

  private findGap(size: number): number {
    let start = MMAP_MIN_ADDR;
    for (const v of this.vmas) {
      if (v.start - start >= size) return start;
      start = Math.max(start, v.end);
    }
    return TASK_SIZE - start >= size ? start : -1;
  }
  /** Installs one PTE; with `share` the existing frame gets a reference instead of a new frame. */
  private setPte(addr: number, flags: number, share?: number): number {
    const di = (this.pgd << 10) + (addr >>> 22);
    let pde = this.phys.u32[di]!;
    if (!(pde & _PAGE_PRESENT)) {
      const t = this.phys.allocFrame();
      if (t < 0) return t;
      this.tables.push(t);
      pde = this.phys.u32[di] = ((t << 12) | _PAGE_PRESENT) >>> 0;
    }
    let pfn: number;
    if (share !== undefined) {
      pfn = share;
      this.phys.getPage(pfn);
    } else {
      pfn = this.phys.allocFrame();
      if (pfn < 0) return pfn;
    }
    this.phys.u32[((pde >>> 12) << 10) + ((addr >>> 12) & 1023)] = ((pfn << 12) | flags) >>> 0;
    return 0;
  }
  private unmapRange(start: number, end: number): void {
    for (const v of this.vmas) this.zapRange(Math.max(start, v.start), Math.min(end, v.end));
    this.splitVmas(start, end, () => null);
  }
  /** zap_page_range: clears the PTEs of [start, end) and drops their frames' references. */
  private zapRange(start: number, end: number): void {
    for (let a = start; a < end; a += PAGE_SIZE) {
      const p = this.ptePhys(a);
      if (p < 0) continue;
      const pte = this.phys.u32[p >>> 2]!;
      if (pte & _PAGE_MAPPED) {
        this.phys.u32[p >>> 2] = 0;
        this.phys.putPage(pte >>> 12);
      }
    }
  }
  /**
   * Cuts VMAs at [start, end) and replaces the inside pieces by f(piece) (null drops it). One pass:
   * the list is sorted and stays sorted, so the cost is linear in the number of VMAs.
   */
  private splitVmas(start: number, end: number, f: (v: Vma) => Vma | null): void {
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        out.push(v);
        continue;
      }
      if (v.start < start) out.push({ ...v, end: start });
      const inner = f({ ...v, start: Math.max(v.start, start), end: Math.min(v.end, end) });
      if (inner) out.push(inner);
      if (v.end > end) out.push({ ...v, start: end });
    }
    this.vmas.length = 0;
    for (const v of out) this.pushMerged(v);
  }
  private insertVma(v: Vma): void {
    const i = this.vmas.findIndex((x) => x.start > v.start);
    const at = i < 0 ? this.vmas.length : i;
    this.vmas.splice(at, 0, v);
    // merge with the neighbours of equal protection so the list stays short
    const next = this.vmas[at + 1];
    if (next && v.end === next.start && v.prot === next.prot) this.vmas.splice(at, 2, { start: v.start, end: next.end, prot: v.prot });
    const prev = this.vmas[at - 1];
    const cur = this.vmas[at]!;
    if (prev && prev.end === cur.start && prev.prot === cur.prot) this.vmas.splice(at - 1, 2, { start: prev.start, end: cur.end, prot: cur.prot });
  }
  /** Appends a VMA that starts at or after the last one, merging with it when they touch. */
  private pushMerged(v: Vma): void {
    const last = this.vmas[this.vmas.length - 1];
    if (last && last.end === v.start && last.prot === v.prot) this.vmas[this.vmas.length - 1] = { start: last.start, end: v.end, prot: v.prot };
    else this.vmas.push(v);
  }
  /** vm.max_map_count: one more mapping (or a split that adds `more`) would pass it */
  private tooManyMaps(more: number): boolean {
    return this.vmas.length + more > MAX_MAP_COUNT;
  }
}
