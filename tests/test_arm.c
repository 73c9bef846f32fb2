/* test_arm.c - the Arm vendor (issue 20): the AArch64 engine's debug
 * exceptions on bare metal (expected ESR/ELR/FAR values from the Arm ARM
 * D2 rules and the ESR_ELx tables), the A64 decoder (instruction words
 * from GNU as), the loader's Arm keys and their file:line:col errors, and
 * KVM/arm's traps per era on small guests (expected counts from the kernel
 * code, docs/kvm-arm.md). */
#include <criterion/criterion.h>
#include <string.h>
#include "cpu/engine/a64.h"
#include "sim/render/kvmstat.h"
#include "sim/run.h"
#include "tests/harness.h"

/* An aarch64 guest at 0x40000 whose asm is `body` (lines indented by 4,
 * labels by 2), vectors at `vectors` (the handler records ESR_EL1, ELR_EL1
 * and FAR_EL1 in `rec` and returns past the faulting instruction). */
static struct scenario *arm_guest(const char *head, const char *body)
{
	static char yaml[16384];
	/* the end of the run: PSCI SYSTEM_OFF in a VM, WFI on bare metal */
	bool bare = strstr(head, "vendor: none") != NULL;
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: test\n%sguest:\n  base: 0x40000\n  asm: |2\n%s"
		 "      ldr x0, =0x84000008\n"
		 "      %s\n", head, body, bare ? "wfi" : "hvc #0");
	size_t n = strlen(yaml);
	snprintf(yaml + n, sizeof(yaml) - n,
		 "      .balign 2048\n"
		 "    vectors:\n"
		 "      .skip 0x200\n"
		 "      adr x20, rec\n"
		 "      mrs x21, esr_el1\n"
		 "      str x21, [x20]\n"
		 "      mrs x21, elr_el1\n"
		 "      str x21, [x20, #8]\n"
		 "      mrs x21, far_el1\n"
		 "      str x21, [x20, #16]\n"
		 "      ldr x21, [x20, #24]\n"
		 "      add x21, x21, #1\n"
		 "      str x21, [x20, #24]\n"
		 "      mrs x22, mdscr_el1\n"
		 "      bic x22, x22, #1\n"      /* a debugger's handler stops stepping (MDSCR_EL1.SS) */
		 "      msr mdscr_el1, x22\n"
		 "      mrs x21, elr_el1\n"
		 "      add x21, x21, #4\n"
		 "      msr elr_el1, x21\n"
		 "      eret\n"
		 "      .balign 8\n"
		 "    rec: .skip 32\n"
		 "    var: .quad 0x5a\n");
	return h_load_text("arm.yaml", yaml);
}

#define PROLOGUE                                   \
	"      adr x0, vectors\n"                  \
	"      msr vbar_el1, x0\n"

static void run_bare(const struct scenario *sc, struct run_result *r)
{
	struct run_config cfg = { .vendor = VENDOR_NONE };
	h_run(sc, &cfg, r);
}

static uint64_t rec(const struct scenario *sc, const struct run_result *r, unsigned i)
{
	return sym_u64(sc, r, "rec", i);
}

/* D2 "Breakpoint exceptions": an address breakpoint taken from EL1 to EL1
 * (MDE, KDE, PSTATE.D = 0) before the instruction: ESR_EL1 EC 0x31, IL,
 * IFSC 0b100010 = 0xC6000022, ELR_EL1 = the instruction.  The rule does
 * not depend on n: breakpoint `slot` of a CPU with `nbrps` breakpoints
 * (cpu.debug) is taken the same way, and the #DB log names that slot. */
