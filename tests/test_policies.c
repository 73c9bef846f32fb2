/* test_policies.c - the debug-register core's flag transitions, preset by
 * preset, driven directly (no guest code): dbg_handle_mov_dr / dbg_pre_entry
 * / dbg_post_exit against a minimal VMX-like vendor (a GUEST_DR7 field, the
 * MOV-DR exiting bit, the load-debug-controls bit, a queued exception) on
 * one simulated CPU.
 *
 * Expected values come from shared/spec/kvm-debugreg-logic.md (§ cited per
 * test), the seeds (shared/seeds/000-004) and the SDM rules the fake vendor
 * applies at exit/entry (27.5.1: VM exit sets DR7 = 0x400; 26.3.2.1: entry
 * loads DR7 from the field).  None is copied from hvsim's output. */
#include <criterion/criterion.h>
#include <string.h>
#include "cpu/cpu.h"
#include "debugreg/core.h"
#include "debugreg/policy.h"

#define GUEST_A 0x401000ull            /* the guest's breakpoint address */
#define HOST_H  0x7ff00100ull           /* the host's watchpoint address */
#define DR7_L0_EXEC 0x401ull            /* L0, execute, 1 byte */

struct fake {
	struct cpu cpu;
	struct cost_model cost;
	struct dbg d;
	uint64_t vmcs_dr7;              /* GUEST_DR7 */
	bool exiting;                   /* CPU_BASED_MOV_DR_EXITING */
	bool load_dbgctl;               /* VM_ENTRY_LOAD_DEBUG_CONTROLS */
	unsigned load_dbgctl_writes;
	unsigned syncs, syncs_rearm;
	bool exc_pending;
	int exc_vector;
	uint64_t exc_payload;
};

static void f_set_dr7(void *v, uint64_t val) { ((struct fake *)v)->vmcs_dr7 = val; }
static void f_set_dr_intercept(void *v, bool on) { ((struct fake *)v)->exiting = on; }

/* vmx_sync_dirty_debug_regs (kvm-debugreg-logic §5.6). */
static void f_sync(void *v, bool rearm)
{
	struct fake *f = v;
	for (int i = 0; i < 4; i++)
		f->d.db[i] = cpu_hv_read_dr(&f->cpu, i, "test sync");
	f->d.dr6 = cpu_hv_read_dr(&f->cpu, 6, "test sync");
	f->d.dr7 = f->vmcs_dr7;
	f->syncs++;
	if (rearm) {
		f->exiting = true;
		f->syncs_rearm++;
	}
	if (f->d.pol.vmx_dr6_reset_after_sync)
		cpu_hv_write_dr(&f->cpu, 6, DR6_ACTIVE_LOW, "test sync reset");
}

static void f_load_dr6(void *v, uint64_t dr6) { cpu_hv_write_dr(&((struct fake *)v)->cpu, 6, dr6, "test dr6"); }

static void f_queue(void *v, int vector, bool has_payload, uint64_t payload)
{
	struct fake *f = v;
	f->exc_pending = true;
	f->exc_vector = vector;
	f->exc_payload = has_payload ? payload : 0;
}

static void f_set_load_dbgctl(void *v, bool on)
{
	struct fake *f = v;
	f->load_dbgctl = on;
	f->load_dbgctl_writes++;
}

static uint64_t f_guest_debugctl(void *v) { (void)v; return 0; }

static const struct dbg_vendor_ops fake_ops = {
	.name = "fake-vmx",
	.set_dr7 = f_set_dr7,
	.set_dr_intercept = f_set_dr_intercept,
	.sync_dirty_debug_regs = f_sync,
	.load_guest_dr6 = f_load_dr6,
	.idle_guest_dr6 = NULL,
	.queue_exception = f_queue,
	.set_load_debug_controls = f_set_load_dbgctl,
	.guest_debugctl = f_guest_debugctl,
};

static struct fake *make(const char *policy)
{
	static struct fake f;                  /* one per test process (Criterion forks) */
	memset(&f, 0, sizeof(f));
	const struct policy *p = policy_find(policy);
	cr_assert_not_null(p, "preset %s", policy);
	cpu_init(&f.cpu, &f.cost);             /* all prices 0: only counts matter here */
	f.load_dbgctl = true;
	f.vmcs_dr7 = DR7_FIXED_1;
	dbg_init(&f.d, &f.cpu, p, &fake_ops, &f);
	return &f;
}

