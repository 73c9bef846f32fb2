/* cmd_diff.c - the verb `hvsim diff`: hvsim's prediction against a KVM
 * reference, field by field (docs/kvm-reference.md).  Options only: the
 * comparison is sim/ref/diff.c, the known-divergence table
 * sim/ref/divergences.def. */
#include "sim/cli/cmd_kvm.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/verb.h"
#include "sim/ref/arm_ref.h"
#include "sim/ref/diff.h"
#include "sim/ref/divergences.h"
#include "sim/result.h"
#include "sim/loader/scenario.h"

const char cmd_diff_usage[] =
	"hvsim diff SCENARIO [-p POLICY] [--vendor vmx|svm] [--ref kvm|kvm-amd-tcg|kvm-intel-bochs[@KERNEL]]\n"
	"           [--kvm-patch FILE] [--format text|json] [--timeout SEC] [--cache DIR]";
const char cmd_diff_summary[] = "Compare hvsim's prediction with real KVM, field by field.";
const char cmd_diff_help[] =
	"options:\n"
	"  -p, --policy P  policy of the prediction (default: the preset of the reference's\n"
	"                  kernel, linux-6.1 / linux-6.12 / linux-5.15; else bp_enabled for\n"
	"                  the booted references and the scenario's first policy for /dev/kvm;\n"
	"                  with --kvm-patch, name the policy that models the patch)\n"
	"  --vendor V      vendor of the prediction (default: the scenario's; svm for\n"
	"                  kvm-amd-tcg, vmx for kvm-intel-bochs)\n"
	"  --ref R         kvm (default): this machine's /dev/kvm, run now;\n"
	"                  kvm-amd-tcg: real kvm_amd under QEMU TCG, from the result cache\n"
	"                  (regenerate: sim/ref/kvm-amd-tcg/run.sh SCENARIO);\n"
	"                  kvm-intel-bochs: real kvm_intel under Bochs, from its cache\n"
	"                  (regenerate: sim/ref/kvm-intel-bochs/run.sh SCENARIO);\n"
	"                  kvm-arm64-tcg: real KVM/arm64 (Debian's arm64 cloud kernel under\n"
	"                  qemu-system-aarch64 TCG with EL2), for aarch64 scenarios, from\n"
	"                  its cache (regenerate: sim/ref/kvm-arm64-tcg/run.sh SCENARIO),\n"
	"                  predicted with arm64_dirty (Debian's 6.1 and 6.12) and the\n"
	"                  reference's IRQ exits replayed where they fell;\n"
	"                  REF@KERNEL: a booted reference's outcomes on another kernel,\n"
	"                  from sim/ref/REF/cache-KERNEL (kvm-intel-bochs@6.12,\n"
	"                  kvm-amd-tcg@6.12, kvm-arm64-tcg@6.12: Debian's 6.12; @6.1 =\n"
	"                  the default cache), predicted with that kernel's preset\n"
	"                  (linux-6.12, arm64_dirty); an outcome of another kernel is\n"
	"                  skipped\n"
	"  --kvm-patch F   a booted reference's outcomes with KVM rebuilt with patch F\n"
	"                  (measure: sim/ref/kvm-patch/run.sh --ref R F SCENARIO)\n"
	"  --format F      text (default) or json (schema hvsim-diff: rows, known\n"
	"                  divergences, summary, KVM's path length per exit reason)\n"
	"  --cache DIR     cache of the booted reference (default $HVSIM_KVM_TCG_CACHE /\n"
	"                  $HVSIM_KVM_BOCHS_CACHE or sim/ref/REF/cache in the source tree;\n"
	"                  with REF@KERNEL sim/ref/REF/cache-KERNEL)\n"
	"  --list-divergences\n"
	"                  print the known-divergence table (Markdown, the one in\n"
	"                  docs/kvm-reference.md) and exit\n"
	"\nPrints one line per field: predicted, measured, verdict (ok, DIFF, or known: ID).\n"
	"Guest-visible outcomes (stop, final RIP, the guest's #DB log, `res` words, final DRs)\n"
	"must match exactly; exits are compared only on kvm_intel/kvm_amd and the booted\n"
	"references, which also give KVM's path length per exit reason.\n"
	"Exit status: 0 no unexplained difference, 5 unexplained differences, 3 reference\n"
	"absent or scenario not runnable there, 4 scenario error.\n";


enum { DO_POLICY, DO_VENDOR, DO_REF, DO_CACHE, DO_TIMEOUT, DO_PATCH, DO_FORMAT, DO_LIST };   /* the option table of cmd_diff() */

struct diff_args {
	const struct verb_spec *v;
	struct ref_diff_opts o;
	const char *vendor, *ref, *format;
	bool help, list;
};

static int diff_arg(int id, const char *val, void *ctx)
{
	struct diff_args *a = ctx;
	switch (id) {
	case VERB_ARG_HELP: a->help = true; return -1;
	case VERB_ARG_POS: return cmd_kvm_scenario(a->v, val, &a->o.file);
	case DO_POLICY: a->o.policy = val; return -1;
	case DO_VENDOR: a->vendor = val; return -1;
	case DO_REF: a->ref = val; return -1;
	case DO_CACHE: a->o.cache = val; return -1;
	case DO_TIMEOUT: return cmd_kvm_timeout(a->v, val, &a->o.timeout_s);
	case DO_PATCH: a->o.kvm_patch = val; return -1;
	case DO_FORMAT: a->format = val; return -1;
	default: a->list = true; return -1;
	}
}

