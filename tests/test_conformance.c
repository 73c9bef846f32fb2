/* test_conformance.c - the guest CPU's debug rules of issue 12 items 2, 3
 * and 7, each checked by a tiny guest whose #DB handler logs DR6 and the
 * frame RIP.  Every expected value comes from the Intel SDM / AMD APM
 * section cited at the test, or from the kvm-unit-tests case it restates
 * (x86/debug.c, x86/emulator.c; restated, not copied), never from hvsim's
 * own output.  The self-checking scenario versions of the same cases are
 * the files in scenarios/conformance/ (run by `hvsim check` under ctest).
 *
 * Guest layout (both modes): code at 0x1000; data 0x80000-0xD0000 with the
 * IDT at 0x80000, 0x81000 count, 0x81100 log[] (DR6, 8 bytes each),
 * 0x81200 rips[] (frame RIP), 0x81300 bps (#BP count), 0x81308 bp_rip,
 * 0x81400 tags[] (R15 / EBP at the #DB: which access caused it), 0x81800
 * want[] (the frame RIP the source expects, written by the guest from its
 * labels), 0x82000 watched data, 0x83000 a 32-bit GDT; stack top 0x90000.
 * The #DB handler logs, clears DR6 and sets RF in the frame (so a
 * returned-to execute breakpoint does not hit again), as kvm-unit-tests'
 * handler does.  CONFORMANCE_DUMP=1 prints each generated scenario. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/run.h"
#include "tests/guest_run.h"

#define SYMS ".set idt, 0x80000\n.set count, 0x81000\n.set log, 0x81100\n.set rips, 0x81200\n" \
	".set bps, 0x81300\n.set bp_rip, 0x81308\n.set uds, 0x81310\n.set aux, 0x81318\n"     \
	".set watch, 0x82000\n.set gdt, 0x83000\n.set tags, 0x81400\n.set want, 0x81800\n"

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
	"  mov rax, [rsp+16]\n  mov [rips+rbx*8], rax\n  mov [tags+rbx*8], r15\n"       \
	"  inc qword ptr [count]\n"                                             \
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
	"  mov [tags+ebx*8], ebp\n  mov dword ptr [tags+ebx*8+4], 0\n"           \
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
	if (g->raw)
		snprintf(body, sizeof(body), SYMS "%s\n", main_code);
	else
		snprintf(body, sizeof(body), SYMS "%smain:\n%s\n  hlt\n%s", g->mode == 32 ? PRO32 : PRO64,
			 main_code, g->mode == 32 ? EPI32 : EPI64);
	guest_indent(body, ind, sizeof(ind));
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: t\nvendor: %s\nguest:\n  mode: %d\n  base: 0x1000\n"
		 "  regs: { %s: 0x90000 }\n"
		 "  data:\n    - { addr: 0x80000, size: 0x50000 }\n  limits: { instructions: 100000 }\n"
		 "  asm: |\n%s",
		 g->vendor == VENDOR_VMX ? "vmx" : g->vendor == VENDOR_SVM ? "svm" : "none", g->mode,
		 g->mode == 32 ? "esp" : "rsp", ind);
	if (getenv("CONFORMANCE_DUMP"))
		fputs(yaml, stderr);
	struct run_config cfg = { .vendor = g->vendor, .policy = g->policy };
	guest_run_yaml(yaml, &cfg, r);
}

#define mem guest_mem
#define COUNT(r) (mem(r, 0x81000) & 0xFFFFFFFF)
#define LOG(r, i) mem(r, 0x81100 + 8 * (i))
#define RIP(r, i) mem(r, 0x81200 + 8 * (i))
#define TAG(r, i) mem(r, 0x81400 + 8 * (i))
#define WANT(r, i) mem(r, 0x81800 + 8 * (i))
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

/* ==== item 2: data breakpoints match any overlapping byte ===================
 *
 * SDM Vol.3 17.2.5 "Breakpoint Field Recognition": "A data breakpoint for
 * reading or writing data is triggered if any of the bytes participating in
 * an access is within the range defined by a breakpoint address register
 * and its LENn field", with the example table ("Breakpoint Examples"):
 *   DR0 = A0001H R/W0 = 11 (read/write) LEN0 = 00 (1 byte)
 *   DR1 = A0002H R/W1 = 01 (write)      LEN1 = 00 (1 byte)
 *   DR2 = B0002H R/W2 = 11 (read/write) LEN2 = 01 (2 bytes)
 *   DR3 = C0000H R/W3 = 01 (write)      LEN3 = 11 (4 bytes)
 * Accesses that trap: r/w A0001H len 1 and 2; write A0002H len 1 and 2;
 * r/w B0001H len 4; r/w B0002H len 1 and 2; write C0000H len 4; write
 * C0001H len 2; write C0003H len 1.  Accesses that do not: r/w A0000H
 * len 1; read A0002H len 1; r/w A0003H len 4; r/w B0000H len 2; read
 * C0000H len 2; r/w C0004H len 4.
 * The B bits of each trap follow from the same rule per slot (SDM 17.2.3:
 * Bn is set when breakpoint n's condition is met): the write of 2 bytes at
 * A0001H meets both DR0 and DR1.  Each access is a trap: the frame RIP is
 * the next instruction (SDM 17.3.1.2), here the label the guest stored in
 * want[tag].  DR7 = L0-L3 | 0x400 | R/W,LEN fields = 0xD7130455. */
