/* kvm.c - the SVM half of the hypervisor: KVM's svm.c logic for debug
 * registers (dr_interception, db_interception, svm_sync_dirty_debug_regs,
 * svm_set_dr6/7, set/clr_dr_intercepts, the register cache of
 * svm_vcpu_run), the exit dispatch (svm_handle_exit: one switch on the exit
 * code) and steps 3-6 of the vCPU loop (svm_vcpu_exit; the loop is
 * described in sim/run.c), in our own words.  Mirrors vmx/kvm.c;
 * everything the debug core needs from SVM goes through struct
 * dbg_vendor_ops below.
 *
 * Source read: torvalds/linux arch/x86/kvm/svm/svm.c and svm.h (6.x,
 * kvm-debugreg-logic §0 "S6", §5.7), plus the seeds.  Every VMCB field
 * access the C code of KVM makes is counted as one load or store (VMCB
 * fields are plain memory: "accessing the VMCB is cheap", seed 001). */
#include "svm/exit_qual.h"
#include "svm/svm.h"
#include <stdlib.h>
#include <string.h>

/* SVM_REGS_LAZY_LOAD_SET: "Only the PDPTRs are loaded on demand into the
 * shadow MMU.  All other fields are synchronized on VM-Exit, because
 * accessing the VMCB is cheap" (seed 001, Paolo Bonzini; svm.h).  CR3 is
 * never lazily unavailable, so the avail=0/dirty=1 state the VMX cache can
 * reach for CR3 cannot arise here. */
#define SVM_REGS_LAZY_LOAD_SET (1u << VCPU_EXREG_PDPTR)
/* Lai Jiangshan's SVM_REGS_DIRTY_SET (seed 001, patch 13): CR3 left out
 * "just for optimization", like VMX_REGS_DIRTY_SET. */
#define SVM_REGS_DIRTY_SET ((1u << VCPU_REGS_RIP) | (1u << VCPU_REGS_RSP))
#define KVM_ENOSYS 1000
#define CR4_DE (1ull << 3)
#define RFLAGS_TF (1ull << 8)

static const char *const svm_exit_names[EXIT_SLOTS] = {
#define SVM_EXIT(e, code, name, linux) [(code) == -1 ? SVM_EXIT_SLOT_INVALID : ((code) & 0x7F)] = name,
#include "svm/exit_reasons.def"
#undef SVM_EXIT
};

/* ---- register cache ------------------------------------------------------------- */

/* kvm_register_read(): every register but the PDPTRs is available after
 * #VMEXIT; the PDPTRs come from guest memory (load_pdptrs), not the VMCB,
 * and hvsim's guests do not use PAE paging, so there is nothing to load. */
static uint64_t reg_read(struct svm *s, enum kvm_reg r)
{
	if (!(s->rc.avail & (1u << r))) {
		s->rc.val[r] = 0;
		s->rc.avail |= 1u << r;
	}
	return s->rc.val[r];
}

/* kvm_register_write(): cached and marked dirty. */
static void reg_write(struct svm *s, enum kvm_reg r, uint64_t val)
{
	s->rc.val[r] = val;
	s->rc.avail |= 1u << r;
	s->rc.dirty |= 1u << r;
}

/* kvm_register_read/write for a GPR number: RAX and RSP live in
 * vcpu->arch.regs (VMRUN loads them from the VMCB), the others stay in the
 * engine (the __svm_vcpu_run assembly switches them). */
static uint64_t gpr_read(struct svm *s, int gpr)
{
	if (gpr == 0)
		return s->rax;
	if (gpr == 4)
		return reg_read(s, VCPU_REGS_RSP);
	return engine_gpr(s->eng, gpr);
}

static void gpr_write(struct svm *s, int gpr, uint64_t val)
{
	if (gpr == 0)
		s->rax = val;
	else if (gpr == 4)
		reg_write(s, VCPU_REGS_RSP, val);
	else
		engine_set_gpr(s->eng, gpr, val);
}

/* ---- vendor ops for debugreg/ --------------------------------------------------- */

/* svm_set_dr7(): the VMCB DR7 and vmcb_mark_dirty(VMCB_DR), so that the
 * next VMRUN does not take DR7 from the processor's cache. */
static void svm_set_dr7(void *p, uint64_t val)
{
	struct svm *s = p;
	vmcb_write(&s->vmcb, DR7, val);
	vmcb_mark_dirty(&s->vmcb, VMCB_CLEAN_DR);
}

/* svm_set_dr6(): store and mark dirty only when the value changes ("KVM:
 * SVM: keep DR6 synchronized with vcpu->arch.dr6", kvm-debugreg-logic
 * §3.3: `if (unlikely(value != vmcb->save.dr6))`). */
static void svm_set_dr6(struct svm *s, uint64_t val)
{
	if (vmcb_read(&s->vmcb, DR6) != val) {
		vmcb_write(&s->vmcb, DR6, val);
		vmcb_mark_dirty(&s->vmcb, VMCB_CLEAN_DR);
	}
}

/* set_dr_intercepts() / clr_dr_intercepts(): all DR0-7 read and write
 * intercepts at once ("KVM: svm: set/clear all DR intercepts in one
 * swoop", seed 003 series): one store of the 32-bit intercept word, then
 * recalc_intercepts() marks the intercept vectors dirty. */
static void svm_set_dr_intercept(void *p, bool on)
{
	struct svm *s = p;
	vmcb_write(&s->vmcb, INTERCEPT_DR, on ? SVM_DR_INTERCEPTS_ALL : 0);
	vmcb_mark_dirty(&s->vmcb, VMCB_CLEAN_INTERCEPTS);
}

static void svm_sync_dirty_debug_regs(void *p, bool rearm)
{
	struct svm *s = p;
	struct dbg *d = &s->dbg;
	/* svm_sync_dirty_debug_regs: DR0-3 from the hardware (the VMCB has no
	 * slots for them), DR6 and DR7 from the VMCB.  "We cannot reset
	 * svm->vmcb->save.dr6 ... here, because db_interception might need it";
	 * and no host DR6 reset: the processor gave the host its DR6 back at
	 * #VMEXIT (1ccb6f983a06: guest DR6 in hardware "never happens at all
	 * on SVM"). */
	for (int i = 0; i < 4; i++)
		d->db[i] = cpu_hv_read_dr(s->cpu, i, "sync_dirty_debug_regs");
	d->dr6 = vmcb_read(&s->vmcb, DR6);
	d->dr7 = vmcb_read(&s->vmcb, DR7);
	cpu_event(s->cpu, EV_DR_SAVE, 0xCF, 0, 0, "sync_dirty_debug_regs");
	if (rearm) {
		svm_set_dr_intercept(s, true);
		cpu_event(s->cpu, EV_INTERCEPT, 1, 0, 0, "sync: re-arm");
	}
}

static void svm_load_guest_dr6(void *p, uint64_t dr6)
{
	/* The guest's DR6 goes into the VMCB (VMRUN loads it), never into the
	 * hardware by the hypervisor (svm_vcpu_run under WONT_EXIT). */
	svm_set_dr6(p, dr6);
}

static void svm_idle_guest_dr6(void *p)
{
	/* svm_vcpu_run: "Run with all-zero DR6 unless needed, so that we can
	 * get the exact cause of a #DB" (kvm-debugreg-logic §5.7). */
	svm_set_dr6(p, DR6_ACTIVE_LOW);
}

