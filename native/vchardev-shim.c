/*
 * vchardev's preload shim: a program's calls on the paths a vchardev kernel serves (/dev/kxo,
 * /sys/class/kxo/..., /proc/devices, ...) go to that kernel over a Unix socket; everything else
 * goes to the real libc. The shim knows no struct layout: the server reads and writes the
 * program's memory itself (/proc/<pid>/mem), so drivers run unchanged.
 *
 * Each open virtual file is one connected socket, and the socket's descriptor is the fd the
 * program gets: dup, fork, exec and close work natively, and the server releases the file when
 * the last descriptor on it is closed (fput on last close). See src/bridge/protocol.ts.
 *
 * Environment: VCHARDEV_SOCK (the server's socket path), VCHARDEV_PATHS (the path prefixes the
 * server owns, one a line: sysfs names hold colons), VCHARDEV_CWD (a working directory of ours,
 * see chdir).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <linux/close_range.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vchardev-wire.h"

/*
 * A channel: the socket one thread of one process sends its requests on for one virtual fd. The
 * opening thread uses the fd's own socket; any other thread or process (a forked child, the same
 * process after exec) first attaches a channel of its own to the same open file, so each reply
 * goes to the thread that asked and a thread blocked in read holds up no other.
 */
struct chan {
	pid_t pid, tid;
	int sock;
	struct chan *next;
	/*
	 * calls using it now; a close() by another thread meanwhile only orphans it, and the last
	 * call frees it: its socket number must not be reused under a blocked call (as in Linux,
	 * a read in progress keeps its file after close)
	 */
	int refs;
	int orphan;
	int own; /* the socket is the channel's own (not the program's fd): closed with it */
};
/*
 * What the shim knows of a descriptor. `kind` is read and written atomically: close() and dup2()
 * of a host descriptor touch nothing else and take no lock, so a signal handler may call them.
 */
struct vfd {
	unsigned char kind;     /* 0 unknown, 1 a virtual file, 2 not one of ours */
	ino_t ino;              /* the socket's inode: a reused fd number is noticed */
	struct chan *chans;     /* the channels to its open file, this process's and inherited ones */
	char *path;             /* the path it was opened by (for *at calls relative to it), if known */
};
/* the table: chunks of entries that never move once made (a thread may hold an entry while
 * another adds a chunk) */
#define CHUNK 1024
#define MAX_CHUNKS 1024 /* fds below 2^20 */
/* the first chunk is static: descriptors below 1024 never make the shim allocate */
static struct vfd chunk0[CHUNK];
static struct vfd *chunks[MAX_CHUNKS] = { chunk0 };
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned char kind_of(const struct vfd *e)
{
	return __atomic_load_n(&e->kind, __ATOMIC_ACQUIRE);
}
static void set_kind(struct vfd *e, unsigned char kind)
{
	__atomic_store_n(&e->kind, kind, __ATOMIC_RELEASE);
}

