/* cost.c - load cycle cost models from data files. */
#include "cpu/cost.h"
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/util/util.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const struct cost_desc cost_descs[] = {
#define COST(field, name, desc) { name, desc, (unsigned)offsetof(struct cost_model, field) },
#include "cpu/cost.def"
#undef COST
};
const unsigned cost_ndescs = sizeof(cost_descs) / sizeof(cost_descs[0]);

int cost_set(struct cost_model *m, const char *name, uint64_t value)
{
	for (unsigned i = 0; i < cost_ndescs; i++)
		if (!strcmp(cost_descs[i].name, name)) {
			cost_put(m, i, value);
			return 0;
		}
	return -1;
}

uint64_t cost_get(const struct cost_model *m, unsigned i)
{
	return *(const uint64_t *)((const char *)m + cost_descs[i].offset);
}

void cost_put(struct cost_model *m, unsigned i, uint64_t v)
{
	*(uint64_t *)((char *)m + cost_descs[i].offset) = v;
	m->lo[i] = m->hi[i] = v;
	m->estimate[i] = 0;
	/* a value set by hand (cpu.costs, +nomitig) is the plain entry's for
	 * every kernel: the runs charge it, not a name@KERNEL line */
	for (unsigned k = 0; k < m->nkern && k < COST_KERNEL_MAX; k++)
		if (m->kern[k].idx == i)
			m->kern[k].applied = false;
}

unsigned cost_select_kernel(struct cost_model *m, const char *kernel)
{
	unsigned n = 0;
	for (unsigned k = 0; kernel && k < m->nkern; k++) {
		struct cost_kentry *e = &m->kern[k];
		if (strcmp(e->kernel, kernel))
			continue;
		e->applied = true;
		e->pv = cost_get(m, e->idx);
		e->plo = m->lo[e->idx];
		e->phi = m->hi[e->idx];
		e->pestimate = m->estimate[e->idx];
		*(uint64_t *)((char *)m + cost_descs[e->idx].offset) = e->v;
		m->lo[e->idx] = e->lo;
		m->hi[e->idx] = e->hi;
		m->estimate[e->idx] = e->estimate;
		n++;
	}
	if (n)
		snprintf(m->kernel, sizeof(m->kernel), "%s", kernel);
	return n;
}

void cost_plain_prices(const struct cost_model *m, double *x, uint64_t *lo, uint64_t *hi)
{
	for (unsigned i = 0; i < COST_N; i++) {
		x[i] = (double)cost_get(m, i);
		lo[i] = m->lo[i];
		hi[i] = m->hi[i];
	}
	for (unsigned k = 0; k < m->nkern && k < COST_KERNEL_MAX; k++) {
		const struct cost_kentry *e = &m->kern[k];
		if (e->applied) {              /* the plain entry, as the file has it */
			x[e->idx] = (double)e->pv;
			lo[e->idx] = e->plo;
			hi[e->idx] = e->phi;
		}
	}
}

void cost_plain_ledger(const struct cost_model *m, const uint64_t *n, double *eff, double *fixed)
{
	*fixed = 0;
	for (unsigned i = 0; i < COST_N; i++)
		eff[i] = (double)n[i];
	for (unsigned k = 0; k < m->nkern && k < COST_KERNEL_MAX; k++) {
		const struct cost_kentry *e = &m->kern[k];
		if (!e->applied)
			continue;
		if (e->pv) {
			eff[e->idx] = (double)n[e->idx] * (double)e->v / (double)e->pv;
		} else {
			eff[e->idx] = 0;
			*fixed += (double)n[e->idx] * (double)e->v;
		}
	}
}

void cost_mitigations_off(struct cost_model *m)
{
	cost_put(m, COSTI_mitig_l1d_flush, 0);
	cost_put(m, COSTI_mitig_verw, 0);
	cost_put(m, COSTI_mitig_rsb, 0);
}

