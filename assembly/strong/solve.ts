// The exact solver: win, draw or loss for the side to move, on any board the engine plays (up to
// 8x8), where search.ts's distance-aware search stops at 16 empty cells. Values are path-free
// (-1, 0, 1), so one table entry serves every route to a position and bounds meet quickly. What
// makes 5x5 boards fit:
//  - symmetry: the table is keyed by the least of the position's 8 symmetric hashes (kept
//    incrementally, one xor per symmetry per stone), so the 8 images of a position share an entry;
//  - live lines: a side whose every unblocked line needs more stones than it has moves left cannot
//    win, so the value is bounded by a draw; neither side able to win is a draw at once;
//  - threats: a win now is taken, two opponent wins-in-one lose, one must be blocked (the only
//    move searched), and a move that makes two wins-in-one at once wins without a search;
//  - ordering: the table's move first, then cells by the lines they serve for both sides;
//  - a two-entry bucket per index: a new result always goes in, over the entry that cost less.
import {
  line, cellLine, cellNLines, zobrist, symCell, setSymCell, setSymInv, symInv, zsym, setZsym,
  symHash, setSymHash, sMoveAt, setSMoveAt, sScore, setSScore, sttAddr, sttMask, sttReady,
} from './layout';
import { size, goal, cells, full, nlines } from './search';

@external("env", "solveProgress")
declare function solveProgress(nodes: f64, rootDone: i32, rootMoves: i32): void;

const F_LOWER: u8 = 1;
const F_UPPER: u8 = 2;
const F_EXACT: u8 = 3;
const SIDE_KEY: u64 = 0x9e3779b97f4a7c15;
/** the host hears of a long solve every 2^22 nodes (about one a second) */
const PROGRESS_MASK: u64 = (1 << 22) - 1;

let so: u64 = 0;
let sx: u64 = 0;
let gen: u8 = 1;
let budget: u64 = 0;
export let snodes: u64 = 0;
export let saborted: bool = false;
/** the root's chosen move: the first in search order that reaches the root's value */
export let sBest: i32 = -1;
let rootDone: i32 = 0;
let rootMoves: i32 = 0;

/** Fills the symmetry tables for the configured size; called by configure(). */
export function solveConfigure(): void {
  const n = size;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const cell = r * n + c;
      const m = n - 1;
      // identity, three rotations, two mirrors, two diagonal reflections
      setSymCell(0, cell, r * n + c);
      setSymCell(1, cell, c * n + (m - r));
      setSymCell(2, cell, (m - r) * n + (m - c));
      setSymCell(3, cell, (m - c) * n + r);
      setSymCell(4, cell, r * n + (m - c));
      setSymCell(5, cell, (m - r) * n + c);
      setSymCell(6, cell, c * n + r);
      setSymCell(7, cell, (m - c) * n + (m - r));
    }
  }
  for (let s = 0; s < 8; s++) {
    for (let cell = 0; cell < cells; cell++) {
      const img = symCell(s, cell);
      setSymInv(s, img, cell);
      setZsym(s, cell, 0, zobrist(img, 0));
      setZsym(s, cell, 1, zobrist(img, 1));
    }
  }
}

/** Forgets the solver's table (O(1): entries of another generation never match). */
export function solveClear(): void {
  gen++;
  if (gen == 0) {
    // the tag wrapped: old entries could look fresh, so really clear once
    if (sttReady()) for (let i = 0; i <= sttMask(); i++) store<u8>(sttAddr(i), 0, 11);
    gen = 1;
  }
}

@inline function place(cell: i32, side: i32): void {
  const bit = <u64>1 << <u64>cell;
  if (side == 0) so ^= bit;
  else sx ^= bit;
  for (let s = 0; s < 8; s++) setSymHash(s, symHash(s) ^ zsym(s, cell, side));
}

@inline function lineWeight(stones: i32): i32 {
  return 1 << (stones * 3);
}