static void svm_queue_exception(void *p, int vector, bool has_payload, uint64_t payload)
{
	struct svm *s = p;
	s->exc_pending = true;
	s->exc_vector = vector;
	s->exc_has_payload = has_payload;
	s->exc_payload = payload;
	if (vector == 1) s->cpu->st.injected_db++;
	else if (vector == 13) s->cpu->st.injected_gp++;
	else if (vector == 6) s->cpu->st.injected_ud++;
	cpu_event(s->cpu, EV_INJECT, (uint64_t)vector, payload, 0, NULL);
}

static uint64_t svm_guest_debugctl(void *p)
{
	struct svm *s = p;
	return vmcb_hw_get(&s->vmcb, DBGCTL);
}

/* KVM_SET_GUEST_DEBUG's SVM half.  Unlike VMX, SVM edits single bits of
 * the exception intercepts and leaves the rest as init_vmcb set them (#UD,
 * #PF without NPT, #MC, #AC): update_db_bp_intercept() (before 4.4) did
 * clr_exception_intercept(DB_VECTOR) and (BP_VECTOR), then set #DB "if
 * (vcpu->guest_debug & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP))"
 * and #BP for USE_SW_BP; since "KVM: svm: unconditionally intercept #DB"
 * (CVE-2015-8104, 4.4) svm_update_exception_bitmap() touches #BP only
 * ("if (vcpu->guest_debug & KVM_GUESTDBG_ENABLE)" and USE_SW_BP).  #DB per
 * era: knob db_intercept.  svm_set_rflags(): SINGLESTEP forces TF into the
 * VMCB's RFLAGS. */
static void svm_update_guest_debug(void *p)
{
	struct svm *s = p;
	unsigned gd = s->dbg.guest_debug;
	uint32_t ex = vmcb_hw_get(&s->vmcb, INTERCEPT_EXCEPTIONS) & ~((1u << 1) | (1u << 3));
	if (dbg_db_intercepted(&s->dbg.pol, gd, true))
		ex |= 1u << 1;                                  /* DB_VECTOR */
	if ((gd & GUESTDBG_ENABLE) && (gd & GUESTDBG_USE_SW_BP))
		ex |= 1u << 3;                                  /* BP_VECTOR */
	/* clr_exception_intercept() / set_exception_intercept() rewrite the
	 * field and recalc_intercepts() marks VMCB_INTERCEPTS dirty whether or
	 * not a bit changed: one field write per call. */
	vmcb_write(&s->vmcb, INTERCEPT_EXCEPTIONS, ex);
	vmcb_mark_dirty(&s->vmcb, VMCB_CLEAN_INTERCEPTS);
	uint64_t fl = vmcb_read(&s->vmcb, RFLAGS);
	if ((gd & GUESTDBG_SINGLESTEP) && !(fl & RFLAGS_TF))
		vmcb_write(&s->vmcb, RFLAGS, fl | RFLAGS_TF);
	engine_set_host_singlestep(s->eng, (gd & GUESTDBG_SINGLESTEP) != 0);
}

static uint64_t svm_guest_dr6_field(void *p)
{
	struct svm *s = p;
	return vmcb_read(&s->vmcb, DR6);        /* svm_get_dr6 (before 2020) */
}

static const struct dbg_vendor_ops svm_dbg_ops = {
	.name = "svm",
	.set_dr7 = svm_set_dr7,
	.set_dr_intercept = svm_set_dr_intercept,
	.sync_dirty_debug_regs = svm_sync_dirty_debug_regs,
	.load_guest_dr6 = svm_load_guest_dr6,
	.idle_guest_dr6 = svm_idle_guest_dr6,
	.queue_exception = svm_queue_exception,
	.set_load_debug_controls = NULL,           /* VMX only */
	.guest_debugctl = svm_guest_debugctl,
	.update_guest_debug = svm_update_guest_debug,
	.vmcb_dr6 = true,
	.guest_dr6_field = svm_guest_dr6_field,
};

/* ---- exit handling ---------------------------------------------------------------- */

/* KVM_EXIT_DEBUG (db_interception, bp_interception,
 * kvm_vcpu_do_singlestep): user space looks at it (debugreg/guest_debug.c)
 * and resumes, possibly with RFLAGS.RF set through KVM_SET_REGS
 * (svm_set_rflags), or passes the event back to the guest. */
static void svm_exit_debug(struct svm *s, int vec, uint64_t payload, uint64_t dr7)
{
	switch (kvm_exit_debug(&s->dbg, vec, payload, dr7)) {
	case USER_DEBUG_CONSUMED_RF:
		/* RFLAGS.RF: see vmx_exit_debug (the engine's resume already
		 * skips the second breakpoint check). */
	case USER_DEBUG_CONSUMED:
		if (vec == 1)   /* debug.arch.pc: kvm_get_linear_rip() */
			engine_note_db_debugger(s->eng, s->rc.val[VCPU_REGS_RIP], payload | DR6_ACTIVE_LOW,
						"KVM_EXIT_DEBUG");
		break;
	case USER_DEBUG_REINJECT:
		if (vec == 1)
			dbg_handle_db_exit(&s->dbg, payload);
		else
			svm_queue_exception(s, vec, false, 0);
		break;
	}
}

/* Move RIP to `next` the way kvm_skip_emulated_instruction() completes an
 * instruction: a guest single-stepping over it gets its #DB from KVM
 * (kvm_vcpu_do_singlestep; svm_get_rflags reads the VMCB); with
 * KVM_GUESTDBG_SINGLESTEP that is a KVM_EXIT_DEBUG instead: true, and the
 * caller delivers it. */
static bool complete_rip(struct svm *s, uint64_t next)
{
	reg_write(s, VCPU_REGS_RIP, next);
	if (s->dbg.pol.emul_singlestep && (vmcb_read(&s->vmcb, RFLAGS) & RFLAGS_TF)) {
		if (s->dbg.guest_debug & GUESTDBG_SINGLESTEP)
			return true;
		svm_queue_exception(s, 1, true, DR6_BS);
	}
	return false;
}

/* ... delivering the KVM_EXIT_DEBUG, except after HLT, where
 * __kvm_emulate_halt overwrites the exit reason with KVM_EXIT_HLT: the
 * step is lost (debugreg/guest_debug.c). */
static void complete_insn_as(struct svm *s, uint64_t next, bool halt)
{
	if (complete_rip(s, next) && !halt)
		svm_exit_debug(s, 1, DR6_BS, vmcb_hw_get(&s->vmcb, DR7));
}

static void complete_insn(struct svm *s, uint64_t next)
{
	complete_insn_as(s, next, false);
}

/* svm_skip_emulated_instruction(): nRIP from the VMCB when the processor
 * saved one (KVM runs with nrips = 1), else the next_rip an exit handler
 * left (io_interception), then clear the interrupt shadow; true when the
 * completion asks for user space (complete_rip). */
static bool skip_rip(struct svm *s)
{
	uint64_t nrip = vmcb_read(&s->vmcb, NRIP);
	if (nrip)
		s->next_rip = nrip;
	vmcb_write(&s->vmcb, INTERRUPT_SHADOW, 0);   /* svm_set_interrupt_shadow(vcpu, 0) */
	return complete_rip(s, s->next_rip);
}

static void skip_instruction_as(struct svm *s, bool halt)
{
	if (skip_rip(s) && !halt)
		svm_exit_debug(s, 1, DR6_BS, vmcb_hw_get(&s->vmcb, DR7));
}

