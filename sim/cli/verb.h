/* verb.h - small helpers shared by the reporting and teaching verbs
 * (sim/cmd_trace.c, cmd_report.c, cmd_explain.c, cmd_step.c) and, for the
 * option scan and the policy-name list, by cmd_compare.c, cmd_sweep.c and
 * cli.c: option parsing with the conventions of sim/cli.c (usage errors as one line
 * "hvsim: MESSAGE (see 'hvsim help VERB')", exit 2), scenario/policy
 * selection, and all-or-nothing output of one or several files
 * (sim/outfile.h). */
#ifndef HVSIM_SIM_VERB_H
#define HVSIM_SIM_VERB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "sim/loader/scenario.h"

struct verb_spec {
	const char *name, *usage, *summary, *help;
};

struct verb_opt {
	const char *lng;               /* long name without "--" */
	char shrt;                     /* short letter or 0 */
	const char **value;            /* option with a value: stored here */
	bool *flag;                    /* flag without a value: set to true */
};

/* The option scan shared by every verb with an option table (verb_parse,
 * sim/cmd_compare.c, sim/cmd_sweep.c): "--long", "--long=V", "--long V",
 * "-xV", "-x V"; "--" ends the options, "-" is positional.  opts ends with
 * lng == NULL; an entry with a flag pointer takes no value (value and flag
 * are left to on_arg).  on_arg(id, val, ctx) is called in argument order
 * for every option (id = its index in opts, val = its value or NULL for a
 * flag), positional argument (VERB_ARG_POS) and --help/-h (VERB_ARG_HELP,
 * val NULL); it returns -1 to go on or an exit code, which ends the scan.
 * Returns -1 after the last argument, on_arg's exit code, or
 * HVSIM_EXIT_USAGE after a usage error (printed). */
enum { VERB_ARG_POS = -1, VERB_ARG_HELP = -2 };
typedef int (*verb_arg_fn)(int id, const char *val, void *ctx);
int verb_walk(const struct verb_spec *v, int argc, char **argv, const struct verb_opt *opts, verb_arg_fn on_arg,
	      void *ctx);

/* Parse argv[1..argc): options and up to maxpos positional arguments.
 * Returns -1 to go on, 0 after printing --help, 2 after a usage error. */
int verb_parse(const struct verb_spec *v, int argc, char **argv, const struct verb_opt *opts,
	       const char **pos, size_t maxpos, size_t *npos);
int verb_usage(const struct verb_spec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void verb_help(FILE *f, const struct verb_spec *v);
/* Parse a decimal or 0x number; -1 if it is not one. */
int verb_number(const char *s, unsigned long long *v);

/* Write n outputs all-or-nothing: every file is written to a temporary and
 * renamed only when all were written (NULL or "-" = standard output, at
 * most one).  write[i](f, ctx[i]) returns 0 or -1.  Returns 0, or 4 after
 * printing "path:0:0: message". */
typedef int (*verb_writer)(FILE *f, void *ctx);
int verb_write_all(size_t n, const char *const *paths, const verb_writer *write, void *const *ctx);
int verb_write(const char *path, verb_writer write, void *ctx);

/* The policy a single-run verb uses: -p, else the scenario's first policy
 * (bp_enabled when it says "all"). */
const char *verb_policy(const struct scenario *sc, const char *opt);
/* The vendor: --vendor (vmx, svm, none), else the scenario's (both -> vmx).
 * Returns 0, or 2 after a usage error. */
int verb_vendor(const struct verb_spec *v, const struct scenario *sc, const char *opt, enum vendor *out);
const char *verb_vendor_name(enum vendor v);
/* The --vendor value of the multi-run verbs (compare, sweep): vmx, svm,
 * both or none.  Returns 0, or 2 after a usage error. */
int verb_vendor_multi(const struct verb_spec *v, const char *val, enum vendor *out);

/* A growable list of owned strings (policy names, file names). */
struct verb_names {
	char **v;
	size_t n, cap;
};
/* Append a copy of name; 0, or -1 when out of memory. */
int verb_names_push(struct verb_names *s, const char *name);
bool verb_names_has(const struct verb_names *s, const char *name);
/* Append a copy of name unless it is already there; 0 or -1. */
int verb_names_add(struct verb_names *s, const char *name);
/* Policy "all": every preset (policy_list order), then the scenario's
 * named variants, each unless already there; 0 or -1. */
int verb_names_add_all(struct verb_names *s, const struct scenario *sc);
void verb_names_free(struct verb_names *s);

#endif
