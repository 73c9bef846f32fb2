/* cmd_help.c - `hvsim help [COMMAND]` and `hvsim version` (the general
 * help text itself is verb_general_help(), beside the table in verbs.c). */
#include <stdlib.h>
#include "sim/cli/cmds.h"
#include "sim/render/result_out.h"

#ifndef HVSIM_VERSION
#define HVSIM_VERSION "0.0.0"
#endif

int cmd_version(const struct cmd *c, int argc, char **argv)
{
	const char **pos;
	size_t npos;
	int rc = verb_parse_pos(c, argc, argv, &pos, &npos);
	if (rc < 0) {
		if (npos)
			rc = verb_usage(&c->spec, "version takes no arguments");
		else {
			printf("hvsim %s\n", HVSIM_VERSION);
			rc = HVSIM_EXIT_OK;
		}
	}
	free(pos);
	return rc;
}

int cmd_help(const struct cmd *c, int argc, char **argv)
{
	const char **pos;
	size_t npos;
	int rc = verb_parse_pos(c, argc, argv, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (npos == 0) {
		verb_general_help(stdout);
		rc = HVSIM_EXIT_OK;
	} else if (npos > 1) {
		rc = verb_usage(&c->spec, "help takes one COMMAND");
	} else {
		const struct cmd *t = verb_find(pos[0]);
		if (!t) {
			rc = verb_unknown(pos[0]);
		} else {
			verb_help_full(stdout, &t->spec);
			rc = HVSIM_EXIT_OK;
		}
	}
out:
	free(pos);
	return rc;
}
