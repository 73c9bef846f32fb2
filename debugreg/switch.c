/* switch.c - the debug-register steps of vcpu_enter_guest(): what KVM does
 * just before VM entry and right after VM exit.  One function each; the
 * policy knobs choose the era (kvm-debugreg-logic.md §2-§5, §8).
 *
 * The two steps, for every preset (R = guest DR0-3 written to hardware):
 *
 *   entry                                   exit
 *   [2.6.29: read host DR6/7 (+DR0-3)]      [WONT_EXIT: sync + re-arm]
 *   [dirty bit: set/clear traps,            [dirty bit: save guest, restore host]
 *    save host DRs]                         host restore per host_restore knob
 *   if load condition: DR7 <- 0|0x400, R,
 *      DR6 per knob
 *   elif host bps (5.15+): DR7 <- 0|0x400
 *   [skip_dbgctl_load: toggle the entry control]
 */
#include "debugreg/core.h"

static bool want_load(struct dbg *d)
{
	unsigned sdr = d->switch_db_regs;
	/* Xen: the first MOV-DR exit loaded the guest's DRs
	 * (__restore_debug_registers); nothing reloads them on entry unless
	 * something clobbered them after an exit (a host restore, set below
	 * as RELOAD). */
	if (dbg_sticky_window(d))
		return (sdr & KVM_DEBUGREG_RELOAD) != 0;
	switch (d->pol.load) {
	case LOAD_IF_SDR:
		/* 3.15+: "if (unlikely(vcpu->arch.switch_db_regs))" - any of
		 * BP_ENABLED, WONT_EXIT, RELOAD. */
		return (sdr & (KVM_DEBUGREG_BP_ENABLED | KVM_DEBUGREG_WONT_EXIT | KVM_DEBUGREG_RELOAD)) != 0;
	case LOAD_IF_BP_ENABLED:
		/* 2.6.29-3.14: switch_db_regs was a bool = "effective DR7 arms a
		 * breakpoint" (c863901075a4 computes it from the effective DR7). */
		return (sdr & (KVM_DEBUGREG_BP_ENABLED | KVM_DEBUGREG_WONT_EXIT)) != 0;
	case LOAD_IF_NEED_RELOAD:
		/* The 2020 RFC (seed 000, patch 3/3 "skip DRn reload if previous VM
		 * exit is DR access VM exit"): only the one-shot NEED_RELOAD; the
		 * WONT_EXIT transition no longer forces a reload. */
		return (sdr & KVM_DEBUGREG_NEED_RELOAD) != 0;
	case LOAD_IF_NEED_RELOAD_SDR:
		/* Patch 2/3 alone on 6.1 (sim/ref/kvm-patch/seed000-need-reload-
		 * 6.1.diff): the entry test stays "if (unlikely(vcpu->arch.
		 * switch_db_regs))", so besides the one-shot NEED_RELOAD the
		 * WONT_EXIT transition still reloads DR0-3 (and, through
		 * KVM_RUN_LOAD_GUEST_DR6, the guest's DR6). */
		return (sdr & (KVM_DEBUGREG_NEED_RELOAD | KVM_DEBUGREG_WONT_EXIT)) != 0;
	case LOAD_IF_DIRTY:
		return (sdr & KVM_DEBUGREG_DIRTY) != 0;
	case LOAD_IF_OWNED:
		/* arm64 6.14 __debug_switch_to_guest_common: "if
		 * (!kvm_debug_regs_in_use(vcpu)) return" - in use when the guest
		 * or the host debugger (external_debug_state) owns them. */
		return (sdr & KVM_DEBUGREG_OWNED) || (d->guest_debug & GUESTDBG_USE_HW_BP);
	case LOAD_ALWAYS:
		return true;
	}
	return false;
}

