/* bench_hvsim.c - hvsim against raw Unicorn 2.0.1 on the same guest bytes,
 * one row per workload (bench/rows.def lists the row tables), measured side
 * by side in one run, with a summary line per target of issue 16: the
 * guest data path (bench/rows_data.c) and the exits, #DB delivery and
 * `hvsim check` (bench/rows_exit.c, whose raw side is raw Unicorn, QEMU TCG
 * or the cold run, as each row's label says).
 *
 * usage: bench_hvsim [--quick] [--reps N] [--check] [--only LIST] [--legacy] [--list] [--side S]
 *   --quick   smoke-test sizes
 *   --reps N  paired rounds per row (default 5)
 *   --check   exit 1 if a target is missed
 *   --only    comma-separated row ids, prefixes ("adv"), target ids, or the
 *             letters a, b, c, d, e of the figures from before issue 16
 *   --legacy  also print those figures (a)-(e) (bench/legacy.c)
 *   --list    print the rows and targets and exit
 *   --side S  run only one side of each row, S = raw or hvsim (to profile it:
 *             valgrind --tool=callgrind bench_hvsim --reps 1 --only load --side hvsim)
 *
 * Rows that time their own rounds (bench/rows_exit.c: #DB, single-step, QEMU)
 * ignore --side; profile one side of them by function instead:
 *   valgrind --tool=callgrind --trace-children=no --toggle-collect=hv_run \
 *       bench_hvsim --reps 1 --quick --only db_floor     (raw side: raw_db_run)
 * Their guests are assembled when the row starts, and under valgrind hvsim's
 * assembler sandbox fails to start `as` ("it could not be started"): fill
 * the assembler cache first, natively, with the environment Debian's
 * valgrind script gives its child (it sets LD_LIBRARY_PATH=/usr/lib/debug,
 * which is part of the cache key, sim/loader/asm_cache.c):
 *   LD_LIBRARY_PATH=/usr/lib/debug bench_hvsim --reps 1 --quick --only db_floor,ss_floor
 *
 * Times are CPU seconds of this process (bench_cpu).  A round runs raw
 * Unicorn, hvsim and (overhead rows) hvsim's baseline one after the other,
 * alternating which side goes first; the table gives the medians over the
 * rounds per unit of work, and the ratio is the median of the per-round
 * ratios.  The machine is noisy (unicorn-facts §0): compare within a run,
 * and use callgrind for small differences. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "bench.h"

#define BENCH_ROWS(name) &bench_rows_##name,
static const struct bench_rows *const tables[] = {
#include "rows.def"
};
#undef BENCH_ROWS
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

#define MAX_REPS 64

/* --side: 0 both, 1 raw only, 2 hvsim only (baseline included) */
static int side;

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of this process (user + system).  The rows time CPU, not
 * wall clock: on the shared 2-core machine a run waits for the CPU as long
 * as it runs, and that waiting is noise (load averages of 8 were seen);
 * QEMU's side (bench/rows_exit.c) is its child's CPU time (wait4), so both
 * sides count the same thing. */
double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The hvsim binary: $HVSIM, or `hvsim` next to this executable. */
int bench_hvsim_bin(char *buf, size_t n)
{
	const char *h = getenv("HVSIM");
	if (h && *h) {
		snprintf(buf, n, "%s", h);
		return access(buf, X_OK);
	}
	char self[4096];
	ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l <= 0)
		return -1;
	self[l] = 0;
	char *slash = strrchr(self, '/');
	if (!slash || (size_t)(slash - self) + sizeof("/hvsim") > n)
		return -1;
	memcpy(buf, self, (size_t)(slash - self));
	memcpy(buf + (slash - self), "/hvsim", sizeof("/hvsim"));
	return access(buf, X_OK);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_hvsim: %s: %s\n", what, msg);
	exit(2);
}

/* ---- the two sides of a pair row ------------------------------------------------ */

static uint64_t page_down(uint64_t a) { return a & ~0xFFFull; }
static uint64_t page_up(uint64_t a) { return (a + 0xFFF) & ~0xFFFull; }

