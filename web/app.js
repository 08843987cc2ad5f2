// The browser page: the same kernel, driver and Process API the CLI uses, loaded from web/dist.
import { Kernel, O_RDONLY, O_RDWR, POLLIN } from './dist/index.js';
import { GameTracker, labeledBoard, numberedMoves, winnerText } from './dist/cli/xo-user.js';
import { parseBoard } from './dist/drivers/kxo/board.js';

const $ = (id) => document.getElementById(id);
const kernel = await Kernel.boot({ clock: 'real' });
// ?games=4&board=5&goal=4&ai=strong,human: many games through the event protocol (games.js)
const q = new URLSearchParams(location.search);
const num = (name, dflt) => (q.has(name) ? Number(q.get(name)) : dflt);
const shape = { games: num('games', 1), boardSize: num('board', 4), goal: num('goal', 3), ai: q.get('ai') ?? 'mcts,negamax' };
for (const [k, v] of Object.entries(shape)) if ($(`f-${k}`)) $(`f-${k}`).value = v;
const delay = num('delay', 100);

/** the view running now: `ctl.stopped` ends it, `done` settles when it has */
let current = null;
/** the AIs of O and X the user asked for (a pick changes one at once), and those kxo has now */
const wanted = shape.ai.split(',');
let loaded = [...wanted];
/** a switch is queued: picks made before it runs are all in `wanted` when it does */
let queued = false;
let switching = Promise.resolve();
/** the blob: URLs made for picked files, revoked once no side plays them */
const urls = new Set();

/** Loads kxo for `wanted` and runs its view, after the view running now has ended and kxo is unloaded. */
function begin() {
  if (queued) return switching;
  queued = true;
  switching = switching.then(async () => {
    queued = false;
    if (current) {
      current.ctl.stopped = true;
      await current.done;
      // a refused insmod left nothing loaded
      if (kernel.modules.has('kxo')) await kernel.rmmod('kxo');
    }
    const ctl = { stopped: false };
    current = { ctl, done: run(wanted.join(','), ctl) };
  }).catch((e) => {
    // a switch that failed (rmmod busy) says so; the next pick tries again
    $('status').textContent = `${e.message ?? e}`;
  });
  return switching;
}

/**
 * kxo loaded `ai` (its view runs now) or refused it: a refused side the user has not picked again
 * since goes back to what kxo has; each box names its side's file; unused blob: URLs are revoked.
 */
function settled(ai, ok) {
  const tried = ai.split(',');
  if (ok) loaded = tried;
  else tried.forEach((a, i) => {
    if (wanted[i] === a) wanted[i] = loaded[i];
  });
  label();
  for (const u of urls) {
    if (!loaded.includes(u) && !wanted.includes(u)) {
      URL.revokeObjectURL(u.slice(0, u.indexOf('#')));
      urls.delete(u);
    }
  }
}

/** Each side's box: the name of the file it plays (after the blob: URL's #), or nothing. */
function label() {
  sides.forEach((s, i) => {
    const a = wanted[i];
    s.zone.querySelector('.chosen').textContent = a.startsWith('blob:') ? a.slice(a.indexOf('#') + 1) : '';
  });
}

async function run(ai, ctl) {
  try {
    // a human side plays by write(), and a player file's forfeits are events: both need abi ext
    if (shape.games > 1 || ai.split(',').some((a) => a === 'human' || a.startsWith('blob:') || a.endsWith('.wasm'))) {
      try {
        await kernel.insmod('kxo', { delay, abi: 'ext', ...shape, ai });
      } catch (e) {
        settled(ai, false);
        throw e;
      }
      settled(ai, true);
      const { runGames } = await import('./games.js');
      await runGames(kernel, shape, ctl);
    } else {
      await single(ai, ctl);
    }
  } catch (e) {
    // an insmod refused (games 0, board 9, an unknown AI, a player file): say why, as dmesg does
    $('status').textContent = `${e.message ?? e}`;
    $('log').textContent = kernel.dmesg().split('\n').slice(-12).join('\n');
  }
}

