/*
 * The test programs' checks (client.c, static.c): each prints "ok <name>" or "FAIL <name>: why";
 * the program exits with the number of failures.
 */
#ifndef VCHARDEV_CHECK_H
#define VCHARDEV_CHECK_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) \
	do { \
		if (cond) printf("ok %s\n", name); \
		else { \
			printf("FAIL %s: ", name); \
			printf(__VA_ARGS__); \
			printf(" (errno %d %s)\n", errno, strerror(errno)); \
			failures++; \
		} \
		fflush(stdout); \
	} while (0)

#endif