static void breakpoint_fault_in_slot(unsigned nbrps, unsigned slot)
{
	char head[128], body[1024];
	snprintf(head, sizeof(head), "cpu: {arch: aarch64, debug: {breakpoints: %u}}\nvendor: none\n", nbrps);
	snprintf(body, sizeof(body),
		 PROLOGUE
		 "      adr x1, target\n"
		 "      msr dbgbvr%u_el1, x1\n"
		 "      mov x2, #0x1e3             // E, PMC EL1, BAS 0b1111\n"
		 "      msr dbgbcr%u_el1, x2\n"
		 "      mov x3, #0xa000            // MDE | KDE\n"
		 "      msr mdscr_el1, x3\n"
		 "      msr daifclr, #8\n"
		 "      isb\n"
		 "    target:\n"
		 "      mov x4, #7\n", slot, slot);
	struct scenario *sc = arm_guest(head, body);
	struct run_result r;
	run_bare(sc, &r);
	uint64_t target;
	cr_assert(scenario_symbol(sc, "target", &target));
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(rec(sc, &r, 0), 0xC6000022u);
	cr_assert_eq(rec(sc, &r, 1), target);
	cr_assert_eq(rec(sc, &r, 3), 1u);
	cr_assert_eq(r.arm_x[4], 0u, "the handler stepped over the breakpointed instruction");
	cr_assert_eq(r.st.db_guest_delivered, 1u);
	cr_assert_eq(r.ndb, 1u);
	cr_assert_eq(r.db[0].hw_slots, 1u << slot);
	cr_assert_eq(r.db[0].ideal_slots, 1u << slot);
	run_result_free(&r);
	scenario_free(sc);
}

Test(arm, breakpoint_fault_before_the_instruction) { breakpoint_fault_in_slot(6, 0); }

/* Slots 8-15 of a 16-breakpoint CPU (ID_AA64DFR0_EL1.BRPs = 15): the #DB
 * log's slot masks were 8 bits wide and lost them. */
Test(arm, breakpoint_in_slot_9_of_16) { breakpoint_fault_in_slot(16, 9); }

/* Not taken: PSTATE.D set, KDE clear, or the OS Lock locked (D2 "Enabling
 * debug exceptions from the current Exception level", OSLSR_EL1.OSLK). */
