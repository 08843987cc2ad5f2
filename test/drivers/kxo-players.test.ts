// Players students bring, in the kxo driver's games (docs/kxo-ai-abi.md §3, edge case 4): the
// `ai` parameter's player files, ai ids 5.. for KXO_SET_AI, names in sysfs, forfeits as end events
// and dmesg lines, kxo_init's seed, refusals at insmod, and no worker left after rmmod.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { Kernel, O_RDWR, O_NONBLOCK, type Process } from '../../src/index.js';
import { KXO_EV_O_WON, KXO_EV_START, KXO_EV_X, KXO_EV_X_WON, KXO_EV_DRAW } from '../../src/drivers/kxo/uapi.js';
import { KXO_AI_FIRST_PLAYER } from '../../src/drivers/kxo/players.js';
import { KXO_TRACE } from '../../src/drivers/kxo/trace.js';
import { splitmix64 } from '../../src/wasm/splitmix.js';
import { PlayerInstance } from '../../src/wasm/player.js';
import type { KxoApi } from '../../src/drivers/kxo/index.js';
import { Client } from '../helpers/kxo-client.js';
import { playerPath } from '../helpers/players.js';

// every player instance this file starts (each in a worker of its own, ended by close())
const instances: PlayerInstance[] = [];
const start = PlayerInstance.start.bind(PlayerInstance);
vi.spyOn(PlayerInstance, 'start').mockImplementation(async (...args) => {
  const inst = await start(...args);
  instances.push(inst);
  return inst;
});
const live = () => instances.filter((i) => !i.closed).length;

let k: Kernel;
afterEach(async () => {
  await k?.shutdown();
});

const DIR = '/sys/class/kxo/kxo/games';
const ended = (code: number) => code === KXO_EV_O_WON || code === KXO_EV_X_WON || code === KXO_EV_DRAW;

async function boot(params: Record<string, unknown>): Promise<{ p: Process; c: Client; api: KxoApi }> {
  k = await Kernel.boot({ clock: 'virtual' });
  const h = await k.insmod('kxo', { abi: 'ext', ...params });
  const p = k.spawn();
  const buf = p.mmap(16384);
  const c = await Client.open(p, buf, O_RDWR | O_NONBLOCK);
  await c.proto(1);
  return { p, c, api: h.api as KxoApi };
}

/** The events of `ticks` ticks. */
async function play(c: Client, ticks: number): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < ticks; i++) {
    await k.clock.advance(100);
    out.push(...(await c.events()));
  }
  return out;
}

/** Each game's boards replayed from its events: for every move, the board it was played on. */
function replay(events: Array<[number, number]>, cells: number): Map<number, Array<{ board: string; side: 'O' | 'X'; cell: number }>> {
  const boards = new Map<number, string[]>();
  const moves = new Map<number, Array<{ board: string; side: 'O' | 'X'; cell: number }>>();
  for (const [g, code] of events) {
    const b = boards.get(g) ?? new Array<string>(cells).fill(' ');
    boards.set(g, b);
    if (code === KXO_EV_START) b.fill(' ');
    if (code >= KXO_EV_START) continue;
    const side = code < KXO_EV_X ? 'O' : 'X';
    const cell = code % KXO_EV_X;
    (moves.get(g) ?? moves.set(g, []).get(g)!).push({ board: b.join(''), side, cell });
    b[cell] = side;
  }
  return moves;
}

