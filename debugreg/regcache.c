/* regcache.c - the register cache's names and its invariant (seed 001). */
#include "debugreg/regcache.h"

const char *const kvm_reg_name[NR_KVM_REGS] = {
	"RIP", "RSP", "RFLAGS", "PDPTR", "SEGMENTS", "CR0", "CR3", "CR4", "EXIT_INFO_1", "EXIT_INFO_2",
};

int regcache_invalid(const struct regcache *rc)
{
	unsigned bad = rc->dirty & ~rc->avail;
	if (!bad)
		return -1;
	for (int r = 0; r < NR_KVM_REGS; r++)
		if (bad & (1u << r))
			return r;
	return -1;
}
