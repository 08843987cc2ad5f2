// test_chrdev (testbus §2–§5, the 2014 blog post's module): a char node "<name>-<id>" (minor = id)
// per test_bus device; read/write send one message at offset 0; TEST_RDWR batches messages.
// The seed's memory bugs surface as diagnostic events on the trace channel, never as corruption.
import { defineModule, type ModuleApi } from '../../kernel/module.js';
import { EFAULT, EINVAL, ENODEV, ENOENT, ENOMEM, isErr } from '../../kernel/errno.js';
import { MKDEV, MINOR } from '../../kernel/devt.js';
import type { DeviceClass } from '../../kernel/device.js';
import type { FileOperations } from '../../kernel/vfs.js';
import type { Task } from '../../kernel/task.js';
import { MSG_RD, MSG_WR, TEST_ERASE, TEST_RDWR, TestIoctlData, TestMsg } from './uapi.js';
import type { KernelMsg, Notifier, TestBusApi, TestDevice } from './bus.js';
import { TESTBUS_TRACE as T } from './trace.js';

export { testBus } from './bus.js';

/** proposal: testbus §4 — kmalloc's ceiling with 4 KiB pages */
export const KMALLOC_MAX = 4 * 1024 * 1024;
/**
 * deviation: testbus §5 step 2 — the original takes any num_msg; like i2c-dev's I2C_RDWR
 * (I2C_RDWR_IOCTL_MAX_MSGS) a batch has at most 42 messages, else -EINVAL before any allocation
 */
export const TEST_RDWR_MAX_MSGS = 42;
/**
 * proposal: testbus §5 step 4 — the message buffers of one TEST_RDWR share a budget: an allocation
 * past it fails like any kmalloc failure (the B3 path), so one call cannot hold 42 × 4 MiB
 */
export const TEST_RDWR_MAX_BYTES = 8 * 1024 * 1024;

interface State {
  major: number;
  cls: DeviceClass;
  bus: TestBusApi;
  notifier: Notifier | null;
  /** nodes this module created, by id */
  nodes: Map<number, string>;
  creates: number;
  leaked: number;
}

const defaultParams = {
  /** 0 = dynamic */
  chrdev_major: 0,
  /** proposal: testbus §7 — create/remove nodes for devices added/removed after load */
  hotplug: true,
  /** fault injection: the device_create call with this index (0-based) fails with -ENOMEM */
  failCreateAt: -1,
};
type K = ModuleApi<typeof defaultParams>;

/** kmalloc through the kernel (failslab applies); null where C would get NULL. */
function kmalloc(k: K, n: number): Uint8Array | null {
  const b = n > KMALLOC_MAX ? -ENOMEM : k.kmalloc(n);
  return typeof b === 'number' ? null : b;
}

// see: the post's create_dev — device_create under the bus device, named "%s-%d"
function createDev(k: K, st: State, tdev: TestDevice): number {
  if (st.creates++ === k.params.failCreateAt) return -ENOMEM;
  const d = k.deviceCreate(st.cls, tdev.dev, MKDEV(st.major, tdev.id), null, `${tdev.name}-${tdev.id}`);
  if (isErr(d)) return d;
  st.nodes.set(tdev.id, tdev.name);
  return 0;
}
function destroyDev(k: K, st: State, id: number): void {
  k.deviceDestroy(st.cls, MKDEV(st.major, id));
  st.nodes.delete(id);
}

/** The device behind an fd, or -ENODEV after it left the bus (B6: open took no reference). */
function deviceOf(k: K, file: { privateData: unknown }): TestDevice | number {
  const tdev = file.privateData as TestDevice;
  if (tdev.removed) {
    // proposal: testbus §3 — the original would use freed memory here
    k.trace(T.useAfterRemove, { id: tdev.id });
    return -ENODEV;
  }
  return tdev;
}