Test(arm, breakpoint_masked_by_d_kde_and_the_os_lock)
{
	static const char *const variants[] = {
		"      mov x3, #0xa000\n      msr mdscr_el1, x3\n",                         /* D still set */
		"      mov x3, #0x8000\n      msr mdscr_el1, x3\n      msr daifclr, #8\n",  /* no KDE */
		("      mov x3, #0xa000\n      msr mdscr_el1, x3\n      msr daifclr, #8\n"
		 "      mov x5, #1\n      msr oslar_el1, x5\n"),                          /* OS Lock */
	};
	for (size_t i = 0; i < 3; i++) {
		char body[2048];
		snprintf(body, sizeof(body),
			 PROLOGUE
			 "      adr x1, target\n"
			 "      msr dbgbvr0_el1, x1\n"
			 "      mov x2, #0x1e3\n"
			 "      msr dbgbcr0_el1, x2\n"
			 "%s"
			 "      isb\n"
			 "    target:\n"
			 "      mov x4, #7\n", variants[i]);
		struct scenario *sc = arm_guest("cpu: {arch: aarch64}\nvendor: none\n", body);
		struct run_result r;
		run_bare(sc, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%zu: %s", i, r.stop_msg);
		cr_assert_eq(rec(sc, &r, 3), 0u, "variant %zu took an exception", i);
		cr_assert_eq(r.arm_x[4], 7u);
		cr_assert_eq(r.st.db_guest_delivered + r.st.db_guest_missed + r.st.db_guest_spurious, 0u);
		run_result_free(&r);
		scenario_free(sc);
	}
}

/* D2 "Watchpoint exceptions": a precise fault - the store does not
 * happen; ESR_EL1 EC 0x35 with WnR (0xD6000062), FAR_EL1 = the address,
 * ELR_EL1 = the store.  A load watchpoint leaves the destination unchanged. */
Test(arm, watchpoint_is_a_precise_fault)
{
	struct scenario *sc = arm_guest("cpu: {arch: aarch64}\nvendor: none\n",
		PROLOGUE
		"      adr x1, var\n"
		"      msr dbgwvr0_el1, x1\n"
		"      ldr x2, =0x1ffb            // E, PAC EL1, LSC load|store, BAS 0xff\n"
		"      msr dbgwcr0_el1, x2\n"
		"      mov x3, #0xa000\n"
		"      msr mdscr_el1, x3\n"
		"      msr daifclr, #8\n"
		"      isb\n"
		"      mov x6, #0x77\n"
		"    store:\n"
		"      str x6, [x1]\n"
		"      mov x7, #0x33\n"
		"    load:\n"
		"      ldr x7, [x1]\n");
	struct run_result r;
	run_bare(sc, &r);
	uint64_t var, store, load;
	cr_assert(scenario_symbol(sc, "var", &var) && scenario_symbol(sc, "store", &store) &&
		  scenario_symbol(sc, "load", &load));
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(rec(sc, &r, 3), 2u);
	cr_assert_eq(sym_u64(sc, &r, "var", 0), 0x5au, "the watched store must not happen");
	cr_assert_eq(rec(sc, &r, 0), 0xD6000022u, "the last exception is the load: EC 0x35, WnR 0");
	cr_assert_eq(rec(sc, &r, 1), load);
	cr_assert_eq(rec(sc, &r, 2), var);
	cr_assert_eq(r.arm_x[7], 0x33u, "the watched load must not complete");
	cr_assert_eq(r.st.db_guest_delivered, 2u);
	run_result_free(&r);
	scenario_free(sc);
}

/* D2 "Software Step exceptions": ERET with SPSR_EL1.SS = 1 and
 * MDSCR_EL1.SS = KDE = 1 steps one instruction, then EC 0x33 with ISV and
 * IFSC 0b100010 (0xCF000022), ELR_EL1 = the next instruction. */
Test(arm, software_step_after_one_instruction)
{
	struct scenario *sc = arm_guest("cpu: {arch: aarch64}\nvendor: none\n",
		PROLOGUE
		"      mov x3, #0x2001            // KDE | SS\n"
		"      msr mdscr_el1, x3\n"
		"      adr x1, stepped\n"
		"      msr elr_el1, x1\n"
		"      ldr x2, =0x200005          // EL1h, DAIF clear, SS\n"
		"      msr spsr_el1, x2\n"
		"      eret\n"
		"    stepped:\n"
		"      mov x4, #1\n"
		"    after:\n"
		"      mov x5, #2\n"
		"      mov x3, #0\n"
		"      msr mdscr_el1, x3\n");
	struct run_result r;
	run_bare(sc, &r);
	uint64_t after;
	cr_assert(scenario_symbol(sc, "after", &after));
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(rec(sc, &r, 3), 1u);
	cr_assert_eq(rec(sc, &r, 0), 0xCF000022u);
	cr_assert_eq(rec(sc, &r, 1), after);
	cr_assert_eq(r.arm_x[4], 1u);
	cr_assert_eq(r.arm_x[5], 0u, "the handler returns past `after` (ELR + 4)");
	run_result_free(&r);
	scenario_free(sc);
}

/* BRK #imm: EC 0x3C, ISS = imm16, ELR = the BRK, not masked by PSTATE.D or
 * MDE; HVC without EL2 (bare metal): UNDEFINED, EC 0x00. */
Test(arm, brk_and_undefined_hvc)
{
	struct scenario *sc = arm_guest("cpu: {arch: aarch64}\nvendor: none\n",
		PROLOGUE
		"    b1:\n"
		"      brk #0x42\n");
	struct run_result r;
	run_bare(sc, &r);
	uint64_t b1;
	cr_assert(scenario_symbol(sc, "b1", &b1));
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(rec(sc, &r, 0), 0xF2000042u);
	cr_assert_eq(rec(sc, &r, 1), b1);
	cr_assert_eq(rec(sc, &r, 3), 1u);
	run_result_free(&r);
	scenario_free(sc);
	/* HVC at EL1 of a CPU without EL2: UNDEFINED (EC 0x00, IL), ELR = the HVC */
	sc = arm_guest("cpu: {arch: aarch64}\nvendor: none\n",
		PROLOGUE
		"    h1:\n"
		"      hvc #5\n");
	run_bare(sc, &r);
	cr_assert(scenario_symbol(sc, "h1", &b1));
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(rec(sc, &r, 0), 0x02000000u);
	cr_assert_eq(rec(sc, &r, 1), b1);
	run_result_free(&r);
	scenario_free(sc);
}

/* A64 encodings as GNU as produces them (aarch64-linux-gnu-objdump). */
Test(arm, decoder)
{
	struct a64_insn ii;
	a64_classify(0xd5100080u, 0x1000, &ii);            /* msr dbgbvr0_el1, x0 */
	cr_assert(ii.cls == A64_SYSREG && ii.write && ii.reg == ARM_DBGBVR0 && ii.rt == 0);
	a64_classify(0xd5300243u, 0x1000, &ii);            /* mrs x3, mdscr_el1 */
	cr_assert(ii.cls == A64_SYSREG && !ii.write && ii.reg == ARM_MDSCR_EL1 && ii.rt == 3);
	a64_classify(0xd5380504u, 0x1000, &ii);            /* mrs x4, id_aa64dfr0_el1 */
	cr_assert(ii.cls == A64_SYSREG && ii.reg == ARM_ID_AA64DFR0_EL1);
	a64_classify(0xd5384241u, 0x1000, &ii);            /* mrs x1, currentel: not a debug register */
	cr_assert_eq(ii.cls, A64_NONE);
	a64_classify(0xd4000002u, 0x1000, &ii);            /* hvc #0 */
	cr_assert(ii.cls == A64_HVC && ii.imm == 0);
	a64_classify(0xd4200020u, 0x1000, &ii);            /* brk #1 */
	cr_assert(ii.cls == A64_BRK && ii.imm == 1);
	a64_classify(0xd69f03e0u, 0x1000, &ii);            /* eret */
	cr_assert_eq(ii.cls, A64_ERET);
	a64_classify(0xb90000a0u, 0x1000, &ii);            /* str w0, [x5] */
	cr_assert(ii.cls == A64_LDST && ii.write && ii.size == 4 && ii.rn == 5 && ii.rt == 0 && ii.off == 0);
	a64_classify(0xf9400425u, 0x1000, &ii);            /* ldr x5, [x1, #8] */
	cr_assert(ii.cls == A64_LDST && !ii.write && ii.size == 8 && ii.rn == 1 && ii.rt == 5 && ii.off == 8);
	a64_classify(0xb81fc020u, 0x1000, &ii);            /* stur w0, [x1, #-4] */
	cr_assert(ii.cls == A64_LDST && ii.write && ii.size == 4 && ii.off == -4);
	a64_classify(0xd503201fu, 0x1000, &ii);            /* nop */
	cr_assert_eq(ii.cls, A64_NONE);
}

/* The loader's Arm keys: errors at their file:line:col. */
static void load_fails(const char *yaml, const char *msg)
{
	char err[512];
	struct scenario *sc = scenario_load_buf("a.yaml", yaml, strlen(yaml), err, sizeof(err));
	if (sc)
		scenario_free(sc);
	cr_assert_null(sc, "expected: %s", msg);
	cr_assert_str_eq(err, msg);
}

Test(arm, loader_errors)
{
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\ncpu: {arch: x86_64}\nguest: {base: 0x1000, code: 1f2003d5}\n",
		   "a.yaml:5:13: cpu.arch: x86_64 with vendor: arm (vendor arm runs aarch64 guests, vmx and svm "
		   "x86_64 ones)");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: vmx\ncpu: {arch: aarch64}\nguest: {base: 0x1000, code: 90}\n",
		   "a.yaml:5:13: cpu.arch: aarch64 with vendor: vmx (vendor arm runs aarch64 guests, vmx and svm "
		   "x86_64 ones)");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\ncpu: {debug: {breakpoints: 17}}\n"
		   "guest: {base: 0x1000, code: 1f2003d5}\n",
		   "a.yaml:5:28: cpu.debug.breakpoints must be between 2 and 16, got 17");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5, regs: {rax: 1}}\n",
		   "a.yaml:5:46: unknown register 'rax' in guest.regs (valid for aarch64: x0-x30 sp vbar_el1 "
		   "contextidr_el1)");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000000000000, code: 1f2003d5}\n",
		   "a.yaml:5:15: guest.base 0x1000000000000 is out of range for an aarch64 guest (must be below "
		   "0x1000000000000)");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5}\n"
		   "host: {breakpoints: [{slot: 4, addr: 0x2000, type: write}]}\n",
		   "a.yaml:6:29: host.breakpoints[0].slot: the CPU has 4 watchpoints (cpu.debug), slots 0-3");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5}\n"
		   "host: {snippets: []}\n",
		   "a.yaml:6:18: host.snippets: host code runs on x86 hosts only (the Arm host is modelled by its "
		   "breakpoints, events and touches)");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5}\n"
		   "expect: {vmx: {exits.total: 1}}\n",
		   "a.yaml:6:10: expect.vmx: the scenario's vendor is arm, so vmx expectations would never be checked");
	/* the host world (issue 19) is x86's: several CPUs, tasks, vCPUs */
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5}\n"
		   "host: {cpus: 2}\n",
		   "a.yaml:6:14: host.cpus: the host world (CPUs, tasks, scheduling) is modelled on x86 hosts only");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5}\n"
		   "host: {tasks: []}\n",
		   "a.yaml:6:15: host.tasks: the host world (tasks, scheduling) is modelled on x86 hosts only");
	load_fails("version: 1\nname: t\nsummary: s\nvendor: arm\nguest: {base: 0x1000, code: 1f2003d5, vcpus: 2}\n",
		   "a.yaml:5:46: guest.vcpus: several vCPUs are modelled for x86 guests only (an aarch64 guest has one)");
	/* an Arm CPU numbers breakpoints and watchpoints apart: slot 0 of each */
	struct scenario *sc = h_load_text("b.yaml", "version: 1\nname: t\nsummary: s\nvendor: arm\n"
					  "guest: {base: 0x1000, code: 1f2003d5}\nhost: {breakpoints: ["
					  "{slot: 0, addr: 0x2000, type: exec}, {slot: 0, addr: 0x3000, type: write}]}\n");
	cr_assert_eq(sc->host.nbps, 2u);
	scenario_free(sc);
}

