/* test_cost_robust.c - the robustness lines of `hvsim compare --cost all`
 * (sim/render/robust.c, docs/cost-models.md) for seed 003 and seed 000,
 * recomputed here without the robustness code and without hvsim's output:
 *
 *   - the prices: every bundled model file's entries and their [LO..HI]
 *     ranges (cpu/costs/NAME.cost), and which vendor each model prices;
 *   - the counts: seed 003's by hand from its guest code and KVM's logic
 *     (the entries that skip LOAD_DEBUG_CONTROLS, the VMWRITEs that toggle
 *     it: the derivation in scenarios/seed003_ctxsw_storm.yaml); seed 000's
 *     measured without the charge ledger: cycles.total is sum(count x
 *     price), so a run with one entry priced 1 and every other 0 totals
 *     that entry's count;
 *   - the extremes over each model's box of ranges: seed 003 in closed form
 *     (the corners follow from the signs of the derivatives), seed 000 by
 *     Dinkelbach's parametric method (exact for a ratio of two linear
 *     functions; robust.c flips one entry at a time instead);
 *   - the ends that the summary prints are then confirmed as ratios of
 *     cycles.total of `hvsim run --cost FILE --format json`, FILE the model
 *     with every entry set to the end the corner takes;
 *   - the correctness suffix ("19 guest #DB missed") from the scenario's own
 *     `expect:` block (seed 000: derived by hand from the RFC discussion).
 *
 * Each printed "A-Bx" must be the recomputed range to the printed digits,
 * so a wrong range (a missed corner, a wrong model set, a wrong ratio)
 * fails here. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cost.h"
#include "sim/expect.h"
#include "sim/render/json.h"
#include "tests/harness.h"

TestSuite(cost_robust, .timeout = 600);

/* ---- models ------------------------------------------------------------------- */

#define MAXMODELS 16

/* The bundled models that price vendor v (their @vendor), loaded. */
struct models {
	char names[MAXMODELS][64];
	struct cost_model m[MAXMODELS];
	unsigned n;            /* models that price v */
	unsigned nall;         /* bundled models */
};

static void models_for(enum vendor v, struct models *ms)
{
	char names[64][64];
	int n = cost_bundled_list(names, 64);
	cr_assert_gt(n, 0);
	ms->n = 0;
	ms->nall = (unsigned)n;
	for (int i = 0; i < n; i++) {
		char path[1024], err[1024];
		struct cost_model m;
		cost_bundled_path(names[i], path, sizeof path);
		cr_assert_eq(cost_load(path, &m, err, sizeof err), 0, "%s", err);
		if (!(m.vendors & (unsigned)v))
			continue;
		cr_assert_lt(ms->n, MAXMODELS);
		memcpy(ms->names[ms->n], names[i], sizeof ms->names[0]);
		ms->m[ms->n++] = m;
	}
	cr_assert_gt(ms->n, 0);
}

/* A model file pricing every entry at x[i] (an end of the bundled model's
 * range, or 0/1 for the counts), for vendor v. */
static void write_prices(const char *path, enum vendor v, const double *x)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fprintf(f, "# test prices (tests/test_cost_robust.c)\n@vendor %s\n", scenario_vendor_name(v));
	for (unsigned i = 0; i < COST_N; i++)
		fprintf(f, "%s = %.0f  # test: a range end of a bundled model, or a unit price\n", cost_descs[i].name,
			i == COSTI_cpu_hz ? 1e9 : x[i]);
	cr_assert_eq(fclose(f), 0);
}

/* ---- runs ----------------------------------------------------------------------- */

static const char *scenario_path(const char *name)
{
	static char p[2][1024];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof p[k], "%s/scenarios/%s.yaml", h_srcdir(), name);
	return p[k];
}

/* cycles.total of POLICY@v under prices x: in-process, or through
 * `hvsim run --cost FILE --format json` (cli). */
