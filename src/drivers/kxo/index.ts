// sysprog21/kxo main.c: two AIs play tic-tac-toe in "kernel space"; /dev/kxo streams the board
// after every move, sysfs kxo_state pauses drawing and stops the game (kxo §1–§5). With abi
// 'ext' the same device runs many games with the extension of kxo-games.md (ext.ts).
import { defineModule } from '../../kernel/module.js';
import { EFAULT, EINVAL, ENOENT, ENOMEM, KernelError, isErr } from '../../kernel/errno.js';
import { MKDEV, MAJOR } from '../../kernel/devt.js';
import { noLlseek, type File, type FileOperations } from '../../kernel/vfs.js';
import { POLLIN, POLLRDNORM } from '../../kernel/wait.js';
import type { Task } from '../../kernel/task.js';
import { hardwareConcurrency, workersAvailable } from '#worker';
import { KXO_TRACE } from './trace.js';
import { drawBoard, drawBufferSize, showState, storeState, type KxoAttr } from './board.js';
import { createAiPool, type AiPool } from './ai.js';
import { Game, aiName, gameSeeds, makeCheckWin, type Side, type SideAi } from './game.js';
import { MAX_PLAYER_SIDES, isPlayerEntry, loadPlayers, type KxoPlayer } from './players.js';
import { PlayerLoadError } from '../../wasm/player.js';
import { LoadAverages, LOAD_FREQ_MS } from './loadavg.js';
import { KXO_AIS, type KxoAiKind } from './uapi.js';
import { defaultParams, type K, type KxoFile, type KxoParams, type KxoState } from './state.js';
import { gameAttrs, ioctl, pollEvents, readEvents, tick, writeMoves } from './ext.js';
import { SWITCHED, readQueue } from './read.js';

export type { KxoState, KxoFile } from './state.js';

const DEV_NAME = 'kxo';
const NR_KMLDRV = 1;
const PAGE_SIZE = 4096;
const MAX_GAMES = 64;

export interface KxoGameView {
  board: string;
  turn: Side;
  state: 'playing' | 'paused' | 'over';
  winner: ' ' | 'O' | 'X' | 'D';
  moves: number[];
  /** the AIs' names: a built-in's, 'human', or a player file's own name */
  ai: [string, string];
}

export interface KxoApi {
  /** game 0's board as a size²-character string */
  board(): string;
  /** one game as the driver sees it */
  game(id: number): KxoGameView;
  /** workers behind the AIs (0: inline) and whether the pool was released */
  readonly pool: Pick<AiPool, 'workers' | 'closed'>;
  readonly state: KxoState;
}

function produceBoard(k: K, s: KxoState): void {
  const size = s.drawBuffer.length;
  const len = s.fifo.put(s.drawBuffer, size);
  if (len < size) {
    k.trace(KXO_TRACE.boardsDropped, { bytes: size - len });
    k.prWarn(`produce_board: ${size - len} bytes dropped`);
  }
}

function drawAndProduce(k: K, s: KxoState): void {
  drawBoard(s.games[0]!.board, s.drawBuffer, s.size);
  produceBoard(k, s);
  s.rxWait.wakeUpInterruptible();
}

// see: kxo main.c timer_handler — the game-over tick draws the final board and maybe restarts
function timerHandler(k: K, s: KxoState): void {
  const game = s.games[0]!;
  const win = s.checkWin(game.cells);
  if (win === ' ') {
    k.taskletSchedule(s.tasklet);
    k.modTimer(s.timer, k.now() + s.delay);
    return;
  }
  if (s.attr.display === '1') drawAndProduce(k, s);
  if (s.attr.end === '0') {
    game.restart();
    k.modTimer(s.timer, k.now() + s.delay);
  }
  k.prInfo(`kxo: ${win} win!!!`);
}