/* An x86 policy on the Arm vendor, an Arm policy on VMX: refused with the
 * policy's position. */
Test(arm, policies_of_the_other_architecture_are_refused)
{
	struct scenario *sc = h_load_text("p.yaml", "version: 1\nname: t\nsummary: s\nvendor: arm\n"
					  "policies: [bp_enabled]\nguest: {base: 0x1000, code: 1f2003d5}\n");
	struct run_config cfg = { .vendor = VENDOR_ARM };
	struct run_result r;
	char err[512];
	cr_assert_neq(sim_run(sc, &cfg, &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, "p.yaml:5:12: policy bp_enabled is an x86 policy"), "%s", err);
	scenario_free(sc);
	sc = h_load_text("q.yaml", "version: 1\nname: t\nsummary: s\npolicies: [arm64_owner-6.14]\n"
			 "guest: {base: 0x1000, code: 90}\n");
	struct run_config vcfg = { .vendor = VENDOR_VMX };
	int rc = sim_run(sc, &vcfg, &r, err, sizeof(err));
	if (rc == 0)
		run_result_free(&r);
	cr_assert_neq(rc, 0, "an Arm policy must not run on VMX");
	scenario_free(sc);
}

/* KVM/arm per era on a guest that writes DBGBVR0 once and then reads it
 * once per in-kernel HVC (seed004_arm_touch_once in small): the write
 * traps everywhere; with the dirty bit the reads trap again from the
 * second run on (trap_debug_regs sets it on writes only, every exit clears
 * it); 6.14's ownership keeps them native until the next vcpu_load. */
