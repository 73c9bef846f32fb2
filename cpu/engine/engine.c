/* engine.c - hooks, the run loop, native semantics of the sites, and the
 * #DB oracle.  See engine.h for the design. */
#include "cpu/engine/engine_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>


static const char *const stop_names[] = {
	[STOP_NONE] = "none", [STOP_HALT] = "halt", [STOP_BUDGET] = "budget",
	[STOP_FAULT] = "fault", [STOP_TRIPLE] = "triple_fault", [STOP_UD] = "invalid_opcode",
	[STOP_UNMAPPED] = "unmapped", [STOP_ENTRY_FAIL] = "entry_failed", [STOP_INTERNAL] = "internal",
};

const char *engine_stop_name(enum engine_stop s)
{
	return s <= STOP_INTERNAL ? stop_names[s] : "?";
}


/* ---- registers ------------------------------------------------------- */

int uc_gpr_id(int mode, int gpr)
{
	static const int r64[16] = { UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
				     UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
				     UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
				     UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15 };
	static const int r32[8] = { UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
				    UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI };
	if (gpr < 0 || gpr > 15)
		return -1;
	return mode == 64 ? r64[gpr] : (gpr < 8 ? r32[gpr] : -1);
}

/* The Unicorn register behind each cache slot, per mode (-1: R8-R15 in
 * 32-bit mode). */
static const int rc_ids[2][RC_NSLOTS] = {
	{ UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
	  UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	  UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	  [RC_FLAGS] = UC_X86_REG_RFLAGS, [RC_CR0] = UC_X86_REG_CR0, [RC_CR2] = UC_X86_REG_CR2,
	  [RC_CR3] = UC_X86_REG_CR3, [RC_CR4] = UC_X86_REG_CR4, [RC_CS] = UC_X86_REG_CS },
	{ UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX, UC_X86_REG_ESP, UC_X86_REG_EBP,
	  UC_X86_REG_ESI, UC_X86_REG_EDI, -1, -1, -1, -1, -1, -1, -1, -1,
	  [RC_FLAGS] = UC_X86_REG_EFLAGS, [RC_CR0] = UC_X86_REG_CR0, [RC_CR2] = UC_X86_REG_CR2,
	  [RC_CR3] = UC_X86_REG_CR3, [RC_CR4] = UC_X86_REG_CR4, [RC_CS] = UC_X86_REG_CS },
};

static inline int rc_uc_id(const struct engine *e, unsigned slot)
{
	return rc_ids[e->mode != 64][slot];
}

/* The value as the accessors return it: 32-bit guests see 32-bit GPRs and
 * flags (a 32-bit register read stores only 4 bytes, unicorn-facts §1;
 * EFLAGS is 32 bits wide in Unicorn in both modes: bits 63:32 of an RFLAGS
 * write are dropped, measured), CRs and CS raw. */
static uint64_t rc_norm(const struct engine *e, unsigned slot, uint64_t v)
{
	if (slot == RC_FLAGS || (slot < 16 && e->mode == 32))
		return v & 0xFFFFFFFFull;
	return v;
}

uint64_t rc_fill(struct engine *e, unsigned slot)
{
	uint64_t v = 0;
	int id = rc_uc_id(e, slot);
	if (id >= 0)
		uc_reg_read(e->uc, id, &v);
	v = rc_norm(e, slot, v);
	e->rc_val[slot] = v;
	e->rc_valid |= 1u << slot;
	return v;
}

void rc_store(struct engine *e, unsigned slot, uint64_t v)
{
	int id = rc_uc_id(e, slot);
	if (id < 0)
		return;
	if (slot == RC_CS) {
		/* a segment register write loads more than the selector: through,
		 * and read back when next asked */
		uc_reg_write(e->uc, id, &v);
		e->rc_valid &= ~(1u << slot);
		e->rc_unsafe = true;
		return;
	}
	/* Unicorn reads back what was written (measured for every EFLAGS bit
	 * in both modes; GPRs and CRs are stored raw) */
	e->rc_val[slot] = rc_norm(e, slot, v);
	e->rc_valid |= 1u << slot;
	e->rc_dirty |= 1u << slot;
	if (slot >= 16)
		e->rc_unsafe = true;
}

