/* test_expect.c - expectations: selectors, exact values, ranges, strings,
 * and the static checks done before any run; on hand-filled results
 * (tests/sample_result.h). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/expect.h"
#include "sim/run.h"
#include "tests/harness.h"
#include "tests/sample_result.h"

/* ---- expectations ------------------------------------------------------------ */

Test(expect, selectors)
{
	static const struct { const char *sel, *pol, *ven; bool match; } cases[] = {
		{ "all", "bp_enabled", "vmx", true },
		{ NULL, "bp_enabled", "svm", true },
		{ "vmx", "bp_enabled", "vmx", true },
		{ "vmx", "bp_enabled", "svm", false },
		{ "svm", "eager", "svm", true },
		{ "none", "none", "none", true },
		{ "bp_enabled", "bp_enabled", "svm", true },
		{ "bp_enabled", "bp_enabled_x", "vmx", false },
		{ "bp_enabled", "eager", "vmx", false },
		{ "bp_enabled@vmx", "bp_enabled", "vmx", true },
		{ "bp_enabled@vmx", "bp_enabled", "svm", false },
		{ "bp_enabled@svm", "eager", "svm", false },
		{ "bp@vmx", "bp_enabled", "vmx", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(expect_selector_matches(cases[i].sel, cases[i].pol, cases[i].ven), cases[i].match,
			     "case %zu: %s vs %s@%s", i, cases[i].sel, cases[i].pol, cases[i].ven);
}

static struct expectation exact(const char *field, uint64_t v)
{
	return (struct expectation){ .selector = "all", .field = (char *)field, .value = v };
}

static struct expectation range(const char *field, bool has_min, uint64_t min, bool has_max, uint64_t max)
{
	return (struct expectation){ .selector = "all", .field = (char *)field, .is_range = true,
				     .has_min = has_min, .min = min, .has_max = has_max, .max = max };
}

Test(expect, exact_values)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	struct expectation e = exact("exits.by_reason.DR_ACCESS", 2);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	e.value = 1;
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	cr_assert_eq(o.got, 2);
	char d[256], x[256];
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "exits.by_reason.DR_ACCESS == 1");
	cr_assert_str_eq(x, "want 1, got 2");

	e = exact("dr.final.hw.dr7", 0x401);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "dr.final.hw.dr7 == 0x401");
	cr_assert_str_eq(x, "want 0x401, got 0x400");

	e = exact("exits.by_reason.NOPE", 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_NO_FIELD);
	run_result_free(&r);
}

Test(expect, ranges)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	char d[256], x[256];
	struct expectation e = range("cycles.total", true, 4000, true, 6000);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "cycles.total in [4000, 6000]");
	e = range("cycles.total", true, 5000, true, 5000);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS, "bounds are inclusive");
	e = range("cycles.total", true, 5001, false, 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "cycles.total >= 5001");
	cr_assert_str_eq(x, "want >= 5001, got 5000");
	e = range("db.guest.missed", false, 0, true, 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "db.guest.missed <= 0");
	e = range("cycles.total", true, 1, true, 2);
	expect_eval(&e, NULL, &r, &o);
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(x, "want [1, 2], got 5000");
	run_result_free(&r);
}

Test(expect, strings_and_numbers_written_as_strings)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	char d[256], x[256];
	struct expectation e = { .selector = "all", .field = "guest.stop", .str_value = "halt" };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "guest.stop == \"halt\"");
	e.str_value = "fault";
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(x, "want \"fault\", got \"halt\"");
	e = (struct expectation){ .selector = "all", .field = "dr.final.hw.dr7", .str_value = "0x400" };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .value = 1 };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL, "a number never equals a string field");
	run_result_free(&r);
}

Test(expect, static_checks)
{
	struct scenario sc;
	memset(&sc, 0, sizeof(sc));
	char err[256];
	struct expectation e = exact("exits.by_reason.DR_ACCESS", 1);
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), 0, "%s", err);
	e.selector = "vmx";
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), 0, "%s", err);
	e = exact("exits.bogus", 1);
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown result field 'exits.bogus'"), "%s", err);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .value = 3 };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .str_value = "flying" };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = (struct expectation){ .selector = "all", .field = "cycles.total", .str_value = "many" };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = exact("cycles.total", 1);
	e.selector = "x@vmm";
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown vendor 'vmm'"), "%s", err);
}

/* ---- memory expectations beyond the regions kept whole ------------------------ */

/* A guest that stores into the last of twenty 4 KiB data regions and into a
 * 2 MiB region (larger than the 1 MiB kept whole): the scenario's `mem.`
 * expectations must read what it stored (the values are the guest's own
 * immediates), not "no such field". */
Test(expect, mem_reads_any_region_whatever_their_number_and_size)
{
	char yaml[8192];
	int n = snprintf(yaml, sizeof(yaml), "version: 1\nname: many_regions\nsummary: many data regions\nvendor: none\nguest:\n  mode: 64\n  base: 0x1000\n  data:\n");
	for (int i = 0; i < 20; i++)
		n += snprintf(yaml + n, sizeof(yaml) - (size_t)n, "    - { addr: 0x%x, size: 0x1000 }\n", 0x100000 + i * 0x2000);
	snprintf(yaml + n, sizeof(yaml) - (size_t)n,
		 "    - { addr: 0x1000000, size: 0x200000 }\n"
		 "  asm: |2\n"
		 "      mov rax, 0x1122334455667788\n"
		 "      mov [0x126000], rax\n"
		 "      mov dword ptr [0x11ff000], 0xcafef00d\n"
		 "      hlt\n"
		 "policies: [bp_enabled]\n"
		 "expect:\n"
		 "  all:\n"
		 "    mem.0x126000.8: 0x1122334455667788\n" /* the 20th region (index 19) */
		 "    mem.0x126004.4: 0x11223344\n"
		 "    mem.0x11ff000.4: 0xcafef00d\n");       /* inside the 2 MiB region */
	struct scenario *sc = h_load_text("many.yaml", yaml);
	cr_assert_eq(sc->nexpects, 3);
	struct run_config cfg = { .vendor = VENDOR_NONE };
	struct run_result r;
	h_run(sc, &cfg, &r);
	for (size_t i = 0; i < sc->nexpects; i++) {
		struct expect_outcome o;
		cr_assert_eq(expect_eval(&sc->expects[i], sc, &r, &o), EXPECT_PASS, "%s: status %d got 0x%" PRIx64,
			     sc->expects[i].field, o.status, o.got);
	}
	run_result_free(&r);
	scenario_free(sc);
}
