/* report.c - read a result document back into struct run_result and render
 * the perf-kvm-stat style tables (--event vmexit|dr|db, sim/render/kvmstat.c)
 * as text, Markdown, CSV or JSON (report.h).  The field paths are those of
 * docs/result-schema.md; result.c writes them. */
#include "sim/render/report.h"
#include "sim/util/util.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/render/kvmstat.h"
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

/* The fields of an Arm run (issue 20: sim/result.c visit_arm): the banks
 * the result shows give the CPU's breakpoint and watchpoint counts. */
static int read_arm(const struct json_value *o, struct run_result *r)
{
	char p[128];
	static const struct { const char *prefix; size_t off; bool stats; } tab[] = {
		{ "arm.traps.read", offsetof(struct stats, arm_traps_r), true },
		{ "arm.traps.write", offsetof(struct stats, arm_traps_w), true },
		{ "arm.hw_reads", offsetof(struct stats, arm_hw_r), true },
		{ "arm.hw_writes", offsetof(struct stats, arm_hw_w), true },
		{ "arm.final.hw", offsetof(struct run_result, arm_hw), false },
		{ "arm.final.guest", offsetof(struct run_result, arm_guest), false },
		{ "arm.final.hv", offsetof(struct run_result, arm_hv), false },
	};
	for (int i = 0; i < ARM_DBGREG_N; i++) {
		snprintf(p, sizeof(p), "arm.traps.read.%s", arm_dbgreg_name(i));
		if (!json_path(o, p))
			continue;
		int slot = arm_dbgreg_slot(i);
		if (slot >= 0 && i < ARM_DBGWVR0 && (unsigned)slot + 1 > r->arm_brps)
			r->arm_brps = (unsigned)slot + 1;
		if (slot >= 0 && i >= ARM_DBGWVR0 && (unsigned)slot + 1 > r->arm_wrps)
			r->arm_wrps = (unsigned)slot + 1;
		for (size_t q = 0; q < sizeof(tab) / sizeof(tab[0]); q++) {
			char *base = tab[q].stats ? (char *)&r->st : (char *)r;
			uint64_t *a = (uint64_t *)(void *)(base + tab[q].off);
			snprintf(p, sizeof(p), "%s.%s", tab[q].prefix, arm_dbgreg_name(i));
			if (get_u64(o, p, &a[i]))
				return -1;
		}
	}
	for (int i = 0; i < 31; i++) {
		snprintf(p, sizeof(p), "guest.regs.x%d", i);
		if (get_u64(o, p, &r->arm_x[i]))
			return -1;
	}
	if (!r->arm_brps)
		r->arm_brps = 1;                   /* an Arm run, whatever its banks */
	return 0;
}

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
	if (json_path(o, "arm.traps.reads") && read_arm(o, r))
		return rerr(err, errsize, path, "runs[%s]: a bad arm.* field%s", idx, NULL);
	/* Present only in runs where the host debugged the guest. */
	if (json_path(o, "exits.to_user.debug")) {
		NEED_U64(o, "exits.to_user.debug", r->st.exits_to_user_debug);
		r->st.guest_debug = 1;     /* the flags themselves are not in the result */
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
			d->hw_slots = (uint16_t)hs;
			d->ideal_slots = (uint16_t)is;
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
	 * --format json` writes "hvsim-compare" (sim/cli/cmd_compare.c, version 1)
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
	size_t len;
	char *buf = util_read_file(path, UTIL_MAX_DOCUMENT, &len);
	if (!buf) {
		util_read_error(err, errsize, path, UTIL_MAX_DOCUMENT);
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

static size_t build(const struct run_result *r, enum report_event ev, struct kvmstat_table *t)
{
	switch (ev) {
	case REPORT_VMEXIT:
		/* at most 64 reasons in the md/csv/json views, as always (the text
		 * view is result_render_text's, with every reason) */
		kvmstat_build_vmexit(r, &t[0], 64);
		return 1;
	case REPORT_DR: kvmstat_build_dr(r, false, &t[0]); kvmstat_build_dr(r, true, &t[1]); return 2;
	case REPORT_DB: kvmstat_build_db(r, &t[0]); return 1;
	}
	return 0;
}

static const char *const event_names[] = { "vmexit", "dr", "db" };

int report_render(FILE *f, const struct run_result *const *runs, size_t nruns, enum report_event ev,
		  enum report_format fmt)
{
	return report_render_view(f, runs, nruns, ev, fmt, &kvmstat_view_default);
}

int report_render_view(FILE *f, const struct run_result *const *runs, size_t nruns, enum report_event ev,
		       enum report_format fmt, const struct kvmstat_view *v)
{
	struct kvmstat_table *t = malloc(2 * sizeof(*t));
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
		for (size_t i = 0; i < nt; i++)
			kvmstat_sort(&t[i], v->key);
		switch (fmt) {
		case RF_TEXT:
			if (k)
				fputc('\n', f);
			if (ev == REPORT_VMEXIT) {
				result_render_text_view(f, r, v);  /* the very table `hvsim run` prints */
				break;
			}
			kvmstat_header(f, r, v);
			for (size_t i = 0; i < nt; i++) {
				if (i)
					fputc('\n', f);
				kvmstat_text(f, &t[i]);
			}
			break;
		case RF_MD:
			fprintf(f, "### Scenario %s, policy %s (%s)\n\n", r->scenario, r->policy,
				r->vendor[0] ? r->vendor : "none");
			for (size_t i = 0; i < nt; i++)
				kvmstat_md(f, &t[i]);
			break;
		case RF_CSV:
			for (size_t i = 0; i < nt; i++)
				kvmstat_csv_rows(f, r, &t[i]);
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
				kvmstat_json(f, &t[i], i + 1 == nt);
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
