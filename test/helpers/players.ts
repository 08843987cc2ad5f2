// Players written for the tests (docs/kxo-ai-abi.md), in AssemblyScript, compiled by the project's
// own asc when a test first asks for one (and kept in a temporary directory for the run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const asc = fileURLToPath(new URL('../../node_modules/assemblyscript/bin/asc.js', import.meta.url));
const dir = join(tmpdir(), 'vchardev-test-players');

/** The parts every player shares: its board buffer, a name, the version (overridable). */
function player(body: string, opts: { version?: number; name?: string; noMove?: boolean } = {}): string {
  const name = [...Buffer.from(opts.name ?? 'first', 'utf8'), 0].join(', ');
  return `
const BOARD = memory.data(64);
const NAME = memory.data<u8>([${name}]);
export function kxo_abi_version(): i32 { return ${opts.version ?? 1}; }
export function kxo_board(): i32 { return <i32>BOARD; }
export function kxo_name(): i32 { return <i32>NAME; }
@inline function cell(i: i32): u8 { return load<u8>(BOARD + <usize>i); }
function firstEmpty(size: i32): i32 {
  for (let i = 0; i < size * size; i++) if (cell(i) == 0x20) return i;
  return -1;
}
${body}
`;
}

/** Sources of the test players, by name; `flags` are asc's beyond the common ones. */
export const PLAYERS: Record<string, { src: string; flags?: string[] }> = {
  // the minimal legal player: the first empty cell
  first: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }') },
  // kxo_init's seed picks among the empty cells: (seed mod empties)-th empty cell
  seeded: {
    src: player(`
let seed: u64 = 0;
export function kxo_init(s: i64): void { seed = <u64>s; }
export function kxo_move(size: i32, goal: i32, who: i32): i32 {
  let n = 0;
  for (let i = 0; i < size * size; i++) if (cell(i) == 0x20) n++;
  let k = <i32>(seed % <u64>n);
  for (let i = 0; i < size * size; i++) if (cell(i) == 0x20 && k-- == 0) return i;
  return -1;
}`, { name: 'seeded' }),
  },
  // Math.random (seeded through env.seed): a random empty cell
  random: {
    src: player(`
export function kxo_move(size: i32, goal: i32, who: i32): i32 {
  let n = 0;
  for (let i = 0; i < size * size; i++) if (cell(i) == 0x20) n++;
  let k = <i32>(Math.random() * <f64>n);
  for (let i = 0; i < size * size; i++) if (cell(i) == 0x20 && k-- == 0) return i;
  return -1;
}`, { name: 'random-js' }),
  },
  loop: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { let x = 0; while (x >= 0) x = (x + 1) & 0x7fffffff; return x; }', { name: 'loop' }) },
  trap: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { unreachable(); return 0; }', { name: 'trap' }) },
  minus1: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return -1; }', { name: 'minus1' }) },
  sixtyfour: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return 64; }', { name: 'sixtyfour' }) },
  // the cell it played last time (occupied by then), the first empty one before that
  occupied: {
    src: player(`
let last: i32 = -1;
export function kxo_move(size: i32, goal: i32, who: i32): i32 { if (last < 0) last = firstEmpty(size); return last; }`, { name: 'occupied' }),
  },
  v2: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }', { version: 2 }) },
  nomove: { src: player('export function kxo_other(): i32 { return 0; }') },
  evil: {
    src: `@external("env", "evil") declare function evil(): void;\n${player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { evil(); return firstEmpty(size); }')}`,
  },
  bigmem: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }'), flags: ['--initialMemory', '257'] },
  // grows its memory a page at a time until it cannot, then plays: the host's cap stops it
  hog: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { while (memory.grow(1) >= 0) {} return firstEmpty(size); }', { name: 'hog' }) },
  // the same with a declared maximum of 64 pages (its own, kept)
  hog64: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { while (memory.grow(1) >= 0) {} return firstEmpty(size); }', { name: 'hog64' }), flags: ['--maximumMemory', '64'] },
  bigmax: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }'), flags: ['--maximumMemory', '300'] },
  // a name with a space, and one another player has
  spaced: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }', { name: 'my player' }) },
  digits: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }', { name: '3' }) },
  twin: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size) + 0; }', { name: 'first' }) },
  // no name of its own: the file's base name stands in
  anonymous: { src: player('export function kxo_move(size: i32, goal: i32, who: i32): i32 { return firstEmpty(size); }').replace(/export function kxo_name[^\n]*\n/, '') },
};

/** The compiled player `name`: its path (compiled now if not yet). */
export function playerPath(name: keyof typeof PLAYERS): string {
  const p = PLAYERS[name]!;
  const hash = createHash('sha256').update(p.src).update(JSON.stringify(p.flags ?? [])).digest('hex').slice(0, 16);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}-${hash}.wasm`);
  if (!existsSync(out)) {
    const src = join(dir, `${name}-${hash}.ts`);
    writeFileSync(src, p.src);
    execFileSync(process.execPath, [asc, src, '--outFile', out, '--runtime', 'stub', '-O2', '--noAssert', ...(p.flags ?? [])], { stdio: 'pipe' });
  }
  return out;
}

export function playerBytes(name: keyof typeof PLAYERS): Uint8Array {
  return new Uint8Array(readFileSync(playerPath(name)));
}