/* the entry for fd, made if need be; NULL for an fd out of range or no memory */
static struct vfd *entry(int fd)
{
	if (fd < 0 || fd >= CHUNK * MAX_CHUNKS) return NULL;
	struct vfd *c = __atomic_load_n(&chunks[fd / CHUNK], __ATOMIC_ACQUIRE);
	if (!c) {
		pthread_mutex_lock(&table_lock);
		c = chunks[fd / CHUNK];
		if (!c) {
			c = calloc(CHUNK, sizeof(*c));
			__atomic_store_n(&chunks[fd / CHUNK], c, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&table_lock);
		if (!c) return NULL;
	}
	return &c[fd % CHUNK];
}

/* the entry for fd if one was ever made (no allocation) */
static struct vfd *known(int fd)
{
	if (fd < 0 || fd >= CHUNK * MAX_CHUNKS) return NULL;
	struct vfd *c = __atomic_load_n(&chunks[fd / CHUNK], __ATOMIC_ACQUIRE);
	return c ? &c[fd % CHUNK] : NULL;
}

#define REAL(name) static __typeof__(name) *real_##name
REAL(open); REAL(openat); REAL(read); REAL(write); REAL(pread); REAL(pwrite); REAL(close);
REAL(ioctl); REAL(poll); REAL(lseek); REAL(fcntl); REAL(dup); REAL(dup2); REAL(dup3);
REAL(fopen); REAL(opendir); REAL(readdir); REAL(readdir64); REAL(closedir); REAL(access);
REAL(readlink); REAL(chdir); REAL(fchdir); REAL(getcwd);
REAL(fsync); REAL(fdatasync); REAL(sync_file_range); REAL(syncfs); REAL(fallocate); REAL(posix_fadvise);
static int (*real_fstat)(int, struct stat *);
static int (*real_stat)(const char *, struct stat *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real___fxstat)(int, int, struct stat *);
static int (*real___xstat)(int, const char *, struct stat *);
static int (*real___lxstat)(int, const char *, struct stat *);

/*
 * The working directory when it is one of the kernel's (the real one cannot be there): getcwd
 * answers it and relative paths resolve against it, ours and the host's alike. It lives in
 * VCHARDEV_CWD too, so a program exec'd from there starts there.
 */
static char vcwd[PATH_MAX];
static int vcwd_on;
static pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;
/* our environment, read once: a program's setenv in one thread must not race our getenv */
static char *env_paths, *env_sock;
static __typeof__(execve) *real_execve;

static int ours(const char *path, char *norm);
static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

static void init_real(void)
{
	static int done;
	if (done) return;
#define LOAD(name) real_##name = dlsym(RTLD_NEXT, #name)
	LOAD(open); LOAD(openat); LOAD(read); LOAD(write); LOAD(pread); LOAD(pwrite); LOAD(close);
	LOAD(ioctl); LOAD(poll); LOAD(lseek); LOAD(fcntl); LOAD(dup); LOAD(dup2); LOAD(dup3);
	LOAD(fopen); LOAD(opendir); LOAD(readdir); LOAD(readdir64); LOAD(closedir); LOAD(access);
	LOAD(readlink); LOAD(chdir); LOAD(fchdir); LOAD(getcwd); LOAD(fstat); LOAD(stat); LOAD(lstat); LOAD(__fxstat); LOAD(__xstat); LOAD(__lxstat);
	LOAD(execve);
	LOAD(fsync); LOAD(fdatasync); LOAD(sync_file_range); LOAD(syncfs); LOAD(fallocate); LOAD(posix_fadvise);
	const char *e = getenv("VCHARDEV_PATHS");
	env_paths = e ? strdup(e) : NULL;
	e = getenv("VCHARDEV_SOCK");
	env_sock = e ? strdup(e) : NULL;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	done = 1;
	/*
	 * A working directory of ours inherited across exec (see chdir): believed only for a path
	 * we serve, and only while the real one is still the removed directory chdir parked it in
	 * (a program without the shim that changed directory since leaves a stale variable behind)
	 */
	const char *cwd = getenv("VCHARDEV_CWD");
	char real[PATH_MAX], norm[PATH_MAX];
	if (cwd && cwd[0] == '/' && strlen(cwd) < sizeof(vcwd) && ours(cwd, norm) && !real_getcwd(real, sizeof(real)) && errno == ENOENT) {
		strcpy(vcwd, norm);
		vcwd_on = 1;
	}
}
/* at load time: nothing is left to do between vfork and exec */
__attribute__((constructor)) static void shim_load(void)
{
	int saved = errno;
	init_real();
	errno = saved;
}

/* ---- which paths and fds are ours ---- */

static int64_t resolve_call(const char *path, char *out, size_t size, struct rep *r);

/*
 * an absolute, lexically normalised path (".", "..", "//"), but walked by the server where a ".."
 * follows one of the kernel's paths (*walked set then); 0 when it does not fit
 */
static int normalize_walk(const char *path, char *out, size_t size, int *walked)
{
	char tmp[PATH_MAX];
	if (path[0] == '/') {
		if (strlen(path) >= sizeof(tmp)) return 0;
		strcpy(tmp, path);
	} else if (vcwd_on) {
		pthread_mutex_lock(&cwd_lock);
		size_t n = strlen(vcwd);
		int fits = n + 1 + strlen(path) < sizeof(tmp);
		if (fits) {
			memcpy(tmp, vcwd, n);
			tmp[n] = '/';
			strcpy(tmp + n + 1, path);
		}
		pthread_mutex_unlock(&cwd_lock);
		if (!fits) return 0;
	} else {
		if (!(real_getcwd ? real_getcwd : getcwd)(tmp, sizeof(tmp))) return 0;
		size_t n = strlen(tmp);
		if (n + 1 + strlen(path) >= sizeof(tmp)) return 0;
		tmp[n] = '/';
		strcpy(tmp + n + 1, path);
	}
	/*
	 * A ".." after one of the kernel's paths goes up from where that path really is: the server
	 * walks it (a device is no directory; a sysfs link goes elsewhere). Where it cannot (the
	 * walk fails), the path goes to the server with its ".." kept: the call gets the walk's error
	 */
	char kept[PATH_MAX];
	if (env_paths && vchardev_needs_walk(env_paths, tmp, kept, sizeof(kept))) {
		if (walked) *walked = 1;
		int dir = tmp[strlen(tmp) - 1] == '/';
		struct rep r;
		int64_t n = resolve_call(kept, out, size - 2, &r);
		/* (the last component is left as it is: an lstat or readlink of it must not follow it) */
		if (n < 0 || r.len == 0 || r.len >= size - 2) {
			snprintf(out, size, "%s", kept);
			return strlen(kept) < size - 1;
		}
		out[r.len] = 0;
		if (dir && r.len > 1) strcat(out, "/");
		return 1;
	}
	/* a trailing slash asks for a directory: the kernel answers ENOTDIR for a device */
	return vchardev_lexical(tmp, out, size, 1);
}

static int normalize(const char *path, char *out, size_t size)
{
	return normalize_walk(path, out, size, NULL);
}

/* the path a host call gets: a relative one is made absolute while the working directory is ours */
static const char *host_path(const char *path, char *buf)
{
	if (!path || !path[0]) return path;
	if (vcwd_on && path[0] != '/') return normalize(path, buf, PATH_MAX) ? buf : path;
	/* a ".." after one of the kernel's paths: the host gets the path the walk arrived at
	 * (/sys/class/kxo/kxo/../.. is the host's /sys/devices/virtual) */
	int walked = 0;
	if (env_paths && strstr(path, "..") && normalize_walk(path, buf, PATH_MAX, &walked) && walked) return buf;
	return path;
}
#define HOST(path) host_path(path, hostbuf)
#define HOST_AT(dirfd, path) ((dirfd) == AT_FDCWD ? host_path(path, hostbuf) : (path))

/* a path the server serves (VCHARDEV_PATHS), normalised into norm */
static int ours(const char *path, char *norm)
{
	return env_paths && path && normalize(path, norm, PATH_MAX) && vchardev_served(env_paths, norm);
}

static const char *sock_path(void)
{
	return env_sock;
}

static int raw_fstat(int fd, struct stat *st)
{
	return real_fstat ? real_fstat(fd, st) : real___fxstat(1, fd, st);
}

/* is fd a file of ours? (cached; a cached fd is checked by inode, it may have been reused) */
static void forget(int fd);

static int virt(int fd)
{
	init_real();
	struct vfd *e = known(fd);
	unsigned char kind = e ? kind_of(e) : 0;
	struct stat st;
	if (kind == 1) {
		if (raw_fstat(fd, &st) == 0 && st.st_ino == e->ino) return 1;
		/* closed by a route we do not wrap (a raw syscall): its channels go as close() would */
		forget(fd);
	}
	if (kind == 2) return 0;
	/* unknown (after exec): a Unix socket connected to the server is ours, to attach before use */
	const char *sp = sock_path();
	/* an unnamed peer (a socketpair) fills in no path: the buffer starts zeroed */
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	socklen_t sl = sizeof(sa);
	int mine = sp && getpeername(fd, (struct sockaddr *)&sa, &sl) == 0 && sl > offsetof(struct sockaddr_un, sun_path) &&
		   sa.sun_family == AF_UNIX && !strncmp(sa.sun_path, sp, sizeof(sa.sun_path)) && raw_fstat(fd, &st) == 0;
	/* only a descriptor of ours may make an entry (and so allocate): a host one is cached where
	 * the table already has room */
	if (mine) e = entry(fd);
	if (!e) return mine;
	if (mine) {
		pthread_mutex_lock(&table_lock);
		e->ino = st.st_ino;
		e->chans = NULL; /* the ones listed before exec are gone with that image */
		e->path = NULL;
		set_kind(e, 1);
		pthread_mutex_unlock(&table_lock);
		return 1;
	}
	set_kind(e, 2);
	return 0;
}

static void mark_real(int fd)
{
	struct vfd *e = known(fd);
	if (!e) return;
	/* the number was a file of ours closed behind our back (a raw close): its channels go first */
	if (kind_of(e) == 1) forget(fd);
	set_kind(e, 2);
}

/* a call is done with c: the last one out of an orphaned channel closes and frees it */
static void chan_put(struct chan *c)
{
	pthread_mutex_lock(&table_lock);
	int last = --c->refs == 0 && c->orphan;
	pthread_mutex_unlock(&table_lock);
	if (!last) return;
	if (c->own) real_close(c->sock);
	free(c);
}

/* forgets fd and closes every channel attached to it (the fd itself is the caller's to close) */
static void forget(int fd)
{
	struct vfd *e = known(fd);
	if (!e) return;
	/* a host descriptor: no lock, no allocation (close() may be called from a signal handler) */
	if (kind_of(e) != 1) {
		set_kind(e, 0);
		return;
	}
	struct chan *idle = NULL;
	pthread_mutex_lock(&table_lock);
	struct chan *c = kind_of(e) == 1 ? e->chans : NULL;
	char *path = kind_of(e) == 1 ? e->path : NULL;
	set_kind(e, 0);
	e->chans = NULL;
	e->path = NULL;
	/* a channel a call is using is left to that call (chan_put); the others go now */
	while (c) {
		struct chan *next = c->next;
		c->own = c->sock != fd;
		if (c->refs > 0) c->orphan = 1;
		else {
			c->next = idle;
			idle = c;
		}
		c = next;
	}
	pthread_mutex_unlock(&table_lock);
	free(path);
	while (idle) {
		struct chan *next = idle->next;
		if (idle->own) real_close(idle->sock);
		free(idle);
		idle = next;
	}
}

/* ---- the wire ---- */

/* one request and its reply on channel s; @returns the reply's ret (or -errno) */
static int64_t call_on(int s, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload,
		       uint32_t len, struct rep *out, void *rbuf, uint32_t rmax)
{
	struct req q = { .op = op, .a = a, .b = b, .c = c, .len = len };
	struct rep r;
	int intr = 0;
	if (vchardev_send_all(s, &q, sizeof(q)) || (len && vchardev_send_all(s, payload, len))) return -EIO;
	if (vchardev_recv_all(s, &r, sizeof(r), &intr)) return -EIO;
	uint32_t keep = r.len < rmax ? r.len : rmax;
	if (keep && vchardev_recv_all(s, rbuf, keep, &intr)) return -EIO;
	for (uint32_t left = r.len - keep; left;) {
		char sink[256];
		uint32_t n = left < sizeof(sink) ? left : (uint32_t)sizeof(sink);
		if (vchardev_recv_all(s, sink, n, &intr)) return -EIO;
		left -= n;
	}
	if (out) *out = r;
	return r.ret;
}

/* a connection to the server: the socket or -errno */
static int connect_server(void)
{
	init_real();
	const char *sp = sock_path();
	return sp ? vchardev_connect(sp, real_close) : -ENOENT;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* the channel this thread uses for fd (held: chan_put when done), attached first when it has none */
static struct chan *chan_of(int fd, int64_t *err)
{
	pid_t pid = getpid(), tid = gettid_();
	struct vfd *e = known(fd);
	pthread_mutex_lock(&table_lock);
	struct chan *c = NULL;
	if (e && kind_of(e) == 1)
		for (c = e->chans; c && !(c->pid == pid && c->tid == tid); c = c->next) {}
	if (c) c->refs++;
	pthread_mutex_unlock(&table_lock);
	if (c) return c;
	if (!e || kind_of(e) != 1) {
		*err = -EBADF;
		return NULL;
	}
	/* another thread, a forked child or a new image after exec: a channel of our own */
	struct stat st;
	if (raw_fstat(fd, &st) < 0) {
		*err = -EBADF;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	int s = c ? connect_server() : -ENOMEM;
	if (s < 0) {
		free(c);
		*err = s;
		return NULL;
	}
	int64_t r = call_on(s, OP_ATTACH, (uint64_t)fd, (uint64_t)st.st_ino, 0, NULL, 0, NULL, NULL, 0);
	if (r < 0) {
		real_close(s);
		free(c);
		*err = r;
		return NULL;
	}
	c->pid = pid;
	c->tid = tid;
	c->sock = s;
	c->refs = 1;
	pthread_mutex_lock(&table_lock);
	if (kind_of(e) == 1 && e->ino == st.st_ino) {
		c->next = e->chans;
		e->chans = c;
	}
	/* closed meanwhile, or its number now another file */
	int gone = kind_of(e) != 1 || e->ino != st.st_ino;
	pthread_mutex_unlock(&table_lock);
	if (gone) { /* closed meanwhile by another thread */
		real_close(s);
		free(c);
		*err = -EBADF;
		return NULL;
	}
	return c;
}

/* a request on virtual fd `fd`, on this thread's channel */
static int64_t call(int fd, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload, uint32_t len,
		    struct rep *out, void *rbuf, uint32_t rmax)
{
	int64_t err = 0;
	struct chan *ch = chan_of(fd, &err);
	if (!ch) return err;
	int64_t r = call_on(ch->sock, op, a, b, c, payload, len, out, rbuf, rmax);
	chan_put(ch);
	return r;
}

static int fail(int64_t r)
{
	errno = (int)-r;
	return -1;
}

/* a one-shot path request (stat, list, readlink) on a connection of its own */
static int64_t path_call(uint32_t op, const char *norm, uint64_t a, struct rep *out, void *rbuf, uint32_t rmax)
{
	int s = connect_server();
	if (s < 0) return s;
	int64_t r = call_on(s, op, a, 0, 0, norm, (uint32_t)strlen(norm), out, rbuf, rmax);
	real_close(s);
	return r;
}

/* a path with ".." walked by the server (OP_RESOLVE): its result in out, not NUL-terminated */
static int64_t resolve_call(const char *path, char *out, size_t size, struct rep *r)
{
	return path_call(OP_RESOLVE, path, 0, r, out, (uint32_t)size);
}

/* ---- open and close ---- */

static int vopen(const char *norm, int flags)
{
	int s = connect_server();
	if (s < 0) return fail(s);
	struct stat st;
	if (raw_fstat(s, &st) < 0) {
		int e = errno;
		real_close(s);
		return fail(-e);
	}
	/* b and c: our socket's descriptor and inode, which other processes attach by */
	int64_t r = call_on(s, OP_OPEN, (uint64_t)(unsigned)flags, (uint64_t)s, (uint64_t)st.st_ino, norm, (uint32_t)strlen(norm), NULL, NULL, 0);
	if (r < 0) {
		real_close(s);
		return fail(r);
	}
	/* the socket was opened close-on-exec; keep it across exec unless O_CLOEXEC asked for it */
	if (!(flags & O_CLOEXEC)) real_fcntl(s, F_SETFD, 0);
	/*
	 * the opening thread's channel is a descriptor of the shim's own on the same socket: the
	 * program's close() of its number then never pulls it from under a call blocked on it
	 */
	int own = real_fcntl(s, F_DUPFD_CLOEXEC, 0);
	struct chan *c = calloc(1, sizeof(*c));
	struct vfd *e = entry(s);
	if (c) *c = (struct chan){ .pid = getpid(), .tid = gettid_(), .sock = own >= 0 ? own : s };
	else if (own >= 0) real_close(own);
	pthread_mutex_lock(&table_lock);
	if (e) {
		*e = (struct vfd){ .kind = 0, .ino = st.st_ino, .chans = c, .path = strdup(norm) };
		set_kind(e, 1);
	}
	pthread_mutex_unlock(&table_lock);
	if (!e) free(c);
	return s;
}

/*
 * Is (dirfd, path) one of ours? An absolute path or one relative to the cwd is checked as it is;
 * one relative to a virtual directory fd is joined to that directory's path. @returns 1 and the
 * normalised path in norm
 */
static int ours_at(int dirfd, const char *path, char *norm)
{
	if (!path) return 0;
	if (path[0] == '/' || dirfd == AT_FDCWD) return ours(path, norm);
	if (!virt(dirfd)) return 0;
	struct vfd *e = known(dirfd);
	char joined[PATH_MAX];
	pthread_mutex_lock(&table_lock);
	int ok = e && e->path && snprintf(joined, sizeof(joined), "%s/%s", e->path, path) < (int)sizeof(joined);
	pthread_mutex_unlock(&table_lock);
	return ok && ours(joined, norm);
}

static int open_common(int dirfd, const char *path, int flags, mode_t mode, int at)
{
	init_real();
	char norm[PATH_MAX];
	if (ours_at(dirfd, path, norm)) return vopen(norm, flags);
	char hostbuf[PATH_MAX];
	int fd = at ? real_openat(dirfd, HOST_AT(dirfd, path), flags, mode) : real_open(HOST(path), flags, mode);
	mark_real(fd);
	return fd;
}

#define MODE_ARG(flags) \
	mode_t mode = 0; \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = va_arg(ap, mode_t); \
		va_end(ap); \
	}

int open(const char *path, int flags, ...) { MODE_ARG(flags); return open_common(AT_FDCWD, path, flags, mode, 0); }
int open64(const char *path, int flags, ...) { MODE_ARG(flags); return open_common(AT_FDCWD, path, flags, mode, 0); }
int openat(int dirfd, const char *path, int flags, ...) { MODE_ARG(flags); return open_common(dirfd, path, flags, mode, 1); }
int openat64(int dirfd, const char *path, int flags, ...) { MODE_ARG(flags); return open_common(dirfd, path, flags, mode, 1); }
int __open_2(const char *path, int flags) { return open_common(AT_FDCWD, path, flags, 0, 0); }
int __open64_2(const char *path, int flags) { return open_common(AT_FDCWD, path, flags, 0, 0); }

/* fork while another thread holds a lock or a channel: the child has neither that thread nor its call */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&cwd_lock);
	pthread_mutex_lock(&table_lock);
}
static void atfork_parent(void)
{
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_unlock(&cwd_lock);
}
static void atfork_child(void)
{
	for (int i = 0; i < MAX_CHUNKS; i++) {
		struct vfd *c = chunks[i];
		for (int j = 0; c && j < CHUNK; j++)
			if (kind_of(&c[j]) == 1)
				for (struct chan *ch = c[j].chans; ch; ch = ch->next) ch->refs = 0;
	}
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_unlock(&cwd_lock);
}

