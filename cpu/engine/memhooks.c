/* memhooks.c - the engine's memory hooks and what they cost in Unicorn
 * 2.0.1 (issue 16): the data-breakpoint hooks, the code hooks where a data
 * breakpoint's trap falls due ("watch"), and loads on Unicorn's fast path
 * ("fast loads").
 *
 * What Unicorn 2.0.1 does (source at 2.0.1.post1, and measured):
 *  1. Every guest store goes through its store helper, which calls the
 *     UC_HOOK_MEM_WRITE hooks listed at that moment: RAM is never "dirty"
 *     (cpu_physical_memory_is_clean() returns true,
 *     qemu/include/exec/ram_addr.h), so the inline store path always falls
 *     back to the helper (also why stores are slow, unicorn-facts §2.3
 *     item 11).  A write hook added at any time sees every later store;
 *     nothing is retranslated for it (tests/test_engine_dr.c
 *     write_watchpoint_armed_after_stores_ran_unwatched).
 *  2. A load calls the UC_HOOK_MEM_READ hooks only from that helper, and a
 *     block's loads go there only if some memory hook -- read or write, any
 *     range -- was listed when the block was translated
 *     (qemu/tcg/i386/tcg-target.inc.c tcg_out_tlb_load); otherwise a load
 *     that hits the TLB never leaves the translated code (tests/test_engine_dr.c
 *     read_watchpoint_armed_after_loads_ran_unwatched fails without the
 *     retranslation below).  A deleted hook stays listed until the
 *     outermost uc_emu_start returns (uc.c).
 *  3. A memory hook cannot stop the guest at an instruction boundary:
 *     uc_emu_stop() there ends the block right after the access, in the
 *     middle of the instruction, with RIP at the block start (unicorn-facts
 *     §2.1; every load and store is followed by Unicorn's exit check,
 *     qemu/tcg/tcg-op.c check_exit_request).
 *
 * So:
 *  - Fast loads.  poison_smc_hook (decode.c) is a write hook the engine
 *    always needs, and by (2) it sent every load through the helper.  A
 *    block that loads and has run DANCE_AFTER times is translated again with
 *    no memory hook listed: the hooks are deleted, the run stops in the
 *    block hook before the block's first instruction and restarts there,
 *    and the block hook -- the first thing the new translation runs --
 *    adds them back.  Its loads then stay inline; its stores still reach
 *    the write hooks (1).  Not while a hook must see loads (a read/write
 *    data breakpoint, engine_set_precise_reads): arming one retranslates
 *    the fast blocks that load, and no other.
 *  - Watch.  A data breakpoint's trap is due at the next instruction
 *    boundary (SDM Vol.3 17.3.1.2: data breakpoints are traps), which (3)
 *    rules out doing from the memory hook.  The engine used to put a code
 *    hook on every instruction while one was armed.  Now only the
 *    boundaries inside a block that follow an instruction that may access
 *    memory have one (one hook per block over [first, last] such boundary;
 *    above WATCH_MAX blocks, one hook on everything as before), and the
 *    block hook takes the block starts: code that touches no memory runs
 *    unhooked.  The hooks stay while breakpoints come and go (a guest's
 *    context switches, seed 003) and go UNWATCH_AFTER instructions after
 *    the last one is disarmed.
 *  - Arming, moving or disarming a data breakpoint retranslates only the
 *    blocks that lack the watch hook they now need and, when loads must be
 *    seen, the fast blocks; before, every change dropped all translated
 *    code. */
#include "cpu/engine/engine_int.h"
#include <string.h>

#define UNWATCH_AFTER 1000000ull /* instructions with nothing armed before the watch hooks go */
#define WATCH_MAX 64             /* blocks with watch hooks; more: one hook on everything */

/* ---- bookkeeping of Unicorn's memory-hook lists ----------------------------------- */

