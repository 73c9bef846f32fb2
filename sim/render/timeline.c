/* timeline.c - the timeline strip of one traced run (svg.h), one group of
 * lanes per physical CPU in a run of the host world. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/render/svg.h"
#include "sim/render/svg_int.h"
#include "sim/util/util.h"

/* ---- timeline ------------------------------------------------------------------------- */

enum lane { LANE_GUEST, LANE_EXIT, LANE_DR, LANE_DB, LANE_SCHED, NLANES };
static const char *const lane_names[NLANES] = { "guest", "exits", "DR", "#DB", "sched" };

/* Lane of an event, -1 if not drawn (the sched lane only in a run of the
 * host world). */
static int ev_lane(enum sim_event_id id, bool world)
{
	switch (id) {
	case EV_EXIT: case EV_ENTRY_FAIL: return LANE_EXIT;
	case EV_DR_LOAD: case EV_DR_RESTORE: case EV_DR_SAVE: return LANE_DR;
	case EV_DB: case EV_DB_MISSED: case EV_DB_SPURIOUS: return LANE_DB;
	case EV_SCHED: case EV_VCPU_LOAD: case EV_VCPU_PUT: case EV_IPI: return world ? LANE_SCHED : -1;
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
	case EV_SCHED:
		snprintf(b, n, "switch_to %s", r->ev.s ? r->ev.s : "?");
		break;
	case EV_VCPU_LOAD:
		snprintf(b, n, "vcpu %u from cpu %" PRId64 " %s", r->vcpu, (int64_t)r->ev.a, r->ev.s ? r->ev.s : "");
		break;
	case EV_VCPU_PUT:
		snprintf(b, n, "vcpu %u %s", r->vcpu, r->ev.s ? r->ev.s : "");
		break;
	case EV_IPI:
		snprintf(b, n, "%s slot %" PRId64 " for cpu %" PRIu64, r->ev.s ? r->ev.s : "?", (int64_t)r->ev.b,
			 r->ev.a);
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

/* The host world: guest spans in one colour per vCPU (green first, as in
 * a one-CPU run; then Paul Tol's "muted" set, none of them a DR or #DB
 * mark's colour), the scheduling marks in their own. */
static const char *const vcpu_palette[] = {
	"#009E73", "#56B4E9", "#117733", "#332288", "#88CCEE", "#44AA99", "#999933", "#AA4499",
};
static const char *const vcpu_light[] = {       /* the same, light: its thread's slices */
	"#b2e2d5", "#cce8f8", "#b8d6c2", "#c2bddb", "#dbf0fa", "#c7e6e0", "#e0e0c2", "#e6c7e0",
};
static const char *const sched_names[] = { "sched_switch", "kvm_vcpu_load", "kvm_vcpu_put", "ipi" };
static const char *const sched_col[] = { "#444444", "#1F78B4", "#882255", "#D55E00" };

#define TL_LANE_H 34
#define TL_L 70
#define TL_LW 110                       /* label width with "CPU N " in front */
#define TL_T 40
#define TL_MAX_CPUS 64

/* The CPUs a trace names (1 for a one-CPU run). */
static int run_cpus(const struct trace_run *run)
{
	int n = 1;
	for (size_t i = 0; i < run->n; i++)
		if (run->r[i].ev.cpu >= n && run->r[i].ev.cpu < TL_MAX_CPUS)
			n = run->r[i].ev.cpu + 1;
	return n;
}

static int rec_cpu(const struct trace_rec *r)
{
	return r->ev.cpu >= 0 && r->ev.cpu < TL_MAX_CPUS ? r->ev.cpu : 0;
}

void timeline_svg(FILE *f, const struct trace_run *run, int width)
{
	if (width < 300)
		width = 300;
	uint64_t *mc = trace_mono_cycles(run);
	uint64_t tmax = run->n && mc ? mc[run->n - 1] : 0;
	if (tmax == 0)
		tmax = 1;
	uint64_t step, xmax;
	svg_scale(tmax, &xmax, &step);
	bool world = trace_run_world(run);
	int ncpu = world ? run_cpus(run) : 1, nl = world ? NLANES : LANE_SCHED;
	int tl_l = world ? TL_LW : TL_L;
	double pw = width - tl_l - 20;
	unsigned nvcpu = 1;
	for (size_t i = 0; world && i < run->n; i++)
		if (run->r[i].vcpu != TRACE_NO_VCPU && run->r[i].vcpu < 8 && run->r[i].vcpu + 1 > nvcpu)
			nvcpu = run->r[i].vcpu + 1;
	char reasons[64][80];
	size_t nreasons = 0;
	for (size_t i = 0; i < run->n; i++)
		if (run->r[i].ev.id == EV_EXIT || run->r[i].ev.id == EV_ENTRY_FAIL)
			reason_index(reasons, &nreasons, run->r[i].ev.s);
	/* legend entries: reasons, then the DR and #DB marks (the host world:
	 * then the vCPUs' guest colours and the scheduling marks) */
	static const char *const extra[] = { "dr_load", "dr_restore", "dr_save", "db_deliver", "db_missed",
					     "db_spurious" };
	static const char *const extra_col[] = { "#0072B2", "#E69F00", "#999999", "#009E73", "#D00000",
						 "#CC79A7" };
	size_t nextra = 6 + (world ? nvcpu + 4 : 0);
	char (*leg)[80] = calloc(nreasons + nextra + 1, sizeof(*leg));
	const char **legc = calloc(nreasons + nextra + 1, sizeof(*legc));
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
	for (unsigned v = 0; world && v < nvcpu; v++) {
		snprintf(leg[nleg], 80, "guest vcpu %u", v);
		legc[nleg++] = vcpu_palette[v];
	}
	for (size_t i = 0; world && i < 4; i++) {
		snprintf(leg[nleg], 80, "%s", sched_names[i]);
		legc[nleg++] = sched_col[i];
	}
	int plot_h = ncpu * nl * TL_LANE_H;
	int leg_h = svg_legend(f, tl_l, 0, width - tl_l - 20, (const char (*)[80])leg, nleg, legc, true);
	int h = TL_T + plot_h + 34 + leg_h + 8;
	char title[300];
	if (world)
		snprintf(title, sizeof(title), "Timeline: %s, policy %s (%s), %zu events, %d CPUs", run->scenario,
			 run->policy, run->vendor, run->n, ncpu);
	else
		snprintf(title, sizeof(title), "Timeline: %s, policy %s (%s), %zu events", run->scenario, run->policy,
			 run->vendor, run->n);
	svg_open_svg(f, "timeline", width, h, title);
	for (int c = 0; c < ncpu; c++)
		for (int l = 0; l < nl; l++) {
			double y = TL_T + (c * nl + l) * TL_LANE_H;
			char lab[48];
			if (world)
				snprintf(lab, sizeof(lab), "CPU %d %s", c, lane_names[l]);
			svg_rect(f, tl_l, y + 2, pw, TL_LANE_H - 4,
				 world && c % 2 ? (l % 2 ? "#eceff4" : "#f3f5f9") : l % 2 ? "#f4f4f4" : "#fafafa", NULL);
			svg_text(f, tl_l - 6, y + TL_LANE_H / 2.0 + 4, "end", 12, "#222222", world ? lab : lane_names[l]);
		}
	/* x axis */
	for (uint64_t v = 0; v <= xmax; v += step) {
		double x = tl_l + (double)v * pw / (double)xmax;
		svg_line(f, x, TL_T, x, TL_T + plot_h + 4, "#cccccc", 1);
		char b[32];
		svg_fmt_u(b, sizeof(b), v);
		svg_text(f, x, TL_T + plot_h + 16, "middle", 10, "#444444", b);
		if (v > UINT64_MAX - step)
			break;
	}
	svg_text(f, tl_l + pw / 2, TL_T + plot_h + 30, "middle", 11, "#444444",
		 world ? "cycles (machine time)" : "cycles");
#define XOF(t) (tl_l + (double)(t) * pw / (double)xmax)
#define YOF(c, l) (TL_T + ((c) * nl + (l)) * TL_LANE_H)
	/* guest spans (per CPU; in a one-CPU run every event is CPU 0's) */
	bool bare = !strcmp(run->vendor, "none") || !run->vendor[0];
	bool in_guest[TL_MAX_CPUS] = { bare };
	uint64_t t0[TL_MAX_CPUS] = { 0 };
	unsigned gv[TL_MAX_CPUS] = { 0 };
	for (size_t i = 0; i <= run->n; i++) {
		bool end = i == run->n;
		enum sim_event_id id = end ? EV_COUNT : run->r[i].ev.id;
		uint64_t t = end ? tmax : mc[i];
		for (int c = 0; c < ncpu; c++) {
			if (!end && rec_cpu(&run->r[i]) != c)
				continue;
			if (id == EV_ENTRY) {
				in_guest[c] = true;
				t0[c] = t;
				gv[c] = run->r[i].vcpu < 8 ? run->r[i].vcpu : 0;
			} else if ((id == EV_EXIT || id == EV_ENTRY_FAIL || end) && in_guest[c]) {
				char tip[96];
				if (world)
					snprintf(tip, sizeof(tip), "vcpu %u runs %" PRIu64 "-%" PRIu64 " on CPU %d", gv[c],
						 t0[c], t, c);
				else
					snprintf(tip, sizeof(tip), "guest runs %" PRIu64 "-%" PRIu64, t0[c], t);
				double w = XOF(t) - XOF(t0[c]);
				svg_rect(f, XOF(t0[c]), YOF(c, LANE_GUEST) + 8, w < 0.5 ? 0.5 : w, TL_LANE_H - 16,
					 world ? vcpu_palette[gv[c]] : "#009E73", tip);
				in_guest[c] = false;
			}
		}
	}
	/* the host world: which task each CPU runs, as light spans in its
	 * sched lane (from one sched_switch to the next) */
	for (int c = 0; world && c < ncpu; c++) {
		const struct trace_rec *cur = NULL;
		uint64_t ts = 0;
		for (size_t i = 0; i <= run->n; i++) {
			bool end = i == run->n;
			if (!end && (run->r[i].ev.id != EV_SCHED || rec_cpu(&run->r[i]) != c))
				continue;
			uint64_t t = end ? tmax : mc[i];
			if (cur) {
				char tip[128];
				snprintf(tip, sizeof(tip), "CPU %d runs %s %" PRIu64 "-%" PRIu64, c,
					 cur->ev.s ? cur->ev.s : "?", ts, t);
				double w = XOF(t) - XOF(ts) - 1;     /* a pixel apart */
				const char *nm = cur->ev.s ? cur->ev.s : "";
				const char *fill = !strncmp(nm, "idle", 4) ? "#ececec" : "#f3dcc8";   /* idle, other tasks */
				if (!strncmp(nm, "vcpu", 4) && nm[4] >= '0' && nm[4] <= '7' && !nm[5])
					fill = vcpu_light[nm[4] - '0'];
				svg_rect(f, XOF(ts), YOF(c, LANE_SCHED) + 10, w < 0.5 ? 0.5 : w, TL_LANE_H - 20, fill, tip);
			}
			if (!end) {
				cur = &run->r[i];
				ts = t;
			}
		}
	}
	/* marks */
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		int l = ev_lane(r->ev.id, world);
		if (l < 0)
			continue;
		double x = XOF(mc[i]), y = YOF(rec_cpu(r), l);
		char tip[200], d[160];
		ev_detail(r, d, sizeof(d));
		if (world)
			snprintf(tip, sizeof(tip), "%" PRIu64 ": CPU %d %s %s", r->ev.cycle, rec_cpu(r),
				 trace_event(r->ev.id)->name, d);
		else
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
		case EV_SCHED: col = sched_col[0]; break;
		case EV_VCPU_LOAD: col = sched_col[1]; break;
		case EV_VCPU_PUT: col = sched_col[2]; break;
		case EV_IPI: col = sched_col[3]; break;
		default: col = extra_col[5]; break;
		}
		if (l == LANE_DB) {
			/* a diamond, larger for missed ones */
			double s = r->ev.id == EV_DB_MISSED ? 8 : 6, cy = y + TL_LANE_H / 2.0;
			fputs("<path d=\"M", f);
			svg_num(f, x);
			fputc(',', f);
			svg_num(f, cy - s);
			fputs(" L", f);
			svg_num(f, x + s);
			fputc(',', f);
			svg_num(f, cy);
			fputs(" L", f);
			svg_num(f, x);
			fputc(',', f);
			svg_num(f, cy + s);
			fputs(" L", f);
			svg_num(f, x - s);
			fputc(',', f);
			svg_num(f, cy);
			fprintf(f, " Z\" fill=\"%s\"><title>", col);
			svg_escape(f, tip);
			fputs("</title></path>\n", f);
		} else if (l == LANE_SCHED) {
			/* switch_to full height, vcpu_load/put the upper/lower half, IPIs a short tick */
			double yo = r->ev.id == EV_VCPU_PUT ? TL_LANE_H / 2.0 : 0;
			double hh = r->ev.id == EV_SCHED ? TL_LANE_H - 8 : r->ev.id == EV_IPI ? 8 : TL_LANE_H / 2.0 - 4;
			svg_rect(f, x - 1, y + 4 + yo, 2, hh, col, tip);
		} else {
			double yo = l == LANE_DR && r->ev.id != EV_DR_LOAD ? TL_LANE_H / 2.0 : 0;
			svg_rect(f, x - 1, y + 5 + yo, 2, TL_LANE_H / 2.0 - 5, col, tip);
		}
	}
#undef XOF
#undef YOF
	svg_legend(f, tl_l, TL_T + plot_h + 50, width - tl_l - 20, (const char (*)[80])leg, nleg, legc, false);
	fputs("</svg>\n", f);
	free(leg);
	free(legc);
	free(mc);
}

