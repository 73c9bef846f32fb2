/* report.c - read a result document back into struct run_result and render
 * the perf-kvm-stat style tables (--event vmexit|dr|db) as text, Markdown,
 * CSV or JSON (report.h).  The field paths are those of
 * docs/result-schema.md; result.c writes them. */
#include "sim/render/report.h"
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/render/result_out.h"

/* ---- reading ------------------------------------------------------------------ */

static int rerr(char *err, size_t errsize, const char *path, const char *fmt, const char *a,
		const char *b)
{
	char msg[400];
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	/* The JSON reader keeps no positions for values: 0:0 like outfile. */
	snprintf(err, errsize, "%s:0:0: %s", path, msg);
	return -1;
}

/* A u64 at `path` below obj; absent = 0.  -1 if present with another type. */
static int get_u64(const struct json_value *obj, const char *path, uint64_t *v)
{
	const struct json_value *x = json_path(obj, path);
	*v = 0;
	if (!x)
		return 0;
	if (x->type != JSON_NUMBER || !x->is_int || x->is_neg)
		return -1;
	*v = x->u;
	return 0;
}

static const char *get_str(const struct json_value *obj, const char *path)
{
	const struct json_value *x = json_path(obj, path);
	return x && x->type == JSON_STRING ? x->s : NULL;
}

#define NEED_U64(obj, p, dst)                                                                \
	do {                                                                                 \
		uint64_t v_;                                                                 \
		if (get_u64((obj), (p), &v_))                                                \
			return rerr(err, errsize, path, "runs[%s].%s: expected an unsigned integer", idx, (p)); \
		(dst) = v_;                                                                  \
	} while (0)

