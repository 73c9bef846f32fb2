/* plan.h - what `hvsim run` and `hvsim check` share: their options (one
 * verb_opt table, sim/cli/verb.h), the static checks of a loaded scenario,
 * the run plan (which policies on which vendors) and how a run stopped. */
#ifndef HVSIM_SIM_CLI_PLAN_H
#define HVSIM_SIM_CLI_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include "sim/cli/cmds.h"
#include "sim/run.h"

#define ERRSZ 1024

/* The options of run and check. */
struct run_opts {
	const char **policies;         /* -p values (pointers into argv) */
	size_t npolicies;
	bool vendor_set;
	enum vendor vendor;
	const char *format;            /* "text" / "json" */
	const char *output;
	const char *cost;
	const char *trace;             /* run --trace FILE */
	bool trace_insns;              /* run --trace-insns (a flag: takes no value) */
	const char **pos;              /* positional arguments */
	size_t npos;
};

/* Parse argv[1..] into *o: -p, --vendor, --format, -o, --cost, and with
 * `trace` also --trace and --trace-insns.  Returns -1 to go on, or an exit
 * code (0 after printing --help, 2 after a usage error).  run_opts_free()
 * in either case. */
int run_opts_parse(const struct cmd *c, int argc, char **argv, bool trace, struct run_opts *o);
void run_opts_free(struct run_opts *o);

/* The scenario's display name: its `name`, else the file's base name. */
const char *plan_scenario_name(const struct scenario *sc);

/* Static checks beyond the loader, with the messages sim_run() would give:
 * policy names, every variant (base, knob names and values), the cost
 * model (`cost` = --cost, else cpu.model) and its cpu.costs entries,
 * expectation selectors, fields and value types.  Prints each problem as
 * file:line:col: message; returns the number of problems. */
int check_scenario(const struct scenario *sc, const char *cost);

struct trace_writer;

/* Which policies on which vendors. */
struct plan {
	struct verb_names pol;         /* owned copies (sim/cli/verb.h) */
	enum vendor ven[2];
	size_t nven;
	struct trace_writer *tw;       /* run --trace: one header + events per run (NULL = none) */
	bool trace_insns;
	struct progress *prog;         /* run: the progress line (sim/cli/progress.h; NULL = none) */
};

/* The policies of -p (else the scenario's, else bp_enabled) on --vendor
 * (else the scenario's; both = vmx then svm).  Returns 0 or an exit code
 * (message printed). */
int plan_build(const struct scenario *sc, const struct run_opts *o, struct plan *p);
void plan_free(struct plan *p);

/* Run every (policy, vendor) of the plan: policies in order, each on every
 * vendor.  Returns 0 with the results, or an exit code after printing the
 * error. */
int plan_run(const struct scenario *sc, const struct plan *p, const char *cost, struct run_result **resp,
	     size_t *nresp);
void plan_results_free(struct run_result *res, size_t n);

/* Exit status implied by how a run stopped; with `report`, an abnormal
 * stop is reported on stderr. */
int plan_stop_status(const struct scenario *sc, const struct run_result *r, bool report);

#endif