struct access { uint64_t addr; unsigned len; bool write; unsigned hit; };

static const struct access sdm_table[] = {
	{ 0xA0001, 1, false, 1 }, { 0xA0001, 1, true, 1 },
	{ 0xA0001, 2, false, 1 }, { 0xA0001, 2, true, 3 },
	{ 0xA0002, 1, true, 2 }, { 0xA0002, 2, true, 2 },
	{ 0xB0001, 4, false, 4 }, { 0xB0001, 4, true, 4 },
	{ 0xB0002, 1, false, 4 }, { 0xB0002, 1, true, 4 },
	{ 0xB0002, 2, false, 4 }, { 0xB0002, 2, true, 4 },
	{ 0xC0000, 4, true, 8 }, { 0xC0001, 2, true, 8 }, { 0xC0003, 1, true, 8 },
	/* no trap */
	{ 0xA0000, 1, false, 0 }, { 0xA0000, 1, true, 0 },
	{ 0xA0002, 1, false, 0 },
	{ 0xA0003, 4, false, 0 }, { 0xA0003, 4, true, 0 },
	{ 0xB0000, 2, false, 0 }, { 0xB0000, 2, true, 0 },
	{ 0xC0000, 2, false, 0 },
	{ 0xC0004, 4, false, 0 }, { 0xC0004, 4, true, 0 },
};

/* The guest code for a list of accesses: per access, want[i] = the label
 * after it, tag register = i, then the access. */
static void gen_accesses(char *buf, size_t size, int mode, const struct access *a, unsigned n)
{
	static const char *const ptr[9] = { [1] = "byte", [2] = "word", [4] = "dword", [8] = "qword" };
	static const char *const reg[9] = { [1] = "al", [2] = "ax", [4] = "eax", [8] = "rax" };
	size_t o = 0;
	for (unsigned i = 0; i < n && o < size; i++) {
		const char *tag = mode == 64 ? "r15" : "ebp";
		if (mode == 64)
			o += (size_t)snprintf(buf + o, size - o, "  lea rax, [rip+e_%u]\n  mov [want+%u], rax\n", i, 8 * i);
		else
			o += (size_t)snprintf(buf + o, size - o, "  mov dword ptr [want+%u], offset e_%u\n", 8 * i, i);
		o += (size_t)snprintf(buf + o, size - o, "  mov %s, %u\n", tag, i);
		if (a[i].write)
			o += (size_t)snprintf(buf + o, size - o, "  mov %s ptr [0x%llx], %s\ne_%u:\n", ptr[a[i].len],
					      (unsigned long long)a[i].addr, reg[a[i].len], i);
		else
			o += (size_t)snprintf(buf + o, size - o, "  mov %s, %s ptr [0x%llx]\ne_%u:\n", reg[a[i].len],
					      ptr[a[i].len], (unsigned long long)a[i].addr, i);
	}
}

/* The #DBs logged for a list of n accesses, in order: access i (tag i)
 * with hit[i] != 0 gives one #DB with DR6 = 0xFFFF0FF0 | hit[i] and the
 * frame RIP the guest stored in want[i]; the others none. */
static void check_hits(const struct run_result *r, const unsigned *hit, const char *const *what, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!hit[i])
			continue;
		cr_assert_lt(k, COUNT(r), "access %u (%s) did not trap", i, what[i]);
		cr_expect_eq(TAG(r, k), i, "#DB %u came from access %llu, want %u", k,
			     (unsigned long long)TAG(r, k), i);
		cr_expect_eq(LOG(r, k), 0xFFFF0FF0ull | hit[i], "access %u (%s): DR6 0x%llx, want 0x%llx", i,
			     what[i], (unsigned long long)LOG(r, k), 0xFFFF0FF0ull | hit[i]);
		cr_expect_eq(RIP(r, k), WANT(r, i), "access %u (%s): frame RIP 0x%llx, want 0x%llx", i, what[i],
			     (unsigned long long)RIP(r, k), (unsigned long long)WANT(r, i));
		k++;
	}
	cr_expect_eq(COUNT(r), k, "%llu #DBs, want %u", (unsigned long long)COUNT(r), k);
	cr_expect_eq(r->st.db_guest_delivered, k);
	cr_expect_eq(r->st.db_guest_missed, 0);
	cr_expect_eq(r->st.db_guest_spurious, 0);
	cr_expect_eq(r->nviol, 0, "violations: %zu (%s)", r->nviol, r->nviol ? r->viol[0].detail : "");
}

