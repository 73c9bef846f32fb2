/* harness.h - what the Criterion tests share: loading and running a scenario
 * in-process, and running the hvsim binary with its output captured.
 * Header-only (static inline), so every tests/test_*.c stays one binary. */
#ifndef HVSIM_TESTS_HARNESS_H
#define HVSIM_TESTS_HARNESS_H
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/run.h"
#include "sim/loader/scenario.h"
#include "sim/util/util.h"

extern char **environ;

/* ---- scenarios, in-process ---------------------------------------------------------- */

/* Load scenario text (`name` is used in messages); fails the test on error. */
static inline struct scenario *h_load_text(const char *name, const char *yaml)
{
	char err[512];
	struct scenario *sc = scenario_load_buf(name, yaml, strlen(yaml), err, sizeof(err));
	cr_assert_not_null(sc, "scenario: %s", err);
	return sc;
}

/* A 64-bit guest at 0x1000 whose asm is `body` (lines indented by 4);
 * `head` (e.g. "vendor: svm\n") goes before the guest. */
static inline struct scenario *h_load_guest(const char *head, const char *body)
{
	char yaml[8192];
	snprintf(yaml, sizeof(yaml),
		 "version: 1\nname: t\nsummary: test\n%sguest:\n  mode: 64\n  base: 0x1000\n"
		 "  asm: |\n%s", head, body);
	return h_load_text("test.yaml", yaml);
}

/* Load scenarios/NAME.yaml of the source tree. */
static inline struct scenario *h_load_bundled(const char *name)
{
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/scenarios/%s.yaml", util_source_dir(), name);
	struct scenario *sc = scenario_load(path, err, sizeof(err));
	cr_assert_not_null(sc, "%s", err);
	return sc;
}

/* sim_run() that fails the test on error. */
static inline void h_run(const struct scenario *sc, const struct run_config *cfg, struct run_result *r)
{
	char err[512];
	cr_assert_eq(sim_run(sc, cfg, r, err, sizeof(err)), 0, "run: %s", err);
}

/* The 8 bytes at guest address `a` from the result's memory copy. */
static inline bool h_mem_u64(const struct run_result *r, uint64_t a, uint64_t *v)
{
	for (unsigned i = 0; i < r->nmem_regions; i++)
		if (a >= r->mem_regions[i].addr && a + 8 <= r->mem_regions[i].addr + r->mem_regions[i].size) {
			memcpy(v, r->mem_copy + r->mem_regions[i].off + (a - r->mem_regions[i].addr), 8);
			return true;
		}
	return false;
}

/* Element `idx` (8 bytes each) of the guest array at label `sym`. */
static inline uint64_t sym_u64(const struct scenario *sc, const struct run_result *r, const char *sym,
				 unsigned idx)
{
	uint64_t a, v;
	cr_assert(scenario_symbol(sc, sym, &a), "no symbol %s", sym);
	if (h_mem_u64(r, a + idx * 8, &v))
		return v;
	cr_assert_fail("symbol %s not in the result's memory", sym);
	return 0;
}

/* The events of a run (run_config.trace = evlog_sink, .trace_ctx = &log). */
#define MAXEV 512
struct evlog {
	unsigned n;
	struct sim_event ev[MAXEV];
};

static inline void evlog_sink(void *ctx, const struct sim_event *ev)
{
	struct evlog *l = ctx;
	if (l->n < MAXEV)
		l->ev[l->n++] = *ev;
}

/* The `nth` (0-based) exit with reason/exit code `code`, or NULL. */
static inline const struct sim_event *nth_exit(const struct evlog *l, uint64_t code, unsigned nth)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->ev[i].id == EV_EXIT && l->ev[i].b == code && nth-- == 0)
			return &l->ev[i];
	return NULL;
}

/* A 64-bit guest with an IDT whose #DB handler (vector 1) stores DR6 into
 * `log` (count in `count`), clears DR6 and returns with RF set. */
#define GUEST_PROLOGUE                                   \
	"    lea rax, [rip+handler]\n"                    \
	"    mov word ptr [idt+16], ax\n"                 \
	"    mov word ptr [idt+18], 0x8\n"                \
	"    mov byte ptr [idt+21], 0x8E\n"               \
	"    shr rax, 16\n"                               \
	"    mov word ptr [idt+22], ax\n"                 \
	"    lidt [rip+idtr]\n"
#define GUEST_EPILOGUE                                   \
	"    handler:\n"                                    \
	"    push rax\n"                                  \
	"    push rbx\n"                                  \
	"    push rdx\n"                                  \
	"    mov rax, dr6\n"                              \
	"    mov rbx, [rip+count]\n"                      \
	"    lea rdx, [rip+log]\n"                        \
	"    mov [rdx+rbx*8], rax\n"                      \
	"    inc qword ptr [rip+count]\n"                 \
	"    xor eax, eax\n"                              \
	"    mov dr6, rax\n"                              \
	"    pop rdx\n"                                   \
	"    pop rbx\n"                                   \
	"    pop rax\n"                                   \
	"    or qword ptr [rsp+16], 0x10000\n"            \
	"    iretq\n"                                     \
	"    .balign 16\n"                                  \
	"    idtr: .word 255\n"                             \
	"    .quad idt\n"                                 \
	"    .balign 16\n"                                  \
	"    idt: .zero 256\n"                              \
	"    count: .quad 0\n"                              \
	"    log: .zero 256\n"

/* ---- the hvsim binary ------------------------------------------------------------------ */

