import { describe, it, expect, beforeEach } from 'vitest';
import { PhysMem } from '../../src/kernel/mm.js';
import { VirtualClock } from '../../src/kernel/sched.js';
import { NvmeController, type DmaPort } from '../../src/drivers/nvme/ctrl/controller.js';
import { NvmeQueue } from '../../src/drivers/nvme/queue.js';
import {
  NVME_REG_AQA, NVME_REG_ASQ, NVME_REG_ACQ, NVME_REG_CC, NVME_REG_CSTS, NVME_CC_ENABLE, capMqes, capTimeout, sqTailDoorbell, cqHeadDoorbell,
} from '../../src/drivers/nvme/ctrl/regs.js';
import { asciiField } from '../../src/drivers/nvme/uapi.js';

// A test double for the dma engine: PRP1 names one physically contiguous buffer (PRP2 unused),
// enough to exercise the controller's command logic apart from PRP walking.
function contiguousPort(phys: PhysMem): DmaPort {
  return {
    toHost(prp1, _prp2, data) {
      phys.u8.set(data, Number(prp1));
      return 0;
    },
    fromHost(prp1, _prp2, len) {
      return phys.u8.slice(Number(prp1), Number(prp1) + len);
    },
  };
}

const cfg = {
  vid: 0x1b36, ssvid: 0x1af4, serial: 'SN123', model: 'Model X', firmware: '1.0', mdts: 5,
  namespaces: [{ blocks: 1000, lbads: 9 }, { blocks: 0, lbads: 12 }], cntlid: 0, fwSlots: 3, mqes: 2047, timeoutUnits: 20, ioQueuePairs: 4,
};

let phys: PhysMem;
let ctrl: NvmeController;
let q: NvmeQueue;
let clock: VirtualClock;
let buf: number;
const blank = { opcode: 0, flags: 0, cid: 0, nsid: 0, cdw2: 0, cdw3: 0, mptr: 0n, prp1: 0n, prp2: 0n, cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0 };

beforeEach(() => {
  phys = new PhysMem(8, 1);
  clock = new VirtualClock();
  ctrl = new NvmeController(cfg, phys, contiguousPort(phys));
  q = new NvmeQueue(0, 64, phys.allocFrame(), phys.allocFrame(), phys, ctrl, 0);
  ctrl.irq = () => q.processCq();
  ctrl.writeReg32(NVME_REG_AQA, 63 | (63 << 16));
  ctrl.writeReg64(NVME_REG_ASQ, BigInt(q.sqPhys));
  ctrl.writeReg64(NVME_REG_ACQ, BigInt(q.cqPhys));
  ctrl.writeReg32(NVME_REG_CC, NVME_CC_ENABLE | (6 << 16) | (4 << 20));
  // a physically contiguous 8 KiB data buffer for the double: two adjacent frames would be luck,
  // so use the reserved low area, which the frame allocator never hands out
  buf = 0x10000;
});
const cmd = (c: Partial<typeof blank>) => q.submitSync({ ...blank, prp1: BigInt(buf), ...c }, 1000, clock, null);

describe('registers and bring-up (nvme §8)', () => {
  it('CAP/CSTS after enable; doorbell offsets with DSTRD 0', () => {
    expect(capMqes(ctrl.cap)).toBe(2047);
    expect(capTimeout(ctrl.cap)).toBe(20);
    expect(ctrl.readReg32(NVME_REG_CSTS) & 1).toBe(1);
    expect(sqTailDoorbell(0, 0)).toBe(0x1000);
    expect(cqHeadDoorbell(0, 0)).toBe(0x1004);
    expect(sqTailDoorbell(1, 1)).toBe(0x1000 + 2 * 8);
  });
});

