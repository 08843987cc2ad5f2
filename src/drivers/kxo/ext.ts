// The kxo extension (kxo-games §1a–§6, abi 'ext'): many games per tick, the per-file event
// protocol, control ioctls, human moves by write(), per-game sysfs and per-AI load averages.
import { EAGAIN, EBADF, EBUSY, EFAULT, EINVAL, ENOTTY, EPERM } from '../../kernel/errno.js';
import type { File } from '../../kernel/vfs.js';
import { POLLIN, POLLRDNORM } from '../../kernel/wait.js';
import type { Task } from '../../kernel/task.js';
import type { DeviceAttribute } from '../../kernel/device.js';
import { bytesToLatin1 } from '../../kernel/device.js';
import { drawBoard, parseCell } from './board.js';
import { EventQueue } from './events.js';
import { aiName, type Ahead, type Game, type Side, type SideAi } from './game.js';
import type { MoveRequest, MoveResult } from './ai.js';
import { KXO_AI_FIRST_PLAYER, MAX_PLAYER_SIDES, PlayerSides, type KxoPlayer } from './players.js';
import { PlayerForfeit } from '../../wasm/player.js';
import { readQueue } from './read.js';
import { KXO_TRACE as T } from './trace.js';
import {
  KXO_AIS, KXO_AI_SIZE, KXO_BOARD_CELLS, KXO_BOARD_MOVES, KXO_BOARD_SIZE, KXO_CTL_PAUSE, KXO_CTL_RESTART,
  KXO_CTL_RESUME, KXO_CTL_SIZE, KXO_EVENT_QUEUE, KXO_EV_DRAW, KXO_EV_O_WON, KXO_EV_START, KXO_EV_X, KXO_EV_X_WON,
  KXO_GAME_CTL, KXO_GET_BOARD, KXO_GET_INFO, KXO_INFO_SIZE, KXO_SET_AI, KXO_SET_PROTO, KXO_STATE_OVER,
  KXO_STATE_PAUSED, KXO_STATE_PLAYING, type KxoAiKind, type KxoMachineAi,
} from './uapi.js';
import type { K, KxoFile, KxoState } from './state.js';

/** proposal: kxo-games §4 — a write of moves is at most a page (a line per move fits 64 moves) */
export const KXO_WRITE_MAX = 4096;

const other = (s: Side): Side => (s === 'O' ? 'X' : 'O');

/** Queues one event on every file reading events, and wakes the readers. */
export function emit(k: K, st: KxoState, game: number, code: number): void {
  for (const f of st.files) {
    if (f.proto !== 1 || !f.events) continue;
    const was = f.events.overflowed;
    if (!f.events.push(game, code) && !was) k.trace(T.eventsOverflow, { game, code });
  }
  st.rxWait.wakeUpInterruptible();
}

/** A move on the board: its event, then the end event when it decided the game (§1a). */
export function playMove(k: K, st: KxoState, g: Game, cell: number): void {
  const side = g.turn;
  g.cells[cell] = side;
  g.moves.push(cell);
  g.turn = other(side);
  g.epoch++;
  emit(k, st, g.id, side === 'O' ? cell : KXO_EV_X + cell);
  const w = st.checkWin(g.cells);
  if (w !== ' ') {
    g.over = true;
    g.winner = w;
    emit(k, st, g.id, w === 'O' ? KXO_EV_O_WON : w === 'X' ? KXO_EV_X_WON : KXO_EV_DRAW);
  }
}

function restart(k: K, st: KxoState, g: Game): void {
  g.restart();
  emit(k, st, g.id, KXO_EV_START);
}

/**
 * The cell a tick plays for an AI's answer `move` on `cells`.
 * proposal: kxo-games §1a — kxo's mcts may give up (-1) and kxo then passes the turn; here a pass
 * would leave event readers unable to tell whose turn it is, so the first free cell is played
 */
function cellPlayed(cells: readonly string[], move: number): number {
  return move >= 0 && cells[move] === ' ' ? move : cells.indexOf(' ');
}

