// see: sysprog21/kxo negamax.c + zobrist.c — iterative deepening 2/4/6, PVS, history ordering,
// a transposition table keyed by the Zobrist hash of the stones added since the root (kxo §7)
import { BOARD_OFF, MAX_CELLS, MAX_PLY, nGrids, TT_BITS, TT_CAP, cell, setHsum, setHcount, hsum, hcount, moveAt, setMoveAt, ttAddr, zobrist, setZobrist, segMask, cellSeg, cellSegCount, pow10 } from './layout';
import { SPACE, X, O, DRAW, goal, segCells, segCount } from './game';
import { kernelSort } from './sort';

let hash: u64 = 0;
// The search's board as two bitboards (bit i = cell i), set from BOARD once per negamax_predict:
// check_win and get_score below give what game.ts's give on the byte board, segment for segment
// and in the same order, with a mask test instead of a walk of each segment's cells.
let oBits: u64 = 0;
let xBits: u64 = 0;
let fullBits: u64 = 0;
/**
 * get_score(O) of the search's board, kept as stones come and go: a stone changes only the
 * segments through its cell, so a move updates those few (cellSeg) and a leaf reads the sum
 * instead of walking every segment. get_score is antisymmetric: get_score(X) = -get_score(O).
 */
let scoreO: i32 = 0;

/** One segment's part of get_score(O) with a stones of O and b of X in it. */
@inline function segScore(a: i32, b: i32): i32 {
  if (a && b) return 0;
  if (a) return pow10(a - 1);
  return b ? -pow10(b - 1) : 0;
}

/** scoreO after a stone of `side` (0 O, 1 X) at cell m, on bits that do not have it yet. */
@inline function scoreWith(m: i32, side: i32): i32 {
  let s = scoreO;
  const n = cellSegCount(m);
  for (let k = 0; k < n; k++) {
    const mask = cellSeg(m, k);
    const a = <i32>popcnt<u64>(oBits & mask);
    const b = <i32>popcnt<u64>(xBits & mask);
    s += side ? segScore(a, b + 1) - segScore(a, b) : segScore(a + 1, b) - segScore(a, b);
  }
  return s;
}

function loadBits(): void {
  oBits = 0;
  xBits = 0;
  for (let i = 0; i < nGrids; i++) {
    const c = cell(BOARD_OFF, i);
    if (c == O) oBits |= (<u64>1) << <u64>i;
    else if (c == X) xBits |= (<u64>1) << <u64>i;
  }
  fullBits = nGrids == 64 ? <u64>-1 : ((<u64>1) << <u64>nGrids) - 1;
  scoreO = getScoreBits(O);
}

/** check_win: the first complete segment's owner in scan order, else ' ' or 'D' when full */
function checkWinBits(): u8 {
  for (let s = 0; s < segCount; s++) {
    const m = segMask(s);
    if ((oBits & m) == m) return O;
    if ((xBits & m) == m) return X;
  }
  return (oBits | xBits) == fullBits ? DRAW : SPACE;
}

/** get_score: per segment 0 when both sides have a stone in it, else ±10^(stones - 1) */
function getScoreBits(p: u8): i32 {
  const mine = p == O ? oBits : xBits;
  const theirs = p == O ? xBits : oBits;
  let total = 0;
  for (let s = 0; s < segCount; s++) {
    const m = segMask(s);
    const a = <i32>popcnt<u64>(mine & m);
    const b = <i32>popcnt<u64>(theirs & m);
    if (a && b) continue;
    if (a) total += pow10(a - 1);
    else if (b) total -= pow10(b - 1);
  }
  return total;
}
let gen: u16 = 1;
let ttUsed: i32 = 0;
export let resultScore: i32 = 0;
export let resultMove: i32 = -1;
/** deepest iteration (kxo: 6 on its 4x4 board; see negamaxConfigure) */
export let maxDepth: i32 = 6;
// kxo's -10000 start and ±100000 window hold every 4x4 score (at most 24 × 100); a longer goal
// scores up to 10^(goal-1) per segment, so the bounds widen with it
let lowest: i32 = -10000;
let window: i32 = 100000;

/** Zobrist keys from a fixed seed (never a clock: a frozen clock would make every key equal). */
export function zobristInit(): void {
  let s: u64 = 0x9e3779b97f4a7c15;
  for (let i = 0; i < MAX_CELLS * 2; i++) {
    s += 0x9e3779b97f4a7c15;
    let z = s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    setZobrist(i, z ^ (z >> 31));
  }
}

