/*
 * Host calls under the seccomp supervisor (bench/bridge.bench.mjs), built statically so the
 * supervisor is what reaches it: every read and write is trapped and decided (seccomp's BPF cannot
 * tell a descriptor of the kernel's from the host's), so this measures what that costs.
 *   null N        N writes of 4 bytes to /dev/null: "null p50 p99" in µs
 *   cat FILE BS   FILE read and written to /dev/null BS bytes at a time: "cat ms"
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "timing.h"

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "null")) {
		int n = atoi(argv[2]), fd = open("/dev/null", O_WRONLY);
		double *t = malloc(sizeof(double) * (size_t)n);
		for (int i = 0; i < n; i++) {
			double s = now_us();
			if (write(fd, "abcd", 4) != 4) return 1;
			t[i] = now_us() - s;
		}
		report("null", t, n);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "cat")) {
		size_t bs = (size_t)atol(argv[3]);
		char *buf = malloc(bs);
		int in = open(argv[2], O_RDONLY), out = open("/dev/null", O_WRONLY);
		double s = now_us();
		ssize_t r;
		while ((r = read(in, buf, bs)) > 0)
			if (write(out, buf, (size_t)r) != r) return 1;
		printf("cat %.1f\n", (now_us() - s) / 1000);
		return r < 0;
	}
	fprintf(stderr, "usage: supervisor-host null N | cat FILE BS\n");
	return 2;
}
