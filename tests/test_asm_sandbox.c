/* test_asm_sandbox.c - scenario `asm` text is untrusted input (issue 15 item 1
 * and 15, issue 14 "labels that are keywords"; docs/errors.md "Assembly
 * sandbox"):
 *   - no directive may make GNU as read a file, however it is spelled, and
 *     nothing of such a file reaches any output;
 *   - labels GNU as reads as keywords or registers in Intel syntax are
 *     refused with the YAML position and a suggestion (the list is checked
 *     against the installed `as` too);
 *   - the tools run with no inherited descriptors, a minimal environment,
 *     an empty working directory and resource limits; a runaway text is
 *     stopped with a clear error; SIGINT/SIGTERM during assembly leave no
 *     temporary directory and no child behind;
 *   - the cache: tampered entries are not used, unsafe directories are not
 *     used, the size is bounded. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/loader/asm.h"
#include "sim/loader/asm_internal.h"
#include "tests/harness.h"

static char dir[256];           /* scenarios, FIFOs, wrappers */
static char cache[256];         /* HVSIM_CACHE_DIR */
static char err[2048];

static void setup(void)
{
	h_mkdtemp(dir, sizeof dir, "hvsim-asmsb");
	h_mkdtemp(cache, sizeof cache, "hvsim-asmsb-cache");
	setenv("HVSIM_CACHE_DIR", cache, 1);
	unsetenv("HVSIM_AS");
	unsetenv("HVSIM_ASM_TIMEOUT");
	err[0] = 0;
}

static void teardown(void)
{
	chmod(cache, 0700);
	h_rmtree(dir);
	h_rmtree(cache);
}

TestSuite(asm_sandbox, .init = setup, .fini = teardown, .timeout = 120);

#define HEAD "version: 1\nname: t\nsummary: s\nguest:\n  base: 0x1000\n  asm: |\n"

/* Load HEAD + body in-process; returns the scenario or NULL with err set. */
static struct scenario *load(const char *body)
{
	char y[16384];
	snprintf(y, sizeof y, HEAD "%s", body);
	return scenario_load_buf("t.yaml", y, strlen(y), err, sizeof err);
}

