#!/usr/bin/env node
// The `vchardev` command. Talks to a kernel only through the Process API, like a user program.
// Conventions: --help/-h and --version/-V everywhere; unknown commands and flags are a one-line
// error on stderr with exit 2; user errors are one line (a stack only with --debug); Ctrl-C and
// SIGTERM stop the live game the way Ctrl-Q does and give the terminal back.
import { readFileSync, realpathSync } from 'node:fs';
import { Kernel, KernelError, EINVAL, MAJOR, MINOR, isBlk, isChr, BUILTIN_MODULES, type ModuleParams } from '../index.js';
import type { Process } from '../index.js';
import { UsageError, budgetOption, describeError, exitCodeOf, intOption, parse } from './args.js';
import { isPlayerFileName } from '../wasm/player.js';

export const USAGE = `usage: vchardev [--strace] [--debug] [command] [options]

commands:
  xo-user      (default) load kxo and watch its AIs play (--games N: N boards at once, and
               you can take a side); Ctrl-P display on/off, Ctrl-Q (or Ctrl-C) quit.
               Without a TTY: plays --rounds N games and prints them.
  nvme …       nvme-cli's admin commands on /dev/nvme0 (vchardev nvme --help)
  qat …        QAT instance names: load a config, start devices, request names (vchardev qat --help)
  tournament   AIs (strong, mcts, negamax, random) play each other on every core (--help)
  solve        the exact value of a board: vchardev solve --board 5 --goal 4 (--help)
  new-ai DIR   a player of your own in WebAssembly to start from (AssemblyScript or C)
  grade F.wasm a player's report: oracle positions, matches against every AI, Elo, speed
  run … -- C   run a real program against the kernel's devices (Linux; vchardev run --help)
  tree         boot a kernel and print /dev, /sys/class and /proc/devices
  ls           load every driver and list each device node with its dev_t, class and driver
  dmesg        boot, load every driver, print the kernel log
  help         this text

global options:
  -h, --help     this text (after a command: that command's help)
  -V, --version  the version
  --strace       print every syscall and driver tracepoint to stderr
  --debug        print a stack trace with an error`;

const XO_USAGE = `usage: vchardev [xo-user] [--games N] [--board N] [--goal N] [--ai O,X] [--rounds N]
                         [--delay MS] [--workers N] [--budget MS] [--build release|test] [--no-tty]

  --games N      games played at once, 1..64 (default 1: exactly kxo's /dev/kxo); more than
                 one, or a human side, loads kxo with abi ext and reads its 2-byte events
  --board N      board side, 3..8 (default 4)
  --goal N       stones in a row that win, 3..board (default 3)
  --ai O,X       the AI of each side: mcts, negamax, random, strong, human, or a player
                 file (./mine.wasm, docs/kxo-ai-abi.md) (default mcts,negamax)
  --rounds N     without a TTY: finished games before stopping (default 3)
  --delay MS     ms between AI moves (kxo's tick, default 100)
  --workers N    worker threads for the AIs (default: one per game up to the cores)
  --budget MS    wall time a player file's move may take before it forfeits (default 1000)
  --build B      the WASM build the AIs run: release (default) or test (bounds-checked)
  --no-tty       print finished games even on a terminal

  keys with --games: Tab next game, Space pause/resume, ! restart, O / X take that side
  (human) or give it back, a cell (b2) and Enter to play it; Ctrl-P display, Ctrl-Q quit`;

const TREE_USAGE = 'usage: vchardev tree|ls|dmesg   (no options)';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** --strace: one line per syscall and tracepoint, on stderr so stdout stays the program's. */
function strace(k: Kernel, on: boolean): void {
  if (on) k.trace.on((e) => process.stderr.write(`${e.text}\n`));
}

const CTRL_C = 0x03;
const CTRL_Q = 0x11;

