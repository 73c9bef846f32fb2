/* core.h - the hypervisor's debug-register core: KVM's per-vCPU debug state
 * and the steps Linux runs around every VM entry and exit, written once
 * against a narrow vendor interface that vmx/ and svm/ implement (the shape
 * of kvm_x86_ops).  The knobs of struct policy select the era or proposal. */
#ifndef HVSIM_DEBUGREG_CORE_H
#define HVSIM_DEBUGREG_CORE_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/cpu.h"
#include "debugreg/policy.h"
#include "host/host.h"
#include "sim/util/guestdbg.h"

/* switch_db_regs bits (arch/x86/include/asm/kvm_host.h, per era). */
#define KVM_DEBUGREG_BP_ENABLED   (1u << 0)   /* effective DR7 arms a breakpoint (2014 ->) */
#define KVM_DEBUGREG_WONT_EXIT    (1u << 1)   /* MOV-DR interception off (2014 ->) */
#define KVM_DEBUGREG_RELOAD       (1u << 2)   /* one-shot reload (ae561edeb421, 2014-2021) */
#define KVM_DEBUGREG_NEED_RELOAD  (1u << 3)   /* the 2020 RFC's one-shot flag (seed 000) */
#define KVM_DEBUGREG_DIRTY        (1u << 4)   /* ARM-style dirty bit (seed 004) */
#define KVM_DEBUGREG_OWNED        (1u << 5)   /* arm64 6.14 debug_owner == VCPU_DEBUG_GUEST_OWNED (hvsim's bit) */

/* The 2020 RFC's flag scheme (seed 000, patch 2/3): BP_ENABLED is gone and
 * kvm_update_dr7() sets the one-shot NEED_RELOAD instead.  Both renderings
 * have it: the RFC as posted on 5.7 (load need_reload, with patch 3/3's
 * entry condition) and the 6.1 one without 3/3 (load need_reload_sdr). */
static inline bool dbg_need_reload_scheme(const struct policy *p)
{
	return p->load == LOAD_IF_NEED_RELOAD || p->load == LOAD_IF_NEED_RELOAD_SDR;
}


/* The hypervisor's own save area for the host's debug registers (the
 * host's per-CPU breakpoint state itself is in host/host.h). */
struct host_dbg {
	uint64_t saved_dr[8];          /* 2.6.29 / dirty bit / arm64 owner: host DRs saved on entry */
};

/* Vendor operations (vmx/kvm.c, svm/kvm.c). */
struct dbg_vendor_ops {
	const char *name;
	/* vmx_set_dr7 / svm_set_dr7: the guest DR7 field (VMCS GUEST_DR7 or VMCB DR7, clean bit). */
	void (*set_dr7)(void *v, uint64_t val);
	/* MOV-DR exiting (VMX CPU_BASED_MOV_DR_EXITING) / DR intercepts (SVM) on or off. */
	void (*set_dr_intercept)(void *v, bool on);
	/* Read back the guest state after a lazy window: DR0-3 from hardware,
	 * DR6 from hardware (VMX) or the VMCB (SVM), DR7 from the VMCS/VMCB;
	 * re-arm interception (vmx_/svm_sync_dirty_debug_regs). */
	void (*sync_dirty_debug_regs)(void *v, bool rearm);
	/* Load the guest's DR6 for the run (VMX: hardware DR6; SVM: VMCB DR6). */
	void (*load_guest_dr6)(void *v, uint64_t dr6);
	/* Run with the "no event" DR6 when the guest cannot touch DR6 (SVM: VMCB DR6 = 0xFFFF0FF0). */
	void (*idle_guest_dr6)(void *v);
	/* Queue an exception for the next entry (#DB payload in DR6 format). */
	void (*queue_exception)(void *v, int vector, bool has_payload, uint64_t payload);
	/* Toggle VM_ENTRY_LOAD_DEBUG_CONTROLS (VMX only; NULL on SVM). */
	void (*set_load_debug_controls)(void *v, bool on);
	/* Guest DEBUGCTL as the VMCS/VMCB holds it (for skip_dbgctl_load). */
	uint64_t (*guest_debugctl)(void *v);
	/* KVM_SET_GUEST_DEBUG's vendor half: the #BP intercept
	 * (update_exception_bitmap / svm_update_exception_bitmap) and the TF
	 * that SINGLESTEP forces into the guest's RFLAGS (kvm_set_rflags).
	 * NULL: the vendor ignores guest debugging (test doubles). */
	void (*update_guest_debug)(void *v);
	/* The guest's DR6 is a VMCB field (SVM) rather than the hardware
	 * register the hypervisor switches (VMX). */
	bool vmcb_dr6;
	/* SVM: the VMCB's DR6 (svm_get_dr6 before 2020); NULL on VMX. */
	uint64_t (*guest_dr6_field)(void *v);
};

