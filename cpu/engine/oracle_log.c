/* oracle_log.c - the oracle's #DB and violation logs (oracle_log.h). */
#include "cpu/engine/oracle_log.h"
#include <stdio.h>
#include <stdlib.h>

struct db_record *oracle_log_db(struct oracle_log *l, struct cpu *c, uint64_t time_base,
				const struct db_record *rec, unsigned hw, unsigned ideal)
{
	enum db_outcome out = (enum db_outcome)rec->outcome;
	if (rec->host) {
		if (out == DB_MISSED) c->st.db_host_missed++;
		else if (out == DB_SPURIOUS) { c->st.db_host_spurious++; c->st.db_host_delivered++; }
		else c->st.db_host_delivered++;
	} else {
		if (out == DB_MISSED) c->st.db_guest_missed++;
		else if (out == DB_SPURIOUS) { c->st.db_guest_spurious++; c->st.db_guest_delivered++; }
		else c->st.db_guest_delivered++;
	}
	cpu_event(c, out == DB_MISSED ? EV_DB_MISSED : out == DB_SPURIOUS ? EV_DB_SPURIOUS : EV_DB, rec->rip,
		  out == DB_DELIVERED ? rec->dr6 : (uint64_t)(hw | ideal), rec->host,
		  rec->cause);
	if (l->ndb >= DB_LOG_MAX) {
		l->db_dropped++;
		return NULL;
	}
	if (!l->dblog && !(l->dblog = calloc(DB_LOG_MAX, sizeof(*l->dblog))))
		abort();
	struct db_record *r = &l->dblog[l->ndb++];
	*r = *rec;
	r->hw_slots = (uint16_t)hw;
	r->ideal_slots = (uint16_t)ideal;
	r->cycle = c->st.cycles_total + time_base;
	return r;
}

void oracle_log_violation(struct oracle_log *l, struct cpu *c, uint64_t time_base, uint64_t rip,
			  int slot, const char *kind, const char *fmt, va_list ap)
{
	cpu_event(c, EV_VIOLATION, rip, (uint64_t)(int64_t)slot, 0, kind);
	if (l->nviol >= VIOL_MAX) {
		l->viol_dropped++;
		return;
	}
	if (!l->viol && !(l->viol = calloc(VIOL_MAX, sizeof(*l->viol))))
		abort();
	struct violation *v = &l->viol[l->nviol++];
	v->cycle = c->st.cycles_total + time_base;
	v->rip = rip;
	v->slot = slot;
	snprintf(v->kind, sizeof(v->kind), "%s", kind);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
}

const struct db_record *oracle_log_records(const struct oracle_log *l, size_t *n, uint64_t *dropped)
{
	*n = l->ndb;
	*dropped = l->db_dropped;
	return l->dblog;
}

const struct violation *oracle_log_violations(const struct oracle_log *l, size_t *n, uint64_t *dropped)
{
	*n = l->nviol;
	*dropped = l->viol_dropped;
	return l->viol;
}

void oracle_log_free(struct oracle_log *l)
{
	free(l->dblog);
	free(l->viol);
}