/** Value of the position for `me` to move, within (alpha, beta), both in -1..1. */
function node(ply: i32, alpha: i32, beta: i32, me: i32): i32 {
  if (++snodes > budget) {
    saborted = true;
    return 0;
  }
  if ((snodes & PROGRESS_MASK) == 0) solveProgress(<f64>snodes, rootDone, rootMoves);
  const mine = me == 0 ? so : sx;
  const theirs = me == 0 ? sx : so;
  const empty = full & ~(so | sx);
  const e = <i32>popcnt(empty);
  const myLeft = (e + 1) >> 1;
  const theirLeft = e >> 1;
  let winMine: u64 = 0;
  let winTheirs: u64 = 0;
  let myCan = false;
  let theirCan = false;
  for (let i = 0; i < nlines; i++) {
    const m = line(i);
    const a = <i32>popcnt(mine & m);
    const b = <i32>popcnt(theirs & m);
    if (b == 0 && goal - a <= myLeft) {
      myCan = true;
      if (a == goal - 1) winMine |= m & empty;
    }
    if (a == 0 && goal - b <= theirLeft) {
      theirCan = true;
      if (b == goal - 1) winTheirs |= m & empty;
    }
  }
  if (winMine) {
    if (ply == 0) sBest = <i32>ctz(winMine);
    return 1;
  }
  if (!myCan && !theirCan) return 0;
  // two wins-in-one for the opponent: one block leaves the other
  if (winTheirs & (winTheirs - 1)) {
    if (ply == 0) sBest = <i32>ctz(winTheirs);
    return -1;
  }
  if (!myCan) {
    if (alpha >= 0) return 0;
    if (beta > 0) beta = 0;
  }
  if (!theirCan) {
    if (beta <= 0) return 0;
    if (alpha < 0) alpha = 0;
  }

  let key = symHash(0);
  let sym = 0;
  for (let s = 1; s < 8; s++) {
    const h = symHash(s);
    if (h < key) {
      key = h;
      sym = s;
    }
  }
  key ^= me ? SIDE_KEY : 0;
  const bucket = sttAddr(<i32>(key & <u64>sttMask()) & ~1);
  let ttMove = -1;
  for (let j = 0; j < 2; j++) {
    const t = bucket + (<usize>j << 4);
    if (load<u64>(t) != key || load<u8>(t, 11) != gen) continue;
    const v = <i32>load<i8>(t, 8);
    const flag = load<u8>(t, 9);
    // the root searches on whatever the table knows: it must name a move
    if (ply > 0) {
      if (flag == F_EXACT) return v;
      if (flag == F_LOWER && v > alpha) alpha = v;
      else if (flag == F_UPPER && v < beta) beta = v;
      if (alpha >= beta) return v;
    }
    ttMove = symInv(sym, <i32>load<u8>(t, 10));
    break;
  }

  // the moves: a forced block alone; else every empty cell, scored and sorted
  let n = 0;
  if (winTheirs) setSMoveAt(ply, n++, <i32>ctz(winTheirs));
  else {
    let rest = empty;
    while (rest) {
      const c = <i32>ctz(rest);
      rest &= rest - 1;
      const bit = <u64>1 << <u64>c;
      let score = 0;
      let threats: u64 = 0;
      const k = cellNLines(c);
      for (let j = 0; j < k; j++) {
        const m = line(cellLine(c, j));
        const a = <i32>popcnt(mine & m);
        const b = <i32>popcnt(theirs & m);
        if (b == 0) {
          score += lineWeight(a);
          if (a == goal - 2) threats |= m & empty & ~bit;
        }
        if (a == 0) score += lineWeight(b);
      }
      // two wins-in-one at once: the opponent has none of their own, blocks one, loses to the other
      if (threats & (threats - 1)) {
        if (ply == 0) sBest = c;
        return 1;
      }
      if (c == ttMove) score = 0x7fffffff;
      let i = n++;
      while (i > 0 && sScore(i - 1) < score) {
        setSMoveAt(ply, i, sMoveAt(ply, i - 1));
        setSScore(i, sScore(i - 1));
        i--;
      }
      setSMoveAt(ply, i, c);
      setSScore(i, score);
    }
  }

  const alpha0 = alpha;
  const start = snodes;
  let best = -2;
  let bestMove = sMoveAt(ply, 0);
  if (ply == 0) rootMoves = n;
  for (let i = 0; i < n; i++) {
    const c = sMoveAt(ply, i);
    place(c, me);
    const v = -node(ply + 1, -beta, -alpha, 1 - me);
    place(c, me);
    if (saborted) return 0;
    if (ply == 0) rootDone = i + 1;
    if (v > best) {
      best = v;
      bestMove = c;
      if (ply == 0) sBest = c;
      if (v > alpha) alpha = v;
      if (alpha >= beta) break;
    }
  }

  // into the bucket: over this position's own entry, else a stale one, else the cheaper one
  const work = snodes - start;
  let t = bucket;
  const t1 = bucket + 16;
  if (load<u64>(t) != key || load<u8>(t, 11) != gen) {
    if (load<u64>(t1) == key && load<u8>(t1, 11) == gen) t = t1;
    else if (load<u8>(t, 11) == gen && (load<u8>(t1, 11) != gen || load<u32>(t1, 12) < load<u32>(t, 12))) t = t1;
  }
  store<u64>(t, key);
  store<i8>(t, <i8>best, 8);
  store<u8>(t, best <= alpha0 ? F_UPPER : best >= beta ? F_LOWER : F_EXACT, 9);
  store<u8>(t, <u8>symCell(sym, bestMove), 10);
  store<u8>(t, gen, 11);
  store<u32>(t, work > 0xffffffff ? 0xffffffff : <u32>work, 12);
  return best;
}

/**
 * Solves the position (o, x) for `me` to move within `nodeBudget` nodes (checked every 2^22).
 * @returns 1 win, 0 draw, -1 loss, or -2 when the budget ran out; the move in sBest (-1 when
 * the game is already over)
 */
export function solvePosition(o: u64, x: u64, me: i32, nodeBudget: f64): i32 {
  so = o;
  sx = x;
  for (let s = 0; s < 8; s++) {
    let h: u64 = 0;
    for (let c = 0; c < cells; c++) {
      const b = <u64>1 << <u64>c;
      if (o & b) h ^= zsym(s, c, 0);
      else if (x & b) h ^= zsym(s, c, 1);
    }
    setSymHash(s, h);
  }
  budget = nodeBudget >= 1.8e19 ? 0xffffffffffffffff : <u64>nodeBudget;
  snodes = 0;
  saborted = false;
  sBest = -1;
  rootDone = 0;
  rootMoves = 0;
  const v = node(0, -1, 1, me);
  if (saborted) return -2;
  // decided before a move was searched (a win now, a forced draw): name a move that keeps it
  if (sBest < 0 && (full & ~(so | sx))) sBest = <i32>ctz(full & ~(so | sx));
  return v;
}
