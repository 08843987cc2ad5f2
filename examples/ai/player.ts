// An example kxo player (vchardev's docs/kxo-ai-abi.md, ABI version 1), one step past the
// `vchardev new-ai` template: it takes a win, blocks a loss, and otherwise looks a few plies ahead
// (negamax with alpha-beta) scoring each position by the lines still open to each side. Build,
// grade and play it (from a vchardev checkout; elsewhere `npx -p assemblyscript@0.28 asc`):
//
//   npx asc examples/ai/player.ts -o lookahead.wasm --runtime stub -O3 --noAssert
//   npx vchardev grade lookahead.wasm
//   npx vchardev tournament --ai random,negamax,mcts,strong,./lookahead.wasm

const BOARD = memory.data(64);
const NAME = memory.data<u8>([108, 111, 111, 107, 97, 104, 101, 97, 100, 0]); // "lookahead"
/** plies searched past the move itself */
const DEPTH: i32 = 4;

let size: i32 = 4;
let goal: i32 = 3;
let cells: i32 = 16;

export function kxo_abi_version(): i32 {
  return 1;
}
export function kxo_board(): i32 {
  return <i32>BOARD;
}
export function kxo_name(): i32 {
  return <i32>NAME;
}

@inline function cell(i: i32): i32 {
  return <i32>load<u8>(BOARD + <usize>i);
}
@inline function put(i: i32, v: i32): void {
  store<u8>(BOARD + <usize>i, <u8>v);
}

/** Stones of `who` in a row from (r, c) one way along (dr, dc), (r, c) not counted. */
function run(who: i32, r: i32, c: i32, dr: i32, dc: i32): i32 {
  let n = 0;
  r += dr;
  c += dc;
  while (r >= 0 && r < size && c >= 0 && c < size && cell(r * size + c) == who) {
    n++;
    r += dr;
    c += dc;
  }
  return n;
}

/** Would `who` on the empty cell i complete goal in a row? */
function wins(who: i32, i: i32): bool {
  const r = i / size;
  const c = i % size;
  return 1 + run(who, r, c, 0, 1) + run(who, r, c, 0, -1) >= goal ||
    1 + run(who, r, c, 1, 0) + run(who, r, c, -1, 0) >= goal ||
    1 + run(who, r, c, 1, 1) + run(who, r, c, -1, -1) >= goal ||
    1 + run(who, r, c, 1, -1) + run(who, r, c, -1, 1) >= goal;
}

/** Every run of `goal` cells: open to one side only, worth 4^(its stones) to that side. */
function evaluate(me: i32): i32 {
  let score = 0;
  for (let d = 0; d < 4; d++) {
    const dr = d == 0 ? 0 : 1;
    const dc = d == 1 ? 0 : d == 3 ? -1 : 1;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const er = r + dr * (goal - 1);
        const ec = c + dc * (goal - 1);
        if (er < 0 || er >= size || ec < 0 || ec >= size) continue;
        let mine = 0;
        let theirs = 0;
        for (let k = 0; k < goal; k++) {
          const v = cell((r + dr * k) * size + c + dc * k);
          if (v == me) mine++;
          else if (v != 0x20) theirs++;
        }
        if (theirs == 0 && mine > 0) score += 1 << (2 * mine);
        else if (mine == 0 && theirs > 0) score -= 1 << (2 * theirs);
      }
    }
  }
  return score;
}

const WIN: i32 = 1 << 28;

/** The value of the position for `me` to move, `depth` plies deep. */
function negamax(me: i32, depth: i32, alpha: i32, beta: i32): i32 {
  const them = me == 0x4f ? 0x58 : 0x4f;
  let any = false;
  for (let i = 0; i < cells; i++) {
    if (cell(i) != 0x20) continue;
    any = true;
    if (wins(me, i)) return WIN + depth; // sooner is better
  }
  if (!any) return 0;
  if (depth == 0) return evaluate(me);
  let best = -WIN * 2;
  for (let i = 0; i < cells; i++) {
    if (cell(i) != 0x20) continue;
    put(i, me);
    const v = -negamax(them, depth - 1, -beta, -alpha);
    put(i, 0x20);
    if (v > best) best = v;
    if (best > alpha) alpha = best;
    if (alpha >= beta) break;
  }
  return best;
}

export function kxo_move(n: i32, g: i32, player: i32): i32 {
  size = n;
  goal = g;
  cells = n * n;
  const them = player == 0x4f ? 0x58 : 0x4f;
  for (let i = 0; i < cells; i++) if (cell(i) == 0x20 && wins(player, i)) return i;
  for (let i = 0; i < cells; i++) if (cell(i) == 0x20 && wins(them, i)) return i;
  // deeper on small boards, shallower on big ones: a move stays well inside its budget
  const depth = cells <= 16 ? DEPTH : cells <= 25 ? 2 : 1;
  let best = -1;
  let bestV = -WIN * 4;
  for (let i = 0; i < cells; i++) {
    if (cell(i) != 0x20) continue;
    put(i, player);
    const v = -negamax(them, depth, -WIN * 4, WIN * 4);
    put(i, 0x20);
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}
