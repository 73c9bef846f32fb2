/* cmd_step.c - `hvsim step SCENARIO`: a debugger prompt over one run, in
 * the vocabulary of gdb and the Bochs debugger (style-and-ux §2.5).  This
 * file is the session: the run and its hooks, restarting it (`r`), reading
 * command lines (libedit on a terminal, plain line reading otherwise) and
 * Ctrl-C.  The commands themselves are in step_cmds.c.
 *
 * The prompt runs inside the simulation: a per-instruction observer on the
 * guest engine (engine_set_insn_observer, cpu/engine/insn_hook.c) stops
 * before an instruction (step count, `until rip`, a breakpoint, Ctrl-C),
 * and the trace sink stops at a VM exit (before the hypervisor has handled
 * it, so `dreg` shows the hardware as the exit found it).  The machine is
 * only read, never changed, so a stepped run is the same run as `hvsim
 * run` gives. */
#include <errno.h>
#include <histedit.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include "debugreg/core.h"
#include "debugreg/hv.h"
#include "sim/cli/cmds.h"
#include "sim/cli/step.h"
#include "sim/cli/verb.h"
#include "sim/render/result_out.h"
#include "sim/render/trace.h"

/* ---- Ctrl-C ------------------------------------------------------------------ */

/* Set by SIGINT; the observer stops the run at the next guest instruction,
 * the line reader drops the line being typed. */
static volatile sig_atomic_t step_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	step_sigint = 1;
}

/* ---- reading command lines ------------------------------------------------------ */

enum line_status { LINE_OK, LINE_EOF, LINE_LONG, LINE_INTR };

struct input {
	EditLine *el;                  /* a terminal: line editing and history */
	History *hist;
	char prompt[32];
	char buf[STEP_LINE_MAX];
	size_t len;                    /* LINE_LONG: the whole line's length */
	unsigned char rbuf[4096];      /* bytes read from standard input, not yet used */
	size_t rpos, rlen;
};

enum { IN_EOF = -1, IN_INTR = -2 };

/* The next byte of standard input, IN_EOF, or IN_INTR after Ctrl-C.
 * SIGINT is blocked except inside pselect(), so a Ctrl-C is never lost
 * between looking at the flag and waiting for input. */