/* ---- the working directory ---- */

static void set_vcwd(const char *norm)
{
	pthread_mutex_lock(&cwd_lock);
	int was = vcwd_on;
	if (norm) strcpy(vcwd, norm);
	vcwd_on = norm != NULL;
	pthread_mutex_unlock(&cwd_lock);
	if (norm) setenv("VCHARDEV_CWD", norm, 1);
	else if (was) unsetenv("VCHARDEV_CWD");
}

/*
 * The real working directory while ours is virtual: a directory made and removed at once, so
 * the calls the shim does not wrap (mkdir, unlink, rename with relative paths) fail with ENOENT
 * instead of acting on the directory the program left, and a program exec'd from here can tell
 * that VCHARDEV_CWD is current (getcwd fails with ENOENT only in such a directory).
 */
static void park_real_cwd(void)
{
	char probe[8];
	if (!real_getcwd(probe, sizeof(probe)) && errno == ENOENT) return; /* parked already */
	char dir[] = "/tmp/vchardev-cwd-XXXXXX";
	if (!mkdtemp(dir)) return;
	if (real_chdir(dir) == 0) rmdir(dir);
	else rmdir(dir);
}

/* into a directory of ours: remembered here (ENOTDIR for a file, the kernel's errno if absent) */
static int vchdir(const char *norm)
{
	struct vstat v;
	int64_t r = path_call(OP_STAT, norm, 1, NULL, &v, sizeof(v));
	if (r < 0) return fail(r);
	if ((v.mode & S_IFMT) != S_IFDIR) return fail(-ENOTDIR);
	char clean[PATH_MAX];
	size_t n = strlen(norm);
	memcpy(clean, norm, n + 1);
	if (n > 1 && clean[n - 1] == '/') clean[n - 1] = 0;
	park_real_cwd();
	set_vcwd(clean);
	return 0;
}