static void check_accesses(const struct run_result *r, const struct access *a, unsigned n)
{
	static unsigned hit[64];
	static char text[64][48];
	static const char *what[64];
	cr_assert_leq(n, 64);
	for (unsigned i = 0; i < n; i++) {
		hit[i] = a[i].hit;
		snprintf(text[i], sizeof(text[i]), "0x%llx len %u %s", (unsigned long long)a[i].addr, a[i].len,
			 a[i].write ? "write" : "read");
		what[i] = text[i];
	}
	check_hits(r, hit, what, n);
}

static void sdm_breakpoint_examples(int mode, enum vendor v)
{
	static char code[16384];
	unsigned n = sizeof(sdm_table) / sizeof(sdm_table[0]);
	const char *arm64 = "  mov rax, 0xA0001\n  mov dr0, rax\n  mov rax, 0xA0002\n  mov dr1, rax\n"
			    "  mov rax, 0xB0002\n  mov dr2, rax\n  mov rax, 0xC0000\n  mov dr3, rax\n"
			    "  mov rax, 0xD7130455\n  mov dr7, rax\n";
	const char *arm32 = "  mov eax, 0xA0001\n  mov dr0, eax\n  mov eax, 0xA0002\n  mov dr1, eax\n"
			    "  mov eax, 0xB0002\n  mov dr2, eax\n  mov eax, 0xC0000\n  mov dr3, eax\n"
			    "  mov eax, 0xD7130455\n  mov dr7, eax\n";
	size_t o = (size_t)snprintf(code, sizeof(code), "%s", mode == 64 ? arm64 : arm32);
	gen_accesses(code + o, sizeof(code) - o, mode, sdm_table, n);
	struct guest g = { .mode = mode, .vendor = v };
	struct run_result r;
	run_in(&g, code, &r);
	check_accesses(&r, sdm_table, n);
	run_result_free(&r);
}

Test(conformance, sdm_breakpoint_examples_table_64)
{
	sdm_breakpoint_examples(64, VENDOR_NONE);
}

Test(conformance, sdm_breakpoint_examples_table_32)
{
	sdm_breakpoint_examples(32, VENDOR_NONE);
}

/* The same table through a hypervisor: the guest's DRs reach the hardware
 * through KVM's switching (today's bp_enabled preset), the oracle checks
 * the guest's own view. */
Test(conformance, sdm_breakpoint_examples_table_vmx)
{
	sdm_breakpoint_examples(64, VENDOR_VMX);
}

Test(conformance, sdm_breakpoint_examples_table_svm)
{
	sdm_breakpoint_examples(64, VENDOR_SVM);
}

/* Accesses given as code: `want` names the label the trap's frame RIP must
 * hold (NULL = the label right after the code, i.e. the next instruction). */
struct caccess { const char *code; const char *want; unsigned hit; };

static void run_caccesses(int mode, const char *arm, const struct caccess *a, unsigned n, const char *tail)
{
	static char code[16384];
	size_t o = (size_t)snprintf(code, sizeof(code), "%s", arm);
	for (unsigned i = 0; i < n && o < sizeof(code); i++) {
		char want[32];
		snprintf(want, sizeof(want), "e_%u", i);
		if (mode == 64)
			o += (size_t)snprintf(code + o, sizeof(code) - o,
					      "  lea rax, [rip+%s]\n  mov [want+%u], rax\n  mov r15, %u\n%s\ne_%u:\n",
					      a[i].want ? a[i].want : want, 8 * i, i, a[i].code, i);
		else
			o += (size_t)snprintf(code + o, sizeof(code) - o,
					      "  mov dword ptr [want+%u], offset %s\n  mov ebp, %u\n%s\ne_%u:\n", 8 * i,
					      a[i].want ? a[i].want : want, i, a[i].code, i);
	}
	snprintf(code + o, sizeof(code) - o, "  jmp tail_end\n%s\ntail_end:\n", tail ? tail : "");
	struct guest g = { .mode = mode, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g, code, &r);
	static unsigned hit[64];
	static const char *what[64];
	cr_assert_leq(n, 64);
	for (unsigned i = 0; i < n; i++) {
		hit[i] = a[i].hit;
		what[i] = a[i].code;
	}
	check_hits(&r, hit, what, n);
	run_result_free(&r);
}

/* SDM 17.2.5: LENn = 10 is an 8-byte range (aligned, "the processor uses
 * LENn to mask the lower address bits"); any overlapping byte hits, so a
 * qword read starting 7 bytes below hits and one ending just below does
 * not.  DR0 = watch, R/W0 = 11, LEN0 = 10: DR7 = 0x000B0401. */
Test(conformance, eight_byte_range_any_overlapping_byte)
{
	static const struct caccess a[] = {
		{ "  mov al, byte ptr [watch+7]", NULL, 1 },
		{ "  mov al, byte ptr [watch+8]", NULL, 0 },
		{ "  mov rax, qword ptr [watch-7]", NULL, 1 },
		{ "  mov eax, dword ptr [watch-4]", NULL, 0 },
		{ "  mov qword ptr [watch], rax", NULL, 1 },
		{ "  mov ax, word ptr [watch-1]", NULL, 1 },
		{ "  mov rax, qword ptr [watch+8]", NULL, 0 },
	};
	run_caccesses(64, "  mov rax, offset watch\n  mov dr0, rax\n  mov rax, 0x000B0401\n  mov dr7, rax\n", a,
		      sizeof(a) / sizeof(a[0]), NULL);
}

