/* test_step.c - `hvsim step` driven as a user drives it: through a pipe
 * (commands echoed, plain line reading) and through a pseudo-terminal
 * (libedit: history, line editing, Ctrl-C from the keyboard).
 *
 * Every expected address and value is derived by hand from the scenario's
 * asm and the instruction encodings (Intel SDM Vol.2), or from the
 * scenario's own `expect:` block, never copied from hvsim's output:
 *
 * scenarios/exec_and_watch_64.yaml, base 0x1000:
 *   lea rax,[rip+handler]           48 8d 05 d32           7  0x1000
 *   mov word ptr [idt+16], ax       66 89 04 25 d32        8  0x1007
 *   mov word ptr [idt+18], 0x8      66 c7 04 25 d32 i16   10  0x100f
 *   mov byte ptr [idt+21], 0x8E     c6 04 25 d32 i8        8  0x1019
 *   shr rax, 16                     48 c1 e8 10            4  0x1021
 *   mov word ptr [idt+22], ax       66 89 04 25 d32        8  0x1025
 *   lidt [rip+idtr]                 0f 01 1d d32           7  0x102d
 *   lea rax,[rip+target]            48 8d 05 d32           7  0x1034
 *   mov dr0, rax                    0f 23 c0               3  0x103b
 *   mov rax, 0x81000                48 c7 c0 i32           7  0x103e
 *   mov dr1, rax                    0f 23 c8               3  0x1045
 *   mov rax, 0x00D00405             48 c7 c0 i32           7  0x1048
 *   mov dr7, rax                    0f 23 f8               3  0x104f
 *   mov ecx, 3                      b9 i32                 5  0x1052
 *   target/loop1: nop               90                     1  0x1057
 *   mov dword ptr [0x81000], ecx    89 0c 25 d32           7  0x1058
 *   dec ecx                         ff c9                  2  0x105f
 *   jnz loop1                       75 rel8                2  0x1061
 *   hlt                             f4                     1  0x1063
 *   handler: push rax ...                                     0x1064
 * so `target` = 0x1057 and its first four bytes are 90 89 0c 25;
 * `handler` = 0x1064.  The handler runs once per #DB: 6 times (expect:
 * db.guest.delivered 6), the first for the execute breakpoint of the first
 * iteration, with ecx = 3.  It logs DR6 at 0x80000 (expect: mem.0x80000.8
 * 0xFFFF0FF1, mem.0x80008.8 0xFFFF0FF2: B0 then B1 with the reserved bits
 * set, SDM 17.2.3).  Instructions: 14 set-up + 3 x 4 loop + hlt + 6 x 12
 * in the handler (push, push, mov rax,dr6, mov, mov, inc, xor, mov dr6,
 * pop, pop, or, iretq) = 99.
 *
 * scenarios/vmx_bp_with_host_bp.yaml, base 0x1000: the same first seven
 * instructions (0x1000 ... 0x102d, lidt at 0x102d), lea at 0x1034, mov
 * dr0..dr3 at 0x103b/0x103e/0x1041/0x1044, mov rax,0x401 (48 c7 c0 i32, 7)
 * at 0x1047, mov dr7 at 0x104e, mov ecx,20 (5) at 0x1051, so `target` =
 * 0x1056: nop, out 0x80,al (e6 80, 2) at 0x1057, dec ecx at 0x1059, jnz at
 * 0x105b, hlt at 0x105d, handler at 0x105e.  The first VM exit is the MOV to DR0 at 0x103b
 * (DR_ACCESS), the last the HLT at 0x105d.
 *
 * The Ctrl-C tests need a guest that never ends: a scenario written here,
 *   mov ecx, 7 (b9 i32, 5) at 0x1000; top: inc rax (48 ff c0, 3) at
 *   0x1005; jmp top at 0x1008. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

#define TIMEOUT_MS 20000

/* ---- a session: hvsim step on a pipe or a pty --------------------------------- */

struct sess {
	pid_t pid;
	int in, out;                   /* write commands to in, read output from out */
	bool tty;
	char *buf;                     /* everything read so far, NUL-terminated */
	size_t len, cap;
	size_t seen;                   /* sess_expect searches from here */
};

