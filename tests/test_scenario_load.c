/* test_scenario_load.c - the scenario loader: every error class reports the
 * right message at the right line:column, and a valid scenario loads with
 * all of its fields.  YAML is given inline (scenario_load_buf, file name
 * "t.yaml"); tests/data holds two small valid files.  The assembler cache is
 * redirected to a private temporary directory per test. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/loader/asm.h"
#include "sim/loader/scenario.h"
#include "tests/harness.h"

#ifndef HVSIM_SOURCE_DIR
#define HVSIM_SOURCE_DIR "."
#endif

static char cache_dir[256];
static char err[1024];

static void setup(void)
{
	h_mkdtemp(cache_dir, sizeof cache_dir, "hvsim-test-cache");
	setenv("HVSIM_CACHE_DIR", cache_dir, 1);
	err[0] = 0;
}

static void teardown(void) { h_rmtree(cache_dir); }

TestSuite(scenario_load, .init = setup, .fini = teardown);

static struct scenario *load(const char *yaml)
{
	return scenario_load_buf("t.yaml", yaml, strlen(yaml), err, sizeof err);
}

/* The load fails with exactly `msg` ("t.yaml:L:C: ..."). */
static void fails_with(const char *yaml, const char *msg)
{
	struct scenario *sc = load(yaml);
	if (sc)
		scenario_free(sc);
	cr_assert_null(sc, "expected the load to fail with: %s", msg);
	cr_assert_str_eq(err, msg);
}

/* The load fails at `where` ("t.yaml:L:C: ") with a message containing all
 * of the given pieces. */
static void fails_at(const char *yaml, const char *where, const char *piece1, const char *piece2)
{
	struct scenario *sc = load(yaml);
	if (sc)
		scenario_free(sc);
	cr_assert_null(sc, "expected the load to fail at %s", where);
	cr_assert(strncmp(err, where, strlen(where)) == 0, "error '%s' is not at '%s'", err, where);
	cr_assert(strstr(err, piece1), "error '%s' lacks '%s'", err, piece1);
	if (piece2)
		cr_assert(strstr(err, piece2), "error '%s' lacks '%s'", err, piece2);
	cr_assert_null(strchr(err, '\n'), "error must be one line: '%s'", err);
}

#define HEAD "version: 1\nname: t\nsummary: test\n"

/* ------------------------------------------------------------ syntax */

Test(scenario_load, malformed_yaml_reports_libyaml_problem_at_its_position)
{
	fails_with("version: 1\nname: x\n summary: s\n",
		   "t.yaml:3:9: YAML syntax error: mapping values are not allowed in this context");
}

Test(scenario_load, unterminated_quote_is_a_syntax_error_with_context)
{
	fails_at(HEAD "guest: {base: 1, code: \"90}\n", "t.yaml:5:1: ",
		 "YAML syntax error: found unexpected end of stream",
		 "while scanning a quoted scalar at 4:24");
}

/* A streaming depth check refuses deep nesting before libyaml composes the
 * document (issue 15 item 5: an 80 KB file of nested sequences took
 * 8-19 s inside libyaml).  64 levels are allowed, the 65th is refused at
 * the position of its opening bracket. */
Test(scenario_load, nesting_deeper_than_64_levels_is_refused_at_its_position)
{
	static char y[300000];
	int n = snprintf(y, sizeof y, HEAD "refs: ");
	for (int i = 0; i < 100000; i++)
		y[n++] = '[';
	for (int i = 0; i < 100000; i++)
		y[n++] = ']';
	y[n] = 0;
	/* "refs: " is 6 columns; the top-level mapping is level 1, so the
	 * 64th '[' (column 70) is level 65. */
	fails_with(y, "t.yaml:4:70: scenario too complex: nesting deeper than 64 levels (docs/errors.md, \"Limits\")");
}

Test(scenario_load, nesting_of_63_levels_is_not_a_limit_error)
{
	static char y[1000];
	int n = snprintf(y, sizeof y, HEAD "refs: ");
	for (int i = 0; i < 63; i++)
		y[n++] = '[';
	for (int i = 0; i < 63; i++)
		y[n++] = ']';
	y[n] = 0;
	struct scenario *sc = load(y);
	if (sc)
		scenario_free(sc);
	cr_assert_null(strstr(err, "too complex"), "63 levels are within the limit: %s", err);
}

Test(scenario_load, empty_file_is_an_error)
{
	fails_with("", "t.yaml:1:1: empty scenario: expected a mapping with 'version', 'name', "
		   "'summary' and 'guest'");
}

Test(scenario_load, second_yaml_document_is_an_error)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\n---\nversion: 1\n",
		   "t.yaml:6:1: a scenario file holds one YAML document, found another one here");
}

Test(scenario_load, top_level_must_be_a_mapping)
{
	fails_with("- version: 1\n", "t.yaml:1:1: expected a mapping at the top level, got a list");
}