/* The load fails and the message starts with `want`. */
static void refused(const char *body, const char *want)
{
	struct scenario *sc = load(body);
	if (sc)
		scenario_free(sc);
	cr_assert_null(sc, "accepted:\n%s", body);
	cr_assert(strncmp(err, want, strlen(want)) == 0, "\n got: %s\nwant: %s...", err, want);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* ---- files -------------------------------------------------------------------------- */

Test(asm_sandbox, incbin_of_etc_passwd_is_refused_with_its_position_and_leaks_nothing)
{
	const char *hv = h_hvsim();
	char yaml[512], out[512], so[512], se[512];
	snprintf(yaml, sizeof yaml, "%s/t.yaml", dir);
	snprintf(out, sizeof out, "%s/out.json", dir);
	snprintf(so, sizeof so, "%s/stdout", dir);
	snprintf(se, sizeof se, "%s/stderr", dir);
	write_text(yaml, HEAD "    nop\n    .incbin \"/etc/passwd\"\n    hlt\n");
	char *argv[] = { (char *)hv, "run", yaml, "--format", "json", "-o", out, NULL };
	cr_assert_eq(h_spawn(argv, so, se), 4);
	char *e = h_slurp(se, NULL), *o = h_slurp(so, NULL);
	char want[1024];
	snprintf(want, sizeof want, "%s:8:5: guest.asm: line 2: .incbin is not allowed: scenario "
		 "files may not read other files\n", yaml);
	cr_assert_str_eq(e, want);
	cr_assert_str_eq(o, "");
	cr_assert_neq(access(out, F_OK), 0, "out.json written");
	/* nothing of the file in any output (its first line is "root:x:0:0:...") */
	char *pw = h_slurp("/etc/passwd", NULL);
	if (pw && *pw) {
		char first[64];
		snprintf(first, sizeof first, "%.*s", (int)strcspn(pw, ":\n"), pw);
		strcat(first, ":");
		cr_assert_null(strstr(e, first));
	}
	free(pw);
	free(e);
	free(o);
	/* also through validate and disasm */
	char *v[] = { (char *)hv, "validate", yaml, NULL };
	cr_assert_eq(h_spawn(v, so, se), 4);
	char *d[] = { (char *)hv, "disasm", yaml, NULL };
	cr_assert_eq(h_spawn(d, so, se), 4);
	o = h_slurp(so, NULL);
	cr_assert_str_eq(o, "");
	free(o);
}

Test(asm_sandbox, every_spelling_of_a_file_directive_is_refused)
{
	/* the position is the directive itself: YAML line 7 + asm line - 1 */
	refused("    .include \"/etc/passwd\"\n",
		"t.yaml:7:5: guest.asm: line 1: .include is not allowed: scenario files may not read "
		"other files");
	refused("    nop; .INCBIN \"/etc/passwd\", 0, 16\n",
		"t.yaml:7:10: guest.asm: line 1: .incbin is not allowed");
	refused("    .Include \"x\"\n", "t.yaml:7:5: guest.asm: line 1: .include is not allowed");
	/* in strings and comments the dotted name is refused too: no lexer needed */
	refused("    nop # .incbin \"/etc/passwd\"\n", "t.yaml:7:11: guest.asm: line 1: .incbin is not allowed");
	/* through macro arguments */
	refused("    .irp d, incbin\n    .\\d \"/etc/passwd\"\n    .endr\n",
		"t.yaml:7:13: guest.asm: line 1: 'incbin' is not allowed outside comments");
	refused("    .macro m a, b\n    .\\a\\()\\b \"/etc/passwd\"\n    .endm\n    m inc, bin\n",
		"t.yaml:8:5: guest.asm: line 2: joining macro arguments into one name ('.\\a\\()\\b')");
	refused("    .macro m a, b\n    .inc\\b \"/etc/passwd\"\n    .endm\n    m x, bin\n",
		"t.yaml:8:5: guest.asm: line 2: joining macro arguments into one name");
	refused("    .macro m op\n    \\op \"/etc/passwd\"\n    .endm\n",
		"t.yaml:8:5: guest.asm: line 2: an instruction or directive name built from a macro "
		"argument ('\\op') is not allowed");
	refused("    .macro m a, b\n    nop\n    .endm\n    .macro n a\n    .ascii \"x;.inc\\a\"\n    .endm\n",
		"t.yaml:11:19: guest.asm: line 5: joining a macro argument to other characters");
	refused("    .altmacro\n", "t.yaml:7:5: guest.asm: line 1: .altmacro is not allowed");
	refused("    .mri 1\n", "t.yaml:7:5: guest.asm: line 1: .mri is not allowed");
	/* what stays allowed: macros without joined names, \@ labels, strings, comments */
	struct scenario *sc = load("    .macro twice\n    nop\n    nop\n    .endm\n"
				   "    .macro lab reg\n    l\\@: inc \\reg\n    .endm\n"
				   "    .ascii \"hello\\n\"\n    jmp 1f\n    1: nop # include this\n"
				   "    twice\n    lab eax\n    lab ebx\n");
	cr_assert_not_null(sc, "%s", err);
	scenario_free(sc);
}

Test(asm_sandbox, include_of_a_fifo_is_refused_without_hanging)
{
	char fifo[512], body[1024];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	time_t t0 = time(NULL);
	snprintf(body, sizeof body, "    nop\n    .include \"%s\"\n", fifo);
	refused(body, "t.yaml:8:5: guest.asm: line 2: .include is not allowed: scenario files may not "
		"read other files");
	snprintf(body, sizeof body, "    .incbin \"%s\"\n", fifo);
	refused(body, "t.yaml:7:5: guest.asm: line 1: .incbin is not allowed");
	cr_assert_leq(time(NULL) - t0, 5);
}

/* ---- keyword labels ------------------------------------------------------------------ */

static void refused_label(const char *name, const char *why)
{
	char body[512], want[512];
	snprintf(body, sizeof body, "    lea rax, [rip + %s]\n    %s: .long 0\n", name, name);
	snprintf(want, sizeof want, "t.yaml:8:5: guest.asm: line 2: label '%s' is %s", name, why);
	refused(body, want);
	char sugg[128];
	snprintf(sugg, sizeof sugg, "; rename it, e.g. '%s_'", name);
	cr_assert(strstr(err, sugg), "%s", err);
}

Test(asm_sandbox, the_docs_label_word_is_refused_with_the_issue_wording)
{
	refused("    lea rax, [rip + word]\n    mov dr0, rax\n    hlt\n    word: .long 0\n",
		"t.yaml:10:5: guest.asm: line 4: label 'word' is an assembler keyword in Intel syntax "
		"([rip + word] would assemble as [rip + 2]); rename it, e.g. 'word_'");
	cr_assert(strchr(err, '\n') == NULL);
}

Test(asm_sandbox, size_operators_operators_and_registers_are_refused_as_labels)
{
	static const struct { const char *n; unsigned size; } sizes[] = {
		{ "byte", 1 }, { "word", 2 }, { "dword", 4 }, { "fword", 6 }, { "qword", 8 },
		{ "mmword", 8 }, { "tbyte", 10 }, { "oword", 16 }, { "xmmword", 16 },
		{ "ymmword", 32 }, { "zmmword", 64 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char why[256];
		snprintf(why, sizeof why, "an assembler keyword in Intel syntax ([rip + %s] would "
			 "assemble as [rip + %u])", sizes[i].n, sizes[i].size);
		refused_label(sizes[i].n, why);
	}
	static const char *const ops[] = { "near", "far", "ptr", "offset", "short", "flat", "and",
					   "or", "xor", "not", "mod", "shl", "shr", "eq", "ne", "lt",
					   "le", "gt", "ge" };
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		refused_label(ops[i], "an assembler keyword in Intel syntax (GNU as reads it as an operator");
	static const char *const regs[] = {
		"rax", "eax", "ax", "al", "ah", "sil", "spl", "r8", "r8d", "r8w", "r8b", "r15",
		"r15b", "es", "fs", "gs", "cr0", "cr8", "dr0", "dr7", "dr15", "db7", "st", "mm7",
		"xmm0", "xmm31", "ymm15", "zmm31", "k0", "k7", "bnd3", "tmm7", "rip", "eip",
		"r16", "r31d",
	};
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
		refused_label(regs[i], "a register name in Intel syntax (GNU as reads it as the register");
	/* any case; quoted; other ways to define a symbol */
	refused("    Word: nop\n", "t.yaml:7:5: guest.asm: line 1: label 'Word' is an assembler keyword");
	refused("    RAX: nop\n", "t.yaml:7:5: guest.asm: line 1: label 'RAX' is a register name");
	refused("    \"word\": nop\n", "t.yaml:7:6: guest.asm: line 1: label 'word' is an assembler keyword");
	refused("    nop; done: hlt; qword: nop\n", "t.yaml:7:21: guest.asm: line 1: label 'qword'");
	refused("    byte = 3\n    nop\n", "t.yaml:7:5: guest.asm: line 1: symbol 'byte' is an assembler keyword");
	refused("    .set dword, 4\n    nop\n", "t.yaml:7:10: guest.asm: line 1: symbol 'dword'");
	refused("    .equ eax, 4\n    nop\n", "t.yaml:7:10: guest.asm: line 1: symbol 'eax' is a register name");
	refused("    .globl xmm3\n    nop\n", "t.yaml:7:12: guest.asm: line 1: symbol 'xmm3'");
}

Test(asm_sandbox, names_gnu_as_does_not_treat_as_keywords_stay_labels)
{
	static const char *const ok[] = { "words", "word_", "bytes", "target", "r8l", "tr0", "st0",
					  "ip", "xmm32", "k8", "db16", "dr16", "mm8", "dq", "long",
					  "rax2", "xmm01", "start" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char body[256];
		snprintf(body, sizeof body, "    lea rax, [rip + %s]\n    %s: .long 0\n", ok[i], ok[i]);
		struct scenario *sc = load(body);
		cr_assert_not_null(sc, "%s: %s", ok[i], err);
		uint64_t a;
		cr_assert(scenario_symbol(sc, ok[i], &a), "%s", ok[i]);
		cr_assert_eq(a, 0x1007, "%s at 0x%llx", ok[i], (unsigned long long)a);
		/* the lea really points at the label: rel32 = 0 */
		uint8_t want[] = { 0x48, 0x8d, 0x05, 0, 0, 0, 0 };
		cr_assert_arr_eq(sc->guest.code.bytes, want, sizeof want, "%s", ok[i]);
		scenario_free(sc);
	}
	/* keywords as keywords are fine */
	struct scenario *sc = load("    mov word ptr [rip + x], 1\n    mov eax, dword ptr [rax]\n"
				   "    x: .word 0\n");
	cr_assert_not_null(sc, "%s", err);
	scenario_free(sc);
}

/* Assemble ".quad W; .byte 0; W:" (W at 9: no keyword is worth 9) with the installed `as` and `ld` directly (no
 * check): true when W is a label there (the quad holds its address, 9). */
static bool gas_takes_as_label(const char *w)
{
	char s[512], o[512], e[512], b[512], text[512];
	snprintf(s, sizeof s, "%s/k.s", dir);
	snprintf(o, sizeof o, "%s/k.o", dir);
	snprintf(e, sizeof e, "%s/k.elf", dir);
	snprintf(b, sizeof b, "%s/k.bin", dir);
	snprintf(text, sizeof text, ".intel_syntax noprefix\n.code64\n.quad %s\n.byte 0\n%s: .byte 0\n", w, w);
	write_text(s, text);
	unlink(o);
	char *as[] = { "/usr/bin/as", "--64", "-o", o, s, NULL };
	if (h_spawn(as, NULL, NULL) != 0)
		return false;
	char *ld[] = { "/usr/bin/ld", "-m", "elf_x86_64", "-Ttext=0", "-e", "0", "-o", e, o, NULL };
	char *oc[] = { "/usr/bin/objcopy", "-O", "binary", "-j", ".text", e, b, NULL };
	if (h_spawn(ld, NULL, NULL) != 0 || h_spawn(oc, NULL, NULL) != 0)
		return false;
	size_t n = 0;
	char *bin = h_slurp(b, &n);
	bool label = bin && n >= 8 && (uint8_t)bin[0] == 9 && !bin[1] && !bin[2] && !bin[3];
	free(bin);
	return label;
}

Test(asm_sandbox, the_keyword_list_agrees_with_the_installed_gnu_as)
{
	if (access("/usr/bin/as", X_OK) || access("/usr/bin/ld", X_OK))
		cr_skip_test("no /usr/bin/as");
	/* every word the check refuses (except the conservative ones) is a keyword
	 * to GNU as; the near misses are labels to both */
	static const char *const kw[] = {
		"byte", "word", "dword", "fword", "qword", "mmword", "tbyte", "oword", "xmmword",
		"ymmword", "zmmword", "near", "far", "offset", "short", "flat", "and", "or", "xor",
		"not", "mod", "shl", "shr", "eq", "ne", "lt", "le", "gt", "ge",
		"rax", "ebx", "cx", "dl", "ah", "dil", "bpl", "r9", "r10d", "r11w", "r12b", "ss",
		"cs", "cr3", "cr15", "dr6", "db0", "st", "mm0", "xmm15", "ymm31", "zmm0", "k1",
		"bnd0", "tmm0", "rip", "eip", "WORD", "Rax",
	};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
		cr_assert_not_null(asm_keyword_kind(kw[i], strlen(kw[i]), NULL), "%s", kw[i]);
		cr_assert_not(gas_takes_as_label(kw[i]), "GNU as takes '%s' as a label", kw[i]);
	}
	static const char *const labels[] = { "words", "r8l", "tr0", "st0", "ip", "xmm32", "k8",
					      "db16", "dq", "long" };
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		cr_assert_null(asm_keyword_kind(labels[i], strlen(labels[i]), NULL), "%s", labels[i]);
		cr_assert(gas_takes_as_label(labels[i]), "GNU as does not take '%s' as a label", labels[i]);
	}
}