void memhooks_add(struct engine *e, uc_hook *h, int type, void *cb, void *user, uint64_t lo, uint64_t hi)
{
	uc_hook_add(e->uc, h, type, cb, user, lo, hi);
	e->mh_live++;
}

void memhooks_del(struct engine *e, uc_hook h)
{
	uc_hook_del(e->uc, h);
	e->mh_live--;
	e->mh_dead++;
}

static int uc_type(unsigned t)
{
	return (t & MEM_R ? UC_HOOK_MEM_READ : 0) | (t & MEM_W ? UC_HOOK_MEM_WRITE : 0);
}

/* ---- the data-breakpoint hooks ----------------------------------------------------- */

/* One memory access as Unicorn reports it to the data-breakpoint hooks.
 * The match itself is dr_match_data on the access's own address and size,
 * for the hardware DRs and the owner's architectural DRs alike
 * (engine_check_data): the hooks only decide which accesses are looked at,
 * and they cover every access that can overlap an armed range of either
 * file (bp_hooks_update). */
static void mem_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct mem_hook_ctx *h = user;
	struct engine *e = h->e;
	(void)uc;
	(void)value;
	bool write = type == UC_MEM_WRITE;
	/* Several hooks can cover one address: the first one registered for
	 * this kind of access takes it, so each access is seen once. */
	for (unsigned j = 0; j < h->idx; j++)
		if (addr >= e->mem_ctx[j].lo && addr <= e->mem_hi[j] && (e->mem_ctx[j].type & (write ? MEM_W : MEM_R)))
			return;
	unsigned n = size > 0 ? (unsigned)size : 0;
	if (e->split_size) {
		if (!write && n == e->split_size && (addr == e->split_a || addr == e->split_b)) {
			if (addr == e->split_b)
				e->split_size = 0;
			return;                    /* a piece of the read just seen */
		}
		e->split_size = 0;
	}
	if (!write && n > 1 && (addr & 0xFFF) + n > 0x1000 && !(n & (n - 1))) {
		e->split_size = n;
		e->split_a = addr & ~(uint64_t)(n - 1);
		e->split_b = e->split_a + n;
		e->next_event = 0;                 /* the next block start resets it */
	}
	engine_check_data(e, addr, n, write);
}

static void flush_all(struct engine *e)
{
	for (unsigned i = 0; i < e->nmaps; i++)
		uc_ctl_remove_cache(e->uc, (uint64_t)e->maps[i].addr, map_end(e, i));
}

static void remove_block(struct engine *e, const struct block *b)
{
	uc_ctl_remove_cache(e->uc, b->addr, b->addr + b->size);
}

/* ---- watch ---------------------------------------------------------------------------- */

/* The boundaries of b where a trap of `kind` accesses can fall due. */
static bool watch_range(const struct block *b, unsigned kind, uint64_t *lo, uint64_t *hi)
{
	*lo = kind & MEM_R ? b->m_lo : b->w_lo;
	*hi = kind & MEM_R ? b->m_hi : b->w_hi;
	return *lo <= *hi;
}

/* The code hook of a watched boundary: nothing to do unless a trap is due
 * (the common case: the watched location was not touched).  A site or an
 * execute breakpoint at the same address has its own hook. */
static void watch_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	struct engine *e = user;
	if (__builtin_expect(!(e->pend_hw | e->pend_ideal), 1)) {
		e->cur_rip = addr;
		e->split_size = 0;         /* an instruction boundary (mem_hook) */
		return;
	}
	engine_code_hook(uc, addr, size, user);
}

static void watch_add(struct engine *e, struct block *b)
{
	uint64_t lo, hi;
	if (b->watched || !watch_range(b, e->watch_kind, &lo, &hi))
		return;
	uc_hook_add(e->uc, &b->watch, UC_HOOK_CODE, (void *)watch_hook, e, lo, hi);
	remove_block(e, b);
	b->watched = true;
	e->nwatched++;
}

