/* oracle_log.h - the oracle's two logs, one implementation for both
 * engines: the x86 engine (cpu/engine/engine.c) and the AArch64 engine
 * (cpu/engine/a64.c) each keep one struct oracle_log.
 *
 * Why one: the logs are the contract behind db.log and violations in the
 * result (sim/run.h struct run_result), the same for every vendor; what
 * differs per engine is only what goes into a record (an x86 #DB's DR6 or
 * an Arm debug exception's ESR_EL1 and FAR_EL1, see cpu/engine/a64.h) and
 * which clock stamps it (time_base below).  Both logs are capped
 * (DB_LOG_MAX, VIOL_MAX in engine.h): what does not fit is counted, never
 * kept, so a runaway guest costs bounded memory. */
#ifndef HVSIM_CPU_ENGINE_ORACLE_LOG_H
#define HVSIM_CPU_ENGINE_ORACLE_LOG_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu/cpu.h"
#include "cpu/engine/engine.h"

struct oracle_log {
	struct db_record *dblog;    /* debug-exception log, allocated at its first record (capped at DB_LOG_MAX) */
	size_t ndb;                 /* records in dblog */
	uint64_t db_dropped;        /* records not kept (log full) */
	struct violation *viol;     /* violations, allocated at the first one (capped at VIOL_MAX) */
	size_t nviol;               /* records in viol */
	uint64_t viol_dropped;      /* violations not kept (log full) */
};

/* One debug exception the oracle resolved, rec->outcome, rec->host: counted
 * in c's statistics (db.guest / db.host: delivered, missed, spurious; a
 * spurious one was delivered too) and traced (EV_DB with the owner's
 * rec->dr6; EV_DB_MISSED, EV_DB_SPURIOUS with hw | ideal, the slots
 * matched in hardware and in the owner's view), then kept: a copy of
 * *rec with hw_slots, ideal_slots from hw, ideal (16 bits) and the cycle
 * c->st.cycles_total + time_base.  Returns the kept record, NULL when the
 * log is full (counted in db_dropped). */
struct db_record *oracle_log_db(struct oracle_log *l, struct cpu *c, uint64_t time_base,
				const struct db_record *rec, unsigned hw, unsigned ideal);
/* One violation of an architectural rule the oracle checks: traced
 * (EV_VIOLATION) and kept, stamped like oracle_log_db's records; detail
 * is formatted from fmt and ap. */
void oracle_log_violation(struct oracle_log *l, struct cpu *c, uint64_t time_base, uint64_t rip,
			  int slot, const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

/* The kept records, how many, how many were dropped. */
const struct db_record *oracle_log_records(const struct oracle_log *l, size_t *n, uint64_t *dropped);
const struct violation *oracle_log_violations(const struct oracle_log *l, size_t *n, uint64_t *dropped);

void oracle_log_free(struct oracle_log *l);

#endif