/** how long a move of each AI usually takes, in rank only: the order a tick queues its moves */
const COST: Record<KxoMachineAi, number> = { mcts: 3, strong: 2, negamax: 1, random: 0 };
/** how many turns a game may run ahead of its tick */
const MAX_AHEAD = 4;

/**
 * The move of game `g` for this tick: the first asked for ahead when it is exactly this request
 * at this epoch, else a new one. On a pool of workers, as soon as a move comes back the game's
 * next one is asked for ahead, up to MAX_AHEAD turns (§1a allows it: a tick's events stay in game
 * order, and a move depends only on its request), so a worker whose move was quick goes on with
 * that game's next turns instead of idling until the tick's slowest move ends.
 */
function ask(k: K, st: KxoState, g: Game, ai: KxoMachineAi): Promise<MoveResult> {
  const req: MoveRequest = { ai, board: g.board, player: g.turn, rng: g.rng };
  const a = g.ahead[0];
  if (a && a.epoch === g.epoch && a.req.ai === ai && a.req.board === req.board && a.req.player === req.player && a.req.rng[0] === req.rng[0] && a.req.rng[1] === req.rng[1]) {
    k.trace(T.moveAhead, { game: g.id, used: true });
    g.ahead.shift();
    st.pool.hurry(a.req);
    // there is room again: a guess that waited for it goes on
    const tail = g.ahead.at(-1) ?? a;
    if (tail.held) {
      const r = tail.held;
      tail.held = undefined;
      askAhead(st, g, tail, r);
    }
    return a.p;
  }
  if (a) {
    k.trace(T.moveAhead, { game: g.id, used: false });
    for (const d of g.ahead.splice(0)) {
      d.dropped = true;
      st.pool.forget(d.req);
    }
  }
  const p = st.pool.move(req);
  if (st.pool.workers > 0) {
    const now: Ahead = { epoch: g.epoch, req, p, dropped: false };
    // registered before the tick awaits p
    p.then((r) => askAhead(st, g, now, r), () => {});
  }
  return p;
}

/** Game `g`'s turn after `from` (answered by `r`): asked ahead of its tick, and so on. */
function askAhead(st: KxoState, g: Game, from: Ahead, r: MoveResult): void {
  if (st.pool.closed || from.dropped) return;
  if (g.ahead.length >= MAX_AHEAD) {
    from.held = r;
    return;
  }
  const { req, epoch } = from;
  const cells = [...req.board];
  // the cell the tick will play, and what it does to the game
  const cell = cellPlayed(cells, r.move);
  if (cell < 0) return;
  cells[cell] = req.player;
  let board: string;
  let next: number;
  if (st.checkWin(cells) === ' ') {
    board = cells.join('');
    next = epoch + 1; // playMove
  } else if (st.attr.end === '0') {
    board = ' '.repeat(cells.length);
    next = epoch + 2; // playMove, then the next tick's restart
  } else return;
  const player = other(req.player);
  const ai = g.aiOf(player);
  // a player's instance sees the boards of its own game only, in order: never a guess
  if (typeof ai !== 'string' || ai === 'human' || g.paused) return;
  const nextReq: MoveRequest = { ai, board, player, rng: r.rng };
  const p = st.pool.move(nextReq, true);
  const link: Ahead = { epoch: next, req: nextReq, p, dropped: false };
  g.ahead.push(link);
  // a guess that is never used (a restart, a new AI, rmmod) must not surface as a rejection
  p.then((r2) => askAhead(st, g, link, r2), () => {});
}

/** A player file's move in game `g` (its side's instance; the game's PRNG is not its to use). */
async function playerMove(st: KxoState, g: Game, player: KxoPlayer): Promise<MoveResult> {
  g.players ??= new PlayerSides(g, st.playerBudgetMs);
  const rng = g.rng;
  const { move, ms } = await g.players.move(player, g.turn, st.size, st.goal);
  return { move, ms, rng };
}

