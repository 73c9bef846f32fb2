/* test_vmentry_pending_dbg.c - VM exit and VM entry around an STI or MOV-SS
 * shadow: the interruptibility-state and pending-debug-exceptions fields,
 * the VM-entry consistency check on them, and what KVM writes (issue 12
 * item 3, last bullet; knob vmx_pending_dbg_bs).
 *
 * Sources of the expected values (none copied from hvsim's output):
 *   - Intel SDM Vol.3 26.3.1.5 "Checks on Guest Non-Register State"
 *     (interruptibility: reserved bits, "cannot indicate blocking by both
 *     STI and MOV SS", "bit 0 ... must be 0 if the IF flag ... is 0";
 *     pending debug exceptions: bits 11:4, 13, 15, 63:17 reserved, and
 *     under STI/MOV-SS blocking "bit 14 (BS) must be 1 if the TF flag ...
 *     is 1 and the BTF flag ... is 0", 0 otherwise);
 *   - 27.3.4 (what a VM exit saves: "saved as clear for all VM exits
 *     except ... VM exits that are not caused by debug exceptions and that
 *     occur while there is MOV-SS blocking of debug exceptions"; BS "not set
 *     if RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1");
 *   - 26.6.1 and 26.6.3 (no blocking after a vectoring entry; pending debug
 *     exceptions delivered after a non-vectoring entry without MOV-SS
 *     blocking, ignored when the entry injects a hardware exception);
 *   - KVM b9bed78e2fa9 "KVM: VMX: Set vmcs.PENDING_DBG.BS on #DB in
 *     STI/MOVSS blocking shadow" (5.17): without it the re-injection of a
 *     #DB taken in an STI shadow (TF, STI with IF 0 -> 1) or in a MOV-SS
 *     shadow (a DR7.GD #DB of a MOV DR there) fails the VM entry; "KVM
 *     already handles ICEBP by skipping the ICEBP instruction and thus
 *     clears MOVSS blocking"; found with XTF's tests/xsa-308;
 *   - KVM kvm_vcpu_do_singlestep (4.10): the #DB it queues carries DR6_BS
 *     only;
 *   - AMD APM Vol.2: VMRUN has no pending-debug-exceptions state and no
 *     such check (15.5.1 lists the consistency checks); the interrupt
 *     shadow is a VMCB bit (Appendix B, offset 68h). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/result.h"
#include "sim/run.h"
#include "tests/harness.h"
#include "vmx/vmx.h"

static uint64_t F(const struct run_result *r, const char *path)
{
	uint64_t v;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "no field %s", path);
	return v;
}

/* ---- the processor's checks, on a bare VMX vCPU ------------------------------- */

struct rig {
	struct cpu cpu;
	struct cost_model cost;
	struct engine *eng;
	struct vmx *x;
	struct policy pol;
	/* VMCS fields saved by the first exit of reason `want`, if any */
	uint32_t want;
	bool seen;
	uint64_t intr, pend;
};

static void rig_after_exit(void *ctx, uint64_t exit_no)
{
	struct rig *g = ctx;
	(void)exit_no;
	if (!g->seen && vmcs_hw_get(&g->x->vmcs, VM_EXIT_REASON) == g->want) {
		g->seen = true;
		g->intr = vmcs_hw_get(&g->x->vmcs, GUEST_INTERRUPTIBILITY_INFO);
		g->pend = vmcs_hw_get(&g->x->vmcs, GUEST_PENDING_DBG_EXCEPTIONS);
	}
}

static void rig_init(struct rig *g, const uint8_t *code, size_t size, uint64_t rflags)
{
	char err[512], path[1024];
	memset(g, 0, sizeof(*g));
	cost_bundled_path("default", path, sizeof(path));
	cr_assert_eq(cost_load(path, &g->cost, err, sizeof(err)), 0, "%s", err);
	cpu_init(&g->cpu, &g->cost);
	g->eng = engine_new(&g->cpu, 64, false, err, sizeof(err));
	cr_assert_not_null(g->eng, "%s", err);
	uint8_t page[0x1000];
	memset(page, 0xF4, sizeof(page));
	memcpy(page, code, size);
	cr_assert_eq(engine_map(g->eng, 0x1000, 0x1000, page, sizeof(page)), 0);
	cr_assert_eq(engine_map(g->eng, 0x80000, 0x10000, NULL, 0), 0);
	engine_reg_by_name(g->eng, "rsp", 0x8F000);
	engine_reg_by_name(g->eng, "rflags", rflags);
	engine_set_rip(g->eng, 0x1000);
	g->pol = *policy_find("bp_enabled");
	struct hv_config hc = { .policy = &g->pol, .host = { .after_exit = rig_after_exit, .ctx = g } };
	g->x = vmx_vendor.create(&g->cpu, g->eng, &hc);
	cr_assert_not_null(g->x);
}