/* ---- the tools' surroundings ----------------------------------------------------------- */

Test(asm_sandbox, tools_run_without_inherited_fds_environment_or_a_working_directory)
{
	char wrap[512], rec[512], script[4096];
	snprintf(wrap, sizeof wrap, "%s/as-wrap", dir);
	snprintf(rec, sizeof rec, "%s/rec", dir);
	snprintf(script, sizeof script,
		 "#!/bin/sh\n"
		 "ls /proc/$$/fd > %s.fd\n"
		 "env > %s.env\n"
		 "pwd > %s.cwd\n"
		 "ls -A > %s.ls\n"
		 "{ ulimit -t; ulimit -v; ulimit -f; ulimit -n; } > %s.lim\n"
		 "exec /usr/bin/as \"$@\"\n", rec, rec, rec, rec, rec);
	write_text(wrap, script);
	cr_assert_eq(chmod(wrap, 0700), 0);
	/* a descriptor without O_CLOEXEC and a variable that must not reach the tools */
	int fd = open("/dev/null", O_RDONLY);
	cr_assert_geq(dup2(fd, 47), 0);
	setenv("HVSIM_TEST_SECRET", "leak", 1);
	setenv("HVSIM_AS", wrap, 1);
	struct scenario *sc = load("    nop\n");
	unsetenv("HVSIM_AS");
	unsetenv("HVSIM_TEST_SECRET");
	close(47);
	close(fd);
	cr_assert_not_null(sc, "%s", err);
	scenario_free(sc);

	char p[600];
	snprintf(p, sizeof p, "%s.fd", rec);
	char *fds = h_slurp(p, NULL);
	cr_assert_not_null(fds);
	/* the shell's own descriptors are >= 10; nothing of ours above 2 */
	for (char *l = strtok(fds, "\n"); l; l = strtok(NULL, "\n")) {
		int n = atoi(l);
		cr_assert(n <= 2 || n >= 10, "descriptor %d inherited", n);
	}
	free(fds);
	snprintf(p, sizeof p, "%s.env", rec);
	char *env = h_slurp(p, NULL);
	cr_assert_not_null(env);
	cr_assert(strstr(env, "LC_ALL=C\n"), "%s", env);
	cr_assert_null(strstr(env, "HVSIM_TEST_SECRET"), "%s", env);
	cr_assert_null(strstr(env, "HOME="), "%s", env);
	free(env);
	snprintf(p, sizeof p, "%s.cwd", rec);
	char *cwd = h_slurp(p, NULL);
	cr_assert(cwd && strstr(cwd, "/hvsim-asm-") && strstr(cwd, "/cwd\n"), "%s", cwd);
	free(cwd);
	snprintf(p, sizeof p, "%s.ls", rec);
	char *ls = h_slurp(p, NULL);
	cr_assert_str_eq(ls, "", "the working directory is not empty");
	free(ls);
	snprintf(p, sizeof p, "%s.lim", rec);
	char *lim = h_slurp(p, NULL);
	char want[128];
	snprintf(want, sizeof want, "%d\n%llu\n%llu\n%d\n", ASM_CPU_SECONDS, ASM_MEM_BYTES >> 10,
		 ASM_FSIZE_BYTES >> 10, ASM_NOFILE);
	/* dash prints -f in 512-byte blocks, bash in 1024: accept either */
	char want512[128];
	snprintf(want512, sizeof want512, "%d\n%llu\n%llu\n%d\n", ASM_CPU_SECONDS,
		 ASM_MEM_BYTES >> 10, ASM_FSIZE_BYTES >> 9, ASM_NOFILE);
	cr_assert(lim && (!strcmp(lim, want) || !strcmp(lim, want512)), "limits:\n%s", lim);
	free(lim);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Macro recursion: 2^40 expansions, constant memory: only the clock stops it. */
#define SLOW_BODY "    .macro r n\n    .if \\n\n    r (\\n-1)\n    r (\\n-1)\n    .endif\n" \
		  "    .endm\n    r 40\n"

Test(asm_sandbox, a_runaway_text_is_stopped_with_a_clear_error_within_the_limit)
{
	setenv("HVSIM_ASM_TIMEOUT", "3", 1);
	double t0 = now_s();
	refused(SLOW_BODY, "t.yaml:6:8: guest.asm: the assembler ran longer than the 3 s wall-clock "
		"limit and was stopped");
	double dt = now_s() - t0;
	cr_assert_lt(dt, 3 + 10, "took %.1f s", dt);
	/* exponential .rept nesting: stopped by a limit (memory, CPU or clock) */
	t0 = now_s();
	refused("    .rept 1000\n    .rept 1000\n    .rept 1000\n    .rept 1000\n    nop\n"
		"    .endr\n    .endr\n    .endr\n    .endr\n", "t.yaml:6:8: guest.asm: the assembler ");
	dt = now_s() - t0;
	cr_assert(strstr(err, "limit") && strstr(err, "stopped"), "%s", err);
	cr_assert_lt(dt, 3 + 10, "took %.1f s", dt);
	/* nothing left in TMPDIR */
	unsetenv("HVSIM_ASM_TIMEOUT");
}

/* /proc/PID/stat: the parent pid, or -1. */
static int ppid_of(int pid)
{
	char p[64], buf[512];
	snprintf(p, sizeof p, "/proc/%d/stat", pid);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	int pp = -1;
	char st;
	if (!rp || sscanf(rp + 1, " %c %d", &st, &pp) != 2)
		return -1;
	return pp;
}

static int child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	cr_assert_not_null(d);
	struct dirent *de;
	int found = -1;
	while ((de = readdir(d)) && found < 0) {
		int pid = atoi(de->d_name);
		if (pid > 0 && ppid_of(pid) == parent)
			found = pid;
	}
	closedir(d);
	return found;
}

