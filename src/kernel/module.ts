// Loadable modules (kernel/module/main.c in spirit): defineModule, the per-instance kernel API `k`
// a driver's init/exit receive, and module reference counts (open files pin their module).
import { EINVAL, ENOMEM, isErr } from './errno.js';
import { Cdev } from './chrdev.js';
import { Kfifo } from './kfifo.js';
import { Timer, Tasklet, Work, Workqueue } from './sched.js';
import { WaitQueue, waitEventInterruptible, waitEvent, type PollTable } from './wait.js';
import { Mutex, Semaphore } from './locking.js';
import { Kref } from './kref.js';
import { Ida } from './ida.js';
import { KERN_ERR, KERN_INFO, KERN_WARNING, KERN_DEBUG } from './printk.js';
import type { DeviceAttribute, DeviceClass, Device, DeviceCreateOptions } from './device.js';
import type { MiscDevice } from './misc.js';
import type { File, FileOperations, ModuleRef } from './vfs.js';
import type { PhysMem } from './mm.js';
import type { ChrdevRegistry } from './chrdev.js';
import type { BlockRegistry, Gendisk, GendiskInit } from './block.js';
import type { DeviceModel } from './device.js';
import type { MiscRegistry } from './misc.js';
import type { Vfs } from './vfs.js';
import type { Clock } from './sched.js';
import type { LogBuffer } from './printk.js';
import type { Tracer } from './trace.js';
import type { FaultInjection } from './fault.js';

/**
 * What a module instance's API reaches in the kernel: exactly these services, so drivers (which
 * see only ModuleApi) never touch the rest, and module.ts does not depend on kernel.ts.
 */
export interface ModuleHost {
  readonly phys: PhysMem;
  readonly faults: FaultInjection;
  readonly chrdevs: ChrdevRegistry;
  readonly blockdevs: BlockRegistry;
  readonly misc: MiscRegistry;
  readonly devices: DeviceModel;
  readonly vfs: Vfs;
  readonly clock: Clock;
  readonly log: LogBuffer;
  readonly trace: Tracer;
  readonly modules: ReadonlyMap<string, { mod: Module; k: ModuleApi<ModuleParams, unknown> }>;
  readonly taskExitNotifiers: Set<(task: Task) => void>;
  guard<A extends unknown[]>(where: string, fn: (...a: A) => void): (...a: A) => void;
  tryModuleGet(owner: ModuleRef | null | undefined): boolean;
  findTaskByVpid(pid: number): Task | null;
}
import type { Task } from './task.js';

/** KMALLOC_MAX_SIZE: the largest single allocation a driver makes on a user's behalf (4 MiB). */
export const KMALLOC_MAX_SIZE = 4 << 20;

export type ModuleParams = Record<string, string | number | boolean | bigint | object | null | undefined>;

/**
 * A loadable module: P its parameters (with defaults), A what init puts on `k.api` — the type
 * insmod()'s handle gives its callers.
 */
export interface ModuleDef<P extends ModuleParams = ModuleParams, A = unknown> {
  readonly name: string;
  readonly description?: string;
  /** defaults; insmod(mod, { ... }) overrides them (an unknown name is logged and ignored, as Linux 4.2+) */
  readonly params?: P;
  init(k: ModuleApi<P, A>, params: P): number | Promise<number>;
  exit?(k: ModuleApi<P, A>): void | Promise<void>;
}

/** Declares a loadable module; insmod() it (or register it by name in the kernel's module list). */
export function defineModule<P extends ModuleParams, A = unknown>(def: ModuleDef<P, A>): ModuleDef<P, A> {
  if (!def.name || !/^[A-Za-z0-9_-]+$/.test(def.name)) throw new TypeError(`bad module name ${JSON.stringify(def.name)}`);
  return Object.freeze(def);
}

/** struct module: what the VFS pins while a file of this module is open. */
export class Module implements ModuleRef {
  refcnt = 0;
  state: ModuleRef['state'] = 'coming';
  /** modules this one pinned with useModule (module_use's target list) */
  readonly uses: Module[] = [];
  /** settles when init has returned (shutdown waits for a module still loading) */
  initDone: Promise<unknown> = Promise.resolve();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any module's definition
  constructor(readonly name: string, readonly def: ModuleDef<any, any>, readonly params: ModuleParams) {}
}

