/* step_cmds.c - the commands of `hvsim step` (the session is cmd_step.c):
 * gdb's and the Bochs debugger's words over one run.
 *
 *   s [N]  c  until exit [REASON]  until rip ADDR      resume
 *   b ADDR  d [N]...  info b                            debugger breakpoints
 *   x/NFU ADDR  disas [ADDR] [N]                        memory, code
 *   info dr|vmcs|policy|regs|exits  dreg  regs          state
 *   info cpus  info dr cpu N  dreg N                    the host world's CPUs
 *   trace on|off  r  help  q
 *
 * ADDR is a number, a label of the scenario's asm (LABEL, LABEL+N,
 * LABEL-N) or $rip/$pc/$rsp/$rax...  Every command checks all of its
 * arguments before it does anything: a bad one prints one line
 * "  error: ..." and leaves the machine, the position and the breakpoints
 * as they were. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cpu/dr.h"
#include "debugreg/core.h"
#include "debugreg/hv.h"
#include "sim/cli/disasm.h"
#include "sim/cli/step.h"
#include "sim/cli/verb.h"
#include "sim/machine.h"
#include "sim/render/trace.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

#define MAX_ARGS 8
#define X_MAX_BYTES 4096               /* x: at most this much memory at once */
#define DISAS_DEFAULT 8
#define DISAS_MAX 1000
#define WIDTH 100                      /* no line of state is wider */

enum { STAY = 0, RESUME = 1 };

/* The one error line of a bad command: perr() returns -1 (for the
 * argument parsers), err() STAY (for the commands). */
static int perr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int perr(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("  error: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	return -1;
}
#define err(...) (perr(__VA_ARGS__), STAY)

static const char *const gpr64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				       "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static const struct code_block *code(const struct step *st)
{
	return &st->sc->guest.code;
}

static bool in_code(const struct step *st, uint64_t a)
{
	const struct code_block *cb = code(st);
	return a >= cb->base && a - cb->base < cb->size;
}

/* ---- addresses and labels ---------------------------------------------------- */

void step_symbolize(const struct step *st, uint64_t addr, char *buf, size_t size)
{
	const struct code_block *cb = code(st);
	const struct symbol *best = NULL;
	buf[0] = '\0';
	if (!in_code(st, addr))
		return;
	for (size_t i = 0; i < cb->nsyms; i++) {
		const struct symbol *s = &cb->syms[i];
		if (s->name && s->addr <= addr && (!best || s->addr > best->addr ||
						   (s->addr == best->addr && strcmp(s->name, best->name) < 0)))
			best = s;
	}
	if (best && best->addr == addr)
		snprintf(buf, size, "<%s>", best->name);
	else if (best)
		snprintf(buf, size, "<%s+%#" PRIx64 ">", best->name, addr - best->addr);
}

/* The machine as physical CPU `c` sees it (-1: the CPU of the vCPU whose
 * slice runs now): its hardware, and the vCPU loaded there (else the
 * current one).  Without the host world: st->m (CPU 0, vCPU 0). */
static struct run_machine view(const struct step *st, int c)
{
	struct run_machine m = st->m;
	const struct machine *w = st->m.world;
	if (!w || !st->live)
		return m;
	int i = w->cur >= 0 ? w->cur : 0;
	if (c < 0 || c >= w->ncpus)
		c = w->vcpu[i].thread->cpu >= 0 ? w->vcpu[i].thread->cpu : 0;
	m.cpu = w->pcpu[c].cpu;
	if (m.cpu->vcpu >= 0 && m.cpu->vcpu < w->nvcpus)
		i = m.cpu->vcpu;
	if (w->vcpu[i].eng) {
		m.guest = w->vcpu[i].eng;
		m.v = w->vcpu[i].v;
	}
	return m;
}

static uint64_t reg_value(const struct step *st, int gpr)
{
	return st->live ? engine_gpr(view(st, -1).guest, gpr) : st->res->gprs[gpr];
}

/* ADDR: a number, $REG, LABEL, LABEL+N or LABEL-N.  0, or -1 after an
 * error line. */
static int parse_addr(const struct step *st, const char *s, uint64_t *out)
{
	unsigned long long v;
	if (!verb_number(s, &v)) {
		*out = v;
		return 0;
	}
	if (s[0] == '$') {
		if (!strcasecmp(s + 1, "rip") || !strcasecmp(s + 1, "pc")) {
			*out = st->rip;
			return 0;
		}
		for (int i = 0; i < 16; i++)
			if (!strcasecmp(s + 1, gpr64[i])) {
				*out = reg_value(st, i);
				return 0;
			}
		return perr("unknown register '%s' ($rip, $pc, $rax ... $r15)", s);
	}
	size_t n = strcspn(s, "+-");
	unsigned long long off = 0;
	if (s[n] && (verb_number(s + n + 1, &off) || !n))
		return perr("bad address '%s' (a number, LABEL, LABEL+N or $REG)", s);
	const struct code_block *cb = code(st);
	for (size_t i = 0; i < cb->nsyms; i++)
		if (cb->syms[i].name && strlen(cb->syms[i].name) == n && !strncmp(cb->syms[i].name, s, n)) {
			*out = s[n] == '-' ? cb->syms[i].addr - off : cb->syms[i].addr + off;
			return 0;
		}
	if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '.')
		return perr("bad address '%s' (a number, LABEL, LABEL+N or $REG)", s);
	return perr("no label '%.*s' in the scenario's asm", (int)(n > 64 ? 64 : n), s);
}

