/* asm_cache.c - assembled results by key (asm_internal.h).
 *
 * Directory: ${HVSIM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hvsim}/asm,
 * created 0700.  It is used only when it is a real directory (not a
 * symlink) owned by the user and not group- or world-writable; otherwise
 * assembly simply runs uncached, without an error.  Entries are opened
 * relative to that directory's descriptor with O_NOFOLLOW.
 *
 * Key: the format version, mode, base, the text, and for each of as, ld,
 * objcopy and nm the resolved path and the binary's identity (device,
 * inode, size, mtime, ctime: an upgrade or a different HVSIM_AS is another
 * key), plus LD_LIBRARY_PATH (the only variable of hvsim's environment the
 * tools see).  Nothing else reaches the tools: the text cannot read files
 * (asm_check.c) and they run in an empty directory (asm_sandbox.c).
 *
 * One file per entry, KEY.asm, written to a temporary name and renamed:
 *     hvsim-asm-cache 2 check=HEX16 size=N nsyms=M sum=HEX32\n
 *     ADDR NAME\n              (M lines)
 *     N bytes of code
 * `check` is a third hash of the key (a file renamed to another key is not
 * used); `sum` hashes the check and everything after the first line, so a
 * changed byte, a same-size swap of the code or a cut file is detected and
 * the entry is assembled again (and replaced).  FNV-1a detects accidents and
 * swaps; it is not a defence against someone who can write the directory,
 * which is what the owner and mode checks are for.
 *
 * Bounds: after each store, the oldest entries (by mtime; a hit refreshes
 * it) are removed until at most ASM_CACHE_MAX_ENTRIES entries and
 * ASM_CACHE_MAX_BYTES bytes remain; entries of the old two-file format
 * (.bin/.sym) and temporaries older than an hour are removed too. */
#define _GNU_SOURCE
#include "sim/loader/asm.h"
#include "sim/loader/asm_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util.h"

#define CACHE_FORMAT   "hvsim-asm-cache 2"
#define CACHE_MAX_FILE ((64u << 20) + (16u << 20))   /* code + symbol lines */

static const uint64_t seeds[3] = {
	UTIL_FNV_OFFSET, 0x84222325cbf29ce4ULL, 0x9e3779b97f4a7c15ULL,
};

static void mix(uint64_t h[3], const void *p, size_t n)
{
	for (int i = 0; i < 3; i++)
		h[i] = util_fnv1a64(h[i], p, n);
}

void asm_cache_key(struct asm_key *k, int mode, uint64_t base, const char *text,
		   const struct asm_tool *tools, size_t ntools)
{
	uint64_t h[3] = { seeds[0], seeds[1], seeds[2] };
	char buf[4600];
	int n = snprintf(buf, sizeof buf, "%s\nmode=%d base=%" PRIx64 "\n", CACHE_FORMAT, mode, base);
	mix(h, buf, (size_t)n);
	for (size_t i = 0; i < ntools; i++) {
		const struct asm_tool *t = &tools[i];
		n = snprintf(buf, sizeof buf, "%s=%s dev=%ju ino=%ju size=%jd mtime=%lld ctime=%lld\n",
			     t->envname, t->path, (uintmax_t)t->dev, (uintmax_t)t->ino,
			     (intmax_t)t->size, t->mtime_ns, t->ctime_ns);
		mix(h, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	}
	const char *llp = getenv("LD_LIBRARY_PATH");
	mix(h, "LD_LIBRARY_PATH=", 16);
	if (llp)
		mix(h, llp, strlen(llp));
	size_t tl = strlen(text);
	n = snprintf(buf, sizeof buf, "\ntext %zu\n", tl);
	mix(h, buf, (size_t)n);
	mix(h, text, tl);
	k->h[0] = h[0];
	k->h[1] = h[1];
	k->check = h[2];
}

/* ------------------------------------------------------------ directory */

const char *asm_cache_dir(char *buf, size_t bufsize)
{
	const char *d = getenv("HVSIM_CACHE_DIR");
	int n;
	if (d && *d)
		n = snprintf(buf, bufsize, "%s/asm", d);
	else if ((d = getenv("XDG_CACHE_HOME")) && *d)
		n = snprintf(buf, bufsize, "%s/hvsim/asm", d);
	else if ((d = getenv("HOME")) && *d)
		n = snprintf(buf, bufsize, "%s/.cache/hvsim/asm", d);
	else
		n = -1;
	if ((n < 0 || (size_t)n >= bufsize) && bufsize)
		buf[0] = 0;
	return buf;
}

/* mkdir -p, new components 0700. */
static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int asm_cache_open(void)
{
	char dir[4096];
	asm_cache_dir(dir, sizeof dir);
	if (!dir[0] || mkdir_p(dir) < 0)
		return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	struct stat st;
	if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(dfd);
		return -1;
	}
	return dfd;
}

