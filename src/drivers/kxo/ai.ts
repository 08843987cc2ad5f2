// The AIs behind kxo's games (kxo §7–§8, kxo-games §1): any of mcts, negamax, random and strong
// for either side, run inline (virtual clock: deterministic, nothing else to wait for) or on a
// pool of workers (real clock: the event loop keeps serving reads, polls and sysfs while AIs
// think, and the games of one tick think in parallel).
//
// A move request carries everything the move depends on, the game's PRNG included, and the
// strong engine forgets its table before each move: so a move is the same whichever worker
// plays it, and the event stream does not depend on the pool size.
import { startWorker, type Channel } from '#worker';
import { startAiWorker } from '#kxo-spawn';
import { KxoEngine } from '../../wasm/kxo.js';
import { StrongEngine } from '../../wasm/strong.js';
import type { EngineSource, WasmBuild } from '../../wasm/instance.js';
import type { KxoMachineAi } from './uapi.js';
import type { Side } from './game.js';

export interface MoveRequest {
  ai: KxoMachineAi;
  board: string;
  player: Side;
  rng: [bigint, bigint];
}
export interface MoveResult {
  /** the cell, or -1 when the AI found none (kxo's mcts can give up) */
  move: number;
  rng: [bigint, bigint];
  /** compute time of this move, measured where it ran */
  ms: number;
}

/** The driver's strong player: exact searches bounded so one move stays well under a second. */
const STRONG_EXACT_BUDGET = 500_000;

export interface RunnerModules {
  build: WasmBuild;
  size: number;
  goal: number;
  kxo: WebAssembly.Module;
  /** compiled up front when a side starts as strong; else fetched at the first strong move */
  strong: WebAssembly.Module | null;
  /** where the strong engine's .wasm is when not in the package's build/ */
  strongSource?: EngineSource | null;
}

/** One set of engines (one kxo engine, a strong one when first asked for), inline or in a worker. */
export class AiRunner {
  private strong: StrongEngine | null = null;
  /** the strong engine could not be loaded: later moves fail at once instead of fetching again */
  private strongError: Error | null = null;
  private constructor(private readonly m: RunnerModules, private readonly kxo: KxoEngine) {}

  static async create(m: RunnerModules): Promise<AiRunner> {
    const kxo = await KxoEngine.fromModule(m.kxo, m.build);
    if (m.size !== 4 || m.goal !== 3) kxo.configure(m.size, m.goal);
    return new AiRunner(m, kxo);
  }

  async run(req: MoveRequest): Promise<MoveResult> {
    if (req.ai === 'strong' && !this.strong) {
      if (this.strongError) throw this.strongError;
      try {
        const module = this.m.strong ?? (await StrongEngine.compile(this.m.build, this.m.strongSource ?? undefined));
        this.strong = await StrongEngine.fromModule(module, { boardSize: this.m.size, goal: this.m.goal, build: this.m.build, exactBudget: STRONG_EXACT_BUDGET });
      } catch (err) {
        this.strongError = err instanceof Error ? err : new Error(String(err));
        throw this.strongError;
      }
    }
    const t0 = performance.now();
    const e = this.kxo;
    let move: number;
    let rng = req.rng;
    switch (req.ai) {
      case 'mcts':
        e.xoroState = rng;
        move = e.mcts(req.board, req.player);
        rng = e.xoroState;
        break;
      case 'negamax':
        move = e.negamaxPredict(req.board, req.player).move;
        break;
      case 'random': {
        const empty: number[] = [];
        for (let i = 0; i < req.board.length; i++) if (req.board[i] === ' ') empty.push(i);
        e.xoroState = rng;
        move = empty.length ? empty[Number(e.xoroNext() % BigInt(empty.length))]! : -1;
        rng = e.xoroState;
        break;
      }
      case 'strong':
        this.strong!.clearTable();
        move = this.strong!.bestMove(req.board, req.player);
        break;
      default:
        throw new TypeError(`no such AI: ${String(req.ai)}`);
    }
    return { move, rng, ms: performance.now() - t0 };
  }
}

export interface AiPool {
  /** workers in the pool, 0 when the AIs run inline */
  readonly workers: number;
  /** true once close() ran (rmmod): every worker terminated */
  readonly closed: boolean;
  /**
   * Queues a move. `ahead`: a guess at a game's next turn, made while the tick's other moves
   * still run; it waits behind every move of the tick and runs only on a worker nothing else needs.
   */
  move(req: MoveRequest, ahead?: boolean): Promise<MoveResult>;
  /** the tick needs a move asked for ahead: it now queues as a move of the tick */
  hurry(req: MoveRequest): void;
  /** a move asked for ahead that will not be used: dropped if no worker took it yet */
  forget(req: MoveRequest): void;
  close(): void;
}

