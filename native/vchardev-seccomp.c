/*
 * vchardev-seccomp: runs a program the preload shim cannot reach (statically linked, Go, raw
 * syscalls) against a vchardev kernel. The program and everything it starts run under a seccomp
 * filter that hands their open, read/write (and the v and p forms), ioctl, lseek, stat, access,
 * fcntl, poll, select and epoll_ctl calls to this supervisor (SECCOMP_RET_USER_NOTIF). A call on one of
 * the kernel's paths or files is done by the server; any other goes on as if nothing happened
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE), and one that cannot be told apart fails.
 *
 * An open of a served path connects to the server as the shim does and puts the socket into the
 * program (SECCOMP_IOCTL_NOTIF_ADDFD): that socket is its descriptor, so dup, fork, exec and
 * close are the host kernel's own and the server releases the file at the last close. A call on
 * such a descriptor goes on a connection of its own, attached to the same open file (OP_ATTACH),
 * so threads never share a reply and an interrupt reaches only its call. The server knows us by
 * the host kernel's word (SCM_CREDENTIALS), lets our requests act for the program (OP_ACTFOR: a
 * dumpable descendant with our credentials) and reaches its memory itself (process_vm_readv), so
 * drivers run unchanged.
 *
 * What it is not: a security boundary. A seccomp user notification is a decision made on the
 * caller's arguments while the caller's memory can still change (seccomp_unotify(2)): a program
 * can get past it, and it runs with the same rights as the program anyway. It is a way to reach
 * the kernel's files, no more; the server's checks are what hold.
 *
 * Not covered: the kernel's directories (getdents), readlink, mmap; poll and select are answered
 * by asking every few milliseconds, and epoll refuses the kernel's files (EPERM, as for a regular
 * file).
 * usage: vchardev-seccomp <program> [args...]   (VCHARDEV_SOCK and VCHARDEV_PATHS as for the shim)
 */
#define _GNU_SOURCE
#if !defined(__x86_64__) || defined(__ILP32__)
/* the filter and the argument decoding are x86-64's (its syscall numbers, struct stat, AUDIT_ARCH) */
#error "vchardev-seccomp supports x86-64 only (for statically linked and Go programs); dynamically linked programs reach vchardev through the preload shim on any architecture"
#endif
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "vchardev-wire.h"

static int listener = -1;
static pid_t child = -1;
static const char *sock_path, *served;

/* what reaches the supervisor (vchardev run forwards Ctrl-C to it) goes to the program */
static void forward(int sig)
{
	if (child > 0) kill(child, sig);
}

/* the calls the filter hands over; everything else runs untouched */
static const int trapped[] = {
	SYS_open, SYS_openat, SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev,
	SYS_ioctl, SYS_lseek, SYS_fstat, SYS_stat, SYS_lstat, SYS_newfstatat, SYS_statx, SYS_fcntl,
	SYS_access, SYS_faccessat, SYS_faccessat2, SYS_poll, SYS_ppoll, SYS_select, SYS_pselect6,
	SYS_epoll_ctl, SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2,
	SYS_fsync, SYS_fdatasync, SYS_sync_file_range, SYS_syncfs, SYS_fallocate, SYS_fadvise64,
	/* on the kernel's files these are refused: they would put raw bytes on the protocol */
	SYS_sendfile, SYS_splice, SYS_copy_file_range, SYS_tee, SYS_sendto, SYS_recvfrom, SYS_sendmsg,
	SYS_recvmsg, SYS_sendmmsg, SYS_recvmmsg,
};
#define NTRAPPED (sizeof(trapped) / sizeof(trapped[0]))

/*
 * The filter: x86-64 system calls by number. A call of another ABI the same program can make (the
 * i386 one through int 0x80, x32's numbers with __X32_SYSCALL_BIT) would pass the numbers by, so
 * those fail with ENOSYS rather than reach the host's files unseen.
 */
