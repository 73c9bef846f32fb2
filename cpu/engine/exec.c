/* exec.c - the engine's hooks and run loop: breakpoint detection, native
 * semantics of the sites, and the #DB oracle.
 *
 * The oracle: at every point where the hardware may raise a #DB (execute
 * breakpoint check, data access, single-step, ICEBP, general detect) the
 * engine evaluates the same condition twice, once against the hardware DRs
 * (struct cpu) and once against the owner's architectural DRs (e->ideal).
 * If the owner's DRs call for a #DB an "expectation" is opened; the
 * hardware path then runs synchronously (possibly through a VM exit, the
 * hypervisor and a re-injection); a #DB that reaches the owner's handler
 * while the expectation is open is "delivered", one that arrives with no
 * expectation is "spurious", and an expectation still open at the end is
 * "missed". */
#include "cpu/engine/engine_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RFL_TF (1ull << 8)
#define CR4_DE (1ull << 3)

/* ---- the oracle ---------------------------------------------------------- */

static void expect_begin(struct engine *e, unsigned ideal_slots, uint64_t event, const char *cause)
{
	e->exp_active = true;
	e->exp_consumed = false;
	e->exp_slots = ideal_slots;
	e->exp_cause = cause;
	e->exp_rip = e->cur_rip;
	e->exp_hw = 0;
	/* The owner's DR6 as the SDM says it reads after this #DB. */
	e->ideal->dr[6] = dr6_after_db(e->ideal->dr[6], event, &e->cpu->feat);
	/* The hooks follow DR0-3 and DR7 only (update_bp_hooks_slow): a DR6
	 * update alone re-arms nothing. */
	if (event & DR6_BD) {
		e->ideal->dr[7] &= ~DR7_GD;     /* GD cleared on delivery (SDM 17.2.4) */
		e->dr_dirty = true;
	}
}

static void expect_end(struct engine *e)
{
	/* A VM entry deferred to the outer loop may still deliver it:
	 * engine_settle() resolves the expectation after that entry. */
	if (e->pause_req)
		return;
	if (e->exp_active && !e->exp_consumed)
		db_log_public(e, e->exp_rip, e->exp_hw, e->exp_slots, DB_MISSED, e->exp_cause);
	e->exp_active = false;
}

void engine_note_db_delivery(struct engine *e, uint64_t dr6_seen)
{
	(void)dr6_seen;
	if (e->exp_active && !e->exp_consumed) {
		e->exp_consumed = true;
		if (e->exp_hw && e->exp_slots && e->exp_hw != e->exp_slots)
			engine_violation(e, e->exp_rip, -1, "db_slot_mismatch",
					 "#DB delivered for hardware slots 0x%x, the owner armed 0x%x",
					 e->exp_hw, e->exp_slots);
		db_log_public(e, e->exp_rip, e->exp_hw, e->exp_slots, DB_DELIVERED, e->exp_cause);
	} else {
		db_log_public(e, e->cur_rip, e->exp_hw, 0, DB_SPURIOUS, "spurious");
	}
}

void engine_note_db_debugger(struct engine *e, uint64_t pc, uint64_t dr6, const char *cause)
{
	size_t n = e->log.ndb;
	db_log_as(e, true, pc, e->exp_hw, 0, DB_DELIVERED, cause);
	if (e->log.ndb > n)
		e->log.dblog[n].dr6 = dr6;
}

void engine_set_host_singlestep(struct engine *e, bool on)
{
	e->host_tf = on;
}

/* ---- raising exceptions ---------------------------------------------------- */

void engine_deliver(struct engine *e, int vector, bool fault, bool has_error, uint32_t error)
{
	if (e->host) {
		/* Host context: the host's #DB handler (perf/ptrace overflow) runs
		 * and returns; an execute breakpoint returns with RF set, which we
		 * get for free by not redirecting. */
		if (vector == 1) {
			engine_note_db_delivery(e, e->cpu->dr[6]);
			CPU_CHARGE(e->cpu, CYC_HOST, host_db);
		}
		return;
	}
	if (vector == 1)
		engine_note_db_delivery(e, e->ideal->dr[6]);
	if (deliver_exception(e, vector, fault, has_error, error, false))
		return;
	engine_stop_no_idt(e, vector, e->cur_rip);
}

/* No guest IDT (IDTR base and limit 0): every vector lies beyond the limit,
 * so delivery raises #GP, which cannot be delivered either: #DF, then a
 * triple fault, and KVM shuts the VM down (SDM Vol.3 6.14.4 / 6.15 "Interrupt
 * 8", "Interrupt 13"; issue 15 item 10).  Same for INT3, ICEBP, a DR7.GD or
 * breakpoint #DB (still counted as delivered: the processor raised it in the
 * guest) and INT n. */
void engine_stop_no_idt(struct engine *e, int vector, uint64_t rip)
{
	engine_request_stop(e, STOP_TRIPLE, NULL);
	snprintf(e->stop_msg, sizeof(e->stop_msg),
		 "vector %d at 0x%llx with no guest IDT (triple fault)", vector, (unsigned long long)rip);
}

static void raise_exception_err(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
				const struct insn_info *ii)
{
	if (!e->host && e->ops.exception && e->ops.exception(e->ops.ctx, vector, 0, fault, ii))
		return;
	engine_deliver(e, vector, fault, has_error, error);
}

static void raise_exception(struct engine *e, int vector, bool fault, bool has_error,
			    const struct insn_info *ii)
{
	raise_exception_err(e, vector, fault, has_error, 0, ii);
}

/* BTF (IA32_DEBUGCTL bit 1) with TF: "the processor generates a single-step
 * debug exception only after instructions that cause a branch" (SDM Vol.3
 * 17.4.3 "Single-Stepping on Branches"): taken branches, interrupts and
 * exceptions.  `taken` says whether the instruction that began with TF = 1
 * transferred control away from its successor.  The hardware DEBUGCTL is
 * what the processor acts on (KVM drops or suppresses a guest's BTF:
 * vmx/kvm.c handle_msr, svm/kvm.c svm_enter). */
static bool btf_suppresses(const struct engine *e, bool taken)
{
	return (e->cpu->debugctl & DEBUGCTL_BTF) && !taken;
}

/* The hardware raises #DB with DR6-format event bits `payload`. */
static void raise_db(struct engine *e, uint64_t payload, bool fault, unsigned hw_slots,
		     const struct insn_info *ii)
{
	e->exp_hw = hw_slots;
	/* VMX: a #DB that causes a VM exit leaves DR6/DR7 alone and reports the
	 * bits in the exit qualification (SDM 27.1); the layer decides. */
	if (!e->host && e->ops.exception && e->ops.exception(e->ops.ctx, 1, payload, fault, ii))
		return;
	struct cpu *c = e->cpu;
	cpu_dr_write(c, 6, dr6_after_db(c->dr[6], payload, &c->feat), DRW_PROCESSOR, "#DB");
	if (payload & DR6_BD)
		cpu_dr_write(c, 7, c->dr[7] & ~DR7_GD, DRW_PROCESSOR, "#DB(GD)");
	if (ii && ii->cls == IC_ICEBP)
		e->cur_rip = ii->rip + ii->len;   /* ICEBP is a trap */
	engine_deliver(e, 1, fault, false, 0);
}

/* ---- breakpoint checks ------------------------------------------------------ */

void engine_check_data_slow(struct engine *e, uint64_t addr, unsigned size, bool write)
{
	unsigned hw = dr_match_data(e->cpu->dr, addr, size, write);
	unsigned id = dr_match_data(e->ideal->dr, addr, size, write);
	if (hw | id) {
		e->pend_hw |= hw;
		e->pend_ideal |= id;
		e->pend_rip = e->cur_rip;
		e->next_event = 0;     /* a block start next: block_hook_full delivers */
	}
}

/* Deliver the data-breakpoint traps of the previous instruction.  After
 * MOV SS/POP SS they are held over the next instruction: "Any data
 * breakpoint on the MOV to SS instruction or POP to SS instruction is
 * inhibited until the instruction boundary following the next instruction"
 * (SDM Vol.3 6.8.3; the CVE-2018-8897 hazard).  Whatever that instruction
 * matches itself joins them, and one #DB reports both. */