/* Whether #DB is in the exception bitmap / intercept vector (knob
 * db_intercept): the vendor's set-up at vCPU creation. */
bool dbg_db_intercepted(const struct policy *pol, unsigned guest_debug, bool svm);

/* KVM's per-vCPU debug state (struct kvm_vcpu_arch fields). */
struct dbg {
	uint64_t db[4];                /* guest-visible DR0-3 */
	uint64_t eff_db[4];            /* values loaded into hardware DR0-3 on entry */
	uint64_t dr6;                  /* guest-visible DR6 */
	uint64_t dr7;                  /* guest-visible DR7 */
	unsigned switch_db_regs;       /* KVM_DEBUGREG_* */
	unsigned guest_debug;          /* GUESTDBG_* (0: no host debugger) */
	uint64_t guest_debug_dr7;      /* the debugger's DR7 (USE_HW_BP; c863901075a4) */
	bool intercepting;             /* our copy: MOV-DR interception is on */
	struct policy pol;             /* the policy in force */
	struct host_dbg host;          /* the hypervisor's save area for the host's DRs */
	struct cpu *cpu;               /* the physical CPU the vCPU is loaded on (== pcpu->cpu) */
	struct pcpu *pcpu;             /* that CPU in the host world: its hw_breakpoint state */
	struct host_task *thread;      /* the vCPU thread (TIF_DEBUG, its own breakpoints) */
	struct pcpu own_pcpu;          /* the CPU of a vCPU created on its own (tests; until the first vcpu_load) */
	struct host_task own_thread;   /* its thread */
	const struct dbg_vendor_ops *ops;
	void *v;                       /* vendor context */
	bool dbgctl_load_cleared;      /* skip_dbgctl_load currently cleared the control */
	bool guest_dr6_loaded;         /* this entry's pre-entry step put dr6 in hardware (VMX) / the VMCB (SVM) */
	bool db_payload_queued;        /* dbg_handle_db_exit queued a #DB whose payload is not delivered yet */
	bool db_payload_done;          /* dbg_pre_entry delivered it already (the vendor's call is a no-op) */
	uint64_t db_payload;           /* that payload */
};

/* switch_db_regs and MOV-DR interception changes, traced (EV_FLAGS /
 * EV_INTERCEPT). */
void dbg_set_sdr(struct dbg *d, unsigned nv, const char *cause);
void dbg_set_intercept(struct dbg *d, bool on, const char *cause);
/* Xen-style window: MOV-DR exiting off for good, guest DRs in hardware. */
bool dbg_sticky_window(const struct dbg *d);

void dbg_init(struct dbg *d, struct cpu *cpu, const struct policy *pol,
	      const struct dbg_vendor_ops *ops, void *v);

/* The KVM steps. */
void kvm_update_dr0123(struct dbg *d);
void kvm_update_dr7(struct dbg *d);
/* kvm_set_dr: 0 ok, 1 = #GP (invalid DR6/DR7 value).  n is 0-7 (4/5 already aliased). */
int kvm_set_dr(struct dbg *d, int n, uint64_t val);
uint64_t kvm_get_dr(struct dbg *d, int n);

/* MOV-DR exit (handle_dr / dr_interception after the vendor decoded it).
 * Returns what the vendor must do next. */
