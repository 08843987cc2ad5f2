/*
 * vchardev-seccomp: runs a program the preload shim cannot reach (statically linked, Go, raw
 * syscalls) against a vchardev kernel. The program and everything it starts run under a seccomp
 * filter that hands their open/read/write/ioctl/lseek/stat/fcntl calls to this supervisor
 * (SECCOMP_RET_USER_NOTIF). A call on one of the kernel's paths or files is done by the server;
 * any other goes on as if nothing happened (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 *
 * An open of a served path connects to the server as the shim does and puts the socket into the
 * program (SECCOMP_IOCTL_NOTIF_ADDFD): that socket is its descriptor, so dup, fork, exec and
 * close are the kernel's own and the server releases the file at the last close. A call on such
 * a descriptor is sent on a copy of the program's socket (pidfd_getfd). The server checks who is
 * asking as for the shim: the connection's nonce must be in the caller's memory, and the
 * supervisor (the caller's parent, allowed to write it) puts it just below the caller's stack
 * pointer while the caller waits in the call. The server reaches the caller's memory itself
 * (/proc/<pid>/mem), so drivers run unchanged.
 *
 * Not covered: poll/select on the kernel's files, their directories (getdents), readlink, mmap.
 * usage: vchardev-seccomp <program> [args...]   (VCHARDEV_SOCK and VCHARDEV_PATHS as for the shim)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "vchardev-wire.h"

static int listener = -1;
static pid_t child = -1;

/* what reaches the supervisor (vchardev run forwards Ctrl-C to it) goes to the program */
static void forward(int sig)
{
	if (child > 0) kill(child, sig);
}
static const char *sock_path, *served;

/* the calls the filter hands over; everything else runs untouched */
static const int trapped[] = {
	SYS_open, SYS_openat, SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_ioctl, SYS_lseek,
	SYS_fstat, SYS_stat, SYS_lstat, SYS_newfstatat, SYS_statx, SYS_fcntl,
};
#define NTRAPPED (sizeof(trapped) / sizeof(trapped[0]))

/* the nonce each connection we made was greeted with, by its socket's inode */
struct conn {
	ino_t ino;
	unsigned char nonce[NONCE];
	struct conn *next;
};
static struct conn *conns;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;

static int install_filter(void)
{
	struct sock_filter f[4 + NTRAPPED + 2];
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < NTRAPPED; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)trapped[i], (unsigned char)(NTRAPPED - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int s, int fd)
{
	char c = 0;
	struct iovec io = { &c, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c1 = CMSG_FIRSTHDR(&m);
	c1->cmsg_level = SOL_SOCKET;
	c1->cmsg_type = SCM_RIGHTS;
	c1->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c1), &fd, sizeof(int));
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int s)
{
	char c;
	struct iovec io = { &c, 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (recvmsg(s, &m, 0) != 1) return -1;
	struct cmsghdr *c1 = CMSG_FIRSTHDR(&m);
	if (!c1 || c1->cmsg_type != SCM_RIGHTS) return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c1), sizeof(int));
	return fd;
}

/* ---- the caller's memory (we are its parent, or its ancestor's supervisor: ptrace rights) ---- */

static int peek(pid_t tid, uint64_t addr, void *buf, size_t n)
{
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)addr, n };
	return process_vm_readv(tid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}
static int poke(pid_t tid, uint64_t addr, const void *buf, size_t n)
{
	struct iovec l = { (void *)buf, n }, r = { (void *)(uintptr_t)addr, n };
	return process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* a NUL-terminated string of the caller's, at most PATH_MAX; -1 if it does not fit or faults */
static int peek_string(pid_t tid, uint64_t addr, char *out)
{
	for (size_t got = 0; got < PATH_MAX;) {
		/* a page at a time: the string may end just before an unmapped page */
		size_t n = 4096 - ((addr + got) & 4095);
		if (n > PATH_MAX - got) n = PATH_MAX - got;
		if (peek(tid, addr + got, out + got, n)) return -1;
		char *z = memchr(out + got, 0, n);
		if (z) return 0;
		got += n;
	}
	return -1;
}

/* the process a thread belongs to (the server's tasks are processes) */
static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	FILE *f = fopen(path, "r");
	if (!f) return -1;
	pid_t tgid = -1;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "Tgid:", 5)) {
			tgid = (pid_t)atoi(buf + 5);
			break;
		}
	fclose(f);
	return tgid;
}

