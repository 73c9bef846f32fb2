/* test_result.c - result fields (result_field), the JSON result document
 * and the perf-kvm-stat style text report, on hand-filled results
 * (tests/sample_result.h): nothing here runs a simulation. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/render/json.h"
#include "sim/render/kvmstat.h"
#include "sim/render/result_out.h"
#include "sim/run.h"
#include "tests/harness.h"
#include "tests/sample_result.h"

static uint64_t field_u(const struct run_result *r, const char *path)
{
	uint64_t v = 12345;
	const char *s = "x";
	cr_assert_eq(result_field(r, path, &v, &s), 0, "result_field(%s) failed", path);
	cr_assert_null(s, "%s should be numeric", path);
	return v;
}

static const char *field_s(const struct run_result *r, const char *path)
{
	uint64_t v;
	const char *s = NULL;
	cr_assert_eq(result_field(r, path, &v, &s), 0, "result_field(%s) failed", path);
	cr_assert_not_null(s, "%s should be a string", path);
	return s;
}

/* ---- result_field ----------------------------------------------------------- */

Test(result_field, scalar_and_string_fields)
{
	struct run_result r;
	fill_result(&r);
	cr_assert_str_eq(field_s(&r, "schema"), "hvsim-result");
	cr_assert_eq(field_u(&r, "version"), 1);
	cr_assert_str_eq(field_s(&r, "scenario"), "demo");
	cr_assert_str_eq(field_s(&r, "policy"), "bp_enabled");
	cr_assert_str_eq(field_s(&r, "vendor"), "vmx");
	cr_assert_str_eq(field_s(&r, "cost_model"), "default");
	cr_assert_eq(field_u(&r, "guest.instructions"), 159);
	cr_assert_str_eq(field_s(&r, "guest.stop"), "halt");
	cr_assert_str_eq(field_s(&r, "guest.stop_message"), "guest executed HLT");
	cr_assert_eq(field_u(&r, "cycles.total"), 5000);
	cr_assert_eq(field_u(&r, "cycles.guest"), 100);
	cr_assert_eq(field_u(&r, "db.guest.delivered"), 3);
	cr_assert_eq(field_u(&r, "db.guest.missed"), 1);
	cr_assert_eq(field_u(&r, "db.host.spurious"), 0);
	cr_assert_eq(field_u(&r, "exits.total"), 3);
	cr_assert_eq(field_u(&r, "dr.guest_loads"), 2);
	cr_assert_eq(field_u(&r, "guest.rip"), 0x1028);
	cr_assert_eq(field_u(&r, "guest.regs.rax"), 0x401);
	cr_assert_eq(field_u(&r, "guest.regs.r15"), 0xdeadbeef);
	cr_assert_eq(field_u(&r, "guest.regs.rsp"), 0);
	cr_assert_eq(field_u(&r, "violations.count"), 1);
	cr_assert_eq(field_u(&r, "violations_dropped"), 0);
	cr_assert_eq(field_u(&r, "db.log.count"), 2);
	cr_assert_eq(field_u(&r, "db.log_dropped"), 7);
	run_result_free(&r);
}

Test(result_field, exit_reasons_include_zeros_and_only_known_names)
{
	struct run_result r;
	fill_result(&r);
	cr_assert_eq(field_u(&r, "exits.by_reason.DR_ACCESS"), 2);
	cr_assert_eq(field_u(&r, "exits.by_reason.HLT"), 1);
	cr_assert_eq(field_u(&r, "exits.by_reason.EXCEPTION_NMI"), 0);
	cr_assert_eq(field_u(&r, "exits.by_reason.IO_INSTRUCTION"), 0);
	cr_assert_eq(field_u(&r, "exits.cycles.DR_ACCESS"), 2600);
	cr_assert_eq(field_u(&r, "exits.min.DR_ACCESS"), 1180);
	cr_assert_eq(field_u(&r, "exits.max.DR_ACCESS"), 1420);
	cr_assert_eq(field_u(&r, "exits.sumsq.HLT"), 645 * 645);
	uint64_t v;
	cr_assert_eq(result_field(&r, "exits.by_reason.VMRUN", &v, NULL), -1);
	cr_assert_eq(result_field(&r, "exits.by_reason", &v, NULL), -1);
	/* an exit counted in a slot without a name is still reported */
	r.st.exits[50].count = 4;
	cr_assert_eq(field_u(&r, "exits.by_reason.UNKNOWN_50"), 4);
	run_result_free(&r);
}

