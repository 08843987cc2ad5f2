// The public entry: Kernel (with the built-in modules wired in), the Process API, the driver API.
import { KernelCore, type BootOptions, type SpawnOptions } from './kernel/kernel.js';
import { Process } from './user/process.js';
import type { Bridge, BridgeOptions } from './bridge/server.js';
import { startBridge } from '#bridge';
import { mem } from './drivers/mem/index.js';
import { nvme } from './drivers/nvme/index.js';
import { kxo } from './drivers/kxo/index.js';
import { testBus, testChrdev } from './drivers/testbus/index.js';
import { qat } from './drivers/qat/index.js';
import { sharepool } from './drivers/sharepool/index.js';
import type { ModuleDef, ModuleParams } from './kernel/module.js';
import type { ModuleHandle } from './kernel/kernel.js';
import type { KxoApi } from './drivers/kxo/index.js';
import type { NvmeApi } from './drivers/nvme/index.js';
import type { QatApi } from './drivers/qat/index.js';
import type { SharepoolApi } from './drivers/sharepool/index.js';
import type { TestBusApi } from './drivers/testbus/bus.js';
import type { TestChrdevApi } from './drivers/testbus/index.js';

/** Built-in modules insmod() finds by name. Frozen: several kernels share it read-only. */
export const BUILTIN_MODULES = Object.freeze({ mem, kxo, nvme, qat, sharepool, test_bus: testBus, test_chrdev: testChrdev });

/** What insmod('<built-in>') hands back as `api`, by module name. */
export interface BuiltinApis {
  mem: unknown;
  kxo: KxoApi;
  nvme: NvmeApi;
  qat: QatApi;
  sharepool: SharepoolApi;
  test_bus: TestBusApi;
  test_chrdev: TestChrdevApi;
}

/** Modules every boot loads, as a kernel's built-in drivers are present from the start. */
const AUTOLOAD = ['mem'] as const;

export class Kernel extends KernelCore {
  /** Boots a kernel with /dev/null, /dev/zero and /dev/full present. */
  static async boot(opts: BootOptions = {}): Promise<Kernel> {
    const k = new Kernel({ ...opts, modules: { ...BUILTIN_MODULES, ...opts.modules } });
    for (const name of AUTOLOAD) await k.insmod(name);
    return k;
  }
  /** insmod: a built-in by name (its api typed), or any module definition. */
  override insmod<N extends keyof BuiltinApis>(name: N, params?: ModuleParams): Promise<ModuleHandle<BuiltinApis[N]>>;
  override insmod<P extends ModuleParams, A>(def: ModuleDef<P, A>, params?: Partial<P>): Promise<ModuleHandle<A>>;
  override insmod<A = unknown>(name: string, params?: ModuleParams): Promise<ModuleHandle<A>>;
  override insmod(m: ModuleDef<ModuleParams, unknown> | string, params?: ModuleParams): Promise<ModuleHandle<unknown>> {
    return super.insmod(m as string, params);
  }
  /** A new process (uid 0 = root with every capability unless `caps` narrows it). */
  spawn(opts: SpawnOptions = {}): Process {
    return new Process(this, this.createTask(opts));
  }
  /**
   * Serves this kernel to real programs (Node on Linux only): listens on a Unix socket and
   * returns the environment (LD_PRELOAD, VCHARDEV_SOCK, VCHARDEV_PATHS) under which a child
   * process sees this kernel's /dev, /sys and /proc entries. `vchardev run` is built on it.
   */
  async bridge(opts: BridgeOptions = {}): Promise<Bridge> {
    return startBridge(this, opts);
  }
}

export { Process } from './user/process.js';
export type { CallOptions } from './user/process.js';
export type { Bridge, BridgeOptions, UserMapping } from './bridge/server.js';
export type { BootOptions, SpawnOptions, ModuleHandle } from './kernel/kernel.js';
export type { KxoApi, NvmeApi, QatApi, SharepoolApi, TestBusApi, TestChrdevApi };
export { KernelCore } from './kernel/kernel.js';
export { defineModule, ModuleApi, type ModuleDef, type ModuleParams } from './kernel/module.js';
export * from './kernel/errno.js';
export * from './kernel/devt.js';
export * from './kernel/ioctl.js';
export {
  O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_CLOEXEC,
  SEEK_SET, SEEK_CUR, SEEK_END, S_IFMT, S_IFCHR, S_IFBLK, S_IFDIR, S_IFREG, S_IFLNK, isChr, isBlk, isDir,
  File, Inode, fixedSizeLlseek, type FileOperations,
} from './kernel/vfs.js';
export {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND,
  DEFAULT_POLLMASK, WaitQueue, PollTable,
} from './kernel/wait.js';
export { PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC, PAGE_SIZE, TASK_SIZE } from './kernel/mm.js';
export { SIGKILL, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, Task } from './kernel/task.js';
export * from './kernel/cred.js';
export { KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO, KERN_DEBUG } from './kernel/printk.js';
export { VirtualClock, RealClock, Clock } from './kernel/sched.js';
export { Kfifo } from './kernel/kfifo.js';
export { MISC_MAJOR, MISC_DYNAMIC_MINOR, type MiscDevice } from './kernel/misc.js';
export type { DeviceAttribute, Device, DeviceClass } from './kernel/device.js';
export {
  BLOCK_EXT_MAJOR, GENHD_FL_EXT_DEVT, BLKROSET, BLKROGET, BLKGETSIZE, BLKFLSBUF, BLKSSZGET, BLKPBSZGET, BLKBSZGET, BLKGETSIZE64,
  Gendisk, type GendiskInit, type BlockDeviceOperations,
} from './kernel/block.js';
export type { PollFd } from './kernel/syscalls.js';
export type { TraceEvent } from './kernel/trace.js';
// the engines, also importable alone as 'vchardev/kxo' and 'vchardev/dma'
export { KxoEngine, type Player, type MctsStats, type KxoEngineOptions } from './wasm/kxo.js';
export { DmaEngine, PRP_RULES, type WalkResult } from './wasm/dma.js';
export { StrongEngine, type StrongEngineOptions, type Solution, type SolveProgress } from './wasm/strong.js';
export { createEngine, winnerOf, AI_NAMES, type Engine, type EngineOptions, type AiName, type PlayerEngine, type PlayerEngineOptions } from './wasm/engine.js';
export { PlayerFile, PlayerForfeit, PlayerLoadError, KXO_ABI_VERSION, type PlayerSource } from './wasm/player.js';
export { WasmAbort, EngineLoadError, type WasmBuild, type EngineSource } from './wasm/instance.js';
export { FaultAttr, FaultInjection, type FaultConfig } from './kernel/fault.js';
