// xo-user (sysprog21/kxo xo-user.c) on the Process API: shows the boards /dev/kxo streams,
// Ctrl-P toggles drawing and Ctrl-Q stops the game through sysfs kxo_state (kxo §10). Beyond the
// original, as the kxo course assignment asks: a live clock, each game's moves ("Moves: B2 -> C2")
// and each AI's time per move.
import { O_RDONLY, O_RDWR, POLLIN, KernelError } from '../index.js';
import type { Process } from '../index.js';
import { cellName as boardCellName, drawBufferSize, parseBoard } from '../drivers/kxo/board.js';
import { makeCheckWin } from '../drivers/kxo/game.js';
import { GamesClient, aiFooter, renderGames, type FinishedGame } from './xo-games.js';

export const CTRL_P = 0x10;
export const CTRL_Q = 0x11;
const STATE = '/sys/class/kxo/kxo/kxo_state';
const AI_TIMES = '/sys/kernel/debug/kxo/ai_times';

export interface XoUserIo {
  write(text: string): void;
  /** next key byte if one is waiting (non-blocking), else null */
  readKey(): number | null;
  /** resolves when a key arrives (or never, when there is no keyboard) */
  keyReady(): Promise<void>;
}

export interface GameRecord {
  first: 'O' | 'X';
  moves: number[];
  players: string;
  winner: string;
  finalBoard: string;
}

/** "B2": column letter, row number of cell index row*size + col. */
export const cellName = (i: number, size = 4) => boardCellName(i, size);
export const movesLine = (moves: readonly number[], size = 4) => `Moves: ${moves.map((m) => cellName(m, size)).join(' -> ')}`;

/**
 * The board with its coordinates, so a move written B4 can be found: columns A.., rows 1.. (the
 * cell names movesLine uses).
 */
export function labeledBoard(board: string, size = 4): string {
  const rows = [`     ${Array.from({ length: size }, (_, c) => String.fromCharCode(65 + c)).join(' ')}`];
  for (let r = 0; r < size; r++) {
    rows.push(`  ${r + 1}  ${[...board.slice(r * size, r * size + size)].join('|')}`);
    if (r < size - 1) rows.push(`     ${'-'.repeat(2 * size - 1)}`);
  }
  return `${rows.join('\n')}\n`;
}
/** "X wins", "O wins" or "draw" */
export const winnerText = (w: string) => (w === 'D' ? 'draw' : `${w} wins`);
/** "game 2 (X wins): 1. B4  2. C2  3. A1", numbered moves with the winner */
export const numberedMoves = (n: number, g: GameRecord, size = 4) =>
  `game ${n} (${winnerText(g.winner)}): ${g.moves.map((m, i) => `${i + 1}. ${cellName(m, size)}`).join('  ')}`;

const stones = (b: string) => [...b].filter((c) => c !== ' ').length;

/** Follows the board stream and rebuilds games from the stones that appear between boards. */
export class GameTracker {
  readonly games: GameRecord[] = [];
  private readonly empty: string;
  private readonly checkWin: (b: string) => string;
  private prev: string;
  private cur: GameRecord | null = null;
  private lastFinal = '';

  constructor(readonly size = 4, goal = 3) {
    this.empty = this.prev = ' '.repeat(size * size);
    this.checkWin = makeCheckWin(size, goal);
  }

  /** Feeds one board; @returns the game this board finished, if any */
  feed(board: string): GameRecord | null {
    // the game-over tick redraws the final board once more
    if (!this.cur && board === this.lastFinal) return null;
    if (!this.cur || stones(board) < stones(this.prev)) {
      this.cur = { first: 'O', moves: [], players: '', winner: ' ', finalBoard: '' };
      this.prev = this.empty;
    }
    const g = this.cur;
    for (let i = 0; i < board.length; i++) {
      if (this.prev[i] === ' ' && board[i] !== ' ') {
        if (g.moves.length === 0) g.first = board[i] as 'O' | 'X';
        g.moves.push(i);
        g.players += board[i];
      }
    }
    this.prev = board;
    const w = this.checkWin(board);
    if (w === ' ') return null;
    g.winner = w;
    g.finalBoard = this.lastFinal = board;
    this.games.push(g);
    this.cur = null;
    return g;
  }
}

