// Worker entry of one player instance (built JS: dist/wasm/player-worker.js): see player-serve.ts.
import { parentChannel } from '#worker';
import { servePlayer } from './player-serve.js';

const ch = parentChannel();
if (ch) servePlayer(ch);
