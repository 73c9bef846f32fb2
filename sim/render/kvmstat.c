/* kvmstat.c - the perf-kvm-stat style tables (kvmstat.h): built from a run
 * result, rendered as text, Markdown, CSV rows or JSON.  `hvsim run` prints
 * the vmexit table through result_render_text(); `hvsim report` prints it
 * and the dr and db tables through report_render(). */
#include "sim/render/kvmstat.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/json.h"
#include "sim/util/util.h"

const struct kvmstat_view kvmstat_view_default = { KVMSTAT_KEY_SAMPLE, -1 };

int kvmstat_key_parse(const char *s, enum kvmstat_key *key)
{
	if (!strcmp(s, "sample"))
		*key = KVMSTAT_KEY_SAMPLE;
	else if (!strcmp(s, "time"))
		*key = KVMSTAT_KEY_TIME;
	else
		return -1;
	return 0;
}

/* SVM exit keys and the kernel's display strings (svm/exit_reasons.def). */
static const struct { const char *key, *label; } svm_labels[] = {
#define SVM_EXIT(e, code, name, linux) { name, linux },
#include "svm/exit_reasons.def"
#undef SVM_EXIT
};

const char *kvmstat_exit_label(const char *vendor, const char *key)
{
	if (vendor && !strcmp(vendor, "svm"))
		for (size_t i = 0; i < sizeof(svm_labels) / sizeof(svm_labels[0]); i++)
			if (!strcmp(svm_labels[i].key, key))
				return svm_labels[i].label;
	return key;
}

static int name_cmp(const struct kvmstat_row *x, const struct kvmstat_row *y)
{
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static int row_cmp(const void *a, const void *b)
{
	const struct kvmstat_row *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return name_cmp(x, y);
}

/* perf's "time" key: the mean (average cycles); untimed rows last. */
static int time_cmp(const void *a, const void *b)
{
	const struct kvmstat_row *x = a, *y = b;
	if (x->timed != y->timed)
		return x->timed ? -1 : 1;
	/* compare cycles/n exactly: x.c * y.n vs y.c * x.n */
	unsigned __int128 l = (unsigned __int128)x->cycles * (y->n ? y->n : 1);
	unsigned __int128 r = (unsigned __int128)y->cycles * (x->n ? x->n : 1);
	if (l != r)
		return l > r ? -1 : 1;
	return row_cmp(a, b);
}

void kvmstat_sort(struct kvmstat_table *t, enum kvmstat_key key)
{
	bool time = key == KVMSTAT_KEY_TIME && t->kind == KVMSTAT_TIMED;
	qsort(t->rows, t->n, sizeof(t->rows[0]), time ? time_cmp : row_cmp);
}

void kvmstat_build_vmexit(const struct run_result *r, struct kvmstat_table *t, size_t max_rows)
{
	memset(t, 0, sizeof(*t));
	t->source = "exits";
	t->title = "";
	t->keyhdr = "VM-EXIT";
	t->cycles_known = true;
	for (unsigned i = 0; i < EXIT_SLOTS && t->n < max_rows; i++) {
		const struct exit_stat *es = &r->st.exits[i];
		if (!es->count)
			continue;
		struct kvmstat_row *w = &t->rows[t->n++];
		w->slot = i;
		result_slot_name(r, i, w->key, sizeof(w->key));
		snprintf(w->label, sizeof(w->label), "%s", kvmstat_exit_label(r->vendor, w->key));
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

void kvmstat_build_dr(const struct run_result *r, bool hw, struct kvmstat_table *t)
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
			struct kvmstat_row *w = &t->rows[t->n++];
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
			char b[64];
			result_slot_name(r, i, b, sizeof(b));
			if (r->st.exits[i].count && is_dr_exit_name(b))
				t->total_cycles += r->st.exits[i].cycles;
		}
		t->cycles_known = true;
		if (!all_timed)
			t->note = "VMX reports every MOV-DR exit as DR_ACCESS: its cycles are in the DR_ACCESS row of --event vmexit";
	}
	qsort(t->rows, t->n, sizeof(t->rows[0]), row_cmp);
}

/* The slot bits a #DB record names: DR0-DR3 on x86; on Arm breakpoint or
 * watchpoint n (up to 16 of each, told apart by the cause). */
static unsigned db_slot_mask(bool arm) { return arm ? 0xFFFFu : 0xFu; }

