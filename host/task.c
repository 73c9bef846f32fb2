/* task.c - host tasks and the context switch's debug-register work, per
 * era, in our own words.
 *
 * Sources (read for semantics only):
 *   - <= 2.6.32: arch/x86/kernel/process_64.c __switch_to_xtra(): "if
 *     (test_tsk_thread_flag(next_p, TIF_DEBUG)) { loaddebug(next, 0); ...
 *     loaddebug(next, 7); }", and traps.c do_debug(): "Mask out spurious
 *     debug traps due to lazy DR7 setting: if (!tsk->thread.debugreg7)
 *     goto clear_dr7" ("task switching can be a bit lazy about restoring
 *     all the debug state").  gdb sets thread.debugreg7 with local enable
 *     bits ("Currently, all watchpoint are locally enabled", i386-nat.c)
 *     and DR_LOCAL_SLOWDOWN.
 *   - >= 2.6.33 (24f1e32c60c4): ptrace and perf breakpoints are perf
 *     events; a task-bound event is uninstalled at perf_event_task_sched_out
 *     and installed at perf_event_task_sched_in (pmu->del/add ->
 *     arch_uninstall_hw_breakpoint/arch_install_hw_breakpoint, host/hw_breakpoint.c).
 *   - Xen: arch/x86/domain.c paravirt_ctxt_switch_from(): "Disable debug
 *     breakpoints. We do this aggressively because if we switch to an HVM
 *     guest we may load DR0-DR3 with values that can cause #DE inside Xen
 *     ... if (unlikely(v->arch.dr7 & DR7_ACTIVE_MASK)) write_debugreg(7, 0)";
 *     paravirt_ctxt_switch_to(): "if (unlikely(v->arch.dr7 &
 *     DR7_ACTIVE_MASK)) activate_debugregs(v)". */
#include "host/host.h"
#include <stdio.h>
#include <string.h>

#define DR7_LE 0x100ull                /* DR_LOCAL_SLOWDOWN */
#define DR7_ACTIVE_MASK 0xFFull        /* any L0-3/G0-3 (Xen's DR7_ACTIVE_MASK) */

void host_task_init(struct host_task *t, int id, const char *name, enum task_kind kind, int vcpu)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->kind = kind;
	t->vcpu = vcpu;
	t->cpu = -1;
	t->thread_dr[6] = DR6_ACTIVE_LOW;
	t->thread_dr[7] = DR7_FIXED_1;
	for (int i = 0; i < HBP_NUM; i++)
		t->slot_of[i] = -1;
}

int host_task_add_bp(struct host_task *t, const struct hbp *bp)
{
	if (t->nbps >= HBP_NUM)
		return -1;
	t->bps[t->nbps++] = *bp;
	if (bp->ptrace) {
		/* ptrace_set_debugreg(): the debugger's DRn and DR7 are kept in
		 * thread.debugreg*; a non-zero DR7 sets TIF_DEBUG. */
		t->tif_debug = true;
		t->thread_dr[bp->slot & 3] = bp->addr;
		t->thread_dr[7] |= hw_bp_dr7_bits(bp->slot & 3, bp->type, bp->len, false) | DR7_LE;
	}
	return 0;
}

void host_task_slots(const struct host_task *t, enum host_era era, unsigned cpu_mask, int out[HBP_NUM])
{
	unsigned used = cpu_mask;
	for (int i = 0; i < HBP_NUM; i++)
		out[i] = -1;
	for (unsigned i = 0; i < t->nbps; i++) {
		int pref = t->bps[i].slot & 3;
		if (era == HOST_ERA_THREAD_DEBUGREG || era == HOST_ERA_XEN_PV) {
			/* thread.debugreg / v->arch.dr: the register the debugger
			 * named, whatever else the CPU holds */
			out[i] = pref;
			continue;
		}
		int s = -1;
		for (int k = 0; s < 0 && k < HBP_NUM; k++)
			if (!(used & (1u << k)))
				s = k;
		out[i] = s;
		if (s >= 0)
			used |= 1u << s;
	}
}

