/* cmd_validate.c - `hvsim validate`: load and assemble scenarios, check
 * their names (check_scenario, plan.h) and build the machine of every
 * (policy, vendor) `hvsim run` would use (sim_check: knobs, cost model,
 * memory map, registers) without running it, so that a scenario validate
 * accepts is one run accepts (issue 15 item 6). */
#include <stdlib.h>
#include <string.h>
#include "sim/cli/plan.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"

/* sim_check() on every (policy, vendor) of the scenario's own plan; the
 * first failure is printed (run stops at it too).  Returns 0 or -1. */
static int check_machines(const struct scenario *sc)
{
	struct run_opts o;
	struct plan p;
	memset(&o, 0, sizeof(o));
	if (plan_build(sc, &o, &p))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < p.pol.n && !rc; i++)
		for (size_t v = 0; v < p.nven && !rc; v++) {
			char err[ERRSZ] = "";
			struct run_config cfg = { .policy = p.pol.v[i], .vendor = p.ven[v] };
			if (sim_check(sc, &cfg, err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				rc = -1;
			}
		}
	plan_free(&p);
	return rc;
}

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
		if (check_scenario(sc, NULL) || check_machines(sc))
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
