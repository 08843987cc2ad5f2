/*
 * vchardev-addon: the bridge server's native part, a Node-API addon (Node has no SCM_CREDENTIALS,
 * no process_vm_readv and no pidfd). It owns the bridge's listening socket; one I/O thread accepts
 * connections and reads them; the kernel's side (src/bridge/) runs in JS on Node's thread.
 *
 * - Who sent a request is the host kernel's word, per message: the socket has SO_PASSCRED (and
 *   SO_PASSPIDFD where the kernel has it), so every chunk read carries its sender's pid, and a
 *   unix stream socket never joins bytes of two senders in one read. A claimed pid is never
 *   believed.
 * - A pid is tied to the process it named when the message arrived: each sender is kept with a
 *   pidfd (the one SCM_PIDFD gave, else pidfd_open at once) and a generation number; while that
 *   pidfd has not exited, the pid is that process. A pid whose process exited starts a new
 *   generation, so a reused pid is never taken for the process that had it.
 * - User memory goes through process_vm_readv/process_vm_writev, which fault on pages the
 *   process cannot read or write (a PROT_NONE page, a read-only mapping, code), as copy_to_user
 *   does; /proc/<pid>/mem would not (FOLL_FORCE). Before and after each access the process's
 *   pidfd is checked: a process that exited meanwhile had its access count as a fault.
 * - Credentials are read when asked (/proc/<pid>/status, then the pidfd checked): the caller's
 *   at the time of the call.
 * - Connections are bounded per process, per user and in all; past a bound the client is told
 *   EMFILE or ENFILE in the greeting and the connection closed, so one client cannot starve
 *   another.
 *
 * Each connection is read one chunk at a time (EPOLLONESHOT): the next read waits until JS has
 * taken the last, so a client that floods cannot make the server buffer more than a chunk.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* the procfs PROCMAP_QUERY ioctl (Linux 6.11, uapi/linux/fs.h), for kernels whose headers lack it */
struct vchardev_procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define VCHARDEV_PROCMAP_QUERY _IOWR('f', 17, struct vchardev_procmap_query)
#define VMA_WRITABLE 0x02

/* a chunk: requests are 48 bytes and a path of at most 4096 */
#define CHUNK 16384
#define MAX_CONNS 8192
#define PAGE 4096UL

enum { EV_DATA = 1, EV_CLOSED = 2 };

struct conn {
	int fd;        /* -1: free */
	uint32_t id;   /* what JS calls it; a slot's ids differ each time it is reused */
	pid_t owner;   /* who connected (SO_PEERCRED), for the bounds */
	uid_t uid;
};

struct sender {
	struct sender *next;
	pid_t pid;
	uint32_t gen;
	int pidfd;
	int maps; /* an open /proc/<pid>/maps for PROCMAP_QUERY, or -1 */
};

#define BUCKETS 1024
#define MAX_SENDERS 32768

struct server {
	int listen_fd, epoll_fd, wake_fd;
	int running;
	pthread_t thread;
	napi_threadsafe_function tsfn;
	pthread_mutex_t lock; /* conns */
	struct conn conns[MAX_CONNS];
	uint32_t next_id;
	int per_process, per_user, total, nconns;
	pthread_mutex_t senders_lock;
	struct sender *bucket[BUCKETS];
	int nsenders;
	uint32_t next_gen;
	int stopped;
	unsigned char buf[CHUNK];
};

struct event {
	int kind;
	uint32_t conn;
	int32_t pid;
	uint32_t gen;
	uint32_t len;
	unsigned char data[];
};

/* ---- senders: pid → (generation, pidfd) ---- */

static int exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, 0) != 0; /* readable (exited), or the pidfd is broken: both mean gone */
}

static void sender_free(struct server *S, struct sender *s)
{
	close(s->pidfd);
	if (s->maps >= 0) close(s->maps);
	free(s);
	S->nsenders--;
}

/* drops every sender whose process has exited (senders_lock held) */
static void prune(struct server *S)
{
	for (int b = 0; b < BUCKETS; b++) {
		for (struct sender **pp = &S->bucket[b]; *pp;) {
			struct sender *s = *pp;
			if (exited(s->pidfd)) {
				*pp = s->next;
				sender_free(S, s);
			} else {
				pp = &s->next;
			}
		}
	}
}

