/* a64_exec.c - what happens before every AArch64 guest instruction
 * (cpu/engine/a64.h): pending Software Step and Watchpoint exceptions,
 * Breakpoint matching, the emulated sites, exception entry to EL1, ERET,
 * and the oracle that compares the hardware with the guest's own view. */
#include "cpu/engine/a64_int.h"
#include <stdio.h>
#include <string.h>

/* ---- decode ---------------------------------------------------------------------- */

/* A64 encodings ("A64 Instruction Set Encoding" tables of the Arm ARM,
 * C4): system register moves, exception generation, exception return,
 * load/store register (unsigned immediate / unscaled immediate). */
void a64_classify(uint32_t raw, uint64_t pc, struct a64_insn *ii)
{
	memset(ii, 0, sizeof(*ii));
	ii->pc = pc;
	ii->raw = raw;
	ii->reg = -1;
	if ((raw & 0xFFD00000u) == 0xD5100000u) {
		/* MSR/MRS (register): 1101010100 L 1 o0 op1 CRn CRm op2 Rt */
		ii->op0 = (uint8_t)(2 + ((raw >> 19) & 1));
		ii->op1 = (uint8_t)((raw >> 16) & 7);
		ii->crn = (uint8_t)((raw >> 12) & 0xF);
		ii->crm = (uint8_t)((raw >> 8) & 0xF);
		ii->op2 = (uint8_t)((raw >> 5) & 7);
		ii->rt = (uint8_t)(raw & 0x1F);
		ii->write = !((raw >> 21) & 1);
		int reg = arm_dbgreg_lookup(ii->op0, ii->op1, ii->crn, ii->crm, ii->op2);
		if (reg >= 0) {
			ii->cls = A64_SYSREG;
			ii->reg = (int16_t)reg;
		}
		return;
	}
	if ((raw & 0xFFE0001Fu) == 0xD4000002u) {
		ii->cls = A64_HVC;
		ii->imm = (uint16_t)((raw >> 5) & 0xFFFF);
		return;
	}
	if ((raw & 0xFFE0001Fu) == 0xD4200000u) {
		ii->cls = A64_BRK;
		ii->imm = (uint16_t)((raw >> 5) & 0xFFFF);
		return;
	}
	if (raw == 0xD69F03E0u) {
		ii->cls = A64_ERET;
		return;
	}
	if (raw == 0xD503207Fu) {
		ii->cls = A64_WFI;
		return;
	}
	unsigned size = raw >> 30, opc = (raw >> 22) & 3;
	if ((raw & 0x3F000000u) == 0x39000000u && opc <= 1) {
		/* LDR/STR (immediate, unsigned offset), integer */
		ii->cls = A64_LDST;
		ii->off = (int64_t)(((raw >> 10) & 0xFFF) << size);
	} else if ((raw & 0x3F200C00u) == 0x38000000u && opc <= 1) {
		/* LDUR/STUR (unscaled immediate), integer: imm9 signed */
		ii->cls = A64_LDST;
		ii->off = (int64_t)((int32_t)(raw << 11) >> 23);
	} else {
		return;
	}
	ii->write = opc == 0;
	ii->size = (uint8_t)(1u << size);
	ii->rn = (uint8_t)((raw >> 5) & 0x1F);
	ii->rt = (uint8_t)(raw & 0x1F);
}

/* ---- helpers --------------------------------------------------------------------- */

static uint64_t base_reg(struct a64 *e, unsigned rn)
{
	if (rn == 31) {
		uint64_t sp = 0;
		uc_reg_read(e->uc, UC_ARM64_REG_SP, &sp);
		return sp;
	}
	return a64_x(e, (int)rn);
}

static bool route_el2(struct a64 *e)
{
	return e->ops.route_el2 && e->ops.route_el2(e->ops.ctx);
}

static bool oslk_of(const uint64_t *reg) { return (reg[ARM_OSLSR_EL1] & OSLSR_OSLK) != 0; }

