/* scenario.c - load and validate a scenario file (format version 1).
 *
 * The YAML is loaded with libyaml's document API, then walked against the
 * schema documented in scenarios/README.md.  The first problem found ends the
 * load with one "FILE:LINE:COL: message" line; the walk unwinds with longjmp
 * and everything allocated so far is reachable from the partially built
 * struct scenario, which scenario_free() releases.
 *
 * Rules that hold everywhere:
 *   - unknown and duplicate keys are errors;
 *   - integers are plain scalars: decimal or 0x hex, '_' between digits,
 *     at most 64 bits, never negative; booleans are plain true/false;
 *   - positions are 1-based line:column of the offending node (the key for
 *     unknown/duplicate keys, the value for bad values, the enclosing
 *     mapping for missing keys). */
#define _GNU_SOURCE
#include "sim/loader/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "sim/loader/asm.h"

#define MAX_FILE_SIZE   (256u << 20)
#define MAX_CODE_SIZE   (16u << 20)    /* per code block (guest code, each snippet) */
#define MAX_REGION_SIZE (16u << 20)    /* per guest data region */
#define MAX_DATA_TOTAL  (64u << 20)    /* all guest data regions together */
#define MAX_EXPANSION   (256u << 20)   /* hex/asm text consumed, aliases included */
#define ADDR32_LIMIT    0x100000000ULL
#define CANON_LOW_END   0x0000800000000000ULL
#define CANON_HIGH      0xffff800000000000ULL

typedef yaml_node_t node_t;

struct ctx {
	const char *file;              /* name used in messages */
	const char *buf;               /* the YAML text */
	size_t len;
	size_t *lines;                 /* byte offset of each line's start */
	size_t nlines;
	yaml_parser_t parser;
	bool have_parser;
	yaml_document_t doc;
	bool have_doc;
	struct scenario *sc;
	char *err;
	size_t errsize;
	jmp_buf jb;
	void *tmp;                     /* scratch freed on any exit */
	uint64_t data_total;
	uint64_t expanded;
};

/* ================================================================ positions */

