// include/uapi/linux/nvme.h (3.x) and the NVMe status codes (nvme §2, §8).
import { _IO, _IOW, _IOWR } from '../../kernel/ioctl.js';

export const NVME_IOCTL_ID = _IO('N', 0x40);
/** 0xC0484E41 */
export const NVME_IOCTL_ADMIN_CMD = _IOWR('N', 0x41, 72);
/** 0x40304E42 */
export const NVME_IOCTL_SUBMIT_IO = _IOW('N', 0x42, 48);

export interface NvmeAdminCmdFields {
  opcode: number;
  flags: number;
  rsvd1: number;
  nsid: number;
  cdw2: number;
  cdw3: number;
  metadata: bigint;
  addr: bigint;
  metadataLen: number;
  dataLen: number;
  cdw10: number;
  cdw11: number;
  cdw12: number;
  cdw13: number;
  cdw14: number;
  cdw15: number;
  timeoutMs: number;
  result: number;
}

/** struct nvme_admin_cmd: 72 bytes, little-endian, no padding (nvme §2) */
export const NvmeAdminCmd = {
  SIZE: 72,
  RESULT_OFFSET: 68,
  read(v: DataView, p = 0): NvmeAdminCmdFields {
    return {
      opcode: v.getUint8(p), flags: v.getUint8(p + 1), rsvd1: v.getUint16(p + 2, true), nsid: v.getUint32(p + 4, true),
      cdw2: v.getUint32(p + 8, true), cdw3: v.getUint32(p + 12, true), metadata: v.getBigUint64(p + 16, true),
      addr: v.getBigUint64(p + 24, true), metadataLen: v.getUint32(p + 32, true), dataLen: v.getUint32(p + 36, true),
      cdw10: v.getUint32(p + 40, true), cdw11: v.getUint32(p + 44, true), cdw12: v.getUint32(p + 48, true),
      cdw13: v.getUint32(p + 52, true), cdw14: v.getUint32(p + 56, true), cdw15: v.getUint32(p + 60, true),
      timeoutMs: v.getUint32(p + 64, true), result: v.getUint32(p + 68, true),
    };
  },
  write(v: DataView, c: Partial<NvmeAdminCmdFields>, p = 0): void {
    v.setUint8(p, c.opcode ?? 0); v.setUint8(p + 1, c.flags ?? 0); v.setUint16(p + 2, c.rsvd1 ?? 0, true);
    v.setUint32(p + 4, c.nsid ?? 0, true); v.setUint32(p + 8, c.cdw2 ?? 0, true); v.setUint32(p + 12, c.cdw3 ?? 0, true);
    v.setBigUint64(p + 16, c.metadata ?? 0n, true); v.setBigUint64(p + 24, c.addr ?? 0n, true);
    v.setUint32(p + 32, c.metadataLen ?? 0, true); v.setUint32(p + 36, c.dataLen ?? 0, true);
    v.setUint32(p + 40, c.cdw10 ?? 0, true); v.setUint32(p + 44, c.cdw11 ?? 0, true); v.setUint32(p + 48, c.cdw12 ?? 0, true);
    v.setUint32(p + 52, c.cdw13 ?? 0, true); v.setUint32(p + 56, c.cdw14 ?? 0, true); v.setUint32(p + 60, c.cdw15 ?? 0, true);
    v.setUint32(p + 64, c.timeoutMs ?? 0, true); v.setUint32(p + 68, c.result ?? 0, true);
  },
};

export interface NvmeUserIoFields {
  opcode: number;
  flags: number;
  control: number;
  /** zero-based */
  nblocks: number;
  metadata: bigint;
  addr: bigint;
  slba: bigint;
  dsmgmt: number;
  reftag: number;
  apptag: number;
  appmask: number;
}

