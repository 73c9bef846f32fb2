/* test_knobs.c - the knob table (debugreg/knobs.def) and the presets built
 * from it: every preset resolves, every knob's default is today's KVM, each
 * preset has the values of the kernel or message it cites, `knobs:`
 * overrides reject what they do not know, and the printed views (`hvsim
 * list knobs`, `hvsim list policies --knobs`, docs/knobs.md) carry every
 * knob and preset.
 *
 * Expected values come from shared/spec/kvm-debugreg-logic.md (§ cited per
 * test) and the seeds (shared/seeds/000-004), never from hvsim's output.
 *
 * docs/knobs.md is generated: HVSIM_WRITE_DOCS=1 ./build/test_knobs
 * --filter 'knobs/docs_md_is_generated' rewrites it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy.h"
#include "debugreg/policy_names.h"

/* Every preset the README, docs and scenarios name. */
static const char *const preset_names[] = {
	"bp_enabled", "eager", "always_exit", "need_reload", "need_reload-6.1", "dirty_bit", "skip_dbgctl_load",
	"linux-2.6.29", "hwbp-v3-2009", "linux-2.6.33", "linux-3.0", "linux-3.15", "linux-3.19",
	"linux-5.15", "linux-6.1", "linux-6.12", "xen", "need_reload_vcpu_load", "arm64_owner",
	/* the Arm vendor's (issue 20) */
	"arm32_dirty", "arm64_dirty", "arm64_owner-6.14",
};
#define NNAMES (sizeof(preset_names) / sizeof(preset_names[0]))
#define NARM 3u                        /* the last NARM of preset_names */

static const struct policy *get(const char *name)
{
	const struct policy *p = policy_find(name);
	cr_assert_not_null(p, "preset %s", name);
	return p;
}

static const char *knob(const struct policy *p, const char *k)
{
	static char buf[8][64];
	static unsigned n;
	char *b = buf[n++ % 8];
	cr_assert_eq(policy_knob_format(p, k, b, 64), 0, "knob %s", k);
	return b;
}

struct names { const char *v[64]; unsigned n; };

static void collect(const char *name, const char *summary, void *ctx)
{
	struct names *ns = ctx;
	cr_assert_not_null(summary);
	cr_assert_lt(ns->n, 64u);
	ns->v[ns->n++] = name;
}

Test(knobs, every_listed_preset_resolves)
{
	struct names ns = { .n = 0 };
	policy_list(collect, &ns);
	cr_assert_eq(ns.n, NNAMES, "%u presets listed", ns.n);
	for (unsigned i = 0; i < ns.n; i++) {
		cr_assert(policy_exists(ns.v[i]), "%s", ns.v[i]);
		cr_assert_str_eq(get(ns.v[i])->name, ns.v[i]);
		cr_assert_str_eq(ns.v[i], preset_names[i], "list order: %s", ns.v[i]);
		cr_assert_not_null(get(ns.v[i])->ref);
	}
	cr_assert_not(policy_exists("no_such_policy"));
	cr_assert_null(policy_find(""));
}

/* The default of every knob is KVM today (§5.3, §4.4): WONT_EXIT lazy
 * exits, reload on any switch_db_regs bit, restore iff
 * hw_breakpoint_active(), RELOAD gone (34e9f860071f), guest DR6 only under
 * WONT_EXIT (375e28ffc0cf), DR7 <- 0x400 before DR0-3 (2025 cleanup), host
 * DR7 disarmed before entry (f85d40160691), DR6 reset after the VMX sync
 * (1ccb6f983a06), debug controls saved and loaded (KVM requires both). */
