/* verb.h - what every verb of sim/cli/ shares: the record of a verb (struct
 * cmd) and the verb table, the one option parser (verb_walk, verb_parse;
 * usage errors as one line "hvsim: MESSAGE (see 'hvsim help VERB')", exit
 * 2), help texts, scenario/policy selection, and all-or-nothing output of
 * one or several files (sim/util/outfile.h). */
#ifndef HVSIM_SIM_VERB_H
#define HVSIM_SIM_VERB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "sim/loader/scenario.h"
#include "sim/util/util.h"

/* A verb's strings: its row of the verb table (struct cmd below),
 * or a sub-command's own (hvsim list events). */
struct verb_spec {
	const char *name, *usage, *summary, *help;
};

/* One row of the verb table (sim/cli/verbs.c): a verb's strings and its
 * handler (sim/cli/cmds.h).  The handler gets its own row and argv with
 * argv[0] = the verb. */
struct cmd {
	struct verb_spec spec;         /* name, usage (one line, without "usage: "), summary, help */
	int (*fn)(const struct cmd *c, int argc, char **argv);
};

/* The table, in the order 'hvsim help' lists it, ending with a NULL name. */
extern const struct cmd verb_table[];
/* The row of verb `name`, or NULL. */
const struct cmd *verb_find(const char *name);
/* "hvsim: unknown command 'NAME' (did you mean 'X'?) (see 'hvsim help')";
 * returns HVSIM_EXIT_USAGE. */
int verb_unknown(const char *name);
/* 'hvsim help' / 'hvsim --help': every verb with its summary. */
void verb_general_help(FILE *f);

/* Parse the argv of a verb without options (validate, disasm, list,
 * version, help): every argument is positional; --help prints
 * verb_help_full.  *pos (free() it) points into argv.  Returns -1 to go
 * on, or an exit code (0 after --help, 2 after a usage error). */
int verb_parse_pos(const struct cmd *c, int argc, char **argv, const char ***pos, size_t *npos);

struct verb_opt {
	const char *lng;               /* long name without "--" */
	char shrt;                     /* short letter or 0 */
	const char **value;            /* option with a value: stored here */
	bool *flag;                    /* flag without a value: set to true */
};
/* value = VERB_EMPTY_OK: the option's value, even an empty one, goes to
 * on_arg to be judged there (run's --vendor and --format report an empty
 * value as a bad value, not as a missing one). */
extern const char *verb_empty_ok;
#define VERB_EMPTY_OK (&verb_empty_ok)

/* The option scan shared by every verb with an option table (verb_parse,
 * sim/cli/cmd_compare.c, sim/cli/cmd_sweep.c): "--long", "--long=V", "--long V",
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
/* verb_parse, printing --help with `help` (verb_help or verb_help_full). */
typedef void verb_help_fn(FILE *f, const struct verb_spec *v);
int verb_parse_with(const struct verb_spec *v, verb_help_fn *help, int argc, char **argv,
		    const struct verb_opt *opts, const char **pos, size_t maxpos, size_t *npos);
/* "hvsim: MESSAGE (see 'hvsim help VERB')", or "(see 'hvsim help')" when v
 * is NULL; returns HVSIM_EXIT_USAGE. */
int verb_usage(const struct verb_spec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage, summary, help and a one-line exit-status note (the --help of
 * trace, report, explain, step, compare, sweep). */
void verb_help(FILE *f, const struct verb_spec *v);
/* Usage, summary, help and the whole exit-status table (verb_exit_codes):
 * 'hvsim help VERB', and --help of run, check, validate, disasm, list,
 * version and help. */
void verb_help_full(FILE *f, const struct verb_spec *v);
extern const char verb_exit_codes[];
/* Of two exit codes, the one that wins when several apply. */
int verb_worse(int a, int b);
/* Parse a decimal or 0x number; -1 if it is not one. */
int verb_number(const char *s, unsigned long long *v);

/* Write n outputs all-or-nothing: every file is written to a temporary and
 * renamed only when all were written (NULL or "-" = standard output, at
 * most one).  write[i](f, ctx[i]) returns 0 or -1.  Returns 0, or 4 after
 * printing "path:0:0: message". */
typedef int (*verb_writer)(FILE *f, void *ctx);
int verb_write_all(size_t n, const char *const *paths, const verb_writer *write, void *const *ctx);
int verb_write(const char *path, verb_writer write, void *ctx);

/* Data safety (docs/errors.md, "Output files"): no output may replace an
 * input or another output of the same command.  Called by every verb that
 * writes files before it writes anything (and before a long run).
 * Returns 0, or 4 after printing "OUTPUT:0:0: message". */
int verb_check_io(const char *const *in, size_t nin, const char *const *out, const char *const *note,
		  size_t nout);
/* The same for a verb that reads scenarios: the inputs are each scenario
 * file and the cost model file it runs with (`cost`, the --cost value, or
 * the scenario's cpu.model, else the bundled default).  nsc scenarios. */
int verb_check_scenario_io(const struct scenario *const *sc, size_t nsc, const char *cost,
			   const char *const *out, const char *const *note, size_t nout);

/* The policy a single-run verb uses: -p, else the scenario's first policy
 * (bp_enabled when it says "all"). */
const char *verb_policy(const struct scenario *sc, const char *opt);
/* The vendor: --vendor (vmx, svm, none), else the scenario's (both -> vmx).
 * Returns 0, or 2 after a usage error. */
int verb_vendor(const struct verb_spec *v, const struct scenario *sc, const char *opt, enum vendor *out);
/* The --vendor value of the multi-run verbs (compare, sweep): vmx, svm,
 * both or none.  Returns 0, or 2 after a usage error. */
int verb_vendor_multi(const struct verb_spec *v, const char *val, enum vendor *out);

/* Lists of policy and file names are util's string list (sim/util/util.h);
 * verb_names_* are its names in the verbs that still use them. */
#define verb_names strlist
static inline int verb_names_push(struct strlist *s, const char *name) { return strlist_add(s, name); }
static inline bool verb_names_has(const struct strlist *s, const char *name) { return strlist_has(s, name); }
static inline void verb_names_free(struct strlist *s) { strlist_free(s); }
/* Append a copy of name unless it is already there; 0 or -1. */
int verb_names_add(struct verb_names *s, const char *name);
/* Policy "all": every preset (policy_list order), then the scenario's
 * named variants, each unless already there; 0 or -1. */
int verb_names_add_all(struct verb_names *s, const struct scenario *sc);

#endif
