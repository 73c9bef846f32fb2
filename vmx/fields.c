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