/* Hardware enables for a debug exception from EL1: target EL1 (D2
 * "Enabling debug exceptions from the current Exception level"), or EL2
 * when MDCR_EL2.TDE routes them there, in which case EL1 is a lower EL and
 * only the OS Lock and MDE gate them. */
static bool hw_enabled(struct a64 *e, bool pstate_d, bool bpwp)
{
	const uint64_t *h = e->cpu->arm.reg;
	if (route_el2(e))
		return !oslk_of(h) && (!bpwp || (h[ARM_MDSCR_EL1] & MDSCR_MDE));
	return arm_debug_enabled_el1(h[ARM_MDSCR_EL1], oslk_of(h), pstate_d, ARM_EL1, bpwp);
}

static bool ideal_enabled(struct a64 *e, bool pstate_d, bool bpwp)
{
	const uint64_t *g = e->ideal->reg;
	return arm_debug_enabled_el1(g[ARM_MDSCR_EL1], oslk_of(g), pstate_d, ARM_EL1, bpwp);
}

static enum db_outcome outcome(unsigned hw, unsigned ideal)
{
	return hw && ideal ? DB_DELIVERED : ideal ? DB_MISSED : DB_SPURIOUS;
}

/* ---- exception entry and return -------------------------------------------------- */

/* Exception entry to EL1 (D1 "Exception entry"): SPSR_EL1 = PSTATE (with
 * SS per the step state: 1 when the exception is taken with the step
 * active-not-pending, D2 "Software Step exceptions"), ELR_EL1 = preferred
 * return address, ESR_EL1 (and FAR_EL1 for watchpoints), PSTATE.{D,A,I,F}
 * = 1, PSTATE.SS = 0, EL1h, PC = VBAR_EL1 + 0x200 (current EL with
 * SP_ELx, synchronous). */
void a64_take_el1(struct a64 *e, uint32_t esr, uint64_t far, bool far_valid, uint64_t pc)
{
	uint64_t vbar = a64_el1(e, A64_VBAR_EL1);
	if (!vbar) {
		char msg[160];
		snprintf(msg, sizeof(msg), "exception (ESR 0x%08x) at 0x%llx with VBAR_EL1 = 0 (no vectors)",
			 esr, (unsigned long long)pc);
		a64_request_stop(e, STOP_FAULT, msg);
		a64_halt_here(e, pc);
		return;
	}
	if (e->insns == e->exc_insns && e->exc_streak) {
		if (++e->exc_streak > 64) {
			char msg[160];
			snprintf(msg, sizeof(msg), "exception loop: 64 exceptions (last ESR 0x%08x at 0x%llx) without an "
				 "instruction completing", esr, (unsigned long long)pc);
			a64_request_stop(e, STOP_TRIPLE, msg);
			a64_halt_here(e, pc);
			return;
		}
	} else {
		e->exc_insns = e->insns;
		e->exc_streak = 1;
	}
	uint32_t ps = a64_pstate_raw(e);
	uint32_t spsr = (ps & ~(uint32_t)PSTATE_SS) | (e->ss_hw == SS_ACTIVE_NOT_PENDING ? (uint32_t)PSTATE_SS : 0);
	a64_set_el1(e, A64_ELR_EL1, pc);
	a64_set_el1(e, A64_SPSR_EL1, spsr);
	a64_set_el1(e, A64_ESR_EL1, esr);
	if (far_valid)
		a64_set_el1(e, A64_FAR_EL1, far);
	a64_set_pstate(e, (ps & 0xF0000000u) | (uint32_t)PSTATE_DAIF | (uint32_t)PSTATE_EL1H);
	e->ss_hw = e->ss_ideal = SS_INACTIVE;
	CPU_CHARGE(e->cpu, CYC_GUEST, db_delivery);
	a64_set_pc(e, vbar + VEC_CUR_SPX_SYNC);
}

/* The step state after a return to EL1 with SPSR.SS = ss and debug state
 * (mdscr, oslk): inactive unless MDSCR_EL1.SS = 1 and software step is
 * enabled at the target; then active-not-pending if SPSR.SS = 1, else
 * active-pending (D2 "Software Step exceptions", "Entering the active-not-
 * pending state"). */
