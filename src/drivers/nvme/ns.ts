// Linux 3.13 nvme-core.c, block side: a disk "nvme<instance>n<nsid>" for each namespace the
// controller reports (nvme_dev_add → nvme_alloc_ns), its ioctls (nvme §1: NVME_IOCTL_ID,
// NVME_IOCTL_ADMIN_CMD, NVME_IOCTL_SUBMIT_IO of §6) and its request function (nvme_make_request:
// Read and Write commands on the I/O queue). nvme-cli's `nvme list` lists these disks.
import { EBUSY, EFAULT, EINVAL, EIO, ENOMEM, ENOTTY } from '../../kernel/errno.js';
import { GENHD_FL_EXT_DEVT, type BlockDeviceOperations, type Gendisk } from '../../kernel/block.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';
import type { Device } from '../../kernel/device.js';
import type { Kref } from '../../kernel/kref.js';
import * as S from './uapi.js';
import { nvmeUserAdminCmd, type AdminCmdContext, type MapUserBuffer, type PrpMapping } from './ioctl.js';
import type { NvmeQueue } from './queue.js';
import type { Sqe } from './ctrl/regs.js';

/** namespaces a controller may report that get a disk (NN is a u32) */
const MAX_NAMESPACES = 1024;
/** NVME_IO_TIMEOUT: 5 s */
export const IO_TIMEOUT_MS = 5_000;

/** What a namespace needs of its controller (struct nvme_dev's part). */
export interface NsHost {
  instance: number;
  kref: Kref;
  ioq: NvmeQueue | null;
  mapUser: MapUserBuffer;
  mapFrames(pfns: readonly number[], length: number): PrpMapping;
  admin: AdminCmdContext;
  /** the last kref_put: frees the controller */
  free(): void;
}

/** struct nvme_ns */
export interface NvmeNs {
  nsId: number;
  lbaShift: number;
  /** metadata bytes per block (LBAF.MS) */
  ms: number;
  disk: Gendisk;
}

/** Identify Controller's VWC bit 0: a volatile write cache is present */
const NVME_CTRL_VWC_PRESENT = 1;

const emptySqe = (): Sqe => ({
  opcode: 0, flags: 0, cid: 0, nsid: 0, cdw2: 0, cdw3: 0, mptr: 0n, prp1: 0n, prp2: 0n,
  cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0,
});

/** a read or write SQE (nvme_rw_command) */
function rwSqe(opcode: number, nsId: number, slba: bigint, nblocks: number, m: PrpMapping): Sqe {
  return {
    ...emptySqe(), opcode, nsid: nsId, prp1: m.prp1, prp2: m.prp2,
    cdw10: Number(slba & 0xffffffffn), cdw11: Number((slba >> 32n) & 0xffffffffn), cdw12: nblocks & 0xffff,
  };
}

/** Submits on the I/O queue, keeping the mapping until the controller is done with it. */
async function submitIo(host: NsHost, sqe: Sqe, m: PrpMapping, cur: Task | null): Promise<number> {
  const q = host.ioq;
  if (!q) {
    m.release();
    return -EBUSY;
  }
  let deferred = false;
  try {
    const r = await q.submitSync(sqe, IO_TIMEOUT_MS, host.admin.clock, cur, () => m.release());
    deferred = r.deferred === true;
    return r.status;
  } finally {
    if (!deferred) m.release();
  }
}

// see: nvme-core.c nvme_submit_io (nvme §6)
async function nvmeSubmitIo(host: NsHost, ns: NvmeNs, arg: number, cur: Task): Promise<number> {
  const raw = new Uint8Array(S.NvmeUserIo.SIZE);
  if (cur.copyFromUser(raw, arg, raw.length)) return -EFAULT;
  const io = S.NvmeUserIo.read(new DataView(raw.buffer));
  const length = (io.nblocks + 1) * 2 ** ns.lbaShift;
  const metaLen = (io.nblocks + 1) * ns.ms;
  if (metaLen && (io.metadata & 3n || !io.metadata)) return -EINVAL;
  if (io.opcode !== S.nvme_cmd_write && io.opcode !== S.nvme_cmd_read && io.opcode !== S.nvme_cmd_compare) return -EINVAL;
  const m = host.mapUser(cur, io.addr, length, (io.opcode & 1) === 1);
  if (typeof m === 'number') return m;
  if (m.lenBuilt !== length) {
    m.release();
    return -ENOMEM;
  }
  const sqe = {
    ...rwSqe(io.opcode, ns.nsId, io.slba, io.nblocks, m), flags: io.flags,
    cdw12: io.nblocks | (io.control << 16), cdw13: io.dsmgmt, cdw14: io.reftag, cdw15: io.apptag | (io.appmask << 16),
  };
  // our namespaces have no metadata (MS 0): there is nothing to bounce
  return submitIo(host, sqe, m, cur);
}

