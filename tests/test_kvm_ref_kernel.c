/* test_kvm_ref_kernel.c - `hvsim diff --ref REF@KERNEL` (docs/kvm-reference.md,
 * "Another kernel"): a booted reference's outcomes on another kernel, read
 * from sim/ref/REF/cache-KERNEL, compared like with like (issue 13: "diff
 * should pick the preset that matches the reference's kernel").
 *
 * Expected values: the kernel each cached outcome records (`kernel` line,
 * the `uname -r` of the booted Debian kernel: 6.12.95+deb12-cloud-amd64 in
 * cache-6.12, 6.1.0-57-cloud-amd64 in cache), the presets named after those
 * kernels, and the exit statuses docs/kvm-reference.md documents. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char dir[256];

static void setup(void)
{
	h_mkdtemp(dir, sizeof dir, "hvsim-refkernel");
}

static void teardown(void)
{
	h_rmtree(dir);
}

TestSuite(ref_kernel, .init = setup, .fini = teardown, .timeout = 600);

static const char *src(const char *rel)
{
	static char p[2][1024];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof p[k], "%s/%s", h_srcdir(), rel);
	return p[k];
}

/* Issue 13's "done when" for the second kernel: every bundled scenario
 * against kvm_intel of Linux 6.12 under Bochs, predicted with linux-6.12,
 * has no unexplained difference (exit 0), or nothing to compare (exit 3:
 * host code snippets, no outcome, bochs-guestdbg), like the 6.1 cache
 * (tests/test_kvm_reference.c). */
Test(ref_kernel, every_bundled_scenario_against_6_12)
{
	DIR *d = opendir(src("scenarios"));
	cr_assert(d);
	unsigned compared = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		char file[1300];
		snprintf(file, sizeof file, "%s/%s", src("scenarios"), e->d_name);
		char *out, *err;
		const char *args[] = { "diff", file, "--ref", "kvm-intel-bochs@6.12", NULL };
		int st = h_hvsim_run(dir, args, &out, &err);
		cr_expect(st == 0 || st == 3, "%s: exit %d\n%s%s", e->d_name, st, out, err);
		if (st == 0) {
			compared++;
			cr_expect(strstr(out, "prediction: hvsim linux-6.12@vmx"), "%s: not the kernel's preset\n%s",
				  e->d_name, out);
			cr_expect(strstr(out, ", kernel 6.12."), "%s: not a 6.12 outcome\n%s", e->d_name, out);
			cr_expect(strstr(out, "/cache-6.12/"), "%s: not read from cache-6.12\n%s", e->d_name, out);
		}
		free(out);
		free(err);
	}
	closedir(d);
	cr_expect_geq(compared, 20u, "only %u scenarios compared anything", compared);
}

/* @6.1 is the default cache (both references boot Debian's 6.1): the
 * same bytes as without a kernel. */
Test(ref_kernel, at_6_1_is_the_default_cache)
{
	const char *sc = src("scenarios/seed000_need_reload_host_bp.yaml");
	char *a, *b, *err;
	const char *a1[] = { "diff", sc, "--ref", "kvm-intel-bochs", NULL };
	const char *a2[] = { "diff", sc, "--ref", "kvm-intel-bochs@6.1", NULL };
	int s1 = h_hvsim_run(dir, a1, &a, &err);
	free(err);
	cr_assert_eq(h_hvsim_run(dir, a2, &b, &err), s1, "%s", err);
	cr_assert_str_eq(a, b);
	if (s1 == 0)
		cr_assert(strstr(b, "prediction: hvsim linux-6.1@vmx") && strstr(b, ", kernel 6.1.0-"), "%s", b);
	free(a);
	free(b);
	free(err);
}

