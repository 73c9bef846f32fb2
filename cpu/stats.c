/* stats.c - the table of scalar counters, generated from stats.def, and
 * the exit accounting both vendors share (see stats.h). */
#include "cpu/stats.h"
#include "cpu/cpu.h"
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

/* ---- exit accounting ------------------------------------------------------------- */

static void count_exit(struct cpu *c, unsigned slot)
{
	c->st.exits_total++;
	c->st.exits[slot].count++;
	c->exit_clock.slot = slot;
	c->exit_clock.start = c->st.cycles_total;
}

void cpu_exit_begin(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code, uint64_t info,
		    const char *name)
{
	count_exit(c, slot);
	c->exit_clock.open = true;
	cpu_event(c, EV_EXIT, rip, code, info, name);
}

void cpu_exit_end(struct cpu *c, uint64_t rip)
{
	c->st.entries_total++;
	if (c->exit_clock.open) {
		struct exit_stat *es = &c->st.exits[c->exit_clock.slot];
		uint64_t dt = c->st.cycles_total - c->exit_clock.start;
		es->cycles += dt;
		es->sumsq += (double)dt * (double)dt;
		if (dt < es->min) es->min = dt;
		if (dt > es->max) es->max = dt;
		c->exit_clock.open = false;
	}
	cpu_event(c, EV_ENTRY, rip, 0, 0, NULL);
}

void cpu_entry_failed(struct cpu *c, unsigned slot, uint64_t rip, uint64_t code, const char *name)
{
	c->st.entries_total++;
	c->st.entry_failures++;
	count_exit(c, slot);
	cpu_event(c, EV_ENTRY_FAIL, rip, code, 0, name);
}
