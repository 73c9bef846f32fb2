/* decode.c - find the instructions hvsim must handle itself ("sites") and
 * price every instruction, once per translated block.
 *
 * Sites are recognised from the bytes (prefixes, REX, opcode, ModRM) rather
 * than from Capstone's operand data, because Capstone 4 reports MOV DR as a
 * plain X86_INS_MOV and decodes DR8-DR15 forms that hardware rejects
 * (unicorn-facts §5).  Capstone is used for lengths and instruction classes.
 * Decoding is cached per block address (unicorn-facts §3: a cached lookup is
 * ~2 ns against 0.3-0.5 us for a decode). */
#include "cpu/engine/engine_int.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static unsigned hash64(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	return (unsigned)(a & (HASH_SIZE - 1));
}

int engine_classify(const uint8_t *b, size_t n, int mode, struct insn_info *ii)
{
	size_t i = 0;
	bool rex_r = false, rex_b = false, rex_w = false, opsize = false;
	memset(ii, 0, sizeof(*ii));
	ii->dr = -1;
	ii->gpr = -1;
	/* legacy prefixes */
	while (i < n && i < 14) {
		uint8_t p = b[i];
		if (p == 0xF0)
			ii->lock = true;
		else if (p == 0x66)
			opsize = true;
		else if (!(p == 0x67 || p == 0xF2 || p == 0xF3 || p == 0x2E || p == 0x36 ||
			   p == 0x3E || p == 0x26 || p == 0x64 || p == 0x65))
			break;
		i++;
	}
	if (mode == 64 && i < n && (b[i] & 0xF0) == 0x40) {
		rex_w = b[i] & 8;
		rex_r = b[i] & 4;
		rex_b = b[i] & 1;
		i++;
	}
	if (i >= n)
		return -1;
	uint8_t op = b[i];
	ii->rex_w = rex_w;
	switch (op) {
	case 0xF4: ii->cls = IC_HLT; ii->len = (uint8_t)(i + 1); return 0;
	case 0xFA: case 0xFB:                           /* CLI, STI: IOPL-sensitive */
		ii->cls = IC_PRIV;
		ii->iopl = true;
		ii->sti = op == 0xFB;
		ii->len = (uint8_t)(i + 1);
		return 0;
	case 0xF1: ii->cls = IC_ICEBP; ii->len = (uint8_t)(i + 1); return 0;
	case 0x9D: ii->cls = IC_POPF; ii->opsize = opsize; ii->len = (uint8_t)(i + 1); return 0;
	case 0xCF:
		ii->cls = opsize ? IC_BAD : IC_IRET;
		ii->len = (uint8_t)(i + 1);
		return 0;
	case 0xE4: case 0xE5: case 0xE6: case 0xE7:
		if (i + 1 >= n)
			return -1;
		ii->cls = IC_IO;
		ii->io_in = op < 0xE6;
		ii->io_size = (op & 1) ? (opsize ? 2 : 4) : 1;
		ii->io_port = b[i + 1];
		ii->len = (uint8_t)(i + 2);
		return 0;
	case 0xEC: case 0xED: case 0xEE: case 0xEF:
		ii->cls = IC_IO;
		ii->io_in = op < 0xEE;
		ii->io_dx = true;
		ii->io_size = (op & 1) ? (opsize ? 2 : 4) : 1;
		ii->len = (uint8_t)(i + 1);
		return 0;
	case 0x6C: case 0x6D: case 0x6E: case 0x6F:     /* INS/OUTS: not modelled */
		ii->cls = IC_BAD;
		ii->len = (uint8_t)(i + 1);
		return 0;
	case 0x8E:
		/* MOV Sreg, r/m16: a site only for SS (ModRM.reg = 2).  Its length
		 * comes from Capstone (block_get); only the class is set here. */
		if (i + 1 >= n)
			return -1;
		if (((b[i + 1] >> 3) & 7) == 2)
			ii->cls = IC_MOV_SS;
		return 0;
	case 0x17:
		/* POP SS: invalid in 64-bit mode (#UD, left to Unicorn). */
		if (mode == 32) {
			ii->cls = IC_MOV_SS;
			ii->len = (uint8_t)(i + 1);
		}
		return 0;
	case 0x0F:
		break;
	default:
		return 0;
	}
	if (i + 1 >= n)
		return -1;
	uint8_t op2 = b[i + 1];
	switch (op2) {
	case 0xA2: ii->cls = IC_CPUID; ii->len = (uint8_t)(i + 2); return 0;
	case 0x06: case 0x08: case 0x09:                /* CLTS, INVD, WBINVD */
		ii->cls = IC_PRIV;
		ii->len = (uint8_t)(i + 2);
		return 0;
	case 0x00:                                      /* group 6: LLDT (/2), LTR (/3) */
		if (i + 2 >= n)
			return -1;
		if (((b[i + 2] >> 3) & 7) == 2 || ((b[i + 2] >> 3) & 7) == 3)
			ii->cls = IC_PRIV;                  /* length from Capstone (block_get) */
		return 0;
	case 0x20: case 0x22: {
		/* MOV from/to CRn: register form always (like MOV DR).  CR0, CR2,
		 * CR3, CR4 only; CR8 and the undefined CRs stay Unicorn's. */
		if (i + 2 >= n)
			return -1;
		uint8_t modrm = b[i + 2];
		int cr = ((modrm >> 3) & 7) | (rex_r ? 8 : 0);
		if (cr > 4 || cr == 1)
			return 0;
		ii->cls = ii->lock ? IC_BAD : IC_MOV_CR;
		ii->dr_write = op2 == 0x22;
		ii->dr = (int8_t)cr;
		ii->gpr = (int8_t)((modrm & 7) | (rex_b ? 8 : 0));
		ii->len = (uint8_t)(i + 3);
		return 0;
	}
	case 0x05: ii->cls = IC_SYSCALL; ii->len = (uint8_t)(i + 2); return 0;
	case 0x07: ii->cls = IC_SYSRET; ii->len = (uint8_t)(i + 2); return 0;
	case 0x32: ii->cls = IC_RDMSR; ii->len = (uint8_t)(i + 2); return 0;
	case 0x30: ii->cls = IC_WRMSR; ii->len = (uint8_t)(i + 2); return 0;
	case 0x01:
		if (i + 2 >= n)
			return -1;
		if (b[i + 2] == 0xC1) { ii->cls = IC_VMCALL; ii->len = (uint8_t)(i + 3); }
		else if (b[i + 2] == 0xD9) { ii->cls = IC_VMMCALL; ii->len = (uint8_t)(i + 3); }
		else if ((b[i + 2] >> 6) != 3 && (((b[i + 2] >> 3) & 7) == 2 || ((b[i + 2] >> 3) & 7) == 3 ||
						  ((b[i + 2] >> 3) & 7) == 7))
			ii->cls = IC_PRIV;      /* LGDT, LIDT, INVLPG m: length from Capstone */
		return 0;
	case 0x21: case 0x23: {
		if (i + 2 >= n)
			return -1;
		/* MOV DR always uses the register form: ModRM.mod is ignored
		 * (SDM Vol.2 MOV DR; unicorn-facts §5: 0F 23 30 = mov dr6, rax). */
		uint8_t modrm = b[i + 2];
		ii->cls = ii->lock ? IC_BAD : IC_MOV_DR;
		ii->dr_write = op2 == 0x23;
		ii->dr = (int8_t)(((modrm >> 3) & 7) | (rex_r ? 8 : 0));
		ii->gpr = (int8_t)((modrm & 7) | (rex_b ? 8 : 0));
		ii->len = (uint8_t)(i + 3);
		return 0;
	}
	default:
		return 0;
	}
}