Test(knobs, defaults_are_todays_kvm)
{
	cr_assert_str_eq(knob(NULL, "movdr"), "wont_exit");
	cr_assert_str_eq(knob(NULL, "load"), "sdr");
	cr_assert_str_eq(knob(NULL, "host_restore"), "active_breakpoints");
	cr_assert_str_eq(knob(NULL, "regcache"), "reset_all_dirty_early");
	cr_assert_str_eq(knob(NULL, "reload_flag"), "false");
	cr_assert_str_eq(knob(NULL, "load_dr6_always"), "false");
	cr_assert_str_eq(knob(NULL, "preentry_dr7"), "0x400");
	cr_assert_str_eq(knob(NULL, "preentry_disarm_host"), "true");
	cr_assert_str_eq(knob(NULL, "vmx_dr6_reset_after_sync"), "true");
	cr_assert_str_eq(knob(NULL, "save_host_on_entry"), "false");
	cr_assert_str_eq(knob(NULL, "eager_save"), "false");
	cr_assert_str_eq(knob(NULL, "skip_dbgctl_load"), "false");
	cr_assert_str_eq(knob(NULL, "need_reload_on_set_dr"), "false");
	cr_assert_str_eq(knob(NULL, "no_save_debug_controls"), "false");
	cr_assert_str_eq(knob(NULL, "no_load_debug_controls"), "false");
	cr_assert_str_eq(knob(NULL, "emul_singlestep"), "true");
	cr_assert_str_eq(knob(NULL, "movdr_fault_order"), "gd_first");
	/* per-era hardware set-up (issue 13): KVM as of kvm.git 2026-08-24 */
	cr_assert_str_eq(knob(NULL, "db_intercept"), "always");
	cr_assert_str_eq(knob(NULL, "vmx_port80_passthrough"), "false");
	cr_assert_str_eq(knob(NULL, "guest_dr6"), "vendor");
	cr_assert_str_eq(knob(NULL, "dr45_read_zero"), "false");
	cr_assert_str_eq(knob(NULL, "svm_icebp_intercept"), "true");
	cr_assert_str_eq(knob(NULL, "vmx_icebp_skip"), "by_type");   /* 32d43cd391ba (4.16) */
	cr_assert_str_eq(knob(NULL, "fastpath_reenter"), "true");
	/* the fastpath loop: 0a94b2042419 (6.18), f7f39c50edb9 (6.12), c2fee09fc167 (6.14) */
	cr_assert_str_eq(knob(NULL, "fastpath_tscdeadline"), "both");
	cr_assert_str_eq(knob(NULL, "fastpath_user_exit"), "true");
	cr_assert_str_eq(knob(NULL, "fastpath_dr6_in_loop"), "false");
	/* guest CPU rules, second part (issue 12): the 2025 SVM DEBUGCTL fixes
	 * (d0eac42f5cec, 433265870ab3) and b9bed78e2fa9 (5.17) */
	cr_assert_str_eq(knob(NULL, "debugctl_msr"), "btf_suppressed");
	cr_assert_str_eq(knob(NULL, "vmx_pending_dbg_bs"), "true");
	/* the host world (issue 19): today's KVM does nothing with debug
	 * registers in vcpu_put/vcpu_load (1ccb6f983a06 removed the DR6 write of
	 * efdab992813f in 5.15), and Linux >= 2.6.33 switches breakpoints as
	 * perf events */
	cr_assert_str_eq(knob(NULL, "vcpu_put_dr6"), "false");
	cr_assert_str_eq(knob(NULL, "vcpu_load_reload"), "false");
	cr_assert_str_eq(knob(NULL, "deschedule"), "none");
	cr_assert_str_eq(knob(NULL, "host_switch"), "perf");
	/* Arm (issue 20): not an Arm policy; the Arm sub-knobs at KVM/arm's
	 * newest (6.14 debug ownership: any trapped access claims, MDE/KDE
	 * looked at in vcpu_load, the host restored on every exit) */
	cr_assert_str_eq(knob(NULL, "arm_switch"), "none");
	cr_assert_str_eq(knob(NULL, "arm_claim_on_read"), "true");
	cr_assert_str_eq(knob(NULL, "arm_mde_check"), "at_load");
	cr_assert_str_eq(knob(NULL, "arm_check_kde"), "true");
	cr_assert_str_eq(knob(NULL, "arm_host_restore"), "true");
	cr_assert_eq(policy_knob_count(), 38u);
}

/* The Arm eras (issue 20), each from its source: seed 004's trap_debug32
 * sets the dirty bit on writes only and compute_debug_state checks
 * DBGDSCR.MDBGEN (no KDE in AArch32) before the traps are decided; 6.1's
 * kvm_arm_setup_debug decides MDCR_EL2.TDA (kvm_arm_setup_mdcr_el2) before
 * "If KDE or MDE are set, perform a full save/restore cycle", and
 * trap_debug_regs/reg_to_dbg set DEBUG_DIRTY on writes; 6.14's
 * trap_dbg_wb_reg/trap_debug_regs call kvm_debug_set_guest_ownership on
 * every access and kvm_vcpu_load_debug looks at KDE|MDE. */
