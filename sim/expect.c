/* expect.c - scenario expectations against run results (expect.h). */
#include "sim/expect.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy_names.h"
#include "sim/result.h"
#include "sim/util/util.h"

static bool is_vendor(const char *s, size_t n)
{
	return (n == 3 && (memcmp(s, "vmx", 3) == 0 || memcmp(s, "svm", 3) == 0 || memcmp(s, "arm", 3) == 0)) ||
	       (n == 4 && memcmp(s, "none", 4) == 0);
}

bool expect_selector_matches(const char *sel, const char *policy, const char *vendor)
{
	if (!sel || !*sel || strcmp(sel, "all") == 0)
		return true;
	const char *at = strchr(sel, '@');
	if (at) {
		size_t pn = (size_t)(at - sel);
		return strlen(policy) == pn && memcmp(sel, policy, pn) == 0 && strcmp(at + 1, vendor) == 0;
	}
	if (is_vendor(sel, strlen(sel)))
		return strcmp(sel, vendor) == 0;
	return strcmp(sel, policy) == 0;
}

bool expect_policy_known(const struct scenario *sc, const char *name)
{
	if (sc)
		for (size_t i = 0; i < sc->nvariants; i++)
			if (sc->variants[i].name && strcmp(sc->variants[i].name, name) == 0)
				return true;
	return policy_exists(name);
}

static void near_policy_cb(const char *name, const char *summary, void *ctx)
{
	(void)summary;
	util_near_offer(ctx, name);
}

static const char *hint_text(const struct util_near *near, const char *list, char *buf, size_t n)
{
	if (near->best)
		snprintf(buf, n, "(did you mean '%s'? see 'hvsim list %s')", near->best, list);
	else
		snprintf(buf, n, "(see 'hvsim list %s')", list);
	return buf;
}

const char *expect_policy_hint(const struct scenario *sc, const char *name, char *buf, size_t n)
{
	struct util_near near;
	util_near_init(&near, name, strlen(name));
	policy_list(near_policy_cb, &near);
	for (size_t i = 0; sc && i < sc->nvariants; i++)
		util_near_offer(&near, sc->variants[i].name);
	return hint_text(&near, "policies", buf, n);
}

struct near_field {
	struct util_near near;
	struct strlist seen;           /* the candidates, kept until the hint is written */
};

static int near_field_cb(void *ctx, const struct result_item *it)
{
	struct near_field *nf = ctx;
	if (!strlist_add(&nf->seen, it->path))
		util_near_offer(&nf->near, nf->seen.v[nf->seen.n - 1]);
	return 0;
}

const char *expect_field_hint(const char *field, char *buf, size_t n)
{
	static const struct run_result zero;
	struct near_field nf = { .seen = { 0 } };
	util_near_init(&nf.near, field ? field : "", field ? strlen(field) : 0);
	result_visit(&zero, near_field_cb, &nf);
	hint_text(&nf.near, "fields", buf, n);
	strlist_free(&nf.seen);
	return buf;
}

/* Fields shown in hex in messages. */
static bool hex_field(const char *f)
{
	return strncmp(f, "dr.final.", 9) == 0 || strcmp(f, "guest.rip") == 0 ||
	       strncmp(f, "guest.regs.", 11) == 0 || strncmp(f, "mem.", 4) == 0;
}