static int in_getc(struct input *in)
{
	if (in->rpos < in->rlen)
		return in->rbuf[in->rpos++];
	sigset_t block, old, wait;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	wait = old;
	sigdelset(&wait, SIGINT);
	int c = IN_EOF;
	while (!step_sigint) {
		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(STDIN_FILENO, &rd);
		if (pselect(STDIN_FILENO + 1, &rd, NULL, NULL, NULL, &wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		ssize_t n = read(STDIN_FILENO, in->rbuf, sizeof(in->rbuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			in->rlen = (size_t)n;
			in->rpos = 1;
			c = in->rbuf[0];
		}
		break;
	}
	if (step_sigint)
		c = IN_INTR;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return c;
}

/* libedit's input: in_getc (commands are ASCII; other bytes read as '?'). */
static int step_el_getc(EditLine *el, wchar_t *wc)
{
	struct input *in = NULL;
	el_get(el, EL_CLIENTDATA, &in);
	int c = in_getc(in);
	if (c == IN_INTR) {
		errno = EINTR;
		return -1;
	}
	if (c == IN_EOF)
		return 0;
	*wc = c < 0x80 ? (wchar_t)c : L'?';
	return 1;
}

static char *el_prompt(EditLine *el)
{
	struct input *in = NULL;
	el_get(el, EL_CLIENTDATA, &in);
	return in->prompt;
}

static void input_open(struct input *in)
{
	memset(in, 0, sizeof(*in));
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return;
	in->el = el_init("hvsim", stdin, stdout, stderr);
	in->hist = history_init();
	if (!in->el || !in->hist) {
		if (in->el)
			el_end(in->el);
		if (in->hist)
			history_end(in->hist);
		in->el = NULL;
		in->hist = NULL;
		return;
	}
	HistEvent ev;
	history(in->hist, &ev, H_SETSIZE, 1000);
	history(in->hist, &ev, H_SETUNIQUE, 1);
	el_set(in->el, EL_CLIENTDATA, in);
	el_set(in->el, EL_PROMPT, el_prompt);
	el_set(in->el, EL_GETCFN, step_el_getc);
	el_set(in->el, EL_EDITOR, "emacs");
	el_set(in->el, EL_HIST, history, in->hist);
	el_source(in->el, NULL);       /* ~/.editrc, as every libedit program */
}

static void input_close(struct input *in)
{
	if (in->el)
		el_end(in->el);
	if (in->hist)
		history_end(in->hist);
}

/* Plain reading, one whole line whatever its length: the first
 * STEP_LINE_MAX - 1 bytes are kept, the rest only counted. */
static enum line_status plain_line(struct input *in)
{
	size_t n = 0;
	int ch;
	while ((ch = in_getc(in)) >= 0 && ch != '\n') {
		if (n < sizeof(in->buf) - 1)
			in->buf[n] = (char)ch;
		n++;
	}
	if (ch == IN_INTR)
		return LINE_INTR;
	if (ch == IN_EOF && n == 0)
		return LINE_EOF;
	in->len = n;
	in->buf[n < sizeof(in->buf) ? n : sizeof(in->buf) - 1] = '\0';
	return n < sizeof(in->buf) ? LINE_OK : LINE_LONG;
}

static enum line_status edit_line(struct input *in)
{
	int count = 0;
	const char *s = el_gets(in->el, &count);
	if (!s || count <= 0) {
		if (step_sigint || (count < 0 && errno == EINTR))
			return LINE_INTR;
		return LINE_EOF;
	}
	size_t n = strcspn(s, "\n");
	in->len = n;
	if (n >= sizeof(in->buf))
		return LINE_LONG;
	memcpy(in->buf, s, n);
	in->buf[n] = '\0';
	if (n) {
		HistEvent ev;
		history(in->hist, &ev, H_ENTER, in->buf);
	}
	return LINE_OK;
}

static enum line_status input_line(struct input *in, unsigned no)
{
	snprintf(in->prompt, sizeof(in->prompt), "hvsim:%u> ", no);
	step_sigint = 0;
	if (in->el)
		return edit_line(in);
	fputs(in->prompt, stdout);
	fflush(stdout);
	return plain_line(in);
}

static struct input *step_input;       /* the session's, for prompt() */

/* Read and run commands until one resumes the run (or quits or restarts). */
static void prompt(struct step *st)
{
	for (;;) {
		enum line_status ls = input_line(step_input, ++st->cmdno);
		char *line = step_input->buf;
		if (ls == LINE_EOF) {
			putchar('\n');
			st->quit = true;
			return;
		}
		if (ls == LINE_INTR) {
			/* Ctrl-C at the prompt: the line is dropped, as in gdb. */
			printf("\n  (interrupted; q quits)\n");
			continue;
		}
		if (ls == LINE_LONG) {
			if (st->echo)
				printf("(a line of %zu bytes)\n", step_input->len);
			printf("  error: line too long (%zu bytes, at most %d)\n", step_input->len,
			       STEP_LINE_MAX - 1);
			continue;
		}
		if (st->echo)
			printf("%s\n", line);
		if (step_command(st, line))
			return;
	}
}

/* ---- the hooks of the run --------------------------------------------------------- */

static void where(struct step *st, uint64_t rip)
{
	char text[96], sym[96];
	if (engine_disasm(st->m.guest, rip, text, sizeof(text)))
		snprintf(text, sizeof(text), "(cannot decode)");
	step_symbolize(st, rip, sym, sizeof(sym));
	printf("  next: %#" PRIx64 "%s%s  %s   (%" PRIu64 " guest instructions so far)\n", rip, *sym ? " " : "",
	       sym, text, st->insns);
}

static struct step_bp *bp_at(struct step *st, uint64_t rip)
{
	for (unsigned i = 0; i < st->nbps; i++)
		if (st->bps[i].addr == rip)
			return &st->bps[i];
	return NULL;
}

static void stop_if_leaving(struct step *st)
{
	if (st->quit || st->restart)
		engine_request_stop(st->m.guest, STOP_BUDGET,
				    st->quit ? "stopped at the user's request (q)" : "restarted (r)");
}

static void on_insn(void *ctx, struct engine *e, uint64_t rip)
{
	struct step *st = ctx;
	(void)e;
	if (st->quit || st->restart) {
		stop_if_leaving(st);
		return;
	}
	bool stop = false;
	switch (st->mode) {
	case M_STEP:
		if (st->left)
			st->left--;
		stop = st->left == 0;
		break;
	case M_UNTIL_RIP:
		stop = rip == st->until_rip;
		break;
	default:
		break;
	}
	if (step_sigint) {
		step_sigint = 0;
		printf("  interrupted (Ctrl-C)\n");
		stop = true;
	}
	struct step_bp *bp = bp_at(st, rip);
	if (bp) {
		char sym[96];
		step_symbolize(st, rip, sym, sizeof(sym));
		printf("  breakpoint %u, %#" PRIx64 "%s%s\n", bp->no, rip, *sym ? " " : "", sym);
		bp->hits++;
		stop = true;
	}
	if (stop) {
		st->live = true;
		st->rip = rip;
		where(st, rip);
		prompt(st);
		stop_if_leaving(st);
		if (st->quit || st->restart)
			return;
	}
	st->insns++;
}

static void sink(void *ctx, const struct sim_event *ev)
{
	struct step *st = ctx;
	if (st->quit || st->restart)
		return;
	struct trace_rec r = { .ev = *ev };
	if (st->trace) {
		trace_format_line(stdout, &r, true);
		putchar('\n');
	} else if (ev->id == EV_EXIT || ev->id == EV_ENTRY_FAIL || ev->id == EV_DB || ev->id == EV_DB_MISSED ||
		   ev->id == EV_DB_SPURIOUS || ev->id == EV_VIOLATION) {
		fputs("  [", stdout);
		trace_format_event(stdout, &r);
		fputs("]\n", stdout);
	}
	if (st->mode == M_UNTIL_EXIT && ev->id == EV_EXIT &&
	    (!st->until_reason || (ev->s && !strcmp(ev->s, st->until_reason)))) {
		printf("  stopped at the VM exit (%s at %#" PRIx64 "), before the hypervisor handles it\n",
		       ev->s ? ev->s : "?", ev->a);
		st->mode = M_CONT;
		st->live = true;
		st->rip = ev->a;
		prompt(st);
		stop_if_leaving(st);
	}
}

static void attach(void *ctx, const struct run_machine *m)
{
	struct step *st = ctx;
	st->m = *m;
	if (m->vendor) {
		st->pol = m->vendor->dbg(m->v)->pol;
		st->has_pol = true;
	}
	engine_set_insn_observer(m->guest, on_insn, st);
}

/* ---- the verb ------------------------------------------------------------------------ */

static int step_session(struct step *st, const struct run_config *cfg)
{
	char err[1024] = "";
	for (;;) {
		st->live = false;
		st->res = NULL;
		st->has_pol = false;
		st->mode = M_STEP;
		st->left = 1;
		st->quit = st->restart = false;
		st->insns = 0;
		struct run_result res;
		if (sim_run(st->sc, cfg, &res, err, sizeof(err))) {
			fflush(stdout);
			fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
			return HVSIM_EXIT_ERROR;
		}
		st->live = false;
		st->m.world = NULL;            /* freed with the run */
		st->res = &res;
		st->rip = res.guest_rip;
		if (!st->restart) {
			printf("  the run has ended: %s%s%s%s\n", engine_stop_name(res.stop),
			       res.stop_msg[0] ? " (" : "", res.stop_msg, res.stop_msg[0] ? ")" : "");
			printf("  %" PRIu64 " guest instructions, %" PRIu64 " exits, guest #DB delivered %" PRIu64
			       " missed %" PRIu64 ", host #DB missed %" PRIu64 "\n", res.st.guest_instructions,
			       res.st.exits_total, res.st.db_guest_delivered, res.st.db_guest_missed,
			       res.st.db_host_missed);
			if (!st->quit)
				prompt(st);
		}
		run_result_free(&res);
		if (!st->restart)
			return HVSIM_EXIT_OK;
		printf("  restarting the run from the beginning\n");
	}
}

int cmd_step(const struct cmd *c, int argc, char **argv)
{
	const struct verb_spec *spec = &c->spec;
	const char *policy = NULL, *vendor = NULL, *pos[1];
	size_t npos;
	const struct verb_opt opts[] = {
		{ "policy", 'p', &policy, NULL }, { "vendor", 0, &vendor, NULL }, { NULL, 0, NULL, NULL },
	};
	int rc = verb_parse(spec, argc, argv, opts, pos, 1, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1)
		return verb_usage(spec, "step needs a SCENARIO");
	char err[1024] = "";
	struct scenario *sc = scenario_load(pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	enum vendor ven;
	if ((rc = verb_vendor(spec, sc, vendor, &ven))) {
		scenario_free(sc);
		return rc;
	}
	if (sc->arch == ARCH_AARCH64) {
		/* the debugger prompt drives the x86 engine (issue 20: not the Arm one) */
		fprintf(stderr, "%s:%d:%d: hvsim step runs x86 guests only; for an aarch64 guest use 'hvsim run "
			"--trace' and 'hvsim explain'\n", sc->path, sc->vendor_pos.line, sc->vendor_pos.col);
		scenario_free(sc);
		return HVSIM_EXIT_USAGE;
	}
	const char *pol = verb_policy(sc, policy);
	const struct hv_vendor *hv = ven == VENDOR_VMX ? &vmx_vendor : ven == VENDOR_SVM ? &svm_vendor : NULL;
	struct step st = { .sc = sc, .help = spec->help, .vendor = scenario_vendor_name(ven),
			   .exit_names = hv ? hv->exit_names : NULL, .nexit_names = hv ? hv->nexit_names : 0,
			   .echo = !isatty(STDIN_FILENO), .next_bp = 1 };
	printf("hvsim step: scenario %s, policy %s on %s; 'help' lists the commands\n",
	       sc->name && *sc->name ? sc->name : pos[0], pol, st.vendor);
	struct input in;
	input_open(&in);
	step_input = &in;
	/* No SA_RESTART: a read waiting at the prompt returns EINTR. */
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	struct run_config cfg = { .policy = pol, .vendor = ven, .trace = sink, .trace_ctx = &st, .attach = attach };
	rc = step_session(&st, &cfg);
	sigaction(SIGINT, &old, NULL);
	step_input = NULL;
	input_close(&in);
	scenario_free(sc);
	if (fflush(stdout) && rc == HVSIM_EXIT_OK)
		rc = HVSIM_EXIT_ERROR;
	return rc;
}