static void boundary_traps_slow(struct engine *e);
/* Inline: twice on every site's path, almost always with nothing pending. */
static inline void boundary_traps(struct engine *e)
{
	if (e->pend_hw | e->pend_ideal)
		boundary_traps_slow(e);
}

static void boundary_traps_slow(struct engine *e)
{
	if (ss_blocked(e, e->cur_rip))
		return;
	unsigned hw = e->pend_hw, id = e->pend_ideal;
	e->pend_hw = e->pend_ideal = 0;
	if ((hw & PEND_BS) && e->ss_open && e->exp_active && !e->exp_consumed) {
		/* A single-step trap a VM entry left pending (engine_entry_debug)
		 * is the trap of the site whose expectation process_site kept
		 * open: the owner's held data matches join it. */
		e->ss_open = false;
		e->exp_slots |= id;
		e->ideal->dr[6] |= id;
	} else if ((hw & PEND_BS) && !e->host_tf) {
		expect_begin(e, id, DR6_BS | id, "single-step");
	} else if (id) {
		expect_begin(e, id, id, "data");
	}
	if (hw)
		raise_db(e, hw, false, hw & DR6_B_MASK, NULL);
	expect_end(e);
}

static void check_exec(struct engine *e, uint64_t addr)
{
	if (e->rf && e->rf_rip == addr && e->rf_seq == e->blk_seq) {
		e->rf = false;                     /* RF: skip this one instruction */
		return;
	}
	/* "Any instruction breakpoint on the next instruction is suppressed (as
	 * if EFLAGS.RF were 1)" after MOV SS/POP SS (SDM Vol.3 6.8.3).  AMD
	 * processors deliver it: kvm-unit-tests x86/emulator.c
	 * test_mov_pop_ss_code_db expects the #DB "suppressed" on Intel and
	 * "occurred" on AMD.  Both the hardware and the owner's view follow
	 * the same processor, so neither expects it on Intel. */
	if (!e->amd && ss_blocked(e, addr))
		return;
	unsigned hw = dr_match_exec(e->cpu->dr, addr);
	unsigned id = dr_match_exec(e->ideal->dr, addr);
	if (!(hw | id))
		return;
	if (id)
		expect_begin(e, id, id, "exec");
	if (hw)
		raise_db(e, hw, true, hw, NULL);
	expect_end(e);
}

/* ---- native semantics of the sites -------------------------------------------- */

/* The single-step trap after site `ii` (the guest RIP is already where it
 * goes on); `branch` says whether the site transferred control (BTF). */
static void step_trap(struct engine *e, const struct insn_info *ii, bool tf, bool branch)
{
	if (tf && btf_suppresses(e, branch))
		return;                    /* not a branch: no trap under BTF */
	if (tf) {
		/* Single-step trap after the instruction (SDM 17.3.1.4); the
		 * expectation may be open already (process_site, issue 12); the
		 * guest expects none when the TF is the host debugger's.  The
		 * data-breakpoint traps due at the same boundary -- the site's own
		 * accesses (POPF's stack read) or those MOV-SS blocking held over
		 * this instruction -- go out in the same #DB, with their B bits
		 * beside BS ("a single debug exception" reports every condition
		 * met, SDM 17.2.3; the intr hook does the same for Unicorn's own
		 * single-step). */
		unsigned hw = e->pend_hw & (unsigned)DR6_B_MASK, id = e->pend_ideal;
		e->pend_hw &= ~(unsigned)DR6_B_MASK;
		e->pend_ideal = 0;
		if (e->ss_open && e->ss_addr == ii->rip && e->exp_active && !e->exp_consumed) {
			e->exp_slots |= id;
			e->ideal->dr[6] |= id;
		} else if (!e->host_tf) {
			expect_begin(e, id, DR6_BS | id, "single-step");
		} else if (id) {
			expect_begin(e, id, id, "data");
		}
		e->ss_open = false;
		raise_db(e, DR6_BS | hw, false, hw, ii);
		expect_end(e);
	}
}

static void retire(struct engine *e, const struct insn_info *ii, bool tf)
{
	e->cur_rip = ii->rip + ii->len;
	step_trap(e, ii, tf, false);   /* a site that retires in place is no branch */
}

static void native_mov_dr(struct engine *e, const struct insn_info *ii, bool tf)
{
	struct cpu *c = e->cpu;
	bool de = (engine_cr4(e) & CR4_DE) != 0;
	uint64_t val = ii->dr_write ? engine_gpr(e, ii->gpr) : 0;
	switch (dr_mov_check_cpu(&c->feat, ii->dr, ii->dr_write, val, de, c->dr[7], engine_cpl(e))) {
	case DR_FAULT_UD:
		raise_exception(e, 6, true, false, ii);
		return;
	case DR_FAULT_DB_GD:
		raise_db(e, DR6_BD, true, 0, ii);
		return;
	case DR_FAULT_GP:
		raise_exception(e, 13, true, true, ii);
		return;
	case DR_OK:
		break;
	}
	int a = dr_alias(ii->dr);
	if (ii->dr_write) {
		cpu_dr_write(c, a, val, e->host ? DRW_HOST : DRW_GUEST, "mov dr");
	} else {
		engine_set_gpr(e, ii->gpr, c->dr[a]);
		c->st.dr_guest_native_reads++;
		CPU_CHARGE(c, e->host ? CYC_HOST : CYC_GUEST, mov_dr_read);
	}
	cpu_event(c, EV_GUEST_MOVDR, ii->rip, (uint64_t)ii->dr, c->dr[a],
		  ii->dr_write ? "W" : "R");
	retire(e, ii, tf);
}

