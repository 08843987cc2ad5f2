// The emulated NVMe controller: registers, admin/IO queues in host memory, and the admin command
// set of nvme §10. It sees the host only through physical memory (queues) and a DmaPort (PRPs),
// like a device on a bus. Every guest mistake is a status, never an exception.
import * as S from '../uapi.js';
import {
  CQE_SIZE, NVME_CC_ENABLE, NVME_CSTS_RDY, NVME_REG_ACQ, NVME_REG_AQA, NVME_REG_ASQ, NVME_REG_CAP, NVME_REG_CC,
  NVME_REG_CSTS, NVME_REG_DBS, NVME_REG_VS, SQE_SIZE, capDstrd, makeCap, readSqe, type Sqe,
} from './regs.js';
import {
  activeNsList, errorLog, firmwareSlotLog, identifyController, identifyNamespace, smartLog,
  type ControllerIdentity, type ErrorEntry, type HealthState,
} from './identify.js';

const DNR = S.NVME_SC_DNR;
/** The largest firmware image the staging buffer takes (our controller's limit). */
export const FW_IMAGE_MAX = 16 << 20;
/** Disjoint pieces a staging image may have before further downloads are refused. */
const FW_PIECES_MAX = 1024;

/** How the controller moves data through PRPs (implemented by the WASM dma engine). */
export interface DmaPort {
  /** Writes data into the host buffer PRP1/PRP2 describe; @returns an NVMe status (0 = success) */
  toHost(prp1: bigint, prp2: bigint, data: Uint8Array): number;
  /** Reads len bytes from the host buffer; @returns the bytes or an NVMe status */
  fromHost(prp1: bigint, prp2: bigint, len: number): Uint8Array | number;
  /** the last walk failure, when the port can say which entry broke which rule */
  readonly lastError?: unknown;
}

/** Host memory as the controller's bus sees it: queue entries are read and written here. */
export interface HostMemory {
  readonly u8: Uint8Array;
}

export interface ControllerConfig extends ControllerIdentity {
  /** CAP.MQES: zero-based maximum queue entries */
  mqes: number;
  /** CAP.TO in 500 ms units */
  timeoutUnits: number;
  /** I/O queue pairs the controller grants through Number of Queues */
  ioQueuePairs: number;
}

interface SubQueue {
  base: number;
  size: number;
  head: number;
  tail: number;
  cqid: number;
}
interface CompQueue {
  base: number;
  size: number;
  tail: number;
  phase: number;
  /** entries the host has released (CQ head doorbell) */
  head: number;
}

type Result = { status: number; dw0?: number };

export class NvmeController {
  readonly cap: bigint;
  readonly vs = 0x00010100;
  cc = 0;
  csts = 0;
  aqa = 0;
  asq = 0n;
  acq = 0n;
  /** raised after CQEs are posted, with the CQ id (the MSI-X vector stand-in) */
  irq: (cqid: number) => void = () => {};
  /** test hook: doorbells are accepted but nothing is executed until unstalled */
  stalled = false;
  private readonly sqs = new Map<number, SubQueue>();
  private readonly cqs = new Map<number, CompQueue>();
  private readonly view: DataView;
  // features
  private tempThreshold = 343;
  private volatileWc = 1;
  private ioQueuesCreated = false;
  // firmware: the staging image (bounded) and the byte ranges downloaded into it
  private fwBuf = new Uint8Array(0);
  private fwLen = 0;
  private fwPieces: Array<[number, number]> = [];
  /** commands that threw inside the controller (completed with Internal Error) */
  internalErrors = 0;
  lastInternalError: unknown = null;
  private fwSlots: string[];
  private activeSlot = 1;
  private errors: ErrorEntry[] = [];
  private errorCount = 0n;
  readonly health: HealthState = {
    temperatureK: 310, powerOnHours: 1, powerCycles: 1, hostReads: 0, hostWrites: 0, dataUnitsRead: 0, dataUnitsWritten: 0, errors: 0,
  };
  /** the last PRP walk failure the dma port reported (which entry broke which rule) */
  lastPrpError: unknown = null;
  /** the last command fetched from a submission queue (what the host really sent) */
  lastSqe: Sqe | null = null;
  /** commands executed since enable */
  executed = 0;

