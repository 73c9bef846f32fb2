/* test_hostile.c - issue 15 items 6, 7, 8, 10, 11, 12 and 13: hostile or
 * unusual inputs, each with the value the issue, the SDM or the format
 * documents (scenarios/README.md, docs/errors.md), never hvsim's own output.
 *
 * In-process through the loader and sim_run()/sim_check(); through the
 * `hvsim` binary ($HVSIM, set by ctest) where the contract is the command's
 * (exit status, one message line, output). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cpu/cost.h"
#include "sim/render/svg.h"
#include "tests/harness.h"

static char dir[256];

static void setup(void) { h_mkdtemp(dir, sizeof dir, "hvsim-hostile"); }
static void teardown(void) { h_rmtree(dir); }

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 120);

static const char *put(const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ & 3];
	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	cr_assert(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return p;
}

struct res {
	int status;
	char *out, *err;
};

/* hvsim args... (NULL-terminated) */
static struct res hv(const char *a0, ...)
{
	char *argv[16] = { (char *)h_hvsim() };
	int n = 1;
	va_list ap;
	va_start(ap, a0);
	for (const char *a = a0; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	char o[600], e[600];
	snprintf(o, sizeof o, "%s/.out", dir);
	snprintf(e, sizeof e, "%s/.err", dir);
	struct res r;
	r.status = h_spawn(argv, o, e);
	size_t len;
	r.out = h_slurp(o, &len);
	r.err = h_slurp(e, &len);
	return r;
}

static void one_line(const char *err)
{
	size_t n = strlen(err);
	cr_assert(n > 0 && err[n - 1] == '\n' && !memchr(err, '\n', n - 1), "not one line: [%s]", err);
}

static void run_ok(const struct scenario *sc, enum vendor v, struct run_result *r)
{
	struct run_config cfg = { .vendor = v };
	h_run(sc, &cfg, r);
}

/* ---- item 6: validate agrees with run ------------------------------------------------- */

#define HEAD "version: 1\nname: t\nsummary: test\n"

Test(hostile, rax_rsp_in_mode_32)
{
	/* scenarios/README.md, guest.regs: rax..rsp are valid names in mode 32
	 * (their value must fit 32 bits); they name eax..esp */
	const char *y = put("t.yaml", HEAD "vendor: vmx\nguest:\n  mode: 32\n  base: 0x1000\n"
				   "  code: \"89 c3 f4\"\n"          /* mov ebx, eax; hlt */
				   "  data: [{addr: 0x8000, size: 0x1000}]\n"
				   "  regs: {rax: 0x12345678, rsp: 0x9000}\n");
	struct res v = hv("validate", y, NULL);
	cr_assert_eq(v.status, 0, "%s", v.err);
	char err[512];
	struct scenario *sc = scenario_load(y, err, sizeof err);
	cr_assert(sc, "%s", err);
	struct run_result r;
	run_ok(sc, VENDOR_VMX, &r);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(r.gprs[3], 0x12345678);                     /* rbx */
	cr_assert_eq(r.gprs[4], 0x9000);                         /* rsp */
	run_result_free(&r);
	scenario_free(sc);
}

Test(hostile, code_on_the_top_page)
{
	/* 0xfffffffffffff000 is canonical (scenarios/README.md: 64-bit
	 * addresses must be canonical), so the code runs: nop; hlt */
	const char *y = put("t.yaml", HEAD "vendor: vmx\nguest:\n  base: 0xfffffffffffff000\n  code: \"90 f4\"\n");
	struct res v = hv("validate", y, NULL);
	cr_assert_eq(v.status, 0, "%s", v.err);
	struct res r = hv("run", y, "--format", "json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"stop\": \"halt\""), "%s", r.out);
}

Test(hostile, many_data_regions)
{
	/* no count limit is documented for guest.data: 100 one-page regions */
	char y[16384];
	int n = snprintf(y, sizeof y, HEAD "vendor: vmx\nguest:\n  base: 0x1000\n"
			 "  code: \"c7 04 25 00 c0 18 01 07 00 00 00 f4\"\n  data:\n");  /* mov dword [0x118c000], 7: the last region */
	for (int i = 0; i < 100; i++)
		n += snprintf(y + n, sizeof y - (size_t)n, "    - {addr: 0x%x, size: 16}\n", 0x1000000 + i * 0x4000);
	const char *p = put("t.yaml", y);
	struct res v = hv("validate", p, NULL);
	cr_assert_eq(v.status, 0, "%s", v.err);
	char err[512];
	struct scenario *sc = scenario_load(p, err, sizeof err);
	cr_assert(sc, "%s", err);
	struct run_result r;
	run_ok(sc, VENDOR_VMX, &r);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	run_result_free(&r);
	scenario_free(sc);
}