// A player file (docs/kxo-ai-abi.md) for a side: picked or dropped on its box. It plays from a
// blob: URL of the page (its name after the #), so kxo loads it again with that side.
const sides = ['O', 'X'].map((side, i) => {
  const input = $(`f-player${side}`);
  const zone = $(`drop-${side}`);
  const use = (file) => {
    if (!file) return;
    if (!/\.wasm$/i.test(file.name)) {
      $('status').textContent = `${file.name}: not a .wasm file`;
      return;
    }
    const url = `${URL.createObjectURL(file)}#${file.name}`;
    urls.add(url);
    wanted[i] = url;
    label();
    void begin();
  };
  input.onchange = () => use(input.files[0]);
  zone.ondragover = (e) => {
    e.preventDefault();
    zone.classList.add('over');
  };
  zone.ondragleave = () => zone.classList.remove('over');
  zone.ondrop = (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    use(e.dataTransfer.files[0]);
  };
  return { input, zone };
});

void begin();

/** One game: kxo's own /dev/kxo board stream (abi kxo), as xo-user shows it. */
async function single(ai, ctl) {
  try {
    await kernel.insmod('kxo', { delay, boardSize: shape.boardSize, goal: shape.goal, ai });
  } catch (e) {
    settled(ai, false);
    throw e;
  }
  settled(ai, true);
  $('single').hidden = false;
  $('multi').hidden = true;
  const proc = kernel.spawn({ comm: 'web' });
  const fd = await proc.open('/dev/kxo', O_RDONLY);
  const buf = proc.mmap(4096);
  const tracker = new GameTracker(shape.boardSize, shape.goal);
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
    if (!running || ctl.stopped) return;
    await state((st) => (st[4] = 0x31));
    running = false;
    $('status').textContent = 'stopped';
    $('games').innerHTML = tracker.games.map((g, i) => numberedMoves(i + 1, g)).join('<br>');
  };
  $('pause').onclick = pause;
  $('quit').onclick = quit;
  // the terminal's keys: Ctrl-P would print the page and Ctrl-Q may quit the browser, so both are
  // taken here (and plain P / Q too, for browsers that keep Ctrl-Q for themselves)
  // (this view's only: a view loaded after it, a player picked, must not get its keys)
  const keys = new AbortController();
  window.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || ctl.stopped) return;
    const k = e.key.toLowerCase();
    if (k !== 'p' && k !== 'q') return;
    e.preventDefault();
    void (k === 'p' ? pause() : quit());
  }, { signal: keys.signal });

  async function aiTimes() {
    try {
      const rows = (await proc.readFile('/sys/kernel/debug/kxo/ai_times')).trim().split('\n').map((l) => l.split(' '));
      const last = {};
      for (const [who, , ms] of rows) last[who] = Number(ms);
      const names = ai.split(',');
      return ['O', 'X'].map((w, i) => `${w} (${names[i] === 'mcts' ? 'MCTS' : names[i]}): ${last[w] !== undefined ? `${last[w].toFixed(1)} ms/move` : '—'}`).join('<br>');
    } catch {
      return '';
    }
  }

  try {
    while (running && !ctl.stopped) {
      $('clock').textContent = `time ${new Date().toTimeString().slice(0, 8)}`;
      const [p] = await proc.poll([{ fd, events: POLLIN }], 500);
      if (!(p.revents & POLLIN)) continue;
      const n = await proc.read(fd, buf, 4096);
      pending += String.fromCharCode(...proc.peek(buf, n));
      const size = 2 + 4 * shape.boardSize * shape.boardSize;
      while (pending.length >= size) {
        const text = pending.slice(0, size);
        pending = pending.slice(size);
        const cells = parseBoard(text, shape.boardSize);
        if (!cells) continue;
        $('board').textContent = labeledBoard(cells, shape.boardSize);
        if (tracker.feed(cells)) {
          $('games').innerHTML = tracker.games.map((g, i) => `game ${i + 1}: ${winnerText(g.winner)} — ${numberedMoves(i + 1, g, shape.boardSize).replace(/^game \d+ \([^)]*\): /, '')}`).join('<br>');
        }
      }
      $('times').innerHTML = await aiTimes();
      $('log').textContent = kernel.dmesg().split('\n').slice(-12).join('\n');
    }
  } finally {
    // whatever ended the view, its file goes (kxo can then be unloaded for the next one)
    keys.abort();
    $('pause').onclick = $('quit').onclick = null;
    await proc.close(fd);
  }
}