/*
 * The generation of the process with this pid, as the message that named it arrived: pidfd is
 * the sender's own (SCM_PIDFD, taken over) or -1 (opened here). 0: the sender is gone or too many
 * are known.
 */
static uint32_t sender_gen(struct server *S, pid_t pid, int pidfd)
{
	if (pid <= 0) {
		if (pidfd >= 0) close(pidfd);
		return 0;
	}
	if (pidfd >= 0 && exited(pidfd)) {
		close(pidfd);
		return 0;
	}
	pthread_mutex_lock(&S->senders_lock);
	struct sender **pp = &S->bucket[(unsigned)pid % BUCKETS];
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid != pid) continue;
		struct sender *s = *pp;
		if (!exited(s->pidfd)) {
			/* both alive with one pid: the same process */
			uint32_t gen = s->gen;
			pthread_mutex_unlock(&S->senders_lock);
			if (pidfd >= 0) close(pidfd);
			return gen;
		}
		*pp = s->next;
		sender_free(S, s);
		break;
	}
	if (pidfd < 0) pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || exited(pidfd)) goto gone;
	if (S->nsenders >= MAX_SENDERS) prune(S);
	if (S->nsenders >= MAX_SENDERS) goto gone;
	struct sender *s = malloc(sizeof(*s));
	if (!s) goto gone;
	if (++S->next_gen == 0) S->next_gen = 1;
	*s = (struct sender){ .next = S->bucket[(unsigned)pid % BUCKETS], .pid = pid, .gen = S->next_gen, .pidfd = pidfd, .maps = -1 };
	S->bucket[(unsigned)pid % BUCKETS] = s;
	S->nsenders++;
	pthread_mutex_unlock(&S->senders_lock);
	return s->gen;
gone:
	pthread_mutex_unlock(&S->senders_lock);
	if (pidfd >= 0) close(pidfd);
	return 0;
}

/* the sender (pid, gen) while its process lives (senders_lock held), else NULL */
static struct sender *sender_find(struct server *S, pid_t pid, uint32_t gen)
{
	for (struct sender *s = S->bucket[(unsigned)pid % BUCKETS]; s; s = s->next)
		if (s->pid == pid) return s->gen == gen && !exited(s->pidfd) ? s : NULL;
	return NULL;
}

/* ---- the I/O thread ---- */

static void emit(struct server *S, int kind, uint32_t conn, pid_t pid, uint32_t gen, const void *data, uint32_t len)
{
	struct event *e = malloc(sizeof(*e) + len);
	if (!e) return;
	*e = (struct event){ .kind = kind, .conn = conn, .pid = pid, .gen = gen, .len = len };
	if (len) memcpy(e->data, data, len);
	if (napi_call_threadsafe_function(S->tsfn, e, napi_tsfn_nonblocking) != napi_ok) free(e);
}

static void greet(int fd, int64_t status)
{
	/* the greeting: 0, or -errno and the connection closes */
	ssize_t r = send(fd, &status, sizeof(status), MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)r;
}

static void accept_one(struct server *S)
{
	int fd = accept4(S->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) return;
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) < 0) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&S->lock);
	int mine = 0, theirs = 0, slot = -1;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (S->conns[i].fd < 0) {
			if (slot < 0) slot = i;
			continue;
		}
		if (S->conns[i].owner == cr.pid) mine++;
		if (S->conns[i].uid == cr.uid) theirs++;
	}
	int64_t refuse = mine >= S->per_process ? -EMFILE : theirs >= S->per_user || S->nconns >= S->total || slot < 0 ? -ENFILE : 0;
	if (refuse) {
		pthread_mutex_unlock(&S->lock);
		greet(fd, refuse);
		close(fd);
		return;
	}
	struct conn *c = &S->conns[slot];
	S->next_id += MAX_CONNS;
	*c = (struct conn){ .fd = fd, .id = (uint32_t)slot + S->next_id, .owner = cr.pid, .uid = cr.uid };
	S->nconns++;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = c->id };
	greet(fd, 0);
	if (epoll_ctl(S->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		c->fd = -1;
		S->nconns--;
		close(fd);
	}
	pthread_mutex_unlock(&S->lock);
}

/* (S->lock held) */
static struct conn *conn_of(struct server *S, uint32_t id)
{
	struct conn *c = &S->conns[id % MAX_CONNS];
	return c->fd >= 0 && c->id == id ? c : NULL;
}

