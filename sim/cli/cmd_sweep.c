/* cmd_sweep.c - `hvsim sweep`: the cross product scenarios x policies x
 * vendors x cost models, every run an independent sim_run() on a pool of
 * threads, all results in one CSV or JSON file.
 *
 * Determinism: the job list is built in a fixed order (scenarios as given,
 * directories expanded in name order; for each scenario its policies, for
 * each policy its vendors, for each vendor the cost models), every worker
 * renders its run into the job's own slot, and the file is written after
 * the last run in job order (sim/pool.c).  The bytes do not depend on
 * --jobs, on scheduling or on the machine.
 *
 * Sharding (--shard I/N) cuts the job list into N contiguous pieces of
 * nearly equal size and runs piece I (0-based), so that the outputs of
 * shards 0..N-1 concatenated (CSV: keeping one header; JSON: the runs
 * arrays) are exactly the unsharded output.  The CSV's first column is the
 * run's index in the whole job list.  docs/sweep.md has a Slurm example.
 * The CSV and JSON are sim/render/sweep.c's. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cost.h"
#include "debugreg/hv.h"
#include "debugreg/policy_names.h"
#include "sim/expect.h"
#include "sim/cli/cost_list.h"
#include "sim/cli/plan.h"
#include "sim/pool.h"
#include "sim/render/compare.h"
#include "sim/render/robust.h"
#include "sim/render/sweep.h"
#include "sim/util/outfile.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/cli/verb.h"

#define ERRSZ 1024
#define MAX_JOBS 256

/* This verb's row of the verb table (sim/cli/verbs.c). */
#define sweep_spec (verb_find("sweep")->spec)

