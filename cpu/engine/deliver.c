/* deliver.c - exception delivery through the guest IDT, and IRET.
 *
 * Unicorn never delivers exceptions through the IDT (unicorn-facts §1), so
 * hvsim does it: read the gate, push the frame the SDM describes, clear the
 * flags, jump.  Privilege changes (issue 12 item 4) are modelled in 64-bit
 * mode: from CPL 3 the handler's code segment DPL (read from the GDT) is the
 * new CPL, the stack switches to TSS.RSP0 and SS becomes the null selector
 * with RPL = new CPL (SDM Vol.3 6.12.1 "Exception- or Interrupt-Handler
 * Procedures", 6.14.4 "Stack Switching in IA-32e Mode", 8.7 "Task
 * Management in 64-bit Mode": RSP0 at TSS offset 4); an INT n whose gate DPL
 * is below the CPL is #GP(vector * 8 + 2) (6.12.1.1).  The CPL itself is
 * hvsim's (engine.h, engine_cpl): CS and SS are written as selectors.  IST
 * stack switching and task gates are not modelled (a gate that needs them
 * ends the run).  32-bit guests change privilege the same way with a 32-bit
 * TSS (ESP0 at offset 4, SS0 at offset 8, SDM 8.2.1) and 4-byte frames
 * that carry SS:ESP (6.12.1, Figure 6-4).  SYSCALL and SYSRET (64-bit mode)
 * are the third way between rings (at the end of the file).
 * IRET is emulated for the same reason and to track RFLAGS.RF, which
 * Unicorn keeps but never clears (measured: PUSHF after setting RF pushes
 * it back).
 *
 * Frame layouts (SDM Vol.3 6.12.1 "Exception- or Interrupt-Handler
 * Procedures", 6.14.2 "64-Bit Mode Stack Frame"):
 *   64-bit: RSP aligned down to 16, then SS, RSP, RFLAGS, CS, RIP
 *           [, error code], 8 bytes each.
 *   32-bit, same privilege: EFLAGS, CS, EIP [, error code], 4 bytes each;
 *   32-bit, from an outer level: SS, ESP, EFLAGS, CS, EIP [, error code]. */
#include "cpu/engine/engine_int.h"
#include <stdio.h>
#include <string.h>

#define RF_TF  (1ull << 8)
#define RF_IF  (1ull << 9)
#define RF_NT  (1ull << 14)
#define RF_RF  (1ull << 16)
#define RF_VM  (1ull << 17)

static bool push(struct engine *e, uint64_t *sp, uint64_t val, unsigned size)
{
	*sp -= size;
	/* The CPU's own stack writes can hit a data breakpoint (the #DB storm of
	 * CVE-2015-8104, kvm-debugreg-logic §7). */
	engine_check_data(e, *sp, size, true);
	return mem_put(e, *sp, &val, size) == 0;
}

static bool pop(struct engine *e, uint64_t *sp, uint64_t *val, unsigned size)
{
	*val = 0;
	engine_check_data(e, *sp, size, false);
	if (engine_mem_read(e, *sp, val, size))
		return false;
	*sp += size;
	return true;
}

/* Push v[0], v[1], ... v[n-1] (`size` bytes each, v[0] at the highest
 * address): one write of the whole frame (mem_put), and one breakpoint check
 * over its bytes, which matches the same slots as one check per push (the
 * pushes are contiguous; dr_match_data takes any size).  Each Unicorn
 * memory call costs ~300 host instructions (issue 16: "one memory write
 * per frame").  If part of the frame is not mapped, the pushes go one by
 * one as the processor makes them, up to the one that faults, so that
 * what reaches memory and *sp are as before. */