/**
 * A player's move lost its game (docs/kxo-ai-abi.md §3): the other side wins, with its end
 * event, and dmesg names the player and the reason.
 */
function forfeit(k: K, st: KxoState, g: Game, f: PlayerForfeit): void {
  const winner = other(g.turn);
  k.trace(T.forfeit, { game: g.id, side: g.turn, ai: f.player, reason: f.reason });
  k.prWarn(`kxo: game ${g.id}: ${f.player} forfeits: ${f.reason}`);
  g.over = true;
  g.winner = winner;
  g.epoch++;
  emit(k, st, g.id, winner === 'O' ? KXO_EV_O_WON : KXO_EV_X_WON);
}

/**
 * One tick (§1a): games that are over restart (unless kxo_state's end holds them); every other
 * game whose side to move is an AI gets one move. The moves are computed concurrently and
 * applied in ascending game id, so the events of a tick come in that order whatever the pool did.
 */
export async function tick(k: K, st: KxoState): Promise<void> {
  if (st.ticking) return;
  st.ticking = true;
  // game 0 as kxo's timer sees it at the start of the tick (for the proto-0 stream below)
  const first = st.games[0]!;
  const overBoard = first.over ? first.board : null;
  try {
    // in game order: a restart, or a move to compute (concurrently), or nothing
    const plan: Array<{ g: Game; restart: true; epoch: number } | { g: Game; restart: false; epoch: number; ai: KxoMachineAi | KxoPlayer; p: Promise<MoveResult> }> = [];
    for (const g of st.games) {
      if (g.over) {
        if (st.attr.end === '0') plan.push({ g, restart: true, epoch: g.epoch });
        continue;
      }
      const ai = g.aiOf(g.turn);
      if (g.paused || ai === 'human') continue;
      plan.push({ g, restart: false, epoch: g.epoch, ai, p: null! });
    }
    // players' moves first (each on its own worker), then the pool gets the longest moves first
    // (a stable sort: game order among equals), so no worker is left alone at the end of the
    // tick with a slow move started last
    const cost = (ai: KxoMachineAi | KxoPlayer) => (typeof ai === 'string' ? COST[ai] : Infinity);
    const asks = plan.filter((j) => !j.restart).sort((a, b) => cost(b.ai) - cost(a.ai));
    for (const j of asks) j.p = typeof j.ai === 'string' ? ask(k, st, j.g, j.ai) : playerMove(st, j.g, j.ai);
    // each game's move on its own: an AI that fails (an engine that cannot be loaded) costs its
    // game this tick, not the other games theirs
    const results = await Promise.allSettled(plan.map((j) => (j.restart ? null : j.p)));
    plan.forEach((j, i) => {
      const g = j.g;
      if (j.restart) {
        // a game the user restarted meanwhile (and that may have ended again) is left alone
        if (g.over && g.epoch === j.epoch) restart(k, st, g);
        return;
      }
      const settled = results[i]!;
      const name = aiName(j.ai);
      if (settled.status === 'rejected') {
        if (settled.reason instanceof PlayerForfeit) {
          if (g.epoch === j.epoch) forfeit(k, st, g, settled.reason);
          else k.trace(T.staleMove, { game: g.id, ai: name });
          return;
        }
        const why = settled.reason instanceof Error ? settled.reason.message : String(settled.reason);
        k.trace(T.aiFailed, { game: g.id, ai: name, why });
        if (!st.aiErrors.has(name)) k.prErr(`kxo: the ${name} AI cannot play (game ${g.id} waits): ${why}`);
        st.aiErrors.add(name);
        return;
      }
      const r = settled.value!;
      st.loads.charge(name, r.ms);
      if (g.epoch !== j.epoch) {
        k.trace(T.staleMove, { game: g.id, ai: name });
        return;
      }
      g.rng = r.rng;
      st.moveTimes.push({ game: g.id, player: g.turn, move: r.move, ms: r.ms, ai: name });
      if (st.moveTimes.length > 256) st.moveTimes.shift();
      k.trace(T.move, { game: g.id, side: g.turn, cell: r.move, ai: name, ms: r.ms });
      playMove(k, st, g, cellPlayed(g.cells, r.move));
    });
    drawFirstGame(k, st, overBoard);
  } finally {
    st.ticking = false;
  }
}