/* Whether this entry also puts the guest's DR6 in place. */
static bool want_dr6(const struct dbg *d)
{
	/* Before 5.15 DR6 went in with DR0-3 (the vendor set_dr6 / "DR6 that
	 * was not synced before"); since 375e28ffc0cf only when the guest can
	 * touch it directly (WONT_EXIT).  The eager reference and the dirty-bit
	 * scheme run the guest without MOV-DR exits, so they always need it. */
	return d->pol.load_dr6_always || (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT) ||
	       d->pol.load == LOAD_ALWAYS || d->pol.load == LOAD_IF_DIRTY || d->pol.load == LOAD_IF_OWNED ||
	       /* Avi Kivity's DR6 patch (2.6.3x-3.14): VMX writes the guest's DR6
		* "if we're running with the guest's debug registers". */
	       (d->pol.guest_dr6 == GDR6_VMX_SDR && !d->ops->vmcb_dr6);
}

/* Whether a guest #DB on this vendor exits (knob db_intercept). */
static bool db_exits(const struct dbg *d)
{
	return dbg_db_intercepted(&d->pol, d->guest_debug, d->ops->vmcb_dr6);
}

/* SVM since 2020: run with the "no event" DR6 in the VMCB unless the
 * guest can write DR6 freely (svm_vcpu_run), so that db_interception gets
 * the exact cause; without a #DB intercept there is no such exit and the
 * VMCB keeps the guest's DR6.  Never on VMX (no idle_guest_dr6). */
static bool idle_dr6_due(const struct dbg *d)
{
	return d->ops->idle_guest_dr6 && !d->guest_dr6_loaded && !dbg_sticky_window(d) && db_exits(d) &&
	       !(d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT) && d->pol.load != LOAD_ALWAYS &&
	       d->pol.load != LOAD_IF_DIRTY;
}

/* Dirty-bit scheme (seed 004, Zhichao Huang's arm patch) on entry:
 * "If debug is actively in use (ARM_DSCR_MDBGEN set), set the dirty bit,
 * disable the traps, save host registers, restore guest registers.  If the
 * dirty bit is set ..., disable the traps, save host registers, restore
 * guest registers.  Otherwise, enable the traps."  x86's analogue of
 * MDBGEN: the guest's DR7 arms a breakpoint.  Restoring the guest's
 * registers is the common load below. */
static void dirty_bit_entry(struct dbg *d)
{
	struct cpu *c = d->cpu;
	/* arm64 kvm_arm_setup_debug: with host debugging (USE_HW) the debug
	 * registers are switched on every entry (DEBUG_DIRTY, the debugger's
	 * set) and accesses stay trapped (MDCR_EL2.TDA). */
	if ((d->dr7 & DR7_BP_EN_MASK) || (d->guest_debug & GUESTDBG_USE_HW_BP))
		dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_DIRTY, "dirty: guest DR7 armed");
	bool dirty = (d->switch_db_regs & KVM_DEBUGREG_DIRTY) != 0;
	bool trap = !dirty || d->guest_debug;
	dbg_set_intercept(d, trap, trap ? "clean: trap" : "dirty: stop trapping");
	if (!dirty)
		return;
	/* "save host registers": what is in hardware now (hvsim's x86 host keeps
	 * its breakpoints in hardware between exits, like ARM's host). */
	for (int i = 0; i < 4; i++)
		d->host.saved_dr[i] = cpu_hv_read_dr(c, i, "dirty: save host");
	d->host.saved_dr[6] = cpu_hv_read_dr(c, 6, "dirty: save host");
	d->host.saved_dr[7] = cpu_hv_read_dr(c, 7, "dirty: save host");
}

/* arm64 6.14 on x86 (knob movdr = owner): while the registers are in use
 * (guest- or host-debugger-owned) every world switch into the guest does
 * "__debug_save_state(host_dbg, host_ctxt); __debug_restore_state(guest_dbg,
 * guest_ctxt)" (hyp/debug-sr.h __debug_switch_to_guest_common); who owns
 * them was decided at vcpu_load or by a trapped access, not here.  The
 * guest's half is the common load below. */
