/* compare.h - the tables of `hvsim compare` (sim/cli/cmd_compare.c runs the
 * columns; this renders them): one table (rows = metrics, columns =
 * policy@vendor), one summary line per column against the baseline policy
 * on the same vendor, as text, Markdown, CSV or JSON (schema
 * "hvsim-compare"). */
#ifndef HVSIM_RENDER_COMPARE_H
#define HVSIM_RENDER_COMPARE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "sim/loader/scenario.h"
#include "sim/run.h"

#define COMPARE_SCHEMA "hvsim-compare"
#define COMPARE_SCHEMA_VERSION 1
#define COMPARE_ERRSZ 1024

/* One column: one run of a policy on a vendor. */
struct compare_col {
	char name[192];                /* "policy@vendor" */
	const char *policy;            /* owned by the caller */
	enum vendor vendor;
	size_t pol_index;              /* index of the policy in policy order */
	int rc;                        /* 0 = result valid, -1 = error (err) */
	bool unavailable;              /* the error is a missing vendor, not bad input */
	bool model_skipped;            /* not run: under several cost models, this one does not describe the vendor */
	char err[COMPARE_ERRSZ];
	struct run_result res;
};

struct compare_table;                  /* the rows (compare.c) */
struct robust_report;                  /* robustness over cost models (robust.h) */
struct compare_summary;                /* one per column (compare.c) */

/* Everything the renderers show, built once from the finished columns. */
struct compare_report {
	const struct scenario *sc;
	const struct compare_col *cols;       /* in column order */
	size_t ncols;
	const char *baseline;                 /* the baseline policy's name */
	size_t baseline_index;                /* its compare_col.pol_index */
	const char *cost_model;               /* of the columns that ran: "NAME", or "A (vmx), B (svm)" when they differ; "?" if none */
	char cost_model_buf[200];             /* cost_model when composed */
	struct compare_table *t;
	struct compare_summary *sum;
	const struct robust_report *rob;      /* NULL, or written as "robustness" in JSON */
};

/* Build the table and the summaries.  Returns 0, -1 when out of memory
 * (free it all the same). */
int compare_report_build(struct compare_report *r, const struct scenario *sc, const struct compare_col *cols,
			 size_t ncols, const char *baseline, size_t baseline_index);
void compare_report_free(struct compare_report *r);

void compare_render_text(FILE *f, const struct compare_report *w);
void compare_render_md(FILE *f, const struct compare_report *w);
void compare_render_csv(FILE *f, const struct compare_report *w);
/* Returns 0, -1 when the JSON could not be written. */
int compare_render_json(FILE *f, const struct compare_report *w);

#endif
