// The browser page: the same kernel, driver and Process API the CLI uses, loaded from web/dist.
import { Kernel, O_RDONLY, O_RDWR, POLLIN } from './dist/index.js';
import { GameTracker, labeledBoard, numberedMoves, winnerText } from './dist/cli/xo-user.js';
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

/** The device tree as `ls` would show it: /dev and /sys/class with dev_t numbers. */
function tree() {
  const lines = [];
  const walk = (path, depth) => {
    for (const name of proc.readdir(path)) {
      const st = proc.stat(`${path}/${name}`);
      const chr = (st.mode & 0o170000) === 0o020000;
      const dir = (st.mode & 0o170000) === 0o040000;
      lines.push(`${'  '.repeat(depth)}${name}${dir ? '/' : ''}${chr ? `  c ${st.rdev >>> 20}:${st.rdev & 0xfffff}` : ''}`);
      if (dir && depth < 1) walk(`${path}/${name}`, depth + 1);
    }
  };
  for (const top of ['/dev', '/sys/class']) {
    lines.push(`${top}/`);
    walk(top, 1);
  }
  return lines.join('\n');
}
$('tree').textContent = tree();

async function state(patch) {
  const sfd = await proc.open('/sys/class/kxo/kxo/kxo_state', O_RDWR);
  const b = proc.mmap(4096);
  const n = await proc.read(sfd, b, 6);
  const st = proc.peek(b, n);
  patch(st);
  proc.poke(b, st);
  await proc.write(sfd, b, st.length);
  proc.munmap(b, 4096);
  await proc.close(sfd);
}
let display = true;
const pause = () => state((st) => (st[0] = st[0] === 0x30 ? 0x31 : 0x30)).then(() => {
  display = !display;
  $('status').textContent = display ? 'playing' : 'display off';
});
const quit = async () => {
  if (!running) return;
  await state((st) => (st[4] = 0x31));
  running = false;
  $('status').textContent = 'stopped';
  $('games').innerHTML = tracker.games.map((g, i) => numberedMoves(i + 1, g)).join('<br>');
};
$('pause').onclick = pause;
$('quit').onclick = quit;
// the terminal's keys: Ctrl-P would print the page and Ctrl-Q may quit the browser, so both are
// taken here (and plain P / Q too, for browsers that keep Ctrl-Q for themselves)
window.addEventListener('keydown', (e) => {
  const k = e.key.toLowerCase();
  if (k !== 'p' && k !== 'q') return;
  e.preventDefault();
  void (k === 'p' ? pause() : quit());
});

async function aiTimes() {
  try {
    const rows = (await proc.readFile('/sys/kernel/debug/kxo/ai_times')).trim().split('\n').map((l) => l.split(' '));
    const last = {};
    for (const [who, , ms] of rows) last[who] = Number(ms);
    return ['O', 'X'].map((w) => `${w} (${w === 'O' ? 'MCTS' : 'negamax'}): ${last[w] !== undefined ? `${last[w].toFixed(1)} ms/move` : '—'}`).join('<br>');
  } catch {
    return '';
  }
}

while (running) {
  $('clock').textContent = `time ${new Date().toTimeString().slice(0, 8)}`;
  const [p] = await proc.poll([{ fd, events: POLLIN }], 500);
  if (!(p.revents & POLLIN)) continue;
  const n = await proc.read(fd, buf, 4096);
  pending += String.fromCharCode(...proc.peek(buf, n));
  while (pending.length >= 66) {
    const text = pending.slice(0, 66);
    pending = pending.slice(66);
    const cells = parseBoard(text);
    if (!cells) continue;
    $('board').textContent = labeledBoard(cells);
    if (tracker.feed(cells)) {
      $('games').innerHTML = tracker.games.map((g, i) => `game ${i + 1}: ${winnerText(g.winner)} — ${numberedMoves(i + 1, g).replace(/^game \d+ \([^)]*\): /, '')}`).join('<br>');
    }
  }
  $('times').innerHTML = await aiTimes();
  $('log').textContent = kernel.dmesg().split('\n').slice(-12).join('\n');
}
