/* test_dr_rules.c - the pure debug-register rules of cpu/dr.c against the
 * manuals.
 *
 * Every expected value below is taken from (or computed by hand from) the
 * Intel SDM / AMD APM statements and the kvm-unit-tests / KVM selftest
 * expectations collected in shared/spec/arch-facts.md sections A.1-A.3;
 * none was obtained by running the code under test.  Each test names its
 * source.  Abbreviations:
 *   AF A.1 DR6   arch-facts.md A.1, DR6 table and derived masks
 *   AF A.1 DR7   arch-facts.md A.1, DR7 table
 *   AF A.1 #DB   arch-facts.md A.1, "DR6 update on #DB delivery"
 *   AF A.2       arch-facts.md A.2, MOV to/from DR faults and their order
 *   AF A.3       arch-facts.md A.3, breakpoint semantics
 *   SDM MOV DR   Intel SDM Vol.2 "MOV-Move to/from Debug Registers"
 *   SDM 17.2     Intel SDM Vol.3 ch.17 (ch.19 in newer editions) "Debug
 *                Registers": 17.2.3 DR6, 17.2.4 DR7, 17.2.5 breakpoint
 *                field recognition. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "cpu/dr.h"

#define EXPECT_HEX(actual, expected)                                              \
	do {                                                                      \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);      \
		cr_assert_eq(a_, e_, "%s: got %#" PRIx64 ", expected %#" PRIx64,  \
			     #actual, a_, e_);                                    \
	} while (0)

static const struct dr_features no_feat = { .rtm = false, .bus_lock = false };
static const struct dr_features rtm_only = { .rtm = true, .bus_lock = false };
static const struct dr_features rtm_bld = { .rtm = true, .bus_lock = true };

/* DR7 builders, written from the DR7 layout of AF A.1 DR7 / SDM 17.2.4:
 * Ln = bit 2n, Gn = bit 2n+1, R/Wn = bits 16+4n..17+4n,
 * LENn = bits 18+4n..19+4n (00=1, 01=2, 10=8, 11=4 bytes). */
#define RW_X 0u
#define RW_W 1u
#define RW_IO 2u
#define RW_RW 3u
static unsigned len_code(unsigned bytes)
{
	switch (bytes) {
	case 1: return 0;
	case 2: return 1;
	case 8: return 2;
	case 4: return 3;
	}
	cr_assert_fail("bad breakpoint length %u", bytes);
	return 0;
}
static uint64_t slot_bits(int n, unsigned rw, unsigned bytes)
{
	return ((uint64_t)rw << (16 + 4 * n)) | ((uint64_t)len_code(bytes) << (18 + 4 * n));
}
static uint64_t local_slot(int n, unsigned rw, unsigned bytes)
{
	return (1ull << (2 * n)) | slot_bits(n, rw, bytes);
}

/* ------------------------------------------------------------------ DR6 */

/* AF A.1 DR6 "Derived masks": MOV DR6,0 then MOV r,DR6 returns 0xFFFF0FF0
 * on a CPU with neither RTM nor BLD (kvm-unit-tests x86/emulator.c
 * test_mov_dr). */
Test(dr6, write_zero_reads_back_ffff0ff0_without_rtm_or_bld)
{
	EXPECT_HEX(dr6_store_value(0, &no_feat), 0xFFFF0FF0);
	/* NULL features = hvsim's default CPU, documented in dr.h as neither. */
	EXPECT_HEX(dr6_store_value(0, NULL), 0xFFFF0FF0);
}

/* AF A.1 DR6: "... 0xFFFE0FF0 with RTM" (kvm-unit-tests test_mov_dr);
 * bit 16 is active-low and writable once RTM is exposed. */
Test(dr6, write_zero_reads_back_fffe0ff0_with_rtm)
{
	EXPECT_HEX(dr6_store_value(0, &rtm_only), 0xFFFE0FF0);
}

/* AF A.1 DR6: "... 0xFFFE07F0 with both" RTM and bus-lock detect
 * (kvm-unit-tests test_mov_dr; fixed-1 bits 0xFFFE07F0). */
Test(dr6, write_zero_reads_back_fffe07f0_with_rtm_and_bld)
{
	EXPECT_HEX(dr6_store_value(0, &rtm_bld), 0xFFFE07F0);
}

/* AF A.1 DR6 table: bit 12 reads 0 (Bochs "On Pentium+, bit12 is always
 * zero"); writing only bit 12 leaves the reset value 0xFFFF0FF0. */
Test(dr6, bit12_reads_zero_when_written_one)
{
	EXPECT_HEX(dr6_store_value(1ull << 12, &no_feat), 0xFFFF0FF0);
	EXPECT_HEX(dr6_store_value(1ull << 12, &rtm_bld) & (1ull << 12), 0);
}

/* AF A.1 DR6 table: bits 4-10 and 17-31 read 1, bit 12 reads 0, B0-B3 and
 * BD/BS/BT are writable; without RTM/BLD bits 11 and 16 read 1.  So writing
 * 0xFFFFFFFF reads back all ones except bit 12: 0xFFFFEFFF. */