/* A count argument in [1, max]. */
static int parse_count(const char *s, unsigned long long max, const char *what, unsigned long long *out)
{
	if (verb_number(s, out) || *out == 0 || *out > max)
		return perr("bad %s '%s' (1 to %llu)", what, s, max);
	return 0;
}

/* ---- memory ------------------------------------------------------------------- */

/* n bytes at addr: live from the guest, after the run from the copy of the
 * code and data regions the result keeps.  0 or -1 (nothing printed). */
static int read_mem(const struct step *st, uint64_t addr, uint8_t *buf, size_t n)
{
	if (st->live)
		return engine_mem_read(st->m.guest, addr, buf, n);
	const struct run_result *r = st->res;
	for (unsigned i = 0; i < r->nmem_regions; i++) {
		uint64_t ra = r->mem_regions[i].addr, rs = r->mem_regions[i].size;
		if (addr >= ra && addr - ra <= rs && rs - (addr - ra) >= n) {
			memcpy(buf, r->mem_copy + r->mem_regions[i].off + (addr - ra), n);
			return 0;
		}
	}
	return -1;
}

/* x/NFU ADDR: N units of U (b 1, h 2, w 4, g 8 bytes; default 1 w), in hex
 * (F = x, the only format). */
static int cmd_x(struct step *st, const char *fmt, int argc, char **argv)
{
	unsigned long long count = 1;
	unsigned size = 4;
	if (fmt) {
		char *end = (char *)fmt;
		if (isdigit((unsigned char)*fmt)) {
			count = strtoull(fmt, &end, 10);
			if (count == 0 || count > X_MAX_BYTES)
				return err("bad count in 'x/%s' (1 to %d)", fmt, X_MAX_BYTES);
		}
		for (; *end; end++) {
			switch (*end) {
			case 'x': break;
			case 'b': size = 1; break;
			case 'h': size = 2; break;
			case 'w': size = 4; break;
			case 'g': size = 8; break;
			default:
				return err("bad format 'x/%s' (x/N then x and b|h|w|g: x/4x, x/8xb, x/2xg)", fmt);
			}
		}
	}
	if (argc != 2)
		return err("usage: x/NFU ADDR (x/4x 0x80000, x/8xb LABEL, x/2xg $rsp)");
	uint64_t addr;
	if (parse_addr(st, argv[1], &addr))
		return STAY;
	if (count * size > X_MAX_BYTES)
		return err("x/%s reads %llu bytes (at most %d)", fmt, count * size, X_MAX_BYTES);
	size_t n = (size_t)(count * size);
	uint8_t buf[X_MAX_BYTES];
	if (addr + n < addr || read_mem(st, addr, buf, n))
		return err("cannot read %zu bytes at %#" PRIx64 " (%s)", n, addr,
			   st->live ? "not mapped" : "the run has ended: only the code and data regions are kept");
	unsigned per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
	for (size_t i = 0; i < count; i++) {
		uint64_t a = addr + i * size, v = 0;
		for (unsigned b = 0; b < size; b++)
			v |= (uint64_t)buf[i * size + b] << (8 * b);
		if (i % per_line == 0) {
			char sym[96];
			step_symbolize(st, a, sym, sizeof(sym));
			printf("%s  %#018" PRIx64 "%s%s:", i ? "\n" : "", a, *sym ? " " : "", sym);
		}
		printf("  0x%0*" PRIx64, (int)size * 2, v);
	}
	putchar('\n');
	return STAY;
}

