/* engine.c - hooks, the run loop, native semantics of the sites, and the
 * #DB oracle.  See engine.h for the design. */
#include "cpu/engine/engine_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

uint64_t engine_gpr(struct engine *e, int gpr)
{
	uint64_t v = 0;
	int id = uc_gpr_id(e->mode, gpr);
	if (id >= 0)
		uc_reg_read(e->uc, id, &v);
	return e->mode == 32 ? (v & 0xFFFFFFFFull) : v;
}

void engine_set_gpr(struct engine *e, int gpr, uint64_t v)
{
	int id = uc_gpr_id(e->mode, gpr);
	if (e->mode == 32)
		v &= 0xFFFFFFFFull;
	if (id >= 0)
		uc_reg_write(e->uc, id, &v);
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
	uint64_t v = 0;
	uc_reg_read(e->uc, UC_X86_REG_CR4, &v);
	return v;
}

static int uc_cr_id(int n)
{
	return n == 0 ? UC_X86_REG_CR0 : n == 2 ? UC_X86_REG_CR2 : n == 3 ? UC_X86_REG_CR3 : UC_X86_REG_CR4;
}

uint64_t engine_cr(struct engine *e, int n)
{
	uint64_t v = 0;
	uc_reg_read(e->uc, uc_cr_id(n), &v);
	return e->mode == 32 ? (v & 0xFFFFFFFFull) : v;
}

void engine_set_cr(struct engine *e, int n, uint64_t v)
{
	if (e->mode == 32)
		v &= 0xFFFFFFFFull;
	uc_reg_write(e->uc, uc_cr_id(n), &v);
}

void engine_set_segments(struct engine *e, uint64_t gdt, uint16_t gdt_limit, uint16_t tr_sel,
			 uint64_t tss, uint32_t tss_limit, uint16_t cs, uint16_t ss)
{
	uc_x86_mmr g = { .selector = 0, .base = gdt, .limit = gdt_limit, .flags = 0 };
	uc_reg_write(e->uc, UC_X86_REG_GDTR, &g);
	uc_x86_mmr tr = { .selector = tr_sel, .base = tss, .limit = tss_limit, .flags = 0x89 };
	uc_reg_write(e->uc, UC_X86_REG_TR, &tr);
	uc_reg_write(e->uc, UC_X86_REG_CS, &cs);
	uc_reg_write(e->uc, UC_X86_REG_SS, &ss);
}

int engine_cpl(struct engine *e)
{
	uint64_t cs = 0;
	uc_reg_read(e->uc, UC_X86_REG_CS, &cs);
	return (int)(cs & 3);
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
	e->cpu = cpu;
	e->mode = mode;
	e->host = host;
	e->ideal = &e->own_ideal;
	e->own_ideal.dr[6] = DR6_ACTIVE_LOW;
	e->own_ideal.dr[7] = DR7_FIXED_1;
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
	uc_hook_add(e->uc, &e->h_smc, UC_HOOK_MEM_WRITE, (void *)poison_smc_hook, e, 1, 0);
	uc_hook_add(e->uc, &e->h_unmapped, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_FETCH_PROT,
		    (void *)engine_unmapped_hook, e, 1, 0);
	return e;
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
	 * exact at every load (engine_unmapped_hook). */
	uc_hook_add(e->uc, &e->h_precise, UC_HOOK_MEM_READ, (void *)precise_read_hook, e,
		    SENTINEL64, SENTINEL64);
	e->precise_reads = true;
}

bool engine_fault_imprecise(struct engine *e) { return e->fault_imprecise; }

void engine_free(struct engine *e)
{
	if (!e)
		return;
	decode_free(e);
	uc_close(e->uc);
	for (unsigned i = 0; i < e->nmaps; i++)
		if (e->maps[i].owned)
			free(e->maps[i].ptr);
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
	void *ptr = NULL;
	if (e->shared_mem) {
		/* uc_mem_map_ptr: "This address must be aligned to 4KB ... This
		 * size must be a multiple of 4KB" (unicorn.h); zeroed like
		 * uc_mem_map's pages */
		ptr = aligned_alloc(4096, size);
		if (!ptr)
			return -1;
		memset(ptr, 0, size);
		if (uc_mem_map_ptr(e->uc, addr, size, UC_PROT_ALL, ptr) != UC_ERR_OK) {
			free(ptr);
			return -1;
		}
	} else if (uc_mem_map(e->uc, addr, size, UC_PROT_ALL) != UC_ERR_OK) {
		return -1;
	}
	e->maps[e->nmaps].addr = addr;
	e->maps[e->nmaps].size = size;
	e->maps[e->nmaps].ptr = ptr;
	e->maps[e->nmaps].owned = ptr != NULL;
	e->nmaps++;
	return 0;
}

void engine_share_memory(struct engine *e) { e->shared_mem = true; }

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
		if (uc_mem_map_ptr(dst->uc, src->maps[i].addr, src->maps[i].size, UC_PROT_ALL, src->maps[i].ptr) !=
		    UC_ERR_OK)
			return -1;
		dst->maps[dst->nmaps].addr = src->maps[i].addr;
		dst->maps[dst->nmaps].size = src->maps[i].size;
		dst->maps[dst->nmaps].ptr = src->maps[i].ptr;
		dst->maps[dst->nmaps].owned = false;
		dst->nmaps++;
		/* the translator of dst has not seen these bytes (decode.c) */
		poison_scan(dst, src->maps[i].addr, src->maps[i].size);
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
	return uc_mem_read(e->uc, addr, buf, n) == UC_ERR_OK ? 0 : -1;
}

int engine_mem_write(struct engine *e, uint64_t addr, const void *buf, size_t n)
{
	if (uc_mem_write(e->uc, addr, buf, n) != UC_ERR_OK)
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