/* The cost entry of one instruction (COSTI_insn_*). */
static unsigned insn_class(const cs_insn *in)
{
	const cs_detail *d = in->detail;
	if (!d)
		return COSTI_insn_other;
	for (unsigned g = 0; g < d->groups_count; g++) {
		uint8_t gr = d->groups[g];
		if (gr == CS_GRP_JUMP || gr == CS_GRP_CALL || gr == CS_GRP_RET || gr == CS_GRP_IRET)
			return COSTI_insn_branch;
		if (gr == CS_GRP_PRIVILEGE || gr == CS_GRP_INT)
			return COSTI_insn_other;
	}
	bool load = false, store = false;
	for (unsigned o = 0; o < d->x86.op_count; o++) {
		const cs_x86_op *op = &d->x86.operands[o];
		if (op->type != X86_OP_MEM)
			continue;
		if (op->access & CS_AC_WRITE)
			store = true;
		else
			load = true;
	}
	if (store)
		return COSTI_insn_store;
	if (load)
		return COSTI_insn_load;
	return COSTI_insn_alu;
}

/* What an instruction may do to memory, conservatively (MEM_R | MEM_W): a
 * data breakpoint can fire only after such an instruction (memhooks.c,
 * "watch"), so an instruction wrongly called memory-free would have its
 * trap delivered late.  Memory-free: decoded, no memory operand, no
 * implicit stack, string or pointer register (push/call/ret, MOVS, XLAT,
 * MASKMOVDQU, ...), no far branch, segment load or system-table access. */
