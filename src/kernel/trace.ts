// Per-kernel tracing: free until someone subscribes (style.md "Tracing, from day one").
// Syscalls emit one record each; drivers emit named tracepoints (err_ prefix for failures).
import { errnoName, errnoMessage } from './errno.js';

export interface TraceEvent {
  t: number;
  /** 'syscall' for syscalls, otherwise the tracepoint's subsystem, e.g. 'nvme' */
  kind: string;
  name: string;
  pid?: number;
  args?: readonly unknown[];
  ret?: number;
  fields?: Record<string, unknown>;
  text: string;
}

export class Tracer {
  private readonly subs = new Set<(e: TraceEvent) => void>();

  constructor(private readonly now: () => number) {}

  get enabled(): boolean {
    return this.subs.size > 0;
  }
  on(fn: (e: TraceEvent) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
  /** One record per syscall, strace-style: `[pid 1] read(3, 0x10000, 66) = -1 EAGAIN (...)`. */
  syscall(pid: number, name: string, args: readonly unknown[], ret: number): void {
    if (this.subs.size === 0) return;
    const shown = args.map((a) => {
      try {
        return typeof a === 'string' ? JSON.stringify(a) : typeof a === 'number' && a >= 0x10000 ? `0x${a.toString(16)}` : String(a);
      } catch {
        return '?'; // a user's object whose toString throws is still traced
      }
    });
    const r = ret < 0 ? `-1 ${errnoName(-ret)} (${errnoMessage(-ret)})` : String(ret);
    this.emit({ t: this.now(), kind: 'syscall', name, pid, args, ret, text: `[pid ${pid}] ${name}(${shown.join(', ')}) = ${r}` });
  }
  /** A driver tracepoint, e.g. point('nvme', 'err_prp_list_misaligned', { index, entry }). */
  point(kind: string, name: string, fields: Record<string, unknown> = {}): void {
    if (this.subs.size === 0) return;
    const body = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'number' && v > 9 ? '0x' + v.toString(16) : String(v)}`).join(' ');
    this.emit({ t: this.now(), kind, name, fields, text: `${kind}:${name} ${body}`.trimEnd() });
  }
  private emit(e: TraceEvent): void {
    for (const s of this.subs) s(e);
  }
}
