/* scenario_guest.c - the scenario schema, `guest:` (mode, base, code,
 * entry, data regions, registers, limits).  See scenarios/README.md. */
#define _GNU_SOURCE
#include "sim/loader/scenario_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct regdef {
	const char *name;
	int group;                     /* registers sharing storage */
	bool is32;                     /* 32-bit name: value must fit 32 bits */
	bool only64;                   /* r8-r15: not in 32-bit mode */
};

static const struct regdef regdefs[] = {
	{ "rax", 0, false, false }, { "rbx", 1, false, false }, { "rcx", 2, false, false },
	{ "rdx", 3, false, false }, { "rsi", 4, false, false }, { "rdi", 5, false, false },
	{ "rbp", 6, false, false }, { "rsp", 7, false, false },
	{ "r8", 8, false, true }, { "r9", 9, false, true }, { "r10", 10, false, true },
	{ "r11", 11, false, true }, { "r12", 12, false, true }, { "r13", 13, false, true },
	{ "r14", 14, false, true }, { "r15", 15, false, true },
	{ "rflags", 16, false, false }, { "cr0", 17, false, false }, { "cr4", 18, false, false },
	{ "eax", 0, true, false }, { "ebx", 1, true, false }, { "ecx", 2, true, false },
	{ "edx", 3, true, false }, { "esi", 4, true, false }, { "edi", 5, true, false },
	{ "ebp", 6, true, false }, { "esp", 7, true, false },
};
#define NREGDEFS (sizeof regdefs / sizeof regdefs[0])

/* A register map (guest.regs, guest.vcpus[i].regs) into *out. */
static void parse_regs(struct ydoc *c, yaml_node_t *n, int mode, const char *path, struct reg_init **out,
		       size_t *nout)
{
	y_need_map(c, n, path);
	y_check_keys(c, n, path, NULL);
	*out = y_calloc(c, y_npairs(n), sizeof **out);
	struct srcpos seen_pos[19];
	const char *seen_name[19];
	for (size_t i = 0; i < 19; i++)
		seen_name[i] = NULL;
	Y_FOR_PAIRS(n, kp) {
		yaml_node_t *k = y_node(c, kp->key);
		char b[80], q[64];
		const struct regdef *rd = NULL;
		for (size_t i = 0; i < NREGDEFS; i++)
			if (y_is(k, regdefs[i].name))
				rd = &regdefs[i];
		if (!rd)
			y_fail(c, k, "unknown register '%s' in %s (valid: rax rbx rcx rdx rsi rdi "
			       "rbp rsp r8-r15 rflags cr0 cr4 eax ebx ecx edx esi edi ebp esp)",
			       y_shown(y_sval(k), y_slen(k), b, sizeof b), path);
		if (rd->only64 && mode == 32)
			y_fail(c, k, "register %s does not exist in 32-bit mode (guest.mode is 32)", rd->name);
		if (seen_name[rd->group])
			y_fail(c, k, "%s: %s and %s are the same register (%s given at %d:%d)", path,
			       rd->name, seen_name[rd->group], seen_name[rd->group],
			       seen_pos[rd->group].line, seen_pos[rd->group].col);
		seen_name[rd->group] = rd->name;
		seen_pos[rd->group] = y_pos(k);
		struct reg_init *r = &(*out)[(*nout)++];
		r->pos = y_pos(k);
		r->name = y_strndup(c, rd->name, strlen(rd->name));
		snprintf(q, sizeof q, "%s.%s", path, rd->name);
		yaml_node_t *v = y_node(c, kp->value);
		r->value = y_get_uint(c, v, q);
		if ((rd->is32 || mode == 32) && r->value > 0xffffffffULL)
			y_fail(c, v, "%s is out of range: 0x%" PRIx64 " does not fit in 32 bits", q, r->value);
	}
}

/* guest.regs of an aarch64 guest (issue 20): X0-X30, SP, VBAR_EL1 and
 * CONTEXTIDR_EL1 (what cpu/engine/a64.c a64_reg_by_name sets). */
