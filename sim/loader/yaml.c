/* yaml.c - the YAML plumbing under the scenario loader (see yaml.h): libyaml
 * document handling, node positions, typed getters, key checks and
 * did-you-mean suggestions.  No scenario key is interpreted here. */
#define _GNU_SOURCE
#include "sim/loader/yaml.h"
#include "sim/util/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t brk_len(const struct ydoc *c, size_t i)
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

static int build_lines(struct ydoc *c)
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

static size_t line_end(const struct ydoc *c, size_t ln)
{
	size_t i = c->lines[ln];
	while (i < c->len && !brk_len(c, i))
		i++;
	return i;
}

/* libyaml columns count characters, not bytes. */
static int byte_to_col(const struct ydoc *c, size_t ln, size_t off)
{
	int col = 0;
	for (size_t i = c->lines[ln]; i < off && i < c->len; i++)
		if (((unsigned char)c->buf[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static size_t col_to_byte(const struct ydoc *c, size_t ln, size_t col)
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

static size_t lead_spaces(const struct ydoc *c, size_t ln, size_t max)
{
	size_t i = c->lines[ln], e = line_end(c, ln), n = 0;
	while (i + n < e && n < max && c->buf[i + n] == ' ')
		n++;
	return n;
}

/* Content indentation of a block scalar (| or >) whose header is on `ln`. */
static size_t block_indent(const struct ydoc *c, const yaml_node_t *n)
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
struct srcpos y_map_offset(const struct ydoc *c, const yaml_node_t *n, size_t target)
{
	struct srcpos p = y_pos(n);
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

static void vset_err(struct ydoc *c, struct srcpos p, const char *fmt, va_list ap)
{
	if (!c->err || !c->errsize)
		return;
	int n = snprintf(c->err, c->errsize, "%s:%d:%d: ", c->file, p.line > 0 ? p.line : 1,
			 p.col > 0 ? p.col : 1);
	if (n >= 0 && (size_t)n < c->errsize)
		vsnprintf(c->err + n, c->errsize - (size_t)n, fmt, ap);
	one_line(c->err);
}

void y_failp(struct ydoc *c, struct srcpos p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset_err(c, p, fmt, ap);
	va_end(ap);
	longjmp(c->jb, 1);
}

void *y_calloc(struct ydoc *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		y_failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	return p;
}

char *y_strndup(struct ydoc *c, const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		y_failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	return p;
}

/* At most 60 bytes of s (cut at a character boundary), for messages. */
const char *y_shown(const char *s, size_t len, char *buf, size_t size)
{
	return util_shown(s, len, buf, size);
}

/* "a mapping", "a list", "'text'", "an empty value" */
const char *y_describe(const yaml_node_t *n, char *buf, size_t size)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (!y_is_scalar(n) || y_is_null(n))
		return "an empty value";
	char tmp[80];
	y_shown(y_sval(n), y_slen(n), tmp, sizeof tmp);
	snprintf(buf, size, "'%s'%s", tmp, y_is_plain(n) ? "" : " (a quoted string)");
	return buf;
}
yaml_node_t *y_find(struct ydoc *c, yaml_node_t *map, const char *key, yaml_node_t **keynode)
{
	Y_FOR_PAIRS(map, p) {
		yaml_node_t *k = y_node(c, p->key);
		if (k && y_is(k, key)) {
			if (keynode)
				*keynode = k;
			return y_node(c, p->value);
		}
	}
	return NULL;
}

void y_subpath(char *out, size_t n, const char *parent, const char *key)
{
	if (parent[0])
		snprintf(out, n, "%s.%s", parent, key);
	else
		snprintf(out, n, "%s", key);
}

void y_idxpath(char *out, size_t n, const char *parent, size_t i)
{
	snprintf(out, n, "%s[%zu]", parent, i);
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
void y_check_keys(struct ydoc *c, yaml_node_t *map, const char *path, const char *const *allowed)
{
	char b1[128], b2[80];
	Y_FOR_PAIRS(map, p) {
		yaml_node_t *k = y_node(c, p->key);
		if (!y_is_scalar(k) || y_is_null(k))
			y_fail(c, k, "expected a plain key in %s, got %s", path[0] ? path : "the top level",
			       y_describe(k, b1, sizeof b1));
		if (strlen(y_sval(k)) != y_slen(k))
			y_fail(c, k, "key in %s contains a NUL character", path[0] ? path : "the top level");
		if (!allowed)
			continue;
		bool ok = false;
		struct util_near near;
		util_near_init(&near, y_sval(k), y_slen(k));
		for (const char *const *a = allowed; *a; a++) {
			if (y_is(k, *a)) {
				ok = true;
				break;
			}
			util_near_offer(&near, *a);
		}
		if (ok)
			continue;
		char hint[96] = "";
		/* A key right after a literal `asm: |` block is most likely a
		 * label that lost its indentation and ended the block. */
		yaml_node_t *asmn = y_find(c, map, "asm", NULL);
		if (asmn && y_is_scalar(asmn) && asmn->data.scalar.style == YAML_LITERAL_SCALAR_STYLE &&
		    y_pos_before(y_pos(asmn), y_pos(k)))
			snprintf(hint, sizeof hint, " (an asm label? indent it like the rest of the asm text)");
		else
			util_near_hint(&near, hint, sizeof hint);
		y_shown(y_sval(k), y_slen(k), b2, sizeof b2);
		if (path[0])
			y_fail(c, k, "unknown key '%s' in %s%s", b2, path, hint);
		y_fail(c, k, "unknown key '%s'%s", b2, hint);
	}
	size_t n = y_npairs(map);
	if (n < 2)
		return;
	struct keyref *r = y_calloc(c, n, sizeof *r);
	c->tmp = r;
	size_t i = 0;
	Y_FOR_PAIRS(map, p) {
		yaml_node_t *k = y_node(c, p->key);
		r[i] = (struct keyref){ y_sval(k), y_slen(k), i };
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
	yaml_node_t *k = y_node(c, pp[dup].key), *k0 = y_node(c, pp[first].key);
	struct srcpos p0 = y_pos(k0);
	y_shown(y_sval(k), y_slen(k), b2, sizeof b2);
	if (path[0])
		y_fail(c, k, "duplicate key '%s' in %s (first given at %d:%d)", b2, path, p0.line, p0.col);
	y_fail(c, k, "duplicate key '%s' (first given at %d:%d)", b2, p0.line, p0.col);
}

void y_need_map(struct ydoc *c, yaml_node_t *n, const char *path)
{
	char b[128];
	if (n->type != YAML_MAPPING_NODE)
		y_fail(c, n, "expected a mapping for %s, got %s", path, y_describe(n, b, sizeof b));
}

void y_need_seq(struct ydoc *c, yaml_node_t *n, const char *path)
{
	char b[128];
	if (n->type != YAML_SEQUENCE_NODE)
		y_fail(c, n, "expected a list for %s, got %s", path, y_describe(n, b, sizeof b));
}

void y_require(struct ydoc *c, yaml_node_t *map, const char *path, const char *key)
{
	if (y_find(c, map, key, NULL))
		return;
	if (path[0])
		y_fail(c, map, "missing required key '%s' in %s", key, path);
	y_fail(c, map, "missing required key '%s'", key);
}
/* ================================================================ values */

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

int y_parse_uint(const char *s, size_t len, uint64_t *out)
{
	if (len == 0)
		return Y_U_BAD;
	if (s[0] == '-')
		return len > 1 && s[1] >= '0' && s[1] <= '9' ? Y_U_NEG : Y_U_BAD;
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
				return Y_U_BAD;
			prev_digit = false;
			continue;
		}
		int d = hexval(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return Y_U_BAD;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		else
			v = v * base + (unsigned)d;
		prev_digit = true;
	}
	if (!prev_digit)
		return Y_U_BAD;
	if (overflow)
		return Y_U_OVERFLOW;
	*out = v;
	return Y_U_OK;
}

uint64_t y_get_uint(struct ydoc *c, yaml_node_t *n, const char *path)
{
	char b[128];
	uint64_t v = 0;
	if (!y_is_plain(n) || y_is_null(n))
		y_fail(c, n, "expected an unsigned integer for %s, got %s", path, y_describe(n, b, sizeof b));
	switch (y_parse_uint(y_sval(n), y_slen(n), &v)) {
	case Y_U_OK:
		return v;
	case Y_U_NEG:
		y_fail(c, n, "expected an unsigned integer for %s, got %s (negative values are not allowed)",
		       path, y_describe(n, b, sizeof b));
	case Y_U_OVERFLOW:
		y_fail(c, n, "%s is out of range: %s does not fit in 64 bits", path,
		       y_describe(n, b, sizeof b));
	default:
		y_fail(c, n, "expected an unsigned integer for %s, got %s", path, y_describe(n, b, sizeof b));
	}
}

uint64_t y_get_uint_range(struct ydoc *c, yaml_node_t *n, const char *path, uint64_t lo, uint64_t hi)
{
	uint64_t v = y_get_uint(c, n, path);
	if (hi == UINT64_MAX && v < lo)
		y_fail(c, n, "%s must be at least %" PRIu64 ", got %" PRIu64, path, lo, v);
	if (v < lo || v > hi)
		y_fail(c, n, "%s must be between %" PRIu64 " and %" PRIu64 ", got %" PRIu64, path, lo, hi, v);
	return v;
}

bool y_get_bool(struct ydoc *c, yaml_node_t *n, const char *path)
{
	char b[128];
	if (y_is_plain(n) && y_is(n, "true"))
		return true;
	if (y_is_plain(n) && y_is(n, "false"))
		return false;
	y_fail(c, n, "expected true or false for %s, got %s", path, y_describe(n, b, sizeof b));
}

/* A non-empty scalar without NUL characters. */
const char *y_get_text(struct ydoc *c, yaml_node_t *n, const char *path, const char *what)
{
	char b[128];
	if (!y_is_scalar(n) || y_is_null(n))
		y_fail(c, n, "expected %s for %s, got %s", what, path, y_describe(n, b, sizeof b));
	if (strlen(y_sval(n)) != y_slen(n))
		y_fail(c, n, "%s contains a NUL character", path);
	return y_sval(n);
}

char *y_get_string(struct ydoc *c, yaml_node_t *n, const char *path)
{
	const char *s = y_get_text(c, n, path, "a string");
	return y_strndup(c, s, y_slen(n));
}

bool y_ident_ok(const char *s, size_t len)
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

char *y_get_ident(struct ydoc *c, yaml_node_t *n, const char *path)
{
	char b[128];
	const char *s = y_get_text(c, n, path, "a name");
	if (!y_ident_ok(s, y_slen(n)))
		y_fail(c, n, "invalid name %s for %s: use only letters, digits, '_', '.' and '-'", y_describe(n, b, sizeof b), path);
	return y_strndup(c, s, y_slen(n));
}

int y_get_choice(struct ydoc *c, yaml_node_t *n, const char *path, const char *const *choices)
{
	char b[128], list[160] = "";
	size_t used = 0;
	for (int i = 0; choices[i]; i++) {
		if (y_is_scalar(n) && y_is(n, choices[i]))
			return i;
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
		if (used >= sizeof list)
			used = sizeof list - 1;
	}
	y_fail(c, n, "expected one of %s for %s, got %s", list, path, y_describe(n, b, sizeof b));
}

void y_budget(struct ydoc *c, yaml_node_t *n, size_t len)
{
	c->expanded += len;
	if (c->expanded > Y_MAX_EXPANSION)
		y_fail(c, n, "scenario too large: code and data text (aliases expanded) exceeds %u MiB",
		       Y_MAX_EXPANSION >> 20);
}

static bool is_hex_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Hex bytes "0f 23 c0" / "0f23c0": runs of digits of even length, separated
 * by optional whitespace.  Writes into *out (attached to the scenario before
 * anything else can fail). */
void y_get_hex(struct ydoc *c, yaml_node_t *n, const char *path, uint64_t max,
		       uint8_t **out, size_t *outlen)
{
	const char *v = y_get_text(c, n, path, "a string of hex bytes");
	size_t len = y_slen(n), digits = 0;
	y_budget(c, n, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (is_hex_space(v[i]) || hexval(v[i]) >= 0)
			continue;
		if (ch > 0x20 && ch < 0x7f)
			y_failp(c, y_map_offset(c, n, i), "invalid hex digit '%c' in %s%s", ch, path,
				ch == 'x' || ch == 'X' ? " (write bytes without a 0x prefix)" : "");
		y_failp(c, y_map_offset(c, n, i), "invalid hex digit (byte 0x%02x) in %s", ch, path);
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
			y_failp(c, y_map_offset(c, n, start),
				"odd number of hex digits in %s: '%s' has %zu digit%s (write each byte as two digits)",
				path, y_shown(v + start, i - start, b, sizeof b), i - start, i - start == 1 ? "" : "s");
		}
		digits += i - start;
	}
	if (digits / 2 > max)
		y_fail(c, n, "%s is out of range: %zu bytes (at most %" PRIu64 " MiB)", path, digits / 2, max >> 20);
	*outlen = digits / 2;
	if (!*outlen)
		return;
	uint8_t *b = y_calloc(c, digits / 2, 1);
	*out = b;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (is_hex_space(v[i]))
			continue;
		b[k / 2] = (uint8_t)(b[k / 2] << 4 | hexval(v[i]));
		k++;
	}
}
/* Position of a libyaml parser error. */
static struct srcpos parser_error_pos(struct ydoc *c)
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
static void fail_syntax(struct ydoc *c)
{
	yaml_parser_t *p = &c->parser;
	struct srcpos pos = parser_error_pos(c);
	if (p->error == YAML_MEMORY_ERROR)
		y_failp(c, pos, "out of memory");
	const char *problem = p->problem ? p->problem : "unknown error";
	if (p->error == YAML_READER_ERROR && p->problem_value != -1)
		y_failp(c, pos, "YAML syntax error: %s (byte 0x%02x)", problem, p->problem_value & 0xff);
	if (p->context && p->error != YAML_READER_ERROR)
		y_failp(c, pos, "YAML syntax error: %s (%s at %d:%d)", problem, p->context,
			(int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	y_failp(c, pos, "YAML syntax error: %s", problem);
}

/* The nesting and size limits, checked on libyaml's event stream before
 * the document is composed: libyaml's composer is quadratic in the nesting
 * depth (an 80 KB file of nested flow sequences took 8-19 s), and a
 * scenario never needs more than a handful of levels.  The pre-pass stops
 * at the first event past a limit, so a hostile file costs at most
 * Y_MAX_DEPTH levels of work; syntax errors are left to the real load,
 * which reports them with their position. */
#define Y_MAX_DEPTH  64          /* nested mappings and sequences */
#define Y_MAX_NODES  (1u << 20)  /* scalars, mappings and sequences */
static void check_limits(struct ydoc *c)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		y_failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->len);
	unsigned depth = 0, nodes = 0;
	struct srcpos bad = { 0, 0 };
	const char *what = NULL;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev))
			break;                     /* the real load reports it */
		yaml_event_type_t t = ev.type;
		struct srcpos pos = { (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1 };
		if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
			if (++depth > Y_MAX_DEPTH && !what)
				what = "nesting deeper than 64 levels", bad = pos;
		} else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
			depth--;
		}
		if ((t == YAML_SCALAR_EVENT || t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT ||
		     t == YAML_ALIAS_EVENT) && ++nodes > Y_MAX_NODES && !what)
			what = "more than 1048576 YAML nodes", bad = pos;
		yaml_event_delete(&ev);
		if (what || t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	if (what)
		y_failp(c, bad, "scenario too complex: %s (docs/errors.md, \"Limits\")", what);
}

/* libyaml gives an untagged scalar the tag !!str too: a plain scalar with an
 * explicit string tag (`!!str 1`, `!<tag:yaml.org,2002:str> 1`) is told
 * apart by its text, which starts with the tag (after any anchor), and is
 * then treated like a quoted string, so that no integer getter accepts it
 * (issue 15 item 13). */
static void mark_str_tags(struct ydoc *c)
{
	for (yaml_node_t *n = c->doc.nodes.start; n < c->doc.nodes.top; n++) {
		if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
		    !n->tag || strcmp((const char *)n->tag, YAML_STR_TAG))
			continue;
		size_t i = n->start_mark.index;
		if (i < c->len && c->buf[i] == '&')          /* an anchor first */
			while (i < c->len && c->buf[i] != ' ' && c->buf[i] != '\t' && c->buf[i] != '\n')
				i++;
		while (i < c->len && (c->buf[i] == ' ' || c->buf[i] == '\t'))
			i++;
		if (i < c->len && c->buf[i] == '!')
			n->data.scalar.style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
	}
}

