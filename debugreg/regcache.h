/* regcache.h - KVM's register cache (regs_avail / regs_dirty), seed 001.
 *
 *   avail dirty
 *     0     0   register in VMCS/VMCB
 *     0     1   *INVALID*
 *     1     0   register in vcpu->arch
 *     1     1   register in vcpu->arch, needs to be stored back
 * (Paolo Bonzini, Re: [PATCH 13/15] KVM: SVM: Add and use
 * svm_register_cache_reset(), 2021-11-18.) */
#ifndef HVSIM_REGCACHE_H
#define HVSIM_REGCACHE_H
#include <stdint.h>

enum kvm_reg {
	VCPU_REGS_RIP, VCPU_REGS_RSP, VCPU_EXREG_RFLAGS, VCPU_EXREG_PDPTR, VCPU_EXREG_SEGMENTS,
	VCPU_EXREG_CR0, VCPU_EXREG_CR3, VCPU_EXREG_CR4, VCPU_EXREG_EXIT_INFO_1,
	VCPU_EXREG_EXIT_INFO_2, NR_KVM_REGS
};

struct regcache {
	unsigned avail;                /* bit per enum kvm_reg: value is in val[] */
	unsigned dirty;                /* bit per enum kvm_reg: val[] must be written back */
	uint64_t val[NR_KVM_REGS];     /* the cached values */
};

extern const char *const kvm_reg_name[NR_KVM_REGS];
/* First register in the invalid state avail = 0 / dirty = 1, or -1. */
int regcache_invalid(const struct regcache *rc);

#endif
