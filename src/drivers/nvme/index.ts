// Linux 3.13 drivers/block/nvme-core.c: one misc device "nvme<instance>" per controller with
// NVME_IOCTL_ADMIN_CMD, a kref lifetime that outlives PCI removal while an fd is open, the
// emulated controller it talks to (nvme §1–§10), and a disk per namespace (ns.ts).
import { defineModule, type ModuleApi } from '../../kernel/module.js';
import { EINVAL, EIO, ENODEV, ENOMEM, ENOTTY, isErr } from '../../kernel/errno.js';
import { MISC_DYNAMIC_MINOR, type MiscDevice } from '../../kernel/misc.js';
import { createClasses, addController as addSysfs, removeController as removeSysfs, type NvmeSysfs, type NvmeSysfsDevs } from './sysfs.js';
import type { Device } from '../../kernel/device.js';
import type { Ida } from '../../kernel/ida.js';
import type { Kref } from '../../kernel/kref.js';
import type { FileOperations } from '../../kernel/vfs.js';
import * as S from './uapi.js';
import { NvmeController, type ControllerConfig } from './ctrl/controller.js';
import {
  NVME_CC_ENABLE, NVME_CC_IOCQES, NVME_CC_IOSQES, NVME_CSTS_RDY, NVME_REG_ACQ, NVME_REG_AQA, NVME_REG_ASQ, NVME_REG_CC,
  NVME_REG_CSTS, capDstrd,
} from './ctrl/regs.js';
import { NvmeQueue } from './queue.js';
import { nvmeUserAdminCmd, ADMIN_TIMEOUT_MS, type AdminCmdContext } from './ioctl.js';
import { addNamespaces, removeNamespaces, type NsHost, type NvmeNs } from './ns.js';
import { createDmaBinding, type DmaBinding } from './dma.js';
import { NVME_TRACE } from './trace.js';
import type { NamespaceConfig } from './ctrl/identify.js';
import type { EngineSource } from '../../wasm/instance.js';

const ADMIN_DEPTH = 64;

/** struct nvme_dev */
export interface NvmeDev {
  instance: number;
  name: string;
  kref: Kref;
  misc: MiscDevice;
  pci: Device;
  ctrl: NvmeController;
  adminq: NvmeQueue;
  ioq: NvmeQueue | null;
  dma: DmaBinding;
  frames: number[];
  removed: boolean;
  freed: boolean;
  /** the class and subsystem devices (classSysfs) */
  sysfs: NvmeSysfsDevs | null;
  /** the namespaces' disks (nvme<instance>n<nsid>) */
  ns: NvmeNs[];
}

export interface NvmeApi {
  /** controllers by instance number */
  readonly devs: Map<number, NvmeDev>;
  /** PCI hot-removal: misc_deregister + kref_put; open fds keep the device until they close */
  removeController(instance: number): void;
  /** probes another controller; @returns its instance number or -errno */
  addController(overrides?: Partial<ControllerConfig>): Promise<number>;
}

const defaultParams = {
  vid: 0x1b36,
  ssvid: 0x1af4,
  serial: 'VCHARDEV0001',
  model: 'vchardev NVMe Ctrl',
  firmware: '1.0',
  /** max transfer 2^mdts × 4 KiB (11 → 8 MiB); 0 = unlimited */
  mdts: 11,
  /** namespaces: [{ blocks, lbads }] */
  namespaces: [{ blocks: 0x200000, lbads: 9 }] as NamespaceConfig[] | object,
  mqes: 2047,
  timeoutUnits: 20,
  ioQueuePairs: 4,
  fwSlots: 3,
  /** dma pool sizes, so tests can exhaust them */
  smallPoolBlocks: 256,
  pagePoolPages: 1024,
  /** MiB of written blocks the namespaces hold in all (they are sparse); past it, Capacity Exceeded */
  storeMiB: 64,
  build: 'release' as 'release' | 'test',
  /** the dma engine's .wasm when not the package's build/ (a bundler's asset URL, a CDN, a compiled Module) */
  engine: null as EngineSource | null,
  /**
   * proposal: also the sysfs of later kernels (class nvme, class nvme-subsystem), which
   * nvme-cli's `nvme list` scans; 3.13 has neither, so it is off by default
   */
  classSysfs: false,
};
type K = ModuleApi<typeof defaultParams>;

interface NvmeState {
  ida: Ida;
  /** register_blkdev(0, "nvme") */
  major: number;
  devs: Map<number, NvmeDev>;
  sysfs: NvmeSysfs | null;
}