static void owner_entry(struct dbg *d)
{
	struct cpu *c = d->cpu;
	if (!want_load(d))
		return;
	for (int i = 0; i < 4; i++)
		d->host.saved_dr[i] = cpu_hv_read_dr(c, i, "arm64: save host");
	d->host.saved_dr[6] = cpu_hv_read_dr(c, 6, "arm64: save host");
	d->host.saved_dr[7] = cpu_hv_read_dr(c, 7, "arm64: save host");
}

/* Put back the host DRs an entry saved (dirty bit, arm64 owner).  The VM
 * exit left DR7 = 0x400 (SDM 27.5.1): nothing is armed while DR0-3 go
 * back. */
static void restore_saved_host(struct dbg *d, const char *cause)
{
	struct cpu *c = d->cpu;
	for (int i = 0; i < 4; i++)
		cpu_hv_write_dr(c, i, d->host.saved_dr[i], cause);
	cpu_hv_write_dr(c, 6, d->host.saved_dr[6], cause);
	cpu_hv_write_dr(c, 7, d->host.saved_dr[7], cause);
	c->st.dr_host_restores++;
	cpu_event(c, EV_DR_RESTORE, 0xCF, 0, 0, cause);
}

void dbg_pre_entry(struct dbg *d)
{
	struct cpu *c = d->cpu;
	d->guest_dr6_loaded = false;
	/* inject_pending_event() comes before the DR block in vcpu_enter_guest():
	 * deliver the payload of a #DB this core queued now, so the DR6 loaded
	 * below already has it (not in the Xen-style window, where the #DB
	 * works on the hardware registers, core.c). */
	if (d->db_payload_queued && !dbg_sticky_window(d)) {
		uint64_t payload = d->db_payload;
		dbg_deliver_db_payload(d, payload);
		d->db_payload_done = true;
		d->db_payload = payload;
	}
	/* 2.6.29 (42dbaa5a0574): save the host's DR6/DR7 on every entry, and
	 * DR0-3 too when the guest's registers are going in. */
	if (d->pol.save_host_on_entry) {
		d->host.saved_dr[6] = cpu_hv_read_dr(c, 6, "2.6.29: save host");
		d->host.saved_dr[7] = cpu_hv_read_dr(c, 7, "2.6.29: save host");
		if (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED)
			for (int i = 0; i < 4; i++)
				d->host.saved_dr[i] = cpu_hv_read_dr(c, i, "2.6.29: save host");
	}
	if (d->pol.movdr == MOVDR_DIRTY_BIT)
		dirty_bit_entry(d);
	else if (d->pol.movdr == MOVDR_OWNER)
		owner_entry(d);
	if (want_load(d)) {
		/* Disarm first so no half-loaded breakpoint can fire, then load
		 * DR0-3 (eff_db).  DR7 itself travels in the VMCS/VMCB. */
		cpu_hv_write_dr(c, 7, d->pol.preentry_dr7, "entry: disarm");
		for (int i = 0; i < 4; i++)
			cpu_hv_write_dr(c, i, d->eff_db[i], "entry: load guest");
		if (want_dr6(d)) {
			d->ops->load_guest_dr6(d->v, d->dr6);
			d->guest_dr6_loaded = true;
			/* 3.15-5.14: the vendor-neutral set_debugreg(vcpu->arch.dr6, 6)
			 * of vcpu_enter_guest writes the hardware register on SVM too
			 * (375e28ffc0cf made it VMX-only); VMRUN then keeps it as the
			 * host's DR6 (kvm-eras-2026.md H4). */
			if (d->pol.guest_dr6 == GDR6_HW_BOTH && d->ops->vmcb_dr6)
				cpu_hv_write_dr(c, 6, d->dr6, "entry: set_debugreg(dr6) (3.15-5.14)");
		}
		c->st.dr_guest_loads++;
		unsigned sdr = d->switch_db_regs;
		cpu_event(c, EV_DR_LOAD, d->guest_dr6_loaded ? 0x4F : 0xF, sdr, 0,
			  dbg_sticky_window(d) ? "xen: reload after host restore"
			  : sdr & KVM_DEBUGREG_WONT_EXIT ? "WONT_EXIT"
			  : sdr & KVM_DEBUGREG_BP_ENABLED ? "BP_ENABLED"
			  : sdr & KVM_DEBUGREG_RELOAD ? "RELOAD"
			  : sdr & KVM_DEBUGREG_NEED_RELOAD ? "NEED_RELOAD"
			  : sdr & KVM_DEBUGREG_DIRTY ? "DIRTY"
			  : sdr & KVM_DEBUGREG_OWNED ? "OWNED" : "always");
		/* One-shot flags are consumed by the load (RELOAD: ae561edeb421;
		 * NEED_RELOAD: the RFC's "&= ~KVM_DEBUGREG_NEED_RELOAD"). */
		dbg_set_sdr(d, sdr & ~(KVM_DEBUGREG_RELOAD | KVM_DEBUGREG_NEED_RELOAD), "entry: reloaded");
	} else if (d->pol.preentry_disarm_host && hw_breakpoint_active(&d->pcpu->hw)) {
		/* f85d40160691: "Disable hardware breakpoints unconditionally
		 * before kvm_x86->run()" so no host #DB fires in the entry path.
		 * The same value as before a load: set_debugreg(0, 7) until
		 * fa7d0f83c5c4 made both DR7_FIXED_1. */
		cpu_hv_write_dr(c, 7, d->pol.preentry_dr7, "entry: disarm host");
	}
	/* 2.6.29 vmx_vcpu_run: the guest's DR6 goes into hardware before every
	 * entry (kvm-eras-2026.md H2). */
	if (d->pol.guest_dr6 == GDR6_VMX_EVERY_RUN && !d->ops->vmcb_dr6 && !d->guest_dr6_loaded) {
		d->ops->load_guest_dr6(d->v, d->dr6);
		d->guest_dr6_loaded = true;
	}
	if (idle_dr6_due(d))
		d->ops->idle_guest_dr6(d->v);
	/* Seed 003, Paolo Bonzini: "skip the LOAD_DEBUG_CONTROLS vm-entry
	 * control if DR7 == host DR7 == 0x400 && MOV DR exits are enabled ...
	 * there's also the DEBUGCTL MSR to take into account".  Checked here,
	 * after the loads, against what the hardware will hold at entry: with
	 * the control clear the guest runs with the host's DR7 and DEBUGCTL
	 * (SDM 26.3.2.1), which is correct exactly when they equal the guest's
	 * and the guest cannot change DR7 without an exit. */
	if (d->pol.skip_dbgctl_load && d->ops->set_load_debug_controls) {
		bool skip = d->intercepting && d->dr7 == DR7_FIXED_1 && c->dr[7] == DR7_FIXED_1 &&
			    d->ops->guest_debugctl(d->v) == c->debugctl;
		if (skip != d->dbgctl_load_cleared) {
			d->dbgctl_load_cleared = skip;
			d->ops->set_load_debug_controls(d->v, !skip);
		}
	}
}

