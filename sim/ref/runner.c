/* runner.c - the runner of the booted KVM references: /init of a tiny
 * initramfs, one source for both (docs/kvm-reference.md):
 *   reference 2, kvm-amd-tcg: kvm_amd under QEMU TCG with an SVM-capable CPU
 *     (sim/ref/kvm-amd-tcg/run.sh, one image per boot);
 *   reference 3, kvm-intel-bochs: kvm_intel under Bochs with a VMX-capable
 *     CPU (sim/ref/kvm-intel-bochs/run.sh, many images per boot).
 * The module is whichever of kvm-intel.ko and kvm-amd.ko is in /modules.
 *
 * As PID 1 it mounts /proc, /sys, /dev and tracefs, loads irqbypass, kvm
 * and kvm-intel (or kvm-amd) (finit_module(2), no busybox needed), then runs
 * every guest image in /images on the real module through hvsim's KVM
 * backend (sim/ref/devkvm*.c, linked statically).  Around each run a
 * histogram trigger on the kvm:kvm_exit tracepoint counts exits by reason
 * (the VMX basic exit reason, SDM Vol.3 App. C; the SVM exit code, AMD APM
 * Vol.2 App. C).  Each outcome is printed on the console between
 * "=== hvsim-outcome NAME ===" and "=== end ===", then the machine powers
 * off.
 *
 * Path length: the trace clock is x86-tsc and kvm:kvm_entry is traced too,
 * so every kvm_exit -> next kvm_entry pair gives the TSC ticks KVM spent
 * between the two tracepoints.  Under Bochs the TSC advances one tick per
 * instruction (checked at boot: a loop of known length is timed with RDTSC,
 * "measure" line), so ticks = instructions (under TCG they are host time).
 * They are the outcome's trailer, after its "end" line (struct kvm_outcome,
 * sim/ref/devkvm.h):
 *   measure exit_to_entry clock x86-tsc tsc_per_insn R loop_insns N
 *   exit_path NAME N SUM MIN MEDIAN MAX             (ticks, per exit reason)
 *   exit_qual NAME INFO N     (MOV-DR exits by exit qualification (info1),
 *                              EXCEPTION_NMI by interruption info)
 *
 * Programs in /tests (static KVM selftests, sim/ref/kvm-selftest/run.sh)
 * run before the images, their output between "=== hvsim-selftest NAME ==="
 * and "=== selftest-exit NAME STATUS ===".
 *
 * Not PID 1 (a test on the build host): runs the images named on the
 * command line on this machine's /dev/kvm and prints the outcomes; the
 * tracepoint is used if tracefs is mounted and writable. */
#define _GNU_SOURCE
#include "sim/ref/devkvm.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TRACE "/sys/kernel/tracing"
#define TRIGGER TRACE "/events/kvm/kvm_exit/trigger"
#define HIST TRACE "/events/kvm/kvm_exit/hist"
#define ENABLE TRACE "/events/kvm/kvm_exit/enable"
#define ENTRY_ENABLE TRACE "/events/kvm/kvm_entry/enable"
/* Wall-clock bound per image, in the booted kernel's CLOCK_MONOTONIC:
 * HVSIM_TIMEOUT_MS=N on the kernel command line (the kernel passes it to
 * /init in the environment), else two minutes (TCG is slow).  Under Bochs
 * (clock: sync=none) that clock is derived from instruction ticks and the
 * TSC frequency the kernel believes (the "measure" line reports
 * guest_ns_per_insn): measured 0.288 ns per instruction (the kernel takes
 * the TSC for a ~3.5 GHz clock while Bochs advances it once per
 * instruction), so run.sh there passes 2000 (~7 G instructions, ~2 min of
 * Bochs CPU): only a guest that never stops (budget_end_exit) gets there. */
#define RUN_TIMEOUT_MS 120000u
#define MAX_PATHS 64

static double tsc_per_insn;          /* measured once at boot */
static double ns_per_insn;           /* CLOCK_MONOTONIC ns per instruction, same loop */
static const uint64_t loop_insns = 2000000;

