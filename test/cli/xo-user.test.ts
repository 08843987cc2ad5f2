import { describe, it, expect, afterEach } from 'vitest';
import { Kernel, defineModule, type Process } from '../../src/index.js';
import { xoUser, handleKey, statusCheck, cellName, movesLine, labeledBoard, numberedMoves, CTRL_P, CTRL_Q, type XoUserIo } from '../../src/cli/xo-user.js';
import { readJsonl } from '../helpers/fixtures.js';
import { playerPath } from '../helpers/players.js';

const STATE = '/sys/class/kxo/kxo/kxo_state';
let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

function fakeIo(keys: number[] = []): XoUserIo & { out: string } {
  const io = {
    out: '',
    write(t: string) {
      io.out += t;
    },
    readKey: () => keys.shift() ?? null,
    keyReady: () => new Promise<void>(() => {}),
  };
  return io;
}

/** Advances the virtual clock a tick at a time until `run` settles (at most `ticks` ticks). */
async function untilSettled<T>(run: Promise<T>, ticks: number): Promise<T> {
  let settled = false;
  void run.finally(() => (settled = true));
  for (let i = 0; i < ticks && !settled; i++) await k.clock.advance(100);
  return run;
}

/** Captures what each write(2) to kxo_state carried, read from user memory as the call happens. */
function captureStateWrites(k: Kernel, p: Process): string[] {
  const seen: string[] = [];
  const fds = new Map<number, string>();
  k.trace.on((e) => {
    if (e.name === 'open' && e.pid === p.pid && (e.ret ?? -1) >= 0) fds.set(e.ret!, String(e.args![0]));
    if (e.name === 'write' && e.pid === p.pid && fds.get(e.args![0] as number) === STATE) {
      seen.push(String.fromCharCode(...p.peek(e.args![1] as number, e.args![2] as number)));
    }
  });
  return seen;
}

describe('xo-user status check (kxo §10)', () => {
  it('"kxo status : not loaded" and exit 1 without the module', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const io = fakeIo();
    expect((await xoUser(k.spawn(), io, { tty: false })).code).toBe(1);
    expect(io.out).toBe('kxo status : not loaded\n');
  });
  it('"kxo status : coming" and exit 1 while the module initialises', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    let release!: () => void;
    const slow = defineModule({ name: 'kxo', init: () => new Promise<number>((r) => (release = () => r(0))) });
    const loading = k.insmod(slow);
    const io = fakeIo();
    expect(await statusCheck(k.spawn(), io)).toBe(1);
    expect(io.out).toBe('kxo status : coming\n');
    release();
    await loading;
  });
});

describe('xo-user keys (kxo §10)', () => {
  it('Ctrl-P writes "0 1 0\\n" to a "1 1 0\\n" state and announces it; again writes "1 1 0\\n"', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo');
    const p = k.spawn();
    const writes = captureStateWrites(k, p);
    const io = fakeIo();
    const display = { on: true };
    expect(await handleKey(p, CTRL_P, display, io)).toBe('continue');
    expect(writes).toEqual(['0 1 0\n']);
    expect(display.on).toBe(false);
    expect(io.out).toBe('\n\nStopping to display the chess board...\n');
    await handleKey(p, CTRL_P, display, io);
    expect(writes).toEqual(['0 1 0\n', '1 1 0\n']);
    expect(await handleKey(p, 0x41, display, io)).toBe('continue');
    expect(writes.length).toBe(2);
  });
  it('Ctrl-Q writes "1 1 1\\n", prints the stop message and exits 0', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo');
    const p = k.spawn();
    const writes = captureStateWrites(k, p);
    const io = fakeIo([CTRL_Q]);
    expect((await xoUser(p, io, { tty: true })).code).toBe(0);
    expect(writes).toEqual(['1 1 1\n']);
    expect(io.out).toContain('\n\nStopping the kernel space tic-tac-toe game...\n');
    // observed: kxo §2 — closing /dev/kxo on the way out resets end to '0'
    expect(await p.readFile(STATE)).toBe('1 1 0\n');
  });
});