Test(result_field, debug_register_fields)
{
	struct run_result r;
	fill_result(&r);
	cr_assert_eq(field_u(&r, "dr.hw_writes.dr0"), 3);
	cr_assert_eq(field_u(&r, "dr.hw_writes.dr7"), 6);
	cr_assert_eq(field_u(&r, "dr.hw_writes.dr4"), 0, "DR4 is not a hardware register");
	cr_assert_eq(field_u(&r, "dr.hw_writes.dr5"), 0);
	cr_assert_eq(field_u(&r, "dr.hw_reads.dr6"), 1);
	cr_assert_eq(field_u(&r, "dr.exits.read.dr6"), 2);
	cr_assert_eq(field_u(&r, "dr.exits.write.dr7"), 1);
	cr_assert_eq(field_u(&r, "dr.final.hw.dr7"), 0x400);
	cr_assert_eq(field_u(&r, "dr.final.guest.dr6"), 0xffff0ff1);
	cr_assert_eq(field_u(&r, "dr.final.hv.dr0"), 0x200000);
	uint64_t v;
	cr_assert_eq(result_field(&r, "dr.hw_writes.dr8", &v, NULL), -1);
	cr_assert_eq(result_field(&r, "dr.final.dr7", &v, NULL), -1);
	run_result_free(&r);
}

Test(result_field, memory_is_little_endian_and_bounded)
{
	struct run_result r;
	fill_result(&r);
	cr_assert_eq(field_u(&r, "mem.0x2000.1"), 0x11);
	cr_assert_eq(field_u(&r, "mem.0x2000.2"), 0x2211);
	cr_assert_eq(field_u(&r, "mem.0x2004.4"), 0x88776655);
	cr_assert_eq(field_u(&r, "mem.0x2000.8"), 0x8877665544332211ull);
	cr_assert_eq(field_u(&r, "mem.80000.8"), 0x01ffeeddccbbaa99ull);
	cr_assert_eq(field_u(&r, "mem.0x80007.1"), 0x01);
	uint64_t v;
	cr_assert_eq(result_field(&r, "mem.0x2005.4", &v, NULL), -1, "crosses the end of the region");
	cr_assert_eq(result_field(&r, "mem.0x3000.1", &v, NULL), -1, "outside every region");
	cr_assert_eq(result_field(&r, "mem.0x2000.3", &v, NULL), -1, "size must be 1, 2, 4 or 8");
	cr_assert_eq(result_field(&r, "mem.zz.4", &v, NULL), -1);
	run_result_free(&r);
}

