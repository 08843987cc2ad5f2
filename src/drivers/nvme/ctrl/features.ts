// Get / Set Features (nvme §10; see: qemu hw/nvme/ctrl.c nvme_get_feature, nvme_set_feature),
// one table row per feature: what it holds, whether it changes, what its default is.
import * as S from '../uapi.js';

const DNR = S.NVME_SC_DNR;
/** SEL (cdw10 bits 10:8): 0 current, 1 default, 2 saved, 3 supported capabilities */
const SEL_DEFAULT = 1;
const SEL_SUPPORTED = 3;
/** capabilities dw0 bit 2: changeable */
const CAP_CHANGEABLE = 0x4;
const DEFAULT_TEMP_THRESHOLD_K = 343;

export type FeatureResult = { status: number; dw0?: number; data?: Uint8Array };

export class Features {
  tempThreshold = DEFAULT_TEMP_THRESHOLD_K;
  volatileWc = 1;

  constructor(private readonly ioQueuePairs: number, private readonly nsBlocks: number | undefined) {}

  /** Get Features: @returns status, dw0 and, for LBA Range Type, the data to transfer */
  get(cdw10: number): FeatureResult {
    const fid = cdw10 & 0xff;
    const sel = (cdw10 >>> 8) & 7;
    const changeable = fid === S.NVME_FEAT_TEMP_THRESH || fid === S.NVME_FEAT_VOLATILE_WC || fid === S.NVME_FEAT_NUM_QUEUES;
    if (![S.NVME_FEAT_LBA_RANGE, S.NVME_FEAT_TEMP_THRESH, S.NVME_FEAT_VOLATILE_WC, S.NVME_FEAT_NUM_QUEUES].includes(fid)) {
      return { status: S.NVME_SC_INVALID_FIELD | DNR };
    }
    if (sel === SEL_SUPPORTED) return { status: 0, dw0: changeable ? CAP_CHANGEABLE : 0 };
    const dflt = sel === SEL_DEFAULT;
    switch (fid) {
      case S.NVME_FEAT_TEMP_THRESH: return { status: 0, dw0: dflt ? DEFAULT_TEMP_THRESHOLD_K : this.tempThreshold };
      case S.NVME_FEAT_VOLATILE_WC: return { status: 0, dw0: dflt ? 1 : this.volatileWc };
      case S.NVME_FEAT_NUM_QUEUES: return { status: 0, dw0: this.numQueues() };
      default: return { status: 0, dw0: 0, data: this.lbaRangeData() }; // NUM: 0 = one range
    }
  }

  /** Set Features; `ioQueuesCreated` makes Number of Queues a sequence error. @returns status and dw0 */
  set(cdw10: number, cdw11: number, ioQueuesCreated: boolean): FeatureResult {
    const fid = cdw10 & 0xff;
    if (cdw10 >>> 31) return { status: S.NVME_SC_FEATURE_NOT_SAVEABLE | DNR }; // SV
    switch (fid) {
      case S.NVME_FEAT_TEMP_THRESH:
        this.tempThreshold = cdw11 & 0xffff;
        return { status: 0 };
      case S.NVME_FEAT_VOLATILE_WC:
        this.volatileWc = cdw11 & 1;
        return { status: 0 };
      case S.NVME_FEAT_NUM_QUEUES:
        if ((cdw11 & 0xffff) === 0xffff || cdw11 >>> 16 === 0xffff) return { status: S.NVME_SC_INVALID_FIELD | DNR };
        if (ioQueuesCreated) return { status: S.NVME_SC_CMD_SEQ_ERROR | DNR };
        return { status: 0, dw0: this.numQueues() };
      case S.NVME_FEAT_LBA_RANGE:
        return { status: S.NVME_SC_FEATURE_NOT_CHANGEABLE | DNR };
      default:
        return { status: S.NVME_SC_INVALID_FIELD | DNR };
    }
  }

  /** NSQA/NCQA, zero-based, in dw0's low and high halves */
  private numQueues(): number {
    const nq = this.ioQueuePairs - 1;
    return (nq | (nq << 16)) >>> 0;
  }
  private lbaRangeData(): Uint8Array {
    const b = new Uint8Array(4096);
    const v = new DataView(b.buffer);
    // one entry: type 0 (general), attributes bit 0 (may be overwritten), the whole namespace
    b[0] = 0;
    b[1] = 0x01;
    if (this.nsBlocks !== undefined) v.setBigUint64(24, BigInt(Math.max(0, this.nsBlocks - 1)), true);
    return b;
  }
}
