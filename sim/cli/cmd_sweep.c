/* cmd_sweep.c - `hvsim sweep`: the cross product scenarios x policies x
 * vendors x cost models, every run an independent sim_run() on a pool of
 * threads, all results in one CSV or JSON file.
 *
 * Determinism: the job list is built in a fixed order (scenarios as given,
 * directories expanded in name order; for each scenario its policies, for
 * each policy its vendors, for each vendor the cost models), every worker
 * renders its run into the job's own slot, and the file is written after
 * the last run in job order.  The bytes do not depend on --jobs, on
 * scheduling or on the machine.
 *
 * Sharding (--shard I/N) cuts the job list into N contiguous pieces of
 * nearly equal size and runs piece I (0-based), so that the outputs of
 * shards 0..N-1 concatenated (CSV: keeping one header; JSON: the runs
 * arrays) are exactly the unsharded output.  The CSV's first column is the
 * run's index in the whole job list.  docs/sweep.md has a Slurm example.
 *
 * The JSON document is the one `hvsim run --format json` writes
 * ({"schema":"hvsim-result","version":1,"runs":[...]}), so `hvsim report`
 * and any reader of run results read a sweep too.  Each run is rendered by
 * its worker and spliced in with the indentation result_write_json() would
 * have given it; only the rendered text is kept per run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
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
#include "sim/render/json.h"
#include "sim/util/outfile.h"
#include "sim/render/result_out.h"
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
			fprintf(stderr, "hvsim: unknown policy '%s' for %s (see 'hvsim list policies')\n", name,
				sc->path ? sc->path : "?");
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
	char path[4096], err[ERRSZ];
	struct cost_model m;
	if (!strchr(model, '/') && !strstr(model, ".cost"))
		cost_bundled_path(model, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", model);
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
	char *text;                    /* CSV row or JSON run object (see render_*) */
	char err[ERRSZ];
	int rc;                        /* 0 ok, -1 sim_run refused, -2 out of memory */
	bool internal;                 /* the run ended with an internal error */
};

/* CSV columns: a fixed union over the vendors' fields, with a hash from
 * path to column; read-only while the workers run.  A field some run has
 * beyond it (an exit slot without a name) becomes an extra column at the
 * end, in job order. */
