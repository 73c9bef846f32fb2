/* kvm.c - KVM/arm's debug-register switching core on the simulated Arm CPU
 * (issue 20), in our own words, with the exit dispatch and steps 3-6 of
 * the vCPU loop (the Arm twin of vmx/kvm.c and svm/kvm.c).
 *
 * Three eras, selected by the Arm knobs of debugreg/knobs.def:
 *   arm32_dirty  seed 004 (2015): trapped writes set the dirty bit; an entry
 *                with it (or with DBGDSCR.MDBGEN = MDSCR_EL1.MDE) stops
 *                trapping and switches; the exit switches back and clears it;
 *   arm64_dirty  6.1-6.13: the same bit, but kvm_arm_setup_debug() chooses
 *                MDCR_EL2.TDA from it *before* MDE/KDE set it, so a guest
 *                with MDE on keeps trapping while switched on every run;
 *   arm64_owner-6.14  6.14: debug_owner, computed at vcpu_load from MDSCR_EL1,
 *                made GUEST by any trapped access and kept until the next
 *                vcpu_load; the hyp switch runs on every entry and exit
 *                while the owner is not FREE.
 * docs/kvm-arm.md walks through each with its source lines. */
#include "arm/arm.h"
#include "arm/exit_qual.h"
#include <stdlib.h>
#include <string.h>

const char *const arm_exit_names[EXIT_SLOTS] = {
#define EXIT_REASON(name, nr) [nr] = #name,
#include "arm/exit_reasons.def"
#undef EXIT_REASON
};

/* PSCI 0.2 SYSTEM_OFF (SMC32 function ID): KVM_EXIT_SYSTEM_EVENT, the end
 * of the run (kvm_psci_call -> kvm_psci_system_off). */
#define PSCI_0_2_FN_SYSTEM_OFF 0x84000008ull
/* SMCCC_RET_NOT_SUPPORTED: what KVM returns for an HVC it does not know;
 * PSCI_RET_INTERNAL_FAILURE: what kvm_psci_0_2_call leaves in x0 after
 * SYSTEM_OFF ("We should never return from this call"). */
#define SMCCC_RET_NOT_SUPPORTED ((uint64_t)-1)
#define PSCI_RET_INTERNAL_FAILURE ((uint64_t)-6)

static bool oslk(const struct armv *a) { return (a->dbg.sys[ARM_OSLSR_EL1] & OSLSR_OSLK) != 0; }

/* Does the guest's MDSCR_EL1 ask for debug (MDE, and KDE where the era
 * looks at it)? */
static bool guest_debug_on(const struct armv *a)
{
	uint64_t m = a->dbg.sys[ARM_MDSCR_EL1];
	return (m & MDSCR_MDE) || (a->dbg.pol.arm_check_kde && (m & MDSCR_KDE));
}

static bool regs_in_use(const struct armv *a)
{
	return a->dbg.pol.arm_switch == ARM_SW_OWNER ? a->dbg.owner != ARM_OWNER_FREE : a->dbg.dirty;
}

static void set_dirty(struct armv *a, bool on, const char *cause)
{
	if (a->dbg.dirty == on)
		return;
	cpu_event(a->cpu, EV_FLAGS, a->dbg.dirty ? 0x10 : 0, on ? 0x10 : 0, 0, cause);
	a->dbg.dirty = on;
}

static void set_owner(struct armv *a, enum arm_owner o, const char *cause)
{
	if (a->dbg.owner == o)
		return;
	cpu_event(a->cpu, EV_FLAGS, (uint64_t)a->dbg.owner, (uint64_t)o, 0, cause);
	a->dbg.owner = o;
}

/* ---- MDCR_EL2 ---------------------------------------------------------------------
 * kvm_arm_setup_mdcr_el2(): trap the PMU, SPE, trace filters, the Debug ROM
 * Address and the OS registers always; trap the debug registers
 *   6.1: "if ... !vcpu_get_flag(vcpu, DEBUG_DIRTY) || kvm_vcpu_os_lock_enabled(vcpu)"
 *   6.14: "if (!kvm_guest_owns_debug_regs(vcpu))"
 *   seed 004: "Otherwise [not dirty], enable the traps".
 * (MDCR_EL2.HPMN is left out: hvsim has no PMU.)  On VHE the value goes to
 * the hardware register at once when it changed (6.1: "Write mdcr_el2
 * changes since vcpu_load on VHE systems"; 6.14 writes it in
 * kvm_arm_setup_mdcr_el2 itself). */
