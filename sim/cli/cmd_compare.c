/* cmd_compare.c - `hvsim compare`: one scenario under several policies (and
 * both vendors) side by side.
 *
 * Every (policy, vendor) pair is one independent sim_run() with its own CPU,
 * engines and vCPU (nothing mutable is shared: the scenario is read-only
 * during runs), so the runs go to a small pool of threads (--jobs).  The
 * results land in a fixed slot per column and every output is rendered
 * after all runs have finished, in column order: the bytes do not depend on
 * --jobs or on scheduling (sim/pool.c).  The table, the summary and their
 * four formats are sim/render/compare.c's. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugreg/hv.h"
#include "debugreg/policy_names.h"
#include "sim/expect.h"
#include "sim/cli/cost_list.h"
#include "sim/cli/progress.h"
#include "sim/pool.h"
#include "cpu/cost.h"
#include "sim/render/compare.h"
#include "sim/render/html.h"
#include "sim/render/robust.h"
#include "sim/result.h"
#include "sim/util/outfile.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/cli/verb.h"

#define ERRSZ 1024
#define MAX_JOBS 256
#define MAX_MODELS 32

/* This verb's row of the verb table (sim/cli/verbs.c). */
#define compare_spec (verb_find("compare")->spec)

/* ---- options ------------------------------------------------------------ */

enum fmt { F_TEXT, F_JSON, F_MD, F_CSV, F_HTML, F_COUNT };
static const char *const fmt_name[F_COUNT] = { "text", "json", "md", "csv", "html" };
static const char *const fmt_ext[F_COUNT] = { ".txt", ".json", ".md", ".csv", ".html" };

struct copts {
	const char **pol;              /* -p values */
	size_t npol;
	const char *baseline;
	bool vendor_set;
	enum vendor vendor;
	enum fmt fmts[F_COUNT];
	size_t nfmts;
	const char *output;
	const char *cost;
	unsigned jobs;
	const char *scenario;
};

static int parse_formats(const char *val, struct copts *o)
{
	o->nfmts = 0;
	const char *p = val;
	for (;;) {
		size_t n = strcspn(p, ",");
		int f = -1;
		for (int i = 0; i < F_COUNT; i++)
			if (strlen(fmt_name[i]) == n && !strncmp(fmt_name[i], p, n))
				f = i;
		if (f < 0)
			return verb_usage(&compare_spec, "bad value '%.*s' in --format, want text, json, md, csv or html",
					  (int)(n < 40 ? n : 40), p);
		for (size_t i = 0; i < o->nfmts; i++)
			if (o->fmts[i] == (enum fmt)f)
				return verb_usage(&compare_spec, "format '%s' given twice in --format", fmt_name[f]);
		o->fmts[o->nfmts++] = (enum fmt)f;
		if (!p[n])
			break;
		p += n + 1;
	}
	return -1;
}

/* One argument (verb_walk); -1 to go on, or an exit code. */
static int compare_arg(int id, const char *val, void *ctx)
{
	struct copts *o = ctx;
	switch (id) {
	case VERB_ARG_POS:
		if (o->scenario)
			return verb_usage(&compare_spec, "compare takes one scenario, got '%s' and '%s'", o->scenario, val);
		o->scenario = val;
		break;
	case VERB_ARG_HELP:
		printf("usage: %s\n\n%s\n\n%s", compare_spec.usage, compare_spec.summary, compare_spec.help);
		return HVSIM_EXIT_OK;
	case 0:
		o->pol[o->npol++] = val;
		break;
	case 1:
		o->baseline = val;
		break;
	case 2:
		o->vendor_set = true;
		if (verb_vendor_multi(&compare_spec, val, &o->vendor))
			return HVSIM_EXIT_USAGE;
		break;
	case 3: {
		int rc = parse_formats(val, o);
		if (rc >= 0)
			return rc;
		break;
	}
	case 4:
		o->output = val;
		break;
	case 5: {
		char *end;
		unsigned long v = strtoul(val, &end, 10);
		if (*end || val[0] == '-' || v < 1 || v > MAX_JOBS)
			return verb_usage(&compare_spec, "bad value '%s' for --jobs, want a number from 1 to %d",
					  val, MAX_JOBS);
		o->jobs = (unsigned)v;
		break;
	}
	case 6:
		o->cost = val;
		break;
	}
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct copts *o)
{
	static const struct verb_opt spec[] = {
		{ "policy", 'p', NULL, NULL }, { "baseline", 0, NULL, NULL }, { "vendor", 0, NULL, NULL },
		{ "format", 0, NULL, NULL }, { "output", 'o', NULL, NULL }, { "jobs", 'j', NULL, NULL },
		{ "cost", 0, NULL, NULL }, { NULL, 0, NULL, NULL },
	};
	memset(o, 0, sizeof(*o));
	o->fmts[0] = F_TEXT;
	o->nfmts = 1;
	o->jobs = 2;
	o->pol = calloc((size_t)argc + 1, sizeof(*o->pol));
	if (!o->pol) {
		fputs("hvsim: out of memory\n", stderr);
		return HVSIM_EXIT_INTERNAL;
	}
	int rc = verb_walk(&compare_spec, argc, argv, spec, compare_arg, o);
	if (rc >= 0)
		return rc;
	if (!o->scenario)
		return verb_usage(&compare_spec, "compare needs a scenario file");
	return -1;
}