Test(knobs, arm_eras)
{
	const struct policy *a32 = get("arm32_dirty"), *a64 = get("arm64_dirty"), *own = get("arm64_owner-6.14");
	cr_assert_str_eq(knob(a32, "arm_switch"), "dirty");
	cr_assert_str_eq(knob(a32, "arm_claim_on_read"), "false");
	cr_assert_str_eq(knob(a32, "arm_mde_check"), "before_traps");
	cr_assert_str_eq(knob(a32, "arm_check_kde"), "false");
	cr_assert_str_eq(knob(a64, "arm_switch"), "dirty");
	cr_assert_str_eq(knob(a64, "arm_claim_on_read"), "false");
	cr_assert_str_eq(knob(a64, "arm_mde_check"), "after_traps");
	cr_assert_str_eq(knob(a64, "arm_check_kde"), "true");
	cr_assert_str_eq(knob(own, "arm_switch"), "owner");
	cr_assert_str_eq(knob(own, "arm_claim_on_read"), "true");
	cr_assert_str_eq(knob(own, "arm_mde_check"), "at_load");
	for (unsigned i = 0; i < NNAMES; i++) {
		const struct policy *p = get(preset_names[i]);
		bool arm = i >= NNAMES - NARM;
		cr_assert_eq(policy_is_arm(preset_names[i]), arm, "%s", preset_names[i]);
		cr_assert_str_eq(knob(p, "arm_host_restore"), "true", "%s restores the host", preset_names[i]);
	}
	cr_assert(strstr(a32->ref, "seed 004"));
	cr_assert(strstr(own->kernel, "6.14"));
}

/* bp_enabled is KVM today: every knob at its default. */
Test(knobs, bp_enabled_is_the_defaults)
{
	const struct policy *p = get("bp_enabled");
	for (unsigned i = 0; i < policy_knob_count(); i++)
		cr_assert_str_eq(knob(p, policy_knob_name(i)), knob(NULL, policy_knob_name(i)), "%s",
				 policy_knob_name(i));
	cr_assert_eq(p->movdr, MOVDR_WONT_EXIT);
	cr_assert_eq(p->load, LOAD_IF_SDR);
	cr_assert_eq(p->preentry_dr7, 0x400u);
}

/* need_reload: the 2020 RFC (seed 000, §4.2) on top of v5.7 (K14): entry
 * reloads DR0-3 and DR6 only on NEED_RELOAD with DR7 <- 0 first; every
 * __kvm_set_dr sets NEED_RELOAD (patch 2/3); RELOAD renamed, still set by
 * kvm_update_dr0123 (patch 1/3); exit unchanged from v5.7 (WONT_EXIT sync,
 * restore iff hw_breakpoint_active()); no 5.15 entry changes. */
Test(knobs, need_reload_is_the_2020_rfc)
{
	const struct policy *p = get("need_reload");
	cr_assert_eq(p->movdr, MOVDR_WONT_EXIT);
	cr_assert_eq(p->load, LOAD_IF_NEED_RELOAD);
	cr_assert(p->need_reload_on_set_dr);
	cr_assert(p->reload_flag);
	cr_assert_eq(p->host_restore, HR_ACTIVE_BREAKPOINTS);
	cr_assert(p->load_dr6_always);
	cr_assert_eq(p->preentry_dr7, 0u);
	cr_assert_not(p->preentry_disarm_host);
	cr_assert_not(p->vmx_dr6_reset_after_sync);
}

/* need_reload-6.1: sim/ref/kvm-patch/seed000-need-reload-6.1.diff applied
 * to Linux 6.1 (its four hunks: BP_ENABLED renamed NEED_RELOAD,
 * kvm_update_dr7() sets it for an armed DR7 and no longer clears it,
 * kvm_set_dr() sets it, vcpu_enter_guest() clears it after loading DR0-3).
 * The entry test "if (unlikely(vcpu->arch.switch_db_regs))" is untouched
 * (no RFC patch 3/3), so WONT_EXIT still loads: load = need_reload_sdr.
 * Everything else is linux-6.1's: no RELOAD (34e9f860071f), so no
 * reload_flag. */
Test(knobs, need_reload_61_is_the_patch_on_linux_61)
{
	const struct policy *p = get("need_reload-6.1"), *base = get("linux-6.1");
	cr_assert_eq(p->load, LOAD_IF_NEED_RELOAD_SDR);
	cr_assert_str_eq(knob(p, "load"), "need_reload_sdr");
	cr_assert(p->need_reload_on_set_dr);
	cr_assert_not(p->reload_flag);
	for (unsigned i = 0; i < policy_knob_count(); i++) {
		const char *k = policy_knob_name(i);
		if (strcmp(k, "load") && strcmp(k, "need_reload_on_set_dr"))
			cr_assert_str_eq(knob(p, k), knob(base, k), "%s differs from linux-6.1", k);
	}
	cr_assert(strstr(p->ref, "seed000-need-reload-6.1.diff"));
}

