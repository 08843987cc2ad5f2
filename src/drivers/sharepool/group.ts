// openEuler mm/share_pool.c (4.19 era): groups with reference counts, the id table and IDA,
// per-process statistics, sp_group_add_task with every step of sharepool §4, sp_alloc / sp_free /
// sp_make_share_k2u, the exit path (§6), and the teardown module exit needs.
import { EBUSY, EEXIST, EINVAL, ENODEV, ENOMEM, ENOSPC, EPERM, ESRCH } from '../../kernel/errno.js';
import type { Ida } from '../../kernel/ida.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';
import { AreaSpace, SP_BASE, type AreaType, type SpArea } from './area.js';
import { SP_TRACE } from './trace.js';
import * as U from './uapi.js';

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
export interface SpProc {
  group: SpGroup | null;
  statId: number | null;
  exiting: boolean;
  kthread: boolean;
  coredump: boolean;
  /** K2TASK areas this process applied for: it holds their owner use until it exits */
  k2task: SpArea[];
  /** bytes of share-pool memory charged to this process (alloc + k2u), against `limitBytes` */
  charged: number;
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

export interface SharePoolOptions {
  /** boot option enable_mdc_default_group: every join goes to group 1 */
  mdcDefaultGroup: boolean;
  /** sysctl ac_mode: 0 AC_NONE, 1 AC_SINGLE_OWNER */
  acMode: number;
  /** most bytes one process may have allocated or k2u'd at once */
  limitBytes: number;
}

const isGenerated = (id: number) =>
  (id >= U.SPG_ID_AUTO_MIN && id <= U.SPG_ID_AUTO_MAX) || (id >= U.SPG_ID_DVPP_PASS_THROUGH_MIN && id <= U.SPG_ID_DVPP_PASS_THROUGH_MAX);

/** One module instance's share pool. */
export class SharePool {
  readonly groups = new Map<number, SpGroup>();
  readonly stats = new Map<number, SpStat>();
  readonly procs = new Map<number, SpProc>();
  readonly ida: Ida;
  readonly areas: AreaSpace;
  readonly faults: Faults = { idaExhausted: false, statAllocFail: false, fileSetupFail: false, mmapFailAt: -1, populateFailAt: -1, k2uRemapFail: false };
  readonly deadNotices: number[] = [];
  acMode: number;

  constructor(private readonly k: ModuleApi<any>, private readonly opts: SharePoolOptions) {
    this.ida = k.idaInit();
    this.areas = new AreaSpace(k, (a) => this.uncharge(a.applier, a.realSize));
    this.acMode = opts.acMode;
  }

  proc(pid: number): SpProc {
    let p = this.procs.get(pid);
    if (!p) this.procs.set(pid, (p = { group: null, statId: null, exiting: false, kthread: false, coredump: false, k2task: [], charged: 0 }));
    return p;
  }
  /** A live task by pid (not exiting, not flagged exiting by a test), else null. */
  taskOf(pid: number): Task | null {
    const t = this.k.findTaskByVpid(pid);
    return t && !this.procs.get(pid)?.exiting ? t : null;
  }

  // §3: never revive a dead group — a reference only when use_count was not already 0
  find(pid: number, id: number): SpGroup | null {
    let g: SpGroup | null | undefined;
    if (id === U.SPG_ID_DEFAULT) g = this.taskOf(pid) ? this.procs.get(pid)?.group : null;
    else g = this.groups.get(id);
    if (!g || g.useCount === 0) return null;
    g.useCount++;
    return g;
  }
  // §5: the last reference frees the group and, with its backing files, every area it still owns;
  // only auto/DVPP ids go back to the IDA
  drop(g: SpGroup): void {
    if (--g.useCount > 0) return;
    // a dead area's owner use went with its free; whoever still holds it drops the rest
    for (const a of [...g.spaList]) if (!a.isDead) this.areas.put(a);
    g.spaList.length = 0;
    this.groups.delete(g.id);
    if (isGenerated(g.id)) this.ida.free(g.id);
  }
  private allocId(min: number, max: number): number {
    return this.faults.idaExhausted ? -ENOSPC : this.ida.allocRange(min, max);
  }

