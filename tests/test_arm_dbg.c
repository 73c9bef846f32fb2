/* test_arm_dbg.c - the AArch64 self-hosted debug rules (cpu/arm_dbg.h) and
 * the ESR_EL2 syndromes (arm/exit_qual.h), one rule per test, with the
 * expected values from the Arm ARM DDI 0487 register descriptions and
 * Linux's arch/arm64 encodings (issue 20). */
#include <criterion/criterion.h>
#include "arm/exit_qual.h"
#include "arm/arm.h"
#include "cpu/arm_dbg.h"

/* DBGBCR<n>_EL1: E [0], PMC [2:1], BAS [8:5], HMC [13], SSC [15:14], LBN
 * [19:16], BT [23:20] (register description; the TRM tables agree). */
Test(arm_dbg, bcr_fields)
{
	struct arm_bcr b = arm_bcr_decode(0x1e7ull);      /* E, PMC 0b11, BAS 0b1111 */
	cr_assert(b.e);
	cr_assert_eq(b.pmc, 3u);
	cr_assert_eq(b.bas, 0xFu);
	cr_assert_not(b.hmc);
	b = arm_bcr_decode((1ull << 13) | (2ull << 14) | (5ull << 16) | (1ull << 20));
	cr_assert(b.hmc);
	cr_assert_eq(b.ssc, 2u);
	cr_assert_eq(b.lbn, 5u);
	cr_assert_eq(b.bt, 1u);
	struct arm_bcr c = { .e = true, .pmc = 1, .bas = 0xF, .hmc = true };
	/* Linux encode_ctrl_reg for a VHE kernel breakpoint: len 0xf << 5 |
	 * privilege EL1 (1) << 1 | enabled, plus DBG_HMC_HYP (1 << 13) */
	cr_assert_eq(arm_bcr_encode(&c), (0xFull << 5) | (1ull << 1) | 1 | (1ull << 13));
}

/* DBGWCR<n>_EL1: E [0], PAC [2:1], LSC [4:3], BAS [12:5], HMC [13], SSC
 * [15:14], LBN [19:16], WT [20], MASK [28:24]. */
Test(arm_dbg, wcr_fields)
{
	/* Linux: ARM_BREAKPOINT_STORE (2) << 3, ARM_BREAKPOINT_LEN_8 (0xff) << 5, EL1 << 1, enabled */
	struct arm_wcr w = arm_wcr_decode((0xFFull << 5) | (2ull << 3) | (1ull << 1) | 1);
	cr_assert(w.e);
	cr_assert_eq(w.pac, 1u);
	cr_assert_eq(w.lsc, 2u);
	cr_assert_eq(w.bas, 0xFFu);
	cr_assert_eq(w.mask, 0u);
	w = arm_wcr_decode(12ull << 24);
	cr_assert_eq(w.mask, 12u);
	struct arm_wcr x = { .e = true, .pac = 3, .lsc = 3, .bas = 0x0F, .hmc = true, .ssc = 1, .lbn = 2, .wt = true,
			     .mask = 5 };
	cr_assert_eq(arm_wcr_decode(arm_wcr_encode(&x)).mask, 5u);
	cr_assert_eq(arm_wcr_decode(arm_wcr_encode(&x)).lbn, 2u);
}

/* ID_AA64DFR0_EL1: BRPs [15:12], WRPs [23:20] hold "number - 1";
 * DebugVer [3:0] = 0b0110 for Armv8.0 debug. */
Test(arm_dbg, id_aa64dfr0)
{
	uint64_t v = arm_id_aa64dfr0(6, 4);
	cr_assert_eq((v >> 12) & 0xF, 5u);
	cr_assert_eq((v >> 20) & 0xF, 3u);
	cr_assert_eq(v & 0xF, 6u);
	cr_assert_eq(arm_dfr0_brps(v), 6u);
	cr_assert_eq(arm_dfr0_wrps(v), 4u);
	cr_assert_eq(arm_dfr0_brps(arm_id_aa64dfr0(16, 16)), 16u);
}

/* The MSR/MRS encodings of the register descriptions (Linux sysreg.h:
 * SYS_DBGBVRn_EL1(n) = sys_reg(2, 0, 0, n, 4), SYS_MDSCR_EL1 =
 * sys_reg(2, 0, 0, 2, 2), SYS_OSLAR_EL1 = sys_reg(2, 0, 1, 0, 4),
 * SYS_ID_AA64DFR0_EL1 = sys_reg(3, 0, 0, 5, 0)) and the control that traps
 * each (MDCR_EL2.TDA/TDOSA/TDRA, HCR_EL2.TID3). */