/* Would the host_restore knob restore the host's DRs after this exit? */
static bool host_restore_due(const struct dbg *d)
{
	switch (d->pol.host_restore) {
	case HR_ACTIVE_BREAKPOINTS:
		return hw_breakpoint_active(&d->pcpu->hw);
	case HR_TIF_DEBUG_ONLY:
		/* Seed 002, the v3 hunk of the perf rewrite: "if (unlikely(
		 * vcpu->arch.switch_db_regs || test_thread_flag(TIF_DEBUG)))
		 * hw_breakpoint_restore();" - TIF_DEBUG covers ptrace breakpoints
		 * only, so a perf breakpoint of the host stays disarmed (VM exit
		 * left DR7 = 0x400) whenever the guest has no switch_db_regs. */
		return (d->switch_db_regs & (KVM_DEBUGREG_BP_ENABLED | KVM_DEBUGREG_WONT_EXIT |
					     KVM_DEBUGREG_RELOAD)) || d->thread->tif_debug;
	case HR_ALWAYS:
	case HR_SAVED_ON_ENTRY:
		return true;
	case HR_NEVER:
		return false;
	}
	return false;
}

static void host_restore(struct dbg *d)
{
	struct cpu *c = d->cpu;
	switch (d->pol.host_restore) {
	case HR_ACTIVE_BREAKPOINTS:
		hw_breakpoint_restore(d->cpu, &d->pcpu->hw, "exit: host bp active");
		break;
	case HR_TIF_DEBUG_ONLY:
		hw_breakpoint_restore(d->cpu, &d->pcpu->hw, "exit: sdr || TIF_DEBUG");
		break;
	case HR_ALWAYS:
		/* 2.6.33 (24f1e32c60c4 v4): "Restore the breakpoints
		 * unconditionally on kvm guest exit". */
		hw_breakpoint_restore(d->cpu, &d->pcpu->hw, "exit: unconditional");
		break;
	case HR_SAVED_ON_ENTRY:
		/* 2.6.29: DR0-3 back (DR7 <- 0 first) if the guest's were loaded,
		 * then the host DR6/DR7 saved on entry, on every exit. */
		if (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED) {
			cpu_hv_write_dr(c, 7, 0, "2.6.29: restore host");
			for (int i = 0; i < 4; i++)
				cpu_hv_write_dr(c, i, d->host.saved_dr[i], "2.6.29: restore host");
		}
		cpu_hv_write_dr(c, 6, d->host.saved_dr[6], "2.6.29: restore host");
		cpu_hv_write_dr(c, 7, d->host.saved_dr[7], "2.6.29: restore host");
		c->st.dr_host_restores++;
		cpu_event(c, EV_DR_RESTORE, 0xC0 | (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED ? 0xF : 0), 0,
			  0, "2.6.29: restore host");
		break;
	case HR_NEVER:
		break;
	}
}