static void rig_run(struct rig *g)
{
	vmx_vendor.enter(g->x);
	while (g->cpu.guest_mode) {
		if (vmx_vendor.entry_pending(g->x))
			vmx_vendor.enter(g->x);
		if (engine_run(g->eng, engine_rip(g->eng)) != STOP_NONE)
			break;
	}
}

static void rig_fini(struct rig *g)
{
	vmx_vendor.destroy(g->x);
	engine_free(g->eng);
}

struct entry_case {
	uint64_t intr, pend, rflags, debugctl;
	bool ok;
	const char *why;
};

/* 26.3.1.5, one row per rule; RFLAGS bit 1 is always set, 0x202 = IF. */
Test(vmentry, guest_non_register_state_checks)
{
	static const struct entry_case c[] = {
		{ 0, 0, 0x2, 0, true, "nothing pending, no blocking" },
		{ 0, 1ull << 4, 0x2, 0, false, "pending bits 11:4 are reserved" },
		{ 0, 1ull << 13, 0x2, 0, false, "pending bit 13 is reserved" },
		{ 0, 1ull << 15, 0x2, 0, false, "pending bit 15 is reserved" },
		{ 0, 1ull << 16, 0x2, 0, false, "pending bit 16 (RTM) without RTM" },
		{ 0, 1ull << 17, 0x2, 0, false, "pending bits 63:17 are reserved" },
		{ 0, 0x500F, 0x2, 0, true, "B0-B3, bit 12 and BS are defined (no blocking: no BS rule)" },
		{ 3, 0, 0x202, 0, false, "blocking by STI and MOV SS at once" },
		{ 1, 0, 0x2, 0, false, "blocking by STI with IF = 0" },
		{ 1ull << 5, 0, 0x2, 0, false, "interruptibility bits 31:5 are reserved" },
		{ 2, 0, 0x102, 0, false, "MOV SS blocking, TF = 1, BTF = 0: BS must be 1" },
		{ 2, 0x4000, 0x102, 0, true, "... and with BS it is" },
		{ 1, 0, 0x302, 0, false, "STI blocking, TF = 1, BTF = 0: BS must be 1" },
		{ 1, 0x4000, 0x302, 0, true, "... and with BS it is" },
		{ 2, 0x4000, 0x2, 0, false, "MOV SS blocking, TF = 0: BS must be 0" },
		{ 2, 0x4000, 0x102, 2, false, "MOV SS blocking, BTF = 1: BS must be 0" },
		{ 2, 0, 0x102, 2, true, "... and without it the entry goes" },
		{ 0, 0x4000, 0x2, 0, true, "no blocking: BS with TF = 0 is not checked" },
	};
	static const uint8_t hlt[] = { 0xF4 };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rig g;
		rig_init(&g, hlt, sizeof(hlt), 0x2);
		struct vmcs *v = &g.x->vmcs;
		vmcs_hw_set(v, GUEST_INTERRUPTIBILITY_INFO, c[i].intr);
		vmcs_hw_set(v, GUEST_PENDING_DBG_EXCEPTIONS, c[i].pend);
		vmcs_hw_set(v, GUEST_RFLAGS, c[i].rflags);
		vmcs_hw_set(v, GUEST_IA32_DEBUGCTL, c[i].debugctl);
		bool ok = vmx_hw_entry(g.x);
		cr_expect_eq(ok, c[i].ok, "%s", c[i].why);
		if (!ok)
			cr_expect_eq(vmcs_hw_get(v, VM_EXIT_REASON), 33u | 0x80000000u,
				     "%s: exit reason 33 with bit 31 (VM-entry failure)", c[i].why);
		rig_fini(&g);
	}
}

