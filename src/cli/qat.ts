// `vchardev qat`: load a QAT config into simulated accelerators, start them, let processes ask
// /dev/qat_dev_processes for instance names (adf_process_proxy), and show who holds which name.
import type { Kernel } from '../index.js';
import type { QatApi } from '../drivers/qat/index.js';
import { adfUserProcessStart } from '../user/adf.js';
import { KernelError } from '../kernel/errno.js';

export const QAT_USAGE = `usage: vchardev qat [--config FILE] [--devices N] [--type c62x|dh895xcc|c3xxx] [--processes N] [--template NAME] [--stop ID] [--variant A|B]
  loads the config (default: [SSL] with NumProcesses 2) into N devices (default 1), starts them,
  runs --processes user processes (default 3) that each request an instance name for --template
  (default SSL), then prints the devices, their derived sections and who holds which name`;

const DEFAULT_CONFIG = '[GENERAL]\nServicesEnabled = cy\n[KERNEL]\nNumberCyInstances = 1\n[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n';

export async function qatCli(k: Kernel, argv: string[], io: { write(t: string): void; readFile?(p: string): Promise<string> }): Promise<number> {
  const opt = (n: string, d: string) => {
    const i = argv.indexOf(`--${n}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
  };
  if (argv.includes('help') || argv.includes('--help')) {
    io.write(`${QAT_USAGE}\n`);
    return 0;
  }
  const file = opt('config', '');
  const config = file && io.readFile ? await io.readFile(file) : DEFAULT_CONFIG;
  const variant = opt('variant', 'A') === 'B' ? 'B' : 'A';
  const api: QatApi = (await k.insmod('qat', { variant })).api;
  const n = Number(opt('devices', '1'));
  for (let id = 0; id < n; id++) {
    const r = api.addDevice({ id, type: opt('type', 'c62x'), config });
    if (r < 0) {
      io.write(`qat: cannot add device ${id}: ${r}\n`);
      return 1;
    }
    api.start(id);
  }
  if (argv.includes('--stop')) api.stop(Number(opt('stop', '0')));
  for (const d of api.devices.values()) {
    io.write(`qat_dev${d.accelId} (${d.type}, ${d.started ? 'started' : 'stopped'}): ${d.sections.map((s) => s.name).join(' ')}\n`);
  }
  const template = opt('template', 'SSL');
  for (let i = 0; i < Number(opt('processes', '3')); i++) {
    const p = k.spawn({ comm: `app${i}` });
    try {
      const { name } = await adfUserProcessStart(p, template);
      io.write(`pid ${p.pid}: ${name}\n`);
    } catch (e) {
      // a process finding no free slot is part of what this shows, not a failure of the command
      io.write(`pid ${p.pid}: ${e instanceof KernelError ? e.detail : (e as Error).message}\n`);
    }
  }
  io.write(`holders: ${api.holders().map((h) => `${h.pid}=${h.name}`).join(', ') || '-'}\n`);
  return 0;
}
