/* svg.c - grouped bars, stacked bars and a timeline strip, written as SVG
 * with deterministic bytes (svg.h). */
#include "sim/render/svg.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/util/util.h"

/* Okabe-Ito palette (distinguishable with the common colour-vision
 * deficiencies), then greys. */
static const char *const palette[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
	"#999999", "#666666",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

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
static void num(FILE *f, double v)
{
	char b[48];
	snprintf(b, sizeof(b), "%.1f", v);
	fputs(strcmp(b, "-0.0") ? b : "0.0", f);
}

static void open_svg(FILE *f, const char *id, int w, int h, const char *title)
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

static void text(FILE *f, double x, double y, const char *anchor, int size, const char *fill,
		 const char *s)
{
	fputs("<text x=\"", f);
	num(f, x);
	fputs("\" y=\"", f);
	num(f, y);
	fprintf(f, "\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\" " FONT ">", anchor, size, fill);
	svg_escape(f, s);
	fputs("</text>\n", f);
}

static void rect(FILE *f, double x, double y, double w, double h, const char *fill, const char *tip)
{
	fputs("<rect x=\"", f);
	num(f, x);
	fputs("\" y=\"", f);
	num(f, y);
	fputs("\" width=\"", f);
	num(f, w);
	fputs("\" height=\"", f);
	num(f, h);
	fprintf(f, "\" fill=\"%s\"", fill);
	if (tip) {
		fputs("><title>", f);
		svg_escape(f, tip);
		fputs("</title></rect>\n", f);
	} else {
		fputs("/>\n", f);
	}
}

static void line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke, double width)
{
	fputs("<line x1=\"", f);
	num(f, x1);
	fputs("\" y1=\"", f);
	num(f, y1);
	fputs("\" x2=\"", f);
	num(f, x2);
	fputs("\" y2=\"", f);
	num(f, y2);
	fprintf(f, "\" stroke=\"%s\" stroke-width=\"", stroke);
	num(f, width);
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
			if ((max + s - 1) / s <= 5)
				return s;
		}
		if (p > UINT64_MAX / 100)
			return p * 10;
		p *= 10;
	}
}

static void fmt_u(char *b, size_t n, uint64_t v)
{
	snprintf(b, n, "%" PRIu64, v);
}

/* Legend items in rows below the plot; returns the height used. */
static int legend(FILE *f, int x0, int y0, int width, const char (*names)[80], size_t n,
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
			rect(f, x, y - 10, 12, 12, colors[i % NPALETTE], NULL);
			text(f, x + 17, y, "start", 12, "#222222", names[i]);
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
	free(c);
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
	if (!c)
		return NULL;
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
	if (!c)
		return NULL;
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

/* ---- grouped and stacked bars -------------------------------------------------------- */

#define CW 760
#define PLOT_L 80
#define PLOT_R 20
#define PLOT_T 44
#define PLOT_H 240

static void y_axis(FILE *f, uint64_t ymax, uint64_t step, const char *unit)
{
	for (uint64_t v = 0; v <= ymax; v += step) {
		double y = PLOT_T + PLOT_H - (double)v * PLOT_H / (double)ymax;
		line(f, PLOT_L, y, CW - PLOT_R, y, v ? "#dddddd" : "#444444", 1);
		char b[32];
		fmt_u(b, sizeof(b), v);
		text(f, PLOT_L - 6, y + 4, "end", 11, "#444444", b);
		if (step == 0 || v > UINT64_MAX - step)
			break;
	}
	fputs("<text transform=\"translate(16,", f);
	num(f, PLOT_T + PLOT_H / 2.0);
	fprintf(f, ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#444444\" " FONT ">");
	svg_escape(f, unit);
	fputs("</text>\n", f);
}

static void scale(uint64_t max, uint64_t *ymax, uint64_t *step)
{
	if (max == 0)
		max = 1;
	*step = nice_step(max);
	*ymax = (max + *step - 1) / *step * *step;
}

static int x_labels(FILE *f, const char (*names)[80], size_t n, double gw)
{
	/* Horizontal when they fit, else rotated by -35 degrees. */
	size_t longest = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) > longest)
			longest = strlen(names[i]);
	bool rotate = (double)longest * 7.0 > gw;
	for (size_t i = 0; i < n; i++) {
		double x = PLOT_L + gw * ((double)i + 0.5), y = PLOT_T + PLOT_H + 16;
		if (!rotate) {
			text(f, x, y, "middle", 11, "#222222", names[i]);
			continue;
		}
		fputs("<text transform=\"translate(", f);
		num(f, x);
		fputc(',', f);
		num(f, y);
		fprintf(f, ") rotate(-35)\" text-anchor=\"end\" font-size=\"11\" fill=\"#222222\" " FONT ">");
		svg_escape(f, names[i]);
		fputs("</text>\n", f);
	}
	return rotate ? 16 + (int)(longest * 4.2) : 22;
}