static void say(const char *fmt, const char *a, const char *b)
{
	fprintf(stdout, fmt, a, b);
	fflush(stdout);
}

static int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("hvsim-runner: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = (int)syscall(SYS_finit_module, fd, params, 0);
	int e = errno;
	close(fd);
	if (rc && e != EEXIST) {
		say("hvsim-runner: finit_module %s: %s\n", path, strerror(e));
		return -1;
	}
	return 0;
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s);
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	for (ssize_t k; b && (k = read(fd, b + n, cap - n)) > 0;) {
		n += (size_t)k;
		if (n == cap) {
			char *nb = realloc(b, 2 * cap + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (b)
		b[n] = 0;
	*len = n;
	return b;
}

/* "{ exit_reason:        123 } hitcount:          5" lines of the hist file. */
static void read_hist(struct kvm_outcome *o)
{
	size_t len;
	char *h = slurp(HIST, &len);
	if (!h)
		return;
	for (char *save = NULL, *l = strtok_r(h, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *a = strstr(l, "exit_reason:"), *b = strstr(l, "hitcount:");
		if (!a || !b || o->nexits >= KVM_MAX_EXIT_REASONS || !strtoull(b + 9, NULL, 0))
			continue;
		o->exits[o->nexits].code = (uint32_t)strtoul(a + 12, NULL, 0);
		o->exits[o->nexits].count = strtoull(b + 9, NULL, 0);
		o->nexits++;
	}
	free(h);
	/* deterministic order: by exit code */
	for (unsigned i = 1; i < o->nexits; i++)
		for (unsigned j = i; j > 0 && o->exits[j - 1].code > o->exits[j].code; j--) {
			__typeof__(o->exits[0]) t = o->exits[j];
			o->exits[j] = o->exits[j - 1];
			o->exits[j - 1] = t;
		}
}

/* Exits that lazy DR switching would not have had without the kernel's
 * own activity.  In the ordered kvm_exit trace, an exit of one of the
 * "noise" reasons (interrupt: the timer; vintr; npf: first touch of guest
 * memory; none of them is modelled by hvsim) closes a WONT_EXIT window
 * early: KVM syncs and re-arms the DR intercepts on every exit.  A MOV-DR
 * exit whose previous non-noise exit was a MOV-DR exit, with noise exits in
 * between, is such a re-arm artefact ("induced"); without the noise the
 * access would have run natively in the still-open window.  Counted per
 * exit code, reported as "induced CODE N". */
static int dr_code(const char *reason, size_t n)
{
	if (n == 9 && !strncmp(reason, "DR_ACCESS", 9))
		return 29;   /* VMX: one basic exit reason for all MOV DR */
	if (n == 8 && !strncmp(reason, "read_dr", 7) && reason[7] >= '0' && reason[7] <= '7')
		return 0x20 + reason[7] - '0';
	if (n == 9 && !strncmp(reason, "write_dr", 8) && reason[8] >= '0' && reason[8] <= '7')
		return 0x30 + reason[8] - '0';
	return -1;
}

static bool is_noise(const char *reason, size_t n)
{
	return (n == 9 && !strncmp(reason, "interrupt", 9)) || (n == 5 && !strncmp(reason, "vintr", 5)) ||
	       (n == 3 && !strncmp(reason, "npf", 3)) ||
	       /* VMX: timer interrupt, interrupt window, first touch of guest memory */
	       (n == 18 && !strncmp(reason, "EXTERNAL_INTERRUPT", 18)) ||
	       (n == 16 && !strncmp(reason, "INTERRUPT_WINDOW", 16)) ||
	       (n == 13 && !strncmp(reason, "EPT_VIOLATION", 13)) ||
	       (n == 13 && !strncmp(reason, "EPT_MISCONFIG", 13)) ||
	       (n == 16 && !strncmp(reason, "PREEMPTION_TIMER", 16));
}

/* Path lengths, kvm_exit -> next kvm_entry, per exit reason name; exit
 * counts by qualification (info1) for MOV-DR exits. */
struct path {
	char name[32];
	uint64_t n, cap, *v;
};
struct qual {
	char name[32];
	uint64_t info1, n;
};
static struct path paths[MAX_PATHS];
static unsigned npaths;
static struct qual quals[MAX_PATHS];
static unsigned nquals;

/* A reason name as one word (kvm_amd's "DB excp" is DB_excp in the outcome). */
static void one_word(char out[32], const char *r, size_t n)
{
	snprintf(out, 32, "%.*s", (int)n, r);
	for (char *s = out; *s; s++)
		if (*s == ' ')
			*s = '_';
}

static void path_add(const char *r, size_t n, uint64_t ticks)
{
	char name[32];
	one_word(name, r, n);
	unsigned i;
	for (i = 0; i < npaths; i++)
		if (!strcmp(paths[i].name, name))
			break;
	if (i == npaths) {
		if (npaths == MAX_PATHS)
			return;
		memcpy(paths[npaths++].name, name, sizeof(name));
	}
	struct path *p = &paths[i];
	if (p->n == p->cap) {
		uint64_t nc = p->cap ? 2 * p->cap : 1024, *nv = realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return;
		p->v = nv;
		p->cap = nc;
	}
	p->v[p->n++] = ticks;
}

static void qual_add(const char *r, size_t n, uint64_t info1)
{
	char name[32];
	one_word(name, r, n);
	unsigned i;
	for (i = 0; i < nquals; i++)
		if (quals[i].info1 == info1 && !strcmp(quals[i].name, name))
			break;
	if (i == nquals) {
		if (nquals == MAX_PATHS)
			return;
		memcpy(quals[nquals].name, name, sizeof(name));
		quals[nquals].n = 0;
		quals[nquals++].info1 = info1;
	}
	quals[i].n++;
}

/* The timestamp of a trace line: the number before ": EVENT:" (an integer
 * count for the x86-tsc clock). */
static bool stamp(const char *l, const char *ev, uint64_t *ts)
{
	const char *e = strstr(l, ev);
	if (!e)
		return false;
	const char *b = e;
	while (b > l && b[-1] != ' ')
		b--;
	char *end;
	*ts = strtoull(b, &end, 10);
	return end == e && end != b;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void read_trace(struct kvm_outcome *o, uint64_t induced[0x40])
{
	size_t len;
	char *t = slurp(TRACE "/trace", &len);
	if (!t)
		return;
	bool last_dr = false, noise_since = false;
	const char *pend = NULL;     /* reason of the last kvm_exit not yet followed by kvm_entry */
	size_t pendn = 0;
	uint64_t pend_ts = 0;
	for (char *save = NULL, *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		uint64_t ts;
		if (l[0] != '#' && stamp(l, ": kvm_entry:", &ts)) {
			if (pend && ts >= pend_ts)
				path_add(pend, pendn, ts - pend_ts);
			pend = NULL;
			continue;
		}
		if (l[0] == '#' || !strstr(l, "kvm_exit:"))
			continue;
		char *r = strstr(l, " reason ");
		char *e = r ? strstr(r, " rip ") : NULL;
		if (!r || !e)
			continue;
		r += 8;
		size_t n = (size_t)(e - r);
		if (stamp(l, ": kvm_exit:", &ts)) {
			pend = r;
			pendn = n;
			pend_ts = ts;
		}
		int dr = dr_code(r, n);
		if (dr >= 0) {
			char *i1 = strstr(e, " info1 ");
			if (i1)
				qual_add(r, n, strtoull(i1 + 7, NULL, 16));
		} else if (n == 13 && !strncmp(r, "EXCEPTION_NMI", 13)) {
			/* VMX: which exception (intr_info, vector in bits 7:0) */
			char *ii = strstr(e, " intr_info ");
			if (ii)
				qual_add(r, n, strtoull(ii + 11, NULL, 16));
		}
		if (is_noise(r, n)) {
			noise_since = true;
			continue;
		}
		if (dr >= 0 && last_dr && noise_since)
			induced[dr]++;
		last_dr = dr >= 0;
		noise_since = false;
	}
	free(t);
	(void)o;
}

static void run_one(const char *path, const char *name)
{
	size_t len;
	char err[256];
	char *buf = slurp(path, &len);
	struct kvm_image img;
	struct kvm_outcome *o = calloc(1, sizeof(*o));
	struct utsname u;
	if (!o)
		return;
	if (uname(&u) == 0)
		snprintf(o->kernel, sizeof(o->kernel), "%s", u.release);
	say("=== hvsim-outcome %s%s ===\n", name, "");
	if (!buf || kvm_image_read(buf, len, &img, err, sizeof(err))) {
		snprintf(o->error, sizeof(o->error), "%.60s: %.130s", path, buf ? err : strerror(errno));
		o->error_kind = KVM_ERR_UNSUPPORTED;
		o->r.module = kvm_module_detect();
		kvm_outcome_write(stdout, o);
	} else {
		const char *tm = getenv("HVSIM_TIMEOUT_MS");
		img.spec.timeout_ms = tm && strtoul(tm, NULL, 10) ? (unsigned)strtoul(tm, NULL, 10) : RUN_TIMEOUT_MS;
		bool hist = write_str(TRIGGER, "hist:keys=exit_reason:size=256");
		write_str(TRACE "/buffer_size_kb", "32768");
		/* Empty the trace buffer: opening "trace" with O_TRUNC clears it (a
		 * zero-length write does not); images share one boot here. */
		int tfd = open(TRACE "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (tfd >= 0)
			close(tfd);
		for (unsigned i = 0; i < npaths; i++)
			free(paths[i].v);
		memset(paths, 0, sizeof(paths));
		memset(quals, 0, sizeof(quals));
		npaths = nquals = 0;
		bool trace = write_str(ENABLE, "1");
		bool entry = trace && write_str(ENTRY_ENABLE, "1");
		char kernel[96];
		snprintf(kernel, sizeof(kernel), "%s", o->kernel);
		if (kvm_image_run(&img, o, NULL, NULL))
			o->r.module = kvm_module_detect();
		snprintf(o->kernel, sizeof(o->kernel), "%s", kernel);
		uint64_t induced[0x40] = { 0 };
		if (trace) {
			write_str(ENABLE, "0");
			if (entry)
				write_str(ENTRY_ENABLE, "0");
			read_trace(o, induced);
		}
		if (hist) {
			read_hist(o);
			write_str(TRIGGER, "!hist:keys=exit_reason:size=256");
		}
		for (unsigned i = 0; i < o->nexits; i++)
			if (o->exits[i].code < 0x40)
				o->exits[i].induced = induced[o->exits[i].code];
		/* the trailer: path lengths (see the head comment) */
		o->has_measure = tsc_per_insn > 0;    /* calibrated (PID 1 only) */
		snprintf(o->clock, sizeof(o->clock), "x86-tsc");
		o->tsc_per_insn = tsc_per_insn;
		o->loop_insns = loop_insns;
		o->guest_ns_per_insn = ns_per_insn;
		for (unsigned i = 0; i < npaths && o->npaths < KVM_MAX_PATHS; i++) {
			struct path *p = &paths[i];
			struct kvm_exit_path *q = &o->paths[o->npaths++];
			qsort(p->v, p->n, sizeof(p->v[0]), cmp_u64);
			memcpy(q->name, p->name, sizeof(q->name));   /* both char[32] */
			q->n = p->n;
			for (uint64_t j = 0; j < p->n; j++)
				q->sum += p->v[j];
			q->min = p->n ? p->v[0] : 0;
			q->median = p->n ? p->v[p->n / 2] : 0;
			q->max = p->n ? p->v[p->n - 1] : 0;
		}
		for (unsigned i = 0; i < nquals && o->nquals < KVM_MAX_PATHS; i++) {
			struct kvm_exit_qual *q = &o->quals[o->nquals++];
			memcpy(q->name, quals[i].name, sizeof(q->name));
			q->info = quals[i].info1;
			q->n = quals[i].n;
		}
		kvm_outcome_write(stdout, o);
		fflush(stdout);
		kvm_image_free(&img);
	}
	say("=== end ===\n%s%s", "", "");
	free(buf);
	free(o);
}

/* TSC ticks per instruction: a loop of loop_insns instructions (DEC, JNZ)
 * timed with RDTSC, the best of three (an interrupt only adds). */
static double calibrate(void)
{
	double best = 0;
	for (int k = 0; k < 3; k++) {
		uint32_t a0, d0, a1, d1;
		uint64_t n = loop_insns / 2;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		__asm__ volatile("lfence; rdtsc" : "=a"(a0), "=d"(d0));
		__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
		__asm__ volatile("lfence; rdtsc" : "=a"(a1), "=d"(d1));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double r = (double)((((uint64_t)d1 << 32) | a1) - (((uint64_t)d0 << 32) | a0)) / (double)loop_insns;
		if (k == 0 || r < best) {
			best = r;
			ns_per_insn = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
				      (double)loop_insns;
		}
	}
	return best;
}

/* The loaded module's parameters, on the console (outside any outcome). */
static void print_params(void)
{
	const char *dirs[] = { "/sys/module/kvm_intel/parameters", "/sys/module/kvm_amd/parameters" };
	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		for (struct dirent *e; d && (e = readdir(d));) {
			if (e->d_name[0] == '.')
				continue;
			char p[512];
			size_t len;
			snprintf(p, sizeof(p), "%s/%s", dirs[i], e->d_name);
			char *v = slurp(p, &len);
			if (v) {
				fprintf(stdout, "hvsim-runner: param %s=%s", e->d_name, v);
				free(v);
			}
		}
		if (d)
			closedir(d);
	}
	fflush(stdout);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of dir, in name order. */
static void for_each(const char *dir, void (*fn)(const char *path, const char *name))
{
	char *names[256];
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d)) && n < 256;)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		fn(p, names[i]);
		free(names[i]);
	}
}

/* A program from /tests (a static KVM selftest), its output on the console
 * between "=== hvsim-selftest NAME ===" and "=== selftest-exit NAME STATUS
 * ===" (STATUS: the exit status, or "signal N"). */
static void run_test(const char *path, const char *name)
{
	say("=== hvsim-selftest %s%s ===\n", name, "");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };
		execv(path, argv);
		_exit(127);
	}
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	char res[32];
	if (pid < 0)
		snprintf(res, sizeof(res), "fork-failed");
	else if (WIFSIGNALED(st))
		snprintf(res, sizeof(res), "signal %d", WTERMSIG(st));
	else
		snprintf(res, sizeof(res), "%d", WEXITSTATUS(st));
	fflush(stdout);
	say("=== selftest-exit %s %s ===\n", name, res);
}

