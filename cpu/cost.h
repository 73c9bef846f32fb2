/* cost.h - the cycle cost model.  Values come from a data file
 * (cpu/costs/default.cost and friends), every number cited there. */
#ifndef HVSIM_CPU_COST_H
#define HVSIM_CPU_COST_H
#include <stdbool.h>
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
/* Path of a bundled model by name ("default", "skylake", ...), in the
 * data directory (util_data_dir("costs")). */
void cost_bundled_path(const char *name, char *buf, size_t size);
/* A model given as a file (it has a '/' or ".cost") rather than a name. */
bool cost_is_file(const char *model);
/* The file of a model as a scenario's cpu.model or --cost gives it: NULL =
 * the bundled "default", a name = the bundled file, else the path itself. */
void cost_model_path(const char *model, char *buf, size_t size);
/* A model name (not a file) must be bundled: 0, or -1 with "unknown cost
 * model 'x' (did you mean 'y'?); bundled models: a, b (...)" in err. */
int cost_check_name(const char *model, char *err, size_t errsize);

#endif
