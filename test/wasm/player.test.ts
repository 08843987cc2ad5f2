// Players students bring (docs/kxo-ai-abi.md): what is refused at load, each with its own
// message; a legal player on every board; forfeits (timeout, trap, illegal cells) that end only
// that player; kxo_init and env.seed carrying the game's seed, so a game replays.
import { describe, it, expect, afterEach } from 'vitest';
import { createEngine, type PlayerEngine } from '../../src/wasm/engine.js';
import { PlayerFile, PlayerForfeit, PlayerLoadError } from '../../src/wasm/player.js';
import { KernelError } from '../../src/kernel/errno.js';
import { playerBytes, playerPath } from '../helpers/players.js';
import { servePlayer } from '../../src/wasm/player-serve.js';

const open: PlayerEngine[] = [];
afterEach(() => {
  for (const e of open.splice(0)) e.close();
});
async function engine(name: Parameters<typeof playerPath>[0], opts: { boardSize?: number; goal?: number; seed?: number | bigint; budgetMs?: number } = {}) {
  const e = await createEngine({ ai: { wasm: playerPath(name) }, ...opts });
  open.push(e);
  return e;
}
const put = (b: string, i: number, p: string) => b.slice(0, i) + p + b.slice(i + 1);

describe('loading a player', () => {
  it('a legal player loads with its name (or its file\'s), from a path, bytes or a compiled module', async () => {
    expect((await engine('first')).name).toBe('first');
    const anon = await engine('anonymous');
    expect(anon.name).toBe(playerPath('anonymous').split('/').pop()!.replace(/\.wasm$/, ''));
    const fromBytes = await createEngine({ ai: { wasm: playerBytes('first') } });
    open.push(fromBytes);
    expect(await fromBytes.bestMove(' '.repeat(16), 'O')).toBe(0);
    const file = await PlayerFile.load(playerBytes('first'), 'mine.wasm');
    const fromModule = await createEngine({ ai: { wasm: file.module, file: 'mine.wasm' } });
    open.push(fromModule);
    expect(fromModule.name).toBe('first');
    // one loaded already is itself (a tournament starts an instance of it per game, no check again)
    expect(await PlayerFile.load(file)).toBe(file);
    const fromFile = await createEngine({ ai: { wasm: file } });
    open.push(fromFile);
    expect(await fromFile.bestMove(' '.repeat(16), 'O')).toBe(0);
  });
  it('a file\'s base name stands in for a name: a URL\'s #fragment names it (a page\'s blob: URL)', async () => {
    const bytes = playerBytes('anonymous');
    expect((await PlayerFile.load(bytes, '/home/s/sub/mine.wasm')).defaultName).toBe('mine');
    expect((await PlayerFile.load(bytes, 'blob:http://127.0.0.1:8080/4f1c-9a#alice.wasm')).defaultName).toBe('alice');
    expect((await PlayerFile.load(bytes, 'https://example.org/p/bob.wasm')).defaultName).toBe('bob');
    // a path with a # in a directory name is a path, not a URL
    expect((await PlayerFile.load(bytes, '/tmp/a#b/carol.wasm')).defaultName).toBe('carol');
  });
  it('refuses, each with its own one-line reason (EINVAL): not WebAssembly, no kxo_move, version 2, env.evil, 257 pages', async () => {
    const refused = async (wasm: Uint8Array | string) => {
      const err = await createEngine({ ai: { wasm, file: 'p.wasm' } }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(PlayerLoadError);
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe('EINVAL');
      return (err as PlayerLoadError).why;
    };
    expect(await refused(new TextEncoder().encode('#!/bin/sh\necho not a module\n'))).toBe('not WebAssembly (no \\0asm magic)');
    expect(await refused(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff))).toMatch(/^not a valid WebAssembly module: /);
    expect(await refused(playerBytes('nomove'))).toBe('no kxo_move export (a function)');
    expect(await refused(playerBytes('v2'))).toBe('kxo_abi_version returns 2 (this host speaks version 1)');
    expect(await refused(playerBytes('evil'))).toBe('imports env.evil (function); a player may import only env.abort and env.seed');
    expect(await refused(playerBytes('bigmem'))).toBe('memory of 257 pages (at most 256, 16 MiB)');
    expect(await refused('/nonexistent/dir/p.wasm')).toBe('cannot read it: ENOENT');
  });
  it('memory: a declared maximum over 256 pages is refused; none gets one of 256 pages (growth fails inside the player)', async () => {
    const refused = (wasm: Uint8Array | WebAssembly.Module) => PlayerFile.load(wasm, 'p.wasm').then(() => null, (e: PlayerLoadError) => e.why);
    expect(await refused(playerBytes('bigmax'))).toBe('memory may grow to 300 pages (at most 256, 16 MiB)');
    // no maximum declared (asc's default): it grows until memory.grow says -1 at 16 MiB, then plays
    expect(WebAssembly.Module.exports(new WebAssembly.Module(playerBytes('hog') as Uint8Array<ArrayBuffer>)).length).toBeGreaterThan(0);
    const hog = await engine('hog');
    expect(await hog.bestMove(' '.repeat(16), 'O')).toBe(0);
    const hog64 = await engine('hog64');
    expect(await hog64.bestMove(' '.repeat(16), 'O')).toBe(0);
    // a compiled module brings no bytes: its first instance tries to grow past 256 pages
    expect(await refused(new WebAssembly.Module(playerBytes('hog') as Uint8Array<ArrayBuffer>))).toBe('memory may grow past 256 pages (16 MiB): declare a maximum of at most 256');
    expect(await refused(new WebAssembly.Module(playerBytes('hog64') as Uint8Array<ArrayBuffer>))).toBeNull();
    // and a file larger than any player needs is refused before it is compiled
    const big = new Uint8Array((16 << 20) + 1);
    big.set([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(await refused(big)).toBe(`${(16 << 20) + 1} bytes (a player file is at most ${16 << 20})`);
    // a device, however it names itself, is not read: a regular file of at most 16 MiB only
    expect(await refused('/dev/zero')).toBe('cannot read it: not a regular file');
    const err = await PlayerFile.load('/dev/zero').then(() => null, (e: PlayerLoadError) => e.why);
    expect(err).toBe('cannot read it: not a regular file');
    // a response without a length is counted as it comes, and cut at the limit
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      const chunk = new Uint8Array(1 << 20);
      chunk.set([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
      let sent = 0;
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', more);
        else res.end();
      };
      more();
      res.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/big.wasm`;
      expect(await refused(url as unknown as Uint8Array)).toMatch(/^\d+ bytes or more \(a player file is at most 16777216\)$/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    // two memories (multi-memory engines would give each 256 pages): refused
    const two = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0, 1, 0, 1);
    expect(await refused(two)).toBe('2 memories (a player has one)');
  });
  it('options are checked', async () => {
    await expect(createEngine({ ai: { wasm: playerPath('first') }, boardSize: 9 })).rejects.toThrow(RangeError);
    await expect(createEngine({ ai: { wasm: playerPath('first') }, budgetMs: 0 })).rejects.toThrow(RangeError);
    await expect(createEngine({ ai: { wasm: playerPath('first') }, seed: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('playing', () => {
  it('the minimal player fills every board size it is given, cell after cell; a finished game is -1', async () => {
    for (let size = 3; size <= 8; size++) {
      const e = await engine('first', { boardSize: size, goal: size });
      let board = ' '.repeat(size * size);
      // O on the first row's cells and X below keeps the game open for a few moves
      for (let i = 0; i < size - 1; i++) {
        const m = await e.bestMove(board, 'O');
        expect(m).toBe(board.indexOf(' '));
        board = put(board, m, 'O');
      }
      expect(await e.bestMove('O'.repeat(size) + ' '.repeat(size * size - size), 'X')).toBe(-1);
      e.close();
    }
  });
  it('kxo_init gets the game\'s seed (all 64 bits) and env.seed is made from it: a seed replays its game', async () => {
    for (const [seed, want] of [[7, 7], [2n ** 40n + 3n, 3], [2n ** 64n - 1n, 15]] as const) {
      const e = await engine('seeded', { seed });
      expect(await e.bestMove(' '.repeat(16), 'O')).toBe(want);
    }
    const game = async (seed: number) => {
      const e = await engine('random', { seed, boardSize: 5, goal: 5 });
      let board = ' '.repeat(25);
      const moves: number[] = [];
      for (let i = 0; i < 10; i++) {
        const m = await e.bestMove(board, i % 2 ? 'X' : 'O');
        moves.push(m);
        board = put(board, m, i % 2 ? 'X' : 'O');
      }
      return moves;
    };
    const a = await game(11);
    expect(await game(11)).toEqual(a);
    const others = await Promise.all([12, 13, 14].map(game));
    expect(others.some((m) => m.join() !== a.join())).toBe(true);
  });
  it('reset(seed) starts the next game on a fresh instance', async () => {
    const e = await engine('seeded', { seed: 1 });
    expect(await e.bestMove(' '.repeat(16), 'O')).toBe(1);
    await e.reset(5);
    expect(await e.bestMove(' '.repeat(16), 'O')).toBe(5);
  });
});

describe('forfeits: the player loses, the host goes on', () => {
  const forfeit = async (e: PlayerEngine, board = ' '.repeat(16)) => {
    const err = await e.bestMove(board, 'O').then(() => null, (x: unknown) => x);
    expect(err).toBeInstanceOf(PlayerForfeit);
    return (err as PlayerForfeit).reason;
  };
  it('a move that never ends is a timeout, never before its budget; the engine stays forfeited', async () => {
    const e = await engine('loop', { budgetMs: 200 });
    const t0 = performance.now();
    expect(await forfeit(e)).toBe('timeout (over 200 ms)');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(199);
    expect(await forfeit(e)).toBe('timeout (over 200 ms)');
    // and nothing else waited for it
    const other = await engine('first');
    expect(await other.bestMove(' '.repeat(16), 'X')).toBe(0);
  });
  it('unreachable is a trap; -1, 64 and an occupied cell are illegal moves', async () => {
    expect(await forfeit(await engine('trap'))).toMatch(/^trap: .*unreachable/i);
    expect(await forfeit(await engine('minus1'))).toBe('illegal move -1');
    expect(await forfeit(await engine('sixtyfour'))).toBe('illegal move 64');
    const occ = await engine('occupied');
    expect(await occ.bestMove(' '.repeat(16), 'O')).toBe(0);
    expect(await forfeit(occ, 'O' + ' '.repeat(15))).toBe('illegal move 0');
  });
  it('close() ends the worker: later moves are refused', async () => {
    const e = await engine('first');
    e.close();
    expect(await forfeit(e)).toBe('closed');
  });
});

describe('the worker\'s side, in-process (what player-worker.js runs)', () => {
  /** A channel that hands each message to servePlayer and keeps the answers. */
  function serve() {
    let handler: (m: any) => void = () => {};
    const out: any[] = [];
    servePlayer({ post: (m) => out.push(m), onMessage: (fn) => void (handler = fn), onError: () => {}, terminate: () => {} });
    return { send: (m: unknown) => handler(m), out };
  }
  const mod = async (name: Parameters<typeof playerBytes>[0]) => (await PlayerFile.load(playerBytes(name))).module;
  it('loads (name, version, board), moves, reports traps; a move before a load is not answered', async () => {
    const s = serve();
    s.send({ type: 'move', board: ' '.repeat(16), size: 4, goal: 3, player: 0x4f });
    expect(s.out).toEqual([]);
    s.send({ type: 'load', module: await mod('seeded'), seed: 9n });
    s.send({ type: 'move', board: ' '.repeat(16), size: 4, goal: 3, player: 0x4f });
    expect(s.out[0]).toEqual({ type: 'loaded', name: 'seeded' });
    expect(s.out[1]).toMatchObject({ type: 'moved', cell: 9 });
    const t = serve();
    t.send({ type: 'load', module: await mod('trap'), seed: 1n });
    t.send({ type: 'move', board: ' '.repeat(9), size: 3, goal: 3, player: 0x58 });
    expect(t.out[1]).toMatchObject({ type: 'trap', message: expect.stringMatching(/unreachable/i) });
  });
  it('refuses version 2 at load; a module whose start traps is refused too', async () => {
    const s = serve();
    s.send({ type: 'load', module: await mod('v2'), seed: 1n });
    expect(s.out).toEqual([{ type: 'refused', why: 'kxo_abi_version returns 2 (this host speaks version 1)' }]);
    // (func $start unreachable) (start $start), with the exports a player needs
    const bytes = Uint8Array.of(
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 4, 1, 0x60, 0, 0, // type 0: () -> ()
      3, 2, 1, 0, // one function of type 0
      5, 3, 1, 0, 1, // memory: 1 page
      7, 10, 1, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 0, // export "memory"
      8, 1, 0, // start: function 0
      10, 5, 1, 3, 0, 0x00, 0x0b, // body: unreachable
    );
    const u = serve();
    u.send({ type: 'load', module: await WebAssembly.compile(bytes), seed: 1n });
    expect(u.out[0]).toMatchObject({ type: 'refused', why: expect.stringMatching(/^trap while loading: .*unreachable/i) });
  });
});
