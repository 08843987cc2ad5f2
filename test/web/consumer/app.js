// A consumer's page, bundled with esbuild (test/web/bundle.test.ts): vchardev from its package
// exports, the engine and worker passed where the bundler put them, as a CDN user would.
import { Kernel, O_RDONLY, KernelError } from 'vchardev';

const params = new URLSearchParams(location.search);
const out = { games: [], error: null, dmesg: '' };
window.result = out;

async function main() {
  const kernel = await Kernel.boot({ clock: 'real' });
  const kxoParams = params.has('defaults') ? { delay: 10 } : {
    delay: 10,
    engine: new URL('./assets/kxo.release.wasm', location.href),
    workerUrl: new URL(params.has('noworker') ? './missing-worker.js' : './kxo-worker.js', location.href),
  };
  try {
    await kernel.insmod('kxo', kxoParams);
  } catch (e) {
    out.error = e instanceof KernelError ? `${e.code} ${e.message}` : String(e);
    out.dmesg = kernel.dmesg();
    return;
  }
  const p = kernel.spawn();
  const fd = await p.open('/dev/kxo', O_RDONLY);
  const buf = p.mmap(4096);
  let prev = ' '.repeat(16);
  let moves = [];
  while (out.games.length < 1) {
    const n = await p.read(fd, buf, 66);
    const text = String.fromCharCode(...p.peek(buf, n));
    const cells = text.slice(2).split('\n').filter((_, i) => i % 2 === 0).map((r) => r.split('|').join('')).join('').slice(0, 16);
    if (cells.length !== 16) continue;
    for (let i = 0; i < 16; i++) if (prev[i] === ' ' && cells[i] !== ' ') moves.push(i);
    if ([...cells].filter((c) => c !== ' ').length < [...prev].filter((c) => c !== ' ').length) moves = [];
    prev = cells;
    const won = checkWin(cells);
    if (won) {
      out.games.push({ moves, winner: won });
      moves = [];
      prev = ' '.repeat(16);
    }
  }
  document.title = 'done';
}

// three in a row on a 4x4 board (kxo's GOAL 3), or a full board: a draw
function checkWin(b) {
  const at = (r, c) => (r >= 0 && r < 4 && c >= 0 && c < 4 ? b[r * 4 + c] : ' ');
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
    const v = at(r, c);
    if (v === ' ') continue;
    for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]]) if (at(r + dr, c + dc) === v && at(r + 2 * dr, c + 2 * dc) === v) return v;
  }
  return b.includes(' ') ? null : 'D';
}

main().catch((e) => (out.error = String(e?.stack ?? e)));
