// What the kernel's and drivers' tests share: the errno of a call, and /dev/sleeper, a misc device
// whose read and open sleep until the test wakes them.
import {
  KernelError, defineModule, POLLIN, EFAULT, MISC_DYNAMIC_MINOR, type MiscDevice, type ModuleApi, type WaitQueue,
} from '../../src/index.js';

/** What a module's api call gives through its handle: its value, or the -errno of the KernelError it throws. */
export const errnoOf = (f: () => unknown): number => {
  try {
    return f() as number;
  } catch (e) {
    if (e instanceof KernelError) return -e.errno;
    throw e;
  }
};

/** The code of the KernelError a call fails with, 'no error', or what else it threw. */
export const errno = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    return `not a KernelError: ${String(e)}`;
  }
  return 'no error';
};

/**
 * /dev/sleeper: read sleeps until the test calls wake(), then copies `fill` bytes to the user.
 * `mode` picks an uninterruptible (wait_event) or interruptible sleep; open may sleep or throw.
 */
export function sleeperModule() {
  const st = {
    wq: null as WaitQueue | null,
    ready: false,
    fill: 0x55,
    openThrows: false,
    openSleeps: false,
    releases: 0,
    interruptible: false,
    wake() {
      st.ready = true;
      st.wq!.wakeUp();
    },
  };
  const mod = defineModule({
    name: 'sleeper',
    init(k: ModuleApi) {
      st.wq = k.initWaitqueueHead();
      const misc: MiscDevice = {
        minor: MISC_DYNAMIC_MINOR,
        name: 'sleeper',
        mode: 0o666,
        fops: {
          async open(_i, _f, cur) {
            if (st.openThrows) throw new Error('driver bug in open');
            if (st.openSleeps) await k.waitEvent(st.wq!, () => st.ready);
            void cur;
            return 0;
          },
          release() {
            st.releases++;
            return 0;
          },
          poll(file, pt) {
            k.pollWait(file, st.wq!, pt);
            return st.ready ? POLLIN : 0;
          },
          async read(_file, ubuf, count, cur) {
            if (st.interruptible) {
              const r = await k.waitEventInterruptible(st.wq!, () => st.ready, cur);
              if (r) return r;
            } else await k.waitEvent(st.wq!, () => st.ready);
            const n = Math.min(count, 4096);
            return cur.copyToUser(ubuf, new Uint8Array(n).fill(st.fill), n) ? -EFAULT : n;
          },
        },
      };
      k.state = misc;
      return k.miscRegister(misc);
    },
    exit(k: ModuleApi) {
      k.miscDeregister(k.state as MiscDevice);
    },
  });
  return { mod, st };
}
