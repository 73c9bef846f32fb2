/* legacy.c - bench_hvsim's figures (a)-(e) from before issue 16 (`bench_hvsim
 * --legacy` or `--only a,b,c,d,e`), kept so that earlier numbers stay comparable.
 *
 *   (a) an ALU loop (8 ALU instructions + dec + jnz per iteration) under raw
 *       Unicorn with no hooks, and under hvsim (sim_run) bare metal and under
 *       VMX with no breakpoint armed: M guest instructions/s and the ratio
 *       hvsim/raw (target >= 0.4);
 *   (b) simulated VM exits per second: a loop of `out 0x80, al` under VMX,
 *       policy bp_enabled, the whole hypervisor path per exit (target >= 2 M/s);
 *   (c) wall time of every bundled scenario x every policy preset (and the
 *       scenario's variants) x both vendors: `hvsim compare SCEN -p all
 *       --vendor both` spawned for each scenario (the hvsim binary next to
 *       this one, or $HVSIM), and the same runs in-process on a pool of
 *       threads (sim_run only) (target < 10 s on 2 cores);
 *   (d) peak RSS of one run (VmHWM of a fresh child process per run) for
 *       two run lengths 10x apart, tracing off: must not grow with length;
 *   (e) the host world (issue 19, host/ and sim/machine.c): the loop of (b)
 *       with the layer unused (no host keys: the hooks on the exit path
 *       return at once) and used (2 CPUs, the vCPU thread preempted every
 *       1000 exits and migrated: vcpu_put, switch_to, vcpu_load), side by
 *       side and interleaved, with the spread of the unused rows (max-min
 *       over median) as the yardstick of the machine's noise.
 *
 * Each timed figure is the median of --reps repetitions (default 5).  The
 * machine noise is large (unicorn-facts §0): compare rows of the same run.
 *
 * Environment: HVSIM_SOURCE_DIR (scenarios/ is read from there; default:
 * the source tree the bench was built from), HVSIM (the hvsim binary for
 * (c); default: next to this executable). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#include "debugreg/hv.h"
#include "debugreg/policy_names.h"
#include "sim/machine.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "bench.h"

#ifndef HVSIM_SOURCE_DIR
#define HVSIM_SOURCE_DIR "."
#endif

/* 8 ALU instructions, dec r8, jnz back, hlt (GNU as, Intel syntax):
 *   loop1: add rax,rbx; xor rcx,rdx; sub rsi,rdi; and r9,r10; or r11,r12;
 *          add r13,r14; xor rax,rcx; add rbx,rsi; dec r8; jnz loop1; hlt */
static const unsigned char alu_code[] = {
	0x48, 0x01, 0xd8, 0x48, 0x31, 0xd1, 0x48, 0x29, 0xfe, 0x4d, 0x21, 0xd1,
	0x4d, 0x09, 0xe3, 0x4d, 0x01, 0xf5, 0x48, 0x31, 0xc8, 0x48, 0x01, 0xf3,
	0x49, 0xff, 0xc8, 0x75, 0xe3, 0xf4,
};
#define ALU_LOOP_LEN 29            /* bytes before the hlt */
#define ALU_PER_ITER 10

/*   loop2: out 0x80, al; dec rcx; jnz loop2; hlt */
static const char exit_hex[] = "e6 80 48 ff c9 75 f9 f4";
#define EXIT_PER_ITER 3

static int reps = 5;

/* ---- scenarios built in memory ------------------------------------------ */

static struct scenario *make_scenario(const char *name, const char *vendor, const char *hex,
				      const char *reg, unsigned long long iters)
{
	char yaml[2048], err[512];
	int n = snprintf(yaml, sizeof(yaml),
			 "version: 1\n"
			 "name: %s\n"
			 "summary: benchmark loop\n"
			 "vendor: %s\n"
			 "policies: [bp_enabled]\n"
			 "guest:\n"
			 "  mode: 64\n"
			 "  base: 0x1000\n"
			 "  code: \"%s\"\n"
			 "  regs: { %s: %llu }\n"
			 "  limits: { instructions: %llu }\n",
			 name, vendor, hex, reg, iters, iters * 20 + 1000);
	struct scenario *sc = scenario_load_buf(name, yaml, (size_t)n, err, sizeof(err));
	if (!sc)
		bench_die("scenario", err);
	return sc;
}