/* SDM 17.2.5 + 17.2.3: one access overlapping two ranges meets both
 * conditions, so both B bits are set in the one #DB.  DR0 = watch,
 * DR1 = watch+4, both R/W = 11 LEN = 11 (4 bytes): DR7 = 0x00FF0405. */
Test(conformance, access_spanning_two_ranges_sets_both_b_bits)
{
	static const struct caccess a[] = {
		{ "  mov rax, qword ptr [watch]", NULL, 3 },
		{ "  mov rax, qword ptr [watch-2]", NULL, 3 },
		{ "  mov word ptr [watch+3], ax", NULL, 3 },
		{ "  mov eax, dword ptr [watch+4]", NULL, 2 },
		{ "  mov byte ptr [watch+8], al", NULL, 0 },
	};
	run_caccesses(64, "  mov rax, offset watch\n  mov dr0, rax\n  add rax, 4\n  mov dr1, rax\n"
			  "  mov rax, 0x00FF0405\n  mov dr7, rax\n", a, sizeof(a) / sizeof(a[0]), NULL);
}

/* Unaligned accesses that cross a page: the bytes on both pages count
 * (SDM 17.2.5, any byte of the access); bytes of the aligned-down quadword
 * that the access does not touch do not.  DR0 = 0x85004 len 1 r/w,
 * DR1 = 0x84FF8 len 4 r/w: DR7 = 0x00F30405. */
Test(conformance, page_crossing_access_matches_its_own_bytes_only)
{
	static const struct caccess a[] = {
		{ "  mov rax, qword ptr [0x84FFD]", NULL, 1 },
		{ "  mov qword ptr [0x84FFD], rax", NULL, 1 },
		{ "  mov eax, dword ptr [0x84FFE]", NULL, 0 },
		{ "  mov rax, qword ptr [0x84FFB]", NULL, 2 },
	};
	run_caccesses(64, "  mov rax, 0x85004\n  mov dr0, rax\n  mov rax, 0x84FF8\n  mov dr1, rax\n"
			  "  mov rax, 0x00F30405\n  mov dr7, rax\n", a, sizeof(a) / sizeof(a[0]), NULL);
}

/* String instructions access memory like any other (SDM 17.2.5 makes no
 * exception): MOVS reads [RSI] and writes [RDI], each matched on its own;
 * STOS/LODS starting below the range overlap it.  DR0 = watch len 1 write
 * (R/W0 = 01), DR1 = watch+0x100 len 4 r/w: DR7 = 0x00F10405.
 * REP STOSB over watch-2..watch+1: the data breakpoint is reported after
 * the iteration that wrote watch, with RCX and RDI updated and RIP still at
 * the REP instruction because iterations remain (SDM Vol.3 17.3.1.2 for
 * repeated string instructions: "after the iteration in which the memory
 * address breakpoint location is accessed"; Vol.2 REP: an interrupted
 * repeated string instruction resumes from the saved registers). */
Test(conformance, string_instructions_movs_stos_lods_rep)
{
	static const struct caccess a[] = {
		{ "  mov rsi, offset watch+0x100\n  mov rdi, offset watch\n  movsb", NULL, 3 },
		{ "  mov rdi, offset watch-2\n  stosd", NULL, 1 },
		{ "  mov rsi, offset watch+0xFC\n  lodsq", NULL, 2 },
		{ "  mov rsi, offset watch+0x200\n  mov rdi, offset watch+0x300\n  movsq", NULL, 0 },
		{ "  mov rdi, offset watch-2\n  mov ecx, 4\nrep_i:\n  rep stosb", "rep_i", 1 },
	};
	run_caccesses(64, "  cld\n  mov rax, offset watch\n  mov dr0, rax\n  add rax, 0x100\n  mov dr1, rax\n"
			  "  mov rax, 0x00F10405\n  mov dr7, rax\n", a, sizeof(a) / sizeof(a[0]), NULL);
}

/* The stack accesses of PUSH/POP/CALL/RET are data accesses (SDM 17.2.5).
 * RSP starts at 0x8FFF8 (8 mod 16) and DR0 = the quadword below it,
 * 0x8FFF0, r/w, LEN 8: DR7 = 0x000B0401.  PUSH writes it, POP reads it;
 * CALL writes the return address there (trap: frame RIP = the call
 * target), RET reads it (frame RIP = the return address).  The RSP
 * alignment keeps the #DB frame itself off the watched quadword: 64-bit
 * delivery aligns RSP down to 16 before pushing SS (SDM 6.14.2), so from
 * RSP = 0x8FFF8 the frame starts at 0x8FFE8.  From RSP = 0x90000 the #DB
 * frame of the POP's trap would write the watched quadword itself (its SS
 * slot) and raise one more #DB (event_delivery_stack_write_is_a_data_access). */