  constructor(readonly cfg: ControllerConfig, private readonly mem: HostMemory, public dma: DmaPort) {
    this.cap = makeCap(cfg.mqes, cfg.timeoutUnits);
    this.view = new DataView(mem.u8.buffer, mem.u8.byteOffset, mem.u8.byteLength);
    this.fwSlots = Array.from({ length: Math.max(1, cfg.fwSlots) }, (_, i) => (i === 0 ? cfg.firmware : ''));
  }

  get firmwareRevision(): string {
    return this.fwSlots[this.activeSlot - 1] ?? this.cfg.firmware;
  }
  get mdtsBytes(): number {
    return this.cfg.mdts ? 2 ** this.cfg.mdts * 4096 : Infinity;
  }

  // ---- MMIO ----
  readReg32(off: number): number {
    switch (off) {
      case NVME_REG_CAP: return Number(this.cap & 0xffffffffn);
      case NVME_REG_CAP + 4: return Number(this.cap >> 32n);
      case NVME_REG_VS: return this.vs;
      case NVME_REG_CC: return this.cc;
      case NVME_REG_CSTS: return this.csts;
      case NVME_REG_AQA: return this.aqa;
      default: return 0;
    }
  }
  readReg64(off: number): bigint {
    if (off === NVME_REG_CAP) return this.cap;
    if (off === NVME_REG_ASQ) return this.asq;
    if (off === NVME_REG_ACQ) return this.acq;
    return BigInt(this.readReg32(off)) | (BigInt(this.readReg32(off + 4)) << 32n);
  }
  writeReg64(off: number, v: bigint): void {
    if (off === NVME_REG_ASQ) this.asq = v;
    else if (off === NVME_REG_ACQ) this.acq = v;
  }
  writeReg32(off: number, v: number): void {
    v >>>= 0;
    if (off === NVME_REG_CC) return this.writeCc(v);
    if (off === NVME_REG_AQA) {
      this.aqa = v;
      return;
    }
    if (off >= NVME_REG_DBS) return this.doorbell(off, v);
  }

  private writeCc(v: number): void {
    const wasOn = this.cc & NVME_CC_ENABLE;
    this.cc = v;
    if ((v & NVME_CC_ENABLE) && !wasOn) {
      // enable: the admin queues come from AQA/ASQ/ACQ; ASQ/ACQ must be page aligned
      if (this.asq & 0xfffn || this.acq & 0xfffn || !this.asq || !this.acq) {
        this.csts |= 2; // CFS
        return;
      }
      this.sqs.clear();
      this.cqs.clear();
      this.cqs.set(0, { base: Number(this.acq), size: ((this.aqa >>> 16) & 0xfff) + 1, tail: 0, phase: 1, head: 0 });
      this.sqs.set(0, { base: Number(this.asq), size: (this.aqa & 0xfff) + 1, head: 0, tail: 0, cqid: 0 });
      this.ioQueuesCreated = false;
      this.csts = NVME_CSTS_RDY;
    } else if (!(v & NVME_CC_ENABLE) && wasOn) {
      this.sqs.clear();
      this.cqs.clear();
      this.csts = 0;
    }
  }

  private doorbell(off: number, v: number): void {
    const stride = 4 << capDstrd(this.cap);
    const idx = (off - NVME_REG_DBS) / stride;
    if (!Number.isInteger(idx)) return;
    const qid = idx >> 1;
    if (idx & 1) {
      const cq = this.cqs.get(qid);
      if (cq && v < cq.size) cq.head = v;
      // space in the CQ may unblock submissions waiting on it
      for (const [sqid, sq] of this.sqs) if (sq.cqid === qid) this.process(sqid);
    } else {
      const sq = this.sqs.get(qid);
      if (sq && v < sq.size) {
        sq.tail = v;
        this.process(qid);
      }
    }
  }

