// Linear memory of the strong engine, laid out once by layoutInit() above __heap_base (stub
// runtime: no GC, nothing allocated after init). Every address goes through the accessors below.
//
// ┌ LINES      u64[MAX_LINES]             every run of `goal` cells (rows, columns, diagonals)   ┐
// ├ CELL_LINES u16[64][MAX_PER_CELL]       the lines through each cell (indices into LINES)      │
// ├ CELL_NLINE u8[64]                      how many                                              │
// ├ ZOBRIST    u64[64][2]                  key[cell][side], fixed seed (splitmix64)              │
// ├ MOVES      u8[MAX_PLY][64]             move list per ply (ordered)                            │
// ├ ORDER      u8[64]                      the static order: centre cells first                   │
// ├ TT         TT_CAP × 16 B {key u64, score i32, move u8, depth u8, flag u8, gen u8}: a          │
// │            generation tag makes "clear" O(1)                                                 │
// ├ SYM        u8[8][64]                  cell → its image under each of the square's 8 symmetries│
// ├ SYM_INV    u8[8][64]                  and back                                              │
// ├ ZSYM       u64[8][64][2]              zobrist(sym(cell), side): one position hash per symmetry│
// ├ SYM_HASH   u64[8]                     the solver's 8 running hashes                         │
// ├ SMOVES     u8[MAX_PLY][64]            the solver's move list per ply                        │
// ├ SSCORE     i32[64]                    scratch: ordering scores while a list is sorted        │
// └ STT        (1 << sttBits) × 16 B      the solver's table {key u64, value i8, flag u8, move u8,│
//              gen u8, work u32}; reserved at the first solve (solveReserve), not before: an    │
//              engine that only plays small boards never pays for it                            ┘
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
export const SYM_OFF: usize = TT_OFF + <usize>TT_CAP * 16;
export const SYM_INV_OFF: usize = SYM_OFF + <usize>(8 * MAX_CELLS);
export const ZSYM_OFF: usize = SYM_INV_OFF + <usize>(8 * MAX_CELLS);
export const SYM_HASH_OFF: usize = ZSYM_OFF + <usize>(8 * MAX_CELLS * 2) * 8;
export const SMOVES_OFF: usize = SYM_HASH_OFF + 8 * 8;
export const SSCORE_OFF: usize = SMOVES_OFF + <usize>(MAX_PLY * MAX_CELLS);
export const STT_OFF: usize = (SSCORE_OFF + <usize>MAX_CELLS * 4 + 15) & ~15;
/** everything but the solver's table, which solveReserve() adds on demand */
export const TOTAL_SIZE: usize = STT_OFF;
export const STT_MIN_BITS: i32 = 16;
export const STT_MAX_BITS: i32 = 26;

let BASE: usize = 0;
let sttBits: i32 = 0;

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
@inline export function symCell(s: i32, cell: i32): i32 {
  assert(<u32>s < 8 && <u32>cell < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + SYM_OFF + <usize>(s * MAX_CELLS + cell));
}
@inline export function setSymCell(s: i32, cell: i32, img: i32): void {
  assert(<u32>s < 8 && <u32>cell < <u32>MAX_CELLS);
  store<u8>(BASE + SYM_OFF + <usize>(s * MAX_CELLS + cell), <u8>img);
}
@inline export function symInv(s: i32, img: i32): i32 {
  assert(<u32>s < 8 && <u32>img < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + SYM_INV_OFF + <usize>(s * MAX_CELLS + img));
}
@inline export function setSymInv(s: i32, img: i32, cell: i32): void {
  assert(<u32>s < 8 && <u32>img < <u32>MAX_CELLS);
  store<u8>(BASE + SYM_INV_OFF + <usize>(s * MAX_CELLS + img), <u8>cell);
}
@inline export function zsym(s: i32, cell: i32, side: i32): u64 {
  assert(<u32>s < 8 && <u32>cell < <u32>MAX_CELLS && <u32>side < 2);
  return load<u64>(BASE + ZSYM_OFF + (<usize>((s * MAX_CELLS + cell) * 2 + side) << 3));
}
@inline export function setZsym(s: i32, cell: i32, side: i32, v: u64): void {
  assert(<u32>s < 8 && <u32>cell < <u32>MAX_CELLS && <u32>side < 2);
  store<u64>(BASE + ZSYM_OFF + (<usize>((s * MAX_CELLS + cell) * 2 + side) << 3), v);
}
@inline export function symHash(s: i32): u64 {
  assert(<u32>s < 8);
  return load<u64>(BASE + SYM_HASH_OFF + (<usize>s << 3));
}
@inline export function setSymHash(s: i32, h: u64): void {
  assert(<u32>s < 8);
  store<u64>(BASE + SYM_HASH_OFF + (<usize>s << 3), h);
}
@inline export function sMoveAt(ply: i32, i: i32): i32 {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + SMOVES_OFF + <usize>(ply * MAX_CELLS + i));
}
@inline export function setSMoveAt(ply: i32, i: i32, m: i32): void {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  store<u8>(BASE + SMOVES_OFF + <usize>(ply * MAX_CELLS + i), <u8>m);
}
@inline export function sScore(i: i32): i32 {
  assert(<u32>i < <u32>MAX_CELLS);
  return load<i32>(BASE + SSCORE_OFF + (<usize>i << 2));
}
@inline export function setSScore(i: i32, v: i32): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<i32>(BASE + SSCORE_OFF + (<usize>i << 2), v);
}
/**
 * Reserves the solver's table (2^bits entries of 16 B) once, after the fixed layout; a later call
 * asking for more bits than the first got keeps the first. @returns the bits in use
 */
export function solveReserve(bits: i32): i32 {
  if (sttBits) return sttBits;
  assert(bits >= STT_MIN_BITS && bits <= STT_MAX_BITS);
  reserve(TOTAL_SIZE + (<usize>16 << <usize>bits), 'strong: cannot grow memory for the solver table');
  sttBits = bits;
  return bits;
}
/** whether solveReserve() has run */
@inline export function sttReady(): bool {
  return sttBits != 0;
}
/** the solver table's entry count minus one (its index mask) */
@inline export function sttMask(): i32 {
  return (1 << sttBits) - 1;
}
// STT entries: {key u64 @0, value i8 @8, flag u8 @9, move u8 @10, gen u8 @11, work u32 @12}
@inline export function sttAddr(i: i32): usize {
  assert(<u32>i < <u32>(1 << sttBits));
  return BASE + STT_OFF + (<usize>i << 4);
}