static int uc_reg_id(const char *name)
{
	static const struct { const char *n; int id; } t[] = {
		{ "rax", UC_X86_REG_RAX }, { "rbx", UC_X86_REG_RBX }, { "rcx", UC_X86_REG_RCX },
		{ "rdx", UC_X86_REG_RDX }, { "rsi", UC_X86_REG_RSI }, { "rdi", UC_X86_REG_RDI },
		{ "rbp", UC_X86_REG_RBP }, { "rsp", UC_X86_REG_RSP }, { "r8", UC_X86_REG_R8 },
		{ "r9", UC_X86_REG_R9 }, { "r10", UC_X86_REG_R10 }, { "r11", UC_X86_REG_R11 },
		{ "r12", UC_X86_REG_R12 }, { "r13", UC_X86_REG_R13 }, { "r14", UC_X86_REG_R14 },
		{ "r15", UC_X86_REG_R15 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name))
			return t[i].id;
	bench_die("register", name);
}

/* Raw Unicorn: a fresh engine, the same mappings, run to the HLT.  Seconds. */
static __attribute__((noinline)) double run_raw(const struct bench_guest *g)
{
	uc_engine *uc;
	double t0 = bench_cpu();
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		bench_die("raw", "uc_open");
	uint64_t lo = page_down(g->base), hi = page_up(g->base + g->ncode);
	if (uc_mem_map(uc, lo, hi - lo, UC_PROT_ALL) != UC_ERR_OK ||
	    uc_mem_write(uc, g->base, g->code, g->ncode) != UC_ERR_OK)
		bench_die("raw", "cannot map the code");
	if (g->data_size && uc_mem_map(uc, g->data_addr, page_up(g->data_size), UC_PROT_ALL) != UC_ERR_OK)
		bench_die("raw", "cannot map the data");
	for (unsigned i = 0; i < g->nregs; i++)
		uc_reg_write(uc, uc_reg_id(g->regs[i].name), &g->regs[i].val);
	uc_err e = uc_emu_start(uc, g->base, g->hlt, 0, 0);
	uint64_t rip = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	uc_close(uc);
	double t = bench_cpu() - t0;
	if (e != UC_ERR_OK || rip != g->hlt)
		bench_die("raw", "the guest did not reach its HLT");
	return t;
}

/* The hvsim scenario of a pair (extra = the row's YAML, "" or NULL for none). */
static struct scenario *make_scenario(const char *id, const struct bench_pair *p, const char *extra)
{
	size_t cap = 4096 + p->g.ncode * 3 + (extra ? strlen(extra) : 0);
	char *yaml = malloc(cap), err[512];
	if (!yaml)
		bench_die("scenario", "out of memory");
	size_t n = (size_t)snprintf(yaml, cap,
				    "version: 1\nname: bench_%s\nsummary: bench_hvsim row %s\nvendor: %s\n"
				    "policies: [bp_enabled]\nguest:\n  mode: 64\n  base: 0x%llx\n  code: \"",
				    id, id, p->vendor ? p->vendor : "vmx", (unsigned long long)p->g.base);
	for (size_t i = 0; i < p->g.ncode; i++)
		n += (size_t)snprintf(yaml + n, cap - n, i ? " %02x" : "%02x", p->g.code[i]);
	n += (size_t)snprintf(yaml + n, cap - n, "\"\n");
	if (p->g.data_size)
		n += (size_t)snprintf(yaml + n, cap - n, "  data:\n    - {addr: 0x%llx, size: 0x%llx}\n",
				      (unsigned long long)p->g.data_addr, (unsigned long long)p->g.data_size);
	if (p->g.nregs) {
		n += (size_t)snprintf(yaml + n, cap - n, "  regs: {");
		for (unsigned i = 0; i < p->g.nregs; i++)
			n += (size_t)snprintf(yaml + n, cap - n, "%s%s: 0x%llx", i ? ", " : " ", p->g.regs[i].name,
					      (unsigned long long)p->g.regs[i].val);
		n += (size_t)snprintf(yaml + n, cap - n, " }\n");
	}
	n += (size_t)snprintf(yaml + n, cap - n, "  limits: { instructions: %llu }\n%s",
			      (unsigned long long)(p->insns ? p->insns * 2 + 1000 : 4000000000ull),
			      extra ? extra : "");
	struct scenario *sc = scenario_load_buf(id, yaml, n, err, sizeof(err));
	free(yaml);
	if (!sc)
		bench_die(id, err);
	return sc;
}