/* "@key text" header lines of a model file. */
static int meta_line(const char *p, struct cost_model *m, struct cost_meta *meta)
{
	static const char *const keys[] = { "cpu", "kernel", "date", "ipc", "source" };
	size_t n = strcspn(p, " \t\r\n");
	const char *v = p + n;
	while (isspace((unsigned char)*v))
		v++;
	size_t vl = strcspn(v, "\r\n");
	while (vl && isspace((unsigned char)v[vl - 1]))
		vl--;
	if (n == 6 && !strncmp(p, "vendor", 6)) {
		m->vendors = vl == 3 && !strncmp(v, "vmx", 3) ? 1 : vl == 3 && !strncmp(v, "svm", 3) ? 2
			   : vl == 4 && !strncmp(v, "both", 4) ? 3 : 0;
		return m->vendors ? 0 : -1;
	}
	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (strlen(keys[k]) != n || strncmp(keys[k], p, n))
			continue;
		if (!meta)
			return 0;
		char *dst = k == 0 ? meta->cpu : k == 1 ? meta->kernel : k == 2 ? meta->date : k == 3 ? meta->ipc : NULL;
		size_t dsz = k == 0 ? sizeof(meta->cpu) : k == 1 ? sizeof(meta->kernel) : k == 2 ? sizeof(meta->date)
			   : sizeof(meta->ipc);
		if (!dst) {
			if (meta->nsources == COST_META_SOURCES)
				return 0;
			dst = meta->source[meta->nsources++];
			dsz = sizeof(meta->source[0]);
		}
		snprintf(dst, dsz, "%.*s", (int)vl, v);
		return 0;
	}
	return -1;
}

/* "[LO..HI]" at *pp (decimal); advances *pp.  0, or -1. */
static int parse_range(const char **pp, uint64_t *lo, uint64_t *hi)
{
	const char *p = *pp;
	char *end;
	if (*p++ != '[')
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	*lo = strtoull(p, &end, 10);
	if (errno || strncmp(end, "..", 2))
		return -1;
	p = end + 2;
	if (!isdigit((unsigned char)*p))
		return -1;
	*hi = strtoull(p, &end, 10);
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (errno || *p != ']')
		return -1;
	*pp = p + 1;
	return 0;
}

static int cmp_model(const void *a, const void *b)
{
	const char *x = a, *y = b;
	int dx = !strcmp(x, "default"), dy = !strcmp(y, "default");
	return dx != dy ? dy - dx : strcmp(x, y);
}

int cost_bundled_list(char (*names)[64], int max)
{
	char dir[1024];
	cost_bundled_path("x", dir, sizeof(dir));
	*strrchr(dir, '/') = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);
		if (l > 5 && l - 5 < 64 && !strcmp(e->d_name + l - 5, ".cost") && e->d_name[0] != '.')
			snprintf(names[n++], 64, "%.*s", (int)(l - 5), e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, 64, cmp_model);
	return n;
}

void cost_bundled_path(const char *name, char *buf, size_t size)
{
	char dir[4096];
	snprintf(buf, size, "%s/%s.cost", util_data_dir("costs", dir, sizeof(dir)), name);
}

bool cost_is_file(const char *model)
{
	return strchr(model, '/') || strstr(model, ".cost");
}

void cost_model_path(const char *model, char *buf, size_t size)
{
	if (!model)
		cost_bundled_path("default", buf, size);
	else if (!cost_is_file(model))
		cost_bundled_path(model, buf, size);
	else
		snprintf(buf, size, "%s", model);
}

int cost_check_name(const char *model, char *err, size_t errsize)
{
	if (!model || cost_is_file(model))
		return 0;
	char path[4096];
	cost_bundled_path(model, path, sizeof(path));
	if (access(path, R_OK) == 0)
		return 0;
	/* the bundled names, for did-you-mean and the list of choices */
	char dir[4096], names[1024] = "", hint[128];
	util_data_dir("costs", dir, sizeof(dir));
	struct util_near near;
	util_near_init(&near, model, strlen(model));
	struct strlist all = { 0 };
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] != '.' && l > 5 && !strcmp(de->d_name + l - 5, ".cost"))
			strlist_add(&all, de->d_name);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < all.n; i++)
		all.v[i][strlen(all.v[i]) - 5] = 0;
	qsort(all.v, all.n, sizeof(*all.v), cmp_name);
	size_t len = 0;
	for (size_t i = 0; i < all.n; i++) {
		util_near_offer(&near, all.v[i]);
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", all.v[i]);
	}
	snprintf(err, errsize, "unknown cost model '%s'%s; bundled models: %s (or give a path to a .cost file)",
		 model, util_near_hint(&near, hint, sizeof(hint)), all.n ? names : "(none found)");
	strlist_free(&all);
	return -1;
}

