// Players students bring (docs/kxo-ai-abi.md, version 1): a WebAssembly module with a tiny ABI.
// A player file is checked before anything of it runs (magic, exports, imports, memory limits,
// here; its version and board buffer, in its worker), then every game side runs its own
// instance in a worker of its own with a budget per move: a player that loops forever is
// terminated at its budget and stalls nothing else, one that traps or answers an illegal cell
// forfeits, and the host never runs its code on its own thread.
import { EINVAL, KernelError } from '../kernel/errno.js';
import type { Channel } from './channel.js';
import { readLocalFile } from '#wasm-load';

export const KXO_ABI_VERSION = 1;
/** a player's linear memory: at most 256 pages (16 MiB), initial and maximum */
export const PLAYER_MAX_PAGES = 256;
/** bytes of a player file: far more than a player needs, far less than a host must fear */
export const PLAYER_MAX_FILE = 16 << 20;
/** wall time a move may take by default */
export const DEFAULT_BUDGET_MS = 1000;
/** wall time loading (instantiating, the version and board checks) may take */
export const LOAD_BUDGET_MS = 5000;

const REQUIRED = ['kxo_abi_version', 'kxo_board', 'kxo_move'] as const;
const OPTIONAL = ['kxo_init', 'kxo_name'] as const;
const ALLOWED_IMPORTS = new Set(['env.abort', 'env.seed']);

/** A player file: bytes, a compiled module, a URL, (in Node) a path, or one loaded already. */
export type PlayerSource = Uint8Array | ArrayBuffer | WebAssembly.Module | URL | string | PlayerFile;

/** Whether an AI's name is a player file's: wherever an AI name is taken, one ending in .wasm is. */
export function isPlayerFileName(name: string): boolean {
  return /\.wasm$/i.test(name);
}

/** A budget per move, ms: in (0, 600000]; RangeError else. */
export function checkBudget(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 600_000) throw new RangeError(`budgetMs must be in (0, 600000]: ${String(ms)}`);
  return ms;
}

/** A player file refused at load: EINVAL, with the one-line reason (`why`). */
export class PlayerLoadError extends KernelError {
  constructor(readonly file: string, readonly why: string) {
    super(EINVAL, 'kxo_player', `${file}: ${why}`);
  }
}

/** A move that lost the game: timeout, trap: <message>, illegal move <n>. */
export class PlayerForfeit extends Error {
  override name = 'PlayerForfeit';
  constructor(readonly player: string, readonly reason: string) {
    super(`${player} forfeits: ${reason}`);
  }
}

function leb(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (at.i >= b.length || shift > 35) throw new RangeError('truncated');
    const x = b[at.i++]!;
    v += (x & 0x7f) * 2 ** shift;
    if (!(x & 0x80)) return v;
    shift += 7;
  }
}

function lebBytes(v: number): number[] {
  const out: number[] = [];
  do {
    let x = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) x |= 0x80;
    out.push(x);
  } while (v);
  return out;
}

/**
 * Bounds the player's memories (the JS API does not show their limits): an initial size or a
 * declared maximum over 256 pages is refused; a memory without a maximum gets one of 256 pages
 * (the memory section rewritten, every other byte kept), so a player's memory.grow past 16 MiB
 * fails inside the player (-1, or its allocator's trap) instead of taking the host's memory.
 * Bytes whose sections do not parse are returned as they are: compiling them says what is wrong.
 */
function capMemory(b: Uint8Array, refuse: (why: string) => Error): Uint8Array {
  const at = { i: 8 };
  try {
    while (at.i < b.length) {
      const start = at.i;
      const id = b[at.i++]!;
      const size = leb(b, at);
      const end = at.i + size;
      if (id !== 5) {
        at.i = end;
        continue;
      }
      const count = leb(b, at);
      // engines with multi-memory would take several of 256 pages each: a player has one
      if (count > 1) throw refuse(`${count} memories (a player has one)`);
      const content = lebBytes(count);
      for (let m = 0; m < count; m++) {
        const flags = b[at.i++]!;
        // 0: initial; 1: initial and maximum; 3: shared, with a maximum; 64-bit memories are not players'
        if (flags !== 0 && flags !== 1 && flags !== 3) throw refuse(`a memory of a kind players may not have (limits flags ${flags})`);
        const initial = leb(b, at);
        const max = flags & 1 ? leb(b, at) : null;
        if (initial > PLAYER_MAX_PAGES) throw refuse(`memory of ${initial} pages (at most ${PLAYER_MAX_PAGES}, 16 MiB)`);
        if (max !== null && max > PLAYER_MAX_PAGES) throw refuse(`memory may grow to ${max} pages (at most ${PLAYER_MAX_PAGES}, 16 MiB)`);
        content.push(flags | 1, ...lebBytes(initial), ...lebBytes(max ?? PLAYER_MAX_PAGES));
      }
      if (at.i !== end) return b;
      const section = [5, ...lebBytes(content.length), ...content];
      const out = new Uint8Array(b.length - (end - start) + section.length);
      out.set(b.subarray(0, start));
      out.set(section, start);
      out.set(b.subarray(end), start + section.length);
      return out;
    }
  } catch (e) {
    if (e instanceof PlayerLoadError) throw e;
  }
  return b;
}