static int oom(void)
{
	fputs("hvsim: out of memory\n", stderr);
	return HVSIM_EXIT_INTERNAL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- options ------------------------------------------------------------------- */

enum sfmt { SF_CSV, SF_JSON };

struct sopts {
	const char **pos;              /* scenario files or directories */
	size_t npos;
	const char **pol;              /* -p values */
	size_t npol;
	bool vendor_set;
	enum vendor vendor;
	const char *cost;              /* --cost value (NULL = each scenario's own model) */
	struct cost_list costs;        /* its models (sim/cli/cost_list.h) */
	const char *baseline;          /* --baseline (NULL = each scenario's first policy) */
	const char *summary;           /* --summary FILE: the robustness summary (several models) */
	bool fmt_set;
	enum sfmt fmt;
	const char *output;
	unsigned jobs;
	unsigned shard_i, shard_n;
};

static int parse_shard(const char *val, struct sopts *o)
{
	char *end;
	errno = 0;
	unsigned long i = strtoul(val, &end, 10);
	if (end == val || *end != '/' || errno || val[0] == '-')
		return verb_usage(&sweep_spec, "bad value '%s' for --shard, want I/N (e.g. 0/8)", val);
	const char *q = end + 1;
	unsigned long n = strtoul(q, &end, 10);
	if (end == q || *end || errno || q[0] == '-' || n == 0 || n > 1000000 || i >= n)
		return verb_usage(&sweep_spec, "bad value '%s' for --shard, want I/N with 0 <= I < N", val);
	o->shard_i = (unsigned)i;
	o->shard_n = (unsigned)n;
	return -1;
}

/* One argument (verb_walk); -1 to go on, or an exit code. */
static int sweep_arg(int id, const char *val, void *ctx)
{
	struct sopts *o = ctx;
	switch (id) {
	case VERB_ARG_POS:
		o->pos[o->npos++] = val;
		break;
	case VERB_ARG_HELP:
		printf("usage: %s\n\n%s\n\n%s", sweep_spec.usage, sweep_spec.summary, sweep_spec.help);
		return HVSIM_EXIT_OK;
	case 0:
		o->pol[o->npol++] = val;
		break;
	case 1:
		o->vendor_set = true;
		if (verb_vendor_multi(&sweep_spec, val, &o->vendor))
			return HVSIM_EXIT_USAGE;
		break;
	case 2:
		o->cost = val;
		break;
	case 3:
		o->fmt_set = true;
		if (!strcmp(val, "csv"))
			o->fmt = SF_CSV;
		else if (!strcmp(val, "json"))
			o->fmt = SF_JSON;
		else
			return verb_usage(&sweep_spec, "bad value '%s' for --format, want csv or json", val);
		break;
	case 4:
		o->output = val;
		break;
	case 5: {
		char *end;
		errno = 0;
		unsigned long j = strtoul(val, &end, 10);
		if (*end || errno || val[0] == '-' || j < 1 || j > MAX_JOBS)
			return verb_usage(&sweep_spec, "bad value '%s' for --jobs, want 1-%d", val, MAX_JOBS);
		o->jobs = (unsigned)j;
		break;
	}
	case 6:
		return parse_shard(val, o);
	case 7:
		o->baseline = val;
		break;
	case 8:
		o->summary = val;
		break;
	}
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct sopts *o)
{
	static const struct verb_opt spec[] = {
		{ "policy", 'p', NULL, NULL }, { "vendor", 0, NULL, NULL }, { "cost", 0, NULL, NULL },
		{ "format", 0, NULL, NULL }, { "output", 'o', NULL, NULL }, { "jobs", 'j', NULL, NULL },
		{ "shard", 0, NULL, NULL }, { "baseline", 0, NULL, NULL }, { "summary", 0, NULL, NULL },
		{ NULL, 0, NULL, NULL },
	};
	o->pol = calloc((size_t)argc + 1, sizeof(*o->pol));
	o->pos = calloc((size_t)argc + 1, sizeof(*o->pos));
	if (!o->pol || !o->pos)
		return oom();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = ncpu < 1 ? 1 : ncpu > MAX_JOBS ? MAX_JOBS : (unsigned)ncpu;
	o->shard_n = 1;
	int rc = verb_walk(&sweep_spec, argc, argv, spec, sweep_arg, o);
	if (rc >= 0)
		return rc;
	if (!o->fmt_set && o->output) {
		size_t n = strlen(o->output);
		if (n > 5 && !strcmp(o->output + n - 5, ".json"))
			o->fmt = SF_JSON;
	}
	return -1;
}

/* ---- inputs: scenario files, policies, vendors, cost models ---------------------- */

/* Expand a directory argument into its *.yaml files, in name order. */
static int add_dir(const char *dir, struct verb_names *files)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s:0:0: cannot read directory: %s\n", dir, strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	struct verb_names names = { 0 };
	int rc = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		if (verb_names_push(&names, de->d_name)) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n && !rc; i++) {
		char *p;
		if (asprintf(&p, "%s/%s", dir, names.v[i]) < 0) {
			rc = -1;
			break;
		}
		rc = verb_names_push(files, p);
		free(p);
	}
	verb_names_free(&names);
	return rc ? oom() : 0;
}

/* The policies of one scenario: -p names (checked), or every preset and
 * the scenario's variants ("all", the default). */
static int scenario_policies(const struct scenario *sc, const struct sopts *o, struct verb_names *out)
{
	size_t n = o->npol ? o->npol : 1;
	for (size_t i = 0; i < n; i++) {
		const char *name = o->npol ? o->pol[i] : "all";
		if (!strcmp(name, "all")) {
			if (verb_names_add_all(out, sc))
				return oom();
			continue;
		}
		if (!expect_policy_known(sc, name)) {
			char hint[160];
			fprintf(stderr, "hvsim: unknown policy '%s' for %s %s\n", name, sc->path ? sc->path : "?",
				expect_policy_hint(sc, name, hint, sizeof(hint)));
			return HVSIM_EXIT_USAGE;
		}
		/* a preset of the other architecture has no run on this scenario
		 * (issue 20: the x86 presets on vendor arm, the Arm ones on vmx/svm) */
		if (policy_exists(name) && policy_is_arm(name) != (sc->arch == ARCH_AARCH64))
			continue;
		if (verb_names_add(out, name))
			return oom();
	}
	return 0;
}

