// The data structures the controller hands out: Identify controller/namespace, log pages (nvme §10).
export interface NamespaceConfig {
  /** size in logical blocks */
  blocks: number;
  /** log2 of the LBA size: 9 (512 B) or 12 (4 KiB) */
  lbads: number;
}

export interface ControllerIdentity {
  vid: number;
  ssvid: number;
  serial: string;
  model: string;
  firmware: string;
  /** max transfer = 2^mdts × 4 KiB; 0 = unlimited */
  mdts: number;
  namespaces: NamespaceConfig[];
  cntlid: number;
  /** firmware slots (FRMW bits 3:1) */
  fwSlots: number;
}

function ascii(b: Uint8Array, off: number, len: number, text: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20;
}

/** Identify Controller (CNS 1), 4096 bytes. */
export function identifyController(id: ControllerIdentity, firmwareRev: string): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint16(0, id.vid, true);
  v.setUint16(2, id.ssvid, true);
  ascii(b, 4, 20, id.serial);
  ascii(b, 24, 40, id.model);
  ascii(b, 64, 8, firmwareRev);
  b[72] = 6; // RAB
  b[73] = 0x00; b[74] = 0x54; b[75] = 0x52; // IEEE OUI (QEMU's 52:54:00), LSB first
  b[76] = 0; // CMIC
  b[77] = id.mdts;
  v.setUint16(78, id.cntlid, true);
  v.setUint32(80, 0x00010100, true); // VER 1.1
  v.setUint16(256, 0x0004, true); // OACS: firmware download/commit
  b[258] = 3; // ACL
  b[259] = 3; // AERL
  b[260] = ((id.fwSlots & 7) << 1) | 0; // FRMW: slots, slot 1 read/write
  b[261] = 0x02; // LPA: command effects not supported; extended data for Get Log Page
  b[262] = 3; // ELPE: 4 error log entries
  b[263] = 0; // NPSS
  b[512] = 0x66; // SQES: 64 bytes
  b[513] = 0x44; // CQES: 16 bytes
  v.setUint32(516, id.namespaces.length, true);
  v.setUint16(520, 0x0004, true); // ONCS: Dataset Management
  b[525] = 1; // VWC present
  // power state 0: MP 25.00 W in 0.01 W units
  v.setUint16(2048, 2500, true);
  return b;
}

/** Identify Namespace (CNS 0), 4096 bytes. */
export function identifyNamespace(ns: NamespaceConfig): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(ns.blocks), true); // NSZE
  v.setBigUint64(8, BigInt(ns.blocks), true); // NCAP
  v.setBigUint64(16, BigInt(ns.blocks), true); // NUSE
  b[24] = 0; // NSFEAT
  b[25] = 0; // NLBAF: one format (zero-based)
  b[26] = 0; // FLBAS: format 0
  v.setUint16(128, 0, true); // LBAF0.MS
  b[130] = ns.lbads; // LBAF0.LBADS
  b[131] = 0; // RP: best
  return b;
}

/** Active namespace list (CNS 2): NSIDs greater than nsid, ascending, up to 1024. */
export function activeNsList(count: number, nsid: number): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  let i = 0;
  for (let id = nsid + 1; id <= count && i < 1024; id++) v.setUint32(4 * i++, id, true);
  return b;
}

export interface HealthState {
  temperatureK: number;
  powerOnHours: number;
  powerCycles: number;
  hostReads: number;
  hostWrites: number;
  dataUnitsRead: number;
  dataUnitsWritten: number;
  errors: number;
}

/** SMART / Health Information (LID 2), 512 bytes. */
export function smartLog(h: HealthState, tempThreshold: number): Uint8Array {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  b[0] = h.temperatureK > tempThreshold ? 0x02 : 0; // critical warning: temperature
  v.setUint16(1, h.temperatureK, true);
  b[3] = 100; // available spare %
  b[4] = 10; // spare threshold %
  b[5] = 0; // percentage used
  v.setBigUint64(32, BigInt(h.dataUnitsRead), true);
  v.setBigUint64(48, BigInt(h.dataUnitsWritten), true);
  v.setBigUint64(64, BigInt(h.hostReads), true);
  v.setBigUint64(80, BigInt(h.hostWrites), true);
  v.setBigUint64(112, BigInt(h.powerCycles), true);
  v.setBigUint64(128, BigInt(h.powerOnHours), true);
  v.setBigUint64(160, BigInt(h.errors), true); // media and data integrity errors
  v.setBigUint64(176, BigInt(h.errors), true); // number of error information log entries
  return b;
}

/** Firmware Slot Information (LID 3), 512 bytes: AFI then FRS1..FRS7 (8 ASCII bytes each). */
export function firmwareSlotLog(activeSlot: number, slots: readonly string[]): Uint8Array {
  const b = new Uint8Array(512);
  b[0] = activeSlot & 7;
  slots.forEach((rev, i) => rev && ascii(b, 8 + 8 * i, 8, rev));
  return b;
}

export interface ErrorEntry {
  count: bigint;
  sqid: number;
  cid: number;
  status: number;
  paramLoc: number;
  lba: bigint;
  nsid: number;
}

/** Error Information (LID 1): 64 bytes per entry, newest first. */
export function errorLog(entries: readonly ErrorEntry[], n: number): Uint8Array {
  const b = new Uint8Array(64 * n);
  const v = new DataView(b.buffer);
  entries.slice(0, n).forEach((e, i) => {
    const p = 64 * i;
    v.setBigUint64(p, e.count, true);
    v.setUint16(p + 8, e.sqid, true);
    v.setUint16(p + 10, e.cid, true);
    v.setUint16(p + 12, (e.status << 1) & 0xffff, true);
    v.setUint16(p + 14, e.paramLoc, true);
    v.setBigUint64(p + 16, e.lba, true);
    v.setUint32(p + 24, e.nsid, true);
  });
  return b;
}