  // see: share_pool.c sp_group_add_task — the steps of sharepool §4, in order
  addTask(pid: number, spgId: number, callerPid = pid): number {
    if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(spgId)) return -EINVAL;
    if (this.opts.mdcDefaultGroup) spgId = 1;
    if ((spgId < U.SPG_ID_MIN || spgId > U.SPG_ID_AUTO) && spgId !== U.SPG_ID_DVPP_PASS_THROUGH) return -EINVAL;
    if (spgId >= U.SPG_ID_AUTO_MIN && spgId <= U.SPG_ID_AUTO_MAX) {
      const g = this.find(pid, spgId);
      if (!g) return -EINVAL; // "hasn't been created"
      const alive = g.isAlive;
      this.drop(g);
      if (!alive) return -EINVAL; // "is dead"
    }
    let id = spgId;
    let newly = false;
    if (spgId === U.SPG_ID_AUTO || spgId === U.SPG_ID_DVPP_PASS_THROUGH) {
      id = spgId === U.SPG_ID_AUTO
        ? this.allocId(U.SPG_ID_AUTO_MIN, U.SPG_ID_AUTO_MAX)
        : this.allocId(U.SPG_ID_DVPP_PASS_THROUGH_MIN, U.SPG_ID_DVPP_PASS_THROUGH_MAX);
      if (id < 0) return id;
      newly = true;
    }
    const task = this.taskOf(pid);
    if (!task) {
      if (newly) this.ida.free(id);
      return -ESRCH;
    }
    const me = this.proc(pid);
    // the seed's sp_group_add_task gives a newly generated id back on both paths (free_new_spg_id)
    if (me.kthread || me.group) {
      if (newly) this.ida.free(id);
      return me.kthread ? -ESRCH : -EEXIST;
    }
    // find_or_alloc
    let g = this.find(callerPid, id);
    let err = 0;
    if (g && !g.isAlive) {
      this.drop(g);
      g = null;
      err = -ENODEV;
    } else if (!g) {
      if (this.groups.has(id)) err = -ENOSPC; // the slot belongs to a group being freed
      else if (this.faults.fileSetupFail) err = -ENOMEM;
      else {
        g = { id, isAlive: true, useCount: 1, owner: callerPid, procs: [], spaList: [] };
        this.groups.set(id, g);
      }
    }
    if (err || !g) {
      if (newly) this.ida.free(id);
      return err;
    }
    if (this.acMode === U.AC_SINGLE_OWNER && g.owner !== callerPid) {
      this.drop(g);
      return -EPERM;
    }
    me.group = g;
    // step 10: a stat record that exists is reused without a reference (observed)
    let ret = 0;
    let stat = me.statId !== null ? this.stats.get(me.statId) : undefined;
    if (!stat) {
      if (this.faults.statAllocFail) ret = -ENOMEM;
      else {
        stat = { tgid: pid, useCount: 1, allocSize: 0, k2uSize: 0 };
        this.stats.set(pid, stat);
        me.statId = pid;
      }
    }
    // step 11: map every existing area, in order; the unwind undoes every mapping made here,
    // K2SPG remaps included (a task that is no member must keep nothing of the group)
    if (!ret) {
      const done: SpArea[] = [];
      for (let i = 0; i < g.spaList.length; i++) {
        const a = g.spaList[i]!;
        a.useCount++; // the walker's temporary reference
        // the seed's walk: `if (spa->is_dead == true) continue;` after taking that reference
        if (a.isDead) {
          this.areas.put(a);
          continue;
        }
        if (a.type === 'K2SPG' && a.kva) {
          if (this.faults.k2uRemapFail || this.areas.map(task, a) < 0) {
            this.k.prWarn(`share pool: k2u remap of ${a.vaStart.toString(16)} into ${pid} failed`);
            this.k.trace(SP_TRACE.k2uRemapFailed, { pid, va: a.vaStart });
          } else done.push(a);
        } else if (me.coredump) {
          ret = -EBUSY;
        } else if (i === this.faults.mmapFailAt || this.areas.map(task, a) < 0) {
          ret = -ENOMEM;
        } else if (i === this.faults.populateFailAt) {
          done.push(a);
          ret = -ENOMEM;
        } else done.push(a);
        if (ret) for (const d of done) this.areas.unmap(task, pid, d);
        this.areas.put(a);
        if (ret) break;
      }
    }
    if (!ret) {
      g.procs.push(pid);
      return id;
    }
    // step 13: unwind — observed: a stat record that existed before the call is dropped too
    if (stat && --stat.useCount <= 0) {
      this.stats.delete(stat.tgid);
      me.statId = null;
    }
    me.group = null;
    this.drop(g);
    return ret;
  }

