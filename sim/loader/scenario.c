/* scenario.c - load and validate a scenario file (format version 1).
 *
 * The YAML is loaded with libyaml's document API (yaml.c: positions, typed
 * getters, key checks), then walked against the schema documented in
 * scenarios/README.md: the top level here, `guest:` in scenario_guest.c,
 * `host:` in scenario_host.c, `expect:` in scenario_expect.c, code blocks
 * and address rules in scenario_code.c.  The first problem found ends the
 * load with one "FILE:LINE:COL: message" line; the walk unwinds with longjmp
 * and everything allocated so far is reachable from the partially built
 * struct scenario, which scenario_free() releases.
 *
 * Rules that hold everywhere: unknown and duplicate keys are errors; the
 * spelling of integers, booleans and positions is yaml.h's. */
#define _GNU_SOURCE
#include "sim/loader/scenario_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE_SIZE   (256u << 20)

/* ================================================================ sections */

static const char *const vendor_names[] = { "none", "vmx", "svm", "both", "arm", NULL };

const char *scenario_vendor_name(enum vendor v)
{
	return (unsigned)v < 5 ? vendor_names[v] : "none";
}

static void parse_string_list(struct ydoc *c, yaml_node_t *n, const char *path, bool ident,
			      char ***out, size_t *nout)
{
	y_need_seq(c, n, path);
	size_t cnt = y_nitems(n);
	*out = y_calloc(c, cnt, sizeof **out);
	char p[128];
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		y_idxpath(p, sizeof p, path, i);
		yaml_node_t *e = y_node(c, *it);
		(*out)[i] = ident ? y_get_ident(c, e, p) : y_get_string(c, e, p);
		*nout = ++i;
	}
}

static void parse_policies(struct ydoc *c, yaml_node_t *n)
{
	struct scenario *sc = c->user;
	char b[128], p[64];
	if (y_is_scalar(n) && y_is(n, "all")) {
		sc->policies = y_calloc(c, 1, sizeof *sc->policies);
		sc->policy_pos = y_calloc(c, 1, sizeof *sc->policy_pos);
		sc->policies[0] = y_strndup(c, "all", 3);
		sc->policy_pos[0] = y_pos(n);
		sc->npolicies = 1;
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		y_fail(c, n, "expected a list of policy names or 'all' for policies, got %s",
		       y_describe(n, b, sizeof b));
	size_t cnt = y_nitems(n);
	if (!cnt)
		y_fail(c, n, "policies is empty: list at least one policy (or write 'policies: all')");
	sc->policies = y_calloc(c, cnt, sizeof *sc->policies);
	sc->policy_pos = y_calloc(c, cnt, sizeof *sc->policy_pos);
	size_t i = 0;
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *e = y_node(c, *it);
		y_idxpath(p, sizeof p, "policies", i);
		char *name = y_get_ident(c, e, p);
		sc->policies[i] = name;
		sc->policy_pos[i] = y_pos(e);
		sc->npolicies = ++i;
		if (!strcmp(name, "all") && cnt > 1)
			y_fail(c, e, "'all' cannot be combined with other policies");
		for (size_t j = 0; j + 1 < i; j++)
			if (!strcmp(sc->policies[j], name))
				y_fail(c, e, "duplicate policy '%s' (first given at %d:%d)", name,
				       sc->policy_pos[j].line, sc->policy_pos[j].col);
	}
}