describe('a player file in the driver\'s games (docs/kxo-ai-abi.md §3)', () => {
  it('plays its side of every game to the end; its moves are its own (the first empty cell)', async () => {
    const { c, api } = await boot({ games: 3, ai: `${playerPath('first')},negamax`, worker: 'off' });
    const events = await play(c, 40);
    for (const [g, moves] of replay(events, 16)) {
      const mine = moves.filter((m) => m.side === 'O');
      expect(mine.length, `game ${g}`).toBeGreaterThan(4);
      for (const m of mine) expect(m.cell).toBe(m.board.indexOf(' '));
    }
    // every game ended at least once (negamax beats it) and started again
    for (let g = 0; g < 3; g++) {
      expect(events.some(([gg, code]) => gg === g && ended(code))).toBe(true);
      expect(events.some(([gg, code]) => gg === g && code === KXO_EV_START)).toBe(true);
    }
    expect(api.game(0).ai).toEqual(['first', 'negamax']);
    expect(await c.p.readFile(`${DIR}/2/ai`)).toBe('first negamax\n');
    // its moves are charged to it by name, after the built-ins
    expect((await c.p.readFile('/sys/class/kxo/kxo/loadavg')).split('\n').map((l) => l.split(' ')[0])).toEqual(['negamax', 'first', '']);
  });

  it('the same events inline and on a pool of 2 workers, players beside built-ins', async () => {
    const run = async (worker: 'off' | 'on') => {
      const { c } = await boot({ games: 4, ai: `${playerPath('seeded')},${playerPath('random')}`, worker, workers: 2 });
      await c.setAi(1, 1, 0); // mcts, asked ahead on the pool
      await c.setAi(2, 0, 0);
      await c.setAi(3, 0, 1); // negamax
      const ev = await play(c, 30);
      await k.shutdown();
      return ev;
    };
    const inline = await run('off');
    expect(inline.filter(([, code]) => ended(code)).length).toBeGreaterThan(4);
    expect(await run('on')).toEqual(inline);
  });

  it('kxo_init gets a seed made from the game\'s PRNG, its start and its side (a fresh instance per game)', async () => {
    const { c, api } = await boot({ games: 2, ai: `${playerPath('seeded')},negamax`, worker: 'off' });
    const events = await play(c, 30);
    const st = api.state;
    // the seeded player plays the (seed mod empties)-th empty cell, its seed the one kxo_init
    // got: splitmix64(the game's first PRNG word ^ round << 1 ^ side), the round counting starts
    for (let g = 0; g < 2; g++) {
      let round = 0;
      let board = ' '.repeat(16).split('');
      let checked = 0;
      for (const [gg, code] of events) {
        if (gg !== g) continue;
        if (code === KXO_EV_START) {
          round++;
          board = ' '.repeat(16).split('');
        }
        if (code >= KXO_EV_START) continue;
        const cell = code % KXO_EV_X;
        if (code < KXO_EV_X) {
          const empty = board.flatMap((v, i) => (v === ' ' ? [i] : []));
          const seed = splitmix64(st.games[g]!.seed ^ (BigInt(round) << 1n));
          expect(cell, `game ${g} round ${round}`).toBe(empty[Number(seed % BigInt(empty.length))]);
          checked++;
        }
        board[cell] = code < KXO_EV_X ? 'O' : 'X';
      }
      expect(round).toBeGreaterThanOrEqual(2);
      expect(checked).toBeGreaterThan(6);
    }
    expect(st.games[0]!.seed).not.toBe(st.games[1]!.seed);
  });

  it('KXO_SET_AI with id 5 selects the first player file, its name shows in sysfs; id 6 is EINVAL', async () => {
    const { c } = await boot({ games: 2, ai: `negamax,${playerPath('first')}`, worker: 'off' });
    expect(KXO_AI_FIRST_PLAYER).toBe(5);
    expect(await c.p.readFile(`${DIR}/0/ai`)).toBe('negamax first\n');
    await c.setAi(1, 0, 5);
    expect(await c.p.readFile(`${DIR}/1/ai`)).toBe('first first\n');
    await expect(c.setAi(1, 0, 6)).rejects.toMatchObject({ code: 'EINVAL' });
    const events = await play(c, 20);
    const g1 = replay(events, 16).get(1)!;
    for (const m of g1) expect(m.cell).toBe(m.board.indexOf(' '));
    // sysfs takes the player by name or by id, and gives the side back to a built-in
    await c.p.writeFile(`${DIR}/1/ai`, 'mcts 5');
    expect(await c.p.readFile(`${DIR}/1/ai`)).toBe('mcts first\n');
    await c.p.writeFile(`${DIR}/1/ai`, 'first random');
    expect(await c.p.readFile(`${DIR}/1/ai`)).toBe('first random\n');
    await expect(c.p.writeFile(`${DIR}/1/ai`, 'first 6')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(c.p.writeFile(`${DIR}/1/ai`, 'first other')).rejects.toMatchObject({ code: 'EINVAL' });
  });
});

describe('the players\' names and ids', () => {
  it('sysfs ais lists KXO_SET_AI\'s ids; a name is one word, unique, never a built-in\'s', async () => {
    const { p, c } = await boot({ games: 1, ai: `${playerPath('spaced')},${playerPath('first')}`, worker: 'off' });
    expect(await p.readFile('/sys/class/kxo/kxo/ais')).toBe('0 mcts\n1 negamax\n2 random\n3 strong\n4 human\n5 my_player\n6 first\n');
    expect(await p.readFile(`${DIR}/0/ai`)).toBe('my_player first\n');
    await p.close(c.fd);
    await k.rmmod('kxo');
    await k.insmod('kxo', { abi: 'ext', ai: `${playerPath('first')},${playerPath('twin')}`, worker: 'off' });
    expect(await p.readFile('/sys/class/kxo/kxo/ais')).toMatch(/5 first\n6 first-2\n$/);
    expect(await p.readFile(`${DIR}/0/ai`)).toBe('first first-2\n');
    await k.rmmod('kxo');
    // a name of digits would read as an ai id in a store: it gets a letter
    await k.insmod('kxo', { abi: 'ext', ai: `${playerPath('digits')},negamax`, worker: 'off' });
    expect(await p.readFile(`${DIR}/0/ai`)).toBe('p3 negamax\n');
    await p.writeFile(`${DIR}/0/ai`, 'p3 strong');
    expect(await p.readFile(`${DIR}/0/ai`)).toBe('p3 strong\n');
  });
});

describe('at most 32 player sides in one module (a worker each)', () => {
  it('insmod refuses more; KXO_SET_AI and sysfs give a 33rd side EBUSY, a swap that frees one is fine', async () => {
    k = await Kernel.boot({ clock: 'virtual' });
    const first = playerPath('first');
    await expect(k.insmod('kxo', { abi: 'ext', games: 17, ai: `${first},${first}` })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(k.dmesg()).toContain('player files may play at most 32 sides at once (a worker each): 17 games × 2');
    await expect(k.insmod('kxo', { abi: 'ext', games: 33, ai: `negamax,${first}` })).rejects.toMatchObject({ code: 'EINVAL' });
    await k.shutdown();
    const b = await boot({ games: 32, ai: `${first},negamax`, worker: 'off' });
    await expect(b.c.setAi(0, 1, 5)).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(b.p.writeFile(`${DIR}/3/ai`, 'first first')).rejects.toMatchObject({ code: 'EBUSY' });
    expect(await b.p.readFile(`${DIR}/3/ai`)).toBe('first negamax\n');
    // a side given back frees a place, in one store too
    await b.p.writeFile(`${DIR}/3/ai`, 'negamax first');
    expect(await b.p.readFile(`${DIR}/3/ai`)).toBe('negamax first\n');
    await b.c.setAi(4, 0, 1);
    await b.c.setAi(5, 1, 5);
    expect(await b.p.readFile(`${DIR}/5/ai`)).toBe('first first\n');
  });
});

describe('forfeits in the driver: the other side\'s win event and the dmesg line', () => {
  it.each([
    ['trap', /\] kxo: game 0: trap forfeits: trap: .*unreachable/im],
    ['minus1', /\] kxo: game 0: minus1 forfeits: illegal move -1$/m],
    ['sixtyfour', /\] kxo: game 0: sixtyfour forfeits: illegal move 64$/m],
  ] as const)('%s as O: the game ends X_WON at once; the next tick starts a new game', async (name, line) => {
    const { c, api } = await boot({ ai: `${playerPath(name)},negamax`, worker: 'off' });
    const forfeits: unknown[] = [];
    k.trace.on((e) => {
      if ((e as { name?: string }).name === KXO_TRACE.forfeit) forfeits.push((e as { fields: unknown }).fields);
    });
    expect(await play(c, 1)).toEqual([[0, KXO_EV_X_WON]]);
    expect(api.game(0)).toMatchObject({ state: 'over', winner: 'X', moves: [] });
    expect(k.dmesg()).toMatch(line);
    expect(forfeits).toEqual([expect.objectContaining({ game: 0, side: 'O', ai: name })]);
    // the restart, then a fresh instance forfeits again
    expect(await play(c, 2)).toEqual([[0, KXO_EV_START], [0, KXO_EV_X_WON]]);
  });

  it('an occupied cell as X forfeits after its first move: O wins', async () => {
    const { c } = await boot({ ai: `random,${playerPath('occupied')}`, worker: 'off' });
    const events = await play(c, 4);
    expect(events.map(([, code]) => code).slice(0, 4)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), KXO_EV_O_WON]);
    expect(events[1]![1]).toBeGreaterThanOrEqual(KXO_EV_X);
    expect(k.dmesg()).toMatch(new RegExp(`\\] kxo: game 0: occupied forfeits: illegal move ${events[1]![1] - KXO_EV_X}$`, 'm'));
  });

  it('a move that loops is a timeout at the budget parameter; the other games go on', async () => {
    const { c } = await boot({ games: 2, ai: `${playerPath('loop')},negamax`, budget: 150, worker: 'off' });
    await c.setAi(1, 0, 2); // game 1: random against negamax
    const t0 = performance.now();
    const events = await play(c, 2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    expect(events.filter(([g]) => g === 0)).toEqual([[0, KXO_EV_X_WON], [0, KXO_EV_START]]);
    expect(events.filter(([g]) => g === 1).length).toBe(2);
    expect(k.dmesg()).toMatch(/\] kxo: game 0: loop forfeits: timeout \(over 150 ms\)$/m);
  });
});