void rc_flush(struct engine *e, const uint64_t *rip)
{
	int ids[RC_NSLOTS + 1];
	void *ptrs[RC_NSLOTS + 1];
	uint64_t r = 0;
	unsigned n = 0;
	for (uint32_t m = e->rc_dirty; m; m &= m - 1) {
		unsigned s = (unsigned)__builtin_ctz(m);
		ids[n] = rc_uc_id(e, s);
		ptrs[n++] = &e->rc_val[s];        /* a 32-bit register takes the low 4 bytes */
	}
	e->rc_dirty = 0;
	if (rip) {
		r = *rip;
		ids[n] = e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP;
		ptrs[n++] = &r;
	}
	if (n)
		uc_reg_write_batch(e->uc, ids, ptrs, (int)n);
}

/* Read the slots of `mask` that are not cached (and RIP/EIP into
 * e->rc_rip if `rip`) with one uc_reg_read_batch.  The id and pointer
 * arrays of a batch are kept per kind (a layer asks for the same registers
 * at every exit).  Slots are zeroed first: a 32-bit register read stores
 * 4 bytes, which leaves the value as rc_norm would. */
static void rc_batch(struct engine *e, uint32_t mask, bool rip)
{
	mask &= ~e->rc_valid & ((1u << RC_NSLOTS) - 1);
	if (!mask && !rip)
		return;
	struct rc_batchdesc *b = &e->rc_b[rip];
	if (mask != b->mask || !b->n) {
		b->n = 0;
		for (uint32_t m = mask; m; m &= m - 1) {
			unsigned s = (unsigned)__builtin_ctz(m);
			int id = rc_uc_id(e, s);
			if (id < 0)
				continue;
			b->ids[b->n] = id;
			b->ptrs[b->n] = &e->rc_val[s];
			b->slots[b->n++] = (uint8_t)s;
		}
		if (rip) {
			b->ids[b->n] = e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP;
			b->ptrs[b->n++] = &e->rc_rip;
		}
		b->mask = mask;
	}
	for (unsigned i = 0; i < b->n - (rip ? 1 : 0); i++)
		e->rc_val[b->slots[i]] = 0;
	e->rc_rip = 0;
	if (b->n && uc_reg_read_batch(e->uc, b->ids, b->ptrs, (int)b->n) != UC_ERR_OK)
		return;
	e->rc_valid |= mask;
}

void engine_prefetch(struct engine *e, uint32_t mask)
{
	rc_batch(e, mask, false);
}

void rc_fill_rip(struct engine *e, uint32_t mask, uint64_t *rip)
{
	rc_batch(e, mask, true);
	*rip = e->rc_rip;
}

uint64_t engine_gpr(struct engine *e, int gpr)
{
	if (gpr < 0 || gpr > 15)
		return 0;
	return rc_gpr(e, (unsigned)gpr);
}

void engine_set_gpr(struct engine *e, int gpr, uint64_t v)
{
	if (gpr < 0 || gpr > 15)
		return;
	rc_set_gpr(e, (unsigned)gpr, v);
}

uint64_t engine_rip(struct engine *e) { return e->cur_rip; }

void engine_set_rip(struct engine *e, uint64_t rip)
{
	e->cur_rip = e->mode == 32 ? (rip & 0xFFFFFFFFull) : rip;
	if (!e->in_emu) {
		uint64_t v = e->cur_rip;
		uc_reg_write(e->uc, e->mode == 64 ? UC_X86_REG_RIP : UC_X86_REG_EIP, &v);
	}
}

uint64_t engine_rflags(struct engine *e)
{
	uint64_t v = uc_flags_read(e);
	v &= ~(1ull << 16);
	return v | (e->rf ? (1ull << 16) : 0);
}

void engine_set_rflags(struct engine *e, uint64_t fl)
{
	e->rf = (fl & (1ull << 16)) != 0;
	if (e->rf) {
		e->rf_rip = e->cur_rip;
		e->rf_seq = e->blk_seq + 1;
	}
	fl = (fl & ~(1ull << 16)) | 2;
	uc_flags_write(e, fl);
}

