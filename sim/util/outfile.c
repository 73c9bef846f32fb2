/* outfile.c - write to FILE.tmp.PID, rename on commit (outfile.h). */
#include "sim/util/outfile.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporaries to remove if a signal ends the process.  Only paths are kept
 * (unlink() is async-signal-safe); a slot is cleared before its string is
 * freed. */
#define PENDING_MAX 8
static char *volatile pending[PENDING_MAX];
static bool handlers_installed;

static void on_signal(int sig)
{
	for (int i = 0; i < PENDING_MAX; i++) {
		char *p = pending[i];
		if (p)
			unlink(p);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	if (handlers_installed)
		return;
	handlers_installed = true;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;                  /* keep ignored signals ignored */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

static void pending_add(char *p)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (!pending[i]) {
			pending[i] = p;
			return;
		}
}

static void pending_del(const char *p)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (pending[i] == p)
			pending[i] = NULL;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errsize)
{
	memset(o, 0, sizeof(*o));
	if (!path || strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->f = open_memstream(&o->membuf, &o->memlen);
		if (!o->f) {
			snprintf(err, errsize, "-:0:0: cannot buffer output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!*path) {
		snprintf(err, errsize, ":0:0: empty output file name");
		return -1;
	}
	o->path = strdup(path);
	if (!o->path)
		goto nomem;

	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errsize, "%s:0:0: cannot write: is a directory", path);
			goto fail;
		}
		o->f = fopen(path, "w");       /* device or FIFO: no rename possible */
		if (!o->f) {
			snprintf(err, errsize, "%s:0:0: cannot write: %s", path, strerror(errno));
			goto fail;
		}
		return 0;
	}

	size_t n = strlen(path) + 32;
	o->tmp = malloc(n);
	if (!o->tmp)
		goto nomem;
	snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	install_handlers();
	pending_add(o->tmp);
	int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", path, strerror(errno));
		pending_del(o->tmp);
		goto fail;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		pending_del(o->tmp);
		goto fail;
	}
	return 0;
nomem:
	snprintf(err, errsize, "%s:0:0: out of memory", path);
fail:
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	return -1;
}

static void outfile_release(struct outfile *o)
{
	if (o->tmp) {
		pending_del(o->tmp);
		free(o->tmp);
	}
	free(o->path);
	free(o->membuf);
	memset(o, 0, sizeof(*o));
}

int outfile_commit(struct outfile *o, char *err, size_t errsize)
{
	int rc = 0;
	if (!o->f) {
		snprintf(err, errsize, "%s:0:0: output was not opened", o->path ? o->path : "-");
		outfile_release(o);
		return -1;
	}
	if (o->is_stdout) {
		bool bad = ferror(o->f) != 0;
		if (fclose(o->f) != 0)
			bad = true;
		o->f = NULL;
		if (bad) {
			snprintf(err, errsize, "-:0:0: cannot buffer output");
			rc = -1;
		} else if (o->memlen && (fwrite(o->membuf, 1, o->memlen, stdout) != o->memlen ||
					 fflush(stdout) != 0)) {
			snprintf(err, errsize, "-:0:0: cannot write standard output: %s", strerror(errno));
			rc = -1;
		} else if (!o->memlen && fflush(stdout) != 0) {
			snprintf(err, errsize, "-:0:0: cannot write standard output: %s", strerror(errno));
			rc = -1;
		}
		outfile_release(o);
		return rc;
	}

	bool bad = ferror(o->f) != 0 || fflush(o->f) != 0;
	int saved = errno;
	if (!bad && o->tmp && fsync(fileno(o->f)) != 0 && errno != EINVAL && errno != EROFS) {
		bad = true;
		saved = errno;
	}
	if (fclose(o->f) != 0 && !bad) {
		bad = true;
		saved = errno;
	}
	o->f = NULL;
	if (bad) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(saved ? saved : EIO));
		rc = -1;
	} else if (o->tmp && rename(o->tmp, o->path) != 0) {
		snprintf(err, errsize, "%s:0:0: cannot rename into place: %s", o->path, strerror(errno));
		rc = -1;
	} else if (o->tmp) {
		pending_del(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	if (rc && o->tmp)
		unlink(o->tmp);
	outfile_release(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	if (o->tmp)
		unlink(o->tmp);
	outfile_release(o);
}