/* disas [ADDR] [N]: N instructions (default 8) of the guest code from ADDR
 * (default: where the guest stands), through `hvsim disasm`'s listing. */
static int cmd_disas(struct step *st, int argc, char **argv)
{
	const struct code_block *cb = code(st);
	uint64_t from = st->rip;
	unsigned long long n = DISAS_DEFAULT;
	if (argc > 3)
		return err("usage: disas [ADDR] [N]");
	if (argc > 1 && parse_addr(st, argv[1], &from))
		return STAY;
	if (argc > 2 && parse_count(argv[2], DISAS_MAX, "instruction count", &n))
		return STAY;
	if (!in_code(st, from))
		return err("%#" PRIx64 " is not in the guest code (%#" PRIx64 "-%#" PRIx64 ")", from, cb->base,
			   cb->base + cb->size);
	/* The code as the guest sees it now (it may have written to it). */
	struct code_block now = *cb;
	now.bytes = malloc(cb->size);
	if (!now.bytes || read_mem(st, cb->base, now.bytes, cb->size)) {
		free(now.bytes);
		return err("cannot read the guest code");
	}
	disasm_listing(stdout, &now, st->sc->guest.mode == 32 ? 32 : 64, from, (size_t)n, st->rip);
	free(now.bytes);
	return STAY;
}

/* ---- breakpoints ------------------------------------------------------------------ */

static int cmd_break(struct step *st, int argc, char **argv)
{
	const struct code_block *cb = code(st);
	uint64_t a;
	if (argc != 2)
		return err("usage: b ADDR|LABEL");
	if (parse_addr(st, argv[1], &a))
		return STAY;
	if (!in_code(st, a))
		return err("%#" PRIx64 " is not in the guest code (%#" PRIx64 "-%#" PRIx64 ")", a, cb->base,
			   cb->base + cb->size);
	if (st->nbps == STEP_MAX_BPS)
		return err("too many breakpoints (at most %d; d N deletes one)", STEP_MAX_BPS);
	struct step_bp *bp = &st->bps[st->nbps++];
	*bp = (struct step_bp){ .no = st->next_bp++, .addr = a };
	char sym[96];
	step_symbolize(st, a, sym, sizeof(sym));
	printf("  breakpoint %u at %#" PRIx64 "%s%s\n", bp->no, a, *sym ? " " : "", sym);
	return STAY;
}

static int bp_index(const struct step *st, unsigned long long no)
{
	for (unsigned i = 0; i < st->nbps; i++)
		if (st->bps[i].no == no)
			return (int)i;
	return -1;
}

/* d: every breakpoint; d N...: those (all must exist). */
static int cmd_delete(struct step *st, int argc, char **argv)
{
	if (argc == 1) {
		printf("  deleted %u breakpoint%s\n", st->nbps, st->nbps == 1 ? "" : "s");
		st->nbps = 0;
		return STAY;
	}
	for (int i = 1; i < argc; i++) {
		unsigned long long no;
		if (verb_number(argv[i], &no))
			return err("bad breakpoint number '%s'", argv[i]);
		if (bp_index(st, no) < 0)
			return err("no breakpoint number %s (info b lists them)", argv[i]);
	}
	for (int i = 1; i < argc; i++) {
		unsigned long long no;
		verb_number(argv[i], &no);
		int k = bp_index(st, no);
		if (k < 0)
			continue;              /* the same number twice */
		memmove(&st->bps[k], &st->bps[k + 1], (st->nbps - (unsigned)k - 1) * sizeof(st->bps[0]));
		st->nbps--;
		printf("  deleted breakpoint %llu\n", no);
	}
	return STAY;
}

