/* cmd_compare.c - `hvsim compare`: one scenario under several policies (and
 * both vendors) side by side.
 *
 * Every (policy, vendor) pair is one independent sim_run() with its own CPU,
 * engines and vCPU (nothing mutable is shared: the scenario is read-only
 * during runs), so the runs go to a small pool of threads (--jobs).  The
 * results land in a fixed slot per column and every output is rendered
 * after all runs have finished, in column order: the bytes do not depend on
 * --jobs or on scheduling.
 *
 * Output: ONE table (rows = metrics, columns = policy@vendor; the shape of
 * `perf kvm stat` / `perf stat` columns), then one summary line per column
 * against the baseline policy on the same vendor, hyperfine style
 * ("need_reload@vmx: 1.80x fewer exits ... than bp_enabled@vmx; 19 guest #DB
 * missed").  Formats: text, md, csv (the table) and json (schema
 * "hvsim-compare": the full runs as `hvsim run --format json` writes them,
 * the table and the summary numbers). */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define COMPARE_SCHEMA "hvsim-compare"
#define COMPARE_SCHEMA_VERSION 1

/* This verb's row of the verb table (sim/cli/verbs.c). */
#define compare_spec (verb_find("compare")->spec)

/* ---- options ------------------------------------------------------------ */

enum fmt { F_TEXT, F_JSON, F_MD, F_CSV, F_COUNT };
static const char *const fmt_name[F_COUNT] = { "text", "json", "md", "csv" };
static const char *const fmt_ext[F_COUNT] = { ".txt", ".json", ".md", ".csv" };

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
			return verb_usage(&compare_spec, "bad value '%.*s' in --format, want text, json, md or csv",
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

struct col {
	char name[192];                /* "policy@vendor" */
	const char *policy;            /* points into struct plan */
	enum vendor vendor;
	size_t pol_index;              /* index into plan.pol.v */
	int rc;                        /* 0 = result valid, -1 = error (err) */
	bool unavailable;              /* the error is a missing vendor, not bad input */
	char err[ERRSZ];
	struct run_result res;
};

struct plan {
	struct verb_names pol;         /* policy names, in column order */
	enum vendor ven[2];
	size_t nven;
	struct col *cols;
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

/* A column's vendor: vmx, svm or none (both is expanded into the two). */
static const char *vendor_name(enum vendor v)
{
	return scenario_vendor_name(v);
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
				fprintf(stderr, "hvsim: unknown policy '%s' (see 'hvsim list policies')\n", o->pol[i]);
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
				fprintf(stderr, "%s:%d:%d: unknown policy '%s' (see 'hvsim list policies')\n",
					sc->path ? sc->path : "?", pos.line, pos.col, n);
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
			struct col *c = &p->cols[k];
			c->policy = p->pol.v[i];
			c->pol_index = i;
			c->vendor = p->ven[j];
			snprintf(c->name, sizeof(c->name), "%s@%s", p->pol.v[i], vendor_name(p->ven[j]));
		}
	return -1;
}

/* ---- running (a pool of threads) ---------------------------------------- */

struct pool {
	const struct scenario *sc;
	struct plan *p;
	const char *cost;
	pthread_mutex_t lock;
	size_t next;
};

/* A vendor whose hypervisor half is missing: the SVM table is a stub until
 * svm/kvm.c lands (it has no entry or debug-state operations). */
static const char *vendor_missing(enum vendor v)
{
	if (v == VENDOR_SVM && (!svm_vendor.create || !svm_vendor.enter || !svm_vendor.dbg ||
				!svm_vendor.entry_pending))
		return "the SVM hypervisor (svm/kvm.c) is not implemented yet";
	return NULL;
}

static void run_col(struct pool *pl, struct col *c)
{
	const char *missing = vendor_missing(c->vendor);
	if (missing) {
		snprintf(c->err, sizeof(c->err), "%s", missing);
		c->rc = -1;
		c->unavailable = true;
		return;
	}
	struct run_config cfg = { .policy = c->policy, .vendor = c->vendor, .cost_model = pl->cost };
	c->rc = sim_run(pl->sc, &cfg, &c->res, c->err, sizeof(c->err)) ? -1 : 0;
}

static void *worker(void *arg)
{
	struct pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->lock);
		size_t k = pl->next < pl->p->ncols ? pl->next++ : pl->p->ncols;
		pthread_mutex_unlock(&pl->lock);
		if (k >= pl->p->ncols)
			return NULL;
		run_col(pl, &pl->p->cols[k]);
	}
}

