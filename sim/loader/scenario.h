/* scenario.h - a scenario file (format version 1), loaded and validated.
 *
 * The YAML format is documented in scenarios/README.md.  Every value keeps
 * the position of its YAML node (struct srcpos) so that later stages
 * (assembly, run-time checks, expectations) can report `file:line:col`.
 * Loading never prints: errors come back as one formatted line. */
#ifndef HVSIM_SIM_SCENARIO_H
#define HVSIM_SIM_SCENARIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCENARIO_VERSION 1
/* The host world's limits (host/host.h HOST_MAX_CPUS, HOST_MAX_TASKS; sim/machine.h) */
#define SCN_MAX_CPUS 8
#define SCN_MAX_TASKS 32

struct srcpos {
	int line, col;                 /* 1-based; 0 = unknown */
};

enum vendor { VENDOR_NONE = 0, VENDOR_VMX = 1, VENDOR_SVM = 2, VENDOR_BOTH = 3, VENDOR_ARM = 4 };

/* The guest's instruction set (cpu.arch, issue 20): x86-64 (VMX/SVM) or
 * AArch64 (vendor arm).  An AArch64 guest's guest.mode is GUEST_MODE_A64
 * (asm_assemble's mode for the aarch64 binutils). */
enum guest_arch { ARCH_X86_64 = 0, ARCH_AARCH64 = 1 };
#define GUEST_MODE_A64 164

/* A block of code: assembled from `asm` (GNU as, Intel syntax unless the text
 * says `.att_syntax`) or decoded from `code` hex bytes. */
struct code_block {
	uint64_t base;                 /* load address */
	uint8_t *bytes;                /* machine code (owned) */
	size_t size;
	char *asm_text;                /* source text if given as asm (owned) */
	struct srcpos pos;             /* position of the asm/code node */
	int asm_first_line;            /* YAML line of the asm text's first line */
	int asm_first_col;             /* YAML column where the asm text's lines start */
	/* symbols from the assembly: label -> address (for `entry`, expect) */
	struct symbol { char *name; uint64_t addr; } *syms;
	size_t nsyms;
};

struct data_region {
	uint64_t addr;
	uint64_t size;
	uint8_t *bytes;                /* initial contents or NULL (zero) */
	size_t nbytes;
	struct srcpos pos;
};

struct reg_init { char *name; uint64_t value; struct srcpos pos; };

enum bp_type { BP_EXEC = 0, BP_WRITE = 1, BP_RW = 3 };
enum bp_kind { BP_PERF = 0, BP_PTRACE = 1 };

/* A host-owned hardware breakpoint (perf or ptrace style). */
struct host_bp {
	int slot;                      /* DR0-DR3 */
	uint64_t addr;
	enum bp_type type;
	unsigned len;                  /* 1, 2, 4, 8 */
	enum bp_kind kind;             /* ptrace sets TIF_DEBUG, perf does not */
	int cpu;                       /* host.breakpoints (perf): the CPU it is pinned to, -1 = every CPU (`cpu: all`) */
	struct srcpos pos;
};

/* When a host event happens. */
enum when_kind {
	WHEN_EXIT,          /* after the exit with this 1-based number (`exit: N`) */
	WHEN_EVERY_EXIT,    /* after every Nth exit (`every_exit: N`) */
	WHEN_START,         /* before the first entry (`start: true`) */
};
enum host_action {
	HOST_RUN,           /* run a host code snippet (`run: NAME`) */
	HOST_INSTALL_BP,    /* install a host breakpoint from IRQ context (`install: {...}`) */
	HOST_REMOVE_BP,     /* remove the host breakpoint in a slot (`remove: SLOT`) */
	HOST_TOUCH,         /* host data access (`touch: {addr, size, write}`) */
	HOST_SET_CR3,       /* userspace KVM_SET_SREGS writes guest CR3 (`set_cr3: VALUE`, seed 001) */
};
struct host_event {
	enum when_kind when;
	uint64_t n;                    /* exit number or period */
	enum host_action action;
	int snippet;                   /* index into host.snippets for HOST_RUN */
	struct host_bp bp;             /* HOST_INSTALL_BP */
	int slot;                      /* HOST_REMOVE_BP */
	uint64_t addr; unsigned size; bool write;  /* HOST_TOUCH */
	uint64_t cr3;                  /* HOST_SET_CR3 */
	int cpus;                      /* install/remove: the CPU (`cpu: N`), -1 every CPU by IPI (`cpu: all`),
					* -2 not given: the CPU the vCPU thread is on */
	int from;                      /* install/remove: the CPU whose task asked (`from: N`), -1 not given */
	int vcpu;                      /* whose exits `exit`/`every_exit` count (`vcpu: N`, default 0) */
	struct srcpos pos;
};

