/* cpu.h - the one physical CPU that host and guest share.
 *
 * The simulated machine has exactly one set of debug registers.  Whatever the
 * hypervisor leaves in them is what the guest (or the host) runs with, which
 * is the whole point of hvsim: a policy that forgets a reload shows up as a
 * breakpoint that does not fire.
 *
 * Two kinds of DR values are kept apart everywhere:
 *   - hardware values: struct cpu.dr[] (this file), what the silicon matches;
 *   - architectural values: what the guest (or host) *believes* it has
 *     written, kept by the correctness oracle (struct dr_file in cpu/dr.h; the engine keeps one per context)
 *     and, separately, by the hypervisor's own bookkeeping (debugreg/).
 *
 * Every write to a hardware DR, whoever makes it, goes through one function,
 * cpu_dr_write(): validate -> apply -> bump dr_gen -> count -> charge ->
 * trace (Spike's csr_t shape).  The engines re-arm their breakpoint hooks
 * when dr_gen moves, so a write that bypassed it would be a breakpoint that
 * silently never fires; tests/check_layout.sh fails the build's tests if
 * any other file assigns to `dr[]` of a struct cpu. */
#ifndef HVSIM_CPU_CPU_H
#define HVSIM_CPU_CPU_H
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include "cpu/arm_dbg.h"
#include "cpu/cost.h"
#include "cpu/dr.h"
#include "cpu/stats.h"

enum sim_event_id {
#define EVENT(id, name, fields, desc) id,
#include "cpu/events.def"
#undef EVENT
	EV_COUNT
};

/* One trace event.  Meaning of a/b/c/s per cpu/events.def. */
struct sim_event {
	enum sim_event_id id;
	uint64_t cycle;       /* modeled cycle counter when it happened */
	uint64_t a, b, c, d;  /* payload, see events.def */
	const char *s;        /* string payload (cause, reason name, disassembly) */
	int cpu;              /* physical CPU it happened on (struct cpu.id) */
	int vcpu;             /* vCPU loaded on that CPU then (-1 none) */
	uint32_t intr;        /* EV_EXIT on VMX: the VM-exit interruption information (SDM Vol.3
	                       * 25.9.2: the vector of an EXCEPTION_NMI exit); 0 otherwise.  For
	                       * live consumers (hvsim diff); not in the JSONL trace */
};

/* Cycle categories (columns of `compare`). */
enum cycle_cat { CYC_GUEST, CYC_TRANSITION, CYC_HANDLER, CYC_DR, CYC_VMCS, CYC_HOST };

/* The self-hosted debug registers of an Arm CPU (issue 20): one physical
 * bank that the host's hw_breakpoint layer and the guest share, exactly as
 * x86's DR0-DR7 (cpu/arm_dbg.h, Arm ARM D2).  Written only through
 * cpu_arm_write() below. */
struct arm_hwdbg {
	uint64_t reg[ARM_DBGREG_N];  /* hardware value of each debug register (enum arm_dbgreg); OSLSR holds OSLK */
	unsigned brps, wrps;         /* breakpoints / watchpoints implemented (ID_AA64DFR0_EL1.BRPs/WRPs + 1) */
};

struct cpu {
	int id;                      /* physical CPU number (0 on a one-CPU machine) */
	int vcpu;                    /* the vCPU loaded on it (kvm_arch_vcpu_load), -1 none */
	/* cycles_total + time_base is machine time: the serialized clock of all
	 * CPUs (host/, sim/machine.c); 0 on a one-CPU machine */
	uint64_t time_base;
	const void *svm_cached_vmcb; /* the VMCB whose state this processor caches (APM 15.15), set by svm/ */
	uint64_t dr[8];              /* hardware DR0-DR3, DR6 (index 6), DR7 (index 7); 4/5 unused */
	struct arm_hwdbg arm;        /* Arm runs: the debug registers of the Arm CPU (x86 runs: unused) */
	uint64_t debugctl;           /* hardware IA32_DEBUGCTL */
	bool guest_mode;             /* true while the guest runs (VMX non-root / SVM guest) */
	uint64_t dr_gen;             /* bumped on every hardware DR write (engines re-arm hooks) */
	struct dr_features feat;     /* DR6 active-low features exposed (RTM, bus-lock) */
	const struct cost_model *cost;  /* cycle prices */
	/* how many times each cost entry was charged: cycles.total is
	 * sum(cost_n[i] * entry i), so any other model can be priced without
	 * re-running (the robustness analysis of `hvsim compare --cost`) */
	uint64_t cost_n[COST_N];
	struct stats st;             /* counters of this run */
	/* the exit being handled (cpu_exit_begin .. cpu_exit_end, below) */
	struct { unsigned slot; uint64_t start; bool open; } exit_clock;
	const char *cause;           /* why the current hypervisor DR access happens (trace) */
	void (*trace)(void *ctx, const struct sim_event *ev);  /* event sink or NULL */
	void *trace_ctx;
};

