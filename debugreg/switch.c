/* switch.c - the debug-register steps of vcpu_enter_guest(): what KVM does
 * just before VM entry and right after VM exit.  One function each; the
 * policy knobs choose the era (kvm-debugreg-logic.md §2-§5, §8). */
#include "debugreg/core.h"

static bool want_load(struct dbg *d)
{
	unsigned sdr = d->switch_db_regs;
	switch (d->pol.load) {
	case LOAD_IF_SDR:
		/* 3.15+: "if (unlikely(vcpu->arch.switch_db_regs))" — any of
		 * BP_ENABLED, WONT_EXIT, RELOAD. */
		return (sdr & (KVM_DEBUGREG_BP_ENABLED | KVM_DEBUGREG_WONT_EXIT | KVM_DEBUGREG_RELOAD)) != 0;
	case LOAD_IF_BP_ENABLED:
		/* 2.6.29-3.14: switch_db_regs was a bool = "effective DR7 arms a
		 * breakpoint" (c863901075a4 computes it from the effective DR7). */
		return (sdr & (KVM_DEBUGREG_BP_ENABLED | KVM_DEBUGREG_WONT_EXIT)) != 0;
	case LOAD_IF_NEED_RELOAD:
		/* The 2020 RFC (seed 000): only the one-shot NEED_RELOAD. */
		return (sdr & KVM_DEBUGREG_NEED_RELOAD) != 0;
	case LOAD_IF_DIRTY:
		return (sdr & KVM_DEBUGREG_DIRTY) != 0;
	case LOAD_ALWAYS:
		return true;
	}
	return false;
}

void dbg_pre_entry(struct dbg *d)
{
	struct cpu *c = d->cpu;
	/* 2.6.29 (42dbaa5a0574): save the host's DR6/DR7 on every entry, and
	 * DR0-3 too when the guest's registers are going in. */
	if (d->pol.save_host_on_entry) {
		d->host.saved_dr[6] = cpu_hv_read_dr(c, 6, "2.6.29: save host");
		d->host.saved_dr[7] = cpu_hv_read_dr(c, 7, "2.6.29: save host");
		if (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED)
			for (int i = 0; i < 4; i++)
				d->host.saved_dr[i] = cpu_hv_read_dr(c, i, "2.6.29: save host");
	}
	/* ARM dirty-bit scheme (seed 004) on entry: "If debug is actively in
	 * use (MDBGEN) set the dirty bit ... If the dirty bit is set disable
	 * the traps, ... restore guest registers.  Otherwise enable the traps."
	 * x86's analogue of MDBGEN: the guest's DR7 arms a breakpoint. */
	if (d->pol.movdr == MOVDR_DIRTY_BIT) {
		if (d->dr7 & DR7_BP_EN_MASK)
			d->switch_db_regs |= KVM_DEBUGREG_DIRTY;
		bool dirty = (d->switch_db_regs & KVM_DEBUGREG_DIRTY) != 0;
		if (d->intercepting == dirty) {
			d->intercepting = !dirty;
			d->ops->set_dr_intercept(d->v, !dirty);
			cpu_event(c, EV_INTERCEPT, !dirty, 0, 0, dirty ? "dirty: stop trapping" : "clean: trap");
		}
	}
	if (want_load(d)) {
		/* Disarm first so no half-loaded breakpoint can fire, then load
		 * DR0-3 (eff_db).  DR7 itself travels in the VMCS/VMCB. */
		cpu_hv_write_dr(c, 7, d->pol.preentry_dr7, "entry: disarm");
		for (int i = 0; i < 4; i++)
			cpu_hv_write_dr(c, i, d->eff_db[i], "entry: load guest");
		/* DR6: before 5.15 loaded with DR0-3; since 375e28ffc0cf only
		 * when the guest can touch it directly (WONT_EXIT). */
		if (d->pol.load_dr6_always || (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT) ||
		    d->pol.load == LOAD_ALWAYS || d->pol.load == LOAD_IF_DIRTY)
			d->ops->load_guest_dr6(d->v, d->dr6);
		c->st.dr_guest_loads++;
		cpu_event(c, EV_DR_LOAD, 0xF, d->switch_db_regs, 0,
			  d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT ? "WONT_EXIT"
			  : d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED ? "BP_ENABLED"
			  : d->switch_db_regs & KVM_DEBUGREG_RELOAD ? "RELOAD"
			  : d->switch_db_regs & KVM_DEBUGREG_NEED_RELOAD ? "NEED_RELOAD"
			  : d->switch_db_regs & KVM_DEBUGREG_DIRTY ? "DIRTY" : "always");
		d->switch_db_regs &= ~(KVM_DEBUGREG_RELOAD | KVM_DEBUGREG_NEED_RELOAD);
	} else if (d->pol.preentry_disarm_host && hw_breakpoint_active(d)) {
		/* f85d40160691: "Disable hardware breakpoints unconditionally
		 * before kvm_x86->run()" so no host #DB fires in the entry path. */
		cpu_hv_write_dr(c, 7, DR7_FIXED_1, "entry: disarm host");
	}
	if (!(d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT) && d->ops->idle_guest_dr6 &&
	    d->pol.load != LOAD_ALWAYS && d->pol.load != LOAD_IF_DIRTY)
		d->ops->idle_guest_dr6(d->v);
	/* Seed 003, Paolo Bonzini: "skip the LOAD_DEBUG_CONTROLS vm-entry
	 * control if DR7 == host DR7 == 0x400 && MOV DR exits are enabled ...
	 * there's also the DEBUGCTL MSR to take into account". */
	if (d->pol.skip_dbgctl_load && d->ops->set_load_debug_controls) {
		bool skip = d->intercepting && d->dr7 == DR7_FIXED_1 && c->dr[7] == DR7_FIXED_1 &&
			    d->ops->guest_debugctl(d->v) == c->debugctl;
		if (skip != d->dbgctl_load_cleared) {
			d->dbgctl_load_cleared = skip;
			d->ops->set_load_debug_controls(d->v, !skip);
		}
	}
}

