/* cmd_kvm.h - the verbs `hvsim kvm` (cmd_kvm.c) and `hvsim diff`
 * (cmd_diff.c) over the KVM references of sim/ref/, and the option helpers
 * they share.  Their rows in the command table of sim/cli/cli.c use the
 * strings below. */
#ifndef HVSIM_CLI_CMD_KVM_H
#define HVSIM_CLI_CMD_KVM_H
#include <stdio.h>
#include "sim/cli/verb.h"

struct cmd;
int cmd_kvm(const struct cmd *c, int argc, char **argv);
int cmd_diff(const struct cmd *c, int argc, char **argv);
extern const char cmd_kvm_usage[], cmd_kvm_summary[], cmd_kvm_help[];
extern const char cmd_diff_usage[], cmd_diff_summary[], cmd_diff_help[];

/* --help of both verbs: "usage: USAGE", a blank line, HELP. */
void cmd_kvm_print_help(FILE *f, const char *usage, const char *help);
/* --timeout SEC (whole seconds 1-3600) and the one SCENARIO: -1 when
 * accepted (verb_walk's "go on"), else the usage error's exit status. */
int cmd_kvm_timeout(const struct verb_spec *v, const char *val, unsigned *out);
int cmd_kvm_scenario(const struct verb_spec *v, const char *val, const char **file);

#endif