static void read_one(struct server *S, uint32_t id)
{
	union {
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	pthread_mutex_lock(&S->lock);
	struct conn *c = conn_of(S, id);
	if (!c) {
		pthread_mutex_unlock(&S->lock);
		return;
	}
	struct iovec iov = { S->buf, sizeof(S->buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof(ctl.space) };
	ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = id };
		epoll_ctl(S->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
		pthread_mutex_unlock(&S->lock);
		return;
	}
	pid_t pid = 0;
	int pidfd = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET) continue;
		if (h->cmsg_type == SCM_CREDENTIALS && h->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(h), sizeof(cr));
			pid = cr.pid;
		} else if (h->cmsg_type == SCM_PIDFD && h->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&pidfd, CMSG_DATA(h), sizeof(int));
		}
	}
	if (n <= 0) {
		epoll_ctl(S->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		S->nconns--;
		pthread_mutex_unlock(&S->lock);
		if (pidfd >= 0) close(pidfd);
		emit(S, EV_CLOSED, id, 0, 0, NULL, 0);
		return;
	}
	pthread_mutex_unlock(&S->lock);
	/* gen 0: a sender whose process is gone (or who is in a pid namespace we cannot see): JS
	 * answers nothing it asked for */
	uint32_t gen = sender_gen(S, pid, pidfd);
	emit(S, EV_DATA, id, pid, gen, S->buf, (uint32_t)n);
}

static void *io_thread(void *arg)
{
	struct server *S = arg;
	struct epoll_event evs[64];
	while (__atomic_load_n(&S->running, __ATOMIC_ACQUIRE)) {
		int n = epoll_wait(S->epoll_fd, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			uint32_t id = evs[i].data.u32;
			if (id == UINT32_MAX) {
				uint64_t v;
				ssize_t r = read(S->wake_fd, &v, sizeof(v));
				(void)r;
			} else if (id == UINT32_MAX - 1) {
				accept_one(S);
			} else {
				read_one(S, id);
			}
		}
	}
	return NULL;
}

/* ---- JS side ---- */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static void call_js(napi_env env, napi_value cb, void *context, void *data)
{
	struct server *S = context;
	struct event *e = data;
	if (env && cb) {
		napi_value argv[5], undef;
		napi_get_undefined(env, &undef);
		napi_create_int32(env, e->kind, &argv[0]);
		napi_create_uint32(env, e->conn, &argv[1]);
		napi_create_int32(env, e->pid, &argv[2]);
		napi_create_uint32(env, e->gen, &argv[3]);
		if (e->len) {
			void *copy;
			napi_create_buffer_copy(env, e->len, e->data, &copy, &argv[4]);
		} else {
			argv[4] = undef;
		}
		napi_call_function(env, undef, cb, 5, argv, NULL);
	}
	if (e->kind == EV_DATA) {
		/* JS has taken the chunk: the connection may be read again */
		pthread_mutex_lock(&S->lock);
		struct conn *c = conn_of(S, e->conn);
		if (c) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = e->conn };
			epoll_ctl(S->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
		}
		pthread_mutex_unlock(&S->lock);
	}
	free(e);
}

static int arg_int(napi_env env, napi_value v, int64_t *out)
{
	double d;
	if (napi_get_value_double(env, v, &d) != napi_ok || d != d) return -1;
	*out = (int64_t)d;
	return 0;
}

static napi_value num(napi_env env, double d)
{
	napi_value v;
	napi_create_double(env, d, &v);
	return v;
}

/* the server handle first, then K arguments */
#define ARGS(K)                                                                                    \
	size_t argc = (K) + 1;                                                                      \
	napi_value all_[(K) + 1];                                                                   \
	struct server *S = NULL;                                                                    \
	if (napi_get_cb_info(env, info, &argc, all_, NULL, NULL) != napi_ok || argc < (K) + 1 ||   \
	    napi_get_value_external(env, all_[0], (void **)&S) != napi_ok || !S)                    \
		return num(env, -EINVAL);                                                           \
	napi_value *argv = all_ + 1;

static void server_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	struct server *S = data;
	/* a server still running keeps its memory: its thread uses it */
	if (!S->running) free(S);
}