static void parse_regs_a64(struct ydoc *c, yaml_node_t *n)
{
	struct scenario *sc = c->user;
	y_need_map(c, n, "guest.regs");
	y_check_keys(c, n, "guest.regs", NULL);
	sc->guest.regs = y_calloc(c, y_npairs(n), sizeof *sc->guest.regs);
	Y_FOR_PAIRS(n, kp) {
		yaml_node_t *k = y_node(c, kp->key);
		char b[80], q[64], name[24];
		const char *s = y_sval(k);
		size_t len = y_slen(k);
		bool ok = len < sizeof(name);
		if (ok) {
			memcpy(name, s, len);
			name[len] = 0;
			char *end = NULL;
			long x = (name[0] == 'x' && name[1] >= '0' && name[1] <= '9' &&
				  (name[1] != '0' || !name[2])) ? strtol(name + 1, &end, 10) : -1;
			ok = (x >= 0 && x <= 30 && end && !*end) || !strcmp(name, "sp") ||
			     !strcmp(name, "vbar_el1") || !strcmp(name, "contextidr_el1");
		}
		if (!ok)
			y_fail(c, k, "unknown register '%s' in guest.regs (valid for aarch64: x0-x30 sp vbar_el1 "
			       "contextidr_el1)", y_shown(s, len, b, sizeof b));
		for (size_t j = 0; j < sc->guest.nregs; j++)
			if (!strcmp(sc->guest.regs[j].name, name))
				y_fail(c, k, "guest.regs: %s is given twice (first at %d:%d)", name,
				       sc->guest.regs[j].pos.line, sc->guest.regs[j].pos.col);
		struct reg_init *r = &sc->guest.regs[sc->guest.nregs++];
		r->pos = y_pos(k);
		r->name = y_strndup(c, name, len);
		snprintf(q, sizeof q, "guest.regs.%s", name);
		r->value = y_get_uint(c, y_node(c, kp->value), q);
	}
}

static void parse_limits(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "instructions", "cycles", "on_budget", NULL };
	static const char *const budget_names[] = { "error", "stop", NULL };
	struct scenario *sc = c->user;
	y_need_map(c, n, "guest.limits");
	y_check_keys(c, n, "guest.limits", keys);
	yaml_node_t *x;
	if ((x = y_find(c, n, "instructions", NULL)))
		sc->guest.max_instructions = y_get_uint_range(c, x, "guest.limits.instructions", 1, UINT64_MAX);
	if ((x = y_find(c, n, "cycles", NULL)))
		sc->guest.max_cycles = y_get_uint_range(c, x, "guest.limits.cycles", 1, UINT64_MAX);
	if ((x = y_find(c, n, "on_budget", NULL)))
		sc->guest.budget_ok = y_get_choice(c, x, "guest.limits.on_budget", budget_names) == 1;
}

