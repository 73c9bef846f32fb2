/* arm_dbg.h - the AArch64 self-hosted debug architecture as pure functions
 * (the Arm counterpart of cpu/dr.h).
 *
 * Nothing here touches Unicorn or machine state: every function takes
 * register values and returns register values, so each rule can be tested
 * against the manual (tests/test_arm_dbg.c).  Matching a breakpoint or a
 * watchpoint is separate from acting on it: the match functions say which
 * slots hit; cpu/engine/a64_exec.c decides what to do.
 *
 * Sources: Arm Architecture Reference Manual for A-profile (DDI 0487),
 * chapter D2 "AArch64 Self-hosted Debug" (sections "Enabling debug
 * exceptions from the current Exception level", "Breakpoint exceptions",
 * "Watchpoint exceptions", "Software Step exceptions"), the register
 * descriptions of DBGBCR<n>_EL1, DBGBVR<n>_EL1, DBGWCR<n>_EL1,
 * DBGWVR<n>_EL1, MDSCR_EL1, OSLAR_EL1, OSLSR_EL1, ID_AA64DFR0_EL1 and
 * ESR_ELx (the exception classes 0x30-0x35 and 0x3C and their ISS
 * encodings).  Register layouts cross-checked with the Cortex-A53/A35/A76
 * TRMs' DBGBCR/DBGWCR tables.  Section titles are cited rather than
 * numbers: D2's numbering moves between editions of DDI 0487. */
#ifndef HVSIM_CPU_ARM_DBG_H
#define HVSIM_CPU_ARM_DBG_H
#include <stdbool.h>
#include <stdint.h>

#define ARM_MAX_BRPS 16                  /* ID_AA64DFR0_EL1.BRPs is 4 bits: up to 16 */
#define ARM_MAX_WRPS 16

/* The debug system registers hvsim models, one index each.  Banks:
 * DBGBVR<n>, DBGBCR<n>, DBGWVR<n>, DBGWCR<n> for n = 0..15, then the
 * single registers.  arm_dbg_regs.def keeps each register's name, MSR/MRS
 * encoding and the EL2 control that traps it. */
enum arm_dbgreg {
	ARM_DBGBVR0 = 0,
	ARM_DBGBCR0 = 16,
	ARM_DBGWVR0 = 32,
	ARM_DBGWCR0 = 48,
#define ARM_DBGREG(id, name, op0, op1, crn, crm, op2, trap) id,
	ARM_DBG_BANKS_LAST = 63,   /* DBGWCR15_EL1; the single registers follow */
#include "cpu/arm_dbg_regs.def"
#undef ARM_DBGREG
	ARM_DBGREG_N
};

/* The EL2 control that traps an EL1 access (MDCR_EL2 / HCR_EL2 field
 * descriptions): TDA "Trap Debug Access" (the breakpoint/watchpoint banks,
 * MDSCR_EL1, the claim tags, DCC registers), TDOSA "Trap debug OS-related
 * register Access" (OSLAR, OSLSR, OSDLR, DBGPRCR), TDRA "Trap Debug ROM
 * Address register access" (MDRAR_EL1), HCR_EL2.TID3 (the ID registers of
 * group 3, ID_AA64DFR0_EL1 among them). */
enum arm_trap_ctl { ARM_TRAP_TDA, ARM_TRAP_TDOSA, ARM_TRAP_TDRA, ARM_TRAP_TID3 };

/* The register named by an MSR/MRS encoding (op0, op1, CRn, CRm, op2),
 * or -1 if it is not one of the modelled debug registers. */
