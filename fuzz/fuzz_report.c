/* fuzz_report.c - libFuzzer target: arbitrary bytes as a result JSON file
 * given to `hvsim report FILE --format F` for every format (text, md, csv,
 * json, svg, html) and event table.  It must exit 0 (rendered) or 4 (one
 * message line, docs/errors.md), never crash, leak, hang or print a
 * message broken over lines (fuzz/fuzz_util.h). */
#define _GNU_SOURCE
#include "fuzz/fuzz_util.h"

FUZZ_INIT_SETUP_ONLY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	char *path = (char *)fuzz_file("result.json", data, size);
	static char *fmts[] = { "text", "md", "csv", "json", "svg", "html" };
	for (unsigned i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char *av[] = { "report", path, "--format", fmts[i], NULL };
		if (fuzz_hvsim("04", av) == 4)
			return 0;              /* the document does not parse: same for every format */
	}
	static char *evs[] = { "dr", "db" };
	for (unsigned i = 0; i < 2; i++) {
		char *av[] = { "report", path, "--event", evs[i], "--format", "md", NULL };
		fuzz_hvsim("04", av);
	}
	return 0;
}
