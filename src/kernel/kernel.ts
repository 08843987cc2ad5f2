// Boot, modules and tasks: the only file that knows every concept. A Kernel is an object, so
// several can run side by side (tests, browser tabs); nothing mutable lives in module scope.
import { EEXIST, EINVAL, EIO, ENODEV, ENOENT, EBUSY, ENOMEM, KernelError } from './errno.js';
import { PhysMem, AddressSpace } from './mm.js';
import { Vfs, type ModuleRef } from './vfs.js';
import { ChrdevRegistry } from './chrdev.js';
import { DeviceModel } from './device.js';
import { BlockRegistry } from './block.js';
import { MiscRegistry, type MiscEra } from './misc.js';
import { LogBuffer, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_WARNING } from './printk.js';
import { Tracer } from './trace.js';
import { Clock, RealClock, VirtualClock } from './sched.js';
import { CAP_LAST_CAP, Cred } from './cred.js';
import type { UserMemoryBackend } from './uaccess.js';
import { Task, NR_OPEN } from './task.js';
import { Syscalls } from './syscalls.js';
import { Module, ModuleApi, type ModuleDef, type ModuleParams } from './module.js';
import { FaultInjection } from './fault.js';

export interface BootOptions {
  /**
   * 'real' (the default: time passes by itself, as in Linux: kxo's boards come, timeouts fire),
   * 'virtual' (deterministic: time moves only on `kernel.clock.advance(ms)`, for tests and
   * replays), or a Clock
   */
  clock?: 'virtual' | 'real' | Clock;
  /** physical memory in MiB (default 64) */
  memoryMiB?: number;
  /** seeds the frame shuffle (default 1) */
  seed?: number;
  /** misc minor allocator era (default 'modern'; nvme's 3.x driver wants '3.x' numbering) */
  misc?: MiscEra;
  /** modules insmod() may load by name */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- definitions of any params and api
  modules?: Readonly<Record<string, ModuleDef<any, any>>>;
}

export interface SpawnOptions {
  uid?: number;
  gid?: number;
  /** capabilities for a non-root task (root holds all) */
  caps?: Iterable<number>;
  comm?: string;
  /** the memory of a real process this task stands for (the bridge); user copies go there */
  remote?: UserMemoryBackend;
  /** the pid of that process (it must not be taken already) */
  pid?: number;
}

/** What insmod() returns: the module's name, its `k.api` (calls pin the module) and its `k`. */
export interface ModuleHandle<A = unknown> {
  readonly name: string;
  readonly api: A;
  readonly k: ModuleApi<ModuleParams, A>;
}

/** spawn()'s options, checked as a syscall checks its arguments: a wrong one is EINVAL, never a TypeError */
function checkSpawnOptions(opts: SpawnOptions): void {
  const bad = (what: string) => new KernelError(EINVAL, 'spawn', what);
  if (opts === null || typeof opts !== 'object') throw bad('options must be an object');
  const id = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 2 ** 32);
  if (!id(opts.uid)) throw bad(`uid ${String(opts.uid)}`);
  if (!id(opts.gid)) throw bad(`gid ${String(opts.gid)}`);
  if (opts.comm !== undefined && typeof opts.comm !== 'string') throw bad('comm must be a string');
  if (opts.caps !== undefined) {
    const caps = opts.caps as unknown;
    if (caps === null || typeof caps !== 'object' || typeof (caps as Iterable<unknown>)[Symbol.iterator] !== 'function') throw bad('caps must be an iterable of capability numbers');
    for (const c of caps as Iterable<unknown>) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > CAP_LAST_CAP) throw bad(`capability ${String(c)}`);
    }
  }
}

/**
 * How long shutdown waits for a module held by calls and releases still running: a bound for a
 * driver that never wakes its sleepers, not a timing anything is decided by (they normally end
 * at once, as exit ends their sleeps)
 */
const SHUTDOWN_WAIT_MS = 2000;