function controllerConfig(p: typeof defaultParams, overrides: Partial<ControllerConfig> = {}, instance = 0): ControllerConfig {
  return {
    vid: p.vid, ssvid: p.ssvid, serial: p.serial, model: p.model, firmware: p.firmware, mdts: p.mdts,
    namespaces: p.namespaces as NamespaceConfig[], cntlid: instance, fwSlots: p.fwSlots, mqes: p.mqes,
    timeoutUnits: p.timeoutUnits, ioQueuePairs: p.ioQueuePairs, storeBytes: p.storeMiB * 2 ** 20, ...overrides,
  };
}

// see: nvme-core.c nvme_free_dev — the last kref_put tears everything down
function freeDev(k: K, dev: NvmeDev): void {
  const st = k.state as NvmeState;
  dev.freed = true;
  dev.ctrl.writeReg32(NVME_REG_CC, 0);
  // disabled, the controller can touch no buffer any more: cancelled commands release theirs
  dev.adminq.reset();
  dev.ioq?.reset();
  dev.dma.dispose();
  for (const f of dev.frames) k.putPage(f);
  k.deviceUnregister(dev.pci);
  st.ida.free(dev.instance);
  st.devs.delete(dev.instance);
  k.prInfo(`nvme ${dev.name}: freed`);
}

function adminContext(k: K, dev: NvmeDev): AdminCmdContext {
  return {
    adminq: dev.adminq, clock: k.clock, mapUser: dev.dma.mapUser,
    trace: (name, fields) => k.trace(name, { dev: dev.name, ...fields }),
  };
}

function nvmeDevFops(k: K): FileOperations {
  return {
    // see: nvme-core.c nvme_dev_open — container_of the misc device, take a reference
    open(_inode, file) {
      const dev = (file.privateData as MiscDevice & { nvme: NvmeDev }).nvme;
      dev.kref.get();
      file.privateData = dev;
      return 0;
    },
    release(_inode, file) {
      const dev = file.privateData as NvmeDev;
      dev.kref.put(() => freeDev(k, dev));
      return 0;
    },
    unlockedIoctl(file, cmd, arg, cur) {
      const dev = file.privateData as NvmeDev;
      switch (cmd) {
        case S.NVME_IOCTL_ADMIN_CMD:
          return nvmeUserAdminCmd(adminContext(k, dev), arg, cur);
        default:
          k.trace(NVME_TRACE.errUnknownIoctl, { dev: dev.name, cmd });
          return -ENOTTY;
      }
    },
  };
}

const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const isText = (v: unknown, max: number) => typeof v === 'string' && v.length <= max && /^[\x20-\x7e]*$/.test(v);

/**
 * What a controller is made from, checked before anything is made (module parameters and
 * addController's overrides alike): @returns null, or why it is refused (-EINVAL)
 */
function badConfig(c: Record<string, unknown>): string | null {
  if (!isInt(c.vid, 0, 0xffff) || !isInt(c.ssvid, 0, 0xffff)) return 'vid and ssvid are 16-bit';
  // Identify Controller's fields: SN 20, MN 40 and FR 8 ASCII characters
  if (!isText(c.serial, 20) || !isText(c.model, 40) || !isText(c.firmware, 8)) return 'serial, model and firmware are ASCII of at most 20, 40 and 8 characters';
  if (!isInt(c.mdts, 0, 20)) return 'mdts is 0 (unlimited) to 20';
  if (!Array.isArray(c.namespaces) || c.namespaces.length > 16) return 'namespaces is an array of at most 16';
  for (const ns of c.namespaces as unknown[]) {
    const n = ns as Partial<NamespaceConfig> | null;
    if (!n || typeof n !== 'object' || !isInt(n.blocks, 1, 2 ** 40) || !isInt(n.lbads, 9, 12)) return 'a namespace is { blocks: 1..2^40, lbads: 9..12 }';
  }
  if (!isInt(c.mqes, 1, 0xffff)) return 'mqes is 1..65535 (zero-based queue entries)';
  if (!isInt(c.timeoutUnits, 1, 0xff)) return 'timeoutUnits is 1..255';
  if (!isInt(c.ioQueuePairs, 1, 64)) return 'ioQueuePairs is 1..64';
  if (!isInt(c.fwSlots, 1, 7)) return 'fwSlots is 1..7';
  if ('cntlid' in c && !isInt(c.cntlid, 0, 0xffff)) return 'cntlid is 16-bit';
  if ('storeBytes' in c && !isInt(c.storeBytes, 0, 4096 * 2 ** 20)) return 'storeBytes is 0..4 GiB';
  return null;
}

