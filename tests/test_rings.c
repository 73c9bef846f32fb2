/* test_rings.c - the ways between CPL 3 and CPL 0 (issue 12 item 4):
 * SYSCALL/SYSRET in 64-bit guests, INT n / exception delivery and IRET in
 * 32-bit guests (guest.user).
 *
 * Expected values come from the manuals and sources cited per test, none
 * from hvsim's output:
 *   - Intel SDM Vol.2 SYSCALL ("RCX <- RIP", "R11 <- RFLAGS", "RFLAGS <-
 *     RFLAGS AND NOT(IA32_FMASK)", "CS.Selector <- IA32_STAR[47:32] AND
 *     FFFCH", "SS.Selector <- IA32_STAR[47:32] + 8"; "#UD If ... IA32_EFER.SCE
 *     = 0") and SYSRET ("RFLAGS <- (R11 & 3C7FD7H) | 2", "CS.Selector <-
 *     IA32_STAR[63:48]+16 ... OR 3", "SS.Selector <- (IA32_STAR[63:48]+8) OR
 *     3"; "#GP(0) If CPL != 0", "If the return is to 64-bit mode and RCX
 *     contains a non-canonical address");
 *   - Linux tools/testing/selftests/x86/single_step_syscall.c: "SYSENTER does
 *     not clear TF, so SYSENTER with TF set immediately issues #DB from CPL
 *     0" (so a SYSCALL whose FMASK clears TF does not);
 *   - SDM Vol.3 6.12.1 / Figure 6-4 (a 32-bit handler reached from an outer
 *     level gets SS, ESP, EFLAGS, CS, EIP on the TSS.SS0:ESP0 stack), 8.2.1
 *     (32-bit TSS: ESP0 at 4, SS0 at 8), Vol.2 IRET (RETURN-TO-OUTER-
 *     PRIVILEGE-LEVEL pops ESP and SS). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>
#include "sim/result.h"
#include "sim/run.h"
#include "tests/harness.h"

static uint64_t F(const struct run_result *r, const char *path)
{
	uint64_t v;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "no field %s", path);
	return v;
}

static uint64_t M(const struct scenario *sc, const struct run_result *r, const char *sym)
{
	return sym_u64(sc, r, sym, 0);
}

/* A 64-bit guest.user kernel: IDT gates for #DB (1), #UD (6), #GP (13)
 * that log and count, EFER/STAR/LSTAR/FMASK from the macro arguments, then
 * IRETQ to `user`.  SYSCALL lands at `kentry`, which records CS, SS, RCX,
 * R11 and RSP and halts on RAX = 3, else SYSRETs.  The exception handlers
 * log the frame and, for #UD and #GP, halt. */
