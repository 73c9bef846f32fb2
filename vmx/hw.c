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
	engine_prefetch(x->eng, VMX_EXIT_REGS);
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
	/* 27.3.4: "The interruptibility-state field is saved to reflect the
	 * logical processor's interruptibility before the VM exit" (bit 0 STI,
	 * bit 1 MOV SS, Table 24-3).  "The pending debug exceptions field is
	 * saved as clear for all VM exits except" INIT, SMI, machine checks,
	 * TPR-below-threshold, MTF (none modelled) and "VM exits that are not
	 * caused by debug exceptions and that occur while there is MOV-SS
	 * blocking of debug exceptions": then bits 3:0 are the matched
	 * breakpoints MOV-SS blocking holds, bit 12 says one of them was
	 * enabled, and "the setting of bit 14 (BS) is implementation-specific.
	 * However, it is not set if RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1";
	 * hvsim sets it otherwise, as the single-step trap of the MOV SS is
	 * then pending ("the CPU sets/clears BS as appropriate for all other
	 * VM-Exits types", KVM b9bed78e2fa9).  The held matches leave the
	 * engine: VM entry puts back or delivers what the field says. */
	unsigned blocking = engine_blocking(x->eng);
	bool db_exit = reason == EXIT_REASON_EXCEPTION_NMI && vmx_intr_info_vector(intr_info) == 1;
	uint64_t pending = 0;
	if ((blocking & ENGINE_BLOCK_MOVSS) && !db_exit) {
		unsigned held = engine_take_held_db(x->eng);
		pending = held | (held ? VMX_PENDING_DBG_ENABLED_BP : 0);
		if ((engine_rflags(x->eng) & (1ull << 8)) && !(c->debugctl & DEBUGCTL_BTF))
			pending |= DR6_BS;
	}
	vmcs_hw_set(v, GUEST_INTERRUPTIBILITY_INFO, blocking);
	vmcs_hw_set(v, GUEST_PENDING_DBG_EXCEPTIONS, pending);
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

/* 26.3.1.5 "Checks on Guest Non-Register State", the two fields the debug
 * state depends on.  Interruptibility state (Table 24-3): bits 31:5
 * reserved, "bit 0 (blocking by STI) and bit 1 (blocking by MOV-SS) cannot
 * both be 1", "bit 0 (blocking by STI) must be 0 if the IF flag (bit 9) is
 * 0 in the RFLAGS field".  Pending debug exceptions (Table 24-4): bits
 * 11:4, 13, 15 and 63:17 reserved (16, RTM, only with RTM); and "if the
 * interruptibility-state field indicates blocking by STI or by MOV SS" (or
 * the activity state is HLT, not modelled): "bit 14 (BS) must be 1 if the
 * TF flag (bit 8) in the RFLAGS field is 1 and the BTF flag (bit 1) in the
 * IA32_DEBUGCTL field is 0", and 0 if TF is 0 or BTF is 1.  That invariant
 * is why an STI or MOV SS that sets neither TF nor BTF leaves a single-step
 * trap pending whenever TF is 1 in its shadow (KVM b9bed78e2fa9), and the
 * failure XSA-308 let a guest provoke in Xen.  The checks hold whether or
 * not the entry injects an event. */
