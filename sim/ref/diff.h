/* diff.h - `hvsim diff`: hvsim's prediction against a KVM reference, field
 * by field (docs/kvm-reference.md).  Three references:
 *   kvm          this machine's /dev/kvm, run now by the /dev/kvm runner
 *                (sim/ref/devkvm.h); guest-visible outcomes, exit counts
 *                only when the module is kvm_intel or kvm_amd;
 *   kvm-amd-tcg  a real kvm_amd inside a Debian kernel booted under QEMU TCG
 *                with +svm (sim/ref/kvm-amd-tcg/), read from its result
 *                cache; exit counts as well;
 *   kvm-intel-bochs  a real kvm_intel inside the same kernel booted under
 *                Bochs with a VMX CPU (sim/ref/kvm-intel-bochs/), read from its
 *                cache; exit counts and KVM's path length per exit reason. */
#ifndef HVSIM_REF_DIFF_H
#define HVSIM_REF_DIFF_H
#include <stdbool.h>
#include <stdio.h>
#include "sim/loader/scenario.h"
#include "sim/ref/outcome.h"

struct ref_diff_opts {
	const char *file;              /* the scenario */
	const char *policy;            /* of the prediction; NULL = default */
	enum vendor vendor;            /* of the prediction: VENDOR_VMX or VENDOR_SVM; VENDOR_NONE = default */
	enum ref_kind ref;             /* which reference */
	const char *cache;             /* cache directory of a booted reference; NULL = default (ref_cache_dir()) */
	const char *kernel;            /* the booted reference's kernel (`--ref REF@KERNEL`, "6.12"): its cache,
	                                  and an outcome of any other kernel is refused; NULL = the default cache */
	const char *kvm_patch;         /* outcomes of KVM rebuilt with this patch (ref_patch_cache_dir()) */
	bool json;                     /* the "hvsim-diff" JSON document instead of text */
	unsigned timeout_s;            /* wall-clock bound of a reference-1 run; 0 = 10 s */
};

/* Run the prediction and the reference, print one row per field to f
 * (errors and skips to stderr).  Returns the exit status: 0 nothing
 * unexplained, 5 unexplained differences, 3 reference absent or the
 * scenario cannot run there, 4 scenario error, 6 internal error. */
int ref_diff(const struct ref_diff_opts *o, FILE *f);

/* The preset that models a kernel release ("6.1.0-56-cloud-amd64" ->
 * "linux-6.1"), or NULL. */
const char *ref_preset_for_kernel(const char *release);
#endif
