/* test_svm.c - the SVM processor rules (svm/hw.c) and KVM's SVM
 * debug-register handling (svm/kvm.c), checked directly on the simulated
 * processor and end to end on small guests.
 *
 * Expected values come from the AMD APM Vol.2 (rev. 3.42: §15.5 VMRUN,
 * §15.6 #VMEXIT, §15.7.1 state saved on exit, §15.8 decode assists, Table
 * 15-7 instruction intercepts, §15.12.2 #DB, §15.15 VMCB state caching,
 * Appendix B VMCB layout, Appendix C exit codes), from KVM's svm.c as
 * restated in shared/spec/kvm-debugreg-logic.md §5.7, and from
 * shared/spec/arch-facts.md A.1-A.5; none is copied from hvsim's output. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "debugreg/policy.h"
#include "sim/run.h"
#include "svm/svm.h"
#include "tests/harness.h"

#define EXPECT_HEX(actual, expected)                                              \
	do {                                                                      \
		uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);      \
		cr_assert_eq(a_, e_, "%s: got %#" PRIx64 ", expected %#" PRIx64,  \
			     #actual, a_, e_);                                    \
	} while (0)

/* The exit codes of the run, in order. */
static unsigned exit_codes(const struct evlog *l, uint64_t *codes, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < l->n && n < max; i++)
		if (l->ev[i].id == EV_EXIT)
			codes[n++] = l->ev[i].b;
	return n;
}

static struct scenario *load_cpu(const char *cpu_yaml, const char *body)
{
	char head[512];
	snprintf(head, sizeof(head), "vendor: svm\n%s", cpu_yaml);
	return h_load_guest(head, body);
}

static struct scenario *load(const char *body) { return load_cpu("", body); }

static void run(struct scenario *sc, const char *policy, struct run_result *r, struct evlog *l)
{
	struct run_config cfg = { .policy = policy, .vendor = VENDOR_SVM, .trace = l ? evlog_sink : NULL,
				  .trace_ctx = l };
	h_run(sc, &cfg, r);
}

static uint64_t slot_count(const struct run_result *r, uint64_t code)
{
	return r->st.exits[svm_exit_slot(code)].count;
}

/* ---- a bare processor + KVM vCPU, without sim_run ------------------------------ */

struct rig {
	struct cpu cpu;
	struct cost_model cost;
	struct engine *eng;
	struct svm *s;
	struct policy pol;
	/* state captured at the first #DB intercept by the after_exit hook */
	bool seen_db;
	uint64_t db_vmcb_dr6, db_vmcb_dr7, db_hw_dr6, db_payload;
};

static void rig_after_exit(void *ctx, uint64_t exit_no)
{
	struct rig *g = ctx;
	(void)exit_no;
	if (!g->seen_db && vmcb_hw_get(&g->s->vmcb, EXITCODE) == SVM_EXIT_EXCP_DB) {
		g->seen_db = true;
		g->db_vmcb_dr6 = vmcb_hw_get(&g->s->vmcb, DR6);
		g->db_vmcb_dr7 = vmcb_hw_get(&g->s->vmcb, DR7);
		g->db_hw_dr6 = g->cpu.dr[6];
		g->db_payload = g->s->exc_payload;
	}
}

/* `code`/`size` at 0x1000 (NULL: a page of NOPs then HLT), a stack below
 * 1 MiB, the vCPU created under `policy`. */
static void rig_init(struct rig *g, const char *policy, const uint8_t *code, size_t size)
{
	char err[512], path[1024];
	memset(g, 0, sizeof(*g));
	cost_bundled_path("default", path, sizeof(path));
	cr_assert_eq(cost_load(path, &g->cost, err, sizeof(err)), 0, "%s", err);
	cpu_init(&g->cpu, &g->cost);
	g->eng = engine_new(&g->cpu, 64, false, err, sizeof(err));
	cr_assert_not_null(g->eng, "%s", err);
	uint8_t page[0x1000];
	memset(page, 0x90, sizeof(page));
	page[sizeof(page) - 1] = 0xF4;
	cr_assert_eq(engine_map(g->eng, 0x1000, 0x1000, code ? code : page, code ? size : sizeof(page)), 0);
	cr_assert_eq(engine_map(g->eng, 0x80000, 0x10000, NULL, 0), 0);
	engine_reg_by_name(g->eng, "rsp", 0x8F000);
	engine_set_rip(g->eng, 0x1000);
	const struct policy *p = policy_find(policy);
	cr_assert_not_null(p);
	g->pol = *p;
	struct hv_config hc = { .policy = &g->pol, .decode_assists = true,
				.host = { .after_exit = rig_after_exit, .ctx = g } };
	g->s = svm_vendor.create(&g->cpu, g->eng, &hc);
	cr_assert_not_null(g->s);
}

static enum engine_stop rig_run(struct rig *g)
{
	svm_vendor.enter(g->s);
	enum engine_stop st = STOP_NONE;
	while (g->cpu.guest_mode) {
		if (svm_vendor.entry_pending(g->s))
			svm_vendor.enter(g->s);
		st = engine_run(g->eng, engine_rip(g->eng));
		if (st != STOP_NONE)
			break;
	}
	return st;
}

static void rig_fini(struct rig *g)
{
	svm_vendor.destroy(g->s);
	engine_free(g->eng);
}