uint64_t engine_rsp(struct engine *e) { return engine_gpr(e, 4); }

uint64_t engine_cr4(struct engine *e)
{
	return rc_get(e, RC_CR4);
}

static unsigned rc_cr_slot(int n)
{
	return n == 0 ? RC_CR0 : n == 2 ? RC_CR2 : n == 3 ? RC_CR3 : RC_CR4;
}

uint64_t engine_cr(struct engine *e, int n)
{
	uint64_t v = rc_get(e, rc_cr_slot(n));
	return e->mode == 32 ? (v & 0xFFFFFFFFull) : v;
}

void engine_set_cr(struct engine *e, int n, uint64_t v)
{
	if (e->mode == 32)
		v &= 0xFFFFFFFFull;
	rc_put(e, rc_cr_slot(n), v);
}

void engine_set_segments(struct engine *e, uint64_t gdt, uint16_t gdt_limit, uint16_t tr_sel,
			 uint64_t tss, uint32_t tss_limit, uint16_t cs, uint16_t ss)
{
	uc_x86_mmr g = { .selector = 0, .base = gdt, .limit = gdt_limit, .flags = 0 };
	uc_reg_write(e->uc, UC_X86_REG_GDTR, &g);
	uc_x86_mmr tr = { .selector = tr_sel, .base = tss, .limit = tss_limit, .flags = 0x89 };
	uc_reg_write(e->uc, UC_X86_REG_TR, &tr);
	engine_set_sel(e, UC_X86_REG_CS, cs);
	engine_set_sel(e, UC_X86_REG_SS, ss);
}

void engine_set_sel(struct engine *e, int reg, uint16_t sel)
{
	uc_reg_write(e->uc, reg, &sel);
	if (reg == UC_X86_REG_CS) {
		e->rc_valid &= ~(1u << RC_CS);
		e->rc_unsafe = true;
	}
}

int engine_cpl(struct engine *e)
{
	return rc_cpl(e);
}

int engine_reg_by_name(struct engine *e, const char *name, uint64_t val)
{
	static const struct { const char *n; int id; } t[] = {
		{ "rax", UC_X86_REG_RAX }, { "rbx", UC_X86_REG_RBX }, { "rcx", UC_X86_REG_RCX },
		{ "rdx", UC_X86_REG_RDX }, { "rsi", UC_X86_REG_RSI }, { "rdi", UC_X86_REG_RDI },
		{ "rbp", UC_X86_REG_RBP }, { "rsp", UC_X86_REG_RSP }, { "r8", UC_X86_REG_R8 },
		{ "r9", UC_X86_REG_R9 }, { "r10", UC_X86_REG_R10 }, { "r11", UC_X86_REG_R11 },
		{ "r12", UC_X86_REG_R12 }, { "r13", UC_X86_REG_R13 }, { "r14", UC_X86_REG_R14 },
		{ "r15", UC_X86_REG_R15 }, { "eax", UC_X86_REG_EAX }, { "ebx", UC_X86_REG_EBX },
		{ "ecx", UC_X86_REG_ECX }, { "edx", UC_X86_REG_EDX }, { "esi", UC_X86_REG_ESI },
		{ "edi", UC_X86_REG_EDI }, { "ebp", UC_X86_REG_EBP }, { "esp", UC_X86_REG_ESP },
		{ "cr0", UC_X86_REG_CR0 }, { "cr4", UC_X86_REG_CR4 },
	};
	if (!strcmp(name, "rflags")) {
		engine_set_rflags(e, val);
		return 0;
	}
	/* In mode 32 the 64-bit names of the eight legacy registers name their
	 * 32-bit halves (scenarios/README.md, guest.regs: the loader has
	 * checked that the value fits in 32 bits); r8-r15 do not exist. */
	char n32[4];
	if (e->mode == 32 && name[0] == 'r' && strlen(name) == 3 && !(name[1] >= '0' && name[1] <= '9')) {
		n32[0] = 'e';
		n32[1] = name[1];
		n32[2] = name[2];
		n32[3] = 0;
		name = n32;
	}
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name)) {
			if (e->mode == 32 && name[0] == 'r')
				return -1;
			rc_drop(e);             /* pending writes first: this one comes after them */
			uc_reg_write(e->uc, t[i].id, &val);
			return 0;
		}
	return -1;
}

