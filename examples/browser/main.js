// The kxo engine in a page, loaded from the package's dist/ and build/ as a static site.
import { KxoEngine } from '../../dist/kxo.js';

const out = document.getElementById('out');
const e = await KxoEngine.create({ source: new URL('../../build/kxo.release.wasm', import.meta.url) });
const t0 = performance.now();
const { move, score } = e.negamaxPredict(' '.repeat(16), 'O');
const ms = (performance.now() - t0).toFixed(1);
out.textContent = `negamax from the empty board: move ${'ABCD'[move % 4]}${Math.floor(move / 4) + 1}, score ${score} (${ms} ms)`;
window.done = { move, score };