static bool guest_non_register_state_ok(const struct vmcs *v, const struct cpu *c)
{
	uint64_t intr = vmcs_hw_get(v, GUEST_INTERRUPTIBILITY_INFO);
	uint64_t pend = vmcs_hw_get(v, GUEST_PENDING_DBG_EXCEPTIONS);
	uint64_t fl = vmcs_hw_get(v, GUEST_RFLAGS);
	if ((intr & ~0x1Full) || (intr & 3) == 3 || ((intr & 1) && !(fl & (1ull << 9))))
		return false;
	uint64_t rsvd = 0xFF0ull | (1ull << 13) | (1ull << 15) | ~0x1FFFFull | (c->feat.rtm ? 0 : 1ull << 16);
	if (pend & rsvd)
		return false;
	if (intr & 3) {
		bool bs_due = (fl & (1ull << 8)) && !(vmcs_hw_get(v, GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
		if (bs_due != ((pend & DR6_BS) != 0))
			return false;
	}
	return true;
}

/* VM entry (SDM Vol.3 26.3.1.1 and 26.3.1.5 checks, 26.3.2.1 loading, 26.5
 * event injection, 26.6.1 and 26.6.3).  Returns false if the entry failed
 * its checks. */
bool vmx_hw_entry(struct vmx *x)
{
	struct cpu *c = x->cpu;
	struct vmcs *v = &x->vmcs;
	bool load_dbg = (vmcs_hw_get(v, VM_ENTRY_CONTROLS) & VM_ENTRY_LOAD_DEBUG_CONTROLS) != 0;
	/* 26.3.1.1: with "load debug controls" = 1, bits 63:32 of the DR7 field
	 * must be 0, else VM-entry failure (exit reason 33 with bit 31 set,
	 * kvm-unit-tests test_guest_dr7); 26.3.1.5 as above. */
	if ((load_dbg && (vmcs_hw_get(v, GUEST_DR7) >> 32)) || !guest_non_register_state_ok(v, c)) {
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
	/* 26.6.1: "If the VM entry is vectoring, there is no blocking by STI or
	 * by MOV SS following the VM entry, regardless of the contents of the
	 * interruptibility-state field"; otherwise the field's bits block the
	 * first instruction.  26.6.3: valid pending debug exceptions (BS or bit
	 * 12) are ignored when the entry injects an external interrupt, NMI,
	 * hardware or privileged software exception; after a non-vectoring
	 * entry without MOV-SS blocking "a debug exception is delivered after
	 * VM entry" with "the priority of traps on the previous instruction"
	 * (a VM exit if #DB is in the exception bitmap, else DR6 updated
	 * normally: the engine's boundary does both); with MOV-SS blocking they
	 * are "held pending or lost as would normally be the case": held for
	 * the instruction in the shadow (the engine holds B0-B3; the held BS is
	 * the TF trap of that instruction, which the engine raises anyway).  A
	 * software interrupt/INT3/INTO injected with MOV-SS blocking keeps them
	 * for the boundary after its delivery ("as if INT3 were executed after a
	 * MOV SS that encountered a debug trap"). */
	uint64_t info = vmcs_hw_get(v, VM_ENTRY_INTR_INFO_FIELD);
	uint64_t intr = vmcs_hw_get(v, GUEST_INTERRUPTIBILITY_INFO) & 3;
	uint64_t pend = vmcs_hw_get(v, GUEST_PENDING_DBG_EXCEPTIONS);
	bool pend_valid = (pend & (DR6_BS | VMX_PENDING_DBG_ENABLED_BP)) != 0;
	uint64_t pend_dr6 = pend_valid ? pend & (DR6_B_MASK | DR6_BS) : 0;
	if (info & INTR_INFO_VALID) {
		uint32_t type = vmx_intr_info_type(info);
		int vec = vmx_intr_info_vector(info);
		bool soft = type == (4u << 8) || (type == INTR_TYPE_SOFT_EXCEPTION && (vec == 3 || vec == 4));
		engine_entry_debug(x->eng, 0, soft && (intr & ENGINE_BLOCK_MOVSS) ? pend_dr6 : 0);
	} else {
		engine_entry_debug(x->eng, (unsigned)intr,
				   (intr & ENGINE_BLOCK_MOVSS) ? pend_dr6 & DR6_B_MASK : pend_dr6);
	}
	/* 26.5: event injection.  The CPU delivers the event through the guest
	 * IDT; injecting a #DB does not modify DR6 (the hypervisor did). */
	if (info & INTR_INFO_VALID) {
		vmcs_hw_set(v, VM_ENTRY_INTR_INFO_FIELD, info & ~(uint64_t)INTR_INFO_VALID);
		int vec = vmx_intr_info_vector(info);
		bool has_err = (info & INTR_INFO_DELIVER_CODE) != 0;
		engine_deliver(x->eng, vec, vmx_intr_info_type(info) == INTR_TYPE_HARD_EXCEPTION && vec != 1, has_err,
			       (uint32_t)vmcs_hw_get(v, VM_ENTRY_EXCEPTION_ERROR_CODE));
	}
	return true;
}