int chdir(const char *path)
{
	init_real();
	char norm[PATH_MAX], hostbuf[PATH_MAX];
	if (!path) return real_chdir(path);
	if (ours(path, norm)) return vchdir(norm);
	int r = real_chdir(HOST(path));
	if (r == 0) set_vcwd(NULL);
	return r;
}

int fchdir(int fd)
{
	init_real();
	if (virt(fd)) {
		struct vfd *e = known(fd);
		char path[PATH_MAX];
		pthread_mutex_lock(&table_lock);
		int ok = e && e->path && strlen(e->path) < sizeof(path);
		if (ok) strcpy(path, e->path);
		pthread_mutex_unlock(&table_lock);
		return ok ? vchdir(path) : fail(-ENOTDIR);
	}
	int r = real_fchdir(fd);
	if (r == 0) set_vcwd(NULL);
	return r;
}

char *getcwd(char *buf, size_t size)
{
	init_real();
	char cur[PATH_MAX];
	pthread_mutex_lock(&cwd_lock);
	int on = vcwd_on;
	if (on) strcpy(cur, vcwd);
	pthread_mutex_unlock(&cwd_lock);
	if (!on) return real_getcwd(buf, size);
	size_t n = strlen(cur) + 1;
	/* glibc's extension: no buffer asks for one of the size given, or of the path's */
	if (!buf) {
		if (size && size < n) {
			errno = ERANGE;
			return NULL;
		}
		buf = malloc(size ? size : n);
		if (!buf) {
			errno = ENOMEM;
			return NULL;
		}
	} else if (size < n) {
		errno = size ? ERANGE : EINVAL;
		return NULL;
	}
	memcpy(buf, cur, n);
	return buf;
}

/*
 * A shell passes its own environment to execve, not environ: the working directory of ours goes
 * with it (and a stale one is dropped), so `cd /sys/class/kxo/kxo && cat kxo_state` works.
 */
int execve(const char *path, char *const argv[], char *const envp[])
{
	/*
	 * no malloc here: after vfork the child shares the parent's heap; and a small stack only
	 * (posix_spawn's child runs on one of a few pages): an environment of more than 256
	 * variables goes as it is, without our working directory
	 */
	char hostbuf[PATH_MAX];
	size_t n = 0;
	while (envp && envp[n]) n++;
	if (n > 256) return real_execve(HOST(path), argv, envp);
	char *env[256 + 2];
	char mine[sizeof("VCHARDEV_CWD=") + PATH_MAX];
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "VCHARDEV_CWD=", 13)) env[o++] = envp[i];
	pthread_mutex_lock(&cwd_lock);
	if (vcwd_on) {
		snprintf(mine, sizeof(mine), "VCHARDEV_CWD=%s", vcwd);
		env[o++] = mine;
	}
	pthread_mutex_unlock(&cwd_lock);
	env[o] = NULL;
	return real_execve(HOST(path), argv, env);
}

/* the fortified getcwd (_FORTIFY_SOURCE) */
char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen) abort();
	return getcwd(buf, size);
}

int close(int fd)
{
	init_real();
	forget(fd);
	return real_close(fd);
}

/* close_range and closefrom close many at once: ours among them are forgotten first */
static void forget_range(unsigned first, unsigned last)
{
	for (unsigned i = first / CHUNK; i < MAX_CHUNKS && i <= last / CHUNK; i++) {
		struct vfd *c = __atomic_load_n(&chunks[i], __ATOMIC_ACQUIRE);
		for (unsigned j = 0; c && j < CHUNK; j++) {
			unsigned fd = i * CHUNK + j;
			if (fd >= first && fd <= last && kind_of(&c[j]) == 1) forget((int)fd);
		}
	}
}
int close_range(unsigned first, unsigned last, int flags)
{
	init_real();
	static __typeof__(close_range) *real_close_range;
	if (!real_close_range) real_close_range = dlsym(RTLD_NEXT, "close_range");
	if (!(flags & CLOSE_RANGE_CLOEXEC)) forget_range(first, last);
	if (!real_close_range) {
		errno = ENOSYS;
		return -1;
	}
	return real_close_range(first, last, flags);
}
void closefrom(int lowfd)
{
	init_real();
	static __typeof__(closefrom) *real_closefrom;
	if (!real_closefrom) real_closefrom = dlsym(RTLD_NEXT, "closefrom");
	if (lowfd >= 0) forget_range((unsigned)lowfd, ~0u);
	if (real_closefrom) real_closefrom(lowfd);
}

/* a new descriptor for the same open file: its first user attaches a channel (none is shared) */
static void mark_dup(int from, int to)
{
	if (to < 0 || to == from) return;
	forget(to);
	struct vfd *src = entry(from), *e = entry(to);
	if (!src || !e) return;
	pthread_mutex_lock(&table_lock);
	if (kind_of(src) == 1) {
		*e = (struct vfd){ .kind = 0, .ino = src->ino, .chans = NULL, .path = src->path ? strdup(src->path) : NULL };
		set_kind(e, 1);
	} else set_kind(e, 2);
	pthread_mutex_unlock(&table_lock);
}