void dbg_post_exit(struct dbg *d)
{
	struct cpu *c = d->cpu;
	d->guest_dr6_loaded = false;           /* the guest is out: nothing of this entry is live */
	d->db_payload_done = false;
	/* The guest's DR6 read back right after the run: 2.6.29 vmx_vcpu_run
	 * on every exit, Avi Kivity's patch (2.6.3x-3.14) only "if
	 * (vcpu->arch.switch_db_regs)" (kvm-eras-2026.md H2, H3).  A #DB the
	 * guest took natively (no intercept) is then in dr6. */
	if (!d->ops->vmcb_dr6 &&
	    (d->pol.guest_dr6 == GDR6_VMX_EVERY_RUN ||
	     (d->pol.guest_dr6 == GDR6_VMX_SDR && (d->switch_db_regs & KVM_DEBUGREG_BP_ENABLED))))
		d->dr6 = cpu_hv_read_dr(c, 6, "exit: get_debugreg(dr6)");
	/* SVM without a #DB intercept (before 4.4): a #DB the guest took
	 * natively updated the VMCB's DR6, which svm_get_dr6 returned to
	 * kvm_get_dr before 2020. */
	if (d->ops->guest_dr6_field && !db_exits(d))
		d->dr6 = d->ops->guest_dr6_field(d->v);
	/* "Do this here before restoring debug registers on the host.  And
	 * since we do this before handling the vmexit, a DR access vmexit can
	 * (a) read the correct value of the debug registers, (b) set
	 * KVM_DEBUGREG_WONT_EXIT again." (seed 003)  The eager reference saves
	 * the guest's registers after every exit the same way, without the
	 * re-arm. */
	bool lazy = d->pol.movdr == MOVDR_WONT_EXIT && (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
	/* Under KVM_GUESTDBG_USE_HW_BP hardware DR0-3 are the debugger's, never
	 * the guest's: nothing to save (KVM: WARN_ON if WONT_EXIT is set). */
	bool hw_bp = (d->guest_debug & GUESTDBG_USE_HW_BP) != 0;
	if (lazy || (d->pol.eager_save && !hw_bp)) {
		d->ops->sync_dirty_debug_regs(d->v, lazy);
		if (lazy) {
			d->intercepting = true;
			dbg_set_sdr(d, d->switch_db_regs & ~KVM_DEBUGREG_WONT_EXIT, "sync_dirty_debug_regs");
		}
		c->st.dr_syncs++;
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		/* "vcpu->arch.switch_db_regs &= ~KVM_DEBUGREG_RELOAD" at the end
		 * of the block (2014-2021, the era of reload_flag); the RFC
		 * renamed the flag, so there it clears NEED_RELOAD: the entry
		 * after a lazy window reloads nothing (seed 000;
		 * kvm-debugreg-logic §4.2 "RFC EXIT").  34e9f860071f removed the
		 * line with RELOAD, so on 6.1 (need_reload-6.1) the NEED_RELOAD
		 * that kvm_update_dr7() just set for an armed DR7 stays. */
		if (d->pol.reload_flag)
			dbg_set_sdr(d, d->switch_db_regs & ~(dbg_need_reload_scheme(&d->pol) ? KVM_DEBUGREG_NEED_RELOAD
											      : KVM_DEBUGREG_RELOAD),
				    "sync: reload flag consumed");
	}
	/* Dirty-bit scheme on exit: "If the dirty bit is set, save guest
	 * registers, restore host registers and clear the dirty bit.  This
	 * ensure that the host can now use the debug registers." (seed 004) */
	if (d->pol.movdr == MOVDR_DIRTY_BIT && (d->switch_db_regs & KVM_DEBUGREG_DIRTY)) {
		if (!hw_bp) {
			d->ops->sync_dirty_debug_regs(d->v, false);
			c->st.dr_syncs++;
		}
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		dbg_set_sdr(d, d->switch_db_regs & ~KVM_DEBUGREG_DIRTY, "dirty: exit");
		restore_saved_host(d, "dirty: restore host");
		return;
	}
	/* arm64 6.14 on x86: __debug_switch_to_host_common saves the guest's
	 * registers and restores the host's on every exit while they are in
	 * use; ownership itself is sticky until the next vcpu_load. */
	if (d->pol.movdr == MOVDR_OWNER && want_load(d)) {
		if (!hw_bp) {
			d->ops->sync_dirty_debug_regs(d->v, false);
			c->st.dr_syncs++;
		}
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		restore_saved_host(d, "arm64: restore host");
		return;
	}
	if (!host_restore_due(d))
		return;
	/* Xen-style window: the guest's registers are only in hardware; save
	 * them before the host's go in (what Xen does at deschedule) and
	 * reload them on the next entry. */
	if (dbg_sticky_window(d)) {
		d->ops->sync_dirty_debug_regs(d->v, false);
		c->st.dr_syncs++;
		kvm_update_dr0123(d);
		kvm_update_dr7(d);
		dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_RELOAD, "xen: host restore clobbers guest DRs");
	}
	host_restore(d);
}