/* listen(path, onEvent, perProcess, perUser, total): the server's handle, or -errno */
static napi_value js_listen(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5];
	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (argc < 5) return num(env, -EINVAL);
	struct server *S = calloc(1, sizeof(*S));
	if (!S) return num(env, -ENOMEM);
	S->listen_fd = S->epoll_fd = S->wake_fd = -1;
	pthread_mutex_init(&S->lock, NULL);
	pthread_mutex_init(&S->senders_lock, NULL);
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t plen;
	int64_t pp, pu, tot;
	if (napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &plen) != napi_ok || plen >= sizeof(path) - 1) {
		free(S);
		return num(env, -ENAMETOOLONG);
	}
	if (arg_int(env, argv[2], &pp) || arg_int(env, argv[3], &pu) || arg_int(env, argv[4], &tot)) {
		free(S);
		return num(env, -EINVAL);
	}
	/* the descriptors the bound needs, and a margin for Node's own */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (int64_t)rl.rlim_cur - 256 < tot)
		tot = (int64_t)rl.rlim_cur > 512 ? (int64_t)rl.rlim_cur - 256 : (int64_t)rl.rlim_cur / 2;
	if (tot > MAX_CONNS) tot = MAX_CONNS;
	S->per_process = (int)pp;
	S->per_user = (int)pu;
	S->total = (int)tot;
	for (int i = 0; i < MAX_CONNS; i++) S->conns[i].fd = -1;
	S->nconns = 0;

	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) return num(env, -errno);
	int one = 1;
	/* set on the listener: every accepted socket has them before its peer sends a byte */
	if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) goto fail;
	/* Linux 6.5: the sender's pidfd with each message (else pidfd_open as it arrives) */
	if (setsockopt(s, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) < 0) errno = 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, path, plen + 1);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 256) < 0) goto fail;
	S->listen_fd = s;
	S->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	S->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (S->epoll_fd < 0 || S->wake_fd < 0) goto fail;
	struct epoll_event lev = { .events = EPOLLIN, .data.u32 = UINT32_MAX - 1 };
	struct epoll_event wev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
	if (epoll_ctl(S->epoll_fd, EPOLL_CTL_ADD, s, &lev) < 0 || epoll_ctl(S->epoll_fd, EPOLL_CTL_ADD, S->wake_fd, &wev) < 0) goto fail;
	napi_value name;
	napi_create_string_utf8(env, "vchardev-bridge", NAPI_AUTO_LENGTH, &name);
	if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, S, call_js, &S->tsfn) != napi_ok) {
		errno = ENOMEM;
		goto fail;
	}
	S->running = 1;
	if (pthread_create(&S->thread, NULL, io_thread, S) != 0) {
		S->running = 0;
		napi_release_threadsafe_function(S->tsfn, napi_tsfn_abort);
		errno = EAGAIN;
		goto fail;
	}
	napi_value handle;
	if (napi_create_external(env, S, server_finalize, NULL, &handle) != napi_ok) return num(env, -ENOMEM);
	return handle;
fail:;
	int e = errno;
	if (S->epoll_fd >= 0) close(S->epoll_fd);
	if (S->wake_fd >= 0) close(S->wake_fd);
	close(s);
	free(S);
	return num(env, -e);
}

/* stop(): the thread ends, every connection and known sender is closed */
static napi_value js_stop(napi_env env, napi_callback_info info)
{
	ARGS(0);
	(void)argv;
	if (!S->running) return num(env, 0);
	__atomic_store_n(&S->running, 0, __ATOMIC_RELEASE);
	uint64_t one = 1;
	ssize_t r = write(S->wake_fd, &one, sizeof(one));
	(void)r;
	pthread_join(S->thread, NULL);
	napi_release_threadsafe_function(S->tsfn, napi_tsfn_abort);
	pthread_mutex_lock(&S->lock);
	for (int i = 0; i < MAX_CONNS; i++) {
		if (S->conns[i].fd >= 0) close(S->conns[i].fd);
		S->conns[i].fd = -1;
	}
	S->nconns = 0;
	pthread_mutex_unlock(&S->lock);
	close(S->listen_fd);
	close(S->epoll_fd);
	close(S->wake_fd);
	S->listen_fd = S->epoll_fd = S->wake_fd = -1;
	pthread_mutex_lock(&S->senders_lock);
	for (int b = 0; b < BUCKETS; b++) {
		while (S->bucket[b]) {
			struct sender *s = S->bucket[b];
			S->bucket[b] = s->next;
			sender_free(S, s);
		}
	}
	pthread_mutex_unlock(&S->senders_lock);
	return num(env, 0);
}

