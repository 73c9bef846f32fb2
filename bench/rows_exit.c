/* rows_exit.c - bench rows of the exit and event paths (issue 16): VM exits,
 * #DB delivery through the guest IDT, single-step, and `hvsim check` over
 * the bundled scenarios.
 *
 *   out_vmx, out_svm   a loop of `out 0x80, al` under VMX / SVM, policy
 *                      bp_enabled, KVM's whole exit path per iteration,
 *                      against raw Unicorn 2.0.1 running the same bytes with a
 *                      code hook on the OUT that skips it by writing RIP
 *                      (the cheapest in-line "exit" the hook API allows,
 *                      unicorn-facts §3); target >= 6 M exits/s
 *   out_insn           the same hvsim run against raw Unicorn with a
 *                      UC_HOOK_INSN on OUT instead (no hook round trip
 *                      through translated code: Unicorn's own floor)
 *   db_idt             an execute breakpoint hit on every loop iteration, the
 *                      #DB delivered through the guest IDT to a handler that
 *                      sets RF in the frame and IRETs; against QEMU TCG
 *                      running the same bytes (target: hvsim at least as fast)
 *   ss_idt             single-step (TF) through a loop, every trap delivered
 *                      through the IDT to an IRET-only handler; against QEMU
 *                      TCG (target: at least as fast)
 *   db_floor, ss_floor the same guests on raw Unicorn delivering from hooks
 *                      with the least work (below).  The single-step floor
 *                      takes Unicorn's own TF trap (UC_HOOK_INTR); keeping TF
 *                      from Unicorn and delivering each trap from a code hook
 *                      at the next instruction instead measured 5-12 % cheaper
 *                      (143 against 157-162 ns per trap, same IRET hook, own
 *                      memory; a stand-alone raw Unicorn 2.0.1 loop of the
 *                      same shape, branch dbfast); a count-limited
 *                      uc_emu_start per instruction, the other way 2.0.1
 *                      offers, cost ~7.4 us per trap there
 *   check_cold/warm    `hvsim check` over every bundled scenario, with an
 *                      empty assembler cache and then with the cache filled
 *
 * The #DB guests are 32-bit protected-mode code (QEMU cannot run long mode
 * without paging; hvsim's 64-bit mode has none), position independent, so
 * the very bytes hvsim runs boot in QEMU as a multiboot kernel (a.out
 * kludge header in front) and end with `out 0xf4, al` (QEMU's
 * isa-debug-exit device; a no-op port for hvsim) and HLT.  Both are timed at
 * two iteration counts and the difference is divided by the difference in
 * events, so start-up (QEMU's boot, hvsim's set-up) cancels out.  Without
 * qemu-system-x86_64 (or $QEMU) those rows are skipped with a note.
 *
 * Times are CPU seconds (bench_cpu), except `hvsim check`, which is the wall
 * time a user waits. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "bench.h"

#ifndef HVSIM_SOURCE_DIR
#define HVSIM_SOURCE_DIR "."
#endif

static double tv_sec(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* ---- OUT exits ------------------------------------------------------------------ */

/* loop: out 0x80, al; dec rcx; jnz loop; hlt (at 0x1000) */
static const uint8_t out_code[] = { 0xe6, 0x80, 0x48, 0xff, 0xc9, 0x75, 0xf9, 0xf4 };
#define OUT_BASE 0x1000ull
#define OUT_HLT (OUT_BASE + 7)

static unsigned long long out_iters(const struct bench_opts *o)
{
	return o->quick ? 200000ull : 2000000ull;
}

struct raw_count { unsigned long long n; };

/* The code hook of the raw side: count, skip the OUT by writing RIP. */
static void raw_out_skip(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	uint64_t rip = addr + size;
	((struct raw_count *)user)->n++;
	uc_reg_write(uc, UC_X86_REG_RIP, &rip);
}

