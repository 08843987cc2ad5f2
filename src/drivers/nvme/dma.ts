// The nvme driver's dma binding: pins user pages (nvme_map_user_pages, nvme §4) and builds PRPs
// from dma pools in the WASM dma engine, and gives the controller its DmaPort (the engine's PRP
// walk, then the data copy).
import { EFAULT, EINVAL, ENOENT, ENOMEM } from '../../kernel/errno.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';
import { DmaPool, NVME_PAGE, type PrpWalkError } from './prp.js';
import { DmaEngine, type WalkResult } from '../../wasm/dma.js';
import type { EngineSource } from '../../wasm/instance.js';
import type { DmaPort } from './ctrl/controller.js';
import type { MapUserBuffer, PrpMapping } from './ioctl.js';
import { NVME_PRP_TRACE } from './trace.js';

const INT_MAX = 0x7fffffff;

export interface DmaBinding {
  mapUser: MapUserBuffer;
  /** PRPs for whole kernel frames (a block request's pages); release() frees only the lists */
  mapFrames(pfns: readonly number[], length: number): PrpMapping;
  port: DmaPort & { lastError: PrpWalkError | null };
  dispose(): void;
  readonly pools: { small: DmaPool; page: DmaPool };
}

export interface DmaOptions {
  build: 'release' | 'test';
  engine?: EngineSource | null;
  smallPoolBlocks: number;
  pagePoolPages: number;
}