Test(result_field, unknown_paths_fail)
{
	struct run_result r;
	fill_result(&r);
	uint64_t v = 1;
	const char *s = "x";
	static const char *const bad[] = { "", "guest", "cycles", "cycles.total.x", "nope",
					   "db.guest", "violations", "db.log", "guest.regs.rip" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(result_field(&r, bad[i], &v, &s), -1, "'%s' exists", bad[i]);
	run_result_free(&r);
}

Test(result_field, field_known_without_a_run)
{
	bool is_str;
	cr_assert(result_field_known("exits.by_reason.ANYTHING", &is_str));
	cr_assert(!is_str);
	cr_assert(result_field_known("guest.stop", &is_str));
	cr_assert(is_str);
	cr_assert(result_field_known("dr.final.guest.dr7", &is_str));
	cr_assert(result_field_known("mem.0x1000.8", &is_str));
	cr_assert(result_field_known("mem.counter.4", &is_str));
	cr_assert(!result_field_known("mem.counter.3", &is_str));
	cr_assert(!result_field_known("exits.by_reason.", &is_str));
	cr_assert(!result_field_known("exits.bogus", &is_str));
	for (unsigned i = 0; i < stat_ndescs; i++)
		cr_assert(result_field_known(stat_descs[i].path, NULL), "%s", stat_descs[i].path);
}

Test(result_field, free_is_idempotent)
{
	struct run_result r;
	fill_result(&r);
	run_result_free(&r);
	cr_assert_null(r.db);
	cr_assert_null(r.viol);
	cr_assert_null(r.mem_copy);
	run_result_free(&r);
}

/* ---- JSON document ---------------------------------------------------------- */

struct mirror_ctx { const struct json_value *run; unsigned n; };

static int mirror_cb(void *ctx, const struct result_item *it)
{
	struct mirror_ctx *m = ctx;
	const struct json_value *v = json_path(m->run, it->path);
	cr_assert_not_null(v, "%s missing from the JSON", it->path);
	if (it->is_str) {
		cr_assert_eq(v->type, JSON_STRING, "%s", it->path);
		cr_assert_str_eq(v->s, it->s, "%s", it->path);
	} else {
		cr_assert_eq(v->type, JSON_NUMBER, "%s", it->path);
		cr_assert(v->is_int && v->u == it->u, "%s: %" PRIu64 " != %" PRIu64, it->path, v->u, it->u);
	}
	m->n++;
	return 0;
}

Test(result_json, document_mirrors_every_field)
{
	struct run_result r;
	fill_result(&r);
	const struct run_result *runs[] = { &r };
	struct membuf m;
	mb_open(&m);
	cr_assert_eq(result_write_json(m.f, runs, 1), 0);
	char *doc = mb_close(&m);
	char err[128] = "";
	struct json_value *v = json_parse(doc, strlen(doc), err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_str_eq(json_get(v, "schema")->s, "hvsim-result");
	cr_assert_eq(json_get(v, "version")->u, 1);
	const struct json_value *rs = json_get(v, "runs");
	cr_assert_eq(rs->type, JSON_ARRAY);
	cr_assert_eq(rs->n, 1);
	struct mirror_ctx mc = { &rs->items[0], 0 };
	result_visit(&r, mirror_cb, &mc);
	cr_assert_gt(mc.n, 100);

	/* first keys in a fixed order */
	cr_assert_str_eq(rs->items[0].keys[0], "scenario");
	cr_assert_str_eq(rs->items[0].keys[1], "policy");
	cr_assert_str_eq(rs->items[0].keys[2], "vendor");
	cr_assert_str_eq(rs->items[0].keys[3], "cost_model");

	const struct json_value *log = json_path(&rs->items[0], "db.log");
	cr_assert_eq(log->type, JSON_ARRAY);
	cr_assert_eq(log->n, 2);
	cr_assert_str_eq(json_get(&log->items[0], "outcome")->s, "delivered");
	cr_assert_str_eq(json_get(&log->items[0], "who")->s, "guest");
	cr_assert_str_eq(json_get(&log->items[0], "cause")->s, "exec");
	cr_assert_str_eq(json_get(&log->items[1], "outcome")->s, "missed");
	cr_assert_str_eq(json_get(&log->items[1], "who")->s, "host");
	cr_assert_eq(json_get(&log->items[1], "ideal_slots")->u, 2);
	const struct json_value *vl = json_get(&rs->items[0], "violations");
	cr_assert_eq(vl->n, 1);
	cr_assert_eq(json_get(&vl->items[0], "slot")->i, -1);
	cr_assert_str_eq(json_get(&vl->items[0], "detail")->s, "guest read \"DR7\"\n0x0");
	cr_assert_null(json_path(&rs->items[0], "mem"), "mem is for expectations only");

	json_free(v);
	free(doc);
	run_result_free(&r);
}

Test(result_json, same_result_same_bytes)
{
	struct run_result r1, r2;
	fill_result(&r1);
	fill_result(&r2);
	const struct run_result *a[] = { &r1, &r2 }, *b[] = { &r2, &r1 };
	struct membuf m1, m2;
	mb_open(&m1);
	mb_open(&m2);
	cr_assert_eq(result_write_json(m1.f, a, 2), 0);
	cr_assert_eq(result_write_json(m2.f, b, 2), 0);
	char *x = mb_close(&m1), *y = mb_close(&m2);
	cr_assert_str_eq(x, y);
	free(x);
	free(y);
	run_result_free(&r1);
	run_result_free(&r2);
}

Test(result_json, bare_metal_keeps_the_per_reason_objects)
{
	struct run_result r;
	memset(&r, 0, sizeof(r));
	snprintf(r.vendor, sizeof(r.vendor), "none");
	const struct run_result *runs[] = { &r };
	struct membuf m;
	mb_open(&m);
	cr_assert_eq(result_write_json(m.f, runs, 1), 0);
	char *doc = mb_close(&m);
	struct json_value *v = json_parse(doc, strlen(doc), NULL, 0);
	cr_assert_not_null(v);
	const struct json_value *run = &json_get(v, "runs")->items[0];
	static const char *const objs[] = { "exits.by_reason", "exits.cycles", "exits.min", "exits.max",
					    "exits.sumsq" };
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct json_value *o = json_path(run, objs[i]);
		cr_assert(o && o->type == JSON_OBJECT && o->n == 0, "%s", objs[i]);
	}
	cr_assert_eq(json_path(run, "db.log")->n, 0);
	cr_assert_eq(json_get(run, "violations")->n, 0);
	json_free(v);
	free(doc);
}

Test(result_json, empty_run_list)
{
	struct membuf m;
	mb_open(&m);
	cr_assert_eq(result_write_json(m.f, NULL, 0), 0);
	char *s = mb_close(&m);
	cr_assert_str_eq(s, "{\n  \"schema\": \"hvsim-result\",\n  \"version\": 1,\n  \"runs\": []\n}\n");
	free(s);
}

/* ---- text report ------------------------------------------------------------ */

static char *render(const struct run_result *r)
{
	struct membuf m;
	mb_open(&m);
	result_render_text(m.f, r);
	return mb_close(&m);
}

/* Line `n` (0-based) of `text` into buf. */
static const char *line_of(const char *text, int n, char *buf, size_t size)
{
	const char *p = text;
	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return "";
	size_t len = strcspn(p, "\n");
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

Test(text, perf_kvm_stat_header_columns_and_rows)
{
	struct run_result r;
	fill_result(&r);
	char *t = render(&r);
	char b[256];
	cr_assert_str_eq(line_of(t, 0, b, sizeof(b)),
			 "Analyze events for scenario demo, policy bp_enabled (vmx), all VCPUs:");
	cr_assert_str_eq(line_of(t, 1, b, sizeof(b)), "");
	cr_assert_str_eq(line_of(t, 2, b, sizeof(b)),
			 "             VM-EXIT    Samples  Samples%     Time%     Min Cyc     Max Cyc          Avg cyc");
	/* perf's print_result() ends the column header with "\n\n": a blank line */
	cr_assert_str_eq(line_of(t, 3, b, sizeof(b)), "");
	/* DR_ACCESS: 2 of 3 samples, 2600 of 3245 cycles; mean 1300, sample
	 * stddev 169.7, of the mean 120, relative 9.23% */
	cr_assert_str_eq(line_of(t, 4, b, sizeof(b)),
			 "           DR_ACCESS          2    66.67%    80.12%        1180        1420     1300 ( +-   9.23% )");
	cr_assert_str_eq(line_of(t, 5, b, sizeof(b)),
			 "                 HLT          1    33.33%    19.88%         645         645      645 ( +-   0.00% )");
	cr_assert_str_eq(line_of(t, 6, b, sizeof(b)), "");
	cr_assert_str_eq(line_of(t, 7, b, sizeof(b)), "Total Samples:3, Total events handled cycles:3245.");
	cr_assert(strstr(t, "\nhw DR writes: dr0 3 dr1 0 dr2 0 dr3 0 dr6 0 dr7 6\n"), "%s", t);
	cr_assert(strstr(t, "\nhw DR reads: dr0 0 dr1 0 dr2 0 dr3 0 dr6 1 dr7 0\n"), "%s", t);
	cr_assert(strstr(t, "\nVMCS reads: 0\n"), "%s", t);
	cr_assert(strstr(t, "\n#DB guest: delivered 3, missed 1, spurious 0\n"), "%s", t);
	cr_assert(strstr(t, "\nguest stop: halt (guest executed HLT)\n"), "%s", t);
	cr_assert(strstr(t, "\nviolations: 1\n  cycle 30 rip 0x1010 dr_read_mismatch: guest read \"DR7\"\\n0x0\n"),
		  "%s", t);
	free(t);
	run_result_free(&r);
}

Test(text, rows_sorted_by_samples_then_name_and_svm_labels)
{
	struct run_result r;
	fill_result(&r);
	snprintf(r.vendor, sizeof(r.vendor), "svm");
	r.st.exits[29].count = 1;               /* DR_ACCESS ties with HLT: name order */
	r.st.exits[10] = (struct exit_stat){ .count = 5, .cycles = 50, .min = 10, .max = 10, .sumsq = 500 };
	char *t = render(&r);
	char b[256];
	cr_assert(strstr(line_of(t, 0, b, sizeof(b)), "(svm)"));
	cr_assert(strncmp(line_of(t, 4, b, sizeof(b)), "               CPUID          5", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 5, b, sizeof(b)), "           DR_ACCESS          1", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 6, b, sizeof(b)), "                 HLT          1", 31) == 0, "%s", b);
	cr_assert(strstr(t, "\nVMCB reads: 0\n"), "%s", t);
	cr_assert(!strstr(t, "VMCS"), "%s", t);
	free(t);
	run_result_free(&r);
}