static void setup_mdcr(struct armv *a, bool write_now)
{
	uint64_t m = MDCR_EL2_TPM | MDCR_EL2_TPMS | MDCR_EL2_TTRF | MDCR_EL2_TPMCR | MDCR_EL2_TDRA | MDCR_EL2_TDOSA;
	bool trap;
	if (a->dbg.pol.arm_switch == ARM_SW_OWNER)
		trap = a->dbg.owner != ARM_OWNER_GUEST;
	else if (a->dbg.pol.arm_mde_check == ARM_MDE_BEFORE_TRAPS)
		trap = !a->dbg.dirty;               /* the seed has no OS Lock emulation */
	else
		trap = !a->dbg.dirty || oslk(a);
	if (trap)
		m |= MDCR_EL2_TDA;
	bool was = (a->dbg.mdcr & MDCR_EL2_TDA) != 0;
	a->dbg.mdcr = m;
	if (write_now && el2_hw_get(&a->el2, MDCR_EL2) != m)
		el2_write(&a->el2, MDCR_EL2, m);
	if (was != trap)
		cpu_event(a->cpu, EV_INTERCEPT, trap, 0, 0, trap ? "MDCR_EL2.TDA set" : "MDCR_EL2.TDA clear");
}

/* ---- vcpu_load / vcpu_put ---------------------------------------------------------- */

/* kvm_arch_vcpu_load: 6.14's kvm_vcpu_load_debug() picks the owner
 * ("VCPU_DEBUG_HOST_OWNED: KVM ... needs to use MDSCR_EL1 to ... emulate
 * the effects of the OS Lock"; "VCPU_DEBUG_GUEST_OWNED: The guest has debug
 * exceptions enabled"; else FREE) and sets MDCR_EL2 up; then, on VHE,
 * kvm_vcpu_load_vhe -> __activate_traps_common writes MDCR_EL2 (every era). */
static void vcpu_load(struct armv *a)
{
	a->dbg.loaded = true;
	if (a->dbg.pol.arm_switch == ARM_SW_OWNER) {
		uint64_t m = a->dbg.sys[ARM_MDSCR_EL1];
		set_owner(a, oslk(a) ? ARM_OWNER_HOST : (m & (MDSCR_KDE | MDSCR_MDE)) ? ARM_OWNER_GUEST : ARM_OWNER_FREE,
			  "vcpu_load: kvm_vcpu_load_debug");
		setup_mdcr(a, true);
	}
	el2_write(&a->el2, MDCR_EL2, a->dbg.mdcr);
}

/* kvm_arch_vcpu_put: __deactivate_traps_common puts the host's MDCR_EL2 back. */
static void vcpu_put(struct armv *a)
{
	a->dbg.loaded = false;
	el2_write(&a->el2, MDCR_EL2, 0);
}

/* ---- before each entry: kvm_arm_setup_debug (<= 6.13) / the seed's
 * compute_debug_state --------------------------------------------------------------- */
static void setup_debug(struct armv *a)
{
	if (a->dbg.pol.arm_switch != ARM_SW_DIRTY)
		return;                             /* 6.14: decided at load and on traps */
	if (a->dbg.pol.arm_mde_check == ARM_MDE_BEFORE_TRAPS) {
		/* seed 004: "If debug is actively in use (ARM_DSCR_MDBGEN set),
		 * set the dirty bit, disable the traps" */
		if (guest_debug_on(a))
			set_dirty(a, true, "entry: MDSCR_EL1.MDE (DBGDSCR.MDBGEN)");
		setup_mdcr(a, true);
		return;
	}
	/* 6.1: kvm_arm_setup_mdcr_el2() first, then "If KDE or MDE are set,
	 * perform a full save/restore cycle" */
	setup_mdcr(a, false);
	if (guest_debug_on(a))
		set_dirty(a, true, "entry: MDSCR_EL1 KDE|MDE");
	if (el2_hw_get(&a->el2, MDCR_EL2) != a->dbg.mdcr)
		el2_write(&a->el2, MDCR_EL2, a->dbg.mdcr);
}

