/* kvm.c - the VMX half of the hypervisor: KVM's vmx.c logic for debug
 * registers (handle_dr, handle_exception_nmi for #DB, vmx_sync_dirty_debug_regs,
 * vmx_set_dr7, the register cache of vmx_vcpu_run), the exit dispatch
 * (vmx_handle_exit: one switch on the exit reason) and steps 3-6 of the
 * vCPU loop (vmx_vcpu_exit; the loop is described in sim/run.c), in our own
 * words.  Everything the debug core needs from VMX goes through struct
 * dbg_vendor_ops below.  Mirrors svm/kvm.c. */
#include "vmx/exit_qual.h"
#include "vmx/vmx.h"
#include <stdlib.h>
#include <string.h>

/* VMX_REGS_LAZY_LOAD_SET: "updated in the cache on demand" (seed 001). */
#define VMX_REGS_LAZY_LOAD_SET                                                              \
	((1u << VCPU_REGS_RIP) | (1u << VCPU_REGS_RSP) | (1u << VCPU_EXREG_RFLAGS) |        \
	 (1u << VCPU_EXREG_PDPTR) | (1u << VCPU_EXREG_SEGMENTS) | (1u << VCPU_EXREG_CR0) |   \
	 (1u << VCPU_EXREG_CR3) | (1u << VCPU_EXREG_CR4) | (1u << VCPU_EXREG_EXIT_INFO_1) | \
	 (1u << VCPU_EXREG_EXIT_INFO_2))
/* Lai Jiangshan's VMX_REGS_DIRTY_SET (seed 001, patch 12): CR3 left out. */
#define VMX_REGS_DIRTY_SET ((1u << VCPU_REGS_RIP) | (1u << VCPU_REGS_RSP))

static const char *const vmx_exit_names[EXIT_SLOTS] = {
#define EXIT_REASON(name, nr) [nr] = #name,
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
};

/* ---- register cache ------------------------------------------------------------- */

static const enum vmcs_field reg_field[NR_KVM_REGS] = {
	[VCPU_REGS_RIP] = GUEST_RIP, [VCPU_REGS_RSP] = GUEST_RSP, [VCPU_EXREG_RFLAGS] = GUEST_RFLAGS,
	[VCPU_EXREG_PDPTR] = GUEST_PDPTR0, [VCPU_EXREG_SEGMENTS] = GUEST_SS_AR_BYTES,
	[VCPU_EXREG_CR0] = GUEST_CR0, [VCPU_EXREG_CR3] = GUEST_CR3, [VCPU_EXREG_CR4] = GUEST_CR4,
	[VCPU_EXREG_EXIT_INFO_1] = EXIT_QUALIFICATION, [VCPU_EXREG_EXIT_INFO_2] = VM_EXIT_INTR_INFO,
};

/* kvm_register_read(): VMREAD on demand when not available. */
static uint64_t reg_read(struct vmx *x, enum kvm_reg r)
{
	if (!(x->rc.avail & (1u << r))) {
		x->rc.val[r] = vmcs_read(&x->vmcs, reg_field[r]);
		x->rc.avail |= 1u << r;
	}
	return x->rc.val[r];
}

/* kvm_register_write(): cached, marked dirty, stored back before entry. */
static void reg_write(struct vmx *x, enum kvm_reg r, uint64_t val)
{
	x->rc.val[r] = val;
	x->rc.avail |= 1u << r;
	x->rc.dirty |= 1u << r;
}

/* ---- vendor ops for debugreg/ --------------------------------------------------- */

static void vmx_set_dr7(void *p, uint64_t val)
{
	struct vmx *x = p;
	vmcs_write(&x->vmcs, GUEST_DR7, val);
}

static void vmx_set_dr_intercept(void *p, bool on)
{
	struct vmx *x = p;
	/* exec_controls_setbit/clearbit(CPU_BASED_MOV_DR_EXITING): KVM keeps a
	 * shadow of the controls, so only the VMWRITE is counted. */
	uint64_t ctl = vmcs_hw_get(&x->vmcs, CPU_BASED_VM_EXEC_CONTROL);
	ctl = on ? (ctl | CPU_BASED_MOV_DR_EXITING) : (ctl & ~(uint64_t)CPU_BASED_MOV_DR_EXITING);
	vmcs_write(&x->vmcs, CPU_BASED_VM_EXEC_CONTROL, ctl);
}

static void vmx_sync_dirty_debug_regs(void *p, bool rearm)
{
	struct vmx *x = p;
	struct dbg *d = &x->dbg;
	/* vmx_sync_dirty_debug_regs: DR0-3 and DR6 from hardware, DR7 from the
	 * VMCS; re-enable MOV-DR exiting; then reset DR6 for the host ("exc_debug
	 * expects dr6 to be cleared", 1ccb6f983a06). */
	for (int i = 0; i < 4; i++)
		d->db[i] = cpu_hv_read_dr(x->cpu, i, "sync_dirty_debug_regs");
	d->dr6 = cpu_hv_read_dr(x->cpu, 6, "sync_dirty_debug_regs");
	d->dr7 = vmcs_read(&x->vmcs, GUEST_DR7);
	cpu_event(x->cpu, EV_DR_SAVE, 0xCF, 0, 0, "sync_dirty_debug_regs");
	if (rearm) {
		vmx_set_dr_intercept(x, true);
		cpu_event(x->cpu, EV_INTERCEPT, 1, 0, 0, "sync: re-arm");
	}
	if (d->pol.vmx_dr6_reset_after_sync)
		cpu_hv_write_dr(x->cpu, 6, DR6_ACTIVE_LOW, "sync: reset host DR6");
}

static void vmx_load_guest_dr6(void *p, uint64_t dr6)
{
	struct vmx *x = p;
	/* VMX has no DR6 field: the guest's DR6 goes into hardware. */
	cpu_hv_write_dr(x->cpu, 6, dr6, "entry: guest DR6");
}

static void vmx_queue_exception(void *p, int vector, bool has_payload, uint64_t payload)
{
	struct vmx *x = p;
	x->exc_pending = true;
	x->exc_vector = vector;
	x->exc_has_payload = has_payload;
	x->exc_payload = payload;
	if (vector == 1) x->cpu->st.injected_db++;
	else if (vector == 13) x->cpu->st.injected_gp++;
	else if (vector == 6) x->cpu->st.injected_ud++;
	cpu_event(x->cpu, EV_INJECT, (uint64_t)vector, payload, 0, NULL);
}

static void vmx_set_load_debug_controls(void *p, bool on)
{
	struct vmx *x = p;
	uint64_t ctl = vmcs_hw_get(&x->vmcs, VM_ENTRY_CONTROLS);
	ctl = on ? (ctl | VM_ENTRY_LOAD_DEBUG_CONTROLS) : (ctl & ~(uint64_t)VM_ENTRY_LOAD_DEBUG_CONTROLS);
	vmcs_write(&x->vmcs, VM_ENTRY_CONTROLS, ctl);
}