/* A vendor this build does not implement (the SVM half before it lands). */
static bool vendor_missing(enum vendor v)
{
	const struct hv_vendor *hv = v == VENDOR_SVM ? &svm_vendor : v == VENDOR_VMX ? &vmx_vendor : NULL;
	return hv && (!hv->create || !hv->enter || !hv->dbg || !hv->entry_pending);
}

/* A job's vendor: vmx, svm or none (both is expanded into the two). */
static const char *vendor_name(enum vendor v)
{
	return scenario_vendor_name(v);
}

/* ---- jobs and workers ------------------------------------------------------------------ */

struct job {
	size_t index;                  /* position in the whole job list */
	const struct scenario *sc;
	const char *policy;            /* owned by the scenario's policy list */
	enum vendor vendor;
	const char *cost;              /* NULL = scenario's own */
	size_t scen, pol_index, cost_index;   /* which scenario, policy (in its list) and model (in --cost) */
	/* results, filled by the worker */
	char *text;                    /* CSV row or JSON run object (sim/render/sweep.h) */
	char err[ERRSZ];
	int rc;                        /* 0 ok, -1 sim_run refused, -2 out of memory */
	bool internal;                 /* the run ended with an internal error */
	struct compare_col *col;       /* the robustness summary's column of this run (NULL = none) */
};


struct sweep_run {
	struct job *jobs;
	enum sfmt fmt;
	const struct sweep_columns *cols;
	double t0;
};

/* One job on a worker of the pool (sim/pool.c); a run that cannot be made
 * stops the pool. */
static int run_job(void *ctx, size_t i)
{
	struct sweep_run *s = ctx;
	struct job *j = &s->jobs[i];
	struct run_config cfg = { .policy = j->policy, .vendor = j->vendor, .cost_model = j->cost };
	struct run_result res;
	if (sim_run(j->sc, &cfg, &res, j->err, sizeof(j->err))) {
		j->rc = -1;
		return j->rc;
	}
	j->internal = res.stop == STOP_INTERNAL || res.stop == STOP_NONE;
	int rc = s->fmt == SF_CSV ? sweep_csv_row(s->cols, &res, &j->text) : sweep_json_run(&res, &j->text);
	if (rc) {
		free(j->text);
		j->text = NULL;
		snprintf(j->err, sizeof(j->err), "hvsim: out of memory");
		j->rc = -2;
	}
	run_result_free(&res);             /* the counters, ledger and model stay */
	if (!j->rc && j->col) {            /* the summary's column: its own slot */
		j->col->res = res;
		j->col->rc = 0;
		j->col->unavailable = j->col->model_skipped = false;
	}
	return j->rc;
}

static void fmt_secs(double s, char *buf, size_t n)
{
	if (s < 0 || s > 1e7)
		snprintf(buf, n, "?");
	else if (s < 60)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 3600)
		snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, n, "%.1f h", s / 3600);
}

/* The progress line on stderr (when it is a terminal). */
static void progress(void *ctx, size_t done, size_t total)
{
	const struct sweep_run *s = ctx;
	double el = now() - s->t0, rate = el > 0 ? (double)done / el : 0;
	char left[32];
	fmt_secs(rate > 0 ? (double)(total - done) / rate : -1, left, sizeof(left));
	fprintf(stderr, "\rsweep: %zu/%zu runs, %.1f runs/s, %s left   ", done, total, rate, left);
}

/* ---- the robustness summary (several cost models) ----------------------------------- */

/* A scenario's vendors as the job list runs them (both = vmx, svm). */
static size_t scenario_vendors(const struct sopts *o, const struct scenario *sc, enum vendor vl[2])
{
	enum vendor v = o->vendor_set ? o->vendor : sc->vendor;
	vl[0] = vl[1] = v;
	if (v != VENDOR_BOTH)
		return 1;
	vl[0] = VENDOR_VMX;
	vl[1] = VENDOR_SVM;
	return 2;
}

