/* core.c - KVM's debug-register logic, step by step, in our own words.
 *
 * Each function names the kernel function it models.  What differs between
 * eras and proposals is a knob of struct policy (debugreg/policy.h); the
 * presets that set the knobs, with their citations, are in policies.c.
 * Sources: shared/spec/kvm-debugreg-logic.md §2-§5 (KVM x86.c, vmx.c, svm.c
 * read per era) and the seeds. */
#include "debugreg/core.h"
#include <string.h>

#define BP_EN DR7_BP_EN_MASK

void dbg_set_sdr(struct dbg *d, unsigned nv, const char *cause)
{
	if (nv != d->switch_db_regs)
		cpu_event(d->cpu, EV_FLAGS, d->switch_db_regs, nv, 0, cause);
	d->switch_db_regs = nv;
}

void dbg_set_intercept(struct dbg *d, bool on, const char *cause)
{
	if (d->intercepting == on)
		return;
	d->intercepting = on;
	d->ops->set_dr_intercept(d->v, on);
	cpu_event(d->cpu, EV_INTERCEPT, on, 0, 0, cause);
}

bool dbg_db_intercepted(const struct policy *pol, unsigned guest_debug, bool svm)
{
	/* 2.6.29 vmx.c update_exception_bitmap and pre-4.4 svm.c
	 * update_db_bp_intercept: #DB only while userspace single-steps or sets
	 * hardware breakpoints.  Avi Kivity's DR6 patch made it unconditional
	 * on VMX ("dr6 contains a couple of bits that are updated on #DB, so
	 * intercept that unconditionally"), CVE-2015-8104 on SVM (4.4). */
	bool host_debug = (guest_debug & (GUESTDBG_SINGLESTEP | GUESTDBG_USE_HW_BP)) != 0;
	switch (pol->db_intercept) {
	case DBI_ALWAYS:
		return true;
	case DBI_VMX_ONLY:
		return !svm || host_debug;
	case DBI_GUEST_DEBUG:
		return host_debug;
	}
	return true;
}

/* The Xen-style window: MOV-DR exiting stays off and the guest's DRs stay
 * in hardware until the vCPU is descheduled (not modelled). */