static void native_site(struct engine *e, const struct insn_info *ii, bool tf)
{
	switch ((enum insn_class)ii->cls) {
	case IC_MOV_DR:
		native_mov_dr(e, ii, tf);
		return;
	case IC_CPUID: {
		/* Bare-metal CPUID: leaf 1 reports DE (EDX bit 2), which Unicorn's
		 * own CPUID lacks (unicorn-facts §1). */
		uint64_t leaf = engine_gpr(e, 0), a = 0, b = 0, cc = 0, d = 0;
		if (leaf == 0) {
			a = 1;
			b = 0x69737668; d = 0x6D69736D; cc = 0x20202020;   /* "hvsimsim    " */
		} else if (leaf == 1) {
			a = 0x000306A9;
			d = 1u << 2;
		}
		engine_set_gpr(e, 0, a); engine_set_gpr(e, 3, b);
		engine_set_gpr(e, 1, cc); engine_set_gpr(e, 2, d);
		retire(e, ii, tf);
		return;
	}
	case IC_HLT:
		e->cur_rip = ii->rip + ii->len;
		engine_request_stop(e, STOP_HALT, "guest executed HLT");
		return;
	case IC_IO:
		if (ii->io_in)
			engine_set_gpr(e, 0, (engine_gpr(e, 0) & ~((1ull << (8 * ii->io_size)) - 1)) |
					     ((1ull << (8 * ii->io_size)) - 1));
		retire(e, ii, tf);
		return;
	case IC_VMCALL:
	case IC_VMMCALL:
		raise_exception(e, 6, true, false, ii);   /* outside VMX/SVM guest mode: #UD */
		return;
	case IC_ICEBP: {
		/* INT1: a #DB trap with no DR6 status bit of its own
		 * (kvm-unit-tests 027ea799, arch-facts A.1).  Data-breakpoint
		 * matches still held by MOV-SS blocking go out with it in the same
		 * #DB: kvm-unit-tests x86/debug.c "MOV SS + watchpoint + ICEBP"
		 * expects the handler to run exactly once.  (DR6 then carries
		 * their B bits: hvsim's choice, that test does not check DR6.) */
		unsigned hw = e->pend_hw, id = e->pend_ideal;
		e->pend_hw = e->pend_ideal = 0;
		expect_begin(e, id, id, "icebp");
		raise_db(e, hw, false, hw, ii);
		expect_end(e);
		return;
	}
	case IC_MOV_SS:
		/* Runs natively (Unicorn loads SS and itself suppresses the
		 * single-step trap after it).  Opens the blocking window of the
		 * next instruction; "if a sequence of consecutive instructions
		 * each loads the SS register ..., only the first is guaranteed to
		 * inhibit or suppress events in this way" (SDM 6.8.3): a MOV SS
		 * inside the window does not extend it. */
		e->ss_own = false;        /* SS is Unicorn's again (deliver.c set_sel) */
		if (!ss_blocked(e, ii->rip)) {
			e->ss_block = true;
			e->ss_next = ii->rip + ii->len;
			e->ss_seq = e->blk_seq;
		}
		return;
	case IC_IRET: {
		uint64_t sp0 = engine_rsp(e);
		int r = emulate_iret(e, ii);
		if (r < 0) {
			engine_request_stop(e, STOP_TRIPLE, NULL);
			snprintf(e->stop_msg, sizeof(e->stop_msg),
				 "IRET at 0x%llx popped from unmapped stack", (unsigned long long)ii->rip);
		} else if (r == 13) {
			uint64_t cs = 0;
			engine_mem_read(e, sp0 + (ii->rex_w ? 8 : 4), &cs, ii->rex_w ? 8 : 4);
			raise_exception_err(e, 13, true, true, (uint32_t)cs & 0xFFFC, ii);
		}
		return;
	}
	case IC_PRIV:
		e->idtr_valid = false;    /* it may be LIDT (deliver_exception's copy) */
		/* CPL 0 (cpl_fault let it through): Unicorn runs it.  An STI that
		 * sets IF blocks interrupts until the end of the next instruction
		 * ("If IF = 0, maskable hardware interrupts remain inhibited on the
		 * instruction boundary following an execution of STI", SDM Vol.2
		 * STI; interruptibility bit 0, SDM Vol.3 Table 24-3). */
		if (ii->sti && !(uc_flags_read(e) & (1ull << 9))) {
			e->sti_block = true;
			e->sti_next = ii->rip + ii->len;
			e->sti_seq = e->blk_seq;
		}
		return;
	case IC_MOV_CR:
		/* Architecturally: the value moves (SDM Vol.2 MOV CR).  hvsim's CPU
		 * checks no reserved CR bits; the write is raw (engine_set_cr). */
		if (ii->dr_write)
			engine_set_cr(e, ii->dr, engine_gpr(e, ii->gpr));
		else
			engine_set_gpr(e, ii->gpr, engine_cr(e, ii->dr));
		retire(e, ii, tf);
		return;
	case IC_RDMSR:
	case IC_WRMSR: {
		uint64_t msr = engine_gpr(e, 1) & 0xFFFFFFFF;
		if (ii->cls == IC_WRMSR &&
		    msr_write_faults((uint32_t)msr, (engine_gpr(e, 0) & 0xFFFFFFFF) | engine_gpr(e, 2) << 32)) {
			raise_exception(e, 13, true, true, ii);     /* reserved DEBUGCTL bits (cpu/dr.h) */
			return;
		}
		uint64_t v;
		if (msr == MSR_IA32_DEBUGCTL) {
			if (ii->cls == IC_RDMSR) {
				engine_set_gpr(e, 0, e->cpu->debugctl & 0xFFFFFFFF);
				engine_set_gpr(e, 2, e->cpu->debugctl >> 32);
			} else {
				e->cpu->debugctl = (engine_gpr(e, 0) & 0xFFFFFFFF) | engine_gpr(e, 2) << 32;
			}
		} else if (ii->cls == IC_RDMSR && engine_msr_read(e, (uint32_t)msr, &v) == 0) {
			engine_set_gpr(e, 0, v & 0xFFFFFFFF);
			engine_set_gpr(e, 2, v >> 32);
		} else if (ii->cls == IC_WRMSR &&
			   engine_msr_write(e, (uint32_t)msr, (engine_gpr(e, 0) & 0xFFFFFFFF) | engine_gpr(e, 2) << 32) == 13) {
			raise_exception(e, 13, true, true, ii);       /* non-canonical LSTAR/CSTAR */
			return;
		} else if (ii->cls == IC_RDMSR) {
			engine_set_gpr(e, 0, 0);
			engine_set_gpr(e, 2, 0);
		}
		retire(e, ii, tf);
		return;
	}
	case IC_POPF: {
		/* Unicorn raises no single-step trap after a POPF that clears TF,
		 * but the trap belongs to every instruction that *began* with
		 * TF = 1 (SDM Vol.3 17.3.1.4; measured against real KVM, see
		 * docs/kvm-reference.md).  With TF = 0 the POPF runs natively. */
		int cpl = engine_cpl(e);
		if (!tf && cpl == 0)
			return;
		uint64_t sp = engine_rsp(e), v = 0;
		unsigned w = ii->opsize ? 2 : e->mode == 64 ? 8 : 4;
		if (e->mode == 32)
			sp &= 0xFFFFFFFFull;
		engine_check_data(e, sp, w, false);
		if (uc_mem_read(e->uc, sp, &v, w) != UC_ERR_OK) {
			engine_request_stop(e, STOP_UNMAPPED, NULL);
			snprintf(e->stop_msg, sizeof(e->stop_msg), "POPF at 0x%llx: stack 0x%llx not mapped",
				 (unsigned long long)ii->rip, (unsigned long long)sp);
			return;
		}
		uint64_t cur = uc_flags_read(e);
		/* CPL 0: every writable flag is loaded; VM and RF are not (SDM POPF).
		 * CPL > 0: IOPL is not loaded, nor IF when CPL > IOPL. */
		uint64_t mask = ii->opsize ? 0x7FD5ull : 0x3F7FD5ull & ~(1ull << 16) & ~(1ull << 17);
		if (cpl > 0)
			mask &= ~(3ull << 12);
		if ((unsigned)cpl > ((cur >> 12) & 3))
			mask &= ~(1ull << 9);
		uint64_t fl = (cur & ~mask) | (v & mask) | 2;
		uc_flags_write(e, fl);
		sp += w;
		engine_set_gpr(e, 4, sp);
		retire(e, ii, tf);
		return;
	}
	case IC_SYSCALL:
	case IC_SYSRET: {
		int r = ii->cls == IC_SYSCALL ? emulate_syscall(e, ii) : emulate_sysret(e, ii);
		if (r == 6 || r == 13) {
			raise_exception(e, r, true, r == 13, ii);
			return;
		}
		if (r < 0) {
			engine_request_stop(e, STOP_UD, NULL);
			snprintf(e->stop_msg, sizeof(e->stop_msg), "%s at 0x%llx is not modelled (%s)",
				 ii->cls == IC_SYSCALL ? "SYSCALL" : "SYSRET", (unsigned long long)ii->rip,
				 e->mode != 64 ? "legacy-mode SYSCALL/SYSRET of AMD" : "SYSRET to compatibility mode");
			return;
		}
		/* Both are branches.  "SYSENTER does not clear TF, so SYSENTER
		 * with TF set immediately issues #DB from CPL 0" (Linux
		 * tools/testing/selftests/x86/single_step_syscall.c): a SYSCALL
		 * whose IA32_FMASK clears TF (Linux's does) traps nowhere; one
		 * that keeps TF traps at the first kernel instruction.  SYSRET
		 * traps after itself only if it began with TF = 1 (the kernel's
		 * TF); a TF it loads from R11 traps after the next user
		 * instruction (SDM Vol.3 17.3.1.4, "will not generate this
		 * exception after the instruction that sets the TF flag"). */
		bool trap = tf && (ii->cls == IC_SYSRET || (uc_flags_read(e) & RFL_TF));
		step_trap(e, ii, trap, true);
		return;
	}
	case IC_BAD:
		if (ii->lock) {
			raise_exception(e, 6, true, false, ii);
			return;
		}
		engine_request_stop(e, STOP_UD, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "unsupported instruction at 0x%llx (string I/O or 16-bit IRET are not modelled)",
			 (unsigned long long)ii->rip);
		return;
	case IC_NONE:
		return;
	}
}

/* ---- sites --------------------------------------------------------------------- */

