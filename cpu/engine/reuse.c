/* reuse.c - one engine for several runs of the same guest (issue 16: "reuse
 * engines across runs of one process").
 *
 * Making a Unicorn engine and freeing it costs ~1 M host instructions, and
 * translating the guest's code costs ~60 k per translated block, in every
 * run: `hvsim compare` runs one guest under every policy and both vendors,
 * `hvsim check` under the scenario's.  sim/run.c keeps the guest engine of
 * the last run of each thread; a run of the same guest (the same memory
 * image, sim/run.c) takes it back through engine_reset, which puts back
 * what a fresh engine_new + the same engine_map/engine_mem_write calls would
 * have, except what depends on the guest's bytes alone:
 *   - kept: the Unicorn instance with its translated code (the blocks
 *     translated with fast loads stay so, memhooks.c), the decode cache
 *     (blocks, sites) and the site hooks, the memory runs (those the guest
 *     fetched from stay executable), the poison list;
 *   - restored: memory (every byte that differs from the snapshot taken
 *     when the image was complete; Unicorn's code translated from those
 *     bytes is dropped, since a restore is no guest store, which Unicorn
 *     would have noticed), the CPU (the
 *     Unicorn context saved right after engine_new), and every field of
 *     struct engine (as engine_new leaves them); breakpoint and watch hooks
 *     are deleted (uc_hook_del drops the code translated with them); the
 *     blocks' prices come from the new run's cost model.
 * Translated code is a function of the bytes, the hooks at translation
 * time and the CPU flags, not of the run that made it, so the next run
 * sees what a fresh engine would (tests/test_exit_path.c runs every bundled
 * scenario both ways).  An engine whose run changed what is kept (it wrote
 * over code it had run, new poison from code it wrote, the every-instruction
 * observer, precise reads) is not reused. */
#include "cpu/engine/engine_int.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 0x1000ull

/* LeakSanitizer (the ASan build and the fuzz targets): Unicorn 2.0.1 never
 * frees QEMU's per-page code bitmap, which it builds once the guest has
 * written ten times to a page it has translated code from (SMC tracking,
 * tb_invalidate_phys_page_fast): a leak inside libunicorn that uc_close()
 * leaves behind, not in hvsim, and one a kept engine reaches more often,
 * its write count living across runs
 * (tests/fuzz-regressions/guest/self-modifying-code.bin).  Defined here, in
 * the file every binary that runs guests links, once for all of them. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:tb_invalidate_phys_page_fast\n";
}

/* ... and quietly: LeakSanitizer lists the suppressions it used on stderr
 * at exit, which would add lines to hvsim's one-line errors (docs/errors.md;
 * tests/test_outputs.c, tests/test_sweep_robust.c check stderr exactly). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* engine_reset keeps the decode cache's two hash tables in place */
_Static_assert(offsetof(struct engine, sites) == offsetof(struct engine, blocks) + sizeof(((struct engine *)0)->blocks),
	       "blocks and sites are adjacent in struct engine");

void engine_snapshot_free(struct engine *e)
{
	if (e->snap)
		for (unsigned i = 0; i < e->snap_nmaps; i++)
			free(e->snap[i]);
	free(e->snap);
	free(e->snap_poison);
	e->snap = NULL;
	e->snap_poison = NULL;
	e->snap_nmaps = 0;
}

int engine_snapshot(struct engine *e)
{
	engine_snapshot_free(e);
	e->snap = calloc(e->nmaps ? e->nmaps : 1, sizeof(*e->snap));
	if (!e->snap)
		return -1;
	e->snap_nmaps = e->nmaps;
	/* the bytes of the runs this engine owns (an SMP guest's other vCPUs
	 * map vCPU 0's: engine_reset_group restores them through vCPU 0) */
	for (unsigned i = 0; i < e->nmaps; i++) {
		if (!e->maps[i].owned)
			continue;
		if (!(e->snap[i] = malloc(e->maps[i].size))) {
			engine_snapshot_free(e);
			return -1;
		}
		memcpy(e->snap[i], e->maps[i].ptr, e->maps[i].size);
	}
	e->snap_npoison = e->npoison;
	if (e->npoison) {
		if (!(e->snap_poison = malloc(e->npoison * sizeof(*e->poison)))) {
			engine_snapshot_free(e);
			return -1;
		}
		memcpy(e->snap_poison, e->poison, e->npoison * sizeof(*e->poison));
	}
	e->snap_exits = e->exits_on;
	return 0;
}