/* ------------------------------------------------------------ version */

Test(scenario_load, newer_version_asks_to_upgrade_before_anything_else)
{
	/* unknown keys of a newer format must not hide the version problem */
	fails_with("version: 2\nfancy_new_key: 1\n",
		   "t.yaml:1:10: scenario format version 2 is newer than this hvsim supports (1): "
		   "please upgrade hvsim");
}

Test(scenario_load, version_zero_and_negative_are_unsupported)
{
	fails_with("version: 0\n", "t.yaml:1:10: unsupported scenario format version 0");
	fails_with("version: -3\n", "t.yaml:1:10: unsupported scenario format version -3");
}

Test(scenario_load, missing_version_is_reported_at_the_top_mapping)
{
	fails_with("name: x\nsummary: s\n", "t.yaml:1:1: missing required key 'version'");
}

/* ------------------------------------------------------------ keys */

Test(scenario_load, unknown_key_is_an_error_with_its_position)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nsumary: typo\n",
		   "t.yaml:5:1: unknown key 'sumary' (did you mean 'summary'?)");
}

Test(scenario_load, unknown_nested_key_names_its_parent)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: 90\n  limits: {instructions: 5, bogus: 1}\n",
		   "t.yaml:7:29: unknown key 'bogus' in guest.limits");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  breakpoints:\n"
		   "    - {slot: 0, addr: 0x1000, type: exec, size: 1}\n",
		   "t.yaml:7:43: unknown key 'size' in host.breakpoints[0]");
}

Test(scenario_load, unindented_asm_label_gets_a_hint)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  asm: |\n    nop\n  done:\n    hlt\n",
		   "t.yaml:8:3: unknown key 'done' in guest (an asm label? indent it like the rest "
		   "of the asm text)");
}

Test(scenario_load, duplicate_key_points_at_the_second_one)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nname: again\n",
		   "t.yaml:5:1: duplicate key 'name' (first given at 2:1)");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, base: 0x2000}\n",
		   "t.yaml:4:33: duplicate key 'base' in guest (first given at 4:9)");
}

Test(scenario_load, missing_required_key_points_at_the_parent_mapping)
{
	fails_with("version: 1\nname: x\nguest: {base: 1, code: 90}\n",
		   "t.yaml:1:1: missing required key 'summary'");
	fails_with(HEAD "guest:\n  mode: 32\n  code: 90\n",
		   "t.yaml:5:3: missing required key 'base' in guest");
}

/* ------------------------------------------------------------ types */

Test(scenario_load, wrong_type_names_the_key_path_and_the_value)
{
	fails_with(HEAD "guest: {base: abc, code: 90}\n",
		   "t.yaml:4:15: expected an unsigned integer for guest.base, got 'abc'");
	fails_with(HEAD "guest: [1, 2]\n", "t.yaml:4:8: expected a mapping for guest, got a list");
	fails_with(HEAD "guest: {base: \"0x10\", code: 90}\n",
		   "t.yaml:4:15: expected an unsigned integer for guest.base, got '0x10' (a quoted string)");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\ncpu: {rtm: yes}\n",
		   "t.yaml:5:12: expected true or false for cpu.rtm, got 'yes'");
	fails_with(HEAD "vendor: intel\nguest: {base: 0x1000, code: 90}\n",
		   "t.yaml:4:9: expected one of none, vmx, svm, both, arm for vendor, got 'intel'");
}

Test(scenario_load, integers_accept_hex_and_underscores_and_reject_the_rest)
{
	struct scenario *sc = load(HEAD "guest: {base: 0x1_0000, code: 90, limits: {instructions: 1_000_000}}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->guest.code.base, 0x10000);
	cr_assert_eq(sc->guest.max_instructions, 1000000);
	scenario_free(sc);
	fails_with(HEAD "guest: {base: -5, code: 90}\n",
		   "t.yaml:4:15: expected an unsigned integer for guest.base, got '-5' "
		   "(negative values are not allowed)");
	fails_with(HEAD "guest: {base: 0x1_0000_0000_0000_0000, code: 90}\n",
		   "t.yaml:4:15: guest.base is out of range: '0x1_0000_0000_0000_0000' does not fit "
		   "in 64 bits");
	fails_at(HEAD "guest: {base: 1__0, code: 90}\n", "t.yaml:4:15: ",
		 "expected an unsigned integer for guest.base", NULL);
	fails_at(HEAD "guest: {base: 10_, code: 90}\n", "t.yaml:4:15: ",
		 "expected an unsigned integer for guest.base", NULL);
}

Test(scenario_load, invalid_name_is_rejected)
{
	fails_with("version: 1\nname: has space\nsummary: s\nguest: {base: 1, code: 90}\n",
		   "t.yaml:2:7: invalid name 'has space' for name: use only letters, digits, '_', "
		   "'.' and '-'");
}

/* ------------------------------------------------------------ code */

Test(scenario_load, odd_hex_digit_count_points_at_the_digits)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: \"0f 23 c0 9\"\n",
		   "t.yaml:6:19: odd number of hex digits in guest.code: '9' has 1 digit "
		   "(write each byte as two digits)");
	/* in a literal block: the line and column inside the block */
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: |\n    0f 23 c0\n    90 0f2\n",
		   "t.yaml:8:8: odd number of hex digits in guest.code: '0f2' has 3 digits "
		   "(write each byte as two digits)");
}