/** @returns the binding, or -ENOMEM with every frame it took given back */
export async function createDmaBinding(k: ModuleApi<any>, opts: DmaOptions): Promise<DmaBinding | number> {
  const phys = k.phys;
  const frames: number[] = [];
  const unwind = (err: number) => {
    for (const f of frames.splice(0)) k.putPage(f);
    return err;
  };
  const take = () => {
    const f = k.allocPage();
    if (f >= 0) frames.push(f);
    return f;
  };
  // dma_pool_create: the pools' pages come from the page allocator up front
  const smallBlocks: number[] = [];
  while (smallBlocks.length < opts.smallPoolBlocks) {
    const f = take();
    if (f < 0) return unwind(f);
    for (let o = 0; o < NVME_PAGE && smallBlocks.length < opts.smallPoolBlocks; o += 256) smallBlocks.push(f * NVME_PAGE + o);
  }
  const pageBlocks: number[] = [];
  while (pageBlocks.length < opts.pagePoolPages) {
    const f = take();
    if (f < 0) return unwind(f);
    pageBlocks.push(f * NVME_PAGE);
  }
  const pools = { small: new DmaPool(256, smallBlocks, () => k.shouldFailslab('dma_pool_alloc')), page: new DmaPool(NVME_PAGE, pageBlocks, () => k.shouldFailslab('dma_pool_alloc')) };

  let engine: DmaEngine;
  try {
    engine = await DmaEngine.create(phys.memory, opts.build, opts.engine ?? undefined);
  } catch (err) {
    // like request_firmware: an engine that cannot be had is -ENOENT, the reason in the log
    k.prErr(`nvme: dma engine: ${String(err)}`);
    return unwind((err as Error)?.name === 'EngineLoadError' ? -ENOENT : -ENOMEM);
  }
  const ENTRIES = NVME_PAGE / 8;
  // the device reaches allocatable frames only: PRP 0 ("none"), the engines' data and the page
  // refcounts below firstFrame are refused like addresses past the end of memory
  const busFloor = phys.firstFrame * NVME_PAGE;

  // see: nvme-core.c nvme_map_user_pages
  const mapUser: MapUserBuffer = (cur: Task, addr: bigint, length: number, _write: boolean) => {
    if (addr & 3n) return -EINVAL;
    if (!length || length > INT_MAX - NVME_PAGE) return -EINVAL;
    const offset = Number(addr & 4095n);
    const count = Math.ceil((offset + length) / NVME_PAGE);
    if (addr + BigInt(length) > BigInt(cur.taskSize)) return -EFAULT;
    if (count > engine.maxPages) return -ENOMEM; // the page array allocation fails
    // observed: nvme §4 — the 3.x driver always pins for writing, even for host→device data
    // a task of a real process (the bridge) lends bounce pages; ours are walked in WASM
    let pages: Uint32Array;
    if (cur.remote) {
      pages = Uint32Array.from(cur.getUserPages(Number(addr), count, true));
      engine.setPages(pages);
    } else {
      pages = engine.getUserPages(cur.mm.pgd, Number(addr), count, true, phys.nrFrames);
      cur.mm.pinned += pages.length;
    }
    if (pages.length < count) {
      cur.unpinUserPages(Array.from(pages));
      return -EFAULT;
    }
    return describe(offset, length, () => cur.unpinUserPages(Array.from(pages)));
  };

  /** nvme_setup_prps over the pages the engine holds now; release frees the lists, then unpins */
  const describe = (offset: number, length: number, unpin: () => void): PrpMapping => {
    // take the list blocks nvme_setup_prps will ask for, in the order it asks: a small block for
    // up to 32 entries, else page blocks (511 entries each but the last); fewer when a pool is dry
    const nprps = Math.ceil(Math.max(0, length - (NVME_PAGE - offset)) / NVME_PAGE);
    const blocks: Array<{ addr: number; pool: DmaPool }> = [];
    if (nprps > 1) {
      const pool = nprps <= 32 ? pools.small : pools.page;
      const want = nprps <= 32 ? 1 : 1 + Math.ceil(Math.max(0, nprps - ENTRIES) / (ENTRIES - 1));
      for (let i = 0; i < want; i++) {
        const b = pool.alloc();
        if (b < 0) break;
        blocks.push({ addr: b, pool });
      }
    }
    const r = engine.setupPrps(offset, length, blocks.map((b) => b.addr));
    for (const b of blocks.splice(r.used)) b.pool.release(b.addr);
    return {
      prp1: r.prp1,
      prp2: r.prp2,
      lenBuilt: r.len,
      release() {
        for (const b of blocks) b.pool.release(b.addr);
        unpin();
      },
    };
  };
  const mapFrames = (pfns: readonly number[], length: number): PrpMapping => {
    engine.setPages(Uint32Array.from(pfns));
    return describe(0, length, () => {});
  };

  const port: DmaBinding['port'] = {
    lastError: null,
    toHost(prp1, prp2, data) {
      const w = engine.walkPrps(prp1, prp2, data.length, busFloor);
      if (w.status) return fail(w.status, w.error!);
      for (let i = 0, o = 0; i < w.nsegs; i++) {
        const len = w.segs[2 * i + 1]!;
        phys.u8.set(data.subarray(o, o + len), w.segs[2 * i]!);
        o += len;
      }
      return 0;
    },
    fromHost(prp1, prp2, len) {
      const w = engine.walkPrps(prp1, prp2, len, busFloor);
      if (w.status) return fail(w.status, w.error!);
      const out = new Uint8Array(len);
      for (let i = 0, o = 0; i < w.nsegs; i++) {
        const a = w.segs[2 * i]!;
        const n = w.segs[2 * i + 1]!;
        out.set(phys.u8.subarray(a, a + n), o);
        o += n;
      }
      return out;
    },
  };
  const fail = (status: number, e: NonNullable<WalkResult['error']>) => {
    port.lastError = { status, rule: e.rule as PrpWalkError['rule'], listPage: e.listPage, entry: e.entry, value: e.value };
    k.trace(NVME_PRP_TRACE[port.lastError.rule], { status, listPage: e.listPage, entry: e.entry, value: e.value });
    k.prWarn(`nvme: PRP walk failed: ${e.rule} at list page ${e.listPage} entry ${e.entry} (0x${e.value.toString(16)}), status 0x${status.toString(16)}`);
    return status;
  };

  return {
    mapUser,
    mapFrames,
    port,
    pools,
    dispose() {
      unwind(0);
    },
  };
}
