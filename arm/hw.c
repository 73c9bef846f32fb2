/* hw.c - what the Arm processor does when an EL1 access traps to EL2 and
 * when EL2 returns to EL1 (the "silicon" half of arm/, as vmx/hw.c is for
 * VMX): no hypervisor policy here, so that a policy cannot get help from
 * the simulator.
 *
 * The point that matters for debug registers: neither direction switches
 * anything of the self-hosted debug state.  Exception entry to EL2 writes
 * ESR_EL2, FAR_EL2/HPFAR_EL2 (aborts), ELR_EL2 and SPSR_EL2 and moves to
 * EL2 (Arm ARM D1 "Exception entry"); ERET restores PC and PSTATE (C6
 * "ERET").  DBGBVR/BCR/WVR/WCR<n>_EL1, MDSCR_EL1 and the OS Lock are the
 * same physical registers at EL1 and EL2 (VHE, HCR_EL2.E2H = 1: the host
 * kernel uses MDSCR_EL1 as its own, D2 "Routing debug exceptions"), so
 * whatever the host left in them is what the guest runs with unless KVM
 * switches them - the Arm version of x86's shared DR0-DR7. */
#include "arm/arm.h"
#include "arm/exit_qual.h"

void arm_hw_exit(struct armv *a, unsigned slot, uint32_t esr, uint64_t far, uint64_t hpfar)
{
	struct cpu *c = a->cpu;
	el2_hw_set(&a->el2, ESR_EL2, esr);
	if (slot == ARM_EXIT_DABT_LOW) {
		el2_hw_set(&a->el2, FAR_EL2, far);
		el2_hw_set(&a->el2, HPFAR_EL2, hpfar);
	}
	el2_hw_set(&a->el2, ELR_EL2, a64_pc(a->eng));
	el2_hw_set(&a->el2, SPSR_EL2, a64_pstate(a->eng));
	c->guest_mode = false;
	/* priced as a VMX exit: hvsim has no Arm cost model (docs/kvm-arm.md) */
	CPU_CHARGE(c, CYC_TRANSITION, vmexit);
}

void arm_hw_eret(struct armv *a)
{
	struct cpu *c = a->cpu;
	CPU_CHARGE(c, CYC_TRANSITION, vmentry);
	c->guest_mode = true;
}

/* MDCR_EL2 and HCR_EL2 field descriptions: TDA traps EL1/EL0 accesses to
 * the debug registers other than those TDOSA and TDRA control; TDOSA
 * traps OSLAR, OSLSR, OSDLR and DBGPRCR; TDRA traps MDRAR; "When
 * MDCR_EL2.TDE == 1 ... this field is treated as 1" for all three, and
 * HCR_EL2.TGE = 1 makes MDCR_EL2.TDE behave as 1; HCR_EL2.TID3 traps
 * reads of the ID group 3 registers, ID_AA64DFR0_EL1 among them. */
bool arm_hw_traps(uint64_t mdcr, uint64_t hcr, int reg)
{
	bool tde = (mdcr & MDCR_EL2_TDE) || (hcr & HCR_EL2_TGE);
	switch (arm_dbgreg_trap(reg)) {
	case ARM_TRAP_TDA: return tde || (mdcr & MDCR_EL2_TDA);
	case ARM_TRAP_TDOSA: return tde || (mdcr & MDCR_EL2_TDOSA);
	case ARM_TRAP_TDRA: return tde || (mdcr & MDCR_EL2_TDRA);
	case ARM_TRAP_TID3: return (hcr & HCR_EL2_TID3) != 0;
	}
	return false;
}