void dbg_post_exit(struct dbg *d)
{
	struct cpu *c = d->cpu;
	bool restored = false;
	/* "Do this here before restoring debug registers on the host.  And
	 * since we do this before handling the vmexit, a DR access vmexit can
	 * (a) read the correct value of the debug registers, (b) set
	 * KVM_DEBUGREG_WONT_EXIT again." (seed 003) */
	if ((d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT) || d->pol.eager_save) {
		bool rearm = d->pol.movdr == MOVDR_WONT_EXIT;
		d->ops->sync_dirty_debug_regs(d->v, rearm);
		if (rearm) {
			d->intercepting = true;
			d->switch_db_regs &= ~KVM_DEBUGREG_WONT_EXIT;
		}
		c->st.dr_syncs++;
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		d->switch_db_regs &= ~KVM_DEBUGREG_RELOAD;
	}
	/* ARM dirty bit on exit: "If the dirty bit is set, save guest
	 * registers, restore host registers and clear the dirty bit". */
	if (d->pol.movdr == MOVDR_DIRTY_BIT && (d->switch_db_regs & KVM_DEBUGREG_DIRTY)) {
		d->ops->sync_dirty_debug_regs(d->v, false);
		c->st.dr_syncs++;
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		d->switch_db_regs &= ~KVM_DEBUGREG_DIRTY;
		hw_breakpoint_restore(d, "dirty: restore host");
		restored = true;
	}
	if (restored)
		return;
	switch (d->pol.host_restore) {
	case HR_ACTIVE_BREAKPOINTS:
		if (hw_breakpoint_active(d))
			hw_breakpoint_restore(d, "exit: host bp active");
		break;
	case HR_TIF_DEBUG_ONLY:
		/* 2.6.32 (seed 002): "if (unlikely(vcpu->arch.switch_db_regs ||
		 * test_thread_flag(TIF_DEBUG)))": perf breakpoints are missed. */
		if ((d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED) || d->host.tif_debug)
			hw_breakpoint_restore(d, "exit: sdr || TIF_DEBUG");
		break;
	case HR_ALWAYS:
		hw_breakpoint_restore(d, "exit: unconditional");
		break;
	case HR_SAVED_ON_ENTRY:
		if (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED) {
			cpu_hv_write_dr(c, 7, 0, "2.6.29: restore host");
			for (int i = 0; i < 4; i++)
				cpu_hv_write_dr(c, i, d->host.saved_dr[i], "2.6.29: restore host");
		}
		cpu_hv_write_dr(c, 6, d->host.saved_dr[6], "2.6.29: restore host");
		cpu_hv_write_dr(c, 7, d->host.saved_dr[7], "2.6.29: restore host");
		c->st.dr_host_restores++;
		break;
	case HR_NEVER:
		break;
	}
}
