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

#define COST_KERNEL_MAX 16

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
	/* "name@KERNEL = V [LO..HI]  # source": the entry's value and range
	 * for a run whose policy models that kernel (a preset's .kernel, e.g.
	 * "6.12"): KVM's software path per exit differs between kernels and
	 * the booted references measure it per kernel (docs/cost-models.md).
	 * The plain entry is used for every other kernel. */
	struct cost_kentry {
		unsigned idx;                  /* the entry (cost.def order) */
		char kernel[24];               /* as the policy names its kernel */
		uint64_t v, lo, hi;
		unsigned char estimate;
		bool applied;                  /* cost_select_kernel() put it in place of the plain entry */
		uint64_t pv, plo, phi;         /* then: the plain entry's value and range */
		unsigned char pestimate;
	} kern[COST_KERNEL_MAX];
	unsigned nkern;
	char kernel[24];               /* the kernel whose entries cost_select_kernel() applied ("" = none) */
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
	char kcite[COST_KERNEL_MAX][160];   /* each name@KERNEL line's comment (cost_model.kern order) */
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
/* Value of entry i / set it (range collapses to the point; a name@KERNEL
 * line in its place no longer applies). */
uint64_t cost_get(const struct cost_model *m, unsigned i);
void cost_put(struct cost_model *m, unsigned i, uint64_t v);
/* Apply the name@KERNEL entries of `kernel` (a policy's kernel, NULL =
 * none): their values and ranges replace the plain entries'.  Returns how
 * many entries it set. */
unsigned cost_select_kernel(struct cost_model *m, const char *kernel);
/* Pricing runs of different kernels under one model (sim/render/robust.c).
 * Prices: every entry's plain value and range, also where m's kernel lines
 * were in place. */
void cost_plain_prices(const struct cost_model *m, double *x, uint64_t *lo, uint64_t *hi);
/* A run's ledger n (charged under m) in units of the plain entries: an
 * entry a name@KERNEL line replaced counts n x line / plain, i.e. the
 * kernel's figure moves with the plain one when the plain entry is
 * re-priced (both are instruction counts over the same assumed IPC); *fixed
 * gets the cycles of such an entry whose plain value is 0 (it cannot
 * move). */
void cost_plain_ledger(const struct cost_model *m, const uint64_t *n, double *eff, double *fixed);
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
