/* cmd_list.c - `hvsim list WHAT`: the policies, bundled scenarios, result
 * fields, cost models and trace events that exist (one row per WHAT in
 * list_whats below). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cost.h"
#include "debugreg/policy_names.h"
#include "sim/cli/plan.h"
#include "sim/loader/scenario.h"
#include "sim/render/result_out.h"
#include "sim/util/util.h"

static void list_policy_cb(const char *name, const char *summary, void *ctx)
{
	(void)ctx;
	printf("%-24s %s\n", name, summary ? summary : "");
}

static void list_field_cb(const char *path, const char *type, const char *desc, void *ctx)
{
	(void)ctx;
	printf("%-28s %-6s %s\n", path, type, desc);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of DIR/ *SUFFIX, sorted, appended to *out.  0, or -1 with errno. */
static int dir_files(const char *dir, const char *suffix, struct strlist *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *de;
	size_t sl = strlen(suffix);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0 || de->d_name[0] == '.')
			continue;
		if (strlist_add(out, de->d_name)) {
			strlist_free(out);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), str_cmp);
	return 0;
}

static int list_scenarios(int argc, char **argv)
{
	(void)argc, (void)argv;
	char dir[4096];
	util_data_dir("scenarios", dir, sizeof(dir));
	struct strlist names = { 0 };
	if (dir_files(dir, ".yaml", &names)) {
		fprintf(stderr, "%s:0:0: cannot list scenarios: %s\n", dir, strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	int rc = HVSIM_EXIT_OK;
	for (size_t i = 0; i < names.n; i++) {
		char path[8192], err[ERRSZ] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, names.v[i]);
		struct scenario *sc = scenario_load(path, err, sizeof(err));
		if (!sc) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			continue;
		}
		printf("%-28s ", plan_scenario_name(sc));
		/* the summary on one line, whitespace runs folded */
		bool space = false, started = false;
		for (const char *q = sc->summary ? sc->summary : ""; *q; q++) {
			if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') {
				space = started;
				continue;
			}
			if (space)
				putchar(' ');
			started = true;
			space = false;
			putchar(*q);
		}
		putchar('\n');
		scenario_free(sc);
	}
	strlist_free(&names);
	return rc;
}

