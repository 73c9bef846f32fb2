/* sample_result.h - a hand-filled struct run_result with a bit of
 * everything, for the tests of the output side (test_result.c,
 * test_expect.c): results are filled in by hand, so these tests pin the
 * output contract (docs/result-schema.md) independently of the simulator. */
#ifndef HVSIM_TESTS_SAMPLE_RESULT_H
#define HVSIM_TESTS_SAMPLE_RESULT_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run.h"

/* A hand-filled result with a bit of everything (run_result_free() it). */
static inline void fill_result(struct run_result *r)
{
	static const char *const test_exit_names[] = {
		[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [10] = "CPUID", [12] = "HLT",
		[29] = "DR_ACCESS", [30] = "IO_INSTRUCTION",
	};
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "demo");
	snprintf(r->policy, sizeof(r->policy), "bp_enabled");
	snprintf(r->vendor, sizeof(r->vendor), "vmx");
	snprintf(r->cost_model, sizeof(r->cost_model), "default");
	r->exit_names = test_exit_names;
	r->nexit_names = sizeof(test_exit_names) / sizeof(test_exit_names[0]);
	r->st.guest_instructions = 159;
	r->st.cycles_total = 5000;
	r->st.cycles_guest = 100;
	r->st.db_guest_delivered = 3;
	r->st.db_guest_missed = 1;
	r->st.exits_total = 3;
	r->st.dr_guest_loads = 2;
	/* DR_ACCESS: two exits of 1180 and 1420 cycles */
	r->st.exits[29] = (struct exit_stat){ .count = 2, .cycles = 2600, .min = 1180, .max = 1420,
					      .sumsq = 1180.0 * 1180 + 1420.0 * 1420 };
	r->st.exits[12] = (struct exit_stat){ .count = 1, .cycles = 645, .min = 645, .max = 645,
					      .sumsq = 645.0 * 645 };
	r->st.dr_hw_writes[0] = 3;
	r->st.dr_hw_writes[4] = 99;            /* never reported: DR4 is not a register */
	r->st.dr_hw_writes[7] = 6;
	r->st.dr_hw_reads[6] = 1;
	r->st.dr_exit_reads[6] = 2;
	r->st.dr_exit_writes[7] = 1;
	r->stop = STOP_HALT;
	snprintf(r->stop_msg, sizeof(r->stop_msg), "guest executed HLT");
	r->hw_dr[7] = 0x400;
	r->guest_dr[6] = 0xffff0ff1;
	r->hv_dr[0] = 0x200000;
	r->guest_rip = 0x1028;
	r->gprs[0] = 0x401;
	r->gprs[15] = 0xdeadbeef;
	r->db_dropped = 7;

	static uint8_t mem[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
	result_mem_init(r, 2, sizeof(mem));
	memcpy(result_mem_add(r, 0x2000, 8), mem, 8);
	memcpy(result_mem_add(r, 0x80000, 8), mem + 8, 8);

	r->db = calloc(2, sizeof(*r->db));
	r->ndb = 2;
	r->db[0] = (struct db_record){ .cycle = 10, .rip = 0x1005, .dr6 = 0xffff0ff1, .hw_dr6 = 0xffff0ff1,
				       .hw_slots = 1, .ideal_slots = 1, .outcome = DB_DELIVERED, .cause = "exec" };
	r->db[1] = (struct db_record){ .cycle = 20, .rip = 0x1010, .dr6 = 0xffff0ff2, .hw_dr6 = 0,
				       .hw_slots = 0, .ideal_slots = 2, .outcome = DB_MISSED, .host = true,
				       .cause = "data" };
	r->viol = calloc(1, sizeof(*r->viol));
	r->nviol = 1;
	r->viol[0] = (struct violation){ .cycle = 30, .rip = 0x1010, .slot = -1 };
	snprintf(r->viol[0].kind, sizeof(r->viol[0].kind), "dr_read_mismatch");
	snprintf(r->viol[0].detail, sizeof(r->viol[0].detail), "guest read \"DR7\"\n0x0");
}

#endif
