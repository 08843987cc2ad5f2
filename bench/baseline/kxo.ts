// kxo's two AIs in plain TypeScript, bit-exact to sysprog21/kxo (kxo §6–§9): the baseline the
// WASM engine (assembly/kxo) is benchmarked against. Not shipped. u64 values are two u32 halves;
// all fixed-point arithmetic wraps at 2^32 as in C.

const N_GRIDS = 16;
const ITERATIONS = 100000;
const MAX_NODES = 1 + N_GRIDS * ITERATIONS;
const O = 0x4f;
const X = 0x58;
const SPACE = 0x20;

/** 24 segments × 3 cells in check_win's scan order (kxo §6). */
const SEG: Int8Array = (() => {
  const s: number[] = [];
  const line = (i: number, j: number, di: number, dj: number) => {
    for (let t = 0; t < 3; t++) s.push((i + di * t) * 4 + (j + dj * t));
  };
  for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) line(i, j, 0, 1);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) line(i, j, 1, 0);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) line(i, j, 1, 1);
  for (let i = 0; i < 2; i++) for (let j = 2; j < 4; j++) line(i, j, 1, -1);
  return Int8Array.from(s);
})();

/** check_win on a byte board: 0x20 while on, 'O'/'X' codes, or 'D' (0x44). */
function checkWinB(b: Uint8Array): number {
  for (let s = 0; s < 72; s += 3) {
    const w = b[SEG[s]!]!;
    if (w !== SPACE && w === b[SEG[s + 1]!] && w === b[SEG[s + 2]!]) return w;
  }
  for (let i = 0; i < N_GRIDS; i++) if (b[i] === SPACE) return SPACE;
  return 0x44;
}

// see: kxo game.c get_score — per segment 1/10/100 for p, -1/-10/-100 for the opponent, mixed 0
function getScoreB(b: Uint8Array, p: number): number {
  let total = 0;
  for (let s = 0; s < 72; s += 3) {
    let score = 0;
    for (let k = 0; k < 3; k++) {
      const c = b[SEG[s + k]!]!;
      if (c === p) {
        if (score < 0) {
          score = 0;
          break;
        }
        score = score ? score * 10 : 1;
      } else if (c !== SPACE) {
        if (score > 0) {
          score = 0;
          break;
        }
        score = score ? score * 10 : -1;
      }
    }
    total += score;
  }
  return total;
}

/** calculate_win_value in 8.8 fixed point: 256 win, 0 loss, 128 otherwise. */
function winValue(w: number, p: number): number {
  if (w === p) return 256;
  if (w === (p ^ O ^ X)) return 0;
  return 128;
}

// see: kxo mcts.c fixed_sqrt — observed: kxo §8 — bits tried only up to x's own top bit
export function fixedSqrt(x: number): number {
  x >>>= 0;
  if (x === 0 || x === 256) return x;
  let s = 0;
  for (let t = 2 ** (31 - Math.clz32(x)); t >= 1; t /= 2) {
    const c = (s + t) >>> 0;
    if ((Math.imul(c, c) >>> 0) >>> 8 <= x) s = c;
  }
  return s >>> 0;
}

// see: kxo mcts.c fixed_log — sign-magnitude, and the << 8 wraps once |v - 256| >= 2^24 (observed: kxo §8)
export function fixedLog(v: number): number {
  v >>>= 0;
  if (v === 0 || v === 256) return 0;
  let num = (v - 256) >>> 0;
  const neg = num >= 0x80000000;
  if (neg) num = (0x80000000 - (num & 0x7fffffff)) >>> 0;
  const y = Math.floor(((num << 8) >>> 0) / ((v + 256) >>> 0)) >>> 0;
  let ans = 0;
  for (let i = 1; i < 20; i += 2) {
    let z = 256;
    for (let j = 0; j < i; j++) z = (Math.imul(z, y) >>> 0) >>> 8;
    z = Math.floor(((z << 8) >>> 0) / ((i << 8) >>> 0));
    ans = (ans + z) >>> 0;
  }
  ans = (ans << 1) >>> 0;
  return neg ? (ans | 0x80000000) >>> 0 : ans;
}