/* One sim_run of sc: seconds; the guest must halt after p->insns instructions. */
static __attribute__((noinline)) double run_hvsim(const char *id, const struct scenario *sc, const struct bench_pair *p)
{
	char err[512];
	const char *v = p->vendor ? p->vendor : "vmx";
	struct run_config cfg = { .policy = "bp_enabled",
				  .vendor = !strcmp(v, "svm") ? VENDOR_SVM : !strcmp(v, "none") ? VENDOR_NONE
										     : VENDOR_VMX };
	struct run_result res;
	double t0 = bench_cpu();
	if (sim_run(sc, &cfg, &res, err, sizeof(err)))
		bench_die(id, err);
	double t = bench_cpu() - t0;
	if (res.stop != STOP_HALT)
		bench_die(id, res.stop_msg);
	if (p->insns && res.st.guest_instructions != p->insns) {
		snprintf(err, sizeof(err), "%llu guest instructions, expected %llu",
			 (unsigned long long)res.st.guest_instructions, (unsigned long long)p->insns);
		bench_die(id, err);
	}
	run_result_free(&res);
	return t;
}

/* ---- measuring a row ------------------------------------------------------------- */

struct result {
	const struct bench_row *row;
	bool ran, skipped;
	char why[160];           /* skip reason */
	int rounds;
	double units;            /* work per run */
	double raw, hv, base;    /* median seconds per run (< 0 = none) */
	double ratio;            /* median per-round raw/hv (BENCH_OVERHEAD: hv/base - 1) */
	int verdict;             /* -1 not judged, 0 missed, 1 met */
};

static void measure(const struct bench_opts *o, struct result *r)
{
	const struct bench_row *row = r->row;
	double raw[MAX_REPS], hv[MAX_REPS], base[MAX_REPS], ratio[MAX_REPS];
	struct bench_pair p;
	memset(&p, 0, sizeof(p));
	struct scenario *sc = NULL, *sc_base = NULL;
	r->ran = true;
	r->raw = r->hv = r->base = -1;
	if (row->setup) {
		if (row->setup(o, &p, r->why, sizeof(r->why))) {
			r->skipped = true;
			return;
		}
		sc = make_scenario(row->id, &p, p.hv_yaml);
		if (p.base_yaml)
			sc_base = make_scenario(row->id, &p, p.base_yaml);
		r->units = p.units;
	}
	int n = 0;
	for (; n < o->reps; n++) {
		struct bench_sample s = { -1, -1, -1 };
		if (row->round) {
			struct bench_opts ro = *o;
			ro.round = n;
			if (row->round(&ro, &s, &r->units, r->why, sizeof(r->why))) {
				r->skipped = true;
				break;
			}
		} else if (n % 2 == 0) {
			s.raw = side != 2 ? run_raw(&p.g) : -1;
			s.hv = side != 1 ? run_hvsim(row->id, sc, &p) : -1;
			if (sc_base)
				s.base = side != 1 ? run_hvsim(row->id, sc_base, &p) : -1;
		} else {
			if (sc_base)
				s.base = side != 1 ? run_hvsim(row->id, sc_base, &p) : -1;
			s.hv = side != 1 ? run_hvsim(row->id, sc, &p) : -1;
			s.raw = side != 2 ? run_raw(&p.g) : -1;
		}
		raw[n] = s.raw;
		hv[n] = s.hv;
		base[n] = s.base;
		ratio[n] = side ? 0 : row->check == BENCH_OVERHEAD ? s.hv / s.base - 1 : s.raw / s.hv;
	}
	if (sc)
		scenario_free(sc);
	if (sc_base)
		scenario_free(sc_base);
	r->rounds = n;
	if (r->skipped || !n)
		return;
	r->raw = raw[0] >= 0 ? bench_median(raw, n) : -1;
	r->hv = hv[0] >= 0 ? bench_median(hv, n) : -1;
	r->base = base[0] >= 0 ? bench_median(base, n) : -1;
	r->ratio = bench_median(ratio, n);
}

static const struct result *find(const struct result *res, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(res[i].row->id, id))
			return &res[i];
	return NULL;
}