static enum ss_state step_after_eret(uint64_t mdscr, bool oslk, bool d, bool ss)
{
	if (!(mdscr & MDSCR_SS) || !arm_debug_enabled_el1(mdscr, oslk, d, ARM_EL1, false))
		return SS_INACTIVE;
	return ss ? SS_ACTIVE_NOT_PENDING : SS_ACTIVE_PENDING;
}

/* ERET at EL1 (C6 "ERET"): PC = ELR_EL1, PSTATE = SPSR_EL1.  hvsim runs
 * guests at EL1h only. */
static void do_eret(struct a64 *e, uint64_t pc)
{
	uint64_t spsr = a64_el1(e, A64_SPSR_EL1), elr = a64_el1(e, A64_ELR_EL1);
	if ((spsr & 0xF) != PSTATE_EL1H || (spsr & (1u << 4))) {
		char msg[160];
		snprintf(msg, sizeof(msg), "ERET at 0x%llx to SPSR_EL1 0x%llx: only a return to EL1h "
			 "(M = 0b0101) is modelled", (unsigned long long)pc, (unsigned long long)spsr);
		a64_request_stop(e, STOP_FAULT, msg);
		a64_halt_here(e, pc);
		return;
	}
	bool d = (spsr & PSTATE_D) != 0, ss = (spsr & PSTATE_SS) != 0;
	const uint64_t *h = e->cpu->arm.reg, *g = e->ideal->reg;
	e->ss_hw = route_el2(e) ? SS_INACTIVE : step_after_eret(h[ARM_MDSCR_EL1], oslk_of(h), d, ss);
	e->ss_ideal = step_after_eret(g[ARM_MDSCR_EL1], oslk_of(g), d, ss);
	a64_set_pstate(e, (uint32_t)spsr & ~(uint32_t)PSTATE_SS);
	e->insns++;
	CPU_CHARGE(e->cpu, CYC_GUEST, insn_branch);
	a64_set_pc(e, elr);
}

void a64_skip(struct a64 *e, const struct a64_insn *ii)
{
	/* an instruction completed (natively emulated, or by the hypervisor:
	 * kvm_incr_pc clears PSTATE.SS, the step is done) */
	if (e->ss_hw == SS_ACTIVE_NOT_PENDING)
		e->ss_hw = SS_ACTIVE_PENDING;
	if (e->ss_ideal == SS_ACTIVE_NOT_PENDING)
		e->ss_ideal = SS_ACTIVE_PENDING;
	a64_set_pc(e, ii->pc + 4);
}

/* ---- debug exceptions ------------------------------------------------------------ */

static bool take_debug(struct a64 *e, unsigned ec_cur, uint32_t iss, uint64_t far, bool far_valid, uint64_t pc)
{
	if (route_el2(e)) {
		/* routed to EL2: the class "from a lower Exception level" */
		if (e->ops.debug_exit && e->ops.debug_exit(e->ops.ctx, ec_cur - 1, iss, far, pc))
			return true;
		return false;
	}
	a64_take_el1(e, arm_esr(ec_cur, iss), far, far_valid, pc);
	return true;
}

/* Software step, active-pending: the exception is taken before the next
 * instruction (ELR = its address; ISS.ISV = 1, EX = 0). */
static bool step_pending(struct a64 *e, uint64_t pc)
{
	bool hw = e->ss_hw == SS_ACTIVE_PENDING, idl = e->ss_ideal == SS_ACTIVE_PENDING;
	if (!hw && !idl)
		return false;
	uint32_t esr = arm_esr(EC_SOFTSTP_CUR, ISS_SS_ISV | ISS_FSC_DEBUG);
	a64_log(e, false, pc, hw, idl, outcome(hw, idl), "software-step", esr, 0);
	e->ss_hw = e->ss_ideal = SS_INACTIVE;
	if (!hw)
		return false;
	return take_debug(e, EC_SOFTSTP_CUR, ISS_SS_ISV | ISS_FSC_DEBUG, 0, false, pc);
}

/* D2 "Breakpoint exceptions": checked before the instruction executes;
 * a Breakpoint exception is a fault (ELR = the instruction). */