Test(conformance, push_pop_call_ret_stack_accesses)
{
	static const struct caccess a[] = {
		{ "  push rax", NULL, 1 },
		{ "  pop rbx", NULL, 1 },
		{ "  call fn", "fn", 1 },
		{ "  nop", "e_2", 1 },         /* fn's RET (fn sets the tag) */
		{ "  mov rax, [rsp-16]\n  mov [rsp], rax\n  sub rsp, 16\n  push rax\n  pop rax\n  add rsp, 16", NULL, 0 },
	};
	run_caccesses(64, "  sub rsp, 8\n  mov rax, 0x8FFF0\n  mov dr0, rax\n  mov rax, 0x000B0401\n  mov dr7, rax\n",
		      a, sizeof(a) / sizeof(a[0]),
		      "fn:\n  mov r15, 3\n  ret\n");
}

/* The processor's own stack writes while delivering an event are data
 * accesses too: the SDM lists no exception to "any of the bytes
 * participating in an access" (17.2.5), and the #DB storm of CVE-2015-8104
 * (KVM "KVM: svm: unconditionally intercept #DB", Xen XSA-156) is exactly a
 * data breakpoint on the stack slot that #DB delivery writes.  Being a data
 * breakpoint the match is a trap (SDM 17.3.1.2), taken at the boundary after
 * the delivery, i.e. before the handler's first instruction: INT3 with
 * RSP = 0x8FFF8 pushes the #BP frame from 0x8FFF0 down (SS, RSP, RFLAGS,
 * CS, RIP at 0x8FFC8; SDM 6.14.2); a write watch on 0x8FFC8 gives one #DB
 * whose frame RIP is bp_handler's first instruction, DR6 = B0.  The #DB
 * frame (from RSP 0x8FFC8, aligned to 0x8FFC0) does not touch 0x8FFC8, so
 * there is exactly one; the #BP handler then runs once. */
Test(conformance, event_delivery_stack_write_is_a_data_access)
{
	static const struct caccess a[] = {
		{ "  int3", "bp_handler", 1 },
		{ "  nop", NULL, 0 },
	};
	run_caccesses(64, "  sub rsp, 8\n  mov rax, 0x8FFC8\n  mov dr0, rax\n  mov rax, 0x00090401\n  mov dr7, rax\n",
		      a, sizeof(a) / sizeof(a[0]), NULL);
}

/* The same SDM table against the pure rule (cpu/dr.c), which the oracle
 * applies to the owner's architectural DRs. */
Test(conformance, sdm_breakpoint_examples_table_dr_match_data)
{
	uint64_t dr[8] = { 0xA0001, 0xA0002, 0xB0002, 0xC0000, 0, 0, 0xFFFF0FF0, 0xD7130455 };
	for (unsigned i = 0; i < sizeof(sdm_table) / sizeof(sdm_table[0]); i++) {
		const struct access *a = &sdm_table[i];
		cr_expect_eq(dr_match_data(dr, a->addr, a->len, a->write), a->hit,
			     "0x%llx len %u %s: 0x%x, want 0x%x", (unsigned long long)a->addr, a->len,
			     a->write ? "write" : "read", dr_match_data(dr, a->addr, a->len, a->write), a->hit);
	}
}

/* ==== item 3: MOV SS / POP SS blocking ====================================== */

/* kvm-unit-tests x86/debug.c singlestep_with_movss_blocking, restated: TF
 * set by POPF, then MOV SS: "MOVSS blocking suppresses single-step #DBs ...
 * the first single-step #DB should occur after MOVSS blocking expires"
 * (SDM Vol.3 6.8.3: a single-step trap that would follow MOV SS/POP SS is
 * suppressed).  Traps after: the AND following MOV SS (frame RIP s0), the
 * PUSH (s1), the clearing POPF (s2): 3, each DR6 = 0xFFFF4FF0. */
static const char movss_step64[] =
	"  pushfq\n  pop rax\n  or rax, 0x100\n  push rax\n  mov bx, ss\n  popfq\n  mov ss, bx\n"
	"  and rax, ~0x100\ns0: push rax\ns1: popfq\ns2: nop\n"
	"  lea rax, [rip+s0]\n  mov [want], rax\n  lea rax, [rip+s1]\n  mov [want+8], rax\n"
	"  lea rax, [rip+s2]\n  mov [want+16], rax\n";
static const char movss_step32[] =
	"  pushfd\n  pop eax\n  or eax, 0x100\n  push eax\n  mov bx, 0x10\n  popfd\n  mov ss, bx\n"
	"  and eax, ~0x100\ns0: push eax\ns1: popfd\ns2: nop\n"
	"  mov dword ptr [want], offset s0\n  mov dword ptr [want+8], offset s1\n"
	"  mov dword ptr [want+16], offset s2\n";
static const char popss_step32[] =
	"  pushfd\n  pop eax\n  or eax, 0x100\n  push 0x10\n  push eax\n  popfd\n  pop ss\n"
	"  and eax, ~0x100\ns0: push eax\ns1: popfd\ns2: nop\n"
	"  mov dword ptr [want], offset s0\n  mov dword ptr [want+8], offset s1\n"
	"  mov dword ptr [want+16], offset s2\n";

