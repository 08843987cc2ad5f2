/*
 * A hostile client of the bridge's socket (test/bridge/bridge.test.ts): it speaks the protocol
 * itself, asks to act for another process (OP_ACTFOR), or floods requests. Prints one line per
 * attempt. (test/bridge/hostile.c has the rest.)
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
	uint32_t op, rsvd;
	uint64_t a, b, c, rsvd2;
	uint32_t len, pad;
};
struct rep {
	int64_t ret;
	uint64_t a;
	uint32_t len, pad;
};

static int conn(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t status = -1;
	strncpy(sa.sun_path, getenv("VCHARDEV_SOCK"), sizeof(sa.sun_path) - 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) || recv(s, &status, 8, MSG_WAITALL) != 8 || status) exit(2);
	return s;
}

/* OPEN /dev/kxo */
static long long open_kxo(void)
{
	int s = conn();
	const char *path = "/dev/kxo";
	struct req q = { .op = 1, .len = (uint32_t)strlen(path) };
	struct rep r = { .ret = 1 };
	send(s, &q, sizeof(q), 0);
	send(s, path, strlen(path), 0);
	if (recv(s, &r, sizeof(r), MSG_WAITALL) != sizeof(r)) r.ret = -9999;
	close(s);
	return r.ret;
}

/* on one connection: ACTFOR `who`, then OPEN /dev/kxo (for `who` when accepted) */
static long long act_for(uint32_t who)
{
	int s = conn();
	struct req q = { .op = 17, .a = who };
	struct rep r = { .ret = 1 };
	send(s, &q, sizeof(q), 0);
	if (recv(s, &r, sizeof(r), MSG_WAITALL) != sizeof(r)) r.ret = -9999;
	if (r.ret == 0) {
		const char *path = "/dev/kxo";
		struct req o = { .op = 1, .len = (uint32_t)strlen(path) };
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
	printf("honest %lld\n", open_kxo());
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
	struct req q = { .op = 9 };
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
