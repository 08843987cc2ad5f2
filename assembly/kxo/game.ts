// see: sysprog21/kxo game.c — check_win, get_score, calculate_win_value (kxo §6), generalised
// from kxo's 4x4 with three in a row to any size 3..8 and goal 3..size (kxo-games §1)
import { nGrids, setGrids, cell, seg, setSeg, setSegMask, setCellSeg, cellSegCount, setCellSegCount } from './layout';

export const SPACE: u8 = 0x20;
export const O: u8 = 0x4f;
export const X: u8 = 0x58;
export const DRAW: u8 = 0x44;

export let boardSize: i32 = 4;
export let goal: i32 = 3;
/** segments × goal: 72 on kxo's board (24 segments of three) */
export let segCells: i32 = 72;
/** segments: 24 on kxo's board */
export let segCount: i32 = 24;

function addSegment(at: i32, r: i32, c: i32, dr: i32, dc: i32): i32 {
  for (let k = 0; k < goal; k++) setSeg(at++, (r + dr * k) * boardSize + (c + dc * k));
  return at;
}

/**
 * Sets the shape and lays out the segments in check_win's scan order: rows, columns, "\" then
 * "/" diagonals (for 4x4/3 the table kxo's game.c hard-codes). @returns 0, or -1 when out of range
 */
export function configureGame(size: i32, g: i32): i32 {
  if (size < 3 || size > 8 || g < 3 || g > size) return -1;
  boardSize = size;
  goal = g;
  setGrids(size * size);
  const span = size - g + 1;
  let at = 0;
  for (let i = 0; i < size; i++) for (let j = 0; j < span; j++) at = addSegment(at, i, j, 0, 1);
  for (let i = 0; i < span; i++) for (let j = 0; j < size; j++) at = addSegment(at, i, j, 1, 0);
  for (let i = 0; i < span; i++) for (let j = 0; j < span; j++) at = addSegment(at, i, j, 1, 1);
  for (let i = 0; i < span; i++) for (let j = g - 1; j < size; j++) at = addSegment(at, i, j, 1, -1);
  segCells = at;
  // the same segments as cell masks, in the same order (negamax's bitboards)
  segCount = at / g;
  for (let c = 0; c < size * size; c++) setCellSegCount(c, 0);
  for (let s = 0; s < segCount; s++) {
    let m: u64 = 0;
    for (let k = 0; k < g; k++) m |= (<u64>1) << <u64>seg(s * g + k);
    setSegMask(s, m);
    // and under each of its cells (negamax asks only these after a move there)
    for (let k = 0; k < g; k++) {
      const c = seg(s * g + k);
      const n = cellSegCount(c);
      setCellSeg(c, n, m);
      setCellSegCount(c, n + 1);
    }
  }
  return 0;
}

/** ' ' while the game is on, 'O'/'X' for the first complete segment, 'D' when full. */
export function checkWin(b: usize): u8 {
  for (let s = 0; s < segCells; s += goal) {
    const w = cell(b, seg(s));
    if (w == SPACE) continue;
    let k = 1;
    while (k < goal && cell(b, seg(s + k)) == w) k++;
    if (k == goal) return w;
  }
  for (let i = 0; i < nGrids; i++) if (cell(b, i) == SPACE) return SPACE;
  return DRAW;
}

export function getScore(b: usize, p: u8): i32 {
  let total = 0;
  for (let s = 0; s < segCells; s += goal) {
    let score = 0;
    for (let k = 0; k < goal; k++) {
      const c = cell(b, seg(s + k));
      if (c == p) {
        if (score < 0) {
          score = 0;
          break;
        }
        score = score ? score * 10 : 1;
      } else if (c != SPACE) {
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

/** 8.8 fixed point: 256 win, 0 loss, 128 otherwise (a draw). */
export function winValue(w: u8, p: u8): u32 {
  if (w == p) return 256;
  if (w == (p ^ O ^ X)) return 0;
  return 128;
}
