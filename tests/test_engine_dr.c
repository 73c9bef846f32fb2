/* test_engine_dr.c - the DR rules as a guest observes them on the simulated
 * CPU (bare metal: no hypervisor in the way).  Each test runs a tiny guest
 * whose #DB handler records DR6 and the RIP in the exception frame; the
 * expected values come from the Intel SDM sections cited per test (and the
 * kvm-unit-tests / KVM selftest expectations quoted in arch-facts.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sim/run.h"
#include "tests/guest_run.h"

/* Vector 1 -> `handler`, vector 6 -> `ud_handler`, vector 13 -> `gp_handler`.
 * handler: log[count] = DR6, rips[count] = frame RIP; clears DR6 unless
 * `keep` is nonzero; sets RF in the frame. */
#define PROLOGUE                                                          \
	"  mov rax, offset handler\n  mov rdi, 1\n  call setgate\n"          \
	"  mov rax, offset ud_handler\n  mov rdi, 6\n  call setgate\n"       \
	"  mov rax, offset gp_handler\n  mov rdi, 13\n  call setgate\n"      \
	"  lidt [idtr]\n  jmp main\n"                                         \
	"setgate:\n  shl rdi, 4\n  mov word ptr [idt+rdi], ax\n"             \
	"  mov word ptr [idt+rdi+2], 8\n  mov byte ptr [idt+rdi+5], 0x8E\n"  \
	"  shr rax, 16\n  mov word ptr [idt+rdi+6], ax\n  ret\n"
#define EPILOGUE                                                          \
	"handler:\n  push rax\n  push rbx\n  mov rax, dr6\n"                 \
	"  mov rbx, [count]\n  mov [log+rbx*8], rax\n"                        \
	"  mov rax, [rsp+16]\n  mov [rips+rbx*8], rax\n  inc qword ptr [count]\n" \
	"  cmp qword ptr [keep], 0\n  jne 1f\n  xor eax, eax\n  mov dr6, rax\n1:\n" \
	"  mov rax, [stop_tf_at]\n  cmp rax, [count]\n  jne 2f\n"             \
	"  and qword ptr [rsp+32], ~0x100\n2:\n"                              \
	"  pop rbx\n  pop rax\n  or qword ptr [rsp+16], 0x10000\n  iretq\n"  \
	"ud_handler:\n  inc qword ptr [uds]\n  add qword ptr [rsp], 3\n  iretq\n" \
	"gp_handler:\n  inc qword ptr [gps]\n  add rsp, 8\n  add qword ptr [rsp], 3\n  iretq\n" \
	".balign 16\nidtr: .word 255\n  .quad idt\n"
/* data at 0x80000: idt 0x80000, count 0x81000, log 0x81100, rips 0x81200,
 * keep 0x81300, stop_tf_at 0x81308, uds 0x81310, gps 0x81318 */
#define SYMS ".set idt, 0x80000\n.set count, 0x81000\n.set log, 0x81100\n.set rips, 0x81200\n" \
	".set keep, 0x81300\n.set stop_tf_at, 0x81308\n.set uds, 0x81310\n.set gps, 0x81318\n" \
	".set watch, 0x82000\n"

static void run_guest(const char *main_code, struct run_result *r)
{
	static char yaml[16384];
	char body[12288];
	snprintf(body, sizeof(body), SYMS PROLOGUE "main:\n%s\n  hlt\n" EPILOGUE, main_code);
	char ind[14000];
	guest_indent(body, ind, sizeof(ind));
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: t\nvendor: none\nguest:\n  mode: 64\n  base: 0x1000\n"
		 "  data:\n    - { addr: 0x80000, size: 0x4000 }\n  limits: { instructions: 100000 }\n  asm: |\n%s",
		 ind);
	struct run_config cfg = { .vendor = VENDOR_NONE };
	guest_run_yaml(yaml, &cfg, r);
}

#define mem guest_mem
#define COUNT(r) mem(r, 0x81000)
#define LOG(r, i) mem(r, 0x81100 + 8 * (i))
#define RIP(r, i) mem(r, 0x81200 + 8 * (i))

/* SDM 17.3.1.4: single-step traps after each instruction that began with
 * TF = 1; POPF that sets TF traps only after the following instruction;
 * DR6.BS (bit 14): 0xFFFF4FF0 (kvm-unit-tests x86/debug.c). */