#define KERNEL64(efer_or, fmask)                                                              \
	"    .set idt, 0x80000\n"                                                                 \
	"    lea rax, [rip+dbh]\n    mov rdi, 1\n    call gate\n"                                 \
	"    lea rax, [rip+udh]\n    mov rdi, 6\n    call gate\n"                                 \
	"    lea rax, [rip+gph]\n    mov rdi, 13\n    call gate\n"                                \
	"    lidt [rip+idtr]\n"                                                                   \
	"    mov ecx, 0xC0000080\n    rdmsr\n    or eax, " efer_or "\n    wrmsr\n"               \
	"    mov ecx, 0xC0000081\n    xor eax, eax\n    mov edx, 0x00100008\n    wrmsr\n"         \
	"    mov ecx, 0xC0000082\n    lea rax, [rip+kentry]\n    mov rdx, rax\n    shr rdx, 32\n" \
	"    wrmsr\n"                                                                             \
	"    mov ecx, 0xC0000084\n    mov eax, " fmask "\n    xor edx, edx\n    wrmsr\n"          \
	"    iretq\n"                                                                             \
	"    gate:\n    shl rdi, 4\n    mov word ptr [idt+rdi], ax\n    mov word ptr [idt+rdi+2], 8\n" \
	"    mov byte ptr [idt+rdi+5], 0x8E\n    shr rax, 16\n    mov word ptr [idt+rdi+6], ax\n" \
	"    ret\n"                                                                               \
	"    kentry:\n    mov r9, cs\n    mov [rip+k_cs], r9\n    mov r9, ss\n    mov [rip+k_ss], r9\n" \
	"    mov [rip+k_rcx], rcx\n    mov [rip+k_r11], r11\n    mov [rip+k_rsp], rsp\n"          \
	"    cmp eax, 3\n    je khalt\n    sysretq\n    khalt: hlt\n"                               \
	"    dbh:\n    push rax\n    mov rax, [rsp+8]\n    mov [rip+db_rip], rax\n"                \
	"    cmp qword ptr [rsp+16], 8\n    jne 2f\n    cmp qword ptr [rip+db_k_first], 0\n"      \
	"    jne 2f\n    mov [rip+db_k_first], rax\n    2:\n"                                      \
	"    mov rax, [rsp+16]\n    mov [rip+db_cs], rax\n    inc qword ptr [rip+dbs]\n"           \
	"    pop rax\n    iretq\n"                                                                \
	"    udh:\n    mov rax, [rsp]\n    mov [rip+ud_rip], rax\n    inc qword ptr [rip+uds]\n    hlt\n" \
	"    gph:\n    mov rax, [rsp]\n    mov [rip+gp_err], rax\n    mov rax, [rsp+8]\n"          \
	"    mov [rip+gp_rip], rax\n    mov rax, [rsp+16]\n    mov [rip+gp_cs], rax\n"             \
	"    inc qword ptr [rip+gps]\n    hlt\n"                                                  \
	"    .balign 8\n    k_cs: .quad 0\n    k_ss: .quad 0\n    k_rcx: .quad 0\n    k_r11: .quad 0\n" \
	"    k_rsp: .quad 0\n    u_cs: .quad 0\n    u_ss: .quad 0\n    u_fl: .quad 0\n"             \
	"    dbs: .quad 0\n    db_rip: .quad 0\n    db_cs: .quad 0\n    db_k_first: .quad 0\n"      \
	"    uds: .quad 0\n    ud_rip: .quad 0\n"                                                  \
	"    gps: .quad 0\n    gp_err: .quad 0x55\n    gp_rip: .quad 0\n    gp_cs: .quad 0\n"      \
	"    idtr: .word 0xFFF\n    .quad idt\n"

static struct scenario *load64(const char *head, const char *kernel, const char *user)
{
	char yaml[12000];
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: t\n%sguest:\n  mode: 64\n  base: 0x1000\n"
		 "  regs: { rsp: 0x90000 }\n  data:\n    - { addr: 0x80000, size: 0x10000 }\n"
		 "  user: { entry: user, stack: 0x88000, tables: 0x81000 }\n  limits: { instructions: 10000 }\n"
		 "  asm: |2\n%s    user:\n%s",
		 head, kernel, user);
	return h_load_text("t.yaml", yaml);
}

static uint64_t M32(const struct scenario *sc, const struct run_result *r, const char *sym)
{
	return sym_u64(sc, r, sym, 0) & 0xFFFFFFFFull;
}

static void run(const struct scenario *sc, const char *policy, enum vendor v, struct run_result *r)
{
	struct run_config cfg = { .policy = policy, .vendor = v };
	h_run(sc, &cfg, r);
}

/* SYSCALL then SYSRET: in the kernel CS 0x08, SS 0x10, RCX = the address
 * after SYSCALL (the second one's: `ret2`), R11 = the user's RFLAGS (CF
 * from the user's STC, bit 1: 0x3; guest.user starts the user with RFLAGS
 * 0x2), RSP the user's (0x88000, not switched); back in the user CS 0x23,
 * SS 0x1B, RFLAGS = R11 & 3C7FD7H | 2 = 0x3 (the kernel's SYSRET restores
 * the CF its own code cleared). */
