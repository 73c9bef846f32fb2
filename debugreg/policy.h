/* policy.h - the knobs of the debug-register switching core.
 *
 * Every knob is one row of debugreg/knobs.def (type, values, default, doc,
 * citation); the enums and struct policy below are generated from it.  A
 * policy is a preset of these knobs (debugreg/policies.c, one paragraph and
 * one citation each); a scenario may define its own variant from a preset
 * plus knob overrides (`variants:`).  The knobs are exactly the places where
 * KVM's history and the seed proposals disagree
 * (shared/spec/kvm-debugreg-logic.md §8). */
#ifndef HVSIM_DEBUGREG_POLICY_H
#define HVSIM_DEBUGREG_POLICY_H
#include <stdbool.h>
#include <stdint.h>

#include "debugreg/knobs.def"

/* The enums of the ENUM knobs (enum movdr_mode, enum load_cond, enum
 * host_restore, enum regcache_mode), each value documented in knobs.def. */
#define POLICY_KNOB_ENUM_ENUM(ctype, ...) ctype { __VA_ARGS__ }; /* the values have commas */
#define POLICY_KNOB_ENUM_BOOL(ctype, ...)
#define POLICY_KNOB_ENUM_U64(ctype, ...)
#define POLICY_KNOB_ENUM(kind, field, ctype, def, label, values, ...) POLICY_KNOB_ENUM_##kind(ctype, values)
#define POLICY_KNOB_ENUMERATOR(e, name, abbrev, doc) e,
POLICY_KNOBS(POLICY_KNOB_ENUM, POLICY_KNOB_ENUMERATOR)
#undef POLICY_KNOB_ENUM_ENUM
#undef POLICY_KNOB_ENUM_BOOL
#undef POLICY_KNOB_ENUM_U64
#undef POLICY_KNOB_ENUM
#undef POLICY_KNOB_ENUMERATOR

/* The name, its description, then one member per knob (knobs.def). */
#define POLICY_KNOB_MEMBER(kind, field, ctype, ...) ctype field;
#define POLICY_KNOB_NO_VALUES(...)
struct policy {
	char name[48];                 /* "bp_enabled" */
	const char *summary;           /* one line: what it models */
	const char *ref;               /* commit or message it models */
	const char *kernel;            /* the release it is ("6.1", "not merged (2020 RFC)") */
	POLICY_KNOBS(POLICY_KNOB_MEMBER, POLICY_KNOB_NO_VALUES)
};
#undef POLICY_KNOB_MEMBER
#undef POLICY_KNOB_NO_VALUES

/* Knob table for variants and `hvsim list policies`. */
const struct policy *policy_find(const char *name);
void policy_foreach(void (*cb)(const struct policy *p, void *ctx), void *ctx);
/* Apply one knob override ("host_restore", "tif_debug_only"); -1 unknown
 * knob, -2 bad value (message in err). */
int policy_set_knob(struct policy *p, const char *knob, const char *value, char *err, unsigned errsize);
/* Describe every knob and its values (for docs and `hvsim list knobs`). */
void policy_knobs_help(void (*cb)(const char *knob, const char *values, const char *desc, void *ctx), void *ctx);

/* The knob table by index (0 .. policy_knob_count() - 1), in knobs.def order. */
unsigned policy_knob_count(void);
const char *policy_knob_name(unsigned i);
/* Knob `knob` of p, or its default when p is NULL, spelled as `knobs:`
 * accepts it ("wont_exit", "true", "0x400"); -1 unknown knob. */
int policy_knob_format(const struct policy *p, const char *knob, char *buf, unsigned bufsize);

#endif
