// Share-pool areas (struct sp_area): the frames behind one shared range, the share-pool virtual
// window they live at in every mapper, and who holds them.
//
// Ownership, so that every frame comes back (sharepool §2):
// - each frame carries one reference from its area (taken at allocation) plus one per page table
//   that maps it (AddressSpace.mapFrames);
// - an area's use_count is 1 for its owner (the group's spa_list for ALLOC/K2SPG, the applier's
//   k2task list for K2TASK), +1 per task it is mapped in (`mappedIn`), +1 per walker at work;
// - at use_count 0 the frames' area references go back and the window range is reused.
import { ENOMEM } from '../../kernel/errno.js';
import { PROT_READ, PROT_WRITE, PAGE_SIZE } from '../../kernel/mm.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';

/** PMD_SIZE: area spans are rounded up to 2 MiB (sharepool §1) */
export const PMD_SIZE = 2 << 20;
/** where share-pool areas live in every member (below TASK_SIZE) */
export const SP_BASE = 0xe000_0000;
export const SP_END = 0xffe0_0000;

export type AreaType = 'ALLOC' | 'K2TASK' | 'K2SPG';

export interface SpArea {
  vaStart: number;
  vaEnd: number;
  /** the window range reserved for it (vaEnd rounded up to 2 MiB) */
  spanEnd: number;
  realSize: number;
  flags: number;
  useCount: number;
  type: AreaType;
  /** the group of an ALLOC/K2SPG area (a back pointer: it holds no group reference) */
  spg: { spaList: SpArea[] } | null;
  /** frames backing the area (the group's shmem pages, or the kernel pages of k2u) */
  pfns: number[];
  /** k2u: kernel memory shared */
  kva: boolean;
  /** K2TASK: the applier, whose exit drops the owner use */
  applier: number;
  /** tasks this area is mapped in, each holding one use */
  mappedIn: Set<number>;
  /**
   * is_dead: its free has begun. It stays on its group's spa_list until its last use goes (a
   * walker may still hold one), but no join maps it meanwhile and no free finds it again
   */
  isDead: boolean;
}

/** The share-pool window and the areas in it, for one module instance. */
export class AreaSpace {
  /** live areas ordered by vaStart (the window's allocation map) */
  private readonly areas: SpArea[] = [];

  /** @param onFree told when an area's last use went (the share pool uncharges its applier) */
  constructor(private readonly k: ModuleApi<any>, private readonly onFree: (a: SpArea) => void = () => {}) {}

  get count(): number {
    return this.areas.length;
  }
  all(): readonly SpArea[] {
    return this.areas;
  }

  /**
   * sp_alloc_area: a window range and `size` bytes of zeroed (or `fill`ed) frames.
   * @returns the area with its owner use, or -ENOMEM (no frames, or no room in the window)
   */
  create(size: number, type: AreaType, spg: SpArea['spg'], flags: number, applier: number, fill?: number): SpArea | number {
    if (!Number.isSafeInteger(size) || size <= 0 || size > SP_END - SP_BASE) return -ENOMEM;
    const span = Math.ceil(size / PMD_SIZE) * PMD_SIZE;
    const at = this.findGap(span);
    if (at < 0) return -ENOMEM;
    const pfns: number[] = [];
    for (let i = 0; i < Math.ceil(size / PAGE_SIZE); i++) {
      const f = this.k.allocPage();
      if (f < 0) {
        for (const x of pfns) this.k.putPage(x);
        return -ENOMEM;
      }
      if (fill !== undefined) this.k.phys.u8.fill(fill, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
      pfns.push(f);
    }
    const a: SpArea = {
      vaStart: at, vaEnd: at + pfns.length * PAGE_SIZE, spanEnd: at + span, realSize: size, flags, useCount: 1, type, spg,
      pfns, kva: type !== 'ALLOC', applier, mappedIn: new Set(), isDead: false,
    };
    const i = this.areas.findIndex((x) => x.vaStart > at);
    this.areas.splice(i < 0 ? this.areas.length : i, 0, a);
    return a;
  }

  /** sp_area_drop: the last use frees the frames and the window range. */
  put(a: SpArea): void {
    if (a.useCount <= 0) throw new Error(`sharepool: area ${a.vaStart.toString(16)} use_count underflow`);
    if (--a.useCount > 0) return;
    if (a.spg) {
      const i = a.spg.spaList.indexOf(a);
      if (i >= 0) a.spg.spaList.splice(i, 1);
    }
    for (const f of a.pfns) this.k.putPage(f);
    a.pfns = [];
    const i = this.areas.indexOf(a);
    if (i >= 0) this.areas.splice(i, 1);
    this.onFree(a);
  }

  /** Maps the area into t at its address; a task maps an area once. @returns 0 or -errno */
  map(t: Task, a: SpArea): number {
    if (a.mappedIn.has(t.pid)) return 0;
    const r = t.mm.mapFrames(a.pfns, PROT_READ | PROT_WRITE, a.vaStart);
    if (r < 0) return r;
    a.mappedIn.add(t.pid);
    a.useCount++;
    return 0;
  }

  /**
   * Unmaps the area from t (if t maps it) and drops that mapping's use. A user who munmapped the
   * range and put something else there keeps it: only our own frames are unmapped.
   */
  unmap(t: Task | null, pid: number, a: SpArea): void {
    if (!a.mappedIn.delete(pid)) return;
    if (t && t.mm.alive && t.mm.pte(a.vaStart) >>> 12 === a.pfns[0]) t.mm.munmap(a.vaStart, a.vaEnd - a.vaStart);
    this.put(a);
  }

  /** First free range of `span` bytes in the window (freed ranges are reused). */
  private findGap(span: number): number {
    let start = SP_BASE;
    for (const a of this.areas) {
      if (a.vaStart - start >= span) return start;
      start = Math.max(start, a.spanEnd);
    }
    return SP_END - start >= span ? start : -1;
  }
}