Test(dr6, write_all_ones_reads_back_ffffefff)
{
	EXPECT_HEX(dr6_store_value(0xFFFFFFFF, &no_feat), 0xFFFFEFFF);
	EXPECT_HEX(dr6_store_value(0xFFFFFFFF, &rtm_bld), 0xFFFFEFFF);
}

/* AF A.1 DR6: writable bits are DR6_VOLATILE = 0x0001E80F (B0-3, BLD, BD,
 * BS, BT, RTM).  B0|BS written over the fixed bits 0xFFFF0FF0 gives
 * 0xFFFF4FF1. */
Test(dr6, status_bits_b0_to_b3_bd_bs_bt_are_writable)
{
	EXPECT_HEX(dr6_store_value(DR6_B(0) | DR6_BS, &no_feat), 0xFFFF4FF1);
	EXPECT_HEX(dr6_store_value(0xF | 0xE000, &no_feat), 0xFFFFEFFF);
}

/* AF A.1 DR6: the active-low RTM bit (16) is fixed 1 if RTM is
 * unsupported, so writing 0 to it only sticks when RTM is exposed. */
Test(dr6, rtm_bit16_writable_only_with_rtm)
{
	EXPECT_HEX(dr6_store_value(0, &no_feat) & DR6_RTM, DR6_RTM);
	EXPECT_HEX(dr6_store_value(0, &rtm_only) & DR6_RTM, 0);
	EXPECT_HEX(dr6_store_value(DR6_RTM, &rtm_only) & DR6_RTM, DR6_RTM);
}

/* AF A.1 DR6: BLD (bit 11) is active-low, "fixed 1 unless bus-lock-detect
 * is supported". */
Test(dr6, bld_bit11_writable_only_with_bus_lock_detect)
{
	EXPECT_HEX(dr6_store_value(0, &rtm_only) & DR6_BLD, DR6_BLD);
	EXPECT_HEX(dr6_store_value(0, &rtm_bld) & DR6_BLD, 0);
}

/* AF A.1 DR6 derived masks (kvm-unit-tests lib/x86/asm/debugreg.h):
 * DR6_ACTIVE_LOW 0xFFFF0FF0, DR6_VOLATILE 0x0001E80F, fixed-1 0xFFFE07F0;
 * active-low bits of absent features are fixed too. */
Test(dr6, fixed_bits_per_feature_set)
{
	EXPECT_HEX(DR6_ACTIVE_LOW, 0xFFFF0FF0);
	EXPECT_HEX(DR6_VOLATILE, 0x0001E80F);
	EXPECT_HEX(DR6_FIXED_1, 0xFFFE07F0);
	EXPECT_HEX(dr6_fixed_bits(NULL), 0xFFFF0FF0);
	EXPECT_HEX(dr6_fixed_bits(&rtm_only), 0xFFFE0FF0);
	EXPECT_HEX(dr6_fixed_bits(&rtm_bld), 0xFFFE07F0);
}

/* ------------------------------------------------- DR6 on #DB delivery */

/* AF A.3 single-step: "DR6 = 0xFFFF4FF0 for a plain single-step
 * (kvm-unit-tests, KVM selftest)". */
Test(dr6_after_db, single_step_from_cleared_dr6_gives_ffff4ff0)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0, DR6_BS, &no_feat), 0xFFFF4FF0);
}

/* AF A.1 #DB: ICEBP (INT1, F1) produces a #DB with no DR6 status bit, i.e.
 * DR6 = 0xFFFF0FF0 from cleared DR6 (kvm-unit-tests commit 027ea799). */
Test(dr6_after_db, icebp_with_no_status_bits_gives_ffff0ff0)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0, 0, &no_feat), 0xFFFF0FF0);
}

/* KVM selftest debug_regs: an execute breakpoint in slot i delivers DR6 =
 * 0xFFFF0FF0 | (1 << i) (AF A.1 #DB: B0-B3 set for the matching DRn). */
Test(dr6_after_db, exec_bp_slot_i_gives_ffff0ff0_or_bit_i)
{
	for (int i = 0; i < 4; i++)
		EXPECT_HEX(dr6_after_db(0xFFFF0FF0, DR6_B(i), &no_feat), 0xFFFF0FF0u | (1u << i));
}

/* AF A.1 #DB: "On a #DB the CPU clears and then sets bits 0-3 (they reflect
 * only the current event)" (SDM 17.2.3 "Certain debug exceptions may clear
 * bit 0-3").  Old B1 is cleared when the new event reports B0. */
Test(dr6_after_db, new_b0_event_clears_old_b1)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF2, DR6_B(0), &no_feat), 0xFFFF0FF1);
	EXPECT_HEX(dr6_after_db(0xFFFF0FFF, DR6_B(3), &no_feat), 0xFFFF0FF8);
}

/* AF A.1 DR6 table: BD, BS, BT are sticky ("never cleared by the CPU");
 * SDM 17.2.3 "The remaining contents of the DR6 register are never cleared
 * by the processor".  Old BD|BS|BT survive an event that reports only B2. */
Test(dr6_after_db, bd_bs_bt_are_sticky)
{
	uint64_t old = 0xFFFF0FF0 | DR6_BD | DR6_BS | DR6_BT;   /* 0xFFFFEFF0 */
	EXPECT_HEX(dr6_after_db(old, DR6_B(2), &no_feat), 0xFFFFEFF4);
	EXPECT_HEX(dr6_after_db(old, 0, &no_feat), 0xFFFFEFF0);
}

