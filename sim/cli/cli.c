/* cli.c - the `hvsim` command line: a static table of subcommands
 * {name, fn, usage, help} (kvmtool's shape), a small option parser shared by
 * all of them, and the exit-status policy (result_io.h, enum hvsim_exit).
 *
 * Conventions: results on stdout, diagnostics on stderr as one line
 * "file:line:col: message" (usage errors as "hvsim: ..."), output files are
 * written atomically (sim/outfile.h), and the same input gives the same
 * bytes. */
#include <capstone/capstone.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cost.h"
#include "cpu/engine/engine.h"
#include "debugreg/policy_names.h"
#include "sim/expect.h"
#include "sim/util/outfile.h"
#include "sim/render/result_out.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/cli/cmds.h"           /* trace, report, explain, step (sim/cmd_*.c) */
#include "sim/render/trace.h"
#include "sim/cli/verb.h"

#ifndef HVSIM_VERSION
#define HVSIM_VERSION "0.0.0"
#endif
#ifndef HVSIM_SOURCE_DIR
#define HVSIM_SOURCE_DIR "."
#endif

#define ERRSZ 1024

struct cmd {
	const char *name;
	int (*fn)(const struct cmd *c, int argc, char **argv);
	const char *usage;             /* one line, without "usage: " */
	const char *summary;           /* one line for `hvsim help` */
	const char *help;              /* options and details */
};

static const struct cmd *find_cmd(const char *name);
int cmd_compare(const struct cmd *c, int argc, char **argv); extern const char cmd_compare_usage[], cmd_compare_summary[], cmd_compare_help[];
int cmd_sweep(const struct cmd *c, int argc, char **argv); extern const char cmd_sweep_usage[], cmd_sweep_summary[], cmd_sweep_help[];
int cmd_kvm(const struct cmd *c, int argc, char **argv), cmd_diff(const struct cmd *c, int argc, char **argv); extern const char cmd_kvm_usage[], cmd_kvm_summary[], cmd_kvm_help[], cmd_diff_usage[], cmd_diff_summary[], cmd_diff_help[];
static void print_general_help(FILE *f);

static const char exit_codes_text[] =
	"exit status:\n"
	"  0  success\n"
	"  2  usage error (unknown command or option, missing or bad argument)\n"
	"  3  skipped: nothing was checked (no expectations)\n"
	"  4  scenario or I/O error (reported as file:line:col: message)\n"
	"  5  an expectation failed (hvsim check)\n"
	"  6  internal error (an hvsim bug)\n"
	"  7  the guest stopped abnormally: fault, triple fault, invalid opcode,\n"
	"     unmapped access, VM entry failure, or the instruction/cycle budget\n"
	"     ran out (unless the scenario says limits.on_budget: stop)\n";

/* ---- small helpers ---------------------------------------------------- */

/* "hvsim: MESSAGE (see 'hvsim help VERB')"; verb NULL = general help, "" =
 * no pointer. */

static int usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	fputs("hvsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (verb && *verb)
		fprintf(stderr, " (see 'hvsim help %s')\n", verb);
	else if (!verb)
		fputs(" (see 'hvsim help')\n", stderr);
	else
		fputc('\n', stderr);
	return HVSIM_EXIT_USAGE;
}

static void print_cmd_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s\n\n%s\n", c->usage, c->summary);
	if (c->help && *c->help)
		fprintf(f, "\n%s", c->help);
	fputc('\n', f);
	fputs(exit_codes_text, f);
}

static int worse(int a, int b)
{
	/* Precedence of exit codes when several apply. */
	static const int rank[8] = { [0] = 0, [3] = 1, [5] = 2, [7] = 3, [6] = 4, [4] = 5, [2] = 6 };
	int ra = (a >= 0 && a < 8) ? rank[a] : 7, rb = (b >= 0 && b < 8) ? rank[b] : 7;
	return rb > ra ? b : a;
}

static const char *vendor_str(enum vendor v)
{
	switch (v) {
	case VENDOR_VMX: return "vmx";
	case VENDOR_SVM: return "svm";
	case VENDOR_BOTH: return "both";
	default: return "none";
	}
}

static const char *source_dir(void)
{
	const char *d = getenv("HVSIM_SOURCE_DIR");
	return d && *d ? d : HVSIM_SOURCE_DIR;
}