void cpu_init(struct cpu *c, const struct cost_model *cost);
/* *f += v, pinned at 2^64-1 (and cycles.saturated set) instead of wrapping. */
static inline void cpu_sat_add(struct cpu *c, uint64_t *f, uint64_t v)
{
	if (__builtin_expect(__builtin_add_overflow(*f, v, f), 0)) {
		*f = UINT64_MAX;
		c->st.cycles_saturated = 1;
	}
}
/* Charge cycles to a category (and to cycles.total), saturating: a cost
 * model with numbers near 2^64 must not wrap the totals (issue 15 item 12);
 * cycles.saturated says it happened.  Inline: several times on every VM
 * exit's path (bench_hvsim, "OUT exit"). */
static inline void cpu_charge(struct cpu *c, enum cycle_cat cat, uint64_t cycles)
{
	uint64_t *f;
	switch (cat) {
	case CYC_GUEST: f = &c->st.cycles_guest; break;
	case CYC_TRANSITION: f = &c->st.cycles_transition; break;
	case CYC_HANDLER: f = &c->st.cycles_handler; break;
	case CYC_DR: f = &c->st.cycles_dr; break;
	case CYC_VMCS: f = &c->st.cycles_vmcs; break;
	default: f = &c->st.cycles_host; break;
	}
	cpu_sat_add(c, f, cycles);
	cpu_sat_add(c, &c->st.cycles_total, cycles);
}
/* Charge n times the cost entry `field` (a cost.def field name) and count it. */
#define CPU_CHARGE_N(c, cat, field, n)                                                \
	do {                                                                          \
		struct cpu *c_ = (c);                                                 \
		uint64_t n_ = (n);                                                    \
		uint64_t v_;                                                          \
		c_->cost_n[COSTI_##field] += n_;                                      \
		if (__builtin_mul_overflow(n_, c_->cost->field, &v_))                 \
			v_ = UINT64_MAX;  /* cpu_charge saturates from there */        \
		cpu_charge(c_, (cat), v_);                                            \
	} while (0)
#define CPU_CHARGE(c, cat, field) CPU_CHARGE_N(c, cat, field, 1)
/* Emit a trace event (no-op without a sink). */
void cpu_event(struct cpu *c, enum sim_event_id id, uint64_t a, uint64_t b,
	       uint64_t cc, const char *s);
/* The kvm_exit event, with the interruption information of a VMX exit. */
void cpu_event_exit(struct cpu *c, uint64_t rip, uint64_t code, uint64_t info, uint32_t intr, const char *name);

/* The hypervisor's MOV to/from DRn on the physical CPU (host context).
 * n is an architectural number 0-3, 6, 7.  DR6/DR7 values are stored as the
 * CPU would (dr6_store_value / dr7_store_value); the hypervisor never writes
 * invalid values (KVM checks them before), so an invalid one is an internal
 * error (asserted). `cause` is recorded in the trace. */
uint64_t cpu_hv_read_dr(struct cpu *c, int n, const char *cause);
void cpu_hv_write_dr(struct cpu *c, int n, uint64_t val, const char *cause);

/* Who writes a hardware DR, which decides what is counted and charged. */
enum dr_writer {
	DRW_HV,          /* the hypervisor's MOV to DRn in host context: dr.hw_writes, CYC_DR, EV_DR_WRITE */
	DRW_GUEST,       /* the guest's own MOV to DRn executed natively: dr.guest_native_writes, CYC_GUEST */
	DRW_HOST,        /* host code's own MOV to DRn (host snippets): dr.guest_native_writes, CYC_HOST */
	DRW_HOST_KERNEL, /* the host's hw_breakpoint layer (arch_install_hw_breakpoint): not a hypervisor access */
	DRW_PROCESSOR,   /* the processor itself: #DB delivery, VM entry/exit loads; value stored as given */
};

/* The one write path.  n is 0-3, 6 or 7.  For every writer except
 * DRW_PROCESSOR the value is stored as the CPU stores a MOV to DRn
 * (dr6_store_value / dr7_store_value); the processor's own loads compute
 * their exact value (SDM 27.5.1, 26.3.2.1; APM 15.5.1, 15.6) and are stored
 * unchanged. */
static inline void cpu_dr_write(struct cpu *c, int n, uint64_t val, enum dr_writer who, const char *cause);
/* The count/charge/trace step of cpu_dr_write (cpu/cpu.c). */
void cpu_dr_count(struct cpu *c, int n, uint64_t val, enum dr_writer who, const char *cause);

/* The one write path of the Arm debug registers (issue 20), cpu_dr_write's
 * twin: apply, bump dr_gen when a breakpoint-relevant value changes (the
 * Arm engine re-evaluates its matches), count per writer:
 *   DRW_HV           arm.hw_writes.REG, CYC_DR (the x86 hv.dr_write price), EV_ARM_DBG_WRITE
 *   DRW_GUEST        dr.guest_native.writes, CYC_GUEST (guest.mov_to_dr)
 *   DRW_HOST_KERNEL, DRW_PROCESSOR: nothing
 * Hardware ignores writes to read-only registers; the callers never make
 * one (the engine raises UNDEFINED first). */
void cpu_arm_write(struct cpu *c, int reg, uint64_t val, enum dr_writer who, const char *cause);
/* The hypervisor's MRS of a debug register: arm.hw_reads.REG, CYC_DR (hv.dr_read). */
uint64_t cpu_arm_hv_read(struct cpu *c, int reg, const char *cause);

/* ---- exit accounting (vmx/kvm.c and svm/kvm.c) ------------------------------
 *
 * A VM exit and the VM entry that ends its handling, as perf kvm stat
 * counts them: exits.total and exits.by_reason.R.count at the exit;
 * entries.total at the entry; and, when the entry succeeds, the exit's
 * "time" (cycles.total at the entry minus cycles.total at the exit:
 * transition + handler + DR work + host work in between) added to its
 * reason's cycles, sumsq, min and max.  Each also emits its trace event
 * (kvm_exit, kvm_entry, kvm_entry_failed).  `slot` is the vendor's exit
 * slot (index into stats.exits[]); `code`, `info` and `name` are what the
 * trace shows (exit reason or code, qualification or EXITINFO1, reason
 * name).  Inline: they are on every exit's path (bench_hvsim (b)). */

static inline void cpu_count_exit(struct cpu *c, unsigned slot)
{
	c->st.exits_total++;
	c->st.exits[slot].count++;
	c->exit_clock.slot = slot;
	c->exit_clock.start = c->st.cycles_total;
}

/* VM exit: count it, start its clock, trace kvm_exit (at guest `rip`;
 * `intr` = VMX's VM-exit interruption information, 0 on SVM). */
static inline void cpu_exit_begin(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code,
				  uint64_t info, uint32_t intr, const char *name)
{
	cpu_count_exit(c, slot);
	c->exit_clock.open = true;
	cpu_event_exit(c, rip, code, info, intr, name);
}

/* VM entry succeeded: count it, stop the clock of the exit it ends (if
 * any) and add the time to that exit's reason, trace kvm_entry. */
static inline void cpu_exit_end(struct cpu *c, uint64_t rip)
{
	c->st.entries_total++;
	if (c->exit_clock.open) {
		struct exit_stat *es = &c->st.exits[c->exit_clock.slot];
		uint64_t dt = c->st.cycles_total - c->exit_clock.start;
		cpu_sat_add(c, &es->cycles, dt);
		es->sumsq += (double)dt * (double)dt;
		if (dt < es->min) es->min = dt;
		if (dt > es->max) es->max = dt;
		c->exit_clock.open = false;
	}
	cpu_event(c, EV_ENTRY, rip, 0, 0, NULL);
}

/* VM entry failed its checks: counted as an entry, an entry failure and an
 * exit with reason `slot` (no time: the run ends), trace kvm_entry_failed. */
static inline void cpu_entry_failed(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code,
				    const char *name)
{
	c->st.entries_total++;
	c->st.entry_failures++;
	cpu_count_exit(c, slot);
	cpu_event(c, EV_ENTRY_FAIL, rip, code, 0, name);
}

/* In line: the processor's own loads run on every VM entry and exit.
 * dr_gen moves only when a breakpoint-relevant value changes (DR0-3, DR7):
 * the engines' hooks are a function of those values alone, so a rewrite of
 * the same value (the common case around entries and exits) re-arms
 * nothing. */
static inline void cpu_dr_write(struct cpu *c, int n, uint64_t val, enum dr_writer who, const char *cause)
{
	/* validate: the hypervisor never writes invalid values (KVM checks
	 * them before, kvm_set_dr), so one is an internal error; the guest's
	 * and host's own MOVs were checked by dr_mov_check() (#GP) before. */
	assert(n >= 0 && n <= 7 && n != 4 && n != 5);
	if (who == DRW_HV)
		assert(!(n == 6 && (val & DR6_RESERVED_HI)) && !(n == 7 && (val & DR7_RESERVED_HI)));
	/* apply */
	if (who != DRW_PROCESSOR)
		val = n == 6 ? dr6_store_value(val, &c->feat) : n == 7 ? dr7_store_value(val) : val;
	if (c->dr[n] != val) {
		c->dr[n] = val;
		if (n != 6)
			c->dr_gen++;
	}
	/* count, charge, trace */
	if (who != DRW_PROCESSOR && who != DRW_HOST_KERNEL)
		cpu_dr_count(c, n, val, who, cause);
}

#endif
