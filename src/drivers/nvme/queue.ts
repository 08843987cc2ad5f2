// The host's view of one queue pair (nvme-core.c 3.x struct nvme_queue): command ids, SQ tail
// doorbell, CQ phase, and the synchronous submit that ioctls use (nvme §7).
import { EINTR, ENOMEM } from '../../kernel/errno.js';
import type { Clock } from '../../kernel/sched.js';
import type { PhysMem } from '../../kernel/mm.js';
import type { Task } from '../../kernel/task.js';
import { WaitQueue } from '../../kernel/wait.js';
import { CQE_SIZE, SQE_SIZE, cqHeadDoorbell, sqTailDoorbell, writeSqe, type Sqe } from './ctrl/regs.js';

/** What the host driver touches of the controller: its BAR (register writes). */
export interface Bar {
  writeReg32(off: number, v: number): void;
}

interface CmdInfo {
  done: (status: number, result: number) => void;
  cancelled: boolean;
  /** a cancelled command still owns its buffers: this gives them back when it really ends */
  late?: () => void;
}

export interface SyncResult {
  /** 0, a positive NVMe status (CQE status >> 1), or -errno */
  status: number;
  result: number;
  /** the command was cancelled while the controller still had it: `onLate` runs at its end */
  deferred?: boolean;
}

export class NvmeQueue {
  sqTail = 0;
  cqHead = 0;
  cqPhase = 1;
  sqHead = 0;
  private readonly cmdinfo: Array<CmdInfo | null>;
  private readonly idWait = new WaitQueue();
  private readonly view: DataView;

  constructor(
    readonly qid: number,
    readonly depth: number,
    readonly sqFrame: number,
    readonly cqFrame: number,
    phys: PhysMem,
    private readonly bar: Bar,
    private readonly dstrd: number,
  ) {
    this.cmdinfo = new Array(depth - 1).fill(null);
    this.view = new DataView(phys.memory.buffer);
  }

  get sqPhys(): number {
    return this.sqFrame * 4096;
  }
  get cqPhys(): number {
    return this.cqFrame * 4096;
  }
  /** ids in use (tests: 63 at most on the admin queue) */
  get outstanding(): number {
    return this.cmdinfo.filter((c) => c && !c.cancelled).length;
  }

  // see: nvme-core.c alloc_cmdid — lowest free id of depth - 1
  private allocCmdid(info: CmdInfo): number {
    const id = this.cmdinfo.indexOf(null);
    if (id >= 0) this.cmdinfo[id] = info;
    return id;
  }
  private freeCmdid(id: number): void {
    this.cmdinfo[id] = null;
    this.idWait.wakeUp();
  }

  private submit(sqe: Sqe): void {
    writeSqe(this.view, this.sqPhys + this.sqTail * SQE_SIZE, sqe);
    if (++this.sqTail === this.depth) this.sqTail = 0;
    this.bar.writeReg32(sqTailDoorbell(this.qid, this.dstrd), this.sqTail);
  }

  // see: nvme-core.c nvme_process_cq — new entries carry the current phase; head wraps flip it
  processCq(): void {
    let consumed = false;
    for (;;) {
      const p = this.cqPhys + this.cqHead * CQE_SIZE;
      const status = this.view.getUint16(p + 14, true);
      if ((status & 1) !== this.cqPhase) break;
      this.sqHead = this.view.getUint16(p + 8, true);
      const cid = this.view.getUint16(p + 12, true);
      const result = this.view.getUint32(p, true);
      if (++this.cqHead === this.depth) {
        this.cqHead = 0;
        this.cqPhase ^= 1;
      }
      consumed = true;
      const info = this.cmdinfo[cid];
      if (!info) continue; // a completion for an id nobody owns: ignored, as the 3.x driver warns
      this.freeCmdid(cid);
      // a late completion of a timed-out (cancelled) command is dropped; only now may its
      // buffers go back, since the controller could write them until this very completion
      if (!info.cancelled) info.done(status >> 1, result);
      else info.late?.();
    }
    if (consumed) this.bar.writeReg32(cqHeadDoorbell(this.qid, this.dstrd), this.cqHead);
  }

  /**
   * nvme_submit_sync_cmd: waits for a free id (killable), submits, sleeps until the completion
   * or the timeout; a timeout or fatal signal cancels the id and returns -EINTR (not -ETIME).
   */
  async submitSync(sqe: Sqe, timeoutMs: number, clock: Clock, cur: Task | null, onLate?: () => void): Promise<SyncResult> {
    let resolveDone!: (r: SyncResult) => void;
    const completion = new Promise<SyncResult>((r) => (resolveDone = r));
    const info: CmdInfo = { done: (status, result) => resolveDone({ status, result }), cancelled: false };
    let cid = this.allocCmdid(info);
    while (cid < 0) {
      if (cur?.fatalSignalPending()) return { status: -EINTR, result: 0 };
      await new Promise<void>((resolve) => {
        const off = this.idWait.addWaiter(() => (off(), offSig(), resolve()));
        const offSig = cur ? cur.onSignal(() => (off(), offSig(), resolve())) : () => {};
      });
      cid = this.allocCmdid(info);
    }
    if (cid > 0xffff) return { status: -ENOMEM, result: 0 };
    this.submit({ ...sqe, cid });
    let timer: { cancel(): void } | null = null;
    let offSig = () => {};
    const interrupted = new Promise<SyncResult>((resolve) => {
      timer = clock.schedule(clock.now() + timeoutMs, () => resolve({ status: -EINTR, result: 0 }));
      if (cur) offSig = cur.onSignal(() => cur.fatalSignalPending() && resolve({ status: -EINTR, result: 0 }));
    });
    const r = await Promise.race([completion, interrupted]);
    (timer as { cancel(): void } | null)?.cancel();
    offSig();
    if (r.status === -EINTR && this.cmdinfo[cid] === info) {
      // cancel_cmdid: the id stays taken until the controller completes it, and so do the
      // command's buffers (a timed-out command that runs later must not write freed pages)
      info.cancelled = true;
      info.late = onLate;
      return onLate ? { ...r, deferred: true } : r;
    }
    return r;
  }

  /**
   * After the controller is disabled (CC.EN = 0) nothing it had can run any more: cancelled
   * commands give their buffers back and every id is free again.
   */
  reset(): void {
    for (let id = 0; id < this.cmdinfo.length; id++) {
      const info = this.cmdinfo[id];
      if (!info) continue;
      this.cmdinfo[id] = null;
      if (info.cancelled) info.late?.();
      else info.done(-EINTR, 0);
    }
    this.idWait.wakeUp();
  }
}
