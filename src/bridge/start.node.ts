// Node half of Kernel.bridge() ('#bridge'): the server is loaded on first use only, so a kernel
// that never serves real programs never loads the addon or its node: modules.
import type { KernelCore } from '../kernel/kernel.js';
import type { Bridge, BridgeOptions } from './server.js';

export async function startBridge(k: KernelCore, opts: BridgeOptions = {}): Promise<Bridge> {
  const { startBridge: start } = await import('./server.js');
  return start(k, opts);
}
