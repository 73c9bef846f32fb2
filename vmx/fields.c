/* fields.c - VMREAD/VMWRITE, counted and costed. */
#include "vmx/fields.h"

const uint32_t vmcs_encoding[VMCS_NFIELDS] = {
#define VMCS_FIELD(name, enc) [name] = enc,
#include "vmx/fields.def"
#undef VMCS_FIELD
};

const char *const vmcs_field_name[VMCS_NFIELDS] = {
#define VMCS_FIELD(name, enc) [name] = #name,
#include "vmx/fields.def"
#undef VMCS_FIELD
};

uint64_t vmcs_read(struct vmcs *v, enum vmcs_field f)
{
	v->cpu->st.vmcs_reads++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmread);
	return v->f[f];
}

void vmcs_write(struct vmcs *v, enum vmcs_field f, uint64_t x)
{
	v->cpu->st.vmcs_writes++;
	CPU_CHARGE(v->cpu, CYC_VMCS, vmwrite);
	v->f[f] = x;
}
