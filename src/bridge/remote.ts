// A real process's memory as the kernel's uaccess backend, through the server addon:
// process_vm_readv/process_vm_writev, which fault where the process itself may not read or write
// (a PROT_NONE page, a read-only mapping, its code), as copy_to_user does, and reach only the
// process the pid named when its message arrived (its generation, src/bridge/native.ts).
import type { UserMemoryBackend } from '../kernel/uaccess.js';
import type { Addon, AddonServer } from './native.js';

/** x86-64's user address space: 47 bits */
export const USER_LIMIT = 2 ** 47;

export class RemoteMemory implements UserMemoryBackend {
  readonly limit = USER_LIMIT;

  constructor(private readonly addon: Addon, private readonly srv: AddonServer, readonly pid: number, readonly gen: number) {}

  read(addr: number, dst: Uint8Array, n: number): number {
    return this.addon.memory(this.srv, 0, this.pid, this.gen, addr, dst, 0, n);
  }
  write(addr: number, src: Uint8Array, n: number): number {
    return this.addon.memory(this.srv, 1, this.pid, this.gen, addr, src, 0, n);
  }
  /** Every page of the range is in a mapping the process may write, now (PROCMAP_QUERY). */
  writable(addr: number, n: number): boolean {
    return this.addon.writable(this.srv, this.pid, this.gen, addr, n);
  }
  /** [offset, length] pairs of src written at addr + offset, in one system call */
  writeRuns(addr: number, src: Uint8Array, runs: Uint32Array): number {
    return this.addon.writeRuns(this.srv, this.pid, this.gen, addr, src, runs);
  }
  /** memcmp: a page the device left as it found it (the same Identify again) costs no loop */
  equal(a: Uint8Array, b: Uint8Array): boolean {
    return Buffer.compare(a, b) === 0;
  }
}
