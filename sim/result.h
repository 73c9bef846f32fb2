/* result.h - the fields of a run result, enumerated and looked up by path,
 * and the exit status of the `hvsim` command.
 *
 * result_field() and run_result_free() are declared in sim/run.h; the field
 * paths are documented in docs/result-schema.md. */
#ifndef HVSIM_SIM_RESULT_H
#define HVSIM_SIM_RESULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The name of exit slot i ("UNKNOWN_i" when it has none). */
void result_slot_name(const struct run_result *r, unsigned i, char *buf, size_t n);

/* An "abnormal" stop for exit code 7 (everything except halt, and budget
 * when budget_ok). */
bool result_stop_abnormal(enum engine_stop s, bool budget_ok);

#endif
