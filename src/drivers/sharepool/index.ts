// openEuler mm/share_pool.c as a module: the share pool (group.ts, area.ts), its host-facing api
// and the test device (fops.ts). Module exit tears down whatever groups and areas are left, so
// every frame comes back even when processes still hold share-pool memory at rmmod.
import { defineModule } from '../../kernel/module.js';
import { EINVAL } from '../../kernel/errno.js';
import { MISC_DYNAMIC_MINOR, type MiscDevice } from '../../kernel/misc.js';
import type { Ida } from '../../kernel/ida.js';
import type { Task } from '../../kernel/task.js';
import { SharePool, type Faults, type SpGroup, type SpProc, type SpStat } from './group.js';
import type { SpArea } from './area.js';
import { sharepoolTestFops } from './fops.js';
import { SP_TRACE } from './trace.js';

export { SP_BASE, type AreaType, type SpArea } from './area.js';
export type { SpGroup, SpStat, Faults } from './group.js';

export interface SharepoolApi {
  readonly groups: Map<number, SpGroup>;
  readonly stats: Map<number, SpStat>;
  readonly ida: Ida;
  readonly faults: Faults;
  acMode: number;
  /** sp_group_add_task as called by `callerPid`'s kernel code */
  addTask(pid: number, spgId: number, callerPid?: number): number;
  /** sp_alloc into the caller's group (joining DVPP pass-through first when it has none) */
  alloc(callerPid: number, size: number, flags?: number): number;
  free(callerPid: number, va: number): number;
  /** sp_make_share_k2u: kernel pages (filled with `fill`) to a group (spgId) or to the caller (-1) */
  k2u(callerPid: number, size: number, spgId: number, fill?: number): number;
  groupOf(pid: number): number;
  find(pid: number, id: number): SpGroup | null;
  drop(g: SpGroup): void;
  /**
   * A walker's temporary use of the area at `va` in pid's group (what another CPU's join walk
   * holds while it maps), for the interleavings a test drives: null when there is none
   */
  holdArea(pid: number, va: number): SpArea | null;
  /** gives such a use back (the area goes with its last one) */
  dropArea(a: SpArea): void;
  /** process flags a test may set: exiting, kernel thread (no mm), core dump in progress */
  setProc(pid: number, flags: Partial<Pick<SpProc, 'exiting' | 'kthread' | 'coredump'>>): void;
  /** the ranges this pid maps from the share pool */
  mapped(pid: number): Array<[number, number]>;
  /** live areas (each holds frames until its last use goes) */
  readonly areaCount: number;
  /** group-dead notifications seen */
  readonly deadNotices: number[];
}

const defaultParams = {
  /** boot option enable_mdc_default_group: every join goes to group 1 */
  mdcDefaultGroup: false,
  /** sysctl ac_mode: 0 AC_NONE, 1 AC_SINGLE_OWNER */
  acMode: 0,
  /** proposal: sharepool §2 — share-pool memory one process may hold (alloc + k2u), in MiB */
  limitMiB: 64,
  /** the test device's mode (0600: root's, like any misc device unless a driver says otherwise) */
  devMode: 0o600,
};

interface State {
  sp: SharePool;
  misc: MiscDevice;
  onExit: (task: Task) => void;
}

export const sharepool = defineModule({
  name: 'sharepool',
  description: 'openEuler share pool: sp_group_add_task and shared group memory',
  params: defaultParams,
  init(k, params) {
    const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
    if (typeof params.mdcDefaultGroup !== 'boolean' || !int(params.acMode, 0, 1) || !int(params.limitMiB, 0, 4096) || !int(params.devMode, 0, 0o777)) {
      k.prErr('sharepool: mdcDefaultGroup is a boolean, acMode 0 or 1, limitMiB 0..4096, devMode 0..0777');
      return -EINVAL;
    }
    const sp = new SharePool(k, { mdcDefaultGroup: params.mdcDefaultGroup, acMode: params.acMode, limitBytes: params.limitMiB * 2 ** 20 });
    const api: SharepoolApi = {
      groups: sp.groups,
      stats: sp.stats,
      ida: sp.ida,
      faults: sp.faults,
      deadNotices: sp.deadNotices,
      get acMode() {
        return sp.acMode;
      },
      set acMode(m: number) {
        sp.acMode = m;
      },
      get areaCount() {
        return sp.areas.count;
      },
      addTask: (pid, spgId, callerPid) => sp.addTask(pid, spgId, callerPid),
      alloc: (pid, size, flags) => sp.alloc(pid, size, flags),
      free: (pid, va) => sp.free(pid, va),
      k2u: (pid, size, spgId, fill) => sp.k2u(pid, size, spgId, fill),
      groupOf: (pid) => sp.groupOf(pid),
      find: (pid, id) => sp.find(pid, id),
      drop: (g) => sp.drop(g),
      holdArea: (pid, va) => {
        const a = sp.proc(pid).group?.spaList.find((x) => x.vaStart === va) ?? null;
        if (a) a.useCount++;
        return a;
      },
      dropArea: (a) => sp.areas.put(a),
      setProc: (pid, flags) => void Object.assign(sp.proc(pid), flags),
      mapped: (pid) => sp.mapped(pid),
    };
    const onExit = (task: Task) => sp.exit(task);
    k.registerTaskExitNotifier(onExit);
    const misc: MiscDevice = { minor: MISC_DYNAMIC_MINOR, name: 'sharepool_test', mode: params.devMode, fops: sharepoolTestFops(k, sp) };
    const r = k.miscRegister(misc);
    if (r < 0) {
      k.unregisterTaskExitNotifier(onExit);
      return r;
    }
    k.state = { sp, misc, onExit } satisfies State;
    k.api = api;
    return 0;
  },
  exit(k) {
    const st = k.state as State;
    k.miscDeregister(st.misc);
    k.unregisterTaskExitNotifier(st.onExit);
    const left = st.sp.teardown();
    if (left) k.trace(SP_TRACE.teardown, { areas: left });
  },
});
