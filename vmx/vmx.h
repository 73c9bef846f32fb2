/* vmx.h - the simulated VMX vCPU: processor state (VMCS) plus the KVM side
 * (debug core, register cache) that runs on it. */
#ifndef HVSIM_VMX_VMX_H
#define HVSIM_VMX_VMX_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/engine/engine.h"
#include "debugreg/core.h"
#include "debugreg/hv.h"
#include "debugreg/regcache.h"
#include "vmx/fields.h"

struct vmx {
	struct cpu *cpu;               /* the physical CPU */
	struct engine *eng;            /* executes the guest */
	struct vmcs vmcs;              /* the current VMCS */
	struct dbg dbg;                /* KVM's debug-register core */
	struct regcache rc;            /* regs_avail / regs_dirty */
	struct hv_config cfg;          /* policy, timer, host hooks */
	bool entry_pending;            /* exit handled, entry deferred to the outer loop */
	bool stopped;                  /* the run is over (HLT, entry failure) */
	uint64_t exit_no;              /* exits handled so far (step 5 of the vCPU loop) */
	uint64_t next_timer;           /* guest instruction count of the next timer interrupt */
	/* exception queued for the next entry (kvm_queue_exception) */
	bool exc_pending;
	int exc_vector;
	bool exc_has_payload;
	uint64_t exc_payload;
};

/* The guest registers vmx_hw_exit saves (RSP, RFLAGS, CR0, CR4): one batch
 * read (engine_prefetch). */
#define VMX_EXIT_REGS (RC_BIT(4) | RC_BIT(RC_FLAGS) | RC_BIT(RC_CR0) | RC_BIT(RC_CR4))

void vmx_hw_exit(struct vmx *x, uint32_t reason, uint64_t qual, uint32_t intr_info, uint32_t insn_len);
bool vmx_hw_entry(struct vmx *x);

#endif
