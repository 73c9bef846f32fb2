/* test_cost_vendor.c - which runs a cost model may price (docs/cost-models.md,
 * "A model and its vendor", "Kernel-specific entries"):
 *   - a model's @vendor line says which processor it describes; a run on
 *     the other vendor is refused (its transition entries are "not
 *     applicable" zeros), and lists of models give each run the models of
 *     its vendor;
 *   - name@KERNEL lines price the policies of one kernel (preset
 *     linux-6.12's KVM path, measured on the Bochs reference), and the
 *     robustness analysis prices both kernels' runs together.
 * Expected values: the @vendor lines and the "not applicable" entries of
 * the bundled files, the instruction counts of the reference's cached
 * outcomes (sim/ref/kvm-intel-bochs/cache-6.12), never hvsim's output. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cost.h"
#include "sim/render/robust.h"
#include "tests/harness.h"

#define HEAD "version: 1\nname: t\nsummary: test\n"
#define GUEST "guest:\n  base: 0x1000\n  code: \"f4\"\n"

H_TMPDIR_SUITE(cost_vendor, "hvsim-costvendor", 300);

static void load(const char *name, struct cost_model *m)
{
	char path[1024], err[1024];
	cost_bundled_path(name, path, sizeof(path));
	cr_assert_eq(cost_load(path, m, err, sizeof(err)), 0, "%s: %s", name, err);
}

static const char *bundled(const char *name)
{
	static char p[2][1024];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof p[k], "%s/scenarios/%s.yaml", h_srcdir(), name);
	return p[k];
}

/* ---- a model and its vendor ------------------------------------------------------ */

/* zen3.cost says "@vendor svm" and "vmx.exit = 0  # not applicable". */
Test(cost_vendor, the_amd_model_does_not_price_vmx)
{
	struct cost_model m;
	load("zen3", &m);
	cr_assert_eq(m.vendors, 2);
	cr_assert_eq(m.vmexit, 0);
	cr_assert_not(sim_cost_applies(&m, VENDOR_VMX));
	cr_assert(sim_cost_applies(&m, VENDOR_SVM));
	cr_assert(sim_cost_applies(&m, VENDOR_NONE));    /* bare metal has no transitions */
	load("skylake", &m);
	cr_assert_not(sim_cost_applies(&m, VENDOR_SVM));
	load("default", &m);
	cr_assert(sim_cost_applies(&m, VENDOR_VMX) && sim_cost_applies(&m, VENDOR_SVM));
}

Test(cost_vendor, run_refuses_a_model_of_the_other_vendor)
{
	char *out, *err;
	const char *a[] = { "run", bundled("seed000_need_reload_host_bp"), "--vendor", "vmx", "--cost", "zen3", NULL };
	cr_assert_eq(h_hvsim_run(dir, a, &out, &err), 4);
	cr_assert_str_empty(out);
	cr_assert(strstr(err, "hvsim: --cost zen3: the model is for svm (@vendor svm) and cannot price a vmx run"), "%s", err);
	cr_assert_eq(strchr(err, '\n') - err + 1, (long)strlen(err), "one line: %s", err);
	free(out);
	free(err);
	/* the same model on its own vendor runs */
	const char *b[] = { "run", bundled("seed000_need_reload_host_bp"), "--vendor", "svm", "--cost", "zen3", NULL };
	cr_assert_eq(h_hvsim_run(dir, b, NULL, NULL), 0);
	/* AMD model, both vendors: the vmx half cannot be priced */
	const char *c[] = { "run", bundled("seed000_need_reload_host_bp"), "--vendor", "both", "--cost", "zen5", NULL };
	cr_assert_eq(h_hvsim_run(dir, c, NULL, NULL), 4);
}

/* cpu.model in the scenario: the message has its position; validate says
 * it first (sim_check builds every run's machine). */
Test(cost_vendor, scenario_model_of_the_other_vendor_has_its_position)
{
	struct scenario *sc = h_load_text("t.yaml", HEAD "vendor: svm\ncpu: {model: skylake}\n" GUEST);
	struct run_config cfg = { .policy = "bp_enabled", .vendor = VENDOR_SVM };
	char err[1024];
	cr_assert_eq(sim_check(sc, &cfg, err, sizeof err), -1);
	cr_assert(strstr(err, "t.yaml:5:14: cpu.model: 'skylake' is for vmx (@vendor vmx) and cannot price a svm run"),
		  "%s", err);
	struct run_result r;
	cr_assert_eq(sim_run(sc, &cfg, &r, err, sizeof err), -1);
	cr_assert(strstr(err, "t.yaml:5:14:"), "%s", err);
	scenario_free(sc);
}