bool dbg_sticky_window(const struct dbg *d)
{
	return d->pol.movdr == MOVDR_STICKY && (d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
}

void dbg_init(struct dbg *d, struct cpu *cpu, const struct policy *pol,
	      const struct dbg_vendor_ops *ops, void *v)
{
	memset(d, 0, sizeof(*d));
	d->cpu = cpu;
	/* Until the host world loads it on one of its CPUs, the vCPU has a CPU
	 * and a thread of its own (a stand-alone vCPU: the unit tests). */
	d->own_pcpu.cpu = cpu;
	hw_bp_percpu_init(&d->own_pcpu.hw);
	host_task_init(&d->own_thread, 0, "vcpu0", TASK_VCPU, 0);
	d->own_pcpu.curr = &d->own_thread;
	d->pcpu = &d->own_pcpu;
	d->thread = &d->own_thread;
	d->pol = *pol;
	d->ops = ops;
	d->v = v;
	/* vCPU reset (kvm_vcpu_reset): db[] = 0, dr6 = 0xFFFF0FF0, dr7 = 0x400. */
	d->dr6 = DR6_ACTIVE_LOW;
	d->dr7 = DR7_FIXED_1;
	/* MOV-DR exiting starts on (KVM requires it; arch-facts A.6 step 1),
	 * except for the eager reference, which never traps. */
	d->intercepting = pol->movdr != MOVDR_PASSTHROUGH;
	d->ops->set_dr_intercept(d->v, d->intercepting);
	kvm_update_dr0123(d);
	kvm_update_dr7(d);
}

/* kvm_update_dr0123(): eff_db follows db unless the host debugger owns the
 * breakpoints (KVM_GUESTDBG_USE_HW_BP: eff_db holds its addresses).  From
 * ae561edeb421 (Nov 2014) to 34e9f860071f (2021) it also forced a reload.
 * The 2020 RFC (seed 000, patch 1/3 "Rename KVM_DEBUGREG_RELOAD to
 * KVM_DEBUGREG_NEED_RELOAD") kept that behaviour under the new name, so
 * with load = need_reload the flag raised here is NEED_RELOAD. */
void kvm_update_dr0123(struct dbg *d)
{
	if (!(d->guest_debug & GUESTDBG_USE_HW_BP))
		for (int i = 0; i < 4; i++)
			d->eff_db[i] = d->db[i];
	if (d->pol.reload_flag)
		dbg_set_sdr(d, d->switch_db_regs | (dbg_need_reload_scheme(&d->pol) ? KVM_DEBUGREG_NEED_RELOAD
										    : KVM_DEBUGREG_RELOAD),
			"update_dr0123");
}

/* kvm_update_dr7(): the effective DR7 goes to the VMCS/VMCB field and
 * decides BP_ENABLED.  The 2020 RFC (seed 000, patch 2/3) replaced the
 * recompute with "set NEED_RELOAD when a breakpoint is armed" (never
 * cleared here).  The effective DR7 is the debugger's under
 * KVM_GUESTDBG_USE_HW_BP (c863901075a4, "KVM: x86: Fix guest debug across
 * vcpu INIT reset"). */
void kvm_update_dr7(struct dbg *d)
{
	uint64_t dr7 = (d->guest_debug & GUESTDBG_USE_HW_BP) ? d->guest_debug_dr7 : d->dr7;
	d->ops->set_dr7(d->v, dr7);
	unsigned sdr = d->switch_db_regs;
	if (dbg_need_reload_scheme(&d->pol)) {
		if (dr7 & BP_EN)
			sdr |= KVM_DEBUGREG_NEED_RELOAD;
	} else {
		sdr &= ~KVM_DEBUGREG_BP_ENABLED;
		if (dr7 & BP_EN)
			sdr |= KVM_DEBUGREG_BP_ENABLED;
	}
	dbg_set_sdr(d, sdr, "update_dr7");
}

/* __kvm_set_dr(): n is already aliased (DR4 -> 6, DR5 -> 7). */
int kvm_set_dr(struct dbg *d, int n, uint64_t val)
{
	switch (n) {
	case 0: case 1: case 2: case 3:
		d->db[n] = val;
		if (!(d->guest_debug & GUESTDBG_USE_HW_BP))   /* the debugger's stay in hardware */
			d->eff_db[n] = val;
		break;
	case 6:
		if (val & DR6_RESERVED_HI)
			return 1;                  /* kvm_dr6_valid: #GP */
		d->dr6 = dr6_store_value(val, &d->cpu->feat);   /* (val & VOLATILE) | kvm_dr6_fixed() */
		break;
	case 7:
		if (val & DR7_RESERVED_HI)
			return 1;                  /* kvm_dr7_valid: #GP */
		d->dr7 = dr7_store_value(val);
		kvm_update_dr7(d);
		break;
	default:
		return 1;
	}
	if (d->pol.need_reload_on_set_dr)
		dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_NEED_RELOAD, "set_dr");
	return 0;
}

/* kvm_get_dr(): a pure software view. */
uint64_t kvm_get_dr(struct dbg *d, int n)
{
	switch (n) {
	case 0: case 1: case 2: case 3: return d->db[n];
	case 6: return d->dr6;
	default: return d->dr7;
	}
}

/* The general-detect event handle_dr emulates, "either for the host or the
 * guest debugging itself": with USE_HW_BP the GD bit is the debugger's
 * (GUEST_DR7 holds guest_debug_dr7), so it is a KVM_EXIT_DEBUG; otherwise
 * the guest gets #DB with DR6.BD. */
static enum dr_exit_action gd_event(struct dbg *d)
{
	if (d->guest_debug & GUESTDBG_USE_HW_BP)
		return DR_EXIT_TO_USER;
	dbg_handle_db_exit(d, DR6_BD);
	return DR_EXIT_FAULTED;
}

