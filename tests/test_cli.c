/* test_cli.c - the output side of hvsim: the JSON writer and reader,
 * result fields, expectations, the perf-kvm-stat style text report, atomic
 * output files and the exit codes of the `hvsim` command line.
 *
 * Nothing here runs a simulation: results are filled in by hand, so these
 * tests pin the output contract (docs/result-schema.md, `hvsim help`)
 * independently of the simulator.  The command-line tests use the binary
 * named by $HVSIM (set by ctest) and are skipped without it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/expect.h"
#include "sim/render/json.h"
#include "sim/util/outfile.h"
#include "sim/render/result_out.h"
#include "sim/run.h"
#include "tests/harness.h"


/* ---- helpers ------------------------------------------------------------- */

static const char *const test_exit_names[] = {
	[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [10] = "CPUID", [12] = "HLT",
	[29] = "DR_ACCESS", [30] = "IO_INSTRUCTION",
};

/* A hand-filled result with a bit of everything. */
static void fill_result(struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "demo");
	snprintf(r->policy, sizeof(r->policy), "bp_enabled");
	snprintf(r->vendor, sizeof(r->vendor), "vmx");
	snprintf(r->cost_model, sizeof(r->cost_model), "default");
	r->exit_names = test_exit_names;
	r->nexit_names = sizeof(test_exit_names) / sizeof(test_exit_names[0]);
	r->st.guest_instructions = 159;
	r->st.cycles_total = 5000;
	r->st.cycles_guest = 100;
	r->st.db_guest_delivered = 3;
	r->st.db_guest_missed = 1;
	r->st.exits_total = 3;
	r->st.dr_guest_loads = 2;
	/* DR_ACCESS: two exits of 1180 and 1420 cycles */
	r->st.exits[29] = (struct exit_stat){ .count = 2, .cycles = 2600, .min = 1180, .max = 1420,
					      .sumsq = 1180.0 * 1180 + 1420.0 * 1420 };
	r->st.exits[12] = (struct exit_stat){ .count = 1, .cycles = 645, .min = 645, .max = 645,
					      .sumsq = 645.0 * 645 };
	r->st.dr_hw_writes[0] = 3;
	r->st.dr_hw_writes[4] = 99;            /* never reported: DR4 is not a register */
	r->st.dr_hw_writes[7] = 6;
	r->st.dr_hw_reads[6] = 1;
	r->st.dr_exit_reads[6] = 2;
	r->st.dr_exit_writes[7] = 1;
	r->stop = STOP_HALT;
	snprintf(r->stop_msg, sizeof(r->stop_msg), "guest executed HLT");
	r->hw_dr[7] = 0x400;
	r->guest_dr[6] = 0xffff0ff1;
	r->hv_dr[0] = 0x200000;
	r->guest_rip = 0x1028;
	r->gprs[0] = 0x401;
	r->gprs[15] = 0xdeadbeef;
	r->db_dropped = 7;

	static uint8_t mem[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
	r->mem_copy = malloc(sizeof(mem));
	memcpy(r->mem_copy, mem, sizeof(mem));
	r->mem_size = sizeof(mem);
	r->mem_regions[0].addr = 0x2000;
	r->mem_regions[0].size = 8;
	r->mem_regions[0].off = 0;
	r->mem_regions[1].addr = 0x80000;
	r->mem_regions[1].size = 8;
	r->mem_regions[1].off = 8;
	r->nmem_regions = 2;

	r->db = calloc(2, sizeof(*r->db));
	r->ndb = 2;
	r->db[0] = (struct db_record){ .cycle = 10, .rip = 0x1005, .dr6 = 0xffff0ff1, .hw_dr6 = 0xffff0ff1,
				       .hw_slots = 1, .ideal_slots = 1, .outcome = DB_DELIVERED, .cause = "exec" };
	r->db[1] = (struct db_record){ .cycle = 20, .rip = 0x1010, .dr6 = 0xffff0ff2, .hw_dr6 = 0,
				       .hw_slots = 0, .ideal_slots = 2, .outcome = DB_MISSED, .host = true,
				       .cause = "data" };
	r->viol = calloc(1, sizeof(*r->viol));
	r->nviol = 1;
	r->viol[0] = (struct violation){ .cycle = 30, .rip = 0x1010, .slot = -1 };
	snprintf(r->viol[0].kind, sizeof(r->viol[0].kind), "dr_read_mismatch");
	snprintf(r->viol[0].detail, sizeof(r->viol[0].detail), "guest read \"DR7\"\n0x0");
}

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

/* ---- JSON writer --------------------------------------------------------- */

Test(json, escapes_quotes_backslashes_and_control_characters)
{
	struct membuf m;
	mb_open(&m);
	json_write_escaped(m.f, "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/");
	char *s = mb_close(&m);
	cr_assert_str_eq(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f/\"");
	free(s);
}

Test(json, keeps_valid_utf8_and_replaces_invalid_bytes)
{
	struct membuf m;
	mb_open(&m);
	/* é (C3 A9), € (E2 82 AC), a lone continuation byte, a truncated
	 * sequence, an overlong '/' (C0 AF) and a UTF-16 surrogate (ED A0 80) */
	json_write_escaped(m.f, "\xc3\xa9\xe2\x82\xac|\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80");
	char *s = mb_close(&m);
	cr_assert_str_eq(s, "\"\xc3\xa9\xe2\x82\xac|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"");
	free(s);
}

static char *write_sample(int indent)
{
	struct membuf m;
	struct json_writer w;
	mb_open(&m);
	jw_init(&w, m.f, indent);
	jw_object_begin(&w);
	jw_kv_string(&w, "name", "x\"y");
	jw_kv_u64(&w, "big", UINT64_MAX);
	jw_kv_i64(&w, "neg", -1);
	jw_key(&w, "list");
	jw_array_begin(&w);
	jw_u64(&w, 1);
	jw_bool(&w, true);
	jw_null(&w);
	jw_array_end(&w);
	jw_key(&w, "empty");
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_key(&w, "none");
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_object_end(&w);
	cr_assert_eq(jw_finish(&w), 0);
	return mb_close(&m);
}

Test(json, pretty_output_is_exact_and_deterministic)
{
	char *a = write_sample(2), *b = write_sample(2);
	cr_assert_str_eq(a, "{\n"
			    "  \"name\": \"x\\\"y\",\n"
			    "  \"big\": 18446744073709551615,\n"
			    "  \"neg\": -1,\n"
			    "  \"list\": [\n"
			    "    1,\n"
			    "    true,\n"
			    "    null\n"
			    "  ],\n"
			    "  \"empty\": {},\n"
			    "  \"none\": []\n"
			    "}\n");
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	char *c = write_sample(0);
	cr_assert_str_eq(c, "{\"name\": \"x\\\"y\", \"big\": 18446744073709551615, \"neg\": -1, "
			    "\"list\": [1, true, null], \"empty\": {}, \"none\": []}\n");
	free(c);
}

Test(json, writer_reports_misuse)
{
	struct membuf m;
	struct json_writer w;
	mb_open(&m);
	jw_init(&w, m.f, 2);
	jw_object_begin(&w);
	jw_u64(&w, 1);                          /* value without a key */
	jw_object_end(&w);
	cr_assert_eq(jw_finish(&w), -1);
	free(mb_close(&m));

	mb_open(&m);
	jw_init(&w, m.f, 2);
	jw_array_begin(&w);                     /* never closed */
	cr_assert_eq(jw_finish(&w), -1);
	free(mb_close(&m));
}

/* ---- JSON reader ---------------------------------------------------------- */

Test(json, reader_reads_back_the_writer)
{
	char *a = write_sample(2);
	char err[128] = "";
	struct json_value *v = json_parse(a, strlen(a), err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_eq(v->type, JSON_OBJECT);
	cr_assert_str_eq(json_get(v, "name")->s, "x\"y");
	const struct json_value *big = json_get(v, "big");
	cr_assert(big->is_int && !big->is_neg);
	cr_assert_eq(big->u, UINT64_MAX);
	cr_assert_eq(json_get(v, "neg")->i, -1);
	const struct json_value *l = json_get(v, "list");
	cr_assert_eq(l->type, JSON_ARRAY);
	cr_assert_eq(l->n, 3);
	cr_assert_eq(l->items[1].type, JSON_BOOL);
	cr_assert_eq(l->items[2].type, JSON_NULL);
	cr_assert_eq(json_get(v, "empty")->n, 0);
	cr_assert_null(json_get(v, "missing"));
	json_free(v);
	free(a);
}

Test(json, reader_decodes_escapes_and_floats)
{
	const char *doc = "{\"s\": \"\\u00e9\\ud83d\\ude00\\n\\/\", \"f\": -1.5e2, \"a\": {\"b\": {\"c\": 7}}}";
	char err[128] = "";
	struct json_value *v = json_parse(doc, strlen(doc), err, sizeof(err));
	cr_assert_not_null(v, "%s", err);
	cr_assert_str_eq(json_get(v, "s")->s, "\xc3\xa9\xf0\x9f\x98\x80\n/");
	const struct json_value *f = json_get(v, "f");
	cr_assert(!f->is_int);
	cr_assert_float_eq(f->d, -150.0, 1e-9);
	cr_assert_eq(json_path(v, "a.b.c")->u, 7);
	cr_assert_null(json_path(v, "a.x.c"));
	json_free(v);
}

Test(json, reader_reports_line_and_column)
{
	static const struct { const char *doc, *err; } cases[] = {
		{ "{\n  \"a\": 1,\n  \"b\" 2\n}", "3:7: expected ':'" },
		{ "[1, 2", "1:6: expected ',' or ']'" },
		{ "{\"a\": tru}", "1:7: unexpected character 't'" },
		{ "\"abc", "1:5: unterminated string" },
		{ "01", "1:2: trailing data after the document" },
		{ "", "1:1: unexpected end of input" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[128] = "";
		struct json_value *v = json_parse(cases[i].doc, strlen(cases[i].doc), err, sizeof(err));
		cr_assert_null(v, "case %zu parsed", i);
		cr_assert_str_eq(err, cases[i].err, "case %zu", i);
	}
}

Test(json, reader_limits_nesting)
{
	char doc[2 * JSON_PARSE_MAX_DEPTH + 10];
	size_t n = 0;
	for (int i = 0; i < JSON_PARSE_MAX_DEPTH + 1; i++)
		doc[n++] = '[';
	for (int i = 0; i < JSON_PARSE_MAX_DEPTH + 1; i++)
		doc[n++] = ']';
	char err[128] = "";
	cr_assert_null(json_parse(doc, n, err, sizeof(err)));
	cr_assert(strstr(err, "nesting too deep"), "%s", err);
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
	/* DR_ACCESS: 2 of 3 samples, 2600 of 3245 cycles; mean 1300, sample
	 * stddev 169.7, of the mean 120, relative 9.23% */
	cr_assert_str_eq(line_of(t, 3, b, sizeof(b)),
			 "           DR_ACCESS          2    66.67%    80.12%        1180        1420     1300 ( +-   9.23% )");
	cr_assert_str_eq(line_of(t, 4, b, sizeof(b)),
			 "                 HLT          1    33.33%    19.88%         645         645      645 ( +-   0.00% )");
	cr_assert_str_eq(line_of(t, 5, b, sizeof(b)), "");
	cr_assert_str_eq(line_of(t, 6, b, sizeof(b)), "Total Samples:3, Total events handled cycles:3245.");
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
	cr_assert(strncmp(line_of(t, 3, b, sizeof(b)), "               CPUID          5", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 4, b, sizeof(b)), "           DR_ACCESS          1", 31) == 0, "%s", b);
	cr_assert(strncmp(line_of(t, 5, b, sizeof(b)), "                 HLT          1", 31) == 0, "%s", b);
	cr_assert(strstr(t, "\nVMCB reads: 0\n"), "%s", t);
	cr_assert(!strstr(t, "VMCS"), "%s", t);
	free(t);
	run_result_free(&r);
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

/* ---- expectations ------------------------------------------------------------ */

Test(expect, selectors)
{
	static const struct { const char *sel, *pol, *ven; bool match; } cases[] = {
		{ "all", "bp_enabled", "vmx", true },
		{ NULL, "bp_enabled", "svm", true },
		{ "vmx", "bp_enabled", "vmx", true },
		{ "vmx", "bp_enabled", "svm", false },
		{ "svm", "eager", "svm", true },
		{ "none", "none", "none", true },
		{ "bp_enabled", "bp_enabled", "svm", true },
		{ "bp_enabled", "bp_enabled_x", "vmx", false },
		{ "bp_enabled", "eager", "vmx", false },
		{ "bp_enabled@vmx", "bp_enabled", "vmx", true },
		{ "bp_enabled@vmx", "bp_enabled", "svm", false },
		{ "bp_enabled@svm", "eager", "svm", false },
		{ "bp@vmx", "bp_enabled", "vmx", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(expect_selector_matches(cases[i].sel, cases[i].pol, cases[i].ven), cases[i].match,
			     "case %zu: %s vs %s@%s", i, cases[i].sel, cases[i].pol, cases[i].ven);
}

static struct expectation exact(const char *field, uint64_t v)
{
	return (struct expectation){ .selector = "all", .field = (char *)field, .value = v };
}

static struct expectation range(const char *field, bool has_min, uint64_t min, bool has_max, uint64_t max)
{
	return (struct expectation){ .selector = "all", .field = (char *)field, .is_range = true,
				     .has_min = has_min, .min = min, .has_max = has_max, .max = max };
}

Test(expect, exact_values)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	struct expectation e = exact("exits.by_reason.DR_ACCESS", 2);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	e.value = 1;
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	cr_assert_eq(o.got, 2);
	char d[256], x[256];
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "exits.by_reason.DR_ACCESS == 1");
	cr_assert_str_eq(x, "want 1, got 2");

	e = exact("dr.final.hw.dr7", 0x401);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "dr.final.hw.dr7 == 0x401");
	cr_assert_str_eq(x, "want 0x401, got 0x400");

	e = exact("exits.by_reason.NOPE", 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_NO_FIELD);
	run_result_free(&r);
}

Test(expect, ranges)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	char d[256], x[256];
	struct expectation e = range("cycles.total", true, 4000, true, 6000);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "cycles.total in [4000, 6000]");
	e = range("cycles.total", true, 5000, true, 5000);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS, "bounds are inclusive");
	e = range("cycles.total", true, 5001, false, 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(d, "cycles.total >= 5001");
	cr_assert_str_eq(x, "want >= 5001, got 5000");
	e = range("db.guest.missed", false, 0, true, 0);
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "db.guest.missed <= 0");
	e = range("cycles.total", true, 1, true, 2);
	expect_eval(&e, NULL, &r, &o);
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(x, "want [1, 2], got 5000");
	run_result_free(&r);
}