static void skip_instruction(struct svm *s)
{
	skip_instruction_as(s, false);
}

/* The instruction emulator's fetch and decode (kvm_emulate_instruction
 * without decode assists): the MOV DR at RIP, decoded from guest memory.
 * KVM decodes in the guest's mode; a MOV DR never begins with 40h-4Fh in
 * 32-bit code (those bytes are INC/DEC there), so the 64-bit decoder reads
 * the same DR, GPR and length for either mode. */
static bool emulator_decode(struct svm *s, uint64_t rip, struct insn_info *ii)
{
	uint8_t buf[15];
	CPU_CHARGE(s->cpu, CYC_HANDLER, emulate_insn);
	for (size_t n = sizeof(buf); n >= 3; n--)
		if (engine_mem_read(s->eng, rip, buf, n) == 0)
			return engine_classify(buf, n, 64, ii) == 0 && ii->cls == IC_MOV_DR;
	return false;
}

/* dr_interception (exit codes 0x20-0x2F reads, 0x30-0x3F writes). */
static void dr_interception(struct svm *s, uint64_t code)
{
	struct dbg *d = &s->dbg;
	struct svm_dr_exit ex = svm_dr_exit_decode(code);     /* svm/exit_qual.h */
	bool write = ex.write;
	int dr = ex.dr;
	if (write)
		s->cpu->st.dr_exit_writes[dr & 7]++;
	else
		s->cpu->st.dr_exit_reads[dr & 7]++;
	/* KVM checks guest_debug == 0 first and goes lazy ("No more DR
	 * vmexits; force a reload of the debug registers and reenter on this
	 * instruction") before looking at decode assists; the core takes that
	 * branch for these policies, so nothing is decoded on that path. */
	bool lazy = d->guest_debug == 0 &&
		    (d->pol.movdr == MOVDR_WONT_EXIT || d->pol.movdr == MOVDR_STICKY);
	int gpr = 0;
	bool emulated = false;
	struct insn_info ii;
	memset(&ii, 0, sizeof(ii));
	uint64_t rip = reg_read(s, VCPU_REGS_RIP);
	if (!lazy) {
		if (s->cfg.decode_assists) {
			/* "reg = svm->vmcb->control.exit_info_1 & SVM_EXITINFO_REG_MASK" */
			gpr = svm_dr_exitinfo1_gpr(vmcb_read(&s->vmcb, EXITINFO1));
		} else {
			/* "if (!boot_cpu_has(X86_FEATURE_DECODEASSISTS)) return
			 * emulate_on_interception(vcpu)" */
			if (!emulator_decode(s, rip, &ii)) {
				engine_violation(s->eng, rip, dr, "emulation_failed",
						 "exit 0x%llx: no MOV DR at 0x%llx for the instruction emulator",
						 (unsigned long long)code, (unsigned long long)rip);
				engine_request_stop(s->eng, STOP_INTERNAL, "instruction emulation failed");
				s->stopped = true;
				return;
			}
			gpr = ii.gpr;
			dr = ii.dr;
			emulated = true;
		}
	}
	uint64_t val = (!lazy && write) ? gpr_read(s, gpr) : 0;
	/* KVM's dr_interception does not re-check DR4/5 with CR4.DE, CPL or
	 * DR7.GD: the processor raised those exceptions before checking the
	 * intercept (APM Table 15-7; POST_EX in KVM's x86_intercept_map).  The
	 * core gets the state the processor saved, so its checks pass;
	 * guest_gd is false because a GD #DB never reaches a DR intercept on
	 * SVM. */
	bool cr4_de = (vmcb_hw_get(&s->vmcb, CR4) & CR4_DE) != 0;
	int cpl = (int)vmcb_hw_get(&s->vmcb, CPL);
	switch (dbg_handle_mov_dr(d, dr, write, &val, cr4_de, cpl, false)) {
	case DR_EXIT_REENTER:
		break;
	case DR_EXIT_SKIP:
		/* kvm_register_write(vcpu, reg, kvm_get_dr(vcpu, dr)), then
		 * kvm_complete_insn_gp(): skip via nRIP; the emulator writes back
		 * its own decoded next RIP. */
		if (!write)
			gpr_write(s, gpr, val);
		if (emulated)
			complete_insn(s, rip + ii.len);
		else
			skip_instruction(s);
		break;
	case DR_EXIT_FAULTED:
	case DR_EXIT_TO_USER:            /* VMX only: a GD #DB never reaches a DR intercept here */
		break;
	}
}

/* cr_interception (0x04 read_cr4, 0x14 write_cr4): with decode assists
 * "reg = exit_info_1 & SVM_EXITINFO_REG_MASK", else emulate_on_interception
 * (the emulator decodes the MOV CR).  Read: kvm_read_cr4 into the GPR;
 * write: kvm_set_cr4 -> svm_set_cr4 stores the VMCB CR4 and marks VMCB_CR
 * dirty (reserved-bit #GPs not modelled, as the engine checks none).  Then
 * kvm_complete_insn_gp skips the instruction. */
static void cr_interception(struct svm *s, uint64_t code)
{
	bool write = code >= 0x10;
	int cr = (int)(code & 0xF), gpr;
	uint64_t rip = reg_read(s, VCPU_REGS_RIP);
	struct insn_info ii;
	memset(&ii, 0, sizeof(ii));
	cpu_charge(s->cpu, CYC_HANDLER, s->cpu->cost->handler_io);
	if (s->cfg.decode_assists) {
		gpr = svm_dr_exitinfo1_gpr(vmcb_read(&s->vmcb, EXITINFO1));
	} else {
		uint8_t buf[15];
		bool ok = false;
		cpu_charge(s->cpu, CYC_HANDLER, s->cpu->cost->emulate_insn);
		for (size_t n = sizeof(buf); n >= 3 && !ok; n--)
			if (engine_mem_read(s->eng, rip, buf, n) == 0)
				ok = engine_classify(buf, n, 64, &ii) == 0 && ii.cls == IC_MOV_CR;
		if (!ok) {
			engine_request_stop(s->eng, STOP_INTERNAL, "instruction emulation failed (MOV CR)");
			s->stopped = true;
			return;
		}
		gpr = ii.gpr;
	}
	if (cr == 4 && write) {
		vmcb_write(&s->vmcb, CR4, gpr_read(s, gpr));
		vmcb_mark_dirty(&s->vmcb, VMCB_CLEAN_CR);
	} else if (cr == 4) {
		gpr_write(s, gpr, vmcb_read(&s->vmcb, CR4));
	}
	if (!s->cfg.decode_assists)
		complete_insn(s, rip + ii.len);
	else
		skip_instruction(s);
}