static void parse_data(struct ydoc *c, yaml_node_t *n, int mode)
{
	static const char *const keys[] = { "addr", "size", "bytes", NULL };
	struct scenario *sc = c->user;
	uint64_t data_total = 0;
	y_need_seq(c, n, "guest.data");
	sc->guest.data = y_calloc(c, y_nitems(n), sizeof *sc->guest.data);
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct data_region *r = &sc->guest.data[i];
		sc->guest.ndata = i + 1;
		char p[64], q[96];
		y_idxpath(p, sizeof p, "guest.data", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		y_require(c, m, p, "addr");
		r->pos = y_pos(m);
		yaml_node_t *an = y_find(c, m, "addr", NULL), *sn = y_find(c, m, "size", NULL);
		yaml_node_t *bn = y_find(c, m, "bytes", NULL);
		y_subpath(q, sizeof q, p, "addr");
		r->addr = y_get_uint(c, an, q);
		scn_check_addr(c, an, q, r->addr, mode);
		if (!sn && !bn)
			y_fail(c, m, "%s needs 'size' or 'bytes'", p);
		if (bn) {
			y_subpath(q, sizeof q, p, "bytes");
			y_get_hex(c, bn, q, MAX_REGION_SIZE, &r->bytes, &r->nbytes);
			if (!r->nbytes)
				y_fail(c, bn, "%s is empty", q);
			r->size = r->nbytes;
		}
		if (sn) {
			y_subpath(q, sizeof q, p, "size");
			r->size = y_get_uint(c, sn, q);
			if (!r->size)
				y_fail(c, sn, "%s must be at least 1", q);
			if (r->size > MAX_REGION_SIZE)
				y_fail(c, sn, "%s 0x%" PRIx64 " is out of range (at most %u MiB per region)",
				       q, r->size, MAX_REGION_SIZE >> 20);
			if (bn && r->nbytes > r->size)
				y_fail(c, bn, "%s.bytes has %zu bytes, more than its size %" PRIu64, p,
				       r->nbytes, r->size);
		}
		data_total += r->size;
		if (data_total > MAX_DATA_TOTAL)
			y_fail(c, m, "%s is out of range: guest data regions exceed %u MiB in total", p,
			       MAX_DATA_TOTAL >> 20);
		scn_check_span(c, an, p, r->addr, r->size, mode);
	}
}

/* An address or an assembler label (guest.entry, guest.user.entry,
 * guest.vcpus[i].entry). */
static uint64_t addr_or_label(struct ydoc *c, yaml_node_t *x, const char *what)
{
	struct scenario *sc = c->user;
	char b[128];
	uint64_t a = 0;
	if (!y_is_plain(x) || y_is_null(x))
		y_fail(c, x, "expected an address or a label for %s, got %s", what, y_describe(x, b, sizeof b));
	char ch = y_sval(x)[0];
	if ((ch >= '0' && ch <= '9') || ch == '-')
		return y_get_uint(c, x, what);
	char *label = y_get_string(c, x, what);
	bool found = scenario_symbol(sc, label, &a);
	free(label);
	if (!found)
		y_fail(c, x, "unknown label '%s' for %s%s", y_shown(y_sval(x), y_slen(x), b, sizeof b), what,
		       sc->guest.code.asm_text ? "" : " (code given as hex has no labels)");
	return a;
}

static bool in_data(const struct scenario *sc, uint64_t a, uint64_t n)
{
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		const struct data_region *d = &sc->guest.data[i];
		if (a >= d->addr && a - d->addr < d->size && n <= d->size - (a - d->addr))
			return true;
	}
	return false;
}

/* guest.user: code at CPL 3 (issue 12 item 4). */
#define USER_TABLES_SIZE 0xA8u      /* GDT (7 entries) + 64-bit TSS (0x68), run.c */
static void parse_user(struct ydoc *c, yaml_node_t *n, int mode)
{
	static const char *const keys[] = { "entry", "stack", "tables", NULL };
	struct scenario *sc = c->user;
	y_need_map(c, n, "guest.user");
	y_check_keys(c, n, "guest.user", keys);
	y_require(c, n, "guest.user", "entry");
	y_require(c, n, "guest.user", "stack");
	y_require(c, n, "guest.user", "tables");
	sc->guest.has_user = true;
	sc->guest.user_pos = y_pos(n);
	yaml_node_t *x = y_find(c, n, "entry", NULL);
	sc->guest.user_entry = addr_or_label(c, x, "guest.user.entry");
	if (!scn_block_has(&sc->guest.code, sc->guest.user_entry) && !in_data(sc, sc->guest.user_entry, 1))
		y_fail(c, x, "guest.user.entry 0x%" PRIx64 " is outside the guest code and data regions",
		       sc->guest.user_entry);
	x = y_find(c, n, "stack", NULL);
	sc->guest.user_stack = y_get_uint(c, x, "guest.user.stack");
	scn_check_addr(c, x, "guest.user.stack", sc->guest.user_stack, mode);
	x = y_find(c, n, "tables", NULL);
	sc->guest.user_tables = y_get_uint(c, x, "guest.user.tables");
	if (sc->guest.user_tables & 7)
		y_fail(c, x, "guest.user.tables 0x%" PRIx64 " must be 8-byte aligned", sc->guest.user_tables);
	if (!in_data(sc, sc->guest.user_tables, USER_TABLES_SIZE))
		y_fail(c, x, "guest.user.tables 0x%" PRIx64 ": its 0x%x bytes (GDT and TSS) must lie inside one "
		       "guest.data region", sc->guest.user_tables, USER_TABLES_SIZE);
}