async function runXoUser(argv: string[], traceOn: boolean): Promise<number> {
  const { values } = parse('xo-user', argv, {
    games: { type: 'string' }, board: { type: 'string' }, goal: { type: 'string' }, ai: { type: 'string' }, rounds: { type: 'string' },
    workers: { type: 'string' }, delay: { type: 'string' }, build: { type: 'string' }, budget: { type: 'string' }, 'no-tty': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void console.log(XO_USAGE), 0;
  const games = intOption(values.games as string | undefined, '--games', { min: 1, max: 64, fallback: 1 });
  const boardSize = intOption(values.board as string | undefined, '--board', { min: 3, max: 8, fallback: 4 });
  const goal = intOption(values.goal as string | undefined, '--goal', { min: 3, max: boardSize, fallback: 3 });
  const rounds = intOption(values.rounds as string | undefined, '--rounds', { min: 1, max: 1_000_000, fallback: 3 });
  const workers = intOption(values.workers as string | undefined, '--workers', { min: 0, max: 64, fallback: 0 });
  const ai = (values.ai as string | undefined) ?? 'mcts,negamax';
  const names = ai.split(',');
  if (names.length !== 2 || !names.every((n) => ['mcts', 'negamax', 'random', 'strong', 'human'].includes(n) || isPlayerFileName(n))) {
    throw new UsageError(`--ai: '${ai}' is not two of mcts, negamax, random, strong, human or a .wasm file (O,X)`);
  }
  const budget = budgetOption(values.budget as string | undefined);
  const delay = intOption(values.delay as string | undefined, '--delay', { min: 1, max: 3_600_000, fallback: 100 });
  const build = (values.build as string | undefined) ?? 'release';
  if (build !== 'release' && build !== 'test') throw new UsageError(`--build: '${build}' is not release or test`);
  const { xoUser } = await import('./xo-user.js');
  const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY) && !values['no-tty'];
  const k = await Kernel.boot({ clock: 'real' });
  strace(k, traceOn);
  const keys: number[] = [];
  let wake: () => void = () => {};
  const key = (b: number) => {
    // raw mode delivers Ctrl-C as a byte, not a signal: it quits like Ctrl-Q
    keys.push(b === CTRL_C ? CTRL_Q : b);
    wake();
  };
  const onData = (d: Buffer) => d.forEach(key);
  const onSignal = () => key(CTRL_Q);
  const restore = () => {
    if (tty && process.stdin.isRaw) process.stdin.setRawMode(false);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', restore);
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onData);
  }
  try {
    // a human side plays by write() and a player file's forfeits are events: both need abi ext
    const abi = games > 1 || names.some((n) => n === 'human' || isPlayerFileName(n)) ? 'ext' : 'kxo';
    try {
      await k.insmod('kxo', { delay, build, games, boardSize, goal, ai, abi, workers, budget });
    } catch (e) {
      // insmod says EINVAL; the driver's line in dmesg says why (a refused player file): that line
      const why = k.dmesg().split('\n').reverse().find((l) => /\] kxo: /.test(l))?.replace(/^.*?\] kxo: /, '');
      if (e instanceof KernelError && e.errno === EINVAL && why) throw new UsageError(`xo-user --ai: ${why}`);
      throw e;
    }
    const p = k.spawn({ comm: 'xo-user' });
    // without a TTY a player file's forfeit is told before its game's result (dmesg's line)
    if (!tty && names.some(isPlayerFileName)) {
      k.trace.on((e) => {
        const f = e.fields;
        if (e.kind === 'kxo' && e.name === 'forfeit' && f) process.stdout.write(`game ${String(f.game)}: ${String(f.ai)} forfeits: ${String(f.reason)}\n`);
      });
    }
    const io = {
      write: (t: string) => void process.stdout.write(t),
      readKey: () => keys.shift() ?? null,
      keyReady: () => new Promise<void>((r) => (wake = r)),
    };
    const { code } = await xoUser(p, io, { tty, rounds, columns: process.stdout.columns || 80 });
    return code;
  } finally {
    if (tty) {
      process.stdin.off('data', onData);
      restore();
      process.stdin.pause();
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', restore);
    await k.shutdown();
  }
}