static void raw_out_insn(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)uc;
	(void)port;
	(void)size;
	(void)value;
	((struct raw_count *)user)->n++;
}

/* Raw Unicorn on the OUT loop: hook = true for UC_HOOK_INSN, else a code
 * hook that writes RIP.  Seconds for `iters` iterations. */
static double raw_out(unsigned long long iters, bool insn_hook)
{
	uc_engine *uc;
	uc_hook h;
	struct raw_count cnt = { 0 };
	double t0 = bench_cpu();
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK ||
	    uc_mem_map(uc, 0, 0x10000, UC_PROT_ALL) != UC_ERR_OK ||
	    uc_mem_write(uc, OUT_BASE, out_code, sizeof(out_code)) != UC_ERR_OK)
		bench_die("raw", "cannot set up Unicorn");
	uint64_t rcx = iters;
	uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
	if (insn_hook)
		uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)raw_out_insn, &cnt, 1, 0, UC_X86_INS_OUT);
	else
		uc_hook_add(uc, &h, UC_HOOK_CODE, (void *)raw_out_skip, &cnt, OUT_BASE, OUT_BASE);
	uc_err e = uc_emu_start(uc, OUT_BASE, OUT_HLT, 0, 0);
	uc_close(uc);
	double t = bench_cpu() - t0;
	if (e != UC_ERR_OK || cnt.n != iters)
		bench_die("raw", "the OUT loop did not run to its end");
	return t;
}

static struct scenario *out_scenario(const char *vendor, unsigned long long iters)
{
	char yaml[1024], err[512];
	int n = snprintf(yaml, sizeof(yaml),
			 "version: 1\nname: bench_out_%s\nsummary: OUT exit loop\nvendor: %s\n"
			 "policies: [bp_enabled]\nguest:\n  mode: 64\n  base: 0x%llx\n"
			 "  code: \"e6 80 48 ff c9 75 f9 f4\"\n  regs: { rcx: %llu }\n"
			 "  limits: { instructions: %llu }\n",
			 vendor, vendor, OUT_BASE, iters, iters * 4 + 1000);
	struct scenario *sc = scenario_load_buf("bench_out", yaml, (size_t)n, err, sizeof(err));
	if (!sc)
		bench_die("out scenario", err);
	return sc;
}

/* One sim_run; seconds.  `exits` (if nonzero) is the exit count it must report. */
static double hv_run(const struct scenario *sc, enum vendor v, uint64_t exits, uint64_t dbs)
{
	char err[512];
	struct run_config cfg = { .policy = "bp_enabled", .vendor = v };
	struct run_result res;
	double t0 = bench_cpu();
	if (sim_run(sc, &cfg, &res, err, sizeof(err)))
		bench_die("sim_run", err);
	double t = bench_cpu() - t0;
	if (res.stop != STOP_HALT)
		bench_die(sc->name, res.stop_msg);
	if (exits && res.st.exits_total != exits)
		bench_die(sc->name, "unexpected exit count");
	if (dbs && res.st.db_guest_delivered != dbs)
		bench_die(sc->name, "unexpected #DB count");
	run_result_free(&res);
	return t;
}

static int out_round(const struct bench_opts *o, struct bench_sample *s, double *units, enum vendor v,
		     bool insn_hook)
{
	unsigned long long it = out_iters(o);
	struct scenario *sc = out_scenario(v == VENDOR_SVM ? "svm" : "vmx", it);
	*units = (double)it;
	if (o->round % 2 == 0) {
		s->raw = raw_out(it, insn_hook);
		s->hv = hv_run(sc, v, it + 1, 0);          /* the OUTs and the HLT */
	} else {
		s->hv = hv_run(sc, v, it + 1, 0);
		s->raw = raw_out(it, insn_hook);
	}
	scenario_free(sc);
	return 0;
}

static int exit_round_out_vmx(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	(void)why;
	(void)n;
	return out_round(o, s, units, VENDOR_VMX, false);
}