/* ---- life cycle ------------------------------------------------------- */

struct engine *engine_new(struct cpu *cpu, int mode, bool host, char *err, size_t errsize)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	e->mode = mode;
	e->host = host;
	engine_init_fields(e, cpu);
	uc_err ue = uc_open(UC_ARCH_X86, mode == 64 ? UC_MODE_64 : UC_MODE_32, &e->uc);
	if (ue != UC_ERR_OK) {
		snprintf(err, errsize, "unicorn: %s", uc_strerror(ue));
		free(e);
		return NULL;
	}
	if (cs_open(CS_ARCH_X86, mode == 64 ? CS_MODE_64 : CS_MODE_32, &e->cs) != CS_ERR_OK) {
		snprintf(err, errsize, "capstone: cannot open");
		uc_close(e->uc);
		free(e);
		return NULL;
	}
	cs_option(e->cs, CS_OPT_DETAIL, CS_OPT_ON);
	uc_hook_add(e->uc, &e->h_block, UC_HOOK_BLOCK, (void *)engine_block_hook, e, 1, 0);
	uc_hook_add(e->uc, &e->h_intr, UC_HOOK_INTR, (void *)engine_intr_hook, e, 1, 0);
	uc_hook_add(e->uc, &e->h_invalid, UC_HOOK_INSN_INVALID, (void *)engine_invalid_hook, e, 1, 0);
	poison_class_init();
	memhooks_add(e, &e->h_smc, UC_HOOK_MEM_WRITE, (void *)poison_smc_hook, e, 1, 0);
	uc_hook_add(e->uc, &e->h_unmapped, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_FETCH_PROT,
		    (void *)engine_unmapped_hook, e, 1, 0);
	engine_add_insn_hooks(e);
	/* the CPU as a fresh engine has it, for engine_reset (reuse.c) */
	if (uc_context_alloc(e->uc, &e->ctx0) == UC_ERR_OK && uc_context_save(e->uc, e->ctx0) != UC_ERR_OK) {
		uc_context_free(e->ctx0);
		e->ctx0 = NULL;
	}
	return e;
}

void engine_init_fields(struct engine *e, struct cpu *cpu)
{
	e->cpu = cpu;
	e->ideal = &e->own_ideal;
	e->dance_at = e->unwatch_at = UINT64_MAX;
	engine_update_next_event(e);
	e->own_ideal.dr[6] = DR6_ACTIVE_LOW;
	e->own_ideal.dr[7] = DR7_FIXED_1;
}

static void precise_read_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
			      void *user)
{
	(void)uc; (void)type; (void)addr; (void)size; (void)value; (void)user;
}

void engine_set_precise_reads(struct engine *e)
{
	if (e->precise_reads)
		return;
	/* Its range is never accessed: the hook only makes Unicorn keep RIP
	 * exact at every load (engine_unmapped_hook), and no block is
	 * translated without memory hooks (memhooks.c), so at every store too. */
	memhooks_precise_reads(e, (void *)precise_read_hook);
}

bool engine_fault_imprecise(struct engine *e) { return e->fault_imprecise; }

void engine_free(struct engine *e)
{
	if (!e)
		return;
	decode_free(e);
	engine_snapshot_free(e);
	if (e->ctx0)
		uc_context_free(e->ctx0);
	uc_close(e->uc);
	for (unsigned i = 0; i < e->nmaps; i++)
		if (e->maps[i].owned)
			munmap(e->maps[i].ptr, e->maps[i].size);
	cs_close(&e->cs);
	oracle_log_free(&e->log);
	free(e->maps);
	free(e);
}