static void movss_single_step(int mode, const char *code)
{
	struct guest g = { .mode = mode, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g, code, &r);
	uint64_t dr6[3] = { 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	uint64_t rip[3] = { WANT(&r, 0), WANT(&r, 1), WANT(&r, 2) };
	expect_log(&r, 3, dr6, rip);
	run_result_free(&r);
}

Test(conformance, single_step_over_mov_ss_traps_after_the_next_instruction_64)
{
	movss_single_step(64, movss_step64);
}

Test(conformance, single_step_over_mov_ss_traps_after_the_next_instruction_32)
{
	movss_single_step(32, movss_step32);
}

Test(conformance, single_step_over_pop_ss_traps_after_the_next_instruction_32)
{
	movss_single_step(32, popss_step32);
}

/* kvm-unit-tests x86/debug.c singlestep_with_sti_blocking, restated: "STI
 * blocking doesn't suppress #DBs": traps after STI (frame RIP s0), the AND
 * (s1), the PUSH (s2), the POPF (s3); 4 x 0xFFFF4FF0. */
Test(conformance, sti_blocking_does_not_suppress_single_step)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       "  cli\n  pushfq\n  pop rax\n  or rax, 0x100\n  push rax\n  popfq\n  sti\n"
	       "s0: and rax, ~0x100\ns1: push rax\ns2: popfq\ns3: nop\n"
	       "  lea rax, [rip+s0]\n  mov [want], rax\n  lea rax, [rip+s1]\n  mov [want+8], rax\n"
	       "  lea rax, [rip+s2]\n  mov [want+16], rax\n  lea rax, [rip+s3]\n  mov [want+24], rax\n",
	       &r);
	uint64_t dr6[4] = { 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	uint64_t rip[4] = { WANT(&r, 0), WANT(&r, 1), WANT(&r, 2), WANT(&r, 3) };
	expect_log(&r, 4, dr6, rip);
	run_result_free(&r);
}

/* kvm-unit-tests x86/debug.c singlestep_with_movss_blocking_and_icebp,
 * restated: ICEBP right after MOV SS (TF = 1) is an ordinary trap-like #DB
 * with empty DR6 (0xFFFF0FF0) and frame RIP past the F1 (s0), so is the
 * second ICEBP (s1); then single-steps after the AND (s2), PUSH (s3) and
 * POPF (s4) with DR6 = 0xFFFF4FF0: 5 #DBs. */
Test(conformance, icebp_after_mov_ss_with_single_step)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       "  pushfq\n  pop rax\n  or rax, 0x100\n  push rax\n  mov bx, ss\n  popfq\n  mov ss, bx\n"
	       "  .byte 0xf1\ns0: .byte 0xf1\ns1: and rax, ~0x100\ns2: push rax\ns3: popfq\ns4: nop\n"
	       "  lea rax, [rip+s0]\n  mov [want], rax\n  lea rax, [rip+s1]\n  mov [want+8], rax\n"
	       "  lea rax, [rip+s2]\n  mov [want+16], rax\n  lea rax, [rip+s3]\n  mov [want+24], rax\n"
	       "  lea rax, [rip+s4]\n  mov [want+32], rax\n",
	       &r);
	uint64_t dr6[5] = { 0xFFFF0FF0, 0xFFFF0FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	uint64_t rip[5] = { WANT(&r, 0), WANT(&r, 1), WANT(&r, 2), WANT(&r, 3), WANT(&r, 4) };
	expect_log(&r, 5, dr6, rip);
	run_result_free(&r);
}

/* kvm-unit-tests x86/debug.c singlestep_with_movss_blocking_and_dr7_gd,
 * restated: "MOVSS blocking does NOT suppress General Detect #DBs, which
 * have fault-like behavior"; GD is cleared on delivery (SDM 17.2.4), the
 * MOV DR6 is re-executed and single-stepped.  #DBs: GD at s0 (DR6 =
 * 0xFFFF2FF0, fault: frame RIP = the MOV), then BS after the MOV (s1), the
 * AND (s2), PUSH (s3), POPF (s4). */
Test(conformance, general_detect_is_not_suppressed_by_mov_ss_blocking)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       "  lea rax, [rip+s0]\n  mov [want], rax\n  lea rax, [rip+s1]\n  mov [want+8], rax\n"
	       "  lea rax, [rip+s2]\n  mov [want+16], rax\n  lea rax, [rip+s3]\n  mov [want+24], rax\n"
	       "  lea rax, [rip+s4]\n  mov [want+32], rax\n"
	       "  mov rax, 0x2400\n  mov dr7, rax\n  xor ecx, ecx\n"
	       "  pushfq\n  pop rax\n  or rax, 0x100\n  push rax\n  mov bx, ss\n  popfq\n  mov ss, bx\n"
	       "s0: mov dr6, rcx\ns1: and rax, ~0x100\ns2: push rax\ns3: popfq\ns4: nop\n",
	       &r);
	uint64_t dr6[5] = { 0xFFFF2FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	uint64_t rip[5] = { WANT(&r, 0), WANT(&r, 1), WANT(&r, 2), WANT(&r, 3), WANT(&r, 4) };
	expect_log(&r, 5, dr6, rip);
	run_result_free(&r);
}

