/* arm_ref.h - reference 4 (issue 20): an AArch64 scenario's guest on a
 * real KVM/arm64, Debian's arm64 cloud kernel booted under
 * qemu-system-aarch64 -M virt,virtualization=on -cpu max (TCG with EL2),
 * with the static runner sim/ref/kvm-arm64-tcg/runner_arm64.c; the cached
 * outcomes and their comparison with the simulator (`hvsim diff --ref
 * kvm-arm64-tcg`).  docs/kvm-reference.md, "Reference 4".
 *
 * The image ("hvsim-arm64-image 1", text): the guest's memory as page runs
 * with the same bytes at the same addresses as the simulator (code, data
 * regions, the default stack), the entry PC, the registers of guest.regs
 * and the assembler's symbols.  The runner gives each run one memslot, runs
 * the vCPU (KVM_ARM_VCPU_INIT with PSCI 0.2: EL1h, DAIF masked, as
 * Unicorn), completes MMIO loads with 0 and stops at PSCI SYSTEM_OFF; it
 * counts the kvm:kvm_exit and kvm:kvm_handle_sys_reg tracepoints and
 * prints the outcome ("hvsim-arm64-outcome 1"): the kernel, the exits per
 * exception class, the trapped system-register accesses per ESR_EL2, X0-X30
 * and the 8 bytes at every symbol, and (runners from 2026-12-06 on) the
 * order of the exits, one letter each ("order IWRH..."; I IRQ, W/R a
 * trapped system-register write/read, H HVC, M an MMIO data abort, D a data
 * abort handled in the kernel, A an instruction abort, S a trapped access
 * without its kvm_handle_sys_reg line, X any other class; "-" none; the
 * line is left out beyond ARM_ORDER_MAX exits). */
#ifndef HVSIM_REF_ARM_REF_H
#define HVSIM_REF_ARM_REF_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "sim/loader/scenario.h"

#define REF_ARM64_CACHE "sim/ref/kvm-arm64-tcg/cache"
#define ARM_OUT_MAX 256
#define ARM_ORDER_MAX 4000

/* Write the image of an aarch64 scenario; its cache key (FNV-1a of the
 * text) in *key.  0, or -1 with "file:line:col: message". */
int arm_image_write(FILE *f, const struct scenario *sc, uint64_t *key, char *err, size_t errsize);

/* One measured run. */
struct arm_outcome {
	char kernel[96];                   /* uname -r */
	char stop[32];                     /* "system_off", or "error" */
	char error[200];
	uint64_t exits[64];                /* TRAP exits per exception class */
	uint64_t irq;                      /* IRQ exits (host interrupts) */
	uint64_t mmio;                     /* KVM_EXIT_MMIO exits user space saw (-1: not in the outcome) */
	struct { uint32_t esr; uint64_t n; } sys[ARM_OUT_MAX];   /* kvm_handle_sys_reg per ESR */
	unsigned nsys;
	uint64_t x[31];
	struct { char name[64]; uint64_t val; } sym[ARM_OUT_MAX];
	unsigned nsym;
	char order[ARM_ORDER_MAX + 1];     /* the exits in order ("" when the outcome has none) */
	bool has_order;
};

/* Parse an outcome.  0, or -1 with "LINE: message". */
int arm_outcome_read(const char *buf, size_t len, struct arm_outcome *o, char *err, size_t errsize);

/* `hvsim diff --ref kvm-arm64-tcg[@KERNEL]`: the cached outcome of the
 * scenario's image against the simulator's run under `policy` (NULL: the
 * preset of the reference's kernel, arm64_dirty for 6.1-6.13).  `kernel`
 * (NULL or "6.1": the default cache) picks REF_ARM64_CACHE-KERNEL and
 * compares only an outcome of that release (as sim/ref/diff.c does for the
 * x86 references).  Returns an exit status (0 same, 5 unexplained
 * differences, 3 no cached outcome or one of another kernel, 4 errors). */
int arm_ref_diff(const char *file, const char *policy, const char *cache, const char *kernel, bool json, FILE *out);

#endif
