/* fuzz_cost.c - libFuzzer target: arbitrary bytes as a cost-model file
 * (cpu/cost.c cost_load).  It loads, or fails with one line
 * "FILE:LINE:COL: message"; a model that loads is then used for a short run
 * of a small guest on VMX and SVM (sim_run with cost_model = the file), so
 * that huge costs reach the saturating cycle counters: the run must not
 * fail, and a total that reached 2^64-1 must be flagged cycles.saturated. */
#define _GNU_SOURCE
#include "fuzz/fuzz_util.h"
#include "cpu/cost.h"
#include "sim/loader/scenario.h"
#include "sim/run.h"

static struct scenario *sc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	static const char y[] =
		"version: 1\nname: fuzz_cost\nsummary: cost fuzzer guest\nvendor: both\n"
		"guest:\n  base: 0x1000\n"
		/* mov rax, dr7 ; out 0x80, al ; mov dr7, rax ; cpuid ; loop x4 via ecx ; hlt */
		"  code: \"b9 04 00 00 00 0f 21 f8 e6 80 0f 23 f8 31 c0 0f a2 ff c9 75 ef f4\"\n"
		"  limits: {instructions: 200}\n"
		"host:\n  timer: { period: 3 }\n";
	char err[512];
	sc = scenario_load_buf("fuzz_cost.yaml", y, sizeof(y) - 1, err, sizeof err);
	if (!sc) {
		fprintf(stderr, "fuzz_cost: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (2u << 20))
		return 0;
	const char *path = fuzz_file("fuzz.cost", data, size);
	struct cost_model m;
	char err[1024] = "";
	if (cost_load(path, &m, err, sizeof err)) {
		size_t n = strlen(err);
		err[n] = '\n';
		fuzz_check_stderr("cost", err, n + 1);
		return 0;
	}
	static const enum vendor vs[] = { VENDOR_VMX, VENDOR_SVM };
	for (int i = 0; i < 2; i++) {
		struct run_result r;
		struct run_config cfg = { .policy = "bp_enabled", .vendor = vs[i], .cost_model = path };
		int rc = sim_run(sc, &cfg, &r, err, sizeof err);
		/* a model runs exactly on the vendors its @vendor names
		 * (docs/cost-models.md, "A model and its vendor") */
		if (!sim_cost_applies(&m, vs[i])) {
			if (!rc || !strstr(err, "cannot price a")) {
				fprintf(stderr, "fuzz_cost: a model of the other vendor was not refused: %s\n", err);
				abort();
			}
			if (!rc)
				run_result_free(&r);
			continue;
		}
		if (rc) {
			fprintf(stderr, "fuzz_cost: a cost model that loads does not run: %s\n", err);
			abort();
		}
		if (r.st.cycles_total == UINT64_MAX && !r.st.cycles_saturated) {
			fprintf(stderr, "fuzz_cost: cycles.total at 2^64-1 but not flagged\n");
			abort();
		}
		if (!r.st.cycles_saturated && r.st.cycles_total < r.st.cycles_guest) {
			fprintf(stderr, "fuzz_cost: cycles.total wrapped below cycles.guest\n");
			abort();
		}
		run_result_free(&r);
	}
	return 0;
}
