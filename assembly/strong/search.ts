// The strong engine's search: bitboards (one u64 per side, cell = row * size + col), alpha-beta
// negamax with distance-aware win scores (a faster win scores higher, a slower loss scores
// higher: WIN - plies from the root, stored node-relative in the transposition table so entries
// stay true from any root), bounds stored as bounds, immediate wins and forced blocks first, the
// TT move then centre-first ordering. Small boards are solved exactly; larger ones search
// deepening depths under a node budget with a line-count evaluation at the horizon.
import {
  MAX_CELLS, MAX_PER_CELL, TT_CAP, line, setLine, cellLine, cellNLines, setCellLine, setCellNLines,
  zobrist, setZobrist, moveAt, setMoveAt, orderAt, setOrderAt, ttAddr, sttReady,
} from './layout';
import { solveConfigure, solvePosition, sBest, snodes } from './solve';

export const WIN: i32 = 1000000;
const MATE_BOUND: i32 = WIN - 1000;
const INF: i32 = 0x7fffffff;
/** depth that never runs out: the search goes to the end of the game */
export const EXACT: i32 = 255;
const TT_EXACT: u8 = 1;
const TT_LOWER: u8 = 2;
const TT_UPPER: u8 = 3;

export let size: i32 = 4;
export let goal: i32 = 3;
export let cells: i32 = 16;
export let full: u64 = 0xffff;
export let nlines: i32 = 0;
/** bitboards: side 0 = 'O', side 1 = 'X' */
export let bo: u64 = 0;
export let bx: u64 = 0;
let hash: u64 = 0;
let gen: u8 = 1;
export let nodes: i32 = 0;
let budget: i32 = 0x7fffffff;
export let aborted: bool = false;
export let rootBest: i32 = -1;
const SIDE_KEY: u64 = 0x9e3779b97f4a7c15;

function splitmix(state: u64): u64 {
  let z = state + 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Sets the board size and goal: lines, cell→line lists, keys, order; clears the TT. @returns 0 or -1 */
export function configure(n: i32, g: i32): i32 {
  if (n < 3 || n > 8 || g < 3 || g > n) return -1;
  size = n;
  goal = g;
  cells = n * n;
  full = cells == 64 ? 0xffffffffffffffff : ((<u64>1 << <u64>cells) - 1);
  nlines = 0;
  for (let c = 0; c < cells; c++) setCellNLines(c, 0);
  // directions: right, down, down-right, down-left
  for (let dir = 0; dir < 4; dir++) {
    const dr = dir == 0 ? 0 : 1;
    const dc = dir == 0 ? 1 : dir == 1 ? 0 : dir == 2 ? 1 : -1;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const er = r + dr * (g - 1);
        const ec = c + dc * (g - 1);
        if (er < 0 || er >= n || ec < 0 || ec >= n) continue;
        let m: u64 = 0;
        for (let k = 0; k < g; k++) m |= <u64>1 << <u64>((r + dr * k) * n + (c + dc * k));
        setLine(nlines, m);
        for (let k = 0; k < g; k++) {
          const cell = (r + dr * k) * n + (c + dc * k);
          const cnt = cellNLines(cell);
          assert(cnt < MAX_PER_CELL, 'too many lines through a cell');
          setCellLine(cell, cnt, nlines);
          setCellNLines(cell, cnt + 1);
        }
        nlines++;
      }
    }
  }
  let s: u64 = 0x5eed;
  for (let c = 0; c < MAX_CELLS; c++) {
    s = splitmix(s);
    setZobrist(c, 0, s);
    s = splitmix(s);
    setZobrist(c, 1, s);
  }
  // centre first: by distance from the middle, ties in cell order
  const mid = <f64>(n - 1) / 2;
  for (let i = 0; i < cells; i++) setOrderAt(i, i);
  for (let i = 1; i < cells; i++) {
    const cell = orderAt(i);
    const d = Math.abs(<f64>(cell / n) - mid) + Math.abs(<f64>(cell % n) - mid);
    let j = i - 1;
    while (j >= 0) {
      const o = orderAt(j);
      if (Math.abs(<f64>(o / n) - mid) + Math.abs(<f64>(o % n) - mid) <= d) break;
      setOrderAt(j + 1, o);
      j--;
    }
    setOrderAt(j + 1, cell);
  }
  clearTT();
  solveConfigure();
  return 0;
}

