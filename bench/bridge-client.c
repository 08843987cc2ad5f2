/*
 * The bridge benchmark's client (bench/bridge.bench.mjs): N NVMe Identify ioctls on /dev/nvme0
 * through the bridge, twice, then N native ioctls on /dev/null, each timed; prints the sorted
 * latencies' p50 and p99 in microseconds as "identify P50 P99" (into the same buffer each time),
 * "identify-fresh P50 P99" (into a buffer zeroed before each call) and "null P50 P99".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/nvme_ioctl.h>
#include "timing.h"


int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	double *t = calloc(n, sizeof(double));
	static unsigned char id[4096] __attribute__((aligned(4096)));
	int fd = open("/dev/nvme0", O_RDONLY);
	if (fd < 0) return perror("/dev/nvme0"), 1;
	for (int i = 0; i < n + 50; i++) {
		struct nvme_admin_cmd c = { .opcode = 0x06, .addr = (uintptr_t)id, .data_len = sizeof(id), .cdw10 = 1 };
		double t0 = now_us();
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c)) return perror("identify"), 1;
		if (i >= 50) t[i - 50] = now_us() - t0; /* the first 50 warm both sides up */
	}
	report("identify", t, n);
	/* the same into a buffer zeroed before each call (untimed), as a program with a fresh buffer
	 * has: the data then differs from what the page held, in runs split by the fields that are 0 */
	for (int i = 0; i < n + 50; i++) {
		struct nvme_admin_cmd c = { .opcode = 0x06, .addr = (uintptr_t)id, .data_len = sizeof(id), .cdw10 = 1 };
		memset(id, 0, sizeof(id));
		double t0 = now_us();
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c)) return perror("identify"), 1;
		if (i >= 50) t[i - 50] = now_us() - t0;
	}
	report("identify-fresh", t, n);
	int null = open("/dev/null", O_RDONLY);
	for (int i = 0; i < n; i++) {
		struct termios tio;
		double t0 = now_us();
		ioctl(null, TCGETS, &tio); /* ENOTTY: a native ioctl's round trip */
		t[i] = now_us() - t0;
	}
	report("null", t, n);
	return 0;
}