Test(engine_dr, single_step_traps_after_each_instruction_with_bs)
{
	struct run_result r;
	run_guest("  mov qword ptr [stop_tf_at], 3\n  pushfq\n  or qword ptr [rsp], 0x100\n  popfq\n"
		  "a1: nop\na2: nop\na3: nop\na4: nop\n", &r);
	cr_assert_eq(COUNT(&r), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(LOG(&r, i), 0xFFFF4FF0, "DR6[%d] = 0x%llx", i, (unsigned long long)LOG(&r, i));
	/* trap: the frame holds the next instruction (a2, a3, a4) */
	cr_assert_eq(RIP(&r, 1) - RIP(&r, 0), 1);
	cr_assert_eq(RIP(&r, 2) - RIP(&r, 1), 1);
	run_result_free(&r);
}

/* ICEBP (F1) is a #DB trap with no DR6 status bit: DR6 = 0xFFFF0FF0
 * (kvm-unit-tests 027ea799 "Verify DR6 is always empty on an INT1/ICEBP
 * #DB"); the frame RIP is past the F1 byte. */
Test(engine_dr, icebp_is_a_trap_with_empty_dr6)
{
	struct run_result r;
	run_guest("  mov rax, 0x4000\n  mov dr6, rax\n  xor eax, eax\n  mov dr6, rax\nib: .byte 0xF1\nafter: nop\n", &r);
	cr_assert_eq(COUNT(&r), 1);
	cr_assert_eq(LOG(&r, 0), 0xFFFF0FF0);
	run_result_free(&r);
}

/* SDM 17.2.4: with DR7.GD = 1 any MOV DR raises #DB (fault) with DR6.BD;
 * the processor clears GD on delivery so the handler can use the DRs.
 * DR6 = 0xFFFF0FF0 | BD = 0xFFFF2FF0; frame RIP = the MOV. */
Test(engine_dr, general_detect_faults_with_bd_and_clears_gd)
{
	struct run_result r;
	run_guest("  mov rax, 0x2400\n  mov dr7, rax\ngd: mov rbx, dr0\n  mov rcx, dr7\n", &r);
	cr_assert_eq(COUNT(&r), 1);
	cr_assert_eq(LOG(&r, 0), 0xFFFF2FF0);
	cr_assert_eq(r.gprs[1], 0x400, "GD cleared: DR7 reads 0x400, got 0x%llx", (unsigned long long)r.gprs[1]);
	cr_assert_eq(r.hw_dr[7], 0x400);
	run_result_free(&r);
}

/* SDM Vol.2 MOV DR: with CR4.DE = 0, DR4/DR5 alias DR6/DR7. */
Test(engine_dr, dr4_dr5_alias_dr6_dr7_when_cr4_de_clear)
{
	struct run_result r;
	run_guest("  xor eax, eax\n  mov dr4, rax\n  mov rbx, dr6\n  mov rax, 0x403\n  mov dr7, rax\n  mov rcx, dr5\n", &r);
	cr_assert_eq(r.gprs[3], 0xFFFF0FF0);   /* RBX */
	cr_assert_eq(r.gprs[1], 0x403);        /* RCX */
	cr_assert_eq(mem(&r, 0x81310), 0, "no #UD");
	run_result_free(&r);
}

/* SDM Vol.2 MOV DR: with CR4.DE = 1, DR4/DR5 references raise #UD. */
Test(engine_dr, dr4_with_cr4_de_set_raises_ud)
{
	struct run_result r;
	run_guest("  mov rax, cr4\n  or rax, 8\n  mov cr4, rax\n  mov rbx, dr4\n", &r);
	cr_assert_eq(mem(&r, 0x81310), 1);
	run_result_free(&r);
}

/* SDM Vol.2 MOV DR (64-bit mode): writing 1s into bits 63:32 of DR6 or
 * DR7 raises #GP(0); DR0-DR3 take full 64-bit values. */
Test(engine_dr, dr7_and_dr6_high_bits_raise_gp)
{
	struct run_result r;
	run_guest("  mov rax, 0x100000000\n  mov dr7, rax\n  mov dr6, rax\n  mov dr0, rax\n  mov rbx, dr0\n", &r);
	cr_assert_eq(mem(&r, 0x81318), 2);
	cr_assert_eq(r.gprs[3], 0x100000000ull);
	cr_assert_eq(r.hw_dr[7], 0x400);
	run_result_free(&r);
}

/* SDM 17.2.5: a write watchpoint (R/W = 01) ignores reads; a read/write
 * watchpoint (R/W = 11) of LEN 8 matches a 1-byte read anywhere in its
 * aligned quadword; data breakpoints are traps (frame RIP = next insn). */
Test(engine_dr, read_write_watchpoint_len8_matches_reads_write_watchpoint_does_not)
{
	struct run_result r;
	/* slot 0: write, len 4 at watch; slot 1: rw, len 8 at watch+8 */
	run_guest("  mov rax, offset watch\n  mov dr0, rax\n  add rax, 8\n  mov dr1, rax\n"
		  "  mov rax, 0x00B10405\n  mov dr7, rax\n"
		  "  mov al, byte ptr [watch]\n"          /* read of the write-only slot: nothing */
		  "  mov al, byte ptr [watch+13]\n"       /* read inside slot 1's quadword: B1 */
		  "r1: nop\n", &r);
	cr_assert_eq(COUNT(&r), 1);
	cr_assert_eq(LOG(&r, 0), 0xFFFF0FF2);
	run_result_free(&r);
}

/* SDM 17.2.3: B0-B3 are replaced on each #DB, BD/BS/BT are never cleared
 * by the processor.  With the handler keeping DR6: an execute hit on slot 0
 * then a data hit on slot 1 reads 0xFFFF0FF2 (B0 gone); after a
 * single-step, BS stays set: 0xFFFF4FF1 on the next execute hit. */
Test(engine_dr, b0_b3_replaced_bs_sticky)
{
	struct run_result r;
	run_guest("  mov qword ptr [keep], 1\n  mov qword ptr [stop_tf_at], 1\n"
		  "  pushfq\n  or qword ptr [rsp], 0x100\n  popfq\n  nop\n"           /* #DB 0: BS */
		  "  lea rax, [rip+x1]\n  mov dr0, rax\n  mov rax, offset watch\n  mov dr1, rax\n"
		  "  mov rax, 0x00D00405\n  mov dr7, rax\n"
		  "x1: nop\n"                                                             /* #DB 1: B0 (+BS sticky) */
		  "  mov dword ptr [watch], 1\n"                                          /* #DB 2: B1 (+BS) */
		  "  nop\n", &r);
	cr_assert_eq(COUNT(&r), 3);
	cr_assert_eq(LOG(&r, 0), 0xFFFF4FF0);
	cr_assert_eq(LOG(&r, 1), 0xFFFF4FF1);
	cr_assert_eq(LOG(&r, 2), 0xFFFF4FF2);
	run_result_free(&r);
}

/* SDM 17.3.1.1: an instruction breakpoint is a fault (frame RIP = the
 * instruction) and RF = 1 in the IRET image lets it execute once. */
Test(engine_dr, execute_breakpoint_is_a_fault_and_rf_suppresses_once)
{
	struct run_result r;
	run_guest("  lea rax, [rip+brk]\n  mov dr0, rax\n  mov rax, 0x401\n  mov dr7, rax\n"
		  "  mov ecx, 2\nbrk: dec ecx\n  jnz brk\n", &r);
	cr_assert_eq(COUNT(&r), 2);
	cr_assert_eq(RIP(&r, 0), RIP(&r, 1));
	cr_assert_eq(LOG(&r, 0), 0xFFFF0FF1);
	run_result_free(&r);
}

/* SDM Vol.3 17.3.1.4: the trap follows every instruction that began with
 * TF = 1, so a POPF that clears TF still traps once: pushfq/and/popfq after
 * two NOPs give 5 traps (nop, nop, pushfq, and, popfq), each DR6 =
 * 0xFFFF4FF0 (also measured on real kvm_amd and /dev/kvm, docs/kvm-reference.md). */
Test(engine_dr, popf_that_clears_tf_still_traps)
{
	struct run_result r;
	run_guest("  pushfq\n  or qword ptr [rsp], 0x100\n  popfq\n  nop\n  nop\n"
		  "  pushfq\n  and qword ptr [rsp], ~0x100\n  popfq\n  nop\n  nop\n", &r);
	cr_assert_eq(COUNT(&r), 5);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(LOG(&r, i), 0xFFFF4FF0);
	run_result_free(&r);
}

/* ---- data-breakpoint traps where the engine's fast paths put them (issue 16,
 * cpu/engine/memhooks.c): "the processor generates the exception after it
 * executes the instruction that made the access" (SDM Vol.3 17.3.1.2), so the
 * frame RIP is the next instruction to execute: the one after the access in
 * the same block, or the branch target of a CALL/RET whose stack access hit.
 * The expected RIPs are the guest's own labels, stored at 0x81400 + 8 * i. */
#define EXPECT(i) mem(r, 0x81400 + 8 * (i))
#define SAVE_LABEL(l, i) "  lea rax, [rip+" l "]\n  mov [0x81400+8*" #i "], rax\n"
/* DR0 = watch, DR7: L0, R/W0 = 11 (read/write), LEN0 = 10 (8 bytes) */
#define ARM_RW8 "  mov rax, offset watch\n  mov dr0, rax\n  mov rax, 0xB0001\n  mov dr7, rax\n"

Test(engine_dr, data_traps_land_after_the_accessing_instruction)
{
	struct run_result rr, *r = &rr;
	run_guest(SAVE_LABEL("a1", 0) SAVE_LABEL("a2", 1) SAVE_LABEL("f", 2)
		  "  mov [0x81500], rsp\n" ARM_RW8
		  "  mov qword ptr [watch], 1\n"        /* store in the middle of a block */
		  "a1: nop\n  mov rbx, [watch]\n"        /* load in the middle of a block */
		  "a2: nop\n  lea rsp, [watch+8]\n  call f\n"   /* the call's push hits: trap at f */
		  "f: mov rsp, [0x81500]\n"
		  SAVE_LABEL("a4", 3) "  mov rsp, offset watch\n  mov [watch], rax\n"   /* RAX = a4 */
		  "  mov qword ptr [0x81600], 0\n  ret\n"        /* the ret's pop hits: trap at a4 */
		  "a4: mov rsp, [0x81500]\n  nop\n", r);
	cr_assert_eq(COUNT(r), 5, "%llu traps", (unsigned long long)COUNT(r));
	cr_assert_eq(RIP(r, 0), EXPECT(0));
	cr_assert_eq(RIP(r, 1), EXPECT(1));
	cr_assert_eq(RIP(r, 2), EXPECT(2));
	/* #DB 3: the store of a4's address into the watched slot (next: the
	 * MOV to 0x81600); #DB 4: the RET reading it, trap at a4 */
	cr_assert_eq(RIP(r, 4), EXPECT(3));
	for (int i = 0; i < 5; i++)
		cr_assert_eq(LOG(r, i), 0xFFFF0FF1, "DR6[%d] = 0x%llx", i, (unsigned long long)LOG(r, i));
	run_result_free(r);
}

/* A load that ends its block (JMP through memory: the block holds only it,
 * so no boundary inside the block needs watching) runs 1000 times with
 * nothing armed -- long enough for the engine to translate it with a load
 * that bypasses every hook (memhooks.c, "fast loads") -- then a read/write
 * watchpoint is armed on the pointer it reads: Unicorn 2.0.1 must
 * translate it again for the hook to see the load.  Each of the next 2
 * loads traps, RIP at the jump target (SDM Vol.3 17.3.1.2). */
Test(engine_dr, read_watchpoint_armed_after_loads_ran_unwatched)
{
	struct run_result rr, *r = &rr;
	run_guest(SAVE_LABEL("ld", 0)
		  "  mov [watch], rax\n  mov qword ptr [0x81508], 0\n  mov ecx, 1000\n"
		  "ld: dec ecx\n  jz 1f\n  jmp [watch]\n"
		  "1: cmp qword ptr [0x81508], 0\n  jne 9f\n  mov qword ptr [0x81508], 1\n"
		  ARM_RW8 "  mov ecx, 3\n  jmp ld\n9:\n", r);
	cr_assert_eq(COUNT(r), 2, "%llu traps", (unsigned long long)COUNT(r));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(RIP(r, i), EXPECT(0));
		cr_assert_eq(LOG(r, i), 0xFFFF0FF1);
	}
	run_result_free(r);
}

