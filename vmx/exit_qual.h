/* exit_qual.h - VMX exit information hvsim produces, one bitfield table per
 * format with its encoder and decoder side by side.
 *
 * The encoder is the processor's (vmx/kvm.c, the engine ops that decide a
 * VM exit: what the CPU writes to the VMCS exit-information fields); the
 * decoder is KVM's (vmx/kvm.c, the exit handlers: what handle_dr & co.
 * read back).  Keeping both here, beside the SDM's table, is what makes
 * them agree.  Mirrors svm/exit_qual.h (EXITINFO1 on SVM). */
#ifndef HVSIM_VMX_EXIT_QUAL_H
#define HVSIM_VMX_EXIT_QUAL_H
#include <stdbool.h>
#include <stdint.h>
#include "vmx/fields.h"

/* ---- Exit qualification for MOV DR (basic exit reason 29) -------------------
 * SDM Vol.3 Table 28-4 "Exit Qualification for MOV DR" (arch-facts A.4;
 * Bochs builds `dr | reg << 8 | read << 4`):
 *
 *   bits   field
 *   2:0    number of the debug register, as encoded (DR4/DR5 not aliased)
 *   3      not currently defined (0)
 *   4      direction of access: 0 = MOV to DR, 1 = MOV from DR
 *   7:5    not currently defined (0)
 *   11:8   general-purpose register: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP,
 *          5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15 (RSP lives in the VMCS)
 *   63:12  not currently defined (0)
 */
#define VMX_DR_QUAL_DR_MASK     0x7ull
#define VMX_DR_QUAL_FROM_DR     (1ull << 4)
#define VMX_DR_QUAL_GPR_SHIFT   8
#define VMX_DR_QUAL_GPR_MASK    0xFull

struct vmx_dr_qual {
	int dr;                 /* 0-7 as encoded */
	bool write;             /* MOV to DR */
	int gpr;                /* SDM GPR number 0-15 */
};

static inline uint64_t vmx_dr_qual_encode(int dr, bool write, int gpr)
{
	return ((uint64_t)dr & VMX_DR_QUAL_DR_MASK) | (write ? 0 : VMX_DR_QUAL_FROM_DR) |
	       ((uint64_t)gpr & VMX_DR_QUAL_GPR_MASK) << VMX_DR_QUAL_GPR_SHIFT;
}

static inline struct vmx_dr_qual vmx_dr_qual_decode(uint64_t qual)
{
	return (struct vmx_dr_qual){
		.dr = (int)(qual & VMX_DR_QUAL_DR_MASK),
		.write = !(qual & VMX_DR_QUAL_FROM_DR),
		.gpr = (int)((qual >> VMX_DR_QUAL_GPR_SHIFT) & VMX_DR_QUAL_GPR_MASK),
	};
}

/* ---- Exit qualification for control-register accesses (basic reason 28) ----
 * SDM Vol.3 Table 28-3 "Exit Qualification for Control-Register Accesses":
 *
 *   bits   field
 *   3:0    number of the control register (0 for CLTS and LMSW)
 *   5:4    access type: 0 = MOV to CR, 1 = MOV from CR, 2 = CLTS, 3 = LMSW
 *   6      LMSW operand type: 0 = register, 1 = memory
 *   7      not currently defined (0)
 *   11:8   MOV CR: the general-purpose register (0 RAX ... 15 R15)
 *   15:12  not currently defined (0)
 *   31:16  LMSW: the LMSW source data
 *   63:32  not currently defined (0)
 *
 * hvsim produces MOV to CR0/CR4 only (a write that changes a host-owned
 * bit, vmx/kvm.c); KVM's handle_cr decodes it. */
#define VMX_CR_QUAL_CR_MASK       0xFull
#define VMX_CR_QUAL_TYPE_SHIFT    4
#define VMX_CR_QUAL_TYPE_MASK     0x3ull
#define VMX_CR_QUAL_GPR_SHIFT     8
#define VMX_CR_QUAL_GPR_MASK      0xFull
enum vmx_cr_access { VMX_CR_MOV_TO = 0, VMX_CR_MOV_FROM = 1, VMX_CR_CLTS = 2, VMX_CR_LMSW = 3 };