static unsigned insn_mem(const cs_insn *in, bool ok)
{
	const cs_detail *d = ok ? in->detail : NULL;
	if (!d)
		return MEM_R | MEM_W;
	unsigned m = 0;
	for (unsigned o = 0; o < d->x86.op_count; o++) {
		const cs_x86_op *op = &d->x86.operands[o];
		if (op->type == X86_OP_MEM) {
			if (op->access & CS_AC_READ)
				m |= MEM_R;
			if (op->access & CS_AC_WRITE)
				m |= MEM_W;
			if (!(op->access & (CS_AC_READ | CS_AC_WRITE)))
				m |= MEM_R | MEM_W;
		} else if (op->type == X86_OP_REG &&
			   (op->reg == X86_REG_CS || op->reg == X86_REG_DS || op->reg == X86_REG_ES ||
			    op->reg == X86_REG_FS || op->reg == X86_REG_GS || op->reg == X86_REG_SS)) {
			m |= MEM_R | MEM_W;       /* segment registers: descriptor loads */
		}
	}
	static const unsigned ptr_regs[] = { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_RSI, X86_REG_ESI,
					     X86_REG_SI, X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_RBX,
					     X86_REG_EBX, X86_REG_BX };
	for (unsigned i = 0; i < d->regs_read_count + d->regs_write_count; i++) {
		unsigned r = i < d->regs_read_count ? d->regs_read[i] : d->regs_write[i - d->regs_read_count];
		for (unsigned k = 0; k < sizeof(ptr_regs) / sizeof(ptr_regs[0]); k++)
			if (r == ptr_regs[k])
				return MEM_R | MEM_W;
	}
	for (unsigned g = 0; g < d->groups_count; g++)
		if (d->groups[g] == CS_GRP_INT || d->groups[g] == CS_GRP_IRET || d->groups[g] == CS_GRP_PRIVILEGE)
			return MEM_R | MEM_W;
	switch (in->id) {
	case X86_INS_LJMP: case X86_INS_LCALL: case X86_INS_RETF: case X86_INS_RETFQ:
	case X86_INS_LAR: case X86_INS_LSL: case X86_INS_VERR: case X86_INS_VERW:
	case X86_INS_XLATB: case X86_INS_MASKMOVQ: case X86_INS_MASKMOVDQU: case X86_INS_VMASKMOVDQU:
	case X86_INS_MONITOR: case X86_INS_SYSCALL: case X86_INS_SYSENTER: case X86_INS_SYSEXIT:
	case X86_INS_SYSRET:
		return MEM_R | MEM_W;
	default:
		return m;
	}
}

struct site *site_find(struct engine *e, uint64_t addr)
{
	for (struct site *s = e->sites[hash64(addr)]; s; s = s->next)
		if (s->ii.rip == addr)
			return s;
	return NULL;
}

static void site_add(struct engine *e, const struct insn_info *ii)
{
	struct site *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->ii = *ii;
	unsigned h = hash64(ii->rip);
	s->next = e->sites[h];
	e->sites[h] = s;
	e->nsites++;
	uc_hook_add(e->uc, &s->hook, UC_HOOK_CODE, (void *)engine_code_hook, e, ii->rip, ii->rip);
}