/* Sites after which an instruction boundary follows architecturally, i.e.
 * a single-step trap is due when they began with TF = 1: CPUID, IN/OUT,
 * RDMSR/WRMSR (unless WRMSR's value faults) and a MOV DR the owner's own
 * DRs let through.  Not here: HLT (the run ends at it: the trap KVM queues
 * for the halted vCPU is never delivered), VMCALL/VMMCALL (#UD unless a
 * hypervisor defines them), ICEBP/IRET/POPF (their own rules). */
static bool ss_site_completes(struct engine *e, const struct insn_info *ii, int ideal_fault)
{
	switch ((enum insn_class)ii->cls) {
	case IC_CPUID:
	case IC_IO:
	case IC_RDMSR:
	case IC_MOV_CR:
		return true;
	case IC_WRMSR:
		return !msr_write_faults(engine_gpr(e, 1) & 0xFFFFFFFF,
					 (engine_gpr(e, 0) & 0xFFFFFFFF) | engine_gpr(e, 2) << 32);
	case IC_MOV_DR:
		return ideal_fault == DR_OK;
	default:
		return false;
	}
}

/* The #GP(0) of a CPL-0-only instruction at CPL > 0 (SDM Vol.2, each
 * instruction's Protected Mode Exceptions).  It comes before any VM exit:
 * "faults based on privilege level" have priority over VM exits (SDM Vol.3
 * 25.1.1), and on SVM "all normal exception checks take precedence over the
 * SVM intercepts" (APM Vol.2 15.7.1, Table 15-7).  MOV DR is not here: its
 * VM exit beats the #GP on VMX (dr_mov_check_cpu, vmx/kvm.c).  IN/OUT above
 * IOPL: hvsim's TSS has no I/O permission bitmap (run.c), so every port is
 * denied (SDM Vol.1 19.5.2). */
static bool cpl_fault(struct engine *e, const struct insn_info *ii)
{
	int cpl = engine_cpl(e);
	if (cpl == 0)
		return false;
	unsigned iopl = (unsigned)(engine_rflags(e) >> 12) & 3;
	switch ((enum insn_class)ii->cls) {
	case IC_HLT:
	case IC_RDMSR:
	case IC_WRMSR:
	case IC_MOV_CR:
		return true;
	case IC_PRIV:
		return !ii->iopl || (unsigned)cpl > iopl;
	case IC_IO:
		return (unsigned)cpl > iopl;
	default:
		return false;
	}
}

static void process_site(struct engine *e, const struct insn_info *ii)
{
	/* CS (CPL) and RFLAGS (TF) below, the exit's registers if it exits:
	 * one batch (engine_prefetch) */
	if (!e->host && e->ops.exit_regs)
		engine_prefetch(e, e->ops.exit_regs | RC_BIT(RC_CS) | RC_BIT(RC_FLAGS));
	else
		engine_prefetch(e, RC_BIT(RC_CS) | RC_BIT(RC_FLAGS) |
				   (ii->cls == IC_IRET || ii->cls == IC_POPF ? RC_BIT(4) : 0));
	if (cpl_fault(e, ii)) {
		raise_exception(e, 13, true, true, ii);
		return;
	}
	bool tf = (engine_rflags(e) & RFL_TF) != 0;
	uint64_t seq0 = e->deliver_seq;
	int ideal_fault = DR_OK;
	uint64_t expect_read = 0;
	/* Oracle step for MOV DR: what the owner's own DRs say this MOV does.
	 * Done once per architectural execution, even if the instruction is
	 * re-entered after a pause. */
	if (ii->cls == IC_MOV_DR) {
		if (e->site_oracle_done && e->site_oracle_addr == ii->rip) {
			ideal_fault = e->site_ideal_fault;
			expect_read = e->site_expect_read;
		} else {
			bool de = (engine_cr4(e) & CR4_DE) != 0;
			uint64_t val = ii->dr_write ? engine_gpr(e, ii->gpr) : 0;
			ideal_fault = dr_mov_check_cpu(&e->cpu->feat, ii->dr, ii->dr_write, val, de, e->ideal->dr[7],
						   engine_cpl(e));
			int a = dr_alias(ii->dr);
			if (ideal_fault == DR_OK && ii->dr_write) {
				e->ideal->dr[a] = a == 6 ? dr6_store_value(val, &e->cpu->feat)
					       : a == 7 ? dr7_store_value(val) : val;
				e->dr_dirty = true;
			} else if (ideal_fault == DR_OK) {
				expect_read = e->ideal->dr[a];
			}
			if (ideal_fault == DR_FAULT_DB_GD)
				expect_begin(e, 0, DR6_BD, "gd");
			e->site_oracle_done = true;
			e->site_oracle_addr = ii->rip;
			e->site_ideal_fault = ideal_fault;
			e->site_expect_read = expect_read;
		}
	}
	/* Single-step after a site that completes (issue 12 item 1; SDM Vol.3
	 * 17.3.1.4): the trap belongs to the instruction whether the CPU runs
	 * it or a hypervisor completes it after a VM exit (KVM
	 * kvm_skip_emulated_instruction -> kvm_vcpu_do_singlestep), so the
	 * expectation opens before any exit.  See ss_site_completes(). */
	if (tf && !e->host_tf && !btf_suppresses(e, false) && !(e->ss_open && e->ss_addr == ii->rip) &&
	    ss_site_completes(e, ii, ideal_fault)) {
		expect_begin(e, 0, DR6_BS, "single-step");
		e->ss_open = true;
		e->ss_addr = ii->rip;
	}
	for (int iter = 0;; iter++) {
		if (iter == 4) {
			engine_request_stop(e, STOP_INTERNAL, NULL);
			snprintf(e->stop_msg, sizeof(e->stop_msg),
				 "instruction at 0x%llx re-entered 4 times without progress",
				 (unsigned long long)ii->rip);
			break;
		}
		if (!e->host && e->ops.insn && e->ops.insn(e->ops.ctx, ii)) {
			if (e->stop_req || e->pause_req)
				break;
			if (e->cur_rip == ii->rip && e->deliver_seq == seq0)
				continue;          /* re-enter on the same instruction */
			break;
		}
		native_site(e, ii, tf);
		break;
	}
	if (e->pause_req && e->cur_rip == ii->rip && e->deliver_seq == seq0)
		return;                            /* resumes here: oracle step kept */
	e->site_oracle_done = false;
	/* A single-step trap the VM entry left pending (engine_entry_debug:
	 * the processor carried it in the pending-debug-exceptions field) is
	 * this site's: the next boundary delivers it (boundary_traps). */
	if (e->ss_open && !(e->pend_hw & PEND_BS)) {
		e->ss_open = false;
		if (!e->stop_req)
			expect_end(e);
	}
	if (ii->cls == IC_MOV_DR && !e->stop_req) {
		expect_end(e);
		bool completed = e->cur_rip == ii->rip + ii->len && e->deliver_seq == seq0;
		if (completed && ideal_fault != DR_OK)
			engine_violation(e, ii->rip, ii->dr, "fault_missing",
					 "MOV DR%d completed but the architecture requires %s", ii->dr,
					 ideal_fault == DR_FAULT_UD ? "#UD" : ideal_fault == DR_FAULT_GP ? "#GP"
					 : "#DB (general detect)");
		if (completed && ideal_fault == DR_OK && !ii->dr_write) {
			uint64_t got = engine_gpr(e, ii->gpr);
			uint64_t want = e->mode == 32 ? (expect_read & 0xFFFFFFFF) : expect_read;
			if (got != want)
				engine_violation(e, ii->rip, dr_alias(ii->dr), "dr_read_mismatch",
						 "guest read DR%d = 0x%llx, architecturally 0x%llx", ii->dr,
						 (unsigned long long)got, (unsigned long long)want);
		}
	}
}

/* Called on every hook exit and block boundary: keep the common case (no DR
 * written since the last call) to two compares. */
static inline void update_bp_hooks(struct engine *e)
{
	if (__builtin_expect(!e->dr_dirty && e->seen_gen == e->cpu->dr_gen, 1))
		return;
	bp_hooks_update(e);
}

/* ---- hook exits ------------------------------------------------------------------- */

