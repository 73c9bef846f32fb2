/* svg.c - grouped bars and stacked bars, written as SVG with deterministic
 * bytes (svg.h), and the drawing primitives the timeline shares
 * (svg_int.h, timeline.c). */
#include "sim/render/svg.h"
#include "sim/render/svg_int.h"
#include <inttypes.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/render/kvmstat.h"
#include "sim/util/util.h"

/* Okabe-Ito palette (distinguishable with the common colour-vision
 * deficiencies): the six cycle categories. */
static const char *const palette[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
	"#999999", "#666666",
};

/* One colour per policy in the exits chart, never two alike: Okabe-Ito,
 * then Paul Tol's "muted" and "dark" sets (personal.sron.nl/~pault),
 * 22 colours; beyond that, hues 137.5 degrees apart (golden angle) at
 * alternating lightness, each a different string. */
static const char *const series_palette[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
	"#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
	"#222255", "#225555", "#225522", "#666633", "#663333", "#555555",
};
#define NSERIES_PALETTE (sizeof(series_palette) / sizeof(series_palette[0]))

static void series_colour(size_t i, char *buf, size_t n)
{
	if (i < NSERIES_PALETTE) {
		snprintf(buf, n, "%s", series_palette[i]);
		return;
	}
	size_t k = i - NSERIES_PALETTE;
	snprintf(buf, n, "hsl(%u,%u%%,%u%%)", (unsigned)((k * 1375 / 10) % 360), 55u + (unsigned)(k % 3) * 10,
		 35u + (unsigned)(k % 2) * 20);
}

#define FONT "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

void svg_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* Fixed formatting: one decimal, never "-0.0". */
void svg_num(FILE *f, double v)
{
	char b[48];
	if (!isfinite(v))              /* never "nan"/"inf" in a coordinate (issue 15 item 11) */
		v = 0;
	snprintf(b, sizeof(b), "%.1f", v);
	fputs(strcmp(b, "-0.0") ? b : "0.0", f);
}

void svg_open_svg(FILE *f, const char *id, int w, int h, const char *title)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"hvsim-%s\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", id, w, h, w, h);
	svg_escape(f, title);
	fputs("\">\n<title>", f);
	svg_escape(f, title);
	fprintf(f, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
	fprintf(f, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" " FONT ">",
		w / 2);
	svg_escape(f, title);
	fputs("</text>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size, const char *fill,
		 const char *s)
{
	fputs("<text x=\"", f);
	svg_num(f, x);
	fputs("\" y=\"", f);
	svg_num(f, y);
	fprintf(f, "\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\" " FONT ">", anchor, size, fill);
	svg_escape(f, s);
	fputs("</text>\n", f);
}

/* The geometry, fill and tooltip of a <rect, after its opening (and any
 * attributes of its own). */
static void rect_body(FILE *f, double x, double y, double w, double h, const char *fill, const char *tip)
{
	fputs("x=\"", f);
	svg_num(f, x);
	fputs("\" y=\"", f);
	svg_num(f, y);
	fputs("\" width=\"", f);
	svg_num(f, w);
	fputs("\" height=\"", f);
	svg_num(f, h);
	fprintf(f, "\" fill=\"%s\"", fill);
	if (tip) {
		fputs("><title>", f);
		svg_escape(f, tip);
		fputs("</title></rect>\n", f);
	} else {
		fputs("/>\n", f);
	}
}

void svg_rect(FILE *f, double x, double y, double w, double h, const char *fill, const char *tip)
{
	fputs("<rect ", f);
	rect_body(f, x, y, w, h, fill, tip);
}

void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke, double width)
{
	fputs("<line x1=\"", f);
	svg_num(f, x1);
	fputs("\" y1=\"", f);
	svg_num(f, y1);
	fputs("\" x2=\"", f);
	svg_num(f, x2);
	fputs("\" y2=\"", f);
	svg_num(f, y2);
	fprintf(f, "\" stroke=\"%s\" stroke-width=\"", stroke);
	svg_num(f, width);
	fputs("\"/>\n", f);
}

