/* outfile.h - all-or-nothing output files.
 *
 * Output goes to FILE.tmp.PID next to FILE (same directory, so the final
 * rename is atomic) and is renamed over FILE only by outfile_commit().  On
 * any error, on outfile_abort() and on SIGINT/SIGTERM/SIGHUP the temporary
 * is removed, so a failed run never leaves a partial or stale file behind:
 * either FILE is the complete new output or it is untouched.
 *
 * "-" (or NULL) means standard output.  That output is collected in memory
 * and written only on commit, so an error also leaves stdout empty.
 * A FILE that exists and is not a regular file (/dev/null, a FIFO) is
 * written directly. */
#ifndef HVSIM_SIM_OUTFILE_H
#define HVSIM_SIM_OUTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;                       /* write here */
	char *path;                    /* final path (NULL for stdout) */
	char *tmp;                     /* temporary path (NULL if writing directly) */
	bool is_stdout;
	char *membuf;                  /* stdout: collected output */
	size_t memlen;
};

/* Open.  Returns 0, or -1 with "PATH:0:0: message" in err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errsize);
/* Flush, close and rename into place (or copy the buffer to stdout).
 * Returns 0, or -1 with a message in err (the temporary is removed). */
int outfile_commit(struct outfile *o, char *err, size_t errsize);
/* Discard everything written; safe to call after a failed open or commit. */
void outfile_abort(struct outfile *o);

#endif