Test(arm_dbg, register_table)
{
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 0, 3, 4), ARM_DBGBVR0 + 3);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 0, 15, 5), ARM_DBGBCR0 + 15);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 0, 1, 6), ARM_DBGWVR0 + 1);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 0, 0, 7), ARM_DBGWCR0);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 0, 2, 2), ARM_MDSCR_EL1);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 1, 0, 4), ARM_OSLAR_EL1);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 1, 1, 4), ARM_OSLSR_EL1);
	cr_assert_eq(arm_dbgreg_lookup(2, 0, 1, 0, 0), ARM_MDRAR_EL1);
	cr_assert_eq(arm_dbgreg_lookup(3, 0, 0, 5, 0), ARM_ID_AA64DFR0_EL1);
	cr_assert_eq(arm_dbgreg_lookup(3, 0, 12, 0, 0), -1);       /* VBAR_EL1: not a debug register */
	cr_assert_str_eq(arm_dbgreg_name(ARM_DBGWCR0 + 9), "dbgwcr9_el1");
	cr_assert_str_eq(arm_dbgreg_name(ARM_MDSCR_EL1), "mdscr_el1");
	cr_assert_eq(arm_dbgreg_trap(ARM_DBGBVR0), ARM_TRAP_TDA);
	cr_assert_eq(arm_dbgreg_trap(ARM_MDSCR_EL1), ARM_TRAP_TDA);
	cr_assert_eq(arm_dbgreg_trap(ARM_OSLAR_EL1), ARM_TRAP_TDOSA);
	cr_assert_eq(arm_dbgreg_trap(ARM_DBGPRCR_EL1), ARM_TRAP_TDOSA);
	cr_assert_eq(arm_dbgreg_trap(ARM_MDRAR_EL1), ARM_TRAP_TDRA);
	cr_assert_eq(arm_dbgreg_trap(ARM_ID_AA64DFR0_EL1), ARM_TRAP_TID3);
	unsigned op0, op1, crn, crm, op2;
	arm_dbgreg_encoding(ARM_DBGWVR0 + 7, &op0, &op1, &crn, &crm, &op2);
	cr_assert(op0 == 2 && op1 == 0 && crn == 0 && crm == 7 && op2 == 6);
}

/* "Summary of breakpoint HMC, SSC, and PMC encodings", Non-secure rows. */
Test(arm_dbg, el_match)
{
	cr_assert(arm_bp_el_match(false, 0, 1, ARM_EL1));          /* PMC 0b01: EL1 */
	cr_assert_not(arm_bp_el_match(false, 0, 1, ARM_EL0));
	cr_assert_not(arm_bp_el_match(false, 0, 1, ARM_EL2));
	cr_assert(arm_bp_el_match(false, 0, 2, ARM_EL0));          /* PMC 0b10: EL0 */
	cr_assert(arm_bp_el_match(true, 0, 1, ARM_EL2));           /* HMC 1, PMC 0b01: EL2 and EL1 */
	cr_assert(arm_bp_el_match(true, 0, 1, ARM_EL1));
	cr_assert_not(arm_bp_el_match(false, 2, 3, ARM_EL1));      /* SSC 0b10: Secure only */
}

/* "Enabling debug exceptions from the current Exception level": EL1 to
 * EL1 needs KDE and PSTATE.D = 0; Breakpoint/Watchpoint also MDE; the OS
 * Lock disables them; from EL0 no KDE is needed. */
Test(arm_dbg, enables)
{
	cr_assert(arm_debug_enabled_el1(MDSCR_MDE | MDSCR_KDE, false, false, ARM_EL1, true));
	cr_assert_not(arm_debug_enabled_el1(MDSCR_MDE, false, false, ARM_EL1, true));         /* no KDE */
	cr_assert_not(arm_debug_enabled_el1(MDSCR_MDE | MDSCR_KDE, false, true, ARM_EL1, true));  /* D */
	cr_assert_not(arm_debug_enabled_el1(MDSCR_KDE, false, false, ARM_EL1, true));         /* no MDE */
	cr_assert(arm_debug_enabled_el1(MDSCR_KDE, false, false, ARM_EL1, false));            /* step: no MDE needed */
	cr_assert_not(arm_debug_enabled_el1(MDSCR_MDE | MDSCR_KDE, true, false, ARM_EL1, true)); /* OS Lock */
	cr_assert(arm_debug_enabled_el1(MDSCR_MDE, false, true, ARM_EL0, true));              /* from EL0 */
	cr_assert_not(arm_debug_enabled_el1(MDSCR_MDE | MDSCR_KDE, false, false, ARM_EL2, true));
}

/* "Breakpoint exceptions": DBGBVR[48:2] == PC[48:2], BAS 0b1111 for A64,
 * the enable bit, the EL; linked to a context-ID breakpoint (BT 0b0011,
 * DBGBVR[31:0] == CONTEXTIDR_EL1). */
