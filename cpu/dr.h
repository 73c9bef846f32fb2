/* dr.h - the x86 debug-register architecture as pure functions.
 *
 * Nothing here touches Unicorn or any machine state: every function takes
 * register values and returns register values, so the rules can be tested
 * against the manuals one by one (tests/test_dr_rules.c).  Matching a
 * breakpoint is separate from acting on it (Spike's triggers.h shape): the
 * match functions only say which slots hit; cpu/engine/engine.c decides what to do.
 *
 * Sources: Intel SDM Vol.3 ch.17/19 "Debug, Branch Profile, TSC ..." (DR6,
 * DR7 layout, exception classes); SDM Vol.2 "MOV-Move to/from Debug
 * Registers"; shared/spec/arch-facts.md A.1-A.3 (constants as used by KVM and
 * kvm-unit-tests lib/x86/asm/debugreg.h). */
#ifndef HVSIM_CPU_DR_H
#define HVSIM_CPU_DR_H
#include <stdbool.h>
#include <stdint.h>

/* DR6 (arch-facts A.1 table). */
#define DR6_B(n)        (1ull << (n))       /* B0-B3: breakpoint n matched */
#define DR6_B_MASK      0xFull
#define DR6_BLD         (1ull << 11)        /* bus-lock detect, active-low */
#define DR6_BD          (1ull << 13)        /* general detect */
#define DR6_BS          (1ull << 14)        /* single step */
#define DR6_BT          (1ull << 15)        /* task switch */
#define DR6_RTM         (1ull << 16)        /* RTM, active-low */
#define DR6_ACTIVE_LOW  0xFFFF0FF0ull       /* reset value, "no event" */
#define DR6_VOLATILE    0x0001E80Full       /* B0-3, BLD, BD, BS, BT, RTM */
#define DR6_FIXED_1     0xFFFE07F0ull       /* ACTIVE_LOW & ~VOLATILE */
#define DR6_RESERVED_HI 0xFFFFFFFF00000000ull

/* DR7 (arch-facts A.1 table). */
#define DR7_L(n)        (1ull << ((n) * 2))
#define DR7_G(n)        (1ull << ((n) * 2 + 1))
#define DR7_BP_EN_MASK  0xFFull             /* any L0-3/G0-3 */
#define DR7_GD          (1ull << 13)
#define DR7_FIXED_1     0x400ull
#define DR7_VOLATILE    0xFFFF2BFFull       /* bits 10, 12, 14, 15 not writable */
#define DR7_RESERVED_HI 0xFFFFFFFF00000000ull

/* DR7 R/Wn encodings. */
enum dr7_rw { DR7_RW_EXEC = 0, DR7_RW_WRITE = 1, DR7_RW_IO = 2, DR7_RW_RW = 3 };

/* One decoded DR7 slot. */
struct dr7_slot {
	bool enabled;      /* Ln or Gn set */
	bool local;        /* Ln */
	bool global;       /* Gn */
	enum dr7_rw rw;    /* R/Wn field */
	unsigned len;      /* 1, 2, 4 or 8 bytes (LENn 00,01,11,10) */
};

void dr7_decode(uint64_t dr7, int slot, struct dr7_slot *out);
/* Human form of DR7, e.g. "L0 G1 GD | 0:X1 1:W4" (for `dreg` and traces). */
void dr7_describe(uint64_t dr7, char *buf, unsigned size);

/* Value stored by a MOV to DR6/DR7 (validity checked separately).
 * DR6: writable bits are DR6_VOLATILE; with neither RTM nor bus-lock detect
 * exposed (hvsim's default CPU, like Bochs) both active-low bits read 1, so
 * writing 0 reads back 0xFFFF0FF0 (kvm-unit-tests x86/emulator.c test_mov_dr).
 * DR7: (val & 0xFFFF2BFF) | 0x400 (KVM __kvm_set_dr; SDM: bit 10 reads 1,
 * bits 12, 14, 15 read 0). */
struct dr_features {
	bool rtm;            /* CPUID RTM: DR6 bit 16 writable (active-low) */
	bool bus_lock;       /* bus-lock detect: DR6 bit 11 writable (active-low) */
	bool amd;            /* an AMD CPU (the `svm` vendor): MOV DR fault order below */
};
uint64_t dr6_fixed_bits(const struct dr_features *f);
uint64_t dr6_store_value(uint64_t val, const struct dr_features *f);
uint64_t dr7_store_value(uint64_t val);

