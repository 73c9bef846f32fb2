/* compare.c - the tables of `hvsim compare` (compare.h).
 *
 * ONE table (rows = metrics, columns = policy@vendor; the shape of
 * `perf kvm stat` / `perf stat` columns), then one summary line per column
 * against the baseline policy on the same vendor, hyperfine style
 * ("need_reload@vmx: 1.80x fewer exits ... than bp_enabled@vmx; 19 guest #DB
 * missed").  Formats: text, md, csv (the table) and json (schema
 * "hvsim-compare": the full runs as `hvsim run --format json` writes them,
 * the table and the summary numbers).  Everything is rendered from the
 * columns in column order, so the bytes do not depend on how the runs were
 * scheduled. */
#include "sim/render/compare.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/render/json.h"
#include "sim/render/result_out.h"
#include "sim/render/robust.h"
#include "sim/util/util.h"

/* ---- the table ------------------------------------------------------------ */

enum row_kind { R_FIELD, R_STRING, R_SUM_READS, R_SUM_WRITES };

struct row {
	char name[96];                 /* shown metric name (a result path, or *.total) */
	char path[96];                 /* result field */
	enum row_kind kind;
};

struct compare_table {
	struct row *rows;
	size_t n, cap;
};

static int table_add(struct compare_table *t, enum row_kind kind, const char *name, const char *path)
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
static int cell(const struct compare_col *c, const struct row *r, uint64_t *v, const char **s)
{
	*v = 0;
	*s = NULL;
	if (c->rc)
		return -2;
	if ((r->kind == R_SUM_READS || r->kind == R_SUM_WRITES) && c->res.arm_brps) {
		/* an Arm run (issue 20): the hardware debug-register accesses */
		const uint64_t *a = r->kind == R_SUM_READS ? c->res.st.arm_hw_r : c->res.st.arm_hw_w;
		for (int i = 0; i < ARM_DBGREG_N; i++)
			*v += a[i];
		return 0;
	}
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

static bool any_nonzero(const struct compare_report *p, const char *path)
{
	for (size_t k = 0; k < p->ncols; k++) {
		uint64_t v;
		const char *s;
		if (!p->cols[k].rc && !result_field(&p->cols[k].res, path, &v, &s) && !s && v)
			return true;
	}
	return false;
}

static int table_build(const struct compare_report *p, struct compare_table *t)
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
	bool arm = p->ncols > 0;               /* every run an Arm one (issue 20) */
	for (size_t k = 0; k < p->ncols; k++)
		arm &= p->cols[k].res.arm_brps != 0;
	if (arm) {
		/* traps by register, then the world switch's accesses */
		for (int rw = 0; rw < 2 && !rc; rw++) {
			rc = table_add(t, R_FIELD, rw ? "arm.traps.writes" : "arm.traps.reads", NULL);
			for (int i = 0; i < ARM_DBGREG_N && !rc; i++) {
				char path[96];
				snprintf(path, sizeof(path), "arm.traps.%s.%s", rw ? "write" : "read", arm_dbgreg_name(i));
				if (any_nonzero(p, path))
					rc = table_add(t, R_FIELD, path, NULL);
			}
		}
		if (!rc)
			rc = table_add(t, R_SUM_READS, "arm.hw_reads.total", "arm.hw_reads.total");
		if (!rc)
			rc = table_add(t, R_SUM_WRITES, "arm.hw_writes.total", "arm.hw_writes.total");
	}
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	for (int rw = 0; rw < 2 && !rc && !arm; rw++) {
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

static void cell_text(const struct compare_col *c, const struct row *r, char *buf, size_t n)
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

struct compare_summary {
	const struct compare_col *c;
	const struct compare_col *base;        /* NULL: none on this vendor */
	bool is_base;
	struct sm m[4];
	uint64_t guest_missed, guest_spurious, host_missed, host_spurious, violations;
	char text[1024];
};

static uint64_t dr_accesses(const struct run_result *r)
{
	uint64_t s = 0;
	if (r->arm_brps) {                     /* an Arm run: its debug bank */
		for (int i = 0; i < ARM_DBGREG_N; i++)
			s += r->st.arm_hw_r[i] + r->st.arm_hw_w[i];
		return s;
	}
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

static void summarize(const struct compare_report *p, const struct compare_col *c, struct compare_summary *s)
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
		util_appendf(s->text, n, len, "%s: error: %s", c->name, c->err);
		return;
	}
	for (size_t k = 0; k < p->ncols; k++)
		if (p->cols[k].vendor == c->vendor && p->cols[k].pol_index == p->baseline_index)
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
		len = util_appendf(s->text, n, len, "%s: baseline", c->name);
	} else if (!s->base || s->base->rc) {
		len = util_appendf(s->text, n, len, "%s: no baseline on %s (%s@%s %s)", c->name, scenario_vendor_name(c->vendor),
			      p->baseline, scenario_vendor_name(c->vendor), s->base ? "failed" : "not run");
		s->base = NULL;
	} else {
		fill_metrics(s->m, &s->base->res, true);
		len = util_appendf(s->text, n, len, "%s vs %s: ", c->name, s->base->name);
		for (int i = 0; i < 4; i++) {
			const struct sm *m = &s->m[i];
			char rb[32];
			len = util_appendf(s->text, n, len, "%s", i ? ", " : "");
			if (m->v == m->b)
				len = util_appendf(s->text, n, len, "same %s", m->name);
			else if (m->b == 0)
				len = util_appendf(s->text, n, len, "%" PRIu64 " %s (was none)", m->v, m->name);
			else if (m->v == 0)
				len = util_appendf(s->text, n, len, "no %s (was %" PRIu64 ")", m->name, m->b);
			else {
				fmt_ratio(ratio_milli(m->v, m->b), rb, sizeof(rb));
				len = util_appendf(s->text, n, len, "%s %s %s", rb, m->v < m->b ? "fewer" : "more", m->name);
				if (i == 0)            /* cycles: the absolute difference too */
					len = util_appendf(s->text, n, len, " (%s%" PRIu64 ")", m->v < m->b ? "-" : "+",
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
			len = util_appendf(s->text, n, len, "%s%" PRIu64 " %s", any ? ", " : "; ", bad[i].v, bad[i].what);
			any = true;
		}
	if (!any)
		len = util_appendf(s->text, n, len, "; no misses");
	if (result_stop_abnormal(r->stop, false) && r->stop != STOP_BUDGET)
		len = util_appendf(s->text, n, len, "; guest stopped: %s", engine_stop_name(r->stop));
	else if (r->stop == STOP_BUDGET)
		util_appendf(s->text, n, len, "; guest ran out of budget");
}

int compare_report_build(struct compare_report *r, const struct scenario *sc, const struct compare_col *cols,
			 size_t ncols, const char *baseline, size_t baseline_index)
{
	memset(r, 0, sizeof(*r));
	r->sc = sc;
	r->cols = cols;
	r->ncols = ncols;
	r->baseline = baseline;
	r->baseline_index = baseline_index;
	r->cost_model = "?";
	bool mixed = false;
	for (size_t k = 0; k < ncols; k++)
		if (!cols[k].rc) {
			if (!strcmp(r->cost_model, "?"))
				r->cost_model = cols[k].res.cost_model;
			mixed |= strcmp(r->cost_model, cols[k].res.cost_model) != 0;
		}
	if (mixed) {               /* --cost A,B: each vendor under its first model */
		size_t len = 0;
		for (size_t k = 0; k < ncols; k++) {
			if (cols[k].rc)
				continue;
			bool seen = false;
			for (size_t j = 0; j < k; j++)
				seen |= !cols[j].rc && cols[j].vendor == cols[k].vendor &&
					!strcmp(cols[j].res.cost_model, cols[k].res.cost_model);
			if (!seen)
				len = util_appendf(r->cost_model_buf, sizeof(r->cost_model_buf), len, "%s%s (%s)",
						   len ? ", " : "", cols[k].res.cost_model, cols[k].res.vendor);
		}
		r->cost_model = r->cost_model_buf;
	}
	struct compare_table *t = calloc(1, sizeof(*t));
	struct compare_summary *sum = calloc(ncols ? ncols : 1, sizeof(*sum));
	r->t = t;
	r->sum = sum;
	if (!t || !sum || table_build(r, t))
		return -1;
	for (size_t k = 0; k < ncols; k++)
		summarize(r, &cols[k], &sum[k]);
	return 0;
}

void compare_report_free(struct compare_report *r)
{
	if (r->t)
		free(r->t->rows);
	free(r->t);
	free(r->sum);
	memset(r, 0, sizeof(*r));
}

/* ---- renderers ---------------------------------------------------------------- */

void compare_render_text(FILE *f, const struct compare_report *w)
{
	const struct compare_report *p = w;
	const struct compare_table *t = w->t;
	fprintf(f, "%s (%s): %s\n", w->sc->name ? w->sc->name : "?", w->sc->path ? w->sc->path : "?",
		w->sc->summary ? w->sc->summary : "");
	fprintf(f, "cost model %s, baseline %s\n\n", w->cost_model, p->baseline);
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
		const struct compare_col *c = &p->cols[k];
		if (c->rc) {
			fprintf(f, "%serror: %s: %s\n", notes ? "" : "\n", c->name, c->err);
			notes = true;
		} else if (c->res.stop != STOP_HALT) {
			fprintf(f, "%snote: %s: guest stopped: %s (%s)\n", notes ? "" : "\n", c->name,
				engine_stop_name(c->res.stop), c->res.stop_msg);
			notes = true;
		}
	}
	fprintf(f, "\nSummary (each against %s on the same vendor):\n", p->baseline);
	for (size_t k = 0; k < p->ncols; k++)
		fprintf(f, "  %s\n", w->sum[k].text);
}

static void md_cell(FILE *f, const char *s)
{
	util_md_text(f, s);
}

void compare_render_md(FILE *f, const struct compare_report *w)
{
	const struct compare_report *p = w;
	const struct compare_table *t = w->t;
	fputs("### ", f);
	md_cell(f, w->sc->name ? w->sc->name : "?");
	fputs("\n\n", f);
	md_cell(f, w->sc->summary ? w->sc->summary : "");
	fputs("\n\nScenario ", f);
	md_cell(f, w->sc->path ? w->sc->path : "?");
	fputs(", cost model ", f);
	md_cell(f, w->cost_model);
	fputs(", baseline ", f);
	md_cell(f, p->baseline);
	fputs(".\n\n", f);
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
		const struct compare_col *c = &p->cols[k];
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

void compare_render_csv(FILE *f, const struct compare_report *w)
{
	const struct compare_report *p = w;
	fputs("metric", f);
	for (size_t k = 0; k < p->ncols; k++) {
		fputc(',', f);
		util_csv_cell(f, p->cols[k].name);
	}
	fputc('\n', f);
	char buf[256];
	for (size_t i = 0; i < w->t->n; i++) {
		util_csv_cell(f, w->t->rows[i].name);
		for (size_t k = 0; k < p->ncols; k++) {
			uint64_t v;
			const char *s;
			int rc = cell(&p->cols[k], &w->t->rows[i], &v, &s);
			fputc(',', f);
			if (rc == -2)
				fputs("error", f);
			else if (rc == 0) {
				cell_text(&p->cols[k], &w->t->rows[i], buf, sizeof(buf));
				util_csv_cell(f, buf);
			}
		}
		fputc('\n', f);
	}
}

int compare_render_json(FILE *f, const struct compare_report *w)
{
	const struct compare_report *p = w;
	struct json_writer jw;
	jw_init(&jw, f, 2);
	jw_object_begin(&jw);
	jw_kv_string(&jw, "schema", COMPARE_SCHEMA);
	jw_kv_u64(&jw, "version", COMPARE_SCHEMA_VERSION);
	jw_kv_string(&jw, "scenario", w->sc->name);
	jw_kv_string(&jw, "file", w->sc->path);
	jw_kv_string(&jw, "cost_model", w->cost_model);
	jw_kv_string(&jw, "baseline", p->baseline);
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
		const struct compare_col *c = &p->cols[k];
		if (!c->rc)
			continue;
		jw_object_begin(&jw);
		jw_kv_string(&jw, "run", c->name);
		jw_kv_string(&jw, "policy", c->policy);
		jw_kv_string(&jw, "vendor", scenario_vendor_name(c->vendor));
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
		const struct compare_summary *s = &w->sum[k];
		const struct compare_col *c = s->c;
		jw_object_begin(&jw);
		jw_kv_string(&jw, "run", c->name);
		jw_kv_string(&jw, "policy", c->policy);
		jw_kv_string(&jw, "vendor", scenario_vendor_name(c->vendor));
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
	if (w->rob) {
		jw_key(&jw, "robustness");
		robust_write_json(&jw, w->rob);
	}
	jw_object_end(&jw);
	return jw_finish(&jw);
}