/* where the nonce goes: below the caller's stack pointer and its red zone, while it waits */
static uint64_t scratch_of(pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/syscall", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) return 0;
	buf[n] = 0;
	/* "nr a1 a2 a3 a4 a5 a6 sp pc" */
	char *p = buf;
	for (int i = 0; i < 7 && p; i++) p = strchr(p + 1, ' ');
	uint64_t sp = p ? strtoull(p + 1, NULL, 16) : 0;
	return sp > 4096 ? ((sp - 1024) & ~(uint64_t)15) : 0;
}

/* ---- paths ---- */

/* lexical normalisation of base + "/" + path (or path if absolute); 0 if it does not fit */
static int normalize(const char *base, const char *path, char *out)
{
	char tmp[2 * PATH_MAX + 2];
	snprintf(tmp, sizeof(tmp), "%s/%s", path[0] == '/' ? "" : base, path);
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
		if (o + 1 + n + 1 > PATH_MAX) return 0;
		out[o++] = '/';
		memcpy(out + o, part, n);
		o += n;
	}
	if (o == 0) out[o++] = '/';
	out[o] = 0;
	return 1;
}

static int is_served(const char *norm)
{
	size_t len = strlen(norm);
	for (const char *p = served; p && *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n && n <= len && !strncmp(norm, p, n) && (norm[n] == 0 || norm[n] == '/')) return 1;
		if (!end) break;
		p = end + 1;
	}
	return 0;
}

/* the caller's (dirfd, path) as an absolute path in norm, if it is one of ours */
static int ours_at(pid_t tid, int dirfd, uint64_t upath, char *norm)
{
	char path[PATH_MAX], base[PATH_MAX + 1], link[64];
	if (peek_string(tid, upath, path)) return 0;
	base[0] = 0;
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) snprintf(link, sizeof(link), "/proc/%d/cwd", tid);
		else snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, dirfd);
		ssize_t n = readlink(link, base, PATH_MAX);
		if (n <= 0) return 0;
		base[n] = 0;
	}
	return normalize(base, path, norm) && is_served(norm);
}

/* ---- the wire ---- */

