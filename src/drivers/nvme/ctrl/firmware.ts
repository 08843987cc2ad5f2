// The controller's firmware slots and its staging image (Firmware Image Download / Commit,
// nvme §10). The staging buffer is bounded: no guest offset makes the host allocate past
// FW_IMAGE_MAX, and pieces may not overlap (NVMe 1.3 §5.11).
import * as S from '../uapi.js';

const DNR = S.NVME_SC_DNR;
/** The largest firmware image the staging buffer takes (our controller's limit). */
export const FW_IMAGE_MAX = 16 << 20;
/** Disjoint pieces a staging image may have before further downloads are refused. */
const FW_PIECES_MAX = 1024;
/** Firmware Commit actions (CA, cdw10 bits 5:3); 0 replaces without activating */
const CA_REPLACE_ACTIVATE = 1;
const CA_ACTIVATE = 2;
const CA_REPLACE_ACTIVATE_NOW = 3;

export class Firmware {
  private readonly slots: string[];
  /** 1-based, as the firmware slot log's AFI reports it */
  activeSlot = 1;
  private buf = new Uint8Array(0);
  private len = 0;
  private pieces: Array<[number, number]> = [];
  /** the last committed image (tests check it arrived byte-exact) */
  committedImage = new Uint8Array(0);

  constructor(nrSlots: number, initial: string) {
    this.slots = Array.from({ length: Math.min(7, Math.max(1, nrSlots)) }, (_, i) => (i === 0 ? initial : ''));
  }

  get revision(): string | undefined {
    return this.slots[this.activeSlot - 1];
  }
  /** Slot revisions, '' for an empty slot (the firmware slot log). */
  get revisions(): readonly string[] {
    return this.slots;
  }
  /** The staging image as downloaded so far. */
  get staged(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /**
   * Firmware Image Download of `len` bytes at byte `off`; `fetch` reads them from the host (the
   * PRP walk) once the range is known to be acceptable. @returns an NVMe status
   */
  download(off: number, len: number, maxTransfer: number, fetch: (len: number) => Uint8Array | number): number {
    if (len > maxTransfer || off + len > FW_IMAGE_MAX) return S.NVME_SC_INVALID_FIELD | DNR;
    if (this.pieces.some(([s, e]) => off < e && off + len > s)) return S.NVME_SC_OVERLAPPING_RANGE | DNR;
    if (this.pieces.length >= FW_PIECES_MAX) return S.NVME_SC_INVALID_FIELD | DNR;
    const data = fetch(len);
    if (typeof data === 'number') return data;
    if (off + len > this.buf.length) {
      // geometric growth: a 16 MiB image in 4 KiB pieces copies ~32 MiB, not gigabytes
      const grown = new Uint8Array(Math.min(FW_IMAGE_MAX, Math.max(off + len, this.buf.length * 2)));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(data, off);
    this.len = Math.max(this.len, off + len);
    this.addPiece(off, off + len);
    return 0;
  }

  /**
   * Firmware Commit: FS (cdw10 bits 2:0; 0 = the controller's choice) and CA (bits 5:3). The
   * image's revision is its first 8 bytes (our image format; real images carry a vendor header).
   * @returns an NVMe status
   */
  commit(cdw10: number): number {
    let slot = cdw10 & 7;
    const ca = (cdw10 >>> 3) & 7;
    if (slot > this.slots.length) return S.NVME_SC_FIRMWARE_SLOT | DNR;
    if (slot === 0) slot = this.slots.length > 1 ? 2 : 1;
    if (ca === CA_ACTIVATE) {
      if (!this.slots[slot - 1]) return S.NVME_SC_FIRMWARE_IMAGE | DNR;
      this.activeSlot = slot;
      return 0;
    }
    const image = this.staged;
    if (image.length < 8) return S.NVME_SC_FIRMWARE_IMAGE | DNR;
    this.slots[slot - 1] = String.fromCharCode(...image.subarray(0, 8)).replace(/[\0 ]+$/, '');
    this.committedImage = image.slice();
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.pieces = [];
    if (ca === CA_REPLACE_ACTIVATE || ca === CA_REPLACE_ACTIVATE_NOW) this.activeSlot = slot;
    return 0;
  }

  /** Records [s, e) among the downloaded pieces, merging neighbours so in-order downloads stay one. */
  private addPiece(s: number, e: number): void {
    const p = this.pieces;
    p.push([s, e]);
    p.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i + 1 < p.length; ) {
      if (p[i]![1] === p[i + 1]![0]) p.splice(i, 2, [p[i]![0], p[i + 1]![1]]);
      else i++;
    }
  }
}