/* send(conn, bytes): 0, or -errno (a reply that does not fit at once: the client reads none, it is dropped) */
static napi_value js_send(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int64_t id;
	void *data;
	size_t len;
	if (argc < 2 || arg_int(env, argv[0], &id) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return num(env, -EINVAL);
	pthread_mutex_lock(&S->lock);
	struct conn *c = conn_of(S, (uint32_t)id);
	ssize_t n = c ? send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) : -1;
	int e = c ? errno : EBADF;
	if (c && n != (ssize_t)len) {
		shutdown(c->fd, SHUT_RDWR);
		if (n >= 0) e = EAGAIN;
	}
	pthread_mutex_unlock(&S->lock);
	return num(env, n == (ssize_t)len ? 0 : -e);
}

/* close(conn): the connection ends; its EV_CLOSED follows */
static napi_value js_close(napi_env env, napi_callback_info info)
{
	ARGS(1);
	int64_t id;
	if (argc < 1 || arg_int(env, argv[0], &id)) return num(env, -EINVAL);
	pthread_mutex_lock(&S->lock);
	struct conn *c = conn_of(S, (uint32_t)id);
	if (c) shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&S->lock);
	return num(env, c ? 0 : -EBADF);
}

/* track(pid): the generation of a process named by a verified sender (OP_ACTFOR), 0 if gone */
static napi_value js_track(napi_env env, napi_callback_info info)
{
	ARGS(1);
	int64_t pid;
	if (argc < 1 || arg_int(env, argv[0], &pid) || pid <= 0 || pid > INT32_MAX) return num(env, 0);
	return num(env, sender_gen(S, (pid_t)pid, -1));
}

/*
 * memory(write, pid, gen, addr, buf, off, len): bytes copied between the process's [addr, addr +
 * len) and buf[off...]; fewer at the first page it may not access, 0 if it has exited
 */
static napi_value js_memory(napi_env env, napi_callback_info info)
{
	ARGS(7);
	int64_t write, pid, gen, addr, off, len;
	napi_typedarray_type type;
	size_t count;
	void *data;
	if (argc < 7 || arg_int(env, argv[0], &write) || arg_int(env, argv[1], &pid) || arg_int(env, argv[2], &gen) ||
	    arg_int(env, argv[3], &addr) || arg_int(env, argv[5], &off) || arg_int(env, argv[6], &len) ||
	    napi_get_typedarray_info(env, argv[4], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
	    off < 0 || len < 0 || (uint64_t)off + (uint64_t)len > count || addr < 0)
		return num(env, 0);
	if (len == 0) return num(env, 0);
	pthread_mutex_lock(&S->senders_lock);
	struct sender *s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	if (!s) {
		pthread_mutex_unlock(&S->senders_lock);
		return num(env, 0);
	}
	struct iovec local = { (char *)data + off, (size_t)len };
	struct iovec remote = { (void *)(uintptr_t)addr, (size_t)len };
	ssize_t n = write ? process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0) : process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
	/* the process still the one named: what was read is its memory */
	if (exited(s->pidfd)) n = 0;
	pthread_mutex_unlock(&S->senders_lock);
	return num(env, n > 0 ? (double)n : 0);
}

/* Is [lo, hi) within writable mappings, by /proc/<pid>/maps as text (kernels before PROCMAP_QUERY)? */
static int writable_by_text(pid_t pid, uint64_t lo, uint64_t hi)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f) return 0;
	char line[512];
	uint64_t at = lo;
	while (at < hi && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &a, &b, perms) == 3 && a <= at && at < b && perms[1] == 'w') at = b;
		size_t l = strlen(line);
		/* the rest of an overlong line (a long path) */
		while (l && line[l - 1] != '\n' && fgets(line, sizeof(line), f)) l = strlen(line);
	}
	fclose(f);
	return at >= hi;
}

