/* arm.h - the simulated Arm vCPU (issue 20): the EL2 registers of the
 * physical CPU plus the KVM/arm side (its copy of the guest's debug
 * registers, the DEBUG_DIRTY bit or the 6.14 debug owner) that runs on it.
 * The Arm twin of vmx/vmx.h and svm/svm.h; sim/run_arm.c drives it. */
#ifndef HVSIM_ARM_ARM_H
#define HVSIM_ARM_ARM_H
#include <stdbool.h>
#include <stdint.h>
#include "arm/fields.h"
#include "cpu/engine/a64.h"
#include "debugreg/hv.h"
#include "debugreg/policy.h"

/* 6.14's vcpu->arch.debug_owner (VCPU_DEBUG_FREE / HOST_OWNED / GUEST_OWNED). */
enum arm_owner { ARM_OWNER_FREE = 0, ARM_OWNER_HOST, ARM_OWNER_GUEST };

/* KVM/arm's per-vCPU debug state (struct kvm_vcpu_arch fields). */
struct kvm_arm_debug {
	uint64_t sys[ARM_DBGREG_N];    /* the guest's registers as KVM keeps them: vcpu_debug_state
					* (BVR/BCR/WVR/WCR) and the sys_regs MDSCR_EL1, MDCCINT_EL1, OSLSR_EL1 */
	bool dirty;                    /* DEBUG_DIRTY (arm64 <= 6.13) / KVM_ARM_DEBUG_DIRTY (seed 004) */
	enum arm_owner owner;          /* debug_owner (6.14) */
	bool loaded;                   /* between vcpu_load and vcpu_put */
	uint64_t mdcr;                 /* vcpu->arch.mdcr_el2 */
	uint64_t host_bank[ARM_DBGREG_N];  /* host_debug_state: the host's registers the switch to the guest saved */
	uint64_t host_mdscr;           /* the host context's MDSCR_EL1 (saved at entry, restored at exit) */
	bool guest_in_hw;              /* the last switch to the guest loaded its bank (not yet saved back) */
	struct policy pol;             /* the policy in force */
};

/* The host's hw_breakpoint layer on this CPU (arch/arm64/kernel/
 * hw_breakpoint.c): what the host wants in the hardware while it runs. */
struct arm_host_dbg {
	struct arm_dbg_file want;      /* its breakpoint/watchpoint slots and its MDSCR_EL1 (KDE|MDE while any) */
};

struct armv {
	struct cpu *cpu;               /* the physical CPU */
	struct a64 *eng;               /* executes the guest */
	struct el2_regs el2;           /* EL2 registers (MDCR_EL2, HCR_EL2, ESR_EL2, ...) */
	struct kvm_arm_debug dbg;      /* KVM/arm's debug state */
	struct arm_host_dbg host;      /* the host's own breakpoints */
	struct hv_config cfg;          /* policy, timer, host hooks */
	bool stopped;                  /* the run is over (PSCI SYSTEM_OFF) */
	bool user_exit;                /* the exit being handled returns to user space (vcpu_put) */
	bool mmio_pending;             /* an MMIO exit user space completes at the next KVM_RUN */
	int mmio_rt;                   /* ... its transfer register, -1 for a store */
	uint64_t exit_no;              /* exits handled so far (step 5 of the vCPU loop) */
	uint64_t next_timer;           /* guest instruction count of the next timer interrupt */
	const uint64_t *irq_replay;    /* a reference's IRQ exits to replay (arm_replay_irqs) */
	size_t nirq_replay, irq_next;
};

/* arm/hw.c: what the processor does. */
void arm_hw_exit(struct armv *a, unsigned slot, uint32_t esr, uint64_t far, uint64_t hpfar);
void arm_hw_eret(struct armv *a);
bool arm_hw_traps(uint64_t mdcr, uint64_t hcr, int reg);

/* arm/kvm.c: the vendor, as sim/run_arm.c uses it. */
extern const char *const arm_exit_names[EXIT_SLOTS];
struct armv *arm_create(struct cpu *cpu, struct a64 *eng, const struct hv_config *cfg);
void arm_destroy(struct armv *a);
void arm_enter(struct armv *a);                 /* step 1 (first entry and deferred ones) */
/* Replay a reference's host interrupts (`hvsim diff --ref kvm-arm64-tcg`):
 * an IRQ exit right after the entry that follows exit number at[i] (0: the
 * first entry), before any guest instruction - where a timer interrupt that
 * became pending while KVM handled the exit is taken.  at[] ascending, kept
 * by the caller for the run. */
void arm_replay_irqs(struct armv *a, const uint64_t *at, size_t n);
/* The host's hw_breakpoint layer (arch_install_hw_breakpoint from IRQ
 * context: the hardware is written at once).  type: 0 execute, 1 write,
 * 3 read/write (enum bp_type); len 1, 2, 4, 8. */
void arm_host_bp_install(struct armv *a, int slot, uint64_t addr, unsigned type, unsigned len);
void arm_host_bp_remove(struct armv *a, int slot);
void arm_host_touch(struct armv *a, uint64_t addr, unsigned size, bool write);

#endif