static bool check_bp(struct a64 *e, uint64_t pc)
{
	const uint64_t *h = e->cpu->arm.reg, *g = e->ideal->reg;
	unsigned nb = e->cpu->arm.brps;
	if (!arm_bp_armed(h + ARM_DBGBCR0, nb) && !arm_bp_armed(g + ARM_DBGBCR0, nb))
		return false;
	bool d = (a64_pstate_raw(e) & PSTATE_D) != 0;
	uint64_t ctx = a64_el1(e, A64_CONTEXTIDR_EL1);
	unsigned hw = hw_enabled(e, d, true) ? arm_bp_match(h + ARM_DBGBVR0, h + ARM_DBGBCR0, nb, pc, ARM_EL1, ctx) : 0;
	unsigned idl = ideal_enabled(e, d, true) ? arm_bp_match(g + ARM_DBGBVR0, g + ARM_DBGBCR0, nb, pc, ARM_EL1, ctx) : 0;
	if (!hw && !idl)
		return false;
	a64_log(e, false, pc, hw, idl, outcome(hw, idl), "breakpoint", arm_esr(EC_BREAKPT_CUR, ISS_FSC_DEBUG), 0);
	if (!hw)
		return false;
	return take_debug(e, EC_BREAKPT_CUR, ISS_FSC_DEBUG, 0, false, pc);
}

static void wp_summary(struct a64 *e)
{
	const uint64_t *h = e->cpu->arm.reg, *g = e->ideal->reg;
	unsigned nw = e->cpu->arm.wrps;
	e->wp_any = arm_wp_armed(h + ARM_DBGWCR0, nw) || arm_wp_armed(g + ARM_DBGWCR0, nw);
}

void a64_mem_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct a64 *e = user;
	(void)uc;
	(void)value;
	if (!e->wp_any || e->wp_pending || size <= 0)
		return;
	bool write = type == UC_MEM_WRITE;
	const uint64_t *h = e->cpu->arm.reg, *g = e->ideal->reg;
	unsigned nw = e->cpu->arm.wrps;
	bool d = (a64_pstate_raw(e) & PSTATE_D) != 0;
	unsigned hw = hw_enabled(e, d, true) ? arm_wp_match(h + ARM_DBGWVR0, h + ARM_DBGWCR0, nw, addr, (unsigned)size, write, ARM_EL1) : 0;
	unsigned idl = ideal_enabled(e, d, true) ? arm_wp_match(g + ARM_DBGWVR0, g + ARM_DBGWCR0, nw, addr, (unsigned)size, write, ARM_EL1) : 0;
	if (!hw && !idl)
		return;
	e->wp_pending = true;
	e->wp_hw = hw;
	e->wp_idl = idl;
	e->wp_addr = addr;
	e->wp_write = write;
	e->wp_size = (unsigned)size > sizeof(e->wp_old) ? (unsigned)sizeof(e->wp_old) : (unsigned)size;
	if (write)
		uc_mem_read(e->uc, addr, e->wp_old, e->wp_size);
}

/* D2 "Watchpoint exceptions": a Watchpoint exception is a synchronous
 * fault, "the instruction that generated it is not executed": the access
 * the memory hook saw is undone here, at the next instruction boundary
 * (registers from the snapshot taken before the instruction, the bytes a
 * store overwrote), then the exception is taken with ELR = the access's
 * instruction, FAR_EL1 = the accessed address, ISS.WnR. */
