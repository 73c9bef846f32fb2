/* asm.c - assemble scenario `asm` text with GNU as/ld/objcopy/nm.
 *
 * Pipeline (in a private mkdtemp() directory, removed afterwards):
 *   in.s   = prologue + text
 *   as     --64|--32 --noexecstack -o in.o in.s
 *   ld     -m elf_x86_64|elf_i386 -T link.ld -e BASE -o out.elf in.o
 *   objcopy -O binary -j .text out.elf out.bin
 *   nm     --defined-only out.elf           (labels -> addresses)
 * The linker script puts every input section into one .text output section
 * starting at BASE, so labels in .data/.rodata also get absolute addresses.
 *
 * Tools are started with posix_spawnp() (no shell), stdout/stderr go to
 * files in the private directory, the environment gets LC_ALL=C so that
 * messages are stable.  Results are cached (see asm.h). */
#define _GNU_SOURCE
#include "sim/loader/asm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/util/util.h"

extern char **environ;

#define ASM_CACHE_FORMAT "hvsim-asm-cache 1"
#define ASM_MAX_OUTPUT   (64u << 20)   /* refuse absurd images (.fill 1<<40) */
#define ASM_MAX_TEXT     (64u << 20)   /* nm output, cached symbol tables */

/* ---------------------------------------------------------------- helpers */

static void seterr(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errsize, const char *fmt, ...)
{
	if (!err || !errsize)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/* Hash of (mode, base, text); `seed` selects one of two independent hashes
 * (the second one is stored in the cache entry to detect collisions). */
static uint64_t asm_key(uint64_t seed, int mode, uint64_t base, const char *text)
{
	char hdr[96];
	int n = snprintf(hdr, sizeof hdr, "%s mode=%d base=%" PRIx64 "\n",
			 ASM_CACHE_FORMAT, mode, base);
	uint64_t h = util_fnv1a64(seed, hdr, (size_t)n);
	return util_fnv1a64_str(h, text);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, p, n);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* ------------------------------------------------------------ cache dir */

static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -1;
	struct stat st;
	return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

const char *asm_cache_dir(char *buf, size_t bufsize)
{
	const char *d = getenv("HVSIM_CACHE_DIR");
	int n;
	if (d && *d) {
		n = snprintf(buf, bufsize, "%s/asm", d);
	} else if ((d = getenv("XDG_CACHE_HOME")) && *d) {
		n = snprintf(buf, bufsize, "%s/hvsim/asm", d);
	} else if ((d = getenv("HOME")) && *d) {
		n = snprintf(buf, bufsize, "%s/.cache/hvsim/asm", d);
	} else {
		n = -1;
	}
	if (n < 0 || (size_t)n >= bufsize) {
		if (bufsize)
			buf[0] = 0;
	}
	return buf;
}

/* Parse a .sym cache file: header line then "ADDR NAME" lines. */
static int parse_syms(char *text, struct code_block *out, uint64_t *nbytes, uint64_t check)
{
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line)
		return -1;
	uint64_t hcheck = 0, hsize = 0;
	char fmt[64];
	if (sscanf(line, "# " ASM_CACHE_FORMAT " check=%" SCNx64 " size=%" SCNu64 " %63s",
		   &hcheck, &hsize, fmt) != 3 || strcmp(fmt, "end") != 0)
		return -1;
	if (hcheck != check)
		return -1;
	*nbytes = hsize;
	size_t cap = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *sp = strchr(line, ' ');
		if (!sp || sp[1] == 0)
			return -1;
		*sp = 0;
		char *end;
		errno = 0;
		unsigned long long a = strtoull(line, &end, 16);
		if (errno || *end)
			return -1;
		if (out->nsyms == cap) {
			cap = cap ? cap * 2 : 16;
			struct symbol *ns = realloc(out->syms, cap * sizeof *ns);
			if (!ns)
				return -1;
			out->syms = ns;
		}
		out->syms[out->nsyms].name = strdup(sp + 1);
		if (!out->syms[out->nsyms].name)
			return -1;
		out->syms[out->nsyms++].addr = a;
	}
	return 0;
}