Test(scenario_load, non_hex_character_points_at_its_column)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 0f 23 c0 zz}\n",
		   "t.yaml:4:38: invalid hex digit 'z' in guest.code");
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: >\n    0f 23\n    c0 0x90\n",
		   "t.yaml:8:9: invalid hex digit 'x' in guest.code (write bytes without a 0x prefix)");
}

Test(scenario_load, empty_code_is_an_error)
{
	fails_with(HEAD "guest: {base: 0x1000, code: \" \"}\n",
		   "t.yaml:4:29: guest.code: no code (the hex string is empty)");
}

Test(scenario_load, asm_and_code_together_or_neither_is_an_error)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90, asm: nop}\n",
		   "t.yaml:4:33: guest has both 'asm' and 'code': use exactly one");
	fails_with(HEAD "guest: {base: 0x1000}\n",
		   "t.yaml:4:8: guest needs exactly one of 'asm' or 'code'");
}

Test(scenario_load, asm_error_maps_to_the_yaml_line_of_a_block)
{
	/* line 3 of the asm text is YAML line 9; the text starts in column 5 */
	fails_with(HEAD "guest:\n"
		   "  base: 0x1000\n"
		   "  asm: |\n"
		   "    nop\n"
		   "    nop\n"
		   "    movx eax, 1\n"
		   "    hlt\n",
		   "t.yaml:9:5: guest.asm: line 3: no such instruction: `movx eax,1'");
	/* a syntax switch inside the text does not shift the line numbers */
	fails_at(HEAD "guest:\n  base: 0x1000\n  asm: |\n    .att_syntax\n    movl $1, %eax\n"
		 "    movl %eax\n", "t.yaml:9:5: guest.asm: line 3: ", "`mov'", NULL);
}

Test(scenario_load, asm_error_maps_into_a_quoted_string)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  asm: \"nop\\n  mov eax, [rbx+\"\n",
		   "t.yaml:6:14: guest.asm: line 2: bad expression");
}

Test(scenario_load, asm_error_in_a_host_snippet_names_the_snippet)
{
	/* the assembler's own wording varies between binutils versions */
	fails_at(HEAD "guest: {base: 0x1000, code: 90}\n"
		 "host:\n"
		 "  snippets:\n"
		 "    - name: s\n"
		 "      base: 0xffffffff81000000\n"
		 "      asm: |\n"
		 "        ret\n"
		 "        pop eax\n",
		 "t.yaml:11:9: host.snippets[0].asm: line 2: ", "`pop'", NULL);
}

Test(scenario_load, undefined_asm_symbol_points_at_its_line)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  asm: |\n    nop\n    jmp nowhere\n",
		   "t.yaml:8:5: guest.asm: line 2: undefined symbol 'nowhere'");
}

Test(scenario_load, asm_without_code_is_an_error)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  asm: |\n    # nothing here\n",
		   "t.yaml:6:8: guest.asm: no code");
}

Test(scenario_load, asm_labels_become_symbols_and_entry_resolves_them)
{
	struct scenario *sc = load(HEAD "guest:\n"
				   "  base: 0x4000\n"
				   "  entry: main\n"
				   "  asm: |\n"
				   "    .byte 0xcc\n"
				   "    main:\n"
				   "      mov eax, 1\n"
				   "    done: hlt\n");
	cr_assert_not_null(sc, "%s", err);
	uint64_t a = 0;
	cr_assert(scenario_symbol(sc, "main", &a));
	cr_assert_eq(a, 0x4001);
	cr_assert(scenario_symbol(sc, "done", &a));
	cr_assert_eq(a, 0x4006);
	cr_assert_not(scenario_symbol(sc, "nope", &a));
	cr_assert_eq(sc->guest.entry, 0x4001);
	cr_assert_str_eq(sc->guest.entry_label, "main");
	cr_assert_eq(sc->guest.entry_pos.line, 6);
	cr_assert_eq(sc->guest.entry_pos.col, 10);
	uint8_t want[] = { 0xcc, 0xb8, 1, 0, 0, 0, 0xf4 };
	cr_assert_eq(sc->guest.code.size, sizeof want);
	cr_assert_arr_eq(sc->guest.code.bytes, want, sizeof want);
	cr_assert_eq(sc->guest.code.asm_first_line, 8);
	cr_assert_eq(sc->guest.code.asm_first_col, 5);
	scenario_free(sc);
}