/* What the processor does at VM exit / VM entry with save/load debug
 * controls set (SDM 27.3.1 + 27.5.1; 26.3.2.1). */
static void vm_exit(struct fake *f)
{
	f->vmcs_dr7 = f->cpu.dr[7];
	f->cpu.dr[7] = DR7_FIXED_1;
	f->cpu.guest_mode = false;
}

static void vm_entry(struct fake *f)
{
	f->exc_pending = false;
	if (f->load_dbgctl)
		f->cpu.dr[7] = f->vmcs_dr7;
	f->cpu.guest_mode = true;
}

/* One MOV DR exit through the core; returns the action. */
static enum dr_exit_action movdr(struct fake *f, int dr, bool write, uint64_t val)
{
	uint64_t v = val;
	return dbg_handle_mov_dr(&f->d, dr, write, &v, false, 0, false);
}

/* The first entry: the guest is running afterwards. */
static void start(struct fake *f)
{
	dbg_pre_entry(&f->d);
	vm_entry(f);
}

/* A whole non-DR round trip of a running guest: exit, post-exit step,
 * pre-entry step, entry. */
static void round_trip(struct fake *f)
{
	vm_exit(f);
	dbg_post_exit(&f->d);
	dbg_pre_entry(&f->d);
	vm_entry(f);
}

/* ---- bp_enabled (today's KVM) ------------------------------------------------ */

/* §4.1: BP_ENABLED is set by kvm_update_dr7() when the effective DR7 & 0xFF
 * is non-zero and cleared when it is zero; the value goes to GUEST_DR7. */
Test(bp_enabled, dr7_write_with_l0_sets_bp_enabled)
{
	struct fake *f = make("bp_enabled");
	cr_assert_eq(f->d.switch_db_regs, 0);
	cr_assert_eq(kvm_set_dr(&f->d, 7, DR7_L0_EXEC), 0);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED);
	cr_assert_eq(f->vmcs_dr7, DR7_L0_EXEC);
	cr_assert_eq(kvm_set_dr(&f->d, 7, 0), 0);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED);
	cr_assert_eq(f->vmcs_dr7, DR7_FIXED_1);          /* (val & 0xFFFF2BFF) | 0x400, §5.2 */
}

/* §3.2 / arch-facts A.6 step 2: the first MOV DR with guest_debug == 0
 * clears MOV-DR exiting, sets WONT_EXIT and re-enters on the same
 * instruction without emulating it. */
Test(bp_enabled, first_movdr_exit_sets_wont_exit_and_clears_exiting)
{
	struct fake *f = make("bp_enabled");
	cr_assert(f->exiting, "MOV-DR exiting starts on (A.6 step 1)");
	cr_assert_eq(movdr(f, 0, true, GUEST_A), DR_EXIT_REENTER);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
	cr_assert_not(f->exiting);
	cr_assert_eq(f->cpu.st.dr_emulated, 0);
	cr_assert_eq(f->d.db[0], 0, "nothing emulated: db[0] unchanged");
}

/* §5.3: an entry with WONT_EXIT writes DR7 <- 0x400, DR0-3 <- eff_db and,
 * since the guest can touch DR6 directly, DR6 (375e28ffc0cf). */
Test(bp_enabled, wont_exit_entry_loads_dr0_3_and_dr6)
{
	struct fake *f = make("bp_enabled");
	f->d.dr6 = 0xFFFF0FF1;                  /* a guest DR6 with B0 set */
	movdr(f, 0, true, GUEST_A);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(f->cpu.st.dr_hw_writes[i], 1, "DR%d", i);
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], 1);
	cr_assert_eq(f->cpu.dr[6], 0xFFFF0FF1);
	cr_assert_eq(f->cpu.st.dr_hw_writes[7], 1);
}

/* §3.2 / A.6 step 4 + seed 003: the exit after the lazy window syncs DR0-3,
 * DR6 (hardware) and DR7 (GUEST_DR7), clears WONT_EXIT and re-arms exiting;
 * kvm_update_dr7 then sets BP_ENABLED for the armed DR7; VMX resets DR6
 * right after (1ccb6f983a06). */