/* ---- the world switch (hyp: __kvm_vcpu_run_vhe) -------------------------------------- */

/* The registers __debug_save_state / __debug_restore_state move, in their
 * order: DBGBCR, DBGBVR (BRPs of them), DBGWCR, DBGWVR (WRPs), then
 * MDCCINT_EL1 (hyp/include/hyp/debug-sr.h). */
static unsigned bank_regs(const struct armv *a, int *out)
{
	unsigned n = 0, nb = a->cpu->arm.brps, nw = a->cpu->arm.wrps;
	for (unsigned i = 0; i < nb; i++) out[n++] = ARM_DBGBCR0 + (int)i;
	for (unsigned i = 0; i < nb; i++) out[n++] = ARM_DBGBVR0 + (int)i;
	for (unsigned i = 0; i < nw; i++) out[n++] = ARM_DBGWCR0 + (int)i;
	for (unsigned i = 0; i < nw; i++) out[n++] = ARM_DBGWVR0 + (int)i;
	out[n++] = ARM_MDCCINT_EL1;
	return n;
}

/* The guest's MDSCR_EL1 as the hardware gets it: with the OS Lock set,
 * arm64 KVM clears MDE ("Emulate the behavior by clearing MDSCR_EL1.MDE",
 * 6.1 kvm_arm_setup_debug; 6.14 setup_external_mdscr clears SS, MDE, KDE). */
static uint64_t guest_mdscr_hw(const struct armv *a)
{
	uint64_t m = a->dbg.sys[ARM_MDSCR_EL1];
	if (oslk(a) && a->dbg.pol.arm_mde_check != ARM_MDE_BEFORE_TRAPS)
		m &= a->dbg.pol.arm_switch == ARM_SW_OWNER ? ~(MDSCR_SS | MDSCR_MDE | MDSCR_KDE) : ~MDSCR_MDE;
	return m;
}

static void switch_to_guest(struct armv *a)
{
	struct cpu *c = a->cpu;
	/* __sysreg_save_common_state / __sysreg_restore_common_state: MDSCR_EL1
	 * is switched on every entry and exit, whatever the debug policy */
	a->dbg.host_mdscr = cpu_arm_hv_read(c, ARM_MDSCR_EL1, "entry: save host MDSCR_EL1");
	cpu_arm_write(c, ARM_MDSCR_EL1, guest_mdscr_hw(a), DRW_HV, "entry: guest MDSCR_EL1");
	/* __debug_switch_to_guest_common: "if (!vcpu_get_flag(vcpu,
	 * DEBUG_DIRTY)) return" (6.14: "if (!kvm_debug_regs_in_use(vcpu))") */
	if (!regs_in_use(a))
		return;
	int regs[2 * ARM_MAX_BRPS + 2 * ARM_MAX_WRPS + 1];
	unsigned n = bank_regs(a, regs);
	for (unsigned i = 0; i < n; i++)
		a->dbg.host_bank[regs[i]] = cpu_arm_hv_read(c, regs[i], "entry: save host");
	for (unsigned i = 0; i < n; i++)
		cpu_arm_write(c, regs[i], a->dbg.sys[regs[i]], DRW_HV, "entry: load guest");
	a->dbg.guest_in_hw = true;
	c->st.dr_guest_loads++;
	cpu_event(c, EV_DR_LOAD, 0xF, a->dbg.pol.arm_switch == ARM_SW_OWNER ? (uint64_t)a->dbg.owner : a->dbg.dirty,
		  0, a->dbg.pol.arm_switch == ARM_SW_OWNER ? "debug_owner" : "DEBUG_DIRTY");
}

