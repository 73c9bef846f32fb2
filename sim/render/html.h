/* html.h - one self-contained HTML page (inline CSS and SVG, no scripts,
 * no network): the summary per run, the charts, the perf-kvm-stat tables
 * and, for `hvsim explain --format html`, the timeline and the narrated
 * steps.  Elements a test or a teacher may look for carry ids:
 * #summary, #charts, #timeline, #steps, #tables, and per run
 * <tr data-policy="P" data-missed-db="N">. */
#ifndef HVSIM_SIM_HTML_H
#define HVSIM_SIM_HTML_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "sim/render/narrate.h"
#include "sim/run.h"
#include "sim/render/trace.h"

struct html_page {
	const char *title;                      /* page heading */
	const char *subtitle;                   /* one line under it (NULL = none) */
	const struct run_result *const *runs;   /* for summary, charts and tables */
	size_t nruns;
	const char *focus;                      /* policy whose walkthrough is shown (NULL) */
	const struct trace_run *timeline;       /* NULL = no timeline */
	const struct narration *steps;          /* NULL = no walkthrough */
	/* a section written after the summary (NULL = none): `hvsim compare
	 * --format html` puts the robustness over cost models there */
	void (*extra)(FILE *f, const void *ctx);
	const void *extra_ctx;
	/* the page is the extra section alone, without the runs' summary,
	 * charts and tables (`hvsim sweep --summary FILE.html`) */
	bool extra_only;
};

/* Write the page.  0, or -1 on a stream error or out of memory. */
int html_write(FILE *f, const struct html_page *p);

#endif