/* ---- the plan: policies x vendors -------------------------------------- */

struct plan {
	struct verb_names pol;         /* policy names, in column order */
	enum vendor ven[2];
	size_t nven;
	struct compare_col *cols;      /* policy points into pol */
	size_t ncols;
	size_t baseline;               /* index into pol */
};

static void plan_free(struct plan *p)
{
	verb_names_free(&p->pol);
	for (size_t i = 0; i < p->ncols; i++)
		run_result_free(&p->cols[i].res);
	free(p->cols);
	memset(p, 0, sizeof(*p));
}

/* Returns -1 to go on or an exit code (message printed). */
static int plan_build(const struct scenario *sc, const struct copts *o, struct plan *p)
{
	int rc = 0;
	if (o->npol) {
		for (size_t i = 0; i < o->npol && !rc; i++) {
			if (!strcmp(o->pol[i], "all"))
				rc = verb_names_add_all(&p->pol, sc);
			else if (!expect_policy_known(sc, o->pol[i])) {
				char hint[160];
				fprintf(stderr, "hvsim: unknown policy '%s' %s\n", o->pol[i],
					expect_policy_hint(sc, o->pol[i], hint, sizeof(hint)));
				return HVSIM_EXIT_USAGE;
			}
			else
				rc = verb_names_add(&p->pol, o->pol[i]);
		}
	} else if (sc->npolicies) {
		for (size_t i = 0; i < sc->npolicies && !rc; i++) {
			const char *n = sc->policies[i];
			if (!strcmp(n, "all")) {
				rc = verb_names_add_all(&p->pol, sc);
			} else if (!expect_policy_known(sc, n)) {
				struct srcpos pos = sc->policy_pos ? sc->policy_pos[i] : (struct srcpos){ 0, 0 };
				char hint[160];
				fprintf(stderr, "%s:%d:%d: unknown policy '%s' %s\n", sc->path ? sc->path : "?", pos.line,
					pos.col, n, expect_policy_hint(sc, n, hint, sizeof(hint)));
				return HVSIM_EXIT_ERROR;
			} else {
				rc = verb_names_add(&p->pol, n);
			}
		}
	} else {
		rc = verb_names_add(&p->pol, "bp_enabled");
	}
	if (rc) {
		fputs("hvsim: out of memory\n", stderr);
		return HVSIM_EXIT_INTERNAL;
	}
	p->baseline = 0;
	if (o->baseline) {
		size_t i;
		for (i = 0; i < p->pol.n && strcmp(p->pol.v[i], o->baseline); i++)
			;
		if (i == p->pol.n)
			return verb_usage(&compare_spec, "baseline '%s' is not one of the compared policies", o->baseline);
		p->baseline = i;
	}
	enum vendor v = o->vendor_set ? o->vendor : sc->vendor;
	if (v == VENDOR_BOTH) {
		p->ven[0] = VENDOR_VMX;
		p->ven[1] = VENDOR_SVM;
		p->nven = 2;
	} else {
		p->ven[0] = v;
		p->nven = 1;
	}
	p->ncols = p->pol.n * p->nven;
	p->cols = calloc(p->ncols, sizeof(*p->cols));
	if (!p->cols) {
		fputs("hvsim: out of memory\n", stderr);
		return HVSIM_EXIT_INTERNAL;
	}
	size_t k = 0;
	for (size_t j = 0; j < p->nven; j++)          /* vendor-major: vmx columns, then svm */
		for (size_t i = 0; i < p->pol.n; i++, k++) {
			struct compare_col *c = &p->cols[k];
			c->policy = p->pol.v[i];
			c->pol_index = i;
			c->vendor = p->ven[j];
			snprintf(c->name, sizeof(c->name), "%s@%s", p->pol.v[i], scenario_vendor_name(p->ven[j]));
		}
	return -1;
}