/**
 * Checks a player's bytes and compiles them: not WebAssembly, a missing export, a refused import
 * and a memory over 256 pages are each refused with their own message. What needs the player's
 * code to run (its version, its board buffer, its name) is checked in its worker (PlayerInstance).
 */
async function compilePlayer(bytes: Uint8Array, file: string): Promise<WebAssembly.Module> {
  const refuse = (why: string) => new PlayerLoadError(file, why);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw refuse('not WebAssembly (no \\0asm magic)');
  if (bytes.length > PLAYER_MAX_FILE) throw refuse(`${bytes.length} bytes (a player file is at most ${PLAYER_MAX_FILE})`);
  bytes = capMemory(bytes, refuse);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw refuse(`not a valid WebAssembly module: ${(e as Error).message.replace(/^WebAssembly\.compile\(\): /, '')}`);
  }
  checkModule(module, file);
  return module;
}

function checkModule(module: WebAssembly.Module, file: string): void {
  const refuse = (why: string) => new PlayerLoadError(file, why);
  for (const imp of WebAssembly.Module.imports(module)) {
    const name = `${imp.module}.${imp.name}`;
    if (!ALLOWED_IMPORTS.has(name) || imp.kind !== 'function') throw refuse(`imports ${name} (${imp.kind}); a player may import only env.abort and env.seed`);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get('memory') !== 'memory') throw refuse('no memory export');
  for (const name of REQUIRED) if (exports.get(name) !== 'function') throw refuse(`no ${name} export (a function)`);
  for (const name of OPTIONAL) if (exports.has(name) && exports.get(name) !== 'function') throw refuse(`${name} is not a function`);
}

/**
 * The file's base name without `.wasm`: a player's name when it exports none. A URL's fragment
 * names it when there is one (a page's `blob:…#mine.wasm` for a file the user picked).
 */
function baseName(file: string): string {
  const hash = /^[a-z][a-z0-9+.-]*:/i.test(file) ? file.lastIndexOf('#') : -1;
  if (hash >= 0) file = file.slice(hash + 1);
  const last = file.split(/[\\/]/).pop() || file;
  return last.replace(/\.wasm$/i, '') || 'player';
}

/** A checked, compiled player file: start instances of it for game sides. */
export class PlayerFile {
  /**
   * @param growthUnchecked a compiled module came without its bytes, so its memory's maximum is
   * not known: its first instance tries the growth in its worker before anything else runs
   */
  private constructor(readonly module: WebAssembly.Module, readonly file: string, private growthUnchecked = false) {}

  /** Reads and checks a player (a path in Node, a URL, bytes or a compiled module). */
  static async load(source: PlayerSource, file?: string): Promise<PlayerFile> {
    // checked when it was loaded: a tournament starts an instance of it per game
    if (source instanceof PlayerFile) return source;
    if (source instanceof WebAssembly.Module) {
      const label = file ?? 'player.wasm';
      checkModule(source, label);
      const f = new PlayerFile(source, label, true);
      await f.probe();
      f.growthUnchecked = false;
      return f;
    }
    let bytes: Uint8Array;
    let label: string;
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      label = file ?? 'player.wasm';
    } else {
      label = file ?? String(source);
      bytes = await readSource(source, label);
    }
    return new PlayerFile(await compilePlayer(bytes, label), label);
  }

  /** The name the file gives when it exports none (its base name). */
  get defaultName(): string {
    return baseName(this.file);
  }

  /**
   * Starts an instance (its version, board and name checked) and ends it: what a file still has to
   * show once its bytes are checked. @returns the player's name (kxo_name, else the base name)
   */
  async probe(budgetMs = DEFAULT_BUDGET_MS): Promise<string> {
    const inst = await this.start({ budgetMs });
    inst.close();
    return inst.name;
  }

  /** A fresh instance in a worker of its own, loaded (version, board, name checked). */
  start(opts: { seed?: bigint; budgetMs?: number } = {}): Promise<PlayerInstance> {
    return PlayerInstance.start(this, opts.seed ?? 0n, opts.budgetMs ?? DEFAULT_BUDGET_MS, this.growthUnchecked);
  }
}

