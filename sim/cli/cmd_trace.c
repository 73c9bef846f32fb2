/* cmd_trace.c - `hvsim trace FILE`: render a JSONL trace as trace-cmd
 * style text, Chrome/Perfetto JSON or an SVG timeline; and `hvsim list
 * events`, the catalogue generated from cpu/events.def. */
#include <stdlib.h>
#include <string.h>
#include "cpu/cost.h"
#include "sim/cli/cmds.h"
#include "sim/render/result_out.h"
#include "sim/render/svg.h"
#include "sim/render/trace.h"
#include "sim/cli/verb.h"

struct tctx {
	const struct trace_log *log;
	const struct trace_run *run;
	struct trace_text_opts text;
};

static int w_text(FILE *f, void *ctx)
{
	struct tctx *t = ctx;
	trace_render_text_opts(f, t->log, &t->text);
	return 0;
}

static int w_chrome(FILE *f, void *ctx)
{
	struct tctx *t = ctx;
	return trace_render_chrome_hz(f, t->log, t->text.hz);
}

/* The clock of traces whose header has none (written before cpu.hz): the
 * default cost model's. */
static uint64_t default_hz(void)
{
	char path[4096], err[512];
	struct cost_model m;
	cost_bundled_path("default", path, sizeof(path));
	return cost_load(path, &m, err, sizeof(err)) ? 0 : m.cpu_hz;
}

static int w_svg(FILE *f, void *ctx)
{
	struct tctx *t = ctx;
	timeline_svg(f, t->run, 1000);
	return 0;
}

static int w_csv(FILE *f, void *ctx)
{
	struct tctx *t = ctx;
	timeline_write_csv(f, t->run);
	return 0;
}

static int w_json(FILE *f, void *ctx)
{
	struct tctx *t = ctx;
	timeline_write_json(f, t->run);
	return 0;
}

int cmd_trace(const struct cmd *c, int argc, char **argv)
{
	const struct verb_spec *spec = &c->spec;
	const char *format = "text", *out = NULL, *runs = NULL, *events = NULL, *pos[1];
	bool no_ts = false;
	size_t npos;
	const struct verb_opt opts[] = {
		{ "format", 0, &format, NULL }, { "output", 'o', &out, NULL },
		{ "no-timestamps", 0, NULL, &no_ts }, { "run", 0, &runs, NULL }, { "event", 'F', &events, NULL },
		{ NULL, 0, NULL, NULL },
	};
	int rc = verb_parse(spec, argc, argv, opts, pos, 1, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1)
		return verb_usage(spec, "trace needs a FILE");
	if (strcmp(format, "text") && strcmp(format, "chrome") && strcmp(format, "svg"))
		return verb_usage(spec, "bad value '%s' for --format, want text, chrome or svg", format);
	bool only[EV_COUNT];
	if (events) {
		char badname[64];
		if (strcmp(format, "text"))
			return verb_usage(spec, "--event filters the text lines: it needs --format text");
		if (!*events || trace_event_filter(events, only, badname, sizeof(badname)))
			return verb_usage(spec, "unknown event '%s' in --event (see 'hvsim list events')",
					  *events ? badname : "");
	}
	unsigned long long runno = 1;
	if (runs && (verb_number(runs, &runno) || runno == 0))
		return verb_usage(spec, "bad value '%s' for --run, want a run number from 1", runs);
	struct trace_log log;
	char err[1024];
	if (trace_read(pos[0], &log, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	if (runno > log.nruns) {
		fprintf(stderr, "%s:0:0: the trace has %zu run%s, no run %llu\n", pos[0], log.nruns,
			log.nruns == 1 ? "" : "s", runno);
		trace_log_free(&log);
		return HVSIM_EXIT_ERROR;
	}
	struct tctx t = { &log, &log.runs[runno - 1],
			  { .timestamps = !no_ts, .hz = default_hz(), .only = events ? only : NULL } };
	if (strcmp(format, "svg") && (rc = verb_check_io(pos, 1, &out, NULL, 1))) {
		trace_log_free(&log);
		return rc;
	}
	if (!strcmp(format, "text")) {
		rc = verb_write(out, w_text, &t);
	} else if (!strcmp(format, "chrome")) {
		rc = verb_write(out, w_chrome, &t);
	} else if (!out || !strcmp(out, "-")) {
		rc = verb_write(out, w_svg, &t);
	} else {
		/* OUT.svg plus OUT.csv and OUT.json next to it */
		size_t n = strlen(out);
		size_t stem = n > 4 && !strcmp(out + n - 4, ".svg") ? n - 4 : n;
		char *csv = malloc(stem + 5), *json = malloc(stem + 6);
		if (!csv || !json) {
			free(csv);
			free(json);
			trace_log_free(&log);
			fprintf(stderr, "hvsim: out of memory\n");
			return HVSIM_EXIT_INTERNAL;
		}
		snprintf(csv, stem + 5, "%.*s.csv", (int)stem, out);
		snprintf(json, stem + 6, "%.*s.json", (int)stem, out);
		const char *paths[3] = { out, csv, json };
		const verb_writer w[3] = { w_svg, w_csv, w_json };
		void *const ctx[3] = { &t, &t, &t };
		char note[2][300];
		snprintf(note[0], sizeof(note[0]), "the chart's CSV data, written beside -o %.200s", out);
		snprintf(note[1], sizeof(note[1]), "the chart's JSON data, written beside -o %.200s", out);
		const char *notes[3] = { NULL, note[0], note[1] };
		rc = verb_check_io(pos, 1, paths, notes, 3);
		if (!rc)
			rc = verb_write_all(3, paths, w, ctx);
		free(csv);
		free(json);
	}
	trace_log_free(&log);
	return rc;
}

static const struct verb_spec list_spec = { "list", "hvsim list events [--format text|md]",
					     "List the trace events (docs/trace-schema.md is --format md).", "" };

struct lctx { const char *fmt; };

static int w_list(FILE *f, void *ctx)
{
	trace_list_events(f, ((struct lctx *)ctx)->fmt);
	return 0;
}

int cmd_list_events(int argc, char **argv)
{
	const char *format = "text", *out = NULL, *pos[1];
	size_t npos;
	const struct verb_opt opts[] = {
		{ "format", 0, &format, NULL }, { "output", 'o', &out, NULL }, { NULL, 0, NULL, NULL },
	};
	int rc = verb_parse(&list_spec, argc, argv, opts, pos, 0, &npos);
	if (rc >= 0)
		return rc;
	if (strcmp(format, "text") && strcmp(format, "md"))
		return verb_usage(&list_spec, "bad value '%s' for --format, want text or md", format);
	struct lctx l = { format };
	return verb_write(out, w_list, &l);
}