/* AF A.1 #DB: B0-B3 reflect only the current event, so a single-step after
 * a B1 hit leaves 0xFFFF4FF0 (B1 gone, BS set). */
Test(dr6_after_db, single_step_after_data_bp_clears_old_b_bits)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF2, DR6_BS, &no_feat), 0xFFFF4FF0);
}

/* AF A.2 item 2: general detect sets DR6.BD; AF A.1 #DB ORs BD into the
 * cleared value: 0xFFFF0FF0 | 0x2000 = 0xFFFF2FF0. */
Test(dr6_after_db, general_detect_sets_bd)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0, DR6_BD, &no_feat), 0xFFFF2FF0);
}

/* AF A.1 #DB: a data breakpoint and a single-step reported together (same
 * trap boundary) give both B-bit and BS: 0xFFFF4FF0 | B1 = 0xFFFF4FF2. */
Test(dr6_after_db, data_bp_and_single_step_together)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0, DR6_B(1) | DR6_BS, &no_feat), 0xFFFF4FF2);
}

/* AF A.1 #DB (KVM kvm_deliver_exception_payload): "finally clear bit 12";
 * bit 12 is meaningful only in the VMX pending-debug field. */
Test(dr6_after_db, bit12_is_cleared)
{
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0 | (1ull << 12), 0, &no_feat), 0xFFFF0FF0);
	EXPECT_HEX(dr6_after_db(0xFFFF0FF0, (1ull << 12) | DR6_B(0), &no_feat), 0xFFFF0FF1);
}

/* AF A.1 #DB: "force all active-low and fixed-1 bits to 1" and RTM "set by
 * every other #DB": an ordinary single-step after a DR6 whose RTM/BLD bits
 * were written 0 (RTM+BLD exposed) reads 0xFFFF4FF0. */
Test(dr6_after_db, active_low_rtm_and_bld_set_by_ordinary_db)
{
	EXPECT_HEX(dr6_after_db(0xFFFE07F0, DR6_BS, &rtm_bld), 0xFFFF4FF0);
}

/* ------------------------------------------------------------------ DR7 */

/* AF A.1 DR7: reset value 0x400 (DR7_FIXED_1); a write stores
 * (val & 0xFFFF2BFF) | 0x400 (KVM), so writing 0 reads 0x400. */
Test(dr7, write_zero_stores_400)
{
	EXPECT_HEX(dr7_store_value(0), 0x400);
}

/* AF A.1 DR7: (0xFFFFFFFF & 0xFFFF2BFF) | 0x400 = 0xFFFF2FFF - bit 10
 * forced to 1, bits 12, 14, 15 read 0.  (DR7_VOLATILE itself is 0xFFFF2BFF;
 * the stored value additionally has the fixed bit 10.) */
Test(dr7, write_all_ones_stores_ffff2fff)
{
	EXPECT_HEX(DR7_VOLATILE, 0xFFFF2BFF);
	EXPECT_HEX(dr7_store_value(0xFFFFFFFF), 0xFFFF2FFF);
	EXPECT_HEX(dr7_store_value(0xFFFFFFFF) & ~DR7_FIXED_1, 0xFFFF2BFF);
}

/* AF A.1 DR7 table: bit 10 "Reserved, always reads 1". */
Test(dr7, bit10_forced_on)
{
	EXPECT_HEX(dr7_store_value(0x1) & 0x400, 0x400);
	EXPECT_HEX(dr7_store_value(0x400), 0x400);
}

/* AF A.1 DR7 table: bit 12 reads 0, bits 14-15 read 0. */
Test(dr7, bits_12_14_15_masked)
{
	EXPECT_HEX(dr7_store_value((1u << 12) | (1u << 14) | (1u << 15)), 0x400);
}

/* AF A.1 DR7 table: GD (13), RTM (11), LE/GE (8, 9) and the L/G and
 * R/W/LEN fields are writable (all inside DR7_VOLATILE 0xFFFF2BFF). */
Test(dr7, gd_rtm_le_ge_enables_and_fields_writable)
{
	EXPECT_HEX(dr7_store_value(0x2B00), 0x2F00);
	EXPECT_HEX(dr7_store_value(0xFFFF00FF), 0xFFFF04FF);
}

/* AF A.1 DR7 table: bits 32-63 must be 0 (a MOV with them set faults, see
 * dr_mov_check); the stored 32-bit image never carries them. */
Test(dr7, high_half_never_stored)
{
	EXPECT_HEX(dr7_store_value(0xFFFFFFFF00000000ull), 0x400);
}

/* ---------------------------------------------------------- DR7 decode */

/* AF A.1 DR7 table / SDM 17.2.5: LENn 00 = 1 byte, 01 = 2, 11 = 4, 10 = 8;
 * checked for every slot at LENn = bits 18+4n..19+4n. */
Test(dr7_decode, len_encodings_00_1_01_2_10_8_11_4_per_slot)
{
	static const unsigned want[4] = { 1, 2, 8, 4 };   /* index = LEN code */
	for (int slot = 0; slot < 4; slot++)
		for (unsigned code = 0; code < 4; code++) {
			struct dr7_slot s;
			dr7_decode((uint64_t)code << (18 + 4 * slot), slot, &s);
			cr_assert_eq(s.len, want[code], "slot %d LEN=%u: got %u want %u",
				     slot, code, s.len, want[code]);
		}
}

