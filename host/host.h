/* host.h - the host world around the vCPU: physical CPUs, the host
 * kernel's per-CPU hardware-breakpoint state, host tasks with breakpoints
 * of their own, the context switch that loads them, and a deterministic
 * scheduler.
 *
 * hvsim's machine used to be one physical CPU that one vCPU thread owned.
 * Seed 000's argument is about what happens to the hardware debug registers
 * *between* a VM exit and the next entry: the host restores its own
 * breakpoints, "DRs can be changed from interrupt context as well", and
 * Xiaoyao's fallback ("set KVM_DEBUGREG_NEED_RELOAD in vcpu_load") is judged
 * to "won't help" (Sean Christopherson, 2020-04-23).  To replay that, the
 * host needs what Linux has (arch/x86/kernel/hw_breakpoint.c,
 * arch/x86/kernel/process.c, kernel/sched/core.c): per-CPU breakpoint
 * state, tasks whose ptrace and perf breakpoints follow them from CPU to
 * CPU, a context switch that loads the incoming task's registers as the
 * era's kernel did, and preempt notifiers through which KVM hears about
 * vcpu_put/vcpu_load (debugreg/vcpu_load.c).
 *
 * This room depends on cpu/ only: it writes the hardware through
 * cpu_dr_write() (DRW_HOST_KERNEL, not a hypervisor access) and knows
 * nothing of KVM, of the engines or of scenarios.  sim/machine.c drives it.
 * A machine with one CPU, one vCPU thread and no other task is exactly the
 * machine hvsim had before (its results are byte-identical). */
#ifndef HVSIM_HOST_HOST_H
#define HVSIM_HOST_HOST_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/cpu.h"

#define HBP_NUM 4                 /* x86 has four breakpoint slots (HBP_NUM in asm/hw_breakpoint.h) */
#define HOST_MAX_CPUS 8           /* physical CPUs a scenario may ask for */
#define HOST_MAX_TASKS 32         /* host tasks: vCPU threads + other tasks + one idle task per CPU */
#define HOST_OWNER_CPU (-2)       /* bp_per_reg owner: a CPU-wide (per-CPU) perf event */
#define HOST_SLOT_FREE (-1)       /* bp_per_reg owner: nobody */

/* One hardware breakpoint request, as perf or ptrace hands it to the
 * architecture layer (struct arch_hw_breakpoint: address, len, type). */
struct hbp {
	int slot;                     /* DR slot 0-3: a CPU-wide event's (the scenario chose it); ptrace: the DR
				       * number the debugger wrote (<= 2.6.32, Xen PV; perf takes the first free) */
	uint64_t addr;                /* linear address */
	unsigned type;                /* DR7 R/W encoding: 0 exec, 1 write, 3 read/write */
	unsigned len;                 /* 1, 2, 4 or 8 bytes */
	bool ptrace;                  /* a ptrace breakpoint (sets TIF_DEBUG), else perf */
};

/* Linux's per-CPU hw_breakpoint state (arch/x86/kernel/hw_breakpoint.c):
 * what the host wants in this CPU's hardware while it runs. */
struct hw_bp_percpu {
	uint64_t cpu_debugreg[HBP_NUM];   /* per-CPU breakpoint addresses */
	uint64_t cpu_dr7;                 /* per-CPU DR7 (a G bit per installed breakpoint) */
	int bp_per_reg[HBP_NUM];          /* who holds each slot: HOST_SLOT_FREE, HOST_OWNER_CPU or a task id */
};

/* Which context switch the host kernel does with debug registers (knob
 * host_switch, debugreg/knobs.def). */
enum host_era {
	HOST_ERA_PERF = 0,            /* >= 2.6.33: perf sched-out/sched-in of task-bound breakpoint events */
	HOST_ERA_THREAD_DEBUGREG = 1, /* <= 2.6.32: __switch_to_xtra loads thread.debugreg* if TIF_DEBUG */
	HOST_ERA_XEN_PV = 2,          /* Xen: paravirt_ctxt_switch_from/to of a PV vCPU's debug registers */
};

enum task_kind {
	TASK_IDLE,                    /* the per-CPU idle task: no breakpoints, does nothing */
	TASK_VCPU,                    /* a vCPU thread (the VMM's KVM_RUN loop) */
	TASK_OTHER,                   /* any other host task (a debugged process, perf, an editor) */
};

/* A host task. */
struct host_task {
	int id;                       /* index in the machine's task table (the db log's owner) */
	char name[32];                /* as the scenario names it ("vcpu0", "gdb", "idle1") */
	enum task_kind kind;
	int vcpu;                     /* TASK_VCPU: its vCPU index, else -1 */
	struct hbp bps[HBP_NUM];      /* its own (task-bound) breakpoints: ptrace or per-task perf */
	unsigned nbps;
	bool tif_debug;               /* TIF_DEBUG: it has ptrace breakpoints */
	uint64_t thread_dr[8];        /* thread.debugreg0-7 (<= 2.6.32) / a Xen PV vCPU's v->arch.dr */
	int slot_of[HBP_NUM];         /* perf era: the slot bps[i] holds on the CPU it runs on (-1 none) */
	int cpu;                      /* the CPU it is on (current or queued), -1 none */
	bool done;                    /* finished (a vCPU thread whose guest stopped) */
};

/* One physical CPU of the host world. */
struct pcpu {
	int id;                       /* CPU number */
	struct cpu *cpu;              /* its hardware: DR file, DEBUGCTL, counters */
	struct hw_bp_percpu hw;       /* the host's per-CPU breakpoint state */
	struct host_task *curr;       /* the task running on it (its idle task at first) */
	struct host_task *idle;       /* its idle task */
};

/* ---- the hw_breakpoint layer (host/hw_breakpoint.c) ------------------------------ */

