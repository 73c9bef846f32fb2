/* cmd_check.c - `hvsim check`: replay scenarios and evaluate their
 * `expect:` entries, one PASS/FAIL/SKIP line each, then a summary. */
#include <stdlib.h>
#include <string.h>
#include "cpu/engine/engine.h"
#include "sim/cli/plan.h"
#include "sim/expect.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"

struct check_totals { unsigned checks, failed, skipped; };

static int check_one(const char *file, const struct run_opts *o, struct check_totals *t)
{
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	int rc = HVSIM_EXIT_OK;
	if (check_scenario(sc, o->cost)) {
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	const char *name = plan_scenario_name(sc);
	if (sc->nexpects == 0) {
		printf("SKIP: %s: no expectations\n", name);
		t->skipped++;
		rc = HVSIM_EXIT_SKIP;
		goto out_sc;
	}
	struct plan p;
	rc = plan_build(sc, o, &p);
	if (rc)
		goto out_sc;
	struct run_result *res = NULL;
	size_t nres = 0;
	rc = plan_run(sc, &p, o->cost, &res, &nres);
	if (rc)
		goto out_plan;

	bool *matched = calloc(sc->nexpects, sizeof(*matched));
	if (!matched) {
		fprintf(stderr, "hvsim: out of memory\n");
		rc = HVSIM_EXIT_INTERNAL;
		goto out_res;
	}
	for (size_t i = 0; i < nres; i++) {
		const struct run_result *r = &res[i];
		bool stop_expected = false;
		for (size_t k = 0; k < sc->nexpects; k++) {
			const struct expectation *e = &sc->expects[k];
			if (!expect_selector_matches(e->selector, r->policy, r->vendor))
				continue;
			matched[k] = true;
			if (e->field && strcmp(e->field, "guest.stop") == 0)
				stop_expected = true;
			struct expect_outcome out;
			char desc[512], why[512];
			expect_describe(e, desc, sizeof(desc));
			t->checks++;
			if (expect_eval(e, sc, r, &out) == EXPECT_PASS) {
				printf("PASS: %s/%s@%s %s\n", name, r->policy, r->vendor, desc);
			} else {
				expect_explain(e, &out, why, sizeof(why));
				printf("FAIL: %s/%s@%s %s: %s\n", name, r->policy, r->vendor, desc, why);
				t->failed++;
				rc = verb_worse(rc, HVSIM_EXIT_FAIL);
			}
		}
		int st = plan_stop_status(sc, r, false);
		if (st == HVSIM_EXIT_INTERNAL || (st == HVSIM_EXIT_ABNORMAL && !stop_expected)) {
			t->checks++;
			t->failed++;
			printf("FAIL: %s/%s@%s guest stopped abnormally: %s%s%s\n", name, r->policy, r->vendor,
			       engine_stop_name(r->stop), r->stop_msg[0] ? ": " : "", r->stop_msg);
			rc = verb_worse(rc, st);
		}
	}
	for (size_t k = 0; k < sc->nexpects; k++) {
		if (matched[k])
			continue;
		const struct expectation *e = &sc->expects[k];
		char desc[512];
		expect_describe(e, desc, sizeof(desc));
		printf("SKIP: %s/%s %s: no run matches the selector\n", name, e->selector ? e->selector : "all",
		       desc);
		t->skipped++;
	}
	free(matched);
out_res:
	plan_results_free(res, nres);
out_plan:
	plan_free(&p);
out_sc:
	scenario_free(sc);
	return rc;
}

int cmd_check(const struct cmd *c, int argc, char **argv)
{
	struct run_opts o;
	int rc = run_opts_parse(c, argc, argv, false, &o);
	if (rc >= 0)
		goto out;
	if (o.output || strcmp(o.format, "text") != 0) {
		rc = verb_usage(&c->spec, "check prints PASS/FAIL lines only (no --format or -o)");
		goto out;
	}
	if (o.npos == 0) {
		rc = verb_usage(&c->spec, "check needs at least one SCENARIO");
		goto out;
	}
	struct check_totals t = { 0, 0, 0 };
	rc = HVSIM_EXIT_OK;
	bool any_ran = false;
	for (size_t i = 0; i < o.npos; i++) {
		int r = check_one(o.pos[i], &o, &t);
		if (r != HVSIM_EXIT_SKIP)
			any_ran = true;
		if (r != HVSIM_EXIT_SKIP)
			rc = verb_worse(rc, r);
	}
	if (t.skipped)
		printf("SUMMARY: %u checks, %u failed, %u skipped\n", t.checks, t.failed, t.skipped);
	else
		printf("SUMMARY: %u checks, %u failed\n", t.checks, t.failed);
	if (!any_ran && rc == HVSIM_EXIT_OK)
		rc = HVSIM_EXIT_SKIP;
	fflush(stdout);
out:
	run_opts_free(&o);
	return rc;
}
