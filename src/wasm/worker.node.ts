// Node half of the worker plumbing (worker_threads). Engines that think for long run here so the
// kernel's event loop stays responsive.
import { Worker, parentPort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Channel } from './channel.js';

export type { Channel };


/** Threads the machine runs at once (the default size of a worker pool). */
export function hardwareConcurrency(): number {
  return availableParallelism();
}

/** Whether this host can start workers: Node always can. */
export function workersAvailable(): boolean {
  return true;
}

/** Starts a built-JS worker entry. */
export function startWorker(url: URL): Channel {
  const w = new Worker(url);
  return {
    post: (m) => w.postMessage(m),
    onMessage: (fn) => void w.on('message', fn),
    onError: (fn) => void w.on('error', fn),
    terminate: () => void w.terminate(),
  };
}

/** Inside a worker: the channel to the parent, or null on the main thread. */
export function parentChannel(): Channel | null {
  const port = parentPort;
  if (!port) return null;
  return {
    post: (m) => port.postMessage(m),
    onMessage: (fn) => void port.on('message', fn),
    onError: () => {},
    terminate: () => port.close(),
  };
}