export interface AiPoolOptions {
  build: WasmBuild;
  size: number;
  goal: number;
  /** 0: inline; n: that many workers */
  workers: number;
  /** the kxo engine's .wasm from elsewhere (a CDN, a bundler's asset): a Module, bytes or a URL */
  engine?: EngineSource | null;
  /** the same for the strong engine */
  strongEngine?: EngineSource | null;
  /** compile the strong engine now (a side starts as strong): a missing file fails insmod */
  strongNow?: boolean;
  /** the worker entry (vchardev/kxo-worker) where a bundler put it */
  workerUrl?: string | URL | null;
}

export async function createAiPool(opts: AiPoolOptions): Promise<AiPool> {
  const modules: RunnerModules = {
    build: opts.build, size: opts.size, goal: opts.goal,
    kxo: await KxoEngine.compile(opts.build, opts.engine ?? undefined),
    strong: opts.strongNow ? await StrongEngine.compile(opts.build, opts.strongEngine ?? undefined) : null,
    // a Module or a URL crosses to a worker; a URL object as its text
    strongSource: opts.strongEngine instanceof URL ? opts.strongEngine.href : opts.strongEngine ?? null,
  };
  if (opts.workers <= 0) {
    const runner = await AiRunner.create(modules);
    let closed = false;
    return {
      workers: 0,
      get closed() { return closed; },
      move: (req) => (closed ? Promise.reject(new Error('kxo: the AI pool is closed')) : runner.run(req)),
      // inline, nothing runs ahead (the driver asks for no move ahead of its tick)
      hurry: () => {},
      forget: () => {},
      close: () => void (closed = true),
    };
  }
  // the worker where the caller put it, or the package's own (a bundler's worker chunk in a page)
  const url = opts.workerUrl ? new URL(opts.workerUrl, (globalThis as { location?: { href: string } }).location?.href) : null;
  const channels = Array.from({ length: opts.workers }, () => (url ? startWorker(url) : startAiWorker()));
  return new WorkerPool(channels).start(modules);
}

interface Job {
  req: MoveRequest;
  resolve: (r: MoveResult) => void;
  reject: (e: unknown) => void;
}

/** Jobs go to the first idle worker, the tick's before those asked for ahead; a worker runs one at a time. */
class WorkerPool implements AiPool {
  private readonly idle: Channel[] = [];
  private readonly busy = new Map<Channel, Job>();
  private readonly queue: Job[] = [];
  private readonly later: Job[] = [];
  private failed: unknown = null;

  constructor(private readonly channels: Channel[]) {}

  get workers(): number {
    return this.channels.length;
  }
  get closed(): boolean {
    return this.failed !== null;
  }

  async start(modules: RunnerModules): Promise<AiPool> {
    try {
      await Promise.all(this.channels.map((ch) => new Promise<void>((resolve, reject) => {
        ch.onMessage((msg) => {
          if (msg.type === 'ready') {
            this.idle.push(ch);
            resolve();
          } else if (msg.type === 'init-error') {
            const err = new Error(`kxo: a worker could not start its engines: ${msg.error}`);
            reject(err);
            this.fail(err);
          } else if (msg.type === 'move') {
            const job = this.busy.get(ch);
            this.busy.delete(ch);
            this.idle.push(ch);
            if (msg.error) job?.reject(new Error(msg.error));
            else job?.resolve({ move: msg.move, rng: msg.rng, ms: msg.ms });
            this.next();
          }
        });
        ch.onError((err) => {
          reject(err);
          this.fail(err);
        });
        ch.post({ type: 'init', modules });
      })));
    } catch (err) {
      this.close();
      throw err;
    }
    return this;
  }

  move(req: MoveRequest, ahead = false): Promise<MoveResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      (ahead ? this.later : this.queue).push({ req, resolve, reject });
      this.next();
    });
  }

  hurry(req: MoveRequest): void {
    const i = this.later.findIndex((j) => j.req === req);
    if (i >= 0) this.queue.push(...this.later.splice(i, 1));
  }

  forget(req: MoveRequest): void {
    const i = this.later.findIndex((j) => j.req === req);
    if (i >= 0) this.later.splice(i, 1)[0]!.reject(new Error('kxo: a move asked for ahead was dropped'));
  }

  close(): void {
    this.fail(new Error('kxo: the AI pool is closed'));
  }

  private next(): void {
    while (this.idle.length && (this.queue.length || this.later.length)) {
      const ch = this.idle.shift()!;
      const job = (this.queue.length ? this.queue : this.later).shift()!;
      this.busy.set(ch, job);
      ch.post({ type: 'move', req: job.req });
    }
  }

  /** A dead worker takes the pool with it: every job in flight or queued fails. */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = err;
    for (const ch of this.channels) ch.terminate();
    for (const job of [...this.busy.values(), ...this.queue.splice(0), ...this.later.splice(0)]) job.reject(err);
    this.busy.clear();
    this.idle.length = 0;
  }
}
