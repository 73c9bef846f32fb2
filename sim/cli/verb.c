/* verb.c - option parsing and output helpers of the reporting verbs
 * (verb.h). */
#include "sim/cli/verb.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cost.h"
#include "debugreg/policy_names.h"
#include "sim/util/outfile.h"
#include "sim/render/result_out.h"

void verb_help(FILE *f, const struct verb_spec *v)
{
	fprintf(f, "usage: %s\n\n%s\n", v->usage, v->summary);
	if (v->help && *v->help)
		fprintf(f, "\n%s", v->help);
	fputs("\nexit status: 0 success, 2 usage error, 4 input or I/O error (file:line:col: message),\n"
	      "6 internal error, 7 the guest stopped abnormally (verbs that run a scenario)\n", f);
}

const char verb_exit_codes[] =
	"exit status:\n"
	"  0  success\n"
	"  2  usage error (unknown command or option, missing or bad argument)\n"
	"  3  skipped: nothing was checked (no expectations)\n"
	"  4  scenario or I/O error (reported as file:line:col: message)\n"
	"  5  an expectation failed (hvsim check)\n"
	"  6  internal error (an hvsim bug)\n"
	"  7  the guest stopped abnormally: fault, triple fault, invalid opcode,\n"
	"     unmapped access, VM entry failure, or the instruction/cycle budget\n"
	"     ran out (unless the scenario says limits.on_budget: stop)\n";

void verb_help_full(FILE *f, const struct verb_spec *v)
{
	fprintf(f, "usage: %s\n\n%s\n", v->usage, v->summary);
	if (v->help && *v->help)
		fprintf(f, "\n%s", v->help);
	fputc('\n', f);
	fputs(verb_exit_codes, f);
}

int verb_worse(int a, int b)
{
	/* Precedence of exit codes when several apply. */
	static const int rank[8] = { [0] = 0, [3] = 1, [5] = 2, [7] = 3, [6] = 4, [4] = 5, [2] = 6 };
	int ra = (a >= 0 && a < 8) ? rank[a] : 7, rb = (b >= 0 && b < 8) ? rank[b] : 7;
	return rb > ra ? b : a;
}

int verb_usage(const struct verb_spec *v, const char *fmt, ...)
{
	va_list ap;
	fputs("hvsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (v)
		fprintf(stderr, " (see 'hvsim help %s')\n", v->name);
	else
		fputs(" (see 'hvsim help')\n", stderr);
	return HVSIM_EXIT_USAGE;
}

const char *verb_empty_ok;

int verb_walk(const struct verb_spec *v, int argc, char **argv, const struct verb_opt *opts, verb_arg_fn on_arg,
	      void *ctx)
{
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if ((rc = on_arg(VERB_ARG_POS, a, ctx)) >= 0)
				return rc;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			if ((rc = on_arg(VERB_ARG_HELP, NULL, ctx)) >= 0)
				return rc;
			continue;
		}
		const struct verb_opt *o = NULL;
		const char *val = NULL;
		char shown[64];
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			for (const struct verb_opt *q = opts; q && q->lng; q++)
				if (strlen(q->lng) == n && !memcmp(q->lng, a + 2, n))
					o = q;
			snprintf(shown, sizeof(shown), "--%.*s", (int)(n < 40 ? n : 40), a + 2);
			if (eq)
				val = eq + 1;
		} else {
			for (const struct verb_opt *q = opts; q && q->lng; q++)
				if (q->shrt && q->shrt == a[1])
					o = q;
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			if (a[2])
				val = a + 2;
		}
		if (!o)
			return verb_usage(v, "unknown option '%s'", shown);
		if (o->flag) {
			if (val)
				return verb_usage(v, "option '%s' takes no value", shown);
		} else {
			if (!val) {
				if (i + 1 >= argc)
					return verb_usage(v, "option '%s' needs a value", shown);
				val = argv[++i];
			}
			if (!*val && o->value != VERB_EMPTY_OK)
				return verb_usage(v, "option '%s' needs a value", shown);
		}
		if ((rc = on_arg((int)(o - opts), val, ctx)) >= 0)
			return rc;
	}
	return -1;
}

struct parse_ctx {
	const struct verb_spec *v;
	verb_help_fn *help;
	const struct verb_opt *opts;
	const char **pos;
	size_t maxpos, *npos;
};

static int parse_arg(int id, const char *val, void *ctx)
{
	struct parse_ctx *p = ctx;
	if (id == VERB_ARG_HELP) {
		p->help(stdout, p->v);
		return HVSIM_EXIT_OK;
	}
	if (id == VERB_ARG_POS) {
		if (*p->npos == p->maxpos)
			return verb_usage(p->v, "%s takes %zu argument%s, got more ('%s')", p->v->name, p->maxpos,
					  p->maxpos == 1 ? "" : "s", val);
		p->pos[(*p->npos)++] = val;
	} else if (p->opts[id].flag) {
		*p->opts[id].flag = true;
	} else {
		*p->opts[id].value = val;
	}
	return -1;
}

int verb_parse_with(const struct verb_spec *v, verb_help_fn *help, int argc, char **argv,
		    const struct verb_opt *opts, const char **pos, size_t maxpos, size_t *npos)
{
	struct parse_ctx p = { v, help, opts, pos, maxpos, npos };
	*npos = 0;
	return verb_walk(v, argc, argv, opts, parse_arg, &p);
}

int verb_parse(const struct verb_spec *v, int argc, char **argv, const struct verb_opt *opts,
	       const char **pos, size_t maxpos, size_t *npos)
{
	return verb_parse_with(v, verb_help, argc, argv, opts, pos, maxpos, npos);
}