static void parse_variants(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "name", "base", "knobs", NULL };
	struct scenario *sc = c->user;
	y_need_seq(c, n, "variants");
	size_t cnt = y_nitems(n), i = 0;
	sc->variants = y_calloc(c, cnt, sizeof *sc->variants);
	char p[128], q[192];
	Y_FOR_ITEMS(n, it) {
		yaml_node_t *m = y_node(c, *it);
		struct variant *v = &sc->variants[i];
		sc->nvariants = i + 1;
		y_idxpath(p, sizeof p, "variants", i++);
		y_need_map(c, m, p);
		y_check_keys(c, m, p, keys);
		y_require(c, m, p, "name");
		y_require(c, m, p, "base");
		v->pos = y_pos(m);
		yaml_node_t *x;
		y_subpath(q, sizeof q, p, "name");
		x = y_find(c, m, "name", NULL);
		v->name = y_get_ident(c, x, q);
		for (size_t j = 0; j + 1 < i; j++)
			if (!strcmp(sc->variants[j].name, v->name))
				y_fail(c, x, "duplicate variant name '%s' (first given at %d:%d)", v->name,
				       sc->variants[j].pos.line, sc->variants[j].pos.col);
		y_subpath(q, sizeof q, p, "base");
		v->base = y_get_ident(c, y_find(c, m, "base", NULL), q);
		x = y_find(c, m, "knobs", NULL);
		if (!x)
			continue;
		y_subpath(q, sizeof q, p, "knobs");
		y_need_map(c, x, q);
		y_check_keys(c, x, q, NULL);
		v->knobs = y_calloc(c, y_npairs(x), sizeof *v->knobs);
		Y_FOR_PAIRS(x, kp) {
			yaml_node_t *k = y_node(c, kp->key), *val = y_node(c, kp->value);
			struct knob_setting *ks = &v->knobs[v->nknobs++];
			char kq[256];
			ks->pos = y_pos(k);
			ks->name = y_get_ident(c, k, q);
			snprintf(kq, sizeof kq, "%s.%s", q, ks->name);
			ks->value = y_strndup(c, y_get_text(c, val, kq, "a value"), y_slen(val));
		}
	}
}