/* Judge row i once every row ran (BENCH_LINEAR needs its reference). */
static void judge(struct result *res, size_t n, size_t i)
{
	struct result *r = &res[i];
	const struct bench_row *row = r->row;
	r->verdict = -1;
	if (!r->ran || r->skipped || !r->rounds || side)
		return;
	switch (row->check) {
	case BENCH_INFO:
		return;
	case BENCH_RATIO:
		r->verdict = r->ratio >= row->limit;
		return;
	case BENCH_OVERHEAD:
		r->verdict = r->ratio <= row->limit;
		return;
	case BENCH_RATE:
		r->verdict = r->units / r->hv >= row->limit;
		return;
	case BENCH_LINEAR: {
		const struct result *ref = find(res, n, row->ref);
		if (!ref || !ref->ran || ref->skipped || !ref->rounds)
			return;
		r->ratio = (r->hv / r->units) / (ref->hv / ref->units);
		r->verdict = r->ratio <= row->limit;
		return;
	}
	}
}

/* ---- printing ------------------------------------------------------------------------ */

static void fmt_time(char *buf, size_t n, double seconds, double units, const char *unit)
{
	if (seconds < 0) {
		snprintf(buf, n, "-");
		return;
	}
	double ns = seconds / units * 1e9;
	if (ns >= 1e6)
		snprintf(buf, n, "%.1f ms/%s", ns / 1e6, unit);
	else if (ns >= 1e4)
		snprintf(buf, n, "%.1f us/%s", ns / 1e3, unit);
	else
		snprintf(buf, n, ns < 10 ? "%.2f ns/%s" : ns < 1000 ? "%.1f ns/%s" : "%.0f ns/%s", ns, unit);
}

static void print_row(const struct result *r)
{
	const struct bench_row *row = r->row;
	char a[32], b[32], c[24], t[24];
	if (r->skipped || !r->rounds) {
		printf("%-52s %s\n", row->label, r->why[0] ? r->why : "skipped");
		return;
	}
	fmt_time(a, sizeof(a), r->raw, r->units, row->unit);
	fmt_time(b, sizeof(b), r->hv, r->units, row->unit);
	switch (side ? BENCH_INFO : row->check) {
	case BENCH_OVERHEAD:
		snprintf(c, sizeof(c), "%+.1f %%", r->ratio * 100);
		snprintf(t, sizeof(t), "<= +%.0f %%", row->limit * 100);
		break;
	case BENCH_LINEAR:
		snprintf(c, sizeof(c), "%.2fx %s", r->ratio, row->ref);
		snprintf(t, sizeof(t), "<= %.1fx", row->limit);
		break;
	case BENCH_RATE:
		snprintf(c, sizeof(c), "%.2f M/s", r->units / r->hv / 1e6);
		snprintf(t, sizeof(t), ">= %.1f M/s", row->limit / 1e6);
		break;
	default:
		snprintf(c, sizeof(c), side ? "-" : "%.2f", r->ratio);
		if (row->check == BENCH_RATIO && !side)
			snprintf(t, sizeof(t), ">= %.2f", row->limit);
		else
			t[0] = 0;
		break;
	}
	/* a row that counts for no target shows its threshold but no verdict */
	printf("%-52s %14s %14s %12s %-10s %s\n", row->label, a, b, c, t,
	       r->verdict < 0 || !row->target ? "" : r->verdict ? "met" : "MISSED");
	if (row->check == BENCH_OVERHEAD) {
		fmt_time(a, sizeof(a), r->base, r->units, row->unit);
		printf("    %-48s %14s %14s %12s\n", "(overhead against the same run without it)", "", a, "");
	}
}

static bool row_id_exists(const char *id)
{
	for (size_t t = 0; t < NTABLES; t++)
		for (size_t i = 0; i < tables[t]->nrows; i++)
			if (!strcmp(tables[t]->rows[i].id, id))
				return true;
	return false;
}

static bool selected(const struct bench_row *row, const char *only)
{
	if (!only)
		return true;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", only);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strlen(tok) == 1 && tok[0] >= 'a' && tok[0] <= 'e')
			continue;          /* a legacy figure */
		/* a row's own id selects it alone; otherwise a prefix or a target */
		if (!strcmp(row->id, tok) || (!row_id_exists(tok) && !strncmp(row->id, tok, strlen(tok))) ||
		    (row->target && !strcmp(row->target, tok)))
			return true;
	}
	return false;
}

/* The legacy letters in --only ("a,c" -> "ac"). */
static void legacy_letters(const char *only, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	if (!only)
		return;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", only);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strlen(tok) == 1 && tok[0] >= 'a' && tok[0] <= 'e' && k + 1 < n) {
			out[k++] = tok[0];
			out[k] = 0;
		}
}