static int exit_round_out_svm(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	(void)why;
	(void)n;
	return out_round(o, s, units, VENDOR_SVM, false);
}

static int exit_round_out_insn(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	(void)why;
	(void)n;
	return out_round(o, s, units, VENDOR_VMX, true);
}

/* ---- #DB through the IDT, against QEMU TCG -------------------------------------- */

/* The IDT set-up both guests share: gate 1 (#DB) -> handler, a 32-bit
 * interrupt gate with the current CS (QEMU's multiboot loader leaves a flat
 * code segment loaded; hvsim's CPL-0 delivery keeps CS), a private stack.
 * IDT and stack sit on a page of their own: a store to a page that holds
 * translated code makes both QEMU and Unicorn invalidate that code. */
#define DB_PROLOGUE                                                  \
	"  call 1f\n"                                                \
	"1: pop ebx\n"                                               \
	"  lea esp, [ebx + stack_top - 1b]\n"                        \
	"  lea eax, [ebx + handler - 1b]\n"                          \
	"  mov word ptr [ebx + idt + 8 - 1b], ax\n"                  \
	"  shr eax, 16\n"                                            \
	"  mov word ptr [ebx + idt + 14 - 1b], ax\n"                 \
	"  mov ax, cs\n"                                             \
	"  mov word ptr [ebx + idt + 10 - 1b], ax\n"                 \
	"  mov byte ptr [ebx + idt + 13 - 1b], 0x8E\n"               \
	"  lea eax, [ebx + idt - 1b]\n"                              \
	"  mov dword ptr [ebx + idtr + 2 - 1b], eax\n"               \
	"  lidt [ebx + idtr - 1b]\n"
#define DB_TABLES                                                    \
	".balign 4096\n"                                             \
	"idtr: .word 255\n"                                          \
	"  .long 0\n"                                                \
	".balign 16\n"                                               \
	"idt: .zero 256\n"                                           \
	".balign 16\n"                                               \
	"stack: .zero 1024\n"                                        \
	"stack_top:\n"

/* Execute breakpoint on `target`, hit once per iteration (a fault: the
 * handler sets RF in the frame, SDM Vol.3 17.3.1.1, so IRET resumes the
 * instruction without a second hit). */
static const char db_exec_fmt[] =
	DB_PROLOGUE
	"  lea eax, [ebx + target - 1b]\n"
	"movdr0: mov dr0, eax\n"
	"  mov eax, 0x401\n"
	"movdr7: mov dr7, eax\n"
	"  mov ecx, %llu\n"
	"target:\n"
	"  nop\n"
	"  dec ecx\n"
	"  jnz target\n"
	"  xor eax, eax\n"
	"movdr7b: mov dr7, eax\n"
	"  out 0xf4, al\n"
	"  hlt\n"
	"handler:\n"
	"  or dword ptr [esp + 8], 0x10000\n"
	"iret: iretd\n"
	DB_TABLES;

/* TF over a two-instruction loop: a trap after every instruction from the
 * one after the POPF that sets TF to the POPF that clears it (SDM Vol.3
 * 17.3.1.4): 2 per iteration + 3 (PUSHFD, AND, POPFD). */
static const char db_step_fmt[] =
	DB_PROLOGUE
	"  mov ecx, %llu\n"
	"  pushfd\n"
	"  or dword ptr [esp], 0x100\n"
	"  popfd\n"
	"2:\n"
	"  dec ecx\n"
	"  jnz 2b\n"
	"  pushfd\n"
	"  and dword ptr [esp], ~0x100\n"
	"  popfd\n"
	"  xor eax, eax\n"
	"  out 0xf4, al\n"
	"  hlt\n"
	"handler:\n"
	"iret: iretd\n"
	DB_TABLES;

#define DB_BASE 0x100000ull   /* where QEMU's multiboot loader puts it, and hvsim too */