static double total_at(const struct scenario *sc, const char *scname, const char *policy, enum vendor v,
		       const double *x, const char *dir, bool cli)
{
	char model[600];
	snprintf(model, sizeof model, "%s/prices.cost", dir);
	write_prices(model, v, x);
	if (!cli) {
		struct run_config cfg = { .policy = policy, .vendor = v, .cost_model = model };
		struct run_result r;
		h_run(sc, &cfg, &r);
		double t = (double)r.st.cycles_total;
		run_result_free(&r);
		return t;
	}
	const char *args[] = { "run", scenario_path(scname), "-p", policy, "--vendor", scenario_vendor_name(v), "--cost",
			       model, "--format", "json", NULL };
	char *out, *err;
	cr_assert_eq(h_hvsim_run(dir, args, &out, &err), 0, "%s", err);
	char jerr[256];
	struct json_value *doc = json_parse(out, strlen(out), jerr, sizeof jerr);
	cr_assert(doc, "%s", jerr);
	const struct json_value *runs = json_get(doc, "runs");
	cr_assert(runs && runs->type == JSON_ARRAY && runs->n == 1);
	const struct json_value *t = json_path(&runs->items[0], "cycles.total");
	cr_assert(t && t->is_int);
	double v_ = (double)t->u;
	json_free(doc);
	free(out);
	free(err);
	return v_;
}

/* Every entry's count for POLICY@v: the total with that entry priced 1 and
 * all others 0 (and no cycles with every price 0). */
static void counts_of(const struct scenario *sc, const char *policy, enum vendor v, const char *dir, double *n)
{
	double x[COST_N] = { 0 };
	cr_assert_eq(total_at(sc, NULL, policy, v, x, dir, false), 0, "%s: cycles no entry prices", policy);
	for (unsigned i = 0; i < COST_N; i++) {
		x[i] = 1;
		n[i] = total_at(sc, NULL, policy, v, x, dir, false);
		x[i] = 0;
	}
}

static double dot(const double *a, const double *x)
{
	double s = 0;
	for (unsigned i = 0; i < COST_N; i++)
		s += a[i] * x[i];
	return s;
}

/* The model's values, and its ranges, as doubles. */
static void prices_of(const struct cost_model *m, double *x, double *lo, double *hi)
{
	for (unsigned i = 0; i < COST_N; i++) {
		x[i] = (double)cost_get(m, i);
		lo[i] = (double)m->lo[i];
		hi[i] = (double)m->hi[i];
	}
}

/* ---- the expectation and the printed line -------------------------------------- */

/* The value the scenario's expect block states for FIELD of POLICY@VENDOR
 * (every selector that matches must agree); false when none states it. */
static bool stated(const struct scenario *sc, const char *policy, const char *vendor, const char *field, uint64_t *v)
{
	bool found = false;
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct expectation *e = &sc->expects[i];
		if (strcmp(e->field, field) || e->is_range || e->str_value ||
		    !expect_selector_matches(e->selector, policy, vendor))
			continue;
		cr_assert(!found || *v == e->value, "%s: %s states %s twice, differently", sc->name, policy, field);
		*v = e->value;
		found = true;
	}
	return found;
}

/* "; 19 guest #DB missed" / "; no misses": from the scenario's expectations
 * (a scenario without host breakpoints has no host #DB to miss or to get
 * spuriously: 0 where it states nothing). */
static void correctness_of(const struct scenario *sc, const char *policy, const char *vendor, char *buf, size_t n)
{
	static const struct { const char *field, *words; } f[] = {
		{ "db.guest.missed", "guest #DB missed" }, { "db.guest.spurious", "guest #DB spurious" },
		{ "db.host.missed", "host #DB missed" }, { "db.host.spurious", "host #DB spurious" },
	};
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < 4; i++) {
		uint64_t v = 0;
		bool host = !strncmp(f[i].field, "db.host.", 8);
		cr_assert(stated(sc, policy, vendor, f[i].field, &v) || (host && !sc->host.nbps && !sc->host.nevents),
			  "%s does not state %s for %s@%s", sc->name, f[i].field, policy, vendor);
		if (v)
			len += (size_t)snprintf(buf + len, n - len, "; %llu %s", (unsigned long long)v, f[i].words);
	}
	if (!len)
		snprintf(buf, n, "; no misses");
}

/* The robustness line "NAME vs BASE: ..." of `text` (malloc'ed): after the
 * section's heading (text) or opening tag (HTML), not the default model's
 * summary above it. */
