/* run.h - run one scenario under one policy on one vendor. */
#ifndef HVSIM_SIM_RUN_H
#define HVSIM_SIM_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/engine/engine.h"
#include "cpu/stats.h"
#include "sim/loader/scenario.h"
#include "sim/machine.h"

#define RESULT_SCHEMA "hvsim-result"
#define RESULT_SCHEMA_VERSION 1

struct hv_vendor;

/* The machine of a run, for interactive tools (hvsim step, hvsim explain):
 * valid from the attach callback until sim_run() returns.  Read-only use
 * (and engine_set_insn_observer / engine_request_stop on the guest). */
struct machine;
struct run_machine {
	struct cpu *cpu;               /* the physical CPU */
	struct engine *guest;          /* guest engine */
	struct engine *host;           /* host-context engine (NULL on bare metal) */
	const struct hv_vendor *vendor;  /* NULL on bare metal */
	void *v;                       /* vendor vCPU (struct vmx * when vendor->name is "vmx") */
	/* the host world (sim/machine.h: every CPU, vCPU and task), NULL when
	 * the scenario has none; then cpu/guest/v above are CPU 0 and vCPU 0 */
	const struct machine *world;
	struct a64 *arm_guest;         /* Arm runs (issue 20): the AArch64 engine (guest is NULL) */
};

/* Options of one run. */
struct run_config {
	const char *policy;            /* policy or variant name (NULL = first of the scenario) */
	enum vendor vendor;            /* VENDOR_VMX, VENDOR_SVM, VENDOR_ARM or VENDOR_NONE (bare metal) */
	const char *cost_model;        /* override of the scenario's cost model (NULL = keep) */
	void (*trace)(void *ctx, const struct sim_event *ev);   /* event sink (NULL = none) */
	void *trace_ctx;
	bool trace_insns;              /* emit EV_INSN for every guest instruction (slow) */
	/* called once with trace_ctx when the machine is built, before the
	 * first entry (NULL = none) */
	void (*attach)(void *ctx, const struct run_machine *m);
	/* every completed OUT/IN/CPUID exit leaves the translated block, as
	 * before issue 16 (engine_set_inblock): the same results, slower; for
	 * tests/test_exit_path.c */
	bool exits_leave_block;
	/* a fresh guest engine, not the one kept from this thread's last run of
	 * the same guest (sim/reuse.h): the same results, slower; for
	 * tests/test_exit_path.c */
	bool no_reuse;
	/* Arm runs: host interrupts replayed from a reference's exit order
	 * (sim/ref/arm_ref.c; arm_replay_irqs in arm/arm.h), NULL = none */
	const uint64_t *arm_irq_replay;
	size_t arm_nirq_replay;
};

/* The result of one run: the stable contract behind the JSON output
 * (docs/result-schema.md). */
struct run_result {
	char scenario[128];            /* scenario name */
	char policy[64];               /* policy name */
	char vendor[8];                /* "vmx", "svm", "arm" or "none" */
	char cost_model[64];           /* cost model name */
	struct cost_model cost;        /* the model the run used (with cpu.costs applied) */
	uint64_t cost_n[COST_N];       /* times each cost entry was charged (cycles.total = sum n x price) */
	struct stats st;               /* all counters */
	const char *const *exit_names; /* vendor exit-reason names, indexed like st.exits (NULL entries unused) */
	unsigned nexit_names;
	enum engine_stop stop;         /* why the guest stopped */
	char stop_msg[200];
	struct db_record *db;          /* #DB log (owned) */
	size_t ndb;
	uint64_t db_dropped;
	struct violation *viol;        /* violations (owned) */
	size_t nviol;
	uint64_t viol_dropped;
	uint64_t hw_dr[8];             /* hardware DRs at the end */
	uint64_t guest_dr[8];          /* guest architectural DRs at the end (oracle) */
	uint64_t hv_dr[8];             /* the hypervisor's view of the guest DRs (db[], dr6, dr7) */
	uint64_t guest_rip;            /* final guest RIP (Arm: PC) */
	uint64_t gprs[16];             /* final guest GPRs */
	/* Arm runs (vendor "arm", issue 20) */
	uint64_t arm_x[31];            /* final X0-X30 */
	uint64_t arm_hw[ARM_DBGREG_N];     /* hardware debug registers at the end */
	uint64_t arm_guest[ARM_DBGREG_N];  /* the guest's architectural debug registers (oracle) */
	uint64_t arm_hv[ARM_DBGREG_N];     /* KVM's copy of the guest's debug registers */
	unsigned arm_brps, arm_wrps;   /* the CPU's breakpoints and watchpoints */
	/* guest memory snapshot for `mem.ADDR.SIZE` expectations: read on demand */
	uint8_t *mem_copy;             /* copy of the kept guest regions, back to back (owned) */
	size_t mem_size;               /* bytes used in mem_copy */
	struct mem_region { uint64_t addr, size, off; } *mem_regions; /* kept regions: guest address, length, offset in mem_copy (owned) */
	unsigned nmem_regions;         /* entries used in mem_regions */
	unsigned mem_regions_cap;      /* entries allocated in mem_regions (result_mem_init) */
	size_t mem_copy_cap;           /* bytes allocated in mem_copy (result_mem_init) */
	struct run_world world;        /* the host world (world.on), else all zero */
};

