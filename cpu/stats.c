/* stats.c - the table of scalar counters, generated from stats.def. */
#include "cpu/stats.h"
#include <stddef.h>
#include <string.h>

const struct stat_desc stat_descs[] = {
#define STAT(field, path, desc) { path, desc, (unsigned)offsetof(struct stats, field) },
#include "cpu/stats.def"
#undef STAT
};
const unsigned stat_ndescs = sizeof(stat_descs) / sizeof(stat_descs[0]);

void stats_reset(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < EXIT_SLOTS; i++)
		st->exits[i].min = UINT64_MAX;
}

void stats_finish(struct stats *st)
{
	for (unsigned i = 0; i < EXIT_SLOTS; i++)
		if (st->exits[i].min == UINT64_MAX)
			st->exits[i].min = 0;
}
