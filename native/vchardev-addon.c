/*
 * vchardev-addon: the bridge server's native part, a Node-API addon (Node has no SCM_CREDENTIALS,
 * no process_vm_readv and no pidfd). It owns the bridge's listening socket and its connections,
 * polled on Node's own event loop (libuv's uv_poll), so a request reaches the kernel's side
 * (src/bridge/) on Node's thread with no other thread between: everything here runs there.
 *
 * - Who sent a request is the host kernel's word, per message: the socket has SO_PASSCRED (and
 *   SO_PASSPIDFD where the kernel has it), so every chunk read carries its sender's pid, and a
 *   unix stream socket never joins bytes of two senders in one read (unix_stream_read_generic
 *   stops where the credentials differ). A claimed pid is never believed.
 * - A pid is tied to the process it named when the message arrived: each sender is kept with a
 *   pidfd (the one SCM_PIDFD gave, else pidfd_open at once) and a generation number; while that
 *   pidfd has not exited, the pid is that process. A pid whose process exited starts a new
 *   generation, so a reused pid is never taken for the process that had it.
 * - User memory goes through process_vm_readv/process_vm_writev, which fault on pages the
 *   process cannot read or write (a PROT_NONE page, a read-only mapping, code), as copy_to_user
 *   does; /proc/<pid>/mem would not (FOLL_FORCE). After each access the pidfd is checked: a
 *   process that exited meanwhile had its access count as a fault.
 * - Credentials are read when asked (/proc/<pid>/status, then the pidfd checked): the caller's
 *   at the time of the call.
 * - Connections are bounded per process, per user and in all; past a bound the client is told
 *   EMFILE or ENFILE in the greeting and the connection closed, so one client cannot starve
 *   another. A chunk read is handed to JS at once: JS bounds what it queues.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include <linux/capability.h>

/* PIDFD_GET_INFO (Linux 6.13, uapi/linux/pidfd.h), its first version */
struct vchardev_pidfd_info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid, spare0;
};
#define VCHARDEV_PIDFD_GET_INFO _IOWR(0xFF, 11, struct vchardev_pidfd_info)
#define VCHARDEV_PIDFD_INFO_CREDS 2

/*
 * The few libuv calls used, declared here: Node exports libuv's symbols to addons and keeps its
 * ABI within a major version (libuv 1.x), but node-api-headers carries no uv.h. Handles are
 * allocated by uv_handle_size, so no libuv struct layout is assumed.
 */
typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_poll_cb)(uv_poll_t *handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t *handle);
extern size_t uv_handle_size(int type);
extern int uv_poll_init(uv_loop_t *loop, uv_poll_t *handle, int fd);
extern int uv_poll_start(uv_poll_t *handle, int events, uv_poll_cb cb);
extern int uv_poll_stop(uv_poll_t *handle);
extern void uv_close(uv_handle_t *handle, uv_close_cb cb);
extern void *uv_handle_get_data(const uv_handle_t *handle);
extern void uv_handle_set_data(uv_handle_t *handle, void *data);
#define UV_POLL_TYPE 8 /* uv_handle_type's UV_POLL */
#define UV_READABLE_EV 1

/* the procfs PROCMAP_QUERY ioctl (Linux 6.11, uapi/linux/fs.h), for kernels whose headers lack it */
struct vchardev_procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define VCHARDEV_PROCMAP_QUERY _IOWR('f', 17, struct vchardev_procmap_query)
#define VMA_WRITABLE 0x02
#define VCHARDEV_PROCMAP_QUERY_NEXT 0x10 /* PROCMAP_QUERY_COVERING_OR_NEXT_VMA */

/* a chunk: requests are 48 bytes and a path of at most 4096 */
#define CHUNK 16384
#define MAX_CONNS 8192
#define BUCKETS 1024
#define MAX_SENDERS 32768

enum { EV_DATA = 1, EV_CLOSED = 2, EV_EXIT = 3 };

struct server;

/* a polled descriptor: the listening socket or a connection */
struct watch {
	struct server *srv;
	uv_poll_t *poll;
	int fd;
	uint32_t id; /* a connection's id (what JS calls it; a slot's ids differ each time it is reused) */
	pid_t owner; /* who connected (SO_PEERCRED), for the bounds */
	uid_t uid;
	int closing;
};

