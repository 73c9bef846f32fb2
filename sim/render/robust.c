/* robust.c - robustness of compare verdicts over cost models and the ranges
 * of their entries (robust.h, docs/cost-models.md). */
#include "sim/render/robust.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/render/json.h"
#include "sim/util/util.h"

#define EPS 1e-9

/* Two runs' charges in the units of the model's plain entries (cpu/cost.h:
 * a run whose kernel has its own line for an entry counts it scaled, so
 * that both runs move together when the entry is re-priced), plus the
 * cycles no entry moves. */
struct charges {
	double n[COST_N];
	double fixed;
};

/* One model's plain prices and ranges. */
struct prices {
	double x[COST_N];
	uint64_t lo[COST_N], hi[COST_N];
};

static double cost_of(const struct charges *c, const double *x)
{
	double s = c->fixed;
	for (unsigned i = 0; i < COST_N; i++)
		s += c->n[i] * x[i];
	return s;
}

static double ratio(const struct charges *a, const struct charges *b, const double *x)
{
	double d = cost_of(b, x);
	return d > 0 ? cost_of(a, x) / d : NAN;
}

static int sign_of(double r)
{
	return r < 1 - EPS ? -1 : r > 1 + EPS ? 1 : 0;
}

/* The extreme (want_max) of the ratio over the box: flip one ranged entry
 * at a time to its better end until nothing improves.  For a
 * linear-fractional function a corner no single flip improves is the
 * extreme of the whole box (its level sets are half-spaces). */
static double extreme(const struct charges *a, const struct charges *b, const struct prices *m, bool want_max)
{
	double y[COST_N];
	memcpy(y, m->x, sizeof(y));
	double best = ratio(a, b, y);
	for (int pass = 0; pass < 64; pass++) {
		bool moved = false;
		for (unsigned i = 0; i < COST_N; i++) {
			if (m->lo[i] == m->hi[i])
				continue;
			double keep = y[i], cand[2] = { (double)m->lo[i], (double)m->hi[i] };
			for (int e = 0; e < 2; e++) {
				y[i] = cand[e];
				double r = ratio(a, b, y);
				if (!isnan(r) && (want_max ? r > best + EPS * best : r < best - EPS * best)) {
					best = r;
					keep = y[i];
					moved = true;
				}
			}
			y[i] = keep;
		}
		if (!moved)
			break;
	}
	return best;
}

static void eval_charges(const struct charges *a, const struct charges *b, const struct prices *m, struct robust_cell *c)
{
	double x[COST_N];
	memcpy(x, m->x, sizeof(x));
	c->ntop = 0;
	c->point = ratio(a, b, x);
	c->valid = !isnan(c->point);
	if (!c->valid)
		return;
	c->lo = extreme(a, b, m, false);
	c->hi = extreme(a, b, m, true);
	double diff = cost_of(a, x) - cost_of(b, x);
	for (unsigned i = 0; i < COST_N; i++) {
		if (m->lo[i] == m->hi[i] || a->n[i] == b->n[i])
			continue;
		double keep = x[i];
		x[i] = (double)m->lo[i];
		double rlo = ratio(a, b, x);
		x[i] = (double)m->hi[i];
		double rhi = ratio(a, b, x);
		x[i] = keep;
		double swing = fabs(rhi - rlo);
		if (isnan(swing) || swing <= EPS)
			continue;
		unsigned k = c->ntop < ROBUST_TOP ? c->ntop++ : ROBUST_TOP;
		/* insertion by swing, largest first; k == ROBUST_TOP: compete for the last slot */
		if (k == ROBUST_TOP) {
			double last = fabs(c->top[ROBUST_TOP - 1].rhi - c->top[ROBUST_TOP - 1].rlo);
			if (swing <= last)
				continue;
			k = ROBUST_TOP - 1;
		}
		while (k > 0 && fabs(c->top[k - 1].rhi - c->top[k - 1].rlo) < swing) {
			c->top[k] = c->top[k - 1];
			k--;
		}
		c->top[k].idx = i;
		c->top[k].rlo = rlo;
		c->top[k].rhi = rhi;
		c->top[k].breakeven = keep - diff / (a->n[i] - b->n[i]);
	}
}

/* The run charged a under ma, the baseline b under mb: the same model
 * file, with possibly different kernels' lines in place (a linux-6.12 run
 * against a linux-6.1 one); priced by the file's plain entries. */
