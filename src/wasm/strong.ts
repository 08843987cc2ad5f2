// Host side of the strong engine (assembly/strong): a perfect player on small boards (4x4, three
// in a row, is solved exactly in well under a millisecond per move) and a budgeted alpha-beta
// beyond. Boards cross as two bitboards (u64 as bigint); results come back as numbers.
import { compileWasm, instantiateEngine, type EngineSource, type WasmBuild } from './instance.js';
import type { Player } from './kxo.js';

// The bindings' types come from what asc generates, so the boundary cannot drift.
type Exports = Awaited<ReturnType<typeof import('../../build/strong.release.js').instantiate>>;

export interface StrongEngineOptions {
  /** board side, 3..8 (default 4) */
  boardSize?: number;
  /** stones in a row that win, 3..boardSize (default 3) */
  goal?: number;
  build?: WasmBuild;
  source?: EngineSource;
  /** solve exactly when at most this many cells are empty, 0..24 (default 16: all of 4x4) */
  exactCells?: number;
  /** nodes a non-exact move may search, 1..2^31-1 (default 200,000) */
  nodeBudget?: number;
  /** nodes an exact search may take before the engine gives up exactness (default 2,000,000: a few seconds at most) */
  exactBudget?: number;
  /**
   * the exact solver's table: 2^bits entries of 16 bytes, 16..26 (default 20: 16 MiB), taken
   * from memory at the first solve() or the first move with more than exactCells empty cells
   */
  solverTableBits?: number;
}

/** How far a long solve() has got: nodes so far and the root's moves settled of all of them. */
export interface SolveProgress {
  nodes: number;
  rootDone: number;
  rootMoves: number;
}

const INT_MAX = 0x7fffffff;
/** where the engine's solveProgress import reports: the running solve()'s callback, if any */
interface Hooks {
  progress: ((p: SolveProgress) => void) | null;
}
function intIn(v: number | undefined, dflt: number, lo: number, hi: number, what: string): number {
  const n = v ?? dflt;
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new RangeError(`${what} must be an integer in ${lo}..${hi}: ${String(v)}`);
  return n;
}

/** What solve() says of a position, for the side to move: as the oracle fixtures count it. */
export interface Solution {
  value: 'win' | 'draw' | 'loss';
  /** stones still to be placed until the game ends with perfect play (one ply = one stone) */
  plies: number;
}

export class StrongEngine {
  readonly boardSize: number;
  readonly goal: number;
  private readonly cells: number;
  private readonly win: number;
  private readonly exactCells: number;
  private readonly nodeBudget: number;
  private readonly exactBudget: number;

  private readonly solverTableBits: number;
  private solverReady = false;
  private nodes = 0;

  private constructor(private readonly x: Exports, private readonly hooks: Hooks, opts: Required<Pick<StrongEngineOptions, 'boardSize' | 'goal' | 'exactCells' | 'nodeBudget' | 'exactBudget' | 'solverTableBits'>>) {
    x.init();
    if (x.configure(opts.boardSize, opts.goal) < 0) throw new RangeError(`board ${opts.boardSize}x${opts.boardSize} with goal ${opts.goal}: size 3..8, goal 3..size`);
    this.boardSize = opts.boardSize;
    this.goal = opts.goal;
    this.cells = opts.boardSize * opts.boardSize;
    this.win = x.winScore();
    this.exactCells = opts.exactCells;
    this.nodeBudget = opts.nodeBudget;
    this.exactBudget = opts.exactBudget;
    this.solverTableBits = opts.solverTableBits;
  }

  static compile(build: WasmBuild = 'release', source?: EngineSource): Promise<WebAssembly.Module> {
    return compileWasm('strong', build, source);
  }
  static async create(opts: StrongEngineOptions = {}): Promise<StrongEngine> {
    const module = await StrongEngine.compile(opts.build ?? 'release', opts.source);
    return StrongEngine.fromModule(module, opts);
  }
  static async fromModule(module: WebAssembly.Module, opts: StrongEngineOptions = {}): Promise<StrongEngine> {
    const boardSize = intIn(opts.boardSize, 4, 3, 8, 'boardSize');
    const goal = intIn(opts.goal, 3, 3, boardSize, 'goal');
    const exactCells = intIn(opts.exactCells, 16, 0, 24, 'exactCells');
    const nodeBudget = intIn(opts.nodeBudget, 200_000, 1, INT_MAX, 'nodeBudget');
    const exactBudget = intIn(opts.exactBudget, 2_000_000, 1, Number.MAX_SAFE_INTEGER, 'exactBudget');
    const solverTableBits = intIn(opts.solverTableBits, 20, 16, 26, 'solverTableBits');
    const hooks: Hooks = { progress: null };
    const instance = await instantiateEngine(module, {
      env: { solveProgress: (nodes: number, rootDone: number, rootMoves: number) => hooks.progress?.({ nodes, rootDone, rootMoves }) },
    });
    return new StrongEngine(instance.exports as unknown as Exports, hooks, { boardSize, goal, exactCells, nodeBudget, exactBudget, solverTableBits });
  }

