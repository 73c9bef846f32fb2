/* fields.h - the VMCB of the one vCPU, with the APM's field names.
 *
 * Two kinds of access, kept apart as in vmx/fields.h: the processor's own
 * reads and writes at VMRUN/#VMEXIT (vmcb_hw_*, free: part of the
 * transition cost) and the hypervisor's loads and stores of VMCB memory
 * (vmcb_read/vmcb_write: counted in the same counters as VMREAD/VMWRITE,
 * vmcs.reads / vmcs.writes, and charged svm.vmcb_read / svm.vmcb_write
 * cycles to cycles.vmcs). */
#ifndef HVSIM_SVM_FIELDS_H
#define HVSIM_SVM_FIELDS_H
#include <stdint.h>
#include "cpu/cpu.h"

enum vmcb_field {
#define VMCB_FIELD(name, off, bytes) name,
#include "svm/fields.def"
#undef VMCB_FIELD
	VMCB_NFIELDS
};

/* Intercept bits (APM Vol.2 Table B-1). */
#define SVM_DR_INTERCEPT_READ(n)   (1u << (n))          /* INTERCEPT_DR bits 15:0 */
#define SVM_DR_INTERCEPT_WRITE(n)  (1u << (16 + (n)))   /* INTERCEPT_DR bits 31:16 */
/* DR0-DR7 read + write: what KVM's set_dr_intercepts installs (the word
 * kvm-unit-tests writes as 0x00FF00FF, arch-facts A.5). */
#define SVM_DR_INTERCEPTS_ALL      0x00FF00FFu
#define SVM_CR_INTERCEPT_READ(n)   (1u << (n))          /* INTERCEPT_CR bits 15:0 */
#define SVM_CR_INTERCEPT_WRITE(n)  (1u << (16 + (n)))   /* INTERCEPT_CR bits 31:16 */
#define SVM_INTERCEPT_INTR         (1u << 0)    /* vector 3 */
#define SVM_INTERCEPT_CPUID        (1u << 18)
#define SVM_INTERCEPT_HLT          (1u << 24)
#define SVM_INTERCEPT_IOIO_PROT    (1u << 27)
#define SVM_INTERCEPT_MSR_PROT     (1u << 28)   /* with the MSR permission map (APM 15.11) */
#define SVM_INTERCEPT_VMRUN        (1u << 0)    /* vector 4 */
#define SVM_INTERCEPT_VMMCALL      (1u << 1)
#define SVM_INTERCEPT_ICEBP        (1u << 8)    /* vector 4: INT1 (Linux INTERCEPT_ICEBP) */

/* VMCB Clean field bits (APM 15.15.3 Figure 15-4; KVM svm.h VMCB_*). */
#define VMCB_CLEAN_INTERCEPTS      (1u << 0)
#define VMCB_CLEAN_INTR            (1u << 3)
#define VMCB_CLEAN_CR              (1u << 5)
#define VMCB_CLEAN_DR              (1u << 6)    /* DR6, DR7 */
#define VMCB_CLEAN_CR2             (1u << 9)
#define VMCB_CLEAN_LBR             (1u << 10)
/* KVM's vmcb_mark_all_clean(): VMCB_ALL_CLEAN_MASK (bits 0-11 and the
 * software bit 31) minus VMCB_ALWAYS_DIRTY_MASK (INTR, CR2: "TPR and CR2
 * are always written before VMRUN"), arch/x86/kvm/svm/svm.h. */
#define VMCB_ALL_CLEAN_MASK        (0x00000FFFu | (1u << 31))
#define VMCB_ALWAYS_DIRTY_MASK     (VMCB_CLEAN_INTR | VMCB_CLEAN_CR2)

/* EVENTINJ (APM 15.20 Figure 15-5): vector 7:0, TYPE 10:8, EV 11, V 31. */
#define SVM_EVTINJ_VALID           (1u << 31)
#define SVM_EVTINJ_VALID_ERR       (1u << 11)
#define SVM_EVTINJ_TYPE_EXEPT      (3u << 8)

/* EXITINFO1 of the intercepts hvsim produces (IOIO, MOV DRx): svm/exit_qual.h. */

enum svm_exit_code {
#define SVM_EXIT(e, code, name, linux) SVM_EXIT_##e = code,
#include "svm/exit_reasons.def"
#undef SVM_EXIT
};
/* VMEXIT_INVALID as the 64-bit EXITCODE field holds it. */
#define SVM_EXITCODE_INVALID       ((uint64_t)-1)
#define SVM_EXIT_EXCP_BASE         0x040
#define SVM_EXIT_SLOT_INVALID      0x7Eu

/* Exit slot of an exit code (see exit_reasons.def for the mapping). */
static inline unsigned svm_exit_slot(uint64_t code)
{
	return code == SVM_EXITCODE_INVALID ? SVM_EXIT_SLOT_INVALID : (unsigned)(code & 0x7F);
}

struct vmcb {
	uint64_t f[VMCB_NFIELDS];      /* field values, indexed by enum vmcb_field */
	struct cpu *cpu;               /* for counting and cycles */
};

extern const uint16_t vmcb_offset[VMCB_NFIELDS];
extern const uint8_t vmcb_bytes[VMCB_NFIELDS];
extern const char *const vmcb_field_name[VMCB_NFIELDS];

static inline uint64_t vmcb_truncate(enum vmcb_field f, uint64_t x)
{
	return vmcb_bytes[f] >= 8 ? x : x & ((1ull << (8 * vmcb_bytes[f])) - 1);
}

/* The hypervisor's load / store of a field: counted and charged (inline: on
 * every exit's path). */
static inline uint64_t vmcb_read(struct vmcb *v, enum vmcb_field f)
{
	v->cpu->st.vmcs_reads++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmcb_read);
	return v->f[f];
}
static inline void vmcb_write(struct vmcb *v, enum vmcb_field f, uint64_t x)
{
	v->cpu->st.vmcs_writes++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmcb_write);
	v->f[f] = vmcb_truncate(f, x);
}
/* KVM's vmcb_mark_dirty(): clear one clean bit (one store to VMCB_CLEAN). */
void vmcb_mark_dirty(struct vmcb *v, uint32_t clean_bit);
static inline uint64_t vmcb_hw_get(const struct vmcb *v, enum vmcb_field f) { return v->f[f]; }
static inline void vmcb_hw_set(struct vmcb *v, enum vmcb_field f, uint64_t x)
{
	v->f[f] = vmcb_truncate(f, x);
}

#endif
