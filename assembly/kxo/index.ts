// The kxo engine's exports: numbers and pointers only. The host writes the board (size² bytes)
// at boardPtr() and reads results through the getters (raw bindings, stub runtime).
import { layoutInit, base, zobrist, BOARD_OFF, CHILD_OFF } from './layout';
import { checkWin as cw, getScore as gs, configureGame } from './game';
import { fixedSqrt as fs, fixedLog as fl, uctScore as us } from './fixed';
import { xoroNext as xn, xoroJump as xj, xoroSeed, s0, s1 } from './xoroshiro';
import { zobristInit, negamaxPredict as np, negamaxConfigure, maxDepth, resultScore, resultMove } from './negamax';
import { mcts as mc, mctsConfigure, iterations, nodes, rootVisits, rootChildren } from './mcts';

/** Lays out memory, seeds Zobrist keys and the PRNG (negamax_init + mcts_init), shape 4x4/3. */
export function init(): usize {
  layoutInit();
  zobristInit();
  xoroSeed(314159265, 1618033989);
  configure(4, 3);
  return base() + BOARD_OFF;
}
/** Board side 3..8 and goal 3..size for every later call; @returns 0, or -1 out of range */
export function configure(size: i32, goal: i32): i32 {
  if (configureGame(size, goal) < 0) return -1;
  negamaxConfigure();
  mctsConfigure();
  return 0;
}
export function mctsIterations(): i32 { return iterations; }
export function negamaxDepth(): i32 { return maxDepth; }
export function boardPtr(): usize { return base() + BOARD_OFF; }
export function childrenPtr(): usize { return base() + CHILD_OFF; }
/** One Zobrist key (cell 0..63, side 0 = 'O', 1 = 'X'): tests check a search leaves them alone. */
export function zobristKey(i: i32, side: i32): u64 { return zobrist(i, side); }

export function checkWin(): u32 { return cw(BOARD_OFF); }
export function getScore(p: u32): i32 { return gs(BOARD_OFF, <u8>p); }
export function fixedSqrt(x: u32): u32 { return fs(x); }
export function fixedLog(x: u32): u32 { return fl(x); }
export function uctScore(t: i32, v: i32, s: u32): u32 { return us(t, v, s); }

export function xoroNext(): u64 { return xn(); }
export function xoroJump(): void { xj(); }
export function xoroGet0(): u64 { return s0; }
export function xoroGet1(): u64 { return s1; }
export function xoroSet(a: u64, b: u64): void { xoroSeed(a, b); }

/** negamax_predict on the board slot; score via lastScore(), move returned. */
export function negamaxPredict(p: u32): i32 {
  np(<u8>p);
  return resultMove;
}
export function lastScore(): i32 { return resultScore; }

export function mcts(p: u32): i32 { return mc(<u8>p); }
export function mctsNodes(): i32 { return nodes; }
export function mctsRootVisits(): i32 { return rootVisits; }
export function mctsRootChildren(): i32 { return rootChildren; }