/* The watchpoint cases of kvm-unit-tests x86/debug.c, restated: DR1 =
 * &value (value = the SS selector), DR7 = 0x00F0040A (G1, R/W1 = 11, LEN1 =
 * 4 bytes); MOV SS, [value] hits it.  SDM Vol.3 6.8.3: the data breakpoint
 * "is inhibited until the instruction boundary following the next
 * instruction"; DR6 of the #DB that reports it has B1 (SDM 17.2.3), i.e.
 * 0xFFFF0FF2 with the handler clearing DR6. */
#define WATCH_SS64                                                              \
	"  mov word ptr [watch], ss\n  mov rax, offset watch\n  mov dr1, rax\n"      \
	"  mov rax, 0x00F0040A\n  mov dr7, rax\n"
#define WATCH_SS32                                                              \
	"  mov word ptr [watch], 0x10\n  mov eax, offset watch\n  mov dr1, eax\n"    \
	"  mov eax, 0x00F0040A\n  mov dr7, eax\n"

/* ... next instruction a NOP: one #DB after the NOP (frame RIP s0), none
 * between MOV SS and the NOP. */
static void movss_watch_nop(int mode, const char *code)
{
	struct guest g = { .mode = mode, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g, code, &r);
	uint64_t dr6[1] = { 0xFFFF0FF2 };
	uint64_t rip[1] = { WANT(&r, 0) };
	expect_log(&r, 1, dr6, rip);
	run_result_free(&r);
}

Test(conformance, mov_ss_data_breakpoint_is_delivered_after_the_next_instruction_64)
{
	movss_watch_nop(64, WATCH_SS64 "  lea rax, [rip+s0]\n  mov [want], rax\n"
			    "  mov ss, word ptr [watch]\n  nop\ns0: nop\n");
}

Test(conformance, mov_ss_data_breakpoint_is_delivered_after_the_next_instruction_32)
{
	movss_watch_nop(32, WATCH_SS32 "  mov dword ptr [want], offset s0\n"
			    "  mov ss, word ptr [watch]\n  nop\ns0: nop\n");
}

/* POP SS reads the watched selector from the stack: the same rule.  The
 * next instruction moves ESP (the pattern blocking exists for): the #DB
 * frame (EFLAGS, CS, EIP below ESP, SDM 6.12.1) must not land on the
 * watched slot, or its own write would raise the next #DB. */
Test(conformance, pop_ss_data_breakpoint_is_delivered_after_the_next_instruction_32)
{
	movss_watch_nop(32, "  push 0x10\n  mov eax, 0x90000-4\n  mov dr1, eax\n  mov eax, 0x00F0040A\n  mov dr7, eax\n"
			    "  mov dword ptr [want], offset s0\n  pop ss\n  sub esp, 64\n"
			    "s0: add esp, 64\n");
}

/* ... with TF = 1: the single-step trap of the next instruction and the
 * held data breakpoint are one #DB, DR6 = BS | B1 = 0xFFFF4FF2, frame RIP
 * after the next instruction (s0); then the AND (s1) and the clearing POPF
 * (s2) trap with 0xFFFF4FF0. */
Test(conformance, mov_ss_data_breakpoint_and_single_step_are_one_db)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       WATCH_SS64
	       "  lea rax, [rip+s0]\n  mov [want], rax\n  lea rax, [rip+s1]\n  mov [want+8], rax\n"
	       "  lea rax, [rip+s2]\n  mov [want+16], rax\n"
	       "  pushfq\n  pop rax\n  or rax, 0x100\n  push rax\n  popfq\n"   /* TF from the next insn */
	       "  mov ss, word ptr [watch]\n"                                  /* its step: suppressed */
	       "  push rax\n"
	       "s0: and qword ptr [rsp], ~0x100\n"
	       "s1: popfq\ns2: nop\n",
	       &r);
	uint64_t dr6[3] = { 0xFFFF4FF2, 0xFFFF4FF0, 0xFFFF4FF0 };
	uint64_t rip[3] = { WANT(&r, 0), WANT(&r, 1), WANT(&r, 2) };
	expect_log(&r, 3, dr6, rip);
	run_result_free(&r);
}

/* "MOV SS + watchpoint + ICEBP": the handler runs once (kvm-unit-tests
 * n == 3): one #DB, frame RIP past the ICEBP (s0), DR6 = B1 (ICEBP adds no
 * status bit). */
Test(conformance, mov_ss_watchpoint_then_icebp_is_one_db)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       WATCH_SS64 "  lea rax, [rip+s0]\n  mov [want], rax\n"
	       "  mov ss, word ptr [watch]\n  .byte 0x2e, 0x2e, 0xf1\ns0: nop\n",
	       &r);
	uint64_t dr6[1] = { 0xFFFF0FF2 };
	uint64_t rip[1] = { WANT(&r, 0) };
	expect_log(&r, 1, dr6, rip);
	run_result_free(&r);
}