async function readState(p: Process, fd: number, buf: number): Promise<Uint8Array> {
  const n = await p.read(fd, buf, 6);
  return p.peek(buf, n);
}

/** One key press the way xo-user.c handles it: reopen kxo_state, read 6 bytes, patch, write back. */
export async function handleKey(p: Process, key: number, display: { on: boolean }, io: XoUserIo): Promise<'quit' | 'continue'> {
  if (key !== CTRL_P && key !== CTRL_Q) return 'continue';
  const fd = await p.open(STATE, O_RDWR);
  const buf = p.mmap(4096);
  try {
    const st = await readState(p, fd, buf);
    if (key === CTRL_P) {
      st[0] = st[0] === 0x30 ? 0x31 : 0x30;
      display.on = !display.on;
      if (!display.on) io.write('\n\nStopping to display the chess board...\n');
    } else {
      st[4] = 0x31;
      display.on = false;
    }
    p.poke(buf, st);
    await p.write(fd, buf, st.length);
    if (key === CTRL_Q) {
      io.write('\n\nStopping the kernel space tic-tac-toe game...\n');
      return 'quit';
    }
    return 'continue';
  } finally {
    p.munmap(buf, 4096);
    await p.close(fd);
  }
}

/** kxo status check: 0 when /sys/module/kxo/initstate reads "live", else prints and returns 1. */
export async function statusCheck(p: Process, io: XoUserIo): Promise<number> {
  let text: string;
  try {
    text = (await p.readFile('/sys/module/kxo/initstate')).split('\n')[0]!;
  } catch (e) {
    if (e instanceof KernelError) {
      io.write('kxo status : not loaded\n');
      return 1;
    }
    throw e;
  }
  if (text !== 'live') {
    io.write(`kxo status : ${text}\n`);
    return 1;
  }
  return 0;
}

export interface XoUserOptions {
  /** TTY mode: redraw the screen per board and react to keys; otherwise print finished games */
  tty: boolean;
  /** non-TTY: stop after this many finished games (all games together) */
  rounds?: number;
  now?: () => Date;
  /** terminal width for the side-by-side boards (default 80) */
  columns?: number;
}

/** The module's parameter as /sys/module/kxo/parameters shows it. */
async function param(p: Process, name: string): Promise<string> {
  return (await p.readFile(`/sys/module/kxo/parameters/${name}`)).trim();
}

