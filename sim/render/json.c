/* json.c - deterministic JSON writer and a minimal tree reader (json.h). */
#include "sim/render/json.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ----------------------------------------------------------- */

void jw_init(struct json_writer *w, FILE *f, int indent)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->indent = indent < 0 ? 0 : indent;
}

static void jw_newline(struct json_writer *w)
{
	if (!w->indent)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth * w->indent; i++)
		fputc(' ', w->f);
}

/* Separator and indentation before a value (arrays) or check that a key was
 * written (objects). */
static void jw_before_value(struct json_writer *w)
{
	if (w->depth == 0) {
		if (w->nitems[0]++ > 0)
			w->err = 1;            /* two top-level values */
		return;
	}
	if (w->is_obj[w->depth]) {
		if (!w->pending_key)
			w->err = 1;            /* value without a key */
		w->pending_key = false;
		return;
	}
	if (w->nitems[w->depth]++ > 0)
		fputc(',', w->f);
	if (w->indent)
		jw_newline(w);
	else if (w->nitems[w->depth] > 1)
		fputc(' ', w->f);
}

static void jw_open(struct json_writer *w, bool obj)
{
	jw_before_value(w);
	if (w->depth >= JSON_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	fputc(obj ? '{' : '[', w->f);
	w->depth++;
	w->nitems[w->depth] = 0;
	w->is_obj[w->depth] = obj;
}

static void jw_close(struct json_writer *w, bool obj)
{
	if (w->depth == 0 || w->is_obj[w->depth] != obj || w->pending_key) {
		w->err = 1;
		return;
	}
	unsigned n = w->nitems[w->depth];
	w->depth--;
	if (n)
		jw_newline(w);
	fputc(obj ? '}' : ']', w->f);
}

void jw_object_begin(struct json_writer *w) { jw_open(w, true); }
void jw_object_end(struct json_writer *w) { jw_close(w, true); }
void jw_array_begin(struct json_writer *w) { jw_open(w, false); }
void jw_array_end(struct json_writer *w) { jw_close(w, false); }

void jw_key(struct json_writer *w, const char *key)
{
	if (w->depth == 0 || !w->is_obj[w->depth] || w->pending_key) {
		w->err = 1;
		return;
	}
	if (w->nitems[w->depth]++ > 0)
		fputc(',', w->f);
	if (w->indent)
		jw_newline(w);
	else if (w->nitems[w->depth] > 1)
		fputc(' ', w->f);
	json_write_escaped(w->f, key);
	fputs(": ", w->f);
	w->pending_key = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_before_value(w);
	if (s)
		json_write_escaped(w->f, s);
	else
		fputs("null", w->f);
}

void jw_u64(struct json_writer *w, uint64_t v)
{
	jw_before_value(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(struct json_writer *w, int64_t v)
{
	jw_before_value(w);
	fprintf(w->f, "%" PRId64, v);
}

void jw_bool(struct json_writer *w, bool v)
{
	jw_before_value(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w)
{
	jw_before_value(w);
	fputs("null", w->f);
}

void jw_kv_string(struct json_writer *w, const char *key, const char *s) { jw_key(w, key); jw_string(w, s); }
void jw_kv_u64(struct json_writer *w, const char *key, uint64_t v) { jw_key(w, key); jw_u64(w, v); }
void jw_kv_i64(struct json_writer *w, const char *key, int64_t v) { jw_key(w, key); jw_i64(w, v); }

int jw_finish(struct json_writer *w)
{
	if (w->depth != 0 || w->pending_key || w->nitems[0] != 1)
		w->err = 1;
	fputc('\n', w->f);
	if (ferror(w->f))
		w->err = 1;
	return w->err ? -1 : 0;
}

/* Length of a valid UTF-8 sequence at s (1-4), or 0 if invalid (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static int utf8_seq_len(const unsigned char *s)
{
	unsigned c = s[0];
	int n;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; min = 0x10000; }
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)     /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void json_write_escaped(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned c = *s;
		switch (c) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7F) {
			fprintf(f, "\\u%04x", c);
			s++;
			continue;
		}
		int n = utf8_seq_len(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, (size_t)n, f);
		s += n;
	}
	fputc('"', f);
}

/* ---- reader ----------------------------------------------------------- */

struct jparser {
	const char *p, *end, *start;
	char *err;
	size_t errsize;
	bool failed;
	int depth;
};

static void jp_error(struct jparser *jp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void jp_error(struct jparser *jp, const char *fmt, ...)
{
	if (jp->failed)
		return;
	jp->failed = true;
	int line = 1, col = 1;
	for (const char *q = jp->start; q < jp->p && q < jp->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (!jp->err || !jp->errsize)
		return;
	int k = snprintf(jp->err, jp->errsize, "%d:%d: ", line, col);
	if (k < 0 || (size_t)k >= jp->errsize)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(jp->err + k, jp->errsize - (size_t)k, fmt, ap);
	va_end(ap);
}

static void jp_ws(struct jparser *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static bool jp_lit(struct jparser *jp, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(jp->end - jp->p) >= n && memcmp(jp->p, lit, n) == 0) {
		jp->p += n;
		return true;
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static bool jp_hex4(struct jparser *jp, uint32_t *out)
{
	if (jp->end - jp->p < 4) {
		jp_error(jp, "truncated \\u escape");
		return false;
	}
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(jp->p[i]);
		if (h < 0) {
			jp_error(jp, "bad \\u escape");
			return false;
		}
		v = (v << 4) | (uint32_t)h;
	}
	jp->p += 4;
	*out = v;
	return true;
}

static void put_utf8(char *o, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		o[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*n)++] = (char)(0xC0 | (cp >> 6));
		o[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		o[(*n)++] = (char)(0xE0 | (cp >> 12));
		o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		o[(*n)++] = (char)(0xF0 | (cp >> 18));
		o[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/* Parse a string (jp->p at the opening quote); returns malloc'd text. */
static char *jp_string(struct jparser *jp, size_t *lenp)
{
	jp->p++;                               /* opening quote */
	/* the decoded text is never longer than the source */
	const char *q = jp->p;
	while (q < jp->end && *q != '"') {
		if (*q == '\\' && q + 1 < jp->end)
			q++;
		q++;
	}
	char *o = malloc((size_t)(q - jp->p) + 1);
	if (!o) {
		jp_error(jp, "out of memory");
		return NULL;
	}
	size_t n = 0;
	for (;;) {
		if (jp->p >= jp->end) {
			jp_error(jp, "unterminated string");
			goto fail;
		}
		unsigned char c = (unsigned char)*jp->p;
		if (c == '"') {
			jp->p++;
			break;
		}
		if (c < 0x20) {
			jp_error(jp, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			o[n++] = (char)c;
			jp->p++;
			continue;
		}
		jp->p++;
		if (jp->p >= jp->end) {
			jp_error(jp, "unterminated string");
			goto fail;
		}
		char e = *jp->p++;
		switch (e) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			uint32_t cp;
			if (!jp_hex4(jp, &cp))
				goto fail;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				uint32_t lo;
				if (jp->end - jp->p >= 6 && jp->p[0] == '\\' && jp->p[1] == 'u') {
					jp->p += 2;
					if (!jp_hex4(jp, &lo))
						goto fail;
					if (lo < 0xDC00 || lo > 0xDFFF) {
						jp_error(jp, "bad surrogate pair");
						goto fail;
					}
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				} else {
					cp = 0xFFFD;
				}
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				cp = 0xFFFD;
			}
			put_utf8(o, &n, cp);   /* <= 4 bytes for >= 6 source bytes */
			break;
		}
		default:
			if (e > 0x20 && e < 0x7f)
				jp_error(jp, "bad escape '\\%c'", e);
			else   /* a control or non-ASCII byte: not echoed raw (issue 15 item 11) */
				jp_error(jp, "bad escape: backslash followed by byte 0x%02x", (unsigned char)e);
			goto fail;
		}
	}
	o[n] = '\0';
	*lenp = n;
	return o;
fail:
	free(o);
	return NULL;
}

static bool isdig(char c) { return c >= '0' && c <= '9'; }

static bool jp_number(struct jparser *jp, struct json_value *v)
{
	const char *s = jp->p;
	const char *q = s;
	bool neg = false, is_int = true;
	if (q < jp->end && *q == '-') {
		neg = true;
		q++;
	}
	if (q >= jp->end || !isdig(*q)) {
		jp_error(jp, "bad number");
		return false;
	}
	uint64_t u = 0;
	bool overflow = false;
	if (*q == '0') {
		q++;
	} else {
		while (q < jp->end && isdig(*q)) {
			unsigned d = (unsigned)(*q - '0');
			if (u > (UINT64_MAX - d) / 10)
				overflow = true;
			u = u * 10 + d;
			q++;
		}
	}
	if (q < jp->end && *q == '.') {
		is_int = false;
		q++;
		if (q >= jp->end || !isdig(*q)) {
			jp_error(jp, "bad number");
			return false;
		}
		while (q < jp->end && isdig(*q))
			q++;
	}
	if (q < jp->end && (*q == 'e' || *q == 'E')) {
		is_int = false;
		q++;
		if (q < jp->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= jp->end || !isdig(*q)) {
			jp_error(jp, "bad number");
			return false;
		}
		while (q < jp->end && isdig(*q))
			q++;
	}
	char tmp[64];
	size_t len = (size_t)(q - s);
	if (len < sizeof(tmp)) {
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		v->d = strtod(tmp, NULL);
	} else {
		char *big = malloc(len + 1);
		if (!big) {
			jp_error(jp, "out of memory");
			return false;
		}
		memcpy(big, s, len);
		big[len] = '\0';
		v->d = strtod(big, NULL);
		free(big);
	}
	v->type = JSON_NUMBER;
	v->is_neg = neg;
	if (is_int && !overflow) {
		if (!neg) {
			v->is_int = true;
			v->u = u;
		} else if (u <= (uint64_t)INT64_MAX + 1) {
			v->is_int = true;
			v->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
		}
	}
	jp->p = q;
	return true;
}

static void json_free_inner(struct json_value *v);

static bool jp_value(struct jparser *jp, struct json_value *v);

static bool jp_push(struct jparser *jp, struct json_value *v, size_t *cap, bool obj)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct json_value *ni = realloc(v->items, nc * sizeof(*ni));
		if (!ni) {
			jp_error(jp, "out of memory");
			return false;
		}
		v->items = ni;
		if (obj) {
			char **nk = realloc(v->keys, nc * sizeof(*nk));
			if (!nk) {
				jp_error(jp, "out of memory");
				return false;
			}
			v->keys = nk;
		}
		*cap = nc;
	}
	memset(&v->items[v->n], 0, sizeof(v->items[0]));
	if (obj)
		v->keys[v->n] = NULL;
	v->n++;
	return true;
}

static bool jp_container(struct jparser *jp, struct json_value *v, bool obj)
{
	if (++jp->depth > JSON_PARSE_MAX_DEPTH) {
		jp_error(jp, "nesting too deep");
		return false;
	}
	v->type = obj ? JSON_OBJECT : JSON_ARRAY;
	jp->p++;
	size_t cap = 0;
	jp_ws(jp);
	if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
		jp->p++;
		jp->depth--;
		return true;
	}
	for (;;) {
		jp_ws(jp);
		if (!jp_push(jp, v, &cap, obj))
			return false;
		if (obj) {
			if (jp->p >= jp->end || *jp->p != '"') {
				jp_error(jp, "expected a string key");
				return false;
			}
			size_t klen;
			char *k = jp_string(jp, &klen);
			if (!k)
				return false;
			v->keys[v->n - 1] = k;
			jp_ws(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				jp_error(jp, "expected ':'");
				return false;
			}
			jp->p++;
		}
		if (!jp_value(jp, &v->items[v->n - 1]))
			return false;
		jp_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == (obj ? '}' : ']')) {
			jp->p++;
			break;
		}
		jp_error(jp, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		return false;
	}
	jp->depth--;
	return true;
}

static bool jp_value(struct jparser *jp, struct json_value *v)
{
	jp_ws(jp);
	if (jp->p >= jp->end) {
		jp_error(jp, "unexpected end of input");
		return false;
	}
	char c = *jp->p;
	if (c == '{')
		return jp_container(jp, v, true);
	if (c == '[')
		return jp_container(jp, v, false);
	if (c == '"') {
		v->s = jp_string(jp, &v->slen);
		if (!v->s)
			return false;
		v->type = JSON_STRING;
		return true;
	}
	if (c == '-' || isdig(c))
		return jp_number(jp, v);
	if (jp_lit(jp, "true")) {
		v->type = JSON_BOOL;
		v->b = true;
		return true;
	}
	if (jp_lit(jp, "false")) {
		v->type = JSON_BOOL;
		return true;
	}
	if (jp_lit(jp, "null")) {
		v->type = JSON_NULL;
		return true;
	}
	jp_error(jp, "unexpected character '%c'", c);
	return false;
}

struct json_value *json_parse(const char *buf, size_t len, char *err, size_t errsize)
{
	struct jparser jp = { .p = buf, .end = buf + len, .start = buf, .err = err, .errsize = errsize };
	struct json_value *v = calloc(1, sizeof(*v));
	if (!v) {
		if (err && errsize)
			snprintf(err, errsize, "1:1: out of memory");
		return NULL;
	}
	if (!buf) {
		jp.p = jp.end = jp.start = "";
	}
	if (jp_value(&jp, v)) {
		jp_ws(&jp);
		if (jp.p != jp.end)
			jp_error(&jp, "trailing data after the document");
	}
	if (jp.failed) {
		json_free(v);
		return NULL;
	}
	return v;
}

static void json_free_inner(struct json_value *v)
{
	free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		json_free_inner(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	json_free_inner(v);
	free(v);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

const struct json_value *json_path(const struct json_value *root, const char *path)
{
	const struct json_value *v = root;
	const char *p = path;
	char key[256];
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_get(v, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}
