/* cmd_kvm.c - the verb `hvsim kvm`: run a scenario's guest on this
 * machine's /dev/kvm (reference 1) and print what it measured, or export the
 * guest image for reference 2 (docs/kvm-reference.md).
 *
 * "kvm" names three things in hvsim; this file is only the third:
 *   - the /dev/kvm runner: sim/ref/devkvm*.c, which creates the VM and runs
 *     the guest (in-process here, statically linked into the reference-2
 *     runner sim/ref/runner.c there);
 *   - the reference formats: the guest image ("hvsim-kvm-image 1") and the
 *     outcome ("hvsim-kvm-outcome 1"), sim/ref/devkvm_format.c;
 *   - the verbs: `hvsim kvm` (this file) and `hvsim diff` (cmd_diff.c).
 * Options and output only: the image, the outcome as a run result and the
 * comparison live in sim/ref/. */
#include "sim/cli/cmd_kvm.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/verb.h"
#include "sim/ref/arm_ref.h"
#include "sim/ref/devkvm.h"
#include "sim/ref/image.h"
#include "sim/ref/outcome.h"
#include "sim/render/result_out.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/util/outfile.h"

#define ERRSZ 1024

/* Help texts, used by the command table in sim/cli/cli.c. */
const char cmd_kvm_usage[] =
	"hvsim kvm SCENARIO [--format text|json|outcome] [-o FILE] [--timeout SEC] [--export FILE]";
const char cmd_kvm_summary[] = "Run a scenario's guest on this machine's /dev/kvm (the reference).";
const char cmd_kvm_help[] =
	"options:\n"
	"  --format F      text (default), json (the `hvsim run` document plus a \"reference\"\n"
	"                  member) or outcome (the raw hvsim-kvm-outcome text)\n"
	"  -o, --output F  write to F, atomically (\"-\" = standard output)\n"
	"  --timeout SEC   wall-clock bound of the guest run (default 10)\n"
	"  --export FILE   do not run: write the guest image (hvsim-kvm-image) for the\n"
	"                  reference-2 runner and print its cache key\n"
	"\nThe guest runs at CPL 0 in 64-bit long mode (or 32-bit protected mode), the same bytes\n"
	"at the same addresses as in the simulator.  Host breakpoints are perf hardware\n"
	"breakpoints on the thread calling KVM_RUN; host events run at exits to user space\n"
	"(`exit: N` = the Nth one).  The #DBs come from the guest's own log: its handler stores\n"
	"DR6 into `log[count++]` (and the frame RIP into `riplog`, optional).  The module behind\n"
	"/dev/kvm (kvm_intel, kvm_amd, kvm_pvm) is printed.  Exit status 3 when /dev/kvm is absent\n"
	"or unusable, or the scenario cannot run on the reference (host code snippets).\n"
	"See docs/kvm-reference.md.\n";
void cmd_kvm_print_help(FILE *f, const char *usage, const char *help)
{
	fprintf(f, "usage: %s\n\n%s", usage, help);
}

int cmd_kvm_timeout(const struct verb_spec *v, const char *val, unsigned *out)
{
	char *end;
	unsigned long s = strtoul(val, &end, 10);
	if (*end || !s || s > 3600)
		return verb_usage(v, "--timeout wants whole seconds 1-3600, not '%s'", val);
	*out = (unsigned)s;
	return -1;
}

int cmd_kvm_scenario(const struct verb_spec *v, const char *val, const char **file)
{
	if (*file)
		return verb_usage(v, "one scenario at a time ('%s')", val);
	*file = val;
	return -1;
}

/* ---- options ---------------------------------------------------------------- */

