/* narrate_arm.c - the Arm vendor's words for `hvsim explain` (issue 20):
 * what an ESR_EL2 syndrome says, what KVM/arm's switching did, what a
 * debug exception was.  narrate.c calls these for runs whose vendor is
 * "arm"; the paragraph structure is narrate.c's.
 *
 * Facts used in the wording: the ESR_EL2 ISS layouts of arm/exit_qual.h
 * (Arm ARM "ESR_EL2"), the exception classes of cpu/arm_dbg.h, and the
 * names of KVM/arm's functions each era calls (docs/kvm-arm.md). */
#include "sim/render/narrate.h"
#include <inttypes.h>
#include <string.h>
#include "arm/exit_qual.h"

static void reg_upper(FILE *f, const char *name)
{
	for (const char *p = name; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, f);
}

void narr_arm_exit_opening(FILE *f, const struct trace_rec *r, const struct narr_note *n)
{
	const char *reason = r->ev.s ? r->ev.s : "UNKNOWN";
	uint64_t esr = r->ev.c, pc = r->ev.a;
	const char *insn = n && n->insn[0] ? n->insn : NULL;
	if (!strcmp(reason, "SYS64")) {
		struct arm_sys64_iss q = arm_sys64_esr_decode(esr);
		int reg = arm_dbgreg_lookup(q.op0, q.op1, q.crn, q.crm, q.op2);
		fprintf(f, "The guest executes `%s` at 0x%" PRIx64 ", %s ", insn ? insn : q.read ? "mrs" : "msr", pc,
			q.read ? "reading" : "writing");
		reg_upper(f, reg >= 0 ? arm_dbgreg_name(reg) : "a system register");
		fprintf(f, ". %s traps it to EL2: exit SYS64, ESR_EL2 0x%08" PRIx64 " (%s, Op0 %u Op1 %u CRn %u "
			"CRm %u Op2 %u, X%u). ", reg == ARM_ID_AA64DFR0_EL1 ? "HCR_EL2.TID3"
			: reg >= 0 && arm_dbgreg_trap(reg) == ARM_TRAP_TDOSA ? "MDCR_EL2.TDOSA"
			: reg == ARM_MDRAR_EL1 ? "MDCR_EL2.TDRA" : "MDCR_EL2.TDA", esr, q.read ? "MRS" : "MSR",
			q.op0, q.op1, q.crn, q.crm, q.op2, q.rt);
		return;
	}
	if (!strcmp(reason, "DABT_LOW")) {
		struct arm_dabt_iss q = arm_dabt_esr_decode(esr);
		fprintf(f, "The guest executes `%s` at 0x%" PRIx64 ": a %u-byte %s outside guest memory is a stage-2 "
			"fault, exit DABT_LOW, ESR_EL2 0x%08" PRIx64 " (ISV, X%u). KVM hands it to user space "
			"(KVM_EXIT_MMIO): KVM_RUN returns and the vCPU is put. ", insn ? insn : "ldr/str", pc,
			1u << q.sas, q.write ? "store" : "load", esr, q.srt);
		return;
	}
	if (!strcmp(reason, "HVC64")) {
		fprintf(f, "The guest executes `%s` at 0x%" PRIx64 ": exit HVC64, ESR_EL2 0x%08" PRIx64 ". ",
			insn ? insn : "hvc", pc, esr);
		return;
	}
	if (!strcmp(reason, "WFx")) {
		fprintf(f, "The guest executes WFI at 0x%" PRIx64 ": exit WFx, which ends the run. ", pc);
		return;
	}
	if (!strcmp(reason, "IRQ")) {
		fprintf(f, "A host interrupt (the timer) arrives while the guest runs at 0x%" PRIx64 ": exit IRQ. ", pc);
		return;
	}
	fprintf(f, "Exit %s at 0x%" PRIx64 ", ESR_EL2 0x%08" PRIx64 ". ", reason, pc, esr);
}

static const char *owner_name(uint64_t v)
{
	return v == 0 ? "FREE" : v == 1 ? "HOST_OWNED" : v == 2 ? "GUEST_OWNED" : "?";
}