Test(arm_dbg, breakpoint_match)
{
	uint64_t bvr[16] = { 0 }, bcr[16] = { 0 };
	struct arm_bcr b = { .e = true, .pmc = 1, .bas = 0xF };
	bvr[2] = 0x40100;
	bcr[2] = arm_bcr_encode(&b);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0x40100, ARM_EL1, 0), 1u << 2);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0x40104, ARM_EL1, 0), 0u);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0x40100, ARM_EL0, 0), 0u);     /* PMC EL1 only */
	cr_assert_eq(arm_bp_match(bvr, bcr, 2, 0x40100, ARM_EL1, 0), 0u);     /* slot 2 not implemented */
	/* RESS: the upper bits of DBGBVR are the sign extension of bit 48 */
	bvr[2] = 0xffff800008000000ull;
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0xffff800008000000ull, ARM_EL1, 0), 1u << 2);
	b.bas = 0x3;                                           /* a T32 halfword: never an A64 instruction */
	bcr[2] = arm_bcr_encode(&b);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0xffff800008000000ull, ARM_EL1, 0), 0u);
	/* linked: breakpoint 0 (BT 0b0001, LBN 5) with context breakpoint 5 */
	struct arm_bcr l = { .e = true, .pmc = 1, .bas = 0xF, .bt = 1, .lbn = 5 };
	struct arm_bcr ctx = { .e = true, .pmc = 1, .bas = 0xF, .bt = 3 };
	bvr[0] = 0x5000;
	bcr[0] = arm_bcr_encode(&l);
	bvr[5] = 42;
	bcr[5] = arm_bcr_encode(&ctx);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0x5000, ARM_EL1, 42) & 1u, 1u);
	cr_assert_eq(arm_bp_match(bvr, bcr, 6, 0x5000, ARM_EL1, 43) & 1u, 0u);
}

/* "Watchpoint exceptions": BAS selects bytes of the doubleword at DBGWVR
 * (of the word when DBGWVR[2] = 1), LSC loads/stores, MASK a 2^MASK block
 * (MASK 1, 2 reserved). */
Test(arm_dbg, watchpoint_match)
{
	uint64_t wvr[16] = { 0 }, wcr[16] = { 0 };
	struct arm_wcr w = { .e = true, .pac = 1, .lsc = 2, .bas = 0x0C };   /* store, bytes 2-3 */
	wvr[1] = 0x80000;
	wcr[1] = arm_wcr_encode(&w);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80002, 1, true, ARM_EL1), 2u);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80000, 8, true, ARM_EL1), 2u);   /* overlaps byte 2 */
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80000, 2, true, ARM_EL1), 0u);   /* bytes 0-1 only */
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80004, 4, true, ARM_EL1), 0u);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80002, 1, false, ARM_EL1), 0u);  /* a load: LSC store only */
	/* word-aligned DBGWVR: BAS[3:0] select bytes of that word */
	wvr[1] = 0x80004;
	w.bas = 0x1;
	wcr[1] = arm_wcr_encode(&w);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80004, 1, true, ARM_EL1), 2u);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x80000, 1, true, ARM_EL1), 0u);
	/* MASK 12: the 4 KiB block */
	struct arm_wcr m = { .e = true, .pac = 1, .lsc = 3, .bas = 0xFF, .mask = 12 };
	wvr[0] = 0x91234;
	wcr[0] = arm_wcr_encode(&m);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x91FF8, 8, false, ARM_EL1) & 1u, 1u);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x92000, 8, false, ARM_EL1) & 1u, 0u);
	m.mask = 2;                                            /* reserved */
	wcr[0] = arm_wcr_encode(&m);
	cr_assert_eq(arm_wp_match(wvr, wcr, 4, 0x91234, 1, false, ARM_EL1) & 1u, 0u);
	uint64_t lo, hi;
	m.mask = 12;
	cr_assert(arm_wp_range(0x91234, arm_wcr_encode(&m), &lo, &hi));
	cr_assert_eq(lo, 0x91000u);
	cr_assert_eq(hi, 0x91FFFu);
}

/* ESR_EL2 EC 0x18 ISS ("ISS encoding for an exception from MSR, MRS, or
 * System instruction execution in AArch64 state"; Linux esr.h
 * ESR_ELx_SYS64_ISS_*): MSR DBGBVR0_EL1, X2 is Op0 2 [21:20], Op2 4
 * [19:17], Rt 2 [9:5], direction 0 -> 0x62280040 with IL. */
