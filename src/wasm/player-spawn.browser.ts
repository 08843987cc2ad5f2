// Browser half of starting a player's worker ('#player-spawn'), in the literal form bundlers
// recognise (as src/drivers/kxo/spawn.browser.ts does for the AI worker).
import { channelOf, type Channel } from './worker.browser.js';

export function startPlayerWorker(): Channel {
  return channelOf(new Worker(new URL('./player-worker.js', import.meta.url), { type: 'module' }), null);
}