Test(bp_enabled, post_exit_sync_clears_wont_exit_and_rearms)
{
	struct fake *f = make("bp_enabled");
	movdr(f, 0, true, GUEST_A);
	dbg_pre_entry(&f->d);
	vm_entry(f);
	f->cpu.dr[0] = GUEST_A;                 /* the guest's native MOVs */
	f->cpu.dr[7] = DR7_L0_EXEC;
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->syncs_rearm, 1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED);
	cr_assert(f->exiting);
	cr_assert(f->d.intercepting);
	cr_assert_eq(f->d.db[0], GUEST_A);
	cr_assert_eq(f->d.dr7, DR7_L0_EXEC);
	cr_assert_eq(f->cpu.dr[6], DR6_ACTIVE_LOW);
	cr_assert_eq(f->cpu.st.dr_syncs, 1);
}

/* Seed 000, Sean Christopherson: "Loading DRs on every VM-Enter _is_
 * necessary if there are breakpoints enabled for the guest." */
Test(bp_enabled, reloads_on_every_entry_while_armed)
{
	struct fake *f = make("bp_enabled");
	kvm_set_dr(&f->d, 0, GUEST_A);
	kvm_set_dr(&f->d, 7, DR7_L0_EXEC);
	start(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	for (int i = 2; i <= 4; i++) {
		round_trip(f);
		cr_assert_eq(f->cpu.st.dr_guest_loads, (uint64_t)i);
	}
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
	cr_assert_eq(f->cpu.dr[7], DR7_L0_EXEC);
}

/* §5.3 / f85d40160691: with switch_db_regs == 0 and a host breakpoint the
 * entry only disarms the host (DR7 <- 0x400); hw_breakpoint_restore() after
 * the exit puts back the host's DR0-3, DR6 and DR7 (§1). */
Test(bp_enabled, host_breakpoint_disarmed_before_entry_restored_after_exit)
{
	struct fake *f = make("bp_enabled");
	host_bp_install(&f->d, 1, HOST_H, 1, 4, false);
	uint64_t host_dr7 = f->cpu.dr[7];
	cr_assert(host_dr7 & DR7_G(1));
	uint64_t w7 = f->cpu.st.dr_hw_writes[7];
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 0);
	cr_assert_eq(f->cpu.st.dr_hw_writes[7], w7 + 1);
	cr_assert_eq(f->cpu.dr[7], DR7_FIXED_1);
	vm_entry(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->cpu.st.dr_host_restores, 1);
	cr_assert_eq(f->cpu.dr[1], HOST_H);
	cr_assert_eq(f->cpu.dr[7], host_dr7);
}

/* Seed 000 (the contrast): with a host breakpoint in DR0 the guest still
 * runs with its own DR0 after every host restore. */
Test(bp_enabled, guest_dr0_back_in_place_after_host_restore)
{
	struct fake *f = make("bp_enabled");
	host_bp_install(&f->d, 0, HOST_H, 1, 4, false);
	kvm_set_dr(&f->d, 0, GUEST_A);
	kvm_set_dr(&f->d, 7, DR7_L0_EXEC);
	dbg_pre_entry(&f->d);
	vm_entry(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->cpu.dr[0], HOST_H, "hw_breakpoint_restore put the host's DR0 back");
	dbg_pre_entry(&f->d);
	vm_entry(f);
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
	cr_assert_eq(f->cpu.dr[7], DR7_L0_EXEC);
}

/* ---- need_reload (the 2020 RFC, seed 000) -------------------------------------- */

/* RFC patch 2/3: every __kvm_set_dr() sets NEED_RELOAD; the entry that loads
 * clears it (one-shot); patch 1/3: the reset-time RELOAD is NEED_RELOAD. */
Test(need_reload, set_by_a_dr_write_cleared_by_the_next_entry)
{
	struct fake *f = make("need_reload");
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD, "vCPU reset: kvm_update_dr0123");
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
	cr_assert_eq(kvm_set_dr(&f->d, 0, GUEST_A), 0);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 2);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 2, "one-shot: no reload without a new write");
}