async function readSource(source: URL | string, label: string): Promise<Uint8Array> {
  let url = source instanceof URL ? source : /^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source) ? new URL(source) : null;
  // a relative name in a page (no Node) is relative to the page, as fetch takes it
  const g = globalThis as { location?: { href: string }; process?: { versions?: { node?: string } } };
  if (url === null && g.location && !g.process?.versions?.node) url = new URL(source as string, g.location.href);
  if (url === null || url.protocol === 'file:') {
    // a path (or a file: URL): Node reads it; a page has no file system
    try {
      return await readLocalFile(url ?? (source as string), PLAYER_MAX_FILE);
    } catch (e) {
      const size = (e as { size?: number }).size;
      if (size !== undefined) throw new PlayerLoadError(label, `${size} bytes (a player file is at most ${PLAYER_MAX_FILE})`);
      const code = (e as NodeJS.ErrnoException).code;
      throw new PlayerLoadError(label, `cannot read it: ${code === 'EINVAL' ? 'not a regular file' : code ?? (e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new PlayerLoadError(label, `cannot fetch it: ${(e as Error).message}`);
  }
  if (!res.ok) throw new PlayerLoadError(label, `cannot fetch it: HTTP ${res.status} ${res.statusText}`.trim());
  const tooBig = (n: number) => new PlayerLoadError(label, `${n} bytes or more (a player file is at most ${PLAYER_MAX_FILE})`);
  const length = Number(res.headers.get('content-length'));
  if (length > PLAYER_MAX_FILE) throw tooBig(length);
  // counted as it comes: a response without a length (chunked, compressed) is cut at the limit
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > PLAYER_MAX_FILE) {
      await reader.cancel();
      throw tooBig(n);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A worker spoken to one question at a time: one listener, each answer to the question asked. */
class Line {
  private waiting: ((m: any) => void) | null = null;
  constructor(private readonly ch: Channel) {
    ch.onMessage((m) => this.answer(m));
    ch.onError((e) => this.answer({ type: 'trap', message: e instanceof Error ? e.message : String(e) }));
  }
  /** Posts `msg` and waits for the answer, at most `ms`: past it the worker is ended ({ type: 'timeout' }). */
  ask(msg: unknown, ms: number): Promise<any> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ch.terminate();
        this.answer({ type: 'timeout' });
      }, ms);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.ch.post(msg);
    });
  }
  private answer(m: any): void {
    const w = this.waiting;
    this.waiting = null;
    w?.(m);
  }
  /** Ends the worker; a question still waiting is answered `why` as a trap. */
  end(why: string): void {
    this.ch.terminate();
    this.answer({ type: 'trap', message: why });
  }
}

/** One game side's instance of a player, in its own worker. */
export class PlayerInstance {
  private dead: string | null = null;
  private busy = false;
  /** how long the last move took, ms, as the worker measured it (the call alone) */
  lastMs = 0;

  private constructor(private readonly line: Line, readonly name: string, readonly budgetMs: number) {}

  static async start(file: PlayerFile, seed: bigint, budgetMs: number, probeGrowth = false): Promise<PlayerInstance> {
    checkBudget(budgetMs);
    // imported when a player first starts: a page that never runs one needs no mapping for it
    const { startPlayerWorker } = await import('#player-spawn');
    const line = new Line(startPlayerWorker());
    const answer = await line.ask({ type: 'load', module: file.module, seed, probeGrowth }, LOAD_BUDGET_MS);
    if (answer.type !== 'loaded') {
      line.end('refused');
      throw new PlayerLoadError(file.file, answer.type === 'timeout' ? `did not load within ${LOAD_BUDGET_MS} ms` : answer.why ?? `trap at load: ${answer.message}`);
    }
    return new PlayerInstance(line, answer.name || file.defaultName, budgetMs);
  }

  /**
   * The player's move for `player` on `board` (size² cells of ' ', 'O', 'X'); a timeout, a trap or
   * an illegal cell rejects with PlayerForfeit, and the instance is done.
   */
  async move(board: string, size: number, goal: number, player: 'O' | 'X'): Promise<number> {
    if (this.dead) throw new PlayerForfeit(this.name, this.dead);
    if (this.busy) throw new Error(`${this.name}: one move at a time`);
    this.busy = true;
    const r = await this.line.ask({ type: 'move', board, size, goal, player: player.charCodeAt(0) }, this.budgetMs);
    this.busy = false;
    let reason: string | null = null;
    if (r.type === 'timeout') reason = `timeout (over ${this.budgetMs} ms)`;
    else if (r.type === 'trap') reason = `trap: ${r.message}`;
    else if (!Number.isInteger(r.cell) || r.cell < 0 || r.cell >= size * size || board[r.cell] !== ' ') reason = `illegal move ${r.cell}`;
    if (reason) {
      this.close(reason);
      throw new PlayerForfeit(this.name, reason);
    }
    this.lastMs = r.ms as number;
    return r.cell as number;
  }

  /** true once the instance is done (closed, or it forfeited): its worker is ended */
  get closed(): boolean {
    return this.dead !== null;
  }

  /** Ends the worker (its game is over, or it forfeited). */
  close(why = 'closed'): void {
    if (this.dead) return;
    this.dead = why;
    this.line.end(why);
  }
}
