/* json.h - a tiny deterministic JSON writer and a minimal reader.
 *
 * The writer produces the same bytes for the same calls: keys come out in
 * the order they are written, numbers are plain integers (u64 or i64, no
 * floating point), strings are escaped per RFC 8259 (", \, control
 * characters; invalid UTF-8 bytes become U+FFFD so the output is always
 * valid JSON).  Indentation is two spaces per level; empty containers are
 * written as {} and [].
 *
 * The reader parses a whole document into a tree.  It accepts standard JSON
 * (RFC 8259) with a nesting limit and keeps integers exact: a number without
 * fraction or exponent that fits in 64 bits is available as u64 (or i64 if
 * negative).  It is meant for reading back hvsim's own result files. */
#ifndef HVSIM_SIM_JSON_H
#define HVSIM_SIM_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- writer ----------------------------------------------------------- */

#define JSON_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	int depth;                     /* current nesting */
	int indent;                    /* spaces per level; 0 = compact, one line */
	bool pending_key;              /* a key was written, its value comes next */
	unsigned nitems[JSON_MAX_DEPTH + 1];  /* items written at each level */
	bool is_obj[JSON_MAX_DEPTH + 1];      /* level is an object (else array) */
	int err;                       /* sticky: misuse or nesting too deep */
};

void jw_init(struct json_writer *w, FILE *f, int indent);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);      /* NULL writes null */
void jw_u64(struct json_writer *w, uint64_t v);
void jw_i64(struct json_writer *w, int64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Shorthands for "key": value inside an object. */
void jw_kv_string(struct json_writer *w, const char *key, const char *s);
void jw_kv_u64(struct json_writer *w, const char *key, uint64_t v);
void jw_kv_i64(struct json_writer *w, const char *key, int64_t v);
/* End the document (a newline after the top-level value).  Returns 0, or -1
 * if the calls were unbalanced or the stream reported an error. */
int jw_finish(struct json_writer *w);

/* Write `s` as a quoted, escaped JSON string. */
void json_write_escaped(FILE *f, const char *s);

/* ---- reader ----------------------------------------------------------- */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	bool b;                        /* JSON_BOOL */
	/* JSON_NUMBER: `d` always; `u`/`i` exact when is_int (integer syntax
	 * that fits: u64 for non-negative, i64 for negative values) */
	bool is_int, is_neg;
	uint64_t u;
	int64_t i;
	double d;
	char *s;                       /* JSON_STRING (UTF-8, NUL-terminated; may contain \0 if escaped) */
	size_t slen;
	/* JSON_ARRAY / JSON_OBJECT: n items; keys[] for objects (document order) */
	struct json_value *items;
	char **keys;
	size_t n;
};

#define JSON_PARSE_MAX_DEPTH 256

/* Parse a document.  Returns NULL on error with "LINE:COL: message" in err. */
struct json_value *json_parse(const char *buf, size_t len, char *err, size_t errsize);
void json_free(struct json_value *v);
/* Member of an object by key (first match), NULL if absent or not an object. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* Follow a dotted path of object keys ("exits.by_reason.DR_ACCESS"). */
const struct json_value *json_path(const struct json_value *root, const char *path);

#endif
