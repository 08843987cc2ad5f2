// What the bridge learns of a host process from procfs, and how its host credentials become the
// virtual kernel's. The pids here are always ones the host kernel vouched for (the sender of a
// message, src/bridge/native.ts); nothing a client claims is looked up.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { ALL_CAPS, Cred } from '../kernel/cred.js';

/** The inode of the socket a process holds as descriptor fd (/proc/<pid>/fd), or -1. */
export function socketOf(pid: number, fd: number): number {
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0xffffff) return -1;
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** Whether `pid` descends from `ancestor` (a bounded walk up /proc/<pid>/status PPid). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, steps = 0; p > 1 && steps < 64; steps++) {
    let st: string;
    try {
      st = readFileSync(`/proc/${p}/status`, 'latin1');
    } catch {
      return false;
    }
    const m = /^PPid:\s+(\d+)/m.exec(st);
    if (!m) return false;
    p = Number(m[1]);
    if (p === ancestor) return true;
  }
  return false;
}

/** A host process's credentials, as the addon reads them from /proc/<pid>/status. */
export interface HostIds {
  ruid: number; euid: number; suid: number; fsuid: number;
  rgid: number; egid: number; sgid: number; fsgid: number;
  /** CapEff's bits (the low 53: CAP_LAST_CAP is 40) */
  capEff: number;
  groups: number[];
}

export function hostIds(raw: number[] | null): HostIds | null {
  if (!raw || raw.length < 9) return null;
  const [ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid, capEff] = raw as [number, number, number, number, number, number, number, number, number];
  return { ruid, euid, suid, fsuid, rgid, egid, sgid, fsgid, capEff, groups: raw.slice(9) };
}

/**
 * Whether a process is dumpable (ptrace may touch it): the files in /proc/<pid> of a process that
 * made itself non-dumpable are root's instead of its effective uid's.
 */
export function dumpable(pid: number, euid: number): boolean {
  try {
    return statSync(`/proc/${pid}/status`).uid === euid;
  } catch {
    return false;
  }
}

/** Two processes hold exactly the same ids (real, effective, saved, fs), as OP_ACTFOR asks. */
export function sameIds(a: HostIds, b: HostIds): boolean {
  return a.ruid === b.ruid && a.euid === b.euid && a.suid === b.suid && a.fsuid === b.fsuid &&
    a.rgid === b.rgid && a.egid === b.egid && a.sgid === b.sgid && a.fsgid === b.fsgid;
}

/**
 * How host credentials appear inside the virtual kernel.
 * - 'root' (the default): the user who started the bridge is root there, with every capability,
 *   as `unshare --map-root-user` maps a user into a user namespace; its group is group 0. Any
 *   other host user keeps its own ids and its effective capabilities. The host credentials of
 *   the program do not change: only the virtual kernel sees it this way.
 * - 'host': every process is what the host says, ids and capabilities (to try a driver's
 *   permission checks as an ordinary user).
 */
export type UserMapping = 'root' | 'host';


/**
 * `cache`: Creds made before, by what they were made of. The ids are still read for every call;
 * only the object is shared (a Cred does not change), so a call does not build a set of 41
 * capabilities. Bounded: it starts over past 256 kinds.
 */
export function virtualCred(ids: HostIds, mapping: UserMapping, owner: { uid: number; gid: number }, cache?: Map<string, Cred>): Cred {
  if (cache) {
    const key = `${ids.fsuid}/${ids.fsgid}/${ids.euid}/${ids.capEff}/${ids.groups.join(',')}`;
    let c = cache.get(key);
    if (!c) {
      if (cache.size >= 256) cache.clear();
      c = virtualCred(ids, mapping, owner);
      cache.set(key, c);
    }
    return c;
  }
  const mapRoot = mapping === 'root';
  const uid = (id: number) => (mapRoot && id === owner.uid ? 0 : id);
  const gid = (id: number) => (mapRoot && id === owner.gid ? 0 : id);
  const caps = mapRoot && ids.euid === owner.uid ? ALL_CAPS : ALL_CAPS.filter((c) => Math.floor(ids.capEff / 2 ** c) % 2 === 1);
  return new Cred(uid(ids.fsuid), gid(ids.fsgid), caps, ids.groups.map(gid));
}
