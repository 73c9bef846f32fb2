/* knobs.c - the knob table generated from debugreg/knobs.def: `knobs:`
 * overrides of scenario variants (policy_set_knob), and the three views of
 * the table: `hvsim list knobs` (policy_print_knobs), the preset x knob
 * matrix of `hvsim list policies --knobs` (policy_print_matrix) and
 * docs/knobs.md (policy_write_knobs_md; tests/test_knobs.c keeps the
 * committed file equal to it). */
#include "debugreg/policy.h"
#include "debugreg/policy_names.h"
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cpu/dr.h"

enum knob_kind { KNOB_KIND_ENUM, KNOB_KIND_BOOL, KNOB_KIND_U64 };

struct knob_value {
	const char *name, *abbrev, *doc;
	int value;
};

struct knob {
	const char *name, *label, *doc, *cite;
	enum knob_kind kind;
	unsigned off;              /* offset in struct policy */
	uint64_t def;              /* default (today's KVM) */
	const struct knob_value *values; /* ENUM: NULL-name terminated */
};

/* An ENUM member is read and written as an int, a BOOL as a bool. */
#define KNOB_SIZE_ENUM sizeof(int)
#define KNOB_SIZE_BOOL sizeof(bool)
#define KNOB_SIZE_U64 sizeof(uint64_t)
#define KNOB_CHECK(kind, field, ctype, ...) \
	_Static_assert(sizeof(ctype) == KNOB_SIZE_##kind, "knob " #field ": C type does not match its kind");
#define KNOB_IGNORE(...)
POLICY_KNOBS(KNOB_CHECK, KNOB_IGNORE)

#define KNOB_VALUE(e, name, abbrev, doc) { name, abbrev, doc, e },
#define KNOB_VALUES(kind, field, ctype, def, label, values, ...) \
	static const struct knob_value field##_values[] = { values { NULL, NULL, NULL, 0 } };
POLICY_KNOBS(KNOB_VALUES, KNOB_VALUE)

#define KNOB_ROW(kind, field, ctype, def, label, values, doc, cite) \
	{ #field, label, doc, cite, KNOB_KIND_##kind, (unsigned)offsetof(struct policy, field), \
	  (uint64_t)(def), field##_values },
static const struct knob knobs[] = { POLICY_KNOBS(KNOB_ROW, KNOB_IGNORE) };

#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

static const struct knob *knob_find(const char *name)
{
	for (unsigned i = 0; i < NKNOBS; i++)
		if (!strcmp(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

static uint64_t knob_get(const struct policy *p, const struct knob *k)
{
	const char *f = (const char *)p + k->off;
	switch (k->kind) {
	case KNOB_KIND_ENUM: { int v; memcpy(&v, f, sizeof v); return (uint64_t)(unsigned)v; }
	case KNOB_KIND_BOOL: { bool v; memcpy(&v, f, sizeof v); return v; }
	case KNOB_KIND_U64: break;
	}
	uint64_t v;
	memcpy(&v, f, sizeof v);
	return v;
}

static void knob_put(struct policy *p, const struct knob *k, uint64_t v)
{
	char *f = (char *)p + k->off;
	switch (k->kind) {
	case KNOB_KIND_ENUM: { int x = (int)v; memcpy(f, &x, sizeof x); return; }
	case KNOB_KIND_BOOL: { bool x = v != 0; memcpy(f, &x, sizeof x); return; }
	case KNOB_KIND_U64: break;
	}
	memcpy(f, &v, sizeof v);
}

static const struct knob_value *knob_value_of(const struct knob *k, uint64_t v)
{
	for (const struct knob_value *kv = k->values; kv->name; kv++)
		if ((uint64_t)(unsigned)kv->value == v)
			return kv;
	return NULL;
}

/* A value as `knobs:` spells it ("wont_exit", "true", "0x400"), or, short
 * for the matrix, its abbreviation ("WX", "y" / "."). */
static void knob_spell(const struct knob *k, uint64_t v, bool short_form, char *buf, size_t n)
{
	const struct knob_value *kv;
	switch (k->kind) {
	case KNOB_KIND_ENUM:
		kv = knob_value_of(k, v);
		snprintf(buf, n, "%s", !kv ? "?" : short_form ? kv->abbrev : kv->name);
		return;
	case KNOB_KIND_BOOL:
		snprintf(buf, n, "%s", short_form ? (v ? "y" : ".") : (v ? "true" : "false"));
		return;
	case KNOB_KIND_U64:
		break;
	}
	snprintf(buf, n, v ? "%#" PRIx64 : "%" PRIu64, v);
}

/* "emulate|wont_exit|...", "true|false" or "integer". */
static void knob_values_text(const struct knob *k, const char *sep, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	switch (k->kind) {
	case KNOB_KIND_ENUM:
		for (const struct knob_value *v = k->values; v->name && len < n; v++)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? sep : "", v->name);
		return;
	case KNOB_KIND_BOOL:
		snprintf(buf, n, "true%sfalse", sep);
		return;
	case KNOB_KIND_U64:
		break;
	}
	snprintf(buf, n, "integer");
}

unsigned policy_knob_count(void) { return (unsigned)NKNOBS; }

const char *policy_knob_name(unsigned i) { return i < NKNOBS ? knobs[i].name : NULL; }

int policy_knob_format(const struct policy *p, const char *knob, char *buf, unsigned bufsize)
{
	const struct knob *k = knob_find(knob);
	if (!k)
		return -1;
	knob_spell(k, p ? knob_get(p, k) : k->def, false, buf, bufsize);
	return 0;
}

int policy_set_knob(struct policy *p, const char *knob, const char *value, char *err, unsigned errsize)
{
	const struct knob *k = knob_find(knob);
	if (!k) {
		snprintf(err, errsize, "unknown knob '%s'", knob);
		return -1;
	}
	if (k->kind == KNOB_KIND_ENUM) {
		for (const struct knob_value *v = k->values; v->name; v++)
			if (!strcmp(v->name, value)) {
				knob_put(p, k, (uint64_t)(unsigned)v->value);
				return 0;
			}
		unsigned n = (unsigned)snprintf(err, errsize, "knob %s: unknown value '%s' (one of", knob, value);
		for (const struct knob_value *v = k->values; v->name; v++)
			n += (unsigned)snprintf(err + (n < errsize ? n : errsize), n < errsize ? errsize - n : 0,
						" %s", v->name);
		snprintf(err + (n < errsize ? n : errsize), n < errsize ? errsize - n : 0, ")");
		return -2;
	}
	if (k->kind == KNOB_KIND_BOOL) {
		if (!strcasecmp(value, "true") || !strcmp(value, "1"))
			knob_put(p, k, 1);
		else if (!strcasecmp(value, "false") || !strcmp(value, "0"))
			knob_put(p, k, 0);
		else {
			snprintf(err, errsize, "knob %s: expected true or false, got '%s'", knob, value);
			return -2;
		}
		return 0;
	}
	char *end;
	unsigned long long v = strtoull(value, &end, 0);
	if (*end || end == value) {
		snprintf(err, errsize, "knob %s: expected an unsigned integer, got '%s'", knob, value);
		return -2;
	}
	knob_put(p, k, v);
	return 0;
}

void policy_knobs_help(void (*cb)(const char *knob, const char *values, const char *desc, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < NKNOBS; i++) {
		char vals[160];
		knob_values_text(&knobs[i], "|", vals, sizeof(vals));
		cb(knobs[i].name, vals, knobs[i].doc, ctx);
	}
}

/* ---- hvsim list knobs ------------------------------------------------------ */

static const char *kind_name(enum knob_kind kind)
{
	switch (kind) {
	case KNOB_KIND_ENUM: return "enum";
	case KNOB_KIND_BOOL: return "bool";
	case KNOB_KIND_U64: break;
	}
	return "integer";
}

/* One block per knob:
 *   movdr                     default wont_exit         what a guest MOV-DR exit does
 *       emulate      always exit and emulate ...
 *       cites: c77fb5fe6f03 ... */
void policy_print_knobs(FILE *f)
{
	unsigned w = 0;
	for (unsigned i = 0; i < NKNOBS; i++)
		if (strlen(knobs[i].name) > w)
			w = (unsigned)strlen(knobs[i].name);
	for (unsigned i = 0; i < NKNOBS; i++) {
		const struct knob *k = &knobs[i];
		char def[32];
		knob_spell(k, k->def, false, def, sizeof(def));
		fprintf(f, "%-*s  %-7s default %-21s %s\n", (int)w, k->name, kind_name(k->kind), def, k->doc);
		if (k->kind == KNOB_KIND_ENUM) {
			unsigned vw = 0;
			for (const struct knob_value *v = k->values; v->name; v++)
				if (strlen(v->name) > vw)
					vw = (unsigned)strlen(v->name);
			for (const struct knob_value *v = k->values; v->name; v++)
				fprintf(f, "    %-*s  %s\n", (int)vw, v->name, v->doc);
		}
		fprintf(f, "    cites: %s\n", k->cite);
	}
	fprintf(f, "\nDefaults are today's KVM (the bp_enabled preset); a preset lists only the knobs it changes.\n"
		   "Override in a scenario: variants: [{name: N, base: PRESET, knobs: {KNOB: VALUE}}]\n");
}

/* ---- hvsim list policies --knobs ------------------------------------------ */

/* The text matrix wraps its knob columns into blocks of at most this many
 * columns per line, each block with its own header and preset column (the
 * Markdown table in docs/knobs.md is one block). */
#define MATRIX_WIDTH 150

struct matrix_ctx {
	FILE *f;
	unsigned name_w, col_w[sizeof(knobs) / sizeof(knobs[0])];
	bool md;
	unsigned first, end;           /* the knob columns of the block being printed: [first, end) */
	int arm;                       /* text tables: 0 = the x86 presets and knobs, 1 = the Arm ones; -1 all */
};

/* The Arm vendor's knobs and presets (issue 20) get a table of their own in
 * `hvsim list policies --knobs`: neither family reads the other's knobs. */
static bool knob_is_arm(unsigned i) { return !strncmp(knobs[i].name, "arm_", 4); }
static bool knob_in(const struct matrix_ctx *m, unsigned i) { return m->arm < 0 || knob_is_arm(i) == (m->arm == 1); }
static bool preset_in(const struct matrix_ctx *m, const struct policy *p)
{
	return m->arm < 0 || (p->arm_switch != ARM_SW_NONE) == (m->arm == 1);
}
/* The last column of the block being printed (of this table's knobs). */
static unsigned last_knob(const struct matrix_ctx *m)
{
	unsigned last = m->first;
	for (unsigned i = m->first; i < m->end; i++)
		if (knob_in(m, i))
			last = i;
	return last;
}

static void matrix_row(const struct policy *p, void *vctx)
{
	struct matrix_ctx *m = vctx;
	if (!preset_in(m, p))
		return;
	if (m->md)
		fprintf(m->f, "| `%s` |", p->name);
	else
		fprintf(m->f, "%-*s", (int)m->name_w, p->name);
	unsigned last = last_knob(m);
	for (unsigned i = m->first; i < m->end; i++) {
		char v[32];
		if (!knob_in(m, i))
			continue;
		knob_spell(&knobs[i], knob_get(p, &knobs[i]), true, v, sizeof(v));
		if (m->md)
			fprintf(m->f, " %s |", v);
		else if (i < last)
			fprintf(m->f, " %-*s", (int)m->col_w[i], v);
		else
			fprintf(m->f, " %s", v);
	}
	fprintf(m->f, "\n");
}

static void matrix_width(const struct policy *p, void *vctx)
{
	struct matrix_ctx *m = vctx;
	if (!preset_in(m, p))
		return;
	if (strlen(p->name) > m->name_w)
		m->name_w = (unsigned)strlen(p->name);
	for (unsigned i = 0; i < NKNOBS; i++) {
		char v[32];
		knob_spell(&knobs[i], knob_get(p, &knobs[i]), true, v, sizeof(v));
		if (strlen(v) > m->col_w[i])
			m->col_w[i] = (unsigned)strlen(v);
	}
}

/* The legend of one column: "WX wont_exit, EM emulate, ..." */
static void legend_values(const struct knob *k, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	if (k->kind == KNOB_KIND_ENUM) {
		for (const struct knob_value *v = k->values; v->name && len < n; v++)
			len += (size_t)snprintf(buf + len, n - len, "%s%s %s", len ? ", " : "", v->abbrev, v->name);
		return;
	}
	snprintf(buf, n, "%s", k->doc);
}

static void print_table(FILE *f, int arm)
{
	struct matrix_ctx m = { .f = f, .name_w = (unsigned)strlen("preset"), .arm = arm };
	for (unsigned i = 0; i < NKNOBS; i++)
		m.col_w[i] = (unsigned)strlen(knobs[i].label);
	policy_foreach(matrix_width, &m);
	for (m.first = 0; m.first < NKNOBS; m.first = m.end) {
		while (m.first < NKNOBS && !knob_in(&m, m.first))
			m.first++;
		if (m.first >= NKNOBS)
			break;
		unsigned w = m.name_w;
		for (m.end = m.first; m.end < NKNOBS; m.end++) {
			if (!knob_in(&m, m.end))
				continue;
			if (m.end != m.first && w + 1 + m.col_w[m.end] > MATRIX_WIDTH)
				break;
			w += 1 + m.col_w[m.end];
		}
		fprintf(f, "%-*s", (int)m.name_w, arm ? "Arm preset" : "preset");
		unsigned last = last_knob(&m);
		for (unsigned i = m.first; i < m.end; i++)
			if (knob_in(&m, i))
				fprintf(f, i < last ? " %-*s" : " %.*s\n", (int)m.col_w[i], knobs[i].label);
		policy_foreach(matrix_row, &m);
		fprintf(f, "\n");
	}
}

void policy_print_matrix(FILE *f)
{
	print_table(f, 0);
	print_table(f, 1);
	unsigned lw = 0, nw = 0;
	for (unsigned i = 0; i < NKNOBS; i++) {
		if (strlen(knobs[i].label) > lw)
			lw = (unsigned)strlen(knobs[i].label);
		if (strlen(knobs[i].name) > nw)
			nw = (unsigned)strlen(knobs[i].name);
	}
	for (unsigned i = 0; i < NKNOBS; i++) {
		char vals[200];
		legend_values(&knobs[i], vals, sizeof(vals));
		fprintf(f, "%-*s  %-*s  %s\n", (int)lw, knobs[i].label, (int)nw, knobs[i].name, vals);
	}
	fprintf(f, "\ny true, . false.  Defaults (today's KVM) are the bp_enabled row; `hvsim list knobs`\n"
		   "describes each knob.\n");
}

/* ---- docs/knobs.md ---------------------------------------------------------- */

/* Markdown table cell text: `|` escaped, `<` as &lt; (message ids). */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

static void kernel_row(const struct policy *p, void *ctx)
{
	FILE *f = ctx;
	fprintf(f, "| `%s` | ", p->name);
	md_text(f, p->kernel ? p->kernel : "");
	fputs(" | ", f);
	md_text(f, p->ref ? p->ref : "");
	fputs(" |\n", f);
}

int policy_write_knobs_md(FILE *f)
{
	fprintf(f, "# Policy knobs\n\n"
		   "<!-- Generated from debugreg/knobs.def by policy_write_knobs_md() (debugreg/knobs.c);\n"
		   "     tests/test_knobs.c fails when this file differs.  Regenerate with\n"
		   "     HVSIM_WRITE_DOCS=1 ./build/test_knobs --filter 'knobs/docs_md_is_generated'. -->\n\n"
		   "A policy is a preset of these knobs.  Every knob's default is what KVM does today (the\n"
		   "`bp_enabled` preset); each preset in `debugreg/policies.c` lists only the knobs in which it\n"
		   "differs, with the commit or message it models.  A scenario overrides knobs in a variant:\n"
		   "`variants: [{name: N, base: PRESET, knobs: {KNOB: VALUE}}]` ([format](../scenarios/README.md)).\n"
		   "`hvsim list knobs` and `hvsim list policies --knobs` print the same tables.\n\n"
		   "## Knobs\n\n"
		   "| knob | values | default | what it decides | models |\n"
		   "|---|---|---|---|---|\n");
	for (unsigned i = 0; i < NKNOBS; i++) {
		const struct knob *k = &knobs[i];
		char vals[200], def[32];
		knob_values_text(k, ", ", vals, sizeof(vals));
		knob_spell(k, k->def, false, def, sizeof(def));
		fprintf(f, "| `%s` | %s | `%s` | ", k->name, vals, def);
		md_text(f, k->doc);
		fputs(" | ", f);
		md_text(f, k->cite);
		fputs(" |\n", f);
	}
	fprintf(f, "\n## Values\n\n| knob | value | abbrev. | what it models |\n|---|---|---|---|\n");
	for (unsigned i = 0; i < NKNOBS; i++)
		for (const struct knob_value *v = knobs[i].values; v->name; v++) {
			fprintf(f, "| `%s` | `%s` | %s | ", knobs[i].name, v->name, v->abbrev);
			md_text(f, v->doc);
			fputs(" |\n", f);
		}
	fprintf(f, "\n## Presets\n\nAbbreviations as in the table above; `y` true, `.` false.\n\n| preset |");
	for (unsigned i = 0; i < NKNOBS; i++)
		fprintf(f, " %s |", knobs[i].label);
	fprintf(f, "\n|---|");
	for (unsigned i = 0; i < NKNOBS; i++)
		fprintf(f, "---|");
	fprintf(f, "\n");
	struct matrix_ctx m = { .f = f, .md = true, .first = 0, .end = NKNOBS, .arm = -1 };
	policy_foreach(matrix_row, &m);
	fprintf(f, "\nColumns:");
	for (unsigned i = 0; i < NKNOBS; i++)
		fprintf(f, "%s %s `%s`", i ? "," : "", knobs[i].label, knobs[i].name);
	fprintf(f, ".\n");
	fprintf(f, "\n## Presets, kernels and commits\n\n"
		   "Which release each preset is, and the commits or messages it models (`hvsim list\n"
		   "policies`; the knob citations above give the commit of each difference).\n\n"
		   "| preset | kernel | models |\n|---|---|---|\n");
	policy_foreach(kernel_row, f);
	return ferror(f) ? -1 : 0;
}