static void info_breaks(const struct step *st)
{
	if (!st->nbps) {
		printf("  no breakpoints\n");
		return;
	}
	printf("  %-4s %-18s %6s  %s\n", "Num", "Address", "Hits", "What");
	for (unsigned i = 0; i < st->nbps; i++) {
		char sym[96];
		step_symbolize(st, st->bps[i].addr, sym, sizeof(sym));
		printf("  %-4u %#018" PRIx64 " %6" PRIu64 "  %s\n", st->bps[i].no, st->bps[i].addr, st->bps[i].hits,
		       sym);
	}
}

/* ---- state ----------------------------------------------------------------------- */

/* One row per register, one column per view: 5 + 5 x 19 = 100 columns. */
static void dr_table(const char *const *heads, const uint64_t *const *cols, int ncols)
{
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	printf("     ");
	for (int c = 0; c < ncols; c++)
		printf(" %18s", heads[c]);
	putchar('\n');
	for (int i = 0; i < 6; i++) {
		printf("  DR%d", regs[i]);
		for (int c = 0; c < ncols; c++)
			printf(" %#18" PRIx64, cols[c][regs[i]]);
		putchar('\n');
	}
}

static void dr7_row(const char *label, uint64_t dr7)
{
	char b[128];
	dr7_describe(dr7, b, sizeof(b));
	printf("  DR7 %-15s %#18" PRIx64 "  %s\n", label, dr7, b);
}