static int install_filter(void)
{
	struct sock_filter f[6 + NTRAPPED + 2];
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	for (size_t i = 0; i < NTRAPPED; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)trapped[i], (unsigned char)(NTRAPPED - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* ---- the caller's memory (an ancestor of the caller: ptrace rights) ---- */

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
		if (memchr(out + got, 0, n)) return 0;
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

/* ---- paths ---- */

/* base + "/" + path (or path if absolute), lexically normalised; 0 if it does not fit */
static int normalize(const char *base, const char *path, char *out)
{
	char tmp[2 * PATH_MAX + 2];
	snprintf(tmp, sizeof(tmp), "%s/%s", path[0] == '/' ? "" : base, path);
	return vchardev_lexical(tmp, out, PATH_MAX, 0);
}

/* a call's outcome: the server's result, or that the caller went (interrupted: nothing to answer) */
struct result {
	int64_t ret;
	int gone;
};
static int connect_server(void);
static struct result call(int s, pid_t pid, uint64_t id, uint32_t op, uint64_t a, uint64_t b, uint64_t c,
			  const char *payload, void *rbuf, uint32_t rmax);

/*
 * The caller's (dirfd, path) as an absolute path in norm. @returns 1 if it is one of ours, 0 if
 * not, -errno if the path cannot be read (the call then fails rather than reach the host)
 */
static int ours_at(pid_t tid, int dirfd, uint64_t upath, char *norm)
{
	char path[PATH_MAX], base[PATH_MAX + 1], link[64];
	if (peek_string(tid, upath, path)) return -EFAULT;
	base[0] = 0;
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) snprintf(link, sizeof(link), "/proc/%d/cwd", tid);
		else snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, dirfd);
		ssize_t n = readlink(link, base, PATH_MAX);
		if (n <= 0) return 0; /* the real call answers for a bad dirfd */
		base[n] = 0;
	}
	if (!normalize(base, path, norm)) return -ENAMETOOLONG;
	/* a ".." after one of the kernel's paths: the server walks it as Linux does (a device is no
	 * directory, a class link goes up from where it points); where the walk fails, the path goes
	 * to the server with its ".." kept and the call gets the walk's error */
	char abs[2 * PATH_MAX + 2], kept[PATH_MAX];
	snprintf(abs, sizeof(abs), "%s/%s", path[0] == '/' ? "" : base, path);
	if (vchardev_needs_walk(served, abs, kept, sizeof(kept))) {
		int s = connect_server();
		struct result r = { -EIO, 0 };
		char got[PATH_MAX];
		if (s >= 0) {
			r = call(s, 0, 0, OP_RESOLVE, 0, 0, 0, kept, got, sizeof(got) - 1);
			close(s);
		}
		snprintf(norm, PATH_MAX, "%s", r.ret == 0 && got[0] == '/' ? got : kept);
		/* where the walk came out on the host's side, the host walks the path itself */
	}
	return vchardev_served(served, norm);
}

/* ---- the wire ---- */


/*
 * One request on channel s, for process pid, while notification id is pending; up to rmax
 * payload bytes in rbuf (the rest of rbuf zeroed). A signal to the caller makes the notification
 * stale: the server is then told to stop (OP_INTR) and nothing is answered. The channel is this
 * call's alone, so an interrupt reaches no other.
 */
static struct result call(int s, pid_t pid, uint64_t id, uint32_t op, uint64_t a, uint64_t b, uint64_t c,
			  const char *payload, void *rbuf, uint32_t rmax)
{
	struct result out = { -EIO, 0 };
	if (rbuf) memset(rbuf, 0, rmax);
	uint32_t len = payload ? (uint32_t)strlen(payload) : 0;
	(void)pid;
	struct req q = { .op = op, .a = a, .b = b, .c = c, .len = len };
	if (vchardev_send_all(s, &q, sizeof(q)) || (len && vchardev_send_all(s, payload, len))) return out;
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		int r = poll(&p, 1, 20);
		if (r > 0) break;
		if (r < 0 && errno != EINTR) return out;
		if (id && !out.gone && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
			struct req intr = { .op = OP_INTR };
			vchardev_send_all(s, &intr, sizeof(intr));
			out.gone = 1;
		}
	}
	struct rep rp;
	if (vchardev_recv_all(s, &rp, sizeof(rp), NULL)) return out;
	char sink[256];
	for (uint32_t left = rp.len; left;) {
		uint32_t keep = rbuf && rmax ? (left < rmax ? left : rmax) : 0;
		uint32_t n = keep ? keep : (left < sizeof(sink) ? left : (uint32_t)sizeof(sink));
		if (vchardev_recv_all(s, keep ? rbuf : sink, n, NULL)) return out;
		if (keep) {
			rbuf = (char *)rbuf + keep;
			rmax -= keep;
		}
		left -= n;
	}
	out.ret = rp.ret;
	return out;
}

