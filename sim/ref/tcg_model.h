/* tcg_model.h - QEMU 7.2 TCG's breakpoint bookkeeping, followed along a
 * predicted run, for the known divergence tcg-vmrun-dr7-no-bp-insert of
 * reference 2 (sim/ref/divergences.def; docs/kvm-reference.md, "How
 * tcg-vmrun-dr7-no-bp-insert is checked").  The same trace also records
 * which simulator exits reach user space on a reference (sim/ref/diff.c). */
#ifndef HVSIM_REF_TCG_MODEL_H
#define HVSIM_REF_TCG_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include "sim/ref/devkvm.h"
#include "sim/run.h"

struct pred_trace {
	uint64_t nexits;
	uint64_t exc_not_db;           /* VMX EXCEPTION_NMI exits of a vector other than #DB (#UD, #BP) */
	uint64_t io_before[4096];      /* io_before[n] = user exits among sim exits 1..n */
	bool is_user[4096];            /* sim exit n is an exit to user space on KVM */
	/* Known divergence tcg-vmrun-dr7-no-bp-insert: QEMU 7.2 TCG's view of
	 * the DRs along the predicted run (target/i386/tcg/sysemu/bpt_helper.c,
	 * svm_helper.c; docs/kvm-reference.md).  TCG raises an execute-
	 * breakpoint #DB only at an address where it inserted a CPU breakpoint;
	 * it inserts/removes them only in helper_set_dr (MOV DR0-3 while the
	 * slot is enabled in its DR7) and cpu_x86_update_dr7 (MOV DR7: the slots
	 * whose enable bits change, or all slots when any type/len bit changes),
	 * never in helper_vmrun / do_vmexit, which assign DR7 directly. */
	uint64_t q7, qdr[4], hsave7, g7;
	int armed[4];                  /* -1 nothing, 0 exec bp at armaddr, 1 watchpoint */
	uint64_t armaddr[4];
	bool last_db_exit_armed;       /* at the latest #DB intercept exit */
	int hslot[4];                  /* >= 0: perf's slot of an installed host breakpoint */
	unsigned nhost;
	bool uncertain;                /* a state the model does not follow (orphaned or mistyped removal) */
	unsigned ndb;                  /* guest-delivered #DBs seen */
	bool db_tcg_ok[KVM_LOG_MAX];   /* that #DB was at an inserted TCG breakpoint */
	/* The host debugger's execute breakpoints (KVM_GUESTDBG_USE_HW_BP):
	 * KVM's entry loads them like the guest's (DR7 <- 0, DR0-3 <- eff_db,
	 * VMRUN loads guest_debug_dr7 from the VMCB), so TCG has them inserted
	 * only where the rule above says. */
	uint64_t dbg7;                 /* the debugger's DR7 (0: no USE_HW_BP) */
	unsigned ndbg_exec;            /* KVM_EXIT_DEBUG for one of its execute breakpoints */
	unsigned ndbg_miss;            /* of which TCG had no CPU breakpoint inserted */
};

void pred_trace_init(struct pred_trace *t);
/* The run's KVM_SET_GUEST_DEBUG (control KVM_GUESTDBG_*, debugreg[]): under
 * USE_HW_BP the VMCB's DR7 is the debugger's (kvm_update_dr7). */
void pred_trace_guest_debug(struct pred_trace *t, unsigned control, const uint64_t debugreg[8]);
/* Follow one event of the predicted run (a struct run_config trace event):
 * the hypervisor's hardware DR writes, native guest MOV DR, VM entry and
 * exit, host perf installs/removals, and the guest's #DBs. */
void tcg_model(struct pred_trace *t, const struct sim_event *ev);

#endif