static void switch_to_host(struct armv *a)
{
	struct cpu *c = a->cpu;
	if (a->dbg.guest_in_hw) {
		/* __debug_switch_to_host_common: save the guest's, restore the
		 * host's, and (<= 6.13, the seed) clear the dirty bit */
		int regs[2 * ARM_MAX_BRPS + 2 * ARM_MAX_WRPS + 1];
		unsigned n = bank_regs(a, regs);
		for (unsigned i = 0; i < n; i++)
			a->dbg.sys[regs[i]] = cpu_arm_hv_read(c, regs[i], "exit: save guest");
		c->st.dr_syncs++;
		cpu_event(c, EV_DR_SAVE, 0xF, 0, 0, "__debug_switch_to_host");
		if (a->dbg.pol.arm_host_restore) {
			for (unsigned i = 0; i < n; i++)
				cpu_arm_write(c, regs[i], a->dbg.host_bank[regs[i]], DRW_HV, "exit: restore host");
			c->st.dr_host_restores++;
			cpu_event(c, EV_DR_RESTORE, 0xF, 0, 0, "__debug_restore_state(host)");
		}
		a->dbg.guest_in_hw = false;
		if (a->dbg.pol.arm_switch == ARM_SW_DIRTY)
			set_dirty(a, false, "exit: clear DEBUG_DIRTY");
	}
	/* __sysreg_save_common_state: the hardware MDSCR_EL1 goes back into
	 * the guest's context - except while KVM forced it for the OS Lock,
	 * when 6.1's kvm_arm_clear_debug restores the value it preserved and
	 * 6.14 saves into external_mdscr_el1: the guest's copy stays its own */
	uint64_t m = cpu_arm_hv_read(c, ARM_MDSCR_EL1, "exit: save guest MDSCR_EL1");
	if (guest_mdscr_hw(a) == a->dbg.sys[ARM_MDSCR_EL1])
		a->dbg.sys[ARM_MDSCR_EL1] = m;
	cpu_arm_write(c, ARM_MDSCR_EL1, a->dbg.host_mdscr, DRW_HV, "exit: restore host MDSCR_EL1");
}

/* ---- exit handlers ----------------------------------------------------------------- */

/* A trapped access claims the registers: 6.1's trap_debug_regs /
 * reg_to_dbg "vcpu_set_flag(vcpu, DEBUG_DIRTY)" on writes (the seed:
 * trap_debug32, writes); 6.14's kvm_debug_set_guest_ownership on every
 * access ("if (kvm_host_owns_debug_regs(vcpu)) return; ... GUEST_OWNED;
 * kvm_arm_setup_mdcr_el2(vcpu)"). */
static void claim(struct armv *a, bool write)
{
	if (!write && !a->dbg.pol.arm_claim_on_read)
		return;
	if (a->dbg.pol.arm_switch == ARM_SW_OWNER) {
		if (a->dbg.owner == ARM_OWNER_HOST)
			return;
		set_owner(a, ARM_OWNER_GUEST, "trap: kvm_debug_set_guest_ownership");
		setup_mdcr(a, true);
	} else {
		set_dirty(a, true, write ? "trap: write sets DEBUG_DIRTY" : "trap: access sets DEBUG_DIRTY");
	}
}

/* kvm_handle_sys_reg -> emulate_sys_reg -> the register's access handler
 * (sys_regs.c): the debug registers of hvsim's table. */