static const char *scen_name(const struct scenario *sc)
{
	if (sc->name && *sc->name)
		return sc->name;
	const char *b = strrchr(sc->path ? sc->path : "?", '/');
	return b ? b + 1 : (sc->path ? sc->path : "?");
}

/* ---- option parsing ---------------------------------------------------- */

enum opt_id { OPT_POLICY = 1, OPT_VENDOR, OPT_FORMAT, OPT_OUTPUT, OPT_COST, OPT_TRACE, OPT_TRACE_INSNS };

struct optspec {
	const char *lng;               /* without "--" */
	char shrt;                     /* 0 = none */
	int id;
};

struct opts {
	const char **policies;         /* -p values (pointers into argv) */
	size_t npolicies;
	bool vendor_set;
	enum vendor vendor;
	const char *format;            /* "text" / "json" */
	const char *output;
	const char *cost;
	const char *trace;             /* run --trace FILE */
	bool trace_insns;              /* run --trace-insns (a flag: takes no value) */
	const char **pos;              /* positional arguments */
	size_t npos;
};

static void opts_free(struct opts *o)
{
	free(o->policies);
	free(o->pos);
}

/* Parse argv[1..] against specs.  Returns -1 to go on, or an exit code
 * (0 after printing --help, 2 on a usage error). */
static int parse_opts(const struct cmd *c, int argc, char **argv, const struct optspec *specs,
		      struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = "text";
	o->policies = calloc((size_t)argc + 1, sizeof(*o->policies));
	o->pos = calloc((size_t)argc + 1, sizeof(*o->pos));
	if (!o->policies || !o->pos) {
		fprintf(stderr, "hvsim: out of memory\n");
		return HVSIM_EXIT_INTERNAL;
	}
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_cmd_help(stdout, c);
			return HVSIM_EXIT_OK;
		}
		const struct optspec *s = NULL;
		const char *val = NULL;
		char shown[64];
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			for (const struct optspec *q = specs; q && q->id; q++)
				if (q->lng && strlen(q->lng) == n && memcmp(q->lng, a + 2, n) == 0)
					s = q;
			snprintf(shown, sizeof(shown), "--%.*s", (int)(n < 40 ? n : 40), a + 2);
			if (!s)
				return usage_error(c->name, "unknown option '%s'", shown);
			if (eq)
				val = eq + 1;
		} else {
			for (const struct optspec *q = specs; q && q->id; q++)
				if (q->shrt && q->shrt == a[1])
					s = q;
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			if (!s)
				return usage_error(c->name, "unknown option '%s'", shown);
			if (a[2])
				val = a + 2;
		}
		if (s->id == OPT_TRACE_INSNS) {
			if (val)
				return usage_error(c->name, "option '%s' takes no value", shown);
			o->trace_insns = true;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return usage_error(c->name, "option '%s' needs a value", shown);
			val = argv[++i];
		}
		switch (s->id) {
		case OPT_POLICY:
			if (!*val)
				return usage_error(c->name, "option '%s' needs a value", shown);
			o->policies[o->npolicies++] = val;
			break;
		case OPT_VENDOR:
			o->vendor_set = true;
			if (strcmp(val, "vmx") == 0)
				o->vendor = VENDOR_VMX;
			else if (strcmp(val, "svm") == 0)
				o->vendor = VENDOR_SVM;
			else if (strcmp(val, "both") == 0)
				o->vendor = VENDOR_BOTH;
			else if (strcmp(val, "none") == 0)
				o->vendor = VENDOR_NONE;
			else
				return usage_error(c->name, "bad value '%s' for --vendor, want vmx, svm, both or none",
						   val);
			break;
		case OPT_FORMAT:
			if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
				return usage_error(c->name, "bad value '%s' for --format, want text or json", val);
			o->format = val;
			break;
		case OPT_OUTPUT:
			if (!*val)
				return usage_error(c->name, "option '%s' needs a value", shown);
			o->output = val;
			break;
		case OPT_COST:
			if (!*val)
				return usage_error(c->name, "option '%s' needs a value", shown);
			o->cost = val;
			break;
		case OPT_TRACE:
			if (!*val)
				return usage_error(c->name, "option '%s' needs a value", shown);
			o->trace = val;
			break;
		}
	}
	return -1;
}

/* ---- scenario checks shared by validate, run and check ----------------- */

/* Static checks beyond the loader: policy and variant names, expectation
 * selectors, fields and value types.  Prints each problem as
 * file:line:col: message; returns the number of problems. */
