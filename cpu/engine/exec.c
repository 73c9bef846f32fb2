/* exec.c - the engine's hooks and run loop: breakpoint detection, raising
 * exceptions, and the #DB oracle (the sites' native semantics: sites.c).
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

void engine_expect_begin(struct engine *e, unsigned ideal_slots, uint64_t event, const char *cause)
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

void engine_expect_end(struct engine *e)
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

void engine_raise_exception_err(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
				const struct insn_info *ii)
{
	if (!e->host && e->ops.exception && e->ops.exception(e->ops.ctx, vector, 0, fault, ii))
		return;
	engine_deliver(e, vector, fault, has_error, error);
}

/* BTF (IA32_DEBUGCTL bit 1) with TF: "the processor generates a single-step
 * debug exception only after instructions that cause a branch" (SDM Vol.3
 * 17.4.3 "Single-Stepping on Branches"): taken branches, interrupts and
 * exceptions.  `taken` says whether the instruction that began with TF = 1
 * transferred control away from its successor.  The hardware DEBUGCTL is
 * what the processor acts on (KVM drops or suppresses a guest's BTF:
 * vmx/kvm.c handle_msr, svm/kvm.c svm_enter). */
bool engine_btf_suppresses(const struct engine *e, bool taken)
{
	return (e->cpu->debugctl & DEBUGCTL_BTF) && !taken;
}

/* The hardware raises #DB with DR6-format event bits `payload`. */
void engine_raise_db(struct engine *e, uint64_t payload, bool fault, unsigned hw_slots,
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
		engine_expect_begin(e, id, DR6_BS | id, "single-step");
	} else if (id) {
		engine_expect_begin(e, id, id, "data");
	}
	if (hw)
		engine_raise_db(e, hw, false, hw & DR6_B_MASK, NULL);
	engine_expect_end(e);
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
		engine_expect_begin(e, id, id, "exec");
	if (hw)
		engine_raise_db(e, hw, true, hw, NULL);
	engine_expect_end(e);
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
			engine_process_site(e, &s->ii);
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
			engine_expect_begin(e, id, DR6_BS | id, "single-step");
		else if (id)
			engine_expect_begin(e, id, id, "data");
		engine_raise_db(e, DR6_BS | hw, false, hw, NULL);
		engine_expect_end(e);
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
				engine_raise_exception(e, 3, false, false, NULL);
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
	engine_expect_end(e);
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