export function clearTT(): void {
  gen++;
  if (gen == 0) {
    // the tag wrapped: old entries could look fresh, so really clear once
    memory.fill(ttAddr(0), 0, <usize>TT_CAP << 4);
    gen = 1;
  }
}

/** Loads a position; @returns -1 when a cell index is out of the board */
export function setBoard(o: u64, x: u64): i32 {
  if ((o | x) & ~full || o & x) return -1;
  bo = o;
  bx = x;
  hash = 0;
  for (let c = 0; c < cells; c++) {
    const b = <u64>1 << <u64>c;
    if (o & b) hash ^= zobrist(c, 0);
    else if (x & b) hash ^= zobrist(c, 1);
  }
  return 0;
}

/** Does `mine` plus `cell` complete a line through `cell`? */
@inline function winsAt(mine: u64, cell: i32): bool {
  const with_ = mine | (<u64>1 << <u64>cell);
  const n = cellNLines(cell);
  for (let k = 0; k < n; k++) {
    const m = line(cellLine(cell, k));
    if ((with_ & m) == m) return true;
  }
  return false;
}
/** Has `stones` a complete line anywhere? */
export function hasLine(stones: u64): bool {
  for (let i = 0; i < nlines; i++) {
    const m = line(i);
    if ((stones & m) == m) return true;
  }
  return false;
}

/** Line-count evaluation for depth-limited searches: open lines weighted by stones in them. */
function evaluate(mine: u64, theirs: u64): i32 {
  let s = 0;
  for (let i = 0; i < nlines; i++) {
    const m = line(i);
    const a = <i32>popcnt(mine & m);
    const b = <i32>popcnt(theirs & m);
    if (b == 0 && a > 0) s += 1 << (a * 3);
    else if (a == 0 && b > 0) s -= 1 << (b * 3);
  }
  // a heuristic must never read as a forced result
  return max(-(MATE_BOUND - 1), min(MATE_BOUND - 1, s));
}

/** Negamax with alpha-beta from the side `me` (0 'O', 1 'X') at `ply` plies below the root. */
export function search(ply: i32, depth: i32, alpha: i32, beta: i32, me: i32): i32 {
  nodes++;
  if (nodes > budget) {
    aborted = true;
    return 0;
  }
  const mine = me == 0 ? bo : bx;
  const theirs = me == 0 ? bx : bo;
  const empty = full & ~(bo | bx);
  if (empty == 0) return 0;
  // no result can beat a win with the next stone
  if (alpha >= WIN - (ply + 1)) return alpha;
  // a win now, or the opponent's threats: two or more lose in two, one must be blocked
  let threat = -1;
  let threats = 0;
  for (let i = 0; i < cells; i++) {
    const c = orderAt(i);
    if (!(empty & (<u64>1 << <u64>c))) continue;
    if (winsAt(mine, c)) {
      if (ply == 0) rootBest = c;
      return WIN - (ply + 1);
    }
    if (winsAt(theirs, c)) {
      threats++;
      if (threat < 0) threat = c;
    }
  }
  if (threats >= 2 && popcnt(empty) >= 2) {
    if (ply == 0) rootBest = threat;
    return -(WIN - (ply + 2));
  }
  if (depth <= 0) return evaluate(mine, theirs);
  const alpha0 = alpha;
  const key = hash ^ (me ? SIDE_KEY : 0);
  const slot = <i32>(key & <u64>(TT_CAP - 1));
  const e = ttAddr(slot);
  let ttMove = -1;
  if (load<u64>(e) == key && load<u8>(e, 15) == gen) {
    let s = load<i32>(e, 8);
    if (s > MATE_BOUND) s -= ply;
    else if (s < -MATE_BOUND) s += ply;
    ttMove = <i32>load<u8>(e, 12);
    if (<i32>load<u8>(e, 13) >= depth) {
      const flag = load<u8>(e, 14);
      if (flag == TT_EXACT) {
        if (ply == 0) rootBest = ttMove;
        return s;
      }
      if (flag == TT_LOWER && s > alpha) alpha = s;
      else if (flag == TT_UPPER && s < beta) beta = s;
      if (alpha >= beta) {
        if (ply == 0) rootBest = ttMove;
        return s;
      }
    }
  }
  // the moves: a forced block alone; else the TT move, then centre first
  let n = 0;
  if (threat >= 0) setMoveAt(ply, n++, threat);
  else {
    if (ttMove >= 0 && ttMove < cells && empty & (<u64>1 << <u64>ttMove)) setMoveAt(ply, n++, ttMove);
    for (let i = 0; i < cells; i++) {
      const c = orderAt(i);
      if (c != ttMove && empty & (<u64>1 << <u64>c)) setMoveAt(ply, n++, c);
    }
  }
  let best = -INF;
  let bestMove = moveAt(ply, 0);
  for (let i = 0; i < n; i++) {
    const c = moveAt(ply, i);
    const bit = <u64>1 << <u64>c;
    if (me == 0) bo |= bit;
    else bx |= bit;
    hash ^= zobrist(c, me);
    // an exact search stays exact all the way down, so its entries serve any later exact search
    const s = -search(ply + 1, depth == EXACT ? EXACT : depth - 1, -beta, -alpha, 1 - me);
    hash ^= zobrist(c, me);
    if (me == 0) bo &= ~bit;
    else bx &= ~bit;
    if (aborted) return 0;
    if (s > best) {
      best = s;
      bestMove = c;
      if (ply == 0) rootBest = c;
      if (s > alpha) alpha = s;
      if (alpha >= beta) break;
    }
  }
  let stored = best;
  if (stored > MATE_BOUND) stored += ply;
  else if (stored < -MATE_BOUND) stored -= ply;
  store<u64>(e, key);
  store<i32>(e, stored, 8);
  store<u8>(e, <u8>bestMove, 12);
  store<u8>(e, <u8>min(depth, 255), 13);
  store<u8>(e, best <= alpha0 ? TT_UPPER : best >= beta ? TT_LOWER : TT_EXACT, 14);
  store<u8>(e, gen, 15);
  return best;
}

