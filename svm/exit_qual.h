/* exit_qual.h - SVM exit information hvsim produces (EXITCODE, EXITINFO1),
 * one bitfield table per format with its encoder and decoder side by side.
 *
 * The encoder is the processor's (svm/kvm.c, the engine ops that decide a
 * #VMEXIT: what the CPU writes to the VMCB control area); the decoder is
 * KVM's (svm/kvm.c, the intercept handlers: what dr_interception & co.
 * read back).  Keeping both here, beside the APM's table, is what makes
 * them agree.  Mirrors vmx/exit_qual.h (the exit qualification on VMX). */
#ifndef HVSIM_SVM_EXIT_QUAL_H
#define HVSIM_SVM_EXIT_QUAL_H
#include <stdbool.h>
#include <stdint.h>
#include "svm/fields.h"

/* ---- MOV DRx intercepts: EXITCODE and EXITINFO1 ------------------------------
 * EXITCODE (APM Vol.2 Appendix C "SVM Intercept Exit Codes"):
 *   0x20 + n   read of DRn,  n = 0-15 as encoded (DR4 is 0x24, not aliased)
 *   0x30 + n   write of DRn
 * EXITINFO1 with decode assists (APM 15.8.1 Table 15-3, 15.33 "Decode
 * Assists"; KVM SVM_EXITINFO_REG_MASK):
 *
 *   bits   field
 *   3:0    number of the general-purpose register (0 RAX ... 15 R15)
 *   63:4   0 for MOV DRx (bit 63 is meaningful for MOV CRx only)
 *
 * Without decode assists EXITINFO1 is 0 (Bochs passes 0) and KVM decodes the
 * instruction itself (emulate_on_interception). */
#define SVM_EXITINFO_REG_MASK      0xFull
#define SVM_EXIT_DR_LAST           (SVM_EXIT_READ_DR0 + 0x1F)   /* write_dr15 */

static inline uint64_t svm_dr_exit_code(int dr, bool write)
{
	return (write ? SVM_EXIT_WRITE_DR0 : SVM_EXIT_READ_DR0) + (uint64_t)dr;
}

static inline uint64_t svm_dr_exitinfo1_encode(bool decode_assists, int gpr)
{
	return decode_assists ? ((uint64_t)gpr & SVM_EXITINFO_REG_MASK) : 0;
}

struct svm_dr_exit {
	int dr;                 /* 0-15 as encoded */
	bool write;             /* MOV to DR */
};

/* The DR and direction of a DR intercept's EXITCODE (0x20-0x3F). */
static inline struct svm_dr_exit svm_dr_exit_decode(uint64_t code)
{
	return (struct svm_dr_exit){ .dr = (int)(code & 0xF), .write = code >= SVM_EXIT_WRITE_DR0 };
}

/* "reg = svm->vmcb->control.exit_info_1 & SVM_EXITINFO_REG_MASK" */
static inline int svm_dr_exitinfo1_gpr(uint64_t info1) { return (int)(info1 & SVM_EXITINFO_REG_MASK); }

/* ---- MOV CRx intercepts: EXITCODE and EXITINFO1 ------------------------------
 * EXITCODE (APM Vol.2 Appendix C): 0x00 + n read of CRn, 0x10 + n write of
 * CRn (read_cr4 0x04, write_cr4 0x14).  EXITINFO1 with decode assists (APM
 * 15.8.1 "MOV CRx"): bit 63 = 1 for MOV CRx (0 for CLTS/LMSW), bits 3:0 the
 * GPR; without decode assists 0 (KVM cr_interception then emulates). */
#define SVM_EXITINFO_CR_VALID      (1ull << 63)

static inline uint64_t svm_cr_exit_code(int cr, bool write)
{
	return (write ? 0x10u : 0u) + (uint64_t)cr;
}

static inline uint64_t svm_cr_exitinfo1_encode(bool decode_assists, int gpr)
{
	return decode_assists ? (SVM_EXITINFO_CR_VALID | ((uint64_t)gpr & SVM_EXITINFO_REG_MASK)) : 0;
}

/* ---- IOIO intercept: EXITINFO1 -------------------------------------------------
 * APM 15.10.2 Figure 15-2 "EXITINFO1 for IOIO Intercept":
 *
 *   bits   field
 *   0      TYPE: 1 = IN, 0 = OUT
 *   1      reserved
 *   2      STR: string instruction (0: hvsim runs no INS/OUTS, IC_BAD)
 *   3      REP (0, as STR)
 *   4      SZ8:  8-bit operand
 *   5      SZ16: 16-bit operand
 *   6      SZ32: 32-bit operand
 *   9:7    A16/A32/A64 address size: only for INS/OUTS, and KVM's
 *          io_interception does not read them: left 0
 *   12:10  effective segment (INS/OUTS; 0)
 *   15:13  reserved
 *   31:16  port number
 *
 * EXITINFO2 holds the rIP of the instruction after the IN/OUT.  KVM's
 * io_interception reads EXITINFO1 (kvm_fast_pio); hvsim's handler only
 * counts the load, so there is no decoder. */
#define SVM_IOIO_TYPE_IN           (1u << 0)
#define SVM_IOIO_SZ8               (1u << 4)
#define SVM_IOIO_SZ16              (1u << 5)
#define SVM_IOIO_SZ32              (1u << 6)
#define SVM_IOIO_PORT_SHIFT        16

static inline uint64_t svm_ioio_exitinfo1_encode(unsigned size, bool in, uint16_t port)
{
	uint64_t sz = size == 1 ? SVM_IOIO_SZ8 : size == 2 ? SVM_IOIO_SZ16 : SVM_IOIO_SZ32;
	return (in ? SVM_IOIO_TYPE_IN : 0) | sz | (uint64_t)port << SVM_IOIO_PORT_SHIFT;
}

#endif
