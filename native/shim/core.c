/*
 * vchardev's preload shim: a program's calls on the paths a vchardev kernel serves (/dev/kxo,
 * /sys/class/kxo/..., /proc/devices, ...) go to that kernel over a Unix socket; everything else
 * goes to the real libc. The shim knows no struct layout: the server reads and writes the
 * program's memory itself (process_vm_readv), so drivers run unchanged.
 *
 * Each open virtual file is one connected socket, and the socket's descriptor is the fd the
 * program gets: dup, fork, exec and close work natively, and the server releases the file when
 * the last descriptor on it is closed (fput on last close). See src/bridge/protocol.ts.
 *
 * Environment: VCHARDEV_SOCK (the server's socket path), VCHARDEV_PATHS (the path prefixes the
 * server owns, one a line: sysfs names hold colons), VCHARDEV_CWD (a working directory of ours,
 * see chdir).
 */

/*
 * This part: the descriptor table, the channels to the server, the real libc functions, and
 * which paths are ours. The others: file.c (open, I/O, stat), cwd.c (the working directory),
 * poll.c (poll and select), dir.c (stdio and directories); shim.h what they share.
 */
#include "shim.h"

#define REAL(name) __typeof__(name) *real_##name
REAL(open); REAL(openat); REAL(read); REAL(write); REAL(pread); REAL(pwrite); REAL(close);
REAL(ioctl); REAL(poll); REAL(lseek); REAL(fcntl); REAL(dup); REAL(dup2); REAL(dup3);
REAL(fopen); REAL(opendir); REAL(readdir); REAL(readdir64); REAL(closedir); REAL(access);
REAL(readlink); REAL(chdir); REAL(fchdir); REAL(getcwd);
REAL(fsync); REAL(fdatasync); REAL(sync_file_range); REAL(syncfs); REAL(fallocate); REAL(posix_fadvise);
int (*real_fstat)(int, struct stat *);
int (*real_stat)(const char *, struct stat *);
int (*real_lstat)(const char *, struct stat *);
int (*real___fxstat)(int, int, struct stat *);
int (*real___xstat)(int, const char *, struct stat *);
int (*real___lxstat)(int, const char *, struct stat *);
__typeof__(execve) *real_execve;

/* the first chunk is static: descriptors below 1024 never make the shim allocate */
static struct vfd chunk0[CHUNK];
struct vfd *chunks[MAX_CHUNKS] = { chunk0 };
pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

unsigned char kind_of(const struct vfd *e)
{
	return __atomic_load_n(&e->kind, __ATOMIC_ACQUIRE);
}
void set_kind(struct vfd *e, unsigned char kind)
{
	__atomic_store_n(&e->kind, kind, __ATOMIC_RELEASE);
}

/* the entry for fd, made if need be; NULL for an fd out of range or no memory */
struct vfd *entry(int fd)
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
struct vfd *known(int fd)
{
	if (fd < 0 || fd >= CHUNK * MAX_CHUNKS) return NULL;
	struct vfd *c = __atomic_load_n(&chunks[fd / CHUNK], __ATOMIC_ACQUIRE);
	return c ? &c[fd % CHUNK] : NULL;
}


/*
 * The working directory when it is one of the kernel's (the real one cannot be there): getcwd
 * answers it and relative paths resolve against it, ours and the host's alike. It lives in
 * VCHARDEV_CWD too, so a program exec'd from there starts there.
 */
char vcwd[PATH_MAX];
int vcwd_on;
pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;
/* our environment, read once: a program's setenv in one thread must not race our getenv */
char *env_paths;
static char *env_sock;

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

void init_real(void)
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

int normalize(const char *path, char *out, size_t size)
{
	return normalize_walk(path, out, size, NULL);
}

/* the path a host call gets: a relative one is made absolute while the working directory is ours */
const char *host_path(const char *path, char *buf)
{
	if (!path || !path[0]) return path;
	if (vcwd_on && path[0] != '/') return normalize(path, buf, PATH_MAX) ? buf : path;
	/* a ".." after one of the kernel's paths: the host gets the path the walk arrived at
	 * (/sys/class/kxo/kxo/../.. is the host's /sys/devices/virtual) */
	int walked = 0;
	if (env_paths && strstr(path, "..") && normalize_walk(path, buf, PATH_MAX, &walked) && walked) return buf;
	return path;
}

/* a path the server serves (VCHARDEV_PATHS), normalised into norm */
int ours(const char *path, char *norm)
{
	return env_paths && path && normalize(path, norm, PATH_MAX) && vchardev_served(env_paths, norm);
}

static const char *sock_path(void)
{
	return env_sock;
}

int raw_fstat(int fd, struct stat *st)
{
	return real_fstat ? real_fstat(fd, st) : real___fxstat(1, fd, st);
}

/* is fd a file of ours? (cached; a cached fd is checked by inode, it may have been reused) */
int virt(int fd)
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

void mark_real(int fd)
{
	struct vfd *e = known(fd);
	if (!e) return;
	/* the number was a file of ours closed behind our back (a raw close): its channels go first */
	if (kind_of(e) == 1) forget(fd);
	set_kind(e, 2);
}

/* a call is done with c: the last one out of an orphaned channel closes and frees it */
void chan_put(struct chan *c)
{
	pthread_mutex_lock(&table_lock);
	int last = --c->refs == 0 && c->orphan;
	pthread_mutex_unlock(&table_lock);
	if (!last) return;
	if (c->own) real_close(c->sock);
	free(c);
}

/* forgets fd and closes every channel attached to it (the fd itself is the caller's to close) */
void forget(int fd)
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
int64_t call_on(int s, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload,
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
int connect_server(void)
{
	init_real();
	const char *sp = sock_path();
	return sp ? vchardev_connect(sp, real_close) : -ENOENT;
}

/*
 * The calling thread's tid, asked of the kernel once per thread (a thread keeps its tid; a fork's
 * child forgets it in atfork_child). The pid is asked every time: a child of a raw fork (no
 * atfork handlers) then still has a (pid, tid) of its own, so a channel of its own. Only a raw
 * clone(CLONE_VM) sharing its parent thread's TLS would share that thread's channel.
 */
static __thread pid_t my_tid;

pid_t gettid_(void)
{
	if (!my_tid) my_tid = (pid_t)syscall(SYS_gettid);
	return my_tid;
}

/* the channel this thread uses for fd (held: chan_put when done), attached first when it has none */
struct chan *chan_of(int fd, int64_t *err)
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
int64_t call(int fd, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload, uint32_t len,
		    struct rep *out, void *rbuf, uint32_t rmax)
{
	int64_t err = 0;
	struct chan *ch = chan_of(fd, &err);
	if (!ch) return err;
	int64_t r = call_on(ch->sock, op, a, b, c, payload, len, out, rbuf, rmax);
	chan_put(ch);
	return r;
}

int fail(int64_t r)
{
	errno = (int)-r;
	return -1;
}

/* a one-shot path request (stat, list, readlink) on a connection of its own */
int64_t path_call(uint32_t op, const char *norm, uint64_t a, struct rep *out, void *rbuf, uint32_t rmax)
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
	my_tid = 0;
	for (int i = 0; i < MAX_CHUNKS; i++) {
		struct vfd *c = chunks[i];
		for (int j = 0; c && j < CHUNK; j++)
			if (kind_of(&c[j]) == 1)
				for (struct chan *ch = c[j].chans; ch; ch = ch->next) ch->refs = 0;
	}
	pthread_mutex_unlock(&table_lock);
	pthread_mutex_unlock(&cwd_lock);
}
