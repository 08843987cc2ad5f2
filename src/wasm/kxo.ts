// Host side of the kxo engine (assembly/kxo): boards are written into the engine's board slot
// as size² bytes (16 on kxo's 4x4); results come back as numbers. u64 crosses as bigint (read unsigned), u32 with >>> 0.
import { compileWasm, instantiateEngine, type EngineSource, type WasmBuild } from './instance.js';

export type Player = 'O' | 'X';

export interface KxoEngineOptions {
  /** 'release' (-O3, no asserts; the default) or 'test' (bounds-checked) */
  build?: WasmBuild;
  /** where the .wasm comes from instead of the package's build/: a Module, bytes or a URL */
  source?: EngineSource;
  /** board side 3..8 (default 4, kxo's) */
  boardSize?: number;
  /** stones in a row that win, 3..boardSize (default 3, kxo's) */
  goal?: number;
}

export interface MctsStats {
  nodes: number;
  rootVisits: number;
  children: Array<{ move: number; visits: number; score: number }>;
}

// The bindings' types come from what asc generates (build/kxo.release.d.ts), so the boundary
// cannot drift from the engine: a renamed export or a changed type fails the TypeScript build.
type Exports = Awaited<ReturnType<typeof import('../../build/kxo.release.js').instantiate>>;

const u64 = (v: bigint) => BigInt.asUintN(64, v);

export class KxoEngine {
  lastMcts: MctsStats | null = null;
  private readonly board: number;
  private size = 4;
  private goalLen = 3;

  private constructor(private readonly x: Exports, readonly build: WasmBuild) {
    this.board = x.init() >>> 0;
  }

  /** Board side (4 unless configured). */
  get boardSize(): number {
    return this.size;
  }
  get goal(): number {
    return this.goalLen;
  }
  /**
   * Switches the shape for every later call. kxo's limits scale with it so a move costs about
   * what kxo's does on 4x4: MCTS runs 100000 × (16 / cells)³ iterations (kxo's 100000 up to 16
   * cells, 26214 on 5x5, 1562 on 8x8) and negamax deepens to 6 plies up to 16 cells, 4 beyond.
   */
  configure(boardSize: number, goal: number): void {
    if (!Number.isInteger(boardSize) || !Number.isInteger(goal) || this.x.configure(boardSize, goal) < 0) {
      throw new RangeError(`boardSize must be an integer in 3..8 and goal in 3..boardSize: ${String(boardSize)}, ${String(goal)}`);
    }
    this.size = boardSize;
    this.goalLen = goal;
  }
  get mctsIterations(): number {
    return this.x.mctsIterations();
  }
  get negamaxDepth(): number {
    return this.x.negamaxDepth();
  }

  /** Compiles the engine (release: -O3, no asserts; test: bounds-checked), or the given source. */
  static compile(build: WasmBuild = 'release', source?: EngineSource): Promise<WebAssembly.Module> {
    return compileWasm('kxo', build, source);
  }
  /** One engine with its own linear memory (negamax_init + mcts_init done). */
  static async fromModule(module: WebAssembly.Module, build: WasmBuild = 'release'): Promise<KxoEngine> {
    const instance = await instantiateEngine(module);
    return new KxoEngine(instance.exports as unknown as Exports, build);
  }
  /** Compiles (or takes `source`) and instantiates one engine. */
  static async create(opts: KxoEngineOptions = {}): Promise<KxoEngine> {
    const build = opts.build ?? 'release';
    const e = await KxoEngine.fromModule(await KxoEngine.compile(build, opts.source), build);
    if (opts.boardSize !== undefined || opts.goal !== undefined) e.configure(opts.boardSize ?? 4, opts.goal ?? 3);
    return e;
  }

  /** Bytes of linear memory the engine holds (allocated once, at init). */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  private load(board: string): void {
    const n = this.size * this.size;
    if (typeof board !== 'string' || board.length !== n || !/^[ OX]*$/.test(board)) {
      throw new TypeError(`a ${this.size}x${this.size} board is ${n} characters of ' ', 'O', 'X': ${JSON.stringify(board)}`);
    }
    const mem = new Uint8Array(this.x.memory.buffer, this.board, n);
    for (let i = 0; i < n; i++) mem[i] = board.charCodeAt(i);
  }
  private static player(p: Player): number {
    if (p !== 'O' && p !== 'X') throw new TypeError(`player must be 'O' or 'X': ${JSON.stringify(p)}`);
    return p.charCodeAt(0);
  }

  checkWin(board: string): ' ' | 'O' | 'X' | 'D' {
    this.load(board);
    return String.fromCharCode(this.x.checkWin()) as ' ' | 'O' | 'X' | 'D';
  }
  getScore(board: string, player: Player): number {
    this.load(board);
    return this.x.getScore(KxoEngine.player(player));
  }
  fixedSqrt(x: number): number {
    return this.x.fixedSqrt(x) >>> 0;
  }
  fixedLog(x: number): number {
    return this.x.fixedLog(x) >>> 0;
  }
  uctScore(nTotal: number, nVisits: number, score: number): number {
    return this.x.uctScore(nTotal, nVisits, score) >>> 0;
  }

  get xoroState(): [bigint, bigint] {
    return [u64(this.x.xoroGet0()), u64(this.x.xoroGet1())];
  }
  set xoroState(v: [bigint, bigint]) {
    this.x.xoroSet(BigInt.asIntN(64, v[0]), BigInt.asIntN(64, v[1]));
  }
  xoroNext(): bigint {
    return u64(this.x.xoroNext());
  }
  xoroJump(): void {
    this.x.xoroJump();
  }

  /** negamax_predict(board, player): the last result of iterative deepening (depth 6 on 4x4). */
  negamaxPredict(board: string, player: Player): { score: number; move: number } {
    this.load(board);
    const move = this.x.negamaxPredict(KxoEngine.player(player));
    return { score: this.x.lastScore(), move };
  }

  /** The Zobrist keys of the board in use, [cell][side] flattened (side 0 = 'O'): fixed for the engine's life. */
  zobristKeys(): bigint[] {
    return Array.from({ length: 2 * this.size * this.size }, (_, i) => BigInt.asUintN(64, this.x.zobristKey(i >> 1, i & 1)));
  }

  /** mcts(board, player): the most visited root child's move, or -1; fills lastMcts. */
  mcts(board: string, player: Player): number {
    this.load(board);
    const move = this.x.mcts(KxoEngine.player(player));
    const n = this.x.mctsRootChildren();
    const v = new DataView(this.x.memory.buffer, this.x.childrenPtr() >>> 0, 64 * 12);
    const children = Array.from({ length: n }, (_, i) => ({
      move: v.getInt32(i * 12, true),
      visits: v.getInt32(i * 12 + 4, true),
      score: v.getUint32(i * 12 + 8, true),
    }));
    this.lastMcts = { nodes: this.x.mctsNodes(), rootVisits: this.x.mctsRootVisits(), children };
    return move;
  }
}