/* ---- the VMCB and the exit codes ------------------------------------------------ */

/* APM Vol.2 Table B-1 (control area) and Table B-2 (state save area at
 * VMCB offset 400h): the offsets the brief and arch-facts A.5 list. */
Test(svm_vmcb, field_offsets_follow_apm_appendix_b)
{
	EXPECT_HEX(vmcb_offset[INTERCEPT_DR], 0x004);          /* reads 15:0; writes 31:16 (006h) */
	EXPECT_HEX(vmcb_offset[INTERCEPT_EXCEPTIONS], 0x008);
	EXPECT_HEX(vmcb_offset[EXITCODE], 0x070);
	EXPECT_HEX(vmcb_offset[EXITINFO1], 0x078);
	EXPECT_HEX(vmcb_offset[EXITINFO2], 0x080);
	EXPECT_HEX(vmcb_offset[VMCB_CLEAN], 0x0C0);
	EXPECT_HEX(vmcb_offset[NRIP], 0x0C8);
	EXPECT_HEX(vmcb_offset[DR7], 0x560);                    /* save area 160h */
	EXPECT_HEX(vmcb_offset[DR6], 0x568);                    /* save area 168h */
	EXPECT_HEX(vmcb_offset[RFLAGS], 0x570);
	EXPECT_HEX(vmcb_offset[RIP], 0x578);
	EXPECT_HEX(vmcb_offset[RSP], 0x5D8);
	EXPECT_HEX(vmcb_offset[RAX], 0x5F8);
	EXPECT_HEX(vmcb_offset[DBGCTL], 0x670);
	EXPECT_HEX(vmcb_offset[CR4], 0x548);
	EXPECT_HEX(vmcb_offset[CR3], 0x550);
	EXPECT_HEX(vmcb_offset[CR0], 0x558);
	/* Table B-2 has no DR0-DR3 (only the SEV-ES VMSA does, Table B-4). */
	for (int f = 0; f < VMCB_NFIELDS; f++)
		for (int n = 0; n < 4; n++) {
			char name[8];
			snprintf(name, sizeof(name), "DR%d", n);
			cr_assert_str_neq(vmcb_field_name[f], name);
		}
	/* KVM's group write of DR0-7 read+write intercepts (kvm-unit-tests
	 * writes the word as 0x00FF00FF, arch-facts A.5). */
	EXPECT_HEX(SVM_DR_INTERCEPTS_ALL, 0x00FF00FF);
	/* Clean bit 6 = DRx: DR6, DR7 (APM 15.15.3 Figure 15-4). */
	EXPECT_HEX(VMCB_CLEAN_DR, 0x40);
}

/* APM Appendix C: DRn read 0x20+n, write 0x30+n (DR4/DR5 as encoded),
 * exceptions 0x40+vector, INTR 0x60, CPUID 0x72, HLT 0x78, IOIO 0x7B,
 * VMMCALL 0x81, VMEXIT_INVALID -1.  Each lands in its own slot < 128 with
 * the name used for exits.by_reason. */
Test(svm_vmcb, exit_codes_and_slots)
{
	static const struct { uint64_t code; const char *name; } t[] = {
		{ 0x20, "read_dr0" }, { 0x21, "read_dr1" }, { 0x22, "read_dr2" }, { 0x23, "read_dr3" },
		{ 0x24, "read_dr4" }, { 0x25, "read_dr5" }, { 0x26, "read_dr6" }, { 0x27, "read_dr7" },
		{ 0x30, "write_dr0" }, { 0x31, "write_dr1" }, { 0x32, "write_dr2" }, { 0x33, "write_dr3" },
		{ 0x34, "write_dr4" }, { 0x35, "write_dr5" }, { 0x36, "write_dr6" }, { 0x37, "write_dr7" },
		{ 0x41, "excp_db" }, { 0x43, "excp_bp" }, { 0x60, "intr" }, { 0x72, "cpuid" },
		{ 0x78, "hlt" }, { 0x7B, "ioio" }, { 0x81, "vmmcall" }, { (uint64_t)-1, "invalid" },
	};
	unsigned n = sizeof(t) / sizeof(t[0]);
	bool used[EXIT_SLOTS] = { false };
	for (unsigned i = 0; i < n; i++) {
		unsigned slot = svm_exit_slot(t[i].code);
		cr_assert_lt(slot, EXIT_SLOTS);
		cr_assert(!used[slot], "slot %u used twice", slot);
		used[slot] = true;
		cr_assert_not_null(svm_vendor.exit_names[slot], "no name for code %#" PRIx64, t[i].code);
		cr_assert_str_eq(svm_vendor.exit_names[slot], t[i].name);
	}
	cr_assert_eq(svm_vendor.nexit_names, EXIT_SLOTS);
	EXPECT_HEX(SVM_EXIT_READ_DR4, 0x24);
	EXPECT_HEX(SVM_EXIT_WRITE_DR5, 0x35);
	EXPECT_HEX(SVM_EXIT_EXCP_DB, 0x41);
	EXPECT_HEX(SVM_EXITCODE_INVALID, 0xFFFFFFFFFFFFFFFFull);
}

/* ---- VMRUN / #VMEXIT on the bare processor -------------------------------------- */

