/* verb.c - option parsing and output helpers of the reporting verbs
 * (verb.h). */
#include "sim/verb.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sim/outfile.h"
#include "sim/result_io.h"

void verb_help(FILE *f, const struct verb_spec *v)
{
	fprintf(f, "usage: %s\n\n%s\n", v->usage, v->summary);
	if (v->help && *v->help)
		fprintf(f, "\n%s", v->help);
	fputs("\nexit status: 0 success, 2 usage error, 4 input or I/O error (file:line:col: message),\n"
	      "6 internal error, 7 the guest stopped abnormally (verbs that run a scenario)\n", f);
}

int verb_usage(const struct verb_spec *v, const char *fmt, ...)
{
	va_list ap;
	fputs("hvsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'hvsim help %s')\n", v->name);
	return HVSIM_EXIT_USAGE;
}

int verb_parse(const struct verb_spec *v, int argc, char **argv, const struct verb_opt *opts,
	       const char **pos, size_t maxpos, size_t *npos)
{
	*npos = 0;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (*npos == maxpos)
				return verb_usage(v, "%s takes %zu argument%s, got more ('%s')", v->name, maxpos,
						  maxpos == 1 ? "" : "s", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			verb_help(stdout, v);
			return HVSIM_EXIT_OK;
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
			*o->flag = true;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return verb_usage(v, "option '%s' needs a value", shown);
			val = argv[++i];
		}
		if (!*val)
			return verb_usage(v, "option '%s' needs a value", shown);
		*o->value = val;
	}
	return -1;
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

const char *verb_policy(const struct scenario *sc, const char *opt)
{
	if (opt)
		return opt;
	if (sc->npolicies && strcmp(sc->policies[0], "all"))
		return sc->policies[0];
	return "bp_enabled";
}

const char *verb_vendor_name(enum vendor v)
{
	switch (v) {
	case VENDOR_VMX: return "vmx";
	case VENDOR_SVM: return "svm";
	case VENDOR_BOTH: return "both";
	default: return "none";
	}
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
	else
		return verb_usage(v, "bad value '%s' for --vendor, want vmx, svm or none", opt);
	return 0;
}
