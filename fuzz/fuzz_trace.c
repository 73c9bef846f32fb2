/* fuzz_trace.c - libFuzzer target: arbitrary bytes as a JSON Lines trace
 * given to `hvsim trace FILE` in every format (text, text without
 * timestamps, chrome, svg).  Exit 0 or 4 with one message line per error
 * (fuzz/fuzz_util.h); no crash, leak or hang. */
#define _GNU_SOURCE
#include "fuzz/fuzz_util.h"

FUZZ_INIT_SETUP_ONLY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	char *path = (char *)fuzz_file("trace.jsonl", data, size);
	char *a0[] = { "trace", path, NULL };
	if (fuzz_hvsim("04", a0) == 4)
		return 0;
	char *a1[] = { "trace", path, "--no-timestamps", NULL };
	char *a2[] = { "trace", path, "--format", "chrome", NULL };
	char *a3[] = { "trace", path, "--format", "svg", NULL };
	fuzz_hvsim("04", a1);
	fuzz_hvsim("04", a2);
	fuzz_hvsim("04", a3);
	return 0;
}
