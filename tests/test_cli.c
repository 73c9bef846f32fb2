/* test_cli.c - the exit codes and messages of the `hvsim` command line
 * (`hvsim help`).  The tests use the binary named by $HVSIM (set by ctest)
 * and are skipped without it.  The rest of the output side has one file per
 * suite: test_json.c, test_result.c, test_expect.c, test_outfile.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness.h"

/* ---- the hvsim command ----------------------------------------------------------- */

/* Run $HVSIM with args; returns the exit status, stderr in errbuf. */
static int run_hvsim(char *errbuf, size_t errsize, const char *const *args)
{
	char *argv[32];
	int n = 0;
	argv[n++] = (char *)h_hvsim();
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	char dir[256], errp[300];
	h_mkdtemp(dir, sizeof(dir), "hvsim-cli");
	snprintf(errp, sizeof(errp), "%s/stderr", dir);
	int rc = h_spawn(argv, NULL, errp);
	char *e = h_slurp(errp, NULL);
	snprintf(errbuf, errsize, "%s", e ? e : "");
	free(e);
	h_rmtree(dir);
	cr_assert(rc >= 0, "hvsim died with a signal");
	return rc;
}

#define NEED_HVSIM()                                                        \
	do {                                                                \
		if (!getenv("HVSIM") || !*getenv("HVSIM"))                  \
			cr_skip_test("HVSIM is not set (run through ctest)"); \
	} while (0)

Test(cli, unknown_option_is_a_usage_error)
{
	NEED_HVSIM();
	char err[4096];
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "run", "x.yaml", "--x", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '--x' (see 'hvsim help run')\n");
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "check", "-q", "x.yaml", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '-q' (see 'hvsim help check')\n");
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "--bogus", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '--bogus' (see 'hvsim help')\n");
}

Test(cli, usage_errors_exit_2)
{
	NEED_HVSIM();
	char err[4096];
	const char *const *cases[] = {
		(const char *[]){ NULL },
		(const char *[]){ "frobnicate", NULL },
		(const char *[]){ "run", NULL },
		(const char *[]){ "run", "a.yaml", "b.yaml", NULL },
		(const char *[]){ "run", "a.yaml", "-o", NULL },
		(const char *[]){ "run", "a.yaml", "--format", "xml", NULL },
		(const char *[]){ "run", "a.yaml", "--vendor=sparc", NULL },
		(const char *[]){ "check", NULL },
		(const char *[]){ "validate", NULL },
		(const char *[]){ "disasm", NULL },
		(const char *[]){ "list", NULL },
		(const char *[]){ "list", "nothing", NULL },
		(const char *[]){ "help", "frobnicate", NULL },
		(const char *[]){ "version", "extra", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(run_hvsim(err, sizeof(err), cases[i]), 2, "case %zu: %s", i, err);
		if (i > 0) {
			cr_assert(strncmp(err, "hvsim: ", 7) == 0, "case %zu: %s", i, err);
			cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "case %zu: one line: %s", i, err);
		}
	}
}

Test(cli, help_and_version_exit_0)
{
	NEED_HVSIM();
	char err[4096];
	const char *const *cases[] = {
		(const char *[]){ "help", NULL },
		(const char *[]){ "help", "run", NULL },
		(const char *[]){ "run", "--help", NULL },
		(const char *[]){ "check", "-h", NULL },
		(const char *[]){ "--help", NULL },
		(const char *[]){ "--version", NULL },
		(const char *[]){ "version", NULL },
		(const char *[]){ "list", "fields", NULL },
		(const char *[]){ "list", "policies", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(run_hvsim(err, sizeof(err), cases[i]), 0, "case %zu: %s", i, err);
		cr_assert_str_eq(err, "", "case %zu", i);
	}
}

Test(cli, missing_scenario_is_an_error_and_writes_nothing)
{
	NEED_HVSIM();
	char *dir = h_tmpdir("hvsim-test");
	char out[512], err[4096];
	snprintf(out, sizeof(out), "%s/out.json", dir);
	cr_assert_eq(run_hvsim(err, sizeof(err),
			       (const char *[]){ "run", "/nonexistent/x.yaml", "-o", out, "--format", "json", NULL }),
		     4, "%s", err);
	cr_assert_eq(h_count_entries(dir), 0);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "validate", "/nonexistent/x.yaml", NULL }), 4);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "check", "/nonexistent/x.yaml", NULL }), 4);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "disasm", "/nonexistent/x.yaml", NULL }), 4);
	rmdir(dir);
	free(dir);
}