enum { KO_FORMAT, KO_OUTPUT, KO_TIMEOUT, KO_EXPORT };
static const struct verb_opt kvm_opts[] = {
	[KO_FORMAT] = { "format", 0, NULL, NULL },
	[KO_OUTPUT] = { "output", 'o', NULL, NULL },
	[KO_TIMEOUT] = { "timeout", 0, NULL, NULL },
	[KO_EXPORT] = { "export", 0, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

struct kvm_args {
	const struct verb_spec *v;
	const char *file, *format, *output, *export_file;
	unsigned timeout_s;
	bool help;
};

static int kvm_arg(int id, const char *val, void *ctx)
{
	struct kvm_args *a = ctx;
	switch (id) {
	case VERB_ARG_HELP: a->help = true; return -1;
	case VERB_ARG_POS: return cmd_kvm_scenario(a->v, val, &a->file);
	case KO_FORMAT: a->format = val; return -1;
	case KO_OUTPUT: a->output = val; return -1;
	case KO_TIMEOUT: return cmd_kvm_timeout(a->v, val, &a->timeout_s);
	default: a->export_file = val; return -1;
	}
}

/* ---- hvsim kvm ------------------------------------------------------------------- */

int cmd_kvm(const struct cmd *c, int argc, char **argv)
{
	(void)c;
	static const struct verb_spec spec = { "kvm", cmd_kvm_usage, cmd_kvm_summary, cmd_kvm_help };
	struct kvm_args a = { .v = &spec };
	int rc = verb_walk(&spec, argc, argv, kvm_opts, kvm_arg, &a);
	if (rc >= 0)
		return rc;
	if (a.help) {
		cmd_kvm_print_help(stdout, cmd_kvm_usage, cmd_kvm_help);
		return HVSIM_EXIT_OK;
	}
	if (!a.file)
		return verb_usage(&spec, "missing SCENARIO");
	if (a.format && strcmp(a.format, "text") && strcmp(a.format, "json") && strcmp(a.format, "outcome"))
		return verb_usage(&spec, "unknown format '%s' (text, json or outcome)", a.format);
	char err[ERRSZ];
	struct scenario *sc = scenario_load(a.file, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	/* No output may replace the scenario or the other output (issue 14). */
	const char *outs[2] = { a.output, a.export_file }, *notes[2] = { NULL, "the --export image" };
	const struct scenario *scs[1] = { sc };
	if ((rc = verb_check_scenario_io(scs, 1, NULL, outs, notes, 2)) != 0) {
		scenario_free(sc);
		return rc;
	}
	if (sc->arch == ARCH_AARCH64) {
		/* reference 4 (issue 20): the image for the KVM/arm64 runner
		 * (sim/ref/arm_ref.h); this machine's /dev/kvm is x86 */
		if (!a.export_file) {
			fprintf(stderr, "%s:%d:%d: skipped: an aarch64 guest needs a KVM/arm64 host (reference 4: "
				"bash sim/ref/kvm-arm64-tcg/run.sh %s)\n", a.file, sc->vendor_pos.line,
				sc->vendor_pos.col, a.file);
			scenario_free(sc);
			return HVSIM_EXIT_SKIP;
		}
		struct outfile of;
		uint64_t key = 0;
		if (outfile_open(&of, a.export_file, err, sizeof(err)) || arm_image_write(of.f, sc, &key, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		if (outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		printf("%016" PRIx64 "\n", key);
		scenario_free(sc);
		return HVSIM_EXIT_OK;
	}
	struct kvm_image img;
	if (ref_image_build(sc, &img, err, sizeof(err)) != REF_IMAGE_OK) {
		/* one line (issue 15 item 11) */
		fprintf(stderr, "%s (skipped: the scenario cannot run on the KVM reference)\n", err);
		scenario_free(sc);
		return HVSIM_EXIT_SKIP;
	}
	uint64_t hash = kvm_image_hash(&img);
	if (a.export_file) {
		struct outfile of;
		if (outfile_open(&of, a.export_file, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		kvm_image_write(of.f, &img);
		if (outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			scenario_free(sc);
			return HVSIM_EXIT_ERROR;
		}
		printf("%016" PRIx64 "\n", hash);
		scenario_free(sc);
		return HVSIM_EXIT_OK;
	}
	img.spec.timeout_ms = (a.timeout_s ? a.timeout_s : 10) * 1000u;
	struct kvm_outcome *out = calloc(1, sizeof(*out));
	struct run_result res;
	memset(&res, 0, sizeof(res));
	struct ref_mem_snap ms = { &img, &res, 1 + sc->guest.ndata };
	if (!out) {
		scenario_free(sc);
		return HVSIM_EXIT_INTERNAL;
	}
	if (kvm_image_run(&img, out, ref_snap_memory, &ms)) {
		int st = ref_err_status(out->error_kind);
		fprintf(stderr, "%s:%d:%d: %s: %s\n", a.file, sc->guest.code.pos.line, sc->guest.code.pos.col,
			st == HVSIM_EXIT_SKIP ? "skipped: KVM reference unavailable" : "KVM reference failed",
			out->error);
		free(out);
		scenario_free(sc);
		return st;
	}
	ref_outcome_to_result(sc, out, &res);
	struct outfile of;
	if (outfile_open(&of, a.output, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		run_result_free(&res);
		free(out);
		scenario_free(sc);
		return HVSIM_EXIT_ERROR;
	}
	const char *fmt = a.format ? a.format : "text";
	if (!strcmp(fmt, "json")) {
		struct json_writer w;
		jw_init(&w, of.f, 2);
		jw_object_begin(&w);
		jw_kv_string(&w, "schema", RESULT_SCHEMA);
		jw_kv_u64(&w, "version", RESULT_SCHEMA_VERSION);
		jw_key(&w, "runs");
		jw_array_begin(&w);
		result_write_run_json(&w, &res);
		jw_array_end(&w);
		jw_key(&w, "reference");
		ref_reference_json(&w, out, "kvm", hash);
		jw_object_end(&w);
		jw_finish(&w);
	} else if (!strcmp(fmt, "outcome")) {
		kvm_outcome_write(of.f, out);
	} else {
		result_render_text(of.f, &res);
		ref_reference_text(of.f, out, "/dev/kvm");
	}
	rc = HVSIM_EXIT_OK;
	if (outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		rc = HVSIM_EXIT_ERROR;
	} else if (res.stop != STOP_HALT && !(res.stop == STOP_BUDGET && sc->guest.budget_ok)) {
		/* at the guest code, as `run` reports a stop (plan_stop_status) */
		fprintf(stderr, "%s:%d:%d: guest stopped abnormally on the KVM reference: %s%s%s\n", a.file,
			sc->guest.code.pos.line, sc->guest.code.pos.col, engine_stop_name(res.stop),
			res.stop_msg[0] ? ": " : "", res.stop_msg);
		rc = HVSIM_EXIT_ABNORMAL;
	}
	run_result_free(&res);
	free(out);
	scenario_free(sc);
	return rc;
}
