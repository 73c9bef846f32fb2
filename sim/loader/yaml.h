/* yaml.h - the YAML plumbing under the scenario loader: one libyaml
 * document, the source position of every node, typed getters and key checks.
 *
 * What a key means is not known here (that is scenario*.c); what is known is
 * how a value is spelled and where it is.  The first problem found ends the
 * walk: y_failp() writes one "FILE:LINE:COL: message" line and longjmps back
 * into y_run(), so every getter either returns a valid value or does not
 * return.  Whatever the walk allocated must be reachable from y->user (or
 * parked in y->tmp, which is freed on the way out).
 *
 * Rules that hold everywhere:
 *   - integers are plain scalars: decimal or 0x hex, '_' between digits,
 *     at most 64 bits, never negative; booleans are plain true/false;
 *   - positions are 1-based line:column of the offending node (the key for
 *     unknown/duplicate keys, the value for bad values, the enclosing
 *     mapping for missing keys). */
#ifndef HVSIM_LOADER_YAML_H
#define HVSIM_LOADER_YAML_H
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "sim/loader/scenario.h"       /* struct srcpos */

#define Y_MAX_EXPANSION (256u << 20)   /* hex/asm text consumed, aliases included */

/* One YAML text being walked. */
struct ydoc {
	const char *file;              /* name used in messages */
	const char *buf;               /* the YAML text */
	size_t len;
	size_t *lines;                 /* byte offset of each line's start */
	size_t nlines;
	yaml_parser_t parser;
	bool have_parser;
	yaml_document_t doc;
	bool have_doc;
	char *err;
	size_t errsize;
	jmp_buf jb;
	void *tmp;                     /* scratch freed on any exit */
	uint64_t expanded;             /* text consumed by y_budget() */
	void *user;                    /* what the walk builds (the struct scenario) */
};

/* ---- loading ---------------------------------------------------------------- */

/* Set up `y` over buf[0..len) (not copied); messages go to err.  Returns -1
 * when out of memory (y_close() is still safe). */
int y_open(struct ydoc *y, const char *file, const char *buf, size_t len,
	   char *err, size_t errsize);
/* Parse exactly one document and call walk(y, root).  Returns 0, or -1 when
 * the text or the walk failed (y->err holds the line). */
int y_run(struct ydoc *y, void (*walk)(struct ydoc *y, yaml_node_t *root));
/* Free the parser, the document, the line table and y->tmp. */
void y_close(struct ydoc *y);

/* ---- positions and errors ---------------------------------------------------- */

