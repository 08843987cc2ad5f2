/*
 * The C baseline of bench/kxo.bench.mjs, measured in the same run as the WASM it is compared with:
 * the same work as assembly/kxo (kxo's MCTS in u32 8.8 fixed point with the xoroshiro PRNG carried
 * across calls, and negamax_predict: iterative deepening 2/4/6, PVS, history ordering by the
 * kernel's heapsort on keys worked out once, a Zobrist-keyed transposition table, over
 * bitboards, the game-over test on the last move's segments), written in C from our
 * AssemblyScript, on kxo's 4x4 board with three in a row. The bench checks that every call gives
 * the WASM engine's move, score and PRNG state before it trusts a time.
 *
 *   kxo-c mcts <board16> <O|X> <reps> [s0 s1]  "move <m> state <s0> <s1> ms <per call>"
 *   kxo-c negamax <board16> <O|X> <reps>       "score <s> move <m> ms <per call>"
 *   kxo-c replay <games>                       "moves <n> ms <per move>"
 * A board is 16 characters of ' ', 'O' and 'X' (row by row); MCTS starts each rep from the PRNG
 * state given (kxo's seed by default).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timing.h"

#define N 16		 /* cells: kxo's 4x4 */
#define GOAL 3
#define ITERATIONS 100000
#define MAX_NODES (1 + N * ITERATIONS)
#define MAX_PLY 8
#define TT_BITS 18
#define TT_CAP (1u << TT_BITS)
#define SPACE ' '
#define O 'O'
#define X 'X'
#define OTHER(p) ((p) ^ O ^ X)

static uint8_t seg[96]; /* segments × GOAL, in check_win's scan order */
static int seg_cells;
static uint64_t seg_mask[32]; /* the same segments as cell masks (negamax's bitboards) */
static uint64_t cell_seg[16][32]; /* per cell, the masks of the segments through it */
static int cell_seg_n[16];
static int seg_count;

static void add_segment(int r, int c, int dr, int dc)
{
	for (int k = 0; k < GOAL; k++)
		seg[seg_cells++] = (uint8_t)((r + dr * k) * 4 + (c + dc * k));
}

static void configure(void)
{
	const int size = 4, span = size - GOAL + 1;
	for (int i = 0; i < size; i++) for (int j = 0; j < span; j++) add_segment(i, j, 0, 1);
	for (int i = 0; i < span; i++) for (int j = 0; j < size; j++) add_segment(i, j, 1, 0);
	for (int i = 0; i < span; i++) for (int j = 0; j < span; j++) add_segment(i, j, 1, 1);
	for (int i = 0; i < span; i++) for (int j = GOAL - 1; j < size; j++) add_segment(i, j, 1, -1);
	seg_count = seg_cells / GOAL;
	for (int s = 0; s < seg_count; s++)
		for (int k = 0; k < GOAL; k++) seg_mask[s] |= 1ull << seg[s * GOAL + k];
	/* and under each of its cells: negamax asks only these after a move there */
	for (int s = 0; s < seg_count; s++)
		for (int k = 0; k < GOAL; k++) {
			int c = seg[s * GOAL + k];
			cell_seg[c][cell_seg_n[c]++] = seg_mask[s];
		}
}

static uint8_t check_win(const uint8_t *b)
{
	for (int s = 0; s < seg_cells; s += GOAL) {
		uint8_t w = b[seg[s]];
		if (w == SPACE) continue;
		int k = 1;
		while (k < GOAL && b[seg[s + k]] == w) k++;
		if (k == GOAL) return w;
	}
	for (int i = 0; i < N; i++)
		if (b[i] == SPACE) return SPACE;
	return 'D';
}

static uint32_t win_value(uint8_t w, uint8_t p)
{
	return w == p ? 256 : w == OTHER(p) ? 0 : 128;
}

/* ---- the PRNG (xoroshiro128+ with kxo's 24/16/37) ---- */
static uint64_t s0, s1;
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t xoro_next(void)
{
	uint64_t a = s0, b = s1, r = rotl(a + b, 24) + a;
	b ^= a;
	s0 = rotl(a, 24) ^ b ^ (b << 16);
	s1 = rotl(b, 37);
	return r;
}
static void xoro_jump(void)
{
	static const uint64_t J[2] = { 0xdf900294d8f554a5ull, 0x170865df4b3201fcull };
	uint64_t a = 0, b = 0;
	for (int w = 0; w < 2; w++)
		for (int bit = 0; bit < 64; bit++) {
			if (J[w] & (1ull << bit)) { a ^= s0; b ^= s1; }
			xoro_next();
		}
	s0 = a;
	s1 = b;
}

