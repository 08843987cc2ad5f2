// The page's many-games view (kxo-games.md): kxo loaded with abi 'ext', boards rebuilt from its
// 2-byte events by the same GamesClient as `vchardev xo-user --games N`. Click a board to pick
// it; click a cell to play it when the side to move is yours. Each board has its column letters
// and row numbers (the names a move is written with), and every cell button says what it is.
import { O_RDWR } from './dist/index.js';
import { GamesClient, gameLines, aiFooter } from './dist/cli/xo-games.js';
import { movesLine, cellName } from './dist/cli/xo-user.js';

const $ = (id) => document.getElementById(id);

/** Runs the view until its stop button, or until `ctl.stopped` is set (the page loads kxo anew). */
export async function runGames(kernel, params, ctl = { stopped: false }) {
  const proc = kernel.spawn({ comm: 'web' });
  const client = await GamesClient.open(proc);
  let selected = 0;
  let running = true;
  const state = { kernel, proc, client, get selected() { return selected; } };
  window.vchardev = state;
  $('single').hidden = true;
  $('multi').hidden = false;
  $('status').textContent = `${client.games.length} games, ${client.size}x${client.size}, ${client.goal} in a row`;

  const grid = $('grid');
  grid.replaceChildren();
  const n = client.size;
  const label = (text) => {
    const l = document.createElement('span');
    l.className = 'coord';
    l.setAttribute('aria-hidden', 'true'); // each cell's own label names it
    l.textContent = text;
    return l;
  };
  const boxes = client.games.map((g) => {
    const box = document.createElement('section');
    box.className = 'game';
    box.setAttribute('aria-label', `game ${g.id}`);
    const pre = document.createElement('pre');
    const cells = document.createElement('div');
    cells.className = 'cells';
    cells.setAttribute('role', 'group');
    cells.setAttribute('aria-label', `game ${g.id} board`);
    // a corner, the column letters, then each row: its number and its cells
    cells.style.gridTemplateColumns = `1.2em repeat(${n}, 1.8em)`;
    cells.append(label(''));
    for (let c = 0; c < n; c++) cells.append(label(String.fromCharCode(65 + c)));
    const buttons = [];
    for (let i = 0; i < n * n; i++) {
      if (i % n === 0) cells.append(label(String(i / n + 1)));
      const b = document.createElement('button');
      b.className = 'cell';
      b.dataset.cell = String(i);
      b.onclick = () => play(g.id, i);
      cells.append(b);
      buttons.push(b);
    }
    box.append(pre, cells);
    box.onclick = () => {
      selected = g.id;
      draw();
    };
    grid.append(box);
    return { box, pre, buttons };
  });

  async function play(game, cell) {
    selected = game;
    try {
      await client.move(game, String(cell));
      $('message').textContent = '';
    } catch (e) {
      $('message').textContent = `move ${cell}: ${e.code ?? e}`;
    }
  }
  const humanOf = new Map();
  async function take(side) {
    const g = client.games[selected];
    const key = `${selected}/${side}`;
    if (g.ai[side] === 'human') await client.setAi(selected, side, humanOf.get(key) ?? 'negamax');
    else {
      humanOf.set(key, g.ai[side]);
      await client.setAi(selected, side, 'human');
    }
    draw();
  }
  $('gpause').onclick = () => client.pause(selected).then(draw);
  $('grestart').onclick = () => client.restart(selected);
  $('takeO').onclick = () => take(0);
  $('takeX').onclick = () => take(1);
  $('gquit').onclick = () => (running = false);

  function draw() {
    const now = Date.now();
    client.games.forEach((g, i) => {
      const { box, pre, buttons } = boxes[i];
      const lines = gameLines(g, client.size, now, g.id === selected);
      // the title and the clock/score/moves lines; the board itself is the clickable grid
      pre.textContent = [lines[0], ...lines.slice(2 + client.size)].join('\n');
      box.classList.toggle('selected', g.id === selected);
      box.setAttribute('aria-current', g.id === selected ? 'true' : 'false');
      const mine = g.state === 'playing' && g.ai[g.turn === 'O' ? 0 : 1] === 'human';
      buttons.forEach((b, c) => {
        const stone = g.cells[c] === ' ' ? '' : g.cells[c];
        b.textContent = stone;
        b.className = `cell${stone ? ` stone-${stone}` : ''}`;
        b.disabled = !(mine && !stone);
        b.setAttribute('aria-label', `game ${g.id}, ${cellName(c, n)}, ${stone || (b.disabled ? 'empty' : `empty: play ${g.turn} here`)}`);
      });
    });
    $('games').innerHTML = client.finished.slice(-8).map((f) => `game ${f.game}: ${f.winner === 'D' ? 'draw' : `${f.winner} wins`} — ${movesLine(f.moves, client.size)}`).join('<br>');
    $('clock').textContent = `time ${new Date(now).toTimeString().slice(0, 8)} — ${client.events} events in ${client.bytes} bytes`;
  }

  let tick = 0;
  try {
    while (running && !ctl.stopped) {
      await client.pump(250);
      draw();
      if (tick++ % 4 === 0) {
        $('times').innerHTML = aiFooter(await client.loadavg(), await client.msPerMove()).replace(/\n/g, '<br>');
        $('log').textContent = kernel.dmesg().split('\n').slice(-12).join('\n');
      }
    }
  } finally {
    // whatever ended the view, its file goes (kxo can then be unloaded for the next one)
    await client.close();
  }
  $('status').textContent = 'stopped';
}
