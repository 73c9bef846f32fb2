/* test_determinism.c - runs are deterministic (docs/design.md; preamble:
 * "Runs must be deterministic"): the same scenario run twice gives the same
 * JSON bytes, and `hvsim compare` gives the same bytes whatever --jobs is.
 *
 * Nothing here predicts a value: each check compares two runs of the same
 * input, which differ only in things that must not matter (a second
 * process, the number of worker threads, the output file name).  A counter
 * fed by wall time, an address or an unordered container, or a data race
 * between compare's workers, makes them differ.
 *
 * Uses the binary named by $HVSIM (set by ctest); skipped without it.
 * Scenarios come from $HVSIM_SOURCE_DIR/scenarios. */
#define _GNU_SOURCE
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

#include "tests/harness.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
	h_mkdtemp(tmpdir, sizeof tmpdir, "hvsim-det");
}

static void remove_tmpdir(void)
{
	h_rmtree(tmpdir);
}

/* Run argv with stdout and stderr to files in tmpdir; exit status or -1. */
static int run(char *const argv[])
{
	char outp[512], errp[512];
	snprintf(outp, sizeof outp, "%s/stdout", tmpdir);
	snprintf(errp, sizeof errp, "%s/stderr", tmpdir);
	return h_spawn(argv, outp, errp);
}

static void show_stderr(void)
{
	char p[512];
	size_t n = 0;
	snprintf(p, sizeof p, "%s/stderr", tmpdir);
	char *e = h_slurp(p, &n);
	if (e && n)
		cr_log_info("stderr: %.*s", (int)(n > 2000 ? 2000 : n), e);
	free(e);
}

/* Both files exist, are non-empty and have the same bytes. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled scenarios, sorted; *n of them. */
static char **scenarios(size_t *n)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/scenarios", h_srcdir());
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	char **v = NULL;
	*n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		v = realloc(v, (*n + 1) * sizeof(*v));
		cr_assert(v && asprintf(&v[*n], "%s/%s", dir, de->d_name) > 0);
		(*n)++;
	}
	closedir(d);
	cr_assert_gt(*n, 0, "no bundled scenarios");
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* hvsim run SCEN --format json -o OUT; returns the exit status. */
static int run_json(const char *scen, const char *out)
{
	char *argv[] = { (char *)h_hvsim(), "run", (char *)scen, "--format", "json", "-o", (char *)out, NULL };
	return run(argv);
}

TestSuite(determinism, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 600);

Test(determinism, run_twice_same_json_every_bundled_scenario)
{
	size_t n;
	char **v = scenarios(&n);
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/first.json", tmpdir);
	snprintf(b, sizeof b, "%s/second.json", tmpdir);
	for (size_t i = 0; i < n; i++) {
		unlink(a);
		unlink(b);
		int s1 = run_json(v[i], a);
		if (s1 != 0 && s1 != 7)
			show_stderr();
		/* 0, or 7 when the guest stops abnormally on purpose: either way
		 * the result document is written */
		cr_assert(s1 == 0 || s1 == 7, "%s: hvsim run exited %d", v[i], s1);
		int s2 = run_json(v[i], b);
		cr_assert_eq(s1, s2, "%s: exit status %d then %d", v[i], s1, s2);
		h_assert_same_file(a, b, v[i]);
	}
	free_list(v, n);
}

Test(determinism, run_every_policy_twice_same_json)
{
	/* Every preset in one process (-p all, on VMX): state left behind by
	 * one run must not leak into the next. */
	size_t n;
	char **v = scenarios(&n);
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/all1.json", tmpdir);
	snprintf(b, sizeof b, "%s/all2.json", tmpdir);
	for (size_t i = 0; i < n; i++) {
		unlink(a);
		unlink(b);
		/* the Arm scenarios (issue 20) on their own vendor */
		char *text = h_slurp(v[i], NULL);
		char *vend = text && strstr(text, "\nvendor: arm\n") ? "arm" : "vmx";
		free(text);
		char *a1[] = { (char *)h_hvsim(), "run", v[i], "-p", "all", "--vendor", vend,
			       "--format", "json", "-o", a, NULL };
		int s1 = run(a1);
		if (s1 != 0 && s1 != 7)
			show_stderr();
		cr_assert(s1 == 0 || s1 == 7, "%s -p all: hvsim run exited %d", v[i], s1);
		char *a2[] = { (char *)h_hvsim(), "run", v[i], "-p", "all", "--vendor", vend,
			       "--format", "json", "-o", b, NULL };
		int s2 = run(a2);
		cr_assert_eq(s1, s2, "%s -p all: exit status %d then %d", v[i], s1, s2);
		h_assert_same_file(a, b, v[i]);
	}
	free_list(v, n);
}

static bool has_compare(void)
{
	char *argv[] = { (char *)h_hvsim(), "help", "compare", NULL };
	return run(argv) == 0;
}

Test(determinism, compare_jobs_1_and_2_same_bytes)
{
	if (!has_compare())
		cr_skip_test("this hvsim has no compare command");
	size_t n;
	char **v = scenarios(&n);
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/jobs1.json", tmpdir);
	snprintf(b, sizeof b, "%s/jobs2.json", tmpdir);
	/* -p all: every preset and variant, the most for the workers to
	 * interleave; on the scenario's own vendor(s) */
	for (size_t i = 0; i < n; i++) {
		unlink(a);
		unlink(b);
		char *a1[] = { (char *)h_hvsim(), "compare", v[i], "-p", "all", "--jobs", "1",
			       "--format", "json", "-o", a, NULL };
		int s1 = run(a1);
		if (s1 != 0 && s1 != 7)
			show_stderr();
		cr_assert(s1 == 0 || s1 == 7, "%s: hvsim compare --jobs 1 exited %d", v[i], s1);
		char *a2[] = { (char *)h_hvsim(), "compare", v[i], "-p", "all", "--jobs", "2",
			       "--format", "json", "-o", b, NULL };
		int s2 = run(a2);
		cr_assert_eq(s1, s2, "%s: exit status %d with --jobs 1, %d with --jobs 2", v[i], s1, s2);
		h_assert_same_file(a, b, v[i]);
	}
	free_list(v, n);
}
