/* divergences.c - the known-divergence table (divergences.def), its
 * Markdown rendering for docs/kvm-reference.md, and the rows of bundled
 * scenarios recorded against it (recorded.def). */
#include "sim/ref/divergences.h"
#include <string.h>

const struct ref_divergence ref_divergences[] = {
#define DIVERGENCE(id, where, what, differs, evidence) { id, where, what, differs, evidence },
#include "sim/ref/divergences.def"
#undef DIVERGENCE
};
const size_t ref_ndivergences = sizeof(ref_divergences) / sizeof(ref_divergences[0]);

const struct ref_recorded ref_recorded_rows[] = {
#define RECORDED(scenario, ref, row, measured, id) { scenario, ref, row, measured, id },
#include "sim/ref/recorded.def"
#undef RECORDED
	{ NULL, NULL, NULL, NULL, NULL }    /* keeps the array non-empty */
};
const size_t ref_nrecorded = sizeof(ref_recorded_rows) / sizeof(ref_recorded_rows[0]) - 1;

const char *ref_recorded_find(const char *scenario, const char *ref, const char *row, const char *measured)
{
	for (size_t i = 0; scenario && ref && i < ref_nrecorded; i++) {
		const struct ref_recorded *r = &ref_recorded_rows[i];
		if (!strcmp(r->scenario, scenario) && !strcmp(r->ref, ref) && !strcmp(r->row, row) &&
		    !strcmp(r->measured, measured))
			return r->id;
	}
	return NULL;
}

const struct ref_divergence *ref_divergence_find(const char *id)
{
	for (size_t i = 0; i < ref_ndivergences; i++)
		if (!strcmp(ref_divergences[i].id, id))
			return &ref_divergences[i];
	return NULL;
}

const char *ref_divergence_where(unsigned where)
{
	switch (where) {
	case REF_ON_ALL: return "all";
	case REF_ON_PVM: return "kvm_pvm";
	case REF_ON_AMD: return "kvm_amd";
	case REF_ON_INTEL: return "kvm_intel";
	case REF_ON_TCG: return "kvm-amd-tcg";
	case REF_ON_BOCHS: return "kvm-intel-bochs";
	}
	return "some";
}

void ref_divergence_doc_table(FILE *f)
{
	fputs("| ID | reference | what differs | evidence |\n|---|---|---|---|\n", f);
	for (size_t i = 0; i < ref_ndivergences; i++) {
		const struct ref_divergence *d = &ref_divergences[i];
		fprintf(f, "| `%s` | %s | %s | %s |\n", d->id, ref_divergence_where(d->where), d->differs,
			d->evidence);
	}
}