static void interrupt_during_assembly(int sig)
{
	const char *hv = h_hvsim();
	char yaml[512], tmp[512], env_tmp[600];
	snprintf(yaml, sizeof yaml, "%s/slow.yaml", dir);
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	cr_assert_eq(mkdir(tmp, 0700), 0);
	write_text(yaml, HEAD SLOW_BODY);
	snprintf(env_tmp, sizeof env_tmp, "TMPDIR=%s", tmp);
	char cenv[600];
	snprintf(cenv, sizeof cenv, "HVSIM_CACHE_DIR=%s", cache);
	char *envp[] = { env_tmp, cenv, "PATH=/usr/bin:/bin", NULL };
	char *argv[] = { (char *)hv, "validate", yaml, NULL };
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, sig);
	posix_spawnattr_setsigdefault(&at, &def);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, hv, &fa, &at, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	/* wait until `as` runs (a child of hvsim) and the temporary directory exists */
	int child = -1;
	double t0 = now_s();
	while (now_s() - t0 < 15) {
		child = child_of(pid);
		if (child > 0 && h_count_entries(tmp) == 1 && ppid_of(child) == pid) {
			char exe[64], target[512] = "";
			snprintf(exe, sizeof exe, "/proc/%d/exe", child);
			ssize_t n = readlink(exe, target, sizeof target - 1);
			if (n > 0 && (target[n] = 0, strstr(target, "as")))
				break;
		}
		child = -1;
		usleep(20000);
	}
	cr_assert_gt(child, 0, "the assembler never started");
	usleep(100000);
	cr_assert_eq(kill(pid, sig), 0);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig, "status 0x%x", st);
	cr_assert_eq(h_count_entries(tmp), 0, "a temporary directory is left in %s", tmp);
	/* the assembler is gone: not a zombie, not an orphan */
	char p[64];
	snprintf(p, sizeof p, "/proc/%d", child);
	struct stat sb;
	for (int i = 0; i < 50 && stat(p, &sb) == 0; i++)
		usleep(20000);
	cr_assert_neq(stat(p, &sb), 0, "the assembler (pid %d) is still there", child);
}