static struct scenario *db_scenario(const char *fmt, unsigned long long iters)
{
	char text[4096], yaml[8192], err[512];
	snprintf(text, sizeof(text), fmt, iters);
	/* the asm as a YAML block scalar, two spaces deeper than `asm:` */
	size_t n = (size_t)snprintf(yaml, sizeof(yaml),
				    "version: 1\nname: bench_db\nsummary: debug exceptions through the IDT\nvendor: none\n"
				    "guest:\n  mode: 32\n  base: 0x%llx\n  limits: { instructions: %llu }\n"
				    "  asm: |2\n",
				    DB_BASE, iters * 8 + 100000);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    %.*s\n", (int)l, p);
		p += l + (nl ? 1 : 0);
	}
	struct scenario *sc = scenario_load_buf("bench_db", yaml, n, err, sizeof(err));
	if (!sc)
		bench_die("#DB scenario", err);
	return sc;
}

/* The QEMU binary: $QEMU, or qemu-system-x86_64 on PATH; 0 if found. */
static int qemu_path(char *buf, size_t n)
{
	const char *q = getenv("QEMU");
	if (q && *q) {
		snprintf(buf, n, "%s", q);
		return access(buf, X_OK);
	}
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, n, "%s/qemu-system-x86_64", d);
		if (!access(buf, X_OK))
			return 0;
	}
	return -1;
}

/* The guest bytes as a multiboot kernel (Multiboot 0.6.96 §3.1: magic,
 * flags with bit 16 "the address fields are valid", checksum, header_addr,
 * load_addr, load_end_addr = 0 (the whole file), bss_end_addr = 0,
 * entry_addr), loaded at DB_BASE - 32 so that the code sits at DB_BASE.
 * Written to a temporary file; its path in `path`.  0 ok. */