/* ---- fastpath re-entry ---------------------------------------------------------- *
 *
 * Since 5.8 the vendor's vcpu_run hands some exits to its exit_handlers_
 * fastpath with IRQs still off; EXIT_FASTPATH_REENTER_GUEST (404d5d7bff0d)
 * sends the vCPU straight back in: first from vmx_vcpu_run ("goto
 * reenter_guest", 5.8), later from the for (;;) of vcpu_enter_guest() for
 * both vendors.  Either way the pre-entry DR block (dbg_pre_entry) lies
 * before the loop and the post-exit one (the WONT_EXIT sync and
 * hw_breakpoint_restore(), dbg_post_exit) after it: a re-entered exit
 * runs neither, takes no host work and gets no exit number.  Any other
 * verdict (EXIT_HANDLED, when the handler raised a request such as the
 * KVM_REQ_EVENT of a queued #DB, kvm_vcpu_exit_request(); EXIT_USERSPACE)
 * leaves the loop and runs the whole block.
 *
 * Which exits re-enter, per era:
 *   - the VMX-preemption timer (26efe2fd92e5, 5.8; knob fastpath_reenter);
 *   - WRMSR to IA32_TSC_DEADLINE (ae95f566b3d2, 5.8): only while
 *     kvm_can_use_hv_timer(), i.e. kvm_x86_ops.set_hv_timer, which only
 *     VMX has; every vendor since 0a94b2042419 (6.18).  The write needs no
 *     in-kernel local APIC to be "handled": kvm_set_lapic_tscdeadline_msr()
 *     just returns without one, as hvsim's guest has none (knob
 *     fastpath_tscdeadline);
 *   - WRMSR to the x2APIC ICR (1e9e2622a149, 5.6, handled it with IRQs off
 *     but never re-entered: EXIT_FASTPATH_SKIP_EMUL_INS, EXIT_HANDLED from
 *     5.8, so the DR block ran; re-entry since 0dd45f2cd8cc, 6.12):
 *     handle_fastpath_set_x2apic_icr_irqoff()
 *     bails out "if (!lapic_in_kernel(vcpu) || !apic_x2apic_mode(...))",
 *     and hvsim's vCPU keeps its local APIC in user space like both
 *     references' runners (debugreg/guest_debug.c): never a fastpath here;
 *   - HLT (1876dd69dfe8, 6.12): handle_fastpath_hlt() re-enters only when
 *     kvm_emulate_halt() stayed in the kernel and a wake event is pending;
 *     with the local APIC in user space kvm_emulate_halt() returns 0 and the
 *     verdict is EXIT_FASTPATH_EXIT_USERSPACE (KVM_EXIT_HLT): the block
 *     runs, as on the slow path.  Nor is INVD (6.18) an instruction hvsim
 *     runs. */