static int read_run(const char *path, const struct json_value *o, size_t k, struct run_result *r,
		    const char ***names_out, char *err, size_t errsize)
{
	char idx[24], p[192];
	snprintf(idx, sizeof(idx), "%zu", k);
	if (o->type != JSON_OBJECT)
		return rerr(err, errsize, path, "runs[%s]: expected an object%s", idx, NULL);
	const char *s;
	if (!(s = get_str(o, "scenario")) || !get_str(o, "policy"))
		return rerr(err, errsize, path, "runs[%s]: missing \"scenario\" or \"policy\"%s", idx, NULL);
	snprintf(r->scenario, sizeof(r->scenario), "%s", s);
	snprintf(r->policy, sizeof(r->policy), "%s", get_str(o, "policy"));
	snprintf(r->vendor, sizeof(r->vendor), "%s", get_str(o, "vendor") ? get_str(o, "vendor") : "none");
	snprintf(r->cost_model, sizeof(r->cost_model), "%s",
		 get_str(o, "cost_model") ? get_str(o, "cost_model") : "");
	for (unsigned i = 0; i < stat_ndescs; i++) {
		uint64_t v;
		NEED_U64(o, stat_descs[i].path, v);
		memcpy((char *)&r->st + stat_descs[i].offset, &v, sizeof(v));
	}
	/* exits.by_reason.NAME: slot i = i-th name */
	const struct json_value *br = json_path(o, "exits.by_reason");
	if (br && br->type != JSON_OBJECT)
		return rerr(err, errsize, path, "runs[%s].exits.by_reason: expected an object%s", idx, NULL);
	size_t nr = br ? br->n : 0;
	if (nr > EXIT_SLOTS)
		return rerr(err, errsize, path, "runs[%s].exits.by_reason: too many exit reasons%s", idx, NULL);
	const char **names = calloc(EXIT_SLOTS, sizeof(*names));
	if (!names)
		return rerr(err, errsize, path, "out of memory%s%s", NULL, NULL);
	*names_out = names;
	r->exit_names = names;
	r->nexit_names = EXIT_SLOTS;
	for (size_t i = 0; i < nr; i++) {
		const char *nm = br->keys[i];
		struct exit_stat *es = &r->st.exits[i];
		names[i] = nm;
		uint64_t sq;
		snprintf(p, sizeof(p), "exits.by_reason.%s", nm);
		NEED_U64(o, p, es->count);
		snprintf(p, sizeof(p), "exits.cycles.%s", nm);
		NEED_U64(o, p, es->cycles);
		snprintf(p, sizeof(p), "exits.min.%s", nm);
		NEED_U64(o, p, es->min);
		snprintf(p, sizeof(p), "exits.max.%s", nm);
		NEED_U64(o, p, es->max);
		snprintf(p, sizeof(p), "exits.sumsq.%s", nm);
		NEED_U64(o, p, sq);
		es->sumsq = (double)sq;
	}
	static const struct { const char *prefix; size_t off; bool stats; } drs[] = {
		{ "dr.hw_reads", offsetof(struct stats, dr_hw_reads), true },
		{ "dr.hw_writes", offsetof(struct stats, dr_hw_writes), true },
		{ "dr.exits.read", offsetof(struct stats, dr_exit_reads), true },
		{ "dr.exits.write", offsetof(struct stats, dr_exit_writes), true },
		{ "dr.final.hw", offsetof(struct run_result, hw_dr), false },
		{ "dr.final.guest", offsetof(struct run_result, guest_dr), false },
		{ "dr.final.hv", offsetof(struct run_result, hv_dr), false },
	};
	for (size_t q = 0; q < sizeof(drs) / sizeof(drs[0]); q++) {
		char *base = drs[q].stats ? (char *)&r->st : (char *)r;
		uint64_t *a = (uint64_t *)(void *)(base + drs[q].off);
		for (int n = 0; n < 8; n++) {
			snprintf(p, sizeof(p), "%s.dr%d", drs[q].prefix, n);
			NEED_U64(o, p, a[n]);
		}
	}
	const char *stop = get_str(o, "guest.stop");
	r->stop = STOP_NONE;
	for (int i = STOP_NONE; stop && i <= STOP_INTERNAL; i++)
		if (!strcmp(engine_stop_name((enum engine_stop)i), stop))
			r->stop = (enum engine_stop)i;
	snprintf(r->stop_msg, sizeof(r->stop_msg), "%s",
		 get_str(o, "guest.stop_message") ? get_str(o, "guest.stop_message") : "");
	NEED_U64(o, "guest.rip", r->guest_rip);
	static const char *const gpr[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	for (int i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "guest.regs.%s", gpr[i]);
		NEED_U64(o, p, r->gprs[i]);
	}
	NEED_U64(o, "db.log_dropped", r->db_dropped);
	NEED_U64(o, "violations_dropped", r->viol_dropped);
	const struct json_value *log = json_path(o, "db.log");
	if (log && log->type != JSON_ARRAY)
		return rerr(err, errsize, path, "runs[%s].db.log: expected an array%s", idx, NULL);
	if (log && log->n) {
		if (!(r->db = calloc(log->n, sizeof(*r->db))))
			return rerr(err, errsize, path, "out of memory%s%s", NULL, NULL);
		for (size_t i = 0; i < log->n; i++) {
			const struct json_value *e = &log->items[i];
			struct db_record *d = &r->db[r->ndb++];
			uint64_t hs, is;
			NEED_U64(e, "cycle", d->cycle);
			NEED_U64(e, "rip", d->rip);
			NEED_U64(e, "dr6", d->dr6);
			NEED_U64(e, "hw_dr6", d->hw_dr6);
			NEED_U64(e, "hw_slots", hs);
			NEED_U64(e, "ideal_slots", is);
			d->hw_slots = (uint8_t)hs;
			d->ideal_slots = (uint8_t)is;
			const char *out = get_str(e, "outcome"), *who = get_str(e, "who");
			if (!out || (strcmp(out, "delivered") && strcmp(out, "missed") && strcmp(out, "spurious")))
				return rerr(err, errsize, path, "runs[%s].db.log: bad \"outcome\"%s", idx, NULL);
			d->outcome = !strcmp(out, "delivered") ? DB_DELIVERED : !strcmp(out, "missed") ? DB_MISSED
												: DB_SPURIOUS;
			d->host = who && !strcmp(who, "host");
			d->cause = get_str(e, "cause");
		}
	}
	const struct json_value *vl = json_path(o, "violations");
	if (vl && vl->type != JSON_ARRAY)
		return rerr(err, errsize, path, "runs[%s].violations: expected an array%s", idx, NULL);
	if (vl && vl->n) {
		if (!(r->viol = calloc(vl->n, sizeof(*r->viol))))
			return rerr(err, errsize, path, "out of memory%s%s", NULL, NULL);
		for (size_t i = 0; i < vl->n; i++) {
			const struct json_value *e = &vl->items[i];
			struct violation *v = &r->viol[r->nviol++];
			NEED_U64(e, "cycle", v->cycle);
			NEED_U64(e, "rip", v->rip);
			const struct json_value *sl = json_get(e, "slot");
			v->slot = sl && sl->type == JSON_NUMBER && sl->is_int ? (int)(sl->is_neg ? sl->i : (int64_t)sl->u) : -1;
			snprintf(v->kind, sizeof(v->kind), "%s", get_str(e, "kind") ? get_str(e, "kind") : "");
			snprintf(v->detail, sizeof(v->detail), "%s", get_str(e, "detail") ? get_str(e, "detail") : "");
		}
	}
	return 0;
}