/* guest.vcpus: an SMP guest, one item per vCPU (scenarios/README.md "The
 * host world").  Each starts at its own entry (default guest.entry) with
 * guest.regs and then its own regs; its thread starts on `cpu` (checked
 * against host.cpus once that is known, scn_check_world). */
#define SCN_MAX_VCPUS 8
static void parse_vcpus(struct ydoc *c, yaml_node_t *n, int mode)
{
	static const char *const keys[] = { "entry", "cpu", "regs", NULL };
	struct scenario *sc = c->user;
	y_need_seq(c, n, "guest.vcpus");
	size_t cnt = y_nitems(n);
	if (cnt < 1 || cnt > SCN_MAX_VCPUS)
		y_fail(c, n, "guest.vcpus has %zu items: give 1 to %d vCPUs", cnt, SCN_MAX_VCPUS);
	if (sc->guest.has_user)
		y_fail(c, n, "guest.vcpus: an SMP guest cannot use guest.user (one TSS and one kernel stack)");
	sc->guest.vcpus_pos = y_pos(n);
	sc->guest.vcpus = y_calloc(c, cnt, sizeof *sc->guest.vcpus);
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct vcpu_spec *v = &sc->guest.vcpus[i];
		sc->guest.nvcpus = i + 1;
		char p[64], q[96];
		y_idxpath(p, sizeof p, "guest.vcpus", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		v->pos = y_pos(m);
		v->entry = sc->guest.entry;
		v->cpu = -1;
		yaml_node_t *x;
		if ((x = y_find(c, m, "entry", NULL))) {
			y_subpath(q, sizeof q, p, "entry");
			v->entry = addr_or_label(c, x, q);
			if (!scn_block_has(&sc->guest.code, v->entry) && !in_data(sc, v->entry, 1))
				y_fail(c, x, "%s 0x%" PRIx64 " is outside the guest code and data regions", q, v->entry);
		}
		if ((x = y_find(c, m, "cpu", NULL))) {
			y_subpath(q, sizeof q, p, "cpu");
			v->cpu = (int)y_get_uint_range(c, x, q, 0, 255);
			v->pos = y_pos(x);
		}
		if ((x = y_find(c, m, "regs", NULL))) {
			y_subpath(q, sizeof q, p, "regs");
			parse_regs(c, x, mode, q, &v->regs, &v->nregs);
		}
	}
}

