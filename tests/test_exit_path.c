/* test_exit_path.c - the fast exit path and the kept engines of issue 16
 * change no result.
 *
 * A completed OUT, IN or CPUID exit used to leave Unicorn's translated
 * block by a RIP write; now it goes on in the block (cpu/engine/exec.c,
 * continue_in_block), emulating the block boundary the RIP write made
 * (budget check, blk_seq).  run_config.exits_leave_block restores the old
 * path.  A run also takes back the guest engine its thread kept from the
 * last run of the same guest (sim/reuse.h; run_config.no_reuse: a fresh
 * one).  Every check here runs the same input every way and requires the
 * same result JSON and the same trace (every event with its cycle stamp),
 * so nothing is predicted from hvsim's own output: the two paths must
 * agree.  Inputs: every bundled scenario (scenarios/ and its conformance/)
 * under its policies, variants and vendors, and guests built to hit each
 * condition continue_in_block checks (a budget that runs out at every
 * instruction around an exit, a host timer, IN of each size with and
 * without RAX bits 63:32, CPUID, single-step over an exit, an execute
 * breakpoint on the instruction after one, MOV SS in front of one, a
 * 32-bit guest).
 *
 * Plus the architectural outcome of a few of those guests (SDM Vol.3 25.1.3,
 * "Instructions That Cause VM Exits Conditionally": with "unconditional I/O
 * exiting" every IN/OUT exits; CPUID exits unconditionally, 25.1.2). */
#define _GNU_SOURCE
#include "tests/harness.h"
#include "cpu/engine/engine.h"
#include "sim/render/result_out.h"

/* FNV-1a of every trace event (id, cycle, payload, string). */
struct evhash { uint64_t h; uint64_t n; };

static void evhash_sink(void *ctx, const struct sim_event *ev)
{
	struct evhash *e = ctx;
	uint64_t v[6] = { (uint64_t)ev->id, ev->cycle, ev->a, ev->b, ev->c, ev->d };
	e->h = util_fnv1a64(e->h, v, sizeof(v));
	if (ev->s)
		e->h = util_fnv1a64(e->h, ev->s, strlen(ev->s) + 1);
	e->n++;
}

/* One run, as JSON (plus the trace hash when `traced`): `slow` = every exit
 * leaves the block, `fresh` = a new engine, `cost` = a cost model or NULL. */
static char *run_json(const struct scenario *sc, const char *policy, enum vendor v, bool slow, bool fresh,
		      const char *cost, bool traced, struct evhash *eh)
{
	struct run_config cfg = { .policy = policy, .vendor = v, .exits_leave_block = slow, .no_reuse = fresh,
				  .cost_model = cost };
	if (traced) {
		eh->h = UTIL_FNV_OFFSET;
		eh->n = 0;
		cfg.trace = evhash_sink;
		cfg.trace_ctx = eh;
	}
	struct run_result r;
	char err[512];
	cr_assert_eq(sim_run(sc, &cfg, &r, err, sizeof(err)), 0, "%s: %s", sc->name, err);
	struct membuf m;
	mb_open(&m);
	const struct run_result *rp = &r;
	result_write_json(m.f, &rp, 1);
	run_result_free(&r);
	return mb_close(&m);
}

/* The same result and trace every way: the reference is the old path on a
 * fresh engine; then the in-block path on a fresh engine, on the engine the
 * run before kept (sim/reuse.h: the previous policy's or vendor's run of
 * this guest), and the old path on a kept engine.  `cost` as given. */
static void same_every_way(const struct scenario *sc, const char *policy, enum vendor v, const char *cost)
{
	static const struct { bool slow, fresh; const char *what; } ways[] = {
		{ false, true, "in-block exits" },
		{ false, false, "in-block exits, kept engine" },
		{ true, false, "kept engine" },
	};
	for (int traced = 0; traced < 2; traced++) {
		struct evhash ref = { 0, 0 };
		char *want = run_json(sc, policy, v, true, true, cost, traced, &ref);
		for (unsigned w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
			struct evhash got = { 0, 0 };
			char *json = run_json(sc, policy, v, ways[w].slow, ways[w].fresh, cost, traced, &got);
			cr_expect_str_eq(json, want, "%s, policy %s, vendor %s, %s%s: results differ", sc->name,
					 policy ? policy : "-", scenario_vendor_name(v), ways[w].what,
					 traced ? ", traced" : "");
			if (traced)
				cr_expect(got.h == ref.h && got.n == ref.n,
					  "%s, policy %s, vendor %s, %s: traces differ (%llu vs %llu events)", sc->name,
					  policy ? policy : "-", scenario_vendor_name(v), ways[w].what,
					  (unsigned long long)got.n, (unsigned long long)ref.n);
			free(json);
		}
		free(want);
	}
}