/* compare --cost A,B: each column under the first listed model of its
 * vendor; a listed model that describes none of the vendors is refused. */
Test(cost_vendor, compare_lists_pick_the_models_of_each_vendor)
{
	char *out, *err;
	const char *a[] = { "compare", bundled("seed000_need_reload_host_bp"), "--cost", "zen3,skylake", NULL };
	cr_assert_eq(h_hvsim_run(dir, a, &out, &err), 0, "%s", err);
	cr_assert(strstr(out, "cost model skylake (vmx), zen3 (svm), baseline"), "%s", out);
	/* VMX pairs are priced by skylake only, SVM by zen3 only */
	char *l = strstr(out, "\nrobustness over");
	cr_assert(l, "%s", out);
	l = strstr(l, "\n  need_reload@vmx vs bp_enabled@vmx: ");
	cr_assert(l, "%s", out);
	*strchr(l + 1, '\n') = 0;
	cr_assert(strstr(l, " under all 1 model and every range end"), "%s", l);
	free(out);
	free(err);
	const char *b[] = { "compare", bundled("seed000_need_reload_host_bp"), "--vendor", "vmx", "--cost", "skylake,zen3", NULL };
	cr_assert_eq(h_hvsim_run(dir, b, &out, &err), 4);
	cr_assert_str_empty(out);
	cr_assert(strstr(err, "--cost zen3: the model is for svm"), "%s", err);
	free(out);
	free(err);
}

/* sweep --cost all: no job prices a vendor with the other vendor's model;
 * rows = policies x (models of vmx + models of svm). */
Test(cost_vendor, sweep_all_runs_each_vendor_under_its_models)
{
	char csv[600];
	snprintf(csv, sizeof csv, "%s/s.csv", dir);
	const char *a[] = { "sweep", bundled("seed000_need_reload_host_bp"), "-p", "bp_enabled", "--cost", "all", "-o", csv,
			    "--summary", "/dev/null", NULL };
	cr_assert_eq(h_hvsim_run(dir, a, NULL, NULL), 0);
	char names[64][64];
	int n = cost_bundled_list(names, 64), nvmx = 0, nsvm = 0;
	for (int i = 0; i < n; i++) {
		struct cost_model m;
		load(names[i], &m);
		nvmx += sim_cost_applies(&m, VENDOR_VMX);
		nsvm += sim_cost_applies(&m, VENDOR_SVM);
	}
	cr_assert_lt(nvmx, n);   /* the AMD models are left out of VMX */
	char *t = h_slurp(csv, NULL);
	cr_assert(t);
	int rows = 0;
	char *save = NULL;
	for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "index,", 6))
			continue;
		/* index,scenario,policy,vendor,cost_model,... */
		char *f[5], *s2 = NULL;
		f[0] = strtok_r(l, ",", &s2);
		for (int i = 1; i < 5; i++)
			f[i] = strtok_r(NULL, ",", &s2);
		cr_assert(f[4]);
		struct cost_model m;
		load(f[4], &m);
		cr_assert(sim_cost_applies(&m, !strcmp(f[3], "vmx") ? VENDOR_VMX : VENDOR_SVM), "%s on %s", f[4], f[3]);
		rows++;
	}
	cr_assert_eq(rows, nvmx + nsvm, "%d rows", rows);
	free(t);
}

/* ---- name@KERNEL entries ---------------------------------------------------------------- */

static char *write_model(const char *extra)
{
	char path[1024];
	cost_bundled_path("skylake", path, sizeof path);
	char *text = h_slurp(path, NULL);
	cr_assert(text, "%s", path);
	static char out[700];
	snprintf(out, sizeof out, "%s/k.cost", dir);
	FILE *f = fopen(out, "w");
	cr_assert(f);
	fprintf(f, "%s%s", text, extra);
	fclose(f);
	free(text);
	return out;
}