static void list(void)
{
	printf("rows (id, target, label):\n");
	for (size_t t = 0; t < NTABLES; t++)
		for (size_t i = 0; i < tables[t]->nrows; i++) {
			const struct bench_row *r = &tables[t]->rows[i];
			printf("  %-14s %-10s %s\n", r->id, r->target ? r->target : "-", r->label);
		}
	printf("targets:\n");
	for (size_t t = 0; t < NTABLES; t++)
		for (size_t i = 0; i < tables[t]->ntargets; i++)
			printf("  %-10s %s\n", tables[t]->targets[i].id, tables[t]->targets[i].text);
	printf("figures from before issue 16: a b c d e (--legacy)\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_hvsim [--quick] [--reps N] [--check] [--only LIST] [--legacy] [--list] "
		"[--side raw|hvsim]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .quick = false, .reps = 5 };
	bool check = false, legacy = false;
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			o.quick = true;
		else if (!strcmp(argv[i], "--check"))
			check = true;
		else if (!strcmp(argv[i], "--legacy"))
			legacy = true;
		else if (!strcmp(argv[i], "--list")) {
			list();
			return 0;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			o.reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--side") && i + 1 < argc) {
			i++;
			side = !strcmp(argv[i], "raw") ? 1 : !strcmp(argv[i], "hvsim") ? 2 : -1;
			if (side < 0)
				usage();
		}
		else if (!strcmp(argv[i], "--rss-child") && i + 1 < argc)
			return legacy_rss_child(strtoull(argv[i + 1], NULL, 10));
		else
			usage();
	}
	if (o.reps < 1 || o.reps > MAX_REPS)
		usage();
	char letters[8];
	legacy_letters(only, letters, sizeof(letters));
	if (legacy && !only)
		snprintf(letters, sizeof(letters), "abcde");

	size_t n = 0;
	for (size_t t = 0; t < NTABLES; t++)
		n += tables[t]->nrows;
	struct result *res = calloc(n ? n : 1, sizeof(*res));
	if (!res)
		bench_die("rows", "out of memory");
	size_t k = 0;
	for (size_t t = 0; t < NTABLES; t++)
		for (size_t i = 0; i < tables[t]->nrows; i++)
			res[k++].row = &tables[t]->rows[i];

	printf("hvsim benchmark: raw Unicorn %u.%u.%u vs hvsim (VMX, bp_enabled) on the same guest bytes, "
	       "%ld CPUs, median of %d paired rounds, %s sizes\n\n",
	       UC_API_MAJOR, UC_API_MINOR, UC_API_PATCH, sysconf(_SC_NPROCESSORS_ONLN), o.reps,
	       o.quick ? "quick" : "full");
	bool any_row = false;
	for (size_t i = 0; i < n; i++)
		any_row |= selected(res[i].row, only);
	if (any_row) {
		printf("%-52s %14s %14s %12s %-10s %s\n", "workload", "raw Unicorn", "hvsim", "ratio", "target",
		       "status");
		for (size_t i = 0; i < n; i++) {
			if (!selected(res[i].row, only))
				continue;
			measure(&o, &res[i]);
		}
		for (size_t i = 0; i < n; i++)
			judge(res, n, i);
		int foot = 0;
		for (size_t i = 0; i < n; i++) {
			if (!res[i].ran)
				continue;
			print_row(&res[i]);
			if (res[i].row->note)
				printf("    [%d] %s\n", ++foot, res[i].row->note);
		}
	}
	int missed = 0;
	if (any_row) {
		printf("\ntargets\n");
		for (size_t t = 0; t < NTABLES; t++)
			for (size_t j = 0; j < tables[t]->ntargets; j++) {
				const struct bench_target *tg = &tables[t]->targets[j];
				int met = 0, miss = 0;
				for (size_t i = 0; i < n; i++)
					if (res[i].row->target && !strcmp(res[i].row->target, tg->id) && res[i].verdict >= 0)
						res[i].verdict ? met++ : miss++;
				missed += miss > 0;
				printf("  %-8s %-12s %s\n", tg->id, miss ? "MISSED" : met ? "met" : "not measured",
				       tg->text);
			}
	}
	if (letters[0])
		missed += legacy_run(letters, o.quick, o.reps);
	printf("\n%s\n", missed ? "some targets MISSED" : "all measured targets met");
	free(res);
	return check && missed ? 1 : 0;
}