int dup(int fd)
{
	init_real();
	int v = virt(fd);
	int r = real_dup(fd);
	if (r >= 0) v ? mark_dup(fd, r) : mark_real(r);
	return r;
}
int dup2(int fd, int fd2)
{
	init_real();
	int v = virt(fd);
	if (fd != fd2) forget(fd2);
	int r = real_dup2(fd, fd2);
	if (r >= 0) v ? mark_dup(fd, r) : mark_real(r);
	return r;
}
int dup3(int fd, int fd2, int flags)
{
	init_real();
	int v = virt(fd);
	if (fd != fd2) forget(fd2);
	int r = real_dup3(fd, fd2, flags);
	if (r >= 0) v ? mark_dup(fd, r) : mark_real(r);
	return r;
}

/* ---- read, write, ioctl, lseek ---- */

ssize_t read(int fd, void *buf, size_t n)
{
	if (!virt(fd)) return real_read(fd, buf, n);
	int64_t r = call(fd, OP_READ, (uint64_t)(uintptr_t)buf, n, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (ssize_t)r;
}
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, n);
}
ssize_t write(int fd, const void *buf, size_t n)
{
	if (!virt(fd)) return real_write(fd, buf, n);
	int64_t r = call(fd, OP_WRITE, (uint64_t)(uintptr_t)buf, n, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (ssize_t)r;
}
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (!virt(fd)) return real_pread(fd, buf, n, off);
	int64_t r = call(fd, OP_PREAD, (uint64_t)(uintptr_t)buf, n, (uint64_t)off, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (ssize_t)r;
}
ssize_t pread64(int fd, void *buf, size_t n, off_t off) { return pread(fd, buf, n, off); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (!virt(fd)) return real_pwrite(fd, buf, n, off);
	int64_t r = call(fd, OP_PWRITE, (uint64_t)(uintptr_t)buf, n, (uint64_t)off, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (ssize_t)r;
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!virt(fd)) return real_ioctl(fd, req, arg);
	int64_t r = call(fd, OP_IOCTL, req, (uint64_t)(uintptr_t)arg, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (int)r;
}

off_t lseek(int fd, off_t off, int whence)
{
	if (!virt(fd)) return real_lseek(fd, off, whence);
	int64_t r = call(fd, OP_LSEEK, (uint64_t)off, (uint64_t)whence, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : (off_t)r;
}
off_t lseek64(int fd, off_t off, int whence) { return lseek(fd, off, whence); }

/* what a block device needs besides read and write: mkfs, dd conv=fsync */
int fsync(int fd)
{
	if (!virt(fd)) return real_fsync(fd);
	int64_t r = call(fd, OP_FSYNC, 0, 0, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}
int fdatasync(int fd)
{
	if (!virt(fd)) return real_fdatasync(fd);
	int64_t r = call(fd, OP_FSYNC, 1, 0, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}
int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	if (!virt(fd)) return real_sync_file_range(fd, off, n, flags);
	int64_t r = call(fd, OP_SYNC_FILE_RANGE, (uint64_t)off, (uint64_t)n, flags, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}
int syncfs(int fd)
{
	if (!virt(fd)) return real_syncfs(fd);
	int64_t r = call(fd, OP_SYNCFS, 0, 0, 0, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}
int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (!virt(fd)) return real_fallocate(fd, mode, off, len);
	int64_t r = call(fd, OP_FALLOCATE, (uint64_t)(unsigned)mode, (uint64_t)off, (uint64_t)len, NULL, 0, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}
int fallocate64(int fd, int mode, off64_t off, off64_t len) { return fallocate(fd, mode, off, len); }
/* posix_fadvise returns the error instead of setting errno */
int posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	if (!virt(fd)) return real_posix_fadvise(fd, off, len, advice);
	int64_t r = call(fd, OP_FADVISE, (uint64_t)off, (uint64_t)len, (uint64_t)(unsigned)advice, NULL, 0, NULL, NULL, 0);
	return r < 0 ? (int)-r : 0;
}
int posix_fadvise64(int fd, off64_t off, off64_t len, int advice) { return posix_fadvise(fd, off, len, advice); }

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	init_real();
	if (!virt(fd)) return real_fcntl(fd, cmd, arg);
	switch (cmd) {
	case F_GETFL: {
		int64_t r = call(fd, OP_GETFL, 0, 0, 0, NULL, 0, NULL, NULL, 0);
		return r < 0 ? fail(r) : (int)r;
	}
	case F_SETFL: {
		int64_t r = call(fd, OP_SETFL, (uint64_t)arg, 0, 0, NULL, 0, NULL, NULL, 0);
		return r < 0 ? fail(r) : 0;
	}
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		int r = real_fcntl(fd, cmd, arg);
		if (r >= 0) mark_dup(fd, r);
		return r;
	}
	default: /* F_GETFD/F_SETFD (close-on-exec) belong to the descriptor: the socket's own */
		return real_fcntl(fd, cmd, arg);
	}
}
int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}

/* ---- stat ---- */

static void fill_stat(const struct vstat *v, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = v->mode;
	st->st_uid = v->uid;
	st->st_gid = v->gid;
	st->st_rdev = makedev(v->major, v->minor);
	st->st_dev = makedev(0, 6);
	st->st_size = (off_t)v->size;
	st->st_ino = (ino_t)v->ino;
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

static int vstat_path(const char *norm, struct stat *st, int follow)
{
	struct vstat v;
	int64_t r = path_call(OP_STAT, norm, (uint64_t)follow, NULL, &v, sizeof(v));
	if (r < 0) return fail(r);
	fill_stat(&v, st);
	return 0;
}

static int vfstat(int fd, struct stat *st)
{
	struct vstat v;
	int64_t r = call(fd, OP_FSTAT, 0, 0, 0, NULL, 0, NULL, &v, sizeof(v));
	if (r < 0) return fail(r);
	fill_stat(&v, st);
	return 0;
}

int fstat(int fd, struct stat *st)
{
	init_real();
	if (virt(fd)) return vfstat(fd, st);
	return raw_fstat(fd, st);
}
int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }
int stat(const char *path, struct stat *st)
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm)) return vstat_path(norm, st, 1);
	char hostbuf[PATH_MAX];
	return real_stat ? real_stat(HOST(path), st) : real___xstat(1, HOST(path), st);
}
int stat64(const char *path, struct stat64 *st) { return stat(path, (struct stat *)st); }
int lstat(const char *path, struct stat *st)
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm)) return vstat_path(norm, st, 0);
	char hostbuf[PATH_MAX];
	return real_lstat ? real_lstat(HOST(path), st) : real___lxstat(1, HOST(path), st);
}
int lstat64(const char *path, struct stat64 *st) { return lstat(path, (struct stat *)st); }
int __fxstat(int ver, int fd, struct stat *st)
{
	init_real();
	if (virt(fd)) return vfstat(fd, st);
	return real___fxstat(ver, fd, st);
}
int __fxstat64(int ver, int fd, struct stat64 *st) { return __fxstat(ver, fd, (struct stat *)st); }
int __xstat(int ver, const char *path, struct stat *st)
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm)) return vstat_path(norm, st, 1);
	char hostbuf[PATH_MAX];
	return real___xstat(ver, HOST(path), st);
}
int __xstat64(int ver, const char *path, struct stat64 *st) { return __xstat(ver, path, (struct stat *)st); }
int __lxstat(int ver, const char *path, struct stat *st)
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm)) return vstat_path(norm, st, 0);
	char hostbuf[PATH_MAX];
	return real___lxstat(ver, HOST(path), st);
}
int __lxstat64(int ver, const char *path, struct stat64 *st) { return __lxstat(ver, path, (struct stat *)st); }

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	init_real();
	char norm[PATH_MAX];
	if ((flags & AT_EMPTY_PATH) && path && !path[0] && virt(dirfd)) return vfstat(dirfd, st);
	if (ours_at(dirfd, path, norm)) return vstat_path(norm, st, !(flags & AT_SYMLINK_NOFOLLOW));
	static int (*real_fstatat)(int, const char *, struct stat *, int);
	if (!real_fstatat) real_fstatat = dlsym(RTLD_NEXT, "fstatat");
	char hostbuf[PATH_MAX];
	return real_fstatat(dirfd, HOST_AT(dirfd, path), st, flags);
}
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) { return fstatat(dirfd, path, (struct stat *)st, flags); }

