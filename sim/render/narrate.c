/* narrate.c - the plain-words walkthrough of a run (narrate.h).
 *
 * Architectural facts used in the wording:
 *   - VMX exit qualification for MOV DR: bits 2:0 DR number, bit 4
 *     direction (0 = MOV to DR, 1 = MOV from DR), bits 11:8 GPR (SDM Vol.3
 *     "Exit Qualification for MOV DR", Table 28-4 in recent editions;
 *     arch-facts A.4);
 *   - VMX exit qualification for I/O: bits 2:0 size - 1, bit 3 direction
 *     (1 = IN), bit 6 operand encoding (1 = immediate), bits 31:16 port (SDM
 *     Table 28-5);
 *   - for a #DB that causes a VM exit the qualification holds the DR6-format
 *     bits B0-B3, BD, BS instead of DR6 (SDM 27.1 "Architectural State
 *     before a VM Exit");
 *   - DR7 decoding is dr7_describe() (cpu/dr.h). */
#define _GNU_SOURCE                 /* vasprintf */
#include "sim/render/narrate.h"
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/dr.h"
#include "cpu/engine/a64.h"
#include "cpu/engine/engine.h"
#include "debugreg/hv.h"
#include "debugreg/policy.h"
#include "sim/machine.h"

/* ---- collecting -------------------------------------------------------------------- */

void narr_collect_init(struct narr_collect *nc, const char *scenario, const char *policy,
		       const char *vendor, int mode)
{
	memset(nc, 0, sizeof(*nc));
	nc->mode = mode ? mode : 64;
	trace_log_begin(&nc->log, scenario, policy, vendor);
}

void narr_collect_free(struct narr_collect *nc)
{
	trace_log_free(&nc->log);
	free(nc->notes);
	memset(nc, 0, sizeof(*nc));
}

void narr_attach(void *ctx, const struct run_machine *m)
{
	struct narr_collect *nc = ctx;
	nc->m = *m;
	nc->attached = true;
}

static void sample(struct narr_collect *nc, const struct sim_event *ev, struct narr_note *n)
{
	memset(n, 0, sizeof(*n));
	if (!nc->attached)
		return;
	if (nc->m.arm_guest) {
		/* an Arm run (issue 20): the instruction text only */
		if (ev->id == EV_EXIT || ((ev->id == EV_DB || ev->id == EV_DB_MISSED || ev->id == EV_DB_SPURIOUS) && !ev->c))
			if (a64_disasm(nc->m.arm_guest, ev->a, n->insn, sizeof(n->insn)))
				n->insn[0] = '\0';
		return;
	}
	struct engine *g = nc->m.guest;
	struct cpu *cpu = nc->m.cpu;
	void *v = nc->m.v;
	const struct machine *w = nc->m.world;
	if (w && ev->cpu >= 0 && ev->cpu < w->ncpus) {
		/* the host world: the event's CPU, and the vCPU loaded there */
		int i = ev->vcpu >= 0 && ev->vcpu < w->nvcpus ? ev->vcpu : w->cur >= 0 ? w->cur : 0;
		cpu = w->pcpu[ev->cpu].cpu;
		if (w->vcpu[i].eng) {
			g = w->vcpu[i].eng;
			v = w->vcpu[i].v;
		}
	}
	bool host_ctx = (ev->id == EV_DB || ev->id == EV_DB_MISSED || ev->id == EV_DB_SPURIOUS) && ev->c;
	/* a host-context event's instruction is in host memory; without a host
	 * engine (a run with no host code, sim/run.c) there is none to show */
	struct engine *e = host_ctx ? nc->m.host : g;
	if (e && (ev->id == EV_EXIT || ev->id == EV_DB || ev->id == EV_DB_MISSED || ev->id == EV_DB_SPURIOUS)) {
		uint8_t bytes[15];
		size_t k = sizeof(bytes);
		while (k && engine_mem_read(e, ev->a, bytes, k))
			k--;
		if (k && engine_disasm(e, ev->a, n->insn, sizeof(n->insn)))
			n->insn[0] = '\0';
		struct insn_info ii;
		if (ev->id == EV_EXIT && k && engine_classify(bytes, k, nc->mode, &ii) >= 0 &&
		    ii.cls == IC_MOV_DR) {
			n->has_movdr = true;
			n->dr = ii.dr;
			n->write = ii.dr_write;
			n->gpr = ii.gpr;
			n->val = engine_gpr(g, ii.gpr);
		}
	}
	if (ev->id == EV_EXIT || ev->id == EV_ENTRY || ev->id == EV_DB || ev->id == EV_DB_MISSED ||
	    ev->id == EV_DB_SPURIOUS) {
		n->has_dr = true;
		memcpy(n->hw_dr, cpu->dr, sizeof(n->hw_dr));
		memcpy(n->guest_dr, engine_ideal(g)->dr, sizeof(n->guest_dr));
		if (nc->m.vendor) {
			const struct hw_bp_percpu *hw = w && ev->cpu >= 0 && ev->cpu < w->ncpus ? &w->pcpu[ev->cpu].hw
												: &nc->m.vendor->dbg(v)->pcpu->hw;
			for (int i = 0; i < 4; i++)
				n->host_dr[i] = hw->cpu_debugreg[i];
			n->host_dr[7] = hw->cpu_dr7 | DR7_FIXED_1;
		}
	}
}

