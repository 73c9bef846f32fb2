/* cli.c - the `hvsim` command line: find the verb in the one verb table
 * (sim/cli/verbs.c, kvmtool's shape) and run its handler (one file per
 * verb, sim/cli/cmd_<verb>.c), with the exit-status policy (enum
 * hvsim_exit, sim/result.h).
 *
 * Conventions: results on stdout, diagnostics on stderr as one line
 * "file:line:col: message" (usage errors as "hvsim: ..."), output files are
 * written atomically (sim/util/outfile.h), and the same input gives the
 * same bytes.  Every verb parses its options with sim/cli/verb.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cmds.h"
#include "sim/render/result_out.h"
#include "sim/util/outfile.h"

#ifndef HVSIM_VERSION
#define HVSIM_VERSION "0.0.0"
#endif

/* Output printed directly to stdout (lists, check lines) must have
 * arrived: a write error is an I/O error, reported once (an output file
 * on stdout that failed to commit has already said so). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || outfile_stdout_failed()) {
		if (!outfile_stdout_failed())
			fprintf(stderr, "-:0:0: cannot write standard output: %s\n", strerror(errno));
		return verb_worse(rc, HVSIM_EXIT_ERROR);
	}
	return rc;
}

int hvsim_main(int argc, char **argv)
{
	if (argc < 2) {
		verb_general_help(stderr);
		return HVSIM_EXIT_USAGE;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--version") == 0 || strcmp(verb, "-V") == 0) {
		printf("hvsim %s\n", HVSIM_VERSION);
		return finish_stdout(HVSIM_EXIT_OK);
	}
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
		verb_general_help(stdout);
		return finish_stdout(HVSIM_EXIT_OK);
	}
	if (verb[0] == '-')
		return verb_usage(NULL, "unknown option '%s'", verb);
	const struct cmd *c = verb_find(verb);
	if (!c)
		return verb_unknown(verb);
	int rc = c->fn(c, argc - 1, argv + 1);
	return finish_stdout(rc);
}
