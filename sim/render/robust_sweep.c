/* robust_sweep.c - the robustness summary of `hvsim sweep --cost all|A,B`
 * (robust.h): per scenario the report `hvsim compare --cost` prints for
 * one scenario, in text, Markdown, JSON or one HTML page.  The per-pair
 * lines and the sensitivity table are robust.c's own renderers. */
#include "sim/render/robust.h"
#include <stdlib.h>
#include <string.h>

#include "sim/render/html.h"
#include "sim/render/json.h"
#include "sim/render/svg.h"

struct sweep_doc {
	const struct robust_scenario *s;
	size_t n;
	const char *const *models;
	size_t nmodels;
};

static void heading(FILE *f, const struct robust_scenario *s, bool md)
{
	fprintf(f, md ? "\n## %s\n\nScenario %s, baseline %s.\n" : "\n== %s (%s), baseline %s ==\n", s->name,
		s->path ? s->path : "?", s->baseline ? s->baseline : "?");
}

static void text(FILE *f, const struct sweep_doc *d, bool md)
{
	fprintf(f, md ? "# Robustness over cost models\n\n" : "robustness of every verdict over cost models (");
	if (md)
		fputs("Models: ", f);
	for (size_t m = 0; m < d->nmodels; m++)
		fprintf(f, "%s%s", m ? ", " : "", d->models[m]);
	fputs(md ? ".  Each run is priced only by the models that describe its vendor; each verdict is re-priced at "
		   "both ends of every range (docs/cost-models.md).\n"
		 : "), per scenario\n", f);
	for (size_t i = 0; i < d->n; i++) {
		const struct robust_scenario *s = &d->s[i];
		heading(f, s, md);
		if (!s->r) {
			fprintf(f, md ? "\nNot summarised: %s.\n" : "  not summarised: %s\n", s->left_out ? s->left_out : "?");
			continue;
		}
		if (md)
			robust_render_md(f, s->r);
		else
			robust_render_text(f, s->r);
	}
}

static void json(FILE *f, const struct sweep_doc *d)
{
	struct json_writer jw;
	jw_init(&jw, f, 2);
	jw_object_begin(&jw);
	jw_kv_string(&jw, "schema", ROBUST_SWEEP_SCHEMA);
	jw_kv_u64(&jw, "version", 1);
	jw_key(&jw, "models");
	jw_array_begin(&jw);
	for (size_t m = 0; m < d->nmodels; m++)
		jw_string(&jw, d->models[m]);
	jw_array_end(&jw);
	jw_key(&jw, "scenarios");
	jw_array_begin(&jw);
	for (size_t i = 0; i < d->n; i++) {
		const struct robust_scenario *s = &d->s[i];
		jw_object_begin(&jw);
		jw_kv_string(&jw, "scenario", s->name);
		jw_kv_string(&jw, "file", s->path);
		jw_kv_string(&jw, "baseline", s->baseline);
		/* the object `hvsim compare --format json` has as "robustness" */
		jw_key(&jw, "robustness");
		if (s->r)
			robust_write_json(&jw, s->r);
		else
			jw_null(&jw);
		if (!s->r)
			jw_kv_string(&jw, "left_out", s->left_out);
		jw_object_end(&jw);
	}
	jw_array_end(&jw);
	jw_object_end(&jw);
	jw_finish(&jw);
}

/* The page's one section: a robustness section per scenario. */
static void html_sections(FILE *f, const void *ctx)
{
	const struct sweep_doc *d = ctx;
	for (size_t i = 0; i < d->n; i++) {
		const struct robust_scenario *s = &d->s[i];
		char id[300], head[600];
		snprintf(id, sizeof(id), "robustness-%s", s->name);
		snprintf(head, sizeof(head), "%s (%s), baseline %s", s->name, s->path ? s->path : "?",
			 s->baseline ? s->baseline : "?");
		if (s->r) {
			robust_render_html_section(f, s->r, id, head);
			continue;
		}
		fputs("<section id=\"", f);
		svg_escape(f, id);
		fputs("\">\n<h2>", f);
		svg_escape(f, head);
		fputs("</h2>\n<p class=\"note\">Not summarised: ", f);
		svg_escape(f, s->left_out ? s->left_out : "?");
		fputs(".</p>\n</section>\n", f);
	}
}

int robust_render_sweep(FILE *f, enum robust_fmt fmt, const struct robust_scenario *s, size_t n,
			const char *const *models, size_t nmodels)
{
	struct sweep_doc d = { s, n, models, nmodels };
	switch (fmt) {
	case ROBUST_TEXT: text(f, &d, false); break;
	case ROBUST_MD:   text(f, &d, true); break;
	case ROBUST_JSON: json(f, &d); break;
	case ROBUST_HTML: {
		char sub[1000];
		size_t len = 0;
		len = (size_t)snprintf(sub, sizeof(sub), "%zu scenario%s, models:", n, n == 1 ? "" : "s");
		for (size_t m = 0; m < nmodels && len < sizeof(sub); m++)
			len += (size_t)snprintf(sub + len, sizeof(sub) - len, "%s %s", m ? "," : "", models[m]);
		struct html_page page = { .title = "hvsim sweep: robustness over cost models", .subtitle = sub,
					  .extra = html_sections, .extra_ctx = &d, .extra_only = true };
		return html_write(f, &page);
	}
	}
	return ferror(f) ? -1 : 0;
}
