/* report.h - `hvsim report`: render a saved result document (written by
 * `hvsim run --format json` or `hvsim compare --format json`) without
 * re-simulating, in the shape of `perf kvm stat report` (style-and-ux §2.1,
 * §3.2).
 *
 * The document is read back into struct run_result (the inverse of
 * result_write_json), so the text view of --event vmexit is exactly the
 * table `hvsim run` prints, and every other view is built from the same
 * structure the simulator fills. */
#ifndef HVSIM_SIM_REPORT_H
#define HVSIM_SIM_REPORT_H
#include <stddef.h>
#include <stdio.h>
#include "sim/run.h"

struct json_value;

/* A result document read back. */
struct result_doc {
	struct run_result *runs;
	size_t nruns;
	const char ***names;           /* per run: exit-name table (strings live in root) */
	struct json_value *root;       /* the parsed document */
};

/* Read and check a result document.  Returns 0, or -1 with
 * "path:line:col: message" in err. */
int result_doc_read(const char *path, struct result_doc *doc, char *err, size_t errsize);
int result_doc_parse(const char *path, const char *buf, size_t len, struct result_doc *doc, char *err,
		     size_t errsize);
void result_doc_free(struct result_doc *doc);

enum report_event { REPORT_VMEXIT, REPORT_DR, REPORT_DB };
enum report_format { RF_TEXT, RF_MD, RF_CSV, RF_JSON };

/* One table of every run in the given format.  Returns 0, -1 on a stream
 * error. */
int report_render(FILE *f, const struct run_result *const *runs, size_t nruns, enum report_event ev,
		  enum report_format fmt);

/* The same with perf's -k/--key and --vcpu view (kvmstat.h). */
struct kvmstat_view;
int report_render_view(FILE *f, const struct run_result *const *runs, size_t nruns, enum report_event ev,
		       enum report_format fmt, const struct kvmstat_view *v);

/* Name <-> enum helpers for the command line. */
int report_event_parse(const char *s, enum report_event *ev);
int report_format_parse(const char *s, enum report_format *fmt);

#endif
