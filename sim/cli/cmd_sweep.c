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
#include "sim/pool.h"
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
	struct verb_names costs;       /* --cost list (empty = scenario's own) */
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

static int parse_costs(const char *val, struct sopts *o)
{
	if (!strcmp(val, "all")) {             /* every bundled model */
		static char names[64][64];
		int k = cost_bundled_list(names, 64);
		if (k < 0) {
			fprintf(stderr, "hvsim: --cost all: cannot list the bundled cost models\n");
			return HVSIM_EXIT_ERROR;
		}
		for (int i = 0; i < k; i++)
			if (!verb_names_has(&o->costs, names[i]) && verb_names_push(&o->costs, names[i]))
				return oom();
		return -1;
	}
	const char *p = val;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 0)
			return verb_usage(&sweep_spec, "empty cost model name in --cost '%s'", val);
		char *name = strndup(p, n);
		if (!name)
			return oom();
		bool dup = verb_names_has(&o->costs, name);
		int rc = dup ? 0 : verb_names_push(&o->costs, name);
		free(name);
		if (dup)
			return verb_usage(&sweep_spec, "cost model '%.*s' given twice in --cost", (int)(n < 60 ? n : 60), p);
		if (rc)
			return oom();
		if (!p[n])
			return -1;
		p += n + 1;
	}
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
		return parse_costs(val, o);
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
	}
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct sopts *o)
{
	static const struct verb_opt spec[] = {
		{ "policy", 'p', NULL, NULL }, { "vendor", 0, NULL, NULL }, { "cost", 0, NULL, NULL },
		{ "format", 0, NULL, NULL }, { "output", 'o', NULL, NULL }, { "jobs", 'j', NULL, NULL },
		{ "shard", 0, NULL, NULL }, { NULL, 0, NULL, NULL },
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

/* Resolve a cost model the way sim_run does and check that it loads. */
static int check_cost(const char *model)
{
	char path[4096], err[ERRSZ], stem[256];
	struct cost_model m;
	const char *plus = strstr(model, "+nomitig");   /* NAME+nomitig (sim_load_cost) */
	if (plus && !plus[8]) {
		snprintf(stem, sizeof(stem), "%.*s", (int)(plus - model), model);
		model = stem;
	}
	if (cost_check_name(model, err, sizeof(err))) {
		fprintf(stderr, "hvsim: --cost: %s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	cost_model_path(model, path, sizeof(path));
	if (cost_load(path, &m, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	return 0;
}

/* ---- jobs and workers ------------------------------------------------------------------ */

struct job {
	size_t index;                  /* position in the whole job list */
	const struct scenario *sc;
	const char *policy;            /* owned by the scenario's policy list */
	enum vendor vendor;
	const char *cost;              /* NULL = scenario's own */
	/* results, filled by the worker */
	char *text;                    /* CSV row or JSON run object (sim/render/sweep.h) */
	char err[ERRSZ];
	int rc;                        /* 0 ok, -1 sim_run refused, -2 out of memory */
	bool internal;                 /* the run ended with an internal error */
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
	run_result_free(&res);
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

/* ---- the verb ------------------------------------------------------------------------------- */

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
	const char **texts = NULL;
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
	for (size_t i = 0; i < o.costs.n && !rc; i++)
		rc = check_cost(o.costs.v[i]);
	if (rc)
		goto out;

	/* every scenario and its policies */
	scs = calloc(files.n, sizeof(*scs));
	pols = calloc(files.n, sizeof(*pols));
	if (!scs || !pols) {
		rc = oom();
		goto out;
	}
	for (size_t s = 0; s < files.n; s++) {
		char err[ERRSZ] = "";
		if (!(scs[s] = scenario_load(files.v[s], err, sizeof(err)))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			goto out;
		}
		if ((rc = scenario_policies(scs[s], &o, &pols[s])))
			goto out;
	}

	/* no output over a scenario or cost model (or one of --cost's) */
	for (size_t q = 0; q < (o.costs.n ? o.costs.n : 1) && !rc; q++)
		rc = verb_check_scenario_io((const struct scenario *const *)scs, files.n,
					    o.costs.n ? o.costs.v[q] : NULL, &o.output, NULL, 1);
	if (rc)
		goto out;

	/* the job list, in its fixed order */
	size_t ncost = o.costs.n ? o.costs.n : 1, total = 0;
	for (size_t s = 0; s < files.n; s++)
		total += pols[s].n * 2 * ncost;
	jobs = calloc(total ? total : 1, sizeof(*jobs));
	if (!jobs) {
		rc = oom();
		goto out;
	}
	bool warned[3] = { false, false, false };
	for (size_t s = 0; s < files.n; s++) {
		enum vendor v = o.vendor_set ? o.vendor : scs[s]->vendor;
		enum vendor vl[2] = { v, v };
		size_t nv = 1;
		if (v == VENDOR_BOTH) {
			vl[0] = VENDOR_VMX;
			vl[1] = VENDOR_SVM;
			nv = 2;
		}
		for (size_t k = 0; k < nv; k++)
			if (vendor_missing(vl[k]) && !warned[vl[k]]) {
				fprintf(stderr, "hvsim: sweep: vendor %s is not implemented in this build; "
					"its runs are left out\n", vendor_name(vl[k]));
				warned[vl[k]] = true;
			}
		for (size_t p = 0; p < pols[s].n; p++)
			for (size_t k = 0; k < nv; k++) {
				if (vendor_missing(vl[k]))
					continue;
				/* bare metal has no policy: one run (as 'hvsim run') */
				if (vl[k] == VENDOR_NONE && p > 0)
					continue;
				for (size_t q = 0; q < ncost; q++) {
					struct job *j = &jobs[njobs];
					j->index = njobs++;
					j->sc = scs[s];
					j->policy = pols[s].v[p];
					j->vendor = vl[k];
					j->cost = o.costs.n ? o.costs.v[q] : NULL;
				}
			}
	}
	/* this shard: jobs [lo, hi) */
	size_t lo = (size_t)((unsigned long long)njobs * o.shard_i / o.shard_n);
	size_t hi = (size_t)((unsigned long long)njobs * (o.shard_i + 1) / o.shard_n);

	if (o.fmt == SF_CSV && sweep_columns_build(&cols)) {
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

	if (!(texts = calloc(hi > lo ? hi - lo : 1, sizeof(*texts)))) {
		rc = oom();
		goto out;
	}
	for (size_t i = lo; i < hi; i++)
		texts[i - lo] = jobs[i].text;
	struct outfile of;
	char err[ERRSZ];
	if (outfile_open(&of, o.output, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	int wrc = o.fmt == SF_JSON ? sweep_write_json(of.f, texts, hi - lo)
				    : sweep_write_csv(of.f, &cols, texts, lo, hi - lo);
	if (wrc) {
		outfile_abort(&of);
		fprintf(stderr, "%s:0:0: cannot write the sweep\n", o.output ? o.output : "-");
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	if (outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	for (size_t i = lo; i < hi && internal; i++)
		if (jobs[i].internal) {
			fprintf(stderr, "%s:0:0: internal error in %s@%s (guest.stop_message in the output)\n",
				jobs[i].sc->path ? jobs[i].sc->path : "?", jobs[i].policy, vendor_name(jobs[i].vendor));
			rc = HVSIM_EXIT_INTERNAL;
			break;
		}
out:
	for (size_t i = 0; i < njobs; i++)
		free(jobs[i].text);
	free(jobs);
	free(texts);
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
	verb_names_free(&o.costs);
	free(o.pol);
	free(o.pos);
	return rc;
}
