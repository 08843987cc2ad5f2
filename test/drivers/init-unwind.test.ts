// Every driver's init unwinds in reverse when a step fails (kxo's seed makes this a teaching
// point): failslab fails one registration step at a time, by its function's name, and the kernel
// must be left as it was before the insmod — no node, class, device, region, disk, misc minor,
// frame or module reference — and the next insmod must work.
import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, type ModuleParams, type Process } from '../../src/index.js';

/** Every registration step the module API lets failslab fail (src/kernel/module.ts). */
const SITES = [
  'kfifo_alloc', 'alloc_chrdev_region', 'register_chrdev_region', 'register_chrdev', 'cdev_add', 'class_create',
  'device_create', 'device_register', 'device_create_file', 'sysfs_create_link', 'misc_register', 'register_blkdev',
  'add_disk', 'alloc_workqueue', 'kmalloc', 'dma_pool_alloc',
] as const;

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

/** What the kernel shows of its devices and memory, to compare before and after. */
async function snapshot(p: Process): Promise<Record<string, unknown>> {
  const list = (dir: string) => {
    try {
      return p.readdir(dir).sort();
    } catch {
      return [];
    }
  };
  return {
    dev: list('/dev'),
    classes: Object.fromEntries(list('/sys/class').map((c) => [c, list(`/sys/class/${c}`)])),
    block: list('/sys/block'),
    modules: list('/sys/module'),
    debug: list('/sys/kernel/debug'),
    devices: await p.readFile('/proc/devices'),
    misc: await p.readFile('/proc/misc'),
    frames: k.phys.freeFrames,
    refs: [...k.modules.values()].map(({ mod }) => `${mod.name}:${mod.refcnt}`),
    files: k.nrFiles,
  };
}

interface Case {
  name: string;
  params?: ModuleParams;
  /** modules loaded before it (test_chrdev uses test_bus) */
  before?: string[];
  /** steps whose failure init reports (each must be driven) */
  steps: string[];
}
const CASES: Case[] = [
  { name: 'kxo', params: { worker: 'off' }, steps: ['kfifo_alloc', 'alloc_chrdev_region', 'cdev_add', 'class_create', 'device_create', 'device_create_file', 'alloc_workqueue'] },
  { name: 'kxo', params: { abi: 'ext', games: 2, worker: 'off' }, steps: ['kfifo_alloc', 'alloc_chrdev_region', 'cdev_add', 'class_create', 'device_create', 'device_create_file', 'alloc_workqueue'] },
  { name: 'qat', params: { devices: [{ id: 0, started: true, config: '[GENERAL]\nServicesEnabled = cy\n[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\n' }] }, steps: ['alloc_chrdev_region', 'class_create', 'cdev_add', 'device_create'] },
  { name: 'nvme', steps: ['register_blkdev', 'device_register', 'misc_register', 'add_disk'] },
  { name: 'nvme', params: { classSysfs: true }, steps: ['register_blkdev', 'class_create', 'device_register', 'misc_register', 'add_disk', 'device_create', 'device_create_file', 'sysfs_create_link'] },
  { name: 'sharepool', steps: ['misc_register'] },
  { name: 'test_bus', params: { devices: [{ name: 'eeprom', id: 0 }] }, steps: ['device_register'] },
  { name: 'test_chrdev', before: ['test_bus'], steps: ['register_chrdev', 'class_create'] },
];

describe('init failure unwinds every step it made (failslab by call site)', () => {
  for (const c of CASES) {
    it(`${c.name} ${JSON.stringify(c.params ?? {})}: ${c.steps.join(', ')}`, async () => {
      k = await Kernel.boot({ clock: 'virtual', misc: '3.x', memoryMiB: 64 });
      for (const m of c.before ?? []) await k.insmod(m, m === 'test_bus' ? { devices: [{ name: 'eeprom', id: 0 }] } : {});
      const p = k.spawn();
      const base = await snapshot(p);
      const driven: string[] = [];
      for (const site of SITES) {
        const fs = k.faults.failslab;
        const before = fs.injected.get(site) ?? 0;
        fs.configure({ probability: 100, times: 1, interval: 1, space: 0, sites: [site] });
        let failed = false;
        try {
          await k.insmod(c.name, c.params);
        } catch {
          failed = true;
        }
        k.faults.disableAll();
        const hit = (fs.injected.get(site) ?? 0) > before;
        if (hit && failed) driven.push(site);
        if (!failed) await k.rmmod(c.name);
        expect({ site, now: await snapshot(p) }).toEqual({ site, now: base });
        expect(k.dmesg(), site).not.toContain('Oops');
      }
      for (const s of c.steps) expect(driven, `the step ${s} was driven`).toContain(s);
      // and the module loads after all that
      await k.insmod(c.name, c.params);
      await k.rmmod(c.name);
      expect(await snapshot(p)).toEqual(base);
    });
  }
});
