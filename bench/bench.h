/* bench.h - the rows of bench_hvsim: one workload each, the same guest bytes
 * run by raw Unicorn 2.0.1 and by hvsim, measured side by side in one run.
 *
 * A rows file (bench/rows_NAME.c) defines `const struct bench_rows
 * bench_rows_NAME` and is listed once in bench/rows.def; CMake links every
 * bench/rows_*.c into bench_hvsim.  A row says what it runs (struct
 * bench_pair, filled by its `setup` for the chosen size) or, for anything
 * else (another emulator, a CLI), how to time one round itself (`round`).
 *
 * Each round times raw then hvsim (then the baseline, for overhead rows) in
 * alternating order; the table shows the medians of the rounds and the
 * median of the per-round ratios ("paired rounds": machine noise hits both
 * sides of a round alike, unicorn-facts §0). */
#ifndef HVSIM_BENCH_H
#define HVSIM_BENCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a row is judged against its target. */
enum bench_check {
	BENCH_INFO,       /* shown, not judged */
	BENCH_RATIO,      /* raw time / hvsim time >= limit (hvsim at least `limit` of raw speed) */
	BENCH_OVERHEAD,   /* hvsim time / baseline time - 1 <= limit */
	BENCH_LINEAR,     /* hvsim time per unit <= limit x that of the row `ref` */
	BENCH_RATE,       /* units per second of hvsim >= limit */
};

/* The options every row sees. */
struct bench_opts {
	bool quick;          /* --quick: smoke-test sizes */
	int reps;            /* paired rounds per row */
	int round;           /* the round being timed (0..reps-1): a `round` function times
			      * raw first in even rounds, hvsim first in odd ones */
};

/* One initial register of a guest (64-bit names). */
struct bench_reg {
	const char *name;    /* "rcx", "r8", ... */
	uint64_t val;
};

/* A guest as both sides load it: code at `base` (its own mapping), at most
 * one data region, registers; it ends with HLT at `hlt`. */
struct bench_guest {
	const uint8_t *code;     /* guest bytes */
	size_t ncode;            /* their length */
	uint64_t base;           /* load address (0 = 0x1000) */
	uint64_t hlt;            /* address of the final HLT: raw Unicorn stops there */
	uint64_t data_addr;      /* data region (data_size 0 = none) */
	uint64_t data_size;
	struct bench_reg regs[6];
	unsigned nregs;
};

/* What a row runs for one size. */
struct bench_pair {
	struct bench_guest g;    /* the guest bytes */
	const char *vendor;      /* hvsim vendor: "vmx" (NULL), "svm", "none" */
	const char *hv_yaml;     /* extra top-level YAML of the hvsim scenario (e.g. "host:\n  timer: ..."), or NULL */
	const char *base_yaml;   /* BENCH_OVERHEAD: the baseline scenario's extra YAML ("" = none) */
	double units;            /* units of work per run (iterations, instructions, stores) */
	uint64_t insns;          /* guest instructions hvsim must report (0 = not checked) */
};

/* One paired round: seconds per run of each side (< 0 = not measured). */
struct bench_sample {
	double raw, hv, base;
};

struct bench_row {
	const char *id;          /* unique, [a-z0-9_]; `--only` selects by it */
	const char *label;       /* the workload, as the table names it */
	const char *target;      /* id of the struct bench_target it counts for, or NULL */
	enum bench_check check;
	double limit;            /* threshold of `check` */
	const char *ref;         /* BENCH_LINEAR: id of the reference row */
	const char *unit;        /* per what the times are shown ("insn", "iter", "store") */
	/* Fill *p for these options; return 0, or 1 to skip the row with a
	 * reason in `why` (e.g. a tool is not installed). */
	int (*setup)(const struct bench_opts *o, struct bench_pair *p, char *why, size_t whysize);
	/* Optional: time one round itself instead of the generic runner (raw,
	 * hv, base in seconds; *units set on the first call).  Return 0, or 1
	 * to skip the row with a reason. */
	int (*round)(const struct bench_opts *o, struct bench_sample *s, double *units, char *why,
		     size_t whysize);
	const char *note;        /* footnote: what limits the row (e.g. Unicorn 2.0.1 itself) */
};

/* A target of the issue: met when every judged row that counts for it is. */
struct bench_target {
	const char *id;
	const char *text;        /* the summary line */
};

/* The tables of one rows file. */
struct bench_rows {
	const struct bench_row *rows;
	size_t nrows;
	const struct bench_target *targets;
	size_t ntargets;
};

/* bench_hvsim.c: shared by the rows files and legacy.c */
double bench_now(void);                           /* CLOCK_MONOTONIC seconds */
double bench_cpu(void);                           /* CPU seconds of this process (bench_hvsim.c) */
double bench_median(double *v, int n);            /* sorts v */
int bench_hvsim_bin(char *buf, size_t n);         /* $HVSIM or the hvsim next to this executable; 0 if executable */
void bench_die(const char *what, const char *msg) __attribute__((noreturn));
/* legacy.c: figures (a)-(e) of before issue 16; `which` holds the letters.
 * Returns the number of missed targets. */
int legacy_run(const char *which, bool quick, int reps);
int legacy_rss_child(unsigned long long iters);

#define BENCH_ROWS(name) extern const struct bench_rows bench_rows_##name;
#include "rows.def"
#undef BENCH_ROWS

/* Guest bytes assembled by the C compiler's assembler (Intel syntax), so
 * that no row hand-encodes instructions:
 *   BENCH_BLOB(alu, "1: add rax, rbx\n dec r8\n jnz 1b\n hlt\n");
 * defines bench_alu_start[] / bench_alu_end[]. */
#define BENCH_BLOB(n, text)                                                              \
	extern const uint8_t bench_##n##_start[], bench_##n##_end[];                     \
	__asm__(".pushsection .rodata.bench_" #n ",\"a\"\n"                              \
		".intel_syntax noprefix\n"                                               \
		".globl bench_" #n "_start\nbench_" #n "_start:\n" text                  \
		".globl bench_" #n "_end\nbench_" #n "_end:\n"                           \
		".att_syntax prefix\n"                                                   \
		".popsection\n")
#define BENCH_BLOB_LEN(n) ((size_t)(bench_##n##_end - bench_##n##_start))

#endif
