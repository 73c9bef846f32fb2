/* test_fastpath.c - the fastpath loop per era (issue 13 item 3; knobs
 * fastpath_tscdeadline, fastpath_user_exit, fastpath_dr6_in_loop in
 * debugreg/knobs.def; debugreg/switch.c "fastpath re-entry"), and the SVM
 * I/O permission map of every era (issue 13 item 2).
 *
 * Expected values are counted by hand from the guest code and KVM's run
 * loop as the cited commits leave it: an exit the fastpath re-enters
 * (EXIT_FASTPATH_REENTER_GUEST) runs neither the WONT_EXIT sync nor
 * hw_breakpoint_restore(); every other exit runs both when due.  None is
 * copied from hvsim's output.  (fastpath_reenter, the preemption-timer
 * fastpath, has its tests in test_eras.c.) */
#include <criterion/criterion.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/result.h"
#include "sim/run.h"
#include "sim/loader/scenario.h"
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
	cr_assert_eq(r->stop, STOP_HALT, "%s: %s", policy, r->stop_msg);
}

/* A host perf watchpoint (so that every slow-path exit ends in
 * hw_breakpoint_restore(), hw_breakpoint_active()), a guest that opens a
 * WONT_EXIT window with one MOV from DR7 and then writes IA32_TSC_DEADLINE
 * ten times, IA32_DEBUGCTL once (issue 12's MSR exit, never a fastpath)
 * and the x2APIC ICR once (a fastpath only with the local APIC in the
 * kernel: never in hvsim's vCPU), then HLT.  14 exits in every era. */
#define HOST_PERF_BP "host:\n  breakpoints: [{slot: 1, addr: 0x7ff00100, type: write, len: 4, kind: perf}]\n"
#define TSC_LOOP                                  \
	"    mov rax, dr7\n"                          \
	"    mov ecx, 0x6e0\n"                        \
	"    mov ebx, 10\n"                           \
	"    again:\n"                                \
	"    xor eax, eax\n"                          \
	"    xor edx, edx\n"                          \
	"    wrmsr\n"                                 \
	"    dec ebx\n"                               \
	"    jnz again\n"                             \
	"    mov ecx, 0x1d9\n"                        \
	"    wrmsr\n"                                 \
	"    mov ecx, 0x830\n"                        \
	"    mov edx, 1\n"                            \
	"    wrmsr\n"                                 \
	"    hlt\n"

/* fastpath_tscdeadline: ae95f566b3d2 (5.8) re-enters after a WRMSR to
 * IA32_TSC_DEADLINE "if kvm_can_use_hv_timer()", which needs
 * kvm_x86_ops.set_hv_timer: VMX only; 0a94b2042419 (6.18) dropped the
 * test, "this allows handling MSR_IA32_TSC_DEADLINE writes in the fastpath
 * on AMD CPUs".
 *   fastpath: 10 re-entered exits; the MOV-DR, DEBUGCTL, ICR and HLT
 *     exits restore (4); the lazy window opened by the MOV-DR exit spans
 *     the re-entries and is synced once, at the DEBUGCTL exit;
 *   slow path: all 14 exits restore; the sync comes at the first WRMSR.
 * One guest load either way: the entry that opened the window. */