static char *line_of(const char *text, const char *name, const char *base)
{
	char head[200];
	snprintf(head, sizeof head, "%s vs %s: ", name, base);
	const char *sec = strstr(text, "\nrobustness over ");
	if (!sec)
		sec = strstr(text, "<section id=\"robustness\">");
	cr_assert(sec, "no robustness section in:\n%s", text);
	const char *p = strstr(sec, head);
	cr_assert(p, "no line '%s' in:\n%s", head, text);
	return strndup(p, strcspn(p, "\n<"));
}

/* A printed factor "1.053x" agrees with the computed one to its digits. */
static void assert_printed(const char *s, double want, const char *line)
{
	char *end;
	double got = strtod(s, &end);
	cr_assert(end > s && *end == 'x', "no factor at '%s' in: %s", s, line);
	const char *dot_ = memchr(s, '.', (size_t)(end - s));
	int digits = dot_ ? (int)(end - dot_ - 1) : 0;
	cr_assert(fabs(got - want) <= 0.5 * pow(10, -digits) + 1e-9, "printed %.*fx, recomputed %.6fx: %s", digits, got,
		  want, line);
}

/* The line says "A-Bx fewer cycles under all N models and every range end"
 * (or "Ax ..." when both print the same) for the ratio range [rlo, rhi]
 * (run / baseline, both < 1), then `suffix`. */
static void assert_fewer_line(const char *line, const char *name, const char *base, double rlo, double rhi,
			      unsigned nmodels, const char *suffix)
{
	cr_assert_lt(rhi, 1, "%s: not fewer cycles at every corner (%.6f)", name, rhi);
	const char *p = line + strlen(name) + strlen(" vs ") + strlen(base) + strlen(": ");
	assert_printed(p, 1 / rhi, line);
	const char *x = strchr(p, 'x');
	assert_printed(x[1] == '-' ? x + 2 : p, 1 / rlo, line);   /* "Ax" alone: both ends print the same */
	char tail[300];
	snprintf(tail, sizeof tail, " fewer cycles under all %u models and every range end%s", nmodels, suffix);
	cr_assert(strstr(line, tail) && !strcmp(strstr(line, tail), tail), "want '...%s', got: %s", tail, line);
}

