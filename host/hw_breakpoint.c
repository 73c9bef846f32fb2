/* hw_breakpoint.c - the host kernel's per-CPU hardware-breakpoint layer,
 * in our own words after arch/x86/kernel/hw_breakpoint.c (Linux >= 2.6.33,
 * 24f1e32c60c4 "hw-breakpoints: Rewrite the hw-breakpoints layer on top of
 * perf events", F. Weisbecker; seed 002).
 *
 * Every CPU keeps what it wants in its debug registers (cpu_debugreg[],
 * cpu_dr7) and which perf event holds each slot (bp_per_reg[]).  Installing
 * or uninstalling a breakpoint writes the hardware at once, whatever
 * context the caller runs in: the context switch (perf sched-in/out of a
 * task's events) or an IPI that installs a CPU-wide event "from interrupt
 * context" (seed 000).  KVM, which lets the guest's values into the same
 * registers, puts the host's back with hw_breakpoint_restore() after an
 * exit when hw_breakpoint_active() says the host has any. */
#include "host/host.h"

void hw_bp_percpu_init(struct hw_bp_percpu *hw)
{
	for (int i = 0; i < HBP_NUM; i++) {
		hw->cpu_debugreg[i] = 0;
		hw->bp_per_reg[i] = HOST_SLOT_FREE;
	}
	/* hvsim has always kept the fixed bit 10 in the host's DR7 image. */
	hw->cpu_dr7 = DR7_FIXED_1;
}

uint64_t hw_bp_dr7_bits(int slot, unsigned type, unsigned len, bool global)
{
	/* __encode_dr7(): the enable bit, R/W in bits 16+4n, LEN in 18+4n
	 * (00 = 1 byte, 01 = 2, 11 = 4, 10 = 8; SDM Vol.3 17.2.4). */
	static const unsigned lenenc[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
	return (global ? DR7_G(slot) : DR7_L(slot)) | (uint64_t)(type & 3) << (16 + slot * 4) |
	       (uint64_t)lenenc[len & 15] << (18 + slot * 4);
}

void hw_bp_install_at(struct pcpu *p, int slot, const struct hbp *bp, int owner)
{
	struct hw_bp_percpu *hw = &p->hw;
	uint64_t dr7 = hw->cpu_dr7 & ~(3ull << (slot * 2)) & ~(0xFull << (16 + slot * 4));
	dr7 |= hw_bp_dr7_bits(slot, bp->type, bp->len, true);
	hw->bp_per_reg[slot] = owner;
	hw->cpu_debugreg[slot] = bp->addr;
	hw->cpu_dr7 = dr7;
	/* "set_debugreg(info->address, i); __this_cpu_write(cpu_debugreg[i],
	 * ...); *dr7 |= encode_dr7(...); set_debugreg(*dr7, 7)": the address
	 * first, then DR7 (a half-installed breakpoint is never armed).  Not a
	 * hypervisor access. */
	cpu_dr_write(p->cpu, slot, bp->addr, DRW_HOST_KERNEL, "hw_breakpoint install");
	cpu_dr_write(p->cpu, 7, dr7, DRW_HOST_KERNEL, "hw_breakpoint install");
}

int hw_bp_install(struct pcpu *p, const struct hbp *bp, int owner)
{
	int slot = -1;
	for (int i = 0; slot < 0 && i < HBP_NUM; i++)
		if (p->hw.bp_per_reg[i] == HOST_SLOT_FREE)
			slot = i;
	/* "WARN_ONCE(i == HBP_NUM, "Can't find any breakpoint slot")": the
	 * perf layer's slot accounting (kernel/events/hw_breakpoint.c,
	 * toggle_bp_slot) refuses a fifth breakpoint before it gets here;
	 * hvsim's loader refuses it (validate). */
	if (slot < 0)
		return -1;
	hw_bp_install_at(p, slot, bp, owner);
	return slot;
}

void hw_bp_uninstall(struct pcpu *p, int slot)
{
	struct hw_bp_percpu *hw = &p->hw;
	/* "*dr7 &= ~__encode_dr7(i, info->len, info->type); set_debugreg(*dr7,
	 * 7)": hvsim clears the enable bits only (the R/W and LEN of a
	 * disabled slot are inert), and has always zeroed the address too. */
	hw->cpu_dr7 &= ~(3ull << (slot * 2));
	hw->cpu_debugreg[slot] = 0;
	hw->bp_per_reg[slot] = HOST_SLOT_FREE;
	cpu_dr_write(p->cpu, 7, hw->cpu_dr7, DRW_HOST_KERNEL, "hw_breakpoint uninstall");
}

bool hw_breakpoint_active(const struct hw_bp_percpu *hw)
{
	/* all perf/ptrace breakpoints are installed with G bits */
	return (hw->cpu_dr7 & 0xAA) != 0;
}

void hw_breakpoint_restore(struct cpu *c, const struct hw_bp_percpu *hw, const char *cause)
{
	/* DR0-3 from cpu_debugreg, DR6 to the "no event" value (DR6_RESERVED
	 * since the 2020 #DB rework; current->thread.debugreg6 before, which
	 * the host's #DB handler keeps at the same value between events), DR7
	 * from cpu_dr7. */
	for (int i = 0; i < HBP_NUM; i++)
		cpu_hv_write_dr(c, i, hw->cpu_debugreg[i], cause);
	cpu_hv_write_dr(c, 6, DR6_ACTIVE_LOW, cause);
	cpu_hv_write_dr(c, 7, hw->cpu_dr7, cause);
	c->st.dr_host_restores++;
	cpu_event(c, EV_DR_RESTORE, 0xCF, 0, 0, cause);
}