bool narr_arm_event(FILE *f, const struct trace_rec *r)
{
	const char *why = r->ev.s ? r->ev.s : "";
	switch (r->ev.id) {
	case EV_FLAGS:
		if (r->ev.a == 0x10 || r->ev.b == 0x10)
			fprintf(f, "DEBUG_DIRTY is %s (%s). ", r->ev.b ? "set" : "cleared", why);
		else
			fprintf(f, "debug_owner goes from %s to %s (%s). ", owner_name(r->ev.a), owner_name(r->ev.b), why);
		return true;
	case EV_INTERCEPT:
		if (r->ev.a)
			fprintf(f, "MDCR_EL2.TDA is set again: the guest's debug-register accesses trap. ");
		else
			fprintf(f, "MDCR_EL2.TDA is cleared: the guest's debug-register accesses now run without "
				   "exits. ");
		return true;
	case EV_SYS_ACCESS:
		fputs("KVM emulates it on its copy: ", f);
		reg_upper(f, why);
		if (r->ev.c)
			fprintf(f, " = 0x%" PRIx64 " (an MSR). ", r->ev.b);
		else
			fprintf(f, " reads 0x%" PRIx64 " (an MRS); the PC moves past it. ", r->ev.b);
		return true;
	case EV_DR_LOAD:
		fprintf(f, "Before entering, the hyp switch saves the host's breakpoint and watchpoint registers "
			   "and loads the guest's (%s). ", r->ev.s && !strcmp(r->ev.s, "debug_owner")
			? "the guest owns them" : "DEBUG_DIRTY is set");
		return true;
	case EV_DR_SAVE:
		fputs("After the exit the hyp saves the guest's breakpoint and watchpoint registers. ", f);
		return true;
	case EV_DR_RESTORE:
		fputs("It puts the host's back (its hw_breakpoint state). ", f);
		return true;
	case EV_ARM_DBG_READ:
	case EV_ARM_DBG_WRITE:
		return true;                   /* register by register: too fine-grained */
	default:
		return false;
	}
}

static const char *what(const char *cause)
{
	if (!cause)
		return "A debug exception";
	if (!strcmp(cause, "breakpoint"))
		return "A Breakpoint exception";
	if (!strcmp(cause, "watchpoint"))
		return "A Watchpoint exception";
	if (!strcmp(cause, "software-step"))
		return "A Software Step exception";
	return "A debug exception";
}

void narr_arm_db_words(FILE *f, const struct trace_rec *r, const struct narr_note *n, bool host)
{
	const char *who = host ? "host" : "guest";
	if (r->ev.id == EV_DB) {
		if (host)
			fprintf(f, "%s reaches the host when it touches its watched memory at 0x%" PRIx64 ".",
				what(r->ev.s), r->ev.a);
		else
			fprintf(f, "%s reaches the guest at 0x%" PRIx64 "%s%s%s: its handler at VBAR_EL1 + 0x200 runs "
				"with ESR_EL1 = 0x%08" PRIx64 " (EC 0x%x).", what(r->ev.s), r->ev.a,
				n && n->insn[0] ? " (`" : "", n && n->insn[0] ? n->insn : "", n && n->insn[0] ? "`)" : "",
				r->ev.b, arm_esr_ec(r->ev.b));
	} else if (r->ev.id == EV_DB_MISSED) {
		fprintf(f, "MISSED: at 0x%" PRIx64 " the %s's own debug registers (slots 0x%" PRIx64 ") call for %s, "
			"but the hardware bank holds other values: nothing fires, the %s never sees it.", r->ev.a, who,
			r->ev.b, r->ev.s ? r->ev.s : "a debug exception", who);
	} else {
		fprintf(f, "SPURIOUS: at 0x%" PRIx64 " the hardware bank raises a %s (slots 0x%" PRIx64 ") that the "
			"%s's own registers did not arm.", r->ev.a, r->ev.s ? r->ev.s : "debug exception", r->ev.b, who);
	}
}
