/* asm.c - assemble scenario `asm` text with GNU as/ld/objcopy/nm.
 *
 * 1. asm_check.c refuses text that would read files (.incbin, .include and
 *    the macro tricks that could spell them) and labels Intel syntax reads
 *    as keywords or registers, with the asm line and column.
 * 2. The four tools are resolved ($HVSIM_AS ... or $PATH) to absolute paths
 *    whose identity is part of the cache key (asm_cache.c).
 * 3. On a miss, in a private mkdtemp() directory DIR (asm_sandbox.c: empty
 *    working directory, no inherited descriptors, minimal environment,
 *    CPU/memory/output/open-file/wall-clock limits, signals handled):
 *      DIR/in.s  = prologue + text
 *      as        --64|--32 --noexecstack -o DIR/in.o DIR/in.s
 *      ld        -m elf_x86_64|elf_i386 -T DIR/link.ld -e BASE -o DIR/out.elf DIR/in.o
 *      objcopy   -I BFD -O binary -j .text DIR/out.elf DIR/out.bin
 *      nm        --target=BFD -n --defined-only DIR/out.elf   (labels -> addresses)
 *    (BFD elf64-x86-64 or elf32-i386: naming it keeps nm from loading the
 *    LTO/LLVM plugins to identify a file the text shaped.)
 *    The linker script puts every input section into one .text output
 *    section starting at BASE, so labels in .data/.rodata also get absolute
 *    addresses.  DIR is removed afterwards, and on SIGINT/SIGTERM/SIGHUP. */
#define _GNU_SOURCE
#include "sim/loader/asm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sim/loader/asm_internal.h"
#include "sim/util/util.h"

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
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, p, n);
	if (close(fd) < 0)
		rc = -1;
	return rc;
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
		seterr(err, errsize, "cannot run '%s': not found (install %s, or set %s)", what,
		       strncmp(what, "aarch64", 7) ? "GNU binutils" : "binutils-aarch64-linux-gnu", envname);
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


enum { T_AS, T_LD, T_OC, T_NM, T_COUNT };

/* A tool run that did not exit 0: the message for everything but an
 * ordinary failure (returns -1 then), or 0 to let the caller explain it. */
static int run_trouble(const struct asm_sandbox *sb, const struct asm_tool *t, const char *what,
		       enum asm_run_status rs, int code, const char *errfile, char *err,
		       size_t errsize)
{
	switch (rs) {
	case ASM_RUN_EXITED:
		break;
	case ASM_RUN_FAILED:
		seterr(err, errsize, "cannot run '%s': %s", t->name, strerror(code));
		return -1;
	case ASM_RUN_TIMEOUT:
		seterr(err, errsize, "%s ran longer than the %u s wall-clock limit and was stopped "
		       "(does the text expand without bound, e.g. nested .rept?)", what, sb->wall);
		return -1;
	case ASM_RUN_CPU:
		seterr(err, errsize, "%s used more than the %u s CPU-time limit and was stopped "
		       "(does the text expand without bound, e.g. nested .rept?)", what,
		       ASM_CPU_SECONDS);
		return -1;
	case ASM_RUN_FSIZE:
		seterr(err, errsize, "%s wrote more than the %llu MiB output limit and was stopped",
		       what, ASM_FSIZE_BYTES >> 20);
		return -1;
	case ASM_RUN_INTERRUPTED:
		seterr(err, errsize, "interrupted");
		return -1;
	case ASM_RUN_SIGNALED:
		seterr(err, errsize, "%s was killed by signal %d (%s)", what, code, strsignal(code));
		return -1;
	}
	char p[4200];
	asm_sandbox_path(sb, errfile, p, sizeof p);
	char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
	int rc = 0;
	if ((code == 126 || code == 127) && (!et || !*et)) {
		seterr(err, errsize, "cannot run '%s': it could not be started", t->name);
		rc = -1;
	} else if (et && (strstr(et, "out of memory") || strstr(et, "memory exhausted"))) {
		seterr(err, errsize, "%s ran out of memory (limit %llu MiB) and was stopped (does the "
		       "text expand without bound, e.g. nested .rept?)", what, ASM_MEM_BYTES >> 20);
		rc = -1;
	}
	free(et);
	return rc;
}