/** Runs xo-user on an already-booted kernel with kxo loaded; @returns the exit code. */
export async function xoUser(p: Process, io: XoUserIo, opts: XoUserOptions): Promise<{ code: number; games: GameRecord[] }> {
  if ((await statusCheck(p, io)) !== 0) return { code: 1, games: [] };
  if ((await param(p, 'abi')) === 'ext') return xoUserGames(p, io, opts);
  const size = Number(await param(p, 'boardSize'));
  const tracker = new GameTracker(size, Number(await param(p, 'goal')));
  const DRAWBUFFER_SIZE = drawBufferSize(size);
  const dev = await p.open('/dev/kxo', O_RDONLY);
  const buf = p.mmap(4096);
  const display = { on: true };
  const drawBuf = new Uint8Array(DRAWBUFFER_SIZE);
  let pending = '';
  const now = opts.now ?? (() => new Date());
  try {
    for (;;) {
      const key = io.readKey();
      if (key !== null) {
        if ((await handleKey(p, key, display, io)) === 'quit') break;
        continue;
      }
      const ready = await Promise.race([
        p.poll([{ fd: dev, events: POLLIN }], opts.tty ? 1000 : -1),
        io.keyReady().then(() => null),
      ]);
      if (!ready || !(ready[0]!.revents & POLLIN)) {
        if (opts.tty && display.on && ready) io.write(`\x1b[s\x1b[1;20H${now().toTimeString().slice(0, 8)}\x1b[u`);
        continue;
      }
      if (!display.on) continue;
      const n = await p.read(dev, buf, DRAWBUFFER_SIZE);
      const bytes = p.peek(buf, n);
      // observed: kxo §10 — a short read leaves stale bytes in the reused buffer; byte 65 is forced NUL
      drawBuf.set(bytes);
      pending += String.fromCharCode(...bytes);
      while (pending.length >= DRAWBUFFER_SIZE) {
        const text = pending.slice(0, DRAWBUFFER_SIZE);
        pending = pending.slice(DRAWBUFFER_SIZE);
        const board = parseBoard(text, size);
        const done = board ? tracker.feed(board) : null;
        if (opts.tty) {
          io.write(`\x1b[H\x1b[J\n${board ? labeledBoard(board, size) : text.slice(2, DRAWBUFFER_SIZE - 1)}\n`);
          io.write(`time ${now().toTimeString().slice(0, 8)}   Ctrl-P: display on/off   Ctrl-Q: quit\n`);
          io.write(await aiTimes(p));
          if (done) io.write(`game ${tracker.games.length}: ${winnerText(done.winner)}\n`);
          else if (tracker.games.length) io.write(`last game: ${winnerText(tracker.games[tracker.games.length - 1]!.winner)}\n`);
        } else if (done) {
          io.write(`game ${tracker.games.length}: ${winnerText(done.winner)}\n${labeledBoard(done.finalBoard, size)}${movesLine(done.moves, size)}\n`);
        }
      }
      if (!opts.tty && tracker.games.length >= (opts.rounds ?? 3)) {
        await handleKey(p, CTRL_Q, display, { ...io, write: () => {} });
        break;
      }
    }
  } finally {
    p.munmap(buf, 4096);
    await p.close(dev);
  }
  if (opts.tty) tracker.games.forEach((g, i) => io.write(`${numberedMoves(i + 1, g, size)}\n`));
  return { code: 0, games: tracker.games };
}

/** The last move time of each AI, from kxo's debugfs file (absent → nothing shown). */
async function aiTimes(p: Process): Promise<string> {
  try {
    const lines = (await p.readFile(AI_TIMES)).trim().split('\n').filter(Boolean);
    const last = (who: string) => lines.filter((l) => l.startsWith(who)).pop()?.split(' ')[2];
    const o = last('O');
    const x = last('X');
    return `O (MCTS) ${o ?? '-'} ms/move   X (negamax) ${x ?? '-'} ms/move\n`;
  } catch {
    return '';
  }
}

const TAB = 0x09;
const ENTER = [0x0a, 0x0d];
const BACKSPACE = [0x08, 0x7f];

/**
 * xo-user for abi 'ext' (kxo-games.md): every game side by side, rebuilt from 2-byte events, with
 * each game's clock, moves and score, and the kernel's per-AI load. Keys: Tab picks the next
 * game, Space pauses or resumes it, '!' restarts it, 'O' / 'X' hand that side to you (human) or
 * back to its AI, a cell such as b2 and Enter plays your move; Ctrl-P and Ctrl-Q as in kxo.
 */