/* Axis scale: step from 1, 2, 5 x 10^k so that max fits in <= 5 steps;
 * integer arithmetic only. */
static uint64_t nice_step(uint64_t max)
{
	uint64_t p = 1;
	for (;;) {
		static const uint64_t m[] = { 1, 2, 5 };
		for (int i = 0; i < 3; i++) {
			uint64_t s = p * m[i];
			if (max / s + (max % s != 0) <= 5)    /* ceil, without wrapping near 2^64 */
				return s;
		}
		if (p > UINT64_MAX / 100)
			return p * 10;
		p *= 10;
	}
}

void svg_fmt_u(char *b, size_t n, uint64_t v)
{
	snprintf(b, n, "%" PRIu64, v);
}

/* Legend items in rows below the plot; returns the height used. */
int svg_legend(FILE *f, int x0, int y0, int width, const char (*names)[80], size_t n,
		  const char *const *colors, bool dry)
{
	int x = x0, y = y0, used = n ? 18 : 0;
	for (size_t i = 0; i < n; i++) {
		int w = 22 + 7 * (int)strlen(names[i]) + 14;
		if (x + w > x0 + width && x > x0) {
			x = x0;
			y += 18;
			used += 18;
		}
		if (!dry) {
			svg_rect(f, x, y - 10, 12, 12, colors[i], NULL);
			svg_text(f, x + 17, y, "start", 12, "#222222", names[i]);
		}
		x += w;
	}
	return used;
}

/* ---- the charts' data ------------------------------------------------------------- */

static struct chart *chart_new(size_t nrows, size_t ncols)
{
	struct chart *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rows = calloc(nrows ? nrows : 1, sizeof(*c->rows));
	c->cols = calloc(ncols ? ncols : 1, sizeof(*c->cols));
	c->v = calloc((nrows ? nrows : 1) * (ncols ? ncols : 1), sizeof(*c->v));
	c->nrows = nrows;
	c->ncols = ncols;
	if (!c->rows || !c->cols || !c->v) {
		chart_free(c);
		return NULL;
	}
	return c;
}

void chart_free(struct chart *c)
{
	if (!c)
		return;
	free(c->rows);
	free(c->cols);
	free(c->v);
	free(c->run_vendor);
	free(c->run_missed);
	free(c->run_series);
	free(c);
}

/* The per-run arrays: vendor, #DBs missed, colour by policy (first-seen
 * order of policy names, so a policy has one colour on both vendors). */
static int chart_runs(struct chart *c, const struct run_result *const *runs, size_t nruns)
{
	c->nruns = nruns;
	c->run_vendor = calloc(nruns ? nruns : 1, sizeof(*c->run_vendor));
	c->run_missed = calloc(nruns ? nruns : 1, sizeof(*c->run_missed));
	c->run_series = calloc(nruns ? nruns : 1, sizeof(*c->run_series));
	if (!c->run_vendor || !c->run_missed || !c->run_series)
		return -1;
	size_t npol = 0;
	for (size_t k = 0; k < nruns; k++) {
		const struct run_result *r = runs[k];
		snprintf(c->run_vendor[k], sizeof(c->run_vendor[k]), "%s", r->vendor[0] ? r->vendor : "none");
		c->run_missed[k] = r->st.db_guest_missed + r->st.db_host_missed;
		size_t j;
		for (j = 0; j < k && strcmp(runs[j]->policy, r->policy); j++)
			;
		c->run_series[k] = j < k ? c->run_series[j] : npol++;
	}
	return 0;
}

static void run_label(const struct run_result *r, char *b, size_t n)
{
	snprintf(b, n, "%s@%s", r->policy, r->vendor[0] ? r->vendor : "none");
}

static const char *exit_name(const struct run_result *r, unsigned i)
{
	return r->exit_names && i < r->nexit_names ? r->exit_names[i] : NULL;
}