/**
 * kxo's board stream for proto-0 readers (§3: kxo's behaviour, for game 0): a board after every
 * tick; on the tick after a game ends, the final board once more (kxo's timer draws it before it
 * clears the table), and nothing more while kxo_state's end holds the game over (kxo's timer
 * stops). kxo_state's display gates it, as in kxo.
 * proposal: kxo-games §3 — boards are produced only while some file reads them (proto 0), so a
 * client that reads events does not fill the shared kfifo and dmesg with drop warnings every tick
 */
function drawFirstGame(k: K, st: KxoState, overBoard: string | null): void {
  if (overBoard !== null) {
    if (st.finalDrawn) return;
    st.finalDrawn = true;
  } else st.finalDrawn = false;
  if (st.attr.display !== '1' || ![...st.files].some((f) => f.proto === 0)) return;
  drawBoard(overBoard ?? st.games[0]!.board, st.drawBuffer, st.size);
  const len = st.fifo.put(st.drawBuffer, st.drawBuffer.length);
  if (len < st.drawBuffer.length) {
    k.trace(T.boardsDropped, { bytes: st.drawBuffer.length - len });
    k.prWarn(`produce_board: ${st.drawBuffer.length - len} bytes dropped`);
  }
  st.rxWait.wakeUpInterruptible();
}

/** proto 1 read (§3): whole events only (count 1 is -EINVAL), blocking or not as kxo's read. */
export function readEvents(k: K, st: KxoState, f: KxoFile, file: File, ubuf: number, count: number, cur: Task): Promise<number> {
  if (count === 1) return Promise.resolve(-EINVAL);
  return readQueue(k, st, f, 1, f.lock!, f.events!, file, ubuf, count, cur);
}

export function pollEvents(f: KxoFile): number {
  return f.events && f.events.len ? POLLIN | POLLRDNORM : 0;
}

function refuse(k: K, errno: number, why: string, extra: Record<string, unknown> = {}): number {
  k.trace(T.errRefused, { errno, why, ...extra });
  return -errno;
}

/** One line of a human-move write: "G C" (§4), checks in the spec's order. */
function humanMove(k: K, st: KxoState, line: string): number {
  const parts = line.trim().split(/[ \t]+/);
  if (parts.length !== 2 || !/^[0-9]{1,3}$/.test(parts[0]!)) return refuse(k, EINVAL, 'bad move text', { line });
  const id = Number(parts[0]);
  const cell = parseCell(parts[1]!, st.size);
  const g = st.games[id];
  if (!g || cell === null) return refuse(k, EINVAL, 'bad move text', { line });
  if (g.paused || g.over) return refuse(k, EAGAIN, 'game paused or over', { game: id });
  if (g.aiOf(g.turn) !== 'human') return refuse(k, EPERM, 'side to move is not human', { game: id });
  if (cell >= g.cells.length || g.cells[cell] !== ' ') return refuse(k, EINVAL, 'cell occupied or off the board', { game: id, cell });
  playMove(k, st, g, cell);
  return 0;
}

/** write(): human moves, one per line; the first error stops and is returned (§4). */
export function writeMoves(k: K, st: KxoState, ubuf: number, count: number, cur: Task): number {
  if (count === 0) return 0;
  if (count > KXO_WRITE_MAX) return refuse(k, EINVAL, 'write larger than a page', { count });
  const buf = new Uint8Array(count);
  if (cur.copyFromUser(buf, ubuf, count)) return refuse(k, EFAULT, 'bad buffer', { ubuf });
  const lines = bytesToLatin1(buf).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const r = humanMove(k, st, line);
    if (r < 0) return r;
  }
  return count;
}

/** Player sides in the module's games now. */
function playerSides(st: KxoState): number {
  let n = 0;
  for (const g of st.games) for (const a of g.ai) if (typeof a !== 'string') n++;
  return n;
}