Test(expect, strings_and_numbers_written_as_strings)
{
	struct run_result r;
	fill_result(&r);
	struct expect_outcome o;
	char d[256], x[256];
	struct expectation e = { .selector = "all", .field = "guest.stop", .str_value = "halt" };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	expect_describe(&e, d, sizeof(d));
	cr_assert_str_eq(d, "guest.stop == \"halt\"");
	e.str_value = "fault";
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL);
	expect_explain(&e, &o, x, sizeof(x));
	cr_assert_str_eq(x, "want \"fault\", got \"halt\"");
	e = (struct expectation){ .selector = "all", .field = "dr.final.hw.dr7", .str_value = "0x400" };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_PASS);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .value = 1 };
	cr_assert_eq(expect_eval(&e, NULL, &r, &o), EXPECT_FAIL, "a number never equals a string field");
	run_result_free(&r);
}

Test(expect, static_checks)
{
	struct scenario sc;
	memset(&sc, 0, sizeof(sc));
	char err[256];
	struct expectation e = exact("exits.by_reason.DR_ACCESS", 1);
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), 0, "%s", err);
	e.selector = "vmx";
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), 0, "%s", err);
	e = exact("exits.bogus", 1);
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown result field 'exits.bogus'"), "%s", err);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .value = 3 };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = (struct expectation){ .selector = "all", .field = "guest.stop", .str_value = "flying" };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = (struct expectation){ .selector = "all", .field = "cycles.total", .str_value = "many" };
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	e = exact("cycles.total", 1);
	e.selector = "x@vmm";
	cr_assert_eq(expect_check(&e, &sc, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown vendor 'vmm'"), "%s", err);
}

/* ---- atomic output files ----------------------------------------------------- */

static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/hvsim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(outfile, unwritable_directory_fails_and_leaves_nothing)
{
	char *dir = make_tmpdir();
	char path[512], err[512] = "";
	struct outfile o;
	snprintf(path, sizeof(path), "%s/missing/out.json", dir);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), -1);
	cr_assert(strncmp(err, path, strlen(path)) == 0 && strstr(err, ":0:0: cannot write"), "%s", err);
	/* a regular file used as a directory */
	snprintf(path, sizeof(path), "%s/plain", dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	snprintf(path, sizeof(path), "%s/plain/out.json", dir);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), -1);
	cr_assert_eq(count_entries(dir), 1, "only 'plain' may exist");
	snprintf(path, sizeof(path), "%s/plain", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(outfile, commit_replaces_and_abort_keeps_the_old_file)
{
	char *dir = make_tmpdir();
	char path[512], err[512] = "";
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);

	struct outfile o;
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("partial", o.f);
	cr_assert_eq(count_entries(dir), 2, "the temporary sits next to the file");
	char *s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "old\n", "nothing visible before commit");
	free(s);
	outfile_abort(&o);
	s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "old\n");
	free(s);
	cr_assert_eq(count_entries(dir), 1, "abort removes the temporary");

	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("new\n", o.f);
	cr_assert_eq(outfile_commit(&o, err, sizeof(err)), 0, "%s", err);
	s = h_slurp(path, NULL);
	cr_assert_str_eq(s, "new\n");
	free(s);
	cr_assert_eq(count_entries(dir), 1);

	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(outfile, directory_as_output_is_an_error)
{
	char *dir = make_tmpdir();
	char err[512] = "";
	struct outfile o;
	cr_assert_eq(outfile_open(&o, dir, err, sizeof(err)), -1);
	cr_assert(strstr(err, "is a directory"), "%s", err);
	cr_assert_eq(count_entries(dir), 0);
	rmdir(dir);
	free(dir);
}

