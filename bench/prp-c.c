/*
 * The C baseline of bench/dma.bench.mjs, measured in the same run as the WASM it is compared with:
 * PRP lists for one transfer over scattered 4 KiB frames, built as nvme_setup_prps does (Linux
 * 3.x: 512 entries a list page, a full page's last entry moved to the next page's slot 0 and the
 * slot pointing there) and walked as a controller does (QEMU's nvme_map_prp: PRP1, then PRP2 as a
 * page or as the first list). Prints "build <M entries/s> walk <M pages/s>".
 *   usage: prp-c <transfer bytes>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096u
#define PER_LIST (PAGE / 8)
#define FRAMES 65536u /* 256 MiB of "physical memory" */
#define LISTS 64u

static uint64_t *mem; /* the physical memory, as u64 words */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* builds the PRPs for pages[0..n) (whole pages): prp1, prp2; list pages from lists[] */
static void build(const uint64_t *pages, uint32_t n, const uint64_t *lists, uint64_t *prp1, uint64_t *prp2)
{
	*prp1 = pages[0];
	*prp2 = 0;
	if (n == 1) return;
	if (n == 2) {
		*prp2 = pages[1];
		return;
	}
	uint32_t li = 0;
	uint64_t list = lists[li++];
	*prp2 = list;
	uint32_t i = 0;
	for (uint32_t p = 1; p < n; p++) {
		if (i == PER_LIST) {
			uint64_t old = list;
			list = lists[li++];
			/* the last entry moves to the new page's slot 0; the slot points to the new page */
			mem[list / 8] = mem[old / 8 + i - 1];
			mem[old / 8 + i - 1] = list;
			i = 1;
		}
		mem[list / 8 + i++] = pages[p];
	}
}

/* an entry a controller may take: page-aligned and within memory (nvme_map_prp's checks) */
static int bad(uint64_t e)
{
	return (e & (PAGE - 1)) || e >= (uint64_t)FRAMES * PAGE;
}

/* walks them: the pages of a transfer of n pages, into out; @returns how many, or 0 on a bad entry */
static uint32_t walk(uint64_t prp1, uint64_t prp2, uint32_t n, uint64_t *out)
{
	uint32_t k = 0;
	if (prp1 >= (uint64_t)FRAMES * PAGE) return 0;
	out[k++] = prp1;
	if (n == 1) return k;
	if (bad(prp2)) return 0;
	if (n == 2) {
		out[k++] = prp2;
		return k;
	}
	uint64_t list = prp2;
	uint32_t left = n - 1;
	while (left) {
		uint32_t here = left > PER_LIST ? PER_LIST - 1 : left;
		for (uint32_t i = 0; i < here; i++) {
			uint64_t e = mem[list / 8 + i];
			if (bad(e)) return 0;
			out[k++] = e;
		}
		left -= here;
		if (left) {
			list = mem[list / 8 + PER_LIST - 1];
			if (bad(list)) return 0;
		}
	}
	return k;
}

int main(int argc, char **argv)
{
	uint32_t bytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 64u << 20;
	uint32_t n = (bytes + PAGE - 1) / PAGE;
	mem = calloc((size_t)FRAMES * PAGE / 8, 8);
	uint64_t *pages = malloc(sizeof(uint64_t) * n), *out = malloc(sizeof(uint64_t) * n), lists[LISTS];
	if (!mem || !pages || !out || n < 1 || n > FRAMES - LISTS || (n - 1) / (PER_LIST - 1) + 1 > LISTS) return 2;
	/* scattered frames, as the bench's PhysMem hands them out: a fixed shuffle */
	uint32_t *order = malloc(sizeof(uint32_t) * FRAMES);
	for (uint32_t i = 0; i < FRAMES; i++) order[i] = i;
	uint32_t seed = 9;
	for (uint32_t i = FRAMES - 1; i > 0; i--) {
		seed = seed * 1103515245u + 12345u;
		uint32_t j = seed % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < LISTS; i++) lists[i] = (uint64_t)order[i] * PAGE;
	for (uint32_t i = 0; i < n; i++) pages[i] = (uint64_t)order[LISTS + i] * PAGE;
	uint64_t prp1, prp2;
	/* the walk must give back what was built */
	build(pages, n, lists, &prp1, &prp2);
	if (walk(prp1, prp2, n, out) != n || memcmp(out, pages, sizeof(uint64_t) * n)) return 3;
	double rate[2];
	for (int w = 0; w < 2; w++) {
		long iters = 0;
		double t0 = now_s(), t;
		do {
			if (w == 0) build(pages, n, lists, &prp1, &prp2);
			else walk(prp1, prp2, n, out);
			iters++;
		} while ((t = now_s() - t0) < 0.5);
		rate[w] = iters * (double)(w == 0 ? n - 1 : n) / t / 1e6;
	}
	/* (the results are used: the compiler may not drop the work) */
	printf("build %.1f walk %.1f\n", rate[0], rate[1] + (double)(out[n - 1] & 0) + (double)(prp2 & 0));
	return 0;
}