struct block *block_find(struct engine *e, uint64_t addr, uint32_t size)
{
	for (struct block *b = e->blocks[hash64(addr ^ ((uint64_t)size << 48))]; b; b = b->next)
		if (b->addr == addr && b->size == size)
			return b;
	return NULL;
}

struct block *block_get(struct engine *e, uint64_t addr, uint32_t size, bool *new_sites)
{
	unsigned h = hash64(addr ^ ((uint64_t)size << 48));
	*new_sites = false;
	struct block *b = block_find(e, addr, size);
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->addr = addr;
	b->size = size;
	b->w_lo = b->m_lo = UINT64_MAX;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	if (uc_mem_read(e->uc, addr, buf, size) != UC_ERR_OK)
		size = 0;
	const uint8_t *p = buf;
	size_t left = size;
	uint64_t a = addr;
	cs_insn *in = cs_malloc(e->cs);
	unsigned cap = 0, prev_mem = 0;
	while (left > 0) {
		const uint8_t *p0 = p;
		uint64_t a0 = a;
		size_t l0 = left;
		bool ok = cs_disasm_iter(e->cs, &p, &left, &a, in);
		uint64_t len = ok ? in->size : 1;
		if (b->n == cap) {
			cap = cap ? cap * 2 : 8;
			b->iaddr = realloc(b->iaddr, cap * sizeof(uint64_t));
			b->icost = realloc(b->icost, cap * sizeof(uint64_t));
			b->icls = realloc(b->icls, cap);
			if (!b->iaddr || !b->icost || !b->icls)
				abort();
		}
		b->iaddr[b->n] = a0;
		unsigned cls = ok ? insn_class(in) : COSTI_insn_other;
		b->icls[b->n] = (uint8_t)cls;
		b->ncls[cls - COSTI_insn_alu]++;
		b->icost[b->n] = cost_get(e->cpu->cost, cls);
		b->cost += b->icost[b->n];
		b->n++;
		/* the boundary in front of this instruction follows a memory access? */
		if (prev_mem & MEM_W) {
			if (b->w_lo == UINT64_MAX)
				b->w_lo = a0;
			b->w_hi = a0;
		}
		if (prev_mem) {
			if (b->m_lo == UINT64_MAX)
				b->m_lo = a0;
			b->m_hi = a0;
		}
		prev_mem = insn_mem(in, ok);
		b->mem |= (uint8_t)prev_mem;
		struct insn_info ii;
		int cl = engine_classify(p0, l0, e->mode, &ii);
		if (cl == 0 && ii.cls != IC_NONE && !ii.len) {
			/* MOV SS, r/m16 and the ModRM forms of IC_PRIV: the length is Capstone's;
			 * undecodable bytes are no site (Unicorn raises #UD). */
			if (ok)
				ii.len = (uint8_t)in->size;
			else
				ii.cls = IC_NONE;
		}
		if (cl == 0 && ii.cls != IC_NONE) {
			ii.rip = a0;
			if (!site_find(e, a0)) {
				site_add(e, &ii);
				*new_sites = true;
			}
			len = ii.len;
		}
		if (!ok) {
			p = p0 + len;
			left = l0 > len ? l0 - len : 0;
			a = a0 + len;
		}
	}
	cs_free(in, 1);
	free(buf);
	b->next = e->blocks[h];
	e->blocks[h] = b;
	if (memhooks_block_new(e, b))
		*new_sites = true;          /* its watch hook: retranslate it */
	return b;
}

void decode_free(struct engine *e)
{
	free(e->poison);
	e->poison = NULL;
	e->npoison = e->cap_poison = 0;
	for (unsigned i = 0; i < HASH_SIZE; i++) {
		for (struct block *b = e->blocks[i], *n; b; b = n) {
			n = b->next;
			free(b->iaddr);
			free(b->icost);
			free(b->icls);
			free(b);
		}
		for (struct site *s = e->sites[i], *n; s; s = n) {
			n = s->next;
			free(s);
		}
	}
}

