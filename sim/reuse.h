/* reuse.h - one guest and one host engine kept per thread between runs
 * (issue 16: "reuse engines across runs of one process"; sim/reuse.c).
 *
 * reuse_take_*: the kept guest engines (an SMP guest's: one per vCPU) or
 * host engine if they were built for the same image (sim/run.c build_guest
 * / build_vcpu / build_host) with the same `precise` setting, reset for a
 * run on `cpu` (engine_reset_group), else none (build fresh ones).
 * reuse_give_*: after the run, keep them for the next one (replacing those
 * kept before) if each is engine_reusable, else free them.  Results do not depend on it
 * (tests/test_exit_path.c). */
#ifndef HVSIM_SIM_REUSE_H
#define HVSIM_SIM_REUSE_H
#include <stdbool.h>
#include "cpu/engine/engine.h"
#include "sim/loader/scenario.h"

#define REUSE_MAX_VCPUS 8          /* machine.h MACHINE_MAX_VCPUS */

/* The guest's engines, one per vCPU (vCPU 0 first, the one that owns the
 * memory): into v, reset; how many (0: none kept for this guest). */
unsigned reuse_take_guest(const struct scenario *sc, bool precise, struct cpu *cpu, struct engine **v);
void reuse_give_guest(const struct scenario *sc, bool precise, struct engine *const *v, unsigned n);
struct engine *reuse_take_host(const struct scenario *sc, struct cpu *cpu);
void reuse_give_host(const struct scenario *sc, struct engine *e);

#endif