/* AF A.1 DR7 table: R/Wn at bits 16+4n..17+4n: 00 execute, 01 write,
 * 10 I/O, 11 read/write. */
Test(dr7_decode, rw_field_per_slot)
{
	static const enum dr7_rw want[4] = { DR7_RW_EXEC, DR7_RW_WRITE, DR7_RW_IO, DR7_RW_RW };
	for (int slot = 0; slot < 4; slot++)
		for (unsigned code = 0; code < 4; code++) {
			struct dr7_slot s;
			dr7_decode((uint64_t)code << (16 + 4 * slot), slot, &s);
			cr_assert_eq(s.rw, want[code], "slot %d R/W=%u", slot, code);
			cr_assert_eq(s.len, 1, "slot %d: LEN field untouched must read 1 byte", slot);
		}
}

/* AF A.1 DR7 table: Ln at bits 0,2,4,6, Gn at bits 1,3,5,7; a slot is
 * enabled by either. */
Test(dr7_decode, local_and_global_enables_per_slot)
{
	for (int slot = 0; slot < 4; slot++) {
		struct dr7_slot s;
		dr7_decode(1ull << (2 * slot), slot, &s);
		cr_assert(s.enabled && s.local && !s.global, "slot %d L only", slot);
		dr7_decode(1ull << (2 * slot + 1), slot, &s);
		cr_assert(s.enabled && !s.local && s.global, "slot %d G only", slot);
		dr7_decode(0x400, slot, &s);
		cr_assert(!s.enabled && !s.local && !s.global, "slot %d off", slot);
	}
}

/* AF A.1 DR7 table: each slot has its own fields; slot 2's decode ignores
 * the enables and fields of slots 0, 1 and 3. */
Test(dr7_decode, slots_are_independent)
{
	uint64_t dr7 = 0x400 | local_slot(0, RW_RW, 4) | local_slot(1, RW_W, 8) |
		       local_slot(3, RW_IO, 2);
	struct dr7_slot s;
	dr7_decode(dr7, 2, &s);
	cr_assert(!s.enabled);
	cr_assert_eq(s.rw, DR7_RW_EXEC);
	cr_assert_eq(s.len, 1);
	dr7_decode(dr7, 1, &s);
	cr_assert(s.enabled && s.local);
	cr_assert_eq(s.rw, DR7_RW_WRITE);
	cr_assert_eq(s.len, 8);
}

/* dr.h documents the format with the example "L0 G1 GD | 0:X1 1:W4"
 * (slot 0 L0 execute 1 byte; slot 1 G1 write, LEN 11 = 4 bytes per
 * AF A.1 DR7), and "off" for a DR7 without enables or GD. */
Test(dr7_decode, describe_matches_documented_format)
{
	char buf[64];
	uint64_t dr7 = 0x400 | DR7_L(0) | DR7_G(1) | DR7_GD | slot_bits(1, RW_W, 4);
	dr7_describe(dr7, buf, sizeof buf);
	cr_assert_str_eq(buf, "L0 G1 GD | 0:X1 1:W4");
	dr7_describe(0x400, buf, sizeof buf);
	cr_assert_str_eq(buf, "off");
}

/* Bounded-buffer contract (snprintf-like): a short buffer is truncated and
 * NUL-terminated, a zero-size buffer is not written. */
Test(dr7_decode, describe_truncates_safely)
{
	char buf[8];
	memset(buf, 'x', sizeof buf);
	dr7_describe(0x400 | 0xFF | DR7_GD, buf, 4);
	cr_assert_eq(buf[3], 0);
	cr_assert_eq(strlen(buf), 3);
	cr_assert_eq(buf[4], 'x');
	dr7_describe(0xFF, buf + 6, 0);
	cr_assert_eq(buf[6], 'x');
}

/* --------------------------------------------------------- MOV DR checks */

/* AF A.2 item 4 / SDM MOV DR: #GP(0) for a 64-bit write to DR6 or DR7
 * with any of bits 63:32 set. */
Test(dr_mov_check, gp_for_dr6_and_dr7_writes_with_bits_63_32_set)
{
	cr_assert_eq(dr_mov_check(6, true, 0x100000000ull, false, 0x400, 0), DR_FAULT_GP);
	cr_assert_eq(dr_mov_check(7, true, 0x8000000000000400ull, false, 0x400, 0), DR_FAULT_GP);
	cr_assert_eq(dr_mov_check(6, true, 0xFFFFFFFFull, false, 0x400, 0), DR_OK);
	cr_assert_eq(dr_mov_check(7, true, 0xFFFFFFFFull, false, 0x400, 0), DR_OK);
}

/* AF A.1: DR0-DR3 hold 64-bit linear addresses in long mode; the #GP rule
 * of AF A.2 item 4 concerns DR6/DR7 only. */
Test(dr_mov_check, no_gp_for_dr0_to_dr3_with_64bit_values)
{
	for (int n = 0; n < 4; n++)
		cr_assert_eq(dr_mov_check(n, true, 0xFFFF800012345678ull, false, 0x400, 0), DR_OK,
			     "DR%d", n);
}