Test(scenario_load, unknown_entry_label_is_an_error)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  entry: main\n  asm: nop\n",
		   "t.yaml:6:10: unknown label 'main' for guest.entry");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, entry: main}\n",
		   "t.yaml:4:40: unknown label 'main' for guest.entry (code given as hex has no labels)");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, entry: 0x2000}\n",
		   "t.yaml:4:40: guest.entry 0x2000 is outside the guest code (0x1000-0x1000) and "
		   "data regions");
}

Test(scenario_load, att_syntax_in_the_text_is_honoured_and_mode_32_assembles_32_bit_code)
{
	struct scenario *sc = load(HEAD "guest:\n  mode: 32\n  base: 0x1000\n  asm: |\n"
				   "    .att_syntax\n    movl $1, %eax\n    inc %eax\n");
	cr_assert_not_null(sc, "%s", err);
	uint8_t want[] = { 0xb8, 1, 0, 0, 0, 0x40 };   /* 0x40 = inc eax only in 32-bit code */
	cr_assert_eq(sc->guest.mode, 32);
	cr_assert_eq(sc->guest.code.size, sizeof want);
	cr_assert_arr_eq(sc->guest.code.bytes, want, sizeof want);
	scenario_free(sc);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

Test(scenario_load, assembly_results_are_cached_and_reused)
{
	const char *y = HEAD "guest:\n  base: 0x1000\n  asm: |\n    l: jmp l\n";
	struct scenario *sc = load(y);
	cr_assert_not_null(sc, "%s", err);
	char dir[512];
	asm_cache_dir(dir, sizeof dir);
	cr_assert(strncmp(dir, cache_dir, strlen(cache_dir)) == 0);
	struct stat st;
	cr_assert_eq(stat(dir, &st), 0, "no cache directory %s", dir);
	cr_assert_eq(st.st_mode & 0777, 0700, "cache directory mode %o", st.st_mode & 0777);
	/* one entry; the second load is served from it (no second entry, same bytes) */
	cr_assert_eq(count_entries(dir), 1);
	struct scenario *sc2 = load(y);
	cr_assert_not_null(sc2, "%s", err);
	cr_assert_eq(count_entries(dir), 1);
	cr_assert_eq(sc2->guest.code.size, 2);
	cr_assert_arr_eq(sc2->guest.code.bytes, sc->guest.code.bytes, 2);
	uint64_t a;
	cr_assert(scenario_symbol(sc2, "l", &a));
	cr_assert_eq(a, 0x1000);
	/* the tools are part of the key: another assembler is not answered from the cache */
	setenv("HVSIM_AS", "/nonexistent/as", 1);
	cr_assert_null(scenario_load_buf("t.yaml", y, strlen(y), err, sizeof err));
	unsetenv("HVSIM_AS");
	cr_assert(strstr(err, "cannot run '/nonexistent/as'"), "%s", err);
	scenario_free(sc);
	scenario_free(sc2);
}

Test(scenario_load, missing_assembler_is_a_clear_error)
{
	setenv("HVSIM_AS", "/nonexistent/as", 1);
	fails_with(HEAD "guest:\n  base: 0x1000\n  asm: nop # not cached yet\n",
		   "t.yaml:6:8: guest.asm: cannot run '/nonexistent/as': not found (install GNU "
		   "binutils, or set HVSIM_AS)");
}

/* ------------------------------------------------------------ memory */

Test(scenario_load, overlapping_regions_are_reported_at_the_later_one)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: 90 90\n  data:\n"
		   "    - {addr: 0x2000, size: 0x100}\n    - {addr: 0x1001, bytes: aa bb}\n",
		   "t.yaml:9:7: guest.data[1] (0x1001-0x1002) overlaps guest code (0x1000-0x1001, at 6:3)");
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: 90\n  data:\n"
		   "    - {addr: 0x2000, size: 0x100}\n    - {addr: 0x20ff, size: 1}\n",
		   "t.yaml:9:7: guest.data[1] (0x20ff-0x20ff) overlaps guest.data[0] (0x2000-0x20ff, at 8:7)");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  snippets:\n"
		   "    - {name: a, base: 0x5000, code: 90 90 c3}\n"
		   "    - {name: b, base: 0x5002, code: c3}\n",
		   "t.yaml:8:37: host.snippets[1] 'b' (0x5002-0x5002) overlaps host.snippets[0] 'a' "
		   "(0x5000-0x5002, at 7:37)");
}

