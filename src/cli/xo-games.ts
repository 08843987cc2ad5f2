// The user-space side of the kxo extension (kxo-games.md), as the kxo course assignment asks
// students to write it: user space keeps the boards from 2-byte events, each game's move history
// and clock, and shows the kernel's per-AI load. Shared by `vchardev xo-user --games N` and the
// web page.
import { O_RDWR, O_NONBLOCK, POLLIN, KernelError, EINVAL } from '../index.js';
import type { Process } from '../index.js';
import { cellName } from '../drivers/kxo/board.js';
import {
  KXO_AIS, KXO_CTL_PAUSE, KXO_CTL_RESTART, KXO_CTL_RESUME, KXO_EV_DRAW, KXO_EV_O_WON, KXO_EV_OVERFLOW_GAME,
  KXO_EV_START, KXO_EV_X, KXO_EV_X_WON, KXO_GAME_CTL, KXO_GET_BOARD, KXO_GET_INFO, KXO_SET_AI, KXO_SET_PROTO,
} from '../drivers/kxo/uapi.js';

const AI_TIMES = '/sys/kernel/debug/kxo/ai_times';
const LOADAVG = '/sys/class/kxo/kxo/loadavg';
const AIS = '/sys/class/kxo/kxo/ais';

export interface FinishedGame {
  game: number;
  winner: 'O' | 'X' | 'D';
  moves: number[];
  board: string;
  ms: number;
}

export interface ClientGame {
  id: number;
  cells: string[];
  /** cells in the order played since the game started */
  history: number[];
  /** side to move */
  turn: 'O' | 'X';
  state: 'playing' | 'paused' | 'over';
  winner: ' ' | 'O' | 'X' | 'D';
  /** the AIs' names: a built-in's, 'human', or a player file's */
  ai: [string, string];
  /** when this game started, by the client's clock (ms) */
  started: number;
  /** how long the game lasted once over (ms) */
  lasted: number;
  score: { O: number; X: number; D: number };
}

/** User memory of the client: 32 slots of 128 bytes for ioctl arguments and move texts, then the read buffer. */
const SLOT = 128;
const SLOTS = 32;
const READ_AT = SLOT * SLOTS;
const READ_LEN = 4096;
const MAPPED = READ_AT + READ_LEN;

/** One open /dev/kxo in the event protocol, and the games rebuilt from it. */
export class GamesClient {
  readonly games: ClientGame[] = [];
  /** free argument slots: calls in flight at once (a click during a resync) never share one */
  private readonly free = Array.from({ length: SLOTS }, (_, i) => i * SLOT);
  readonly finished: FinishedGame[] = [];
  /** bytes read from the device (2 per event) */
  bytes = 0;
  events = 0;
  overflows = 0;
  /** KXO_SET_AI's ids by name: the built-ins', then the driver's player files (sysfs ais) */
  readonly aiIds = new Map<string, number>(KXO_AIS.map((n, i) => [n, i]));
  private constructor(
    readonly p: Process,
    readonly fd: number,
    private readonly buf: number,
    readonly size: number,
    readonly goal: number,
    private readonly now: () => number,
  ) {}

  /** Opens /dev/kxo, switches to events and reads every board once (KXO_GET_BOARD). */
  static async open(p: Process, now: () => number = () => Date.now()): Promise<GamesClient> {
    const fd = await p.open('/dev/kxo', O_RDWR | O_NONBLOCK);
    const buf = p.mmap(MAPPED);
    try {
      return await GamesClient.start(p, fd, buf, now);
    } catch (e) {
      // a client that could not start leaves no file open (the module can be unloaded)
      p.munmap(buf, MAPPED);
      await p.close(fd);
      throw e;
    }
  }

  private static async start(p: Process, fd: number, buf: number, now: () => number): Promise<GamesClient> {
    p.poke(buf, Uint8Array.of(1, 0, 0, 0));
    await p.ioctl(fd, KXO_SET_PROTO, buf);
    await p.ioctl(fd, KXO_GET_INFO, buf);
    const [games, size, goal] = p.peek(buf, 3);
    const c = new GamesClient(p, fd, buf, size!, goal!, now);
    try {
      for (const line of (await p.readFile(AIS)).split('\n')) {
        const [id, name] = line.split(' ');
        if (name) c.aiIds.set(name, Number(id));
      }
    } catch {
      // a driver without player files' ids: the built-ins' stand
    }
    for (let g = 0; g < games!; g++) {
      c.games.push({ id: g, cells: [], history: [], turn: 'O', state: 'playing', winner: ' ', ai: ['mcts', 'negamax'], started: now(), lasted: 0, score: { O: 0, X: 0, D: 0 } });
    }
    await c.resync();
    return c;
  }

  /** Runs fn with a slot of user memory of its own (its address). */
  private async withSlot<T>(fn: (addr: number) => Promise<T>): Promise<T> {
    const off = this.free.pop();
    if (off === undefined) throw new Error('kxo client: too many calls in flight');
    try {
      return await fn(this.buf + off);
    } finally {
      this.free.push(off);
    }
  }

