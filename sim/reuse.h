/* reuse.h - one guest and one host engine kept per thread between runs
 * (issue 16: "reuse engines across runs of one process"; sim/reuse.c).
 *
 * reuse_take: the kept guest (host = false) or host engine if it was built
 * for the same image (sim/run.c build_guest / build_host) with the same
 * `precise` setting, reset for a run on `cpu` (engine_reset), else NULL
 * (build a fresh one).  reuse_give: after
 * the run, keep `e` for the next one (replacing the engine kept before) if
 * engine_reusable, else free it.  Results do not depend on it
 * (tests/test_exit_path.c). */
#ifndef HVSIM_SIM_REUSE_H
#define HVSIM_SIM_REUSE_H
#include <stdbool.h>
#include "cpu/engine/engine.h"
#include "sim/loader/scenario.h"

struct engine *reuse_take(const struct scenario *sc, bool host, bool precise, struct cpu *cpu);
void reuse_give(const struct scenario *sc, bool host, bool precise, struct engine *e);

#endif
