/* asm_sandbox.c - run GNU as/ld/objcopy/nm on scenario text (asm_internal.h).
 *
 * Each tool runs
 *   - in DIR/cwd, an empty directory inside a fresh mkdtemp() directory
 *     (0700), so a relative path in the text finds nothing;
 *   - with stdin from /dev/null, stdout/stderr to files in DIR and no other
 *     descriptor (close_range() before exec);
 *   - with the environment LC_ALL=C, PATH=/usr/bin:/bin, TMPDIR=DIR (and
 *     LD_LIBRARY_PATH when hvsim has one, for binutils built elsewhere);
 *   - in its own process group, with RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE,
 *     RLIMIT_NOFILE and no core dumps, and a wall-clock limit after which the
 *     whole group is killed.
 * From asm_sandbox_begin() to asm_sandbox_end() SIGINT, SIGTERM and SIGHUP
 * (those not ignored) are blocked and taken with sigtimedwait() while a tool
 * runs: the group is killed, reaped, the directory removed, and the signal
 * raised again at the end, so Ctrl-C during assembly leaves no orphaned `as`
 * and no /tmp/hvsim-asm-* behind.  The fork child only makes
 * async-signal-safe calls (everything is prepared before fork()). */
#define _GNU_SOURCE
#include "sim/loader/asm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ tools */

