/* plan.c - the options, scenario checks and run plan of `hvsim run` and
 * `hvsim check` (plan.h). */
#include "sim/cli/plan.h"
#include "sim/cli/progress.h"
#include <stdlib.h>
#include <string.h>
#include "cpu/engine/engine.h"
#include "cpu/cost.h"
#include "debugreg/policy.h"
#include "debugreg/policy_names.h"
#include "sim/expect.h"
#include "sim/render/result_out.h"
#include "sim/render/trace.h"
#include "sim/util/util.h"

/* ---- options --------------------------------------------------------------- */

enum { O_POLICY, O_VENDOR, O_FORMAT, O_OUTPUT, O_COST, O_TRACE, O_TRACE_INSNS };

struct opt_ctx {
	const struct cmd *c;
	const struct verb_opt *opts;
	struct run_opts *o;
};

static int run_arg(int id, const char *val, void *ctx)
{
	struct opt_ctx *x = ctx;
	struct run_opts *o = x->o;
	const struct verb_spec *v = &x->c->spec;
	switch (id) {
	case VERB_ARG_HELP:
		verb_help_full(stdout, v);
		return HVSIM_EXIT_OK;
	case VERB_ARG_POS:
		o->pos[o->npos++] = val;
		break;
	case O_POLICY:
		o->policies[o->npolicies++] = val;
		break;
	case O_VENDOR:
		o->vendor_set = true;
		if (strcmp(val, "vmx") == 0)
			o->vendor = VENDOR_VMX;
		else if (strcmp(val, "svm") == 0)
			o->vendor = VENDOR_SVM;
		else if (strcmp(val, "both") == 0)
			o->vendor = VENDOR_BOTH;
		else if (strcmp(val, "none") == 0)
			o->vendor = VENDOR_NONE;
		else if (strcmp(val, "arm") == 0)
			o->vendor = VENDOR_ARM;
		else
			return verb_usage(v, "bad value '%s' for --vendor, want vmx, svm, both, arm or none", val);
		break;
	case O_FORMAT:
		if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
			return verb_usage(v, "bad value '%s' for --format, want text or json", val);
		o->format = val;
		break;
	case O_TRACE_INSNS:
		o->trace_insns = true;
		break;
	default:                       /* -o, --cost, --trace */
		*x->opts[id].value = val;
		break;
	}
	return -1;
}

int run_opts_parse(const struct cmd *c, int argc, char **argv, bool trace, struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = "text";
	o->policies = util_xcalloc((size_t)argc + 1, sizeof(*o->policies));
	o->pos = util_xcalloc((size_t)argc + 1, sizeof(*o->pos));
	struct verb_opt opts[] = {
		[O_POLICY] = { "policy", 'p', NULL, NULL },
		[O_VENDOR] = { "vendor", 0, VERB_EMPTY_OK, NULL },
		[O_FORMAT] = { "format", 0, VERB_EMPTY_OK, NULL },
		[O_OUTPUT] = { "output", 'o', &o->output, NULL },
		[O_COST] = { "cost", 0, &o->cost, NULL },
		[O_TRACE] = { "trace", 0, &o->trace, NULL },
		[O_TRACE_INSNS] = { "trace-insns", 0, NULL, &o->trace_insns },
		{ NULL, 0, NULL, NULL },
	};
	if (!trace)                    /* check: no --trace, --trace-insns */
		opts[O_TRACE] = (struct verb_opt){ NULL, 0, NULL, NULL };
	struct opt_ctx x = { c, opts, o };
	return verb_walk(&c->spec, argc, argv, opts, run_arg, &x);
}

void run_opts_free(struct run_opts *o)
{
	free(o->policies);
	free(o->pos);
}

const char *plan_scenario_name(const struct scenario *sc)
{
	if (sc->name && *sc->name)
		return sc->name;
	const char *b = strrchr(sc->path ? sc->path : "?", '/');
	return b ? b + 1 : (sc->path ? sc->path : "?");
}

/* ---- scenario checks shared by validate, run and check ----------------- */