// see: kxo main.c game_tasklet_func
function gameTasklet(k: K, s: KxoState): void {
  const turn = s.games[0]!.turn;
  if (s.finish && turn === 'O') {
    s.finish = 0;
    k.queueWork(s.workqueue, s.aiOneWork);
  } else if (s.finish && turn === 'X') {
    s.finish = 0;
    k.queueWork(s.workqueue, s.aiTwoWork);
  }
  k.queueWork(s.workqueue, s.drawboardWork);
}

// see: kxo main.c ai_one_work_func / ai_two_work_func — turn flips even when no move was found
async function aiWork(k: K, s: KxoState, player: Side): Promise<void> {
  const game = s.games[0]!;
  const ai = game.aiOf(player);
  if (typeof ai !== 'string' || ai === 'human') return; // refused at insmod for abi 'kxo'
  const r = await s.pool.move({ ai, board: game.board, player, rng: game.rng });
  game.rng = r.rng;
  if (r.move !== -1) {
    game.cells[r.move] = player;
    game.moves.push(r.move);
  }
  game.turn = player === 'O' ? 'X' : 'O';
  s.finish = 1;
  s.loads.charge(ai, r.ms);
  s.moveTimes.push({ game: 0, player, move: r.move, ms: r.ms, ai });
  if (s.moveTimes.length > 256) s.moveTimes.shift();
  k.prInfo(`kxo: ${player === 'O' ? 'ai_one_work_func' : 'ai_two_work_func'} completed in ${Math.round(r.ms * 1000)} usec`);
}

function drawboardWork(k: K, s: KxoState): void {
  if (s.attr.display === '0') return;
  drawAndProduce(k, s);
}

// see: kxo main.c kxo_read — the board stream (proto 0)
function readBoards(k: K, st: KxoState, f: KxoFile, file: File, ubuf: number, count: number, cur: Task): Promise<number> {
  return readQueue(k, st, f, 0, st.readLock, st.fifo, file, ubuf, count, cur);
}

function kxoFops(k: K, ext: boolean): FileOperations {
  const s = () => k.state as KxoState;
  const fileOf = (file: File) => file.privateData as KxoFile;
  const fops: FileOperations = {
    open(_inode, file) {
      const st = s();
      const f: KxoFile = { proto: 0, events: null, lock: null };
      file.privateData = f;
      st.files.add(f);
      if (++st.openCnt === 1) k.modTimer(st.timer, k.now() + st.delay);
      k.prInfo(`openm current cnt: ${st.openCnt}`);
      return 0;
    },
    async release(_inode, file) {
      const st = s();
      const f = fileOf(file);
      st.files.delete(f);
      f.proto = 0;
      if (--st.openCnt === 0) {
        k.delTimerSync(st.timer);
        await k.flushWorkqueue(st.workqueue);
      }
      k.prInfo(`release, current cnt: ${st.openCnt}`);
      // observed: kxo §2 — every close resets end, without the attribute lock
      st.attr.end = '0';
      return 0;
    },
    async read(file, ubuf, count, cur) {
      const st = s();
      if (!cur.accessOk(ubuf, count)) {
        k.trace(KXO_TRACE.errFault, { ubuf, count });
        return -EFAULT;
      }
      // deviation: kxo §4 — count 0 would live-lock the C loop once the fifo holds data
      if (count === 0) return 0;
      const f = fileOf(file);
      // a read follows the file's protocol, also when it switches while the read sleeps
      for (;;) {
        const r = f.proto === 1 ? await readEvents(k, st, f, file, ubuf, count, cur) : await readBoards(k, st, f, file, ubuf, count, cur);
        if (r !== SWITCHED) return r;
      }
    },
    poll(file, pt) {
      const st = s();
      const f = fileOf(file);
      k.pollWait(file, st.rxWait, pt);
      if (f.proto === 1) return pollEvents(f);
      return st.fifo.len ? POLLIN | POLLRDNORM : 0;
    },
    // kernels before 6.12 set no_llseek; newer ones leave it out: -ESPIPE either way
    llseek: noLlseek,
  };
  // kxo has neither write nor ioctl: with abi 'kxo' the VFS answers as for kxo
  if (ext) {
    fops.write = (_file, ubuf, count, cur) => writeMoves(k, s(), ubuf, count, cur);
    fops.unlockedIoctl = (file, cmd, arg, cur) => ioctl(k, s(), fileOf(file), file, cmd, arg, cur);
  }
  return fops;
}

