/* arm_dbg.c - the AArch64 self-hosted debug rules (cpu/arm_dbg.h): register
 * table, field decoders, breakpoint/watchpoint matching, debug-exception
 * enables.  Pure functions; every rule cites the Arm ARM section it
 * restates. */
#include "cpu/arm_dbg.h"
#include <string.h>

struct single {
	int id;
	const char *name;
	unsigned op0, op1, crn, crm, op2;
	enum arm_trap_ctl trap;
};

static const struct single singles[] = {
#define ARM_DBGREG(id, name, op0, op1, crn, crm, op2, trap) { id, name, op0, op1, crn, crm, op2, trap },
#include "cpu/arm_dbg_regs.def"
#undef ARM_DBGREG
};
#define NSINGLES (sizeof(singles) / sizeof(singles[0]))

static const struct single *single_of(int reg)
{
	for (size_t i = 0; i < NSINGLES; i++)
		if (singles[i].id == reg)
			return &singles[i];
	return NULL;
}

int arm_dbgreg_slot(int reg)
{
	return reg >= 0 && reg < 64 ? reg & 15 : -1;
}

/* The banks: op0 = 2, op1 = 0, CRn = 0, CRm = n, op2 = 4 (BVR), 5 (BCR),
 * 6 (WVR), 7 (WCR) ("DBGBVR<n>_EL1" ... register descriptions, "Accessing"
 * sections). */
int arm_dbgreg_lookup(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
	if (op0 == 2 && op1 == 0 && crn == 0 && op2 >= 4 && op2 <= 7 && crm < 16)
		return (int)((op2 - 4) * 16 + crm);
	for (size_t i = 0; i < NSINGLES; i++)
		if (singles[i].op0 == op0 && singles[i].op1 == op1 && singles[i].crn == crn &&
		    singles[i].crm == crm && singles[i].op2 == op2)
			return singles[i].id;
	return -1;
}

/* The bank names, fixed at compile time (the pool runs simulations on threads). */
static const char *const bank_names[64] = {
	"dbgbvr0_el1", "dbgbvr1_el1", "dbgbvr2_el1", "dbgbvr3_el1",
	"dbgbvr4_el1", "dbgbvr5_el1", "dbgbvr6_el1", "dbgbvr7_el1",
	"dbgbvr8_el1", "dbgbvr9_el1", "dbgbvr10_el1", "dbgbvr11_el1",
	"dbgbvr12_el1", "dbgbvr13_el1", "dbgbvr14_el1", "dbgbvr15_el1",
	"dbgbcr0_el1", "dbgbcr1_el1", "dbgbcr2_el1", "dbgbcr3_el1",
	"dbgbcr4_el1", "dbgbcr5_el1", "dbgbcr6_el1", "dbgbcr7_el1",
	"dbgbcr8_el1", "dbgbcr9_el1", "dbgbcr10_el1", "dbgbcr11_el1",
	"dbgbcr12_el1", "dbgbcr13_el1", "dbgbcr14_el1", "dbgbcr15_el1",
	"dbgwvr0_el1", "dbgwvr1_el1", "dbgwvr2_el1", "dbgwvr3_el1",
	"dbgwvr4_el1", "dbgwvr5_el1", "dbgwvr6_el1", "dbgwvr7_el1",
	"dbgwvr8_el1", "dbgwvr9_el1", "dbgwvr10_el1", "dbgwvr11_el1",
	"dbgwvr12_el1", "dbgwvr13_el1", "dbgwvr14_el1", "dbgwvr15_el1",
	"dbgwcr0_el1", "dbgwcr1_el1", "dbgwcr2_el1", "dbgwcr3_el1",
	"dbgwcr4_el1", "dbgwcr5_el1", "dbgwcr6_el1", "dbgwcr7_el1",
	"dbgwcr8_el1", "dbgwcr9_el1", "dbgwcr10_el1", "dbgwcr11_el1",
	"dbgwcr12_el1", "dbgwcr13_el1", "dbgwcr14_el1", "dbgwcr15_el1",
};

