/*
 * A hostile client of the bridge (test/bridge/hostile.test.ts): each mode tries one way past the
 * bridge's promises and prints one line per attempt, "name value ...". Built dynamically (the
 * preload shim) and statically (the seccomp supervisor).
 *
 *   inherit   a descriptor passed to a child that dropped to nobody: the child speaks the wire
 *             protocol on it itself, naming its parent, and must reach only its own memory
 *   creds     credentials are the caller's at each call: open as root, drop to nobody, open again
 *   protect   reads into memory the program may not write: PROT_NONE, PROT_READ, a const string,
 *             its own code; EFAULT, the memory untouched
 *   pointers  a pointer at or above 2^53 is EFAULT
 *   flood     1100 raw connections: the ones past the per-process bound are refused with EMFILE;
 *             prints "holding" and keeps them until stdin closes
 *   sentids   (root) a process whose ids are not the ones its message carried (as after a setuid
 *             exec while the request waited) acts with the message's, without capabilities
 *   rights    a message passing descriptors (SCM_RIGHTS): the connection is dropped
 *   opencap   opens /dev/kxo (root's, 0600): run inside unshare -Ur by a user who is not root
 *   sync      the calls a block device needs besides read and write (not hostile: both routes)
 *   orphan    a child reads a descriptor it inherited only after its parent, the opener, exited
 *   dotdot    opens with ".." after the kernel's paths: a device is no directory; a class link
 *             goes up from where it points
 *   abi       a system call of the i386 ABI (int 0x80), which a filter of x86-64 numbers would
 *             pass by: "int80 1" where it ran (natively), "int80 -38" where it was refused
 *   signals   the shim under signals: ppoll's mask, select's time left, a 64-bit timeout, and a
 *             handler that dups and closes while the program opens and closes the kernel's files
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* the wire, as a client that does not use the shim's header writes it */
struct req {
	uint32_t op, pid;
	uint64_t a, b, c, auth;
	uint32_t len, pad;
};
struct rep {
	int64_t ret;
	uint64_t a;
	uint32_t len, pad;
};
enum { OP_READ = 4, OP_PREAD = 6, OP_PWRITE = 7 };

#define DISK "/dev/nvme0n1"

static long long raw_call(int s, struct req q)
{
	struct rep r;
	if (send(s, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t)sizeof(q)) return -10000;
	if (recv(s, &r, sizeof(r), MSG_WAITALL) != (ssize_t)sizeof(r)) return -10001;
	return r.ret;
}

static int inherit(void)
{
	const char secret[] = "PARENT-SECRET";
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char disk[4096], zero[4096] = { 0 };
	int fd = open(DISK, O_RDWR);
	if (fd < 0 || page == MAP_FAILED) return printf("open %d\n", -errno), 1;
	/* sector 8 holds "DISKDATA", sector 0 zeros */
	memset(disk, 0, sizeof(disk));
	strcpy(disk, "DISKDATA");
	if (pwrite(fd, disk, 4096, 4096) != 4096 || pwrite(fd, zero, 4096, 0) != 4096) return printf("setup %d\n", -errno), 1;
	int go[2];
	if (pipe(go)) return 1;
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1) _exit(3);
		if (getuid() == 0 && setresuid(65534, 65534, 65534)) _exit(4);
		/* the descriptor is the socket: speak on it directly, naming the parent and its page */
		struct req w = { .op = OP_PWRITE, .pid = (uint32_t)parent, .a = (uintptr_t)page, .b = 4096, .c = 0, .auth = (uintptr_t)page };
		long long rw = raw_call(fd, w);
		struct req r = { .op = OP_PREAD, .pid = (uint32_t)parent, .a = (uintptr_t)page, .b = 4096, .c = 4096, .auth = (uintptr_t)page };
		long long rr = raw_call(fd, r);
		/* the read landed in our own copy of the page */
		printf("child-pwrite %lld\nchild-pread %lld\nchild-got %s\n", rw, rr, page);
		fflush(stdout);
		_exit(0);
	}
	/* after the fork: the secret is in the parent's page only */
	memcpy(page, secret, sizeof(secret));
	if (write(go[1], "x", 1) != 1) return 1;
	int status;
	waitpid(child, &status, 0);
	char back[4096];
	if (pread(fd, back, 4096, 0) != 4096) return printf("readback %d\n", -errno), 1;
	printf("disk-has-secret %d\n", memmem(back, sizeof(back), secret, sizeof(secret) - 1) != NULL);
	printf("parent-page %s\n", page);
	return 0;
}

