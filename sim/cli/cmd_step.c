/* cmd_step.c - `hvsim step SCENARIO`: a small debugger prompt over one run,
 * in the vocabulary of the Bochs debugger and Spike's -d mode
 * (style-and-ux §2.5): s [n], c, until exit [REASON], until rip ADDR, dreg,
 * r, trace on|off, q.
 *
 * The prompt runs inside the simulation: a per-instruction observer on the
 * guest engine (engine_set_insn_observer, cpu/engine/insn_hook.c) stops before an
 * instruction, and the trace sink stops at a VM exit (before the hypervisor
 * has handled it, so `dreg` shows the hardware as the exit found it).  The
 * machine is only read, never changed, so a stepped run is the same run as
 * `hvsim run` gives. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "cpu/dr.h"
#include "debugreg/hv.h"
#include "sim/cli/cmds.h"
#include "sim/render/result_out.h"
#include "sim/render/trace.h"
#include "sim/cli/verb.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

enum mode { M_STEP, M_CONT, M_UNTIL_EXIT, M_UNTIL_RIP };

struct step {
	struct run_machine m;
	bool attached;
	unsigned cmdno;                /* prompt number */
	enum mode mode;
	uint64_t left;                 /* M_STEP: instructions until the next prompt */
	char until_reason[64];         /* M_UNTIL_EXIT: "" = any */
	uint64_t until_rip;
	bool trace;                    /* print every event */
	bool quit;                     /* q or end of input */
	bool echo;                     /* input is not a terminal: echo commands */
	uint64_t insns;                /* guest instructions observed */
	const struct run_result *res;  /* after the run */
	const char *help;              /* the command list (the verb's help text) */
};

/* ---- state displays ------------------------------------------------------------ */

static void dr_row(const char *label, const uint64_t *dr)
{
	printf("  %-22s", label);
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	for (int i = 0; i < 6; i++)
		printf(" %#18" PRIx64, dr[regs[i]]);
	putchar('\n');
}

static void dr7_row(const char *label, uint64_t dr7)
{
	char b[128];
	dr7_describe(dr7, b, sizeof(b));
	printf("  %-22s DR7 = %#" PRIx64 ": %s\n", label, dr7, b);
}