/* ---- poison: instructions Unicorn 2.0.1 cannot translate ------------------
 *
 * FF /3 (CALL FAR) and FF /5 (JMP FAR) take a far pointer in memory; with a
 * register operand (ModRM.mod = 11) the encoding is invalid and raises #UD
 * (SDM Vol.2 CALL/JMP: "m16:16/m16:32/m16:64"; opcode map, group 5, "Ep").
 * Unicorn 2.0.1's translator lacks that check and aborts the whole process
 * with "tcg fatal error" while translating the block (found by
 * fuzz/fuzz_guest.c; unicorn-engine/unicorn issue #1716; later QEMU rejects
 * mod = 11 there).  Hooks run only after a block is translated, so the only
 * way to stop Unicorn in front of such an instruction is its exit list, which
 * the translator checks at every instruction start: every address where one
 * can start (the FF byte, and any run of up to 14 prefix bytes before it) is
 * registered as an exit, and engine_run() reports a stop there as an invalid
 * opcode.  The guest bytes are rescanned wherever they change: at mapping,
 * on host writes (engine_mem_write) and on guest stores (poison_smc_hook).
 *
 * Only memory Unicorn translates needs exits, and Unicorn translates only
 * from memory it may execute.  Each run is mapped without UC_PROT_EXEC: the
 * first fetch from it stops the run before anything of the block being
 * translated executes (UC_MEM_FETCH_PROT, RIP = that block's start; measured)
 * and engine_run() makes the run executable with its poison registered
 * (poison_enable_exec), then resumes there.  So the list holds poison of
 * executable runs only, and stores into memory that never ran code rebuild
 * nothing: Unicorn 2.0.1 has no way to add one exit (UC_CTL_UC_EXITS
 * re-inserts the whole list, uc.c), so an exit per such store made the
 * adversarial stores of bench/rows_data.c (adv_*) quadratic. */

static bool poison_prefix(int mode, uint8_t b)
{
	switch (b) {
	case 0xF0: case 0xF2: case 0xF3: case 0x2E: case 0x36: case 0x3E: case 0x26:
	case 0x64: case 0x65: case 0x66: case 0x67:
		return true;
	default:
		return mode == 64 && (b & 0xF0) == 0x40;      /* REX (INC/DEC in 32-bit mode) */
	}
}

static bool poison_modrm(uint8_t m)
{
	unsigned reg = (m >> 3) & 7;
	return (m >> 6) == 3 && (reg == 3 || reg == 5);
}