/* AF A.2 item 4 is about writes ("MOV to DR6/DR7"); a read never checks a
 * value. */
Test(dr_mov_check, reads_of_dr6_dr7_never_check_the_value)
{
	cr_assert_eq(dr_mov_check(6, false, ~0ull, false, 0x400, 0), DR_OK);
	cr_assert_eq(dr_mov_check(7, false, ~0ull, false, 0x400, 0), DR_OK);
}

/* AF A.1 DR4/DR5 and A.2 item 1 / SDM MOV DR: with CR4.DE=1 any MOV
 * involving DR4/DR5 raises #UD. */
Test(dr_mov_check, ud_for_dr4_dr5_when_cr4_de_set)
{
	for (int n = 4; n <= 5; n++) {
		cr_assert_eq(dr_mov_check(n, false, 0, true, 0x400, 0), DR_FAULT_UD, "read DR%d", n);
		cr_assert_eq(dr_mov_check(n, true, 0, true, 0x400, 0), DR_FAULT_UD, "write DR%d", n);
	}
}

/* AF A.1 DR4/DR5: with CR4.DE=0 they alias DR6/DR7 (reads and writes go
 * to DR6/DR7): no fault, dr_alias 4->6, 5->7. */
Test(dr_mov_check, dr4_dr5_alias_dr6_dr7_when_cr4_de_clear)
{
	cr_assert_eq(dr_alias(4), 6);
	cr_assert_eq(dr_alias(5), 7);
	cr_assert_eq(dr_mov_check(4, true, 0, false, 0x400, 0), DR_OK);
	cr_assert_eq(dr_mov_check(5, false, 0, false, 0x400, 0), DR_OK);
}

/* AF A.1: the aliases are DR6/DR7, so the bits-63:32 #GP of AF A.2 item 4
 * applies to writes through DR4/DR5 as well (hvpp issue #5: "DR4/DR5 not
 * handled like DR6/DR7 when CR4.DE=0" is a known hypervisor bug). */
Test(dr_mov_check, gp_for_dr4_dr5_alias_writes_with_bits_63_32_set)
{
	cr_assert_eq(dr_mov_check(4, true, 1ull << 32, false, 0x400, 0), DR_FAULT_GP);
	cr_assert_eq(dr_mov_check(5, true, 1ull << 63, false, 0x400, 0), DR_FAULT_GP);
}

/* AF A.1 (dr_alias): registers other than DR4/DR5 are not renamed. */
Test(dr_mov_check, alias_is_identity_for_other_registers)
{
	static const int regs[] = { 0, 1, 2, 3, 6, 7 };
	for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
		cr_assert_eq(dr_alias(regs[i]), regs[i]);
}

/* AF A.1 DR4/DR5 paragraph: "DR8-DR15 (REX.R forms) -> #UD" (AMD APM
 * Vol.3 MOV(DRn); SDM "Use of the REX.R prefix causes an invalid-opcode
 * exception"). */
Test(dr_mov_check, ud_for_dr8_and_above)
{
	for (int n = 8; n < 16; n++) {
		cr_assert_eq(dr_mov_check(n, false, 0, false, 0x400, 0), DR_FAULT_UD, "read DR%d", n);
		cr_assert_eq(dr_mov_check(n, true, 0, false, 0x400, 0), DR_FAULT_UD, "write DR%d", n);
	}
}

/* AF A.2 item 2 / SDM 17.2.4 GD: "DR7.GD=1 and any DR is accessed (read
 * or write)" -> #DB fault. */
Test(dr_mov_check, general_detect_db_for_reads_and_writes_of_any_dr)
{
	uint64_t dr7 = 0x400 | DR7_GD;
	for (int n = 0; n < 8; n++) {
		cr_assert_eq(dr_mov_check(n, false, 0, false, dr7, 0), DR_FAULT_DB_GD, "read DR%d", n);
		cr_assert_eq(dr_mov_check(n, true, 0, false, dr7, 0), DR_FAULT_DB_GD, "write DR%d", n);
	}
}

/* AF A.2 order (Bochs, recorded design decision, dr.h): #UD before the
 * general-detect #DB: DR4/DR5 with CR4.DE=1 and DR8+ still #UD when GD=1. */
Test(dr_mov_check, ud_takes_priority_over_general_detect)
{
	uint64_t dr7 = 0x400 | DR7_GD;
	cr_assert_eq(dr_mov_check(4, false, 0, true, dr7, 0), DR_FAULT_UD);
	cr_assert_eq(dr_mov_check(5, true, 0, true, dr7, 3), DR_FAULT_UD);
	cr_assert_eq(dr_mov_check(8, true, 0, false, dr7, 0), DR_FAULT_UD);
}

/* AF A.2 order: general-detect #DB before #GP, both for CPL>0 and for a
 * DR6/DR7 write with bits 63:32 set. */
Test(dr_mov_check, general_detect_takes_priority_over_gp)
{
	uint64_t dr7 = 0x400 | DR7_GD;
	cr_assert_eq(dr_mov_check(0, false, 0, false, dr7, 3), DR_FAULT_DB_GD);
	cr_assert_eq(dr_mov_check(7, true, 1ull << 40, false, dr7, 0), DR_FAULT_DB_GD);
	cr_assert_eq(dr_mov_check(6, true, 1ull << 40, false, dr7, 3), DR_FAULT_DB_GD);
}

