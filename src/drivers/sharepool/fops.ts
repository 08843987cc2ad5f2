// /dev/sharepool_test (uapi.ts), as openEuler's sharepool test suite drives the kernel. The share
// pool's own calls trust their kernel callers; this device is where user space comes in, so it
// checks what Linux checks before one process acts on another: ptrace-style access to a target
// pid (as process_vm_writev does), and membership before sharing memory into a group.
import { EFAULT, ENOTTY, EPERM, ESRCH } from '../../kernel/errno.js';
import { CAP_SYS_ADMIN, ptraceMayAccess } from '../../kernel/cred.js';
import type { FileOperations } from '../../kernel/vfs.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Task } from '../../kernel/task.js';
import type { SharePool } from './group.js';
import { SP_TRACE } from './trace.js';
import * as U from './uapi.js';

/** ptrace_may_access(target, PTRACE_MODE_ATTACH_REALCREDS): @returns the task, or -ESRCH / -EPERM */
function accessTask(k: ModuleApi<any>, cur: Task, pid: number): Task | number {
  const t = k.findTaskByVpid(pid);
  if (!t) return -ESRCH;
  if (!ptraceMayAccess(cur.tgid, cur.cred, t.tgid, t.cred)) {
    k.trace(SP_TRACE.errNoAccess, { caller: cur.pid, target: pid });
    return -EPERM;
  }
  return t;
}

/**
 * Joining a group exposes the memory of everyone in it: the caller must be able to ptrace the
 * group's owner and every member (or be an admin). The owner having exited changes nothing.
 */
function mayJoin(k: ModuleApi<any>, sp: SharePool, cur: Task, spgId: number): number {
  const g = sp.groups.get(spgId);
  if (!g || cur.capable(CAP_SYS_ADMIN)) return 0;
  for (const pid of new Set([g.owner, ...g.procs])) {
    const t = k.findTaskByVpid(pid);
    // a gone task's credentials are gone too: only its own pid may speak for it
    const ok = t ? ptraceMayAccess(cur.tgid, cur.cred, t.tgid, t.cred) : pid === cur.tgid || g.procs.length > 0;
    if (!ok) {
      k.trace(SP_TRACE.errNoAccess, { caller: cur.pid, group: spgId, member: pid });
      return -EPERM;
    }
  }
  return 0;
}

export function sharepoolTestFops(k: ModuleApi<any>, sp: SharePool): FileOperations {
  return {
    unlockedIoctl(_file, cmd, arg, cur) {
      const buf = new Uint8Array(32);
      const v = new DataView(buf.buffer);
      const io = (n: number) => (cur.copyFromUser(buf, arg, n) ? -EFAULT : 0);
      switch (cmd) {
        case U.SP_IOCTL_ADD_GROUP: {
          if (io(8)) return -EFAULT;
          const pid = v.getInt32(0, true);
          const spgId = v.getInt32(4, true);
          const t = accessTask(k, cur, pid);
          if (typeof t === 'number') return t;
          return mayJoin(k, sp, cur, spgId) || sp.addTask(pid, spgId, cur.pid);
        }
        case U.SP_IOCTL_ALLOC: {
          if (io(32)) return -EFAULT;
          const r = sp.alloc(cur.pid, Number(v.getBigUint64(0, true)), Number(v.getBigUint64(8, true)));
          if (r < 0) return r;
          return cur.putUser(arg + 24, BigInt(r), 8);
        }
        case U.SP_IOCTL_FREE:
          return io(8) || sp.free(cur.pid, Number(v.getBigUint64(0, true)));
        case U.SP_IOCTL_K2U: {
          if (io(24)) return -EFAULT;
          const spgId = v.getInt32(8, true);
          // sharing kernel memory into a group is for its members (or an admin)
          if (spgId !== U.SPG_ID_NONE && sp.groupOf(cur.pid) !== spgId && !cur.capable(CAP_SYS_ADMIN)) {
            k.trace(SP_TRACE.errNotMember, { caller: cur.pid, group: spgId });
            return -EPERM;
          }
          const r = sp.k2u(cur.pid, Number(v.getBigUint64(0, true)), spgId, v.getUint32(12, true) & 0xff);
          if (r < 0) return r;
          return cur.putUser(arg + 16, BigInt(r), 8);
        }
        case U.SP_IOCTL_GROUP_ID: {
          if (io(8)) return -EFAULT;
          const t = accessTask(k, cur, v.getInt32(0, true));
          if (typeof t === 'number') return t;
          const r = sp.groupOf(t.pid);
          return r < 0 ? r : cur.putUser(arg + 4, r, 4);
        }
        default:
          return -ENOTTY;
      }
    },
  };
}
