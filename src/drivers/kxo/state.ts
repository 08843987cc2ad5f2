// What the kxo module keeps between calls (kxo main.c's statics, plus the extension's games).
import type { ModuleApi } from '../../kernel/module.js';
import type { Kfifo } from '../../kernel/kfifo.js';
import type { Cdev } from '../../kernel/chrdev.js';
import type { Device, DeviceClass } from '../../kernel/device.js';
import type { Mutex } from '../../kernel/locking.js';
import type { Timer, Tasklet, Work, Workqueue } from '../../kernel/sched.js';
import type { WaitQueue } from '../../kernel/wait.js';
import type { EngineSource } from '../../wasm/instance.js';
import type { KxoAttr } from './board.js';
import type { AiPool } from './ai.js';
import type { EventQueue } from './events.js';
import type { Game, Side, Winner } from './game.js';
import type { KxoPlayer } from './players.js';
import type { LoadAverages } from './loadavg.js';

export const defaultParams = {
  /** 'kxo': exactly kxo's /dev/kxo; 'ext': the extension of kxo-games.md (ioctls, events, writes) */
  abi: 'kxo' as 'kxo' | 'ext',
  /** concurrent games, 1..64 (more than one needs abi 'ext') */
  games: 1,
  /** board side, 3..8 */
  boardSize: 4,
  /** stones in a row that win, 3..boardSize */
  goal: 3,
  /**
   * the AIs of side O and side X: mcts, negamax, random, strong, human (human needs abi 'ext'),
   * or a player file (a path ending in .wasm, or a URL; abi 'ext'; docs/kxo-ai-abi.md)
   */
  ai: 'mcts,negamax',
  /** wall time a player file's move may take before it forfeits, ms */
  budget: 1000,
  /** ms between ticks (a static of 100 in kxo; a parameter here) */
  delay: 100,
  /** which WASM build runs the AIs: 'release' or the bounds-checked 'test' */
  build: 'release' as 'release' | 'test',
  /** run the AIs on workers, under either clock ('auto': where the host can start them; 'off': inline) */
  worker: 'auto' as 'auto' | 'on' | 'off',
  /** workers in the pool when it is used (0: one per game up to the machine's threads) */
  workers: 0,
  /** the engine's .wasm when not the package's build/ (a bundler's asset URL, a CDN, a Module) */
  engine: null as EngineSource | null,
  /** the strong engine's .wasm when not the package's build/ (loaded when a side first plays strong) */
  strongEngine: null as EngineSource | null,
  /** the worker entry ('vchardev/kxo-worker') where a bundler put it */
  workerUrl: null as string | URL | null,
};
export type KxoParams = typeof defaultParams;
export type K = ModuleApi<KxoParams>;

/** One open /dev/kxo: which protocol it reads, and its events (kxo-games §3). */
export interface KxoFile {
  proto: 0 | 1;
  events: EventQueue | null;
  /** readers of one file's events take turns (kxo's read_lock, per file) */
  lock: Mutex | null;
}

export interface KxoState {
  abi: 'kxo' | 'ext';
  size: number;
  goal: number;
  checkWin(table: ArrayLike<string>): Winner;
  devId: number;
  cdev: Cdev;
  cls: DeviceClass;
  dev: Device | null;
  /** kxo's one board stream (proto 0) */
  fifo: Kfifo;
  rxWait: WaitQueue;
  readLock: Mutex;
  drawBuffer: Uint8Array;
  workqueue: Workqueue;
  timer: Timer;
  tasklet: Tasklet;
  drawboardWork: Work;
  aiOneWork: Work;
  aiTwoWork: Work;
  /** abi 'ext': one work per tick plays every game */
  tickWork: Work;
  /** a tick is computing its moves: the next timer tick is skipped, as kxo's finish flag does */
  ticking: boolean;
  /** abi 'ext': game 0's final board went to the proto-0 stream already */
  finalDrawn: boolean;
  /** abi 'ext': samples the load averages every 5 s */
  loadTimer: Timer | null;
  loads: LoadAverages;
  pool: AiPool;
  /** the player files of the `ai` parameter, ai ids 5.. in order */
  players: KxoPlayer[];
  /** wall time a player's move may take, ms (the `budget` parameter) */
  playerBudgetMs: number;
  /** AIs that failed to move (logged once each) */
  aiErrors: Set<string>;
  games: Game[];
  files: Set<KxoFile>;
  finish: number;
  attr: KxoAttr;
  openCnt: number;
  delay: number;
  /** per-move AI times in ms, newest last (for tools; the C prints them with pr_info) */
  moveTimes: Array<{ game: number; player: Side; move: number; ms: number; ai: string }>;
}