/* ---- 8.8 fixed point, wrapping in u32 as kxo's does ---- */
static uint32_t fixed_sqrt(uint32_t x)
{
	if (x == 0 || x == 256) return x;
	uint32_t s = 0;
	for (uint32_t t = 1u << (31 - __builtin_clz(x)); t >= 1; t >>= 1) {
		uint32_t c = s + t;
		if ((c * c) >> 8 <= x) s = c;
	}
	return s;
}
static uint32_t fixed_log(uint32_t v)
{
	if (v == 0 || v == 256) return 0;
	uint32_t num = v - 256;
	int neg = (num & 0x80000000u) != 0;
	if (neg) num = 0x80000000u - (num & 0x7fffffffu);
	uint32_t d = v + 256, y = d ? (num << 8) / d : 0, ans = 0;
	for (uint32_t i = 1; i < 20; i += 2) {
		uint32_t z = 256;
		for (uint32_t j = 0; j < i; j++) z = (z * y) >> 8;
		ans += (z << 8) / (i << 8);
	}
	ans <<= 1;
	return neg ? ans | 0x80000000u : ans;
}
static inline uint32_t uct(uint32_t log_total, int32_t visits, uint32_t score)
{
	if (visits == 0) return 0xffffffffu;
	return score + ((362u * fixed_sqrt(log_total / (uint32_t)visits)) >> 8);
}

/* ---- MCTS over a node pool ---- */
struct node {
	uint32_t score;
	int32_t visits, parent, first;
	int8_t move;
	uint8_t player, count;
};
static struct node *pool;
static int nodes;

static int new_node(int move, uint8_t player, int parent)
{
	struct node *n = &pool[nodes];
	*n = (struct node){ 0, 0, parent, 0, (int8_t)move, player, 0 };
	return nodes++;
}
static void backpropagate(int n, uint32_t score)
{
	for (; n >= 0; n = pool[n].parent) {
		pool[n].visits++;
		pool[n].score += score;
		score = 1 - score;
	}
}
static uint32_t simulate(const uint8_t *tmp, uint8_t player)
{
	uint8_t sim[N], moves[N];
	memcpy(sim, tmp, N);
	xoro_jump();
	for (uint8_t cur = player;; cur = OTHER(cur)) {
		int n = 0;
		for (int i = 0; i < N; i++)
			if (sim[i] == SPACE) moves[n++] = (uint8_t)i;
		if (n == 0) return 128;
		sim[moves[xoro_next() % (uint64_t)n]] = cur;
		uint8_t w = check_win(sim);
		if (w != SPACE) return win_value(w, player);
	}
}
static int select_child(int node)
{
	int best = -1;
	uint32_t best_score = 0, log_total = fixed_log((uint32_t)pool[node].visits << 8);
	for (int c = pool[node].first, end = c + pool[node].count; c < end; c++) {
		uint32_t s = uct(log_total, pool[c].visits, pool[c].score);
		if (s > best_score) { best_score = s; best = c; }
	}
	return best;
}
static int mcts(const uint8_t *board, uint8_t player)
{
	uint8_t tmp[N];
	nodes = 0;
	int root = new_node(-1, player, -1);
	for (int it = 0; it < ITERATIONS; it++) {
		int node = root;
		memcpy(tmp, board, N);
		for (;;) {
			uint8_t w = check_win(tmp);
			if (w != SPACE) { backpropagate(node, win_value(w, OTHER(pool[node].player))); break; }
			if (pool[node].visits == 0) { backpropagate(node, simulate(tmp, pool[node].player)); break; }
			if (pool[node].count == 0) {
				pool[node].first = nodes;
				uint8_t child = OTHER(pool[node].player);
				int k = 0;
				for (int i = 0; i < N; i++)
					if (tmp[i] == SPACE) { new_node(i, child, node); k++; }
				pool[node].count = (uint8_t)k;
			}
			int next = select_child(node);
			if (next < 0) return -1;
			node = next;
			tmp[pool[node].move] = OTHER(pool[node].player);
		}
	}
	int best = -1, most = -1;
	for (int c = pool[root].first; c < pool[root].first + pool[root].count; c++)
		if (pool[c].visits > most) { most = pool[c].visits; best = pool[c].move; }
	return best;
}

/* ---- negamax_predict ---- */
struct tt_entry {
	uint64_t key;
	int32_t score;
	int16_t move;
	uint16_t gen;
};
static struct tt_entry *tt;
static uint64_t zobrist[N * 2], hash;
static uint16_t gen = 1;
static int tt_used;
static int hsum[N], hcount[N], moves_at[MAX_PLY][N];
static int result_move;
/* the search's board as bitboards, as assembly/kxo/negamax.ts keeps it */
static uint64_t o_bits, x_bits;
#define FULL ((1ull << N) - 1)