function walk(p: Process, path: string, depth: number, out: string[]): void {
  for (const name of p.readdir(path)) {
    const full = `${path === '/' ? '' : path}/${name}`;
    const st = p.kernel.sys.stat(full, false);
    if (typeof st === 'number') continue;
    const kind = (st.mode & 0o170000) === 0o120000 ? '@' : (st.mode & 0o170000) === 0o040000 ? '/' : '';
    const dev = isChr(st.mode) || isBlk(st.mode) ? `  ${isChr(st.mode) ? 'c' : 'b'} ${MAJOR(st.rdev)}:${MINOR(st.rdev)} ${(st.mode & 0o777).toString(8)}` : '';
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
      // a disk's node is a block device (ls -l's b), its driver the disk's
      const blk = isBlk(d.node.mode);
      const disk = blk ? k.blockdevs.lookup(d.devt) : null;
      const cdev = blk ? undefined : k.chrdevs.lookup(d.devt);
      const misc = cls.name === 'misc' ? k.misc.find(MINOR(d.devt)) : undefined;
      const owner = disk?.init.fops.owner?.name ?? misc?.fops.owner?.name ?? cdev?.ops.owner?.name ?? cdev?.owner?.name ?? '-';
      rows.push(`${d.node.path.padEnd(28)} ${blk ? 'b' : 'c'} ${`${MAJOR(d.devt)}:${MINOR(d.devt)}`.padEnd(9)} ${cls.name.padEnd(20)} ${owner}`);
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

const COMMANDS = ['xo-user', 'nvme', 'qat', 'tournament', 'solve', 'new-ai', 'grade', 'run', 'tree', 'ls', 'dmesg', 'help'] as const;

/** Runs one invocation; @returns the exit code. Errors come back as codes, with a line on stderr. */
export async function main(all: string[]): Promise<number> {
  // global flags may stand anywhere; the first other word picks the command
  // after `--` every word is a program's (vchardev run -- prog --debug)
  const cut = all.indexOf('--');
  const mine = cut < 0 ? all : all.slice(0, cut);
  const debug = mine.includes('--debug');
  const traceOn = mine.includes('--strace');
  const argv = [...mine.filter((a) => a !== '--strace' && a !== '--debug'), ...(cut < 0 ? [] : all.slice(cut))];
  try {
    const first = argv[0];
    if (first === '--version' || first === '-V') return void console.log(version()), 0;
    if (first === '--help' || first === '-h' || (first === 'help' && argv.length === 1)) return void console.log(USAGE), 0;
    // help <command> is that command's --help; a command there is not is a usage error
    if (first === 'help') {
      const of = argv[1]!;
      if (!(COMMANDS as readonly string[]).includes(of) || of === 'help') throw new UsageError(`help: no command '${of}' (see vchardev --help)`);
      return await main([of, '--help']);
    }
    const cmd = first === undefined || first.startsWith('-') ? 'xo-user' : first;
    const rest = first === undefined || first.startsWith('-') ? argv : argv.slice(1);
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command '${cmd}' (see vchardev --help)`);
    // after a command only the long form: `-V` is nvme set-feature's value, as in nvme-cli
    if ((rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest).includes('--version')) return void console.log(version()), 0;
    switch (cmd) {
      case 'xo-user':
        return await runXoUser(rest, traceOn);
      case 'run': {
        const { runMain } = await import('./run.js');
        return await runMain(rest, traceOn);
      }
      case 'nvme': {
        const { nvmeMain } = await import('./nvme.js');
        return await nvmeMain(rest, traceOn, debug);
      }
      case 'qat': {
        const { qatMain } = await import('./qat.js');
        return await qatMain(rest, traceOn);
      }
      case 'tournament': {
        const { tournamentMain } = await import('./tournament.js');
        return await tournamentMain(rest);
      }
      case 'solve': {
        const { solveMain } = await import('./solve.js');
        return await solveMain(rest);
      }
      case 'new-ai': {
        const { newAiMain } = await import('./new-ai.js');
        return await newAiMain(rest);
      }
      case 'grade': {
        const { gradeMain } = await import('./grade.js');
        return await gradeMain(rest);
      }
    }
    const { values } = parse(cmd, rest, { help: { type: 'boolean', short: 'h' } });
    if (values.help) return void console.log(TREE_USAGE), 0;
    const k = await Kernel.boot();
    strace(k, traceOn);
    try {
      if (cmd === 'tree') console.log(await tree(k));
      else {
        await loadAll(k);
        console.log(cmd === 'ls' ? await ls(k) : k.dmesg());
      }
      return 0;
    } finally {
      await k.shutdown();
    }
  } catch (e) {
    process.stderr.write(`vchardev: ${describeError(e)}\n`);
    if (debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    // vchardev nvme exits as nvme-cli 2.3 does: 1 for any failure, a usage error included
    return argv[0] === 'nvme' ? 1 : exitCodeOf(e);
  }
}

// run when executed (not when a test imports it)
if (process.argv[1] && new URL(import.meta.url).pathname === realpathSync(process.argv[1])) {
  // a reader that stops reading (vchardev --rounds 100 | head -3) ends us quietly, as SIGPIPE
  // ends a C program: no stack trace for EPIPE
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  process.exit(await main(process.argv.slice(2)));
}
