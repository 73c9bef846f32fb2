/* cmd_report.c - `hvsim report RESULT.json`: the perf-kvm-stat style views
 * of a saved result, its charts, or one HTML page (sim/render/report.h). */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sim/cli/cmds.h"
#include "sim/render/html.h"
#include "sim/render/kvmstat.h"
#include "sim/render/report.h"
#include "sim/render/result_out.h"
#include "sim/render/svg.h"
#include "sim/cli/verb.h"

struct rctx {
	const struct run_result *const *runs;
	size_t nruns;
	enum report_event ev;
	enum report_format fmt;
	struct chart *chart;
	const char *src;
	char src_rel[1024];            /* src as the page names it */
	struct kvmstat_view view;      /* -k/--key, --vcpu */
};

static int w_table(FILE *f, void *ctx)
{
	struct rctx *r = ctx;
	return report_render_view(f, r->runs, r->nruns, r->ev, r->fmt, &r->view);
}

static int w_grouped(FILE *f, void *ctx) { chart_svg_grouped(f, ((struct rctx *)ctx)->chart); return 0; }
static int w_stacked(FILE *f, void *ctx) { chart_svg_stacked(f, ((struct rctx *)ctx)->chart); return 0; }
static int w_csv(FILE *f, void *ctx) { chart_write_csv(f, ((struct rctx *)ctx)->chart); return 0; }
static int w_json(FILE *f, void *ctx) { chart_write_json(f, ((struct rctx *)ctx)->chart); return 0; }

/* The result's path as the page names it: relative to the page's own
 * directory, so that the same report regenerated in another clone or
 * directory has the same bytes (reports/NAME/report.html says "from
 * compare.json", never the machine's absolute path).  Falls back to the
 * base name when the two share nothing but "/"; standard output keeps the
 * path as given. */
static void page_rel_path(const char *src, const char *out, char *buf, size_t n)
{
	char a[PATH_MAX], dir[PATH_MAX], od[PATH_MAX];
	snprintf(buf, n, "%s", src);
	if (!out || !strcmp(out, "-") || !realpath(src, a))
		return;
	snprintf(od, sizeof(od), "%s", out);
	if (!realpath(dirname(od), dir))
		return;
	/* common directory prefix */
	size_t i = 0, cut = 0;
	while (a[i] && a[i] == dir[i]) {
		if (a[i] == '/')
			cut = i;
		i++;
	}
	if (!dir[i] && a[i] == '/')
		cut = i;
	if (cut == 0) {
		char b[PATH_MAX];
		snprintf(b, sizeof(b), "%s", a);
		snprintf(buf, n, "%s", basename(b));
		return;
	}
	size_t len = 0;
	for (const char *p = dir + cut; *p; p++)
		if (*p == '/' && len + 3 < n) {
			memcpy(buf + len, "../", 3);
			len += 3;
		}
	snprintf(buf + len, n - len, "%s", a + cut + 1);
}

static int w_html(FILE *f, void *ctx)
{
	struct rctx *r = ctx;
	char title[200], sub[1200];
	snprintf(title, sizeof(title), "hvsim report: %s", r->nruns ? r->runs[0]->scenario : "");
	snprintf(sub, sizeof(sub), "%zu run%s from %s", r->nruns, r->nruns == 1 ? "" : "s",
		 r->src_rel[0] ? r->src_rel : r->src);
	struct html_page p = { .title = title, .subtitle = sub, .runs = r->runs, .nruns = r->nruns };
	return html_write(f, &p);
}

