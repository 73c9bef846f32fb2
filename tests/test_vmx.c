/* test_vmx.c - the VMX processor rules and KVM's VMX debug-register handling,
 * checked end to end on small guests.  Expected values come from the Intel
 * SDM (sections cited per test) and from the KVM logic in
 * shared/spec/kvm-debugreg-logic.md; none is copied from hvsim's output. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "sim/run.h"
#include "tests/harness.h"
#include "vmx/fields.h"

static struct scenario *load(const char *body)
{
	return h_load_guest("vendor: vmx\n", body);
}

static void run(struct scenario *sc, const char *policy, struct run_result *r, struct evlog *l)
{
	struct run_config cfg = { .policy = policy, .vendor = VENDOR_VMX, .trace = l ? evlog_sink : NULL, .trace_ctx = l };
	h_run(sc, &cfg, r);
}

static unsigned count_exits(const struct evlog *l, unsigned reason)
{
	unsigned n = 0;
	for (unsigned i = 0; i < l->n; i++)
		if (l->ev[i].id == EV_EXIT && l->ev[i].b == reason)
			n++;
	return n;
}

/* SDM Table 28-4 (exit qualification for MOV DR): bits 2:0 DR number as
 * encoded, bit 4 direction (1 = MOV from DR), bits 11:8 GPR.  Bochs builds
 * `dr | reg << 8 | read << 4` (arch-facts A.4). */
Test(vmx_exit, mov_dr_qualification_encodes_dr_direction_and_gpr)
{
	struct scenario *sc = load("    mov dr3, rcx\n    mov rdx, dr6\n    mov dr7, r9\n    hlt\n");
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit", &r, &l);   /* every MOV DR exits */
	cr_assert_eq(count_exits(&l, EXIT_REASON_DR_ACCESS), 3);
	cr_assert_eq(nth_exit(&l, EXIT_REASON_DR_ACCESS, 0)->c, 0x103);       /* DR3, to, RCX(1) */
	cr_assert_eq(nth_exit(&l, EXIT_REASON_DR_ACCESS, 1)->c, 0x216);       /* DR6, from, RDX(2) */
	cr_assert_eq(nth_exit(&l, EXIT_REASON_DR_ACCESS, 2)->c, 0x907);       /* DR7, to, R9 */
	run_result_free(&r);
	scenario_free(sc);
}

/* SDM 25.1.3 / arch-facts A.4: the MOV-DR exit is taken before the #UD for
 * DR4 with CR4.DE = 1, and the qualification reports DR4 as 4 (not aliased);
 * KVM then injects #UD (kvm_require_dr). */
Test(vmx_exit, mov_dr4_with_cr4_de_exits_first_then_kvm_injects_ud)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    mov rax, cr4\n    or rax, 8\n    mov cr4, rax\n"
				   "    lea rax, [rip+ud]\n    mov word ptr [idt+96], ax\n    mov word ptr [idt+98], 0x8\n"
				   "    mov byte ptr [idt+101], 0x8E\n    shr rax, 16\n    mov word ptr [idt+102], ax\n"
				   "    mov dr4, rax\n    hlt\n    ud:\n    add qword ptr [rsp], 3\n    inc qword ptr [rip+uds]\n    iretq\n"
				   "    uds: .quad 0\n" GUEST_EPILOGUE);
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "bp_enabled", &r, &l);
	cr_assert_eq(count_exits(&l, EXIT_REASON_DR_ACCESS), 1);
	cr_assert_eq(nth_exit(&l, EXIT_REASON_DR_ACCESS, 0)->c & 0xF, 4);
	cr_assert_eq(r.st.injected_ud, 1);
	cr_assert_str_eq(engine_stop_name(r.stop), "halt");
	run_result_free(&r);
	scenario_free(sc);
}

/* SDM 27.5.1: every VM exit sets DR7 to 0x400 (and DEBUGCTL to 0); the
 * guest's DR7 is saved in GUEST_DR7 with "save debug controls" (27.3.1).
 * A guest that arms DR7 = 0x401 natively (after the first exit turned
 * MOV-DR exiting off) leaves 0x400 in hardware after its last exit, and the
 * hypervisor's sync reads 0x401 back from the VMCS. */
Test(vmx_exit, exit_sets_hw_dr7_to_400_and_saves_guest_dr7)
{
	struct scenario *sc = load("    mov rax, 0x12345\n    mov dr0, rax\n    mov rax, 0x401\n    mov dr7, rax\n"
				   "    out 0x80, al\n    hlt\n");
	struct run_result r;
	run(sc, "bp_enabled", &r, NULL);
	cr_assert_eq(r.hw_dr[7], 0x400);
	cr_assert_eq(r.hv_dr[7], 0x401);
	cr_assert_eq(r.guest_dr[7], 0x401);
	cr_assert_eq(r.hv_dr[0], 0x12345);
	/* DR0 is not switched by hardware: still the guest's after the exits */
	cr_assert_eq(r.hw_dr[0], 0x12345);
	run_result_free(&r);
	scenario_free(sc);
}

/* KVM 3.15+ (c77fb5fe6f03/81908bf44340, seed 003): the first MOV DR exit
 * turns MOV-DR exiting off and re-enters on the same instruction; the rest
 * run natively; the next exit syncs and re-arms.  A guest that writes DR0-3
 * and DR7 then loops on OUT therefore takes exactly one DR_ACCESS exit and
 * one IO_INSTRUCTION exit per iteration (issue 3, done-when). */
