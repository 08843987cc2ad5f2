// sysprog21/kxo main.c: two AIs play 4x4 tic-tac-toe in "kernel space"; /dev/kxo streams the
// board after every move, sysfs kxo_state pauses drawing and stops the game (kxo §1–§5).
import { defineModule, type ModuleApi } from '../../kernel/module.js';
import { EAGAIN, EFAULT, ENOENT, ENOMEM, ERESTARTSYS, isErr } from '../../kernel/errno.js';
import { MKDEV, MAJOR } from '../../kernel/devt.js';
import { O_NONBLOCK, noLlseek, type FileOperations } from '../../kernel/vfs.js';
import { POLLIN, POLLRDNORM } from '../../kernel/wait.js';
import type { Kfifo } from '../../kernel/kfifo.js';
import type { Cdev } from '../../kernel/chrdev.js';
import type { DeviceClass } from '../../kernel/device.js';
import type { Mutex } from '../../kernel/locking.js';
import type { Timer, Tasklet, Work, Workqueue } from '../../kernel/sched.js';
import type { WaitQueue } from '../../kernel/wait.js';
import { KXO_TRACE } from './trace.js';
import type { EngineSource } from '../../wasm/instance.js';
import { DRAWBUFFER_SIZE, N_GRIDS, drawBoard, showState, storeState, type KxoAttr } from './board.js';
import { createAi, type KxoAi } from './ai.js';

const DEV_NAME = 'kxo';
const NR_KMLDRV = 1;
const PAGE_SIZE = 4096;

export interface KxoState {
  devId: number;
  cdev: Cdev;
  cls: DeviceClass;
  fifo: Kfifo;
  rxWait: WaitQueue;
  readLock: Mutex;
  drawBuffer: Uint8Array;
  fastBuf: Uint8Array;
  workqueue: Workqueue;
  timer: Timer;
  tasklet: Tasklet;
  drawboardWork: Work;
  aiOneWork: Work;
  aiTwoWork: Work;
  ai: KxoAi;
  table: string[];
  turn: 'O' | 'X';
  finish: number;
  attr: KxoAttr;
  openCnt: number;
  delay: number;
  /** per-move AI times in ms, newest last (for tools; the C prints them with pr_info) */
  moveTimes: Array<{ player: 'O' | 'X'; move: number; ms: number }>;
}

export interface KxoApi {
  /** the board as a 16-character string */
  board(): string;
  readonly state: KxoState;
}

type K = ModuleApi<typeof defaultParams>;
const defaultParams = {
  /** ms between ticks (a static of 100 in kxo; a parameter here) */
  delay: 100,
  /** which WASM build runs the AIs: 'release' or the bounds-checked 'test' */
  build: 'release' as 'release' | 'test',
  /** run the AIs on a worker thread ('auto': yes under the real clock, inline under the virtual one) */
  worker: 'auto' as 'auto' | 'on' | 'off',
  /** the engine's .wasm when not the package's build/ (a bundler's asset URL, a CDN, a Module) */
  engine: null as EngineSource | null,
  /** the worker entry ('vchardev/kxo-worker') where a bundler put it */
  workerUrl: null as string | URL | null,
};

function produceBoard(k: K, s: KxoState): void {
  const len = s.fifo.put(s.drawBuffer, DRAWBUFFER_SIZE);
  if (len < DRAWBUFFER_SIZE) {
    k.trace(KXO_TRACE.boardsDropped, { bytes: DRAWBUFFER_SIZE - len });
    k.prWarn(`produce_board: ${DRAWBUFFER_SIZE - len} bytes dropped`);
  }
}

function drawAndProduce(k: K, s: KxoState): void {
  drawBoard(s.table.join(''), s.drawBuffer);
  produceBoard(k, s);
  s.rxWait.wakeUpInterruptible();
}

