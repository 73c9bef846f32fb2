/* cmd_run.c - `hvsim run`: replay a scenario under each policy on each
 * vendor and write the results (text tables or one JSON document), with an
 * optional JSONL event trace (--trace). */
#include <stdlib.h>
#include <string.h>
#include "sim/cli/plan.h"
#include "sim/cli/progress.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"
#include "sim/render/trace.h"
#include "sim/util/outfile.h"

int cmd_run(const struct cmd *c, int argc, char **argv)
{
	struct run_opts o;
	struct outfile tf;
	struct trace_writer tw;
	int rc = run_opts_parse(c, argc, argv, true, &o);
	if (rc >= 0)
		goto out_opts;
	if (o.trace_insns && !o.trace) {
		rc = verb_usage(&c->spec, "--trace-insns needs --trace FILE");
		goto out_opts;
	}
	if (o.trace && !strcmp(o.trace, "-") && (!o.output || !strcmp(o.output, "-"))) {
		rc = verb_usage(&c->spec, "--trace - and the result cannot both go to standard output (use -o)");
		goto out_opts;
	}
	if (o.npos != 1) {
		rc = o.npos ? verb_usage(&c->spec, "run takes one SCENARIO, got %zu", o.npos)
			    : verb_usage(&c->spec, "run needs a SCENARIO");
		goto out_opts;
	}
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(o.pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_opts;
	}
	if (check_scenario(sc, o.cost)) {
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	const char *outs[2] = { o.output, o.trace }, *notes[2] = { NULL, "the --trace file" };
	const struct scenario *scs[1] = { sc };
	if ((rc = verb_check_scenario_io(scs, 1, o.cost, outs, notes, 2)))
		goto out_sc;
	struct plan p;
	rc = plan_build(sc, &o, &p);
	if (rc)
		goto out_sc;
	struct run_result *res = NULL;
	size_t nres = 0;
	if (o.trace) {
		if (outfile_open(&tf, o.trace, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			goto out_plan;
		}
		trace_writer_init(&tw, tf.f);
		p.tw = &tw;
		p.trace_insns = o.trace_insns;
	}
	/* the progress line on a terminal: runs done, the one under way, time */
	size_t total = 0;
	for (size_t i = 0; i < p.pol.n; i++)
		for (size_t j = 0; j < p.nven; j++)
			total += !(p.ven[j] == VENDOR_NONE && i > 0);
	p.prog = progress_start("run", total);
	rc = plan_run(sc, &p, o.cost, &res, &nres);
	progress_finish(p.prog);
	p.prog = NULL;
	if (rc) {
		if (o.trace)
			outfile_abort(&tf);
		goto out_plan;
	}
	if (o.trace && outfile_commit(&tf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_res;
	}

	for (size_t i = 0; i < nres; i++)
		rc = verb_worse(rc, plan_stop_status(sc, &res[i], true));

	struct outfile of;
	if (outfile_open(&of, o.output, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_res;
	}
	int wrc = 0;
	if (strcmp(o.format, "json") == 0) {
		const struct run_result **ptrs = calloc(nres ? nres : 1, sizeof(*ptrs));
		if (!ptrs) {
			wrc = -1;
		} else {
			for (size_t i = 0; i < nres; i++)
				ptrs[i] = &res[i];
			wrc = result_write_json(of.f, ptrs, nres);
			free(ptrs);
		}
	} else {
		for (size_t i = 0; i < nres; i++) {
			if (i)
				fputc('\n', of.f);
			result_render_text(of.f, &res[i]);
		}
	}
	if (wrc != 0) {
		outfile_abort(&of);
		fprintf(stderr, "%s:0:0: cannot write the result\n", o.output ? o.output : "-");
		rc = HVSIM_EXIT_ERROR;
	} else if (outfile_commit(&of, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
	}
out_res:
	plan_results_free(res, nres);
out_plan:
	plan_free(&p);
out_sc:
	scenario_free(sc);
out_opts:
	run_opts_free(&o);
	return rc;
}