/** EXPLORATION_FACTOR = fixed_sqrt(1 << 9) = 362: √2 in 8.8 fixed point. */
export const EXPLORATION_FACTOR = fixedSqrt(512);

// see: kxo mcts.c uct_score — observed: kxo §8 — precedence makes the exploit term the raw score sum
export function uctScore(nTotal: number, nVisits: number, score: number): number {
  if (nVisits === 0) return 0xffffffff;
  const explore = (Math.imul(EXPLORATION_FACTOR, fixedSqrt(Math.floor(fixedLog((nTotal << 8) >>> 0) / (nVisits >>> 0)))) >>> 0) >>> 8;
  return (score + explore) >>> 0;
}

/** u64 as two u32 halves. */
function rotlHi(hi: number, lo: number, k: number): number {
  return k < 32 ? ((hi << k) | (lo >>> (32 - k))) >>> 0 : ((lo << (k - 32)) | (hi >>> (64 - k))) >>> 0;
}
function rotlLo(hi: number, lo: number, k: number): number {
  return k < 32 ? ((lo << k) | (hi >>> (32 - k))) >>> 0 : ((hi << (k - 32)) | (lo >>> (64 - k))) >>> 0;
}

/** kxo's xoroshiro: update 24/16/37, output rotl(s0 + s1, 24) + s0 (kxo §9). */
class Xoro {
  h0 = 0;
  l0 = 0;
  h1 = 0;
  l1 = 0;
  outHi = 0;
  outLo = 0;

  seed(s0: bigint, s1: bigint): void {
    this.h0 = Number(s0 >> 32n) >>> 0;
    this.l0 = Number(s0 & 0xffffffffn) >>> 0;
    this.h1 = Number(s1 >> 32n) >>> 0;
    this.l1 = Number(s1 & 0xffffffffn) >>> 0;
  }
  get state(): [bigint, bigint] {
    return [(BigInt(this.h0) << 32n) | BigInt(this.l0), (BigInt(this.h1) << 32n) | BigInt(this.l1)];
  }
  /** advances; the output lands in outHi/outLo */
  next(): void {
    const { h0, l0, h1, l1 } = this;
    const sl = l0 + l1;
    const sLo = sl >>> 0;
    const sHi = (h0 + h1 + (sl > 0xffffffff ? 1 : 0)) >>> 0;
    const rHi = rotlHi(sHi, sLo, 24);
    const rLo = rotlLo(sHi, sLo, 24);
    const ol = rLo + l0;
    this.outLo = ol >>> 0;
    this.outHi = (rHi + h0 + (ol > 0xffffffff ? 1 : 0)) >>> 0;
    const tHi = (h1 ^ h0) >>> 0;
    const tLo = (l1 ^ l0) >>> 0;
    this.h0 = (rotlHi(h0, l0, 24) ^ tHi ^ (((tHi << 16) | (tLo >>> 16)) >>> 0)) >>> 0;
    this.l0 = (rotlLo(h0, l0, 24) ^ tLo ^ ((tLo << 16) >>> 0)) >>> 0;
    this.h1 = rotlHi(tHi, tLo, 37);
    this.l1 = rotlLo(tHi, tLo, 37);
  }
  // see: kxo xoroshiro.c xoro_jump — XOR the current state in for each set bit, LSB first
  jump(): void {
    const J = [0xd8f554a5, 0xdf900294, 0x4b3201fc, 0x170865df]; // lo, hi of each constant
    let a = 0, b = 0, c = 0, d = 0;
    for (let w = 0; w < 4; w++) {
      for (let bit = 0; bit < 32; bit++) {
        if ((J[w]! >>> bit) & 1) {
          a ^= this.h0;
          b ^= this.l0;
          c ^= this.h1;
          d ^= this.l1;
        }
        this.next();
      }
    }
    this.h0 = a >>> 0;
    this.l0 = b >>> 0;
    this.h1 = c >>> 0;
    this.l1 = d >>> 0;
  }
  /** next() % n with 64-bit modulo */
  nextMod(n: number): number {
    this.next();
    return ((this.outHi % n) * (4294967296 % n) + (this.outLo % n)) % n;
  }
}