/**
 * The best move for `me` in the loaded position: exact when at most `exactCells` cells are
 * empty; else, when the solver's table is reserved, the solver within `exactBudget` nodes (a
 * draw it proves is played as it is; a win it proves is kept), then deepening depths until
 * `nodeBudget` nodes are spent (the last finished depth wins).
 * @returns the cell, or -1 when the board is full or already decided; the score is in lastScore
 */
export let lastScore: i32 = 0;
/** whether lastScore is the exact value (an exact search that finished) */
export let lastExact: bool = false;
export function bestMove(me: i32, exactCells: i32, nodeBudget: i32, exactBudget: i32): i32 {
  lastScore = 0;
  lastExact = false;
  if ((bo | bx) == full || hasLine(bo) || hasLine(bx)) return -1;
  const empties = <i32>popcnt(full & ~(bo | bx));
  nodes = 0;
  aborted = false;
  if (empties <= exactCells) {
    budget = exactBudget;
    rootBest = -1;
    const s = search(0, EXACT, -INF, INF, me);
    if (!aborted) {
      lastScore = s;
      lastExact = true;
      return rootBest;
    }
    // too big to solve within its budget: play the budgeted search instead
    nodes = 0;
    aborted = false;
  }
  // beyond the distance search's reach the solver may still settle it: a draw is played at once
  // (the solver's move is the most active that keeps it); a proven win is kept below even when
  // no deepening depth finds its length
  let keep = -1;
  if (empties > exactCells && sttReady()) {
    const v = solvePosition(bo, bx, me, <f64>exactBudget);
    if (v == 0) {
      lastExact = true;
      nodes = <i32>min(snodes, <u64>0x7fffffff);
      return sBest;
    }
    if (v == 1) keep = sBest;
  }
  // whatever the budget, a win now is taken and a single threat blocked
  const mine = me == 0 ? bo : bx;
  const theirs = me == 0 ? bx : bo;
  let block = -1;
  for (let i = 0; i < cells; i++) {
    const c = orderAt(i);
    if ((bo | bx) & (<u64>1 << <u64>c)) continue;
    if (winsAt(mine, c)) {
      lastScore = WIN - 1;
      return c;
    }
    if (block < 0 && winsAt(theirs, c)) block = c;
  }
  budget = nodeBudget;
  let move = -1;
  for (let d = 1; d <= empties; d++) {
    rootBest = -1;
    const s = search(0, d, -INF, INF, me);
    if (aborted) break;
    move = rootBest;
    lastScore = s;
    if (s > MATE_BOUND || s < -MATE_BOUND) break;
  }
  if (keep >= 0 && !(lastScore > MATE_BOUND)) return keep;
  if (move < 0) {
    // not even depth 1 finished: block a threat, else the first empty cell in centre order
    if (block >= 0) return block;
    for (let i = 0; i < cells; i++) if (!((bo | bx) & (<u64>1 << <u64>orderAt(i)))) return orderAt(i);
  }
  return move;
}
