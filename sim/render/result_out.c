/* result_out.c - a run result written out: the JSON document
 * {"schema":"hvsim-result",...} and the perf-kvm-stat style text report
 * (docs/result-schema.md).  Both are built on result_visit() (sim/result.c),
 * so a path that result_field() accepts is exactly a path in the JSON. */
#include "sim/render/result_out.h"
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/kvmstat.h"
/* ---- JSON ------------------------------------------------------------- */

enum tkind { T_OBJ, T_U64, T_STR, T_DBLOG, T_VIOL };

struct tnode {
	char *key;
	enum tkind kind;
	uint64_t u;
	const char *s;
	struct tnode *kids;
	size_t nkids, cap;
};

static struct tnode *tnode_child(struct tnode *t, const char *key, size_t keylen, enum tkind kind)
{
	for (size_t i = 0; i < t->nkids; i++)
		if (strlen(t->kids[i].key) == keylen && memcmp(t->kids[i].key, key, keylen) == 0)
			return &t->kids[i];
	if (t->nkids == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 8;
		struct tnode *nk = realloc(t->kids, nc * sizeof(*nk));
		if (!nk)
			return NULL;
		t->kids = nk;
		t->cap = nc;
	}
	struct tnode *c = &t->kids[t->nkids];
	memset(c, 0, sizeof(*c));
	c->key = strndup(key, keylen);
	if (!c->key)
		return NULL;
	c->kind = kind;
	t->nkids++;
	return c;
}

/* Insert a leaf at a dotted path; intermediate objects are created in
 * first-seen order. */
static struct tnode *tree_insert(struct tnode *root, const char *path, enum tkind kind)
{
	struct tnode *t = root;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		if (!dot)
			return tnode_child(t, p, strlen(p), kind);
		t = tnode_child(t, p, (size_t)(dot - p), T_OBJ);
		if (!t || t->kind != T_OBJ)
			return NULL;
		p = dot + 1;
	}
}

static void tree_free(struct tnode *t)
{
	for (size_t i = 0; i < t->nkids; i++)
		tree_free(&t->kids[i]);
	free(t->kids);
	free(t->key);
}

static int tree_cb(void *ctx, const struct result_item *it)
{
	struct tnode *n = tree_insert(ctx, it->path, it->is_str ? T_STR : T_U64);
	if (!n)
		return -1;
	n->u = it->u;
	n->s = it->s;
	return 0;
}

static const char *outcome_name(unsigned o)
{
	switch (o) {
	case DB_DELIVERED: return "delivered";
	case DB_MISSED: return "missed";
	case DB_SPURIOUS: return "spurious";
	default: return "unknown";
	}
}