void engine_leave_block(struct engine *e, uint64_t first_not_executed)
{
	engine_flush_charges(e);
	const struct block *b = e->blk;
	if (!b)
		return;
	if (b->n && first_not_executed <= b->addr) {
		/* none of it ran (a fault on its first instruction: an execute
		 * breakpoint at a loop head): the loop below over every
		 * instruction, summed (b->cost and b->ncls are the sums of icost
		 * and icls, decode.c; a saturated count stays) */
		e->insns -= b->n;
		if (!e->cpu->st.cycles_saturated) {
			e->cpu->st.cycles_guest -= b->cost;
			e->cpu->st.cycles_total -= b->cost;
			uint64_t *c = &e->cpu->cost_n[COSTI_insn_alu];   /* insn.alu .. insn.other */
			for (unsigned k = 0; k < 5; k++)
				c[k] -= b->ncls[k];
		}
		e->blk = NULL;
		return;
	}
	for (uint32_t i = 0; i < b->n; i++)
		if (b->iaddr[i] >= first_not_executed) {
			e->insns--;
			if (e->cpu->st.cycles_saturated)
				continue;          /* a saturated count stays where it stopped */
			e->cpu->st.cycles_guest -= b->icost[i];
			e->cpu->st.cycles_total -= b->icost[i];
			e->cpu->cost_n[b->icls[i]]--;
		}
	e->blk = NULL;
}

/* End of a hook at `addr`: continue in-line, redirect, or stop. */
static void hook_exit(struct engine *e, uint64_t addr, uint64_t first_not_executed)
{
	update_bp_hooks(e);
	bool redirect = e->cur_rip != addr;
	if (e->stop_req || e->pause_req || e->need_restart) {
		engine_leave_block(e, first_not_executed);
		e->resume_rip = e->cur_rip;
		e->restart = !e->stop_req && !e->pause_req;
		uc_emu_stop(e->uc);
		return;
	}
	if (redirect) {
		engine_leave_block(e, first_not_executed);
		uint64_t v = e->cur_rip;
		rc_flush(e, &v);                 /* the registers the hook changed, and RIP */
		/* what the cache holds is now Unicorn's (struct engine, rc_kept) */
		e->rc_kept = e->rc_valid;
		e->rc_kept_seq = e->blk_seq;
		e->rc_kept_rip = v;
	}
}

/* End of a callback: rc_drop, but the slots hook_exit's RIP write left
 * current stay known for the next code boundary (rc_kept). */
static inline void rc_drop_keep(struct engine *e)
{
	uint32_t kept = e->rc_dirty ? 0 : e->rc_kept;
	rc_drop(e);
	e->rc_kept = kept;
}

static inline bool over_budget(const struct engine *e)
{
	return (e->max_insns && e->insns >= e->max_insns) ||
	       (e->max_cycles && e->cpu->st.cycles_total >= e->max_cycles);
}

/* In-block continuation (issue 16): an OUT, IN, CPUID or MOV DR site that
 * completed -- the hypervisor handled its VM exit and skipped it, or the
 * engine emulated it natively; RIP is the next instruction and nothing else
 * about the guest's control flow changed -- goes on without writing RIP.  A RIP
 * write from a hook makes Unicorn 2.0.1 leave the translated block and
 * look the next one up (uc_reg_write sets quit_request and calls
 * uc_emu_stop: ~40 % of a VM exit, bench rows "OUT exit"); instead the
 * instruction now runs natively, where it changes nothing: OUT has no
 * UC_HOOK_INSN here and is a no-op, CPUID's and IN's UC_HOOK_INSN
 * (cpuid_hook, in_hook) skip the native CPUID and put back the AL/AX/EAX the
 * site left.  The GPRs the hook wrote stay (Unicorn's code-hook helper
 * saves and reloads the TCG globals around the call); RFLAGS, CRs and CS do
 * not (the block's flag state is compiled in, translate.c sync_eflags), so
 * a changed one (rc_unsafe) takes the RIP write.  So does anything a block
 * boundary at the next instruction would act on:
 *   - a stop, pause, restart, pending data-breakpoint trap or TF (the
 *     native instruction would raise Unicorn's own single-step trap);
 *   - when instructions of this block follow the site: the boundary the RIP
 *     write creates is emulated -- blk_seq (RF and MOV-SS windows) moves,
 *     and the budget check runs with those instructions uncounted, as
 *     engine_leave_block + the next block hook would do; the layer's
 *     per-block timer (ops.boundary) cannot be run from here, so with one
 *     the RIP write stays;
 *   - a block long enough that the one Unicorn translates at the next
 *     instruction could end elsewhere (TCG's op-buffer limit, 4,000 ops, or
 *     a block of a page): more than 32 instructions.
 * When the site ends its block the next instruction starts a block anyway.
 * Guest context only (host snippets are not exits). */
static bool continue_in_block(struct engine *e, const struct insn_info *ii, uint64_t addr, uint64_t seq0)
{
	if (e->host || e->no_inblock || ii->lock)
		return false;
	/* MOV DR too, except DR7 (and DR5, its alias): Unicorn's own MOV to
	 * DR0-3/DR6 only stores into its copy of the DRs, which hvsim never
	 * reads (its DRs are struct cpu's) and which arms nothing while that
	 * copy's DR7 keeps its reset value 0x400; its MOV from DR copies
	 * Unicorn's DRn into the GPR, so DRn is set to what the site left there
	 * first.  Unicorn's DR7 is never written, natively or so: with a
	 * breakpoint enabled there, a native DR0-3 write arms it, which crashes
	 * 2.0.1 (unicorn-facts §1, measured here). */
	bool movdr = ii->cls == IC_MOV_DR && ii->dr >= 0 && ii->dr <= 7 && dr_alias(ii->dr) != 7;
	if (ii->cls != IC_IO && ii->cls != IC_CPUID && !movdr)
		return false;
	if (e->cur_rip != addr + ii->len || e->deliver_seq != seq0 || e->rc_unsafe)
		return false;
	if (e->stop_req || e->pause_req || e->need_restart || (e->pend_hw | e->pend_ideal))
		return false;
	const struct block *b = e->blk;
	if (!b || b->n > 32 || addr < b->addr || addr - b->addr >= b->size)
		return false;
	if (uc_flags_read(e) & RFL_TF)
		return false;
	if (ii->cls == IC_IO && ii->io_in) {
		/* IN writes AL, AX or EAX; a 32-bit one zero-extends into RAX
		 * in 64-bit mode, which is right only if RAX's top half is 0 */
		uint64_t rax = engine_gpr(e, 0);
		if (ii->io_size == 4 && e->mode == 64 && (rax >> 32))
			return false;
		e->in_value = (uint32_t)rax;
	}
	/* the instructions of this block after the site */
	uint64_t rest_n = 0, rest_cost = 0;
	for (uint32_t i = 0; i < b->n; i++)
		if (b->iaddr[i] >= addr + ii->len) {
			rest_n++;
			rest_cost += b->icost[i];
		}
	if (rest_n) {
		if (e->ops.boundary)
			return false;
		uint64_t cyc = e->cpu->st.cycles_total;
		if (!e->cpu->st.cycles_saturated)
			cyc -= rest_cost;
		if ((e->max_insns && e->insns - rest_n >= e->max_insns) || (e->max_cycles && cyc >= e->max_cycles))
			return false;
		e->blk_seq++;
	}
	if (movdr && !ii->dr_write) {
		uint64_t v = engine_gpr(e, ii->gpr);
		uc_reg_write(e->uc, UC_X86_REG_DR0 + dr_alias(ii->dr), &v);
	}
	return true;
}

/* An instruction boundary at addr, as every code hook there sees it: the
 * data-breakpoint traps due, an execute breakpoint, a site. */