Test(arm_dbg, sys64_syndrome)
{
	uint32_t esr = arm_sys64_esr_encode(false, 2, 0, 0, 0, 4, 2);
	cr_assert_eq(esr, 0x62280040u);
	struct arm_sys64_iss q = arm_sys64_esr_decode(0x62280040u);
	cr_assert(!q.read && q.op0 == 2 && q.op2 == 4 && q.rt == 2 && q.crm == 0 && q.crn == 0);
	/* MRS X3, MDSCR_EL1: Op0 2, Op1 0, CRn 0, CRm 2, Op2 2, Rt 3, read */
	q = arm_sys64_esr_decode(arm_sys64_esr_encode(true, 2, 0, 0, 2, 2, 3));
	cr_assert(q.read && q.crm == 2 && q.op2 == 2 && q.rt == 3);
	cr_assert_eq(arm_esr_ec(esr), (unsigned)EC_SYS64);
}

/* EC 0x05 (the seed's cp14 trap): MCR p14, 0, R1, c0, c3, 4 (DBGBVR3):
 * Opc1 0, CRn 0, CRm 3, Opc2 4, Rt 1, COND 0b1110 with CV. */
Test(arm_dbg, cp14_syndrome)
{
	uint32_t esr = arm_cp14_esr_encode(false, 0, 0, 3, 4, 1);
	cr_assert_eq(arm_esr_ec(esr), 0x05u);
	struct arm_cp14_iss q = arm_cp14_esr_decode(esr);
	cr_assert(!q.read && q.crm == 3 && q.opc2 == 4 && q.rt == 1 && q.cond == 0xE && q.cv);
	cr_assert_eq(esr, (0x05u << 26) | (1u << 25) | (1u << 24) | (0xEu << 20) | (4u << 17) | (1u << 5) | (3u << 1));
}

/* EC 0x24 Data Abort: ISV [24], SAS [23:22], SRT [20:16], SF [15], WnR [6],
 * DFSC [5:0] (0b000101: translation fault, level 1); EC 0x16 HVC: imm16. */
Test(arm_dbg, dabt_and_hvc_syndromes)
{
	uint32_t esr = arm_dabt_esr_encode(true, 4, 19);
	struct arm_dabt_iss q = arm_dabt_esr_decode(esr);
	cr_assert(q.isv && q.write && !q.sf && q.sas == 2 && q.srt == 19 && q.dfsc == 0x05);
	cr_assert_eq(esr, (0x24u << 26) | (1u << 25) | (1u << 24) | (2u << 22) | (19u << 16) | (1u << 6) | 0x05u);
	cr_assert_eq(arm_hvc_esr_encode(0x1234), (0x16u << 26) | (1u << 25) | 0x1234u);
	cr_assert_eq(arm_hvc_esr_decode(arm_hvc_esr_encode(7)), 7u);
	/* a Watchpoint exception taken to the current EL (EC 0x35), write:
	 * IFSC 0b100010, WnR -> 0xD6000062 */
	cr_assert_eq(arm_esr(EC_WATCHPT_CUR, ISS_FSC_DEBUG | ISS_WNR), 0xD6000062u);
}

/* MDCR_EL2 / HCR_EL2 field descriptions: TDA, TDOSA, TDRA trap their
 * registers; TDE (or HCR_EL2.TGE) behaves as all three set; TID3 traps the
 * ID register. */
Test(arm_dbg, el2_trap_controls)
{
	cr_assert(arm_hw_traps(MDCR_EL2_TDA, 0, ARM_DBGBCR0));
	cr_assert(arm_hw_traps(MDCR_EL2_TDA, 0, ARM_MDSCR_EL1));
	cr_assert_not(arm_hw_traps(MDCR_EL2_TDA, 0, ARM_OSLAR_EL1));
	cr_assert(arm_hw_traps(MDCR_EL2_TDOSA, 0, ARM_OSLAR_EL1));
	cr_assert_not(arm_hw_traps(MDCR_EL2_TDOSA, 0, ARM_DBGWVR0));
	cr_assert(arm_hw_traps(MDCR_EL2_TDRA, 0, ARM_MDRAR_EL1));
	cr_assert(arm_hw_traps(MDCR_EL2_TDE, 0, ARM_DBGWVR0));
	cr_assert(arm_hw_traps(MDCR_EL2_TDE, 0, ARM_OSLSR_EL1));
	cr_assert(arm_hw_traps(0, HCR_EL2_TGE, ARM_MDRAR_EL1));
	cr_assert_not(arm_hw_traps(0, 0, ARM_DBGBVR0));
	cr_assert(arm_hw_traps(0, HCR_EL2_TID3, ARM_ID_AA64DFR0_EL1));
	cr_assert_not(arm_hw_traps(MDCR_EL2_TDA, 0, ARM_ID_AA64DFR0_EL1));
}