struct chart *chart_exits(const struct run_result *const *runs, size_t nruns)
{
	/* Reasons with samples in any run, by name, in first-seen order. */
	char names[EXIT_SLOTS][80];
	size_t nn = 0;
	for (size_t k = 0; k < nruns; k++)
		for (unsigned i = 0; i < EXIT_SLOTS; i++) {
			if (!runs[k]->st.exits[i].count)
				continue;
			char b[80];
			const char *nm = exit_name(runs[k], i);
			if (nm)
				snprintf(b, sizeof(b), "%s", nm);
			else
				snprintf(b, sizeof(b), "UNKNOWN_%u", i);
			size_t j;
			for (j = 0; j < nn && strcmp(names[j], b); j++)
				;
			if (j == nn && nn < EXIT_SLOTS)
				memcpy(names[nn++], b, sizeof(b));
		}
	struct chart *c = chart_new(nn, nruns);
	if (!c || chart_runs(c, runs, nruns)) {
		chart_free(c);
		return NULL;
	}
	snprintf(c->id, sizeof(c->id), "exits");
	snprintf(c->title, sizeof(c->title), "VM exits by reason, per policy (%s)",
		 nruns ? runs[0]->scenario : "");
	snprintf(c->unit, sizeof(c->unit), "exits");
	snprintf(c->row_key, sizeof(c->row_key), "reason");
	snprintf(c->col_key, sizeof(c->col_key), "run");
	for (size_t j = 0; j < nn; j++)
		memcpy(c->rows[j], names[j], sizeof(names[j]));
	for (size_t k = 0; k < nruns; k++) {
		run_label(runs[k], c->cols[k], sizeof(c->cols[k]));
		for (unsigned i = 0; i < EXIT_SLOTS; i++) {
			if (!runs[k]->st.exits[i].count)
				continue;
			char b[80];
			const char *nm = exit_name(runs[k], i);
			if (nm)
				snprintf(b, sizeof(b), "%s", nm);
			else
				snprintf(b, sizeof(b), "UNKNOWN_%u", i);
			for (size_t j = 0; j < nn; j++)
				if (!strcmp(names[j], b))
					c->v[j * nruns + k] += runs[k]->st.exits[i].count;
		}
	}
	return c;
}

struct chart *chart_cycles(const struct run_result *const *runs, size_t nruns)
{
	static const char *const cats[] = { "guest", "transition", "handler", "dr", "vmcs", "host" };
	struct chart *c = chart_new(nruns, 6);
	if (!c || chart_runs(c, runs, nruns)) {
		chart_free(c);
		return NULL;
	}
	snprintf(c->id, sizeof(c->id), "cycles");
	snprintf(c->title, sizeof(c->title), "Modeled cycles by category, per policy (%s)",
		 nruns ? runs[0]->scenario : "");
	snprintf(c->unit, sizeof(c->unit), "cycles");
	snprintf(c->row_key, sizeof(c->row_key), "run");
	snprintf(c->col_key, sizeof(c->col_key), "category");
	for (size_t j = 0; j < 6; j++)
		snprintf(c->cols[j], sizeof(c->cols[j]), "%s", cats[j]);
	for (size_t k = 0; k < nruns; k++) {
		const struct stats *s = &runs[k]->st;
		run_label(runs[k], c->rows[k], sizeof(c->rows[k]));
		const uint64_t v[6] = { s->cycles_guest, s->cycles_transition, s->cycles_handler,
					s->cycles_dr, s->cycles_vmcs, s->cycles_host };
		memcpy(&c->v[k * 6], v, sizeof(v));
	}
	return c;
}

/* ---- small multiples and stacked bars ------------------------------------------------- */

#define CW 1200                 /* chart width: fits a 1280-pixel projector */
#define PLOT_T 44
#define PLOT_H 240              /* the timeline's scale helpers */
#define MARGIN 20
#define PANEL_GAP 30
#define LABEL_W 190             /* run names left of the bars */
#define VALUE_W 64              /* numbers right of the bars */
#define ROW_H 18                /* one bar: 14 pixels thick, 4 apart */
#define BAR_H 14