enum dr_exit_action {
	DR_EXIT_REENTER,    /* interception turned off: re-enter on the same instruction */
	DR_EXIT_SKIP,       /* emulated: advance RIP */
	DR_EXIT_FAULTED,    /* an exception was queued; RIP unchanged */
	DR_EXIT_TO_USER,    /* KVM_EXIT_DEBUG (general detect of the host debugger's DR7) */
};
enum dr_exit_action dbg_handle_mov_dr(struct dbg *d, int dr, bool write, uint64_t *gpr_val,
				      bool cr4_de, int cpl, bool guest_gd);
/* A #DB exit (not host-debugging): queue the #DB with its payload. */
void dbg_handle_db_exit(struct dbg *d, uint64_t payload);
/* Deliver a queued #DB payload into dr6 (kvm_deliver_exception_payload). */
void dbg_deliver_db_payload(struct dbg *d, uint64_t payload);

/* Host debugging of the guest (debugreg/guest_debug.c).
 * kvm_arch_vcpu_ioctl_set_guest_debug(): control (GUESTDBG_*) and the
 * debugger's DR0-3/DR7 in debugreg[0..3], debugreg[7]. */
void kvm_set_guest_debug(struct dbg *d, unsigned control, const uint64_t debugreg[8]);
/* What happens to an exit that KVM reports as KVM_EXIT_DEBUG: user space
 * (the debugger of the scenario, QEMU's gdbstub in spirit) looks at it. */
enum user_debug_verdict {
	USER_DEBUG_CONSUMED,      /* the debugger's own event: resume */
	USER_DEBUG_CONSUMED_RF,   /* its own instruction breakpoint: resume with RFLAGS.RF */
	USER_DEBUG_REINJECT,      /* not its event: passed back to the guest */
};
/* KVM_EXIT_DEBUG: count it (exits.to_user.debug), trace it, and ask the
 * debugger.  vector 1 or 3; payload = the #DB's DR6 bits (kvm_run
 * debug.arch.dr6 = payload | DR6_ACTIVE_LOW); dr7 = debug.arch.dr7. */
enum user_debug_verdict kvm_exit_debug(struct dbg *d, int vector, uint64_t payload, uint64_t dr7);
/* Whether a #DB exit goes to user space (handle_exception_nmi /
 * db_interception: SINGLESTEP or USE_HW_BP). */
bool dbg_db_to_user(const struct dbg *d);

/* Around the run (vcpu_enter_guest). */
void dbg_pre_entry(struct dbg *d);
void dbg_post_exit(struct dbg *d);

/* The fastpath (debugreg/switch.c, "fastpath re-entry"): exits that the
 * vendor's exit_handlers_fastpath handles with IRQs off and that
 * vcpu_enter_guest() re-enters from inside its run loop
 * (EXIT_FASTPATH_REENTER_GUEST), without the DR block of either step
 * above.  The WRMSR fastpath's MSR (SDM Vol.4 Table 2-2): */
#define MSR_IA32_TSC_DEADLINE 0x6E0u
/* Whether a WRMSR of `msr` on this vendor takes the fastpath in this era. */
bool dbg_fastpath_wrmsr(const struct policy *pol, bool svm, uint32_t msr);
/* The vendor's vcpu_run on a re-entry: the guest-DR6 work it repeats on
 * every pass of the loop (knob fastpath_dr6_in_loop), traced. */
void dbg_fastpath_reentry(struct dbg *d);

/* Host hw_breakpoint layer of the CPU the vCPU is loaded on: install/remove
 * from IRQ context (writes the hardware immediately, like
 * arch_install_hw_breakpoint; host/hw_breakpoint.c).  A ptrace breakpoint
 * is the vCPU thread's (TIF_DEBUG). */
void host_bp_install(struct dbg *d, int slot, uint64_t addr, unsigned type, unsigned len, bool ptrace);
void host_bp_remove(struct dbg *d, int slot);

/* vcpu_load / vcpu_put (debugreg/vcpu_load.c): the preempt notifiers
 * kvm_sched_in/kvm_sched_out and KVM_RUN's vcpu_load, per era and policy
 * (knobs vcpu_put_dr6, vcpu_load_reload, deschedule).  `p` is the CPU the
 * vCPU thread now runs on; d->cpu follows it. */
void kvm_arch_vcpu_load(struct dbg *d, struct pcpu *p);
void kvm_arch_vcpu_put(struct dbg *d);

#endif