describe('Identify (nvme §10)', () => {
  it('CNS 1 returns the controller structure', async () => {
    expect((await cmd({ opcode: 6, cdw10: 1 })).status).toBe(0);
    const b = phys.u8.subarray(buf, buf + 4096);
    expect(b[0] | (b[1]! << 8)).toBe(0x1b36);
    expect(asciiField(b, 4, 20)).toBe('SN123');
    expect(asciiField(b, 24, 40)).toBe('Model X');
    expect(asciiField(b, 64, 8)).toBe('1.0');
    expect(b[77]).toBe(5);
    expect(new DataView(b.buffer, buf).getUint32(516, true)).toBe(2);
  });
  it('CNS 0 on NSID 0 → 0x400B; on NSID 0xFFFFFFFF → 0x400B; CNS 9 → 0x4002', async () => {
    expect((await cmd({ opcode: 6, cdw10: 0, nsid: 0 })).status).toBe(0x400b);
    expect((await cmd({ opcode: 6, cdw10: 0, nsid: 0xffffffff })).status).toBe(0x400b);
    expect((await cmd({ opcode: 6, cdw10: 0, nsid: 3 })).status).toBe(0x400b);
    expect((await cmd({ opcode: 6, cdw10: 9 })).status).toBe(0x4002);
  });
  it('CNS 0 gives NSZE and LBADS; CNS 2 lists active NSIDs above nsid', async () => {
    await cmd({ opcode: 6, cdw10: 0, nsid: 1 });
    const v = new DataView(phys.u8.buffer, buf);
    expect(v.getBigUint64(0, true)).toBe(1000n);
    expect(phys.u8[buf + 130]).toBe(9);
    await cmd({ opcode: 6, cdw10: 2, nsid: 0 });
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)]).toEqual([1, 2, 0]);
    expect((await cmd({ opcode: 6, cdw10: 2, nsid: 0xfffffffe })).status).toBe(0x400b);
  });
  it('an unknown opcode → Invalid Opcode | DNR; SGL PSDT → Invalid Field | DNR', async () => {
    expect((await cmd({ opcode: 0x7f })).status).toBe(0x4001);
    expect((await cmd({ opcode: 6, cdw10: 1, flags: 0x40 })).status).toBe(0x4002);
  });
});

describe('Get Log Page (nvme §10, edge 12)', () => {
  it('512 bytes of SMART with NUMDL 127', async () => {
    phys.u8.fill(0xee, buf, buf + 1024);
    expect((await cmd({ opcode: 2, cdw10: 2 | (127 << 16) })).status).toBe(0);
    expect(new DataView(phys.u8.buffer, buf).getUint16(1, true)).toBe(310);
    expect(phys.u8[buf + 511]).toBe(0);
    expect(phys.u8[buf + 512]).toBe(0xee);
  });
  it('unaligned offset → 0x4002; offset past the log → 0x4002; unknown LID → 0x4002 (QEMU)', async () => {
    expect((await cmd({ opcode: 2, cdw10: 2 | (127 << 16), cdw12: 2 })).status).toBe(0x4002);
    expect((await cmd({ opcode: 2, cdw10: 2 | (127 << 16), cdw12: 512 })).status).toBe(0x4002);
    expect((await cmd({ opcode: 2, cdw10: 0x7e | (127 << 16) })).status).toBe(0x4002);
  });
  it('an offset inside the log moves only what is left', async () => {
    phys.u8.fill(0xee, buf, buf + 1024);
    expect((await cmd({ opcode: 2, cdw10: 3 | (127 << 16), cdw12: 8 })).status).toBe(0);
    expect(String.fromCharCode(phys.u8[buf]!, phys.u8[buf + 1]!, phys.u8[buf + 2]!)).toBe('1.0');
    expect(phys.u8[buf + 504]).toBe(0xee);
  });
});

describe('Features (nvme §10, edge 12)', () => {
  it('Number of Queues: 0xFFFF → 0x4002; a grant in DW0; after an I/O queue → 0x400C', async () => {
    expect((await cmd({ opcode: 9, cdw10: 7, cdw11: 0xffff })).status).toBe(0x4002);
    expect((await cmd({ opcode: 9, cdw10: 7, cdw11: 0xffff0000 })).status).toBe(0x4002);
    const r = await cmd({ opcode: 9, cdw10: 7, cdw11: 0x00010001 });
    expect(r).toEqual({ status: 0, result: 3 | (3 << 16) });
    const cqFrame = phys.allocFrame();
    expect((await cmd({ opcode: 5, prp1: BigInt(cqFrame * 4096), cdw10: 1 | (15 << 16), cdw11: 1 })).status).toBe(0);
    expect((await cmd({ opcode: 9, cdw10: 7, cdw11: 0 })).status).toBe(0x400c);
  });
  it('temperature threshold and volatile write cache round-trip; SV → 0x410D; sel 3 reports changeable', async () => {
    expect((await cmd({ opcode: 9, cdw10: 4, cdw11: 350 })).status).toBe(0);
    expect((await cmd({ opcode: 10, cdw10: 4 })).result).toBe(350);
    expect((await cmd({ opcode: 10, cdw10: 4 | (1 << 8) })).result).toBe(343);
    expect((await cmd({ opcode: 9, cdw10: 6, cdw11: 0 })).status).toBe(0);
    expect((await cmd({ opcode: 10, cdw10: 6 })).result).toBe(0);
    expect((await cmd({ opcode: 9, cdw10: 4 | 0x80000000, cdw11: 1 })).status).toBe(0x410d);
    expect((await cmd({ opcode: 10, cdw10: 4 | (3 << 8) })).result).toBe(4);
    expect((await cmd({ opcode: 10, cdw10: 0x55 })).status).toBe(0x4002);
  });
});