Test(scenario_load, address_out_of_range_in_mode_32)
{
	fails_with(HEAD "guest:\n  mode: 32\n  base: 0x1_0000_0000\n  code: 90\n",
		   "t.yaml:6:9: guest.base 0x100000000 is out of range for 32-bit mode (must be below "
		   "0x100000000)");
	fails_with(HEAD "guest:\n  mode: 32\n  base: 0xffff_fff0\n  code: 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90 90\n",
		   "t.yaml:6:9: guest code 0xfffffff0-0x100000000 is out of range for 32-bit mode (must "
		   "end at or below 0x100000000)");
	fails_with(HEAD "guest:\n  mode: 32\n  base: 0x1000\n  code: 90\n  data: [{addr: 0xffff_ffff, size: 2}]\n",
		   "t.yaml:8:17: guest.data[0] 0xffffffff-0x100000000 is out of range for 32-bit mode "
		   "(must end at or below 0x100000000)");
}

Test(scenario_load, non_canonical_and_oversized_regions_are_out_of_range)
{
	fails_with(HEAD "guest: {base: 0x0000_8000_0000_0000, code: 90}\n",
		   "t.yaml:4:15: guest.base 0x800000000000 is out of range: not a canonical 64-bit address");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, data: [{addr: 0x100000, size: 0x1000001}]}\n",
		   "t.yaml:4:63: guest.data[0].size 0x1000001 is out of range (at most 16 MiB per region)");
}

/* ------------------------------------------------------------ registers */

Test(scenario_load, unknown_register_name_is_rejected)
{
	fails_with(HEAD "guest:\n  base: 0x1000\n  code: 90\n  regs: {rax: 1, rip: 5}\n",
		   "t.yaml:7:18: unknown register 'rip' in guest.regs (valid: rax rbx rcx rdx rsi rdi "
		   "rbp rsp r8-r15 rflags cr0 cr4 eax ebx ecx edx esi edi ebp esp)");
}

Test(scenario_load, register_checks_follow_the_mode)
{
	fails_with(HEAD "guest: {mode: 32, base: 0x1000, code: 90, regs: {r8: 1}}\n",
		   "t.yaml:4:50: register r8 does not exist in 32-bit mode (guest.mode is 32)");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, regs: {eax: 0x1_0000_0000}}\n",
		   "t.yaml:4:45: guest.regs.eax is out of range: 0x100000000 does not fit in 32 bits");
	fails_with(HEAD "guest: {base: 0x1000, code: 90, regs: {rax: 1, eax: 2}}\n",
		   "t.yaml:4:48: guest.regs: eax and rax are the same register (rax given at 4:40)");
}

/* ------------------------------------------------------------ host */

Test(scenario_load, every_exit_zero_is_rejected)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events:\n"
		   "    - every_exit: 0\n      remove: 1\n",
		   "t.yaml:7:19: host.events[0].every_exit must be at least 1, got 0");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events: [{exit: 0, remove: 1}]\n",
		   "t.yaml:6:19: host.events[0].exit must be at least 1 (exits are numbered from 1), got 0");
}

Test(scenario_load, event_needs_exactly_one_trigger_and_one_action)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events: [{exit: 1, start: true, remove: 1}]\n",
		   "t.yaml:6:22: host.events[0] has both 'exit' and 'start': use exactly one of 'exit', "
		   "'every_exit' or 'start'");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events: [{remove: 1}]\n",
		   "t.yaml:6:12: host.events[0] needs one of 'exit', 'every_exit' or 'start'");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events: [{exit: 1}]\n",
		   "t.yaml:6:12: host.events[0] needs an action: one of 'run', 'install', 'remove', 'touch' or 'set_cr3'");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  events: [{exit: 1, run: nope}]\n",
		   "t.yaml:6:27: unknown snippet 'nope' for host.events[0].run (host.snippets is empty)");
}

Test(scenario_load, breakpoint_fields_are_checked)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  breakpoints:\n"
		   "    - {slot: 0, addr: 0x1000, type: exec, len: 4}\n",
		   "t.yaml:7:48: host.breakpoints[0].len must be 1 for an exec breakpoint, got 4");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  breakpoints:\n"
		   "    - {slot: 4, addr: 0x1000, type: exec}\n",
		   "t.yaml:7:14: host.breakpoints[0].slot must be between 0 and 3, got 4");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  breakpoints:\n"
		   "    - {slot: 0, addr: 0x1002, type: write, len: 4}\n",
		   "t.yaml:7:23: host.breakpoints[0].addr 0x1002 is not aligned to its len 4");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nhost:\n  breakpoints:\n"
		   "    - {slot: 0, addr: 0x1000, type: exec}\n    - {slot: 0, addr: 0x2000, type: exec}\n",
		   "t.yaml:8:14: host.breakpoints[1].slot: slot 0 is already used by host.breakpoints[0] (at 7:7)");
}

/* ------------------------------------------------------------ expect */