/* msr_interception (exit code 0x7C; EXITINFO1 = 0 RDMSR, 1 WRMSR, APM
 * 15.11) -> kvm_get_msr / kvm_set_msr -> svm_get_msr / svm_set_msr, for
 * IA32_DEBUGCTL (kvm_amd with LBR virtualization available, its default):
 * the value lives in the VMCB's DBGCTL (svm->vmcb->save.dbgctl), and what
 * KVM accepts is the era's (knob debugctl_msr):
 *   - common / vmcs_field (every kvm_amd before 2025): bits outside 5:0
 *     (DEBUGCTL_RESERVED_BITS = ~0x3f: LBR, BTF and PB0-3, APM Vol.2
 *     13.1.1.1) are #GP; the value is stored with VMCB_LBR dirty, and LBR
 *     (bit 0) turns LBR virtualization on (svm_enable_lbrv, else
 *     svm_disable_lbrv, one LBR_CTL write either way).  Only then does VMRUN
 *     load DBGCTL (APM Table B-2): "the only way BTF has 'worked' in any
 *     capacity is if the guest simultaneously enables LBRs" (d0eac42f5cec).
 *   - drop_5_2 (ee89e8013383 "KVM: SVM: Drop DEBUGCTL[5:2] from guest's
 *     effective value", backported alone to 6.1.y: Debian's 6.1.192): bits
 *     5:2 are dropped "for backwards compatibility", DEBUGCTL_RESERVED_BITS
 *     is ~(BTF | LBR), BTF is still kept; an unchanged value stops there;
 *     svm_update_lbrv rewrites LBR_CTL only when LBR changes.
 *   - btf_suppressed (d0eac42f5cec, 6.14-rc6, 2025, on top): BTF is dropped
 *     too ("KVM doesn't virtualize BTF"), anything but LBR is #GP.  With LBR
 *     virtualization off KVM loads DBGCTL by hand before VMRUN
 *     (433265870ab3): see svm_enter().
 * hvsim's guest has no other MSR: reads return 0, writes are dropped.  Any
 * exit ends a WONT_EXIT window (dbg_post_exit), so the next MOV DR exits. */
static bool svm_set_debugctl(struct svm *s, uint64_t val)
{
	struct vmcb *v = &s->vmcb;
	enum debugctl_rules era = s->dbg.pol.debugctl_msr;
	bool new_rules = era == DCTL_DROP_5_2 || era == DCTL_BTF_SUPPRESSED;
	uint64_t allowed = 0x3Full;
	if (new_rules) {
		val &= ~(0xFull << 2);
		allowed = DEBUGCTL_LBR | DEBUGCTL_BTF;
	}
	if (era == DCTL_BTF_SUPPRESSED) {
		val &= ~DEBUGCTL_BTF;
		allowed = DEBUGCTL_LBR;
	}
	if (val & ~allowed) {
		svm_queue_exception(s, 13, false, 0);   /* "return 1": #GP, no skip */
		return false;
	}
	if (new_rules && vmcb_read(v, DBGCTL) == val)
		return true;
	vmcb_write(v, DBGCTL, val);
	vmcb_mark_dirty(v, VMCB_CLEAN_LBR);
	uint64_t lbrv = val & DEBUGCTL_LBR ? 1 : 0;
	if (!new_rules || vmcb_read(v, LBR_VIRTUALIZATION_ENABLE) != lbrv)
		vmcb_write(v, LBR_VIRTUALIZATION_ENABLE, lbrv);
	return true;
}

static void msr_interception(struct svm *s)
{
	bool write = vmcb_read(&s->vmcb, EXITINFO1) & 1;
	uint32_t msr = (uint32_t)engine_gpr(s->eng, 1);
	CPU_CHARGE(s->cpu, CYC_HANDLER, handler_io);
	if (write) {
		uint64_t val = (s->rax & 0xFFFFFFFFull) | engine_gpr(s->eng, 2) << 32;
		if (msr == MSR_IA32_DEBUGCTL && !svm_set_debugctl(s, val))
			return;
		if (msr == MSR_IA32_EFER)
			engine_msr_write(s->eng, msr, val);   /* svm_set_efer (kvm_set_msr_common -> set_efer) */
	} else {
		uint64_t val = msr == MSR_IA32_DEBUGCTL ? vmcb_read(&s->vmcb, DBGCTL) : 0;
		if (msr == MSR_IA32_EFER)
			engine_msr_read(s->eng, msr, &val);
		gpr_write(s, 0, val & 0xFFFFFFFFull);
		gpr_write(s, 2, val >> 32);
	}
	skip_instruction(s);
}

/* db_interception with guest_debug == 0: "payload = vmcb->save.dr6 ^
 * DR6_ACTIVE_LOW" - the intercepted #DB has already written DR6 (APM
 * 15.12.2), and KVM ran the guest with DR6 = 0xFFFF0FF0, so the XOR is
 * exactly this event's bits. */
static void db_interception(struct svm *s)
{
	uint64_t payload = vmcb_read(&s->vmcb, DR6) ^ DR6_ACTIVE_LOW;
	/* "if (vcpu->guest_debug & (KVM_GUESTDBG_SINGLESTEP |
	 * KVM_GUESTDBG_USE_HW_BP))": KVM_EXIT_DEBUG with dr6 = VMCB DR6 and
	 * dr7 = VMCB DR7. */
	if (dbg_db_to_user(&s->dbg)) {
		svm_exit_debug(s, 1, payload, vmcb_read(&s->vmcb, DR7));
		return;
	}
	dbg_handle_db_exit(&s->dbg, payload);
}

/* ---- the vCPU loop, steps 3-6 (sim/run.c describes the whole loop) --------------- */

/* Step 3, exit: the processor's #VMEXIT (svm/hw.c), counted and traced
 * (kvm_exit) by the exit accounting both vendors share (cpu/cpu.h).
 * Inlined: it is on every exit's path (bench_hvsim (b)). */
static inline __attribute__((always_inline)) void svm_exit(struct svm *s, uint64_t code, uint64_t info1, uint64_t info2, uint64_t nrip)
{
	svm_hw_exit(s, code, info1, info2, nrip);
	unsigned slot = svm_exit_slot(code);
	cpu_exit_begin(s->cpu, slot, vmcb_hw_get(&s->vmcb, RIP), code, info1, 0, svm_exit_names[slot]);
}

/* svm_vcpu_run after the run, on every pass of the run loop: RAX/RSP/RIP
 * back into vcpu->arch.regs, regs_dirty = 0 (Paolo's proposal, seed 001;
 * Lai's v1 dropped only SVM_REGS_DIRTY_SET), vmcb_mark_all_clean(),
 * regs_avail &= ~SVM_REGS_LAZY_LOAD_SET. */
static void svm_run_done(struct svm *s)
{
	struct vmcb *v = &s->vmcb;
	s->rax = vmcb_read(v, RAX);
	s->rc.val[VCPU_REGS_RSP] = vmcb_read(v, RSP);
	s->rc.val[VCPU_REGS_RIP] = vmcb_read(v, RIP);
	if (s->dbg.pol.regcache == RC_PER_VENDOR_DIRTY_SET)
		s->rc.dirty &= ~SVM_REGS_DIRTY_SET;
	else
		s->rc.dirty = 0;
	s->next_rip = 0;
	vmcb_write(v, VMCB_CLEAN, VMCB_ALL_CLEAN_MASK & ~VMCB_ALWAYS_DIRTY_MASK);
	s->rc.avail &= ~SVM_REGS_LAZY_LOAD_SET;
}

/* Step 4, handle (first half): KVM right after the hardware run. */
static void svm_after_run(struct svm *s)
{
	svm_run_done(s);
	/* vcpu_enter_guest after the run: DR sync and host restore. */
	dbg_post_exit(&s->dbg);
	int bad = regcache_invalid(&s->rc);
	if (bad >= 0)
		engine_violation(s->eng, engine_rip(s->eng), bad, "regcache_invalid",
				 "after exit %llu: %s has avail=0 dirty=1 (seed 001)",
				 (unsigned long long)s->exit_no, kvm_reg_name[bad]);
}

