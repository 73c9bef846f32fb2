/* cost.h - the cycle cost model.  Values come from a data file
 * (cpu/costs/default.cost and friends), every number cited there. */
#ifndef HVSIM_CPU_COST_H
#define HVSIM_CPU_COST_H
#include <stddef.h>
#include <stdint.h>

struct cost_model {
	char name[64];                 /* file stem, e.g. "default" */
#define COST(field, name, desc) uint64_t field;
#include "cpu/cost.def"
#undef COST
};

struct cost_desc { const char *name; const char *desc; unsigned offset; };
extern const struct cost_desc cost_descs[];
extern const unsigned cost_ndescs;

/* Load a .cost file ("name = value  # source" lines; every entry of cost.def
 * must be present).  Returns 0, or -1 with "FILE:LINE:COL: message" in err. */
int cost_load(const char *path, struct cost_model *m, char *err, size_t errsize);
/* Set one entry by name; -1 if the name is unknown. */
int cost_set(struct cost_model *m, const char *name, uint64_t value);
/* Path of a bundled model by name ("default", "sandybridge", ...). */
void cost_bundled_path(const char *name, char *buf, size_t size);

#endif