Test(fastpath, tscdeadline_wrmsr_per_era)
{
	struct scenario *sc = h_load_guest(
		"vendor: both\nvariants: [{name: nofast, base: bp_enabled, knobs: {fastpath_tscdeadline: none}}]\n"
		HOST_PERF_BP, TSC_LOOP);
	static const struct {
		const char *policy;
		enum vendor v;
		bool fast;
	} c[] = {
		{ "bp_enabled", VENDOR_VMX, true },  { "bp_enabled", VENDOR_SVM, true },
		{ "linux-6.12", VENDOR_VMX, true },  { "linux-6.12", VENDOR_SVM, false },
		{ "linux-6.1", VENDOR_VMX, true },   { "linux-6.1", VENDOR_SVM, false },
		{ "linux-5.15", VENDOR_VMX, true },  { "linux-3.19", VENDOR_VMX, false },
		{ "linux-3.0", VENDOR_VMX, false },  { "nofast", VENDOR_VMX, false },
		{ "nofast", VENDOR_SVM, false },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_result r;
		run_on(sc, c[i].policy, c[i].v, &r);
		const char *msr = c[i].v == VENDOR_VMX ? "exits.by_reason.MSR_WRITE" : "exits.by_reason.msr";
		cr_expect_eq(F(&r, "exits.total"), 14, "%s@%s", c[i].policy, r.vendor);
		cr_expect_eq(F(&r, msr), 12, "%s@%s", c[i].policy, r.vendor);
		cr_expect_eq(F(&r, "dr.host_restores"), c[i].fast ? 4 : 14, "%s@%s", c[i].policy, r.vendor);
		/* linux-3.0 always exits on MOV DR: no window, no sync */
		cr_expect_eq(F(&r, "dr.syncs"), strcmp(c[i].policy, "linux-3.0") ? 1 : 0, "%s@%s", c[i].policy,
			     r.vendor);
		cr_expect_eq(F(&r, "violations.count"), 0, "%s@%s", c[i].policy, r.vendor);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* A guest single-stepping itself over the WRMSR (its own TF, an IDT that
 * logs DR6): kvm_skip_emulated_instruction() -> kvm_vcpu_do_singlestep()
 * queues #DB with BS, kvm_queue_exception() raises KVM_REQ_EVENT, and
 * kvm_vcpu_exit_request() ends the loop with EXIT_FASTPATH_EXIT_HANDLED:
 * the DR block runs for that exit after all.  So under bp_enabled every
 * exit restores the host's breakpoint (without TF, test above, the WRMSR
 * is the one that does not).  The handler sees BS twice: after the WRMSR
 * (KVM's) and after the POPFQ that clears TF (the CPU's: TF was set when
 * it began, SDM Vol.3 17.3.1.4). */
Test(fastpath, single_step_request_leaves_the_loop)
{
	struct scenario *sc = h_load_guest("vendor: both\n" HOST_PERF_BP,
		GUEST_PROLOGUE
		"    mov rax, dr7\n"
		"    mov ecx, 0x6e0\n"
		"    xor eax, eax\n"
		"    xor edx, edx\n"
		"    pushfq\n"
		"    pushfq\n"
		"    or qword ptr [rsp], 0x100\n"
		"    popfq\n"
		"    wrmsr\n"
		"    popfq\n"
		"    hlt\n" GUEST_EPILOGUE);
	static const enum vendor vs[] = { VENDOR_VMX, VENDOR_SVM };
	for (size_t i = 0; i < 2; i++) {
		struct run_result r;
		run_on(sc, "bp_enabled", vs[i], &r);
		cr_expect_eq(F(&r, "dr.host_restores"), F(&r, "exits.total"), "%s", r.vendor);
		cr_expect_eq(F(&r, "db.guest.delivered"), 2, "%s", r.vendor);
		cr_expect_eq(sym_u64(sc, &r, "count", 0), 2, "%s", r.vendor);
		cr_expect_eq(sym_u64(sc, &r, "log", 0), 0xFFFF4FF0ull, "%s", r.vendor);
		cr_expect_eq(sym_u64(sc, &r, "log", 1), 0xFFFF4FF0ull, "%s", r.vendor);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* fastpath_user_exit: with KVM_GUESTDBG_SINGLESTEP the skip after a
 * fastpath WRMSR sets KVM_EXIT_DEBUG and returns 0; before f7f39c50edb9
 * ("Exit to userspace if fastpath triggers one on instruction skip", 6.12)
 * the fastpath ignored that and re-entered, so the debugger never sees the
 * step over the WRMSR.  Six instructions: MOV, XOR, XOR and NOP each end in
 * a #DB exit to user space, the WRMSR in KVM's KVM_EXIT_DEBUG (or none),
 * the HLT's is overwritten by KVM_EXIT_HLT (test_guest_debug.c):
 *   linux-6.12, bp_enabled: 5; linux-6.1 (VMX fastpath): 4;
 *   linux-6.1 on SVM (no fastpath before 6.18): 5. */
Test(fastpath, single_step_exit_to_user_f7f39c50edb9)
{
	struct scenario *sc = h_load_guest("vendor: both\nhost:\n  guest_debug: {singlestep: true}\n",
					   "    mov ecx, 0x6e0\n    xor eax, eax\n    xor edx, edx\n    wrmsr\n"
					   "    nop\n    hlt\n");
	static const struct {
		const char *policy;
		enum vendor v;
		uint64_t n;
	} c[] = {
		{ "linux-6.12", VENDOR_VMX, 5 }, { "bp_enabled", VENDOR_VMX, 5 }, { "bp_enabled", VENDOR_SVM, 5 },
		{ "linux-6.1", VENDOR_VMX, 4 },  { "linux-6.1", VENDOR_SVM, 5 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_result r;
		run_on(sc, c[i].policy, c[i].v, &r);
		cr_expect_eq(F(&r, "exits.to_user.debug"), c[i].n, "%s@%s", c[i].policy, r.vendor);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* fastpath_dr6_in_loop: 375e28ffc0cf (5.15) loads the guest's DR6 in
 * vmx_vcpu_run under WONT_EXIT, inside the run loop; c2fee09fc167 (6.14,
 * CVE-2025-21839): "If the guest modifies DR6 (in hardware, when DR
 * interception is disabled), and then the next VM-Exit is a fastpath
 * VM-Exit, KVM will reload hardware DR6 with vcpu->arch.dr6 and clobber
 * the guest's actual value."  The guest opens the window, writes DR6 =
 * 0xFFFF0FF1 natively, takes a TSC-deadline fastpath exit and reads DR6
 * natively: linux-5.15 gives it back vcpu->arch.dr6 as of the window's
 * entry, 0xFFFF0FF0 (and the oracle reports the wrong read); linux-6.1
 * carries the fix; linux-3.19 has no fastpath (the slow exit syncs DR6,
 * the read then exits and is emulated from the synced value); SVM's
 * fastpath WRMSR exists only since 6.18 (bp_enabled, fixed). */
Test(fastpath, stale_dr6_on_reentry_c2fee09fc167)
{
	struct scenario *sc = h_load_guest("vendor: both\n",
					   "    mov rax, dr7\n    mov rax, 0xFFFF0FF1\n    mov dr6, rax\n"
					   "    mov ecx, 0x6e0\n    xor eax, eax\n    xor edx, edx\n    wrmsr\n"
					   "    mov rax, dr6\n    mov [rip+seen], rax\n    hlt\n"
					   "    .balign 8\n    seen: .quad 0\n");
	static const struct {
		const char *policy;
		enum vendor v;
		uint64_t dr6, violations;
	} c[] = {
		{ "linux-5.15", VENDOR_VMX, 0xFFFF0FF0, 1 }, { "linux-6.1", VENDOR_VMX, 0xFFFF0FF1, 0 },
		{ "linux-6.12", VENDOR_VMX, 0xFFFF0FF1, 0 }, { "bp_enabled", VENDOR_VMX, 0xFFFF0FF1, 0 },
		{ "linux-3.19", VENDOR_VMX, 0xFFFF0FF1, 0 }, { "linux-5.15", VENDOR_SVM, 0xFFFF0FF1, 0 },
		{ "bp_enabled", VENDOR_SVM, 0xFFFF0FF1, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run_result r;
		run_on(sc, c[i].policy, c[i].v, &r);
		cr_expect_eq(sym_u64(sc, &r, "seen", 0), c[i].dr6, "%s@%s", c[i].policy, r.vendor);
		cr_expect_eq(F(&r, "violations.count"), c[i].violations, "%s@%s", c[i].policy, r.vendor);
		run_result_free(&r);
	}
	scenario_free(sc);
}

/* HLT: 1876dd69dfe8 (6.12) handles HLT in the fastpath, but
 * handle_fastpath_hlt() re-enters only "if (kvm_vcpu_running(vcpu))" after
 * kvm_emulate_halt() stayed in the kernel; with the local APIC in user
 * space kvm_emulate_halt() returns 0 and the verdict is
 * EXIT_FASTPATH_EXIT_USERSPACE, after the DR block.  So the HLT that ends
 * the run is synced and restored in every era: a guest that only opens a
 * window and halts has 2 exits, 2 restores, 1 sync (at the HLT). */
Test(fastpath, hlt_with_the_lapic_in_user_space_runs_the_block)
{
	struct scenario *sc = h_load_guest("vendor: both\n" HOST_PERF_BP, "    mov rax, dr7\n    hlt\n");
	static const char *const ps[] = { "bp_enabled", "linux-6.12", "linux-6.1" };
	static const enum vendor vs[] = { VENDOR_VMX, VENDOR_SVM };
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 2; j++) {
			struct run_result r;
			run_on(sc, ps[i], vs[j], &r);
			cr_expect_eq(F(&r, "exits.total"), 2, "%s@%s", ps[i], r.vendor);
			cr_expect_eq(F(&r, "dr.host_restores"), 2, "%s@%s", ps[i], r.vendor);
			cr_expect_eq(F(&r, "dr.syncs"), 1, "%s@%s", ps[i], r.vendor);
			run_result_free(&r);
		}
	scenario_free(sc);
}

/* Issue 13 item 2, SVM's I/O permission map: svm_hardware_setup() cleared
 * port 0x80 ("clear_bit(0x80, iopm_va); /\* allow direct access to PC debug
 * port *\/") only in the 2.6.25-era svm.c; the 2.6.28-era one (nested SVM,
 * kvm_svm.h) and every later one read (2.6.35, 5.x, 6.x) fill the map with
 * "memset(iopm_va, 0xff, ...)".  So on SVM every preset, the oldest
 * (linux-2.6.29) included, intercepts each OUT to 0x80 (exit 0x7B), while
 * VMX before d59d51f08801 (4.15) does not. */
Test(fastpath, svm_iopm_intercepts_port80_in_every_era)
{
	struct scenario *sc = h_load_guest("vendor: both\n",
					   "    out 0x80, al\n    mov dx, 0x80\n    out dx, al\n    in al, 0x80\n    hlt\n");
	static const char *const ps[] = { "linux-2.6.29", "hwbp-v3-2009", "linux-2.6.33", "linux-3.0",
					  "linux-3.19", "linux-5.15", "linux-6.1", "bp_enabled" };
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		struct run_result r;
		run_on(sc, ps[i], VENDOR_SVM, &r);
		cr_expect_eq(F(&r, "exits.by_reason.ioio"), 3, "%s", ps[i]);
		run_result_free(&r);
		run_on(sc, ps[i], VENDOR_VMX, &r);
		bool bypass = !strcmp(ps[i], "linux-2.6.29") || !strcmp(ps[i], "hwbp-v3-2009") ||
			      !strcmp(ps[i], "linux-2.6.33") || !strcmp(ps[i], "linux-3.0") ||
			      !strcmp(ps[i], "linux-3.19");
		cr_expect_eq(F(&r, "exits.by_reason.IO_INSTRUCTION"), bypass ? 0 : 3, "%s", ps[i]);
		run_result_free(&r);
	}
	scenario_free(sc);
}