/**
 * Gives a side to an AI. @returns 0, or -EBUSY when it is a player file's and MAX_PLAYER_SIDES
 * sides are players' already
 */
function setAi(st: KxoState, g: Game, side: 0 | 1, ai: SideAi): number {
  if (g.ai[side] === ai) return 0;
  if (typeof ai !== 'string' && typeof g.ai[side] === 'string' && playerSides(st) >= MAX_PLAYER_SIDES) return -EBUSY;
  g.ai[side] = ai;
  g.players?.close(side);
  // a move being computed by the old AI of the side to move must not land
  if (side === (g.turn === 'O' ? 0 : 1)) g.epoch++;
  return 0;
}

function gameCtl(k: K, st: KxoState, g: Game, op: number): void {
  if (op === KXO_CTL_PAUSE) {
    // pausing a game that is over changes nothing
    if (!g.over && !g.paused) {
      g.paused = true;
      g.epoch++;
    }
  } else if (op === KXO_CTL_RESUME) g.paused = false;
  // restarting a paused game leaves it paused
  else restart(k, st, g);
}

function stateOf(g: Game): number {
  return g.over ? KXO_STATE_OVER : g.paused ? KXO_STATE_PAUSED : KXO_STATE_PLAYING;
}

/** The control ioctls (§2). */
export function ioctl(k: K, st: KxoState, f: KxoFile, file: File, cmd: number, arg: number, cur: Task): number {
  switch (cmd) {
    case KXO_GET_INFO: {
      const info = Uint8Array.of(st.games.length, st.size, st.goal, f.proto);
      return cur.copyToUser(arg, info, KXO_INFO_SIZE) ? -EFAULT : 0;
    }
    case KXO_SET_PROTO: {
      const v = new DataView(new ArrayBuffer(4));
      if (cur.copyFromUser(new Uint8Array(v.buffer), arg, 4)) return -EFAULT;
      const proto = v.getInt32(0, true);
      if (proto !== 0 && proto !== 1) return refuse(k, EINVAL, 'no such protocol', { proto });
      if (proto === 1 && !f.events) {
        const fifo = k.kfifoAlloc(KXO_EVENT_QUEUE);
        if (typeof fifo === 'number') return fifo;
        f.events = new EventQueue(fifo);
        f.lock = k.mutexInit();
      }
      // switching discards the file's pending events; setting the protocol it has changes nothing
      if (proto !== f.proto) f.events?.reset();
      f.proto = proto;
      st.rxWait.wakeUpInterruptible();
      return 0;
    }
    case KXO_SET_AI: {
      if (!file.writable) return refuse(k, EBADF, 'KXO_SET_AI needs write access');
      const a = new Uint8Array(KXO_AI_SIZE);
      if (cur.copyFromUser(a, arg, KXO_AI_SIZE)) return -EFAULT;
      const g = st.games[a[0]!];
      const ai = aiById(st, a[2]!);
      if (!g || a[1]! > 1 || !ai) return refuse(k, EINVAL, 'bad game, side or AI', { game: a[0], side: a[1], ai: a[2] });
      const r = setAi(st, g, a[1] as 0 | 1, ai);
      return r ? refuse(k, -r, 'player sides all taken', { max: MAX_PLAYER_SIDES }) : 0;
    }
    case KXO_GAME_CTL: {
      if (!file.writable) return refuse(k, EBADF, 'KXO_GAME_CTL needs write access');
      const c = new Uint8Array(KXO_CTL_SIZE);
      if (cur.copyFromUser(c, arg, KXO_CTL_SIZE)) return -EFAULT;
      const g = st.games[c[0]!];
      if (!g || c[1]! > KXO_CTL_RESTART) return refuse(k, EINVAL, 'bad game or op', { game: c[0], op: c[1] });
      gameCtl(k, st, g, c[1]!);
      return 0;
    }
    case KXO_GET_BOARD: {
      const b = new Uint8Array(KXO_BOARD_SIZE);
      if (cur.copyFromUser(b, arg, KXO_BOARD_SIZE)) return -EFAULT;
      const g = st.games[b[0]!];
      if (!g) return refuse(k, EINVAL, 'no such game', { game: b[0] });
      b[1] = g.turn.charCodeAt(0);
      b[2] = stateOf(g);
      b[3] = (g.over ? g.winner : ' ').charCodeAt(0);
      b.fill(0x20, KXO_BOARD_CELLS, KXO_BOARD_CELLS + 64);
      for (let i = 0; i < g.cells.length; i++) b[KXO_BOARD_CELLS + i] = g.cells[i]!.charCodeAt(0);
      new DataView(b.buffer).setUint32(KXO_BOARD_MOVES, g.moves.length, true);
      return cur.copyToUser(arg, b, KXO_BOARD_SIZE) ? -EFAULT : 0;
    }
    default:
      return -ENOTTY;
  }
}