/* writable(pid, gen, addr, len): whether every page of the range is in a mapping the process may write */
static napi_value js_writable(napi_env env, napi_callback_info info)
{
	napi_value f;
	napi_get_boolean(env, 0, &f);
	ARGS(4);
	int64_t pid, gen, addr, len;
	if (argc < 4 || arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &gen) || arg_int(env, argv[2], &addr) || arg_int(env, argv[3], &len) ||
	    addr < 0 || len < 0)
		return f;
	pthread_mutex_lock(&S->senders_lock);
	struct sender *s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	int ok = 0;
	if (s) {
		if (s->maps < 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
			s->maps = open(path, O_RDONLY | O_CLOEXEC);
		}
		uint64_t at = (uint64_t)addr, hi = (uint64_t)addr + (uint64_t)len;
		int text = 0;
		ok = 1;
		while (at < hi) {
			struct vchardev_procmap_query q = { .size = sizeof(q), .query_addr = at };
			if (s->maps < 0 || ioctl(s->maps, VCHARDEV_PROCMAP_QUERY, &q) < 0) {
				/* ENOTTY: a kernel before 6.11 */
				if (s->maps < 0 || errno == ENOTTY || errno == EINVAL) text = 1;
				else ok = 0;
				break;
			}
			if (!(q.vma_flags & VMA_WRITABLE) || q.vma_end <= at) {
				ok = 0;
				break;
			}
			at = q.vma_end;
		}
		if (text) ok = writable_by_text((pid_t)pid, at, hi);
		if (exited(s->pidfd)) ok = 0;
	}
	pthread_mutex_unlock(&S->senders_lock);
	napi_value r;
	napi_get_boolean(env, ok, &r);
	return r;
}

/* after "Name:" in status, the numbers on that line, at most max */
static int status_numbers(const char *status, const char *key, int base, uint64_t *out, int max)
{
	const char *p = strstr(status, key);
	if (!p) return -1;
	p += strlen(key);
	int n = 0;
	while (n < max) {
		while (*p == ' ' || *p == '\t') p++;
		if (*p == '\n' || !*p) break;
		char *end;
		out[n++] = strtoull(p, &end, base);
		if (end == p) return -1;
		p = end;
	}
	return n;
}

/*
 * creds(pid, gen): the process's credentials now, [ruid, euid, suid, fsuid, rgid, egid, sgid,
 * fsgid, cap_effective (as a number below 2^53), dumpable, ...groups], or null when it is gone
 */
static napi_value js_creds(napi_env env, napi_callback_info info)
{
	napi_value nul;
	napi_get_null(env, &nul);
	ARGS(2);
	int64_t pid, gen;
	if (argc < 2 || arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &gen)) return nul;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char st[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return nul;
	ssize_t n = read(fd, st, sizeof(st) - 1);
	/* /proc/<pid>/status of a process that made itself non-dumpable is root's */
	struct stat sb;
	int dumpable = 0;
	uint64_t ids[8], cap[1], groups[1024];
	int ng = 0;
	if (n > 0) {
		st[n] = 0;
		if (status_numbers(st, "\nUid:", 10, ids, 4) != 4 || status_numbers(st, "\nGid:", 10, ids + 4, 4) != 4 ||
		    status_numbers(st, "\nCapEff:", 16, cap, 1) != 1 || (ng = status_numbers(st, "\nGroups:", 10, groups, 1024)) < 0)
			n = 0;
		else if (fstat(fd, &sb) == 0)
			dumpable = sb.st_uid == ids[1];
	}
	close(fd);
	pthread_mutex_lock(&S->senders_lock);
	int alive = sender_find(S, (pid_t)pid, (uint32_t)gen) != NULL;
	pthread_mutex_unlock(&S->senders_lock);
	if (n <= 0 || !alive) return nul;
	napi_value arr;
	napi_create_array_with_length(env, 10 + (size_t)ng, &arr);
	for (int i = 0; i < 8; i++) napi_set_element(env, arr, i, num(env, (double)ids[i]));
	napi_set_element(env, arr, 8, num(env, (double)(cap[0] & ((1ULL << 53) - 1))));
	napi_set_element(env, arr, 9, num(env, dumpable));
	for (int i = 0; i < ng; i++) napi_set_element(env, arr, 10 + (uint32_t)i, num(env, (double)groups[i]));
	return arr;
}

NAPI_MODULE_INIT()
{
	struct { const char *name; napi_callback fn; } fns[] = {
		{ "listen", js_listen }, { "stop", js_stop }, { "send", js_send }, { "close", js_close },
		{ "track", js_track }, { "memory", js_memory }, { "writable", js_writable }, { "creds", js_creds },
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;
		if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
		    napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
			return NULL;
	}
	return exports;
}
