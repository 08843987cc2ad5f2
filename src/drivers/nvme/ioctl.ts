// nvme_user_admin_cmd (nvme-core.c 3.x, nvme §3): CAP_SYS_ADMIN, copy the 72-byte command, pin
// and describe the user buffer with PRPs, submit synchronously, write back the result.
import { EACCES, EFAULT, ENOMEM } from '../../kernel/errno.js';
import { CAP_SYS_ADMIN } from '../../kernel/cred.js';
import type { Task } from '../../kernel/task.js';
import type { Clock } from '../../kernel/sched.js';
import { NvmeAdminCmd } from './uapi.js';
import type { NvmeQueue } from './queue.js';
import { NVME_TRACE } from './trace.js';

/** ADMIN_TIMEOUT: 60 s when the caller gives timeout_ms 0. */
export const ADMIN_TIMEOUT_MS = 60_000;

/** A pinned user buffer described by PRPs; release() frees the lists and unpins (always called). */
export interface PrpMapping {
  prp1: bigint;
  prp2: bigint;
  /** bytes the PRPs describe: less than asked when a dma pool ran dry */
  lenBuilt: number;
  release(): void;
}

/** nvme_map_user_pages + nvme_setup_prps, provided by the driver's dma binding. */
export type MapUserBuffer = (cur: Task, addr: bigint, length: number, write: boolean) => PrpMapping | number;

export interface AdminCmdContext {
  adminq: NvmeQueue;
  clock: Clock;
  mapUser: MapUserBuffer;
  trace(name: string, fields: Record<string, unknown>): void;
}

export async function nvmeUserAdminCmd(ctx: AdminCmdContext, arg: number, cur: Task): Promise<number> {
  if (!cur.capable(CAP_SYS_ADMIN)) {
    ctx.trace(NVME_TRACE.errNoCapSysAdmin, { pid: cur.pid });
    return -EACCES;
  }
  const raw = new Uint8Array(NvmeAdminCmd.SIZE);
  if (cur.copyFromUser(raw, arg, NvmeAdminCmd.SIZE)) {
    ctx.trace(NVME_TRACE.errCmdFault, { arg });
    return -EFAULT;
  }
  const cmd = NvmeAdminCmd.read(new DataView(raw.buffer));
  const sqe = {
    opcode: cmd.opcode, flags: cmd.flags, cid: 0, nsid: cmd.nsid, cdw2: cmd.cdw2, cdw3: cmd.cdw3, mptr: 0n,
    prp1: 0n, prp2: 0n, cdw10: cmd.cdw10, cdw11: cmd.cdw11, cdw12: cmd.cdw12, cdw13: cmd.cdw13, cdw14: cmd.cdw14, cdw15: cmd.cdw15,
  };
  let mapping: PrpMapping | null = null;
  const length = cmd.dataLen;
  if (length) {
    // the data direction comes from opcode bit 0 (1 = host to controller)
    const m = ctx.mapUser(cur, cmd.addr, length, (cmd.opcode & 1) === 1);
    if (typeof m === 'number') {
      ctx.trace(NVME_TRACE.errMapUser, { addr: Number(cmd.addr & 0xffffffffn), length, errno: -m });
      return m;
    }
    mapping = m;
    sqe.prp1 = m.prp1;
    sqe.prp2 = m.prp2;
  }
  const timeout = cmd.timeoutMs ? cmd.timeoutMs : ADMIN_TIMEOUT_MS;
  let status: number;
  let result = 0;
  let deferred = false;
  try {
    if (mapping && mapping.lenBuilt !== length) {
      ctx.trace(NVME_TRACE.errPrpShort, { wanted: length, built: mapping.lenBuilt });
      status = -ENOMEM; // command not submitted
    } else {
      const m = mapping;
      const r = await ctx.adminq.submitSync(sqe, timeout, ctx.clock, cur, m ? () => m.release() : undefined);
      status = r.status;
      result = r.result;
      deferred = r.deferred === true;
      if (status < 0) ctx.trace(NVME_TRACE.errCmdNotCompleted, { opcode: cmd.opcode, timeoutMs: timeout, errno: -status });
    }
  } finally {
    // a cancelled command keeps its pinned pages until the controller is done with them
    if (!deferred) mapping?.release();
  }
  if (status >= 0 && cur.putUser(arg + NvmeAdminCmd.RESULT_OFFSET, result, 4)) {
    ctx.trace(NVME_TRACE.errCmdFault, { arg });
    return -EFAULT;
  }
  return status;
}