/* perf_event_task_sched_out(prev): every task-bound event of prev that is
 * installed here goes (event_sched_out -> pmu->del ->
 * arch_uninstall_hw_breakpoint). */
static unsigned perf_sched_out(struct pcpu *p, struct host_task *prev)
{
	unsigned n = 0;
	for (unsigned i = 0; i < prev->nbps; i++) {
		int s = prev->slot_of[i];
		if (s < 0)
			continue;
		if (p->hw.bp_per_reg[s] == prev->id) {
			hw_bp_uninstall(p, s);
			n++;
		}
		prev->slot_of[i] = -1;
	}
	return n;
}

/* perf_event_task_sched_in(next): its events go in (pmu->add ->
 * arch_install_hw_breakpoint: first free slot). */
static unsigned perf_sched_in(struct pcpu *p, struct host_task *next)
{
	unsigned n = 0;
	for (unsigned i = 0; i < next->nbps; i++) {
		next->slot_of[i] = hw_bp_install(p, &next->bps[i], next->id);
		if (next->slot_of[i] >= 0)
			n += 2;            /* DRn, then DR7 */
	}
	return n;
}

unsigned host_switch_to(struct pcpu *p, struct host_task *prev, struct host_task *next, enum host_era era)
{
	unsigned writes = 0;
	struct cpu *c = p->cpu;
	switch (era) {
	case HOST_ERA_PERF:
		if (prev)
			writes += perf_sched_out(p, prev);
		writes += perf_sched_in(p, next);
		break;
	case HOST_ERA_THREAD_DEBUGREG:
		/* __switch_to_xtra runs when either task has _TIF_WORK_CTXSW; it
		 * loads only the incoming task's registers, and only with
		 * TIF_DEBUG ("no 4 and 5"). */
		if (next->tif_debug) {
			for (int i = 0; i < 4; i++)
				cpu_dr_write(c, i, next->thread_dr[i], DRW_HOST_KERNEL, "__switch_to_xtra");
			cpu_dr_write(c, 6, next->thread_dr[6], DRW_HOST_KERNEL, "__switch_to_xtra");
			cpu_dr_write(c, 7, next->thread_dr[7], DRW_HOST_KERNEL, "__switch_to_xtra");
			writes += 6;
		}
		break;
	case HOST_ERA_XEN_PV:
		if (prev && (prev->thread_dr[7] & DR7_ACTIVE_MASK)) {
			cpu_dr_write(c, 7, 0, DRW_HOST_KERNEL, "paravirt_ctxt_switch_from");
			writes++;
		}
		if (next->thread_dr[7] & DR7_ACTIVE_MASK) {
			/* activate_debugregs(): DR0-3, DR6, then DR7 */
			for (int i = 0; i < 4; i++)
				cpu_dr_write(c, i, next->thread_dr[i], DRW_HOST_KERNEL, "activate_debugregs");
			cpu_dr_write(c, 6, next->thread_dr[6], DRW_HOST_KERNEL, "activate_debugregs");
			cpu_dr_write(c, 7, next->thread_dr[7], DRW_HOST_KERNEL, "activate_debugregs");
			writes += 6;
		}
		break;
	}
	if (prev)
		prev->cpu = prev->done ? -1 : prev->cpu;
	p->curr = next;
	next->cpu = p->id;
	return writes;
}

bool host_lazy_dr7_clear(struct pcpu *p, enum host_era era)
{
	if (era != HOST_ERA_THREAD_DEBUGREG || !p->curr || p->curr->tif_debug)
		return false;
	/* clear_dr7: set_debugreg(0, 7) */
	cpu_dr_write(p->cpu, 7, 0, DRW_HOST_KERNEL, "do_debug: lazy DR7");
	return true;
}
