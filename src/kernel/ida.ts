// lib/idr.c ida_alloc_range semantics (chrdev-core §11): lowest free id, -ENOSPC when none.
import { ENOSPC } from './errno.js';

const INT_MAX = 0x7fffffff;

export class Ida {
  private readonly used = new Set<number>();

  /** @returns the lowest free id in [min, max] (max clamped to INT_MAX), or -ENOSPC */
  allocRange(min: number, max: number): number {
    if ((min | 0) < 0) return -ENOSPC;
    const hi = Math.min(max, INT_MAX);
    for (let id = min; id <= hi; id++) {
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    return -ENOSPC;
  }
  allocMax(max: number): number {
    return this.allocRange(0, max);
  }
  alloc(): number {
    return this.allocRange(0, INT_MAX);
  }
  free(id: number): void {
    this.used.delete(id);
  }
  isUsed(id: number): boolean {
    return this.used.has(id);
  }
  get size(): number {
    return this.used.size;
  }
}