void engine_set_ops(struct engine *e, const struct engine_ops *ops)
{
	if (ops)
		e->ops = *ops;
	else
		memset(&e->ops, 0, sizeof(e->ops));
	engine_update_next_event(e);
}

void engine_boundary_at(struct engine *e, uint64_t insns)
{
	e->boundary_at = insns;
	engine_update_next_event(e);
}

void engine_set_ideal(struct engine *e, struct dr_file *ideal)
{
	e->ideal = ideal ? ideal : &e->own_ideal;
	e->dr_dirty = true;
}

void engine_set_cpu(struct engine *e, struct cpu *cpu)
{
	if (e->cpu == cpu)
		return;
	e->cpu = cpu;
	/* the hooks were built for the old CPU's DRs: rebuild at the next
	 * boundary (update_bp_hooks) */
	e->bp_key_valid = false;
	e->dr_dirty = true;
}

void engine_set_owner(struct engine *e, int owner) { e->owner = owner; }

struct dr_file *engine_ideal(struct engine *e) { return e->ideal; }
uint64_t engine_instructions(struct engine *e) { return e->insns; }

void engine_set_budget(struct engine *e, uint64_t max_insns, uint64_t max_cycles)
{
	e->max_insns = max_insns;
	e->max_cycles = max_cycles;
	engine_update_next_event(e);
}

/* ---- memory ------------------------------------------------------------ */

static bool page_mapped(struct engine *e, uint64_t pg)
{
	for (unsigned i = 0; i < e->nmaps; i++)
		if (pg >= e->maps[i].addr && pg - e->maps[i].addr < e->maps[i].size)
			return true;
	return false;
}

static int map_run(struct engine *e, uint64_t addr, uint64_t size)
{
	if (e->nmaps == e->cap_maps) {
		unsigned nc = e->cap_maps ? e->cap_maps * 2 : 16;
		void *n = realloc(e->maps, nc * sizeof(*e->maps));
		if (!n)
			return -1;
		e->maps = n;
		e->cap_maps = nc;
	}
	/* zero-filled like Unicorn's own uc_mem_map; reserved lazily.  Every
	 * run is hvsim's memory (uc_mem_map_ptr), so an SMP guest's other vCPUs
	 * can map it too (engine_map_like).  Not executable until the guest
	 * fetches from it (decode.c, "poison"). */
	void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ptr == MAP_FAILED)
		return -1;
	if (uc_mem_map_ptr(e->uc, addr, size, UC_PROT_READ | UC_PROT_WRITE, ptr) != UC_ERR_OK) {
		munmap(ptr, size);
		return -1;
	}
	e->maps[e->nmaps].addr = addr;
	e->maps[e->nmaps].size = size;
	e->maps[e->nmaps].ptr = ptr;
	e->maps[e->nmaps].owned = true;
	e->maps[e->nmaps].exec = false;
	e->nmaps++;
	return 0;
}

/* Every run is hvsim's own memory (map_run): any engine's can be shared. */
void engine_share_memory(struct engine *e) { (void)e; }

int engine_map_like(struct engine *dst, const struct engine *src)
{
	for (unsigned i = 0; i < src->nmaps; i++) {
		if (!src->maps[i].ptr)
			return -1;
		if (dst->nmaps == dst->cap_maps) {
			unsigned nc = dst->cap_maps ? dst->cap_maps * 2 : 16;
			void *n = realloc(dst->maps, nc * sizeof(*dst->maps));
			if (!n)
				return -1;
			dst->maps = n;
			dst->cap_maps = nc;
		}
		/* not executable in dst until dst fetches from it: its poison is
		 * scanned then, with whatever the other vCPUs stored by then
		 * (decode.c, "poison") */
		if (uc_mem_map_ptr(dst->uc, src->maps[i].addr, src->maps[i].size, UC_PROT_READ | UC_PROT_WRITE,
				   src->maps[i].ptr) != UC_ERR_OK)
			return -1;
		dst->maps[dst->nmaps].addr = src->maps[i].addr;
		dst->maps[dst->nmaps].size = src->maps[i].size;
		dst->maps[dst->nmaps].ptr = src->maps[i].ptr;
		dst->maps[dst->nmaps].owned = false;
		dst->maps[dst->nmaps].exec = false;
		dst->nmaps++;
	}
	return 0;
}

