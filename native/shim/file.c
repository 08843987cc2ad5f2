/* open, close, dup, read, write, ioctl, lseek, the syncs, fcntl, stat, access, readlink on the kernel's files */
#include "shim.h"

/* ---- open and close ---- */

int vopen(const char *norm, int flags)
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
