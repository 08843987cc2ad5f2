/*
 * Times kxo's own C engine (sysprog21/kxo: game.c, mcts.c, negamax.c, zobrist.c, xoroshiro.c),
 * built in user space from a checkout the caller names (KXO_SRC) against the stand-ins in
 * include/linux/. Nothing of kxo is kept in this repository. bench/kxo.bench.mjs builds and runs it
 * when KXO_SRC is set, and checks its first answers against kxo's reference vectors.
 *
 *   kxo-own mcts <reps>              "move <first move> ms <per call>" (from mcts_init's seed, 'O')
 *   kxo-own negamax <board16> <reps> "score <s> move <m> ms <per call>" ('X')
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "game.h"
#include "mcts.h"
#include "negamax.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mcts")) {
		char table[N_GRIDS];
		int reps = atoi(argv[2]), first = -2;
		mcts_init();
		memset(table, ' ', N_GRIDS);
		double t0 = now_ms();
		for (int r = 0; r < reps; r++) {
			int m = mcts(table, 'O');
			if (r == 0) first = m;
		}
		printf("move %d ms %.4f\n", first, (now_ms() - t0) / reps);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "negamax") && strlen(argv[2]) == N_GRIDS) {
		char table[N_GRIDS];
		int reps = atoi(argv[3]);
		move_t r = { 0, -1 };
		negamax_init();
		memcpy(table, argv[2], N_GRIDS);
		double t0 = now_ms();
		for (int i = 0; i < reps; i++) r = negamax_predict(table, 'X');
		printf("score %d move %d ms %.5f\n", r.score, r.move, (now_ms() - t0) / reps);
		return 0;
	}
	fprintf(stderr, "usage: kxo-own mcts <reps> | negamax <board16> <reps>\n");
	return 2;
}
