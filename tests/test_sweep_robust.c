/* test_sweep_robust.c - the robustness summary of `hvsim sweep --cost
 * all|A,B` (docs/cost-models.md, docs/sweep.md): it is `hvsim compare
 * --cost`'s report for each scenario (the same lines, from the same code),
 * in four formats, written beside the runs without changing them, honest
 * about shards, and refused when it cannot be made.
 *
 * Expected values come from another command over the same input (hvsim
 * compare) and from seed 003's question, never from a sweep itself. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/render/json.h"
#include "tests/harness.h"

H_TMPDIR_SUITE(sweep_robust, "hvsim-sweeprob", 300);

static const char *bundled(const char *name)
{
	static char p[2][1024];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof p[k], "%s/scenarios/%s.yaml", h_srcdir(), name);
	return p[k];
}

static const char *path(const char *name)
{
	static char p[4][700];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

/* The text from the line holding `from` up to (not including) the line
 * holding `to` (or the end); malloc'ed. */
static char *section(const char *text, const char *from, const char *to)
{
	const char *a = strstr(text, from);
	cr_assert(a, "no '%s' in:\n%s", from, text);
	while (a > text && a[-1] != '\n')
		a--;
	const char *b = to ? strstr(a + strlen(from), to) : NULL;
	if (b)
		while (b > a && b[-1] != '\n')
			b--;
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

#define SEED003 "-p", "skip_dbgctl_load", "-p", "bp_enabled", "-p", "need_reload", "--baseline", "bp_enabled", "--vendor", "vmx"

/* The per-pair lines and the sensitivity table are compare's, byte for
 * byte; seed 003's answer ("skipping LOAD_DEBUG_CONTROLS never costs
 * cycles") holds under every VMX model. */
Test(sweep_robust, summary_is_compares_report)
{
	char *cmp, *sw, *err;
	const char *c[] = { "compare", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "all", NULL };
	cr_assert_eq(h_hvsim_run(dir, c, &cmp, NULL), 0);
	const char *s[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "all", "-o", path("runs.csv"), NULL };
	cr_assert_eq(h_hvsim_run(dir, s, &sw, &err), 0, "%s", err);
	cr_assert_str_empty(err);
	char *a = section(cmp, "robustness over", NULL), *b = section(sw, "robustness over", "\n== ");
	cr_assert_str_eq(a, b);
	cr_assert(strstr(sw, "== seed003_ctxsw_storm ("), "%s", sw);
	cr_assert(strstr(sw, "), baseline bp_enabled =="), "%s", sw);
	const char *l = strstr(sw, "  skip_dbgctl_load@vmx vs bp_enabled@vmx: ");
	cr_assert(l, "%s", sw);
	char *line = strndup(l, strcspn(l, "\n"));
	cr_assert(strstr(line, " fewer cycles under all ") && !strstr(line, "FLIPS"), "%s", line);
	free(line);
	free(a);
	free(b);
	free(cmp);
	free(sw);
	free(err);
}

/* The runs' file is the same with and without a summary beside it; the
 * summary on stdout and in --summary FILE are the same text. */
Test(sweep_robust, summary_leaves_the_runs_alone)
{
	char *out;
	const char *a[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "default,skylake", "-o", path("a.csv"), NULL };
	cr_assert_eq(h_hvsim_run(dir, a, &out, NULL), 0);
	const char *b[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "default,skylake", "-o", path("b.csv"),
			    "--summary", path("s.txt"), NULL };
	cr_assert_eq(h_hvsim_run(dir, b, NULL, NULL), 0);
	h_assert_same_file(path("a.csv"), path("b.csv"), "runs");
	char *s = h_slurp(path("s.txt"), NULL);
	cr_assert(s && out);
	cr_assert_str_eq(s, out);
	free(s);
	free(out);
	/* the runs on stdout: no summary (a note says how to get it) */
	char *err;
	const char *c[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "default,skylake", NULL };
	cr_assert_eq(h_hvsim_run(dir, c, &out, &err), 0);
	cr_assert(!strncmp(out, "index,", 6), "%s", out);
	cr_assert(strstr(err, "robustness summary") && strstr(err, "--summary FILE"), "%s", err);
	free(out);
	free(err);
}

Test(sweep_robust, summary_formats)
{
	const char *md[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "all", "-o", path("r.csv"),
			     "--summary", path("s.md"), NULL };
	cr_assert_eq(h_hvsim_run(dir, md, NULL, NULL), 0);
	char *t = h_slurp(path("s.md"), NULL);
	cr_assert(strstr(t, "\n## seed003_ctxsw_storm\n"), "%s", t);
	cr_assert(strstr(t, "| run | baseline | model | at the model's values | lowest | highest | decisive entries |"));
	free(t);

	const char *js[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "all", "-o", path("r.csv"),
			     "--summary", path("s.json"), NULL };
	cr_assert_eq(h_hvsim_run(dir, js, NULL, NULL), 0);
	size_t n;
	char jerr[200];
	t = h_slurp(path("s.json"), &n);
	struct json_value *v = json_parse(t, n, jerr, sizeof jerr);
	cr_assert(v, "%s", jerr);
	cr_assert_str_eq(json_get(v, "schema")->s, "hvsim-sweep-robustness");
	const struct json_value *sc = json_get(v, "scenarios");
	cr_assert(sc && sc->n == 1);
	const struct json_value *pairs = json_path(&sc->items[0], "robustness.pairs");
	cr_assert(pairs && pairs->n == 2, "two pairs against bp_enabled");
	cr_assert_str_eq(json_get(&pairs->items[0], "baseline")->s, "bp_enabled@vmx");
	json_free(v);
	free(t);

	const char *ht[] = { "sweep", bundled("seed003_ctxsw_storm"), SEED003, "--cost", "all", "-o", path("r.csv"),
			     "--summary", path("s.html"), NULL };
	cr_assert_eq(h_hvsim_run(dir, ht, NULL, NULL), 0);
	t = h_slurp(path("s.html"), NULL);
	cr_assert(strstr(t, "<section id=\"robustness-seed003_ctxsw_storm\">"), "%s", t);
	cr_assert(strstr(t, "<li data-flips=\"0\">skip_dbgctl_load@vmx vs bp_enabled@vmx: "));
	cr_assert(strstr(t, "<table class=\"summary\">"));
	cr_assert_null(strstr(t, "<section id=\"summary\">"), "the runs' own sections are not on this page");
	cr_assert(strstr(t, "</html>"));
	free(t);
}

/* Two scenarios cut into two shards: each shard summarises the scenario
 * whose runs it holds and says where the other one is. */
Test(sweep_robust, shards_say_what_they_left_out)
{
	char *out;
	const char *a[] = { "sweep", bundled("seed003_ctxsw_storm"), bundled("seed000_need_reload_host_bp"), "-p",
			    "bp_enabled", "-p", "need_reload", "--vendor", "vmx", "--cost", "default,skylake", "--shard", "0/2",
			    "-o", path("p0.csv"), NULL };
	cr_assert_eq(h_hvsim_run(dir, a, &out, NULL), 0);
	char *s3 = section(out, "== seed003_ctxsw_storm", "\n== "), *s0 = section(out, "== seed000_need_reload_host_bp", NULL);
	cr_assert(strstr(s3, "need_reload@vmx vs bp_enabled@vmx: "), "%s", s3);
	cr_assert(strstr(s0, "not summarised: its runs are in another shard"), "%s", s0);
	free(s3);
	free(s0);
	free(out);
	/* one scenario over three shards: the middle one holds part of it */
	const char *b[] = { "sweep", bundled("seed003_ctxsw_storm"), "-p", "bp_enabled", "-p", "need_reload", "--vendor",
			    "vmx", "--cost", "default,skylake", "--shard", "1/3", "-o", path("p1.csv"), NULL };
	cr_assert_eq(h_hvsim_run(dir, b, &out, NULL), 0);
	cr_assert(strstr(out, "not summarised: its runs are split across shards"), "%s", out);
	free(out);
}

/* @S = the scenario, @O = an output file, @T = a summary file. */
Test(sweep_robust, refusals_write_nothing)
{
	struct { const char *why; const char *args[16]; int rc; } t[] = {
		{ "one model", { "sweep", "@S", "--cost", "skylake", "-o", "@O", "--summary", "@T", NULL }, 2 },
		{ "no list", { "sweep", "@S", "-o", "@O", "--summary", "@T", NULL }, 2 },
		{ "unknown baseline", { "sweep", "@S", "--cost", "all", "--baseline", "nope", "-o", "@O", NULL }, 2 },
		{ "both on stdout", { "sweep", "@S", "--cost", "all", "--summary", "-", NULL }, 2 },
		{ "model of no vendor swept", { "sweep", "@S", "--vendor", "vmx", "--cost", "skylake,zen3", "-o", "@O", NULL }, 4 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		for (int k = 0; t[i].args[k]; k++)
			if (!strcmp(t[i].args[k], "@S"))
				t[i].args[k] = bundled("seed003_ctxsw_storm");
			else if (!strcmp(t[i].args[k], "@O"))
				t[i].args[k] = path("x.csv");
			else if (!strcmp(t[i].args[k], "@T"))
				t[i].args[k] = path("x.txt");
		char *out, *err;
		cr_assert_eq(h_hvsim_run(dir, t[i].args, &out, &err), t[i].rc, "%s: %s", t[i].why, err);
		cr_assert(strchr(err, '\n') && !strchr(err, '\n')[1], "%s: one line: %s", t[i].why, err);
		cr_assert_str_empty(out, "%s", t[i].why);
		free(out);
		free(err);
		cr_assert_null(h_slurp(path("x.csv"), NULL), "%s", t[i].why);
		cr_assert_null(h_slurp(path("x.txt"), NULL), "%s", t[i].why);
	}
}
