/* test_bad_input.c - the bad-input catalogue (docs/errors.md) through the
 * `hvsim` binary: one test per kind of bad input.
 *
 * Every test writes a small scenario, runs
 *     $HVSIM run t.yaml --format json -o out.json [ARGS]
 * and checks the contract of docs/errors.md and `hvsim help`:
 *   - the exit status (4 scenario/IO error, 7 guest stopped abnormally);
 *   - stderr is exactly one line "FILE:LINE:COL: message", LINE:COL being
 *     the offending node as the rules of docs/errors.md place it (the key of
 *     an unknown key, the value of a bad value, the YAML line of the asm
 *     line for assembler errors), worked out by hand from the YAML below;
 *   - no output is left behind on an error: no out.json and no temporary
 *     file next to it.  When the guest stops abnormally (exit 7) the run
 *     itself succeeded, so the result document is written, and must then
 *     be complete: it parses as JSON and records the stop reason.
 * Only the stable part of each message is matched (the text after
 * "line K:" of an assembler error is GNU as's own wording).
 *
 * Uses the binary named by $HVSIM (set by ctest); skipped without it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/render/json.h"
#include "tests/harness.h"

static char dir[256];                  /* scenario and outputs */
static char capdir[256];               /* captured stdout/stderr */

static void setup(void)
{
	h_mkdtemp(dir, sizeof dir, "hvsim-bad");
	h_mkdtemp(capdir, sizeof capdir, "hvsim-cap");
}

static void teardown(void)
{
	h_rmtree(dir);
	h_rmtree(capdir);
}

TestSuite(bad_input, .init = setup, .fini = teardown, .timeout = 120);

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

struct outcome {
	int status;                    /* exit status, -1 = killed by a signal */
	char *err;                     /* stderr */
	char yaml[512];                /* scenario path */
	char out[512];                 /* -o path */
};

/* Run `hvsim run DIR/t.yaml --format json -o OUT extra...` (extra ends with
 * NULL).  OUT defaults to DIR/out.json. */
static void run_hvsim(const char *yaml_text, const char *out, const char *const *extra, struct outcome *o)
{
	const char *h = h_hvsim();
	snprintf(o->yaml, sizeof o->yaml, "%s/t.yaml", dir);
	if (out)
		snprintf(o->out, sizeof o->out, "%s", out);
	else
		snprintf(o->out, sizeof o->out, "%s/out.json", dir);
	write_file(o->yaml, yaml_text);
	char *argv[32];
	int k = 0;
	argv[k++] = (char *)h;
	argv[k++] = "run";
	argv[k++] = o->yaml;
	argv[k++] = "--format";
	argv[k++] = "json";
	argv[k++] = "-o";
	argv[k++] = o->out;
	for (int i = 0; extra && extra[i] && k < 31; i++)
		argv[k++] = (char *)extra[i];
	argv[k] = NULL;
	char outp[512], errp[512];
	snprintf(outp, sizeof outp, "%s/stdout", capdir);
	snprintf(errp, sizeof errp, "%s/stderr", capdir);
	o->status = h_spawn(argv, outp, errp);
	o->err = h_slurp(errp, NULL);
	cr_assert(o->err);
}

/* stderr is one line "PATH:LINE:COL: ..." containing `frag`. */
static void assert_message(const struct outcome *o, const char *path, int line, int col, const char *frag)
{
	char prefix[700];
	snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path, line, col);
	size_t len = strlen(o->err);
	cr_assert(len > 0 && o->err[len - 1] == '\n' && !memchr(o->err, '\n', len - 1),
		  "stderr is not exactly one line: \"%s\"", o->err);
	cr_assert(!strncmp(o->err, prefix, strlen(prefix)), "message does not start with \"%s\": %s", prefix,
		  o->err);
	cr_assert(strstr(o->err, frag), "message lacks \"%s\": %s", frag, o->err);
}

/* Nothing but the scenario (and, if keep_out, the complete result) in dir. */
static void assert_no_leftovers(const struct outcome *o, bool keep_out)
{
	DIR *d = opendir(dir);
	cr_assert(d);
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "t.yaml") || !strcmp(de->d_name, "sub"))
			continue;
		if (keep_out && !strcmp(de->d_name, "out.json"))
			continue;
		cr_assert_fail("file left behind: %s/%s (stderr: %s)", dir, de->d_name, o->err);
	}
	closedir(d);
}

/* An error: exit 4, one message line, no output. */
static void expect_error(const char *yaml_text, int line, int col, const char *frag)
{
	struct outcome o;
	run_hvsim(yaml_text, NULL, NULL, &o);
	cr_assert_eq(o.status, 4, "exit status %d, want 4 (stderr: %s)", o.status, o.err);
	assert_message(&o, o.yaml, line, col, frag);
	assert_no_leftovers(&o, false);
	free(o.err);
}

/* The guest stops abnormally: exit 7, one message line at the guest code,
 * and a complete result document recording `stop`. */