void hw_bp_percpu_init(struct hw_bp_percpu *hw);
/* arch_install_hw_breakpoint() at a given slot (a CPU-wide event whose slot
 * the scenario chose; it takes the slot even if it was held): cpu_debugreg,
 * cpu_dr7, then the hardware DRn and DR7 at once, from whatever context it
 * runs in (IPI: seed 000 "DRs can be changed from interrupt context").  The
 * DR7 encoding is hvsim's since issue 1 (G bit, R/W, LEN; no GE bit). */
void hw_bp_install_at(struct pcpu *p, int slot, const struct hbp *bp, int owner);
/* arch_install_hw_breakpoint() as perf's pmu->add calls it at sched-in:
 * "for (i = 0; i < HBP_NUM; i++) if (!*slot) { *slot = bp; break; }" - the
 * first free slot, whatever DR number ptrace was given.  Returns the slot,
 * or -1 when all four are taken (-EBUSY). */
int hw_bp_install(struct pcpu *p, const struct hbp *bp, int owner);
/* arch_uninstall_hw_breakpoint(): the slot's enable bits out of cpu_dr7,
 * then DR7.  (hvsim also zeroes cpu_debugreg[slot], as it always has.) */
void hw_bp_uninstall(struct pcpu *p, int slot);
/* hw_breakpoint_active(): "cpu_dr7 & DR_GLOBAL_ENABLE_MASK" (0xAA). */
bool hw_breakpoint_active(const struct hw_bp_percpu *hw);
/* hw_breakpoint_restore(): DR0-3 from cpu_debugreg, DR6 to the "no event"
 * value, DR7 from cpu_dr7.  KVM calls it on its exit path, so the writes
 * are the hypervisor's (dr.hw_writes, CYC_DR); dr.host_restores counts it. */
void hw_breakpoint_restore(struct cpu *c, const struct hw_bp_percpu *hw, const char *cause);
/* The DR7 bits one breakpoint adds in `slot` (G bit, R/W, LEN). */
uint64_t hw_bp_dr7_bits(int slot, unsigned type, unsigned len, bool global);

/* ---- tasks and the context switch (host/task.c) --------------------------------- */

void host_task_init(struct host_task *t, int id, const char *name, enum task_kind kind, int vcpu);
/* Give a task a breakpoint of its own (ptrace sets TIF_DEBUG and, for the
 * <= 2.6.32 kernel, thread.debugreg[slot] and the L bit of debugreg7, as
 * ptrace_set_debugreg stored what the debugger wrote).  0, or -1 if the
 * task has four already. */
int host_task_add_bp(struct host_task *t, const struct hbp *bp);
/* The slot each of t's breakpoints would hold on a CPU whose CPU-wide
 * events hold the slots in `cpu_mask` (bit i = slot i taken): the perf
 * era's first-free rule, in the order the task's events are installed, or
 * the thread.debugreg slot.  out[i] = -1 when none is free.  The kernel
 * model and the oracle use the same rule. */
void host_task_slots(const struct host_task *t, enum host_era era, unsigned cpu_mask, int out[HBP_NUM]);
/* switch_to(prev, next) on p, with the era's debug-register work:
 *   PERF: perf_event_task_sched_out(prev) uninstalls prev's task-bound
 *     events (DR7 write each), perf_event_task_sched_in(next) installs
 *     next's in the first free slots (DRn, DR7);
 *   THREAD_DEBUGREG: __switch_to_xtra loads DR0-3, DR6, DR7 from
 *     next->thread.debugreg* iff TIF_DEBUG; nothing otherwise ("task
 *     switching can be a bit lazy about restoring all the debug state":
 *     a previous task's DR7 stays armed until do_debug clears it);
 *   XEN_PV: paravirt_ctxt_switch_from(prev) writes DR7 = 0 if prev's DR7
 *     is active, paravirt_ctxt_switch_to(next) loads next's registers
 *     (activate_debugregs) if next's DR7 is active.
 * Returns the host kernel's DR writes it made (host.switch_dr_writes). */
unsigned host_switch_to(struct pcpu *p, struct host_task *prev, struct host_task *next, enum host_era era);
/* do_debug() of the <= 2.6.32 kernel after a #DB in host context that the
 * current task did not ask for: "Mask out spurious debug traps due to lazy
 * DR7 setting": if the task's debugreg7 is 0, DR7 <- 0.  True if it wrote. */
bool host_lazy_dr7_clear(struct pcpu *p, enum host_era era);

/* ---- the deterministic scheduler (host/sched.c) ------------------------------------ */

/* Per-CPU FIFO run queues and the order in which CPUs take their turns
 * (scenarios/README.md "The host world"): CPUs are visited 0, 1, ..., N-1,
 * 0, ...; on its visit a CPU runs its current task for one slice; at the
 * end of a slice the task goes to the back of its own queue, or of the
 * next CPU's when it migrates, and the CPU switches to the head of its
 * queue (its idle task when the queue is empty). */
struct sched {
	int ncpus;
	int q[HOST_MAX_CPUS][HOST_MAX_TASKS];   /* queued task ids, FIFO */
	unsigned qhead[HOST_MAX_CPUS];          /* index of the first */
	unsigned qlen[HOST_MAX_CPUS];           /* how many */
	int next_visit;                         /* the CPU whose turn is next */
};

void sched_init(struct sched *s, int ncpus);
void sched_enqueue(struct sched *s, int cpu, int task);
/* Pop the head of cpu's queue, or -1 if it is empty. */
int sched_dequeue(struct sched *s, int cpu);
/* The CPU whose turn it is now; advances the round robin. */
int sched_visit(struct sched *s);
bool sched_queue_empty(const struct sched *s, int cpu);

#endif
