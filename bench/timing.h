/* What the bench's C programs time with: a monotonic clock in µs, and "what p50 p99" of n samples. */
#ifndef VCHARDEV_BENCH_TIMING_H
#define VCHARDEV_BENCH_TIMING_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
/* sorts t */
static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%s %.2f %.2f\n", what, t[n / 2], t[n * 99 / 100]);
}
#endif