static char *to_hex(const unsigned char *b, size_t n)
{
	char *s = malloc(n * 3 + 1);
	if (!s)
		bench_die("hex", "out of memory");
	for (size_t i = 0; i < n; i++)
		sprintf(s + 3 * i, "%02x ", b[i]);
	s[n ? n * 3 - 1 : 0] = 0;
	return s;
}

/* One sim_run; returns wall seconds and the result (caller frees). */
static double timed_run(const struct scenario *sc, enum vendor v, struct run_result *res)
{
	char err[512];
	struct run_config cfg = { .policy = "bp_enabled", .vendor = v };
	double t0 = bench_now();
	if (sim_run(sc, &cfg, res, err, sizeof(err)))
		bench_die("sim_run", err);
	double t = bench_now() - t0;
	if (res->stop != STOP_HALT)
		bench_die("sim_run", res->stop_msg);
	return t;
}

/* ---- (a) raw Unicorn vs hvsim ---------------------------------------------- */

static double raw_unicorn(unsigned long long iters)
{
	uc_engine *uc;
	double t0 = bench_now();
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		bench_die("raw", "uc_open");
	if (uc_mem_map(uc, 0, 2 << 20, UC_PROT_ALL) != UC_ERR_OK ||
	    uc_mem_write(uc, 0x1000, alu_code, sizeof(alu_code)) != UC_ERR_OK)
		bench_die("raw", "uc_mem_map");
	uint64_t r8 = iters;
	uc_reg_write(uc, UC_X86_REG_R8, &r8);
	/* until = the hlt: the loop ends there */
	uc_err e = uc_emu_start(uc, 0x1000, 0x1000 + ALU_LOOP_LEN, 0, 0);
	uc_reg_read(uc, UC_X86_REG_R8, &r8);
	uc_close(uc);
	double t = bench_now() - t0;
	if (e != UC_ERR_OK || r8 != 0)
		bench_die("raw", "the loop did not finish");
	return t;
}

struct figures {
	double raw, none, vmx;             /* M insn/s */
	double exits;                      /* M exits/s */
	double compare_s;              /* in-process, all cores */
	unsigned compare_runs, compare_scen, compare_pol, compare_threads;
	double cli_s;                  /* `hvsim compare` per scenario, < 0 = not measured */
	char cli_note[160];
	bool svm;
	long rss_short, rss_long;          /* KiB */
	unsigned long long rss_iters;
	double world_off, world_on;        /* M exits/s, (e) */
	double world_spread;               /* (max - min) / median of the unused rows */
	unsigned long long world_loads;    /* vcpu_loads of one used run */
};

static void bench_a(struct figures *f, unsigned long long iters)
{
	char *hex = to_hex(alu_code, sizeof(alu_code));
	struct scenario *sc_none = make_scenario("bench_alu_none", "none", hex, "r8", iters);
	struct scenario *sc_vmx = make_scenario("bench_alu_vmx", "vmx", hex, "r8", iters);
	free(hex);
	double insns = (double)iters * ALU_PER_ITER;
	double traw[64], tnone[64], tvmx[64];
	for (int r = 0; r < reps; r++) {
		/* interleaved so that machine noise hits all three alike */
		traw[r] = raw_unicorn(iters);
		struct run_result res;
		tnone[r] = timed_run(sc_none, VENDOR_NONE, &res);
		if (res.st.guest_instructions != (uint64_t)insns + 1)   /* + the hlt */
			bench_die("hvsim none", "unexpected instruction count");
		run_result_free(&res);
		tvmx[r] = timed_run(sc_vmx, VENDOR_VMX, &res);
		if (res.st.guest_instructions != (uint64_t)insns + 1)
			bench_die("hvsim vmx", "unexpected instruction count");
		run_result_free(&res);
	}
	f->raw = insns / bench_median(traw, reps) / 1e6;
	f->none = insns / bench_median(tnone, reps) / 1e6;
	f->vmx = insns / bench_median(tvmx, reps) / 1e6;
	scenario_free(sc_none);
	scenario_free(sc_vmx);
}