static void parse_cpu(struct ydoc *c, yaml_node_t *n)
{
	static const char *const keys[] = { "model", "costs", "rtm", "bus_lock", "decode_assists", "vendor", "arch",
					    "debug", NULL };
	static const char *const arches[] = { "x86_64", "aarch64", NULL };
	static const char *const cpu_vendors[] = { "intel", "amd", NULL };
	struct scenario *sc = c->user;
	char b[128];
	y_need_map(c, n, "cpu");
	y_check_keys(c, n, "cpu", keys);
	yaml_node_t *x;
	if ((x = y_find(c, n, "model", NULL))) {
		const char *m = y_get_text(c, x, "cpu.model", "a file path");
		sc->cost_model_pos = y_pos(x);
		const char *slash = strrchr(c->file, '/');
		size_t ml = y_slen(x);
		bool is_file = memchr(m, '/', ml) || (ml >= 5 && !memcmp(m + ml - 5, ".cost", 5));
		if (!is_file) {
			/* a bundled model name ("default", "sandybridge"): the run stage finds it */
			if (!y_ident_ok(m, ml))
				y_fail(c, x, "invalid cost model name %s for cpu.model: use a bundled model name "
				       "or a path to a .cost file", y_describe(x, b, sizeof b));
			sc->cost_model = y_strndup(c, m, ml);
		} else if (m[0] == '/' || !slash) {
			sc->cost_model = y_strndup(c, m, y_slen(x));
		} else {
			size_t dl = (size_t)(slash - c->file) + 1;
			sc->cost_model = y_calloc(c, dl + y_slen(x) + 1, 1);
			memcpy(sc->cost_model, c->file, dl);
			memcpy(sc->cost_model + dl, m, y_slen(x));
		}
		if (is_file && access(sc->cost_model, R_OK) < 0)
			y_fail(c, x, "cpu.model: cannot read '%s': %s", sc->cost_model, strerror(errno));
	}
	if ((x = y_find(c, n, "costs", NULL))) {
		y_need_map(c, x, "cpu.costs");
		y_check_keys(c, x, "cpu.costs", NULL);
		sc->costs = y_calloc(c, y_npairs(x), sizeof *sc->costs);
		Y_FOR_PAIRS(x, kp) {
			yaml_node_t *k = y_node(c, kp->key);
			struct cost_setting *cs = &sc->costs[sc->ncosts++];
			char q[256];
			cs->pos = y_pos(k);
			cs->name = y_get_ident(c, k, "cpu.costs");
			snprintf(q, sizeof q, "cpu.costs.%s", cs->name);
			cs->value = y_get_uint(c, y_node(c, kp->value), q);
		}
	}
	/* cpu.arch (issue 20): the guest's instruction set.  vendor: arm means
	 * aarch64 (the default there); VMX and SVM are x86 processors. */
	if ((x = y_find(c, n, "arch", NULL))) {
		sc->arch = y_get_choice(c, x, "cpu.arch", arches) ? ARCH_AARCH64 : ARCH_X86_64;
		sc->arch_pos = y_pos(x);
		bool arm = sc->vendor == VENDOR_ARM;
		if (arm != (sc->arch == ARCH_AARCH64) && !(sc->vendor == VENDOR_NONE && sc->arch == ARCH_AARCH64))
			y_fail(c, x, "cpu.arch: %s with vendor: %s (vendor arm runs aarch64 guests, vmx and svm "
			       "x86_64 ones)", arches[sc->arch], scenario_vendor_name(sc->vendor));
	}
	/* cpu.debug: the Arm CPU's breakpoint and watchpoint counts
	 * (ID_AA64DFR0_EL1.BRPs/WRPs + 1: 2-16 each, Arm ARM; the default 6 and
	 * 4 are those of Cortex-A57/A72 and of QEMU's -cpu max) */
	if ((x = y_find(c, n, "debug", NULL))) {
		static const char *const dkeys[] = { "breakpoints", "watchpoints", NULL };
		if (sc->arch != ARCH_AARCH64)
			y_fail(c, x, "cpu.debug is for aarch64 guests (cpu.arch: aarch64 or vendor: arm)");
		y_need_map(c, x, "cpu.debug");
		y_check_keys(c, x, "cpu.debug", dkeys);
		yaml_node_t *v;
		if ((v = y_find(c, x, "breakpoints", NULL)))
			sc->arm_brps = (unsigned)y_get_uint_range(c, v, "cpu.debug.breakpoints", 2, 16);
		if ((v = y_find(c, x, "watchpoints", NULL)))
			sc->arm_wrps = (unsigned)y_get_uint_range(c, v, "cpu.debug.watchpoints", 2, 16);
	}
	if ((x = y_find(c, n, "rtm", NULL)))
		sc->cpu_rtm = y_get_bool(c, x, "cpu.rtm");
	if ((x = y_find(c, n, "bus_lock", NULL)))
		sc->cpu_bus_lock = y_get_bool(c, x, "cpu.bus_lock");
	if ((x = y_find(c, n, "decode_assists", NULL)))
		sc->decode_assists = y_get_bool(c, x, "cpu.decode_assists");
	/* Whose rules the processor follows where Intel and AMD differ (the
	 * code #DB after MOV SS, SDM 6.8.3 vs kvm-unit-tests
	 * test_mov_pop_ss_code_db; the GD/CPL order of MOV DR).  VMX exists only
	 * on Intel and SVM only on AMD, so the key is for bare metal; naming the
	 * other vendor's processor is an error. */
	if ((x = y_find(c, n, "vendor", NULL))) {
		sc->cpu_vendor = y_get_choice(c, x, "cpu.vendor", cpu_vendors) == 1 ? CPU_AMD : CPU_INTEL;
		if ((sc->vendor == VENDOR_VMX && sc->cpu_vendor == CPU_AMD) ||
		    (sc->vendor == VENDOR_SVM && sc->cpu_vendor == CPU_INTEL) || sc->vendor == VENDOR_BOTH)
			y_fail(c, x, "cpu.vendor: %s with vendor: %s (VMX is an Intel processor, SVM an AMD one; "
			       "cpu.vendor is for vendor: none)", cpu_vendors[sc->cpu_vendor - 1],
			       scenario_vendor_name(sc->vendor));
	}
}
/* ================================================================ top level */

