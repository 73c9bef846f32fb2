/* test_oracle_log.c - the oracle's logs (cpu/engine/oracle_log.h), which
 * both engines keep: what they count, trace and keep, and their caps.
 *
 * The expected values are the module's contract, not hvsim output:
 *  - cpu/stats.def: db.guest.delivered is every #DB the guest took ("its
 *    handler ran"), so a spurious #DB is delivered as well as spurious;
 *    a missed one was never raised, so it is not delivered;
 *  - cpu/events.def: db_deliver carries the owner's DR6, db_missed and
 *    db_spurious the slot mask, violation the slot and kind;
 *  - engine.h: the #DB log holds DB_LOG_MAX records, the violation log
 *    VIOL_MAX; result.c / docs/result-schema.md count the rest in
 *    db.log_dropped and violations_dropped;
 *  - cpu/cpu.h: cycles_total + time_base is machine time. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cpu/engine/oracle_log.h"

static struct sim_event seen[4];
static unsigned nseen;

static void sink(void *ctx, const struct sim_event *ev)
{
	(void)ctx;
	if (nseen < 4)
		seen[nseen] = *ev;
	nseen++;
}

static void violation(struct oracle_log *l, struct cpu *c, uint64_t time_base, uint64_t rip, int slot,
		      const char *kind, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void violation(struct oracle_log *l, struct cpu *c, uint64_t time_base, uint64_t rip, int slot,
		      const char *kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oracle_log_violation(l, c, time_base, rip, slot, kind, fmt, ap);
	va_end(ap);
}

Test(oracle_log, a_full_db_log_keeps_the_first_records_and_counts_the_rest)
{
	struct cpu c;
	memset(&c, 0, sizeof(c));
	struct oracle_log l = { 0 };
	for (uint64_t i = 0; i < DB_LOG_MAX + 5; i++) {
		struct db_record rec = { .rip = i, .outcome = DB_DELIVERED, .cause = "exec" };
		struct db_record *r = oracle_log_db(&l, &c, 0, &rec, 1, 1);
		if (i < DB_LOG_MAX)
			cr_assert(r && r->rip == i);
		else
			cr_assert_null(r);
	}
	size_t n;
	uint64_t dropped;
	const struct db_record *d = oracle_log_records(&l, &n, &dropped);
	cr_assert_eq(n, DB_LOG_MAX);
	cr_assert_eq(dropped, 5);
	cr_assert_eq(d[DB_LOG_MAX - 1].rip, DB_LOG_MAX - 1);
	/* the statistics count every #DB, kept or not */
	cr_assert_eq(c.st.db_guest_delivered, DB_LOG_MAX + 5);
	oracle_log_free(&l);
}

Test(oracle_log, records_are_stamped_with_the_cpu_count_plus_time_base)
{
	struct cpu c;
	memset(&c, 0, sizeof(c));
	c.st.cycles_total = 100;
	struct oracle_log l = { 0 };
	struct db_record rec = { .rip = 0x1000, .dr6 = 0xffff0ff1, .hw_dr6 = 0xffff0ff1, .outcome = DB_DELIVERED,
				 .cause = "exec", .cpu = 1, .owner = 2 };
	oracle_log_db(&l, &c, 1000, &rec, 1, 1);      /* x86: machine time */
	oracle_log_db(&l, &c, 0, &rec, 1, 1);         /* Arm: the CPU's own count */
	violation(&l, &c, 1000, 0x1004, 3, "dr_read_mismatch", "DR%d: 0x%x", 3, 0x10);
	size_t n, nv;
	uint64_t dropped, vdropped;
	const struct db_record *d = oracle_log_records(&l, &n, &dropped);
	const struct violation *v = oracle_log_violations(&l, &nv, &vdropped);
	cr_assert_eq(n, 2);
	cr_assert_eq(d[0].cycle, 1100);
	cr_assert_eq(d[1].cycle, 100);
	/* the rest of the record is the caller's, the slots the arguments' */
	cr_assert_eq(d[0].rip, 0x1000);
	cr_assert_eq(d[0].dr6, 0xffff0ff1);
	cr_assert_eq(d[0].cpu, 1);
	cr_assert_eq(d[0].owner, 2);
	cr_assert_eq(d[0].hw_slots, 1);
	cr_assert_eq(d[0].ideal_slots, 1);
	cr_assert_str_eq(d[0].cause, "exec");
	cr_assert_eq(nv, 1);
	cr_assert_eq(vdropped, 0);
	cr_assert_eq(v[0].cycle, 1100);
	cr_assert_eq(v[0].rip, 0x1004);
	cr_assert_eq(v[0].slot, 3);
	cr_assert_str_eq(v[0].kind, "dr_read_mismatch");
	cr_assert_str_eq(v[0].detail, "DR3: 0x10");
	oracle_log_free(&l);
}

