/* machine.h - the host world of one run: physical CPUs, the vCPU threads
 * and other host tasks, the deterministic scheduler driving vcpu_put /
 * switch_to / vcpu_load, IPIs, host tasks' data accesses with the oracle's
 * ownership (host/ for the host kernel's logic, debugreg/vcpu_load.c for
 * KVM's, scenarios/README.md "The host world" for the format).
 *
 * A scenario without the host-world keys gets a machine of one CPU, one
 * vCPU thread and no other task: it installs the same breakpoints, makes
 * the same data accesses and changes no count (results byte-identical);
 * `active` is false and no new field, event or log key appears. */
#ifndef HVSIM_SIM_MACHINE_H
#define HVSIM_SIM_MACHINE_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/engine/engine.h"
#include "debugreg/hv.h"
#include "host/host.h"
#include "sim/loader/scenario.h"

#define MACHINE_MAX_VCPUS 8

enum mcount_id {
#define MCOUNT(id, path, where, desc) id,
#define MCOUNT_S(id, path, where, field, desc) id,
#include "sim/machine.def"
#undef MCOUNT
#undef MCOUNT_S
	MC_N
};

/* Counters of one CPU or one vCPU (machine.def). */
struct mcount { uint64_t v[MC_N]; };

/* Descriptions of machine.def for the result walk and `hvsim list fields`. */
struct mcount_desc { const char *path, *desc; char where; };
extern const struct mcount_desc mcount_descs[MC_N];

/* The host world of a run (scenarios/README.md "The host world"), for the
 * result fields cpus.N.*, vcpus.N.*, sched.*, host.cpus, guest.vcpus and
 * the db log's cpu/owner keys; present only when `on`. */
struct run_world {
	bool on;                       /* the scenario uses the host world */
	int ncpus, nvcpus, ntasks;     /* CPUs, vCPUs, host tasks (other than vCPU threads and idle) */
	struct mcount cpu[HOST_MAX_CPUS];        /* per CPU (sim/machine.def) */
	struct mcount vcpu[MACHINE_MAX_VCPUS];   /* per vCPU */
	uint64_t vcpu_insns[MACHINE_MAX_VCPUS];  /* guest instructions of each vCPU */
	enum engine_stop vcpu_stop[MACHINE_MAX_VCPUS];  /* why each stopped */
	int vcpu_cpu[MACHINE_MAX_VCPUS];         /* the CPU each was on at the end */
	char task_name[HOST_MAX_TASKS][32];      /* db_record.owner -> name (vcpuN, a task, idleN) */
};

struct mvcpu {
	struct engine *eng;            /* executes it */
	void *v;                       /* the vendor's vCPU */
	struct host_task *thread;      /* its thread */
	uint64_t slice_exits;          /* exits since its slice began */
	uint64_t slice_ticks;          /* timer ticks since its slice began */
	bool stopped;                  /* its guest stopped */
	enum engine_stop stop;         /* why */
	char stop_msg[200];            /* engine_stop_message at that point */
	int last_cpu;                  /* the CPU it was last loaded on (-1 never) */
	struct pcpu *acct;             /* the CPU whose counters it accrues now (NULL: not loaded) */
	struct stats snap;             /* that CPU's counters when the accrual began */
	struct mcount cnt;             /* its counters */
};

struct machine {
	const struct scenario *sc;
	const struct hv_vendor *vendor;
	enum host_era era;             /* knob host_switch of the policy */
	bool active;                   /* the scenario uses the host world: fields, events, log keys */
	int ncpus, nvcpus, ntasks;
	struct pcpu pcpu[HOST_MAX_CPUS];
	struct cpu *extra_cpu[HOST_MAX_CPUS];   /* CPUs 1..N-1 (CPU 0 is the run's) */
	struct host_task task[HOST_MAX_TASKS];  /* vCPU threads 0..V-1, other tasks, idle tasks */
	struct dr_file task_ideal[HOST_MAX_TASKS];  /* each task's own view of the DRs (oracle) */
	struct mvcpu vcpu[MACHINE_MAX_VCPUS];
	struct mcount cpu_cnt[HOST_MAX_CPUS];
	/* CPU-wide (per-CPU) perf breakpoints each CPU should hold (oracle: intent) */
	struct { bool set; struct hbp bp; } cpu_bp[HOST_MAX_CPUS][HBP_NUM];
	struct sched sched;
	struct engine *host;           /* host-context engine (touches, snippets) */
	int cur;                       /* the vCPU whose slice runs now (-1 none) */
	bool preempt;                  /* its slice has ended: reschedule at the pause */
	int active_cpu;                /* the CPU whose clock advances (machine time) */
};

/* Build the host world of a run on CPU 0 = cpu0 (policy: its host_switch
 * knob).  Other CPUs are created like cpu0 (same cost model and CPU
 * features).  0, or -1 with a message. */
int machine_init(struct machine *m, const struct scenario *sc, struct cpu *cpu0, const struct policy *pol,
		 char *err, size_t errsize);
void machine_fini(struct machine *m);
/* vCPU i of the guest: its engine and the vendor's vCPU. */
void machine_add_vcpu(struct machine *m, int i, struct engine *eng, const struct hv_vendor *vendor, void *v);
/* After every vCPU is added: the CPU-wide breakpoints of host.breakpoints,
 * the vCPU threads' own, the run queues. */
void machine_setup(struct machine *m, struct engine *host);
/* The counters and traces of every CPU start now (sim_run_once). */
void machine_start_counting(struct machine *m, void (*trace)(void *, const struct sim_event *), void *ctx);

/* The vCPU to run first (its thread switched in and vcpu_load'ed), or -1. */
int machine_first(struct machine *m);
/* The current vCPU's exit `exit_no` was handled: does its slice end? (If
 * so the machine asks its engine to pause.) */
void machine_after_exit(struct machine *m, uint64_t exit_no);
/* At a pause: if the current slice ended, schedule (vcpu_put, switch_to,
 * host tasks' slices, vcpu_load, migration) up to the next vCPU slice.
 * Returns the vCPU to run (the same one when nothing else is due). */
int machine_resched(struct machine *m);
/* The current vCPU's guest stopped (s): record it; the next vCPU to run,
 * or -1 when every vCPU has stopped. */
int machine_vcpu_stopped(struct machine *m, enum engine_stop s);

/* Host activity (host events): a breakpoint installed/removed on `cpus`
 * (-1 every CPU, -2 the current vCPU's CPU) from CPU `from` (-1 that same
 * CPU: no IPI), and a data access by the current vCPU's thread. */
void machine_install(struct machine *m, const struct host_bp *bp, int cpus, int from);
void machine_remove(struct machine *m, int slot, int cpus, int from);
void machine_touch(struct machine *m, uint64_t addr, unsigned size, bool write);
/* Point the host engine at the current vCPU thread's CPU and view (before
 * a host snippet runs). */
void machine_host_context(struct machine *m);

/* End of the run: close the accrual of loaded vCPUs; the sum of every
 * CPU's counters and cost counts (into *st, cost_n). */
void machine_finish(struct machine *m, struct stats *st, uint64_t *cost_n);
/* The current CPU of vCPU i (for `step` and the result). */
int machine_vcpu_cpu(const struct machine *m, int i);
/* The result's view of the host world (after machine_finish). */
void machine_world(const struct machine *m, struct run_world *w);
/* Where the run's guest.stop comes from on an SMP guest: the first vCPU
 * that stopped abnormally, else vCPU 0. */
int machine_stop_vcpu(const struct machine *m, bool budget_ok);

#endif