struct sender {
	struct sender *next;
	struct server *srv;
	uv_poll_t *poll; /* on its pidfd: the process's exit ends the record and is told to JS */
	pid_t pid;
	uint32_t gen;
	int pidfd;
	/*
	 * /proc/<pid>/maps, opened when the record is made: it holds on to the memory of the image
	 * the process ran then, and answers ESRCH once that is gone (an exec, or the exit). A call
	 * made for one image never reaches the memory of the next (a setuid program's). -1: none
	 */
	int maps;
	int execd; /* the process exec'd since: its next message starts a new record */
	int status; /* an open /proc/<pid>/status (read again from 0 each time), or -1 */
	/* the credentials last read: ids (real, effective, saved, fs; uids then gids), CapEff, groups */
	int known;
	int same_ns; /* in our user namespace, as last looked (again whenever ids or capabilities change) */
	uint64_t ids[8], cap;
	int ngroups;
	uint32_t *groups;
};

struct server {
	napi_env env;
	napi_ref callback;
	napi_async_context async;
	struct watch listener;
	struct watch *conns[MAX_CONNS];
	uint32_t next_id;
	int per_process, per_user, total, nconns;
	int max_senders; /* each holds up to three descriptors: the budget left beside the connections */
	int spare;       /* a descriptor kept free: past the process's limit, a client is still told so */
	struct sender *bucket[BUCKETS];
	int nsenders;
	uint32_t next_gen;
	int running;
	int has_pidfd; /* the kernel sends SCM_PIDFD (SO_PASSPIDFD took): never fall back to pidfd_open */
	dev_t userns_dev; /* our user namespace: capabilities count only in it */
	ino_t userns_ino;
	int handles;   /* uv handles not yet closed: the server's memory outlives them */
	int finalized; /* JS let go of it */
	unsigned char buf[CHUNK];
};

static void server_free_if_done(struct server *S)
{
	if (S->finalized && !S->running && S->handles == 0) free(S);
}

/* ---- senders: pid → (generation, pidfd) ---- */

static int exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	return poll(&p, 1, 0) != 0; /* readable (exited), or the pidfd is broken: both mean gone */
}

static void sender_closed(uv_handle_t *h)
{
	struct sender *s = uv_handle_get_data(h);
	struct server *S = s->srv;
	free(h);
	free(s->groups);
	free(s);
	S->handles--;
	server_free_if_done(S);
}

/* unlinks a sender and lets it go (its memory when libuv is done with its poll) */
static void sender_free(struct server *S, struct sender *s)
{
	for (struct sender **pp = &S->bucket[(unsigned)s->pid % BUCKETS]; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	S->nsenders--;
	if (s->maps >= 0) close(s->maps);
	if (s->status >= 0) close(s->status);
	s->maps = s->status = -1;
	uv_poll_stop(s->poll);
	uv_close((uv_handle_t *)s->poll, sender_closed);
	close(s->pidfd);
}

static void emit(struct server *S, int kind, uint32_t conn, pid_t pid, uint32_t gen, uid_t uid, gid_t gid, const void *data, uint32_t len);

/* a sender's process exited: its record goes, and JS lets its task go */
static void on_exit_(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct sender *s = uv_handle_get_data((uv_handle_t *)h);
	struct server *S = s->srv;
	pid_t pid = s->pid;
	uint32_t gen = s->gen;
	sender_free(S, s);
	emit(S, EV_EXIT, 0, pid, gen, 0, 0, NULL, 0);
}

/* the procfs file of a sender's, opened once and kept (it stays that process's) */
static int proc_fd(struct sender *s, int *slot, const char *name)
{
	if (*slot < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)s->pid, name);
		*slot = open(path, O_RDONLY | O_CLOEXEC);
	}
	return *slot;
}

/*
 * Is the process still running the image its record was made for (and alive)? The record's maps
 * holds that image's memory: once an exec or the exit let go of it, a query answers ESRCH
 * (PROCMAP_QUERY, Linux 6.11; before it a read answers nothing).
 */
static int same_image(struct sender *s)
{
	if (s->execd) return 0;
	if (s->maps < 0) return !exited(s->pidfd);
	struct vchardev_procmap_query q = { .size = sizeof(q), .query_flags = VCHARDEV_PROCMAP_QUERY_NEXT };
	int ok;
	if (ioctl(s->maps, VCHARDEV_PROCMAP_QUERY, &q) == 0 || errno == ENOENT) {
		ok = 1;
	} else if (errno == ENOTTY) {
		char c;
		ok = pread(s->maps, &c, 1, 0) == 1;
	} else {
		ok = errno != ESRCH;
	}
	if (!ok) s->execd = 1;
	return ok;
}