void chart_svg_grouped(FILE *f, const struct chart *c)
{
	uint64_t max = 0;
	for (size_t i = 0; i < c->nrows * c->ncols; i++)
		if (c->v[i] > max)
			max = c->v[i];
	uint64_t ymax, step;
	scale(max, &ymax, &step);
	double pw = CW - PLOT_L - PLOT_R, gw = c->nrows ? pw / (double)c->nrows : pw;
	/* size: labels and legend below the plot */
	size_t longest = 0;
	for (size_t i = 0; i < c->nrows; i++)
		if (strlen(c->rows[i]) > longest)
			longest = strlen(c->rows[i]);
	int lab_h = (double)longest * 7.0 > gw ? 16 + (int)(longest * 4.2) : 22;
	int leg_h = legend(f, PLOT_L, 0, CW - PLOT_L - PLOT_R, c->cols, c->ncols, palette, true);
	int h = PLOT_T + PLOT_H + lab_h + 12 + leg_h + 8;
	open_svg(f, c->id, CW, h, c->title);
	y_axis(f, ymax, step, c->unit);
	double bw = c->ncols ? gw * 0.8 / (double)c->ncols : 0;
	bool labels = c->nrows * c->ncols <= 48;
	for (size_t i = 0; i < c->nrows; i++)
		for (size_t k = 0; k < c->ncols; k++) {
			uint64_t v = c->v[i * c->ncols + k];
			double bh = (double)v * PLOT_H / (double)ymax;
			double x = PLOT_L + gw * (double)i + gw * 0.1 + bw * (double)k;
			char tip[240], b[32];
			fmt_u(b, sizeof(b), v);
			snprintf(tip, sizeof(tip), "%s %s: %s %s", c->cols[k], c->rows[i], b, c->unit);
			rect(f, x, PLOT_T + PLOT_H - bh, bw > 1 ? bw - 1 : bw, bh, palette[k % NPALETTE], tip);
			if (labels)
				text(f, x + bw / 2, PLOT_T + PLOT_H - bh - 3, "middle", 10, "#222222", b);
		}
	line(f, PLOT_L, PLOT_T + PLOT_H, CW - PLOT_R, PLOT_T + PLOT_H, "#444444", 1);
	int used = x_labels(f, c->rows, c->nrows, gw);
	legend(f, PLOT_L, PLOT_T + PLOT_H + used + 14, CW - PLOT_L - PLOT_R, c->cols, c->ncols, palette,
	       false);
	fputs("</svg>\n", f);
}