function nsOps(host: NsHost, ns: () => NvmeNs): BlockDeviceOperations {
  return {
    // see: nvme-core.c nvme_open / nvme_release — the controller outlives its removal while open
    open() {
      host.kref.get();
      return 0;
    },
    release() {
      host.kref.put(host.free);
    },
    // see: nvme-core.c nvme_ioctl
    ioctl(_disk, _file, cmd, arg, cur) {
      switch (cmd) {
        case S.NVME_IOCTL_ID:
          return ns().nsId;
        case S.NVME_IOCTL_ADMIN_CMD:
          return nvmeUserAdminCmd(host.admin, arg, cur);
        case S.NVME_IOCTL_SUBMIT_IO:
          return nvmeSubmitIo(host, ns(), arg, cur);
        default:
          // SG_IO's SCSI translation is not here (nvme §1 lists it): -ENOTTY, as for any other
          return -ENOTTY;
      }
    },
  };
}

/**
 * nvme_dev_add's namespace scan: Identify Controller for NN, then Identify Namespace for each;
 * a namespace with no capacity gets no disk. @returns the namespaces (their disks added) or -errno
 */
export async function addNamespaces(
  k: ModuleApi<any>, host: NsHost, major: number, parent: Device,
  identify: (cns: number, nsid: number, pfn: number) => Promise<number>,
): Promise<NvmeNs[] | number> {
  const pfn = k.allocPage();
  if (pfn < 0) return pfn;
  // every namespace is identified first and the disks are added after, with no sleep between:
  // nothing can open one of them before the scan has succeeded as a whole
  const found: Array<{ nsId: number; nsze: number; ms: number; lbaShift: number }> = [];
  let mdts = 0;
  let vwc = 0;
  try {
    if (await identify(1, 0, pfn)) return [];
    const view = new DataView(k.phys.u8.buffer, k.phys.u8.byteOffset + pfn * 4096, 4096);
    const nn = view.getUint32(516, true);
    mdts = view.getUint8(77);
    vwc = view.getUint8(525);
    for (let nsId = 1; nsId <= Math.min(nn, MAX_NAMESPACES); nsId++) {
      if (await identify(0, nsId, pfn)) continue;
      if (view.getBigUint64(8, true) === 0n) continue; // NCAP 0: nothing to show
      const lbaf = view.getUint8(26) & 0xf;
      const lbaShift = view.getUint8(128 + 4 * lbaf + 2);
      if (lbaShift < 9 || lbaShift > 12) continue;
      found.push({ nsId, nsze: Number(view.getBigUint64(0, true)), ms: view.getUint16(128 + 4 * lbaf, true), lbaShift });
    }
  } finally {
    k.putPage(pfn);
  }
  const out: NvmeNs[] = [];
  for (const { nsId, nsze, ms, lbaShift } of found) {
    let self: NvmeNs | null = null;
    const disk = k.addDisk({
      diskName: `nvme${host.instance}n${nsId}`, major, firstMinor: 0, minors: 0, flags: GENHD_FL_EXT_DEVT,
      fops: nsOps(host, () => self!), privateData: null, parent,
      capacity: nsze * 2 ** (lbaShift - 9), logicalBlockSize: 2 ** lbaShift,
      // MDTS 0 (no limit) leaves the queue at BLK_SAFE_MAX_SECTORS
      maxHwSectors: mdts ? 2 ** (mdts + 12 - 9) : 255, nonRotational: true,
      // see: nvme-core.c nvme_make_request → nvme_submit_bio_queue: a failed command is -EIO
      submit: async (write, sector, pfns, bytes, cur) => {
        // the command holds the frames until it really ends (a late completion after a
        // timeout still writes them): a page reference each, dropped with the PRP lists
        for (const p of pfns) k.getPage(p);
        const lists = host.mapFrames(pfns, bytes);
        const m: PrpMapping = { ...lists, release: () => {
          lists.release();
          for (const p of pfns) k.putPage(p);
        } };
        if (m.lenBuilt !== bytes) {
          m.release();
          return -ENOMEM;
        }
        const nblocks = bytes / 2 ** lbaShift - 1;
        const slba = BigInt(sector) >> BigInt(lbaShift - 9);
        // killable, as a task waiting for its I/O is; the command timeout ends it too
        const r = await submitIo(host, rwSqe(write ? S.nvme_cmd_write : S.nvme_cmd_read, nsId, slba, nblocks, m), m, cur);
        return r === 0 ? 0 : -EIO;
      },
      // see: nvme-core.c nvme_submit_flush: an empty REQ_FLUSH bio is an NVMe Flush, and only a
      // controller with a volatile write cache gets one (blk_queue_flush is set for VWC alone)
      flush: vwc & NVME_CTRL_VWC_PRESENT ? async (cur) => {
        const m: PrpMapping = { prp1: 0n, prp2: 0n, lenBuilt: 0, release: () => {} };
        const r = await submitIo(host, { ...emptySqe(), opcode: S.nvme_cmd_flush, nsid: nsId }, m, cur);
        return r === 0 ? 0 : -EIO;
      } : undefined,
    });
    if (typeof disk === 'number') {
      removeNamespaces(k, out);
      return disk;
    }
    self = { nsId, lbaShift, ms, disk };
    out.push(self);
  }
  return out;
}

/** nvme_dev_remove: del_gendisk for each (open files keep the controller until closed) */
export function removeNamespaces(k: ModuleApi<any>, list: NvmeNs[]): void {
  for (const ns of list) k.delGendisk(ns.disk);
  list.length = 0;
}