static int list_costs(int argc, char **argv)
{
	(void)argc, (void)argv;
	static char names[64][64];
	int n = cost_bundled_list(names, 64);
	if (n < 0) {
		fprintf(stderr, "cpu/costs:0:0: cannot list cost models: %s\n", strerror(errno));
		return HVSIM_EXIT_ERROR;
	}
	printf("cost models (--cost NAME, NAME+nomitig, all; cpu.model in scenarios; docs/cost-models.md):\n");
	int rc = HVSIM_EXIT_OK;
	static struct cost_meta meta;
	for (int i = 0; i < n; i++) {
		char path[1024], err[1024];
		struct cost_model m;
		cost_bundled_path(names[i], path, sizeof(path));
		if (cost_load_meta(path, &m, &meta, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = HVSIM_EXIT_ERROR;
			continue;
		}
		printf("\n%s: %s [%s]\n", names[i], meta.cpu[0] ? meta.cpu : "(no @cpu)",
		       m.vendors == 1 ? "vmx" : m.vendors == 2 ? "svm" : "vmx, svm");
		if (meta.summary[0])
			printf("  %s\n", meta.summary);
		if (meta.kernel[0] || meta.date[0])
			printf("  measured: kernel %s, date %s\n", meta.kernel[0] ? meta.kernel : "?", meta.date[0] ? meta.date : "?");
		if (meta.ipc[0])
			printf("  handler IPC: %s\n", meta.ipc);
		for (unsigned s = 0; s < meta.nsources; s++)
			printf("  %s\n", meta.source[s]);
		for (unsigned e = 0; e < cost_ndescs; e++) {
			char v[64];
			uint64_t x = cost_get(&m, e);
			if (m.lo[e] != m.hi[e] || m.estimate[e])
				snprintf(v, sizeof(v), "%" PRIu64 " [%" PRIu64 "..%" PRIu64 "]", x, m.lo[e], m.hi[e]);
			else
				snprintf(v, sizeof(v), "%" PRIu64, x);
			printf("  %-22s %-18s %s\n", cost_descs[e].name, v, meta.cite[e]);
		}
		/* name@KERNEL: the entry for the policies of one kernel */
		for (unsigned k = 0; k < m.nkern; k++) {
			const struct cost_kentry *ke = &m.kern[k];
			char v[64], nm[64];
			if (ke->lo != ke->hi || ke->estimate)
				snprintf(v, sizeof(v), "%" PRIu64 " [%" PRIu64 "..%" PRIu64 "]", ke->v, ke->lo, ke->hi);
			else
				snprintf(v, sizeof(v), "%" PRIu64, ke->v);
			snprintf(nm, sizeof(nm), "%s@%s", cost_descs[ke->idx].name, ke->kernel);
			printf("  %-22s %-18s %s\n", nm, v, meta.kcite[k]);
		}
	}
	printf("\ncost entries (cpu.costs overrides):\n");
	for (unsigned i = 0; i < cost_ndescs; i++)
		printf("  %-22s %s\n", cost_descs[i].name, cost_descs[i].desc);
	return rc;
}

/* `list policies [--knobs]`: one line per preset, or the preset x knob
 * matrix (debugreg/knobs.def: the one place a reader sees a whole preset). */
static int list_policies(int argc, char **argv)
{
	static const struct verb_spec spec = {
		"list", "hvsim list policies [--knobs]",
		"the policy presets; with --knobs, every preset's value of every knob", NULL,
	};
	bool knobs = false;
	const struct verb_opt opts[] = { { "knobs", 0, NULL, &knobs }, { NULL, 0, NULL, NULL } };
	const char *pos[1];
	size_t npos = 0;
	int rc = verb_parse(&spec, argc, argv, opts, pos, 0, &npos);
	if (rc >= 0)
		return rc;
	if (knobs)
		policy_print_matrix(stdout);
	else
		policy_list(list_policy_cb, NULL);
	return HVSIM_EXIT_OK;
}

/* `list knobs`: name, values, default, what it models, citation. */
static int list_knobs(int argc, char **argv)
{
	(void)argc, (void)argv;
	policy_print_knobs(stdout);
	return HVSIM_EXIT_OK;
}

static int list_fields(int argc, char **argv)
{
	(void)argc, (void)argv;
	result_field_patterns(list_field_cb, NULL);
	return HVSIM_EXIT_OK;
}

/* What `hvsim list WHAT` lists: one row each, in the order of the usage
 * line.  fn gets argv[0] = WHAT.  A row with own_args parses the rest of
 * the command line itself (its own options, e.g. `list events --format
 * md`) and is reached only as `hvsim list WHAT ...`; the others take no
 * options and no further arguments (cmd_list checks).
 * `list policies --knobs` is an own_args row reached with its option; plain
 * `list policies` is the row without. */
static const struct list_what {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool own_args;
} list_whats[] = {
	{ "policies", list_policies, false },
	{ "policies", list_policies, true },      /* list policies --knobs */
	{ "knobs", list_knobs, false },
	{ "scenarios", list_scenarios, false },
	{ "fields", list_fields, false },
	{ "costs", list_costs, false },
	{ "events", cmd_list_events, true },      /* cmd_trace.c */
	{ NULL, NULL, false },
};

static const struct list_what *find_what(const char *name, bool own_args)
{
	for (const struct list_what *w = list_whats; w->name; w++)
		if (w->own_args == own_args && strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

int cmd_list(const struct cmd *c, int argc, char **argv)
{
	const struct list_what *w;
	if (argc >= 2 && (w = find_what(argv[1], true)) && (w->fn != list_policies || argc >= 3))
		return w->fn(argc - 1, argv + 1);
	const char **pos;
	size_t npos;
	int rc = verb_parse_pos(c, argc, argv, &pos, &npos);
	if (rc >= 0)
		goto out;
	if (npos != 1) {
		rc = verb_usage(&c->spec, npos ? "list takes one argument" : "list needs what to list");
		goto out;
	}
	if ((w = find_what(pos[0], false)))
		rc = w->fn(1, (char **)pos);
	else
		rc = verb_usage(&c->spec, "unknown list '%s', want policies, knobs, scenarios, fields, costs or events", pos[0]);
out:
	free(pos);
	return rc;
}