/* The memory snapshot: result_mem_init() allocates room for `nregions`
 * regions of `total` bytes in all (any earlier snapshot is dropped);
 * result_mem_add() appends one and returns where its bytes go (NULL when
 * the room reserved is exhausted or allocation failed). */
int result_mem_init(struct run_result *res, unsigned nregions, size_t total);
uint8_t *result_mem_add(struct run_result *res, uint64_t addr, uint64_t size);

/* Run; returns 0 on success (whatever the guest did), -1 with a one-line
 * "file:line:col: message" in err if the scenario cannot run (bad policy,
 * assembly, mapping). */
int sim_run(const struct scenario *sc, const struct run_config *cfg, struct run_result *res,
	    char *err, size_t errsize);
void run_result_free(struct run_result *res);

struct policy;
struct cost_model;
/* What sim_run() checks of the scenario's names before it runs, for
 * `hvsim validate` to say the same thing first: the policy or variant
 * `name` (its base, knob names and values) into *out, and the cost model
 * (override = --cost, else cpu.model; its name, file and cpu.costs
 * entries; kernel = the policy's kernel, whose name@KERNEL entries it
 * takes, NULL = none) into *m.  Each returns 0, or -1 with the one-line message in
 * err. */
int sim_resolve_policy(const struct scenario *sc, const char *name, struct policy *out, char *err, size_t errsize);
int sim_load_cost(const struct scenario *sc, const char *override, const char *kernel, struct cost_model *m,
		  char *err, size_t errsize);
/* A model as --cost names it (a bundled name, a .cost file, NAME+nomitig),
 * without a scenario's cpu.costs: 0, or -1 with "hvsim: --cost: ..." or
 * the file's own "FILE:L:C: ..." in err. */
int sim_load_cost_model(const char *model, struct cost_model *m, char *err, size_t errsize);
/* Whether model m prices runs on vendor v: its @vendor includes v (every
 * model applies to bare metal, which has no transitions). */
/* The @vendor bit (1 vmx, 2 svm) whose entries price a run of vendor v:
 * arm runs are priced with the vmx.* entries (docs/kvm-arm.md), bare metal
 * with none (0). */
unsigned sim_cost_vendor_bit(enum vendor v);
bool sim_cost_applies(const struct cost_model *m, enum vendor v);
/* 0, or -1 with the one-line refusal sim_run() gives when m does not
 * apply to v (override = --cost, else the scenario's cpu.model). */
int sim_cost_check_vendor(const struct scenario *sc, const char *override, const struct cost_model *m,
			  enum vendor v, char *err, size_t errsize);
/* Everything sim_run() checks before the guest's first instruction (policy
 * and variant knobs, cost model, memory map, registers, vendor), without
 * running: 0, or -1 with sim_run()'s own message.  `hvsim validate` calls it
 * for every (policy, vendor) a run would use, so that validate rejects
 * whatever run would (issue 15 item 6). */
int sim_check(const struct scenario *sc, const struct run_config *cfg, char *err, size_t errsize);

/* The guest memory a result keeps (sim/run.c): the code region and every
 * data region of up to 1 MiB, and the bytes any `mem.` expectation names;
 * `read` is the engine's (x86 or AArch64) memory read, 0 on success. */
void sim_copy_memory(const struct scenario *sc, struct run_result *res,
		     int (*read)(void *ctx, uint64_t addr, void *buf, size_t n), void *ctx);

/* The Arm machine (sim/run_arm.c, issue 20): sim_run() and sim_check() for
 * an aarch64 scenario, with the policy and cost model already resolved.
 * `dry` builds the machine without running it. */
int sim_run_arm(const struct scenario *sc, const struct run_config *cfg, const struct policy *pol,
		const struct cost_model *cost, struct run_result *res, char *err, size_t errsize, bool dry);

/* Look up a result field by its dotted JSON path ("exits.by_reason.DR_ACCESS",
 * "db.guest.missed", "dr.hw_writes.dr7", "guest.stop", "mem.0x80000.8",
 * "dr.final.guest.dr6", ...).  Returns 0 and the value (or *str for string
 * fields), -1 if the path does not exist. */
int result_field(const struct run_result *r, const char *path, uint64_t *val, const char **str);

#endif