Test(cost_vendor, kernel_lines_are_checked_like_entries)
{
	struct cost_model m;
	char err[1024];
	const char *p = write_model("hv.handler@6.6 = 100 [50..200]   # [estimate] test\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), 0, "%s", err);
	p = write_model("hv.handler@6.12 = 100   # [estimate] test\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "is [estimate] but has no range"), "%s", err);
	p = write_model("hv.handler@6.12 = 100\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "has no citation"), "%s", err);
	p = write_model("hv.handler@6 12 = 100  # x\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	p = write_model("hv.handler@6/12 = 100  # x\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "bad kernel '6/12'"), "%s", err);
	p = write_model("hv.nosuch@6.12 = 100  # x\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "unknown cost entry 'hv.nosuch'"), "%s", err);
	/* skylake.cost has hv.handler@6.12 already: twice is refused, with the line */
	p = write_model("hv.handler@6.12 = 100 [50..200]   # [estimate] test\n");
	cr_assert_eq(cost_load(p, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "given twice"), "%s", err);
}

/* The preset's kernel picks its lines: a linux-6.12 run is charged the
 * @6.12 prices, a linux-6.1 run the plain ones (the ledger is exact). */
Test(cost_vendor, the_policy_kernel_picks_its_path)
{
	struct cost_model m;
	load("skylake", &m);
	struct scenario *sc = h_load_bundled("kvmref_exec_loop");
	const char *pol[] = { "linux-6.1", "linux-6.12" };
	uint64_t io_price[2] = { cost_get(&m, COSTI_handler_io), 0 };
	for (unsigned k = 0; k < m.nkern; k++)
		if (m.kern[k].idx == COSTI_handler_io && !strcmp(m.kern[k].kernel, "6.12"))
			io_price[1] = m.kern[k].v;
	cr_assert_neq(io_price[1], 0, "skylake.cost has no hv.handler_io@6.12");
	for (int i = 0; i < 2; i++) {
		struct run_config cfg = { .policy = pol[i], .vendor = VENDOR_VMX, .cost_model = "skylake" };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_eq(cost_get(&r.cost, COSTI_handler_io), io_price[i], "%s", pol[i]);
		cr_assert_gt(r.cost_n[COSTI_handler_io], 0);
		uint64_t sum = 0;
		for (unsigned e = 0; e < COST_N; e++)
			sum += r.cost_n[e] * cost_get(&r.cost, e);
		cr_assert_eq(sum, r.st.cycles_total);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* A kernel's line moves with its plain entry when robustness re-prices:
 * two runs with the same charges, one under 6.12's line (twice the plain
 * price), stay exactly 2:1 at every corner. */
Test(cost_vendor, robustness_prices_kernels_together)
{
	struct cost_model m6, m612;
	memset(&m6, 0, sizeof m6);
	m6.vendors = 3;
	cost_put(&m6, COSTI_handler_base, 100);
	m6.lo[COSTI_handler_base] = 50;
	m6.hi[COSTI_handler_base] = 300;
	m6.nkern = 1;
	m6.kern[0] = (struct cost_kentry){ .idx = COSTI_handler_base, .kernel = "6.12", .v = 200, .lo = 100, .hi = 600 };
	m612 = m6;
	cr_assert_eq(cost_select_kernel(&m612, "6.12"), 1);
	cr_assert_eq(cost_get(&m612, COSTI_handler_base), 200);
	uint64_t a[COST_N] = { 0 }, b[COST_N] = { 0 };
	a[COSTI_handler_base] = b[COSTI_handler_base] = 10;
	struct compare_col cols[2];
	memset(cols, 0, sizeof cols);
	snprintf(cols[0].name, sizeof cols[0].name, "k612@vmx");
	snprintf(cols[1].name, sizeof cols[1].name, "k61@vmx");
	cols[0].pol_index = 1;
	cols[0].vendor = cols[1].vendor = VENDOR_VMX;
	memcpy(cols[0].res.cost_n, a, sizeof a);
	memcpy(cols[1].res.cost_n, b, sizeof b);
	cols[0].res.cost = m612;
	cols[1].res.cost = m6;
	struct robust_model rm = { "hand", cols, 2 };
	struct robust_report r;
	cr_assert_eq(robust_build(&r, &rm, 1, 0), 0);
	cr_assert(r.pairs[0].valid);
	cr_assert_float_eq(r.pairs[0].cells[0].point, 2.0, 1e-12);
	cr_assert_float_eq(r.pairs[0].lo, 2.0, 1e-12);
	cr_assert_float_eq(r.pairs[0].hi, 2.0, 1e-12);
	cr_assert_not(r.pairs[0].flips);
	robust_free(&r);
}

/* ---- Linux 6.12's figures are the reference's -------------------------------------- */

/* The image keys of the conformance scenarios (`hvsim kvm F --export`):
 * their outcomes came after the cost model and are not its sample. */
static char conf_keys[32][17];
static int nconf_keys = -1;

static bool is_conformance_outcome(const char *file)
{
	if (nconf_keys < 0) {
		nconf_keys = 0;
		char sd[1100], tmp[256];
		snprintf(sd, sizeof sd, "%s/scenarios/conformance", h_srcdir());
		h_mkdtemp(tmp, sizeof tmp, "hvsim-costv");
		DIR *dp = opendir(sd);
		cr_assert(dp, "%s", sd);
		for (struct dirent *e; (e = readdir(dp)) && nconf_keys < 32;) {
			if (!strstr(e->d_name, ".yaml"))
				continue;
			char f[1400], img[300];
			snprintf(f, sizeof f, "%s/%s", sd, e->d_name);
			snprintf(img, sizeof img, "%s/x.img", tmp);
			const char *args[] = { "kvm", f, "--export", img, NULL };
			char *out, *err;
			if (h_hvsim_run(tmp, args, &out, &err) == 0 && strlen(out) >= 16)
				snprintf(conf_keys[nconf_keys++], 17, "%.16s", out);
			free(out);
			free(err);
		}
		closedir(dp);
		h_rmtree(tmp);
	}
	for (int i = 0; i < nconf_keys; i++)
		if (!strncmp(file, conf_keys[i], 16))
			return true;
	return false;
}

/* Median of the per-outcome medians of one exit reason over the cached
 * outcomes of reference 3 on Linux 6.12 ("exit_path NAME N SUM MIN MEDIAN
 * MAX", sim/ref/runner.c), doubled (a median of an even count is a half):
 * the outcomes of the bundled scenarios the model was made from, not the
 * conformance set's (measured later, docs/kvm-reference.md). */
static long median2(const char *reason)
{
	char d[1100];
	snprintf(d, sizeof d, "%s/sim/ref/kvm-intel-bochs/cache-6.12", h_srcdir());
	DIR *dp = opendir(d);
	cr_assert(dp, "%s", d);
	long v[64];
	int n = 0;
	for (struct dirent *e; (e = readdir(dp));) {
		if (!strstr(e->d_name, ".out") || is_conformance_outcome(e->d_name))
			continue;
		char p[1400];
		snprintf(p, sizeof p, "%s/%s", d, e->d_name);
		char *t = h_slurp(p, NULL);
		char key[64];
		snprintf(key, sizeof key, "\nexit_path %s ", reason);
		char *l = t ? strstr(t, key) : NULL;
		long cnt, sum, mn, med;
		if (l && sscanf(l + strlen(key), "%ld %ld %ld %ld", &cnt, &sum, &mn, &med) == 4 && n < 64)
			v[n++] = med;
		free(t);
	}
	closedir(dp);
	cr_assert_gt(n, 0, "no %s in the 6.12 cache", reason);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				long x = v[i];
				v[i] = v[j];
				v[j] = x;
			}
	return n % 2 ? 2 * v[n / 2] : v[n / 2 - 1] + v[n / 2];
}

/* skylake.cost: IPC 1.0, so its @6.12 points are the instruction counts:
 * hv.handler_cpuid = CPUID - MOV-DR, hv.handler_db = #DB - MOV-DR,
 * hv.handler_io = I/O round trip - MOV-DR (medians, rounded down). */
Test(cost_vendor, linux_6_12_lines_are_the_reference_counts)
{
	long dr = median2("DR_ACCESS"), cpuid = median2("CPUID"), db = median2("EXCEPTION_NMI"), io = median2("IO_INSTRUCTION");
	struct cost_model m;
	load("skylake", &m);
	cr_assert_eq(cost_select_kernel(&m, "6.12"), 4);
	cr_assert_eq(cost_get(&m, COSTI_handler_cpuid), (uint64_t)((cpuid - dr) / 2));
	cr_assert_eq(cost_get(&m, COSTI_handler_db), (uint64_t)((db - dr) / 2));
	cr_assert_eq(cost_get(&m, COSTI_handler_io), (uint64_t)((io - dr) / 2));
	/* the MOV-DR path itself: the 6.1 probe's 1,186 scaled by 6.12/6.1 (1,767 / 1,766) */
	cr_assert_eq(cost_get(&m, COSTI_handler_base), (uint64_t)llround(1186.0 * (double)dr / 2 / 1766.0));
}