static void handle_sys64(struct armv *a)
{
	struct cpu *c = a->cpu;
	struct arm_sys64_iss q = arm_sys64_esr_decode(el2_read(&a->el2, ESR_EL2));
	int reg = arm_dbgreg_lookup(q.op0, q.op1, q.crn, q.crm, q.op2);
	const struct a64_insn ii = { .pc = a64_pc(a->eng), .cls = A64_SYSREG, .write = !q.read, .reg = (int16_t)reg,
				     .rt = (uint8_t)q.rt };
	CPU_CHARGE(c, CYC_HANDLER, emulate_insn);
	if (reg < 0) {
		/* not a register hvsim traps: KVM would inject UNDEFINED */
		a64_take_el1(a->eng, arm_esr(EC_UNKNOWN, 0), 0, false, ii.pc);
		return;
	}
	uint64_t val = q.read ? 0 : a64_x(a->eng, (int)q.rt);
	if (q.read)
		c->st.arm_traps_r[reg]++;
	else
		c->st.arm_traps_w[reg]++;
	c->st.dr_emulated++;
	switch (reg) {
	case ARM_OSLAR_EL1:
		/* trap_oslar_el1: OSLSR_EL1.OSLK follows OSLAR_EL1.OSLK; 6.14
		 * kvm_debug_handle_oslar then puts and reloads the vCPU so that
		 * the owner is recomputed */
		a->dbg.sys[ARM_OSLSR_EL1] = (val & OSLAR_OSLK) ? OSLSR_OSLK : 0;
		if (a->dbg.pol.arm_switch == ARM_SW_OWNER) {
			vcpu_put(a);
			vcpu_load(a);
		}
		break;
	case ARM_OSLSR_EL1:
		val = OSLSR_OSLM_IMPL | (a->dbg.sys[ARM_OSLSR_EL1] & OSLSR_OSLK);   /* trap_oslsr_el1 */
		break;
	case ARM_ID_AA64DFR0_EL1:
		/* HCR_EL2.TID3: the sanitised ID register, BRPs/WRPs as the host's */
		val = arm_id_aa64dfr0(c->arm.brps, c->arm.wrps);
		break;
	case ARM_OSDLR_EL1: case ARM_DBGPRCR_EL1: case ARM_MDRAR_EL1: case ARM_MDCCSR_EL0:
	case ARM_DBGCLAIMSET_EL1: case ARM_DBGCLAIMCLR_EL1:
		val = 0;                            /* trap_raz_wi */
		break;
	case ARM_DBGAUTHSTATUS_EL1:
		val = c->arm.reg[reg];              /* trap_dbgauthstatus_el1: read_sysreg */
		break;
	default:
		/* the banks, MDSCR_EL1, MDCCINT_EL1: trap_dbg_wb_reg / trap_bvr ...
		 * / trap_debug_regs (access_rw): store or return the vCPU's copy */
		if (q.read)
			val = a->dbg.sys[reg];
		else
			a->dbg.sys[reg] = val;
		claim(a, !q.read);
		break;
	}
	cpu_event(c, EV_SYS_ACCESS, ii.pc, val, q.read ? 0 : 1, arm_dbgreg_name(reg));
	if (q.read)
		a64_set_x(a->eng, (int)q.rt, val);
	a64_skip(a->eng, &ii);                      /* kvm_incr_pc */
}

/* handle_hvc -> kvm_hvc_call_handler / kvm_psci_call (6.1): SYSTEM_OFF ends
 * the run (KVM_EXIT_SYSTEM_EVENT to user space); anything else returns
 * SMCCC_RET_NOT_SUPPORTED and stays in the kernel.  Both end in
 * smccc_set_retval(vcpu, val, 0, 0, 0): x0 = the result, x1-x3 = 0
 * (measured on reference 4: the guest's x1/x2 read back 0 after the HVC).
 * The preferred return address of HVC is the next instruction. */
static void handle_hvc(struct armv *a)
{
	const struct a64_insn ii = { .pc = a64_pc(a->eng), .cls = A64_HVC };
	el2_read(&a->el2, ESR_EL2);
	if (a64_x(a->eng, 0) == PSCI_0_2_FN_SYSTEM_OFF) {
		a->stopped = true;
		a->user_exit = true;
		a64_set_x(a->eng, 0, PSCI_RET_INTERNAL_FAILURE);
	} else {
		a64_set_x(a->eng, 0, SMCCC_RET_NOT_SUPPORTED);
	}
	for (int r = 1; r <= 3; r++)
		a64_set_x(a->eng, r, 0);
	a64_skip(a->eng, &ii);
}

/* kvm_handle_guest_abort -> io_mem_abort: an IPA outside every memslot with
 * a valid syndrome is MMIO: KVM_EXIT_MMIO to user space (a store's data in
 * kvm_run->mmio), and at the next KVM_RUN kvm_handle_mmio_return writes a
 * load's register and skips the instruction.  hvsim's user space ignores
 * stores and answers loads with 0. */
static void handle_dabt(struct armv *a)
{
	struct arm_dabt_iss q = arm_dabt_esr_decode(el2_read(&a->el2, ESR_EL2));
	el2_read(&a->el2, FAR_EL2);
	el2_read(&a->el2, HPFAR_EL2);
	CPU_CHARGE(a->cpu, CYC_HANDLER, handler_io);
	a->mmio_pending = true;
	a->mmio_rt = q.write ? -1 : (int)q.srt;
	a->user_exit = true;
}

/* ---- the vCPU loop, steps 3-6 ----------------------------------------------------- */

