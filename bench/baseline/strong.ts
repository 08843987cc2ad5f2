// The strong engine's algorithm in plain TypeScript (the benchmark baseline for assembly/strong):
// the same alpha-beta, win scores, transposition table and move order, with 32-bit bitboards
// (boards up to 5x5), so the comparison measures WebAssembly, not a different algorithm.
const WIN = 1000000;
const MATE_BOUND = WIN - 1000;
const INF = 0x7fffffff;
const EXACT = 255;
const TT_BITS = 20;
const TT_EXACT = 1;
const TT_LOWER = 2;
const TT_UPPER = 3;

export class StrongEngineTs {
  private readonly cells: number;
  private readonly full: number;
  private readonly lines: number[] = [];
  private readonly cellLines: number[][];
  private readonly order: number[];
  private readonly zob: Uint32Array;
  // TT: key (two u32 halves), score, move/depth/flag/gen packed
  private readonly ttKeyLo = new Uint32Array(1 << TT_BITS);
  private readonly ttKeyHi = new Uint32Array(1 << TT_BITS);
  private readonly ttScore = new Int32Array(1 << TT_BITS);
  private readonly ttMeta = new Uint32Array(1 << TT_BITS);
  private readonly moves: Uint8Array;
  private gen = 1;
  private bo = 0;
  private bx = 0;
  private hlo = 0;
  private hhi = 0;
  private rootBest = -1;
  lastScore = 0;