static bool wp_resolve(struct a64 *e)
{
	e->wp_pending = false;
	uint32_t iss = ISS_FSC_DEBUG | (e->wp_write ? ISS_WNR : 0);
	a64_log(e, false, e->wp_pc, e->wp_hw, e->wp_idl, outcome(e->wp_hw, e->wp_idl), "watchpoint",
		arm_esr(EC_WATCHPT_CUR, iss), e->wp_addr);
	if (!e->wp_hw)
		return false;                  /* missed: the access completed */
	uc_context_restore(e->uc, e->wp_ctx);
	if (e->wp_write)
		uc_mem_write(e->uc, e->wp_addr, e->wp_old, e->wp_size);
	if (e->insns)
		e->insns--;                    /* it did not complete */
	e->ss_hw = e->ss_hw == SS_ACTIVE_PENDING ? SS_ACTIVE_NOT_PENDING : e->ss_hw;
	e->ss_ideal = e->ss_ideal == SS_ACTIVE_PENDING ? SS_ACTIVE_NOT_PENDING : e->ss_ideal;
	return take_debug(e, EC_WATCHPT_CUR, iss, e->wp_addr, true, e->wp_pc);
}

/* ---- sites ----------------------------------------------------------------------- */

/* What the guest should read back from a debug register it can see: its own
 * last write, the OS Lock it set, the ID value of the CPU (cpu/arm_dbg.h). */
static uint64_t ideal_read(struct a64 *e, int reg)
{
	const uint64_t *g = e->ideal->reg;
	switch (reg) {
	case ARM_OSLSR_EL1: return OSLSR_OSLM_IMPL | (g[reg] & OSLSR_OSLK);
	case ARM_ID_AA64DFR0_EL1: return arm_id_aa64dfr0(e->cpu->arm.brps, e->cpu->arm.wrps);
	case ARM_MDRAR_EL1: case ARM_MDCCSR_EL0: case ARM_OSDLR_EL1: case ARM_DBGPRCR_EL1: return 0;
	case ARM_DBGCLAIMSET_EL1: case ARM_DBGCLAIMCLR_EL1: case ARM_DBGAUTHSTATUS_EL1: return UINT64_MAX;
	default: return g[reg];
	}
}

static bool ideal_read_checked(int reg)
{
	/* KVM makes OSDLR, DBGPRCR, the claim tags, MDRAR and the DCC status
	 * RAZ/WI and passes DBGAUTHSTATUS through (sys_regs.c trap_raz_wi,
	 * trap_dbgauthstatus_el1): not compared */
	return reg < 64 || reg == ARM_MDSCR_EL1 || reg == ARM_OSLSR_EL1 || reg == ARM_MDCCINT_EL1 ||
	       reg == ARM_ID_AA64DFR0_EL1;
}

static void ideal_write(struct a64 *e, int reg, uint64_t v)
{
	uint64_t *g = e->ideal->reg;
	if (reg == ARM_OSLAR_EL1)
		g[ARM_OSLSR_EL1] = (v & OSLAR_OSLK) ? OSLSR_OSLK : 0;
	else if (!arm_dbgreg_readonly(reg))
		g[reg] = v;
}

uint64_t a64_native_sysreg(struct a64 *e, const struct a64_insn *ii)
{
	struct cpu *c = e->cpu;
	int reg = ii->reg;
	if (ii->write) {
		uint64_t v = a64_x(e, ii->rt);
		if (reg == ARM_OSLAR_EL1)
			cpu_arm_write(c, ARM_OSLSR_EL1, OSLSR_OSLM_IMPL | ((v & OSLAR_OSLK) ? OSLSR_OSLK : 0), DRW_GUEST,
				      "oslar");
		else
			cpu_arm_write(c, reg, v, DRW_GUEST, "msr");
		return 0;
	}
	uint64_t v;
	switch (reg) {
	case ARM_ID_AA64DFR0_EL1: v = arm_id_aa64dfr0(c->arm.brps, c->arm.wrps); break;
	case ARM_OSLSR_EL1: v = OSLSR_OSLM_IMPL | (c->arm.reg[reg] & OSLSR_OSLK); break;
	default: v = c->arm.reg[reg]; break;
	}
	c->st.dr_guest_native_reads++;
	CPU_CHARGE(c, CYC_GUEST, mov_dr_read);
	a64_set_x(e, ii->rt, v);
	return v;
}