static uint64_t vmx_guest_debugctl(void *p)
{
	struct vmx *x = p;
	return vmcs_hw_get(&x->vmcs, GUEST_IA32_DEBUGCTL);   /* KVM keeps a software copy */
}

/* update_exception_bitmap(): the whole bitmap, computed from scratch every
 * time (vCPU set-up and every KVM_SET_GUEST_DEBUG).  It starts from the
 * exceptions KVM always wants, "eb = (1u << PF_VECTOR) | (1u << UD_VECTOR)
 * | ..." (#UD in every era from 2.6.29 to today; #PF dropped with EPT; #MC
 * and #AC are never raised here); #DB per era (knob db_intercept: in the
 * base set since Avi Kivity's e8a48342e9bc "Only reload debug register 6 if
 * we're running with the guest's debug registers", in 2.6.29 only "if
 * (vcpu->guest_debug & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP))");
 * #BP only when
 * "(guest_debug & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)) ==
 * (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)". */
static uint32_t vmx_exception_bitmap(const struct policy *pol, unsigned gd)
{
	uint32_t eb = 1u << 6;                                  /* UD_VECTOR */
	if (dbg_db_intercepted(pol, gd, false))
		eb |= 1u << 1;                                  /* DB_VECTOR */
	if ((gd & (GUESTDBG_ENABLE | GUESTDBG_USE_SW_BP)) == (GUESTDBG_ENABLE | GUESTDBG_USE_SW_BP))
		eb |= 1u << 3;                                  /* BP_VECTOR */
	return eb;
}

/* KVM_SET_GUEST_DEBUG's VMX half: update_exception_bitmap() (above), and
 * kvm_set_rflags() -> vmx_set_rflags(): SINGLESTEP forces TF into
 * GUEST_RFLAGS (KVM hides it again in kvm_get_rflags, not from the guest's
 * PUSHF). */
static void vmx_update_guest_debug(void *p)
{
	struct vmx *x = p;
	unsigned gd = x->dbg.guest_debug;
	uint32_t eb = vmx_exception_bitmap(&x->dbg.pol, gd);
	vmcs_write(&x->vmcs, EXCEPTION_BITMAP, eb);        /* "vmcs_write32(EXCEPTION_BITMAP, eb)", always */
	uint64_t fl = reg_read(x, VCPU_EXREG_RFLAGS);
	uint64_t nfl = (gd & GUESTDBG_SINGLESTEP) ? fl | (1ull << 8) : fl;
	if (nfl != fl) {
		x->rc.val[VCPU_EXREG_RFLAGS] = nfl;
		vmcs_write(&x->vmcs, GUEST_RFLAGS, nfl);
	}
	engine_set_host_singlestep(x->eng, (gd & GUESTDBG_SINGLESTEP) != 0);
}

static const struct dbg_vendor_ops vmx_dbg_ops = {
	.name = "vmx",
	.set_dr7 = vmx_set_dr7,
	.set_dr_intercept = vmx_set_dr_intercept,
	.sync_dirty_debug_regs = vmx_sync_dirty_debug_regs,
	.load_guest_dr6 = vmx_load_guest_dr6,
	.idle_guest_dr6 = NULL,
	.queue_exception = vmx_queue_exception,
	.set_load_debug_controls = vmx_set_load_debug_controls,
	.guest_debugctl = vmx_guest_debugctl,
	.update_guest_debug = vmx_update_guest_debug,
	.vmcb_dr6 = false,
	.guest_dr6_field = NULL,
};

/* ---- exit handling ---------------------------------------------------------------- */

/* KVM_EXIT_DEBUG (handle_exception_nmi, handle_dr, kvm_vcpu_do_singlestep):
 * user space looks at it (debugreg/guest_debug.c) and resumes, possibly
 * with RFLAGS.RF set through KVM_SET_REGS (vmx_set_rflags), or passes the
 * event back to the guest. */
static void vmx_exit_debug(struct vmx *x, int vec, uint64_t payload, uint64_t dr7)
{
	switch (kvm_exit_debug(&x->dbg, vec, payload, dr7)) {
	case USER_DEBUG_CONSUMED_RF:
		/* User space resumes with RFLAGS.RF (sim/ref/devkvm_run.c does it
		 * on the real KVM).  hvsim's engine already resumes a faulting
		 * instruction after a #DB exit without a second breakpoint
		 * check, which is what RF = 1 gives (SDM 17.3.1.1), so the RF
		 * write is not replayed here. */
	case USER_DEBUG_CONSUMED:
		if (vec == 1)   /* debug.arch.pc: kvm_get_linear_rip() */
			engine_note_db_debugger(x->eng, reg_read(x, VCPU_REGS_RIP), payload | DR6_ACTIVE_LOW,
						"KVM_EXIT_DEBUG");
		break;
	case USER_DEBUG_REINJECT:
		if (vec == 1)
			dbg_handle_db_exit(&x->dbg, payload);
		else
			vmx_queue_exception(x, vec, false, 0);
		break;
	}
}

/* vmx_set_interrupt_shadow(vcpu, 0), which skip_emulated_instruction has
 * called since the interrupt-shadow support of 2.6.29 ("We emulated an
 * instruction, so temporary interrupt blocking should be removed"): a
 * VMREAD of GUEST_INTERRUPTIBILITY_INFO, and a VMWRITE clearing its STI and
 * MOV-SS bits when one is set (svm/kvm.c writes INTERRUPT_SHADOW the same
 * way). */