/*
 * The generation of the process with this pid, as the message that named it arrived: pidfd is
 * the sender's own (SCM_PIDFD, taken over) or -1. `named`: the pid is not a sender's but one a
 * verified sender named (OP_ACTFOR), opened here. 0: the sender is gone, cannot be seen from here
 * (pid 0: another pid namespace) or too many are known.
 */
static uint32_t sender_gen(struct server *S, pid_t pid, int pidfd, int named)
{
	if (pid <= 0 || (pidfd >= 0 && exited(pidfd))) {
		if (pidfd >= 0) close(pidfd);
		return 0;
	}
	/* a live record for the pid: both alive with one pid, the same process (a record whose
	 * process exited waits for its exit to be told, and is another generation) */
	struct sender *before = NULL;
	for (struct sender *s = S->bucket[(unsigned)pid % BUCKETS]; s; s = s->next) {
		if (s->pid != pid || exited(s->pidfd)) continue;
		if (same_image(s)) {
			if (pidfd >= 0) close(pidfd);
			return s->gen;
		}
		before = s;
	}
	/* the same process, exec'd since: a record of its own for the new image (the old one's task
	 * keeps the files it holds until the process exits) */
	if (pidfd < 0 && before) pidfd = fcntl(before->pidfd, F_DUPFD_CLOEXEC, 0);
	/*
	 * no pidfd with the message: where the kernel sends one, the sender is gone (older kernels
	 * give a negative one for a reaped sender); before Linux 6.5 the pid is opened now, a
	 * window in which a sender that exited at once and had its pid reused is not told apart
	 */
	if (pidfd < 0 && S->has_pidfd && !named) return 0;
	if (pidfd < 0) pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) return 0;
	uv_loop_t *loop;
	struct sender *s = NULL;
	if (exited(pidfd) || S->nsenders >= S->max_senders || !(s = calloc(1, sizeof(*s))) || !(s->poll = malloc(uv_handle_size(UV_POLL_TYPE))) ||
	    napi_get_uv_event_loop(S->env, &loop) != napi_ok || uv_poll_init(loop, s->poll, pidfd) != 0) {
		if (s) free(s->poll);
		free(s);
		close(pidfd);
		return 0;
	}
	if (++S->next_gen == 0) S->next_gen = 1;
	s->next = S->bucket[(unsigned)pid % BUCKETS];
	s->srv = S;
	s->pid = pid;
	s->gen = S->next_gen;
	s->pidfd = pidfd;
	s->maps = s->status = -1;
	s->same_ns = -1;
	proc_fd(s, &s->maps, "maps");
	uv_handle_set_data((uv_handle_t *)s->poll, s);
	uv_poll_start(s->poll, UV_READABLE_EV, on_exit_);
	S->handles++;
	S->bucket[(unsigned)pid % BUCKETS] = s;
	S->nsenders++;
	return s->gen;
}

/*
 * The sender (pid, gen), or NULL. Whether its process still lives is for the caller to check
 * after using the pid: alive then, the pid was that process's all along.
 */
static struct sender *sender_find(struct server *S, pid_t pid, uint32_t gen)
{
	for (struct sender *s = S->bucket[(unsigned)pid % BUCKETS]; s; s = s->next)
		if (s->pid == pid && s->gen == gen) return s;
	return NULL;
}

/* ---- connections, on Node's loop ---- */