int result_doc_parse(const char *path, const char *buf, size_t len, struct result_doc *doc, char *err,
		     size_t errsize)
{
	memset(doc, 0, sizeof(*doc));
	char perr[256];
	doc->root = json_parse(buf, len, perr, sizeof(perr));
	if (!doc->root) {
		snprintf(err, errsize, "%s:%s", path, perr);
		return -1;
	}
	const struct json_value *root = doc->root;
	/* `hvsim run --format json` writes "hvsim-result"; `hvsim compare
	 * --format json` writes "hvsim-compare" (sim/cmd_compare.c, version 1)
	 * with the same run objects plus its table. */
	const char *schema = root->type == JSON_OBJECT ? get_str(root, "schema") : NULL;
	bool cmp = schema && !strcmp(schema, "hvsim-compare");
	if (!schema || (strcmp(schema, RESULT_SCHEMA) && !cmp)) {
		rerr(err, errsize, path,
		     "not an hvsim result document (\"schema\" is neither \"%s\" nor \"hvsim-compare\")%s",
		     RESULT_SCHEMA, NULL);
		goto fail;
	}
	uint64_t ver;
	if (get_u64(root, "version", &ver) || ver == 0) {
		rerr(err, errsize, path, "result document without a version%s%s", NULL, NULL);
		goto fail;
	}
	if (ver > RESULT_SCHEMA_VERSION) {   /* 1 for both hvsim-result and hvsim-compare */
		char b[32];
		snprintf(b, sizeof(b), "%" PRIu64, ver);
		rerr(err, errsize, path, "result version %s is newer than this hvsim understands: please upgrade%s",
		     b, NULL);
		goto fail;
	}
	const struct json_value *runs = json_get(root, "runs");
	if (!runs || runs->type != JSON_ARRAY) {
		rerr(err, errsize, path, "result document without a \"runs\" array%s%s", NULL, NULL);
		goto fail;
	}
	if (!runs->n) {
		rerr(err, errsize, path, "the result document has no runs%s%s", NULL, NULL);
		goto fail;
	}
	doc->runs = calloc(runs->n, sizeof(*doc->runs));
	doc->names = calloc(runs->n, sizeof(*doc->names));
	if (!doc->runs || !doc->names) {
		rerr(err, errsize, path, "out of memory%s%s", NULL, NULL);
		goto fail;
	}
	for (size_t k = 0; k < runs->n; k++) {
		doc->nruns = k + 1;
		if (read_run(path, &runs->items[k], k, &doc->runs[k], &doc->names[k], err, errsize))
			goto fail;
	}
	return 0;
fail:
	result_doc_free(doc);
	return -1;
}

