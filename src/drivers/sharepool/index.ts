// openEuler mm/share_pool.c (4.19 era), sp_group_add_task(pid, spg_id) and what it needs: groups
// with reference counts, the id table and IDA, per-process statistics, areas whose frames every
// member maps at the same address (real sharing through the page tables), and the exit path.
import { defineModule, type ModuleApi } from '../../kernel/module.js';
import { EBUSY, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, ENOSPC, ENOTTY, EPERM, ESRCH } from '../../kernel/errno.js';
import { MISC_DYNAMIC_MINOR, type MiscDevice } from '../../kernel/misc.js';
import { PROT_READ, PROT_WRITE, PAGE_SIZE } from '../../kernel/mm.js';
import type { Ida } from '../../kernel/ida.js';
import type { Task } from '../../kernel/task.js';
import * as U from './uapi.js';

const PMD_SIZE = 2 << 20;
/** where share-pool areas live in every member (below TASK_SIZE) */
export const SP_BASE = 0xe000_0000;
const SP_END = 0xffe0_0000;

export type AreaType = 'ALLOC' | 'K2TASK' | 'K2SPG';

export interface SpArea {
  vaStart: number;
  vaEnd: number;
  realSize: number;
  flags: number;
  useCount: number;
  type: AreaType;
  spg: SpGroup | null;
  /** frames backing the area (the group's shmem pages, or the kernel pages of k2u) */
  pfns: number[];
  /** k2u: kernel memory shared */
  kva: boolean;
}

export interface SpGroup {
  id: number;
  isAlive: boolean;
  useCount: number;
  owner: number;
  procs: number[];
  spaList: SpArea[];
}

export interface SpStat {
  tgid: number;
  useCount: number;
  allocSize: number;
  k2uSize: number;
}

/** Per-process share-pool facts (mm.sp_group, mm.stat_id) plus the flags tests set (§9). */
interface SpProc {
  group: SpGroup | null;
  statId: number | null;
  exiting: boolean;
  kthread: boolean;
  coredump: boolean;
}

export interface Faults {
  idaExhausted: boolean;
  statAllocFail: boolean;
  fileSetupFail: boolean;
  /** area index (in spa_list order) whose mmap fails during a join, or -1 */
  mmapFailAt: number;
  populateFailAt: number;
  k2uRemapFail: boolean;
}

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
  /** process flags a test may set: exiting, kernel thread (no mm), core dump in progress */
  setProc(pid: number, flags: Partial<Pick<SpProc, 'exiting' | 'kthread' | 'coredump'>>): void;
  /** the ranges this pid maps from the share pool */
  mapped(pid: number): Array<[number, number]>;
  /** group-dead notifications seen */
  readonly deadNotices: number[];
}

const defaultParams = {
  /** boot option enable_mdc_default_group: every join goes to group 1 */
  mdcDefaultGroup: false,
  /** sysctl ac_mode: 0 AC_NONE, 1 AC_SINGLE_OWNER */
  acMode: 0,
};
type K = ModuleApi<typeof defaultParams>;