/* One "name = value  # comment" line (text[0..n), NUL-free).  Returns 0, 1
 * for a blank or comment line, -1 (message in err) otherwise. */
static int cost_line(const char *path, int ln, char *line, struct cost_model *m, struct cost_meta *meta,
		     unsigned char *seen, char *err, size_t errsize)
{
	char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '@') {
		if (meta_line(p + 1, m, meta)) {
			snprintf(err, errsize, "%s:%d:%d: bad header '@%.*s', want @cpu, @kernel, @date, @ipc, @source "
				 "or @vendor vmx|svm|both", path, ln, (int)(p - line) + 1, (int)strcspn(p + 1, " \t\r\n"),
				 p + 1);
			return -1;
		}
		return 1;
	}
	char *hash = strchr(p, '#');
	char *cite = NULL;
	if (hash) {
		*hash = 0;
		cite = hash + 1;
		while (isspace((unsigned char)*cite))
			cite++;
		cite[strcspn(cite, "\r\n")] = 0;
	}
	if (!*p) {
		if (cite && meta && !meta->summary[0])
			snprintf(meta->summary, sizeof(meta->summary), "%s", cite);
		return 1;
	}
	char name[64];
	int col = (int)(p - line) + 1;
	size_t n = strcspn(p, " \t=");
	if (n == 0 || n >= sizeof(name))
		goto bad;
	memcpy(name, p, n);
	name[n] = 0;
	p += n;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=')
		goto bad;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	/* decimal, or hexadecimal with 0x: a leading zero is not octal
	 * ("010" is ten, issue 15 item 12) */
	int base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10;
	const char *digits = base == 16 ? p + 2 : p;
	if (!(base == 16 ? isxdigit((unsigned char)*digits) : isdigit((unsigned char)*digits)))
		goto bad;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(digits, &end, base);
	if (errno == ERANGE) {
		snprintf(err, errsize, "%s:%d:%d: cost entry '%s' does not fit in 64 bits", path, ln,
			 (int)(p - line) + 1, name);
		return -1;
	}
	while (isspace((unsigned char)*end))
		end++;
	/* an optional range "[LOW..HIGH]" (decimal) containing the value */
	uint64_t lo = v, hi = v;
	bool ranged = *end == '[';
	int rcol = (int)(end - line) + 1;
	if (ranged) {
		const char *q = end;
		if (parse_range(&q, &lo, &hi)) {
			snprintf(err, errsize, "%s:%d:%d: expected a range '[LOW..HIGH]'", path, ln, rcol);
			return -1;
		}
		end = (char *)q;
		while (isspace((unsigned char)*end))
			end++;
	}
	if (*end)
		goto bad;
	if (ranged && !(lo <= v && v <= hi)) {
		snprintf(err, errsize, "%s:%d:%d: range [%llu..%llu] does not contain the value %llu", path, ln, rcol,
			 (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)v);
		return -1;
	}
	/* every entry cites its source; an estimate (or an unverified figure) has a range */
	if (!cite || !*cite) {
		snprintf(err, errsize, "%s:%d:%d: cost entry '%s' has no citation: end the line with '# SOURCE' "
			 "(or '# [estimate] why' with a range [LOW..HIGH])", path, ln,
			 hash ? (int)(hash - line) + 1 : (int)strcspn(line, "\r\n") + 1, name);
		return -1;
	}
	const char *tag = strstr(cite, "[estimate]");
	if (!tag)
		tag = strstr(cite, "[unverified]");
	if (tag && !ranged) {
		snprintf(err, errsize, "%s:%d:%d: cost entry '%s' is %.*s but has no range: write 'VALUE [LOW..HIGH]'",
			 path, ln, (int)(tag - line) + 1, name, (int)strcspn(tag, "]") + 1, tag);
		return -1;
	}
	/* "name@KERNEL": the entry for one kernel's policies */
	char *at = strchr(name, '@');
	if (at)
		*at++ = 0;
	unsigned i;
	for (i = 0; i < cost_ndescs; i++)
		if (!strcmp(cost_descs[i].name, name))
			break;
	if (i == cost_ndescs) {
		snprintf(err, errsize, "%s:%d:%d: unknown cost entry '%s'", path, ln, col, name);
		return -1;
	}
	if (at) {
		size_t kl = strlen(at);
		bool ok = kl > 0 && kl < sizeof(m->kern[0].kernel);
		for (size_t k = 0; k < kl; k++)
			ok &= isalnum((unsigned char)at[k]) || at[k] == '.' || at[k] == '-' || at[k] == '_';
		if (!ok) {
			snprintf(err, errsize, "%s:%d:%d: bad kernel '%s' in '%s@%s': want a kernel as the presets name "
				 "it (e.g. 6.12; letters, digits, '.', '-', '_', at most %zu)", path, ln,
				 col + (int)(at - name), at, name, at, sizeof(m->kern[0].kernel) - 1);
			return -1;
		}
		for (unsigned k = 0; k < m->nkern; k++)
			if (m->kern[k].idx == i && !strcmp(m->kern[k].kernel, at)) {
				snprintf(err, errsize, "%s:%d:%d: cost entry '%s@%s' given twice", path, ln, col, name, at);
				return -1;
			}
		if (m->nkern == COST_KERNEL_MAX) {
			snprintf(err, errsize, "%s:%d:%d: more than %d kernel-specific entries", path, ln, col,
				 COST_KERNEL_MAX);
			return -1;
		}
		struct cost_kentry *e = &m->kern[m->nkern];
		e->idx = i;
		memcpy(e->kernel, at, kl + 1);         /* kl < sizeof(e->kernel), checked above */
		e->v = v;
		e->lo = lo;
		e->hi = hi;
		e->estimate = tag != NULL;
		if (meta)
			snprintf(meta->kcite[m->nkern], sizeof(meta->kcite[0]), "%s", cite);
		m->nkern++;
		return 0;
	}
	*(uint64_t *)((char *)m + cost_descs[i].offset) = v;
	m->lo[i] = lo;
	m->hi[i] = hi;
	m->estimate[i] = tag != NULL;
	if (meta)
		snprintf(meta->cite[i], sizeof(meta->cite[i]), "%s", cite);
	seen[i] = 1;
	return 0;