static void eval_runs(const uint64_t *a, const struct cost_model *ma, const uint64_t *b, const struct cost_model *mb,
		      struct robust_cell *c)
{
	struct charges ca, cb;
	struct prices px;
	cost_plain_ledger(ma, a, ca.n, &ca.fixed);
	cost_plain_ledger(mb, b, cb.n, &cb.fixed);
	cost_plain_prices(ma, px.x, px.lo, px.hi);
	eval_charges(&ca, &cb, &px, c);
}

void robust_eval(const uint64_t *a, const uint64_t *b, const struct cost_model *m, struct robust_cell *c)
{
	eval_runs(a, m, b, m, c);
}

/* An entry under cm: its name, plain value and range. */
struct entry { const char *name; uint64_t v, lo, hi; };

static void entry_of(const struct cost_model *cm, unsigned i, struct entry *e)
{
	struct prices px;
	cost_plain_prices(cm, px.x, px.lo, px.hi);
	e->name = cost_descs[i].name;
	e->v = (uint64_t)px.x[i];
	e->lo = px.lo[i];
	e->hi = px.hi[i];
}

static unsigned vendor_bit(enum vendor v)
{
	return sim_cost_vendor_bit(v);
}

static const struct compare_col *base_of(const struct robust_model *m, const struct compare_col *c, size_t bi)
{
	for (size_t k = 0; k < m->ncols; k++)
		if (m->cols[k].vendor == c->vendor && m->cols[k].pol_index == bi)
			return &m->cols[k];
	return NULL;
}

/* "2.00x" / "1.004x" (three decimals under 1.1x, so a small margin shows) */
static void factor(double x, char *buf, size_t n)
{
	snprintf(buf, n, x < 1.1 ? "%.3fx" : "%.2fx", x);
}

/* "2.00x fewer" / "1.05x more" / "same" for a ratio column/baseline. */
static const char *rel(double r, char *buf, size_t n)
{
	int s = sign_of(r);
	char x[32];
	factor(s < 0 ? 1 / r : r, x, sizeof x);
	if (!s)
		snprintf(buf, n, "same");
	else
		snprintf(buf, n, "%s %s", x, s < 0 ? "fewer" : "more");
	return buf;
}

/* "1.90x-2.10x" of a one-signed range */
static const char *span(double lo, double hi, char *buf, size_t n)
{
	double a = lo < 1 ? 1 / hi : lo, b = lo < 1 ? 1 / lo : hi;
	char x[32], y[32];
	factor(a, x, sizeof x);
	factor(b, y, sizeof y);
	if (!strcmp(x, y))
		snprintf(buf, n, "%s", x);
	else
		snprintf(buf, n, "%s-%s", x, y);
	return buf;
}

static uint64_t misses(const struct run_result *r)
{
	return r->st.db_guest_missed + r->st.db_guest_spurious + r->st.db_host_missed + r->st.db_host_spurious;
}

