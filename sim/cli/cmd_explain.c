/* cmd_explain.c - `hvsim explain SCENARIO -p POLICY`: run the scenario once
 * with the trace collected and narrate it (sim/render/narrate.h); with --format
 * html, also run the scenario's other policies for the charts and write one
 * self-contained page (sim/render/html.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy_names.h"
#include "sim/cli/cmds.h"
#include "sim/render/html.h"
#include "sim/render/narrate.h"
#include "sim/render/result_out.h"
#include "sim/cli/verb.h"

struct ectx {
	const struct narration *n;
	int width;
	struct html_page page;
};

static int w_text(FILE *f, void *ctx)
{
	struct ectx *e = ctx;
	narration_text(f, e->n, e->width);
	return 0;
}

static int w_html(FILE *f, void *ctx)
{
	return html_write(f, &((struct ectx *)ctx)->page);
}

/* Policy names for the charts: the scenario's list ("all" = every preset
 * and variant) plus the narrated one, without duplicates. */
struct names { const char **v; size_t n, cap; };

static void names_add(struct names *s, const char *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], p))
			return;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		const char **nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = p;
}

static void names_cb(const char *name, const char *summary, void *ctx)
{
	(void)summary;
	names_add(ctx, name);
}

static bool abnormal(const struct scenario *sc, const struct run_result *r)
{
	return r->stop == STOP_INTERNAL || r->stop == STOP_NONE || result_stop_abnormal(r->stop, sc->guest.budget_ok);
}

int cmd_explain(const struct cmd *c, int argc, char **argv)
{
	const struct verb_spec *spec = &c->spec;
	const char *policy = NULL, *vendor = NULL, *format = "text", *out = NULL, *width = NULL, *pos[1];
	size_t npos;
	const struct verb_opt opts[] = {
		{ "policy", 'p', &policy, NULL }, { "vendor", 0, &vendor, NULL }, { "format", 0, &format, NULL },
		{ "output", 'o', &out, NULL }, { "width", 0, &width, NULL }, { NULL, 0, NULL, NULL },
	};
	int rc = verb_parse(spec, argc, argv, opts, pos, 1, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1)
		return verb_usage(spec, "explain needs a SCENARIO");
	bool html = !strcmp(format, "html");
	if (!html && strcmp(format, "text"))
		return verb_usage(spec, "bad value '%s' for --format, want text or html", format);
	unsigned long long wcols = 78;
	if (width && (verb_number(width, &wcols) || wcols < 20 || wcols > 1000))
		return verb_usage(spec, "bad value '%s' for --width, want 20 to 1000", width);
	char err[1024] = "";
	struct scenario *sc = scenario_load(pos[0], err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	enum vendor ven;
	const struct scenario *scs[1] = { sc };
	if ((rc = verb_vendor(spec, sc, vendor, &ven)) || (rc = verb_check_scenario_io(scs, 1, NULL, &out, NULL, 1))) {
		scenario_free(sc);
		return rc;
	}
	const char *pol = verb_policy(sc, policy);
	const char *sname = sc->name && *sc->name ? sc->name : pos[0];
	struct narr_collect nc;
	narr_collect_init(&nc, sname, pol, scenario_vendor_name(ven), sc->guest.mode);
	struct run_config cfg = { .policy = pol, .vendor = ven, .trace = narr_sink, .trace_ctx = &nc,
				  .attach = narr_attach };
	struct run_result res;
	struct narration n = { 0 };
	struct names others = { 0 };
	struct run_result *extra = NULL;
	const struct run_result **ptrs = NULL;
	size_t nextra = 0;
	rc = HVSIM_EXIT_OK;
	if (sim_run(sc, &cfg, &res, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
		narr_collect_free(&nc);
		scenario_free(sc);
		return HVSIM_EXIT_ERROR;
	}
	/* The trace header carries the policy name as the runner resolved it. */
	snprintf(nc.log.runs[0].policy, sizeof(nc.log.runs[0].policy), "%s", res.policy);
	if (narrate(&nc.log.runs[0], nc.notes, &res, &n)) {
		fprintf(stderr, "hvsim: out of memory\n");
		rc = HVSIM_EXIT_INTERNAL;
		goto out;
	}
	struct ectx e = { .n = &n, .width = (int)wcols };
	if (html) {
		/* the other policies, for the summary and the charts */
		for (size_t i = 0; i < sc->npolicies; i++) {
			if (!strcmp(sc->policies[i], "all")) {
				policy_list(names_cb, &others);
				for (size_t k = 0; k < sc->nvariants; k++)
					if (sc->variants[k].name)
						names_add(&others, sc->variants[k].name);
			} else {
				names_add(&others, sc->policies[i]);
			}
		}
		names_add(&others, pol);
		extra = calloc(others.n + 1, sizeof(*extra));
		ptrs = calloc(others.n + 1, sizeof(*ptrs));
		if (!extra || !ptrs) {
			fprintf(stderr, "hvsim: out of memory\n");
			rc = HVSIM_EXIT_INTERNAL;
			goto out;
		}
		for (size_t i = 0; i < others.n; i++) {
			if (!strcmp(others.v[i], pol)) {
				ptrs[i] = &res;
				continue;
			}
			struct run_config oc = { .policy = others.v[i], .vendor = ven };
			if (sim_run(sc, &oc, &extra[nextra], err, sizeof(err))) {
				fprintf(stderr, "%s\n", err[0] ? err : "hvsim: run failed");
				rc = HVSIM_EXIT_ERROR;
				goto out;
			}
			ptrs[i] = &extra[nextra++];
		}
		static char title[300], sub[400];
		snprintf(title, sizeof(title), "hvsim explain: %s", sname);
		snprintf(sub, sizeof(sub), "policy %s on %s; %" PRIu64 " missed #DB%s", res.policy,
			 scenario_vendor_name(ven), res.st.db_guest_missed + res.st.db_host_missed,
			 res.st.db_guest_missed + res.st.db_host_missed == 1 ? "" : "s");
		e.page = (struct html_page){ .title = title, .subtitle = sub, .runs = ptrs, .nruns = others.n,
					     .focus = res.policy, .timeline = &nc.log.runs[0], .steps = &n };
		rc = verb_write(out, w_html, &e);
	} else {
		rc = verb_write(out, w_text, &e);
	}
	if (rc == HVSIM_EXIT_OK && abnormal(sc, &res)) {
		fprintf(stderr, "%s:%d:%d: guest stopped abnormally under %s@%s: %s%s%s\n", sc->path ? sc->path : "?",
			sc->guest.code.pos.line, sc->guest.code.pos.col, res.policy, res.vendor,
			engine_stop_name(res.stop), res.stop_msg[0] ? ": " : "", res.stop_msg);
		rc = res.stop == STOP_INTERNAL || res.stop == STOP_NONE ? HVSIM_EXIT_INTERNAL : HVSIM_EXIT_ABNORMAL;
	}
out:
	for (size_t i = 0; i < nextra; i++)
		run_result_free(&extra[i]);
	free(extra);
	free(ptrs);
	free(others.v);
	narration_free(&n);
	run_result_free(&res);
	narr_collect_free(&nc);
	scenario_free(sc);
	return rc;
}