export class KernelCore {
  readonly clock: Clock;
  readonly phys: PhysMem;
  readonly vfs = new Vfs();
  readonly chrdevs = new ChrdevRegistry();
  readonly devices: DeviceModel;
  readonly blockdevs: BlockRegistry;
  readonly misc: MiscRegistry;
  readonly log: LogBuffer;
  readonly trace: Tracer;
  readonly sys: Syscalls;
  /** failslab / fail_page_alloc / fail_usercopy: off until configured */
  readonly faults: FaultInjection;
  readonly tasks = new Map<number, Task>();
  /** open files (struct file) alive: /proc/sys/fs/file-nr's first number */
  nrFiles = 0;
  readonly modules = new Map<string, { mod: Module; k: ModuleApi<ModuleParams, unknown> }>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- definitions of any params and api
  private readonly known: Readonly<Record<string, ModuleDef<any, any>>>;
  /** called as a task exits, before its address space goes (mmput's hooks, e.g. sp_group_exit) */
  readonly taskExitNotifiers = new Set<(task: Task) => void>();
  private nextPid = 1;
  /** exits in progress, so a second exit() awaits the first */
  private readonly exiting = new Map<Task, Promise<void>>();

  protected constructor(opts: BootOptions) {
    this.clock = opts.clock instanceof Clock ? opts.clock : opts.clock === 'virtual' ? new VirtualClock() : new RealClock();
    this.log = new LogBuffer(() => this.clock.now());
    this.trace = new Tracer(() => this.clock.now());
    this.clock.onError = (err) => this.oops(err, 'softirq/worker');
    this.phys = new PhysMem(opts.memoryMiB ?? 64, opts.seed ?? 1);
    this.faults = new FaultInjection(opts.seed ?? 1);
    this.phys.failPageAlloc = this.faults.failPageAlloc;
    this.devices = new DeviceModel(this.vfs);
    this.blockdevs = new BlockRegistry(this.devices, this.vfs, this.phys);
    this.misc = new MiscRegistry(opts.misc ?? 'modern', this.devices, this.chrdevs, this);
    this.sys = new Syscalls(this);
    this.known = opts.modules ?? {};
    this.devices.createGeneratedFile('/proc/devices', 0o444, () =>
      `Character devices:\n${this.chrdevs.procDevices().join('\n')}\n\nBlock devices:\n${this.blockdevs.procDevices().map((l) => `${l}\n`).join('')}`, undefined, Infinity);
    this.devices.createGeneratedFile('/proc/partitions', 0o444, () => this.blockdevs.procPartitions(), undefined, Infinity);
    this.devices.createGeneratedFile('/proc/misc', 0o444, () =>
      this.misc.all().map((m) => `${String(m.minor).padStart(3)} ${m.name}\n`).join(''), undefined, Infinity);
    this.devices.createGeneratedFile('/proc/sys/fs/file-nr', 0o444, () => `${this.nrFiles}\t0\t${NR_OPEN}\n`, undefined, Infinity);
    this.devices.createGeneratedFile('/proc/modules', 0o444, () =>
      [...this.modules.values()].map(({ mod }) => `${mod.name} 0 ${mod.refcnt} - ${mod.state === 'live' ? 'Live' : mod.state === 'coming' ? 'Loading' : 'Unloading'} 0x0\n`).join(''),
      undefined, Infinity);
    this.log.printk(KERN_INFO, `Linux version 3.13-vchardev (virtual, ${this.phys.nrFrames * 4} KiB RAM, misc ${this.misc.era})`);
  }

  /** Boots a bare kernel (no built-in modules); src/index.ts's Kernel.boot adds them. */
  static async bootCore(opts: BootOptions = {}): Promise<KernelCore> {
    return new KernelCore(opts);
  }

  /** The dmesg text. */
  dmesg(): string {
    return this.log.text();
  }