static void pair_text(const struct robust_report *r, struct robust_pair *p)
{
	char *t = p->text;
	size_t n = sizeof(p->text), len = 0;
	char b1[64], b2[64];
	if (p->is_base) {
		util_appendf(t, n, len, "%s: baseline", p->name);
		return;
	}
	if (!p->nvalid) {
		util_appendf(t, n, len, "%s vs %s: no model applies (model @vendor, or a run failed)", p->name,
			p->base_name ? p->base_name : "?");
		return;
	}
	len = util_appendf(t, n, len, "%s vs %s: ", p->name, p->base_name);
	int s = sign_of(p->lo);
	if (!p->flips) {
		if (!s)
			len = util_appendf(t, n, len, "same cycles");
		else
			len = util_appendf(t, n, len, "%s %s cycles", span(p->lo, p->hi, b1, sizeof b1), s < 0 ? "fewer" : "more");
		len = util_appendf(t, n, len, " under all %u model%s and every range end", p->nvalid, p->nvalid == 1 ? "" : "s");
	} else {
		len = util_appendf(t, n, len, "ordering FLIPS: from %s to %s cycles", rel(p->lo, b1, sizeof b1),
			      rel(p->hi, b2, sizeof b2));
		/* model points on each side */
		bool any[3] = { false, false, false };
		for (size_t m = 0; m < r->nmodels; m++)
			if (p->cells[m].valid)
				any[sign_of(p->cells[m].point) + 1] = true;
		if ((any[0] + any[1] + any[2]) > 1) {
			len = util_appendf(t, n, len, " (at the models' values:");
			static const char *const word[3] = { "fewer", "same", "more" };
			for (int sgn = 0; sgn < 3; sgn++) {
				if (!any[sgn])
					continue;
				len = util_appendf(t, n, len, " %s under", word[sgn]);
				for (size_t m = 0; m < r->nmodels; m++)
					if (p->cells[m].valid && sign_of(p->cells[m].point) + 1 == sgn)
						len = util_appendf(t, n, len, " %s", p->cells[m].model);
				len = util_appendf(t, n, len, ";");
			}
			if (len < n && t[len - 1] == ';')
				t[--len] = 0;
			len = util_appendf(t, n, len, ")");
		}
		/* entries that flip it alone: break-even inside their range */
		bool named[COST_N] = { false };
		int nn = 0;
		for (size_t m = 0; m < r->nmodels; m++) {
			const struct robust_cell *c = &p->cells[m];
			if (!c->valid)
				continue;
			const struct cost_model *cm = &r->models[m].cols[p->col].res.cost;
			for (unsigned k = 0; k < c->ntop; k++) {
				unsigned i = c->top[k].idx;
				double be = c->top[k].breakeven;
				struct entry e;
				entry_of(cm, i, &e);
				if (named[i] || isnan(be) || be < (double)e.lo || be > (double)e.hi)
					continue;
				named[i] = true;
				len = util_appendf(t, n, len, "%s %s [%" PRIu64 "..%" PRIu64 "] (break-even %.0f on %s)",
					      nn++ ? "," : "; flipped by", e.name, e.lo, e.hi, be, c->model);
			}
		}
		if (!nn) {
			len = util_appendf(t, n, len, "; only in combination, largest swings:");
			for (size_t m = 0; m < r->nmodels && !nn; m++) {
				const struct robust_cell *c = &p->cells[m];
				for (unsigned k = 0; c->valid && k < c->ntop; k++)
					len = util_appendf(t, n, len, "%s %s", nn++ ? "," : "", cost_descs[c->top[k].idx].name);
			}
		}
	}
	/* correctness, from the first model that ran both */
	for (size_t m = 0; m < r->nmodels; m++) {
		if (!p->cells[m].valid)
			continue;
		const struct run_result *res = &r->models[m].cols[p->col].res;
		uint64_t gm = res->st.db_guest_missed, gs = res->st.db_guest_spurious;
		uint64_t hm = res->st.db_host_missed, hs = res->st.db_host_spurious;
		if (gm)
			len = util_appendf(t, n, len, "; %" PRIu64 " guest #DB missed", gm);
		if (gs)
			len = util_appendf(t, n, len, "; %" PRIu64 " guest #DB spurious", gs);
		if (hm)
			len = util_appendf(t, n, len, "; %" PRIu64 " host #DB missed", hm);
		if (hs)
			len = util_appendf(t, n, len, "; %" PRIu64 " host #DB spurious", hs);
		if (!(gm | gs | hm | hs))
			len = util_appendf(t, n, len, "; no misses");
		break;
	}
	if (p->correctness_varies)
		util_appendf(t, n, len, " (#DB counts differ between models)");
}

int robust_build(struct robust_report *r, const struct robust_model *models, size_t nmodels, size_t baseline_index)
{
	memset(r, 0, sizeof(*r));
	r->models = models;
	r->nmodels = nmodels;
	if (!nmodels)
		return 0;
	size_t ncols = models[0].ncols;
	r->pairs = calloc(ncols ? ncols : 1, sizeof(*r->pairs));
	if (!r->pairs)
		return -1;
	r->npairs = ncols;
	for (size_t k = 0; k < ncols; k++) {
		struct robust_pair *p = &r->pairs[k];
		const struct compare_col *c0 = &models[0].cols[k];
		const struct compare_col *b0 = base_of(&models[0], c0, baseline_index);
		p->col = k;
		p->name = c0->name;
		p->base_name = b0 ? b0->name : NULL;
		p->is_base = b0 == c0;
		p->cells = calloc(nmodels, sizeof(*p->cells));
		if (!p->cells)
			return -1;
		if (p->is_base)
			continue;
		int s0 = 2;
		uint64_t miss0 = 0;
		for (size_t m = 0; m < nmodels; m++) {
			const struct compare_col *c = &models[m].cols[k];
			const struct compare_col *b = base_of(&models[m], c, baseline_index);
			struct robust_cell *cell = &p->cells[m];
			cell->model = models[m].name;
			if (!b || c->rc || b->rc || !(c->res.cost.vendors & vendor_bit(c->vendor)))
				continue;
			eval_runs(c->res.cost_n, &c->res.cost, b->res.cost_n, &b->res.cost, cell);
			if (!cell->valid)
				continue;
			if (!p->nvalid) {
				p->lo = cell->lo;
				p->hi = cell->hi;
				s0 = sign_of(cell->point);
				miss0 = misses(&c->res);
			}
			p->nvalid++;
			p->lo = fmin(p->lo, cell->lo);
			p->hi = fmax(p->hi, cell->hi);
			if (sign_of(cell->lo) != s0 || sign_of(cell->hi) != s0 || sign_of(cell->point) != s0)
				p->flips = true;
			if (misses(&c->res) != miss0)
				p->correctness_varies = true;
		}
		p->valid = p->nvalid > 0;
	}
	for (size_t k = 0; k < ncols; k++)
		pair_text(r, &r->pairs[k]);
	return 0;
}