Test(asm_sandbox, sigint_during_assembly_leaves_no_temporary_directory_and_no_child)
{
	interrupt_during_assembly(SIGINT);
}

Test(asm_sandbox, sigterm_during_assembly_leaves_no_temporary_directory_and_no_child)
{
	interrupt_during_assembly(SIGTERM);
}

/* ---- the cache ---------------------------------------------------------------------------- */

/* The one entry file in the cache directory, into buf. */
static void the_entry(char *buf, size_t n)
{
	char d[512];
	snprintf(d, sizeof d, "%s/asm", cache);
	DIR *dd = opendir(d);
	cr_assert_not_null(dd);
	struct dirent *de;
	int found = 0;
	while ((de = readdir(dd)))
		if (de->d_name[0] != '.') {
			snprintf(buf, n, "%s/%s", d, de->d_name);
			found++;
		}
	closedir(dd);
	cr_assert_eq(found, 1, "%d entries", found);
}

static void load_bytes(const char *body, const uint8_t *want, size_t n)
{
	struct scenario *sc = load(body);
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->guest.code.size, n);
	cr_assert_arr_eq(sc->guest.code.bytes, want, n);
	scenario_free(sc);
}

Test(asm_sandbox, a_tampered_cache_entry_is_not_used)
{
	const char *a = "    mov eax, 1\n";
	const char *b = "    mov eax, 2\n";
	uint8_t wa[] = { 0xb8, 1, 0, 0, 0 }, wb[] = { 0xb8, 2, 0, 0, 0 };
	load_bytes(b, wb, 5);
	char eb[1024];
	the_entry(eb, sizeof eb);
	size_t nb = 0;
	char *cb = h_slurp(eb, &nb);
	unlink(eb);
	load_bytes(a, wa, 5);
	char ea[1024];
	the_entry(ea, sizeof ea);
	size_t na = 0;
	char *ca = h_slurp(ea, &na);
	cr_assert_eq(na, nb, "entries of the same shape have the same size");

	/* 1. a changed byte of code, same size */
	char *t = malloc(na);
	memcpy(t, ca, na);
	cr_assert_eq((uint8_t)t[na - 4], 1);
	t[na - 4] = 7;
	FILE *f = fopen(ea, "wb");
	fwrite(t, 1, na, f);
	fclose(f);
	load_bytes(a, wa, 5);
	/* 2. a same-size swap: b's entry under a's name */
	f = fopen(ea, "wb");
	fwrite(cb, 1, nb, f);
	fclose(f);
	load_bytes(a, wa, 5);
	/* 3. cut short */
	f = fopen(ea, "wb");
	fwrite(ca, 1, na - 1, f);
	fclose(f);
	load_bytes(a, wa, 5);
	/* and the entry was replaced by a good one */
	size_t n2 = 0;
	char *c2 = h_slurp(ea, &n2);
	cr_assert_eq(n2, na);
	cr_assert_eq(memcmp(c2, ca, na), 0);
	free(c2);
	free(t);
	free(ca);
	free(cb);
}