static int multiboot_image(const struct scenario *sc, char *path, size_t n)
{
	uint32_t load = (uint32_t)DB_BASE - 32, hdr[8] = {
		0x1BADB002u, 0x00010000u, 0u, load, load, 0, 0, (uint32_t)DB_BASE,
	};
	hdr[2] = (uint32_t)-(hdr[0] + hdr[1]);
	const char *tmp = getenv("TMPDIR");
	snprintf(path, n, "%s/bench_hvsim_mb_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	bool ok = write(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
		  write(fd, sc->guest.code.bytes, sc->guest.code.size) == (ssize_t)sc->guest.code.size;
	close(fd);
	if (!ok)
		unlink(path);
	return ok ? 0 : -1;
}

/* Run QEMU TCG on the image until the guest writes port 0xf4; its CPU
 * seconds (all its threads), or < 0 on failure (message in why).  Killed
 * after 120 s. */
static double qemu_run(const char *qemu, const char *image, char *why, size_t n)
{
	fflush(NULL);
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(qemu, qemu, "-accel", "tcg", "-kernel", image, "-display", "none", "-no-reboot",
		      "-nodefaults", "-m", "16", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		      (char *)NULL);
		_exit(127);
	}
	int st = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	for (;;) {
		pid_t r = wait4(pid, &st, WNOHANG, &ru);
		if (r == pid)
			break;
		if (r < 0) {
			snprintf(why, n, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (bench_now() - t0 > 120) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			snprintf(why, n, "QEMU did not finish in 120 s");
			return -1;
		}
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	double t = tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime);
	/* isa-debug-exit: status (value << 1) | 1, the guest writes 0 */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 1) {
		snprintf(why, n, "QEMU exited with status %d (expected 1 from isa-debug-exit)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return t;
}

/* ---- the same guests on raw Unicorn: the least any IDT delivery on Unicorn
 * 2.0.1 costs ---------------------------------------------------------------------
 *
 * Unicorn never delivers through the IDT (unicorn-facts §1), so a Unicorn-
 * based machine does it from hooks, as hvsim does; here with the fewest API
 * calls the semantics allow: per event one batch register read, the IDT
 * register, one batch register write (the RIP write leaves the translated
 * block); per IRET one single read, one batch write.  Guest memory is the
 * machine's own buffer (uc_mem_map_ptr, as hvsim's engine maps it): the
 * gate and the frame are plain memory accesses, not uc_mem_read /
 * uc_mem_write (~370 and ~340 host instructions each; with them this floor
 * was ~80 ns higher per event, above QEMU TCG).  MOV DR is skipped (a guest
 * MOV DR7 arming an execute breakpoint crashes 2.0.1, unicorn-facts §1),
 * the execute breakpoint is a code hook on its address, RF is a flag.  No
 * breakpoint bookkeeping, no DR6, no oracle: a floor, not a machine. */

struct raw_db {
	uint64_t target, iret;       /* breakpoint address (0: single-step), the IRET */
	uint64_t movdr[3];           /* MOV DR instructions to skip (3 bytes each) */
	bool rf;                     /* RF: the next hit of `target` is suppressed */
	unsigned long long events;
	bool bad;
	uint8_t *mem;                /* the guest's memory (uc_mem_map_ptr at DB_BASE) */
	uint64_t size;               /* its size */
};

/* The n bytes at guest address a inside r->mem, or NULL. */
static uint8_t *raw_ptr(struct raw_db *r, uint64_t a, uint64_t n)
{
	return a >= DB_BASE && a - DB_BASE <= r->size && n <= r->size - (a - DB_BASE) ? r->mem + (a - DB_BASE) : NULL;
}

static void raw_deliver(uc_engine *uc, struct raw_db *r, bool fault)
{
	int ids[3] = { UC_X86_REG_EIP, UC_X86_REG_ESP, UC_X86_REG_EFLAGS };
	uint32_t v[3] = { 0, 0, 0 };
	void *pv[3] = { &v[0], &v[1], &v[2] };
	uc_reg_read_batch(uc, ids, pv, 3);
	uint16_t cs = 0;
	uc_reg_read(uc, UC_X86_REG_CS, &cs);
	uc_x86_mmr idtr;
	memset(&idtr, 0, sizeof(idtr));
	uc_reg_read(uc, UC_X86_REG_IDTR, &idtr);
	uint32_t frame[3] = { v[0], cs, v[2] & ~(1u << 16) };   /* EIP, CS, EFLAGS (RF = 0 for #DB) */
	const uint8_t *g = raw_ptr(r, idtr.base + 8, 8);
	uint8_t *sp = raw_ptr(r, (uint32_t)(v[1] - 12), 12);
	if (!g || !sp) {
		r->bad = true;
		uc_emu_stop(uc);
		return;
	}
	memcpy(sp, frame, 12);
	(void)fault;
	uint32_t w[3] = { (uint32_t)(g[0] | g[1] << 8 | g[6] << 16 | g[7] << 24), v[1] - 12,
			  v[2] & ~((1u << 8) | (1u << 9) | (1u << 14) | (1u << 16)) };   /* clear TF, IF, NT, RF */
	void *pw[3] = { &w[0], &w[1], &w[2] };
	r->events++;
	uc_reg_write_batch(uc, ids, pw, 3);
}

static void raw_db_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct raw_db *r = user;
	(void)size;
	if (addr == r->iret) {
		int ids[3] = { UC_X86_REG_EIP, UC_X86_REG_ESP, UC_X86_REG_EFLAGS };
		uint32_t esp = 0, f[3];
		uc_reg_read(uc, UC_X86_REG_ESP, &esp);
		const uint8_t *p = raw_ptr(r, esp, 12);
		if (!p) {
			r->bad = true;
			uc_emu_stop(uc);
			return;
		}
		memcpy(f, p, 12);
		r->rf = (f[2] >> 16) & 1;
		uint32_t w[3] = { f[0], esp + 12, f[2] & ~(1u << 16) };
		void *pw[3] = { &w[0], &w[1], &w[2] };
		uc_reg_write_batch(uc, ids, pw, 3);
		return;
	}
	if (addr == r->target) {
		if (r->rf) {
			r->rf = false;
			return;
		}
		raw_deliver(uc, r, true);
		return;
	}
	uint64_t next = addr + 3;          /* a MOV DR: skipped */
	uc_reg_write(uc, UC_X86_REG_EIP, &next);
}

static void raw_db_intr(uc_engine *uc, uint32_t intno, void *user)
{
	struct raw_db *r = user;
	if (intno != 1) {
		r->bad = true;
		uc_emu_stop(uc);
		return;
	}
	raw_deliver(uc, r, false);
}

/* CPU seconds of raw Unicorn running the guest of sc; -1 if it went wrong. */
__attribute__((noinline)) static double raw_db_run(const struct scenario *sc, bool step, uint64_t events)
{
	struct raw_db r;
	memset(&r, 0, sizeof(r));
	const char *dr[3] = { "movdr0", "movdr7", "movdr7b" };
	if (!scenario_symbol(sc, "iret", &r.iret) || (!step && !scenario_symbol(sc, "target", &r.target)))
		bench_die("raw #DB", "guest labels missing");
	for (int i = 0; i < 3; i++)
		if (!step && !scenario_symbol(sc, dr[i], &r.movdr[i]))
			bench_die("raw #DB", "guest labels missing");
	uc_engine *uc;
	uc_hook h[6];
	double t0 = bench_cpu();
	r.size = (sc->guest.code.size + 0xFFF) & ~0xFFFull;
	r.mem = aligned_alloc(4096, r.size);
	if (!r.mem)
		bench_die("raw #DB", "out of memory");
	memset(r.mem, 0, r.size);
	memcpy(r.mem, sc->guest.code.bytes, sc->guest.code.size);
	if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc) != UC_ERR_OK ||
	    uc_mem_map_ptr(uc, DB_BASE, r.size, UC_PROT_ALL, r.mem) != UC_ERR_OK)
		bench_die("raw #DB", "cannot set up Unicorn");
	unsigned nh = 0;
	uc_hook_add(uc, &h[nh++], UC_HOOK_CODE, (void *)raw_db_code, &r, r.iret, r.iret);
	if (step) {
		uc_hook_add(uc, &h[nh++], UC_HOOK_INTR, (void *)raw_db_intr, &r, 1, 0);
	} else {
		uc_hook_add(uc, &h[nh++], UC_HOOK_CODE, (void *)raw_db_code, &r, r.target, r.target);
		for (int i = 0; i < 3; i++)
			uc_hook_add(uc, &h[nh++], UC_HOOK_CODE, (void *)raw_db_code, &r, r.movdr[i], r.movdr[i]);
	}
	uint64_t hlt = 0, top = 0;
	if (!scenario_symbol(sc, "handler", &hlt) || !scenario_symbol(sc, "stack_top", &top))
		bench_die("raw #DB", "guest labels missing");
	uint32_t esp = (uint32_t)top;      /* for the CALL before the guest sets ESP itself */
	uc_reg_write(uc, UC_X86_REG_ESP, &esp);
	uc_err e = uc_emu_start(uc, DB_BASE, hlt - 1, 0, 0);     /* the HLT before `handler` */
	uc_close(uc);
	free(r.mem);
	double t = bench_cpu() - t0;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "raw: err %d bad %d events %llu/%llu\n", e, r.bad, r.events, (unsigned long long)events);
	return e == UC_ERR_OK && !r.bad && r.events == events ? t : -1;
}