bool dbg_fastpath_wrmsr(const struct policy *pol, bool svm, uint32_t msr)
{
	if (msr != MSR_IA32_TSC_DEADLINE)
		return false;
	switch (pol->fastpath_tscdeadline) {
	case FPTD_NONE:
		return false;
	case FPTD_VMX:
		return !svm;
	case FPTD_BOTH:
		return true;
	}
	return false;
}

void dbg_fastpath_reentry(struct dbg *d)
{
	cpu_event(d->cpu, EV_FLAGS, d->switch_db_regs, d->switch_db_regs, 0,
		  "fastpath: re-enter without the DR block");
	/* 375e28ffc0cf (5.15) moved the WONT_EXIT DR6 load into the vendor's
	 * vcpu_run, which runs again on every pass: "if (vcpu->arch.
	 * switch_db_regs & KVM_DEBUGREG_WONT_EXIT) set_debugreg(vcpu->arch.dr6,
	 * 6)" on VMX, svm_set_dr6(svm, vcpu->arch.dr6) on SVM.  No sync ran
	 * since the last entry, so vcpu->arch.dr6 is stale and whatever the
	 * guest put in DR6 meanwhile is lost (c2fee09fc167: "If the guest
	 * modifies DR6 ... and then the next VM-Exit is a fastpath VM-Exit, KVM
	 * will reload hardware DR6 with vcpu->arch.dr6 and clobber the guest's
	 * actual value").  Since that fix the guest's DR6 goes in once, before
	 * the loop (KVM_RUN_LOAD_GUEST_DR6 on the first pass only). */
	if (d->pol.fastpath_dr6_in_loop && (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT)) {
		d->ops->load_guest_dr6(d->v, d->dr6);
		return;
	}
	/* svm_vcpu_run's other branch stays inside the loop in every era:
	 * "else if (likely(!(vcpu->arch.switch_db_regs & KVM_DEBUGREG_WONT_EXIT)))
	 * svm_set_dr6(vcpu, DR6_ACTIVE_LOW)". */
	if (idle_dr6_due(d))
		d->ops->idle_guest_dr6(d->v);
}