void scn_parse_guest(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "mode", "base", "asm", "code", "entry", "data", "regs",
					    "limits", "user", "vcpus", NULL };
	struct scenario *sc = c->user;
	char b[128];
	y_need_map(c, n, "guest");
	y_check_keys(c, n, "guest", keys);
	y_require(c, n, "guest", "base");
	yaml_node_t *x;
	sc->guest.mode = 64;
	if ((x = y_find(c, n, "mode", NULL))) {
		uint64_t m = y_get_uint(c, x, "guest.mode");
		if (m != 64 && m != 32)
			y_fail(c, x, "guest.mode must be 64 or 32, got %" PRIu64, m);
		if (m != 64 && sc->arch == ARCH_AARCH64)
			y_fail(c, x, "guest.mode must be 64 for an aarch64 guest (AArch32 is not modelled), got %" PRIu64, m);
		sc->guest.mode = (int)m;
	}
	if (sc->arch == ARCH_AARCH64)
		sc->guest.mode = GUEST_MODE_A64;
	int mode = sc->guest.mode;
	yaml_node_t *bn = y_find(c, n, "base", NULL);
	uint64_t base = y_get_uint(c, bn, "guest.base");
	scn_check_addr(c, bn, "guest.base", base, mode);
	scn_parse_code(c, n, "guest", mode, base, bn, &sc->guest.code);
	if ((x = y_find(c, n, "data", NULL)))
		parse_data(c, x, mode);

	/* code and data must not overlap */
	size_t nr = sc->guest.ndata + 1;
	struct range *r = y_calloc(c, nr, sizeof *r);
	c->tmp = r;
	r[0] = (struct range){ base, base + sc->guest.code.size - 1, sc->guest.code.pos, "" };
	yaml_node_t *kc = NULL;
	if (!y_find(c, n, "asm", &kc))
		y_find(c, n, "code", &kc);
	r[0].pos = y_pos(kc);
	snprintf(r[0].what, sizeof r[0].what, "guest code");
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		struct data_region *d = &sc->guest.data[i];
		r[i + 1] = (struct range){ d->addr, d->addr + d->size - 1, d->pos, "" };
		snprintf(r[i + 1].what, sizeof r[i + 1].what, "guest.data[%zu]", i);
	}
	scn_check_overlaps(c, r, nr);
	free(r);
	c->tmp = NULL;

	sc->guest.entry = base;
	if ((x = y_find(c, n, "entry", NULL))) {
		sc->guest.entry_pos = y_pos(x);
		if (!y_is_plain(x) || y_is_null(x))
			y_fail(c, x, "expected an address or a label for guest.entry, got %s",
			       y_describe(x, b, sizeof b));
		char ch = y_sval(x)[0];
		if ((ch >= '0' && ch <= '9') || ch == '-') {
			sc->guest.entry = y_get_uint(c, x, "guest.entry");
		} else {
			sc->guest.entry_label = y_get_string(c, x, "guest.entry");
			if (!scenario_symbol(sc, sc->guest.entry_label, &sc->guest.entry))
				y_fail(c, x, "unknown label '%s' for guest.entry%s",
				       y_shown(y_sval(x), y_slen(x), b, sizeof b),
				       sc->guest.code.asm_text ? "" : " (code given as hex has no labels)");
		}
		bool inside = scn_block_has(&sc->guest.code, sc->guest.entry);
		for (size_t i = 0; i < sc->guest.ndata && !inside; i++) {
			struct data_region *d = &sc->guest.data[i];
			inside = sc->guest.entry >= d->addr && sc->guest.entry - d->addr < d->size;
		}
		if (!inside)
			y_fail(c, x, "guest.entry 0x%" PRIx64 " is outside the guest code (0x%" PRIx64
			       "-0x%" PRIx64 ") and data regions", sc->guest.entry, base,
			       base + sc->guest.code.size - 1);
	}
	if ((x = y_find(c, n, "regs", NULL))) {
		if (mode == GUEST_MODE_A64)
			parse_regs_a64(c, x);
		else
			parse_regs(c, x, mode, "guest.regs", &sc->guest.regs, &sc->guest.nregs);
	}
	if ((x = y_find(c, n, "limits", NULL)))
		parse_limits(c, x);
	if ((x = y_find(c, n, "user", NULL))) {
		if (mode == GUEST_MODE_A64)
			y_fail(c, x, "guest.user is for x86 guests (an aarch64 guest runs at EL1 only)");
		parse_user(c, x, mode);
	}
	if ((x = y_find(c, n, "vcpus", NULL))) {
		if (mode == GUEST_MODE_A64)
			y_fail(c, x, "guest.vcpus: several vCPUs are modelled for x86 guests only (an aarch64 guest has one)");
		parse_vcpus(c, x, mode);
	}
}