void svg_scale(uint64_t max, uint64_t *ymax, uint64_t *step)
{
	if (max == 0)
		max = 1;
	*step = nice_step(max);
	uint64_t q = max / *step + (max % *step != 0);
	/* near 2^64 the rounded-up top would wrap to 0 (a division by zero
	 * in every coordinate): keep the largest value instead */
	*ymax = q > UINT64_MAX / *step ? UINT64_MAX : q * *step;
}

/* The vendors of a chart's runs, in order of first appearance. */
static size_t chart_vendors(const struct chart *c, const char *out[4])
{
	size_t n = 0;
	for (size_t k = 0; k < c->nruns && n < 4; k++) {
		size_t j;
		for (j = 0; j < n && strcmp(out[j], c->run_vendor[k]); j++)
			;
		if (j == n)
			out[n++] = c->run_vendor[k];
	}
	return n;
}

static const char *vendor_title(const char *v)
{
	return !strcmp(v, "vmx") ? "Intel VMX" : !strcmp(v, "svm") ? "AMD SVM" : "bare metal";
}

/* Runs of vendor v sorted by key (descending, or ascending with `asc`),
 * then by name; returns how many. */
struct run_order {
	const uint64_t *key;
	const char (*names)[80];
	bool asc;
};

static int cmp_runs(size_t x, size_t y, const struct run_order *o)
{
	if (o->key[x] != o->key[y])
		return (o->key[x] < o->key[y]) == o->asc ? -1 : 1;
	int c = strcmp(o->names[x], o->names[y]);
	return c ? c : (x < y ? -1 : x > y);
}