static int cache_load(const char *dir, uint64_t key, uint64_t check, uint64_t base,
		      struct code_block *out)
{
	char path[4200];
	struct code_block cb = { .base = base };
	snprintf(path, sizeof path, "%s/%016" PRIx64 ".sym", dir, key);
	char *symtext = util_read_file(path, ASM_MAX_TEXT, NULL);
	if (!symtext)
		return -1;
	uint64_t nbytes = 0;
	int rc = parse_syms(symtext, &cb, &nbytes, check);
	free(symtext);
	if (rc == 0) {
		snprintf(path, sizeof path, "%s/%016" PRIx64 ".bin", dir, key);
		size_t len = 0;
		char *bin = util_read_file(path, ASM_MAX_OUTPUT, &len);
		if (bin && len == nbytes && len > 0) {
			cb.bytes = (uint8_t *)bin;
			cb.size = len;
		} else {
			free(bin);
			rc = -1;
		}
	}
	if (rc) {
		asm_release(&cb);
		return -1;
	}
	out->base = base;
	out->bytes = cb.bytes;
	out->size = cb.size;
	out->syms = cb.syms;
	out->nsyms = cb.nsyms;
	return 0;
}

/* Write `data` to dir/name atomically (temp file + rename). */
static int cache_put(const char *dir, const char *name, const void *data, size_t n)
{
	char tmp[4200], dst[4200];
	snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name);
	snprintf(dst, sizeof dst, "%s/%s", dir, name);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, n);
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -1;
	if (rc)
		unlink(tmp);
	return rc;
}

static void cache_store(const char *dir, uint64_t key, uint64_t check, const struct code_block *cb)
{
	if (mkdir_p(dir) < 0)
		return;
	size_t cap = 128, n = 0;
	for (size_t i = 0; i < cb->nsyms; i++)
		cap += strlen(cb->syms[i].name) + 20;
	char *text = malloc(cap);
	if (!text)
		return;
	n += (size_t)snprintf(text + n, cap - n, "# " ASM_CACHE_FORMAT " check=%016" PRIx64
			      " size=%zu end\n", check, cb->size);
	for (size_t i = 0; i < cb->nsyms; i++)
		n += (size_t)snprintf(text + n, cap - n, "%" PRIx64 " %s\n",
				      cb->syms[i].addr, cb->syms[i].name);
	char name[64];
	/* .bin first: an entry counts only once its .sym exists. */
	snprintf(name, sizeof name, "%016" PRIx64 ".bin", key);
	if (cache_put(dir, name, cb->bytes, cb->size) == 0) {
		snprintf(name, sizeof name, "%016" PRIx64 ".sym", key);
		cache_put(dir, name, text, n);
	}
	free(text);
}

/* ------------------------------------------------------------ tool runs */

struct work {
	char dir[4096];
	char **envp;
	size_t nenv;
};

static void free_env(struct work *w)
{
	if (!w->envp)
		return;
	free(w->envp[w->nenv]);   /* our "LC_ALL=C" copy sits after the inherited ones */
	free(w->envp);
	w->envp = NULL;
}

/* environ without locale variables, plus LC_ALL=C (stable tool messages). */
static int build_env(struct work *w)
{
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	w->envp = calloc(n + 2, sizeof *w->envp);
	if (!w->envp)
		return -1;
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		if (!strncmp(*e, "LC_ALL=", 7) || !strncmp(*e, "LANG=", 5) ||
		    !strncmp(*e, "LANGUAGE=", 9) || !strncmp(*e, "LC_MESSAGES=", 12))
			continue;
		w->envp[k++] = *e;
	}
	w->nenv = k;
	w->envp[k] = strdup("LC_ALL=C");
	if (!w->envp[k]) {
		free(w->envp);
		w->envp = NULL;
		return -1;
	}
	return 0;
}

static void wpath(const struct work *w, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", w->dir, name);
}

static const char *tool(const char *env, const char *dflt)
{
	const char *t = getenv(env);
	return t && *t ? t : dflt;
}

/* Run argv with stdout -> dir/out_name, stderr -> dir/err_name.
 * Returns the exit status (0..255), -1 if it could not be started (errno
 * kept in *spawn_err), -2 if it died from a signal. */