/** The module's own parameters (the controller's are badConfig's). */
function badParams(p: typeof defaultParams): string | null {
  if (!isInt(p.storeMiB, 0, 4096)) return 'storeMiB is 0..4096';
  if (!isInt(p.smallPoolBlocks, 1, 65536) || !isInt(p.pagePoolPages, 1, 65536)) return 'smallPoolBlocks and pagePoolPages are 1..65536';
  if (p.build !== 'release' && p.build !== 'test') return "build is 'release' or 'test'";
  const e = p.engine as unknown;
  if (!(e === null || typeof e === 'string' || e instanceof URL || e instanceof ArrayBuffer || ArrayBuffer.isView(e) || e instanceof WebAssembly.Module)) return 'engine is a WebAssembly.Module, bytes or a URL';
  if (typeof p.classSysfs !== 'boolean') return 'classSysfs is a boolean';
  return badConfig(p as unknown as Record<string, unknown>);
}

async function probe(k: K, overrides?: Partial<ControllerConfig>): Promise<number> {
  const st = k.state as NvmeState;
  const params = k.params;
  if (overrides !== undefined) {
    const why = overrides === null || typeof overrides !== 'object' ? 'overrides are an object' : badConfig({ ...params, ...overrides });
    if (why) {
      k.prErr(`nvme: addController: ${why}`);
      return -EINVAL;
    }
  }
  const instance = st.ida.alloc();
  if (instance < 0) return instance;
  const pci = k.deviceRegister(`0000:00:${(4 + instance).toString(16).padStart(2, '0')}.0`, null, 'pci0000:00');
  if (isErr(pci)) {
    st.ida.free(instance);
    return pci;
  }
  const phys = k.phys;
  const frames: number[] = [];
  const frame = () => {
    const f = k.allocPage();
    if (f > 0) frames.push(f);
    return f;
  };
  const sqFrame = frame();
  const cqFrame = frame();
  const fail = (err: number) => {
    for (const f of frames) k.putPage(f);
    k.deviceUnregister(pci);
    st.ida.free(instance);
    return err;
  };
  if (sqFrame < 0 || cqFrame < 0) return fail(-ENOMEM);
  const dma = await createDmaBinding(k, { build: params.build, engine: params.engine, smallPoolBlocks: params.smallPoolBlocks, pagePoolPages: params.pagePoolPages });
  if (typeof dma === 'number') return fail(dma);
  let ctrl: NvmeController;
  try {
    ctrl = new NvmeController(controllerConfig(params, overrides, instance), phys, dma.port);
  } catch (err) {
    // checked above, so a bug: what probe made so far goes back before the oops
    dma.dispose();
    fail(-EIO);
    throw err;
  }
  const dstrd = capDstrd(ctrl.cap);
  const adminq = new NvmeQueue(0, ADMIN_DEPTH, sqFrame, cqFrame, phys, ctrl, dstrd);
  let ioq: NvmeQueue | null = null;
  ctrl.irq = (cqid) => {
    if (cqid === 0) adminq.processCq();
    else if (cqid === ioq?.qid) ioq.processCq();
  };
  // see: nvme-core.c nvme_configure_admin_queue
  ctrl.writeReg32(NVME_REG_CC, 0);
  ctrl.writeReg32(NVME_REG_AQA, (ADMIN_DEPTH - 1) | ((ADMIN_DEPTH - 1) << 16));
  ctrl.writeReg64(NVME_REG_ASQ, BigInt(adminq.sqPhys));
  ctrl.writeReg64(NVME_REG_ACQ, BigInt(adminq.cqPhys));
  ctrl.writeReg32(NVME_REG_CC, NVME_CC_ENABLE | NVME_CC_IOSQES | NVME_CC_IOCQES);
  if (!(ctrl.readReg32(NVME_REG_CSTS) & NVME_CSTS_RDY)) {
    dma.dispose();
    return fail(-ENODEV);
  }
  const name = `nvme${instance}`;
  const dev: NvmeDev = {
    instance, name, kref: k.krefInit(), pci, ctrl, adminq, ioq: null, dma, frames, removed: false, freed: false,
    misc: null!, sysfs: null, ns: [],
  };
  // see: nvme-core.c nvme_setup_io_queues — ask for one queue per CPU, then create one pair
  const admin = (sqe: Partial<Parameters<NvmeQueue['submitSync']>[0]>) => adminq.submitSync({
    opcode: 0, flags: 0, cid: 0, nsid: 0, cdw2: 0, cdw3: 0, mptr: 0n, prp1: 0n, prp2: 0n,
    cdw10: 0, cdw11: 0, cdw12: 0, cdw13: 0, cdw14: 0, cdw15: 0, ...sqe,
  }, ADMIN_TIMEOUT_MS, k.clock, null);
  const nq = await admin({ opcode: S.nvme_admin_set_features, cdw10: S.NVME_FEAT_NUM_QUEUES, cdw11: 0 });
  if (nq.status === 0) {
    const ioSq = frame();
    const ioCq = frame();
    if (ioSq > 0 && ioCq > 0) {
      const cq = await admin({ opcode: S.nvme_admin_create_cq, prp1: BigInt(ioCq * 4096), cdw10: 1 | ((ADMIN_DEPTH - 1) << 16), cdw11: 1 | (1 << 1) });
      const sq = await admin({ opcode: S.nvme_admin_create_sq, prp1: BigInt(ioSq * 4096), cdw10: 1 | ((ADMIN_DEPTH - 1) << 16), cdw11: 1 | (1 << 16) });
      if (cq.status === 0 && sq.status === 0) dev.ioq = ioq = new NvmeQueue(1, ADMIN_DEPTH, ioSq, ioCq, phys, ctrl, dstrd);
    }
  }
  const misc: MiscDevice & { nvme: NvmeDev } = { minor: MISC_DYNAMIC_MINOR, name, fops: nvmeDevFops(k), parent: pci, nvme: dev };
  dev.misc = misc;
  const r = k.miscRegister(misc);
  if (r < 0) {
    dma.dispose();
    return fail(r);
  }
  if (st.sysfs) {
    const devs = addSysfs(k, st.sysfs, pci, instance, ctrl);
    if (typeof devs === 'number') {
      k.miscDeregister(misc);
      dma.dispose();
      return fail(devs);
    }
    dev.sysfs = devs;
  }
  const host: NsHost = {
    instance, kref: dev.kref, get ioq() {
      return dev.ioq;
    },
    mapUser: dma.mapUser, mapFrames: dma.mapFrames, admin: adminContext(k, dev), free: () => freeDev(k, dev),
  };
  // under the controller's class device when there is one (later kernels), else the PCI device's
  // block/ directory (3.13)
  const ns = await addNamespaces(k, host, st.major, dev.sysfs?.ctrl ?? pci, (cns, nsid, pfn) =>
    admin({ opcode: S.nvme_admin_identify, nsid, prp1: BigInt(pfn * 4096), cdw10: cns }).then((r) => r.status));
  if (typeof ns === 'number') {
    if (dev.sysfs) removeSysfs(k, dev.sysfs);
    k.miscDeregister(misc);
    dma.dispose();
    return fail(ns);
  }
  dev.ns = ns;
  st.devs.set(instance, dev);
  k.prInfo(`nvme ${name}: ${ctrl.cfg.model} sn ${ctrl.cfg.serial} fw ${ctrl.firmwareRevision}, misc minor ${misc.minor}`);
  return instance;
}