/* 27.3.4 on a MOV-DR exit (MOV RCX, DR7 = 0F 21 F9: today's lazy KVM
 * takes the first one, sets WONT_EXIT and re-enters on it without skipping,
 * so the fields are still as the processor saved them when the host work
 * after the exit looks).  After MOV SS (8E D0, SS = the null selector) the
 * exit is not caused by a #DB and comes during MOV-SS blocking: blocking by
 * MOV SS, and the pending field carries BS with TF = 1 (0x4000, no
 * breakpoint matched) and nothing with TF = 0.  After STI (IF 0 -> 1):
 * blocking by STI, pending cleared (no MOV-SS blocking).  Without a shadow,
 * neither. */
struct save_case {
	uint8_t code[8];
	size_t len;
	uint64_t rflags, intr, pend;
	const char *why;
};

Test(vmexit, saves_interruptibility_and_pending_debug_exceptions)
{
	static const struct save_case c[] = {
		{ { 0x8E, 0xD0, 0x0F, 0x21, 0xF9 }, 5, 0x102, 2, 0x4000, "MOV SS; MOV RCX, DR7 with TF" },
		{ { 0x8E, 0xD0, 0x0F, 0x21, 0xF9 }, 5, 0x002, 2, 0, "MOV SS; MOV RCX, DR7 without TF" },
		{ { 0xFB, 0x0F, 0x21, 0xF9 }, 4, 0x002, 1, 0, "STI (IF 0 -> 1); MOV RCX, DR7" },
		{ { 0xFB, 0x0F, 0x21, 0xF9 }, 4, 0x202, 0, 0, "STI with IF already 1: no blocking" },
		{ { 0x90, 0x0F, 0x21, 0xF9 }, 4, 0x002, 0, 0, "NOP; MOV RCX, DR7: no shadow" },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rig g;
		rig_init(&g, c[i].code, c[i].len, c[i].rflags);
		g.want = EXIT_REASON_DR_ACCESS;
		rig_run(&g);
		cr_assert(g.seen, "%s: no MOV-DR exit", c[i].why);
		cr_expect_eq(g.intr, c[i].intr, "%s: interruptibility %#" PRIx64, c[i].why, g.intr);
		cr_expect_eq(g.pend, c[i].pend, "%s: pending %#" PRIx64, c[i].why, g.pend);
		rig_fini(&g);
	}
}

/* ---- end to end ------------------------------------------------------------------ */

/* A 64-bit guest with a #DB handler that logs DR6 and the frame RIP
 * (count, dr6s[], rips[]), clears DR6 and returns with RF set. */
#define PRO                                                                    \
	"    lea rax, [rip+dbh]\n    mov word ptr [idt+16], ax\n"                  \
	"    mov word ptr [idt+18], 8\n    mov byte ptr [idt+21], 0x8E\n"          \
	"    shr rax, 16\n    mov word ptr [idt+22], ax\n    lidt [rip+idtr]\n"
#define EPI                                                                    \
	"    dbh:\n    push rax\n    push rbx\n    mov rbx, [rip+count]\n"         \
	"    mov rax, dr6\n    push rcx\n    lea rcx, [rip+dr6s]\n" \
	"    mov [rcx+rbx*8], rax\n    mov rax, [rsp+24]\n    lea rcx, [rip+rips]\n" \
	"    mov [rcx+rbx*8], rax\n    pop rcx\n    inc qword ptr [rip+count]\n"    \
	"    xor eax, eax\n    mov dr6, rax\n    pop rbx\n    pop rax\n"             \
	"    or qword ptr [rsp+16], 0x10000\n    iretq\n"                          \
	"    .balign 16\n    idtr: .word 255\n    .quad idt\n"                     \
	"    .balign 16\n    idt: .zero 256\n    count: .quad 0\n"                 \
	"    dr6s: .zero 128\n    rips: .zero 128\n    watched: .quad 0\n"

static struct scenario *guest(const char *head, const char *body)
{
	char b[6000];
	snprintf(b, sizeof(b), PRO "%s" EPI, body);
	return h_load_guest(head, b);
}

