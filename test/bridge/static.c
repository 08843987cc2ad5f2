/*
 * Built with `cc -static`: no dynamic loader, so no preload shim. It runs under the seccomp
 * supervisor (native/vchardev-seccomp.c) and must still reach the kernel. Each check prints
 * "ok <name>" or "FAIL <name>: why"; the exit status is the number of failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nvme_ioctl.h>

#include "check.h"


/* two threads calling on one file at once: each must get its own answers */
static int shared_fd;
static volatile int mixed;
static void *getfl_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		if (fcntl(shared_fd, F_GETFL) != O_RDWR) mixed++;
	return NULL;
}

static volatile int alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child-read")) {
		char b[66];
		return read(atoi(argv[2]), b, sizeof(b)) == (ssize_t)sizeof(b) ? 0 : 1;
	}
	char line[64] = { 0 };
	FILE *f = fopen("/sys/module/kxo/initstate", "r");
	CHECK("fopen-initstate", f && fgets(line, sizeof(line), f) && !strcmp(line, "live\n"), "got '%s'", line);
	if (f) fclose(f);

	int fd = open("/dev/kxo", O_RDONLY);
	struct stat st;
	CHECK("fstat-kxo", fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "open %d", fd);
	struct stat ps;
	CHECK("stat-path", stat("/dev/kxo", &ps) == 0 && S_ISCHR(ps.st_mode) && ps.st_rdev == st.st_rdev, "stat");
	char board[66];
	CHECK("read-board", read(fd, board, sizeof(board)) == (ssize_t)sizeof(board) && board[0] == '\n', "read");
	void *volatile bad = (void *)16;
	CHECK("read-efault", read(fd, bad, sizeof(board)) < 0 && errno == EFAULT, "read");

	int s = open("/sys/class/kxo/kxo/kxo_state", O_RDWR);
	char state[8] = { 0 };
	CHECK("kxo_state", s >= 0 && read(s, state, 6) == 6 && write(s, "1 1 0", 5) == 5, "got '%s'", state);
	if (s >= 0) close(s);

	/* O_NONBLOCK through fcntl, and a signal ending a read blocked in the kernel (EINTR) */
	int st2 = open("/sys/class/kxo/kxo/kxo_state", O_WRONLY);
	write(st2, "0 1 0", 5);
	int fl = fcntl(fd, F_GETFL);
	CHECK("fcntl-nonblock", fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "flags 0x%x", fl);
	while (read(fd, board, sizeof(board)) > 0) {}
	CHECK("nonblock-eagain", read(fd, board, sizeof(board)) < 0 && errno == EAGAIN, "read");
	fcntl(fd, F_SETFL, fl);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	ssize_t got = read(fd, board, sizeof(board));
	CHECK("read-eintr", got < 0 && errno == EINTR && alarms == 1, "read returned %zd after %d alarms", got, alarms);
	write(st2, "1 1 0", 5);
	close(st2);

	/* fork + exec of ourselves with the descriptor: the filter and the file go along */
	pid_t c = fork();
	if (c == 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", fd);
		execl("/proc/self/exe", argv[0], "child-read", num, (char *)NULL);
		_exit(127);
	}
	int status = -1;
	waitpid(c, &status, 0);
	CHECK("fork-exec-read", WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	close(fd);

	int nv = open("/dev/nvme0", O_RDWR);
	static unsigned char id[4096];
	struct nvme_admin_cmd cmd = { .opcode = 6, .addr = (uintptr_t)id, .data_len = sizeof(id), .cdw10 = 1 };
	int r = ioctl(nv, NVME_IOCTL_ADMIN_CMD, &cmd);
	CHECK("nvme-identify", r == 0 && !memcmp(id + 4, "VCHARDEV0001", 12), "ioctl %d", r);
	r = ioctl(nv, NVME_IOCTL_ADMIN_CMD, NULL);
	CHECK("ioctl-null-efault", r < 0 && errno == EFAULT, "ioctl %d", r);
	close(nv);

	/* threads on one file, readv, epoll (refused, as for a regular file), poll, access */
	shared_fd = open("/dev/nvme0", O_RDWR);
	pthread_t th;
	pthread_create(&th, NULL, getfl_loop, NULL);
	for (int i = 0; i < 100; i++) {
		struct stat ns;
		if (fstat(shared_fd, &ns) || !S_ISCHR(ns.st_mode)) mixed++;
	}
	pthread_join(th, NULL);
	CHECK("threads-one-file", mixed == 0, "%d answers went astray", mixed);
	close(shared_fd);
	int is = open("/sys/module/kxo/initstate", O_RDONLY);
	char p1[2], p2[10] = { 0 };
	struct iovec iov[2] = { { p1, sizeof(p1) }, { p2, sizeof(p2) } };
	ssize_t rv = readv(is, iov, 2);
	CHECK("readv", rv == 5 && !memcmp(p1, "li", 2) && !memcmp(p2, "ve\n", 3), "readv %zd", rv);
	close(is);
	int kx = open("/dev/kxo", O_RDONLY);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK("epoll-eperm", epoll_ctl(ep, EPOLL_CTL_ADD, kx, &ev) < 0 && errno == EPERM, "epoll_ctl");
	/* the descriptor is a device to the program: no socket calls, no splicing raw bytes into it */
	char raw[48] = { 0 };
	CHECK("sendto-enotsock", send(kx, raw, sizeof(raw), 0) < 0 && errno == ENOTSOCK, "send");
	int hf = open("/proc/self/status", O_RDONLY);
	CHECK("sendfile-einval", sendfile(kx, hf, NULL, 16) < 0 && errno == EINVAL, "sendfile");
	close(hf);
	struct pollfd pfd[2] = { { kx, POLLIN, 0 }, { ep, POLLIN, 0 } };
	int pr = poll(pfd, 2, 3000);
	CHECK("poll", pr == 1 && (pfd[0].revents & POLLIN) && !pfd[1].revents, "poll %d revents 0x%x 0x%x", pr, pfd[0].revents, pfd[1].revents);
	/* select, as kxo's own xo-user waits on stdin and /dev/kxo */
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(kx, &rd);
	struct timeval tv = { .tv_sec = 3 };
	int sr = select(kx + 1, &rd, NULL, NULL, &tv);
	CHECK("select", sr == 1 && FD_ISSET(kx, &rd), "select %d", sr);
	close(ep);
	close(kx);
	/* (root: read and write always, execute only with an x bit; the test runs as root) */
	int acc = access("/sys/class/kxo/kxo/kxo_state", W_OK);
	int noexec = access("/sys/module/kxo/initstate", X_OK) < 0 && errno == EACCES;
	int none = access("/sys/module/kxo/nope", F_OK) < 0 && errno == ENOENT;
	CHECK("access", acc == 0 && (getuid() != 0 || noexec) && none, "access %d, X_OK refused %d, ENOENT %d", acc, noexec, none);

	/* the host's files are untouched by the filter */
	int h = open("/proc/self/status", O_RDONLY);
	CHECK("host-file", h >= 0 && read(h, line, 5) == 5 && !memcmp(line, "Name:", 5), "open %d", h);
	return failures;
}
