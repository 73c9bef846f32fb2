/* cost.c - load cycle cost models from data files. */
#include "cpu/cost.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			*(uint64_t *)((char *)m + cost_descs[i].offset) = value;
			return 0;
		}
	return -1;
}

void cost_bundled_path(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("HVSIM_SOURCE_DIR");
	snprintf(buf, size, "%s/cpu/costs/%s.cost", dir && *dir ? dir : HVSIM_SOURCE_DIR, name);
}

int cost_load(const char *path, struct cost_model *m, char *err, size_t errsize)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsize, "%s:0:0: cannot open cost model: %s", path, strerror(errno));
		return -1;
	}
	memset(m, 0, sizeof(*m));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)strcspn(base, "."), base);
	unsigned char seen[64] = { 0 };
	char line[512];
	int ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *p = line;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
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
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 0);
		if (end == p || errno || *p == '-')
			goto bad;
		while (isspace((unsigned char)*end))
			end++;
		if (*end)
			goto bad;
		unsigned i;
		for (i = 0; i < cost_ndescs; i++)
			if (!strcmp(cost_descs[i].name, name))
				break;
		if (i == cost_ndescs) {
			snprintf(err, errsize, "%s:%d:%d: unknown cost entry '%s'", path, ln, col, name);
			fclose(f);
			return -1;
		}
		*(uint64_t *)((char *)m + cost_descs[i].offset) = v;
		seen[i] = 1;
		continue;
bad:
		snprintf(err, errsize, "%s:%d:%d: expected 'name = unsigned integer'", path, ln, col);
		fclose(f);
		return -1;
	}
	fclose(f);
	for (unsigned i = 0; i < cost_ndescs; i++)
		if (!seen[i]) {
			snprintf(err, errsize, "%s:%d:1: missing cost entry '%s'", path, ln + 1,
				 cost_descs[i].name);
			return -1;
		}
	return 0;
}