  /** Restarts processing after a stall (late completions then reach the host). */
  unstall(): void {
    this.stalled = false;
    for (const qid of this.sqs.keys()) this.process(qid);
  }

  private process(sqid: number): void {
    if (this.stalled || !(this.csts & NVME_CSTS_RDY)) return;
    const sq = this.sqs.get(sqid);
    if (!sq) return;
    const cq = this.cqs.get(sq.cqid)!;
    let posted = false;
    while (sq.head !== sq.tail) {
      // never overwrite an entry the host has not released
      if ((cq.tail + 1) % cq.size === cq.head) break;
      const sqe = readSqe(this.view, sq.base + sq.head * SQE_SIZE);
      sq.head = (sq.head + 1) % sq.size;
      this.lastSqe = sqe;
      this.executed++;
      let r: Result;
      try {
        r = sqid === 0 ? this.execAdmin(sqe) : { status: S.NVME_SC_INVALID_OPCODE | DNR };
      } catch (err) {
        // a device bug still completes the command (Internal Error), so no command id is lost
        this.internalErrors++;
        this.lastInternalError = err;
        r = { status: S.NVME_SC_INTERNAL };
      }
      if (r.status) this.logError(sqid, sqe, r.status);
      this.postCqe(cq, r.dw0 ?? 0, sq.head, sqid, sqe.cid, r.status);
      posted = true;
    }
    if (posted) this.irq(sq.cqid);
  }

  private postCqe(cq: CompQueue, dw0: number, sqHead: number, sqid: number, cid: number, status: number): void {
    const p = cq.base + cq.tail * CQE_SIZE;
    this.view.setUint32(p, dw0 >>> 0, true);
    this.view.setUint32(p + 4, 0, true);
    this.view.setUint16(p + 8, sqHead, true);
    this.view.setUint16(p + 10, sqid, true);
    this.view.setUint16(p + 12, cid, true);
    this.view.setUint16(p + 14, ((status << 1) | cq.phase) & 0xffff, true);
    cq.tail = (cq.tail + 1) % cq.size;
    if (cq.tail === 0) cq.phase ^= 1;
  }

  private logError(sqid: number, sqe: Sqe, status: number): void {
    this.errorCount++;
    this.errors.unshift({ count: this.errorCount, sqid, cid: sqe.cid, status, paramLoc: 0, lba: 0n, nsid: sqe.nsid });
    this.errors.length = Math.min(this.errors.length, 4);
  }

  // ---- admin commands (one line per opcode) ----
  private execAdmin(c: Sqe): Result {
    // PSDT other than PRP: SGLs are not supported
    if (c.flags & 0xc0) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    switch (c.opcode) {
      case S.nvme_admin_identify: return this.identify(c);
      case S.nvme_admin_get_log_page: return this.getLogPage(c);
      case S.nvme_admin_get_features: return this.getFeatures(c);
      case S.nvme_admin_set_features: return this.setFeatures(c);
      case S.nvme_admin_create_cq: return this.createCq(c);
      case S.nvme_admin_create_sq: return this.createSq(c);
      case S.nvme_admin_delete_sq: return this.deleteSq(c);
      case S.nvme_admin_delete_cq: return this.deleteCq(c);
      case S.nvme_admin_download_fw: return this.fwDownload(c);
      case S.nvme_admin_activate_fw: return this.fwCommit(c);
      default: return { status: S.NVME_SC_INVALID_OPCODE | DNR };
    }
  }

  private toHost(c: Sqe, data: Uint8Array): Result {
    if (data.length > this.mdtsBytes) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    this.health.hostReads++;
    this.health.dataUnitsRead += Math.ceil(data.length / 512000);
    const status = this.dma.toHost(c.prp1, c.prp2, data);
    if (status) this.lastPrpError = this.dma.lastError ?? null;
    return { status };
  }