static int connect_server(void)
{
	return vchardev_connect(sock_path, close);
}

/*
 * A connection acting for process pid: our requests on it act for pid, a dumpable descendant of
 * ours with our credentials (OP_ACTFOR); the server knows us by the host kernel's word.
 * @returns the socket or -errno
 */
static int channel_for(pid_t pid)
{
	int s = connect_server();
	if (s < 0) return s;
	struct result r = call(s, getpid(), 0, OP_ACTFOR, (uint64_t)pid, 0, 0, NULL, NULL, 0);
	if (r.ret < 0) {
		close(s);
		return (int)r.ret;
	}
	return s;
}

/*
 * Is descriptor fd of process pid one of the kernel's files (a socket connected to the server)?
 * @returns its socket's inode, 0 if not, -errno if it cannot be told (the call then fails: a
 * descriptor of ours must never get the host's read or write)
 */
static int64_t our_socket(pid_t pid, int fd)
{
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd < 0) return -ESRCH;
	int s = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int e = errno;
	close(pidfd);
	if (s < 0) return e == EBADF ? 0 : -e;
	struct stat st;
	int64_t ino = 0;
	/* an unnamed peer (a socketpair) fills in no path: the buffer starts zeroed */
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	socklen_t sl = sizeof(sa);
	if (fstat(s, &st) == 0 && S_ISSOCK(st.st_mode) && getpeername(s, (struct sockaddr *)&sa, &sl) == 0 &&
	    sl > offsetof(struct sockaddr_un, sun_path) && sa.sun_family == AF_UNIX && !strncmp(sa.sun_path, sock_path, sizeof(sa.sun_path)))
		ino = (int64_t)st.st_ino;
	close(s);
	return ino;
}

/* ---- answering ---- */

static void answer(uint64_t id, int64_t r)
{
	struct seccomp_notif_resp resp = { .id = id };
	if (r < 0) resp.error = r >= -4095 ? (int32_t)r : -EIO;
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
	/* no times: the kernel keeps none */
	sx.stx_mask = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO | STATX_SIZE;
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

/* ---- the calls ---- */

struct job {
	struct seccomp_notif n;
	pid_t pid;    /* the caller's process (tgid_of its thread), once looked up */
	int64_t ino;  /* the caller's descriptor is the kernel's file with this socket inode, or 0 */
	char norm[PATH_MAX];
};

/* the caller's process, looked up once per call */
static pid_t job_pid(struct job *j)
{
	if (!j->pid) j->pid = tgid_of((pid_t)j->n.pid);
	return j->pid;
}

/* a stat or access of a path of ours (a path request needs no channel) */
static void path_stat(struct job *j, int follow, uint64_t out, int how)
{
	int s = connect_server();
	if (s < 0) return answer(j->n.id, s);
	struct vstat v;
	struct result r = call(s, 0, j->n.id, OP_STAT, (uint64_t)follow, 0, 0, j->norm, &v, sizeof(v));
	close(s);
	if (r.gone) return;
	if (r.ret < 0) return answer(j->n.id, r.ret);
	pid_t tid = (pid_t)j->n.pid;
	if (how == 'x') return answer(j->n.id, put_statx(tid, out, &v));
	if (how == 's') return answer(j->n.id, put_stat(tid, out, &v));
	/* access: the server decides, with the caller's credentials (we act for it) */
	pid_t pid = job_pid(j);
	int c = pid > 0 ? channel_for(pid) : -ESRCH;
	if (c < 0) return answer(j->n.id, c);
	r = call(c, pid, j->n.id, OP_ACCESS, out, 0, 0, j->norm, NULL, 0);
	close(c);
	if (!r.gone) answer(j->n.id, r.ret);
}

static void do_open(struct job *j, int flags)
{
	pid_t pid = job_pid(j);
	int s = pid > 0 ? channel_for(pid) : -ESRCH;
	if (s < 0) return answer(j->n.id, s);
	struct result r = call(s, pid, j->n.id, OP_OPEN, (uint64_t)(unsigned)flags, (uint64_t)-1, 0, j->norm, NULL, 0);
	if (r.gone || r.ret < 0) {
		close(s);
		if (!r.gone) answer(j->n.id, r.ret);
		return;
	}
	/* the socket becomes the caller's descriptor; registered with the server (so its other
	 * channels can attach) before open returns it */
	struct seccomp_notif_addfd add = { .id = j->n.id, .srcfd = (uint32_t)s, .newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0 };
	int fd = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	if (fd < 0) {
		int e = errno;
		close(s);
		return answer(j->n.id, e == ENOENT ? -EINTR : -e);
	}
	/*
	 * The descriptor is the program's now, and cannot be taken back: the open has succeeded
	 * whatever REGISTER answers. If it fails (the program closed or replaced the number at once),
	 * only attaching other channels to the file fails later, with EBADF, as for a closed file.
	 */
	struct stat st;
	if (fstat(s, &st) == 0) call(s, pid, 0, OP_REGISTER, (uint64_t)fd, (uint64_t)st.st_ino, 0, NULL, NULL, 0);
	close(s);
	answer(j->n.id, fd);
}

/*
 * readv/writev (pos < 0) and preadv/pwritev on a file of ours: a read or write per segment, as the
 * kernel's do_loop_readv_writev
 */
static struct result do_vector(int s, pid_t tid, pid_t pid, uint64_t id, int write, uint64_t iov, uint64_t cnt, int64_t pos)
{
	struct result total = { 0, 0 };
	if (cnt > 1024 || pos < -1) return (struct result){ -EINVAL, 0 };
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t seg[2];
		if (peek(tid, iov + 16 * i, seg, sizeof(seg))) return (struct result){ total.ret ? total.ret : -EFAULT, 0 };
		if (!seg[1]) continue;
		struct result r = pos < 0 ? call(s, pid, id, write ? OP_WRITE : OP_READ, seg[0], seg[1], 0, NULL, NULL, 0)
					  : call(s, pid, id, write ? OP_PWRITE : OP_PREAD, seg[0], seg[1], (uint64_t)(pos + total.ret), NULL, NULL, 0);
		if (r.gone) return r;
		if (r.ret < 0) return total.ret ? total : r;
		total.ret += r.ret;
		if ((uint64_t)r.ret < seg[1]) break;
	}
	return total;
}