/* APM 15.6: #VMEXIT writes the guest DR6/DR7 back to the VMCB, "Disables all
 * breakpoints in the host DR7 register" (QEMU do_vmexit: the saved host DR7
 * & ~0xff; hvsim's choice over Bochs' 0x400, see svm/hw.c), reloads the
 * host's DR6, and leaves DR0-DR3 alone: the VMCB has no slots for them
 * (Table B-2), so the guest's addresses survive in the hardware. */
Test(svm_hw, vmexit_writes_back_dr6_dr7_disarms_host_dr7_keeps_dr0_3)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	/* Host DR7: G0, G1 (bits 1, 3), GE (bit 9), bit 10, R/W0 = 01 and
	 * LEN0 = 11 (bits 16, 18, 19); host DR6 with BS. */
	const uint64_t host_dr7 = 0x000D060Aull, host_dr6 = 0xFFFF4FF0ull;
	g.cpu.dr[7] = host_dr7;
	g.cpu.dr[6] = host_dr6;
	cr_assert(svm_hw_vmrun(g.s));
	cr_assert(g.cpu.guest_mode);
	/* what the guest then does with the hardware */
	const uint64_t a[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	for (int i = 0; i < 4; i++)
		g.cpu.dr[i] = a[i];
	g.cpu.dr[7] = 0x00000455ull;       /* L0-L3 */
	g.cpu.dr[6] = 0xFFFF0FF5ull;       /* B0, B2 */
	svm_hw_exit(g.s, SVM_EXIT_CPUID, 0, 0, 0x1002);
	cr_assert(!g.cpu.guest_mode);
	EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, DR7), 0x00000455ull);
	EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, DR6), 0xFFFF0FF5ull);
	EXPECT_HEX(g.cpu.dr[7] & 0xFF, 0);                         /* all breakpoints disabled */
	EXPECT_HEX(g.cpu.dr[7], host_dr7 & ~0xFFull);              /* = 0x000D0600 */
	EXPECT_HEX(g.cpu.dr[6], host_dr6);
	for (int i = 0; i < 4; i++)
		EXPECT_HEX(g.cpu.dr[i], a[i]);
	EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, EXITCODE), SVM_EXIT_CPUID);
	EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, NRIP), 0x1002);
	rig_fini(&g);
}

/* APM 15.5.1: VMRUN loads "DR6 and DR7—The guest's breakpoint state" from
 * the VMCB; DR7 bit 10 reads as 1 (Bochs ORs 0x400, arch-facts A.5). */
Test(svm_hw, vmrun_loads_dr6_dr7_with_bit10_forced)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	vmcb_hw_set(&g.s->vmcb, DR7, 0x1);            /* L0, bit 10 clear in the VMCB */
	vmcb_hw_set(&g.s->vmcb, DR6, 0xFFFF0FF2ull);  /* B1 */
	vmcb_hw_set(&g.s->vmcb, VMCB_CLEAN, 0);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.dr[7], 0x401);
	EXPECT_HEX(g.cpu.dr[6], 0xFFFF0FF2ull);
	rig_fini(&g);
}

/* APM 15.5.1 "Canonicalization and Consistency Checks": "DR6[63:32] are not
 * zero" and "DR7[63:32] are not zero" are illegal state -> #VMEXIT with
 * VMEXIT_INVALID (kvm-unit-tests test_dr; QEMU helper_vmrun). */
Test(svm_hw, vmrun_consistency_checks_dr6_dr7_high_bits)
{
	static const struct { enum vmcb_field f; uint64_t v; } bad[] = {
		{ DR7, 0x400 | (1ull << 32) }, { DR7, 0x400 | (1ull << 63) },
		{ DR6, 0xFFFF0FF0ull | (1ull << 32) }, { DR6, 0xFFFF0FF0ull | (1ull << 40) },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rig g;
		rig_init(&g, "bp_enabled", NULL, 0);
		g.cpu.dr[7] = 0x402;        /* host G0 */
		vmcb_hw_set(&g.s->vmcb, bad[i].f, bad[i].v);
		vmcb_hw_set(&g.s->vmcb, VMCB_CLEAN, 0);
		cr_assert(!svm_hw_vmrun(g.s), "case %u: VMRUN succeeded", i);
		cr_assert(!g.cpu.guest_mode);
		EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, EXITCODE), SVM_EXITCODE_INVALID);
		/* the #VMEXIT host reload: breakpoints disabled */
		EXPECT_HEX(g.cpu.dr[7], 0x400);
		rig_fini(&g);
	}
	/* the boundary: bits 31:0 only are legal */
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	vmcb_hw_set(&g.s->vmcb, DR7, 0xFFFF27FFull);
	vmcb_hw_set(&g.s->vmcb, DR6, 0xFFFFFFFFull);
	vmcb_hw_set(&g.s->vmcb, VMCB_CLEAN, 0);
	cr_assert(svm_hw_vmrun(g.s));
	rig_fini(&g);
}

/* The same check through KVM's entry path: the run stops with an entry
 * failure counted in the `invalid` slot (KVM_EXIT_FAIL_ENTRY). */