static void code_boundary(struct engine *e, uint64_t addr)
{
	if (e->done && e->done_addr == addr)
		return;                        /* another hook of this boundary ran already */
	e->done = true;
	e->done_addr = addr;
	e->cur_rip = addr;
	e->split_size = 0;
	boundary_traps(e);
	/* A data trap's #DB may have been a VM exit after which the host asked
	 * for a pause (a host snippet, the scheduler's preemption): the guest
	 * is not in guest mode again until the deferred entry, so nothing more
	 * of this instruction runs now (it starts over after the pause). */
	if (e->cur_rip == addr && !e->stop_req && !e->pause_req) {
		for (unsigned i = 0; i < e->nexec; i++)
			if (e->exec_addr[i] == addr) {
				check_exec(e, addr);
				break;
			}
	}
	if (e->cur_rip == addr && !e->stop_req && !e->pause_req) {
		struct site *s = site_find(e, addr);
		if (s) {
			uint64_t seq0 = e->deliver_seq;
			process_site(e, &s->ii);
			boundary_traps(e);      /* traps from the site's own memory accesses */
			update_bp_hooks(e);
			if (continue_in_block(e, &s->ii, addr, seq0))
				return;
			hook_exit(e, addr, addr + 1);
			return;
		}
	}
	hook_exit(e, addr, addr);
}

/* code_boundary from a callback: the register cache dropped around it
 * (engine_int.h, struct engine, "register cache"), and no RFLAGS, CR or CS
 * change seen yet in this callback (continue_in_block). */
static void code_boundary_cb(struct engine *e, uint64_t addr)
{
	uint32_t kept = e->rc_kept;
	rc_drop(e);
	/* Right after the RIP write of the last callback (hook_exit): the
	 * first instruction of the one block entered since, so no guest
	 * instruction ran and the registers it left are still Unicorn's
	 * (issue 16: no redundant reads; a single-step handler's IRET reads
	 * the RSP and RFLAGS the delivery wrote). */
	if (kept && e->blk_seq == e->rc_kept_seq + 1 && addr == e->rc_kept_rip && e->blk && e->blk->addr == addr) {
		e->rc_valid = kept;
#ifdef HVSIM_RC_CHECK
		for (uint32_t m = kept; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);
			uint64_t v = e->rc_val[s];
			e->rc_valid &= ~(1u << s);
			if (rc_fill(e, s) != v) {
				fprintf(stderr, "rc_kept slot %u: 0x%llx, Unicorn 0x%llx\n", s,
					(unsigned long long)v, (unsigned long long)e->rc_val[s]);
				abort();
			}
		}
#endif
	}
	e->rc_unsafe = false;
	code_boundary(e, addr);
	rc_drop_keep(e);
}

void engine_code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct engine *e = user;
	(void)uc;
	(void)size;
	engine_flush_charges(e);
	code_boundary_cb(e, addr);
}

void engine_set_inblock(struct engine *e, bool on) { e->no_inblock = !on; }

/* UC_HOOK_INSN for IN: the value the site left in AL/AX/EAX
 * (continue_in_block); IN never runs natively otherwise. */
static uint32_t in_hook(uc_engine *uc, uint32_t port, int size, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	return ((struct engine *)user)->in_value;
}

/* UC_HOOK_INSN for CPUID: the site has set EAX-EDX; skip Unicorn's own. */
static int cpuid_hook(uc_engine *uc, void *user)
{
	(void)uc;
	(void)user;
	return 1;
}

void engine_add_insn_hooks(struct engine *e)
{
	uc_hook_add(e->uc, &e->h_in, UC_HOOK_INSN, (void *)in_hook, e, 1, 0, UC_X86_INS_IN);
	uc_hook_add(e->uc, &e->h_cpuid, UC_HOOK_INSN, (void *)cpuid_hook, e, 1, 0, UC_X86_INS_CPUID);
}

/* The rest of the block hook once ops.boundary has run: stop or restart if
 * the layer asked for it (or changed the DRs so that hooks must be rebuilt).
 * Returns true if the block runs. */
static bool after_boundary(struct engine *e, uc_engine *uc, uint64_t addr)
{
	if (e->stop_req || e->pause_req || e->cur_rip != addr) {
		update_bp_hooks(e);
		e->resume_rip = e->cur_rip;
		e->restart = !e->stop_req && !e->pause_req;
		uc_emu_stop(uc);
		return false;
	}
	update_bp_hooks(e);
	if (e->need_restart) {
		e->resume_rip = addr;
		e->restart = true;
		uc_emu_stop(uc);
		return false;
	}
	return true;
}

void engine_flush_charges_slow(struct engine *e)
{
	struct block *b = e->last_blk;
	uint64_t n = e->lazy_n, v;
	e->lazy_n = 0;
	b->execs += n;
	/* cpu_charge(CYC_GUEST) n times: one saturating product, the same sum */
	if (__builtin_mul_overflow(n, b->cost, &v))
		v = UINT64_MAX;
	cpu_sat_add(e->cpu, &e->cpu->st.cycles_guest, v);
	cpu_sat_add(e->cpu, &e->cpu->st.cycles_total, v);
	uint64_t *c = &e->cpu->cost_n[COSTI_insn_alu];   /* insn.alu .. insn.other */
	if (n == 1) {          /* a block left after one run (a loop of blocks, single-step) */
		c[0] += b->ncls[0];
		c[1] += b->ncls[1];
		c[2] += b->ncls[2];
		c[3] += b->ncls[3];
		c[4] += b->ncls[4];
		return;
	}
	for (unsigned k = 0; k < 5; k++)
		c[k] += n * b->ncls[k];
}

void engine_update_next_event(struct engine *e)
{
	uint64_t ne = e->max_insns ? e->max_insns : UINT64_MAX;
	if (!e->host && e->ops.boundary && e->boundary_at < ne)
		ne = e->boundary_at;
	if (e->dance_at < ne)
		ne = e->dance_at;
	if (e->watch_kind && !e->nmem && e->unwatch_at < ne)
		ne = e->unwatch_at;
	/* host context, cycle budgets, a data trap or read piece pending, the
	 * fast retranslation under way: every block takes block_hook_full */
	if (e->host || e->max_cycles || e->wr_off || (e->pend_hw | e->pend_ideal) || e->split_size)
		ne = 0;
	e->next_event = ne;
}

/* Every case of the block hook: a block not seen last time (decode, new
 * sites), the budget, the timer, host context, a data-breakpoint trap due,
 * memhooks.c's fast loads and watch hooks. */
static void __attribute__((noinline)) block_hook_full(struct engine *e, uc_engine *uc, uint64_t addr,
						      uint32_t size)
{
	engine_flush_charges(e);
	if (e->wr_off)
		memhooks_dance_done(e, addr, size);
	if (e->watch_kind && !e->nmem && e->insns >= e->unwatch_at)
		memhooks_unwatch(e);
	e->done = false;
	e->split_size = 0;              /* an instruction boundary (memhooks.c mem_hook) */
	/* Loops re-enter the block they just left, or alternate between two
	 * (an exit loop: the site's block, then the rest after the exit): try
	 * those before the hash. */
	struct block *b = e->last_blk;
	if (!b || b->addr != addr || b->size != size) {
		bool fresh = false;
		b = e->alt_blk;
		if (b && b->addr == addr && b->size == size) {
			/* last_blk and alt_blk swap; alt2_blk stays */
		} else {
			b = e->alt2_blk;
			if (!b || b->addr != addr || b->size != size)
				b = block_get(e, addr, size, &fresh);
			e->alt2_blk = e->alt_blk;
		}
		if (fresh) {
			/* New sites were hooked: this block was translated without
			 * them (unicorn-facts §2.1 UC_HOOK_BLOCK): drop it and
			 * restart here. */
			uc_ctl_remove_cache(uc, addr, (uint64_t)addr + size);
			e->blk = NULL;
			e->resume_rip = addr;
			e->restart = true;
			uc_emu_stop(uc);
			return;
		}
		e->alt_blk = e->last_blk;
		e->last_blk = b;
	}
	if (memhooks_dance_due(b) && memhooks_dance(e, b)) {
		/* translate b again with fast loads: restart here, nothing of b ran */
		e->blk = NULL;
		e->resume_rip = addr;
		e->restart = true;
		uc_emu_stop(uc);
		return;
	}
	e->blk_seq++;
	e->blk = NULL;
	e->cur_rip = addr;
	if (over_budget(e)) {
		engine_request_stop(e, STOP_BUDGET, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg), "budget exhausted after %llu instructions",
			 (unsigned long long)e->insns);
		if (!e->host && e->ops.budget) {
			rc_drop(e);
			e->ops.budget(e->ops.ctx);
			rc_drop(e);
		}
		uc_emu_stop(uc);
		return;
	}
	if (!e->host && e->ops.boundary && e->insns >= e->boundary_at && !(e->pend_hw | e->pend_ideal)) {
		rc_drop(e);
		e->ops.boundary(e->ops.ctx);
		rc_drop(e);
		if (!after_boundary(e, uc, addr))
			return;
	}
	e->blk = b;
	e->insns += b->n;
	if (e->host) {
		e->cpu->st.host_instructions += b->n;
		CPU_CHARGE_N(e->cpu, CYC_HOST, host_insn, b->n);
	} else {
		/* charged now (lazy_n is 0: flushed above); the same block again
		 * is the common case, which only counts (lazy_n) */
		cpu_charge(e->cpu, CYC_GUEST, b->cost);
		uint64_t *n = &e->cpu->cost_n[COSTI_insn_alu];   /* insn.alu .. insn.other */
		n[0] += b->ncls[0];
		n[1] += b->ncls[1];
		n[2] += b->ncls[2];
		n[3] += b->ncls[3];
		n[4] += b->ncls[4];
		b->execs++;
		e->last_blk = b;
		uint64_t da = memhooks_dance_later(b) ? memhooks_dance_at(e, b) : UINT64_MAX;
		if (da != e->dance_at) {
			e->dance_at = da;
			e->next_event = 0;      /* recomputed below */
		}
	}
	/* A data-breakpoint trap of the previous block's last instruction is
	 * due before this block's first one (memhooks.c, "watch"). */
	if (e->pend_hw | e->pend_ideal)
		code_boundary_cb(e, addr);
	/* whatever moved next_event (a timer, the fast loads, the watch hooks)
	 * recomputed it; 0 means "look again" */
	if (!e->next_event)
		engine_update_next_event(e);
}