// see: the post's test_chrdev_ioctl TEST_RDWR, bugs B1–B4 kept visible (testbus §5)
function ioctlRdwr(k: K, st: State, tdev: TestDevice, arg: number, cur: Task): number {
  const hdr = new Uint8Array(TestIoctlData.SIZE);
  if (cur.copyFromUser(hdr, arg, hdr.length)) {
    k.trace(T.errFault, { arg });
    return -EFAULT;
  }
  const { numMsg, msg } = TestIoctlData.read(new DataView(hdr.buffer), 0);
  if (numMsg > TEST_RDWR_MAX_MSGS) {
    k.trace(T.errRdwrTooManyMsgs, { numMsg });
    return -EINVAL;
  }
  const raw = kmalloc(k, numMsg * TestMsg.SIZE);
  if (!raw) return -ENOMEM;
  if (msg >= BigInt(cur.taskSize) || cur.copyFromUser(raw, Number(msg), raw.length)) return -EFAULT;
  // observed: testbus §5 B1 — the pointer table is num_msg × sizeof(char); we allocate it right
  if (!kmalloc(k, numMsg)) return -ENOMEM;
  const view = new DataView(raw.buffer);
  const msgs: KernelMsg[] = [];
  const userPtrs: bigint[] = [];
  let i = 0;
  let stored = 0;
  let budget = TEST_RDWR_MAX_BYTES;
  const leaveStep4 = () => {
    if (stored) k.trace(T.rdwrTableOverflow, { requested: numMsg, written: 8 * stored });
  };
  for (; i < numMsg; i++) {
    const m = TestMsg.read(view, i * TestMsg.SIZE);
    userPtrs[i] = m.buf;
    stored++;
    const buf = m.len <= budget ? kmalloc(k, m.len) : null;
    if (buf) budget -= m.len;
    if (!buf) {
      // observed: testbus §5 B3 — the loop is left and the transfer still covers every message
      k.trace(T.rdwrUnprepared, { index: i });
      break;
    }
    msgs.push({ flag: m.flag, from: m.from, len: m.len, buf });
    if (m.flag & MSG_WR) {
      if (m.buf >= BigInt(cur.taskSize) || cur.copyFromUser(buf, Number(m.buf), m.len)) {
        // observed: testbus §5 B2 — the early return leaks buffers 0..i-1, the table and the array
        const bytes = msgs.slice(0, i).reduce((s, x) => s + x.len, 0) + numMsg + raw.length;
        st.leaked += i + 2;
        leaveStep4();
        k.trace(T.rdwrLeak, { allocations: i + 2, bytes });
        return -EFAULT;
      }
    }
  }
  leaveStep4();
  // messages from the break on carry no kernel buffer
  for (let j = msgs.length; j < numMsg; j++) {
    const m = TestMsg.read(view, j * TestMsg.SIZE);
    msgs.push({ flag: m.flag, from: m.from, len: m.len, buf: null });
  }
  let ret = tdev.transfer(msgs, numMsg);
  // observed: testbus §5 B4 — a transfer error is lost (ret < 0 copies nothing and returns 0);
  // a copy-back fault ends the loop silently and returns the messages copied so far
  let j = 0;
  for (; j < ret; j++) {
    const m = msgs[j]!;
    if (m.flag & MSG_RD) {
      const to = userPtrs[j]!;
      if (to >= BigInt(cur.taskSize) || cur.copyToUser(Number(to), m.buf!, m.len)) break;
    }
  }
  ret = j;
  return ret;
}