Test(vmx_kvm, bp_enabled_takes_one_dr_exit_then_one_io_exit_per_iteration)
{
	struct scenario *sc = load("    mov rax, 0x5000\n    mov dr0, rax\n    mov dr1, rax\n    mov dr2, rax\n    mov dr3, rax\n"
				   "    mov rax, 0x401\n    mov dr7, rax\n    mov rcx, 10\n    l:\n    out 0x80, al\n"
				   "    dec rcx\n    jnz l\n    hlt\n");
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "bp_enabled", &r, &l);
	cr_assert_eq(count_exits(&l, EXIT_REASON_DR_ACCESS), 1);
	cr_assert_eq(count_exits(&l, EXIT_REASON_IO_INSTRUCTION), 10);
	cr_assert_eq(r.st.dr_syncs, 1);
	cr_assert_eq(r.st.db_guest_missed, 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* KVM before 2014 (always_exit): every MOV DR exits and is emulated. */
Test(vmx_kvm, always_exit_emulates_every_mov_dr)
{
	struct scenario *sc = load("    mov rax, 0x5000\n    mov dr0, rax\n    mov rbx, dr0\n    mov rax, 0x401\n    mov dr7, rax\n    hlt\n");
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit", &r, &l);
	cr_assert_eq(count_exits(&l, EXIT_REASON_DR_ACCESS), 3);
	cr_assert_eq(r.st.dr_emulated, 3);
	cr_assert_eq(r.gprs[3], 0x5000);          /* RBX read back the emulated DR0 */
	cr_assert_eq(r.nviol, 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* VMX handle_dr: "As the vm-exit takes precedence over the debug trap, we
 * need to emulate the latter" — with DR7.GD set, a MOV DR exits (reason 29)
 * and KVM injects #DB with DR6.BD; GD is cleared on delivery (SDM 17.2.4).
 * DR6 read by the handler: 0xFFFF0FF0 | BD (bit 13) = 0xFFFF2FF0. */
Test(vmx_kvm, general_detect_is_synthesized_by_kvm_after_the_dr_exit)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    mov rax, 0x2400\n    mov dr7, rax\n    mov rbx, dr0\n    hlt\n" GUEST_EPILOGUE);
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit", &r, &l);
	cr_assert_eq(r.st.injected_db, 1);
	cr_assert_eq(r.st.db_guest_delivered, 1);
	cr_assert_eq(r.st.db_guest_missed, 0);
	cr_assert_eq(sym_u64(sc, &r, "count", 0), 1);
	cr_assert_eq(sym_u64(sc, &r, "log", 0), 0xFFFF2FF0);
	cr_assert_eq(r.hv_dr[7] & (1u << 13), 0, "GD cleared");
	run_result_free(&r);
	scenario_free(sc);
}

/* SDM 27.1: a #DB that causes a VM exit leaves DR6 alone and reports the
 * would-be DR6 bits in the exit qualification; KVM reinjects it with that
 * payload.  Execute breakpoint on slot 0: qualification B0 = 1, and the
 * guest's handler reads DR6 = 0xFFFF0FF1 (kvm selftest debug_regs expects
 * 0xffff0ff0 | 1 << i). */
Test(vmx_kvm, db_exit_qualification_carries_b0_and_guest_sees_ffff0ff1)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    lea rax, [rip+target]\n    mov dr0, rax\n    mov rax, 0x401\n    mov dr7, rax\n"
				   "    mov rcx, 3\n    target:\n    nop\n    dec rcx\n    jnz target\n    hlt\n" GUEST_EPILOGUE);
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "bp_enabled", &r, &l);
	cr_assert_eq(count_exits(&l, EXIT_REASON_EXCEPTION_NMI), 3);
	cr_assert_eq(nth_exit(&l, EXIT_REASON_EXCEPTION_NMI, 0)->c, 1, "qualification = B0");
	cr_assert_eq(sym_u64(sc, &r, "count", 0), 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(sym_u64(sc, &r, "log", i), 0xFFFF0FF1);
	cr_assert_eq(r.st.db_guest_delivered, 3);
	run_result_free(&r);
	scenario_free(sc);
}

/* SDM 26.3.1.1 (kvm-unit-tests test_guest_dr7): with "load debug
 * controls", a DR7 field with bits 63:32 set fails VM entry (reason 33).
 * KVM never writes such a value (kvm_dr7_valid), so the guest's MOV DR7
 * with high bits gets #GP instead and the entry after it succeeds. */
Test(vmx_kvm, dr7_high_bits_give_the_guest_gp_not_an_entry_failure)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    lea rax, [rip+gp]\n    mov word ptr [idt+208], ax\n    mov word ptr [idt+210], 0x8\n"
				   "    mov byte ptr [idt+213], 0x8E\n    shr rax, 16\n    mov word ptr [idt+214], ax\n"
				   "    mov rax, 0x100000401\n    mov dr7, rax\n    hlt\n"
				   "    gp:\n    add rsp, 8\n    add qword ptr [rsp], 3\n    iretq\n" GUEST_EPILOGUE);
	struct run_result r;
	run(sc, "always_exit", &r, NULL);
	cr_assert_eq(r.st.injected_gp, 1);
	cr_assert_eq(r.st.entry_failures, 0);
	cr_assert_eq(r.hv_dr[7], 0x400);
	cr_assert_str_eq(engine_stop_name(r.stop), "halt");
	run_result_free(&r);
	scenario_free(sc);
}