static inline struct srcpos y_pos(const yaml_node_t *n)
{
	return (struct srcpos){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static inline bool y_pos_before(struct srcpos a, struct srcpos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* Source position of byte `target` of a scalar's value.  Exact for plain and
 * quoted single-line scalars and for literal blocks; a close approximation
 * for folded text and escapes. */
struct srcpos y_map_offset(const struct ydoc *y, const yaml_node_t *n, size_t target);

/* End the walk with "FILE:LINE:COL: message" (control characters blanked). */
__attribute__((noreturn, format(printf, 3, 4)))
void y_failp(struct ydoc *y, struct srcpos p, const char *fmt, ...);
#define y_fail(y, n, ...) y_failp((y), y_pos(n), __VA_ARGS__)

/* calloc/strndup that end the walk with "out of memory". */
void *y_calloc(struct ydoc *y, size_t n, size_t size);
char *y_strndup(struct ydoc *y, const char *s, size_t n);

/* At most 60 bytes of s (cut at a character boundary, "..." appended), for
 * messages; returns buf. */
const char *y_shown(const char *s, size_t len, char *buf, size_t size);

/* ---- nodes ------------------------------------------------------------------- */

static inline bool y_is_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE;
}

static inline const char *y_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static inline size_t y_slen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

static inline bool y_is_plain(const yaml_node_t *n)
{
	return y_is_scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A scalar whose value is exactly s. */
static inline bool y_is(const yaml_node_t *n, const char *s)
{
	return y_is_scalar(n) && y_slen(n) == strlen(s) && !memcmp(y_sval(n), s, y_slen(n));
}

static inline bool y_is_null(const yaml_node_t *n)
{
	return y_is_plain(n) && (y_slen(n) == 0 || y_is(n, "~") || y_is(n, "null") ||
				 y_is(n, "Null") || y_is(n, "NULL"));
}

/* "a mapping", "a list", "'text'", "an empty value" */
const char *y_describe(const yaml_node_t *n, char *buf, size_t size);

static inline yaml_node_t *y_node(struct ydoc *y, int i)
{
	return yaml_document_get_node(&y->doc, i);
}

#define Y_FOR_PAIRS(m, p) \
	for (yaml_node_pair_t *p = (m)->data.mapping.pairs.start; p < (m)->data.mapping.pairs.top; p++)
#define Y_FOR_ITEMS(s, it) \
	for (yaml_node_item_t *it = (s)->data.sequence.items.start; it < (s)->data.sequence.items.top; it++)

static inline size_t y_nitems(const yaml_node_t *s)
{
	return (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
}

static inline size_t y_npairs(const yaml_node_t *m)
{
	return (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

/* The value of `key` in mapping `map` (and its key node), or NULL. */
yaml_node_t *y_find(struct ydoc *y, yaml_node_t *map, const char *key, yaml_node_t **keynode);

/* "parent.key" ("key" at the top level) and "parent[i]", for messages. */
void y_subpath(char *out, size_t n, const char *parent, const char *key);
void y_idxpath(char *out, size_t n, const char *parent, size_t i);

/* ---- structure checks -------------------------------------------------------- */

/* Every key is a scalar, known (if `allowed`, a NULL-terminated list; an
 * unknown one gets a did-you-mean hint) and unique.  `path` is "" at the top
 * level. */
void y_check_keys(struct ydoc *y, yaml_node_t *map, const char *path, const char *const *allowed);
void y_need_map(struct ydoc *y, yaml_node_t *n, const char *path);
void y_need_seq(struct ydoc *y, yaml_node_t *n, const char *path);
void y_require(struct ydoc *y, yaml_node_t *map, const char *path, const char *key);

/* ---- typed values ------------------------------------------------------------ */

enum { Y_U_OK, Y_U_BAD, Y_U_NEG, Y_U_OVERFLOW };
/* Decimal or 0x hex, '_' between digits; one of Y_U_*. */
int y_parse_uint(const char *s, size_t len, uint64_t *out);

uint64_t y_get_uint(struct ydoc *y, yaml_node_t *n, const char *path);
uint64_t y_get_uint_range(struct ydoc *y, yaml_node_t *n, const char *path, uint64_t lo, uint64_t hi);
bool y_get_bool(struct ydoc *y, yaml_node_t *n, const char *path);
/* A non-empty scalar without NUL characters; `what` names it in messages. */
const char *y_get_text(struct ydoc *y, yaml_node_t *n, const char *path, const char *what);
char *y_get_string(struct ydoc *y, yaml_node_t *n, const char *path);
/* Letters, digits, '_', '.' and '-'. */
bool y_ident_ok(const char *s, size_t len);
char *y_get_ident(struct ydoc *y, yaml_node_t *n, const char *path);
/* Index of the value in the NULL-terminated `choices`. */
int y_get_choice(struct ydoc *y, yaml_node_t *n, const char *path, const char *const *choices);
/* Count `len` bytes of code/data text against Y_MAX_EXPANSION. */
void y_budget(struct ydoc *y, yaml_node_t *n, size_t len);
/* Hex bytes "0f 23 c0" / "0f23c0" (at most `max` bytes) into a new buffer
 * *out (left NULL when empty). */
void y_get_hex(struct ydoc *y, yaml_node_t *n, const char *path, uint64_t max,
	       uint8_t **out, size_t *outlen);

#endif
