/* scenario_code.c - the scenario schema's address rules and code blocks
 * (`asm` / `code`, assembled through asm.c), shared by guest and host
 * snippets.  See scenario_parse.h. */
#define _GNU_SOURCE
#include "sim/loader/scenario_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/loader/asm.h"

/* ================================================================ addresses */

void scn_check_addr(struct ydoc *c, yaml_node_t *n, const char *what, uint64_t addr, int mode)
{
	if (mode == 32 && addr >= ADDR32_LIMIT)
		y_fail(c, n, "%s 0x%" PRIx64 " is out of range for 32-bit mode (must be below 0x100000000)",
		       what, addr);
	if (mode == 64 && addr >= CANON_LOW_END && addr < CANON_HIGH)
		y_fail(c, n, "%s 0x%" PRIx64 " is out of range: not a canonical 64-bit address", what, addr);
	/* AArch64 (issue 20): a 48-bit virtual address space (TCR_EL1.T0SZ =
	 * 16), the engine's and the reference VM's range */
	if (mode == GUEST_MODE_A64 && addr >= A64_ADDR_LIMIT)
		y_fail(c, n, "%s 0x%" PRIx64 " is out of range for an aarch64 guest (must be below 0x1000000000000)",
		       what, addr);
}

void scn_check_span(struct ydoc *c, yaml_node_t *n, const char *what, uint64_t addr, uint64_t size,
		       int mode)
{
	scn_check_addr(c, n, what, addr, mode);
	if (!size)
		return;
	uint64_t last = addr + size - 1;
	if (last < addr)
		y_fail(c, n, "%s 0x%" PRIx64 "+0x%" PRIx64 " is out of range: it wraps around the address space",
		       what, addr, size);
	if (mode == 32 && last >= ADDR32_LIMIT)
		y_fail(c, n, "%s 0x%" PRIx64 "-0x%" PRIx64 " is out of range for 32-bit mode "
		       "(must end at or below 0x100000000)", what, addr, last);
	if (mode == GUEST_MODE_A64 && last >= A64_ADDR_LIMIT)
		y_fail(c, n, "%s 0x%" PRIx64 "-0x%" PRIx64 " is out of range for an aarch64 guest "
		       "(must end below 0x1000000000000)", what, addr, last);
	if (mode == 64 && addr < CANON_LOW_END && last >= CANON_LOW_END)
		y_fail(c, n, "%s 0x%" PRIx64 "-0x%" PRIx64 " is out of range: it crosses into "
		       "non-canonical addresses", what, addr, last);
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return y_pos_before(x->pos, y->pos) ? -1 : y_pos_before(y->pos, x->pos);
}

void scn_check_overlaps(struct ydoc *c, struct range *r, size_t n)
{
	if (n < 2)
		return;
	qsort(r, n, sizeof *r, range_cmp);
	size_t top = 0;                 /* range with the highest end so far */
	for (size_t i = 1; i < n; i++) {
		if (r[i].lo <= r[top].hi) {
			struct range *a = &r[top], *b = &r[i];
			if (y_pos_before(b->pos, a->pos)) {
				struct range *t = a;
				a = b;
				b = t;
			}
			struct range A = *a, B = *b;   /* c->tmp is freed on the way out */
			y_failp(c, B.pos, "%s (0x%" PRIx64 "-0x%" PRIx64 ") overlaps %s (0x%" PRIx64 "-0x%" PRIx64
				", at %d:%d)", B.what, B.lo, B.hi, A.what, A.lo, A.hi, A.pos.line, A.pos.col);
		}
		if (r[i].hi > r[top].hi)
			top = i;
	}
}

/* ================================================================ code blocks */

static size_t line_offset(const char *text, int k)
{
	size_t off = 0;
	for (int l = 1; l < k; l++) {
		const char *nl = strchr(text + off, '\n');
		if (!nl)
			break;
		off = (size_t)(nl - text) + 1;
	}
	return off;
}

void scn_parse_code(struct ydoc *c, yaml_node_t *map, const char *path, int mode, uint64_t base,
		       yaml_node_t *base_node, struct code_block *cb)
{
	yaml_node_t *kasm = NULL, *kcode = NULL;
	yaml_node_t *asmn = y_find(c, map, "asm", &kasm);
	yaml_node_t *coden = y_find(c, map, "code", &kcode);
	char p[128];
	if (asmn && coden)
		y_fail(c, y_pos_before(y_pos(kasm), y_pos(kcode)) ? kcode : kasm,
		       "%s has both 'asm' and 'code': use exactly one", path);
	if (!asmn && !coden)
		y_fail(c, map, "%s needs exactly one of 'asm' or 'code'", path);
	cb->base = base;
	if (coden) {
		y_subpath(p, sizeof p, path, "code");
		cb->pos = y_pos(coden);
		y_get_hex(c, coden, p, MAX_CODE_SIZE, &cb->bytes, &cb->size);
		if (!cb->size)
			y_fail(c, coden, "%s: no code (the hex string is empty)", p);
	} else {
		y_subpath(p, sizeof p, path, "asm");
		const char *text = y_get_text(c, asmn, p, "assembly text");
		y_budget(c, asmn, y_slen(asmn));
		cb->pos = y_pos(asmn);
		cb->asm_text = y_strndup(c, text, y_slen(asmn));
		struct srcpos first = y_map_offset(c, asmn, 0);
		cb->asm_first_line = first.line;
		cb->asm_first_col = first.col;
		char msg[512];
		int k = 0, col = 0;
		if (asm_assemble(text, mode, base, cb, &k, &col, msg, sizeof msg)) {
			if (k > 0)
				y_failp(c, y_map_offset(c, asmn, line_offset(text, k) + (size_t)col),
					"%s: line %d: %s", p, k, msg);
			y_fail(c, asmn, "%s: %s", p, msg);
		}
		if (cb->size > MAX_CODE_SIZE)
			y_fail(c, asmn, "%s is out of range: %zu bytes of code (at most %u MiB)", p, cb->size,
			       MAX_CODE_SIZE >> 20);
	}
	snprintf(p, sizeof p, "%s code", path);
	scn_check_span(c, base_node, p, base, cb->size, mode);
}
