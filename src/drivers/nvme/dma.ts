// The nvme driver's dma binding: pins user pages (nvme_map_user_pages, nvme §4), builds PRPs from
// dma pools, and gives the controller its DmaPort (PRP walk + data movement).
import { EFAULT, EINVAL } from '../../kernel/errno.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';
import { buildPrps, freePrps, walkPrps, DmaPool, NVME_PAGE, type PrpWalkError, type SgEntry } from './prp.js';
import type { DmaPort } from './ctrl/controller.js';
import type { MapUserBuffer } from './ioctl.js';

const INT_MAX = 0x7fffffff;

export interface DmaBinding {
  mapUser: MapUserBuffer;
  port: DmaPort & { lastError: PrpWalkError | null };
  dispose(): void;
  readonly pools: { small: DmaPool; page: DmaPool };
}

export interface DmaOptions {
  build: 'release' | 'test';
  smallPoolBlocks: number;
  pagePoolPages: number;
}

export async function createDmaBinding(k: ModuleApi<any>, opts: DmaOptions): Promise<DmaBinding> {
  const phys = k.kernel.phys;
  const frames: number[] = [];
  const take = () => {
    const f = phys.allocFrame();
    if (f < 0) throw new Error('no memory for dma pools');
    frames.push(f);
    return f;
  };
  const smallBlocks: number[] = [];
  while (smallBlocks.length < opts.smallPoolBlocks) {
    const base = take() * NVME_PAGE;
    for (let o = 0; o < NVME_PAGE && smallBlocks.length < opts.smallPoolBlocks; o += 256) smallBlocks.push(base + o);
  }
  const pageBlocks = Array.from({ length: opts.pagePoolPages }, () => take() * NVME_PAGE);
  const pools = { small: new DmaPool(256, smallBlocks), page: new DmaPool(NVME_PAGE, pageBlocks) };

  // see: nvme-core.c nvme_map_user_pages
  const mapUser: MapUserBuffer = (cur: Task, addr: bigint, length: number, _write: boolean) => {
    if (addr & 3n) return -EINVAL;
    if (!length || length > INT_MAX - NVME_PAGE) return -EINVAL;
    const offset = Number(addr & 4095n);
    const count = Math.ceil((offset + length) / NVME_PAGE);
    if (addr + BigInt(length) > 2n ** 32n) return -EFAULT;
    // observed: nvme §4 — the 3.x driver always pins for writing, even for host→device data
    const pages = cur.getUserPages(Number(addr), count, true);
    if (pages.length < count) {
      cur.unpinUserPages(pages);
      return -EFAULT;
    }
    const sg: SgEntry[] = [];
    let left = length;
    for (let i = 0; i < count; i++) {
      const o = i === 0 ? offset : 0;
      const n = Math.min(left, NVME_PAGE - o);
      sg.push({ addr: pages[i]! * NVME_PAGE + o, len: n });
      left -= n;
    }
    const prps = buildPrps(phys.u32, sg, length, pools.small, pools.page);
    return {
      prp1: BigInt(prps.prp1),
      prp2: BigInt(prps.prp2),
      lenBuilt: prps.len,
      release() {
        freePrps(prps);
        cur.unpinUserPages(pages);
      },
    };
  };

  const port: DmaBinding['port'] = {
    lastError: null,
    toHost(prp1, prp2, data) {
      const segs = walkPrps(phys.u8, prp1, prp2, data.length);
      if (!Array.isArray(segs)) return fail(segs);
      let o = 0;
      for (const s of segs) {
        phys.u8.set(data.subarray(o, o + s.len), s.addr);
        o += s.len;
      }
      return 0;
    },
    fromHost(prp1, prp2, len) {
      const segs = walkPrps(phys.u8, prp1, prp2, len);
      if (!Array.isArray(segs)) return fail(segs);
      const out = new Uint8Array(len);
      let o = 0;
      for (const s of segs) {
        out.set(phys.u8.subarray(s.addr, s.addr + s.len), o);
        o += s.len;
      }
      return out;
    },
  };
  const fail = (e: PrpWalkError) => {
    port.lastError = e;
    k.trace(`err_prp_${e.rule.replace(/-/g, '_')}`, { status: e.status, listPage: e.listPage, entry: e.entry, value: e.value });
    k.prWarn(`nvme: PRP walk failed: ${e.rule} at list page ${e.listPage} entry ${e.entry} (0x${e.value.toString(16)}), status 0x${e.status.toString(16)}`);
    return e.status;
  };

  return {
    mapUser,
    port,
    pools,
    dispose() {
      for (const f of frames.splice(0)) phys.putPage(f);
    },
  };
}