/* AF A.2 item 3 / SDM MOV DR: #GP(0) if CPL > 0, for reads and writes of
 * every debug register. */
Test(dr_mov_check, cpl_above_zero_gives_gp)
{
	for (int cpl = 1; cpl <= 3; cpl++)
		for (int n = 0; n < 8; n++) {
			cr_assert_eq(dr_mov_check(n, false, 0, false, 0x400, cpl), DR_FAULT_GP,
				     "read DR%d CPL%d", n, cpl);
			cr_assert_eq(dr_mov_check(n, true, 0, false, 0x400, cpl), DR_FAULT_GP,
				     "write DR%d CPL%d", n, cpl);
		}
}

/* AF A.2 order: #UD before #GP(CPL). */
Test(dr_mov_check, ud_takes_priority_over_cpl_gp)
{
	cr_assert_eq(dr_mov_check(9, false, 0, false, 0x400, 3), DR_FAULT_UD);
	cr_assert_eq(dr_mov_check(4, false, 0, true, 0x400, 3), DR_FAULT_UD);
}

/* SDM MOV DR: at CPL 0 with GD clear, legal values and DR0-DR7 (DR4/5 via
 * alias) are accepted. */
Test(dr_mov_check, cpl0_legal_access_is_ok)
{
	for (int n = 0; n < 8; n++) {
		cr_assert_eq(dr_mov_check(n, false, 0, false, 0x400, 0), DR_OK, "read DR%d", n);
		cr_assert_eq(dr_mov_check(n, true, 0x400, false, 0x400, 0), DR_OK, "write DR%d", n);
	}
}

/* ------------------------------------------------- execute breakpoints */

/* AF A.1 DR7: execute breakpoint = R/W 00 with LEN 00, matching the
 * linear address in DRn; SDM 17.2.4 enables Ln/Gn. */
Test(dr_match_exec, matches_enabled_len00_at_exact_address)
{
	uint64_t dr[8] = { 0x401000, 0, 0, 0, 0, 0, 0xFFFF0FF0, 0x400 | local_slot(0, RW_X, 1) };
	cr_assert_eq(dr_match_exec(dr, 0x401000), 0x1);
	cr_assert_eq(dr_match_exec(dr, 0x401001), 0);
	cr_assert_eq(dr_match_exec(dr, 0x400FFF), 0);
}

/* AF A.1 DR7 LEN row: "Execute breakpoints must use LEN=00"; dr.h: other
 * LENs never match (SDM: result undefined). */
Test(dr_match_exec, requires_len_00)
{
	static const unsigned lens[] = { 2, 4, 8 };
	for (unsigned i = 0; i < 3; i++) {
		uint64_t dr[8] = { 0x2000, 0, 0, 0, 0, 0, 0, 0x400 | local_slot(0, RW_X, lens[i]) };
		cr_assert_eq(dr_match_exec(dr, 0x2000), 0, "LEN %u bytes", lens[i]);
	}
}

/* SDM 17.2.4 / AF A.1 DR7: a slot with neither Ln nor Gn set never
 * matches; Gn alone is enough. */
Test(dr_match_exec, requires_local_or_global_enable)
{
	uint64_t dr[8] = { 0, 0x3000, 0, 0, 0, 0, 0, 0x400 | slot_bits(1, RW_X, 1) };
	cr_assert_eq(dr_match_exec(dr, 0x3000), 0);
	dr[7] |= DR7_G(1);
	cr_assert_eq(dr_match_exec(dr, 0x3000), 0x2);
}

/* AF A.1 DR7: R/W 01 (write), 10 (I/O) and 11 (read/write, "not
 * instruction fetch") slots are not instruction breakpoints. */
Test(dr_match_exec, data_and_io_slots_do_not_match_fetches)
{
	uint64_t dr[8] = { 0x4000, 0x4000, 0x4000, 0, 0, 0, 0,
			   0x400 | local_slot(0, RW_W, 1) | local_slot(1, RW_RW, 1) |
				   local_slot(2, RW_IO, 1) };
	cr_assert_eq(dr_match_exec(dr, 0x4000), 0);
}

/* AF A.1 DR6 B0-B3: set for each DRn whose condition matched, so two
 * slots on the same address give mask 0b1001. */
Test(dr_match_exec, multiple_slots_give_mask)
{
	uint64_t dr[8] = { 0x5000, 0x6000, 0x7000, 0x5000, 0, 0, 0,
			   0x400 | local_slot(0, RW_X, 1) | local_slot(1, RW_X, 1) |
				   local_slot(3, RW_X, 1) };
	cr_assert_eq(dr_match_exec(dr, 0x5000), 0x9);
	cr_assert_eq(dr_match_exec(dr, 0x6000), 0x2);
	cr_assert_eq(dr_match_exec(dr, 0x7000), 0, "slot 2 is disabled");
}

/* ---------------------------------------------------- data breakpoints */