void robust_free(struct robust_report *r)
{
	for (size_t k = 0; k < r->npairs; k++)
		free(r->pairs[k].cells);
	free(r->pairs);
	memset(r, 0, sizeof(*r));
}

/* ---- rendering ------------------------------------------------------------ */

static void top_text(const struct robust_report *r, const struct robust_pair *p, size_t m, char *buf, size_t n)
{
	const struct robust_cell *c = &p->cells[m];
	const struct cost_model *cm = &r->models[m].cols[p->col].res.cost;
	size_t len = 0;
	buf[0] = 0;
	for (unsigned k = 0; k < c->ntop; k++) {
		struct entry e;
		char b1[48], b2[48];
		entry_of(cm, c->top[k].idx, &e);
		len = util_appendf(buf, n, len, "%s%s=%" PRIu64 " [%" PRIu64 "..%" PRIu64 "]: %s..%s", k ? "; " : "",
			      e.name, e.v, e.lo, e.hi, rel(c->top[k].rlo, b1, sizeof b1), rel(c->top[k].rhi, b2, sizeof b2));
		double be = c->top[k].breakeven;
		if (!isnan(be) && be >= 0 && be < 1e12)
			len = util_appendf(buf, n, len, " (even at %.0f)", be);
	}
	if (!c->ntop)
		util_appendf(buf, n, len, "-");
}

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++)
		fputs(*s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : (char[]){ *s, 0 }, f);
}

enum rowfmt { ROW_TEXT, ROW_MD, ROW_HTML };

/* The sensitivity table: one row per pair and model. */
static void rows(FILE *f, const struct robust_report *r, enum rowfmt fmt)
{
	for (size_t k = 0; k < r->npairs; k++) {
		const struct robust_pair *p = &r->pairs[k];
		if (p->is_base || !p->valid)
			continue;
		if (fmt == ROW_TEXT)
			fprintf(f, "  %s vs %s\n", p->name, p->base_name);
		for (size_t m = 0; m < r->nmodels; m++) {
			const struct robust_cell *c = &p->cells[m];
			if (!c->valid)
				continue;
			char b0[48], b1[48], b2[48], top[600];
			top_text(r, p, m, top, sizeof top);
			rel(c->point, b0, sizeof b0);
			rel(c->lo, b1, sizeof b1);
			rel(c->hi, b2, sizeof b2);
			if (fmt == ROW_MD) {
				fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", p->name, p->base_name, c->model, b0, b1,
					b2, top);
			} else if (fmt == ROW_HTML) {
				const char *cells[] = { p->name, p->base_name, c->model, b0, b1, b2, top };
				fputs("<tr>", f);
				for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
					fputs(i == 6 ? "<td style=\"text-align:left\">" : "<td>", f);
					html_esc(f, cells[i]);
					fputs("</td>", f);
				}
				fputs("</tr>\n", f);
			} else {
				fprintf(f, "    %-16s %-13s box %s .. %s   %s\n", c->model, b0, b1, b2, top);
			}
		}
	}
}

void robust_render_text(FILE *f, const struct robust_report *r)
{
	fprintf(f, "\nrobustness over %zu cost model%s (", r->nmodels, r->nmodels == 1 ? "" : "s");
	for (size_t m = 0; m < r->nmodels; m++)
		fprintf(f, "%s%s", m ? ", " : "", r->models[m].name);
	fprintf(f, ") and the low/high end of every range:\n");
	for (size_t k = 0; k < r->npairs; k++)
		if (!r->pairs[k].is_base)
			fprintf(f, "  %s\n", r->pairs[k].text);
	fprintf(f, "\nsensitivity (cycles of the run / cycles of the baseline; entries by swing, 'even at' = break-even price):\n");
	rows(f, r, ROW_TEXT);
}