  /** Charges `size` bytes to pid against the per-process limit; @returns 0 or -ENOMEM */
  private charge(pid: number, size: number): number {
    const me = this.proc(pid);
    if (me.charged + size > this.opts.limitBytes) {
      this.k.trace(SP_TRACE.errOverLimit, { pid, size, charged: me.charged });
      return -ENOMEM;
    }
    me.charged += size;
    return 0;
  }
  private uncharge(pid: number, size: number): void {
    const me = this.procs.get(pid);
    if (me) me.charged = Math.max(0, me.charged - size);
  }

  private newArea(pid: number, size: number, type: AreaType, spg: SpGroup | null, flags: number, fill?: number): SpArea | number {
    if (!Number.isSafeInteger(size) || size <= 0) return -EINVAL;
    const r = this.charge(pid, size);
    if (r < 0) return r;
    const a = this.areas.create(size, type, spg, flags, pid, fill);
    if (typeof a === 'number') this.uncharge(pid, size);
    return a; // from here the area's last put uncharges it
  }
  /** Undoes a half-made area: unmaps it from every task it reached, drops the owner use. */
  private abandon(a: SpArea): void {
    for (const pid of [...a.mappedIn]) this.areas.unmap(this.k.findTaskByVpid(pid), pid, a);
    this.areas.put(a);
  }

  // sp_alloc: a process in no group joins DVPP pass-through first, tolerating -EEXIST (§7)
  alloc(callerPid: number, size: number, flags = 0): number {
    if (!this.proc(callerPid).group) {
      const r = this.addTask(callerPid, this.opts.mdcDefaultGroup ? 1 : U.SPG_ID_DVPP_PASS_THROUGH, callerPid);
      if (r < 0 && r !== -EEXIST) return r;
    }
    const g = this.proc(callerPid).group;
    if (!g) return -ENODEV;
    const a = this.newArea(callerPid, size, 'ALLOC', g, flags);
    if (typeof a === 'number') return a;
    for (const pid of g.procs) {
      const t = this.taskOf(pid);
      if (t && this.areas.map(t, a) < 0) {
        this.abandon(a);
        return -ENOMEM;
      }
    }
    g.spaList.push(a);
    const st = this.stats.get(callerPid);
    if (st) st.allocSize += size;
    return a.vaStart;
  }

  // sp_free: unmaps an ALLOC area of the caller's group from every member, drops its owner use.
  // Only its applier frees it (newer openEuler refuses other callers the same way).
  free(callerPid: number, va: number): number {
    const g = this.proc(callerPid).group;
    const a = g?.spaList.find((x) => x.vaStart === va && x.type === 'ALLOC' && !x.isDead);
    if (!g || !a) return -EINVAL;
    if (a.applier !== callerPid) return -EPERM;
    // dead first: a join from here on skips it; it leaves spa_list with its last use (AreaSpace.put)
    a.isDead = true;
    a.useCount++; // the walker's reference
    for (const pid of [...a.mappedIn]) this.areas.unmap(this.k.findTaskByVpid(pid), pid, a);
    const st = this.stats.get(a.applier);
    if (st) st.allocSize = Math.max(0, st.allocSize - a.realSize);
    this.areas.put(a); // the walker's reference
    this.areas.put(a); // the allocation's own
    return 0;
  }