static int run(struct work *w, char *const argv[], const char *out_name, const char *err_name,
	       int *spawn_err)
{
	char outp[4200], errp[4200];
	wpath(w, out_name, outp, sizeof outp);
	wpath(w, err_name, errp, sizeof errp);
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa)) {
		*spawn_err = ENOMEM;
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, w->envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		*spawn_err = rc;
		return -1;
	}
	/* Bound what one tool run may cost.  GNU as 2.40 needs time and error
	 * output exponential in the nesting of an unterminated "[" operand
	 * ("lidt [[[[...", found by fuzz/fuzz_scenario.c): without limits the
	 * load hangs and fills TMPDIR.  A tool killed by a limit is reported
	 * like a failed one (its first error lines). */
	struct rlimit cpu = { 30, 35 }, fsize = { 64u << 20, 64u << 20 };
	prlimit(pid, RLIMIT_CPU, &cpu, NULL);
	prlimit(pid, RLIMIT_FSIZE, &fsize, NULL);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			*spawn_err = errno;
			return -1;
		}
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return -2;
}

static void cleanup(struct work *w)
{
	static const char *const files[] = {
		"in.s", "in.o", "link.ld", "out.elf", "out.bin", "nm.out",
		"as.out", "as.err", "ld.out", "ld.err", "oc.out", "oc.err", "nm.err",
	};
	char p[4200];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		wpath(w, files[i], p, sizeof p);
		unlink(p);
	}
	rmdir(w->dir);
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	const char *p = text;
	if (!*p)
		return 0;
	for (; *p; p++)
		if (*p == '\n')
			n++;
	if (p[-1] != '\n')
		n++;
	return n;
}

/* First "<path>:N: Error: msg" of as' stderr. */
static void as_error(const char *errtext, const char *spath, size_t text_lines,
		     int *line, char *err, size_t errsize)
{
	size_t plen = strlen(spath);
	const char *first_other = NULL;
	for (const char *l = errtext; l && *l; ) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		if (ll > plen + 1 && !strncmp(l, spath, plen) && l[plen] == ':') {
			const char *p = l + plen + 1;
			char *end;
			long n = strtol(p, &end, 10);
			if (end != p && *end == ':' && !strncmp(end, ": Error: ", 9)) {
				const char *msg = end + 9;
				int k = (int)(n - ASM_PROLOGUE_LINES);
				if (k < 1)
					k = 0;
				else if ((size_t)k > text_lines)
					k = (int)text_lines;
				*line = k;
				seterr(err, errsize, "%.*s", (int)(ll - (size_t)(msg - l)), msg);
				return;
			}
		}
		if (!first_other && ll && strstr(l, "Assembler messages:") == NULL)
			first_other = l;
		l = nl ? nl + 1 : NULL;
	}
	*line = 0;
	if (first_other) {
		const char *nl = strchr(first_other, '\n');
		int ll = nl ? (int)(nl - first_other) : (int)strlen(first_other);
		seterr(err, errsize, "assembler failed: %.*s", ll, first_other);
	} else {
		seterr(err, errsize, "assembler failed");
	}
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '$';
}

/* 1-based line of the first whole-word use of `sym` in text, 0 if none. */
static int find_word_line(const char *text, const char *sym, size_t symlen)
{
	int line = 1;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (!strncmp(p, sym, symlen) && (p == text || !is_ident(p[-1])) &&
		    !is_ident(p[symlen]))
			return line;
	}
	return 0;
}

/* ld failed: explain undefined symbols and relocation overflows. */
static void ld_error(const char *errtext, const char *text, int *line, char *err, size_t errsize)
{
	const char *u = strstr(errtext, "undefined reference to `");
	*line = 0;
	if (u) {
		u += strlen("undefined reference to `");
		const char *q = strchr(u, '\'');
		size_t n = q ? (size_t)(q - u) : strlen(u);
		if (n > 200)
			n = 200;
		*line = find_word_line(text, u, n);
		seterr(err, errsize, "undefined symbol '%.*s'", (int)n, u);
		return;
	}
	const char *r = strstr(errtext, "relocation truncated to fit");
	if (r) {
		const char *nl = strchr(r, '\n');
		int n = nl ? (int)(nl - r) : (int)strlen(r);
		seterr(err, errsize, "%.*s (an address does not fit the operand at this base)", n, r);
		return;
	}
	const char *l = errtext;
	while (*l == '\n')
		l++;
	const char *nl = strchr(l, '\n');
	int n = nl ? (int)(nl - l) : (int)strlen(l);
	seterr(err, errsize, "linker failed: %.*s", n, *l ? l : "(no message)");
}

