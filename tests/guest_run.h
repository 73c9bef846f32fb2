/* guest_run.h - shared by the tests that run a generated scenario and read
 * the guest's memory afterwards (test_engine_dr.c, test_conformance.c):
 * thin wrappers over tests/harness.h. */
#ifndef HVSIM_TESTS_GUEST_RUN_H
#define HVSIM_TESTS_GUEST_RUN_H
#include <criterion/criterion.h>
#include <string.h>
#include "tests/harness.h"

/* Copy `text` into `out` with every line indented by four spaces (the body
 * of a YAML literal block). */
static inline void guest_indent(const char *text, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = text; *p && o < size - 8;) {
		memcpy(out + o, "    ", 4);
		o += 4;
		while (*p && *p != '\n' && o < size - 2)
			out[o++] = *p++;
		if (*p == '\n')
			out[o++] = *p++;
	}
	out[o] = 0;
}

/* Load the scenario text, run it with cfg and require a halt. */
static inline void guest_run_yaml(const char *yaml, const struct run_config *cfg, struct run_result *r)
{
	struct scenario *sc = h_load_text("t.yaml", yaml);
	h_run(sc, cfg, r);
	scenario_free(sc);
	cr_assert_str_eq(engine_stop_name(r->stop), "halt", "stop: %s", r->stop_msg);
}

/* The 8 bytes of guest memory at `a` from the run's snapshot. */
static inline uint64_t guest_mem(const struct run_result *r, uint64_t a)
{
	uint64_t v = 0;
	cr_assert(h_mem_u64(r, a, &v), "address 0x%llx not captured", (unsigned long long)a);
	return v;
}

#endif
