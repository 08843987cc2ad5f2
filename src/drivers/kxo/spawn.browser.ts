// Browser half of starting a kxo AI worker ('#kxo-spawn'). The worker is created in the literal
// form Vite, webpack 5 and Parcel recognise: they bundle ai-worker.js and its imports as a worker
// chunk, so a consumer's production build needs no parameter to find it. Without a bundler the
// URL is the file next to this one (web/dist, a CDN copy of dist/).
import { channelOf, type Channel } from '../../wasm/worker.browser.js';

export function startAiWorker(): Channel {
  return channelOf(new Worker(new URL('./ai-worker.js', import.meta.url), { type: 'module' }), null);
}
