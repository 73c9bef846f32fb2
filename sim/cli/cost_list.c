/* cost_list.c - the --cost lists of compare and sweep (cost_list.h). */
#include "sim/cli/cost_list.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cost.h"
#include "sim/result.h"
#include "sim/run.h"

#define MAX_BUNDLED 64

static int oom(void)
{
	fputs("hvsim: out of memory\n", stderr);
	return HVSIM_EXIT_INTERNAL;
}

/* The names of VAL into c->names: -1 or an exit code. */
static int parse_names(const struct verb_spec *v, const char *val, struct cost_list *c)
{
	if (!strcmp(val, "all")) {             /* every bundled model */
		static char names[MAX_BUNDLED][64];
		int k = cost_bundled_list(names, MAX_BUNDLED);
		if (k < 0) {
			fprintf(stderr, "hvsim: --cost all: cannot list the bundled cost models\n");
			return HVSIM_EXIT_ERROR;
		}
		c->all = true;
		for (int i = 0; i < k; i++)
			if (verb_names_add(&c->names, names[i]))
				return oom();
		return -1;
	}
	for (const char *p = val;;) {
		size_t n = strcspn(p, ",");
		if (n == 0)
			return verb_usage(v, "empty cost model name in --cost '%s'", val);
		char *name = strndup(p, n);
		if (!name)
			return oom();
		bool dup = verb_names_has(&c->names, name);
		int rc = dup ? 0 : verb_names_push(&c->names, name);
		free(name);
		if (dup)
			return verb_usage(v, "cost model '%.*s' given twice in --cost", (int)(n < 60 ? n : 60), p);
		if (rc)
			return oom();
		if (!p[n])
			return -1;
		p += n + 1;
	}
}

int cost_list_parse(const struct verb_spec *v, const char *val, struct cost_list *c)
{
	memset(c, 0, sizeof(*c));
	int rc = parse_names(v, val, c);
	if (rc >= 0)
		return rc;
	c->vendors = calloc(c->names.n ? c->names.n : 1, 1);
	if (!c->vendors)
		return oom();
	for (size_t i = 0; i < c->names.n; i++) {
		struct cost_model m;
		char err[1200];
		if (sim_load_cost_model(c->names.v[i], &m, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return HVSIM_EXIT_ERROR;
		}
		c->vendors[i] = m.vendors;
	}
	return -1;
}

void cost_list_free(struct cost_list *c)
{
	verb_names_free(&c->names);
	free(c->vendors);
	memset(c, 0, sizeof(*c));
}

bool cost_list_applies(const struct cost_list *c, size_t i, enum vendor v)
{
	struct cost_model m = { .vendors = c->vendors[i] };
	return sim_cost_applies(&m, v);
}

int cost_list_check_used(const struct cost_list *c, unsigned used)
{
	if (!cost_list_multi(c) || c->all || !used)
		return -1;
	for (size_t i = 0; i < c->names.n; i++) {
		if (c->vendors[i] & used)
			continue;
		/* sim_run()'s own refusal, for the first vendor this verb runs */
		struct cost_model m;
		char err[1200];
		enum vendor v = used & 1 ? VENDOR_VMX : VENDOR_SVM;
		if (sim_load_cost_model(c->names.v[i], &m, err, sizeof(err)) == 0)
			sim_cost_check_vendor(NULL, c->names.v[i], &m, v, err, sizeof(err));
		fprintf(stderr, "%s\n", err);
		return HVSIM_EXIT_ERROR;
	}
	return -1;
}
