/* diff.c - `hvsim diff`'s comparison (diff.h): the prediction against a
 * KVM reference, one row per field.
 *
 * Guest-visible outcomes are compared exactly.  A difference is either
 * explained by a row of the known-divergence table (divergences.def, the
 * same table as docs/kvm-reference.md, printed as "known divergence: ...")
 * or reported as an unexplained difference (exit status 5). */
#include "sim/ref/diff.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "sim/ref/devkvm.h"
#include "sim/ref/divergences.h"
#include "sim/ref/image.h"
#include "sim/ref/outcome.h"
#include "sim/ref/tcg_model.h"
#include "sim/render/json.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/util/guestdbg.h"
#include "sim/util/util.h"

#define ERRSZ 1024

struct diff_row { char field[40], pred[32], meas[32], verdict[72]; };

struct diff {
	FILE *f;
	const char *scen, *ref;        /* scenario name, booted reference: recorded.def rows */
	unsigned compared, equal, known, unexplained;
	const char *active[8];         /* divergence ids printed so far */
	unsigned nactive;
	struct diff_row *rows;         /* every row, for the JSON document */
	size_t nrows, caprows;
};

static void note_known(struct diff *d, const char *id, const char *extra)
{
	for (unsigned i = 0; i < d->nactive; i++)
		if (!strcmp(d->active[i], id))
			return;
	if (d->nactive < 8)
		d->active[d->nactive++] = id;
	const struct ref_divergence *k = ref_divergence_find(id);
	fprintf(d->f, "known divergence: %s: %s%s%s\n", id, k ? k->what : "?", extra ? "; " : "",
		extra ? extra : "");
}

/* One row: verdict "ok", "DIFF" or "known: ID". */
static void row(struct diff *d, const char *field, const char *pred, const char *meas, const char *known_id)
{
	bool eq = !strcmp(pred, meas);
	const char *verdict = eq ? "ok" : "DIFF", *rec = NULL;
	char kbuf[72];
	d->compared++;
	if (!eq && !known_id && (rec = ref_recorded_find(d->scen, d->ref, field, meas)))
		note_known(d, rec, "rows recorded in sim/ref/recorded.def");
	if (eq) {
		d->equal++;
	} else if (known_id || rec) {
		d->known++;
		snprintf(kbuf, sizeof(kbuf), "known: %s%s", known_id ? known_id : rec, known_id ? "" : " (recorded)");
		verdict = kbuf;
	} else {
		d->unexplained++;
	}
	fprintf(d->f, "  %-30s %-20s %-20s %s\n", field, pred, meas, verdict);
	if (d->nrows == d->caprows) {
		size_t nc = d->caprows ? 2 * d->caprows : 64;
		struct diff_row *nr = realloc(d->rows, nc * sizeof(*nr));
		if (!nr)
			return;
		d->rows = nr;
		d->caprows = nc;
	}
	struct diff_row *r = &d->rows[d->nrows++];
	snprintf(r->field, sizeof(r->field), "%s", field);
	snprintf(r->pred, sizeof(r->pred), "%s", pred);
	snprintf(r->meas, sizeof(r->meas), "%s", meas);
	snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
}

static void rowu(struct diff *d, const char *field, bool have_p, uint64_t p, bool have_m, uint64_t m,
		 const char *known_id, bool hex)
{
	char a[32], b[32];
	if (have_p) snprintf(a, sizeof(a), hex ? "0x%" PRIx64 : "%" PRIu64, p); else snprintf(a, sizeof(a), "-");
	if (have_m) snprintf(b, sizeof(b), hex ? "0x%" PRIx64 : "%" PRIu64, m); else snprintf(b, sizeof(b), "-");
	row(d, field, a, b, known_id);
}

static bool sim_word(const struct run_result *r, uint64_t addr, uint64_t *v)
{
	char path[64];
	snprintf(path, sizeof(path), "mem.0x%" PRIx64 ".8", addr);
	return result_field(r, path, v, NULL) == 0;
}

/* Exit categories compared against the references. */
enum cat { CAT_MOVDR, CAT_IO, CAT_DB, CAT_HLT, CAT_CPUID, CAT_OTHER, NCAT };
static const char *const cat_names[NCAT] = { "MOV-DR exits", "I/O exits", "#DB exits", "HLT exits",
					      "CPUID exits", "other exits" };

static bool has_word(const char *name, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, w, n))
			return true;
	return false;
}

/* Category of a simulator exit-reason name (VMX names from vmx/exit_reasons.def;
 * SVM names as APM Appendix C / Linux print them). */
static enum cat sim_cat(const char *name)
{
	if (has_word(name, "DR_ACCESS") || has_word(name, "READ_DR") || has_word(name, "WRITE_DR"))
		return CAT_MOVDR;
	if (has_word(name, "IO_INSTRUCTION") || has_word(name, "IOIO") || !strcasecmp(name, "io"))
		return CAT_IO;
	/* VMX EXCEPTION_NMI (its other vectors are moved out by pred_cats), SVM
	 * "DB excp"; SVM's other exception intercepts are "other" */
	if (has_word(name, "EXCEPTION") || has_word(name, "DB"))
		return CAT_DB;
	if (has_word(name, "HLT"))
		return CAT_HLT;
	if (has_word(name, "CPUID"))
		return CAT_CPUID;
	return CAT_OTHER;
}

/* Category of an SVM exit code (AMD APM Vol.2 Appendix C); -1 = noise. */
static int svm_code_cat(uint32_t code, const char **noise)
{
	if (code >= 0x20 && code <= 0x3F) return CAT_MOVDR;
	if (code == 0x41) return CAT_DB;            /* #DB exception intercept */
	if (code == 0x7B) return CAT_IO;            /* IOIO */
	if (code == 0x78) return CAT_HLT;
	if (code == 0x72) return CAT_CPUID;
	if (code == 0x60) { *noise = "INTR (timer interrupt)"; return -1; }
	if (code == 0x64) { *noise = "VINTR (interrupt window)"; return -1; }
	if (code == 0x400) { *noise = "NPF (first touch of guest memory)"; return -1; }
	return CAT_OTHER;
}

/* Category of a VMX basic exit reason (SDM Vol.3 App. C) as kvm_intel's
 * kvm:kvm_exit reports it; -1 = noise.  EXCEPTION_NMI is #DB (split by
 * vmx_exc_not_db when the runner's exit_qual lines give each exit's
 * interruption information). */