static void watch_set(struct engine *e, unsigned kind)
{
	unsigned n = 0;
	uint64_t lo, hi;
	FOR_EACH_BLOCK(e, b)
		n += watch_range(b, kind, &lo, &hi);
	e->watch_kind = kind;
	e->unwatch_at = UINT64_MAX;
	if (n > WATCH_MAX) {
		uc_hook_add(e->uc, &e->h_global, UC_HOOK_CODE, (void *)watch_hook, e, 1, 0);
		flush_all(e);
		e->watch_global = true;
		return;
	}
	FOR_EACH_BLOCK(e, b)
		watch_add(e, b);
}

void memhooks_unwatch(struct engine *e)
{
	if (e->watch_global) {
		uc_hook_del(e->uc, e->h_global);
		flush_all(e);
	}
	FOR_EACH_BLOCK(e, b)
		if (b->watched) {
			uc_hook_del(e->uc, b->watch);
			remove_block(e, b);
			b->watched = false;
		}
	e->nwatched = 0;
	e->watch_kind = 0;
	e->watch_global = false;
	e->unwatch_at = UINT64_MAX;
	engine_update_next_event(e);
}

/* A block was just decoded: its watch hook, if watching.  True if it was
 * translated without a hook it needs (the caller retranslates it). */
bool memhooks_block_new(struct engine *e, struct block *b)
{
	uint64_t lo, hi;
	if (!e->watch_kind || e->watch_global || !watch_range(b, e->watch_kind, &lo, &hi))
		return false;
	if (e->nwatched >= WATCH_MAX) {
		unsigned kind = e->watch_kind;
		memhooks_unwatch(e);
		watch_set(e, kind);        /* now over WATCH_MAX: one hook on everything */
		return true;
	}
	watch_add(e, b);
	return true;
}

/* ---- fast loads ------------------------------------------------------------------------ */

static void hooks_off(struct engine *e)
{
	memhooks_del(e, e->h_smc);
	for (unsigned i = 0; i < e->nmem; i++)
		memhooks_del(e, e->h_mem[i]);
}

static void hooks_on(struct engine *e)
{
	memhooks_add(e, &e->h_smc, UC_HOOK_MEM_WRITE, (void *)poison_smc_hook, e, 1, 0);
	for (unsigned i = 0; i < e->nmem; i++)
		memhooks_add(e, &e->h_mem[i], uc_type(e->mem_ctx[i].type), (void *)mem_hook, &e->mem_ctx[i],
			     e->mem_ctx[i].lo, e->mem_hi[i]);
}

/* May b be translated with fast loads?  (It loads, no hook must see
 * loads; not in host context or under per-instruction observation.) */
static bool dance_wanted(const struct engine *e, const struct block *b)
{
	return !b->fast && (b->mem & MEM_R) && !e->host && !e->read_hooks && !e->insn_hooked;
}

/* The block hook of b (before anything of b ran, nothing counted yet):
 * start its fast translation, now that it has run often?  Then the caller
 * stops and restarts at b.  Not with a trap due at this block start: the
 * restart would deliver it before the block is counted (exec.c run_loop);
 * a later entry does it. */
bool memhooks_dance(struct engine *e, struct block *b)
{
	if (b->execs < DANCE_AFTER || !dance_wanted(e, b) || e->wr_off || (e->pend_hw | e->pend_ideal))
		return false;
	remove_block(e, b);
	hooks_off(e);
	e->wr_off = true;
	e->dance_blk = b;
	engine_update_next_event(e);
	return true;
}

/* The first block hook after the restart: b's new translation is about to
 * run its first instruction; the hooks are back before it can store. */
void memhooks_dance_done(struct engine *e, uint64_t addr, uint32_t size)
{
	bool fast = e->mh_live + e->mh_dead == 0;     /* nothing was listed when it was translated */
	hooks_on(e);
	e->wr_off = false;
	struct block *b = e->dance_blk;
	if (fast && b->addr == addr && b->size == size) {
		b->fast = true;
		e->nfast++;
	} else {
		b->execs = 0;              /* try again later */
	}
	engine_update_next_event(e);
}

