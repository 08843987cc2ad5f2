/* stdio and directories, whose opens inside glibc bypass the other wrappers */
#include "shim.h"

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
	int host_fd; /* fd is the host's (a merged listing of a host directory) */
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
	if (n == -ENOMEM) goto nomem;
	for (struct dirent64 *e; (e = real_readdir64(real));) {
		size_t k = strlen(e->d_name);
		if (len + k + 2 > cap) {
			char *grown = realloc(buf, cap * 2);
			if (!grown) goto nomem;
			buf = grown;
			cap *= 2;
		}
		unsigned char t = e->d_type;
		buf[len++] = t == DT_DIR ? 'd' : t == DT_LNK ? 'l' : t == DT_CHR ? 'c' : t == DT_BLK ? 'b' : t == DT_REG ? 'f' :
			     t == DT_SOCK ? 's' : t == DT_FIFO ? 'p' : 'u';
		memcpy(buf + len, e->d_name, k + 1);
		len += k + 1;
	}
	real_closedir(real);
	real = NULL;
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
		if (dup) continue;
		if (len + k + 1 > cap) {
			char *grown = realloc(buf, cap + k + 1 + 65536);
			if (!grown) goto nomem;
			buf = grown;
			cap += k + 1 + 65536;
		}
		memcpy(buf + len, ent, k + 1);
		len += k + 1;
	}
	free(ours_buf);
	d->magic = VDIR_MAGIC;
	d->names = buf;
	d->len = len;
	/* its dirfd is the host directory's (fstatat of a host entry by it works) */
	d->fd = real_open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d->host_fd = 1;
	return (DIR *)d;
nomem:
	free(buf);
	free(ours_buf);
	free(d);
	if (real) real_closedir(real);
	errno = ENOMEM;
	return NULL;
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
	*type = e[0] == 'd' ? DT_DIR : e[0] == 'l' ? DT_LNK : e[0] == 'c' ? DT_CHR : e[0] == 'b' ? DT_BLK : e[0] == 's' ? DT_SOCK :
		e[0] == 'p' ? DT_FIFO : e[0] == 'u' ? DT_UNKNOWN : DT_REG;
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

/* where a listing of ours is (telldir/seekdir: glibc's would read our fake DIR as its own) */
long telldir(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	static __typeof__(telldir) *real_telldir;
	if (!real_telldir) real_telldir = dlsym(RTLD_NEXT, "telldir");
	if (!d || d->magic != VDIR_MAGIC) return real_telldir(dir);
	return (long)d->pos;
}

void seekdir(DIR *dir, long loc)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	static __typeof__(seekdir) *real_seekdir;
	if (!real_seekdir) real_seekdir = dlsym(RTLD_NEXT, "seekdir");
	if (!d || d->magic != VDIR_MAGIC) return real_seekdir(dir, loc);
	/* a position telldir gave: the start of an entry */
	if (loc >= 0 && (size_t)loc <= d->len && (loc == 0 || d->names[loc - 1] == 0)) d->pos = (size_t)loc;
}

/* (deprecated in glibc, but old programs still call it) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
int readdir_r(DIR *dir, struct dirent *entry, struct dirent **result)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	static __typeof__(readdir_r) *real_readdir_r;
	if (!real_readdir_r) real_readdir_r = dlsym(RTLD_NEXT, "readdir_r");
	if (!d || d->magic != VDIR_MAGIC) return real_readdir_r(dir, entry, result);
	struct dirent *e = readdir(dir);
	if (e) memcpy(entry, e, sizeof(*entry));
	*result = e ? entry : NULL;
	return 0;
}
#pragma GCC diagnostic pop

int closedir(DIR *dir)
{
	init_real();
	struct vdir *d = (struct vdir *)dir;
	if (!d || d->magic != VDIR_MAGIC) return real_closedir(dir);
	d->magic = 0;
	if (d->fd >= 0) (d->host_fd ? real_close : close)(d->fd);
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