void narr_sink(void *ctx, const struct sim_event *ev)
{
	struct narr_collect *nc = ctx;
	struct trace_run *run = &nc->log.runs[nc->log.nruns - 1];
	if (ev->id == EV_DR_READ || ev->id == EV_DR_WRITE || ev->id == EV_INSN || ev->id == EV_ARM_DBG_READ ||
	    ev->id == EV_ARM_DBG_WRITE)
		return;                            /* too fine-grained for the story */
	size_t before = run->n;
	if (trace_run_add(run, ev, trace_ev_vcpu(ev), nc->max_events ? nc->max_events : 1000000)) {
		fprintf(stderr, "hvsim: out of memory while collecting the trace\n");
		exit(6);
	}
	if (run->n == before)
		return;
	if (run->n > nc->cap) {
		size_t nc2 = nc->cap ? nc->cap * 2 : 256;
		struct narr_note *nn = realloc(nc->notes, nc2 * sizeof(*nn));
		if (!nn) {
			fprintf(stderr, "hvsim: out of memory while collecting the trace\n");
			exit(6);
		}
		nc->notes = nn;
		nc->cap = nc2;
	}
	sample(nc, ev, &nc->notes[run->n - 1]);
}

/* ---- wording helpers ------------------------------------------------------------------- */

static const char *const gpr64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static void mask_desc(FILE *f, uint64_t mask)
{
	if ((mask & 0xF) == 0xF && !(mask & ~0xCFull)) {
		fputs("DR0-DR3", f);
		if ((mask & 0xC0) == 0xC0)
			fputs(", DR6 and DR7", f);
		else if (mask & 0x40)
			fputs(" and DR6", f);
		else if (mask & 0x80)
			fputs(" and DR7", f);
		return;
	}
	bool first = true;
	for (int i = 0; i < 8; i++)
		if (mask & (1ull << i)) {
			fprintf(f, "%sDR%d", first ? "" : ", ", i);
			first = false;
		}
	if (first)
		fputs("no DRs", f);
}

static void dr6_desc(FILE *f, uint64_t v)
{
	bool any = false;
	for (int i = 0; i < 4; i++)
		if (v & DR6_B(i)) {
			fprintf(f, "%sB%d", any ? "|" : "", i);
			any = true;
		}
	if (v & DR6_BD) { fprintf(f, "%sBD", any ? "|" : ""); any = true; }
	if (v & DR6_BS) { fprintf(f, "%sBS", any ? "|" : ""); any = true; }
	if (v & DR6_BT) { fprintf(f, "%sBT", any ? "|" : ""); any = true; }
	if (!any)
		fputs("no event bits", f);
}

static const char *vector_name(uint64_t v)
{
	switch (v) {
	case 1: return "#DB";
	case 3: return "#BP";
	case 6: return "#UD";
	case 13: return "#GP";
	case 14: return "#PF";
	default: return NULL;
	}
}

static void dr7_words(FILE *f, uint64_t dr7)
{
	char b[128];
	dr7_describe(dr7, b, sizeof(b));
	fprintf(f, "DR7 = 0x%" PRIx64 " [%s]", dr7, b);
}

/* The slots the guest's own DR7 arms whose hardware copy differs. */
static unsigned stale_slots(const uint64_t *guest, const uint64_t *hw)
{
	unsigned bad = 0;
	for (int i = 0; i < 4; i++) {
		struct dr7_slot gs, hs;
		dr7_decode(guest[7], i, &gs);
		if (!gs.enabled)
			continue;
		dr7_decode(hw[7], i, &hs);
		if (!hs.enabled || hs.rw != gs.rw || hs.len != gs.len || hw[i] != guest[i])
			bad |= 1u << i;
	}
	return bad;
}

static void slots_words(FILE *f, unsigned slots, const uint64_t *dr)
{
	bool first = true;
	for (int i = 0; i < 4; i++)
		if (slots & (1u << i)) {
			fprintf(f, "%sDR%d = 0x%" PRIx64, first ? "" : ", ", i, dr[i]);
			first = false;
		}
}

/* "an execute-breakpoint #DB" */
static const char *cause_words(const char *cause)
{
	if (!cause)
		return "a #DB";
	if (!strcmp(cause, "exec"))
		return "an execute-breakpoint #DB";
	if (!strcmp(cause, "data"))
		return "a data-breakpoint #DB";
	if (!strcmp(cause, "single-step"))
		return "a single-step #DB";
	if (!strcmp(cause, "gd"))
		return "a general-detect #DB";
	if (!strcmp(cause, "icebp"))
		return "an ICEBP #DB";
	return "a #DB";
}

static const char *sdr_name(unsigned v, char *b, size_t n)
{
	trace_sdr_names(v, b, n);
	return b;
}

/* ---- paragraphs ---------------------------------------------------------------------------- */

struct builder {
	struct narration *out;
	size_t cap;
	int err;
	uint64_t exit_no;
	bool world;                    /* a run of the host world: say which CPU and vCPU */
	bool arm;                      /* an Arm run: narrate_arm.c's words */
};