/* coreutils' stat and ls ask with statx */
int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	init_real();
	char norm[PATH_MAX];
	struct vstat v;
	int64_t r;
	if ((flags & AT_EMPTY_PATH) && path && !path[0] && virt(dirfd))
		r = call(dirfd, OP_FSTAT, 0, 0, 0, NULL, 0, NULL, &v, sizeof(v));
	else if (path && path[0] && ours_at(dirfd, path, norm))
		r = path_call(OP_STAT, norm, !(flags & AT_SYMLINK_NOFOLLOW), NULL, &v, sizeof(v));
	else {
		static __typeof__(statx) *real_statx;
		if (!real_statx) real_statx = dlsym(RTLD_NEXT, "statx");
		char hostbuf[PATH_MAX];
		return real_statx(dirfd, HOST_AT(dirfd, path), flags, mask, stx);
	}
	if (r < 0) return fail(r);
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_mode = (uint16_t)v.mode;
	stx->stx_uid = v.uid;
	stx->stx_gid = v.gid;
	stx->stx_size = v.size;
	stx->stx_ino = v.ino;
	stx->stx_nlink = 1;
	stx->stx_blksize = 4096;
	stx->stx_rdev_major = v.major;
	stx->stx_rdev_minor = v.minor;
	stx->stx_dev_minor = 6;
	return 0;
}

/* no extended attributes on our files (ls -l asks for ACLs and SELinux labels) */
#define NO_XATTR(name, ...) \
	ssize_t name(const char *path, __VA_ARGS__) \
	{ \
		char norm[PATH_MAX]; \
		static ssize_t (*real)(); \
		if (ours(path, norm)) { \
			errno = ENOTSUP; \
			return -1; \
		} \
		if (!real) real = (ssize_t (*)())dlsym(RTLD_NEXT, #name); \
		char hostbuf[PATH_MAX]; \
		return real(HOST(path), XATTR_ARGS); \
	}
#define XATTR_ARGS a, b, c
NO_XATTR(getxattr, const char *a, void *b, size_t c)
NO_XATTR(lgetxattr, const char *a, void *b, size_t c)
#undef XATTR_ARGS
#define XATTR_ARGS a, b
NO_XATTR(listxattr, char *a, size_t b)
NO_XATTR(llistxattr, char *a, size_t b)
#undef XATTR_ARGS

int access(const char *path, int mode)
{
	init_real();
	char norm[PATH_MAX];
	char hostbuf[PATH_MAX];
	if (!ours(path, norm)) return real_access(HOST(path), mode);
	/* the server decides, with our credentials as it sees them (root inside, for its owner) */
	int64_t r = path_call(OP_ACCESS, norm, (uint64_t)(unsigned)mode, NULL, NULL, 0);
	return r < 0 ? fail(r) : 0;
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
	init_real();
	char norm[PATH_MAX];
	char hostbuf[PATH_MAX];
	if (!ours(path, norm)) return real_readlink(HOST(path), buf, size);
	struct rep r;
	int64_t n = path_call(OP_READLINK, norm, 0, &r, buf, (uint32_t)size);
	if (n < 0) return fail(n);
	return (ssize_t)(r.len < size ? r.len : size);
}

/* ---- poll and select ---- */

static int has_virtual(struct pollfd *fds, nfds_t n)
{
	for (nfds_t i = 0; i < n; i++)
		if (virt(fds[i].fd)) return 1;
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* a deadline from a timeout: -1 for none (NULL, or too far to count in 64 bits of ns) */
static long long deadline_of(const struct timespec *ts)
{
	if (!ts) return -1;
	long long now = now_ns();
	if (ts->tv_sec > (LLONG_MAX - now) / 1000000000LL - 1) return -1;
	return now + (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static struct timespec left_of(long long deadline)
{
	long long left = deadline - now_ns();
	if (left < 0) left = 0;
	return (struct timespec){ left / 1000000000LL, left % 1000000000LL };
}

static __typeof__(ppoll) *real_ppoll_fn(void)
{
	static __typeof__(ppoll) *real_ppoll;
	if (!real_ppoll) real_ppoll = dlsym(RTLD_NEXT, "ppoll");
	return real_ppoll;
}

/*
 * poll over real and virtual fds: the virtual ones are asked for their state; when nothing is
 * ready each is armed (the server answers once the device is ready) and the real ppoll waits on
 * the real fds and the armed sockets together, with `mask` (ppoll's, pselect's) in force for
 * that wait alone, atomically: a signal the mask unblocks ends the wait as in Linux. The asking
 * before it runs with the caller's own mask (Linux would apply `mask` from the start: a signal
 * that `mask` blocks but the caller's does not may be handled during that asking).
 */
static int poll_wait(struct pollfd *fds, nfds_t n, long long deadline, const sigset_t *mask)
{
	struct pollfd *real = calloc(n ? n : 1, sizeof(*real));
	char *armed = calloc(n ? n : 1, 1);
	struct chan **chans = calloc(n ? n : 1, sizeof(*chans));
	if (!real || !armed || !chans) {
		free(real);
		free(armed);
		free(chans);
		errno = ENOMEM;
		return -1;
	}
	int ready;
	for (;;) {
		ready = 0;
		for (nfds_t i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0 || !virt(fds[i].fd)) continue;
			int64_t r = call(fds[i].fd, OP_POLL, (uint64_t)(unsigned short)fds[i].events, 0, 0, NULL, 0, NULL, NULL, 0);
			fds[i].revents = r < 0 ? POLLERR : (short)r;
			if (fds[i].revents) ready++;
		}
		/* the real fds, without waiting */
		for (nfds_t i = 0; i < n; i++) {
			real[i] = fds[i];
			if (virt(fds[i].fd)) real[i].fd = -1;
		}
		int r = real_poll(real, n, 0);
		if (r < 0) {
			ready = -1;
			break;
		}
		for (nfds_t i = 0; i < n; i++)
			if (!virt(fds[i].fd)) {
				fds[i].revents = real[i].revents;
				if (real[i].revents) ready++;
			}
		struct timespec left = deadline < 0 ? (struct timespec){ 0, 0 } : left_of(deadline);
		if (ready || (deadline >= 0 && !left.tv_sec && !left.tv_nsec)) break;
		/* arm the virtual fds (on this process's channels) and wait on everything */
		for (nfds_t i = 0; i < n; i++) {
			armed[i] = 0;
			real[i] = fds[i];
			real[i].revents = 0;
			if (fds[i].fd < 0 || !virt(fds[i].fd)) continue;
			int64_t err;
			struct chan *ch = chan_of(fds[i].fd, &err);
			real[i].fd = -1;
			if (!ch) continue;
			/* the same channel twice in the list is armed once */
			int twice = 0;
			for (nfds_t j = 0; j < i; j++) twice |= armed[j] && chans[j] == ch;
			struct req q = { .op = OP_POLL, .a = (unsigned short)fds[i].events, .b = 1 };
			if (!twice && vchardev_send_all(ch->sock, &q, sizeof(q)) == 0) {
				armed[i] = 1;
				chans[i] = ch; /* held until disarmed */
				real[i].fd = ch->sock;
				real[i].events = POLLIN;
			} else chan_put(ch);
		}
		r = real_ppoll_fn()(real, n, deadline < 0 ? NULL : &left, mask);
		int saved = errno;
		/* disarm: every armed channel answers once (its state, or 0 after OP_INTR) */
		for (nfds_t i = 0; i < n; i++) {
			if (!armed[i]) continue;
			if (!(real[i].revents & POLLIN)) {
				struct req q = { .op = OP_INTR };
				vchardev_send_all(chans[i]->sock, &q, sizeof(q));
			}
			struct rep rp;
			/* a channel that does not answer is broken: its file reads as an error */
			if (vchardev_recv_all(chans[i]->sock, &rp, sizeof(rp), NULL)) fds[i].revents = POLLERR;
			chan_put(chans[i]);
			armed[i] = 0;
		}
		if (r < 0) {
			errno = saved;
			ready = -1;
			break;
		}
	}
	free(real);
	free(armed);
	free(chans);
	return ready;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	init_real();
	if (!has_virtual(fds, n)) return real_poll(fds, n, timeout);
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	return poll_wait(fds, n, timeout < 0 ? -1 : deadline_of(&ts), NULL);
}
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	(void)fdslen;
	return poll(fds, n, timeout);
}

static int bad_timespec(const struct timespec *ts)
{
	return ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	init_real();
	if (!has_virtual(fds, n)) return real_ppoll_fn()(fds, n, ts, mask);
	if (bad_timespec(ts)) {
		errno = EINVAL;
		return -1;
	}
	return poll_wait(fds, n, deadline_of(ts), mask);
}

static int select_common(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, long long deadline, const sigset_t *mask)
{
	struct pollfd p[FD_SETSIZE];
	int n = 0;
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		short ev = 0;
		if (rd && FD_ISSET(fd, rd)) ev |= POLLIN;
		if (wr && FD_ISSET(fd, wr)) ev |= POLLOUT;
		if (ex && FD_ISSET(fd, ex)) ev |= POLLPRI;
		if (!ev) continue;
		p[n].fd = fd;
		p[n].events = ev;
		p[n].revents = 0;
		n++;
	}
	int r = poll_wait(p, (nfds_t)n, deadline, mask);
	if (r < 0) return -1;
	if (rd) FD_ZERO(rd);
	if (wr) FD_ZERO(wr);
	if (ex) FD_ZERO(ex);
	int count = 0;
	for (int i = 0; i < n; i++) {
		if (p[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
		if (rd && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) FD_SET(p[i].fd, rd), count++;
		if (wr && (p[i].revents & (POLLOUT | POLLERR))) FD_SET(p[i].fd, wr), count++;
		if (ex && (p[i].revents & POLLPRI)) FD_SET(p[i].fd, ex), count++;
	}
	return count;
}

static int any_virtual(int nfds, fd_set *rd, fd_set *wr, fd_set *ex)
{
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex))) && virt(fd)) return 1;
	return 0;
}