/* RFC patch 2/3: BP_ENABLED is gone; kvm_update_dr7 only sets NEED_RELOAD. */
Test(need_reload, armed_dr7_never_sets_bp_enabled)
{
	struct fake *f = make("need_reload");
	dbg_pre_entry(&f->d);
	kvm_set_dr(&f->d, 7, DR7_L0_EXEC);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
}

/* Seed 000: the host restore after an exit is not a DR write: NEED_RELOAD
 * stays clear, the next entry does not reload, and the guest runs its DR7
 * (from GUEST_DR7) over the host's DR0. */
Test(need_reload, never_set_by_a_host_restore)
{
	struct fake *f = make("need_reload");
	host_bp_install(&f->d, 0, HOST_H, 1, 4, false);
	kvm_set_dr(&f->d, 0, GUEST_A);
	kvm_set_dr(&f->d, 7, DR7_L0_EXEC);
	dbg_pre_entry(&f->d);                   /* NEED_RELOAD: loads GUEST_A */
	vm_entry(f);
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->cpu.st.dr_host_restores, 1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD);
	dbg_pre_entry(&f->d);
	vm_entry(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	cr_assert_eq(f->cpu.dr[0], HOST_H, "the host's address under ...");
	cr_assert_eq(f->cpu.dr[7], DR7_L0_EXEC, "... the guest's DR7");
}

/* RFC patch 3/3 "skip DRn reload if previous VM exit is DR access VM exit". */
Test(need_reload, wont_exit_transition_does_not_reload)
{
	struct fake *f = make("need_reload");
	dbg_pre_entry(&f->d);
	cr_assert_eq(movdr(f, 0, true, GUEST_A), DR_EXIT_REENTER);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1, "only the reset-time load");
}

/* §4.2 "RFC EXIT": the sync block sets NEED_RELOAD (update_dr0123 /
 * update_dr7) and clears it at its end (the renamed RELOAD clear). */
Test(need_reload, sync_block_consumes_need_reload)
{
	struct fake *f = make("need_reload");
	dbg_pre_entry(&f->d);
	movdr(f, 0, true, GUEST_A);
	dbg_pre_entry(&f->d);
	vm_entry(f);
	f->cpu.dr[0] = GUEST_A;
	f->cpu.dr[7] = DR7_L0_EXEC;
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->syncs_rearm, 1);
	cr_assert_eq(f->d.switch_db_regs & (KVM_DEBUGREG_NEED_RELOAD | KVM_DEBUGREG_WONT_EXIT), 0);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
}

/* ---- need_reload-6.1 (seed000-need-reload-6.1.diff: RFC patch 2/3 on 6.1) ------------ */

/* The #DB handler of kvmref_exec_loop: its MOV from DR6 exits and opens the
 * window; 6.1's entry test is still "if (unlikely(vcpu->arch.switch_db_regs))"
 * (the diff keeps it), so the WONT_EXIT entry reloads DR0-3 and, through
 * KVM_RUN_LOAD_GUEST_DR6, writes vcpu->arch.dr6 - which
 * kvm_deliver_exception_payload() made 0xFFFF0FF1 for a B0 #DB - to the
 * hardware (vmx_vcpu_run "set_debugreg(vcpu->arch.dr6, 6)").  The RFC with
 * patch 3/3 (need_reload) skips that load.  Real patched kvm_intel and
 * kvm_amd 6.1.0-57: the handler reads 0xFFFF0FF1, 100 of 100. */
