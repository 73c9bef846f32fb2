/* helpers.h - what the command-line tests share (test_outputs.c,
 * test_names.c): a scratch directory, reading a file whole, and starting
 * the hvsim binary named by $HVSIM (the test is skipped without it).
 * Header-only: every tests/test_*.c is its own binary. */
#ifndef HVSIM_TESTS_HELPERS_H
#define HVSIM_TESTS_HELPERS_H
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A fresh directory $TMPDIR/hvsim-TAG-XXXXXX into d. */
static inline void th_tmpdir(char *d, size_t n, const char *tag)
{
	const char *t = getenv("TMPDIR");
	snprintf(d, n, "%s/hvsim-%s-XXXXXX", t && *t ? t : "/tmp", tag);
	cr_assert(mkdtemp(d), "cannot create %s", d);
}

/* Remove d and everything below it (symlinks are not followed). */
static inline void th_rmtree(const char *d)
{
	DIR *dd = opendir(d);
	if (!dd)
		return;
	for (struct dirent *de; (de = readdir(dd));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", d, de->d_name) < 0)
			continue;
		struct stat st;
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			th_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(dd);
	rmdir(d);
}

/* The whole file, NUL-terminated (free() it), or NULL; its length in *n. */
static inline char *th_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, r;
	char *b = malloc(cap + 1);
	while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	fclose(f);
	if (b)
		b[len] = 0;
	if (n)
		*n = len;
	return b;
}

/* Start $HVSIM args... (NULL-terminated) with stdin from /dev/null and
 * stdout/stderr into the files named (created or truncated). */
static inline pid_t th_start(const char *const *args, const char *out, const char *err)
{
	const char *h = getenv("HVSIM");
	if (!h || !*h)
		cr_skip_test("HVSIM is not set");
	char *argv[40];
	int k = 0;
	argv[k++] = (char *)h;
	for (int i = 0; args[i] && k < 39; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, h, &fa, NULL, argv, environ), 0, "cannot start %s", h);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Wait for pid: its exit status, or -SIG when a signal ended it. */
static inline int th_wait(pid_t pid)
{
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

#endif