/** struct nvme_user_io: 48 bytes, the last 4 tail padding (nvme §2) */
export const NvmeUserIo = {
  SIZE: 48,
  read(v: DataView, p = 0): NvmeUserIoFields {
    return {
      opcode: v.getUint8(p), flags: v.getUint8(p + 1), control: v.getUint16(p + 2, true), nblocks: v.getUint16(p + 4, true),
      metadata: v.getBigUint64(p + 8, true), addr: v.getBigUint64(p + 16, true), slba: v.getBigUint64(p + 24, true),
      dsmgmt: v.getUint32(p + 32, true), reftag: v.getUint32(p + 36, true), apptag: v.getUint16(p + 40, true), appmask: v.getUint16(p + 42, true),
    };
  },
  write(v: DataView, c: Partial<NvmeUserIoFields>, p = 0): void {
    v.setUint8(p, c.opcode ?? 0); v.setUint8(p + 1, c.flags ?? 0); v.setUint16(p + 2, c.control ?? 0, true);
    v.setUint16(p + 4, c.nblocks ?? 0, true); v.setBigUint64(p + 8, c.metadata ?? 0n, true); v.setBigUint64(p + 16, c.addr ?? 0n, true);
    v.setBigUint64(p + 24, c.slba ?? 0n, true); v.setUint32(p + 32, c.dsmgmt ?? 0, true); v.setUint32(p + 36, c.reftag ?? 0, true);
    v.setUint16(p + 40, c.apptag ?? 0, true); v.setUint16(p + 42, c.appmask ?? 0, true);
  },
};

// Admin opcodes (include/linux/nvme.h)
export const nvme_admin_delete_sq = 0x00;
export const nvme_admin_create_sq = 0x01;
export const nvme_admin_get_log_page = 0x02;
export const nvme_admin_delete_cq = 0x04;
export const nvme_admin_create_cq = 0x05;
export const nvme_admin_identify = 0x06;
export const nvme_admin_abort_cmd = 0x08;
export const nvme_admin_set_features = 0x09;
export const nvme_admin_get_features = 0x0a;
export const nvme_admin_activate_fw = 0x10;
export const nvme_admin_download_fw = 0x11;

// NVM command set opcodes (include/linux/nvme.h enum nvme_opcode)
export const nvme_cmd_flush = 0x00;
export const nvme_cmd_write = 0x01;
export const nvme_cmd_read = 0x02;
export const nvme_cmd_compare = 0x05;

// Status codes in the host-visible (>> 1) space; SCT in bits 10:8
export const NVME_SC_SUCCESS = 0x0;
export const NVME_SC_INVALID_OPCODE = 0x1;
export const NVME_SC_INVALID_FIELD = 0x2;
export const NVME_SC_CMDID_CONFLICT = 0x3;
export const NVME_SC_DATA_XFER_ERROR = 0x4;
export const NVME_SC_INTERNAL = 0x6;
export const NVME_SC_ABORT_REQ = 0x7;
export const NVME_SC_INVALID_NS = 0xb;
export const NVME_SC_CMD_SEQ_ERROR = 0xc;
export const NVME_SC_INVALID_PRP_OFFSET = 0x13;
export const NVME_SC_LBA_RANGE = 0x80;
export const NVME_SC_CAP_EXCEEDED = 0x81;
export const NVME_SC_COMPARE_FAILED = 0x285;
export const NVME_SC_CQ_INVALID = 0x100;
export const NVME_SC_QID_INVALID = 0x101;
export const NVME_SC_QUEUE_SIZE = 0x102;
export const NVME_SC_FIRMWARE_SLOT = 0x106;
export const NVME_SC_FIRMWARE_IMAGE = 0x107;
export const NVME_SC_INVALID_QUEUE_DELETION = 0x10c;
export const NVME_SC_INVALID_LOG_PAGE = 0x109;
export const NVME_SC_FEATURE_NOT_SAVEABLE = 0x10d;
/** Overlapping Range (NVMe 1.3): a firmware piece over bytes already downloaded */
export const NVME_SC_OVERLAPPING_RANGE = 0x114;
export const NVME_SC_FEATURE_NOT_CHANGEABLE = 0x10e;
export const NVME_SC_DNR = 0x4000;

// Feature identifiers
export const NVME_FEAT_LBA_RANGE = 0x03;
export const NVME_FEAT_TEMP_THRESH = 0x04;
export const NVME_FEAT_VOLATILE_WC = 0x06;
export const NVME_FEAT_NUM_QUEUES = 0x07;

// Log identifiers
export const NVME_LOG_ERROR = 0x01;
export const NVME_LOG_SMART = 0x02;
export const NVME_LOG_FW_SLOT = 0x03;

/** Reads a fixed-width, space-padded ASCII field (SN, MN, FR). */
export function asciiField(b: Uint8Array, off: number, len: number): string {
  return String.fromCharCode(...b.subarray(off, off + len)).replace(/[\0 ]+$/, '');
}
