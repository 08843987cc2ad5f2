// Browser half of the worker plumbing (module Web Workers).
import type { Channel } from './channel.js';

export type { Channel };

/** Threads the machine runs at once (the default size of a worker pool). */
export function hardwareConcurrency(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 2;
}

/** Whether this host can start workers (a page can; a worker of its own cannot, in some browsers). */
export function workersAvailable(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

export function startWorker(url: URL): Channel {
  return channelOf(new Worker(url, { type: 'module' }), url);
}

/**
 * A started module worker as a Channel; `url` (when known) lets a failed start name the file and
 * its HTTP status (a bundler's worker chunk has no URL the page knows).
 */
export function channelOf(w: Worker, url: URL | null): Channel {
  return {
    post: (m) => w.postMessage(m),
    onMessage: (fn) => w.addEventListener('message', (e) => fn(e.data)),
    // a module worker that fails to load fires a bare Event: ask the server what went wrong, so
    // the error names the file and its HTTP status instead of "[object Event]"
    onError: (fn) =>
      w.addEventListener('error', (e) => {
        const msg = (e as ErrorEvent).message;
        const fail = (why: string) => fn(Object.assign(new Error(`cannot load the kxo worker${url ? ` from ${url.href}` : ''}: ${why}`), { name: 'EngineLoadError' }));
        if (msg || !url) return fail(msg || 'it failed to start');
        fetch(url, { method: 'HEAD' }).then((r) => fail(r.ok ? 'it failed to start' : `HTTP ${r.status} ${r.statusText}`.trim()), (x) => fail(String(x)));
      }),
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