/* The run ended before the restart reached the block: hooks back on. */
void memhooks_dance_cancel(struct engine *e)
{
	if (!e->wr_off)
		return;
	hooks_on(e);
	e->wr_off = false;
	e->dance_blk->execs = 0;
	engine_update_next_event(e);
}

/* When may the block that just became last_blk be made fast?  (insns) */
uint64_t memhooks_dance_at(const struct engine *e, const struct block *b)
{
	if (!dance_wanted(e, b))
		return UINT64_MAX;
	uint64_t left = b->execs < DANCE_AFTER ? DANCE_AFTER - b->execs : 1;
	return e->insns + left * (b->n ? b->n : 1);
}

/* Loads must be seen from now on (read hooks): the fast blocks that load
 * are translated again, now with their loads through the helper. */
static bool unfast(struct engine *e)
{
	if (!e->nfast)
		return false;
	FOR_EACH_BLOCK(e, b)
		if (b->fast) {
			remove_block(e, b);
			b->fast = false;
		}
	e->nfast = 0;
	return true;
}

void memhooks_precise_reads(struct engine *e, void *cb)
{
	memhooks_add(e, &e->h_precise, UC_HOOK_MEM_READ, cb, e, SENTINEL64, SENTINEL64);
	e->precise_reads = true;
	e->read_hooks = true;
	if (unfast(e) && e->in_emu)
		e->need_restart = true;
}

/* ---- the breakpoint hooks ------------------------------------------------------------- */

/* Install exactly the execute/data hooks the hardware and the owner's DRs
 * need (exec.c update_bp_hooks calls this when a DR may have changed). */