/* Step 3, exit: the processor's exception entry to EL2 (arm/hw.c), counted
 * and traced (kvm_exit: the EC as the slot, ESR_EL2 as info1). */
static void arm_exit(struct armv *a, unsigned slot, uint32_t esr, uint64_t far)
{
	arm_hw_exit(a, slot, esr, far, far >> 12 << 4);
	cpu_exit_begin(a->cpu, slot, a64_pc(a->eng), slot == ARM_EXIT_IRQ ? 0 : slot, esr, 0, arm_exit_names[slot]);
}

/* Step 4, handle: the hyp's switch back (before the kernel's run loop sees
 * the exit), then handle_exit: one switch on the exception class. */
static void arm_handle_exit(struct armv *a, unsigned slot)
{
	switch_to_host(a);
	CPU_CHARGE(a->cpu, CYC_HANDLER, handler_base);
	switch (slot) {
	case ARM_EXIT_SYS64: handle_sys64(a); break;
	case ARM_EXIT_HVC64: handle_hvc(a); break;
	case ARM_EXIT_DABT_LOW: handle_dabt(a); break;
	case ARM_EXIT_IRQ: break;                   /* the host's timer interrupt, handled in the host */
	case ARM_EXIT_WFx: {
		const struct a64_insn ii = { .pc = a64_pc(a->eng), .cls = A64_WFI };
		el2_read(&a->el2, ESR_EL2);
		a64_skip(a->eng, &ii);              /* kvm_incr_pc after the wake-up */
		a->stopped = true;
		break;
	}
	default: break;
	}
}

static void arm_vcpu_exit(struct armv *a, unsigned slot, uint32_t esr, uint64_t far);

/* A replayed host interrupt due at this entry (arm_replay_irqs). */
static void replay_irq(struct armv *a)
{
	while (a->irq_next < a->nirq_replay && a->irq_replay[a->irq_next] < a->exit_no)
		a->irq_next++;                       /* not reached at its place (the run diverged) */
	if (a->stopped || a->irq_next >= a->nirq_replay || a->irq_replay[a->irq_next] != a->exit_no)
		return;
	a->irq_next++;
	arm_vcpu_exit(a, ARM_EXIT_IRQ, 0, 0);        /* its own entry replays the next one */
}

void arm_replay_irqs(struct armv *a, const uint64_t *at, size_t n)
{
	a->irq_replay = at;
	a->nirq_replay = n;
	a->irq_next = 0;
}

static void arm_vcpu_exit(struct armv *a, unsigned slot, uint32_t esr, uint64_t far)
{
	a->user_exit = false;
	arm_exit(a, slot, esr, far);                 /* 3. exit */
	arm_handle_exit(a, slot);                    /* 4. handle */
	if (a->user_exit)
		vcpu_put(a);                         /*    KVM_RUN returns to user space */
	a->exit_no++;                                /* 5. host work */
	if (a->cfg.host.after_exit)
		a->cfg.host.after_exit(a->cfg.host.ctx, a->exit_no);
	if (a->stopped) {                            /* 6. re-enter, or the run is over */
		a64_request_stop(a->eng, STOP_HALT, slot == ARM_EXIT_WFx ? "guest executed WFI (WFx exit)"
						    : "PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT)");
		return;
	}
	arm_enter(a);
}

/* Step 1, enter: the next KVM_RUN after a return to user space loads the
 * vCPU and completes an MMIO load; then kvm_arm_setup_debug (<= 6.13), the
 * hyp's switch to the guest, and ERET. */
void arm_enter(struct armv *a)
{
	if (!a->dbg.loaded) {
		vcpu_load(a);
		if (a->mmio_pending) {
			a->mmio_pending = false;
			const struct a64_insn ii = { .pc = a64_pc(a->eng), .cls = A64_LDST };
			if (a->mmio_rt >= 0)
				a64_set_x(a->eng, a->mmio_rt, 0);
			a64_skip(a->eng, &ii);
		}
	}
	setup_debug(a);
	switch_to_guest(a);
	arm_hw_eret(a);
	cpu_exit_end(a->cpu, a64_pc(a->eng));
	replay_irq(a);
}

/* ---- engine ops: what causes an exit --------------------------------------------- */

