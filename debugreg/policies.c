/* policies.c - the policy presets: each is a set of knobs with the kernel
 * commit or mailing-list message it models.  `hvsim list policies` prints
 * the summary lines.  Era definitions: kvm-debugreg-logic.md §8.
 *
 * Every preset starts from the knobs' defaults (debugreg/knobs.def: what
 * KVM does today, i.e. `bp_enabled`) and lists only the knobs in which it
 * differs; `hvsim list policies --knobs` (policy_print_matrix) prints the
 * whole preset x knob matrix. */
#include "debugreg/policy.h"
#include "debugreg/policy_names.h"
#include <string.h>
#include "cpu/dr.h"

/* Every knob at its default (today's KVM), from knobs.def. */
#define KNOB_DEFAULT(kind, field, ctype, def, ...) .field = (def),
#define KNOB_NO_VALUES(...)
#define KNOB_DEFAULTS POLICY_KNOBS(KNOB_DEFAULT, KNOB_NO_VALUES)

/* The entry path before the 2021 series (K21, kvm-debugreg-logic §4.4,
 * §5.3): DR7 <- 0 before loading DR0-3 (0x400 since 2025), no host DR7
 * disarm before entry (f85d40160691), no hardware DR6 reset right after
 * the VMX sync (1ccb6f983a06).  The non-KVM presets (eager, dirty_bit,
 * xen) use the same entry path. */
#define PRE_K21_ENTRY                                                    \
	.preentry_dr7 = 0, .preentry_disarm_host = false, .vmx_dr6_reset_after_sync = false

/* Knobs shared by the always-exit presets (K08-K11, §2): every guest MOV DR
 * exits and is emulated against db[]/dr6/dr7; DR0-3 go in with DR7 <- 0
 * first on entries where the effective DR7 arms a breakpoint. */
#define ALWAYS_EXIT_BASE                                                 \
	.movdr = MOVDR_EMULATE, .load = LOAD_IF_BP_ENABLED, PRE_K21_ENTRY

/* Per-era hardware set-up (issue 13, knobs.def "per-era hardware set-up";
 * shared/spec/kvm-eras-2026.md).  Every KVM before the 2026 SVM ICEBP
 * intercept (ec9a16c6aeba), and the non-KVM references, run INT1 without
 * an exit; every KVM before the 5.8 preemption-timer fastpath (and the
 * references, which switch on every exit by definition) handles every
 * exit on the slow path. */
#define PRE_2026 .svm_icebp_intercept = false
/* The fastpath loop (knobs.def, debugreg/switch.c "fastpath re-entry"):
 * the TSC-deadline WRMSR fastpath was VMX-only from 5.8 (ae95f566b3d2,
 * behind kvm_can_use_hv_timer()) until 0a94b2042419 (6.18); a skip that
 * asked for user space was ignored until f7f39c50edb9 (6.12); before 5.8
 * there is no fastpath at all. */
#define PRE_6_18 .fastpath_tscdeadline = FPTD_VMX
#define PRE_6_12 .fastpath_user_exit = false, PRE_6_18
#define PRE_5_8 .fastpath_reenter = false, .fastpath_tscdeadline = FPTD_NONE, .fastpath_user_exit = false, PRE_2026
/* Before d59d51f08801 (4.15) VMX let the guest write port 0x80 without an
 * exit; before "KVM: svm: unconditionally intercept #DB" (CVE-2015-8104,
 * 4.4) SVM intercepted #DB only for the host debugger. */
#define PRE_4_4 PRE_5_8, .vmx_port80_passthrough = true, .db_intercept = DBI_VMX_ONLY
/* INT1 on VMX (knob vmx_icebp_skip): handle_exception skipped a #DB exit
 * whose exit qualification had no DR6 status bit until 32d43cd391ba (4.16,
 * CVE-2018-1087) made it is_icebp(); the 3.11-era vmx.c skipped nothing.
 * linux-3.19 is of the qualification-test era (the test is in the two
 * vmx.c with DR6_RTM that were read, one before the 4.4 #AC intercept);
 * the older presets, linux-3.15 included (the commit that added the test,
 * after 3.11, was not identified), take the 3.11 code. */
#define ICEBP_3_11 .vmx_icebp_skip = ICEBP_NEVER
#define ICEBP_4_15 .vmx_icebp_skip = ICEBP_EMPTY_QUAL

/* A preset: the defaults, then the knobs it overrides.  Overriding an
 * earlier designated initializer is what C11 6.7.9p19 defines (the last one
 * wins); GCC's -Woverride-init (in -Wextra) would flag exactly that. */
#define PRESET(...) { KNOB_DEFAULTS __VA_ARGS__ }

