/* progress.h - the progress line of long-running verbs (run, compare) on
 * standard error, only when standard error is a terminal: redrawn with
 * "\r" four times a second by a ticker thread, so it moves even while one
 * long run is under way; nothing at all otherwise (pipes, files, CI logs).
 * `sweep` has its own, with a rate and time left. */
#ifndef HVSIM_SIM_CLI_PROGRESS_H
#define HVSIM_SIM_CLI_PROGRESS_H
#include <stddef.h>

struct progress;

/* "VERB: DONE/TOTAL runs[, LABEL], S s": NULL (and no thread) unless
 * standard error is a terminal.  Every function takes NULL. */
struct progress *progress_start(const char *verb, size_t total);
/* Runs finished so far and what runs now (copied; NULL = nothing). */
void progress_set(struct progress *p, size_t done, const char *label);
/* The last line ("VERB: N/T runs in S s"), a newline, and the thread gone. */
void progress_finish(struct progress *p);

#endif
