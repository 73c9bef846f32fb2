/* outcome.h - what a KVM reference measured (struct kvm_outcome, the
 * "hvsim-kvm-outcome" format of sim/ref/devkvm.h) in hvsim's terms: a
 * struct run_result shaped like `hvsim run`'s, the "reference" member of
 * `hvsim kvm --format json` and its text, and where reference 2's cached
 * outcomes live. */
#ifndef HVSIM_REF_OUTCOME_H
#define HVSIM_REF_OUTCOME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/ref/devkvm.h"
#include "sim/render/json.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"

/* The references: this machine's /dev/kvm, run now; the two booted ones,
 * read from their result caches (relative to the source tree: one KEY.out
 * outcome per guest image, KEY = kvm_image_hash()). */
enum ref_kind { REF_KVM, REF_AMD_TCG, REF_INTEL_BOCHS };
#define REF_TCG_CACHE "sim/ref/kvm-amd-tcg/cache"
#define REF_BOCHS_CACHE "sim/ref/kvm-intel-bochs/cache"
/* "kvm", "kvm-amd-tcg", "kvm-intel-bochs". */
const char *ref_kind_name(enum ref_kind k);

/* The engine stop that a reference stop corresponds to. */
enum engine_stop ref_map_stop(enum kvm_stop s);
/* What a DR6 value says caused the #DB (SDM 17.2.3 DR6 bits). */
const char *ref_dr6_cause(uint64_t dr6);

/* Guest memory read back before the reference VM is destroyed (the `done`
 * callback of kvm_image_run()), as sim/run.c copy_memory() keeps it. */
struct ref_mem_snap {
	const struct kvm_image *img;
	struct run_result *res;
	size_t ncopy;                  /* the code block and the scenario's data regions */
};
void ref_snap_memory(void *ctx, struct kvm_ref *k);

/* The outcome as a run result: policy = the module, vendor "kvm", exits
 * from KVM's statistics, the guest's #DB log as db records. */
void ref_outcome_to_result(const struct scenario *sc, const struct kvm_outcome *o, struct run_result *res);

/* The "reference" member of `hvsim kvm --format json`, and its text. */
void ref_reference_json(struct json_writer *w, const struct kvm_outcome *o, const char *ref, uint64_t hash);
void ref_reference_text(FILE *f, const struct kvm_outcome *o, const char *ref);

/* The exit status of a failed reference run (enum kvm_err): 6 for an
 * internal error, 3 (skipped) otherwise. */
int ref_err_status(int kind);

/* The kernel whose outcomes REF_TCG_CACHE and REF_BOCHS_CACHE hold: both
 * references boot Debian 12's 6.1 (6.1.0-5x-cloud-amd64). */
#define REF_CACHE_KERNEL "6.1"
/* The cache directory of a booted reference: opt, else for a kernel other
 * than REF_CACHE_KERNEL (`--ref REF@KERNEL`, e.g. "6.12") the cache
 * directory suffixed "-KERNEL" in the source tree
 * (sim/ref/kvm-intel-bochs/cache-6.12), else $HVSIM_KVM_TCG_CACHE /
 * $HVSIM_KVM_BOCHS_CACHE, else REF_TCG_CACHE / REF_BOCHS_CACHE in the
 * source tree (built in buf).  kernel NULL: the reference's default. */
const char *ref_cache_dir(enum ref_kind k, const char *opt, const char *kernel, char *buf, size_t n);
/* Is `release` (a `uname -r`, "6.12.95+deb12-cloud-amd64") a release of
 * `kernel` ("6.12"): the same numbers, then '.', '-' or the end? */
bool ref_release_is(const char *release, const char *kernel);
/* The cache of outcomes measured with KVM rebuilt with a patch
 * (sim/ref/kvm-patch/run.sh): $HVSIM_KVM_PATCH_WORK (default
 * ~/.cache/hvsim/kvm-patch)/results/REF/CRC-LEN, CRC and LEN as `cksum PATCH`
 * prints them.  0, or -1 with err set (the patch cannot be read). */
int ref_patch_cache_dir(enum ref_kind k, const char *patch, char *buf, size_t n, char *err, size_t errsize);

#endif