static void emit(struct server *S, int kind, uint32_t conn, pid_t pid, uint32_t gen, uid_t uid, gid_t gid, const void *data, uint32_t len)
{
	napi_env env = S->env;
	napi_handle_scope scope;
	if (napi_open_handle_scope(env, &scope) != napi_ok) return;
	napi_value cb, recv, undef, argv[7];
	/* napi_make_callback wants an object to call on */
	napi_get_global(env, &recv);
	napi_get_undefined(env, &undef);
	if (napi_get_reference_value(env, S->callback, &cb) == napi_ok && cb) {
		napi_create_int32(env, kind, &argv[0]);
		napi_create_uint32(env, conn, &argv[1]);
		napi_create_int32(env, pid, &argv[2]);
		napi_create_uint32(env, gen, &argv[3]);
		napi_create_uint32(env, uid, &argv[4]);
		napi_create_uint32(env, gid, &argv[5]);
		void *copy;
		argv[6] = undef;
		if (len && napi_create_buffer_copy(env, len, data, &copy, &argv[6]) != napi_ok) argv[6] = undef;
		/* a callback scope: the promises the handler starts run their reactions before we return */
		if (napi_make_callback(env, S->async, recv, cb, 7, argv, NULL) == napi_pending_exception) {
			napi_value err;
			napi_get_and_clear_last_exception(env, &err);
			napi_fatal_exception(env, err);
		}
	}
	napi_close_handle_scope(env, scope);
}

static void handle_closed(uv_handle_t *h)
{
	struct watch *w = uv_handle_get_data(h);
	struct server *S = w->srv;
	free(h);
	if (w != &S->listener) free(w);
	S->handles--;
	server_free_if_done(S);
}

/* stops polling fd and closes it; the handle goes when libuv is done with it */
static void unwatch(struct watch *w)
{
	if (w->closing) return;
	w->closing = 1;
	/* libuv forgets the descriptor while it is still open, then it closes */
	uv_poll_stop(w->poll);
	uv_close((uv_handle_t *)w->poll, handle_closed);
	close(w->fd);
	w->fd = -1;
}

static int watch(struct server *S, struct watch *w, int fd, uv_poll_cb cb)
{
	uv_loop_t *loop;
	w->srv = S;
	w->fd = fd;
	w->poll = malloc(uv_handle_size(UV_POLL_TYPE));
	if (!w->poll || napi_get_uv_event_loop(S->env, &loop) != napi_ok || uv_poll_init(loop, w->poll, fd) != 0) {
		free(w->poll);
		return -1;
	}
	uv_handle_set_data((uv_handle_t *)w->poll, w);
	S->handles++;
	uv_poll_start(w->poll, UV_READABLE_EV, cb);
	return 0;
}

static struct watch *conn_of(struct server *S, uint32_t id)
{
	struct watch *c = S->conns[id % MAX_CONNS];
	return c && c->id == id && !c->closing ? c : NULL;
}

/* a connection ends: closed at once, nothing more read from it; JS is told when it did not ask */
static void conn_end(struct server *S, struct watch *c, int tell)
{
	S->conns[c->id % MAX_CONNS] = NULL;
	S->nconns--;
	uint32_t id = c->id;
	unwatch(c);
	if (tell) emit(S, EV_CLOSED, id, 0, 0, 0, 0, NULL, 0);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)events;
	struct watch *c = uv_handle_get_data((uv_handle_t *)h);
	struct server *S = c->srv;
	if (c->closing) return;
	/* room for the credentials, the pidfd, and descriptors a hostile client attaches (closed) */
	union {
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(int) * 64)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { S->buf, sizeof(S->buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof(ctl.space) };
	ssize_t n = status < 0 ? 0 : recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	struct ucred cr = { 0, (uid_t)-1, (gid_t)-1 };
	int pidfd = -1, bad = n > 0 && (m.msg_flags & MSG_CTRUNC);
	for (struct cmsghdr *ch = n > 0 ? CMSG_FIRSTHDR(&m) : NULL; ch; ch = CMSG_NXTHDR(&m, ch)) {
		if (ch->cmsg_level != SOL_SOCKET) continue;
		if (ch->cmsg_type == SCM_CREDENTIALS && ch->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&cr, CMSG_DATA(ch), sizeof(cr));
		} else if (ch->cmsg_type == SCM_PIDFD && ch->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&pidfd, CMSG_DATA(ch), sizeof(int));
		} else if (ch->cmsg_type == SCM_RIGHTS) {
			/* no request passes descriptors: they are closed and the connection goes */
			size_t k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof(int));
				if (fd >= 0) close(fd);
			}
			bad = 1;
		}
	}
	if (n <= 0 || bad) {
		if (pidfd >= 0) close(pidfd);
		return conn_end(S, c, 1);
	}
	/* gen 0: a sender whose process is gone or cannot be seen: JS answers nothing it asks for */
	uint32_t gen = sender_gen(S, cr.pid, pidfd, 0);
	emit(S, EV_DATA, c->id, cr.pid, gen, cr.uid, cr.gid, S->buf, (uint32_t)n);
}

