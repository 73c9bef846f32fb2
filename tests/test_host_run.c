/* test_host_run.c - whole runs of the host world (sim/machine.c) in
 * process: what a task's breakpoint, an SMP guest's shared memory and a
 * pause in the middle of a data-breakpoint #DB must do.  Expected values
 * are worked out from the scenario text and the rules cited per test, not
 * taken from hvsim's output. */
#include <criterion/criterion.h>
#include <string.h>
#include "sim/result.h"
#include "sim/run.h"
#include "tests/harness.h"

static void run_one(const char *yaml, const char *policy, enum vendor v, struct run_result *r)
{
	struct scenario *sc = h_load_text("t.yaml", yaml);
	struct run_config cfg = { .policy = policy, .vendor = v };
	h_run(sc, &cfg, r);
	scenario_free(sc);
}

static uint64_t field(const struct run_result *r, const char *path)
{
	uint64_t v = 0;
	cr_assert_eq(result_field(r, path, &v, NULL), 0, "no field %s", path);
	return v;
}

/* A pause the host asks for at the exit of a data breakpoint's #DB (a host
 * snippet, or the scheduler) holds the guest until the deferred entry: the
 * next instruction (here an OUT, itself an exit) must not run before it.
 * Every exit but the final HLT is followed by exactly one entry, and the
 * run starts with one: entries == exits. */
Test(host_run, a_pause_at_a_data_trap_exit_holds_the_guest)
{
	static const char yaml[] =
		"version: 1\nname: t\nsummary: s\nvendor: both\n"
		"guest:\n  base: 0x1000\n  asm: |2\n"
		"      lea rax, [rip+handler]\n"
		"      mov word ptr [idt+16], ax\n      mov word ptr [idt+18], 0x8\n"
		"      mov byte ptr [idt+21], 0x8E\n      shr rax, 16\n      mov word ptr [idt+22], ax\n"
		"      lidt [rip+idtr]\n"
		"      lea rax, [rip+watched]\n      mov dr0, rax\n"
		"      mov eax, 0x000d0001\n      mov dr7, rax\n"
		"      mov dword ptr [rip+watched], 1\n"
		"      out 0x70, al\n      hlt\n"
		"    handler: iretq\n"
		"    .balign 16\n    idtr: .word 255\n    .quad idt\n    .balign 16\n    idt: .zero 256\n"
		"    watched: .quad 0\n"
		"host:\n  snippets:\n    - {name: s, base: 0xffffffff81000000, asm: \"nop\"}\n"
		"  events:\n    - {exit: 2, run: s}\n";
	for (enum vendor v = VENDOR_VMX; v <= VENDOR_SVM; v++) {
		struct run_result r;
		run_one(yaml, "bp_enabled", v, &r);
		/* exit 1: the MOV DR0 (WONT_EXIT); exit 2: the write's #DB; exit
		 * 3: the OUT; exit 4: the HLT */
		cr_assert_eq(field(&r, "exits.total"), 4);
		cr_assert_eq(field(&r, "entries.total"), 4, "an entry before every exit");
		cr_assert_eq(field(&r, "db.guest.delivered"), 1);
		cr_assert_eq(field(&r, "db.guest.missed"), 0);
		run_result_free(&r);
	}
}

/* An SMP guest's vCPUs share memory: two vCPUs each add 1 to one shared
 * counter 5 times and to a counter of their own; the machine runs one CPU
 * at a time, so no increment is lost: 10 in the shared word, 5 in each
 * own one.  Each vCPU has its own registers (rbx) and stack. */
Test(host_run, smp_vcpus_share_memory)
{
	static const char yaml[] =
		"version: 1\nname: t\nsummary: s\nvendor: both\n"
		"guest:\n  base: 0x1000\n  asm: |2\n"
		"    start:\n"
		"      mov ecx, 5\n"
		"    loop:\n"
		"      add qword ptr [0x2000], 1\n"
		"      add qword ptr [rbx], 1\n"
		"      out 0x70, al\n"
		"      dec ecx\n      jnz loop\n      hlt\n"
		"  data:\n    - {addr: 0x2000, size: 0x1000}\n"
		"  vcpus:\n"
		"    - {entry: start, regs: {rbx: 0x2100}}\n"
		"    - {entry: start, regs: {rbx: 0x2200}}\n"
		"host:\n  cpus: 2\n  sched: {slice: {exits: 2}}\n";
	for (enum vendor v = VENDOR_VMX; v <= VENDOR_SVM; v++) {
		struct run_result r;
		run_one(yaml, "bp_enabled", v, &r);
		uint64_t x;
		cr_assert(h_mem_u64(&r, 0x2000, &x));
		cr_assert_eq(x, 10);
		cr_assert(h_mem_u64(&r, 0x2100, &x));
		cr_assert_eq(x, 5);
		cr_assert(h_mem_u64(&r, 0x2200, &x));
		cr_assert_eq(x, 5);
		/* 5 OUTs and a HLT each */
		cr_assert_eq(field(&r, "vcpus.0.exits.total"), 6);
		cr_assert_eq(field(&r, "vcpus.1.exits.total"), 6);
		cr_assert_eq(field(&r, "exits.total"), 12, "the totals are the sum over the CPUs");
		cr_assert_eq(field(&r, "guest.vcpus"), 2);
		run_result_free(&r);
	}
}

/* A task's ptrace watchpoint is its own: it fires when the task touches
 * the word on its CPU, and not when the VMM thread (vCPU 0's) touches the
 * same word on another CPU; the db log names the owner and the CPU. */
Test(host_run, a_tasks_breakpoint_fires_for_the_task_only)
{
	static const char yaml[] =
		"version: 1\nname: t\nsummary: s\nvendor: vmx\n"
		"guest:\n  base: 0x1000\n  asm: |2\n"
		"      out 0x70, al\n      out 0x70, al\n      out 0x70, al\n      hlt\n"
		"host:\n  cpus: 2\n"
		"  tasks:\n    - name: gdb\n      cpu: 1\n"
		"      breakpoints: [{slot: 2, addr: 0x7ff00300, type: write, len: 8, kind: ptrace}]\n"
		"      touches: [{addr: 0x7ff00300, size: 8, write: true}]\n"
		"  sched: {slice: {exits: 1}}\n"
		"  events:\n    - {every_exit: 1, touch: {addr: 0x7ff00300, size: 8, write: true}}\n";
	struct run_result r;
	run_one(yaml, "bp_enabled", VENDOR_VMX, &r);
	/* vCPU slices end after exits 1, 2, 3 (the 4th, the HLT, ends the
	 * run); gdb runs a slice on CPU 1 after each of the first three: 3
	 * hits, all on CPU 1; the VMM's 4 touches on CPU 0 hit nothing */
	cr_assert_eq(field(&r, "db.host.delivered"), 3);
	cr_assert_eq(field(&r, "db.host.missed"), 0);
	cr_assert_eq(field(&r, "cpus.1.db.host.delivered"), 3);
	cr_assert_eq(field(&r, "cpus.0.db.host.delivered"), 0);
	cr_assert_eq(r.ndb, 3u);
	for (size_t i = 0; i < r.ndb; i++) {
		cr_assert_eq(r.db[i].cpu, 1);
		cr_assert_str_eq(r.world.task_name[r.db[i].owner], "gdb");
	}
	/* the perf era installs it at sched-in in the first free slot: 0 */
	cr_assert_eq(r.db[0].hw_slots, 1u);
	run_result_free(&r);
}
