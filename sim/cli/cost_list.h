/* cost_list.h - the --cost value of the verbs that run under several cost
 * models (compare, sweep): "all" or NAME,NAME,..., each model loaded once
 * to learn which processor it describes (its @vendor line), so that a run
 * on VMX is priced only by the models that describe VMX and a run on SVM
 * only by those that describe SVM (docs/cost-models.md, "A model and its
 * vendor").
 *
 * The rule, one for both verbs:
 *   - one model (--cost NAME): every run uses it; a run on a vendor it does
 *     not describe is refused by sim_run() itself, as `hvsim run` does;
 *   - several models ("all", or a list): each run uses the models that
 *     describe its vendor and skips the others; a model named in the list
 *     that describes none of the vendors run is refused (it would price
 *     nothing). */
#ifndef HVSIM_SIM_CLI_COST_LIST_H
#define HVSIM_SIM_CLI_COST_LIST_H
#include <stdbool.h>
#include <stddef.h>
#include "sim/cli/verb.h"

struct cost_list {
	struct verb_names names;       /* the models, in the order given ("all": default first, then by name) */
	unsigned char *vendors;        /* per name: its @vendor bits (1 = vmx, 2 = svm) */
	bool all;                      /* the value was "all" */
};

/* Parse --cost VAL and load every model named.  Returns -1 to go on, or an
 * exit code after the one-line message: 2 for a malformed list (empty
 * name, a name twice), 4 for a model that is unknown or does not load,
 * 6 when out of memory.  cost_list_free() in either case. */
int cost_list_parse(const struct verb_spec *v, const char *val, struct cost_list *c);
void cost_list_free(struct cost_list *c);

/* Several models: runs skip the models that do not describe their vendor. */
static inline bool cost_list_multi(const struct cost_list *c)
{
	return c->all || c->names.n > 1;
}

/* Whether model i prices a run on vendor v (bare metal: every model). */
bool cost_list_applies(const struct cost_list *c, size_t i, enum vendor v);

/* With several models, a model named in the list (not by "all") whose
 * @vendor is none of `used` (bits of the vendors the verb runs) is
 * refused: returns 4 after sim_run()'s own refusal for the first vendor
 * used, else -1. */
int cost_list_check_used(const struct cost_list *c, unsigned used);

#endif
