/* test_kvm_ref_kernel.c - `hvsim diff --ref REF@KERNEL` (docs/kvm-reference.md,
 * "Another kernel"): a booted reference's outcomes on another kernel, read
 * from sim/ref/REF/cache-KERNEL, compared like with like (issue 13: "diff
 * should pick the preset that matches the reference's kernel").
 *
 * Expected values: the kernel each cached outcome records (`kernel` line,
 * the `uname -r` of the booted Debian kernel: 6.12.95+deb12-cloud-amd64 in
 * both references' cache-6.12, 6.1.0-5x-cloud-amd64 in cache), the presets
 * named after those kernels, and the exit statuses docs/kvm-reference.md
 * documents. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

H_TMPDIR_SUITE(ref_kernel, "hvsim-refkernel", 600);

static const char *src(const char *rel)
{
	static char p[2][1024];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof p[k], "%s/%s", h_srcdir(), rel);
	return p[k];
}

/* Every bundled scenario against REF@6.12, predicted with linux-6.12 on
 * VENDOR: no unexplained difference (exit 0), or nothing to compare (exit
 * 3: host code snippets, no outcome, a documented skip), like the 6.1 caches
 * (tests/test_kvm_reference.c).  Returns how many compared anything. */
static unsigned every_scenario_in(const char *sub, const char *ref, const char *vendor)
{
	char dirpath[1100];
	snprintf(dirpath, sizeof dirpath, "%s", src(sub));
	DIR *d = opendir(dirpath);
	cr_assert(d);
	unsigned compared = 0;
	char want_pred[64], want_cache[64];
	snprintf(want_pred, sizeof want_pred, "prediction: hvsim linux-6.12@%s", vendor);
	snprintf(want_cache, sizeof want_cache, "/sim/ref/%.*s/cache-6.12/", (int)strcspn(ref, "@"), ref);
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		char file[1300];
		snprintf(file, sizeof file, "%s/%s", dirpath, e->d_name);
		char *out, *err;
		const char *args[] = { "diff", file, "--ref", ref, NULL };
		int st = h_hvsim_run(dir, args, &out, &err);
		cr_expect(st == 0 || st == 3, "%s %s: exit %d\n%s%s", ref, e->d_name, st, out, err);
		if (st == 0) {
			compared++;
			cr_expect(strstr(out, want_pred), "%s %s: not the kernel's preset\n%s", ref, e->d_name, out);
			cr_expect(strstr(out, ", kernel 6.12."), "%s %s: not a 6.12 outcome\n%s", ref, e->d_name, out);
			cr_expect(strstr(out, want_cache), "%s %s: not read from %s\n%s", ref, e->d_name, want_cache, out);
			cr_expect(strstr(out, " 0 unexplained differences"), "%s %s\n%s", ref, e->d_name, out);
		}
		free(out);
		free(err);
	}
	closedir(d);
	return compared;
}

static unsigned every_bundled_scenario(const char *ref, const char *vendor)
{
	return every_scenario_in("scenarios", ref, vendor);
}

/* Issue 13's "done when" for the second kernel: kvm_intel of Linux 6.12
 * under Bochs (23 scenarios with an outcome; bochs-guestdbg skips two). */
Test(ref_kernel, every_bundled_scenario_against_intel_6_12)
{
	unsigned compared = every_bundled_scenario("kvm-intel-bochs@6.12", "vmx");
	cr_expect_geq(compared, 20u, "only %u scenarios compared anything", compared);
}

/* The conformance set on kvm_intel 6.12 (issue 12): the 16 scenarios
 * without guest.user have outcomes; all but selftest_debug_regs_single_step
 * (bochs-guestdbg) compare, with the known divergences of 6.1
 * (sim/ref/recorded.def). */
Test(ref_kernel, conformance_set_against_intel_6_12)
{
	cr_expect_eq(every_scenario_in("scenarios/conformance", "kvm-intel-bochs@6.12", "vmx"), 15u);
}

/* The conformance set on kvm_amd 6.12 under QEMU TCG (measured in session 4
 * with run.sh's 6.12 variables, docs/kvm-reference.md): the 16 scenarios
 * without guest.user have outcomes; kut_debug and xtf_xsa308 skip as on 6.1
 * (tcg-no-icebp: QEMU has no INT1), the other 14 compare with the known
 * divergences of 6.1 and nothing unexplained. */
Test(ref_kernel, conformance_set_against_amd_6_12)
{
	cr_expect_eq(every_scenario_in("scenarios/conformance", "kvm-amd-tcg@6.12", "svm"), 14u);
}

/* The same for kvm_amd of Linux 6.12 under QEMU TCG (cache-6.12: the 28
 * images of the 6.1 cache; 26 bundled scenarios among them, two of which
 * are host code and cannot run). */
Test(ref_kernel, every_bundled_scenario_against_amd_6_12)
{
	unsigned compared = every_bundled_scenario("kvm-amd-tcg@6.12", "svm");
	cr_expect_geq(compared, 24u, "only %u scenarios compared anything", compared);
}