static int write_svgs(const char *dir, struct rctx *base)
{
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "%s:0:0: cannot create the directory: %s\n", dir, strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	struct rctx ce = *base, cc = *base;
	ce.chart = chart_exits(base->runs, base->nruns);
	cc.chart = chart_cycles(base->runs, base->nruns);
	if (!ce.chart || !cc.chart) {
		chart_free(ce.chart);
		chart_free(cc.chart);
		fprintf(stderr, "hvsim: out of memory\n");
		return HVSIM_EXIT_INTERNAL;
	}
	static const char *const names[6] = { "exits.svg", "exits.csv", "exits.json", "cycles.svg", "cycles.csv",
					      "cycles.json" };
	char *paths[6];
	int rc = HVSIM_EXIT_OK;
	for (int i = 0; i < 6; i++) {
		size_t n = strlen(dir) + strlen(names[i]) + 2;
		paths[i] = malloc(n);
		if (paths[i])
			snprintf(paths[i], n, "%s/%s", dir, names[i]);
		else
			rc = HVSIM_EXIT_INTERNAL;
	}
	if (rc != HVSIM_EXIT_OK) {
		fprintf(stderr, "hvsim: out of memory\n");
	} else if ((rc = verb_check_io(&base->src, 1, (const char *const *)paths, NULL, 6)) == HVSIM_EXIT_OK) {
		const verb_writer w[6] = { w_grouped, w_csv, w_json, w_stacked, w_csv, w_json };
		void *const ctx[6] = { &ce, &ce, &ce, &cc, &cc, &cc };
		rc = verb_write_all(6, (const char *const *)paths, w, ctx);
	}
	for (int i = 0; i < 6; i++)
		free(paths[i]);
	chart_free(ce.chart);
	chart_free(cc.chart);
	return rc;
}

int cmd_report(const struct cmd *c, int argc, char **argv)
{
	const struct verb_spec *spec = &c->spec;
	const char *event = "vmexit", *format = "text", *out = NULL, *key = "sample", *vcpu = NULL, *pos[1];
	size_t npos;
	const struct verb_opt opts[] = {
		{ "event", 0, &event, NULL }, { "format", 0, &format, NULL }, { "output", 'o', &out, NULL },
		{ "key", 'k', &key, NULL }, { "vcpu", 0, &vcpu, NULL }, { NULL, 0, NULL, NULL },
	};
	int rc = verb_parse(spec, argc, argv, opts, pos, 1, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1)
		return verb_usage(spec, "report needs a RESULT.json");
	struct rctx r = { .src = pos[0], .view = kvmstat_view_default };
	if (kvmstat_key_parse(key, &r.view.key))
		return verb_usage(spec, "bad value '%s' for --key, want sample or time (as perf kvm stat report -k)",
				  key);
	if (vcpu) {
		unsigned long long n;
		if (verb_number(vcpu, &n))
			return verb_usage(spec, "bad value '%s' for --vcpu, want a vCPU number", vcpu);
		/* hvsim simulates one vCPU: every result has vCPU 0 only */
		if (n != 0)
			return verb_usage(spec, "no vCPU %llu: hvsim simulates one vCPU, so --vcpu takes 0 only", n);
		r.view.vcpu = 0;
	}
	if (report_event_parse(event, &r.ev))
		return verb_usage(spec, "bad value '%s' for --event, want vmexit, dr or db", event);
	bool svg = !strcmp(format, "svg"), html = !strcmp(format, "html");
	if (!svg && !html && report_format_parse(format, &r.fmt))
		return verb_usage(spec, "bad value '%s' for --format, want text, md, csv, json, svg or html", format);
	struct result_doc doc;
	char err[1024];
	if (result_doc_read(pos[0], &doc, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	const struct run_result **runs = calloc(doc.nruns, sizeof(*runs));
	if (!runs) {
		result_doc_free(&doc);
		fprintf(stderr, "hvsim: out of memory\n");
		return HVSIM_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < doc.nruns; i++)
		runs[i] = &doc.runs[i];
	r.runs = runs;
	r.nruns = doc.nruns;
	if (svg)
		rc = write_svgs(out && strcmp(out, "-") ? out : ".", &r);
	else if ((rc = verb_check_io(pos, 1, &out, NULL, 1)) == HVSIM_EXIT_OK) {
		if (html)
			page_rel_path(pos[0], out, r.src_rel, sizeof(r.src_rel));
		rc = verb_write(out, html ? w_html : w_table, &r);
	}
	free(runs);
	result_doc_free(&doc);
	return rc;
}
