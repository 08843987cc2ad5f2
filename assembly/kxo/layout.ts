// Linear memory of the kxo engine, laid out once by init() above __heap_base (stub runtime: no GC,
// no allocation after init). Every address goes through the accessors below. Regions are sized
// for the largest board (8x8 = 64 cells); the shape in use (size, goal) is set by configure().
//
// ┌ BOARD     u8[64]                    the caller's board (size² bytes, ' ' 'O' 'X')       ┐
// ├ TMP       u8[64] × 2                 MCTS iteration board, playout board                │
// ├ PLAYOUT   u8[64]                     the playout's list of empty cells                  │
// ├ SEG       u8[SEG_CAP]                the winning segments, goal cells each, in          │
// │                                      check_win's scan order (built by configure)        │
// ├ ZOBRIST   u64[128]                   key[cell][player == 'X'], fixed seed (splitmix64) │
// ├ HIST      i32[64] sum, i32[64] count negamax history, per cell                         │
// ├ MOVES     i32[64] × MAX_PLY          move lists per negamax ply                         │
// ├ CHILDREN  12 B × 64                  MCTS root children snapshot for the host           │
// ├ SEGMASK   u64[SEG_CAP / 3]           the segments again as cell masks (negamax's        │
// │                                      bitboards), same order                             │
// ├ CELLSEG   u64[64][CELLSEG_CAP]       per cell, the masks of the segments through it, and │
// │ CELLSEGN  u8[64]                     how many (a move can only complete those)          │
// ├ SORTKEY   i64[64]                    the list being sorted: each move with its history  │
// │                                      average as the key (key << 32 | move)               │
// ├ TT        TT_CAP × 16 B {key u64, score i32, move i16, gen u16}: open addressing, a     │
// │           generation counter makes "clear" O(1)                                          │
// └ NODES     MAX_NODES × 20 B {score u32, visits i32, parent i32, first i32, move i8,      │
//             player u8, count u8, pad}: children of a node packed contiguously; an         │
//             iteration expands at most one node, so iterations × cells + 1 ≤ MAX_NODES     ┘
import { reserve } from '../shared/heap';

export const MAX_CELLS: i32 = 64;
/** kxo's 100000 iterations on 4x4: the pool is sized for that and never overflows */
export const ITERATIONS: i32 = 100000;
export const MAX_NODES: i32 = 1 + 16 * ITERATIONS;
export const MAX_PLY: i32 = 8;
export const TT_BITS: i32 = 18;
export const TT_CAP: i32 = 1 << TT_BITS;
export const NODE_SIZE: i32 = 20;
/** 8x8 with goal 4 has the most segment cells: (2·8·5 + 2·5·5) × 4 = 520 */
export const SEG_CAP: i32 = 1024;

export const BOARD_OFF: usize = 0;
export const TMP_OFF: usize = 64;
export const SIM_OFF: usize = 128;
export const PLAYOUT_OFF: usize = 192;
export const SEG_OFF: usize = 256;
export const ZOBRIST_OFF: usize = SEG_OFF + <usize>SEG_CAP;
export const HSUM_OFF: usize = ZOBRIST_OFF + <usize>MAX_CELLS * 2 * 8;
export const HCOUNT_OFF: usize = HSUM_OFF + <usize>MAX_CELLS * 4;
export const MOVES_OFF: usize = HCOUNT_OFF + <usize>MAX_CELLS * 4;
export const CHILD_OFF: usize = MOVES_OFF + <usize>(MAX_CELLS * 4 * MAX_PLY);
/** the segments as cell masks, for negamax's bitboards: at most SEG_CAP / 3 of them */
export const SEG_MAX: i32 = SEG_CAP / 3;
export const SEGMASK_OFF: usize = (CHILD_OFF + <usize>MAX_CELLS * 12 + 7) & ~7;
/** segments through one cell: at most 4 directions × goal places, goal ≤ 8 */
export const CELLSEG_CAP: i32 = 32;
export const CELLSEG_OFF: usize = SEGMASK_OFF + <usize>SEG_MAX * 8;
export const CELLSEGN_OFF: usize = CELLSEG_OFF + <usize>(MAX_CELLS * CELLSEG_CAP) * 8;
export const SORTKEY_OFF: usize = (CELLSEGN_OFF + <usize>MAX_CELLS + 7) & ~7;
export const TT_OFF: usize = (SORTKEY_OFF + <usize>MAX_CELLS * 8 + 15) & ~15;
export const NODES_OFF: usize = TT_OFF + <usize>TT_CAP * 16;
export const TOTAL_SIZE: usize = NODES_OFF + <usize>MAX_NODES * <usize>NODE_SIZE;

let BASE: usize = 0;
/** cells on the board in use (size²): 16 for kxo */
export let nGrids: i32 = 16;

/** Reserves the whole layout once; @returns the base address of BOARD */
export function layoutInit(): usize {
  if (BASE) return BASE;
  BASE = reserve(TOTAL_SIZE, 'kxo: cannot grow memory');
  return BASE;
}
@inline export function base(): usize {
  return BASE;
}
export function setGrids(n: i32): void {
  assert(n > 0 && n <= MAX_CELLS);
  nGrids = n;
}

// board bytes: b is one of BOARD_OFF, TMP_OFF, SIM_OFF
@inline export function cell(b: usize, i: i32): u8 {
  assert(<u32>i < <u32>MAX_CELLS);
  return load<u8>(BASE + b + <usize>i);
}
@inline export function setCell(b: usize, i: i32, v: u8): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<u8>(BASE + b + <usize>i, v);
}

