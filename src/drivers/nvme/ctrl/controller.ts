// The emulated NVMe controller: registers, admin/IO queues in host memory, and the admin command
// set of nvme §10. It sees the host only through physical memory (queues) and a DmaPort (PRPs),
// like a device on a bus. Every guest mistake is a status, never an exception.
import * as S from '../uapi.js';
import {
  NVME_CC_ENABLE, NVME_CSTS_RDY, NVME_REG_ACQ, NVME_REG_AQA, NVME_REG_ASQ, NVME_REG_CAP, NVME_REG_CC,
  NVME_REG_CSTS, NVME_REG_DBS, NVME_REG_VS, NVME_CSTS_CFS, SQE_SIZE, capDstrd, makeCap, readSqe, type Sqe,
} from './regs.js';
import {
  activeNsList, errorLog, firmwareSlotLog, identifyController, identifyNamespace, smartLog,
  type ControllerIdentity, type ErrorEntry, type HealthState,
} from './identify.js';

import { Firmware } from './firmware.js';
import { Features } from './features.js';
import { QueueSet, postCqe } from './queues.js';

export { FW_IMAGE_MAX } from './firmware.js';

const DNR = S.NVME_SC_DNR;
/** CDW0 bits 15:14, PSDT: anything but 0 asks for SGLs, which we do not support */
const NVME_CMD_PSDT_MASK = 0xc0;
/** Identify CNS values (cdw10 bits 7:0) */
const CNS_NAMESPACE = 0x00;
const CNS_CONTROLLER = 0x01;
const CNS_ACTIVE_NS_LIST = 0x02;
/** error log entries kept (ELPE + 1) */
const ERROR_LOG_ENTRIES = 4;

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
  /**
   * bytes of written data the namespaces may hold in all (they are sparse: unwritten and zeroed
   * blocks take nothing); a write past it completes with Capacity Exceeded
   */
  storeBytes: number;
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
  private readonly queues: QueueSet;
  private readonly view: DataView;
  private readonly features: Features;
  private readonly fw: Firmware;
  /** commands that threw inside the controller (completed with Internal Error) */
  internalErrors = 0;
  lastInternalError: unknown = null;
  private errors: ErrorEntry[] = [];
  /** the Identify Controller page of the running firmware revision (it changes with nothing else) */
  private idCtrl: { rev: string; data: Uint8Array } | null = null;
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
  /** each namespace's written data: 4 KiB chunks by byte offset / 4096 (all-zero chunks dropped) */
  private readonly store: Array<Map<number, Uint8Array>>;
  private storedChunks = 0;

  constructor(readonly cfg: ControllerConfig, mem: HostMemory, public dma: DmaPort) {
    this.cap = makeCap(cfg.mqes, cfg.timeoutUnits);
    this.view = new DataView(mem.u8.buffer, mem.u8.byteOffset, mem.u8.byteLength);
    this.queues = new QueueSet(cfg.ioQueuePairs, cfg.mqes);
    this.features = new Features(cfg.ioQueuePairs, cfg.namespaces[0]?.blocks);
    this.fw = new Firmware(cfg.fwSlots, cfg.firmware);
    this.store = cfg.namespaces.map(() => new Map());
  }

  get firmwareRevision(): string {
    return this.fw.revision ?? this.cfg.firmware;
  }
  /** the last committed firmware image (tests check it arrived byte-exact) */
  get committedImage(): Uint8Array {
    return this.fw.committedImage;
  }
  /** The staging image as downloaded so far. */
  get stagedImage(): Uint8Array {
    return this.fw.staged;
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
      // enable: the admin queues come from AQA/ASQ/ACQ, which must be page aligned
      if (!this.queues.enable(this.aqa, this.asq, this.acq)) {
        this.csts |= NVME_CSTS_CFS;
        return;
      }
      this.csts = NVME_CSTS_RDY;
    } else if (!(v & NVME_CC_ENABLE) && wasOn) {
      this.queues.reset();
      this.csts = 0;
    }
  }

  private doorbell(off: number, v: number): void {
    const stride = 4 << capDstrd(this.cap);
    const idx = (off - NVME_REG_DBS) / stride;
    if (!Number.isInteger(idx)) return;
    const qid = idx >> 1;
    if (idx & 1) {
      const cq = this.queues.cqs.get(qid);
      if (cq && v < cq.size) cq.head = v;
      // space in the CQ may unblock submissions waiting on it
      for (const [sqid, sq] of this.queues.sqs) if (sq.cqid === qid) this.process(sqid);
    } else {
      const sq = this.queues.sqs.get(qid);
      if (sq && v < sq.size) {
        sq.tail = v;
        this.process(qid);
      }
    }
  }

  /** Restarts processing after a stall (late completions then reach the host). */
  unstall(): void {
    this.stalled = false;
    for (const qid of this.queues.sqs.keys()) this.process(qid);
  }

  private process(sqid: number): void {
    if (this.stalled || !(this.csts & NVME_CSTS_RDY)) return;
    const sq = this.queues.sqs.get(sqid);
    if (!sq) return;
    const cq = this.queues.cqs.get(sq.cqid)!;
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
        r = sqid === 0 ? this.execAdmin(sqe) : this.execIo(sqe);
      } catch (err) {
        // a device bug still completes the command (Internal Error), so no command id is lost
        this.internalErrors++;
        this.lastInternalError = err;
        r = { status: S.NVME_SC_INTERNAL };
      }
      if (r.status) this.logError(sqid, sqe, r.status);
      postCqe(this.view, cq, r.dw0 ?? 0, sq.head, sqid, sqe.cid, r.status);
      posted = true;
    }
    if (posted) this.irq(sq.cqid);
  }

  private logError(sqid: number, sqe: Sqe, status: number): void {
    this.errorCount++;
    this.errors.unshift({ count: this.errorCount, sqid, cid: sqe.cid, status, paramLoc: 0, lba: 0n, nsid: sqe.nsid });
    this.errors.length = Math.min(this.errors.length, ERROR_LOG_ENTRIES);
  }

  // ---- admin commands (one line per opcode) ----
  private execAdmin(c: Sqe): Result {
    // PSDT other than PRP: SGLs are not supported
    if (c.flags & NVME_CMD_PSDT_MASK) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    switch (c.opcode) {
      case S.nvme_admin_identify: return this.identify(c);
      case S.nvme_admin_get_log_page: return this.getLogPage(c);
      case S.nvme_admin_get_features: return this.getFeatures(c);
      case S.nvme_admin_set_features: return this.setFeatures(c);
      case S.nvme_admin_create_cq: return { status: this.queues.createCq(c) };
      case S.nvme_admin_create_sq: return { status: this.queues.createSq(c) };
      case S.nvme_admin_delete_sq: return { status: this.queues.deleteSq(c) };
      case S.nvme_admin_delete_cq: return { status: this.queues.deleteCq(c) };
      case S.nvme_admin_download_fw: return this.fwDownload(c);
      case S.nvme_admin_activate_fw: return { status: this.fw.commit(c.cdw10) };
      default: return { status: S.NVME_SC_INVALID_OPCODE | DNR };
    }
  }

  // ---- the NVM command set on I/O queues (QEMU nvme_rw, nvme_flush, nvme_compare) ----
  private execIo(c: Sqe): Result {
    if (c.flags & NVME_CMD_PSDT_MASK) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    const nsIdx = c.nsid - 1;
    const ns = c.nsid >= 1 ? this.cfg.namespaces[nsIdx] : undefined;
    if (c.opcode === S.nvme_cmd_flush) {
      // nothing is volatile; the broadcast NSID flushes them all
      return { status: ns || c.nsid === 0xffffffff ? 0 : S.NVME_SC_INVALID_NS | DNR };
    }
    if (c.opcode !== S.nvme_cmd_read && c.opcode !== S.nvme_cmd_write && c.opcode !== S.nvme_cmd_compare) {
      return { status: S.NVME_SC_INVALID_OPCODE | DNR };
    }
    if (!ns) return { status: S.NVME_SC_INVALID_NS | DNR };
    const nlb = (c.cdw12 & 0xffff) + 1;
    const slba = (c.cdw10 >>> 0) + (c.cdw11 >>> 0) * 2 ** 32;
    const len = nlb * 2 ** ns.lbads;
    if (len > this.mdtsBytes) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    if (slba + nlb > ns.blocks) return { status: S.NVME_SC_LBA_RANGE | DNR };
    const off = slba * 2 ** ns.lbads;
    if (c.opcode === S.nvme_cmd_read) {
      const status = this.dma.toHost(c.prp1, c.prp2, this.readStore(nsIdx, off, len));
      if (status) this.lastPrpError = this.dma.lastError ?? null;
      else this.countIo(false, len);
      return { status };
    }
    const data = this.dma.fromHost(c.prp1, c.prp2, len);
    if (typeof data === 'number') {
      this.lastPrpError = this.dma.lastError ?? null;
      return { status: data };
    }
    if (c.opcode === S.nvme_cmd_compare) {
      const have = this.readStore(nsIdx, off, len);
      return { status: have.every((b, i) => b === data[i]) ? 0 : S.NVME_SC_COMPARE_FAILED | DNR };
    }
    if (!this.writeStore(nsIdx, off, data)) return { status: S.NVME_SC_CAP_EXCEEDED | DNR };
    this.countIo(true, len);
    return { status: 0 };
  }

  private countIo(write: boolean, bytes: number): void {
    // SMART's data units are thousands of 512-byte units, rounded up
    if (write) {
      this.health.hostWrites++;
      this.health.dataUnitsWritten += Math.ceil(bytes / 512000);
    } else {
      this.health.hostReads++;
      this.health.dataUnitsRead += Math.ceil(bytes / 512000);
    }
  }

  private readStore(nsIdx: number, off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const chunks = this.store[nsIdx]!;
    for (let at = off; at < off + len; ) {
      const ci = Math.floor(at / 4096);
      const within = at - ci * 4096;
      const n = Math.min(4096 - within, off + len - at);
      const chunk = chunks.get(ci);
      if (chunk) out.set(chunk.subarray(within, within + n), at - off);
      at += n;
    }
    return out;
  }

  /** @returns false (nothing written) when the data would not fit in storeBytes */
  private writeStore(nsIdx: number, off: number, data: Uint8Array): boolean {
    const chunks = this.store[nsIdx]!;
    /** the chunks the write touches: [chunk index, offset within it, bytes, offset in data] */
    const parts: Array<[number, number, number, number]> = [];
    for (let at = off; at < off + data.length; ) {
      const ci = Math.floor(at / 4096);
      const within = at - ci * 4096;
      const n = Math.min(4096 - within, off + data.length - at);
      parts.push([ci, within, n, at - off]);
      at += n;
    }
    const zero = (from: number, n: number) => data.subarray(from, from + n).every((b) => b === 0);
    // only a chunk that is absent and gets a non-zero byte takes new space
    const fresh = parts.filter(([ci, , n, from]) => !chunks.has(ci) && !zero(from, n)).length;
    if ((this.storedChunks + fresh) * 4096 > this.cfg.storeBytes) return false;
    for (const [ci, within, n, from] of parts) {
      let chunk = chunks.get(ci);
      if (!chunk) {
        if (zero(from, n)) continue; // zeros over an absent chunk: nothing changes
        chunk = new Uint8Array(4096);
        chunks.set(ci, chunk);
        this.storedChunks++;
      }
      chunk.set(data.subarray(from, from + n), within);
      if (chunk.every((b) => b === 0)) {
        chunks.delete(ci);
        this.storedChunks--;
      }
    }
    return true;
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
      case CNS_NAMESPACE: {
        if (c.nsid === 0 || c.nsid === 0xffffffff || c.nsid > nn) return { status: S.NVME_SC_INVALID_NS | DNR };
        return this.toHost(c, identifyNamespace(this.cfg.namespaces[c.nsid - 1]!));
      }
      case CNS_CONTROLLER: {
        // the page changes only with the running firmware's revision: built once per revision
        const rev = this.firmwareRevision;
        if (this.idCtrl?.rev !== rev) this.idCtrl = { rev, data: identifyController(this.cfg, rev) };
        return this.toHost(c, this.idCtrl.data);
      }
      case CNS_ACTIVE_NS_LIST:
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
      case S.NVME_LOG_ERROR: log = errorLog(this.errors, ERROR_LOG_ENTRIES); break;
      case S.NVME_LOG_SMART: log = smartLog(this.health, this.features.tempThreshold); break;
      case S.NVME_LOG_FW_SLOT: log = firmwareSlotLog(this.fw.activeSlot, this.fw.revisions); break;
      default: return { status: S.NVME_SC_INVALID_FIELD | DNR }; // QEMU's answer, not 0x109
    }
    if (off >= log.length) return { status: S.NVME_SC_INVALID_FIELD | DNR };
    return this.toHost(c, log.subarray(off, off + Math.min(log.length - off, len)));
  }

  private getFeatures(c: Sqe): Result {
    const r = this.features.get(c.cdw10);
    if (r.status || !r.data) return r;
    return { status: this.toHost(c, r.data).status, dw0: r.dw0 };
  }
  private setFeatures(c: Sqe): Result {
    return this.features.set(c.cdw10, c.cdw11, this.queues.ioQueuesCreated);
  }

  /** Firmware Image Download: NUMD (zero-based dwords) at OFST dwords into the staging image. */
  private fwDownload(c: Sqe): Result {
    const status = this.fw.download((c.cdw11 >>> 0) * 4, (c.cdw10 >>> 0) * 4 + 4, this.mdtsBytes, (len) => {
      const data = this.dma.fromHost(c.prp1, c.prp2, len);
      if (typeof data === 'number') this.lastPrpError = this.dma.lastError ?? null;
      return data;
    });
    if (!status) this.health.hostWrites++;
    return { status };
  }
}