  /** Reads every game's board, side to move and state again (after an overflow). */
  async resync(): Promise<void> {
    for (const g of this.games) {
      const b = new Uint8Array(72);
      b[0] = g.id;
      const r = await this.withSlot(async (at) => {
        this.p.poke(at, b);
        await this.p.ioctl(this.fd, KXO_GET_BOARD, at);
        return this.p.peek(at, 72);
      });
      g.cells = [...String.fromCharCode(...r.subarray(4, 4 + this.size * this.size))];
      g.turn = String.fromCharCode(r[1]!) as 'O' | 'X';
      g.state = (['playing', 'paused', 'over'] as const)[r[2]!] ?? 'playing';
      g.winner = String.fromCharCode(r[3]!) as ClientGame['winner'];
      // the moves before a resync are known by count only; the board is exact
      if (g.history.length !== new DataView(r.buffer, r.byteOffset).getUint32(68, true)) g.history = [];
      const ai = (await this.p.readFile(`/sys/class/kxo/kxo/games/${g.id}/ai`)).trim().split(' ');
      g.ai = [ai[0]!, ai[1]!];
    }
  }

  /** Applies one event; @returns the game it finished, if any. */
  apply(game: number, code: number): FinishedGame | null {
    this.events++;
    if (game === KXO_EV_OVERFLOW_GAME) {
      this.overflows++;
      return null;
    }
    const g = this.games[game];
    if (!g) return null;
    if (code < KXO_EV_START) {
      const side = code < KXO_EV_X ? 'O' : 'X';
      const cell = code % KXO_EV_X;
      // an event queued before the board was read (KXO_GET_BOARD) is in that board already
      if (g.cells[cell] === side) return null;
      g.cells[cell] = side;
      g.history.push(cell);
      g.turn = side === 'O' ? 'X' : 'O';
      return null;
    }
    if (code === KXO_EV_START) {
      g.cells.fill(' ');
      g.history = [];
      g.state = g.state === 'over' ? 'playing' : g.state;
      g.winner = ' ';
      g.started = this.now();
      return null;
    }
    const w: FinishedGame['winner'] | null = code === KXO_EV_O_WON ? 'O' : code === KXO_EV_X_WON ? 'X' : code === KXO_EV_DRAW ? 'D' : null;
    if (!w || g.state === 'over') return null;
    g.state = 'over';
    g.winner = w;
    g.lasted = this.now() - g.started;
    g.score[w]++;
    const f: FinishedGame = { game, winner: w, moves: [...g.history], board: g.cells.join(''), ms: g.lasted };
    this.finished.push(f);
    return f;
  }

  /**
   * Waits up to timeoutMs for events and applies what came (a resync after an overflow).
   * @returns the games finished meanwhile
   */
  async pump(timeoutMs: number, signal?: AbortSignal): Promise<FinishedGame[]> {
    const done: FinishedGame[] = [];
    const [r] = await this.p.poll([{ fd: this.fd, events: POLLIN }], timeoutMs, signal ? { signal } : {});
    if (!(r!.revents & POLLIN)) return done;
    let overflow = false;
    for (;;) {
      let n: number;
      try {
        n = await this.p.read(this.fd, this.buf + READ_AT, READ_LEN);
      } catch (e) {
        if (e instanceof KernelError && e.code === 'EAGAIN') break;
        throw e;
      }
      this.bytes += n;
      const ev = this.p.peek(this.buf + READ_AT, n);
      for (let i = 0; i < n; i += 2) {
        if (ev[i] === KXO_EV_OVERFLOW_GAME) overflow = true;
        const f = this.apply(ev[i]!, ev[i + 1]!);
        if (f) done.push(f);
      }
    }
    if (overflow) await this.resync();
    return done;
  }

  /** Gives a side to an AI by name (a built-in's, 'human', a player file's). */
  async setAi(game: number, side: 0 | 1, ai: string): Promise<void> {
    const id = this.aiIds.get(ai);
    if (id === undefined) throw new KernelError(EINVAL, 'kxo client', `no AI named ${ai}`);
    await this.withSlot(async (at) => {
      this.p.poke(at, Uint8Array.of(game, side, id, 0));
      await this.p.ioctl(this.fd, KXO_SET_AI, at);
    });
    this.games[game]!.ai[side] = ai;
  }
  async pause(game: number): Promise<void> {
    const g = this.games[game]!;
    await this.ctl(game, g.state === 'paused' ? KXO_CTL_RESUME : KXO_CTL_PAUSE);
    if (g.state !== 'over') g.state = g.state === 'paused' ? 'playing' : 'paused';
  }
  async restart(game: number): Promise<void> {
    await this.ctl(game, KXO_CTL_RESTART);
  }
  private async ctl(game: number, op: number): Promise<void> {
    await this.withSlot(async (at) => {
      this.p.poke(at, Uint8Array.of(game, op, 0, 0));
      await this.p.ioctl(this.fd, KXO_GAME_CTL, at);
    });
  }
  /** A human move: "G C\n" by write() (kxo-games §4); throws the KernelError the driver gives. */
  async move(game: number, cell: string): Promise<void> {
    const text = `${game} ${cell}\n`.slice(0, SLOT);
    await this.withSlot(async (at) => {
      this.p.poke(at, text);
      await this.p.write(this.fd, at, text.length);
    });
  }