/* Step 4, handle (second half): the exit dispatch, svm_handle_exit ->
 * svm_invoke_exit_handler (svm_exit_handlers[]), as one switch on the exit
 * code. */
static void svm_handle_exit(struct svm *s)
{
	struct cpu *c = s->cpu;
	struct vmcb *v = &s->vmcb;
	CPU_CHARGE(c, CYC_HANDLER, handler_base);
	uint64_t code = vmcb_read(v, EXITCODE);
	switch (code) {
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_DR_LAST:
		dr_interception(s, code);
		break;
	case SVM_EXIT_EXCP_DB:
		CPU_CHARGE(c, CYC_HANDLER, handler_db);
		db_interception(s);
		break;
	case SVM_EXIT_READ_CR4:
	case SVM_EXIT_WRITE_CR4:
		cr_interception(s, code);
		break;
	case SVM_EXIT_EXCP_UD:
		/* ud_interception -> handle_ud: kvm_emulate_instruction(
		 * EMULTYPE_TRAP_UD); for every #UD hvsim raises (DR4/5 with CR4.DE,
		 * DR8-15, LOCK, VMCALL) the emulator queues #UD again (VMCALL's
		 * hypercall patching is not modelled). */
		cpu_charge(c, CYC_HANDLER, c->cost->emulate_insn);
		svm_queue_exception(s, 6, false, 0);
		break;
	case SVM_EXIT_EXCP_BP:
		/* bp_interception (intercepted only with KVM_GUESTDBG_USE_SW_BP):
		 * "kvm_run->exit_reason = KVM_EXIT_DEBUG". */
		if (s->dbg.guest_debug & GUESTDBG_USE_SW_BP)
			svm_exit_debug(s, 3, 0, 0);
		else
			svm_queue_exception(s, 3, false, 0);
		break;
	case SVM_EXIT_CPUID: {
		/* kvm_emulate_cpuid: the guest's CPUID model, as in vmx/kvm.c
		 * (DE set in leaf 1). */
		uint64_t leaf = s->rax;
		gpr_write(s, 0, leaf == 0 ? 1 : leaf == 1 ? 0x000306A9 : 0);
		gpr_write(s, 3, leaf == 0 ? 0x4B4D564B : 0);
		gpr_write(s, 1, leaf == 0 ? 0x564B4D56 : 0);
		gpr_write(s, 2, leaf == 0 ? 0x4D : leaf == 1 ? (1u << 2) : 0);
		CPU_CHARGE(c, CYC_HANDLER, handler_cpuid);
		skip_instruction(s);
		break;
	}
	case SVM_EXIT_IOIO:
		/* io_interception: EXITINFO1 describes the access, "svm->next_rip
		 * = svm->vmcb->control.exit_info_2", then kvm_fast_pio. */
		vmcb_read(v, EXITINFO1);
		s->next_rip = vmcb_read(v, EXITINFO2);
		CPU_CHARGE(c, CYC_HANDLER, handler_io);
		skip_instruction(s);
		break;
	case SVM_EXIT_VMMCALL:
		/* kvm_emulate_hypercall: unknown hypercall -> -KVM_ENOSYS. */
		gpr_write(s, 0, (uint64_t)-KVM_ENOSYS);
		skip_instruction(s);
		break;
	case SVM_EXIT_ICEBP: {
		/* ec9a16c6aeba (2026): the INT1 intercept is an instruction
		 * intercept with nRIP, so KVM moves RIP past the INT1 and hands
		 * the guest its #DB (INT1 sets no DR6 status bit, so no payload)
		 * [inference from the subject and Xen's identical fix: the
		 * commit's handler was not read]. */
		uint64_t nrip = vmcb_read(v, NRIP);
		vmcb_write(v, INTERRUPT_SHADOW, 0);
		reg_write(s, VCPU_REGS_RIP, nrip);
		svm_queue_exception(s, 1, false, 0);
		break;
	}
	case SVM_EXIT_HLT:
		/* kvm_emulate_halt: the vCPU blocks; hvsim ends the run here. */
		skip_instruction_as(s, true);
		s->stopped = true;
		break;
	case SVM_EXIT_INTR:
		/* intr_interception: the host takes the interrupt after STGI. */
		break;
	case SVM_EXIT_MSR:
		msr_interception(s);
		break;
	default:
		break;
	}
}

/* Step 5, host work: the host's activity due after this exit (sim/run.c's
 * after_exit: host events; host code snippets ask for a pause). */
static void svm_host_work(struct svm *s)
{
	s->exit_no++;
	if (s->cfg.host.after_exit)
		s->cfg.host.after_exit(s->cfg.host.ctx, s->exit_no);
}

static void svm_enter(void *p);

/* Step 6, re-enter: unless the run is over (HLT, emulation failure) or the
 * host asked for a pause, in which case sim/run.c enters after the host's
 * code ran. */
static void svm_reenter(struct svm *s)
{
	if (s->stopped) {
		if (vmcb_hw_get(&s->vmcb, EXITCODE) == SVM_EXIT_HLT) {
			/* KVM skipped the HLT before returning KVM_EXIT_HLT: the
			 * vCPU's RIP is past it (measured on both references,
			 * docs/kvm-reference.md). */
			engine_set_rip(s->eng, s->rc.val[VCPU_REGS_RIP]);
			engine_request_stop(s->eng, STOP_HALT, "guest executed HLT (HLT intercept)");
		}
		return;
	}
	if (engine_pause_requested(s->eng)) {
		s->entry_pending = true;
		return;
	}
	svm_enter(s);
}

/* Steps 3-6 of the vCPU loop, in order, synchronously inside the engine
 * hook that caught the exit (the engine ops below). */
static void svm_vcpu_exit(struct svm *s, uint64_t code, uint64_t info1, uint64_t info2, uint64_t nrip)
{
	svm_exit(s, code, info1, info2, nrip);             /* 3. exit */
	svm_after_run(s);                                  /* 4. handle: KVM after the run, */
	svm_handle_exit(s);                                /*    then the exit dispatch */
	svm_host_work(s);                                  /* 5. host work */
	svm_reenter(s);                                    /* 6. re-enter */
}

static bool svm_run_once(struct svm *s);

/* A fastpath exit (svm_exit_handlers_fastpath; debugreg/switch.c), as
 * vmx_fastpath_exit (vmx/kvm.c): REENTER_GUEST goes straight back to VMRUN
 * without the DR block, anything else runs the block and the slow
 * re-entry.  The only one hvsim's vCPU takes on SVM is the WRMSR to
 * IA32_TSC_DEADLINE, since 0a94b2042419 (6.18); "if (!nrips ||
 * !control->next_rip)" never bails out (nRIP is saved, APM 15.7.1). */
static void svm_fastpath_wrmsr(struct svm *s, uint64_t nrip)
{
	svm_exit(s, SVM_EXIT_MSR, 1, 0, nrip);             /* 3. exit */
	svm_run_done(s);
	/* handle_fastpath_wrmsr: EDX:EAX from the GPR array, nothing to arm
	 * without an in-kernel LAPIC, kvm_skip_emulated_instruction() with
	 * nRIP; an exit to user space it asks for leaves the loop
	 * (f7f39c50edb9, before 6.18 in every era that reaches here). */
	CPU_CHARGE(s->cpu, CYC_HANDLER, handler_io);
	bool to_user = skip_rip(s) && s->dbg.pol.fastpath_user_exit;
	if (!to_user && !s->exc_pending) {
		dbg_fastpath_reentry(&s->dbg);
		svm_run_once(s);
		return;
	}
	dbg_post_exit(&s->dbg);                            /* 4. the DR block */
	if (to_user)
		svm_exit_debug(s, 1, DR6_BS, vmcb_hw_get(&s->vmcb, DR7));
	svm_host_work(s);                                  /* 5. host work */
	svm_reenter(s);                                    /* 6. re-enter */
}