/* a call on a descriptor of ours, on a channel of its own attached to the same open file */
static void do_fd(struct job *j)
{
	const __u64 *a = j->n.data.args;
	pid_t tid = (pid_t)j->n.pid, pid = job_pid(j);
	int s = pid > 0 ? channel_for(pid) : -ESRCH;
	if (s < 0) return answer(j->n.id, s);
	uint64_t id = j->n.id;
	struct result r = call(s, pid, id, OP_ATTACH, a[0], (uint64_t)j->ino, 0, NULL, NULL, 0);
	if (!r.gone && r.ret == 0) {
		struct vstat v;
		switch (j->n.data.nr) {
		case SYS_read: r = call(s, pid, id, OP_READ, a[1], a[2], 0, NULL, NULL, 0); break;
		case SYS_write: r = call(s, pid, id, OP_WRITE, a[1], a[2], 0, NULL, NULL, 0); break;
		case SYS_pread64: r = call(s, pid, id, OP_PREAD, a[1], a[2], a[3], NULL, NULL, 0); break;
		case SYS_pwrite64: r = call(s, pid, id, OP_PWRITE, a[1], a[2], a[3], NULL, NULL, 0); break;
		case SYS_readv: r = do_vector(s, tid, pid, id, 0, a[1], a[2], -1); break;
		case SYS_writev: r = do_vector(s, tid, pid, id, 1, a[1], a[2], -1); break;
		case SYS_preadv: r = do_vector(s, tid, pid, id, 0, a[1], a[2], (int64_t)a[3] < 0 ? -2 : (int64_t)a[3]); break;
		case SYS_pwritev: r = do_vector(s, tid, pid, id, 1, a[1], a[2], (int64_t)a[3] < 0 ? -2 : (int64_t)a[3]); break;
		/* the v2 forms: flags are not supported; offset -1 is the file's own position */
		case SYS_preadv2: r = a[5] ? (struct result){ -EOPNOTSUPP, 0 } : do_vector(s, tid, pid, id, 0, a[1], a[2], (int64_t)a[3]); break;
		case SYS_pwritev2: r = a[5] ? (struct result){ -EOPNOTSUPP, 0 } : do_vector(s, tid, pid, id, 1, a[1], a[2], (int64_t)a[3]); break;
		case SYS_ioctl: r = call(s, pid, id, OP_IOCTL, (uint32_t)a[1], a[2], 0, NULL, NULL, 0); break;
		case SYS_lseek: r = call(s, pid, id, OP_LSEEK, a[1], a[2], 0, NULL, NULL, 0); break;
		case SYS_fcntl: r = call(s, pid, id, (int)a[1] == F_GETFL ? OP_GETFL : OP_SETFL, a[2], 0, 0, NULL, NULL, 0); break;
		case SYS_fsync: r = call(s, pid, id, OP_FSYNC, 0, 0, 0, NULL, NULL, 0); break;
		case SYS_fdatasync: r = call(s, pid, id, OP_FSYNC, 1, 0, 0, NULL, NULL, 0); break;
		case SYS_sync_file_range: r = call(s, pid, id, OP_SYNC_FILE_RANGE, a[1], a[2], (uint32_t)a[3], NULL, NULL, 0); break;
		case SYS_syncfs: r = call(s, pid, id, OP_SYNCFS, 0, 0, 0, NULL, NULL, 0); break;
		case SYS_fallocate: r = call(s, pid, id, OP_FALLOCATE, (uint32_t)a[1], a[2], a[3], NULL, NULL, 0); break;
		case SYS_fadvise64: r = call(s, pid, id, OP_FADVISE, a[1], a[2], (uint32_t)a[3], NULL, NULL, 0); break;
		default: /* fstat, or newfstatat/statx with AT_EMPTY_PATH */
			r = call(s, pid, id, OP_FSTAT, 0, 0, 0, NULL, &v, sizeof(v));
			if (!r.gone && r.ret >= 0)
				r.ret = j->n.data.nr == SYS_statx ? put_statx(tid, a[4], &v) : put_stat(tid, j->n.data.nr == SYS_fstat ? a[1] : a[2], &v);
			break;
		}
	} else if (!r.gone) r.ret = -EBADF;
	close(s);
	if (!r.gone) answer(id, r.ret);
}