static void greet(int fd, int64_t status)
{
	/* the greeting: 0, or -errno and the connection closes */
	ssize_t r = send(fd, &status, sizeof(status), MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)r;
}

static void on_accept(uv_poll_t *h, int status, int events)
{
	(void)events;
	struct server *S = ((struct watch *)uv_handle_get_data((uv_handle_t *)h))->srv;
	if (status < 0 || !S->running) return;
	int fd = accept4(S->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && S->spare >= 0) {
		/* out of descriptors: the spare one makes room to tell the client and close it (else the
		 * listener stays readable and this would spin) */
		close(S->spare);
		fd = accept4(S->listener.fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			greet(fd, -ENFILE);
			close(fd);
		}
		S->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return;
	}
	if (fd < 0) return;
	struct ucred cr;
	socklen_t sl = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) < 0) {
		close(fd);
		return;
	}
	int mine = 0, theirs = 0, slot = -1;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct watch *c = S->conns[i];
		if (!c) {
			if (slot < 0) slot = i;
			continue;
		}
		if (c->owner == cr.pid) mine++;
		if (c->uid == cr.uid) theirs++;
	}
	int64_t refuse = mine >= S->per_process ? -EMFILE : theirs >= S->per_user || S->nconns >= S->total || slot < 0 ? -ENFILE : 0;
	struct watch *c = refuse ? NULL : calloc(1, sizeof(*c));
	if (!c) {
		greet(fd, refuse ? refuse : -ENOMEM);
		close(fd);
		return;
	}
	S->next_id += MAX_CONNS;
	c->id = (uint32_t)slot + S->next_id;
	c->owner = cr.pid;
	c->uid = cr.uid;
	if (watch(S, c, fd, on_readable) < 0) {
		greet(fd, -ENOMEM);
		close(fd);
		free(c);
		return;
	}
	S->conns[slot] = c;
	S->nconns++;
	greet(fd, 0);
}

/* ---- JS side ---- */

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
	S->finalized = 1;
	server_free_if_done(S);
}

static void env_gone(void *arg);

/* listen(path, onEvent, perProcess, perUser, total): the server's handle, or -errno */
static napi_value js_listen(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5];
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) return num(env, -EINVAL);
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t plen;
	int64_t pp, pu, tot;
	if (napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &plen) != napi_ok || plen >= sizeof(path) - 1) return num(env, -ENAMETOOLONG);
	if (arg_int(env, argv[2], &pp) || arg_int(env, argv[3], &pu) || arg_int(env, argv[4], &tot)) return num(env, -EINVAL);
	/* the descriptors the bound needs, and a margin for Node's own */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (int64_t)rl.rlim_cur - 256 < tot)
		tot = (int64_t)rl.rlim_cur > 512 ? (int64_t)rl.rlim_cur - 256 : (int64_t)rl.rlim_cur / 2;
	if (tot > MAX_CONNS) tot = MAX_CONNS;
	long senders = MAX_SENDERS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		long room = ((long)rl.rlim_cur - 256 - (long)tot) / 3;
		if (room < senders) senders = room > 16 ? room : 16;
	}

	struct server *S = calloc(1, sizeof(*S));
	if (!S) return num(env, -ENOMEM);
	S->env = env;
	S->per_process = (int)pp;
	S->per_user = (int)pu;
	S->total = (int)tot;
	S->max_senders = (int)senders;
	S->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		free(S);
		return num(env, -errno);
	}
	int one = 1, e = 0;
	/* set on the listener: every accepted socket has them before its peer sends a byte */
	if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) e = errno;
	/* Linux 6.5: the sender's pidfd with each message (else pidfd_open as it arrives) */
	else S->has_pidfd = setsockopt(s, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) == 0;
	struct stat ns;
	if (stat("/proc/self/ns/user", &ns) == 0) {
		S->userns_dev = ns.st_dev;
		S->userns_ino = ns.st_ino;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, path, plen + 1);
	if (!e && (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 256) < 0)) e = errno;
	napi_value name, handle;
	if (!e) {
		napi_create_string_utf8(env, "vchardev-bridge", NAPI_AUTO_LENGTH, &name);
		napi_value resource;
		napi_create_object(env, &resource);
		if (napi_create_reference(env, argv[1], 1, &S->callback) != napi_ok ||
		    napi_async_init(env, resource, name, &S->async) != napi_ok || watch(S, &S->listener, s, on_accept) < 0)
			e = ENOMEM;
	}
	if (e) {
		close(s);
		if (S->spare >= 0) close(S->spare);
		if (S->callback) napi_delete_reference(env, S->callback);
		free(S);
		return num(env, -e);
	}
	S->running = 1;
	napi_add_env_cleanup_hook(env, env_gone, S);
	if (napi_create_external(env, S, server_finalize, NULL, &handle) != napi_ok) return num(env, -ENOMEM);
	return handle;
}