static int creds(void)
{
	int fd = open("/dev/kxo", O_RDONLY);
	printf("open-as-root %d\n", fd < 0 ? -errno : 0);
	if (fd >= 0) close(fd);
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) return printf("drop %d\n", -errno), 1;
	fd = open("/dev/kxo", O_RDONLY);
	printf("open-as-nobody %d\n", fd < 0 ? -errno : 0);
	return 0;
}

static const char constant[4096] __attribute__((aligned(4096))) = "CONSTANT";

static void try_read(const char *name, int fd, void *at, int readable)
{
	char before[512];
	if (readable) memcpy(before, at, sizeof(before));
	errno = 0;
	ssize_t r = pread(fd, at, sizeof(before), 4096);
	int e = errno;
	printf("%s %zd %d %d\n", name, r, r < 0 ? -e : 0, readable ? !memcmp(before, at, sizeof(before)) : 1);
}

static int protect(void)
{
	int fd = open(DISK, O_RDWR);
	if (fd < 0) return printf("open %d\n", -errno), 1;
	char disk[4096] = "DISKDATA";
	if (pwrite(fd, disk, 4096, 4096) != 4096) return printf("setup %d\n", -errno), 1;
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(ro, 'R', 4096);
	mprotect(ro, 4096, PROT_READ);
	try_read("prot-none", fd, none, 0);
	try_read("prot-read", fd, ro, 1);
	try_read("const", fd, (void *)constant, 1);
	try_read("code", fd, (void *)(uintptr_t)&protect, 1);
	/* a device writing into a read-only buffer (get_user_pages for writing): NVMe Identify */
	int ctrl = open("/dev/nvme0", O_RDWR);
	struct nvme_admin_cmd cmd = { .opcode = 0x06, .addr = (uintptr_t)ro, .data_len = 4096, .cdw10 = 1 };
	errno = 0;
	int r = ioctl(ctrl, NVME_IOCTL_ADMIN_CMD, &cmd);
	printf("identify-into-prot-read %d %d %d\n", r, r < 0 ? -errno : 0, ro[0] == 'R' && ro[4095] == 'R');
	/* and a writable one still works */
	char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cmd.addr = (uintptr_t)rw;
	printf("identify-into-rw %d\n", ioctl(ctrl, NVME_IOCTL_ADMIN_CMD, &cmd));
	printf("pread-into-rw %zd %.8s\n", pread(fd, rw, 512, 4096), rw);
	return 0;
}

static int pointers(void)
{
	int kxo = open("/dev/kxo", O_RDONLY);
	int ctrl = open("/dev/nvme0", O_RDWR);
	errno = 0;
	ssize_t r = read(kxo, (void *)-1, 66);
	printf("read-minus-one %zd %d\n", r, r < 0 ? -errno : 0);
	errno = 0;
	int i = ioctl(ctrl, NVME_IOCTL_ADMIN_CMD, (void *)0xffff888000000000ULL);
	printf("ioctl-kernel-address %d %d\n", i, i < 0 ? -errno : 0);
	errno = 0;
	struct nvme_admin_cmd cmd = { .opcode = 0x06, .addr = 0xffffffffffff0000ULL, .data_len = 4096, .cdw10 = 1 };
	i = ioctl(ctrl, NVME_IOCTL_ADMIN_CMD, &cmd);
	printf("identify-to-kernel-address %d %d\n", i, i < 0 ? -errno : 0);
	return 0;
}

static int raw_connect(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t status = -99999;
	strncpy(sa.sun_path, getenv("VCHARDEV_SOCK"), sizeof(sa.sun_path) - 1);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) || recv(s, &status, 8, MSG_WAITALL) != 8 || status) exit(5);
	return s;
}