/* ---- (b) exits per second ------------------------------------------------------ */

static void bench_b(struct figures *f, unsigned long long iters)
{
	struct scenario *sc = make_scenario("bench_out_loop", "vmx", exit_hex, "rcx", iters);
	double rate[64];
	for (int r = 0; r < reps; r++) {
		struct run_result res;
		double t = timed_run(sc, VENDOR_VMX, &res);
		/* one I/O exit per iteration plus the HLT exit */
		if (res.st.exits_total != iters + 1)
			bench_die("exits", "unexpected exit count");
		rate[r] = (double)res.st.exits_total / t / 1e6;
		run_result_free(&res);
	}
	f->exits = bench_median(rate, reps);
	scenario_free(sc);
}

static int spawn_quiet(char *const argv[])
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `hvsim compare SCEN -p all --vendor both` for every bundled scenario,
 * one after the other (each uses all cores through --jobs). */
static void bench_c_cli(struct figures *f, char **files, unsigned nfiles, unsigned jobs)
{
	char h[4096], js[16];
	f->cli_s = -1;
	if (bench_hvsim_bin(h, sizeof(h))) {
		snprintf(f->cli_note, sizeof(f->cli_note), "no hvsim binary (set HVSIM)");
		return;
	}
	char *help[] = { h, "help", "compare", NULL };
	if (spawn_quiet(help) != 0) {
		snprintf(f->cli_note, sizeof(f->cli_note), "this hvsim has no compare command");
		return;
	}
	snprintf(js, sizeof(js), "%u", jobs);
	double t0 = bench_now();
	for (unsigned i = 0; i < nfiles; i++) {
		char *argv[] = { h, "compare", files[i], "-p", "all", "--vendor", "both", "--jobs", js,
				 "--format", "json", "-o", "/dev/null", NULL };
		int rc = spawn_quiet(argv);
		if (rc != 0) {
			snprintf(f->cli_note, sizeof(f->cli_note), "hvsim compare %s exited %d", files[i], rc);
			return;
		}
	}
	f->cli_s = bench_now() - t0;
	snprintf(f->cli_note, sizeof(f->cli_note), "%u x `hvsim compare SCEN -p all --vendor both --jobs %u`",
		 nfiles, jobs);
}

/* ---- (c) every scenario x policy x vendor ------------------------------------------ */

struct job { const struct scenario *sc; char policy[64]; enum vendor v; };
struct pool { struct job *jobs; unsigned n; unsigned next; pthread_mutex_t mu; int failed; };

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		unsigned i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		struct job *j = &p->jobs[i];
		struct run_config cfg = { .policy = j->policy, .vendor = j->v };
		struct run_result res;
		char err[512];
		if (sim_run(j->sc, &cfg, &res, err, sizeof(err))) {
			fprintf(stderr, "bench_hvsim: %s\n", err);
			__atomic_store_n(&p->failed, 1, __ATOMIC_RELAXED);
			continue;
		}
		run_result_free(&res);
	}
}