// the playout's move list: at most one entry per cell
@inline export function playoutMove(i: i32): i32 {
  assert(<u32>i < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + PLAYOUT_OFF + <usize>i);
}
@inline export function setPlayoutMove(i: i32, cellIndex: i32): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<u8>(BASE + PLAYOUT_OFF + <usize>i, <u8>cellIndex);
}

@inline export function seg(i: i32): i32 {
  assert(<u32>i < <u32>SEG_CAP);
  return <i32>load<u8>(BASE + SEG_OFF + <usize>i);
}
@inline export function setSeg(i: i32, cellIndex: i32): void {
  assert(<u32>i < <u32>SEG_CAP);
  store<u8>(BASE + SEG_OFF + <usize>i, <u8>cellIndex);
}

@inline export function zobrist(i: i32, side: i32): u64 {
  assert(<u32>i < <u32>MAX_CELLS && <u32>side < 2);
  return load<u64>(BASE + ZOBRIST_OFF + (<usize>(i * 2 + side) << 3));
}
@inline export function setZobrist(i: i32, v: u64): void {
  assert(<u32>i < <u32>(MAX_CELLS * 2));
  store<u64>(BASE + ZOBRIST_OFF + (<usize>i << 3), v);
}

@inline export function segMask(s: i32): u64 {
  assert(<u32>s < <u32>SEG_MAX);
  return load<u64>(BASE + SEGMASK_OFF + (<usize>s << 3));
}
@inline export function setSegMask(s: i32, m: u64): void {
  assert(<u32>s < <u32>SEG_MAX);
  store<u64>(BASE + SEGMASK_OFF + (<usize>s << 3), m);
}

@inline export function hsum(i: i32): i32 {
  assert(<u32>i < <u32>MAX_CELLS);
  return load<i32>(BASE + HSUM_OFF + (<usize>i << 2));
}
@inline export function setHsum(i: i32, v: i32): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<i32>(BASE + HSUM_OFF + (<usize>i << 2), v);
}
@inline export function hcount(i: i32): i32 {
  assert(<u32>i < <u32>MAX_CELLS);
  return load<i32>(BASE + HCOUNT_OFF + (<usize>i << 2));
}
@inline export function setHcount(i: i32, v: i32): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<i32>(BASE + HCOUNT_OFF + (<usize>i << 2), v);
}

@inline export function moveAt(ply: i32, i: i32): i32 {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  return load<i32>(BASE + MOVES_OFF + (<usize>(ply * MAX_CELLS + i) << 2));
}
@inline export function setMoveAt(ply: i32, i: i32, v: i32): void {
  assert(<u32>ply < <u32>MAX_PLY && <u32>i < <u32>MAX_CELLS);
  store<i32>(BASE + MOVES_OFF + (<usize>(ply * MAX_CELLS + i) << 2), v);
}

// powers of ten for get_score (a static table in the data segment, not a region of the heap)
const POW10: usize = memory.data<i32>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000]);
/** 10^n for n in 0..7 (a segment holds at most 8 stones) */
@inline export function pow10(n: i32): i32 {
  assert(<u32>n < 8);
  return load<i32>(POW10 + (<usize>n << 2));
}
@inline export function cellSeg(cell: i32, k: i32): u64 {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>k < <u32>CELLSEG_CAP);
  return load<u64>(BASE + CELLSEG_OFF + (<usize>(cell * CELLSEG_CAP + k) << 3));
}
@inline export function setCellSeg(cell: i32, k: i32, m: u64): void {
  assert(<u32>cell < <u32>MAX_CELLS && <u32>k < <u32>CELLSEG_CAP);
  store<u64>(BASE + CELLSEG_OFF + (<usize>(cell * CELLSEG_CAP + k) << 3), m);
}
@inline export function cellSegCount(cell: i32): i32 {
  assert(<u32>cell < <u32>MAX_CELLS);
  return <i32>load<u8>(BASE + CELLSEGN_OFF + <usize>cell);
}
@inline export function setCellSegCount(cell: i32, n: i32): void {
  assert(<u32>cell < <u32>MAX_CELLS);
  store<u8>(BASE + CELLSEGN_OFF + <usize>cell, <u8>n);
}
@inline export function sortEntry(i: i32): i64 {
  assert(<u32>i < <u32>MAX_CELLS);
  return load<i64>(BASE + SORTKEY_OFF + (<usize>i << 3));
}
@inline export function setSortEntry(i: i32, v: i64): void {
  assert(<u32>i < <u32>MAX_CELLS);
  store<i64>(BASE + SORTKEY_OFF + (<usize>i << 3), v);
}

// TT entries: {key u64 @0, score i32 @8, move i16 @12, gen u16 @14}
@inline export function ttAddr(i: i32): usize {
  assert(<u32>i < <u32>TT_CAP);
  return BASE + TT_OFF + (<usize>i << 4);
}

// MCTS nodes: {score u32 @0, visits i32 @4, parent i32 @8, first i32 @12, move i8 @16, player u8 @17, count u8 @18}
@inline export function nodeAddr(n: i32): usize {
  assert(<u32>n < <u32>MAX_NODES);
  return BASE + NODES_OFF + <usize>n * <usize>NODE_SIZE;
}
@inline export function childAddr(i: i32): usize {
  assert(<u32>i < <u32>MAX_CELLS);
  return BASE + CHILD_OFF + <usize>(i * 12);
}