/**
 * The kernel as one module instance sees it. Everything registered through it is owned by the
 * module (fops.owner), so open files pin the module and rmmod answers -EBUSY meanwhile.
 */
export class ModuleApi<P extends ModuleParams = ModuleParams, A = unknown> {
  /** driver-private state (what a C driver keeps in file-scope statics) */
  state: unknown = null;
  /** what insmod() hands back to the caller (e.g. simulated-hardware controls) */
  api: A = {} as A;

  constructor(private readonly kernel: ModuleHost, readonly module: Module, readonly params: P) {}

  /** Physical memory, for drivers that play DMA-capable hardware (alloc_page/put_page, the bus view). */
  get phys(): PhysMem {
    return this.kernel.phys;
  }
  /** alloc_page: @returns a zeroed frame's pfn (refcount 1) or -ENOMEM */
  allocPage(): number {
    return this.kernel.phys.allocFrame();
  }
  /** get_page: one more reference to a frame (it is freed at the last put_page) */
  getPage(pfn: number): void {
    this.kernel.phys.getPage(pfn);
  }
  /** put_page */
  putPage(pfn: number): void {
    this.kernel.phys.putPage(pfn);
  }
  /**
   * kmalloc for a size a user chose: -EINVAL past KMALLOC_MAX_SIZE (so no user can make the host
   * allocate gigabytes), -ENOMEM when failslab fires. @returns zeroed bytes or -errno
   */
  kmalloc(size: number, site = 'kmalloc'): Uint8Array | number {
    if (!Number.isSafeInteger(size) || size < 0 || size > KMALLOC_MAX_SIZE) return -EINVAL;
    if (this.kernel.faults.failslab.shouldFail(site)) return -ENOMEM;
    return new Uint8Array(size);
  }
  /** should_failslab for allocations that are not byte buffers (dma pool blocks, structs) */
  shouldFailslab(site: string): boolean {
    return this.kernel.faults.failslab.shouldFail(site);
  }

  /** find_task_by_vpid: a live task (not one that has begun exiting), or null */
  findTaskByVpid(pid: number): Task | null {
    return Number.isSafeInteger(pid) ? this.kernel.findTaskByVpid(pid) : null;
  }
  /** Runs fn as each task exits, before its address space goes (mmput's hooks, e.g. sp_group_exit). */
  registerTaskExitNotifier(fn: (task: Task) => void): void {
    this.kernel.taskExitNotifiers.add(fn);
  }
  unregisterTaskExitNotifier(fn: (task: Task) => void): void {
    this.kernel.taskExitNotifiers.delete(fn);
  }

  /**
   * ref_module + symbol_get: this module uses another loaded module, which then cannot be
   * removed before this one (rmmod answers -EBUSY). @returns the other module's api, or null
   * when it is not loaded (the "Unknown symbol" case)
   */
  useModule<A = unknown>(name: string): A | null {
    const entry = this.kernel.modules.get(name);
    if (!entry || entry.mod === this.module) return null;
    if (!this.module.uses.includes(entry.mod)) {
      if (!this.kernel.tryModuleGet(entry.mod)) return null;
      this.module.uses.push(entry.mod);
    }
    return entry.k.api as A;
  }

  get name(): string {
    return this.module.name;
  }
  get clock() {
    return this.kernel.clock;
  }
  /** Milliseconds on the kernel clock (what jiffies stand for here). */
  now(): number {
    return this.kernel.clock.now();
  }

  private own(fops: FileOperations): FileOperations {
    if (fops.owner === undefined) fops.owner = this.module;
    return fops;
  }

  /**
   * Each registration below allocates in Linux (kzalloc, kobject_add, kmalloc in sysfs), so
   * failslab can fail it by its function's name: a test drives every step of an init's unwinding
   * with `kernel.faults.failslab.configure({ probability: 100, times: 1, sites: ['cdev_add'] })`.
   */
  private injected(site: string): boolean {
    return this.kernel.faults.failslab.shouldFail(site);
  }