struct run_out {
	enum engine_stop stop;
	uint64_t n, dr6[8], rip[8], delivered, missed, failed;
};

static void run_one(const struct scenario *sc, const char *policy, enum vendor v, struct run_out *o)
{
	struct run_config cfg = { .policy = policy, .vendor = v };
	struct run_result r;
	h_run(sc, &cfg, &r);
	o->stop = r.stop;
	o->n = sym_u64(sc, &r, "count", 0);
	for (unsigned i = 0; i < 8; i++) {
		o->dr6[i] = sym_u64(sc, &r, "dr6s", i);
		o->rip[i] = sym_u64(sc, &r, "rips", i);
	}
	o->delivered = F(&r, "db.guest.delivered");
	o->missed = F(&r, "db.guest.missed");
	o->failed = v == VENDOR_NONE ? 0 : F(&r, "entries.failed");
	run_result_free(&r);
}

static uint64_t sym(const struct scenario *sc, const char *name)
{
	uint64_t a;
	cr_assert(scenario_symbol(sc, name, &a), "no symbol %s", name);
	return a;
}

/* kvm-unit-tests x86/debug.c singlestep_with_sti_blocking (restated): TF
 * set with IF = 0, STI: the single-step #DB after STI is taken in the STI
 * shadow (STI blocking does not suppress #DB).  Bare metal: traps at s0 (after
 * STI), s1, s2, s3 with DR6 = 0xFFFF4FF0.  VMX intercepts #DB in every era
 * but 2.6.29 (knob db_intercept): the exit saves STI blocking, clears the
 * pending field (a #DB exit), and the re-injecting entry fails the BS check
 * unless KVM sets BS (b9bed78e2fa9: linux-6.1, bp_enabled).  SVM: no such
 * check in any era. */
#define STI_TF                                                                 \
	"    cli\n    pushfq\n    pop rax\n    or rax, 0x100\n    push rax\n    popfq\n" \
	"    sti\n    s0: and rax, ~0x100\n    s1: push rax\n    s2: popfq\n    s3: nop\n    hlt\n"

struct pol_case {
	const char *policy;
	enum vendor v;
	bool fails;
};

Test(vmentry, sti_shadow_single_step_reinjection_needs_pending_bs)
{
	struct scenario *sc = guest("variants: [{name: nobs, base: bp_enabled, knobs: {vmx_pending_dbg_bs: false}}]\n",
				    STI_TF);
	static const struct pol_case c[] = {
		{ NULL, VENDOR_NONE, false },
		{ "bp_enabled", VENDOR_VMX, false },
		{ "linux-6.1", VENDOR_VMX, false },
		{ "nobs", VENDOR_VMX, true },
		{ "linux-5.15", VENDOR_VMX, true },
		{ "linux-3.0", VENDOR_VMX, true },
		{ "linux-2.6.29", VENDOR_VMX, false },     /* #DB not intercepted: no exit */
		{ "linux-5.15", VENDOR_SVM, false },
		{ "nobs", VENDOR_SVM, false },
	};
	uint64_t want[4] = { sym(sc, "s0"), sym(sc, "s1"), sym(sc, "s2"), sym(sc, "s3") };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_out o;
		run_one(sc, c[i].policy, c[i].v, &o);
		const char *p = c[i].policy ? c[i].policy : "none";
		if (c[i].fails) {
			cr_expect_eq(o.stop, STOP_ENTRY_FAIL, "%s: stop %d", p, o.stop);
			cr_expect_eq(o.failed, 1, "%s", p);
			cr_expect_eq(o.n, 0, "%s: the first #DB is the one whose re-injection fails", p);
			continue;
		}
		cr_expect_eq(o.stop, STOP_HALT, "%s", p);
		cr_expect_eq(o.n, 4, "%s: %" PRIu64 " #DBs", p, o.n);
		for (unsigned k = 0; k < 4; k++) {
			cr_expect_eq(o.dr6[k], 0xFFFF4FF0ull, "%s: DR6[%u]", p, k);
			cr_expect_eq(o.rip[k], want[k], "%s: RIP[%u]", p, k);
		}
		cr_expect_eq(o.missed, 0, "%s", p);
	}
	scenario_free(sc);
}