/* Era 1 (§2, §8 K08/K09/K33/K11): always exit and emulate, DR0-3 in while
 * the effective DR7 arms a breakpoint, DR7 <- 0 first; they differ in the
 * host restore. */
Test(knobs, always_exit_eras)
{
	static const struct { const char *name; enum host_restore hr; bool dr6, save_host; } eras[] = {
		{ "linux-2.6.29", HR_SAVED_ON_ENTRY, false, true },   /* 42dbaa5a0574 */
		{ "hwbp-v3-2009", HR_TIF_DEBUG_ONLY, false, false },  /* seed 002, v3 hunk */
		{ "linux-2.6.33", HR_ALWAYS, false, false },          /* 24f1e32c60c4 */
		{ "linux-3.0", HR_ACTIVE_BREAKPOINTS, true, false },  /* hw_breakpoint_active() */
		{ "always_exit", HR_ACTIVE_BREAKPOINTS, true, false },/* = linux-3.0 */
	};
	for (unsigned i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		const struct policy *p = get(eras[i].name);
		cr_assert_eq(p->movdr, MOVDR_EMULATE, "%s", eras[i].name);
		cr_assert_eq(p->load, LOAD_IF_BP_ENABLED, "%s", eras[i].name);
		cr_assert_eq(p->host_restore, eras[i].hr, "%s", eras[i].name);
		cr_assert_eq(p->load_dr6_always, eras[i].dr6, "%s", eras[i].name);
		cr_assert_eq(p->save_host_on_entry, eras[i].save_host, "%s", eras[i].name);
		cr_assert_eq(p->preentry_dr7, 0u, "%s", eras[i].name);
		cr_assert_not(p->reload_flag, "%s", eras[i].name);
		cr_assert_not(p->preentry_disarm_host, "%s", eras[i].name);
	}
}

/* Era 2 (§3.2, K14): WONT_EXIT, reload on any sdr bit with DR7 <- 0 and
 * DR6; 3.19 adds KVM_DEBUGREG_RELOAD (ae561edeb421).  5.15 (§4.4, K21):
 * RELOAD gone, DR6 under WONT_EXIT only, host DR7 disarm, VMX DR6 reset,
 * still DR7 <- 0 (0x400 only since 2025). */
Test(knobs, lazy_eras)
{
	const struct policy *p315 = get("linux-3.15"), *p319 = get("linux-3.19"), *p515 = get("linux-5.15");
	cr_assert_eq(p315->movdr, MOVDR_WONT_EXIT);
	cr_assert_eq(p315->load, LOAD_IF_SDR);
	cr_assert(p315->load_dr6_always);
	cr_assert_not(p315->reload_flag);
	cr_assert_eq(p315->preentry_dr7, 0u);
	cr_assert_not(p315->preentry_disarm_host);
	cr_assert(p319->reload_flag);
	cr_assert(p319->load_dr6_always);
	cr_assert_eq(p515->movdr, MOVDR_WONT_EXIT);
	cr_assert_not(p515->reload_flag);
	cr_assert_not(p515->load_dr6_always);
	cr_assert(p515->preentry_disarm_host);
	cr_assert(p515->vmx_dr6_reset_after_sync);
	cr_assert_eq(p515->preentry_dr7, 0u);
	/* fa7d0f83c5c4 (DR7_FIXED_1, 6.16) is in Debian's 6.12.95, not 6.1.192 */
	cr_assert_eq(get("linux-6.1")->preentry_dr7, 0u);
	cr_assert_eq(get("linux-6.12")->preentry_dr7, 0x400u);
	/* 5.15 and today differ only in that DR7 value, the 2026 MOV-DR fault
	 * order (48512697c081), the 2026 SVM ICEBP intercept (ec9a16c6aeba),
	 * the 2025 SVM DEBUGCTL rules (d0eac42f5cec; 5.15 has d855066f8172's
	 * VMX field), b9bed78e2fa9 (5.17, after the 5.15 release) and the
	 * fastpath loop: the TSC-deadline WRMSR fastpath VMX-only
	 * (before 0a94b2042419, 6.18), a skip's exit to user space dropped
	 * (before f7f39c50edb9, 6.12), the WONT_EXIT DR6 load inside the run
	 * loop (375e28ffc0cf, until c2fee09fc167). */
	cr_assert_eq(p515->debugctl_msr, DCTL_VMCS_FIELD);
	cr_assert_not(p515->vmx_pending_dbg_bs);
	const struct policy *now = get("bp_enabled");
	for (unsigned i = 0; i < policy_knob_count(); i++) {
		const char *k = policy_knob_name(i);
		if (strcmp(k, "preentry_dr7") && strcmp(k, "movdr_fault_order") && strcmp(k, "svm_icebp_intercept") &&
		    strncmp(k, "fastpath_", 9) && strcmp(k, "debugctl_msr") && strcmp(k, "vmx_pending_dbg_bs"))
			cr_assert_str_eq(knob(p515, k), knob(now, k), "%s", k);
	}
	cr_assert_str_eq(knob(p515, "fastpath_reenter"), "true");
	cr_assert_str_eq(knob(p515, "fastpath_tscdeadline"), "vmx");
	cr_assert_str_eq(knob(p515, "fastpath_user_exit"), "false");
	cr_assert_str_eq(knob(p515, "fastpath_dr6_in_loop"), "true");
}

