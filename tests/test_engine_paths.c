/* test_engine_paths.c - the engine's fast paths (issue 16) keep the
 * architecture's semantics where Unicorn 2.0.1 would not on its own:
 *
 *  - memory becomes executable in Unicorn only at its first fetch
 *    (cpu/engine/decode.c, "poison"): an instruction that spans into a run
 *    that never ran code still executes whole, and a far CALL/JMP with a
 *    register operand (FF /3, FF /5 mod = 11: #UD, SDM Vol.2 CALL and JMP,
 *    "m16:16/m16:32/m16:64" only; opcode map group 5 "Ep") that reaches
 *    such a run -- loaded there, or stored there by the guest before or
 *    after the run first executed -- stops the guest with an invalid
 *    opcode instead of aborting the process in Unicorn's translator
 *    (unicorn-engine/unicorn#1716);
 *  - a store of such bytes into a run that has run code, from code in
 *    another run, makes that run not executable again until its next
 *    fetch: the code there keeps running, new and old blocks alike. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sim/run.h"
#include "tests/harness.h"

/* Run `yaml` bare metal; the result in *r. */
static void run_yaml(const char *yaml, struct run_result *r)
{
	struct scenario *sc = h_load_text("t.yaml", yaml);
	struct run_config cfg = { .vendor = VENDOR_NONE };
	h_run(sc, &cfg, r);
	scenario_free(sc);
}

#define HEAD "version: 1\nname: t\nsummary: t\nvendor: none\nguest:\n  mode: 64\n"

static void assert_ud_at(const struct run_result *r, uint64_t rip)
{
	cr_assert_str_eq(engine_stop_name(r->stop), "invalid_opcode", "stop: %s (%s)", engine_stop_name(r->stop),
			 r->stop_msg);
	cr_assert_eq(r->guest_rip, rip, "guest.rip 0x%llx, want 0x%llx", (unsigned long long)r->guest_rip,
		     (unsigned long long)rip);
}

/* MOV RAX, imm64 (REX.W B8, 10 bytes) at 0x1FF8: its first 8 bytes end the
 * code's page, the last two and the HLT start the data region's page, a
 * separate Unicorn region.  The processor executes it as one instruction
 * (no paging: all memory is executable). */
Test(engine_paths, instruction_spanning_into_a_data_run)
{
	/* code from 0x1000 to 0x1fff: 0xff8 bytes of NOP before the MOV */
	static char big[0x1000 * 3 + 256];
	size_t o = 0;
	o += (size_t)snprintf(big + o, sizeof(big) - o, HEAD "  base: 0x1000\n  entry: 0x1ff8\n  code: \"");
	for (int i = 0; i < 0xff8; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "90 ");
	snprintf(big + o, sizeof(big) - o,
		 "48 b8 88 77 66 55 44 33\"\n  data:\n    - {addr: 0x2000, bytes: 22 11 f4}\n");
	struct run_result r;
	run_yaml(big, &r);
	cr_assert_str_eq(engine_stop_name(r.stop), "halt", "stop: %s", r.stop_msg);
	cr_assert_eq(r.gprs[0], 0x1122334455667788ull, "rax 0x%llx", (unsigned long long)r.gprs[0]);
	cr_assert_eq(r.st.guest_instructions, 2);        /* the MOV and the HLT */
	cr_assert_eq(r.guest_rip, 0x2003);
	run_result_free(&r);
}

/* The far CALL is in the data region from the start: two NOPs run, then
 * #UD at 0x80002. */
Test(engine_paths, far_call_loaded_in_a_data_run)
{
	struct run_result r;
	run_yaml(HEAD "  base: 0x1000\n"
		 "  code: \"48 c7 c0 00 00 08 00 ff e0\"\n"                 /* mov rax, 0x80000; jmp rax */
		 "  data:\n    - {addr: 0x80000, bytes: 90 90 ff d9}\n", &r);
	assert_ud_at(&r, 0x80002);
	cr_assert_eq(r.st.guest_instructions, 4);        /* mov, jmp, nop, nop */
	run_result_free(&r);
}

/* The guest stores FF D9 into a data region that never ran code, then
 * jumps there. */
Test(engine_paths, far_call_stored_into_a_data_run)
{
	struct run_result r;
	run_yaml(HEAD "  base: 0x1000\n"
		 /* mov rdi, 0x80000; mov word ptr [rdi], 0xd9ff; jmp rdi */
		 "  code: \"48 c7 c7 00 00 08 00 66 c7 07 ff d9 ff e7\"\n"
		 "  data:\n    - {addr: 0x80000, size: 0x1000}\n", &r);
	assert_ud_at(&r, 0x80000);
	cr_assert_eq(r.st.guest_instructions, 3);
	run_result_free(&r);
}

/* The data region runs code first (NOP; RET), then the guest stores FF D9
 * behind it and jumps there: the store into memory Unicorn already executes. */
Test(engine_paths, far_call_stored_after_the_data_run_executed)
{
	struct run_result r;
	run_yaml(HEAD "  base: 0x1000\n"
		 /* mov rax, 0x80000; call rax; mov word ptr [rax+2], 0xd9ff; add rax, 2; jmp rax */
		 "  code: \"48 c7 c0 00 00 08 00 ff d0 66 c7 40 02 ff d9 48 83 c0 02 ff e0\"\n"
		 "  data:\n    - {addr: 0x80000, bytes: 90 c3}\n", &r);
	assert_ud_at(&r, 0x80002);
	cr_assert_eq(r.st.guest_instructions, 7);        /* mov, call, nop, ret, mov, add, jmp */
	run_result_free(&r);
}

/* 4096 stores of FF D8 (call far eax) into a data region, then a jump to
 * the last one: each store is a possible far CALL with a register operand. */
Test(engine_paths, many_far_call_stores_then_executed)
{
	struct run_result r;
	run_yaml(HEAD "  base: 0x1000\n  regs: {rdi: 0x100000, rcx: 4096}\n"
		 /* 1: mov word ptr [rdi], 0xd8ff; add rdi, 2; dec rcx; jnz 1b; sub rdi, 2; jmp rdi */
		 "  code: \"66 c7 07 ff d8 48 83 c7 02 48 ff c9 75 f2 48 83 ef 02 ff e7\"\n"
		 "  data:\n    - {addr: 0x100000, size: 0x2000}\n", &r);
	assert_ud_at(&r, 0x100000 + 2 * 4095);
	cr_assert_eq(r.st.guest_instructions, 4 * 4096 + 2);
	run_result_free(&r);
}

/* Code in the data region runs (NOP; RET at 0x80000), the guest stores FF D9
 * at 0x80010, runs the region's other function (0x80002, translated after
 * the store) and the first one again, then jumps to 0x80010. */
Test(engine_paths, data_run_keeps_running_after_a_far_call_store)
{
	struct run_result r;
	run_yaml(HEAD "  base: 0x1000\n"
		 /* mov rax, 0x80000; call rax; mov word ptr [rax+16], 0xd9ff; lea rbx, [rax+2]; call rbx;
		  * call rax; add rax, 16; jmp rax */
		 "  code: \"48 c7 c0 00 00 08 00 ff d0 66 c7 40 10 ff d9 48 8d 58 02 ff d3 ff d0 48 83 c0 10 ff e0\"\n"
		 "  data:\n    - {addr: 0x80000, bytes: 90 c3 90 c3}\n", &r);
	assert_ud_at(&r, 0x80010);
	cr_assert_eq(r.st.guest_instructions, 14);
	run_result_free(&r);
}
