/* dr.c - debug-register rules as pure functions (see dr.h for sources). */
#include "cpu/dr.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dr7_decode(uint64_t dr7, int slot, struct dr7_slot *out)
{
	/* LENn encoding (SDM 17.2.5): 00 = 1 byte, 01 = 2, 10 = 8 (64-bit
	 * capable CPUs), 11 = 4. */
	static const unsigned len_of[4] = { 1, 2, 8, 4 };
	out->local = (dr7 & DR7_L(slot)) != 0;
	out->global = (dr7 & DR7_G(slot)) != 0;
	out->enabled = out->local || out->global;
	out->rw = (enum dr7_rw)((dr7 >> (16 + slot * 4)) & 3);
	out->len = len_of[(dr7 >> (18 + slot * 4)) & 3];
}

/* Bounded append: `*n` is the length written so far (always < size when
 * size > 0); output beyond the buffer is dropped and no pointer past its
 * end is formed. */
static void desc_put(char *buf, unsigned size, unsigned *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void desc_put(char *buf, unsigned size, unsigned *n, const char *fmt, ...)
{
	if (*n + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = (unsigned)k < size - *n ? *n + (unsigned)k : size - 1;
}

/* Format documented in dr.h: the enable bits ("L0 G1"), then "GD", then
 * " | " and one "slot:<rw><len>" per enabled slot (X execute, W write,
 * I I/O, A read/write), e.g. "L0 G1 GD | 0:X1 1:W4"; "off" when DR7 has no
 * enable bit and no GD. */
void dr7_describe(uint64_t dr7, char *buf, unsigned size)
{
	static const char rwc[4] = { 'X', 'W', 'I', 'A' };
	unsigned n = 0;
	bool any = false;
	if (!size)
		return;
	buf[0] = 0;
	for (int i = 0; i < 4; i++) {
		if (dr7 & DR7_L(i))
			desc_put(buf, size, &n, "%sL%d", any ? " " : "", i), any = true;
		if (dr7 & DR7_G(i))
			desc_put(buf, size, &n, "%sG%d", any ? " " : "", i), any = true;
	}
	if (dr7 & DR7_GD)
		desc_put(buf, size, &n, "%sGD", any ? " " : ""), any = true;
	if (!any) {
		snprintf(buf, size, "off");
		return;
	}
	const char *sep = " | ";
	for (int i = 0; i < 4; i++) {
		struct dr7_slot s;
		dr7_decode(dr7, i, &s);
		if (!s.enabled)
			continue;
		desc_put(buf, size, &n, "%s%d:%c%u", sep, i, rwc[s.rw], s.len);
		sep = " ";
	}
}

uint64_t dr6_fixed_bits(const struct dr_features *f)
{
	/* Active-low bits of absent features are fixed to 1 (KVM kvm_dr6_fixed). */
	uint64_t fixed = DR6_FIXED_1;
	if (!f || !f->rtm)
		fixed |= DR6_RTM;
	if (!f || !f->bus_lock)
		fixed |= DR6_BLD;
	return fixed;
}

uint64_t dr6_store_value(uint64_t val, const struct dr_features *f)
{
	return (val & DR6_VOLATILE) | dr6_fixed_bits(f);
}

uint64_t dr7_store_value(uint64_t val)
{
	return (val & DR7_VOLATILE) | DR7_FIXED_1;
}

uint64_t dr6_after_db(uint64_t old, uint64_t event, const struct dr_features *f)
{
	/* "Certain debug exceptions may clear bits 0-3.  The remaining contents
	 * of the DR6 register are never cleared by the processor" (SDM 17.2.3):
	 * B0-B3 report only the current event; BD, BS, BT accumulate.  The
	 * active-low bits (RTM, BLD) read 1 unless the event reports them. */
	uint64_t v = old & ~DR6_B_MASK & 0xFFFFFFFFull;
	v |= DR6_ACTIVE_LOW;
	v |= event & (DR6_B_MASK | DR6_BD | DR6_BS | DR6_BT);
	v &= ~(1ull << 12);
	(void)f;   /* RTM/BLD events are not modelled: both stay 1 */
	return v;
}

int dr_alias(int n)
{
	return n == 4 ? 6 : n == 5 ? 7 : n;
}

enum dr_fault dr_mov_check(int n, bool write, uint64_t val, bool cr4_de,
			   uint64_t dr7, int cpl)
{
	if (n > 7 || n < 0)
		return DR_FAULT_UD;            /* DR8-DR15 (REX.R): #UD */
	if ((n == 4 || n == 5) && cr4_de)
		return DR_FAULT_UD;            /* DR4/DR5 with CR4.DE = 1 */
	if (dr7 & DR7_GD)
		return DR_FAULT_DB_GD;         /* general detect: #DB fault */
	if (cpl > 0)
		return DR_FAULT_GP;
	if (write) {
		int a = dr_alias(n);
		if ((a == 6 && (val & DR6_RESERVED_HI)) || (a == 7 && (val & DR7_RESERVED_HI)))
			return DR_FAULT_GP;    /* bits 63:32 of DR6/DR7 must be 0 */
	}
	return DR_OK;
}

/* The DR7 fields of slot i read straight from the bits (SDM Vol.3 17.2.4:
 * Ln/Gn at bits 2i/2i+1, R/Wn at 16+4i, LENn at 18+4i), without
 * dr7_decode: these run on every exception delivery and IRET (data
 * breakpoints on the frame's stack accesses) and every hooked fetch. */
static inline unsigned slot_rw(uint64_t dr7, int i) { return (unsigned)(dr7 >> (16 + 4 * i)) & 3; }
static inline unsigned slot_lenbits(uint64_t dr7, int i) { return (unsigned)(dr7 >> (18 + 4 * i)) & 3; }

/* Slot i is an armed instruction breakpoint at rip: DRi = rip, Ln or Gn
 * set, R/Wn = 00 and LENn = 00 (dr_armed_exec per slot, only for the slots
 * whose address matches: every hooked fetch asks, issue 16 #DB row). */
unsigned dr_match_exec(const uint64_t dr[8], uint64_t rip)
{
	unsigned hit = 0;
	for (int i = 0; i < 4; i++)
		if (dr[i] == rip && ((dr[7] >> (2 * i)) & 3) && !((dr[7] >> (16 + 4 * i)) & 0xF))
			hit |= 1u << i;
	return hit;
}

unsigned dr_match_data(const uint64_t dr[8], uint64_t addr, unsigned size, bool write)
{
	/* LENn encoding (SDM 17.2.5): 00 = 1 byte, 01 = 2, 10 = 8 (64-bit
	 * capable CPUs), 11 = 4. */
	static const unsigned len_of[4] = { 1, 2, 8, 4 };
	unsigned hit = 0, m = size ? dr_armed_data(dr[7]) : 0;
	for (int i = 0; m; i++, m >>= 1) {
		if (!(m & 1))
			continue;
		if (!(slot_rw(dr[7], i) == DR7_RW_RW || write))
			continue;                  /* a write breakpoint: not a read */
		unsigned len = len_of[slot_lenbits(dr[7], i)];
		/* [lo, lo+len) and [addr, addr+size) overlap.  Computed modulo
		 * 2^64 so a range ending at the top of the address space (where
		 * lo + len wraps to 0) still matches: two non-empty intervals on
		 * the circle overlap iff one starts inside the other. */
		uint64_t lo = dr[i] & ~(uint64_t)(len - 1);
		if (lo - addr < size || addr - lo < len)
			hit |= 1u << i;
	}
	return hit;
}

/* Bit i of the result = bit `bit` of slot i's 4-bit field group at
 * 16 + 4i (bit 0/1: R/Wn, bit 2/3: LENn). */
static inline unsigned slot_bits(uint64_t dr7, int bit)
{
	unsigned r = (unsigned)(dr7 >> (16 + bit));
	return (r & 1) | ((r >> 3) & 2) | ((r >> 6) & 4) | ((r >> 9) & 8);
}

/* Bit i = Ln or Gn set. */
static inline unsigned slots_enabled(uint64_t dr7)
{
	unsigned en = (unsigned)dr7 & 0xFF;
	en = (en | (en >> 1)) & 0x55;
	return (en & 1) | ((en >> 1) & 2) | ((en >> 2) & 4) | ((en >> 3) & 8);
}

unsigned dr_armed_data(uint64_t dr7)
{
	if (!(dr7 & 0xFF))
		return 0;                  /* no slot enabled (the reset value 0x400) */
	/* enabled and R/Wn = 01 or 11 (bit 0 of R/Wn set) */
	return slots_enabled(dr7) & slot_bits(dr7, 0);
}

unsigned dr_armed_exec(uint64_t dr7)
{
	if (!(dr7 & 0xFF))
		return 0;
	/* enabled, R/Wn = 00 and LENn = 00: bit 4i of `any` is the OR of
	 * slot i's four field bits (16 + 4i .. 19 + 4i) */
	unsigned f = (unsigned)(dr7 >> 16) & 0xFFFF;
	unsigned any = (f | (f >> 1) | (f >> 2) | (f >> 3)) & 0x1111;
	any = (any & 1) | ((any >> 3) & 2) | ((any >> 6) & 4) | ((any >> 9) & 8);
	return slots_enabled(dr7) & ~any & 0xF;
}

bool msr_write_faults(uint32_t msr, uint64_t val)
{
	return msr == MSR_IA32_DEBUGCTL && (val & ~DEBUGCTL_SUPPORTED) != 0;
}

enum dr_fault dr_mov_check_cpu(const struct dr_features *f, int n, bool write, uint64_t val,
			       bool cr4_de, uint64_t dr7, int cpl)
{
	enum dr_fault r = dr_mov_check(n, write, val, cr4_de, dr7, cpl);
	/* AMD: the CPL #GP comes before the GD #DB (nothing else moves) */
	if (f && f->amd && r == DR_FAULT_DB_GD && cpl > 0)
		return DR_FAULT_GP;
	return r;
}