/* Issue 12's two guest-CPU knobs are written out in every preset (their era
 * value, even where it equals the default):
 *   emul_singlestep: false before Linux 4.10 (Kyle Huey's series: "KVM does
 *     not currently honor the trap flag when emulating instructions that
 *     cause VM exits"), true from it on; the non-era comparison presets
 *     (eager, dirty_bit, xen) take today's value so that a comparison
 *     isolates their switching policy.
 *   movdr_fault_order: cpl_first in every preset older than 48512697c081
 *     (2026); gd_first for today's KVM (bp_enabled and its variant
 *     skip_dbgctl_load).  VMX only: on SVM the processor raises both faults
 *     before the DR intercept (arch-facts A.5).
 * and so are the two of its second part:
 *   debugctl_msr: common (b5e2fec0ebc3's kvm_set_msr_common rule on VMX, the
 *     ~0x3f rule on SVM) before Linux 5.12; vmcs_field from d855066f8172
 *     (5.12: linux-5.15); drop_5_2 for linux-6.1 (Debian's 6.1.192, read in
 *     linux-source-6.1 6.1.192-3: svm_set_msr drops bits 5:2, has
 *     DEBUGCTL_RESERVED_BITS ~(BTF | LBR), no BTF suppression and no manual
 *     DEBUGCTL switch); btf_suppressed from the 2025 SVM fixes
 *     ee89e8013383 / d0eac42f5cec / 433265870ab3 (6.14-rc6, Cc stable: the
 *     6.12-stable review of d0eac42f5cec exists) and in today's KVM.
 *   vmx_pending_dbg_bs: false before b9bed78e2fa9 (5.17; linux-5.15 models
 *     the 5.15 release, the fix reached 5.15.y later), true from it on (in
 *     6.1.192 the BS write sits in vmx_inject_exception).
 * The comparison presets (eager, dirty_bit, xen, skip_dbgctl_load) take
 * today's values. */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct policy presets[] = {
	/* bp_enabled - KVM as it is today (Linux 6.x, x86.c vcpu_enter_guest,
	 * kvm-debugreg-logic §5.3): the K21 knobs with DR7 <- 0x400
	 * (fa7d0f83c5c4, "x86/traps: Initialize DR7 by writing its
	 * architectural reset value", Xin Li, June 2025, 6.16 and stable; it was
	 * 0 before).  The flag that names it,
	 * KVM_DEBUGREG_BP_ENABLED, is what makes every entry reload DR0-3
	 * while the guest has a breakpoint armed, which Sean Christopherson
	 * defended against the 2020 RFC: "Loading DRs on every VM-Enter _is_
	 * necessary if there are breakpoints enabled for the guest" (seed 000).
	 * Pinned to the newest KVM read, the kvm.git for-linus push of
	 * 2026-08-24 (Linux 7.2-rc): with the 2025 DR7 <- DR7_FIXED_1 and
	 * KVM_RUN_LOAD_GUEST_DR6 (80c64c7afea1, same semantics as the vendor
	 * set_dr6 it replaced), the 2026 SVM ICEBP intercept (ec9a16c6aeba), the
	 * GD-before-CPL order (48512697c081) and the fastpath re-entry loop.
	 * KVM_RUN_LOAD_DEBUGCTL (2025) is not modelled: hvsim's host never
	 * changes DEBUGCTL between runs. */
	PRESET(.name = "bp_enabled", .kernel = "kvm.git for-linus 2026-08-24 (Linux 7.2-rc)", .emul_singlestep = true, .movdr_fault_order = DRFO_GD_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, /* every knob at its default */
	  .summary = "current KVM (default), kvm.git for-linus 2026-08-24 (Linux 7.2-rc): lazy MOV-DR exits, "
		     "DR0-3 reloaded on every entry while a guest bp is armed",
	  .ref = "kvm.git for-linus a4a616173a81..cfa487882b21 (Paolo Bonzini, 2026-08-24; kvm-eras-2026.md T5); "
		 "x86.c vcpu_enter_guest; 34e9f860071f, 1ccb6f983a06, 375e28ffc0cf, f85d40160691; ec9a16c6aeba; "
		 "48512697c081; 0a94b2042419 (TSC-deadline fastpath on both vendors, 6.18); "
		 "Sean Christopherson, Re: [RFC PATCH 2/3] (2020-04-23), seed 000"),

	/* eager - the correct-but-slow reference, not a KVM version: MOV-DR
	 * exiting never on; every entry loads DR0-3 and DR6 (DR7 via the VMCS),
	 * every exit saves the guest's DR0-3/DR6 and restores the host's
	 * (hw_breakpoint_restore) whether anyone uses them or not.  What Paolo
	 * Bonzini calls the cost "you would incur ... always" (seed 003). */
	PRESET(.name = "eager", .kernel = "none (reference)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, PRE_5_8, .movdr = MOVDR_PASSTHROUGH, .load = LOAD_ALWAYS,
	  .host_restore = HR_ALWAYS, .eager_save = true, .load_dr6_always = true, PRE_K21_ENTRY,
	  .summary = "reference: no MOV-DR exits, switch every DR on every entry and exit",
	  .ref = "correct-but-slow baseline; Paolo Bonzini, Re: [PATCH 3/7] (2014-03-09), seed 003"),

	/* always_exit - KVM before the 2014 lazy-switch series (K11, Linux
	 * 3.0-3.14): every guest MOV DR exits and is emulated; DR0-3 (and DR6,
	 * VMX e8a48342e9bc "Only reload debug register 6 if we're running with
	 * the guest's debug registers") go in while the effective DR7 arms a
	 * breakpoint; host restore iff hw_breakpoint_active().  The same knobs
	 * as linux-3.0, under the name the 2014 discussion uses. */
	PRESET(.name = "always_exit", .kernel = "3.0-3.14", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .guest_dr6 = GDR6_VMX_SDR, ALWAYS_EXIT_BASE, .load_dr6_always = true,
	  .summary = "KVM before 2014: every guest MOV DR exits and is emulated; switch while a guest bp is armed",
	  .ref = "Linux 3.0 x86.c vcpu_enter_guest (0004c7c25757); c77fb5fe6f03 changelog (seed 003)"),

	/* need_reload - the rejected 2020 RFC (K14 base of v5.7 + patches 1-3):
	 * RELOAD renamed NEED_RELOAD, BP_ENABLED dropped (kvm_update_dr7 sets
	 * NEED_RELOAD when DR7 arms a breakpoint, every __kvm_set_dr sets it),
	 * entry reloads DR0-3/DR6 only on NEED_RELOAD, the WONT_EXIT transition
	 * no longer forces a reload.  With a host breakpoint active every exit
	 * ends in hw_breakpoint_restore() and the next entry runs the guest's
	 * DR7 over the host's DR0-3: the guest misses its breakpoints (seed 000).
	 *
	 * Guest DR6 after an injected #DB, even with no host breakpoint: the
	 * payload goes into vcpu->arch.dr6 in kvm_deliver_exception_payload(),
	 * which is neither kvm_update_dr7() nor __kvm_set_dr() - the only two
	 * places patch 2/3 sets NEED_RELOAD ("set KVM_DEBUGREG_NEED_RELOAD flag
	 * for the cases that DRn need to be reloaded", seed 000) - and patch 3/3
	 * ("skip DRn reload if previous VM exit is DR access VM exit", "no DRn
	 * change since this DR vmexit") drops the reload on the WONT_EXIT
	 * transition.  So when the guest's #DB handler reads DR6 natively in
	 * the WONT_EXIT window that its first MOV DR opened, the hardware still
	 * holds the host's 0xFFFF0FF0, not the injected 0xFFFF0FF4, and a
	 * handler that keys on B0 re-faults on the execute breakpoint.  That is
	 * the RFC as posted, not a modelling error: hvsim keeps it. */
	PRESET(.name = "need_reload", .kernel = "not merged (RFC on 5.7, 2020)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_5_8, .guest_dr6 = GDR6_HW_BOTH, .load = LOAD_IF_NEED_RELOAD, .reload_flag = true,
	  .load_dr6_always = true, PRE_K21_ENTRY, .need_reload_on_set_dr = true, .vcpu_put_dr6 = true,
	  .summary = "2020 RFC (rejected): DR0-3 reloaded only after a DR write; misses guest #DBs under host bps",
	  .ref = "[RFC PATCH 0/3] kvm: x86: Cleanup and optimazation of switch_db_regs (Xiaoyao Li, "
		 "2020-04-16, <20200416101509.73526-1-xiaoyao.li@intel.com>); seed 000"),

	/* need_reload-6.1 - what sim/ref/kvm-patch/seed000-need-reload-6.1.diff
	 * does to Debian's 6.1 (linux-source-6.1 6.1.192), the kernel the
	 * patch-in-the-loop references boot: RFC patch 2/3 only (BP_ENABLED
	 * renamed NEED_RELOAD, set by kvm_update_dr7() when DR7 arms a
	 * breakpoint and by every kvm_set_dr(), cleared once DR0-3 are loaded),
	 * on linux-6.1's knobs.  Patch 3/3 is not in it: the entry test stays
	 * "if (unlikely(vcpu->arch.switch_db_regs))", so a WONT_EXIT entry
	 * still reloads DR0-3 and sets KVM_RUN_LOAD_GUEST_DR6 (x86.c
	 * vcpu_enter_guest of 6.1.192; vmx_vcpu_run "set_debugreg(vcpu->arch.dr6,
	 * 6)", svm_vcpu_run "svm_set_dr6(vcpu, vcpu->arch.dr6)").  That is why
	 * the real patched kvm_intel hands the #DB handler 0xFFFF0FF1 where
	 * need_reload (with 3/3) predicts 0xFFFF0FF0: the handler's MOV from
	 * DR6 exits, opens the window, and the entry that follows loads the
	 * DR6 that kvm_deliver_exception_payload() put in vcpu->arch.dr6
	 * (docs/kvm-reference.md, "Patch in the loop").  And there is no RELOAD
	 * (34e9f860071f), so nothing clears NEED_RELOAD after the sync: every
	 * lazy window with an armed DR7 ends in one reload. */
	PRESET(.name = "need_reload-6.1", .kernel = "not merged (RFC patch 2/3 on 6.1: seed000-need-reload-6.1.diff)",
	  .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_DROP_5_2, .vmx_pending_dbg_bs = true,
	  .preentry_dr7 = 0, PRE_2026, PRE_6_12,
	  .load = LOAD_IF_NEED_RELOAD_SDR, .need_reload_on_set_dr = true,
	  .summary = "2020 RFC patch 2/3 on linux-6.1 (the patch-in-the-loop diff): one-shot NEED_RELOAD, WONT_EXIT still reloads",
	  .ref = "sim/ref/kvm-patch/seed000-need-reload-6.1.diff on Linux 6.1.192 x86.c kvm_update_dr7, kvm_set_dr, "
		 "vcpu_enter_guest; [RFC PATCH 2/3] (Xiaoyao Li, 2020-04-16, "
		 "<20200416101509.73526-1-xiaoyao.li@intel.com>), seed 000"),

	/* dirty_bit - the arm32 dirty-bit scheme of seed 004 transplanted to
	 * x86: a trapped MOV DR write is emulated and sets DIRTY (reads are
	 * emulated and do not); an entry with DIRTY, or with the guest's DR7
	 * arming a breakpoint (the analogue of DBGDSCR.MDBGEN), stops trapping,
	 * saves the host's DRs and loads the guest's; the exit after it saves
	 * the guest's, restores the host's and clears DIRTY.  Without DIRTY the
	 * exit falls back to host_restore, because on x86 the VM exit itself
	 * disarms the host (DR7 = 0x400). */
	PRESET(.name = "dirty_bit", .kernel = "none (arm32 scheme on x86)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, PRE_5_8, .movdr = MOVDR_DIRTY_BIT, .load = LOAD_IF_DIRTY,
	  .load_dr6_always = true, PRE_K21_ENTRY,
	  .summary = "ARM's dirty bit on x86: trap until written, then switch everything; always switch while armed",
	  .ref = "[PATCH 08/10] KVM: arm: implement dirty bit mechanism for debug registers "
		 "(Zhichao Huang, 2015-05-15); seed 004"),

	/* skip_dbgctl_load - bp_enabled plus the optimization Paolo Bonzini
	 * floated and did not make (seed 003): clear VM_ENTRY_LOAD_DEBUG_CONTROLS
	 * while the guest's DR7 and the hardware's are both 0x400, MOV-DR
	 * exiting is on and the guest's DEBUGCTL equals the host's, so VM entry
	 * skips loading DR7/DEBUGCTL (priced as vmx.entry_load_debug). */
	PRESET(.name = "skip_dbgctl_load", .kernel = "not merged (2014 idea on today's KVM)", .emul_singlestep = true, .movdr_fault_order = DRFO_GD_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, .skip_dbgctl_load = true, /* on today's KVM */
	  .summary = "bp_enabled + clear VM_ENTRY_LOAD_DEBUG_CONTROLS when DR7 == host DR7 == 0x400 and MOV DR exits",
	  .ref = "Paolo Bonzini, Re: [PATCH 3/7] KVM: x86: Allow the guest to run with dirty debug registers "
		 "(2014-03-09), seed 003"),

	/* ---- history (kvm-debugreg-logic §2-§4, §8) ---- */

	/* linux-2.6.29 - K08, the first guest debug-register support (§2.1):
	 * always exit; every entry reads the host's DR6/DR7 (and DR0-3 when the
	 * guest's go in), every exit writes them back. */
	PRESET(.name = "linux-2.6.29", .kernel = "2.6.29", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .db_intercept = DBI_GUEST_DEBUG, .guest_dr6 = GDR6_VMX_EVERY_RUN, .dr45_read_zero = true, ALWAYS_EXIT_BASE, .host_restore = HR_SAVED_ON_ENTRY,
	  .save_host_on_entry = true, .host_switch = HSW_THREAD_DEBUGREG,
	  .summary = "K08: always exit; save host DR6/7 (+DR0-3) on every entry, restore them on every exit",
	  .ref = "42dbaa5a0574 KVM: x86: Virtualize debug registers (Jan Kiszka, Dec 2008)"),

	/* hwbp-v3-2009 - the v3 hunk of the 2009 hw-breakpoint series against
	 * KVM 2.6.32 (§2.2, seed 002), never released: the entry-time save was
	 * dropped; the exit calls hw_breakpoint_restore() only "if
	 * (switch_db_regs || TIF_DEBUG)".  TIF_DEBUG covers ptrace breakpoints
	 * only, so a host perf breakpoint is lost after the first exit unless
	 * the guest has one armed - the hole Jan Kiszka pointed out.  Released
	 * 2.6.32 had the same gate around a restore of the VMM thread's ptrace
	 * registers (current->thread.debugreg*) and no perf breakpoints at all
	 * (kvm-eras-2026.md): for every host breakpoint 2.6.32 could have (a
	 * ptrace one, which sets TIF_DEBUG) the two restore the same values on
	 * the same exits, so no separate preset; the old name `linux-2.6.32`
	 * resolves here with a note (policy_alias_note). */
	PRESET(.name = "hwbp-v3-2009", .kernel = "not merged (v3 hunk on 2.6.32)", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .guest_dr6 = GDR6_VMX_SDR, .dr45_read_zero = true, ALWAYS_EXIT_BASE, .host_restore = HR_TIF_DEBUG_ONLY,
	  .summary = "unmerged 2009 hw-breakpoint v3 hunk on 2.6.32: restore host DRs only if switch_db_regs or TIF_DEBUG (perf bps lost)",
	  .ref = "Jan Kiszka, Re: [PATCH 4/6] hw-breakpoints: Rewrite the hw-breakpoints layer on top of "
		 "perf events (2009-11-02), seed 002"),

	/* linux-2.6.33 - K33 (§2.3): the perf rewrite as merged (v4):
	 * "Restore the breakpoints unconditionally on kvm guest exit". */
	PRESET(.name = "linux-2.6.33", .kernel = "2.6.33", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .guest_dr6 = GDR6_VMX_SDR, .dr45_read_zero = true, ALWAYS_EXIT_BASE, .host_restore = HR_ALWAYS,
	  .summary = "K33: always exit; hw_breakpoint_restore() on every exit",
	  .ref = "24f1e32c60c4 hw-breakpoints: Rewrite the hw-breakpoints layer on top of perf events "
		 "(F. Weisbecker, Dec 2009, changelog v4)"),

	/* linux-3.0 - K11 (§2.4): restore gated on hw_breakpoint_active();
	 * guest DR6 loaded with DR0-3 (VMX, 2010). */
	PRESET(.name = "linux-3.0", .kernel = "3.0", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .guest_dr6 = GDR6_VMX_SDR, ALWAYS_EXIT_BASE, .load_dr6_always = true,
	  .summary = "K11: always exit; restore iff host breakpoints are active (same knobs as always_exit)",
	  .ref = "Linux 3.0 x86.c vcpu_enter_guest (0004c7c25757)"),

	/* linux-3.15 - K14 (§3.2) without RELOAD: the first MOV DR with no host
	 * debugger turns exiting off (WONT_EXIT) and re-executes; the next exit
	 * syncs and re-arms; entries with any switch_db_regs bit write DR7 <- 0,
	 * DR0-3 and DR6. */
	PRESET(.name = "linux-3.15", .kernel = "3.15", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_3_11, .guest_dr6 = GDR6_HW_BOTH, .load_dr6_always = true, PRE_K21_ENTRY,
	  .summary = "K14: lazy MOV-DR exits with WONT_EXIT, DR6 loaded with DR0-3, DR7 <- 0 before loading",
	  .ref = "c77fb5fe6f03 / 81908bf44340 KVM: x86/vmx: Allow the guest to run with dirty debug "
		 "registers (Paolo Bonzini, 2014); seed 003"),

	/* linux-3.19 - K14 + KVM_DEBUGREG_RELOAD (§3.2): kvm_update_dr0123()
	 * (vCPU reset, KVM_SET_DEBUGREGS, the WONT_EXIT sync) forces one reload
	 * on the next entry; cleared by that entry or at the end of the sync. */
	PRESET(.name = "linux-3.19", .kernel = "3.19 (RELOAD lived until 5.14)", .emul_singlestep = false, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_4_4, ICEBP_4_15, .guest_dr6 = GDR6_HW_BOTH, .load_dr6_always = true, PRE_K21_ENTRY, .reload_flag = true,
	  .summary = "K14 + KVM_DEBUGREG_RELOAD (one extra reload after reset/SET_DEBUGREGS)",
	  .ref = "ae561edeb421 KVM: x86: DR0-DR3 are not clear on reset (Nadav Amit, Nov 2014)"),

	/* linux-5.15 - K21 as merged in 2021 (§4.4): the K21 knobs with the
	 * pre-2025 DR7 <- 0 before loading.  The WONT_EXIT DR6 load sits in
	 * vmx_vcpu_run (375e28ffc0cf), inside the run loop, so a fastpath
	 * re-entry puts the stale vcpu->arch.dr6 back over the guest's
	 * (fixed by c2fee09fc167 in 6.14 and the stable trees after 5.15.0). */
	PRESET(.name = "linux-5.15", .kernel = "5.15", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_VMCS_FIELD, .vmx_pending_dbg_bs = false, PRE_2026, PRE_6_12, .fastpath_dr6_in_loop = true, .preentry_dr7 = 0,
	  .summary = "K21: RELOAD removed, DR6 only under WONT_EXIT, host DR7 disarmed before entry (DR7 <- 0)",
	  .ref = "34e9f860071f, 1ccb6f983a06, 375e28ffc0cf, f85d40160691 (Lai Jiangshan, Paolo Bonzini, 2021); "
		 "26efe2fd92e5, ae95f566b3d2 (the 5.8 fastpaths, VMX)"),

	/* linux-6.1 / linux-6.12 - the kernels Debian ships (bookworm 6.1,
	 * trixie 6.12) and the real references boot (kvm-amd-tcg runs
	 * 6.1.0-*-cloud-amd64 and, cache-6.12, bookworm-backports' 6.12.95;
	 * docs/kvm-reference.md).  The K21 debug-register
	 * block as in 5.15, the preemption-timer fastpath (5.8), no SVM
	 * ICEBP intercept (2026), the CPL-before-GD order (before 48512697c081),
	 * single-step after emulated instructions (4.10).  80c64c7afea1
	 * (KVM_RUN_LOAD_GUEST_DR6, June 2025, backported to 6.12.y and to 6.1.y:
	 * Debian's 6.1.192, the 6.1.0-57 of the references, has it and
	 * KVM_RUN_LOAD_DEBUGCTL in vcpu_enter_guest, still with set_debugreg(0, 7)
	 * and no SVM ICEBP intercept, read in linux-source-6.1 6.1.192-3) has
	 * the same semantics as the vendor set_dr6 it replaced, which came with
	 * c2fee09fc167 (6.14, CVE-2025-21839, backported): the guest's DR6 is
	 * loaded once before the run loop, so unlike linux-5.15 a fastpath
	 * re-entry leaves it alone.  The TSC-deadline WRMSR fastpath is still
	 * VMX-only (before 0a94b2042419, 6.18), and on 6.1 a fastpath skip that
	 * asks for user space is dropped (before f7f39c50edb9, 6.12).
	 * The two differ in the DR7 value KVM writes before loading DR0-3 and
	 * to disarm the host's breakpoints: fa7d0f83c5c4 (DR7_FIXED_1 instead
	 * of 0, 6.16) went to the 6.12 stable tree and is in Debian's 6.12.95
	 * (linux-source-6.12 6.12.95-1~bpo12+1, x86.c vcpu_enter_guest:
	 * "set_debugreg(DR7_FIXED_1, 7)" in both places), not to 6.1.y
	 * (6.1.192: "set_debugreg(0, 7)"). */
	PRESET(.name = "linux-6.1", .kernel = "6.1", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_DROP_5_2, .vmx_pending_dbg_bs = true, .preentry_dr7 = 0, PRE_2026, PRE_6_12,
	  .summary = "Debian 12 kernel: the K21 block of 5.15 (DR7 <- 0), VMX fastpaths (preemption timer, TSC deadline)",
	  .ref = "Linux 6.1 x86.c vcpu_enter_guest (K21: 34e9f860071f, 1ccb6f983a06, 375e28ffc0cf, f85d40160691); "
		 "Debian 6.1.192 (6.1.0-57-cloud-amd64, the kernel of both booted references)"),
	PRESET(.name = "linux-6.12", .kernel = "6.12", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, .preentry_dr7 = DR7_FIXED_1, PRE_2026, PRE_6_18,
	  .summary = "Debian 13 kernel: as linux-6.1 with DR7 <- 0x400 (fa7d0f83c5c4), SVM DEBUGCTL.BTF suppressed, a fastpath skip's user exit kept",
	  .ref = "Linux 6.12 x86.c vcpu_enter_guest; Debian 6.12.95 (6.12.95+deb12-cloud-amd64, the booted references' 6.12): "
		 "80c64c7afea1 and fa7d0f83c5c4 (6.12.y backports); f7f39c50edb9 (6.12 fastpath exit to user space)"),

	/* xen - Xen's HVM policy, for comparison (§8 XEN): the first MOV-DR exit
	 * loads the guest's DRs and turns exiting off until the vCPU is
	 * descheduled (vmx_dr_access / svm_dr_access, flag_dr_dirty); no
	 * per-exit sync, no per-entry reload.  At deschedule (ctxt_switch_from)
	 * vmx_save_dr/svm_save_dr save the dirty registers and re-arm the
	 * exits; at reschedule (ctxt_switch_to) vmx_restore_dr/svm_restore_dr
	 * load them again if the guest's DR7 is active (debugreg/vcpu_load.c).
	 * Xen itself runs no host breakpoints on the guest's CPU (host_restore
	 * never); a PV vCPU's (dom0 task's) registers are switched at context
	 * switch (paravirt_ctxt_switch_from/to, host_switch = xen_pv). */
	PRESET(.name = "xen", .kernel = "none (Xen HVM)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, PRE_5_8, .movdr = MOVDR_STICKY, .host_restore = HR_NEVER,
	  .load_dr6_always = true, PRE_K21_ENTRY, .deschedule = DESCHED_XEN, .host_switch = HSW_XEN_PV,
	  .summary = "Xen comparison: first MOV DR loads the guest's DRs, exits stay off until deschedule saves them",
	  .ref = "Xen vmx.c vmx_dr_access, vmx_ctxt_switch_from/to -> vmx_save_dr/vmx_restore_dr; svm.c svm_dr_access, "
		 "svm_save_dr/svm_restore_dr; domain.c paravirt_ctxt_switch_from/to"),

	/* ---- the host world (issue 19) ---- */

	/* need_reload_vcpu_load - the 2020 RFC with the fallback Xiaoyao Li
	 * offered in seed 000: also "set KVM_DEBUGREG_NEED_RELOAD in
	 * vcpu_load", so that the first entry after the vCPU thread is
	 * scheduled in (on this CPU or another, where other tasks' breakpoints
	 * may have been loaded) reloads the guest's DR0-3.  Sean
	 * Christopherson's reply is why it "won't help": the host restores its
	 * breakpoints after every exit and "DRs can be changed from interrupt
	 * context as well", neither of which passes through vcpu_load. */
	PRESET(.name = "need_reload_vcpu_load", .kernel = "not merged (RFC on 5.7 + seed 000 fallback)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_COMMON, .vmx_pending_dbg_bs = false, PRE_5_8, .guest_dr6 = GDR6_HW_BOTH, .load = LOAD_IF_NEED_RELOAD, .reload_flag = true,
	  .load_dr6_always = true, PRE_K21_ENTRY, .need_reload_on_set_dr = true, .vcpu_put_dr6 = true, .vcpu_load_reload = true,
	  .summary = "2020 RFC + NEED_RELOAD in vcpu_load (seed 000's fallback): reloads once per schedule-in only",
	  .ref = "Xiaoyao Li, Re: [RFC PATCH 2/3] kvm: x86: Use KVM_DEBUGREG_NEED_RELOAD instead of "
		 "KVM_DEBUGREG_BP_ENABLED (2020-04-24) and Sean Christopherson's review (2020-04-23), seed 000"),

	/* arm64_owner - KVM/arm64's debug ownership since 6.14 (Oliver Upton's
	 * debug rework, arch/arm64/kvm/debug.c and hyp/debug-sr.h) on x86: at
	 * vcpu_load the guest owns its debug registers iff its DR7 arms a
	 * breakpoint (MDSCR_EL1.MDE/KDE on arm64), else they are free and
	 * every access traps; a trapped access is emulated and hands the guest
	 * ownership (kvm_debug_set_guest_ownership), which then lasts until the
	 * vCPU is descheduled and loaded again - "keep the guest's registers
	 * until deschedule" for the traps.  While owned, every entry saves the
	 * host's registers and loads the guest's, every exit saves the guest's
	 * and restores the host's (__debug_switch_to_guest/host_common).  Free:
	 * the exit falls back to host_restore (an x86 VM exit disarms the
	 * host's DR7 whatever the guest did). */
	PRESET(.name = "arm64_owner", .kernel = "none (KVM/arm64 6.14 scheme on x86)", .emul_singlestep = true, .movdr_fault_order = DRFO_CPL_FIRST, .debugctl_msr = DCTL_BTF_SUPPRESSED, .vmx_pending_dbg_bs = true, PRE_5_8, .movdr = MOVDR_OWNER, .load = LOAD_IF_OWNED,
	  .load_dr6_always = true, PRE_K21_ENTRY, .deschedule = DESCHED_ARM64_OWNER,
	  .summary = "KVM/arm64 6.14 on x86: trap until the first access, then guest-owned until vcpu_load; switch while owned",
	  .ref = "arch/arm64/kvm/debug.c kvm_vcpu_load_debug, kvm_debug_set_guest_ownership; hyp/include/hyp/debug-sr.h "
		 "__debug_switch_to_guest_common (Oliver Upton, Dec 2024, Linux 6.14)"),

	/* ---- Arm (issue 20): KVM/arm on the Arm vendor (vendor: arm) ----
	 * The three eras of KVM/arm's debug-register switching, each read from
	 * its source (docs/kvm-arm.md has the walk-through).  Every x86 knob
	 * is at its default and ignored by the Arm vendor. */

	/* arm32_dirty - seed 004 as posted: a trapped cp14 write stores the
	 * value and sets KVM_ARM_DEBUG_DIRTY (reads only return it); on entry
	 * DBGDSCR.MDBGEN (MDSCR_EL1.MDE on an AArch64 CPU) sets the dirty bit
	 * first, then "If the dirty bit is set ... disable the traps, save host
	 * registers, restore guest registers ... Otherwise, enable the traps";
	 * on exit "If the dirty bit is set, save guest registers, restore host
	 * registers and clear the dirty bit".  Run on the AArch64 registers the
	 * cp14 ones map to (arm/exit_qual.h). */
	PRESET(.name = "arm32_dirty", .kernel = "not merged (arm32 RFC, 2015; arm32 KVM removed in 5.7)",
	  .arm_switch = ARM_SW_DIRTY, .arm_claim_on_read = false, .arm_mde_check = ARM_MDE_BEFORE_TRAPS,
	  .arm_check_kde = false,
	  .summary = "Arm, seed 004: trap until a write, MDBGEN (MDE) forces the switch, dirty bit cleared on exit",
	  .ref = "[PATCH 08/10] KVM: arm: implement dirty bit mechanism for debug registers "
		 "(Zhichao Huang, 2015-05-15); seed 004"),

	/* arm64_dirty - arm64 from 2015 to 6.13 (the Debian 6.1 and 6.12
	 * kernels): kvm_arm_setup_debug() before every entry computes
	 * MDCR_EL2.TDA from DEBUG_DIRTY first (kvm_arm_setup_mdcr_el2: trap
	 * "if ... The guest is not using debug (DEBUG_DIRTY clear)"), then sets
	 * DEBUG_DIRTY if MDSCR_EL1 has KDE or MDE ("perform a full save/restore
	 * cycle"); trapped writes set it (trap_debug_regs, reg_to_dbg); the hyp
	 * switch saves the host's bank and loads the guest's while it is set,
	 * and __debug_switch_to_host_common clears it after every exit. */
	PRESET(.name = "arm64_dirty", .kernel = "6.1-6.13 (Debian 12 6.1, Debian 13 6.12)",
	  .arm_switch = ARM_SW_DIRTY, .arm_claim_on_read = false, .arm_mde_check = ARM_MDE_AFTER_TRAPS,
	  .summary = "Arm, 6.1-6.13: DEBUG_DIRTY from a trapped write or MDE/KDE, cleared after every exit",
	  .ref = "arch/arm64/kvm/debug.c kvm_arm_setup_debug, sys_regs.c trap_debug_regs/reg_to_dbg, "
		 "hyp/include/hyp/debug-sr.h (torvalds/linux 602bf1830798, 3daee2e4b356)"),

	/* arm64_owner-6.14 - Linux 6.14's debug rework: kvm_vcpu_load_debug() makes
	 * the guest the owner at vcpu_load when MDSCR_EL1 has KDE or MDE, else
	 * FREE; any trapped access (trap_dbg_wb_reg, trap_debug_regs) calls
	 * kvm_debug_set_guest_ownership() and clears MDCR_EL2.TDA; the hyp
	 * switch runs on every entry and exit while the owner is not FREE, and
	 * the owner is recomputed only at the next vcpu_load (after a return to
	 * user space, or an OSLAR write: kvm_debug_handle_oslar puts and
	 * reloads the vCPU). */
	PRESET(.name = "arm64_owner-6.14", .kernel = "6.14+",
	  .arm_switch = ARM_SW_OWNER,
	  .summary = "Arm, 6.14+: debug ownership fixed at vcpu_load, guest-owned after a trap until the next load",
	  .ref = "Oliver Upton, KVM: arm64: debug rework (Linux 6.14): debug.c kvm_vcpu_load_debug, "
		 "kvm_debug_set_guest_ownership; sys_regs.c trap_dbg_wb_reg; hyp/include/hyp/debug-sr.h"),
};
#pragma GCC diagnostic pop

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