// see: kxo main.c timer_handler — the game-over tick draws the final board and maybe restarts
function timerHandler(k: K, s: KxoState): void {
  const win = s.ai.checkWin(s.table.join(''));
  if (win === ' ') {
    k.taskletSchedule(s.tasklet);
    k.modTimer(s.timer, k.now() + s.delay);
    return;
  }
  if (s.attr.display === '1') drawAndProduce(k, s);
  if (s.attr.end === '0') {
    s.table.fill(' ');
    k.modTimer(s.timer, k.now() + s.delay);
  }
  k.prInfo(`kxo: ${win} win!!!`);
}

// see: kxo main.c game_tasklet_func
function gameTasklet(k: K, s: KxoState): void {
  if (s.finish && s.turn === 'O') {
    s.finish = 0;
    k.queueWork(s.workqueue, s.aiOneWork);
  } else if (s.finish && s.turn === 'X') {
    s.finish = 0;
    k.queueWork(s.workqueue, s.aiTwoWork);
  }
  k.queueWork(s.workqueue, s.drawboardWork);
}

// see: kxo main.c ai_one_work_func / ai_two_work_func — turn flips even when no move was found
async function aiWork(k: K, s: KxoState, player: 'O' | 'X'): Promise<void> {
  const t0 = performance.now();
  const move = await s.ai.move(s.table.join(''), player);
  if (move !== -1) s.table[move] = player;
  s.turn = player === 'O' ? 'X' : 'O';
  s.finish = 1;
  const ms = performance.now() - t0;
  s.moveTimes.push({ player, move, ms });
  if (s.moveTimes.length > 256) s.moveTimes.shift();
  k.prInfo(`kxo: ${player === 'O' ? 'ai_one_work_func' : 'ai_two_work_func'} completed in ${Math.round(ms * 1000)} usec`);
}

function drawboardWork(k: K, s: KxoState): void {
  if (s.attr.display === '0') return;
  drawAndProduce(k, s);
}

function kxoFops(k: K): FileOperations {
  const s = () => k.state as KxoState;
  return {
    open() {
      const st = s();
      if (++st.openCnt === 1) k.modTimer(st.timer, k.now() + st.delay);
      k.prInfo(`openm current cnt: ${st.openCnt}`);
      return 0;
    },
    async release() {
      const st = s();
      if (--st.openCnt === 0) {
        k.delTimerSync(st.timer);
        await k.flushWorkqueue(st.workqueue);
        st.fastBuf.fill(0);
      }
      k.prInfo(`release, current cnt: ${st.openCnt}`);
      // observed: kxo §2 — every close resets end, without the attribute lock
      st.attr.end = '0';
      return 0;
    },
    // see: kxo main.c kxo_read
    async read(file, ubuf, count, cur) {
      const st = s();
      if (!cur.accessOk(ubuf, count)) {
        k.trace(KXO_TRACE.errFault, { ubuf, count });
        return -EFAULT;
      }
      // deviation: kxo §4 — count 0 would live-lock the C loop once the fifo holds data
      if (count === 0) return 0;
      if ((await st.readLock.lockInterruptible(cur)) < 0) return -ERESTARTSYS;
      try {
        for (;;) {
          const { ret, copied } = st.fifo.toUser(cur, ubuf, count);
          if (ret < 0) {
            k.trace(KXO_TRACE.errFault, { ubuf, count });
            return ret;
          }
          if (copied) return copied;
          if (file.flags & O_NONBLOCK) {
            k.trace(KXO_TRACE.errAgain, { pid: cur.pid });
            return -EAGAIN;
          }
          const w = await k.waitEventInterruptible(st.rxWait, () => st.fifo.len > 0, cur);
          if (w) return w;
        }
      } finally {
        st.readLock.unlock();
      }
    },
    poll(file, pt) {
      const st = s();
      k.pollWait(file, st.rxWait, pt);
      return st.fifo.len ? POLLIN | POLLRDNORM : 0;
    },
    // kernels before 6.12 set no_llseek; newer ones leave it out: -ESPIPE either way
    llseek: noLlseek,
  };
}

