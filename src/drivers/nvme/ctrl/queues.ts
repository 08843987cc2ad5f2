// The controller's submission and completion queues: the admin pair from AQA/ASQ/ACQ at enable,
// I/O queues from Create/Delete I/O SQ/CQ (nvme §8, §10), and the CQE a completion posts.
import * as S from '../uapi.js';
import { CQE_SIZE, type Sqe } from './regs.js';

const DNR = S.NVME_SC_DNR;
/** Create I/O CQ/SQ cdw11 bit 0: PC, physically contiguous (the only kind we take) */
const QUEUE_PHYS_CONTIG = 1;
const PAGE_MASK = 0xfffn;

export interface SubQueue {
  base: number;
  size: number;
  head: number;
  tail: number;
  cqid: number;
}
export interface CompQueue {
  base: number;
  size: number;
  tail: number;
  phase: number;
  /** entries the host has released (CQ head doorbell) */
  head: number;
}

export class QueueSet {
  readonly sqs = new Map<number, SubQueue>();
  readonly cqs = new Map<number, CompQueue>();
  /** an I/O queue exists: Number of Queues may no longer change */
  ioQueuesCreated = false;

  constructor(private readonly maxIoPairs: number, private readonly mqes: number) {}

  /** CC.EN 0→1: the admin queues come from AQA/ASQ/ACQ. @returns false when ASQ/ACQ are unusable (CFS) */
  enable(aqa: number, asq: bigint, acq: bigint): boolean {
    if (asq & PAGE_MASK || acq & PAGE_MASK || !asq || !acq) return false;
    this.reset();
    this.cqs.set(0, { base: Number(acq), size: ((aqa >>> 16) & 0xfff) + 1, tail: 0, phase: 1, head: 0 });
    this.sqs.set(0, { base: Number(asq), size: (aqa & 0xfff) + 1, head: 0, tail: 0, cqid: 0 });
    return true;
  }
  reset(): void {
    this.sqs.clear();
    this.cqs.clear();
    this.ioQueuesCreated = false;
  }

  private args(c: Sqe): { qid: number; size: number } | number {
    const qid = c.cdw10 & 0xffff;
    const size = (c.cdw10 >>> 16) + 1;
    if (qid === 0 || qid > this.maxIoPairs) return S.NVME_SC_QID_INVALID | DNR;
    if (size < 2 || size > (this.mqes & 0xffff) + 1) return S.NVME_SC_QUEUE_SIZE | DNR;
    if (c.prp1 & PAGE_MASK || c.prp1 === 0n) return S.NVME_SC_INVALID_PRP_OFFSET | DNR;
    if (!(c.cdw11 & QUEUE_PHYS_CONTIG)) return S.NVME_SC_INVALID_FIELD | DNR;
    return { qid, size };
  }
  /** @returns an NVMe status */
  createCq(c: Sqe): number {
    const a = this.args(c);
    if (typeof a === 'number') return a;
    if (this.cqs.has(a.qid)) return S.NVME_SC_QID_INVALID | DNR;
    this.cqs.set(a.qid, { base: Number(c.prp1), size: a.size, tail: 0, phase: 1, head: 0 });
    this.ioQueuesCreated = true;
    return 0;
  }
  createSq(c: Sqe): number {
    const a = this.args(c);
    if (typeof a === 'number') return a;
    if (this.sqs.has(a.qid)) return S.NVME_SC_QID_INVALID | DNR;
    const cqid = c.cdw11 >>> 16;
    if (cqid === 0 || !this.cqs.has(cqid)) return S.NVME_SC_CQ_INVALID | DNR;
    this.sqs.set(a.qid, { base: Number(c.prp1), size: a.size, head: 0, tail: 0, cqid });
    this.ioQueuesCreated = true;
    return 0;
  }
  deleteSq(c: Sqe): number {
    const qid = c.cdw10 & 0xffff;
    if (qid === 0 || !this.sqs.has(qid)) return S.NVME_SC_QID_INVALID | DNR;
    this.sqs.delete(qid);
    return 0;
  }
  deleteCq(c: Sqe): number {
    const qid = c.cdw10 & 0xffff;
    if (qid === 0 || !this.cqs.has(qid)) return S.NVME_SC_QID_INVALID | DNR;
    if ([...this.sqs.values()].some((s) => s.cqid === qid)) return S.NVME_SC_INVALID_QUEUE_DELETION | DNR;
    this.cqs.delete(qid);
    return 0;
  }
}

/** Posts one completion queue entry and advances the tail (the phase flips at each wrap). */
export function postCqe(view: DataView, cq: CompQueue, dw0: number, sqHead: number, sqid: number, cid: number, status: number): void {
  const p = cq.base + cq.tail * CQE_SIZE;
  view.setUint32(p, dw0 >>> 0, true);
  view.setUint32(p + 4, 0, true);
  view.setUint16(p + 8, sqHead, true);
  view.setUint16(p + 10, sqid, true);
  view.setUint16(p + 12, cid, true);
  // DW3 bits 31:17 status, bit 16 the phase tag
  view.setUint16(p + 14, ((status << 1) | cq.phase) & 0xffff, true);
  cq.tail = (cq.tail + 1) % cq.size;
  if (cq.tail === 0) cq.phase ^= 1;
}