/*
 * Waits on the caller's descriptors when some are ours: each is asked for its state (the others
 * through copies of them), until something is ready, the time (ms, -1 forever) is up or the
 * caller is interrupted (*gone). It looks again every few milliseconds: good enough for a program
 * that could not be reached otherwise. @returns how many have revents
 */
static int64_t wait_fds(struct job *j, struct pollfd *fds, uint64_t nfds, long timeout, int *gone)
{
	pid_t pid = job_pid(j);
	int *copy = calloc(nfds ? nfds : 1, sizeof(int));
	int64_t *ino = calloc(nfds ? nfds : 1, sizeof(int64_t));
	if (!copy || !ino) {
		free(copy), free(ino);
		return -ENOMEM;
	}
	/* a copy of each of the host's descriptors; a channel attached to each of ours (made once) */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (uint64_t i = 0; i < nfds; i++) {
		copy[i] = -1;
		if (fds[i].fd < 0) continue;
		ino[i] = our_socket(pid, fds[i].fd);
		if (!ino[i] && pidfd >= 0) copy[i] = (int)syscall(SYS_pidfd_getfd, pidfd, fds[i].fd, 0);
		if (ino[i] > 0) {
			int s = channel_for(pid);
			if (s >= 0 && call(s, pid, 0, OP_ATTACH, (uint64_t)fds[i].fd, (uint64_t)ino[i], 0, NULL, NULL, 0).ret != 0) {
				close(s);
				s = -1;
			}
			copy[i] = s;
		}
	}
	if (pidfd >= 0) close(pidfd);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int64_t ready = 0;
	*gone = 0;
	for (;;) {
		ready = 0;
		for (uint64_t i = 0; i < nfds; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0) continue;
			if (ino[i] > 0) {
				struct result r = { -EIO, 0 };
				if (copy[i] >= 0) r = call(copy[i], pid, j->n.id, OP_POLL, (uint16_t)fds[i].events, 0, 0, NULL, NULL, 0);
				*gone |= r.gone;
				fds[i].revents = r.ret < 0 ? POLLERR : (short)r.ret;
			} else if (copy[i] >= 0) {
				struct pollfd p = { copy[i], fds[i].events, 0 };
				poll(&p, 1, 0);
				fds[i].revents = p.revents;
			} else fds[i].revents = POLLNVAL;
			if (fds[i].revents) ready++;
		}
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		uint64_t id = j->n.id;
		if (*gone || ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
			*gone = 1;
			break;
		}
		if (ready || (timeout >= 0 && spent >= timeout)) break;
		usleep(5000);
	}
	for (uint64_t i = 0; i < nfds; i++)
		if (copy[i] >= 0) close(copy[i]);
	free(copy), free(ino);
	return ready;
}