int main(int argc, char **argv)
{
	if (getpid() != 1) {
		for (int i = 1; i < argc; i++) {
			const char *base = strrchr(argv[i], '/');
			run_one(argv[i], base ? base + 1 : argv[i]);
		}
		return 0;
	}
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tracefs", TRACE, "tracefs", 0, NULL);
	int cfd = open("/dev/console", O_RDWR);
	if (cfd >= 0) {
		dup2(cfd, 1);
		dup2(cfd, 2);
	}
	const char *vendor = access("/modules/kvm-intel.ko", R_OK) == 0 ? "/modules/kvm-intel.ko" : "/modules/kvm-amd.ko";
	say("hvsim-runner: loading modules (%s)%s\n", vendor, "");
	write_str(TRACE "/trace_clock", "x86-tsc");
	tsc_per_insn = calibrate();
	fprintf(stdout, "hvsim-runner: TSC ticks per instruction %.4f, CLOCK_MONOTONIC ns per instruction %.4f (%llu-instruction loop)\n",
		tsc_per_insn, ns_per_insn, (unsigned long long)loop_insns);
	if (!load_module("/modules/irqbypass.ko", "") && !load_module("/modules/kvm.ko", "") &&
	    !load_module(vendor, "")) {
		print_params();
		for_each("/tests", run_test);      /* programs (KVM selftests), sim/ref/kvm-selftest/ */
		for_each("/images", run_one);
	}
	say("hvsim-runner: done%s%s\n", "", "");
	/* Bochs' UART sends at its emulated baud rate: let the console's
	 * transmit buffer drain before powering off, or the tail is lost. */
	tcdrain(1);
	sleep(2);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