  // ---- char devices (fs/char_dev.c) ----
  allocChrdevRegion(baseminor: number, count: number, name: string): number {
    if (this.injected('alloc_chrdev_region')) return -ENOMEM;
    return this.kernel.chrdevs.allocChrdevRegion(baseminor, count, name);
  }
  registerChrdevRegion(from: number, count: number, name: string): number {
    if (this.injected('register_chrdev_region')) return -ENOMEM;
    return this.kernel.chrdevs.registerChrdevRegion(from, count, name);
  }
  unregisterChrdevRegion(from: number, count: number): void {
    this.kernel.chrdevs.unregisterChrdevRegion(from, count);
  }
  /** register_chrdev(major, name, fops): 256 minors; @returns 0, the dynamic major, or -errno */
  registerChrdev(major: number, name: string, fops: FileOperations): number {
    if (this.injected('register_chrdev')) return -ENOMEM;
    return this.kernel.chrdevs.registerChrdev(major, 0, 256, name, this.own(fops), this.module);
  }
  unregisterChrdev(major: number, _name?: string): void {
    this.kernel.chrdevs.unregisterChrdev(major, 0, 256);
  }
  cdevAlloc(fops: FileOperations): Cdev {
    const c = new Cdev(this.own(fops));
    c.owner = this.module;
    return c;
  }
  cdevInit(cdev: Cdev, fops: FileOperations): void {
    cdev.ops = this.own(fops);
    cdev.owner = this.module;
  }
  cdevAdd(cdev: Cdev, dev: number, count: number): number {
    if (this.injected('cdev_add')) return -ENOMEM;
    return this.kernel.chrdevs.cdevAdd(cdev, dev, count);
  }
  cdevDel(cdev: Cdev): void {
    this.kernel.chrdevs.cdevDel(cdev);
  }

  // ---- block devices (block/genhd.c) ----
  /** register_blkdev: @returns 0, the dynamic major (major 0), or -errno */
  registerBlkdev(major: number, name: string): number {
    if (this.injected('register_blkdev')) return -ENOMEM;
    return this.kernel.blockdevs.registerBlkdev(major, name);
  }
  unregisterBlkdev(major: number, name: string): void {
    this.kernel.blockdevs.unregisterBlkdev(major, name);
  }
  /** add_disk: the disk's node, sysfs and /sys/block entry; open files of it pin this module */
  addDisk(init: GendiskInit): Gendisk | number {
    if (this.injected('add_disk')) return -ENOMEM;
    if (init.fops.owner === undefined) init.fops.owner = this.module;
    return this.kernel.blockdevs.addDisk(init);
  }
  delGendisk(disk: Gendisk): void {
    this.kernel.blockdevs.delGendisk(disk);
  }

  // ---- misc devices ----
  miscRegister(misc: MiscDevice): number {
    if (this.injected('misc_register')) return -ENOMEM;
    this.own(misc.fops);
    return this.kernel.misc.register(misc);
  }
  miscDeregister(misc: MiscDevice): void {
    this.kernel.misc.deregister(misc);
  }

  // ---- class / device / sysfs ----
  classCreate(name: string): DeviceClass | number {
    if (this.injected('class_create')) return -ENOMEM;
    return this.kernel.devices.classCreate(name);
  }
  classDestroy(cls: DeviceClass | number | null | undefined): void {
    if (cls && !isErr(cls)) this.kernel.devices.classDestroy(cls as DeviceClass);
  }
  deviceCreate(cls: DeviceClass, parent: Device | null, devt: number, drvdata: unknown, name: string, opts?: DeviceCreateOptions): Device | number {
    if (this.injected('device_create')) return -ENOMEM;
    return this.kernel.devices.deviceCreate(cls, parent, devt, drvdata, name, opts);
  }
  deviceDestroy(cls: DeviceClass, devt: number): void {
    this.kernel.devices.deviceDestroy(cls, devt);
  }
  deviceRegister(name: string, parent: Device | null, root?: string): Device | number {
    if (this.injected('device_register')) return -ENOMEM;
    return this.kernel.devices.deviceRegister(name, parent, root);
  }
  deviceUnregister(dev: Device): void {
    this.kernel.devices.deviceUnregister(dev);
  }
  deviceCreateFile(dev: Device, attr: DeviceAttribute): number {
    if (this.injected('device_create_file')) return -ENOMEM;
    return this.kernel.devices.deviceCreateFile(dev, attr);
  }
  deviceRemoveFile(dev: Device, name: string): void {
    this.kernel.devices.deviceRemoveFile(dev, name);
  }
  /** sysfs_create_link: a symlink in dev's sysfs directory to another device's. */
  sysfsCreateLink(dev: Device, name: string, target: Device): number {
    if (this.injected('sysfs_create_link')) return -ENOMEM;
    return this.kernel.devices.createLink(dev, name, target);
  }