/* Parse `nm --defined-only` output into out->syms. */
static int parse_nm(char *text, struct code_block *out)
{
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		errno = 0;
		unsigned long long a = strtoull(line, &end, 16);
		if (errno || end == line || end[0] != ' ' || !end[1] || end[2] != ' ' || !end[3])
			continue;
		char type = end[1];
		const char *name = end + 3;
		if (type == 'U' || type == 'w' || type == 'N' || type == 'n')
			continue;
		if (!strncmp(name, ".L", 2))
			continue;
		if (out->nsyms == cap) {
			cap = cap ? cap * 2 : 16;
			struct symbol *ns = realloc(out->syms, cap * sizeof *ns);
			if (!ns)
				return -1;
			out->syms = ns;
		}
		out->syms[out->nsyms].name = strdup(name);
		if (!out->syms[out->nsyms].name)
			return -1;
		out->syms[out->nsyms++].addr = a;
	}
	return 0;
}

static int spawn_failed(const char *what, const char *envname, int e, char *err, size_t errsize)
{
	if (e == ENOENT)
		seterr(err, errsize, "cannot run '%s': not found (install GNU binutils, "
		       "or set %s)", what, envname);
	else
		seterr(err, errsize, "cannot run '%s': %s", what, strerror(e));
	return -1;
}

/* ------------------------------------------------------------ public */

void asm_release(struct code_block *cb)
{
	for (size_t i = 0; i < cb->nsyms; i++)
		free(cb->syms[i].name);
	free(cb->syms);
	free(cb->bytes);
	cb->syms = NULL;
	cb->nsyms = 0;
	cb->bytes = NULL;
	cb->size = 0;
}

static int assemble_uncached(struct work *w, const char *text, int mode, uint64_t base,
			     struct code_block *res, int *line, char *err, size_t errsize)
{
	char spath[4200], opath[4200], lpath[4200], epath[4200], bpath[4200], p[4200];
	wpath(w, "in.s", spath, sizeof spath);
	wpath(w, "in.o", opath, sizeof opath);
	wpath(w, "link.ld", lpath, sizeof lpath);
	wpath(w, "out.elf", epath, sizeof epath);
	wpath(w, "out.bin", bpath, sizeof bpath);

	/* Source: prologue + text (+ final newline). */
	size_t tlen = strlen(text);
	const char *prologue = mode == 32 ? ".intel_syntax noprefix\n.code32\n"
					  : ".intel_syntax noprefix\n.code64\n";
	size_t plen = strlen(prologue);
	char *src = malloc(plen + tlen + 2);
	if (!src) {
		seterr(err, errsize, "out of memory");
		return -1;
	}
	memcpy(src, prologue, plen);
	memcpy(src + plen, text, tlen);
	size_t slen = plen + tlen;
	if (!tlen || text[tlen - 1] != '\n')
		src[slen++] = '\n';
	int rc = write_file(spath, src, slen);
	free(src);
	char script[512];
	int sn = snprintf(script, sizeof script,
		"SECTIONS {\n"
		"  . = 0x%" PRIx64 ";\n"
		"  .text : { *(.text .text.* .data .data.* .rodata .rodata.* .bss .bss.* COMMON) }\n"
		"  /DISCARD/ : { *(.note.* .comment .eh_frame .eh_frame_hdr) }\n"
		"}\n", base);
	if (rc == 0)
		rc = write_file(lpath, script, (size_t)sn);
	if (rc) {
		seterr(err, errsize, "cannot write temporary files in %s: %s", w->dir, strerror(errno));
		return -1;
	}