Test(scenario_load, expectations_are_checked)
{
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nexpect: {all: {exits.total: {min: 5, max: 3}}}\n",
		   "t.yaml:5:43: expect.all.exits.total: min 5 is greater than max 3");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nexpect: {all: {exits.total: {}}}\n",
		   "t.yaml:5:29: expect.all.exits.total needs 'min' and/or 'max'");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nexpect: {svm: {exits.total: 1}}\n",
		   "t.yaml:5:10: expect.svm: the scenario's vendor is vmx, so svm expectations would never "
		   "be checked");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nexpect: {lazy@mips: {exits.total: 1}}\n",
		   "t.yaml:5:10: invalid expect selector 'lazy@mips': use all, vmx, svm, arm, none, POLICY or "
		   "POLICY@VENDOR");
	/* arm is a vendor since issue 20: on an x86 scenario it is never checked */
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\nexpect: {lazy@arm: {exits.total: 1}}\n",
		   "t.yaml:5:10: expect.lazy@arm: the scenario's vendor is vmx, so arm expectations would never "
		   "be checked");
	fails_with(HEAD "vendor: none\nguest: {base: 0x1000, code: 90}\nexpect: {lazy@vmx: {exits.total: 1}}\n",
		   "t.yaml:6:10: expect.lazy@vmx: the scenario's vendor is none, so vmx expectations would "
		   "never be checked");
	struct scenario *sc = load(HEAD "vendor: none\nguest: {base: 0x1000, code: 90}\n"
				   "expect: {none: {db.guest.missed: 0}, bp_enabled@none: {guest.stop: hlt}}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->vendor, VENDOR_NONE);
	cr_assert_eq(sc->nexpects, 2);
	scenario_free(sc);
}

/* ------------------------------------------------------------ valid */