static void run_all(const struct scenario *sc, struct plan *p, const char *cost, unsigned jobs)
{
	struct pool pl = { .sc = sc, .p = p, .cost = cost, .next = 0 };
	pthread_mutex_init(&pl.lock, NULL);
	size_t n = jobs < p->ncols ? jobs : p->ncols;
	pthread_t th[MAX_JOBS];
	size_t started = 0;
	for (size_t i = 1; i < n; i++)              /* this thread is worker 0 */
		if (pthread_create(&th[started], NULL, worker, &pl) == 0)
			started++;
	worker(&pl);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pl.lock);
}

/* ---- the table ------------------------------------------------------------ */

enum row_kind { R_FIELD, R_STRING, R_SUM_READS, R_SUM_WRITES };

struct row {
	char name[96];                 /* shown metric name (a result path, or *.total) */
	char path[96];                 /* result field */
	enum row_kind kind;
};

struct table {
	struct row *rows;
	size_t n, cap;
};

static int table_add(struct table *t, enum row_kind kind, const char *name, const char *path)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct row *nr = realloc(t->rows, nc * sizeof(*nr));
		if (!nr)
			return -1;
		t->rows = nr;
		t->cap = nc;
	}
	struct row *r = &t->rows[t->n++];
	r->kind = kind;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->path, sizeof(r->path), "%s", path ? path : name);
	return 0;
}

/* A cell: 0 = number in *v (or string in *s), -1 = the field does not exist
 * in that run (other vendor), -2 = the run failed. */
static int cell(const struct col *c, const struct row *r, uint64_t *v, const char **s)
{
	*v = 0;
	*s = NULL;
	if (c->rc)
		return -2;
	if (r->kind == R_SUM_READS || r->kind == R_SUM_WRITES) {
		const uint64_t *a = r->kind == R_SUM_READS ? c->res.st.dr_hw_reads : c->res.st.dr_hw_writes;
		for (int i = 0; i < 8; i++)
			if (i != 4 && i != 5)
				*v += a[i];
		return 0;
	}
	if (result_field(&c->res, r->path, v, s))
		return -1;
	return 0;
}

static bool any_nonzero(const struct plan *p, const char *path)
{
	for (size_t k = 0; k < p->ncols; k++) {
		uint64_t v;
		const char *s;
		if (!p->cols[k].rc && !result_field(&p->cols[k].res, path, &v, &s) && !s && v)
			return true;
	}
	return false;
}

static int table_build(const struct plan *p, struct table *t)
{
	int rc = table_add(t, R_STRING, "guest.stop", NULL);
	/* Exit reasons some run saw, in vendor table order, vmx columns first;
	 * a name appears once even if both vendors have it. */
	for (size_t k = 0; k < p->ncols && !rc; k++) {
		const struct run_result *r = &p->cols[k].res;
		if (p->cols[k].rc)
			continue;
		for (unsigned i = 0; i < EXIT_SLOTS && !rc; i++) {
			if (!r->st.exits[i].count)
				continue;
			char path[96];
			if (r->exit_names && i < r->nexit_names && r->exit_names[i])
				snprintf(path, sizeof(path), "exits.by_reason.%s", r->exit_names[i]);
			else
				snprintf(path, sizeof(path), "exits.by_reason.UNKNOWN_%u", i);
			bool seen = false;
			for (size_t j = 0; j < t->n; j++)
				seen |= !strcmp(t->rows[j].path, path);
			if (!seen)
				rc = table_add(t, R_FIELD, path, NULL);
		}
	}
	static const char *const fixed1[] = { "exits.total", "dr.guest_loads", "dr.host_restores", "dr.syncs" };
	for (size_t i = 0; i < sizeof(fixed1) / sizeof(fixed1[0]) && !rc; i++)
		rc = table_add(t, R_FIELD, fixed1[i], NULL);
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	for (int rw = 0; rw < 2 && !rc; rw++) {
		const char *base = rw ? "dr.hw_writes" : "dr.hw_reads";
		char name[96], path[96];
		snprintf(name, sizeof(name), "%s.total", base);
		rc = table_add(t, rw ? R_SUM_WRITES : R_SUM_READS, name, name);
		for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]) && !rc; i++) {
			snprintf(path, sizeof(path), "%s.dr%d", base, regs[i]);
			if (any_nonzero(p, path))
				rc = table_add(t, R_FIELD, path, NULL);
		}
	}
	static const char *const fixed2[] = {
		"vmcs.reads", "vmcs.writes",
		"cycles.total", "cycles.guest", "cycles.transition", "cycles.handler", "cycles.dr",
		"cycles.vmcs", "cycles.host",
		"db.guest.delivered", "db.guest.missed", "db.guest.spurious",
		"db.host.delivered", "db.host.missed", "db.host.spurious",
		"violations.count",
	};
	for (size_t i = 0; i < sizeof(fixed2) / sizeof(fixed2[0]) && !rc; i++)
		rc = table_add(t, R_FIELD, fixed2[i], NULL);
	return rc;
}

