// A kxo player in AssemblyScript (vchardev's docs/kxo-ai-abi.md, ABI version 1). It takes a win
// when it has one, blocks the opponent's, else plays the free cell nearest the centre: a start
// to make your own. Build it (AssemblyScript 0.28; inside a vchardev checkout `npx asc` will do):
//
//   npx -p assemblyscript@0.28 asc player.ts -o player.wasm --runtime stub -O3 --noAssert
//
// then play it: vchardev tournament --ai random,negamax,./player.wasm

// the board the host fills before every move: cell row * size + col, ' ' 'O' or 'X'
const BOARD = memory.data(64);
// the name it plays under: UTF-8, NUL-terminated, at most 32 bytes
const NAME = memory.data<u8>([__KXO_NAME_BYTES__, 0]);
// the game's seed (kxo_init): use it for any random choice, so a game replays
let seed: u64 = 0;

export function kxo_abi_version(): i32 {
  return 1;
}
export function kxo_board(): i32 {
  return <i32>BOARD;
}
export function kxo_name(): i32 {
  return <i32>NAME;
}
export function kxo_init(s: i64): void {
  seed = <u64>s;
}

@inline function cell(i: i32): i32 {
  return <i32>load<u8>(BOARD + <usize>i);
}

/** Stones of `who` in a row from (r, c), one way along (dr, dc), (r, c) itself not counted. */
function run(size: i32, who: i32, r: i32, c: i32, dr: i32, dc: i32): i32 {
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

/** Would a stone of `who` on the empty cell i complete `goal` in a row? */
function wins(size: i32, goal: i32, who: i32, i: i32): bool {
  const r = i / size;
  const c = i % size;
  // the four lines through a cell: across, down, and the two diagonals
  if (1 + run(size, who, r, c, 0, 1) + run(size, who, r, c, 0, -1) >= goal) return true;
  if (1 + run(size, who, r, c, 1, 0) + run(size, who, r, c, -1, 0) >= goal) return true;
  if (1 + run(size, who, r, c, 1, 1) + run(size, who, r, c, -1, -1) >= goal) return true;
  return 1 + run(size, who, r, c, 1, -1) + run(size, who, r, c, -1, 1) >= goal;
}

export function kxo_move(size: i32, goal: i32, player: i32): i32 {
  const other = player == 0x4f ? 0x58 : 0x4f;
  const cells = size * size;
  for (let i = 0; i < cells; i++) if (cell(i) == 0x20 && wins(size, goal, player, i)) return i;
  for (let i = 0; i < cells; i++) if (cell(i) == 0x20 && wins(size, goal, other, i)) return i;
  // nearest the centre (twice the distance, squared: whole numbers)
  let best = -1;
  let bestD = 0x7fffffff;
  for (let i = 0; i < cells; i++) {
    if (cell(i) != 0x20) continue;
    const dr = 2 * (i / size) - (size - 1);
    const dc = 2 * (i % size) - (size - 1);
    if (dr * dr + dc * dc < bestD) {
      bestD = dr * dr + dc * dc;
      best = i;
    }
  }
  return best;
}
