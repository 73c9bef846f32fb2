/* html.c - the self-contained HTML page of `hvsim report --format html`
 * and `hvsim explain --format html` (html.h).  Deterministic: no dates, no
 * random ids; the same inputs give the same bytes. */
#include "sim/render/html.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/render/report.h"
#include "sim/render/svg.h"

#ifndef HVSIM_VERSION
#define HVSIM_VERSION "0.0.0"
#endif

static const char css[] =
	"body{font-family:\"DejaVu Sans\",Helvetica,Arial,sans-serif;margin:0;color:#1d1d1d;background:#fff}\n"
	"header{background:#16324f;color:#fff;padding:18px 28px}\n"
	"header h1{margin:0;font-size:24px}\n"
	"header p{margin:6px 0 0;color:#cfe0f1}\n"
	"main{padding:8px 28px 40px;max-width:1080px}\n"
	"h2{border-bottom:2px solid #16324f;padding-bottom:4px;margin-top:28px}\n"
	"table.summary{border-collapse:collapse;font-size:14px}\n"
	"table.summary th,table.summary td{border:1px solid #c8c8c8;padding:4px 10px;text-align:right}\n"
	"table.summary th:first-child,table.summary td:first-child{text-align:left}\n"
	"table.summary th{background:#eef2f6}\n"
	"tr.focus td{font-weight:bold}\n"
	"td.bad{background:#ffd9d6;color:#8a0000;font-weight:bold}\n"
	"td.good{background:#dcf3e4}\n"
	"pre{background:#f6f8fa;border:1px solid #ddd;padding:10px;overflow-x:auto;font-size:12px}\n"
	"figure{margin:12px 0 20px}\n"
	"ol.steps{padding-left:0;list-style:none;counter-reset:step}\n"
	"ol.steps li{border-left:5px solid #9bb3c9;background:#f7f9fb;margin:10px 0;padding:8px 12px}\n"
	"ol.steps li h3{margin:0 0 4px;font-size:15px}\n"
	"ol.steps li p{margin:0;line-height:1.45}\n"
	"ol.steps li .cyc{color:#666;font-weight:normal;font-size:12px;margin-left:8px}\n"
	/* per kind: as specific as "ol.steps li" above (one class, two
	 * elements) plus the kind's class, so these win over its defaults */
	"ol.steps li.exit{border-left-color:#0072B2}\n"
	"ol.steps li.guest{border-left-color:#009E73}\n"
	"ol.steps li.db{border-left-color:#009E73;background:#eefaf2}\n"
	"ol.steps li.db-missed{border-left-color:#D00000;background:#ffecea}\n"
	"ol.steps li.db-spurious{border-left-color:#CC79A7;background:#fbeef6}\n"
	"ol.steps li.violation{border-left-color:#E69F00;background:#fff6e5}\n"
	"ol.steps li.repeat{border-left-color:#bbbbbb;background:#fafafa;color:#555}\n"
	"ol.steps li.start,ol.steps li.end{border-left-color:#16324f}\n"
	"code{background:#eef1f4;padding:0 3px}\n"
	".note{color:#555;font-size:13px}\n";

static void esc(FILE *f, const char *s)
{
	svg_escape(f, s);
}

/* Paragraph text with `code` spans. */
static void esc_code(FILE *f, const char *s)
{
	bool in = false;
	for (; *s; s++) {
		if (*s == '`') {
			fputs(in ? "</code>" : "<code>", f);
			in = !in;
			continue;
		}
		char c[2] = { *s, 0 };
		esc(f, c);
	}
	if (in)
		fputs("</code>", f);
}

