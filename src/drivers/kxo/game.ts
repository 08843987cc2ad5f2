// see: sysprog21/kxo game.c check_win — the timer handler's game-over test. The AIs' own copy
// runs inside the WASM engine; this one serves the softirq path, which must not wait on a worker.
import { BOARD_SIZE, GOAL, N_GRIDS } from './board.js';

/** The 24 three-cell segments in check_win's scan order: rows, columns, "\" then "/" diagonals. */
const SEGMENTS: ReadonlyArray<readonly number[]> = (() => {
  const seg: number[][] = [];
  const line = (i: number, j: number, di: number, dj: number) =>
    seg.push(Array.from({ length: GOAL }, (_, t) => (i + di * t) * BOARD_SIZE + (j + dj * t)));
  for (let i = 0; i < BOARD_SIZE; i++) for (let j = 0; j <= BOARD_SIZE - GOAL; j++) line(i, j, 0, 1);
  for (let i = 0; i <= BOARD_SIZE - GOAL; i++) for (let j = 0; j < BOARD_SIZE; j++) line(i, j, 1, 0);
  for (let i = 0; i <= BOARD_SIZE - GOAL; i++) for (let j = 0; j <= BOARD_SIZE - GOAL; j++) line(i, j, 1, 1);
  for (let i = 0; i <= BOARD_SIZE - GOAL; i++) for (let j = GOAL - 1; j < BOARD_SIZE; j++) line(i, j, 1, -1);
  return seg;
})();

/** ' ' while the game is on, 'O' or 'X' for the first complete segment, 'D' for a full board. */
export function checkWin(table: string): ' ' | 'O' | 'X' | 'D' {
  for (const [a, b, c] of SEGMENTS) {
    const w = table[a!];
    if (w !== ' ' && w === table[b!] && w === table[c!]) return w as 'O' | 'X';
  }
  for (let i = 0; i < N_GRIDS; i++) if (table[i] === ' ') return ' ';
  return 'D';
}