struct names { char (*v)[64]; unsigned n; };
static void add_name(const char *name, const char *summary, void *ctx)
{
	(void)summary;
	struct names *nm = ctx;
	if (policy_is_arm(name))
		return;                        /* the x86 engine's benchmark: the x86 presets */
	nm->v = realloc(nm->v, (nm->n + 1) * sizeof(*nm->v));
	if (!nm->v)
		bench_die("policies", "out of memory");
	snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s", name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bench_c(struct figures *f)
{
	const char *src = getenv("HVSIM_SOURCE_DIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/scenarios", src && *src ? src : HVSIM_SOURCE_DIR);
	DIR *d = opendir(dir);
	if (!d)
		bench_die(dir, "cannot open");
	char **files = NULL;
	unsigned nfiles = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		files = realloc(files, (nfiles + 1) * sizeof(*files));
		if (!files || asprintf(&files[nfiles], "%s/%s", dir, de->d_name) < 0)
			bench_die("scenarios", "out of memory");
		nfiles++;
	}
	closedir(d);
	qsort(files, nfiles, sizeof(*files), cmp_str);

	struct names pol = { NULL, 0 };
	policy_list(add_name, &pol);
	/* SVM is measured only once svm/ implements the vendor table. */
	f->svm = svm_vendor.dbg != NULL;
	enum vendor vend[2] = { VENDOR_VMX, VENDOR_SVM };
	unsigned nvend = f->svm ? 2 : 1;

	double t0 = bench_now();
	struct scenario **scs = calloc(nfiles ? nfiles : 1, sizeof(*scs));
	struct pool p = { .mu = PTHREAD_MUTEX_INITIALIZER };
	for (unsigned i = 0; i < nfiles; i++) {
		char err[512];
		if (!(scs[i] = scenario_load(files[i], err, sizeof(err))))
			bench_die("scenario", err);
		if (scs[i]->arch == ARCH_AARCH64)
			continue;                  /* the Arm scenarios run on the Arm engine, not measured here */
		unsigned nv = (unsigned)scs[i]->nvariants;
		p.jobs = realloc(p.jobs, (p.n + (pol.n + nv) * nvend) * sizeof(*p.jobs));
		if (!p.jobs)
			bench_die("jobs", "out of memory");
		for (unsigned k = 0; k < pol.n + nv; k++)
			for (unsigned v = 0; v < nvend; v++) {
				struct job *j = &p.jobs[p.n++];
				j->sc = scs[i];
				snprintf(j->policy, sizeof(j->policy), "%s",
					 k < pol.n ? pol.v[k] : scs[i]->variants[k - pol.n].name);
				j->v = vend[v];
			}
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nthr = ncpu > 0 ? (unsigned)ncpu : 1;
	pthread_t th[256];
	if (nthr > 256)
		nthr = 256;
	for (unsigned i = 0; i < nthr; i++)
		pthread_create(&th[i], NULL, worker, &p);
	for (unsigned i = 0; i < nthr; i++)
		pthread_join(th[i], NULL);
	f->compare_s = bench_now() - t0;
	if (p.failed)
		bench_die("compare", "a run failed");
	f->compare_runs = p.n;
	f->compare_scen = nfiles;
	f->compare_pol = pol.n;
	f->compare_threads = nthr;
	bench_c_cli(f, files, nfiles, nthr);
	for (unsigned i = 0; i < nfiles; i++) {
		scenario_free(scs[i]);
		free(files[i]);
	}
	free(scs);
	free(files);
	free(pol.v);
	free(p.jobs);
}

/* ---- (d) peak RSS vs run length ---------------------------------------------------------- */

/* Peak RSS (VmHWM, KiB) of the calling process. */
static long vm_hwm(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* `bench_hvsim --rss-child N`: one run of N exits in a fresh process, then
 * print its VmHWM.  A fresh process (fork + exec) so that nothing of the
 * parent's memory is counted. */
static int rss_child(unsigned long long iters)
{
	struct scenario *sc = make_scenario("bench_rss", "vmx", exit_hex, "rcx", iters);
	struct run_result res;
	timed_run(sc, VENDOR_VMX, &res);
	int ok = res.st.exits_total == iters + 1;
	run_result_free(&res);
	scenario_free(sc);
	printf("%ld\n", vm_hwm());
	return ok ? 0 : 1;
}

static long child_rss(unsigned long long iters)
{
	int fd[2];
	if (pipe(fd))
		bench_die("pipe", "failed");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork", "failed");
	if (pid == 0) {
		char n[32];
		snprintf(n, sizeof(n), "%llu", iters);
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl("/proc/self/exe", "bench_hvsim", "--rss-child", n, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	char buf[64] = "";
	ssize_t r = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) || r <= 0)
		bench_die("rss child", "failed");
	return strtol(buf, NULL, 10);
}

static void bench_d(struct figures *f, unsigned long long iters)
{
	f->rss_iters = iters;
	f->rss_short = child_rss(iters);
	f->rss_long = child_rss(iters * 10);
}

/* ---- (e) the host world, unused and used -------------------------------------------------- */

/* The loop of (b) with `host:` keys appended (NULL: none, the layer unused). */
static struct scenario *make_world_scenario(const char *name, const char *host_yaml, unsigned long long iters)
{
	char yaml[2048], err[512];
	int n = snprintf(yaml, sizeof(yaml),
			 "version: 1\nname: %s\nsummary: benchmark loop\nvendor: vmx\npolicies: [bp_enabled]\n"
			 "guest:\n  mode: 64\n  base: 0x1000\n  code: \"%s\"\n  regs: { rcx: %llu }\n"
			 "  limits: { instructions: %llu }\n%s",
			 name, exit_hex, iters, iters * 20 + 1000, host_yaml ? host_yaml : "");
	struct scenario *sc = scenario_load_buf(name, yaml, (size_t)n, err, sizeof(err));
	if (!sc)
		bench_die("scenario", err);
	return sc;
}

static void bench_e(struct figures *f, unsigned long long iters)
{
	struct scenario *off = make_world_scenario("bench_world_unused", NULL, iters);
	struct scenario *on = make_world_scenario(
		"bench_world_used", "host:\n  cpus: 2\n  sched: { slice: { exits: 1000 }, migrate: rotate }\n", iters);
	double roff[64], ron[64];
	for (int r = 0; r < reps; r++) {
		/* interleaved, as in (a) */
		struct run_result res;
		double t = timed_run(off, VENDOR_VMX, &res);
		if (res.st.exits_total != iters + 1 || res.world.on)
			bench_die("host world unused", "unexpected exit count or world");
		roff[r] = (double)res.st.exits_total / t / 1e6;
		run_result_free(&res);
		t = timed_run(on, VENDOR_VMX, &res);
		if (res.st.exits_total < iters + 1 || !res.world.on)
			bench_die("host world used", "unexpected exit count or world");
		ron[r] = (double)res.st.exits_total / t / 1e6;
		f->world_loads = 0;
		for (int c = 0; c < res.world.ncpus; c++)
			f->world_loads += res.world.cpu[c].v[MC_VLOADS];
		run_result_free(&res);
	}
	double lo = roff[0], hi = roff[0];
	for (int r = 1; r < reps; r++) {
		lo = roff[r] < lo ? roff[r] : lo;
		hi = roff[r] > hi ? roff[r] : hi;
	}
	f->world_off = bench_median(roff, reps);
	f->world_on = bench_median(ron, reps);
	f->world_spread = f->world_off > 0 ? (hi - lo) / f->world_off : 0;
	scenario_free(off);
	scenario_free(on);
}

/* ---- report ------------------------------------------------------------------------------- */

int legacy_rss_child(unsigned long long iters)
{
	return rss_child(iters);
}

int legacy_run(const char *which, bool quick, int nreps)
{
	reps = nreps;
	unsigned long long alu_iters = quick ? 1000000ull : 10000000ull;   /* x10 instructions */
	unsigned long long exit_iters = quick ? 200000ull : 2000000ull;
	unsigned long long rss_iters = quick ? 20000ull : 200000ull;
	struct figures f;
	memset(&f, 0, sizeof(f));
	bool want[5];
	for (int i = 0; i < 5; i++)
		want[i] = strchr(which, 'a' + i) != NULL;
	if (want[0])
		bench_a(&f, alu_iters);
	if (want[1])
		bench_b(&f, exit_iters);
	if (want[2])
		bench_c(&f);
	if (want[3])
		bench_d(&f, rss_iters);
	if (want[4])
		bench_e(&f, exit_iters);

	int missed = 0;
	printf("\nfigures of before issue 16 (medians of %d)\n", reps);
	printf("%-4s %-52s %14s %-14s %s\n", "", "measure", "value", "target", "status");
	if (want[0]) {
		double rn = f.none / f.raw, rv = f.vmx / f.raw;
		bool ok = rn >= 0.4 && rv >= 0.4;
		missed += !ok;
		printf("%-4s %-52s %9.0f M/s %-14s\n", "(a)", "raw Unicorn, no hooks (M guest insn/s)", f.raw, "");
		printf("%-4s %-52s %9.0f M/s %-14s\n", "", "hvsim, vendor none", f.none, "");
		printf("%-4s %-52s %9.0f M/s %-14s\n", "", "hvsim, vendor vmx, no breakpoint armed", f.vmx, "");
		printf("%-4s %-52s %14.2f %-14s %s\n", "", "ratio hvsim/raw, vendor none", rn, ">= 0.40",
		       rn >= 0.4 ? "ok" : "MISSED");
		printf("%-4s %-52s %14.2f %-14s %s\n", "", "ratio hvsim/raw, vendor vmx", rv, ">= 0.40",
		       rv >= 0.4 ? "ok" : "MISSED");
		printf("%-4s   (loop: 8 ALU + dec + jnz, %llu instructions per run)\n", "",
		       alu_iters * ALU_PER_ITER);
	}
	if (want[1]) {
		bool ok = f.exits >= 2.0;
		missed += !ok;
		printf("%-4s %-52s %9.2f M/s %-14s %s\n", "(b)", "VM exits/s, out 0x80 loop, vmx, bp_enabled",
		       f.exits, ">= 2 M/s", ok ? "ok" : "MISSED");
		printf("%-4s   (%llu exits per run, full KVM exit path)\n", "", exit_iters + 1);
	}
	if (want[2]) {
		if (f.cli_s >= 0) {
			bool okc = f.cli_s < 10.0;
			missed += !okc;
			printf("%-4s %-52s %12.2f s %-14s %s\n", "(c)", "hvsim compare, every scenario x policy x vendor",
			       f.cli_s, "< 10 s", okc ? "ok" : "MISSED");
			printf("%-4s   (%s)\n", "", f.cli_note);
		} else {
			printf("%-4s %-52s %14s %-14s\n", "(c)", "hvsim compare", "n/a", "");
			printf("%-4s   (%s)\n", "", f.cli_note);
		}
		bool ok = f.compare_s < 10.0;
		missed += !ok;
		char what[128];
		snprintf(what, sizeof(what), "compare work: %u scen x %u pol (+variants) x %s", f.compare_scen,
			 f.compare_pol, f.svm ? "vmx,svm" : "vmx");
		printf("%-4s %-52s %12.2f s %-14s %s\n", "", what, f.compare_s, "< 10 s", ok ? "ok" : "MISSED");
		printf("%-4s   (%u runs on %u threads, in-process sim_run, loading included%s)\n", "",
		       f.compare_runs, f.compare_threads,
		       f.svm ? "" : "; SVM not implemented yet: vmx only");
	}
	if (want[3]) {
		double ratio = f.rss_short ? (double)f.rss_long / (double)f.rss_short : 0;
		bool ok = ratio < 1.10;
		missed += !ok;
		char a[80], b[80];
		snprintf(a, sizeof(a), "peak RSS, %llu exits (KiB)", f.rss_iters + 1);
		snprintf(b, sizeof(b), "peak RSS, %llu exits (KiB)", f.rss_iters * 10 + 1);
		printf("%-4s %-52s %10ld KiB %-14s\n", "(d)", a, f.rss_short, "");
		printf("%-4s %-52s %10ld KiB %-14s\n", "", b, f.rss_long, "");
		printf("%-4s %-52s %14.2f %-14s %s\n", "", "ratio long/short (tracing off)", ratio, "< 1.10",
		       ok ? "ok" : "MISSED");
	}
	if (want[4]) {
		double ratio = f.world_off > 0 ? f.world_on / f.world_off : 0;
		printf("%-4s %-52s %9.2f M/s %-14s\n", "(e)", "VM exits/s, loop of (b), host world unused", f.world_off,
		       "");
		printf("%-4s %-52s %9.2f M/s %-14s\n", "", "VM exits/s, host world used (2 CPUs, migrating)",
		       f.world_on, "");
		printf("%-4s %-52s %14.2f %-14s\n", "", "ratio used/unused", ratio, "");
		printf("%-4s %-52s %13.1f%% %-14s\n", "", "noise: spread of the unused rows (max-min)/median",
		       100 * f.world_spread, "");
		printf("%-4s   (used: vCPU thread preempted every 1000 exits and migrated, %llu vcpu_loads per run;\n"
		       "%-4s    unused: no host keys - the cost of the layer there is its hooks' early returns)\n",
		       "", f.world_loads, "");
	}
	return missed;
}