describe('xo-user without a TTY', () => {
  it('prints each final board with a move list matching the reference games', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo');
    const io = fakeIo();
    const { code, games } = await untilSettled(xoUser(k.spawn(), io, { tty: false, rounds: 2 }), 40);
    expect(code).toBe(0);
    const ref = readJsonl<{ moves: number[]; winner: string; final_board: string }>('kxo/games.jsonl');
    expect(games.map((g) => g.moves)).toEqual([ref[0]!.moves, ref[1]!.moves]);
    expect(io.out).toContain(`game 1: X wins`);
    expect(io.out).toContain(movesLine(ref[0]!.moves));
    expect(movesLine([13, 6, 0])).toBe('Moves: B4 -> C2 -> A1');
    expect(cellName(15)).toBe('D4');
    expect(await k.spawn().readFile(STATE)).toBe('1 1 0\n');
  });
});

describe('the views (issue 10)', () => {
  it('the board carries A–D / 1–4, matching the move names; quitting lists numbered moves with the winner', () => {
    const board = 'O   ' + '  X ' + '    ' + ' O  ';
    expect(labeledBoard(board)).toBe('     A B C D\n  1  O| | | \n     -------\n  2   | |X| \n     -------\n  3   | | | \n     -------\n  4   |O| | \n');
    expect([cellName(0), cellName(6), cellName(13)]).toEqual(['A1', 'C2', 'B4']); // the O, X and O above
    expect(numberedMoves(2, { first: 'O', moves: [13, 6, 0], players: 'OXO', winner: 'X', finalBoard: board })).toBe('game 2 (X wins): 1. B4  2. C2  3. A1');
    expect(numberedMoves(3, { first: 'O', moves: [], players: '', winner: 'D', finalBoard: board })).toBe('game 3 (draw): ');
  });
});