	int e = 0, st;
	const char *as = tool("HVSIM_AS", "as");
	char *as_argv[] = { (char *)as, mode == 32 ? "--32" : "--64", "--noexecstack",
			    "-o", opath, spath, NULL };
	st = run(w, as_argv, "as.out", "as.err", &e);
	if (st == -1)
		return spawn_failed(as, "HVSIM_AS", e, err, errsize);
	if (st != 0) {
		wpath(w, "as.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		as_error(et ? et : "", spath, count_lines(text), line, err, errsize);
		free(et);
		return -1;
	}

	const char *ld = tool("HVSIM_LD", "ld");
	char entry[32];
	snprintf(entry, sizeof entry, "0x%" PRIx64, base);
	char *ld_argv[] = { (char *)ld, "-m", mode == 32 ? "elf_i386" : "elf_x86_64",
			    "-T", lpath, "-e", entry, "--build-id=none", "-o", epath, opath, NULL };
	st = run(w, ld_argv, "ld.out", "ld.err", &e);
	if (st == -1)
		return spawn_failed(ld, "HVSIM_LD", e, err, errsize);
	if (st != 0) {
		wpath(w, "ld.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		ld_error(et ? et : "", text, line, err, errsize);
		free(et);
		return -1;
	}

	const char *oc = tool("HVSIM_OBJCOPY", "objcopy");
	char *oc_argv[] = { (char *)oc, "-O", "binary", "-j", ".text", epath, bpath, NULL };
	st = run(w, oc_argv, "oc.out", "oc.err", &e);
	if (st == -1)
		return spawn_failed(oc, "HVSIM_OBJCOPY", e, err, errsize);
	if (st != 0) {
		wpath(w, "oc.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		if (et && strstr(et, "has no sections")) {
			/* ld drops an empty .text, leaving nothing to copy */
			seterr(err, errsize, "no code");
		} else {
			const char *l = et ? et : "";
			const char *nl = strchr(l, '\n');
			seterr(err, errsize, "objcopy failed (exit status %d): %.*s", st,
			       nl ? (int)(nl - l) : (int)strlen(l), l);
		}
		free(et);
		return -1;
	}
	struct stat sb;
	if (stat(bpath, &sb) == 0 && (uint64_t)sb.st_size > ASM_MAX_OUTPUT) {
		seterr(err, errsize, "assembled code is too large (%jd bytes, at most %u)",
		       (intmax_t)sb.st_size, ASM_MAX_OUTPUT);
		return -1;
	}
	size_t blen = 0;
	char *bin = util_read_file(bpath, ASM_MAX_OUTPUT, &blen);
	if (!bin) {
		/* objcopy writes no file at all for an empty .text */
		blen = 0;
	}
	if (blen == 0) {
		free(bin);
		seterr(err, errsize, "no code");
		return -1;
	}
	res->bytes = (uint8_t *)bin;
	res->size = blen;

	const char *nm = tool("HVSIM_NM", "nm");
	char *nm_argv[] = { (char *)nm, "-n", "--defined-only", epath, NULL };
	st = run(w, nm_argv, "nm.out", "nm.err", &e);
	if (st == -1)
		return spawn_failed(nm, "HVSIM_NM", e, err, errsize);
	if (st != 0) {
		seterr(err, errsize, "nm failed (exit status %d)", st);
		return -1;
	}
	wpath(w, "nm.out", p, sizeof p);
	char *nmtext = util_read_file(p, ASM_MAX_TEXT, NULL);
	if (!nmtext || parse_nm(nmtext, res) < 0) {
		free(nmtext);
		seterr(err, errsize, "cannot read the symbol table");
		return -1;
	}
	free(nmtext);
	return 0;
}

int asm_assemble(const char *text, int mode, uint64_t base, struct code_block *out,
		 int *err_line, char *err, size_t errsize)
{
	int dummy;
	int *line = err_line ? err_line : &dummy;
	*line = 0;
	if (mode != 64 && mode != 32) {
		seterr(err, errsize, "invalid mode %d (64 or 32)", mode);
		return -1;
	}

	uint64_t key = asm_key(0xcbf29ce484222325ULL, mode, base, text);
	uint64_t check = asm_key(0x84222325cbf29ce4ULL, mode, base, text);
	char cdir[4096];
	asm_cache_dir(cdir, sizeof cdir);
	if (cdir[0] && cache_load(cdir, key, check, base, out) == 0)
		return 0;

	struct work w = { .envp = NULL };
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(w.dir, sizeof w.dir, "%s/hvsim-asm-XXXXXX", tmp);
	if (!mkdtemp(w.dir)) {
		seterr(err, errsize, "cannot create a temporary directory in %s: %s", tmp,
		       strerror(errno));
		return -1;
	}
	if (build_env(&w) < 0) {
		rmdir(w.dir);
		seterr(err, errsize, "out of memory");
		return -1;
	}
	struct code_block res = { .base = base };
	int rc = assemble_uncached(&w, text, mode, base, &res, line, err, errsize);
	cleanup(&w);
	free_env(&w);
	if (rc) {
		asm_release(&res);
		return -1;
	}
	if (cdir[0])
		cache_store(cdir, key, check, &res);
	out->base = base;
	out->bytes = res.bytes;
	out->size = res.size;
	out->syms = res.syms;
	out->nsyms = res.nsyms;
	return 0;
}