const char *arm_dbgreg_name(int reg)
{
	if (reg >= 0 && reg < 64)
		return bank_names[reg];
	const struct single *s = single_of(reg);
	return s ? s->name : "?";
}

enum arm_trap_ctl arm_dbgreg_trap(int reg)
{
	const struct single *s = reg >= 64 ? single_of(reg) : NULL;
	return s ? s->trap : ARM_TRAP_TDA;
}

void arm_dbgreg_encoding(int reg, unsigned *op0, unsigned *op1, unsigned *crn, unsigned *crm, unsigned *op2)
{
	if (reg >= 0 && reg < 64) {
		*op0 = 2; *op1 = 0; *crn = 0; *crm = (unsigned)reg % 16; *op2 = 4 + (unsigned)reg / 16;
		return;
	}
	const struct single *s = single_of(reg);
	*op0 = s ? s->op0 : 0; *op1 = s ? s->op1 : 0; *crn = s ? s->crn : 0;
	*crm = s ? s->crm : 0; *op2 = s ? s->op2 : 0;
}

bool arm_dbgreg_readonly(int reg)
{
	return reg == ARM_OSLSR_EL1 || reg == ARM_MDRAR_EL1 || reg == ARM_DBGAUTHSTATUS_EL1 ||
	       reg == ARM_MDCCSR_EL0 || reg == ARM_ID_AA64DFR0_EL1;
}

bool arm_dbgreg_writeonly(int reg)
{
	return reg == ARM_OSLAR_EL1;
}

/* ID_AA64DFR0_EL1 ("ID_AA64DFR0_EL1, AArch64 Debug Feature Register 0"):
 * DebugVer [3:0] = 0b0110 (Armv8.0 debug), BRPs [15:12] and WRPs [23:20]
 * = number - 1, CTX_CMPs [31:28] = 0 (one context-aware breakpoint, the
 * highest-numbered). */
uint64_t arm_id_aa64dfr0(unsigned brps, unsigned wrps)
{
	if (brps < 2) brps = 2;                /* the architecture requires at least 2 */
	if (wrps < 2) wrps = 2;
	if (brps > ARM_MAX_BRPS) brps = ARM_MAX_BRPS;
	if (wrps > ARM_MAX_WRPS) wrps = ARM_MAX_WRPS;
	return 0x6ull | (uint64_t)(brps - 1) << 12 | (uint64_t)(wrps - 1) << 20;
}

unsigned arm_dfr0_brps(uint64_t dfr0) { return (unsigned)((dfr0 >> 12) & 0xF) + 1; }
unsigned arm_dfr0_wrps(uint64_t dfr0) { return (unsigned)((dfr0 >> 20) & 0xF) + 1; }

struct arm_bcr arm_bcr_decode(uint64_t v)
{
	return (struct arm_bcr){
		.e = v & 1, .pmc = (unsigned)(v >> 1) & 3, .bas = (unsigned)(v >> 5) & 0xF,
		.hmc = (v >> 13) & 1, .ssc = (unsigned)(v >> 14) & 3, .lbn = (unsigned)(v >> 16) & 0xF,
		.bt = (unsigned)(v >> 20) & 0xF,
	};
}

uint64_t arm_bcr_encode(const struct arm_bcr *b)
{
	return (uint64_t)b->e | (uint64_t)(b->pmc & 3) << 1 | (uint64_t)(b->bas & 0xF) << 5 |
	       (uint64_t)b->hmc << 13 | (uint64_t)(b->ssc & 3) << 14 | (uint64_t)(b->lbn & 0xF) << 16 |
	       (uint64_t)(b->bt & 0xF) << 20;
}