export async function xoUserGames(p: Process, io: XoUserIo, opts: XoUserOptions): Promise<{ code: number; games: GameRecord[] }> {
  const now = opts.now ?? (() => new Date());
  const c = await GamesClient.open(p, () => now().getTime());
  const records: GameRecord[] = [];
  const display = { on: true };
  let selected = 0;
  let input = '';
  let message = '';
  // the AIs a side had before the user took it
  const machine = new Map<string, string>();
  // a game of yours that ended stays in its final position, with its result, until Enter
  const held = new Map<number, FinishedGame>();
  const record = (f: FinishedGame) => {
    const g: GameRecord = { first: 'O', moves: f.moves, players: '', winner: f.winner, finalBoard: f.board };
    records.push(g);
    if (opts.tty && c.games[f.game]!.ai.includes('human')) held.set(f.game, f);
    if (!opts.tty) io.write(`game ${f.game}.${c.games[f.game]!.score.O + c.games[f.game]!.score.X + c.games[f.game]!.score.D}: ${winnerText(f.winner)}\n${labeledBoard(f.board, c.size)}${movesLine(f.moves, c.size)}\n`);
  };
  const toggleHuman = async (side: 0 | 1) => {
    const g = c.games[selected]!;
    const key = `${selected}/${side}`;
    if (g.ai[side] === 'human') await c.setAi(selected, side, machine.get(key) ?? 'negamax');
    else {
      machine.set(key, g.ai[side]);
      await c.setAi(selected, side, 'human');
    }
  };
  const draw = async () => {
    if (!opts.tty || !display.on) return;
    const t = now();
    const width = opts.columns ?? 80;
    // four games of kxo's 4x4 fit a terminal of 80x24: 1 + 17 + 1 + 2 + 1 + 1 lines
    io.write(`\x1b[H\x1b[J${t.toTimeString().slice(0, 8)}   ${c.games.length} games, ${c.size}x${c.size}, ${c.goal} in a row   ${c.events} events, ${c.bytes} bytes\n`);
    io.write(renderGames(c, { selected, width, now: t.getTime(), held }));
    io.write(`\n${aiFooter(await c.loadavg(), await c.msPerMove(), width)}\n`);
    io.write('Tab game  Space pause  ! restart  O/X you/AI  b2 Enter move  ^P display  ^Q quit\n');
    io.write(`move> ${input}${message ? `   ${message}` : ''}`);
  };
  // one pump at a time: a key press does not abandon the events it is reading
  let pump: Promise<FinishedGame[]> | null = null;
  const stop = new AbortController();
  try {
    for (;;) {
      const key = io.readKey();
      if (key !== null) {
        message = '';
        if (key === CTRL_P || key === CTRL_Q) {
          if ((await handleKey(p, key, display, io)) === 'quit') break;
        } else if (key === TAB) selected = (selected + 1) % c.games.length;
        else if (key === 0x20) await c.pause(selected);
        else if (key === 0x21) await c.restart(selected);
        else if (key === 0x4f || key === 0x58) await toggleHuman(key === 0x4f ? 0 : 1);
        else if (BACKSPACE.includes(key)) input = input.slice(0, -1);
        else if (ENTER.includes(key)) {
          const cell = input.trim();
          input = '';
          // Enter lets the selected game's final position go (every one held, when that one is not)
          if (!held.delete(selected) && !cell) held.clear();
          if (cell) {
            try {
              await c.move(selected, cell);
            } catch (e) {
              if (!(e instanceof KernelError)) throw e;
              message = `move ${cell}: ${e.code} (${{ EINVAL: 'not a free cell', EAGAIN: 'game paused or over', EPERM: 'not your turn' }[e.code as string] ?? e.message})`;
            }
          }
        } else if (key >= 0x20 && key < 0x7f && input.length < 8) input += String.fromCharCode(key);
        await draw();
        continue;
      }
      pump ??= c.pump(opts.tty ? 1000 : -1, stop.signal);
      const ready = await Promise.race([pump, io.keyReady().then(() => null)]);
      if (ready) {
        pump = null;
        for (const f of ready) record(f);
      }
      await draw();
      if (!opts.tty && records.length >= (opts.rounds ?? 3)) {
        await handleKey(p, CTRL_Q, display, { ...io, write: () => {} });
        break;
      }
    }
  } finally {
    // a poll still waiting is interrupted (EINTR) rather than waited for
    stop.abort();
    await pump?.catch(() => []);
    await c.close();
  }
  if (opts.tty) {
    for (const g of c.games) {
      const mine = c.finished.filter((f) => f.game === g.id);
      io.write(`game ${g.id}: O ${g.score.O}  X ${g.score.X}  draws ${g.score.D}${mine.length ? `; last: ${movesLine(mine[mine.length - 1]!.moves, c.size)}` : ''}\n`);
    }
  }
  return { code: 0, games: records };
}