static void expect_guest_stop(const char *yaml_text, int line, int col, const char *stop, const char *frag)
{
	struct outcome o;
	run_hvsim(yaml_text, NULL, NULL, &o);
	cr_assert_eq(o.status, 7, "exit status %d, want 7 (stderr: %s)", o.status, o.err);
	assert_message(&o, o.yaml, line, col, frag);
	assert_no_leftovers(&o, true);
	size_t n = 0;
	char *doc = h_slurp(o.out, &n);
	cr_assert(doc, "no result document");
	char jerr[256];
	struct json_value *v = json_parse(doc, n, jerr, sizeof jerr);
	cr_assert(v, "result document is not complete JSON: %s", jerr);
	const struct json_value *runs = json_get(v, "runs");
	cr_assert(runs && runs->type == JSON_ARRAY && runs->n == 1);
	const struct json_value *s = json_path(&runs->items[0], "guest.stop");
	cr_assert(s && s->type == JSON_STRING && !strcmp(s->s, stop), "guest.stop is not %s", stop);
	json_free(v);
	free(doc);
	free(o.err);
}

#define HEAD "version: 1\nname: bad\nsummary: bad input catalogue\n"

/* ---- YAML and file structure ------------------------------------------------ */

Test(bad_input, yaml_syntax_error)
{
	/* libyaml: a key indented under a scalar value; reported at the ':'
	 * (docs/errors.md "YAML syntax error"). */
	expect_error("version: 1\n"
		     "name: bad\n"
		     " summary: s\n",
		     3, 9, "YAML syntax error: mapping values are not allowed in this context");
}

Test(bad_input, version_too_new)
{
	/* "The version is checked before anything else": the rest may be
	 * anything a newer format allows. */
	expect_error("version: 2\n"
		     "newer_key: 1\n",
		     1, 10, "scenario format version 2 is newer than this hvsim supports (1)");
}

/* ---- keys and types ---------------------------------------------------------- */

Test(bad_input, unknown_key)
{
	/* position of the key (docs/errors.md "Keys") */
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  code: \"f4\"\n"
		     "  limits: {instrs: 5}\n",
		     7, 12, "unknown key 'instrs' in guest.limits");
}

Test(bad_input, duplicate_key)
{
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  code: \"f4\"\n"
		     "  base: 0x2000\n",
		     7, 3, "duplicate key 'base' in guest (first given at 5:3)");
}

Test(bad_input, wrong_type_integer)
{
	/* position of the value */
	expect_error(HEAD
		     "guest:\n"
		     "  base: abc\n"
		     "  code: \"f4\"\n",
		     5, 9, "expected an unsigned integer for guest.base, got 'abc'");
}

Test(bad_input, wrong_type_mapping)
{
	expect_error(HEAD
		     "guest: [1]\n",
		     4, 8, "expected a mapping for guest, got a list");
}

Test(bad_input, missing_key)
{
	/* the enclosing mapping */
	expect_error(HEAD
		     "guest:\n"
		     "  code: \"f4\"\n",
		     5, 3, "missing required key 'base' in guest");
}

/* ---- memory layout -------------------------------------------------------------- */

Test(bad_input, address_out_of_range_32bit)
{
	/* 32-bit mode: addresses must be below 4 GiB */
	expect_error(HEAD
		     "guest:\n"
		     "  mode: 32\n"
		     "  base: 0x1_0000_0000\n"
		     "  code: \"f4\"\n",
		     6, 9, "guest.base 0x100000000 is out of range for 32-bit mode");
}

Test(bad_input, address_not_canonical)
{
	/* SDM Vol.1 3.3.7.1: bits 63:47 of a 64-bit linear address are equal */
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x8000_0000_0000\n"
		     "  code: \"f4\"\n",
		     5, 9, "not a canonical 64-bit address");
}

Test(bad_input, overlapping_regions)
{
	/* code 0x1000-0x1001 (2 bytes), data from 0x1001: reported at the
	 * later region */
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  code: \"90 f4\"\n"
		     "  data:\n"
		     "    - {addr: 0x1001, size: 4}\n",
		     8, 7, "guest.data[0] (0x1001-0x1004) overlaps guest code (0x1000-0x1001");
}

/* ---- guest code ------------------------------------------------------------------- */

Test(bad_input, asm_does_not_assemble)
{
	/* asm line 2 is YAML line 8, the text starts in column 5 */
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  asm: |\n"
		     "    nop\n"
		     "    movx eax, 1\n"
		     "    hlt\n",
		     8, 5, "guest.asm: line 2: ");
}

Test(bad_input, bad_hex_digit)
{
	/* the exact character: "0f zz" starts at column 10, 'z' is column 13 */
	expect_error(HEAD
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  code: \"0f zz\"\n",
		     6, 13, "invalid hex digit 'z' in guest.code");
}

/* ---- run-time checks ----------------------------------------------------------------- */

Test(bad_input, unknown_policy)
{
	/* a policy the scenario lists but hvsim does not know: position of
	 * the list item */
	expect_error(HEAD
		     "policies: [bp_enabled, no_such_policy]\n"
		     "guest:\n"
		     "  base: 0x1000\n"
		     "  code: \"f4\"\n",
		     4, 24, "unknown policy 'no_such_policy'");
}