/* The budget-end exit: SVM has no preemption timer; KVM's hrtimer
 * interrupt is a physical INTR intercept (exit code 0x60, APM Appendix C).
 * hvsim stops there without the next VMRUN. */
static void svm_budget(void *p)
{
	struct svm *s = p;
	svm_exit(s, SVM_EXIT_INTR, 0, 0, 0);               /* step 3 only */
	dbg_post_exit(&s->dbg);
}

/* ---- engine ops: what causes a #VMEXIT -------------------------------------------- */

static bool svm_on_insn(void *p, const struct insn_info *ii)
{
	struct svm *s = p;
	struct vmcb *v = &s->vmcb;
	uint64_t next = ii->rip + ii->len;
	switch ((enum insn_class)ii->cls) {
	case IC_MOV_DR: {
		/* "Read/Write of Debug Registers, DRn ... All normal exception
		 * checks take precedence over the SVM intercepts" (APM Table 15-7;
		 * KVM x86_intercept_map: dr_read/dr_write are POST_EX; arch-facts
		 * A.5).  So first the instruction's own checks against the
		 * hardware: #UD (DR4/5 with CR4.DE, DR8-15), #DB general detect
		 * (DR7.GD), #GP (CPL > 0, DR6/DR7 bits 63:32).  If one fires, the
		 * engine executes the MOV natively and raises it; only a clean
		 * access reaches the intercept check.  (On VMX the exit comes
		 * first, vmx/kvm.c.) */
		bool de = (engine_cr4(s->eng) & CR4_DE) != 0;
		uint64_t val = ii->dr_write ? engine_gpr(s->eng, ii->gpr) : 0;
		if (dr_mov_check_cpu(&s->cpu->feat, ii->dr, ii->dr_write, val, de, s->cpu->dr[7], engine_cpl(s->eng)) != DR_OK)
			return false;
		uint32_t bit = ii->dr_write ? SVM_DR_INTERCEPT_WRITE(ii->dr) : SVM_DR_INTERCEPT_READ(ii->dr);
		if (!(vmcb_hw_get(v, INTERCEPT_DR) & bit))
			return false;
		/* Exit code 0x20 + n / 0x30 + n with n as encoded (DR4 is 0x24,
		 * not 0x26; APM Appendix C).  EXITINFO1 = GPR only with decode
		 * assists (APM 15.8.1; Bochs passes 0 without them). */
		svm_vcpu_exit(s, svm_dr_exit_code(ii->dr, ii->dr_write),
			      svm_dr_exitinfo1_encode(s->cfg.decode_assists, ii->gpr), 0, next);
		return true;
	}
	case IC_MOV_CR: {
		/* CR intercepts, checked after the instruction's #GP (CPL, done by
		 * the engine) like every intercept (Table 15-7).  EXITINFO1: bit 63
		 * and the GPR with decode assists (15.8.1). */
		uint32_t bit = ii->dr_write ? SVM_CR_INTERCEPT_WRITE(ii->dr) : SVM_CR_INTERCEPT_READ(ii->dr);
		if (!(vmcb_hw_get(v, INTERCEPT_CR) & bit))
			return false;
		svm_vcpu_exit(s, svm_cr_exit_code(ii->dr, ii->dr_write),
			      svm_cr_exitinfo1_encode(s->cfg.decode_assists, ii->gpr), 0, next);
		return true;
	}
	case IC_CPUID:
		/* "CPUID: No exceptions to check" (Table 15-7). */
		if (!(vmcb_hw_get(v, INTERCEPT_MISC1) & SVM_INTERCEPT_CPUID))
			return false;
		svm_vcpu_exit(s, SVM_EXIT_CPUID, 0, 0, next);
		return true;
	case IC_HLT:
		if (!(vmcb_hw_get(v, INTERCEPT_MISC1) & SVM_INTERCEPT_HLT))
			return false;
		svm_vcpu_exit(s, SVM_EXIT_HLT, 0, 0, next);
		return true;
	case IC_IO: {
		/* IOIO_PROT with KVM's all-ones I/O permission map: every port.
		 * EXITINFO1 per APM Figure 15-2: TYPE (bit 0, 1 = IN), SZ8/16/32
		 * (bits 4-6), port (31:16).  The address-size bits A16/A32/A64
		 * (7-9) matter only for INS/OUTS, which hvsim does not run
		 * (IC_BAD), and KVM's io_interception does not read them: left 0.
		 * "The rIP of the instruction following the IN/OUT is saved in
		 * EXITINFO2" (15.10.2). */
		if (!(vmcb_hw_get(v, INTERCEPT_MISC1) & SVM_INTERCEPT_IOIO_PROT))
			return false;
		uint16_t port = ii->io_dx ? (uint16_t)engine_gpr(s->eng, 2) : ii->io_port;
		svm_vcpu_exit(s, SVM_EXIT_IOIO, svm_ioio_exitinfo1_encode(ii->io_size, ii->io_in, port), next, next);
		return true;
	}
	case IC_RDMSR:
	case IC_WRMSR:
		/* MSR_PROT with KVM's MSR permission map: IA32_DEBUGCTL is
		 * intercepted both ways unless LBR virtualization passes it
		 * through (off in hvsim; real kvm_amd took exit 0x7C for the
		 * read, issue 12).  STAR, LSTAR, CSTAR and SFMASK are pass-through
		 * in kvm_amd's map (direct_access_msrs, ".always = true"): no
		 * intercept, the VMCB's copies are the guest's (VMRUN and #VMEXIT
		 * switch them, APM Table B-2); EFER is intercepted.
		 * "RDMSR/WRMSR: checks ... #GP (CPL, reserved MSR) before the
		 * intercept" (Table 15-7): at CPL 0 nothing is raised first.
		 * EXITINFO1 = 1 for WRMSR; nRIP saved for MSR intercepts
		 * (15.7.1). */
		{
			uint32_t m = (uint32_t)engine_gpr(s->eng, 1);
			if (m == MSR_IA32_STAR || m == MSR_IA32_LSTAR || m == MSR_IA32_CSTAR || m == MSR_IA32_FMASK)
				return false;
		}
		if (!(vmcb_hw_get(v, INTERCEPT_MISC1) & SVM_INTERCEPT_MSR_PROT))
			return false;
		if (ii->cls == IC_WRMSR && dbg_fastpath_wrmsr(&s->dbg.pol, true, (uint32_t)engine_gpr(s->eng, 1))) {
			svm_fastpath_wrmsr(s, next);
			return true;
		}
		svm_vcpu_exit(s, SVM_EXIT_MSR, ii->cls == IC_WRMSR, 0, next);
		return true;
	case IC_VMMCALL:
		/* "The intercept takes priority over exceptions.  VMMCALL causes
		 * #UD in the guest if it is not intercepted" (Table 15-7, 15.18). */
		if (!(vmcb_hw_get(v, INTERCEPT_MISC2) & SVM_INTERCEPT_VMMCALL))
			return false;
		svm_vcpu_exit(s, SVM_EXIT_VMMCALL, 0, 0, next);
		return true;
	case IC_VMCALL:
		/* VMCALL is Intel's: #UD on an AMD processor, raised natively (KVM
		 * would intercept #UD and patch the call; not modelled). */
		return false;
	case IC_ICEBP:
		/* "ICEBP: No exceptions to check" - an instruction intercept
		 * (INTERCEPT_ICEBP, exit code 0x88), checked before the INT1 raises
		 * its #DB; without it the #DB is never intercepted (15.12.2). */
		if (!(vmcb_hw_get(v, INTERCEPT_MISC2) & SVM_INTERCEPT_ICEBP))
			return false;
		svm_vcpu_exit(s, SVM_EXIT_ICEBP, 0, 0, next);
		return true;
	default:
		return false;
	}
}

