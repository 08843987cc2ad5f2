// `vchardev run [--load kxo,nvme,…] [--param mod.name=value] -- <command…>` (Node on Linux): boots a
// kernel with the drivers asked for, serves it through the bridge and runs the command under the
// preload shim, so the command's opens of /dev/kxo, /sys/class/kxo/…, /proc/devices reach this
// kernel. The command's exit status (or its signal) is vchardev's.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Kernel, BUILTIN_MODULES } from '../index.js';
import type { ModuleParams } from '../kernel/module.js';
import { CliError, UsageError, parse } from './args.js';

export const RUN_USAGE = `usage: vchardev run [--load kxo,nvme,…] [--param mod.name=value …] -- <command> [args…]

  --load M,…        drivers to load (default: kxo,nvme); any of ${Object.keys(BUILTIN_MODULES).filter((m) => m !== 'mem').join(', ')}
  --param m.k=v     a module parameter (a number, true/false, or text), e.g. kxo.delay=50;
                    nvme.classSysfs is true here (nvme-cli's \`nvme list\` scans that sysfs)
  --host-ids        the command keeps its host uid, gid and capabilities inside the kernel
                    (to try a driver's permission checks as an ordinary user); by default the
                    user running vchardev is root there, as under unshare --map-root-user
  --strace          (global) every syscall the command makes on the kernel, on stderr

The command runs with LD_PRELOAD set to vchardev's shim: dynamically linked programs (nvme-cli,
cat, dd, sh, Python, your own C) see the kernel's devices, sysfs and /proc files. A statically
linked or Go program runs under vchardev's seccomp supervisor instead, with the same effect for
open, read, write, ioctl, lseek, stat, fcntl, poll and select.

Who acts for whom: each call acts for the process that makes it (the host kernel says which, with
every message), in that process's memory, with its credentials at the time of the call. Nothing
runs with more rights on the host than the command has. /dev/kxo is root's, mode 0600, inside
the kernel: the mapping to root opens it for you; with --host-ids only host root can.`;

/** what real programs expect that a bare kernel leaves off: nvme-cli's `nvme list` needs class nvme */
const RUN_DEFAULTS: Record<string, ModuleParams> = { nvme: { classSysfs: true } };

const PT_INTERP = 3;
const PT_NOTE = 4;

/** The file `cmd` runs, found as execvp finds it; null when there is none. */
function resolveCommand(cmd: string): string | null {
  const candidates = cmd.includes('/') ? [cmd] : (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).map((d) => join(d || '.', cmd));
  for (const c of candidates) {
    try {
      closeSync(openSync(c, 'r'));
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Why the preload shim cannot reach a program: 'static' (an ELF without PT_INTERP: no dynamic
 * loader reads LD_PRELOAD), 'go' (a Go binary, with its "Go" build-id note: it makes its own
 * system calls), or null (a dynamic ELF, a script, or not readable).
 */
export function unreachable(file: string): 'static' | 'go' | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const h = Buffer.alloc(64);
    if (readSync(fd, h, 0, 64, 0) < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return null;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = Math.min(h.readUInt16LE(56), 64);
    let dynamic = false;
    for (let i = 0; i < phnum; i++) {
      const ph = Buffer.alloc(56);
      if (readSync(fd, ph, 0, 56, phoff + i * phentsize) < 56) return null;
      const type = ph.readUInt32LE(0);
      if (type === PT_INTERP) dynamic = true;
      if (type === PT_NOTE) {
        const size = Math.min(Number(ph.readBigUInt64LE(32)), 4096);
        const note = Buffer.alloc(size);
        const n = readSync(fd, note, 0, size, Number(ph.readBigUInt64LE(8)));
        // notes: namesz, descsz, type, then the name and the desc, each padded to 4 bytes
        for (let at = 0; at + 12 <= n; ) {
          const namesz = note.readUInt32LE(at);
          const descsz = note.readUInt32LE(at + 4);
          if (namesz === 4 && note.toString('latin1', at + 12, at + 14) === 'Go') return 'go';
          at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
        }
      }
    }
    return dynamic ? null : 'static';
  } finally {
    closeSync(fd);
  }
}

function paramValue(v: string): string | number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return v;
}

export async function runMain(argv: string[], traceOn: boolean): Promise<number> {
  const sep = argv.indexOf('--');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const command = sep < 0 ? [] : argv.slice(sep + 1);
  const { values } = parse('run', own, {
    load: { type: 'string' }, param: { type: 'string', multiple: true }, 'host-ids': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } as never);
  if (values.help) return void console.log(RUN_USAGE), 0;
  if (!command.length) throw new UsageError('run: a command after -- is required (vchardev run --help)');
  const load = ((values.load as string | undefined) ?? 'kxo,nvme').split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of load) if (!(m in BUILTIN_MODULES)) throw new UsageError(`run --load: no driver '${m}'`);
  const params: Record<string, ModuleParams> = {};
  for (const p of ((values.param as unknown as string[] | undefined) ?? [])) {
    const m = /^([\w-]+)\.(\w+)=(.*)$/.exec(p);
    if (!m) throw new UsageError(`run --param: '${p}' is not module.name=value`);
    (params[m[1]!] ??= {})[m[2]!] = paramValue(m[3]!);
  }
  const k = await Kernel.boot({ clock: 'real' });
  if (traceOn) k.trace.on((e) => process.stderr.write(`${e.text}\n`));
  try {
    for (const m of load) {
      // test_chrdev needs its bus: load it first, with one device, unless asked for
      if (m === 'test_chrdev' && !k.modules.has('test_bus')) await k.insmod('test_bus', params.test_bus ?? { devices: [{ name: 'eeprom', id: 0 }] });
      if (!k.modules.has(m)) await k.insmod(m, { ...RUN_DEFAULTS[m], ...params[m] });
    }
    let bridge;
    try {
      bridge = await k.bridge({ users: values['host-ids'] ? 'host' : 'root' });
    } catch (e) {
      throw new CliError(`run: ${(e as Error).message}`);
    }
    // a program the preload shim cannot reach runs under the seccomp supervisor instead
    const file = resolveCommand(command[0]!);
    const why = file && unreachable(file);
    let argv: readonly string[] = command;
    if (why) {
      try {
        argv = bridge.supervised(command);
      } catch (e) {
        process.stderr.write(`vchardev: run: ${command[0]} ${why === 'static' ? 'is statically linked' : 'is a Go program (it makes its own system calls)'}, ` +
          `and the seccomp supervisor that would reach it is unavailable (${(e as Error).message}): it sees the host's /dev, /sys and /proc\n`);
      }
    }
    try {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...bridge.env } });
      const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
      const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
      for (const [s, h] of handlers) process.on(s, h);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
        child.on('error', (err) => {
          process.stderr.write(`vchardev: run: ${command[0]}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : err.message}\n`);
          resolve([127, null]);
        });
        child.on('exit', (c, s) => resolve([c, s]));
      });
      for (const [s, h] of handlers) process.off(s, h);
      // a shell's convention: killed by signal N is 128 + N
      if (signal) return 128 + ((await import('node:os')).constants.signals[signal] ?? 0);
      return code ?? 1;
    } finally {
      await bridge.close();
    }
  } finally {
    await k.shutdown();
  }
}