static bool push_frame(struct engine *e, uint64_t *sp, const uint64_t *v, unsigned n, unsigned size)
{
	uint8_t buf[7 * 8];
	uint64_t total = (uint64_t)n * size;
	if (*sp >= total && total <= sizeof(buf)) {
		/* in hvsim's own memory, the frame goes there directly */
		uint8_t *mem = mem_at(e, *sp - total, total), *dst = mem ? mem : buf;
		for (unsigned i = 0; i < n; i++) {           /* little-endian */
			uint8_t *p = dst + (n - 1 - i) * size;
			if (size == 8) {
				memcpy(p, &v[i], 8);
			} else {
				uint32_t x = (uint32_t)v[i];
				memcpy(p, &x, 4);
			}
		}
		if (mem || mem_put(e, *sp - total, buf, total) == 0) {
			*sp -= total;
			engine_check_data(e, *sp, (unsigned)total, true);
			return true;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (!push(e, sp, v[i], size))
			return false;
	return true;
}

/* Pop n values of `size` bytes (v[0] from the lowest address): one read of
 * hvsim's memory and one check, or one by one (push_frame) when part of it
 * is not mapped. */
static bool pop_frame(struct engine *e, uint64_t *sp, uint64_t *v, unsigned n, unsigned size)
{
	uint8_t buf[5 * 8];
	uint64_t total = (uint64_t)n * size;
	const uint8_t *src = total <= sizeof(buf) && *sp + total >= *sp ? mem_at(e, *sp, total) : NULL;
	if (!src && total <= sizeof(buf) && *sp + total >= *sp && !engine_mem_read(e, *sp, buf, total))
		src = buf;
	if (src) {
		engine_check_data(e, *sp, (unsigned)total, false);
		for (unsigned i = 0; i < n; i++) {
			if (size == 8) {
				memcpy(&v[i], src + i * 8, 8);
			} else {
				uint32_t x;
				memcpy(&x, src + i * 4, 4);
				v[i] = x;
			}
		}
		*sp += total;
		return true;
	}
	for (unsigned i = 0; i < n; i++)
		if (!pop(e, sp, &v[i], size))
			return false;
	return true;
}

/* CS and SS as the privilege change leaves them.  Unicorn 2.0.1 stores a
 * 64-bit mode selector as it is (engine.h "CPL"), but in 32-bit mode it
 * loads SS through its own segment checks against its own CPL, which
 * stays 0 (measured: SS = 0x1B is refused, 0x10 stays): hvsim keeps the
 * 32-bit SS selector itself (struct engine ss_sel) for the frames it
 * pushes; the flat user and kernel data segments have the same base and
 * limit, so the segment Unicorn keeps addresses the same stack. */
static void set_sel(struct engine *e, int reg, uint16_t sel)
{
	engine_set_sel(e, reg, sel);
	if (reg == UC_X86_REG_SS && e->mode == 32) {
		e->ss_sel = sel;
		e->ss_own = true;
	}
}

static uint16_t get_ss(struct engine *e)
{
	uint16_t ss = 0;
	uc_reg_read(e->uc, UC_X86_REG_SS, &ss);
	return e->mode == 32 && e->ss_own ? e->ss_sel : ss;
}

/* DPL of the code segment `sel` in the GDT, or -1 if it is not a present
 * code segment there (hvsim builds the GDT of guest.user, run.c). */
static int code_dpl(struct engine *e, uint16_t sel)
{
	uc_x86_mmr gdtr;
	memset(&gdtr, 0, sizeof(gdtr));
	uc_reg_read(e->uc, UC_X86_REG_GDTR, &gdtr);
	uint64_t d = 0;
	if ((sel & 4) || (sel & ~7u) + 7u > gdtr.limit || !(sel & ~3u) ||
	    engine_mem_read(e, gdtr.base + (sel & ~7u), &d, 8))
		return -1;
	/* access byte 47:40: P (47), DPL (46:45), S (44), code (43) */
	if (!(d & (1ull << 47)) || !(d & (1ull << 44)) || !(d & (1ull << 43)))
		return -1;
	return (int)((d >> 45) & 3);
}

/* The ring-0 stack of the current task: TSS.RSP0 (64-bit TSS, offset 4;
 * SDM 8.7), or TSS.ESP0 and TSS.SS0 (32-bit TSS, offsets 4 and 8; 8.2.1). */
static bool tss_rsp0(struct engine *e, uint64_t *rsp0, uint16_t *ss0)
{
	uc_x86_mmr tr;
	memset(&tr, 0, sizeof(tr));
	uc_reg_read(e->uc, UC_X86_REG_TR, &tr);
	*rsp0 = 0;
	*ss0 = 0;
	if (tr.limit < 11)
		return false;
	if (e->mode == 64)
		return engine_mem_read(e, tr.base + 4, rsp0, 8) == 0;
	return engine_mem_read(e, tr.base + 4, rsp0, 4) == 0 && engine_mem_read(e, tr.base + 8, ss0, 2) == 0;
}

bool deliver_exception(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
		       bool soft)
{
	if (!e->idtr_valid) {
		memset(&e->idtr, 0, sizeof(e->idtr));
		uc_reg_read(e->uc, UC_X86_REG_IDTR, &e->idtr);
		e->idtr_valid = true;
	}
	const uc_x86_mmr idtr = e->idtr;
	unsigned gsize = e->mode == 64 ? 16 : 8;
	if (idtr.limit == 0 && idtr.base == 0)
		return false;                      /* no IDT: caller records */
	if ((uint64_t)vector * gsize + gsize - 1 > idtr.limit) {
		engine_request_stop(e, STOP_TRIPLE, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "vector %d is beyond the guest IDT limit 0x%x (triple fault)", vector, idtr.limit);
		return true;
	}
	uint8_t g[16];
	const uint8_t *gp = mem_at(e, idtr.base + (uint64_t)vector * gsize, gsize);
	if (gp && gsize == 8)
		memcpy(g, gp, 8);
	else if (gp)
		memcpy(g, gp, 16);
	else if (engine_mem_read(e, idtr.base + (uint64_t)vector * gsize, g, gsize)) {
		engine_request_stop(e, STOP_TRIPLE, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "guest IDT at 0x%llx is not mapped (triple fault)", (unsigned long long)idtr.base);
		return true;
	}
	uint8_t attr = g[5];
	unsigned type = attr & 0xF;
	uint64_t target = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24;
	if (e->mode == 64)
		target |= (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 |
			  (uint64_t)g[11] << 56;
	bool intr_gate = e->mode == 64 ? type == 0xE : (type == 0xE || type == 0x6);
	bool trap_gate = e->mode == 64 ? type == 0xF : (type == 0xF || type == 0x7);
	if (!(attr & 0x80) || !(intr_gate || trap_gate) || (e->mode == 64 && (g[4] & 7))) {
		engine_request_stop(e, STOP_TRIPLE, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "guest IDT gate %d is not a present interrupt/trap gate%s (hvsim models CPL 0 "
			 "gates without IST)", vector, (e->mode == 64 && (g[4] & 7)) ? " or uses IST" : "");
		return true;
	}
	/* CS (the CPL), RSP and RFLAGS, all read below: one batch instead of
	 * three single reads when the hook has not fetched them yet (an
	 * execute breakpoint's code hook; issue 16 "no redundant reads") */
	engine_prefetch(e, RC_BIT(RC_CS) | RC_BIT(RC_FLAGS) | RC_BIT(4));
	int cpl = rc_cpl(e), new_cpl = cpl;
	uint16_t gsel = (uint16_t)(g[2] | g[3] << 8);
	if (soft && cpl > ((attr >> 5) & 3)) {
		/* INT n above the gate's DPL: #GP with the IDT vector as error code
		 * (bit 1 = IDT), a fault on the INT instruction (CD ib, 2 bytes). */
		e->cur_rip -= 2;
		return deliver_exception(e, 13, true, true, (uint32_t)vector * 8 + 2, false);
	}
	if (cpl > 0) {
		new_cpl = code_dpl(e, gsel);
		if (new_cpl < 0 || new_cpl > cpl) {
			engine_request_stop(e, STOP_TRIPLE, NULL);
			snprintf(e->stop_msg, sizeof(e->stop_msg),
				 "guest IDT gate %d selector 0x%x is no present code segment a CPL %d "
				 "delivery can use", vector, gsel, cpl);
			return true;
		}
	}
	uint64_t rip = e->cur_rip, fl = 0, sp = 0;
	uint16_t cs = 0, ss = 0;
	fl = uc_flags_read(e);
	sp = rc_gpr(e, 4);
	cs = (uint16_t)rc_get(e, RC_CS);
	if (e->mode == 64 || new_cpl != cpl)   /* SS is pushed only then */
		ss = get_ss(e);
	if (e->mode == 32)
		sp &= 0xFFFFFFFFull;
	/* RF in the pushed image: set for fault-class exceptions other than #DB
	 * so that IRET does not retrigger an instruction breakpoint; #DB itself
	 * pushes RF = 0 (SDM 17.3.1.1; arch-facts A.3).  Our model of RF lives
	 * in e->rf, not in Unicorn's EFLAGS. */
	uint64_t pushed = fl & ~RF_RF;
	if (fault && vector != 1 && !soft)
		pushed |= RF_RF;
	bool ok;
	uint64_t old_sp = sp;
	uint16_t ss0 = 0;
	if (new_cpl < cpl && !tss_rsp0(e, &sp, &ss0)) {
		engine_request_stop(e, STOP_TRIPLE, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "no TSS to switch stacks from CPL %d for vector %d (triple fault)", cpl, vector);
		return true;
	}
	if (e->mode == 64) {
		sp &= ~0xFull;
		uint64_t f[6] = { ss, old_sp, pushed, cs, rip, error };
		ok = push_frame(e, &sp, f, has_error ? 6 : 5, 8);
	} else {
		/* SS:ESP only on a privilege change */
		sp &= 0xFFFFFFFFull;
		uint64_t f[6] = { ss, old_sp & 0xFFFFFFFF, pushed & 0xFFFFFFFF, cs, rip & 0xFFFFFFFF, error };
		unsigned first = new_cpl == cpl ? 2 : 0;
		ok = push_frame(e, &sp, f + first, (has_error ? 6 : 5) - first, 4);
	}
	if (!ok) {
		engine_request_stop(e, STOP_TRIPLE, NULL);
		snprintf(e->stop_msg, sizeof(e->stop_msg),
			 "guest stack at 0x%llx is not mapped while delivering vector %d (triple fault)",
			 (unsigned long long)sp, vector);
		return true;
	}
	/* Clear TF, RF, NT (and VM); an interrupt gate also clears IF (SDM 6.12.1.3). */
	fl &= ~(RF_TF | RF_RF | RF_NT | RF_VM);
	if (intr_gate)
		fl &= ~RF_IF;
	uc_flags_write(e, fl);
	rc_set_gpr(e, 4, sp);
	if (new_cpl != cpl) {
		set_sel(e, UC_X86_REG_CS, (uint16_t)((gsel & ~3u) | (unsigned)new_cpl));
		/* 64-bit: a null SS with RPL = new CPL (6.14.4); 32-bit: TSS.SS0 */
		set_sel(e, UC_X86_REG_SS, e->mode == 64 ? (uint16_t)new_cpl : ss0);
	}
	e->rf = false;
	engine_set_rip(e, target);
	e->deliver_seq++;
	CPU_CHARGE(e->cpu, CYC_GUEST, db_delivery);
	return true;
}

int emulate_iret(struct engine *e, const struct insn_info *ii)
{
	uint64_t sp = 0, rip = 0, cs = 0, fl = 0, nsp = 0, ss = 0;
	unsigned w = (e->mode == 64 && ii->rex_w) ? 8 : 4;
	sp = rc_gpr(e, 4);
	if (e->mode == 32)
		sp &= 0xFFFFFFFFull;
	uint64_t f[3] = { 0, 0, 0 };      /* RIP, CS, RFLAGS; then RSP, SS */
	bool ok = pop_frame(e, &sp, f, 3, w);
	rip = f[0];
	cs = f[1];
	fl = f[2];
	int cpl = rc_cpl(e), rpl = (int)(cs & 3);
	/* 64-bit mode IRET always pops SS:RSP; a 32-bit IRET to an outer level
	 * pops SS:ESP ("RETURN-TO-OUTER-PRIVILEGE-LEVEL") */
	bool pop_ss = e->mode == 64 || rpl > cpl;
	if (ok && pop_ss) {
		ok = pop_frame(e, &sp, f, 2, w);
		nsp = f[0];
		ss = f[1];
	}
	if (!ok)
		return -1;
	/* "IF return code segment selector RPL < CPL THEN #GP(selector)" (SDM
	 * Vol.2 IRET, protected mode); the frame stays on the stack. */
	if (rpl < cpl)
		return 13;
	if (rpl > cpl && code_dpl(e, (uint16_t)cs) != rpl)
		return 13;                 /* "return code segment DPL != RPL" */
	if (pop_ss)
		sp = e->mode == 64 ? nsp : (nsp & 0xFFFFFFFFull);
	/* RF popped as 1 suppresses instruction breakpoints on the first
	 * instruction after IRET (SDM 17.3.1.1). */
	e->rf = (fl & RF_RF) != 0;
	e->rf_rip = rip;
	e->rf_seq = e->blk_seq + 1;
	/* Flags IRET may load (SDM Vol.2 IRET "RETURN-TO-SAME-PRIVILEGE-LEVEL"
	 * and "RETURN-TO-OUTER-PRIVILEGE-LEVEL"): IOPL only at CPL 0, IF only
	 * if CPL <= IOPL; VM/RF are kept out of Unicorn's copy. */
	uint64_t cur = uc_flags_read(e), mask = 0x3F7FD5ull & ~RF_RF & ~RF_VM;
	unsigned iopl = (unsigned)(cur >> 12) & 3;
	if (cpl > 0)
		mask &= ~(3ull << 12);
	if ((unsigned)cpl > iopl)
		mask &= ~RF_IF;
	fl = (cur & ~mask) | (fl & mask) | 2;
	uc_flags_write(e, fl);
	rc_set_gpr(e, 4, sp);
	if (rpl > cpl) {
		set_sel(e, UC_X86_REG_CS, (uint16_t)cs);
		set_sel(e, UC_X86_REG_SS, (uint16_t)ss);
	}
	engine_set_rip(e, rip);
	return 0;
}

/* ---- SYSCALL and SYSRET ------------------------------------------------------------- */

int engine_msr_read(struct engine *e, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_IA32_EFER:
		/* LME and LMA: the guest runs in IA-32e mode when it is 64-bit */
		*val = e->efer | (e->mode == 64 ? (1ull << 8) | (1ull << 10) : 0);
		return 0;
	case MSR_IA32_STAR: *val = e->star; return 0;
	case MSR_IA32_LSTAR: *val = e->lstar; return 0;
	case MSR_IA32_CSTAR: *val = e->cstar; return 0;
	case MSR_IA32_FMASK: *val = e->fmask; return 0;
	default: return -1;
	}
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

int engine_msr_write(struct engine *e, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_IA32_EFER:
		e->efer = val & (EFER_SCE | (1ull << 11));      /* SCE, NXE; LME/LMA are the mode's */
		return 0;
	case MSR_IA32_STAR: e->star = val; return 0;
	case MSR_IA32_LSTAR:
	case MSR_IA32_CSTAR:
		if (!canonical(val))
			return 13;
		*(msr == MSR_IA32_LSTAR ? &e->lstar : &e->cstar) = val;
		return 0;
	case MSR_IA32_FMASK: e->fmask = val & 0xFFFFFFFFull; return 0;
	default: return -1;
	}
}

/* SYSCALL (SDM Vol.2 SYSCALL, 64-bit mode): "#UD If IA32_EFER.SCE = 0";
 * RCX <- the next RIP, R11 <- RFLAGS, RFLAGS &= ~IA32_FMASK (RF cleared),
 * RIP <- IA32_LSTAR, CS.Selector <- IA32_STAR[47:32] & FFFCH (CPL 0),
 * SS.Selector <- IA32_STAR[47:32] + 8; RSP is not switched.  Outside
 * 64-bit mode Intel raises #UD ("The SYSCALL instruction is not recognized
 * in protected mode"); AMD's legacy-mode SYSCALL is not modelled. */
int emulate_syscall(struct engine *e, const struct insn_info *ii)
{
	if (e->mode != 64)
		return e->amd ? -1 : 6;
	if (!(e->efer & EFER_SCE))
		return 6;
	uint64_t fl = uc_flags_read(e);
	engine_set_gpr(e, 1, ii->rip + ii->len);
	engine_set_gpr(e, 11, fl & ~RF_RF);
	uc_flags_write(e, (fl & ~e->fmask & ~RF_RF) | 2);
	e->rf = false;
	uint16_t sel = (uint16_t)(e->star >> 32);
	set_sel(e, UC_X86_REG_CS, sel & 0xFFFC);
	set_sel(e, UC_X86_REG_SS, (uint16_t)(sel + 8));
	engine_set_rip(e, e->lstar);
	return 0;
}

/* SYSRET with REX.W (SDM Vol.2 SYSRET, "return to 64-bit mode"): "#UD If
 * IA32_EFER.SCE = 0", "#GP(0) If CPL != 0" and, on Intel, "If the return is
 * to 64-bit mode and RCX contains a non-canonical address" (taken at CPL 0:
 * the hazard of CVE-2012-0217; AMD loads it and the fetch faults at CPL 3);
 * RIP <- RCX, RFLAGS <- (R11 & 3C7FD7H) | 2, CS.Selector <- IA32_STAR[63:48]
 * + 16 | 3, SS.Selector <- IA32_STAR[63:48] + 8 | 3 (CPL 3).  Without REX.W
 * it returns to compatibility mode: not modelled. */
int emulate_sysret(struct engine *e, const struct insn_info *ii)
{
	if (e->mode != 64)
		return e->amd ? -1 : 6;
	if (!(e->efer & EFER_SCE))
		return 6;
	if (rc_cpl(e) != 0)
		return 13;
	if (!ii->rex_w)
		return -1;
	uint64_t rcx = engine_gpr(e, 1);
	if (!e->amd && !canonical(rcx))
		return 13;
	uc_flags_write(e, (engine_gpr(e, 11) & 0x3C7FD7ull) | 2);
	e->rf = false;
	uint16_t base = (uint16_t)(e->star >> 48);
	set_sel(e, UC_X86_REG_CS, (uint16_t)((base + 16) | 3));
	set_sel(e, UC_X86_REG_SS, (uint16_t)((base + 8) | 3));
	engine_set_rip(e, rcx);
	return 0;
}