int arm_dbgreg_lookup(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
/* "dbgbvr3_el1", "mdscr_el1", ... (static storage). */
const char *arm_dbgreg_name(int reg);
/* Which control traps it. */
enum arm_trap_ctl arm_dbgreg_trap(int reg);
/* The encoding of a register (for the ESR_EL2 syndrome and MSR text). */
void arm_dbgreg_encoding(int reg, unsigned *op0, unsigned *op1, unsigned *crn, unsigned *crm, unsigned *op2);
/* Read-only registers (OSLSR_EL1, MDRAR_EL1, DBGAUTHSTATUS_EL1, MDCCSR_EL0,
 * ID_AA64DFR0_EL1) and write-only ones (OSLAR_EL1). */
bool arm_dbgreg_readonly(int reg);
bool arm_dbgreg_writeonly(int reg);
/* Bank registers: slot number (0-15) of a DBGBVR/BCR/WVR/WCR, else -1. */
int arm_dbgreg_slot(int reg);

/* ---- MDSCR_EL1 (register description "MDSCR_EL1, Monitor Debug System
 * Control Register") ------------------------------------------------------- */
#define MDSCR_SS   (1ull << 0)            /* Software step control */
#define MDSCR_TDCC (1ull << 12)           /* Trap Debug Communications Channel access */
#define MDSCR_KDE  (1ull << 13)           /* Local (kernel) debug enable: debug exceptions at the EL they target */
#define MDSCR_HDE  (1ull << 14)           /* Halting debug enable (external debug; not modelled) */
#define MDSCR_MDE  (1ull << 15)           /* Monitor debug events: Breakpoint, Watchpoint, Vector Catch */

/* OSLAR_EL1.OSLK (bit 0) writes OSLSR_EL1.OSLK (bit 1); OSLSR_EL1.OSLM =
 * 0b10 "OS Lock implemented" (bits 3 and 0), the value Linux/KVM report
 * (OSLSR_EL1_OSLM_IMPLEMENTED). */
#define OSLAR_OSLK        (1ull << 0)
#define OSLSR_OSLK        (1ull << 1)
#define OSLSR_OSLM_IMPL   (1ull << 3)

/* ---- ID_AA64DFR0_EL1: BRPs [15:12] and WRPs [23:20] hold "number of
 * breakpoints/watchpoints minus one"; DebugVer [3:0] = 0x6 Armv8.0 debug
 * (0b0110). */
uint64_t arm_id_aa64dfr0(unsigned brps, unsigned wrps);
unsigned arm_dfr0_brps(uint64_t dfr0);     /* the number, 1-16 */
unsigned arm_dfr0_wrps(uint64_t dfr0);

/* ---- DBGBCR<n>_EL1 fields ------------------------------------------------ */
struct arm_bcr {
	bool e;          /* [0] enable */
	unsigned pmc;    /* [2:1] privileged mode control */
	unsigned bas;    /* [8:5] byte address select (0b1111 for A64) */
	bool hmc;        /* [13] higher mode control */
	unsigned ssc;    /* [15:14] security state control */
	unsigned lbn;    /* [19:16] linked breakpoint number */
	unsigned bt;     /* [23:20] breakpoint type */
};
struct arm_bcr arm_bcr_decode(uint64_t bcr);
uint64_t arm_bcr_encode(const struct arm_bcr *b);

/* ---- DBGWCR<n>_EL1 fields ------------------------------------------------ */
struct arm_wcr {
	bool e;          /* [0] enable */
	unsigned pac;    /* [2:1] privilege of access control */
	unsigned lsc;    /* [4:3] load/store control: 01 load, 10 store, 11 both */
	unsigned bas;    /* [12:5] byte address select (bytes of the doubleword) */
	bool hmc;        /* [13] */
	unsigned ssc;    /* [15:14] */
	unsigned lbn;    /* [19:16] */
	bool wt;         /* [20] watchpoint type: linked */
	unsigned mask;   /* [28:24] address mask (0 none, 3..31 low bits ignored) */
};
struct arm_wcr arm_wcr_decode(uint64_t wcr);
uint64_t arm_wcr_encode(const struct arm_wcr *w);

/* DBGBVR/DBGWVR address bits compared: VA[48:2] (no FEAT_LVA); bits
 * [63:49] are RESS, the sign extension of bit 48, so a kernel address
 * (0xffff...) and its low 49 bits name the same watched bytes. */
#define ARM_DBGVR_ADDR_MASK 0x0001FFFFFFFFFFFCull
#define ARM_VA_MASK         0x0001FFFFFFFFFFFFull

/* The Exception levels hvsim runs code at: the guest kernel at EL1, the
 * VHE host kernel at EL2 (HCR_EL2.E2H = 1), no EL0. */
enum arm_el { ARM_EL0 = 0, ARM_EL1 = 1, ARM_EL2 = 2 };

/* Does a breakpoint/watchpoint whose control has (hmc, ssc, pmc) generate
 * events at `el` in Non-secure state?  The rows of the table "Summary of
 * breakpoint HMC, SSC, and PMC encodings" (D2 "Breakpoint exceptions";
 * watchpoints share it with PAC for PMC, D2 "Watchpoint exceptions") for
 * Non-secure state, EL3 absent: EL0 matches with PMC[1], EL1 with PMC[0],
 * EL2 with HMC = 1 (SSC 0b00, 0b01 or 0b11).  SSC = 0b10 (Secure only)
 * matches nothing in Non-secure state. */
bool arm_bp_el_match(bool hmc, unsigned ssc, unsigned pmc, enum arm_el el);

/* Are Breakpoint/Watchpoint/Software-step exceptions that target EL1 enabled
 * while executing at `el`?  D2 "Enabling debug exceptions from the current
 * Exception level": from a lower EL always (subject to the OS Lock); from
 * EL1 itself only with MDSCR_EL1.KDE = 1 and PSTATE.D = 0.  The OS Lock
 * (OSLSR_EL1.OSLK = 1) disables all of them (D2 "The effect of the OS
 * Lock"); Breakpoint and Watchpoint exceptions also need MDSCR_EL1.MDE = 1
 * (`bpwp` true), Software step needs MDSCR_EL1.SS = 1 (checked by the
 * caller). */
bool arm_debug_enabled_el1(uint64_t mdscr, bool oslk, bool pstate_d, enum arm_el el, bool bpwp);

/* Breakpoint matching: mask of slots (bit n = breakpoint n, n < nbrps)
 * whose DBGBCR is enabled, of type "unlinked address match" (BT = 0b0000),
 * with BAS = 0b1111 (an A64 instruction), matching `el`, and whose
 * DBGBVR[48:2] equals PC[48:2].  Linked (BT = 0b0001, with its context
 * breakpoint LBN of BT 0b0011 matching CONTEXTIDR_EL1) is matched too;
 * context-only, VMID and mismatch types generate nothing by themselves
 * here (hvsim's guests do not use them).  `contextidr` is CONTEXTIDR_EL1. */
unsigned arm_bp_match(const uint64_t *bvr, const uint64_t *bcr, unsigned nbrps, uint64_t pc,
		      enum arm_el el, uint64_t contextidr);

/* Watchpoint matching: mask of slots whose DBGWCR is enabled, matching
 * `el` (PAC), the access kind (LSC: load 0b01, store 0b10, both 0b11) and
 * any byte of [addr, addr+size).  Without MASK the watched bytes are BAS[i]
 * of the doubleword at DBGWVR & ~7 (a word-aligned DBGWVR uses BAS[3:0] for
 * its word); with MASK = m (3-31) the whole 2^m-byte block containing
 * DBGWVR is watched (BAS must then be 0xFF; other BAS values are
 * CONSTRAINED UNPREDICTABLE and hvsim watches the block).  MASK 1 and 2
 * are reserved: such a watchpoint matches nothing. */
unsigned arm_wp_match(const uint64_t *wvr, const uint64_t *wcr, unsigned nwrps, uint64_t addr,
		      unsigned size, bool write, enum arm_el el);
/* The watched byte range [*lo, *hi] of watchpoint n (for memory hooks);
 * false if it watches nothing. */
bool arm_wp_range(uint64_t wvr, uint64_t wcr, uint64_t *lo, uint64_t *hi);
/* Slots armed (enabled and able to match something) */
unsigned arm_bp_armed(const uint64_t *bcr, unsigned nbrps);
unsigned arm_wp_armed(const uint64_t *wcr, unsigned nwrps);

/* ---- ESR_ELx: EC [31:26], IL [25], ISS [24:0] ("ESR_EL1, Exception
 * Syndrome Register (EL1)", table of exception classes) ---------------- */
#define ESR_EC_SHIFT 26
#define ESR_IL       (1u << 25)
#define ESR_ISS_MASK 0x1FFFFFFu
#define EC_UNKNOWN      0x00
#define EC_WFX          0x01
#define EC_CP14_MR      0x05   /* AArch32 MCR/MRC cp14 (the seed's arm32 trap) */
#define EC_HVC64        0x16
#define EC_SYS64        0x18   /* MSR, MRS, System instruction */
#define EC_IABT_LOW     0x20
#define EC_DABT_LOW     0x24
#define EC_BREAKPT_LOW  0x30
#define EC_BREAKPT_CUR  0x31
#define EC_SOFTSTP_LOW  0x32
#define EC_SOFTSTP_CUR  0x33
#define EC_WATCHPT_LOW  0x34
#define EC_WATCHPT_CUR  0x35
#define EC_BRK64        0x3C
/* Debug exception ISS: IFSC/DFSC [5:0] = 0b100010 "Debug exception";
 * watchpoints: WnR [6]; software step: ISV [24], EX [6]. */
#define ISS_FSC_DEBUG   0x22u
#define ISS_WNR         (1u << 6)
#define ISS_SS_ISV      (1u << 24)

static inline uint32_t arm_esr(unsigned ec, uint32_t iss)
{
	return (uint32_t)ec << ESR_EC_SHIFT | ESR_IL | (iss & ESR_ISS_MASK);
}
static inline unsigned arm_esr_ec(uint64_t esr) { return (unsigned)(esr >> ESR_EC_SHIFT) & 0x3F; }
static inline uint32_t arm_esr_iss(uint64_t esr) { return (uint32_t)esr & ESR_ISS_MASK; }

/* PSTATE / SPSR bits used here: D [9] (debug mask), SS [21] (software step),
 * M [3:0] = 0b0101 EL1h. */
#define PSTATE_D     (1ull << 9)
#define PSTATE_SS    (1ull << 21)
#define PSTATE_DAIF  (0xFull << 6)
#define PSTATE_EL1H  0x5ull

/* Vector offsets from VBAR_EL1 ("Exception vectors" table): synchronous
 * exception from the current EL using SP_ELx, from a lower EL (AArch64). */
#define VEC_CUR_SPX_SYNC 0x200u
#define VEC_LOWER64_SYNC 0x400u

#endif