// open addressing on the full 64-bit key; a generation tag makes zobrist_clear O(1)
@inline function slot(key: u64): i32 {
  return <i32>((key * 0x9e3779b97f4a7c15) >> (64 - TT_BITS));
}
function ttGet(key: u64): usize {
  let i = slot(key);
  for (;;) {
    const e = ttAddr(i);
    if (load<u16>(e, 14) != gen) return 0;
    if (load<u64>(e) == key) return e;
    i = (i + 1) & (TT_CAP - 1);
  }
  return unreachable();
}
function ttPut(key: u64, score: i32, move: i32): void {
  let i = slot(key);
  for (;;) {
    const e = ttAddr(i);
    // "exact key → newest entry": an equal key is overwritten, as the newest hlist entry wins in C
    if (load<u16>(e, 14) != gen || load<u64>(e) == key) {
      if (load<u16>(e, 14) != gen) {
        // a search on a big board may fill the table: past half full it stops storing (kxo's
        // own 4x4 searches never get there, so its results are unchanged)
        if (ttUsed >= (TT_CAP >> 1)) return;
        ttUsed++;
      }
      store<u64>(e, key);
      store<i32>(e, score, 8);
      store<i16>(e, <i16>move, 12);
      store<u16>(e, gen, 14);
      return;
    }
    i = (i + 1) & (TT_CAP - 1);
  }
}
function ttClear(): void {
  ttUsed = 0;
  if (++gen == 0) {
    // the 16-bit generation wrapped: really clear once every 65535 searches
    for (let i = 0; i < TT_CAP; i++) store<u16>(ttAddr(i), 0, 14);
    gen = 1;
  }
}

/**
 * check_win's "is the game over" after a move at `last` (-1: the root, the whole board): only a
 * segment through the last stone can have been completed, since the position before was not over
 */
function over(last: i32, p: u8): bool {
  if (last < 0) return checkWinBits() != SPACE;
  const mover = p == O ? xBits : oBits;
  const n = cellSegCount(last);
  for (let k = 0; k < n; k++) {
    const m = cellSeg(last, k);
    if ((mover & m) == m) return true;
  }
  return (oBits | xBits) == fullBits;
}

function negamax(depth: i32, p: u8, alpha: i32, beta: i32, ply: i32, last: i32): i32 {
  // (depth first: a leaf scores the same whoever won, so check_win is not needed there)
  if (depth == 0 || over(last, p)) {
    resultMove = -1;
    return p == O ? scoreO : -scoreO;
  }
  // observed: kxo §7 — a hit returns the stored result whatever its depth or window
  const hit = ttGet(hash);
  if (hit) {
    resultMove = <i32>load<i16>(hit, 12);
    return load<i32>(hit, 8);
  }
  assert(ply < MAX_PLY);
  let n = 0;
  let free = ~(oBits | xBits) & fullBits;
  while (free) {
    // the empty cells in increasing order, as the walk of the board lists them
    const i = <i32>ctz<u64>(free);
    free &= free - 1;
    setMoveAt(ply, n, i);
    n++;
  }
  kernelSort(ply, n);
  let bestScore = lowest;
  let bestMove = -1;
  const opp = p ^ O ^ X;
  const side = p == X ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const m = moveAt(ply, i);
    const bit = (<u64>1) << <u64>m;
    const before = scoreO;
    scoreO = scoreWith(m, side);
    if (side) xBits |= bit;
    else oBits |= bit;
    hash ^= zobrist(m, side);
    let score: i32;
    if (i == 0) score = -negamax(depth - 1, opp, -beta, -alpha, ply + 1, m);
    else {
      score = -negamax(depth - 1, opp, -alpha - 1, -alpha, ply + 1, m);
      // the re-search window is (-beta, -score), not (-beta, -alpha)
      if (alpha < score && score < beta) score = -negamax(depth - 1, opp, -beta, -score, ply + 1, m);
    }
    setHcount(m, hcount(m) + 1);
    setHsum(m, hsum(m) + score);
    if (score > bestScore) {
      bestScore = score;
      bestMove = m;
    }
    if (side) xBits &= ~bit;
    else oBits &= ~bit;
    scoreO = before;
    hash ^= zobrist(m, side);
    if (score > alpha) alpha = score;
    if (alpha >= beta) break;
  }
  ttPut(hash, bestScore, bestMove);
  resultMove = bestMove;
  return bestScore;
}

/** negamax_predict: the board is in BOARD; result in resultScore/resultMove. */
export function negamaxPredict(p: u8): void {
  loadBits();
  for (let i = 0; i < nGrids; i++) {
    setHsum(i, 0);
    setHcount(i, 0);
  }
  for (let depth = 2; depth <= maxDepth; depth += 2) {
    hash = 0;
    resultScore = negamax(depth, p, -window, window, 0, -1);
    ttClear();
  }
}

/**
 * Depth and bounds for the shape configureGame set. kxo searches 2/4/6 plies on 16 cells; the
 * tree grows with the cells, so bigger boards stop at 4 (under 50 ms per move on 8x8, where
 * depth 6 would take seconds).
 */
export function negamaxConfigure(): void {
  maxDepth = nGrids <= 16 ? 6 : 4;
  let top: i32 = 1;
  for (let k = 1; k < goal; k++) top *= 10;
  const bound = (segCells / goal) * top + 1;
  lowest = bound < 10000 ? -10000 : -bound;
  window = bound < 100000 ? 100000 : bound;
}