/** A parameter value for a message, whatever the caller passed (a Symbol, a null-prototype object). */
const shown = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v);

/** Checks the parameters (kxo-games §1): @returns the `ai` pair's entries, or a reason for -EINVAL */
function checkParams(p: KxoParams): [string, string] | string {
  if (p.abi !== 'kxo' && p.abi !== 'ext') return `abi must be 'kxo' or 'ext': ${shown(p.abi)}`;
  if (!Number.isInteger(p.games) || p.games < 1 || p.games > MAX_GAMES) return `games must be 1..${MAX_GAMES}: ${shown(p.games)}`;
  if (p.games > 1 && p.abi !== 'ext') return 'games > 1 needs abi ext';
  if (!Number.isInteger(p.boardSize) || p.boardSize < 3 || p.boardSize > 8) return `boardSize must be 3..8: ${shown(p.boardSize)}`;
  if (!Number.isInteger(p.goal) || p.goal < 3 || p.goal > p.boardSize) return `goal must be 3..boardSize: ${shown(p.goal)}`;
  if (!Number.isInteger(p.workers) || p.workers < 0 || p.workers > MAX_GAMES) return `workers must be 0..${MAX_GAMES}: ${shown(p.workers)}`;
  if (!['auto', 'on', 'off'].includes(p.worker)) return `worker must be auto, on or off: ${shown(p.worker)}`;
  if (!Number.isInteger(p.delay) || p.delay < 1 || p.delay > 3_600_000) return `delay must be 1..3600000 ms: ${shown(p.delay)}`;
  if (typeof p.budget !== 'number' || !Number.isFinite(p.budget) || p.budget <= 0 || p.budget > 600_000) return `budget must be in (0, 600000] ms: ${shown(p.budget)}`;
  const ai = typeof p.ai === 'string' ? p.ai.split(',').map((a) => a.trim()) : [];
  if (ai.length !== 2 || !ai.every((a) => (KXO_AIS as readonly string[]).includes(a) || isPlayerEntry(a))) return `ai must be two of ${KXO_AIS.join(', ')} or player files (.wasm): ${shown(p.ai)}`;
  // proposal: kxo-games §1 — a human side plays by write(), which only abi 'ext' has
  if (p.abi === 'kxo' && ai.includes('human')) return 'a human side needs abi ext';
  // proposal: docs/kxo-ai-abi.md §3 — kxo's own timer plays its AIs inline in its works; a
  // player's move comes from its worker, with forfeits that only the extension's events can tell
  if (p.abi === 'kxo' && ai.some(isPlayerEntry)) return 'a player file needs abi ext';
  const sides = p.games * ai.filter(isPlayerEntry).length;
  if (sides > MAX_PLAYER_SIDES) return `player files may play at most ${MAX_PLAYER_SIDES} sides at once (a worker each): ${p.games} games × ${sides / p.games}`;
  return ai as [string, string];
}

