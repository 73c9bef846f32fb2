/* asm_internal.h - the parts of the assembler driver (asm.c) that live in
 * their own files: the text check (asm_check.c), the sandboxed tool runs
 * (asm_sandbox.c) and the result cache (asm_cache.c).  Private to
 * sim/loader/asm*.c. */
#ifndef HVSIM_SIM_ASM_INTERNAL_H
#define HVSIM_SIM_ASM_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "sim/loader/scenario.h"

/* Hand the assembled fields of `from` (base, bytes, size, syms, nsyms) to
 * `out`, leaving its other fields alone (asm_assemble()'s contract). */
static inline void asm_block_give(struct code_block *out, const struct code_block *from)
{
	out->base = from->base;
	out->bytes = from->bytes;
	out->size = from->size;
	out->syms = from->syms;
	out->nsyms = from->nsyms;
}

/* ---- asm_check.c: what the text may not do ------------------------------- */

/* Refuse text that would make GNU as read a file (.incbin, .include, and the
 * macro tricks that could spell them), that switches the lexer to modes the
 * check does not follow (.altmacro, .mri), and labels or symbols that Intel
 * syntax reads as keywords, register names or size operators.  Returns 0, or
 * -1 with the message in err, *line the 1-based line of `text` and *col the
 * 0-based byte offset within that line. */
int asm_check_text(const char *text, int *line, int *col, char *err, size_t errsize);
/* The same for AArch64 text (issue 20): '#' is an immediate marker and "//"
 * starts a comment (GNU as for aarch64), and there are no Intel keywords. */
int asm_check_text_arch(const char *text, bool a64, int *line, int *col, char *err, size_t errsize);

/* The keyword list (for tests): returns the kind of `name` (compared without
 * case) or NULL when it is an ordinary symbol name: "size" (a size operator,
 * with *size set to what `[rip + name]` would add), "operator" or
 * "register". */
const char *asm_keyword_kind(const char *name, size_t len, unsigned *size);

/* ---- asm_sandbox.c: running the binutils ---------------------------------- */

/* Limits for one tool run (docs/errors.md, "Assembler limits"). */
#define ASM_WALL_SECONDS   20           /* wall clock; HVSIM_ASM_TIMEOUT overrides */
#define ASM_CPU_SECONDS    15           /* RLIMIT_CPU */
#define ASM_MEM_BYTES      (1ull << 30) /* RLIMIT_AS: 1 GiB */
#define ASM_FSIZE_BYTES    (128ull << 20) /* RLIMIT_FSIZE: 128 MiB per file */
#define ASM_NOFILE         64           /* RLIMIT_NOFILE */

/* A tool resolved to an executable path, with its identity for the cache key. */
struct asm_tool {
	const char *name;      /* as given: "as" or $HVSIM_AS */
	const char *envname;   /* "HVSIM_AS" */
	char path[4096];       /* resolved absolute or relative-with-slash path */
	int err;               /* errno when it could not be resolved, else 0 */
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns, ctime_ns;
};

/* Resolve `t->name` on $PATH (or as a path when it holds a '/'); fills the
 * rest of *t.  Returns 0 or -1 (t->err set). */
int asm_tool_resolve(struct asm_tool *t);

struct asm_sandbox {
	char dir[4096];        /* private mkdtemp() directory (0700) */
	char cwd[4200];        /* dir/cwd: empty, the tools' working directory */
	char *envp[8];         /* the tools' whole environment */
	char envbuf[3][4200];
	int sig;               /* SIGINT/SIGTERM/SIGHUP taken during the runs, else 0 */
	bool blocked;          /* the signal mask below is in force */
	sigset_t oldmask;      /* the mask before asm_sandbox_begin() */
	sigset_t waitset;      /* the signals taken (SIGCHLD + the ones not ignored) */
	unsigned wall;         /* seconds */
};

/* Outcome of asm_sandbox_run(). */
enum asm_run_status {
	ASM_RUN_EXITED,        /* *exit_status is the exit status */
	ASM_RUN_SIGNALED,      /* killed by a signal other than the limits below */
	ASM_RUN_TIMEOUT,       /* wall-clock limit: the process group was killed */
	ASM_RUN_CPU,           /* SIGXCPU */
	ASM_RUN_FSIZE,         /* SIGXFSZ */
	ASM_RUN_INTERRUPTED,   /* SIGINT/SIGTERM/SIGHUP reached hvsim: children killed */
	ASM_RUN_FAILED,        /* fork failed (errno in *exit_status) */
};

/* Create the private directory and block SIGINT/SIGTERM/SIGHUP/SIGCHLD so that
 * a signal during the runs is taken, the children killed and the directory
 * removed before it acts.  Returns 0 or -1 with a message. */
int asm_sandbox_begin(struct asm_sandbox *sb, char *err, size_t errsize);

/* Run tool `t` with argv (argv[0] ignored: t->path is executed) in sb->cwd,
 * stdin /dev/null, stdout and stderr to the files sb->dir/out_name and
 * sb->dir/err_name, no other descriptors, the minimal environment and the
 * limits above; wait for it. */
enum asm_run_status asm_sandbox_run(struct asm_sandbox *sb, const struct asm_tool *t,
				    char *const argv[], const char *out_name,
				    const char *err_name, int *exit_status);

/* sb->dir/name into buf. */
void asm_sandbox_path(const struct asm_sandbox *sb, const char *name, char *buf, size_t n);

/* Remove the directory with everything in it, restore the signal mask and,
 * if a signal was taken, raise it again (its usual action then happens:
 * normally the process ends).  Returns the signal number taken, or 0. */
int asm_sandbox_end(struct asm_sandbox *sb);

/* ---- asm_cache.c: results by key ------------------------------------------ */

#define ASM_CACHE_MAX_BYTES   (64ull << 20)   /* evict oldest entries past 64 MiB */
#define ASM_CACHE_MAX_ENTRIES 4096            /* ... or past 4096 entries */

struct asm_key {
	uint64_t h[2];         /* names the entry */
	uint64_t check;        /* a third hash, stored and compared */
};

/* Key on everything that determines the bytes. */
void asm_cache_key(struct asm_key *k, int mode, uint64_t base, const char *text,
		   const struct asm_tool *tools, size_t ntools);

/* Open the cache directory, creating it 0700; NULL-equivalent (-1) when there
 * is none or it is not safe to use (not ours, or group/world-writable).
 * Returns a directory descriptor. */
int asm_cache_open(void);

/* Load an entry into out (base, bytes, size, syms, nsyms): 0, or -1 when
 * absent or not intact (wrong key, wrong content hash, bad format). */
int asm_cache_load(int dfd, const struct asm_key *k, uint64_t base, struct code_block *out);

/* Store an entry (atomically) and evict the oldest past the bounds. */
void asm_cache_store(int dfd, const struct asm_key *k, const struct code_block *cb);

#endif
