/* deliver.c - exception delivery through the guest IDT, and IRET.
 *
 * Unicorn never delivers exceptions through the IDT (unicorn-facts §1), so
 * hvsim does it: read the gate, push the frame the SDM describes, clear the
 * flags, jump.  Only same-privilege (CPL 0) delivery is modelled; IST stack
 * switching and task gates are not (a gate that needs them ends the run).
 * IRET is emulated for the same reason and to track RFLAGS.RF, which
 * Unicorn keeps but never clears (measured: PUSHF after setting RF pushes
 * it back).
 *
 * Frame layouts (SDM Vol.3 6.12.1 "Exception- or Interrupt-Handler
 * Procedures", 6.14.2 "64-Bit Mode Stack Frame"):
 *   64-bit: RSP aligned down to 16, then SS, RSP, RFLAGS, CS, RIP
 *           [, error code], 8 bytes each.
 *   32-bit, same privilege: EFLAGS, CS, EIP [, error code], 4 bytes each. */
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
	return uc_mem_write(e->uc, *sp, &val, size) == UC_ERR_OK;
}

static bool pop(struct engine *e, uint64_t *sp, uint64_t *val, unsigned size)
{
	*val = 0;
	engine_check_data(e, *sp, size, false);
	if (uc_mem_read(e->uc, *sp, val, size) != UC_ERR_OK)
		return false;
	*sp += size;
	return true;
}

bool deliver_exception(struct engine *e, int vector, bool fault, bool has_error, uint32_t error,
		       bool soft)
{
	uc_x86_mmr idtr;
	memset(&idtr, 0, sizeof(idtr));
	uc_reg_read(e->uc, UC_X86_REG_IDTR, &idtr);
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
	if (uc_mem_read(e->uc, idtr.base + (uint64_t)vector * gsize, g, gsize) != UC_ERR_OK) {
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
	uint64_t rip = e->cur_rip, fl = 0, sp = 0;
	uint16_t cs = 0, ss = 0;
	fl = uc_flags_read(e);
	uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RSP : UC_X86_REG_ESP, &sp);
	uc_reg_read(e->uc, UC_X86_REG_CS, &cs);
	uc_reg_read(e->uc, UC_X86_REG_SS, &ss);
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
	if (e->mode == 64) {
		uint64_t old_sp = sp;
		sp &= ~0xFull;
		ok = push(e, &sp, ss, 8) && push(e, &sp, old_sp, 8) && push(e, &sp, pushed, 8) &&
		     push(e, &sp, cs, 8) && push(e, &sp, rip, 8) && (!has_error || push(e, &sp, error, 8));
	} else {
		ok = push(e, &sp, pushed & 0xFFFFFFFF, 4) && push(e, &sp, cs, 4) &&
		     push(e, &sp, rip & 0xFFFFFFFF, 4) && (!has_error || push(e, &sp, error, 4));
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
	uc_reg_write(e->uc, e->mode == 64 ? UC_X86_REG_RSP : UC_X86_REG_ESP, &sp);
	e->rf = false;
	engine_set_rip(e, target);
	e->deliver_seq++;
	cpu_charge(e->cpu, CYC_GUEST, e->cpu->cost->db_delivery);
	return true;
}

bool emulate_iret(struct engine *e, const struct insn_info *ii)
{
	uint64_t sp = 0, rip, cs, fl, nsp = 0, ss;
	unsigned w = (e->mode == 64 && ii->rex_w) ? 8 : 4;
	uc_reg_read(e->uc, e->mode == 64 ? UC_X86_REG_RSP : UC_X86_REG_ESP, &sp);
	if (e->mode == 32)
		sp &= 0xFFFFFFFFull;
	bool ok = pop(e, &sp, &rip, w) && pop(e, &sp, &cs, w) && pop(e, &sp, &fl, w);
	if (ok && e->mode == 64)          /* 64-bit mode IRET always pops SS:RSP */
		ok = pop(e, &sp, &nsp, w) && pop(e, &sp, &ss, w);
	if (!ok)
		return false;
	if (e->mode == 64)
		sp = nsp;
	/* RF popped as 1 suppresses instruction breakpoints on the first
	 * instruction after IRET (SDM 17.3.1.1). */
	e->rf = (fl & RF_RF) != 0;
	e->rf_rip = rip;
	e->rf_seq = e->blk_seq + 1;
	/* CPL 0: IOPL, IF, TF and the arithmetic flags are all restored;
	 * VM/RF are kept out of Unicorn's copy. */
	fl = (fl & 0x3F7FD5ull & ~RF_RF & ~RF_VM) | 2;
	uc_flags_write(e, fl);
	uc_reg_write(e->uc, e->mode == 64 ? UC_X86_REG_RSP : UC_X86_REG_ESP, &sp);
	engine_set_rip(e, rip);
	(void)cs;
	(void)ss;
	return true;
}
