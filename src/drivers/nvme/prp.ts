// The dma pools PRP lists come from, and the shape of a PRP walk failure. The PRP algorithms
// themselves run in the WASM dma engine (assembly/dma); bench/baseline/prp.ts is their TS twin.

export const NVME_PAGE = 4096;

/** A dma_pool: fixed-size blocks carved from frames the driver allocated at probe. */
export class DmaPool {
  private readonly free: number[] = [];
  /** @param shouldFail failslab's verdict for this pool (fault injection), consulted per alloc */
  constructor(readonly blockSize: number, blocks: readonly number[], private readonly shouldFail: () => boolean = () => false) {
    // hand out the lowest address first, like a fresh dma_pool page
    this.free = [...blocks].reverse();
  }
  /** dma_pool_alloc: @returns a block's physical address, or -1 when the pool is dry */
  alloc(): number {
    if (this.shouldFail()) return -1;
    return this.free.pop() ?? -1;
  }
  release(addr: number): void {
    this.free.push(addr);
  }
  get available(): number {
    return this.free.length;
  }
}

/** Which PRP broke which rule: what a real controller never tells you. */
export interface PrpWalkError {
  status: number;
  rule: 'prp2-offset' | 'list-entry-offset' | 'chain-offset' | 'list-read' | 'data-range' | 'too-many-segments';
  /** 0 for PRP1/PRP2, else the list page (1-based) the entry sits in */
  listPage: number;
  entry: number;
  value: number;
}
