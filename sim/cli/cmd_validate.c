/* cmd_validate.c - `hvsim validate`: load and assemble scenarios and check
 * their names (check_scenario, plan.h) without running them. */
#include <stdlib.h>
#include "sim/cli/plan.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"

int cmd_validate(const struct cmd *c, int argc, char **argv)
{
	const char **pos;
	size_t npos;
	int rc = verb_parse_pos(c, argc, argv, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (npos == 0) {
		rc = verb_usage(&c->spec, "validate needs at least one SCENARIO");
		goto out;
	}
	rc = HVSIM_EXIT_OK;
	for (size_t i = 0; i < npos; i++) {
		char err[ERRSZ] = "";
		struct scenario *sc = scenario_load(pos[i], err, sizeof(err));
		if (!sc) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			continue;
		}
		if (check_scenario(sc, NULL))
			rc = HVSIM_EXIT_ERROR;
		else
			printf("ok: %s\n", pos[i]);
		scenario_free(sc);
	}
	fflush(stdout);
out:
	free(pos);
	return rc;
}
