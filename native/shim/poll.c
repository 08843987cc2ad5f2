/* poll, ppoll, select and pselect over the kernel's files and the host's together */
#include "shim.h"

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