static void add(struct builder *b, enum narr_kind k, uint64_t cycle, char *title, char *text)
{
	if (!title || !text) {
		free(title);
		free(text);
		b->err = -1;
		return;
	}
	if (b->out->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		struct narr_para *np = realloc(b->out->p, nc * sizeof(*np));
		if (!np) {
			free(title);
			free(text);
			b->err = -1;
			return;
		}
		b->out->p = np;
		b->cap = nc;
	}
	struct narr_para *p = &b->out->p[b->out->n++];
	p->kind = k;
	p->cycle = cycle;
	p->title = title;
	p->text = text;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* A memstream paragraph. */
struct para { FILE *f; char *buf; size_t len; };

static bool para_open(struct para *p)
{
	p->buf = NULL;
	p->len = 0;
	p->f = open_memstream(&p->buf, &p->len);
	return p->f != NULL;
}

static char *para_close(struct para *p)
{
	if (!p->f)
		return NULL;
	fclose(p->f);
	p->f = NULL;
	/* trim a trailing space */
	while (p->len && p->buf[p->len - 1] == ' ')
		p->buf[--p->len] = '\0';
	return p->buf;
}

static void db_para(struct builder *b, const struct trace_rec *r, const struct narr_note *n)
{
	struct para p;
	if (!para_open(&p)) {
		b->err = -1;
		return;
	}
	bool host = r->ev.c != 0;
	if (b->arm) {
		const char *w = host ? "host" : "guest";
		enum narr_kind k = r->ev.id == EV_DB ? NK_DB : r->ev.id == EV_DB_MISSED ? NK_DB_MISSED : NK_DB_SPURIOUS;
		if (k == NK_DB) b->out->delivered++;
		else if (k == NK_DB_MISSED) b->out->missed++;
		else b->out->spurious++;
		narr_arm_db_words(p.f, r, n, host);
		add(b, k, r->ev.cycle, k == NK_DB ? fmt("Debug exception delivered to the %s", w)
			: k == NK_DB_MISSED ? fmt("MISSED debug exception (%s)", w) : fmt("Spurious debug exception (%s)", w),
		    para_close(&p));
		return;
	}
	const char *who = host ? "host" : "guest";
	const char *cause = r->ev.s ? r->ev.s : "?";
	enum narr_kind k = NK_DB;
	char *title;
	if (r->ev.id == EV_DB) {
		b->out->delivered++;
		title = fmt("#DB delivered to the %s", who);
		char cw[48];
		snprintf(cw, sizeof(cw), "%s", cause_words(cause));
		cw[0] = (char)toupper((unsigned char)cw[0]);
		if (host && r->ev.a == 0) {
			/* a host `touch` event: a data access made outside emulated code */
			fprintf(p.f, "%s reaches the host when it touches its watched memory", cw);
		} else {
			fprintf(p.f, "%s reaches the %s at 0x%" PRIx64, cw, who, r->ev.a);
			if (n && n->insn[0])
				fprintf(p.f, " (`%s`)", n->insn);
		}
		fprintf(p.f, ": its handler runs with DR6 = 0x%" PRIx64 " (", r->ev.b);
		dr6_desc(p.f, r->ev.b);
		fputs(").", p.f);
	} else if (r->ev.id == EV_DB_MISSED) {
		k = NK_DB_MISSED;
		b->out->missed++;
		unsigned slots = (unsigned)r->ev.b & 0xF;
		title = fmt("MISSED #DB (%s)", who);
		fprintf(p.f, "MISSED: at 0x%" PRIx64, r->ev.a);
		if (n && n->insn[0])
			fprintf(p.f, " (`%s`)", n->insn);
		fprintf(p.f, " the %s's own debug registers call for %s", who, cause_words(cause));
		if (n && n->has_dr) {
			const uint64_t *own = host ? n->host_dr : n->guest_dr;
			if (slots) {
				fputs(" (", p.f);
				slots_words(p.f, slots, own);
				fputs(", ", p.f);
				dr7_words(p.f, own[7]);
				fputs("), but the hardware holds ", p.f);
				slots_words(p.f, slots, n->hw_dr);
				fputs(", ", p.f);
				dr7_words(p.f, n->hw_dr[7]);
			} else {
				fputs(", but the hardware does not raise it (hardware ", p.f);
				dr7_words(p.f, n->hw_dr[7]);
				fputc(')', p.f);
			}
		} else {
			fprintf(p.f, " (slots 0x%x), but the hardware does not raise it", slots);
		}
		fprintf(p.f, ". Nothing fires: the %s never sees this breakpoint.", who);
	} else {
		k = NK_DB_SPURIOUS;
		b->out->spurious++;
		title = fmt("Spurious #DB (%s)", who);
		fprintf(p.f, "SPURIOUS: at 0x%" PRIx64 " the hardware raises a #DB (slots 0x%" PRIx64
			") that the %s's own debug registers did not arm", r->ev.a, r->ev.b, who);
		if (n && n->has_dr) {
			fputs(" (its ", p.f);
			dr7_words(p.f, host ? n->host_dr[7] : n->guest_dr[7]);
			fputs("; hardware ", p.f);
			dr7_words(p.f, n->hw_dr[7]);
			fputc(')', p.f);
		}
		fputc('.', p.f);
	}
	add(b, k, r->ev.cycle, title, para_close(&p));
}

static void exit_opening(FILE *f, const struct trace_rec *r, const struct narr_note *n, bool vmx,
			 bool db_inject)
{
	const char *reason = r->ev.s ? r->ev.s : "UNKNOWN";
	uint64_t q = r->ev.c, rip = r->ev.a;
	if (n && n->has_movdr) {
		fprintf(f, "The guest executes `%s` at 0x%" PRIx64 ", ", n->insn[0] ? n->insn : "mov dr", rip);
		if (n->write)
			fprintf(f, "writing DR%d = 0x%" PRIx64 ". ", n->dr, n->val);
		else
			fprintf(f, "reading DR%d into %s. ", n->dr, gpr64[n->gpr & 15]);
		fprintf(f, "MOV-DR exiting is on, so this is a VM exit: %s", reason);
		if (vmx)
			fprintf(f, ", qualification 0x%" PRIx64 " (DR%u, %s, %s)", q, (unsigned)(q & 7),
				(q >> 4) & 1 ? "MOV from DR" : "MOV to DR", gpr64[(q >> 8) & 15]);
		else
			fprintf(f, ", EXITINFO1 0x%" PRIx64, q);
		fputs(". ", f);
		return;
	}
	if (!strcmp(reason, "HLT") || !strcmp(reason, "hlt")) {
		fprintf(f, "The guest executes HLT at 0x%" PRIx64 ": VM exit %s, which ends the run. ", rip, reason);
		return;
	}
	if (!strcmp(reason, "EXCEPTION_NMI") || !strcmp(reason, "excp_db")) {
		if (db_inject || !strcmp(reason, "excp_db") || (vmx && (q & (DR6_B_MASK | DR6_BD | DR6_BS)))) {
			fprintf(f, "A #DB raised while the guest runs at 0x%" PRIx64, rip);
			if (n && n->insn[0])
				fprintf(f, " (`%s`)", n->insn);
			fprintf(f, " is intercepted: VM exit %s", reason);
			if (vmx) {
				fprintf(f, ", qualification 0x%" PRIx64 " (", q);
				dr6_desc(f, q);
				fputs(", the would-be DR6 bits)", f);
			}
			fputs(". ", f);
		} else {
			fprintf(f, "An exception or NMI exits the guest at 0x%" PRIx64 " (%s). ", rip, reason);
		}
		return;
	}
	if (!strcmp(reason, "IO_INSTRUCTION")) {
		fprintf(f, "The guest executes `%s` at 0x%" PRIx64 ": VM exit %s (port 0x%" PRIx64 ", %s, %u byte%s). ",
			n && n->insn[0] ? n->insn : "in/out", rip, reason, (q >> 16) & 0xFFFF,
			(q >> 3) & 1 ? "IN" : "OUT", (unsigned)(q & 7) + 1, (q & 7) ? "s" : "");
		return;
	}
	if (!strcmp(reason, "EXTERNAL_INTERRUPT") || !strcmp(reason, "intr")) {
		fprintf(f, "A host interrupt (the timer) arrives while the guest runs at 0x%" PRIx64 ": VM exit %s. ",
			rip, reason);
		return;
	}
	fprintf(f, "VM exit %s at 0x%" PRIx64, reason, rip);
	if (n && n->insn[0])
		fprintf(f, " (`%s`)", n->insn);
	fprintf(f, ", %s 0x%" PRIx64 ". ", vmx ? "qualification" : "EXITINFO1", q);
}

static void host_words(FILE *f, const struct trace_rec *r)
{
	switch (r->ev.a) {
	case 0: fprintf(f, "The host runs its code snippet %s (at 0x%" PRIx64 "). ", r->ev.s ? r->ev.s : "?", r->ev.b); break;
	case 1: fprintf(f, "The host installs a hardware breakpoint at 0x%" PRIx64 ". ", r->ev.b); break;
	case 2: fprintf(f, "The host removes its breakpoint in slot %" PRIu64 ". ", r->ev.b); break;
	case 3: fprintf(f, "The host touches memory at 0x%" PRIx64 ". ", r->ev.b); break;
	default: fprintf(f, "Host activity %s. ", r->ev.s ? r->ev.s : "?"); break;
	}
}

/* The host world (scenarios/README.md): scheduling between an exit and the
 * next entry - preempt notifiers (kvm_sched_out -> kvm_arch_vcpu_put,
 * kvm_sched_in -> kvm_arch_vcpu_load), the context switch, IPIs. */
static void sched_words(FILE *f, const struct trace_rec *r)
{
	int c = r->ev.cpu;
	switch (r->ev.id) {
	case EV_VCPU_PUT:
		fprintf(f, "The scheduler takes CPU %d from vCPU %u's thread: kvm_sched_out -> kvm_arch_vcpu_put "
			   "(vcpu_put). ", c, r->vcpu);
		break;
	case EV_SCHED:
		fprintf(f, "CPU %d switches to task %s (switch_to). ", c, r->ev.s ? r->ev.s : "?");
		break;
	case EV_VCPU_LOAD:
		if ((int64_t)r->ev.a < 0)
			fprintf(f, "vCPU %u's thread starts on CPU %d: vcpu_load (%s). ", r->vcpu, c,
				r->ev.s ? r->ev.s : "KVM_RUN");
		else if ((int64_t)r->ev.a != c)
			fprintf(f, "vCPU %u's thread is scheduled in on CPU %d, having last run on CPU %" PRId64
				   ": kvm_sched_in -> kvm_arch_vcpu_load, a migration - this CPU's debug registers "
				   "hold what its own tasks and breakpoints left there, not what vCPU %u left on CPU %"
				   PRId64 ". ", r->vcpu, c, (int64_t)r->ev.a, r->vcpu, (int64_t)r->ev.a);
		else
			fprintf(f, "vCPU %u's thread is scheduled in again on CPU %d: kvm_sched_in -> "
				   "kvm_arch_vcpu_load; whatever ran here in between may have changed the debug "
				   "registers. ", r->vcpu, c);
		break;
	case EV_IPI:
		fprintf(f, "An IPI from CPU %" PRIu64 " makes CPU %d %s a host breakpoint (slot %" PRId64 ") in IRQ "
			   "context: no vcpu_put, no vcpu_load - KVM is not told. ", r->ev.a, c,
			r->ev.s && !strcmp(r->ev.s, "remove") ? "remove" : "install", (int64_t)r->ev.b);
		break;
	default:
		break;
	}
}

/* The hypervisor's work between an exit (or the start) and the next entry,
 * records [i, end).  Returns through *sets the switch_db_regs bits set. */
static void handler_words(FILE *f, const struct trace_run *run, size_t i, size_t end, unsigned *set_bits,
			  bool *loaded)
{
	char b1[64], b2[64];
	bool arm = !strcmp(run->vendor, "arm");
	for (size_t k = i; k < end; k++) {
		const struct trace_rec *r = &run->r[k];
		if (arm && narr_arm_event(f, r))
			continue;
		switch (r->ev.id) {
		case EV_DR_SAVE:
			fputs("KVM reads the guest's ", f);
			mask_desc(f, r->ev.a & 0x4F);
			fprintf(f, " back from the hardware (%s). ", r->ev.s ? r->ev.s : "sync");
			break;
		case EV_DR_RESTORE:
			fprintf(f, "The host's debug registers are put back (%s). ", r->ev.s ? r->ev.s : "restore");
			break;
		case EV_INTERCEPT:
			if (r->ev.a)
				fprintf(f, "MOV-DR exiting is switched back on (%s). ", r->ev.s ? r->ev.s : "");
			else
				fprintf(f, "MOV-DR exiting is switched off (%s): the guest's next DR accesses run "
					   "without exits. ", r->ev.s ? r->ev.s : "");
			break;
		case EV_FLAGS:
			*set_bits |= (unsigned)(r->ev.b & ~r->ev.a);
			fprintf(f, "switch_db_regs goes from %s to %s (%s). ", sdr_name((unsigned)r->ev.a, b1, sizeof(b1)),
				sdr_name((unsigned)r->ev.b, b2, sizeof(b2)), r->ev.s ? r->ev.s : "");
			break;
		case EV_INJECT: {
			const char *vn = vector_name(r->ev.a);
			if (vn)
				fprintf(f, "KVM queues %s for the guest", vn);
			else
				fprintf(f, "KVM queues exception vector %" PRIu64 " for the guest", r->ev.a);
			if (r->ev.a == 1) {
				fprintf(f, " (payload 0x%" PRIx64 ": ", r->ev.b);
				dr6_desc(f, r->ev.b);
				fputc(')', f);
			}
			fputs(". ", f);
			break;
		}
		case EV_HOST:
			host_words(f, r);
			break;
		case EV_VCPU_PUT:
		case EV_SCHED:
		case EV_VCPU_LOAD:
		case EV_IPI:
			sched_words(f, r);
			break;
		case EV_DR_LOAD: {
			*loaded = true;
			fputs("Before entering, KVM loads the guest's ", f);
			mask_desc(f, r->ev.a);
			fputs(" into the hardware", f);
			if (r->ev.s && strcmp(r->ev.s, "always")) {
				fprintf(f, " because switch_db_regs has %s", r->ev.s);
				unsigned bit = 0;
				static const struct { const char *n; unsigned b; } t[] = {
					{ "BP_ENABLED", KVM_DEBUGREG_BP_ENABLED }, { "WONT_EXIT", KVM_DEBUGREG_WONT_EXIT },
					{ "RELOAD", KVM_DEBUGREG_RELOAD }, { "NEED_RELOAD", KVM_DEBUGREG_NEED_RELOAD },
					{ "DIRTY", KVM_DEBUGREG_DIRTY },
				};
				for (size_t q = 0; q < sizeof(t) / sizeof(t[0]); q++)
					if (!strcmp(t[q].n, r->ev.s))
						bit = t[q].b;
				if (bit & *set_bits)
					fputs(", which the handler has just set", f);
			} else {
				fputs(" (this policy loads them on every entry)", f);
			}
			fputs(". ", f);
			break;
		}
		case EV_DB:
			if (!r->ev.c)
				fprintf(f, "The queued #DB is delivered to the guest's handler on entry (DR6 = 0x%" PRIx64
					"). ", r->ev.b);
			break;
		case EV_ENTRY_FAIL:
			fputs("The VM entry fails its checks (invalid guest state): the run ends. ", f);
			break;
		default:
			break;
		}
	}
}

/* Warn when the guest resumes with hardware DRs that do not match the
 * breakpoints its own DR7 arms. */
static void stale_words(FILE *f, const struct narr_note *nn, bool loaded)
{
	if (nn && nn->has_dr) {
		unsigned stale = stale_slots(nn->guest_dr, nn->hw_dr);
		if (stale) {
			fprintf(f, "Careful: %sthe guest's own registers arm ", loaded ? "" : "no DR load on this entry, and ");
			slots_words(f, stale, nn->guest_dr);
			fputs(" (", f);
			dr7_words(f, nn->guest_dr[7]);
			fputs("), but it runs with hardware ", f);
			slots_words(f, stale, nn->hw_dr);
			fputs(", ", f);
			dr7_words(f, nn->hw_dr[7]);
			fputs(": that breakpoint cannot fire until the registers are reloaded. ", f);
		}
	}
}

static void entry_words(FILE *f, const struct trace_rec *ex, const struct trace_rec *en,
			const struct narr_note *nn, bool loaded, bool intercept_off, bool reexec_movdr)
{
	if (!en)
		return;
	bool again = ex && en->ev.a == ex->ev.a;
	if (again)
		fprintf(f, "The guest re-enters at the same instruction (0x%" PRIx64 ")%s. ", en->ev.a,
			intercept_off ? ", which now runs without an exit" : "");
	else
		fprintf(f, "The guest resumes at 0x%" PRIx64 ". ", en->ev.a);
	/* Re-executing a MOV to DR: the guest's architectural registers
	 * already hold the value it is about to write, the hardware not yet. */
	if (!(again && reexec_movdr))
		stale_words(f, nn, loaded);
}

static bool has_inject_db(const struct trace_run *run, size_t i, size_t end)
{
	for (size_t k = i; k < end; k++)
		if (run->r[k].ev.id == EV_INJECT && run->r[k].ev.a == 1)
			return true;
	return false;
}

static bool intercept_turned_off(const struct trace_run *run, size_t i, size_t end)
{
	bool off = false;
	for (size_t k = i; k < end; k++)
		if (run->r[k].ev.id == EV_INTERCEPT)
			off = run->r[k].ev.a == 0;
	return off;
}

static void guest_para(struct builder *b, const struct trace_run *run, size_t i, size_t end)
{
	size_t nmov = 0;
	for (size_t k = i; k < end; k++)
		if (run->r[k].ev.id == EV_GUEST_MOVDR)
			nmov++;
	if (!nmov)
		return;
	struct para p;
	if (!para_open(&p)) {
		b->err = -1;
		return;
	}
	fputs("Running without exits, the guest ", p.f);
	size_t shown = 0;
	for (size_t k = i; k < end; k++) {
		const struct trace_rec *r = &run->r[k];
		if (r->ev.id != EV_GUEST_MOVDR)
			continue;
		if (shown == 8) {
			fprintf(p.f, ", and %zu more", nmov - shown);
			break;
		}
		bool w = r->ev.s && r->ev.s[0] == 'W';
		fprintf(p.f, "%s%s DR%" PRIu64 " %s 0x%" PRIx64 " (at 0x%" PRIx64 ")",
			shown ? (shown + 1 == nmov ? " and " : ", ") : "", w ? "writes" : "reads", r->ev.b,
			w ? "=" : "as", r->ev.c, r->ev.a);
		shown++;
	}
	fputs(" directly in the hardware debug registers.", p.f);
	add(b, NK_GUEST, run->r[i].ev.cycle, fmt("Guest DR accesses without exits"), para_close(&p));
}

static void flush_db_and_viol(struct builder *b, const struct trace_run *run, const struct narr_note *notes,
			      size_t i, size_t end, bool in_handler)
{
	for (size_t k = i; k < end; k++) {
		const struct trace_rec *r = &run->r[k];
		if (r->ev.id == EV_DB_MISSED || r->ev.id == EV_DB_SPURIOUS ||
		    (r->ev.id == EV_DB && (!in_handler || r->ev.c)))
			db_para(b, r, notes ? &notes[k] : NULL);
		else if (r->ev.id == EV_DB && in_handler)
			b->out->delivered++;
		else if (r->ev.id == EV_VIOLATION)
			add(b, NK_VIOLATION, r->ev.cycle, fmt("Violation: %s", r->ev.s ? r->ev.s : "?"),
			    fmt("The correctness checker flags %s at 0x%" PRIx64 " (slot %" PRId64
				"); see the result's violations list for the details.",
				r->ev.s ? r->ev.s : "?", r->ev.a, (int64_t)r->ev.b));
	}
}

static void start_para(struct builder *b, const struct trace_run *run, const struct narr_note *notes,
		       size_t first_entry)
{
	struct para p;
	if (!para_open(&p)) {
		b->err = -1;
		return;
	}
	const struct policy *pol = policy_find(run->policy);
	fprintf(p.f, "Scenario %s runs under policy %s on %s", run->scenario, run->policy,
		!strcmp(run->vendor, "svm") ? "SVM" : !strcmp(run->vendor, "vmx") ? "VMX"
		: !strcmp(run->vendor, "arm") ? "the Arm CPU (KVM/arm)" : "bare metal");
	if (pol && pol->summary)
		fprintf(p.f, " (%s)", pol->summary);
	else if (!pol && strcmp(run->vendor, "none"))
		fputs(" (a variant defined by the scenario)", p.f);
	fputs(". ", p.f);
	unsigned set = 0;
	bool loaded = false;
	handler_words(p.f, run, 0, first_entry, &set, &loaded);
	if (first_entry < run->n && run->r[first_entry].ev.id == EV_ENTRY) {
		fprintf(p.f, "The first VM entry starts the guest at 0x%" PRIx64 ". ", run->r[first_entry].ev.a);
		stale_words(p.f, notes ? &notes[first_entry] : NULL, loaded);
	}
	add(b, NK_START, 0, fmt("Start"), para_close(&p));
}

static void exit_para(struct builder *b, const struct trace_run *run, const struct narr_note *notes,
		      size_t i, size_t end)
{
	const struct trace_rec *ex = &run->r[i];
	const struct trace_rec *en = end < run->n && run->r[end].ev.id == EV_ENTRY ? &run->r[end] : NULL;
	struct para p;
	if (!para_open(&p)) {
		b->err = -1;
		return;
	}
	bool vmx = !strcmp(run->vendor, "vmx");
	b->exit_no++;
	b->out->exits++;
	if (b->arm)
		narr_arm_exit_opening(p.f, ex, notes ? &notes[i] : NULL);
	else
		exit_opening(p.f, ex, notes ? &notes[i] : NULL, vmx, has_inject_db(run, i, end));
	unsigned set = 0;
	bool loaded = false;
	handler_words(p.f, run, i + 1, end, &set, &loaded);
	entry_words(p.f, ex, en, en && notes ? &notes[end] : NULL, loaded, intercept_turned_off(run, i, end),
		    notes && notes[i].has_movdr && notes[i].write);
	if (b->world)
		add(b, NK_EXIT, ex->ev.cycle,
		    fmt("Exit %" PRIu64 ": %s at 0x%" PRIx64 " (vCPU %u on CPU %d)", b->exit_no,
			ex->ev.s ? ex->ev.s : "?", ex->ev.a, ex->vcpu, ex->ev.cpu),
		    para_close(&p));
	else
		add(b, NK_EXIT, ex->ev.cycle,
		    fmt("Exit %" PRIu64 ": %s at 0x%" PRIx64, b->exit_no, ex->ev.s ? ex->ev.s : "?", ex->ev.a),
		    para_close(&p));
}

static void end_para(struct builder *b, const struct run_result *res)
{
	struct para p;
	if (!para_open(&p)) {
		b->err = -1;
		return;
	}
	const struct stats *s = &res->st;
	fprintf(p.f, "The run ends: the guest stopped (%s%s%s). In all: %" PRIu64 " VM exit%s", engine_stop_name(res->stop),
		res->stop_msg[0] ? ": " : "", res->stop_msg, s->exits_total, s->exits_total == 1 ? "" : "s");
	bool first = true;
	for (unsigned i = 0; i < EXIT_SLOTS; i++) {
		if (!s->exits[i].count)
			continue;
		const char *nm = res->exit_names && i < res->nexit_names && res->exit_names[i] ? res->exit_names[i] : "?";
		fprintf(p.f, "%s%" PRIu64 " %s", first ? " (" : ", ", s->exits[i].count, nm);
		first = false;
	}
	bool arm = res->arm_brps != 0;
	fprintf(p.f, "%s, %" PRIu64 " %s, %" PRIu64 " host %s. Guest %s: %" PRIu64
		" delivered, %" PRIu64 " missed, %" PRIu64 " spurious; host %s: %" PRIu64 " delivered, %" PRIu64
		" missed.", first ? "" : ")", s->dr_guest_loads, arm ? "switches to the guest's registers" : "guest DR loads",
		s->dr_host_restores, arm ? "restores" : "DR restores", arm ? "debug exceptions" : "#DBs",
		s->db_guest_delivered, s->db_guest_missed, s->db_guest_spurious, arm ? "debug exceptions" : "#DBs",
		s->db_host_delivered, s->db_host_missed);
	if (s->db_guest_missed || s->db_host_missed)
		fputs(" The missed breakpoints are the bug this policy shows.", p.f);
	add(b, NK_END, s->cycles_total, fmt("End"), para_close(&p));
}

/* Collapse repeated blocks: paragraphs [i, i+len) equal (kind and text) to
 * the following block(s). */
static bool para_eq(const struct narr_para *a, const struct narr_para *b)
{
	return a->kind == b->kind && !strcmp(a->text, b->text);
}

static int collapse(struct narration *n)
{
	struct narr_para *out = calloc(n->n + 1, sizeof(*out));
	if (!out)
		return -1;
	size_t no = 0, i = 0;
	while (i < n->n) {
		size_t best_len = 0, best_reps = 0;
		for (size_t len = 1; len <= 8 && i + 2 * len <= n->n; len++) {
			size_t reps = 0;
			while (i + (reps + 2) * len <= n->n) {
				bool same = true;
				for (size_t k = 0; k < len && same; k++)
					same = para_eq(&n->p[i + k], &n->p[i + (reps + 1) * len + k]);
				if (!same)
					break;
				reps++;
			}
			if (reps && reps * len > best_reps * best_len) {
				best_len = len;
				best_reps = reps;
			}
		}
		if (!best_reps || n->p[i].kind == NK_START || n->p[i].kind == NK_END) {
			out[no++] = n->p[i++];
			continue;
		}
		for (size_t k = 0; k < best_len; k++)
			out[no++] = n->p[i + k];
		size_t s0 = i + best_len, s1 = i + (best_reps + 1) * best_len;
		uint64_t exits = 0, c0 = n->p[s0].cycle, c1 = n->p[s1 - 1].cycle;
		for (size_t k = s0; k < s1; k++) {
			if (n->p[k].kind == NK_EXIT)
				exits++;
			free(n->p[k].title);
			free(n->p[k].text);
		}
		struct narr_para *rp = &out[no++];
		rp->kind = NK_REPEAT;
		rp->cycle = c0;
		rp->title = fmt("The same again, %zu more time%s", best_reps, best_reps == 1 ? "" : "s");
		if (best_len == 1)
			rp->text = fmt("The paragraph above repeats %zu more time%s, identically (%" PRIu64 " exit%s, "
				       "cycles %" PRIu64 " to %" PRIu64 ").", best_reps, best_reps == 1 ? "" : "s", exits,
				       exits == 1 ? "" : "s", c0, c1);
		else
			rp->text = fmt("The last %zu paragraphs repeat %zu more time%s, identically (%" PRIu64 " exit%s, "
				       "cycles %" PRIu64 " to %" PRIu64 ").", best_len, best_reps, best_reps == 1 ? "" : "s",
				       exits, exits == 1 ? "" : "s", c0, c1);
		if (!rp->title || !rp->text) {
			free(out);
			return -1;
		}
		i = s1;
	}
	free(n->p);
	n->p = out;
	n->n = no;
	return 0;
}

int narrate(const struct trace_run *run, const struct narr_note *notes, const struct run_result *res,
	    struct narration *out)
{
	memset(out, 0, sizeof(*out));
	struct builder b = { .out = out, .world = trace_run_world(run), .arm = !strcmp(run->vendor, "arm") };
	size_t first_entry = 0;
	while (first_entry < run->n && run->r[first_entry].ev.id != EV_ENTRY)
		first_entry++;
	bool bare = !strcmp(run->vendor, "none") || !run->vendor[0];
	if (bare)
		first_entry = 0;
	start_para(&b, run, notes, first_entry);
	flush_db_and_viol(&b, run, notes, 0, first_entry, true);
	size_t i = first_entry < run->n && !bare ? first_entry + 1 : first_entry;
	while (i < run->n && !b.err) {
		/* guest phase: up to the next exit */
		size_t g = i;
		while (i < run->n && run->r[i].ev.id != EV_EXIT && run->r[i].ev.id != EV_ENTRY_FAIL)
			i++;
		guest_para(&b, run, g, i);
		flush_db_and_viol(&b, run, notes, g, i, false);
		if (i >= run->n)
			break;
		/* exit episode: up to the next entry */
		size_t e = i + 1;
		while (e < run->n && run->r[e].ev.id != EV_ENTRY)
			e++;
		if (run->r[i].ev.id == EV_EXIT)
			exit_para(&b, run, notes, i, e);
		else {
			struct para p;
			if (para_open(&p)) {
				unsigned set = 0;
				bool loaded = false;
				handler_words(p.f, run, i, e, &set, &loaded);
				add(&b, NK_EXIT, run->r[i].ev.cycle, fmt("VM entry failure"), para_close(&p));
			}
		}
		flush_db_and_viol(&b, run, notes, i + 1, e, true);
		i = e < run->n ? e + 1 : e;
	}
	if (run->dropped && !b.err)
		add(&b, NK_VIOLATION, 0, fmt("Trace truncated"),
		    fmt("Only the first %zu events were kept; %" PRIu64 " later events are not told.", run->n,
			run->dropped));
	if (res && !b.err)
		end_para(&b, res);
	if (!b.err && collapse(out))
		b.err = -1;
	if (b.err)
		narration_free(out);
	return b.err;
}

void narration_free(struct narration *n)
{
	for (size_t i = 0; i < n->n; i++) {
		free(n->p[i].title);
		free(n->p[i].text);
	}
	free(n->p);
	memset(n, 0, sizeof(*n));
}

const char *narr_kind_name(enum narr_kind k)
{
	static const char *const names[] = { "start", "entry", "exit", "guest", "db", "db-missed", "db-spurious",
					     "host", "violation", "repeat", "end" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void wrap(FILE *f, const char *s, int width, int indent)
{
	int col = 0;
	while (*s) {
		size_t w = strcspn(s, " ");
		if (col > indent && col + 1 + (int)w > width) {
			fputc('\n', f);
			col = 0;
		}
		if (col == 0) {
			fprintf(f, "%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, w, f);
		col += (int)w;
		s += w;
		while (*s == ' ')
			s++;
	}
	if (col)
		fputc('\n', f);
}

void narration_text(FILE *f, const struct narration *n, int width)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct narr_para *p = &n->p[i];
		if (i)
			fputc('\n', f);
		if (p->kind == NK_START || p->kind == NK_REPEAT)
			fprintf(f, "%s\n", p->title);
		else
			fprintf(f, "[cycle %" PRIu64 "] %s\n", p->cycle, p->title);
		wrap(f, p->text, width, 2);
	}
}
