/* the working directory in the kernel's tree: chdir, fchdir, getcwd, and execve passing it on */
#include "shim.h"

/* ---- the working directory ---- */

static void set_vcwd(const char *norm)
{
	pthread_mutex_lock(&cwd_lock);
	int was = vcwd_on;
	if (norm) strcpy(vcwd, norm);
	vcwd_on = norm != NULL;
	pthread_mutex_unlock(&cwd_lock);
	if (norm) setenv("VCHARDEV_CWD", norm, 1);
	else if (was) unsetenv("VCHARDEV_CWD");
}

/*
 * The real working directory while ours is virtual: a directory made and removed at once, so
 * the calls the shim does not wrap (mkdir, unlink, rename with relative paths) fail with ENOENT
 * instead of acting on the directory the program left, and a program exec'd from here can tell
 * that VCHARDEV_CWD is current (getcwd fails with ENOENT only in such a directory).
 */
static void park_real_cwd(void)
{
	char probe[8];
	if (!real_getcwd(probe, sizeof(probe)) && errno == ENOENT) return; /* parked already */
	char dir[] = "/tmp/vchardev-cwd-XXXXXX";
	if (!mkdtemp(dir)) return;
	if (real_chdir(dir) == 0) rmdir(dir);
	else rmdir(dir);
}

/* into a directory of ours: remembered here (ENOTDIR for a file, the kernel's errno if absent) */
static int vchdir(const char *norm)
{
	struct vstat v;
	int64_t r = path_call(OP_STAT, norm, 1, NULL, &v, sizeof(v));
	if (r < 0) return fail(r);
	if ((v.mode & S_IFMT) != S_IFDIR) return fail(-ENOTDIR);
	char clean[PATH_MAX];
	size_t n = strlen(norm);
	memcpy(clean, norm, n + 1);
	if (n > 1 && clean[n - 1] == '/') clean[n - 1] = 0;
	park_real_cwd();
	set_vcwd(clean);
	return 0;
}

int chdir(const char *path)
{
	init_real();
	char norm[PATH_MAX], hostbuf[PATH_MAX];
	if (!path) return real_chdir(path);
	if (ours(path, norm)) return vchdir(norm);
	int r = real_chdir(HOST(path));
	if (r == 0) set_vcwd(NULL);
	return r;
}

int fchdir(int fd)
{
	init_real();
	if (virt(fd)) {
		struct vfd *e = known(fd);
		char path[PATH_MAX];
		pthread_mutex_lock(&table_lock);
		int ok = e && e->path && strlen(e->path) < sizeof(path);
		if (ok) strcpy(path, e->path);
		pthread_mutex_unlock(&table_lock);
		return ok ? vchdir(path) : fail(-ENOTDIR);
	}
	int r = real_fchdir(fd);
	if (r == 0) set_vcwd(NULL);
	return r;
}

char *getcwd(char *buf, size_t size)
{
	init_real();
	char cur[PATH_MAX];
	pthread_mutex_lock(&cwd_lock);
	int on = vcwd_on;
	if (on) strcpy(cur, vcwd);
	pthread_mutex_unlock(&cwd_lock);
	if (!on) return real_getcwd(buf, size);
	size_t n = strlen(cur) + 1;
	/* glibc's extension: no buffer asks for one of the size given, or of the path's */
	if (!buf) {
		if (size && size < n) {
			errno = ERANGE;
			return NULL;
		}
		buf = malloc(size ? size : n);
		if (!buf) {
			errno = ENOMEM;
			return NULL;
		}
	} else if (size < n) {
		errno = size ? ERANGE : EINVAL;
		return NULL;
	}
	memcpy(buf, cur, n);
	return buf;
}

/*
 * A shell passes its own environment to execve, not environ: the working directory of ours goes
 * with it (and a stale one is dropped), so `cd /sys/class/kxo/kxo && cat kxo_state` works.
 */
int execve(const char *path, char *const argv[], char *const envp[])
{
	/*
	 * no malloc here: after vfork the child shares the parent's heap; and a small stack only
	 * (posix_spawn's child runs on one of a few pages): an environment of more than 256
	 * variables goes as it is, without our working directory
	 */
	char hostbuf[PATH_MAX];
	size_t n = 0;
	while (envp && envp[n]) n++;
	if (n > 256) return real_execve(HOST(path), argv, envp);
	char *env[256 + 2];
	char mine[sizeof("VCHARDEV_CWD=") + PATH_MAX];
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "VCHARDEV_CWD=", 13)) env[o++] = envp[i];
	pthread_mutex_lock(&cwd_lock);
	if (vcwd_on) {
		snprintf(mine, sizeof(mine), "VCHARDEV_CWD=%s", vcwd);
		env[o++] = mine;
	}
	pthread_mutex_unlock(&cwd_lock);
	env[o] = NULL;
	return real_execve(HOST(path), argv, env);
}

/* the fortified getcwd (_FORTIFY_SOURCE) */
char *__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen) abort();
	return getcwd(buf, size);
}