/* `hvsim compare SCENARIO --cost all EXTRA...`'s stdout. */
static char *compare_out(const char *scenario, const char *const *extra)
{
	char dir[256];
	const char *args[24] = { "compare", scenario_path(scenario), "--cost", "all" };
	int n = 4;
	for (; *extra && n < 23; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	h_mkdtemp(dir, sizeof dir, "hvsim-robust");
	char *out, *err;
	cr_assert_eq(h_hvsim_run(dir, args, &out, &err), 0, "%s", err);
	free(err);
	h_rmtree(dir);
	return out;
}

/* ---- seed 003: the closed form ------------------------------------------------------- */

/* Seed 003's guest (scenarios/seed003_ctxsw_storm.yaml): switch 1, then
 * `mov ecx, 39` switches, then switch 41 to the idle task (DR7 = 0x400),
 * then `mov ecx, 40` quiet OUTs, then HLT. */
#define S3_QUIET 40

/* skip_dbgctl_load against bp_enabled on VMX.  Both take the same exits
 * and reloads; the only charges that differ (the scenario's derivation,
 * from Paolo Bonzini's condition "DR7 == host DR7 == 0x400 && MOV DR exits
 * are enabled", seed 003):
 *   - entries without VM_ENTRY_LOAD_DEBUG_CONTROLS: the first entry (boot
 *     DR7 0x400, exiting on), the entry after switch 41's OUT (the idle
 *     task's 0x400, exiting on again after the sync) and the entries after
 *     the quiet phase's OUTs: S3_QUIET + 2, each saving vmx.entry_load_debug
 *     (bp_enabled loads on every entry: KVM always sets the control);
 *   - VMWRITEs of the entry controls: one per change of the control (clear
 *     on the first entry, set after the first MOV-DR exit, clear after
 *     switch 41's OUT): the expect block's vmcs.writes, skip minus bp.
 * So cycles(skip) = cycles(bp) - n*L + t*W (L = vmx.entry_load_debug,
 * W = vmx.vmwrite) and bp/skip = B/(B - D), D = n*L - t*W.  When D > 0 at
 * every corner, the factor falls as B grows (every other entry at its low
 * end for the largest factor, high end for the smallest); d(D/B)/dW has the
 * sign of -(t*B + cW*D) < 0 (W low for the largest); d(D/B)/dL the sign of
 * n*B - cL*D >= n*(B - cL*L) + cL*t*W > 0 since B >= cL*L (L high for the
 * largest); cL, cW = bp's counts of L and W. */
struct s3 {
	unsigned nmodels;
	double fmin, fmax;          /* bp cycles / skip cycles, over every model and corner */
	double bound;               /* 1 + n * (largest L) / (smallest skip total): fmax <= bound */
	uint64_t L, Llo, Lhi;       /* vmx.entry_load_debug of the default model */
	char suffix[200];           /* skip_dbgctl_load's #DB outcome, as the scenario expects it */
};

static void s3_corner(const struct cost_model *m, bool largest, double *x)
{
	double v[COST_N], lo[COST_N], hi[COST_N];
	prices_of(m, v, lo, hi);
	for (unsigned i = 0; i < COST_N; i++)
		x[i] = largest ? lo[i] : hi[i];
	x[COSTI_vmentry_load_debug] = largest ? hi[COSTI_vmentry_load_debug] : lo[COSTI_vmentry_load_debug];
}

static void seed003_skip_range(struct s3 *out)
{
	struct scenario *sc = h_load_bundled("seed003_ctxsw_storm");
	uint64_t wbp, wskip;
	cr_assert(stated(sc, "bp_enabled", "vmx", "vmcs.writes", &wbp));
	cr_assert(stated(sc, "skip_dbgctl_load", "vmx", "vmcs.writes", &wskip));
	const double n = S3_QUIET + 2, t = (double)wskip - (double)wbp;
	cr_assert_eq(t, 3, "three changes of the entry control");
	correctness_of(sc, "skip_dbgctl_load", "vmx", out->suffix, sizeof out->suffix);
	struct models ms;
	models_for(VENDOR_VMX, &ms);
	char dir[256];
	h_mkdtemp(dir, sizeof dir, "hvsim-s3");
	out->nmodels = ms.n;
	out->fmin = INFINITY;
	out->fmax = 0;
	double Lmax = 0, Smin = INFINITY;
	/* the corners that give the printed ends: confirmed through the CLI */
	double xmin[COST_N], xmax[COST_N];
	for (unsigned k = 0; k < ms.n; k++) {
		const struct cost_model *m = &ms.m[k];
		/* skipping never costs more: D > 0 at every corner */
		cr_assert_gt(n * (double)m->lo[COSTI_vmentry_load_debug], t * (double)m->hi[COSTI_vmwrite], "%s",
			     ms.names[k]);
		for (int largest = 0; largest < 2; largest++) {
			double x[COST_N];
			s3_corner(m, largest, x);
			double B = total_at(sc, NULL, "bp_enabled", VENDOR_VMX, x, dir, false);
			double S = total_at(sc, NULL, "skip_dbgctl_load", VENDOR_VMX, x, dir, false);
			cr_assert_eq(S, B - n * x[COSTI_vmentry_load_debug] + t * x[COSTI_vmwrite],
				     "%s: the runs differ in more than the skipped loads and the toggles", ms.names[k]);
			double f = B / S;
			if (largest && f > out->fmax)
				out->fmax = f, memcpy(xmax, x, sizeof x);
			if (!largest && f < out->fmin)
				out->fmin = f, memcpy(xmin, x, sizeof x);
			Lmax = fmax(Lmax, x[COSTI_vmentry_load_debug]);
			Smin = fmin(Smin, S);
		}
		if (!strcmp(ms.names[k], "default")) {
			out->L = cost_get(m, COSTI_vmentry_load_debug);
			out->Llo = m->lo[COSTI_vmentry_load_debug];
			out->Lhi = m->hi[COSTI_vmentry_load_debug];
		}
	}
	out->bound = 1 + n * Lmax / Smin;
	cr_assert_gt(out->fmin, 1);
	cr_assert_leq(out->fmax, out->bound);
	/* the ends, as `hvsim run --cost FILE` prices them */
	cr_assert_eq(total_at(sc, "seed003_ctxsw_storm", "bp_enabled", VENDOR_VMX, xmax, dir, true) /
		     total_at(sc, "seed003_ctxsw_storm", "skip_dbgctl_load", VENDOR_VMX, xmax, dir, true), out->fmax);
	cr_assert_eq(total_at(sc, "seed003_ctxsw_storm", "bp_enabled", VENDOR_VMX, xmin, dir, true) /
		     total_at(sc, "seed003_ctxsw_storm", "skip_dbgctl_load", VENDOR_VMX, xmin, dir, true), out->fmin);
	h_rmtree(dir);
	scenario_free(sc);
}

/* Seed 003's question ("skip the LOAD_DEBUG_CONTROLS vm-entry control ...
 * Not sure it's worthwhile though"): never more cycles, at most a few per
 * cent fewer, under every VMX model; the entry it hangs on with its range. */
Test(cost_robust, seed003_skip_dbgctl_load_never_loses_but_saves_at_most_a_few_percent)
{
	struct s3 e;
	seed003_skip_range(&e);
	char *s = compare_out("seed003_ctxsw_storm", (const char *const[]){ "-p", "skip_dbgctl_load", "-p", "bp_enabled",
									  "--baseline", "bp_enabled", "--vendor", "vmx", NULL });
	char *l = line_of(s, "skip_dbgctl_load@vmx", "bp_enabled@vmx");
	assert_fewer_line(l, "skip_dbgctl_load@vmx", "bp_enabled@vmx", 1 / e.fmax, 1 / e.fmin, e.nmodels, e.suffix);
	cr_assert_lt(e.fmax, 1.1, "a few per cent at most: %f", e.fmax);
	char entry[100];
	snprintf(entry, sizeof entry, "vmx.entry_load_debug=%llu [%llu..%llu]", (unsigned long long)e.L,
		 (unsigned long long)e.Llo, (unsigned long long)e.Lhi);
	cr_assert(strstr(s, entry), "the sensitivity table names %s:\n%s", entry, s);
	free(l);
	free(s);
}

/* ---- any pair: Dinkelbach over each model's box ------------------------------------ */

/* The largest (want_max) or smallest a.x / b.x over lo <= x <= hi.  For
 * the current ratio r, the corner that maximises (a - r b).x (each entry at
 * its high end where a_i - r b_i > 0) has a ratio above r unless r is
 * already the maximum (Dinkelbach 1967); the minimum the same way round.
 * The corner is left in x. */
static double extreme(const double *a, const double *b, const double *lo, const double *hi, bool want_max, double *x)
{
	memcpy(x, lo, COST_N * sizeof(*x));
	double r = dot(a, x) / dot(b, x);
	for (int it = 0; it < 200; it++) {
		for (unsigned i = 0; i < COST_N; i++) {
			double g = a[i] - r * b[i];
			x[i] = (want_max ? g > 0 : g < 0) ? hi[i] : lo[i];
		}
		double nr = dot(a, x) / dot(b, x);
		if (want_max ? nr <= r * (1 + 1e-14) : nr >= r * (1 - 1e-14))
			return nr;     /* x is optimal for r: its own ratio is r (to rounding) */
		r = nr;
	}
	cr_assert_fail("Dinkelbach did not converge");
	return r;
}

struct pair_range {
	double rlo, rhi;            /* run / baseline cycles over every model's box */
	unsigned nmodels;
};

/* POLICY against BASE on vendor v under every bundled model of v and its
 * ranges: the counts of both (unit prices), each model's extremes, and the
 * two corners that give the overall ends priced again through the CLI. */
static void pair_range(const char *scname, const char *policy, const char *base, enum vendor v, struct pair_range *out)
{
	struct scenario *sc = h_load_bundled(scname);
	char dir[256];
	h_mkdtemp(dir, sizeof dir, "hvsim-pair");
	double a[COST_N], b[COST_N];
	counts_of(sc, policy, v, dir, a);
	counts_of(sc, base, v, dir, b);
	struct models ms;
	models_for(v, &ms);
	out->nmodels = ms.n;
	out->rlo = INFINITY;
	out->rhi = -INFINITY;
	double xlo[COST_N], xhi[COST_N];
	for (unsigned k = 0; k < ms.n; k++) {
		double x[COST_N], lo[COST_N], hi[COST_N], c[COST_N];
		prices_of(&ms.m[k], x, lo, hi);
		/* the counts price the real model file as its runs do (no
		 * name@KERNEL line applies to these policies) */
		struct run_config cfg = { .policy = policy, .vendor = v, .cost_model = ms.names[k] };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_str_empty(r.cost.kernel, "%s: a kernel line prices %s", ms.names[k], policy);
		cr_assert_eq(dot(a, x), (double)r.st.cycles_total, "%s: %s's counts do not add up", ms.names[k], policy);
		run_result_free(&r);
		double mx = extreme(a, b, lo, hi, true, c);
		if (mx > out->rhi)
			out->rhi = mx, memcpy(xhi, c, sizeof c);
		double mn = extreme(a, b, lo, hi, false, c);
		if (mn < out->rlo)
			out->rlo = mn, memcpy(xlo, c, sizeof c);
	}
	cr_assert_eq(total_at(sc, scname, policy, v, xhi, dir, true) / total_at(sc, scname, base, v, xhi, dir, true),
		     out->rhi);
	cr_assert_eq(total_at(sc, scname, policy, v, xlo, dir, true) / total_at(sc, scname, base, v, xlo, dir, true),
		     out->rlo);
	h_rmtree(dir);
	scenario_free(sc);
}

/* Seed 000: need_reload takes half the exits of today's KVM and misses 19
 * of the 20 guest #DBs (the scenario's expectation); linux-3.19 misses
 * none.  Every pair's range and suffix, on both vendors. */
Test(cost_robust, seed000_verdicts_survive_every_model)
{
	char *s = compare_out("seed000_need_reload_host_bp", (const char *const[]){ NULL });
	struct scenario *sc = h_load_bundled("seed000_need_reload_host_bp");
	static const char *const pols[] = { "need_reload", "linux-3.19" };
	static const enum vendor vends[] = { VENDOR_VMX, VENDOR_SVM };
	for (int p = 0; p < 2; p++)
		for (int v = 0; v < 2; v++) {
			const char *vn = scenario_vendor_name(vends[v]);
			char name[64], base[64], suffix[200];
			snprintf(name, sizeof name, "%s@%s", pols[p], vn);
			snprintf(base, sizeof base, "bp_enabled@%s", vn);
			struct pair_range pr;
			pair_range("seed000_need_reload_host_bp", pols[p], "bp_enabled", vends[v], &pr);
			correctness_of(sc, pols[p], vn, suffix, sizeof suffix);
			char *l = line_of(s, name, base);
			assert_fewer_line(l, name, base, pr.rlo, pr.rhi, pr.nmodels, suffix);
			free(l);
		}
	/* the verdict the issue quotes */
	uint64_t missed;
	cr_assert(stated(sc, "need_reload", "vmx", "db.guest.missed", &missed));
	cr_assert_eq(missed, 19);
	scenario_free(sc);
	free(s);
}

/* The HTML page carries the same lines: seed 003's answer, and eager's
 * ordering flipping inside the ranges (its cycles against bp_enabled's
 * cross 1 between two corners of some model's box). */
Test(cost_robust, html_page_has_the_robustness_section)
{
	struct s3 e;
	seed003_skip_range(&e);
	struct pair_range eager;
	pair_range("seed003_ctxsw_storm", "eager", "bp_enabled", VENDOR_VMX, &eager);
	char *s = compare_out("seed003_ctxsw_storm", (const char *const[]){ "--format", "html", NULL });
	cr_assert(strstr(s, "<section id=\"robustness\">"), "no robustness section");
	bool flips = eager.rlo < 1 && eager.rhi > 1;
	cr_assert(flips, "eager vs bp_enabled: %f..%f", eager.rlo, eager.rhi);
	cr_assert(strstr(s, "<li data-flips=\"1\">eager@vmx vs bp_enabled@vmx: ordering FLIPS"), "eager does not flip");
	cr_assert(strstr(s, "<li data-flips=\"0\">skip_dbgctl_load@vmx vs bp_enabled@vmx: "));
	char *l = line_of(s, "skip_dbgctl_load@vmx", "bp_enabled@vmx");
	assert_fewer_line(l, "skip_dbgctl_load@vmx", "bp_enabled@vmx", 1 / e.fmax, 1 / e.fmin, e.nmodels, e.suffix);
	free(l);
	cr_assert(strstr(s, "</html>"));
	free(s);
}