/* AF A.1 DR7 R/W row: 01 = break on data writes only. */
Test(dr_match_data, write_bp_does_not_match_reads)
{
	uint64_t dr[8] = { 0x8000, 0, 0, 0, 0, 0, 0, 0x400 | local_slot(0, RW_W, 4) };
	cr_assert_eq(dr_match_data(dr, 0x8000, 4, false), 0);
	cr_assert_eq(dr_match_data(dr, 0x8000, 4, true), 0x1);
}

/* AF A.1 DR7 R/W row: 11 = break on data reads or writes. */
Test(dr_match_data, rw_bp_matches_reads_and_writes)
{
	uint64_t dr[8] = { 0x8000, 0, 0, 0, 0, 0, 0, 0x400 | local_slot(0, RW_RW, 2) };
	cr_assert_eq(dr_match_data(dr, 0x8001, 1, false), 0x1);
	cr_assert_eq(dr_match_data(dr, 0x8001, 1, true), 0x1);
}

/* AF A.1 DR7: R/W 00 is instruction execution and 10 is I/O; neither is a
 * memory data breakpoint. */
Test(dr_match_data, exec_and_io_slots_never_match_data)
{
	uint64_t dr[8] = { 0x8000, 0x8000, 0, 0, 0, 0, 0,
			   0x400 | local_slot(0, RW_X, 1) | local_slot(1, RW_IO, 1) };
	cr_assert_eq(dr_match_data(dr, 0x8000, 1, false), 0);
	cr_assert_eq(dr_match_data(dr, 0x8000, 1, true), 0);
}

/* AF A.1 DR7 LEN row / SDM 17.2.5: "Address is masked to the LEN
 * alignment; a data access matches if it overlaps the aligned range"
 * (Bochs hwdebug_compare).  DR0=0x1003 LEN=4 covers 0x1000-0x1003. */
Test(dr_match_data, unaligned_address_is_masked_to_len_alignment)
{
	uint64_t dr[8] = { 0x1003, 0, 0, 0, 0, 0, 0, 0x400 | local_slot(0, RW_RW, 4) };
	cr_assert_eq(dr_match_data(dr, 0x1000, 1, false), 0x1, "0x1000 is inside the range");
	cr_assert_eq(dr_match_data(dr, 0x1003, 1, false), 0x1, "0x1003 is the last byte");
	cr_assert_eq(dr_match_data(dr, 0x1004, 1, false), 0, "0x1004 is past the range");
	cr_assert_eq(dr_match_data(dr, 0x0FFF, 1, false), 0, "0x0FFF is before the range");
}

/* Same rule with LEN=8 (10b): DR=0x2007 covers 0x2000-0x2007. */
Test(dr_match_data, len8_range_is_8_byte_aligned)
{
	uint64_t dr[8] = { 0, 0, 0x2007, 0, 0, 0, 0, 0x400 | local_slot(2, RW_W, 8) };
	cr_assert_eq(dr_match_data(dr, 0x2000, 1, true), 0x4);
	cr_assert_eq(dr_match_data(dr, 0x2007, 1, true), 0x4);
	cr_assert_eq(dr_match_data(dr, 0x2008, 1, true), 0);
}

/* AF A.1 DR7 LEN row: any overlap of the access with the aligned range
 * matches, including an 8-byte access that starts below it.  DR0=0x1004
 * LEN=4: [0x1000, 0x1008) overlaps, [0x0FF8, 0x1000) does not,
 * [0x0FFD, 0x1005) overlaps by one byte. */
Test(dr_match_data, wide_access_starting_below_range_overlaps)
{
	uint64_t dr[8] = { 0x1004, 0, 0, 0, 0, 0, 0, 0x400 | local_slot(0, RW_W, 4) };
	cr_assert_eq(dr_match_data(dr, 0x1000, 8, true), 0x1);
	cr_assert_eq(dr_match_data(dr, 0x0FF8, 8, true), 0);
	cr_assert_eq(dr_match_data(dr, 0x0FFD, 8, true), 0x1);
	cr_assert_eq(dr_match_data(dr, 0x1008, 8, true), 0);
}

/* SDM 17.2.4 / AF A.1 DR7: a slot with Ln = Gn = 0 never matches (dr.h:
 * only enabled slots are reported). */
Test(dr_match_data, disabled_slot_never_matches)
{
	uint64_t dr[8] = { 0x9000, 0, 0, 0, 0, 0, 0, 0x400 | slot_bits(0, RW_RW, 8) };
	cr_assert_eq(dr_match_data(dr, 0x9000, 8, true), 0);
	cr_assert_eq(dr_match_data(dr, 0x9000, 8, false), 0);
}

/* AF A.1 DR6 B0-B3: one bit per matching DRn, so overlapping slots give a
 * mask. */
Test(dr_match_data, multiple_slots_give_mask)
{
	uint64_t dr[8] = { 0xA000, 0xA004, 0xB000, 0xA002, 0, 0, 0,
			   0x400 | local_slot(0, RW_RW, 4) | local_slot(1, RW_W, 4) |
				   local_slot(2, RW_RW, 1) | local_slot(3, RW_W, 2) };
	/* 8-byte write at 0xA000 covers slots 0, 1, 3 (slot 2 is elsewhere). */
	cr_assert_eq(dr_match_data(dr, 0xA000, 8, true), 0xB);
	/* the same read: write-only slots 1 and 3 drop out. */
	cr_assert_eq(dr_match_data(dr, 0xA000, 8, false), 0x1);
}