Test(svm_hw, vmexit_invalid_through_the_vendor_entry)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	vmcb_hw_set(&g.s->vmcb, DR7, 0x400 | (1ull << 33));
	vmcb_hw_set(&g.s->vmcb, VMCB_CLEAN, 0);
	svm_vendor.enter(g.s);
	cr_assert(!g.cpu.guest_mode);
	cr_assert_eq(g.cpu.st.entry_failures, 1);
	cr_assert_eq(g.cpu.st.exits[SVM_EXIT_SLOT_INVALID].count, 1);
	EXPECT_HEX(vmcb_hw_get(&g.s->vmcb, EXITCODE), SVM_EXITCODE_INVALID);
	rig_fini(&g);
}

/* APM 15.15.1: a set clean bit "allows the processor to load one guest
 * register or group of registers from the hardware cache"; 15.15.2: "The
 * hypervisor must clear specific bits in the VMCB Clean field every time it
 * explicitly modifies the associated guest state".  A hypervisor that
 * changes VMCB DR7 and leaves bit 6 (DRx) set gets the cached, stale DR7;
 * after clearing the bit it gets the new one.  KVM's svm_set_dr7 clears the
 * bit itself (vmcb_mark_dirty(VMCB_DR)). */
Test(svm_hw, clean_bit_6_keeps_cached_dr6_dr7)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	struct vmcb *v = &g.s->vmcb;
	vmcb_hw_set(v, DR7, 0x400);
	vmcb_hw_set(v, DR6, 0xFFFF0FF0ull);
	vmcb_hw_set(v, VMCB_CLEAN, 0);
	cr_assert(svm_hw_vmrun(g.s));               /* first run: loads and caches 0x400 */
	EXPECT_HEX(g.cpu.dr[7], 0x400);
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	/* a buggy hypervisor: new DR7/DR6 in the VMCB, DRx still marked clean */
	vmcb_hw_set(v, DR7, 0x401);
	vmcb_hw_set(v, DR6, 0xFFFF0FF1ull);
	vmcb_hw_set(v, VMCB_CLEAN, VMCB_CLEAN_DR);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.dr[7], 0x400);             /* stale */
	EXPECT_HEX(g.cpu.dr[6], 0xFFFF0FF0ull);     /* stale */
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	/* the #VMEXIT wrote the (stale) values the guest ran with back */
	EXPECT_HEX(vmcb_hw_get(v, DR7), 0x400);
	vmcb_hw_set(v, DR7, 0x401);
	vmcb_hw_set(v, VMCB_CLEAN, VMCB_ALL_CLEAN_MASK & ~VMCB_CLEAN_DR);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.dr[7], 0x401);             /* fresh after clearing bit 6 */
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	/* KVM's svm_set_dr7 (through the debug core's vendor op) clears bit 6 */
	vmcb_hw_set(v, VMCB_CLEAN, VMCB_ALL_CLEAN_MASK);
	g.s->dbg.ops->set_dr7(g.s->dbg.v, 0x403);
	cr_assert_eq(vmcb_hw_get(v, VMCB_CLEAN) & VMCB_CLEAN_DR, 0);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.dr[7], 0x403);
	rig_fini(&g);
}

/* The guest's own DR7 changes update the cache ("The guest's execution can
 * cause cached state to be updated, but the hypervisor is not responsible
 * for setting VMCB Clean bits corresponding to any state changes caused by
 * guest execution", APM 15.15.2): an untouched, clean VMCB resumes the guest
 * with what it last had. */
Test(svm_hw, clean_bit_6_cache_follows_guest_writes)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	struct vmcb *v = &g.s->vmcb;
	vmcb_hw_set(v, VMCB_CLEAN, 0);
	cr_assert(svm_hw_vmrun(g.s));
	g.cpu.dr[7] = 0x40C;                         /* guest: L1, G1 natively */
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	vmcb_hw_set(v, VMCB_CLEAN, VMCB_ALL_CLEAN_MASK);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.dr[7], 0x40C);
	rig_fini(&g);
}

/* DBGCTL is switched only with LBR virtualization (Table B-2 note on
 * DBGCTL): without it the host's DEBUGCTL stays in the hardware while the
 * guest runs (KVM "Manually context switch DEBUGCTL if LBR virtualization
 * is disabled", arch-facts A.5). */
Test(svm_hw, dbgctl_only_with_lbr_virtualization)
{
	struct rig g;
	rig_init(&g, "bp_enabled", NULL, 0);
	struct vmcb *v = &g.s->vmcb;
	g.cpu.debugctl = 0x1;                        /* host LBR */
	vmcb_hw_set(v, DBGCTL, 0x2);                 /* guest BTF */
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.debugctl, 0x1);
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	EXPECT_HEX(vmcb_hw_get(v, DBGCTL), 0x2);
	EXPECT_HEX(g.cpu.debugctl, 0x1);
	vmcb_hw_set(v, LBR_VIRTUALIZATION_ENABLE, 1);
	cr_assert(svm_hw_vmrun(g.s));
	EXPECT_HEX(g.cpu.debugctl, 0x2);
	g.cpu.debugctl = 0x3;
	svm_hw_exit(g.s, SVM_EXIT_INTR, 0, 0, 0);
	EXPECT_HEX(vmcb_hw_get(v, DBGCTL), 0x3);
	EXPECT_HEX(g.cpu.debugctl, 0x1);
	rig_fini(&g);
}

/* ---- KVM's SVM side, end to end --------------------------------------------------- */