/* Runs before every translated block: the hottest function of a run with
 * few exits (bench row "alu").  The common case -- the guest re-enters the
 * block it just left, no budget end or timer due (next_event) -- only counts;
 * everything else is block_hook_full(), with the same effects. */
void engine_block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct engine *e = user;
	struct block *b = e->last_blk;
	if (__builtin_expect(!b || b->addr != addr || b->size != size || e->insns >= e->next_event, 0)) {
		/* The other block of a two-block loop (alt_blk: a #DB's block and
		 * its handler's, an exit's block and the rest after it) takes the
		 * same path once the lazy charges of last_blk are flushed, when
		 * block_hook_full would do nothing more for it: nothing due
		 * (next_event), no fast-load retranslation pending or planned
		 * for either block (dance_at, memhooks_dance_later). */
		struct block *a = e->alt_blk;
		bool second = !a || a->addr != addr || a->size != size;
		if (second)
			a = e->alt2_blk;     /* a cycle of three (single-step: two instructions, the handler) */
		if (!b || !a || a->addr != addr || a->size != size || e->insns >= e->next_event || e->wr_off ||
		    memhooks_dance_later(a) || e->dance_at != UINT64_MAX) {
			block_hook_full(e, uc, addr, size);
			return;
		}
		engine_flush_charges(e);
		if (second)
			e->alt2_blk = e->alt_blk;
		e->alt_blk = b;
		e->last_blk = b = a;
	}
	e->done = false;
	e->blk_seq++;
	e->cur_rip = addr;
	e->blk = b;
	e->insns += b->n;
	e->lazy_n++;
}

static void intr_hook(struct engine *e, uc_engine *uc, uint32_t intno);

void engine_intr_hook(uc_engine *uc, uint32_t intno, void *user)
{
	struct engine *e = user;
	engine_flush_charges(e);
	rc_drop(e);
	intr_hook(e, uc, intno);
	rc_drop_keep(e);
}

static void intr_hook(struct engine *e, uc_engine *uc, uint32_t intno)
{
	uint64_t rip = 0;
	(void)uc;
	/* RIP and RFLAGS now, RSP and CS for the delivery: one batch */
	rc_fill_rip(e, RC_BIT(RC_FLAGS) | RC_BIT(4) | RC_BIT(RC_CS), &rip);
	uint64_t fl = uc_flags_read(e);
	e->cur_rip = rip;
	uint64_t at = rip;
	bool trap = intno == 1 || intno == 3 || intno >= 32;
	if (intno == 1 && (fl & RFL_TF) && !(e->pend_hw | e->pend_ideal) && e->blk &&
	    (e->cpu->debugctl & DEBUGCTL_BTF) && !engine_branch_taken(e, e->blk, rip)) {
		/* BTF (btf_suppresses, the branch decoded only under BTF): not a
		 * branch (with TF = 1 each translated block holds the one
		 * instruction that just ran; a JMP to the next instruction is a
		 * branch all the same, decode.c), so no #DB */
	} else if (intno == 1 && (fl & RFL_TF)) {
		/* Single-step trap after the instruction that began with TF = 1,
		 * merged with any data-breakpoint hit of that instruction. */
		unsigned hw = e->pend_hw, id = e->pend_ideal;
		e->pend_hw = e->pend_ideal = 0;
		if (!e->host_tf)
			expect_begin(e, id, DR6_BS | id, "single-step");
		else if (id)
			expect_begin(e, id, id, "data");
		raise_db(e, DR6_BS | hw, false, hw, NULL);
		expect_end(e);
	} else if (intno == 3 || intno == 1 || intno >= 32) {
		/* INT3 / INT n: software interrupts, RIP already past them.  Right
		 * after MOV SS (the interrupt instruction ran in the block after
		 * it, which holds only that instruction) the held data traps wait
		 * for the boundary after the delivery, i.e. the handler's first
		 * instruction (SDM 6.8.3: blocking "ends after delivery of an
		 * exception or the execution of the next instruction"; Linux
		 * selftests x86/mov_ss_trap.c, kvm-unit-tests "MOV SS + watchpoint
		 * + INT3" and "+ int $1": both handlers run). */
		if (!(e->ss_block && e->blk_seq - e->ss_seq <= 1))
			boundary_traps(e);
		if (e->cur_rip == rip) {
			if (intno == 3)
				raise_exception(e, 3, false, false, NULL);
			else if (!deliver_exception(e, (int)intno, false, false, 0, true))
				engine_stop_no_idt(e, (int)intno, rip);
		}
	} else {
		/* A fault raised by Unicorn itself (#DE, #GP, #PF, ...).  Unicorn
		 * never resets its in-flight exception state, so a second one
		 * would escalate to a bogus #DF (unicorn-facts §1): end the run. */
		engine_request_stop(e, STOP_FAULT, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "guest exception %u at 0x%llx (hvsim delivers only #DB, #BP, INT n and the faults "
			 "of the instructions it emulates)", intno, (unsigned long long)rip);
	}
	if (e->cur_rip != rip || e->stop_req || e->pause_req || e->need_restart) {
		e->done = false;
		/* Traps (single-step, INT3, INT n) report the *next* RIP: the
		 * instruction that raised them has retired, and it is the last
		 * one of its translated block (with TF = 1 every block holds one
		 * instruction; INT n ends its block).  Nothing of the block is
		 * left to un-count -- in particular not when the next RIP is a
		 * backward branch target that lies below the branch (issue 12
		 * item 7: one instruction lost per taken backward branch).  A
		 * fault raised by Unicorn did not retire: un-count from it. */
		hook_exit(e, at, trap ? UINT64_MAX : at);
	}
}

/* The guest stops at `rip` on an instruction that did not retire (a fault,
 * or an unmapped fetch at the target of the last instruction): guest.rip is
 * that instruction and the count stops before it (issue 15 item 7: the
 * translated block had been counted whole at its start). */
static void stop_at(struct engine *e, uint64_t rip)
{
	const struct block *b = e->blk;
	if (b && rip >= b->addr && rip - b->addr < b->size)
		engine_leave_block(e, rip);
	e->blk = NULL;
	e->cur_rip = rip;
}