bad:
	snprintf(err, errsize, "%s:%d:%d: expected 'name = unsigned integer'", path, ln, col);
	return -1;
}

int cost_load(const char *path, struct cost_model *m, char *err, size_t errsize)
{
	return cost_load_meta(path, m, NULL, err, errsize);
}

int cost_load_meta(const char *path, struct cost_model *m, struct cost_meta *meta, char *err, size_t errsize)
{
	/* Bounded and whole: no line-length limit, a directory or an endless
	 * file is an error of its own (issue 15 item 12). */
	size_t len;
	char *text = util_read_file(path, UTIL_MAX_SMALL, &len);
	if (!text) {
		util_read_error(err, errsize, path, UTIL_MAX_SMALL);
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->vendors = 3;
	if (meta)
		memset(meta, 0, sizeof(*meta));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)strcspn(base, "."), base);
	unsigned char seen[64] = { 0 };
	int ln = 0;
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		char *next = nl ? nl + 1 : text + len;
		if (nl)
			*nl = 0;
		ln++;
		if (memchr(line, 0, (size_t)((nl ? nl : text + len) - line))) {
			snprintf(err, errsize, "%s:%d:%d: cost model contains a NUL character", path, ln,
				 (int)strlen(line) + 1);
			free(text);
			return -1;
		}
		if (cost_line(path, ln, line, m, meta, seen, err, errsize) < 0) {
			free(text);
			return -1;
		}
		line = next;
	}
	free(text);
	for (unsigned i = 0; i < cost_ndescs; i++)
		if (!seen[i]) {
			snprintf(err, errsize, "%s:%d:1: missing cost entry '%s'", path, ln + 1,
				 cost_descs[i].name);
			return -1;
		}
	return 0;
}