static void db_key(const struct db_record *d, bool arm, char *b, size_t n)
{
	const char *who = d->host ? "host" : "guest";
	const char *c = d->cause ? d->cause : "?";
	unsigned slots = d->outcome == DB_SPURIOUS ? d->hw_slots : d->ideal_slots;
	if (!slots && d->outcome == DB_SPURIOUS)
		slots = d->hw_slots;
	if (slots & db_slot_mask(arm)) {
		int s = __builtin_ctz(slots & db_slot_mask(arm));
		/* Arm's registers are DBGBVR<n>/DBGWVR<n> (Arm ARM D2): BPn, WPn */
		if (arm)
			snprintf(b, n, "%s:%s%d", who, !strcmp(c, "watchpoint") ? "WP" : "BP", s);
		else
			snprintf(b, n, "%s:DR%d", who, s);
		return;
	}
	if (arm && !strcmp(c, "software-step")) {
		snprintf(b, n, "%s:SS", who);
		return;
	}
	const char *k = !strcmp(c, "single-step") ? "BS" : !strcmp(c, "gd") ? "BD" : !strcmp(c, "icebp") ? "ICEBP" : c;
	snprintf(b, n, "%s:%s", who, k);
}

void kvmstat_build_db(const struct run_result *r, struct kvmstat_table *t)
{
	memset(t, 0, sizeof(*t));
	t->source = "db";
	t->title = "";
	t->keyhdr = "#DB";
	t->kind = KVMSTAT_DB;
	bool arm = !strcmp(r->vendor, "arm");
	for (size_t i = 0; i < r->ndb && r->db; i++) {
		const struct db_record *d = &r->db[i];
		/* one count per slot when several matched at once */
		unsigned slots = (d->outcome == DB_SPURIOUS ? d->hw_slots : d->ideal_slots) & db_slot_mask(arm);
		int reps = slots ? __builtin_popcount(slots) : 1;
		for (int k = 0; k < reps; k++) {
			struct db_record one = *d;
			if (slots) {
				unsigned bit = slots & -slots;
				slots &= ~bit;
				one.ideal_slots = one.hw_slots = (uint16_t)bit;
			}
			char key[64];
			db_key(&one, arm, key, sizeof(key));
			size_t j;
			for (j = 0; j < t->n && strcmp(t->rows[j].key, key); j++)
				;
			if (j == t->n) {
				if (t->n == KVMSTAT_DB_ROWS)
					continue;
				memset(&t->rows[j], 0, sizeof(t->rows[j]));
				snprintf(t->rows[j].key, sizeof(t->rows[j].key), "%s", key);
				t->n++;
			}
			struct kvmstat_row *w = &t->rows[j];
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
static double rel_stddev(const struct kvmstat_row *w)
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

static uint64_t avg(const struct kvmstat_row *w)
{
	return w->n ? (w->cycles + w->n / 2) / w->n : 0;
}

/* The name a person reads: the kernel's for exit reasons, else the key. */
static const char *lab(const struct kvmstat_row *w)
{
	return w->label[0] ? w->label : w->key;
}

void kvmstat_header(FILE *f, const struct run_result *r, const struct kvmstat_view *v)
{
	fprintf(f, "Analyze events for scenario %s, policy %s (%s), ", r->scenario, r->policy,
		r->vendor[0] ? r->vendor : "none");
	if (v && v->vcpu >= 0)
		fprintf(f, "VCPU %d:\n\n", v->vcpu);
	else
		fputs("all VCPUs:\n\n", f);
}

void kvmstat_text(FILE *f, const struct kvmstat_table *t)
{
	if (t->title[0])
		fprintf(f, "%s\n", t->title);
	if (t->kind == KVMSTAT_DB) {
		fprintf(f, "%20s %10s %9s %11s %11s %11s\n\n", t->keyhdr, "Samples", "Samples%", "Delivered", "Missed",
			"Spurious");
		for (size_t i = 0; i < t->n; i++) {
			const struct kvmstat_row *w = &t->rows[i];
			fprintf(f, "%20s %10" PRIu64 " %8.2f%% %11" PRIu64 " %11" PRIu64 " %11" PRIu64 "\n", lab(w),
				w->n, pct(w->n, t->total_n), w->del, w->mis, w->spu);
		}
		fprintf(f, "\nTotal Samples:%" PRIu64 ", delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64
			".\n", t->total_n, t->total_del, t->total_mis, t->total_spu);
	} else {
		fprintf(f, "%20s %10s %9s %9s %11s %11s %16s\n\n", t->keyhdr, "Samples", "Samples%", "Time%", "Min Cyc",
			"Max Cyc", "Avg cyc");
		for (size_t i = 0; i < t->n; i++) {
			const struct kvmstat_row *w = &t->rows[i];
			if (w->timed)
				fprintf(f, "%20s %10" PRIu64 " %8.2f%% %8.2f%% %11" PRIu64 " %11" PRIu64 " %8" PRIu64
					" ( +-%7.2f%% )\n", lab(w), w->n, pct(w->n, t->total_n),
					pct(w->cycles, t->total_cycles), w->min, w->max, avg(w), rel_stddev(w));
			else
				fprintf(f, "%20s %10" PRIu64 " %8.2f%% %9s %11s %11s %16s\n", lab(w), w->n,
					pct(w->n, t->total_n), "-", "-", "-", "-");
		}
		fprintf(f, "\nTotal Samples:%" PRIu64 ", Total events handled cycles:%" PRIu64 ".\n", t->total_n,
			t->total_cycles);
	}
	if (t->note)
		fprintf(f, "(%s)\n", t->note);
}

void kvmstat_md(FILE *f, const struct kvmstat_table *t)
{
	if (t->title[0])
		fprintf(f, "%s\n\n", t->title);
	if (t->kind == KVMSTAT_DB) {
		fprintf(f, "| %s | Samples | Samples%% | Delivered | Missed | Spurious |\n|---|--:|--:|--:|--:|--:|\n",
			t->keyhdr);
		for (size_t i = 0; i < t->n; i++) {
			const struct kvmstat_row *w = &t->rows[i];
			fputs("| ", f);
			util_md_text(f, lab(w));
			fprintf(f, " | %" PRIu64 " | %.2f%% | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " |\n",
				w->n, pct(w->n, t->total_n), w->del, w->mis, w->spu);
		}
		fprintf(f, "\nTotal Samples: %" PRIu64 ", delivered %" PRIu64 ", missed %" PRIu64 ", spurious %" PRIu64
			".\n", t->total_n, t->total_del, t->total_mis, t->total_spu);
	} else {
		fprintf(f, "| %s | Samples | Samples%% | Time%% | Min Cyc | Max Cyc | Avg cyc | +- |\n"
			   "|---|--:|--:|--:|--:|--:|--:|--:|\n", t->keyhdr);
		for (size_t i = 0; i < t->n; i++) {
			const struct kvmstat_row *w = &t->rows[i];
			fputs("| ", f);
			util_md_text(f, lab(w));
			if (w->timed)
				fprintf(f, " | %" PRIu64 " | %.2f%% | %.2f%% | %" PRIu64 " | %" PRIu64 " | %" PRIu64
					" | %.2f%% |\n", w->n, pct(w->n, t->total_n), pct(w->cycles, t->total_cycles),
					w->min, w->max, avg(w), rel_stddev(w));
			else
				fprintf(f, " | %" PRIu64 " | %.2f%% | - | - | - | - | - |\n", w->n,
					pct(w->n, t->total_n));
		}
		fprintf(f, "\nTotal Samples: %" PRIu64 ", total events handled cycles: %" PRIu64 ".\n", t->total_n,
			t->total_cycles);
	}
	if (t->note)
		fprintf(f, "(%s)\n", t->note);
	fputc('\n', f);
}

void kvmstat_csv_rows(FILE *f, const struct run_result *r, const struct kvmstat_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct kvmstat_row *w = &t->rows[i];
		util_csv_cell(f, r->scenario);
		fputc(',', f);
		util_csv_cell(f, r->policy);
		fprintf(f, ",%s,%s,", r->vendor, t->source);
		util_csv_cell(f, w->key);
		if (t->kind == KVMSTAT_DB)
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

void kvmstat_json(FILE *f, const struct kvmstat_table *t, bool last)
{
	fprintf(f, "        {\"source\": \"%s\", \"key\": ", t->source);
	json_write_escaped(f, t->keyhdr);
	fputs(", \"rows\": [", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct kvmstat_row *w = &t->rows[i];
		fprintf(f, "%s\n          {\"key\": ", i ? "," : "");
		json_write_escaped(f, w->key);
		fprintf(f, ", \"samples\": %" PRIu64 ", \"samples_pct\": %.2f", w->n, pct(w->n, t->total_n));
		if (t->kind == KVMSTAT_DB)
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
	if (t->kind == KVMSTAT_DB)
		fprintf(f, ", \"delivered\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"spurious\": %" PRIu64, t->total_del,
			t->total_mis, t->total_spu);
	else
		fprintf(f, ", \"total_cycles\": %" PRIu64, t->total_cycles);
	fprintf(f, "}%s\n", last ? "" : ",");
}
