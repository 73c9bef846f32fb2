/* util.h - the small helpers every folder uses, each written once
 * (TinyEMU's / kvmtool's util/).  No hvsim types here: util/ is the bottom
 * of the include graph (docs/design.md). */
#ifndef HVSIM_UTIL_UTIL_H
#define HVSIM_UTIL_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- time ----------------------------------------------------------------- */

/* *ts = now (CLOCK_REALTIME, as pthread_cond_timedwait wants) + ms
 * milliseconds, ms < 1000. */
void util_deadline_ms(struct timespec *ts, long ms);

/* ---- files ---------------------------------------------------------------- */

/* Read a whole regular file ("-": standard input; or a FIFO/character device, stopping at
 * `max` bytes) into a NUL-terminated buffer.  Never reads more than `max`
 * bytes: a longer input is refused with EFBIG, so `hvsim report /dev/zero`
 * cannot grow without bound.  Returns the buffer (free() it) and its length
 * in *len, or NULL with errno set (ENOENT, EISDIR, EFBIG, ENOMEM, ...). */
char *util_read_file(const char *path, size_t max, size_t *len);

/* "PATH:0:0: cannot read: REASON" for a failed util_read_file (errno), with
 * EFBIG worded as "larger than the N MiB limit". */
void util_read_error(char *err, size_t errsize, const char *path, size_t max);

/* Default input caps (docs/errors.md, "Limits"). */
#define UTIL_MAX_SCENARIO  (4u << 20)     /* scenario YAML: 4 MiB */
#define UTIL_MAX_DOCUMENT  (256u << 20)   /* result JSON, trace JSONL, reference outcomes: 256 MiB */
#define UTIL_MAX_SMALL     (1u << 20)     /* cost models, cache entries: 1 MiB */

/* The source tree: $HVSIM_SOURCE_DIR if set and non-empty, else the
 * directory the binary was configured from. */
const char *util_source_dir(void);

/* The directory of bundled data `what`: "costs" (the cost models) or
 * "scenarios".  The first that exists of: the install data directory
 * (DATA/costs, DATA/scenarios, DATA = HVSIM_DATA_DIR taken relative to the
 * directory of the running binary, /proc/self/exe, when it is relative),
 * then $HVSIM_SOURCE_DIR and the configured source tree (cpu/costs,
 * scenarios).  With none there, the source-tree path (for the message of
 * the read that fails).  Returns buf. */
const char *util_data_dir(const char *what, char *buf, size_t n);

/* ---- messages --------------------------------------------------------------- */

/* Input text as shown inside a one-line message: at most 60 bytes (cut at
 * a UTF-8 boundary, "..." appended), control characters and DEL written as
 * \n, \t, \r or \xNN so that no message spans two lines.  Returns buf. */
const char *util_shown(const char *s, size_t len, char *buf, size_t size);

/* ---- hashing --------------------------------------------------------------- */

/* FNV-1a, 64 bits: start from UTIL_FNV_OFFSET (or any seed) and chain. */
#define UTIL_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t util_fnv1a64(uint64_t h, const void *p, size_t n);
uint64_t util_fnv1a64_str(uint64_t h, const char *s);

/* ---- text ------------------------------------------------------------------ */

/* printf at buf+len into buf[n] (truncating); returns the new length (which
 * may reach n: later calls then append nothing). */
size_t util_appendf(char *buf, size_t n, size_t len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One CSV cell by RFC 4180: quoted (with "" for ") when it holds a comma,
 * a double quote, CR or LF; as is otherwise.  The only CSV quoting rule in
 * hvsim. */
void util_csv_cell(FILE *f, const char *s);

/* Did-you-mean, the one rule for every name hvsim looks up (scenario keys,
 * verbs, policies, knobs, result fields, cost models): offer each
 * candidate in turn; the nearest one within edit distance 2 (and nearer
 * than its own length) wins, the first offered on a tie. */
struct util_near {
	const char *s;                 /* the unknown name */
	size_t len;
	const char *best;              /* the suggestion so far, or NULL (points at a candidate) */
	size_t dist;
};
void util_near_init(struct util_near *n, const char *s, size_t len);
void util_near_offer(struct util_near *n, const char *candidate);
/* " (did you mean 'X'?)" or "" into buf; returns buf. */
const char *util_near_hint(const struct util_near *n, char *buf, size_t size);
/* Levenshtein distance of two names of at most 32 bytes (SIZE_MAX if
 * longer). */
size_t util_edit_distance(const char *a, size_t la, const char *b, size_t lb);

/* Text from an input (a scenario's summary, a result's names) inside
 * Markdown: HTML's < > & as entities, Markdown's \ ` * _ [ ] | # ! as
 * backslash escapes, CR/LF as a space, so that it renders as the literal
 * text and never as markup, HTML or a new table row (issue 15 item 11).  The
 * only Markdown quoting rule in hvsim. */
void util_md_text(FILE *f, const char *s);

/* A growable list of owned strings. */
struct strlist {
	char **v;       /* the strings, each malloc'ed */
	size_t n;       /* how many */
	size_t cap;     /* allocated slots */
};
/* Append a copy of s; returns 0, -1 when out of memory. */
int strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* ---- allocation failure ----------------------------------------------------- */

/* Print "hvsim: out of memory" and exit with status 6 (internal error). */
_Noreturn void util_oom(void);
void *util_xmalloc(size_t n);
void *util_xcalloc(size_t n, size_t size);
char *util_xstrdup(const char *s);

#endif