export const XORO_SEED: readonly [bigint, bigint] = [314159265n, 1618033989n];

/** The v6.11+ lib/sort.c heapsort (bottom-up, double pop, right child on ties): ties decide moves (kxo §7). */
export function kernelSort(a: Int32Array, num: number, cmp: (x: number, y: number) => number): void {
  let n = num;
  let i = num >> 1;
  let shift = 0;
  if (!i) return;
  const swap = (p: number, q: number) => {
    const t = a[p]!;
    a[p] = a[q]!;
    a[q] = t;
  };
  for (;;) {
    if (i) i -= 1 << shift;
    else if (n > 3) {
      n--;
      swap(0, n);
      shift = cmp(a[1]!, a[2]!) <= 0 ? 1 : 0;
      i = 1 << shift;
      n--;
      swap(i, n);
    } else break;
    let b = i;
    let c: number;
    let d: number;
    for (; (c = 2 * b + 1), (d = c + 1) < n; ) b = cmp(a[c]!, a[d]!) > 0 ? c : d;
    if (d === n) b = c;
    while (b !== i && cmp(a[i]!, a[b]!) >= 0) b = (b - 1) >> 1;
    c = b;
    while (b !== i) {
      b = (b - 1) >> 1;
      swap(b, c);
    }
  }
  n--;
  swap(0, n);
  if (n === 2 && cmp(a[0]!, a[1]!) > 0) swap(0, 1);
}

export interface MctsInfo {
  nodes: number;
  rootVisits: number;
  children: Array<{ move: number; visits: number; score: number }>;
}

export class KxoEngineTs {
  private readonly board = new Uint8Array(N_GRIDS);
  private readonly xoro = new Xoro();
  // negamax
  private readonly keyHi = new Uint32Array(32);
  private readonly keyLo = new Uint32Array(32);
  private hashHi = 0;
  private hashLo = 0;
  private readonly tt = new Map<number, number>();
  private readonly histSum = new Int32Array(N_GRIDS);
  private readonly histCount = new Int32Array(N_GRIDS);
  private readonly movesBuf = new Int32Array(N_GRIDS * 8);
  // mcts node pool: children of a node are packed contiguously
  private readonly nMove = new Int8Array(MAX_NODES);
  private readonly nPlayer = new Uint8Array(MAX_NODES);
  private readonly nVisits = new Int32Array(MAX_NODES);
  private readonly nScore = new Uint32Array(MAX_NODES);
  private readonly nParent = new Int32Array(MAX_NODES);
  private readonly nFirst = new Int32Array(MAX_NODES);
  private readonly nCount = new Uint8Array(MAX_NODES);
  private nodes = 0;
  lastMcts: MctsInfo | null = null;