Test(arm, eras_on_one_write)
{
	static const char *const pols[] = { "arm32_dirty", "arm64_dirty", "arm64_owner-6.14" };
	static const uint64_t read_traps[] = { 2, 2, 0 }, loads[] = { 1, 1, 4 };
	for (size_t i = 0; i < 3; i++) {
		struct scenario *sc = arm_guest("vendor: arm\n",
			PROLOGUE
			"      mov x1, #5\n"
			"      msr dbgbvr0_el1, x1\n"
			"      mov x19, #3\n"
			"    l:\n"
			"      mrs x20, dbgbvr0_el1\n"
			"      mov x0, #0\n"
			"      hvc #0\n"
			"      sub x19, x19, #1\n"
			"      cbnz x19, l\n");
		struct run_config cfg = { .vendor = VENDOR_ARM, .policy = pols[i] };
		struct run_result r;
		h_run(sc, &cfg, &r);
		cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
		cr_assert_eq(r.st.arm_traps_w[ARM_DBGBVR0], 1u, "%s", pols[i]);
		cr_assert_eq(r.st.arm_traps_r[ARM_DBGBVR0], read_traps[i], "%s", pols[i]);
		cr_assert_eq(r.st.dr_guest_loads, loads[i], "%s", pols[i]);
		cr_assert_eq(r.arm_x[20], 5u, "%s: the read returns the guest's value", pols[i]);
		/* smccc_set_retval(vcpu, val, 0, 0, 0) after every HVC (6.1
		 * hypercalls.c / psci.c): x1-x3 zeroed, x0 = PSCI_RET_INTERNAL_FAILURE
		 * (-6) after SYSTEM_OFF */
		cr_assert_eq(r.arm_x[1], 0u);
		cr_assert_eq(r.arm_x[0], (uint64_t)-6);
		cr_assert_eq(r.arm_hv[ARM_DBGBVR0], 5u, "%s: KVM's copy", pols[i]);
		cr_assert_eq(r.nviol, 0u);
		run_result_free(&r);
		scenario_free(sc);
	}
}

