// The browser page: the same kernel, driver and Process API the CLI uses, loaded from web/dist.
import { Kernel, O_RDONLY, POLLIN } from './dist/index.js';
import { GameTracker, movesLine } from './dist/cli/xo-user.js';
import { parseBoard } from './dist/drivers/kxo/board.js';

const $ = (id) => document.getElementById(id);
const kernel = await Kernel.boot({ clock: 'real' });
await kernel.insmod('kxo', { delay: 100 });
const proc = kernel.spawn({ comm: 'web' });
const fd = await proc.open('/dev/kxo', O_RDONLY);
const buf = proc.mmap(4096);
const tracker = new GameTracker();
let pending = '';
let running = true;
window.vchardev = { kernel, proc, tracker };
$('status').textContent = 'playing';

async function state(patch) {
  const sfd = await proc.open('/sys/class/kxo/kxo/kxo_state', 2);
  const b = proc.mmap(4096);
  const n = await proc.read(sfd, b, 6);
  const st = proc.peek(b, n);
  patch(st);
  proc.poke(b, st);
  await proc.write(sfd, b, st.length);
  proc.munmap(b, 4096);
  await proc.close(sfd);
}
$('pause').onclick = () => state((st) => (st[0] = st[0] === 0x30 ? 0x31 : 0x30));
$('quit').onclick = async () => {
  await state((st) => (st[4] = 0x31));
  running = false;
  $('status').textContent = 'stopped after the current game';
};

while (running) {
  const [p] = await proc.poll([{ fd, events: POLLIN }], 500);
  if (!(p.revents & POLLIN)) continue;
  const n = await proc.read(fd, buf, 4096);
  pending += String.fromCharCode(...proc.peek(buf, n));
  while (pending.length >= 66) {
    const text = pending.slice(0, 66);
    pending = pending.slice(66);
    $('board').textContent = text.trim();
    const cells = parseBoard(text);
    if (cells && tracker.feed(cells)) {
      $('games').innerHTML = tracker.games.map((g, i) => `game ${i + 1}: ${g.winner === 'D' ? 'draw' : g.winner + ' wins'} — ${movesLine(g.moves)}`).join('<br>');
    }
  }
  $('log').textContent = kernel.dmesg().split('\n').slice(-12).join('\n');
}