/* Iteration counts of the two runs whose difference is timed. */
static void db_sizes(const struct bench_opts *o, bool step, unsigned long long *lo, unsigned long long *hi)
{
	*lo = o->quick ? 20000ull : 100000ull;
	*hi = (o->quick ? 300000ull : 1500000ull) / (step ? 2 : 1);
}

/* One round of a #DB row: hvsim against QEMU TCG (floor = false) or
 * against raw Unicorn's floor (floor = true), each the difference of two
 * runs over the difference in events. */
static int db_round(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n,
		    bool step, bool floor)
{
	char qemu[4096];
	if (!floor && qemu_path(qemu, sizeof(qemu))) {
		snprintf(why, n, "skipped: qemu-system-x86_64 not installed (set QEMU to its path)");
		return 1;
	}
	unsigned long long it[2];
	db_sizes(o, step, &it[0], &it[1]);
	const char *fmt = step ? db_step_fmt : db_exec_fmt;
	struct scenario *sc[2] = { db_scenario(fmt, it[0]), db_scenario(fmt, it[1]) };
	char img[2][4096] = { "", "" };
	for (int k = 0; k < 2 && !floor; k++)
		if (multiboot_image(sc[k], img[k], sizeof(img[k])))
			bench_die("#DB", "cannot write the multiboot image");
	/* events per run: one #DB per iteration, or 2 traps per iteration + 3 */
	uint64_t ev[2];
	for (int k = 0; k < 2; k++)
		ev[k] = step ? 2 * it[k] + 3 : it[k];
	*units = (double)(ev[1] - ev[0]);
	double q[2] = { 0, 0 }, h[2] = { 0, 0 };
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++) {
		for (int side = 0; side < 2; side++) {
			if ((side == 0) == (o->round % 2 == 0))
				q[k] = floor ? raw_db_run(sc[k], step, ev[k]) : qemu_run(qemu, img[k], why, n);
			else
				h[k] = hv_run(sc[k], VENDOR_NONE, 0, ev[k]);
		}
		if (q[k] < 0) {
			if (floor)
				snprintf(why, n, "raw Unicorn did not run the guest to its end");
			rc = 1;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (!floor)
			unlink(img[k]);
		scenario_free(sc[k]);
	}
	if (rc)
		return 1;
	s->raw = q[1] - q[0];
	s->hv = h[1] - h[0];
	return 0;
}