bool engine_reusable(const struct engine *e)
{
	return e->snap && e->ctx0 && !e->insn_hooked && !e->precise_reads && e->nmaps == e->snap_nmaps &&
	       e->npoison == e->snap_npoison && e->exits_on == e->snap_exits &&
	       (!e->npoison || !memcmp(e->poison, e->snap_poison, e->npoison * sizeof(*e->poison)));
}

/* The blocks' prices under the run's cost model (decode.c prices them when
 * it decodes; the model may differ from run to run), and their execution
 * counts from 0 as a fresh engine's (memhooks.c, "fast loads": DANCE_AFTER). */
static void reprice(struct engine *e)
{
	for (unsigned h = 0; h < HASH_SIZE; h++)
		for (struct block *b = e->blocks[h]; b; b = b->next) {
			b->execs = 0;
			b->cost = 0;
			for (uint32_t i = 0; i < b->n; i++) {
				b->icost[i] = cost_get(e->cpu->cost, b->icls[i]);
				b->cost += b->icost[i];
			}
		}
}

/* The byte ranges of memory that differ from the snapshot: [lo, hi) in
 * guest addresses, with the run and offset they are in. */
struct change { uint64_t lo, hi; unsigned map; uint64_t off; };
struct changes { struct change *c; size_t n, cap; bool oom; };

static void add_change(struct changes *cs, unsigned map, uint64_t addr, uint64_t off, uint64_t n)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		void *q = realloc(cs->c, cap * sizeof(*cs->c));
		if (!q) {
			cs->oom = true;
			return;
		}
		cs->c = q;
		cs->cap = cap;
	}
	cs->c[cs->n++] = (struct change){ addr + off, addr + off + n, map, off };
}

/* Every differing byte range of the memory `owner` owns. */
static void find_changes(const struct engine *owner, struct changes *cs)
{
	for (unsigned i = 0; i < owner->nmaps; i++) {
		if (!owner->snap[i])
			continue;
		const uint8_t *now = owner->maps[i].ptr, *was = owner->snap[i];
		for (uint64_t pg = 0; pg < owner->maps[i].size; pg += PAGE) {
			if (!memcmp(now + pg, was + pg, PAGE))
				continue;
			for (uint64_t o = pg; o < pg + PAGE;) {
				if (now[o] == was[o]) {
					o++;
					continue;
				}
				uint64_t end = o;
				while (end < pg + PAGE && now[end] != was[end])
					end++;
				add_change(cs, i, owner->maps[i].addr, o, end - o);
				o = end;
			}
		}
	}
}

/* Did the run write over code engine e had translated (self-modifying
 * code)?  Its decode cache would describe other bytes. */
static bool touches_code(const struct engine *e, const struct changes *cs)
{
	if (!cs->n)
		return false;
	for (unsigned h = 0; h < HASH_SIZE; h++)
		for (const struct block *b = e->blocks[h]; b; b = b->next)
			for (size_t i = 0; i < cs->n; i++)
				if (cs->c[i].lo < b->addr + b->size && b->addr < cs->c[i].hi)
					return true;
	return false;
}

static void reset_one(struct engine *e, struct cpu *cpu, const struct changes *cs);

bool engine_reset_group(struct engine *const *v, unsigned n, struct cpu *cpu)
{
	for (unsigned k = 0; k < n; k++)
		if (!v[k] || !engine_reusable(v[k]))
			return false;
	struct changes cs = { NULL, 0, 0, false };
	find_changes(v[0], &cs);
	bool ok = !cs.oom;
	for (unsigned k = 0; ok && k < n; k++)
		ok = !touches_code(v[k], &cs);
	if (ok) {
		/* the bytes back (shared by the group), then each engine */
		for (size_t i = 0; i < cs.n; i++)
			memcpy(v[0]->maps[cs.c[i].map].ptr + cs.c[i].off, v[0]->snap[cs.c[i].map] + cs.c[i].off,
			       cs.c[i].hi - cs.c[i].lo);
		/* The runs an engine fetched from stay executable, with their
		 * poison registered (decode.c, "poison"): what the restore put
		 * back there is scanned as a store would be, and an engine that
		 * would need exits the snapshot did not have is not reused. */
		for (unsigned k = 0; ok && k < n; k++) {
			for (size_t i = 0; i < cs.n; i++)
				poison_scan(v[k], cs.c[i].lo, cs.c[i].hi - cs.c[i].lo);
			ok = engine_reusable(v[k]);
		}
		for (unsigned k = 0; ok && k < n; k++)
			reset_one(v[k], cpu, &cs);
	}
	free(cs.c);
	return ok;
}