/* A data access a host task makes on each of its slices. */
struct host_touch { uint64_t addr; unsigned size; bool write; struct srcpos pos; };

/* host.tasks[]: a host task other than the vCPU threads (scenarios/README.md
 * "The host world"). */
struct host_task_spec {
	char *name;
	int cpu;                       /* the CPU it runs on (pinned) */
	struct host_bp *bps;           /* its own breakpoints (ptrace, or task-bound perf), slot = preferred */
	size_t nbps;
	struct host_touch *touches;    /* what it does on each slice */
	size_t ntouches;
	struct srcpos pos;
};

/* guest.vcpus[]: one vCPU of an SMP guest. */
struct vcpu_spec {
	uint64_t entry;                /* where it starts (default: guest.entry) */
	char *entry_label;             /* the label `entry` named, or NULL */
	int cpu;                       /* the CPU its thread starts on (default: index % host.cpus) */
	struct reg_init *regs;         /* its own initial registers (after guest.regs) */
	size_t nregs;
	struct srcpos pos;
};

struct host_snippet {
	char *name;
	struct code_block code;        /* 64-bit host code, ends with `ret` or end of bytes */
};

/* One expectation: a result field (dotted JSON path) and the allowed value. */
struct expectation {
	char *selector;                /* "all", a policy name, "vmx", "svm", "arm" or "POLICY@VENDOR" */
	char *field;                   /* e.g. "exits.by_reason.DR_ACCESS" */
	bool is_range;
	uint64_t value;                /* exact */
	bool has_min, has_max;
	uint64_t min, max;
	char *str_value;               /* for string fields (guest.stop), else NULL */
	struct srcpos pos;
};

/* A user-defined policy variant: a preset plus knob overrides. */
struct knob_setting { char *name; char *value; struct srcpos pos; };
struct variant {
	char *name;
	char *base;                    /* preset it starts from */
	struct knob_setting *knobs;
	size_t nknobs;
	struct srcpos pos;
};

struct cost_setting { char *name; uint64_t value; struct srcpos pos; };

struct scenario {
	char *path;                    /* file it was loaded from */
	int version;
	char *name;
	char *summary;
	char **refs; size_t nrefs;
	char **groups; size_t ngroups;

	enum vendor vendor;            /* default VMX */
	struct srcpos vendor_pos;      /* 0:0 when defaulted */
	char **policies; size_t npolicies;   /* default { "bp_enabled" } */
	struct srcpos *policy_pos;
	struct variant *variants; size_t nvariants;

	/* cpu: cost model (NULL = the default, cpu/costs/default.cost) and
	 * overrides.  `model` is either a bundled model name (no '/', no .cost
	 * suffix; stored as given) or a .cost file path, which the loader resolves
	 * against the scenario file's directory and checks to be readable. */
	char *cost_model;
	struct srcpos cost_model_pos;
	struct cost_setting *costs; size_t ncosts;
	bool cpu_rtm, cpu_bus_lock;    /* DR6 active-low features (default off) */
	bool decode_assists;           /* SVM decode assists (default on) */
	enum { CPU_UNSET = 0, CPU_INTEL = 1, CPU_AMD = 2 } cpu_vendor;  /* cpu.vendor (bare metal; default Intel) */
	enum guest_arch arch;          /* cpu.arch (default x86_64; aarch64 with vendor: arm) */
	struct srcpos arch_pos;        /* 0:0 when defaulted */
	unsigned arm_brps, arm_wrps;   /* cpu.debug: breakpoints/watchpoints (ID_AA64DFR0_EL1; default 6 and 4) */

