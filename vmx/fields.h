/* fields.h - the VMCS of the one vCPU, with the SDM's field names.
 *
 * Two kinds of access, kept apart: the processor's own reads and writes at
 * VM entry/exit (vmcs_hw_*, free: they are part of the transition cost) and
 * the hypervisor's VMREAD/VMWRITE (vmcs_read/vmcs_write: counted in
 * vmcs.reads / vmcs.writes and charged vmx.vmread / vmx.vmwrite cycles). */
#ifndef HVSIM_VMX_FIELDS_H
#define HVSIM_VMX_FIELDS_H
#include <stdint.h>
#include "cpu/cpu.h"

enum vmcs_field {
#define VMCS_FIELD(name, enc) name,
#include "vmx/fields.def"
#undef VMCS_FIELD
	VMCS_NFIELDS
};

/* Control bits (SDM Vol.3 24.6.2 Table "Primary Processor-Based VM-Execution
 * Controls", 24.7.1 "VM-Exit Controls", 24.8.1 "VM-Entry Controls"). */
#define CPU_BASED_HLT_EXITING          (1u << 7)
#define CPU_BASED_MOV_DR_EXITING       (1u << 23)
#define CPU_BASED_UNCOND_IO_EXITING    (1u << 24)
#define VM_EXIT_SAVE_DEBUG_CONTROLS    (1u << 2)
#define VM_ENTRY_LOAD_DEBUG_CONTROLS   (1u << 2)
#define INTR_INFO_VALID                (1u << 31)
#define INTR_TYPE_HARD_EXCEPTION       (3u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION    (5u << 8)   /* ICEBP */
#define INTR_TYPE_SOFT_EXCEPTION       (6u << 8)   /* INT3, INTO */
#define INTR_INFO_DELIVER_CODE         (1u << 11)
#define VMX_EXIT_REASONS_FAILED_VMENTRY (1u << 31)
/* Pending-debug-exceptions bit 12, "enabled breakpoint" (SDM Table 24-4);
 * bits 3:0 and 14 are DR6's B0-B3 and BS. */
#define VMX_PENDING_DBG_ENABLED_BP     (1ull << 12)

enum vmx_exit_reason {
#define EXIT_REASON(name, nr) EXIT_REASON_##name = nr,
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
};

struct vmcs {
	uint64_t f[VMCS_NFIELDS];      /* field values, indexed by enum vmcs_field */
	struct cpu *cpu;               /* for counting and cycles */
};

extern const uint32_t vmcs_encoding[VMCS_NFIELDS];
extern const char *const vmcs_field_name[VMCS_NFIELDS];

/* VMREAD / VMWRITE by the hypervisor: counted and charged (inline: on every
 * exit's path). */
static inline uint64_t vmcs_read(struct vmcs *v, enum vmcs_field f)
{
	v->cpu->st.vmcs_reads++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmread);
	return v->f[f];
}
static inline void vmcs_write(struct vmcs *v, enum vmcs_field f, uint64_t x)
{
	v->cpu->st.vmcs_writes++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmwrite);
	v->f[f] = x;
}
static inline uint64_t vmcs_hw_get(const struct vmcs *v, enum vmcs_field f) { return v->f[f]; }
static inline void vmcs_hw_set(struct vmcs *v, enum vmcs_field f, uint64_t x) { v->f[f] = x; }

#endif
