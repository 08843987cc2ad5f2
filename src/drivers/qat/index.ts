// Intel QAT adf_dev_processes.c (qat §2, §5–§10): /dev/qat_dev_processes hands each user process a
// unique config section name derived from a template ("SSL" → "SSL_INT_0", "SSL_DEV0_INT_3").
import { defineModule, type ModuleApi } from '../../kernel/module.js';
import { EACCES, EBADF, EFAULT, EINVAL, EIO, ENOENT, isErr } from '../../kernel/errno.js';
import { MKDEV, MAJOR } from '../../kernel/devt.js';
import type { Semaphore } from '../../kernel/locking.js';
import type { FileOperations } from '../../kernel/vfs.js';
import type { Task } from '../../kernel/task.js';
import { QAT_TRACE } from './trace.js';
import { ADF_CFG_MAX_STR_LEN, ADF_LIMIT_DEV_ACCESS, decimal, expandUserSections, getParam, parseConfig, type Section } from './config.js';

const NAME = 'qat_dev_processes';
const ADF_MAX_DEVICES = 1024;
const RINGS_PER_BANK = 16;
const BANKS: Record<string, number> = { c62x: 16, c3xxx: 16, dh895xcc: 32, c62xvf: 1, c3xxxvf: 1, dh895xccvf: 1 };

export interface AccelDev {
  accelId: number;
  type: string;
  started: boolean;
  isVf: boolean;
  vfsEnabled: boolean;
  numBanks: number;
  sections: Section[];
}

/** One open file's record (struct adf_processes_priv_data). */
interface Record_ {
  name: string;
  assigned: boolean;
  inList: boolean;
  pid: number;
}

export interface QatDeviceConfig {
  id: number;
  type?: string;
  started?: boolean;
  isVf?: boolean;
  vfsEnabled?: boolean;
  config?: string;
}

export interface QatApi {
  readonly devices: Map<number, AccelDev>;
  addDevice(d: QatDeviceConfig): number;
  /** loads a config text into a device and expands its user sections (adf_ctl up) */
  configure(id: number, text: string): number;
  start(id: number): number;
  stop(id: number): number;
  /** which process holds which name */
  holders(): Array<{ pid: number; name: string }>;
}

const defaultParams = {
  devices: [] as QatDeviceConfig[] | object,
  /** 'A' = QAT1.7.L.4.8 (normative), 'B' = QAT.L.4.28 (qat §10) */
  variant: 'A' as 'A' | 'B',
  /**
   * the node's mode: the driver sets none, so devtmpfs makes it root's 0600 (a wider mode, for
   * users other than root, is this parameter's to give, as sharepool's devMode)
   */
  devMode: 0o600,
};
type K = ModuleApi<typeof defaultParams>;

interface State {
  devId: number;
  cls: ReturnType<K['classCreate']>;
  cdev: ReturnType<K['cdevAlloc']>;
  devices: Map<number, AccelDev>;
  list: Record_[];
  sem: Semaphore;
}

const maxProcesses = (d: AccelDev) => d.numBanks * (RINGS_PER_BANK / 2);
const hasSection = (d: AccelDev, name: string) => d.sections.some((s) => s.name === name);
const limitOf = (d: AccelDev, t: string) => decimal(getParam(d.sections.find((s) => s.name === t), ADF_LIMIT_DEV_ACCESS));

