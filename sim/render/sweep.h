/* sweep.h - the output of `hvsim sweep` (sim/cli/cmd_sweep.c runs the jobs):
 * one CSV row or JSON run object per run, rendered by the run's worker into
 * its own text, and the file written from those texts in job order. */
#ifndef HVSIM_RENDER_SWEEP_H
#define HVSIM_RENDER_SWEEP_H
#include <stddef.h>
#include <stdio.h>
#include "sim/run.h"
#include "sim/util/util.h"

/* CSV columns: a fixed union over the vendors' fields, with a hash from
 * path to column; read-only while the workers run.  A field some run has
 * beyond it (an exit slot without a name) becomes an extra column at the
 * end, in job order. */
struct sweep_columns {
	struct strlist names;
	size_t *slot;                  /* open addressing: column index + 1, 0 = empty */
	size_t nslot;
};

/* Returns 0, -1 when out of memory. */
int sweep_columns_build(struct sweep_columns *c);
/* The same plus the Arm vendor's fields (issue 20: arm.*, guest.regs.xN, the
 * Arm exit reasons) for a CPU with the default 6 breakpoints and 4
 * watchpoints; for sweeps that include an aarch64 scenario, so that x86-only
 * sweeps keep their columns. */
int sweep_columns_build_arm(struct sweep_columns *c);
void sweep_columns_free(struct sweep_columns *c);

/* The text of one run (malloc'ed in *text): the CSV row (the cells of the
 * known columns, a NUL, then the extras as "path\0value\0" pairs), or the
 * JSON run object as a top-level document.  0, or -1 when out of memory. */
int sweep_csv_row(const struct sweep_columns *cols, const struct run_result *res, char **text);
int sweep_json_run(const struct run_result *res, char **text);

/* The whole file from the texts of n runs in job order; `first` is the
 * index of texts[0] in the whole job list (the CSV's first column).
 * 0, or -1 on a stream error or out of memory. */
int sweep_write_json(FILE *f, const char *const *texts, size_t n);
int sweep_write_csv(FILE *f, const struct sweep_columns *cols, const char *const *texts, size_t first, size_t n);

#endif