Test(need_reload_61, wont_exit_entry_loads_guest_dr6)
{
	static const char *const pols[] = { "need_reload-6.1", "need_reload" };
	for (int i = 0; i < 2; i++) {
		struct fake *f = make(pols[i]);
		start(f);
		vm_exit(f);                                     /* the #DB exit of an execute breakpoint */
		dbg_post_exit(&f->d);
		dbg_handle_db_exit(&f->d, 0x1);                 /* queued with B0 */
		dbg_pre_entry(&f->d);                           /* inject_pending_event delivers the payload */
		vm_entry(f);
		cr_assert_eq(f->d.dr6, 0xFFFF0FF1ull, "kvm_deliver_exception_payload");
		vm_exit(f);                                     /* the handler's MOV from DR6 */
		dbg_post_exit(&f->d);
		unsigned loads = f->cpu.st.dr_guest_loads;
		cr_assert_eq(movdr(f, 6, false, 0), DR_EXIT_REENTER, "%s: handle_dr opens the window", pols[i]);
		dbg_pre_entry(&f->d);
		vm_entry(f);
		if (i == 0) {
			cr_expect_eq(f->cpu.st.dr_guest_loads, loads + 1, "the WONT_EXIT entry loads");
			cr_expect_eq(f->cpu.dr[6], 0xFFFF0FF1ull, "KVM_RUN_LOAD_GUEST_DR6");
		} else {
			cr_expect_eq(f->cpu.st.dr_guest_loads, loads, "patch 3/3: no reload on WONT_EXIT");
			cr_expect_neq(f->cpu.dr[6], 0xFFFF0FF1ull);
		}
	}
}

/* The diff's kvm_update_dr7() hunk: an armed DR7 sets NEED_RELOAD (never
 * BP_ENABLED) and nothing clears it but the entry that loads; 6.1 has no
 * "switch_db_regs &= ~KVM_DEBUGREG_RELOAD" after the sync (34e9f860071f),
 * so the sync of a window with the guest's DR7 armed leaves NEED_RELOAD
 * set and the next entry reloads once.  need_reload (on 5.7) clears it
 * there (the renamed RELOAD clear) and does not reload. */
Test(need_reload_61, sync_with_armed_dr7_reloads_once)
{
	static const char *const pols[] = { "need_reload-6.1", "need_reload" };
	for (int i = 0; i < 2; i++) {
		struct fake *f = make(pols[i]);
		start(f);
		movdr(f, 7, true, DR7_L0_EXEC);                 /* opens the window */
		dbg_pre_entry(&f->d);
		vm_entry(f);
		f->cpu.dr[7] = DR7_L0_EXEC;                     /* the guest's native MOV DR7 */
		vm_exit(f);
		unsigned loads = f->cpu.st.dr_guest_loads;
		dbg_post_exit(&f->d);                           /* WONT_EXIT sync, kvm_update_dr7 */
		cr_expect_not(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED, "%s", pols[i]);
		cr_expect_eq((f->d.switch_db_regs & KVM_DEBUGREG_NEED_RELOAD) != 0, i == 0, "%s", pols[i]);
		dbg_pre_entry(&f->d);
		vm_entry(f);
		cr_expect_eq(f->cpu.st.dr_guest_loads, loads + (i == 0), "%s", pols[i]);
		round_trip(f);                                  /* one-shot: nothing armed it again */
		cr_expect_eq(f->cpu.st.dr_guest_loads, loads + (i == 0), "%s", pols[i]);
	}
}

/* ---- K14 with and without RELOAD (linux-3.15 / linux-3.19) ------------------------- */

/* ae561edeb421: kvm_update_dr0123() at vCPU reset forces one reload. */
Test(history, reload_flag_forces_one_reload_after_reset)
{
	struct fake *f = make("linux-3.19");
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_RELOAD);
	start(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_RELOAD);
	round_trip(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
}

Test(history, k14_without_reload_flag_loads_nothing_after_reset)
{
	struct fake *f = make("linux-3.15");
	cr_assert_eq(f->d.switch_db_regs, 0);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 0);
}

/* Before 5.15 DR6 went in with DR0-3 on every loading entry; since
 * 375e28ffc0cf only under WONT_EXIT (§4.4, §5.10). */
Test(history, dr6_loaded_with_dr0_3_before_5_15_only)
{
	struct fake *k14 = make("linux-3.15");
	kvm_set_dr(&k14->d, 7, DR7_L0_EXEC);
	dbg_pre_entry(&k14->d);
	cr_assert_eq(k14->cpu.st.dr_guest_loads, 1);
	cr_assert_eq(k14->cpu.st.dr_hw_writes[6], 1);
	struct fake *k21 = make("linux-5.15");
	kvm_set_dr(&k21->d, 7, DR7_L0_EXEC);
	dbg_pre_entry(&k21->d);
	cr_assert_eq(k21->cpu.st.dr_guest_loads, 1);
	cr_assert_eq(k21->cpu.st.dr_hw_writes[6], 0);
}