static void stop_server(napi_env env, struct server *S);

/* the environment goes (a worker thread ends) with the server still listening: it stops */
static void env_gone(void *arg)
{
	struct server *S = arg;
	if (S->running) stop_server(S->env, S);
}

/* stop(): the listener and every connection close now; no event is reported after it */
static napi_value js_stop(napi_env env, napi_callback_info info)
{
	ARGS(0);
	(void)argv;
	stop_server(env, S);
	return num(env, 0);
}

static void stop_server(napi_env env, struct server *S)
{
	if (!S->running) return;
	S->running = 0;
	unwatch(&S->listener);
	for (int i = 0; i < MAX_CONNS; i++) {
		if (!S->conns[i]) continue;
		unwatch(S->conns[i]);
		S->conns[i] = NULL;
	}
	S->nconns = 0;
	for (int b = 0; b < BUCKETS; b++)
		while (S->bucket[b]) sender_free(S, S->bucket[b]);
	if (S->spare >= 0) close(S->spare);
	S->spare = -1;
	napi_remove_env_cleanup_hook(env, env_gone, S);
	napi_async_destroy(env, S->async);
	napi_delete_reference(env, S->callback);
}

/* send(conn, bytes): 0, or -errno: a reply that does not fit at once (the client reads none) closes the connection, no EV_CLOSED follows */
static napi_value js_send(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int64_t id;
	void *data;
	size_t len;
	if (arg_int(env, argv[0], &id) || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return num(env, -EINVAL);
	struct watch *c = conn_of(S, (uint32_t)id);
	if (!c) return num(env, -EBADF);
	ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len) return num(env, 0);
	int e = n < 0 ? errno : EAGAIN;
	conn_end(S, c, 0);
	return num(env, -e);
}

/* close(conn): the connection ends now; nothing more is read from it, no EV_CLOSED follows */
static napi_value js_close(napi_env env, napi_callback_info info)
{
	ARGS(1);
	int64_t id;
	if (arg_int(env, argv[0], &id)) return num(env, -EINVAL);
	struct watch *c = conn_of(S, (uint32_t)id);
	if (c) conn_end(S, c, 0);
	return num(env, c ? 0 : -EBADF);
}

/* alive(pid, gen): the process is still the one named (after looking it up by pid elsewhere) */
static napi_value js_alive(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int64_t pid, gen;
	napi_value r;
	struct sender *s = arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &gen) ? NULL : sender_find(S, (pid_t)pid, (uint32_t)gen);
	napi_get_boolean(env, s && !exited(s->pidfd) && same_image(s), &r);
	return r;
}

/* track(pid): the generation of a process named by a verified sender (OP_ACTFOR), 0 if gone */
static napi_value js_track(napi_env env, napi_callback_info info)
{
	ARGS(1);
	int64_t pid;
	if (arg_int(env, argv[0], &pid) || pid <= 0 || pid > INT32_MAX) return num(env, 0);
	return num(env, sender_gen(S, (pid_t)pid, -1, 1));
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
	if (arg_int(env, argv[0], &write) || arg_int(env, argv[1], &pid) || arg_int(env, argv[2], &gen) ||
	    arg_int(env, argv[3], &addr) || arg_int(env, argv[5], &off) || arg_int(env, argv[6], &len) ||
	    napi_get_typedarray_info(env, argv[4], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
	    off < 0 || len <= 0 || (uint64_t)off + (uint64_t)len > count || addr < 0)
		return num(env, 0);
	struct sender *s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	/* a write goes only to the image the call was made for (checked just before: afterwards is
	 * too late); what a read got counts only if the image was still that one after */
	if (!s || (write && !same_image(s))) return num(env, 0);
	struct iovec local = { (char *)data + off, (size_t)len };
	struct iovec remote = { (void *)(uintptr_t)addr, (size_t)len };
	ssize_t n = write ? process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0) : process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
	if (!write && !same_image(s)) n = 0;
	return num(env, n > 0 ? (double)n : 0);
}

