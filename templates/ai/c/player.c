/*
 * A kxo player in C (vchardev's docs/kxo-ai-abi.md, ABI version 1). It takes a win when it has
 * one, blocks the opponent's, else plays the free cell nearest the centre: a start to make your
 * own. Build it (Debian's clang and lld):
 *
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o player.wasm player.c
 *
 * then play it: vchardev tournament --ai random,negamax,./player.wasm
 */
#include "kxo_ai.h"

/* the board the host fills before every move: cell row * size + col, ' ' 'O' or 'X' */
static uint8_t board[KXO_BOARD_BYTES];
/* the name it plays under: UTF-8, at most 32 bytes */
static const char name[] = "__KXO_NAME__";
/* the game's seed (kxo_init): use it for any random choice, so a game replays */
static uint64_t seed;

int32_t kxo_abi_version(void) { return KXO_ABI_VERSION; }
int32_t kxo_board(void) { return (int32_t)(uintptr_t)board; }
int32_t kxo_name(void) { return (int32_t)(uintptr_t)name; }
void kxo_init(int64_t s) { seed = (uint64_t)s; }

/* stones of `who` in a row from (r, c), one way along (dr, dc), (r, c) itself not counted */
static int run(int size, int who, int r, int c, int dr, int dc)
{
	int n = 0;
	for (;;) {
		r += dr;
		c += dc;
		if (r < 0 || r >= size || c < 0 || c >= size || board[r * size + c] != who) return n;
		n++;
	}
}

/* would a stone of `who` on the empty cell i complete `goal` in a row? */
static int wins(int size, int goal, int who, int i)
{
	int r = i / size, c = i % size;
	/* the four lines through a cell: across, down, and the two diagonals */
	return 1 + run(size, who, r, c, 0, 1) + run(size, who, r, c, 0, -1) >= goal ||
	       1 + run(size, who, r, c, 1, 0) + run(size, who, r, c, -1, 0) >= goal ||
	       1 + run(size, who, r, c, 1, 1) + run(size, who, r, c, -1, -1) >= goal ||
	       1 + run(size, who, r, c, 1, -1) + run(size, who, r, c, -1, 1) >= goal;
}

int32_t kxo_move(int32_t size, int32_t goal, int32_t player)
{
	int other = player == KXO_O ? KXO_X : KXO_O, cells = size * size;
	for (int i = 0; i < cells; i++)
		if (board[i] == KXO_EMPTY && wins(size, goal, player, i)) return i;
	for (int i = 0; i < cells; i++)
		if (board[i] == KXO_EMPTY && wins(size, goal, other, i)) return i;
	/* nearest the centre (twice the distance, squared: whole numbers) */
	int best = -1, best_d = 0x7fffffff;
	for (int i = 0; i < cells; i++) {
		if (board[i] != KXO_EMPTY) continue;
		int dr = 2 * (i / size) - (size - 1), dc = 2 * (i % size) - (size - 1);
		if (dr * dr + dc * dc < best_d) {
			best_d = dr * dr + dc * dc;
			best = i;
		}
	}
	return best;
}
