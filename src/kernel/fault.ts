// Fault injection (lib/fault-inject.c; Documentation/fault-injection/fault-injection.rst): the
// failslab / fail_page_alloc / fail_usercopy knobs, per kernel. A fuzzer turns them on so every
// error path runs, and must then unwind exactly: no leak, no double free.
//
// One FaultAttr per kind, with Linux's attributes: `probability` (percent), `interval` (fail at
// most every Nth eligible call), `times` (how many failures are left; -1 = no limit) and `space`
// (that many calls pass before anything fails). Linux filters by call stack; we filter by the call
// site's name (`sites`, e.g. 'alloc_pages', 'kmalloc', 'dma_pool_alloc', 'copy_to_user').

export interface FaultConfig {
  /** percent of eligible calls that fail, 0..100 (default 0: off) */
  probability?: number;
  /** only every interval-th eligible call may fail (default 1) */
  interval?: number;
  /** failures left; -1 = unlimited (default -1) */
  times?: number;
  /** calls that pass before the first failure may happen (default 0) */
  space?: number;
  /** when non-empty, only these call sites are eligible */
  sites?: Iterable<string>;
}

export class FaultAttr {
  probability = 0;
  interval = 1;
  times = -1;
  space = 0;
  readonly sites = new Set<string>();
  /** failures injected so far, by site (what the fuzzer reports) */
  readonly injected = new Map<string, number>();
  private calls = 0;
  private rng: number;

  constructor(readonly name: string, seed: number) {
    this.rng = seed >>> 0 || 1;
  }

  /** Sets the knobs (the debugfs writes); unspecified ones keep their value. */
  configure(c: FaultConfig): void {
    if (c.probability !== undefined) this.probability = Math.min(100, Math.max(0, Number(c.probability) || 0));
    if (c.interval !== undefined) this.interval = Math.max(1, Math.floor(Number(c.interval) || 1));
    if (c.times !== undefined) this.times = Math.floor(Number(c.times));
    if (c.space !== undefined) this.space = Math.max(0, Math.floor(Number(c.space) || 0));
    if (c.sites !== undefined) {
      this.sites.clear();
      for (const s of c.sites) this.sites.add(s);
    }
  }
  /** Turns this kind off. */
  disable(): void {
    this.probability = 0;
  }

  // see: lib/fault-inject.c should_fail
  shouldFail(site: string): boolean {
    if (this.probability === 0 || this.times === 0) return false;
    if (this.sites.size && !this.sites.has(site)) return false;
    if (this.space > 0) {
      this.space--;
      return false;
    }
    if (this.interval > 1 && ++this.calls % this.interval !== 0) return false;
    if (this.probability < 100 && this.next() * 100 >= this.probability) return false;
    if (this.times > 0) this.times--;
    this.injected.set(site, (this.injected.get(site) ?? 0) + 1);
    return true;
  }

  private next(): number {
    // xorshift32: deterministic per seed, so a fuzz run with faults replays exactly
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 4294967296;
  }
}

/** The kernel's fault-injection knobs, one per kind. */
export class FaultInjection {
  /** frame allocation (alloc_pages): page tables, user pages, DMA pages */
  readonly failPageAlloc: FaultAttr;
  /** kmalloc-like allocations drivers make through k.kmalloc / k.dmaPoolAlloc */
  readonly failslab: FaultAttr;
  /** copy_to_user / copy_from_user / get_user / put_user */
  readonly failUsercopy: FaultAttr;

  constructor(seed = 1) {
    this.failPageAlloc = new FaultAttr('fail_page_alloc', seed * 3 + 1);
    this.failslab = new FaultAttr('failslab', seed * 5 + 2);
    this.failUsercopy = new FaultAttr('fail_usercopy', seed * 7 + 3);
  }
  all(): FaultAttr[] {
    return [this.failPageAlloc, this.failslab, this.failUsercopy];
  }
  disableAll(): void {
    for (const a of this.all()) a.disable();
  }
}