static void write_dblog(struct json_writer *w, const struct run_result *r)
{
	jw_array_begin(w);
	for (size_t i = 0; i < r->ndb && r->db; i++) {
		const struct db_record *d = &r->db[i];
		jw_object_begin(w);
		jw_kv_u64(w, "cycle", d->cycle);
		jw_kv_u64(w, "rip", d->rip);
		jw_kv_u64(w, "dr6", d->dr6);
		jw_kv_u64(w, "hw_dr6", d->hw_dr6);
		jw_kv_u64(w, "hw_slots", d->hw_slots);
		jw_kv_u64(w, "ideal_slots", d->ideal_slots);
		jw_kv_string(w, "outcome", outcome_name(d->outcome));
		jw_kv_string(w, "who", d->host ? "host" : "guest");
		jw_kv_string(w, "cause", d->cause ? d->cause : "");
		if (r->world.on) {
			/* the host world: whose and where (issue 19) */
			jw_kv_u64(w, "cpu", (uint64_t)d->cpu);
			jw_kv_string(w, "owner", d->owner >= 0 && d->owner < HOST_MAX_TASKS ? r->world.task_name[d->owner] : "");
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void write_viol(struct json_writer *w, const struct run_result *r)
{
	jw_array_begin(w);
	for (size_t i = 0; i < r->nviol && r->viol; i++) {
		const struct violation *v = &r->viol[i];
		jw_object_begin(w);
		jw_kv_u64(w, "cycle", v->cycle);
		jw_kv_u64(w, "rip", v->rip);
		jw_kv_i64(w, "slot", v->slot);
		jw_kv_string(w, "kind", v->kind);
		jw_kv_string(w, "detail", v->detail);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void tree_write(struct json_writer *w, const struct tnode *t, const struct run_result *r)
{
	switch (t->kind) {
	case T_OBJ:
		jw_object_begin(w);
		for (size_t i = 0; i < t->nkids; i++) {
			jw_key(w, t->kids[i].key);
			tree_write(w, &t->kids[i], r);
		}
		jw_object_end(w);
		break;
	case T_U64: jw_u64(w, t->u); break;
	case T_STR: jw_string(w, t->s); break;
	case T_DBLOG: write_dblog(w, r); break;
	case T_VIOL: write_viol(w, r); break;
	}
}

void result_write_run_json(struct json_writer *w, const struct run_result *r)
{
	struct tnode root = { .kind = T_OBJ };
	int rc = result_visit(r, tree_cb, &root);
	/* The per-reason objects exist even without reasons (bare metal). */
	static const char *const always[] = { "exits.by_reason", "exits.cycles", "exits.min", "exits.max",
					      "exits.sumsq" };
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]) && rc == 0; i++)
		if (!tree_insert(&root, always[i], T_OBJ))
			rc = -1;
	if (rc == 0 && (!tree_insert(&root, "db.log", T_DBLOG) || !tree_insert(&root, "violations", T_VIOL)))
		rc = -1;
	if (rc)
		w->err = 1;                    /* out of memory: make jw_finish fail */
	else
		tree_write(w, &root, r);
	tree_free(&root);
}

int result_write_json(FILE *f, const struct run_result *const *runs, size_t nruns)
{
	struct json_writer w;
	jw_init(&w, f, 2);
	jw_object_begin(&w);
	jw_kv_string(&w, "schema", RESULT_SCHEMA);
	jw_kv_u64(&w, "version", RESULT_SCHEMA_VERSION);
	jw_key(&w, "runs");
	jw_array_begin(&w);
	for (size_t i = 0; i < nruns; i++)
		result_write_run_json(&w, runs[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

/* ---- text ------------------------------------------------------------- */

#define TEXT_MAX_VIOLATIONS 20

/* Text without control characters (one report line stays one line). */
static void put_clean(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fputc(' ', f);
		else
			fputc(c, f);
	}
}

static void print_dr_line(FILE *f, const char *label, const uint64_t *a)
{
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	fprintf(f, "%s:", label);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		fprintf(f, " dr%d %" PRIu64, regs[i], a[regs[i]]);
	fputc('\n', f);
}

/* Arm runs (issue 20): the debug registers with any trap or hypervisor
 * access, "name r/w" for traps and hardware accesses. */
static void print_arm_lines(FILE *f, const struct stats *s)
{
	uint64_t tr = 0, tw = 0, hr = 0, hw = 0;
	for (int i = 0; i < ARM_DBGREG_N; i++) {
		tr += s->arm_traps_r[i];
		tw += s->arm_traps_w[i];
		hr += s->arm_hw_r[i];
		hw += s->arm_hw_w[i];
	}
	fprintf(f, "debug-register traps: %" PRIu64 " reads, %" PRIu64 " writes:", tr, tw);
	for (int i = 0; i < ARM_DBGREG_N; i++)
		if (s->arm_traps_r[i] || s->arm_traps_w[i])
			fprintf(f, " %s %" PRIu64 "/%" PRIu64, arm_dbgreg_name(i), s->arm_traps_r[i], s->arm_traps_w[i]);
	fprintf(f, "\nhw debug-register reads: %" PRIu64 ", writes: %" PRIu64 "\n", hr, hw);
}

void result_render_text(FILE *f, const struct run_result *r)
{
	result_render_text_view(f, r, NULL);
}

void result_render_text_view(FILE *f, const struct run_result *r, const struct kvmstat_view *v)
{
	struct kvmstat_table t;        /* the table `hvsim report` prints too */
	kvmstat_header(f, r, v);
	kvmstat_build_vmexit(r, &t, EXIT_SLOTS);
	if (v)
		kvmstat_sort(&t, v->key);
	kvmstat_text(f, &t);
	fputc('\n', f);

	const struct stats *s = &r->st;
	bool svm = strcmp(r->vendor, "svm") == 0, arm = r->arm_brps != 0;
	const char *regs = svm ? "VMCB" : arm ? "EL2 register" : "VMCS";
	const char *db = arm ? "debug exceptions" : "#DB";
	fprintf(f, "guest instructions: %" PRIu64 "\n", s->guest_instructions);
	fprintf(f, "%s: %" PRIu64 "\n", arm ? "switches to the guest's registers" : "DR loads (guest)", s->dr_guest_loads);
	fprintf(f, "host restores: %" PRIu64 "\n", s->dr_host_restores);
	fprintf(f, "syncs: %" PRIu64 "\n", s->dr_syncs);
	if (arm) {
		print_arm_lines(f, s);
	} else {
		print_dr_line(f, "hw DR reads", s->dr_hw_reads);
		print_dr_line(f, "hw DR writes", s->dr_hw_writes);
	}
	fprintf(f, "%s reads: %" PRIu64 "\n", regs, s->vmcs_reads);
	fprintf(f, "%s writes: %" PRIu64 "\n", regs, s->vmcs_writes);
	fprintf(f, "modeled cycles: %" PRIu64 " (guest %" PRIu64 ", transition %" PRIu64 ", handler %" PRIu64
		", dr %" PRIu64 ", %s %" PRIu64 ", host %" PRIu64 ")\n",
		s->cycles_total, s->cycles_guest, s->cycles_transition, s->cycles_handler, s->cycles_dr,
		svm ? "vmcb" : arm ? "el2" : "vmcs", s->cycles_vmcs, s->cycles_host);
	fprintf(f, "%s guest: delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64 "\n", db,
		s->db_guest_delivered, s->db_guest_missed, s->db_guest_spurious);
	fprintf(f, "%s host: delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64 "\n", db,
		s->db_host_delivered, s->db_host_missed, s->db_host_spurious);
	fprintf(f, "guest stop: %s", engine_stop_name(r->stop));
	if (r->stop_msg[0]) {
		fputs(" (", f);
		put_clean(f, r->stop_msg);
		fputc(')', f);
	}
	fputc('\n', f);
	uint64_t nv = (uint64_t)r->nviol + r->viol_dropped;
	fprintf(f, "violations: %" PRIu64 "\n", nv);
	size_t shown = 0;
	for (size_t i = 0; i < r->nviol && r->viol && shown < TEXT_MAX_VIOLATIONS; i++, shown++) {
		const struct violation *v = &r->viol[i];
		fprintf(f, "  cycle %" PRIu64 " rip 0x%" PRIx64, v->cycle, v->rip);
		if (v->slot >= 0)
			fprintf(f, " slot %d", v->slot);
		fputc(' ', f);
		put_clean(f, v->kind);
		if (v->detail[0]) {
			fputs(": ", f);
			put_clean(f, v->detail);
		}
		fputc('\n', f);
	}
	if (nv > shown)
		fprintf(f, "  ... %" PRIu64 " more\n", nv - shown);
}