static int vmx_code_cat(uint32_t code, const char **noise)
{
	switch (code) {
	case 29: return CAT_MOVDR;                  /* DR_ACCESS */
	case 30: return CAT_IO;                     /* IO_INSTRUCTION */
	case 12: return CAT_HLT;
	case 10: return CAT_CPUID;
	case 1: *noise = "EXTERNAL_INTERRUPT (timer interrupt)"; return -1;
	case 7: *noise = "INTERRUPT_WINDOW"; return -1;
	case 48: *noise = "EPT_VIOLATION (first touch of guest memory)"; return -1;
	case 0: return CAT_DB;
	}
	return CAT_OTHER;
}

/* Of the measured EXCEPTION_NMI exits, those whose interruption information
 * (SDM Vol.3 25.9.2, bits 7:0 the vector) is not #DB: a hardware #DB is
 * 0x80000301, ICEBP 0x80000501 (both vector 1); #UD 0x80000306, #BP
 * 0x80000603 are "other", as on SVM, whose exit codes tell the vector. */
static uint64_t vmx_exc_not_db(const struct kvm_outcome *o)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < o->nquals; i++)
		if (!strcmp(o->quals[i].name, "EXCEPTION_NMI") && (o->quals[i].info & 0xFF) != 1)
			n += o->quals[i].n;
	return n;
}

/* The prediction's exits by category (pc[]); the reference's noise reasons
 * are left out, and said so on d (when not NULL). */
static void pred_cats(const struct run_result *pred, const struct pred_trace *t, enum ref_kind ref,
		      uint64_t pc[NCAT], struct diff *d)
{
	for (unsigned i = 0; i < EXIT_SLOTS; i++) {
		uint64_t n = pred->st.exits[i].count;
		if (!n)
			continue;
		const char *nm = pred->exit_names && i < pred->nexit_names ? pred->exit_names[i] : NULL;
		/* Reference 2 counts INTR/VINTR/NPF as noise (tcg-noise), reference 3
		 * external interrupts, interrupt windows and EPT violations
		 * (bochs-noise); a predicted one (the budget-end INTR / preemption
		 * timer) is not compared either: the reference run ends at the
		 * runner's timeout instead. */
		const char *id = NULL;
		if (ref == REF_AMD_TCG && nm && (!strcmp(nm, "intr") || !strcmp(nm, "vintr") || !strcmp(nm, "npf")))
			id = "tcg-noise";
		if (ref == REF_INTEL_BOCHS && nm &&
		    (!strcmp(nm, "EXTERNAL_INTERRUPT") || !strcmp(nm, "INTERRUPT_WINDOW") ||
		     !strcmp(nm, "EPT_VIOLATION") || !strcmp(nm, "PREEMPTION_TIMER")))
			id = "bochs-noise";
		if (!id) {
			pc[nm ? sim_cat(nm) : CAT_OTHER] += n;
		} else if (d) {
			fprintf(d->f, "  noise: %" PRIu64 " x predicted exit %s, not compared (%s)\n", n, nm, id);
			note_known(d, id, NULL);
		}
	}
	/* VMX #UD/#BP exits are "other" (vmx_exc_not_db) */
	pc[CAT_DB] -= t->exc_not_db < pc[CAT_DB] ? t->exc_not_db : pc[CAT_DB];
	pc[CAT_OTHER] += t->exc_not_db;
}

/* host-event-timing, checked: the value differs from the prediction's but
 * equals the one predicted with the host events at the reference's exits
 * to user space. */
static const char *timed(struct diff *d, bool have2, uint64_t v2, uint64_t meas)
{
	if (!have2 || v2 != meas)
		return NULL;
	note_known(d, "host-event-timing", "checked: predicting again with each `exit: N` host event at the "
		   "simulator exit that is the Nth exit to user space gives the measured values");
	return "host-event-timing";
}

/* The trace of the prediction: the TCG model, and which simulator exits
 * reach user space on a reference (I/O exits). */
static void trace_cb(void *ctx, const struct sim_event *ev)
{
	struct pred_trace *t = ctx;
	tcg_model(t, ev);
	if (ev->id != EV_EXIT)
		return;
	if (ev->s && !strcmp(ev->s, "EXCEPTION_NMI") && (ev->intr & 0xFF) != 1)
		t->exc_not_db++;
	uint64_t n = ++t->nexits;
	if (n >= 4096)
		return;
	enum cat c = ev->s ? sim_cat(ev->s) : CAT_OTHER;
	t->is_user[n] = c == CAT_IO;
	t->io_before[n] = t->io_before[n - 1] + (c == CAT_IO);
}

/* Translate `exit: N` host events from simulator exits to exits to user
 * space.  Returns the number of events whose time cannot be reproduced. */
static unsigned translate_events(struct kvm_image *img, const struct pred_trace *t, FILE *f)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < img->nev; i++) {
		struct kvm_img_event *e = &img->ev[i];
		if (e->when == 0)
			continue;
		if (e->when == 1 && e->n < 4096 && e->n <= t->nexits) {
			uint64_t k = t->io_before[e->n];
			if (!t->is_user[e->n]) {
				fprintf(f, "note: host event %u (exit %" PRIu64 ") follows a simulator exit that "
					   "does not reach user space; on the reference it runs after I/O exit %" PRIu64 "\n",
					i + 1, e->n, k);
				bad++;
			}
			e->n = k ? k : 1;
		} else if (e->when == 2) {
			for (uint64_t n = e->n; n && n <= t->nexits && n < 4096; n += e->n)
				if (!t->is_user[n] || t->io_before[n] != n) {
					fprintf(f, "note: host event %u (every_exit %" PRIu64 ") counts simulator exits "
						   "that do not all reach user space; the reference counts exits to user space\n",
						i + 1, e->n);
					bad++;
					break;
				}
		}
	}
	return bad;
}

/* A difference of single bits that a known divergence explains. */
static const char *bit_known(struct diff *d, bool tcg, bool gd_dbs, uint64_t pred, uint64_t meas)
{
	if (tcg && (pred ^ meas) == 0x1000 && (meas & 0x1000)) {
		note_known(d, "tcg-dr6-bit12", NULL);
		return "tcg-dr6-bit12";
	}
	if (tcg && gd_dbs && (pred ^ meas) == 0x2000 && (meas & 0x2000)) {
		note_known(d, "tcg-no-gd", NULL);
		return "tcg-no-gd";
	}
	return NULL;
}