/* SVM rows carry the kernel's display strings (SVM_EXIT_REASONS in
 * arch/x86/include/uapi/asm/svm.h): SVM_EXIT_EXCP_BASE + DB_VECTOR is
 * "DB excp", SVM_EXIT_IOIO "io", SVM_EXIT_INTR "interrupt", SVM_EXIT_VMMCALL
 * "hypercall"; the result keys (excp_db, ioio, ...) stay for JSON/expect. */
Test(text, svm_rows_use_the_kernel_names_and_perf_keys)
{
	static const char *svm_names[128];
	svm_names[0x41] = "excp_db";
	svm_names[0x7B] = "ioio";
	svm_names[0x60] = "intr";
	svm_names[0x01] = "vmmcall";
	cr_assert_str_eq(kvmstat_exit_label("svm", "excp_db"), "DB excp");
	cr_assert_str_eq(kvmstat_exit_label("svm", "ioio"), "io");
	cr_assert_str_eq(kvmstat_exit_label("svm", "intr"), "interrupt");
	cr_assert_str_eq(kvmstat_exit_label("svm", "vmmcall"), "hypercall");
	cr_assert_str_eq(kvmstat_exit_label("svm", "read_dr7"), "read_dr7");
	cr_assert_str_eq(kvmstat_exit_label("svm", "hlt"), "hlt");
	cr_assert_str_eq(kvmstat_exit_label("vmx", "DR_ACCESS"), "DR_ACCESS");
	struct run_result r;
	memset(&r, 0, sizeof(r));
	snprintf(r.scenario, sizeof(r.scenario), "demo");
	snprintf(r.policy, sizeof(r.policy), "bp_enabled");
	snprintf(r.vendor, sizeof(r.vendor), "svm");
	r.exit_names = svm_names;
	r.nexit_names = 128;
	/* samples: excp_db 4, ioio 3, intr 2, vmmcall 1; average cycles the
	 * other way round: 10, 20, 30, 40 */
	r.st.exits[0x41] = (struct exit_stat){ .count = 4, .cycles = 40, .min = 10, .max = 10, .sumsq = 400 };
	r.st.exits[0x7B] = (struct exit_stat){ .count = 3, .cycles = 60, .min = 20, .max = 20, .sumsq = 1200 };
	r.st.exits[0x60] = (struct exit_stat){ .count = 2, .cycles = 60, .min = 30, .max = 30, .sumsq = 1800 };
	r.st.exits[0x01] = (struct exit_stat){ .count = 1, .cycles = 40, .min = 40, .max = 40, .sumsq = 1600 };
	char *t = render(&r);
	char b[256];
	cr_assert_str_eq(line_of(t, 4, b, sizeof(b)),
			 "             DB excp          4    40.00%    20.00%          10          10       10 ( +-   0.00% )");
	cr_assert(strncmp(line_of(t, 5, b, sizeof(b)), "                  io          3", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 6, b, sizeof(b)), "           interrupt          2", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 7, b, sizeof(b)), "           hypercall          1", 31) == 0, "%s", b);
	free(t);
	/* perf kvm stat report -k time --vcpu 0: by average time, "VCPU 0" */
	struct membuf m;
	mb_open(&m);
	struct kvmstat_view v = { KVMSTAT_KEY_TIME, 0 };
	result_render_text_view(m.f, &r, &v);
	t = mb_close(&m);
	cr_assert_str_eq(line_of(t, 0, b, sizeof(b)), "Analyze events for scenario demo, policy bp_enabled (svm), VCPU 0:");
	cr_assert(strncmp(line_of(t, 4, b, sizeof(b)), "           hypercall          1", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 5, b, sizeof(b)), "           interrupt          2", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 6, b, sizeof(b)), "                  io          3", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 7, b, sizeof(b)), "             DB excp          4", 31) == 0, "%s", b);
	free(t);
	enum kvmstat_key k;
	cr_assert_eq(kvmstat_key_parse("sample", &k), 0);
	cr_assert_eq(k, KVMSTAT_KEY_SAMPLE);
	cr_assert_eq(kvmstat_key_parse("time", &k), 0);
	cr_assert_eq(k, KVMSTAT_KEY_TIME);
	cr_assert_eq(kvmstat_key_parse("mean", &k), -1);
}

Test(text, at_most_twenty_violations)
{
	struct run_result r;
	fill_result(&r);
	free(r.viol);
	r.nviol = 25;
	r.viol_dropped = 3;
	r.viol = calloc(r.nviol, sizeof(*r.viol));
	for (size_t i = 0; i < r.nviol; i++) {
		r.viol[i].slot = (int)(i % 4);
		snprintf(r.viol[i].kind, sizeof(r.viol[i].kind), "k%zu", i);
	}
	char *t = render(&r);
	cr_assert(strstr(t, "\nviolations: 28\n"), "%s", t);
	cr_assert(strstr(t, " slot 3 k19\n"), "%s", t);
	cr_assert(!strstr(t, " k20: "), "%s", t);
	cr_assert(strstr(t, "\n  ... 8 more\n"), "%s", t);
	free(t);
	run_result_free(&r);
}
