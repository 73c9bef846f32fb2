/* divergences.h - the known-divergence table of the KVM references
 * (sim/ref/divergences.def, docs/kvm-reference.md "Known divergences"). */
#ifndef HVSIM_REF_DIVERGENCES_H
#define HVSIM_REF_DIVERGENCES_H
#include <stddef.h>
#include <stdio.h>
#include "sim/ref/devkvm.h"

/* Where a divergence applies: the module behind /dev/kvm (reference 1) or
 * reference 2 (kvm-amd-tcg, a real kvm_amd under QEMU TCG) or reference 3
 * (kvm-intel-bochs, a real kvm_intel under Bochs). */
enum {
	REF_ON_PVM = 1u << KVM_MODULE_PVM,
	REF_ON_AMD = 1u << KVM_MODULE_AMD,
	REF_ON_INTEL = 1u << KVM_MODULE_INTEL,
	REF_ON_TCG = 1u << 8,
	REF_ON_BOCHS = 1u << 9,        /* reference 3: kvm-intel-bochs */
	REF_ON_ALL = REF_ON_PVM | REF_ON_AMD | REF_ON_INTEL | REF_ON_TCG | REF_ON_BOCHS,
};

struct ref_divergence {
	const char *id;
	unsigned where;                /* REF_ON_* */
	const char *what;              /* printed after "known divergence: ID: " */
	const char *differs, *evidence;   /* the docs' columns (Markdown) */
};

extern const struct ref_divergence ref_divergences[];
extern const size_t ref_ndivergences;

/* A row of sim/ref/recorded.def: on reference `ref`, row `row` of scenario
 * `scenario` measures `measured` because of divergence `id`. */
struct ref_recorded {
	const char *scenario, *ref, *row, *measured, *id;
};
extern const struct ref_recorded ref_recorded_rows[];
extern const size_t ref_nrecorded;
/* The divergence recorded for that row with that measured value, or NULL. */
const char *ref_recorded_find(const char *scenario, const char *ref, const char *row, const char *measured);

/* The row of an id, or NULL. */
const struct ref_divergence *ref_divergence_find(const char *id);
/* The docs' "reference" column: "kvm_pvm", "kvm-amd-tcg", "all", ... */
const char *ref_divergence_where(unsigned where);
/* The Markdown table of docs/kvm-reference.md (header, rule, one line per
 * row), as `hvsim diff --list-divergences` prints it. */
void ref_divergence_doc_table(FILE *f);

#endif
