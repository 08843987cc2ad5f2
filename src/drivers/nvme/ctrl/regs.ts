// Controller registers (BAR0) and queue entry layouts (nvme §8).
export const NVME_REG_CAP = 0x00;
export const NVME_REG_VS = 0x08;
export const NVME_REG_INTMS = 0x0c;
export const NVME_REG_INTMC = 0x10;
export const NVME_REG_CC = 0x14;
export const NVME_REG_CSTS = 0x1c;
export const NVME_REG_AQA = 0x24;
export const NVME_REG_ASQ = 0x28;
export const NVME_REG_ACQ = 0x30;
export const NVME_REG_DBS = 0x1000;

export const NVME_CC_ENABLE = 1 << 0;
export const NVME_CC_CSS_NVM = 0 << 4;
export const NVME_CC_MPS_SHIFT = 7;
export const NVME_CC_ARB_RR = 0 << 11;
export const NVME_CC_SHN_NONE = 0 << 14;
export const NVME_CC_IOSQES = 6 << 16;
export const NVME_CC_IOCQES = 4 << 20;
export const NVME_CSTS_RDY = 1 << 0;
export const NVME_CSTS_CFS = 1 << 1;

export const SQE_SIZE = 64;
export const CQE_SIZE = 16;

/** CAP fields: MQES 15:0 (zero-based), TO 31:24 (500 ms units), DSTRD 35:32, MPSMIN 51:48. */
export function makeCap(mqes: number, timeoutUnits: number, dstrd = 0, mpsmin = 0): bigint {
  return BigInt(mqes & 0xffff) | (BigInt(timeoutUnits & 0xff) << 24n) | (1n << 37n) /* CSS: NVM */ |
    (BigInt(dstrd & 0xf) << 32n) | (BigInt(mpsmin & 0xf) << 48n);
}
export const capMqes = (cap: bigint) => Number(cap & 0xffffn);
export const capTimeout = (cap: bigint) => Number((cap >> 24n) & 0xffn);
export const capDstrd = (cap: bigint) => Number((cap >> 32n) & 0xfn);

/** Doorbell offsets: SQ y tail at 0x1000 + (2y)(4 << DSTRD), CQ y head at 0x1000 + (2y+1)(4 << DSTRD). */
export const sqTailDoorbell = (qid: number, dstrd: number) => NVME_REG_DBS + 2 * qid * (4 << dstrd);
export const cqHeadDoorbell = (qid: number, dstrd: number) => NVME_REG_DBS + (2 * qid + 1) * (4 << dstrd);

/** The 64-byte submission queue entry, as the controller decodes it. */
export interface Sqe {
  opcode: number;
  flags: number;
  cid: number;
  nsid: number;
  cdw2: number;
  cdw3: number;
  mptr: bigint;
  prp1: bigint;
  prp2: bigint;
  cdw10: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  cdw14: number;
  cdw15: number;
}

export function readSqe(v: DataView, p: number): Sqe {
  return {
    opcode: v.getUint8(p), flags: v.getUint8(p + 1), cid: v.getUint16(p + 2, true), nsid: v.getUint32(p + 4, true),
    cdw2: v.getUint32(p + 8, true), cdw3: v.getUint32(p + 12, true), mptr: v.getBigUint64(p + 16, true),
    prp1: v.getBigUint64(p + 24, true), prp2: v.getBigUint64(p + 32, true), cdw10: v.getUint32(p + 40, true),
    cdw11: v.getUint32(p + 44, true), cdw12: v.getUint32(p + 48, true), cdw13: v.getUint32(p + 52, true),
    cdw14: v.getUint32(p + 56, true), cdw15: v.getUint32(p + 60, true),
  };
}

export function writeSqe(v: DataView, p: number, s: Sqe): void {
  v.setUint8(p, s.opcode); v.setUint8(p + 1, s.flags); v.setUint16(p + 2, s.cid, true); v.setUint32(p + 4, s.nsid, true);
  v.setUint32(p + 8, s.cdw2, true); v.setUint32(p + 12, s.cdw3, true); v.setBigUint64(p + 16, s.mptr, true);
  v.setBigUint64(p + 24, s.prp1, true); v.setBigUint64(p + 32, s.prp2, true); v.setUint32(p + 40, s.cdw10, true);
  v.setUint32(p + 44, s.cdw11, true); v.setUint32(p + 48, s.cdw12, true); v.setUint32(p + 52, s.cdw13, true);
  v.setUint32(p + 56, s.cdw14, true); v.setUint32(p + 60, s.cdw15, true);
}
