/* hv.h - what sim/ sees of a vendor hypervisor (vmx/kvm.c, svm/kvm.c).
 * Both vendors implement the same table; debugreg/ is shared. */
#ifndef HVSIM_DEBUGREG_HV_H
#define HVSIM_DEBUGREG_HV_H
#include <stdbool.h>
#include <stdint.h>
struct engine;                 /* cpu/engine/engine.h (the vendor drives it) */
#include "debugreg/core.h"

/* Called by the vendor after every exit has been handled, before the next
 * entry: the host's activity (sim/run.c).  It may call
 * engine_request_pause() to run host code from the outer loop; the vendor
 * then defers the entry until hv->enter() is called. */
struct hv_host_hooks {
	void (*after_exit)(void *ctx, uint64_t exit_no);
	void *ctx;
};

struct hv_config {
	const struct policy *policy;   /* knobs in force */
	uint64_t timer_period;         /* timer exit every N guest instructions (0 = none) */
	bool timer_guest;              /* the guest's LAPIC timer (VMX: preemption timer, fastpath per era) */
	bool decode_assists;           /* SVM decode assists */
	struct hv_host_hooks host;
};

struct hv_vendor {
	const char *name;              /* "vmx" or "svm" */
	const char *const *exit_names; /* name per exit slot (NULL = unused slot) */
	unsigned nexit_names;
	/* Create the vCPU on an engine: installs engine ops, VMCS/VMCB set-up. */
	void *(*create)(struct cpu *cpu, struct engine *eng, const struct hv_config *cfg);
	void (*destroy)(void *v);
	/* Pre-entry work and VM entry (the first one, and deferred ones). */
	void (*enter)(void *v);
	bool (*entry_pending)(void *v);
	struct dbg *(*dbg)(void *v);
	/* Mark guest CR3 written by userspace (KVM_SET_SREGS) for the regcache model. */
	void (*set_cr3)(void *v, uint64_t cr3);
	/* KVM_SET_GUEST_DEBUG from userspace: GUESTDBG_* control, the
	 * debugger's DR0-3 and DR7 (debugreg[0..3], debugreg[7]). */
	void (*set_guest_debug)(void *v, unsigned control, const uint64_t debugreg[8]);
	/* The vCPU thread scheduled in on CPU p (kvm_sched_in ->
	 * kvm_arch_vcpu_load: the vendor's vcpu_load, then the debug core's,
	 * debugreg/vcpu_load.c) and out (kvm_sched_out -> kvm_arch_vcpu_put). */
	void (*load)(void *v, struct pcpu *p);
	void (*put)(void *v);
	/* The exit slot of the host's timer interrupt (a scheduler tick). */
	unsigned tick_slot;
};

extern const struct hv_vendor vmx_vendor;
extern const struct hv_vendor svm_vendor;

#endif