struct columns {
	struct verb_names names;
	size_t *slot;                  /* open addressing: column index + 1, 0 = empty */
	size_t nslot;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static long col_find(const struct columns *c, const char *path)
{
	if (!c->nslot)
		return -1;
	for (size_t i = hash_str(path) & (c->nslot - 1);; i = (i + 1) & (c->nslot - 1)) {
		if (!c->slot[i])
			return -1;
		if (!strcmp(c->names.v[c->slot[i] - 1], path))
			return (long)(c->slot[i] - 1);
	}
}

static int col_add(struct columns *c, const char *path)
{
	if (col_find(c, path) >= 0)
		return 0;
	if ((c->names.n + 1) * 2 > c->nslot) {
		size_t ns = c->nslot ? c->nslot * 2 : 1024;
		size_t *nt = calloc(ns, sizeof(*nt));
		if (!nt)
			return -1;
		for (size_t k = 0; k < c->names.n; k++) {
			size_t i = hash_str(c->names.v[k]) & (ns - 1);
			while (nt[i])
				i = (i + 1) & (ns - 1);
			nt[i] = k + 1;
		}
		free(c->slot);
		c->slot = nt;
		c->nslot = ns;
	}
	if (verb_names_push(&c->names, path))
		return -1;
	size_t i = hash_str(path) & (c->nslot - 1);
	while (c->slot[i])
		i = (i + 1) & (c->nslot - 1);
	c->slot[i] = c->names.n;
	return 0;
}

static int col_visit_cb(void *ctx, const struct result_item *it)
{
	return col_add(ctx, it->path) ? -1 : 0;
}

static int columns_build(struct columns *c)
{
	struct run_result *zero = calloc(1, sizeof(*zero));   /* result_visit only reads it */
	if (!zero)
		return -1;
	const struct hv_vendor *v[] = { &vmx_vendor, &svm_vendor };
	int rc = 0;
	for (size_t i = 0; i < 2 && !rc; i++) {
		zero->exit_names = v[i]->exit_names;
		zero->nexit_names = v[i]->nexit_names;
		rc = result_visit(zero, col_visit_cb, c);
	}
	zero->exit_names = NULL;
	zero->nexit_names = 0;
	if (!rc)
		rc = result_visit(zero, col_visit_cb, c);
	free(zero);
	return rc ? -1 : 0;
}

static void columns_free(struct columns *c)
{
	verb_names_free(&c->names);
	free(c->slot);
}

/* RFC 4180: quote a cell holding a comma, quote or line break. */
static void csv_cell(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

struct row_ctx {
	const struct columns *cols;
	char **cells;
	struct verb_names extra;       /* path, value, path, value, ... */
	int rc;
};

static int row_visit_cb(void *ctx, const struct result_item *it)
{
	struct row_ctx *r = ctx;
	char num[32];
	const char *val = it->s ? it->s : "";
	if (!it->is_str) {
		snprintf(num, sizeof(num), "%" PRIu64, it->u);
		val = num;
	}
	long k = col_find(r->cols, it->path);
	if (k < 0) {
		if (verb_names_push(&r->extra, it->path) || verb_names_push(&r->extra, val))
			r->rc = -1;
		return r->rc;
	}
	free(r->cells[k]);
	if (!(r->cells[k] = strdup(val)))
		r->rc = -1;
	return r->rc;
}

/* CSV text of one run: the cells of the known columns, a NUL, then the
 * extras as "path\0value\0" pairs; the memstream's own terminating NUL
 * ends the list (an empty path). */
static int render_csv(const struct columns *cols, const struct run_result *res, char **text)
{
	struct row_ctx r = { .cols = cols, .cells = calloc(cols->names.n ? cols->names.n : 1, sizeof(char *)) };
	if (!r.cells)
		return -1;
	result_visit(res, row_visit_cb, &r);
	size_t len = 0;
	FILE *f = r.rc ? NULL : open_memstream(text, &len);
	if (f) {
		for (size_t k = 0; k < cols->names.n; k++) {
			if (k)
				fputc(',', f);
			csv_cell(f, r.cells[k] ? r.cells[k] : "");
		}
		fputc('\0', f);
		for (size_t k = 0; k < r.extra.n; k++) {
			fputs(r.extra.v[k], f);
			fputc('\0', f);
		}
		if (fclose(f))
			r.rc = -1;
	} else {
		r.rc = -1;
	}
	for (size_t k = 0; k < cols->names.n; k++)
		free(r.cells[k]);
	free(r.cells);
	verb_names_free(&r.extra);
	return r.rc;
}

/* JSON text of one run: the run object as a top-level document. */
static int render_json(const struct run_result *res, char **text)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	if (!f)
		return -1;
	struct json_writer w;
	jw_init(&w, f, 2);
	result_write_run_json(&w, res);
	int rc = jw_finish(&w);
	if (fclose(f) || rc)
		return -1;
	return 0;
}

struct pool {
	struct job *jobs;
	size_t n;
	size_t next, done;
	bool failed;                   /* a run could not be made: hand out no more jobs */
	enum sfmt fmt;
	const struct columns *cols;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void run_job(struct pool *p, struct job *j)
{
	struct run_config cfg = { .policy = j->policy, .vendor = j->vendor, .cost_model = j->cost };
	struct run_result res;
	if (sim_run(j->sc, &cfg, &res, j->err, sizeof(j->err))) {
		j->rc = -1;
		return;
	}
	j->internal = res.stop == STOP_INTERNAL || res.stop == STOP_NONE;
	int rc = p->fmt == SF_CSV ? render_csv(p->cols, &res, &j->text) : render_json(&res, &j->text);
	if (rc) {
		free(j->text);
		j->text = NULL;
		snprintf(j->err, sizeof(j->err), "hvsim: out of memory");
		j->rc = -2;
	}
	run_result_free(&res);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->failed ? p->n : p->next;
		if (i < p->n)
			p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		run_job(p, &p->jobs[i]);
		pthread_mutex_lock(&p->mu);
		p->done++;
		if (p->jobs[i].rc)
			p->failed = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
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

/* Run the pool's jobs on up to `nthreads` threads; a progress line on
 * stderr when it is a terminal. */
static void run_pool(struct pool *p, unsigned nthreads)
{
	bool tty = isatty(STDERR_FILENO);
	pthread_t th[MAX_JOBS];
	unsigned started = 0;
	if (nthreads > p->n)
		nthreads = p->n ? (unsigned)p->n : 1;
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&th[started], NULL, worker, p) == 0)
			started++;
	if (!started)
		worker(p);              /* no thread could be made: run them here */
	double t0 = now();
	pthread_mutex_lock(&p->mu);
	/* until every job handed out has finished and no more will be */
	while (p->done < (p->failed ? p->next : p->n)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		if (tty) {
			double el = now() - t0, rate = el > 0 ? (double)p->done / el : 0;
			char left[32];
			fmt_secs(rate > 0 ? (double)(p->n - p->done) / rate : -1, left, sizeof(left));
			fprintf(stderr, "\rsweep: %zu/%zu runs, %.1f runs/s, %s left   ", p->done, p->n, rate, left);
		}
	}
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (tty)
		fprintf(stderr, "\rsweep: %zu/%zu runs in %.1f s%30s\n", p->done, p->n, now() - t0, "");
}

/* ---- output -------------------------------------------------------------------------------- */

/* One run object (rendered at the top level) as an item of the runs array
 * of result_write_json(): every line indented by two more levels. */
static void splice_json(FILE *f, const char *text, bool first)
{
	fputs(first ? "\n" : ",\n", f);
	size_t len = strlen(text);
	while (len && text[len - 1] == '\n')
		len--;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fputs("    ", f);
		fwrite(p, 1, n, f);
		p += n;
		if (nl) {
			fputc('\n', f);
			p++;
		}
	}
}