static void same_both_ways(const struct scenario *sc, const char *policy, enum vendor v)
{
	same_every_way(sc, policy, v, NULL);
}

/* Every policy and variant of the scenario on each of its vendors. */
static void same_for_scenario(const struct scenario *sc)
{
	enum vendor vs[2];
	unsigned nv = 0;
	if (sc->vendor == VENDOR_BOTH) {
		vs[nv++] = VENDOR_VMX;
		vs[nv++] = VENDOR_SVM;
	} else {
		vs[nv++] = sc->vendor;
	}
	for (unsigned k = 0; k < nv; k++) {
		if (vs[k] == VENDOR_NONE) {
			same_both_ways(sc, NULL, VENDOR_NONE);
			continue;
		}
		if (!sc->npolicies)
			same_both_ways(sc, "bp_enabled", vs[k]);
		for (size_t i = 0; i < sc->npolicies; i++)
			if (strcmp(sc->policies[i], "all"))
				same_both_ways(sc, sc->policies[i], vs[k]);
		for (size_t i = 0; i < sc->nvariants; i++)
			same_both_ways(sc, sc->variants[i].name, vs[k]);
		/* a kept engine priced its blocks under the model of the run
		 * before: another model must not see those prices */
		if (vs[k] != VENDOR_NONE)
			same_every_way(sc, sc->npolicies && strcmp(sc->policies[0], "all") ? sc->policies[0] : "bp_enabled",
				       vs[k], vs[k] == VENDOR_SVM ? "zen3" : "skylake");
	}
}

static void same_for_dir(const char *sub)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", util_source_dir(), sub);
	DIR *d = opendir(dir);
	cr_assert(d, "cannot open %s", dir);
	unsigned n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		char path[8192], err[512];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct scenario *sc = scenario_load(path, err, sizeof err);
		cr_assert_not_null(sc, "%s", err);
		same_for_scenario(sc);
		scenario_free(sc);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 5, "too few scenarios under %s", dir);
}

Test(exit_path, bundled_scenarios_same_both_ways, .timeout = 600)
{
	same_for_dir("scenarios");
}

Test(exit_path, conformance_scenarios_same_both_ways, .timeout = 600)
{
	same_for_dir("scenarios/conformance");
}

/* A 64-bit guest (asm lines indented by 4) under `vendor`, `extra` YAML
 * appended at the top level (host timer), limits as given. */
static struct scenario *guest(const char *vendor, const char *limits, const char *extra, const char *body)
{
	char yaml[8192];
	snprintf(yaml, sizeof yaml,
		 "version: 1\nname: exit_path\nsummary: test\nvendor: %s\npolicies: [bp_enabled]\n"
		 "guest:\n  mode: 64\n  base: 0x1000\n  limits: %s\n  asm: |\n%s%s",
		 vendor, limits, body, extra ? extra : "");
	return h_load_text("exit_path.yaml", yaml);
}

static void same_all_vendors(const struct scenario *sc)
{
	same_both_ways(sc, "bp_enabled", VENDOR_VMX);
	same_both_ways(sc, "bp_enabled", VENDOR_SVM);
	same_both_ways(sc, NULL, VENDOR_NONE);
}

/* An exit in the middle of a translated block, instructions after it. */
#define MIDBLOCK_LOOP                        \
	"    mov ecx, 5\n"                   \
	"    again:\n"                       \
	"    add rax, 1\n"                   \
	"    out 0x80, al\n"                 \
	"    add rbx, 2\n"                   \
	"    add rdx, 3\n"                   \
	"    dec ecx\n"                      \
	"    jnz again\n"                    \
	"    hlt\n"

/* The budget runs out at every instruction of the run: the block boundary
 * the old path made after each exit is where it may stop. */
Test(exit_path, budget_at_every_instruction)
{
	for (unsigned k = 1; k <= 34; k++) {
		char lim[96];
		snprintf(lim, sizeof lim, "{ instructions: %u, on_budget: stop }", k);
		struct scenario *sc = guest("both", lim, NULL, MIDBLOCK_LOOP);
		same_all_vendors(sc);
		scenario_free(sc);
	}
}

Test(exit_path, cycle_budget)
{
	for (unsigned k = 1; k <= 40000; k += 997) {
		char lim[96];
		snprintf(lim, sizeof lim, "{ cycles: %u, on_budget: stop }", k);
		struct scenario *sc = guest("both", lim, NULL, MIDBLOCK_LOOP);
		same_all_vendors(sc);
		scenario_free(sc);
	}
}

