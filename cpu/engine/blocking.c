/* blocking.c - event blocking by STI and MOV SS, and the debug exceptions
 * held across a VM exit and VM entry (issue 12 item 3, last bullet).
 *
 * The engine keeps the blocking windows itself (struct engine: ss_* for MOV
 * SS / POP SS, sti_* for STI) and the data-breakpoint traps MOV-SS blocking
 * holds (pend_hw / pend_ideal).  A VMX exit saves them into the
 * interruptibility-state and pending-debug-exceptions fields ("The
 * interruptibility-state field is saved to reflect the logical processor's
 * interruptibility before the VM exit", SDM Vol.3 27.3.4), a VM entry puts
 * back what the fields say (26.6.1, 26.6.3): these three functions are the
 * interface vmx/hw.c uses.  SVM has no such fields (svm/hw.c); its
 * intercepts leave the engine's state where it is. */
#include "cpu/engine/engine_int.h"

unsigned engine_blocking(const struct engine *e)
{
	unsigned b = 0;
	if (sti_blocked(e, e->cur_rip))
		b |= ENGINE_BLOCK_STI;
	if (ss_blocked(e, e->cur_rip))
		b |= ENGINE_BLOCK_MOVSS;
	return b;
}

unsigned engine_take_held_db(struct engine *e)
{
	if (!ss_blocked(e, e->cur_rip))
		return 0;
	/* Only hardware matches move into the VMCS; the owner's (the oracle's
	 * pend_ideal) stay: whether the #DB reaches the owner is what the
	 * hypervisor and the VM entry decide. */
	unsigned held = e->pend_hw & (unsigned)DR6_B_MASK;
	e->pend_hw &= ~(unsigned)DR6_B_MASK;
	return held;
}

void engine_entry_debug(struct engine *e, unsigned blocking, uint64_t dr6)
{
	/* Blocking after the entry: only what the field asks for, at the
	 * instruction the guest starts at.  A window the engine already has
	 * for that instruction is kept as it is (the hypervisor re-entered on
	 * the instruction in the shadow, e.g. a MOV DR re-executed under
	 * WONT_EXIT); a cleared bit ends it (KVM skipped the instruction, or
	 * the entry was vectoring). */
	if (!(blocking & ENGINE_BLOCK_MOVSS) || !ss_blocked(e, e->cur_rip))
		e->ss_block = (blocking & ENGINE_BLOCK_MOVSS) != 0;
	if (e->ss_block && !ss_blocked(e, e->cur_rip)) {
		e->ss_next = e->cur_rip;
		e->ss_seq = e->blk_seq;
	}
	if (!(blocking & ENGINE_BLOCK_STI) || !sti_blocked(e, e->cur_rip))
		e->sti_block = (blocking & ENGINE_BLOCK_STI) != 0;
	if (e->sti_block && !sti_blocked(e, e->cur_rip)) {
		e->sti_next = e->cur_rip;
		e->sti_seq = e->blk_seq;
	}
	unsigned bits = (unsigned)(dr6 & DR6_B_MASK) | ((dr6 & DR6_BS) ? PEND_BS : 0u);
	if (!bits)
		return;
	e->pend_hw |= bits;
	e->pend_rip = e->cur_rip;
	/* Delivered at the next instruction boundary: the site hook's own
	 * boundary_traps, or the run loop after a restart. */
	if (e->in_emu)
		e->need_restart = true;
}
