/* fuzz_scenario.c - libFuzzer target: arbitrary bytes -> scenario_load_buf().
 *
 * The loader must never crash, leak or read out of bounds, whatever the
 * input: it either returns a scenario (freed here) or NULL with one
 * "FILE:LINE:COL: message" line.  The message shape is checked too, because
 * every bad input must be reported that way (docs/errors.md).
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
#include "sim/loader/scenario.h"

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
	scenario_free(sc);
	return 0;
}