void bp_hooks_update(struct engine *e)
{
	e->dr_dirty = false;
	e->seen_gen = e->cpu->dr_gen;
	/* Fast path: the hypervisor rewrites the hardware DRs around every VM
	 * exit and entry (dr_gen moves each time), mostly with the values they
	 * already had.  The hooks depend only on DR0-3 and DR7 of both files. */
	uint64_t key[10];
	const uint64_t *hw = e->cpu->dr, *id = e->ideal->dr;
	key[0] = hw[0]; key[1] = hw[1]; key[2] = hw[2]; key[3] = hw[3]; key[4] = hw[7];
	key[5] = id[0]; key[6] = id[1]; key[7] = id[2]; key[8] = id[3]; key[9] = id[7];
	bool same_key = e->bp_key_valid;
	for (int i = 0; same_key && i < 10; i++)
		same_key = key[i] == e->bp_key[i];
	if (same_key)
		return;
	memcpy(e->bp_key, key, sizeof(key));
	e->bp_key_valid = true;
	uint64_t ex[8], lo[8], hi[8];
	unsigned type[8], nex = 0, nmem = 0;
	const uint64_t *files[2] = { e->cpu->dr, e->ideal->dr };
	for (int f = 0; f < 2; f++) {
		unsigned m = dr_armed_exec(files[f][7]);
		for (int i = 0; i < 4; i++) {
			if (!(m & (1u << i)))
				continue;
			unsigned k;
			for (k = 0; k < nex && ex[k] != files[f][i]; k++)
				;
			if (k == nex)
				ex[nex++] = files[f][i];
		}
		m = dr_armed_data(files[f][7]);
		for (int i = 0; i < 4; i++) {
			if (!(m & (1u << i)))
				continue;
			struct dr7_slot s;
			dr7_decode(files[f][7], i, &s);
			uint64_t l = files[f][i] & ~(uint64_t)(s.len - 1), h = l + s.len - 1;
			unsigned t = s.rw == DR7_RW_WRITE ? MEM_W : MEM_R | MEM_W;
			unsigned k;
			for (k = 0; k < nmem && !(lo[k] == l && hi[k] == h); k++)
				;
			if (k == nmem) {
				lo[nmem] = l;
				hi[nmem] = h;
				type[nmem++] = t;
			} else {
				type[k] |= t;
			}
		}
	}
	bool same_ex = nex == e->nexec, same_mem = nmem == e->nmem;
	for (unsigned i = 0; same_ex && i < nex; i++)
		same_ex = ex[i] == e->exec_addr[i];
	for (unsigned i = 0; same_mem && i < nmem; i++)
		same_mem = lo[i] == e->mem_lo[i] && hi[i] == e->mem_hi[i] && type[i] == e->mem_ctx[i].type;
	if (same_ex && same_mem)
		return;
	bool retranslated = false, again = false;
	if (!same_ex) {
		/* execute breakpoints: single-address code hooks, compiled into
		 * the block that holds the address (unicorn-facts §2.3 item 2) */
		for (unsigned i = 0; i < e->nexec; i++) {
			uc_hook_del(e->uc, e->h_exec[i]);
			uc_ctl_remove_cache(e->uc, e->exec_addr[i], e->exec_addr[i] + 1);
		}
		for (unsigned i = 0; i < nex; i++) {
			e->exec_addr[i] = ex[i];
			uc_hook_add(e->uc, &e->h_exec[i], UC_HOOK_CODE, (void *)engine_code_hook, e, ex[i], ex[i]);
			uc_ctl_remove_cache(e->uc, ex[i], ex[i] + 1);
		}
		e->nexec = nex;
		retranslated = true;
	}
	if (!same_mem) {
		memhooks_dance_cancel(e);
		for (unsigned i = 0; i < e->nmem; i++)
			memhooks_del(e, e->h_mem[i]);
		bool reads = e->precise_reads;
		unsigned kind = 0;
		for (unsigned i = 0; i < nmem; i++) {
			e->mem_lo[i] = lo[i];
			e->mem_hi[i] = hi[i];
			/* "A data breakpoint is triggered if any of the bytes
			 * participating in an access is within the range" (SDM
			 * Vol.3 17.2.5): an access that starts up to MEM_ACCESS_MAX -
			 * 1 bytes below the range overlaps it.  Unicorn selects
			 * memory hooks by the access's *start* address only, so the
			 * hook covers those bytes too and mem_hook matches the exact
			 * overlap (dr_match_data).  A write breakpoint (R/W = 01)
			 * needs no read hook: no read matches it. */
			uint64_t hook_lo = lo[i] >= MEM_ACCESS_MAX - 1 ? lo[i] - (MEM_ACCESS_MAX - 1) : 0;
			e->mem_ctx[i].e = e;
			e->mem_ctx[i].idx = i;
			e->mem_ctx[i].lo = hook_lo;
			e->mem_ctx[i].type = type[i];
			memhooks_add(e, &e->h_mem[i], uc_type(type[i]), (void *)mem_hook, &e->mem_ctx[i], hook_lo,
				     hi[i]);
			reads |= (type[i] & MEM_R) != 0;
			kind |= type[i];
		}
		e->nmem = nmem;
		bool had_reads = e->read_hooks;
		e->read_hooks = reads;
		if (reads && !had_reads)
			retranslated |= unfast(e);
		again = had_reads && !reads;
		/* the watch hooks: installed for the first armed data
		 * breakpoint, widened for the first read one, kept while none is
		 * armed for a while */
		if (nmem && (kind & ~e->watch_kind)) {
			kind |= e->watch_kind;
			if (e->watch_kind)
				memhooks_unwatch(e);
			watch_set(e, kind);
			retranslated = true;
		}
		if (nmem)
			e->unwatch_at = UINT64_MAX;
		else if (e->watch_kind && e->unwatch_at == UINT64_MAX)
			e->unwatch_at = e->insns + UNWATCH_AFTER;
	}
	engine_update_next_event(e);
	if (again)
		e->next_event = 0;         /* the running block may go fast again (exec.c dance_at) */
	if (retranslated && e->in_emu)
		e->need_restart = true;
}