export const kxo = defineModule({
  name: 'kxo',
  description: 'sysprog21/kxo: in-kernel tic-tac-toe game engine',
  params: defaultParams,
  // see: kxo main.c kxo_init — the same order, unwound in reverse
  async init(k, params) {
    const ai = checkParams(params);
    if (typeof ai === 'string') {
      k.prErr(`kxo: ${ai}`);
      return -EINVAL;
    }
    const ext = params.abi === 'ext';
    // the player files first: a refused one fails insmod before anything is made
    let players: KxoPlayer[];
    try {
      players = await loadPlayers(ai, params.budget);
    } catch (err) {
      if (!(err instanceof PlayerLoadError)) throw err;
      k.prErr(`kxo: ${err.file}: ${err.why}`);
      return -EINVAL;
    }
    const sideAi = ai.map((a) => players.find((p) => p.file.file === a) ?? (a as KxoAiKind)) as [SideAi, SideAi];
    const fifo = k.kfifoAlloc(PAGE_SIZE);
    if (isErr(fifo)) return -ENOMEM;
    const devId = k.allocChrdevRegion(0, NR_KMLDRV, DEV_NAME);
    if (devId < 0) return devId;
    const cdev = k.cdevAlloc(kxoFops(k, ext));
    let ret = k.cdevAdd(cdev, devId, NR_KMLDRV);
    if (ret) {
      k.unregisterChrdevRegion(devId, NR_KMLDRV);
      return ret;
    }
    const cls = k.classCreate(DEV_NAME);
    if (isErr(cls)) {
      k.prErr('error creating kxo class');
      k.cdevDel(cdev);
      k.unregisterChrdevRegion(devId, NR_KMLDRV);
      return cls;
    }
    const unwindDevice = () => {
      k.deviceDestroy(cls, devId);
      k.classDestroy(cls);
      k.cdevDel(cdev);
      k.unregisterChrdevRegion(devId, NR_KMLDRV);
    };
    // observed: kxo §1 — device_create's result is not checked
    const dev = k.deviceCreate(cls, null, MKDEV(MAJOR(devId), 0), null, DEV_NAME);
    const attr: KxoAttr = { display: '1', resume: '1', end: '0' };
    ret = isErr(dev) ? dev : k.deviceCreateFile(dev, {
      name: 'kxo_state',
      mode: 0o644,
      show: () => showState(attr),
      store: (_d, text) => (storeState(attr, text), text.length),
    });
    if (ret < 0) {
      // deviation: kxo §1 — the seed's version jumps to error_cdev here and leaves the device and
      // its class behind (a later insmod then fails in class_create); kxo since unwinds them
      // (goto error_device), as this does
      k.prErr('failed to create sysfs file kxo_state');
      unwindDevice();
      return ret;
    }
    const workqueue = k.allocWorkqueue('kxod');
    if (!workqueue) {
      unwindDevice();
      return -ENOMEM;
    }
    // under either clock: a tick of 64 strong games on 8x8 must not stall the host's event loop
    // (the virtual clock still awaits each tick's moves, so its event stream stays the same)
    const useWorkers = params.worker === 'on' || (params.worker === 'auto' && workersAvailable());
    let pool: AiPool;
    try {
      pool = await createAiPool({
        build: params.build, engine: params.engine, workerUrl: params.workerUrl,
        strongEngine: params.strongEngine, strongNow: ai.includes('strong'),
        size: params.boardSize, goal: params.goal,
        workers: !useWorkers ? 0 : params.workers || Math.max(1, Math.min(params.games, hardwareConcurrency())),
      });
    } catch (err) {
      // like request_firmware: an engine that cannot be fetched is -ENOENT, with the file and the
      // reason (an HTTP status, a path) in the log
      const e = err as Error;
      k.prErr(`kxo: cannot start the game engine: ${e?.message ?? String(err)}`);
      await k.destroyWorkqueue(workqueue);
      unwindDevice();
      return e?.name === 'EngineLoadError' ? -ENOENT : -ENOMEM;
    }
    // from here an error (a failed sysfs file, a throw) unwinds everything init made so far
    let st!: KxoState;
    try {
      st = {
        abi: params.abi, size: params.boardSize, goal: params.goal,
        checkWin: makeCheckWin(params.boardSize, params.goal),
        devId, cdev, cls, dev: isErr(dev) ? null : dev, fifo, workqueue, pool,
        rxWait: k.initWaitqueueHead(),
        readLock: k.mutexInit(),
        drawBuffer: new Uint8Array(drawBufferSize(params.boardSize)),
        timer: null!, tasklet: null!, drawboardWork: null!, aiOneWork: null!, aiTwoWork: null!, tickWork: null!,
        ticking: false,
        finalDrawn: false,
        loadTimer: null,
        loads: new LoadAverages(players.map((p) => p.name)),
        players,
        playerBudgetMs: params.budget,
      aiErrors: new Set(),
        games: gameSeeds(params.games).map((rng, id) => new Game(id, params.boardSize, sideAi, rng)),
        files: new Set(),
        finish: 1,
        attr,
        openCnt: 0,
        delay: params.delay,
        moveTimes: [],
      };
      st.tasklet = k.taskletInit(() => gameTasklet(k, st));
      st.drawboardWork = k.initWork(() => drawboardWork(k, st));
      st.aiOneWork = k.initWork(() => aiWork(k, st, 'O'));
      st.aiTwoWork = k.initWork(() => aiWork(k, st, 'X'));
      st.tickWork = k.initWork(() => tick(k, st));
      st.timer = ext
        ? k.timerSetup(() => {
            k.queueWork(st.workqueue, st.tickWork);
            k.modTimer(st.timer, k.now() + st.delay);
          })
        : k.timerSetup(() => timerHandler(k, st));
      if (ext && st.dev) {
        for (const g of st.games) {
          for (const a of gameAttrs(k, st, g)) ret ||= k.deviceCreateFile(st.dev, a);
        }
        ret ||= k.deviceCreateFile(st.dev, { name: 'loadavg', mode: 0o444, show: () => st.loads.show() });
        // proposal: docs/kxo-ai-abi.md §3 — the ai ids KXO_SET_AI takes, "<id> <name>" a line
        ret ||= k.deviceCreateFile(st.dev, { name: 'ais', mode: 0o444, show: () => [...KXO_AIS, ...players.map((p) => p.name)].map((n, i) => `${i} ${n}\n`).join('') });
        if (ret < 0) throw new KernelError(-ret, 'init_module', 'kxo: sysfs');
        // sampled from load on, whether or not the device is open (kxo-games §5)
        const loadTimer = k.timerSetup(() => {
          st.loads.sample();
          k.modTimer(loadTimer, k.now() + LOAD_FREQ_MS);
        });
        st.loadTimer = loadTimer;
        k.modTimer(loadTimer, k.now() + LOAD_FREQ_MS);
      }
    } catch (err) {
      pool.close();
      await k.destroyWorkqueue(workqueue);
      unwindDevice();
      if (err instanceof KernelError) return -err.errno;
      throw err;
    }
    k.state = st;
    // abi kxo: "<side> <cell> <ms>"; abi ext: "<game> <side> <cell> <ms> <ai>"
    k.debugfsCreateFile('kxo/ai_times', () => st.moveTimes.map((t) => (ext ? `${t.game} ${t.player} ${t.move} ${t.ms.toFixed(1)} ${t.ai}\n` : `${t.player} ${t.move} ${t.ms.toFixed(1)}\n`)).join(''));
    k.api = {
      board: () => st.games[0]!.board,
      game: (id: number) => {
        const g = st.games[id];
        if (!g) throw new KernelError(EINVAL, 'kxo', `no game ${id}`);
        return { board: g.board, turn: g.turn, state: g.over ? 'over' : g.paused ? 'paused' : 'playing', winner: g.over ? g.winner : ' ', moves: [...g.moves], ai: [aiName(g.ai[0]), aiName(g.ai[1])] };
      },
      pool,
      state: st,
    } satisfies KxoApi;
    k.prInfo(`kxo: registered new kxo device: ${MAJOR(devId)},0`);
    return 0;
  },
  // see: kxo main.c kxo_exit
  async exit(k) {
    const st = k.state as KxoState;
    k.delTimerSync(st.timer);
    if (st.loadTimer) k.delTimerSync(st.loadTimer);
    k.taskletKill(st.tasklet);
    await k.flushWorkqueue(st.workqueue);
    await k.destroyWorkqueue(st.workqueue);
    st.pool.close();
    for (const g of st.games) g.players?.close();
    k.debugfsRemove('kxo');
    k.deviceDestroy(st.cls, st.devId);
    k.classDestroy(st.cls);
    k.cdevDel(st.cdev);
    k.unregisterChrdevRegion(st.devId, NR_KMLDRV);
    k.prInfo('kxo: unloaded');
  },
});
