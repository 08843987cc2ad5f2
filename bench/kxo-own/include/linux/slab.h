/* kmalloc and friends over malloc, and the few other kernel calls kxo's engine files make. */
#ifndef KXO_OWN_SLAB_H
#define KXO_OWN_SLAB_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/types.h>
#define GFP_KERNEL 0
static inline void *kmalloc(size_t n, int flags) { (void)flags; return malloc(n); }
static inline void *kzalloc(size_t n, int flags) { (void)flags; return calloc(1, n); }
static inline void kfree(const void *p) { free((void *)p); }
typedef s64 ktime_t;
static inline ktime_t ktime_get(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ktime_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static inline s64 ktime_to_ns(ktime_t t) { return t; }
#define pr_info(...) fprintf(stderr, __VA_ARGS__)
#endif
