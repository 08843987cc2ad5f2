// Host side of the kxo engine (assembly/kxo): boards are written into the engine's board slot
// as 16 bytes; results come back as numbers. u64 crosses as bigint (read unsigned), u32 with >>> 0.
import { compileWasm, instantiateEngine, type EngineSource, type WasmBuild } from './instance.js';

export type Player = 'O' | 'X';

export interface KxoEngineOptions {
  /** 'release' (-O3, no asserts; the default) or 'test' (bounds-checked) */
  build?: WasmBuild;
  /** where the .wasm comes from instead of the package's build/: a Module, bytes or a URL */
  source?: EngineSource;
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

  private constructor(private readonly x: Exports, readonly build: WasmBuild) {
    this.board = x.init() >>> 0;
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
    return KxoEngine.fromModule(await KxoEngine.compile(build, opts.source), build);
  }

  /** Bytes of linear memory the engine holds (allocated once, at init). */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  private load(board: string): void {
    if (typeof board !== 'string' || board.length !== 16 || !/^[ OX]{16}$/.test(board)) {
      throw new TypeError(`a kxo board is 16 characters of ' ', 'O', 'X': ${JSON.stringify(board)}`);
    }
    const mem = new Uint8Array(this.x.memory.buffer, this.board, 16);
    for (let i = 0; i < 16; i++) mem[i] = board.charCodeAt(i);
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

  /** negamax_predict(board, player): the depth-6 result of iterative deepening. */
  negamaxPredict(board: string, player: Player): { score: number; move: number } {
    this.load(board);
    const move = this.x.negamaxPredict(KxoEngine.player(player));
    return { score: this.x.lastScore(), move };
  }

  /** The 32 Zobrist keys, [cell][side] flattened (side 0 = 'O'): fixed for the engine's life. */
  zobristKeys(): bigint[] {
    return Array.from({ length: 32 }, (_, i) => BigInt.asUintN(64, this.x.zobristKey(i >> 1, i & 1)));
  }

  /** mcts(board, player): the most visited root child's move, or -1; fills lastMcts. */
  mcts(board: string, player: Player): number {
    this.load(board);
    const move = this.x.mcts(KxoEngine.player(player));
    const n = this.x.mctsRootChildren();
    const v = new DataView(this.x.memory.buffer, this.x.childrenPtr() >>> 0, 16 * 12);
    const children = Array.from({ length: n }, (_, i) => ({
      move: v.getInt32(i * 12, true),
      visits: v.getInt32(i * 12 + 4, true),
      score: v.getUint32(i * 12 + 8, true),
    }));
    this.lastMcts = { nodes: this.x.mctsNodes(), rootVisits: this.x.mctsRootVisits(), children };
    return move;
  }
}