static bool arm_on_insn(void *p, const struct a64_insn *ii)
{
	struct armv *a = p;
	switch ((enum a64_class)ii->cls) {
	case A64_SYSREG:
		if (!arm_hw_traps(el2_hw_get(&a->el2, MDCR_EL2), el2_hw_get(&a->el2, HCR_EL2), ii->reg))
			return false;
		arm_vcpu_exit(a, ARM_EXIT_SYS64, arm_sys64_esr_encode(!ii->write, ii->op0, ii->op1, ii->crn, ii->crm,
								  ii->op2, ii->rt), 0);
		return true;
	case A64_WFI:
		/* HCR_EL2.TWI (HCR_GUEST_FLAGS): WFI traps, EC 0x01; KVM blocks
		 * the vCPU (kvm_handle_wfx) until an interrupt, which hvsim never
		 * sends: the run ends there, as an x86 HLT exit ends it */
		arm_vcpu_exit(a, ARM_EXIT_WFx, arm_esr(EC_WFX, 0), 0);
		return true;
	case A64_HVC:
		/* HCR_EL2.HCD = 0: HVC at EL1 is taken to EL2 */
		arm_vcpu_exit(a, ARM_EXIT_HVC64, arm_hvc_esr_encode(ii->imm), 0);
		return true;
	case A64_LDST: {
		uint64_t va = (ii->rn == 31 ? 0 : a64_x(a->eng, ii->rn)) + (uint64_t)ii->off;
		arm_vcpu_exit(a, ARM_EXIT_DABT_LOW, arm_dabt_esr_encode(ii->write, ii->size, ii->rt), va);
		return true;
	}
	default:
		return false;
	}
}

static bool arm_route_el2(void *p)
{
	struct armv *a = p;
	return (el2_hw_get(&a->el2, MDCR_EL2) & MDCR_EL2_TDE) || (el2_hw_get(&a->el2, HCR_EL2) & HCR_EL2_TGE);
}

static void arm_boundary(void *p)
{
	struct armv *a = p;
	if (!a->cfg.timer_period || a64_instructions(a->eng) < a->next_timer)
		return;
	a->next_timer = a64_instructions(a->eng) + a->cfg.timer_period;
	arm_vcpu_exit(a, ARM_EXIT_IRQ, 0, 0);
}

/* The budget-end exit: the host's timer interrupt; the run ends there
 * after the hyp's switch back. */
static void arm_budget(void *p)
{
	struct armv *a = p;
	arm_exit(a, ARM_EXIT_IRQ, 0, 0);
	switch_to_host(a);
}

/* ---- the host's hw_breakpoint layer ---------------------------------------------- */

/* arch/arm64/kernel/hw_breakpoint.c for a kernel address on a VHE host:
 * encode_ctrl_reg() = mask << 24 | len << 5 | type << 3 | privilege << 1 |
 * enabled, privilege EL1 (0b01) plus DBG_HMC_HYP (bit 13) "if
 * (is_kernel_in_hyp_mode() && ctrl.privilege == AARCH64_BREAKPOINT_EL1)";
 * len is the byte mask at the address's offset in its doubleword;
 * arch_install_hw_breakpoint writes the slot on this CPU at once and
 * enable_debug_monitors(DBG_ACTIVE_EL1) sets MDSCR_EL1.KDE and MDE. */
