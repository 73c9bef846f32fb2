/* decode.c - find the instructions hvsim must handle itself ("sites") and
 * price every instruction, once per translated block.
 *
 * Sites are recognised from the bytes (prefixes, REX, opcode, ModRM) rather
 * than from Capstone's operand data, because Capstone 4 reports MOV DR as a
 * plain X86_INS_MOV and decodes DR8-DR15 forms that hardware rejects
 * (unicorn-facts §5).  Capstone is used for lengths and instruction classes.
 * Decoding is cached per block address (unicorn-facts §3: a cached lookup is
 * ~2 ns against 0.3-0.5 us for a decode). */
#include "cpu/engine_int.h"
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
	case 0x32: ii->cls = IC_RDMSR; ii->len = (uint8_t)(i + 2); return 0;
	case 0x30: ii->cls = IC_WRMSR; ii->len = (uint8_t)(i + 2); return 0;
	case 0x01:
		if (i + 2 >= n)
			return -1;
		if (b[i + 2] == 0xC1) { ii->cls = IC_VMCALL; ii->len = (uint8_t)(i + 3); }
		else if (b[i + 2] == 0xD9) { ii->cls = IC_VMMCALL; ii->len = (uint8_t)(i + 3); }
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

static uint64_t insn_cost(const struct engine *e, const cs_insn *in)
{
	const struct cost_model *c = e->cpu->cost;
	const cs_detail *d = in->detail;
	if (!d)
		return c->insn_other;
	for (unsigned g = 0; g < d->groups_count; g++) {
		uint8_t gr = d->groups[g];
		if (gr == CS_GRP_JUMP || gr == CS_GRP_CALL || gr == CS_GRP_RET || gr == CS_GRP_IRET)
			return c->insn_branch;
		if (gr == CS_GRP_PRIVILEGE || gr == CS_GRP_INT)
			return c->insn_other;
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
		return c->insn_store;
	if (load)
		return c->insn_load;
	return c->insn_alu;
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

const struct block *block_get(struct engine *e, uint64_t addr, uint32_t size, bool *new_sites)
{
	unsigned h = hash64(addr ^ ((uint64_t)size << 48));
	*new_sites = false;
	for (struct block *b = e->blocks[h]; b; b = b->next)
		if (b->addr == addr && b->size == size)
			return b;
	struct block *b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->addr = addr;
	b->size = size;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	if (uc_mem_read(e->uc, addr, buf, size) != UC_ERR_OK)
		size = 0;
	const uint8_t *p = buf;
	size_t left = size;
	uint64_t a = addr;
	cs_insn *in = cs_malloc(e->cs);
	unsigned cap = 0;
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
			if (!b->iaddr || !b->icost)
				abort();
		}
		b->iaddr[b->n] = a0;
		b->icost[b->n] = ok ? insn_cost(e, in) : e->cpu->cost->insn_other;
		b->cost += b->icost[b->n];
		b->n++;
		struct insn_info ii;
		if (engine_classify(p0, l0, e->mode, &ii) == 0 && ii.cls != IC_NONE) {
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
	return b;
}

void decode_free(struct engine *e)
{
	for (unsigned i = 0; i < HASH_SIZE; i++) {
		for (struct block *b = e->blocks[i], *n; b; b = n) {
			n = b->next;
			free(b->iaddr);
			free(b->icost);
			free(b);
		}
		for (struct site *s = e->sites[i], *n; s; s = n) {
			n = s->next;
			free(s);
		}
	}
}
