/* outfile.c - write to a mkstemp() temporary, rename on commit (outfile.h). */
#define _GNU_SOURCE
#include "sim/util/outfile.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- temporaries removed on a signal ----------------------------------------
 *
 * The handler only reads static storage and calls unlink() and raise(),
 * both async-signal-safe: a slot's path lives in a static buffer (never
 * freed), published by setting its state to SLOT_LIVE after the path is
 * complete, and withdrawn (SLOT_FREE) before the buffer is reused.  The
 * handler is installed with SA_RESETHAND, so re-raising the signal ends the
 * process with the default action (and the usual exit status) once the
 * handler returns. */
#define SLOTS 16
enum { SLOT_FREE, SLOT_TAKEN, SLOT_LIVE };
static char slot_path[SLOTS][PATH_MAX];
static atomic_int slot_state[SLOTS];
static atomic_bool handlers_installed;
static atomic_bool stdout_failed;

static void on_signal(int sig)
{
	int saved = errno;
	for (int i = 0; i < SLOTS; i++)
		if (atomic_load(&slot_state[i]) == SLOT_LIVE)
			unlink(slot_path[i]);
	errno = saved;
	raise(sig);
}

static void install_handlers(void)
{
	if (atomic_exchange(&handlers_installed, true))
		return;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa, old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;                  /* keep ignored signals ignored */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

static int slot_take(void)
{
	for (int i = 0; i < SLOTS; i++) {
		int want = SLOT_FREE;
		if (atomic_compare_exchange_strong(&slot_state[i], &want, SLOT_TAKEN))
			return i;
	}
	return -1;
}

static void slot_release(int i)
{
	if (i >= 0)
		atomic_store(&slot_state[i], SLOT_FREE);
}

bool outfile_stdout_failed(void)
{
	return atomic_load(&stdout_failed);
}

/* ---- opening ------------------------------------------------------------- */

static mode_t file_mode(void)
{
	/* 0666 minus the umask, read once (umask() has no read-only form;
	 * the first output is opened before any worker thread creates files) */
	static atomic_int cached = -1;
	int m = atomic_load(&cached);
	if (m < 0) {
		mode_t u = umask(077);
		umask(u);
		m = (int)(0666 & ~u);
		atomic_store(&cached, m);
	}
	return (mode_t)m;
}

/* /dev/stderr, /dev/fd/N, /proc/self/fd/N: the descriptor, else -1. */
static int fd_alias(const char *path)
{
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	const char *n = NULL;
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	if (!n || !*n)
		return -1;
	char *end;
	long v = strtol(n, &end, 10);
	return *end || v < 0 || v > INT_MAX ? -1 : (int)v;
}

static int open_stdout(struct outfile *o, char *err, size_t errsize)
{
	o->is_stdout = true;
	o->f = open_memstream(&o->membuf, &o->memlen);
	if (!o->f) {
		snprintf(err, errsize, "-:0:0: cannot buffer output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Write to descriptor fd (a device, FIFO, or an inherited descriptor). */
static int open_direct(struct outfile *o, int fd, char *err, size_t errsize)
{
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* A temporary in target's directory: ".BASE.XXXXXX" (".hvsim.XXXXXX" for
 * a very long BASE), created with O_EXCL by mkostemp(). */
static int open_temporary(struct outfile *o, char *err, size_t errsize)
{
	const char *t = o->target, *slash = strrchr(t, '/');
	size_t dl = slash ? (size_t)(slash - t) + 1 : 0;
	const char *base = t + dl;
	if (strlen(base) > 200)
		base = "hvsim";
	if (dl + strlen(base) + 9 > PATH_MAX) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(ENAMETOOLONG));
		return -1;
	}
	o->slot = slot_take();
	if (o->slot < 0) {
		snprintf(err, errsize, "%s:0:0: cannot write: too many output files at once", o->path);
		return -1;
	}
	install_handlers();
	char *p = slot_path[o->slot];
	snprintf(p, PATH_MAX, "%.*s.%s.XXXXXX", (int)dl, t, base);
	/* no signal between creating the file and publishing its name */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int fd = mkostemp(p, O_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		atomic_store(&slot_state[o->slot], SLOT_LIVE);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		slot_release(o->slot);
		o->slot = -1;
		snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(e));
		return -1;
	}
	o->tmp = p;
	if (fchmod(fd, file_mode()) != 0 || !(o->f = fdopen(fd, "w"))) {
		snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(errno));
		close(fd);
		return -1;                 /* the caller removes the temporary */
	}
	return 0;
}

static void outfile_release(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	slot_release(o->slot);
	free(o->path);
	free(o->target);
	free(o->membuf);
	memset(o, 0, sizeof(*o));
	o->slot = -1;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errsize)
{
	memset(o, 0, sizeof(*o));
	o->slot = -1;
	if (!path || !strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return open_stdout(o, err, errsize);
	if (!*path) {
		snprintf(err, errsize, ":0:0: empty output file name");
		return -1;
	}
	if (!(o->path = strdup(path)))
		goto nomem;
	int fd = fd_alias(path);
	if (fd == 1) {
		free(o->path);
		o->path = NULL;
		return open_stdout(o, err, errsize);
	}
	if (fd >= 0) {
		if (open_direct(o, fcntl(fd, F_DUPFD_CLOEXEC, 3), err, errsize))
			goto fail;
		return 0;
	}

	struct stat st;
	bool exists = lstat(path, &st) == 0;
	if (exists && S_ISLNK(st.st_mode)) {
		/* write through the link: replace the file it points to */
		o->target = realpath(path, NULL);
		if (!o->target || stat(o->target, &st) != 0) {
			snprintf(err, errsize, "%s:0:0: cannot write: a symbolic link to %s", path,
				 errno == ENOENT ? "a file that does not exist" : strerror(errno));
			goto fail;
		}
	} else if (!(o->target = strdup(path))) {
		goto nomem;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "%s:0:0: cannot write: is a directory", path);
		goto fail;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* device, FIFO, socket: written directly, never replaced */
		if (open_direct(o, open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC), err, errsize))
			goto fail;
		return 0;
	}
	if (open_temporary(o, err, errsize))
		goto fail;
	return 0;