/* Index of the first poison address >= addr (the sorted list's lower bound). */
static size_t poison_lower_bound(const struct engine *e, uint64_t addr)
{
	size_t lo = 0, hi = e->npoison;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->poison[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool poison_at(const struct engine *e, uint64_t addr)
{
	size_t lo = poison_lower_bound(e, addr);
	return lo < e->npoison && e->poison[lo] == addr;
}

static bool poison_add(struct engine *e, uint64_t addr)
{
	size_t lo = poison_lower_bound(e, addr);
	if (lo < e->npoison && e->poison[lo] == addr)
		return false;
	if (e->npoison == e->cap_poison) {
		size_t nc = e->cap_poison ? e->cap_poison * 2 : 16;
		uint64_t *np = realloc(e->poison, nc * sizeof(*np));
		if (!np)
			abort();
		e->poison = np;
		e->cap_poison = nc;
	}
	memmove(e->poison + lo + 1, e->poison + lo, (e->npoison - lo) * sizeof(*e->poison));
	e->poison[lo] = addr;
	e->npoison++;
	return true;
}

/* Hand the exit list (poison + the sentinel `until`) to Unicorn; allowed
 * inside hooks, and takes effect for every block translated afterwards. */
static void poison_apply(struct engine *e)
{
	uint64_t *ex = malloc((e->npoison + 1) * sizeof(*ex));
	if (!ex)
		abort();
	memcpy(ex, e->poison, e->npoison * sizeof(*ex));
	ex[e->npoison] = e->mode == 64 ? SENTINEL64 : SENTINEL32;
	if (!e->exits_on) {
		uc_ctl_exits_enable(e->uc);
		e->exits_on = true;
	}
	uc_ctl_set_exits(e->uc, ex, e->npoison + 1);
	free(ex);
}

/* In a run Unicorn may execute (see above). */
static bool addr_exec(struct engine *e, uint64_t addr)
{
	int m = map_find(e, addr);
	return m >= 0 && e->maps[m].exec;
}

/* Does [lo, hi) overlap an executable run? */
static bool window_exec(const struct engine *e, uint64_t lo, uint64_t hi)
{
	for (unsigned m = 0; m < e->nmaps; m++)
		if (e->maps[m].exec && e->maps[m].addr < hi && map_end(e, m) > lo)
			return true;
	return false;
}

/* Scan buf (guest bytes at base..base+n) for poison starts in executable runs. */
static bool poison_scan_buf(struct engine *e, uint64_t base, const uint8_t *buf, size_t n)
{
	bool added = false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (buf[i] != 0xFF || !poison_modrm(buf[i + 1]))
			continue;
		if (addr_exec(e, base + i))
			added |= poison_add(e, base + i);
		for (size_t j = i; j > 0 && i - (j - 1) < 15 && poison_prefix(e->mode, buf[j - 1]); j--)
			if (addr_exec(e, base + j - 1))
				added |= poison_add(e, base + j - 1);
	}
	return added;
}

/* Read guest bytes [lo, hi) that are mapped; unmapped ones read as 0. */
static void read_mapped(struct engine *e, uint64_t lo, uint8_t *buf, size_t n)
{
	memset(buf, 0, n);
	uint64_t hi = lo + n;
	for (unsigned m = 0; m < e->nmaps; m++) {
		uint64_t a = e->maps[m].addr, b = map_end(e, m);
		if (b <= lo || a >= hi)
			continue;
		uint64_t s = a > lo ? a : lo, t = b < hi ? b : hi;
		uc_mem_read(e->uc, s, buf + (s - lo), t - s);
	}
}

void poison_scan(struct engine *e, uint64_t addr, uint64_t n)
{
	if (!n)
		return;
	/* 14 prefix bytes before an FF that the change completes, and the ModRM
	 * byte after an FF it writes */
	uint64_t lo = addr > 15 ? addr - 15 : 0, hi = addr + n + 1;
	if (hi < addr)
		hi = UINT64_MAX;
	if (!window_exec(e, lo, hi))
		return;                 /* rescanned when it becomes executable */
	bool added = false;
	uint8_t buf[4096 + 32];
	for (uint64_t a = lo; a < hi;) {
		/* chunks overlap by 16 bytes so that no pair or prefix run is cut */
		uint64_t len = hi - a > 4096 + 16 ? 4096 + 16 : hi - a;
		read_mapped(e, a, buf, (size_t)len);
		added |= poison_scan_buf(e, a, buf, (size_t)len);
		if (len < 4096 + 16)
			break;
		a += 4096;
	}
	if (added)
		poison_apply(e);
}

/* Byte classes of poison_smc_hook, one table lookup per stored byte
 * instead of poison_modrm and poison_prefix (every guest store into a run
 * that has run code comes here): PC_PAIR = FF or a ModRM byte of FF /3 or
 * FF /5 with mod = 11 (poison_modrm), PC_PREFIX = a legacy prefix
 * (poison_prefix in both modes), PC_REX = 40-4F (a prefix in 64-bit mode
 * only).  Built once, from those two functions. */
enum { PC_PAIR = 1, PC_PREFIX = 2, PC_REX = 4 };
static uint8_t poison_class[256];
static pthread_once_t poison_class_once = PTHREAD_ONCE_INIT;

static void poison_class_build(void)
{
	for (unsigned b = 0; b < 256; b++)
		poison_class[b] = (uint8_t)((b == 0xFF || poison_modrm((uint8_t)b) ? PC_PAIR : 0) |
					    (poison_prefix(32, (uint8_t)b) ? PC_PREFIX : 0) |
					    (!poison_prefix(32, (uint8_t)b) && poison_prefix(64, (uint8_t)b) ? PC_REX : 0));
}

void poison_class_init(void)
{
	pthread_once(&poison_class_once, poison_class_build);
}

/* Guest stores.  A store can create a poison start only by writing the FF
 * byte or the ModRM byte of a pair, or a prefix byte in front of an
 * existing pair; anything else returns after a few compares (a store to
 * guest memory costs ~150 ns in Unicorn 2.0.1 anyway, unicorn-facts §2.3
 * pitfall 11). */
void poison_smc_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct engine *e = user;
	(void)uc;
	(void)type;
	if (size <= 0)
		return;
	/* the softmmu store helpers report 1, 2, 4 or 8 bytes (wider stores
	 * arrive as several) */
	unsigned n = size > 8 ? 8 : (unsigned)size;
	/* Most stores go to memory that never ran code (data, stacks): no byte
	 * of the window they can change a poison start in (15 bytes either
	 * side) can be translated before it is rescanned (see above). */
	uint64_t wlo = addr > 15 ? addr - 15 : 0, whi = addr + n + 15;
	if (whi < addr)
		whi = UINT64_MAX;
	int m = map_find(e, addr);
	if (m >= 0 && !e->maps[m].exec && wlo >= e->maps[m].addr && whi <= map_end(e, (unsigned)m))
		return;                    /* inside one such run: the common case */
	/* The stored bytes before the runs around them (window_exec): a store
	 * of no byte that matters returns either way, and this test is cheaper
	 * (an exception handler's store into a stack that shares a run with
	 * code, bench row db_idt) */
	uint64_t v = (uint64_t)value;
	bool pair = false, prefix = false;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = poison_class[(uint8_t)(v >> (8 * i))];
		pair |= (c & PC_PAIR) != 0;
		prefix |= (c & (e->mode == 64 ? PC_PREFIX | PC_REX : PC_PREFIX)) != 0;
	}
	if (!pair && (!prefix || !e->npoison))
		return;
	if (!window_exec(e, wlo, whi))
		return;
	if (!pair) {
		/* a prefix run ending at an existing pair within 14 bytes? */
		size_t lo = 0, hi = e->npoison;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (e->poison[mid] <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == e->npoison || e->poison[lo] > addr + n + 14)
			return;
	}
	/* A run that has run code, but not the block running now: make it
	 * not executable again rather than add exits one by one (Unicorn
	 * 2.0.1 rebuilds its whole list for each, quadratic under repeated
	 * stores, bench rows smc_*); its next fetch rescans it.  Taking EXEC
	 * from the run holding RIP would end the block right after this
	 * store, in the middle of the instruction (uc.c uc_mem_protect,
	 * memhooks.c fact 3): that run gets its exits now. */
	const struct block *cur = e->blk;
	for (unsigned r = 0; cur && r < e->nmaps; r++)
		if (e->maps[r].exec && e->maps[r].addr < whi && map_end(e, r) > wlo &&
		    !(e->maps[r].addr < cur->addr + cur->size && map_end(e, r) > cur->addr) &&
		    uc_mem_protect(e->uc, e->maps[r].addr, e->maps[r].size, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK)
			e->maps[r].exec = false;
	if (!window_exec(e, wlo, whi))
		return;
	/* The hook runs before the store: scan the window with the new bytes. */
	uint8_t buf[15 + 8 + 15];
	size_t len = (size_t)(addr - wlo) + n + 15;
	read_mapped(e, wlo, buf, len);
	for (unsigned i = 0; i < n; i++)
		buf[addr - wlo + i] = (uint8_t)(v >> (8 * i));
	if (poison_scan_buf(e, wlo, buf, len))
		poison_apply(e);
}