int cmd_diff(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	static const struct verb_spec spec = { "diff", cmd_diff_usage, cmd_diff_summary, cmd_diff_help };
	struct diff_args a = { .v = &spec, .o.vendor = VENDOR_NONE };
	const struct verb_opt opts[] = {
		[DO_POLICY] = { "policy", 'p', NULL, NULL },
		[DO_VENDOR] = { "vendor", 0, NULL, NULL },
		[DO_REF] = { "ref", 0, NULL, NULL },
		[DO_CACHE] = { "cache", 0, NULL, NULL },
		[DO_TIMEOUT] = { "timeout", 0, NULL, NULL },
		[DO_PATCH] = { "kvm-patch", 0, NULL, NULL },
		[DO_FORMAT] = { "format", 0, NULL, NULL },
		[DO_LIST] = { "list-divergences", 0, NULL, &a.list },
		{ NULL, 0, NULL, NULL },
	};
	int rc = verb_walk(&spec, argc, argv, opts, diff_arg, &a);
	if (rc >= 0)
		return rc;
	if (a.help) {
		cmd_kvm_print_help(stdout, cmd_diff_usage, cmd_diff_help);
		return HVSIM_EXIT_OK;
	}
	if (a.list) {
		ref_divergence_doc_table(stdout);
		return HVSIM_EXIT_OK;
	}
	if (!a.o.file)
		return verb_usage(&spec, "missing SCENARIO");
	bool vendor_arm = a.vendor && !strcmp(a.vendor, "arm");
	if (a.vendor && !vendor_arm) {
		static const enum vendor choices[] = { VENDOR_VMX, VENDOR_SVM };
		for (size_t i = 0; i < 2; i++)
			if (!strcmp(a.vendor, scenario_vendor_name(choices[i])))
				a.o.vendor = choices[i];
		if (a.o.vendor == VENDOR_NONE)
			return verb_usage(&spec, "unknown vendor '%s' (%s or %s)", a.vendor,
					  scenario_vendor_name(VENDOR_VMX), scenario_vendor_name(VENDOR_SVM));
	}
	/* REF or REF@KERNEL (the kernel names a cache directory: digits and dots only) */
	static const enum ref_kind refs[] = { REF_KVM, REF_AMD_TCG, REF_INTEL_BOCHS };
	const char *at = a.ref ? strchr(a.ref, '@') : NULL;
	size_t rlen = a.ref ? (at ? (size_t)(at - a.ref) : strlen(a.ref)) : 0;
	bool arm = rlen == strlen("kvm-arm64-tcg") && !strncmp(a.ref, "kvm-arm64-tcg", rlen);
	bool known = !a.ref || arm;
	for (size_t i = 0; a.ref && i < 3; i++)
		if (strlen(ref_kind_name(refs[i])) == rlen && !strncmp(a.ref, ref_kind_name(refs[i]), rlen)) {
			a.o.ref = refs[i];
			known = true;
		}
	if (!known)
		return verb_usage(&spec, "unknown reference '%.*s' (kvm, kvm-amd-tcg, kvm-intel-bochs or kvm-arm64-tcg; "
				  "the booted ones optionally @KERNEL, e.g. kvm-intel-bochs@6.12)", (int)rlen, a.ref);
	if (at) {
		a.o.kernel = at + 1;
		size_t k = strspn(a.o.kernel, "0123456789.");
		if (!isdigit((unsigned char)a.o.kernel[0]) || a.o.kernel[k] || !strchr(a.o.kernel, '.') ||
		    strstr(a.o.kernel, "..") || a.o.kernel[k - 1] == '.' || k > 15)
			return verb_usage(&spec, "bad kernel '%s' in --ref %s (a release such as 6.12)", a.o.kernel, a.ref);
		if (a.o.ref == REF_KVM && !arm)
			return verb_usage(&spec, "--ref kvm runs this machine's kernel; @KERNEL names the cache of a booted "
					  "reference (kvm-amd-tcg, kvm-intel-bochs or kvm-arm64-tcg)");
	}
	if (arm) {
		/* reference 4, KVM/arm64 (issue 20): sim/ref/arm_ref.c */
		if (a.vendor && !vendor_arm)
			return verb_usage(&spec, "--ref kvm-arm64-tcg compares the arm vendor");
		if (a.o.kvm_patch)
			return verb_usage(&spec, "--kvm-patch is not available for kvm-arm64-tcg");
		if (a.format && strcmp(a.format, "text") && strcmp(a.format, "json"))
			return verb_usage(&spec, "unknown format '%s' (text or json)", a.format);
		return arm_ref_diff(a.o.file, a.o.policy, a.o.cache, a.o.kernel, a.format && !strcmp(a.format, "json"),
				    stdout);
	}
	if (vendor_arm)
		return verb_usage(&spec, "vendor arm is compared with --ref kvm-arm64-tcg");
	if (a.o.kvm_patch && a.o.ref == REF_KVM)
		return verb_usage(&spec, "--kvm-patch needs a booted reference (--ref kvm-amd-tcg or kvm-intel-bochs)");
	if (a.format && strcmp(a.format, "text") && strcmp(a.format, "json"))
		return verb_usage(&spec, "unknown format '%s' (text or json)", a.format);
	a.o.json = a.format && !strcmp(a.format, "json");
	return ref_diff(&a.o, stdout);
}