// see: adf_dev_processes.c adf_processes_write, variant A (qat §6)
function searchA(st: State, t: string, rec: Record_): number {
  const devs = st.devices;
  const numDevices = devs.size;
  const first = [...devs.values()].filter((d) => d.started && (d.isVf || !d.vfsEnabled)).sort((a, b) => a.accelId - b.accelId)[0];
  if (!first) return -EIO;
  let known = false;
  for (let id = 0; id < numDevices; id++) if (devs.get(id) && hasSection(devs.get(id)!, t)) known = true;
  if (!known) return -EINVAL;
  if (st.list.length === 0) {
    // observed: qat §6 step 9 — the fast path does not check that the section exists
    rec.name = limitOf(first, t) ? `${t}_DEV${first.accelId}_INT_0` : `${t}_INT_0`;
    return 0;
  }
  // observed: qat §6 — "found" starts true: visiting no started device inserts an empty name
  let found = true;
  let name = '';
  outer: for (let devNum = 0; devNum < numDevices; devNum++) {
    const d = devs.get(devNum);
    if (!d || !d.started) continue;
    found = false;
    const limit = limitOf(d, t);
    for (let p = 0; p < maxProcesses(d); p++) {
      const cand = limit ? `${t}_DEV${devNum}_INT_${p}` : `${t}_INT_${p}`;
      if (!hasSection(d, cand)) break;
      if (st.list.some((r) => r.name === cand)) continue;
      found = true;
      name = cand;
      break outer;
    }
  }
  if (!found) return 1;
  rec.name = name;
  return 0;
}

// qat §10: variant B — no fast path, skip devices without the section, found starts false
function searchB(st: State, t: string, rec: Record_): number {
  let sawSection = false;
  for (const d of [...st.devices.values()].sort((a, b) => a.accelId - b.accelId)) {
    if (!d.started || !hasSection(d, t)) continue;
    sawSection = true;
    const limit = limitOf(d, t);
    for (let p = 0; p < maxProcesses(d); p++) {
      const cand = limit ? `${t}_DEV${d.accelId}_INT_${p}` : `${t}_INT_${p}`;
      if (!hasSection(d, cand)) break;
      if (st.list.some((r) => r.name === cand)) continue;
      rec.name = cand;
      return 0;
    }
  }
  return sawSection ? 1 : -EINVAL;
}

function fops(k: K): FileOperations {
  const st = () => k.state as State;
  return {
    // see: adf_processes_open — at least one started device, else -EACCES
    open(_inode, file, cur) {
      if (![...st().devices.values()].some((d) => d.started)) {
        k.trace(QAT_TRACE.errNoStartedDevice, { pid: cur.pid });
        return -EACCES;
      }
      file.privateData = { name: '', assigned: false, inList: false, pid: cur.pid } satisfies Record_;
      return 0;
    },
    async write(file, ubuf, count, cur: Task) {
      const rec = file.privateData as Record_ | null;
      if (!rec) return -EBADF;
      if (rec.assigned) {
        k.trace(QAT_TRACE.errWriteTwice, { pid: cur.pid });
        return -EBADF; // a process may write once; it must reopen
      }
      if (count === 0 || count >= ADF_CFG_MAX_STR_LEN) {
        k.trace(QAT_TRACE.errTemplateLength, { count });
        return -EIO;
      }
      const buf = new Uint8Array(count);
      if (cur.copyFromUser(buf, ubuf, count)) {
        k.trace(QAT_TRACE.errFault, { ubuf });
        return -EIO;
      }
      // the template is used verbatim up to its NUL: a trailing "\n" is part of the name
      const t = String.fromCharCode(...buf).split('\0', 1)[0]!;
      if ((await st().sem.downInterruptible(cur)) < 0) {
        k.trace(QAT_TRACE.errInterrupted, { pid: cur.pid });
        return -EBADF;
      }
      try {
        const r = k.params.variant === 'B' ? searchB(st(), t, rec) : searchA(st(), t, rec);
        if (r === 0) {
          st().list.push(rec);
          rec.inList = true;
          rec.assigned = true;
        } else rec.name = '';
        return r; // 0, 1 ("no free slot, retry") or -errno — never count
      } finally {
        st().sem.up();
      }
    },
    // see: adf_processes_read — observed: qat §7 — count is ignored; returns 0, not the length
    read(file, ubuf, _count, cur) {
      const rec = file.privateData as Record_ | null;
      if (!rec) return -EBADF;
      if (!rec.assigned) {
        k.trace(QAT_TRACE.errNotAssigned, { pid: cur.pid });
        return -EIO;
      }
      const bytes = Uint8Array.from(rec.name, (c) => c.charCodeAt(0));
      if (cur.copyToUser(ubuf, bytes, bytes.length)) {
        k.trace(QAT_TRACE.errFault, { ubuf });
        return -EIO;
      }
      return 0;
    },
    async release(_inode, file) {
      const rec = file.privateData as Record_ | null;
      if (!rec) return -EBADF;
      await st().sem.down();
      const i = st().list.indexOf(rec);
      if (i >= 0) st().list.splice(i, 1);
      st().sem.up();
      return 0;
    },
  };
}