/** struct kxo_ai.ai: 0..4 the built-ins, 5.. the player files of the `ai` parameter */
function aiById(st: KxoState, id: number): SideAi | undefined {
  return KXO_AIS[id] ?? st.players[id - KXO_AI_FIRST_PLAYER];
}

/** An AI as a sysfs store names it: a built-in's or a player's name, or its ai id. */
function aiByName(st: KxoState, name: string): SideAi | undefined {
  if (/^[0-9]{1,3}$/.test(name)) return aiById(st, Number(name));
  return (KXO_AIS as readonly string[]).includes(name) ? (name as KxoAiKind) : st.players.find((p) => p.name === name);
}

const STATE_NAMES = ['playing', 'paused', 'over'] as const;

/** /sys/class/kxo/kxo/games/<n>/{board,ai,state} (§6): stores by root, as the ioctls. */
export function gameAttrs(k: K, st: KxoState, g: Game): DeviceAttribute[] {
  return [
    {
      name: `games/${g.id}/board`,
      mode: 0o444,
      show: () => Array.from({ length: st.size }, (_, r) => g.cells.slice(r * st.size, (r + 1) * st.size).map((c) => (c === ' ' ? '.' : c)).join('') + '\n').join(''),
    },
    {
      name: `games/${g.id}/ai`,
      mode: 0o644,
      show: () => `${aiName(g.ai[0])} ${aiName(g.ai[1])}\n`,
      store: (_d, text) => {
        const ais = text.trim().split(/\s+/).map((n) => aiByName(st, n));
        if (ais.length !== 2 || !ais[0] || !ais[1]) return refuse(k, EINVAL, 'ai: two AI names or ids', { text });
        // both sides or neither: counted before either changes
        const isPlayer = (x: SideAi) => typeof x !== 'string';
        const adds = ais.filter((x, i) => isPlayer(x!) && !isPlayer(g.ai[i]!)).length;
        const frees = ais.filter((x, i) => !isPlayer(x!) && isPlayer(g.ai[i]!)).length;
        if (adds && playerSides(st) + adds - frees > MAX_PLAYER_SIDES) return refuse(k, EBUSY, 'player sides all taken', { max: MAX_PLAYER_SIDES });
        // a side that frees a player's place goes first
        for (const i of isPlayer(g.ai[1]) && !isPlayer(ais[1]!) ? [1, 0] as const : [0, 1] as const) setAi(st, g, i, ais[i]!);
        return text.length;
      },
    },
    {
      name: `games/${g.id}/state`,
      mode: 0o644,
      show: () => `${STATE_NAMES[stateOf(g)]}\n`,
      store: (_d, text) => {
        const op = ['paused', 'playing', 'restart'].indexOf(text.trim());
        if (op < 0) return refuse(k, EINVAL, 'state: playing, paused or restart', { text });
        gameCtl(k, st, g, op === 0 ? KXO_CTL_PAUSE : op === 1 ? KXO_CTL_RESUME : KXO_CTL_RESTART);
        return text.length;
      },
    },
  ];
}