/* OPEN path on a new connection, the message carrying the given ids (or none) and descriptors */
static long long raw_open(const char *path, int claim, uid_t uid, gid_t gid, int pass_fd)
{
	int s = raw_connect();
	struct req q = { .op = 1, .len = (uint32_t)strlen(path) };
	char msg[sizeof(q) + 256];
	memcpy(msg, &q, sizeof(q));
	memcpy(msg + sizeof(q), path, q.len);
	union {
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec iov = { msg, sizeof(q) + q.len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = 0 };
	struct cmsghdr *h = (struct cmsghdr *)ctl.space;
	if (claim) {
		struct ucred cr = { getpid(), uid, gid };
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_CREDENTIALS;
		h->cmsg_len = CMSG_LEN(sizeof(cr));
		memcpy(CMSG_DATA(h), &cr, sizeof(cr));
		m.msg_controllen += CMSG_SPACE(sizeof(cr));
		h = (struct cmsghdr *)(ctl.space + CMSG_SPACE(sizeof(cr)));
	}
	if (pass_fd >= 0) {
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &pass_fd, sizeof(int));
		m.msg_controllen += CMSG_SPACE(sizeof(int));
	}
	if (!m.msg_controllen) m.msg_control = NULL;
	if (sendmsg(s, &m, MSG_NOSIGNAL) < 0) return -10000 - errno;
	struct rep r;
	ssize_t got = recv(s, &r, sizeof(r), MSG_WAITALL);
	close(s);
	return got == (ssize_t)sizeof(r) ? r.ret : -20000;
}

static int sentids(void)
{
	/* real and saved ids nobody's, effective root's: a message may carry either */
	if (setresgid(65534, 0, 0) || setresuid(65534, 0, 0)) return printf("ids %d\n", -errno), 1;
	printf("sent-as-root %lld\n", raw_open("/dev/kxo", 1, 0, 0, -1));
	/* sent as nobody, handled while the process is root: it acts as nobody */
	printf("sent-as-nobody %lld\n", raw_open("/dev/kxo", 1, 65534, 65534, -1));
	return 0;
}

static int rights(void)
{
	int devnull = open("/dev/null", O_RDONLY);
	printf("plain %lld\n", raw_open("/sys/class/kxo/kxo/kxo_state", 0, 0, 0, -1));
	/* the server drops the connection: no reply */
	printf("with-fd %lld\n", raw_open("/sys/class/kxo/kxo/kxo_state", 0, 0, 0, devnull));
	return 0;
}

static int opencap(void)
{
	int fd = open("/dev/kxo", O_RDONLY);
	printf("uid %d open %d\n", (int)getuid(), fd < 0 ? -errno : 0);
	return 0;
}

/* prints "name result -errno" (the errno read after the call) */
#define SHOW(name, call)                                      \
	do {                                                   \
		errno = 0;                                     \
		long r_ = (long)(call);                        \
		int e_ = errno;                                \
		printf("%s %ld %d\n", name, r_, r_ < 0 ? -e_ : 0); \
	} while (0)

static int sync_calls(void)
{
	int fd = open(DISK, O_RDWR);
	if (fd < 0) return printf("open %d\n", -errno), 1;
	char block[4096] = "SYNCED";
	printf("pwrite %zd\n", pwrite(fd, block, sizeof(block), 0));
	SHOW("fsync", fsync(fd));
	SHOW("fdatasync", fdatasync(fd));
	SHOW("sync_file_range", sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE));
	SHOW("syncfs", syncfs(fd));
	/* posix_fadvise returns the error number itself */
	printf("posix_fadvise %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	printf("posix_fadvise-bad %d\n", posix_fadvise(fd, 0, 0, 99));
	SHOW("fallocate", fallocate(fd, 0, 0, 4096));
	int chr = open("/dev/nvme0", O_RDWR);
	SHOW("fsync-chr", fsync(chr));
	return 0;
}

static volatile sig_atomic_t usr1;
static void on_usr1(int sig)
{
	(void)sig;
	usr1 = 1;
}
static volatile long handled;
static void on_alarm(int sig)
{
	(void)sig;
	/* both are async-signal-safe, and the shim's must be too */
	int fd = dup(2);
	if (fd >= 0) close(fd);
	handled++;
}

