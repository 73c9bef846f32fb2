/* guest_debug.c - KVM_SET_GUEST_DEBUG: the host debugging the guest, and
 * KVM_EXIT_DEBUG, the exit that hands a debug event to user space.
 *
 * KVM's side, restated from x86.c kvm_arch_vcpu_ioctl_set_guest_debug(),
 * kvm_update_dr7(), __kvm_set_dr(), vmx.c handle_dr() and
 * handle_exception_nmi(), svm.c dr_interception(), db_interception() and
 * bp_interception() (shared/spec/kvm-debugreg-logic.md §5.4-§5.7;
 * kvm-eras-2026.md "host.guest_debug is ignored"):
 *
 *   - any non-zero guest_debug keeps MOV-DR interception on: handle_dr /
 *     dr_interception take the WONT_EXIT path only `if (guest_debug == 0)`,
 *     so every guest MOV DR exits and is emulated against db[]/dr6/dr7
 *     (core.c dbg_handle_mov_dr), with no lazy window and no sync;
 *   - USE_HW_BP: eff_db[] <- the debugger's DR0-3, guest_debug_dr7 <- its
 *     DR7; kvm_update_dr7() puts that DR7 in the VMCS/VMCB and derives
 *     BP_ENABLED from it, so every entry loads the debugger's addresses.
 *     The guest's own DR0-3/DR7 writes land in db[]/dr7 only: it reads
 *     back what it wrote ("faked debug registers without functionality,
 *     but with content reflecting the guest's modifications", 42dbaa5a0574)
 *     and its breakpoints never reach the hardware;
 *   - SINGLESTEP: RFLAGS.TF forced on (kvm_set_rflags), hidden from
 *     kvm_get_rflags (KVM_GET_REGS, the emulator) but not from the guest's
 *     own PUSHF, which the CPU executes; every #DB exit and every
 *     instruction KVM completes with TF (kvm_vcpu_do_singlestep) becomes
 *     KVM_EXIT_DEBUG;
 *   - except after HLT: kvm_emulate_halt() is kvm_skip_emulated_instruction()
 *     and then __kvm_emulate_halt(), which with the local APIC in user
 *     space sets "vcpu->run->exit_reason = reason" (KVM_EXIT_HLT) over the
 *     KVM_EXIT_DEBUG that kvm_vcpu_do_singlestep() had just set, so user
 *     space never sees the step over HLT ("TODO: we might be squashing a
 *     GUESTDBG_SINGLESTEP-triggered KVM_EXIT_DEBUG here", x86.c since Kyle
 *     Huey's kvm_skip_emulated_instruction series, 4.10; unchanged in
 *     6.1.192 and today's kvm.git).  hvsim's vCPU is that configuration
 *     (HLT ends the run as KVM_EXIT_HLT; the references' runner creates no
 *     in-kernel irqchip either); measured on kvm-amd-tcg:
 *     guest_debug_singlestep gives 6 KVM_EXIT_DEBUG for 7 steps, the one
 *     over HLT missing (vmx/kvm.c, svm/kvm.c HLT exits);
 *   - SINGLESTEP or USE_HW_BP: a #DB exit is KVM_EXIT_DEBUG with
 *     debug.arch.dr6 (VMX: exit qualification | DR6_ACTIVE_LOW; SVM: the
 *     VMCB's DR6) instead of a re-injection;
 *   - USE_SW_BP: #BP intercepted (VMX update_exception_bitmap wants
 *     ENABLE | USE_SW_BP; svm_update_exception_bitmap), KVM_EXIT_DEBUG;
 *   - INJECT_DB / INJECT_BP: kvm_queue_exception(#DB / #BP) at the ioctl
 *     (-EBUSY while an exception is pending);
 *   - VMX handle_dr with GUEST_DR7.GD under USE_HW_BP: KVM_EXIT_DEBUG with
 *     dr6 = DR6_BD | DR6_ACTIVE_LOW instead of injecting the #DB.
 *
 * User space's side (the scenario's debugger; QEMU's kvm_handle_debug()
 * in spirit): it owns a #DB with BS while it single-steps, B0-B3 of the
 * slots its DR7 enables, BD under USE_HW_BP, and every #BP under
 * USE_SW_BP (it planted the INT3s).  An owned instruction breakpoint is
 * resumed with RFLAGS.RF set (KVM_SET_REGS; SDM Vol.3 17.3.1.1) so that it
 * does not fire again on the same instruction; an owned GD event is
 * resumed with GD cleared in the debugger's DR7 (KVM_SET_GUEST_DEBUG), as
 * the CPU would clear it on delivery (SDM 17.2.4).  Anything else is
 * passed back to the guest, as QEMU does (kvm_queue_exception with the
 * DR6 payload). */
