/* test_conformance.c - the guest CPU's debug rules of issue 12 items 2, 3
 * and 7, each checked by a tiny guest whose #DB handler logs DR6 and the
 * frame RIP.  Every expected value comes from the Intel SDM / AMD APM
 * section cited at the test, or from the kvm-unit-tests case it restates
 * (x86/debug.c, x86/emulator.c; restated, not copied), never from hvsim's
 * own output.  The self-checking scenario versions of the same cases are
 * the files in scenarios/conformance/ (run by `hvsim check` under ctest).
 *
 * Guest layout (both modes): code at 0x1000; data page 0x80000 (IDT),
 * 0x81000 count, 0x81100 log[] (DR6, 8 bytes each), 0x81200 rips[] (frame
 * RIP), 0x81300 bps (#BP count), 0x81308 bp_rip, 0x81310 ud count,
 * 0x81318 aux; 0x82000 watched data; 0x83000 a 32-bit GDT.  The #DB
 * handler logs, clears DR6 and sets RF in the frame (so a returned-to
 * execute breakpoint does not hit again), as kvm-unit-tests' handler does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sim/run.h"

#define SYMS ".set idt, 0x80000\n.set count, 0x81000\n.set log, 0x81100\n.set rips, 0x81200\n" \
	".set bps, 0x81300\n.set bp_rip, 0x81308\n.set uds, 0x81310\n.set aux, 0x81318\n"     \
	".set watch, 0x82000\n.set gdt, 0x83000\n"

/* 64-bit: 16-byte interrupt gates, selector 8. */
#define PRO64                                                                  \
	"  mov rax, offset db_handler\n  mov rdi, 1\n  call setgate\n"          \
	"  mov rax, offset bp_handler\n  mov rdi, 3\n  call setgate\n"          \
	"  lidt [idtr]\n  jmp main\n"                                           \
	"setgate:\n  shl rdi, 4\n  mov word ptr [idt+rdi], ax\n"                \
	"  mov word ptr [idt+rdi+2], 8\n  mov byte ptr [idt+rdi+5], 0x8E\n"     \
	"  shr rax, 16\n  mov word ptr [idt+rdi+6], ax\n  ret\n"
#define EPI64                                                                  \
	"db_handler:\n  push rax\n  push rbx\n  mov rax, dr6\n"                 \
	"  mov rbx, [count]\n  mov [log+rbx*8], rax\n"                          \
	"  mov rax, [rsp+16]\n  mov [rips+rbx*8], rax\n  inc qword ptr [count]\n" \
	"  xor eax, eax\n  mov dr6, rax\n"                                      \
	"  pop rbx\n  pop rax\n  or qword ptr [rsp+16], 0x10000\n  iretq\n"     \
	"bp_handler:\n  inc qword ptr [bps]\n  push rax\n  mov rax, [rsp+8]\n"  \
	"  mov [bp_rip], rax\n  pop rax\n  iretq\n"                              \
	".balign 16\nidtr: .word 255\n  .quad idt\n"

/* 32-bit: 8-byte interrupt gates, selector 8; a flat GDT at `gdt` (code
 * 0x08, data 0x10) is built for the tests that load SS. */
#define PRO32                                                                  \
	"  mov eax, offset db_handler\n  mov edi, 1\n  call setgate\n"          \
	"  mov eax, offset bp_handler\n  mov edi, 3\n  call setgate\n"          \
	"  lidt [idtr]\n"                                                       \
	"  mov dword ptr [gdt+8], 0x0000FFFF\n  mov dword ptr [gdt+12], 0x00CF9B00\n" \
	"  mov dword ptr [gdt+16], 0x0000FFFF\n  mov dword ptr [gdt+20], 0x00CF9300\n" \
	"  lgdt [gdtr]\n  jmp main\n"                                           \
	"setgate:\n  shl edi, 3\n  mov word ptr [idt+edi], ax\n"                \
	"  mov word ptr [idt+edi+2], 8\n  mov byte ptr [idt+edi+5], 0x8E\n"     \
	"  shr eax, 16\n  mov word ptr [idt+edi+6], ax\n  ret\n"
#define EPI32                                                                  \
	"db_handler:\n  push eax\n  push ebx\n  mov eax, dr6\n"                 \
	"  mov ebx, [count]\n  mov [log+ebx*8], eax\n  mov dword ptr [log+ebx*8+4], 0\n" \
	"  mov eax, [esp+8]\n  mov [rips+ebx*8], eax\n  mov dword ptr [rips+ebx*8+4], 0\n" \
	"  inc dword ptr [count]\n"                                             \
	"  xor eax, eax\n  mov dr6, eax\n"                                      \
	"  pop ebx\n  pop eax\n  or dword ptr [esp+8], 0x10000\n  iretd\n"      \
	"bp_handler:\n  inc dword ptr [bps]\n  push eax\n  mov eax, [esp+4]\n"  \
	"  mov [bp_rip], eax\n  pop eax\n  iretd\n"                              \
	".balign 8\nidtr: .word 255\n  .long idt\n"                              \
	".balign 8\ngdtr: .word 23\n  .long gdt\n"