/* A host or guest timer (a per-block callback of the layer). */
Test(exit_path, timer)
{
	static const char *const t[] = { "host:\n  timer: { period: 3 }\n", "host:\n  timer: { period: 7, source: guest }\n",
					 "host:\n  timer: { period: 1 }\n" };
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct scenario *sc = guest("both", "{ instructions: 1000 }", t[i], MIDBLOCK_LOOP);
		same_both_ways(sc, "bp_enabled", VENDOR_VMX);
		same_both_ways(sc, "bp_enabled", VENDOR_SVM);
		scenario_free(sc);
	}
}

/* IN of each size, RAX bits 63:32 set and clear (a 32-bit IN zero-extends
 * natively: the fast path must not let it), IN from DX, CPUID leaves. */
Test(exit_path, in_and_cpuid)
{
	struct scenario *sc = guest("both", "{ instructions: 1000 }", NULL,
				    "    mov rax, 0x1122334455667788\n"
				    "    in al, 0x71\n"
				    "    mov r8, rax\n"
				    "    in ax, 0x71\n"
				    "    mov r9, rax\n"
				    "    in eax, 0x71\n"
				    "    mov r10, rax\n"
				    "    mov eax, 0x55667788\n"
				    "    in eax, 0x71\n"
				    "    mov r11, rax\n"
				    "    mov edx, 0x3f8\n"
				    "    in al, dx\n"
				    "    out dx, eax\n"
				    "    mov r12, rax\n"
				    "    xor eax, eax\n"
				    "    cpuid\n"
				    "    mov r13, rbx\n"
				    "    mov eax, 1\n"
				    "    cpuid\n"
				    "    mov r14, rdx\n"
				    "    mov eax, 2\n"
				    "    cpuid\n"
				    "    mov r15, rax\n"
				    "    hlt\n");
	same_all_vendors(sc);
	scenario_free(sc);
}

/* TF over exits (KVM's single-step after an emulated instruction), with an
 * IDT; an execute breakpoint on the instruction right after an OUT in the
 * same block (its RF and blk_seq window); MOV SS in front of an OUT. */
Test(exit_path, single_step_breakpoint_mov_ss)
{
	struct scenario *sc = guest("both", "{ instructions: 10000 }", NULL,
				    GUEST_PROLOGUE
				    "    lea rax, [rip+after]\n"
				    "    mov dr0, rax\n"
				    "    mov eax, 0x401\n"
				    "    mov dr7, rax\n"
				    "    mov ecx, 3\n"
				    "    loop1:\n"
				    "    out 0x80, al\n"
				    "    after:\n"
				    "    add rbx, 1\n"
				    "    cpuid\n"
				    "    dec ecx\n"
				    "    jnz loop1\n"
				    "    xor eax, eax\n"
				    "    mov dr7, rax\n"
				    "    pushfq\n"
				    "    or qword ptr [rsp], 0x100\n"
				    "    popfq\n"
				    "    out 0x80, al\n"
				    "    in al, 0x80\n"
				    "    cpuid\n"
				    "    pushfq\n"
				    "    and qword ptr [rsp], ~0x100\n"
				    "    popfq\n"
				    "    mov ax, ss\n"
				    "    mov ss, ax\n"
				    "    out 0x80, al\n"
				    "    add rbx, 1\n"
				    "    hlt\n"
				    GUEST_EPILOGUE);
	same_all_vendors(sc);
	scenario_free(sc);
}

Test(exit_path, guest_32bit)
{
	struct scenario *sc = h_load_text("exit_path32.yaml",
		"version: 1\nname: exit_path32\nsummary: test\nvendor: both\npolicies: [bp_enabled]\n"
		"guest:\n  mode: 32\n  base: 0x1000\n  limits: { instructions: 1000 }\n  asm: |\n"
		"    mov ecx, 4\n"
		"    again:\n"
		"    out 0x80, al\n"
		"    in eax, 0x80\n"
		"    inc ebx\n"
		"    cpuid\n"
		"    inc esi\n"
		"    dec ecx\n"
		"    jnz again\n"
		"    hlt\n");
	same_all_vendors(sc);
	scenario_free(sc);
}

/* The architecture on the fast path: 5 OUTs and the HLT exit (SDM Vol.3
 * 25.1.3 with "unconditional I/O exiting", KVM's setting; 25.1.2 HLT with
 * "HLT exiting"), the loop ran to its end with every register the loop
 * adds to holding its sum, RIP past the HLT (kvm_emulate_halt skips it). */