#include "debugreg/core.h"

void kvm_set_guest_debug(struct dbg *d, unsigned control, const uint64_t debugreg[8])
{
	/* "if (dbg->control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP))
	 * ... kvm_queue_exception(vcpu, DB_VECTOR / BP_VECTOR)" before anything
	 * else, without a payload: DR6 is not touched. */
	if (control & GUESTDBG_INJECT_DB)
		d->ops->queue_exception(d->v, 1, false, 0);
	else if (control & GUESTDBG_INJECT_BP)
		d->ops->queue_exception(d->v, 3, false, 0);
	/* "vcpu->guest_debug = dbg->control; if (!(vcpu->guest_debug &
	 * KVM_GUESTDBG_ENABLE)) vcpu->guest_debug = 0;" */
	d->guest_debug = (control & GUESTDBG_ENABLE) ? (control & GUESTDBG_VALID_MASK) : 0;
	if (d->guest_debug & GUESTDBG_USE_HW_BP) {
		for (int i = 0; i < 4; i++)
			d->eff_db[i] = debugreg[i];
		d->guest_debug_dr7 = debugreg[7];
	} else {
		for (int i = 0; i < 4; i++)
			d->eff_db[i] = d->db[i];
	}
	kvm_update_dr7(d);
	/* The comparison presets that stop trapping (eager reference) trap
	 * again while the host debugs: KVM's rule, not theirs (not modelled
	 * further; docs/knobs.md). */
	if (d->guest_debug)
		dbg_set_intercept(d, true, "guest debug: every MOV DR exits");
	if (d->ops->update_guest_debug)
		d->ops->update_guest_debug(d->v);
}

bool dbg_db_to_user(const struct dbg *d)
{
	return (d->guest_debug & (GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP)) != 0;
}

/* The slots the debugger's DR7 enables (L or G bit), under USE_HW_BP. */
static unsigned debugger_slots(const struct dbg *d)
{
	if (!(d->guest_debug & GUESTDBG_USE_HW_BP))
		return 0;
	unsigned s = 0;
	for (int i = 0; i < 4; i++)
		if (d->guest_debug_dr7 & (3ull << (2 * i)))
			s |= 1u << i;
	return s;
}

static enum user_debug_verdict user_debugger(struct dbg *d, int vector, uint64_t payload, uint64_t dr7)
{
	if (vector == 3)
		return (d->guest_debug & GUESTDBG_USE_SW_BP) ? USER_DEBUG_CONSUMED : USER_DEBUG_REINJECT;
	if ((payload & DR6_BD) && (d->guest_debug & GUESTDBG_USE_HW_BP)) {
		/* KVM_SET_GUEST_DEBUG again with GD cleared. */
		d->guest_debug_dr7 &= ~DR7_GD;
		kvm_update_dr7(d);
		return USER_DEBUG_CONSUMED;
	}
	unsigned mine = (unsigned)payload & 0xF & debugger_slots(d);
	if (mine) {
		/* An instruction breakpoint (R/W = 00) is a fault: resume with RF. */
		for (int i = 0; i < 4; i++)
			if ((mine & (1u << i)) && !((dr7 >> (16 + 4 * i)) & 3))
				return USER_DEBUG_CONSUMED_RF;
		return USER_DEBUG_CONSUMED;
	}
	if ((payload & DR6_BS) && (d->guest_debug & GUESTDBG_SINGLESTEP))
		return USER_DEBUG_CONSUMED;
	return USER_DEBUG_REINJECT;
}

enum user_debug_verdict kvm_exit_debug(struct dbg *d, int vector, uint64_t payload, uint64_t dr7)
{
	d->cpu->st.exits_to_user_debug++;
	enum user_debug_verdict v = user_debugger(d, vector, payload, dr7);
	cpu_event(d->cpu, EV_USER_EXIT, (uint64_t)vector, vector == 1 ? payload | DR6_ACTIVE_LOW : 0,
		  (uint64_t)v, "KVM_EXIT_DEBUG");
	return v;
}