/* poll/ppoll with some of ours */
static void do_poll(struct job *j)
{
	const __u64 *a = j->n.data.args;
	pid_t tid = (pid_t)j->n.pid;
	uint64_t nfds = a[1];
	if (nfds > 1024) return answer(j->n.id, -EINVAL);
	struct pollfd *fds = calloc(nfds ? nfds : 1, sizeof(*fds));
	long timeout = j->n.data.nr == SYS_poll ? (long)(int)a[2] : -1;
	struct timespec ts;
	if (!fds || (nfds && peek(tid, a[0], fds, nfds * sizeof(*fds))) || (j->n.data.nr == SYS_ppoll && a[2] && peek(tid, a[2], &ts, sizeof(ts)))) {
		free(fds);
		return answer(j->n.id, -EFAULT);
	}
	if (j->n.data.nr == SYS_ppoll && a[2]) timeout = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int gone;
	int64_t r = wait_fds(j, fds, nfds, timeout, &gone);
	if (!gone) {
		for (uint64_t i = 0; i < nfds && r >= 0; i++)
			if (poke(tid, a[0] + i * sizeof(*fds) + offsetof(struct pollfd, revents), &fds[i].revents, sizeof(short))) r = -EFAULT;
		answer(j->n.id, r);
	}
	free(fds);
}

/*
 * select/pselect6 with some of ours (kxo's own xo-user waits with select): the three sets as
 * pollfds, then back. @returns through answer the number of bits left set
 */
static void do_select(struct job *j)
{
	const __u64 *a = j->n.data.args;
	pid_t tid = (pid_t)j->n.pid;
	int nfds = (int)a[0];
	if (nfds < 0 || nfds > FD_SETSIZE) return answer(j->n.id, -EINVAL);
	fd_set sets[3];
	size_t bytes = (size_t)((nfds + 63) / 64) * 8;
	for (int k = 0; k < 3; k++) {
		FD_ZERO(&sets[k]);
		if (a[1 + k] && bytes && peek(tid, a[1 + k], &sets[k], bytes)) return answer(j->n.id, -EFAULT);
	}
	long timeout = -1;
	if (a[4]) {
		struct timespec ts;
		struct timeval tv;
		if (j->n.data.nr == SYS_select ? peek(tid, a[4], &tv, sizeof(tv)) : peek(tid, a[4], &ts, sizeof(ts))) return answer(j->n.id, -EFAULT);
		timeout = j->n.data.nr == SYS_select ? tv.tv_sec * 1000 + tv.tv_usec / 1000 : ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	static const short ev[3] = { POLLIN, POLLOUT, POLLPRI };
	struct pollfd fds[FD_SETSIZE];
	uint64_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short want = 0;
		for (int k = 0; k < 3; k++)
			if (FD_ISSET(fd, &sets[k])) want |= ev[k];
		if (want) fds[n++] = (struct pollfd){ fd, want, 0 };
	}
	int gone;
	int64_t r = wait_fds(j, fds, n, timeout, &gone);
	if (gone) return;
	if (r < 0) return answer(j->n.id, r);
	for (int k = 0; k < 3; k++) FD_ZERO(&sets[k]);
	int64_t bits = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (fds[i].revents & POLLNVAL) return answer(j->n.id, -EBADF);
		short re = fds[i].revents, want = fds[i].events;
		/* select's readable includes hang-up and error, as do_select's POLLIN_SET does */
		if ((want & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) FD_SET(fds[i].fd, &sets[0]), bits++;
		if ((want & POLLOUT) && (re & (POLLOUT | POLLERR))) FD_SET(fds[i].fd, &sets[1]), bits++;
		if ((want & POLLPRI) && (re & POLLPRI)) FD_SET(fds[i].fd, &sets[2]), bits++;
	}
	for (int k = 0; k < 3; k++)
		if (a[1 + k] && bytes && poke(tid, a[1 + k], &sets[k], bytes)) return answer(j->n.id, -EFAULT);
	answer(j->n.id, bits);
}

