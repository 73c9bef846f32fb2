/* fuzz_scenario.c - libFuzzer target: arbitrary bytes -> scenario_load_buf().
 *
 * The loader must never crash, leak or read out of bounds, whatever the
 * input: it either returns a scenario (freed here) or NULL with one
 * "FILE:LINE:COL: message" line.  The message shape is checked too, because
 * every bad input must be reported that way (docs/errors.md).
 *
 * A scenario that loads is then run, as `hvsim validate` and `hvsim run`
 * would (issue 15 item 6): sim_check() (validate's machine build) on every
 * (policy, vendor) of its plan, and sim_run() of the first policy on each
 * vendor with the budget cut to 5000 instructions.  A run refused after a
 * check that passed is a finding (validate said ok, run says scenario
 * error), and so is a run without a stop reason or with an internal error.
 *
 * `asm:` text is assembled with the real binutils (sim/loader/asm.c); the assembly
 * cache goes to a private temporary directory so that fuzzing does not fill
 * the user's cache.
 *
 * Build: cmake -B build-fuzz -DCMAKE_C_COMPILER=clang -DHVSIM_FUZZ=ON
 *        -DHVSIM_SANITIZE=ON -DHVSIM_TESTS=OFF && cmake --build build-fuzz
 * Run:   ./build-fuzz/fuzz_scenario -max_total_time=60 CORPUS_DIR  (scripts/fuzz.sh) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy_names.h"
#include "sim/loader/scenario.h"
#include "sim/run.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	static char dir[4096];
	snprintf(dir, sizeof dir, "%s/hvsim-fuzz-cache-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir))
		setenv("HVSIM_CACHE_DIR", dir, 1);
	return 0;
}

/* One line "X:LINE:COL: text" (a run-stage message may name a cost file
 * or say 0:0 for a file without positions). */
static void check_message_any(const char *err)
{
	int line = -1, col = -1, used = 0;
	const char *c = strstr(err, ":");
	while (c && (sscanf(c, ":%d:%d: %n", &line, &col, &used) != 2 || !used))
		c = strchr(c + 1, ':');
	if (!c || line < 0 || col < 0 || strchr(err, '\n')) {
		fprintf(stderr, "bad run-stage message shape: \"%s\"\n", err);
		abort();
	}
}

/* Exactly one line "NAME:LINE:COL: text" (docs/errors.md). */
static void check_message(const char *name, const char *err)
{
	size_t n = strlen(name);
	int line = 0, col = 0, used = 0;
	if (strncmp(err, name, n) || sscanf(err + n, ":%d:%d: %n", &line, &col, &used) != 2 ||
	    !used || line < 1 || col < 1 || !err[n + used] || strchr(err, '\n')) {
		fprintf(stderr, "bad error message shape: \"%s\"\n", err);
		abort();
	}
}

/* The scenario's policies as `hvsim run` takes them: its list ("all": the
 * first preset stands for all), else bp_enabled. */
static void first_preset(const char *name, const char *summary, void *ctx)
{
	(void)summary;
	const char **p = ctx;
	if (!*p)
		*p = name;
}

static void run_accepted(struct scenario *sc)
{
	enum vendor vs[2];
	int nv = 0;
	if (sc->vendor == VENDOR_BOTH) {
		vs[nv++] = VENDOR_VMX;
		vs[nv++] = VENDOR_SVM;
	} else {
		vs[nv++] = sc->vendor;
	}
	const char *first = NULL;
	policy_list(first_preset, &first);
	size_t np = sc->npolicies ? sc->npolicies : 1;
	if (np > 4)
		np = 4;                /* a few: each check builds a machine */
	uint64_t saved = sc->guest.max_instructions;
	if (!sc->guest.max_instructions || sc->guest.max_instructions > 5000)
		sc->guest.max_instructions = 5000;
	for (int v = 0; v < nv; v++)
		for (size_t i = 0; i < np; i++) {
			const char *p = sc->npolicies ? sc->policies[i] : "bp_enabled";
			if (!strcmp(p, "all"))
				p = first;
			char err[1024];
			struct run_config cfg = { .policy = p, .vendor = vs[v] };
			if (sim_check(sc, &cfg, err, sizeof err)) {
				check_message_any(err);
				goto out;      /* validate rejects it, so does run: agreed */
			}
			if (i > 0)
				continue;      /* run the first policy only: runs are the slow part */
			struct run_result r;
			if (sim_run(sc, &cfg, &r, err, sizeof err)) {
				fprintf(stderr, "validate accepts what run refuses (%s@%d): %s\n", p, (int)vs[v], err);
				abort();
			}
			if (r.stop == STOP_NONE || r.stop == STOP_INTERNAL) {
				fprintf(stderr, "run without a stop reason or internal: %s\n", r.stop_msg);
				abort();
			}
			run_result_free(&r);
		}
out:
	sc->guest.max_instructions = saved;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	const char *name = "fuzz.yaml";
	struct scenario *sc = scenario_load_buf(name, (const char *)data, size, err, sizeof err);
	if (!sc) {
		check_message(name, err);
		return 0;
	}
	/* Touch what later stages read, so ASan sees any dangling pointer. */
	uint64_t addr;
	if (sc->guest.code.size && !sc->guest.code.bytes)
		abort();
	(void)scenario_symbol(sc, sc->guest.entry_label ? sc->guest.entry_label : "start", &addr);
	run_accepted(sc);
	scenario_free(sc);
	return 0;
}
