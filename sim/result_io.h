/* result_io.h - rendering run results (JSON document, perf-kvm-stat style
 * text) and enumerating their fields.
 *
 * result_field() and run_result_free() are declared in sim/run.h; the field
 * paths are documented in docs/result-schema.md. */
#ifndef HVSIM_SIM_RESULT_IO_H
#define HVSIM_SIM_RESULT_IO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/json.h"
#include "sim/run.h"

/* Exit status of the `hvsim` command (documented in `hvsim help`). */
enum hvsim_exit {
	HVSIM_EXIT_OK = 0,
	HVSIM_EXIT_USAGE = 2,          /* unknown command/option, missing argument */
	HVSIM_EXIT_SKIP = 3,           /* nothing was checked (no expectations) */
	HVSIM_EXIT_ERROR = 4,          /* scenario or I/O error */
	HVSIM_EXIT_FAIL = 5,           /* an expectation failed */
	HVSIM_EXIT_INTERNAL = 6,       /* hvsim bug (STOP_INTERNAL, out of memory) */
	HVSIM_EXIT_ABNORMAL = 7,       /* the guest stopped abnormally */
};

/* Write the document {"schema":"hvsim-result","version":1,"runs":[...]}
 * (runs in the given order).  Returns 0, -1 on a stream error. */
int result_write_json(FILE *f, const struct run_result *const *runs, size_t nruns);
/* Write one run object (the members of "runs"); for tests and tools. */
void result_write_run_json(struct json_writer *w, const struct run_result *r);

/* The perf-kvm-stat style report of one run. */
void result_render_text(FILE *f, const struct run_result *r);

/* Every scalar field of a run, in JSON order (the list-valued fields
 * violations and db.log are not included).  `cb` returns non-zero to stop
 * the walk; that value is returned. */
struct result_item {
	const char *path;              /* dotted path */
	const char *desc;              /* one line */
	bool is_str;
	uint64_t u;                    /* numeric value */
	const char *s;                 /* string value */
};
int result_visit(const struct run_result *r, int (*cb)(void *ctx, const struct result_item *it),
		 void *ctx);

/* The documented field paths (patterns such as exits.by_reason.NAME and
 * dr.hw_writes.drN), with descriptions, for `hvsim list fields` and the
 * schema document. */
void result_field_patterns(void (*cb)(const char *path, const char *type, const char *desc, void *ctx),
			   void *ctx);

/* Whether a field path can exist in some result: result_field() on a zeroed
 * run_result, plus the fields whose names depend on the run (any identifier
 * for exits.by_reason/cycles/min/max/sumsq.NAME; syntactically valid
 * mem.ADDR.SIZE, ADDR hex or a label).  *is_str says whether it is a
 * string field. */
bool result_field_known(const char *path, bool *is_str);

/* An "abnormal" stop for exit code 7 (everything except halt, and budget
 * when budget_ok). */
bool result_stop_abnormal(enum engine_stop s, bool budget_ok);

#endif