function removeController(k: K, instance: number): void {
  const dev = (k.state as NvmeState).devs.get(instance);
  if (!dev || dev.removed) return;
  dev.removed = true;
  removeNamespaces(k, dev.ns);
  k.miscDeregister(dev.misc);
  if (dev.sysfs) removeSysfs(k, dev.sysfs);
  dev.kref.put(() => freeDev(k, dev));
}

export const nvme = defineModule({
  name: 'nvme',
  description: 'Linux 3.13 nvme-core char interface and an emulated NVMe controller',
  params: defaultParams,
  async init(k) {
    const why = badParams(k.params);
    if (why) {
      k.prErr(`nvme: ${why}`);
      return -EINVAL;
    }
    const major = k.registerBlkdev(0, 'nvme');
    if (major < 0) return major;
    const st: NvmeState = { ida: k.idaInit(), major, devs: new Map(), sysfs: null };
    k.state = st;
    if (k.params.classSysfs) {
      const s = createClasses(k);
      if (typeof s === 'number') {
        k.unregisterBlkdev(major, 'nvme');
        return s;
      }
      st.sysfs = s;
    }
    let r: number;
    try {
      r = await probe(k);
    } catch (err) {
      // a bug in probe: what init made before it goes back before the oops
      if (st.sysfs) {
        k.classDestroy(st.sysfs.subsysCls);
        k.classDestroy(st.sysfs.ctrlCls);
      }
      k.unregisterBlkdev(major, 'nvme');
      throw err;
    }
    if (r < 0) {
      if (st.sysfs) {
        k.classDestroy(st.sysfs.subsysCls);
        k.classDestroy(st.sysfs.ctrlCls);
      }
      k.unregisterBlkdev(major, 'nvme');
      return r;
    }
    k.api = {
      devs: st.devs,
      removeController: (i: number) => removeController(k, i),
      // async, so a call on a module gone rejects rather than throws (the api contract)
      addController: async (o?: Partial<ControllerConfig>) => probe(k, o),
    } satisfies NvmeApi;
    return 0;
  },
  exit(k) {
    const st = k.state as NvmeState;
    for (const i of [...st.devs.keys()]) removeController(k, i);
    if (st.sysfs) {
      k.classDestroy(st.sysfs.subsysCls);
      k.classDestroy(st.sysfs.ctrlCls);
    }
    k.unregisterBlkdev(st.major, 'nvme');
  },
});