int engine_map(struct engine *e, uint64_t addr, uint64_t size, const void *bytes, size_t nbytes)
{
	/* Pages counted from lo, so that a region on the top page (ending at
	 * 2^64) does not wrap (issue 15 item 6). */
	uint64_t lo = addr & ~0xFFFull;
	if (size > UINT64_MAX - 0x2000 || (size && size - 1 > UINT64_MAX - addr))
		return -1;
	uint64_t npages = size ? ((addr - lo) + size + 0xFFF) >> 12 : 1;
	uint64_t run = 0, runpages = 0;
	for (uint64_t i = 0; i <= npages; i++) {
		uint64_t pg = lo + (i << 12);
		bool need = i < npages && !page_mapped(e, pg);
		if (need) {
			if (!runpages)
				run = pg;
			runpages++;
		} else if (runpages) {
			if (map_run(e, run, runpages << 12))
				return -1;
			runpages = 0;
		}
	}
	if (bytes && nbytes && uc_mem_write(e->uc, addr, bytes, nbytes) != UC_ERR_OK)
		return -1;
	poison_scan(e, addr, bytes ? nbytes : 0);
	return 0;
}

int engine_mem_read(struct engine *e, uint64_t addr, void *buf, size_t n)
{
	/* within one run: straight from its memory (struct engine, maps) */
	const uint8_t *p = mem_at(e, addr, n);
	if (p) {
		memcpy(buf, p, n);
		return 0;
	}
	return uc_mem_read(e->uc, addr, buf, n) == UC_ERR_OK ? 0 : -1;
}

int mem_put(struct engine *e, uint64_t addr, const void *buf, size_t n)
{
	/* uc_mem_write of RAM is a memcpy in Unicorn 2.0.1: it drops no
	 * translated code (qemu/exec.c invalidate_and_set_dirty is empty) and
	 * calls no hook; within one run the copy is made here */
	uint8_t *p = mem_at(e, addr, n);
	if (p) {
		memcpy(p, buf, n);
		return 0;
	}
	return uc_mem_write(e->uc, addr, buf, n) == UC_ERR_OK ? 0 : -1;
}

int engine_mem_write(struct engine *e, uint64_t addr, const void *buf, size_t n)
{
	if (mem_put(e, addr, buf, n))
		return -1;
	poison_scan(e, addr, n);
	return 0;
}

/* ---- logs -------------------------------------------------------------- */

void db_log_public(struct engine *e, uint64_t rip, unsigned hw, unsigned ideal,
		   enum db_outcome out, const char *cause)
{
	db_log_as(e, e->host, rip, hw, ideal, out, cause);
}

void db_log_as(struct engine *e, bool host, uint64_t rip, unsigned hw, unsigned ideal,
	       enum db_outcome out, const char *cause)
{
	struct cpu *c = e->cpu;
	struct db_record rec = { .cpu = c->id, .owner = e->owner, .rip = rip, .dr6 = e->ideal->dr[6],
				 .hw_dr6 = c->dr[6], .outcome = (uint8_t)out, .host = host, .cause = cause };
	oracle_log_db(&e->log, c, c->time_base, &rec, hw, ideal);   /* on machine time */
}

void engine_violation(struct engine *e, uint64_t rip, int slot, const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oracle_log_violation(&e->log, e->cpu, e->cpu->time_base, rip, slot, kind, fmt, ap);
	va_end(ap);
}

const struct db_record *engine_db_log(struct engine *e, size_t *n, uint64_t *dropped)
{
	return oracle_log_records(&e->log, n, dropped);
}

const struct violation *engine_violations(struct engine *e, size_t *n, uint64_t *dropped)
{
	return oracle_log_violations(&e->log, n, dropped);
}

const char *engine_stop_message(struct engine *e) { return e->stop_msg; }

void engine_set_amd(struct engine *e, bool amd) { e->amd = amd; }