static void parse_version(struct ydoc *c, yaml_node_t *root)
{
	char b[128];
	yaml_node_t *v = y_find(c, root, "version", NULL);
	if (!v)
		y_fail(c, root, "missing required key 'version'");
	if (!y_is_plain(v) || y_is_null(v))
		y_fail(c, v, "expected an unsigned integer for version, got %s", y_describe(v, b, sizeof b));
	bool neg = y_sval(v)[0] == '-';
	uint64_t ver = 0;
	int r = y_parse_uint(y_sval(v) + neg, y_slen(v) - neg, &ver);
	if (r == Y_U_BAD)
		y_fail(c, v, "expected an unsigned integer for version, got %s", y_describe(v, b, sizeof b));
	/* an overflowing version is a (much) newer one, not 0 (issue 15 item 13) */
	if (neg || (ver < 1 && r != Y_U_OVERFLOW))
		y_fail(c, v, "unsupported scenario format version %s", y_shown(y_sval(v), y_slen(v), b, sizeof b));
	if (r == Y_U_OVERFLOW || ver > SCENARIO_VERSION)
		y_fail(c, v, "scenario format version %s is newer than this hvsim supports (%d): "
		       "please upgrade hvsim", y_shown(y_sval(v), y_slen(v), b, sizeof b), SCENARIO_VERSION);
	((struct scenario *)c->user)->version = (int)ver;
}

static void parse_root(struct ydoc *c, yaml_node_t *root)
{
	static const char *const keys[] = { "version", "name", "summary", "refs", "groups", "vendor",
					    "policies", "variants", "cpu", "guest", "host", "expect",
					    NULL };
	struct scenario *sc = c->user;
	char b[128];
	if (root->type != YAML_MAPPING_NODE)
		y_fail(c, root, "expected a mapping at the top level, got %s", y_describe(root, b, sizeof b));
	parse_version(c, root);
	y_check_keys(c, root, "", keys);
	y_require(c, root, "", "name");
	y_require(c, root, "", "summary");
	y_require(c, root, "", "guest");
	sc->name = y_get_ident(c, y_find(c, root, "name", NULL), "name");
	sc->summary = y_get_string(c, y_find(c, root, "summary", NULL), "summary");
	yaml_node_t *x;
	if ((x = y_find(c, root, "refs", NULL)))
		parse_string_list(c, x, "refs", false, &sc->refs, &sc->nrefs);
	if ((x = y_find(c, root, "groups", NULL)))
		parse_string_list(c, x, "groups", true, &sc->groups, &sc->ngroups);
	sc->vendor = VENDOR_VMX;
	if ((x = y_find(c, root, "vendor", NULL))) {
		sc->vendor = (enum vendor)y_get_choice(c, x, "vendor", vendor_names);
		sc->vendor_pos = y_pos(x);
	}
	sc->arch = sc->vendor == VENDOR_ARM ? ARCH_AARCH64 : ARCH_X86_64;
	sc->arm_brps = 6;
	sc->arm_wrps = 4;
	if ((x = y_find(c, root, "policies", NULL))) {
		parse_policies(c, x);
	} else {
		/* the default policy: today's KVM of the vendor's architecture */
		const char *def = sc->vendor == VENDOR_ARM ? "arm64_owner-6.14" : "bp_enabled";
		sc->policies = y_calloc(c, 1, sizeof *sc->policies);
		sc->policy_pos = y_calloc(c, 1, sizeof *sc->policy_pos);
		sc->policies[0] = y_strndup(c, def, strlen(def));
		sc->npolicies = 1;
	}
	if ((x = y_find(c, root, "variants", NULL)))
		parse_variants(c, x);
	sc->decode_assists = true;
	if ((x = y_find(c, root, "cpu", NULL)))
		parse_cpu(c, x);
	scn_parse_guest(c, y_find(c, root, "guest", NULL));
	if ((x = y_find(c, root, "host", NULL)))
		scn_parse_host(c, x);
	scn_check_world(c, root);
	if ((x = y_find(c, root, "expect", NULL)))
		scn_parse_expect(c, x);
}