static int send_all(int s, const void *buf, size_t n)
{
	for (const char *p = buf; n;) {
		ssize_t r = send(s, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
static int recv_all(int s, void *buf, size_t n)
{
	for (char *p = buf; n;) {
		ssize_t r = recv(s, p, n, 0);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * One request on socket s for the caller `tid` (notification `id`); the reply's ret (or -errno)
 * and up to rmax payload bytes in rbuf. While the server works, the caller may be interrupted
 * by a signal: the notification then goes stale, and the server is told to stop (OP_INTR).
 * @returns the result, or 1 << 62 when the caller is gone (nothing to answer)
 */
#define GONE ((int64_t)1 << 62)
static int64_t call(int s, const unsigned char *nonce, pid_t tid, uint64_t id, uint32_t op, uint64_t a, uint64_t b,
		    uint64_t c, const char *payload, void *rbuf, uint32_t rmax)
{
	pid_t pid = tgid_of(tid);
	uint64_t at = scratch_of(tid);
	if (pid <= 0 || !at || poke(tid, at, nonce, NONCE)) return -EFAULT;
	uint32_t len = payload ? (uint32_t)strlen(payload) : 0;
	struct req q = { .op = op, .pid = (uint32_t)pid, .a = a, .b = b, .c = c, .auth = at, .len = len };
	if (send_all(s, &q, sizeof(q)) || (len && send_all(s, payload, len))) return -EIO;
	int stale = 0;
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		int r = poll(&p, 1, 20);
		if (r > 0) break;
		if (r < 0 && errno != EINTR) return -EIO;
		if (!stale && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
			struct req intr = { .op = OP_INTR, .pid = (uint32_t)pid };
			send_all(s, &intr, sizeof(intr));
			stale = 1;
		}
	}
	struct rep rp;
	if (recv_all(s, &rp, sizeof(rp))) return -EIO;
	char sink[256];
	for (uint32_t left = rp.len; left;) {
		uint32_t keep = rbuf && rmax ? (left < rmax ? left : rmax) : 0;
		uint32_t n = keep ? keep : (left < sizeof(sink) ? left : (uint32_t)sizeof(sink));
		if (recv_all(s, keep ? rbuf : sink, n)) return -EIO;
		if (keep) {
			rbuf = (char *)rbuf + keep;
			rmax -= keep;
		}
		left -= n;
	}
	return stale ? GONE : rp.ret;
}

static int connect_server(unsigned char *nonce)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strncpy(sa.sun_path, sock_path, sizeof(sa.sun_path) - 1);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) || recv_all(s, nonce, NONCE)) {
		if (s >= 0) close(s);
		return -1;
	}
	return s;
}

/* a copy of the caller's descriptor fd if it is a socket of ours (its nonce in nonce), else -1 */
static int our_socket(pid_t tid, int fd, unsigned char *nonce)
{
	pid_t pid = tgid_of(tid);
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd < 0) return -1;
	int s = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (s < 0) return -1;
	struct stat st;
	int found = 0;
	if (fstat(s, &st) == 0 && S_ISSOCK(st.st_mode)) {
		pthread_mutex_lock(&conns_lock);
		for (struct conn *c = conns; c; c = c->next)
			if (c->ino == st.st_ino) {
				memcpy(nonce, c->nonce, NONCE);
				found = 1;
				break;
			}
		pthread_mutex_unlock(&conns_lock);
	}
	if (!found) {
		close(s);
		return -1;
	}
	return s;
}

/* ---- answering ---- */

static void answer(uint64_t id, int64_t r)
{
	if (r == GONE) return;
	struct seccomp_notif_resp resp = { .id = id };
	if (r < 0) resp.error = (int32_t)r;
	else resp.val = r;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}