/* is any of the caller's pollfds, or of the fds in its select sets, one of ours? */
static int waits_on_ours(pid_t tid, pid_t pid, const struct seccomp_notif *n)
{
	const __u64 *a = n->data.args;
	if (n->data.nr == SYS_poll || n->data.nr == SYS_ppoll) {
		if (a[1] > 1024) return 0;
		for (uint64_t i = 0; i < a[1]; i++) {
			struct pollfd p;
			if (peek(tid, a[0] + i * sizeof(p), &p, sizeof(p))) return 0;
			if (p.fd >= 0 && our_socket(pid, p.fd) != 0) return 1;
		}
		return 0;
	}
	int nfds = (int)a[0];
	if (nfds <= 0 || nfds > FD_SETSIZE) return 0;
	size_t bytes = (size_t)((nfds + 63) / 64) * 8;
	for (int k = 0; k < 3; k++) {
		fd_set set;
		FD_ZERO(&set);
		if (!a[1 + k] || peek(tid, a[1 + k], &set, bytes)) continue;
		for (int fd = 0; fd < nfds; fd++)
			if (FD_ISSET(fd, &set) && our_socket(pid, fd) != 0) return 1;
	}
	return 0;
}

/* calls in flight on threads of their own: bounded, a program cannot make us spawn without end */
#define MAX_JOBS 512
static int jobs;

