// Browser half of Kernel.bridge() ('#bridge'): a page has no real processes to serve. Through the
// package's browser condition a bundle gets this file, not the server, its addon or C sources.
import type { KernelCore } from '../kernel/kernel.js';
import type { Bridge, BridgeOptions } from './server.js';

export async function startBridge(_k: KernelCore, _opts: BridgeOptions = {}): Promise<Bridge> {
  throw new Error('the bridge serves real processes (Node on Linux); a browser has none');
}