static void fmt_num(const char *field, uint64_t v, char *buf, size_t n)
{
	if (hex_field(field))
		snprintf(buf, n, "0x%" PRIx64, v);
	else
		snprintf(buf, n, "%" PRIu64, v);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

/* Split mem.ADDR.SIZE; returns false if not a mem path. */
static bool mem_parts(const char *field, char *addr, size_t asz, const char **size)
{
	if (strncmp(field, "mem.", 4) != 0)
		return false;
	const char *a = field + 4, *dot = strrchr(a, '.');
	if (!dot || dot == a || (size_t)(dot - a) >= asz)
		return false;
	memcpy(addr, a, (size_t)(dot - a));
	addr[dot - a] = '\0';
	*size = dot + 1;
	return true;
}

static bool is_hex_addr(const char *a)
{
	if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
		a += 2;
	if (!*a)
		return false;
	for (; *a; a++)
		if (!isxdigit((unsigned char)*a))
			return false;
	return true;
}

/* Rewrite mem.LABEL.SIZE to mem.0xADDR.SIZE; false if the label is unknown. */
static bool resolve_path(const char *field, const struct scenario *sc, char *out, size_t n)
{
	char addr[128];
	const char *size;
	if (mem_parts(field, addr, sizeof(addr), &size) && !is_hex_addr(addr)) {
		uint64_t a;
		if (!sc || !scenario_symbol(sc, addr, &a))
			return false;
		snprintf(out, n, "mem.0x%" PRIx64 ".%s", a, size);
		return true;
	}
	snprintf(out, n, "%s", field);
	return true;
}

bool expect_mem_target(const struct expectation *e, const struct scenario *sc, uint64_t *addr, unsigned *size)
{
	char path[256], a[128];
	const char *sz;
	if (!e->field || !resolve_path(e->field, sc, path, sizeof(path)) || !mem_parts(path, a, sizeof(a), &sz))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(a, &end, 16);
	if (errno || *end || !(sz[0] == '1' || sz[0] == '2' || sz[0] == '4' || sz[0] == '8') || sz[1])
		return false;
	*addr = v;
	*size = (unsigned)(sz[0] - '0');
	return true;
}

enum expect_status expect_eval(const struct expectation *e, const struct scenario *sc,
			       const struct run_result *r, struct expect_outcome *out)
{
	struct expect_outcome dummy;
	if (!out)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	char path[256];
	uint64_t v;
	const char *s;
	if (!e->field || !resolve_path(e->field, sc, path, sizeof(path)) ||
	    result_field(r, path, &v, &s) != 0) {
		out->status = EXPECT_NO_FIELD;
		return out->status;
	}
	bool pass;
	if (s) {
		out->is_str = true;
		snprintf(out->got_str, sizeof(out->got_str), "%s", s);
		pass = !e->is_range && e->str_value && strcmp(e->str_value, s) == 0;
	} else {
		out->got = v;
		if (e->is_range) {
			pass = (!e->has_min || v >= e->min) && (!e->has_max || v <= e->max);
		} else if (e->str_value) {
			uint64_t want;
			pass = parse_u64(e->str_value, &want) && want == v;
		} else {
			pass = v == e->value;
		}
	}
	out->status = pass ? EXPECT_PASS : EXPECT_FAIL;
	return out->status;
}

static void describe_want(const struct expectation *e, char *buf, size_t size, bool for_explain)
{
	char a[40], b[40];
	const char *f = e->field ? e->field : "?";
	if (e->is_range) {
		fmt_num(f, e->min, a, sizeof(a));
		fmt_num(f, e->max, b, sizeof(b));
		if (e->has_min && e->has_max)
			snprintf(buf, size, for_explain ? "[%s, %s]" : "in [%s, %s]", a, b);
		else if (e->has_min)
			snprintf(buf, size, ">= %s", a);
		else if (e->has_max)
			snprintf(buf, size, "<= %s", b);
		else
			snprintf(buf, size, for_explain ? "anything" : "is present");
	} else if (e->str_value) {
		uint64_t v;
		bool num = parse_u64(e->str_value, &v);
		if (for_explain)
			snprintf(buf, size, num ? "%s" : "\"%s\"", e->str_value);
		else
			snprintf(buf, size, num ? "== %s" : "== \"%s\"", e->str_value);
	} else {
		fmt_num(f, e->value, a, sizeof(a));
		snprintf(buf, size, for_explain ? "%s" : "== %s", a);
	}
}

void expect_describe(const struct expectation *e, char *buf, size_t size)
{
	char want[128];
	describe_want(e, want, sizeof(want), false);
	snprintf(buf, size, "%s %s", e->field ? e->field : "?", want);
}

void expect_explain(const struct expectation *e, const struct expect_outcome *o, char *buf, size_t size)
{
	if (o->status == EXPECT_NO_FIELD) {
		snprintf(buf, size, "no such field in this run");
		return;
	}
	char want[128], got[220];
	describe_want(e, want, sizeof(want), true);
	if (o->is_str)
		snprintf(got, sizeof(got), "\"%s\"", o->got_str);
	else
		fmt_num(e->field ? e->field : "", o->got, got, sizeof(got));
	snprintf(buf, size, "want %s, got %s", want, got);
}

static bool addr_in_guest(const struct scenario *sc, uint64_t a, uint64_t size)
{
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (a >= d->addr && a - d->addr <= d->size && d->size - (a - d->addr) >= size)
			return true;
	}
	const struct code_block *c = &sc->guest.code;
	return c->size && a >= c->base && a - c->base <= c->size && c->size - (a - c->base) >= size;
}

/* The host world's fields exist only in runs whose scenario uses it, and
 * cpus.N / vcpus.N only for CPUs and vCPUs it has (sim/machine.c). */