struct scenario *scenario_load_buf(const char *name, const char *buf, size_t len,
				   char *err, size_t errsize)
{
	const char *file = name ? name : "<scenario>";
	struct ydoc c;
	if (err && errsize)
		err[0] = 0;
	struct scenario *sc = calloc(1, sizeof *sc);
	if (!sc || y_open(&c, file, buf, len, err, errsize) < 0 || !(sc->path = strdup(file))) {
		if (err && errsize)
			snprintf(err, errsize, "%s:1:1: out of memory", file);
		if (sc) {
			free(sc->path);
			y_close(&c);
		}
		free(sc);
		return NULL;
	}
	c.user = sc;
	int rc = y_run(&c, parse_root);
	y_close(&c);
	if (rc) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

struct scenario *scenario_load(const char *path, char *err, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (err && errsize)
			snprintf(err, errsize, "%s: cannot open scenario: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= MAX_FILE_SIZE) {
				free(buf);
				fclose(f);
				if (err && errsize)
					snprintf(err, errsize, "%s: scenario file is too large (more than %u MiB)",
						 path, MAX_FILE_SIZE >> 20);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int rd_err = ferror(f) ? errno : 0;
	fclose(f);
	if (!buf || rd_err) {
		free(buf);
		if (err && errsize)
			snprintf(err, errsize, "%s: cannot read scenario: %s", path,
				 buf ? strerror(rd_err) : "out of memory");
		return NULL;
	}
	struct scenario *sc = scenario_load_buf(path, buf, n, err, errsize);
	free(buf);
	return sc;
}

static void free_code(struct code_block *cb)
{
	for (size_t i = 0; i < cb->nsyms; i++)
		free(cb->syms[i].name);
	free(cb->syms);
	free(cb->bytes);
	free(cb->asm_text);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->path);
	free(sc->name);
	free(sc->summary);
	for (size_t i = 0; i < sc->nrefs; i++)
		free(sc->refs[i]);
	free(sc->refs);
	for (size_t i = 0; i < sc->ngroups; i++)
		free(sc->groups[i]);
	free(sc->groups);
	for (size_t i = 0; i < sc->npolicies; i++)
		free(sc->policies[i]);
	free(sc->policies);
	free(sc->policy_pos);
	for (size_t i = 0; i < sc->nvariants; i++) {
		struct variant *v = &sc->variants[i];
		free(v->name);
		free(v->base);
		for (size_t j = 0; j < v->nknobs; j++) {
			free(v->knobs[j].name);
			free(v->knobs[j].value);
		}
		free(v->knobs);
	}
	free(sc->variants);
	free(sc->cost_model);
	for (size_t i = 0; i < sc->ncosts; i++)
		free(sc->costs[i].name);
	free(sc->costs);
	free_code(&sc->guest.code);
	free(sc->guest.entry_label);
	for (size_t i = 0; i < sc->guest.ndata; i++)
		free(sc->guest.data[i].bytes);
	free(sc->guest.data);
	for (size_t i = 0; i < sc->guest.nregs; i++)
		free(sc->guest.regs[i].name);
	free(sc->guest.regs);
	for (size_t i = 0; i < sc->guest.nvcpus; i++) {
		for (size_t k = 0; k < sc->guest.vcpus[i].nregs; k++)
			free(sc->guest.vcpus[i].regs[k].name);
		free(sc->guest.vcpus[i].regs);
	}
	free(sc->guest.vcpus);
	for (size_t i = 0; i < sc->host.ntasks; i++) {
		free(sc->host.tasks[i].name);
		free(sc->host.tasks[i].bps);
		free(sc->host.tasks[i].touches);
	}
	free(sc->host.tasks);
	free(sc->host.bps);
	for (size_t i = 0; i < sc->host.nsnippets; i++) {
		free(sc->host.snippets[i].name);
		free_code(&sc->host.snippets[i].code);
	}
	free(sc->host.snippets);
	free(sc->host.events);
	for (size_t i = 0; i < sc->nexpects; i++) {
		free(sc->expects[i].selector);
		free(sc->expects[i].field);
		free(sc->expects[i].str_value);
	}
	free(sc->expects);
	free(sc);
}

bool scenario_symbol(const struct scenario *sc, const char *name, uint64_t *addr)
{
	if (!sc || !name)
		return false;
	const struct code_block *cb = &sc->guest.code;
	for (size_t i = 0; i < cb->nsyms; i++) {
		if (!strcmp(cb->syms[i].name, name)) {
			if (addr)
				*addr = cb->syms[i].addr;
			return true;
		}
	}
	return false;
}