static void clear_interrupt_shadow(struct vmx *x)
{
	uint64_t intr = vmcs_read(&x->vmcs, GUEST_INTERRUPTIBILITY_INFO);
	if (intr & 3)
		vmcs_write(&x->vmcs, GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
}

/* kvm_skip_emulated_instruction(): advance RIP by the exit's instruction
 * length; a guest single-stepping over it gets its #DB from KVM
 * (kvm_vcpu_do_singlestep), because the CPU saved no pending BS; with
 * KVM_GUESTDBG_SINGLESTEP that #DB is a KVM_EXIT_DEBUG instead: true. */
static bool skip_rip(struct vmx *x)
{
	uint64_t rip = reg_read(x, VCPU_REGS_RIP);
	uint64_t len = vmcs_read(&x->vmcs, VM_EXIT_INSTRUCTION_LEN);
	reg_write(x, VCPU_REGS_RIP, rip + len);
	clear_interrupt_shadow(x);
	/* Before Linux 4.10 (emul_singlestep = false) KVM skipped without
	 * looking at TF: the guest lost the trap (Kyle Huey's cover letter,
	 * "The program will stop two instructions after CPUID"), and so did a
	 * host debugger single-stepping it. */
	if (x->dbg.pol.emul_singlestep && (reg_read(x, VCPU_EXREG_RFLAGS) & (1ull << 8))) {
		if (x->dbg.guest_debug & GUESTDBG_SINGLESTEP)
			return true;    /* "return 0": KVM_EXIT_DEBUG, delivered by the caller */
		vmx_queue_exception(x, 1, true, DR6_BS);
	}
	return false;
}

/* ... and deliver its KVM_EXIT_DEBUG, unless the exit reason is
 * overwritten: after HLT __kvm_emulate_halt writes KVM_EXIT_HLT over it
 * (debugreg/guest_debug.c). */
static void skip_instruction_as(struct vmx *x, bool halt)
{
	if (skip_rip(x) && !halt)
		vmx_exit_debug(x, 1, DR6_BS, vmcs_hw_get(&x->vmcs, GUEST_DR7));
}

static void skip_instruction(struct vmx *x)
{
	skip_instruction_as(x, false);
}

/* handle_dr (exit reason 29). */
static void handle_dr(struct vmx *x)
{
	/* Exit qualification for MOV DR (SDM Table 28-4, vmx/exit_qual.h). */
	struct vmx_dr_qual q = vmx_dr_qual_decode(reg_read(x, VCPU_EXREG_EXIT_INFO_1));
	int dr = q.dr;
	bool write = q.write;
	int gpr = q.gpr;
	/* kvm_require_dr(): CR4 is consulted only for DR4/DR5. */
	bool cr4_de = (dr == 4 || dr == 5) && (reg_read(x, VCPU_EXREG_CR4) & (1ull << 3)) != 0;
	reg_read(x, VCPU_EXREG_SEGMENTS);          /* vmx_get_cpl(): SS access rights */
	int cpl = engine_cpl(x->eng);
	/* "if (vmcs_readl(GUEST_DR7) & DR7_GD)": the exit beat the GD #DB.
	 * Whether the CPL > 0 #GP or this #DB wins is the era's order
	 * (movdr_fault_order, decided in dbg_handle_mov_dr). */
	bool gd = false;
	if (!((dr == 4 || dr == 5) && cr4_de))
		gd = (vmcs_read(&x->vmcs, GUEST_DR7) & DR7_GD) != 0;
	uint64_t val = 0;
	if (write)
		val = gpr == 4 ? reg_read(x, VCPU_REGS_RSP) : engine_gpr(x->eng, gpr);
	if (write)
		x->cpu->st.dr_exit_writes[dr & 7]++;
	else
		x->cpu->st.dr_exit_reads[dr & 7]++;
	switch (dbg_handle_mov_dr(&x->dbg, dr, write, &val, cr4_de, cpl, gd)) {
	case DR_EXIT_REENTER:
		break;
	case DR_EXIT_SKIP:
		if (!write) {
			if (gpr == 4)
				reg_write(x, VCPU_REGS_RSP, val);
			else
				engine_set_gpr(x->eng, gpr, val);
		}
		skip_instruction(x);
		break;
	case DR_EXIT_FAULTED:
		break;
	case DR_EXIT_TO_USER:
		/* "vcpu->run->debug.arch.dr6 = DR6_BD | DR6_ACTIVE_LOW; ...
		 * exit_reason = KVM_EXIT_DEBUG": RIP stays on the MOV. */
		vmx_exit_debug(x, 1, DR6_BD, vmcs_hw_get(&x->vmcs, GUEST_DR7));
		break;
	}
}

/* handle_cr (exit reason 28), MOV to CR0/CR4 only: kvm_set_cr0/kvm_set_cr4
 * -> vmx_set_cr0/vmx_set_cr4 write the read shadow and the guest field
 * (VMWRITEs); VM entry loads the new value.  hvsim's guest CPU checks no
 * reserved CR bits, so neither does this handler (kvm_set_cr4's #GP cases
 * are not modelled). */
static void handle_cr(struct vmx *x)
{
	struct vmx_cr_qual q = vmx_cr_qual_decode(reg_read(x, VCPU_EXREG_EXIT_INFO_1));
	cpu_charge(x->cpu, CYC_HANDLER, x->cpu->cost->handler_io);
	if (q.type != VMX_CR_MOV_TO || (q.cr != 0 && q.cr != 4))
		return;
	uint64_t val = q.gpr == 4 ? reg_read(x, VCPU_REGS_RSP) : engine_gpr(x->eng, q.gpr);
	vmcs_write(&x->vmcs, q.cr == 4 ? CR4_READ_SHADOW : CR0_READ_SHADOW, val);
	vmcs_write(&x->vmcs, q.cr == 4 ? GUEST_CR4 : GUEST_CR0, val);
	reg_write(x, q.cr == 4 ? VCPU_EXREG_CR4 : VCPU_EXREG_CR0, val);
	x->rc.dirty &= ~(1u << (q.cr == 4 ? VCPU_EXREG_CR4 : VCPU_EXREG_CR0));
	skip_instruction(x);
}

/* handle_rdmsr / handle_wrmsr (exit reasons 31/32, SDM Appendix C):
 * kvm_emulate_rdmsr/wrmsr -> vmx_get_msr/vmx_set_msr.  IA32_DEBUGCTL is not
 * in KVM's MSR-bitmap pass-through list, so both directions exit.  What KVM
 * does with the value is the era's (knob debugctl_msr):
 *   - common (b5e2fec0ebc3 "KVM: Ignore DEBUGCTL MSRs with no effect", 2008,
 *     until 5.11): kvm_set_msr_common accepts 0, treats LBR/BTF as a "nop"
 *     (vcpu_unimpl) and answers any other bit with #GP ("Values other than
 *     LBR and BTF are vendor-specific, thus reserved"); kvm_get_msr_common
 *     reads 0.  No VMCS access.
 *   - vmcs_field / btf_suppressed (d855066f8172, Like Xu, 5.12): vmx_set_msr
 *     keeps the value in GUEST_IA32_DEBUGCTL (VM entry loads it with "load
 *     debug controls", SDM 26.3.2.1); bits outside vmx_get_supported_debugctl()
 *     (LBR only with an LBR-capable vPMU, bus-lock detect only if exposed:
 *     neither in hvsim) are invalid; invalid BTF/LBR are dropped, any other
 *     invalid bit is #GP; vmx_get_msr reads the field.  The 2025 VMX series
 *     (17ec2f965344 RTM_DEBUG with RTM, the getter/setter wrappers, host
 *     FREEZE_IN_SMM) changes nothing a guest of hvsim's CPU can see: RTM_DEBUG
 *     is not modelled.
 * So on VMX a guest's BTF never reaches the hardware in any era.  The host's
 * DEBUGCTL (0 in hvsim, which the exit's clear leaves right) is put back
 * after the exit (KVM_RUN_LOAD_DEBUGCTL, 2025): nothing to do here.
 * The SYSCALL MSRs (EFER, STAR, LSTAR, CSTAR, FMASK) are not in the
 * pass-through list either: vmx_set_msr keeps STAR/LSTAR/CSTAR/FMASK as
 * user-return MSRs loaded before the guest runs (kvm_set_user_return_msr),
 * EFER through set_efer and the VM-entry "load IA32_EFER" control, a
 * non-canonical LSTAR/CSTAR is #GP (kvm_set_msr_common's is_noncanonical
 * checks): the guest's values are the engine's.  hvsim's guest has no other
 * MSR: reads 0, writes dropped. */
static void handle_msr(struct vmx *x, bool write)
{
	uint32_t msr = (uint32_t)engine_gpr(x->eng, 1);
	bool common = x->dbg.pol.debugctl_msr == DCTL_COMMON;
	CPU_CHARGE(x->cpu, CYC_HANDLER, handler_io);
	if (write) {
		uint64_t val = (engine_gpr(x->eng, 0) & 0xFFFFFFFFull) | engine_gpr(x->eng, 2) << 32;
		if (msr == MSR_IA32_DEBUGCTL) {
			val &= ~(DEBUGCTL_BTF | DEBUGCTL_LBR);
			if (val) {
				vmx_queue_exception(x, 13, false, 0);
				return;
			}
			if (!common)
				vmcs_write(&x->vmcs, GUEST_IA32_DEBUGCTL, val);
		} else if (engine_msr_write(x->eng, msr, val) == 13) {
			vmx_queue_exception(x, 13, false, 0);
			return;
		}
	} else {
		uint64_t val = msr == MSR_IA32_DEBUGCTL && !common ? vmcs_read(&x->vmcs, GUEST_IA32_DEBUGCTL) : 0;
		if (msr != MSR_IA32_DEBUGCTL)
			engine_msr_read(x->eng, msr, &val);
		engine_set_gpr(x->eng, 0, val & 0xFFFFFFFFull);
		engine_set_gpr(x->eng, 2, val >> 32);
	}
	skip_instruction(x);
}

/* handle_exception_nmi for #DB (and #BP reinjection). */
static void handle_exception(struct vmx *x)
{
	uint32_t info = (uint32_t)reg_read(x, VCPU_EXREG_EXIT_INFO_2);
	int vec = vmx_intr_info_vector(info);
	if (vec == 1) {
		uint64_t payload = reg_read(x, VCPU_EXREG_EXIT_INFO_1);
		/* "if (!(vcpu->guest_debug & (KVM_GUESTDBG_SINGLESTEP |
		 * KVM_GUESTDBG_USE_HW_BP)))" the #DB is the guest's; else
		 * KVM_EXIT_DEBUG with dr6 = qualification | DR6_ACTIVE_LOW and
		 * dr7 = GUEST_DR7. */
		if (dbg_db_to_user(&x->dbg)) {
			vmx_exit_debug(x, 1, payload, vmcs_read(&x->vmcs, GUEST_DR7));
			return;
		}
		/* ICEBP (privileged software exception): skip it, then reinject;
		 * "skipping ICEBP still clears STI and MOVSS blocking".  Which
		 * exits count as ICEBP is the era's (knob vmx_icebp_skip): the
		 * interruption type since 32d43cd391ba (4.16); before it an
		 * exit qualification without DR6 status bits ("if (!(dr6 &
		 * ~DR6_RESERVED))", DR6_RESERVED = 0xFFFF0FF0, the icebp test), so
		 * an INT1 whose exit carries a breakpoint MOV SS held is not
		 * skipped: the #DB goes in at the INT1, which runs again after
		 * the handler (CVE-2018-1087's wrong RIP); the 3.11 code skipped
		 * nothing. */
		enum vmx_icebp_skip how = x->dbg.pol.vmx_icebp_skip;
		if (how == ICEBP_BY_TYPE ? vmx_intr_info_type(info) == INTR_TYPE_PRIV_SW_EXCEPTION
		    : how == ICEBP_EMPTY_QUAL && !(payload & (DR6_B_MASK | DR6_BD | DR6_BS | DR6_BT))) {
			uint64_t rip = reg_read(x, VCPU_REGS_RIP);
			reg_write(x, VCPU_REGS_RIP, rip + vmcs_read(&x->vmcs, VM_EXIT_INSTRUCTION_LEN));
			clear_interrupt_shadow(x);
		}
		dbg_handle_db_exit(&x->dbg, payload);
	} else if (vec == 3 && (x->dbg.guest_debug & GUESTDBG_USE_SW_BP)) {
		/* "case BP_VECTOR: ... exit_reason = KVM_EXIT_DEBUG" */
		vmcs_read(&x->vmcs, VM_EXIT_INSTRUCTION_LEN);   /* event_exit_inst_len */
		vmx_exit_debug(x, 3, 0, 0);
	} else {
		/* #UD (handle_ud): kvm_emulate_instruction(EMULTYPE_TRAP_UD); the
		 * emulator fails the same checks the CPU did for every #UD hvsim
		 * raises (DR4/5 with CR4.DE, DR8-15, LOCK: em_dr_read/em_dr_write
		 * -> emulate_ud) and queues #UD again.  Anything else: reinject. */
		if (vec == 6)
			cpu_charge(x->cpu, CYC_HANDLER, x->cpu->cost->emulate_insn);
		vmx_queue_exception(x, vec, false, 0);
	}
}

/* ---- the vCPU loop, steps 3-6 (sim/run.c describes the whole loop) --------------- */

/* Step 3, exit: the processor's VM exit (vmx/hw.c), counted and traced
 * (kvm_exit) by the exit accounting both vendors share (cpu/cpu.h).
 * Inlined: it is on every exit's path (bench_hvsim (b)). */
static inline __attribute__((always_inline)) void vmx_exit(struct vmx *x, uint32_t reason, uint64_t qual, uint32_t intr_info, uint32_t insn_len)
{
	vmx_hw_exit(x, reason, qual, intr_info, insn_len);
	cpu_exit_begin(x->cpu, reason, vmcs_hw_get(&x->vmcs, GUEST_RIP), reason, qual, intr_info,
		       vmx_exit_names[reason]);
}

/* vmx_vcpu_run after the exit, on every pass of the run loop: lazily
 * loaded registers become unavailable (seed 001).  Lai's v1 also dropped
 * only the vendor dirty set, which can leave CR3 dirty and unavailable. */
static void vmx_run_done(struct vmx *x)
{
	x->rc.avail &= ~VMX_REGS_LAZY_LOAD_SET;
	if (x->dbg.pol.regcache == RC_PER_VENDOR_DIRTY_SET)
		x->rc.dirty &= ~VMX_REGS_DIRTY_SET;
	vmcs_read(&x->vmcs, VM_EXIT_REASON);       /* vmx_vcpu_run reads the exit reason */
}

/* Step 4, handle (first half): KVM right after the hardware run. */
static void vmx_after_run(struct vmx *x)
{
	vmx_run_done(x);
	/* vcpu_enter_guest after the run: DR sync and host restore. */
	dbg_post_exit(&x->dbg);
	int bad = regcache_invalid(&x->rc);
	if (bad >= 0)
		engine_violation(x->eng, engine_rip(x->eng), bad, "regcache_invalid",
				 "after exit %llu: %s has avail=0 dirty=1 (seed 001)",
				 (unsigned long long)x->exit_no, kvm_reg_name[bad]);
}

/* Step 4, handle (second half): the exit dispatch, vmx_handle_exit /
 * kvm_vmx_exit_handlers[], as one switch on the basic exit reason. */
static void vmx_handle_exit(struct vmx *x, uint32_t reason)
{
	struct cpu *c = x->cpu;
	CPU_CHARGE(c, CYC_HANDLER, handler_base);
	switch (reason) {
	case EXIT_REASON_DR_ACCESS:
		handle_dr(x);
		break;
	case EXIT_REASON_CR_ACCESS:
		handle_cr(x);
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		CPU_CHARGE(c, CYC_HANDLER, handler_db);
		handle_exception(x);
		break;
	case EXIT_REASON_CPUID: {
		/* kvm_emulate_cpuid: the guest's CPUID model (DE set in leaf 1). */
		uint64_t leaf = engine_gpr(x->eng, 0);
		engine_set_gpr(x->eng, 0, leaf == 0 ? 1 : leaf == 1 ? 0x000306A9 : 0);
		engine_set_gpr(x->eng, 3, leaf == 0 ? 0x4B4D564B : 0);        /* "KVMKVMKVM" style */
		engine_set_gpr(x->eng, 1, leaf == 0 ? 0x564B4D56 : 0);
		engine_set_gpr(x->eng, 2, leaf == 0 ? 0x4D : leaf == 1 ? (1u << 2) : 0);
		CPU_CHARGE(c, CYC_HANDLER, handler_cpuid);
		skip_instruction(x);
		break;
	}
	case EXIT_REASON_IO_INSTRUCTION:
		CPU_CHARGE(c, CYC_HANDLER, handler_io);
		reg_read(x, VCPU_EXREG_EXIT_INFO_1);
		skip_instruction(x);
		break;
	case EXIT_REASON_VMCALL:
		engine_set_gpr(x->eng, 0, (uint64_t)-1000);     /* -KVM_ENOSYS */
		skip_instruction(x);
		break;
	case EXIT_REASON_HLT:
		/* kvm_emulate_halt: the vCPU blocks; hvsim ends the run here. */
		skip_instruction_as(x, true);
		x->stopped = true;
		break;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		reg_read(x, VCPU_EXREG_EXIT_INFO_2);    /* handle_external_interrupt_irqoff */
		break;
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		handle_msr(x, reason == EXIT_REASON_MSR_WRITE);
		break;
	default:
		break;
	}
}

/* Step 5, host work: the host's activity due after this exit (sim/run.c's
 * after_exit: host events; host code snippets ask for a pause). */
static void vmx_host_work(struct vmx *x)
{
	x->exit_no++;
	if (x->cfg.host.after_exit)
		x->cfg.host.after_exit(x->cfg.host.ctx, x->exit_no);
}

static void vmx_enter(void *p);
static void vmx_fastpath_exit(struct vmx *x, uint32_t reason, uint32_t insn_len);

/* Step 6, re-enter: unless the run is over (HLT) or the host asked for a
 * pause, in which case sim/run.c enters after the host's code ran. */
static void vmx_reenter(struct vmx *x)
{
	if (x->stopped) {
		/* kvm_emulate_halt skipped the HLT before KVM_EXIT_HLT: the vCPU's
		 * RIP is past it (measured on both references, docs/kvm-reference.md). */
		engine_set_rip(x->eng, x->rc.val[VCPU_REGS_RIP]);
		engine_request_stop(x->eng, STOP_HALT, "guest executed HLT (HLT exit)");
		return;
	}
	if (engine_pause_requested(x->eng)) {
		x->entry_pending = true;
		return;
	}
	vmx_enter(x);
}

/* Steps 3-6 of the vCPU loop, in order, synchronously inside the engine
 * hook that caught the exit (the engine ops below). */
static void vmx_vcpu_exit(struct vmx *x, uint32_t reason, uint64_t qual, uint32_t intr_info,
			  uint32_t insn_len)
{
	vmx_exit(x, reason, qual, intr_info, insn_len);    /* 3. exit */
	vmx_after_run(x);                                  /* 4. handle: KVM after the run, */
	vmx_handle_exit(x, reason);                        /*    then the exit dispatch */
	vmx_host_work(x);                                  /* 5. host work */
	vmx_reenter(x);                                    /* 6. re-enter */
}

/* ---- engine ops: what causes a VM exit ---------------------------------------------- */

static bool vmx_on_insn(void *p, const struct insn_info *ii)
{
	struct vmx *x = p;
	uint64_t ctl = vmcs_hw_get(&x->vmcs, CPU_BASED_VM_EXEC_CONTROL);
	switch ((enum insn_class)ii->cls) {
	case IC_MOV_DR:
		/* MOV-DR exiting takes priority over #UD, #GP and the GD #DB
		 * (SDM 25.1.3; arch-facts A.4).  DR8-15 are #UD first: they are
		 * not "MOV DR" for the exit condition. */
		if (!(ctl & CPU_BASED_MOV_DR_EXITING) || ii->dr > 7)
			return false;
		vmx_vcpu_exit(x, EXIT_REASON_DR_ACCESS, vmx_dr_qual_encode(ii->dr, ii->dr_write, ii->gpr),
			      0, ii->len);
		return true;
	case IC_MOV_CR: {
		/* "MOV to CR0/CR4 causes a VM exit if, for any bit set in the CR
		 * guest/host mask, the source operand differs from the read shadow"
		 * (SDM 25.1.3); MOV from CR0/CR4 never exits (it reads the shadow
		 * for host-owned bits, which KVM keeps equal to the guest's value);
		 * CR3 load/store exiting is off with EPT; CR2 never exits. */
		if (!ii->dr_write || (ii->dr != 0 && ii->dr != 4))
			return false;
		uint64_t val = engine_gpr(x->eng, ii->gpr);
		uint64_t mask = vmcs_hw_get(&x->vmcs, ii->dr == 4 ? CR4_GUEST_HOST_MASK : CR0_GUEST_HOST_MASK);
		uint64_t shadow = vmcs_hw_get(&x->vmcs, ii->dr == 4 ? CR4_READ_SHADOW : CR0_READ_SHADOW);
		if (!((val ^ shadow) & mask))
			return false;
		vmx_vcpu_exit(x, EXIT_REASON_CR_ACCESS, vmx_cr_qual_encode(ii->dr, VMX_CR_MOV_TO, ii->gpr), 0, ii->len);
		return true;
	}
	case IC_CPUID:
		vmx_vcpu_exit(x, EXIT_REASON_CPUID, 0, 0, ii->len);     /* CPUID always exits */
		return true;
	case IC_HLT:
		if (!(ctl & CPU_BASED_HLT_EXITING))
			return false;
		vmx_vcpu_exit(x, EXIT_REASON_HLT, 0, 0, ii->len);
		return true;
	case IC_IO: {
		/* Exit qualification for I/O (SDM Table 28-5, vmx/exit_qual.h). */
		uint16_t port = ii->io_dx ? (uint16_t)engine_gpr(x->eng, 2) : ii->io_port;
		/* Before d59d51f08801 (4.15) vmx_init cleared port 0x80 in the I/O
		 * bitmaps ("unmask the 0x80 port to avoid VMEXITs") and KVM ran
		 * with "use I/O bitmaps" instead of unconditional I/O exiting: the
		 * access runs natively.  A 16/32-bit access at 0x7F-0x7E also
		 * touches port 0x7F's bit, which stays set (SDM 25.1.3). */
		if (x->dbg.pol.vmx_port80_passthrough && port == 0x80)
			return false;
		vmx_vcpu_exit(x, EXIT_REASON_IO_INSTRUCTION,
			      vmx_io_qual_encode(ii->io_size, ii->io_in, !ii->io_dx, port), 0, ii->len);
		return true;
	}
	case IC_VMCALL:
		vmx_vcpu_exit(x, EXIT_REASON_VMCALL, 0, 0, ii->len);
		return true;
	case IC_RDMSR:
	case IC_WRMSR:
		/* "use MSR bitmaps" with IA32_DEBUGCTL's bits set (KVM's
		 * pass-through list, vmx_possible_passthrough_msrs, does not name
		 * it, nor IA32_TSC_DEADLINE); at CPL 0 the #GP checks that precede
		 * the exit pass.  A WRMSR the era handles in the fastpath
		 * (IA32_TSC_DEADLINE since 5.8) goes there instead. */
		if (ii->cls == IC_WRMSR &&
		    dbg_fastpath_wrmsr(&x->dbg.pol, false, (uint32_t)engine_gpr(x->eng, 1))) {
			vmx_fastpath_exit(x, EXIT_REASON_MSR_WRITE, ii->len);
			return true;
		}
		vmx_vcpu_exit(x, ii->cls == IC_WRMSR ? EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ, 0, 0, ii->len);
		return true;
	default:
		return false;
	}
}

static bool vmx_on_exception(void *p, int vector, uint64_t payload, bool fault, const struct insn_info *ii)
{
	struct vmx *x = p;
	(void)fault;
	if (!(vmcs_hw_get(&x->vmcs, EXCEPTION_BITMAP) & (1u << vector)))
		return false;
	/* SDM 27.1: a #DB that causes a VM exit does not update DR6, DR7.GD or
	 * DEBUGCTL; the would-be DR6 bits go to the exit qualification. */
	uint32_t type = (ii && ii->cls == IC_ICEBP) ? INTR_TYPE_PRIV_SW_EXCEPTION
			: vector == 3 ? INTR_TYPE_SOFT_EXCEPTION : INTR_TYPE_HARD_EXCEPTION;
	vmx_vcpu_exit(x, EXIT_REASON_EXCEPTION_NMI, vector == 1 ? payload : 0,
		      vmx_intr_info_encode(type, vector), ii ? ii->len : 0);
	return true;
}

static bool vmx_run_once(struct vmx *x);

/* A fastpath exit (vmx_exit_handlers_fastpath, 5.8+; debugreg/switch.c
 * "fastpath re-entry"): the hardware exit and vmx_vcpu_run's own after-run
 * work (register cache, exit reason), the handler with IRQs off, then the
 * run loop's verdict.  EXIT_FASTPATH_REENTER_GUEST runs the guest again -
 * no post-exit DR sync, no hw_breakpoint_restore(), no exit dispatch, no
 * host work (IRQs stay off), no pre-entry DR reload (kvm-eras-2026.md T1,
 * T3).  Anything else leaves the loop: the DR block, then (EXIT_HANDLED)
 * nothing more to dispatch, or (EXIT_USERSPACE, f7f39c50edb9) the
 * KVM_EXIT_DEBUG the skip asked for; host work and the slow re-entry. */
static void vmx_fastpath_exit(struct vmx *x, uint32_t reason, uint32_t insn_len)
{
	vmx_exit(x, reason, 0, 0, insn_len);              /* 3. exit */
	vmx_run_done(x);
	bool to_user = false;
	if (reason == EXIT_REASON_MSR_WRITE) {
		/* handle_fastpath_set_msr_irqoff: RCX and EDX:EAX come from the
		 * GPR array (no VMREAD); kvm_set_lapic_tscdeadline_msr() has no
		 * in-kernel LAPIC to arm and returns; then
		 * kvm_skip_emulated_instruction().  Before f7f39c50edb9 (6.12)
		 * its "return 0" was ignored: the KVM_EXIT_DEBUG of a host
		 * single-step is dropped and the guest re-entered. */
		CPU_CHARGE(x->cpu, CYC_HANDLER, handler_io);
		to_user = skip_rip(x) && x->dbg.pol.fastpath_user_exit;
	}
	/* kvm_vcpu_exit_request(): a request (the KVM_REQ_EVENT of a #DB that
	 * the skip queued for a single-stepping guest) ends the loop with
	 * EXIT_FASTPATH_EXIT_HANDLED. */
	if (!to_user && !x->exc_pending) {
		dbg_fastpath_reentry(&x->dbg);
		vmx_run_once(x);
		return;
	}
	dbg_post_exit(&x->dbg);                            /* 4. the DR block */
	if (to_user)
		vmx_exit_debug(x, 1, DR6_BS, vmcs_hw_get(&x->vmcs, GUEST_DR7));
	vmx_host_work(x);                                  /* 5. host work */
	vmx_reenter(x);                                    /* 6. re-enter */
}

static void vmx_boundary(void *p)
{
	struct vmx *x = p;
	if (!x->cfg.timer_period || engine_instructions(x->eng) < x->next_timer)
		return;
	/* An external interrupt waits out an STI or MOV-SS shadow (SDM Vol.3
	 * 6.8.3, Table 24-3: blocking by STI/MOV SS "blocks interrupts for one
	 * instruction"); it comes at the next boundary. */
	if (!x->cfg.timer_guest && engine_blocking(x->eng))
		return;
	x->next_timer = engine_instructions(x->eng) + x->cfg.timer_period;
	engine_boundary_at(x->eng, x->next_timer);
	/* The guest's own LAPIC timer runs on the VMX-preemption timer (KVM's
	 * hv timer): reason 52, a fastpath exit where the era has one; the
	 * host's timer is an external interrupt, always the slow path. */
	if (!x->cfg.timer_guest)
		vmx_vcpu_exit(x, EXIT_REASON_EXTERNAL_INTERRUPT, 0, vmx_intr_info_encode(0, 0x20), 0);
	else if (x->dbg.pol.fastpath_reenter)
		vmx_fastpath_exit(x, EXIT_REASON_PREEMPTION_TIMER, 0);
	else
		vmx_vcpu_exit(x, EXIT_REASON_PREEMPTION_TIMER, 0, 0, 0);
}

/* The budget-end exit: the VMX-preemption timer (SDM 25.5.1: when the
 * timer counts down to zero the processor takes a VM exit, basic reason
 * 52); hvsim stops there without re-entering.  Where KVM has the fastpath
 * (fastpath_reenter) the exit re-enters from inside the run loop, so none
 * of the post-exit DR block runs; before it (and on every era of SVM,
 * svm_budget) the exit goes the slow path. */
static void vmx_budget(void *p)
{
	struct vmx *x = p;
	vmx_exit(x, EXIT_REASON_PREEMPTION_TIMER, 0, 0, 0);    /* step 3 only */
	if (!x->dbg.pol.fastpath_reenter)
		dbg_post_exit(&x->dbg);
}

/* ---- entry ---------------------------------------------------------------------------- */

static void vmx_enter(void *p)
{
	struct vmx *x = p;
	x->entry_pending = false;
	/* vcpu_enter_guest: kvm_check_and_inject_events() comes first: a queued
	 * #DB delivers its payload into DR6 (and clears GD) before
	 * vmx_inject_exception writes the VMCS ... */
	if (x->exc_pending) {
		x->exc_pending = false;
		/* vmx_inject_exception, knob vmx_pending_dbg_bs: "When injecting a
		 * #DB, single-stepping is enabled in RFLAGS, and STI or MOV-SS
		 * blocking is active, set vmcs.PENDING_DBG_EXCEPTIONS.BS to prevent
		 * a false positive from VM-Entry consistency check" (read in
		 * Debian's linux-source-6.1 6.1.192; b9bed78e2fa9, 5.17, first put
		 * it in handle_exception_nmi for a re-injected #DB: "the CPU
		 * doesn't set the bit on VM-Exit due to #DB interception").  Before
		 * it the entry that injects such a #DB fails (vmx/hw.c, SDM
		 * 26.3.1.5): KVM_EXIT_FAIL_ENTRY. */
		if (x->exc_vector == 1 && x->dbg.pol.vmx_pending_dbg_bs &&
		    (reg_read(x, VCPU_EXREG_RFLAGS) & (1ull << 8)) &&
		    (vmcs_read(&x->vmcs, GUEST_INTERRUPTIBILITY_INFO) & 3))
			vmcs_write(&x->vmcs, GUEST_PENDING_DBG_EXCEPTIONS,
				   vmcs_read(&x->vmcs, GUEST_PENDING_DBG_EXCEPTIONS) | DR6_BS);
		if (x->exc_vector == 1 && x->exc_has_payload)
			dbg_deliver_db_payload(&x->dbg, x->exc_payload);
		bool err = x->exc_vector == 13 || x->exc_vector == 14 || x->exc_vector == 17 ||
			   (x->exc_vector >= 10 && x->exc_vector <= 12) || x->exc_vector == 8;
		if (err)
			vmcs_write(&x->vmcs, VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
		/* #BP is a software exception (kvm_exception_is_soft). */
		vmcs_write(&x->vmcs, VM_ENTRY_INTR_INFO_FIELD,
			   vmx_intr_info_encode((x->exc_vector == 3 ? INTR_TYPE_SOFT_EXCEPTION : INTR_TYPE_HARD_EXCEPTION) |
						(err ? INTR_INFO_DELIVER_CODE : 0), x->exc_vector));
	}
	/* ... then the debug-register block of vcpu_enter_guest: DR loads per
	 * policy (with the DR6 the injection just updated). */
	dbg_pre_entry(&x->dbg);
	vmx_run_once(x);
}

/* vmx_vcpu_run up to VM entry: what every pass of vcpu_enter_guest's inner
 * loop does, the fastpath re-entry included.  False if the entry failed. */
static bool vmx_run_once(struct vmx *x)
{
	struct cpu *c = x->cpu;
	/* vmx_vcpu_run: store dirty RSP/RIP, then (Paolo's proposal, seed 001)
	 * regs_dirty = 0 "even earlier".  Dirty CR3 is written by
	 * vmx_load_mmu_pgd (KVM_REQ_LOAD_MMU_PGD). */
	if (x->rc.dirty & (1u << VCPU_REGS_RSP))
		vmcs_write(&x->vmcs, GUEST_RSP, x->rc.val[VCPU_REGS_RSP]);
	if (x->rc.dirty & (1u << VCPU_REGS_RIP))
		vmcs_write(&x->vmcs, GUEST_RIP, x->rc.val[VCPU_REGS_RIP]);
	if (x->rc.dirty & (1u << VCPU_EXREG_CR3))
		vmcs_write(&x->vmcs, GUEST_CR3, x->rc.val[VCPU_EXREG_CR3]);
	if (x->dbg.pol.regcache == RC_RESET_ALL_DIRTY_EARLY)
		x->rc.dirty = 0;
	else
		x->rc.dirty &= ~VMX_REGS_DIRTY_SET;
	/* "When single-stepping over STI and MOV SS, we must clear the
	 * corresponding interruptibility bits in the guest state. Otherwise
	 * vmentry fails as it then expects bit 14 (BS) in pending debug
	 * exceptions being set, but that's not correct for the guest debugging
	 * case" (vmx_vcpu_run, every era since guest single-stepping): with
	 * KVM_GUESTDBG_SINGLESTEP each entry clears the shadow. */
	if (x->dbg.guest_debug & GUESTDBG_SINGLESTEP)
		clear_interrupt_shadow(x);
	/* The RSP write above went to the VMCS; GPRs other than RSP live in the
	 * engine already. */
	if (!vmx_hw_entry(x)) {
		cpu_entry_failed(c, EXIT_REASON_INVALID_STATE, engine_rip(x->eng), EXIT_REASON_INVALID_STATE,
				 vmx_exit_names[EXIT_REASON_INVALID_STATE]);
		engine_request_stop(x->eng, STOP_ENTRY_FAIL, "VM entry failed: invalid guest state (reason 33)");
		x->stopped = true;
		return false;
	}
	cpu_exit_end(c, engine_rip(x->eng));   /* the time of the exit this entry ends */
	return true;
}

/* ---- life cycle ----------------------------------------------------------------------- */

static void *vmx_create(struct cpu *cpu, struct engine *eng, const struct hv_config *cfg)
{
	struct vmx *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->cpu = cpu;
	x->eng = eng;
	x->cfg = *cfg;
	x->vmcs.cpu = cpu;
	struct vmcs *v = &x->vmcs;
	/* KVM's VMCS set-up (setup_vmcs_config / init_vmcs): HLT, MOV-DR and
	 * unconditional I/O exiting (the I/O bitmaps with port 0x80 clear
	 * before 4.15: vmx_on_insn); load/save debug controls are required
	 * controls; #DB is in the exception bitmap per era (db_intercept:
	 * kvm-debugreg-logic §2.4, "intercept that unconditionally"; 2.6.29
	 * only for the host debugger, whom hvsim's vCPU starts without). */
	vmcs_hw_set(v, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING);
	vmcs_hw_set(v, VM_ENTRY_CONTROLS, cfg->policy->no_load_debug_controls ? 0 : VM_ENTRY_LOAD_DEBUG_CONTROLS);
	vmcs_hw_set(v, VM_EXIT_CONTROLS, cfg->policy->no_save_debug_controls ? 0 : VM_EXIT_SAVE_DEBUG_CONTROLS);
	/* #UD is intercepted too (update_exception_bitmap: PF, UD, MC, DB, AC;
	 * #PF dropped with EPT; hvsim raises neither #MC nor #AC). */
	vmcs_hw_set(v, EXCEPTION_BITMAP, vmx_exception_bitmap(cfg->policy, 0));
	/* CR0/CR4 guest/host masks: the bits the guest does not own
	 * (KVM_POSSIBLE_CR0_GUEST_BITS = TS | WP and KVM_POSSIBLE_CR4_GUEST_BITS =
	 * PVI | DE | PCE | OSFXSR | OSXMMEXCPT | PGE | TSD | FSGSBASE in
	 * kvm_cache_regs.h, 6.x with EPT; CR4.DE has been guest-owned since
	 * KVM_CR4_GUEST_OWNED_BITS, 2.6.34, and was never in the 2.6.29 host
	 * mask VME | PSE | PAE | PGE | VMXE either), read shadows = the guest's
	 * values. */
	vmcs_hw_set(v, CR0_GUEST_HOST_MASK, ~((1ull << 3) | (1ull << 16)));
	vmcs_hw_set(v, CR4_GUEST_HOST_MASK, ~(0x2ull | 0x8 | 0x100 | 0x200 | 0x400 | 0x80 | 0x4 | 0x10000));
	vmcs_hw_set(v, CR0_READ_SHADOW, engine_cr(eng, 0));
	vmcs_hw_set(v, CR4_READ_SHADOW, engine_cr4(eng));
	vmcs_hw_set(v, GUEST_CR0, engine_cr(eng, 0));
	vmcs_hw_set(v, GUEST_DR7, DR7_FIXED_1);
	vmcs_hw_set(v, GUEST_RIP, engine_rip(eng));
	vmcs_hw_set(v, GUEST_RSP, engine_rsp(eng));
	vmcs_hw_set(v, GUEST_RFLAGS, engine_rflags(eng));
	vmcs_hw_set(v, GUEST_CR4, engine_cr4(eng));
	dbg_init(&x->dbg, cpu, cfg->policy, &vmx_dbg_ops, x);
	/* vCPU creation: regs_avail = regs_dirty = ~0 ... then the first
	 * vmx_vcpu_run stores them; start from the post-run state. */
	x->rc.avail = ~VMX_REGS_LAZY_LOAD_SET & ((1u << NR_KVM_REGS) - 1);
	x->rc.dirty = 0;
	x->next_timer = cfg->timer_period;
	struct engine_ops ops = { .insn = vmx_on_insn, .exception = vmx_on_exception, .budget = vmx_budget,
				  .exit_regs = VMX_EXIT_REGS,
				  /* no timer: no per-block callback at all */
				  .boundary = cfg->timer_period ? vmx_boundary : NULL, .ctx = x };
	engine_set_ops(eng, &ops);
	engine_boundary_at(eng, x->next_timer);    /* the timer callback only when it is due */
	return x;
}

static void vmx_destroy(void *p) { free(p); }
static bool vmx_entry_pending(void *p) { return ((struct vmx *)p)->entry_pending; }
static struct dbg *vmx_dbg(void *p) { return &((struct vmx *)p)->dbg; }

static void vmx_set_guest_debug(void *p, unsigned control, const uint64_t debugreg[8])
{
	kvm_set_guest_debug(&((struct vmx *)p)->dbg, control, debugreg);
}

static void vmx_set_cr3(void *p, uint64_t cr3)
{
	/* KVM_SET_SREGS from userspace: kvm_set_cr3 caches CR3 and requests
	 * KVM_REQ_LOAD_MMU_PGD (the cached value is dirty until stored). */
	reg_write(p, VCPU_EXREG_CR3, cr3);
}

/* vmx_vcpu_load (vmx_vcpu_load_vmcs): on a CPU other than the one the VMCS
 * was last loaded on, "loaded_vmcs_clear()" VMCLEARs it there (by IPI),
 * VMPTRLD makes it current here, and the host state that differs per CPU
 * is rewritten: "vmcs_writel(HOST_TR_BASE, ...); vmcs_writel(HOST_GDTR_BASE,
 * ...); ... vmcs_writel(HOST_IA32_SYSENTER_ESP, ...)" (three VMWRITEs; the
 * VMCLEAR/VMPTRLD themselves are not priced by the cost model).  Then KVM's
 * debug-register part (debugreg/vcpu_load.c). */
static void vmx_vcpu_load(void *p, struct pcpu *pc)
{
	struct vmx *x = p;
	bool moved = x->cpu != pc->cpu;
	x->cpu = pc->cpu;
	x->vmcs.cpu = pc->cpu;
	engine_set_cpu(x->eng, pc->cpu);
	if (moved) {
		/* hvsim's host has no real addresses: the per-CPU TSS, GDT and
		 * entry stack of CPU n (cpu_entry_area) as n-numbered pages */
		uint64_t area = 0xfffffe0000000000ull + (uint64_t)pc->id * 0x40000ull;
		vmcs_write(&x->vmcs, HOST_TR_BASE, area + 0x3000);
		vmcs_write(&x->vmcs, HOST_GDTR_BASE, area);
		vmcs_write(&x->vmcs, HOST_IA32_SYSENTER_ESP, area + 0x2000);
	}
	kvm_arch_vcpu_load(&x->dbg, pc);
}

/* vmx_vcpu_put: nothing the model tracks (the host's segment state); then
 * KVM's debug-register part. */
static void vmx_vcpu_put(void *p)
{
	struct vmx *x = p;
	kvm_arch_vcpu_put(&x->dbg);
}

const struct hv_vendor vmx_vendor = {
	.name = "vmx",
	.exit_names = vmx_exit_names,
	.nexit_names = EXIT_SLOTS,
	.create = vmx_create,
	.destroy = vmx_destroy,
	.enter = vmx_enter,
	.entry_pending = vmx_entry_pending,
	.dbg = vmx_dbg,
	.set_cr3 = vmx_set_cr3,
	.set_guest_debug = vmx_set_guest_debug,
	.load = vmx_vcpu_load,
	.put = vmx_vcpu_put,
	.tick_slot = EXIT_REASON_EXTERNAL_INTERRUPT,
};