void chart_svg_stacked(FILE *f, const struct chart *c)
{
	uint64_t max = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		uint64_t t = 0;
		for (size_t k = 0; k < c->ncols; k++)
			t += c->v[i * c->ncols + k];
		if (t > max)
			max = t;
	}
	uint64_t ymax, step;
	scale(max, &ymax, &step);
	double pw = CW - PLOT_L - PLOT_R, gw = c->nrows ? pw / (double)c->nrows : pw;
	size_t longest = 0;
	for (size_t i = 0; i < c->nrows; i++)
		if (strlen(c->rows[i]) > longest)
			longest = strlen(c->rows[i]);
	int lab_h = (double)longest * 7.0 > gw ? 16 + (int)(longest * 4.2) : 22;
	int leg_h = legend(f, PLOT_L, 0, CW - PLOT_L - PLOT_R, c->cols, c->ncols, palette, true);
	int h = PLOT_T + PLOT_H + lab_h + 12 + leg_h + 8;
	open_svg(f, c->id, CW, h, c->title);
	y_axis(f, ymax, step, c->unit);
	double bw = gw * 0.6;
	if (bw > 120)
		bw = 120;
	for (size_t i = 0; i < c->nrows; i++) {
		double x = PLOT_L + gw * ((double)i + 0.5) - bw / 2;
		uint64_t acc = 0;
		for (size_t k = 0; k < c->ncols; k++) {
			uint64_t v = c->v[i * c->ncols + k];
			if (!v)
				continue;
			double y0 = PLOT_T + PLOT_H - (double)acc * PLOT_H / (double)ymax;
			double y1 = PLOT_T + PLOT_H - (double)(acc + v) * PLOT_H / (double)ymax;
			char tip[240], b[32];
			fmt_u(b, sizeof(b), v);
			snprintf(tip, sizeof(tip), "%s %s: %s %s", c->rows[i], c->cols[k], b, c->unit);
			rect(f, x, y1, bw, y0 - y1, palette[k % NPALETTE], tip);
			acc += v;
		}
		char b[32];
		fmt_u(b, sizeof(b), acc);
		text(f, x + bw / 2, PLOT_T + PLOT_H - (double)acc * PLOT_H / (double)ymax - 4, "middle", 10,
		     "#222222", b);
	}
	line(f, PLOT_L, PLOT_T + PLOT_H, CW - PLOT_R, PLOT_T + PLOT_H, "#444444", 1);
	int used = x_labels(f, c->rows, c->nrows, gw);
	legend(f, PLOT_L, PLOT_T + PLOT_H + used + 14, CW - PLOT_L - PLOT_R, c->cols, c->ncols, palette,
	       false);
	fputs("</svg>\n", f);
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

/* ---- timeline ------------------------------------------------------------------------- */

enum lane { LANE_GUEST, LANE_EXIT, LANE_DR, LANE_DB, NLANES };
static const char *const lane_names[NLANES] = { "guest", "exits", "DR", "#DB" };

/* Lane of an event, -1 if not drawn. */
static int ev_lane(enum sim_event_id id)
{
	switch (id) {
	case EV_EXIT: case EV_ENTRY_FAIL: return LANE_EXIT;
	case EV_DR_LOAD: case EV_DR_RESTORE: case EV_DR_SAVE: return LANE_DR;
	case EV_DB: case EV_DB_MISSED: case EV_DB_SPURIOUS: return LANE_DB;
	default: return -1;
	}
}

static void ev_detail(const struct trace_rec *r, char *b, size_t n)
{
	switch (r->ev.id) {
	case EV_EXIT:
	case EV_ENTRY_FAIL:
		snprintf(b, n, "%s rip 0x%" PRIx64, r->ev.s ? r->ev.s : "?", r->ev.a);
		break;
	case EV_DR_LOAD:
	case EV_DR_RESTORE:
	case EV_DR_SAVE:
		snprintf(b, n, "mask 0x%" PRIx64 " %s", r->ev.a, r->ev.s ? r->ev.s : "");
		break;
	default:
		snprintf(b, n, "rip 0x%" PRIx64 " %s %s", r->ev.a, r->ev.c ? "host" : "guest",
			 r->ev.s ? r->ev.s : "");
		break;
	}
}

/* Exit reasons in first-seen order (for colours). */
static size_t reason_index(char (*names)[80], size_t *n, const char *s)
{
	const char *nm = s ? s : "?";
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(names[i], nm))
			return i;
	if (*n < 64) {
		snprintf(names[*n], 80, "%s", nm);
		return (*n)++;
	}
	return 63;
}

/* Exit reasons on the timeline: purples, browns and teals, kept apart
 * from the DR and #DB marks. */
static const char *const exit_palette[] = {
	"#5E3C99", "#8C510A", "#01665E", "#B2ABD2", "#BF812D", "#35978F", "#762A83", "#543005",
};
#define NEXIT_PALETTE (sizeof(exit_palette) / sizeof(exit_palette[0]))

#define TL_LANE_H 34
#define TL_L 70
#define TL_T 40