  // sp_make_share_k2u: kernel pages (filled with `fill`) to the caller alone (spgId -1) or a group
  k2u(callerPid: number, size: number, spgId: number, fill = 0): number {
    if (spgId === U.SPG_ID_NONE) {
      const t = this.taskOf(callerPid);
      if (!t) return -ESRCH;
      const a = this.newArea(callerPid, size, 'K2TASK', null, 0, fill);
      if (typeof a === 'number') return a;
      if (this.areas.map(t, a) < 0) {
        this.abandon(a);
        return -ENOMEM;
      }
      const me = this.proc(callerPid);
      me.k2task.push(a); // the owner use: the applier's until it exits
      // k2u to a task keeps usage statistics for it, creating the record when it has none
      let st = me.statId !== null ? this.stats.get(me.statId) : undefined;
      if (!st) {
        this.stats.set(callerPid, (st = { tgid: callerPid, useCount: 1, allocSize: 0, k2uSize: 0 }));
        me.statId = callerPid;
      }
      st.k2uSize += size;
      return a.vaStart;
    }
    const g = this.find(callerPid, spgId);
    if (!g) return -ENODEV;
    const a = this.newArea(callerPid, size, 'K2SPG', g, 0, fill);
    if (typeof a === 'number') {
      this.drop(g);
      return a;
    }
    // sp_make_share_kva_to_spg: a member that cannot map it fails the whole call
    for (const pid of g.procs) {
      const t = this.taskOf(pid);
      if (t && this.areas.map(t, a) < 0) {
        this.abandon(a);
        this.drop(g);
        return -ENOMEM;
      }
    }
    g.spaList.push(a);
    this.drop(g);
    return a.vaStart;
  }

  // §6: sp_group_exit + sp_group_post_exit when a member's mm goes away; a process in no group
  // still gives back its K2TASK areas
  exit(task: Task): void {
    this.leave(task.pid, task);
  }
  /** The exit path for `pid`; `task` is null when the task is gone already (nothing to unmap). */
  private leave(pid: number, task: Task | null): void {
    const me = this.procs.get(pid);
    if (!me) return;
    for (const a of me.k2task.splice(0)) {
      this.areas.unmap(task, pid, a);
      this.areas.put(a);
    }
    const g = me.group;
    if (g) {
      if (g.isAlive) {
        if (g.procs.length === 1 && g.procs[0] === pid) {
          g.isAlive = false;
          this.deadNotices.push(g.id);
          this.k.trace(SP_TRACE.groupDead, { id: g.id });
        }
        const i = g.procs.indexOf(pid);
        if (i >= 0) g.procs.splice(i, 1);
      }
      for (const a of [...g.spaList]) this.areas.unmap(task, pid, a);
      me.group = null;
      this.drop(g);
    }
    const stat = me.statId !== null ? this.stats.get(me.statId) : undefined;
    if (stat && --stat.useCount <= 0) this.stats.delete(stat.tgid);
    this.procs.delete(pid);
  }

  /**
   * Module exit: every process leaves as if it exited, then whatever groups lookups still held go
   * with their areas. @returns how many areas had to be torn down here
   */
  teardown(): number {
    const left = this.areas.count;
    for (const pid of [...this.procs.keys()]) this.leave(pid, this.k.findTaskByVpid(pid));
    for (const g of [...this.groups.values()]) {
      g.useCount = 1;
      this.drop(g);
    }
    for (const a of [...this.areas.all()]) {
      for (const pid of [...a.mappedIn]) this.areas.unmap(this.k.findTaskByVpid(pid), pid, a);
      while (this.areas.all().includes(a)) this.areas.put(a);
    }
    return left;
  }
  groupOf(pid: number): number {
    return this.procs.get(pid)?.group?.id ?? -ENODEV;
  }
  /** The share-pool ranges pid maps. */
  mapped(pid: number): Array<[number, number]> {
    const t = this.k.findTaskByVpid(pid);
    return t ? t.mm.areas.filter((v) => v.start >= SP_BASE).map((v) => [v.start, v.end] as [number, number]) : [];
  }
}
