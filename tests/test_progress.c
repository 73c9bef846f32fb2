/* test_progress.c - `run` and `compare` talk during long runs, but only to
 * a terminal: through a pseudo-terminal (forkpty) standard error carries
 * the "\rVERB: DONE/TOTAL runs" line and its final "in S s" line; through
 * a pipe it carries nothing at all. */
#include <criterion/criterion.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *hvsim(void)
{
	const char *h = getenv("HVSIM");
	if (!h || access(h, X_OK))
		cr_skip_test("HVSIM is not set");
	return h;
}

static const char *scenario(void)
{
	static char p[1024];
	const char *src = getenv("HVSIM_SOURCE_DIR");
	snprintf(p, sizeof(p), "%s/scenarios/seed000_need_reload_host_bp.yaml", src ? src : HVSIM_SOURCE_DIR);
	return p;
}

/* Run argv with stdin/stdout/stderr on a new pty (stdout to /dev/null);
 * returns what the terminal showed. */
static char *on_pty(char *const argv[])
{
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execv(argv[0], argv);
		_exit(127);
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		ssize_t n = read(master, buf + len, cap - 1 - len);
		if (n <= 0)
			break;            /* EIO once the child has gone */
		len += (size_t)n;
		if (len + 1 >= cap)
			break;
	}
	buf[len] = '\0';
	int st;
	waitpid(pid, &st, 0);
	close(master);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", st, buf);
	return buf;
}

/* The same with stderr on a pipe. */
static char *on_pipe(char *const argv[])
{
	int fd[2];
	cr_assert_eq(pipe(fd), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		freopen("/dev/null", "w", stdout);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	while ((n = read(fd[0], buf + len, cap - 1 - len)) > 0 && len + (size_t)n + 1 < cap)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return buf;
}

Test(progress, run_on_a_terminal_shows_the_runs)
{
	char *argv[] = { (char *)hvsim(), "run", (char *)scenario(), "-p", "bp_enabled", "-p", "need_reload",
			 "--vendor", "vmx", NULL };
	char *t = on_pty(argv);
	cr_assert(strstr(t, "\rrun: 0/2 runs, bp_enabled@vmx, "), "[%s]", t);
	cr_assert(strstr(t, "\rrun: 1/2 runs, need_reload@vmx, "), "[%s]", t);
	cr_assert(strstr(t, "\rrun: 2/2 runs in "), "[%s]", t);
	free(t);
}

Test(progress, compare_on_a_terminal_shows_the_runs)
{
	char *argv[] = { (char *)hvsim(), "compare", (char *)scenario(), "-p", "bp_enabled", "-p", "need_reload",
			 "--vendor", "both", NULL };
	char *t = on_pty(argv);
	cr_assert(strstr(t, "\rcompare: 0/4 runs, "), "[%s]", t);
	cr_assert(strstr(t, "\rcompare: 4/4 runs in "), "[%s]", t);
	free(t);
}

Test(progress, nothing_on_a_pipe)
{
	char *run[] = { (char *)hvsim(), "run", (char *)scenario(), "-p", "bp_enabled", NULL };
	char *t = on_pipe(run);
	cr_assert_str_eq(t, "");
	free(t);
	char *cmp[] = { (char *)hvsim(), "compare", (char *)scenario(), "-p", "bp_enabled", NULL };
	t = on_pipe(cmp);
	cr_assert_str_eq(t, "");
	free(t);
}