static const char *gd_note(struct diff *d)
{
	note_known(d, "tcg-no-gd", NULL);
	return "tcg-no-gd (unverified)";
}

/* A mem.ADDR.SIZE / mem.LABEL.SIZE expectation field as mem.0xADDR.SIZE. */
static bool mem_path(const struct scenario *sc, const char *field, char *out, size_t n)
{
	if (strncmp(field, "mem.", 4))
		return false;
	const char *a = field + 4, *dot = strrchr(field, '.');
	if (dot <= a)
		return false;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(dot - a), a);
	char *end;
	uint64_t addr = strtoull(name, &end, 16);
	if (*end && !scenario_symbol(sc, name, &addr))
		return false;
	snprintf(out, n, "mem.0x%" PRIx64 ".%s", addr, dot + 1);
	return true;
}

/* The preset of the kernel a reference ran (its `uname -r`), so that the
 * prediction compares like with like: "6.1.0-56-cloud-amd64" -> linux-6.1
 * (the kvm-amd-tcg cache files record it, sim/ref/outcome.c).  NULL when
 * no preset models that release. */
const char *ref_preset_for_kernel(const char *release)
{
	static const struct {
		const char *version, *preset;
	} map[] = { { "6.12", "linux-6.12" }, { "6.1", "linux-6.1" }, { "5.15", "linux-5.15" } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ref_release_is(release, map[i].version))
			return map[i].preset;
	return NULL;
}

/* KVM's path length per exit reason (the outcome's trailer: kvm_exit to
 * the next kvm_entry, TSC ticks; under Bochs one tick per instruction). */
static void print_paths(FILE *f, const struct kvm_outcome *o)
{
	if (!o->npaths)
		return;
	fprintf(f, "  KVM path kvm_exit -> kvm_entry per exit reason (%s ticks, %.4f per instruction%s):\n",
		o->clock[0] ? o->clock : "?", o->tsc_per_insn,
		o->tsc_per_insn > 0.98 && o->tsc_per_insn < 1.02 ? ": ticks = instructions" : "");
	fprintf(f, "    %-20s %8s %10s %10s %10s %12s\n", "reason", "exits", "min", "median", "mean", "max");
	for (unsigned i = 0; i < o->npaths; i++) {
		const struct kvm_exit_path *p = &o->paths[i];
		fprintf(f, "    %-20s %8" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n", p->name,
			p->n, p->min, p->median, p->n ? p->sum / p->n : 0, p->max);
	}
	for (unsigned i = 0; i < o->nquals; i++)
		fprintf(f, "    %s %s 0x%" PRIx64 ": %" PRIu64 " exits\n", o->quals[i].name,
			strcmp(o->quals[i].name, "EXCEPTION_NMI") ? "qualification" : "interruption info",
			o->quals[i].info, o->quals[i].n);
}

/* The "hvsim-diff" JSON document: the rows, the known divergences named,
 * the summary and the path lengths. */
