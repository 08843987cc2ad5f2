/*
 * A C program as kxo's (and the other drivers') users write theirs, run unmodified against a
 * vchardev kernel through the bridge (test/bridge/bridge.test.ts). Each check prints
 * "ok <name>" or "FAIL <name>: why"; the exit status is the number of failures.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nvme_ioctl.h>

#include <vchardev/kxo.h>
#include <vchardev/testbus.h>

#include "check.h"

#define KXO_BOARD KXO_BOARD_TEXT

static int reader_fd;
static volatile ssize_t reader_got = -2;
static volatile int reader_errno;
static void *reader(void *arg)
{
	(void)arg;
	char b[KXO_BOARD];
	reader_got = read(reader_fd, b, KXO_BOARD);
	reader_errno = errno;
	return NULL;
}

/* the opening thread itself blocks in read: its channel is the one the open made */
static volatile int opener_fd = -1;
static void *opener_reader(void *arg)
{
	(void)arg;
	char b[KXO_BOARD];
	int f = open("/dev/kxo", O_RDONLY);
	fcntl(f, F_SETFL, O_NONBLOCK);
	while (read(f, b, KXO_BOARD) > 0) {}
	fcntl(f, F_SETFL, 0);
	opener_fd = f;
	reader_got = read(f, b, KXO_BOARD);
	reader_errno = errno;
	return NULL;
}

