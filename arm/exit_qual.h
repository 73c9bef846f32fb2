/* exit_qual.h - the ESR_EL2 syndromes hvsim's Arm CPU produces, one
 * bitfield table per format with its encoder and decoder side by side
 * (mirrors vmx/exit_qual.h and svm/exit_qual.h).
 *
 * The encoder is the processor's (arm/kvm.c's engine ops: what the CPU
 * writes to ESR_EL2 when an EL1 access traps to EL2); the decoder is KVM's
 * (kvm_handle_sys_reg / kvm_handle_cp14_32 / io_mem_abort read it back).
 * Source: Arm ARM DDI 0487, "ESR_EL2, Exception Syndrome Register (EL2)",
 * the ISS encodings of each exception class.
 *
 *   ESR_EL2:  bits 31:26 EC, bit 25 IL (1: 32-bit instruction), 24:0 ISS */
#ifndef HVSIM_ARM_EXIT_QUAL_H
#define HVSIM_ARM_EXIT_QUAL_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu/arm_dbg.h"

/* ---- EC 0x18: trapped MSR, MRS or System instruction (AArch64) ------------
 * "ISS encoding for an exception from MSR, MRS, or System instruction
 * execution in AArch64 state":
 *
 *   bits   field
 *   0      Direction: 0 = write (MSR), 1 = read (MRS)
 *   4:1    CRm
 *   9:5    Rt
 *   13:10  CRn
 *   16:14  Op1
 *   19:17  Op2
 *   21:20  Op0
 *   24:22  RES0
 */
struct arm_sys64_iss {
	bool read;                     /* MRS */
	unsigned op0, op1, crn, crm, op2;
	unsigned rt;                   /* 0-30, 31 = XZR */
};

static inline uint32_t arm_sys64_esr_encode(bool read, unsigned op0, unsigned op1, unsigned crn, unsigned crm,
					     unsigned op2, unsigned rt)
{
	uint32_t iss = (read ? 1u : 0u) | (crm & 0xFu) << 1 | (rt & 0x1Fu) << 5 | (crn & 0xFu) << 10 |
		       (op1 & 7u) << 14 | (op2 & 7u) << 17 | (op0 & 3u) << 20;
	return arm_esr(EC_SYS64, iss);
}

static inline struct arm_sys64_iss arm_sys64_esr_decode(uint64_t esr)
{
	uint32_t iss = arm_esr_iss(esr);
	return (struct arm_sys64_iss){
		.read = iss & 1, .crm = (iss >> 1) & 0xF, .rt = (iss >> 5) & 0x1F, .crn = (iss >> 10) & 0xF,
		.op1 = (iss >> 14) & 7, .op2 = (iss >> 17) & 7, .op0 = (iss >> 20) & 3,
	};
}

/* ---- EC 0x05: trapped MCR/MRC to cp14 (AArch32; seed 004's arm32 trap) ----
 * "ISS encoding for an exception from an MCR or MRC access":
 *
 *   bits   field
 *   0      Direction: 0 = write (MCR), 1 = read (MRC)
 *   4:1    CRm
 *   9:5    Rt
 *   13:10  CRn
 *   16:14  Opc1
 *   19:17  Opc2
 *   23:20  COND
 *   24     CV (condition valid)
 *
 * hvsim's guest is AArch64, so its CPU never produces this class: the
 * arm32 policy (seed 004) runs on the AArch64 registers its cp14 ones map
 * to (DBGDSCRext.MDBGen is MDSCR_EL1.MDE, DBGBVRn is DBGBVRn_EL1[31:0]),
 * trapped as EC 0x18.  The format is here, tested, so that the mapping is
 * stated next to the seed's own syndrome. */
struct arm_cp14_iss {
	bool read;
	unsigned opc1, crn, crm, opc2, rt, cond;
	bool cv;
};

static inline uint32_t arm_cp14_esr_encode(bool read, unsigned opc1, unsigned crn, unsigned crm, unsigned opc2,
					    unsigned rt)
{
	/* an unconditional (AL, 0b1110) instruction with the condition valid */
	uint32_t iss = (read ? 1u : 0u) | (crm & 0xFu) << 1 | (rt & 0x1Fu) << 5 | (crn & 0xFu) << 10 |
		       (opc1 & 7u) << 14 | (opc2 & 7u) << 17 | 0xEu << 20 | 1u << 24;
	return arm_esr(EC_CP14_MR, iss);
}

static inline struct arm_cp14_iss arm_cp14_esr_decode(uint64_t esr)
{
	uint32_t iss = arm_esr_iss(esr);
	return (struct arm_cp14_iss){
		.read = iss & 1, .crm = (iss >> 1) & 0xF, .rt = (iss >> 5) & 0x1F, .crn = (iss >> 10) & 0xF,
		.opc1 = (iss >> 14) & 7, .opc2 = (iss >> 17) & 7, .cond = (iss >> 20) & 0xF, .cv = (iss >> 24) & 1,
	};
}

/* ---- EC 0x24: Data Abort from a lower EL (MMIO: a stage-2 fault) ----------
 * "ISS encoding for an exception from a Data Abort":
 *
 *   bits   field
 *   5:0    DFSC: 0b0001LL translation fault at level LL (hvsim: level 1,
 *          0b000101, an IPA with no stage-2 mapping)
 *   6      WnR: 1 = write
 *   15     SF: 1 = 64-bit register
 *   20:16  SRT: the transfer register
 *   21     SSE: sign extend (0: hvsim's loads are unsigned)
 *   23:22  SAS: access size, log2 bytes
 *   24     ISV: 1 = bits 23:14 hold a valid instruction syndrome
 *
 * KVM's io_mem_abort needs ISV = 1 to emulate the access (else it returns
 * -ENOSYS to user space, "kvm_pr_unimpl ... no instruction syndrome"). */
#define DABT_DFSC_TRANS_L1 0x05u
struct arm_dabt_iss {
	bool isv, write, sf;
	unsigned sas;                  /* log2 of the size */
	unsigned srt;
	unsigned dfsc;
};

static inline uint32_t arm_dabt_esr_encode(bool write, unsigned size, unsigned srt)
{
	unsigned sas = size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
	uint32_t iss = DABT_DFSC_TRANS_L1 | (write ? 1u << 6 : 0) | (size == 8 ? 1u << 15 : 0) |
		       (srt & 0x1Fu) << 16 | sas << 22 | 1u << 24;
	return arm_esr(EC_DABT_LOW, iss);
}

static inline struct arm_dabt_iss arm_dabt_esr_decode(uint64_t esr)
{
	uint32_t iss = arm_esr_iss(esr);
	return (struct arm_dabt_iss){
		.isv = (iss >> 24) & 1, .write = (iss >> 6) & 1, .sf = (iss >> 15) & 1,
		.sas = (iss >> 22) & 3, .srt = (iss >> 16) & 0x1F, .dfsc = iss & 0x3F,
	};
}

/* ---- EC 0x16: HVC from AArch64 ----------------------------------------------
 * "ISS encoding for an exception from HVC or SVC instruction execution":
 * bits 15:0 imm16, 24:16 RES0. */
static inline uint32_t arm_hvc_esr_encode(unsigned imm16) { return arm_esr(EC_HVC64, imm16 & 0xFFFFu); }
static inline unsigned arm_hvc_esr_decode(uint64_t esr) { return arm_esr_iss(esr) & 0xFFFFu; }

#endif
