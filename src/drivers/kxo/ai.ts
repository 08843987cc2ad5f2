// The two AIs behind kxo's work items: MCTS plays 'O', negamax 'X' (kxo §7–§8), run either inline
// (virtual clock: deterministic) or on a worker (real clock: the event loop keeps serving reads,
// polls and sysfs while an AI thinks).
import { startWorker } from '#worker';
import { checkWin } from './game.js';
import { compileEngine, loadEngine } from './engines.js';
import type { EngineSource } from '../../wasm/instance.js';

export interface KxoAi {
  checkWin(table: string): ' ' | 'O' | 'X' | 'D';
  /** ai_one (mcts) for 'O', ai_two (negamax_predict().move) for 'X'; -1 when there is no move */
  move(table: string, player: 'O' | 'X'): number | Promise<number>;
  close(): void;
}

export interface AiOptions {
  build: 'release' | 'test';
  worker: boolean;
  /** the engine's .wasm from elsewhere (a CDN, a bundler's asset): a Module, bytes or a URL */
  engine?: EngineSource | null;
  /** the worker entry (vchardev/kxo-worker) where a bundler put it */
  workerUrl?: string | URL | null;
}

export async function createAi(opts: AiOptions): Promise<KxoAi> {
  if (!opts.worker) {
    const engine = await loadEngine(opts.build, opts.engine ? await compileEngine(opts.build, opts.engine) : null);
    return {
      checkWin,
      move: (table, player) => (player === 'O' ? engine.mcts(table, 'O') : engine.negamaxPredict(table, 'X').move),
      close: () => {},
    };
  }
  const module = await compileEngine(opts.build, opts.engine ?? undefined);
  // the entry is built JS: from src/ (vitest) and dist/ alike this names dist/drivers/kxo
  const url = opts.workerUrl ? new URL(opts.workerUrl, (globalThis as { location?: { href: string } }).location?.href) : new URL('../../../dist/drivers/kxo/ai-worker.js', import.meta.url);
  const ch = startWorker(url);
  const pending = new Map<number, { resolve: (m: number) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    ch.onMessage((msg) => {
      if (msg.type === 'ready') resolve();
      else if (msg.type === 'move') {
        pending.get(msg.id)?.resolve(msg.move);
        pending.delete(msg.id);
      }
    });
    ch.onError((err) => {
      reject(err);
      ch.terminate();
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    ch.post({ type: 'init', build: opts.build, module });
  });
  return {
    checkWin,
    move: (table, player) =>
      new Promise<number>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        ch.post({ type: 'move', id, table, player });
      }),
    close: () => ch.terminate(),
  };
}