/* A bundled scenario's path (four at a time). */
static const char *scenario(const char *name)
{
	static char path[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/scenarios/%s.yaml", h_srcdir(), name);
	return path[k];
}

static void exec_hvsim(const char *h, const char *sc, const char *extra)
{
	if (extra)
		execl(h, h, "step", sc, extra, (char *)NULL);
	else
		execl(h, h, "step", sc, (char *)NULL);
	_exit(127);
}

static void sess_start(struct sess *s, bool tty, const char *sc, const char *extra)
{
	const char *h = h_hvsim();
	memset(s, 0, sizeof(*s));
	s->tty = tty;
	signal(SIGPIPE, SIG_IGN);
	if (tty) {
		int master;
		struct winsize ws = { .ws_row = 50, .ws_col = 200 };
		s->pid = forkpty(&master, NULL, NULL, &ws);
		cr_assert_neq(s->pid, -1, "forkpty: %s", strerror(errno));
		if (s->pid == 0)
			exec_hvsim(h, sc, extra);
		s->in = s->out = master;
	} else {
		int inp[2], outp[2];
		cr_assert_eq(pipe(inp), 0);
		cr_assert_eq(pipe(outp), 0);
		s->pid = fork();
		cr_assert_neq(s->pid, -1);
		if (s->pid == 0) {
			dup2(inp[0], 0);
			dup2(outp[1], 1);
			dup2(outp[1], 2);
			close(inp[0]), close(inp[1]), close(outp[0]), close(outp[1]);
			exec_hvsim(h, sc, extra);
		}
		close(inp[0]);
		close(outp[1]);
		s->in = inp[1];
		s->out = outp[0];
	}
	s->cap = 1 << 16;
	s->buf = calloc(1, s->cap);
}

/* Read what is there within ms milliseconds; false at end of output. */
static bool sess_read(struct sess *s, int ms)
{
	struct pollfd p = { .fd = s->out, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return true;
	if (s->cap - s->len < 4097) {
		s->cap *= 2;
		s->buf = realloc(s->buf, s->cap);
	}
	ssize_t n = read(s->out, s->buf + s->len, 4096);
	if (n <= 0)
		return false;              /* EOF (pipe) or EIO (pty, the child has gone) */
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return true;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait for `needle` after what was already matched; returns the text from
 * the previous match up to the end of this one (owned by s). */
static const char *sess_expect(struct sess *s, const char *needle)
{
	long end = now_ms() + TIMEOUT_MS;
	char *hit;
	while (!(hit = strstr(s->buf + s->seen, needle))) {
		if (now_ms() > end || !sess_read(s, 100))
			cr_assert_fail("no '%s' in the output of hvsim step:\n%s", needle, s->buf + s->seen);
	}
	static char *seg;
	free(seg);
	size_t from = s->seen, to = (size_t)(hit - s->buf) + strlen(needle);
	seg = strndup(s->buf + from, to - from);
	s->seen = to;
	return seg;
}

static void sess_send(struct sess *s, const char *data, size_t n)
{
	while (n) {
		ssize_t w = write(s->in, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		cr_assert_gt(w, 0, "write: %s", strerror(errno));
		data += w;
		n -= (size_t)w;
		sess_read(s, 0);           /* keep the output side drained */
	}
}

static void sess_cmd(struct sess *s, const char *cmd)
{
	sess_send(s, cmd, strlen(cmd));
	sess_send(s, s->tty ? "\r" : "\n", 1);
}

/* After q: the child's exit status; the session is freed. */
static int sess_end(struct sess *s)
{
	if (!s->tty)
		close(s->in);
	long end = now_ms() + TIMEOUT_MS;
	while (sess_read(s, 100) && now_ms() < end)
		;
	int st;
	cr_assert_eq(waitpid(s->pid, &st, 0), s->pid);
	close(s->out);
	free(s->buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char prompt_buf[32];
static const char *prompt(unsigned n)
{
	snprintf(prompt_buf, sizeof(prompt_buf), "hvsim:%u> ", n);
	return prompt_buf;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Run cmd; its output, up to prompt n, holds needle. */
static void shows(struct sess *s, const char *cmd, unsigned n, const char *needle)
{
	sess_cmd(s, cmd);
	const char *seg = sess_expect(s, prompt(n));
	cr_assert(strstr(seg, needle), "'%s' shows no '%s':\n%s", cmd, needle, seg);
}

/* A command's output: seg without its trailing prompt (in place). */
static const char *body(const char *seg)
{
	char *p = strrchr(seg, '\n');
	if (p)
		p[1] = '\0';
	return seg;
}

/* The guest instruction count of "  N guest instructions, ..." in seg. */
static unsigned long end_count(const char *seg)
{
	const char *p = strstr(seg, "the run has ended");
	cr_assert_not_null(p, "%s", seg);
	p = strstr(p, "\n  ");
	cr_assert_not_null(p, "%s", seg);
	return strtoul(p + 3, NULL, 10);
}

/* ---- through a pipe -------------------------------------------------------------- */

Test(step_pipe, breakpoint_by_label_memory_and_registers)
{
	struct sess s;
	sess_start(&s, false, scenario("exec_and_watch_64"), NULL);
	sess_expect(&s, "next: 0x1000 ");
	sess_expect(&s, prompt(1));
	sess_cmd(&s, "b handler");
	cr_assert(strstr(sess_expect(&s, prompt(2)), "breakpoint 1 at 0x1064 <handler>"));
	shows(&s, "x/4xb target", 3, "0x0000000000001057 <loop1>:  0x90  0x89  0x0c  0x25\n");
	unsigned n = 3;
	for (int hit = 1; hit <= 6; hit++) {
		sess_cmd(&s, "c");
		const char *seg = sess_expect(&s, prompt(++n));
		cr_assert(strstr(seg, "breakpoint 1, 0x1064 <handler>\n"), "hit %d: %s", hit, seg);
		cr_assert(strstr(seg, "next: 0x1064 <handler>  push rax"), "%s", seg);
		if (hit == 1) {
			sess_cmd(&s, "info regs");
			seg = sess_expect(&s, prompt(++n));
			cr_assert(strstr(seg, "rcx                0x3"), "%s", seg);
			cr_assert(strstr(seg, "rip             0x1064"), "%s", seg);
		}
	}
	shows(&s, "info b", ++n, "1    0x0000000000001064      6  <handler>");
	sess_cmd(&s, "c");
	const char *seg = sess_expect(&s, prompt(++n));
	cr_assert(strstr(seg, "the run has ended: halt"), "%s", seg);
	cr_assert_eq(end_count(seg), 99);
	/* The handler's log of DR6, read after the run. */
	shows(&s, "x/4x 0x80000", ++n, "0x0000000000080000:  0xffff0ff1  0x00000000  0xffff0ff2  0x00000000\n");
	shows(&s, "x/2xg 0x80000", ++n, "0x0000000000080000:  0x00000000ffff0ff1  0x00000000ffff0ff2\n");
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
}

Test(step_pipe, r_restarts_with_the_same_instruction_count)
{
	struct sess s;
	sess_start(&s, false, scenario("exec_and_watch_64"), NULL);
	sess_expect(&s, prompt(1));
	sess_cmd(&s, "c");
	unsigned long first = end_count(sess_expect(&s, prompt(2)));
	cr_assert_eq(first, 99);
	sess_cmd(&s, "r");
	const char *seg = sess_expect(&s, prompt(3));
	cr_assert(strstr(seg, "restarting the run from the beginning\n  next: 0x1000 "), "%s", seg);
	/* restart again from the middle of the run */
	shows(&s, "until rip target", 4, "next: 0x1057 ");
	shows(&s, "r", 5, "next: 0x1000 ");
	cr_assert_eq(count(s.buf, "the run has ended"), 1, "a restart is not an end: %s", s.buf);
	sess_cmd(&s, "c");
	cr_assert_eq(end_count(sess_expect(&s, prompt(6))), first);
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
}

Test(step_pipe, until_exit_by_reason)
{
	struct sess s;
	sess_start(&s, false, scenario("vmx_bp_with_host_bp"), "--vendor=vmx");
	sess_expect(&s, prompt(1));
	shows(&s, "until exit DR_ACCESS", 2, "stopped at the VM exit (DR_ACCESS at 0x103b)");
	sess_cmd(&s, "until exit hlt");            /* names are case-insensitive */
	cr_assert(strstr(sess_expect(&s, prompt(3)), "stopped at the VM exit (HLT at 0x105d)"), "%s", s.buf);
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
}

/* Every line of `dreg` fits in 100 columns, on both vendors; the guest's
 * DR0 holds `target`, DR7 = 0x401 (L0, execute, len 1). */
static void dreg_fits(const char *vendor)
{
	struct sess s;
	sess_start(&s, false, scenario("vmx_bp_with_host_bp"), vendor);
	sess_expect(&s, prompt(1));
	sess_cmd(&s, "b target");
	sess_expect(&s, prompt(2));
	sess_cmd(&s, "c");
	sess_expect(&s, prompt(3));
	sess_cmd(&s, "dreg");
	const char *seg = sess_expect(&s, prompt(4));
	cr_assert(strstr(seg, "  DR0             0x1056 "), "%s", seg);
	cr_assert(strstr(seg, "  DR7              0x401 "), "%s", seg);
	size_t w = 0;
	for (const char *p = seg; *p; p++) {
		w = *p == '\n' ? 0 : w + 1;
		cr_assert_leq(w, 100, "%s: a dreg line is wider than 100 columns:\n%s", vendor, seg);
	}
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
}

Test(step_pipe, dreg_within_100_columns)
{
	dreg_fits("--vendor=vmx");
	dreg_fits("--vendor=svm");
}

/* Bad commands: one error line each, and nothing moves. */
Test(step_pipe, bad_commands_change_nothing)
{
	static const char *const bad[] = {
		"foo", "s 0", "s -1", "s x", "s 1 2", "b nosuchlabel", "b 0x999999", "b", "d 7", "d x",
		"x/4q 0x1000", "x/0x 0x1000", "x/4x", "x/4x 0xdead00000000", "x/4x target+zz", "x/9999x 0x1000",
		"until exit BOGUS", "until rip", "until rip nolabel", "until", "info bogus",
		"info", "trace maybe", "disas 0x5", "disas target 0", "c extra", "r now", "q now", "dreg x",
		"\x01", "$rip",
	};
	struct sess s;
	sess_start(&s, false, scenario("vmx_bp_with_host_bp"), "--vendor=vmx");
	sess_expect(&s, prompt(1));
	sess_cmd(&s, "b target");
	sess_expect(&s, prompt(2));
	shows(&s, "s 3", 3, "next: 0x1019 ");
	sess_cmd(&s, "info regs");
	char *regs = strdup(body(sess_expect(&s, prompt(4))));
	sess_cmd(&s, "info b");
	char *bps = strdup(body(sess_expect(&s, prompt(5))));
	unsigned n = 5;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sess_cmd(&s, bad[i]);
		const char *seg = sess_expect(&s, prompt(++n));
		const char *nl = strchr(seg, '\n');        /* the echoed command */
		cr_assert_not_null(nl, "%s", seg);
		cr_assert_eq(strncmp(nl + 1, "  error: ", 9), 0, "'%s': %s", bad[i], seg);
		cr_assert_eq(count(nl + 1, "\n"), 1, "'%s' printed more than one line: %s", bad[i], seg);
	}
	/* A 1 MiB line is one command, refused as too long. */
	size_t big = 1 << 20;
	char *line = malloc(big + 1);
	memset(line, 's', big);
	line[big] = '\n';
	sess_send(&s, line, big + 1);
	free(line);
	const char *seg = sess_expect(&s, prompt(++n));
	cr_assert(strstr(seg, "(a line of 1048576 bytes)\n  error: line too long (1048576 bytes"), "%s", seg);
	cr_assert_eq(count(seg, "\n"), 2, "%s", seg);
	sess_cmd(&s, "info regs");
	cr_assert_str_eq(body(sess_expect(&s, prompt(++n))), regs);
	sess_cmd(&s, "info b");
	cr_assert_str_eq(body(sess_expect(&s, prompt(++n))), bps);
	/* the position is where it was: the next instruction is the 4th */
	shows(&s, "s", ++n, "next: 0x1021 ");
	cr_assert_eq(count(s.buf, "hvsim:"), n, "extra prompts: a line was split");
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
	free(regs);
	free(bps);
}

/* A guest that never ends, for Ctrl-C, in a new directory (h_rmtree it). */
static char *spin_scenario(void)
{
	char *dir = h_tmpdir("hvsim-step"), path[600];
	snprintf(path, sizeof(path), "%s/spin.yaml", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("version: 1\nname: spin\nsummary: never ends\nvendor: vmx\npolicies: [bp_enabled]\n"
	      "guest:\n  mode: 64\n  base: 0x1000\n"
	      "  limits: { instructions: 100000000000, on_budget: stop }\n"
	      "  asm: |2\n      mov ecx, 7\n    top:\n      inc rax\n      jmp top\n", f);
	fclose(f);
	return dir;
}

/* Where Ctrl-C stopped the loop: before `inc rax` or before `jmp top`. */
static void assert_in_loop(const char *seg)
{
	cr_assert(strstr(seg, "next: 0x1005 <top>  inc rax") || strstr(seg, "next: 0x1008 <top+0x3>  jmp 0x1005"),
		  "%s", seg);
}

/* `c` on the endless guest, then Ctrl-C: SIGINT on a pipe, the terminal's
 * INTR character on a pty.  Back at prompt 2, inside the loop. */
static void interrupt_c(struct sess *s, bool tty, const char *dir)
{
	char sc[600];
	snprintf(sc, sizeof(sc), "%s/spin.yaml", dir);
	sess_start(s, tty, sc, NULL);
	sess_expect(s, prompt(1));
	sess_cmd(s, "c");
	sess_expect(s, "continuing");
	if (tty)
		sess_send(s, "\x03", 1);
	else
		kill(s->pid, SIGINT);
	const char *seg = sess_expect(s, prompt(2));
	cr_assert(strstr(seg, "interrupted (Ctrl-C)"), "%s", seg);
	assert_in_loop(seg);
}

Test(step_pipe, sigint_during_c_returns_to_the_prompt)
{
	char *dir = spin_scenario();
	struct sess s;
	interrupt_c(&s, false, dir);
	shows(&s, "info regs", 3, "rcx                0x7");
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
	h_rmtree(dir);
	free(dir);
}

/* ---- through a pseudo-terminal -------------------------------------------------- */

Test(step_pty, ctrl_c_during_c_and_at_the_prompt)
{
	char *dir = spin_scenario();
	struct sess s;
	interrupt_c(&s, true, dir);
	/* at the prompt, Ctrl-C drops the line being typed */
	sess_send(&s, "s 1000", 6);
	sess_send(&s, "\x03", 1);
	cr_assert(strstr(sess_expect(&s, prompt(3)), "(interrupted; q quits)"), "%s", s.buf);
	shows(&s, "info regs", 4, "rcx                0x7");
	cr_assert_eq(waitpid(s.pid, NULL, WNOHANG), 0, "hvsim has gone");
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
	h_rmtree(dir);
	free(dir);
}

Test(step_pty, history_and_line_editing)
{
	struct sess s;
	sess_start(&s, true, scenario("vmx_bp_with_host_bp"), "--vendor=vmx");
	sess_expect(&s, prompt(1));
	shows(&s, "b target", 2, "breakpoint 1 at 0x1056 <target>");
	shows(&s, "c", 3, "breakpoint 1, 0x1056 <target>");
	shows(&s, "info b", 4, "1    0x0000000000001056      1  <target>");
	/* up arrow: `info b` again */
	shows(&s, "\x1b[A", 5, "1    0x0000000000001056      1  <target>");
	/* "s 9", backspace, "1": one step.  The guest's own DR0 execute
	 * breakpoint on `target` is a fault (SDM 17.3.1): the nop does not
	 * execute, the next instruction is the #DB handler's first, right
	 * after the hlt: 0x105e. */
	shows(&s, "s 9\x7f" "1", 6, "next: 0x105e <handler> ");
	/* Ctrl-A to the start of the line, insert "x/2xb ": x/2xb target */
	shows(&s, "target\x01x/2xb ", 7, "0x90  0xe6");
	sess_cmd(&s, "q");
	cr_assert_eq(sess_end(&s), 0);
}
