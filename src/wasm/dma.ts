// Host side of the dma engine (assembly/dma): it imports the kernel's physical memory, so page
// tables, refcounts, user pages and PRP lists are all in reach without calling back into JS.
// u64 (PRP values) cross as bigint and are read unsigned.
import { SIMD, compileWasm, instantiateEngine, type EngineSource, type WasmBuild } from './instance.js';

// The bindings' types come from what asc generates (build/dma.release.d.ts), so the boundary
// cannot drift from the engine (getUserPages takes `write: boolean`, as the engine declares).
type Exports = Awaited<ReturnType<typeof import('../../build/dma.release.js').instantiate>>;

export const PRP_RULES = ['', 'prp2-offset', 'list-entry-offset', 'chain-offset', 'list-read', 'data-range', 'too-many-segments'] as const;

export interface WalkResult {
  status: number;
  /** segment i: addr at [2i], length at [2i+1] (a view into engine scratch: valid until the next walk) */
  segs: Uint32Array;
  nsegs: number;
  error: { rule: (typeof PRP_RULES)[number]; listPage: number; entry: number; value: number } | null;
}

/** the dma engine's builds: release (with SIMD), test (bounds-checked), scalar (release without SIMD) */
export type DmaBuild = WasmBuild | 'scalar';

const PAGE = 4096;

/** The reserved low megabyte of physical memory the engine may use as scratch. */
const RESERVED_BYTES = 1 << 20;

export class DmaEngine {
  readonly maxPages: number;
  private readonly u32: Uint32Array;

  private readonly u64: BigUint64Array;
  // where the engine's regions are (u32 / u64 indexes): asked once, not per call
  private readonly pagesAt: number;
  private readonly listsAt: number;
  private readonly segsAt: number;
  /** the last walk's view of the segments: a walk of as many segments reuses it */
  private segsView: Uint32Array = new Uint32Array(0);
  private readonly resultAt: number;
  private readonly maxLists: number;

  private constructor(private readonly x: Exports, private readonly memory: WebAssembly.Memory) {
    if (x.scratchEnd() >>> 0 > RESERVED_BYTES) throw new Error('dma engine scratch overruns the reserved megabyte');
    this.maxPages = x.maxPages();
    this.maxLists = x.maxLists();
    this.u32 = new Uint32Array(memory.buffer);
    this.u64 = new BigUint64Array(memory.buffer);
    this.pagesAt = (x.pagesPtr() >>> 0) >>> 2;
    this.listsAt = (x.listsPtr() >>> 0) >>> 2;
    this.segsAt = (x.segsPtr() >>> 0) >>> 2;
    this.resultAt = (x.resultPtr() >>> 0) >>> 3;
  }

  /**
   * The release build validates and copies PRP entries with WebAssembly SIMD; where the engine
   * has no SIMD it is the 'scalar' variant instead (the same results, tested on the same vectors).
   */
  static compile(build: DmaBuild = 'release', source?: EngineSource): Promise<WebAssembly.Module> {
    return compileWasm('dma', build === 'release' && !SIMD ? 'scalar' : build, source);
  }
  /**
   * An engine working on `memory` (its first MiB becomes the engine's data, stack and scratch).
   * `source` replaces the package's build/dma.<build>.wasm: a Module, bytes or a URL.
   */
  static async create(memory: WebAssembly.Memory, build: DmaBuild = 'release', source?: EngineSource): Promise<DmaEngine> {
    if (!(memory instanceof WebAssembly.Memory) || memory.buffer.byteLength < 2 * RESERVED_BYTES) {
      throw new RangeError('DmaEngine needs a WebAssembly.Memory of at least 2 MiB (the first is the engine\'s)');
    }
    const instance = await instantiateEngine(await DmaEngine.compile(build, source), { env: { memory } });
    return new DmaEngine(instance.exports as unknown as Exports, memory);
  }

  /** get_user_pages from the page tables (refcounts taken in WASM); @returns the pinned pfns */
  getUserPages(pgd: number, addr: number, n: number, write: boolean, nrFrames: number): Uint32Array {
    const count = this.x.getUserPages(pgd, addr >>> 0, n, write, nrFrames);
    return this.u32.slice(this.pagesAt, this.pagesAt + count);
  }

  /**
   * Pages pinned elsewhere (a bridged process's bounce pages) for the next setupPrps, as if
   * getUserPages had pinned them; at most maxPages.
   */
  setPages(pfns: ArrayLike<number>): void {
    if (pfns.length > this.maxPages) throw new RangeError(`${pfns.length} pages: at most ${this.maxPages}`);
    for (let i = 0; i < pfns.length; i++) this.u32[this.pagesAt + i] = pfns[i]!;
  }

  /**
   * nvme_setup_prps over the pages of the last getUserPages; `lists` are the blocks the caller took
   * from its dma pools, used in order. @returns PRP1/PRP2, bytes described and blocks used
   */
  setupPrps(offset: number, total: number, lists: readonly number[]): { prp1: bigint; prp2: bigint; len: number; used: number } {
    // only the blocks the build can use: one for up to 512 entries, then one per 511 more
    const entries = Math.ceil(Math.max(0, total - (PAGE - offset)) / PAGE);
    const need = entries <= 1 ? 0 : 1 + Math.ceil(Math.max(0, entries - 512) / 511);
    const n = Math.min(lists.length, this.maxLists, need);
    for (let i = 0; i < n; i++) this.u32[this.listsAt + i] = lists[i]!;
    const len = this.x.setupPrps(offset, total, n);
    return { prp1: this.u64[this.resultAt]!, prp2: this.u64[this.resultAt + 1]!, len, used: this.x.getListsUsed() };
  }

  /**
   * The controller's PRP walk; segments stay in engine scratch until the next call. Every data
   * and list address must lie in [lo, hi): by default everything but page 0 (PRP 0 is "none");
   * a kernel passes its first allocatable frame so no device writes its reserved memory.
   */
  walkPrps(prp1: bigint, prp2: bigint, len: number, lo = 4096, hi = this.memory.buffer.byteLength): WalkResult {
    // (a bigint past 2^63 reaches the i64 parameter wrapped, as the engine reads it: unsigned)
    const status = this.x.walkPrps(prp1, prp2, len, lo, hi);
    const nsegs = status ? 0 : this.x.getNsegs();
    return {
      status,
      nsegs,
      segs: this.segsView.length === 2 * nsegs ? this.segsView : (this.segsView = this.u32.subarray(this.segsAt, this.segsAt + 2 * nsegs)),
      error: status
        ? { rule: PRP_RULES[this.x.getErrRule()] ?? '', listPage: this.x.getErrPage(), entry: this.x.getErrEntry(), value: Number(BigInt.asUintN(64, this.x.getErrValue())) }
        : null,
    };
  }
}