/* ---- running (sim/pool.c) ------------------------------------------------ */

/* A vendor whose hypervisor half is missing: the SVM table is a stub until
 * svm/kvm.c lands (it has no entry or debug-state operations). */
static const char *vendor_missing(enum vendor v)
{
	if (v == VENDOR_SVM && (!svm_vendor.create || !svm_vendor.enter || !svm_vendor.dbg ||
				!svm_vendor.entry_pending))
		return "the SVM hypervisor (svm/kvm.c) is not implemented yet";
	return NULL;
}

struct run_ctx {
	const struct scenario *sc;
	struct plan *p;
	const char *cost;
	const struct cost_list *list;  /* several models: skip a column whose vendor model `model` does not describe */
	size_t model;
	struct progress *prog;         /* the progress line (NULL unless stderr is a terminal) */
	size_t done0;                  /* runs of the models before this one (--cost A,B) */
};

static void tick(void *ctx, size_t done, size_t total)
{
	(void)total;
	struct run_ctx *rc = ctx;
	progress_set(rc->prog, rc->done0 + done, NULL);
}

static int run_col(void *ctx, size_t k)
{
	struct run_ctx *rc = ctx;
	struct compare_col *c = &rc->p->cols[k];
	const char *missing = vendor_missing(c->vendor);
	if (missing) {
		snprintf(c->err, sizeof(c->err), "%s", missing);
		c->rc = -1;
		c->unavailable = true;
		return 0;
	}
	if (rc->list && !cost_list_applies(rc->list, rc->model, c->vendor)) {
		snprintf(c->err, sizeof(c->err), "cost model %s does not describe %s", rc->cost,
			 scenario_vendor_name(c->vendor));
		c->rc = -1;
		c->unavailable = c->model_skipped = true;
		return 0;
	}
	struct run_config cfg = { .policy = c->policy, .vendor = c->vendor, .cost_model = rc->cost };
	c->rc = sim_run(rc->sc, &cfg, &c->res, c->err, sizeof(c->err)) ? -1 : 0;
	return 0;                      /* a column's error does not stop the others */
}

/* ---- several cost models (--cost A,B / all: sim/cli/cost_list.h) ------------ */

/* The HTML page (sim/render/html.c): the runs of the first model, then the
 * robustness over the models when there are several.  0 or -1. */
static int write_html(FILE *f, const struct scenario *sc, const struct compare_report *rep)
{
	const struct run_result **runs = calloc(rep->ncols ? rep->ncols : 1, sizeof(*runs));
	if (!runs)
		return -1;
	size_t n = 0;
	for (size_t k = 0; k < rep->ncols; k++)
		if (!rep->cols[k].rc)
			runs[n++] = &rep->cols[k].res;
	char title[300], sub[300];
	snprintf(title, sizeof(title), "hvsim compare: %s", sc->name ? sc->name : "?");
	snprintf(sub, sizeof(sub), "cost model %s, baseline %s%s", rep->cost_model, rep->baseline,
		 rep->rob ? "; robustness over every model below" : "");
	struct html_page page = { .title = title, .subtitle = sub, .runs = runs, .nruns = n };
	if (rep->rob) {
		page.extra = robust_render_html;
		page.extra_ctx = rep->rob;
	}
	int rc = html_write(f, &page);
	free(runs);
	return rc;
}

/* ---- the verb ------------------------------------------------------------------ */

static void out_path(const struct copts *o, enum fmt f, char *buf, size_t n)
{
	if (!o->output || !strcmp(o->output, "-") || o->nfmts == 1) {
		snprintf(buf, n, "%s", o->output ? o->output : "-");
		return;
	}
	size_t len = strlen(o->output);
	for (int i = 0; i < F_COUNT; i++) {
		size_t el = strlen(fmt_ext[i]);
		if (len > el && !strcmp(o->output + len - el, fmt_ext[i])) {
			len -= el;
			break;
		}
	}
	snprintf(buf, n, "%.*s%s", (int)len, o->output, fmt_ext[f]);
}