  constructor(readonly size = 4, readonly goal = 3) {
    if (size * size > 32) throw new RangeError('the TS baseline takes boards up to 5x5');
    this.cells = size * size;
    this.full = this.cells === 32 ? 0xffffffff : 2 ** this.cells - 1;
    this.cellLines = Array.from({ length: this.cells }, () => []);
    for (const [dr, dc] of [[0, 1], [1, 0], [1, 1], [1, -1]] as const) {
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const er = r + dr * (goal - 1);
          const ec = c + dc * (goal - 1);
          if (er < 0 || er >= size || ec < 0 || ec >= size) continue;
          let m = 0;
          for (let k = 0; k < goal; k++) m |= 1 << ((r + dr * k) * size + (c + dc * k));
          for (let k = 0; k < goal; k++) this.cellLines[(r + dr * k) * size + (c + dc * k)]!.push(this.lines.length);
          this.lines.push(m >>> 0);
        }
      }
    }
    const mid = (size - 1) / 2;
    const dist = (c: number) => Math.abs(Math.floor(c / size) - mid) + Math.abs((c % size) - mid);
    this.order = Array.from({ length: this.cells }, (_, i) => i).sort((a, b) => dist(a) - dist(b) || a - b);
    this.zob = new Uint32Array(this.cells * 4);
    let s = 0x5eed;
    for (let i = 0; i < this.zob.length; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      this.zob[i] = (t ^ (t >>> 14)) >>> 0;
    }
    this.moves = new Uint8Array(65 * this.cells);
  }

  private winsAt(mine: number, cell: number): boolean {
    const w = (mine | (1 << cell)) >>> 0;
    for (const l of this.cellLines[cell]!) {
      const m = this.lines[l]!;
      if ((w & m) >>> 0 === m) return true;
    }
    return false;
  }
  private hasLine(stones: number): boolean {
    return this.lines.some((m) => (stones & m) >>> 0 === m);
  }
  private flip(cell: number, me: number): void {
    this.hlo ^= this.zob[(cell * 2 + me) * 2]!;
    this.hhi ^= this.zob[(cell * 2 + me) * 2 + 1]!;
  }

  private search(ply: number, depth: number, alpha: number, beta: number, me: number): number {
    const mine = me === 0 ? this.bo : this.bx;
    const theirs = me === 0 ? this.bx : this.bo;
    const empty = (this.full & ~(this.bo | this.bx)) >>> 0;
    if (empty === 0) return 0;
    if (alpha >= WIN - (ply + 1)) return alpha;
    let threat = -1;
    let threats = 0;
    for (const c of this.order) {
      if (!(empty & (1 << c))) continue;
      if (this.winsAt(mine, c)) {
        if (ply === 0) this.rootBest = c;
        return WIN - (ply + 1);
      }
      if (this.winsAt(theirs, c)) {
        threats++;
        if (threat < 0) threat = c;
      }
    }
    if (threats >= 2) {
      if (ply === 0) this.rootBest = threat;
      return -(WIN - (ply + 2));
    }
    const alpha0 = alpha;
    const klo = (this.hlo ^ (me ? 0x7f4a7c15 : 0)) >>> 0;
    const khi = (this.hhi ^ (me ? 0x9e3779b9 : 0)) >>> 0;
    const slot = klo & ((1 << TT_BITS) - 1);
    let ttMove = -1;
    const meta = this.ttMeta[slot]!;
    if (this.ttKeyLo[slot] === klo && this.ttKeyHi[slot] === khi && meta >>> 24 === this.gen) {
      let s = this.ttScore[slot]!;
      if (s > MATE_BOUND) s -= ply;
      else if (s < -MATE_BOUND) s += ply;
      ttMove = meta & 0xff;
      if (((meta >>> 8) & 0xff) >= depth) {
        const flag = (meta >>> 16) & 0xff;
        if (flag === TT_EXACT) {
          if (ply === 0) this.rootBest = ttMove;
          return s;
        }
        if (flag === TT_LOWER && s > alpha) alpha = s;
        else if (flag === TT_UPPER && s < beta) beta = s;
        if (alpha >= beta) {
          if (ply === 0) this.rootBest = ttMove;
          return s;
        }
      }
    }
    const base = ply * this.cells;
    let n = 0;
    if (threat >= 0) this.moves[base + n++] = threat;
    else {
      if (ttMove >= 0 && ttMove < this.cells && empty & (1 << ttMove)) this.moves[base + n++] = ttMove;
      for (const c of this.order) if (c !== ttMove && empty & (1 << c)) this.moves[base + n++] = c;
    }
    let best = -INF;
    let bestMove = this.moves[base]!;
    for (let i = 0; i < n; i++) {
      const c = this.moves[base + i]!;
      const bit = 1 << c;
      if (me === 0) this.bo = (this.bo | bit) >>> 0;
      else this.bx = (this.bx | bit) >>> 0;
      this.flip(c, me);
      const s = -this.search(ply + 1, depth - 1, -beta, -alpha, 1 - me);
      this.flip(c, me);
      if (me === 0) this.bo = (this.bo & ~bit) >>> 0;
      else this.bx = (this.bx & ~bit) >>> 0;
      if (s > best) {
        best = s;
        bestMove = c;
        if (ply === 0) this.rootBest = c;
        if (s > alpha) alpha = s;
        if (alpha >= beta) break;
      }
    }
    let stored = best;
    if (stored > MATE_BOUND) stored += ply;
    else if (stored < -MATE_BOUND) stored -= ply;
    this.ttKeyLo[slot] = klo;
    this.ttKeyHi[slot] = khi;
    this.ttScore[slot] = stored;
    const flag = best <= alpha0 ? TT_UPPER : best >= beta ? TT_LOWER : TT_EXACT;
    this.ttMeta[slot] = ((this.gen << 24) | (flag << 16) | (Math.min(depth, 255) << 8) | bestMove) >>> 0;
    return best;
  }

  /** Forgets every position searched so far. */
  clearTable(): void {
    this.gen = (this.gen % 255) + 1;
    // the tag wrapped: old entries could look fresh, so really clear once
    if (this.gen === 1) this.ttMeta.fill(0);
  }

  /** The best move for `player` in `board` (exact search); -1 when the game is over. */
  bestMove(board: string, player: 'O' | 'X'): number {
    this.bo = 0;
    this.bx = 0;
    this.hlo = 0;
    this.hhi = 0;
    for (let i = 0; i < this.cells; i++) {
      if (board[i] === 'O') {
        this.bo |= 1 << i;
        this.flip(i, 0);
      } else if (board[i] === 'X') {
        this.bx |= 1 << i;
        this.flip(i, 1);
      }
    }
    this.bo >>>= 0;
    this.bx >>>= 0;
    if ((this.bo | this.bx) >>> 0 === this.full || this.hasLine(this.bo) || this.hasLine(this.bx)) return -1;
    this.rootBest = -1;
    this.lastScore = this.search(0, EXACT, -INF, INF, player === 'O' ? 0 : 1);
    return this.rootBest;
  }
}