static bool svm_on_exception(void *p, int vector, uint64_t payload, bool fault, const struct insn_info *ii)
{
	struct svm *s = p;
	struct cpu *c = s->cpu;
	(void)fault;
	/* "A vector 1 exception generated by the single byte INT1 instruction
	 * (also known as ICEBP) does not trigger the #DB intercept" (15.12.2). */
	if (vector == 1 && ii && ii->cls == IC_ICEBP)
		return false;
	if (!(vmcb_hw_get(&s->vmcb, INTERCEPT_EXCEPTIONS) & (1u << vector)))
		return false;
	if (vector == 1) {
		/* Unlike VMX (SDM 27.1), "the value saved for DR6 and DR7 matches
		 * what would be visible to a #DB exception handler (i.e., both #DB
		 * faults and traps are permitted to write DR6 and DR7 before the
		 * intercept)" (APM 15.12.2): the DR6 update of a delivered #DB and
		 * the GD clear of a general-detect fault (arch-facts A.1, A.2). */
		cpu_dr_write(c, 6, dr6_after_db(c->dr[6], payload, &c->feat), DRW_PROCESSOR, "#DB");
		if (payload & DR6_BD)
			cpu_dr_write(c, 7, c->dr[7] & ~DR7_GD, DRW_PROCESSOR, "#DB(GD)");
	}
	/* EXITINFO1 would hold the error code of #NP/#SS/#GP/#AC... (15.12);
	 * only #DB (and #BP) are intercepted here, which have none.  nRIP is 0
	 * for exception intercepts other than INT3/INTO/BOUND (15.7.1); hvsim
	 * does not intercept #BP. */
	svm_vcpu_exit(s, SVM_EXIT_EXCP_BASE + (uint64_t)vector, 0, 0, 0);
	return true;
}

static void svm_boundary(void *p)
{
	struct svm *s = p;
	if (!s->cfg.timer_period || engine_instructions(s->eng) < s->next_timer)
		return;
	/* The physical interrupt is not recognized in the guest's interrupt
	 * shadow (after STI or MOV SS: APM Vol.2 15.21.5 "Interrupt Shadows");
	 * it comes at the next boundary. */
	if (engine_blocking(s->eng))
		return;
	s->next_timer = engine_instructions(s->eng) + s->cfg.timer_period;
	engine_boundary_at(s->eng, s->next_timer);
	if (!(vmcb_hw_get(&s->vmcb, INTERCEPT_MISC1) & SVM_INTERCEPT_INTR))
		return;
	svm_vcpu_exit(s, SVM_EXIT_INTR, 0, 0, 0);
}

/* ---- entry ---------------------------------------------------------------------------- */

static void svm_enter(void *p)
{
	struct svm *s = p;
	struct vmcb *v = &s->vmcb;
	s->entry_pending = false;
	/* inject_pending_event() (early in vcpu_enter_guest, before the DR
	 * loads): a queued #DB delivers its payload into DR6 (and clears GD),
	 * then svm_inject_exception writes EVENTINJ and its error code. */
	if (s->exc_pending) {
		s->exc_pending = false;
		if (s->exc_vector == 1 && s->exc_has_payload)
			dbg_deliver_db_payload(&s->dbg, s->exc_payload);
		bool err = s->exc_vector == 13 || s->exc_vector == 14 || s->exc_vector == 17 ||
			   (s->exc_vector >= 10 && s->exc_vector <= 12) || s->exc_vector == 8;
		vmcb_write(v, EVENTINJ, SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
			   (err ? SVM_EVTINJ_VALID_ERR : 0) | (uint32_t)s->exc_vector);
		vmcb_write(v, EVENTINJ_ERR, 0);
	}
	/* vcpu_enter_guest before the run: DR loads per policy (DR6 through
	 * load_guest_dr6 / idle_guest_dr6 into the VMCB). */
	dbg_pre_entry(&s->dbg);
	svm_run_once(s);
}

/* svm_vcpu_run up to VMRUN: what every pass of vcpu_enter_guest's run loop
 * does, the fastpath re-entry included.  False if VMRUN failed. */
static bool svm_run_once(struct svm *s)
{
	struct cpu *c = s->cpu;
	struct vmcb *v = &s->vmcb;
	/* svm_vcpu_run: RAX, RSP, RIP to the VMCB on every run; a new CR3
	 * (KVM_REQ_LOAD_MMU_PGD -> svm_load_mmu_pgd) with VMCB_CR dirty. */
	vmcb_write(v, RAX, s->rax);
	vmcb_write(v, RSP, s->rc.val[VCPU_REGS_RSP]);
	vmcb_write(v, RIP, s->rc.val[VCPU_REGS_RIP]);
	if (s->load_pgd) {
		vmcb_write(v, CR3, s->rc.val[VCPU_EXREG_CR3]);
		vmcb_mark_dirty(v, VMCB_CLEAN_CR);
		s->load_pgd = false;
	}
	/* 433265870ab3 "Manually context switch DEBUGCTL if LBR virtualization
	 * is disabled" (6.14-rc6, knob debugctl_msr = btf_suppressed): without
	 * LBRV VMRUN keeps the host's DEBUGCTL, so KVM writes the guest's before
	 * VMRUN when they differ (and the host's back after #VMEXIT, a no-op for
	 * hvsim's host, whose DEBUGCTL is 0).  Before it the guest ran with the
	 * host's DEBUGCTL unless it had turned LBR virtualization on. */
	if (s->dbg.pol.debugctl_msr == DCTL_BTF_SUPPRESSED && !(vmcb_hw_get(v, LBR_VIRTUALIZATION_ENABLE) & 1) &&
	    vmcb_hw_get(v, DBGCTL) != c->debugctl)
		c->debugctl = vmcb_hw_get(v, DBGCTL);
	if (!svm_hw_vmrun(s)) {
		/* #VMEXIT(VMEXIT_INVALID): svm_handle_exit reports
		 * KVM_EXIT_FAIL_ENTRY to userspace, which stops the VM. */
		cpu_entry_failed(c, SVM_EXIT_SLOT_INVALID, engine_rip(s->eng), SVM_EXITCODE_INVALID,
				 svm_exit_names[SVM_EXIT_SLOT_INVALID]);
		engine_request_stop(s->eng, STOP_ENTRY_FAIL,
				    "VMRUN failed: #VMEXIT(VMEXIT_INVALID), DR6 or DR7 bits 63:32 set (APM 15.5.1)");
		s->stopped = true;
		return false;
	}
	cpu_exit_end(c, engine_rip(s->eng));   /* the time of the exit this entry ends */
	return true;
}