static void info_dr(const struct step *st, int cpu)
{
	if (!st->live) {
		const struct run_result *r = st->res;
		bool hv = strcmp(r->vendor, "none");
		const char *heads[] = { "guest (arch)", "hardware (end)", "KVM db/dr6/dr7" };
		const uint64_t *cols[] = { r->guest_dr, r->hw_dr, r->hv_dr };
		dr_table(heads, cols, hv ? 3 : 2);
		dr7_row("guest", r->guest_dr[7]);
		dr7_row("hardware", r->hw_dr[7]);
		printf("  (the run has ended: only the final registers are left)\n");
		return;
	}
	const struct run_machine mv = view(st, cpu), *m = &mv;
	if (m->world) {
		const struct machine *w = m->world;
		printf("  CPU %d of %d: task %s, %s\n", m->cpu->id, w->ncpus, w->pcpu[m->cpu->id].curr->name,
		       m->cpu->vcpu >= 0 ? "its vCPU loaded (guest and KVM columns: that vCPU)"
					 : "no vCPU loaded (guest and KVM columns: the vCPU that runs now)");
	}
	const uint64_t *guest = engine_ideal(m->guest)->dr;
	struct dbg *d = m->vendor ? m->vendor->dbg(m->v) : NULL;
	if (d) {
		uint64_t kv[8] = { d->db[0], d->db[1], d->db[2], d->db[3], 0, 0, d->dr6, d->dr7 };
		uint64_t eff[8] = { d->eff_db[0], d->eff_db[1], d->eff_db[2], d->eff_db[3], 0, 0, 0, 0 };
		const struct hw_bp_percpu *hw = m->world ? &m->world->pcpu[m->cpu->id].hw : &d->pcpu->hw;
		uint64_t host[8] = { hw->cpu_debugreg[0], hw->cpu_debugreg[1], hw->cpu_debugreg[2],
				     hw->cpu_debugreg[3], 0, 0, DR6_ACTIVE_LOW, hw->cpu_dr7 | DR7_FIXED_1 };
		const char *heads[] = { "guest (arch)", "hardware (now)", "KVM db/dr6/dr7", "KVM eff_db", "host hw_bp" };
		const uint64_t *cols[] = { guest, m->cpu->dr, kv, eff, host };
		dr_table(heads, cols, 5);
	} else {
		const char *heads[] = { "guest (arch)", "hardware (now)" };
		const uint64_t *cols[] = { guest, m->cpu->dr };
		dr_table(heads, cols, 2);
	}
	printf("  guest (architectural): what the guest wrote; hardware: what the CPU matches now\n");
	dr7_row("guest", guest[7]);
	dr7_row("hardware", m->cpu->dr[7]);
	if (d)
		dr7_row("KVM", d->dr7);
	if (m->vendor && !strcmp(m->vendor->name, "vmx")) {
		const struct vmx *x = m->v;
		uint64_t ctl = vmcs_hw_get(&x->vmcs, CPU_BASED_VM_EXEC_CONTROL);
		uint64_t ent = vmcs_hw_get(&x->vmcs, VM_ENTRY_CONTROLS);
		dr7_row("VMCS GUEST_DR7", vmcs_hw_get(&x->vmcs, GUEST_DR7));
		printf("  VMCS: CPU_BASED_MOV_DR_EXITING %s, VM_ENTRY_LOAD_DEBUG_CONTROLS %s,\n",
		       ctl & CPU_BASED_MOV_DR_EXITING ? "on" : "off", ent & VM_ENTRY_LOAD_DEBUG_CONTROLS ? "on" : "off");
		printf("        GUEST_IA32_DEBUGCTL %#" PRIx64 "\n", vmcs_hw_get(&x->vmcs, GUEST_IA32_DEBUGCTL));
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

/* Every physical CPU of the host world: what runs there and its hardware
 * debug registers (info dr cpu N has the whole table of one). */
static int info_cpus(const struct step *st)
{
	const struct machine *w = st->m.world;
	if (!st->live)
		return err("the run has ended: the CPUs are gone (r restarts)");
	if (!w) {
		printf("  one CPU (the scenario has no host world): info dr\n");
		return STAY;
	}
	printf("  %-3s %-8s %-5s %18s %18s %18s %10s\n", "CPU", "task", "vcpu", "DR0", "DR7", "host cpu_dr7",
	       "DR6");
	for (int c = 0; c < w->ncpus; c++) {
		const struct cpu *k = w->pcpu[c].cpu;
		char v[8];
		snprintf(v, sizeof(v), k->vcpu >= 0 ? "%d" : "-", k->vcpu);
		printf("  %-3d %-8.8s %-5s %#18" PRIx64 " %#18" PRIx64 " %#18" PRIx64 " %#10" PRIx64 "%s\n", c,
		       w->pcpu[c].curr->name, v, k->dr[0], k->dr[7], w->pcpu[c].hw.cpu_dr7, k->dr[6],
		       k->guest_mode ? "  (guest)" : "");
		printf("      DR1-3 %#" PRIx64 " %#" PRIx64 " %#" PRIx64 "\n", k->dr[1], k->dr[2], k->dr[3]);
	}
	int i = w->cur >= 0 ? w->cur : 0;
	printf("  vCPU %d's slice runs now, on CPU %d\n", i, w->vcpu[i].thread->cpu);
	return STAY;
}

/* "cpu N" or "N" after info dr / dreg: the CPU (-1 none given); -2 after an error line. */
static int parse_cpu_arg(const struct step *st, int argc, char **argv, int at)
{
	if (argc <= at)
		return -1;
	const char *a = argv[at];
	if (!strcmp(a, "cpu") && argc == at + 2)
		a = argv[at + 1];
	else if (argc != at + 1)
		return perr("usage: info dr [cpu N]"), -2;
	int n = st->live && st->m.world ? st->m.world->ncpus : 1;
	unsigned long long v;
	if (verb_number(a, &v) || (st->live && v >= (unsigned long long)n))
		return perr("bad CPU '%s' (0 to %d)", a, n - 1), -2;
	if (!st->live)
		return -1;                     /* the run has ended: its final registers */
	return (int)v;
}

static void info_regs(const struct step *st)
{
	for (int i = 0; i < 16; i++)
		printf("  %-3s %#18" PRIx64 "%s", gpr64[i], reg_value(st, i), i % 4 == 3 ? "\n" : "");
	char sym[96];
	step_symbolize(st, st->rip, sym, sizeof(sym));
	printf("  rip %#18" PRIx64, st->rip);
	if (st->live)
		printf("  rflags %#" PRIx64, engine_rflags(view(st, -1).guest));
	printf("%s%s\n", *sym ? "  " : "", sym);
}

/* "  HEAD TEXT", the text's words wrapped at WIDTH columns, 4 spaces in. */
static void wrap(const char *head, const char *text)
{
	int col = printf("  %s", head);
	while (*text) {
		size_t n = strcspn(text, " ");
		if (col > 4 && col + 1 + (int)n > WIDTH)
			col = printf("\n   ") - 1;
		col += printf(" %.*s", (int)n, text);
		text += n;
		text += strspn(text, " ");
	}
	putchar('\n');
}

/* Two fields a line: 2 x 49 columns. */
static void field_cell(unsigned i, const char *name, uint64_t v)
{
	printf("  %-28s %#18" PRIx64 "%s", name, v, i % 2 ? "\n" : "");
}

static int info_vmcs(const struct step *st)
{
	if (!st->m.vendor && st->live)
		return err("bare metal: there is no VMCS or VMCB");
	if (!st->live)
		return err("the run has ended: the %s is gone (r restarts)",
			   strcmp(st->res->vendor, "svm") ? "VMCS" : "VMCB");
	unsigned n;
	if (!strcmp(st->m.vendor->name, "vmx")) {
		const struct vmx *x = st->m.v;
		for (n = 0; n < VMCS_NFIELDS; n++)
			field_cell(n, vmcs_field_name[n], vmcs_hw_get(&x->vmcs, (enum vmcs_field)n));
	} else {
		const struct svm *s = st->m.v;
		for (n = 0; n < VMCB_NFIELDS; n++)
			field_cell(n, vmcb_field_name[n], vmcb_hw_get(&s->vmcb, (enum vmcb_field)n));
	}
	if (n % 2)
		putchar('\n');
	return STAY;
}

static int info_policy(const struct step *st)
{
	if (!st->has_pol)
		return err("bare metal: no hypervisor, no policy");
	char head[160];
	snprintf(head, sizeof(head), "policy %s:", st->pol.name);
	wrap(head, st->pol.summary ? st->pol.summary : "");
	if (st->pol.ref)
		wrap("models", st->pol.ref);
	for (unsigned i = 0; i < policy_knob_count(); i++) {
		char v[64];
		if (policy_knob_format(&st->pol, policy_knob_name(i), v, sizeof(v)) == 0)
			printf("    %-28s %s\n", policy_knob_name(i), v);
	}
	return STAY;
}

static int info_exits(const struct step *st)
{
	if (!st->exit_names)
		return err("bare metal: there are no VM exits");
	int col = printf("  %s exit reasons:", st->vendor);
	for (unsigned i = 0; i < st->nexit_names; i++) {
		const char *n = st->exit_names[i];
		if (!n)
			continue;
		if (col + 1 + (int)strlen(n) > WIDTH)
			col = printf("\n   ") - 1;
		col += printf(" %s", n);
	}
	putchar('\n');
	return STAY;
}

static int cmd_info(struct step *st, int argc, char **argv)
{
	const char *w = argc >= 2 ? argv[1] : "";
	if (!strcmp(w, "dr")) {
		int c = parse_cpu_arg(st, argc, argv, 2);
		if (c >= -1)
			info_dr(st, c);
		return STAY;
	}
	if (!strcmp(w, "cpus"))
		return argc == 2 ? info_cpus(st) : err("usage: info cpus");
	if (argc > 2)
		return err("usage: info b|dr [cpu N]|cpus|vmcs|policy|regs|exits");
	if (!strcmp(w, "b") || !strcmp(w, "break") || !strcmp(w, "breakpoints"))
		info_breaks(st);
	else if (!strcmp(w, "regs") || !strcmp(w, "registers") || !strcmp(w, "r"))
		info_regs(st);
	else if (!strcmp(w, "vmcs") || !strcmp(w, "vmcb"))
		return info_vmcs(st);
	else if (!strcmp(w, "policy"))
		return info_policy(st);
	else if (!strcmp(w, "exits"))
		return info_exits(st);
	else
		return err("usage: info b|dr [cpu N]|cpus|vmcs|policy|regs|exits");
	return STAY;
}

/* ---- resuming -------------------------------------------------------------------- */

static int need_live(const struct step *st)
{
	return st->live ? 0 : perr("the run has ended (r restarts it, q quits)");
}

static int cmd_s(struct step *st, int argc, char **argv)
{
	unsigned long long n = 1;
	if (argc > 2)
		return err("usage: s [N]");
	if (argc == 2 && parse_count(argv[1], UINT64_MAX, "step count", &n))
		return STAY;
	if (need_live(st))
		return STAY;
	st->mode = M_STEP;
	st->left = n;
	return RESUME;
}

static int cmd_c(struct step *st, int argc, char **argv)
{
	if (argc != 1)
		return err("usage: c");
	if (need_live(st))
		return STAY;
	st->mode = M_CONT;
	printf("  continuing (Ctrl-C returns to the prompt)\n");
	fflush(stdout);
	return RESUME;
}

static int cmd_until(struct step *st, int argc, char **argv)
{
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "exit")) {
		const char *reason = NULL;
		if (!st->exit_names)
			return err("bare metal: there are no VM exits");
		if (argc == 3) {
			for (unsigned i = 0; i < st->nexit_names && !reason; i++)
				if (st->exit_names[i] && !strcasecmp(st->exit_names[i], argv[2]))
					reason = st->exit_names[i];
			if (!reason)
				return err("unknown %s exit reason '%.64s' (info exits lists them)", st->vendor, argv[2]);
		}
		if (need_live(st))
			return STAY;
		st->mode = M_UNTIL_EXIT;
		st->until_reason = reason;
		return RESUME;
	}
	if (argc == 3 && !strcmp(argv[1], "rip")) {
		uint64_t a;
		if (parse_addr(st, argv[2], &a) || need_live(st))
			return STAY;
		st->mode = M_UNTIL_RIP;
		st->until_rip = a;
		return RESUME;
	}
	return err("usage: until exit [REASON] | until rip ADDR");
}

