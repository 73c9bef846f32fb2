/* fuzz_util.h - what the file-reading fuzz targets share: a private
 * directory for the input file, a call of the real `hvsim VERB ...` entry
 * point (hvsim_main, sim/cli/cli.c) with standard output thrown away and
 * standard error captured, and the check of what it printed.
 *
 * The oracle (docs/errors.md): the exit status is one the verb documents,
 * and every line on standard error is one complete message "FILE:LINE:COL:
 * text" (or "hvsim: text" for a usage problem) -- no raw input text breaking
 * a message over two lines, no partial line. */
#ifndef HVSIM_FUZZ_UTIL_H
#define HVSIM_FUZZ_UTIL_H
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


int hvsim_main(int argc, char **argv);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The LLVMFuzzerInitialize of a target that needs only fuzz_setup(). */
#define FUZZ_INIT_SETUP_ONLY                                                   \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                      \
	{                                                                      \
		(void)argc;                                                    \
		(void)argv;                                                    \
		fuzz_setup();                                                  \
		return 0;                                                      \
	}

static char fuzz_dir[4096];

/* A private directory (and the assembler cache inside it).  hvsim_main runs
 * with it as the working directory: `report --format svg` without -o writes
 * exits.svg and cycles.svg there, never into the tree the fuzzer runs from.
 * The corpus and artifact paths libFuzzer opens are taken relative to the
 * directory it started in, so fuzz_hvsim() changes there and back. */
static __attribute__((unused)) void fuzz_setup(void)
{
	if (fuzz_dir[0])
		return;
	const char *tmp = getenv("TMPDIR");
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/hvsim-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	char cache[4200];
	snprintf(cache, sizeof cache, "%s/cache", fuzz_dir);
	setenv("HVSIM_CACHE_DIR", cache, 1);
}

/* Write data to fuzz_dir/name; returns the path (static buffer). */
static __attribute__((unused)) const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[2][4200];
	static int k;
	char *p = path[k ^= 1];
	snprintf(p, sizeof path[0], "%s/%s", fuzz_dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
	return p;
}

/* Every line of err[0..n) is one message: "X:L:C: text" with L, C digits
 * (X may itself hold ':'), or "hvsim: text"; the text ends with '\n'. */
static __attribute__((unused)) void fuzz_check_stderr(const char *verb, const char *err, size_t n)
{
	if (n && err[n - 1] != '\n') {
		fprintf(stdout, "fuzz %s: partial line on stderr: %.*s\n", verb, (int)n, err);
		abort();
	}
	for (const char *l = err; l < err + n;) {
		const char *e = memchr(l, '\n', (size_t)(err + n - l));
		bool ok = !strncmp(l, "hvsim: ", 7);
		/* find ":digits:digits: " anywhere in the line */
		for (const char *p = l; !ok && p < e; p++) {
			if (*p != ':')
				continue;
			const char *q = p + 1;
			if (q >= e || *q < '0' || *q > '9')
				continue;
			while (q < e && *q >= '0' && *q <= '9')
				q++;
			if (q >= e || *q != ':' || q + 1 >= e || q[1] < '0' || q[1] > '9')
				continue;
			q++;
			while (q < e && *q >= '0' && *q <= '9')
				q++;
			ok = q + 1 < e && q[0] == ':' && q[1] == ' ';
		}
		if (!ok) {
			fprintf(stdout, "fuzz %s: bad message line on stderr: %.*s\n", verb, (int)(e - l), l);
			abort();
		}
		l = e + 1;
	}
}

/* Run `hvsim argv...` (argv NULL-terminated, argv[0] is the verb); stdout
 * goes to /dev/null; returns the exit status after checking stderr and
 * that it is one of `allowed` (a string of digits). */
static __attribute__((unused)) int fuzz_hvsim(const char *allowed, char **argv)
{
	int argc = 0;
	char *av[32] = { "hvsim" };
	while (argv[argc] && argc < 30) {
		av[argc + 1] = argv[argc];
		argc++;
	}
	av[argc + 1] = NULL;
	char errpath[4200];
	snprintf(errpath, sizeof errpath, "%s/stderr", fuzz_dir);
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	int dn = open("/dev/null", O_WRONLY);
	int ef = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (so < 0 || se < 0 || dn < 0 || ef < 0)
		abort();
	dup2(dn, 1);
	dup2(ef, 2);
	clearerr(stdout);
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	if (cwd < 0 || chdir(fuzz_dir))
		abort();
	int rc = hvsim_main(argc + 1, av);
	if (fchdir(cwd))
		abort();
	close(cwd);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(dn);
	clearerr(stdout);
	off_t n = lseek(ef, 0, SEEK_END);
	char *buf = malloc((size_t)n + 1);
	if (!buf || pread(ef, buf, (size_t)n, 0) != n)
		abort();
	close(ef);
	fuzz_check_stderr(argv[0], buf, (size_t)n);
	char d = (char)('0' + rc);
	if (rc < 0 || rc > 9 || !strchr(allowed, d)) {
		fprintf(stderr, "fuzz %s: exit status %d (allowed: %s); stderr: %.*s\n", argv[0], rc, allowed,
			(int)n, buf);
		abort();
	}
	free(buf);
	return rc;
}
#endif
