/* test_sweep.c - `hvsim sweep` (docs/sweep.md): the output does not depend
 * on --jobs, shards concatenate to the whole, the JSON is the document of
 * `hvsim run --format json` for the same runs, the CSV has one row per job
 * in job order, and bad arguments fail without output.
 *
 * The expected values come from the contract in docs/sweep.md and from
 * another command (hvsim run) over the same input, never from a sweep
 * itself.  Uses the binary named by $HVSIM (set by ctest); skipped
 * without it. */
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

#include "sim/render/json.h"
#include "tests/harness.h"

H_TMPDIR_SUITE(sweep, "hvsim-sweep", 300);

static const char *scenario(const char *name)
{
	static char p[4096];
	snprintf(p, sizeof p, "%s/scenarios/%s", h_srcdir(), name);
	if (access(p, R_OK))
		cr_skip_test("%s is not bundled", name);
	return p;
}

/* Run hvsim with argv (NULL-terminated, argv[0] ignored); stdout to
 * DIR/stdout, stderr to DIR/stderr; returns the exit status. */
static int run(const char *const *args)
{
	char *argv[40];
	int k = 0;
	argv[k++] = (char *)h_hvsim();
	for (int i = 0; args[i] && k < 39; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	char outp[600], errp[600];
	snprintf(outp, sizeof outp, "%s/stdout", dir);
	snprintf(errp, sizeof errp, "%s/stderr", dir);
	int rc = h_spawn(argv, outp, errp);
	if (rc != 0) {
		char *e = h_slurp(errp, NULL);
		cr_log_info("exit %d, stderr: %s", rc, e ? e : "");
		free(e);
	}
	return rc;
}

static const char *path(const char *name)
{
	static char p[4][600];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static void assert_same(const char *a, const char *b)
{
	h_assert_same_file(a, b, "sweep output");
}

static size_t count_lines(const char *p)
{
	char *t = h_slurp(p, NULL);
	cr_assert(t);
	size_t n = 0;
	for (char *c = t; *c; c++)
		n += *c == '\n';
	free(t);
	return n;
}

Test(sweep, json_is_the_run_document)
{
	/* docs/sweep.md: the JSON is exactly what hvsim run writes for the
	 * same runs (same order: policy, then vendor) */
	const char *s = scenario("vmx_dr_once_out_loop.yaml");
	const char *r[] = { "run", s, "-p", "all", "--vendor", "vmx", "--format", "json", "-o", path("run.json"), NULL };
	cr_assert_eq(run(r), 0);
	const char *w[] = { "sweep", s, "--vendor", "vmx", "--format", "json", "-o", path("sweep.json"), NULL };
	cr_assert_eq(run(w), 0);
	assert_same(path("run.json"), path("sweep.json"));
}

Test(sweep, csv_one_row_per_run_in_job_order)
{
	/* as many rows as hvsim run makes runs, index 0..n-1, in the same
	 * policy order */
	const char *s = scenario("vmx_dr_once_out_loop.yaml");
	const char *r[] = { "run", s, "-p", "all", "--vendor", "vmx", "--format", "json", "-o", path("run.json"), NULL };
	cr_assert_eq(run(r), 0);
	size_t n;
	char *doc = h_slurp(path("run.json"), &n), jerr[200];
	struct json_value *v = json_parse(doc, n, jerr, sizeof jerr);
	cr_assert(v, "%s", jerr);
	const struct json_value *runs = json_get(v, "runs");
	cr_assert(runs && runs->n > 1);
	const char *w[] = { "sweep", s, "--vendor", "vmx", "-o", path("sweep.csv"), NULL };
	cr_assert_eq(run(w), 0);
	char *csv = h_slurp(path("sweep.csv"), NULL);
	static const char head[] = "index,scenario,policy,vendor,cost_model,";
	cr_assert(!strncmp(csv, head, strlen(head)), "header: %.80s", csv);
	char *line = strchr(csv, '\n');
	for (size_t i = 0; i < runs->n; i++) {
		cr_assert(line && line[1], "row %zu missing", i);
		line++;
		const struct json_value *pol = json_get(&runs->items[i], "policy");
		char want[200];
		snprintf(want, sizeof want, "%zu,vmx_dr_once_out_loop,%s,vmx,", i, pol->s);
		cr_assert(!strncmp(line, want, strlen(want)), "row %zu: %.80s, want %s", i, line, want);
		line = strchr(line, '\n');
	}
	cr_assert(line && !line[1], "more rows than runs");
	free(csv);
	json_free(v);
	free(doc);
}

Test(sweep, jobs_do_not_change_the_bytes)
{
	const char *a[] = { "sweep", "--jobs", "1", "-o", path("j1.csv"), NULL };
	cr_assert_eq(run(a), 0);
	const char *b[] = { "sweep", "--jobs", "3", "-o", path("j3.csv"), NULL };
	cr_assert_eq(run(b), 0);
	assert_same(path("j1.csv"), path("j3.csv"));
}

Test(sweep, shards_concatenate_to_the_whole)
{
	const char *a[] = { "sweep", "-o", path("all.csv"), NULL };
	cr_assert_eq(run(a), 0);
	FILE *m = fopen(path("merged.csv"), "wb");
	cr_assert(m);
	for (int i = 0; i < 3; i++) {
		char sh[16], name[32];
		snprintf(sh, sizeof sh, "%d/3", i);
		snprintf(name, sizeof name, "part%d.csv", i);
		const char *b[] = { "sweep", "--shard", sh, "-o", path(name), NULL };
		cr_assert_eq(run(b), 0);
		char *t = h_slurp(path(name), NULL);
		cr_assert(t);
		/* keep the first header only (docs/sweep.md) */
		fputs(i == 0 ? t : strchr(t, '\n') + 1, m);
		free(t);
	}
	fclose(m);
	assert_same(path("all.csv"), path("merged.csv"));
	cr_assert_gt(count_lines(path("all.csv")), 3);
}

Test(sweep, bad_cost_model_writes_nothing)
{
	const char *a[] = { "sweep", "--cost", "default,no_such_model", "-o", path("x.csv"), NULL };
	cr_assert_eq(run(a), 4);
	cr_assert(access(path("x.csv"), F_OK) != 0, "output written despite the error");
}

Test(sweep, bad_shard_is_a_usage_error)
{
	const char *a[] = { "sweep", "--shard", "3/3", "-o", path("x.csv"), NULL };
	cr_assert_eq(run(a), 2);
	const char *b[] = { "sweep", "--shard", "1", "-o", path("x.csv"), NULL };
	cr_assert_eq(run(b), 2);
	cr_assert(access(path("x.csv"), F_OK) != 0);
}
