/* test_arm_ref.c - reference 4 (issue 20): the AArch64 guest image, the
 * outcome format, and the simulator against the cached outcomes of real
 * KVM/arm64 (Debian's 6.1 and 6.12 arm64 cloud kernels under
 * qemu-system-aarch64 TCG with EL2, sim/ref/kvm-arm64-tcg/cache and
 * cache-6.12) - no boot here: the caches are measured by
 * sim/ref/kvm-arm64-tcg/run.sh and committed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/ref/arm_ref.h"
#include "sim/util/util.h"
#include "tests/harness.h"

static char *image_of(const struct scenario *sc, uint64_t *key)
{
	char *text = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(arm_image_write(f, sc, key, err, sizeof(err)), 0, "%s", err);
	fclose(f);
	return text;
}

/* The image holds the same bytes at the same addresses as the simulator:
 * the code page, the default stack (no `sp` in guest.regs), the entry PC,
 * the symbols; the key is its FNV-1a and does not change between writes. */
Test(arm_ref, image_is_the_guest_memory)
{
	struct scenario *sc = h_load_bundled("seed004_arm_touch_once");
	uint64_t k1, k2;
	char *a = image_of(sc, &k1), *b = image_of(sc, &k2);
	cr_assert_str_eq(a, b);
	cr_assert_eq(k1, k2);
	cr_assert_eq(k1, util_fnv1a64(UTIL_FNV_OFFSET, a, strlen(a)));
	cr_assert(strstr(a, "hvsim-arm64-image 1\nname seed004_arm_touch_once\npc 0x40000\nreg sp 0xf00000\n"), "%.200s", a);
	cr_assert(strstr(a, "\nmem 0x40000 0x1000\n"));
	cr_assert(strstr(a, "\nmem 0xef0000 0x10000\n"), "the simulator's default stack");
	/* adr x0, vectors (0x10004000), msr vbar_el1, x0 (0xd518c000): the
	 * first two words, little-endian */
	cr_assert(strstr(a, "\nd 0x0 00400010" "00c018d5"));
	cr_assert(strstr(a, "\nsym vectors 0x40800\n"));
	free(a);
	free(b);
	scenario_free(sc);
}