function fops(k: K): FileOperations {
  const st = () => k.state as State;
  return {
    // see: the post's test_chrdev_open — match the minor against each bus device's id
    open(inode, file) {
      const tdev = st().bus.devices.find((d) => d.id === MINOR(inode.rdev));
      if (!tdev) {
        k.trace(T.errNoDevice, { minor: MINOR(inode.rdev) });
        return -ENODEV;
      }
      file.privateData = tdev;
      return 0;
    },
    release: () => 0,
    // observed: testbus §4 B5 — one message at offset 0, returning transfer's count, not bytes
    read(file, ubuf, count, cur) {
      const tdev = deviceOf(k, file);
      if (typeof tdev === 'number') return tdev;
      const buf = kmalloc(k, count);
      if (!buf) return -ENOMEM;
      const ret = tdev.transfer([{ flag: MSG_RD, from: 0, len: count, buf }], 1);
      if (ret < 0) return ret;
      if (cur.copyToUser(ubuf, buf, count)) return -EFAULT;
      return ret;
    },
    write(file, ubuf, count, cur) {
      const tdev = deviceOf(k, file);
      if (typeof tdev === 'number') return tdev;
      const buf = kmalloc(k, count);
      if (!buf) return -ENOMEM;
      if (cur.copyFromUser(buf, ubuf, count)) return -EFAULT;
      return tdev.transfer([{ flag: MSG_WR, from: 0, len: count, buf }], 1);
    },
    unlockedIoctl(file, cmd, arg, cur) {
      const tdev = deviceOf(k, file);
      if (typeof tdev === 'number') return tdev;
      switch (cmd) {
        case TEST_RDWR: return ioctlRdwr(k, st(), tdev, arg, cur);
        case TEST_ERASE: return tdev.erase();
        default:
          k.trace(T.errUnknownIoctl, { cmd });
          return -EINVAL; // observed: testbus §5 B9 — not -ENOTTY
      }
    },
  };
}

/** test_chrdev's api: the seed's leaked allocations (B2) and the major it got. */
export interface TestChrdevApi {
  readonly leaked: number;
  readonly major: number;
}

export const testChrdev = defineModule<typeof defaultParams, TestChrdevApi>({
  name: 'test_chrdev',
  description: 'testbus §2: char nodes for test_bus devices',
  params: defaultParams,
  // see: the post's test_chrdev_init
  init(k, params) {
    // symbol_get: using test_bus pins it until this module is gone (rmmod test_bus → -EBUSY)
    const bus = k.useModule<TestBusApi>('test_bus');
    if (!bus) return -ENOENT; // "Unknown symbol": test_bus must be loaded first
    const r = k.registerChrdev(params.chrdev_major, 'test_chrdev', fops(k));
    if (r < 0) return r;
    const major = params.chrdev_major || r;
    const cls = k.classCreate('test_chrdev');
    if (isErr(cls)) {
      k.unregisterChrdev(major, 'test_chrdev');
      return cls;
    }
    const st: State = { major, cls, bus, notifier: null, nodes: new Map(), creates: 0, leaked: 0 };
    k.state = st;
    if (params.hotplug) {
      // proposal: testbus §7 — a bus notifier, registered before the walk
      st.notifier = (event, tdev) => {
        if (event === 'add') {
          if (createDev(k, st, tdev) < 0) k.trace(T.nodeCreateFailed, { id: tdev.id });
        } else destroyDev(k, st, tdev.id);
      };
      bus.registerNotifier(st.notifier);
    }
    // observed: testbus §2 B7 — the walk stops at the first failure and its result is ignored
    for (const tdev of bus.devices) if (createDev(k, st, tdev) < 0) break;
    k.api = { get leaked() { return st.leaked; }, get major() { return major; } };
    return 0;
  },
  exit(k) {
    const st = k.state as State;
    if (st.notifier) st.bus.unregisterNotifier(st.notifier);
    for (const tdev of st.bus.devices) destroyDev(k, st, tdev.id);
    for (const [id, name] of [...st.nodes]) {
      // proposal: testbus §7 — with hot-plug off a removed device's node outlived it
      k.trace(T.staleNode, { name, id });
      destroyDev(k, st, id);
    }
    k.classDestroy(st.cls);
    k.unregisterChrdev(st.major, 'test_chrdev');
  },
});