static int signals(void)
{
	int kxo = open("/dev/kxo", O_RDONLY);
	if (kxo < 0) return printf("open %d\n", -errno), 1;
	/* ppoll: SIGUSR1 blocked and pending; the mask unblocks it for the wait alone: EINTR at once,
	 * however long the (64-bit) timeout; POLLPRI is never ready on kxo */
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, unblock;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &unblock);
	sigdelset(&unblock, SIGUSR1);
	kill(getpid(), SIGUSR1);
	struct pollfd p = { .fd = kxo, .events = POLLPRI };
	struct timespec forever = { (time_t)1 << 40, 0 };
	errno = 0;
	int r = ppoll(&p, 1, &forever, &unblock);
	printf("ppoll-mask %d %d %d\n", r, r < 0 ? -errno : 0, (int)usr1);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	/* select writes back the time it did not sleep: kxo has a board within its delay */
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(kxo, &rd);
	struct timeval tv = { 5, 0 };
	r = select(kxo + 1, &rd, NULL, NULL, &tv);
	long left = tv.tv_sec * 1000000L + tv.tv_usec;
	printf("select-left %d %d\n", r, left > 0 && left < 5000000L);
	/* a handler that dups and closes, often, while this thread opens and closes files of ours */
	struct sigaction al = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &al, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int ok = 0;
	for (int i = 0; i < 1000; i++) {
		int fd = open("/sys/class/kxo/kxo/kxo_state", O_RDONLY);
		if (fd >= 0) ok++, close(fd);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("opens-under-signals %d %d\n", ok, handled > 0);
	return 0;
}

static int orphan(void)
{
	int kxo = open("/dev/kxo", O_RDONLY);
	if (kxo < 0) return printf("open %d\n", -errno), 1;
	if (fork() == 0) {
		/* the parent is gone by then (the test waits for our output, not for it) */
		while (getppid() != 1 && kill(getppid(), 0) == 0) usleep(10000);
		char board[66];
		errno = 0;
		ssize_t n = read(kxo, board, sizeof(board));
		printf("orphan-read %zd %d\n", n, n < 0 ? -errno : 0);
		_exit(0);
	}
	return 0;
}

static int dotdot(void)
{
	errno = 0;
	int fd = open("/dev/kxo/../kxo", O_RDONLY);
	printf("device-dotdot %d\n", fd < 0 ? -errno : 0);
	fd = open("/sys/class/kxo/kxo/../kxo/kxo_state", O_RDONLY);
	char buf[16] = "";
	ssize_t n = fd < 0 ? -errno : read(fd, buf, sizeof(buf) - 1);
	printf("class-dotdot %zd %s", n, n > 0 ? buf : "\n");
	return 0;
}

static int abi(void)
{
	long r;
	/* i386's getpid is 20 (x86-64's 20 is writev) */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	printf("int80 %ld\n", r > 0 ? 1L : r);
	return 0;
}

static int flood(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	int ok = 0, refused = 0, why = 0;
	for (int i = 0; i < 1100; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strncpy(sa.sun_path, getenv("VCHARDEV_SOCK"), sizeof(sa.sun_path) - 1);
		int64_t status = -99999;
		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) || recv(s, &status, 8, MSG_WAITALL) != 8) {
			printf("connect %d %d\n", i, -errno);
			return 1;
		}
		if (status == 0) ok++;
		else {
			refused++;
			why = (int)status;
			close(s);
		}
	}
	printf("flood %d %d %d\nholding\n", ok, refused, why);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0) {}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "inherit")) return inherit();
	if (!strcmp(mode, "creds")) return creds();
	if (!strcmp(mode, "protect")) return protect();
	if (!strcmp(mode, "pointers")) return pointers();
	if (!strcmp(mode, "flood")) return flood();
	if (!strcmp(mode, "sentids")) return sentids();
	if (!strcmp(mode, "rights")) return rights();
	if (!strcmp(mode, "opencap")) return opencap();
	if (!strcmp(mode, "sync")) return sync_calls();
	if (!strcmp(mode, "signals")) return signals();
	if (!strcmp(mode, "orphan")) return orphan();
	if (!strcmp(mode, "abi")) return abi();
	if (!strcmp(mode, "dotdot")) return dotdot();
	fprintf(stderr, "usage: hostile inherit|creds|protect|pointers|flood|sentids|rights|opencap|sync|signals|orphan|abi|dotdot\n");
	return 2;
}