/* §2.4 / §8 K11: every guest MOV DR exits and is emulated. */
Test(history, always_exit_emulates_every_movdr)
{
	struct fake *f = make("always_exit");
	cr_assert_eq(movdr(f, 0, true, GUEST_A), DR_EXIT_SKIP);
	cr_assert_eq(movdr(f, 7, true, DR7_L0_EXEC), DR_EXIT_SKIP);
	cr_assert_eq(f->cpu.st.dr_emulated, 2);
	cr_assert(f->exiting);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_WONT_EXIT);
	cr_assert_eq(f->d.db[0], GUEST_A);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_BP_ENABLED);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
}

/* Seed 002: "if (vcpu->arch.switch_db_regs || test_thread_flag(TIF_DEBUG))
 * hw_breakpoint_restore()" - TIF_DEBUG is set for ptrace breakpoints only. */
Test(history, tif_debug_gate_loses_perf_keeps_ptrace)
{
	struct fake *perf = make("hwbp-v3-2009");
	host_bp_install(&perf->d, 1, HOST_H, 1, 4, false);
	start(perf);
	vm_exit(perf);
	dbg_post_exit(&perf->d);
	cr_assert_eq(perf->cpu.st.dr_host_restores, 0);
	cr_assert_eq(perf->cpu.dr[7], DR7_FIXED_1, "VM exit left the host's watchpoint disarmed");
	struct fake *ptr = make("hwbp-v3-2009");
	host_bp_install(&ptr->d, 1, HOST_H, 1, 4, true);
	uint64_t host_dr7 = ptr->cpu.dr[7];
	start(ptr);
	vm_exit(ptr);
	dbg_post_exit(&ptr->d);
	cr_assert_eq(ptr->cpu.st.dr_host_restores, 1);
	cr_assert_eq(ptr->cpu.dr[7], host_dr7);
}

/* 24f1e32c60c4 (v4): "Restore the breakpoints unconditionally on kvm guest
 * exit": 6 writes per exit even with no host breakpoint (§9 S1: K33 6E). */
Test(history, linux_2_6_33_restores_on_every_exit)
{
	struct fake *f = make("linux-2.6.33");
	start(f);
	round_trip(f);
	round_trip(f);
	cr_assert_eq(f->cpu.st.dr_host_restores, 2);
	uint64_t w = 0;
	for (int i = 0; i < 8; i++)
		w += f->cpu.st.dr_hw_writes[i];
	cr_assert_eq(w, 12);
}

/* §2.1 / §9 S1: K08 reads the host's DR6/DR7 on every entry and writes them
 * back after every exit: "2 reads + 2 writes per round trip"; and its
 * vmx_vcpu_run writes the guest's DR6 before every entry and reads it back
 * after every exit (kvm-eras-2026.md H2; knob guest_dr6 = vmx_every_run):
 * one more of each on VMX, which the fake vendor is. */
Test(history, linux_2_6_29_saves_and_restores_dr6_dr7_every_round_trip)
{
	struct fake *f = make("linux-2.6.29");
	dbg_pre_entry(&f->d);
	vm_entry(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	uint64_t r = 0, w = 0;
	for (int i = 0; i < 8; i++) {
		r += f->cpu.st.dr_hw_reads[i];
		w += f->cpu.st.dr_hw_writes[i];
	}
	cr_assert_eq(r, 3);
	cr_assert_eq(w, 3);
	cr_assert_eq(f->cpu.st.dr_hw_reads[6], 2);
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], 2);
	cr_assert_eq(f->cpu.st.dr_hw_reads[7], 1);
}

/* ---- dirty_bit (seed 004) -------------------------------------------------------- */

/* Seed 004 trap_debug32: a trapped write stores the value and sets DIRTY;
 * a read returns the stored value and does not. */