/*
 * writeRuns(pid, gen, addr, buf, runs): runs (a Uint32Array of offset, length pairs into buf)
 * written to the process at addr + offset, in one process_vm_writev (the image checked once,
 * before): what a bounce page's changed bytes cost, however many stretches they come in. The
 * bytes written: fewer at the first page the process may not write.
 */
#define MAX_RUNS 512
static napi_value js_write_runs(napi_env env, napi_callback_info info)
{
	ARGS(5);
	int64_t pid, gen, addr;
	napi_typedarray_type type, rtype;
	size_t count, nruns;
	void *data, *rdata;
	if (arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &gen) || arg_int(env, argv[2], &addr) || addr < 0 ||
	    napi_get_typedarray_info(env, argv[3], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
	    napi_get_typedarray_info(env, argv[4], &rtype, &nruns, &rdata, NULL, NULL) != napi_ok || rtype != napi_uint32_array ||
	    nruns % 2 || nruns / 2 > MAX_RUNS)
		return num(env, 0);
	const uint32_t *runs = rdata;
	struct iovec local[MAX_RUNS], remote[MAX_RUNS];
	size_t n = nruns / 2;
	for (size_t i = 0; i < n; i++) {
		uint64_t off = runs[2 * i], len = runs[2 * i + 1];
		if (len == 0 || off + len > count) return num(env, 0);
		local[i] = (struct iovec){ (char *)data + off, (size_t)len };
		remote[i] = (struct iovec){ (void *)(uintptr_t)((uint64_t)addr + off), (size_t)len };
	}
	struct sender *s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	if (!s || !n || !same_image(s)) return num(env, 0);
	ssize_t w = process_vm_writev((pid_t)pid, local, (unsigned long)n, remote, (unsigned long)n, 0);
	return num(env, w > 0 ? (double)w : 0);
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
	ARGS(4);
	napi_value r;
	int64_t pid, gen, addr, len;
	int ok = 0;
	struct sender *s = NULL;
	if (!arg_int(env, argv[0], &pid) && !arg_int(env, argv[1], &gen) && !arg_int(env, argv[2], &addr) && !arg_int(env, argv[3], &len) &&
	    addr >= 0 && len >= 0)
		s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	/*
	 * With PROCMAP_QUERY the queries themselves prove the image: they ask the record's own maps,
	 * which answers ESRCH once an exec or the exit let go of it. Only the text fallback (a kernel
	 * before 6.11, or no maps) checks before and after.
	 */
	if (s && ((s->maps >= 0 && len > 0) || same_image(s))) {
		uint64_t at = (uint64_t)addr, hi = (uint64_t)addr + (uint64_t)len;
		int text = 0;
		ok = 1;
		while (at < hi) {
			struct vchardev_procmap_query q = { .size = sizeof(q), .query_addr = at };
			if (s->maps < 0 || ioctl(s->maps, VCHARDEV_PROCMAP_QUERY, &q) < 0) {
				/* ENOTTY: a kernel before 6.11; ENOENT: nothing mapped there; ESRCH: another image */
				if (s->maps >= 0 && errno == ENOTTY) text = 1;
				else ok = 0;
				break;
			}
			if (!(q.vma_flags & VMA_WRITABLE) || q.vma_end <= at) {
				ok = 0;
				break;
			}
			at = q.vma_end;
		}
		if (text) ok = writable_by_text((pid_t)pid, at, hi) && same_image(s);
		else if (s->maps < 0 && !same_image(s)) ok = 0;
	}
	napi_get_boolean(env, ok, &r);
	return r;
}

/* after "\nName:" in status, the numbers on that line, at most max */
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

/* the ids and CapEff now, cheaply: PIDFD_GET_INFO and capget (no procfs); 0, or -1 where the kernel lacks it */
static int fast_ids(struct sender *s, uint64_t ids[8], uint64_t *cap)
{
	struct vchardev_pidfd_info info = { .mask = VCHARDEV_PIDFD_INFO_CREDS };
	if (ioctl(s->pidfd, VCHARDEV_PIDFD_GET_INFO, &info) < 0 || !(info.mask & VCHARDEV_PIDFD_INFO_CREDS)) return -1;
	uint64_t v[8] = { info.ruid, info.euid, info.suid, info.fsuid, info.rgid, info.egid, info.sgid, info.fsgid };
	memcpy(ids, v, sizeof(v));
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = s->pid };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0) return -1;
	*cap = (uint64_t)d[1].effective << 32 | d[0].effective;
	return 0;
}

