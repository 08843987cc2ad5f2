// `vchardev qat`: load a QAT config into simulated accelerators, start them, let processes ask
// /dev/qat_dev_processes for instance names (adf_process_proxy), and show who holds which name.
import { Kernel } from '../index.js';
import type { QatApi } from '../drivers/qat/index.js';
import { adfUserProcessStart } from '../user/adf.js';
import { KernelError } from '../kernel/errno.js';
import { CliError, UsageError, describeError, exitCodeOf, intOption, parse, readBounded } from './args.js';

export const QAT_USAGE = `usage: vchardev qat [--config FILE] [--devices N] [--type c62x|dh895xcc|c3xxx] [--processes N]
                    [--template NAME] [--stop ID] [--variant A|B]
  loads the config (default: [SSL] with NumProcesses 2) into N devices (default 1), starts them,
  runs --processes user processes (default 3) that each request an instance name for --template
  (default SSL), then prints the devices, their derived sections and who holds which name`;

const DEFAULT_CONFIG = '[GENERAL]\nServicesEnabled = cy\n[KERNEL]\nNumberCyInstances = 1\n[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n';
const TYPES = ['c62x', 'dh895xcc', 'c3xxx', 'c62xvf', 'dh895xccvf', 'c3xxxvf'];

export interface QatIo {
  write(t: string): void;
  readFile?(p: string): Promise<string>;
}

/** Runs the qat demonstration in kernel k; usage mistakes throw UsageError. @returns the exit code */
export async function qatCli(k: Kernel, argv: string[], io: QatIo): Promise<number> {
  const { values: v } = parse('qat', argv, {
    config: { type: 'string' }, devices: { type: 'string' }, type: { type: 'string' }, processes: { type: 'string' },
    template: { type: 'string' }, stop: { type: 'string' }, variant: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.write(`${QAT_USAGE}\n`);
    return 0;
  }
  const n = intOption(v.devices as string | undefined, '--devices', { min: 1, max: 16, fallback: 1 });
  const processes = intOption(v.processes as string | undefined, '--processes', { min: 0, max: 1024, fallback: 3 });
  const type = (v.type as string | undefined) ?? 'c62x';
  if (!TYPES.includes(type)) throw new UsageError(`qat --type: '${type}' is not one of ${TYPES.join(', ')}`);
  const variant = (v.variant as string | undefined) ?? 'A';
  if (variant !== 'A' && variant !== 'B') throw new UsageError(`qat --variant: '${variant}' is not A or B`);
  const stop = v.stop === undefined ? undefined : intOption(v.stop as string, '--stop', { max: n - 1 });
  const template = (v.template as string | undefined) ?? 'SSL';
  let config = DEFAULT_CONFIG;
  if (v.config !== undefined) {
    if (!io.readFile) throw new CliError('qat --config: no file system here');
    try {
      config = await io.readFile(v.config as string);
    } catch (e) {
      throw new CliError(`qat --config: ${describeError(e)}`, exitCodeOf(e));
    }
  }
  const api: QatApi = (await k.insmod('qat', { variant })).api;
  for (let id = 0; id < n; id++) {
    try {
      api.addDevice({ id, type, config });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      throw new CliError(`qat: cannot add device ${id}: ${e.code} (is the config within the device's limits?)`);
    }
    api.start(id);
  }
  if (stop !== undefined) api.stop(stop);
  for (const d of api.devices.values()) {
    io.write(`qat_dev${d.accelId} (${d.type}, ${d.started ? 'started' : 'stopped'}): ${d.sections.map((s) => s.name).join(' ')}\n`);
  }
  let named = 0;
  for (let i = 0; i < processes; i++) {
    const p = k.spawn({ comm: `app${i}` });
    try {
      const { name } = await adfUserProcessStart(p, template);
      io.write(`pid ${p.pid}: ${name}\n`);
      named++;
    } catch (e) {
      // a process finding no free slot is part of what this shows, not a failure of the command
      // adf's own refusals say what happened in their detail; a failed syscall in its message
      const why = e instanceof KernelError && e.syscall === 'adfUserProcessStart' ? e.detail : e instanceof Error ? e.message : String(e);
      io.write(`pid ${p.pid}: ${why}\n`);
    }
  }
  io.write(`holders: ${api.holders().map((h) => `${h.pid}=${h.name}`).join(', ') || '-'}\n`);
  // but a config under which nobody gets a name is a mistake the exit status should show
  if (processes > 0 && named === 0) {
    throw new CliError(`qat: no process got an instance name for [${template}]: does the config define that section (with NumProcesses) on a started device?`);
  }
  return 0;
}

/** `vchardev qat …` */
export async function qatMain(argv: string[], traceOn: boolean): Promise<number> {
  const k = await Kernel.boot();
  if (traceOn) k.trace.on((e) => process.stderr.write(`${e.text}\n`));
  try {
    const { ADF_CFG_MAX_TEXT } = await import('../drivers/qat/config.js');
    return await qatCli(k, argv, {
      write: (t) => void process.stdout.write(t),
      readFile: async (f) => new TextDecoder('latin1').decode(await readBounded(f, ADF_CFG_MAX_TEXT)),
    });
  } catch (e) {
    // a usage error names the command it belongs to: vchardev: qat <option>: <what>
    throw e instanceof UsageError && !e.message.startsWith('qat') ? new UsageError(`qat ${e.message}`) : e;
  } finally {
    await k.shutdown();
  }
}
