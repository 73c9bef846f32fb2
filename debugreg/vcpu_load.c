/* vcpu_load.c - what the hypervisor does with debug registers when its vCPU
 * thread is scheduled out (vcpu_put) and in again (vcpu_load), per era and
 * proposal, in our own words.
 *
 * KVM hears about scheduling through preempt notifiers: kvm_sched_out() ->
 * kvm_arch_vcpu_put() before the context switch, kvm_sched_in() ->
 * kvm_arch_vcpu_load(vcpu, cpu) after it (virt/kvm/kvm_main.c; KVM_RUN
 * itself starts with vcpu_load()).  x86 KVM never kept guest debug
 * registers in the hardware across a vcpu_put: every exit syncs a lazy
 * window (WONT_EXIT) and every entry reloads while a guest breakpoint is
 * armed, so its load/put have almost nothing to do here:
 *   - 4.15-5.14: kvm_arch_vcpu_put() "set_debugreg(0, 6)" - "If userspace
 *     has set any breakpoints or watchpoints, dr6 is restored on every
 *     vmexit, but if not, we might have a stale dr6 from the guest.
 *     do_debug expects dr6 to be cleared after it runs, do the same."
 *     (efdab992813f, Wanpeng Li; the write moved into the VMX sync in 5.15,
 *     1ccb6f983a06, "writing to debug registers is slow").  Knob
 *     vcpu_put_dr6.
 *   - the 2020 RFC's fallback: "set KVM_DEBUGREG_NEED_RELOAD in vcpu_load"
 *     (Xiaoyao Li, seed 000), which Sean Christopherson's answer says
 *     "won't help" because "DRs can be changed from interrupt context as
 *     well" - with no vcpu_put/vcpu_load in between.  Knob
 *     vcpu_load_reload.
 * The hypervisors that keep the guest's registers in the hardware until
 * the vCPU is descheduled do their work here (knob deschedule):
 *   - Xen (xen/arch/x86/hvm/vmx/vmx.c and hvm/svm/svm.c): vmx_ctxt_switch_from()
 *     -> vmx_save_dr(): "if ( !v->arch.hvm_vcpu.flag_dr_dirty ) return;" then "Clear
 *     the DR dirty flag and re-enable intercepts for DR accesses",
 *     read_debugreg(0..3), (6), __vmread(GUEST_DR7) (SVM: DR6/DR7
 *     from the VMCB, vmcb_set_dr_intercepts(vmcb, ~0u));
 *     vmx_ctxt_switch_to() -> vmx_restore_dr(): "if ( unlikely(
 *     v->arch.debugreg[7] & DR7_ACTIVE_MASK) ) __restore_debug_registers(v)"
 *     - DR0-3 and DR6 written, flag_dr_dirty set, MOV-DR exiting left on
 *     (the next access exits once, vmx_dr_access turns it off); SVM's
 *     __restore_debug_registers also clears the DR intercepts and writes
 *     VMCB DR6/DR7.
 *   - KVM/arm64 since 6.14 (Oliver Upton's debug rework, debug.c):
 *     kvm_vcpu_load_debug() "Determine which of the possible debug states
 *     we're in": the guest owns the registers ("need to be loaded
 *     eagerly") iff MDSCR_EL1.MDE/KDE - on x86 its DR7 arming a
 *     breakpoint, the same analogue the dirty_bit preset uses for
 *     DBGDSCR.MDBGEN - else they are free and accesses trap
 *     (kvm_arm_setup_mdcr_el2: TDA "if the guest doesn't have ownership").
 *     kvm_vcpu_put_debug() touches only the single-step state. */
#include "debugreg/core.h"

/* The knob's values are the host room's eras, in the same order. */
_Static_assert((int)HSW_PERF == (int)HOST_ERA_PERF && (int)HSW_THREAD_DEBUGREG == (int)HOST_ERA_THREAD_DEBUGREG &&
		       (int)HSW_XEN_PV == (int)HOST_ERA_XEN_PV,
	       "knob host_switch and enum host_era disagree");

/* Xen's vmx_save_dr / svm_save_dr (ctxt_switch_from). */
static void xen_save_dr(struct dbg *d)
{
	if (!(d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT))
		return;                                  /* !flag_dr_dirty */
	/* re-enable the intercepts, read the guest's DR0-3/DR6 (VMX: hardware;
	 * SVM: DR6 from the VMCB) and DR7 from the VMCS/VMCB */
	d->ops->sync_dirty_debug_regs(d->v, true);
	d->intercepting = true;
	dbg_set_sdr(d, d->switch_db_regs & ~KVM_DEBUGREG_WONT_EXIT, "xen: vmx_save_dr");
	d->cpu->st.dr_syncs++;
	kvm_update_dr0123(d);
}

/* Xen's vmx_restore_dr / svm_restore_dr (ctxt_switch_to). */
static void xen_restore_dr(struct dbg *d)
{
	if (!(d->dr7 & DR7_BP_EN_MASK) || (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT))
		return;
	struct cpu *c = d->cpu;
	for (int i = 0; i < 4; i++)
		cpu_hv_write_dr(c, i, d->eff_db[i], "xen: restore_dr");
	d->ops->load_guest_dr6(d->v, d->dr6);     /* VMX: hardware DR6; SVM: vmcb_set_dr6 */
	c->st.dr_guest_loads++;
	cpu_event(c, EV_DR_LOAD, 0x4F, d->switch_db_regs | KVM_DEBUGREG_WONT_EXIT, 0, "xen: restore_dr");
	dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_WONT_EXIT, "xen: flag_dr_dirty (restore_dr)");
	/* SVM: "vmcb_set_dr_intercepts(vmcb, 0)" and vmcb_set_dr7 in
	 * __restore_debug_registers; VMX leaves MOV-DR exiting as save_dr set it */
	if (d->ops->vmcb_dr6) {
		d->ops->set_dr7(d->v, d->dr7);
		dbg_set_intercept(d, false, "xen: svm restore_dr");
	}
}

/* KVM/arm64 6.14 kvm_vcpu_load_debug on x86. */
static void arm64_load_debug(struct dbg *d)
{
	bool owned = d->guest_debug == 0 && (d->dr7 & DR7_BP_EN_MASK) != 0;
	unsigned sdr = owned ? d->switch_db_regs | KVM_DEBUGREG_OWNED : d->switch_db_regs & ~KVM_DEBUGREG_OWNED;
	dbg_set_sdr(d, sdr, owned ? "kvm_vcpu_load_debug: guest owned" : "kvm_vcpu_load_debug: free");
	dbg_set_intercept(d, !owned, owned ? "vcpu_load: guest owns the DRs" : "vcpu_load: trap DR accesses");
}

void kvm_arch_vcpu_load(struct dbg *d, struct pcpu *p)
{
	d->pcpu = p;
	d->cpu = p->cpu;
	switch (d->pol.deschedule) {
	case DESCHED_XEN:
		xen_restore_dr(d);
		break;
	case DESCHED_ARM64_OWNER:
		arm64_load_debug(d);
		break;
	case DESCHED_NONE:
		break;
	}
	if (d->pol.vcpu_load_reload)
		dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_NEED_RELOAD, "vcpu_load: NEED_RELOAD (seed 000)");
}

void kvm_arch_vcpu_put(struct dbg *d)
{
	if (d->pol.deschedule == DESCHED_XEN)
		xen_save_dr(d);
	if (d->pol.vcpu_put_dr6)
		cpu_hv_write_dr(d->cpu, 6, 0, "vcpu_put: set_debugreg(0, 6)");
}
