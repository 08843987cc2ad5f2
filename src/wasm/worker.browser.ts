// Browser half of the worker plumbing (module Web Workers).
import type { Channel } from './channel.js';

export type { Channel };

export function startWorker(url: URL): Channel {
  const w = new Worker(url, { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    onMessage: (fn) => w.addEventListener('message', (e) => fn(e.data)),
    onError: (fn) => w.addEventListener('error', fn),
    terminate: () => w.terminate(),
  };
}

export function parentChannel(): Channel | null {
  const g = globalThis as any;
  if (typeof g.WorkerGlobalScope === 'undefined' || !(g instanceof g.WorkerGlobalScope)) return null;
  return {
    post: (m) => g.postMessage(m),
    onMessage: (fn) => g.addEventListener('message', (e: MessageEvent) => fn(e.data)),
    onError: () => {},
    terminate: () => g.close(),
  };
}