/* @6.1 is the default cache (both references boot Debian's 6.1): the
 * same bytes as without a kernel. */
Test(ref_kernel, at_6_1_is_the_default_cache)
{
	static const struct { const char *ref, *ref61, *pred; } refs[] = {
		{ "kvm-intel-bochs", "kvm-intel-bochs@6.1", "prediction: hvsim linux-6.1@vmx" },
		{ "kvm-amd-tcg", "kvm-amd-tcg@6.1", "prediction: hvsim linux-6.1@svm" },
	};
	const char *sc = src("scenarios/seed000_need_reload_host_bp.yaml");
	for (size_t i = 0; i < 2; i++) {
		char *a, *b, *err;
		const char *a1[] = { "diff", sc, "--ref", refs[i].ref, NULL };
		const char *a2[] = { "diff", sc, "--ref", refs[i].ref61, NULL };
		int s1 = h_hvsim_run(dir, a1, &a, &err);
		free(err);
		cr_assert_eq(h_hvsim_run(dir, a2, &b, &err), s1, "%s", err);
		cr_assert_str_eq(a, b);
		cr_assert_eq(s1, 0, "%s", err);
		cr_assert(strstr(b, refs[i].pred) && strstr(b, ", kernel 6.1.0-"), "%s", b);
		free(a);
		free(b);
		free(err);
	}
}

/* The JSON document names the 6.12 outcome and the preset of its kernel,
 * on both booted references. */
Test(ref_kernel, json_names_kernel_and_preset)
{
	static const char *const refs[] = { "kvm-intel-bochs@6.12", "kvm-amd-tcg@6.12" };
	for (size_t i = 0; i < 2; i++) {
		const char *args[] = { "diff", src("scenarios/kvmref_exec_loop.yaml"), "--ref", refs[i], "--format", "json",
				       NULL };
		char *out, *err;
		cr_assert_eq(h_hvsim_run(dir, args, &out, &err), 0, "%s: %s", refs[i], err);
		cr_expect(strstr(out, "\"kernel\": \"6.12."), "%s", out);
		cr_expect(strstr(out, "\"policy\": \"linux-6.12\""), "%s", out);
		cr_expect(strstr(out, "\"unexplained\": 0"), "%s", out);
		free(out);
		free(err);
	}
}

/* An outcome of another kernel is not compared: --cache pointing at the 6.1
 * cache with @6.12 (and the reverse) is a skip that says why, on both
 * booted references. */
Test(ref_kernel, outcome_of_another_kernel_is_skipped)
{
	static const char *const refs[] = { "kvm-intel-bochs", "kvm-amd-tcg" };
	for (size_t i = 0; i < 2; i++) {
		char sc[1100], cache[1100], cache612[1100], r612[64], r61[64], rel[64];
		snprintf(sc, sizeof sc, "%s", src("scenarios/seed000_need_reload_host_bp.yaml"));
		snprintf(rel, sizeof rel, "sim/ref/%s/cache", refs[i]);
		snprintf(cache, sizeof cache, "%s", src(rel));
		snprintf(rel, sizeof rel, "sim/ref/%s/cache-6.12", refs[i]);
		snprintf(cache612, sizeof cache612, "%s", src(rel));
		snprintf(r612, sizeof r612, "%s@6.12", refs[i]);
		snprintf(r61, sizeof r61, "%s@6.1", refs[i]);
		char *out, *err;
		const char *a1[] = { "diff", sc, "--ref", r612, "--cache", cache, NULL };
		cr_assert_eq(h_hvsim_run(dir, a1, &out, &err), 3, "%s%s", out, err);
		cr_assert(strstr(err, "is an outcome of kernel 6.1.0-") && strstr(err, "not Linux 6.12"), "%s", err);
		cr_assert_str_empty(out);
		free(out);
		free(err);
		const char *a2[] = { "diff", sc, "--ref", r61, "--cache", cache612, NULL };
		cr_assert_eq(h_hvsim_run(dir, a2, &out, &err), 3, "%s%s", out, err);
		cr_assert(strstr(err, "is an outcome of kernel 6.12.") && strstr(err, "not Linux 6.1 "), "%s", err);
		free(out);
		free(err);
	}
}

/* A kernel no cache holds (Linux 6.6: neither reference booted it): a skip
 * naming the directory and how to fill it. */
Test(ref_kernel, missing_kernel_cache_is_a_skip)
{
	cr_assert(access(src("sim/ref/kvm-amd-tcg/cache-6.6"), F_OK), "a 6.6 cache exists now: pick another kernel");
	const char *args[] = { "diff", src("scenarios/seed000_need_reload_host_bp.yaml"), "--ref", "kvm-amd-tcg@6.6", NULL };
	char *out, *err;
	cr_assert_eq(h_hvsim_run(dir, args, &out, &err), 3, "%s%s", out, err);
	cr_assert(strstr(err, "no kvm-amd-tcg result on Linux 6.6") && strstr(err, "kvm-amd-tcg/cache-6.6") &&
		  strstr(err, "HVSIM_KVM_TCG_CACHE="), "%s", err);
	cr_assert_str_empty(out);
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