static void load(struct ydoc *c, void (*walk)(struct ydoc *, yaml_node_t *))
{
	const unsigned char *u = (const unsigned char *)c->buf;
	/* UTF-32 first: its little-endian mark begins with UTF-16's FF FE */
	if (c->len >= 4 && ((u[0] == 0 && u[1] == 0 && u[2] == 0xfe && u[3] == 0xff) ||
			    (u[0] == 0xff && u[1] == 0xfe && u[2] == 0 && u[3] == 0)))
		y_failp(c, (struct srcpos){ 1, 1 }, "scenario files must be UTF-8 (found a UTF-32 byte order mark)");
	if (c->len >= 2 && ((u[0] == 0xfe && u[1] == 0xff) || (u[0] == 0xff && u[1] == 0xfe)))
		y_failp(c, (struct srcpos){ 1, 1 }, "scenario files must be UTF-8 (found a UTF-16 byte order mark)");
	check_limits(c);
	if (!yaml_parser_initialize(&c->parser))
		y_failp(c, (struct srcpos){ 1, 1 }, "out of memory");
	c->have_parser = true;
	yaml_parser_set_input_string(&c->parser, (const unsigned char *)c->buf, c->len);
	if (!yaml_parser_load(&c->parser, &c->doc))
		fail_syntax(c);
	c->have_doc = true;
	mark_str_tags(c);
	yaml_node_t *root = yaml_document_get_root_node(&c->doc);
	if (!root)
		y_failp(c, (struct srcpos){ 1, 1 }, "empty scenario: expected a mapping with 'version', "
			"'name', 'summary' and 'guest'");

	/* A scenario is exactly one document. */
	yaml_document_t extra;
	if (!yaml_parser_load(&c->parser, &extra))
		fail_syntax(c);
	yaml_node_t *xr = yaml_document_get_root_node(&extra);
	if (xr) {
		struct srcpos p = y_pos(xr);
		yaml_document_delete(&extra);
		y_failp(c, p, "a scenario file holds one YAML document, found another one here");
	}
	yaml_document_delete(&extra);

	walk(c, root);
}

int y_open(struct ydoc *y, const char *file, const char *buf, size_t len,
	   char *err, size_t errsize)
{
	memset(y, 0, sizeof *y);
	y->file = file;
	y->buf = buf;
	y->len = len;
	y->err = err;
	y->errsize = errsize;
	return build_lines(y);
}

int y_run(struct ydoc *y, void (*walk)(struct ydoc *y, yaml_node_t *root))
{
	if (setjmp(y->jb))
		return -1;
	load(y, walk);
	return 0;
}

void y_close(struct ydoc *y)
{
	free(y->tmp);
	y->tmp = NULL;
	if (y->have_doc)
		yaml_document_delete(&y->doc);
	y->have_doc = false;
	if (y->have_parser)
		yaml_parser_delete(&y->parser);
	y->have_parser = false;
	free(y->lines);
	y->lines = NULL;
}