static void summary(FILE *f, const struct html_page *p)
{
	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<tr><th>policy</th>"
	      "<th>vendor</th><th>VM exits</th><th>DR exits</th><th>guest DR loads</th><th>host restores</th>"
	      "<th>guest #DB delivered</th><th>guest #DB missed</th><th>host #DB missed</th><th>spurious</th>"
	      "<th>cycles</th><th>stop</th></tr>\n", f);
	for (size_t k = 0; k < p->nruns; k++) {
		const struct run_result *r = p->runs[k];
		const struct stats *s = &r->st;
		uint64_t drx = 0;
		for (int i = 0; i < 8; i++)
			drx += s->dr_exit_reads[i] + s->dr_exit_writes[i];
		bool focus = p->focus && !strcmp(p->focus, r->policy);
		fprintf(f, "<tr%s data-policy=\"", focus ? " class=\"focus\"" : "");
		esc(f, r->policy);
		fprintf(f, "\" data-missed-db=\"%" PRIu64 "\"><td>", s->db_guest_missed + s->db_host_missed);
		esc(f, r->policy);
		fprintf(f, "</td><td>%s</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
			"</td><td>%" PRIu64 "</td>", r->vendor, s->exits_total, drx, s->dr_guest_loads,
			s->dr_host_restores, s->db_guest_delivered);
		fprintf(f, "<td class=\"%s\">%" PRIu64 "</td><td class=\"%s\">%" PRIu64 "</td><td>%" PRIu64 "</td>",
			s->db_guest_missed ? "bad" : "good", s->db_guest_missed, s->db_host_missed ? "bad" : "good",
			s->db_host_missed, s->db_guest_spurious + s->db_host_spurious);
		fprintf(f, "<td>%" PRIu64 "</td><td>%s</td></tr>\n", s->cycles_total, engine_stop_name(r->stop));
	}
	fputs("</table>\n<p class=\"note\">A missed #DB is a breakpoint the owner's own debug registers armed "
	      "that the hardware did not raise, because the registers loaded at that moment were someone "
	      "else's.  Cycles are hvsim's modeled cycles (cost model), not time.</p>\n</section>\n", f);
}

static int charts(FILE *f, const struct html_page *p)
{
	struct chart *ce = chart_exits(p->runs, p->nruns), *cc = chart_cycles(p->runs, p->nruns);
	if (!ce || !cc) {
		chart_free(ce);
		chart_free(cc);
		return -1;
	}
	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n<figure>\n", f);
	chart_svg_grouped(f, ce);
	fputs("</figure>\n<figure>\n", f);
	chart_svg_stacked(f, cc);
	fputs("</figure>\n</section>\n", f);
	chart_free(ce);
	chart_free(cc);
	return 0;
}

static void steps(FILE *f, const struct narration *n)
{
	fprintf(f, "<section id=\"steps\">\n<h2>What happened, step by step</h2>\n"
		   "<p class=\"note\">%zu paragraphs: one per VM exit (with what the hypervisor did before the next "
		   "entry), per #DB, and per stretch of guest DR accesses that did not exit. "
		   "Missed: <span id=\"missed-count\">%" PRIu64 "</span>.</p>\n<ol class=\"steps\">\n",
		n->n, n->missed);
	for (size_t i = 0; i < n->n; i++) {
		const struct narr_para *p = &n->p[i];
		fprintf(f, "<li class=\"%s\"><h3>", narr_kind_name(p->kind));
		esc(f, p->title);
		if (p->kind != NK_START && p->kind != NK_REPEAT)
			fprintf(f, "<span class=\"cyc\">cycle %" PRIu64 "</span>", p->cycle);
		fputs("</h3><p>", f);
		esc_code(f, p->text);
		fputs("</p></li>\n", f);
	}
	fputs("</ol>\n</section>\n", f);
}

static int tables(FILE *f, const struct html_page *p)
{
	/* The perf-kvm-stat text, as `hvsim report` prints it. */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -1;
	static const enum report_event evs[] = { REPORT_VMEXIT, REPORT_DR, REPORT_DB };
	for (size_t e = 0; e < 3; e++) {
		if (e)
			fputs("\n", m);
		report_render(m, p->runs, p->nruns, evs[e], RF_TEXT);
	}
	fclose(m);
	fputs("<section id=\"tables\">\n<h2>Tables (perf kvm stat style)</h2>\n<pre>", f);
	esc(f, buf ? buf : "");
	fputs("</pre>\n</section>\n", f);
	free(buf);
	return 0;
}

int html_write(FILE *f, const struct html_page *p)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	esc(f, p->title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	esc(f, p->title);
	fputs("</h1>\n", f);
	if (p->subtitle) {
		fputs("<p>", f);
		esc(f, p->subtitle);
		fputs("</p>\n", f);
	}
	fputs("</header>\n<main>\n", f);
	if (!p->extra_only)
		summary(f, p);
	if (p->extra)
		p->extra(f, p->extra_ctx);
	if (p->timeline) {
		fputs("<section id=\"timeline\">\n<h2>Timeline</h2>\n<figure>\n", f);
		timeline_svg(f, p->timeline, 1000);
		fputs("</figure>\n</section>\n", f);
	}
	if (p->steps)
		steps(f, p->steps);
	if (!p->extra_only && (charts(f, p) || tables(f, p)))
		return -1;
	fprintf(f, "</main>\n<footer><p class=\"note\" style=\"padding:0 28px 20px\">Generated by hvsim %s. "
		   "Self-contained: no scripts, no network.</p></footer>\n</body>\n</html>\n", HVSIM_VERSION);
	return ferror(f) ? -1 : 0;
}