struct arm_wcr arm_wcr_decode(uint64_t v)
{
	return (struct arm_wcr){
		.e = v & 1, .pac = (unsigned)(v >> 1) & 3, .lsc = (unsigned)(v >> 3) & 3,
		.bas = (unsigned)(v >> 5) & 0xFF, .hmc = (v >> 13) & 1, .ssc = (unsigned)(v >> 14) & 3,
		.lbn = (unsigned)(v >> 16) & 0xF, .wt = (v >> 20) & 1, .mask = (unsigned)(v >> 24) & 0x1F,
	};
}

uint64_t arm_wcr_encode(const struct arm_wcr *w)
{
	return (uint64_t)w->e | (uint64_t)(w->pac & 3) << 1 | (uint64_t)(w->lsc & 3) << 3 |
	       (uint64_t)(w->bas & 0xFF) << 5 | (uint64_t)w->hmc << 13 | (uint64_t)(w->ssc & 3) << 14 |
	       (uint64_t)(w->lbn & 0xF) << 16 | (uint64_t)w->wt << 20 | (uint64_t)(w->mask & 0x1F) << 24;
}

bool arm_bp_el_match(bool hmc, unsigned ssc, unsigned pmc, enum arm_el el)
{
	if (ssc == 2)                  /* Secure state only */
		return false;
	switch (el) {
	case ARM_EL0: return (pmc & 2) != 0;
	case ARM_EL1: return (pmc & 1) != 0;
	case ARM_EL2: return hmc;
	}
	return false;
}

/* D2 "Enabling debug exceptions from the current Exception level": with
 * the debug target EL = EL1 (MDCR_EL2.TDE = 0 and HCR_EL2.TGE = 0), debug
 * exceptions are enabled from EL0 always, and from EL1 iff MDSCR_EL1.KDE is
 * 1 and PSTATE.D is 0; never from EL2 (a higher EL than the target).  OS
 * Lock: "When the OS Lock is locked, ... Breakpoint, Watchpoint, Vector
 * Catch and Software Step exceptions are disabled" (D2 "The effect of
 * powerdown on debug exceptions" / OSLSR_EL1.OSLK). */
bool arm_debug_enabled_el1(uint64_t mdscr, bool oslk, bool pstate_d, enum arm_el el, bool bpwp)
{
	if (oslk)
		return false;
	if (bpwp && !(mdscr & MDSCR_MDE))
		return false;
	switch (el) {
	case ARM_EL0: return true;
	case ARM_EL1: return (mdscr & MDSCR_KDE) && !pstate_d;
	case ARM_EL2: return false;
	}
	return false;
}

/* Context-ID match of breakpoint n (BT = 0b0010 unlinked / 0b0011 linked
 * context ID: DBGBVR[31:0] == CONTEXTIDR_EL1). */
static bool ctx_match(const uint64_t *bvr, const uint64_t *bcr, unsigned nbrps, unsigned n,
		      uint64_t contextidr, enum arm_el el)
{
	if (n >= nbrps)
		return false;
	struct arm_bcr b = arm_bcr_decode(bcr[n]);
	return b.e && b.bt == 0x3 && arm_bp_el_match(b.hmc, b.ssc, b.pmc, el) &&
	       (uint32_t)bvr[n] == (uint32_t)contextidr;
}

/* D2 "Breakpoint exceptions", "Instruction address comparisons": an
 * address-match breakpoint (BT = 0b0000 unlinked, 0b0001 linked to the
 * context breakpoint LBN) matches an A64 instruction when DBGBVR[48:2] ==
 * PC[48:2] and BAS = 0b1111 (DBGBCR.BAS: "0xF Match the A64 or A32
 * instruction at DBGBVRn_EL1"; the other encodings select T32 halfwords). */
unsigned arm_bp_match(const uint64_t *bvr, const uint64_t *bcr, unsigned nbrps, uint64_t pc,
		      enum arm_el el, uint64_t contextidr)
{
	unsigned m = 0;
	for (unsigned n = 0; n < nbrps && n < ARM_MAX_BRPS; n++) {
		struct arm_bcr b = arm_bcr_decode(bcr[n]);
		if (!b.e || b.bas != 0xF || !arm_bp_el_match(b.hmc, b.ssc, b.pmc, el))
			continue;
		if (b.bt != 0x0 && b.bt != 0x1)
			continue;
		if ((bvr[n] ^ pc) & ARM_DBGVR_ADDR_MASK)
			continue;
		if (b.bt == 0x1 && !ctx_match(bvr, bcr, nbrps, b.lbn, contextidr, el))
			continue;
		m |= 1u << n;
	}
	return m;
}