Test(bad_input, unknown_policy_on_command_line)
{
	/* -p is a command-line argument: a usage error (exit 2, "hvsim: ...") */
	struct outcome o;
	const char *extra[] = { "-p", "no_such_policy", NULL };
	run_hvsim(HEAD "guest:\n  base: 0x1000\n  code: \"f4\"\n", NULL, extra, &o);
	cr_assert_eq(o.status, 2, "exit status %d (stderr: %s)", o.status, o.err);
	cr_assert(!strncmp(o.err, "hvsim: ", 7) && strstr(o.err, "unknown policy 'no_such_policy'"), "%s", o.err);
	assert_no_leftovers(&o, false);
	free(o.err);
}

Test(bad_input, unwritable_output_path)
{
	/* the parent of the output "directory" is a regular file: ENOTDIR even
	 * for root (permissions would not stop root) */
	struct outcome o;
	char sub[600], out[700];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	write_file(sub, "a file, not a directory\n");
	snprintf(out, sizeof out, "%s/out.json", sub);
	run_hvsim(HEAD "vendor: none\nguest:\n  base: 0x1000\n  code: \"f4\"\n", out, NULL, &o);
	cr_assert_eq(o.status, 4, "exit status %d (stderr: %s)", o.status, o.err);
	/* an output file has no YAML position: 0:0 (sim/util/outfile.h) */
	assert_message(&o, out, 0, 0, "cannot write");
	assert_no_leftovers(&o, false);
	free(o.err);
}

Test(bad_input, output_device_full)
{
	/* writing fails after the run (ENOSPC): exit 4, and stdout stays empty */
	struct stat st;
	if (stat("/dev/full", &st) != 0)
		cr_skip_test("no /dev/full");
	struct outcome o;
	run_hvsim(HEAD "vendor: none\nguest:\n  base: 0x1000\n  code: \"f4\"\n", "/dev/full", NULL, &o);
	cr_assert_eq(o.status, 4, "exit status %d (stderr: %s)", o.status, o.err);
	assert_message(&o, "/dev/full", 0, 0, "");
	assert_no_leftovers(&o, false);
	free(o.err);
}

/* ---- the guest stops abnormally (exit 7), reported at the guest code --------------------- */

Test(bad_input, invalid_opcode)
{
	/* UD2 raises #UD (SDM Vol.2 UD); the scenario has no IDT, and hvsim
	 * ends the run at an invalid opcode */
	expect_guest_stop(HEAD
			  "vendor: none\n"
			  "guest:\n"
			  "  base: 0x1000\n"
			  "  code: \"90 0f 0b f4\"\n",
			  7, 9, "invalid_opcode", "invalid opcode at 0x1001");
}

Test(bad_input, far_call_with_register_operand)
{
	/* FF /3 with ModRM.mod = 11 ("call far rcx") has no memory operand: #UD
	 * (SDM Vol.2 CALL, m16:64 only; opcode map group 5 "Ep").  Unicorn
	 * 2.0.1 aborts the process translating it; hvsim must stop the guest
	 * instead (found by fuzz/fuzz_guest.c). */
	expect_guest_stop(HEAD
			  "vendor: vmx\n"
			  "guest:\n"
			  "  base: 0x1000\n"
			  "  code: \"90 48 31 c0 ff d9 f4\"\n",
			  7, 9, "invalid_opcode", "invalid opcode at 0x1004");
}

Test(bad_input, triple_fault)
{
	/* IDT limit 7 holds no 16-byte gate: INT3 cannot be delivered (#GP),
	 * the #GP cannot either (#DF), nor the #DF: shutdown (SDM Vol.3 6.15
	 * "Interrupt 8 - Double Fault Exception", triple fault).
	 *   lidt [rip+6]; int3; hlt; .word 7; .quad 0x80000 */
	expect_guest_stop(HEAD
			  "vendor: none\n"
			  "guest:\n"
			  "  base: 0x1000\n"
			  "  code: \"0f 01 1d 02 00 00 00 cc f4 07 00 00 00 08 00 00 00 00 00\"\n"
			  "  data:\n"
			  "    - {addr: 0x80000, size: 0x1000}\n",
			  7, 9, "triple_fault", "triple fault");
}

Test(bad_input, endless_loop_hits_budget)
{
	/* jmp $ forever; limits.instructions ends it, and with the default
	 * on_budget: error that is an abnormal stop (scenarios/README.md) */
	expect_guest_stop(HEAD
			  "vendor: none\n"
			  "guest:\n"
			  "  base: 0x1000\n"
			  "  code: \"eb fe\"\n"
			  "  limits: {instructions: 1000}\n",
			  7, 9, "budget", "budget exhausted");
}

Test(bad_input, endless_loop_under_vmx)
{
	/* the same under VMX: the budget also bounds a guest that keeps
	 * exiting (out 0x80, al; jmp back) */
	expect_guest_stop(HEAD
			  "vendor: vmx\n"
			  "guest:\n"
			  "  base: 0x1000\n"
			  "  code: \"e6 80 eb fc\"\n"
			  "  limits: {instructions: 1000}\n",
			  7, 9, "budget", "budget exhausted");
}