/* Per scenario: its columns under every model (the layout of `hvsim
 * compare --cost`: model-major, then vendor, then policy), filled by the
 * runs themselves (job.col), and the report built from them. */
struct sum_scen {
	struct compare_col *cols;      /* nmodels x ncols */
	size_t ncols;
	size_t npol, nv;
	enum vendor vl[2];
	size_t baseline;               /* index in the scenario's policies */
	const char *base_name;         /* its name */
	size_t first, end;             /* its jobs: [first, end) of the whole list */
	struct robust_model *rm;
	struct robust_report rob;
};

struct summary {
	struct sum_scen *sc;           /* one per scenario */
	struct robust_scenario *out;   /* the rendered list */
	size_t n;
};

static void summary_free(struct summary *sm)
{
	for (size_t i = 0; sm->sc && i < sm->n; i++) {
		free(sm->sc[i].cols);
		free(sm->sc[i].rm);
		robust_free(&sm->sc[i].rob);
	}
	free(sm->sc);
	free(sm->out);
	memset(sm, 0, sizeof(*sm));
}

/* The columns of every scenario, before the runs.  0 or an exit code. */
static int summary_prepare(struct summary *sm, const struct sopts *o, struct scenario **scs, const struct verb_names *pols,
			   size_t nsc)
{
	size_t nm = o->costs.names.n;
	sm->n = nsc;
	if (!(sm->sc = calloc(nsc ? nsc : 1, sizeof(*sm->sc))) || !(sm->out = calloc(nsc ? nsc : 1, sizeof(*sm->out))))
		return oom();
	for (size_t s = 0; s < nsc; s++) {
		struct sum_scen *x = &sm->sc[s];
		enum vendor vl[2];
		size_t nv = scenario_vendors(o, scs[s], vl);
		for (size_t k = 0; k < nv; k++)
			if (vl[k] != VENDOR_NONE && !vendor_missing(vl[k]))
				x->vl[x->nv++] = vl[k];
		x->npol = pols[s].n;
		x->ncols = x->nv * x->npol;
		for (size_t i = 0; o->baseline && i < x->npol; i++)
			if (!strcmp(pols[s].v[i], o->baseline))
				x->baseline = i;
		x->base_name = x->npol ? pols[s].v[x->baseline] : NULL;
		if (!(x->cols = calloc(nm * x->ncols + 1, sizeof(*x->cols))) || !(x->rm = calloc(nm, sizeof(*x->rm))))
			return oom();
		for (size_t m = 0; m < nm; m++)
			for (size_t k = 0; k < x->nv; k++)
				for (size_t p = 0; p < x->npol; p++) {
					struct compare_col *c = &x->cols[m * x->ncols + k * x->npol + p];
					snprintf(c->name, sizeof(c->name), "%s@%s", pols[s].v[p], vendor_name(x->vl[k]));
					c->policy = pols[s].v[p];
					c->pol_index = p;
					c->vendor = x->vl[k];
					c->rc = -1;             /* until its run fills it */
					c->unavailable = c->model_skipped = true;
				}
	}
	return 0;
}

/* The job's column, or NULL (bare metal). */
static struct compare_col *summary_col(struct summary *sm, const struct job *j)
{
	struct sum_scen *x = &sm->sc[j->scen];
	for (size_t k = 0; k < x->nv; k++)
		if (x->vl[k] == j->vendor)
			return &x->cols[j->cost_index * x->ncols + k * x->npol + j->pol_index];
	return NULL;
}

