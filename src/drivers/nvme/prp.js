// The dma pools PRP lists come from, and the shape of a PRP walk failure. The PRP algorithms
// themselves run in the WASM dma engine (assembly/dma); bench/baseline/prp.ts is their TS twin.
export const NVME_PAGE = 4096;
/** A dma_pool: fixed-size blocks carved from frames the driver allocated at probe. */
export class DmaPool {
    blockSize;
    free = [];
    constructor(blockSize, blocks) {
        this.blockSize = blockSize;
        // hand out the lowest address first, like a fresh dma_pool page
        this.free = [...blocks].reverse();
    }
    alloc() {
        return this.free.pop() ?? -1;
    }
    release(addr) {
        this.free.push(addr);
    }
    get available() {
        return this.free.length;
    }
}