/* The brief's loop (kvm-debugreg-logic §9 S3 on SVM): the guest arms an
 * execute breakpoint on `target` and loops over it and an OUT, 5 times,
 * under today's KVM.  The first MOV DR exits (write_dr0), KVM clears all DR
 * intercepts (WONT_EXIT) and re-enters; MOV DR7 runs natively in that
 * window.  Each hit is an intercepted #DB (KVM always intercepts #DB,
 * CVE-2015-8104); its handler's MOV from DR6 finds the intercepts re-armed
 * by the sync of the previous exit (one read_dr6 exit per iteration, then
 * WONT_EXIT again, so the handler's MOV to DR6 is native); the OUT exits.
 * Exits: write_dr0 1 + 5 x (excp_db, read_dr6, ioio) + hlt 1 = 17.  The
 * handler sees DR6 = 0xFFFF0FF1 (B0; arch-facts A.1). */
Test(svm_kvm, exec_bp_out_loop_one_dr_write_exit_then_db_and_io_per_iteration)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    lea rax, [rip+target]\n    mov dr0, rax\n    mov rax, 0x401\n    mov dr7, rax\n"
				   "    mov rcx, 5\n    target:\n    nop\n    out 0x80, al\n    dec rcx\n    jnz target\n"
				   "    hlt\n" GUEST_EPILOGUE);
	struct run_result r;
	run(sc, "bp_enabled", &r, NULL);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(slot_count(&r, SVM_EXIT_WRITE_DR0), 1);
	cr_assert_eq(slot_count(&r, SVM_EXIT_WRITE_DR7), 0);
	cr_assert_eq(slot_count(&r, SVM_EXIT_WRITE_DR6), 0);
	cr_assert_eq(slot_count(&r, SVM_EXIT_READ_DR6), 5);
	cr_assert_eq(slot_count(&r, SVM_EXIT_EXCP_DB), 5);
	cr_assert_eq(slot_count(&r, SVM_EXIT_IOIO), 5);
	cr_assert_eq(slot_count(&r, SVM_EXIT_HLT), 1);
	cr_assert_eq(r.st.exits_total, 17);
	cr_assert_eq(r.st.db_guest_delivered, 5);
	cr_assert_eq(r.st.db_guest_missed, 0);
	cr_assert_eq(r.st.db_guest_spurious, 0);
	cr_assert_eq(r.nviol, 0);
	cr_assert_eq(sym_u64(sc, &r, "count", 0), 5);
	for (unsigned i = 0; i < 5; i++)
		EXPECT_HEX(sym_u64(sc, &r, "log", i), 0xFFFF0FF1ull);
	run_result_free(&r);
	scenario_free(sc);
}

/* APM Appendix C / arch-facts A.5: a MOV to/from DRn exits with 0x30+n /
 * 0x20+n, n as encoded: DR4 and DR5 (CR4.DE = 0, aliases of DR6/DR7)
 * report 0x24/0x25 and 0x34/0x35, not 0x26/0x27.  always_exit keeps every
 * intercept armed; KVM emulates each access (DR4 -> DR6, DR5 -> DR7). */
