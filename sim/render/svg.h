/* svg.h - the charts hvsim draws itself: plain SVG written from C, no
 * dependency, the same bytes for the same data (integer scales, fixed
 * "%.1f" coordinates, no timestamps or random ids).  The shape of perf
 * timechart's svghelper and sadf -g (style-and-ux §2.8).
 *
 * Three charts, made to be read on a projector (1280x720):
 *   - exits per policy: small multiples, one panel per vendor and exit
 *     reason (VMX and SVM reasons never share an axis), one horizontal bar
 *     per run of that vendor, longest first, each policy in its own colour
 *     (no two alike), the value at the end of every bar;
 *   - cycles by category per policy: one panel per vendor, one stacked
 *     horizontal bar per run (guest, transition, handler, dr, vmcs, host),
 *     cheapest first; a run that missed #DBs is hatched, outlined in red and
 *     labelled "N #DB missed", so it never reads as the cheapest policy;
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
	/* per run (the columns of "exits", the rows of "cycles") */
	size_t nruns;
	char (*run_vendor)[16];        /* "vmx", "svm", "none" */
	uint64_t *run_missed;          /* guest + host #DBs missed */
	size_t *run_series;            /* colour: index of the run's policy among the policies */
};

/* Build the two result charts from runs (NULL on out of memory). */
struct chart *chart_exits(const struct run_result *const *runs, size_t nruns);
struct chart *chart_cycles(const struct run_result *const *runs, size_t nruns);
void chart_free(struct chart *c);

/* Render the exits chart (small multiples) and the cycles chart (stacked
 * bars per vendor).  Bars are <rect class="bar" data-series=RUN
 * data-value=N>; the missed-#DB marks are class "missed" (hatch overlay)
 * and "missed-label". */
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