static int exit_round_db_idt(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	return db_round(o, s, units, why, n, false, false);
}

static int exit_round_ss_idt(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	return db_round(o, s, units, why, n, true, false);
}

static int exit_round_db_floor(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	return db_round(o, s, units, why, n, false, true);
}

static int exit_round_ss_floor(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	return db_round(o, s, units, why, n, true, true);
}

/* ---- hvsim check, cold and warm ---------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

/* `hvsim check` over every bundled scenario with HVSIM_CACHE_DIR = cache;
 * seconds, or < 0 (why). */
static double check_run(const char *hvsim, char **files, size_t nfiles, const char *cache, char *why, size_t n)
{
	char **argv = calloc(nfiles + 3, sizeof(*argv));
	if (!argv)
		bench_die("check", "out of memory");
	argv[0] = (char *)hvsim;
	argv[1] = "check";
	for (size_t i = 0; i < nfiles; i++)
		argv[2 + i] = files[i];
	fflush(NULL);
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("HVSIM_CACHE_DIR", cache, 1);
		execv(hvsim, argv);
		_exit(127);
	}
	free(argv);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		snprintf(why, n, "cannot run %s", hvsim);
		return -1;
	}
	double t = bench_now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, n, "hvsim check exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return t;
}

static int exit_round_check(const struct bench_opts *o, struct bench_sample *s, double *units, char *why, size_t n)
{
	(void)o;
	char hvsim[4096], pat[2][4200], cache[4096];
	if (bench_hvsim_bin(hvsim, sizeof(hvsim))) {
		snprintf(why, n, "skipped: no hvsim binary next to bench_hvsim (set HVSIM)");
		return 1;
	}
	const char *src = getenv("HVSIM_SOURCE_DIR");
	src = src && *src ? src : HVSIM_SOURCE_DIR;
	snprintf(pat[0], sizeof(pat[0]), "%s/scenarios/*.yaml", src);
	snprintf(pat[1], sizeof(pat[1]), "%s/scenarios/conformance/*.yaml", src);
	glob_t g;
	memset(&g, 0, sizeof(g));
	if (glob(pat[0], 0, NULL, &g) || glob(pat[1], GLOB_APPEND, NULL, &g)) {
		globfree(&g);
		snprintf(why, n, "skipped: no scenarios under %s", src);
		return 1;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(cache, sizeof(cache), "%s/bench_hvsim_cache_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(cache))
		bench_die("check", "cannot make a cache directory");
	*units = (double)g.gl_pathc;
	s->raw = check_run(hvsim, g.gl_pathv, g.gl_pathc, cache, why, n);      /* cold: empty cache */
	s->hv = s->raw < 0 ? -1 : check_run(hvsim, g.gl_pathv, g.gl_pathc, cache, why, n);   /* warm */
	nftw(cache, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	globfree(&g);
	return s->raw < 0 || s->hv < 0;
}

/* ---- the table ------------------------------------------------------------------------ */

static const struct bench_target targets[] = {
	{ "exits", "OUT exits >= 6 M/s on both vendors with KVM's full path" },
	{ "db", "#DB through the IDT and single-step at least as fast as QEMU TCG on the same guest" },
};

/* What limits the #DB rows on Unicorn 2.0.1. */
#define DB_NOTE                                                                                          \
	"Unicorn 2.0.1 has no IDT delivery: a machine on it delivers from hooks, leaving translated code "   \
	"twice per event (the trap, then the IRET); the floor rows below time the cheapest such delivery "  \
	"of the same guest (one batch register read and write per hook, gate and frame in the machine's "   \
	"own memory), the limit of any machine on Unicorn; what lies between that floor and hvsim is "      \
	"hvsim's own work per event (the #DB oracle over both DR views, instruction and cycle counts)"

static const struct bench_row rows[] = {
	{ "out_vmx", "OUT exit, VMX, KVM's full path [raw: hook+RIP]", "exits", BENCH_RATE, 6e6, NULL,
	  "exit", NULL, exit_round_out_vmx, NULL },
	{ "out_svm", "OUT exit, SVM, KVM's full path [raw: hook+RIP]", "exits", BENCH_RATE, 6e6, NULL,
	  "exit", NULL, exit_round_out_svm, NULL },
	{ "out_insn", "OUT exit, VMX [raw: UC_HOOK_INSN]", NULL, BENCH_INFO, 0, NULL, "exit", NULL,
	  exit_round_out_insn, NULL },
	{ "db_idt", "#DB via the guest IDT, exec bp [raw: QEMU TCG]", "db", BENCH_RATIO, 1.0, NULL, "#DB", NULL,
	  exit_round_db_idt, DB_NOTE },
	{ "ss_idt", "single-step, IDT handler [raw: QEMU TCG]", "db", BENCH_RATIO, 1.0, NULL, "trap", NULL,
	  exit_round_ss_idt, DB_NOTE },
	{ "db_floor", "#DB via the IDT [raw: Unicorn's floor]", NULL, BENCH_INFO, 0, NULL, "#DB", NULL,
	  exit_round_db_floor, NULL },
	{ "ss_floor", "single-step via the IDT [raw: Unicorn's floor]", NULL, BENCH_INFO, 0, NULL, "trap",
	  NULL, exit_round_ss_floor, NULL },
	{ "check", "hvsim check, all scenarios [raw: cold, hv: warm]", NULL, BENCH_INFO, 0, NULL, "file",
	  NULL, exit_round_check, NULL },
};

const struct bench_rows bench_rows_exit = {
	rows, sizeof(rows) / sizeof(rows[0]), targets, sizeof(targets) / sizeof(targets[0]),
};
