// test_bus + test_module (testbus §1, §6, §7 — proposals: the seed does not show them): a bus of
// numbered devices, each a 256-byte EEPROM executing message transfers, added and removed at run
// time, with a bus notifier for hot-plug.
import { defineModule } from '../../kernel/module.js';
import { EEXIST, EFAULT, EINVAL, isErr } from '../../kernel/errno.js';
import { MINORMASK } from '../../kernel/devt.js';
import type { Device } from '../../kernel/device.js';
import { MSG_RD, MSG_WR } from './uapi.js';
import { TESTBUS_TRACE } from './trace.js';

export const EEPROM_SIZE = 256;

/** A message as transfer() sees it: buf null = no valid kernel buffer (B3). */
export interface KernelMsg {
  flag: number;
  from: number;
  len: number;
  buf: Uint8Array | null;
}

export interface TestDevice {
  readonly name: string;
  readonly id: number;
  readonly dev: Device;
  readonly eeprom: Uint8Array;
  removed: boolean;
  /** @returns messages completed (n), or -errno; earlier messages keep their effect */
  transfer(msgs: readonly KernelMsg[], n: number): number;
  erase(): number;
}

export type BusEvent = 'add' | 'del';
export type Notifier = (event: BusEvent, dev: TestDevice) => void;

export interface TestBusApi {
  /** registration order, as bus_for_each_dev walks it */
  readonly devices: TestDevice[];
  addDevice(name: string, id: number): number;
  removeDevice(id: number): number;
  registerNotifier(fn: Notifier): void;
  unregisterNotifier(fn: Notifier): void;
}

export const testBus = defineModule({
  name: 'test_bus',
  description: 'testbus §1: a bus of test devices with 256-byte EEPROMs',
  params: { devices: [] as Array<{ name: string; id: number }> | object },
  init(k, params) {
    const devices: TestDevice[] = [];
    const notifiers = new Set<Notifier>();
    const trace = (name: string, fields: Record<string, unknown>) => k.trace(name, fields);
    const api: TestBusApi = {
      devices,
      // proposal: testbus §1 — ids must fit a minor and be unique on the bus
      addDevice(name, id) {
        if (!Number.isInteger(id) || id < 0 || id > MINORMASK || !name || name.includes('/')) return -EINVAL;
        if (devices.some((d) => d.id === id)) return -EEXIST;
        const dev = k.deviceRegister(`${name}-${id}`, null, 'test_bus');
        if (isErr(dev)) return dev;
        const eeprom = new Uint8Array(EEPROM_SIZE).fill(0xff);
        const tdev: TestDevice = {
          name, id, dev, eeprom, removed: false,
          // proposal: testbus §6 — the EEPROM backing
          transfer(msgs, n) {
            for (let i = 0; i < n; i++) {
              const m = msgs[i]!;
              if (!m.buf) {
                trace(TESTBUS_TRACE.badKernelBuffer, { index: i });
                return -EFAULT;
              }
              const rd = (m.flag & MSG_RD) !== 0;
              const wr = (m.flag & MSG_WR) !== 0;
              if (rd === wr) return -EINVAL;
              if (m.from + m.len > EEPROM_SIZE) return -EINVAL;
              if (rd) m.buf.set(eeprom.subarray(m.from, m.from + m.len));
              else eeprom.set(m.buf.subarray(0, m.len), m.from);
            }
            return n;
          },
          erase() {
            eeprom.fill(0xff);
            return 0;
          },
        };
        devices.push(tdev);
        for (const fn of notifiers) fn('add', tdev);
        return 0;
      },
      removeDevice(id) {
        const i = devices.findIndex((d) => d.id === id);
        if (i < 0) return -EINVAL;
        const [tdev] = devices.splice(i, 1);
        tdev!.removed = true;
        for (const fn of notifiers) fn('del', tdev!);
        k.deviceUnregister(tdev!.dev);
        return 0;
      },
      registerNotifier: (fn) => void notifiers.add(fn),
      unregisterNotifier: (fn) => void notifiers.delete(fn),
    };
    for (const d of params.devices as Array<{ name: string; id: number }>) {
      const r = api.addDevice(d.name, d.id);
      if (r < 0) {
        // unwind: the devices added before this one go again
        for (const t of [...devices]) api.removeDevice(t.id);
        return r;
      }
    }
    k.state = { devices, notifiers };
    k.api = api;
    return 0;
  },
  exit(k) {
    for (const d of [...(k.state as { devices: TestDevice[] }).devices]) (k.api as TestBusApi).removeDevice(d.id);
  },
});