int verb_number(const char *s, unsigned long long *v)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(s, &end, 0);
	if (*end || errno || s[0] == '-')
		return -1;
	*v = x;
	return 0;
}

int verb_write_all(size_t n, const char *const *paths, const verb_writer *write, void *const *ctx)
{
	struct outfile *of = calloc(n ? n : 1, sizeof(*of));
	char err[1024];
	if (!of) {
		fprintf(stderr, "hvsim: out of memory\n");
		return HVSIM_EXIT_INTERNAL;
	}
	size_t opened = 0;
	int rc = HVSIM_EXIT_OK;
	for (; opened < n; opened++)
		if (outfile_open(&of[opened], paths[opened], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			break;
		}
	for (size_t i = 0; rc == HVSIM_EXIT_OK && i < n; i++)
		if (write[i](of[i].f, ctx[i]) || ferror(of[i].f)) {
			fprintf(stderr, "%s:0:0: cannot write the output\n",
				paths[i] && strcmp(paths[i], "-") ? paths[i] : "-");
			rc = HVSIM_EXIT_ERROR;
		}
	if (rc != HVSIM_EXIT_OK) {
		for (size_t i = 0; i < opened; i++)
			outfile_abort(&of[i]);
		free(of);
		return rc;
	}
	for (size_t i = 0; i < n; i++)
		if (outfile_commit(&of[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			for (size_t k = i + 1; k < n; k++)
				outfile_abort(&of[k]);
			break;
		}
	free(of);
	return rc;
}

int verb_write(const char *path, verb_writer write, void *ctx)
{
	return verb_write_all(1, &path, &write, &ctx);
}

int verb_check_io(const char *const *in, size_t nin, const char *const *out, const char *const *note,
		  size_t nout)
{
	char err[2048];
	if (outfile_check_io(in, nin, out, note, nout, err, sizeof(err)) == 0)
		return HVSIM_EXIT_OK;
	fprintf(stderr, "%s\n", err);
	return HVSIM_EXIT_ERROR;
}

int verb_check_scenario_io(const struct scenario *const *sc, size_t nsc, const char *cost,
			   const char *const *out, const char *const *note, size_t nout)
{
	char (*paths)[4096] = calloc(nsc ? nsc : 1, sizeof(*paths));
	const char **in = calloc(2 * nsc + 1, sizeof(*in));
	int rc = HVSIM_EXIT_INTERNAL;
	size_t nin = 0;
	if (!paths || !in) {
		fprintf(stderr, "hvsim: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < nsc; i++) {
		if (sc[i]->path)
			in[nin++] = sc[i]->path;
		cost_model_path(cost ? cost : sc[i]->cost_model, paths[i], sizeof(paths[i]));
		in[nin++] = paths[i];
	}
	rc = verb_check_io(in, nin, out, note, nout);
out:
	free(paths);
	free(in);
	return rc;
}

const char *verb_policy(const struct scenario *sc, const char *opt)
{
	if (opt)
		return opt;
	if (sc->npolicies && strcmp(sc->policies[0], "all"))
		return sc->policies[0];
	return sc->arch == ARCH_AARCH64 ? "arm64_owner-6.14" : "bp_enabled";
}

int verb_vendor(const struct verb_spec *v, const struct scenario *sc, const char *opt, enum vendor *out)
{
	if (!opt) {
		*out = sc->vendor == VENDOR_BOTH ? VENDOR_VMX : sc->vendor;
		return 0;
	}
	if (!strcmp(opt, "vmx"))
		*out = VENDOR_VMX;
	else if (!strcmp(opt, "svm"))
		*out = VENDOR_SVM;
	else if (!strcmp(opt, "none"))
		*out = VENDOR_NONE;
	else if (!strcmp(opt, "arm"))
		*out = VENDOR_ARM;
	else
		return verb_usage(v, "bad value '%s' for --vendor, want vmx, svm, arm or none", opt);
	return 0;
}

int verb_vendor_multi(const struct verb_spec *v, const char *val, enum vendor *out)
{
	if (!strcmp(val, "vmx"))
		*out = VENDOR_VMX;
	else if (!strcmp(val, "svm"))
		*out = VENDOR_SVM;
	else if (!strcmp(val, "both"))
		*out = VENDOR_BOTH;
	else if (!strcmp(val, "none"))
		*out = VENDOR_NONE;
	else if (!strcmp(val, "arm"))
		*out = VENDOR_ARM;
	else
		return verb_usage(v, "bad value '%s' for --vendor, want vmx, svm, both, arm or none", val);
	return 0;
}

int verb_names_add(struct verb_names *s, const char *name)
{
	return verb_names_has(s, name) ? 0 : verb_names_push(s, name);
}

struct names_all { struct verb_names *s; int rc; bool arm; };

static void names_all_cb(const char *name, const char *summary, void *ctx)
{
	struct names_all *a = ctx;
	(void)summary;
	/* "all" means every preset of the scenario's architecture: the x86
	 * ones for VMX/SVM, the Arm ones for vendor arm (issue 20) */
	if (a->rc == 0 && policy_is_arm(name) == a->arm)
		a->rc = verb_names_add(a->s, name);
}

int verb_names_add_all(struct verb_names *s, const struct scenario *sc)
{
	struct names_all a = { s, 0, sc->arch == ARCH_AARCH64 };
	policy_list(names_all_cb, &a);
	for (size_t i = 0; i < sc->nvariants && a.rc == 0; i++)
		if (sc->variants[i].name)
			a.rc = verb_names_add(s, sc->variants[i].name);
	return a.rc;
}