export const qat = defineModule({
  name: 'qat',
  description: 'Intel QAT adf_dev_processes: per-process instance names',
  params: defaultParams,
  // see: adf_dev_processes.c adf_chr_drv_create — every failure is reported as -EFAULT (observed)
  init(k, params) {
    if (!Number.isInteger(params.devMode) || params.devMode < 0 || params.devMode > 0o777) return -EINVAL;
    const devId = k.allocChrdevRegion(0, 1, NAME);
    if (devId < 0) return -EFAULT;
    const cls = k.classCreate(NAME);
    if (isErr(cls)) {
      k.unregisterChrdevRegion(devId, 1);
      return -EFAULT;
    }
    const cdev = k.cdevAlloc(fops(k));
    if (k.cdevAdd(cdev, devId, 1)) {
      k.classDestroy(cls);
      k.unregisterChrdevRegion(devId, 1);
      return -EFAULT;
    }
    if (isErr(k.deviceCreate(cls, null, MKDEV(MAJOR(devId), 0), null, NAME, { mode: params.devMode }))) {
      k.cdevDel(cdev);
      k.classDestroy(cls);
      k.unregisterChrdevRegion(devId, 1);
      return -EFAULT;
    }
    const st: State = { devId, cls, cdev, devices: new Map(), list: [], sem: k.semaInit(1) };
    k.state = st;
    // a bad device in the parameters unwinds everything init made, in reverse
    const unwind = (err: number) => {
      k.deviceDestroy(cls, MKDEV(MAJOR(devId), 0));
      k.cdevDel(cdev);
      k.classDestroy(cls);
      k.unregisterChrdevRegion(devId, 1);
      return err;
    };
    const api: QatApi = {
      devices: st.devices,
      addDevice(d) {
        if (!Number.isInteger(d.id) || d.id < 0 || d.id >= ADF_MAX_DEVICES || st.devices.has(d.id)) return -EINVAL;
        const type = d.type ?? 'c62x';
        const numBanks = BANKS[type];
        if (!numBanks) return -EINVAL;
        st.devices.set(d.id, { accelId: d.id, type, started: false, isVf: d.isVf ?? type.endsWith('vf'), vfsEnabled: d.vfsEnabled ?? false, numBanks, sections: [] });
        if (d.config !== undefined) {
          const r = api.configure(d.id, d.config);
          if (r < 0) {
            st.devices.delete(d.id);
            return r;
          }
        }
        if (d.started) api.start(d.id);
        return 0;
      },
      configure(id, text) {
        const d = st.devices.get(id);
        if (!d) return -ENOENT;
        const sections = parseConfig(text);
        if (typeof sections === 'number') return sections;
        const r = expandUserSections(sections, d.accelId, maxProcesses(d));
        if (r < 0) return r;
        d.sections = sections;
        return 0;
      },
      start(id) {
        const d = st.devices.get(id);
        if (!d) return -ENOENT;
        d.started = true;
        return 0;
      },
      stop(id) {
        const d = st.devices.get(id);
        if (!d) return -ENOENT;
        d.started = false;
        return 0;
      },
      holders: () => st.list.map((r) => ({ pid: r.pid, name: r.name })),
    };
    if (!Array.isArray(params.devices)) return unwind(-EINVAL);
    for (const d of params.devices as QatDeviceConfig[]) {
      const r = d && typeof d === 'object' ? api.addDevice(d) : -EINVAL;
      if (r < 0) return unwind(r);
    }
    k.api = api;
    return 0;
  },
  exit(k) {
    const st = k.state as State;
    k.deviceDestroy(st.cls as never, MKDEV(MAJOR(st.devId), 0));
    k.cdevDel(st.cdev);
    k.classDestroy(st.cls);
    k.unregisterChrdevRegion(st.devId, 1);
  },
});