static void cell_text(const struct col *c, const struct row *r, char *buf, size_t n)
{
	uint64_t v;
	const char *s;
	int rc = cell(c, r, &v, &s);
	if (rc == -2)
		snprintf(buf, n, "error");
	else if (rc == -1)
		snprintf(buf, n, "-");
	else if (s)
		snprintf(buf, n, "%s", s);
	else
		snprintf(buf, n, "%" PRIu64, v);
}

/* ---- the summary ------------------------------------------------------------ */

struct sm {
	const char *name;              /* "cycles", "exits", "DR loads", "DR accesses" */
	const char *key;               /* JSON key */
	uint64_t v, b;
};

struct summary {
	const struct col *c;
	const struct col *base;        /* NULL: none on this vendor */
	bool is_base;
	struct sm m[4];
	uint64_t guest_missed, guest_spurious, host_missed, host_spurious, violations;
	char text[1024];
};

static uint64_t dr_accesses(const struct run_result *r)
{
	uint64_t s = 0;
	for (int i = 0; i < 8; i++)
		if (i != 4 && i != 5)
			s += r->st.dr_hw_reads[i] + r->st.dr_hw_writes[i];
	return s;
}

static void fill_metrics(struct sm m[4], const struct run_result *r, bool base)
{
	uint64_t v[4] = { r->st.cycles_total, r->st.exits_total, r->st.dr_guest_loads, dr_accesses(r) };
	for (int i = 0; i < 4; i++) {
		if (base)
			m[i].b = v[i];
		else
			m[i].v = v[i];
	}
}

/* max/min in thousandths, rounded (min > 0). */
static uint64_t ratio_milli(uint64_t a, uint64_t b)
{
	uint64_t hi = a > b ? a : b, lo = a > b ? b : a;
	if (hi > UINT64_MAX / 1000)
		return hi / lo * 1000;
	return (hi * 1000 + lo / 2) / lo;
}

/* "1.83x" / "41.0x" / "123x", from thousandths (deterministic, no floats). */
static void fmt_ratio(uint64_t milli, char *buf, size_t n)
{
	if (milli < 10000) {
		uint64_t c = (milli + 5) / 10;             /* hundredths */
		snprintf(buf, n, "%" PRIu64 ".%02" PRIu64 "x", c / 100, c % 100);
	} else if (milli < 100000) {
		uint64_t d = (milli + 50) / 100;           /* tenths */
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "x", d / 10, d % 10);
	} else {
		snprintf(buf, n, "%" PRIu64 "x", (milli + 500) / 1000);
	}
}