describe('queues (nvme §7, §10, edge 10)', () => {
  it('create CQ/SQ validation: QID 0, size 0, unaligned PRP1, PC clear, unknown CQ', async () => {
    const f = BigInt(phys.allocFrame() * 4096);
    expect((await cmd({ opcode: 5, prp1: f, cdw10: 0 | (15 << 16), cdw11: 1 })).status).toBe(0x4101);
    expect((await cmd({ opcode: 5, prp1: f, cdw10: 1 | (0 << 16), cdw11: 1 })).status).toBe(0x4102);
    expect((await cmd({ opcode: 5, prp1: f + 8n, cdw10: 1 | (15 << 16), cdw11: 1 })).status).toBe(0x4013);
    expect((await cmd({ opcode: 5, prp1: f, cdw10: 1 | (15 << 16), cdw11: 0 })).status).toBe(0x4002);
    expect((await cmd({ opcode: 1, prp1: f, cdw10: 1 | (15 << 16), cdw11: 1 | (2 << 16) })).status).toBe(0x4100);
  });
  it('the CQ phase flips after 64 completions and ids are reused after completion', async () => {
    for (let i = 0; i < 130; i++) expect((await cmd({ opcode: 10, cdw10: 4 })).status).toBe(0);
    expect(q.cqPhase).toBe(1 ^ (Math.floor(130 / 64) & 1));
    expect(q.cqHead).toBe(130 % 64);
    expect(q.outstanding).toBe(0);
  });
  it('63 ids at most: the 64th command waits for a free id (nvme §7)', async () => {
    ctrl.stalled = true;
    const pending = Array.from({ length: 64 }, () => cmd({ opcode: 10, cdw10: 4 }));
    await Promise.resolve();
    expect(q.outstanding).toBe(63);
    ctrl.unstall();
    const all = await Promise.all(pending);
    expect(all.every((r) => r.status === 0)).toBe(true);
  });
  it('a timeout returns -EINTR, and the late completion for that id is ignored (nvme §7, edge 7)', async () => {
    ctrl.stalled = true;
    const r = cmd({ opcode: 10, cdw10: 4 });
    await clock.advance(1000);
    expect(await r).toEqual({ status: -4, result: 0 });
    ctrl.unstall();
    expect(q.outstanding).toBe(0);
    expect((await cmd({ opcode: 10, cdw10: 4 })).result).toBe(343);
  });
});

describe('firmware (issue 5)', () => {
  it('download in two pieces, commit with activate: FR and the slot log show the new revision', async () => {
    // Identify before: the page of revision 1.0 (the controller keeps it until the revision changes)
    await cmd({ opcode: 6, cdw10: 1 });
    expect(asciiField(phys.u8, buf + 64, 8)).toBe('1.0');
    const img = new Uint8Array(8192).map((_, i) => (i * 7) & 0xff);
    img.set([0x32, 0x2e, 0x30, 0x20, 0x20, 0x20, 0x20, 0x20]);
    phys.u8.set(img.subarray(0, 4096), buf);
    expect((await cmd({ opcode: 0x11, cdw10: 1023, cdw11: 0 })).status).toBe(0);
    phys.u8.set(img.subarray(4096), buf);
    expect((await cmd({ opcode: 0x11, cdw10: 1023, cdw11: 1024 })).status).toBe(0);
    expect((await cmd({ opcode: 0x10, cdw10: 2 | (1 << 3) })).status).toBe(0);
    expect(ctrl.committedImage).toEqual(img);
    expect(ctrl.firmwareRevision).toBe('2.0');
    await cmd({ opcode: 6, cdw10: 1 });
    expect(asciiField(phys.u8, buf + 64, 8)).toBe('2.0');
    await cmd({ opcode: 2, cdw10: 3 | (127 << 16) });
    expect(phys.u8[buf]).toBe(2);
    expect(asciiField(phys.u8, buf + 8, 8)).toBe('1.0');
    expect(asciiField(phys.u8, buf + 16, 8)).toBe('2.0');
  });
  it('commit without an image → 0x4107; slot 5 of 3 → 0x4106; a transfer above MDTS → 0x4002', async () => {
    expect((await cmd({ opcode: 0x10, cdw10: 2 | (1 << 3) })).status).toBe(0x4107);
    expect((await cmd({ opcode: 0x10, cdw10: 5 | (1 << 3) })).status).toBe(0x4106);
    expect((await cmd({ opcode: 0x11, cdw10: (2 ** 5 * 4096) / 4, cdw11: 0 })).status).toBe(0x4002);
  });
});