static void write_json(FILE *jf, const struct ref_diff_opts *o, const struct diff *d, const struct run_result *pred,
		       const struct kvm_outcome *out, const char *cache_path)
{
	struct json_writer w;
	jw_init(&w, jf, 2);
	jw_object_begin(&w);
	jw_kv_string(&w, "schema", "hvsim-diff");
	jw_kv_u64(&w, "version", 1);
	jw_kv_string(&w, "scenario", o->file);
	jw_kv_string(&w, "reference", ref_kind_name(o->ref));
	jw_kv_string(&w, "module", kvm_module_name(out->r.module));
	jw_kv_string(&w, "kernel", out->kernel);
	jw_kv_string(&w, "kvm_patch", o->kvm_patch);
	jw_kv_string(&w, "cached", cache_path[0] ? cache_path : NULL);
	jw_kv_string(&w, "policy", pred->policy);
	jw_kv_string(&w, "vendor", pred->vendor);
	jw_key(&w, "rows");
	jw_array_begin(&w);
	for (size_t i = 0; i < d->nrows; i++) {
		jw_object_begin(&w);
		jw_kv_string(&w, "field", d->rows[i].field);
		jw_kv_string(&w, "predicted", d->rows[i].pred);
		jw_kv_string(&w, "measured", d->rows[i].meas);
		jw_kv_string(&w, "verdict", d->rows[i].verdict);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "known_divergences");
	jw_array_begin(&w);
	for (unsigned i = 0; i < d->nactive; i++)
		jw_string(&w, d->active[i]);
	jw_array_end(&w);
	jw_key(&w, "summary");
	jw_object_begin(&w);
	jw_kv_u64(&w, "compared", d->compared);
	jw_kv_u64(&w, "equal", d->equal);
	jw_kv_u64(&w, "known", d->known);
	jw_kv_u64(&w, "unexplained", d->unexplained);
	jw_object_end(&w);
	jw_key(&w, "exit_path");
	jw_object_begin(&w);
	jw_kv_string(&w, "clock", out->clock[0] ? out->clock : NULL);
	jw_kv_u64(&w, "tsc_per_insn_x10000", (uint64_t)(out->tsc_per_insn * 10000 + 0.5));
	jw_key(&w, "reasons");
	jw_array_begin(&w);
	for (unsigned i = 0; i < out->npaths; i++) {
		const struct kvm_exit_path *p = &out->paths[i];
		jw_object_begin(&w);
		jw_kv_string(&w, "reason", p->name);
		jw_kv_u64(&w, "exits", p->n);
		jw_kv_u64(&w, "sum", p->sum);
		jw_kv_u64(&w, "min", p->min);
		jw_kv_u64(&w, "median", p->median);
		jw_kv_u64(&w, "max", p->max);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "qualifications");
	jw_array_begin(&w);
	for (unsigned i = 0; i < out->nquals; i++) {
		jw_object_begin(&w);
		jw_kv_string(&w, "reason", out->quals[i].name);
		jw_kv_u64(&w, "info", out->quals[i].info);
		jw_kv_u64(&w, "exits", out->quals[i].n);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}

int ref_diff(const struct ref_diff_opts *o, FILE *f)
{
	bool tcg = o->ref == REF_AMD_TCG, bochs = o->ref == REF_INTEL_BOCHS, booted = tcg || bochs;
	const char *rname = ref_kind_name(o->ref);
	char *textbuf = NULL;
	size_t textlen = 0;
	FILE *jf = f;
	if (o->json) {
		/* the text goes nowhere; the rows are written as JSON at the end */
		f = open_memstream(&textbuf, &textlen);
		if (!f)
			return HVSIM_EXIT_INTERNAL;
	}
	struct diff d = { .f = f, .ref = booted ? rname : NULL };
	int rc;
	char err[ERRSZ];
	struct scenario *sc = scenario_load(o->file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		if (o->json)
			fclose(f);
		free(textbuf);
		return HVSIM_EXIT_ERROR;
	}
	struct kvm_image img;
	struct kvm_outcome *out = calloc(1, sizeof(*out));
	struct pred_trace *tr = calloc(1, sizeof(*tr)), *tr2 = NULL;
	struct run_result pred, meas, pred2;
	bool have2 = false;            /* pred2: host events placed as on the reference */
	memset(&pred, 0, sizeof(pred));
	memset(&pred2, 0, sizeof(pred2));
	memset(&meas, 0, sizeof(meas));
	struct ref_mem_snap ms = { &img, &meas, 1 + sc->guest.ndata };
	unsigned timing_bad = 0;
	rc = HVSIM_EXIT_OK;
	if (!out || !tr) {
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	if (ref_image_build(sc, &img, err, sizeof(err)) != REF_IMAGE_OK) {
		fprintf(stderr, "%s\nhvsim: skipped: the scenario cannot run on the KVM reference\n", err);
		rc = HVSIM_EXIT_SKIP;
		goto done;
	}
	uint64_t hash = kvm_image_hash(&img);
	d.scen = sc->name;

	/* The reference's CPU features decide the simulated CPU's (known
	 * divergence pvm-cpuid-leaf7); reference 2's result comes from the cache. */
	bool ref_rtm = sc->cpu_rtm, ref_bl = sc->cpu_bus_lock;
	enum kvm_module mod = KVM_MODULE_NONE;
	char cache_path[1200] = "";
	if (booted) {
		char def[1024];
		const char *dir = def;
		if (o->kvm_patch) {
			if (ref_patch_cache_dir(o->ref, o->kvm_patch, def, sizeof(def), err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				rc = HVSIM_EXIT_ERROR;
				goto done;
			}
		} else {
			dir = ref_cache_dir(o->ref, o->cache, o->kernel, def, sizeof(def));
		}
		snprintf(cache_path, sizeof(cache_path), "%s/%016" PRIx64 ".out", dir, hash);
		size_t len;
		char *buf = util_read_file(cache_path, UTIL_MAX_DOCUMENT, &len);
		if (!buf) {
			if (o->kvm_patch)
				fprintf(stderr, "hvsim: skipped: no %s result with patch %s for %s (image %016" PRIx64
					") in %s; run sim/ref/kvm-patch/run.sh --ref %s %s %s\n", rname, o->kvm_patch,
					o->file, hash, dir, rname, o->kvm_patch, o->file);
			else if (o->kernel && strcmp(o->kernel, REF_CACHE_KERNEL))
				fprintf(stderr, "hvsim: skipped: no %s result on Linux %s for %s (image %016" PRIx64 ") in %s; "
					"run %s=%s sim/ref/%s/run.sh %s with that kernel (docs/kvm-reference.md, "
					"\"Another kernel\")\n", rname, o->kernel, o->file, hash, dir,
					bochs ? "HVSIM_KVM_BOCHS_CACHE" : "HVSIM_KVM_TCG_CACHE", dir, rname, o->file);
			else
				fprintf(stderr, "hvsim: skipped: no %s result for %s (image %016" PRIx64 ") in %s; "
					"run sim/ref/%s/run.sh %s\n", rname, o->file, hash, dir, rname, o->file);
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
		int e = kvm_outcome_read(buf, len, out, err, sizeof(err));
		free(buf);
		if (e) {
			fprintf(stderr, "%s:%s\n", cache_path, err);
			rc = HVSIM_EXIT_ERROR;
			goto done;
		}
		/* --ref REF@KERNEL compares with that kernel's outcome only */
		if (o->kernel && !ref_release_is(out->kernel, o->kernel)) {
			fprintf(stderr, "hvsim: skipped: %s is an outcome of kernel %s, not Linux %s (--ref %s@%s)\n",
				cache_path, out->kernel[0] ? out->kernel : "(unrecorded)", o->kernel, rname, o->kernel);
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
		if (out->error[0]) {
			fprintf(stderr, "hvsim: skipped: the %s run failed: %s\n", rname, out->error);
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
		mod = out->r.module;
		ref_rtm = out->r.cpuid_rtm;
		ref_bl = out->r.cpuid_bus_lock;
	} else {
		struct kvm_mem m = { 0x1000, 0x1000, "\xf4", 1 };
		struct kvm_guest_spec probe = { .mode = 64, .mem = &m, .nmem = 1, .rip = 0x1000 };
		enum kvm_err why;
		struct kvm_ref *k = kvm_ref_new(&probe, &why, err, sizeof(err));
		if (!k) {
			fprintf(stderr, "hvsim: %s: %s\n", why == KVM_ERR_INTERNAL ? "KVM reference failed" :
				"skipped: KVM reference unavailable", err);
			rc = ref_err_status((int)why);
			goto done;
		}
		struct kvm_ref_result pr;
		if (kvm_ref_run(k, &pr, err, sizeof(err)) == 0) {
			ref_rtm = pr.cpuid_rtm;
			ref_bl = pr.cpuid_bus_lock;
			mod = pr.module;
		}
		kvm_ref_free(k);
	}

	/* The prediction. */
	struct scenario psc = *sc;
	psc.cpu_rtm = ref_rtm;
	psc.cpu_bus_lock = ref_bl;
	if (tcg)
		psc.decode_assists = false;
	enum vendor vend = o->vendor != VENDOR_NONE ? o->vendor
		: tcg ? VENDOR_SVM : bochs ? VENDOR_VMX : (sc->vendor == VENDOR_SVM ? VENDOR_SVM : VENDOR_VMX);
	/* -p wins (with --kvm-patch: the policy that models the patch); else
	 * the preset of the reference's kernel (the booted references: the
	 * cache file's `kernel`; /dev/kvm: this host's release), else today's
	 * KVM for the booted references and the scenario's first policy for
	 * /dev/kvm. */
	struct utsname uts;
	const char *kpreset = booted ? ref_preset_for_kernel(out->kernel)
			      : uname(&uts) == 0 ? ref_preset_for_kernel(uts.release) : NULL;
	const char *policy = o->policy ? o->policy : kpreset ? kpreset : booted ? "bp_enabled" : NULL;
	struct run_config cfg = { .policy = policy, .vendor = vend, .trace = trace_cb, .trace_ctx = tr };
	pred_trace_init(tr);
	pred_trace_guest_debug(tr, sc->host.guest_debug, sc->host.guest_debug_dr);
	if (sim_run(&psc, &cfg, &pred, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = vend == VENDOR_SVM && strstr(err, "svm") ? HVSIM_EXIT_SKIP : HVSIM_EXIT_ERROR;
		goto done;
	}
	/* Reference 2 ran `exit: N` host events after the Nth exit to user space
	 * (sim/ref/devkvm_run.c).  The prediction that the TCG model (tcg-vmrun-dr7-no-bp-
	 * insert) follows must place them there too: predict again with each
	 * `exit: N` moved to the simulator exit that is the Nth I/O exit.  The
	 * rows still compare the first prediction; where it differs and this one
	 * (pred2) gives the measured value, the row is known: host-event-timing. */
	if (booted && sc->host.nevents) {
		struct host_event *ev2 = calloc(sc->host.nevents, sizeof(*ev2));
		tr2 = malloc(sizeof(*tr2));
		const struct pred_trace *src = tr;
		for (size_t i = 0; ev2 && i < sc->host.nevents; i++)
			ev2[i] = sc->host.events[i];
		/* Moving an event changes the exits before the next one (seed 000
		 * S5: an install placed later lets more #DB exits happen first), so
		 * place them again along the new prediction until nothing moves. */
		for (int round = 0; ev2 && tr2 && round < 6; round++) {
			bool changed = false;
			for (size_t i = 0; i < sc->host.nevents; i++) {
				if (ev2[i].when != WHEN_EXIT)
					continue;
				for (uint64_t n = 1; n <= src->nexits && n < 4096; n++)
					if (src->is_user[n] && src->io_before[n] == sc->host.events[i].n) {
						changed |= n != ev2[i].n;
						ev2[i].n = n;
						break;
					}
			}
			if (!changed)
				break;
			struct scenario psc2 = psc;
			psc2.host.events = ev2;
			struct run_config cfg2 = cfg;
			cfg2.trace_ctx = tr2;
			pred_trace_init(tr2);
			pred_trace_guest_debug(tr2, sc->host.guest_debug, sc->host.guest_debug_dr);
			run_result_free(&pred2);
			memset(&pred2, 0, sizeof(pred2));
			have2 = sim_run(&psc2, &cfg2, &pred2, err, sizeof(err)) == 0;
			if (!have2)
				break;
			src = tr2;
		}
		if (!have2) {
			free(tr2);
			tr2 = NULL;
		}
		free(ev2);
	}
	const struct pred_trace *tm = tr2 ? tr2 : tr;

	fprintf(f, "diff: %s\n  prediction: hvsim %s@%s (cpu.rtm %d, cpu.bus_lock %d%s)\n", o->file, pred.policy,
		pred.vendor, ref_rtm, ref_bl, tcg ? ", decode_assists off" : "");
	if (!booted) {
		timing_bad = translate_events(&img, tr, f);
		img.spec.timeout_ms = (o->timeout_s ? o->timeout_s : 10) * 1000u;
		if (kvm_image_run(&img, out, ref_snap_memory, &ms)) {
			fprintf(stderr, "hvsim: %s: %s\n", out->error_kind == KVM_ERR_INTERNAL ? "KVM reference failed"
				: "skipped: KVM reference unavailable", out->error);
			rc = ref_err_status(out->error_kind);
			goto done;
		}
		mod = out->r.module;
		fprintf(f, "  reference: /dev/kvm, module %s\n", kvm_module_name(mod));
	} else {
		fprintf(f, "  reference: %s (real %s under %s, kernel %s%s%s), cached %s\n", rname,
			kvm_module_name(mod), tcg ? "QEMU TCG" : "Bochs", out->kernel,
			o->kvm_patch ? ", KVM rebuilt with " : "", o->kvm_patch ? o->kvm_patch : "", cache_path);
		timing_bad = img.nev ? 1 : 0;
	}
	unsigned where = 1u << mod;
	if (tcg)
		where |= REF_ON_TCG;
	if (bochs)
		where |= REF_ON_BOCHS;
	if ((where & REF_ON_PVM) && (ref_rtm != sc->cpu_rtm || ref_bl != sc->cpu_bus_lock))
		note_known(&d, "pvm-cpuid-leaf7", NULL);
	if (tcg && sc->decode_assists)
		note_known(&d, "tcg-no-decode-assists", NULL);
	if ((where & REF_ON_PVM) && img.spec.mode == 32 && out->r.stop == KVM_STOP_EMULATION &&
	    ref_image_byte(&img, out->r.rip) == 0xCF) {
		char extra[64];
		snprintf(extra, sizeof(extra), "IRET at 0x%" PRIx64, out->r.rip);
		note_known(&d, "pvm-iret32", extra);
		fprintf(f, "hvsim: skipped: the reference could not complete the run; nothing compared\n");
		rc = HVSIM_EXIT_SKIP;
		goto done;
	}

	/* bochs-guestdbg: under Bochs a host-side #DB (KVM_SET_GUEST_DEBUG) is
	 * reported again at the same RIP after KVM resumes the guest; the
	 * runner stops after four in a row (sim/ref/devkvm_run.c). */
	if ((where & REF_ON_BOCHS) && img.spec.guest_debug && out->r.stop == KVM_STOP_OTHER &&
	    strstr(out->r.stop_msg, "KVM_EXIT_DEBUG at ")) {
		note_known(&d, "bochs-guestdbg", out->r.stop_msg);
		fprintf(f, "hvsim: skipped: the reference could not complete the run; nothing compared\n");
		rc = HVSIM_EXIT_SKIP;
		goto done;
	}
	/* tcg-no-icebp: QEMU TCG raises #UD for INT1 (F1), which kvm_amd's
	 * emulator cannot execute either: a guest whose #UD handler returns
	 * loops to the runner's timeout, one without a #UD gate shuts down.
	 * Skipped when the prediction delivers an INT1 #DB at an F1 byte and the
	 * reference did not reach HLT. */
	for (size_t i = 0; tcg && out->r.stop != KVM_STOP_HALT && i < pred.ndb; i++)
		if (!pred.db[i].host && pred.db[i].cause && !strcmp(pred.db[i].cause, "icebp") &&
		    ref_image_byte(&img, pred.db[i].rip) == 0xF1) {
			char extra[300];
			snprintf(extra, sizeof(extra), "INT1 at 0x%" PRIx64 "; the reference stopped: %s", pred.db[i].rip,
				 out->r.stop_msg);
			note_known(&d, "tcg-no-icebp", extra);
			fprintf(f, "hvsim: skipped: the reference could not complete the run; nothing compared\n");
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
	/* pvm-guestdbg-rf: kvm_pvm runs the guest in KVM's instruction emulator,
	 * whose check of the host debugger's breakpoints ignores RFLAGS.RF
	 * (kvm_vcpu_check_code_breakpoint), so the run repeats KVM_EXIT_DEBUG at
	 * a USE_HW_BP execute address until the runner stops it. */
	if ((where & REF_ON_PVM) && (img.spec.guest_debug & GUESTDBG_USE_HW_BP) && out->r.stop == KVM_STOP_OTHER &&
	    strstr(out->r.stop_msg, "KVM_EXIT_DEBUG at ")) {
		bool at_bp = false;
		for (int i = 0; i < 4; i++)
			at_bp |= ((img.spec.guest_debug_dr[7] >> (2 * i)) & 3) && !((img.spec.guest_debug_dr[7] >> (16 + 4 * i)) & 3) &&
				 img.spec.guest_debug_dr[i] == out->r.rip;
		if (at_bp) {
			note_known(&d, "pvm-guestdbg-rf", out->r.stop_msg);
			fprintf(f, "hvsim: skipped: the reference could not complete the run; nothing compared\n");
			rc = HVSIM_EXIT_SKIP;
			goto done;
		}
	}

	/* Guest-delivered #DBs of the prediction, in order: log[i] is the i-th. */
	const struct db_record *gdb[KVM_LOG_MAX];
	size_t ngdb = 0;
	for (size_t i = 0; i < pred.ndb && ngdb < KVM_LOG_MAX; i++)
		if (!pred.db[i].host && pred.db[i].outcome != DB_MISSED)
			gdb[ngdb++] = &pred.db[i];
	/* pvm-data-bp / tcg-no-gd: the reference is expected to lack the #DBs of
	 * one cause (data breakpoints / general detect). */
	bool data_dbs = false, gd_dbs = false;
	for (size_t i = 0; i < ngdb; i++) {
		data_dbs |= gdb[i]->cause && !strcmp(gdb[i]->cause, "data");
		gd_dbs |= gdb[i]->cause && !strcmp(gdb[i]->cause, "gd");
	}
	const char *drop_cause = (where & REF_ON_PVM) && data_dbs ? "data" : tcg && gd_dbs ? "gd" : NULL;
	const char *drop_id = drop_cause && !strcmp(drop_cause, "data") ? "pvm-data-bp" : "tcg-no-gd";
	const char *log_known = NULL;
	/* Without the log convention the explanation cannot be checked entry by
	 * entry: differences are still shown, labelled as such. */
	const char *data_unverified = data_dbs && (where & REF_ON_PVM) ? "pvm-data-bp (unverified)" : NULL;
	if (data_unverified && !img.has_log)
		note_known(&d, "pvm-data-bp", "the scenario has no `count`/`log` symbols: the "
			   "explanation is not checked entry by entry");

	fprintf(f, "  %-30s %-20s %-20s %s\n", "field", "predicted", "measured", "verdict");
	row(&d, "guest.stop", engine_stop_name(pred.stop), engine_stop_name(ref_map_stop(out->r.stop)), NULL);
	rowu(&d, "guest.rip", true, pred.guest_rip, true, out->r.rip, NULL, true);

	/* The guest's own #DB log. */
	uint64_t pcount = 0;
	bool have_pcount = img.has_count && sim_word(&pred, img.sym_count, &pcount);
	size_t pn = have_pcount ? (size_t)pcount : 0;
	if (img.has_log_end && img.sym_log_end > img.sym_log && (img.sym_log_end - img.sym_log) / 8 < pn)
		pn = (size_t)((img.sym_log_end - img.sym_log) / 8);
	if (pn > KVM_LOG_MAX)
		pn = KVM_LOG_MAX;
	uint64_t *plog = calloc(KVM_LOG_MAX, 8), *prip = calloc(KVM_LOG_MAX, 8);
	if (!plog || !prip) {
		free(plog);
		free(prip);
		rc = HVSIM_EXIT_INTERNAL;
		goto done;
	}
	for (size_t i = 0; i < pn; i++) {
		if (!img.has_log || !sim_word(&pred, img.sym_log + 8 * i, &plog[i]))
			plog[i] = 0;
		if (!img.has_riplog || !sim_word(&pred, img.sym_riplog + 8 * i, &prip[i]))
			prip[i] = 0;
	}
	if (img.has_log && drop_cause && pn == ngdb) {
		/* Is the measured log the predicted one without those #DBs? */
		size_t j = 0;
		bool same = true;
		for (size_t i = 0; i < pn && same; i++) {
			if (gdb[i]->cause && !strcmp(gdb[i]->cause, drop_cause))
				continue;
			same = j < out->nlog && out->log[j] == plog[i] &&
			       (!img.has_riplog || out->riplog[j] == prip[i]);
			j++;
		}
		if (same && j == out->nlog && out->count == j) {
			char extra[96];
			snprintf(extra, sizeof(extra), "%zu %s #DBs predicted, none measured", pn - j, drop_cause);
			note_known(&d, drop_id, extra);
			log_known = drop_id;
		}
	}
	/* tcg-vmrun-dr7-no-bp-insert: the execute-breakpoint #DBs that the TCG
	 * model says QEMU cannot raise (no CPU breakpoint inserted at that
	 * address when the guest got there).  Attributed only when the measured
	 * log is exactly the predicted one without them (or, without a `log`,
	 * the count is the predicted count less them). */
	size_t tcg_miss = 0;
	if (tcg && !drop_cause && !tm->uncertain && tm->ndb == ngdb && have_pcount && pcount == ngdb)
		for (size_t i = 0; i < ngdb; i++)
			tcg_miss += !tm->db_tcg_ok[i];
	if (tcg_miss && out->count == pcount - tcg_miss) {
		bool same = true;
		size_t j = 0;
		for (size_t i = 0; img.has_log && i < pn && same; i++) {
			if (!tm->db_tcg_ok[i])
				continue;
			same = j < out->nlog && out->log[j] == plog[i] &&
			       (!img.has_riplog || out->riplog[j] == prip[i]);
			j++;
		}
		if (same && (!img.has_log || j == out->nlog)) {
			char extra[200];
			snprintf(extra, sizeof(extra), "%zu of %zu execute-breakpoint #DBs predicted where TCG had no "
				 "breakpoint inserted, none of them measured, the other %zu all measured%s", tcg_miss,
				 (size_t)pcount, (size_t)pcount - tcg_miss, img.has_log ? "" : " (by count: no `log`)");
			note_known(&d, "tcg-vmrun-dr7-no-bp-insert", extra);
			log_known = "tcg-vmrun-dr7-no-bp-insert";
		}
	}
	/* The same for the host debugger's execute breakpoints (KVM_GUESTDBG_USE_HW_BP):
	 * KVM loads them on entry exactly like the guest's, so TCG raises them
	 * only where it had them inserted.  Attributed only when the model is
	 * certain and the reference's KVM_EXIT_DEBUG count is the predicted one
	 * less exactly those. */
	size_t dbg_miss = 0;
	if (tcg && !tm->uncertain && tm->ndbg_miss &&
	    out->r.debug_exits + tm->ndbg_miss == pred.st.exits_to_user_debug) {
		char extra[200];
		dbg_miss = tm->ndbg_miss;
		snprintf(extra, sizeof(extra), "%zu of %u KVM_EXIT_DEBUG for the debugger's execute breakpoints "
			 "predicted where TCG had no breakpoint inserted, none of them measured", dbg_miss, tm->ndbg_exec);
		note_known(&d, "tcg-vmrun-dr7-no-bp-insert", extra);
	}
	if (img.has_count) {
		uint64_t c2 = 0;
		const char *k = log_known;
		if (!k && have_pcount && pcount != out->count && have2 && sim_word(&pred2, img.sym_count, &c2))
			k = timed(&d, true, c2, out->count);
		rowu(&d, "log.count", have_pcount, pcount, true, out->count, k, false);
	}
	if (img.has_log) {
		size_t n = pn > out->nlog ? pn : out->nlog;
		char name[48];
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "log[%zu].dr6", i);
			uint64_t l2 = 0;
			const char *k = log_known;
			if (!k && i < pn && i < out->nlog && plog[i] != out->log[i] && have2 &&
			    sim_word(&pred2, img.sym_log + 8 * i, &l2))
				k = timed(&d, true, l2, out->log[i]);
			rowu(&d, name, i < pn, plog[i], i < out->nlog, out->log[i], k, true);

			if (img.has_riplog) {
				snprintf(name, sizeof(name), "log[%zu].rip", i);
				rowu(&d, name, i < pn, prip[i], i < out->nlog, out->riplog[i], log_known, true);
			}
		}
	}
	for (size_t i = 0; img.has_res && i < out->nres; i++) {
		uint64_t v = 0;
		char name[48];
		snprintf(name, sizeof(name), "res[%zu]", i);
		bool hp = sim_word(&pred, img.sym_res + 8 * i, &v);
		rowu(&d, name, hp, v, true, out->res[i], hp ? bit_known(&d, tcg, gd_dbs, v, out->res[i]) : NULL, true);
	}
	/* The measured DRs are KVM_GET_DEBUGREGS: KVM's software copy,
	 * vcpu->arch.db[], kvm_get_dr(6) = vcpu->arch.dr6 and vcpu->arch.dr7
	 * (kvm_vcpu_ioctl_x86_get_debugregs, x86.c of 6.1.192).  The guest's
	 * architectural DRs (the oracle) are that copy wherever KVM virtualizes
	 * them faithfully (every cached outcome under linux-6.1); under
	 * KVM_GUESTDBG_USE_HW_BP KVM keeps them apart on purpose: the guest's
	 * registers are "faked debug registers without functionality"
	 * (42dbaa5a0574), every guest MOV DR reads that copy, and the DR6 bit
	 * of a breakpoint the guest armed and never got stays clear in it
	 * (guest_debug_hw_bp: 0xFFFF0FF0, where the oracle says 0xFFFF0FF1 and
	 * counts the #DBs as missed).  There the prediction is the simulated
	 * KVM's db[]/dr6/dr7 (dr.final.hv). */
	bool faked = (img.spec.guest_debug & (GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP)) ==
		     (GUESTDBG_ENABLE | GUESTDBG_USE_HW_BP);
	const uint64_t *pdr = faked ? pred.hv_dr : pred.guest_dr, *pdr2 = faked ? pred2.hv_dr : pred2.guest_dr;
	static const int drn[6] = { 0, 1, 2, 3, 6, 7 };
	const uint64_t mdr[6] = { out->r.db[0], out->r.db[1], out->r.db[2], out->r.db[3], out->r.dr6, out->r.dr7 };
	for (int i = 0; i < 6; i++) {
		char name[48];
		snprintf(name, sizeof(name), "dr.final.guest.dr%d", drn[i]);
		const char *k = bit_known(&d, tcg, gd_dbs, pdr[drn[i]], mdr[i]);
		if (!k && pdr[drn[i]] != mdr[i])
			k = timed(&d, have2, pdr2[drn[i]], mdr[i]);
		rowu(&d, name, true, pdr[drn[i]], true, mdr[i], k, true);
	}
	/* Guest memory the scenario's expectations look at (mem.ADDR.SIZE). */
	if (!booted) {
		char (*seen)[80] = calloc(sc->nexpects + 1, 80);
		size_t nseen = 0;
		for (size_t i = 0; seen && i < sc->nexpects; i++) {
			char path[80];
			if (!mem_path(sc, sc->expects[i].field, path, sizeof(path)))
				continue;
			bool dup = false;
			for (size_t j = 0; j < nseen; j++)
				dup |= !strcmp(seen[j], path);
			if (dup)
				continue;
			snprintf(seen[nseen++], 80, "%s", path);
			uint64_t pv = 0, mv = 0;
			bool hp = result_field(&pred, path, &pv, NULL) == 0;
			bool hm = result_field(&meas, path, &mv, NULL) == 0;
			rowu(&d, path, hp, pv, hm, mv, log_known ? log_known : data_unverified, true);
		}
		free(seen);
	}
	/* Exits to user space for the host debugger (KVM_EXIT_DEBUG). */
	if (booted && (img.spec.guest_debug & GUESTDBG_ENABLE))
		rowu(&d, "exits.to_user.debug", true, pred.st.exits_to_user_debug, true, out->r.debug_exits,
		     dbg_miss ? "tcg-vmrun-dr7-no-bp-insert" : NULL, false);
	if (img.nbp || img.nev) {
		if (timing_bad)
			note_known(&d, "host-event-timing", NULL);
		rowu(&d, "db.host.delivered", true, pred.st.db_host_delivered, true, out->r.host_bp_hits_total,
		     timing_bad ? "host-event-timing" : NULL, false);
	}

	/* Exit counts: only where the reference is real VMX/SVM. */
	uint64_t pc[NCAT] = { 0 }, p2c[NCAT] = { 0 };
	pred_cats(&pred, tr, o->ref, pc, &d);
	if (have2)
		pred_cats(&pred2, tr2, o->ref, p2c, NULL);
	if (booted) {
		uint64_t mc[NCAT] = { 0 }, noise = 0;
		for (unsigned i = 0; i < out->nexits; i++) {
			const char *nz = NULL;
			int cat = tcg ? svm_code_cat(out->exits[i].code, &nz) : vmx_code_cat(out->exits[i].code, &nz);
			if (cat < 0) {
				fprintf(f, "  noise: %" PRIu64 " x exit 0x%x %s, subtracted\n", out->exits[i].count,
					out->exits[i].code, nz);
				noise += out->exits[i].count;
			} else {
				/* The runner's "induced" assumes the previous MOV-DR exit
				 * opened a WONT_EXIT window; KVM opens one only "if
				 * (vcpu->guest_debug == 0)" (handle_dr, dr_interception),
				 * so under KVM_SET_GUEST_DEBUG none is induced. */
				uint64_t ind = !(img.spec.guest_debug & GUESTDBG_ENABLE) &&
					       out->exits[i].induced <= out->exits[i].count ? out->exits[i].induced : 0;
				mc[cat] += out->exits[i].count - ind;
				if (ind) {
					fprintf(f, "  noise: %" PRIu64 " x exit 0x%x re-armed by a noise exit inside a "
						   "WONT_EXIT window (kvm:kvm_exit order), subtracted\n", ind,
						out->exits[i].code);
					noise += ind;
				}
			}
		}
		if (noise)
			note_known(&d, tcg ? "tcg-noise" : "bochs-noise", NULL);
		if (!tcg) {
			uint64_t x = vmx_exc_not_db(out);
			mc[CAT_DB] -= x < mc[CAT_DB] ? x : mc[CAT_DB];
			mc[CAT_OTHER] += x;
		}
		/* A general-detect #DB that TCG does not raise changes the exits that
		 * follow; that cannot be checked count by count. */
		bool tcg_bp = log_known && !strcmp(log_known, "tcg-vmrun-dr7-no-bp-insert");
		size_t tcg_db = (tcg_bp ? tcg_miss : 0) + dbg_miss;
		for (int k = 0; k < NCAT; k++) {
			const char *kn = tcg && gd_dbs && pc[k] != mc[k] ? gd_note(&d) : NULL;
			/* each #DB TCG did not raise is one #DB intercept exit fewer
			 * (checked); what the guest's handler would have done is not
			 * (the debugger's #DBs have no guest handler) */
			if (tcg_db && k == CAT_DB && mc[k] + tcg_db == pc[k])
				kn = "tcg-vmrun-dr7-no-bp-insert";
			else if (tcg_bp && pc[k] != mc[k])
				kn = "tcg-vmrun-dr7-no-bp-insert (unverified)";
			if (!kn && pc[k] != mc[k])
				kn = timed(&d, have2, p2c[k], mc[k]);
			rowu(&d, cat_names[k], true, pc[k], true, mc[k], kn, false);
		}
	} else if (mod == KVM_MODULE_INTEL || mod == KVM_MODULE_AMD) {
		uint64_t io = 0, hlt = 0;
		kvm_ref_stat(&out->r, "io_exits", &io);
		kvm_ref_stat(&out->r, "halt_exits", &hlt);
		rowu(&d, cat_names[CAT_IO], true, pc[CAT_IO], true, io, NULL, false);
		rowu(&d, cat_names[CAT_HLT], true, pc[CAT_HLT], true, hlt, NULL, false);
		fprintf(f, "  (MOV-DR and #DB exits are not in KVM's statistics: use --ref kvm-amd-tcg)\n");
	} else {
		fprintf(f, "  exits: not compared: the module behind /dev/kvm is %s, not kvm_intel/kvm_amd "
			   "(its exits say nothing about VMX/SVM)\n", kvm_module_name(mod));
	}
	print_paths(f, out);
	free(plog);
	free(prip);
	fprintf(f, "SUMMARY: %u fields compared, %u equal, %u known divergences, %u unexplained differences\n",
		d.compared, d.equal, d.known, d.unexplained);
	rc = d.unexplained ? HVSIM_EXIT_FAIL : HVSIM_EXIT_OK;
	if (o->json)
		write_json(jf, o, &d, &pred, out, cache_path);
done:
	run_result_free(&pred2);
	if (o->json) {
		fclose(f);
		free(textbuf);
	}
	free(d.rows);
	run_result_free(&pred);
	run_result_free(&meas);
	free(out);
	free(tr);
	free(tr2);
	scenario_free(sc);
	return rc;
}