void arm_host_bp_install(struct armv *a, int slot, uint64_t addr, unsigned type, unsigned len)
{
	struct cpu *c = a->cpu;
	uint64_t *w = a->host.want.reg;
	if (slot < 0 || slot >= ARM_MAX_WRPS)
		return;
	if (type == 0) {
		if ((unsigned)slot >= c->arm.brps)
			return;
		struct arm_bcr b = { .e = true, .pmc = 1, .bas = 0xF, .hmc = true };
		w[ARM_DBGBVR0 + slot] = addr & ~3ull;
		w[ARM_DBGBCR0 + slot] = arm_bcr_encode(&b);
		cpu_arm_write(c, ARM_DBGBVR0 + slot, w[ARM_DBGBVR0 + slot], DRW_HOST_KERNEL, "host bp");
		cpu_arm_write(c, ARM_DBGBCR0 + slot, w[ARM_DBGBCR0 + slot], DRW_HOST_KERNEL, "host bp");
	} else {
		if ((unsigned)slot >= c->arm.wrps)
			return;
		unsigned off = (unsigned)(addr & 7), n = len ? len : 1;
		struct arm_wcr wc = { .e = true, .pac = 1, .lsc = type == 1 ? 2 : 3,
				      .bas = (((1u << n) - 1) << off) & 0xFF, .hmc = true };
		w[ARM_DBGWVR0 + slot] = addr & ~7ull;      /* VA[63:49] read back as the sign extension */
		w[ARM_DBGWCR0 + slot] = arm_wcr_encode(&wc);
		cpu_arm_write(c, ARM_DBGWVR0 + slot, w[ARM_DBGWVR0 + slot], DRW_HOST_KERNEL, "host wp");
		cpu_arm_write(c, ARM_DBGWCR0 + slot, w[ARM_DBGWCR0 + slot], DRW_HOST_KERNEL, "host wp");
	}
	w[ARM_MDSCR_EL1] |= MDSCR_KDE | MDSCR_MDE;
	cpu_arm_write(c, ARM_MDSCR_EL1, c->arm.reg[ARM_MDSCR_EL1] | MDSCR_KDE | MDSCR_MDE, DRW_HOST_KERNEL,
		      "enable_debug_monitors");
}

void arm_host_bp_remove(struct armv *a, int slot)
{
	struct cpu *c = a->cpu;
	uint64_t *w = a->host.want.reg;
	if (slot < 0 || slot >= ARM_MAX_WRPS)
		return;
	int regs[4] = { ARM_DBGBVR0 + slot, ARM_DBGBCR0 + slot, ARM_DBGWVR0 + slot, ARM_DBGWCR0 + slot };
	for (int i = 0; i < 4; i++)
		if (w[regs[i]]) {
			w[regs[i]] = 0;
			cpu_arm_write(c, regs[i], 0, DRW_HOST_KERNEL, "host bp remove");
		}
	bool any = arm_bp_armed(w + ARM_DBGBCR0, c->arm.brps) || arm_wp_armed(w + ARM_DBGWCR0, c->arm.wrps);
	if (!any) {
		/* disable_debug_monitors */
		w[ARM_MDSCR_EL1] &= ~(MDSCR_KDE | MDSCR_MDE);
		cpu_arm_write(c, ARM_MDSCR_EL1, c->arm.reg[ARM_MDSCR_EL1] & ~(MDSCR_KDE | MDSCR_MDE),
			      DRW_HOST_KERNEL, "disable_debug_monitors");
	}
}

void arm_host_touch(struct armv *a, uint64_t addr, unsigned size, bool write)
{
	a64_host_touch(a->eng, &a->host.want, addr, size, write);
}

/* ---- life cycle ------------------------------------------------------------------ */

struct armv *arm_create(struct cpu *cpu, struct a64 *eng, const struct hv_config *cfg)
{
	struct armv *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->cpu = cpu;
	a->eng = eng;
	a->cfg = *cfg;
	a->el2.cpu = cpu;
	a->dbg.pol = *cfg->policy;
	/* KVM's vCPU reset: the debug registers 0 (reset_dbg_wb_reg, reset_val
	 * 0), OSLSR_EL1 = OSLM "implemented", OS Lock clear
	 * (OSLSR_EL1_OSLM_IMPLEMENTED), MDSCR_EL1 0.  HCR_EL2 for a guest
	 * (HCR_GUEST_FLAGS) has TID3, not TGE. */
	a->dbg.sys[ARM_OSLSR_EL1] = 0;
	el2_hw_set(&a->el2, HCR_EL2, HCR_EL2_TID3);
	/* kvm_arm_vcpu_init_debug: the first MDCR_EL2 (<= 6.13 computes it at
	 * init and before every entry) */
	setup_mdcr(a, false);
	a->next_timer = cfg->timer_period;
	struct a64_ops ops = { .insn = arm_on_insn, .route_el2 = arm_route_el2, .budget = arm_budget,
			       .boundary = cfg->timer_period ? arm_boundary : NULL, .ctx = a };
	a64_set_ops(eng, &ops);
	return a;
}

void arm_destroy(struct armv *a) { free(a); }