static struct srcpos npos(const node_t *n)
{
	return (struct srcpos){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static bool pos_before(struct srcpos a, struct srcpos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static size_t brk_len(const struct ctx *c, size_t i)
{
	const unsigned char *b = (const unsigned char *)c->buf;
	if (b[i] == '\n')
		return 1;
	if (b[i] == '\r')
		return i + 1 < c->len && b[i + 1] == '\n' ? 2 : 1;
	if (b[i] == 0xc2 && i + 1 < c->len && b[i + 1] == 0x85)
		return 2;   /* NEL */
	if (b[i] == 0xe2 && i + 2 < c->len && b[i + 1] == 0x80 &&
	    (b[i + 2] == 0xa8 || b[i + 2] == 0xa9))
		return 3;   /* LS, PS */
	return 0;
}

static int build_lines(struct ctx *c)
{
	size_t cap = 64, n = 0, i = 0;
	size_t *l = malloc(cap * sizeof *l);
	if (!l)
		return -1;
	if (c->len >= 3 && !memcmp(c->buf, "\xef\xbb\xbf", 3))
		i = 3;
	l[n++] = i;
	while (i < c->len) {
		size_t b = brk_len(c, i);
		if (!b) {
			i++;
			continue;
		}
		i += b;
		if (n == cap) {
			size_t *nl = realloc(l, 2 * cap * sizeof *l);
			if (!nl) {
				free(l);
				return -1;
			}
			l = nl;
			cap *= 2;
		}
		l[n++] = i;
	}
	c->lines = l;
	c->nlines = n;
	return 0;
}

static size_t line_end(const struct ctx *c, size_t ln)
{
	size_t i = c->lines[ln];
	while (i < c->len && !brk_len(c, i))
		i++;
	return i;
}

/* libyaml columns count characters, not bytes. */
static int byte_to_col(const struct ctx *c, size_t ln, size_t off)
{
	int col = 0;
	for (size_t i = c->lines[ln]; i < off && i < c->len; i++)
		if (((unsigned char)c->buf[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static size_t col_to_byte(const struct ctx *c, size_t ln, size_t col)
{
	size_t i = c->lines[ln], e = line_end(c, ln);
	while (i < e && col) {
		i++;
		while (i < e && ((unsigned char)c->buf[i] & 0xc0) == 0x80)
			i++;
		col--;
	}
	return i - c->lines[ln];
}

static size_t lead_spaces(const struct ctx *c, size_t ln, size_t max)
{
	size_t i = c->lines[ln], e = line_end(c, ln), n = 0;
	while (i + n < e && n < max && c->buf[i + n] == ' ')
		n++;
	return n;
}

/* Content indentation of a block scalar (| or >) whose header is on `ln`. */
static size_t block_indent(const struct ctx *c, const node_t *n)
{
	size_t ln = n->start_mark.line;
	size_t h = c->lines[ln] + col_to_byte(c, ln, n->start_mark.column) + 1;
	size_t e = line_end(c, ln);
	for (size_t i = h; i < e && i < h + 2; i++)
		if (c->buf[i] >= '1' && c->buf[i] <= '9')
			return lead_spaces(c, ln, SIZE_MAX) + (size_t)(c->buf[i] - '0');
	for (size_t l = ln + 1; l < c->nlines; l++) {
		size_t sp = lead_spaces(c, l, SIZE_MAX);
		if (c->lines[l] + sp < line_end(c, l))
			return sp;
	}
	return 0;
}

/* Source position of byte `target` of a scalar's value.  Exact for plain and
 * quoted single-line scalars and for literal blocks; a close approximation
 * for folded text and escapes. */
static struct srcpos map_offset(const struct ctx *c, const node_t *n, size_t target)
{
	struct srcpos p = npos(n);
	size_t ln = n->start_mark.line;
	if (n->type != YAML_SCALAR_NODE || ln >= c->nlines)
		return p;
	const char *v = (const char *)n->data.scalar.value;
	size_t vlen = n->data.scalar.length;
	if (target > vlen)
		target = vlen;
	yaml_scalar_style_t st = n->data.scalar.style;
	bool block = st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE;
	size_t indent = 0, s, e;
	if (block) {
		indent = block_indent(c, n);
		if (ln + 1 >= c->nlines)
			return p;
		ln++;
		if (st == YAML_LITERAL_SCALAR_STYLE) {
			size_t k = 0, ls = 0;
			for (size_t i = 0; i < target; i++)
				if (v[i] == '\n') {
					k++;
					ls = i + 1;
				}
			size_t L = ln + k;
			if (L >= c->nlines)
				return p;
			size_t off = c->lines[L] + lead_spaces(c, L, indent) + (target - ls);
			size_t le = line_end(c, L);
			if (off > le)
				off = le;
			return (struct srcpos){ (int)L + 1, byte_to_col(c, L, off) + 1 };
		}
		s = c->lines[ln] + lead_spaces(c, ln, indent);
	} else {
		s = c->lines[ln] + col_to_byte(c, ln, n->start_mark.column);
		if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE || st == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			s++;
	}
	e = line_end(c, ln);
	size_t vi = 0;
	while (vi < target) {
		if (s >= e) {
			if (ln + 1 >= c->nlines)
				break;
			ln++;
			s = c->lines[ln];
			e = line_end(c, ln);
			if (block)
				s += lead_spaces(c, ln, indent);
			else
				while (s < e && (c->buf[s] == ' ' || c->buf[s] == '\t'))
					s++;
			continue;
		}
		char sch = c->buf[s], vch = v[vi];
		if (sch == vch) {
			s++;
			vi++;
			continue;
		}
		if (st == YAML_DOUBLE_QUOTED_SCALAR_STYLE && sch == '\\') {
			s++;
			if (s >= e)
				continue;           /* escaped line break */
			char x = c->buf[s];
			s += x == 'x' ? 3 : x == 'u' ? 5 : x == 'U' ? 9 : 1;
			if (s > e)
				s = e;
			vi++;
			continue;
		}
		if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE && sch == '\'') {
			s++;
			continue;
		}
		if (vch == ' ' || vch == '\n') {
			vi++;                       /* produced by line folding */
			continue;
		}
		s++;
	}
	return (struct srcpos){ (int)ln + 1, byte_to_col(c, ln, s) + 1 };
}

/* ================================================================ errors */

static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void vset_err(struct ctx *c, struct srcpos p, const char *fmt, va_list ap)
{
	if (!c->err || !c->errsize)
		return;
	int n = snprintf(c->err, c->errsize, "%s:%d:%d: ", c->file, p.line > 0 ? p.line : 1,
			 p.col > 0 ? p.col : 1);
	if (n >= 0 && (size_t)n < c->errsize)
		vsnprintf(c->err + n, c->errsize - (size_t)n, fmt, ap);
	one_line(c->err);
}

__attribute__((noreturn, format(printf, 3, 4)))
static void failp(struct ctx *c, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_err(c, p, fmt, ap);
	va_end(ap);
	longjmp(c->jb, 1);
}

#define fail(c, n, ...) failp((c), npos(n), __VA_ARGS__)

static void *xcalloc(struct ctx *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	return p;
}

static char *xstrndup(struct ctx *c, const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	return p;
}

/* At most 60 bytes of s (cut at a character boundary), for messages. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t max = size > 4 ? size - 4 : 0;
	if (max > 60)
		max = 60;
	size_t n = len;
	bool cut = false;
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	memcpy(buf, s, n);
	strcpy(buf + n, cut ? "..." : "");
	return buf;
}

static bool is_scalar(const node_t *n)
{
	return n->type == YAML_SCALAR_NODE;
}

static const char *sval(const node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static size_t slen(const node_t *n)
{
	return n->data.scalar.length;
}

static bool is_plain(const node_t *n)
{
	return is_scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool seq(const node_t *n, const char *s)
{
	return is_scalar(n) && slen(n) == strlen(s) && !memcmp(sval(n), s, slen(n));
}

static bool is_null(const node_t *n)
{
	return is_plain(n) && (slen(n) == 0 || seq(n, "~") || seq(n, "null") ||
			       seq(n, "Null") || seq(n, "NULL"));
}

/* "a mapping", "a list", "'text'", "an empty value" */
static const char *describe(const node_t *n, char *buf, size_t size)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (!is_scalar(n) || is_null(n))
		return "an empty value";
	char tmp[80];
	shown(sval(n), slen(n), tmp, sizeof tmp);
	snprintf(buf, size, "'%s'%s", tmp, is_plain(n) ? "" : " (a quoted string)");
	return buf;
}

/* ================================================================ tree access */

static node_t *N(struct ctx *c, int i)
{
	return yaml_document_get_node(&c->doc, i);
}

#define FOR_PAIRS(m, p) \
	for (yaml_node_pair_t *p = (m)->data.mapping.pairs.start; p < (m)->data.mapping.pairs.top; p++)
#define FOR_ITEMS(s, it) \
	for (yaml_node_item_t *it = (s)->data.sequence.items.start; it < (s)->data.sequence.items.top; it++)

static size_t nitems(const node_t *s)
{
	return (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
}

static size_t npairs(const node_t *m)
{
	return (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

static node_t *find(struct ctx *c, node_t *map, const char *key, node_t **keynode)
{
	FOR_PAIRS(map, p) {
		node_t *k = N(c, p->key);
		if (k && seq(k, key)) {
			if (keynode)
				*keynode = k;
			return N(c, p->value);
		}
	}
	return NULL;
}

static void subpath(char *out, size_t n, const char *parent, const char *key)
{
	if (parent[0])
		snprintf(out, n, "%s.%s", parent, key);
	else
		snprintf(out, n, "%s", key);
}

static void idxpath(char *out, size_t n, const char *parent, size_t i)
{
	snprintf(out, n, "%s[%zu]", parent, i);
}

static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[34];
	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

struct keyref {
	const char *s;
	size_t len;
	size_t idx;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->s, y->s, n);
	if (r)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Every key is a scalar, known (if `allowed`) and unique. */
static void check_keys(struct ctx *c, node_t *map, const char *path, const char *const *allowed)
{
	char b1[128], b2[80];
	FOR_PAIRS(map, p) {
		node_t *k = N(c, p->key);
		if (!is_scalar(k) || is_null(k))
			fail(c, k, "expected a plain key in %s, got %s", path[0] ? path : "the top level",
			     describe(k, b1, sizeof b1));
		if (strlen(sval(k)) != slen(k))
			fail(c, k, "key in %s contains a NUL character", path[0] ? path : "the top level");
		if (!allowed)
			continue;
		bool ok = false;
		const char *near = NULL;
		for (const char *const *a = allowed; *a; a++) {
			if (seq(k, *a)) {
				ok = true;
				break;
			}
			size_t d = edit_distance(sval(k), slen(k), *a, strlen(*a));
			if (!near && d <= 2 && d < strlen(*a))
				near = *a;
		}
		if (ok)
			continue;
		char hint[96] = "";
		node_t *asmn = find(c, map, "asm", NULL);
		if (asmn && is_scalar(asmn) && asmn->data.scalar.style == YAML_LITERAL_SCALAR_STYLE &&
		    pos_before(npos(asmn), npos(k)))
			snprintf(hint, sizeof hint, " (an asm label? indent it like the rest of the asm text)");
		else if (near)
			snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
		shown(sval(k), slen(k), b2, sizeof b2);
		if (path[0])
			fail(c, k, "unknown key '%s' in %s%s", b2, path, hint);
		fail(c, k, "unknown key '%s'%s", b2, hint);
	}
	size_t n = npairs(map);
	if (n < 2)
		return;
	struct keyref *r = xcalloc(c, n, sizeof *r);
	c->tmp = r;
	size_t i = 0;
	FOR_PAIRS(map, p) {
		node_t *k = N(c, p->key);
		r[i] = (struct keyref){ sval(k), slen(k), i };
		i++;
	}
	qsort(r, n, sizeof *r, keyref_cmp);
	size_t dup = SIZE_MAX, first = 0;
	for (i = 1; i < n; i++) {
		if (r[i].len == r[i - 1].len && !memcmp(r[i].s, r[i - 1].s, r[i].len) &&
		    r[i].idx < dup) {
			dup = r[i].idx;
			/* the group's first occurrence */
			size_t j = i - 1;
			while (j > 0 && r[j - 1].len == r[i].len && !memcmp(r[j - 1].s, r[i].s, r[i].len))
				j--;
			first = r[j].idx;
		}
	}
	free(r);
	c->tmp = NULL;
	if (dup == SIZE_MAX)
		return;
	yaml_node_pair_t *pp = map->data.mapping.pairs.start;
	node_t *k = N(c, pp[dup].key), *k0 = N(c, pp[first].key);
	struct srcpos p0 = npos(k0);
	shown(sval(k), slen(k), b2, sizeof b2);
	if (path[0])
		fail(c, k, "duplicate key '%s' in %s (first given at %d:%d)", b2, path, p0.line, p0.col);
	fail(c, k, "duplicate key '%s' (first given at %d:%d)", b2, p0.line, p0.col);
}

static void need_map(struct ctx *c, node_t *n, const char *path)
{
	char b[128];
	if (n->type != YAML_MAPPING_NODE)
		fail(c, n, "expected a mapping for %s, got %s", path, describe(n, b, sizeof b));
}

static void need_seq(struct ctx *c, node_t *n, const char *path)
{
	char b[128];
	if (n->type != YAML_SEQUENCE_NODE)
		fail(c, n, "expected a list for %s, got %s", path, describe(n, b, sizeof b));
}

static void require(struct ctx *c, node_t *map, const char *path, const char *key)
{
	if (find(c, map, key, NULL))
		return;
	if (path[0])
		fail(c, map, "missing required key '%s' in %s", key, path);
	fail(c, map, "missing required key '%s'", key);
}

/* ================================================================ values */

enum { U_OK, U_BAD, U_NEG, U_OVERFLOW };

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_uint(const char *s, size_t len, uint64_t *out)
{
	if (len == 0)
		return U_BAD;
	if (s[0] == '-')
		return len > 1 && s[1] >= '0' && s[1] <= '9' ? U_NEG : U_BAD;
	unsigned base = 10;
	size_t i = 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	uint64_t v = 0;
	bool overflow = false, prev_digit = false;
	for (; i < len; i++) {
		if (s[i] == '_') {
			if (!prev_digit || i + 1 == len)
				return U_BAD;
			prev_digit = false;
			continue;
		}
		int d = hexval(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return U_BAD;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		else
			v = v * base + (unsigned)d;
		prev_digit = true;
	}
	if (!prev_digit)
		return U_BAD;
	if (overflow)
		return U_OVERFLOW;
	*out = v;
	return U_OK;
}

static uint64_t get_uint(struct ctx *c, node_t *n, const char *path)
{
	char b[128];
	uint64_t v = 0;
	if (!is_plain(n) || is_null(n))
		fail(c, n, "expected an unsigned integer for %s, got %s", path, describe(n, b, sizeof b));
	switch (parse_uint(sval(n), slen(n), &v)) {
	case U_OK:
		return v;
	case U_NEG:
		fail(c, n, "expected an unsigned integer for %s, got %s (negative values are not allowed)",
		     path, describe(n, b, sizeof b));
	case U_OVERFLOW:
		fail(c, n, "%s is out of range: %s does not fit in 64 bits", path,
		     describe(n, b, sizeof b));
	default:
		fail(c, n, "expected an unsigned integer for %s, got %s", path, describe(n, b, sizeof b));
	}
}

static uint64_t get_uint_range(struct ctx *c, node_t *n, const char *path, uint64_t lo, uint64_t hi)
{
	uint64_t v = get_uint(c, n, path);
	if (hi == UINT64_MAX && v < lo)
		fail(c, n, "%s must be at least %" PRIu64 ", got %" PRIu64, path, lo, v);
	if (v < lo || v > hi)
		fail(c, n, "%s must be between %" PRIu64 " and %" PRIu64 ", got %" PRIu64, path, lo, hi, v);
	return v;
}

static bool get_bool(struct ctx *c, node_t *n, const char *path)
{
	char b[128];
	if (is_plain(n) && seq(n, "true"))
		return true;
	if (is_plain(n) && seq(n, "false"))
		return false;
	fail(c, n, "expected true or false for %s, got %s", path, describe(n, b, sizeof b));
}

/* A non-empty scalar without NUL characters. */
static const char *get_text(struct ctx *c, node_t *n, const char *path, const char *what)
{
	char b[128];
	if (!is_scalar(n) || is_null(n))
		fail(c, n, "expected %s for %s, got %s", what, path, describe(n, b, sizeof b));
	if (strlen(sval(n)) != slen(n))
		fail(c, n, "%s contains a NUL character", path);
	return sval(n);
}

static char *get_string(struct ctx *c, node_t *n, const char *path)
{
	const char *s = get_text(c, n, path, "a string");
	return xstrndup(c, s, slen(n));
}

static bool ident_ok(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

static char *get_ident(struct ctx *c, node_t *n, const char *path)
{
	char b[128];
	const char *s = get_text(c, n, path, "a name");
	if (!ident_ok(s, slen(n)))
		fail(c, n, "invalid name %s for %s: use only letters, digits, '_', '.' and '-'", describe(n, b, sizeof b), path);
	return xstrndup(c, s, slen(n));
}

static int get_choice(struct ctx *c, node_t *n, const char *path, const char *const *choices)
{
	char b[128], list[160] = "";
	size_t used = 0;
	for (int i = 0; choices[i]; i++) {
		if (is_scalar(n) && seq(n, choices[i]))
			return i;
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
		if (used >= sizeof list)
			used = sizeof list - 1;
	}
	fail(c, n, "expected one of %s for %s, got %s", list, path, describe(n, b, sizeof b));
}

static void budget(struct ctx *c, node_t *n, size_t len)
{
	c->expanded += len;
	if (c->expanded > MAX_EXPANSION)
		fail(c, n, "scenario too large: code and data text (aliases expanded) exceeds %u MiB",
		     MAX_EXPANSION >> 20);
}

static bool is_hex_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Hex bytes "0f 23 c0" / "0f23c0": runs of digits of even length, separated
 * by optional whitespace.  Writes into *out (attached to the scenario before
 * anything else can fail). */
static void decode_hex(struct ctx *c, node_t *n, const char *path, uint64_t max,
		       uint8_t **out, size_t *outlen)
{
	const char *v = get_text(c, n, path, "a string of hex bytes");
	size_t len = slen(n), digits = 0;
	budget(c, n, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (is_hex_space(v[i]) || hexval(v[i]) >= 0)
			continue;
		if (ch > 0x20 && ch < 0x7f)
			failp(c, map_offset(c, n, i), "invalid hex digit '%c' in %s%s", ch, path,
			      ch == 'x' || ch == 'X' ? " (write bytes without a 0x prefix)" : "");
		failp(c, map_offset(c, n, i), "invalid hex digit (byte 0x%02x) in %s", ch, path);
	}
	for (size_t i = 0; i < len; ) {
		if (is_hex_space(v[i])) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && hexval(v[i]) >= 0)
			i++;
		if ((i - start) % 2) {
			char b[80];
			failp(c, map_offset(c, n, start),
			      "odd number of hex digits in %s: '%s' has %zu digit%s (write each byte as two digits)",
			      path, shown(v + start, i - start, b, sizeof b), i - start, i - start == 1 ? "" : "s");
		}
		digits += i - start;
	}
	if (digits / 2 > max)
		fail(c, n, "%s is out of range: %zu bytes (at most %" PRIu64 " MiB)", path, digits / 2, max >> 20);
	*outlen = digits / 2;
	if (!*outlen)
		return;
	uint8_t *b = xcalloc(c, digits / 2, 1);
	*out = b;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (is_hex_space(v[i]))
			continue;
		b[k / 2] = (uint8_t)(b[k / 2] << 4 | hexval(v[i]));
		k++;
	}
}

/* ================================================================ addresses */

static void check_addr(struct ctx *c, node_t *n, const char *what, uint64_t addr, int mode)
{
	if (mode == 32 && addr >= ADDR32_LIMIT)
		fail(c, n, "%s 0x%" PRIx64 " is out of range for 32-bit mode (must be below 0x100000000)",
		     what, addr);
	if (mode == 64 && addr >= CANON_LOW_END && addr < CANON_HIGH)
		fail(c, n, "%s 0x%" PRIx64 " is out of range: not a canonical 64-bit address", what, addr);
}

static void check_span(struct ctx *c, node_t *n, const char *what, uint64_t addr, uint64_t size,
		       int mode)
{
	check_addr(c, n, what, addr, mode);
	if (!size)
		return;
	uint64_t last = addr + size - 1;
	if (last < addr)
		fail(c, n, "%s 0x%" PRIx64 "+0x%" PRIx64 " is out of range: it wraps around the address space",
		     what, addr, size);
	if (mode == 32 && last >= ADDR32_LIMIT)
		fail(c, n, "%s 0x%" PRIx64 "-0x%" PRIx64 " is out of range for 32-bit mode "
		     "(must end at or below 0x100000000)", what, addr, last);
	if (mode == 64 && addr < CANON_LOW_END && last >= CANON_LOW_END)
		fail(c, n, "%s 0x%" PRIx64 "-0x%" PRIx64 " is out of range: it crosses into "
		     "non-canonical addresses", what, addr, last);
}

struct range {
	uint64_t lo, hi;               /* inclusive */
	struct srcpos pos;
	char what[96];
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return pos_before(x->pos, y->pos) ? -1 : pos_before(y->pos, x->pos);
}

/* No two ranges overlap; the error is reported at the later one in the file. */
static void check_overlaps(struct ctx *c, struct range *r, size_t n)
{
	if (n < 2)
		return;
	qsort(r, n, sizeof *r, range_cmp);
	size_t top = 0;                 /* range with the highest end so far */
	for (size_t i = 1; i < n; i++) {
		if (r[i].lo <= r[top].hi) {
			struct range *a = &r[top], *b = &r[i];
			if (pos_before(b->pos, a->pos)) {
				struct range *t = a;
				a = b;
				b = t;
			}
			struct range A = *a, B = *b;   /* c->tmp is freed on the way out */
			failp(c, B.pos, "%s (0x%" PRIx64 "-0x%" PRIx64 ") overlaps %s (0x%" PRIx64 "-0x%" PRIx64
			      ", at %d:%d)", B.what, B.lo, B.hi, A.what, A.lo, A.hi, A.pos.line, A.pos.col);
		}
		if (r[i].hi > r[top].hi)
			top = i;
	}
}

/* ================================================================ code blocks */

static size_t line_offset(const char *text, int k)
{
	size_t off = 0;
	for (int l = 1; l < k; l++) {
		const char *nl = strchr(text + off, '\n');
		if (!nl)
			break;
		off = (size_t)(nl - text) + 1;
	}
	return off;
}

/* `asm` or `code` of the mapping `map` (guest, a snippet) at `base`. */
static void parse_code(struct ctx *c, node_t *map, const char *path, int mode, uint64_t base,
		       node_t *base_node, struct code_block *cb)
{
	node_t *kasm = NULL, *kcode = NULL;
	node_t *asmn = find(c, map, "asm", &kasm);
	node_t *coden = find(c, map, "code", &kcode);
	char p[128];
	if (asmn && coden)
		fail(c, pos_before(npos(kasm), npos(kcode)) ? kcode : kasm,
		     "%s has both 'asm' and 'code': use exactly one", path);
	if (!asmn && !coden)
		fail(c, map, "%s needs exactly one of 'asm' or 'code'", path);
	cb->base = base;
	if (coden) {
		subpath(p, sizeof p, path, "code");
		cb->pos = npos(coden);
		decode_hex(c, coden, p, MAX_CODE_SIZE, &cb->bytes, &cb->size);
		if (!cb->size)
			fail(c, coden, "%s: no code (the hex string is empty)", p);
	} else {
		subpath(p, sizeof p, path, "asm");
		const char *text = get_text(c, asmn, p, "assembly text");
		budget(c, asmn, slen(asmn));
		cb->pos = npos(asmn);
		cb->asm_text = xstrndup(c, text, slen(asmn));
		struct srcpos first = map_offset(c, asmn, 0);
		cb->asm_first_line = first.line;
		cb->asm_first_col = first.col;
		char msg[512];
		int k = 0;
		if (asm_assemble(text, mode, base, cb, &k, msg, sizeof msg)) {
			if (k > 0)
				failp(c, map_offset(c, asmn, line_offset(text, k)), "%s: line %d: %s", p, k, msg);
			fail(c, asmn, "%s: %s", p, msg);
		}
		if (cb->size > MAX_CODE_SIZE)
			fail(c, asmn, "%s is out of range: %zu bytes of code (at most %u MiB)", p, cb->size,
			     MAX_CODE_SIZE >> 20);
	}
	snprintf(p, sizeof p, "%s code", path);
	check_span(c, base_node, p, base, cb->size, mode);
}

static bool block_has(const struct code_block *cb, uint64_t a)
{
	return cb->size && a >= cb->base && a - cb->base < cb->size;
}

/* ================================================================ sections */

static const char *const vendor_names[] = { "none", "vmx", "svm", "both", NULL };

const char *scenario_vendor_name(enum vendor v)
{
	return (unsigned)v < 4 ? vendor_names[v] : "none";
}

static void parse_string_list(struct ctx *c, node_t *n, const char *path, bool ident,
			      char ***out, size_t *nout)
{
	need_seq(c, n, path);
	size_t cnt = nitems(n);
	*out = xcalloc(c, cnt, sizeof **out);
	char p[128];
	size_t i = 0;
	FOR_ITEMS(n, it) {
		idxpath(p, sizeof p, path, i);
		node_t *e = N(c, *it);
		(*out)[i] = ident ? get_ident(c, e, p) : get_string(c, e, p);
		*nout = ++i;
	}
}

static void parse_policies(struct ctx *c, node_t *n)
{
	struct scenario *sc = c->sc;
	char b[128], p[64];
	if (is_scalar(n) && seq(n, "all")) {
		sc->policies = xcalloc(c, 1, sizeof *sc->policies);
		sc->policy_pos = xcalloc(c, 1, sizeof *sc->policy_pos);
		sc->policies[0] = xstrndup(c, "all", 3);
		sc->policy_pos[0] = npos(n);
		sc->npolicies = 1;
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		fail(c, n, "expected a list of policy names or 'all' for policies, got %s",
		     describe(n, b, sizeof b));
	size_t cnt = nitems(n);
	if (!cnt)
		fail(c, n, "policies is empty: list at least one policy (or write 'policies: all')");
	sc->policies = xcalloc(c, cnt, sizeof *sc->policies);
	sc->policy_pos = xcalloc(c, cnt, sizeof *sc->policy_pos);
	size_t i = 0;
	FOR_ITEMS(n, it) {
		node_t *e = N(c, *it);
		idxpath(p, sizeof p, "policies", i);
		char *name = get_ident(c, e, p);
		sc->policies[i] = name;
		sc->policy_pos[i] = npos(e);
		sc->npolicies = ++i;
		if (!strcmp(name, "all") && cnt > 1)
			fail(c, e, "'all' cannot be combined with other policies");
		for (size_t j = 0; j + 1 < i; j++)
			if (!strcmp(sc->policies[j], name))
				fail(c, e, "duplicate policy '%s' (first given at %d:%d)", name,
				     sc->policy_pos[j].line, sc->policy_pos[j].col);
	}
}

static void parse_variants(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "name", "base", "knobs", NULL };
	struct scenario *sc = c->sc;
	need_seq(c, n, "variants");
	size_t cnt = nitems(n), i = 0;
	sc->variants = xcalloc(c, cnt, sizeof *sc->variants);
	char p[128], q[192];
	FOR_ITEMS(n, it) {
		node_t *m = N(c, *it);
		struct variant *v = &sc->variants[i];
		sc->nvariants = i + 1;
		idxpath(p, sizeof p, "variants", i++);
		need_map(c, m, p);
		check_keys(c, m, p, keys);
		require(c, m, p, "name");
		require(c, m, p, "base");
		v->pos = npos(m);
		node_t *x;
		subpath(q, sizeof q, p, "name");
		x = find(c, m, "name", NULL);
		v->name = get_ident(c, x, q);
		for (size_t j = 0; j + 1 < i; j++)
			if (!strcmp(sc->variants[j].name, v->name))
				fail(c, x, "duplicate variant name '%s' (first given at %d:%d)", v->name,
				     sc->variants[j].pos.line, sc->variants[j].pos.col);
		subpath(q, sizeof q, p, "base");
		v->base = get_ident(c, find(c, m, "base", NULL), q);
		x = find(c, m, "knobs", NULL);
		if (!x)
			continue;
		subpath(q, sizeof q, p, "knobs");
		need_map(c, x, q);
		check_keys(c, x, q, NULL);
		v->knobs = xcalloc(c, npairs(x), sizeof *v->knobs);
		FOR_PAIRS(x, kp) {
			node_t *k = N(c, kp->key), *val = N(c, kp->value);
			struct knob_setting *ks = &v->knobs[v->nknobs++];
			char kq[256];
			ks->pos = npos(k);
			ks->name = get_ident(c, k, q);
			snprintf(kq, sizeof kq, "%s.%s", q, ks->name);
			ks->value = xstrndup(c, get_text(c, val, kq, "a value"), slen(val));
		}
	}
}

static void parse_cpu(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "model", "costs", "rtm", "bus_lock", "decode_assists", NULL };
	struct scenario *sc = c->sc;
	char b[128];
	need_map(c, n, "cpu");
	check_keys(c, n, "cpu", keys);
	node_t *x;
	if ((x = find(c, n, "model", NULL))) {
		const char *m = get_text(c, x, "cpu.model", "a file path");
		sc->cost_model_pos = npos(x);
		const char *slash = strrchr(c->file, '/');
		size_t ml = slen(x);
		bool is_file = memchr(m, '/', ml) || (ml >= 5 && !memcmp(m + ml - 5, ".cost", 5));
		if (!is_file) {
			/* a bundled model name ("default", "sandybridge"): the run stage finds it */
			if (!ident_ok(m, ml))
				fail(c, x, "invalid cost model name %s for cpu.model: use a bundled model name "
				     "or a path to a .cost file", describe(x, b, sizeof b));
			sc->cost_model = xstrndup(c, m, ml);
		} else if (m[0] == '/' || !slash) {
			sc->cost_model = xstrndup(c, m, slen(x));
		} else {
			size_t dl = (size_t)(slash - c->file) + 1;
			sc->cost_model = xcalloc(c, dl + slen(x) + 1, 1);
			memcpy(sc->cost_model, c->file, dl);
			memcpy(sc->cost_model + dl, m, slen(x));
		}
		if (is_file && access(sc->cost_model, R_OK) < 0)
			fail(c, x, "cpu.model: cannot read '%s': %s", sc->cost_model, strerror(errno));
	}
	if ((x = find(c, n, "costs", NULL))) {
		need_map(c, x, "cpu.costs");
		check_keys(c, x, "cpu.costs", NULL);
		sc->costs = xcalloc(c, npairs(x), sizeof *sc->costs);
		FOR_PAIRS(x, kp) {
			node_t *k = N(c, kp->key);
			struct cost_setting *cs = &sc->costs[sc->ncosts++];
			char q[256];
			cs->pos = npos(k);
			cs->name = get_ident(c, k, "cpu.costs");
			snprintf(q, sizeof q, "cpu.costs.%s", cs->name);
			cs->value = get_uint(c, N(c, kp->value), q);
		}
	}
	if ((x = find(c, n, "rtm", NULL)))
		sc->cpu_rtm = get_bool(c, x, "cpu.rtm");
	if ((x = find(c, n, "bus_lock", NULL)))
		sc->cpu_bus_lock = get_bool(c, x, "cpu.bus_lock");
	if ((x = find(c, n, "decode_assists", NULL)))
		sc->decode_assists = get_bool(c, x, "cpu.decode_assists");
}

struct regdef {
	const char *name;
	int group;                     /* registers sharing storage */
	bool is32;                     /* 32-bit name: value must fit 32 bits */
	bool only64;                   /* r8-r15: not in 32-bit mode */
};

static const struct regdef regdefs[] = {
	{ "rax", 0, false, false }, { "rbx", 1, false, false }, { "rcx", 2, false, false },
	{ "rdx", 3, false, false }, { "rsi", 4, false, false }, { "rdi", 5, false, false },
	{ "rbp", 6, false, false }, { "rsp", 7, false, false },
	{ "r8", 8, false, true }, { "r9", 9, false, true }, { "r10", 10, false, true },
	{ "r11", 11, false, true }, { "r12", 12, false, true }, { "r13", 13, false, true },
	{ "r14", 14, false, true }, { "r15", 15, false, true },
	{ "rflags", 16, false, false }, { "cr0", 17, false, false }, { "cr4", 18, false, false },
	{ "eax", 0, true, false }, { "ebx", 1, true, false }, { "ecx", 2, true, false },
	{ "edx", 3, true, false }, { "esi", 4, true, false }, { "edi", 5, true, false },
	{ "ebp", 6, true, false }, { "esp", 7, true, false },
};
#define NREGDEFS (sizeof regdefs / sizeof regdefs[0])

static void parse_regs(struct ctx *c, node_t *n, int mode)
{
	struct scenario *sc = c->sc;
	need_map(c, n, "guest.regs");
	check_keys(c, n, "guest.regs", NULL);
	sc->guest.regs = xcalloc(c, npairs(n), sizeof *sc->guest.regs);
	struct srcpos seen_pos[19];
	const char *seen_name[19];
	for (size_t i = 0; i < 19; i++)
		seen_name[i] = NULL;
	FOR_PAIRS(n, kp) {
		node_t *k = N(c, kp->key);
		char b[80], q[64];
		const struct regdef *rd = NULL;
		for (size_t i = 0; i < NREGDEFS; i++)
			if (seq(k, regdefs[i].name))
				rd = &regdefs[i];
		if (!rd)
			fail(c, k, "unknown register '%s' in guest.regs (valid: rax rbx rcx rdx rsi rdi "
			     "rbp rsp r8-r15 rflags cr0 cr4 eax ebx ecx edx esi edi ebp esp)",
			     shown(sval(k), slen(k), b, sizeof b));
		if (rd->only64 && mode == 32)
			fail(c, k, "register %s does not exist in 32-bit mode (guest.mode is 32)", rd->name);
		if (seen_name[rd->group])
			fail(c, k, "guest.regs: %s and %s are the same register (%s given at %d:%d)",
			     rd->name, seen_name[rd->group], seen_name[rd->group],
			     seen_pos[rd->group].line, seen_pos[rd->group].col);
		seen_name[rd->group] = rd->name;
		seen_pos[rd->group] = npos(k);
		struct reg_init *r = &sc->guest.regs[sc->guest.nregs++];
		r->pos = npos(k);
		r->name = xstrndup(c, rd->name, strlen(rd->name));
		snprintf(q, sizeof q, "guest.regs.%s", rd->name);
		node_t *v = N(c, kp->value);
		r->value = get_uint(c, v, q);
		if ((rd->is32 || mode == 32) && r->value > 0xffffffffULL)
			fail(c, v, "%s is out of range: 0x%" PRIx64 " does not fit in 32 bits", q, r->value);
	}
}

static void parse_limits(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "instructions", "cycles", "on_budget", NULL };
	static const char *const budget_names[] = { "error", "stop", NULL };
	struct scenario *sc = c->sc;
	need_map(c, n, "guest.limits");
	check_keys(c, n, "guest.limits", keys);
	node_t *x;
	if ((x = find(c, n, "instructions", NULL)))
		sc->guest.max_instructions = get_uint_range(c, x, "guest.limits.instructions", 1, UINT64_MAX);
	if ((x = find(c, n, "cycles", NULL)))
		sc->guest.max_cycles = get_uint_range(c, x, "guest.limits.cycles", 1, UINT64_MAX);
	if ((x = find(c, n, "on_budget", NULL)))
		sc->guest.budget_ok = get_choice(c, x, "guest.limits.on_budget", budget_names) == 1;
}

static void parse_data(struct ctx *c, node_t *n, int mode)
{
	static const char *const keys[] = { "addr", "size", "bytes", NULL };
	struct scenario *sc = c->sc;
	need_seq(c, n, "guest.data");
	sc->guest.data = xcalloc(c, nitems(n), sizeof *sc->guest.data);
	size_t i = 0;
	FOR_ITEMS(n, it) {
		node_t *m = N(c, *it);
		struct data_region *r = &sc->guest.data[i];
		sc->guest.ndata = i + 1;
		char p[64], q[96];
		idxpath(p, sizeof p, "guest.data", i++);
		need_map(c, m, p);
		check_keys(c, m, p, keys);
		require(c, m, p, "addr");
		r->pos = npos(m);
		node_t *an = find(c, m, "addr", NULL), *sn = find(c, m, "size", NULL);
		node_t *bn = find(c, m, "bytes", NULL);
		subpath(q, sizeof q, p, "addr");
		r->addr = get_uint(c, an, q);
		check_addr(c, an, q, r->addr, mode);
		if (!sn && !bn)
			fail(c, m, "%s needs 'size' or 'bytes'", p);
		if (bn) {
			subpath(q, sizeof q, p, "bytes");
			decode_hex(c, bn, q, MAX_REGION_SIZE, &r->bytes, &r->nbytes);
			if (!r->nbytes)
				fail(c, bn, "%s is empty", q);
			r->size = r->nbytes;
		}
		if (sn) {
			subpath(q, sizeof q, p, "size");
			r->size = get_uint(c, sn, q);
			if (!r->size)
				fail(c, sn, "%s must be at least 1", q);
			if (r->size > MAX_REGION_SIZE)
				fail(c, sn, "%s 0x%" PRIx64 " is out of range (at most %u MiB per region)",
				     q, r->size, MAX_REGION_SIZE >> 20);
			if (bn && r->nbytes > r->size)
				fail(c, bn, "%s.bytes has %zu bytes, more than its size %" PRIu64, p,
				     r->nbytes, r->size);
		}
		c->data_total += r->size;
		if (c->data_total > MAX_DATA_TOTAL)
			fail(c, m, "%s is out of range: guest data regions exceed %u MiB in total", p,
			     MAX_DATA_TOTAL >> 20);
		check_span(c, an, p, r->addr, r->size, mode);
	}
}

static void parse_guest(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "mode", "base", "asm", "code", "entry", "data", "regs",
					    "limits", NULL };
	struct scenario *sc = c->sc;
	char b[128];
	need_map(c, n, "guest");
	check_keys(c, n, "guest", keys);
	require(c, n, "guest", "base");
	node_t *x;
	sc->guest.mode = 64;
	if ((x = find(c, n, "mode", NULL))) {
		uint64_t m = get_uint(c, x, "guest.mode");
		if (m != 64 && m != 32)
			fail(c, x, "guest.mode must be 64 or 32, got %" PRIu64, m);
		sc->guest.mode = (int)m;
	}
	int mode = sc->guest.mode;
	node_t *bn = find(c, n, "base", NULL);
	uint64_t base = get_uint(c, bn, "guest.base");
	check_addr(c, bn, "guest.base", base, mode);
	parse_code(c, n, "guest", mode, base, bn, &sc->guest.code);
	if ((x = find(c, n, "data", NULL)))
		parse_data(c, x, mode);

	/* code and data must not overlap */
	size_t nr = sc->guest.ndata + 1;
	struct range *r = xcalloc(c, nr, sizeof *r);
	c->tmp = r;
	r[0] = (struct range){ base, base + sc->guest.code.size - 1, sc->guest.code.pos, "" };
	node_t *kc = NULL;
	if (!find(c, n, "asm", &kc))
		find(c, n, "code", &kc);
	r[0].pos = npos(kc);
	snprintf(r[0].what, sizeof r[0].what, "guest code");
	for (size_t i = 0; i < sc->guest.ndata; i++) {
		struct data_region *d = &sc->guest.data[i];
		r[i + 1] = (struct range){ d->addr, d->addr + d->size - 1, d->pos, "" };
		snprintf(r[i + 1].what, sizeof r[i + 1].what, "guest.data[%zu]", i);
	}
	check_overlaps(c, r, nr);
	free(r);
	c->tmp = NULL;

	sc->guest.entry = base;
	if ((x = find(c, n, "entry", NULL))) {
		sc->guest.entry_pos = npos(x);
		if (!is_plain(x) || is_null(x))
			fail(c, x, "expected an address or a label for guest.entry, got %s",
			     describe(x, b, sizeof b));
		char ch = sval(x)[0];
		if ((ch >= '0' && ch <= '9') || ch == '-') {
			sc->guest.entry = get_uint(c, x, "guest.entry");
		} else {
			sc->guest.entry_label = get_string(c, x, "guest.entry");
			if (!scenario_symbol(sc, sc->guest.entry_label, &sc->guest.entry))
				fail(c, x, "unknown label '%s' for guest.entry%s",
				     shown(sval(x), slen(x), b, sizeof b),
				     sc->guest.code.asm_text ? "" : " (code given as hex has no labels)");
		}
		bool inside = block_has(&sc->guest.code, sc->guest.entry);
		for (size_t i = 0; i < sc->guest.ndata && !inside; i++) {
			struct data_region *d = &sc->guest.data[i];
			inside = sc->guest.entry >= d->addr && sc->guest.entry - d->addr < d->size;
		}
		if (!inside)
			fail(c, x, "guest.entry 0x%" PRIx64 " is outside the guest code (0x%" PRIx64
			     "-0x%" PRIx64 ") and data regions", sc->guest.entry, base,
			     base + sc->guest.code.size - 1);
	}
	if ((x = find(c, n, "regs", NULL)))
		parse_regs(c, x, mode);
	if ((x = find(c, n, "limits", NULL)))
		parse_limits(c, x);
}

static void parse_bp(struct ctx *c, node_t *m, const char *path, struct host_bp *bp)
{
	static const char *const keys[] = { "slot", "addr", "type", "len", "kind", NULL };
	static const char *const types[] = { "exec", "write", "rw", NULL };
	static const char *const kinds[] = { "perf", "ptrace", NULL };
	static const enum bp_type type_val[] = { BP_EXEC, BP_WRITE, BP_RW };
	char q[128];
	need_map(c, m, path);
	check_keys(c, m, path, keys);
	require(c, m, path, "slot");
	require(c, m, path, "addr");
	require(c, m, path, "type");
	bp->pos = npos(m);
	subpath(q, sizeof q, path, "slot");
	bp->slot = (int)get_uint_range(c, find(c, m, "slot", NULL), q, 0, 3);
	node_t *an = find(c, m, "addr", NULL);
	subpath(q, sizeof q, path, "addr");
	bp->addr = get_uint(c, an, q);
	check_addr(c, an, q, bp->addr, 64);
	subpath(q, sizeof q, path, "type");
	bp->type = type_val[get_choice(c, find(c, m, "type", NULL), q, types)];
	bp->len = 1;
	node_t *x;
	if ((x = find(c, m, "len", NULL))) {
		subpath(q, sizeof q, path, "len");
		uint64_t l = get_uint(c, x, q);
		if (l != 1 && l != 2 && l != 4 && l != 8)
			fail(c, x, "%s must be 1, 2, 4 or 8, got %" PRIu64, q, l);
		if (bp->type == BP_EXEC && l != 1)
			fail(c, x, "%s must be 1 for an exec breakpoint, got %" PRIu64, q, l);
		bp->len = (unsigned)l;
	}
	if (bp->addr % bp->len)
		fail(c, an, "%s.addr 0x%" PRIx64 " is not aligned to its len %u", path, bp->addr, bp->len);
	bp->kind = BP_PERF;
	if ((x = find(c, m, "kind", NULL))) {
		subpath(q, sizeof q, path, "kind");
		bp->kind = get_choice(c, x, q, kinds) ? BP_PTRACE : BP_PERF;
	}
}

static void parse_snippets(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "name", "base", "asm", "code", NULL };
	struct scenario *sc = c->sc;
	need_seq(c, n, "host.snippets");
	size_t cnt = nitems(n), i = 0;
	sc->host.snippets = xcalloc(c, cnt, sizeof *sc->host.snippets);
	FOR_ITEMS(n, it) {
		node_t *m = N(c, *it);
		struct host_snippet *s = &sc->host.snippets[i];
		sc->host.nsnippets = i + 1;
		char p[64], q[96];
		idxpath(p, sizeof p, "host.snippets", i++);
		need_map(c, m, p);
		check_keys(c, m, p, keys);
		require(c, m, p, "name");
		require(c, m, p, "base");
		subpath(q, sizeof q, p, "name");
		node_t *nn = find(c, m, "name", NULL);
		s->name = get_ident(c, nn, q);
		for (size_t j = 0; j + 1 < i; j++) {
			if (strcmp(sc->host.snippets[j].name, s->name))
				continue;
			struct srcpos fp = npos(find(c, N(c, n->data.sequence.items.start[j]), "name", NULL));
			fail(c, nn, "duplicate snippet name '%s' (first given at %d:%d)", s->name,
			     fp.line, fp.col);
		}
		node_t *bn = find(c, m, "base", NULL);
		subpath(q, sizeof q, p, "base");
		uint64_t base = get_uint(c, bn, q);
		check_addr(c, bn, q, base, 64);
		parse_code(c, m, p, 64, base, bn, &s->code);
	}
	struct range *r = xcalloc(c, cnt, sizeof *r);
	c->tmp = r;
	for (i = 0; i < cnt; i++) {
		struct host_snippet *s = &sc->host.snippets[i];
		r[i] = (struct range){ s->code.base, s->code.base + s->code.size - 1, s->code.pos, "" };
		snprintf(r[i].what, sizeof r[i].what, "host.snippets[%zu] '%.40s'", i, s->name);
	}
	check_overlaps(c, r, cnt);
	free(r);
	c->tmp = NULL;
}

static void parse_events(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "exit", "every_exit", "start", "run", "install",
					    "remove", "touch", "set_cr3", NULL };
	static const char *const touch_keys[] = { "addr", "size", "write", NULL };
	struct scenario *sc = c->sc;
	need_seq(c, n, "host.events");
	sc->host.events = xcalloc(c, nitems(n), sizeof *sc->host.events);
	size_t i = 0;
	FOR_ITEMS(n, it) {
		node_t *m = N(c, *it);
		struct host_event *ev = &sc->host.events[i];
		sc->host.nevents = i + 1;
		char p[64], q[96], b[96];
		idxpath(p, sizeof p, "host.events", i++);
		need_map(c, m, p);
		check_keys(c, m, p, keys);
		ev->pos = npos(m);
		ev->snippet = -1;
		ev->slot = -1;

		/* when: exactly one of exit / every_exit / start */
		node_t *wk = NULL, *wv = NULL, *ak = NULL, *av = NULL;
		FOR_PAIRS(m, kp) {
			node_t *k = N(c, kp->key);
			bool is_when = seq(k, "exit") || seq(k, "every_exit") || seq(k, "start");
			node_t **pk = is_when ? &wk : &ak, **pv = is_when ? &wv : &av;
			if (*pk)
				fail(c, k, "%s has both '%s' and '%s': use exactly one %s", p, sval(*pk),
				     sval(k), is_when ? "of 'exit', 'every_exit' or 'start'"
						      : "action ('run', 'install', 'remove', 'touch' or 'set_cr3')");
			*pk = k;
			*pv = N(c, kp->value);
		}
		if (!wk)
			fail(c, m, "%s needs one of 'exit', 'every_exit' or 'start'", p);
		if (!ak)
			fail(c, m, "%s needs an action: one of 'run', 'install', 'remove', 'touch' or 'set_cr3'", p);
		subpath(q, sizeof q, p, sval(wk));
		if (seq(wk, "exit")) {
			ev->when = WHEN_EXIT;
			ev->n = get_uint(c, wv, q);
			if (!ev->n)
				fail(c, wv, "%s must be at least 1 (exits are numbered from 1), got 0", q);
		} else if (seq(wk, "every_exit")) {
			ev->when = WHEN_EVERY_EXIT;
			ev->n = get_uint(c, wv, q);
			if (!ev->n)
				fail(c, wv, "%s must be at least 1, got 0", q);
		} else {
			ev->when = WHEN_START;
			if (!get_bool(c, wv, q))
				fail(c, wv, "%s must be true (remove the event instead)", q);
		}

		subpath(q, sizeof q, p, sval(ak));
		if (seq(ak, "run")) {
			ev->action = HOST_RUN;
			const char *name = get_text(c, av, q, "a snippet name");
			for (size_t j = 0; j < sc->host.nsnippets; j++)
				if (!strcmp(sc->host.snippets[j].name, name))
					ev->snippet = (int)j;
			if (ev->snippet < 0)
				fail(c, av, "unknown snippet '%s' for %s%s", shown(name, slen(av), b, sizeof b),
				     q, sc->host.nsnippets ? "" : " (host.snippets is empty)");
		} else if (seq(ak, "install")) {
			ev->action = HOST_INSTALL_BP;
			parse_bp(c, av, q, &ev->bp);
		} else if (seq(ak, "remove")) {
			ev->action = HOST_REMOVE_BP;
			ev->slot = (int)get_uint_range(c, av, q, 0, 3);
		} else if (seq(ak, "set_cr3")) {
			/* KVM_SET_SREGS from userspace; CR3 bits 63:52 are reserved
			 * (SDM Vol.3 4.5, MAXPHYADDR <= 52). */
			ev->action = HOST_SET_CR3;
			ev->cr3 = get_uint(c, av, q);
			if (ev->cr3 >> 52)
				fail(c, av, "%s 0x%" PRIx64 " sets reserved CR3 bits 63:52", q, ev->cr3);
		} else {
			ev->action = HOST_TOUCH;
			need_map(c, av, q);
			check_keys(c, av, q, touch_keys);
			require(c, av, q, "addr");
			require(c, av, q, "size");
			char r[128];
			node_t *an = find(c, av, "addr", NULL);
			subpath(r, sizeof r, q, "addr");
			ev->addr = get_uint(c, an, r);
			check_addr(c, an, r, ev->addr, 64);
			node_t *sn = find(c, av, "size", NULL);
			subpath(r, sizeof r, q, "size");
			uint64_t s = get_uint(c, sn, r);
			if (s != 1 && s != 2 && s != 4 && s != 8)
				fail(c, sn, "%s must be 1, 2, 4 or 8, got %" PRIu64, r, s);
			ev->size = (unsigned)s;
			node_t *wn = find(c, av, "write", NULL);
			subpath(r, sizeof r, q, "write");
			ev->write = wn ? get_bool(c, wn, r) : false;
		}
	}
}

static void parse_host(struct ctx *c, node_t *n)
{
	static const char *const keys[] = { "breakpoints", "snippets", "events", "timer",
					    "guest_debug", NULL };
	struct scenario *sc = c->sc;
	need_map(c, n, "host");
	check_keys(c, n, "host", keys);
	node_t *x;
	if ((x = find(c, n, "breakpoints", NULL))) {
		need_seq(c, x, "host.breakpoints");
		sc->host.bps = xcalloc(c, nitems(x), sizeof *sc->host.bps);
		size_t i = 0;
		FOR_ITEMS(x, it) {
			char p[64];
			node_t *m = N(c, *it);
			idxpath(p, sizeof p, "host.breakpoints", i);
			struct host_bp *bp = &sc->host.bps[i];
			sc->host.nbps = ++i;
			parse_bp(c, m, p, bp);
			for (size_t j = 0; j + 1 < i; j++)
				if (sc->host.bps[j].slot == bp->slot)
					fail(c, find(c, m, "slot", NULL),
					     "%s.slot: slot %d is already used by host.breakpoints[%zu] (at %d:%d)",
					     p, bp->slot, j, sc->host.bps[j].pos.line, sc->host.bps[j].pos.col);
		}
	}
	if ((x = find(c, n, "snippets", NULL)))
		parse_snippets(c, x);
	if ((x = find(c, n, "events", NULL)))
		parse_events(c, x);
	if ((x = find(c, n, "timer", NULL))) {
		static const char *const tkeys[] = { "period", NULL };
		need_map(c, x, "host.timer");
		check_keys(c, x, "host.timer", tkeys);
		require(c, x, "host.timer", "period");
		sc->host.timer_pos = npos(x);
		sc->host.timer_period = get_uint_range(c, find(c, x, "period", NULL), "host.timer.period",
						       1, UINT64_MAX);
	}
	if ((x = find(c, n, "guest_debug", NULL)))
		sc->host.guest_debug = get_bool(c, x, "host.guest_debug");
}

static void check_selector(struct ctx *c, node_t *k)
{
	static const char *const vends[] = { "vmx", "svm", "none", NULL };
	char b[128];
	const char *s = sval(k);
	size_t len = slen(k);
	const char *at = memchr(s, '@', len);
	size_t nl = at ? (size_t)(at - s) : len;
	bool ok = ident_ok(s, nl);
	const char *vend = NULL;
	for (int i = 0; vends[i] && ok; i++) {
		size_t vl = strlen(vends[i]);
		if (at ? (len - nl - 1 == vl && !memcmp(at + 1, vends[i], vl)) : seq(k, vends[i]))
			vend = vends[i];
	}
	if (!ok || (at && !vend))
		fail(c, k, "invalid expect selector '%s': use all, vmx, svm, none, POLICY or POLICY@VENDOR",
		     shown(s, len, b, sizeof b));
	if (!vend)
		return;
	enum vendor v = c->sc->vendor;
	bool match = vend[0] == 'n' ? v == VENDOR_NONE
		   : vend[0] == 'v' ? (v == VENDOR_VMX || v == VENDOR_BOTH)
				    : (v == VENDOR_SVM || v == VENDOR_BOTH);
	if (match)
		return;
	fail(c, k, "expect.%s: the scenario's vendor is %s, so %s expectations would never be checked",
	     shown(s, len, b, sizeof b), vendor_names[v], vend);
}

static void parse_expect(struct ctx *c, node_t *n)
{
	static const char *const range_keys[] = { "min", "max", NULL };
	struct scenario *sc = c->sc;
	need_map(c, n, "expect");
	check_keys(c, n, "expect", NULL);
	size_t total = 0;
	FOR_PAIRS(n, kp) {
		node_t *k = N(c, kp->key), *v = N(c, kp->value);
		char p[128], b[80];
		check_selector(c, k);
		snprintf(p, sizeof p, "expect.%s", shown(sval(k), slen(k), b, sizeof b));
		need_map(c, v, p);
		check_keys(c, v, p, NULL);
		total += npairs(v);
	}
	sc->expects = xcalloc(c, total, sizeof *sc->expects);
	FOR_PAIRS(n, kp) {
		node_t *k = N(c, kp->key), *v = N(c, kp->value);
		FOR_PAIRS(v, fp) {
			node_t *fk = N(c, fp->key), *fv = N(c, fp->value);
			struct expectation *e = &sc->expects[sc->nexpects++];
			char p[256], b[96], b2[80];
			e->pos = npos(fk);
			e->selector = xstrndup(c, sval(k), slen(k));
			e->field = xstrndup(c, sval(fk), slen(fk));
			snprintf(p, sizeof p, "expect.%s.%s", shown(sval(k), slen(k), b, sizeof b),
				 shown(sval(fk), slen(fk), b2, sizeof b2));
			for (size_t i = 0; i < slen(fk); i++)
				if ((unsigned char)e->field[i] <= ' ')
					fail(c, fk, "invalid result field name '%s' in expect.%s",
					     shown(sval(fk), slen(fk), b2, sizeof b2), e->selector);
			if (fv->type == YAML_MAPPING_NODE) {
				check_keys(c, fv, p, range_keys);
				node_t *mn = find(c, fv, "min", NULL), *xn = find(c, fv, "max", NULL);
				if (!mn && !xn)
					fail(c, fv, "%s needs 'min' and/or 'max'", p);
				e->is_range = true;
				char q[300];
				if (mn) {
					snprintf(q, sizeof q, "%s.min", p);
					e->min = get_uint(c, mn, q);
					e->has_min = true;
				}
				if (xn) {
					snprintf(q, sizeof q, "%s.max", p);
					e->max = get_uint(c, xn, q);
					e->has_max = true;
				}
				if (mn && xn && e->min > e->max)
					fail(c, xn, "%s: min %" PRIu64 " is greater than max %" PRIu64, p,
					     e->min, e->max);
			} else if (is_scalar(fv) && !is_null(fv)) {
				char ch = sval(fv)[0];
				if (is_plain(fv) && ((ch >= '0' && ch <= '9') || ch == '-'))
					e->value = get_uint(c, fv, p);
				else
					e->str_value = get_string(c, fv, p);
			} else {
				fail(c, fv, "expected an unsigned integer, a string or {min, max} for %s, got %s",
				     p, describe(fv, b, sizeof b));
			}
		}
	}
}

/* ================================================================ top level */

static void parse_version(struct ctx *c, node_t *root)
{
	char b[128];
	node_t *v = find(c, root, "version", NULL);
	if (!v)
		fail(c, root, "missing required key 'version'");
	if (!is_plain(v) || is_null(v))
		fail(c, v, "expected an unsigned integer for version, got %s", describe(v, b, sizeof b));
	bool neg = sval(v)[0] == '-';
	uint64_t ver = 0;
	int r = parse_uint(sval(v) + neg, slen(v) - neg, &ver);
	if (r == U_BAD)
		fail(c, v, "expected an unsigned integer for version, got %s", describe(v, b, sizeof b));
	if (neg || ver < 1)
		fail(c, v, "unsupported scenario format version %s", shown(sval(v), slen(v), b, sizeof b));
	if (r == U_OVERFLOW || ver > SCENARIO_VERSION)
		fail(c, v, "scenario format version %s is newer than this hvsim supports (%d): "
		     "please upgrade hvsim", shown(sval(v), slen(v), b, sizeof b), SCENARIO_VERSION);
	c->sc->version = (int)ver;
}

static void parse_root(struct ctx *c, node_t *root)
{
	static const char *const keys[] = { "version", "name", "summary", "refs", "groups", "vendor",
					    "policies", "variants", "cpu", "guest", "host", "expect",
					    NULL };
	struct scenario *sc = c->sc;
	char b[128];
	if (root->type != YAML_MAPPING_NODE)
		fail(c, root, "expected a mapping at the top level, got %s", describe(root, b, sizeof b));
	parse_version(c, root);
	check_keys(c, root, "", keys);
	require(c, root, "", "name");
	require(c, root, "", "summary");
	require(c, root, "", "guest");
	sc->name = get_ident(c, find(c, root, "name", NULL), "name");
	sc->summary = get_string(c, find(c, root, "summary", NULL), "summary");
	node_t *x;
	if ((x = find(c, root, "refs", NULL)))
		parse_string_list(c, x, "refs", false, &sc->refs, &sc->nrefs);
	if ((x = find(c, root, "groups", NULL)))
		parse_string_list(c, x, "groups", true, &sc->groups, &sc->ngroups);
	sc->vendor = VENDOR_VMX;
	if ((x = find(c, root, "vendor", NULL))) {
		sc->vendor = (enum vendor)get_choice(c, x, "vendor", vendor_names);
		sc->vendor_pos = npos(x);
	}
	if ((x = find(c, root, "policies", NULL))) {
		parse_policies(c, x);
	} else {
		sc->policies = xcalloc(c, 1, sizeof *sc->policies);
		sc->policy_pos = xcalloc(c, 1, sizeof *sc->policy_pos);
		sc->policies[0] = xstrndup(c, "bp_enabled", 10);
		sc->npolicies = 1;
	}
	if ((x = find(c, root, "variants", NULL)))
		parse_variants(c, x);
	sc->decode_assists = true;
	if ((x = find(c, root, "cpu", NULL)))
		parse_cpu(c, x);
	parse_guest(c, find(c, root, "guest", NULL));
	if ((x = find(c, root, "host", NULL)))
		parse_host(c, x);
	if ((x = find(c, root, "expect", NULL)))
		parse_expect(c, x);
}

/* Position of a libyaml parser error. */
static struct srcpos parser_error_pos(struct ctx *c)
{
	yaml_parser_t *p = &c->parser;
	if (p->error == YAML_READER_ERROR) {
		size_t off = p->problem_offset;
		size_t ln = 0;
		while (ln + 1 < c->nlines && c->lines[ln + 1] <= off)
			ln++;
		if (off > c->len)
			off = c->len;
		return (struct srcpos){ (int)ln + 1, byte_to_col(c, ln, off) + 1 };
	}
	return (struct srcpos){ (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };
}

__attribute__((noreturn))
static void fail_syntax(struct ctx *c)
{
	yaml_parser_t *p = &c->parser;
	struct srcpos pos = parser_error_pos(c);
	if (p->error == YAML_MEMORY_ERROR)
		failp(c, pos, "out of memory");
	const char *problem = p->problem ? p->problem : "unknown error";
	if (p->error == YAML_READER_ERROR && p->problem_value != -1)
		failp(c, pos, "YAML syntax error: %s (byte 0x%02x)", problem, p->problem_value & 0xff);
	if (p->context && p->error != YAML_READER_ERROR)
		failp(c, pos, "YAML syntax error: %s (%s at %d:%d)", problem, p->context,
		      (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	failp(c, pos, "YAML syntax error: %s", problem);
}

static void load(struct ctx *c)
{
	const unsigned char *u = (const unsigned char *)c->buf;
	if (c->len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) || (u[0] == 0xff && u[1] == 0xfe)))
		failp(c, (struct srcpos){ 1, 1 }, "scenario files must be UTF-8 (found a UTF-16 byte order mark)");
	if (!yaml_parser_initialize(&c->parser))
		failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	c->have_parser = true;
	yaml_parser_set_input_string(&c->parser, (const unsigned char *)c->buf, c->len);
	if (!yaml_parser_load(&c->parser, &c->doc))
		fail_syntax(c);
	c->have_doc = true;
	node_t *root = yaml_document_get_root_node(&c->doc);
	if (!root)
		failp(c, (struct srcpos){ 1, 1 }, "empty scenario: expected a mapping with 'version', "
		      "'name', 'summary' and 'guest'");

	/* A scenario is exactly one document. */
	yaml_document_t extra;
	if (!yaml_parser_load(&c->parser, &extra))
		fail_syntax(c);
	node_t *xr = yaml_document_get_root_node(&extra);
	if (xr) {
		struct srcpos p = npos(xr);
		yaml_document_delete(&extra);
		failp(c, p, "a scenario file holds one YAML document, found another one here");
	}
	yaml_document_delete(&extra);

	parse_root(c, root);
}

static int run_load(struct ctx *c)
{
	if (setjmp(c->jb))
		return -1;
	load(c);
	return 0;
}

struct scenario *scenario_load_buf(const char *name, const char *buf, size_t len,
				   char *err, size_t errsize)
{
	struct ctx c = { .file = name ? name : "<scenario>", .buf = buf, .len = len,
			 .err = err, .errsize = errsize };
	if (err && errsize)
		err[0] = 0;
	c.sc = calloc(1, sizeof *c.sc);
	if (!c.sc || build_lines(&c) < 0 || !(c.sc->path = strdup(c.file))) {
		if (err && errsize)
			snprintf(err, errsize, "%s:1:1: out of memory", c.file);
		if (c.sc)
			free(c.sc->path);
		free(c.sc);
		free(c.lines);
		return NULL;
	}
	int rc = run_load(&c);
	free(c.tmp);
	if (c.have_doc)
		yaml_document_delete(&c.doc);
	if (c.have_parser)
		yaml_parser_delete(&c.parser);
	free(c.lines);
	if (rc) {
		scenario_free(c.sc);
		return NULL;
	}
	return c.sc;
}

struct scenario *scenario_load(const char *path, char *err, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (err && errsize)
			snprintf(err, errsize, "%s: cannot open scenario: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= MAX_FILE_SIZE) {
				free(buf);
				fclose(f);
				if (err && errsize)
					snprintf(err, errsize, "%s: scenario file is too large (more than %u MiB)",
						 path, MAX_FILE_SIZE >> 20);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int rd_err = ferror(f) ? errno : 0;
	fclose(f);
	if (!buf || rd_err) {
		free(buf);
		if (err && errsize)
			snprintf(err, errsize, "%s: cannot read scenario: %s", path,
				 buf ? strerror(rd_err) : "out of memory");
		return NULL;
	}
	struct scenario *sc = scenario_load_buf(path, buf, n, err, errsize);
	free(buf);
	return sc;
}

static void free_code(struct code_block *cb)
{
	for (size_t i = 0; i < cb->nsyms; i++)
		free(cb->syms[i].name);
	free(cb->syms);
	free(cb->bytes);
	free(cb->asm_text);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->path);
	free(sc->name);
	free(sc->summary);
	for (size_t i = 0; i < sc->nrefs; i++)
		free(sc->refs[i]);
	free(sc->refs);
	for (size_t i = 0; i < sc->ngroups; i++)
		free(sc->groups[i]);
	free(sc->groups);
	for (size_t i = 0; i < sc->npolicies; i++)
		free(sc->policies[i]);
	free(sc->policies);
	free(sc->policy_pos);
	for (size_t i = 0; i < sc->nvariants; i++) {
		struct variant *v = &sc->variants[i];
		free(v->name);
		free(v->base);
		for (size_t j = 0; j < v->nknobs; j++) {
			free(v->knobs[j].name);
			free(v->knobs[j].value);
		}
		free(v->knobs);
	}
	free(sc->variants);
	free(sc->cost_model);
	for (size_t i = 0; i < sc->ncosts; i++)
		free(sc->costs[i].name);
	free(sc->costs);
	free_code(&sc->guest.code);
	free(sc->guest.entry_label);
	for (size_t i = 0; i < sc->guest.ndata; i++)
		free(sc->guest.data[i].bytes);
	free(sc->guest.data);
	for (size_t i = 0; i < sc->guest.nregs; i++)
		free(sc->guest.regs[i].name);
	free(sc->guest.regs);
	free(sc->host.bps);
	for (size_t i = 0; i < sc->host.nsnippets; i++) {
		free(sc->host.snippets[i].name);
		free_code(&sc->host.snippets[i].code);
	}
	free(sc->host.snippets);
	free(sc->host.events);
	for (size_t i = 0; i < sc->nexpects; i++) {
		free(sc->expects[i].selector);
		free(sc->expects[i].field);
		free(sc->expects[i].str_value);
	}
	free(sc->expects);
	free(sc);
}

bool scenario_symbol(const struct scenario *sc, const char *name, uint64_t *addr)
{
	if (!sc || !name)
		return false;
	const struct code_block *cb = &sc->guest.code;
	for (size_t i = 0; i < cb->nsyms; i++) {
		if (!strcmp(cb->syms[i].name, name)) {
			if (addr)
				*addr = cb->syms[i].addr;
			return true;
		}
	}
	return false;
}
