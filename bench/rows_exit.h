/* rows_exit.h - the exit and event rows of bench_hvsim (bench/rows_exit.c).
 *
 * Each function times one round of one row: both sides (`raw`: raw Unicorn,
 * QEMU TCG, or the cold run; `hv`: hvsim, or the warm run) in seconds, and
 * the units of work they did.  Return 0, or 1 to skip the row with the
 * reason in `why` (a tool that is not installed). */
#ifndef HVSIM_BENCH_ROWS_EXIT_H
#define HVSIM_BENCH_ROWS_EXIT_H
#include <stdbool.h>
#include <stddef.h>

struct exit_opts {
	bool quick;          /* smoke-test sizes */
	int round;           /* round number: even rounds time raw first, odd ones hvsim first */
};

struct exit_sample {
	double raw, hv;      /* seconds (< 0 = not measured) */
};

int exit_round_out_vmx(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_out_svm(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_out_insn(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_db_idt(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_ss_idt(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_db_floor(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_ss_floor(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);
int exit_round_check(const struct exit_opts *o, struct exit_sample *s, double *units, char *why, size_t n);

#endif
