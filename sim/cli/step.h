/* step.h - the state of one `hvsim step` session, shared by the session
 * driver (cmd_step.c: the run, its hooks, input, Ctrl-C) and the command
 * interpreter (step_cmds.c: parsing and running one command line). */
#ifndef HVSIM_SIM_CLI_STEP_H
#define HVSIM_SIM_CLI_STEP_H
#include <stdbool.h>
#include <stdint.h>
#include "debugreg/policy.h"
#include "sim/loader/scenario.h"
#include "sim/run.h"

#define STEP_MAX_BPS 64
#define STEP_LINE_MAX 4096             /* longest command line, NUL included */

enum step_mode { M_STEP, M_CONT, M_UNTIL_EXIT, M_UNTIL_RIP };

/* A debugger breakpoint (not a guest DR): stop before executing addr. */
struct step_bp {
	unsigned no;                   /* gdb-style number, never reused */
	uint64_t addr;
	uint64_t hits;
};

struct step {
	/* ---- the session (kept across `r`) ---- */
	const struct scenario *sc;
	const char *help;              /* the command list (the verb's help text) */
	const char *vendor;            /* "vmx", "svm" or "none" */
	const char *const *exit_names; /* the vendor's exit reasons (NULL on bare metal) */
	unsigned nexit_names;
	unsigned cmdno;                /* prompt number */
	bool trace;                    /* print every event */
	bool echo;                     /* input is not a terminal: echo commands */
	struct step_bp bps[STEP_MAX_BPS];
	unsigned nbps, next_bp;

	/* ---- this run ---- */
	struct run_machine m;
	bool live;                     /* stopped inside the run (else it has ended) */
	uint64_t rip;                  /* live: the next instruction, or the exit's rip */
	const struct run_result *res;  /* after the run */
	struct policy pol;             /* the policy in force (has_pol: not bare metal) */
	bool has_pol;
	enum step_mode mode;
	uint64_t left;                 /* M_STEP: instructions until the next prompt */
	const char *until_reason;      /* M_UNTIL_EXIT: an exit_names entry, NULL = any */
	uint64_t until_rip;
	bool quit;                     /* q or end of input */
	bool restart;                  /* r: end this run and start again */
	uint64_t insns;                /* guest instructions observed */
};

/* Run one command line (NUL-terminated, at most STEP_LINE_MAX - 1 bytes,
 * modified in place).  Returns true when the command resumes the run (or
 * quits, or restarts: st->quit / st->restart); false to read the next
 * line.  A bad command or argument prints one line "  error: ..." and
 * changes nothing. */
bool step_command(struct step *st, char *line);

/* "<label>" or "<label+0x3>" for an address inside the guest code (the
 * nearest label at or below it; of several at one address, the
 * alphabetically first), "" otherwise. */
void step_symbolize(const struct step *st, uint64_t addr, char *buf, size_t size);

#endif