struct vmx_cr_qual {
	int cr;                 /* control register number */
	enum vmx_cr_access type;
	int gpr;                /* MOV CR: SDM GPR number 0-15 */
};

static inline uint64_t vmx_cr_qual_encode(int cr, enum vmx_cr_access type, int gpr)
{
	return ((uint64_t)cr & VMX_CR_QUAL_CR_MASK) |
	       ((uint64_t)type & VMX_CR_QUAL_TYPE_MASK) << VMX_CR_QUAL_TYPE_SHIFT |
	       ((uint64_t)gpr & VMX_CR_QUAL_GPR_MASK) << VMX_CR_QUAL_GPR_SHIFT;
}

static inline struct vmx_cr_qual vmx_cr_qual_decode(uint64_t qual)
{
	return (struct vmx_cr_qual){
		.cr = (int)(qual & VMX_CR_QUAL_CR_MASK),
		.type = (enum vmx_cr_access)((qual >> VMX_CR_QUAL_TYPE_SHIFT) & VMX_CR_QUAL_TYPE_MASK),
		.gpr = (int)((qual >> VMX_CR_QUAL_GPR_SHIFT) & VMX_CR_QUAL_GPR_MASK),
	};
}

/* ---- Exit qualification for I/O instructions (basic exit reason 30) --------
 * SDM Vol.3 Table 28-5 "Exit Qualification for I/O Instructions":
 *
 *   bits   field
 *   2:0    size of access: 0 = 1 byte, 1 = 2 bytes, 3 = 4 bytes
 *   3      direction of the attempted access: 0 = OUT, 1 = IN
 *   4      string instruction (0: hvsim runs no INS/OUTS, IC_BAD)
 *   5      REP prefixed (0, as bit 4)
 *   6      operand encoding: 0 = DX, 1 = immediate
 *   15:7   not currently defined (0)
 *   31:16  port number
 *   63:32  not currently defined (0)
 *
 * KVM's handle_io reads it (kvm_fast_pio); hvsim's handler only counts the
 * VMREAD, so there is no decoder. */
#define VMX_IO_QUAL_IN          (1ull << 3)
#define VMX_IO_QUAL_IMM         (1ull << 6)
#define VMX_IO_QUAL_PORT_SHIFT  16

static inline uint64_t vmx_io_qual_encode(unsigned size, bool in, bool imm, uint16_t port)
{
	return (uint64_t)(size - 1) | (in ? VMX_IO_QUAL_IN : 0) | (imm ? VMX_IO_QUAL_IMM : 0) |
	       (uint64_t)port << VMX_IO_QUAL_PORT_SHIFT;
}

/* ---- VM-exit interruption information (exception exits, reason 0) ----------
 * SDM Vol.3 "Information for VM Exits Due to Vectored Events", table "Format
 * of the VM-Exit Interruption-Information Field"; the VM-entry
 * interruption-information field ("VM-Entry Controls for Event Injection")
 * has the same layout, so vmx_hw_entry decodes it with the same functions.
 * Type and flag constants: INTR_* in vmx/fields.h.
 *
 *   bits   field
 *   7:0    vector of interrupt or exception
 *   10:8   interruption type: 0 external interrupt, 3 hardware exception,
 *          5 privileged software exception (ICEBP), 6 software exception
 *   11     error code valid
 *   12     NMI unblocking due to IRET
 *   30:13  not currently defined (0)
 *   31     valid
 */
#define VMX_INTR_INFO_VECTOR_MASK 0xFFu
#define VMX_INTR_INFO_TYPE_MASK   0x700u

static inline uint32_t vmx_intr_info_encode(uint32_t type, int vector)
{
	return INTR_INFO_VALID | type | ((uint32_t)vector & VMX_INTR_INFO_VECTOR_MASK);
}

static inline int vmx_intr_info_vector(uint64_t info) { return (int)(info & VMX_INTR_INFO_VECTOR_MASK); }
static inline uint32_t vmx_intr_info_type(uint64_t info) { return (uint32_t)(info & VMX_INTR_INFO_TYPE_MASK); }

#endif