static int check_scenario(const struct scenario *sc)
{
	int nerr = 0;
	char err[ERRSZ];
	const char *path = sc->path ? sc->path : "?";
	for (size_t i = 0; i < sc->nvariants; i++) {
		const struct variant *v = &sc->variants[i];
		if (!v->base || !policy_exists(v->base)) {
			fprintf(stderr, "%s:%d:%d: variant '%s': unknown base policy '%s' (see 'hvsim list policies')\n",
				path, v->pos.line, v->pos.col, v->name ? v->name : "?", v->base ? v->base : "");
			nerr++;
		}
	}
	for (size_t i = 0; i < sc->npolicies; i++) {
		const char *p = sc->policies[i];
		if (p && (strcmp(p, "all") == 0 || expect_policy_known(sc, p)))
			continue;
		struct srcpos pos = sc->policy_pos ? sc->policy_pos[i] : (struct srcpos){ 0, 0 };
		fprintf(stderr, "%s:%d:%d: unknown policy '%s' (see 'hvsim list policies')\n",
			path, pos.line, pos.col, p ? p : "");
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

/* ---- run plan: which policies on which vendors ------------------------- */

struct plan {
	struct verb_names pol;         /* owned copies (sim/verb.h) */
	enum vendor ven[2];
	size_t nven;
	struct trace_writer *tw;       /* run --trace: one header + events per run (NULL = none) */
	bool trace_insns;
};

static void plan_free(struct plan *p)
{
	verb_names_free(&p->pol);
	memset(p, 0, sizeof(*p));
}

/* Returns 0 or an exit code (message printed). */
static int plan_build(const struct cmd *c, const struct scenario *sc, const struct opts *o, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	int rc = 0;
	if (o->npolicies) {
		for (size_t i = 0; i < o->npolicies && rc == 0; i++) {
			const char *n = o->policies[i];
			if (strcmp(n, "all") == 0) {
				rc = verb_names_add_all(&p->pol, sc) ? HVSIM_EXIT_INTERNAL : 0;
			} else if (!expect_policy_known(sc, n)) {
				plan_free(p);
				return usage_error("", "unknown policy '%s' (see 'hvsim list policies')", n);
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
static int run_plan(const struct scenario *sc, const struct plan *p, const char *cost,
		    struct run_result **resp, size_t *nresp)
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
				trace_write_header(p->tw, scen_name(sc), p->ven[j] == VENDOR_NONE ? "none" : p->pol.v[i],
						   vendor_str(p->ven[j]));
				cfg.trace = trace_sink_jsonl;
				cfg.trace_ctx = p->tw;
				cfg.trace_insns = p->trace_insns;
			}
			char err[ERRSZ] = "";
			struct run_result *r = &res[k];
			if (sim_run(sc, &cfg, r, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
				for (size_t q = 0; q <= k; q++)
					run_result_free(&res[q]);
				free(res);
				return HVSIM_EXIT_ERROR;
			}
			/* The labels of the run, in case the runner left them empty. */
			if (!r->scenario[0])
				snprintf(r->scenario, sizeof(r->scenario), "%s", scen_name(sc));
			if (!r->policy[0])
				snprintf(r->policy, sizeof(r->policy), "%s", p->pol.v[i]);
			if (!r->vendor[0])
				snprintf(r->vendor, sizeof(r->vendor), "%s", vendor_str(p->ven[j]));
			k++;
		}
	}
	*resp = res;
	*nresp = k;
	return 0;
}

static void free_results(struct run_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_result_free(&res[i]);
	free(res);
}

/* Exit status implied by how the runs stopped; reports abnormal stops on
 * stderr (skipping runs for which `expected` says the stop was expected). */
static int stop_status(const struct scenario *sc, const struct run_result *r, bool report)
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

/* ---- run ---------------------------------------------------------------- */

static const struct optspec run_specs[] = {
	{ "policy", 'p', OPT_POLICY }, { "vendor", 0, OPT_VENDOR }, { "format", 0, OPT_FORMAT },
	{ "output", 'o', OPT_OUTPUT }, { "cost", 0, OPT_COST }, { NULL, 0, 0 },
};

static const struct optspec run_trace_specs[] = {
	{ "policy", 'p', OPT_POLICY }, { "vendor", 0, OPT_VENDOR }, { "format", 0, OPT_FORMAT },
	{ "output", 'o', OPT_OUTPUT }, { "cost", 0, OPT_COST }, { "trace", 0, OPT_TRACE },
	{ "trace-insns", 0, OPT_TRACE_INSNS }, { NULL, 0, 0 },
};

static int cmd_run(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	struct outfile tf;
	struct trace_writer tw;
	int rc = parse_opts(c, argc, argv, run_trace_specs, &o);
	if (rc >= 0)
		goto out_opts;
	if (o.trace_insns && !o.trace) {
		rc = usage_error(c->name, "--trace-insns needs --trace FILE");
		goto out_opts;
	}
	if (o.trace && !strcmp(o.trace, "-") && (!o.output || !strcmp(o.output, "-"))) {
		rc = usage_error(c->name, "--trace - and the result cannot both go to standard output (use -o)");
		goto out_opts;
	}
	if (o.npos != 1) {
		rc = o.npos ? usage_error(c->name, "run takes one SCENARIO, got %zu", o.npos)
			    : usage_error(c->name, "run needs a SCENARIO");
		goto out_opts;
	}
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(o.pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_opts;
	}
	if (check_scenario(sc)) {
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	struct plan p;
	rc = plan_build(c, sc, &o, &p);
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
	rc = run_plan(sc, &p, o.cost, &res, &nres);
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
		rc = worse(rc, stop_status(sc, &res[i], true));

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
	free_results(res, nres);
out_plan:
	plan_free(&p);
out_sc:
	scenario_free(sc);
out_opts:
	opts_free(&o);
	return rc;
}

/* ---- check -------------------------------------------------------------- */

struct check_totals { unsigned checks, failed, skipped; };

static int check_one(const struct cmd *c, const char *file, const struct opts *o, struct check_totals *t)
{
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	int rc = HVSIM_EXIT_OK;
	if (check_scenario(sc)) {
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	const char *name = scen_name(sc);
	if (sc->nexpects == 0) {
		printf("SKIP: %s: no expectations\n", name);
		t->skipped++;
		rc = HVSIM_EXIT_SKIP;
		goto out_sc;
	}
	struct plan p;
	rc = plan_build(c, sc, o, &p);
	if (rc)
		goto out_sc;
	struct run_result *res = NULL;
	size_t nres = 0;
	rc = run_plan(sc, &p, o->cost, &res, &nres);
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
				rc = worse(rc, HVSIM_EXIT_FAIL);
			}
		}
		int st = stop_status(sc, r, false);
		if (st == HVSIM_EXIT_INTERNAL || (st == HVSIM_EXIT_ABNORMAL && !stop_expected)) {
			t->checks++;
			t->failed++;
			printf("FAIL: %s/%s@%s guest stopped abnormally: %s%s%s\n", name, r->policy, r->vendor,
			       engine_stop_name(r->stop), r->stop_msg[0] ? ": " : "", r->stop_msg);
			rc = worse(rc, st);
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
	free_results(res, nres);
out_plan:
	plan_free(&p);
out_sc:
	scenario_free(sc);
	return rc;
}

static int cmd_check(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(c, argc, argv, run_specs, &o);
	if (rc >= 0)
		goto out;
	if (o.output || strcmp(o.format, "text") != 0) {
		rc = usage_error(c->name, "check prints PASS/FAIL lines only (no --format or -o)");
		goto out;
	}
	if (o.npos == 0) {
		rc = usage_error(c->name, "check needs at least one SCENARIO");
		goto out;
	}
	struct check_totals t = { 0, 0, 0 };
	rc = HVSIM_EXIT_OK;
	bool any_ran = false;
	for (size_t i = 0; i < o.npos; i++) {
		int r = check_one(c, o.pos[i], &o, &t);
		if (r != HVSIM_EXIT_SKIP)
			any_ran = true;
		if (r != HVSIM_EXIT_SKIP)
			rc = worse(rc, r);
	}
	if (t.skipped)
		printf("SUMMARY: %u checks, %u failed, %u skipped\n", t.checks, t.failed, t.skipped);
	else
		printf("SUMMARY: %u checks, %u failed\n", t.checks, t.failed);
	if (!any_ran && rc == HVSIM_EXIT_OK)
		rc = HVSIM_EXIT_SKIP;
	fflush(stdout);
out:
	opts_free(&o);
	return rc;
}

/* ---- validate ----------------------------------------------------------- */

static int cmd_validate(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(c, argc, argv, NULL, &o);
	if (rc >= 0)
		goto out;
	if (o.npos == 0) {
		rc = usage_error(c->name, "validate needs at least one SCENARIO");
		goto out;
	}
	rc = HVSIM_EXIT_OK;
	for (size_t i = 0; i < o.npos; i++) {
		char err[ERRSZ] = "";
		struct scenario *sc = scenario_load(o.pos[i], err, sizeof(err));
		if (!sc) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			continue;
		}
		if (check_scenario(sc))
			rc = HVSIM_EXIT_ERROR;
		else
			printf("ok: %s\n", o.pos[i]);
		scenario_free(sc);
	}
	fflush(stdout);
out:
	opts_free(&o);
	return rc;
}

/* ---- disasm ------------------------------------------------------------- */

static const char *site_name(unsigned cls)
{
	switch (cls) {
	case IC_MOV_DR: return "mov-dr";
	case IC_CPUID: return "cpuid";
	case IC_HLT: return "hlt";
	case IC_IO: return "io";
	case IC_VMCALL: return "vmcall";
	case IC_VMMCALL: return "vmmcall";
	case IC_ICEBP: return "icebp";
	case IC_IRET: return "iret";
	case IC_RDMSR: return "rdmsr";
	case IC_WRMSR: return "wrmsr";
	case IC_BAD: return "unsupported";
	default: return NULL;
	}
}

static int sym_cmp(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

#define DISASM_TEXT_COL 32
#define DISASM_ZERO_RUN 8      /* collapse at least this many zero bytes */

static int disasm_block(FILE *f, const char *title, const struct code_block *cb, int mode)
{
	fprintf(f, "%s, %d-bit, 0x%016" PRIx64 "-0x%016" PRIx64 " (%zu bytes):\n", title, mode, cb->base,
		cb->base + cb->size, cb->size);
	if (!cb->bytes || !cb->size)
		return 0;
	csh h;
	if (cs_open(CS_ARCH_X86, mode == 32 ? CS_MODE_32 : CS_MODE_64, &h) != CS_ERR_OK) {
		fprintf(stderr, "hvsim: cannot initialize Capstone\n");
		return HVSIM_EXIT_INTERNAL;
	}
	struct symbol *syms = NULL;
	if (cb->nsyms) {
		syms = malloc(cb->nsyms * sizeof(*syms));
		if (!syms) {
			cs_close(&h);
			fprintf(stderr, "hvsim: out of memory\n");
			return HVSIM_EXIT_INTERNAL;
		}
		memcpy(syms, cb->syms, cb->nsyms * sizeof(*syms));
		qsort(syms, cb->nsyms, sizeof(*syms), sym_cmp);
	}
	size_t si = 0;
	cs_insn *insn = cs_malloc(h);
	const uint8_t *code = cb->bytes;
	size_t left = cb->size;
	uint64_t addr = cb->base;
	/* Column width for the bytes: the longest instruction of the block. */
	size_t maxlen = 1;
	{
		const uint8_t *c2 = code;
		size_t l2 = left;
		uint64_t a2 = addr;
		while (l2) {
			if (insn && cs_disasm_iter(h, &c2, &l2, &a2, insn)) {
				if (insn->size > maxlen)
					maxlen = insn->size;
			} else {
				c2++;
				l2--;
				a2++;
			}
		}
	}
	int bytes_w = (int)(maxlen * 3 - 1);
	while (left) {
		uint64_t at = addr;
		size_t off = (size_t)(addr - cb->base);
		while (si < cb->nsyms && syms[si].addr < at)
			si++;                  /* labels inside an instruction are not shown */
		for (; si < cb->nsyms && syms[si].addr == at; si++)
			fprintf(f, "%s:\n", syms[si].name ? syms[si].name : "?");
		char text[224], hex[64];
		size_t len;
		/* Runs of zero bytes (data, padding) are collapsed, up to the
		 * next label. */
		size_t z = 0;
		uint64_t stop = si < cb->nsyms ? syms[si].addr : UINT64_MAX;
		while (z < left && code[z] == 0 && at + z < stop)
			z++;
		if (z >= DISASM_ZERO_RUN) {
			fprintf(f, "0x%016" PRIx64 ":  %-*s    (%zu zero bytes)\n", at, bytes_w, "00 ...", z);
			code += z;
			left -= z;
			addr += z;
			continue;
		}
		if (insn && cs_disasm_iter(h, &code, &left, &addr, insn)) {
			len = insn->size;
			if (insn->op_str[0])
				snprintf(text, sizeof(text), "%s %s", insn->mnemonic, insn->op_str);
			else
				snprintf(text, sizeof(text), "%s", insn->mnemonic);
		} else {
			len = 1;
			snprintf(text, sizeof(text), "(bad)");
			code++;
			left--;
			addr++;
		}
		size_t hp = 0;
		for (size_t b = 0; b < len && hp + 4 < sizeof(hex); b++)
			hp += (size_t)snprintf(hex + hp, sizeof(hex) - hp, b ? " %02x" : "%02x", cb->bytes[off + b]);
		struct insn_info ii;
		const char *site = NULL;
		if (engine_classify(cb->bytes + off, cb->size - off, mode, &ii) == 0)
			site = site_name(ii.cls);
		if (site)
			fprintf(f, "0x%016" PRIx64 ":  %-*s    %-*s ; site: %s\n", at, bytes_w, hex,
				DISASM_TEXT_COL, text, site);
		else
			fprintf(f, "0x%016" PRIx64 ":  %-*s    %s\n", at, bytes_w, hex, text);
	}
	if (insn)
		cs_free(insn, 1);
	free(syms);
	cs_close(&h);
	return 0;
}

static int cmd_disasm(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(c, argc, argv, NULL, &o);
	if (rc >= 0)
		goto out;
	if (o.npos != 1) {
		rc = usage_error(c->name, o.npos ? "disasm takes one SCENARIO" : "disasm needs a SCENARIO");
		goto out;
	}
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(o.pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	struct outfile of;
	if (outfile_open(&of, "-", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	rc = disasm_block(of.f, "guest code", &sc->guest.code, sc->guest.mode == 32 ? 32 : 64);
	for (size_t i = 0; i < sc->host.nsnippets && rc == 0; i++) {
		char title[192];
		snprintf(title, sizeof(title), "\nhost snippet %s", sc->host.snippets[i].name);
		rc = disasm_block(of.f, title, &sc->host.snippets[i].code, 64);
	}
	if (rc) {
		outfile_abort(&of);
	} else if (outfile_commit(&of, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
	}
out_sc:
	scenario_free(sc);
out:
	opts_free(&o);
	return rc;
}

/* ---- list ----------------------------------------------------------------- */

static void list_policy_cb(const char *name, const char *summary, void *ctx)
{
	printf("%-24s %s\n", name, summary ? summary : "");
}

static void list_field_cb(const char *path, const char *type, const char *desc, void *ctx)
{
	printf("%-28s %-6s %s\n", path, type, desc);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of DIR/ *SUFFIX (owned); NULL with errno on failure. */
static char **dir_files(const char *dir, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	size_t sl = strlen(suffix);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0 || de->d_name[0] == '.')
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(v, cap * sizeof(*nv));
			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[cnt] = strdup(de->d_name)))
			goto oom;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), str_cmp);
	*n = cnt;
	if (!v)
		v = calloc(1, sizeof(*v));
	return v;
oom:
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	closedir(d);
	errno = ENOMEM;
	return NULL;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int list_scenarios(void)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/scenarios", source_dir());
	size_t n = 0;
	char **names = dir_files(dir, ".yaml", &n);
	if (!names) {
		fprintf(stderr, "%s:0:0: cannot list scenarios: %s\n", dir, strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	int rc = HVSIM_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		char path[8192], err[ERRSZ] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct scenario *sc = scenario_load(path, err, sizeof(err));
		if (!sc) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			continue;
		}
		printf("%-28s ", scen_name(sc));
		/* the summary on one line, whitespace runs folded */
		bool space = false, started = false;
		for (const char *q = sc->summary ? sc->summary : ""; *q; q++) {
			if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') {
				space = started;
				continue;
			}
			if (space)
				putchar(' ');
			started = true;
			space = false;
			putchar(*q);
		}
		putchar('\n');
		scenario_free(sc);
	}
	free_names(names, n);
	return rc;
}

static int list_costs(void)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/cpu/costs", source_dir());
	size_t n = 0;
	char **names = dir_files(dir, ".cost", &n);
	if (!names) {
		fprintf(stderr, "%s:0:0: cannot list cost models: %s\n", dir, strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	printf("cost models (--cost NAME, cpu.model in scenarios):\n");
	for (size_t i = 0; i < n; i++) {
		char path[8192], line[512], summary[512] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *p = line;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\n' || *p == '\0')
				continue;
			if (*p == '#') {       /* the first comment line is the summary */
				p++;
				while (*p == ' ')
					p++;
				p[strcspn(p, "\r\n")] = '\0';
				snprintf(summary, sizeof(summary), "%s", p);
			}
			break;
		}
		if (f)
			fclose(f);
		names[i][strlen(names[i]) - 5] = '\0';
		printf("  %-22s %s\n", names[i], summary);
	}
	free_names(names, n);
	printf("\ncost entries (cpu.costs overrides):\n");
	for (unsigned i = 0; i < cost_ndescs; i++)
		printf("  %-22s %s\n", cost_descs[i].name, cost_descs[i].desc);
	return HVSIM_EXIT_OK;
}

static int cmd_list(const struct cmd *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "events") == 0)
		return cmd_list_events(argc - 1, argv + 1);      /* sim/cmd_trace.c */
	struct opts o;
	int rc = parse_opts(c, argc, argv, NULL, &o);
	if (rc >= 0)
		goto out;
	if (o.npos != 1) {
		rc = usage_error(c->name, o.npos ? "list takes one argument" : "list needs what to list");
		goto out;
	}
	const char *what = o.pos[0];
	if (strcmp(what, "policies") == 0) {
		policy_list(list_policy_cb, NULL);
		rc = HVSIM_EXIT_OK;
	} else if (strcmp(what, "fields") == 0) {
		result_field_patterns(list_field_cb, NULL);
		rc = HVSIM_EXIT_OK;
	} else if (strcmp(what, "scenarios") == 0) {
		rc = list_scenarios();
	} else if (strcmp(what, "costs") == 0) {
		rc = list_costs();
	} else {
		rc = usage_error(c->name, "unknown list '%s', want policies, scenarios, fields or costs", what);
	}
out:
	opts_free(&o);
	return rc;
}

/* ---- version, help -------------------------------------------------------- */

static int cmd_version(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(c, argc, argv, NULL, &o);
	if (rc < 0) {
		if (o.npos)
			rc = usage_error(c->name, "version takes no arguments");
		else {
			printf("hvsim %s\n", HVSIM_VERSION);
			rc = HVSIM_EXIT_OK;
		}
	}
	opts_free(&o);
	return rc;
}

static int cmd_help(const struct cmd *c, int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(c, argc, argv, NULL, &o);
	if (rc >= 0)
		goto out;
	if (o.npos == 0) {
		print_general_help(stdout);
		rc = HVSIM_EXIT_OK;
	} else if (o.npos > 1) {
		rc = usage_error(c->name, "help takes one COMMAND");
	} else {
		const struct cmd *t = find_cmd(o.pos[0]);
		if (!t) {
			rc = usage_error(NULL, "unknown command '%s'", o.pos[0]);
		} else {
			print_cmd_help(stdout, t);
			rc = HVSIM_EXIT_OK;
		}
	}
out:
	opts_free(&o);
	return rc;
}

static const struct cmd cmds[] = {
	{ "run", cmd_run,
	  "hvsim run SCENARIO [-p POLICY]... [--vendor vmx|svm|both|none] [--format text|json] [-o FILE] [--cost MODEL]\n"
	  "                 [--trace FILE [--trace-insns]]",
	  "Run a scenario under each policy on each vendor and report the result.",
	  "options:\n"
	  "  -p, --policy POLICY  policy or scenario variant to run; repeatable; \"all\" = every\n"
	  "                       policy and variant (default: the scenario's `policies`)\n"
	  "      --vendor V       vmx, svm, both (vmx then svm) or none (bare metal)\n"
	  "                       (default: the scenario's `vendor`)\n"
	  "      --format F       text: a perf-kvm-stat style table per run (default);\n"
	  "                       json: one document {\"schema\":\"hvsim-result\",\"version\":1,\"runs\":[...]}\n"
	  "  -o, --output FILE    write to FILE, atomically (\"-\" = standard output, the default)\n"
	  "      --cost MODEL     cost model name or .cost file, instead of the scenario's\n"
	  "      --trace FILE     write the event trace (JSONL, docs/trace-schema.md) to FILE,\n"
	  "                       atomically; one header line opens each run ('hvsim trace FILE')\n"
	  "      --trace-insns    also trace every guest instruction (Capstone text; slow)\n"
	  "\nRuns go policy by policy, each on every vendor.  The result fields are listed by\n"
	  "'hvsim list fields' and documented in docs/result-schema.md.\n" },
	{ "check", cmd_check,
	  "hvsim check SCENARIO... [-p POLICY]... [--vendor vmx|svm|both|none] [--cost MODEL]",
	  "Run scenarios and evaluate their `expect` entries.",
	  "Prints one line per evaluated expectation and run, then a summary:\n"
	  "  PASS: scenario/policy@vmx exits.by_reason.DR_ACCESS == 1\n"
	  "  FAIL: scenario/policy@vmx db.guest.missed == 0: want 0, got 1\n"
	  "  SUMMARY: 12 checks, 1 failed\n"
	  "A run whose guest stops abnormally fails unless an expectation of that run\n"
	  "tests guest.stop.  Options as for 'hvsim run'.\n" },
	{ "compare", cmd_compare, cmd_compare_usage, cmd_compare_summary, cmd_compare_help },   /* sim/cmd_compare.c */
	{ "sweep", cmd_sweep, cmd_sweep_usage, cmd_sweep_summary, cmd_sweep_help },   /* sim/cmd_sweep.c */
	{ "validate", cmd_validate, "hvsim validate SCENARIO...",
	  "Load and assemble scenarios and check policy names and expectation fields.",
	  "Prints \"ok: FILE\" for each valid file; problems go to stderr as file:line:col: message.\n" },
	{ "disasm", cmd_disasm, "hvsim disasm SCENARIO",
	  "Disassemble a scenario's guest code and host snippets, marking the sites.",
	  "Instructions the simulator treats specially (MOV DR, CPUID, HLT, IN/OUT, VMCALL,\n"
	  "VMMCALL, ICEBP, IRET, RDMSR, WRMSR) end with \"; site: NAME\".\n" },
	{ "trace", cmd_trace, CMD_TRACE_USAGE, CMD_TRACE_SUMMARY, CMD_TRACE_HELP },
	{ "report", cmd_report, CMD_REPORT_USAGE, CMD_REPORT_SUMMARY, CMD_REPORT_HELP },
	{ "explain", cmd_explain, CMD_EXPLAIN_USAGE, CMD_EXPLAIN_SUMMARY, CMD_EXPLAIN_HELP },
	{ "step", cmd_step, CMD_STEP_USAGE, CMD_STEP_SUMMARY, CMD_STEP_HELP },
	{ "kvm", cmd_kvm, cmd_kvm_usage, cmd_kvm_summary, cmd_kvm_help },   /* sim/cmd_kvm.c */
	{ "diff", cmd_diff, cmd_diff_usage, cmd_diff_summary, cmd_diff_help },   /* sim/cmd_kvm.c */
	{ "list", cmd_list, "hvsim list policies|scenarios|fields|costs|events",
	  "List policies, bundled scenarios, result fields or cost models.",
	  "Scenarios and cost models are read from $HVSIM_SOURCE_DIR (default: the source tree\n"
	  "hvsim was built from).\n" },
	{ "version", cmd_version, "hvsim version", "Print the version.", "" },
	{ "help", cmd_help, "hvsim help [COMMAND]", "Show help for hvsim or one command.", "" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cmd *find_cmd(const char *name)
{
	for (const struct cmd *c = cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void print_general_help(FILE *f)
{
	fprintf(f, "usage: hvsim COMMAND [ARGS]\n\n"
		   "hvsim simulates x86 VMX/SVM debug-register switching policies.\n\ncommands:\n");
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\n%s\nSee 'hvsim help COMMAND' or 'hvsim COMMAND --help' for the options of a command.\n",
		exit_codes_text);
}

/* Output printed directly to stdout (lists, check lines) must have
 * arrived: a write error is an I/O error. */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "-:0:0: cannot write standard output: %s\n", strerror(errno));
		return worse(rc, HVSIM_EXIT_ERROR);
	}
	return rc;
}

int hvsim_main(int argc, char **argv)
{
	if (argc < 2) {
		print_general_help(stderr);
		return HVSIM_EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "-V") == 0) {
		printf("hvsim %s\n", HVSIM_VERSION);
		return finish_stdout(HVSIM_EXIT_OK);
	}
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
		print_general_help(stdout);
		return finish_stdout(HVSIM_EXIT_OK);
	}
	if (verb[0] == '-')
		return usage_error(NULL, "unknown option '%s'", verb);
	const struct cmd *c = find_cmd(verb);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", verb);
	int rc = c->fn(c, argc - 1, argv + 1);
	return finish_stdout(rc);
}