int cmd_compare(const struct cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	struct copts o;
	struct plan p;
	struct plan *more = NULL;      /* the other models' plans (--cost A,B / all) */
	struct cost_list costs = { 0 };
	size_t nmodels = 0;            /* 0: one model (o.cost as it is), else costs.names.n */
	struct robust_model *rm = NULL;
	struct compare_col *cols = NULL;   /* the table's columns: each under the first model that describes its vendor */
	struct robust_report rob = { 0 };
	struct compare_report rep = { 0 };
	struct scenario *sc = NULL;
	struct outfile out[F_COUNT];
	size_t nopen = 0;
	char err[ERRSZ];
	memset(&p, 0, sizeof(p));
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		goto done;
	sc = scenario_load(o.scenario, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto done;
	}
	rc = plan_build(sc, &o, &p);
	if (rc >= 0)
		goto done;
	if (o.cost && (!strcmp(o.cost, "all") || strchr(o.cost, ','))) {
		if ((rc = cost_list_parse(&compare_spec, o.cost, &costs)) >= 0)
			goto done;
		unsigned used = 0;
		for (size_t j = 0; j < p.nven; j++)
			used |= sim_cost_vendor_bit(p.ven[j]);
		if ((rc = cost_list_check_used(&costs, used)) >= 0)
			goto done;
		nmodels = costs.names.n;
		if (nmodels > MAX_MODELS) {
			rc = verb_usage(&compare_spec, "--cost names %zu models, at most %d", nmodels, MAX_MODELS);
			goto done;
		}
	}
	{
		/* no output over the scenario or a cost model (each of --cost's) */
		char paths[F_COUNT][4096];
		const char *outs[F_COUNT];
		const struct scenario *scs[1] = { sc };
		for (size_t i = 0; i < o.nfmts; i++) {
			out_path(&o, o.fmts[i], paths[i], sizeof(paths[i]));
			outs[i] = paths[i];
		}
		for (size_t m = 0; m < (nmodels ? nmodels : 1); m++)
			if ((rc = verb_check_scenario_io(scs, 1, nmodels ? costs.names.v[m] : o.cost, outs, NULL, o.nfmts)))
				goto done;
		rc = -1;
	}
	if (nmodels > 1) {
		more = calloc(nmodels, sizeof(*more));
		rm = calloc(nmodels, sizeof(*rm));
		if (!more || !rm) {
			fputs("hvsim: out of memory\n", stderr);
			rc = HVSIM_EXIT_INTERNAL;
			goto done;
		}
		for (size_t m = 1; m < nmodels; m++) {
			rc = plan_build(sc, &o, &more[m]);
			if (rc >= 0)
				goto done;
		}
	}
	rc = HVSIM_EXIT_OK;
	size_t nm = nmodels > 1 ? nmodels : 1;
	{
		struct progress *prog = progress_start("compare", p.ncols * nm);
		for (size_t m = 0; m < nm; m++) {
			struct plan *pm = m ? &more[m] : &p;
			struct run_ctx rctx = { .sc = sc, .p = pm, .cost = nmodels ? costs.names.v[m] : o.cost,
						.list = nmodels > 1 ? &costs : NULL, .model = m, .prog = prog,
						.done0 = m * p.ncols };
			pool_run(pm->ncols, o.jobs, run_col, prog ? tick : NULL, &rctx);
		}
		progress_finish(prog);
	}
	/* The table's columns: under one model its runs; under several, each
	 * column under the first model (in --cost order) that describes its
	 * vendor, the robustness section then covers all of them. */
	cols = calloc(p.ncols ? p.ncols : 1, sizeof(*cols));
	if (!cols) {
		fputs("hvsim: out of memory\n", stderr);
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	for (size_t k = 0; k < p.ncols; k++) {
		cols[k] = p.cols[k];           /* a shallow copy: the plans own the results */
		for (size_t m = 0; m < nm; m++) {
			const struct plan *pm = m ? &more[m] : &p;
			if (!pm->cols[k].model_skipped) {
				cols[k] = pm->cols[k];
				break;
			}
		}
	}

	/* sim_run() fails only on bad input (an unknown variant base or knob,
	 * a cost model, code that cannot be mapped: file:line:col): that fails
	 * the command, each message once, and nothing is written.  A vendor
	 * that is not there yet is a per-column error; if no column ran at all
	 * there is nothing to compare. */
	size_t ok = 0;
	bool internal = false, bad_input = false;
	for (size_t k = 0; k < p.ncols; k++)
		if (!cols[k].rc) {
			ok++;
			internal |= cols[k].res.stop == STOP_INTERNAL;
		}
	for (size_t m = 0; m < nm; m++) {
		const struct plan *pm = m ? &more[m] : &p;
		for (size_t k = 0; k < pm->ncols; k++)
			bad_input |= pm->cols[k].rc && !pm->cols[k].unavailable;
	}
	if (bad_input || !ok) {
		for (size_t m = 0; m < nm; m++) {
			const struct plan *pm = m ? &more[m] : &p;
			for (size_t k = 0; k < pm->ncols; k++) {
				const struct compare_col *c = &pm->cols[k];
				if (!c->rc || (bad_input && c->unavailable) || c->model_skipped)
					continue;
				bool dup = false;
				for (size_t m2 = 0; m2 <= m && !dup; m2++) {
					const struct plan *q = m2 ? &more[m2] : &p;
					for (size_t j = 0; j < (m2 < m ? q->ncols : k) && !dup; j++)
						dup = q->cols[j].rc && !strcmp(q->cols[j].err, c->err);
				}
				if (!dup)
					fprintf(stderr, "%s\n", c->err);
			}
		}
		rc = HVSIM_EXIT_ERROR;
		goto done;
	}
	for (size_t k = 0; k < p.ncols; k++)
		if (cols[k].rc)
			fprintf(stderr, "hvsim: %s: %s\n", cols[k].name, cols[k].err);
	if (compare_report_build(&rep, sc, cols, p.ncols, p.pol.v[p.baseline], p.baseline)) {
		fputs("hvsim: out of memory\n", stderr);
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	if (nmodels > 1) {
		for (size_t m = 0; m < nmodels; m++) {
			struct plan *pm = m ? &more[m] : &p;
			rm[m] = (struct robust_model){ costs.names.v[m], pm->cols, pm->ncols };
		}
		if (robust_build(&rob, rm, nmodels, p.baseline)) {
			fputs("hvsim: out of memory\n", stderr);
			rc = HVSIM_EXIT_INTERNAL;
			goto done;
		}
		rep.rob = &rob;
	}

	/* All outputs are written to temporaries and committed only when every
	 * one of them is complete (no partial output files). */
	for (size_t i = 0; i < o.nfmts; i++) {
		char path[4096];
		out_path(&o, o.fmts[i], path, sizeof(path));
		if (outfile_open(&out[nopen], path, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			goto done;
		}
		nopen++;
		FILE *f = out[i].f;
		if (i && (!o.output || !strcmp(o.output, "-")))
			fputc('\n', f);        /* several formats on stdout: a blank line between */
		switch (o.fmts[i]) {
		case F_TEXT:
			compare_render_text(f, &rep);
			if (rep.rob)
				robust_render_text(f, rep.rob);
			break;
		case F_MD:
			compare_render_md(f, &rep);
			if (rep.rob)
				robust_render_md(f, rep.rob);
			break;
		case F_CSV:  compare_render_csv(f, &rep); break;
		case F_JSON:
			if (compare_render_json(f, &rep)) {
				fprintf(stderr, "hvsim: compare: JSON output failed\n");
				rc = HVSIM_EXIT_INTERNAL;
				goto done;
			}
			break;
		case F_HTML:
			if (write_html(f, sc, &rep)) {
				fprintf(stderr, "hvsim: compare: HTML output failed\n");
				rc = HVSIM_EXIT_INTERNAL;
				goto done;
			}
			break;
		default: break;
		}
	}
	for (size_t i = 0; i < nopen; i++) {
		if (outfile_commit(&out[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			for (size_t j = i + 1; j < nopen; j++)
				outfile_abort(&out[j]);
			nopen = 0;
			goto done;
		}
	}
	nopen = 0;
	if (internal)
		rc = HVSIM_EXIT_INTERNAL;
done:
	for (size_t i = 0; i < nopen; i++)
		outfile_abort(&out[i]);
	compare_report_free(&rep);
	robust_free(&rob);
	free(cols);
	plan_free(&p);
	for (size_t m = 1; more && m < nmodels; m++)
		plan_free(&more[m]);
	free(more);
	free(rm);
	cost_list_free(&costs);
	if (sc)
		scenario_free(sc);
	free(o.pol);
	return rc;
}