  constructor() {
    this.xoro.seed(...XORO_SEED);
    // Zobrist keys from a fixed seed (never a clock: kxo §7); 53-bit keys keep Map lookups exact
    let s = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 32; i++) {
      s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      let z = s;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
      z ^= z >> 31n;
      this.keyHi[i] = Number((z >> 32n) & 0x1fffffn);
      this.keyLo[i] = Number(z & 0xffffffffn);
    }
  }

  get xoroState(): [bigint, bigint] {
    return this.xoro.state;
  }
  set xoroState(v: [bigint, bigint]) {
    this.xoro.seed(v[0], v[1]);
  }
  xoroNext(): bigint {
    this.xoro.next();
    return (BigInt(this.xoro.outHi) << 32n) | BigInt(this.xoro.outLo);
  }
  xoroJump(): void {
    this.xoro.jump();
  }
  checkWin(board: string): string {
    this.load(board);
    return String.fromCharCode(checkWinB(this.board));
  }
  getScore(board: string, player: 'O' | 'X'): number {
    this.load(board);
    return getScoreB(this.board, player.charCodeAt(0));
  }

  private load(board: string): void {
    if (board.length !== N_GRIDS || !/^[ OX]*$/.test(board)) throw new TypeError(`bad board ${JSON.stringify(board)}`);
    for (let i = 0; i < N_GRIDS; i++) this.board[i] = board.charCodeAt(i);
  }

  // ---- negamax (kxo §7) ----
  negamaxPredict(board: string, player: 'O' | 'X'): { score: number; move: number } {
    this.load(board);
    this.histSum.fill(0);
    this.histCount.fill(0);
    let r = { score: 0, move: -1 };
    for (let depth = 2; depth <= 6; depth += 2) {
      this.hashHi = this.hashLo = 0;
      r = this.negamax(depth, player.charCodeAt(0), -100000, 100000, 0);
      this.tt.clear();
    }
    return r;
  }

  private cmpMoves = (a: number, b: number): number => {
    const avg = (m: number) => (this.histCount[m] ? Math.trunc(this.histSum[m]! / this.histCount[m]!) : 0);
    return avg(b) - avg(a);
  };

  // see: kxo negamax.c negamax — PVS; the re-search window uses -score (kxo §7)
  private negamax(depth: number, p: number, alpha: number, beta: number, ply: number): { score: number; move: number } {
    const b = this.board;
    if (checkWinB(b) !== SPACE || depth === 0) return { score: getScoreB(b, p), move: -1 };
    // observed: kxo §7 — the TT ignores depth and bounds; the key is the stones added since the root
    const key = this.hashHi * 4294967296 + this.hashLo;
    const hit = this.tt.get(key);
    if (hit !== undefined) return { score: Math.floor(hit / 32), move: (hit & 31) - 1 };
    const moves = this.movesBuf.subarray(ply * N_GRIDS, ply * N_GRIDS + N_GRIDS);
    let n = 0;
    for (let i = 0; i < N_GRIDS; i++) if (b[i] === SPACE) moves[n++] = i;
    kernelSort(moves, n, this.cmpMoves);
    let bestScore = -10000;
    let bestMove = -1;
    const opp = p ^ O ^ X;
    const side = p === X ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const m = moves[i]!;
      b[m] = p;
      this.hashHi ^= this.keyHi[m * 2 + side]!;
      this.hashLo = (this.hashLo ^ this.keyLo[m * 2 + side]!) >>> 0;
      let score: number;
      if (i === 0) score = -this.negamax(depth - 1, opp, -beta, -alpha, ply + 1).score | 0;
      else {
        score = -this.negamax(depth - 1, opp, -alpha - 1, -alpha, ply + 1).score | 0;
        if (alpha < score && score < beta) score = -this.negamax(depth - 1, opp, -beta, -score, ply + 1).score | 0;
      }
      this.histCount[m]!++;
      this.histSum[m]! += score;
      if (score > bestScore) {
        bestScore = score;
        bestMove = m;
      }
      b[m] = SPACE;
      this.hashHi ^= this.keyHi[m * 2 + side]!;
      this.hashLo = (this.hashLo ^ this.keyLo[m * 2 + side]!) >>> 0;
      if (score > alpha) alpha = score;
      if (alpha >= beta) break;
    }
    this.tt.set(key, bestScore * 32 + (bestMove + 1));
    return { score: bestScore, move: bestMove };
  }

  // ---- MCTS (kxo §8) ----
  private newNode(move: number, player: number, parent: number): number {
    const i = this.nodes++;
    this.nMove[i] = move;
    this.nPlayer[i] = player;
    this.nVisits[i] = 0;
    this.nScore[i] = 0;
    this.nParent[i] = parent;
    this.nCount[i] = 0;
    return i;
  }

  // observed: kxo §8 — s alternates with 1 - s in u32 (1, not 256)
  private backpropagate(node: number, score: number): void {
    for (let n = node; n >= 0; n = this.nParent[n]!) {
      this.nVisits[n]!++;
      this.nScore[n] = (this.nScore[n]! + score) >>> 0;
      score = (1 - score) >>> 0;
    }
  }

  private simulate(table: Uint8Array, player: number): number {
    const t = this.simBoard;
    t.set(table);
    this.xoro.jump();
    let cur = player;
    const moves = this.simMoves;
    for (;;) {
      let n = 0;
      for (let i = 0; i < N_GRIDS; i++) if (t[i] === SPACE) moves[n++] = i;
      if (n === 0) return 128;
      t[moves[this.xoro.nextMod(n)]!] = cur;
      const w = checkWinB(t);
      // observed: kxo §8 — scored for the side to move at the node, not the side that moved into it
      if (w !== SPACE) return winValue(w, player);
      cur ^= O ^ X;
    }
  }
  private readonly simBoard = new Uint8Array(N_GRIDS);
  private readonly simMoves = new Int32Array(N_GRIDS);
  private readonly iterBoard = new Uint8Array(N_GRIDS);

  private select(node: number): number {
    let best = -1;
    let bestScore = 0;
    const first = this.nFirst[node]!;
    const total = this.nVisits[node]!;
    for (let c = first; c < first + this.nCount[node]!; c++) {
      const s = uctScore(total, this.nVisits[c]!, this.nScore[c]!);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  mcts(board: string, player: 'O' | 'X'): number {
    this.load(board);
    this.nodes = 0;
    const root = this.newNode(-1, player.charCodeAt(0), -1);
    const t = this.iterBoard;
    for (let it = 0; it < ITERATIONS; it++) {
      let node = root;
      t.set(this.board);
      for (;;) {
        const w = checkWinB(t);
        if (w !== SPACE) {
          // observed: kxo §8 — terminal nodes are scored for the player who moved into them
          this.backpropagate(node, winValue(w, this.nPlayer[node]! ^ O ^ X));
          break;
        }
        if (this.nVisits[node] === 0) {
          this.backpropagate(node, this.simulate(t, this.nPlayer[node]!));
          break;
        }
        if (this.nCount[node] === 0) {
          this.nFirst[node] = this.nodes;
          const childPlayer = this.nPlayer[node]! ^ O ^ X;
          let k = 0;
          for (let i = 0; i < N_GRIDS; i++) if (t[i] === SPACE) (this.newNode(i, childPlayer, node), k++);
          this.nCount[node] = k;
        }
        const next = this.select(node);
        if (next < 0) {
          // observed: kxo §8 — select_move found nothing: mcts gives up with -1 (the C leaks the tree)
          this.lastMcts = this.info(root);
          return -1;
        }
        node = next;
        t[this.nMove[node]!] = this.nPlayer[node]! ^ O ^ X;
      }
    }
    this.lastMcts = this.info(root);
    let best = -1;
    let most = -1;
    const first = this.nFirst[root]!;
    for (let c = first; c < first + this.nCount[root]!; c++) {
      if (this.nVisits[c]! > most) {
        most = this.nVisits[c]!;
        best = this.nMove[c]!;
      }
    }
    return best;
  }

  private info(root: number): MctsInfo {
    const children: MctsInfo['children'] = [];
    const first = this.nFirst[root]!;
    for (let c = first; c < first + this.nCount[root]!; c++) {
      children.push({ move: this.nMove[c]!, visits: this.nVisits[c]!, score: this.nScore[c]! });
    }
    return { nodes: this.nodes, rootVisits: this.nVisits[root]!, children };
  }
}