bool engine_invalid_hook(uc_engine *uc, void *user)
{
	struct engine *e = user;
	engine_flush_charges(e);
	rc_drop(e);
	uint64_t rip = 0;
	uint8_t b[4] = { 0 };
	uc_reg_read(uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &rip);
	uc_mem_read(uc, rip, b, sizeof(b));
	if (!e->stop_req)
		stop_at(e, rip);
	engine_request_stop(e, STOP_UD, NULL);
	snprintf(e->stop_msg, sizeof(e->stop_msg),
		 "invalid opcode at 0x%llx (bytes %02x %02x %02x %02x)", (unsigned long long)rip,
		 b[0], b[1], b[2], b[3]);
	return false;
}

bool engine_unmapped_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
			  void *user)
{
	struct engine *e = user;
	uint64_t rip = 0;
	(void)size;
	(void)value;
	engine_flush_charges(e);
	if (type == UC_MEM_FETCH_PROT) {
		int m = map_find(e, addr);
		if (m >= 0 && !e->maps[m].exec) {
			/* first fetch from this run: engine_run makes it executable
			 * (decode.c, "poison") and resumes at RIP, the start of the
			 * block being translated, none of which has run */
			e->nx_fault = true;
			e->nx_addr = addr;
			return false;
		}
	}
	rc_drop(e);
	uc_reg_read(uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &rip);
	if (!e->stop_req) {
		/* Unicorn 2.0.1 keeps RIP exact for fetches and (with a write hook,
		 * always installed: poison_smc_hook) for stores; for a load only
		 * while a read hook exists (engine_set_precise_reads), which costs
		 * 5-13x on load-heavy code.  Without it the RIP read here is the
		 * block start: say so, and the run is repeated precisely
		 * (sim/run.c). */
		if ((type == UC_MEM_READ_UNMAPPED || type == UC_MEM_READ_PROT) && !e->precise_reads)
			e->fault_imprecise = true;
		/* a store of a block translated with fast loads (memhooks.c):
		 * no write hook was listed, so RIP was not kept exact either */
		if (type == UC_MEM_WRITE_UNMAPPED && e->nfast && !e->precise_reads)
			e->fault_imprecise = true;
		stop_at(e, rip);
	}
	engine_request_stop(e, STOP_UNMAPPED, NULL);
	snprintf(e->stop_msg, sizeof(e->stop_msg), "%s of unmapped address 0x%llx at rip 0x%llx",
		 type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT ? "fetch"
		 : type == UC_MEM_WRITE_UNMAPPED ? "write" : "read",
		 (unsigned long long)addr, (unsigned long long)rip);
	return false;
}

/* ---- run loop -------------------------------------------------------------------- */

void engine_request_stop(struct engine *e, enum engine_stop why, const char *msg)
{
	if (e->stop_req)
		return;
	e->stop_req = true;
	e->stop = why;
	if (msg)
		snprintf(e->stop_msg, sizeof(e->stop_msg), "%s", msg);
}

void engine_request_pause(struct engine *e) { e->pause_req = true; }
bool engine_pause_requested(struct engine *e) { return e->pause_req; }

void engine_settle(struct engine *e)
{
	e->pause_req = false;
	/* a site re-entered after the pause: its single-step trap is to come;
	 * or the deferred VM entry left it pending (engine_entry_debug) */
	if (e->ss_open && (e->cur_rip == e->ss_addr || (e->pend_hw & PEND_BS)))
		return;
	e->ss_open = false;
	expect_end(e);
}

static enum engine_stop engine_internal(struct engine *e, const char *what)
{
	e->stop = STOP_INTERNAL;
	snprintf(e->stop_msg, sizeof(e->stop_msg), "%s at 0x%llx", what, (unsigned long long)e->cur_rip);
	return e->stop;
}

static enum engine_stop run_loop(struct engine *e, uint64_t rip);

enum engine_stop engine_run(struct engine *e, uint64_t rip)
{
	enum engine_stop s = run_loop(e, rip);
	memhooks_dance_cancel(e);       /* no restart will follow */
	return s;
}

static enum engine_stop run_loop(struct engine *e, uint64_t rip)
{
	e->cur_rip = rip;
	e->stop_req = false;
	e->stop = STOP_NONE;
	bool resumed = false;           /* after a first fetch from a run: nothing happened here */
	for (;;) {
		/* Traps due at this boundary: a #DB a VM entry left pending
		 * (engine_entry_debug asks for the restart that gets here) or data
		 * traps of the instruction before a restart or a pause.  Not when
		 * the run only stopped to make memory executable: the block hook
		 * delivers them, as it would have without the stop. */
		if ((e->pend_hw | e->pend_ideal) && !resumed)
			boundary_traps(e);
		resumed = false;
		if (e->stop_req)
			return e->stop;
		update_bp_hooks(e);
		e->restart = e->pause_req = e->need_restart = false;
		e->blk = NULL;
		int m = map_find(e, e->cur_rip);
		if (m >= 0 && !e->maps[m].exec && poison_enable_exec(e, (unsigned)m))
			return engine_internal(e, "cannot make the guest's code executable");
		e->in_emu = true;
		e->nx_fault = false;
		rc_drop(e);
		uc_err err = uc_emu_start(e->uc, e->cur_rip, e->mode == 64 ? SENTINEL64 : SENTINEL32, 0, 0);
		rc_drop(e);
		e->in_emu = false;
		e->mh_dead = 0;         /* Unicorn frees deleted hooks as uc_emu_start returns */
		engine_flush_charges(e);
		if (e->stop_req)
			return e->stop;
		if (e->nx_fault && err == UC_ERR_FETCH_PROT) {
			/* first fetch from a run: see decode.c, "poison" */
			uint64_t r = 0;
			uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &r);
			m = map_find(e, e->nx_addr);
			if (m < 0 || poison_enable_exec(e, (unsigned)m))
				return engine_internal(e, "cannot make the guest's code executable");
			e->cur_rip = r;
			resumed = true;
			continue;
		}
		if (err != UC_ERR_OK) {
			uint64_t r = 0;
			uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &r);
			e->stop = err == UC_ERR_INSN_INVALID ? STOP_UD : err >= UC_ERR_READ_UNMAPPED &&
				  err <= UC_ERR_FETCH_UNMAPPED ? STOP_UNMAPPED : STOP_FAULT;
			snprintf(e->stop_msg, sizeof(e->stop_msg), "emulation error at 0x%llx: %s",
				 (unsigned long long)r, uc_strerror(err));
			return e->stop;
		}
		if (e->pause_req) {
			e->cur_rip = e->resume_rip;
			return STOP_NONE;
		}
		if (!e->restart && e->npoison) {
			uint64_t r = 0;
			uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &r);
			if (poison_at(e, r)) {
				/* stopped in front of an instruction Unicorn cannot
				 * translate (decode.c): #UD on hardware */
				uint8_t b[4] = { 0 };
				uc_mem_read(e->uc, r, b, sizeof(b));
				e->cur_rip = r;
				e->stop = STOP_UD;
				snprintf(e->stop_msg, sizeof(e->stop_msg),
					 "invalid opcode at 0x%llx (bytes %02x %02x %02x %02x: far CALL/JMP needs a "
					 "memory operand)", (unsigned long long)r, b[0], b[1], b[2], b[3]);
				return e->stop;
			}
		}
		if (!e->restart) {
			/* at the sentinel, which no guest address reaches but a jump
			 * to a non-canonical address in 64-bit mode (#GP there) */
			uint64_t r = 0;
			uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &r);
			stop_at(e, r);
			e->stop = STOP_UNMAPPED;
			snprintf(e->stop_msg, sizeof(e->stop_msg), "fetch of unmapped address 0x%llx (outside the "
				 "guest's address space)", (unsigned long long)r);
			return e->stop;
		}
		e->cur_rip = e->resume_rip;
	}
}

void engine_touch(struct engine *e, uint64_t addr, unsigned size, bool write)
{
	/* A data access made outside of emulated code (a host event): the
	 * same match as a memory hook, with the trap delivered right away. */
	engine_check_data(e, addr, size, write);
	boundary_traps(e);
}