Test(arm_ref, outcome_format)
{
	static const char good[] =
		"hvsim-arm64-outcome 1\nkernel 6.1.0-57-cloud-arm64\nstop system_off\nmmio 10\nexit 24 10\n"
		"exit 22 11\nirq 2\nsys 622a0041 9\nx 20 1e0\nsym count a\nend\n";
	struct arm_outcome *o = calloc(1, sizeof(*o));
	char err[256];
	cr_assert_eq(arm_outcome_read(good, strlen(good), o, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(o->kernel, "6.1.0-57-cloud-arm64");
	cr_assert_str_eq(o->stop, "system_off");
	cr_assert_eq(o->mmio, 10u);
	cr_assert_eq(o->exits[24], 10u);
	cr_assert_eq(o->exits[22], 11u);
	cr_assert_eq(o->irq, 2u);
	cr_assert(o->nsys == 1 && o->sys[0].esr == 0x622a0041u && o->sys[0].n == 9);
	cr_assert_eq(o->x[20], 0x1e0u);
	cr_assert(o->nsym == 1 && !strcmp(o->sym[0].name, "count") && o->sym[0].val == 10);
	static const char bad[] = "hvsim-arm64-outcome 1\nkernel x\nexit 99 1\nend\n";
	cr_assert_eq(arm_outcome_read(bad, strlen(bad), o, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "3: not an hvsim-arm64-outcome line");
	static const char cut[] = "hvsim-arm64-outcome 1\nkernel x\n";
	cr_assert_eq(arm_outcome_read(cut, strlen(cut), o, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "2: the outcome has no \"end\" line");
	cr_assert(!o->has_order);
	/* the exit order: letters of arm_ref.h, "-" for none, once */
	static const char ord[] = "hvsim-arm64-outcome 1\nkernel x\norder AWIRH\nend\n";
	cr_assert_eq(arm_outcome_read(ord, strlen(ord), o, err, sizeof(err)), 0, "%s", err);
	cr_assert(o->has_order);
	cr_assert_str_eq(o->order, "AWIRH");
	static const char none[] = "hvsim-arm64-outcome 1\norder -\nend\n";
	cr_assert_eq(arm_outcome_read(none, strlen(none), o, err, sizeof(err)), 0, "%s", err);
	cr_assert(o->has_order && !o->order[0]);
	static const char *const bad_orders[] = { "order AWZ", "order -W", "order ", "order AW\norder AW" };
	for (size_t i = 0; i < 4; i++) {
		char t[128];
		snprintf(t, sizeof(t), "hvsim-arm64-outcome 1\n%s\nend\n", bad_orders[i]);
		cr_assert_eq(arm_outcome_read(t, strlen(t), o, err, sizeof(err)), -1, "%s", bad_orders[i]);
	}
	free(o);
}

/* The seed 004 scenarios on Arm against real KVM/arm64 6.1 and 6.12: every
 * compared field the same (the exits in order and per class, trapped
 * accesses per register and direction, X0-X30, the guest's memory at its
 * symbols, with the reference's IRQ exits replayed at their places;
 * stage-2 page-in aborts are the documented divergence), under the preset
 * of the reference's kernel (arm64_dirty for both).  @6.1 names the default
 * cache. */
Test(arm_ref, seed004_scenarios_match_real_kvm_arm64)
{
	static const char *const names[] = { "seed004_arm_touch_once", "seed004_arm_mde_set", "seed004_arm_host_wp" };
	static const char *const kernels[] = { NULL, "6.1", "6.12" };
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < 3; i++) {
			char path[1024], *text = NULL;
			size_t len = 0;
			snprintf(path, sizeof(path), "%s/scenarios/%s.yaml", util_source_dir(), names[i]);
			FILE *f = open_memstream(&text, &len);
			int rc = arm_ref_diff(path, NULL, NULL, kernels[k], false, f);
			fclose(f);
			cr_assert_eq(rc, 0, "%s@%s: exit %d\n%s", names[i], kernels[k], rc, text);
			cr_assert(strstr(text, " 0 different"), "%s", text);
			cr_assert(strstr(text, "exits.order (1 = same sequence)"), "%s", text);
			cr_assert(strstr(text, "(arm64_dirty@arm)"), "%s", text);
			cr_assert(strstr(text, k == 2 ? "6.12.95+deb12-cloud-arm64" : "6.1.0-57-cloud-arm64"), "%s", text);
			free(text);
		}
}

/* The IRQ replay is what makes seed004_arm_touch_once's 6.1 outcome agree:
 * its host timer interrupt came right after the trapped write ("AWIR..."),
 * the hyp's switch back cleared DEBUG_DIRTY, the next run had TDA set and
 * the first MRS trapped too - 10 trapped reads, not the 9 of a run without
 * that interrupt.  The same outcome without its order line (no replay)
 * shows the difference. */
Test(arm_ref, irq_after_the_write_costs_one_more_trapped_read)
{
	char path[1024], src[1100], dir[] = "/tmp/hvsim-armref-XXXXXX", dst[1100];
	snprintf(path, sizeof(path), "%s/scenarios/seed004_arm_touch_once.yaml", util_source_dir());
	snprintf(src, sizeof(src), "%s/sim/ref/kvm-arm64-tcg/cache/d019ea4a104109f4.out", util_source_dir());
	size_t len = 0;
	char *text = util_read_file(src, 1 << 20, &len);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\norder AWIR"), "the cached outcome has the IRQ right after the write");
	cr_assert(strstr(text, "\nsys 622a0281 10\n"), "10 trapped reads of DBGBCR0_EL1");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(dst, sizeof(dst), "%s/d019ea4a104109f4.out", dir);
	FILE *w = fopen(dst, "w");
	cr_assert_not_null(w);
	for (char *l = text, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (strncmp(l, "order ", 6))
			fwrite(l, 1, (size_t)(nl - l + 1), w);
	}
	fclose(w);
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	int rc = arm_ref_diff(path, NULL, dir, NULL, false, f);
	fclose(f);
	cr_assert_eq(rc, 5, "%s", out);
	cr_assert(strstr(out, "arm.traps.read.dbgbcr0_el1                              9                   10  DIFFERENT"),
		  "%s", out);
	remove(dst);
	rmdir(dir);
	free(out);
	free(text);
}

/* --ref kvm-arm64-tcg@KERNEL: a kernel without a cache directory is a skip
 * (exit 3) that says how to measure it; an outcome of another kernel (the
 * 6.1 cache read as 6.12's through --cache) is skipped too. */
Test(arm_ref, another_kernel_is_skipped)
{
	char path[1024], cache[1100], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/scenarios/seed004_arm_touch_once.yaml", util_source_dir());
	FILE *f = open_memstream(&text, &len);
	cr_assert_eq(arm_ref_diff(path, NULL, NULL, "9.99", false, f), 3);
	snprintf(cache, sizeof(cache), "%s/sim/ref/kvm-arm64-tcg/cache", util_source_dir());
	cr_assert_eq(arm_ref_diff(path, NULL, cache, "6.12", false, f), 3);
	fclose(f);
	cr_assert_eq(len, 0u, "%s", text);
	free(text);
}