/* kvm-unit-tests x86/debug.c singlestep_with_movss_blocking_and_dr7_gd
 * (restated): DR7.GD, TF, MOV SS, MOV DR6 in the shadow: the GD #DB (a
 * fault at s0, DR6 = BD) is "NOT suppressed" by MOV-SS blocking, then BS
 * after the re-executed MOV (s1), s2, s3, s4.  Under KVM's lazy MOV DR
 * (WONT_EXIT after the MOV DR7) the MOV DR6 runs natively: a #DB exit in
 * the MOV-SS shadow, which b9bed78e2fa9's BS keeps from failing the
 * re-injecting entry ("MOVSS blocking ... can be coincident with a #DB if
 * and only if DR7.GD=1 ... and a MOV DR is executed in the MOVSS shadow").
 * Under always-exit KVM (linux-3.0) the MOV DR6 is a MOV-DR exit, not a
 * #DB: the processor saves BS itself (27.3.4) and the entry passes. */
#define MOVSS_GD                                                               \
	"    mov rax, 0x2400\n    mov dr7, rax\n    xor ecx, ecx\n"                \
	"    pushfq\n    pop rax\n    or rax, 0x100\n    push rax\n    mov bx, ss\n"  \
	"    popfq\n    mov ss, bx\n    s0: mov dr6, rcx\n    s1: and rax, ~0x100\n" \
	"    s2: push rax\n    s3: popfq\n    s4: nop\n    hlt\n"

Test(vmentry, movss_shadow_gd_db_reinjection_needs_pending_bs)
{
	struct scenario *sc = guest("variants: [{name: nobs, base: bp_enabled, knobs: {vmx_pending_dbg_bs: false}}]\n",
				    MOVSS_GD);
	static const struct pol_case c[] = {
		{ NULL, VENDOR_NONE, false },
		{ "bp_enabled", VENDOR_VMX, false },
		{ "nobs", VENDOR_VMX, true },
		{ "linux-5.15", VENDOR_VMX, true },
		{ "linux-3.15", VENDOR_VMX, true },
		{ "linux-5.15", VENDOR_SVM, false },
	};
	uint64_t want[5] = { sym(sc, "s0"), sym(sc, "s1"), sym(sc, "s2"), sym(sc, "s3"), sym(sc, "s4") };
	uint64_t dr6[5] = { 0xFFFF2FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0, 0xFFFF4FF0 };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_out o;
		run_one(sc, c[i].policy, c[i].v, &o);
		const char *p = c[i].policy ? c[i].policy : "none";
		if (c[i].fails) {
			cr_expect_eq(o.stop, STOP_ENTRY_FAIL, "%s", p);
			cr_expect_eq(o.n, 0, "%s", p);
			continue;
		}
		cr_expect_eq(o.stop, STOP_HALT, "%s", p);
		cr_expect_eq(o.n, 5, "%s: %" PRIu64 " #DBs", p, o.n);
		for (unsigned k = 0; k < 5; k++) {
			cr_expect_eq(o.dr6[k], dr6[k], "%s: DR6[%u] = %#" PRIx64, p, k, o.dr6[k]);
			cr_expect_eq(o.rip[k], want[k], "%s: RIP[%u]", p, k);
		}
	}
	/* always-exit 3.0: the entry passes; the single-step after the emulated
	 * MOV DR6 is lost as every pre-4.10 emulated instruction's (knob
	 * emul_singlestep): GD at s0, then s2, s3, s4. */
	struct run_out o;
	run_one(sc, "linux-3.0", VENDOR_VMX, &o);
	cr_expect_eq(o.stop, STOP_HALT);
	cr_expect_eq(o.failed, 0);
	cr_expect_eq(o.n, 4);
	cr_expect_eq(o.dr6[0], 0xFFFF2FF0ull);
	cr_expect_eq(o.rip[0], want[0]);
	cr_expect_eq(o.rip[1], want[2]);
	cr_expect_eq(o.missed, 1);
	scenario_free(sc);
}