static void dreg_header(void)
{
	printf("  %-22s %18s %18s %18s %18s %18s %18s\n", "", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7");
}

static void dreg_live(struct step *st)
{
	const struct run_machine *m = &st->m;
	const uint64_t *guest = engine_ideal(m->guest)->dr;
	dreg_header();
	dr_row("guest (architectural)", guest);
	dr_row("hardware (loaded now)", m->cpu->dr);
	struct dbg *d = m->vendor ? m->vendor->dbg(m->v) : NULL;
	if (d) {
		uint64_t kv[8] = { d->db[0], d->db[1], d->db[2], d->db[3], 0, 0, d->dr6, d->dr7 };
		uint64_t eff[8] = { d->eff_db[0], d->eff_db[1], d->eff_db[2], d->eff_db[3], 0, 0, 0, 0 };
		uint64_t host[8] = { d->host.cpu_debugreg[0], d->host.cpu_debugreg[1], d->host.cpu_debugreg[2],
				     d->host.cpu_debugreg[3], 0, 0, DR6_ACTIVE_LOW, d->host.cpu_dr7 | DR7_FIXED_1 };
		dr_row("KVM db[]/dr6/dr7", kv);
		dr_row("KVM eff_db[]", eff);
		dr_row("host hw_breakpoint", host);
	}
	dr7_row("guest", guest[7]);
	dr7_row("hardware", m->cpu->dr[7]);
	if (d)
		dr7_row("KVM", d->dr7);
	if (m->vendor && !strcmp(m->vendor->name, "vmx")) {
		const struct vmx *x = m->v;
		uint64_t ctl = vmcs_hw_get(&x->vmcs, CPU_BASED_VM_EXEC_CONTROL);
		uint64_t ent = vmcs_hw_get(&x->vmcs, VM_ENTRY_CONTROLS);
		dr7_row("VMCS GUEST_DR7", vmcs_hw_get(&x->vmcs, GUEST_DR7));
		printf("  VMCS: CPU_BASED_MOV_DR_EXITING %s, VM_ENTRY_LOAD_DEBUG_CONTROLS %s, "
		       "GUEST_IA32_DEBUGCTL %#" PRIx64 "\n", ctl & CPU_BASED_MOV_DR_EXITING ? "on" : "off",
		       ent & VM_ENTRY_LOAD_DEBUG_CONTROLS ? "on" : "off",
		       vmcs_hw_get(&x->vmcs, GUEST_IA32_DEBUGCTL));
	} else if (m->vendor && !strcmp(m->vendor->name, "svm")) {
		const struct svm *s = m->v;
		uint64_t icpt = vmcb_hw_get(&s->vmcb, INTERCEPT_DR);
		dr7_row("VMCB DR7", vmcb_hw_get(&s->vmcb, DR7));
		printf("  VMCB: DR6 %#" PRIx64 ", INTERCEPT_DR reads %#" PRIx64 " writes %#" PRIx64
		       ", clean DRx %s\n", vmcb_hw_get(&s->vmcb, DR6), icpt & 0xFFFF, (icpt >> 16) & 0xFFFF,
		       vmcb_hw_get(&s->vmcb, VMCB_CLEAN) & VMCB_CLEAN_DR ? "yes" : "no");
	}
	if (d) {
		char b[80];
		trace_sdr_names(d->switch_db_regs, b, sizeof(b));
		printf("  switch_db_regs %#x (%s), MOV-DR interception %s\n", d->switch_db_regs, b,
		       d->intercepting ? "on" : "off");
	}
	printf("  the CPU is in %s\n", m->cpu->guest_mode ? "the guest (non-root)" : "the host (root)");
}

static void dreg_final(const struct run_result *r)
{
	dreg_header();
	dr_row("guest (architectural)", r->guest_dr);
	dr_row("hardware (at the end)", r->hw_dr);
	if (strcmp(r->vendor, "none"))
		dr_row("KVM db[]/dr6/dr7", r->hv_dr);
	dr7_row("guest", r->guest_dr[7]);
	dr7_row("hardware", r->hw_dr[7]);
	printf("  (the run has ended: only the final registers are left)\n");
}

static const char *const gpr64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void regs_show(const uint64_t *g, uint64_t rip, bool live, uint64_t rflags)
{
	for (int i = 0; i < 16; i++)
		printf("  %-3s %#18" PRIx64 "%s", gpr64[i], g[i], i % 4 == 3 ? "\n" : "");
	printf("  rip %#18" PRIx64, rip);
	if (live)
		printf("  rflags %#" PRIx64, rflags);
	putchar('\n');
}

/* ---- the prompt ------------------------------------------------------------------- */

/* Read and run commands until one resumes the run.  live: inside the run
 * (rip = the next instruction, or the exit's rip). */
static void prompt(struct step *st, bool live, uint64_t rip)
{
	char line[256];
	for (;;) {
		printf("hvsim:%u> ", ++st->cmdno);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			putchar('\n');
			st->quit = true;
			return;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (st->echo)
			printf("%s\n", line);
		char *argv[4] = { 0 };
		int argc = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t", &save); tok && argc < 4; tok = strtok_r(NULL, " \t", &save))
			argv[argc++] = tok;
		const char *cmd = argc ? argv[0] : "s";
		if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
			st->quit = true;
			return;
		}
		if (!strcmp(cmd, "help") || !strcmp(cmd, "h") || !strcmp(cmd, "?")) {
			fputs(st->help, stdout);
			continue;
		}
		if (!strcmp(cmd, "dreg")) {
			if (live)
				dreg_live(st);
			else
				dreg_final(st->res);
			continue;
		}
		if (!strcmp(cmd, "r")) {
			if (live) {
				uint64_t g[16];
				for (int i = 0; i < 16; i++)
					g[i] = engine_gpr(st->m.guest, i);
				regs_show(g, rip, true, engine_rflags(st->m.guest));
			} else {
				regs_show(st->res->gprs, st->res->guest_rip, false, 0);
			}
			continue;
		}
		if (!strcmp(cmd, "trace")) {
			if (argc == 2 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off"))) {
				st->trace = !strcmp(argv[1], "on");
				printf("  trace %s\n", st->trace ? "on" : "off");
			} else {
				printf("  usage: trace on|off\n");
			}
			continue;
		}
		bool resumes = !strcmp(cmd, "s") || !strcmp(cmd, "step") || !strcmp(cmd, "c") ||
			       !strcmp(cmd, "continue") || !strcmp(cmd, "until");
		if (!resumes) {
			printf("  unknown command '%s' (type help)\n", cmd);
			continue;
		}
		if (!live) {
			printf("  the run has ended (q to quit)\n");
			continue;
		}
		if (!strcmp(cmd, "s") || !strcmp(cmd, "step")) {
			unsigned long long n = 1;
			if (argc > 1 && (verb_number(argv[1], &n) || n == 0)) {
				printf("  usage: s [n], n >= 1\n");
				continue;
			}
			st->mode = M_STEP;
			st->left = n;
			return;
		}
		if (!strcmp(cmd, "c") || !strcmp(cmd, "continue")) {
			st->mode = M_CONT;
			return;
		}
		/* until */
		if (argc >= 2 && !strcmp(argv[1], "exit")) {
			st->mode = M_UNTIL_EXIT;
			snprintf(st->until_reason, sizeof(st->until_reason), "%s", argc > 2 ? argv[2] : "");
			return;
		}
		unsigned long long a;
		if (argc == 3 && !strcmp(argv[1], "rip") && !verb_number(argv[2], &a)) {
			st->mode = M_UNTIL_RIP;
			st->until_rip = a;
			return;
		}
		printf("  usage: until exit [REASON] | until rip ADDR\n");
	}
}

