/*
 * What the preload shim (shim/) and the seccomp supervisor (vchardev-seccomp.c) share:
 * the bridge's wire format (src/bridge/protocol.ts is the server's side: keep the two in step),
 * and how a path is found to be one the server serves.
 * The server greets every connection with an i64 status (0, or -EMFILE/-ENFILE when the client
 * holds too many connections); requests are struct req and a payload of len bytes, replies struct
 * rep and a payload, all little-endian. A request does not say who sends it: the server learns
 * that from the host kernel (SCM_CREDENTIALS) with each message.
 */
#ifndef VCHARDEV_WIRE_H
#define VCHARDEV_WIRE_H
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum {
	OP_OPEN = 1, OP_STAT = 2, OP_LIST = 3, OP_READ = 4, OP_WRITE = 5, OP_PREAD = 6, OP_PWRITE = 7,
	OP_IOCTL = 8, OP_LSEEK = 9, OP_FSTAT = 10, OP_POLL = 11, OP_GETFL = 12, OP_SETFL = 13,
	OP_INTR = 14, OP_READLINK = 15, OP_ATTACH = 16, OP_ACTFOR = 17, OP_REGISTER = 18,
	OP_FSYNC = 19, OP_SYNC_FILE_RANGE = 20, OP_SYNCFS = 21, OP_FALLOCATE = 22, OP_FADVISE = 23, OP_RESOLVE = 24,
	OP_ACCESS = 25,
};

struct req {
	uint32_t op, rsvd;
	uint64_t a, b, c;
	uint64_t rsvd2;
	uint32_t len, pad;
};
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

/*
 * sends all n bytes: 0, or -1 with errno. Each piece carries our credentials as we hold them now
 * (SCM_CREDENTIALS, checked by the host kernel as it is sent): the server acts with these ids,
 * so a setuid exec after the send gains the call nothing. Without them the kernel would attach
 * the real ids.
 */
static inline int vchardev_send_all(int s, const void *buf, size_t n)
{
	union {
		char space[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	for (const char *p = buf; n;) {
		struct ucred cr = { getpid(), geteuid(), getegid() };
		struct iovec iov = { (void *)p, n };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof(ctl.space) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_CREDENTIALS;
		h->cmsg_len = CMSG_LEN(sizeof(cr));
		memcpy(CMSG_DATA(h), &cr, sizeof(cr));
		ssize_t r = sendmsg(s, &m, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * receives exactly n bytes: 0, or -1. A signal while waiting goes on waiting; with intr, the
 * first one also asks the server to interrupt the call in flight (OP_INTR) and sets *intr
 */
static inline int vchardev_recv_all(int s, void *buf, size_t n, int *intr)
{
	for (char *p = buf; n;) {
		ssize_t r = recv(s, p, n, 0);
		if (r < 0 && errno == EINTR) {
			if (intr && !*intr) {
				struct req q = { .op = OP_INTR };
				*intr = 1;
				vchardev_send_all(s, &q, sizeof(q));
			}
			continue;
		}
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * A connection to the server at path, its greeting read: the socket (close-on-exec), or -errno
 * (EMFILE: this process holds too many; ENFILE: its user or everyone does). close_fn is the real
 * close (the shim's own close is wrapped).
 */
static inline int vchardev_connect(const char *path, int (*close_fn)(int))
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) return -errno;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	int r;
	do r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	int64_t status = -EIO;
	if (r < 0) status = -errno;
	else if (vchardev_recv_all(s, &status, sizeof(status), NULL)) status = -EIO;
	if (status < 0) {
		close_fn(s);
		return status < -4095 ? -EIO : (int)status;
	}
	return s;
}

/*
 * The lexical normalisation (".", "..", "//") of the absolute path in tmp (which it cuts up) into
 * out; a trailing slash is kept when keep_slash (it asks for a directory). 0 when out is too small
 */
static inline int vchardev_lexical(char *tmp, char *out, size_t size, int keep_slash)
{
	int dir = keep_slash && tmp[0] && tmp[strlen(tmp) - 1] == '/';
	size_t o = 0;
	char *save = NULL;
	for (char *part = strtok_r(tmp, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, ".")) continue;
		if (!strcmp(part, "..")) {
			while (o > 0 && out[o - 1] != '/') o--;
			if (o > 0) o--;
			continue;
		}
		size_t n = strlen(part);
		if (o + 1 + n + (keep_slash ? 2 : 1) > size) return 0;
		out[o++] = '/';
		memcpy(out + o, part, n);
		o += n;
	}
	if (o == 0) out[o++] = '/';
	else if (dir) out[o++] = '/';
	out[o] = 0;
	return 1;
}

/* Is the normalised path under one of the prefixes in list (VCHARDEV_PATHS, one a line)?
 * "/dev/kxo" owns "/dev/kxo" and "/dev/kxo/..." */
static inline int vchardev_served(const char *list, const char *norm)
{
	size_t len = strlen(norm);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n && n <= len && !strncmp(norm, p, n) && (norm[n] == 0 || norm[n] == '/')) return 1;
		if (!end) break;
		p = end + 1;
	}
	return 0;
}

/*
 * Does the absolute path in `in` need a walk as Linux does it, not a lexical one: a ".." after a
 * prefix the server serves (where a device is no directory and a sysfs link goes elsewhere)?
 * `in` is left as it was; its "." and "//" removed, with its ".." kept, into kept.
 */
static inline int vchardev_needs_walk(const char *list, const char *in, char *kept, size_t size)
{
	size_t o = 0;
	int need = 0;
	for (const char *p = in; *p;) {
		while (*p == '/') p++;
		if (!*p) break;
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.' && o) {
			kept[o] = 0;
			char lex[4096], tmp[4096];
			if (o < sizeof(tmp)) {
				memcpy(tmp, kept, o + 1);
				if (vchardev_lexical(tmp, lex, sizeof(lex), 0) && vchardev_served(list, lex)) need = 1;
			}
		}
		if (o + 1 + n + 1 > size) return 0;
		kept[o++] = '/';
		memcpy(kept + o, p, n);
		o += n;
		p += n;
	}
	if (!o) kept[o++] = '/';
	kept[o] = 0;
	return need;
}

#endif