/* everything from /proc/<pid>/status into the sender's record: 0 or -1 */
static int read_status(struct sender *s)
{
	int fd = proc_fd(s, &s->status, "status");
	char st[8192];
	/* a seq_file read from offset 0 shows it anew */
	ssize_t n = fd >= 0 ? pread(fd, st, sizeof(st) - 1, 0) : -1;
	if (n <= 0) return -1;
	st[n] = 0;
	uint64_t ids[8], cap, groups[1024];
	int ng;
	if (status_numbers(st, "\nUid:", 10, ids, 4) != 4 || status_numbers(st, "\nGid:", 10, ids + 4, 4) != 4 ||
	    status_numbers(st, "\nCapEff:", 16, &cap, 1) != 1 || (ng = status_numbers(st, "\nGroups:", 10, groups, 1024)) < 0)
		return -1;
	uint32_t *g = malloc(sizeof(uint32_t) * (size_t)(ng ? ng : 1));
	if (!g) return -1;
	for (int i = 0; i < ng; i++) g[i] = (uint32_t)groups[i];
	free(s->groups);
	s->groups = g;
	s->ngroups = ng;
	memcpy(s->ids, ids, sizeof(ids));
	s->cap = cap;
	s->known = 1;
	return 0;
}

/*
 * creds(pid, gen): the process's credentials now, [ruid, euid, suid, fsuid, rgid, egid, sgid,
 * fsgid, cap_effective (its low 53 bits), ...groups], or null when it is gone. The ids and
 * capabilities are read at each call (PIDFD_GET_INFO and capget, a microsecond; procfs on kernels
 * before 6.13); the supplementary groups, which only /proc/<pid>/status shows, again whenever
 * those changed.
 */
static napi_value js_creds(napi_env env, napi_callback_info info)
{
	ARGS(2);
	napi_value nul;
	napi_get_null(env, &nul);
	int64_t pid, gen;
	if (arg_int(env, argv[0], &pid) || arg_int(env, argv[1], &gen)) return nul;
	struct sender *s = sender_find(S, (pid_t)pid, (uint32_t)gen);
	if (!s) return nul;
	uint64_t ids[8], cap;
	int fast = fast_ids(s, ids, &cap) == 0;
	if (!fast || !s->known || memcmp(ids, s->ids, sizeof(ids)) || cap != s->cap) {
		if (read_status(s) < 0) return nul;
		s->same_ns = -1;
	}
	/*
	 * CapEff is relative to the process's own user namespace (unshare -Ur gives them all):
	 * capabilities count only in ours, as ns_capable over the initial namespace sees them
	 */
	uint64_t caps = s->cap;
	if (caps && s->same_ns < 0) {
		char path[48];
		struct stat ns;
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		s->same_ns = stat(path, &ns) == 0 && ns.st_dev == S->userns_dev && ns.st_ino == S->userns_ino;
	}
	if (caps && !s->same_ns) caps = 0;
	if (!same_image(s)) return nul;
	napi_value arr;
	napi_create_array_with_length(env, 9 + (size_t)s->ngroups, &arr);
	for (int i = 0; i < 8; i++) napi_set_element(env, arr, (uint32_t)i, num(env, (double)s->ids[i]));
	napi_set_element(env, arr, 8, num(env, (double)(caps & ((1ULL << 53) - 1))));
	for (int i = 0; i < s->ngroups; i++) napi_set_element(env, arr, 9 + (uint32_t)i, num(env, (double)s->groups[i]));
	return arr;
}

NAPI_MODULE_INIT()
{
	struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
		{ "listen", js_listen }, { "stop", js_stop }, { "send", js_send }, { "close", js_close },
		{ "track", js_track }, { "memory", js_memory }, { "writable", js_writable }, { "creds", js_creds },
		{ "alive", js_alive }, { "writeRuns", js_write_runs },
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		napi_value f;
		if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
		    napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
			return NULL;
	}
	return exports;
}