/* ---- the hvsim command ----------------------------------------------------------- */

/* Run $HVSIM with args; returns the exit status, stderr in errbuf. */
static int run_hvsim(char *errbuf, size_t errsize, const char *const *args)
{
	char *argv[32];
	int n = 0;
	argv[n++] = (char *)h_hvsim();
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	char dir[256], errp[300];
	h_mkdtemp(dir, sizeof(dir), "hvsim-cli");
	snprintf(errp, sizeof(errp), "%s/stderr", dir);
	int rc = h_spawn(argv, NULL, errp);
	char *e = h_slurp(errp, NULL);
	snprintf(errbuf, errsize, "%s", e ? e : "");
	free(e);
	h_rmtree(dir);
	cr_assert(rc >= 0, "hvsim died with a signal");
	return rc;
}

#define NEED_HVSIM()                                                        \
	do {                                                                \
		if (!getenv("HVSIM") || !*getenv("HVSIM"))                  \
			cr_skip_test("HVSIM is not set (run through ctest)"); \
	} while (0)

Test(cli, unknown_option_is_a_usage_error)
{
	NEED_HVSIM();
	char err[4096];
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "run", "x.yaml", "--x", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '--x' (see 'hvsim help run')\n");
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "check", "-q", "x.yaml", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '-q' (see 'hvsim help check')\n");
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "--bogus", NULL }), 2);
	cr_assert_str_eq(err, "hvsim: unknown option '--bogus' (see 'hvsim help')\n");
}