struct guest {
	int mode;               /* 64 or 32 */
	enum vendor vendor;     /* VENDOR_NONE, VENDOR_VMX, VENDOR_SVM */
	const char *policy;     /* NULL = the scenario's first */
	bool raw;               /* main_code is the whole program (no prologue/handlers) */
};

static void run_in(const struct guest *g, const char *main_code, struct run_result *r)
{
	static char yaml[32768];
	static char body[24576], ind[28000];
	char err[512];
	if (g->raw)
		snprintf(body, sizeof(body), SYMS "%s\n", main_code);
	else
		snprintf(body, sizeof(body), SYMS "%smain:\n%s\n  hlt\n%s", g->mode == 32 ? PRO32 : PRO64,
			 main_code, g->mode == 32 ? EPI32 : EPI64);
	size_t o = 0;
	for (const char *p = body; *p && o < sizeof(ind) - 8;) {
		memcpy(ind + o, "    ", 4);
		o += 4;
		while (*p && *p != '\n' && o < sizeof(ind) - 2)
			ind[o++] = *p++;
		if (*p == '\n')
			ind[o++] = *p++;
	}
	ind[o] = 0;
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: t\nvendor: %s\nguest:\n  mode: %d\n  base: 0x1000\n"
		 "  regs: { %s: 0x90000 }\n"
		 "  data:\n    - { addr: 0x80000, size: 0x11000 }\n  limits: { instructions: 100000 }\n"
		 "  asm: |\n%s",
		 g->vendor == VENDOR_VMX ? "vmx" : g->vendor == VENDOR_SVM ? "svm" : "none", g->mode,
		 g->mode == 32 ? "esp" : "rsp", ind);
	struct scenario *sc = scenario_load_buf("t.yaml", yaml, strlen(yaml), err, sizeof(err));
	cr_assert_not_null(sc, "%s", err);
	struct run_config cfg = { .vendor = g->vendor, .policy = g->policy };
	cr_assert_eq(sim_run(sc, &cfg, r, err, sizeof(err)), 0, "%s", err);
	scenario_free(sc);
	cr_assert_str_eq(engine_stop_name(r->stop), "halt", "stop: %s", r->stop_msg);
}

static uint64_t mem(const struct run_result *r, uint64_t a)
{
	for (unsigned i = 0; i < r->nmem_regions; i++)
		if (a >= r->mem_regions[i].addr && a + 8 <= r->mem_regions[i].addr + r->mem_regions[i].size) {
			uint64_t v;
			memcpy(&v, r->mem_copy + r->mem_regions[i].off + (a - r->mem_regions[i].addr), 8);
			return v;
		}
	cr_assert_fail("address 0x%llx not captured", (unsigned long long)a);
	return 0;
}
#define COUNT(r) (mem(r, 0x81000) & 0xFFFFFFFF)
#define LOG(r, i) mem(r, 0x81100 + 8 * (i))
#define RIP(r, i) mem(r, 0x81200 + 8 * (i))
#define AUX(r, i) mem(r, 0x81318 + 8 * (i))
#define BPS(r) (mem(r, 0x81300) & 0xFFFFFFFF)
#define BP_RIP(r) mem(r, 0x81308)

static void expect_log(const struct run_result *r, unsigned n, const uint64_t *dr6, const uint64_t *rip)
{
	cr_assert_eq(COUNT(r), n, "#DBs logged: %llu, want %u", (unsigned long long)COUNT(r), n);
	for (unsigned i = 0; i < n; i++) {
		cr_expect_eq(LOG(r, i), dr6[i], "DR6[%u] = 0x%llx, want 0x%llx", i,
			     (unsigned long long)LOG(r, i), (unsigned long long)dr6[i]);
		if (rip)
			cr_expect_eq(RIP(r, i), rip[i], "RIP[%u] = 0x%llx, want 0x%llx", i,
				     (unsigned long long)RIP(r, i), (unsigned long long)rip[i]);
	}
	cr_expect_eq(r->st.db_guest_missed, 0);
	cr_expect_eq(r->st.db_guest_spurious, 0);
	cr_expect_eq(r->nviol, 0, "violations: %zu (%s)", r->nviol, r->nviol ? r->viol[0].detail : "");
}

