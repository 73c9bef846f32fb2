/* fuzz_guest.c - libFuzzer target: arbitrary bytes as guest code.
 *
 * Every input runs as the guest code of a small scenario, in 64-bit and in
 * 32-bit mode, under every policy preset (policy_foreach), with a small
 * instruction budget, on the simulated VMX or SVM processor and with or
 * without a guest IDT: which of the four is chosen by a hash of the input
 * (FNV-1a, bit 0: SVM, bit 1: an IDT), so that the same input always runs
 * the same way (tests/test_fuzz_regressions.c replays it) and the corpus
 * covers all four.  With an IDT, code that runs `lidt` on a 256-gate table
 * (CPL 0 interrupt gates to `iret`, or `add rsp/esp, 8/4; iret` for the
 * vectors that push an error code) comes first, then the input.  Whatever the bytes do
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
#include <stdbool.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static struct scenario *tmpl[2][2];       /* [0] 64-bit, [1] 32-bit; [.][1] with an IDT */

#define IDT_BASE 0x90000                  /* IDTR image, then the IDT at +0x10 */
#define IDT_HANDLERS 0x92000              /* iret; add sp, n; iret */

/* lidt [IDT_BASE] (absolute): 64-bit needs a SIB byte, 32-bit a disp32 */
static const uint8_t prologue64[] = { 0x0f, 0x01, 0x1c, 0x25, 0x00, 0x00, 0x09, 0x00 };
static const uint8_t prologue32[] = { 0x0f, 0x01, 0x1d, 0x00, 0x00, 0x09, 0x00 };

/* The IDT region as hex: the IDTR (limit, base = IDT_BASE + 0x10) and 256
 * present CPL 0 interrupt gates, selector 8. */
static int idt_hex(char *out, size_t cap, int mode)
{
	uint8_t b[0x10 + 256 * 16];
	memset(b, 0, sizeof(b));
	unsigned gsize = mode == 64 ? 16 : 8;
	uint16_t limit = (uint16_t)(256 * gsize - 1);
	uint64_t base = IDT_BASE + 0x10;
	b[0] = (uint8_t)limit;
	b[1] = (uint8_t)(limit >> 8);
	for (int i = 0; i < 8; i++)
		b[2 + i] = (uint8_t)(base >> (8 * i));
	for (unsigned v = 0; v < 256; v++) {
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
		uint32_t h = IDT_HANDLERS + (err ? 0x10 : 0);
		uint8_t *g = b + 0x10 + v * gsize;
		g[0] = (uint8_t)h;
		g[1] = (uint8_t)(h >> 8);
		g[2] = 8;
		g[5] = 0x8E;
		g[6] = (uint8_t)(h >> 16);
		g[7] = (uint8_t)(h >> 24);
	}
	size_t n = 0x10 + 256 * gsize;
	if (cap < 2 * n + 1)
		abort();
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return (int)(2 * n);
}
static const char *policies[64];
static unsigned npolicies;

static void add_policy(const struct policy *p, void *ctx)
{
	(void)ctx;
	/* x86 guests: the x86 presets (the Arm ones run on vendor arm only, issue 20) */
	if (p->arm_switch == ARM_SW_NONE && npolicies < sizeof(policies) / sizeof(policies[0]))
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

/* The template, with a `guest_idt:` tail moved into guest.data. */
static struct scenario *load_template(char *yaml, size_t n)
{
	char err[512];
	char *tail = strstr(yaml, "guest_idt:\n");
	if (tail) {
		/* splice the regions after the template's data list */
		static char buf[40000];
		char *data = strstr(yaml, "  data:\n");
		char *after = strchr(strchr(data, '\n') + 1, '\n') + 1;      /* past the first region */
		size_t head = (size_t)(after - yaml);
		*tail = 0;
		int k = snprintf(buf, sizeof buf, "%.*s%s%s", (int)head, yaml, tail + strlen("guest_idt:\n"),
				 after);
		yaml = buf;
		n = (size_t)k;
	}
	struct scenario *sc = scenario_load_buf("fuzz_guest.yaml", yaml, n, err, sizeof err);
	if (!sc) {
		fprintf(stderr, "fuzz_guest: template does not load: %s\n", err);
		abort();
	}
	return sc;
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
	for (int m = 0; m < 2; m++)
		for (int idt = 0; idt < 2; idt++) {
			static char yaml[32768], hex[16384];
			int mode = m ? 32 : 64;
			int n = snprintf(yaml, sizeof yaml, template_fmt, mode, mode, budget);
			if (idt) {
				idt_hex(hex, sizeof hex, mode);
				/* handlers: iret(q); add rsp/esp, 8/4; iret(q) */
				n += snprintf(yaml + n, sizeof yaml - (size_t)n,
					      "guest_idt:\n    - { addr: 0x%x, size: 0x2000, bytes: \"%s\" }\n"
					      "    - { addr: 0x%x, size: 0x100, bytes: \"%s\" }\n", IDT_BASE, hex,
					      IDT_HANDLERS, mode == 64 ? "48cf0000000000000000000000000000" "4883c40848cf"
								    : "cf000000000000000000000000000000" "83c404cf");
			}
			tmpl[m][idt] = load_template(yaml, (size_t)n);
		}
	policy_foreach(add_policy, NULL);
	if (!npolicies) {
		fprintf(stderr, "fuzz_guest: no policy presets\n");
		abort();
	}
	return 0;
}

static void run_one(struct scenario *sc, const char *policy, enum vendor vendor)
{
	char err[512];
	struct run_result res;
	struct run_config cfg = { .policy = policy, .vendor = vendor };
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
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	enum vendor vendor = (h & 1) ? VENDOR_SVM : VENDOR_VMX;
	int idt = (h >> 1) & 1;
	for (int m = 0; m < 2; m++) {
		struct scenario *sc = tmpl[m][idt];
		uint8_t *saved = sc->guest.code.bytes;
		size_t saved_size = sc->guest.code.size;
		const uint8_t *pro = !idt ? NULL : m ? prologue32 : prologue64;
		size_t npro = !idt ? 0 : m ? sizeof(prologue32) : sizeof(prologue64);
		/* An exact-size copy, so that ASan catches reads past the code. */
		uint8_t *code = malloc(npro + size);
		if (!code)
			return 0;
		if (npro)
			memcpy(code, pro, npro);
		memcpy(code + npro, data, size);
		sc->guest.code.bytes = code;
		sc->guest.code.size = npro + size;
		for (unsigned p = 0; p < npolicies; p++)
			run_one(sc, policies[p], vendor);
		sc->guest.code.bytes = saved;
		sc->guest.code.size = saved_size;
		free(code);
	}
	return 0;
}
