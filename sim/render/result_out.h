/* result_out.h - a run result written out: the JSON document and the
 * perf-kvm-stat style text (sim/render/result_out.c). */
#ifndef HVSIM_RENDER_RESULT_OUT_H
#define HVSIM_RENDER_RESULT_OUT_H
#include <stdio.h>
#include "sim/render/json.h"
#include "sim/result.h"

/* Write the document {"schema":"hvsim-result","version":1,"runs":[...]}
 * (runs in the given order).  Returns 0, -1 on a stream error. */
int result_write_json(FILE *f, const struct run_result *const *runs, size_t nruns);
/* Write one run object (the members of "runs"); for tests and tools. */
void result_write_run_json(struct json_writer *w, const struct run_result *r);

/* The perf-kvm-stat style report of one run (default view: sorted by
 * samples, all VCPUs), or with a -k/--vcpu view (kvmstat.h). */
struct kvmstat_view;
void result_render_text(FILE *f, const struct run_result *r);
void result_render_text_view(FILE *f, const struct run_result *r, const struct kvmstat_view *v);

#endif