static void entry_name(const struct asm_key *k, char *buf, size_t n)
{
	snprintf(buf, n, "%016" PRIx64 "%016" PRIx64 ".asm", k->h[0], k->h[1]);
}

static void body_sum(uint64_t check, const void *body, size_t n, uint64_t sum[2])
{
	uint64_t h[3] = { seeds[0], seeds[1], seeds[2] };
	mix(h, &check, sizeof check);
	mix(h, body, n);
	sum[0] = h[0];
	sum[1] = h[1];
}

/* Read a whole regular file owned by us, at most `max` bytes. */
static char *read_entry(int dfd, const char *name, size_t max, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	    (uint64_t)st.st_size <= max && (buf = malloc((size_t)st.st_size + 1))) {
		size_t got = 0, want = (size_t)st.st_size;
		while (got < want) {
			ssize_t r = read(fd, buf + got, want - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != want) {
			free(buf);
			buf = NULL;
		} else {
			buf[got] = 0;
			*len = got;
		}
	}
	close(fd);
	return buf;
}

static int parse_entry(char *data, size_t len, const struct asm_key *k, struct code_block *cb)
{
	char *nl = memchr(data, '\n', len);
	if (!nl)
		return -1;
	*nl = 0;
	uint64_t check = 0, s0 = 0, s1 = 0;
	size_t size = 0, nsyms = 0;
	char sum[40];
	if (sscanf(data, CACHE_FORMAT " check=%" SCNx64 " size=%zu nsyms=%zu sum=%32s",
		   &check, &size, &nsyms, sum) != 4 || strlen(sum) != 32 || check != k->check)
		return -1;
	char hi[17], lo[17];
	memcpy(hi, sum, 16);
	hi[16] = 0;
	memcpy(lo, sum + 16, 16);
	lo[16] = 0;
	s0 = strtoull(hi, NULL, 16);
	s1 = strtoull(lo, NULL, 16);
	char *body = nl + 1;
	size_t blen = len - (size_t)(body - data);
	uint64_t want[2];
	body_sum(check, body, blen, want);
	if (want[0] != s0 || want[1] != s1 || size == 0 || size > blen)
		return -1;
	char *code = body + blen - size;
	char *p = body;
	if (nsyms > blen)
		return -1;
	cb->syms = calloc(nsyms ? nsyms : 1, sizeof *cb->syms);
	if (!cb->syms)
		return -1;
	for (size_t i = 0; i < nsyms; i++) {
		char *e = memchr(p, '\n', (size_t)(code - p));
		if (!e)
			return -1;
		*e = 0;
		char *sp = strchr(p, ' ');
		if (!sp || !sp[1])
			return -1;
		*sp = 0;
		char *end;
		errno = 0;
		unsigned long long a = strtoull(p, &end, 16);
		if (errno || *end || end == p)
			return -1;
		cb->syms[i].name = strdup(sp + 1);
		if (!cb->syms[i].name)
			return -1;
		cb->syms[i].addr = a;
		cb->nsyms = i + 1;
		p = e + 1;
	}
	if (p != code)
		return -1;
	cb->bytes = malloc(size);
	if (!cb->bytes)
		return -1;
	memcpy(cb->bytes, code, size);
	cb->size = size;
	return 0;
}

