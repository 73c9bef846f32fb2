/* fields.c - the hypervisor's VMCB loads and stores, counted and costed. */
#include "svm/fields.h"

const uint16_t vmcb_offset[VMCB_NFIELDS] = {
#define VMCB_FIELD(name, off, bytes) [name] = off,
#include "svm/fields.def"
#undef VMCB_FIELD
};

const uint8_t vmcb_bytes[VMCB_NFIELDS] = {
#define VMCB_FIELD(name, off, bytes) [name] = bytes,
#include "svm/fields.def"
#undef VMCB_FIELD
};

const char *const vmcb_field_name[VMCB_NFIELDS] = {
#define VMCB_FIELD(name, off, bytes) [name] = #name,
#include "svm/fields.def"
#undef VMCB_FIELD
};

void vmcb_mark_dirty(struct vmcb *v, uint32_t clean_bit)
{
	/* `clean &= ~bit` compiles to one read-modify-write of the field;
	 * counted as one store. */
	vmcb_write(v, VMCB_CLEAN, v->f[VMCB_CLEAN] & ~(uint64_t)clean_bit);
}