/* An exit right after MOV SS with TF set, re-entered on the same
 * instruction: the first lazy MOV DR (WONT_EXIT) in the shadow.  KVM
 * re-enters without skipping, so MOV-SS blocking stays in the field, and
 * the entry passes only because the exit saved BS (27.3.4).  The guest
 * sees what bare metal gives: one single-step #DB after the MOV DR (s1),
 * none between MOV SS and it, then s2, s3. */
#define MOVSS_LAZY_MOVDR                                                       \
	"    pushfq\n    pop rax\n    or rax, 0x100\n    push rax\n    mov bx, ss\n"  \
	"    popfq\n    mov ss, bx\n    s0: mov rcx, dr7\n    s1: and rax, ~0x100\n" \
	"    s2: push rax\n    s3: popfq\n    nop\n    hlt\n"

Test(vmentry, reentry_in_movss_shadow_keeps_blocking_and_the_saved_bs)
{
	struct scenario *sc = guest("", MOVSS_LAZY_MOVDR);
	uint64_t want[3] = { sym(sc, "s1"), sym(sc, "s2"), sym(sc, "s3") };
	static const struct pol_case c[] = {
		{ NULL, VENDOR_NONE, false }, { "bp_enabled", VENDOR_VMX, false },
		{ "linux-5.15", VENDOR_VMX, false }, { "bp_enabled", VENDOR_SVM, false },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_out o;
		run_one(sc, c[i].policy, c[i].v, &o);
		const char *p = c[i].policy ? c[i].policy : "none";
		cr_expect_eq(o.stop, STOP_HALT, "%s", p);
		cr_expect_eq(o.n, 4, "%s: %" PRIu64 " #DBs", p, o.n);
		for (unsigned k = 0; k < 3; k++)
			cr_expect_eq(o.rip[k], want[k], "%s: RIP[%u]", p, k);
		cr_expect_eq(o.missed, 0, "%s", p);
	}
	scenario_free(sc);
}

/* CPUID in a MOV-SS shadow with TF.  Bare metal: one #DB after CPUID (s0),
 * BS.  VMX, every era: KVM skips CPUID and clears the shadow; 4.10+ queues
 * the single-step #DB itself (kvm_vcpu_do_singlestep), before 4.10
 * (linux-3.0) it does not, but the exit saved BS in the pending field and
 * the non-vectoring entry without blocking delivers it (26.6.3): the guest
 * gets its #DB either way.  SVM has no such field: before 4.10 the trap is
 * lost (missed), as after any emulated instruction then. */
#define MOVSS_CPUID                                                            \
	"    pushfq\n    pop rax\n    or rax, 0x100\n    push rax\n    mov bx, ss\n"  \
	"    popfq\n    mov ss, bx\n    cpuid\n    s0: pushfq\n"                    \
	"    and qword ptr [rsp], ~0x100\n    popfq\n    hlt\n"

