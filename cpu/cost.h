/* cost.h - the cycle cost model.  Values come from a data file
 * (cpu/costs/default.cost and friends), every number cited there. */
#ifndef HVSIM_CPU_COST_H
#define HVSIM_CPU_COST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One index per entry, in cost.def order (COSTI_insn_alu, ...). */
enum cost_index {
#define COST(field, name, desc) COSTI_##field,
#include "cpu/cost.def"
#undef COST
	COST_N
};

struct cost_model {
	char name[64];                 /* file stem, e.g. "default" */
#define COST(field, name, desc) uint64_t field;
#include "cpu/cost.def"
#undef COST
	/* The range of every entry: "name = V [LO..HI]"; LO == HI == V for a
	 * point.  estimate[i]: the entry's comment says [estimate] or
	 * [unverified] (such an entry must have a range). */
	uint64_t lo[COST_N], hi[COST_N];
	unsigned char estimate[COST_N];
	/* "@vendor vmx|svm|both": which processor the model describes
	 * (1 = VMX, 2 = SVM; 3 without the line) */
	unsigned char vendors;
};

/* What a model file says about itself and its entries (for `list costs`). */
#define COST_META_SOURCES 16
struct cost_meta {
	char summary[200];             /* the file's first comment line */
	char cpu[200];                 /* "@cpu ..." */
	char kernel[120];              /* "@kernel ..." */
	char date[40];                 /* "@date ..." */
	char ipc[200];                 /* "@ipc ..." (the IPC the handler entries assume) */
	char source[COST_META_SOURCES][512];   /* "@source ..." lines */
	unsigned nsources;
	char cite[COST_N][160];        /* each entry's comment, cut to fit */
};

struct cost_desc { const char *name; const char *desc; unsigned offset; };
extern const struct cost_desc cost_descs[];
extern const unsigned cost_ndescs;

/* Load a .cost file ("name = value  # source" lines; every entry of cost.def
 * must be present).  Returns 0, or -1 with "FILE:LINE:COL: message" in err. */
int cost_load(const char *path, struct cost_model *m, char *err, size_t errsize);
/* The same, also filling *meta (may be NULL).  Every entry needs a comment
 * (its source); an [estimate] or [unverified] one also a range
 * "[LO..HI]" with LO <= value <= HI. */
int cost_load_meta(const char *path, struct cost_model *m, struct cost_meta *meta, char *err, size_t errsize);
/* Value of entry i / set it (range collapses to the point). */
uint64_t cost_get(const struct cost_model *m, unsigned i);
void cost_put(struct cost_model *m, unsigned i, uint64_t v);
/* Zero the mitig.* entries (the model with mitigations off). */
void cost_mitigations_off(struct cost_model *m);
/* Set one entry by name; -1 if the name is unknown. */
int cost_set(struct cost_model *m, const char *name, uint64_t value);
/* Names of the bundled models (cpu/costs/ *.cost stems), "default" first,
 * then sorted; returns how many (at most max), or -1 if the folder cannot
 * be read. */
int cost_bundled_list(char (*names)[64], int max);
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
