/* stats.h - the counters of one run (generated from stats.def) plus the
 * per-exit-reason and per-register arrays.  Plain data: a run's result is a
 * copy of this struct plus the event lists in sim/result.h.
 *
 * The exit accounting both vendors share (perf kvm stat's view: exits by
 * reason, each exit's "time" from the VM exit to the next VM entry) is at
 * the end of this file. */
#ifndef HVSIM_CPU_STATS_H
#define HVSIM_CPU_STATS_H
#include <stdint.h>

#define EXIT_SLOTS 128      /* exit reason index space (vendor tables map into it) */

struct exit_stat {
	uint64_t count;         /* exits with this reason */
	uint64_t cycles;        /* cycles from exit to the next entry, summed */
	uint64_t min, max;      /* per-exit cycles */
	double   sumsq;         /* for the stddev column of the perf-style table */
};

struct stats {
#define STAT(field, path, desc) uint64_t field;
#include "cpu/stats.def"
#undef STAT
	uint64_t dr_hw_reads[8];     /* hypervisor reads of hardware DRn (dr.hw_reads.drN) */
	uint64_t dr_hw_writes[8];    /* hypervisor writes of hardware DRn (dr.hw_writes.drN) */
	uint64_t dr_exit_reads[8];   /* MOV-from-DRn exits (by encoded DR number) */
	uint64_t dr_exit_writes[8];  /* MOV-to-DRn exits (by encoded DR number) */
	struct exit_stat exits[EXIT_SLOTS];  /* indexed by vendor exit index */
};

struct stat_desc { const char *path; const char *desc; unsigned offset; };
extern const struct stat_desc stat_descs[];
extern const unsigned stat_ndescs;

/* All counters 0, every exits[].min at its "no sample yet" value. */
void stats_reset(struct stats *st);
/* For the result: exits[].min of a reason with no timed exit reads 0. */
void stats_finish(struct stats *st);

/* ---- exit accounting (vmx/kvm.c and svm/kvm.c) ------------------------------
 *
 * A VM exit and the VM entry that ends its handling, as perf kvm stat
 * counts them: exits.total and exits.by_reason.R.count at the exit;
 * entries.total at the entry; and, when the entry succeeds, the exit's
 * "time" (cycles.total at the entry minus cycles.total at the exit:
 * transition + handler + DR work + host work in between) added to its
 * reason's cycles, sumsq, min and max.  Each also emits its trace event
 * (kvm_exit, kvm_entry, kvm_entry_failed).  `slot` is the vendor's exit
 * slot (index into exits[]); `code`, `info` and `name` are what the trace
 * shows (exit reason or code, qualification or EXITINFO1, reason name).
 * The clock between them lives in struct cpu (exit_clock). */
struct cpu;
/* VM exit: count it, start its clock, trace kvm_exit (at guest `rip`). */
void cpu_exit_begin(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code, uint64_t info,
		    const char *name);
/* VM entry succeeded: count it, stop the clock of the exit it ends (if
 * any) and add the time to that exit's reason, trace kvm_entry. */
void cpu_exit_end(struct cpu *c, uint64_t rip);
/* VM entry failed its checks: counted as an entry, an entry failure and an
 * exit with reason `slot` (no time: the run ends), trace kvm_entry_failed. */
void cpu_entry_failed(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code, const char *name);

#endif
