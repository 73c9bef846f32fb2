/* test_debugctl_eras.c - KVM's handling of a guest's IA32_DEBUGCTL per era
 * (knob debugctl_msr, debugreg/knobs.def; issue 12 item 5).
 *
 * Every expected value is derived from the KVM source the knob cites, not
 * from hvsim's output:
 *   - b5e2fec0ebc3 "KVM: Ignore DEBUGCTL MSRs with no effect" (2008):
 *     kvm_set_msr_common accepts 0, LBR and BTF are a "nop", any other bit
 *     is #GP ("Values other than LBR and BTF are vendor-specific, thus
 *     reserved and should throw a #GP"); kvm_get_msr_common reads 0.
 *   - d855066f8172 "KVM: VMX: read/write MSR_IA32_DEBUGCTLMSR from
 *     GUEST_IA32_DEBUGCTL" (Like Xu, 5.12): the same value rule through
 *     vmx_get_supported_debugctl(), with vmcs_write64 / vmcs_read64 of the
 *     field.
 *   - svm.c svm_set_msr before 2025: DEBUGCTL_RESERVED_BITS = ~0x3f is #GP,
 *     the value goes to the VMCB, LBR (bit 0) calls svm_enable_lbrv; VMRUN
 *     loads DBGCTL only with LBR virtualization (APM Vol.2 Table B-2).
 *   - d0eac42f5cec "KVM: SVM: Suppress DEBUGCTL.BTF on AMD" (6.14-rc6):
 *     "Note, due to other bugs in KVM's handling of DEBUGCTL, the only way
 *     BTF has 'worked' in any capacity is if the guest simultaneously
 *     enables LBRs"; after it BTF is dropped, DEBUGCTL_RESERVED_BITS =
 *     ~DEBUGCTLMSR_LBR; ee89e8013383 drops bits 5:2 (alone in Debian's
 *     6.1.192, read in linux-source-6.1: BTF still kept there).
 *   - SDM Vol.3 17.4.3: with DEBUGCTL.BTF = 1 and TF = 1 the single-step
 *     #DB comes only after taken branches. */
#include <criterion/criterion.h>
#include "sim/result.h"
#include "sim/run.h"
#include "tests/harness.h"

static uint64_t F(const struct run_result *r, const char *path)
{
	uint64_t v;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "no field %s", path);
	return v;
}

/* A #GP handler (vector 13): counts in `gps`, drops the error code and
 * returns past the faulting WRMSR (0F 30, 2 bytes). */
#define GP_GATE                                               \
	"    lea rax, [rip+gp_handler]\n"                      \
	"    mov word ptr [idt+13*16], ax\n"                   \
	"    mov word ptr [idt+13*16+2], 0x8\n"                \
	"    mov byte ptr [idt+13*16+5], 0x8E\n"               \
	"    shr rax, 16\n"                                    \
	"    mov word ptr [idt+13*16+6], ax\n"
#define GP_HANDLER                                            \
	"    gp_handler:\n"                                    \
	"    inc qword ptr [rip+gps]\n"                        \
	"    add qword ptr [rsp+8], 2\n"                       \
	"    add rsp, 8\n"                                     \
	"    iretq\n"                                          \
	"    gps: .quad 0\n"                                   \
	"    vals: .zero 64\n"

/* WRMSR(DEBUGCTL, v) then RDMSR into vals[i]. */
#define WR_RD(v, i)                                           \
	"    mov ecx, 0x1D9\n    mov eax, " v "\n    xor edx, edx\n    wrmsr\n" \
	"    rdmsr\n    mov [rip+vals+" i "], rax\n"

static const char value_guest[] = GUEST_PROLOGUE GP_GATE
	WR_RD("2", "0")                 /* BTF */
	WR_RD("4", "8")                 /* bit 2 (AMD PB0 / Intel TR) */
	WR_RD("0x40", "16")             /* bit 6 */
	WR_RD("1", "24")                /* LBR */
	"    hlt\n" GUEST_EPILOGUE GP_HANDLER;

