/* sites.c - the sites: instructions the engine completes itself (MOV DR,
 * and the others hvsim's decoder marks), with their native semantics on
 * the physical CPU - the single-step and BTF traps after them, MOV DR's
 * general-detect, CPL and CR4.DE checks, the intercept decision - and the
 * #DB oracle's expectations for each (exec.c has the oracle and the hooks
 * that call engine_process_site). */
#include "cpu/engine/engine_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RFL_TF (1ull << 8)
#define CR4_DE (1ull << 3)

/* ---- native semantics of the sites -------------------------------------------- */

/* The single-step trap after site `ii` (the guest RIP is already where it
 * goes on); `branch` says whether the site transferred control (BTF). */
static void step_trap(struct engine *e, const struct insn_info *ii, bool tf, bool branch)
{
	if (tf && engine_btf_suppresses(e, branch))
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
			engine_expect_begin(e, id, DR6_BS | id, "single-step");
		} else if (id) {
			engine_expect_begin(e, id, id, "data");
		}
		e->ss_open = false;
		engine_raise_db(e, DR6_BS | hw, false, hw, ii);
		engine_expect_end(e);
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
		engine_raise_exception(e, 6, true, false, ii);
		return;
	case DR_FAULT_DB_GD:
		engine_raise_db(e, DR6_BD, true, 0, ii);
		return;
	case DR_FAULT_GP:
		engine_raise_exception(e, 13, true, true, ii);
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
		engine_raise_exception(e, 6, true, false, ii);   /* outside VMX/SVM guest mode: #UD */
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
		engine_expect_begin(e, id, id, "icebp");
		engine_raise_db(e, hw, false, hw, ii);
		engine_expect_end(e);
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
			engine_raise_exception_err(e, 13, true, true, (uint32_t)cs & 0xFFFC, ii);
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
			engine_raise_exception(e, 13, true, true, ii);     /* reserved DEBUGCTL bits (cpu/dr.h) */
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
			engine_raise_exception(e, 13, true, true, ii);       /* non-canonical LSTAR/CSTAR */
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
			engine_raise_exception(e, r, true, r == 13, ii);
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
			engine_raise_exception(e, 6, true, false, ii);
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

void engine_process_site(struct engine *e, const struct insn_info *ii)
{
	/* CS (CPL) and RFLAGS (TF) below, the exit's registers if it exits:
	 * one batch (engine_prefetch) */
	if (!e->host && e->ops.exit_regs)
		engine_prefetch(e, e->ops.exit_regs | RC_BIT(RC_CS) | RC_BIT(RC_FLAGS));
	else
		engine_prefetch(e, RC_BIT(RC_CS) | RC_BIT(RC_FLAGS) |
				   (ii->cls == IC_IRET || ii->cls == IC_POPF ? RC_BIT(4) : 0));
	if (cpl_fault(e, ii)) {
		engine_raise_exception(e, 13, true, true, ii);
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
				engine_expect_begin(e, 0, DR6_BD, "gd");
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
	if (tf && !e->host_tf && !engine_btf_suppresses(e, false) && !(e->ss_open && e->ss_addr == ii->rip) &&
	    ss_site_completes(e, ii, ideal_fault)) {
		engine_expect_begin(e, 0, DR6_BS, "single-step");
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
			engine_expect_end(e);
	}
	if (ii->cls == IC_MOV_DR && !e->stop_req) {
		engine_expect_end(e);
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