/* The fastpath loop per era (issue 13 item 3), preset by preset:
 *   - no fastpath before 5.8 (26efe2fd92e5 and ae95f566b3d2 came in 5.8):
 *     every KVM preset up to linux-3.19, the 2020 RFC on 5.7, and the
 *     non-KVM references, which switch on every exit by definition;
 *   - TSC deadline VMX-only until 0a94b2042419 (6.18): 5.15, 6.1, 6.12 and
 *     the RFC on 6.1; both vendors today;
 *   - a skip's exit to user space honoured from f7f39c50edb9 (6.12);
 *   - the WONT_EXIT DR6 load in the loop only in 5.15 (375e28ffc0cf), the
 *     Debian kernels carry c2fee09fc167 (CVE-2025-21839 backports). */
Test(knobs, fastpath_eras)
{
	static const struct {
		const char *preset, *reenter, *tscdl, *user, *dr6;
	} rows[] = {
		{ "linux-2.6.29", "false", "none", "false", "false" },
		{ "linux-3.0", "false", "none", "false", "false" },
		{ "linux-3.19", "false", "none", "false", "false" },
		{ "need_reload", "false", "none", "false", "false" },
		{ "eager", "false", "none", "false", "false" },
		{ "xen", "false", "none", "false", "false" },
		{ "linux-5.15", "true", "vmx", "false", "true" },
		{ "linux-6.1", "true", "vmx", "false", "false" },
		{ "need_reload-6.1", "true", "vmx", "false", "false" },
		{ "linux-6.12", "true", "vmx", "true", "false" },
		{ "bp_enabled", "true", "both", "true", "false" },
		{ "skip_dbgctl_load", "true", "both", "true", "false" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct policy *p = get(rows[i].preset);
		cr_expect_str_eq(knob(p, "fastpath_reenter"), rows[i].reenter, "%s", rows[i].preset);
		cr_expect_str_eq(knob(p, "fastpath_tscdeadline"), rows[i].tscdl, "%s", rows[i].preset);
		cr_expect_str_eq(knob(p, "fastpath_user_exit"), rows[i].user, "%s", rows[i].preset);
		cr_expect_str_eq(knob(p, "fastpath_dr6_in_loop"), rows[i].dr6, "%s", rows[i].preset);
	}
}

/* The non-KVM presets: the eager reference (seed 003), the ARM dirty bit
 * (seed 004), Xen's sticky MOV-DR (§8 XEN), Paolo's skipped debug-control
 * load (seed 003) on top of today's KVM. */
Test(knobs, reference_presets)
{
	const struct policy *e = get("eager");
	cr_assert_eq(e->movdr, MOVDR_PASSTHROUGH);
	cr_assert_eq(e->load, LOAD_ALWAYS);
	cr_assert_eq(e->host_restore, HR_ALWAYS);
	cr_assert(e->eager_save);
	cr_assert(e->load_dr6_always);
	const struct policy *d = get("dirty_bit");
	cr_assert_eq(d->movdr, MOVDR_DIRTY_BIT);
	cr_assert_eq(d->load, LOAD_IF_DIRTY);
	const struct policy *x = get("xen");
	cr_assert_eq(x->movdr, MOVDR_STICKY);
	cr_assert_eq(x->host_restore, HR_NEVER);
	const struct policy *s = get("skip_dbgctl_load"), *now = get("bp_enabled");
	cr_assert(s->skip_dbgctl_load);
	for (unsigned i = 0; i < policy_knob_count(); i++) {
		const char *k = policy_knob_name(i);
		if (strcmp(k, "skip_dbgctl_load"))
			cr_assert_str_eq(knob(s, k), knob(now, k), "%s", k);
	}
	/* No preset clears the debug controls: that is for variants. */
	for (unsigned i = 0; i < NNAMES; i++) {
		cr_assert_not(get(preset_names[i])->no_save_debug_controls, "%s", preset_names[i]);
		cr_assert_not(get(preset_names[i])->no_load_debug_controls, "%s", preset_names[i]);
		cr_assert_eq(get(preset_names[i])->regcache, RC_RESET_ALL_DIRTY_EARLY, "%s", preset_names[i]);
	}
}

Test(knobs, overrides)
{
	struct policy p = *get("bp_enabled");
	char err[200];
	cr_assert_eq(policy_set_knob(&p, "host_restore", "tif_debug_only", err, sizeof(err)), 0);
	cr_assert_eq(p.host_restore, HR_TIF_DEBUG_ONLY);
	cr_assert_eq(policy_set_knob(&p, "regcache", "per_vendor_dirty_set", err, sizeof(err)), 0);
	cr_assert_eq(p.regcache, RC_PER_VENDOR_DIRTY_SET);
	cr_assert_eq(policy_set_knob(&p, "eager_save", "TRUE", err, sizeof(err)), 0);
	cr_assert(p.eager_save);
	cr_assert_eq(policy_set_knob(&p, "preentry_disarm_host", "0", err, sizeof(err)), 0);
	cr_assert_not(p.preentry_disarm_host);
	cr_assert_eq(policy_set_knob(&p, "preentry_dr7", "0", err, sizeof(err)), 0);
	cr_assert_eq(p.preentry_dr7, 0u);
	cr_assert_eq(policy_set_knob(&p, "preentry_dr7", "0x400", err, sizeof(err)), 0);
	cr_assert_eq(p.preentry_dr7, 0x400u);
	/* The knob next to one that was set is untouched. */
	cr_assert_eq(p.load, LOAD_IF_SDR);
	cr_assert(p.vmx_dr6_reset_after_sync);
}

Test(knobs, unknown_knobs_and_values_are_rejected)
{
	struct policy p = *get("bp_enabled"), before = p;
	char err[200];
	cr_assert_eq(policy_set_knob(&p, "eager_after", "3", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "unknown knob 'eager_after'");
	cr_assert_eq(policy_set_knob(&p, "MOVDR", "emulate", err, sizeof(err)), -1);
	cr_assert_eq(policy_set_knob(&p, "name", "x", err, sizeof(err)), -1);
	cr_assert_eq(policy_set_knob(&p, "movdr", "lazy", err, sizeof(err)), -2);
	cr_assert_str_eq(err, "knob movdr: unknown value 'lazy' (one of emulate wont_exit dirty_bit sticky passthrough owner)");
	cr_assert_eq(policy_set_knob(&p, "reload_flag", "yes", err, sizeof(err)), -2);
	cr_assert_str_eq(err, "knob reload_flag: expected true or false, got 'yes'");
	cr_assert_eq(policy_set_knob(&p, "preentry_dr7", "0x4q", err, sizeof(err)), -2);
	cr_assert_eq(policy_set_knob(&p, "preentry_dr7", "", err, sizeof(err)), -2);
	cr_assert_eq(memcmp(&p, &before, sizeof(p)), 0, "a rejected override changes nothing");
	char buf[8];
	cr_assert_eq(policy_knob_format(&p, "eager_after", buf, sizeof(buf)), -1);
	cr_assert_null(policy_knob_name(policy_knob_count()));
}

/* Every value of every knob survives set -> format. */
struct help_row { char knob[64], values[200]; };
static void help_cb(const char *k, const char *values, const char *desc, void *ctx)
{
	struct help_row *rows = ctx;
	while (rows->knob[0])
		rows++;
	snprintf(rows->knob, sizeof(rows->knob), "%s", k);
	snprintf(rows->values, sizeof(rows->values), "%s", values);
	cr_assert(desc && *desc, "%s has a doc line", k);
}

Test(knobs, every_value_round_trips)
{
	struct help_row rows[64];
	memset(rows, 0, sizeof(rows));
	policy_knobs_help(help_cb, rows);
	unsigned n = 0;
	for (; rows[n].knob[0]; n++) {
		cr_assert_str_eq(rows[n].knob, policy_knob_name(n));
		if (!strcmp(rows[n].values, "integer"))
			continue;
		char vals[200];
		snprintf(vals, sizeof(vals), "%s", rows[n].values);
		for (char *save, *v = strtok_r(vals, "|", &save); v; v = strtok_r(NULL, "|", &save)) {
			struct policy p = *get("eager");
			char err[200], out[64];
			cr_assert_eq(policy_set_knob(&p, rows[n].knob, v, err, sizeof(err)), 0, "%s", err);
			cr_assert_eq(policy_knob_format(&p, rows[n].knob, out, sizeof(out)), 0);
			cr_assert_str_eq(out, v, "knob %s", rows[n].knob);
		}
	}
	cr_assert_eq(n, policy_knob_count());
}

/* ---- printed views -------------------------------------------------------- */

static char *capture(int which, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cr_assert_not_null(f);
	if (which == 0)
		policy_print_knobs(f);
	else if (which == 1)
		policy_print_matrix(f);
	else
		cr_assert_eq(policy_write_knobs_md(f), 0);
	fclose(f);
	return buf;
}

static bool has_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	for (const char *s = strstr(text, w); s; s = strstr(s + 1, w)) {
		bool left = s == text || strchr(" \n`|", s[-1]);
		bool right = strchr(" \n`|", s[n]) != NULL;
		if (left && right)
			return true;
	}
	return false;
}

/* Every knob (and, if presets, every preset) named as a word of t. */
static void assert_names(const char *t, bool presets)
{
	for (unsigned i = 0; presets && i < NNAMES; i++)
		cr_assert(has_word(t, preset_names[i]), "%s", preset_names[i]);
	for (unsigned i = 0; i < policy_knob_count(); i++)
		cr_assert(has_word(t, policy_knob_name(i)), "%s", policy_knob_name(i));
}

Test(knobs, print_knobs_lists_every_knob_value_and_citation)
{
	size_t len;
	char *t = capture(0, &len);
	assert_names(t, false);
	cr_assert(strstr(t, "passthrough"));
	cr_assert(strstr(t, "tif_debug_only"));
	cr_assert(strstr(t, "per_vendor_dirty_set"));
	cr_assert(strstr(t, "f85d40160691"));
	cr_assert(strstr(t, "1ccb6f983a06"));
	cr_assert(strstr(t, "ae561edeb421"));
	cr_assert(strstr(t, "<20200416101509.73526-1-xiaoyao.li@intel.com>"));
	cr_assert(strstr(t, "default 0x400"));
	free(t);
}

Test(knobs, print_matrix_has_every_preset_and_fits)
{
	size_t len;
	char *t = capture(1, &len);
	assert_names(t, true);  /* presets in rows, knobs in the legend */
	/* Table rows (up to the first blank line) fit in 160 columns (25 knobs). */
	unsigned rows = 0;
	for (char *line = t; *line && *line != '\n'; rows++) {
		char *nl = strchr(line, '\n');
		cr_assert_not_null(nl);
		cr_assert_leq(nl - line, 160, "row %u is %d wide", rows, (int)(nl - line));
		line = nl + 1;
	}
	cr_assert_eq(rows, 1 + NNAMES - NARM, "a header and one row per x86 preset (the Arm ones have their own table)");
	/* The need_reload row: WX, NR, ACT, ALL, reload y, dr6all y, dr7 0 ... nrset y. */
	const char *r = strstr(t, "\nneed_reload ");
	cr_assert_not_null(r);
	char row[256];
	sscanf(r + 1, "%255[^\n]", row);
	char cells[16][16];
	int n = sscanf(row, "%15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s %15s",
		       cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8],
		       cells[9], cells[10], cells[11], cells[12], cells[13], cells[14], cells[15]);
	cr_assert_eq(n, 16);
	cr_assert_str_eq(cells[1], "WX");
	cr_assert_str_eq(cells[2], "NR");
	cr_assert_str_eq(cells[5], "y");   /* reload_flag */
	cr_assert_str_eq(cells[7], "0");   /* preentry_dr7 */
	cr_assert_str_eq(cells[13], "y");  /* need_reload_on_set_dr */
	free(t);
}

