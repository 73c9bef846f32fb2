/* fuzz_guest.c - libFuzzer target: arbitrary bytes as guest code.
 *
 * Every input runs as the guest code of a small scenario, in 64-bit and in
 * 32-bit mode, under every policy preset (policy_foreach) on the simulated
 * VMX processor, with a small instruction budget.  Whatever the bytes do
 * (invalid opcodes, faults, MOV DR with any encoding, IRET from garbage,
 * I/O, CPUID, HLT...), sim_run() must return normally with a stop reason;
 * a crash, an ASan/UBSan report or a leak is a bug.  Results are also
 * sanity-checked: a run must stop for one of the documented reasons and
 * must not report an internal error.
 *
 * The scenario around the code is loaded once per mode from YAML
 * (scenario_load_buf) and only its code bytes are swapped per input.  It
 * has a data page, a perf-style host write breakpoint in DR1 on it and the
 * host timer, so that host/guest DR switching paths are reached.
 *
 * Corpus extraction (fuzz/make_corpus.sh): with HVSIM_FUZZ_EXTRACT=DIR set,
 * the arguments that are not libFuzzer flags are scenario files; the guest
 * code bytes of each are written to DIR/<name> and the program exits.
 *
 * The default budget (2000 instructions) can be changed with
 * HVSIM_FUZZ_BUDGET. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* Unicorn 2.0.1 never frees QEMU's per-page code bitmap, which it builds
 * when the guest writes to a page it has translated code from
 * (self-modifying code): a leak inside libunicorn that uc_close() leaves
 * behind, not in hvsim. */
const char *__lsan_default_suppressions(void)
{
	return "leak:tb_invalidate_phys_page_fast\n";
}

#define CODE_BASE 0x1000
#define MAX_CODE 4096

static const char template_fmt[] =
	"version: 1\n"
	"name: fuzz_guest_%d\n"
	"summary: guest code from the fuzzer\n"
	"vendor: vmx\n"
	"guest:\n"
	"  mode: %d\n"
	"  base: 0x1000\n"
	"  code: \"f4\"\n"
	"  data:\n"
	"    - { addr: 0x80000, size: 0x1000 }\n"
	"  limits: { instructions: %llu, on_budget: stop }\n"
	"host:\n"
	"  breakpoints:\n"
	"    - { slot: 1, addr: 0x80010, type: write, len: 4 }\n"
	"  timer: { period: 97 }\n";

static struct scenario *tmpl[2];          /* [0] 64-bit, [1] 32-bit */
static const char *policies[64];
static unsigned npolicies;

static void add_policy(const struct policy *p, void *ctx)
{
	(void)ctx;
	if (npolicies < sizeof(policies) / sizeof(policies[0]))
		policies[npolicies++] = p->name;
}

static int extract(const char *dir, int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		char err[512], out[4096];
		struct scenario *sc = scenario_load(argv[i], err, sizeof err);
		if (!sc) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
			continue;
		}
		const char *base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		snprintf(out, sizeof out, "%s/%s.%d.bin", dir, base, sc->guest.mode ? sc->guest.mode : 64);
		FILE *f = fopen(out, "wb");
		size_t n = sc->guest.code.size > MAX_CODE ? MAX_CODE : sc->guest.code.size;
		if (!f || fwrite(sc->guest.code.bytes, 1, n, f) != n || fclose(f)) {
			perror(out);
			rc = 1;
		}
		scenario_free(sc);
	}
	exit(rc);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *ex = getenv("HVSIM_FUZZ_EXTRACT");
	if (ex && *ex)
		extract(ex, *argc, *argv);
	unsigned long long budget = 2000;
	const char *b = getenv("HVSIM_FUZZ_BUDGET");
	if (b && *b)
		budget = strtoull(b, NULL, 0);
	for (int m = 0; m < 2; m++) {
		char yaml[1024], err[512];
		int mode = m ? 32 : 64;
		int n = snprintf(yaml, sizeof yaml, template_fmt, mode, mode, budget);
		tmpl[m] = scenario_load_buf("fuzz_guest.yaml", yaml, (size_t)n, err, sizeof err);
		if (!tmpl[m]) {
			fprintf(stderr, "fuzz_guest: template does not load: %s\n", err);
			abort();
		}
	}
	policy_foreach(add_policy, NULL);
	if (!npolicies) {
		fprintf(stderr, "fuzz_guest: no policy presets\n");
		abort();
	}
	return 0;
}

static void run_one(struct scenario *sc, const char *policy)
{
	char err[512];
	struct run_result res;
	struct run_config cfg = { .policy = policy, .vendor = VENDOR_VMX };
	if (sim_run(sc, &cfg, &res, err, sizeof err)) {
		/* The template is valid: refusing to run it is a bug. */
		fprintf(stderr, "fuzz_guest: sim_run refused (%s): %s\n", policy, err);
		abort();
	}
	if (res.stop == STOP_NONE || res.stop == STOP_INTERNAL) {
		fprintf(stderr, "fuzz_guest: %s-bit, %s: stop %s: %s\n", sc->guest.mode == 32 ? "32" : "64",
			policy, engine_stop_name(res.stop), res.stop_msg);
		abort();
	}
	run_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > MAX_CODE)
		return 0;
	for (int m = 0; m < 2; m++) {
		struct scenario *sc = tmpl[m];
		uint8_t *saved = sc->guest.code.bytes;
		size_t saved_size = sc->guest.code.size;
		/* An exact-size copy, so that ASan catches reads past the code. */
		uint8_t *code = malloc(size);
		if (!code)
			return 0;
		memcpy(code, data, size);
		sc->guest.code.bytes = code;
		sc->guest.code.size = size;
		for (unsigned p = 0; p < npolicies; p++)
			run_one(sc, policies[p]);
		sc->guest.code.bytes = saved;
		sc->guest.code.size = saved_size;
		free(code);
	}
	return 0;
}
