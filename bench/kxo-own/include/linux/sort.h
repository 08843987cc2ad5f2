/*
 * sort() with lib/sort.c's algorithm (v6.11+: bottom-up heapsort popping two at a time, the sift
 * path taking the right child on ties), for elements of any size: kxo's negamax orders its moves
 * with it, and ties decide its moves, so a user-space stand-in must order as the kernel does.
 * The same algorithm as assembly/kxo/sort.ts, over bytes.
 */
#ifndef KXO_OWN_SORT_H
#define KXO_OWN_SORT_H
#include <stddef.h>
#include <string.h>
typedef int (*kxo_cmp_func_t)(const void *, const void *);
static inline void kxo_swap_bytes(char *a, char *b, size_t size)
{
	for (size_t k = 0; k < size; k++) {
		char t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}
static inline void sort(void *base, size_t num, size_t size, kxo_cmp_func_t cmp, void *swap_unused)
{
	char *v = base;
	size_t n = num, a = num >> 1;
	int shift = 0;
	(void)swap_unused;
#define AT(i) (v + (i) * size)
	if (!a) return;
	for (;;) {
		if (a) a -= (size_t)1 << shift;
		else if (n > 3) {
			n--;
			kxo_swap_bytes(AT(0), AT(n), size);
			shift = cmp(AT(1), AT(2)) <= 0 ? 1 : 0;
			a = (size_t)1 << shift;
			n--;
			kxo_swap_bytes(AT(a), AT(n), size);
		} else break;
		size_t b = a, c = 0, d = 0;
		for (;;) {
			c = 2 * b + 1;
			d = c + 1;
			if (d >= n) break;
			b = cmp(AT(c), AT(d)) > 0 ? c : d;
		}
		if (d == n) b = c;
		while (b != a && cmp(AT(a), AT(b)) >= 0) b = (b - 1) >> 1;
		c = b;
		while (b != a) {
			b = (b - 1) >> 1;
			kxo_swap_bytes(AT(b), AT(c), size);
		}
	}
	n--;
	kxo_swap_bytes(AT(0), AT(n), size);
	if (n == 2 && cmp(AT(0), AT(1)) > 0) kxo_swap_bytes(AT(0), AT(1), size);
#undef AT
}
#endif
