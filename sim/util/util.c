/* util.c - see util.h. */
#include "sim/util/util.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *util_read_file(const char *path, size_t max, size_t *len)
{
	/* O_NONBLOCK only for the open (a FIFO with no writer must not hang
	 * here); cleared before reading. */
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096, n = 0;
	if (cap > max + 1)
		cap = max + 1;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		if (n == cap) {
			if (cap > max) {             /* read max + 1 bytes: too long */
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc + 1);
			if (!nb)
				free(buf);
			buf = nb;
			cap = nc;
			continue;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

void util_read_error(char *err, size_t errsize, const char *path, size_t max)
{
	if (errno == EFBIG)
		snprintf(err, errsize, "%s:0:0: larger than the %zu MiB limit for this input", path, max >> 20);
	else if (errno == ENOMEM)
		snprintf(err, errsize, "%s:0:0: out of memory", path);
	else
		snprintf(err, errsize, "%s:0:0: cannot open: %s", path, strerror(errno));
}

const char *util_source_dir(void)
{
	const char *d = getenv("HVSIM_SOURCE_DIR");
	return d && *d ? d : HVSIM_SOURCE_DIR;
}

#ifndef HVSIM_DATA_DIR
#define HVSIM_DATA_DIR "../share/hvsim"
#endif

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *util_data_dir(const char *what, char *buf, size_t n)
{
	const char *src_sub = !strcmp(what, "costs") ? "cpu/costs" : what;
	/* 1. the install data directory, relative to the binary */
	if (HVSIM_DATA_DIR[0] == '/') {
		snprintf(buf, n, "%s/%s", HVSIM_DATA_DIR, what);
		if (is_dir(buf))
			return buf;
	} else {
		char exe[4096];
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (len > 0) {
			exe[len] = 0;
			char *slash = strrchr(exe, '/');
			if (slash) {
				*slash = 0;
				snprintf(buf, n, "%s/%s/%s", exe, HVSIM_DATA_DIR, what);
				if (is_dir(buf))
					return buf;
			}
		}
	}
	/* 2. $HVSIM_SOURCE_DIR, 3. the configured source tree */
	const char *env = getenv("HVSIM_SOURCE_DIR");
	if (env && *env) {
		snprintf(buf, n, "%s/%s", env, src_sub);
		if (is_dir(buf))
			return buf;
	}
	snprintf(buf, n, "%s/%s", HVSIM_SOURCE_DIR, src_sub);
	if (is_dir(buf) || !env || !*env)
		return buf;
	snprintf(buf, n, "%s/%s", env, src_sub);
	return buf;
}

size_t util_edit_distance(const char *a, size_t la, const char *b, size_t lb)
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

void util_near_init(struct util_near *n, const char *s, size_t len)
{
	n->s = s;
	n->len = len;
	n->best = NULL;
	n->dist = SIZE_MAX;
}

void util_near_offer(struct util_near *n, const char *candidate)
{
	if (!candidate)
		return;
	size_t cl = strlen(candidate);
	size_t d = util_edit_distance(n->s, n->len, candidate, cl);
	if (d <= 2 && d < cl && d < n->dist) {
		n->best = candidate;
		n->dist = d;
	}
}

const char *util_near_hint(const struct util_near *n, char *buf, size_t size)
{
	if (n->best)
		snprintf(buf, size, " (did you mean '%s'?)", n->best);
	else if (size)
		buf[0] = 0;
	return buf;
}

uint64_t util_fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t util_fnv1a64_str(uint64_t h, const char *s)
{
	return util_fnv1a64(h, s, strlen(s));
}

void util_csv_cell(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	char *c = strdup(s);
	if (!c)
		return -1;
	l->v[l->n++] = c;
	return 0;
}

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

_Noreturn void util_oom(void)
{
	static const char msg[] = "hvsim: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	_exit(6);
}

void *util_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		util_oom();
	return p;
}

void *util_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		util_oom();
	return p;
}

char *util_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		util_oom();
	return p;
}

void util_deadline_ms(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

const char *util_shown(const char *s, size_t len, char *buf, size_t size)
{
	if (!size)
		return buf;
	size_t o = 0, i = 0;
	bool cut = false;
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[5];
		size_t n;
		if (ch == '\n' || ch == '\t' || ch == '\r')
			n = (size_t)snprintf(esc, sizeof(esc), "\\%c", ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r');
		else if (ch < 0x20 || ch == 0x7f)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", ch);
		else
			esc[0] = (char)ch, n = 1;
		/* 60 bytes of input at most, and room for "..." and the NUL */
		if (i >= 60 || o + n + 4 > size) {
			cut = true;
			break;
		}
		memcpy(buf + o, esc, n);
		o += n;
	}
	if (cut)      /* back to a UTF-8 boundary (bytes >= 0x80 were copied one for one) */
		while (i > 0 && o > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) {
			o--;
			i--;
		}
	buf[o] = 0;
	if (cut && o + 4 <= size)
		strcpy(buf + o, "...");
	return buf;
}

void util_md_text(FILE *f, const char *s)
{
	const char *start = s;
	for (; *s; s++) {
		/* '_' between two letters or digits never starts emphasis
		 * (CommonMark 6.2): DR_ACCESS and bp_enabled stay as they are */
		if (*s == '_' && s > start && isalnum((unsigned char)s[-1]) && isalnum((unsigned char)s[1])) {
			fputc('_', f);
			continue;
		}
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\n': case '\r': fputc(' ', f); break;
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#': case '!':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default: fputc(*s, f); break;
		}
	}
}

size_t util_appendf(char *buf, size_t n, size_t len, const char *fmt, ...)
{
	if (len >= n)
		return len;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
	return k < 0 ? len : len + (size_t)k;
}
