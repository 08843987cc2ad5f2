#!/usr/bin/env node
// The `vchardev` command. Talks to a kernel only through the Process API, like a user program.
import { Kernel, MAJOR, MINOR, isChr, BUILTIN_MODULES, type ModuleParams } from '../index.js';
import type { Process } from '../index.js';

const USAGE = `usage: vchardev [command] [options]
  xo-user      (default) load kxo and watch its two AIs play; Ctrl-P display on/off, Ctrl-Q quit.
               Without a TTY: plays --games N (default 3) and prints each final board and its moves.
               Options: --games N  --delay MS (tick, default 100)  --build release|test
  nvme …       nvme-cli's admin commands on /dev/nvme0 (see \`vchardev nvme help\`)
  qat …        QAT instance names: load a config, start devices, request names (\`vchardev qat help\`)
  tree         boot a kernel and print /dev, /sys/class and /proc/devices
  ls           load every driver and list each device node with its dev_t, class and driver
  dmesg        boot, load every driver, print the kernel log
  help         this text
Global option: --strace prints every syscall and driver tracepoint to stderr.`;

/** --strace: one line per syscall and tracepoint, on stderr so stdout stays the program's. */
function strace(k: Kernel, argv: string[]): void {
  if (argv.includes('--strace')) k.trace.on((e) => process.stderr.write(`${e.text}\n`));
}

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1]!;
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

async function runXoUser(argv: string[], all: string[]): Promise<number> {
  const { xoUser } = await import('./xo-user.js');
  const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !argv.includes('--no-tty');
  const games = Number(option(argv, 'games', '3'));
  const delay = Number(option(argv, 'delay', '100'));
  const build = option(argv, 'build', 'release');
  if (!Number.isInteger(games) || games < 1 || !(delay > 0) || (build !== 'release' && build !== 'test')) {
    console.error(USAGE);
    return 2;
  }
  const k = await Kernel.boot({ clock: 'real' });
  strace(k, all);
  const keys: number[] = [];
  let wake: () => void = () => {};
  const onData = (d: Buffer) => {
    keys.push(...d);
    wake();
  };
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onData);
  }
  try {
    await k.insmod('kxo', { delay, build });
    const p = k.spawn({ comm: 'xo-user' });
    const io = {
      write: (t: string) => void process.stdout.write(t),
      readKey: () => keys.shift() ?? null,
      keyReady: () => (tty ? new Promise<void>((r) => (wake = r)) : new Promise<void>(() => {})),
    };
    const { code } = await xoUser(p, io, { tty, games });
    return code;
  } finally {
    if (tty) {
      process.stdin.off('data', onData);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
    await k.shutdown();
  }
}

function walk(p: Process, path: string, depth: number, out: string[]): void {
  for (const name of p.readdir(path)) {
    const full = `${path === '/' ? '' : path}/${name}`;
    const st = p.kernel.sys.stat(full, false);
    if (typeof st === 'number') continue;
    const kind = (st.mode & 0o170000) === 0o120000 ? '@' : (st.mode & 0o170000) === 0o040000 ? '/' : '';
    const dev = isChr(st.mode) ? `  c ${MAJOR(st.rdev)}:${MINOR(st.rdev)} ${(st.mode & 0o777).toString(8)}` : '';
    out.push(`${'  '.repeat(depth)}${name}${kind}${dev}`);
    if (kind === '/' && depth < 2) walk(p, full, depth + 1, out);
  }
}

export async function tree(k: Kernel): Promise<string> {
  const p = k.spawn();
  const out: string[] = ['/dev'];
  walk(p, '/dev', 1, out);
  out.push('/sys/class');
  walk(p, '/sys/class', 1, out);
  out.push('', '$ cat /proc/devices', (await p.readFile('/proc/devices')).trimEnd());
  await p.exit();
  return out.join('\n');
}

/** Every device node with its dev_t, class and the module that owns it. */
export async function ls(k: Kernel): Promise<string> {
  const rows: string[] = [];
  for (const cls of k.devices.allClasses()) {
    for (const d of cls.devices) {
      if (!d.node) continue;
      const cdev = k.chrdevs.lookup(d.devt);
      const misc = cls.name === 'misc' ? k.misc.find(MINOR(d.devt)) : undefined;
      const owner = misc?.fops.owner?.name ?? cdev?.ops.owner?.name ?? cdev?.owner?.name ?? '-';
      rows.push(`${d.node.path.padEnd(28)} c ${`${MAJOR(d.devt)}:${MINOR(d.devt)}`.padEnd(9)} ${cls.name.padEnd(20)} ${owner}`);
    }
  }
  return [`${'node'.padEnd(28)}   ${'dev_t'.padEnd(9)} ${'class'.padEnd(20)} driver`, ...rows.sort()].join('\n');
}

/** Loads every built-in driver (kxo with its AIs idle until /dev/kxo is opened). */
async function loadAll(k: Kernel): Promise<void> {
  // test_bus gets the blog post's device test-1, so test_chrdev has a node to show
  const params: Record<string, ModuleParams> = { test_bus: { devices: [{ name: 'test', id: 1 }] } };
  for (const name of Object.keys(BUILTIN_MODULES)) if (!k.modules.has(name)) await k.insmod(name, params[name] ?? {});
}

async function main(all: string[]): Promise<number> {
  const argv = all.filter((a) => a !== '--strace');
  const cmd = argv[0] && !argv[0].startsWith('--') ? argv[0] : 'xo-user';
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'xo-user') return runXoUser(argv, all);
  const k = await Kernel.boot();
  strace(k, all);
  try {
    switch (cmd) {
      case 'tree':
        console.log(await tree(k));
        return 0;
      case 'ls':
        await loadAll(k);
        console.log(await ls(k));
        return 0;
      case 'dmesg':
        await loadAll(k);
        console.log(k.dmesg());
        return 0;
      case 'qat': {
        const { qatCli } = await import('./qat.js');
        const { readFile } = await import('node:fs/promises');
        return await qatCli(k, argv.slice(1), { write: (t) => void process.stdout.write(t), readFile: (f) => readFile(f, 'utf8') });
      }
      case 'nvme': {
        const { nvmeCli, NVME_USAGE } = await import('./nvme.js');
        if (!argv[1] || argv[1] === 'help') {
          console.log(NVME_USAGE);
          return argv[1] ? 0 : 2;
        }
        await k.insmod('nvme');
        const { readFile } = await import('node:fs/promises');
        return await nvmeCli(k.spawn({ comm: "nvme" }), argv.slice(1), {
          write: (t) => void process.stdout.write(t),
          readFile: async (path) => new Uint8Array(await readFile(path)),
        });
      }
      default:
        console.error(`vchardev: unknown command '${cmd}'\n${USAGE}`);
        return 2;
    }
  } finally {
    await k.shutdown();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
