/* test_host_world.c - the scenario keys of the host world
 * (scenarios/README.md "The host world"): every inconsistency is refused
 * with one "t.yaml:LINE:COL: message" at the offending node (positions
 * worked out by hand from the YAML below), a scenario without the keys
 * loads as before (one CPU, one vCPU, no task), and the expectation
 * checker refuses host-world fields a scenario cannot have.  The loader is
 * what `hvsim validate` runs (sim/cli/cmd_validate.c). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/expect.h"
#include "sim/loader/scenario.h"
#include "tests/harness.h"

static char cache_dir[256];
static char err[1024];

static void setup(void)
{
	h_mkdtemp(cache_dir, sizeof cache_dir, "hvsim-test-cache");
	setenv("HVSIM_CACHE_DIR", cache_dir, 1);
}

static void teardown(void) { h_rmtree(cache_dir); }

TestSuite(host_world, .init = setup, .fini = teardown);

/* line 1-6: the head every case shares; case text starts on line 7 */
#define HEAD "version: 1\nname: t\nsummary: s\nguest:\n  base: 0x1000\n  code: \"90 f4\"\n"

static struct scenario *load(const char *yaml)
{
	err[0] = 0;
	return scenario_load_buf("t.yaml", yaml, strlen(yaml), err, sizeof err);
}

static void fails_with(const char *yaml, const char *msg)
{
	struct scenario *sc = load(yaml);
	if (sc)
		scenario_free(sc);
	cr_assert_null(sc, "loaded: %s", yaml);
	cr_assert_str_eq(err, msg);
}