export const sharepool = defineModule({
  name: 'sharepool',
  description: 'openEuler share pool: sp_group_add_task and shared group memory',
  params: defaultParams,
  init(k, params) {
    const phys = k.phys;
    const groups = new Map<number, SpGroup>();
    const stats = new Map<number, SpStat>();
    const procs = new Map<number, SpProc>();
    const ida = k.idaInit();
    const faults: Faults = { idaExhausted: false, statAllocFail: false, fileSetupFail: false, mmapFailAt: -1, populateFailAt: -1, k2uRemapFail: false };
    const deadNotices: number[] = [];
    let nextVa = SP_BASE;

    const proc = (pid: number): SpProc => {
      let p = procs.get(pid);
      if (!p) procs.set(pid, (p = { group: null, statId: null, exiting: false, kthread: false, coredump: false }));
      return p;
    };
    const taskOf = (pid: number): Task | null => {
      const t = k.findTaskByVpid(pid);
      return t && !t.exited && !proc(pid).exiting ? t : null;
    };

    // §3: never revive a dead group — a reference only when use_count was not already 0
    const find = (pid: number, id: number): SpGroup | null => {
      let g: SpGroup | null | undefined;
      if (id === U.SPG_ID_DEFAULT) g = taskOf(pid) ? proc(pid).group : null;
      else g = groups.get(id);
      if (!g || g.useCount === 0) return null;
      g.useCount++;
      return g;
    };
    // §5: the last reference frees the group; only auto/DVPP ids go back to the IDA
    const drop = (g: SpGroup): void => {
      if (--g.useCount > 0) return;
      groups.delete(g.id);
      if ((g.id >= U.SPG_ID_AUTO_MIN && g.id <= U.SPG_ID_AUTO_MAX) || (g.id >= U.SPG_ID_DVPP_PASS_THROUGH_MIN && g.id <= U.SPG_ID_DVPP_PASS_THROUGH_MAX)) ida.free(g.id);
    };
    const allocId = (min: number, max: number) => (faults.idaExhausted ? -ENOSPC : ida.allocRange(min, max));

    const unmapArea = (t: Task, a: SpArea) => {
      t.mm.munmap(a.vaStart, a.vaEnd - a.vaStart);
      putArea(a);
    };
    const putArea = (a: SpArea) => {
      if (--a.useCount > 0) return;
      if (a.spg) a.spg.spaList.splice(a.spg.spaList.indexOf(a), 1);
      for (const f of a.pfns) phys.putPage(f);
      a.pfns = [];
    };
    const mapArea = (t: Task, a: SpArea): number => {
      const r = t.mm.mapFrames(a.pfns, PROT_READ | PROT_WRITE, a.vaStart);
      if (r < 0) return r;
      a.useCount++;
      return 0;
    };

    // see: share_pool.c sp_group_add_task — the steps of sharepool §4, in order
    const addTask = (pid: number, spgId: number, callerPid = pid): number => {
      if (params.mdcDefaultGroup) spgId = 1;
      if ((spgId < U.SPG_ID_MIN || spgId > U.SPG_ID_AUTO) && spgId !== U.SPG_ID_DVPP_PASS_THROUGH) return -EINVAL;
      if (spgId >= U.SPG_ID_AUTO_MIN && spgId <= U.SPG_ID_AUTO_MAX) {
        const g = find(pid, spgId);
        if (!g) return -EINVAL; // "hasn't been created"
        const alive = g.isAlive;
        drop(g);
        if (!alive) return -EINVAL; // "is dead"
      }
      let id = spgId;
      let newly = false;
      if (spgId === U.SPG_ID_AUTO || spgId === U.SPG_ID_DVPP_PASS_THROUGH) {
        id = spgId === U.SPG_ID_AUTO ? allocId(U.SPG_ID_AUTO_MIN, U.SPG_ID_AUTO_MAX) : allocId(U.SPG_ID_DVPP_PASS_THROUGH_MIN, U.SPG_ID_DVPP_PASS_THROUGH_MAX);
        if (id < 0) return id;
        newly = true;
      }
      const task = taskOf(pid);
      if (!task) {
        if (newly) ida.free(id);
        return -ESRCH;
      }
      const me = proc(pid);
      // observed: sharepool §4 step 6 — these two paths keep a newly generated id (leak)
      if (me.kthread) return -ESRCH;
      if (me.group) return -EEXIST;
      // find_or_alloc
      let g = find(callerPid, id);
      let err = 0;
      if (g && !g.isAlive) {
        drop(g);
        g = null;
        err = -ENODEV;
      } else if (!g) {
        if (groups.has(id)) err = -ENOSPC; // the slot belongs to a group being freed
        else if (faults.fileSetupFail) err = -ENOMEM;
        else {
          g = { id, isAlive: true, useCount: 1, owner: callerPid, procs: [], spaList: [] };
          groups.set(id, g);
        }
      }
      if (err || !g) {
        if (newly) ida.free(id);
        return err;
      }
      if (k.api.acMode === U.AC_SINGLE_OWNER && g.owner !== callerPid) {
        drop(g);
        return -EPERM;
      }
      me.group = g;
      // step 10: a stat record that exists is reused without a reference (observed)
      let ret = 0;
      let stat = me.statId !== null ? stats.get(me.statId) : undefined;
      if (!stat) {
        if (faults.statAllocFail) ret = -ENOMEM;
        else {
          stat = { tgid: pid, useCount: 1, allocSize: 0, k2uSize: 0 };
          stats.set(pid, stat);
          me.statId = pid;
        }
      }
      // step 11: map every existing area, in order
      if (!ret) {
        const done: SpArea[] = [];
        for (let i = 0; i < g.spaList.length; i++) {
          const a = g.spaList[i]!;
          a.useCount++; // the walker's temporary reference
          if (a.type === 'K2SPG' && a.kva) {
            if (faults.k2uRemapFail || mapArea(task, a) < 0) k.prWarn(`share pool: k2u remap of ${a.vaStart.toString(16)} into ${pid} failed`);
          } else if (me.coredump) {
            for (const d of done) unmapArea(task, d);
            ret = -EBUSY;
          } else if (i === faults.mmapFailAt || mapArea(task, a) < 0) {
            for (const d of done) unmapArea(task, d);
            ret = -ENOMEM;
          } else if (i === faults.populateFailAt) {
            for (const d of [...done, a]) unmapArea(task, d);
            ret = -ENOMEM;
          } else done.push(a);
          putArea(a);
          if (ret) break;
        }
      }
      if (!ret) {
        g.procs.push(pid);
        return id;
      }
      // step 13: unwind — observed: a stat record that existed before the call is dropped too
      if (stat && --stat.useCount <= 0) {
        stats.delete(stat.tgid);
        me.statId = null;
      }
      me.group = null;
      drop(g);
      return ret;
    };

    // §6: sp_group_exit + sp_group_post_exit when a member's mm goes away
    const onExit = (task: Task) => {
      const me = procs.get(task.pid);
      const g = me?.group;
      if (!me || !g) return;
      if (g.isAlive) {
        if (g.procs.length === 1 && g.procs[0] === task.pid) {
          g.isAlive = false;
          deadNotices.push(g.id);
          k.trace('group-dead', { id: g.id });
        }
        g.procs.splice(g.procs.indexOf(task.pid), 1);
      }
      for (const a of [...g.spaList]) if (task.mm.isFree(a.vaStart, 1) === false) unmapArea(task, a);
      me.group = null;
      drop(g);
      const stat = me.statId !== null ? stats.get(me.statId) : undefined;
      if (stat && --stat.useCount <= 0) stats.delete(stat.tgid);
      procs.delete(task.pid);
    };
    k.registerTaskExitNotifier(onExit);

    const newArea = (size: number, type: AreaType, spg: SpGroup | null, flags: number, fill?: number): SpArea | number => {
      const span = Math.ceil(size / PMD_SIZE) * PMD_SIZE;
      if (!(size > 0) || nextVa + span > SP_END) return -ENOMEM;
      const pfns: number[] = [];
      for (let i = 0; i < Math.ceil(size / PAGE_SIZE); i++) {
        const f = phys.allocFrame();
        if (f < 0) {
          for (const x of pfns) phys.putPage(x);
          return -ENOMEM;
        }
        if (fill !== undefined) phys.u8.fill(fill, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
        pfns.push(f);
      }
      const a: SpArea = { vaStart: nextVa, vaEnd: nextVa + pfns.length * PAGE_SIZE, realSize: size, flags, useCount: 1, type, spg, pfns, kva: type !== 'ALLOC' };
      nextVa += span;
      return a;
    };

    const api: SharepoolApi = {
      groups, stats, ida, faults, deadNotices,
      acMode: params.acMode,
      addTask,
      find,
      drop,
      // sp_alloc: a process in no group joins DVPP pass-through first, tolerating -EEXIST (§7)
      alloc(callerPid, size, flags = 0) {
        if (!proc(callerPid).group) {
          const r = addTask(callerPid, params.mdcDefaultGroup ? 1 : U.SPG_ID_DVPP_PASS_THROUGH, callerPid);
          if (r < 0 && r !== -EEXIST) return r;
        }
        const g = proc(callerPid).group!;
        const a = newArea(size, 'ALLOC', g, flags);
        if (typeof a === 'number') return a;
        for (const pid of g.procs) {
          const t = taskOf(pid);
          if (t && mapArea(t, a) < 0) return -ENOMEM;
        }
        g.spaList.push(a);
        const st = stats.get(callerPid);
        if (st) st.allocSize += size;
        return a.vaStart;
      },
      free(callerPid, va) {
        const g = proc(callerPid).group;
        const a = g?.spaList.find((x) => x.vaStart === va && x.type === 'ALLOC');
        if (!g || !a) return -EINVAL;
        a.useCount++;
        for (const pid of g.procs) {
          const t = taskOf(pid);
          if (t && !t.mm.isFree(a.vaStart, 1)) unmapArea(t, a);
        }
        putArea(a); // the walker's reference
        putArea(a); // the allocation's own
        return 0;
      },
      k2u(callerPid, size, spgId, fill = 0) {
        if (spgId === U.SPG_ID_NONE) {
          const t = taskOf(callerPid);
          if (!t) return -ESRCH;
          const a = newArea(size, 'K2TASK', null, 0, fill);
          if (typeof a === 'number') return a;
          const r = mapArea(t, a);
          if (r < 0) return r;
          // k2u to a task keeps usage statistics for it, creating the record when it has none
          const me = proc(callerPid);
          let st = me.statId !== null ? stats.get(me.statId) : undefined;
          if (!st) {
            stats.set(callerPid, (st = { tgid: callerPid, useCount: 1, allocSize: 0, k2uSize: 0 }));
            me.statId = callerPid;
          }
          st.k2uSize += size;
          return a.vaStart;
        }
        const g = find(callerPid, spgId);
        if (!g) return -ENODEV;
        const a = newArea(size, 'K2SPG', g, 0, fill);
        if (typeof a === 'number') {
          drop(g);
          return a;
        }
        for (const pid of g.procs) {
          const t = taskOf(pid);
          if (t) mapArea(t, a);
        }
        g.spaList.push(a);
        drop(g);
        return a.vaStart;
      },
      groupOf(pid) {
        return procs.get(pid)?.group?.id ?? -ENODEV;
      },
      setProc(pid, flags) {
        Object.assign(proc(pid), flags);
      },
      mapped(pid) {
        const t = k.findTaskByVpid(pid);
        return t ? t.mm.areas.filter((v) => v.start >= SP_BASE).map((v) => [v.start, v.end] as [number, number]) : [];
      },
    };
    k.api = api;

    // the test device (uapi.ts), as openEuler's sharepool test suite drives the kernel
    const misc: MiscDevice = {
      minor: MISC_DYNAMIC_MINOR,
      name: 'sharepool_test',
      mode: 0o666,
      fops: {
        unlockedIoctl(_file, cmd, arg, cur) {
          const buf = new Uint8Array(32);
          const v = new DataView(buf.buffer);
          const io = (n: number) => (cur.copyFromUser(buf, arg, n) ? -EFAULT : 0);
          switch (cmd) {
            case U.SP_IOCTL_ADD_GROUP:
              return io(8) || addTask(v.getInt32(0, true), v.getInt32(4, true), cur.pid);
            case U.SP_IOCTL_ALLOC: {
              if (io(32)) return -EFAULT;
              const r = api.alloc(cur.pid, Number(v.getBigUint64(0, true)), Number(v.getBigUint64(8, true)));
              if (r < 0) return r;
              return cur.putUser(arg + 24, BigInt(r), 8);
            }
            case U.SP_IOCTL_FREE:
              return io(8) || api.free(cur.pid, Number(v.getBigUint64(0, true)));
            case U.SP_IOCTL_K2U: {
              if (io(24)) return -EFAULT;
              const r = api.k2u(cur.pid, Number(v.getBigUint64(0, true)), v.getInt32(8, true), v.getUint32(12, true) & 0xff);
              if (r < 0) return r;
              return cur.putUser(arg + 16, BigInt(r), 8);
            }
            case U.SP_IOCTL_GROUP_ID: {
              if (io(8)) return -EFAULT;
              const r = api.groupOf(v.getInt32(0, true));
              return r < 0 ? r : cur.putUser(arg + 4, r, 4);
            }
            default:
              return -ENOTTY;
          }
        },
      },
    };
    const r = k.miscRegister(misc);
    if (r < 0) {
      k.unregisterTaskExitNotifier(onExit);
      return r;
    }
    k.state = { misc, onExit };
    return 0;
  },
  exit(k) {
    k.unregisterTaskExitNotifier(k.state.onExit);
    k.miscDeregister(k.state.misc);
  },
});