	struct {
		int mode;              /* 64 or 32 */
		struct code_block code;
		uint64_t entry;        /* default code.base */
		char *entry_label;     /* label `entry` named, or NULL */
		struct srcpos entry_pos;     /* 0:0 when defaulted */
		struct data_region *data; size_t ndata;
		struct reg_init *regs; size_t nregs;
		uint64_t max_instructions;   /* limits.instructions (0 = default 10M) */
		uint64_t max_cycles;         /* limits.cycles (0 = none) */
		bool budget_ok;              /* limits.on_budget: stop (true) | error (default) */
		/* guest.user (64-bit only): hvsim writes a GDT and a TSS at
		 * `tables`, loads GDTR/TR/CS/SS and pushes an IRETQ frame to
		 * (entry, stack) at CPL 3 on the initial kernel stack, whose top
		 * becomes TSS.RSP0 (scenarios/README.md "guest.user"). */
		bool has_user;
		struct srcpos user_pos;
		uint64_t user_entry, user_stack, user_tables;
		/* guest.vcpus: an SMP guest (0 = the key is absent: one vCPU) */
		struct vcpu_spec *vcpus; size_t nvcpus;
		struct srcpos vcpus_pos;
	} guest;

	struct {
		struct host_bp *bps; size_t nbps;
		struct host_snippet *snippets; size_t nsnippets;
		struct host_event *events; size_t nevents;
		uint64_t timer_period;       /* host timer: external interrupt every N guest insns (0 = off) */
		bool timer_guest;            /* timer.source: guest (the guest's LAPIC timer) */
		struct srcpos timer_pos;
		/* KVM_SET_GUEST_DEBUG before the first KVM_RUN: the control
		 * (GUESTDBG_* of debugreg/core.h, the UAPI values; 0 = not
		 * called, `true` = ENABLE) and the debugger's DR0-3/DR7 in
		 * guest_debug_dr[0..3], [7] (USE_HW_BP). */
		unsigned guest_debug;
		uint64_t guest_debug_dr[8];
		struct srcpos guest_debug_pos;
		/* the host world (scenarios/README.md "The host world"); all
		 * absent = one CPU, one vCPU thread, no other task */
		int ncpus;                   /* host.cpus (0 = not given: 1) */
		struct srcpos ncpus_pos;
		struct host_task_spec *tasks; size_t ntasks;   /* host.tasks */
		struct {
			bool set;                /* host.sched given */
			uint64_t slice_exits;    /* a vCPU thread's slice: this many exits (0 = no limit) */
			uint64_t slice_ticks;    /* ... or this many timer ticks (external-interrupt exits) */
			bool migrate;            /* migrate: rotate (a preempted thread resumes on the next CPU) */
			struct srcpos pos;
		} sched;
	} host;

	struct expectation *expects; size_t nexpects;
};

/* Load and validate a scenario.  On error returns NULL and writes one line
 * "FILE:LINE:COL: message" into err (no trailing newline). */
struct scenario *scenario_load(const char *path, char *err, size_t errsize);
/* Same from a memory buffer (fuzzing, tests); `name` is used in messages. */
struct scenario *scenario_load_buf(const char *name, const char *buf, size_t len,
				   char *err, size_t errsize);
void scenario_free(struct scenario *sc);

/* Look up an assembler label of the guest code; false if absent. */
bool scenario_symbol(const struct scenario *sc, const char *name, uint64_t *addr);

/* Whether a host event is due after the guest's exit number exit_no
 * (1-based): `exit: N` after exit N, `every_exit: N` after every Nth;
 * never a `start` event (it runs before the first entry).  The caller
 * checks whose exits they are (ev->vcpu). */
bool host_event_after_exit(const struct host_event *ev, uint64_t exit_no);

/* "none", "vmx", "svm", "both" or "arm": the one vendor-name table. */
const char *scenario_vendor_name(enum vendor v);

#endif