Test(svm_kvm, intercept_exit_codes_dr0_to_dr7_reads_and_writes)
{
	struct scenario *sc = load("    mov rax, 0x5000\n    mov dr0, rax\n    mov dr1, rax\n    mov dr2, rax\n"
				   "    mov dr3, rax\n    xor eax, eax\n    mov dr4, rax\n    mov eax, 0x400\n"
				   "    mov dr5, rax\n    xor eax, eax\n    mov dr6, rax\n    mov eax, 0x400\n"
				   "    mov dr7, rax\n"
				   "    mov rax, dr0\n    mov rax, dr1\n    mov rax, dr2\n    mov rax, dr3\n"
				   "    mov rax, dr4\n    mov rax, dr5\n    mov rax, dr6\n    mov rax, dr7\n    hlt\n");
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit", &r, &l);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	uint64_t codes[32];
	unsigned n = exit_codes(&l, codes, 32);
	static const uint64_t want[] = { 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
					 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x78 };
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < n; i++)
		EXPECT_HEX(codes[i], want[i]);
	for (int d = 0; d < 8; d++) {
		cr_assert_eq(r.st.dr_exit_reads[d], 1, "reads of DR%d", d);
		cr_assert_eq(r.st.dr_exit_writes[d], 1, "writes of DR%d", d);
		cr_assert_eq(slot_count(&r, 0x20 + (uint64_t)d), 1);
		cr_assert_eq(slot_count(&r, 0x30 + (uint64_t)d), 1);
	}
	cr_assert_str_eq(r.exit_names[svm_exit_slot(0x24)], "read_dr4");
	cr_assert_str_eq(r.exit_names[svm_exit_slot(0x35)], "write_dr5");
	cr_assert_eq(r.st.dr_emulated, 16);
	/* the last read, DR7, got KVM's dr7 (0x400); the oracle found no read
	 * that differs from the architecture (DR4 reads DR6 = 0xFFFF0FF0) */
	EXPECT_HEX(r.gprs[0], 0x400);
	cr_assert_eq(r.nviol, 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* APM 15.8.1 Table 15-3: with decode assists EXITINFO1 bits 3:0 hold the
 * GPR of the MOV DRx; KVM's dr_interception takes `exit_info_1 &
 * SVM_EXITINFO_REG_MASK`.  Without them (cpu.decode_assists: false)
 * EXITINFO1 carries no GPR (Bochs passes 0, arch-facts A.5) and KVM falls
 * back to the instruction emulator (emulate_on_interception), one
 * hv.emulate per DR exit; the guest sees the same values. */
Test(svm_kvm, exitinfo1_gpr_with_decode_assists_emulator_without)
{
	static const char body[] = "    mov rcx, 0x7000\n    mov dr3, rcx\n    mov rdx, dr6\n    mov r9, 0x403\n"
				   "    mov dr7, r9\n    mov r12, dr3\n    hlt\n";
	struct scenario *da = load(body);
	struct scenario *noda = load_cpu("cpu:\n  decode_assists: false\n", body);
	struct run_result r1, r2;
	struct evlog l1 = { 0 }, l2 = { 0 };
	run(da, "always_exit", &r1, &l1);
	run(noda, "always_exit", &r2, &l2);
	cr_assert_eq(r1.stop, STOP_HALT, "%s", r1.stop_msg);
	cr_assert_eq(r2.stop, STOP_HALT, "%s", r2.stop_msg);
	EXPECT_HEX(nth_exit(&l1, 0x33, 0)->c, 1);     /* MOV DR3, RCX */
	EXPECT_HEX(nth_exit(&l1, 0x26, 0)->c, 2);     /* MOV RDX, DR6 */
	EXPECT_HEX(nth_exit(&l1, 0x37, 0)->c, 9);     /* MOV DR7, R9 */
	EXPECT_HEX(nth_exit(&l1, 0x23, 0)->c, 12);    /* MOV R12, DR3 */
	EXPECT_HEX(nth_exit(&l2, 0x33, 0)->c, 0);
	EXPECT_HEX(nth_exit(&l2, 0x26, 0)->c, 0);
	EXPECT_HEX(nth_exit(&l2, 0x37, 0)->c, 0);
	EXPECT_HEX(nth_exit(&l2, 0x23, 0)->c, 0);
	for (int i = 0; i < 2; i++) {
		const struct run_result *r = i ? &r2 : &r1;
		EXPECT_HEX(r->gprs[2], 0xFFFF0FF0ull);    /* DR6 reset value (arch-facts A.1) */
		EXPECT_HEX(r->gprs[12], 0x7000);
		EXPECT_HEX(r->hv_dr[7], 0x403);
		cr_assert_eq(r->st.dr_emulated, 4);
		cr_assert_eq(r->nviol, 0);
	}
	/* the same exits, plus the emulator's fetch and decode four times */
	cr_assert_eq(r1.st.exits_total, r2.st.exits_total);
	struct cost_model cm;
	char path[1024], err[256];
	cost_bundled_path("default", path, sizeof(path));
	cr_assert_eq(cost_load(path, &cm, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r2.st.cycles_handler - r1.st.cycles_handler, 4 * cm.emulate_insn);
	run_result_free(&r1);
	run_result_free(&r2);
	scenario_free(da);
	scenario_free(noda);
}

/* Priority (APM Table 15-7 "All normal exception checks take precedence
 * over the SVM intercepts"; KVM x86_intercept_map POST_EX; arch-facts A.5,
 * kvm-debugreg-logic §9 S9): with DR7.GD set and the DR0 read intercept
 * armed, MOV from DR0 raises the general-detect #DB first, which is
 * intercepted (excp_db), not the DR read.  The #DB already wrote DR6.BD and
 * cleared GD (APM 15.12.2), so KVM's payload is BD; the guest's handler
 * reads 0xFFFF2FF0 and, after its IRET, the MOV is re-executed without GD
 * and only then takes the read_dr0 intercept.  (VMX: the DR exit comes
 * first and KVM synthesizes the #DB, test_vmx.c.) */
Test(svm_kvm, gd_db_beats_the_dr_intercept)
{
	/* always_exit with the #DB intercept of 4.4+ ("KVM: svm:
	 * unconditionally intercept #DB"): KVM 3.0-3.14 itself ran this #DB
	 * through the guest's IDT with no exit (test_eras.c). */
	struct scenario *sc = load_cpu("variants: [{name: always_exit_dbint, base: always_exit, "
				       "knobs: {db_intercept: always}}]\n",
				       GUEST_PROLOGUE "    mov eax, 0x2400\n    mov dr7, rax\n    mov rax, dr0\n    hlt\n"
				       GUEST_EPILOGUE);
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit_dbint", &r, &l);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	uint64_t codes[16];
	unsigned n = exit_codes(&l, codes, 16);
	static const uint64_t want[] = { 0x37, 0x41, 0x26, 0x36, 0x20, 0x78 };
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]), "%u exits", n);
	for (unsigned i = 0; i < n; i++)
		EXPECT_HEX(codes[i], want[i]);
	cr_assert_eq(r.st.injected_db, 1);
	cr_assert_eq(r.st.db_guest_delivered, 1);
	cr_assert_eq(r.st.db_guest_missed, 0);
	EXPECT_HEX(sym_u64(sc, &r, "log", 0), 0xFFFF2FF0ull);
	cr_assert_eq(r.nviol, 0);
	run_result_free(&r);
	/* today's KVM: the MOV DR7 exit goes lazy, GD is set natively, and the
	 * MOV from DR0 faults in the lazy window: no read_dr0 exit at all */
	struct evlog l2 = { 0 };
	run(sc, "bp_enabled", &r, &l2);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	n = exit_codes(&l2, codes, 16);
	static const uint64_t want2[] = { 0x37, 0x41, 0x26, 0x78 };
	cr_assert_eq(n, sizeof(want2) / sizeof(want2[0]), "%u exits", n);
	for (unsigned i = 0; i < n; i++)
		EXPECT_HEX(codes[i], want2[i]);
	EXPECT_HEX(sym_u64(sc, &r, "log", 0), 0xFFFF2FF0ull);
	cr_assert_eq(r.st.db_guest_delivered, 1);
	cr_assert_eq(r.nviol, 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* Priority, #UD: DR4 with CR4.DE = 1 is #UD before the intercept on SVM
 * (APM Table 15-7; arch-facts A.2 item 1): no DR exit, the guest's #UD
 * handler runs.  DR8 (REX.R) likewise.  KVM's init_vmcb intercepts #UD
 * (set_exception_intercept(svm, UD_VECTOR)) and CR4 reads and writes
 * (INTERCEPT_CR4_READ/WRITE, kept with NPT): the MOV from/to CR4 exit as
 * read_cr4/write_cr4 (0x04/0x14) and each #UD exits as excp_ud (0x46),
 * where handle_ud's emulator fails the same check and queues the #UD
 * again (issue 12 item 6). */
Test(svm_kvm, ud_beats_the_dr_intercept)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    lea rax, [rip+ud]\n    mov word ptr [idt+96], ax\n    mov word ptr [idt+98], 0x8\n"
				   "    mov byte ptr [idt+101], 0x8E\n    shr rax, 16\n    mov word ptr [idt+102], ax\n"
				   "    mov rax, cr4\n    or rax, 8\n    mov cr4, rax\n"
				   "    mov qword ptr [rip+udlen], 3\n    mov dr4, rax\n"
				   "    mov qword ptr [rip+udlen], 4\n    mov rax, dr8\n    hlt\n"
				   "    ud:\n    push rax\n    mov rax, [rip+udlen]\n    add [rsp+8], rax\n    pop rax\n"
				   "    inc qword ptr [rip+uds]\n    iretq\n"
				   "    uds: .quad 0\n    udlen: .quad 0\n" GUEST_EPILOGUE);
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "always_exit", &r, &l);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(sym_u64(sc, &r, "uds", 0), 2);
	cr_assert_eq(slot_count(&r, SVM_EXIT_READ_CR4), 1);
	cr_assert_eq(slot_count(&r, SVM_EXIT_WRITE_CR4), 1);
	cr_assert_eq(slot_count(&r, SVM_EXIT_EXCP_UD), 2);
	cr_assert_eq(r.st.exits_total, 5);                /* CR4 x2, #UD x2, HLT; no DR exit */
	cr_assert_eq(r.st.injected_ud, 2);                /* re-queued by handle_ud's emulator */
	run_result_free(&r);
	scenario_free(sc);
}

/* APM 15.12.2: "both #DB faults and traps are permitted to write DR6 and
 * DR7 before the intercept".  At the #DB intercept of an execute
 * breakpoint on DR0 the VMCB DR6 already has B0 (0xFFFF0FF1), KVM's
 * db_interception payload is VMCB DR6 ^ 0xFFFF0FF0 = B0, and the host has
 * its own DR6 back in the hardware (#VMEXIT, svm/hw.c). */
Test(svm_kvm, db_intercept_sees_dr6_already_updated)
{
	struct scenario *sc = load("    lea rax, [rip+target]\n    mov dr0, rax\n    mov eax, 0x401\n    mov dr7, rax\n"
				   "    target:\n    nop\n    hlt\n");
	struct rig g;
	rig_init(&g, "bp_enabled", sc->guest.code.bytes, sc->guest.code.size);
	enum engine_stop st = rig_run(&g);
	/* the guest has no IDT: the injected #DB triple-faults it (SDM Vol.3
	 * 6.15 "Interrupt 8"; issue 15 item 10) after the intercept under test */
	cr_assert_eq(st, STOP_TRIPLE, "%s", engine_stop_message(g.eng));
	cr_assert(g.seen_db);
	EXPECT_HEX(g.db_vmcb_dr6, 0xFFFF0FF1ull);
	EXPECT_HEX(g.db_vmcb_dr7, 0x401);
	EXPECT_HEX(g.db_payload, 0x1);
	EXPECT_HEX(g.db_hw_dr6, 0xFFFF0FF0ull);
	cr_assert_eq(g.cpu.st.exits[svm_exit_slot(SVM_EXIT_EXCP_DB)].count, 1);
	rig_fini(&g);
	scenario_free(sc);
}

/* APM 15.12.2: "A vector 1 exception generated by the single byte INT1
 * instruction (also known as ICEBP) does not trigger the #DB intercept":
 * the guest takes it directly, no excp_db exit. */
Test(svm_kvm, icebp_is_not_a_db_intercept)
{
	struct scenario *sc = load(GUEST_PROLOGUE "    .byte 0xF1\n    hlt\n" GUEST_EPILOGUE);
	struct run_result r;
	run(sc, "bp_enabled", &r, NULL);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(slot_count(&r, SVM_EXIT_EXCP_DB), 0);
	cr_assert_eq(r.st.db_guest_delivered, 1);
	cr_assert_eq(sym_u64(sc, &r, "count", 0), 1);
	run_result_free(&r);
	scenario_free(sc);
}

/* VMMCALL is intercepted ("The intercept takes priority over exceptions",
 * APM Table 15-7) and KVM answers an unknown hypercall with -KVM_ENOSYS
 * (-1000); VMCALL is Intel's instruction and #UD on SVM (APM 15.18 for an
 * unintercepted VMMCALL; arch-facts A.5), which exits through KVM's #UD
 * intercept (0x46).  hvsim's handle_ud queues the #UD again; real KVM's
 * emulator would patch the VMCALL into VMMCALL (em_hypercall ->
 * kvm_fix_hypercall, KVM_X86_QUIRK_FIX_HYPERCALL_INSN): not modelled. */
Test(svm_kvm, vmmcall_exits_vmcall_is_ud)
{
	struct scenario *sc = load(GUEST_PROLOGUE
				   "    lea rax, [rip+ud]\n    mov word ptr [idt+96], ax\n    mov word ptr [idt+98], 0x8\n"
				   "    mov byte ptr [idt+101], 0x8E\n    shr rax, 16\n    mov word ptr [idt+102], ax\n"
				   "    xor eax, eax\n    vmmcall\n    mov rbx, rax\n    vmcall\n    hlt\n"
				   "    ud:\n    add qword ptr [rsp], 3\n    inc qword ptr [rip+uds]\n    iretq\n"
				   "    uds: .quad 0\n" GUEST_EPILOGUE);
	struct run_result r;
	run(sc, "bp_enabled", &r, NULL);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(slot_count(&r, SVM_EXIT_VMMCALL), 1);
	EXPECT_HEX(r.gprs[3], (uint64_t)-1000);
	cr_assert_eq(sym_u64(sc, &r, "uds", 0), 1);
	cr_assert_eq(slot_count(&r, SVM_EXIT_EXCP_UD), 1);
	cr_assert_eq(r.st.exits_total, 3);               /* VMMCALL, #UD, HLT */
	run_result_free(&r);
	scenario_free(sc);
}

/* Seed 001 on SVM: SVM_REGS_LAZY_LOAD_SET is the PDPTRs only, so CR3 is
 * always available.  Lai's per-vendor dirty reset leaves CR3 dirty after
 * KVM_SET_SREGS, but the pair is avail=1/dirty=1 ("in vcpu->arch, needs to
 * be stored back"), never the *INVALID* 0/1 that VMX reaches. */
Test(svm_kvm, regcache_cr3_never_invalid_on_svm)
{
	char yaml[2048], err[512];
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: test\nvendor: svm\npolicies: [bp_enabled, lai_v1]\n"
		 "variants:\n  - name: lai_v1\n    base: bp_enabled\n    knobs: { regcache: per_vendor_dirty_set }\n"
		 "guest:\n  base: 0x1000\n  asm: |\n    mov ecx, 10\n    again:\n    out 0x80, al\n"
		 "    dec ecx\n    jnz again\n    hlt\nhost:\n  events:\n    - { exit: 3, set_cr3: 0x5000 }\n");
	struct scenario *sc = scenario_load_buf("t.yaml", yaml, strlen(yaml), err, sizeof(err));
	cr_assert_not_null(sc, "%s", err);
	struct run_result r;
	run(sc, "lai_v1", &r, NULL);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(r.st.exits_total, 11);
	cr_assert_eq(r.nviol, 0);
	run_result_free(&r);
	scenario_free(sc);
}

/* APM 15.10.2 Figure 15-2, EXITINFO1 of an IOIO intercept: port in 31:16,
 * SZ8/SZ16/SZ32 in bits 4/5/6, TYPE (bit 0) = 1 for IN.  KVM's
 * io_interception resumes at EXITINFO2, the rIP after the IN/OUT. */
Test(svm_kvm, ioio_exitinfo1_port_size_type)
{
	struct scenario *sc = load("    out 0x80, al\n    mov dx, 0x3F8\n    in eax, dx\n    out dx, ax\n    hlt\n");
	struct run_result r;
	struct evlog l = { 0 };
	run(sc, "bp_enabled", &r, &l);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(slot_count(&r, SVM_EXIT_IOIO), 3);
	EXPECT_HEX(nth_exit(&l, SVM_EXIT_IOIO, 0)->c, 0x00800010ull);   /* OUT imm8, AL */
	EXPECT_HEX(nth_exit(&l, SVM_EXIT_IOIO, 1)->c, 0x03F80041ull);   /* IN EAX, DX */
	EXPECT_HEX(nth_exit(&l, SVM_EXIT_IOIO, 2)->c, 0x03F80020ull);   /* OUT DX, AX */
	/* each I/O exit resumed after its instruction: the run ends at the
	 * HLT intercept, which saves the RIP of the HLT itself (instruction
	 * intercepts trigger before the instruction, APM 15.7) */
	/* RIP past the HLT: KVM skipped it before KVM_EXIT_HLT */
	EXPECT_HEX(r.guest_rip, 0x1000 + 2 + 4 + 1 + 2 + 1);
	run_result_free(&r);
	scenario_free(sc);
}