  /** debugfs_create_file: a read-only diagnostic file at /sys/kernel/debug/<path> (not ABI). */
  debugfsCreateFile(path: string, show: (cur: Task) => string | number): number {
    const r = this.kernel.devices.createGeneratedFile(`/sys/kernel/debug/${path}`, 0o444, show, undefined, Infinity);
    return typeof r === 'number' ? r : 0;
  }
  /** debugfs_remove_recursive */
  debugfsRemove(path: string): void {
    this.kernel.vfs.remove(`/sys/kernel/debug/${path}`);
  }

  // ---- kernel services ----
  kfifoAlloc(size: number): Kfifo | number {
    if (this.injected('kfifo_alloc')) return -ENOMEM;
    return Kfifo.alloc(size);
  }
  initWaitqueueHead(): WaitQueue {
    return new WaitQueue();
  }
  waitEventInterruptible(wq: WaitQueue, cond: () => boolean, cur: Task): number | Promise<number> {
    return waitEventInterruptible(wq, cond, cur);
  }
  waitEvent(wq: WaitQueue, cond: () => boolean): void | Promise<void> {
    return waitEvent(wq, cond);
  }
  wakeUpInterruptible(wq: WaitQueue): void {
    wq.wakeUpInterruptible();
  }
  /** poll_wait: registers the file's queue with the poll table (null when only the mask is wanted). */
  pollWait(_file: File, wq: WaitQueue, pt: PollTable | null): void {
    pt?.add(wq);
  }
  timerSetup(fn: (t: Timer) => void): Timer {
    return new Timer(this.kernel.clock, this.kernel.guard(`timer ${this.name}`, fn));
  }
  modTimer(timer: Timer, expires: number): number {
    return timer.mod(expires);
  }
  delTimer(timer: Timer): number {
    return timer.del();
  }
  delTimerSync(timer: Timer): number {
    return timer.delSync();
  }
  taskletInit(fn: () => void): Tasklet {
    return new Tasklet(this.kernel.clock, this.kernel.guard(`tasklet ${this.name}`, fn));
  }
  taskletSchedule(t: Tasklet): void {
    t.schedule();
  }
  taskletKill(t: Tasklet): void {
    t.kill();
  }
  /** alloc_workqueue: null when it cannot be had (failslab 'alloc_workqueue') */
  allocWorkqueue(name: string): Workqueue | null {
    if (this.injected('alloc_workqueue')) return null;
    return new Workqueue(this.kernel.clock, name);
  }
  initWork(fn: (w: Work) => unknown): Work {
    return new Work(fn);
  }
  queueWork(wq: Workqueue, work: Work): boolean {
    return wq.queue(work);
  }
  flushWorkqueue(wq: Workqueue): Promise<void> {
    return wq.flush();
  }
  destroyWorkqueue(wq: Workqueue): Promise<void> {
    return wq.destroy();
  }
  mutexInit(): Mutex {
    return new Mutex();
  }
  semaInit(count: number): Semaphore {
    return new Semaphore(count);
  }
  krefInit(): Kref {
    return new Kref();
  }
  idaInit(): Ida {
    return new Ida();
  }

  // ---- printk / tracing ----
  printk(level: number, text: string): void {
    this.kernel.log.printk(level, text);
  }
  prInfo(text: string): void {
    this.printk(KERN_INFO, text);
  }
  prWarn(text: string): void {
    this.printk(KERN_WARNING, text);
  }
  prErr(text: string): void {
    this.printk(KERN_ERR, text);
  }
  prDebug(text: string): void {
    this.printk(KERN_DEBUG, text);
  }
  /** A tracepoint of this driver, e.g. trace('err_prp_list_misaligned', { index, entry }). */
  trace(name: string, fields?: Record<string, unknown>): void {
    this.kernel.trace.point(this.name, name, fields);
  }
}