export const kxo = defineModule({
  name: 'kxo',
  description: 'sysprog21/kxo: in-kernel tic-tac-toe game engine',
  params: defaultParams,
  // see: kxo main.c kxo_init — the same order, unwound in reverse
  async init(k, params) {
    const fifo = k.kfifoAlloc(PAGE_SIZE);
    if (isErr(fifo)) return -ENOMEM;
    const devId = k.allocChrdevRegion(0, NR_KMLDRV, DEV_NAME);
    if (devId < 0) return devId;
    const cdev = k.cdevAlloc(kxoFops(k));
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
      k.prErr('failed to create sysfs file kxo_state');
      k.classDestroy(cls);
      k.cdevDel(cdev);
      k.unregisterChrdevRegion(devId, NR_KMLDRV);
      return ret;
    }
    const workqueue = k.allocWorkqueue('kxod');
    let ai: KxoAi;
    try {
      ai = await createAi({
        build: params.build, engine: params.engine, workerUrl: params.workerUrl,
        worker: params.worker === 'on' || (params.worker === 'auto' && k.clock.kind === 'real'),
      });
    } catch (err) {
      // like request_firmware: an engine that cannot be fetched is -ENOENT, with the file and the
      // reason (an HTTP status, a path) in the log
      const e = err as Error;
      k.prErr(`kxo: cannot start the game engine: ${e?.message ?? String(err)}`);
      await k.destroyWorkqueue(workqueue);
      k.deviceDestroy(cls, devId);
      k.classDestroy(cls);
      k.cdevDel(cdev);
      k.unregisterChrdevRegion(devId, NR_KMLDRV);
      return e?.name === 'EngineLoadError' ? -ENOENT : -ENOMEM;
    }
    const st: KxoState = {
      devId, cdev, cls, fifo, workqueue, ai,
      rxWait: k.initWaitqueueHead(),
      readLock: k.mutexInit(),
      drawBuffer: new Uint8Array(DRAWBUFFER_SIZE),
      fastBuf: new Uint8Array(PAGE_SIZE),
      timer: null!, tasklet: null!, drawboardWork: null!, aiOneWork: null!, aiTwoWork: null!,
      table: new Array<string>(N_GRIDS).fill(' '),
      turn: 'O',
      finish: 1,
      attr,
      openCnt: 0,
      delay: Number(params.delay) > 0 ? Number(params.delay) : 100,
      moveTimes: [],
    };
    st.timer = k.timerSetup(() => timerHandler(k, st));
    st.tasklet = k.taskletInit(() => gameTasklet(k, st));
    st.drawboardWork = k.initWork(() => drawboardWork(k, st));
    st.aiOneWork = k.initWork(() => aiWork(k, st, 'O'));
    st.aiTwoWork = k.initWork(() => aiWork(k, st, 'X'));
    k.state = st;
    k.debugfsCreateFile('kxo/ai_times', () => st.moveTimes.map((t) => `${t.player} ${t.move} ${t.ms.toFixed(1)}\n`).join(''));
    k.api = { board: () => st.table.join(''), state: st } satisfies KxoApi;
    k.prInfo(`kxo: registered new kxo device: ${MAJOR(devId)},0`);
    return 0;
  },
  // see: kxo main.c kxo_exit
  async exit(k) {
    const st = k.state as KxoState;
    k.delTimerSync(st.timer);
    k.taskletKill(st.tasklet);
    await k.flushWorkqueue(st.workqueue);
    await k.destroyWorkqueue(st.workqueue);
    st.ai.close();
    k.debugfsRemove('kxo');
    k.deviceDestroy(st.cls, st.devId);
    k.classDestroy(st.cls);
    k.cdevDel(st.cdev);
    k.unregisterChrdevRegion(st.devId, NR_KMLDRV);
    k.prInfo('kxo: unloaded');
  },
});