/** A terminal: keys pressed now, the screen written so far, and its frames (one per redraw). */
function terminal() {
  const keys: number[] = [];
  let wake = () => {};
  const io: XoUserIo & { out: string } = {
    out: '',
    write(t: string) {
      io.out += t;
    },
    readKey: () => keys.shift() ?? null,
    keyReady: () => new Promise<void>((r) => (wake = r)),
  };
  const press = async (s: string | number[]) => {
    for (const b of typeof s === 'string' ? [...s].map((c) => c.charCodeAt(0)) : s) keys.push(b);
    wake();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  // a redraw starts with clear-screen; what quitting prints after the last one is not a frame
  const frames = () => io.out.split('\x1b[H\x1b[J').slice(1).map((f) => f.split('\n\nStopping')[0]!);
  return { io, press, frames };
}

describe('xo-user with many games (issue 12: the event protocol)', () => {
  it('without a TTY: games rebuilt from 2-byte events; game 0 is kxo\'s first reference game', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo', { abi: 'ext', games: 4 });
    const io = fakeIo();
    const { code, games } = await untilSettled(xoUser(k.spawn(), io, { tty: false, rounds: 4 }), 60);
    expect(code).toBe(0);
    expect(games.length).toBeGreaterThanOrEqual(4);
    const ref = readJsonl<{ moves: number[] }>('kxo/games.jsonl');
    expect(io.out).toContain(`game 0.1: X wins\n${labeledBoard(games.find((g) => g.moves.join() === ref[0]!.moves.join())!.finalBoard)}${movesLine(ref[0]!.moves)}\n`);
    // every finished game is a legal, decided game of its board
    for (const g of games) expect(new Set(g.moves).size).toBe(g.moves.length);
  });
  it('in a terminal: boards side by side, keys pick a game, take a side and play a move by write()', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod('kxo', { abi: 'ext', games: 3, boardSize: 5, goal: 4, ai: 'negamax,random' });
    const p = k.spawn();
    const { io, press } = terminal();
    const run = xoUser(p, io, { tty: true, columns: 120, now: () => new Date(k.clock.now()) });
    await k.clock.advance(100);
    await press([0x09]); // game 1
    await press(' '); // pause it
    const api = h.api as import('../../src/drivers/kxo/index.js').KxoApi;
    expect(api.game(1).state).toBe('paused');
    await press(' ');
    await press([0x09]); // game 2
    await press('O'); // take side O of game 2
    expect(api.game(2).ai).toEqual(['human', 'random']);
    // wait until it is O's turn in game 2, then play c3
    for (let i = 0; i < 5 && api.game(2).turn !== 'O'; i++) await k.clock.advance(100);
    const free = api.game(2).board.indexOf(' ', 12) === 12 ? 'c3' : 'e5';
    await press(`${free}\r`);
    expect(api.game(2).board[free === 'c3' ? 12 : 24]).toBe('O');
    await press('zz\r');
    expect(io.out).toContain('move zz: EINVAL');
    await press([CTRL_Q]);
    const { code } = await run;
    expect(code).toBe(0);
    expect(io.out).toMatch(/>game 2 +human\(O\) vs random\(X\)/);
    expect(io.out).toContain('      A B C D E');
    expect(io.out).toMatch(/game 0 +negamax\(O\) vs random\(X\) +game 1/); // side by side
    expect(io.out).toContain('3 games, 5x5, 4 in a row');
  });

  it('a player file\'s side (docs/kxo-ai-abi.md §3): O takes it, O gives it back to the player by its id', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod('kxo', { abi: 'ext', games: 2, ai: `${playerPath('first')},random`, worker: 'off' });
    const api = h.api as import('../../src/drivers/kxo/index.js').KxoApi;
    const p = k.spawn();
    const { io, press } = terminal();
    const run = xoUser(p, io, { tty: true, columns: 120, now: () => new Date(k.clock.now()) });
    await k.clock.advance(100);
    await press('O');
    expect(api.game(0).ai).toEqual(['human', 'random']);
    await press('O');
    expect(api.game(0).ai).toEqual(['first', 'random']);
    await k.clock.advance(100);
    await press([CTRL_Q]);
    expect((await run).code).toBe(0);
    expect(io.out).toMatch(/>game 0 +first\(O\) vs random\(X\)/);
    expect(io.out).toMatch(/first load [0-9.]+ [0-9.]+ [0-9.]+, [0-9.]+ ms\/move/);
  });

  it('four games of kxo\'s 4x4 fit a terminal of 80x24, every frame', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    await k.insmod('kxo', { abi: 'ext', games: 4, ai: 'random,negamax', worker: 'off' });
    const p = k.spawn();
    const { io, press, frames } = terminal();
    const run = xoUser(p, io, { tty: true, columns: 80, now: () => new Date(k.clock.now()) });
    for (let i = 0; i < 30; i++) await k.clock.advance(100);
    await press([0x09]);
    await press('b2\r'); // a move refused: the message shares the prompt's line
    await press([CTRL_Q]);
    await run;
    const all = frames();
    expect(all.length).toBeGreaterThan(20);
    for (const f of all) {
      const lines = f.split('\n');
      expect(lines.length, f).toBeLessThanOrEqual(24);
      expect(Math.max(...lines.map((l) => l.length)), f).toBeLessThanOrEqual(80);
    }
    // the four games are all on screen: two rows of two
    expect(all.at(-1)).toMatch(/game 0 .*game 1/);
    expect(all.at(-1)).toMatch(/game 2 .*game 3/);
    expect(all.map((f) => f.split('\n').at(-1))).toContain('move>    move b2: EPERM (not your turn)');
  });

  it('a game you played that ended stays in its final position with its result until Enter', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const h = await k.insmod('kxo', { abi: 'ext', games: 1, ai: 'human,random', worker: 'off' });
    const api = h.api as import('../../src/drivers/kxo/index.js').KxoApi;
    const p = k.spawn();
    const { io, press, frames } = terminal();
    const run = xoUser(p, io, { tty: true, columns: 80, now: () => new Date(k.clock.now()) });
    // play O's moves (the first free cell) until the game is over
    let final = '';
    for (let t = 0; t < 200 && !final; t++) {
      await k.clock.advance(100);
      const g = api.game(0);
      if (g.state === 'over') final = g.board;
      else if (g.turn === 'O') await press(`${cellName(g.board.indexOf(' '), 4)}\r`);
    }
    expect(final).not.toBe('');
    const winner = api.game(0).winner;
    // the kernel starts the next game on the next tick; the screen keeps the last one
    await k.clock.advance(300);
    expect(api.game(0).moves.length).toBeLessThan(3);
    await press([0x20, 0x20]); // redraws (pause and resume)
    const held = frames().at(-1)!;
    expect(held).toContain('over: Enter for the next game');
    expect(held).toContain(winner === 'D' ? 'draw' : `${winner} wins`);
    // the rows of the board as drawn ("   1  O|O| |", trailing blanks trimmed)
    const shown = held.split('\n').filter((l) => /^ +[1-4] {2}/.test(l)).map((l) => l.slice(6).padEnd(7).split('|').join('')).join('');
    expect(shown).toBe(final);
    await press('\r');
    expect(frames().at(-1)).not.toContain('over: Enter for the next game');
    await press([CTRL_Q]);
    await run;
  });
});