Test(hostile, cost_model_that_does_not_parse)
{
	/* run refuses it (exit 4); validate must refuse it first, same line */
	put("bad.cost", "garbage\n");
	const char *y = put("t.yaml", HEAD "vendor: vmx\ncpu: {model: bad.cost}\nguest:\n  base: 0x1000\n  code: \"f4\"\n");
	struct res v = hv("validate", y, NULL), r = hv("run", y, NULL);
	cr_assert_eq(v.status, 4);
	cr_assert_eq(r.status, 4);
	one_line(v.err);
	cr_assert_str_eq(v.err, r.err);
	cr_assert(strstr(v.err, "bad.cost:1:1: expected 'name = unsigned integer'"), "%s", v.err);
}

/* ---- item 7: abnormal stops report the faulting instruction ------------------------------ */

static void stop_at(const char *code, enum vendor v, enum engine_stop want, uint64_t rip, uint64_t insns)
{
	char y[512];
	snprintf(y, sizeof y, HEAD "vendor: %s\nguest:\n  base: 0x1000\n  code: \"%s\"\n",
		 v == VENDOR_SVM ? "svm" : v == VENDOR_VMX ? "vmx" : "none", code);
	struct scenario *sc = h_load_text("t.yaml", y);
	struct run_result r;
	run_ok(sc, v, &r);
	cr_assert_eq(r.stop, want, "%s: stop %d (%s)", code, r.stop, r.stop_msg);
	cr_assert_eq(r.guest_rip, rip, "%s: guest.rip 0x%llx, want 0x%llx", code,
		     (unsigned long long)r.guest_rip, (unsigned long long)rip);
	cr_assert_eq(r.st.guest_instructions, insns, "%s: %llu instructions, want %llu", code,
		     (unsigned long long)r.st.guest_instructions, (unsigned long long)insns);
	run_result_free(&r);
	scenario_free(sc);
}

Test(hostile, fault_rip_and_count)
{
	/* issue 15 item 7: the faulting instruction at 0x1003 after three
	 * NOPs: guest.rip 0x1003; guest.instructions counts instructions
	 * retired (docs/result-schema.md), and a faulting one does not retire
	 * (SDM Vol.3 6.5: a fault reports the instruction that caused it,
	 * before it executes), so 3. */
	static const enum vendor vs[] = { VENDOR_NONE, VENDOR_VMX, VENDOR_SVM };
	for (int i = 0; i < 3; i++) {
		/* load from unmapped 0x500000, followed by many instructions (one TB) */
		stop_at("90 90 90 48 8b 04 25 00 00 50 00 90 90 90 90 90 90 90 90 90 90 f4", vs[i], STOP_UNMAPPED,
			0x1003, 3);
		/* store to unmapped memory */
		stop_at("90 90 90 c7 04 25 00 00 50 00 01 00 00 00 90 90 f4", vs[i], STOP_UNMAPPED, 0x1003, 3);
		/* ud2 */
		stop_at("90 90 90 0f 0b 90 90 f4", vs[i], STOP_UD, 0x1003, 3);
		/* jmp to unmapped 0x401008: the jmp retired (4), rip is its target */
		stop_at("90 90 90 e9 00 00 40 00", vs[i], STOP_UNMAPPED, 0x401008, 4);
	}
}

/* ---- item 8: 32-bit code at 0xFFFFF000 -------------------------------------------------- */

Test(hostile, code_at_0xfffff000_in_mode_32)
{
	/* scenarios/README.md: in mode 32 a region may end at 0x100000000;
	 * inc eax; inc eax; hlt runs there */
	struct scenario *sc = h_load_text("t.yaml", HEAD "vendor: vmx\nguest:\n  mode: 32\n  base: 0xfffff000\n"
					  "  code: \"40 40 f4\"\n  regs: {eax: 5}\n");
	struct run_result r;
	run_ok(sc, VENDOR_VMX, &r);
	cr_assert_eq(r.stop, STOP_HALT, "%s", r.stop_msg);
	cr_assert_eq(r.gprs[0], 7);
	cr_assert_eq(r.st.guest_instructions, 3);
	run_result_free(&r);
	scenario_free(sc);
}