/* Stores need no retranslation (Unicorn 2.0.1 calls write hooks from every
 * store, memhooks.c): a CALL that pushes into the watched quadword ends its
 * block, so arming the write watchpoint after 1000 such calls retranslates
 * nothing, and each of the next 2 calls traps, RIP at the call's target
 * (SDM Vol.3 17.3.1.2). */
Test(engine_dr, write_watchpoint_armed_after_stores_ran_unwatched)
{
	struct run_result rr, *r = &rr;
	run_guest(SAVE_LABEL("fn", 0)
		  "  mov [0x81500], rsp\n  mov qword ptr [0x81508], 0\n  mov ecx, 1000\n"
		  "lp: mov rsp, offset watch+8\n  call fn\n"
		  "fn: mov rsp, [0x81500]\n  dec ecx\n  jnz lp\n"
		  "  cmp qword ptr [0x81508], 0\n  jne 9f\n  mov qword ptr [0x81508], 1\n"
		  "  mov rax, offset watch\n  mov dr0, rax\n  mov rax, 0x90001\n  mov dr7, rax\n"
		  "  mov ecx, 2\n  jmp lp\n9:\n", r);
	cr_assert_eq(COUNT(r), 2, "%llu traps", (unsigned long long)COUNT(r));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(RIP(r, i), EXPECT(0));
	run_result_free(r);
}

/* Past 64 blocks that need a hook after a memory instruction, the engine
 * watches every instruction with one hook (memhooks.c WATCH_MAX): the trap
 * still lands right after the access (SDM Vol.3 17.3.1.2). */
Test(engine_dr, data_trap_with_many_watched_blocks)
{
	struct run_result rr, *r = &rr;
	run_guest(SAVE_LABEL("a1", 0) ARM_RW8
		  ".rept 80\n  mov [watch+64], rax\n  nop\n  jmp 1f\n1:\n.endr\n"
		  "  mov [watch], rax\na1: nop\n", r);
	cr_assert_eq(COUNT(r), 1, "%llu traps", (unsigned long long)COUNT(r));
	cr_assert_eq(RIP(r, 0), EXPECT(0));
	run_result_free(r);
}