  /** A driver bug surfaced the Linux way: an oops in the log; the caller turns it into -EIO. */
  oops(err: unknown, where: string): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.log.printk(KERN_EMERG, `BUG: exception in ${where}: ${e.name}: ${e.message}`);
    this.log.printk(KERN_EMERG, `Oops: driver code threw; the kernel goes on (${where})`);
    for (const line of (e.stack ?? '').split('\n').slice(1, 4)) this.log.printk(KERN_EMERG, ` ${line.trim()}`);
    this.trace.point('kernel', 'oops', { where, message: e.message });
  }

  /** Wraps a callback (timer, tasklet) so a throw becomes an oops and the callback is dropped. */
  guard<A extends unknown[]>(where: string, fn: (...a: A) => void): (...a: A) => void {
    return (...a: A) => {
      try {
        fn(...a);
      } catch (err) {
        this.oops(err, where);
      }
    };
  }

  // ---- module references (try_module_get / module_put) ----
  tryModuleGet(owner: ModuleRef | null | undefined): boolean {
    if (!owner) return true;
    if (owner.state !== 'live' && owner.state !== 'coming') return false;
    owner.refcnt++;
    return true;
  }
  modulePut(owner: ModuleRef | null | undefined): void {
    if (!owner) return;
    if (owner.refcnt <= 0) throw new Error(`module_put: ${owner.name} refcount underflow`);
    owner.refcnt--;
  }

  // ---- tasks ----
  /** Creates a task with an empty address space. */
  createTask(opts: SpawnOptions = {}): Task {
    checkSpawnOptions(opts);
    if (opts.pid !== undefined && (!Number.isSafeInteger(opts.pid) || opts.pid < 1 || this.tasks.has(opts.pid))) throw new KernelError(EEXIST, 'fork', `pid ${String(opts.pid)}`);
    const mm = AddressSpace.create(this.phys);
    if (typeof mm === 'number') throw new KernelError(ENOMEM, 'fork');
    const uid = opts.uid ?? 0;
    while (this.tasks.has(this.nextPid)) this.nextPid++;
    const task = new Task(opts.pid ?? this.nextPid++, new Cred(uid, opts.gid ?? uid, opts.caps), mm, opts.remote ?? null);
    if (opts.comm) task.comm = opts.comm;
    task.usercopyFault = this.faults.failUsercopy;
    this.tasks.set(task.pid, task);
    return task;
  }
  /** find_task_by_vpid for drivers: a task that has begun exiting is not found. */
  findTaskByVpid(pid: number): Task | null {
    const t = this.tasks.get(pid);
    return t && !t.exiting ? t : null;
  }

  /**
   * do_exit: marks the task exiting (no new call enters; every sleep it has ends as for SIGKILL),
   * closes its descriptors (a call still in flight holds its own file reference, so that file's
   * release runs when the call leaves), runs the exit notifiers, then drops the task's reference
   * to its address space: the memory goes when the last call in flight has returned (mmput).
   * Concurrent exits share one; the promise settles once the task is gone from the pid table.
   */
  exitTask(task: Task): Promise<void> {
    let done = this.exiting.get(task);
    if (done) return done;
    if (task.exited) return Promise.resolve();
    task.beginExit();
    done = (async () => {
      for (const fd of task.openFds()) {
        const file = task.fdRemove(fd);
        if (typeof file !== 'number') await this.sys.fput(file, task);
      }
      for (const fn of this.taskExitNotifiers) {
        try {
          fn(task);
        } catch (err) {
          this.oops(err, 'task exit notifier');
        }
      }
      task.exited = true;
      this.tasks.delete(task.pid);
      task.mm.mmput();
    })();
    // the entry goes when the exit is done: the body may finish before this line (a task with no
    // file open never awaits), so it cannot delete the entry itself
    this.exiting.set(task, done);
    const forget = () => void this.exiting.delete(task);
    done.then(forget, forget);
    return done;
  }

  // ---- modules ----
  /**
   * insmod: loads a module (a definition, or a name from the boot module list) with parameters.
   * Throws KernelError: EEXIST when loaded, ENOENT for an unknown module, or init's errno; an
   * unknown parameter is logged and ignored.
   */
  insmod<P extends ModuleParams, A>(def: ModuleDef<P, A>, params?: Partial<P>): Promise<ModuleHandle<A>>;
  insmod<A = unknown>(name: string, params?: ModuleParams): Promise<ModuleHandle<A>>;
  async insmod(modOrName: ModuleDef<ModuleParams, unknown> | string, params: ModuleParams = {}): Promise<ModuleHandle<unknown>> {
    const def = typeof modOrName === 'string' ? this.known[modOrName] : modOrName;
    if (!def) throw new KernelError(ENOENT, 'init_module', String(modOrName));
    if (this.modules.has(def.name)) throw new KernelError(EEXIST, 'init_module', def.name);
    const defaults = def.params ?? {};
    // kernel/module.c unknown_module_param_cb (Linux 4.2+): an unknown parameter is logged and
    // ignored; the load goes on (before 4.2 it failed with ENOENT)
    const known: ModuleParams = {};
    for (const [key, value] of Object.entries(params)) {
      if (Object.hasOwn(defaults, key)) known[key] = value;
      else this.log.printk(KERN_WARNING, `${def.name}: unknown parameter '${key}' ignored`);
    }
    const merged = { ...defaults, ...known };
    const mod = new Module(def.name, def, merged);
    const k = new ModuleApi<ModuleParams, unknown>(this, mod, merged);
    this.modules.set(def.name, { mod, k });
    const sysdir = `/sys/module/${def.name}`;
    this.devices.createGeneratedFile(`${sysdir}/initstate`, 0o444, () => `${mod.state === 'coming' ? 'coming' : mod.state === 'going' ? 'going' : 'live'}\n`);
    this.devices.createGeneratedFile(`${sysdir}/refcnt`, 0o444, () => `${mod.refcnt}\n`);
    for (const [name, value] of Object.entries(merged)) {
      if (value === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof value)) {
        this.devices.createGeneratedFile(`${sysdir}/parameters/${name}`, 0o444, () => `${value === true ? 'Y' : value === false ? 'N' : String(value)}\n`);
      }
    }
    // what init logs at KERN_ERR or worse says why it failed; the KernelError carries the last line
    let why = '';
    const offLog = this.log.onRecord((rec) => {
      if (rec.level <= KERN_ERR) why = rec.text;
    });
    let r: number;
    let settle!: () => void;
    mod.initDone = new Promise<void>((res) => (settle = res));
    try {
      r = await def.init(k, merged);
      if (typeof r !== 'number' || !Number.isInteger(r)) throw new Error(`init returned ${String(r)}`);
    } catch (err) {
      this.oops(err, `${def.name} init`);
      r = -EIO;
    }
    offLog();
    if (r < 0) {
      this.modules.delete(def.name);
      this.vfs.remove(sysdir);
      mod.state = 'gone';
      for (const used of mod.uses.splice(0)) this.modulePut(used);
      settle();
      throw new KernelError(-r, 'init_module', why ? `${def.name} (${why})` : def.name);
    }
    mod.state = 'live';
    settle();
    const guarded = new WeakMap<object, object>();
    const kernel = this;
    return {
      name: def.name,
      get api() {
        const api = k.api;
        if (!api || typeof api !== 'object') return api;
        let g = guarded.get(api);
        if (!g) guarded.set(api, (g = kernel.pinnedApi(mod, api)));
        return g;
      },
      k,
    };
  }

  /**
   * A module's host-facing api (simulated hardware controls, the driver's exported functions) as
   * insmod's handle gives it, with the Process API's contract: a call returns its value, or throws
   * a KernelError (an async one rejects with it), never anything else.
   * - The driver's -errno answer becomes that KernelError, as a syscall's does in the Process API
   *   (other modules, through useModule, get the -errno itself, as from an exported symbol).
   * - Each call holds a module reference while it runs, as a syscall into the module would: rmmod
   *   answers -EBUSY meanwhile, and a call on a module going or gone is ENODEV without reaching it.
   * - A driver exception is an oops in the log and EIO.
   */
  private pinnedApi(mod: Module, api: object): object {
    const settle = (name: string, res: unknown): unknown => {
      if (typeof res === 'number' && Number.isInteger(res) && res < 0) throw new KernelError(-res, mod.name, name);
      return res;
    };
    const bug = (name: string, err: unknown): never => {
      if (err instanceof KernelError) throw err;
      this.oops(err, `${mod.name} api ${name}`);
      throw new KernelError(EIO, mod.name, name);
    };
    return new Proxy(api, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        const name = String(prop);
        const async = v.constructor?.name === 'AsyncFunction';
        const call = (args: unknown[]): unknown => {
          if (!this.tryModuleGet(mod)) throw new KernelError(ENODEV, mod.name, `${name}: module not loaded`);
          let res: unknown;
          try {
            res = (v as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            this.modulePut(mod);
            return bug(name, err);
          }
          if (res && typeof (res as Promise<unknown>).then === 'function') {
            return (res as Promise<unknown>).then((r) => settle(name, r), (err) => bug(name, err)).finally(() => this.modulePut(mod));
          }
          this.modulePut(mod);
          return settle(name, res);
        };
        // an async function's failure is a rejection, never a throw at the call
        return (...args: unknown[]) => {
          if (!async) return call(args);
          try {
            return call(args);
          } catch (e) {
            return Promise.reject(e);
          }
        };
      },
    });
  }


  /** rmmod: EBUSY while a file of the module is open, ENOENT when not loaded. */
  async rmmod(name: string): Promise<void> {
    const entry = this.modules.get(name);
    if (!entry) throw new KernelError(ENOENT, 'delete_module', name);
    const { mod, k } = entry;
    // delete_module: only a live module goes (not one whose init is still running or that is
    // already going), and not while files, API calls or dependent modules hold it
    if (mod.state !== 'live') throw new KernelError(EBUSY, 'delete_module', `${name} is ${mod.state === 'coming' ? 'still loading' : 'unloading'}`);
    if (mod.refcnt > 0) throw new KernelError(EBUSY, 'delete_module', name);
    // kernel/module/main.c: a module with init but no exit cannot be unloaded (short of forcing)
    if (!mod.def.exit) throw new KernelError(EBUSY, 'delete_module', `${name} has no exit function`);
    mod.state = 'going';
    try {
      await mod.def.exit?.(k);
    } catch (err) {
      this.oops(err, `${name} exit`);
    }
    mod.state = 'gone';
    this.modules.delete(name);
    this.vfs.remove(`/sys/module/${name}`);
    // module_unload_free: the references this module held on the modules it used go back
    for (const used of mod.uses.splice(0)) this.modulePut(used);
  }

  /** Unloads every module (newest first) and stops the clock: for tests and the CLI's exit. */
  async shutdown(): Promise<void> {
    let deadline: Promise<false> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    for (const task of [...this.tasks.values()]) await this.exitTask(task);
    // a module still in init (an engine being fetched, workers starting) finishes loading first,
    // so it can be unloaded and nothing it starts outlives the kernel
    for (const { mod } of [...this.modules.values()]) if (mod.state === 'coming') await mod.initDone;
    for (const name of [...this.modules.keys()].reverse()) {
      // a release still running (an fput whose .release awaits its work) or a call still in
      // flight (a sleep no exit ends) holds the module until it ends: wait for them, rather than
      // leave the module and what it started. A module held by nothing that will end (a file
      // still open) stays; one held past SHUTDOWN_WAIT_MS (a driver that never wakes) stays too.
      for (;;) {
        try {
          await this.rmmod(name);
          break;
        } catch (e) {
          if (!(e instanceof KernelError) || e.errno !== EBUSY) throw e;
          if (!this.sys.releasing.size && !this.sys.active) break;
          const pending = [...this.sys.releasing, this.sys.nextCallEnd()];
          deadline ??= new Promise<false>((r) => {
            timer = setTimeout(() => r(false), SHUTDOWN_WAIT_MS);
            (timer as { unref?: () => void }).unref?.();
          });
          if ((await Promise.race([Promise.race(pending).then(() => true, () => true), deadline])) === false) break;
        }
      }
    }
    if (timer !== undefined) clearTimeout(timer);
    this.clock.cancelAll();
  }
}