/* $HVSIM (set by ctest); skips the test when it is not set. */
static inline const char *h_hvsim(void)
{
	const char *h = getenv("HVSIM");
	if (!h || !*h || access(h, X_OK))
		cr_skip_test("HVSIM is not set");
	return h;
}

/* $HVSIM_SOURCE_DIR; fails the test when it is not set. */
static inline const char *h_srcdir(void)
{
	const char *s = getenv("HVSIM_SOURCE_DIR");
	cr_assert(s && *s, "HVSIM_SOURCE_DIR is not set");
	return s;
}

/* A whole file, NUL-terminated (length in *n if n), or NULL. */
static inline char *h_slurp(const char *path, size_t *n)
{
	if (n)
		*n = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0, r;
	char *b = malloc(cap + 1);
	while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap)
			b = realloc(b, (cap *= 2) + 1);
	}
	fclose(f);
	if (b)
		b[len] = 0;
	if (n)
		*n = len;
	return b;
}

/* Both files exist, are non-empty and have the same bytes; `what` names
 * them in the failure message. */
static inline void h_assert_same_file(const char *a, const char *b, const char *what)
{
	size_t na = 0, nb = 0;
	char *x = h_slurp(a, &na), *y = h_slurp(b, &nb);
	cr_assert(x && y, "%s: output missing (%s or %s)", what, a, b);
	cr_assert_gt(na, 0, "%s: empty output", what);
	size_t i = 0;
	while (i < na && i < nb && x[i] == y[i])
		i++;
	cr_assert(na == nb && i == na, "%s: %s and %s differ at byte %zu (%zu vs %zu bytes)", what, a, b,
		  i, na, nb);
	free(x);
	free(y);
}

/* Start argv (argv[0] the program) with stdin from /dev/null and stdout
 * and stderr to the files out_path and err_path (NULL: /dev/null); returns
 * its pid without waiting (h_wait). */
static inline pid_t h_start(char *const argv[], const char *out_path, const char *err_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s: %s", argv[0], strerror(rc));
	return pid;
}

/* Wait for pid: its exit status, or -SIG when signal SIG ended it. */
static inline int h_wait(pid_t pid)
{
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

/* h_start and wait; returns the exit status, -1 when killed by a signal. */
static inline int h_spawn(char *const argv[], const char *out_path, const char *err_path)
{
	int rc = h_wait(h_start(argv, out_path, err_path));
	return rc < 0 ? -1 : rc;
}

/* Run the hvsim binary ($HVSIM) with args (NULL-terminated, without
 * argv[0]) in the directory-free way every verb allows: stdout and stderr
 * go to DIR/stdout and DIR/stderr and come back malloc'ed in *out and
 * *err (either may be NULL).  Returns the exit status. */
static inline int h_hvsim_run(const char *dir, const char *const *args, char **out, char **err)
{
	char *argv[48], op[600], ep[600];
	int k = 0;
	argv[k++] = (char *)h_hvsim();
	for (int i = 0; args[i] && k < 47; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	snprintf(op, sizeof(op), "%s/stdout", dir);
	snprintf(ep, sizeof(ep), "%s/stderr", dir);
	int rc = h_spawn(argv, op, ep);
	if (out)
		*out = h_slurp(op, NULL);
	if (err)
		*err = h_slurp(ep, NULL);
	return rc;
}

/* A fresh directory $TMPDIR/PREFIX-XXXXXX (default /tmp) into buf. */
static inline void h_mkdtemp(char *buf, size_t size, const char *prefix)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, size, "%s/%s-XXXXXX", t && *t ? t : "/tmp", prefix);
	cr_assert(mkdtemp(buf), "mkdtemp %s", buf);
}

/* Same, malloc'ed (free() it). */
static inline char *h_tmpdir(const char *prefix)
{
	char buf[512];
	h_mkdtemp(buf, sizeof buf, prefix);
	char *d = strdup(buf);
	cr_assert_not_null(d);
	return d;
}

/* Number of entries in a directory, "." and ".." not counted. */
static inline int h_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Remove a directory tree (no symlinks followed). */
static inline void h_rmtree(const char *d)
{
	DIR *dd = opendir(d);
	if (!dd)
		return;
	for (struct dirent *de; (de = readdir(dd));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t n = strlen(d) + strlen(de->d_name) + 2;
		char *p = malloc(n);
		if (!p)
			continue;
		snprintf(p, n, "%s/%s", d, de->d_name);
		struct stat st;
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			h_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(dd);
	rmdir(d);
}

/* A test suite whose tests each get a fresh temporary directory in `dir`
 * (made before, removed after every test); timeout in seconds, 0 = none. */
#define H_TMPDIR_SUITE(suite, prefix, secs)                                                  \
	static char dir[256];                                                                \
	static void suite##_tmpdir_init(void) { h_mkdtemp(dir, sizeof dir, prefix); }        \
	static void suite##_tmpdir_fini(void) { h_rmtree(dir); }                             \
	TestSuite(suite, .init = suite##_tmpdir_init, .fini = suite##_tmpdir_fini, .timeout = (secs))

/* An in-memory FILE (open_memstream) and what was written to it. */
struct membuf { FILE *f; char *p; size_t n; };

static inline void mb_open(struct membuf *m)
{
	m->p = NULL;
	m->n = 0;
	m->f = open_memstream(&m->p, &m->n);
	cr_assert_not_null(m->f);
}

static inline char *mb_close(struct membuf *m)
{
	fclose(m->f);
	return m->p;
}

#endif