Test(vmentry, cpuid_in_movss_shadow_single_step_survives_via_the_pending_field)
{
	struct scenario *sc = guest("", MOVSS_CPUID);
	static const struct { const char *policy; enum vendor v; uint64_t missed; } c[] = {
		{ NULL, VENDOR_NONE, 0 }, { "bp_enabled", VENDOR_VMX, 0 }, { "linux-3.0", VENDOR_VMX, 0 },
		{ "bp_enabled", VENDOR_SVM, 0 }, { "linux-3.0", VENDOR_SVM, 1 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_out o;
		run_one(sc, c[i].policy, c[i].v, &o);
		const char *p = c[i].policy ? c[i].policy : "none";
		cr_expect_eq(o.stop, STOP_HALT, "%s", p);
		cr_expect_eq(o.missed, c[i].missed, "%s@%d", p, c[i].v);
		if (c[i].missed)
			continue;
		cr_expect_eq(o.dr6[0], 0xFFFF4FF0ull, "%s@%d: DR6 %#" PRIx64, p, c[i].v, o.dr6[0]);
		cr_expect_eq(o.rip[0], sym(sc, "s0"), "%s@%d", p, c[i].v);
	}
	scenario_free(sc);
}

/* The same with a data breakpoint on the SS selector MOV SS loads (DR1,
 * 2 bytes, R/W): bare metal reports both in one #DB after CPUID, DR6 = BS |
 * B1 = 0xFFFF4FF2 (SDM 6.8.3 holds the B1 trap, 17.2.3 one #DB for all
 * conditions).  VMX 4.10+: the exit saved B1 | bit 12 | BS, KVM injects its
 * own #DB with DR6_BS only, and a vectoring entry ignores the pending field
 * (26.6.3): the guest sees 0xFFFF4FF0, its watchpoint hit is missed.
 * VMX before 4.10: no injection, the pending field is delivered: 0xFFFF4FF2,
 * as on bare metal. */
#define MOVSS_WATCH_CPUID                                                      \
	"    mov word ptr [rip+watched], ss\n    lea rax, [rip+watched]\n    mov dr1, rax\n" \
	"    mov eax, 0x00F0040A\n    mov dr7, rax\n"                              \
	"    pushfq\n    pop rax\n    or rax, 0x100\n    push rax\n    popfq\n"        \
	"    mov ss, word ptr [rip+watched]\n    cpuid\n    s0: pushfq\n"           \
	"    and qword ptr [rsp], ~0x100\n    popfq\n    hlt\n"

Test(vmentry, movss_held_watchpoint_is_lost_when_kvm_injects_its_single_step)
{
	struct scenario *sc = guest("", MOVSS_WATCH_CPUID);
	static const struct { const char *policy; enum vendor v; uint64_t dr6, missed; } c[] = {
		{ NULL, VENDOR_NONE, 0xFFFF4FF2, 0 },
		{ "bp_enabled", VENDOR_VMX, 0xFFFF4FF0, 1 },
		{ "linux-6.1", VENDOR_VMX, 0xFFFF4FF0, 1 },
		{ "linux-3.0", VENDOR_VMX, 0xFFFF4FF2, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_out o;
		run_one(sc, c[i].policy, c[i].v, &o);
		const char *p = c[i].policy ? c[i].policy : "none";
		cr_expect_eq(o.stop, STOP_HALT, "%s", p);
		cr_expect_eq(o.dr6[0], c[i].dr6, "%s: DR6 %#" PRIx64, p, o.dr6[0]);
		cr_expect_eq(o.rip[0], sym(sc, "s0"), "%s", p);
		cr_expect_eq(o.missed, c[i].missed, "%s", p);
	}
	scenario_free(sc);
}

/* Interrupts wait out the shadow (SDM Vol.3 Table 24-3 "blocks interrupts
 * for one instruction"; APM Vol.2 15.21.5): with a host timer due at every
 * boundary, no external-interrupt exit (VMX reason 1, SVM INTR 0x60) lands
 * on the instruction after MOV SS or after STI, and one lands on the
 * instruction after it. */
#define SHADOW_TIMER                                                           \
	"    mov bx, ss\n    mov ss, bx\n    s0: nop\n    s1: nop\n"                \
	"    cli\n    sti\n    t0: nop\n    t1: nop\n    hlt\n"

Test(vmentry, timer_interrupts_wait_out_sti_and_movss_shadows)
{
	struct scenario *sc = h_load_guest("host: {timer: {period: 1}}\n", SHADOW_TIMER);
	static const struct { enum vendor v; uint64_t reason; } c[] = { { VENDOR_VMX, 1 }, { VENDOR_SVM, 0x60 } };
	for (size_t i = 0; i < 2; i++) {
		struct evlog l = { 0 };
		struct run_config cfg = { .policy = "bp_enabled", .vendor = c[i].v, .trace = evlog_sink, .trace_ctx = &l };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_eq(r.stop, STOP_HALT);
		bool at[4] = { false };
		const char *names[4] = { "s0", "s1", "t0", "t1" };
		for (unsigned k = 0; k < l.n; k++) {
			if (l.ev[k].id != EV_EXIT || l.ev[k].b != c[i].reason)
				continue;
			for (unsigned j = 0; j < 4; j++)
				if (l.ev[k].a == sym(sc, names[j]))
					at[j] = true;
		}
		cr_expect_not(at[0], "an interrupt exit in the MOV-SS shadow");
		cr_expect(at[1], "the interrupt after the MOV-SS shadow");
		cr_expect_not(at[2], "an interrupt exit in the STI shadow");
		cr_expect(at[3], "the interrupt after the STI shadow");
		run_result_free(&r);
	}
	scenario_free(sc);
}
