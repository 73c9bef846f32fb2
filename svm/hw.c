/* hw.c - what the processor does at VMRUN and #VMEXIT (SVM).
 *
 * The "silicon" half of svm/, mirroring vmx/hw.c: no hypervisor policy
 * here, only the APM's rules for the debug state (AMD APM Vol.2 §15.5
 * "VMRUN Instruction", §15.6 "#VMEXIT", §15.15 "VMCB State Caching").
 *
 * Differences from VMX that matter for debug registers:
 *   - DR6 as well as DR7 travels in the VMCB (VMX has no DR6 field);
 *   - the host's DR7 comes back with its breakpoints disabled rather than
 *     as 0x400, and the host's DR6 comes back (VMX leaves the guest's);
 *   - DR6/DR7 may be taken from the processor's VMCB state cache instead
 *     of the VMCB when the hypervisor marks them clean. */
#include "svm/svm.h"

#define RFLAGS_RF (1ull << 16)

/* #VMEXIT (APM 15.6).  `code` goes to EXITCODE, `info1`/`info2` to
 * EXITINFO1/2, `nrip` to nRIP ("saved ... on all #VMEXITs that are due to
 * instruction intercepts ..., as well as MSR and IOIO intercepts and
 * exceptions caused by the INT3, INTO, and BOUND instructions.  For all
 * other intercepts, nRIP is reset to zero", APM 15.7.1). */
void svm_hw_exit(struct svm *s, uint64_t code, uint64_t info1, uint64_t info2, uint64_t nrip)
{
	struct cpu *c = s->cpu;
	struct vmcb *v = &s->vmcb;
	/* "Writes back to the VMCB the current guest state—the same subset of
	 * processor state as is loaded by the VMRUN instruction" (15.6), as of
	 * the moment the intercept triggers (15.7.1).  RFLAGS.RF is saved as 0:
	 * every intercept hvsim produces sits at a boundary where RF has been
	 * cleared by the previous instruction's completion (arch-facts A.3),
	 * and the engine's RF is exact only at a breakpointed address (the same
	 * choice as vmx/hw.c). */
	engine_prefetch(s->eng, SVM_EXIT_REGS);
	vmcb_hw_set(v, RIP, engine_rip(s->eng));
	vmcb_hw_set(v, RSP, engine_rsp(s->eng));
	vmcb_hw_set(v, RAX, engine_gpr(s->eng, 0));
	vmcb_hw_set(v, RFLAGS, engine_rflags(s->eng) & ~RFLAGS_RF);
	vmcb_hw_set(v, CR4, engine_cr4(s->eng));
	vmcb_hw_set(v, CPL, (uint64_t)engine_cpl(s->eng));
	/* Guest DR6 and DR7 written back (15.5.1 lists "DR6 and DR7—The guest's
	 * breakpoint state" among the loaded state; QEMU do_vmexit stores
	 * both).  The processor's cached copy follows guest execution: "The
	 * guest's execution can cause cached state to be updated" (15.15.2). */
	vmcb_hw_set(v, DR6, c->dr[6]);
	vmcb_hw_set(v, DR7, c->dr[7]);
	s->dr_cache.dr6 = c->dr[6];
	s->dr_cache.dr7 = c->dr[7];
	/* DBGCTL is part of the switched state only with LBR virtualization
	 * (Table B-2 note on DBGCTL; KVM "Manually context switch DEBUGCTL if
	 * LBR virtualization is disabled", arch-facts A.5).  Without it the
	 * host's value never left the hardware. */
	if (vmcb_hw_get(v, LBR_VIRTUALIZATION_ENABLE) & 1) {
		vmcb_hw_set(v, DBGCTL, c->debugctl);
		c->debugctl = s->host_debugctl;
	}
	/* INTERRUPT_SHADOW (VMCB offset 68h bit 0, APM Appendix B): "the guest
	 * is in an interrupt shadow", after STI or MOV SS (15.21.5).  The VMCB
	 * has no pending-debug-exceptions state: a data-breakpoint match that
	 * MOV-SS blocking holds stays in the engine (how an AMD CPU carries it
	 * across the intercept is not documented; hvsim delivers it at the
	 * next boundary after VMRUN). */
	vmcb_hw_set(v, INTERRUPT_SHADOW, engine_blocking(s->eng) ? 1 : 0);
	vmcb_hw_set(v, EXITCODE, code);
	vmcb_hw_set(v, EXITINFO1, info1);
	vmcb_hw_set(v, EXITINFO2, info2);
	vmcb_hw_set(v, NRIP, nrip);
	/* Host state.  "Disables all breakpoints in the host DR7 register"
	 * (15.6).  Two readings exist: QEMU's do_vmexit reloads the DR7 saved
	 * by VMRUN with bits 7:0 (L0-3/G0-3) cleared ("Disables all
	 * breakpoints in the host DR7 register", saved & ~0xff); Bochs sets
	 * DR7 = 0x400 (arch-facts A.5 and "Divergences" 1).  hvsim follows
	 * the APM text as QEMU implements it: only the enable bits are
	 * cleared, the R/W, LEN and GD bits of the host's DR7 survive.  The
	 * host's DR6 is reloaded (QEMU do_vmexit; KVM 1ccb6f983a06: on SVM
	 * the guest's DR6 "never" reaches the host's hardware DR6).  DR0-DR3
	 * are neither saved nor loaded (the VMCB has no slots for them), so
	 * the guest's addresses stay in the hardware.  VMCB_CLEAN is never
	 * written by the processor. */
	cpu_dr_write(c, 7, s->host_dr7 & ~DR7_BP_EN_MASK, DRW_PROCESSOR, "#vmexit");
	cpu_dr_write(c, 6, s->host_dr6, DRW_PROCESSOR, "#vmexit");
	c->guest_mode = false;
	CPU_CHARGE(c, CYC_TRANSITION, svm_exit);
	CPU_CHARGE(c, CYC_TRANSITION, mitig_rsb);     /* RSB fill after #VMEXIT */
}

