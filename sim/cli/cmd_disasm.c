/* cmd_disasm.c - `hvsim disasm`: a Capstone listing of a scenario's guest
 * code and host snippets, with the sites (instructions the simulator
 * emulates) marked. */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/engine/a64.h"
#include "cpu/engine/engine.h"
#include "sim/cli/cmds.h"
#include "sim/cli/disasm.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"
#include "sim/util/outfile.h"

#define ERRSZ 1024

static const char *site_name(unsigned cls)
{
	switch (cls) {
	case IC_MOV_DR: return "mov-dr";
	case IC_CPUID: return "cpuid";
	case IC_HLT: return "hlt";
	case IC_IO: return "io";
	case IC_VMCALL: return "vmcall";
	case IC_VMMCALL: return "vmmcall";
	case IC_ICEBP: return "icebp";
	case IC_IRET: return "iret";
	case IC_RDMSR: return "rdmsr";
	case IC_WRMSR: return "wrmsr";
	case IC_SYSCALL: return "syscall";
	case IC_SYSRET: return "sysret";
	case IC_BAD: return "unsupported";
	default: return NULL;
	}
}

/* The Arm engine's sites (cpu/engine/a64.h); LDR/STR is a site only when
 * its address is outside guest memory, which a listing cannot know. */
static const char *a64_site_name(unsigned cls)
{
	switch (cls) {
	case A64_SYSREG: return "msr/mrs debug register";
	case A64_HVC: return "hvc";
	case A64_ERET: return "eret";
	case A64_BRK: return "brk";
	case A64_WFI: return "wfi";
	default: return NULL;
	}
}