/* ID_AA64DFR0_EL1 traps (HCR_EL2.TID3) and reads the CPU's counts
 * (cpu.debug: 8 breakpoints, 5 watchpoints -> BRPs 7, WRPs 4). */
Test(arm, id_register_traps_with_tid3)
{
	struct scenario *sc = arm_guest("vendor: arm\ncpu: {debug: {breakpoints: 8, watchpoints: 5}}\n",
		PROLOGUE
		"      mrs x20, id_aa64dfr0_el1\n");
	struct run_config cfg = { .vendor = VENDOR_ARM, .policy = "arm64_dirty" };
	struct run_result r;
	h_run(sc, &cfg, &r);
	cr_assert_eq(r.st.arm_traps_r[ARM_ID_AA64DFR0_EL1], 1u);
	cr_assert_eq((r.arm_x[20] >> 12) & 0xF, 7u);
	cr_assert_eq((r.arm_x[20] >> 20) & 0xF, 4u);
	run_result_free(&r);
	scenario_free(sc);
}

/* A vector that faults again at once (BRK at VBAR_EL1 + 0x200) must not
 * hang hvsim: the run stops after 64 exceptions without an instruction
 * completing ("No input may crash or hang hvsim"). */
Test(arm, exception_loop_stops)
{
	struct scenario *sc = h_load_text("loop.yaml",
		"version: 1\nname: t\nsummary: s\ncpu: {arch: aarch64}\nvendor: none\nguest:\n  base: 0x40000\n"
		"  asm: |2\n"
		"      adr x0, vectors\n"
		"      msr vbar_el1, x0\n"
		"      brk #1\n"
		"      .balign 2048\n"
		"    vectors:\n"
		"      .skip 0x200\n"
		"      brk #2\n");
	struct run_result r;
	run_bare(sc, &r);
	cr_assert_eq(r.stop, STOP_TRIPLE, "%s", r.stop_msg);
	cr_assert(strstr(r.stop_msg, "exception loop"), "%s", r.stop_msg);
	run_result_free(&r);
	scenario_free(sc);
}