  // see: qemu hw/nvme/ctrl.c nvme_identify
  private identify(c: Sqe): Result {
    const cns = c.cdw10 & 0xff;
    const nn = this.cfg.namespaces.length;
    switch (cns) {
      case 0x00: {
        if (c.nsid === 0 || c.nsid === 0xffffffff || c.nsid > nn) return { status: S.NVME_SC_INVALID_NS | DNR };
        return this.toHost(c, identifyNamespace(this.cfg.namespaces[c.nsid - 1]!));
      }
      case 0x01:
        return this.toHost(c, identifyController(this.cfg, this.firmwareRevision));
      case 0x02:
        if (c.nsid >= 0xfffffffe) return { status: S.NVME_SC_INVALID_NS | DNR };
        return this.toHost(c, activeNsList(nn, c.nsid));
      default:
        return { status: S.NVME_SC_INVALID_FIELD | DNR };
    }
  }

  // see: qemu hw/nvme/ctrl.c nvme_get_log
  private getLogPage(c: Sqe): Result {
    const lid = c.cdw10 & 0xff;
    const numdl = c.cdw10 >>> 16;
    const numdu = c.cdw11 & 0xffff;
    const len = (((numdu << 16) | numdl) >>> 0) * 4 + 4;
    const off = c.cdw12 + c.cdw13 * 2 ** 32;
    if (off % 4) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    let log: Uint8Array;
    switch (lid) {
      case S.NVME_LOG_ERROR: log = errorLog(this.errors, 4); break;
      case S.NVME_LOG_SMART: log = smartLog(this.health, this.tempThreshold); break;
      case S.NVME_LOG_FW_SLOT: log = firmwareSlotLog(this.activeSlot, this.fwSlots); break;
      default: return { status: S.NVME_SC_INVALID_FIELD | DNR }; // QEMU's answer, not 0x109
    }
    if (off >= log.length) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    return this.toHost(c, log.subarray(off, off + Math.min(log.length - off, len)));
  }

  private lbaRangeData(): Uint8Array {
    const b = new Uint8Array(4096);
    const v = new DataView(b.buffer);
    // one entry: type 0 (general), attributes bit 0 (may be overwritten), the whole namespace
    b[0] = 0;
    b[1] = 0x01;
    const ns = this.cfg.namespaces[0];
    if (ns) v.setBigUint64(24, BigInt(Math.max(0, ns.blocks - 1)), true);
    return b;
  }

  // see: qemu hw/nvme/ctrl.c nvme_get_feature
  private getFeatures(c: Sqe): Result {
    const fid = c.cdw10 & 0xff;
    const sel = (c.cdw10 >>> 8) & 7;
    const changeable = fid === S.NVME_FEAT_TEMP_THRESH || fid === S.NVME_FEAT_VOLATILE_WC || fid === S.NVME_FEAT_NUM_QUEUES;
    if (![S.NVME_FEAT_LBA_RANGE, S.NVME_FEAT_TEMP_THRESH, S.NVME_FEAT_VOLATILE_WC, S.NVME_FEAT_NUM_QUEUES].includes(fid)) {
      return { status: S.NVME_SC_INVALID_FIELD | DNR };
    }
    if (sel === 3) return { status: 0, dw0: changeable ? 0x4 : 0 };
    const dflt = sel === 1;
    const nq = this.cfg.ioQueuePairs - 1;
    switch (fid) {
      case S.NVME_FEAT_TEMP_THRESH: return { status: 0, dw0: dflt ? 343 : this.tempThreshold };
      case S.NVME_FEAT_VOLATILE_WC: return { status: 0, dw0: dflt ? 1 : this.volatileWc };
      case S.NVME_FEAT_NUM_QUEUES: return { status: 0, dw0: (nq | (nq << 16)) >>> 0 };
      default: {
        const r = this.toHost(c, this.lbaRangeData());
        return { status: r.status, dw0: 0 }; // NUM: 0 = one range
      }
    }
  }

