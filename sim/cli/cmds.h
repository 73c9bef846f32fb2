/* cmds.h - the handlers of the verbs of `hvsim`, one file each
 * (sim/cli/cmd_<verb>.c); their rows (struct cmd, sim/cli/verb.h) are the
 * one verb table in sim/cli/verbs.c.
 *
 * A handler gets its own table row and argv with argv[0] = the verb; it
 * parses argv with the option parser of sim/cli/verb.h (verb_parse,
 * verb_walk) against &c->spec, so that usage errors and --help name the
 * verb the way the table does.  Adding a verb: write cmd_<verb>.c, declare
 * its handler here, add its row to verbs.c. */
#ifndef HVSIM_SIM_CMDS_H
#define HVSIM_SIM_CMDS_H
#include "sim/cli/verb.h"

int cmd_run(const struct cmd *c, int argc, char **argv);          /* cmd_run.c */
int cmd_check(const struct cmd *c, int argc, char **argv);        /* cmd_check.c */
int cmd_compare(const struct cmd *c, int argc, char **argv);      /* cmd_compare.c */
int cmd_sweep(const struct cmd *c, int argc, char **argv);        /* cmd_sweep.c */
int cmd_validate(const struct cmd *c, int argc, char **argv);     /* cmd_validate.c */
int cmd_disasm(const struct cmd *c, int argc, char **argv);       /* cmd_disasm.c */
int cmd_trace(const struct cmd *c, int argc, char **argv);        /* cmd_trace.c */
int cmd_report(const struct cmd *c, int argc, char **argv);       /* cmd_report.c */
int cmd_explain(const struct cmd *c, int argc, char **argv);      /* cmd_explain.c */
int cmd_step(const struct cmd *c, int argc, char **argv);         /* cmd_step.c */
int cmd_kvm(const struct cmd *c, int argc, char **argv);          /* cmd_kvm.c */
int cmd_diff(const struct cmd *c, int argc, char **argv);         /* cmd_diff.c */
int cmd_list(const struct cmd *c, int argc, char **argv);         /* cmd_list.c */
int cmd_version(const struct cmd *c, int argc, char **argv);      /* cmd_help.c */
int cmd_help(const struct cmd *c, int argc, char **argv);         /* cmd_help.c */

/* `hvsim list events [--format text|md]` (argv[0] = "events"; cmd_trace.c). */
int cmd_list_events(int argc, char **argv);

/* The strings of kvm and diff, still kept beside their handlers in
 * cmd_kvm.c. */
extern const char cmd_kvm_usage[], cmd_kvm_summary[], cmd_kvm_help[];
extern const char cmd_diff_usage[], cmd_diff_summary[], cmd_diff_help[];

#endif