void timeline_svg(FILE *f, const struct trace_run *run, int width)
{
	if (width < 300)
		width = 300;
	uint64_t *mc = trace_mono_cycles(run);
	uint64_t tmax = run->n && mc ? mc[run->n - 1] : 0;
	if (tmax == 0)
		tmax = 1;
	uint64_t step, xmax;
	scale(tmax, &xmax, &step);
	double pw = width - TL_L - 20;
	char reasons[64][80];
	size_t nreasons = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->r[i].ev.id == EV_EXIT || run->r[i].ev.id == EV_ENTRY_FAIL)
			reason_index(reasons, &nreasons, run->r[i].ev.s);
	/* legend entries: reasons, then the DR and #DB marks */
	static const char *const extra[] = { "dr_load", "dr_restore", "dr_save", "db_deliver", "db_missed",
					     "db_spurious" };
	static const char *const extra_col[] = { "#0072B2", "#E69F00", "#999999", "#009E73", "#D00000",
						 "#CC79A7" };
	char (*leg)[80] = calloc(nreasons + 6 + 1, sizeof(*leg));
	const char **legc = calloc(nreasons + 6 + 1, sizeof(*legc));
	size_t nleg = 0;
	if (!leg || !legc || !mc) {
		free(leg);
		free(legc);
		free(mc);
		return;
	}
	for (size_t i = 0; i < nreasons; i++) {
		memcpy(leg[nleg], reasons[i], 80);
		legc[nleg++] = exit_palette[i % NEXIT_PALETTE];
	}
	for (size_t i = 0; i < 6; i++) {
		snprintf(leg[nleg], 80, "%s", extra[i]);
		legc[nleg++] = extra_col[i];
	}
	int plot_h = NLANES * TL_LANE_H;
	int leg_h = legend(f, TL_L, 0, width - TL_L - 20, (const char (*)[80])leg, nleg, legc, true);
	int h = TL_T + plot_h + 34 + leg_h + 8;
	char title[300];
	snprintf(title, sizeof(title), "Timeline: %s, policy %s (%s), %zu events", run->scenario, run->policy,
		 run->vendor, run->n);
	open_svg(f, "timeline", width, h, title);
	for (int l = 0; l < NLANES; l++) {
		double y = TL_T + l * TL_LANE_H;
		rect(f, TL_L, y + 2, pw, TL_LANE_H - 4, l % 2 ? "#f4f4f4" : "#fafafa", NULL);
		text(f, TL_L - 6, y + TL_LANE_H / 2.0 + 4, "end", 12, "#222222", lane_names[l]);
	}
	/* x axis */
	for (uint64_t v = 0; v <= xmax; v += step) {
		double x = TL_L + (double)v * pw / (double)xmax;
		line(f, x, TL_T, x, TL_T + plot_h + 4, "#cccccc", 1);
		char b[32];
		fmt_u(b, sizeof(b), v);
		text(f, x, TL_T + plot_h + 16, "middle", 10, "#444444", b);
		if (v > UINT64_MAX - step)
			break;
	}
	text(f, TL_L + pw / 2, TL_T + plot_h + 30, "middle", 11, "#444444", "cycles");