int check_scenario(const struct scenario *sc, const char *cost)
{
	int nerr = 0;
	char err[ERRSZ];
	const char *path = sc->path ? sc->path : "?";
	struct policy pol;
	/* every variant as sim_run() builds it: base, knob names and values */
	for (size_t i = 0; i < sc->nvariants; i++)
		if (sc->variants[i].name && sim_resolve_policy(sc, sc->variants[i].name, &pol, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			nerr++;
		}
	for (size_t i = 0; i < sc->npolicies; i++) {
		const char *p = sc->policies[i];
		if (p && (strcmp(p, "all") == 0 || expect_policy_known(sc, p)))
			continue;
		if (!p || sim_resolve_policy(sc, p, &pol, err, sizeof(err))) {
			fprintf(stderr, "%s\n", p ? err : "unknown policy ''");
			nerr++;
		}
	}
	/* the cost model sim_run() would load */
	struct cost_model m;
	if (sim_load_cost(sc, cost, NULL, &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		nerr++;
	}
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct expectation *e = &sc->expects[i];
		if (expect_check(e, sc, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s:%d:%d: %s\n", path, e->pos.line, e->pos.col, err);
			nerr++;
		}
	}
	return nerr;
}

/* ---- the plan ------------------------------------------------------------ */

void plan_free(struct plan *p)
{
	verb_names_free(&p->pol);
	memset(p, 0, sizeof(*p));
}

/* Returns 0 or an exit code (message printed). */
int plan_build(const struct scenario *sc, const struct run_opts *o, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	int rc = 0;
	if (o->npolicies) {
		for (size_t i = 0; i < o->npolicies && rc == 0; i++) {
			const char *n = o->policies[i];
			if (strcmp(n, "all") == 0) {
				rc = verb_names_add_all(&p->pol, sc) ? HVSIM_EXIT_INTERNAL : 0;
			} else if (!expect_policy_known(sc, n)) {
				char hint[160];
				plan_free(p);
				fprintf(stderr, "hvsim: unknown policy '%s' %s\n", n, expect_policy_hint(sc, n, hint, sizeof(hint)));
				return HVSIM_EXIT_USAGE;
			} else {
				rc = verb_names_add(&p->pol, n) ? HVSIM_EXIT_INTERNAL : 0;
			}
		}
	} else if (sc->npolicies) {
		for (size_t i = 0; i < sc->npolicies && rc == 0; i++) {
			if (strcmp(sc->policies[i], "all") == 0)
				rc = verb_names_add_all(&p->pol, sc) ? HVSIM_EXIT_INTERNAL : 0;
			else
				rc = verb_names_add(&p->pol, sc->policies[i]) ? HVSIM_EXIT_INTERNAL : 0;
		}
	} else {
		rc = verb_names_add(&p->pol, "bp_enabled") ? HVSIM_EXIT_INTERNAL : 0;
	}
	if (rc) {
		fprintf(stderr, "hvsim: out of memory\n");
		plan_free(p);
		return rc;
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
	return 0;
}

/* Run every (policy, vendor) of the plan: policies in order, each on every
 * vendor.  Returns 0 with the results, or HVSIM_EXIT_ERROR after printing
 * the error. */
int plan_run(const struct scenario *sc, const struct plan *p, const char *cost, struct run_result **resp,
	     size_t *nresp)
{
	size_t n = p->pol.n * p->nven;
	struct run_result *res = calloc(n ? n : 1, sizeof(*res));
	if (!res) {
		fprintf(stderr, "hvsim: out of memory\n");
		return HVSIM_EXIT_INTERNAL;
	}
	size_t k = 0;
	for (size_t i = 0; i < p->pol.n; i++) {
		for (size_t j = 0; j < p->nven; j++) {
			/* Bare metal has no policy: one run is enough. */
			if (p->ven[j] == VENDOR_NONE && i > 0)
				continue;
			struct run_config cfg = { .policy = p->pol.v[i], .vendor = p->ven[j], .cost_model = cost };
			if (p->tw) {
				trace_writer_begin_run(p->tw, plan_scenario_name(sc),
						       p->ven[j] == VENDOR_NONE ? "none" : p->pol.v[i],
						       scenario_vendor_name(p->ven[j]));
				cfg.attach = trace_attach_jsonl;   /* the header, with the cost model's cpu.hz */
				cfg.trace = trace_sink_jsonl;
				cfg.trace_ctx = p->tw;
				cfg.trace_insns = p->trace_insns;
			}
			char err[ERRSZ] = "";
			struct run_result *r = &res[k];
			char label[96];
			snprintf(label, sizeof(label), "%s@%s", p->ven[j] == VENDOR_NONE ? "none" : p->pol.v[i],
				 scenario_vendor_name(p->ven[j]));
			progress_set(p->prog, k, label);
			int src = sim_run(sc, &cfg, r, err, sizeof(err));
			if (p->tw)
				trace_writer_end_run(p->tw);
			if (src != 0) {
				fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
				for (size_t q = 0; q <= k; q++)
					run_result_free(&res[q]);
				free(res);
				return HVSIM_EXIT_ERROR;
			}
			/* The labels of the run, in case the runner left them empty. */
			if (!r->scenario[0])
				snprintf(r->scenario, sizeof(r->scenario), "%s", plan_scenario_name(sc));
			if (!r->policy[0])
				snprintf(r->policy, sizeof(r->policy), "%s", p->pol.v[i]);
			if (!r->vendor[0])
				snprintf(r->vendor, sizeof(r->vendor), "%s", scenario_vendor_name(p->ven[j]));
			k++;
		}
	}
	progress_set(p->prog, k, NULL);
	*resp = res;
	*nresp = k;
	return 0;
}

void plan_results_free(struct run_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_result_free(&res[i]);
	free(res);
}

int plan_stop_status(const struct scenario *sc, const struct run_result *r, bool report)
{
	if (r->stop == STOP_INTERNAL || r->stop == STOP_NONE) {
		if (report)
			fprintf(stderr, "%s:%d:%d: internal error in %s@%s: %s%s%s\n", sc->path ? sc->path : "?",
				sc->guest.code.pos.line, sc->guest.code.pos.col, r->policy, r->vendor,
				r->stop == STOP_NONE ? "the run ended without a stop reason" : "internal",
				r->stop_msg[0] ? ": " : "", r->stop_msg);
		return HVSIM_EXIT_INTERNAL;
	}
	if (result_stop_abnormal(r->stop, sc->guest.budget_ok)) {
		if (report)
			fprintf(stderr, "%s:%d:%d: guest stopped abnormally under %s@%s: %s%s%s\n",
				sc->path ? sc->path : "?", sc->guest.code.pos.line, sc->guest.code.pos.col,
				r->policy, r->vendor, engine_stop_name(r->stop), r->stop_msg[0] ? ": " : "",
				r->stop_msg);
		return HVSIM_EXIT_ABNORMAL;
	}
	return HVSIM_EXIT_OK;
}