Test(dirty_bit, trapped_write_sets_dirty_read_does_not)
{
	struct fake *f = make("dirty_bit");
	cr_assert_eq(movdr(f, 7, false, 0), DR_EXIT_SKIP);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_DIRTY);
	cr_assert_eq(movdr(f, 0, true, GUEST_A), DR_EXIT_SKIP);
	cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_DIRTY);
	cr_assert_eq(f->d.db[0], GUEST_A);
	cr_assert_eq(f->cpu.st.dr_emulated, 2);
}

/* Seed 004 "On guest entry: If the dirty bit is set ..., disable the traps,
 * save host registers, restore guest registers"; "On guest exit: If the
 * dirty bit is set, save guest registers, restore host registers and clear
 * the dirty bit"; then "Otherwise, enable the traps". */
Test(dirty_bit, dirty_entry_switches_and_exit_cleans_up)
{
	struct fake *f = make("dirty_bit");
	movdr(f, 0, true, GUEST_A);
	dbg_pre_entry(&f->d);
	cr_assert_not(f->exiting);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	cr_assert_eq(f->cpu.st.dr_hw_reads[7], 1, "host registers saved");
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
	vm_entry(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	cr_assert_eq(f->syncs, 1);
	cr_assert_eq(f->cpu.st.dr_host_restores, 1);
	cr_assert_not(f->d.switch_db_regs & KVM_DEBUGREG_DIRTY);
	cr_assert_eq(f->cpu.dr[0], 0, "the host's DR0 is back");
	dbg_pre_entry(&f->d);
	cr_assert(f->exiting, "clean again: trap");
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
}

/* Seed 004: "If debug is actively in use (ARM_DSCR_MDBGEN set), set the
 * dirty bit" - x86: the guest's DR7 arms a breakpoint. */
Test(dirty_bit, armed_dr7_makes_every_entry_dirty)
{
	struct fake *f = make("dirty_bit");
	kvm_set_dr(&f->d, 7, DR7_L0_EXEC);
	start(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	for (int i = 2; i <= 4; i++) {
		round_trip(f);
		cr_assert(f->d.switch_db_regs & KVM_DEBUGREG_DIRTY);
		cr_assert_not(f->exiting);
		cr_assert_eq(f->cpu.st.dr_guest_loads, (uint64_t)i);
	}
}

/* ---- eager, xen, skip_dbgctl_load ------------------------------------------------- */

/* §8 counting conventions / seed 003 "you would incur this cost always": the
 * eager reference never intercepts, loads on every entry, saves and
 * restores on every exit. */
Test(eager, switches_everything_every_time)
{
	struct fake *f = make("eager");
	cr_assert_not(f->exiting);
	start(f);
	round_trip(f);
	round_trip(f);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 3);
	cr_assert_eq(f->syncs, 2);
	cr_assert_eq(f->syncs_rearm, 0);
	cr_assert_eq(f->cpu.st.dr_host_restores, 2);
}

/* §8 XEN: the first access loads the guest's DRs and MOV-DR exiting stays
 * off; no per-exit sync, no per-entry reload. */
Test(xen, first_access_loads_and_exiting_stays_off)
{
	struct fake *f = make("xen");
	f->d.db[0] = GUEST_A;
	f->d.eff_db[0] = GUEST_A;
	cr_assert_eq(movdr(f, 7, false, 0), DR_EXIT_REENTER);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
	cr_assert_eq(f->cpu.dr[0], GUEST_A);
	cr_assert_not(f->exiting);
	vm_entry(f);                            /* re-enter on the instruction */
	round_trip(f);
	round_trip(f);
	cr_assert_not(f->exiting);
	cr_assert_eq(f->syncs, 0);
	cr_assert_eq(f->cpu.st.dr_guest_loads, 1);
}

/* Seed 003, Paolo Bonzini: "skip the LOAD_DEBUG_CONTROLS vm-entry control if
 * DR7 == host DR7 == 0x400 && MOV DR exits are enabled". */
Test(skip_dbgctl_load, control_cleared_only_while_safe)
{
	struct fake *f = make("skip_dbgctl_load");
	dbg_pre_entry(&f->d);
	cr_assert_not(f->load_dbgctl, "DR7 0x400 on both sides, exits on");
	movdr(f, 7, false, 0);                  /* WONT_EXIT: the guest may write DR7 */
	dbg_pre_entry(&f->d);
	cr_assert(f->load_dbgctl);
	vm_entry(f);
	f->cpu.dr[7] = DR7_L0_EXEC;
	vm_exit(f);
	dbg_post_exit(&f->d);                   /* exits back on, but DR7 armed */
	dbg_pre_entry(&f->d);
	cr_assert(f->load_dbgctl);
	cr_assert_eq(f->load_dbgctl_writes, 2);
}

Test(skip_dbgctl_load, bp_enabled_never_touches_the_control)
{
	struct fake *f = make("bp_enabled");
	start(f);
	round_trip(f);
	cr_assert(f->load_dbgctl);
	cr_assert_eq(f->load_dbgctl_writes, 0);
}

/* ---- #DB payload vs the DR6 load (§5.3, §5.5) ------------------------------------- */

/* KVM delivers a queued #DB's payload (inject_pending_event) before the DR
 * block of vcpu_enter_guest loads DR6, so the DR6 the guest runs with has
 * the new B0 (DR6 after #DB: 0xFFFF0FF0 | B0) - written once. */
Test(payload, db_payload_is_in_the_dr6_loaded_at_entry)
{
	struct fake *f = make("eager");
	start(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	dbg_handle_db_exit(&f->d, DR6_B(0));
	cr_assert(f->exc_pending);
	cr_assert_eq(f->exc_vector, 1);
	uint64_t w6 = f->cpu.st.dr_hw_writes[6];
	dbg_pre_entry(&f->d);
	dbg_deliver_db_payload(&f->d, f->exc_payload);   /* the vendor's call after pre-entry */
	cr_assert_eq(f->cpu.dr[6], 0xFFFF0FF1);
	cr_assert_eq(f->d.dr6, 0xFFFF0FF1);
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], w6 + 1);
}