/* VMRUN (APM 15.5.1).  Returns false when the consistency checks fail: the
 * processor then performs #VMEXIT with VMEXIT_INVALID before running any
 * guest instruction. */
bool svm_hw_vmrun(struct svm *s)
{
	struct cpu *c = s->cpu;
	struct vmcb *v = &s->vmcb;
	CPU_CHARGE(c, CYC_TRANSITION, svm_entry);
	CPU_CHARGE(c, CYC_TRANSITION, mitig_verw);        /* VERW before VMRUN (TSA on Zen 3/4) */
	CPU_CHARGE(c, CYC_TRANSITION, mitig_l1d_flush);   /* 0 on every AMD model */
	/* Saving host state.  15.5.1's list has no debug registers, but #VMEXIT
	 * must give the host back a DR7 "with all breakpoints disabled" and its
	 * DR6; QEMU's helper_vmrun keeps both in the host save area. */
	s->host_dr6 = c->dr[6];
	s->host_dr7 = c->dr[7];
	/* DR6/DR7: from the VMCB, or from the VMCB state cache when the
	 * hypervisor set clean bit 6 ("Each set bit in the VMCB Clean field
	 * allows the processor to load one guest register or group of registers
	 * from the hardware cache; each clear bit requires that the processor
	 * load the guest register from the VMCB", 15.15.1).  hvsim's processor
	 * always takes the cache when allowed, so a hypervisor that changes
	 * VMCB DR6/DR7 without clearing the bit runs the guest with stale
	 * values (15.15.2: "The hypervisor must clear specific bits ... every
	 * time it explicitly modifies the associated guest state"). */
	bool cached = s->dr_cache.valid && (vmcb_hw_get(v, VMCB_CLEAN) & VMCB_CLEAN_DR);
	uint64_t dr6 = cached ? s->dr_cache.dr6 : vmcb_hw_get(v, DR6);
	uint64_t dr7 = cached ? s->dr_cache.dr7 : vmcb_hw_get(v, DR7);
	/* Consistency checks: "DR6[63:32] are not zero", "DR7[63:32] are not
	 * zero" are illegal guest state -> #VMEXIT with VMEXIT_INVALID (15.5.1
	 * "Canonicalization and Consistency Checks"; QEMU helper_vmrun;
	 * kvm-unit-tests test_dr).  Applied to "the final merged hardware
	 * state", which may include state from fields marked clean (same
	 * section). */
	if ((dr6 >> 32) || (dr7 >> 32)) {
		vmcb_hw_set(v, EXITCODE, SVM_EXITCODE_INVALID);
		vmcb_hw_set(v, EXITINFO1, 0);
		vmcb_hw_set(v, EXITINFO2, 0);
		vmcb_hw_set(v, NRIP, 0);
		/* "If an illegal state has been loaded, the processor exits back to
		 * the host (Section 15.6)": the host reload of #VMEXIT applies. */
		cpu_dr_write(c, 7, s->host_dr7 & ~DR7_BP_EN_MASK, DRW_PROCESSOR, "#vmexit");
		cpu_dr_write(c, 6, s->host_dr6, DRW_PROCESSOR, "#vmexit");
		c->guest_mode = false;
		CPU_CHARGE(c, CYC_TRANSITION, svm_exit);
		return false;
	}
	/* Loading guest state: "DR6 and DR7—The guest's breakpoint state"
	 * (15.5.1).  DR7 with bit 10 forced to 1 (Bochs ORs 0x400, arch-facts
	 * A.5); DR6 reads back with its fixed bits (arch-facts A.1). */
	cpu_dr_write(c, 6, dr6_store_value(dr6, &c->feat), DRW_PROCESSOR, "vmrun");
	cpu_dr_write(c, 7, dr7 | DR7_FIXED_1, DRW_PROCESSOR, "vmrun");
	s->dr_cache.dr6 = c->dr[6];
	s->dr_cache.dr7 = c->dr[7];
	s->dr_cache.valid = true;
	/* DBGCTL only with LBR virtualization (Table B-2); otherwise the host's
	 * DEBUGCTL stays in the hardware while the guest runs. */
	if (vmcb_hw_get(v, LBR_VIRTUALIZATION_ENABLE) & 1) {
		s->host_debugctl = c->debugctl;
		c->debugctl = vmcb_hw_get(v, DBGCTL);
	}
	/* CR4 (15.5.1 "CR0, CR3, CR4, EFER"), where cr_interception put an
	 * intercepted write. */
	if (engine_cr4(s->eng) != vmcb_hw_get(v, CR4))
		engine_set_cr(s->eng, 4, vmcb_hw_get(v, CR4));
	/* RIP, RSP, RAX, RFLAGS: always from the VMCB ("explicitly not cached",
	 * 15.15.3). */
	engine_set_rip(s->eng, vmcb_hw_get(v, RIP));
	engine_set_gpr(s->eng, 4, vmcb_hw_get(v, RSP));
	engine_set_gpr(s->eng, 0, vmcb_hw_get(v, RAX));
	engine_set_rflags(s->eng, vmcb_hw_get(v, RFLAGS));
	/* The interrupt shadow the VMCB holds: kept for the instruction the
	 * guest resumes at, ended when the hypervisor cleared it (KVM's skip,
	 * svm_set_interrupt_shadow(vcpu, 0)).  No consistency check involves it
	 * or RFLAGS.TF (15.5.1): the VMX rule of SDM 26.3.1.5 has no SVM
	 * counterpart, so a #DB re-injected in a shadow never fails VMRUN. */
	engine_entry_debug(s->eng, (vmcb_hw_get(v, INTERRUPT_SHADOW) & 1) ? engine_blocking(s->eng) : 0, 0);
	c->guest_mode = true;
	/* Event injection (15.20): "the VMRUN instruction causes the guest to
	 * take the specified exception or interrupt unconditionally before
	 * executing the first guest instruction"; "Injected events are not
	 * subject to intercept checks".  Delivering an injected #DB does not
	 * touch DR6 (the hypervisor did, kvm_deliver_exception_payload).  The
	 * valid bit is consumed (QEMU do_vmexit clears EVENTINJ). */
	uint64_t inj = vmcb_hw_get(v, EVENTINJ);
	if (inj & SVM_EVTINJ_VALID) {
		vmcb_hw_set(v, EVENTINJ, inj & ~(uint64_t)SVM_EVTINJ_VALID);
		int vec = (int)(inj & 0xFF);
		bool exept = (inj & 0x700) == SVM_EVTINJ_TYPE_EXEPT;
		engine_deliver(s->eng, vec, exept && vec != 1 && vec != 3 && vec != 4,
			       (inj & SVM_EVTINJ_VALID_ERR) != 0, (uint32_t)vmcb_hw_get(v, EVENTINJ_ERR));
	}
	return true;
}
