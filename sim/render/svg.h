/* svg.h - the charts hvsim draws itself: plain SVG written from C, no
 * dependency, the same bytes for the same data (integer scales, fixed
 * "%.1f" coordinates, no timestamps or random ids).  The shape of perf
 * timechart's svghelper and sadf -g (style-and-ux §2.8).
 *
 * Three charts:
 *   - exits per policy: grouped bars, one group per exit reason, one bar per
 *     run (policy@vendor);
 *   - cycles by category per policy: one stacked bar per run (guest,
 *     transition, handler, dr, vmcs, host);
 *   - timeline strip of one traced run: guest running spans, exits, DR
 *     loads/restores, #DBs (delivered, missed, spurious).
 * Every chart can be written with the data behind it as CSV and JSON.  The
 * SVG has no XML declaration so the same bytes can be inlined in HTML. */
#ifndef HVSIM_SIM_SVG_H
#define HVSIM_SIM_SVG_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/run.h"
#include "sim/render/trace.h"

/* A matrix of counts: rows x cols. */
struct chart {
	char id[32];                   /* "exits", "cycles": file stem and SVG id */
	char title[200];
	char unit[32];                 /* "exits", "cycles" */
	char row_key[32];              /* what a row is ("reason", "run") */
	char col_key[32];              /* what a column is ("run", "category") */
	size_t nrows, ncols;
	char (*rows)[80];
	char (*cols)[80];
	uint64_t *v;                   /* v[row * ncols + col] */
};

/* Build the two result charts from runs (NULL on out of memory). */
struct chart *chart_exits(const struct run_result *const *runs, size_t nruns);
struct chart *chart_cycles(const struct run_result *const *runs, size_t nruns);
void chart_free(struct chart *c);

/* Render: grouped bars (x groups = rows, one bar per column) or stacked
 * bars (one bar per row, columns stacked). */
void chart_svg_grouped(FILE *f, const struct chart *c);
void chart_svg_stacked(FILE *f, const struct chart *c);
/* The data: CSV "row_key,col_key,unit" long format; JSON
 * {"chart":ID,"title":..,"unit":..,"rows":[{ROW_KEY:..,COL_KEY:..,"value":N}]}. */
void chart_write_csv(FILE *f, const struct chart *c);
void chart_write_json(FILE *f, const struct chart *c);

/* Timeline strip of one run of a trace, `width` pixels wide. */
void timeline_svg(FILE *f, const struct trace_run *run, int width);
/* Its data: CSV "cycle,lane,event,detail" and JSON. */
void timeline_write_csv(FILE *f, const struct trace_run *run);
void timeline_write_json(FILE *f, const struct trace_run *run);

/* XML/HTML text escaping (&, <, >, ", '). */
void svg_escape(FILE *f, const char *s);

#endif
