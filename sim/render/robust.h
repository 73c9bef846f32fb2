/* robust.h - how robust a compare verdict is to the cost model
 * (`hvsim compare --cost all|A,B`, docs/cost-models.md).
 *
 * The same columns (policy@vendor) run once under each model; every run
 * carries its charge ledger (run_result.cost_n), so its cycles under other
 * prices are sum(count x price).  For each column against the baseline on
 * its vendor and each model that describes that vendor, the cycle ratio
 * (column / baseline) is evaluated at the model's values, at the low and
 * high end of each ranged entry alone, and at its exact minimum and maximum
 * over the whole box of ranges (a ratio of two linear functions: the
 * extremes are corners, reached by flipping one entry at a time). */
#ifndef HVSIM_RENDER_ROBUST_H
#define HVSIM_RENDER_ROBUST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cpu/cost.h"
#include "sim/render/compare.h"

struct json_writer;

/* One model's run of every column (same column order in every model). */
struct robust_model {
	const char *name;
	const struct compare_col *cols;
	size_t ncols;
};

#define ROBUST_TOP 3

/* One column against its baseline under one model. */
struct robust_cell {
	bool valid;                    /* both runs made, model applies to the vendor, baseline cycles > 0 */
	const char *model;
	double point, lo, hi;          /* column cycles / baseline cycles */
	/* the entries with the largest swing of the ratio over their range,
	 * others at their values; breakeven = the price at which the two cost
	 * the same (NAN when the entry does not move the difference) */
	struct { unsigned idx; double rlo, rhi, breakeven; } top[ROBUST_TOP];
	unsigned ntop;
};

/* One column against its baseline under every model. */
struct robust_pair {
	size_t col;                    /* column index */
	const char *name, *base_name;
	bool is_base, valid;
	struct robust_cell *cells;     /* one per model */
	unsigned nvalid;               /* models evaluated */
	double lo, hi;                 /* over all of them */
	bool flips;                    /* ordering (or equality) not the same everywhere */
	bool correctness_varies;       /* missed/spurious #DB counts differ between models */
	char text[1024];               /* the summary line */
};

struct robust_report {
	const struct robust_model *models;
	size_t nmodels;
	struct robust_pair *pairs;
	size_t npairs;
};

/* Build from the models' columns; baseline_index as in compare_report.
 * Returns 0, -1 when out of memory (free it all the same). */
int robust_build(struct robust_report *r, const struct robust_model *models, size_t nmodels,
		 size_t baseline_index);
void robust_free(struct robust_report *r);

/* Evaluate one pair of ledgers under one model (exposed for the tests). */
void robust_eval(const uint64_t *a, const uint64_t *b, const struct cost_model *m, struct robust_cell *c);

void robust_render_text(FILE *f, const struct robust_report *r);
void robust_render_md(FILE *f, const struct robust_report *r);
/* <section id="robustness">: the summary lines and the sensitivity table
 * (an html_page.extra; ctx is the robust_report). */
void robust_render_html(FILE *f, const void *ctx);
/* The same section with its own id and heading (several on one page). */
void robust_render_html_section(FILE *f, const struct robust_report *r, const char *id, const char *heading);
void robust_write_json(struct json_writer *jw, const struct robust_report *r);

/* ---- a sweep's robustness summary (robust_sweep.c) -------------------------
 * `hvsim sweep --cost all|A,B`: the same report per scenario, its pairs
 * against the sweep's baseline policy on the same vendor. */
struct robust_scenario {
	const char *name;              /* scenario name */
	const char *path;              /* its file */
	const char *baseline;          /* baseline policy */
	const struct robust_report *r; /* NULL: not summarised (why: `left_out`) */
	const char *left_out;          /* e.g. "its runs are split across shards" */
};

enum robust_fmt { ROBUST_TEXT, ROBUST_MD, ROBUST_JSON, ROBUST_HTML };
#define ROBUST_SWEEP_SCHEMA "hvsim-sweep-robustness"

/* The summary of n scenarios over the models `models` (names, nmodels) in
 * one format.  0, or -1 on a stream error or out of memory. */
int robust_render_sweep(FILE *f, enum robust_fmt fmt, const struct robust_scenario *s, size_t n,
			const char *const *models, size_t nmodels);

#endif
