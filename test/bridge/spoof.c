/*
 * A hostile client of the bridge's socket (test/bridge/bridge.test.ts): it speaks the protocol
 * itself and claims another pid, a wrong nonce, or floods requests. Prints one line per attempt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

static unsigned char nonce[16], wrong[16];

static int conn(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strncpy(sa.sun_path, getenv("VCHARDEV_SOCK"), sizeof(sa.sun_path) - 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) || recv(s, nonce, 16, MSG_WAITALL) != 16) exit(2);
	return s;
}

/* OPEN /dev/kxo claiming `pid`, with the nonce at `auth` */
static long long open_as(uint32_t pid, const void *auth)
{
	int s = conn();
	const char *path = "/dev/kxo";
	struct req q = { .op = 1, .pid = pid, .a = 0, .auth = (uintptr_t)auth, .len = (uint32_t)strlen(path) };
	struct rep r = { .ret = 1 };
	send(s, &q, sizeof(q), 0);
	send(s, path, strlen(path), 0);
	if (recv(s, &r, sizeof(r), MSG_WAITALL) != sizeof(r)) r.ret = -9999;
	close(s);
	return r.ret;
}

/* on one connection: ACTFOR `who` (proven by our nonce), then OPEN /dev/kxo naming `who` */
static long long act_for(uint32_t who)
{
	int s = conn();
	struct req q = { .op = 17, .pid = (uint32_t)getpid(), .a = who, .auth = (uintptr_t)nonce };
	struct rep r = { .ret = 1 };
	send(s, &q, sizeof(q), 0);
	if (recv(s, &r, sizeof(r), MSG_WAITALL) != sizeof(r)) r.ret = -9999;
	if (r.ret == 0) {
		const char *path = "/dev/kxo";
		struct req o = { .op = 1, .pid = who, .len = (uint32_t)strlen(path) };
		send(s, &o, sizeof(o), 0);
		send(s, path, strlen(path), 0);
		if (recv(s, &r, sizeof(r), MSG_WAITALL) != sizeof(r)) r.ret = -9999;
	}
	close(s);
	return r.ret;
}

/* a child that waits to be killed */
static pid_t sleeper(void)
{
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	usleep(100000);
	return c;
}

int main(int argc, char **argv)
{
	uint32_t server = (uint32_t)getppid();
	if (argc > 1) server = (uint32_t)atoi(argv[1]);
	/* the nonce is ours, but the pid is the server's: refused */
	printf("as-server %lld\n", open_as(server, nonce));
	/* our pid, a wrong nonce: refused */
	memset(wrong, 0x5a, sizeof(wrong));
	printf("wrong-nonce %lld\n", open_as((uint32_t)getpid(), wrong));
	/* our pid, the address of nothing: refused */
	printf("no-nonce %lld\n", open_as((uint32_t)getpid(), (void *)0x10));
	/* our pid and our nonce: accepted */
	printf("honest %lld\n", open_as((uint32_t)getpid(), nonce));
	/* acting for another process (the seccomp supervisor's OP_ACTFOR): only for a descendant with
	 * our credentials that ptrace could reach anyway */
	printf("actfor-server %lld\n", act_for(server));
	/* (whether the child is dumpable is checked too, but as root every /proc/<pid> is root's: a
	 * root sender is not told apart, nor need it be) */
	pid_t kid = sleeper();
	printf("actfor-child %lld\n", act_for((uint32_t)kid));
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	/* a flood that never reads a reply: the server drops the connection */
	int s = conn();
	struct req q = { .op = 9, .pid = (uint32_t)getpid(), .auth = (uintptr_t)nonce };
	int sent = 0;
	for (int i = 0; i < 100000; i++) {
		if (send(s, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q)) break;
		sent++;
	}
	char sink[4096];
	ssize_t n;
	long long total = 0;
	while ((n = recv(s, sink, sizeof(sink), 0)) > 0) total += n;
	printf("flood dropped %d\n", n <= 0 && sent < 100000 ? 1 : (n <= 0 ? 1 : 0));
	return 0;
}