static size_t appendf(char *buf, size_t n, size_t len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t appendf(char *buf, size_t n, size_t len, const char *fmt, ...)
{
	if (len >= n)
		return len;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
	return k < 0 ? len : len + (size_t)k;
}

static void summarize(const struct plan *p, const struct col *c, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	static const char *const names[4] = { "cycles", "exits", "DR loads", "DR accesses" };
	static const char *const keys[4] = { "cycles", "exits", "dr_loads", "dr_accesses" };
	for (int i = 0; i < 4; i++) {
		s->m[i].name = names[i];
		s->m[i].key = keys[i];
	}
	size_t len = 0;
	size_t n = sizeof(s->text);
	if (c->rc) {
		appendf(s->text, n, len, "%s: error: %s", c->name, c->err);
		return;
	}
	for (size_t k = 0; k < p->ncols; k++)
		if (p->cols[k].vendor == c->vendor && p->cols[k].pol_index == p->baseline)
			s->base = &p->cols[k];
	s->is_base = s->base == c;
	const struct run_result *r = &c->res;
	s->guest_missed = r->st.db_guest_missed;
	s->guest_spurious = r->st.db_guest_spurious;
	s->host_missed = r->st.db_host_missed;
	s->host_spurious = r->st.db_host_spurious;
	s->violations = r->nviol + r->viol_dropped;
	fill_metrics(s->m, r, false);
	if (s->is_base) {
		fill_metrics(s->m, r, true);
		len = appendf(s->text, n, len, "%s: baseline", c->name);
	} else if (!s->base || s->base->rc) {
		len = appendf(s->text, n, len, "%s: no baseline on %s (%s@%s %s)", c->name, vendor_name(c->vendor),
			      p->pol.v[p->baseline], vendor_name(c->vendor), s->base ? "failed" : "not run");
		s->base = NULL;
	} else {
		fill_metrics(s->m, &s->base->res, true);
		len = appendf(s->text, n, len, "%s vs %s: ", c->name, s->base->name);
		for (int i = 0; i < 4; i++) {
			const struct sm *m = &s->m[i];
			char rb[32];
			len = appendf(s->text, n, len, "%s", i ? ", " : "");
			if (m->v == m->b)
				len = appendf(s->text, n, len, "same %s", m->name);
			else if (m->b == 0)
				len = appendf(s->text, n, len, "%" PRIu64 " %s (was none)", m->v, m->name);
			else if (m->v == 0)
				len = appendf(s->text, n, len, "no %s (was %" PRIu64 ")", m->name, m->b);
			else {
				fmt_ratio(ratio_milli(m->v, m->b), rb, sizeof(rb));
				len = appendf(s->text, n, len, "%s %s %s", rb, m->v < m->b ? "fewer" : "more", m->name);
				if (i == 0)            /* cycles: the absolute difference too */
					len = appendf(s->text, n, len, " (%s%" PRIu64 ")", m->v < m->b ? "-" : "+",
						      m->v < m->b ? m->b - m->v : m->v - m->b);
			}
		}
	}
	/* Correctness: what the owners did not get (or got without asking). */
	const struct { uint64_t v; const char *what; } bad[] = {
		{ s->guest_missed, "guest #DB missed" }, { s->guest_spurious, "guest #DB spurious" },
		{ s->host_missed, "host #DB missed" }, { s->host_spurious, "host #DB spurious" },
		{ s->violations, s->violations == 1 ? "violation" : "violations" },
	};
	bool any = false;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bad[i].v) {
			len = appendf(s->text, n, len, "%s%" PRIu64 " %s", any ? ", " : "; ", bad[i].v, bad[i].what);
			any = true;
		}
	if (!any)
		len = appendf(s->text, n, len, "; no misses");
	if (result_stop_abnormal(r->stop, false) && r->stop != STOP_BUDGET)
		len = appendf(s->text, n, len, "; guest stopped: %s", engine_stop_name(r->stop));
	else if (r->stop == STOP_BUDGET)
		appendf(s->text, n, len, "; guest ran out of budget");
}

/* ---- renderers ---------------------------------------------------------------- */

struct view {
	const struct scenario *sc;
	const struct plan *p;
	const struct table *t;
	struct summary *sum;           /* one per column */
	const char *cost_model;        /* of the first successful run */
};