static uint8_t check_win_bits(void)
{
	for (int s = 0; s < seg_count; s++) {
		uint64_t m = seg_mask[s];
		if ((o_bits & m) == m) return O;
		if ((x_bits & m) == m) return X;
	}
	return (o_bits | x_bits) == FULL ? 'D' : SPACE;
}
static int get_score_bits(uint8_t p)
{
	static const int pow10[] = { 1, 10, 100, 1000 };
	uint64_t mine = p == O ? o_bits : x_bits, theirs = p == O ? x_bits : o_bits;
	int total = 0;
	for (int s = 0; s < seg_count; s++) {
		int a = __builtin_popcountll(mine & seg_mask[s]), b = __builtin_popcountll(theirs & seg_mask[s]);
		if (a && b) continue;
		if (a) total += pow10[a - 1];
		else if (b) total -= pow10[b - 1];
	}
	return total;
}

static void zobrist_init(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < N * 2; i++) {
		s += 0x9e3779b97f4a7c15ull;
		uint64_t z = s;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		zobrist[i] = z ^ (z >> 31);
	}
}
static inline uint32_t slot(uint64_t key) { return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - TT_BITS)); }
static struct tt_entry *tt_get(uint64_t key)
{
	for (uint32_t i = slot(key);; i = (i + 1) & (TT_CAP - 1)) {
		if (tt[i].gen != gen) return NULL;
		if (tt[i].key == key) return &tt[i];
	}
}
static void tt_put(uint64_t key, int score, int move)
{
	for (uint32_t i = slot(key);; i = (i + 1) & (TT_CAP - 1)) {
		struct tt_entry *e = &tt[i];
		if (e->gen != gen || e->key == key) {
			if (e->gen != gen) {
				if (tt_used >= (int)(TT_CAP >> 1)) return;
				tt_used++;
			}
			*e = (struct tt_entry){ key, score, (int16_t)move, gen };
			return;
		}
	}
}
static void tt_clear(void)
{
	tt_used = 0;
	if (++gen == 0) {
		for (uint32_t i = 0; i < TT_CAP; i++) tt[i].gen = 0;
		gen = 1;
	}
}

/*
 * Linux's lib/sort.c heapsort (the sift path takes the right child on ties): higher average
 * first. As assembly/kxo/sort.ts does it: each move's average worked out once before the sort,
 * the list sorted as key << 32 | move.
 */
static inline int avg(int m) { return hcount[m] ? hsum[m] / hcount[m] : 0; }
static inline int cmp_moves(const int64_t *v, int x, int y) { return (int)(v[y] >> 32) - (int)(v[x] >> 32); }
static inline void swap_moves(int64_t *v, int x, int y) { int64_t t = v[x]; v[x] = v[y]; v[y] = t; }
static void heapsort_moves(int64_t *v, int num)
{
	int n = num, a = num >> 1, shift = 0;
	if (!a) return;
	for (;;) {
		if (a) a -= 1 << shift;
		else if (n > 3) {
			n--;
			swap_moves(v, 0, n);
			shift = cmp_moves(v, 1, 2) <= 0 ? 1 : 0;
			a = 1 << shift;
			n--;
			swap_moves(v, a, n);
		} else break;
		int b = a, c = 0, d = 0;
		for (;;) {
			c = 2 * b + 1;
			d = c + 1;
			if (d >= n) break;
			b = cmp_moves(v, c, d) > 0 ? c : d;
		}
		if (d == n) b = c;
		while (b != a && cmp_moves(v, a, b) >= 0) b = (b - 1) >> 1;
		c = b;
		while (b != a) {
			b = (b - 1) >> 1;
			swap_moves(v, b, c);
		}
	}
	n--;
	swap_moves(v, 0, n);
	if (n == 2 && cmp_moves(v, 0, 1) > 0) swap_moves(v, 0, 1);
}
static void kernel_sort(int *v, int num)
{
	int64_t e[N];
	for (int i = 0; i < num; i++) e[i] = ((int64_t)avg(v[i]) << 32) | (uint32_t)v[i];
	heapsort_moves(e, num);
	for (int i = 0; i < num; i++) v[i] = (int)e[i];
}

/* is the game over after a move at last (-1: the root, the whole board)? only a segment through
 * the last stone can have been completed */
static int over(int last, uint8_t p)
{
	if (last < 0) return check_win_bits() != SPACE;
	uint64_t mover = p == O ? x_bits : o_bits;
	for (int k = 0; k < cell_seg_n[last]; k++)
		if ((mover & cell_seg[last][k]) == cell_seg[last][k]) return 1;
	return (o_bits | x_bits) == FULL;
}

