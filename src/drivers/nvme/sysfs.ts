// The sysfs of later kernels' NVMe core (drivers/nvme/host/core.c, 4.15+): class `nvme` with a
// device per controller and class `nvme-subsystem` with one subsystem per controller here, the
// controller linked inside. Linux 3.13 has neither; nvme-cli's `nvme list` scans them, so they
// come with insmod('nvme', { classSysfs: true }).
import { isErr } from '../../kernel/errno.js';
import type { ModuleApi } from '../../kernel/module.js';
import type { Device, DeviceClass } from '../../kernel/device.js';
import type { NvmeController } from './ctrl/controller.js';

/** What this part of the driver uses of the module API. */
type SysfsApi = Pick<ModuleApi, 'classCreate' | 'classDestroy' | 'deviceCreate' | 'deviceCreateFile' | 'deviceUnregister' | 'sysfsCreateLink'>;

export interface NvmeSysfs {
  ctrlCls: DeviceClass;
  subsysCls: DeviceClass;
}

export interface NvmeSysfsDevs {
  ctrl: Device;
  subsys: Device;
}

/** class_create of both classes; @returns them or -errno (nothing left behind) */
export function createClasses(k: SysfsApi): NvmeSysfs | number {
  const ctrlCls = k.classCreate('nvme');
  if (isErr(ctrlCls)) return ctrlCls as number;
  const subsysCls = k.classCreate('nvme-subsystem');
  if (isErr(subsysCls)) {
    k.classDestroy(ctrlCls);
    return subsysCls as number;
  }
  return { ctrlCls: ctrlCls as DeviceClass, subsysCls: subsysCls as DeviceClass };
}

/** see: nvme_init_subnqn — "nqn.2014.08.org.nvmexpress:" vid, ssvid, serial and model */
export function subsysNqn(ctrl: NvmeController): string {
  const c = ctrl.cfg;
  const hex = (v: number) => v.toString(16).padStart(4, '0');
  return `nqn.2014.08.org.nvmexpress:${hex(c.vid)}${hex(c.ssvid)}${c.serial.padEnd(20)}${c.model.padEnd(40)}`;
}

/**
 * The controller's class device (below its PCI device) and its subsystem, with their attributes.
 * Its state reads 'live': both go at removal, before a later kernel would show 'deleting'.
 */
export function addController(k: SysfsApi, s: NvmeSysfs, pci: Device, instance: number, ctrl: NvmeController): NvmeSysfsDevs | number {
  const ctrlDev = k.deviceCreate(s.ctrlCls, pci, 0, null, `nvme${instance}`);
  if (isErr(ctrlDev)) return ctrlDev as number;
  const subsys = k.deviceCreate(s.subsysCls, null, 0, null, `nvme-subsys${instance}`);
  if (isErr(subsys)) {
    k.deviceUnregister(ctrlDev as Device);
    return subsys as number;
  }
  const c = ctrl.cfg;
  const ro = (dev: Device, name: string, show: () => string) => k.deviceCreateFile(dev, { name, mode: 0o444, show: () => `${show()}\n` });
  let r = 0;
  for (const [name, show] of [
    ['transport', () => 'pcie'], ['address', () => pci.name], ['firmware_rev', () => ctrl.firmwareRevision],
    ['model', () => c.model], ['serial', () => c.serial], ['state', () => 'live'], ['numa_node', () => '-1'],
    ['queue_count', () => '2'], ['sqsize', () => String(Math.min(c.mqes, 1023))], ['cntrltype', () => 'io'],
    ['dctype', () => 'none'], ['subsysnqn', () => subsysNqn(ctrl)], ['cntlid', () => String(c.cntlid)],
  ] as const) r ||= ro(ctrlDev as Device, name, show);
  for (const [name, show] of [
    ['subsysnqn', () => subsysNqn(ctrl)], ['model', () => c.model], ['serial', () => c.serial],
    ['firmware_rev', () => ctrl.firmwareRevision], ['subsystype', () => 'nvm'], ['iopolicy', () => 'numa'],
  ] as const) r ||= ro(subsys as Device, name, show);
  r ||= k.sysfsCreateLink(subsys as Device, `nvme${instance}`, ctrlDev as Device);
  if (r < 0) {
    k.deviceUnregister(subsys as Device);
    k.deviceUnregister(ctrlDev as Device);
    return r;
  }
  return { ctrl: ctrlDev as Device, subsys: subsys as Device };
}

export function removeController(k: SysfsApi, d: NvmeSysfsDevs): void {
  k.deviceUnregister(d.subsys);
  k.deviceUnregister(d.ctrl);
}