static void render_text(FILE *f, const struct view *w)
{
	const struct plan *p = w->p;
	const struct table *t = w->t;
	fprintf(f, "%s (%s): %s\n", w->sc->name ? w->sc->name : "?", w->sc->path ? w->sc->path : "?",
		w->sc->summary ? w->sc->summary : "");
	fprintf(f, "cost model %s, baseline %s\n\n", w->cost_model, p->pol.v[p->baseline]);
	size_t w0 = strlen("metric");
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->rows[i].name) > w0)
			w0 = strlen(t->rows[i].name);
	size_t *cw = calloc(p->ncols ? p->ncols : 1, sizeof(*cw));
	if (!cw)
		return;
	char buf[256];
	for (size_t k = 0; k < p->ncols; k++) {
		cw[k] = strlen(p->cols[k].name);
		for (size_t i = 0; i < t->n; i++) {
			cell_text(&p->cols[k], &t->rows[i], buf, sizeof(buf));
			if (strlen(buf) > cw[k])
				cw[k] = strlen(buf);
		}
	}
	fprintf(f, "%-*s", (int)w0, "metric");
	for (size_t k = 0; k < p->ncols; k++)
		fprintf(f, "  %*s", (int)cw[k], p->cols[k].name);
	fputc('\n', f);
	for (size_t i = 0; i < w0; i++)
		fputc('-', f);
	for (size_t k = 0; k < p->ncols; k++) {
		fputs("  ", f);
		for (size_t i = 0; i < cw[k]; i++)
			fputc('-', f);
	}
	fputc('\n', f);
	for (size_t i = 0; i < t->n; i++) {
		fprintf(f, "%-*s", (int)w0, t->rows[i].name);
		for (size_t k = 0; k < p->ncols; k++) {
			cell_text(&p->cols[k], &t->rows[i], buf, sizeof(buf));
			fprintf(f, "  %*s", (int)cw[k], buf);
		}
		fputc('\n', f);
	}
	free(cw);
	bool notes = false;
	for (size_t k = 0; k < p->ncols; k++) {
		const struct col *c = &p->cols[k];
		if (c->rc) {
			fprintf(f, "%serror: %s: %s\n", notes ? "" : "\n", c->name, c->err);
			notes = true;
		} else if (c->res.stop != STOP_HALT) {
			fprintf(f, "%snote: %s: guest stopped: %s (%s)\n", notes ? "" : "\n", c->name,
				engine_stop_name(c->res.stop), c->res.stop_msg);
			notes = true;
		}
	}
	fprintf(f, "\nSummary (each against %s on the same vendor):\n", p->pol.v[p->baseline]);
	for (size_t k = 0; k < p->ncols; k++)
		fprintf(f, "  %s\n", w->sum[k].text);
}