/* ---- life cycle ----------------------------------------------------------------------- */

static void *svm_create(struct cpu *cpu, struct engine *eng, const struct hv_config *cfg)
{
	struct svm *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cpu = cpu;
	s->eng = eng;
	s->cfg = *cfg;
	s->vmcb.cpu = cpu;
	struct vmcb *v = &s->vmcb;
	/* KVM's VMCB set-up (init_vmcb): INTR, CPUID, HLT and IOIO_PROT (with
	 * an all-ones I/O permission map), VMRUN (required: "The VMRUN
	 * intercept bit is clear" is illegal state, APM 15.5.1) and VMMCALL;
	 * #DB intercepted per era ("KVM: svm: unconditionally intercept #DB",
	 * CVE-2015-8104, 4.4, kvm-debugreg-logic §7; knob db_intercept), INT1
	 * since ec9a16c6aeba (2026; knob svm_icebp_intercept).  KVM also intercepts
	 * #UD, #AC and #MC, which hvsim leaves out as vmx/kvm.c does.  LBR
	 * virtualization off, so DBGCTL is not switched.  The VMCB starts
	 * zeroed, clean bits 0 ("This is the first time a particular guest is
	 * run", APM 15.15.2). */
	vmcb_hw_set(v, INTERCEPT_MISC1, SVM_INTERCEPT_INTR | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_HLT |
					SVM_INTERCEPT_IOIO_PROT | SVM_INTERCEPT_MSR_PROT);
	vmcb_hw_set(v, INTERCEPT_MISC2, SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
					(cfg->policy->svm_icebp_intercept ? SVM_INTERCEPT_ICEBP : 0));
	/* init_vmcb: CR0/CR3/CR4 read and write (+ CR8 write) intercepts and
	 * the PF, UD, MC, AC exception intercepts; with NPT (kvm_amd's default)
	 * the CR3 intercepts and #PF are cleared there, and svm_set_cr0 clears
	 * the CR0 read/write intercepts when the guest's CR0 is what the
	 * hardware runs with (selective CR0 write, exit 0x65, not modelled);
	 * CR8 is not modelled.  So: CR4 both ways, #UD (and #DB, above). */
	vmcb_hw_set(v, INTERCEPT_CR, SVM_CR_INTERCEPT_READ(4) | SVM_CR_INTERCEPT_WRITE(4));
	vmcb_hw_set(v, INTERCEPT_EXCEPTIONS, (dbg_db_intercepted(cfg->policy, 0, true) ? 1u << 1 : 0) | 1u << 6);
	vmcb_hw_set(v, DR6, DR6_ACTIVE_LOW);
	vmcb_hw_set(v, DR7, DR7_FIXED_1);
	vmcb_hw_set(v, RIP, engine_rip(eng));
	vmcb_hw_set(v, RSP, engine_rsp(eng));
	vmcb_hw_set(v, RAX, engine_gpr(eng, 0));
	vmcb_hw_set(v, RFLAGS, engine_rflags(eng));
	vmcb_hw_set(v, CR4, engine_cr4(eng));
	vmcb_hw_set(v, CPL, (uint64_t)engine_cpl(eng));
	dbg_init(&s->dbg, cpu, cfg->policy, &svm_dbg_ops, s);
	/* vCPU creation: regs_avail = regs_dirty = ~0, then the first run
	 * stores them; start from the post-run state. */
	s->rc.avail = ~SVM_REGS_LAZY_LOAD_SET & ((1u << NR_KVM_REGS) - 1);
	s->rc.dirty = 0;
	s->rc.val[VCPU_REGS_RIP] = engine_rip(eng);
	s->rc.val[VCPU_REGS_RSP] = engine_rsp(eng);
	s->rc.val[VCPU_EXREG_RFLAGS] = engine_rflags(eng);
	s->rc.val[VCPU_EXREG_CR4] = engine_cr4(eng);
	s->rax = engine_gpr(eng, 0);
	s->next_timer = cfg->timer_period;
	struct engine_ops ops = { .insn = svm_on_insn, .exception = svm_on_exception, .budget = svm_budget,
				  .exit_regs = SVM_EXIT_REGS,
				  /* no timer: no per-block callback at all */
				  .boundary = cfg->timer_period ? svm_boundary : NULL, .ctx = s };
	engine_set_ops(eng, &ops);
	engine_boundary_at(eng, s->next_timer);    /* the timer callback only when it is due */
	return s;
}

static void svm_destroy(void *p) { free(p); }
static bool svm_entry_pending(void *p) { return ((struct svm *)p)->entry_pending; }
static struct dbg *svm_dbg(void *p) { return &((struct svm *)p)->dbg; }

static void svm_set_guest_debug(void *p, unsigned control, const uint64_t debugreg[8])
{
	kvm_set_guest_debug(&((struct svm *)p)->dbg, control, debugreg);
}

static void svm_set_cr3(void *p, uint64_t cr3)
{
	/* KVM_SET_SREGS: kvm_set_cr3 caches CR3 and requests
	 * KVM_REQ_LOAD_MMU_PGD.  On SVM CR3 stays available, so the cache can
	 * be 1/1 (Lai's v1) but never 0/1 (seed 001). */
	struct svm *s = p;
	reg_write(s, VCPU_EXREG_CR3, cr3);
	s->load_pgd = true;
}

/* svm_vcpu_load and pre_svm_run: on a CPU other than the VMCB's last one
 * KVM marks the whole VMCB dirty ("if (unlikely(svm->current_vmcb->cpu !=
 * vcpu->cpu)) { ... vmcb_mark_all_dirty(svm->vmcb); ... }"); the new
 * processor has no cached state for this VMCB anyway ("treats the VMCB
 * Clean field as zero ... if no cached VMCB address matches", APM 15.15.1),
 * and a processor that ran another VMCB since has replaced its cache.  Then
 * KVM's debug-register part (debugreg/vcpu_load.c). */
static void svm_vcpu_load(void *p, struct pcpu *pc)
{
	struct svm *s = p;
	bool moved = s->cpu != pc->cpu;
	s->cpu = pc->cpu;
	s->vmcb.cpu = pc->cpu;
	engine_set_cpu(s->eng, pc->cpu);
	if (pc->cpu->svm_cached_vmcb && pc->cpu->svm_cached_vmcb != &s->vmcb)
		s->dr_cache.valid = false;
	if (moved) {
		s->dr_cache.valid = false;
		vmcb_write(&s->vmcb, VMCB_CLEAN, 0);
	}
	pc->cpu->svm_cached_vmcb = &s->vmcb;
	kvm_arch_vcpu_load(&s->dbg, pc);
}

static void svm_vcpu_put(void *p)
{
	struct svm *s = p;
	kvm_arch_vcpu_put(&s->dbg);
}

const struct hv_vendor svm_vendor = {
	.name = "svm",
	.exit_names = svm_exit_names,
	.nexit_names = EXIT_SLOTS,
	.create = svm_create,
	.destroy = svm_destroy,
	.enter = svm_enter,
	.entry_pending = svm_entry_pending,
	.dbg = svm_dbg,
	.set_cr3 = svm_set_cr3,
	.set_guest_debug = svm_set_guest_debug,
	.load = svm_vcpu_load,
	.put = svm_vcpu_put,
	.tick_slot = SVM_EXIT_INTR & 0x7F,        /* svm_exit_slot(SVM_EXIT_INTR) */
};