/* Did the one instruction of block `b` cause a branch?  The guest is now at
 * `rip`.  With TF = 1 every translated block holds one instruction, and BTF
 * (IA32_DEBUGCTL bit 1) lets the single-step trap through "only after
 * instructions that cause a branch" (SDM Vol.3 17.4.3): a branch that is
 * taken is one whatever its target, so RIP landing on the fall-through
 * address proves nothing -- a JMP, CALL or RET to the next instruction, and a
 * Jcc / LOOPcc / JrCXZ whose condition holds with a displacement of 0, are
 * taken branches all the same.  Those are told apart here: an unconditional
 * control transfer (Capstone's jump/call/ret groups, insn_class) is taken;
 * the conditional ones (by opcode: Capstone 4 puts LOOP in no jump group)
 * are decided the way the SDM's pseudocode decides them
 * (Vol.2 "Jcc": the condition on RFLAGS, which Jcc does not change; "LOOP/
 * LOOPcc": the count after the decrement, in the address size's RCX/ECX/CX,
 * with ZF for LOOPE/LOOPNE; "JCXZ/JECXZ/JRCXZ": the count, unchanged). */
bool engine_branch_taken(struct engine *e, const struct block *b, uint64_t rip)
{
	if (rip != b->addr + b->size)
		return true;                 /* somewhere else: taken */
	if (b->n != 1)
		return false;
	uint8_t buf[15];
	size_t n = b->size < sizeof(buf) ? b->size : sizeof(buf), i = 0;
	if (uc_mem_read(e->uc, b->addr, buf, n) != UC_ERR_OK)
		return b->icls[0] == COSTI_insn_branch;
	bool asize = false;              /* 67h: the other address size */
	while (i < n && (buf[i] == 0x66 || buf[i] == 0x67 || buf[i] == 0xF2 || buf[i] == 0xF3 ||
			 buf[i] == 0x2E || buf[i] == 0x36 || buf[i] == 0x3E || buf[i] == 0x26 ||
			 buf[i] == 0x64 || buf[i] == 0x65 || buf[i] == 0xF0)) {
		asize |= buf[i] == 0x67;
		i++;
	}
	if (e->mode == 64 && i < n && (buf[i] & 0xF0) == 0x40)
		i++;                         /* REX */
	if (i >= n)
		return b->icls[0] == COSTI_insn_branch;
	uint8_t op = buf[i];
	int cc = -1;
	if (op >= 0x70 && op <= 0x7F)
		cc = op & 0xF;               /* Jcc rel8 */
	else if (op == 0x0F && i + 1 < n && buf[i + 1] >= 0x80 && buf[i + 1] <= 0x8F)
		cc = buf[i + 1] & 0xF;       /* Jcc rel16/32 */
	uint64_t fl = uc_flags_read(e);
	if (cc >= 0) {
		/* SDM Vol.2 Jcc / Vol.1 Table B-1: conditions 0-15 are O, B, Z,
		 * BE, S, P, L, LE (an odd number negates the even one before it) */
		bool of = fl & (1u << 11), cf = fl & 1, zf = fl & (1u << 6), sf = fl & (1u << 7),
		     pf = fl & (1u << 2), t;
		switch (cc >> 1) {
		case 0: t = of; break;
		case 1: t = cf; break;
		case 2: t = zf; break;
		case 3: t = cf || zf; break;
		case 4: t = sf; break;
		case 5: t = pf; break;
		case 6: t = sf != of; break;
		default: t = zf || sf != of; break;
		}
		return (cc & 1) ? !t : t;
	}
	if (op >= 0xE0 && op <= 0xE3) {
		/* the count register in the address size: 64 (32 with 67h) in
		 * 64-bit mode, 32 (16 with 67h) in 32-bit code */
		unsigned bits = e->mode == 64 ? (asize ? 32 : 64) : (asize ? 16 : 32);
		uint64_t cnt = engine_gpr(e, 1);
		if (bits < 64)
			cnt &= (1ull << bits) - 1;
		bool zf = fl & (1u << 6);
		switch (op) {
		case 0xE0: return cnt != 0 && !zf;   /* LOOPNE */
		case 0xE1: return cnt != 0 && zf;    /* LOOPE */
		case 0xE2: return cnt != 0;          /* LOOP */
		default: return cnt == 0;            /* JrCXZ */
		}
	}
	/* JMP, CALL, RET: always taken; anything else is no branch */
	return b->icls[0] == COSTI_insn_branch;
}

/* The guest fetched from run `map` for the first time: register the poison
 * it holds, then let Unicorn execute it.  0, or -1 if Unicorn refuses. */
int poison_enable_exec(struct engine *e, unsigned map)
{
	if (uc_mem_protect(e->uc, e->maps[map].addr, e->maps[map].size, UC_PROT_ALL) != UC_ERR_OK)
		return -1;
	e->maps[map].exec = true;
	poison_scan(e, e->maps[map].addr, e->maps[map].size);
	return 0;
}
