// Linear memory of the strong engine, laid out once by layoutInit() above __heap_base (stub
// runtime: no GC, nothing allocated after init). Every address goes through the accessors below.
//
// ┌ LINES      u64[MAX_LINES]             every run of `goal` cells (rows, columns, diagonals)   ┐
// ├ CELL_LINES u16[64][MAX_PER_CELL]       the lines through each cell (indices into LINES)      │
// ├ CELL_NLINE u8[64]                      how many                                              │
// ├ ZOBRIST    u64[64][2]                  key[cell][side], fixed seed (splitmix64)              │
// ├ MOVES      u8[MAX_PLY][64]             move list per ply (ordered)                            │
// ├ ORDER      u8[64]                      the static order: centre cells first                   │
// └ TT         TT_CAP × 16 B {key u64, score i32, move u8, depth u8, flag u8, gen u8}: a          │
//              generation tag makes "clear" O(1)                                                 ┘
import { reserve } from '../shared/heap';

export const MAX_CELLS: i32 = 64;
export const MAX_LINES: i32 = 4 * 64;
export const MAX_PER_CELL: i32 = 32;
export const MAX_PLY: i32 = 65;
export const TT_BITS: i32 = 20;
export const TT_CAP: i32 = 1 << TT_BITS;

export const LINES_OFF: usize = 0;
export const CELL_LINES_OFF: usize = LINES_OFF + <usize>MAX_LINES * 8;
export const CELL_NLINE_OFF: usize = CELL_LINES_OFF + <usize>(MAX_CELLS * MAX_PER_CELL) * 2;
export const ZOBRIST_OFF: usize = (CELL_NLINE_OFF + <usize>MAX_CELLS + 7) & ~7;
export const MOVES_OFF: usize = ZOBRIST_OFF + <usize>(MAX_CELLS * 2) * 8;
export const ORDER_OFF: usize = MOVES_OFF + <usize>(MAX_PLY * MAX_CELLS);
export const TT_OFF: usize = (ORDER_OFF + <usize>MAX_CELLS + 15) & ~15;
export const TOTAL_SIZE: usize = TT_OFF + <usize>TT_CAP * 16;

let BASE: usize = 0;

/** Reserves the whole layout once; @returns its base address */
export function layoutInit(): usize {
  if (BASE) return BASE;
  BASE = reserve(TOTAL_SIZE, 'strong: cannot grow memory');
  return BASE;
}

@inline export function line(i: i32): u64 {
  assert(<u32>i < <u32>MAX_LINES);
  return load<u64>(BASE + LINES_OFF + (<usize>i << 3));
}
@inline export function setLine(i: i32, m: u64): void {
  assert(<u32>i < <u32>MAX_LINES);
  store<u64>(BASE + LINES_OFF + (<usize>i << 3), m);
}
@inline export function cellLine(cell: i32, k: i32): i32 {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>k < <u32>MAX_PER_CELL);
  return <i32>load<u16>(BASE + CELL_LINES_OFF + (<usize>(cell * MAX_PER_CELL + k) << 1));
}
@inline export function setCellLine(cell: i32, k: i32, l: i32): void {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>k < <u32>MAX_PER_CELL);
  store<u16>(BASE + CELL_LINES_OFF + (<usize>(cell * MAX_PER_CELL + k) << 1), <u16>l);
}
@inline export function cellNLines(cell: i32): i32 {
  assert(<u32>cell < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + CELL_NLINE_OFF + <usize>cell);
}
@inline export function setCellNLines(cell: i32, n: i32): void {
  assert(<u32>cell < <u32>MAX_CELLS);
  store<u8>(BASE + CELL_NLINE_OFF + <usize>cell, <u8>n);
}
@inline export function zobrist(cell: i32, side: i32): u64 {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>side < 2);
  return load<u64>(BASE + ZOBRIST_OFF + (<usize>(cell * 2 + side) << 3));
}
@inline export function setZobrist(cell: i32, side: i32, v: u64): void {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>side < 2);
  store<u64>(BASE + ZOBRIST_OFF + (<usize>(cell * 2 + side) << 3), v);
}
@inline export function moveAt(ply: i32, i: i32): i32 {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + MOVES_OFF + <usize>(ply * MAX_CELLS + i));
}
@inline export function setMoveAt(ply: i32, i: i32, m: i32): void {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  store<u8>(BASE + MOVES_OFF + <usize>(ply * MAX_CELLS + i), <u8>m);
}
@inline export function orderAt(i: i32): i32 {
  assert(<u32>i < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + ORDER_OFF + <usize>i);
}
@inline export function setOrderAt(i: i32, cell: i32): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<u8>(BASE + ORDER_OFF + <usize>i, <u8>cell);
}
// TT entries: {key u64 @0, score i32 @8, move u8 @12, depth u8 @13, flag u8 @14, gen u8 @15}
@inline export function ttAddr(i: i32): usize {
  assert(<u32>i < <u32>TT_CAP);
  return BASE + TT_OFF + (<usize>i << 4);
}
