// `vchardev solve`: the strong engine's exact solver on a whole board or a given position: the
// value with perfect play, its length in plies, the nodes searched; progress on stderr.
import { StrongEngine, type SolveProgress } from '../wasm/strong.js';
import { CliError, UsageError, intOption, parse } from './args.js';

export const SOLVE_USAGE = `usage: vchardev solve [--board N] [--goal N] [--position CELLS] [--player O|X]
                      [--budget NODES] [--table-bits B] [--json]

  solves a position exactly in WebAssembly on one core: win, draw or loss for the side to
  move and how many plies the game lasts with perfect play (a draw fills the board).
  --board N        board side, 3..8 (default 4)
  --goal N         stones in a row that win, 3..board (default 3)
  --position C     the board row by row, N*N of 'O', 'X' and ' ' or '.' (default: empty)
  --player P       the side to move (default: the side with fewer stones, O when even)
  --budget NODES   give up after this many nodes (default 10^11)
  --table-bits B   the transposition table holds 2^B entries of 16 bytes, 16..26 (default 22)
  --json           one JSON object on stdout instead of text
  e.g. vchardev solve --board 5 --goal 4     (a draw, in about a second)`;

export async function solveMain(argv: string[]): Promise<number> {
  const { values: v } = parse('solve', argv, {
    board: { type: 'string' }, goal: { type: 'string' }, position: { type: 'string' }, player: { type: 'string' },
    budget: { type: 'string' }, 'table-bits': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(SOLVE_USAGE);
    return 0;
  }
  const boardSize = intOption(v.board as string | undefined, '--board', { min: 3, max: 8, fallback: 4 });
  const goal = intOption(v.goal as string | undefined, '--goal', { min: 3, max: boardSize, fallback: 3 });
  const exactBudget = intOption(v.budget as string | undefined, '--budget', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 1e11 });
  const solverTableBits = intOption(v['table-bits'] as string | undefined, '--table-bits', { min: 16, max: 26, fallback: 22 });
  const cells = boardSize * boardSize;
  const board = ((v.position as string | undefined) ?? ' '.repeat(cells)).replace(/\./g, ' ').toUpperCase();
  if (board.length !== cells || !/^[ OX]*$/.test(board)) {
    throw new UsageError(`solve --position: ${cells} cells of 'O', 'X', ' ' or '.' for a ${boardSize}x${boardSize} board: '${v.position as string}'`);
  }
  const count = (c: string) => [...board].filter((x) => x === c).length;
  const player = (v.player as string | undefined)?.toUpperCase() ?? (count('X') < count('O') ? 'X' : 'O');
  if (player !== 'O' && player !== 'X') throw new UsageError(`solve --player: 'O' or 'X', not '${v.player as string}'`);

  const engine = await StrongEngine.create({ boardSize, goal, exactBudget, solverTableBits });
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  let last = t0;
  const onProgress = (p: SolveProgress) => {
    const now = performance.now();
    // a terminal line that keeps changing; elsewhere one line every ten seconds
    if (!tty && now - last < 10_000) return;
    last = now;
    const line = `${(p.nodes / 1e6).toFixed(0)}M nodes, ${p.rootDone}/${p.rootMoves} first moves settled, ${((now - t0) / 1000).toFixed(1)} s`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  let solution;
  try {
    solution = engine.solve(board, player, { onProgress });
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(`solve: ${e.message}`);
    throw e;
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  const seconds = (performance.now() - t0) / 1000;
  const nodes = engine.lastNodes;
  if (v.json) {
    console.log(JSON.stringify({ board: boardSize, goal, position: board, player, ...solution, nodes, seconds: Number(seconds.toFixed(3)), tableBits: solverTableBits }));
    return 0;
  }
  const what = solution.value === 'draw' ? 'a draw' : `a ${solution.value} for ${player}`;
  const start = board.trim() === '' ? 'from the empty board' : 'from the position';
  console.log(`${boardSize}x${boardSize}, ${goal} in a row, ${player} to move ${start}: ${what} in ${solution.plies} plies`);
  console.log(`${nodes.toLocaleString('en-US')} nodes in ${seconds.toFixed(2)} s (${(nodes / seconds / 1e6).toFixed(1)} M nodes/s), table 2^${solverTableBits} entries`);
  return 0;
}