  // see: qemu hw/nvme/ctrl.c nvme_set_feature
  private setFeatures(c: Sqe): Result {
    const fid = c.cdw10 & 0xff;
    const save = c.cdw10 >>> 31;
    if (save) return { status: S.NVME_SC_FEATURE_NOT_SAVEABLE | DNR };
    switch (fid) {
      case S.NVME_FEAT_TEMP_THRESH:
        this.tempThreshold = c.cdw11 & 0xffff;
        return { status: 0 };
      case S.NVME_FEAT_VOLATILE_WC:
        this.volatileWc = c.cdw11 & 1;
        return { status: 0 };
      case S.NVME_FEAT_NUM_QUEUES: {
        if ((c.cdw11 & 0xffff) === 0xffff || c.cdw11 >>> 16 === 0xffff) return { status: S.NVME_SC_INVALID_FIELD | DNR };
        if (this.ioQueuesCreated) return { status: S.NVME_SC_CMD_SEQ_ERROR | DNR };
        const nq = this.cfg.ioQueuePairs - 1;
        return { status: 0, dw0: (nq | (nq << 16)) >>> 0 };
      }
      case S.NVME_FEAT_LBA_RANGE:
        return { status: S.NVME_SC_FEATURE_NOT_CHANGEABLE | DNR };
      default:
        return { status: S.NVME_SC_INVALID_FIELD | DNR };
    }
  }

  private queueArgs(c: Sqe): { qid: number; size: number } | Result {
    const qid = c.cdw10 & 0xffff;
    const size = (c.cdw10 >>> 16) + 1;
    if (qid === 0 || qid > this.cfg.ioQueuePairs) return { status: S.NVME_SC_QID_INVALID | DNR };
    if (size < 2 || size > (this.cfg.mqes & 0xffff) + 1) return { status: S.NVME_SC_QUEUE_SIZE | DNR };
    if (c.prp1 & 0xfffn || c.prp1 === 0n) return { status: S.NVME_SC_INVALID_PRP_OFFSET | DNR };
    if (!(c.cdw11 & 1)) return { status: S.NVME_SC_INVALID_FIELD | DNR }; // physically contiguous only
    return { qid, size };
  }

  private createCq(c: Sqe): Result {
    const a = this.queueArgs(c);
    if ('status' in a) return a;
    if (this.cqs.has(a.qid)) return { status: S.NVME_SC_QID_INVALID | DNR };
    this.cqs.set(a.qid, { base: Number(c.prp1), size: a.size, tail: 0, phase: 1, head: 0 });
    this.ioQueuesCreated = true;
    return { status: 0 };
  }
  private createSq(c: Sqe): Result {
    const a = this.queueArgs(c);
    if ('status' in a) return a;
    if (this.sqs.has(a.qid)) return { status: S.NVME_SC_QID_INVALID | DNR };
    const cqid = c.cdw11 >>> 16;
    if (cqid === 0 || !this.cqs.has(cqid)) return { status: S.NVME_SC_CQ_INVALID | DNR };
    this.sqs.set(a.qid, { base: Number(c.prp1), size: a.size, head: 0, tail: 0, cqid });
    this.ioQueuesCreated = true;
    return { status: 0 };
  }
  private deleteSq(c: Sqe): Result {
    const qid = c.cdw10 & 0xffff;
    if (qid === 0 || !this.sqs.has(qid)) return { status: S.NVME_SC_QID_INVALID | DNR };
    this.sqs.delete(qid);
    return { status: 0 };
  }
  private deleteCq(c: Sqe): Result {
    const qid = c.cdw10 & 0xffff;
    if (qid === 0 || !this.cqs.has(qid)) return { status: S.NVME_SC_QID_INVALID | DNR };
    if ([...this.sqs.values()].some((s) => s.cqid === qid)) return { status: 0x10c | DNR }; // Invalid Queue Deletion
    this.cqs.delete(qid);
    return { status: 0 };
  }