Test(exit_path, out_loop_outcome)
{
	struct scenario *sc = guest("vmx", "{ instructions: 1000 }", NULL, MIDBLOCK_LOOP);
	struct run_config cfg = { .policy = "bp_enabled", .vendor = VENDOR_VMX };
	struct run_result r;
	h_run(sc, &cfg, &r);
	uint64_t v = 0;
	cr_assert_eq(result_field(&r, "exits.by_reason.IO_INSTRUCTION", &v, NULL), 0);
	cr_expect_eq(v, 5);
	cr_assert_eq(result_field(&r, "exits.by_reason.HLT", &v, NULL), 0);
	cr_expect_eq(v, 1);
	cr_expect_eq(r.gprs[0], 5);          /* rax: 5 x add 1 */
	cr_expect_eq(r.gprs[3], 10);         /* rbx: 5 x add 2 */
	cr_expect_eq(r.gprs[2], 15);         /* rdx: 5 x add 3 */
	cr_expect_eq(r.gprs[1], 0);          /* rcx counted down */
	/* 1 + 5 x 6 + 1 instructions: mov, the loop, hlt */
	cr_expect_eq(r.st.guest_instructions, 32);
	run_result_free(&r);
	scenario_free(sc);
}

/* A kept engine's blocks translated with fast loads (cpu/engine/memhooks.c:
 * a block that loads and ran DANCE_AFTER = 256 times is translated again
 * with no memory hook listed, so its loads skip the read hooks) stay fast
 * in the next run; arming a read/write watchpoint there must retranslate
 * them, or the loads it covers go unseen.  The load is an indirect JMP
 * through memory alone in its block, so the watch hooks (boundaries inside
 * a block after a memory instruction) do not retranslate it: only the
 * engine's list of fast blocks does.  The guest runs the loop 600 times,
 * then 3 times under a read/write watchpoint on the jump's pointer, then
 * 600 times with it disarmed (fast again at the end of the run).  Each of
 * the 3 watched jumps is one data-breakpoint trap (SDM Vol.3 17.2.4, R/W =
 * 11: "break on data reads or writes"; 17.3.1.2: a data breakpoint is a
 * trap, delivered through the IDT to the handler, which counts it): r15 =
 * 3 on a fresh engine and on the kept one, and the same results every
 * way. */
Test(exit_path, kept_engine_fast_loads_then_read_watchpoint)
{
	struct scenario *sc = guest("both", "{ instructions: 100000 }", NULL,
				    GUEST_PROLOGUE
				    "    lea rax, [rip+l1]\n"
				    "    mov [rip+target], rax\n"
				    "    mov ecx, 600\n"
				    "    call loads\n"
				    "    lea rax, [rip+target]\n"
				    "    mov dr0, rax\n"
				    "    mov eax, 0xB0001\n"       /* L0, R/W0 = 11, LEN0 = 10 (8 bytes) */
				    "    mov dr7, rax\n"
				    "    mov ecx, 4\n"
				    "    call loads\n"
				    "    xor eax, eax\n"
				    "    mov dr7, rax\n"
				    "    mov ecx, 600\n"
				    "    call loads\n"
				    "    mov r15, [rip+count]\n"
				    "    hlt\n"
				    "    loads:\n"
				    "    l1:\n"
				    "    dec ecx\n"
				    "    jz done\n"
				    "    jmp qword ptr [rip+target]\n"
				    "    done:\n"
				    "    ret\n"
				    "    .balign 16\n"
				    "    target: .quad 0\n"
				    GUEST_EPILOGUE);
	static const enum vendor vs[] = { VENDOR_NONE, VENDOR_VMX, VENDOR_SVM };
	for (unsigned k = 0; k < sizeof vs / sizeof vs[0]; k++)
		for (int run = 0; run < 2; run++) {     /* the second run takes the first one's engine */
			struct run_config cfg = { .policy = vs[k] == VENDOR_NONE ? NULL : "bp_enabled", .vendor = vs[k] };
			struct run_result r;
			h_run(sc, &cfg, &r);
			cr_expect_eq(r.stop, STOP_HALT, "vendor %s run %d: %s", scenario_vendor_name(vs[k]), run,
				     r.stop_msg);
			cr_expect_eq(r.gprs[15], 3, "vendor %s run %d: %llu data-breakpoint traps, expected 3",
				     scenario_vendor_name(vs[k]), run, (unsigned long long)r.gprs[15]);
			run_result_free(&r);
		}
	same_all_vendors(sc);
	scenario_free(sc);
}