/* "MOV SS + watchpoint + int $1": "the #DB handler is invoked twice, once
 * as a software exception and once as a software interrupt" (kvm-unit-tests
 * n == 7).  INT 1 is delivered first; blocking ends with that delivery and
 * the held #DB is taken at the handler's first instruction (SDM 6.8.3):
 * log[0] = the #DB (DR6 0xFFFF0FF2, frame RIP = db_handler), log[1] = the
 * INT 1 (DR6 untouched: 0xFFFF0FF0 after the handler's clear; frame RIP s0). */
Test(conformance, mov_ss_watchpoint_then_int1_runs_the_handler_twice)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       WATCH_SS64 "  lea rax, [rip+db_handler]\n  mov [want], rax\n  lea rax, [rip+s0]\n  mov [want+8], rax\n"
	       "  mov ss, word ptr [watch]\n  int 1\ns0: nop\n",
	       &r);
	uint64_t dr6[2] = { 0xFFFF0FF2, 0xFFFF0FF0 };
	uint64_t rip[2] = { WANT(&r, 0), WANT(&r, 1) };
	expect_log(&r, 2, dr6, rip);
	run_result_free(&r);
}

/* "MOV SS + watchpoint + INT3": "the #DB and #BP handlers are invoked once
 * each", #BP's frame RIP past the INT3 (kvm-unit-tests bp_addr == sw_bp2);
 * the #DB comes at the #BP handler's first instruction (SDM 6.8.3, as
 * above). */
Test(conformance, mov_ss_watchpoint_then_int3_runs_both_handlers_once)
{
	struct guest g = { .mode = 64, .vendor = VENDOR_NONE };
	struct run_result r;
	run_in(&g,
	       WATCH_SS64 "  lea rax, [rip+bp_handler]\n  mov [want], rax\n  lea rax, [rip+s0]\n  mov [want+8], rax\n"
	       "  mov ss, word ptr [watch]\n"
	       "  .byte 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0xcc\ns0: nop\n",
	       &r);
	uint64_t dr6[1] = { 0xFFFF0FF2 };
	uint64_t rip[1] = { WANT(&r, 0) };
	expect_log(&r, 1, dr6, rip);
	cr_expect_eq(BPS(&r), 1);
	cr_expect_eq(BP_RIP(&r), WANT(&r, 1));
	run_result_free(&r);
}

/* kvm-unit-tests x86/emulator.c test_mov_pop_ss_code_db, restated: an
 * execute breakpoint (DR0, G0, R/W0 = 00, LEN0 = 00: DR7 = 0x402) on the
 * instruction right after MOV SS (64-bit) or POP SS (32-bit): "On Intel,
 * code #DBs are inhibited when MOV/POP SS blocking is active" (SDM 6.8.3,
 * "as if EFLAGS.RF were 1"); on AMD one #DB (fault: frame RIP = that
 * instruction, DR6 = B0). The instruction runs either way (RAX zeroed). */
static void movss_code_db(int mode, enum vendor v, bool pop)
{
	struct guest g = { .mode = mode, .vendor = v };
	struct run_result r;
	char code[1024];
	if (mode == 64)
		snprintf(code, sizeof(code),
			 "  lea rax, [rip+x0]\n  mov [want], rax\n  mov dr0, rax\n  mov rax, 0x402\n  mov dr7, rax\n"
			 "  mov rax, ss\n  mov ss, ax\nx0: xor eax, eax\n  mov rbx, 0x400\n  mov dr7, rbx\n");
	else
		snprintf(code, sizeof(code),
			 "  mov eax, offset x0\n  mov [want], eax\n  mov dr0, eax\n  mov eax, 0x402\n  mov dr7, eax\n"
			 "  %s\nx0: xor eax, eax\n  mov ebx, 0x400\n  mov dr7, ebx\n",
			 pop ? "push 0x10\n  pop ss" : "mov ax, 0x10\n  mov ss, ax");
	run_in(&g, code, &r);
	bool amd = v == VENDOR_SVM;
	uint64_t dr6[1] = { 0xFFFF0FF1 };
	uint64_t rip[1] = { WANT(&r, 0) };
	expect_log(&r, amd ? 1 : 0, dr6, rip);
	cr_expect_eq(r.gprs[0], 0, "the XOR ran");
	run_result_free(&r);
}

Test(conformance, code_breakpoint_after_mov_ss_suppressed_on_intel_bare_metal)
{
	movss_code_db(64, VENDOR_NONE, false);
}

Test(conformance, code_breakpoint_after_mov_ss_suppressed_on_intel_vmx)
{
	movss_code_db(64, VENDOR_VMX, false);
}

Test(conformance, code_breakpoint_after_mov_ss_delivered_on_amd_svm)
{
	movss_code_db(64, VENDOR_SVM, false);
}

Test(conformance, code_breakpoint_after_pop_ss_suppressed_on_intel_32)
{
	movss_code_db(32, VENDOR_NONE, true);
}

Test(conformance, code_breakpoint_after_mov_ss_suppressed_on_intel_32)
{
	movss_code_db(32, VENDOR_NONE, false);
}
