// see: sysprog21/kxo mcts.c — 100000 iterations of select/expand/simulate/backpropagate in u32
// 8.8 fixed point, the PRNG carried across calls (kxo §8)
import { BOARD_OFF, TMP_OFF, SIM_OFF, ITERATIONS, MAX_NODES, nGrids, cell, setCell, nodeAddr, childAddr, base, playoutMove, setPlayoutMove } from './layout';
import { SPACE, O, X, checkWin, winValue } from './game';
import { fixedLog, uctWithLog } from './fixed';
import { xoroJump, xoroNext } from './xoroshiro';

export let nodes: i32 = 0;
export let rootVisits: i32 = 0;
export let rootChildren: i32 = 0;
/** kxo's 100000 on 4x4; fewer on bigger boards (see mctsConfigure) */
export let iterations: i32 = ITERATIONS;

/**
 * An iteration costs about cells × segments, which grows as cells³ for a fixed goal, so
 * 100000 × (16 / cells)³ iterations (at least 1000, at most kxo's 100000) keep a move near kxo's
 * 4x4 time: 26214 on 5x5, 8779 on 6x6, 1562 on 8x8. It also keeps iterations × cells + 1 within
 * the node pool, since each iteration expands at most one node.
 */
export function mctsConfigure(): void {
  const c = <i64>nGrids;
  iterations = <i32>max<i64>(1000, min<i64>(<i64>ITERATIONS, (<i64>ITERATIONS * 4096) / (c * c * c)));
}

@inline function nScore(n: i32): u32 { return load<u32>(nodeAddr(n)); }
@inline function nVisits(n: i32): i32 { return load<i32>(nodeAddr(n), 4); }
@inline function nParent(n: i32): i32 { return load<i32>(nodeAddr(n), 8); }
@inline function nFirst(n: i32): i32 { return load<i32>(nodeAddr(n), 12); }
@inline function nMove(n: i32): i32 { return <i32>load<i8>(nodeAddr(n), 16); }
@inline function nPlayer(n: i32): u8 { return load<u8>(nodeAddr(n), 17); }
@inline function nCount(n: i32): i32 { return <i32>load<u8>(nodeAddr(n), 18); }

function newNode(move: i32, player: u8, parent: i32): i32 {
  const n = nodes++;
  const a = nodeAddr(n);
  store<u32>(a, 0);
  store<i32>(a, 0, 4);
  store<i32>(a, parent, 8);
  store<i32>(a, 0, 12);
  store<i8>(a, <i8>move, 16);
  store<u8>(a, player, 17);
  store<u8>(a, 0, 18);
  return n;
}

// observed: kxo §8 — between levels s becomes 1 - s in u32 (1, not 256)
function backpropagate(node: i32, score: u32): void {
  for (let n = node; n >= 0; n = nParent(n)) {
    const a = nodeAddr(n);
    store<i32>(a, load<i32>(a, 4) + 1, 4);
    store<u32>(a, load<u32>(a) + score);
    score = 1 - score;
  }
}

function simulate(player: u8): u32 {
  memory.copy(base() + SIM_OFF, base() + TMP_OFF, nGrids);
  xoroJump();
  let cur = player;
  for (;;) {
    let n = 0;
    for (let i = 0; i < nGrids; i++) {
      if (cell(SIM_OFF, i) == SPACE) {
        setPlayoutMove(n, i);
        n++;
      }
    }
    if (n == 0) return 128;
    const m = playoutMove(<i32>(xoroNext() % <u64>n));
    setCell(SIM_OFF, m, cur);
    const w = checkWin(SIM_OFF);
    // observed: kxo §8 — scored for the side to move at the node, not the side that moved into it
    if (w != SPACE) return winValue(w, player);
    cur ^= O ^ X;
  }
  return unreachable();
}

function select(node: i32): i32 {
  let best = -1;
  let bestScore: u32 = 0;
  // fixed_log(n_total << 8) is the same for every child: once per node instead of per child
  const logTotal = fixedLog(<u32>(nVisits(node) << 8));
  const first = nFirst(node);
  const end = first + nCount(node);
  for (let c = first; c < end; c++) {
    const s = uctWithLog(logTotal, nVisits(c), nScore(c));
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}

/** mcts(board in BOARD, player); @returns the move or -1 */
export function mcts(player: u8): i32 {
  nodes = 0;
  const root = newNode(-1, player, -1);
  for (let it = 0; it < iterations; it++) {
    let node = root;
    memory.copy(base() + TMP_OFF, base() + BOARD_OFF, nGrids);
    for (;;) {
      const w = checkWin(TMP_OFF);
      if (w != SPACE) {
        // observed: kxo §8 — a terminal node is scored for the player who moved into it
        backpropagate(node, winValue(w, nPlayer(node) ^ O ^ X));
        break;
      }
      if (nVisits(node) == 0) {
        backpropagate(node, simulate(nPlayer(node)));
        break;
      }
      if (nCount(node) == 0) {
        store<i32>(nodeAddr(node), nodes, 12);
        const childPlayer = nPlayer(node) ^ O ^ X;
        let k = 0;
        for (let i = 0; i < nGrids; i++) {
          if (cell(TMP_OFF, i) == SPACE) {
            newNode(i, childPlayer, node);
            k++;
          }
        }
        store<u8>(nodeAddr(node), <u8>k, 18);
      }
      const next = select(node);
      // observed: kxo §8 — no child scores above 0: mcts gives up with -1 (the C leaks its tree)
      if (next < 0) {
        snapshot(root);
        return -1;
      }
      node = next;
      setCell(TMP_OFF, nMove(node), nPlayer(node) ^ O ^ X);
    }
  }
  snapshot(root);
  let best = -1;
  let most = -1;
  const first = nFirst(root);
  for (let c = first; c < first + nCount(root); c++) {
    if (nVisits(c) > most) {
      most = nVisits(c);
      best = nMove(c);
    }
  }
  return best;
}

/** Copies the root's children for the host: {move i32, visits i32, score u32} × cells. */
function snapshot(root: i32): void {
  rootVisits = nVisits(root);
  rootChildren = nCount(root);
  const first = nFirst(root);
  for (let i = 0; i < rootChildren; i++) {
    const a = childAddr(i);
    store<i32>(a, nMove(first + i));
    store<i32>(a, nVisits(first + i), 4);
    store<u32>(a, nScore(first + i), 8);
  }
}
