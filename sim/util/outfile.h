/* outfile.h - all-or-nothing output files.
 *
 * Output to a regular file (or to a name that does not exist yet) goes to a
 * temporary created by mkstemp() in the same directory (".NAME.XXXXXX":
 * O_EXCL, so a planted file or symlink is never followed or reused; mode
 * 0666 minus the umask) and is renamed over FILE only by outfile_commit(),
 * and only while FILE is still a regular file or absent.  On any error, on
 * outfile_abort() and on SIGINT/SIGTERM/SIGHUP the temporary is removed, so
 * a failed or interrupted run never leaves a partial or stale file behind:
 * either FILE is the complete new output or it is untouched.  Two processes
 * writing the same FILE each write their own temporary: FILE ends up as one
 * complete output, never a mix.
 *
 * What is never replaced (docs/errors.md, "Output files"):
 *  - "-", NULL and /dev/stdout mean standard output.  That output is
 *    collected in memory and written only on commit, so an error also
 *    leaves stdout empty.
 *  - /dev/stderr, /dev/fd/N and /proc/self/fd/N write to that descriptor.
 *  - A device, FIFO or socket is opened and written directly.
 *  - A symbolic link is written through: the file it points to is
 *    replaced (atomically, as above) and the link stays.  A link to a
 *    missing file is refused.
 *  - A directory is refused. */
#ifndef HVSIM_SIM_OUTFILE_H
#define HVSIM_SIM_OUTFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;                       /* write here */
	char *path;                    /* path as given (NULL for stdout), for messages */
	char *target;                  /* the file renamed over (path, or a link's target) */
	char *tmp;                     /* temporary path (NULL if writing directly) */
	int slot;                      /* signal-cleanup slot of tmp, -1 none */
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

/* True once a commit to standard output failed and its message was handed
 * to the caller: the final flush check of the command line does not print
 * it a second time. */
bool outfile_stdout_failed(void);

/* Data safety: no output may replace an input or another output of the
 * same command.  outputs[i] (NULL or "-" = standard output, skipped) is
 * compared with every input and every other output: by device and inode
 * once symlinks are resolved when the file exists, by its resolved path
 * when it does not exist yet.  Devices, FIFOs and missing inputs are not
 * compared.  note[i] (NULL, or the array NULL) says how outputs[i] was
 * derived, for the message ("chart data beside -o x.svg").  Returns 0, or
 * -1 with one line "OUTPUT:0:0: message" in err. */
int outfile_check_io(const char *const *inputs, size_t nin, const char *const *outputs,
		     const char *const *note, size_t nout, char *err, size_t errsize);

#endif