static size_t vendor_runs(const struct chart *c, const char *v, const uint64_t *key, const char (*names)[80],
			  bool asc, size_t *idx)
{
	size_t n = 0;
	for (size_t k = 0; k < c->nruns; k++)
		if (!strcmp(c->run_vendor[k], v))
			idx[n++] = k;
	struct run_order o = { key, names, asc };
	for (size_t a = 1; a < n; a++)            /* insertion sort: a few dozen runs */
		for (size_t b = a; b > 0 && cmp_runs(idx[b - 1], idx[b], &o) > 0; b--) {
			size_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
	return n;
}

static void bar(FILE *f, double x, double y, double w, double h, const char *fill, const char *series,
		uint64_t v, const char *tip)
{
	fputs("<rect class=\"bar\" data-series=\"", f);
	svg_escape(f, series);
	fprintf(f, "\" data-value=\"%" PRIu64 "\" ", v);
	rect_body(f, x, y, w, h, fill, tip);
}

/* Run names: the policy, and "@vendor" only where a panel mixes vendors
 * (it never does: the panel title says the vendor). */
static void run_policy(const char *label, char *b, size_t n)
{
	snprintf(b, n, "%s", label);
	char *at = strrchr(b, '@');
	if (at)
		*at = '\0';
}

/* exits: panels of (vendor, reason), two per line. */
void chart_svg_grouped(FILE *f, const struct chart *c)
{
	const char *vend[4];
	size_t nv = chart_vendors(c, vend);
	size_t *idx = calloc(c->nruns ? c->nruns : 1, sizeof(*idx));
	uint64_t *key = calloc(c->nruns ? c->nruns : 1, sizeof(*key));
	size_t *rows = calloc(c->nrows ? c->nrows : 1, sizeof(*rows));
	if (!idx || !key || !rows) {
		free(idx);
		free(key);
		free(rows);
		return;
	}
	double pw = (CW - 2 * MARGIN - PANEL_GAP) / 2.0;
	/* height first: per vendor a heading, then lines of two panels */
	int h = PLOT_T + 6;
	for (size_t v = 0; v < nv; v++) {
		size_t nr = 0, nrun = 0;
		for (size_t k = 0; k < c->nruns; k++)
			nrun += !strcmp(c->run_vendor[k], vend[v]);
		for (size_t i = 0; i < c->nrows; i++)
			for (size_t k = 0; k < c->nruns; k++)
				if (!strcmp(c->run_vendor[k], vend[v]) && c->v[i * c->ncols + k]) {
					nr++;
					break;
				}
		if (!nr)
			continue;
		h += 30 + (int)((nr + 1) / 2) * (24 + (int)nrun * ROW_H + 22);
	}
	if (h < PLOT_T + 60)
		h = PLOT_T + 60;
	svg_open_svg(f, c->id, CW, h, c->title);
	svg_text(f, CW / 2.0, 38, "middle", 12, "#444444",
	     "one panel per exit reason and vendor; bars sorted, most exits first; colours are policies");
	double y = PLOT_T + 6;
	if (!c->nruns || !c->nrows)
		svg_text(f, CW / 2.0, y + 30, "middle", 13, "#444444", "no VM exits");
	for (size_t v = 0; v < nv; v++) {
		/* this vendor's reasons with exits, most exits first */
		size_t nr = 0;
		for (size_t i = 0; i < c->nrows; i++) {
			uint64_t t = 0;
			for (size_t k = 0; k < c->nruns; k++)
				if (!strcmp(c->run_vendor[k], vend[v]))
					t += c->v[i * c->ncols + k];
			if (t)
				rows[nr++] = i;
		}
		if (!nr)
			continue;
		for (size_t a = 1; a < nr; a++)           /* insertion sort: few rows */
			for (size_t b = a; b > 0; b--) {
				uint64_t ta = 0, tb = 0;
				for (size_t k = 0; k < c->nruns; k++)
					if (!strcmp(c->run_vendor[k], vend[v])) {
						ta += c->v[rows[b] * c->ncols + k];
						tb += c->v[rows[b - 1] * c->ncols + k];
					}
				if (ta < tb || (ta == tb && strcmp(c->rows[rows[b]], c->rows[rows[b - 1]]) >= 0))
					break;
				size_t t = rows[b];
				rows[b] = rows[b - 1];
				rows[b - 1] = t;
			}
		char head[64];
		snprintf(head, sizeof(head), "%s", vendor_title(vend[v]));
		svg_text(f, MARGIN, y + 18, "start", 15, "#16324f", head);
		svg_line(f, MARGIN, y + 23, CW - MARGIN, y + 23, "#16324f", 1);
		y += 30;
		for (size_t p = 0; p < nr; p++) {
			size_t i = rows[p];
			for (size_t k = 0; k < c->nruns; k++)
				key[k] = c->v[i * c->ncols + k];
			size_t n = vendor_runs(c, vend[v], key, c->cols, false, idx);
			double px = MARGIN + (double)(p % 2) * (pw + PANEL_GAP), py = y;
			char ttl[160];
			snprintf(ttl, sizeof(ttl), "%s (%s)", kvmstat_exit_label(vend[v], c->rows[i]), vend[v]);
			svg_text(f, px, py + 14, "start", 13, "#222222", ttl);
			uint64_t max = 0;
			for (size_t q = 0; q < n; q++)
				if (key[idx[q]] > max)
					max = key[idx[q]];
			double bw_max = pw - LABEL_W - VALUE_W;
			for (size_t q = 0; q < n; q++) {
				size_t k = idx[q];
				double by = py + 24 + (double)q * ROW_H;
				char pol[80], col[32], b[32], tip[240];
				run_policy(c->cols[k], pol, sizeof(pol));
				series_colour(c->run_series[k], col, sizeof(col));
				svg_fmt_u(b, sizeof(b), key[k]);
				svg_text(f, px + LABEL_W - 6, by + BAR_H - 3, "end", 12, "#222222", pol);
				double w = max ? (double)key[k] * bw_max / (double)max : 0;
				if (key[k] && w < 2)
					w = 2;           /* a non-zero count is never invisible */
				snprintf(tip, sizeof(tip), "%s %s: %s %s", c->cols[k], c->rows[i], b, c->unit);
				bar(f, px + LABEL_W, by, w, BAR_H, col, c->cols[k], key[k], tip);
				svg_text(f, px + LABEL_W + w + 4, by + BAR_H - 3, "start", 11, "#222222", b);
			}
			if (p % 2 == 1 || p + 1 == nr)
				y += 24 + (double)n * ROW_H + 22;
		}
	}
	fputs("</svg>\n", f);
	free(idx);
	free(key);
	free(rows);
}

/* cycles: one panel per vendor, a stacked horizontal bar per run,
 * cheapest first; runs that missed #DBs hatched, outlined, labelled. */
void chart_svg_stacked(FILE *f, const struct chart *c)
{
	const char *vend[4];
	size_t nv = chart_vendors(c, vend);
	size_t *idx = calloc(c->nrows ? c->nrows : 1, sizeof(*idx));
	uint64_t *tot = calloc(c->nrows ? c->nrows : 1, sizeof(*tot));
	if (!idx || !tot) {
		free(idx);
		free(tot);
		return;
	}
	uint64_t max = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		for (size_t k = 0; k < c->ncols; k++)
			if (__builtin_add_overflow(tot[i], c->v[i * c->ncols + k], &tot[i]))
				tot[i] = UINT64_MAX;   /* near 2^64: saturate, never wrap */
		if (tot[i] > max)
			max = tot[i];
	}
	uint64_t xmax, step;
	svg_scale(max, &xmax, &step);
	const char *cols[16];
	for (size_t k = 0; k < c->ncols && k < 16; k++)
		cols[k] = palette[k % (sizeof(palette) / sizeof(palette[0]))];
	int leg_h = svg_legend(f, MARGIN, 0, CW - 2 * MARGIN, c->cols, c->ncols, cols, true);
	int h = PLOT_T + 14 + leg_h;
	for (size_t v = 0; v < nv; v++) {
		size_t n = 0;
		for (size_t k = 0; k < c->nrows; k++)
			n += !strcmp(c->run_vendor[k], vend[v]);
		h += 30 + (int)n * (ROW_H + 4) + 26;
	}
	h += 8;
	svg_open_svg(f, c->id, CW, h, c->title);
	fputs("<defs><pattern id=\"hvsim-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\" fill-opacity=\"0.35\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#D00000\" stroke-width=\"3\"/></pattern></defs>\n",
	      f);
	svg_text(f, CW / 2.0, 38, "middle", 12, "#444444",
	     "cheapest first; hatched and outlined in red: the policy missed breakpoints (not a valid saving)");
	double x0 = MARGIN + LABEL_W, bw_max = CW - MARGIN - LABEL_W - 150;
	/* the legend first: the colours are explained before the bars */
	svg_legend(f, MARGIN, PLOT_T + 16, CW - 2 * MARGIN, c->cols, c->ncols, cols, false);
	double y = PLOT_T + 10 + leg_h;
	for (size_t v = 0; v < nv; v++) {
		size_t n = vendor_runs(c, vend[v], tot, c->rows, true, idx);
		if (!n)
			continue;
		svg_text(f, MARGIN, y + 18, "start", 15, "#16324f", vendor_title(vend[v]));
		svg_line(f, MARGIN, y + 23, CW - MARGIN, y + 23, "#16324f", 1);
		y += 30;
		double top = y;
		/* x grid */
		for (uint64_t t = 0; t <= xmax; t += step) {
			double x = x0 + (double)t * bw_max / (double)xmax;
			svg_line(f, x, top - 2, x, top + (double)n * (ROW_H + 4), t ? "#e4e4e4" : "#444444", 1);
			char b[32];
			svg_fmt_u(b, sizeof(b), t);
			svg_text(f, x, top + (double)n * (ROW_H + 4) + 14, "middle", 10, "#555555", b);
			if (step == 0 || t > UINT64_MAX - step)
				break;
		}
		for (size_t q = 0; q < n; q++) {
			size_t i = idx[q];
			double by = y + (double)q * (ROW_H + 4);
			char pol[80];
			run_policy(c->rows[i], pol, sizeof(pol));
			svg_text(f, x0 - 6, by + BAR_H - 2, "end", 12, c->run_missed[i] ? "#B00000" : "#222222", pol);
			uint64_t acc = 0;
			for (size_t k = 0; k < c->ncols; k++) {
				uint64_t val = c->v[i * c->ncols + k];
				if (!val)
					continue;
				uint64_t top;          /* saturating near 2^64, as the totals */
				if (__builtin_add_overflow(acc, val, &top))
					top = UINT64_MAX;
				double xa = x0 + (double)acc * bw_max / (double)xmax;
				double xb = x0 + (double)top * bw_max / (double)xmax;
				char tip[240], b[32];
				svg_fmt_u(b, sizeof(b), val);
				snprintf(tip, sizeof(tip), "%s %s: %s %s", c->rows[i], c->cols[k], b, c->unit);
				bar(f, xa, by, xb - xa, BAR_H + 2, cols[k], c->cols[k], val, tip);
				acc = top;
			}
			double xe = x0 + (double)acc * bw_max / (double)xmax;
			char b[96];
			svg_fmt_u(b, sizeof(b), acc);
			if (c->run_missed[i]) {
				fputs("<rect class=\"missed\" stroke=\"#D00000\" stroke-width=\"2\" ", f);
				rect_body(f, x0, by - 1, xe - x0 > 4 ? xe - x0 : 4, BAR_H + 4, "url(#hvsim-hatch)", NULL);
				char lab[128];
				snprintf(lab, sizeof(lab), "%s  %" PRIu64 " #DB missed", b, c->run_missed[i]);
				fputs("<text class=\"missed-label\" x=\"", f);
				svg_num(f, xe + 6);
				fputs("\" y=\"", f);
				svg_num(f, by + BAR_H - 2);
				fputs("\" text-anchor=\"start\" font-size=\"12\" font-weight=\"bold\" fill=\"#B00000\" " FONT ">",
				      f);
				svg_escape(f, lab);
				fputs("</text>\n", f);
			} else {
				svg_text(f, xe + 6, by + BAR_H - 2, "start", 11, "#222222", b);
			}
		}
		y += (double)n * (ROW_H + 4) + 26;
	}
	fputs("</svg>\n", f);
	free(idx);
	free(tot);
}