static void site_sysreg(struct a64 *e, const struct a64_insn *ii)
{
	int reg = ii->reg;
	if ((ii->write && arm_dbgreg_readonly(reg)) || (!ii->write && arm_dbgreg_writeonly(reg))) {
		/* "MSR to a read-only register / MRS of a write-only register is
		 * UNDEFINED": the exception with EC 0x00 */
		a64_take_el1(e, arm_esr(EC_UNKNOWN, 0), 0, false, ii->pc);
		return;
	}
	uint64_t expect = 0;
	if (ii->write)
		ideal_write(e, reg, a64_x(e, ii->rt));
	else
		expect = ideal_read(e, reg);
	if (!(e->ops.insn && e->ops.insn(e->ops.ctx, ii))) {
		a64_native_sysreg(e, ii);
		a64_skip(e, ii);
	}
	e->insns++;
	CPU_CHARGE(e->cpu, CYC_GUEST, insn_other);
	if (!ii->write && ii->rt != 31 && ideal_read_checked(reg)) {
		uint64_t got = a64_x(e, ii->rt);
		if (got != expect)
			a64_violation(e, ii->pc, reg, "dbg_read_mismatch", "MRS %s read 0x%llx, the guest wrote 0x%llx",
				      arm_dbgreg_name(reg), (unsigned long long)got, (unsigned long long)expect);
	}
	wp_summary(e);
}

static void site(struct a64 *e, const struct a64_insn *ii)
{
	switch ((enum a64_class)ii->cls) {
	case A64_SYSREG:
		site_sysreg(e, ii);
		return;
	case A64_HVC:
		if (e->ops.insn && e->ops.insn(e->ops.ctx, ii)) {
			e->insns++;
			return;
		}
		/* no EL2 (bare metal): HVC is UNDEFINED at EL1 */
		a64_take_el1(e, arm_esr(EC_UNKNOWN, 0), 0, false, ii->pc);
		return;
	case A64_ERET:
		do_eret(e, ii->pc);
		return;
	case A64_BRK:
		/* Breakpoint Instruction exception (D2): not masked by MDE, KDE,
		 * PSTATE.D or the OS Lock; ELR = the BRK itself, ISS = imm16. */
		if (route_el2(e) && e->ops.debug_exit && e->ops.debug_exit(e->ops.ctx, EC_BRK64, ii->imm, 0, ii->pc))
			return;
		a64_take_el1(e, arm_esr(EC_BRK64, ii->imm), 0, false, ii->pc);
		return;
	case A64_WFI:
		/* with HCR_EL2.TWI the vendor traps it (EC 0x01); bare metal: the
		 * CPU waits for an interrupt that never comes - the run ends, as
		 * x86's HLT ends it */
		if (e->ops.insn && e->ops.insn(e->ops.ctx, ii))
			return;
		e->insns++;
		a64_skip(e, ii);
		a64_request_stop(e, STOP_HALT, "WFI with no interrupt to wake the CPU");
		return;
	case A64_LDST:
	case A64_NONE:
		return;
	}
}

/* Guest cycles by instruction group ("A64 Instruction Set Encoding": op0
 * x1x0 loads and stores, x101 branches and system). */
static void charge(struct a64 *e, uint32_t raw)
{
	struct cpu *c = e->cpu;
	if ((raw & 0x0A000000u) == 0x08000000u)
		CPU_CHARGE(c, CYC_GUEST, insn_load);
	else if ((raw & 0x1C000000u) == 0x14000000u)
		CPU_CHARGE(c, CYC_GUEST, insn_branch);
	else
		CPU_CHARGE(c, CYC_GUEST, insn_alu);
}