static void *run_job(void *arg)
{
	struct job *j = arg;
	const __u64 *a = j->n.data.args;
	switch (j->n.data.nr) {
	case SYS_open: do_open(j, (int)a[1]); break;
	case SYS_openat: do_open(j, (int)a[2]); break;
	case SYS_stat: path_stat(j, 1, a[1], 's'); break;
	case SYS_lstat: path_stat(j, 0, a[1], 's'); break;
	case SYS_newfstatat: if (j->ino) do_fd(j); else path_stat(j, !((int)a[3] & AT_SYMLINK_NOFOLLOW), a[2], 's'); break;
	case SYS_statx: if (j->ino) do_fd(j); else path_stat(j, !((int)a[2] & AT_SYMLINK_NOFOLLOW), a[4], 'x'); break;
	case SYS_access: path_stat(j, 1, a[1], 'a'); break;
	case SYS_faccessat:
	case SYS_faccessat2: path_stat(j, 1, a[2], 'a'); break;
	case SYS_poll:
	case SYS_ppoll: do_poll(j); break;
	case SYS_select:
	case SYS_pselect6: do_select(j); break;
	default: do_fd(j); break;
	}
	free(j);
	__atomic_sub_fetch(&jobs, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* decides at once whether a call is ours; ours run on a thread of their own (they may block) */
static void dispatch(const struct seccomp_notif *n)
{
	const __u64 *a = n->data.args;
	pid_t tid = (pid_t)n->pid;
	struct job *j = calloc(1, sizeof(*j));
	if (!j) return answer(n->id, -ENOMEM);
	j->n = *n;
	int64_t mine = 0;
	int fdcall = -1;
	switch (n->data.nr) {
	case SYS_open:
	case SYS_stat:
	case SYS_lstat:
	case SYS_access: mine = ours_at(tid, AT_FDCWD, a[0], j->norm); break;
	case SYS_openat:
	case SYS_faccessat:
	case SYS_faccessat2: mine = ours_at(tid, (int)a[0], a[1], j->norm); break;
	case SYS_newfstatat:
	case SYS_statx: {
		char first = 1;
		if (a[1]) peek(tid, a[1], &first, 1);
		int empty = ((int)(n->data.nr == SYS_statx ? a[2] : a[3]) & AT_EMPTY_PATH) && (first == 0 || !a[1]);
		if (empty) fdcall = (int)a[0];
		else mine = ours_at(tid, (int)a[0], a[1], j->norm);
		break;
	}
	case SYS_fcntl:
		if ((int)a[1] == F_GETFL || (int)a[1] == F_SETFL) fdcall = (int)a[0];
		break;
	case SYS_ioctl:
		/* close-on-exec belongs to the descriptor, which the host kernel keeps */
		if ((uint32_t)a[1] != FIOCLEX && (uint32_t)a[1] != FIONCLEX) fdcall = (int)a[0];
		break;
	case SYS_epoll_ctl:
		/* the kernel's files are not pollable by epoll (as a regular file is not: Go then reads
		 * them blocking) */
		if (((int)a[1] == EPOLL_CTL_ADD || (int)a[1] == EPOLL_CTL_MOD) && our_socket(job_pid(j), (int)a[2]) > 0) {
			free(j);
			return answer(n->id, -EPERM);
		}
		break;
	case SYS_poll:
	case SYS_ppoll:
	case SYS_select:
	case SYS_pselect6: mine = waits_on_ours(tid, job_pid(j), n); break;
	case SYS_sendfile:
	case SYS_splice:
	case SYS_copy_file_range:
	case SYS_tee: {
		/* (the in and out descriptors: sendfile's 0 and 1, the others' 0 and 2) */
		int64_t in = our_socket(job_pid(j), (int)a[n->data.nr == SYS_sendfile ? 1 : 0]);
		int64_t out = our_socket(job_pid(j), (int)a[n->data.nr == SYS_sendfile ? 0 : (n->data.nr == SYS_tee ? 1 : 2)]);
		free(j);
		/* EINVAL, as for a file that cannot splice: cat and cp then read and write */
		if (in < 0 || out < 0) return answer(n->id, in < 0 ? in : out);
		return in || out ? answer(n->id, -EINVAL) : go_on(n->id);
	}
	case SYS_sendto:
	case SYS_recvfrom:
	case SYS_sendmsg:
	case SYS_recvmsg:
	case SYS_sendmmsg:
	case SYS_recvmmsg: {
		int64_t mine2 = our_socket(job_pid(j), (int)a[0]);
		free(j);
		/* the program's descriptor is a device to it, not a socket */
		return mine2 ? answer(n->id, mine2 < 0 ? mine2 : -ENOTSOCK) : go_on(n->id);
	}
	default: fdcall = (int)a[0]; break; /* read, write, their v and p forms, lseek, fstat, the syncs, fallocate, fadvise64 */
	}
	if (fdcall >= 0) {
		j->ino = our_socket(job_pid(j), fdcall);
		mine = j->ino;
	}
	if (mine < 0) {
		/* it may be ours and cannot be told: fail, never let the host's call touch the server */
		free(j);
		return answer(n->id, mine);
	}
	if (!mine) {
		free(j);
		return go_on(n->id);
	}
	pthread_t th;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	int busy = __atomic_add_fetch(&jobs, 1, __ATOMIC_RELAXED) > MAX_JOBS;
	if (busy || pthread_create(&th, &at, run_job, j)) {
		__atomic_sub_fetch(&jobs, 1, __ATOMIC_RELAXED);
		free(j);
		answer(n->id, -EAGAIN);
	}
	pthread_attr_destroy(&at);
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
	/* orphans of the program stay ours (their calls still come here, and we reap them), and
	 * every call in flight may hold a descriptor or two */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) return perror("socketpair"), 1;
	child = fork();
	if (child < 0) return perror("fork"), 1;
	if (child == 0) {
		close(sp[0]);
		/* without its supervisor the program's trapped calls could only fail */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/*
		 * The listener reaches the supervisor without a trapped call (sendmsg is one): its
		 * number is told first, then the child stops and the parent takes it (pidfd_getfd)
		 */
		int slot = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (slot < 0 || write(sp[1], &slot, sizeof(slot)) != sizeof(slot)) _exit(126);
		close(sp[1]);
		int l = install_filter();
		if (l < 0 || dup3(l, slot, O_CLOEXEC) < 0) {
			perror("vchardev-seccomp: seccomp user notification");
			_exit(126);
		}
		close(l);
		raise(SIGSTOP);
		close(slot);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "vchardev-seccomp: %s: %s\n", argv[1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(sp[1]);
	int slot = -1, st0;
	if (read(sp[0], &slot, sizeof(slot)) == sizeof(slot) && waitpid(child, &st0, WUNTRACED) == child && WIFSTOPPED(st0)) {
		int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
		listener = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, slot, 0) : -1;
		if (pidfd >= 0) close(pidfd);
		kill(child, SIGCONT);
	}
	close(sp[0]);
	if (listener < 0) {
		kill(child, SIGKILL);
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
	int st = 0, got = 0;
	for (pid_t w; (w = waitpid(-1, &st, 0)) > 0 || (w < 0 && errno == EINTR);)
		if (w == child) got = st;
	if (WIFSIGNALED(got)) return 128 + WTERMSIG(got);
	return WEXITSTATUS(got);
}