/* The lane of record r in the CSV and JSON exports (a VM entry on the
 * guest lane), or -1 when it has none; its detail text in d. */
static int export_lane(const struct trace_rec *r, bool world, char *d, size_t n)
{
	int l = r->ev.id == EV_ENTRY ? LANE_GUEST : ev_lane(r->ev.id, world);
	if (l < 0)
		return -1;
	if (r->ev.id == EV_ENTRY)
		snprintf(d, n, "rip 0x%" PRIx64, r->ev.a);
	else
		ev_detail(r, d, n);
	return l;
}

void timeline_write_csv(FILE *f, const struct trace_run *run)
{
	bool world = trace_run_world(run);
	fputs(world ? "cycle,cpu,lane,event,detail\n" : "cycle,lane,event,detail\n", f);
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		char d[160];
		int l = export_lane(r, world, d, sizeof(d));
		if (l < 0)
			continue;
		if (world)
			fprintf(f, "%" PRIu64 ",%d,%s,%s,", r->ev.cycle, rec_cpu(r), lane_names[l],
				trace_event(r->ev.id)->name);
		else
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
	bool world = trace_run_world(run);
	if (world)
		jw_kv_u64(&w, "cpus", (uint64_t)run_cpus(run));
	jw_key(&w, "events");
	jw_array_begin(&w);
	for (size_t i = 0; i < run->n; i++) {
		const struct trace_rec *r = &run->r[i];
		char d[160];
		int l = export_lane(r, world, d, sizeof(d));
		if (l < 0)
			continue;
		jw_object_begin(&w);
		jw_kv_u64(&w, "cycle", r->ev.cycle);
		if (world)
			jw_kv_u64(&w, "cpu", (uint64_t)rec_cpu(r));
		jw_kv_string(&w, "lane", lane_names[l]);
		jw_kv_string(&w, "event", trace_event(r->ev.id)->name);
		jw_kv_string(&w, "detail", d);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}