static void go_on(uint64_t id)
{
	struct seccomp_notif_resp resp = { .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* struct stat (x86-64) at addr in the caller, from the server's vstat */
static int64_t put_stat(pid_t tid, uint64_t addr, const struct vstat *v)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_mode = v->mode;
	st.st_uid = v->uid;
	st.st_gid = v->gid;
	st.st_rdev = makedev(v->major, v->minor);
	st.st_dev = makedev(0, 6);
	st.st_size = (off_t)v->size;
	st.st_ino = (ino_t)v->ino;
	st.st_nlink = 1;
	st.st_blksize = 4096;
	return poke(tid, addr, &st, sizeof(st)) ? -EFAULT : 0;
}
static int64_t put_statx(pid_t tid, uint64_t addr, const struct vstat *v)
{
	struct statx sx;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_mode = (uint16_t)v->mode;
	sx.stx_uid = v->uid;
	sx.stx_gid = v->gid;
	sx.stx_nlink = 1;
	sx.stx_blksize = 4096;
	sx.stx_size = v->size;
	sx.stx_ino = v->ino;
	sx.stx_rdev_major = v->major;
	sx.stx_rdev_minor = v->minor;
	sx.stx_dev_minor = 6;
	return poke(tid, addr, &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* a stat of a path of ours, on a connection of its own */
static int64_t stat_path(struct seccomp_notif *n, const char *norm, int follow, uint64_t out, int x)
{
	unsigned char nonce[NONCE];
	int s = connect_server(nonce);
	if (s < 0) return -EIO;
	struct vstat v;
	int64_t r = call(s, nonce, (pid_t)n->pid, n->id, OP_STAT, (uint64_t)follow, 0, 0, norm, &v, sizeof(v));
	close(s);
	if (r < 0 || r == GONE) return r;
	return x ? put_statx((pid_t)n->pid, out, &v) : put_stat((pid_t)n->pid, out, &v);
}

static int64_t do_open(struct seccomp_notif *n, const char *norm, int flags)
{
	unsigned char nonce[NONCE];
	int s = connect_server(nonce);
	if (s < 0) return -EIO;
	int64_t r = call(s, nonce, (pid_t)n->pid, n->id, OP_OPEN, (uint64_t)(unsigned)flags, (uint64_t)-1, 0, norm, NULL, 0);
	if (r < 0 || r == GONE) {
		close(s);
		return r;
	}
	struct stat st;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c || fstat(s, &st)) {
		free(c);
		close(s);
		return -ENOMEM;
	}
	c->ino = st.st_ino;
	memcpy(c->nonce, nonce, NONCE);
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = c;
	pthread_mutex_unlock(&conns_lock);
	/* the socket becomes the caller's descriptor, and open's result, in one step */
	struct seccomp_notif_addfd add = { .id = n->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)s,
					   .newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0 };
	ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	close(s);
	return GONE; /* answered by ADDFD */
}

/* a call on a descriptor of ours: the request for it on a copy of the caller's socket */
static int64_t do_fd(struct seccomp_notif *n, int s, const unsigned char *nonce)
{
	const __u64 *a = n->data.args;
	pid_t tid = (pid_t)n->pid;
	struct vstat v;
	int64_t r;
	switch (n->data.nr) {
	case SYS_read: return call(s, nonce, tid, n->id, OP_READ, a[1], a[2], 0, NULL, NULL, 0);
	case SYS_write: return call(s, nonce, tid, n->id, OP_WRITE, a[1], a[2], 0, NULL, NULL, 0);
	case SYS_pread64: return call(s, nonce, tid, n->id, OP_PREAD, a[1], a[2], a[3], NULL, NULL, 0);
	case SYS_pwrite64: return call(s, nonce, tid, n->id, OP_PWRITE, a[1], a[2], a[3], NULL, NULL, 0);
	case SYS_ioctl: return call(s, nonce, tid, n->id, OP_IOCTL, a[1], a[2], 0, NULL, NULL, 0);
	case SYS_lseek: return call(s, nonce, tid, n->id, OP_LSEEK, a[1], a[2], 0, NULL, NULL, 0);
	case SYS_fcntl:
		return call(s, nonce, tid, n->id, a[1] == F_GETFL ? OP_GETFL : OP_SETFL, a[2], 0, 0, NULL, NULL, 0);
	default: /* fstat, or newfstatat/statx with AT_EMPTY_PATH */
		r = call(s, nonce, tid, n->id, OP_FSTAT, 0, 0, 0, NULL, &v, sizeof(v));
		if (r < 0 || r == GONE) return r;
		if (n->data.nr == SYS_statx) return put_statx(tid, a[4], &v);
		return put_stat(tid, n->data.nr == SYS_fstat ? a[1] : a[2], &v);
	}
}

struct job {
	struct seccomp_notif n;
	int s; /* a copy of the caller's socket, or -1 for a path call */
	unsigned char nonce[NONCE];
	char norm[PATH_MAX];
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	const __u64 *a = j->n.data.args;
	int64_t r;
	if (j->s >= 0) {
		r = do_fd(&j->n, j->s, j->nonce);
		close(j->s);
	} else {
		switch (j->n.data.nr) {
		case SYS_open: r = do_open(&j->n, j->norm, (int)a[1]); break;
		case SYS_openat: r = do_open(&j->n, j->norm, (int)a[2]); break;
		case SYS_stat: r = stat_path(&j->n, j->norm, 1, a[1], 0); break;
		case SYS_lstat: r = stat_path(&j->n, j->norm, 0, a[1], 0); break;
		case SYS_newfstatat: r = stat_path(&j->n, j->norm, !((int)a[3] & AT_SYMLINK_NOFOLLOW), a[2], 0); break;
		default: r = stat_path(&j->n, j->norm, !((int)a[2] & AT_SYMLINK_NOFOLLOW), a[4], 1); break; /* statx */
		}
	}
	answer(j->n.id, r);
	free(j);
	return NULL;
}

/* decides at once whether a call is ours; ours run on a thread of their own (they may block) */
static void dispatch(const struct seccomp_notif *n)
{
	const __u64 *a = n->data.args;
	pid_t tid = (pid_t)n->pid;
	struct job *j = calloc(1, sizeof(*j));
	if (!j) return go_on(n->id);
	j->n = *n;
	j->s = -1;
	int mine = 0;
	int fdcall = -1;
	switch (n->data.nr) {
	case SYS_open: mine = ours_at(tid, AT_FDCWD, a[0], j->norm); break;
	case SYS_stat:
	case SYS_lstat: mine = ours_at(tid, AT_FDCWD, a[0], j->norm); break;
	case SYS_openat: mine = ours_at(tid, (int)a[0], a[1], j->norm); break;
	case SYS_newfstatat:
	case SYS_statx: {
		char first = 1;
		peek(tid, a[1], &first, 1);
		int empty = ((int)(n->data.nr == SYS_statx ? a[2] : a[3]) & AT_EMPTY_PATH) && first == 0;
		if (empty) fdcall = (int)a[0];
		else mine = ours_at(tid, (int)a[0], a[1], j->norm);
		break;
	}
	case SYS_fcntl:
		if (a[1] == F_GETFL || a[1] == F_SETFL) fdcall = (int)a[0];
		break;
	default: fdcall = (int)a[0]; break; /* read, write, pread64, pwrite64, ioctl, lseek, fstat */
	}
	if (fdcall >= 0) {
		j->s = our_socket(tid, fdcall, j->nonce);
		mine = j->s >= 0;
	}
	pthread_t th;
	if (!mine || pthread_create(&th, NULL, run_job, j)) {
		if (j->s >= 0) close(j->s);
		free(j);
		return go_on(n->id);
	}
	pthread_detach(th);
}

int main(int argc, char **argv)
{
	if (argc < 2) return fprintf(stderr, "usage: vchardev-seccomp <program> [args...]\n"), 2;
	/* the preload shim must not be in here: it would take our own sockets to the server for
	 * files of the program's (start again without it) */
	if (getenv("LD_PRELOAD")) {
		unsetenv("LD_PRELOAD");
		execv("/proc/self/exe", argv);
		return perror("vchardev-seccomp: re-exec"), 126;
	}
	sock_path = getenv("VCHARDEV_SOCK");
	served = getenv("VCHARDEV_PATHS");
	if (!sock_path || !served) return fprintf(stderr, "vchardev-seccomp: VCHARDEV_SOCK and VCHARDEV_PATHS are not set\n"), 2;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) return perror("socketpair"), 1;
	child = fork();
	if (child < 0) return perror("fork"), 1;
	if (child == 0) {
		close(sp[0]);
		int l = install_filter();
		if (l < 0 || send_fd(sp[1], l)) {
			perror("vchardev-seccomp: seccomp user notification");
			_exit(126);
		}
		close(l);
		close(sp[1]);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "vchardev-seccomp: %s: %s\n", argv[1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(sp[1]);
	listener = recv_fd(sp[0]);
	close(sp[0]);
	if (listener < 0) {
		int st;
		waitpid(child, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 126;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction fw = { .sa_handler = forward };
	for (int sig = SIGHUP; sig <= SIGTERM; sig++)
		if (sig == SIGHUP || sig == SIGINT || sig == SIGQUIT || sig == SIGTERM || sig == SIGUSR1 || sig == SIGUSR2) sigaction(sig, &fw, NULL);
	/* serve until every process under the filter is gone (the listener then hangs up) */
	for (;;) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR) continue;
			break;
		}
		if (p.revents & POLLIN) {
			struct seccomp_notif n;
			memset(&n, 0, sizeof(n));
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) == 0) dispatch(&n);
			continue;
		}
		if (p.revents & (POLLHUP | POLLERR)) break;
	}
	int st;
	if (waitpid(child, &st, 0) < 0) return 1;
	if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