/* The reports, after the runs of [lo, hi).  0 or an exit code. */
static int summary_build(struct summary *sm, const struct sopts *o, struct scenario **scs, size_t lo, size_t hi)
{
	size_t nm = o->costs.names.n;
	for (size_t s = 0; s < sm->n; s++) {
		struct sum_scen *x = &sm->sc[s];
		struct robust_scenario *r = &sm->out[s];
		r->name = plan_scenario_name(scs[s]);
		r->path = scs[s]->path;
		r->baseline = x->base_name;
		if (!x->nv || x->npol < 2) {
			r->left_out = x->nv ? "one policy, nothing to compare" : "bare metal, no policies to compare";
			continue;
		}
		if (x->end <= lo || x->first >= hi) {
			r->left_out = "its runs are in another shard (--shard)";
			continue;
		}
		if (x->first < lo || x->end > hi) {
			r->left_out = "its runs are split across shards (--shard); sweep it unsharded, or use hvsim compare --cost all";
			continue;
		}
		for (size_t m = 0; m < nm; m++)
			x->rm[m] = (struct robust_model){ o->costs.names.v[m], &x->cols[m * x->ncols], x->ncols };
		if (robust_build(&x->rob, x->rm, nm, x->baseline))
			return oom();
		r->r = &x->rob;
	}
	return 0;
}

static enum robust_fmt summary_format(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n > 3 && !strcmp(path + n - 3, ".md"))
		return ROBUST_MD;
	if (n > 5 && !strcmp(path + n - 5, ".json"))
		return ROBUST_JSON;
	if (n > 5 && !strcmp(path + n - 5, ".html"))
		return ROBUST_HTML;
	return ROBUST_TEXT;
}

/* ---- the verb ------------------------------------------------------------------------------- */

static bool is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

