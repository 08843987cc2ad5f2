#!/usr/bin/env node
// The `vchardev` command. Talks to a kernel only through the Process API, like a user program.
import { Kernel, MAJOR, MINOR, isChr } from '../index.js';
import type { Process } from '../index.js';

const USAGE = `usage: vchardev [command]
  tree         boot a kernel and print /dev, /sys/class and /proc/devices (default)
  ls           list every device node with its dev_t and class
  help         this text`;

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

export async function ls(k: Kernel): Promise<string> {
  const p = k.spawn();
  const rows: string[] = [];
  for (const cls of k.devices.allClasses()) {
    for (const d of cls.devices) {
      if (!d.node) continue;
      rows.push(`${d.node.path.padEnd(28)} c ${`${MAJOR(d.devt)}:${MINOR(d.devt)}`.padEnd(9)} class ${cls.name}`);
    }
  }
  await p.exit();
  return rows.sort().join('\n');
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0] ?? 'tree';
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  const k = await Kernel.boot();
  try {
    switch (cmd) {
      case 'tree':
        console.log(await tree(k));
        return 0;
      case 'ls':
        console.log(await ls(k));
        return 0;
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