static void where(struct step *st, uint64_t rip)
{
	char text[96];
	if (engine_disasm(st->m.guest, rip, text, sizeof(text)))
		snprintf(text, sizeof(text), "(cannot decode)");
	printf("  next: %#" PRIx64 "  %s   (%" PRIu64 " guest instructions so far)\n", rip, text, st->insns);
}

static void on_insn(void *ctx, struct engine *e, uint64_t rip)
{
	struct step *st = ctx;
	if (st->quit) {
		engine_request_stop(e, STOP_BUDGET, "stopped at the user's request (q)");
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
	if (stop) {
		where(st, rip);
		prompt(st, true, rip);
		if (st->quit) {
			engine_request_stop(e, STOP_BUDGET, "stopped at the user's request (q)");
			return;
		}
	}
	st->insns++;
}

static void sink(void *ctx, const struct sim_event *ev)
{
	struct step *st = ctx;
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
	if (st->mode == M_UNTIL_EXIT && ev->id == EV_EXIT && !st->quit &&
	    (!st->until_reason[0] || (ev->s && !strcasecmp(ev->s, st->until_reason)))) {
		printf("  stopped at the VM exit (%s at %#" PRIx64 "), before the hypervisor handles it\n",
		       ev->s ? ev->s : "?", ev->a);
		st->mode = M_CONT;
		prompt(st, true, ev->a);
		if (st->quit)
			engine_request_stop(st->m.guest, STOP_BUDGET, "stopped at the user's request (q)");
	}
}

static void attach(void *ctx, const struct run_machine *m)
{
	struct step *st = ctx;
	st->m = *m;
	st->attached = true;
	engine_set_insn_observer(m->guest, on_insn, st);
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
	const char *pol = verb_policy(sc, policy);
	struct step st = { .mode = M_STEP, .left = 1, .echo = !isatty(STDIN_FILENO),
			  .help = spec->help };
	printf("hvsim step: scenario %s, policy %s on %s; 'help' lists the commands\n",
	       sc->name && *sc->name ? sc->name : pos[0], pol, scenario_vendor_name(ven));
	struct run_config cfg = { .policy = pol, .vendor = ven, .trace = sink, .trace_ctx = &st, .attach = attach };
	struct run_result res;
	if (sim_run(sc, &cfg, &res, err, sizeof(err))) {
		fflush(stdout);
		fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
		scenario_free(sc);
		return HVSIM_EXIT_ERROR;
	}
	st.res = &res;
	printf("  the run has ended: %s%s%s%s; %" PRIu64 " guest instructions, %" PRIu64 " exits, guest #DB "
	       "delivered %" PRIu64 " missed %" PRIu64 ", host #DB missed %" PRIu64 "\n",
	       engine_stop_name(res.stop), res.stop_msg[0] ? " (" : "", res.stop_msg, res.stop_msg[0] ? ")" : "",
	       res.st.guest_instructions, res.st.exits_total, res.st.db_guest_delivered, res.st.db_guest_missed,
	       res.st.db_host_missed);
	if (!st.quit)
		prompt(&st, false, res.guest_rip);
	run_result_free(&res);
	scenario_free(sc);
	return fflush(stdout) ? HVSIM_EXIT_ERROR : HVSIM_EXIT_OK;
}