static int world_check(const char *f, const struct scenario *sc, char *err, size_t errsize)
{
	bool world = sc->host.ncpus || sc->guest.nvcpus || sc->host.ntasks || sc->host.sched.set;
	bool cpu = !strncmp(f, "cpus.", 5), vcpu = !strncmp(f, "vcpus.", 6);
	bool only = cpu || vcpu || !strcmp(f, "host.cpus") || !strcmp(f, "host.tasks") || !strcmp(f, "guest.vcpus") ||
		    !strncmp(f, "sched.", 6) || !strcmp(f, "host.switch_dr_writes");
	if (!only)
		return 0;
	if (!world) {
		snprintf(err, errsize, "'%s' exists only in runs of the host world (host.cpus, host.tasks, host.sched "
			 "or guest.vcpus)", f);
		return -1;
	}
	if (cpu || vcpu) {
		unsigned long n = strtoul(f + (cpu ? 5 : 6), NULL, 10);
		unsigned long have = cpu ? (unsigned long)(sc->host.ncpus ? sc->host.ncpus : 1)
					 : (unsigned long)(sc->guest.nvcpus ? sc->guest.nvcpus : 1);
		if (n >= have) {
			snprintf(err, errsize, "'%s': there is no %s %lu (the scenario has %lu)", f, cpu ? "CPU" : "vCPU", n,
				 have);
			return -1;
		}
	}
	return 0;
}

int expect_check(const struct expectation *e, const struct scenario *sc, char *err, size_t errsize)
{
	const char *sel = e->selector ? e->selector : "all";
	if (strcmp(sel, "all") != 0 && !is_vendor(sel, strlen(sel))) {
		const char *at = strchr(sel, '@');
		char pol[128];
		size_t pn = at ? (size_t)(at - sel) : strlen(sel);
		if (pn == 0 || pn >= sizeof(pol)) {
			snprintf(err, errsize, "bad selector '%s' (want all, vmx, svm, none, a policy or POLICY@VENDOR)",
				 sel);
			return -1;
		}
		memcpy(pol, sel, pn);
		pol[pn] = '\0';
		if (at && !is_vendor(at + 1, strlen(at + 1))) {
			snprintf(err, errsize, "unknown vendor '%s' in selector '%s' (want vmx, svm, arm or none)",
				 at + 1, sel);
			return -1;
		}
		if (!expect_policy_known(sc, pol)) {
			char hint[160];
			snprintf(err, errsize, "unknown policy '%s' in selector '%s' %s", pol, sel,
				 expect_policy_hint(sc, pol, hint, sizeof(hint)));
			return -1;
		}
	}

	const char *f = e->field;
	bool is_str = false;
	if (!f || !result_field_known(f, &is_str)) {
		char hint[200];
		snprintf(err, errsize, "unknown result field '%s' %s", f ? f : "", expect_field_hint(f, hint, sizeof(hint)));
		return -1;
	}
	if (world_check(f, sc, err, errsize))
		return -1;
	char addr[128];
	const char *msize;
	if (mem_parts(f, addr, sizeof(addr), &msize)) {
		uint64_t a;
		if (is_hex_addr(addr)) {
			a = strtoull(addr, NULL, 16);
		} else if (!scenario_symbol(sc, addr, &a)) {
			snprintf(err, errsize, "unknown label '%s' in '%s'", addr, f);
			return -1;
		}
		if (!addr_in_guest(sc, a, (uint64_t)atoi(msize))) {
			snprintf(err, errsize, "'%s': address 0x%" PRIx64 " is not inside guest memory", f, a);
			return -1;
		}
	}
	if (is_str) {
		if (e->is_range || !e->str_value) {
			snprintf(err, errsize, "'%s' is a string field; expect a string value", f);
			return -1;
		}
		if (strcmp(f, "guest.stop") == 0) {
			bool ok = false;
			for (int s = STOP_NONE; s <= STOP_INTERNAL; s++)
				if (strcmp(engine_stop_name((enum engine_stop)s), e->str_value) == 0)
					ok = true;
			if (!ok) {
				snprintf(err, errsize, "unknown stop reason '%s' (want halt, budget, fault, "
					 "triple_fault, invalid_opcode, unmapped, entry_failed or internal)",
					 e->str_value);
				return -1;
			}
		}
		return 0;
	}
	uint64_t v;
	if (!e->is_range && e->str_value && !parse_u64(e->str_value, &v)) {
		snprintf(err, errsize, "'%s' is a numeric field; \"%s\" is not a number", f, e->str_value);
		return -1;
	}
	if (e->is_range && e->has_min && e->has_max && e->min > e->max) {
		snprintf(err, errsize, "'%s': empty range (min %" PRIu64 " > max %" PRIu64 ")", f, e->min, e->max);
		return -1;
	}
	return 0;
}