/* AF A.1 DR0-DR3 hold 64-bit linear addresses: a range ending at the top of
 * the address space (0xFFFFFFFFFFFFFFF8, LEN 8) still covers its last byte. */
Test(dr_match_data, range_at_top_of_address_space_matches)
{
	uint64_t dr[8] = { 0xFFFFFFFFFFFFFFFFull, 0, 0, 0, 0, 0, 0,
			   0x400 | local_slot(0, RW_RW, 8) };
	cr_assert_eq(dr_match_data(dr, 0xFFFFFFFFFFFFFFFFull, 1, false), 0x1);
	cr_assert_eq(dr_match_data(dr, 0xFFFFFFFFFFFFFFF8ull, 8, true), 0x1);
	cr_assert_eq(dr_match_data(dr, 0xFFFFFFFFFFFFFFF0ull, 8, true), 0);
	cr_assert_eq(dr_match_data(dr, 0, 1, true), 0);
}

/* --------------------------------------------------------- armed slots */

/* dr.h: armed data slots are the enabled ones with R/W 01 or 11 (AF A.1
 * DR7 R/W row); I/O (10) and execute (00) slots are not data slots. */
Test(dr_armed, data_lists_enabled_write_and_rw_slots)
{
	uint64_t dr7 = 0x400 | local_slot(0, RW_W, 4) | local_slot(1, RW_X, 1) |
		       slot_bits(2, RW_RW, 8) | DR7_G(3) | slot_bits(3, RW_RW, 2);
	cr_assert_eq(dr_armed_data(dr7), 0x9);
	uint64_t io = 0x400 | local_slot(2, RW_IO, 1) | local_slot(0, RW_RW, 1);
	cr_assert_eq(dr_armed_data(io), 0x1, "enabled I/O slot 2 is not a data slot");
}

/* dr.h + AF A.1 DR7 LEN row: armed execute slots are enabled R/W 00 slots
 * with LEN 00. */
Test(dr_armed, exec_lists_enabled_len00_exec_slots)
{
	uint64_t dr7 = 0x400 | local_slot(0, RW_X, 1) | local_slot(1, RW_X, 4) |
		       slot_bits(2, RW_X, 1) | DR7_G(3) | slot_bits(3, RW_X, 1);
	cr_assert_eq(dr_armed_exec(dr7), 0x9);
}

/* AF A.1 DR7: reset value 0x400 enables nothing.  Note R/W = 00, LEN = 00
 * in every slot, so only the enable bits decide. */
Test(dr_armed, nothing_armed_at_reset_value)
{
	cr_assert_eq(dr_armed_data(0x400), 0);
	cr_assert_eq(dr_armed_exec(0x400), 0);
	cr_assert_eq(dr_armed_exec(0x400 | DR7_GD | (1u << 8) | (1u << 9)), 0,
		     "GD, LE, GE enable no slot");
}

/* Issue 12 item 4: MOV DR at CPL > 0 with DR7.GD = 1.  Expected values from
 * KVM commit 48512697c081's message (Intel Skylake/Icelake/Emerald Rapids:
 * the GD #DB over all #GPs; AMD: the CPL>0 #GP over the #DB, the #DB over
 * illegal-value #GPs) and "[PATCH v2 2/6] KVM: x86: Prioritize DR7.GD #DB
 * over #GP due to illegal DR6/7 value" (both vendors). */
Test(dr_mov_check, fault_order_per_vendor)
{
	const struct dr_features intel = { .amd = false }, amd = { .amd = true };
	const uint64_t gd = 0x400 | DR7_GD;
	for (int cpl = 1; cpl <= 3; cpl++) {
		cr_assert_eq(dr_mov_check_cpu(&intel, 0, false, 0, false, gd, cpl), DR_FAULT_DB_GD);
		cr_assert_eq(dr_mov_check_cpu(&amd, 0, false, 0, false, gd, cpl), DR_FAULT_GP);
		cr_assert_eq(dr_mov_check_cpu(&amd, 7, true, 1ull << 40, false, gd, cpl), DR_FAULT_GP);
	}
	/* CPL 0, illegal value: the #DB wins on both */
	cr_assert_eq(dr_mov_check_cpu(&intel, 7, true, 1ull << 40, false, gd, 0), DR_FAULT_DB_GD);
	cr_assert_eq(dr_mov_check_cpu(&amd, 7, true, 1ull << 40, false, gd, 0), DR_FAULT_DB_GD);
	cr_assert_eq(dr_mov_check_cpu(&amd, 6, true, 1ull << 33, false, gd, 0), DR_FAULT_DB_GD);
	/* #UD first everywhere; no GD: CPL #GP on both */
	cr_assert_eq(dr_mov_check_cpu(&amd, 4, false, 0, true, gd, 3), DR_FAULT_UD);
	cr_assert_eq(dr_mov_check_cpu(&amd, 0, false, 0, false, 0x400, 3), DR_FAULT_GP);
	cr_assert_eq(dr_mov_check_cpu(NULL, 0, false, 0, false, gd, 3), DR_FAULT_DB_GD);
}