static int write_json(FILE *f, const struct job *jobs, size_t n)
{
	fprintf(f, "{\n  \"schema\": \"%s\",\n  \"version\": %d,\n  \"runs\": [", RESULT_SCHEMA,
		RESULT_SCHEMA_VERSION);
	for (size_t i = 0; i < n; i++)
		splice_json(f, jobs[i].text, i == 0);
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f) ? -1 : 0;
}

static const char *extras_of(const char *text)
{
	return text + strlen(text) + 1;
}

static int write_csv(FILE *f, const struct columns *cols, const struct job *jobs, size_t n)
{
	struct verb_names extra = { 0 };
	for (size_t i = 0; i < n; i++)
		for (const char *x = extras_of(jobs[i].text); *x;) {
			const char *v = x + strlen(x) + 1;
			if (verb_names_add(&extra, x)) {
				verb_names_free(&extra);
				return -1;
			}
			x = v + strlen(v) + 1;
		}
	fputs("index", f);
	for (size_t k = 0; k < cols->names.n; k++) {
		fputc(',', f);
		csv_cell(f, cols->names.v[k]);
	}
	for (size_t k = 0; k < extra.n; k++) {
		fputc(',', f);
		csv_cell(f, extra.v[k]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%zu,%s", jobs[i].index, jobs[i].text);
		for (size_t k = 0; k < extra.n; k++) {
			fputc(',', f);
			for (const char *x = extras_of(jobs[i].text); *x;) {
				const char *v = x + strlen(x) + 1;
				if (!strcmp(x, extra.v[k])) {
					csv_cell(f, v);
					break;
				}
				x = v + strlen(v) + 1;
			}
		}
		fputc('\n', f);
	}
	verb_names_free(&extra);
	return ferror(f) ? -1 : 0;
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
	struct columns cols;
	memset(&o, 0, sizeof(o));
	memset(&cols, 0, sizeof(cols));
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		goto out;
	rc = 0;

	/* scenario files */
	if (o.npos == 0) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/scenarios", util_source_dir());
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

	if (o.fmt == SF_CSV && columns_build(&cols)) {
		rc = oom();
		goto out;
	}
	struct pool pool = { .jobs = jobs + lo, .n = hi - lo, .fmt = o.fmt, .cols = &cols,
			     .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	run_pool(&pool, o.jobs);
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

	struct outfile of;
	char err[ERRSZ];
	if (outfile_open(&of, o.output, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	int wrc = o.fmt == SF_JSON ? write_json(of.f, jobs + lo, hi - lo) : write_csv(of.f, &cols, jobs + lo, hi - lo);
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
	columns_free(&cols);
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