static int fill_identity(struct asm_tool *t)
{
	struct stat st;
	if (stat(t->path, &st) < 0) {
		t->err = errno;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		t->err = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		return -1;
	}
	if (access(t->path, X_OK) < 0) {
		t->err = errno;
		return -1;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->size = st.st_size;
	t->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	t->ctime_ns = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	return 0;
}

int asm_tool_resolve(struct asm_tool *t)
{
	t->err = 0;
	t->path[0] = 0;
	if (!t->name || !*t->name) {
		t->err = ENOENT;
		return -1;
	}
	char cand[PATH_MAX + 256];
	if (strchr(t->name, '/')) {
		snprintf(cand, sizeof cand, "%s", t->name);
	} else {
		const char *path = getenv("PATH");
		if (!path || !*path)
			path = "/usr/bin:/bin";
		bool found = false;
		int first_err = ENOENT;
		for (const char *p = path; !found;) {
			const char *e = strchr(p, ':');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			snprintf(cand, sizeof cand, "%.*s/%s", n ? (int)n : 1, n ? p : ".", t->name);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				found = true;
			else if (errno == EACCES)
				first_err = EACCES;
			if (!e)
				break;
			p = e + 1;
		}
		if (!found) {
			t->err = first_err;
			return -1;
		}
	}
	/* absolute: the tools run in another directory */
	char *real = realpath(cand, NULL);
	if (!real) {
		t->err = errno;
		return -1;
	}
	snprintf(t->path, sizeof t->path, "%s", real);
	free(real);
	return fill_identity(t);
}

/* ------------------------------------------------------------ sandbox */

void asm_sandbox_path(const struct asm_sandbox *sb, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", sb->dir, name);
}

static const int taken_signals[] = { SIGINT, SIGTERM, SIGHUP };

int asm_sandbox_begin(struct asm_sandbox *sb, char *err, size_t errsize)
{
	memset(sb, 0, sizeof *sb);
	sigemptyset(&sb->waitset);
	sigaddset(&sb->waitset, SIGCHLD);
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	for (size_t i = 0; i < sizeof taken_signals / sizeof taken_signals[0]; i++) {
		struct sigaction old;
		if (sigaction(taken_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;               /* ignored stays ignored */
		if (sigismember(&cur, taken_signals[i]))
			continue;               /* the caller blocks it: not ours to take */
		sigaddset(&sb->waitset, taken_signals[i]);
	}
	pthread_sigmask(SIG_BLOCK, &sb->waitset, &sb->oldmask);
	sb->blocked = true;

	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(sb->dir, sizeof sb->dir, "%s/hvsim-asm-XXXXXX", tmp);
	if (!mkdtemp(sb->dir)) {
		snprintf(err, errsize, "cannot create a temporary directory in %s: %s", tmp,
			 strerror(errno));
		sb->dir[0] = 0;
		pthread_sigmask(SIG_SETMASK, &sb->oldmask, NULL);
		sb->blocked = false;
		return -1;
	}
	asm_sandbox_path(sb, "cwd", sb->cwd, sizeof sb->cwd);
	if (mkdir(sb->cwd, 0700) < 0) {
		snprintf(err, errsize, "cannot create a temporary directory in %s: %s", sb->dir,
			 strerror(errno));
		asm_sandbox_end(sb);
		return -1;
	}

	sb->wall = ASM_WALL_SECONDS;
	const char *w = getenv("HVSIM_ASM_TIMEOUT");
	if (w && *w) {
		char *end;
		unsigned long v = strtoul(w, &end, 10);
		if (!*end && v >= 1 && v <= 3600)
			sb->wall = (unsigned)v;
	}

	size_t k = 0;
	sb->envp[k++] = "LC_ALL=C";
	sb->envp[k++] = "PATH=/usr/bin:/bin";
	snprintf(sb->envbuf[0], sizeof sb->envbuf[0], "TMPDIR=%s", sb->dir);
	sb->envp[k++] = sb->envbuf[0];
	const char *llp = getenv("LD_LIBRARY_PATH");
	if (llp && *llp && strlen(llp) < sizeof sb->envbuf[1] - 20) {
		snprintf(sb->envbuf[1], sizeof sb->envbuf[1], "LD_LIBRARY_PATH=%s", llp);
		sb->envp[k++] = sb->envbuf[1];
	}
	sb->envp[k] = NULL;
	return 0;
}

/* Take SIGINT/SIGTERM/SIGHUP if one is pending (without waiting). */
static void take_pending(struct asm_sandbox *sb)
{
	sigset_t only = sb->waitset;
	sigdelset(&only, SIGCHLD);
	struct timespec zero = { 0, 0 };
	int s;
	while ((s = sigtimedwait(&only, NULL, &zero)) > 0)
		if (!sb->sig)
			sb->sig = s;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void reap(pid_t pid, int *st)
{
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
}

__attribute__((noreturn))
static void child(const struct asm_sandbox *sb, const struct asm_tool *t, char *const argv[],
		  const char *outp, const char *errp)
{
	setpgid(0, 0);
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGXCPU, &dfl, NULL);
	sigaction(SIGXFSZ, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int in = open("/dev/null", O_RDONLY);
	int out = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	int er = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (in < 0 || out < 0 || er < 0)
		_exit(126);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(er, 2) < 0)
		_exit(126);
	if (close_range(3, ~0U, 0) < 0) {
		struct rlimit nf;
		long max = getrlimit(RLIMIT_NOFILE, &nf) == 0 && nf.rlim_cur != RLIM_INFINITY &&
				   nf.rlim_cur < 1048576 ? (long)nf.rlim_cur : 65536;
		for (long fd = 3; fd < max; fd++)
			close((int)fd);
	}
	struct rlimit cpu = { ASM_CPU_SECONDS, ASM_CPU_SECONDS + 1 };
	struct rlimit as = { ASM_MEM_BYTES, ASM_MEM_BYTES };
	struct rlimit fs = { ASM_FSIZE_BYTES, ASM_FSIZE_BYTES };
	struct rlimit nf = { ASM_NOFILE, ASM_NOFILE };
	struct rlimit core = { 0, 0 };
	if (setrlimit(RLIMIT_CPU, &cpu) || setrlimit(RLIMIT_AS, &as) ||
	    setrlimit(RLIMIT_FSIZE, &fs) || setrlimit(RLIMIT_NOFILE, &nf) ||
	    setrlimit(RLIMIT_CORE, &core))
		_exit(126);
	if (chdir(sb->cwd) < 0)
		_exit(126);
	execve(t->path, argv, (char *const *)sb->envp);
	_exit(127);
}

enum asm_run_status asm_sandbox_run(struct asm_sandbox *sb, const struct asm_tool *t,
				    char *const argv[], const char *out_name,
				    const char *err_name, int *exit_status)
{
	char outp[4200], errp[4200];
	asm_sandbox_path(sb, out_name, outp, sizeof outp);
	asm_sandbox_path(sb, err_name, errp, sizeof errp);
	*exit_status = 0;
	take_pending(sb);
	if (sb->sig)
		return ASM_RUN_INTERRUPTED;

	pid_t pid = fork();
	if (pid < 0) {
		*exit_status = errno;
		return ASM_RUN_FAILED;
	}
	if (pid == 0)
		child(sb, t, argv, outp, errp);
	setpgid(pid, pid);              /* also here: no window before the child's own */

	double deadline = now_s() + sb->wall;
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			*exit_status = errno;
			kill(-pid, SIGKILL);
			return ASM_RUN_FAILED;
		}
		double left = deadline - now_s();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			reap(pid, &st);
			return ASM_RUN_TIMEOUT;
		}
		if (left > 0.1)
			left = 0.1;         /* poll too, in case SIGCHLD is ignored */
		struct timespec to = { 0, (long)(left * 1e9) };
		int s = sigtimedwait(&sb->waitset, NULL, &to);
		if (s > 0 && s != SIGCHLD) {
			if (!sb->sig)
				sb->sig = s;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			reap(pid, &st);
			return ASM_RUN_INTERRUPTED;
		}
	}
	kill(-pid, SIGKILL);            /* anything the tool left in its group */
	if (WIFEXITED(st)) {
		*exit_status = WEXITSTATUS(st);
		return ASM_RUN_EXITED;
	}
	int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	*exit_status = sig;
	if (sig == SIGXCPU)
		return ASM_RUN_CPU;
	if (sig == SIGXFSZ)
		return ASM_RUN_FSIZE;
	return ASM_RUN_SIGNALED;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int asm_sandbox_end(struct asm_sandbox *sb)
{
	if (sb->dir[0])
		nftw(sb->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	sb->dir[0] = 0;
	if (!sb->blocked)
		return sb->sig;
	take_pending(sb);
	/* drop our children's SIGCHLD: the caller's handler never hears of them */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	struct timespec zero = { 0, 0 };
	if (sigismember(&sb->waitset, SIGCHLD) && !sigismember(&sb->oldmask, SIGCHLD))
		while (sigtimedwait(&chld, NULL, &zero) > 0)
			;
	int sig = sb->sig;
	if (sig)
		raise(sig);             /* pending until the mask comes back */
	pthread_sigmask(SIG_SETMASK, &sb->oldmask, NULL);
	sb->blocked = false;
	return sig;
}