/* Deprecated preset names: each resolves to its successor, and `hvsim`
 * prints the note once (sim/run.c). */
static const struct {
	const char *old, *now, *note;
} aliases[] = {
	{ "linux-2.6.32", "hwbp-v3-2009",
	  "policy linux-2.6.32 is deprecated: it modelled the unmerged v3 hunk of the 2009 hw-breakpoint "
	  "series (seed 002), now hwbp-v3-2009; released 2.6.32 restored the VMM thread's ptrace registers "
	  "under the same switch_db_regs || TIF_DEBUG gate and had no perf breakpoints, so it counts the same" },
};

static const struct policy *preset_find(const char *name)
{
	for (unsigned i = 0; i < NPRESETS; i++)
		if (!strcmp(presets[i].name, name))
			return &presets[i];
	return NULL;
}

const struct policy *policy_find(const char *name)
{
	const struct policy *p = preset_find(name);
	for (unsigned i = 0; !p && i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].old, name))
			p = preset_find(aliases[i].now);
	return p;
}

const char *policy_alias_note(const char *name)
{
	for (unsigned i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].old, name))
			return aliases[i].note;
	return NULL;
}

void policy_foreach(void (*cb)(const struct policy *p, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < NPRESETS; i++)
		cb(&presets[i], ctx);
}

bool policy_exists(const char *name) { return policy_find(name) != NULL; }

bool policy_is_arm(const char *name)
{
	const struct policy *p = policy_find(name);
	return p && p->arm_switch != ARM_SW_NONE;
}

void policy_list(void (*cb)(const char *name, const char *summary, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < NPRESETS; i++)
		cb(presets[i].name, presets[i].summary, ctx);
}