  /**
   * Firmware Image Download: NUMD (zero-based dwords) at OFST dwords into the staging image. The
   * staging buffer is bounded (FW_IMAGE_MAX): a piece past it is Invalid Field, a piece over bytes
   * already downloaded is Overlapping Range (NVMe 1.3 §5.11).
   */
  private fwDownload(c: Sqe): Result {
    const len = (c.cdw10 >>> 0) * 4 + 4;
    const off = (c.cdw11 >>> 0) * 4;
    if (len > this.mdtsBytes || off + len > FW_IMAGE_MAX) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    if (this.fwPieces.some(([s, e]) => off < e && off + len > s)) return { status: S.NVME_SC_OVERLAPPING_RANGE | DNR };
    if (this.fwPieces.length >= FW_PIECES_MAX) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    const data = this.dma.fromHost(c.prp1, c.prp2, len);
    if (typeof data === 'number') {
      this.lastPrpError = this.dma.lastError ?? null;
      return { status: data };
    }
    if (off + len > this.fwBuf.length) {
      // geometric growth: a 16 MiB image in 4 KiB pieces copies ~32 MiB, not gigabytes
      const grown = new Uint8Array(Math.min(FW_IMAGE_MAX, Math.max(off + len, this.fwBuf.length * 2)));
      grown.set(this.fwBuf.subarray(0, this.fwLen));
      this.fwBuf = grown;
    }
    this.fwBuf.set(data, off);
    this.fwLen = Math.max(this.fwLen, off + len);
    this.addPiece(off, off + len);
    this.health.hostWrites++;
    return { status: 0 };
  }
  /** Records [s, e) among the downloaded pieces, merging neighbours so in-order downloads stay one. */
  private addPiece(s: number, e: number): void {
    const p = this.fwPieces;
    p.push([s, e]);
    p.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i + 1 < p.length; ) {
      if (p[i]![1] === p[i + 1]![0]) p.splice(i, 2, [p[i]![0], p[i + 1]![1]]);
      else i++;
    }
  }
  private get fwImage(): Uint8Array {
    return this.fwBuf.subarray(0, this.fwLen);
  }
  private resetFwImage(): void {
    this.fwBuf = new Uint8Array(0);
    this.fwLen = 0;
    this.fwPieces = [];
  }

  /**
   * Firmware Commit: FS bits 2:0 (0 = controller's choice), CA bits 5:3. The image's revision is its
   * first 8 bytes (our image format; real images carry it in a vendor header).
   */
  private fwCommit(c: Sqe): Result {
    let slot = c.cdw10 & 7;
    const ca = (c.cdw10 >>> 3) & 7;
    if (slot > this.fwSlots.length) return { status: S.NVME_SC_FIRMWARE_SLOT | DNR };
    if (slot === 0) slot = this.fwSlots.length > 1 ? 2 : 1;
    if (ca === 2) {
      if (!this.fwSlots[slot - 1]) return { status: S.NVME_SC_FIRMWARE_IMAGE | DNR };
      this.activeSlot = slot;
      return { status: 0 };
    }
    if (this.fwImage.length < 8) return { status: S.NVME_SC_FIRMWARE_IMAGE | DNR };
    this.fwSlots[slot - 1] = String.fromCharCode(...this.fwImage.subarray(0, 8)).replace(/[\0 ]+$/, '');
    this.committedImage = this.fwImage.slice();
    this.resetFwImage();
    if (ca === 1 || ca === 3) this.activeSlot = slot;
    return { status: 0 };
  }
  /** the last committed firmware image (tests check it arrived byte-exact) */
  committedImage = new Uint8Array(0);

  /** The staging image as downloaded so far. */
  get stagedImage(): Uint8Array {
    return this.fwImage;
  }
}