static int sym_cmp(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

#define DISASM_TEXT_COL 32
#define DISASM_ZERO_RUN 8      /* collapse at least this many zero bytes */

int disasm_listing(FILE *f, const struct code_block *cb, int mode, uint64_t from, size_t max, uint64_t mark)
{
	if (!cb->bytes || !cb->size || from < cb->base || from - cb->base >= cb->size)
		return 0;
	csh h;
	bool a64 = mode == GUEST_MODE_A64;     /* an aarch64 guest (issue 20) */
	if (cs_open(a64 ? CS_ARCH_ARM64 : CS_ARCH_X86, a64 ? CS_MODE_ARM : mode == 32 ? CS_MODE_32 : CS_MODE_64,
		    &h) != CS_ERR_OK) {
		fprintf(stderr, "hvsim: cannot initialize Capstone\n");
		return HVSIM_EXIT_INTERNAL;
	}
	struct symbol *syms = NULL;
	if (cb->nsyms) {
		syms = malloc(cb->nsyms * sizeof(*syms));
		if (!syms) {
			cs_close(&h);
			fprintf(stderr, "hvsim: out of memory\n");
			return HVSIM_EXIT_INTERNAL;
		}
		memcpy(syms, cb->syms, cb->nsyms * sizeof(*syms));
		qsort(syms, cb->nsyms, sizeof(*syms), sym_cmp);
	}
	size_t si = 0;
	cs_insn *insn = cs_malloc(h);
	const uint8_t *code = cb->bytes + (from - cb->base);
	size_t left = cb->size - (size_t)(from - cb->base);
	uint64_t addr = from;
	/* Column width for the bytes: the longest instruction of the block. */
	size_t maxlen = 1;
	{
		const uint8_t *c2 = code;
		size_t l2 = left;
		uint64_t a2 = addr;
		while (l2) {
			if (insn && cs_disasm_iter(h, &c2, &l2, &a2, insn)) {
				if (insn->size > maxlen)
					maxlen = insn->size;
			} else {
				c2++;
				l2--;
				a2++;
			}
		}
	}
	int bytes_w = (int)(maxlen * 3 - 1);
	for (size_t count = 0; left && (!max || count < max); count++) {
		uint64_t at = addr;
		size_t off = (size_t)(addr - cb->base);
		while (si < cb->nsyms && syms[si].addr < at)
			si++;                  /* labels inside an instruction are not shown */
		for (; si < cb->nsyms && syms[si].addr == at; si++)
			fprintf(f, "%s:\n", syms[si].name ? syms[si].name : "?");
		char text[224], hex[64];
		size_t len;
		/* Runs of zero bytes (data, padding) are collapsed, up to the
		 * next label. */
		size_t z = 0;
		uint64_t stop = si < cb->nsyms ? syms[si].addr : UINT64_MAX;
		while (z < left && code[z] == 0 && at + z < stop)
			z++;
		if (mark != DISASM_NO_MARK)
			fputs(at == mark ? "=> " : "   ", f);
		if (z >= DISASM_ZERO_RUN) {
			fprintf(f, "0x%016" PRIx64 ":  %-*s    (%zu zero bytes)\n", at, bytes_w, "00 ...", z);
			code += z;
			left -= z;
			addr += z;
			continue;
		}
		if (insn && cs_disasm_iter(h, &code, &left, &addr, insn)) {
			len = insn->size;
			if (insn->op_str[0])
				snprintf(text, sizeof(text), "%s %s", insn->mnemonic, insn->op_str);
			else
				snprintf(text, sizeof(text), "%s", insn->mnemonic);
		} else {
			len = 1;
			snprintf(text, sizeof(text), "(bad)");
			code++;
			left--;
			addr++;
		}
		size_t hp = 0;
		for (size_t b = 0; b < len && hp + 4 < sizeof(hex); b++)
			hp += (size_t)snprintf(hex + hp, sizeof(hex) - hp, b ? " %02x" : "%02x", cb->bytes[off + b]);
		struct insn_info ii;
		const char *site = NULL;
		if (a64 && len == 4) {
			uint32_t raw;
			memcpy(&raw, cb->bytes + off, 4);
			struct a64_insn ai;
			a64_classify(raw, at, &ai);
			site = a64_site_name(ai.cls);
		} else if (!a64 && engine_classify(cb->bytes + off, cb->size - off, mode, &ii) == 0) {
			site = site_name(ii.cls);
		}
		if (site)
			fprintf(f, "0x%016" PRIx64 ":  %-*s    %-*s ; site: %s\n", at, bytes_w, hex,
				DISASM_TEXT_COL, text, site);
		else
			fprintf(f, "0x%016" PRIx64 ":  %-*s    %s\n", at, bytes_w, hex, text);
	}
	if (insn)
		cs_free(insn, 1);
	free(syms);
	cs_close(&h);
	return 0;
}

static int disasm_block(FILE *f, const char *title, const struct code_block *cb, int mode)
{
	if (mode == GUEST_MODE_A64)
		fprintf(f, "%s, AArch64, 0x%016" PRIx64 "-0x%016" PRIx64 " (%zu bytes):\n", title, cb->base,
			cb->base + cb->size, cb->size);
	else
		fprintf(f, "%s, %d-bit, 0x%016" PRIx64 "-0x%016" PRIx64 " (%zu bytes):\n", title, mode, cb->base,
			cb->base + cb->size, cb->size);
	return disasm_listing(f, cb, mode, cb->base, 0, DISASM_NO_MARK);
}

int cmd_disasm(const struct cmd *c, int argc, char **argv)
{
	const char **pos;
	size_t npos;
	int rc = verb_parse_pos(c, argc, argv, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (npos != 1) {
		rc = verb_usage(&c->spec, npos ? "disasm takes one SCENARIO" : "disasm needs a SCENARIO");
		goto out;
	}
	char err[ERRSZ] = "";
	struct scenario *sc = scenario_load(pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out;
	}
	struct outfile of;
	if (outfile_open(&of, "-", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
		goto out_sc;
	}
	rc = disasm_block(of.f, "guest code", &sc->guest.code,
			  sc->guest.mode == GUEST_MODE_A64 ? GUEST_MODE_A64 : sc->guest.mode == 32 ? 32 : 64);
	for (size_t i = 0; i < sc->host.nsnippets && rc == 0; i++) {
		char title[192];
		snprintf(title, sizeof(title), "\nhost snippet %s", sc->host.snippets[i].name);
		rc = disasm_block(of.f, title, &sc->host.snippets[i].code, 64);
	}
	if (rc) {
		outfile_abort(&of);
	} else if (outfile_commit(&of, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
	}
out_sc:
	scenario_free(sc);
out:
	free(pos);
	return rc;
}