/* The host-world knobs per preset, from the commits they cite:
 *   vcpu_put_dr6: efdab992813f (4.15) put "set_debugreg(0, 6)" in
 *     kvm_arch_vcpu_put, 1ccb6f983a06 (5.15) removed it; the 2020 RFC was
 *     posted against 5.7, so it has it, 3.x and 5.15+ do not;
 *   vcpu_load_reload: only Xiaoyao's fallback (seed 000);
 *   deschedule: Xen's vmx_save_dr/vmx_restore_dr, KVM/arm64 6.14's
 *     kvm_vcpu_load_debug; no x86 KVM;
 *   host_switch: 2.6.29 predates the perf rewrite (24f1e32c60c4, 2.6.33);
 *     Xen switches PV vCPUs' registers in paravirt_ctxt_switch_from/to. */
Test(knobs, host_world_knobs_per_preset)
{
	cr_assert_str_eq(knob(get("need_reload"), "vcpu_put_dr6"), "true");
	cr_assert_str_eq(knob(get("need_reload"), "vcpu_load_reload"), "false");
	static const char *const no_put[] = { "bp_enabled", "linux-3.15", "linux-3.19", "linux-5.15", "linux-6.1",
					      "linux-6.12", "linux-3.0", "linux-2.6.29" };
	for (unsigned i = 0; i < sizeof(no_put) / sizeof(no_put[0]); i++)
		cr_assert_str_eq(knob(get(no_put[i]), "vcpu_put_dr6"), "false", "%s", no_put[i]);
	/* need_reload_vcpu_load is need_reload plus the fallback, nothing else */
	const struct policy *a = get("need_reload"), *b = get("need_reload_vcpu_load");
	for (unsigned i = 0; i < policy_knob_count(); i++) {
		const char *k = policy_knob_name(i);
		if (strcmp(k, "vcpu_load_reload"))
			cr_assert_str_eq(knob(a, k), knob(b, k), "%s", k);
	}
	cr_assert_str_eq(knob(b, "vcpu_load_reload"), "true");
	cr_assert_str_eq(knob(get("xen"), "deschedule"), "xen");
	cr_assert_str_eq(knob(get("xen"), "host_switch"), "xen_pv");
	cr_assert_str_eq(knob(get("xen"), "movdr"), "sticky");
	cr_assert_str_eq(knob(get("linux-2.6.29"), "host_switch"), "thread_debugreg");
	cr_assert_str_eq(knob(get("hwbp-v3-2009"), "host_switch"), "perf");
	cr_assert_str_eq(knob(get("arm64_owner"), "movdr"), "owner");
	cr_assert_str_eq(knob(get("arm64_owner"), "load"), "owned");
	cr_assert_str_eq(knob(get("arm64_owner"), "deschedule"), "arm64_owner");
	cr_assert_str_eq(knob(get("bp_enabled"), "deschedule"), "none");
}