/* select(2): on Linux the timeout is written back with the time not slept */
int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	init_real();
	static __typeof__(select) *real_select;
	if (!real_select) real_select = dlsym(RTLD_NEXT, "select");
	if (!any_virtual(nfds, rd, wr, ex)) return real_select(nfds, rd, wr, ex, tv);
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)) {
		errno = EINVAL;
		return -1;
	}
	struct timespec ts = { tv ? tv->tv_sec : 0, tv ? tv->tv_usec * 1000L : 0 };
	long long deadline = tv ? deadline_of(&ts) : -1;
	int r = select_common(nfds, rd, wr, ex, deadline, NULL);
	int e = errno;
	if (tv && deadline >= 0) {
		struct timespec left = left_of(deadline);
		tv->tv_sec = left.tv_sec;
		tv->tv_usec = left.tv_nsec / 1000;
	}
	errno = e;
	return r;
}

int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts, const sigset_t *mask)
{
	init_real();
	static __typeof__(pselect) *real_pselect;
	if (!real_pselect) real_pselect = dlsym(RTLD_NEXT, "pselect");
	if (!any_virtual(nfds, rd, wr, ex)) return real_pselect(nfds, rd, wr, ex, ts, mask);
	if (bad_timespec(ts)) {
		errno = EINVAL;
		return -1;
	}
	return select_common(nfds, rd, wr, ex, deadline_of(ts), mask);
}

/* ---- stdio and directories, whose opens inside glibc bypass the wrappers above ---- */

static ssize_t cookie_read(void *c, char *buf, size_t n) { return read((int)(intptr_t)c, buf, n); }
static ssize_t cookie_write(void *c, const char *buf, size_t n) { return write((int)(intptr_t)c, buf, n); }
static int cookie_seek(void *c, off64_t *off, int whence)
{
	off_t r = lseek((int)(intptr_t)c, (off_t)*off, whence);
	if (r < 0) return -1;
	*off = r;
	return 0;
}
static int cookie_close(void *c) { return close((int)(intptr_t)c); }

static FILE *vfopen(const char *norm, const char *mode)
{
	int flags = strchr(mode, '+') ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY;
	if (strchr(mode, 'e')) flags |= O_CLOEXEC;
	int fd = vopen(norm, flags);
	if (fd < 0) return NULL;
	cookie_io_functions_t io = { cookie_read, cookie_write, cookie_seek, cookie_close };
	FILE *f = fopencookie((void *)(intptr_t)fd, mode, io);
	if (!f) real_close(fd);
	return f;
}

FILE *fopen(const char *path, const char *mode)
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm)) return vfopen(norm, mode);
	char hostbuf[PATH_MAX];
	return real_fopen(HOST(path), mode);
}
FILE *fopen64(const char *path, const char *mode) { return fopen(path, mode); }

/* a directory listing of ours: a fake DIR, told apart from glibc's by its magic */
#define VDIR_MAGIC 0x76636864u
struct vdir {
	uint32_t magic;
	char *names; /* "<type char><name>\0" ... */
	size_t len, pos;
	int fd;      /* the directory open as a virtual fd (dirfd, fstat, *at calls), or -1 */
	struct dirent ent;
	struct dirent64 ent64;
};

/* a listing of directory norm; fd (or -1) becomes its dirfd and is closed with it */
static DIR *vopendir(const char *norm, int fd)
{
	struct vdir *d = calloc(1, sizeof(*d));
	char *buf = malloc(65536);
	struct rep r;
	int64_t n = d && buf ? path_call(OP_LIST, norm, 0, &r, buf, 65536) : -ENOMEM;
	if (n < 0) {
		free(d);
		free(buf);
		errno = (int)-n;
		return NULL;
	}
	d->magic = VDIR_MAGIC;
	d->names = buf;
	d->len = r.len < 65536 ? r.len : 65536;
	d->fd = fd;
	return (DIR *)d;
}

/* Does a host directory hold paths of ours (/sys/class holds /sys/class/kxo)? */
static int has_served_children(const char *norm)
{
	size_t n = strlen(norm);
	for (const char *p = env_paths; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *rest = p + (n == 1 ? 1 : n + 1);
		if (len > n + 1 && !strncmp(p, norm, n) && (n == 1 || p[n] == '/') && !memchr(rest, '/', (size_t)(p + len - rest))) return 1;
		if (!end) break;
		p = end + 1;
	}
	return 0;
}

/*
 * The listing of a host directory that holds paths of ours: the host's entries and, after them,
 * the kernel's that are served there (ls /sys/class shows kxo beside the host's classes)
 */
