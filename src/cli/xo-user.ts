// xo-user (sysprog21/kxo xo-user.c) on the Process API: shows the boards /dev/kxo streams,
// Ctrl-P toggles drawing and Ctrl-Q stops the game through sysfs kxo_state (kxo §10). Beyond the
// original, as the kxo course assignment asks: a live clock, each game's moves ("Moves: B2 -> C2")
// and each AI's time per move.
import { O_RDONLY, O_RDWR, POLLIN, KernelError } from '../index.js';
import type { Process } from '../index.js';
import { DRAWBUFFER_SIZE, parseBoard } from '../drivers/kxo/board.js';
import { checkWin } from '../drivers/kxo/game.js';

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

/** "B2": column letter A–D, row 1–4 of cell index row*4 + col. */
export const cellName = (i: number) => `${String.fromCharCode(65 + (i % 4))}${Math.floor(i / 4) + 1}`;
export const movesLine = (moves: readonly number[]) => `Moves: ${moves.map(cellName).join(' -> ')}`;

/**
 * The board with its coordinates, so a move written B4 can be found: columns A–D, rows 1–4 (the
 * cell names movesLine uses).
 */
export function labeledBoard(board: string): string {
  const rows = ['     A B C D'];
  for (let r = 0; r < 4; r++) {
    rows.push(`  ${r + 1}  ${[...board.slice(r * 4, r * 4 + 4)].join('|')}`);
    if (r < 3) rows.push('     -------');
  }
  return `${rows.join('\n')}\n`;
}
/** "X wins", "O wins" or "draw" */
export const winnerText = (w: string) => (w === 'D' ? 'draw' : `${w} wins`);
/** "game 2 (X wins): 1. B4  2. C2  3. A1", numbered moves with the winner */
export const numberedMoves = (n: number, g: GameRecord) =>
  `game ${n} (${winnerText(g.winner)}): ${g.moves.map((m, i) => `${i + 1}. ${cellName(m)}`).join('  ')}`;

const EMPTY = ' '.repeat(16);
const stones = (b: string) => [...b].filter((c) => c !== ' ').length;

/** Follows the board stream and rebuilds games from the stones that appear between boards. */
export class GameTracker {
  readonly games: GameRecord[] = [];
  private prev = EMPTY;
  private cur: GameRecord | null = null;
  private lastFinal = '';

  /** Feeds one board; @returns the game this board finished, if any */
  feed(board: string): GameRecord | null {
    // the game-over tick redraws the final board once more
    if (!this.cur && board === this.lastFinal) return null;
    if (!this.cur || stones(board) < stones(this.prev)) {
      this.cur = { first: 'O', moves: [], players: '', winner: ' ', finalBoard: '' };
      this.prev = EMPTY;
    }
    const g = this.cur;
    for (let i = 0; i < 16; i++) {
      if (this.prev[i] === ' ' && board[i] !== ' ') {
        if (g.moves.length === 0) g.first = board[i] as 'O' | 'X';
        g.moves.push(i);
        g.players += board[i];
      }
    }
    this.prev = board;
    const w = checkWin(board);
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
  /** non-TTY: stop after this many finished games */
  games?: number;
  now?: () => Date;
}

/** Runs xo-user on an already-booted kernel with kxo loaded; @returns the exit code. */
export async function xoUser(p: Process, io: XoUserIo, opts: XoUserOptions): Promise<{ code: number; games: GameRecord[] }> {
  const tracker = new GameTracker();
  if ((await statusCheck(p, io)) !== 0) return { code: 1, games: tracker.games };
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
        const board = parseBoard(text);
        const done = board ? tracker.feed(board) : null;
        if (opts.tty) {
          io.write(`\x1b[H\x1b[J\n${board ? labeledBoard(board) : text.slice(2, DRAWBUFFER_SIZE - 1)}\n`);
          io.write(`time ${now().toTimeString().slice(0, 8)}   Ctrl-P: display on/off   Ctrl-Q: quit\n`);
          io.write(await aiTimes(p));
          if (done) io.write(`game ${tracker.games.length}: ${winnerText(done.winner)}\n`);
          else if (tracker.games.length) io.write(`last game: ${winnerText(tracker.games[tracker.games.length - 1]!.winner)}\n`);
        } else if (done) {
          io.write(`game ${tracker.games.length}: ${winnerText(done.winner)}\n${labeledBoard(done.finalBoard)}${movesLine(done.moves)}\n`);
        }
      }
      if (!opts.tty && tracker.games.length >= (opts.games ?? 3)) {
        await handleKey(p, CTRL_Q, display, { ...io, write: () => {} });
        break;
      }
    }
  } finally {
    p.munmap(buf, 4096);
    await p.close(dev);
  }
  if (opts.tty) tracker.games.forEach((g, i) => io.write(`${numberedMoves(i + 1, g)}\n`));
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
