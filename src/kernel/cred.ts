// Credentials and capabilities (include/uapi/linux/capability.h numbers). uid 0 holds every
// capability, like root under the default securebits; other users hold only what they are granted.
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_KILL = 5;
export const CAP_SETUID = 7;
export const CAP_NET_ADMIN = 12;
export const CAP_IPC_LOCK = 14;
export const CAP_SYS_MODULE = 16;
export const CAP_SYS_RAWIO = 17;
export const CAP_SYS_PTRACE = 19;
export const CAP_SYS_ADMIN = 21;
export const CAP_SYS_NICE = 23;
export const CAP_SYS_RESOURCE = 24;
export const CAP_MKNOD = 27;
export const CAP_LAST_CAP = 40;

/** every capability, 0..CAP_LAST_CAP: what uid 0 holds by default */
export const ALL_CAPS: readonly number[] = Object.freeze(Array.from({ length: CAP_LAST_CAP + 1 }, (_, i) => i));

export class Cred {
  readonly caps: ReadonlySet<number>;

  /**
   * @param uid the uid permission checks use (fsuid)
   * @param gid the gid they use (fsgid)
   * @param groups the supplementary groups (in_group_p)
   */
  constructor(readonly uid: number, readonly gid: number, caps?: Iterable<number>, readonly groups: readonly number[] = []) {
    this.caps = new Set(caps ?? (uid === 0 ? ALL_CAPS : []));
  }
  capable(cap: number): boolean {
    return this.caps.has(cap);
  }
  /** in_group_p: the fsgid or a supplementary group */
  inGroup(gid: number): boolean {
    return this.gid === gid || this.groups.includes(gid);
  }
}

/**
 * __ptrace_may_access for PTRACE_MODE_ATTACH_REALCREDS (kernel/ptrace.c), without LSMs and with
 * every task dumpable: the same thread group, the same uid and gid, or CAP_SYS_PTRACE. What
 * process_vm_writev asks before one process touches another's memory.
 */
export function ptraceMayAccess(callerTgid: number, caller: Cred, targetTgid: number, target: Cred): boolean {
  if (callerTgid === targetTgid) return true;
  if (caller.uid === target.uid && caller.gid === target.gid) return true;
  return caller.capable(CAP_SYS_PTRACE);
}
