/* test_names.c - finding what exists: did-you-mean for verbs, policies,
 * knobs, result fields and cost models (one rule, util_near_*), and
 * `hvsim validate` rejecting every name `hvsim run` rejects, with the same
 * message.  The command-line tests use the binary named by $HVSIM (set by
 * ctest) and are skipped without it. */
#define _GNU_SOURCE
#include "sim/util/util.h"
#include "tests/harness.h"

H_TMPDIR_SUITE(names, "hvsim-names", 60);

/* Run $HVSIM args...; returns the exit status; stderr (malloc'ed) in *err. */
static int run(char **err, const char *const *args)
{
	char errp[400], *argv[20];
	int k = 0;
	argv[k++] = (char *)h_hvsim();
	for (int i = 0; args[i] && k < 19; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	snprintf(errp, sizeof errp, "%s/stderr", dir);
	int rc = h_spawn(argv, NULL, errp);
	*err = h_slurp(errp, NULL);
	cr_assert(*err);
	return rc;
}
#define RUN(err, ...) run(err, (const char *const[]){ __VA_ARGS__, NULL })

static const char *scenario_file(const char *body)
{
	static char p[400];
	snprintf(p, sizeof p, "%s/t.yaml", dir);
	FILE *f = fopen(p, "w");
	cr_assert(f);
	fprintf(f, "version: 1\nname: t\nsummary: names\nvendor: vmx\n%sguest:\n  base: 0x1000\n  asm: |\n    hlt\n",
		body);
	cr_assert_eq(fclose(f), 0);
	return p;
}

/* validate and run both reject the scenario, with the same first line. */
static void same_rejection(const char *body, const char *frag)
{
	const char *s = scenario_file(body);
	char *ev, *er;
	int v = RUN(&ev, "validate", s), r = RUN(&er, "run", s, "-o", "/dev/null");
	cr_assert_eq(v, 4, "validate exits %d: %s", v, ev);
	cr_assert_eq(r, 4, "run exits %d: %s", r, er);
	cr_assert(strstr(ev, frag), "validate's message lacks \"%s\": %s", frag, ev);
	size_t l = strcspn(ev, "\n");
	cr_assert(!strncmp(ev, er, l + 1), "validate and run disagree:\n%s\n%s", ev, er);
	free(ev);
	free(er);
}

Test(names, one_did_you_mean_rule)
{
	struct util_near n;
	char buf[96];
	util_near_init(&n, "sumary", 6);
	util_near_offer(&n, "name");
	util_near_offer(&n, "summary");
	cr_assert_str_eq(util_near_hint(&n, buf, sizeof buf), " (did you mean 'summary'?)");
	util_near_init(&n, "xyz", 3);
	util_near_offer(&n, "summary");
	cr_assert_str_eq(util_near_hint(&n, buf, sizeof buf), "");
	/* the nearest wins */
	util_near_init(&n, "bp_enabledd", 11);
	util_near_offer(&n, "bp_enable");
	util_near_offer(&n, "bp_enabled");
	cr_assert_str_eq(n.best, "bp_enabled");
	cr_assert_eq(util_edit_distance("kitten", 6, "sitting", 7), 3);
}

Test(names, unknown_verb_suggests)
{
	char *e;
	cr_assert_eq(RUN(&e, "rnu"), 2);
	cr_assert(strstr(e, "unknown command 'rnu' (did you mean 'run'?)"), "%s", e);
	free(e);
	cr_assert_eq(RUN(&e, "help", "comapre"), 2);
	cr_assert(strstr(e, "did you mean 'compare'?"), "%s", e);
	free(e);
}

Test(names, unknown_policy_on_the_command_line_suggests)
{
	const char *s = scenario_file("");
	char *e;
	cr_assert_eq(RUN(&e, "run", s, "-p", "bp_enabeld"), 2);
	cr_assert(strstr(e, "unknown policy 'bp_enabeld' (did you mean 'bp_enabled'? see 'hvsim list policies')"), "%s", e);
	free(e);
	cr_assert_eq(RUN(&e, "compare", s, "-p", "bp_enabeld"), 2);
	cr_assert(strstr(e, "did you mean 'bp_enabled'?"), "%s", e);
	free(e);
	cr_assert_eq(RUN(&e, "sweep", s, "-p", "bp_enabeld"), 2);
	cr_assert(strstr(e, "did you mean 'bp_enabled'?"), "%s", e);
	free(e);
}

Test(names, unknown_cost_model_suggests)
{
	const char *s = scenario_file("");
	char *e;
	cr_assert_eq(RUN(&e, "run", s, "--cost", "defualt"), 4);
	cr_assert(strstr(e, "unknown cost model 'defualt' (did you mean 'default'?); bundled models: "), "%s", e);
	free(e);
}

Test(names, validate_rejects_a_policy_name_as_run_does)
{
	same_rejection("policies: [bp_enabeld]\n", "5:12: unknown policy 'bp_enabeld' (did you mean 'bp_enabled'?");
}

Test(names, validate_rejects_a_variant_base_as_run_does)
{
	same_rejection("policies: [v]\nvariants:\n  - name: v\n    base: bp_enabld\n",
		       "unknown base policy 'bp_enabld' (did you mean 'bp_enabled'?");
}

Test(names, validate_rejects_a_knob_name_as_run_does)
{
	same_rejection("policies: [v]\nvariants:\n  - name: v\n    base: bp_enabled\n    knobs: {movrd: emulate}\n",
		       "variant v: unknown knob 'movrd' (did you mean 'movdr'?); knobs: movdr, ");
}

Test(names, validate_rejects_a_knob_value_as_run_does)
{
	same_rejection("policies: [v]\nvariants:\n  - name: v\n    base: bp_enabled\n    knobs: {movdr: lazy}\n",
		       "knob movdr: unknown value 'lazy' (one of emulate");
	same_rejection("policies: [v]\nvariants:\n  - name: v\n    base: bp_enabled\n    knobs: {reload_flag: yes}\n",
		       "knob reload_flag: expected true or false");
}

Test(names, validate_rejects_a_cost_model_as_run_does)
{
	same_rejection("cpu: {model: defualt}\n", "cpu.model: unknown cost model 'defualt' (did you mean 'default'?)");
	same_rejection("cpu: {costs: {vmexit: 5}}\n", "unknown cost entry 'vmexit'");
}

Test(names, validate_rejects_an_expectation_field_with_a_suggestion)
{
	const char *s = scenario_file("expect:\n  all:\n    db.guest.mised: 0\n");
	char *e;
	cr_assert_eq(RUN(&e, "validate", s), 4);
	cr_assert(strstr(e, "unknown result field 'db.guest.mised' (did you mean 'db.guest.missed'? see 'hvsim list fields')"),
		  "%s", e);
	free(e);
	cr_assert_eq(RUN(&e, "run", s, "-o", "/dev/null"), 4);
	cr_assert(strstr(e, "did you mean 'db.guest.missed'?"), "%s", e);
	free(e);
}
