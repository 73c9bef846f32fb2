/* test_fuzz_regressions.c - replay the inputs under tests/fuzz-regressions/
 * through the fuzz targets' own entry points (fuzz/fuzz_scenario.c,
 * fuzz/fuzz_guest.c, fuzz/fuzz_outcome.c are compiled into this test with their
 * LLVMFuzzer* functions renamed).  A target aborts on any finding (bad
 * error-message shape, refused run, internal error, a run without a stop
 * reason), so a regression crashes its test; under the ASan build memory
 * errors and leaks are caught as in the fuzzer.
 *
 * Needs HVSIM_SOURCE_DIR (set by CTest). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LLVMFuzzerInitialize scenario_fuzz_init
#define LLVMFuzzerTestOneInput scenario_fuzz_one
#include "fuzz/fuzz_scenario.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize guest_fuzz_init
#define LLVMFuzzerTestOneInput guest_fuzz_one
#include "fuzz/fuzz_guest.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput outcome_fuzz_one
#include "fuzz/fuzz_outcome.c"
#undef LLVMFuzzerTestOneInput

static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	cr_assert(buf);
	*n = len;
	return buf;
}

/* Replay every file of tests/fuzz-regressions/SUB; returns how many. */
static unsigned replay(const char *sub, int (*one)(const uint8_t *, size_t))
{
	const char *src = getenv("HVSIM_SOURCE_DIR");
	cr_assert(src && *src, "HVSIM_SOURCE_DIR is not set");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/fuzz-regressions/%s", src, sub);
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	unsigned n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len;
		char *buf = read_all(path, &len);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_log_info("replaying %s (%zu bytes)", path, len);
		one((const uint8_t *)buf, len);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* A hang that came back would show here (the fuzzers' limit is 30 s
		 * per input, scripts/fuzz.sh). */
		cr_expect_lt(t1.tv_sec - t0.tv_sec, 30, "%s took %ld s", path, (long)(t1.tv_sec - t0.tv_sec));
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

Test(fuzz_regressions, scenario_inputs, .timeout = 300)
{
	/* no scenario_fuzz_init(): the assembler cache stays the user's */
	unsigned n = replay("scenario", scenario_fuzz_one);
	cr_assert_gt(n, 0, "no scenario regression inputs found");
}

Test(fuzz_regressions, guest_inputs, .timeout = 300)
{
	int argc = 1;
	char *args[] = { "test_fuzz_regressions", NULL }, **argv = args;
	guest_fuzz_init(&argc, &argv);
	unsigned n = replay("guest", guest_fuzz_one);
	cr_assert_gt(n, 0, "no guest regression inputs found");
}

Test(fuzz_regressions, outcome_inputs, .timeout = 300)
{
	unsigned n = replay("outcome", outcome_fuzz_one);
	cr_assert_gt(n, 0, "no outcome regression inputs found");
}