static DIR *merged_opendir(const char *host, const char *norm)
{
	DIR *real = real_opendir(host);
	if (!real) return NULL;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *ours_buf = malloc(65536);
	struct vdir *d = calloc(1, sizeof(*d));
	struct rep r;
	int64_t n = buf && ours_buf && d ? path_call(OP_LIST, norm, 0, &r, ours_buf, 65536) : -ENOMEM;
	if (n == -ENOMEM) {
		free(buf);
		free(ours_buf);
		free(d);
		real_closedir(real);
		errno = ENOMEM;
		return NULL;
	}
	for (struct dirent64 *e; (e = real_readdir64(real));) {
		size_t k = strlen(e->d_name);
		if (len + k + 2 > cap) break;
		char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' : e->d_type == DT_CHR ? 'c' : e->d_type == DT_BLK ? 'b' : 'f';
		buf[len++] = t;
		memcpy(buf + len, e->d_name, k + 1);
		len += k + 1;
	}
	real_closedir(real);
	size_t got = n < 0 ? 0 : (r.len < 65536 ? r.len : 65536);
	for (size_t at = 0; at < got;) {
		const char *ent = ours_buf + at;
		size_t k = strnlen(ent, got - at);
		at += k + 1;
		if (k < 2) continue;
		char full[PATH_MAX];
		if (snprintf(full, sizeof(full), "%s/%s", strcmp(norm, "/") ? norm : "", ent + 1) >= (int)sizeof(full) || !vchardev_served(env_paths, full)) continue;
		/* a name the host has too is listed once */
		int dup = 0;
		for (size_t h = 0; h < len && !dup; h += strlen(buf + h) + 1) dup = !strcmp(buf + h + 1, ent + 1);
		if (dup || len + k + 1 > cap) continue;
		memcpy(buf + len, ent, k + 1);
		len += k + 1;
	}
	free(ours_buf);
	d->magic = VDIR_MAGIC;
	d->names = buf;
	d->len = len;
	d->fd = -1;
	return (DIR *)d;
}

DIR *opendir(const char *path)
{
	init_real();
	char norm[PATH_MAX];
	char hostbuf[PATH_MAX];
	if (!ours(path, norm)) {
		if (env_paths && path && normalize(path, norm, PATH_MAX) && has_served_children(norm)) return merged_opendir(HOST(path), norm);
		return real_opendir(HOST(path));
	}
	int fd = vopen(norm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) return NULL;
	DIR *d = vopendir(norm, fd);
	if (!d) close(fd);
	return d;
}

DIR *fdopendir(int fd)
{
	init_real();
	static __typeof__(fdopendir) *real_fdopendir;
	if (!real_fdopendir) real_fdopendir = dlsym(RTLD_NEXT, "fdopendir");
	if (!virt(fd)) return real_fdopendir(fd);
	struct vfd *e = known(fd);
	char norm[PATH_MAX] = "";
	pthread_mutex_lock(&table_lock);
	if (e && e->path) snprintf(norm, sizeof(norm), "%s", e->path);
	pthread_mutex_unlock(&table_lock);
	if (!norm[0]) {
		errno = ENOTDIR;
		return NULL;
	}
	return vopendir(norm, fd);
}

int dirfd(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	static __typeof__(dirfd) *real_dirfd;
	if (!real_dirfd) real_dirfd = dlsym(RTLD_NEXT, "dirfd");
	if (!d || d->magic != VDIR_MAGIC) return real_dirfd(dir);
	if (d->fd < 0) errno = ENOTSUP;
	return d->fd;
}

void rewinddir(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	static __typeof__(rewinddir) *real_rewinddir;
	if (!real_rewinddir) real_rewinddir = dlsym(RTLD_NEXT, "rewinddir");
	if (!d || d->magic != VDIR_MAGIC) return real_rewinddir(dir);
	d->pos = 0;
}

static const char *vnext(struct vdir *d, unsigned char *type)
{
	if (d->pos >= d->len) return NULL;
	const char *e = d->names + d->pos;
	d->pos += strlen(e) + 1;
	*type = e[0] == 'd' ? DT_DIR : e[0] == 'l' ? DT_LNK : e[0] == 'c' ? DT_CHR : e[0] == 'b' ? DT_BLK : DT_REG;
	return e + 1;
}

struct dirent *readdir(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	if (!d || d->magic != VDIR_MAGIC) return real_readdir(dir);
	unsigned char type;
	const char *name = vnext(d, &type);
	if (!name) return NULL;
	memset(&d->ent, 0, sizeof(d->ent));
	d->ent.d_type = type;
	d->ent.d_ino = d->pos;
	strncpy(d->ent.d_name, name, sizeof(d->ent.d_name) - 1);
	return &d->ent;
}

struct dirent64 *readdir64(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	if (!d || d->magic != VDIR_MAGIC) return real_readdir64(dir);
	unsigned char type;
	const char *name = vnext(d, &type);
	if (!name) return NULL;
	memset(&d->ent64, 0, sizeof(d->ent64));
	d->ent64.d_type = type;
	d->ent64.d_ino = d->pos;
	strncpy(d->ent64.d_name, name, sizeof(d->ent64.d_name) - 1);
	return &d->ent64;
}

int closedir(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	if (!d || d->magic != VDIR_MAGIC) return real_closedir(dir);
	d->magic = 0;
	if (d->fd >= 0) close(d->fd);
	free(d->names);
	free(d);
	return 0;
}

/* scandir opens its directory inside glibc: ours are listed here, filtered and sorted as asked */
static int vscandir(const char *norm, struct dirent ***list, int (*filter)(const struct dirent *),
		    int (*compar)(const struct dirent **, const struct dirent **))
{
	DIR *d = opendir(norm);
	if (!d) return -1;
	struct dirent **out = NULL;
	int n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (filter && !filter(e)) continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct dirent **grown = realloc(out, (size_t)cap * sizeof(*out));
			if (!grown) goto nomem;
			out = grown;
		}
		if (!(out[n] = malloc(sizeof(struct dirent)))) goto nomem;
		memcpy(out[n++], e, sizeof(struct dirent));
	}
	closedir(d);
	if (compar) qsort(out, (size_t)n, sizeof(*out), (int (*)(const void *, const void *))compar);
	*list = out;
	return n;
nomem:
	while (n > 0) free(out[--n]);
	free(out);
	closedir(d);
	errno = ENOMEM;
	return -1;
}

int scandir(const char *path, struct dirent ***list, int (*filter)(const struct dirent *),
	    int (*compar)(const struct dirent **, const struct dirent **))
{
	init_real();
	char norm[PATH_MAX];
	if (ours(path, norm) || (env_paths && path && normalize(path, norm, PATH_MAX) && has_served_children(norm))) return vscandir(path, list, filter, compar);
	static __typeof__(scandir) *real_scandir;
	if (!real_scandir) real_scandir = dlsym(RTLD_NEXT, "scandir");
	char hostbuf[PATH_MAX];
	return real_scandir(HOST(path), list, filter, compar);
}

int scandir64(const char *path, struct dirent64 ***list, int (*filter)(const struct dirent64 *),
	      int (*compar)(const struct dirent64 **, const struct dirent64 **))
{
	init_real();
	char norm[PATH_MAX];
	/* on x86-64 struct dirent and struct dirent64 are the same */
	if (ours(path, norm) || (env_paths && path && normalize(path, norm, PATH_MAX) && has_served_children(norm)))
		return vscandir(path, (struct dirent ***)list, (int (*)(const struct dirent *))filter,
					     (int (*)(const struct dirent **, const struct dirent **))compar);
	static __typeof__(scandir64) *real_scandir64;
	if (!real_scandir64) real_scandir64 = dlsym(RTLD_NEXT, "scandir64");
	char hostbuf[PATH_MAX];
	return real_scandir64(HOST(path), list, filter, compar);
}