void robust_render_md(FILE *f, const struct robust_report *r)
{
	fprintf(f, "\n### Robustness over cost models\n\n");
	for (size_t k = 0; k < r->npairs; k++)
		if (!r->pairs[k].is_base)
			fprintf(f, "- %s\n", r->pairs[k].text);
	fprintf(f, "\n| run | baseline | model | at the model's values | lowest | highest | decisive entries |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	rows(f, r, ROW_MD);
}

void robust_render_html_section(FILE *f, const struct robust_report *r, const char *id, const char *heading)
{
	fputs("<section id=\"", f);
	html_esc(f, id);
	fputs("\">\n<h2>", f);
	html_esc(f, heading);
	fputs("</h2>\n<p class=\"note\">Models:", f);
	for (size_t m = 0; m < r->nmodels; m++) {
		fputs(m ? ", " : " ", f);
		html_esc(f, r->models[m].name);
	}
	fputs(".  Each verdict re-priced at both ends of every [LOW..HIGH] range (docs/cost-models.md).</p>\n<ul>\n", f);
	for (size_t k = 0; k < r->npairs; k++)
		if (!r->pairs[k].is_base) {
			fprintf(f, "<li data-flips=\"%d\">", r->pairs[k].flips);
			html_esc(f, r->pairs[k].text);
			fputs("</li>\n", f);
		}
	fputs("</ul>\n<table class=\"summary\">\n<tr><th>run</th><th>baseline</th><th>model</th><th>at the model's "
	      "values</th><th>lowest</th><th>highest</th><th>decisive entries (value [range]: ratio at each end, "
	      "break-even)</th></tr>\n", f);
	rows(f, r, ROW_HTML);
	fputs("</table>\n</section>\n", f);
}

void robust_render_html(FILE *f, const void *ctx)
{
	robust_render_html_section(f, ctx, "robustness", "Robustness over cost models");
}

static uint64_t milli(double r)
{
	return r > 0 && r < 1e15 ? (uint64_t)llround(r * 1000) : 0;
}

void robust_write_json(struct json_writer *jw, const struct robust_report *r)
{
	jw_object_begin(jw);
	jw_key(jw, "models");
	jw_array_begin(jw);
	for (size_t m = 0; m < r->nmodels; m++)
		jw_string(jw, r->models[m].name);
	jw_array_end(jw);
	jw_key(jw, "pairs");
	jw_array_begin(jw);
	for (size_t k = 0; k < r->npairs; k++) {
		const struct robust_pair *p = &r->pairs[k];
		if (p->is_base)
			continue;
		jw_object_begin(jw);
		jw_kv_string(jw, "run", p->name);
		jw_kv_string(jw, "baseline", p->base_name);
		jw_kv_u64(jw, "models_evaluated", p->nvalid);
		jw_key(jw, "flips");
		jw_bool(jw, p->flips);
		/* cycles of the run / cycles of the baseline, x 1000 */
		jw_kv_u64(jw, "ratio_milli_low", milli(p->lo));
		jw_kv_u64(jw, "ratio_milli_high", milli(p->hi));
		jw_kv_string(jw, "text", p->text);
		jw_key(jw, "cells");
		jw_array_begin(jw);
		for (size_t m = 0; m < r->nmodels; m++) {
			const struct robust_cell *c = &p->cells[m];
			if (!c->valid)
				continue;
			const struct cost_model *cm = &r->models[m].cols[p->col].res.cost;
			jw_object_begin(jw);
			jw_kv_string(jw, "model", c->model);
			jw_kv_u64(jw, "ratio_milli", milli(c->point));
			jw_kv_u64(jw, "ratio_milli_low", milli(c->lo));
			jw_kv_u64(jw, "ratio_milli_high", milli(c->hi));
			jw_key(jw, "entries");
			jw_array_begin(jw);
			for (unsigned t = 0; t < c->ntop; t++) {
				struct entry e;
				entry_of(cm, c->top[t].idx, &e);
				jw_object_begin(jw);
				jw_kv_string(jw, "entry", e.name);
				jw_kv_u64(jw, "value", e.v);
				jw_kv_u64(jw, "low", e.lo);
				jw_kv_u64(jw, "high", e.hi);
				jw_kv_u64(jw, "ratio_milli_at_low", milli(c->top[t].rlo));
				jw_kv_u64(jw, "ratio_milli_at_high", milli(c->top[t].rhi));
				jw_key(jw, "breakeven");
				if (isnan(c->top[t].breakeven) || fabs(c->top[t].breakeven) > 1e15)
					jw_null(jw);
				else
					jw_i64(jw, (int64_t)llround(c->top[t].breakeven));
				jw_object_end(jw);
			}
			jw_array_end(jw);
			jw_object_end(jw);
		}
		jw_array_end(jw);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
}
