// The strong engine's exports: numbers only (bitboards cross as u64 / bigint). The host
// configures size and goal, loads a position and asks for a move; the score of the last search
// tells its exact value when the search was exact (see search.ts for the encoding).
import { layoutInit, solveReserve } from './layout';
import { solvePosition, solveClear as sc, sBest, snodes } from './solve';
import { configure as cf, setBoard as sb, bestMove as bm, clearTT as ct, lastScore as ls, lastExact as le, nodes as nd, WIN, EXACT, bo, bx, full, hasLine } from './search';

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
/** forgets both tables: the distance search's and the solver's */
export function clearTable(): void {
  ct();
  sc();
}
/** Reserves the exact solver's table, 2^bits entries of 16 B (16..26), at the first call; @returns the bits in use */
export function solveTable(bits: i32): i32 { return solveReserve(bits); }
/**
 * Solves the loaded position with `side` to move (win/draw/loss only, any number of empty
 * cells) within nodeBudget nodes. @returns 1 win, 0 draw, -1 loss, -2 when the budget ran out,
 * -3 when the game is already over (a line, or a full board)
 */
export function solve(side: i32, nodeBudget: f64): i32 {
  if ((bo | bx) == full || hasLine(bo) || hasLine(bx)) return -3;
  return solvePosition(bo, bx, side, nodeBudget);
}
/** a move that keeps the last solve's value (-1 when the game was over) */
export function solveMove(): i32 { return sBest; }
export function solveNodes(): f64 { return <f64>snodes; }
export function solveClear(): void { sc(); }