Test(knobs, docs_md_is_generated)
{
	size_t len;
	char *md = capture(2, &len);
	assert_names(md, true);

	const char *dir = getenv("HVSIM_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/knobs.md", dir ? dir : HVSIM_SOURCE_DIR);
	if (getenv("HVSIM_WRITE_DOCS")) {
		FILE *w = fopen(path, "w");
		cr_assert_not_null(w, "%s", path);
		cr_assert_eq(fwrite(md, 1, len, w), len);
		cr_assert_eq(fclose(w), 0);
	}
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s is missing", path);
	char *have = malloc(len + 2);
	size_t got = fread(have, 1, len + 1, f);
	fclose(f);
	cr_assert(got == len && memcmp(have, md, len) == 0,
		  "docs/knobs.md differs from policy_write_knobs_md(); regenerate with "
		  "HVSIM_WRITE_DOCS=1 ./build/test_knobs --filter 'knobs/docs_md_is_generated'");
	free(have);
	free(md);
}

/* Issue 12's guest-CPU knobs, per era.  emul_singlestep: KVM honours TF
 * after an instruction it completes from Linux 4.10 on (Kyle Huey, "[PATCH
 * 0/5] KVM: VMX: Fix single stepping with emulated instructions",
 * 2016-11-27); every preset older than that loses the trap.
 * movdr_fault_order: gd_first only from 48512697c081 (2026) on. */
Test(knobs, guest_cpu_rule_eras)
{
	static const char *const pre410[] = { "linux-2.6.29", "linux-2.6.32", "linux-2.6.33", "linux-3.0",
					       "always_exit", "linux-3.15", "linux-3.19" };
	for (unsigned i = 0; i < sizeof(pre410) / sizeof(pre410[0]); i++) {
		cr_assert_not(get(pre410[i])->emul_singlestep, "%s", pre410[i]);
		cr_assert_eq(get(pre410[i])->movdr_fault_order, DRFO_CPL_FIRST, "%s", pre410[i]);
	}
	cr_assert(get("linux-5.15")->emul_singlestep);
	cr_assert(get("need_reload")->emul_singlestep);        /* the RFC sat on v5.7 */
	cr_assert_eq(get("linux-5.15")->movdr_fault_order, DRFO_CPL_FIRST);
	cr_assert_eq(get("need_reload")->movdr_fault_order, DRFO_CPL_FIRST);
	cr_assert_eq(get("bp_enabled")->movdr_fault_order, DRFO_GD_FIRST);
	cr_assert_eq(get("skip_dbgctl_load")->movdr_fault_order, DRFO_GD_FIRST);
}