bool arm_wp_range(uint64_t wvr, uint64_t wcr, uint64_t *lo, uint64_t *hi)
{
	struct arm_wcr w = arm_wcr_decode(wcr);
	if (!w.e || w.lsc == 0)
		return false;
	if (w.mask) {
		if (w.mask < 3)
			return false;              /* reserved MASK values */
		uint64_t size = 1ull << w.mask;
		*lo = (wvr & ARM_DBGVR_ADDR_MASK) & ~(size - 1);
		*hi = *lo + size - 1;
		return true;
	}
	/* DBGWCR.BAS: "each bit selects a byte of the doubleword at DBGWVR";
	 * for a word-aligned DBGWVR (bit 2 set) only BAS[3:0] are used, for
	 * the word at DBGWVR. */
	uint64_t base = wvr & ARM_DBGVR_ADDR_MASK;
	unsigned bas = w.bas;
	if (base & 4)
		bas &= 0xF;
	else
		base &= ~7ull;
	if (!bas)
		return false;
	unsigned first = (unsigned)__builtin_ctz(bas), last = 31u - (unsigned)__builtin_clz(bas);
	*lo = base + first;
	*hi = base + last;
	return true;
}

/* D2 "Watchpoint exceptions", "Data address comparisons": a watchpoint
 * matches an access when the access kind is selected by LSC, the EL by
 * PAC/HMC/SSC, and the access touches a watched byte (the BAS bytes, or
 * the masked block). */
unsigned arm_wp_match(const uint64_t *wvr, const uint64_t *wcr, unsigned nwrps, uint64_t addr,
		      unsigned size, bool write, enum arm_el el)
{
	unsigned m = 0;
	if (!size)
		return 0;
	addr &= ARM_VA_MASK;               /* compared on VA[48:0] */
	uint64_t end = addr + size - 1;
	for (unsigned n = 0; n < nwrps && n < ARM_MAX_WRPS; n++) {
		struct arm_wcr w = arm_wcr_decode(wcr[n]);
		uint64_t lo, hi;
		if (!arm_wp_range(wvr[n], wcr[n], &lo, &hi))
			continue;
		if (!(w.lsc & (write ? 2u : 1u)) || !arm_bp_el_match(w.hmc, w.ssc, w.pac, el))
			continue;
		if (end < lo || addr > hi)
			continue;
		if (!w.mask) {
			/* byte-exact: some accessed byte must be selected by BAS */
			uint64_t base = wvr[n] & ARM_DBGVR_ADDR_MASK;
			unsigned bas = w.bas;
			if (base & 4)
				bas &= 0xF;
			else
				base &= ~7ull;
			bool hit = false;
			for (uint64_t a = addr > lo ? addr : lo; a <= end && a <= hi && !hit; a++)
				hit = (bas >> (a - base)) & 1;
			if (!hit)
				continue;
		}
		m |= 1u << n;
	}
	return m;
}

unsigned arm_bp_armed(const uint64_t *bcr, unsigned nbrps)
{
	unsigned m = 0;
	for (unsigned n = 0; n < nbrps && n < ARM_MAX_BRPS; n++)
		if (bcr[n] & 1)
			m |= 1u << n;
	return m;
}

unsigned arm_wp_armed(const uint64_t *wcr, unsigned nwrps)
{
	unsigned m = 0;
	for (unsigned n = 0; n < nwrps && n < ARM_MAX_WRPS; n++) {
		struct arm_wcr w = arm_wcr_decode(wcr[n]);
		if (w.e && w.lsc)
			m |= 1u << n;
	}
	return m;
}