struct value_case {
	const char *policy;
	enum vendor v;
	uint64_t read[4];               /* what each RDMSR returns */
	uint64_t gps;                   /* #GPs taken */
};

Test(debugctl, value_rules_per_era_and_vendor)
{
	struct scenario *sc = h_load_guest("", value_guest);
	static const struct value_case c[] = {
		/* VMX, every era: BTF and LBR dropped (no LBR-capable vPMU),
		 * bits 2 and 6 #GP; the value is never kept (reads 0). */
		{ "linux-3.0", VENDOR_VMX, { 0, 0, 0, 0 }, 2 },
		{ "linux-5.15", VENDOR_VMX, { 0, 0, 0, 0 }, 2 },
		{ "bp_enabled", VENDOR_VMX, { 0, 0, 0, 0 }, 2 },
		/* SVM before 2025: bits 5:0 kept; bit 6 #GP (the read after it
		 * returns the previous value, 4) */
		{ "linux-3.0", VENDOR_SVM, { 2, 4, 4, 1 }, 1 },
		{ "linux-5.15", VENDOR_SVM, { 2, 4, 4, 1 }, 1 },
		/* ee89e8013383 alone (Debian 6.1.192): bits 5:2 dropped (the
		 * write of 4 stores 0), BTF kept */
		{ "linux-6.1", VENDOR_SVM, { 2, 0, 0, 1 }, 1 },
		/* SVM 2025: BTF and bits 5:2 dropped, bit 6 #GP, LBR kept */
		{ "linux-6.12", VENDOR_SVM, { 0, 0, 0, 1 }, 1 },
		{ "bp_enabled", VENDOR_SVM, { 0, 0, 0, 1 }, 1 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_config cfg = { .policy = c[i].policy, .vendor = c[i].v };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s@%s: %s", c[i].policy, r.vendor, r.stop_msg);
		for (unsigned k = 0; k < 4; k++)
			cr_expect_eq(sym_u64(sc, &r, "vals", k), c[i].read[k], "%s@%s: read %u = 0x%llx", c[i].policy,
				     r.vendor, k, (unsigned long long)sym_u64(sc, &r, "vals", k));
		cr_expect_eq(sym_u64(sc, &r, "gps", 0), c[i].gps, "%s@%s", c[i].policy, r.vendor);
		cr_expect_eq(F(&r, "inject.gp"), c[i].gps, "%s@%s", c[i].policy, r.vendor);
		cr_expect_eq(F(&r, "violations.count"), 0);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* The VMCS accesses of d855066f8172: vmx_set_msr writes the field on each
 * accepted write (vmcs_write64), vmx_get_msr reads it (vmcs_read64); before
 * it kvm_set/get_msr_common touched no VMCS field.  The guest above makes 4
 * RDMSRs and 2 accepted WRMSRs (BTF and LBR, dropped to 0): the `common`
 * variant of today's KVM has 4 VMREADs and 2 VMWRITEs fewer. */
Test(debugctl, vmcs_field_accesses_since_d855066f8172)
{
	char head[256];
	snprintf(head, sizeof(head), "variants: [{name: old, base: bp_enabled, knobs: {debugctl_msr: common}}]\n");
	struct scenario *sc = h_load_guest(head, value_guest);
	struct run_config now = { .policy = "bp_enabled", .vendor = VENDOR_VMX };
	struct run_config old = { .policy = "old", .vendor = VENDOR_VMX };
	struct run_result a, b;
	h_run(sc, &now, &a);
	h_run(sc, &old, &b);
	cr_expect_eq(F(&a, "vmcs.reads") - F(&b, "vmcs.reads"), 4);
	cr_expect_eq(F(&a, "vmcs.writes") - F(&b, "vmcs.writes"), 2);
	cr_expect_eq(F(&a, "exits.total"), F(&b, "exits.total"));
	run_result_free(&a);
	run_result_free(&b);
	scenario_free(sc);
}

/* BTF in effect or not: DEBUGCTL = VAL, then TF over NOP, NOP, JMP (over
 * an INT3 it skips), NOP, PUSHFQ, AND, POPFQ (clears TF).  Without BTF
 * each of the 7 traps (SDM 17.3.1.4, the clearing POPF included); with BTF
 * only the JMP's (SDM 17.4.3). */
#define BTF_GUEST(val)                                                           \
	GUEST_PROLOGUE                                                           \
	"    mov ecx, 0x1D9\n    mov eax, " val "\n    xor edx, edx\n    wrmsr\n"     \
	"    pushfq\n    or qword ptr [rsp], 0x100\n    popfq\n"                     \
	"    nop\n    nop\n    jmp 1f\n    int3\n    1: nop\n"                                 \
	"    pushfq\n    and qword ptr [rsp], ~0x100\n    popfq\n"                   \
	"    hlt\n" GUEST_EPILOGUE

struct btf_case {
	const char *policy;
	enum vendor v;
	const char *val;
	uint64_t dbs;
};

Test(debugctl, guest_btf_takes_effect_only_where_kvm_lets_it)
{
	static const struct btf_case c[] = {
		/* bare metal: the CPU's own BTF */
		{ NULL, VENDOR_NONE, "3", 1 },
		{ NULL, VENDOR_NONE, "1", 7 },
		/* VMX: BTF never reaches GUEST_IA32_DEBUGCTL */
		{ "linux-3.0", VENDOR_VMX, "3", 7 },
		{ "bp_enabled", VENDOR_VMX, "3", 7 },
		/* SVM before 2025: BTF with LBR = LBR virtualization, VMRUN
		 * loads DBGCTL = 3; BTF alone stays in the VMCB, the hardware
		 * keeps the host's 0 */
		{ "linux-3.0", VENDOR_SVM, "3", 1 },
		{ "linux-5.15", VENDOR_SVM, "3", 1 },
		{ "linux-5.15", VENDOR_SVM, "2", 7 },
		{ "linux-6.1", VENDOR_SVM, "3", 1 },     /* BTF still kept in 6.1.192 */
		/* SVM 2025: BTF suppressed */
		{ "linux-6.12", VENDOR_SVM, "3", 7 },
		{ "bp_enabled", VENDOR_SVM, "2", 7 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char body[4096];
		snprintf(body, sizeof(body), BTF_GUEST("%s"), c[i].val);
		struct scenario *sc = h_load_guest(c[i].v == VENDOR_NONE ? "vendor: none\n" : "", body);
		struct run_config cfg = { .policy = c[i].policy, .vendor = c[i].v };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s: %s", c[i].policy ? c[i].policy : "none", r.stop_msg);
		cr_expect_eq(sym_u64(sc, &r, "count", 0), c[i].dbs, "%s@%s DEBUGCTL=%s: %llu #DBs",
			     c[i].policy ? c[i].policy : "none", r.vendor, c[i].val,
			     (unsigned long long)sym_u64(sc, &r, "count", 0));
		cr_expect_eq(sym_u64(sc, &r, "log", 0), 0xFFFF4FF0ull, "single-step DR6");
		cr_expect_eq(F(&r, "db.guest.missed"), 0);
		cr_expect_eq(F(&r, "db.guest.spurious"), 0);
		run_result_free(&r);
		scenario_free(sc);
	}
}

/* A taken branch is a branch whatever its target (SDM Vol.3 17.4.3: with
 * BTF and TF "the processor generates a single-step debug exception only
 * after instructions that cause a branch"; Vol.2 Jcc / LOOP / JrCXZ /
 * CALL: the transfer happens when the condition holds, wherever it goes).
 * Bare metal, DEBUGCTL.BTF = 1, TF = 1, every branch aimed at the next
 * instruction (displacement 0), so RIP alone cannot tell taken from not:
 *   jmp next                      taken       -> #DB at n1
 *   xor eax, eax; jz next         ZF = 1      -> #DB at n2
 *   jnz next                      ZF = 1      -> none
 *   mov ecx, 2; loop next         RCX 2 -> 1  -> #DB at n4
 *   loop next                     RCX 1 -> 0  -> none
 *   jrcxz next                    RCX = 0     -> #DB at n6
 *   inc ecx; jrcxz next           RCX = 1     -> none
 *   call next; pop rdx            a CALL      -> #DB at n8
 *   lea; push; ret                RET to n9   -> #DB at n9
 * then POPFQ clears TF (no branch, no trap): 6 #DBs, each with DR6.BS only
 * (0xFFFF4FF0) and the frame RIP at the label after its branch. */
static const char btf_next_guest[] =
	"    lea rax, [rip+h]\n"
	"    mov word ptr [idt+16], ax\n"
	"    mov word ptr [idt+18], 0x8\n"
	"    mov byte ptr [idt+21], 0x8E\n"
	"    shr rax, 16\n"
	"    mov word ptr [idt+22], ax\n"
	"    lidt [rip+idtr]\n"
	"    mov ecx, 0x1D9\n    mov eax, 2\n    xor edx, edx\n    wrmsr\n"
	"    xor ecx, ecx\n"
	"    pushfq\n    or qword ptr [rsp], 0x100\n    popfq\n"
	"    jmp n1\n"
	"    n1: xor eax, eax\n"
	"    jz n2\n"
	"    n2: jnz n3\n"
	"    n3: mov ecx, 2\n"
	"    loop n4\n"
	"    n4: loop n5\n"
	"    n5: jrcxz n6\n"
	"    n6: inc ecx\n"
	"    jrcxz n7\n"
	"    n7: call n8\n"
	"    n8: pop rdx\n"
	"    lea rax, [rip+n9]\n"
	"    push rax\n"
	"    ret\n"
	"    n9: pushfq\n    and qword ptr [rsp], ~0x100\n    popfq\n"
	"    hlt\n"
	"    h:\n"
	"    push rax\n    push rbx\n    push rdx\n"
	"    mov rbx, [rip+count]\n"
	"    mov rax, dr6\n"
	"    lea rdx, [rip+log]\n    mov [rdx+rbx*8], rax\n"
	"    mov rax, [rsp+24]\n"
	"    lea rdx, [rip+riplog]\n    mov [rdx+rbx*8], rax\n"
	"    inc qword ptr [rip+count]\n"
	"    xor eax, eax\n    mov dr6, rax\n"
	"    pop rdx\n    pop rbx\n    pop rax\n"
	"    iretq\n"
	"    .balign 16\n"
	"    idtr: .word 255\n    .quad idt\n"
	"    .balign 16\n"
	"    idt: .zero 256\n"
	"    count: .quad 0\n"
	"    log: .zero 128\n"
	"    riplog: .zero 128\n";

Test(debugctl, btf_branch_to_next_instruction_is_taken)
{
	static const char *const at[] = { "n1", "n2", "n4", "n6", "n8", "n9" };
	struct scenario *sc = h_load_guest("vendor: none\nrefs: [\"Intel SDM Vol.3 17.4.3\"]\n", btf_next_guest);
	struct run_config cfg = { 0 };
	struct run_result r;
	h_run(sc, &cfg, &r);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_expect_eq(sym_u64(sc, &r, "count", 0), 6, "%llu #DBs", (unsigned long long)sym_u64(sc, &r, "count", 0));
	for (unsigned i = 0; i < 6; i++) {
		uint64_t a;
		cr_assert(scenario_symbol(sc, at[i], &a));
		cr_expect_eq(sym_u64(sc, &r, "riplog", i), a, "#DB %u at 0x%llx, expected %s = 0x%llx", i,
			     (unsigned long long)sym_u64(sc, &r, "riplog", i), at[i], (unsigned long long)a);
		cr_expect_eq(sym_u64(sc, &r, "log", i), 0xFFFF4FF0ull, "#DB %u DR6", i);
	}
	cr_expect_eq(F(&r, "db.guest.missed"), 0);
	cr_expect_eq(F(&r, "db.guest.spurious"), 0);
	run_result_free(&r);
	scenario_free(sc);
}