Test(rings, syscall_sysret_registers_and_selectors)
{
	struct scenario *sc = load64("vendor: both\n", KERNEL64("1", "0x47700"),
				     "    stc\n    mov eax, 1\n    syscall\n    ret_here:\n"
				     "    mov r9, cs\n    mov [rip+u_cs], r9\n    mov r9, ss\n    mov [rip+u_ss], r9\n"
				     "    pushfq\n    pop r9\n    mov [rip+u_fl], r9\n    mov eax, 3\n    syscall\n"
				     "    ret2: nop\n");
	uint64_t ret2;
	cr_assert(scenario_symbol(sc, "ret2", &ret2));
	static const struct { const char *p; enum vendor v; } c[] = {
		{ NULL, VENDOR_NONE }, { "bp_enabled", VENDOR_VMX }, { "bp_enabled", VENDOR_SVM },
	};
	for (size_t i = 0; i < 3; i++) {
		struct run_result r;
		run(sc, c[i].p, c[i].v, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
		cr_expect_eq(M(sc, &r, "k_cs"), 0x08);
		cr_expect_eq(M(sc, &r, "k_ss"), 0x10);
		cr_expect_eq(M(sc, &r, "k_rcx"), ret2, "RCX of the second SYSCALL");
		cr_expect_eq(M(sc, &r, "k_r11"), 0x3, "R11 %#" PRIx64, M(sc, &r, "k_r11"));
		cr_expect_eq(M(sc, &r, "k_rsp"), 0x88000);
		cr_expect_eq(M(sc, &r, "u_cs"), 0x23);
		cr_expect_eq(M(sc, &r, "u_ss"), 0x1B);
		cr_expect_eq(M(sc, &r, "u_fl"), 0x3, "RFLAGS %#" PRIx64, M(sc, &r, "u_fl"));
		cr_expect_eq(M(sc, &r, "uds") + M(sc, &r, "gps"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* SYSCALL with IA32_EFER.SCE = 0 is #UD (frame RIP = the SYSCALL, a
 * fault); SYSRET at CPL 3 is #GP(0) (frame CS 0x23, error code 0). */
Test(rings, syscall_needs_sce_and_sysret_needs_cpl0)
{
	struct scenario *sc = load64("vendor: none\n", KERNEL64("0", "0x47700"), "    sc: syscall\n");
	struct run_result r;
	run(sc, NULL, VENDOR_NONE, &r);
	uint64_t at;
	cr_assert(scenario_symbol(sc, "sc", &at));
	cr_expect_eq(M(sc, &r, "uds"), 1);
	cr_expect_eq(M(sc, &r, "ud_rip"), at);
	run_result_free(&r);
	scenario_free(sc);

	sc = load64("vendor: none\n", KERNEL64("1", "0x47700"), "    sr: sysretq\n");
	run(sc, NULL, VENDOR_NONE, &r);
	cr_assert(scenario_symbol(sc, "sr", &at));
	cr_expect_eq(M(sc, &r, "gps"), 1);
	cr_expect_eq(M(sc, &r, "gp_err"), 0);
	cr_expect_eq(M(sc, &r, "gp_rip"), at);
	cr_expect_eq(M(sc, &r, "gp_cs"), 0x23);
	run_result_free(&r);
	scenario_free(sc);
}

/* SYSRET to a non-canonical RCX: Intel raises #GP(0) at CPL 0 (frame CS
 * 0x08, RIP the SYSRET); AMD loads it and the fetch fails at CPL 3. */
Test(rings, sysret_non_canonical_rcx_intel_gp_amd_goes)
{
	const char *user = "    mov eax, 4\n    syscall\n";
	/* kentry for RAX = 4: RCX <- non-canonical, then SYSRET */
	char kernel[8000];
	snprintf(kernel, sizeof(kernel), "%s", KERNEL64("1", "0x47700"));
	char *k = strstr(kernel, "    cmp eax, 3\n");
	cr_assert_not_null(k);
	char rest[8000];
	snprintf(rest, sizeof(rest), "%s", k);
	snprintf(k, sizeof(kernel) - (size_t)(k - kernel),
		 "    cmp eax, 4\n    jne 5f\n    mov rcx, 0x0000800000000000\n    ksr: sysretq\n    5:\n%s", rest);
	struct scenario *sc = load64("vendor: none\n", kernel, user);
	uint64_t ksr;
	cr_assert(scenario_symbol(sc, "ksr", &ksr));
	struct run_result r;
	run(sc, NULL, VENDOR_NONE, &r);
	cr_expect_eq(M(sc, &r, "gps"), 1, "Intel: #GP(0)");
	cr_expect_eq(M(sc, &r, "gp_err"), 0);
	cr_expect_eq(M(sc, &r, "gp_rip"), ksr);
	cr_expect_eq(M(sc, &r, "gp_cs"), 0x08);
	run_result_free(&r);
	scenario_free(sc);
	sc = load64("vendor: none\ncpu: {vendor: amd}\n", kernel, user);
	run(sc, NULL, VENDOR_NONE, &r);
	cr_expect_eq(M(sc, &r, "gps"), 0, "AMD: no #GP at CPL 0");
	cr_expect_eq(r.stop, STOP_UNMAPPED);
	cr_expect_eq(F(&r, "guest.rip"), 0x0000800000000000ull);
	run_result_free(&r);
	scenario_free(sc);
}

/* Single-step across SYSCALL: with Linux's FMASK (TF among the masked
 * bits) no #DB in the kernel; SYSRET restores TF from R11 and the user's
 * next instruction traps (frame RIP after it, CS 0x23): 1 #DB.  With an
 * FMASK that leaves TF, the trap comes at the first kernel instruction
 * (frame RIP kentry, CS 0x08), as SYSENTER's does. */
Test(rings, single_step_across_syscall_follows_fmask)
{
	const char *user = "    pushfq\n    or qword ptr [rsp], 0x100\n    popfq\n    nop\n"
			   "    mov eax, 1\n    syscall\n    after1: nop\n    after2: mov eax, 3\n    syscall\n";
	struct scenario *sc;
	static const struct { const char *p; enum vendor v; } c[] = {
		{ NULL, VENDOR_NONE }, { "bp_enabled", VENDOR_VMX }, { "bp_enabled", VENDOR_SVM },
	};
	/* Linux's FMASK: traps after NOP (user), ... the user's TF comes back
	 * with SYSRET: after `after1` (the NOP), then the MOV, then the second
	 * SYSCALL masks it again. */
	sc = load64("vendor: both\n", KERNEL64("1", "0x47700"), user);
	uint64_t after2, kentry;
	cr_assert(scenario_symbol(sc, "after2", &after2));
	cr_assert(scenario_symbol(sc, "kentry", &kentry));
	for (size_t i = 0; i < 3; i++) {
		struct run_result r;
		run(sc, c[i].p, c[i].v, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
		/* #DBs after: the NOP and the MOV before the first SYSCALL, the
		 * NOP at after1, the MOV at after2: 4, the last at CS 0x23 with
		 * frame RIP after the MOV, none at kentry */
		cr_expect_eq(M(sc, &r, "dbs"), 4, "%" PRIu64 " #DBs", M(sc, &r, "dbs"));
		cr_expect_eq(M(sc, &r, "db_cs"), 0x23);
		cr_expect_eq(M(sc, &r, "db_rip"), after2 + 5);
		cr_expect_eq(F(&r, "db.guest.missed"), 0);
		cr_expect_eq(F(&r, "db.guest.spurious"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
	/* FMASK without TF (IF|DF only): the SYSCALL traps at kentry (the first
	 * #DB with CS 0x08), then the kernel, which IRETQ gave TF back, traps
	 * after each of its 9 instructions up to the HLT: 1 + 1 + 9 = 11 */
	sc = load64("vendor: none\n", KERNEL64("1", "0x600"),
		    "    pushfq\n    or qword ptr [rsp], 0x100\n    popfq\n    mov eax, 3\n    syscall\n");
	uint64_t khalt;
	cr_assert(scenario_symbol(sc, "kentry", &kentry));
	cr_assert(scenario_symbol(sc, "khalt", &khalt));
	struct run_result r;
	run(sc, NULL, VENDOR_NONE, &r);
	cr_expect_eq(M(sc, &r, "db_k_first"), kentry);
	cr_expect_eq(M(sc, &r, "dbs"), 11, "%" PRIu64 " #DBs", M(sc, &r, "dbs"));
	cr_expect_eq(M(sc, &r, "db_rip"), khalt);
	cr_expect_eq(M(sc, &r, "db_cs"), 0x08);
	run_result_free(&r);
	scenario_free(sc);
}

/* A 32-bit user process (guest.user in mode 32): its write watchpoint traps
 * at CPL 0 on the TSS.SS0:ESP0 stack with the frame SS 0x1B, ESP (the user
 * stack), EFLAGS, CS 0x23, EIP after the store (Figure 6-4); the handler's
 * IRETD returns to CPL 3, popping ESP and SS; the user's INT 0x80 (DPL 3
 * gate) reaches the kernel's halt.  3 #DBs on every vendor. */
Test(rings, user_mode_in_32_bit_guests)
{
	const char *yaml =
		"version: 1\nname: t\nsummary: t\nvendor: both\nguest:\n  mode: 32\n  base: 0x1000\n"
		"  regs: { esp: 0x90000 }\n  data:\n    - { addr: 0x80000, size: 0x10000 }\n"
		"  user: { entry: user, stack: 0x88000, tables: 0x81000 }\n  asm: |2\n"
		"    .set idt, 0x80000\n"
		"      mov eax, offset dbh\n      mov edi, 1\n      mov ecx, 0x8E\n      call gate\n"
		"      mov eax, offset sys\n      mov edi, 0x80\n      mov ecx, 0xEE\n      call gate\n"
		"      lidt [idtr]\n      mov eax, offset watched\n      mov dr0, eax\n"
		"      mov eax, 0x000D0001\n      mov dr7, eax\n      iretd\n"
		"    gate:\n      shl edi, 3\n      mov word ptr [idt+edi], ax\n      mov word ptr [idt+edi+2], 8\n"
		"      mov byte ptr [idt+edi+5], cl\n      shr eax, 16\n      mov word ptr [idt+edi+6], ax\n      ret\n"
		"    dbh:\n      push eax\n      mov eax, [esp+4]\n      mov [f_eip], eax\n      mov eax, [esp+8]\n"
		"      mov [f_cs], eax\n      mov eax, [esp+16]\n      mov [f_esp], eax\n      mov eax, [esp+20]\n"
		"      mov [f_ss], eax\n      mov [k_esp], esp\n      inc dword ptr [dbs]\n      pop eax\n      iretd\n"
		"    sys:\n      mov [u_esp], esp\n      hlt\n"
		"    user:\n      mov ecx, 3\n    again:\n      mov dword ptr [watched], ecx\n    after:\n"
		"      dec ecx\n      jnz again\n      mov [u_esp2], esp\n      int 0x80\n"
		"    .balign 8\n    idtr: .word 0x7FF\n      .long idt\n"
		"    dbs: .long 0\n    f_eip: .long 0\n    f_cs: .long 0\n    f_esp: .long 0\n    f_ss: .long 0\n"
		"    k_esp: .long 0\n    u_esp: .long 0\n    u_esp2: .long 0\n    .balign 16\n    watched: .long 0\n";
	struct scenario *sc = h_load_text("t.yaml", yaml);
	uint64_t after;
	cr_assert(scenario_symbol(sc, "after", &after));
	static const enum vendor v[] = { VENDOR_NONE, VENDOR_VMX, VENDOR_SVM };
	for (size_t i = 0; i < 3; i++) {
		struct run_result r;
		run(sc, v[i] == VENDOR_NONE ? NULL : "bp_enabled", v[i], &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
		cr_expect_eq(M32(sc, &r, "dbs"), 3, "%" PRIu64 " #DBs", M32(sc, &r, "dbs"));
		cr_expect_eq(M32(sc, &r, "f_eip"), after, "EIP %#" PRIx64 " want %#" PRIx64, M32(sc, &r, "f_eip"), after);
		cr_expect_eq(M32(sc, &r, "f_cs"), 0x23);
		cr_expect_eq(M32(sc, &r, "f_ss"), 0x1B);
		cr_expect_eq(M32(sc, &r, "f_esp"), 0x88000);
		/* ESP0 = 0x90000 less the 5-dword frame and the saved EAX */
		cr_expect_eq(M32(sc, &r, "k_esp"), 0x90000 - 24);
		cr_expect_eq(M32(sc, &r, "u_esp2"), 0x88000, "IRETD restored the user's ESP");
		cr_expect_eq(M32(sc, &r, "u_esp"), 0x90000 - 20, "INT 0x80 switched to ESP0");
		cr_expect_eq(F(&r, "db.guest.missed"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
}