Test(cli, usage_errors_exit_2)
{
	NEED_HVSIM();
	char err[4096];
	const char *const *cases[] = {
		(const char *[]){ NULL },
		(const char *[]){ "frobnicate", NULL },
		(const char *[]){ "run", NULL },
		(const char *[]){ "run", "a.yaml", "b.yaml", NULL },
		(const char *[]){ "run", "a.yaml", "-o", NULL },
		(const char *[]){ "run", "a.yaml", "--format", "xml", NULL },
		(const char *[]){ "run", "a.yaml", "--vendor=arm", NULL },
		(const char *[]){ "check", NULL },
		(const char *[]){ "validate", NULL },
		(const char *[]){ "disasm", NULL },
		(const char *[]){ "list", NULL },
		(const char *[]){ "list", "nothing", NULL },
		(const char *[]){ "help", "frobnicate", NULL },
		(const char *[]){ "version", "extra", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(run_hvsim(err, sizeof(err), cases[i]), 2, "case %zu: %s", i, err);
		if (i > 0) {
			cr_assert(strncmp(err, "hvsim: ", 7) == 0, "case %zu: %s", i, err);
			cr_assert(strchr(err, '\n') == err + strlen(err) - 1, "case %zu: one line: %s", i, err);
		}
	}
}

Test(cli, help_and_version_exit_0)
{
	NEED_HVSIM();
	char err[4096];
	const char *const *cases[] = {
		(const char *[]){ "help", NULL },
		(const char *[]){ "help", "run", NULL },
		(const char *[]){ "run", "--help", NULL },
		(const char *[]){ "check", "-h", NULL },
		(const char *[]){ "--help", NULL },
		(const char *[]){ "--version", NULL },
		(const char *[]){ "version", NULL },
		(const char *[]){ "list", "fields", NULL },
		(const char *[]){ "list", "policies", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(run_hvsim(err, sizeof(err), cases[i]), 0, "case %zu: %s", i, err);
		cr_assert_str_eq(err, "", "case %zu", i);
	}
}

Test(cli, missing_scenario_is_an_error_and_writes_nothing)
{
	NEED_HVSIM();
	char *dir = make_tmpdir();
	char out[512], err[4096];
	snprintf(out, sizeof(out), "%s/out.json", dir);
	cr_assert_eq(run_hvsim(err, sizeof(err),
			       (const char *[]){ "run", "/nonexistent/x.yaml", "-o", out, "--format", "json", NULL }),
		     4, "%s", err);
	cr_assert_eq(count_entries(dir), 0);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "validate", "/nonexistent/x.yaml", NULL }), 4);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "check", "/nonexistent/x.yaml", NULL }), 4);
	cr_assert_eq(run_hvsim(err, sizeof(err), (const char *[]){ "disasm", "/nonexistent/x.yaml", NULL }), 4);
	rmdir(dir);
	free(dir);
}