int cmd_sweep(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	struct sopts o;
	struct verb_names files = { 0 };
	struct scenario **scs = NULL;
	struct verb_names *pols = NULL;
	struct job *jobs = NULL;
	size_t njobs = 0;
	struct sweep_columns cols;
	struct summary sm = { 0 };
	const char **texts = NULL;
	struct outfile of[2];
	size_t nopen = 0;
	char err[ERRSZ];
	memset(&o, 0, sizeof(o));
	memset(&cols, 0, sizeof(cols));
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		goto out;
	rc = 0;

	/* scenario files */
	if (o.npos == 0) {
		char dir[4096];
		util_data_dir("scenarios", dir, sizeof(dir));
		rc = add_dir(dir, &files);
	}
	for (size_t i = 0; i < o.npos && !rc; i++) {
		struct stat st;
		if (stat(o.pos[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = add_dir(o.pos[i], &files);
		else if (verb_names_push(&files, o.pos[i]))
			rc = oom();
	}
	if (rc)
		goto out;
	if (!files.n) {
		rc = verb_usage(&sweep_spec, "no scenario files to sweep");
		goto out;
	}
	if (o.cost && (rc = cost_list_parse(&sweep_spec, o.cost, &o.costs)) >= 0)
		goto out;
	rc = 0;
	bool multi = o.cost && cost_list_multi(&o.costs);
	if (o.summary && !multi) {
		rc = verb_usage(&sweep_spec, "--summary needs several cost models (--cost all or --cost A,B)");
		goto out;
	}
	/* the robustness summary: --summary FILE, else standard output when
	 * the runs go to a file */
	const char *sumpath = o.summary ? o.summary : multi && !is_stdout(o.output) ? "-" : NULL;
	if (sumpath && is_stdout(sumpath) && is_stdout(o.output)) {
		rc = verb_usage(&sweep_spec, "--summary and the runs both on standard output: give -o FILE or --summary FILE");
		goto out;
	}

	/* every scenario and its policies */
	scs = calloc(files.n, sizeof(*scs));
	pols = calloc(files.n, sizeof(*pols));
	if (!scs || !pols) {
		rc = oom();
		goto out;
	}
	for (size_t s = 0; s < files.n; s++) {
		err[0] = 0;
		if (!(scs[s] = scenario_load(files.v[s], err, sizeof(err)))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			goto out;
		}
		if ((rc = scenario_policies(scs[s], &o, &pols[s])))
			goto out;
		if (o.baseline && !verb_names_has(&pols[s], o.baseline)) {
			rc = verb_usage(&sweep_spec, "baseline '%s' is not one of the policies swept for %s", o.baseline,
					scs[s]->path ? scs[s]->path : "?");
			goto out;
		}
	}

	/* no output over a scenario or cost model (or one of --cost's) */
	const char *outs[2] = { o.output, sumpath };
	size_t nouts = sumpath && !is_stdout(sumpath) ? 2 : 1;
	size_t ncost = o.cost ? o.costs.names.n : 1, total = 0;
	for (size_t q = 0; q < ncost && !rc; q++)
		rc = verb_check_scenario_io((const struct scenario *const *)scs, files.n,
					    o.cost ? o.costs.names.v[q] : NULL, outs, NULL, nouts);
	if (rc)
		goto out;

	/* the job list, in its fixed order; with several models each run on
	 * the models that describe its vendor (sim/cli/cost_list.h) */
	for (size_t s = 0; s < files.n; s++)
		total += pols[s].n * 2 * ncost;
	jobs = calloc(total ? total : 1, sizeof(*jobs));
	if (!jobs || (sumpath && (rc = summary_prepare(&sm, &o, scs, pols, files.n)))) {
		rc = rc ? rc : oom();
		goto out;
	}
	bool warned[5] = { false, false, false, false, false };
	unsigned used = 0;
	for (size_t s = 0; s < files.n; s++) {
		enum vendor vl[2];
		size_t nv = scenario_vendors(&o, scs[s], vl);
		for (size_t k = 0; k < nv; k++)
			if (vendor_missing(vl[k]) && !warned[vl[k]]) {
				fprintf(stderr, "hvsim: sweep: vendor %s is not implemented in this build; "
					"its runs are left out\n", vendor_name(vl[k]));
				warned[vl[k]] = true;
			}
		if (sumpath)
			sm.sc[s].first = njobs;
		for (size_t p = 0; p < pols[s].n; p++)
			for (size_t k = 0; k < nv; k++) {
				if (vendor_missing(vl[k]))
					continue;
				/* bare metal has no policy: one run (as 'hvsim run') */
				if (vl[k] == VENDOR_NONE && p > 0)
					continue;
				/* a --vendor of the other architecture has no run on this
				 * scenario (issue 20: vmx/svm on an aarch64 guest, arm on x86) */
				if (vl[k] != VENDOR_NONE && (vl[k] == VENDOR_ARM) != (scs[s]->arch == ARCH_AARCH64))
					continue;
				used |= sim_cost_vendor_bit(vl[k]);
				for (size_t q = 0; q < ncost; q++) {
					if (multi && !cost_list_applies(&o.costs, q, vl[k]))
						continue;
					struct job *j = &jobs[njobs];
					j->index = njobs++;
					j->sc = scs[s];
					j->scen = s;
					j->policy = pols[s].v[p];
					j->pol_index = p;
					j->vendor = vl[k];
					j->cost = o.cost ? o.costs.names.v[q] : NULL;
					j->cost_index = q;
					if (sumpath)
						j->col = summary_col(&sm, j);
				}
			}
		if (sumpath)
			sm.sc[s].end = njobs;
	}
	if ((rc = cost_list_check_used(&o.costs, used)) >= 0)
		goto out;
	rc = 0;
	/* this shard: jobs [lo, hi) */
	size_t lo = (size_t)((unsigned long long)njobs * o.shard_i / o.shard_n);
	size_t hi = (size_t)((unsigned long long)njobs * (o.shard_i + 1) / o.shard_n);

	bool any_arm = false;                  /* the Arm columns only where an aarch64 scenario is swept */
	for (size_t s = 0; s < files.n; s++)
		any_arm |= scs[s]->arch == ARCH_AARCH64;
	if (o.fmt == SF_CSV && (any_arm ? sweep_columns_build_arm(&cols) : sweep_columns_build(&cols))) {
		rc = oom();
		goto out;
	}
	bool tty = isatty(STDERR_FILENO);
	struct sweep_run sr = { .jobs = jobs + lo, .fmt = o.fmt, .cols = &cols, .t0 = now() };
	size_t done = pool_run(hi - lo, o.jobs, run_job, tty ? progress : NULL, &sr);
	if (tty)
		fprintf(stderr, "\rsweep: %zu/%zu runs in %.1f s%30s\n", done, hi - lo, now() - sr.t0, "");
	bool internal = false;
	for (size_t i = lo; i < hi; i++) {
		if (jobs[i].rc) {
			/* the first failure in job order (every job before it ran) */
			fprintf(stderr, "%s\n", jobs[i].err[0] ? jobs[i].err : "hvsim: sweep: a run failed");
			rc = jobs[i].rc == -2 ? HVSIM_EXIT_INTERNAL : HVSIM_EXIT_ERROR;
			goto out;
		}
		if (!jobs[i].text) {
			fputs("hvsim: sweep: a run was not made\n", stderr);
			rc = HVSIM_EXIT_INTERNAL;
			goto out;
		}
		internal |= jobs[i].internal;
	}
	if (sumpath && (rc = summary_build(&sm, &o, scs, lo, hi)))
		goto out;

	if (!(texts = calloc(hi > lo ? hi - lo : 1, sizeof(*texts)))) {
		rc = oom();
		goto out;
	}
	for (size_t i = lo; i < hi; i++)
		texts[i - lo] = jobs[i].text;
	/* the runs, then the summary; both files are committed only when both
	 * are complete */
	for (size_t i = 0; i < (sumpath ? 2u : 1u); i++) {
		if (outfile_open(&of[i], outs[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			goto out;
		}
		nopen++;
		int wrc = i ? robust_render_sweep(of[i].f, summary_format(sumpath), sm.out, sm.n,
						  (const char *const *)o.costs.names.v, o.costs.names.n)
			    : o.fmt == SF_JSON ? sweep_write_json(of[i].f, texts, hi - lo)
					       : sweep_write_csv(of[i].f, &cols, texts, lo, hi - lo);
		if (wrc) {
			fprintf(stderr, "%s:0:0: cannot write the %s\n", is_stdout(outs[i]) ? "-" : outs[i],
				i ? "robustness summary" : "sweep");
			rc = HVSIM_EXIT_ERROR;
			goto out;
		}
	}
	for (size_t i = 0; i < nopen; i++)
		if (outfile_commit(&of[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			for (size_t k = i + 1; k < nopen; k++)
				outfile_abort(&of[k]);
			nopen = 0;
			goto out;
		}
	nopen = 0;
	if (multi && !sumpath)
		fputs("hvsim: sweep: the robustness summary over the cost models is left out (the runs are on "
		      "standard output): give -o FILE or --summary FILE\n", stderr);
	for (size_t i = lo; i < hi && internal; i++)
		if (jobs[i].internal) {
			fprintf(stderr, "%s:0:0: internal error in %s@%s (guest.stop_message in the output)\n",
				jobs[i].sc->path ? jobs[i].sc->path : "?", jobs[i].policy, vendor_name(jobs[i].vendor));
			rc = HVSIM_EXIT_INTERNAL;
			break;
		}
out:
	for (size_t i = 0; i < nopen; i++)
		outfile_abort(&of[i]);
	for (size_t i = 0; i < njobs; i++)
		free(jobs[i].text);
	free(jobs);
	free(texts);
	summary_free(&sm);
	sweep_columns_free(&cols);
	for (size_t s = 0; s < files.n; s++) {
		if (scs)
			scenario_free(scs[s]);
		if (pols)
			verb_names_free(&pols[s]);
	}
	free(scs);
	free(pols);
	verb_names_free(&files);
	cost_list_free(&o.costs);
	free(o.pol);
	free(o.pos);
	return rc;
}