/* The JSON document names the 6.12 outcome and the preset of its kernel. */
Test(ref_kernel, json_names_kernel_and_preset)
{
	const char *args[] = { "diff", src("scenarios/kvmref_exec_loop.yaml"), "--ref", "kvm-intel-bochs@6.12", "--format",
			       "json", NULL };
	char *out, *err;
	int st = h_hvsim_run(dir, args, &out, &err);
	if (st == 3)
		cr_skip_test("no 6.12 outcome: %s", err);
	cr_assert_eq(st, 0, "%s", err);
	cr_assert(strstr(out, "\"kernel\": \"6.12."), "%s", out);
	cr_assert(strstr(out, "\"policy\": \"linux-6.12\""), "%s", out);
	cr_assert(strstr(out, "\"unexplained\": 0"), "%s", out);
	free(out);
	free(err);
}

/* An outcome of another kernel is not compared: --cache pointing at the 6.1
 * cache with @6.12 (and the reverse) is a skip that says why. */
Test(ref_kernel, outcome_of_another_kernel_is_skipped)
{
	char sc[1100], cache[1100], cache612[1100];
	snprintf(sc, sizeof sc, "%s", src("scenarios/seed000_need_reload_host_bp.yaml"));
	snprintf(cache, sizeof cache, "%s", src("sim/ref/kvm-intel-bochs/cache"));
	snprintf(cache612, sizeof cache612, "%s", src("sim/ref/kvm-intel-bochs/cache-6.12"));
	char *out, *err;
	const char *a1[] = { "diff", sc, "--ref", "kvm-intel-bochs@6.12", "--cache", cache, NULL };
	cr_assert_eq(h_hvsim_run(dir, a1, &out, &err), 3, "%s%s", out, err);
	cr_assert(strstr(err, "is an outcome of kernel 6.1.0-") && strstr(err, "not Linux 6.12"), "%s", err);
	cr_assert_str_empty(out);
	free(out);
	free(err);
	const char *a2[] = { "diff", sc, "--ref", "kvm-intel-bochs@6.1", "--cache", cache612, NULL };
	cr_assert_eq(h_hvsim_run(dir, a2, &out, &err), 3, "%s%s", out, err);
	cr_assert(strstr(err, "is an outcome of kernel 6.12.") && strstr(err, "not Linux 6.1 "), "%s", err);
	free(out);
	free(err);
}

/* A kernel no cache holds: a skip naming the directory and how to fill it. */
Test(ref_kernel, missing_kernel_cache_is_a_skip)
{
	if (!access(src("sim/ref/kvm-amd-tcg/cache-6.12"), F_OK))
		cr_skip_test("kvm-amd-tcg has a 6.12 cache now");
	const char *args[] = { "diff", src("scenarios/seed000_need_reload_host_bp.yaml"), "--ref", "kvm-amd-tcg@6.12", NULL };
	char *out, *err;
	cr_assert_eq(h_hvsim_run(dir, args, &out, &err), 3, "%s%s", out, err);
	cr_assert(strstr(err, "no kvm-amd-tcg result on Linux 6.12") && strstr(err, "kvm-amd-tcg/cache-6.12") &&
		  strstr(err, "HVSIM_KVM_TCG_CACHE="), "%s", err);
	free(out);
	free(err);
}

Test(ref_kernel, usage_errors)
{
	static const struct { const char *ref, *msg; } cases[] = {
		{ "kvm-intel-bochs@", "bad kernel '' in --ref kvm-intel-bochs@" },
		{ "kvm-intel-bochs@6", "bad kernel '6'" },
		{ "kvm-intel-bochs@6..12", "bad kernel '6..12'" },
		{ "kvm-intel-bochs@6.12.", "bad kernel '6.12.'" },
		{ "kvm-intel-bochs@../6.1", "bad kernel '../6.1'" },
		{ "kvm-intel-bochs@6.12/x", "bad kernel '6.12/x'" },
		{ "kvm@6.12", "--ref kvm runs this machine's kernel" },
		{ "qemu@6.12", "unknown reference 'qemu'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[] = { "diff", src("scenarios/seed000_need_reload_host_bp.yaml"), "--ref", cases[i].ref, NULL };
		char *out, *err;
		cr_expect_eq(h_hvsim_run(dir, args, &out, &err), 2, "%s: %s", cases[i].ref, err);
		cr_expect(strstr(err, cases[i].msg), "%s: %s", cases[i].ref, err);
		cr_expect_str_empty(out);
		free(out);
		free(err);
	}
}
