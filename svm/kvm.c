/* kvm.c - placeholder until the SVM half lands: the vendor table exists so
 * that sim/ links; create() refuses. */
#include "debugreg/hv.h"
#include <stddef.h>
static void *svm_create_stub(struct cpu *c, struct engine *e, const struct hv_config *cfg)
{
	(void)c; (void)e; (void)cfg;
	return NULL;
}
const struct hv_vendor svm_vendor = { .name = "svm", .create = svm_create_stub };
