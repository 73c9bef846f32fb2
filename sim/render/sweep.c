/* sweep.c - the output of `hvsim sweep` (sweep.h): each run rendered by its
 * worker into its own text (a CSV row, or a run object), and the file made
 * from those texts in job order.
 *
 * The JSON document is the one `hvsim run --format json` writes
 * ({"schema":"hvsim-result","version":1,"runs":[...]}), so `hvsim report`
 * and any reader of run results read a sweep too.  Each run is rendered by
 * its worker and spliced in with the indentation result_write_json() would
 * have given it; only the rendered text is kept per run. */
#define _GNU_SOURCE
#include "sim/render/sweep.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arm/arm.h"
#include "debugreg/hv.h"
#include "sim/render/json.h"
#include "sim/render/result_out.h"
#include "sim/util/util.h"

static uint64_t hash_str(const char *s)
{
	return util_fnv1a64_str(UTIL_FNV_OFFSET, s);
}

static long col_find(const struct sweep_columns *c, const char *path)
{
	if (!c->nslot)
		return -1;
	for (size_t i = hash_str(path) & (c->nslot - 1);; i = (i + 1) & (c->nslot - 1)) {
		if (!c->slot[i])
			return -1;
		if (!strcmp(c->names.v[c->slot[i] - 1], path))
			return (long)(c->slot[i] - 1);
	}
}

static int col_add(struct sweep_columns *c, const char *path)
{
	if (col_find(c, path) >= 0)
		return 0;
	if ((c->names.n + 1) * 2 > c->nslot) {
		size_t ns = c->nslot ? c->nslot * 2 : 1024;
		size_t *nt = calloc(ns, sizeof(*nt));
		if (!nt)
			return -1;
		for (size_t k = 0; k < c->names.n; k++) {
			size_t i = hash_str(c->names.v[k]) & (ns - 1);
			while (nt[i])
				i = (i + 1) & (ns - 1);
			nt[i] = k + 1;
		}
		free(c->slot);
		c->slot = nt;
		c->nslot = ns;
	}
	if (strlist_add(&c->names, path))
		return -1;
	size_t i = hash_str(path) & (c->nslot - 1);
	while (c->slot[i])
		i = (i + 1) & (c->nslot - 1);
	c->slot[i] = c->names.n;
	return 0;
}

static int col_visit_cb(void *ctx, const struct result_item *it)
{
	return col_add(ctx, it->path) ? -1 : 0;
}

int sweep_columns_build(struct sweep_columns *c)
{
	struct run_result *zero = calloc(1, sizeof(*zero));   /* result_visit only reads it */
	if (!zero)
		return -1;
	/* A fixed column set: also the fields shown only in guest-debug runs
	 * (exits.to_user.*), empty in the rows of other runs. */
	zero->st.guest_debug = 1;
	const struct hv_vendor *v[] = { &vmx_vendor, &svm_vendor };
	int rc = 0;
	for (size_t i = 0; i < 2 && !rc; i++) {
		zero->exit_names = v[i]->exit_names;
		zero->nexit_names = v[i]->nexit_names;
		rc = result_visit(zero, col_visit_cb, c);
	}
	zero->exit_names = NULL;
	zero->nexit_names = 0;
	if (!rc)
		rc = result_visit(zero, col_visit_cb, c);
	free(zero);
	return rc ? -1 : 0;
}

int sweep_columns_build_arm(struct sweep_columns *c)
{
	if (sweep_columns_build(c))
		return -1;
	struct run_result *zero = calloc(1, sizeof(*zero));
	if (!zero)
		return -1;
	zero->exit_names = arm_exit_names;
	zero->nexit_names = EXIT_SLOTS;
	zero->arm_brps = 6;
	zero->arm_wrps = 4;
	int rc = result_visit(zero, col_visit_cb, c);
	free(zero);
	return rc ? -1 : 0;
}

void sweep_columns_free(struct sweep_columns *c)
{
	strlist_free(&c->names);
	free(c->slot);
}

struct row_ctx {
	const struct sweep_columns *cols;
	char **cells;
	struct strlist extra;       /* path, value, path, value, ... */
	int rc;
};

static int row_visit_cb(void *ctx, const struct result_item *it)
{
	struct row_ctx *r = ctx;
	char num[32];
	const char *val = it->s ? it->s : "";
	if (!it->is_str) {
		snprintf(num, sizeof(num), "%" PRIu64, it->u);
		val = num;
	}
	long k = col_find(r->cols, it->path);
	if (k < 0) {
		if (strlist_add(&r->extra, it->path) || strlist_add(&r->extra, val))
			r->rc = -1;
		return r->rc;
	}
	free(r->cells[k]);
	if (!(r->cells[k] = strdup(val)))
		r->rc = -1;
	return r->rc;
}

