/* fields.h - the EL2 registers of the one vCPU's physical CPU (arm/fields.def).
 *
 * Two kinds of access, kept apart as on VMX (vmx/fields.h): the processor's
 * own writes at exception entry to EL2 and reads at ERET (el2_hw_*, part of
 * the transition), and the hypervisor's MRS/MSR of them (el2_read /
 * el2_write: counted in vmcs.reads / vmcs.writes, "EL2 register accesses"
 * on Arm, and charged with the vmx.vmread / vmx.vmwrite prices: hvsim has
 * no Arm cost model, docs/kvm-arm.md). */
#ifndef HVSIM_ARM_FIELDS_H
#define HVSIM_ARM_FIELDS_H
#include <stdint.h>
#include "cpu/cpu.h"

enum el2_field {
#define EL2_FIELD(name, op0, op1, crn, crm, op2) name,
#include "arm/fields.def"
#undef EL2_FIELD
	EL2_NFIELDS
};

/* MDCR_EL2 ("MDCR_EL2, Monitor Debug Configuration Register (EL2)"). */
#define MDCR_EL2_TPMCR  (1ull << 5)    /* trap PMCR_EL0 */
#define MDCR_EL2_TPM    (1ull << 6)    /* trap Performance Monitors */
#define MDCR_EL2_TDE    (1ull << 8)    /* route debug exceptions to EL2 (implies TDA, TDOSA, TDRA) */
#define MDCR_EL2_TDA    (1ull << 9)    /* trap debug register accesses */
#define MDCR_EL2_TDOSA  (1ull << 10)   /* trap OS-related debug registers */
#define MDCR_EL2_TDRA   (1ull << 11)   /* trap the Debug ROM Address register */
#define MDCR_EL2_TPMS   (1ull << 14)   /* trap Statistical Profiling */
#define MDCR_EL2_TTRF   (1ull << 19)   /* trap trace filter controls */
/* HCR_EL2 ("HCR_EL2, Hypervisor Configuration Register"). */
#define HCR_EL2_TID3    (1ull << 18)   /* trap ID group 3 (ID_AA64DFR0_EL1 ...) */
#define HCR_EL2_TGE     (1ull << 27)   /* trap general exceptions (TDE behaves as 1) */

enum arm_exit_reason {
#define EXIT_REASON(name, nr) ARM_EXIT_##name = nr,
#include "arm/exit_reasons.def"
#undef EXIT_REASON
};

struct el2_regs {
	uint64_t f[EL2_NFIELDS];       /* values, indexed by enum el2_field */
	struct cpu *cpu;               /* for counting and cycles */
};

extern const char *const el2_field_name[EL2_NFIELDS];

uint64_t el2_read(struct el2_regs *r, enum el2_field f);           /* MRS by the hypervisor */
void el2_write(struct el2_regs *r, enum el2_field f, uint64_t x);  /* MSR by the hypervisor */
static inline uint64_t el2_hw_get(const struct el2_regs *r, enum el2_field f) { return r->f[f]; }
static inline void el2_hw_set(struct el2_regs *r, enum el2_field f, uint64_t x) { r->f[f] = x; }

#endif
