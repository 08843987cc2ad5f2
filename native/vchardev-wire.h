/*
 * The bridge's wire format (src/bridge/protocol.ts is the server's side: keep the two in step),
 * shared by the preload shim (vchardev-shim.c) and the seccomp supervisor (vchardev-seccomp.c).
 * The server greets every connection with a NONCE-byte nonce; requests are struct req and a
 * payload of len bytes, replies struct rep and a payload, all little-endian.
 */
#ifndef VCHARDEV_WIRE_H
#define VCHARDEV_WIRE_H
#include <stdint.h>

enum {
	OP_OPEN = 1, OP_STAT = 2, OP_LIST = 3, OP_READ = 4, OP_WRITE = 5, OP_PREAD = 6, OP_PWRITE = 7,
	OP_IOCTL = 8, OP_LSEEK = 9, OP_FSTAT = 10, OP_POLL = 11, OP_GETFL = 12, OP_SETFL = 13,
	OP_INTR = 14, OP_READLINK = 15, OP_ATTACH = 16, OP_ACTFOR = 17, OP_REGISTER = 18,
};

struct req {
	uint32_t op, pid;
	uint64_t a, b, c;
	uint64_t auth; /* where our copy of the connection's nonce is: the server reads it to know our pid */
	uint32_t len, pad;
};
#define NONCE 16
struct rep {
	int64_t ret;
	uint64_t a;
	uint32_t len, pad;
};
/* OP_STAT / OP_FSTAT payload */
struct vstat {
	uint32_t mode, uid, gid, major, minor, pad;
	uint64_t size, ino;
};

#endif