#define XOF(t) (TL_L + (double)(t) * pw / (double)xmax)
	/* guest spans */
	bool bare = !strcmp(run->vendor, "none") || !run->vendor[0];
	bool in_guest = bare;
	uint64_t t0 = 0;
	for (size_t i = 0; i <= run->n; i++) {
		bool end = i == run->n;
		enum sim_event_id id = end ? EV_COUNT : run->r[i].ev.id;
		uint64_t t = end ? tmax : mc[i];
		if (id == EV_ENTRY) {
			in_guest = true;
			t0 = t;
		} else if ((id == EV_EXIT || id == EV_ENTRY_FAIL || end) && in_guest) {
			char tip[96];
			snprintf(tip, sizeof(tip), "guest runs %" PRIu64 "-%" PRIu64, t0, t);
			double w = XOF(t) - XOF(t0);
			rect(f, XOF(t0), TL_T + LANE_GUEST * TL_LANE_H + 8, w < 0.5 ? 0.5 : w, TL_LANE_H - 16,
			     "#009E73", tip);
			in_guest = false;
		}
	}
	/* marks */
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		int l = ev_lane(r->ev.id);
		if (l < 0)
			continue;
		double x = XOF(mc[i]), y = TL_T + l * TL_LANE_H;
		char tip[200], d[160];
		ev_detail(r, d, sizeof(d));
		snprintf(tip, sizeof(tip), "%" PRIu64 ": %s %s", r->ev.cycle, trace_event(r->ev.id)->name, d);
		const char *col;
		switch (r->ev.id) {
		case EV_EXIT:
		case EV_ENTRY_FAIL:
			col = exit_palette[reason_index(reasons, &nreasons, r->ev.s) % NEXIT_PALETTE];
			break;
		case EV_DR_LOAD: col = extra_col[0]; break;
		case EV_DR_RESTORE: col = extra_col[1]; break;
		case EV_DR_SAVE: col = extra_col[2]; break;
		case EV_DB: col = extra_col[3]; break;
		case EV_DB_MISSED: col = extra_col[4]; break;
		default: col = extra_col[5]; break;
		}
		if (l == LANE_DB) {
			/* a diamond, larger for missed ones */
			double s = r->ev.id == EV_DB_MISSED ? 8 : 6, cy = y + TL_LANE_H / 2.0;
			fputs("<path d=\"M", f);
			num(f, x);
			fputc(',', f);
			num(f, cy - s);
			fputs(" L", f);
			num(f, x + s);
			fputc(',', f);
			num(f, cy);
			fputs(" L", f);
			num(f, x);
			fputc(',', f);
			num(f, cy + s);
			fputs(" L", f);
			num(f, x - s);
			fputc(',', f);
			num(f, cy);
			fprintf(f, " Z\" fill=\"%s\"><title>", col);
			svg_escape(f, tip);
			fputs("</title></path>\n", f);
		} else {
			double yo = l == LANE_DR && r->ev.id != EV_DR_LOAD ? TL_LANE_H / 2.0 : 0;
			rect(f, x - 1, y + 5 + yo, 2, TL_LANE_H / 2.0 - 5, col, tip);
		}
	}
#undef XOF
	legend(f, TL_L, TL_T + plot_h + 50, width - TL_L - 20, (const char (*)[80])leg, nleg, legc, false);
	fputs("</svg>\n", f);
	free(leg);
	free(legc);
	free(mc);
}

void timeline_write_csv(FILE *f, const struct trace_run *run)
{
	fputs("cycle,lane,event,detail\n", f);
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		int l = r->ev.id == EV_ENTRY ? LANE_GUEST : ev_lane(r->ev.id);
		if (l < 0)
			continue;
		char d[160];
		if (r->ev.id == EV_ENTRY)
			snprintf(d, sizeof(d), "rip 0x%" PRIx64, r->ev.a);
		else
			ev_detail(r, d, sizeof(d));
		fprintf(f, "%" PRIu64 ",%s,%s,", r->ev.cycle, lane_names[l], trace_event(r->ev.id)->name);
		util_csv_cell(f, d);
		fputc('\n', f);
	}
}

void timeline_write_json(FILE *f, const struct trace_run *run)
{
	struct json_writer w;
	jw_init(&w, f, 2);
	jw_object_begin(&w);
	jw_kv_string(&w, "chart", "timeline");
	jw_kv_string(&w, "scenario", run->scenario);
	jw_kv_string(&w, "policy", run->policy);
	jw_kv_string(&w, "vendor", run->vendor);
	jw_kv_string(&w, "unit", "cycles");
	jw_key(&w, "events");
	jw_array_begin(&w);
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		int l = r->ev.id == EV_ENTRY ? LANE_GUEST : ev_lane(r->ev.id);
		if (l < 0)
			continue;
		char d[160];
		if (r->ev.id == EV_ENTRY)
			snprintf(d, sizeof(d), "rip 0x%" PRIx64, r->ev.a);
		else
			ev_detail(r, d, sizeof(d));
		jw_object_begin(&w);
		jw_kv_u64(&w, "cycle", r->ev.cycle);
		jw_kv_string(&w, "lane", lane_names[l]);
		jw_kv_string(&w, "event", trace_event(r->ev.id)->name);
		jw_kv_string(&w, "detail", d);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}
