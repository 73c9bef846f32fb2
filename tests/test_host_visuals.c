/* test_host_visuals.c - the renderings of a run of the host world (issue
 * 19, stage 4): the JSONL trace names the physical CPU, the text trace its
 * [CPU] column, the Chrome/Perfetto export and the SVG timeline have one
 * lane (group) per CPU, `explain` tells vcpu_put / switch_to / vcpu_load /
 * migrations / IPIs, and `step` shows any CPU's registers.  A one-CPU run
 * is written as before (the byte-for-byte comparison with earlier traces
 * is scripts/reports.sh and test_outputs).
 *
 * Expected values come from the scenarios' own text, not from hvsim's
 * output: scenarios/seed000_migrate_host_bps.yaml puts a CPU-wide perf
 * watchpoint on 0x7ff00100 on CPU 0 and one on 0x7ff00200 on CPU 1 and
 * preempts the vCPU thread every 4 exits, rotating it to the other CPU:
 * under bp_enabled its exits 1-4 (MOV DR0, the first hit's #DB exit, OUT,
 * the second hit's #DB exit) run on CPU 0, exit 5 on CPU 1, after a
 * vcpu_put on CPU 0 (which switches to its idle task, idle0) and a
 * vcpu_load on CPU 1 that says it came from CPU 0.
 * scenarios/seed000_ipi_other_cpu.yaml has perf on CPU 1 install its
 * watchpoint on CPU 0 by IPI, in slot 0. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

static char dir[512];

static void setup(void)
{
	h_mkdtemp(dir, sizeof dir, "hvsim-test-visuals");
}

static void teardown(void)
{
	h_rmtree(dir);
}

TestSuite(host_visuals, .init = setup, .fini = teardown);

static const char *scen(const char *name)
{
	static char p[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/scenarios/%s.yaml", h_srcdir(), name);
	return p[k];
}

/* hvsim ARGS... ; fails the test unless it exits 0; returns stdout. */
static char *hv(const char *const *args)
{
	char *out = NULL, *err = NULL;
	int rc = h_hvsim_run(dir, args, &out, &err);
	cr_assert_eq(rc, 0, "hvsim %s %s: exit %d: %s", args[0], args[1] ? args[1] : "", rc, err ? err : "");
	free(err);
	return out;
}

/* The text with every run of blanks and newlines made one space (explain
 * wraps its paragraphs). */
static char *flat(char *s)
{
	size_t k = 0;
	for (size_t i = 0; s[i]; i++) {
		bool sp = s[i] == ' ' || s[i] == '\n';
		if (sp && k && s[k - 1] == ' ')
			continue;
		s[k++] = sp ? ' ' : s[i];
	}
	s[k] = 0;
	return s;
}

static char *file(const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	char *s = h_slurp(p, NULL);
	cr_assert_not_null(s, "%s", p);
	return s;
}

/* The trace of the migration scenario under bp_enabled on VMX, in DIR/t.jsonl. */
static char *migrate_trace(void)
{
	char t[700];
	snprintf(t, sizeof t, "%s/t.jsonl", dir);
	const char *args[] = { "run", scen("seed000_migrate_host_bps"), "-p", "bp_enabled", "--vendor", "vmx",
			       "--trace", t, "-o", "/dev/null", NULL };
	free(hv(args));
	return file("t.jsonl");
}

Test(host_visuals, jsonl_names_the_cpu)
{
	char *t = migrate_trace();
	/* the vCPU thread scheduled in on CPU 1, last run on CPU 0 */
	cr_assert(strstr(t, "{\"c\":") && strstr(t, "\"ev\":\"kvm_vcpu_load\",\"vcpu\":0,\"cpu\":1,\"from_cpu\":0,"),
		  "no vcpu_load on CPU 1 from CPU 0");
	/* CPU 0 switches to its idle task: host context, no vcpu key */
	cr_assert(strstr(t, "\"ev\":\"sched_switch\",\"cpu\":0,") && strstr(t, "\"next_comm\":\"idle0\""));
	cr_assert(strstr(t, "\"ev\":\"kvm_vcpu_put\",\"vcpu\":0,\"cause\""), "vcpu_put on CPU 0 keeps the old form");
	free(t);

	/* a one-CPU scenario: no "cpu" key anywhere */
	char p[700];
	snprintf(p, sizeof p, "%s/one.jsonl", dir);
	const char *args[] = { "run", scen("seed000_need_reload_host_bp"), "-p", "bp_enabled", "--vendor", "vmx",
			       "--trace", p, "-o", "/dev/null", NULL };
	free(hv(args));
	char *one = file("one.jsonl");
	cr_assert_null(strstr(one, "\"cpu\":"));
	free(one);
}

Test(host_visuals, text_trace_has_the_cpu_column)
{
	free(migrate_trace());
	char t[700];
	snprintf(t, sizeof t, "%s/t.jsonl", dir);
	const char *args[] = { "trace", t, NULL };
	char *out = hv(args);
	cr_assert(!strncmp(out, "cpus=2\n", 7), "%.40s", out);
	cr_assert(strstr(out, "[001] d..1.") && strstr(out, "kvm_vcpu_load: vcpu 0 from_cpu 0"));
	/* sched_switch on CPU 0 to idle0: trace-cmd's COMM-PID of host context */
	cr_assert(strstr(out, "<host>-0     [000]") && strstr(out, "sched_switch: prev_pid"));
	free(out);
}

