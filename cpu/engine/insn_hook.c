/* insn_hook.c - per-instruction observation: EV_INSN tracing
 * (hvsim run --trace-insns) and the observer behind `hvsim step`.
 *
 * Kept apart from the engine's own hooks on purpose: the engine counts
 * instructions and cycles per translated block and hooks single addresses
 * (sites, armed breakpoints); this file adds one more UC_HOOK_CODE over the
 * whole address space only while somebody wants to see every instruction.
 * The hook reads state and never changes it, so a traced or stepped run
 * produces the same counters as an untraced one.  It is added before the
 * first block is decoded, ahead of the site hooks; Unicorn then calls it
 * first for an instruction that is also a site (observed: in a trace the
 * `insn` line of a MOV DR precedes its kvm_exit, tests/test_reports.c). */
#include "cpu/engine/engine_int.h"
#include <stdio.h>
#include <string.h>

int engine_disasm(struct engine *e, uint64_t rip, char *buf, size_t size)
{
	uint8_t bytes[15];
	size_t n = sizeof(bytes);
	/* The instruction may end a mapped region: try shorter reads. */
	while (n > 0 && uc_mem_read(e->uc, rip, bytes, n) != UC_ERR_OK)
		n--;
	cs_insn *insn = NULL;
	size_t count = n ? cs_disasm(e->cs, bytes, n, rip, 1, &insn) : 0;
	if (count != 1) {
		snprintf(buf, size, "(bad)");
		return -1;
	}
	if (insn[0].op_str[0])
		snprintf(buf, size, "%s %s", insn[0].mnemonic, insn[0].op_str);
	else
		snprintf(buf, size, "%s", insn[0].mnemonic);
	cs_free(insn, count);
	return 0;
}

static void insn_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct engine *e = user;
	(void)size;
	engine_flush_charges(e);
	if (e->stop_req)
		return;
	if (e->trace_insns && e->cpu->trace) {
		char text[128];
		engine_disasm(e, addr, text, sizeof(text));
		cpu_event(e->cpu, EV_INSN, addr, 0, 0, text);
	}
	if (e->insn_cb) {
		rc_drop(e);             /* the observer may read registers (engine_int.h) */
		e->insn_cb(e->insn_ctx, e, addr);
		rc_drop(e);
		if (e->stop_req) {
			/* The instruction at addr does not execute: uncount the rest
			 * of the block and leave the emulation here. */
			engine_leave_block(e, addr);
			e->cur_rip = addr;
			e->resume_rip = addr;
			uc_emu_stop(uc);
		}
	}
}

static void update_hook(struct engine *e)
{
	bool want = e->trace_insns || e->insn_cb;
	if (want == e->insn_hooked)
		return;
	if (want)
		uc_hook_add(e->uc, &e->h_insn, UC_HOOK_CODE, (void *)insn_hook, e, 1, 0);
	else
		uc_hook_del(e->uc, e->h_insn);
	e->insn_hooked = want;
	/* Blocks translated before were generated without (or with) the
	 * hook: drop them (unicorn-facts §2.1). */
	for (unsigned i = 0; i < e->nmaps; i++)
		uc_ctl_remove_cache(e->uc, e->maps[i].addr, map_end(e, i));
	if (e->in_emu)
		e->need_restart = true;
}

void engine_trace_insns(struct engine *e, bool on)
{
	e->trace_insns = on;
	update_hook(e);
}

void engine_set_insn_observer(struct engine *e, engine_insn_cb cb, void *ctx)
{
	e->insn_cb = cb;
	e->insn_ctx = ctx;
	update_hook(e);
}