int asm_cache_load(int dfd, const struct asm_key *k, uint64_t base, struct code_block *out)
{
	char name[64];
	entry_name(k, name, sizeof name);
	size_t len = 0;
	char *data = read_entry(dfd, name, CACHE_MAX_FILE, &len);
	if (!data)
		return -1;
	struct code_block cb = { .base = base };
	int rc = parse_entry(data, len, k, &cb);
	free(data);
	if (rc) {
		asm_release(&cb);
		unlinkat(dfd, name, 0);   /* not intact: assemble again and replace */
		return -1;
	}
	utimensat(dfd, name, NULL, AT_SYMLINK_NOFOLLOW);   /* recently used */
	asm_block_give(out, &cb);
	return 0;
}

/* ------------------------------------------------------------ store */

struct ent {
	char name[80];
	off_t size;
	struct timespec mtime;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && !strcmp(s + n - m, suf);
}

static void evict(int dfd)
{
	int d2 = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d2 < 0)
		return;
	DIR *d = fdopendir(d2);
	if (!d) {
		close(d2);
		return;
	}
	struct ent *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		struct stat st;
		if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
			continue;
		if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (has_suffix(nm, ".bin") || has_suffix(nm, ".sym")) {
			unlinkat(dfd, nm, 0);   /* format 1 */
			continue;
		}
		if (nm[0] == '.') {
			if (now - st.st_mtim.tv_sec > 3600)
				unlinkat(dfd, nm, 0);   /* a store that never finished */
			continue;
		}
		if (!has_suffix(nm, ".asm") || strlen(nm) >= sizeof v->name)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct ent *nv = realloc(v, cap * sizeof *nv);
			if (!nv)
				break;
			v = nv;
		}
		snprintf(v[n].name, sizeof v[n].name, "%s", nm);
		v[n].size = st.st_size;
		v[n].mtime = st.st_mtim;
		total += (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	if (n > ASM_CACHE_MAX_ENTRIES || total > ASM_CACHE_MAX_BYTES) {
		qsort(v, n, sizeof *v, ent_cmp);
		for (size_t i = 0; i < n && (n - i > ASM_CACHE_MAX_ENTRIES ||
					     total > ASM_CACHE_MAX_BYTES); i++) {
			unlinkat(dfd, v[i].name, 0);
			total -= (uint64_t)v[i].size;
		}
	}
	free(v);
}

void asm_cache_store(int dfd, const struct asm_key *k, const struct code_block *cb)
{
	size_t cap = 128 + cb->size;
	for (size_t i = 0; i < cb->nsyms; i++)
		cap += strlen(cb->syms[i].name) + 20;
	char *buf = malloc(cap);
	if (!buf)
		return;
	size_t hdr_max = 128;
	char *body = buf + hdr_max;
	size_t n = 0;
	for (size_t i = 0; i < cb->nsyms; i++)
		n += (size_t)snprintf(body + n, cap - hdr_max - n, "%" PRIx64 " %s\n",
				      cb->syms[i].addr, cb->syms[i].name);
	memcpy(body + n, cb->bytes, cb->size);
	n += cb->size;
	uint64_t sum[2];
	body_sum(k->check, body, n, sum);
	char hdr[128];
	int hl = snprintf(hdr, sizeof hdr, CACHE_FORMAT " check=%016" PRIx64 " size=%zu nsyms=%zu "
			  "sum=%016" PRIx64 "%016" PRIx64 "\n", k->check, cb->size, cb->nsyms,
			  sum[0], sum[1]);
	char *start = body - hl;
	memcpy(start, hdr, (size_t)hl);
	size_t total = n + (size_t)hl;

	char name[64], tmp[96];
	entry_name(k, name, sizeof name);
	static unsigned seq;
	int fd = -1;
	for (int tries = 0; tries < 8 && fd < 0; tries++) {
		snprintf(tmp, sizeof tmp, ".tmp.%ld.%u.%ld", (long)getpid(), seq++,
			 (long)(time(NULL) ^ (long)tries));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		free(buf);
		return;
	}
	int rc = 0;
	for (size_t off = 0; off < total;) {
		ssize_t w = write(fd, start + off, total - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
		rc = -1;
	if (rc)
		unlinkat(dfd, tmp, 0);
	free(buf);
	evict(dfd);
}
