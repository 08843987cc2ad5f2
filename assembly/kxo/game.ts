// see: sysprog21/kxo game.c — check_win, get_score, calculate_win_value (kxo §6)
import { N_GRIDS, cell } from './layout';

export const SPACE: u8 = 0x20;
export const O: u8 = 0x4f;
export const X: u8 = 0x58;
export const DRAW: u8 = 0x44;

// the 24 segments, 3 cells each, in check_win's scan order: rows, columns, "\", "/"
const SEG = memory.data<u8>([
  0, 1, 2, 1, 2, 3, 4, 5, 6, 5, 6, 7, 8, 9, 10, 9, 10, 11, 12, 13, 14, 13, 14, 15,
  0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12, 5, 9, 13, 6, 10, 14, 7, 11, 15,
  0, 5, 10, 1, 6, 11, 4, 9, 14, 5, 10, 15,
  2, 5, 8, 3, 6, 9, 6, 9, 12, 7, 10, 13,
]);

@inline function seg(i: i32): i32 {
  return <i32>load<u8>(SEG + <usize>i);
}

/** ' ' while the game is on, 'O'/'X' for the first complete segment, 'D' when full. */
export function checkWin(b: usize): u8 {
  for (let s = 0; s < 72; s += 3) {
    const w = cell(b, seg(s));
    if (w != SPACE && w == cell(b, seg(s + 1)) && w == cell(b, seg(s + 2))) return w;
  }
  for (let i = 0; i < N_GRIDS; i++) if (cell(b, i) == SPACE) return SPACE;
  return DRAW;
}

export function getScore(b: usize, p: u8): i32 {
  let total = 0;
  for (let s = 0; s < 72; s += 3) {
    let score = 0;
    for (let k = 0; k < 3; k++) {
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
