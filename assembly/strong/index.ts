// The strong engine's exports: numbers only (bitboards cross as u64 / bigint). The host
// configures size and goal, loads a position and asks for a move; the score of the last search
// tells its exact value when the search was exact (see search.ts for the encoding).
import { layoutInit } from './layout';
import { configure as cf, setBoard as sb, bestMove as bm, clearTT as ct, lastScore as ls, lastExact as le, nodes as nd, WIN, EXACT } from './search';

/** Lays out memory and configures kxo's game (4x4, three in a row). */
export function init(): void {
  layoutInit();
  cf(4, 3);
}
/** @returns 0, or -1 for a size outside 3..8 or a goal outside 3..size */
export function configure(size: i32, goal: i32): i32 { return cf(size, goal); }
/**
 * Loads a position as four u32 halves of the two bitboards (no BigInt on the host's hot path).
 * @returns 0, or -1 for stones outside the board or on both sides
 */
export function setBoard(oLo: u32, oHi: u32, xLo: u32, xHi: u32): i32 {
  return sb((<u64>oHi << 32) | <u64>oLo, (<u64>xHi << 32) | <u64>xLo);
}
/**
 * side 0 = 'O', 1 = 'X'; exact when at most exactCells cells are empty and the exact search fits
 * exactBudget nodes, else deepening under nodeBudget. @returns the cell or -1 (full or won)
 */
export function bestMove(side: i32, exactCells: i32, nodeBudget: i32, exactBudget: i32): i32 { return bm(side, exactCells, nodeBudget, exactBudget); }
export function lastScore(): i32 { return ls; }
/** 1 when lastScore is the exact value of the position */
export function lastExact(): i32 { return le ? 1 : 0; }
export function lastNodes(): i32 { return nd; }
export function winScore(): i32 { return WIN; }
export function exactDepth(): i32 { return EXACT; }
export function clearTable(): void { ct(); }
