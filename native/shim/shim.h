/*
 * What the preload shim's parts share (the .c files beside it build into one library,
 * native/parts.json): the descriptor table, the channels, the real libc functions and the helpers
 * each part calls in another. Everything declared here is hidden: the library exports only the
 * libc functions it wraps.
 */
#ifndef VCHARDEV_SHIM_H
#define VCHARDEV_SHIM_H
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

#include "../vchardev-wire.h"

#pragma GCC visibility push(hidden)

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

#define HOST(path) host_path(path, hostbuf)
#define HOST_AT(dirfd, path) ((dirfd) == AT_FDCWD ? host_path(path, hostbuf) : (path))

/* the real libc functions (dlsym RTLD_NEXT, init_real) */
extern __typeof__(open) *real_open;
extern __typeof__(openat) *real_openat;
extern __typeof__(read) *real_read;
extern __typeof__(write) *real_write;
extern __typeof__(pread) *real_pread;
extern __typeof__(pwrite) *real_pwrite;
extern __typeof__(close) *real_close;
extern __typeof__(ioctl) *real_ioctl;
extern __typeof__(poll) *real_poll;
extern __typeof__(lseek) *real_lseek;
extern __typeof__(fcntl) *real_fcntl;
extern __typeof__(dup) *real_dup;
extern __typeof__(dup2) *real_dup2;
extern __typeof__(dup3) *real_dup3;
extern __typeof__(fopen) *real_fopen;
extern __typeof__(opendir) *real_opendir;
extern __typeof__(readdir) *real_readdir;
extern __typeof__(readdir64) *real_readdir64;
extern __typeof__(closedir) *real_closedir;
extern __typeof__(access) *real_access;
extern __typeof__(readlink) *real_readlink;
extern __typeof__(chdir) *real_chdir;
extern __typeof__(fchdir) *real_fchdir;
extern __typeof__(getcwd) *real_getcwd;
extern __typeof__(fsync) *real_fsync;
extern __typeof__(fdatasync) *real_fdatasync;
extern __typeof__(sync_file_range) *real_sync_file_range;
extern __typeof__(syncfs) *real_syncfs;
extern __typeof__(fallocate) *real_fallocate;
extern __typeof__(posix_fadvise) *real_posix_fadvise;
extern int (*real_fstat)(int, struct stat *);
extern int (*real_stat)(const char *, struct stat *);
extern int (*real_lstat)(const char *, struct stat *);
extern int (*real___fxstat)(int, int, struct stat *);
extern int (*real___xstat)(int, const char *, struct stat *);
extern int (*real___lxstat)(int, const char *, struct stat *);
extern __typeof__(execve) *real_execve;

int64_t call(int fd, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload, uint32_t len,
	     struct rep *out, void *rbuf, uint32_t rmax);
int64_t call_on(int s, uint32_t op, uint64_t a, uint64_t b, uint64_t c, const void *payload, 		       uint32_t len, struct rep *out, void *rbuf, uint32_t rmax);
struct chan *chan_of(int fd, int64_t *err);
void chan_put(struct chan *c);
extern struct vfd *chunks[MAX_CHUNKS];
int connect_server(void);
extern pthread_mutex_t cwd_lock;
struct vfd *entry(int fd);
int fail(int64_t r);
void forget(int fd);
pid_t gettid_(void);
const char *host_path(const char *path, char *buf);
void init_real(void);
unsigned char kind_of(const struct vfd *e);
struct vfd *known(int fd);
void mark_real(int fd);
int normalize(const char *path, char *out, size_t size);
int ours(const char *path, char *norm);
int64_t path_call(uint32_t op, const char *norm, uint64_t a, struct rep *out, void *rbuf, uint32_t rmax);
int raw_fstat(int fd, struct stat *st);
void set_kind(struct vfd *e, unsigned char kind);
extern pthread_mutex_t table_lock;
extern char vcwd[PATH_MAX];
extern int vcwd_on;
int virt(int fd);
int vopen(const char *norm, int flags);
extern char *env_paths;

#pragma GCC visibility pop
#endif