static volatile int alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void kxo_checks(void)
{
	/* fopen of a sysfs file, as xo-user's status check does */
	FILE *f = fopen("/sys/module/kxo/initstate", "r");
	char line[32] = "";
	CHECK("fopen-initstate", f && fgets(line, sizeof(line), f) && !strcmp(line, "live\n"), "got '%s'", line);
	if (f) fclose(f);

	/* the device's sysfs directory, listed by scandir (its opendir is inside glibc) and readdir */
	struct dirent **names;
	int nn = scandir("/sys/class/kxo/kxo", &names, NULL, alphasort);
	CHECK("scandir-sysfs", nn == 3 && !strcmp(names[1]->d_name, "kxo_state"), "scandir %d", nn);
	for (int i = 0; i < nn; i++) free(names[i]);
	if (nn > 0) free(names);
	DIR *dir = opendir("/sys/module/kxo");
	int seen = 0;
	for (struct dirent *de; dir && (de = readdir(dir));) seen += !strcmp(de->d_name, "initstate");
	if (dir) closedir(dir);
	CHECK("readdir-module", seen == 1, "initstate seen %d times", seen);

	/* O_DIRECTORY on a file, and opendir of a file: ENOTDIR */
	errno = 0;
	int nd = open("/sys/module/kxo/initstate", O_RDONLY | O_DIRECTORY);
	DIR *fd_dir = opendir("/sys/module/kxo/initstate");
	CHECK("enotdir", nd < 0 && errno == ENOTDIR && !fd_dir, "open %d, opendir %p", nd, (void *)fd_dir);

	/* kxo_state: read, write, read back */
	int s = open("/sys/class/kxo/kxo/kxo_state", O_RDWR);
	char st[8] = "";
	CHECK("kxo_state-read", s >= 0 && read(s, st, 6) == 6 && !memcmp(st, "1 1 0\n", 6), "got '%.6s'", st);
	CHECK("kxo_state-write", s >= 0 && write(s, "1 1 0", 5) == 5, "write");
	if (s >= 0) close(s);

	/* select() on stdin and /dev/kxo, as xo-user's main loop */
	int fd = open("/dev/kxo", O_RDONLY);
	CHECK("open-kxo", fd >= 0, "open");
	fd_set set;
	int n = 0, watch_stdin = 1;
	for (int i = 0; i < 20; i++) {
		FD_ZERO(&set);
		if (watch_stdin) FD_SET(STDIN_FILENO, &set);
		FD_SET(fd, &set);
		struct timeval tv = { .tv_sec = 5 };
		n = select(fd + 1, &set, NULL, NULL, &tv);
		if (n <= 0 || FD_ISSET(fd, &set)) break;
		/* stdin first (a key, or its end): a program reads it and goes on watching the device */
		char key[64];
		if (read(STDIN_FILENO, key, sizeof(key)) <= 0) watch_stdin = 0;
	}
	CHECK("select-kxo", n >= 1 && FD_ISSET(fd, &set), "select returned %d", n);
	char board[KXO_BOARD];
	CHECK("read-board", read(fd, board, KXO_BOARD) == KXO_BOARD && board[0] == '\n' && board[1] == '\n', "read");

	/* poll */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CHECK("poll-kxo", poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "revents 0x%x", p.revents);

	/* O_NONBLOCK: drain, then EAGAIN */
	int nb = fcntl(fd, F_GETFL);
	CHECK("fcntl-setfl", nb >= 0 && fcntl(fd, F_SETFL, nb | O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "flags 0x%x", nb);
	ssize_t r;
	int reads = 0;
	while ((r = read(fd, board, KXO_BOARD)) > 0 && reads < 1000) reads++;
	CHECK("nonblock-eagain", r < 0 && errno == EAGAIN, "read returned %zd", r);

	/* a bad user buffer is EFAULT (copy_to_user into the program fails cleanly) */
	fcntl(fd, F_SETFL, nb);
	errno = 0;
	void *volatile wild = (void *)0x10;
	r = read(fd, wild, KXO_BOARD);
	CHECK("read-efault", r < 0 && errno == EFAULT, "read returned %zd", r);

	/* fork + exec: the child reads a board from the descriptor it inherited */
	pid_t pid = fork();
	if (pid == 0) {
		char arg[16];
		snprintf(arg, sizeof(arg), "%d", fd);
		execl("/proc/self/exe", "client", "child-read", arg, (char *)NULL);
		_exit(99);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK("fork-exec-inherited-fd", WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);

	/* a plain fork: the child reads too, and the parent's fd keeps working after */
	pid = fork();
	if (pid == 0) _exit(read(fd, board, KXO_BOARD) == KXO_BOARD ? 0 : 1);
	waitpid(pid, &status, 0);
	CHECK("fork-child-read", WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	CHECK("parent-after-fork", read(fd, board, KXO_BOARD) == KXO_BOARD, "read");

	/* a signal (a handler without SA_RESTART) interrupts a blocking read and a poll: EINTR */
	int st2 = open("/sys/class/kxo/kxo/kxo_state", O_WRONLY);
	write(st2, "0 1 0", 5); /* display off: no board will come */
	while (fcntl(fd, F_SETFL, nb | O_NONBLOCK) == 0 && read(fd, board, KXO_BOARD) > 0) {}
	fcntl(fd, F_SETFL, nb);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	r = read(fd, board, KXO_BOARD);
	CHECK("read-eintr", r < 0 && errno == EINTR && alarms == 1, "read returned %zd after %d alarms", r, alarms);
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	n = poll(&p, 1, 5000);
	CHECK("poll-eintr", n < 0 && errno == EINTR && alarms == 2, "poll returned %d after %d alarms", n, alarms);
	write(st2, "1 1 0", 5);
	close(st2);

	/* a parent and its child reading the same open file at once each get whole boards */
	pid = fork();
	int bad = 0;
	for (int i = 0; i < 10; i++) {
		char b[KXO_BOARD];
		memset(b, 0, sizeof(b));
		if (read(fd, b, KXO_BOARD) != KXO_BOARD || b[0] != '\n' || b[1] != '\n' || b[KXO_BOARD - 1] != '\n') bad++;
	}
	if (pid == 0) _exit(bad);
	waitpid(pid, &status, 0);
	CHECK("fork-concurrent-reads", bad == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "parent %d bad, child status 0x%x", bad, status);

	/* a descriptor numbered past 4096 is still ours */
	int high = dup2(fd, 5000);
	CHECK("dup2-high-fd", high == 5000 && read(high, board, KXO_BOARD) == KXO_BOARD, "dup2 %d", high);
	if (high >= 0) close(high);

	/* threads: one blocked in read on the fd, another's calls on the same fd go through at once */
	st2 = open("/sys/class/kxo/kxo/kxo_state", O_WRONLY);
	write(st2, "0 1 0", 5);
	while (fcntl(fd, F_SETFL, nb | O_NONBLOCK) == 0 && read(fd, board, KXO_BOARD) > 0) {}
	fcntl(fd, F_SETFL, nb);
	reader_fd = fd;
	pthread_t th;
	pthread_create(&th, NULL, reader, NULL);
	usleep(100000);
	int fl = fcntl(fd, F_GETFL);
	CHECK("thread-call-while-other-reads", fl >= 0 && reader_got == -2, "F_GETFL %d, reader %zd", fl, reader_got);
	write(st2, "1 1 0", 5);
	pthread_join(th, NULL);
	CHECK("thread-read-completes", reader_got == KXO_BOARD, "reader got %zd", reader_got);

	/* close in one thread while another is blocked in read on that descriptor: the read goes on
	 * (a call in progress keeps its file) until a signal interrupts it (EINTR), and the numbers
	 * reused meanwhile (a pipe here) see nothing of it */
	int fd2 = dup(fd);
	write(st2, "0 1 0", 5);
	while (fcntl(fd, F_SETFL, nb | O_NONBLOCK) == 0 && read(fd, board, KXO_BOARD) > 0) {}
	fcntl(fd, F_SETFL, nb);
	reader_fd = fd2;
	reader_got = -2;
	struct sigaction usr = { .sa_handler = on_alarm };
	sigaction(SIGUSR1, &usr, NULL);
	int alarms0 = alarms;
	pthread_create(&th, NULL, reader, NULL);
	usleep(100000);
	int closed = close(fd2);
	int pipefd[2];
	int piped = pipe(pipefd);
	int still = reader_got == -2;
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	write(st2, "1 1 0", 5);
	char left[64];
	int stray = piped == 0 && fcntl(pipefd[0], F_SETFL, O_NONBLOCK) == 0 ? (int)read(pipefd[0], left, sizeof(left)) : -2;
	CHECK("close-while-read", closed == 0 && still && reader_got == -1 && reader_errno == EINTR && alarms == alarms0 + 1 && stray == -1 && errno == EAGAIN,
	      "close %d, blocked %d, reader got %zd (errno %d), pipe read %d", closed, still, reader_got, reader_errno, stray);
	if (piped == 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	/* the same when the blocked thread is the one that opened the file */
	write(st2, "0 1 0", 5);
	reader_got = -2;
	opener_fd = -1;
	alarms0 = alarms;
	pthread_create(&th, NULL, opener_reader, NULL);
	for (int i = 0; i < 200 && opener_fd < 0; i++) usleep(5000);
	usleep(100000);
	closed = close(opener_fd);
	piped = pipe(pipefd);
	still = reader_got == -2;
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	write(st2, "1 1 0", 5);
	stray = piped == 0 && fcntl(pipefd[0], F_SETFL, O_NONBLOCK) == 0 ? (int)read(pipefd[0], left, sizeof(left)) : -2;
	CHECK("close-while-opener-reads", closed == 0 && still && reader_got == -1 && reader_errno == EINTR && alarms == alarms0 + 1 && stray == -1 && errno == EAGAIN,
	      "close %d, blocked %d, reader got %zd (errno %d), pipe read %d", closed, still, reader_got, reader_errno, stray);
	if (piped == 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	close(st2);

	/* dup: the same open file */
	int d = dup(fd);
	CHECK("dup-read", d >= 0 && read(d, board, KXO_BOARD) == KXO_BOARD, "dup %d", d);
	close(d);
	close(fd);
}

static void nvme_checks(void)
{
	int fd = open("/dev/nvme0", O_RDONLY);
	CHECK("open-nvme", fd >= 0, "open");
	static unsigned char id[4096] __attribute__((aligned(4096)));
	struct nvme_admin_cmd c = { .opcode = 0x06, .addr = (uintptr_t)id, .data_len = sizeof(id), .cdw10 = 1 };
	int r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
	char sn[21] = "";
	memcpy(sn, id + 4, 20);
	CHECK("nvme-identify", r == 0 && !strncmp(sn, "VCHARDEV0001", 12), "ioctl %d, sn '%s'", r, sn);
	errno = 0;
	r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, NULL);
	CHECK("ioctl-null-efault", r < 0 && errno == EFAULT, "ioctl %d", r);
	errno = 0;
	r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, (void *)0x7ffdead00000);
	CHECK("ioctl-wild-efault", r < 0 && errno == EFAULT, "ioctl %d", r);
	/* a device writing into a read-only buffer: EFAULT, as get_user_pages(FOLL_WRITE) says */
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct nvme_admin_cmd c2 = { .opcode = 0x06, .addr = (uintptr_t)ro, .data_len = 4096, .cdw10 = 1 };
	errno = 0;
	r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c2);
	CHECK("ioctl-readonly-efault", r < 0 && errno == EFAULT, "ioctl %d", r);
	munmap(ro, 4096);
	CHECK("access-modes", access("/dev/nvme0", R_OK | W_OK) == 0 && access("/dev/nvme0", X_OK) < 0 && errno == EACCES, "access");
	/* a wild data buffer: the command's own pointer faults */
	c.addr = 0x10;
	errno = 0;
	r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
	CHECK("ioctl-wild-data-efault", r < 0 && errno == EFAULT, "ioctl %d", r);
	close(fd);
}

static void qat_checks(void)
{
	int fd = open("/dev/qat_dev_processes", O_RDWR);
	CHECK("open-qat", fd >= 0, "open");
	char name[128];
	memset(name, 0, sizeof(name));
	CHECK("qat-write", write(fd, "SSL", 3) == 0, "write");
	CHECK("qat-read", read(fd, name, sizeof(name)) == 0 && !strcmp(name, "SSL_INT_0"), "name '%s'", name);
	close(fd);
}

static void testbus_checks(void)
{
	int fd = open("/dev/eeprom-0", O_RDWR);
	CHECK("open-eeprom", fd >= 0, "open");
	char out[16] = "hello bridge", in[16] = "";
	struct test_msg msgs[2] = {
		{ .flag = MSG_WR, .len = 12, .buf = (uintptr_t)out },
		{ .flag = MSG_RD, .len = 12, .buf = (uintptr_t)in },
	};
	struct test_ioctl_data data = { .num_msg = 2, .msg = (uintptr_t)msgs };
	int r = ioctl(fd, TEST_RDWR, &data);
	CHECK("test-rdwr", r >= 0, "ioctl %d", r);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child-read")) {
		char board[KXO_BOARD];
		return read(atoi(argv[2]), board, KXO_BOARD) == KXO_BOARD ? 0 : 1;
	}
	/* closes by routes the shim does not see as close(): the file must still go (the test counts) */
	if (argc == 2 && !strcmp(argv[1], "raw-close")) {
		int a = open("/dev/kxo", O_RDONLY), b = open("/dev/nvme0", O_RDONLY);
		syscall(SYS_close, a);
		int n = open("/dev/null", O_RDONLY); /* takes a's number: the shim notices the change */
		char c;
		int r = (int)read(n, &c, 1);
		close_range((unsigned)b, (unsigned)b, 0);
		printf("ready %d %d %d\n", a >= 0 && b >= 0, n == a, r);
		fflush(stdout);
		read(0, &c, 1); /* until the test closes our stdin */
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "kxo")) kxo_checks();
		else if (!strcmp(argv[i], "nvme")) nvme_checks();
		else if (!strcmp(argv[i], "qat")) qat_checks();
		else if (!strcmp(argv[i], "testbus")) testbus_checks();
	}
	return failures;
}
