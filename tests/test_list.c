/* test_list.c - `hvsim list knobs` and `hvsim list policies --knobs`
 * through the CLI: the knob table (debugreg/knobs.def) and the preset x knob
 * matrix reach the user, and bad arguments are usage errors (exit 2).
 * Expected names come from the sources the knobs model, not from hvsim's
 * output: `need_reload_on_set_dr` is the 2020 RFC's "every DR write sets
 * NEED_RELOAD" (seed 000, patch 2/3), `skip_dbgctl_load` seed 003's
 * VM_ENTRY_LOAD_DEBUG_CONTROLS idea, `vmx_dr6_reset_after_sync` KVM
 * 1ccb6f983a06; the presets are the kernels and proposals of
 * debugreg/policy_names.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness.h"

/* Run `hvsim ARGS...`; stdout in *out (malloc'ed), returns the exit status. */
static int list(char **out, const char *a1, const char *a2, const char *a3)
{
	char dir[256], op[300];
	h_mkdtemp(dir, sizeof(dir), "hvsim-list");
	snprintf(op, sizeof(op), "%s/out", dir);
	char *argv[] = { (char *)h_hvsim(), (char *)a1, (char *)a2, (char *)a3, NULL };
	int rc = h_spawn(argv, op, NULL);
	*out = h_slurp(op, NULL);
	cr_assert(*out, "no output file");
	h_rmtree(dir);
	return rc;
}

/* The line of `text` that starts with `word` followed by a blank. */
static const char *line_of(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == '\t'))
			return p;
	return NULL;
}

Test(list, knobs_names_every_knob_the_policies_use)
{
	char *o;
	cr_assert_eq(list(&o, "list", "knobs", NULL), 0);
	static const char *const knobs[] = { "movdr", "load", "host_restore", "need_reload_on_set_dr",
					     "skip_dbgctl_load", "vmx_dr6_reset_after_sync", "preentry_dr7" };
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		cr_expect(line_of(o, knobs[i]), "`list knobs` has no row for %s", knobs[i]);
	/* each knob row says its default and a citation of what it models */
	const char *r = line_of(o, "vmx_dr6_reset_after_sync");
	cr_assert(r);
	cr_expect(strstr(o, "1ccb6f983a06"), "the commit the knob models is cited");
	cr_expect(strstr(o, "default"), "defaults are shown");
	free(o);
}

Test(list, policies_knobs_is_the_preset_by_knob_matrix)
{
	char *o;
	cr_assert_eq(list(&o, "list", "policies", "--knobs"), 0);
	/* one row per preset: today's KVM, the 2020 RFC, the kernels */
	static const char *const presets[] = { "bp_enabled", "need_reload", "always_exit", "linux-3.15",
					       "linux-5.15", "xen" };
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		cr_expect(line_of(o, presets[i]), "no matrix row for %s", presets[i]);
	/* the header names the knob columns (at least movdr and load) */
	cr_expect(strstr(o, "movdr") && strstr(o, "load"));
	/* no line wider than 160 columns (25 knobs) */
	for (const char *p = o; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		cr_expect_leq(len, 160, "matrix line of %zu columns", len);
		p += len + (e != NULL);
	}
	free(o);
}

Test(list, plain_policies_is_unchanged_one_line_each)
{
	char *o;
	cr_assert_eq(list(&o, "list", "policies", NULL), 0);
	cr_expect(line_of(o, "bp_enabled"));
	cr_expect_null(strstr(o, "movdr"), "plain `list policies` does not print the matrix");
	free(o);
}

Test(list, bad_arguments_are_usage_errors)
{
	char *o;
	cr_expect_eq(list(&o, "list", "policies", "--bogus"), 2);
	free(o);
	cr_expect_eq(list(&o, "list", "knobz", NULL), 2);
	free(o);
	cr_expect_eq(list(&o, "list", "knobs", "extra"), 2);
	free(o);
}
