/* test_eras.c - the per-era hardware set-up knobs (debugreg/knobs.def,
 * "per-era hardware set-up (issue 13)"), one test per knob, each citing
 * the commit or source it models.  Guests run on both vendors under the
 * presets of the eras on either side of the change.
 *
 * Expected values come from the kernel sources and commit messages listed
 * in shared/spec/kvm-eras-2026.md (the ids H1-H4, T1-T5, M there) and the
 * architecture rules of shared/spec/arch-facts.md, counted by hand from the
 * guest code; none is copied from hvsim's output. */
#include <criterion/criterion.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/util/util.h"
#include "tests/harness.h"

static uint64_t F(const struct run_result *r, const char *path)
{
	uint64_t v;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "%s@%s: no field %s", r->policy, r->vendor, path);
	return v;
}

static void run_on(const struct scenario *sc, const char *policy, enum vendor v, struct run_result *r)
{
	struct run_config cfg = { .policy = policy, .vendor = v };
	h_run(sc, &cfg, r);
}

/* One row of a per-era table: under `policy` on `v`, result field `field`
 * is `n`; `more` checks the rest of the run (NULL: nothing more). */
struct era_case {
	const char *policy;
	enum vendor v;
	const char *field;
	uint64_t n;
};

static void run_cases(const struct scenario *sc, const struct era_case *c, size_t nc,
		      void (*more)(const struct scenario *sc, const struct era_case *c, const struct run_result *r))
{
	for (size_t i = 0; i < nc; i++) {
		struct run_result r;
		run_on(sc, c[i].policy, c[i].v, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s: %s", c[i].policy, r.stop_msg);
		cr_expect_eq(F(&r, c[i].field), c[i].n, "%s@%s: %s", c[i].policy, r.vendor, c[i].field);
		if (more)
			more(sc, &c[i], &r);
		run_result_free(&r);
	}
}

/* An execute breakpoint on `target`, hit three times; the #DB handler logs
 * DR6 (GUEST_PROLOGUE / GUEST_EPILOGUE). */
#define EXEC_BP_GUEST                                          \
	GUEST_PROLOGUE                                         \
	"    lea rax, [rip+target]\n"                          \
	"    mov dr0, rax\n"                                   \
	"    mov eax, 0x401\n"                                 \
	"    mov dr7, rax\n"                                   \
	"    mov ecx, 3\n"                                     \
	"    again:\n"                                         \
	"    call target\n"                                    \
	"    dec ecx\n"                                        \
	"    jnz again\n"                                      \
	"    hlt\n"                                            \
	"    target:\n"                                        \
	"    ret\n" GUEST_EPILOGUE

/* db_intercept: 2.6.29 vmx.c update_exception_bitmap intercepted #DB only
 * with KVM_GUESTDBG_SINGLESTEP | USE_HW_BP (H2); Avi Kivity's "Only reload
 * debug register 6 if we're running with the guest's debug registers ...
 * intercept that unconditionally" made it unconditional on VMX (H3); SVM
 * only from "KVM: svm: unconditionally intercept #DB" (CVE-2015-8104, 4.4).
 * Without the intercept the three #DBs go through the guest's IDT with no
 * exit; the handler still reads DR6 = B0 over 0xFFFF0FF0. */
static void db_more(const struct scenario *sc, const struct era_case *c, const struct run_result *r)
{
	cr_expect_eq(F(r, "inject.db"), c->n, "%s@%s", c->policy, r->vendor);
	cr_expect_eq(F(r, "db.guest.delivered"), 3, "%s@%s", c->policy, r->vendor);
	cr_expect_eq(F(r, "db.guest.missed"), 0, "%s@%s", c->policy, r->vendor);
	cr_expect_eq(sym_u64(sc, r, "count", 0), 3, "%s@%s", c->policy, r->vendor);
	cr_expect_eq(sym_u64(sc, r, "log", 0), 0xFFFF0FF1ull, "%s@%s: DR6 seen by the handler", c->policy, r->vendor);
}

Test(eras, db_intercept_per_era)
{
	struct scenario *sc = h_load_guest("", EXEC_BP_GUEST);
	static const struct era_case c[] = {
		{ "linux-2.6.29", VENDOR_VMX, "exits.by_reason.EXCEPTION_NMI", 0 },
		{ "linux-2.6.29", VENDOR_SVM, "exits.by_reason.excp_db", 0 },
		{ "linux-3.0", VENDOR_VMX, "exits.by_reason.EXCEPTION_NMI", 3 },
		{ "linux-3.0", VENDOR_SVM, "exits.by_reason.excp_db", 0 },
		{ "linux-3.19", VENDOR_SVM, "exits.by_reason.excp_db", 0 },
		{ "linux-5.15", VENDOR_SVM, "exits.by_reason.excp_db", 3 },
		{ "bp_enabled", VENDOR_VMX, "exits.by_reason.EXCEPTION_NMI", 3 },
	};
	run_cases(sc, c, sizeof(c) / sizeof(c[0]), db_more);
	scenario_free(sc);
}

/* vmx_port80_passthrough: VMX cleared port 0x80 in the I/O bitmaps ("unmask
 * the 0x80 port to avoid VMEXITs", H3) until d59d51f08801 "KVM: VMX: remove
 * I/O port 0x80 bypass on Intel hosts" (4.15, CVE-2017-1000407); port 0x81
 * always exited; SVM's IOPM has intercepted 0x80 since before 2.6.29. */
static void io_more(const struct scenario *sc, const struct era_case *c, const struct run_result *r)
{
	(void)sc;
	cr_expect_eq(F(r, "exits.total"), c->n + 1, "%s@%s", c->policy, r->vendor);
}

Test(eras, port80_bypass_until_d59d51f08801)
{
	struct scenario *sc = h_load_guest("", "    out 0x80, al\n    out 0x80, al\n    out 0x81, al\n"
					       "    mov dx, 0x80\n    out dx, al\n    hlt\n");
	static const struct era_case c[] = {
		{ "linux-2.6.29", VENDOR_VMX, "exits.by_reason.IO_INSTRUCTION", 1 },
		{ "linux-3.19", VENDOR_VMX, "exits.by_reason.IO_INSTRUCTION", 1 },
		{ "linux-5.15", VENDOR_VMX, "exits.by_reason.IO_INSTRUCTION", 4 },
		{ "bp_enabled", VENDOR_VMX, "exits.by_reason.IO_INSTRUCTION", 4 },
		{ "linux-3.19", VENDOR_SVM, "exits.by_reason.ioio", 4 },
	};
	run_cases(sc, c, sizeof(c) / sizeof(c[0]), io_more);
	scenario_free(sc);
}

/* guest_dr6 = vmx_every_run: 2.6.29 vmx_vcpu_run writes the guest's DR6
 * before every entry and reads it after every exit (H2), on top of the
 * entry-time save of the host's DR6 and the exit-time restore (42dbaa5a0574,
 * H1): a quiet guest with 3 exits (2 OUT to 0x81, HLT) and 3 entries has
 * 3 + 3 DR6 reads and 3 + 3 DR6 writes on VMX; on SVM the guest's DR6 is
 * in the VMCB, so only the host's 3 + 3. */
Test(eras, guest_dr6_every_run_2_6_29)
{
	struct scenario *sc = h_load_guest("", "    out 0x81, al\n    out 0x81, al\n    hlt\n");
	struct run_result x, s;
	run_on(sc, "linux-2.6.29", VENDOR_VMX, &x);
	run_on(sc, "linux-2.6.29", VENDOR_SVM, &s);
	cr_expect_eq(F(&x, "exits.total"), 3);
	cr_expect_eq(x.st.dr_hw_reads[6], 6);
	cr_expect_eq(x.st.dr_hw_writes[6], 6);
	cr_expect_eq(s.st.dr_hw_reads[6], 3);
	cr_expect_eq(s.st.dr_hw_writes[6], 3);
	run_result_free(&x);
	run_result_free(&s);
	scenario_free(sc);
}

/* A guest that arms DR0 once and then makes three OUT exits. */
#define ARMED_OUT_GUEST                                       \
	"    lea rax, [rip+far_bp]\n"                            \
	"    mov dr0, rax\n"                                  \
	"    mov eax, 0x401\n"                                \
	"    mov dr7, rax\n"                                  \
	"    out 0x81, al\n"                                  \
	"    out 0x81, al\n"                                  \
	"    out 0x81, al\n"                                  \
	"    hlt\n"                                           \
	"    far_bp:\n"                                          \
	"    ret\n"

/* guest_dr6 = vmx_sdr: Avi Kivity's patch (2.6.3x-3.14) writes the guest's
 * DR6 before entry and reads it after exit only "if
 * (vcpu->arch.switch_db_regs)" (H3).  linux-3.0@vmx: MOV DR0, MOV DR7
 * (emulated), 3 OUT, HLT = 6 exits; switch_db_regs is set from the MOV DR7
 * exit on, so the 4 entries after it write DR6 and the 4 exits after them
 * (3 OUT, HLT) read it.  SVM: never the hardware register. */
Test(eras, guest_dr6_under_switch_db_regs_2_6_3x)
{
	struct scenario *sc = h_load_guest("", ARMED_OUT_GUEST);
	struct run_result x, s;
	run_on(sc, "linux-3.0", VENDOR_VMX, &x);
	run_on(sc, "linux-3.0", VENDOR_SVM, &s);
	cr_expect_eq(F(&x, "exits.total"), 6);
	cr_expect_eq(F(&x, "dr.guest_loads"), 4);
	cr_expect_eq(x.st.dr_hw_writes[6], 4);
	cr_expect_eq(x.st.dr_hw_reads[6], 4);
	cr_expect_eq(s.st.dr_hw_writes[6], 0);
	cr_expect_eq(s.st.dr_hw_reads[6], 0);
	run_result_free(&x);
	run_result_free(&s);
	scenario_free(sc);
}

/* guest_dr6 = hw_both: 3.15-5.14 vcpu_enter_guest writes
 * set_debugreg(vcpu->arch.dr6, 6) whenever it loads DR0-3, for both vendors
 * (H4); 375e28ffc0cf (5.15) made it VMX-only and WONT_EXIT-only.  SVM: one
 * hardware DR6 write per load under linux-3.15, none under linux-5.15. */
Test(eras, hardware_dr6_on_svm_until_375e28ffc0cf)
{
	struct scenario *sc = h_load_guest("", ARMED_OUT_GUEST);
	struct run_result a, b;
	run_on(sc, "linux-3.15", VENDOR_SVM, &a);
	run_on(sc, "linux-5.15", VENDOR_SVM, &b);
	cr_expect_gt(F(&a, "dr.guest_loads"), 0);
	cr_expect_eq(a.st.dr_hw_writes[6], F(&a, "dr.guest_loads"));
	cr_expect_gt(F(&b, "dr.guest_loads"), 0);
	cr_expect_eq(b.st.dr_hw_writes[6], 0);
	run_result_free(&a);
	run_result_free(&b);
	scenario_free(sc);
}

/* dr45_read_zero: the 2.6.29-2.6.3x handle_dr has no DR4/DR5 aliasing: MOV
 * from DR4/DR5 takes the switch's "default: val = 0", MOV to them is
 * dropped (H3; kvm-eras-2026.md "DR4/DR5 in the 2.6.29-era handle_dr").  By
 * 3.0 kvm_get_dr/kvm_set_dr alias DR4 -> DR6, DR5 -> DR7 (CR4.DE = 0). */
Test(eras, dr4_dr5_read_zero_before_aliasing)
{
	struct scenario *sc = h_load_guest("", "    mov rax, 0x401\n    mov dr5, rax\n    mov rbx, dr4\n"
					       "    mov rdx, dr5\n    hlt\n");
	struct run_result old, new;
	run_on(sc, "linux-2.6.29", VENDOR_VMX, &old);
	run_on(sc, "linux-3.0", VENDOR_VMX, &new);
	cr_expect_eq(old.gprs[3], 0);                   /* rbx <- DR4: 0 */
	cr_expect_eq(old.gprs[2], 0);                   /* rdx <- DR5: 0 */
	cr_expect_eq(old.hv_dr[7], 0x400);              /* the DR5 write went nowhere */
	cr_expect_eq(new.gprs[3], 0xFFFF0FF0ull);       /* DR4 -> DR6 */
	cr_expect_eq(new.gprs[2], 0x401);               /* DR5 -> DR7 */
	cr_expect_eq(new.hv_dr[7], 0x401);
	run_result_free(&old);
	run_result_free(&new);
	scenario_free(sc);
}

/* svm_icebp_intercept: ec9a16c6aeba "KVM: SVM: Always intercept ICEBP to
 * workaround AMD ICEBP+TASK_SWITCH flaws" (kvm.git for-linus 2026-08-24,
 * T5): every INT1 takes exit 0x88 and KVM gives the guest its #DB.  Before
 * it an INT1 "does not trigger the #DB intercept" (APM 15.12.2): no exit.
 * VMX is unchanged (ICEBP is a #DB exit, privileged software exception).
 * INT1 sets no DR6 status bit: the handler reads 0xFFFF0FF0. */
static void icebp_more(const struct scenario *sc, const struct era_case *c, const struct run_result *r)
{
	cr_expect_eq(sym_u64(sc, r, "count", 0), 3, "%s@%s", c->policy, r->vendor);
	cr_expect_eq(sym_u64(sc, r, "log", 2), 0xFFFF0FF0ull, "%s@%s", c->policy, r->vendor);
}

Test(eras, svm_icebp_intercept_ec9a16c6aeba)
{
	struct scenario *sc = h_load_guest("", GUEST_PROLOGUE "    int1\n    int1\n    int1\n    hlt\n" GUEST_EPILOGUE);
	static const struct era_case c[] = {
		{ "bp_enabled", VENDOR_SVM, "exits.by_reason.icebp", 3 },
		{ "linux-6.12", VENDOR_SVM, "exits.by_reason.icebp", 0 },
		{ "linux-6.1", VENDOR_SVM, "exits.by_reason.excp_db", 0 },
		{ "bp_enabled", VENDOR_VMX, "exits.by_reason.EXCEPTION_NMI", 3 },
	};
	run_cases(sc, c, sizeof(c) / sizeof(c[0]), icebp_more);
	scenario_free(sc);
}

/* vmx_icebp_skip: which #DB exits KVM's handle_exception takes for INT1
 * (ICEBP) and skips before injecting the #DB.  The guest arms a read/write
 * watchpoint on the word MOV SS loads, then runs MOV SS and INT1: the
 * watchpoint's #DB is held by MOV-SS blocking and merged into the INT1's
 * (kvm-unit-tests debug.c "MOV SS + watchpoint + ICEBP": one #DB with the
 * breakpoint's B bit), so the INT1's VM exit carries B0 in its exit
 * qualification (SDM Vol.3 27.2.1).
 *   - by_type (32d43cd391ba, 4.16: is_icebp(intr_info)): skipped, one #DB
 *     after the INT1, DR6 = B0.
 *   - empty_qual (before it: "if (!(dr6 & ~DR6_RESERVED))" skips only an
 *     exit without status bits; CVE-2018-1087): not skipped, the #DB is
 *     injected with RIP at the INT1 (frame RIP = the INT1); the handler's
 *     IRET runs the INT1 again, now with an empty qualification: skipped,
 *     a second #DB after it with no status bit.
 *   - never (3.11-era vmx.c, no skip): every #DB at the INT1; the handler
 *     steps over it at its third #DB to end the loop.
 * The handler logs DR6 and the frame RIP and clears DR6. */
static const char icebp_guest[] =
	"    lea rax, [rip+h]\n    mov word ptr [idt+16], ax\n    mov word ptr [idt+18], 0x8\n"
	"    mov byte ptr [idt+21], 0x8E\n    shr rax, 16\n    mov word ptr [idt+22], ax\n"
	"    lidt [rip+idtr]\n"
	"    mov word ptr [rip+ssval], ss\n"
	"    lea rax, [rip+ssval]\n    mov dr0, rax\n"
	"    mov rax, 0x70402\n    mov dr7, rax\n"           /* G0, R/W0 = read/write, LEN0 = 2 */
	"    mov ss, [rip+ssval]\n"
	"    icebp_at: .byte 0xf1\n"
	"    after:\n    mov rax, 0x400\n    mov dr7, rax\n    hlt\n"
	"    h:\n    push rax\n    push rbx\n    push rdx\n"
	"    mov rbx, [rip+count]\n    mov rax, dr6\n"
	"    lea rdx, [rip+log]\n    mov [rdx+rbx*8], rax\n"
	"    mov rax, [rsp+24]\n    lea rdx, [rip+riplog]\n    mov [rdx+rbx*8], rax\n"
	"    inc qword ptr [rip+count]\n    xor eax, eax\n    mov dr6, rax\n"
	"    cmp qword ptr [rip+count], 3\n    jne 1f\n    inc qword ptr [rsp+24]\n    1:\n"
	"    pop rdx\n    pop rbx\n    pop rax\n    iretq\n"
	"    .balign 16\n    idtr: .word 255\n    .quad idt\n"
	"    .balign 16\n    idt: .zero 256\n"
	"    ssval: .quad 0\n    count: .quad 0\n    log: .zero 64\n    riplog: .zero 64\n";

Test(eras, vmx_icebp_skip_32d43cd391ba)
{
	static const struct {
		const char *policy;
		uint64_t n;
		uint64_t dr6[3];
		bool at_icebp[3];           /* frame RIP: the INT1 itself (else past it) */
	} c[] = {
		{ "bp_enabled", 1, { 0xFFFF0FF1 }, { false } },
		{ "linux-6.1", 1, { 0xFFFF0FF1 }, { false } },
		{ "linux-3.19", 2, { 0xFFFF0FF1, 0xFFFF0FF0 }, { true, false } },
		{ "linux-3.0", 3, { 0xFFFF0FF1, 0xFFFF0FF0, 0xFFFF0FF0 }, { true, true, true } },
	};
	struct scenario *sc = h_load_guest("", icebp_guest);
	uint64_t at, past;
	cr_assert(scenario_symbol(sc, "icebp_at", &at) && scenario_symbol(sc, "after", &past));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_result r;
		run_on(sc, c[i].policy, VENDOR_VMX, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s: %s", c[i].policy, r.stop_msg);
		cr_expect_eq(sym_u64(sc, &r, "count", 0), c[i].n, "%s: %llu #DBs", c[i].policy,
			     (unsigned long long)sym_u64(sc, &r, "count", 0));
		for (unsigned k = 0; k < c[i].n; k++) {
			cr_expect_eq(sym_u64(sc, &r, "log", k), c[i].dr6[k], "%s: #DB %u DR6 0x%llx", c[i].policy, k,
				     (unsigned long long)sym_u64(sc, &r, "log", k));
			cr_expect_eq(sym_u64(sc, &r, "riplog", k), c[i].at_icebp[k] ? at : past, "%s: #DB %u RIP 0x%llx",
				     c[i].policy, k, (unsigned long long)sym_u64(sc, &r, "riplog", k));
		}
		cr_expect_eq(F(&r, "exits.by_reason.EXCEPTION_NMI"), c[i].n, "%s", c[i].policy);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* fastpath_reenter: since 5.8 handle_fastpath_preemption_timer returns
 * EXIT_FASTPATH_REENTER_GUEST and vcpu_enter_guest's inner for (;;) runs the
 * guest again without the WONT_EXIT sync, hw_breakpoint_restore() or the
 * pre-entry DR load (T1, T3).  The guest reads DR7 once (one MOV-DR exit:
 * WONT_EXIT) and spins through T guest-timer exits; the host has a perf
 * watchpoint, so every slow-path exit restores.
 *   fastpath (bp_enabled, linux-6.1): restores 2 (the MOV-DR and HLT
 *     exits), 1 sync (at the HLT exit: the lazy window spans the timer
 *     exits), 1 load (the WONT_EXIT entry);
 *   slow path (variant nofast, linux-3.15): restores 2 + T, 1 sync (at the
 *     first timer exit), 1 load.
 * SVM has no preemption timer: the guest's timer is an hrtimer interrupt
 * (INTR, slow path) in every era. */
Test(eras, fastpath_reenter_skips_the_dr_block)
{
	struct scenario *sc = h_load_guest(
		"vendor: both\nvariants: [{name: nofast, base: bp_enabled, knobs: {fastpath_reenter: false}}]\n"
		"host:\n  breakpoints: [{slot: 1, addr: 0x7ff00100, type: write, len: 4, kind: perf}]\n"
		"  timer: {period: 500, source: guest}\n",
		"    mov rax, dr7\n    mov ecx, 2000\n    l:\n    dec ecx\n    jnz l\n    hlt\n");
	struct run_result f, g, s, o;
	run_on(sc, "bp_enabled", VENDOR_VMX, &f);
	run_on(sc, "linux-6.1", VENDOR_VMX, &g);
	run_on(sc, "nofast", VENDOR_VMX, &s);
	run_on(sc, "linux-3.15", VENDOR_VMX, &o);
	uint64_t t = F(&f, "exits.by_reason.PREEMPTION_TIMER");
	cr_assert_gt(t, 0);
	cr_expect_eq(F(&s, "exits.by_reason.PREEMPTION_TIMER"), t);
	cr_expect_eq(F(&f, "exits.total"), t + 2);
	for (const struct run_result *r = &f; r; r = r == &f ? &g : NULL) {
		cr_expect_eq(F(r, "dr.host_restores"), 2, "%s", r->policy);
		cr_expect_eq(F(r, "dr.syncs"), 1, "%s", r->policy);
		cr_expect_eq(F(r, "dr.guest_loads"), 1, "%s", r->policy);
	}
	for (const struct run_result *r = &s; r; r = r == &s ? &o : NULL) {
		cr_expect_eq(F(r, "dr.host_restores"), t + 2, "%s", r->policy);
		cr_expect_eq(F(r, "dr.syncs"), 1, "%s", r->policy);
		cr_expect_eq(F(r, "dr.guest_loads"), 1, "%s", r->policy);
	}
	run_result_free(&f);
	run_result_free(&g);
	run_result_free(&s);
	run_result_free(&o);
	/* SVM: the same guest timer is an INTR exit on the slow path. */
	run_on(sc, "bp_enabled", VENDOR_SVM, &s);
	cr_expect_eq(F(&s, "exits.by_reason.intr"), t);
	cr_expect_eq(F(&s, "dr.host_restores"), t + 2);
	run_result_free(&s);
	scenario_free(sc);
}

/* The budget-end exit is a VMX-preemption-timer exit: since 5.8 a fastpath
 * one (T3), so a guest that ends inside a lazy window with a host
 * breakpoint active is charged neither the sync nor the restore for it;
 * linux-3.15 runs the whole block. */
Test(eras, budget_end_exit_is_a_fastpath_exit)
{
	struct scenario *sc = h_load_text("t.yaml",
		"version: 1\nname: t\nsummary: t\nvendor: both\n"
		"host:\n  breakpoints: [{slot: 1, addr: 0x7ff00100, type: write, len: 4, kind: perf}]\n"
		"guest:\n  mode: 64\n  base: 0x1000\n  limits: {instructions: 1000, on_budget: stop}\n"
		"  asm: |\n    mov rax, dr7\n    spin:\n    jmp spin\n");
	struct run_result f, s;
	run_on(sc, "bp_enabled", VENDOR_VMX, &f);
	run_on(sc, "linux-3.15", VENDOR_VMX, &s);
	cr_expect_eq(F(&f, "exits.by_reason.PREEMPTION_TIMER"), 1);
	cr_expect_eq(F(&f, "dr.host_restores"), 1);
	cr_expect_eq(F(&f, "dr.syncs"), 0);
	cr_expect_eq(F(&s, "dr.host_restores"), 2);
	cr_expect_eq(F(&s, "dr.syncs"), 1);
	run_result_free(&f);
	run_result_free(&s);
	scenario_free(sc);
}

/* Names (issue 13 §4): the deprecated linux-2.6.32 resolves to the v3 hunk
 * of seed 002, and the reference's kernels have their presets. */
Test(eras, preset_names)
{
	const struct policy *v3 = policy_find("hwbp-v3-2009");
	cr_assert_not_null(v3);
	cr_expect_eq(policy_find("linux-2.6.32"), v3);
	cr_expect_eq(v3->host_restore, HR_TIF_DEBUG_ONLY);
	cr_expect_not_null(policy_find("linux-6.1"));
	cr_expect_not_null(policy_find("linux-6.12"));
}