static int assemble_uncached(struct asm_sandbox *sb, const struct asm_tool *tools,
			     const char *text, int mode, uint64_t base, struct code_block *res,
			     int *line, char *err, size_t errsize)
{
	char spath[4200], opath[4200], lpath[4200], epath[4200], bpath[4200], p[4200];
	asm_sandbox_path(sb, "in.s", spath, sizeof spath);
	asm_sandbox_path(sb, "in.o", opath, sizeof opath);
	asm_sandbox_path(sb, "link.ld", lpath, sizeof lpath);
	asm_sandbox_path(sb, "out.elf", epath, sizeof epath);
	asm_sandbox_path(sb, "out.bin", bpath, sizeof bpath);

	/* Source: prologue + text (+ final newline).  AArch64 text (issue 20)
	 * gets an empty line instead, so that its line numbers shift the same. */
	bool a64 = mode == GUEST_MODE_A64;
	size_t tlen = strlen(text);
	const char *prologue = a64 ? "\n\n" : mode == 32 ? ".intel_syntax noprefix\n.code32\n"
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
		seterr(err, errsize, "cannot write temporary files in %s: %s", sb->dir, strerror(errno));
		return -1;
	}

	int code = 0;
	enum asm_run_status rs;
	char *as_argv[] = { "as", a64 ? "-EL" : mode == 32 ? "--32" : "--64", "--noexecstack",
			    "-o", opath, spath, NULL };
	rs = asm_sandbox_run(sb, &tools[T_AS], as_argv, "as.out", "as.err", &code);
	if (rs != ASM_RUN_EXITED || code != 0) {
		if (run_trouble(sb, &tools[T_AS], "the assembler", rs, code, "as.err", err, errsize))
			return -1;
		asm_sandbox_path(sb, "as.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		as_error(et ? et : "", spath, count_lines(text), line, err, errsize);
		free(et);
		return -1;
	}

	char entry[32];
	snprintf(entry, sizeof entry, "0x%" PRIx64, base);
	char *ld_argv[] = { "ld", "-m", a64 ? "aarch64linux" : mode == 32 ? "elf_i386" : "elf_x86_64",
			    "-T", lpath, "-e", entry, "--build-id=none", "-o", epath, opath, NULL };
	rs = asm_sandbox_run(sb, &tools[T_LD], ld_argv, "ld.out", "ld.err", &code);
	if (rs != ASM_RUN_EXITED || code != 0) {
		if (run_trouble(sb, &tools[T_LD], "the linker", rs, code, "ld.err", err, errsize))
			return -1;
		asm_sandbox_path(sb, "ld.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		ld_error(et ? et : "", text, line, err, errsize);
		free(et);
		return -1;
	}

	/* The input format is named: without it nm loads every BFD plugin (the
	 * LTO and LLVM ones) to identify the file, which parses text-made data. */
	const char *bfd = a64 ? "elf64-littleaarch64" : mode == 32 ? "elf32-i386" : "elf64-x86-64";
	char *oc_argv[] = { "objcopy", "-I", (char *)bfd, "-O", "binary", "-j", ".text", epath,
			    bpath, NULL };
	rs = asm_sandbox_run(sb, &tools[T_OC], oc_argv, "oc.out", "oc.err", &code);
	if (rs != ASM_RUN_EXITED || code != 0) {
		if (run_trouble(sb, &tools[T_OC], "objcopy", rs, code, "oc.err", err, errsize))
			return -1;
		asm_sandbox_path(sb, "oc.err", p, sizeof p);
		char *et = util_read_file(p, UTIL_MAX_SMALL, NULL);
		if (et && strstr(et, "has no sections")) {
			/* ld drops an empty .text, leaving nothing to copy */
			seterr(err, errsize, "no code");
		} else {
			const char *l = et ? et : "";
			const char *nl = strchr(l, '\n');
			seterr(err, errsize, "objcopy failed (exit status %d): %.*s", code,
			       nl ? (int)(nl - l) : (int)strlen(l), l);
		}
		free(et);
		return -1;
	}
	struct stat sb_;
	if (stat(bpath, &sb_) == 0 && (uint64_t)sb_.st_size > ASM_MAX_OUTPUT) {
		seterr(err, errsize, "assembled code is too large (%jd bytes, at most %u)",
		       (intmax_t)sb_.st_size, ASM_MAX_OUTPUT);
		return -1;
	}
	size_t blen = 0;
	char *bin = util_read_file(bpath, ASM_MAX_OUTPUT, &blen);
	if (!bin)
		blen = 0;       /* objcopy writes no file at all for an empty .text */
	if (blen == 0) {
		free(bin);
		seterr(err, errsize, "no code");
		return -1;
	}
	res->bytes = (uint8_t *)bin;
	res->size = blen;

	char target[64];
	snprintf(target, sizeof target, "--target=%s", bfd);
	char *nm_argv[] = { "nm", target, "-n", "--defined-only", epath, NULL };
	rs = asm_sandbox_run(sb, &tools[T_NM], nm_argv, "nm.out", "nm.err", &code);
	if (rs != ASM_RUN_EXITED || code != 0) {
		if (run_trouble(sb, &tools[T_NM], "nm", rs, code, "nm.err", err, errsize))
			return -1;
		seterr(err, errsize, "nm failed (exit status %d)", code);
		return -1;
	}
	asm_sandbox_path(sb, "nm.out", p, sizeof p);
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
		 int *err_line, int *err_col, char *err, size_t errsize)
{
	int dummy_line, dummy_col;
	int *line = err_line ? err_line : &dummy_line;
	int *col = err_col ? err_col : &dummy_col;
	*line = 0;
	*col = 0;
	if (mode != 64 && mode != 32 && mode != GUEST_MODE_A64) {
		seterr(err, errsize, "invalid mode %d (64, 32 or aarch64)", mode);
		return -1;
	}
	bool a64 = mode == GUEST_MODE_A64;
	if (asm_check_text_arch(text, a64, line, col, err, errsize))
		return -1;

	/* AArch64 guests (issue 20) use Debian's binutils-aarch64-linux-gnu */
	struct asm_tool tools[T_COUNT] = {
		[T_AS] = { .envname = a64 ? "HVSIM_A64_AS" : "HVSIM_AS", .name = a64 ? "aarch64-linux-gnu-as" : "as" },
		[T_LD] = { .envname = a64 ? "HVSIM_A64_LD" : "HVSIM_LD", .name = a64 ? "aarch64-linux-gnu-ld" : "ld" },
		[T_OC] = { .envname = a64 ? "HVSIM_A64_OBJCOPY" : "HVSIM_OBJCOPY",
			   .name = a64 ? "aarch64-linux-gnu-objcopy" : "objcopy" },
		[T_NM] = { .envname = a64 ? "HVSIM_A64_NM" : "HVSIM_NM", .name = a64 ? "aarch64-linux-gnu-nm" : "nm" },
	};
	for (int i = 0; i < T_COUNT; i++) {
		const char *e = getenv(tools[i].envname);
		if (e && *e)
			tools[i].name = e;
		if (asm_tool_resolve(&tools[i]) < 0)
			return spawn_failed(tools[i].name, tools[i].envname, tools[i].err, err, errsize);
	}

	struct asm_key key;
	asm_cache_key(&key, mode, base, text, tools, T_COUNT);
	int dfd = asm_cache_open();
	if (dfd >= 0 && asm_cache_load(dfd, &key, base, out) == 0) {
		close(dfd);
		return 0;
	}

	struct asm_sandbox sb;
	if (asm_sandbox_begin(&sb, err, errsize) < 0) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	struct code_block res = { .base = base };
	int rc = assemble_uncached(&sb, tools, text, mode, base, &res, line, err, errsize);
	if (asm_sandbox_end(&sb)) {
		/* a signal was taken and its handler returned */
		rc = -1;
		*line = 0;
		*col = 0;
		seterr(err, errsize, "interrupted");
	}
	if (rc) {
		asm_release(&res);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (dfd >= 0) {
		asm_cache_store(dfd, &key, &res);
		close(dfd);
	}
	asm_block_give(out, &res);
	return 0;
}