Test(oracle_log, a_spurious_db_is_delivered_too_and_a_missed_one_is_not)
{
	struct cpu c;
	memset(&c, 0, sizeof(c));
	struct oracle_log l = { 0 };
	const enum db_outcome outs[] = { DB_DELIVERED, DB_MISSED, DB_SPURIOUS };
	for (int host = 0; host < 2; host++)
		for (unsigned i = 0; i < 3; i++) {
			struct db_record rec = { .rip = 0x1000, .outcome = (uint8_t)outs[i], .host = host, .cause = "data" };
			oracle_log_db(&l, &c, 0, &rec, 1, 1);
		}
	cr_assert_eq(c.st.db_guest_delivered, 2);
	cr_assert_eq(c.st.db_guest_missed, 1);
	cr_assert_eq(c.st.db_guest_spurious, 1);
	cr_assert_eq(c.st.db_host_delivered, 2);
	cr_assert_eq(c.st.db_host_missed, 1);
	cr_assert_eq(c.st.db_host_spurious, 1);
	oracle_log_free(&l);
}

Test(oracle_log, events_carry_the_owner_dr6_or_the_slot_masks)
{
	struct cpu c;
	memset(&c, 0, sizeof(c));
	c.trace = sink;
	nseen = 0;
	struct oracle_log l = { 0 };
	struct db_record del = { .rip = 0x1000, .dr6 = 0xffff4ff0, .outcome = DB_DELIVERED, .cause = "single-step" };
	/* an Arm bank has up to 16 breakpoints (ID_AA64DFR0_EL1.BRPs): slot 15 */
	struct db_record mis = { .rip = 0x2000, .outcome = DB_MISSED, .host = true, .cause = "breakpoint" };
	oracle_log_db(&l, &c, 0, &del, 0, 0);
	oracle_log_db(&l, &c, 0, &mis, 0, 0x8000);
	violation(&l, &c, 0, 0x3000, -1, "regcache_invalid", "x");
	cr_assert_eq(nseen, 3);
	cr_assert_eq(seen[0].id, EV_DB);
	cr_assert_eq(seen[0].a, 0x1000);
	cr_assert_eq(seen[0].b, 0xffff4ff0);
	cr_assert_eq(seen[0].c, 0);
	cr_assert_str_eq(seen[0].s, "single-step");
	cr_assert_eq(seen[1].id, EV_DB_MISSED);
	cr_assert_eq(seen[1].b, 0x8000);
	cr_assert_eq(seen[1].c, 1);
	cr_assert_eq(seen[2].id, EV_VIOLATION);
	cr_assert_eq(seen[2].b, (uint64_t)-1);
	cr_assert_str_eq(seen[2].s, "regcache_invalid");
	oracle_log_free(&l);
}

Test(oracle_log, a_full_violation_log_counts_the_rest)
{
	struct cpu c;
	memset(&c, 0, sizeof(c));
	struct oracle_log l = { 0 };
	for (unsigned i = 0; i < VIOL_MAX + 3; i++)
		violation(&l, &c, 0, i, -1, "k", "%u", i);
	size_t nv;
	uint64_t dropped;
	const struct violation *v = oracle_log_violations(&l, &nv, &dropped);
	cr_assert_eq(nv, VIOL_MAX);
	cr_assert_eq(dropped, 3);
	char last[16];
	snprintf(last, sizeof(last), "%u", VIOL_MAX - 1);
	cr_assert_str_eq(v[VIOL_MAX - 1].detail, last);
	oracle_log_free(&l);
}
