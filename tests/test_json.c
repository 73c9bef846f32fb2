/* test_json.c - the JSON writer (escapes, UTF-8, pretty output, misuse)
 * and reader (round trip, escapes, floats, positions, nesting limit). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/render/json.h"
#include "tests/harness.h"

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