/* The same with the vendor delivering first (KVM's own order): one write. */
Test(payload, delivery_before_pre_entry_writes_dr6_once)
{
	struct fake *f = make("eager");
	start(f);
	vm_exit(f);
	dbg_post_exit(&f->d);
	dbg_handle_db_exit(&f->d, DR6_B(1));
	uint64_t w6 = f->cpu.st.dr_hw_writes[6];
	dbg_deliver_db_payload(&f->d, f->exc_payload);
	dbg_pre_entry(&f->d);
	cr_assert_eq(f->cpu.dr[6], 0xFFFF0FF2);
	cr_assert_eq(f->cpu.st.dr_hw_writes[6], w6 + 1);
}

/* Issue 12 item 4: a MOV DR exit at CPL 3 with the guest's DR7.GD = 1.
 * handle_dr checked CPL first (#GP) in every era before 48512697c081
 * ("KVM: VMX: Prioritize DR7.GD=1 #DB over CPL>0 #GP on Intel", 2026),
 * which injects the general-detect #DB (payload BD) instead. */
Test(policies, movdr_fault_order_at_cpl3_with_gd)
{
	static const struct { const char *pol; int vector; } t[] = {
		{ "bp_enabled", 1 }, { "linux-5.15", 13 }, { "linux-3.0", 13 }, { "linux-2.6.29", 13 },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fake *f = make(t[i].pol);
		uint64_t v = 0;
		cr_assert_eq(dbg_handle_mov_dr(&f->d, 0, false, &v, false, 3, true), DR_EXIT_FAULTED, "%s", t[i].pol);
		cr_assert(f->exc_pending, "%s", t[i].pol);
		cr_assert_eq(f->exc_vector, t[i].vector, "%s", t[i].pol);
		if (t[i].vector == 1)
			cr_assert_eq(f->exc_payload, DR6_BD);
		/* CPL 3 without GD: #GP in every era; CPL 0 with GD: the #DB */
		f->exc_pending = false;
		cr_assert_eq(dbg_handle_mov_dr(&f->d, 7, true, &v, false, 3, false), DR_EXIT_FAULTED);
		cr_assert_eq(f->exc_vector, 13, "%s", t[i].pol);
		cr_assert_eq(dbg_handle_mov_dr(&f->d, 7, false, &v, false, 0, true), DR_EXIT_FAULTED);
		cr_assert_eq(f->exc_vector, 1, "%s", t[i].pol);
	}
}
