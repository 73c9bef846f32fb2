/* svm.h - the simulated SVM vCPU: processor state (VMCB plus what the
 * processor keeps internally across VMRUN/#VMEXIT) and the KVM side (debug
 * core, register cache) that runs on it.  Mirrors vmx/vmx.h. */
#ifndef HVSIM_SVM_SVM_H
#define HVSIM_SVM_SVM_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/engine/engine.h"
#include "debugreg/core.h"
#include "debugreg/hv.h"
#include "debugreg/regcache.h"
#include "svm/fields.h"

struct svm {
	struct cpu *cpu;               /* the physical CPU */
	struct engine *eng;            /* executes the guest */
	struct vmcb vmcb;              /* the guest's VMCB */
	struct dbg dbg;                /* KVM's debug-register core */
	struct regcache rc;            /* regs_avail / regs_dirty */
	struct hv_config cfg;          /* policy, timer, decode assists, host hooks */

	/* ---- processor-internal state (svm/hw.c) ---- */
	/* VMCB state cache for the DRx clean bit (APM 15.15): the guest DR6/DR7
	 * the processor last held for this VMCB, loaded by VMRUN and updated by
	 * guest execution up to #VMEXIT.  `valid` is false until the first
	 * VMRUN ("treats the VMCB Clean field as zero ... if no cached VMCB
	 * address matches"). */
	struct { uint64_t dr6, dr7; bool valid; } dr_cache;
	/* Host state VMRUN saves and #VMEXIT reloads (APM 15.5.1, 15.6; DR6/DR7
	 * as QEMU's helper_vmrun/do_vmexit keep them in the host save area). */
	uint64_t host_dr6, host_dr7, host_debugctl;

	/* ---- KVM (svm/kvm.c) ---- */
	uint64_t rax;                  /* vcpu->arch.regs[VCPU_REGS_RAX]: VMRUN loads RAX from the VMCB */
	uint64_t next_rip;             /* svm->next_rip (set by io_interception from EXITINFO2) */
	bool load_pgd;                 /* KVM_REQ_LOAD_MMU_PGD pending (CR3 to the VMCB before VMRUN) */
	bool entry_pending;            /* exit handled, VMRUN deferred to the outer loop */
	bool stopped;                  /* the run is over (HLT, VMEXIT_INVALID) */
	uint64_t exit_no;              /* exits handled so far (step 5 of the vCPU loop) */
	uint64_t next_timer;           /* guest instruction count of the next timer interrupt */
	/* exception queued for the next entry (kvm_queue_exception) */
	bool exc_pending;
	int exc_vector;
	bool exc_has_payload;
	uint64_t exc_payload;
};

/* #VMEXIT with `code`, EXITINFO1/2 and nRIP (0 where the APM says nRIP is
 * reset to zero). */
/* The guest registers svm_hw_exit saves (RSP, RAX, RFLAGS, CR4, CS for the
 * CPL): one batch read (engine_prefetch). */
#define SVM_EXIT_REGS (RC_BIT(0) | RC_BIT(4) | RC_BIT(RC_FLAGS) | RC_BIT(RC_CR4) | RC_BIT(RC_CS))

void svm_hw_exit(struct svm *s, uint64_t code, uint64_t info1, uint64_t info2, uint64_t nrip);
/* VMRUN: false if the consistency checks failed (#VMEXIT(VMEXIT_INVALID),
 * the guest never ran). */
bool svm_hw_vmrun(struct svm *s);

#endif