nomem:
	snprintf(err, errsize, "%s:0:0: out of memory", path);
fail:
	outfile_release(o);
	return -1;
}

/* ---- committing ------------------------------------------------------------ */

static int commit_stdout(struct outfile *o, char *err, size_t errsize)
{
	bool bad = ferror(o->f) != 0;
	if (fclose(o->f) != 0)
		bad = true;
	o->f = NULL;
	if (bad) {
		snprintf(err, errsize, "-:0:0: cannot buffer output");
		return -1;
	}
	if ((o->memlen && fwrite(o->membuf, 1, o->memlen, stdout) != o->memlen) || fflush(stdout) != 0) {
		snprintf(err, errsize, "-:0:0: cannot write standard output: %s", strerror(errno));
		atomic_store(&stdout_failed, true);
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t errsize)
{
	int rc = 0;
	if (!o->f) {
		snprintf(err, errsize, "%s:0:0: output was not opened", o->path ? o->path : "-");
		rc = -1;
	} else if (o->is_stdout) {
		rc = commit_stdout(o, err, errsize);
	} else {
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
		struct stat st;
		if (bad) {
			snprintf(err, errsize, "%s:0:0: cannot write: %s", o->path, strerror(saved ? saved : EIO));
			rc = -1;
		} else if (o->tmp && lstat(o->target, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* replaced by something else while we wrote: leave it alone */
			snprintf(err, errsize, "%s:0:0: cannot write: no longer a regular file", o->path);
			rc = -1;
		} else if (o->tmp && rename(o->tmp, o->target) != 0) {
			snprintf(err, errsize, "%s:0:0: cannot rename into place: %s", o->path, strerror(errno));
			rc = -1;
		} else if (o->tmp) {
			slot_release(o->slot);
			o->slot = -1;
			o->tmp = NULL;     /* renamed: nothing to remove */
		}
	}
	outfile_release(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	outfile_release(o);
}

/* ---- inputs and outputs of one command ------------------------------------------ */

struct ident {
	const char *path;
	bool exists;                   /* a regular file: dev/ino */
	dev_t dev;
	ino_t ino;
	char *canon;                   /* a file to be created: its resolved path */
};

static void ident_of(const char *path, struct ident *id)
{
	memset(id, 0, sizeof(*id));
	id->path = path;
	if (!path || !strcmp(path, "-") || !strcmp(path, "/dev/stdout") || fd_alias(path) >= 0)
		return;
	struct stat st;
	if (stat(path, &st) == 0) {
		id->exists = S_ISREG(st.st_mode);
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return;
	}
	struct stat lst;
	if (lstat(path, &lst) == 0)
		return;                    /* a dangling link: refused when opened */
	/* not there yet: realpath of the directory + the name */
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	char *rdir = dir ? realpath(dir, NULL) : NULL;
	const char *base = slash ? slash + 1 : path;
	if (rdir && *base && strcmp(base, ".") && strcmp(base, "..") &&
	    asprintf(&id->canon, "%s/%s", strcmp(rdir, "/") ? rdir : "", base) < 0)
		id->canon = NULL;
	free(rdir);
	free(dir);
}

static bool ident_same(const struct ident *a, const struct ident *b)
{
	if (a->exists && b->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return a->canon && b->canon && !strcmp(a->canon, b->canon);
}

int outfile_check_io(const char *const *inputs, size_t nin, const char *const *outputs,
		     const char *const *note, size_t nout, char *err, size_t errsize)
{
	struct ident *in = calloc(nin + 1, sizeof(*in)), *out = calloc(nout + 1, sizeof(*out));
	int rc = 0;
	if (!in || !out) {
		snprintf(err, errsize, "hvsim: out of memory");
		rc = -1;
		goto done;
	}
	for (size_t i = 0; i < nin; i++)
		ident_of(inputs[i], &in[i]);
	for (size_t i = 0; i < nout; i++)
		ident_of(outputs[i], &out[i]);
	for (size_t i = 0; i < nout && !rc; i++) {
		const char *how = note && note[i] ? note[i] : NULL;
		for (size_t k = 0; k < nin && !rc; k++)
			if (in[k].exists && ident_same(&out[i], &in[k])) {
				snprintf(err, errsize, "%s:0:0: refusing to overwrite the input '%s'%s%s%s; "
					 "choose another output name", outputs[i], inputs[k], how ? " (" : "",
					 how ? how : "", how ? ")" : "");
				rc = -1;
			}
		for (size_t k = 0; k < i && !rc; k++)
			if (ident_same(&out[i], &out[k])) {
				const char *how_k = note && note[k] ? note[k] : NULL;
				snprintf(err, errsize, "%s:0:0: refusing to write the same file twice ('%s'%s%s and '%s'%s%s); "
					 "choose another output name", outputs[i], outputs[k], how_k ? ", " : "",
					 how_k ? how_k : "", outputs[i], how ? ", " : "", how ? how : "");
				rc = -1;
			}
	}
done:
	for (size_t i = 0; in && i < nin; i++)
		free(in[i].canon);
	for (size_t i = 0; out && i < nout; i++)
		free(out[i].canon);
	free(in);
	free(out);
	return rc;
}
