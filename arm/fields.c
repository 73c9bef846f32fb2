/* fields.c - the hypervisor's EL2 register accesses, counted and costed
 * (arm/fields.h). */
#include "arm/fields.h"

const char *const el2_field_name[EL2_NFIELDS] = {
#define EL2_FIELD(name, op0, op1, crn, crm, op2) [name] = #name,
#include "arm/fields.def"
#undef EL2_FIELD
};

uint64_t el2_read(struct el2_regs *r, enum el2_field f)
{
	r->cpu->st.vmcs_reads++;
	CPU_CHARGE(r->cpu, CYC_VMCS, vmread);
	return r->f[f];
}

void el2_write(struct el2_regs *r, enum el2_field f, uint64_t x)
{
	r->cpu->st.vmcs_writes++;
	CPU_CHARGE(r->cpu, CYC_VMCS, vmwrite);
	r->f[f] = x;
}