Test(host_world, without_the_keys_it_is_one_cpu_one_vcpu)
{
	struct scenario *sc = load(HEAD "host:\n  breakpoints:\n    - {slot: 0, addr: 0x7ff00100, type: write, len: 4}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->host.ncpus, 0);
	cr_assert_eq(sc->guest.nvcpus, 0u);
	cr_assert_eq(sc->host.ntasks, 0u);
	cr_assert_not(sc->host.sched.set);
	cr_assert_eq(sc->host.bps[0].cpu, 0, "a CPU-wide breakpoint is CPU 0's by default");
	scenario_free(sc);
}

Test(host_world, the_keys_load)
{
	struct scenario *sc = load(HEAD
		"  vcpus:\n"
		"    - {cpu: 1, regs: {rbx: 7}}\n"
		"    - {entry: 0x1001}\n"
		"host:\n"
		"  cpus: 2\n"
		"  breakpoints:\n"
		"    - {slot: 0, addr: 0x7ff00100, type: write, len: 4, cpu: all}\n"
		"  tasks:\n"
		"    - name: gdb\n"
		"      cpu: 1\n"
		"      breakpoints: [{slot: 1, addr: 0x7ff00200, type: rw, len: 8, kind: ptrace}]\n"
		"      touches: [{addr: 0x7ff00200, size: 8, write: true}]\n"
		"  sched: {slice: {exits: 3}, migrate: rotate}\n"
		"  events:\n"
		"    - {exit: 2, vcpu: 1, install: {slot: 2, addr: 0x7ff00300, type: exec}, cpu: all, from: 1}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->host.ncpus, 2);
	cr_assert_eq(sc->guest.nvcpus, 2u);
	cr_assert_eq(sc->guest.vcpus[0].cpu, 1);
	cr_assert_eq(sc->guest.vcpus[0].entry, 0x1000u, "guest.entry by default");
	cr_assert_eq(sc->guest.vcpus[1].entry, 0x1001u);
	cr_assert_eq(sc->guest.vcpus[1].cpu, -1, "index mod host.cpus, decided by the machine");
	cr_assert_eq(sc->host.bps[0].cpu, -1);
	cr_assert_eq(sc->host.ntasks, 1u);
	cr_assert_str_eq(sc->host.tasks[0].name, "gdb");
	cr_assert_eq(sc->host.tasks[0].cpu, 1);
	cr_assert_eq(sc->host.tasks[0].bps[0].kind, BP_PTRACE);
	cr_assert_eq(sc->host.tasks[0].touches[0].size, 8u);
	cr_assert_eq(sc->host.sched.slice_exits, 3u);
	cr_assert(sc->host.sched.migrate);
	cr_assert_eq(sc->host.events[0].cpus, -1);
	cr_assert_eq(sc->host.events[0].from, 1);
	cr_assert_eq(sc->host.events[0].vcpu, 1);
	scenario_free(sc);
}

Test(host_world, cpus_out_of_range)
{
	fails_with(HEAD "host:\n  cpus: 9\n", "t.yaml:8:9: host.cpus must be between 1 and 8, got 9");
	fails_with(HEAD "host:\n  cpus: 0\n", "t.yaml:8:9: host.cpus must be between 1 and 8, got 0");
}

Test(host_world, a_cpu_that_does_not_exist)
{
	fails_with(HEAD "host:\n  cpus: 2\n  breakpoints:\n    - {slot: 0, addr: 0x7ff00100, type: exec, cpu: 2}\n",
		   "t.yaml:10:52: host.breakpoints[0].cpu: there is no CPU 2 (host.cpus is 2: CPUs 0-1, or all)");
	fails_with(HEAD "host:\n  tasks:\n    - {name: a, cpu: 1}\n",
		   "t.yaml:9:22: host.tasks[0].cpu: there is no CPU 1 (host.cpus is 1: CPUs 0-0)");
	fails_with(HEAD "  vcpus:\n    - {cpu: 3}\n",
		   "t.yaml:8:13: guest.vcpus[0].cpu: there is no CPU 3 (host.cpus is 1: CPUs 0-0)");
	fails_with(HEAD "host:\n  cpus: 2\n  events:\n    - {exit: 1, remove: 0, cpu: 5}\n",
		   "t.yaml:10:33: host.events[0].cpu: there is no CPU 5 (host.cpus is 2: CPUs 0-1, or all)");
	fails_with(HEAD "host:\n  cpus: 2\n  events:\n    - {exit: 1, remove: 0, from: 2}\n",
		   "t.yaml:10:34: host.events[0].from: there is no CPU 2 (host.cpus is 2: CPUs 0-1)");
}

Test(host_world, ptrace_has_no_cpu)
{
	fails_with(HEAD "host:\n  cpus: 2\n  breakpoints:\n    - {slot: 0, addr: 0x7ff00100, type: exec, kind: ptrace, cpu: 1}\n",
		   "t.yaml:10:66: host.breakpoints[0].cpu: a ptrace breakpoint belongs to a task (here the vCPU thread), "
		   "not to a CPU; cpu is for CPU-wide perf breakpoints");
}

Test(host_world, same_slot_on_different_cpus_is_fine_on_one_is_not)
{
	struct scenario *sc = load(HEAD "host:\n  cpus: 2\n  breakpoints:\n"
				   "    - {slot: 0, addr: 0x7ff00100, type: exec, cpu: 0}\n"
				   "    - {slot: 0, addr: 0x7ff00200, type: exec, cpu: 1}\n");
	cr_assert_not_null(sc, "%s", err);
	scenario_free(sc);
	fails_with(HEAD "host:\n  cpus: 2\n  breakpoints:\n"
		   "    - {slot: 0, addr: 0x7ff00100, type: exec, cpu: all}\n"
		   "    - {slot: 0, addr: 0x7ff00200, type: exec, cpu: 1}\n",
		   "t.yaml:11:14: host.breakpoints[1].slot: slot 0 is already used by host.breakpoints[0] (at 10:7)");
}

Test(host_world, cpu_only_on_install_and_remove)
{
	fails_with(HEAD "host:\n  cpus: 2\n  events:\n    - {exit: 1, touch: {addr: 0x10, size: 1}, cpu: 1}\n",
		   "t.yaml:10:47: host.events[0].cpu: only install and remove act on a CPU (the rest is the vCPU "
		   "thread's)");
}

Test(host_world, vcpu_of_an_event)
{
	fails_with(HEAD "host:\n  events:\n    - {exit: 1, remove: 0, vcpu: 1}\n",
		   "t.yaml:9:34: host.events[0].vcpu: there is no vCPU 1 (guest.vcpus has 1)");
	fails_with(HEAD "  vcpus: [{}, {}]\nhost:\n  events:\n    - {start: true, remove: 0, vcpu: 1}\n",
		   "t.yaml:10:32: host.events[0].vcpu: `start` happens before any vCPU runs; vcpu counts exits");
}

Test(host_world, tasks)
{
	fails_with(HEAD "host:\n  tasks:\n    - {name: vcpu0}\n",
		   "t.yaml:9:14: host.tasks[0].name: 'vcpu0' is the name of a vCPU thread or an idle task (vcpuN, idleN)");
	fails_with(HEAD "host:\n  tasks:\n    - {name: a}\n    - {name: a}\n",
		   "t.yaml:10:14: duplicate task name 'a' (first given at 9:7)");
	fails_with(HEAD "host:\n  tasks:\n    - name: a\n      breakpoints:\n"
		   "        - {slot: 1, addr: 0x10, type: exec}\n        - {slot: 1, addr: 0x20, type: exec}\n",
		   "t.yaml:12:18: host.tasks[0].breakpoints[1].slot: slot 1 is already used by "
		   "host.tasks[0].breakpoints[0] (at 11:11)");
	fails_with(HEAD "host:\n  tasks:\n    - name: a\n      touches: [{addr: 0x10, size: 3}]\n",
		   "t.yaml:10:36: host.tasks[0].touches[0].size must be 1, 2, 4 or 8, got 3");
	fails_with(HEAD "host:\n  tasks:\n    - name: a\n      breakpoints:\n"
		   "        - {slot: 0, addr: 0x10, type: exec, cpu: 0}\n",
		   "t.yaml:11:45: unknown key 'cpu' in host.tasks[0].breakpoints[0]");
}

Test(host_world, sched)
{
	fails_with(HEAD "host:\n  sched: {migrate: none}\n",
		   "t.yaml:8:10: missing required key 'slice' in host.sched");
	fails_with(HEAD "host:\n  sched: {slice: {exits: 1, ticks: 1}}\n",
		   "t.yaml:8:18: host.sched.slice needs exactly one of 'exits' (preempt after this many exits) or "
		   "'ticks' (after this many timer interrupts)");
	fails_with(HEAD "host:\n  sched: {slice: {exits: 0}}\n",
		   "t.yaml:8:26: host.sched.slice.exits must be at least 1, got 0");
	fails_with(HEAD "host:\n  sched: {slice: {exits: 2}, migrate: rotate}\n",
		   "t.yaml:8:39: host.sched.migrate: rotate needs host.cpus of 2 or more");
	fails_with(HEAD "host:\n  sched: {slice: {ticks: 2}}\n",
		   "t.yaml:8:10: host.sched.slice.ticks counts the host's timer interrupts: it needs host.timer with "
		   "source host");
}

Test(host_world, vcpus)
{
	fails_with(HEAD "  vcpus: []\n", "t.yaml:7:10: guest.vcpus has 0 items: give 1 to 8 vCPUs");
	fails_with(HEAD "  vcpus:\n    - {entry: nowhere}\n",
		   "t.yaml:8:15: unknown label 'nowhere' for guest.vcpus[0].entry (code given as hex has no labels)");
	fails_with(HEAD "  vcpus:\n    - {regs: {rzz: 1}}\n",
		   "t.yaml:8:15: unknown register 'rzz' in guest.vcpus[0].regs (valid: rax rbx rcx rdx rsi rdi rbp rsp "
		   "r8-r15 rflags cr0 cr4 eax ebx ecx edx esi edi ebp esp)");
	fails_with("version: 1\nname: t\nsummary: s\nvendor: none\nguest:\n  base: 0x1000\n  code: \"f4\"\n"
		   "  vcpus: [{}, {}]\n",
		   "t.yaml:8:10: guest.vcpus: an SMP guest needs a hypervisor (vendor vmx, svm or both; vendor is none)");
	fails_with("version: 1\nname: t\nsummary: s\nvendor: none\nguest:\n  base: 0x1000\n  code: \"f4\"\n"
		   "host:\n  cpus: 2\n",
		   "t.yaml:9:3: host.cpus: the host world needs a hypervisor (vendor vmx, svm or both; vendor is none)");
}

/* expectations: host-world fields only in host-world scenarios, and only
 * for the CPUs and vCPUs there are */
static int check_field(const char *yaml, const char *field)
{
	struct scenario *sc = load(yaml);
	cr_assert_not_null(sc, "%s", err);
	struct expectation e = { .selector = "all", .field = (char *)field, .value = 1, .str_value = "1" };
	int rc = expect_check(&e, sc, err, sizeof err);
	scenario_free(sc);
	return rc;
}

Test(host_world, expectations)
{
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "cpus.1.exits.total"), 0, "%s", err);
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "vcpus.0.db.guest.missed"), 0, "%s", err);
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "sched.migrations"), 0, "%s", err);
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "cpus.2.exits.total"), -1);
	cr_assert_str_eq(err, "'cpus.2.exits.total': there is no CPU 2 (the scenario has 2)");
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "vcpus.1.exits.total"), -1);
	cr_assert_eq(check_field(HEAD, "sched.vcpu_loads"), -1);
	cr_assert_str_eq(err, "'sched.vcpu_loads' exists only in runs of the host world (host.cpus, host.tasks, "
			 "host.sched or guest.vcpus)");
	/* a per-CPU-only counter has no per-vCPU form, and the reverse */
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "vcpus.0.sched.ipis"), -1);
	cr_assert_eq(check_field(HEAD "host:\n  cpus: 2\n", "cpus.0.guest.instructions"), -1);
}