/* DR6 after a #DB is delivered (arch-facts A.1 "DR6 update on #DB delivery",
 * KVM kvm_deliver_exception_payload): B0-B3 replaced by the event's B bits,
 * BD/BS/BT sticky (ORed), fixed bits forced, bit 12 cleared.  `event` uses
 * the DR6 positions of B0-3, BD, BS, BT. */
uint64_t dr6_after_db(uint64_t old, uint64_t event, const struct dr_features *f);

/* Architectural register number for DR4/DR5 (aliases of DR6/DR7 when
 * CR4.DE = 0; callers raise #UD when CR4.DE = 1). */
int dr_alias(int n);

/* MOV DR outcome before any virtualization (SDM Vol.2 MOV DR, Operation and
 * Protected Mode Exceptions).  Order is Bochs' (arch-facts A.2 item 4, a
 * recorded design decision): #UD (DR4/5 with CR4.DE=1, DR8-15), then #DB
 * (general detect, DR7.GD=1), then #GP (CPL>0; 64-bit write to DR6/DR7 with
 * bits 63:32 set). */
enum dr_fault { DR_OK = 0, DR_FAULT_UD, DR_FAULT_DB_GD, DR_FAULT_GP };
enum dr_fault dr_mov_check(int n, bool write, uint64_t val, bool cr4_de,
			   uint64_t dr7, int cpl);
/* The same per CPU vendor (issue 12 item 4).  Neither manual orders the
 * general-detect #DB against the #GPs; measured, as stated in KVM commit
 * 48512697c081 "KVM: VMX: Prioritize DR7.GD=1 #DB over CPL>0 #GP on Intel"
 * (Sean Christopherson, 2026): "Intel CPUs (Skylake, Icelake and Emerald
 * Rapids) prioritize the DR7.GD #DB over all #GPs, whereas AMD CPUs
 * prioritize the CPL>0 #GP (but not illegal value #GPs) over the #DB"; and
 * "[PATCH v2 2/6] KVM: x86: Prioritize DR7.GD #DB over #GP due to illegal
 * DR6/7 value" (2026-06-03): on both vendors the #DB beats the illegal-value
 * #GP.  Intel (f->amd false): #UD, #DB(GD), #GP(CPL), #GP(value) -- which is
 * dr_mov_check().  AMD: #UD, #GP(CPL), #DB(GD), #GP(value). */
enum dr_fault dr_mov_check_cpu(const struct dr_features *f, int n, bool write, uint64_t val,
			       bool cr4_de, uint64_t dr7, int cpl);

/* Breakpoint matching.  Returns the mask (bit n = slot n) of slots whose
 * condition matched and that are enabled in dr7.
 * Execute: R/W = 00 and DRn == rip (LEN must be 00; other LENs never match
 * an execute breakpoint, the SDM calls the result undefined).
 * Data: R/W = 01 matches writes, 11 reads and writes; the slot covers the
 * LEN-aligned range containing DRn (address bits below LEN are ignored,
 * SDM 17.2.5) and matches any access overlapping it. */
unsigned dr_match_exec(const uint64_t dr[8], uint64_t rip);
unsigned dr_match_data(const uint64_t dr[8], uint64_t addr, unsigned size, bool write);
/* Slots armed as data breakpoints (any R/W = 01 or 11) / execute breakpoints. */
unsigned dr_armed_data(uint64_t dr7);
unsigned dr_armed_exec(uint64_t dr7);

/* IA32_DEBUGCTL (MSR 0x1D9; SDM Vol.3 17.4.1 "IA32_DEBUGCTL MSR", AMD APM
 * Vol.2 13.1.1.1 "Debug-Control MSR (DebugCtl)").  hvsim's guest CPU
 * implements LBR (bit 0) and BTF (bit 1, single-step on branches, SDM
 * 17.4.3) only: no BTS, TR, PMI freezing or bus-lock detect, so a WRMSR
 * with any other bit set is #GP(0) as for reserved bits ("Reserved bits
 * ... must be 0", both manuals). */
#define MSR_IA32_DEBUGCTL  0x1D9u
#define DEBUGCTL_LBR       (1ull << 0)
#define DEBUGCTL_BTF       (1ull << 1)
#define DEBUGCTL_SUPPORTED (DEBUGCTL_LBR | DEBUGCTL_BTF)
/* WRMSR of `val` to `msr` raises #GP(0) on hvsim's guest CPU (only
 * IA32_DEBUGCTL is modelled; other MSRs accept anything and read 0). */
bool msr_write_faults(uint32_t msr, uint64_t val);

#endif