Test(host_visuals, chrome_one_lane_per_cpu)
{
	free(migrate_trace());
	char t[700], o[700];
	snprintf(t, sizeof t, "%s/t.jsonl", dir);
	snprintf(o, sizeof o, "%s/t.json", dir);
	const char *args[] = { "trace", t, "--format", "chrome", "-o", o, NULL };
	free(hv(args));
	char *j = file("t.json");
	cr_assert(strstr(j, "\"tid\":0,\"args\":{\"name\":\"CPU 0\"}"));
	cr_assert(strstr(j, "\"tid\":1,\"args\":{\"name\":\"CPU 1\"}"));
	cr_assert_null(strstr(j, "\"name\":\"vcpu 0\"}"), "no per-vCPU thread in a host-world run");
	/* the vCPU thread's slice on CPU 1 is a span named after the task, the
	 * guest spans inside it name the vCPU */
	cr_assert(strstr(j, "{\"name\":\"vcpu0\",\"cat\":\"sched\",\"ph\":\"X\",\"pid\":1,\"tid\":1,"));
	cr_assert(strstr(j, "{\"name\":\"guest (vcpu 0)\",\"cat\":\"guest\",\"ph\":\"X\",\"pid\":1,\"tid\":1,"));
	cr_assert(strstr(j, "{\"name\":\"kvm_vcpu_load\",\"cat\":\"sched\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":1,"));
	free(j);
}

Test(host_visuals, svg_timeline_lanes_per_cpu)
{
	free(migrate_trace());
	char t[700], o[700];
	snprintf(t, sizeof t, "%s/t.jsonl", dir);
	snprintf(o, sizeof o, "%s/tl.svg", dir);
	const char *args[] = { "trace", t, "--format", "svg", "-o", o, NULL };
	free(hv(args));
	char *svg = file("tl.svg");
	cr_assert(strstr(svg, ">CPU 0 guest<") && strstr(svg, ">CPU 1 guest<") && strstr(svg, ">CPU 1 sched<"));
	cr_assert(strstr(svg, ", 2 CPUs"));
	cr_assert(strstr(svg, "CPU 1 runs vcpu0 "), "the task span of CPU 1");
	cr_assert(strstr(svg, ">kvm_vcpu_load<") && strstr(svg, ">guest vcpu 0<"), "legend");
	free(svg);
	char *csv = file("tl.csv");
	cr_assert(!strncmp(csv, "cycle,cpu,lane,event,detail\n", 28), "%.40s", csv);
	cr_assert(strstr(csv, ",1,sched,kvm_vcpu_load,vcpu 0 from cpu 0"));
	free(csv);
	char *js = file("tl.json");
	cr_assert(strstr(js, "\"cpus\": 2") || strstr(js, "\"cpus\":2"), "%.300s", js);
	free(js);
}

Test(host_visuals, explain_tells_the_scheduling)
{
	const char *a1[] = { "explain", scen("seed000_migrate_host_bps"), "-p", "need_reload_vcpu_load", "--vendor",
			     "vmx", NULL };
	char *out = flat(hv(a1));
	cr_assert(strstr(out, "kvm_arch_vcpu_put"), "vcpu_put");
	cr_assert(strstr(out, "CPU 0 switches to task idle0"), "switch_to");
	cr_assert(strstr(out, "on CPU 1, having last run on CPU 0"), "migration");
	cr_assert(strstr(out, "(vCPU 0 on CPU 1)"), "exit titles name the CPU");
	/* the hardware named in a missed #DB is CPU 1's: its host watchpoint */
	cr_assert(strstr(out, "hardware DR0 = 0x7ff00200"), "CPU 1's registers");
	free(out);
	const char *a2[] = { "explain", scen("seed000_ipi_other_cpu"), "-p", "need_reload", "--vendor", "vmx", NULL };
	out = flat(hv(a2));
	cr_assert(strstr(out, "An IPI from CPU 1 makes CPU 0 install a host breakpoint (slot 0)"), "IPI");
	free(out);
}

Test(host_visuals, step_shows_any_cpu)
{
	char cmd[3000];
	snprintf(cmd, sizeof cmd,
		 "printf 'until exit\\nuntil exit\\nuntil exit\\nuntil exit\\nuntil exit\\ninfo cpus\\ndreg 1\\n"
		 "info dr cpu 0\\ninfo dr cpu 2\\n' | '%s' step '%s' -p bp_enabled --vendor vmx > '%s/step.out' 2>&1",
		 h_hvsim(), scen("seed000_migrate_host_bps"), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	char *out = file("step.out");
	/* after the 5th exit: the vCPU on CPU 1, CPU 0 idle */
	cr_assert(strstr(out, "  1   vcpu0    0 "), "%s", out);
	cr_assert(strstr(out, "  0   idle0    - "), "%s", out);
	cr_assert(strstr(out, "vCPU 0's slice runs now, on CPU 1"));
	cr_assert(strstr(out, "CPU 1 of 2: task vcpu0, its vCPU loaded"));
	cr_assert(strstr(out, "CPU 0 of 2: task idle0, no vCPU loaded"));
	/* CPU 0's host column: its own watchpoint */
	cr_assert(strstr(out, "0x7ff00100") && strstr(out, "0x7ff00200"));
	cr_assert(strstr(out, "  error: bad CPU '2' (0 to 1)"));
	free(out);
}