int result_doc_read(const char *path, struct result_doc *doc, char *err, size_t errsize)
{
	memset(doc, 0, sizeof(*doc));
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		snprintf(err, errsize, "%s:0:0: cannot open: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	bool bad = !buf || ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errsize, "%s:0:0: %s", path, buf ? "read error" : "out of memory");
		return -1;
	}
	int rc = result_doc_parse(path, buf, len, doc, err, errsize);
	free(buf);
	return rc;
}

void result_doc_free(struct result_doc *doc)
{
	for (size_t k = 0; k < doc->nruns; k++) {
		doc->runs[k].exit_names = NULL;
		run_result_free(&doc->runs[k]);
		if (doc->names)
			free(doc->names[k]);
	}
	free(doc->runs);
	free(doc->names);
	if (doc->root)
		json_free(doc->root);
	memset(doc, 0, sizeof(*doc));
}

/* ---- tables ---------------------------------------------------------------------- */

struct rrow {
	char key[64];
	uint64_t n;                    /* samples */
	bool timed;                    /* cycles/min/max/sumsq known */
	uint64_t cycles, min, max;
	double sumsq;
	uint64_t del, mis, spu;        /* #DB view */
};

enum tkind { TK_TIMED, TK_DB };

struct rtable {
	const char *source;            /* "exits", "dr_exits", "dr_hw", "db" */
	const char *title;             /* section line ("" for none) */
	const char *keyhdr;            /* first column header */
	enum tkind kind;
	struct rrow rows[64];
	size_t n;
	uint64_t total_n, total_cycles, total_del, total_mis, total_spu;
	bool cycles_known;
	const char *note;              /* footer remark or NULL */
};