enum dr_exit_action dbg_handle_mov_dr(struct dbg *d, int dr, bool write, uint64_t *gpr_val,
				      bool cr4_de, int cpl, bool guest_gd)
{
	/* kvm_require_dr(): DR4/DR5 with CR4.DE = 1 is #UD; DR8-15 too. */
	if (dr > 7 || ((dr == 4 || dr == 5) && cr4_de)) {
		d->ops->queue_exception(d->v, 6, false, 0);
		return DR_EXIT_FAULTED;
	}
	/* kvm_require_cpl(0), and VMX handle_dr's "As the vm-exit takes
	 * precedence over the debug trap, we need to emulate the latter":
	 * DR7.GD set means the guest must get a general-detect #DB (DR6.BD)
	 * instead of the access.  On SVM the hardware delivered it before the
	 * intercept (POST_EX), so guest_gd is false there.  Which of the two
	 * comes first at CPL > 0 is the era's movdr_fault_order: the CPL #GP
	 * until 48512697c081 (2026), the GD #DB after it, as Intel CPUs do. */
	bool gd_first = d->pol.movdr_fault_order == DRFO_GD_FIRST;
	if (guest_gd && gd_first)
		return gd_event(d);
	if (cpl > 0) {
		d->ops->queue_exception(d->v, 13, false, 0);
		return DR_EXIT_FAULTED;
	}
	if (guest_gd)
		return gd_event(d);
	switch (d->pol.movdr) {
	case MOVDR_WONT_EXIT:
		/* "No more DR vmexits; force a reload of the debug registers and
		 * reenter on this instruction.  The next vmexit will retrieve the
		 * full state" (KVM comment, 3.15+; seed 003). */
		if (d->guest_debug == 0) {
			dbg_set_intercept(d, false, "first MOV DR: WONT_EXIT");
			dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_WONT_EXIT, "handle_dr");
			return DR_EXIT_REENTER;
		}
		break;
	case MOVDR_STICKY:
		/* Xen vmx_dr_access: "if ( !v->arch.hvm_vcpu.flag_dr_dirty )
		 * __restore_debug_registers(v)", then "Allow guest direct access
		 * to DR registers": load the guest's DRs now (unless a reschedule
		 * already did, vmx_restore_dr, debugreg/vcpu_load.c) and stop
		 * exiting until the vCPU is descheduled. */
		if (d->guest_debug == 0) {
			if (!(d->switch_db_regs & KVM_DEBUGREG_WONT_EXIT)) {
				cpu_hv_write_dr(d->cpu, 7, 0, "xen: restore guest");
				for (int i = 0; i < 4; i++)
					cpu_hv_write_dr(d->cpu, i, d->eff_db[i], "xen: restore guest");
				d->ops->load_guest_dr6(d->v, d->dr6);
				d->cpu->st.dr_guest_loads++;
			}
			dbg_set_intercept(d, false, "xen: flag_dr_dirty");
			dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_WONT_EXIT, "xen");
			return DR_EXIT_REENTER;
		}
		break;
	default:
		break;
	}
	/* Emulate the access against db[]/dr6/dr7 (kvm_get_dr / kvm_set_dr). */
	d->cpu->st.dr_emulated++;
	/* 2.6.29-2.6.3x handle_dr: DR4/DR5 (CR4.DE = 0, the #UD is above) are
	 * not aliased: a read takes the switch's "default: val = 0", a write
	 * is dropped (kvm-eras-2026.md H3). */
	if (d->pol.dr45_read_zero && (dr == 4 || dr == 5)) {
		if (!write)
			*gpr_val = 0;
		return DR_EXIT_SKIP;
	}
	int n = dr_alias(dr);
	if (write) {
		if (kvm_set_dr(d, n, *gpr_val)) {
			d->ops->queue_exception(d->v, 13, false, 0);
			return DR_EXIT_FAULTED;
		}
		if (d->pol.movdr == MOVDR_DIRTY_BIT)
			dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_DIRTY, "trap_debug: dirty");
	} else {
		*gpr_val = kvm_get_dr(d, n);
	}
	/* KVM/arm64 6.14 (kvm_debug_set_guest_ownership): "Updates ownership
	 * of the debug registers after a trapped guest access to a
	 * breakpoint/watchpoint register.  Host ownership of the debug
	 * registers is of strictly higher priority": after the emulated
	 * access (read or write) the guest owns its registers and stops
	 * trapping (kvm_arm_setup_mdcr_el2 drops MDCR_EL2.TDA) until the next
	 * vcpu_load decides again. */
	if (d->pol.movdr == MOVDR_OWNER && d->guest_debug == 0) {
		dbg_set_sdr(d, d->switch_db_regs | KVM_DEBUGREG_OWNED, "kvm_debug_set_guest_ownership");
		dbg_set_intercept(d, false, "guest owns the debug registers");
	}
	return DR_EXIT_SKIP;
}