  /** @returns the number of empty cells */
  private load(board: string): number {
    if (typeof board !== 'string' || board.length !== this.cells || !/^[ OX]*$/.test(board)) {
      throw new TypeError(`a ${this.boardSize}x${this.boardSize} board is ${this.cells} characters of ' ', 'O', 'X': ${JSON.stringify(board)}`);
    }
    // two 32-bit halves per side: numbers, not BigInt, on the per-move path
    let oLo = 0;
    let oHi = 0;
    let xLo = 0;
    let xHi = 0;
    let empties = 0;
    for (let i = 0; i < this.cells; i++) {
      const c = board.charCodeAt(i);
      if (c === 0x4f) i < 32 ? (oLo |= 1 << i) : (oHi |= 1 << (i - 32));
      else if (c === 0x58) i < 32 ? (xLo |= 1 << i) : (xHi |= 1 << (i - 32));
      else empties++;
    }
    this.x.setBoard(oLo, oHi, xLo, xHi);
    // the solver's table is taken from memory only when a position needs it
    if (empties > this.exactCells && !this.solverReady) this.reserveSolver();
    return empties;
  }
  private reserveSolver(): void {
    this.x.solveTable(this.solverTableBits);
    this.solverReady = true;
  }
  private static side(p: Player): number {
    if (p !== 'O' && p !== 'X') throw new TypeError(`player must be 'O' or 'X': ${JSON.stringify(p)}`);
    return p === 'O' ? 0 : 1;
  }

  /** The best move for `player`: an optimal one where the search is exact. -1 when the game is over. */
  bestMove(board: string, player: Player): number {
    this.load(board);
    const m = this.x.bestMove(StrongEngine.side(player), this.exactCells, this.nodeBudget, Math.min(this.exactBudget, INT_MAX));
    this.nodes = this.x.lastNodes();
    return m;
  }
  /**
   * The exact value of the position for `player` (to move) and how many plies the game lasts
   * with perfect play. Any board: the solver settles win, draw or loss (by symmetry, threats and
   * the lines each side can still fill); a win or a loss is then measured by the distance search.
   * Throws RangeError when the game is already over or the answer takes more than exactBudget
   * nodes; `onProgress` hears of a long solve about once a second.
   */
  solve(board: string, player: Player, opts: { onProgress?: (p: SolveProgress) => void } = {}): Solution {
    const empties = this.load(board);
    const side = StrongEngine.side(player);
    if (!this.solverReady) this.reserveSolver();
    this.hooks.progress = opts.onProgress ?? null;
    let v: number;
    try {
      v = this.x.solve(side, this.exactBudget);
    } finally {
      this.hooks.progress = null;
    }
    this.nodes = this.x.solveNodes();
    if (v === -3) throw new RangeError('the game is already over');
    if (v === -2) throw new RangeError(`not solved within ${this.exactBudget} nodes`);
    if (v === 0) return { value: 'draw', plies: empties };
    // a win or a loss: its length, exactly where the distance search reaches, else by deepening
    const left = this.exactBudget - this.nodes;
    const exact = empties <= this.exactCells;
    if (left >= 1) {
      const budget = Math.min(left, INT_MAX);
      // (no solver inside: it has just answered)
      this.x.bestMove(side, exact ? this.exactCells : 0, budget, exact ? budget : 0);
      this.nodes += this.x.lastNodes();
    }
    const s = this.x.lastScore();
    const mate = this.win - Math.abs(s);
    if (left < 1 || mate > empties || (s > 0) !== (v > 0)) {
      throw new RangeError(`a ${v > 0 ? 'win' : 'loss'} for ${player}, but its length was not found within ${this.exactBudget} nodes`);
    }
    return { value: v > 0 ? 'win' : 'loss', plies: mate };
  }
  /** Forgets every position searched so far (the transposition table), e.g. before timing. */
  clearTable(): void {
    this.x.clearTable();
  }
  /** nodes the last bestMove() or solve() visited */
  get lastNodes(): number {
    return this.nodes;
  }
}
