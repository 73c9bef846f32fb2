/* tcg_model.c - QEMU 7.2 TCG's breakpoint bookkeeping along a predicted run
 * (tcg_model.h): target/i386/tcg/sysemu/bpt_helper.c and svm_helper.c as
 * read for their semantics, not copied. */
#include "sim/ref/tcg_model.h"
#include <string.h>
#include "sim/util/guestdbg.h"

static bool q_en(uint64_t dr7, int i) { return (dr7 >> (2 * i)) & 3; }
static int q_type(uint64_t dr7, int i) { return (int)((dr7 >> (16 + 4 * i)) & 3); }

static void q_remove(struct pred_trace *t, int i)
{
	int ty = q_type(t->q7, i);
	if (ty == 2)
		return;
	if (t->armed[i] >= 0 && t->armed[i] != (ty ? 1 : 0))
		t->uncertain = true;   /* removal by the wrong kind (union in QEMU) */
	t->armed[i] = -1;
}

static void q_insert(struct pred_trace *t, int i)
{
	int ty = q_type(t->q7, i);
	if (!q_en(t->q7, i) || ty == 2)
		return;
	if (t->armed[i] >= 0)
		t->uncertain = true;   /* the old one would be orphaned, still armed */
	t->armed[i] = ty ? 1 : 0;
	t->armaddr[i] = t->qdr[i];
}

static void q_set_dr(struct pred_trace *t, unsigned dr, uint64_t v)
{
	if (dr < 4) {
		if (q_en(t->q7, (int)dr) && q_type(t->q7, (int)dr) != 2) {
			q_remove(t, (int)dr);
			t->qdr[dr] = v;
			q_insert(t, (int)dr);
		} else {
			t->qdr[dr] = v;
		}
	} else if (dr == 7) {
		uint64_t o = t->q7, n = v | 0x400;
		if (((o ^ n) & ~0xFFull) == 0) {
			unsigned mod = (unsigned)(((o | o << 1) ^ (n | n << 1)) & 0xAA);
			for (int i = 0; i < 4; i++)
				if ((mod & (2u << 2 * i)) && !q_en(n, i))
					q_remove(t, i);
			t->q7 = n;
			for (int i = 0; i < 4; i++)
				if ((mod & (2u << 2 * i)) && q_en(n, i))
					q_insert(t, i);
		} else {
			for (int i = 0; i < 4; i++)
				q_remove(t, i);
			t->q7 = n;
			for (int i = 0; i < 4; i++)
				q_insert(t, i);
		}
	}
}

void pred_trace_init(struct pred_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->q7 = t->hsave7 = t->g7 = 0x400;
	for (int i = 0; i < 4; i++)
		t->armed[i] = t->hslot[i] = -1;
}

void pred_trace_guest_debug(struct pred_trace *t, unsigned control, const uint64_t debugreg[8])
{
	if ((control & GUESTDBG_ENABLE) && (control & GUESTDBG_USE_HW_BP)) {
		t->dbg7 = debugreg[7] | 0x400;
		t->g7 = t->dbg7;
	}
}

void tcg_model(struct pred_trace *t, const struct sim_event *ev)
{
	switch (ev->id) {
	case EV_DR_WRITE:
		q_set_dr(t, (unsigned)ev->a, ev->b);
		break;
	case EV_GUEST_MOVDR:
		if (ev->s && ev->s[0] == 'W') {
			q_set_dr(t, (unsigned)ev->b, ev->c);
			if (ev->b == 7)
				t->g7 = ev->c;
		}
		break;
	case EV_ENTRY:              /* helper_vmrun: env->dr[7] = VMCB DR7, no insert */
		t->hsave7 = t->q7;
		t->q7 = t->g7 | 0x400;
		break;
	case EV_EXIT:               /* do_vmexit: env->dr[7] = hsave DR7, no remove */
		t->q7 = t->hsave7;
		if (ev->s && !strcmp(ev->s, "excp_db")) {
			bool hit = false;
			for (int i = 0; i < 4; i++)
				hit |= t->armed[i] == 0 && t->armaddr[i] == ev->a;
			t->last_db_exit_armed = hit;
		}
		break;
	case EV_HOST:
		/* A perf breakpoint installed/removed in process context writes the
		 * CPU's DRs at once (arch_install_hw_breakpoint: DRn, then DR7 with
		 * the slot's enable, type and len bits; uninstall: DR7 without
		 * them); the simulator defers that to the next exit's restore.
		 * Type/len bits of a perf breakpoint are never 0 (exec: len =
		 * sizeof(long)), so the DR7 write takes cpu_x86_update_dr7's
		 * remove-all path; modelled as a write watchpoint, which only
		 * matters for that path. */
		if (ev->a == 1) {
			int s = -1;
			for (int i = 3; i >= 0; i--)
				if (!q_en(t->q7, i))
					s = i;
			if (s < 0) {
				t->uncertain = true;
				break;
			}
			t->hslot[s] = (int)t->nhost++;
			q_set_dr(t, (unsigned)s, ev->b);
			q_set_dr(t, 7, t->q7 | 0x200 | (2ull << 2 * s) | (0xDull << (16 + 4 * s)));
		} else if (ev->a == 2) {
			/* removal of scenario slot b: perf's slot is the one installed
			 * for it, found by install order only when there was one */
			int s = -1;
			for (int i = 0; i < 4; i++)
				if (t->hslot[i] >= 0 && q_en(t->q7, i))
					s = s < 0 ? i : 4;
			if (s < 0 || s > 3) {
				t->uncertain |= s > 3;
				break;
			}
			t->hslot[s] = -1;
			q_set_dr(t, 7, t->q7 & ~((3ull << 2 * s) | (0xFull << (16 + 4 * s))));
		}
		break;
	case EV_USER_EXIT:
		/* KVM_EXIT_DEBUG for a #DB intercept (vector 1) whose DR6 names a
		 * slot the debugger armed for execution: TCG raised it only if it
		 * had that CPU breakpoint inserted (last_db_exit_armed, set by the
		 * excp_db exit just before). */
		if (ev->a == 1 && t->dbg7) {
			bool exec = false;
			for (int i = 0; i < 4; i++)
				exec |= ((ev->b >> i) & 1) && q_en(t->dbg7, i) && q_type(t->dbg7, i) == 0;
			if (exec) {
				t->ndbg_exec++;
				t->ndbg_miss += !t->last_db_exit_armed;
			}
		}
		break;
	case EV_DB:
		if (ev->c == 0 && t->ndb < KVM_LOG_MAX)
			t->db_tcg_ok[t->ndb++] = !(ev->s && !strcmp(ev->s, "exec")) || t->last_db_exit_armed;
		break;
	default:
		break;
	}
}