Test(scenario_load, defaults_are_filled_in)
{
	struct scenario *sc = load(HEAD "guest: {base: 0x1000, code: 0f 23 c0}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_str_eq(sc->path, "t.yaml");
	cr_assert_eq(sc->version, 1);
	cr_assert_eq(sc->vendor, VENDOR_VMX);
	cr_assert_eq(sc->npolicies, 1);
	cr_assert_str_eq(sc->policies[0], "bp_enabled");
	cr_assert_null(sc->cost_model);
	cr_assert(sc->decode_assists);
	cr_assert_not(sc->cpu_rtm);
	cr_assert_eq(sc->guest.mode, 64);
	cr_assert_eq(sc->guest.entry, 0x1000);
	cr_assert_null(sc->guest.entry_label);
	cr_assert_eq(sc->guest.code.size, 3);
	cr_assert_null(sc->guest.code.asm_text);
	cr_assert_eq(sc->guest.max_instructions, 0);
	cr_assert_not(sc->guest.budget_ok);
	cr_assert_eq(sc->host.nbps + sc->host.nsnippets + sc->host.nevents + sc->nexpects, 0);
	scenario_free(sc);
}

Test(scenario_load, policies_all_is_stored_as_one_entry)
{
	struct scenario *sc = load(HEAD "policies: all\nguest: {base: 0x1000, code: 90}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->npolicies, 1);
	cr_assert_str_eq(sc->policies[0], "all");
	cr_assert_eq(sc->policy_pos[0].line, 4);
	cr_assert_eq(sc->policy_pos[0].col, 11);
	scenario_free(sc);
}

static const char full_yaml[] =
	"version: 1\n"
	"name: full\n"
	"summary: every key\n"
	"refs: [SDM 17.2, \"APM 13.1\"]\n"
	"groups: [smoke]\n"
	"vendor: both\n"
	"policies: [bp_enabled, lazy]\n"
	"variants:\n"
	"  - name: lazy2\n"
	"    base: lazy\n"
	"    knobs: {eager_after: 3, mode: fast}\n"
	"cpu:\n"
	"  costs: {vmexit: 1_200}\n"
	"  rtm: true\n"
	"  bus_lock: true\n"
	"  decode_assists: false\n"
	"guest:\n"
	"  base: 0x10000\n"
	"  entry: start\n"
	"  asm: |\n"
	"    .byte 0x90\n"
	"    start:\n"
	"      mov dr7, rax\n"
	"      hlt\n"
	"  data:\n"
	"    - {addr: 0x20000, size: 16, bytes: de ad}\n"
	"    - {addr: 0x30000, size: 0x1000}\n"
	"  regs: {rax: 0x401, rsp: 0x21000}\n"
	"  limits: {instructions: 500, cycles: 9000, on_budget: stop}\n"
	"host:\n"
	"  breakpoints:\n"
	"    - {slot: 3, addr: 0xffff888000000008, type: rw, len: 8, kind: ptrace}\n"
	"  snippets:\n"
	"    - name: h\n"
	"      base: 0xffffffff81000000\n"
	"      asm: ret\n"
	"  events:\n"
	"    - {start: true, install: {slot: 2, addr: 0x7000, type: write, len: 2}}\n"
	"    - {exit: 3, run: h}\n"
	"    - {every_exit: 4, touch: {addr: 0x7000, size: 4, write: true}}\n"
	"    - {exit: 9, remove: 2}\n"
	"  timer: {period: 100}\n"
	"  guest_debug: true\n"
	"expect:\n"
	"  all:\n"
	"    guest.stop: hlt\n"
	"    exits.total: {min: 1}\n"
	"  lazy@svm:\n"
	"    dr.hw_writes: {min: 2, max: 0x10}\n"
	"    dr.hw_reads: 7\n";

Test(scenario_load, valid_full_scenario_loads_all_fields)
{
	struct scenario *sc = load(full_yaml);
	cr_assert_not_null(sc, "%s", err);
	cr_assert_str_eq(sc->name, "full");
	cr_assert_str_eq(sc->summary, "every key");
	cr_assert_eq(sc->nrefs, 2);
	cr_assert_str_eq(sc->refs[0], "SDM 17.2");
	cr_assert_str_eq(sc->refs[1], "APM 13.1");
	cr_assert_eq(sc->ngroups, 1);
	cr_assert_str_eq(sc->groups[0], "smoke");
	cr_assert_eq(sc->vendor, VENDOR_BOTH);
	cr_assert_eq(sc->vendor_pos.line, 6);
	cr_assert_eq(sc->npolicies, 2);
	cr_assert_str_eq(sc->policies[1], "lazy");
	cr_assert_eq(sc->policy_pos[1].line, 7);
	cr_assert_eq(sc->policy_pos[1].col, 24);

	cr_assert_eq(sc->nvariants, 1);
	cr_assert_str_eq(sc->variants[0].name, "lazy2");
	cr_assert_str_eq(sc->variants[0].base, "lazy");
	cr_assert_eq(sc->variants[0].nknobs, 2);
	cr_assert_str_eq(sc->variants[0].knobs[0].name, "eager_after");
	cr_assert_str_eq(sc->variants[0].knobs[0].value, "3");
	cr_assert_str_eq(sc->variants[0].knobs[1].value, "fast");
	cr_assert_eq(sc->variants[0].knobs[1].pos.line, 11);
	cr_assert_eq(sc->variants[0].knobs[1].pos.col, 29);

	cr_assert_eq(sc->ncosts, 1);
	cr_assert_str_eq(sc->costs[0].name, "vmexit");
	cr_assert_eq(sc->costs[0].value, 1200);
	cr_assert(sc->cpu_rtm);
	cr_assert(sc->cpu_bus_lock);
	cr_assert_not(sc->decode_assists);

	cr_assert_eq(sc->guest.mode, 64);
	cr_assert_eq(sc->guest.code.base, 0x10000);
	uint8_t code[] = { 0x90, 0x0f, 0x23, 0xf8, 0xf4 };
	cr_assert_eq(sc->guest.code.size, sizeof code);
	cr_assert_arr_eq(sc->guest.code.bytes, code, sizeof code);
	cr_assert_str_eq(sc->guest.code.asm_text, ".byte 0x90\nstart:\n  mov dr7, rax\n  hlt\n");
	cr_assert_eq(sc->guest.code.pos.line, 20);
	cr_assert_eq(sc->guest.code.asm_first_line, 21);
	uint64_t a = 0;
	cr_assert(scenario_symbol(sc, "start", &a));
	cr_assert_eq(a, 0x10001);
	cr_assert_eq(sc->guest.entry, 0x10001);

	cr_assert_eq(sc->guest.ndata, 2);
	cr_assert_eq(sc->guest.data[0].addr, 0x20000);
	cr_assert_eq(sc->guest.data[0].size, 16);
	cr_assert_eq(sc->guest.data[0].nbytes, 2);
	cr_assert_eq(sc->guest.data[0].bytes[0], 0xde);
	cr_assert_eq(sc->guest.data[0].bytes[1], 0xad);
	cr_assert_null(sc->guest.data[1].bytes);
	cr_assert_eq(sc->guest.data[1].size, 0x1000);
	cr_assert_eq(sc->guest.nregs, 2);
	cr_assert_str_eq(sc->guest.regs[0].name, "rax");
	cr_assert_eq(sc->guest.regs[0].value, 0x401);
	cr_assert_eq(sc->guest.regs[1].value, 0x21000);
	cr_assert_eq(sc->guest.max_instructions, 500);
	cr_assert_eq(sc->guest.max_cycles, 9000);
	cr_assert(sc->guest.budget_ok);

	cr_assert_eq(sc->host.nbps, 1);
	cr_assert_eq(sc->host.bps[0].slot, 3);
	cr_assert_eq(sc->host.bps[0].addr, 0xffff888000000008ULL);
	cr_assert_eq(sc->host.bps[0].type, BP_RW);
	cr_assert_eq(sc->host.bps[0].len, 8);
	cr_assert_eq(sc->host.bps[0].kind, BP_PTRACE);
	cr_assert_eq(sc->host.nsnippets, 1);
	cr_assert_str_eq(sc->host.snippets[0].name, "h");
	cr_assert_eq(sc->host.snippets[0].code.base, 0xffffffff81000000ULL);
	cr_assert_eq(sc->host.snippets[0].code.size, 1);
	cr_assert_eq(sc->host.snippets[0].code.bytes[0], 0xc3);

	cr_assert_eq(sc->host.nevents, 4);
	struct host_event *e = sc->host.events;
	cr_assert_eq(e[0].when, WHEN_START);
	cr_assert_eq(e[0].action, HOST_INSTALL_BP);
	cr_assert_eq(e[0].bp.slot, 2);
	cr_assert_eq(e[0].bp.type, BP_WRITE);
	cr_assert_eq(e[0].bp.len, 2);
	cr_assert_eq(e[0].bp.kind, BP_PERF);
	cr_assert_eq(e[1].when, WHEN_EXIT);
	cr_assert_eq(e[1].n, 3);
	cr_assert_eq(e[1].action, HOST_RUN);
	cr_assert_eq(e[1].snippet, 0);
	cr_assert_eq(e[2].when, WHEN_EVERY_EXIT);
	cr_assert_eq(e[2].n, 4);
	cr_assert_eq(e[2].action, HOST_TOUCH);
	cr_assert_eq(e[2].addr, 0x7000);
	cr_assert_eq(e[2].size, 4);
	cr_assert(e[2].write);
	cr_assert_eq(e[3].action, HOST_REMOVE_BP);
	cr_assert_eq(e[3].slot, 2);
	cr_assert_eq(e[3].pos.line, 41);
	cr_assert_eq(sc->host.timer_period, 100);
	cr_assert(sc->host.guest_debug);

	cr_assert_eq(sc->nexpects, 4);
	struct expectation *x = sc->expects;
	cr_assert_str_eq(x[0].selector, "all");
	cr_assert_str_eq(x[0].field, "guest.stop");
	cr_assert_str_eq(x[0].str_value, "hlt");
	cr_assert_eq(x[0].pos.line, 46);
	cr_assert_eq(x[0].pos.col, 5);
	cr_assert(x[1].is_range);
	cr_assert(x[1].has_min);
	cr_assert_not(x[1].has_max);
	cr_assert_eq(x[1].min, 1);
	cr_assert_str_eq(x[2].selector, "lazy@svm");
	cr_assert_eq(x[2].min, 2);
	cr_assert_eq(x[2].max, 16);
	cr_assert_not(x[3].is_range);
	cr_assert_null(x[3].str_value);
	cr_assert_eq(x[3].value, 7);
	scenario_free(sc);
}

Test(scenario_load, example_files_in_tests_data_load)
{
	struct scenario *sc = scenario_load(HVSIM_SOURCE_DIR "/tests/data/minimal.yaml", err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	cr_assert_eq(sc->guest.code.size, 11);
	scenario_free(sc);

	sc = scenario_load(HVSIM_SOURCE_DIR "/tests/data/full.yaml", err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	/* cpu.model is resolved against the scenario's directory */
	cr_assert_str_eq(sc->cost_model, HVSIM_SOURCE_DIR "/tests/data/../../cpu/costs/default.cost");
	uint64_t a;
	cr_assert(scenario_symbol(sc, "target", &a));
	cr_assert_eq(sc->guest.entry, 0x10008);
	scenario_free(sc);
}

Test(scenario_load, unreadable_file_and_missing_cost_model)
{
	cr_assert_null(scenario_load("/nonexistent/x.yaml", err, sizeof err));
	cr_assert_str_eq(err, "/nonexistent/x.yaml: cannot open scenario: No such file or directory");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\ncpu: {model: /nonexistent.cost}\n",
		   "t.yaml:5:14: cpu.model: cannot read '/nonexistent.cost': No such file or directory");
	fails_with(HEAD "guest: {base: 0x1000, code: 90}\ncpu: {model: sub/dir.cost}\n",
		   "t.yaml:5:14: cpu.model: cannot read 'sub/dir.cost': No such file or directory");
}

Test(scenario_load, bundled_cost_model_name_is_kept_as_given)
{
	/* no '/' and no .cost suffix: a bundled model, resolved by the run stage */
	struct scenario *sc = load(HEAD "guest: {base: 0x1000, code: 90}\ncpu: {model: sandybridge}\n");
	cr_assert_not_null(sc, "%s", err);
	cr_assert_str_eq(sc->cost_model, "sandybridge");
	cr_assert_eq(sc->cost_model_pos.line, 5);
	cr_assert_eq(sc->cost_model_pos.col, 14);
	scenario_free(sc);
}
