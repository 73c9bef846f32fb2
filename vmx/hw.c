/* hw.c - what the processor does at VM entry and VM exit (VMX).
 *
 * This is the "silicon" half of vmx/: no hypervisor policy here, only the
 * SDM's rules for the debug state, so a policy cannot accidentally get help
 * from the simulator. */
#include "vmx/exit_qual.h"
#include "vmx/vmx.h"
#include <stdio.h>

/* VM exit (SDM Vol.3 27.3 "Saving Guest State", 27.5.1 "Loading Host
 * Control Registers, Debug Registers, MSRs").  `reason` is the basic exit
 * reason; qualification and interruption info go to their fields. */
void vmx_hw_exit(struct vmx *x, uint32_t reason, uint64_t qual, uint32_t intr_info, uint32_t insn_len)
{
	struct cpu *c = x->cpu;
	struct vmcs *v = &x->vmcs;
	/* Guest state: RIP/RSP/RFLAGS.  "VM exits caused by instructions save
	 * RFLAGS.RF = 0" (SDM 27.3.3, arch-facts A.4). */
	vmcs_hw_set(v, GUEST_RIP, engine_rip(x->eng));
	vmcs_hw_set(v, GUEST_RSP, engine_rsp(x->eng));
	vmcs_hw_set(v, GUEST_RFLAGS, engine_rflags(x->eng) & ~(1ull << 16));
	vmcs_hw_set(v, GUEST_CR4, engine_cr4(x->eng));
	vmcs_hw_set(v, GUEST_CR0, engine_cr(x->eng, 0));
	/* 27.3.1: DR7 and IA32_DEBUGCTL are saved only with "save debug
	 * controls"; otherwise the fields keep their old values. */
	if (vmcs_hw_get(v, VM_EXIT_CONTROLS) & VM_EXIT_SAVE_DEBUG_CONTROLS) {
		vmcs_hw_set(v, GUEST_DR7, c->dr[7]);
		vmcs_hw_set(v, GUEST_IA32_DEBUGCTL, c->debugctl);
	}
	/* 27.3.4: pending debug exceptions are saved as 0 for the exits hvsim
	 * models (none of the listed exceptions: INIT, SMI, MTF, ...). */
	vmcs_hw_set(v, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_hw_set(v, VM_EXIT_REASON, reason);
	vmcs_hw_set(v, EXIT_QUALIFICATION, qual);
	vmcs_hw_set(v, VM_EXIT_INTR_INFO, intr_info);
	vmcs_hw_set(v, VM_EXIT_INSTRUCTION_LEN, insn_len);
	/* 27.5.1: "DR7 is set to 400H" and "The IA32_DEBUGCTL MSR is cleared to
	 * 00000000_00000000H", on every exit regardless of controls.  DR0-DR3
	 * and DR6 are not touched (arch-facts A.4). */
	cpu_dr_write(c, 7, DR7_FIXED_1, DRW_PROCESSOR, "vm exit");
	c->debugctl = 0;
	c->guest_mode = false;
	CPU_CHARGE(c, CYC_TRANSITION, vmexit);
	CPU_CHARGE(c, CYC_TRANSITION, mitig_rsb);     /* vmexit_fill_RSB and friends */
}

/* VM entry (SDM Vol.3 26.3.1.1 checks, 26.3.2.1 loading, 26.5 event
 * injection).  Returns false if the entry failed its checks. */
bool vmx_hw_entry(struct vmx *x)
{
	struct cpu *c = x->cpu;
	struct vmcs *v = &x->vmcs;
	bool load_dbg = (vmcs_hw_get(v, VM_ENTRY_CONTROLS) & VM_ENTRY_LOAD_DEBUG_CONTROLS) != 0;
	/* 26.3.1.1: with "load debug controls" = 1, bits 63:32 of the DR7 field
	 * must be 0, else VM-entry failure (exit reason 33 with bit 31 set,
	 * kvm-unit-tests test_guest_dr7). */
	if (load_dbg && (vmcs_hw_get(v, GUEST_DR7) >> 32)) {
		CPU_CHARGE(c, CYC_TRANSITION, vmentry);
		vmcs_hw_set(v, VM_EXIT_REASON, EXIT_REASON_INVALID_STATE | VMX_EXIT_REASONS_FAILED_VMENTRY);
		vmcs_hw_set(v, EXIT_QUALIFICATION, 0);
		return false;
	}
	CPU_CHARGE(c, CYC_TRANSITION, vmentry);
	CPU_CHARGE(c, CYC_TRANSITION, mitig_l1d_flush);   /* vmx_l1d_flush before VMLAUNCH/VMRESUME */
	CPU_CHARGE(c, CYC_TRANSITION, mitig_verw);        /* VERW in __vmx_vcpu_run */
	/* 26.3.2.1: DR7 loaded from the field "with the exception that bit 12
	 * and bits 15:14 are always 0 and bit 10 is always 1"; DEBUGCTL from
	 * its field.  Without the control the host's values stay (observed by
	 * kvm-unit-tests dbgctls: the guest sees the host's 0x402). */
	if (load_dbg) {
		cpu_dr_write(c, 7, (vmcs_hw_get(v, GUEST_DR7) & ~0xD000ull) | DR7_FIXED_1,
			     DRW_PROCESSOR, "vm entry");
		c->debugctl = vmcs_hw_get(v, GUEST_IA32_DEBUGCTL);
		CPU_CHARGE(c, CYC_TRANSITION, vmentry_load_debug);
	}
	/* CR0/CR4 from their fields (26.3.2.1), where handle_cr put the value
	 * of an intercepted MOV to CR. */
	if (engine_cr(x->eng, 0) != vmcs_hw_get(v, GUEST_CR0))
		engine_set_cr(x->eng, 0, vmcs_hw_get(v, GUEST_CR0));
	if (engine_cr4(x->eng) != vmcs_hw_get(v, GUEST_CR4))
		engine_set_cr(x->eng, 4, vmcs_hw_get(v, GUEST_CR4));
	/* Guest RIP/RSP/RFLAGS from the VMCS. */
	engine_set_rip(x->eng, vmcs_hw_get(v, GUEST_RIP));
	engine_set_gpr(x->eng, 4, vmcs_hw_get(v, GUEST_RSP));
	engine_set_rflags(x->eng, vmcs_hw_get(v, GUEST_RFLAGS));
	c->guest_mode = true;
	/* 26.5: event injection.  The CPU delivers the event through the guest
	 * IDT; injecting a #DB does not modify DR6 (the hypervisor did). */
	uint64_t info = vmcs_hw_get(v, VM_ENTRY_INTR_INFO_FIELD);
	if (info & INTR_INFO_VALID) {
		vmcs_hw_set(v, VM_ENTRY_INTR_INFO_FIELD, info & ~(uint64_t)INTR_INFO_VALID);
		int vec = vmx_intr_info_vector(info);
		bool has_err = (info & INTR_INFO_DELIVER_CODE) != 0;
		engine_deliver(x->eng, vec, vmx_intr_info_type(info) == INTR_TYPE_HARD_EXCEPTION && vec != 1, has_err,
			       (uint32_t)vmcs_hw_get(v, VM_ENTRY_EXCEPTION_ERROR_CODE));
	}
	return true;
}