static int row_cmp(const void *a, const void *b)
{
	const struct rrow *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *slot_name(const struct run_result *r, unsigned i, char *buf, size_t n)
{
	if (r->exit_names && i < r->nexit_names && r->exit_names[i])
		return r->exit_names[i];
	snprintf(buf, n, "UNKNOWN_%u", i);
	return buf;
}

static void build_vmexit(const struct run_result *r, struct rtable *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "exits";
	t->title = "";
	t->keyhdr = "VM-EXIT";
	t->cycles_known = true;
	for (unsigned i = 0; i < EXIT_SLOTS && t->n < 64; i++) {
		const struct exit_stat *es = &r->st.exits[i];
		if (!es->count)
			continue;
		struct rrow *w = &t->rows[t->n++];
		char b[32];
		snprintf(w->key, sizeof(w->key), "%s", slot_name(r, i, b, sizeof(b)));
		w->n = es->count;
		w->timed = true;
		w->cycles = es->cycles;
		w->min = es->min;
		w->max = es->max;
		w->sumsq = es->sumsq;
		t->total_n += es->count;
		t->total_cycles += es->cycles;
	}
	qsort(t->rows, t->n, sizeof(t->rows[0]), row_cmp);
}

/* SVM names its MOV-DR exits per register (read_dr7, write_dr7): their
 * per-exit cycles give the DR view real time columns. */
static const struct exit_stat *svm_dr_exit(const struct run_result *r, int dr, bool write)
{
	char want[16];
	snprintf(want, sizeof(want), "%s_dr%d", write ? "write" : "read", dr);
	for (unsigned i = 0; i < EXIT_SLOTS; i++)
		if (r->exit_names && i < r->nexit_names && r->exit_names[i] && !strcmp(r->exit_names[i], want))
			return &r->st.exits[i];
	return NULL;
}

static bool is_dr_exit_name(const char *n)
{
	return !strcmp(n, "DR_ACCESS") || !strncmp(n, "read_dr", 7) || !strncmp(n, "write_dr", 8);
}

static void build_dr(const struct run_result *r, bool hw, struct rtable *t)
{
	memset(t, 0, sizeof(*t));
	t->source = hw ? "dr_hw" : "dr_exits";
	t->title = hw ? "Hypervisor accesses to the hardware DRs (dr.hw_reads, dr.hw_writes):"
		      : "Guest MOV-DR exits by register and direction (dr.exits.read, dr.exits.write):";
	t->keyhdr = "DR Access";
	const uint64_t *rd = hw ? r->st.dr_hw_reads : r->st.dr_exit_reads;
	const uint64_t *wr = hw ? r->st.dr_hw_writes : r->st.dr_exit_writes;
	bool all_timed = true;
	for (int n = 0; n < 8; n++)
		for (int dir = 1; dir >= 0; dir--) {
			uint64_t c = dir ? wr[n] : rd[n];
			if (!c)
				continue;
			struct rrow *w = &t->rows[t->n++];
			snprintf(w->key, sizeof(w->key), "DR%d:%c", n, dir ? 'W' : 'R');
			w->n = c;
			const struct exit_stat *es = hw ? NULL : svm_dr_exit(r, n, dir);
			if (es && es->count == c) {
				w->timed = true;
				w->cycles = es->cycles;
				w->min = es->min;
				w->max = es->max;
				w->sumsq = es->sumsq;
			} else {
				all_timed = false;
			}
			t->total_n += c;
		}
	if (hw) {
		t->total_cycles = r->st.cycles_dr;
		t->cycles_known = true;
		t->note = "cycles of hardware DR accesses are counted in total (cycles.dr), not per register";
	} else {
		for (unsigned i = 0; i < EXIT_SLOTS; i++) {
			char b[32];
			if (r->st.exits[i].count && is_dr_exit_name(slot_name(r, i, b, sizeof(b))))
				t->total_cycles += r->st.exits[i].cycles;
		}
		t->cycles_known = true;
		if (!all_timed)
			t->note = "VMX reports every MOV-DR exit as DR_ACCESS: its cycles are in the DR_ACCESS row of --event vmexit";
	}
	qsort(t->rows, t->n, sizeof(t->rows[0]), row_cmp);
}

static void db_key(const struct db_record *d, char *b, size_t n)
{
	const char *who = d->host ? "host" : "guest";
	unsigned slots = d->outcome == DB_SPURIOUS ? d->hw_slots : d->ideal_slots;
	if (!slots && d->outcome == DB_SPURIOUS)
		slots = d->hw_slots;
	if (slots & 0xF) {
		int s = __builtin_ctz(slots & 0xF);
		snprintf(b, n, "%s:DR%d", who, s);
		return;
	}
	const char *c = d->cause ? d->cause : "?";
	const char *k = !strcmp(c, "single-step") ? "BS" : !strcmp(c, "gd") ? "BD" : !strcmp(c, "icebp") ? "ICEBP" : c;
	snprintf(b, n, "%s:%s", who, k);
}

static void build_db(const struct run_result *r, struct rtable *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "db";
	t->title = "";
	t->keyhdr = "#DB";
	t->kind = TK_DB;
	for (size_t i = 0; i < r->ndb && r->db; i++) {
		const struct db_record *d = &r->db[i];
		/* one count per slot when several matched at once */
		unsigned slots = (d->outcome == DB_SPURIOUS ? d->hw_slots : d->ideal_slots) & 0xF;
		int reps = slots ? __builtin_popcount(slots) : 1;
		for (int k = 0; k < reps; k++) {
			struct db_record one = *d;
			if (slots) {
				unsigned bit = slots & -slots;
				slots &= ~bit;
				one.ideal_slots = one.hw_slots = (uint8_t)bit;
			}
			char key[64];
			db_key(&one, key, sizeof(key));
			size_t j;
			for (j = 0; j < t->n && strcmp(t->rows[j].key, key); j++)
				;
			if (j == t->n) {
				if (t->n == 64)
					continue;
				memset(&t->rows[j], 0, sizeof(t->rows[j]));
				snprintf(t->rows[j].key, sizeof(t->rows[j].key), "%s", key);
				t->n++;
			}
			struct rrow *w = &t->rows[j];
			w->n++;
			if (d->outcome == DB_DELIVERED)
				w->del++;
			else if (d->outcome == DB_MISSED)
				w->mis++;
			else
				w->spu++;
			t->total_n++;
		}
	}
	const struct stats *s = &r->st;
	t->total_del = s->db_guest_delivered + s->db_host_delivered;
	t->total_mis = s->db_guest_missed + s->db_host_missed;
	t->total_spu = s->db_guest_spurious + s->db_host_spurious;
	if (r->db_dropped)
		t->note = "db.log was full: the rows count the records kept, the totals come from the counters";
	qsort(t->rows, t->n, sizeof(t->rows[0]), row_cmp);
}

/* perf's "+-": relative stddev of the mean, percent (as result.c). */
static double rel_stddev(const struct rrow *w)
{
	if (w->n < 2 || w->cycles == 0)
		return 0.0;
	double n = (double)w->n, mean = (double)w->cycles / n;
	double var = (w->sumsq - n * mean * mean) / (n - 1.0);
	if (!(var > 0.0))
		return 0.0;
	return sqrt(var / n) / mean * 100.0;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static uint64_t avg(const struct rrow *w)
{
	return w->n ? (w->cycles + w->n / 2) / w->n : 0;
}

static void header_line(FILE *f, const struct run_result *r)
{
	fprintf(f, "Analyze events for scenario %s, policy %s (%s), all VCPUs:\n\n", r->scenario, r->policy,
		r->vendor[0] ? r->vendor : "none");
}

static void text_table(FILE *f, const struct rtable *t)
{
	if (t->title[0])
		fprintf(f, "%s\n", t->title);
	if (t->kind == TK_DB) {
		fprintf(f, "%20s %10s %9s %11s %11s %11s\n", t->keyhdr, "Samples", "Samples%", "Delivered", "Missed",
			"Spurious");
		for (size_t i = 0; i < t->n; i++) {
			const struct rrow *w = &t->rows[i];
			fprintf(f, "%20s %10" PRIu64 " %8.2f%% %11" PRIu64 " %11" PRIu64 " %11" PRIu64 "\n", w->key,
				w->n, pct(w->n, t->total_n), w->del, w->mis, w->spu);
		}
		fprintf(f, "\nTotal Samples:%" PRIu64 ", delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64
			".\n", t->total_n, t->total_del, t->total_mis, t->total_spu);
	} else {
		fprintf(f, "%20s %10s %9s %9s %11s %11s %16s\n", t->keyhdr, "Samples", "Samples%", "Time%", "Min Cyc",
			"Max Cyc", "Avg cyc");
		for (size_t i = 0; i < t->n; i++) {
			const struct rrow *w = &t->rows[i];
			if (w->timed)
				fprintf(f, "%20s %10" PRIu64 " %8.2f%% %8.2f%% %11" PRIu64 " %11" PRIu64 " %8" PRIu64
					" ( +-%7.2f%% )\n", w->key, w->n, pct(w->n, t->total_n),
					pct(w->cycles, t->total_cycles), w->min, w->max, avg(w), rel_stddev(w));
			else
				fprintf(f, "%20s %10" PRIu64 " %8.2f%% %9s %11s %11s %16s\n", w->key, w->n,
					pct(w->n, t->total_n), "-", "-", "-", "-");
		}
		fprintf(f, "\nTotal Samples:%" PRIu64 ", Total events handled cycles:%" PRIu64 ".\n", t->total_n,
			t->total_cycles);
	}
	if (t->note)
		fprintf(f, "(%s)\n", t->note);
}

static void md_table(FILE *f, const struct rtable *t)
{
	if (t->title[0])
		fprintf(f, "%s\n\n", t->title);
	if (t->kind == TK_DB) {
		fprintf(f, "| %s | Samples | Samples%% | Delivered | Missed | Spurious |\n|---|--:|--:|--:|--:|--:|\n",
			t->keyhdr);
		for (size_t i = 0; i < t->n; i++) {
			const struct rrow *w = &t->rows[i];
			fprintf(f, "| %s | %" PRIu64 " | %.2f%% | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n", w->key,
				w->n, pct(w->n, t->total_n), w->del, w->mis, w->spu);
		}
		fprintf(f, "\nTotal Samples: %" PRIu64 ", delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64
			".\n", t->total_n, t->total_del, t->total_mis, t->total_spu);
	} else {
		fprintf(f, "| %s | Samples | Samples%% | Time%% | Min Cyc | Max Cyc | Avg cyc | +- |\n"
			   "|---|--:|--:|--:|--:|--:|--:|--:|\n", t->keyhdr);
		for (size_t i = 0; i < t->n; i++) {
			const struct rrow *w = &t->rows[i];
			if (w->timed)
				fprintf(f, "| %s | %" PRIu64 " | %.2f%% | %.2f%% | %" PRIu64 " | %" PRIu64 " | %" PRIu64
					" | %.2f%% |\n", w->key, w->n, pct(w->n, t->total_n), pct(w->cycles, t->total_cycles),
					w->min, w->max, avg(w), rel_stddev(w));
			else
				fprintf(f, "| %s | %" PRIu64 " | %.2f%% | - | - | - | - | - |\n", w->key, w->n,
					pct(w->n, t->total_n));
		}
		fprintf(f, "\nTotal Samples: %" PRIu64 ", total events handled cycles: %" PRIu64 ".\n", t->total_n,
			t->total_cycles);
	}
	if (t->note)
		fprintf(f, "(%s)\n", t->note);
	fputc('\n', f);
}

static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_rows(FILE *f, const struct run_result *r, const struct rtable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct rrow *w = &t->rows[i];
		csv_str(f, r->scenario);
		fputc(',', f);
		csv_str(f, r->policy);
		fprintf(f, ",%s,%s,", r->vendor, t->source);
		csv_str(f, w->key);
		if (t->kind == TK_DB)
			fprintf(f, ",%" PRIu64 ",%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", w->n,
				pct(w->n, t->total_n), w->del, w->mis, w->spu);
		else if (w->timed)
			fprintf(f, ",%" PRIu64 ",%.2f,%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.2f\n", w->n,
				pct(w->n, t->total_n), pct(w->cycles, t->total_cycles), w->min, w->max, avg(w),
				rel_stddev(w));
		else
			fprintf(f, ",%" PRIu64 ",%.2f,,,,,\n", w->n, pct(w->n, t->total_n));
	}
}

static void json_table(FILE *f, const struct rtable *t, bool last)
{
	fprintf(f, "        {\"source\": \"%s\", \"key\": ", t->source);
	json_write_escaped(f, t->keyhdr);
	fputs(", \"rows\": [", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct rrow *w = &t->rows[i];
		fprintf(f, "%s\n          {\"key\": ", i ? "," : "");
		json_write_escaped(f, w->key);
		fprintf(f, ", \"samples\": %" PRIu64 ", \"samples_pct\": %.2f", w->n, pct(w->n, t->total_n));
		if (t->kind == TK_DB)
			fprintf(f, ", \"delivered\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"spurious\": %" PRIu64 "}",
				w->del, w->mis, w->spu);
		else if (w->timed)
			fprintf(f, ", \"time_pct\": %.2f, \"min_cycles\": %" PRIu64 ", \"max_cycles\": %" PRIu64
				", \"avg_cycles\": %" PRIu64 ", \"stddev_pct\": %.2f}", pct(w->cycles, t->total_cycles),
				w->min, w->max, avg(w), rel_stddev(w));
		else
			fputs(", \"time_pct\": null, \"min_cycles\": null, \"max_cycles\": null, \"avg_cycles\": null, "
			      "\"stddev_pct\": null}", f);
	}
	fprintf(f, "%s], \"total_samples\": %" PRIu64, t->n ? "\n        " : "", t->total_n);
	if (t->kind == TK_DB)
		fprintf(f, ", \"delivered\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"spurious\": %" PRIu64, t->total_del,
			t->total_mis, t->total_spu);
	else
		fprintf(f, ", \"total_cycles\": %" PRIu64, t->total_cycles);
	fprintf(f, "}%s\n", last ? "" : ",");
}

static size_t build(const struct run_result *r, enum report_event ev, struct rtable *t)
{
	switch (ev) {
	case REPORT_VMEXIT: build_vmexit(r, &t[0]); return 1;
	case REPORT_DR: build_dr(r, false, &t[0]); build_dr(r, true, &t[1]); return 2;
	case REPORT_DB: build_db(r, &t[0]); return 1;
	}
	return 0;
}

static const char *const event_names[] = { "vmexit", "dr", "db" };

int report_render(FILE *f, const struct run_result *const *runs, size_t nruns, enum report_event ev,
		  enum report_format fmt)
{
	struct rtable *t = malloc(2 * sizeof(*t));
	if (!t)
		return -1;
	if (fmt == RF_CSV)
		fputs(ev == REPORT_DB ? "scenario,policy,vendor,source,db,samples,samples_pct,delivered,missed,spurious\n"
				      : "scenario,policy,vendor,source,key,samples,samples_pct,time_pct,min_cycles,"
					"max_cycles,avg_cycles,stddev_pct\n", f);
	if (fmt == RF_JSON)
		fprintf(f, "{\n  \"schema\": \"hvsim-report\",\n  \"version\": 1,\n  \"event\": \"%s\",\n  \"unit\": "
			   "\"cycles\",\n  \"runs\": [\n", event_names[ev]);
	for (size_t k = 0; k < nruns; k++) {
		const struct run_result *r = runs[k];
		size_t nt = build(r, ev, t);
		switch (fmt) {
		case RF_TEXT:
			if (k)
				fputc('\n', f);
			if (ev == REPORT_VMEXIT) {
				result_render_text(f, r);      /* the very table `hvsim run` prints */
				break;
			}
			header_line(f, r);
			for (size_t i = 0; i < nt; i++) {
				if (i)
					fputc('\n', f);
				text_table(f, &t[i]);
			}
			break;
		case RF_MD:
			fprintf(f, "### Scenario %s, policy %s (%s)\n\n", r->scenario, r->policy,
				r->vendor[0] ? r->vendor : "none");
			for (size_t i = 0; i < nt; i++)
				md_table(f, &t[i]);
			break;
		case RF_CSV:
			for (size_t i = 0; i < nt; i++)
				csv_rows(f, r, &t[i]);
			break;
		case RF_JSON:
			fputs("    {\"scenario\": ", f);
			json_write_escaped(f, r->scenario);
			fputs(", \"policy\": ", f);
			json_write_escaped(f, r->policy);
			fputs(", \"vendor\": ", f);
			json_write_escaped(f, r->vendor);
			fputs(",\n      \"tables\": [\n", f);
			for (size_t i = 0; i < nt; i++)
				json_table(f, &t[i], i + 1 == nt);
			fprintf(f, "      ]}%s\n", k + 1 == nruns ? "" : ",");
			break;
		}
	}
	if (fmt == RF_JSON)
		fputs("  ]\n}\n", f);
	free(t);
	return ferror(f) ? -1 : 0;
}

int report_event_parse(const char *s, enum report_event *ev)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, event_names[i])) {
			*ev = (enum report_event)i;
			return 0;
		}
	return -1;
}

int report_format_parse(const char *s, enum report_format *fmt)
{
	static const char *const names[] = { "text", "md", "csv", "json" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*fmt = (enum report_format)i;
			return 0;
		}
	return -1;
}