static int negamax(int depth, uint8_t p, int alpha, int beta, int ply, int last)
{
	if (depth == 0 || over(last, p)) {
		result_move = -1;
		return get_score_bits(p);
	}
	struct tt_entry *hit = tt_get(hash);
	if (hit) {
		result_move = hit->move;
		return hit->score;
	}
	int *v = moves_at[ply], n = 0;
	for (uint64_t free = ~(o_bits | x_bits) & FULL; free; free &= free - 1) v[n++] = __builtin_ctzll(free);
	kernel_sort(v, n);
	int best_score = -10000, best_move = -1, side = p == X;
	for (int i = 0; i < n; i++) {
		int m = v[i], score;
		uint64_t bit = 1ull << m;
		if (side) x_bits |= bit;
		else o_bits |= bit;
		hash ^= zobrist[m * 2 + side];
		if (i == 0) score = -negamax(depth - 1, OTHER(p), -beta, -alpha, ply + 1, m);
		else {
			score = -negamax(depth - 1, OTHER(p), -alpha - 1, -alpha, ply + 1, m);
			if (alpha < score && score < beta) score = -negamax(depth - 1, OTHER(p), -beta, -score, ply + 1, m);
		}
		hcount[m]++;
		hsum[m] += score;
		if (score > best_score) { best_score = score; best_move = m; }
		if (side) x_bits &= ~bit;
		else o_bits &= ~bit;
		hash ^= zobrist[m * 2 + side];
		if (score > alpha) alpha = score;
		if (alpha >= beta) break;
	}
	tt_put(hash, best_score, best_move);
	result_move = best_move;
	return best_score;
}
static int negamax_predict(const uint8_t *board, uint8_t p, int *move)
{
	int score = 0;
	o_bits = x_bits = 0;
	for (int i = 0; i < N; i++) {
		if (board[i] == O) o_bits |= 1ull << i;
		else if (board[i] == X) x_bits |= 1ull << i;
	}
	memset(hsum, 0, sizeof(hsum));
	memset(hcount, 0, sizeof(hcount));
	for (int depth = 2; depth <= 6; depth += 2) {
		hash = 0;
		score = negamax(depth, p, -100000, 100000, 0, -1);
		tt_clear();
	}
	*move = result_move;
	return score;
}

static void parse_board(const char *s, uint8_t *b)
{
	if (strlen(s) != N) { fprintf(stderr, "a board is %d characters\n", N); exit(2); }
	memcpy(b, s, N);
}

int main(int argc, char **argv)
{
	configure();
	zobrist_init();
	pool = malloc(sizeof(*pool) * MAX_NODES);
	tt = calloc(TT_CAP, sizeof(*tt));
	if (!pool || !tt) return 1;
	if ((argc == 5 || argc == 7) && !strcmp(argv[1], "mcts")) {
		uint8_t b[N];
		parse_board(argv[2], b);
		int reps = atoi(argv[4]), m = -1;
		uint64_t seed0 = argc == 7 ? strtoull(argv[5], NULL, 10) : 314159265;
		uint64_t seed1 = argc == 7 ? strtoull(argv[6], NULL, 10) : 1618033989;
		double t0 = now_us();
		for (int r = 0; r < reps; r++) {
			s0 = seed0;
			s1 = seed1;
			m = mcts(b, (uint8_t)argv[3][0]);
		}
		printf("move %d state %llu %llu ms %.4f\n", m, (unsigned long long)s0, (unsigned long long)s1, (now_us() - t0) / 1e3 / reps);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "negamax")) {
		uint8_t b[N];
		parse_board(argv[2], b);
		int reps = atoi(argv[4]), m = -1, s = 0;
		double t0 = now_us();
		for (int r = 0; r < reps; r++) s = negamax_predict(b, (uint8_t)argv[3][0], &m);
		printf("score %d move %d ms %.5f\n", s, m, (now_us() - t0) / 1e3 / reps);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "replay")) {
		/* consecutive games, the turn carried over, as bench/kxo.bench.mjs's replay() */
		int games = atoi(argv[2]), moves = 0;
		uint8_t turn = O;
		s0 = 314159265;
		s1 = 1618033989;
		double t0 = now_us();
		for (int g = 0; g < games; g++) {
			uint8_t b[N];
			memset(b, SPACE, N);
			while (check_win(b) == SPACE) {
				int m;
				if (turn == O) m = mcts(b, O);
				else negamax_predict(b, X, &m);
				if (m != -1) b[m] = turn;
				turn = OTHER(turn);
				moves++;
			}
		}
		printf("moves %d ms %.4f\n", moves, (now_us() - t0) / 1e3 / moves);
		return 0;
	}
	fprintf(stderr, "usage: kxo-c mcts <board16> <O|X> <reps> [s0 s1] | negamax <board16> <O|X> <reps> | replay <games>\n");
	return 2;
}
