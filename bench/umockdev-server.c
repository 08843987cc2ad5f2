/*
 * umockdev 0.17 (Debian's libumockdev) serving the bridge bench's client (bench/bridge-client.c):
 * a testbed with /dev/nvme0 and an ioctl handler in C that answers NVMe Identify by writing the
 * 4096 bytes through umockdev's own memory requests. It measures umockdev's transport with the
 * cheapest server there can be, against which bench/bridge.bench.mjs puts the bridge.
 *   usage: umockdev-server <client> <count>
 */
#include <umockdev.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#define NVME_IOCTL_ADMIN_CMD 0xC0484E41UL

static unsigned char identify[4096];
static GMainLoop *loop;
static int client_status = -1;

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer unused)
{
	(void)handler;
	(void)unused;
	if ((unsigned long)umockdev_ioctl_client_get_request(client) != NVME_IOCTL_ADMIN_CMD) return FALSE;
	/* struct nvme_admin_cmd: addr at 24, result at 68 (72 bytes) */
	UMockdevIoctlData *cmd = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0, 72, NULL);
	UMockdevIoctlData *buf = cmd ? umockdev_ioctl_data_resolve(cmd, 24, sizeof(identify), NULL) : NULL;
	if (!buf) {
		umockdev_ioctl_client_complete(client, -1, 14 /* EFAULT */);
	} else {
		memcpy(buf->data, identify, sizeof(identify));
		memset(cmd->data + 68, 0, 4);
		umockdev_ioctl_client_complete(client, 0, 0);
	}
	if (buf) g_object_unref(buf);
	if (cmd) g_object_unref(cmd);
	return TRUE;
}

static void on_client_exit(GPid pid, gint status, gpointer unused)
{
	(void)unused;
	g_spawn_close_pid(pid);
	client_status = status;
	g_main_loop_quit(loop);
}

int main(int argc, char **argv)
{
	if (argc != 3) return fprintf(stderr, "usage: umockdev-server <client> <count>\n"), 2;
	memcpy(identify + 4, "VCHARDEV0001        ", 20);
	UMockdevTestbed *tb = umockdev_testbed_new();
	UMockdevIoctlBase *handler = g_object_new(UMOCKDEV_TYPE_IOCTL_BASE, NULL);
	g_signal_connect(handler, "handle-ioctl", G_CALLBACK(on_ioctl), NULL);
	GError *err = NULL;
	if (!umockdev_testbed_add_from_string(tb,
		"P: /devices/virtual/nvme/nvme0\nN: nvme0\nE: SUBSYSTEM=nvme\nE: DEVNAME=/dev/nvme0\nE: MAJOR=10\nE: MINOR=63\nA: dev=10:63\n", &err) ||
	    !umockdev_testbed_attach_ioctl(tb, "/dev/nvme0", handler, &err)) {
		fprintf(stderr, "umockdev: %s\n", err->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	gchar **env = g_environ_setenv(g_get_environ(), "LD_PRELOAD", "libumockdev-preload.so.0", TRUE);
	char *cargv[] = { argv[1], argv[2], NULL };
	GPid pid;
	if (!g_spawn_async(NULL, cargv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, &pid, &err)) {
		fprintf(stderr, "spawn: %s\n", err->message);
		return 1;
	}
	g_child_watch_add(pid, on_client_exit, NULL);
	g_main_loop_run(loop);
	return client_status == 0 ? 0 : 1;
}