void a64_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct a64 *e = user;
	(void)size;
	e->cur_pc = addr;
	if (e->stop_req || e->pause_req) {
		a64_halt_here(e, addr);
		return;
	}
	if (e->wp_pending && wp_resolve(e))
		return;
	if (step_pending(e, addr))
		return;
	if (e->max_insns && e->insns >= e->max_insns) {
		if (e->ops.budget)
			e->ops.budget(e->ops.ctx);
		a64_request_stop(e, STOP_BUDGET, "instruction budget exhausted");
		a64_halt_here(e, addr);
		return;
	}
	if (e->max_cycles && e->cpu->st.cycles_total >= e->max_cycles) {
		if (e->ops.budget)
			e->ops.budget(e->ops.ctx);
		a64_request_stop(e, STOP_BUDGET, "cycle budget exhausted");
		a64_halt_here(e, addr);
		return;
	}
	if (e->ops.boundary) {
		e->ops.boundary(e->ops.ctx);
		if (e->stop_req || e->cur_pc != addr) {
			if (e->stop_req)
				a64_halt_here(e, e->cur_pc);
			return;
		}
	}
	if (check_bp(e, addr))
		return;
	uint32_t raw = 0;
	if (uc_mem_read(uc, addr, &raw, 4) != UC_ERR_OK)
		return;                        /* the fetch fails natively (unmapped hook) */
	struct a64_insn ii;
	a64_classify(raw, addr, &ii);
	if (ii.cls == A64_LDST && !a64_mapped(e, base_reg(e, ii.rn) + (uint64_t)ii.off, ii.size)) {
		/* a load/store outside guest memory: MMIO, a stage-2 abort in a VM */
		if (e->ops.insn && e->ops.insn(e->ops.ctx, &ii)) {
			e->insns++;
			return;
		}
		char msg[160];
		snprintf(msg, sizeof(msg), "%s of unmapped address 0x%llx at 0x%llx", ii.write ? "write" : "read",
			 (unsigned long long)(base_reg(e, ii.rn) + (uint64_t)ii.off), (unsigned long long)addr);
		a64_request_stop(e, STOP_UNMAPPED, msg);
		a64_halt_here(e, addr);
		return;
	}
	if (ii.cls != A64_NONE && ii.cls != A64_LDST) {
		site(e, &ii);
		if (e->stop_req)
			uc_emu_stop(uc);
		return;
	}
	/* native: count it, arm the step and the watchpoint snapshot */
	e->insns++;
	charge(e, raw);
	if (e->ss_hw == SS_ACTIVE_NOT_PENDING)
		e->ss_hw = SS_ACTIVE_PENDING;
	if (e->ss_ideal == SS_ACTIVE_NOT_PENDING)
		e->ss_ideal = SS_ACTIVE_PENDING;
	if (e->wp_gen != e->cpu->dr_gen) {
		e->wp_gen = e->cpu->dr_gen;
		wp_summary(e);
	}
	if (e->wp_any) {
		uc_context_save(uc, e->wp_ctx);
		e->wp_pc = addr;
	}
}

void a64_host_touch(struct a64 *e, const struct arm_dbg_file *host, uint64_t addr, unsigned size, bool write)
{
	/* The VHE host kernel runs at EL2 with HCR_EL2.{E2H,TGE} = {1,1}: its
	 * debug exceptions target EL2 and use MDSCR_EL1 (D2 "Routing debug
	 * exceptions"); enabled with KDE (and MDE for watchpoints), PSTATE.D
	 * clear in the kernel's normal context. */
	const uint64_t *h = e->cpu->arm.reg, *g = host->reg;
	unsigned nw = e->cpu->arm.wrps;
	bool hw_en = !oslk_of(h) && (h[ARM_MDSCR_EL1] & MDSCR_MDE) && (h[ARM_MDSCR_EL1] & MDSCR_KDE);
	bool id_en = (g[ARM_MDSCR_EL1] & MDSCR_MDE) && (g[ARM_MDSCR_EL1] & MDSCR_KDE);
	unsigned hw = hw_en ? arm_wp_match(h + ARM_DBGWVR0, h + ARM_DBGWCR0, nw, addr, size, write, ARM_EL2) : 0;
	unsigned idl = id_en ? arm_wp_match(g + ARM_DBGWVR0, g + ARM_DBGWCR0, nw, addr, size, write, ARM_EL2) : 0;
	if (!hw && !idl)
		return;
	if (hw)
		CPU_CHARGE(e->cpu, CYC_HOST, host_db);
	a64_log(e, true, addr, hw, idl, outcome(hw, idl), "watchpoint",
		arm_esr(EC_WATCHPT_CUR, ISS_FSC_DEBUG | (write ? ISS_WNR : 0)), addr);
}
