/* expect.h - evaluate a scenario's `expect` entries against run results.
 *
 * Selectors: "all"; a policy or variant name; a vendor ("vmx", "svm",
 * "none"); or "POLICY@VENDOR".  Values: exact (u64 or string) or a range
 * {min, max} (either bound optional, both inclusive).  A numeric expectation
 * written as a string ("0x400") is compared as a number. */
#ifndef HVSIM_SIM_EXPECT_H
#define HVSIM_SIM_EXPECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/run.h"
#include "sim/loader/scenario.h"

/* Does `selector` select the run of `policy` on `vendor` ("vmx", ...)? */
bool expect_selector_matches(const char *selector, const char *policy, const char *vendor);

enum expect_status { EXPECT_PASS, EXPECT_FAIL, EXPECT_NO_FIELD };

struct expect_outcome {
	enum expect_status status;
	bool is_str;                   /* the field is a string */
	uint64_t got;                  /* numeric value found */
	char got_str[200];             /* string value found */
};

/* Evaluate one expectation against one run.  `sc` (may be NULL) resolves
 * labels in mem.LABEL.SIZE paths.  Returns the status (also in *out). */
enum expect_status expect_eval(const struct expectation *e, const struct scenario *sc,
			       const struct run_result *r, struct expect_outcome *out);

/* "exits.by_reason.DR_ACCESS == 1", "cycles.total in [100, 200]",
 * "db.guest.missed <= 3", "guest.stop == \"halt\"". */
/* The guest bytes a `mem.ADDR.SIZE` (or `mem.LABEL.SIZE`) expectation reads:
 * false if `e` is not a well-formed mem path. */
bool expect_mem_target(const struct expectation *e, const struct scenario *sc, uint64_t *addr, unsigned *size);

void expect_describe(const struct expectation *e, char *buf, size_t size);
/* "want 1, got 2" / "want [100, 200], got 250" / "no such field". */
void expect_explain(const struct expectation *e, const struct expect_outcome *o, char *buf, size_t size);

/* Static checks for `hvsim validate`: the selector names a known policy
 * (preset or scenario variant) and vendor, the field exists, the value has
 * the field's type, labels exist.  Returns 0, or -1 with a message (no
 * position) in err. */
int expect_check(const struct expectation *e, const struct scenario *sc, char *err, size_t errsize);

/* A policy name usable in this scenario: a preset or one of its variants. */
bool expect_policy_known(const struct scenario *sc, const char *name);
/* The parenthesis after "unknown policy 'NAME' ": "(did you mean 'X'? see
 * 'hvsim list policies')" (presets and the scenario's variants; sc may be
 * NULL), or "(see 'hvsim list policies')".  Returns buf. */
const char *expect_policy_hint(const struct scenario *sc, const char *name, char *buf, size_t n);
/* The same after "unknown result field 'F' " (see 'hvsim list fields'). */
const char *expect_field_hint(const char *field, char *buf, size_t n);

#endif