/* CSV text of one run: the cells of the known columns, a NUL, then the
 * extras as "path\0value\0" pairs; the memstream's own terminating NUL
 * ends the list (an empty path). */
int sweep_csv_row(const struct sweep_columns *cols, const struct run_result *res, char **text)
{
	struct row_ctx r = { .cols = cols, .cells = calloc(cols->names.n ? cols->names.n : 1, sizeof(char *)) };
	struct run_result *flat = malloc(sizeof(*flat));
	if (!r.cells || !flat) {
		free(r.cells);
		free(flat);
		return -1;
	}
	/* The CSV keeps one fixed column set, whatever the shard holds: the
	 * host world's breakdown (cpus.N.*, vcpus.N.*, sched.*; the run's
	 * totals are the existing columns) is in the JSON format only
	 * (docs/sweep.md). */
	*flat = *res;
	flat->world.on = false;
	result_visit(flat, row_visit_cb, &r);
	free(flat);
	size_t len = 0;
	FILE *f = r.rc ? NULL : open_memstream(text, &len);
	if (f) {
		for (size_t k = 0; k < cols->names.n; k++) {
			if (k)
				fputc(',', f);
			util_csv_cell(f, r.cells[k] ? r.cells[k] : "");
		}
		fputc('\0', f);
		for (size_t k = 0; k < r.extra.n; k++) {
			fputs(r.extra.v[k], f);
			fputc('\0', f);
		}
		if (fclose(f))
			r.rc = -1;
	} else {
		r.rc = -1;
	}
	for (size_t k = 0; k < cols->names.n; k++)
		free(r.cells[k]);
	free(r.cells);
	strlist_free(&r.extra);
	return r.rc;
}

/* JSON text of one run: the run object as a top-level document. */
int sweep_json_run(const struct run_result *res, char **text)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	if (!f)
		return -1;
	struct json_writer w;
	jw_init(&w, f, 2);
	result_write_run_json(&w, res);
	int rc = jw_finish(&w);
	if (fclose(f) || rc)
		return -1;
	return 0;
}

/* ---- output -------------------------------------------------------------------------------- */

/* One run object (rendered at the top level) as an item of the runs array
 * of result_write_json(): every line indented by two more levels. */
static void splice_json(FILE *f, const char *text, bool first)
{
	fputs(first ? "\n" : ",\n", f);
	size_t len = strlen(text);
	while (len && text[len - 1] == '\n')
		len--;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fputs("    ", f);
		fwrite(p, 1, n, f);
		p += n;
		if (nl) {
			fputc('\n', f);
			p++;
		}
	}
}

int sweep_write_json(FILE *f, const char *const *texts, size_t n)
{
	fprintf(f, "{\n  \"schema\": \"%s\",\n  \"version\": %d,\n  \"runs\": [", RESULT_SCHEMA,
		RESULT_SCHEMA_VERSION);
	for (size_t i = 0; i < n; i++)
		splice_json(f, texts[i], i == 0);
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f) ? -1 : 0;
}

static const char *extras_of(const char *text)
{
	return text + strlen(text) + 1;
}

int sweep_write_csv(FILE *f, const struct sweep_columns *cols, const char *const *texts, size_t first, size_t n)
{
	struct strlist extra = { 0 };
	for (size_t i = 0; i < n; i++)
		for (const char *x = extras_of(texts[i]); *x;) {
			const char *v = x + strlen(x) + 1;
			if (!strlist_has(&extra, x) && strlist_add(&extra, x)) {
				strlist_free(&extra);
				return -1;
			}
			x = v + strlen(v) + 1;
		}
	fputs("index", f);
	for (size_t k = 0; k < cols->names.n; k++) {
		fputc(',', f);
		util_csv_cell(f, cols->names.v[k]);
	}
	for (size_t k = 0; k < extra.n; k++) {
		fputc(',', f);
		util_csv_cell(f, extra.v[k]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%zu,%s", first + i, texts[i]);
		for (size_t k = 0; k < extra.n; k++) {
			fputc(',', f);
			for (const char *x = extras_of(texts[i]); *x;) {
				const char *v = x + strlen(x) + 1;
				if (!strcmp(x, extra.v[k])) {
					util_csv_cell(f, v);
					break;
				}
				x = v + strlen(v) + 1;
			}
		}
		fputc('\n', f);
	}
	strlist_free(&extra);
	return ferror(f) ? -1 : 0;
}
