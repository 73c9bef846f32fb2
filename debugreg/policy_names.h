/* policy_names.h - what the CLI needs of the policies without the knob
 * types: preset names and summaries, and the printed knob tables. */
#ifndef HVSIM_POLICY_NAMES_H
#define HVSIM_POLICY_NAMES_H
#include <stdbool.h>
#include <stdio.h>
bool policy_exists(const char *name);
/* A preset for the Arm vendor (knob arm_switch != none), issue 20. */
bool policy_is_arm(const char *name);
/* The note for a deprecated preset name (policies.c aliases), or NULL. */
const char *policy_alias_note(const char *name);
void policy_list(void (*cb)(const char *name, const char *summary, void *ctx), void *ctx);

/* `hvsim list knobs`: every knob of debugreg/knobs.def with its values,
 * default, what it decides and the commit or message it models. */
void policy_print_knobs(FILE *f);
/* `hvsim list policies --knobs`: presets as rows x knobs as columns, values
 * abbreviated, then a legend. */
void policy_print_matrix(FILE *f);
/* docs/knobs.md (the knob, value and preset tables); 0, or -1 on a write
 * error. */
int policy_write_knobs_md(FILE *f);
#endif