bool engine_reset(struct engine *e, struct cpu *cpu)
{
	return engine_reset_group(&e, 1, cpu);
}

/* One engine: its Unicorn side (breakpoint hooks, the code translated from
 * changed bytes -- a restore is no guest store: Unicorn would not notice it
 * --, the CPU) and struct engine. */
static void reset_one(struct engine *e, struct cpu *cpu, const struct changes *cs)
{
	for (unsigned i = 0; i < e->nexec; i++) {
		uc_hook_del(e->uc, e->h_exec[i]);
		uc_ctl_remove_cache(e->uc, e->exec_addr[i], e->exec_addr[i] + 1);
	}
	memhooks_dance_cancel(e);           /* the memory hooks back if a fast retranslation was under way */
	if (e->watch_kind)
		memhooks_unwatch(e);        /* the watch hooks go, with the code translated with them */
	for (unsigned i = 0; i < e->nmem; i++)
		memhooks_del(e, e->h_mem[i]);
	for (size_t i = 0; i < cs->n; i++)
		uc_ctl_remove_cache(e->uc, cs->c[i].lo, cs->c[i].hi);
	uc_context_restore(e->uc, e->ctx0);
	/* struct engine: everything as engine_new leaves it, but what is kept
	 * (the decode cache's two hash tables stay in place: 64 KiB) */
	struct {
		uc_engine *uc; csh cs; int mode; bool host; unsigned nsites;
		void *maps; unsigned nmaps, cap_maps;
		uc_hook h_block, h_intr, h_invalid, h_unmapped, h_smc, h_in, h_cpuid;
		uint64_t *poison; size_t npoison, cap_poison; bool exits_on;
		struct db_record *dblog; struct violation *viol;
		uc_context *ctx0; uint8_t **snap; unsigned snap_nmaps;
		uint64_t *snap_poison; size_t snap_npoison; bool snap_exits;
		unsigned mh_live, mh_dead, nfast;
	} k = {
		e->uc, e->cs, e->mode, e->host, e->nsites, e->maps, e->nmaps, e->cap_maps,
		e->h_block, e->h_intr, e->h_invalid, e->h_unmapped, e->h_smc, e->h_in, e->h_cpuid,
		e->poison, e->npoison, e->cap_poison, e->exits_on, e->log.dblog, e->log.viol,
		e->ctx0, e->snap, e->snap_nmaps, e->snap_poison, e->snap_npoison, e->snap_exits,
		e->mh_live, e->mh_dead, e->nfast,
	};
	char *lo = (char *)e->blocks, *hi = (char *)(e->sites + HASH_SIZE);
	memset(e, 0, (size_t)(lo - (char *)e));
	memset(hi, 0, sizeof(*e) - (size_t)(hi - (char *)e));
	e->uc = k.uc;
	e->cs = k.cs;
	e->mode = k.mode;
	e->host = k.host;
	e->nsites = k.nsites;
	e->maps = k.maps;
	e->nmaps = k.nmaps;
	e->cap_maps = k.cap_maps;
	e->h_block = k.h_block;
	e->h_intr = k.h_intr;
	e->h_invalid = k.h_invalid;
	e->h_unmapped = k.h_unmapped;
	e->h_smc = k.h_smc;
	e->h_in = k.h_in;
	e->h_cpuid = k.h_cpuid;
	e->poison = k.poison;
	e->npoison = k.npoison;
	e->cap_poison = k.cap_poison;
	e->exits_on = k.exits_on;
	e->log.dblog = k.dblog;             /* the buffers (oracle_log.c), empty */
	e->log.viol = k.viol;
	e->ctx0 = k.ctx0;
	e->snap = k.snap;
	e->snap_nmaps = k.snap_nmaps;
	e->snap_poison = k.snap_poison;
	e->snap_npoison = k.snap_npoison;
	e->snap_exits = k.snap_exits;
	e->mh_live = k.mh_live;             /* Unicorn's memory-hook lists as they are (memhooks.c) */
	e->mh_dead = k.mh_dead;
	e->nfast = k.nfast;                 /* the blocks translated with fast loads stay so */
	engine_init_fields(e, cpu);
	reprice(e);
}
