// The worker side of one player instance (src/wasm/player-worker.ts runs it): instantiates the
// player, checks what only running it can tell (its ABI version, its board buffer, its name),
// seeds it, then answers one move at a time. Whatever the player does happens in that worker:
// the host only sees answers, and ends the worker when one is late.
import type { Channel } from './channel.js';
import { splitmix64 } from './splitmix.js';

interface Exports {
  memory: WebAssembly.Memory;
  kxo_abi_version(): number;
  kxo_board(): number;
  kxo_move(size: number, goal: number, player: number): number;
  kxo_init?(seed: bigint): void;
  kxo_name?(): number;
}

const MAX_PAGES = 256;
const MAX_BYTES = MAX_PAGES * 65536;

/** Grows `mem` to 256 pages (when its maximum allows) and then one more: true if that succeeds. */
function growsPast(mem: WebAssembly.Memory): boolean {
  const pages = mem.buffer.byteLength / 65536;
  if (pages > MAX_PAGES) return true;
  try {
    if (pages < MAX_PAGES) mem.grow(MAX_PAGES - pages);
    mem.grow(1);
    return true;
  } catch {
    return false;
  }
}

/** env.seed (AssemblyScript's Math.random seed): a double from the game's seed, never 0 */
function seedDouble(seed: bigint): number {
  return Number(splitmix64(seed) >> 11n) + 1;
}

/** The NUL-terminated UTF-8 name at `at`, at most 32 bytes; '' when there is none that fits. */
function nameAt(mem: Uint8Array, at: number): string {
  if (!Number.isInteger(at) || at < 0 || at >= mem.length) return '';
  const end = mem.subarray(at, Math.min(mem.length, at + 33)).indexOf(0);
  if (end < 1 || end > 32) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(mem.subarray(at, at + end)).trim();
  } catch {
    return '';
  }
}

/** Answers the host's load and move messages on `ch` (in a worker; in-process in the tests). */
export function servePlayer(ch: Channel): void {
  let x: Exports | null = null;
  let board = 0;
  ch.onMessage((msg) => {
    if (msg.type === 'load') {
      try {
        const instance = new WebAssembly.Instance(msg.module, {
          env: {
            abort: () => {
              throw new Error('abort');
            },
            seed: () => seedDouble(msg.seed),
          },
        });
        const e = instance.exports as unknown as Exports;
        // a compiled module came without its bytes: what its memory's maximum is, only growing tells
        if (msg.probeGrowth && growsPast(e.memory)) return ch.post({ type: 'refused', why: `memory may grow past ${MAX_PAGES} pages (16 MiB): declare a maximum of at most ${MAX_PAGES}` });
        const v = e.kxo_abi_version();
        if (v !== 1) return ch.post({ type: 'refused', why: `kxo_abi_version returns ${v} (this host speaks version 1)` });
        const mem = new Uint8Array(e.memory.buffer);
        board = e.kxo_board() >>> 0;
        if (board + 64 > mem.length) return ch.post({ type: 'refused', why: `kxo_board returns ${board}, outside its memory (${mem.length} bytes)` });
        const name = e.kxo_name ? nameAt(mem, e.kxo_name() >>> 0) : '';
        e.kxo_init?.(BigInt.asIntN(64, msg.seed));
        x = e;
        ch.post({ type: 'loaded', name });
      } catch (err) {
        ch.post({ type: 'refused', why: `trap while loading: ${err instanceof Error ? err.message : String(err)}` });
      }
    } else if (msg.type === 'move' && x) {
      try {
        const mem = new Uint8Array(x.memory.buffer);
        const cells = msg.size * msg.size;
        for (let i = 0; i < 64; i++) mem[board + i] = i < cells ? msg.board.charCodeAt(i) : 0;
        const t0 = performance.now();
        const cell = x.kxo_move(msg.size, msg.goal, msg.player);
        const ms = performance.now() - t0;
        // a memory that grew past 16 MiB (no maximum declared) breaks the contract like a trap
        if (x.memory.buffer.byteLength > MAX_BYTES) return ch.post({ type: 'trap', message: `memory grew to ${x.memory.buffer.byteLength} bytes (at most ${MAX_BYTES})` });
        ch.post({ type: 'moved', cell, ms });
      } catch (err) {
        ch.post({ type: 'trap', message: err instanceof Error ? err.message : String(err) });
      }
    }
  });
}
