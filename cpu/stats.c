/* stats.c - the table of scalar counters, generated from stats.def. */
#include "cpu/stats.h"
#include <stddef.h>

const struct stat_desc stat_descs[] = {
#define STAT(field, path, desc) { path, desc, (unsigned)offsetof(struct stats, field) },
#include "cpu/stats.def"
#undef STAT
};
const unsigned stat_ndescs = sizeof(stat_descs) / sizeof(stat_descs[0]);