Test(asm_sandbox, the_cache_directory_is_private_and_unsafe_ones_are_not_used)
{
	uint8_t nop[] = { 0x90 };
	load_bytes("    nop\n", nop, 1);
	char d[512];
	snprintf(d, sizeof d, "%s/asm", cache);
	struct stat st;
	cr_assert_eq(stat(d, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(h_count_entries(d), 1);

	/* group- or world-writable: not used, and no error */
	static const mode_t bad[] = { 0770, 0707, 0777 };
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(chmod(d, bad[i]), 0);
		char body[64];
		snprintf(body, sizeof body, "    nop # %zu\n", i);
		load_bytes(body, nop, 1);
		cr_assert_eq(h_count_entries(d), 1, "an entry was stored in a %o directory", bad[i]);
	}
	cr_assert_eq(chmod(d, 0700), 0);

	/* a symlink in place of the directory: not followed */
	char real[512];
	snprintf(real, sizeof real, "%s/elsewhere", dir);
	cr_assert_eq(mkdir(real, 0700), 0);
	h_rmtree(d);
	cr_assert_eq(symlink(real, d), 0);
	load_bytes("    nop # via a symlink\n", nop, 1);
	cr_assert_eq(h_count_entries(real), 0);
	unlink(d);

	/* owned by someone else (needs root to arrange) */
	if (geteuid() == 0) {
		cr_assert_eq(mkdir(d, 0700), 0);
		cr_assert_eq(chown(d, 65534, 65534), 0);
		load_bytes("    nop # not ours\n", nop, 1);
		cr_assert_eq(h_count_entries(d), 0);
	}
}

Test(asm_sandbox, the_cache_is_bounded_and_old_format_entries_are_dropped)
{
	uint8_t nop[] = { 0x90 };
	load_bytes("    nop\n", nop, 1);
	char d[512], p[1024];
	snprintf(d, sizeof d, "%s/asm", cache);
	/* fill it past the entry bound with old, well-formed-looking entries */
	for (int i = 0; i < ASM_CACHE_MAX_ENTRIES + 10; i++) {
		snprintf(p, sizeof p, "%s/%032x.asm", d, i);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, "x", 1), 1);
		close(fd);
		struct timespec ts[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
		utimensat(AT_FDCWD, p, ts, 0);
	}
	snprintf(p, sizeof p, "%s/0123456789abcdef.bin", d);
	write_text(p, "old");
	snprintf(p, sizeof p, "%s/0123456789abcdef.sym", d);
	write_text(p, "old");
	load_bytes("    nop # new\n", nop, 1);
	cr_assert_leq(h_count_entries(d), ASM_CACHE_MAX_ENTRIES);
	/* the oldest went first; the new one and the fresh one stay */
	snprintf(p, sizeof p, "%s/%032x.asm", d, 0);
	cr_assert_neq(access(p, F_OK), 0);
	snprintf(p, sizeof p, "%s/0123456789abcdef.bin", d);
	cr_assert_neq(access(p, F_OK), 0);
	load_bytes("    nop\n", nop, 1);   /* still cached or re-assembled: either way right */
}