/* ==== item 7 (b): single-step through an IDT handler, both modes ==========
 *
 * kvm-unit-tests x86/debug.c singlestep_basic, restated: POPF that sets TF
 * traps first after the *next* instruction (SDM Vol.3 17.3.1.4, 6.8.3);
 * each trap is DR6 = DR6_ACTIVE_LOW | DR6_BS = 0xFFFF4FF0 with the frame RIP
 * at the next instruction; the POPF that clears TF still traps.  The
 * handler is entered through an interrupt gate that clears TF (SDM 6.12.1.3)
 * -- the step Unicorn's 32-bit mode used to lose (UC_X86_REG_RFLAGS is
 * ignored there): the 32-bit run did not reach HLT. */
#define SS_BASIC(W, AX)                                                         \
	"  pushf" W "\n  pop " AX "\n  or " AX ", 0x100\n  push " AX "\n  popf" W "\n" \
	"  and " AX ", ~0x100\n"                                                \
	"s0: push " AX "\n"                                                     \
	"s1: popf" W "\n"                                                       \
	"s2: nop\n"

static void single_step_basic(int mode)
{
	struct guest g = { .mode = mode, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g, mode == 64 ? SS_BASIC("q", "rax") : SS_BASIC("d", "eax"), &r);
	/* traps after: and (frame RIP s0), push (s1), popf (s2) */
	uint64_t dr6[3] = { 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	cr_assert_eq(COUNT(&r), 3);
	expect_log(&r, 3, dr6, NULL);
	cr_expect_eq(RIP(&r, 1) - RIP(&r, 0), 1, "push is 1 byte");
	cr_expect_eq(RIP(&r, 2) - RIP(&r, 1), 1, "popf is 1 byte");
	run_result_free(&r);
}

Test(conformance, single_step_with_idt_handler_64)
{
	single_step_basic(64);
}

Test(conformance, single_step_with_idt_handler_32)
{
	single_step_basic(32);
}

/* ==== item 7 (a): guest.instructions under single-step =====================
 *
 * Counted by hand.  Main path: 7 instructions of IDT setup, mov ecx, then
 * pushfq/or/popfq (11); the loop dec/jnz three times (6); pushfq/and/popfq
 * (3); hlt (1) = 21.  TF is 1 from the instruction after the first popfq
 * (SDM 17.3.1.4) up to and including the last popfq: traps after 3 dec,
 * 3 jnz, pushfq, and, popfq = 9, each running the 2-instruction handler
 * (inc, iretq) = 18.  Total 39.  Two of the jnz are taken backward; the
 * engine used to un-count the jnz whenever the trap's RIP (the branch
 * target) lay below it (engine_leave_block), giving 37. */
Test(conformance, instruction_count_single_step_over_backward_branch)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE, .raw = true };
	struct run_result r;
	run_in(&g,
	       "  lea rax, [rip+h]\n  mov word ptr [idt+16], ax\n  mov word ptr [idt+18], 8\n"
	       "  mov byte ptr [idt+21], 0x8E\n  shr rax, 16\n  mov word ptr [idt+22], ax\n"
	       "  lidt [idtr]\n  mov ecx, 3\n  pushfq\n  or qword ptr [rsp], 0x100\n  popfq\n"
	       "l: dec ecx\n  jnz l\n  pushfq\n  and qword ptr [rsp], ~0x100\n  popfq\n  hlt\n"
	       "h: inc qword ptr [count]\n  iretq\n"
	       ".balign 16\nidtr: .word 255\n  .quad idt\n",
	       &r);
	cr_assert_eq(COUNT(&r), 9);
	cr_expect_eq(r.st.guest_instructions, 39, "guest.instructions = %llu",
		     (unsigned long long)r.st.guest_instructions);
	run_result_free(&r);
}

/* The same loop in 32-bit mode (8-byte gates, iretd): also 39. */
Test(conformance, instruction_count_single_step_over_backward_branch_32)
{
	struct guest g = { .mode = 32, .vendor = VENDOR_NONE, .raw = true };
	struct run_result r;
	run_in(&g,
	       "  mov eax, offset h\n  mov word ptr [idt+8], ax\n  mov word ptr [idt+10], 8\n"
	       "  mov byte ptr [idt+13], 0x8E\n  shr eax, 16\n  mov word ptr [idt+14], ax\n"
	       "  lidt [idtr]\n  mov ecx, 3\n  pushfd\n  or dword ptr [esp], 0x100\n  popfd\n"
	       "l: dec ecx\n  jnz l\n  pushfd\n  and dword ptr [esp], ~0x100\n  popfd\n  hlt\n"
	       "h: inc dword ptr [count]\n  iretd\n"
	       ".balign 8\nidtr: .word 255\n  .long idt\n",
	       &r);
	cr_assert_eq(COUNT(&r), 9);
	cr_expect_eq(r.st.guest_instructions, 39, "guest.instructions = %llu",
		     (unsigned long long)r.st.guest_instructions);
	run_result_free(&r);
}