void dbg_handle_db_exit(struct dbg *d, uint64_t payload)
{
	/* handle_exception_nmi / db_interception with guest_debug == 0: queue
	 * #DB with the exit's DR6 bits as payload. */
	d->ops->queue_exception(d->v, 1, true, payload);
	d->db_payload_queued = true;
	d->db_payload_done = false;
	d->db_payload = payload;
}

/* kvm_deliver_exception_payload(): B0-B3 report only this event, the
 * active-low and fixed bits read 1, bit 12 is cleared; then the injection
 * clears DR7.GD like the CPU does (SDM 17.2.4). */
static void apply_db_payload(struct dbg *d, uint64_t payload)
{
	d->dr6 = dr6_after_db(d->dr6, payload, &d->cpu->feat);
	if (d->dr7 & DR7_GD) {
		d->dr7 &= ~DR7_GD;
		kvm_update_dr7(d);
	}
}

/* A payload this core queued may already have been delivered by
 * dbg_pre_entry() (switch.c: KVM delivers it in inject_pending_event(),
 * before the DR block of vcpu_enter_guest() loads the guest's DR6, while a
 * vendor may call dbg_pre_entry() first, as vmx/kvm.c does); the vendor's
 * own call for it is then a no-op. */
void dbg_deliver_db_payload(struct dbg *d, uint64_t payload)
{
	if (d->db_payload_done && payload == d->db_payload) {
		d->db_payload_done = false;            /* delivered by dbg_pre_entry */
		return;
	}
	d->db_payload_queued = false;
	d->db_payload_done = false;
	/* Xen-style sticky window (MOV-DR exiting off until deschedule): the
	 * guest's DRs live in hardware and the VMCS, so the #DB intercept
	 * works on those: read them, update DR6, write it back (Xen's #DB
	 * intercept writes DR6 itself [memory]; kvm-debugreg-logic §8 XEN). */
	bool sticky = dbg_sticky_window(d);
	if (sticky)
		d->ops->sync_dirty_debug_regs(d->v, false);
	apply_db_payload(d, payload);
	/* A payload the core did not queue (e.g. the vendor's single-step #DB
	 * after an emulated instruction) arriving after the pre-entry step put
	 * the guest's DR6 in place: put the updated value there too. */
	if (sticky || d->guest_dr6_loaded)
		d->ops->load_guest_dr6(d->v, d->dr6);
}

/* ---- the host's hw_breakpoint layer of the CPU the vCPU is on -------------- */

void host_bp_install(struct dbg *d, int slot, uint64_t addr, unsigned type, unsigned len, bool ptrace)
{
	struct hbp bp = { .slot = slot, .addr = addr, .type = type, .len = len, .ptrace = ptrace };
	hw_bp_install_at(d->pcpu, slot, &bp, ptrace ? d->thread->id : HOST_OWNER_CPU);
	if (ptrace)
		d->thread->tif_debug = true;
}

void host_bp_remove(struct dbg *d, int slot)
{
	hw_bp_uninstall(d->pcpu, slot);
}