/* ---- the rest ---------------------------------------------------------------------- */

static int cmd_dreg(struct step *st, int argc, char **argv)
{
	int c = parse_cpu_arg(st, argc, argv, 1);
	if (c >= -1)
		info_dr(st, c);
	return STAY;
}

static int cmd_regs(struct step *st, int argc, char **argv)
{
	if (argc != 1)
		return err("usage: regs");
	info_regs(st);
	return STAY;
}

static int cmd_trace(struct step *st, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off")))
		return err("usage: trace on|off");
	st->trace = !strcmp(argv[1], "on");
	printf("  trace %s\n", st->trace ? "on" : "off");
	return STAY;
}

static int cmd_help(struct step *st, int argc, char **argv)
{
	fputs(st->help, stdout);
	return STAY;
}

/* r (restart) and q (quit): end this run. */
static int cmd_leave(struct step *st, int argc, char **argv)
{
	bool quit = argv[0][0] == 'q';
	if (argc != 1)
		return err("usage: %s", quit ? "q" : "r (restart the run from the beginning)");
	*(quit ? &st->quit : &st->restart) = true;
	return RESUME;
}

static const struct {
	const char *names;             /* "|s|step|" */
	int (*fn)(struct step *st, int argc, char **argv);
} commands[] = {
	{ "|s|step|si|stepi|", cmd_s },
	{ "|c|continue|cont|", cmd_c },
	{ "|until|u|", cmd_until },
	{ "|b|break|", cmd_break },
	{ "|d|delete|", cmd_delete },
	{ "|disas|disassemble|", cmd_disas },
	{ "|info|i|", cmd_info },
	{ "|dreg|", cmd_dreg },
	{ "|regs|", cmd_regs },
	{ "|trace|", cmd_trace },
	{ "|r|run|", cmd_leave },
	{ "|help|h|?|", cmd_help },
	{ "|q|quit|", cmd_leave },
};

bool step_command(struct step *st, char *line)
{
	for (const char *p = line; *p; p++)
		if ((*p > 0 && *p < ' ' && *p != '\t') || *p == 0x7f)
			return err("control character %#x in the command", (unsigned)*p);
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS)
			return err("too many arguments (type help)");
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (!argc) {                   /* an empty line steps one instruction */
		static char s[] = "s";
		argv[argc++] = s;
	}
	char *slash = strchr(argv[0], '/');
	if (!strcmp(argv[0], "x") || (slash && slash == argv[0] + 1 && argv[0][0] == 'x'))
		return cmd_x(st, slash ? slash + 1 : NULL, argc, argv);
	char key[40];
	if (strlen(argv[0]) < sizeof(key) - 2 && !slash) {
		snprintf(key, sizeof(key), "|%s|", argv[0]);
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strstr(commands[i].names, key))
				return commands[i].fn(st, argc, argv) == RESUME;
	}
	return err("unknown command '%.64s' (type help)", argv[0]);
}
