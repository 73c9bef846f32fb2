/* policy.h - the knobs of the debug-register switching core.
 *
 * A policy is a preset of these knobs (debugreg/policies.c, one paragraph
 * and one citation each); a scenario may define its own variant from a
 * preset plus knob overrides (`variants:`).  The knobs are exactly the
 * places where KVM's history and the seed proposals disagree
 * (shared/spec/kvm-debugreg-logic.md §8). */
#ifndef HVSIM_DEBUGREG_POLICY_H
#define HVSIM_DEBUGREG_POLICY_H
#include <stdbool.h>
#include <stdint.h>

/* What a guest MOV DR exit does. */
enum movdr_mode {
	MOVDR_EMULATE,      /* always exit and emulate against db[]/dr6/dr7 (KVM < 3.15) */
	MOVDR_WONT_EXIT,    /* first exit turns exiting off, re-enter on the insn (KVM >= 3.15) */
	MOVDR_DIRTY_BIT,    /* trapped write marks DIRTY; entry with DIRTY stops trapping (ARM, seed 004) */
	MOVDR_STICKY,       /* first exit loads guest DRs and stops exiting for good (Xen) */
	MOVDR_PASSTHROUGH,  /* exiting never on; DRs switched eagerly (eager reference) */
};

/* Which switch_db_regs state makes the entry load guest DR0-DR3. */
enum load_cond {
	LOAD_IF_SDR,        /* any bit of switch_db_regs (BP_ENABLED | WONT_EXIT | RELOAD) */
	LOAD_IF_BP_ENABLED, /* only BP_ENABLED (pre-2014 "switch_db_regs" boolean) */
	LOAD_IF_NEED_RELOAD,/* only the one-shot NEED_RELOAD (2020 RFC, seed 000) */
	LOAD_IF_DIRTY,      /* ARM dirty bit */
	LOAD_ALWAYS,        /* every entry (eager) */
};

/* When the host's breakpoints are put back after an exit. */
enum host_restore {
	HR_ACTIVE_BREAKPOINTS, /* hw_breakpoint_active(): any host G0-G3 (KVM >= 3.0) */
	HR_TIF_DEBUG_ONLY,     /* switch_db_regs || TIF_DEBUG (ptrace only), seed 002 v3 hunk */
	HR_ALWAYS,             /* hw_breakpoint_restore() on every exit (2.6.33) */
	HR_SAVED_ON_ENTRY,     /* restore what entry saved (2.6.29) */
	HR_NEVER,              /* never (a broken variant, for teaching) */
};

/* Register-cache reset after exit (seed 001). */
enum regcache_mode {
	RC_RESET_ALL_DIRTY_EARLY, /* Paolo: dirty = 0 before entry, avail &= ~LAZY_SET after exit */
	RC_PER_VENDOR_DIRTY_SET,  /* Lai's v1: after exit dirty &= ~VENDOR_DIRTY_SET (CR3 can stay dirty) */
};

struct policy {
	char name[48];                 /* "bp_enabled" */
	const char *summary;           /* one line: what it models */
	const char *ref;               /* commit or message it models */
	enum movdr_mode movdr;
	enum load_cond load;
	enum host_restore host_restore;
	enum regcache_mode regcache;
	bool reload_flag;              /* KVM_DEBUGREG_RELOAD set by kvm_update_dr0123 (ae561edeb421, 2014-2021) */
	bool load_dr6_always;          /* entry loads guest DR6 whenever it loads DR0-3 (pre-5.15); else only under WONT_EXIT */
	uint64_t preentry_dr7;         /* value written to DR7 before loading DR0-3: 0 (until 2025) or 0x400 */
	bool preentry_disarm_host;     /* DR7 <- 0x400 before entry when sdr == 0 and host BPs active (f85d40160691) */
	bool vmx_dr6_reset_after_sync; /* VMX sync resets hw DR6 (1ccb6f983a06, 5.15) */
	bool save_host_on_entry;       /* 2.6.29: read host DR6/DR7 (and DR0-3 if sdr) on every entry */
	bool eager_save;               /* save guest DR0-3/DR6 from hardware on every exit (eager) */
	bool skip_dbgctl_load;         /* clear VM_ENTRY_LOAD_DEBUG_CONTROLS when DR7 == host DR7 == 0x400 (seed 003) */
	bool need_reload_on_set_dr;    /* RFC: every __kvm_set_dr sets NEED_RELOAD */
	bool no_save_debug_controls;   /* VMX: VM_EXIT_SAVE_DEBUG_CONTROLS cleared (KVM requires it set) */
	bool no_load_debug_controls;   /* VMX: VM_ENTRY_LOAD_DEBUG_CONTROLS cleared (KVM requires it set) */
};

/* Knob table for variants and `hvsim list policies`. */
const struct policy *policy_find(const char *name);
void policy_foreach(void (*cb)(const struct policy *p, void *ctx), void *ctx);
/* Apply one knob override ("host_restore", "tif_debug_only"); -1 unknown
 * knob, -2 bad value (message in err). */
int policy_set_knob(struct policy *p, const char *knob, const char *value, char *err, unsigned errsize);
/* Describe every knob and its values (for docs and `hvsim list knobs`). */
void policy_knobs_help(void (*cb)(const char *knob, const char *values, const char *desc, void *ctx), void *ctx);

#endif