/* An Arm run is priced with the vmx.* entries (docs/kvm-arm.md, "Cycles"):
 * a model for svm only (zen3, @vendor svm) has them at 0 and is refused,
 * from --cost and from cpu.model (with its position), as a VMX run under
 * it would be; a vmx model prices the transitions. */
Test(arm, svm_cost_models_cannot_price_arm_runs)
{
	struct scenario *sc = h_load_text("c.yaml", "version: 1\nname: t\nsummary: s\nvendor: arm\n"
					  "cpu: {model: zen3}\nguest: {base: 0x1000, code: 1f2003d5}\n");
	struct run_config cfg = { .vendor = VENDOR_ARM };
	struct run_result r;
	char err[512];
	cr_assert_neq(sim_run(sc, &cfg, &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, "c.yaml:5:14: cpu.model: 'zen3' is for svm (@vendor svm) and cannot price an arm run"),
		  "%s", err);
	scenario_free(sc);
	sc = h_load_text("d.yaml", "version: 1\nname: t\nsummary: s\nvendor: arm\n"
			 "guest: {base: 0x1000, code: 1f2003d5}\n");
	struct run_config zcfg = { .vendor = VENDOR_ARM, .cost_model = "zen5" };
	cr_assert_neq(sim_run(sc, &zcfg, &r, err, sizeof(err)), 0);
	cr_assert(strstr(err, "hvsim: --cost zen5: the model is for svm"), "%s", err);
	struct run_config scfg = { .vendor = VENDOR_ARM, .cost_model = "skylake" };
	cr_assert_eq(sim_run(sc, &scfg, &r, err, sizeof(err)), 0, "%s", err);
	run_result_free(&r);
	scenario_free(sc);
}

/* `hvsim report --event db` on an Arm run names the Arm registers: the host's
 * perf watchpoint in DBGWVR0 and the guest's in DBGWVR1 (the header of
 * scenarios/seed004_arm_host_wp.yaml: 12 host hits, 10 guest Watchpoint
 * exceptions under every era that restores the host's bank), not DR0/DR1;
 * under owner_norestore the host misses 11 of its 12. */
Test(arm, db_table_names_arm_watchpoints)
{
	struct scenario *sc = h_load_bundled("seed004_arm_host_wp");
	static const char *const pols[] = { "arm64_dirty", "owner_norestore" };
	static const uint64_t host_delivered[] = { 12, 1 };
	for (size_t i = 0; i < 2; i++) {
		struct run_config cfg = { .vendor = VENDOR_ARM, .policy = pols[i] };
		struct run_result r;
		h_run(sc, &cfg, &r);
		struct kvmstat_table t;
		kvmstat_build_db(&r, &t);
		const struct kvmstat_row *host = NULL, *guest = NULL;
		for (size_t j = 0; j < t.n; j++) {
			cr_assert(strstr(t.rows[j].key, ":DR") == NULL, "%s: x86 name %s", pols[i], t.rows[j].key);
			if (!strcmp(t.rows[j].key, "host:WP0"))
				host = &t.rows[j];
			if (!strcmp(t.rows[j].key, "guest:WP1"))
				guest = &t.rows[j];
		}
		cr_assert(host && guest, "%s: rows host:WP0 and guest:WP1", pols[i]);
		cr_assert_eq(host->n, 12u, "%s", pols[i]);
		cr_assert_eq(host->del, host_delivered[i], "%s", pols[i]);
		cr_assert_eq(guest->n, 10u, "%s", pols[i]);
		run_result_free(&r);
	}
	scenario_free(sc);
}