  /** The kernel's per-AI load ("mcts 0.93 0.51 0.20" lines). */
  async loadavg(): Promise<string> {
    try {
      return await this.p.readFile(LOADAVG);
    } catch {
      return '';
    }
  }
  /** Each AI's mean ms per move over the driver's last 256 moves (debugfs; absent → empty). */
  async msPerMove(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    try {
      const sums = new Map<string, [number, number]>();
      for (const line of (await this.p.readFile(AI_TIMES)).split('\n')) {
        const [, , , ms, ai] = line.split(' ');
        if (!ai) continue;
        const s = sums.get(ai) ?? [0, 0];
        sums.set(ai, [s[0] + Number(ms), s[1] + 1]);
      }
      for (const [ai, [t, n]] of sums) out.set(ai, t / n);
    } catch {
      // debugfs is a diagnostic, not ABI: without it there are no times to show
    }
    return out;
  }
  async close(): Promise<void> {
    this.p.munmap(this.buf, MAPPED);
    await this.p.close(this.fd);
  }
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

const result = (w: ' ' | 'O' | 'X' | 'D') => (w === 'D' ? 'draw' : `${w} wins`);

/**
 * One game as lines of text: a title, the board with coordinates, its clock, state and score on
 * one line, and its last moves. `final` (a game of yours that just ended) shows that game's last
 * position and result instead of the board the next game already has.
 */
export function gameLines(g: ClientGame, size: number, now: number, selected: boolean, final?: FinishedGame): string[] {
  const lines = [`${selected ? '>' : ' '}game ${g.id}  ${g.ai[0]}(O) vs ${g.ai[1]}(X)`];
  const cells = final ? [...final.board] : g.cells;
  lines.push(`      ${Array.from({ length: size }, (_, c) => String.fromCharCode(65 + c)).join(' ')}`);
  for (let r = 0; r < size; r++) {
    lines.push(`  ${String(r + 1).padStart(2)}  ${cells.slice(r * size, r * size + size).join('|')}`);
  }
  const score = `O ${g.score.O} X ${g.score.X} D ${g.score.D}`;
  if (final) {
    lines.push(`  ${clock(final.ms)} ${result(final.winner)}  ${score}`);
    lines.push('  over: Enter for the next game');
    return lines;
  }
  const status = g.state === 'over' ? result(g.winner) : g.state === 'paused' ? 'paused' : `${g.turn} to move${g.ai[g.turn === 'O' ? 0 : 1] === 'human' ? ' (you)' : ''}`;
  lines.push(`  ${clock(g.state === 'over' ? g.lasted : now - g.started)} ${status}  ${score}`);
  const last = g.history.slice(-4).map((c) => cellName(c, size)).join('->');
  lines.push(`  ${g.history.length > 4 ? '…' : ''}${last}`);
  return lines;
}

/**
 * Every game side by side in rows that fit `width` columns, a blank line between rows; `held`
 * are finished games still shown in their final position (see gameLines).
 */
export function renderGames(c: GamesClient, opts: { selected: number; width: number; now: number; held?: ReadonlyMap<number, FinishedGame> }): string {
  const blocks = c.games.map((g) => gameLines(g, c.size, opts.now, g.id === opts.selected, opts.held?.get(g.id)));
  const w = Math.max(...blocks.flat().map((l) => l.length)) + 2;
  const perRow = Math.max(1, Math.floor((opts.width + 2) / w));
  const rows: string[] = [];
  for (let i = 0; i < blocks.length; i += perRow) {
    const row = blocks.slice(i, i + perRow);
    const h = Math.max(...row.map((b) => b.length));
    const lines: string[] = [];
    for (let l = 0; l < h; l++) lines.push(row.map((b) => (b[l] ?? '').padEnd(w)).join('').trimEnd());
    rows.push(lines.join('\n'));
  }
  return `${rows.join('\n\n')}\n`;
}

/**
 * The per-AI footer: the kernel's load average and the time per move of each AI, packed into
 * lines of at most `width` columns.
 */
export function aiFooter(loadavg: string, ms: Map<string, number>, width = 80): string {
  const load = new Map(loadavg.trim().split('\n').filter(Boolean).map((l) => [l.split(' ')[0]!, l.split(' ').slice(1).join(' ')]));
  const names = [...new Set([...load.keys(), ...ms.keys()])];
  const items = names.map((ai) => `${ai} load ${load.get(ai) ?? '-'}${ms.has(ai) ? `, ${ms.get(ai)!.toFixed(1)} ms/move` : ''}`);
  const lines: string[] = [];
  for (const item of items) {
    const last = lines.length ? lines[lines.length - 1]! : null;
    if (last !== null && last.length + 3 + item.length <= width) lines[lines.length - 1] = `${last} · ${item}`;
    else lines.push(item);
  }
  return lines.join('\n');
}