describe('player files at insmod', () => {
  it.each([
    [() => ({ ai: `${playerPath('v2')},negamax` }), /kxo_abi_version/],
    [() => ({ ai: `${playerPath('evil')},negamax` }), /imports env\.evil/],
    [() => ({ ai: `${playerPath('bigmem')},negamax` }), /memory of 257 pages/],
    [() => ({ ai: 'negamax,/nonexistent/mine.wasm' }), /mine\.wasm: cannot read it: ENOENT/],
    [() => ({ ai: `${playerPath('first')},negamax`, budget: 0 }), /budget must be/],
    [() => ({ abi: 'kxo', ai: `${playerPath('first')},negamax` }), /a player file needs abi ext/],
  ])('refused: %#', async (params, why) => {
    k = await Kernel.boot({ clock: 'virtual' });
    await expect(k.insmod('kxo', { abi: 'ext', ...params() })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(k.dmesg()).toMatch(why);
    expect(k.vfs.lookup('/dev/kxo')).toBeLessThan(0);
    // the file's check left no instance running
    expect(live()).toBe(0);
  });

  it('rmmod ends every player instance, also one mid-game; the same file twice is one player', async () => {
    const first = playerPath('first');
    const { p, c } = await boot({ games: 3, ai: `${first},${first}`, worker: 'off' });
    expect(await p.readFile(`${DIR}/0/ai`)).toBe('first first\n');
    await expect(c.setAi(0, 0, 6)).rejects.toMatchObject({ code: 'EINVAL' });
    await play(c, 3);
    expect(live()).toBe(6); // 3 games × 2 sides
    await p.close(c.fd);
    await k.rmmod('kxo');
    expect(live()).toBe(0);
  });
});