void chart_write_csv(FILE *f, const struct chart *c)
{
	fprintf(f, "%s,%s,%s\n", c->row_key, c->col_key, c->unit);
	for (size_t i = 0; i < c->nrows; i++)
		for (size_t k = 0; k < c->ncols; k++) {
			util_csv_cell(f, c->rows[i]);
			fputc(',', f);
			util_csv_cell(f, c->cols[k]);
			fprintf(f, ",%" PRIu64 "\n", c->v[i * c->ncols + k]);
		}
}

void chart_write_json(FILE *f, const struct chart *c)
{
	struct json_writer w;
	jw_init(&w, f, 2);
	jw_object_begin(&w);
	jw_kv_string(&w, "chart", c->id);
	jw_kv_string(&w, "title", c->title);
	jw_kv_string(&w, "unit", c->unit);
	jw_key(&w, "rows");
	jw_array_begin(&w);
	for (size_t i = 0; i < c->nrows; i++)
		for (size_t k = 0; k < c->ncols; k++) {
			jw_object_begin(&w);
			jw_kv_string(&w, c->row_key, c->rows[i]);
			jw_kv_string(&w, c->col_key, c->cols[k]);
			jw_kv_u64(&w, "value", c->v[i * c->ncols + k]);
			jw_object_end(&w);
		}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}