/* ---- item 10: no IDT: triple fault for every vector ----------------------------------- */

Test(hostile, no_idt_triple_faults)
{
	/* SDM Vol.3 6.15 (Interrupt 8): a vector beyond the IDT limit raises
	 * #GP, which cannot be delivered either: #DF, then shutdown (triple
	 * fault); with no IDT that is every vector.  scenarios/README.md
	 * "Exceptions and the guest IDT". */
	static const char *const codes[] = {
		"90 cc f4",                                  /* int3 */
		"90 f1 f4",                                  /* icebp */
		"90 cd 20 f4",                               /* int 0x20 */
		/* DR7.GD = 1, then a MOV DR: #DB (general detect) */
		"b8 00 20 00 00 0f 23 f8 0f 21 c0 f4",
		/* execute breakpoint on the hlt: mov rax, 0x1014; mov dr0, rax; mov eax, 1 (L0); mov dr7, rax; nop; hlt */
		"48 c7 c0 14 10 00 00 0f 23 c0 b8 01 00 00 00 0f 23 f8 90 90 f4",
	};
	static const enum vendor vs[] = { VENDOR_NONE, VENDOR_VMX, VENDOR_SVM };
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (int k = 0; k < 3; k++) {
			char y[512];
			snprintf(y, sizeof y, HEAD "vendor: %s\nguest:\n  base: 0x1000\n  code: \"%s\"\n",
				 k == 2 ? "svm" : k == 1 ? "vmx" : "none", codes[i]);
			struct scenario *sc = h_load_text("t.yaml", y);
			struct run_result r;
			run_ok(sc, vs[k], &r);
			cr_assert_eq(r.stop, STOP_TRIPLE, "%s on %d: stop %d (%s)", codes[i], k, r.stop, r.stop_msg);
			run_result_free(&r);
			scenario_free(sc);
		}
}

/* ---- item 11: messages ------------------------------------------------------------------- */

Test(hostile, report_bad_escape_one_line)
{
	/* a backslash followed by a newline: RFC 8259 has no such escape */
	const char *p = put("r.json", "{\"a\": \"x\\\n\"}");
	struct res r = hv("report", p, NULL);
	cr_assert_eq(r.status, 4);
	one_line(r.err);
}

Test(hostile, trace_event_name_with_newline_one_line)
{
	const char *p = put("t.jsonl", "{\"ev\":\"kvm_exit\\nforged: line\",\"c\":1}\n");
	struct res r = hv("trace", p, NULL);
	cr_assert_eq(r.status, 4);
	one_line(r.err);
	cr_assert(strstr(r.err, "kvm_exit\\nforged"), "%s", r.err);
}

Test(hostile, loader_quoted_text_one_line)
{
	const char *y = put("t.yaml", HEAD "guest:\n  base: \"a\\nb\"\n  code: f4\n");
	struct res r = hv("validate", y, NULL);
	cr_assert_eq(r.status, 4);
	one_line(r.err);
}

Test(hostile, diff_accepts_policies_all)
{
	/* scenarios/README.md: `policies: all` is valid; diff predicts with its
	 * first policy (the first preset) rather than rejecting 'all' */
	const char *y = put("t.yaml", HEAD "vendor: svm\npolicies: all\nguest:\n  base: 0x1000\n  code: \"f4\"\n");
	struct res r = hv("diff", y, NULL);
	cr_assert(!strstr(r.err, "unknown policy 'all'"), "%s", r.err);
}

Test(hostile, svg_near_2_64_is_finite)
{
	/* cycle values near 2^64: every coordinate a finite number */
	char rows[2][80] = { "a", "b" }, cols[2][80] = { "x", "y" };
	uint64_t v[4] = { UINT64_MAX, UINT64_MAX - 1, UINT64_MAX / 2, 3 };
	struct chart c = { .id = "t", .title = "t", .unit = "cycles", .row_key = "run", .col_key = "category",
			   .rows = rows, .nrows = 2, .cols = cols, .ncols = 2, .v = v };
	struct membuf m;
	mb_open(&m);
	chart_svg_grouped(m.f, &c);
	chart_svg_stacked(m.f, &c);
	char *s = mb_close(&m);
	cr_assert(!strstr(s, "nan") && !strstr(s, "inf"), "%s", s);
	free(s);
}