static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void render_md(FILE *f, const struct view *w)
{
	const struct plan *p = w->p;
	const struct table *t = w->t;
	fputs("### ", f);
	md_cell(f, w->sc->name ? w->sc->name : "?");
	fputs("\n\n", f);
	md_cell(f, w->sc->summary ? w->sc->summary : "");
	fprintf(f, "\n\nScenario `%s`, cost model `%s`, baseline `%s`.\n\n", w->sc->path ? w->sc->path : "?",
		w->cost_model, p->pol.v[p->baseline]);
	fputs("| metric |", f);
	for (size_t k = 0; k < p->ncols; k++) {
		fputc(' ', f);
		md_cell(f, p->cols[k].name);
		fputs(" |", f);
	}
	fputs("\n|---|", f);
	for (size_t k = 0; k < p->ncols; k++)
		fputs("---:|", f);
	fputc('\n', f);
	char buf[256];
	for (size_t i = 0; i < t->n; i++) {
		fprintf(f, "| `%s` |", t->rows[i].name);
		for (size_t k = 0; k < p->ncols; k++) {
			cell_text(&p->cols[k], &t->rows[i], buf, sizeof(buf));
			fputc(' ', f);
			md_cell(f, buf);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
	for (size_t k = 0; k < p->ncols; k++) {
		const struct col *c = &p->cols[k];
		if (c->rc) {
			fprintf(f, "Error in `%s`: ", c->name);
			md_cell(f, c->err);
			fputs("\n\n", f);
		}
	}
	for (size_t k = 0; k < p->ncols; k++) {
		fputs("- ", f);
		md_cell(f, w->sum[k].text);
		fputc('\n', f);
	}
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
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

static void render_csv(FILE *f, const struct view *w)
{
	const struct plan *p = w->p;
	fputs("metric", f);
	for (size_t k = 0; k < p->ncols; k++) {
		fputc(',', f);
		csv_field(f, p->cols[k].name);
	}
	fputc('\n', f);
	char buf[256];
	for (size_t i = 0; i < w->t->n; i++) {
		csv_field(f, w->t->rows[i].name);
		for (size_t k = 0; k < p->ncols; k++) {
			uint64_t v;
			const char *s;
			int rc = cell(&p->cols[k], &w->t->rows[i], &v, &s);
			fputc(',', f);
			if (rc == -2)
				fputs("error", f);
			else if (rc == 0) {
				cell_text(&p->cols[k], &w->t->rows[i], buf, sizeof(buf));
				csv_field(f, buf);
			}
		}
		fputc('\n', f);
	}
}

static int render_json(FILE *f, const struct view *w)
{
	const struct plan *p = w->p;
	struct json_writer jw;
	jw_init(&jw, f, 2);
	jw_object_begin(&jw);
	jw_kv_string(&jw, "schema", COMPARE_SCHEMA);
	jw_kv_u64(&jw, "version", COMPARE_SCHEMA_VERSION);
	jw_kv_string(&jw, "scenario", w->sc->name);
	jw_kv_string(&jw, "file", w->sc->path);
	jw_kv_string(&jw, "cost_model", w->cost_model);
	jw_kv_string(&jw, "baseline", p->pol.v[p->baseline]);
	jw_key(&jw, "columns");
	jw_array_begin(&jw);
	for (size_t k = 0; k < p->ncols; k++)
		jw_string(&jw, p->cols[k].name);
	jw_array_end(&jw);
	/* The runs that could be made, in column order, each a complete
	 * "hvsim-result" run object (so `hvsim report` reads them); the columns
	 * that could not be made are listed under "errors". */
	jw_key(&jw, "runs");
	jw_array_begin(&jw);
	for (size_t k = 0; k < p->ncols; k++)
		if (!p->cols[k].rc)
			result_write_run_json(&jw, &p->cols[k].res);
	jw_array_end(&jw);
	jw_key(&jw, "errors");
	jw_array_begin(&jw);
	for (size_t k = 0; k < p->ncols; k++) {
		const struct col *c = &p->cols[k];
		if (!c->rc)
			continue;
		jw_object_begin(&jw);
		jw_kv_string(&jw, "run", c->name);
		jw_kv_string(&jw, "policy", c->policy);
		jw_kv_string(&jw, "vendor", vendor_name(c->vendor));
		jw_kv_string(&jw, "error", c->err);
		jw_object_end(&jw);
	}
	jw_array_end(&jw);
	jw_key(&jw, "table");
	jw_array_begin(&jw);
	for (size_t i = 0; i < w->t->n; i++) {
		jw_object_begin(&jw);
		jw_kv_string(&jw, "metric", w->t->rows[i].name);
		jw_key(&jw, "values");
		jw_array_begin(&jw);
		for (size_t k = 0; k < p->ncols; k++) {
			uint64_t v;
			const char *s;
			int rc = cell(&p->cols[k], &w->t->rows[i], &v, &s);
			if (rc)
				jw_null(&jw);
			else if (s)
				jw_string(&jw, s);
			else
				jw_u64(&jw, v);
		}
		jw_array_end(&jw);
		jw_object_end(&jw);
	}
	jw_array_end(&jw);
	jw_key(&jw, "summary");
	jw_array_begin(&jw);
	for (size_t k = 0; k < p->ncols; k++) {
		const struct summary *s = &w->sum[k];
		const struct col *c = s->c;
		jw_object_begin(&jw);
		jw_kv_string(&jw, "run", c->name);
		jw_kv_string(&jw, "policy", c->policy);
		jw_kv_string(&jw, "vendor", vendor_name(c->vendor));
		if (c->rc) {
			jw_kv_string(&jw, "error", c->err);
		} else {
			jw_key(&jw, "baseline");
			if (s->base)
				jw_string(&jw, s->base->name);
			else
				jw_null(&jw);
			jw_key(&jw, "is_baseline");
			jw_bool(&jw, s->is_base);
			jw_key(&jw, "metrics");
			jw_object_begin(&jw);
			for (int i = 0; i < 4; i++) {
				const struct sm *m = &s->m[i];
				jw_key(&jw, m->key);
				jw_object_begin(&jw);
				jw_kv_u64(&jw, "value", m->v);
				jw_key(&jw, "baseline");
				if (s->base)
					jw_u64(&jw, m->b);
				else
					jw_null(&jw);
				/* max/min x 1000 and which way it goes; null when
				 * either side is 0 or there is no baseline */
				jw_key(&jw, "ratio_milli");
				if (s->base && m->v && m->b)
					jw_u64(&jw, ratio_milli(m->v, m->b));
				else
					jw_null(&jw);
				jw_kv_string(&jw, "direction", !s->base ? "none" : m->v == m->b ? "same"
							       : m->v < m->b ? "fewer" : "more");
				jw_object_end(&jw);
			}
			jw_object_end(&jw);
			jw_kv_u64(&jw, "db_guest_missed", s->guest_missed);
			jw_kv_u64(&jw, "db_guest_spurious", s->guest_spurious);
			jw_kv_u64(&jw, "db_host_missed", s->host_missed);
			jw_kv_u64(&jw, "db_host_spurious", s->host_spurious);
			jw_kv_u64(&jw, "violations", s->violations);
			jw_kv_string(&jw, "guest_stop", engine_stop_name(c->res.stop));
		}
		jw_kv_string(&jw, "text", s->text);
		jw_object_end(&jw);
	}
	jw_array_end(&jw);
	jw_object_end(&jw);
	return jw_finish(&jw);
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
	struct table t = { 0 };
	struct scenario *sc = NULL;
	struct summary *sum = NULL;
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
	rc = HVSIM_EXIT_OK;
	run_all(sc, &p, o.cost, o.jobs);

	/* sim_run() fails only on bad input (an unknown variant base or knob,
	 * a cost model, code that cannot be mapped: file:line:col): that fails
	 * the command, each message once, and nothing is written.  A vendor
	 * that is not there yet is a per-column error; if no column ran at all
	 * there is nothing to compare. */
	size_t ok = 0;
	bool internal = false, bad_input = false;
	for (size_t k = 0; k < p.ncols; k++) {
		if (!p.cols[k].rc) {
			ok++;
			internal |= p.cols[k].res.stop == STOP_INTERNAL;
		} else if (!p.cols[k].unavailable) {
			bad_input = true;
		}
	}
	if (bad_input || !ok) {
		for (size_t k = 0; k < p.ncols; k++) {
			if (!p.cols[k].rc || (bad_input && p.cols[k].unavailable))
				continue;
			bool dup = false;
			for (size_t j = 0; j < k; j++)
				dup |= p.cols[j].rc && !strcmp(p.cols[j].err, p.cols[k].err);
			if (!dup)
				fprintf(stderr, "%s\n", p.cols[k].err);
		}
		rc = HVSIM_EXIT_ERROR;
		goto done;
	}
	for (size_t k = 0; k < p.ncols; k++)
		if (p.cols[k].rc)
			fprintf(stderr, "hvsim: %s: %s\n", p.cols[k].name, p.cols[k].err);
	if (table_build(&p, &t) || !(sum = calloc(p.ncols, sizeof(*sum)))) {
		fputs("hvsim: out of memory\n", stderr);
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	for (size_t k = 0; k < p.ncols; k++)
		summarize(&p, &p.cols[k], &sum[k]);
	struct view v = { .sc = sc, .p = &p, .t = &t, .sum = sum, .cost_model = "?" };
	for (size_t k = 0; k < p.ncols; k++)
		if (!p.cols[k].rc) {
			v.cost_model = p.cols[k].res.cost_model;
			break;
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
		case F_TEXT: render_text(f, &v); break;
		case F_MD:   render_md(f, &v); break;
		case F_CSV:  render_csv(f, &v); break;
		case F_JSON:
			if (render_json(f, &v)) {
				fprintf(stderr, "hvsim: compare: JSON output failed\n");
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
	free(sum);
	free(t.rows);
	plan_free(&p);
	if (sc)
		scenario_free(sc);
	free(o.pol);
	return rc;
}
