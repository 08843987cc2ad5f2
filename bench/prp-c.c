/*
 * The C baseline of bench/dma.bench.mjs, measured in the same run as the WASM it is compared with:
 * PRP lists for one transfer over scattered 4 KiB frames, built as nvme_setup_prps does (Linux
 * 3.x: 512 entries a list page, a full page's last entry moved to the next page's slot 0 and the
 * slot pointing there) and walked as a controller does (QEMU's nvme_map_prp: PRP1, then PRP2 as a
 * page or as the first list, with the WASM engine's checks and its (addr, len) segments). Prints
 * "build <M entries/s> walk <M pages/s>".
 *   usage: prp-c <transfer bytes> [check]   (check: only verify the walk, bad entries included)
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

/* what the walk hands the device: a segment per page, as the WASM engine's SEGS region */
struct seg {
	uint32_t addr, len;
};
#define MAX_SEGS 65536u

/*
 * walks them as the WASM engine does (assembly/dma/walk.ts), the same checks in the same order
 * and the same output: every data address aligned (past PRP1) and inside [lo, ram), list reads
 * inside it too, at most MAX_SEGS segments of (addr, len); @returns the segments, or 0 on a bad
 * entry
 */
static uint64_t lo = PAGE, ram = (uint64_t)FRAMES * PAGE;
static uint32_t nsegs;
static int seg(uint64_t addr, uint32_t n, struct seg *out)
{
	if (addr < lo || addr > ram || n > ram - addr) return -1;
	if (nsegs == MAX_SEGS) return -1;
	out[nsegs].addr = (uint32_t)addr;
	out[nsegs].len = n;
	nsegs++;
	return 0;
}
static uint32_t walk(uint64_t prp1, uint64_t prp2, uint32_t len, struct seg *out)
{
	nsegs = 0;
	uint32_t first = PAGE - (uint32_t)(prp1 & (PAGE - 1));
	if (first > len) first = len;
	if (seg(prp1, first, out)) return 0;
	uint32_t left = len - first;
	if (!left) return nsegs;
	if (left <= PAGE) {
		if (prp2 & (PAGE - 1)) return 0;
		return seg(prp2, left, out) ? 0 : nsegs;
	}
	uint32_t avail = (PAGE - (uint32_t)(prp2 & (PAGE - 1))) / 8, i = 0;
	uint64_t cur = prp2;
	uint32_t want = (left + PAGE - 1) / PAGE;
	if (cur < lo || cur + 8ull * (want < avail ? want : avail) > ram) return 0;
	while (left) {
		uint64_t ent = mem[cur / 8 + i];
		if (i == avail - 1 && left > PAGE) {
			/* the chain: aligned, and the next list page readable */
			if (ent & (PAGE - 1)) return 0;
			uint32_t entries = (left + PAGE - 1) / PAGE;
			if (entries > PER_LIST) entries = PER_LIST;
			if (ent < lo || ent + 8ull * entries > ram) return 0;
			cur = ent;
			avail = PER_LIST;
			i = 0;
			ent = mem[cur / 8];
		}
		if (ent & (PAGE - 1)) return 0;
		uint32_t n = left < PAGE ? left : PAGE;
		if (seg(ent, n, out)) return 0;
		left -= n;
		i++;
	}
	return nsegs;
}

int main(int argc, char **argv)
{
	uint32_t bytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 64u << 20;
	uint32_t n = (bytes + PAGE - 1) / PAGE;
	mem = calloc((size_t)FRAMES * PAGE / 8, 8);
	uint64_t *pages = malloc(sizeof(uint64_t) * n), lists[LISTS];
	struct seg *out = malloc(sizeof(struct seg) * n);
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
	if (walk(prp1, prp2, n * PAGE, out) != n) return 3;
	for (uint32_t i = 0; i < n; i++)
		if (out[i].addr != pages[i] || out[i].len != PAGE) return 3;
	if (argc > 2 && !strcmp(argv[2], "check")) {
		/* a bad data entry (unaligned, below the floor, past RAM, near 2^64) fails the walk */
		if (n < 3) return 0;
		uint64_t *slot = &mem[prp2 / 8 + (n - 2) % (PER_LIST - 1)], keep = *slot;
		const uint64_t bad[] = { keep + 8, 0, (uint64_t)FRAMES * PAGE, 0xfffffffffffff000ull };
		for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			*slot = bad[b];
			if (walk(prp1, prp2, n * PAGE, out)) return 4;
		}
		*slot = keep;
		if (walk(prp1, prp2, n * PAGE, out) != n) return 5;
		puts("ok");
		return 0;
	}
	double rate[2];
	for (int w = 0; w < 2; w++) {
		long iters = 0;
		double t0 = now_s(), t;
		/* the clock is read once a batch: for a 4 KiB transfer it would cost more than the work */
		long reps = n >= 16384 ? 1 : 16384 / n;
		do {
			for (long r = 0; r < reps; r++) {
				if (w == 0) build(pages, n, lists, &prp1, &prp2);
				else walk(prp1, prp2, n * PAGE, out);
				/* each call's result is needed: the compiler may not merge or drop the batch */
				__asm__ volatile("" : : "r"(out), "r"(&prp2) : "memory");
			}
			iters += reps;
		} while ((t = now_s() - t0) < 0.5);
		rate[w] = iters * (double)(w == 0 ? (n > 1 ? n - 1 : 1) : n) / t / 1e6; /* the bench's count: at least one */
	}
	/* (the results are used: the compiler may not drop the work) */
	printf("build %.1f walk %.1f\n", rate[0], rate[1] + (double)(out[n - 1].addr & 0) + (double)(prp2 & 0));
	return 0;
}