Test(hostile, markdown_escapes_scenario_text)
{
	const char *y = put("t.yaml", "version: 1\nname: t\nsummary: \"<script>alert(1)</script> [x](javascript:1)\"\n"
				      "vendor: none\nguest:\n  base: 0x1000\n  code: \"f4\"\n");
	struct res r = hv("compare", y, "--format", "md", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strstr(r.out, "<script>"), "%s", r.out);
	cr_assert(strstr(r.out, "&lt;script&gt;"), "%s", r.out);
	cr_assert(!strstr(r.out, "[x](javascript"), "%s", r.out);
}

/* ---- item 12: cost files --------------------------------------------------------------- */

static char *default_cost(void)
{
	char path[1024];
	cost_bundled_path("default", path, sizeof path);
	size_t n;
	return h_slurp(path, &n);
}

Test(hostile, cost_long_line_and_decimal_leading_zero)
{
	char *text = default_cost();
	size_t n = strlen(text);
	char *t = malloc(n + 2048);
	/* a comment line of 1000 bytes is still a comment; `010` is ten */
	memcpy(t, text, n);
	size_t k = n;
	t[k++] = '#';
	memset(t + k, 'x', 1000);
	k += 1000;
	k += (size_t)sprintf(t + k, "\ninsn.alu = 010  # every entry cites a source (issue 18)\n");
	t[k] = 0;
	const char *p = put("long.cost", t);
	struct cost_model m;
	char err[512];
	cr_assert_eq(cost_load(p, &m, err, sizeof err), 0, "%s", err);
	cr_assert_eq(m.insn_alu, 10);
	free(t);
	free(text);
}

Test(hostile, cost_directory_is_not_missing_entry)
{
	char d[600];
	snprintf(d, sizeof d, "%s/dir.cost", dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	struct cost_model m;
	char err[512];
	cr_assert_eq(cost_load(d, &m, err, sizeof err), -1);
	cr_assert(strstr(err, "Is a directory"), "%s", err);
	cr_assert(!strstr(err, "missing cost entry"), "%s", err);
}

Test(hostile, cycles_saturate_and_flag)
{
	char *text = default_cost();
	size_t n = strlen(text);
	char *t = malloc(n + 128);
	sprintf(t, "%sinsn.alu = 18446744073709551615  # saturation\ninsn.other = 18446744073709551615  # saturation\n", text);
	const char *p = put("huge.cost", t);
	struct scenario *sc = h_load_text("t.yaml", HEAD "vendor: vmx\nguest:\n  base: 0x1000\n  code: \"90 90 90 f4\"\n");
	struct run_result r;
	struct run_config cfg = { .vendor = VENDOR_VMX, .cost_model = p };
	h_run(sc, &cfg, &r);
	cr_assert_eq(r.st.cycles_total, UINT64_MAX);
	cr_assert_eq(r.st.cycles_saturated, 1);
	run_result_free(&r);
	scenario_free(sc);
	free(t);
	free(text);
}

/* ---- item 13: loader wording ----------------------------------------------------------- */

static char *load_err(const char *yaml, size_t len)
{
	static char err[512];
	struct scenario *sc = scenario_load_buf("t.yaml", yaml, len, err, sizeof err);
	cr_assert_null(sc);
	return err;
}

Test(hostile, huge_version_is_newer)
{
	const char *y = "version: 12345678901234567890123456\nname: t\nsummary: s\nguest: {base: 0x1000, code: f4}\n";
	cr_assert(strstr(load_err(y, strlen(y)), "is newer than this hvsim supports"), "%s", load_err(y, strlen(y)));
}

Test(hostile, utf32_bom_is_named)
{
	static const char le[] = "\xff\xfe\0\0v\0\0\0", be[] = "\0\0\xfe\xffv";
	cr_assert(strstr(load_err(le, 8), "UTF-32"), "%s", load_err(le, 8));
	cr_assert(strstr(load_err(be, 5), "UTF-32"), "%s", load_err(be, 5));
}

Test(hostile, str_tag_is_not_an_integer)
{
	/* YAML 1.2: !!str makes the scalar a string, whatever its text */
	const char *y = HEAD "guest:\n  base: !!str 4096\n  code: f4\n";
	char *e = load_err(y, strlen(y));
	cr_assert(strstr(e, "t.yaml:5:9: expected an unsigned integer for guest.base"), "%s", e);
}
