/* stats.h - the counters of one run (generated from stats.def) plus the
 * per-exit-reason and per-register arrays.  Plain data: a run's result is a
 * copy of this struct plus the event lists in sim/result.h.
 *
 * The exit accounting both vendors share (perf kvm stat's view: exits by
 * reason, each exit's "time" from the VM exit to the next VM entry) fills
 * exits[]: cpu_exit_begin / cpu_exit_end in cpu/cpu.h. */
#ifndef HVSIM_CPU_STATS_H
#define HVSIM_CPU_STATS_H
#include <stdint.h>
#include "cpu/arm_dbg.h"

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
	/* Host debugging (KVM_SET_GUEST_DEBUG).  Not rows of stats.def: the
	 * result shows exits.to_user.* only for runs with guest_debug != 0, so
	 * the results of every other run keep their fields (sim/result.c). */
	uint64_t guest_debug;        /* the GUESTDBG_* control in force (0 = none) */
	uint64_t exits_to_user_debug;  /* KVM_EXIT_DEBUG exits to user space */
	/* Arm runs (issue 20), by debug register (enum arm_dbgreg); shown in
	 * the result of Arm runs only (sim/result.c). */
	uint64_t arm_traps_r[ARM_DBGREG_N];  /* trapped MRS (ESR_EL2 EC 0x18) per register */
	uint64_t arm_traps_w[ARM_DBGREG_N];  /* trapped MSR per register */
	uint64_t arm_hw_r[ARM_DBGREG_N];     /* hypervisor reads of the hardware register */
	uint64_t arm_hw_w[ARM_DBGREG_N];     /* hypervisor writes of the hardware register */
	struct exit_stat exits[EXIT_SLOTS];  /* indexed by vendor exit index */
};

struct stat_desc { const char *path; const char *desc; unsigned offset; };
extern const struct stat_desc stat_descs[];
extern const unsigned stat_ndescs;

/* All counters 0, every exits[].min at its "no sample yet" value. */
void stats_reset(struct stats *st);
/* For the result: exits[].min of a reason with no timed exit reads 0. */
void stats_finish(struct stats *st);

#endif
