/* reuse.c - the guest and host engines of each thread's last run, kept for
 * the next run of the same guest (sim/reuse.h; cpu/engine/reuse.c does the
 * reset).
 *
 * "The same guest" is the same memory image and initial registers: the key
 * is everything build_guest (sim/run.c) reads from the scenario -- mode,
 * code and data bytes and addresses, registers, guest.user -- copied and
 * compared byte for byte, plus whether the run keeps RIP exact on loads;
 * for the host engine, the snippets build_host maps.
 * One engine per thread: `hvsim compare` and `sweep` hand a worker the
 * runs of one scenario after another, `check` and the tests run one
 * scenario's policies and vendors in a row. */
#include "sim/reuse.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct keybuf { uint8_t *p; size_t n, cap; bool oom; };

static void put(struct keybuf *k, const void *p, size_t n)
{
	if (k->oom)
		return;
	if (k->n + n > k->cap) {
		size_t c = k->cap ? k->cap : 256;
		while (c < k->n + n)
			c *= 2;
		uint8_t *q = realloc(k->p, c);
		if (!q) {
			k->oom = true;
			return;
		}
		k->p = q;
		k->cap = c;
	}
	memcpy(k->p + k->n, p, n);
	k->n += n;
}

static void put_u64(struct keybuf *k, uint64_t v) { put(k, &v, sizeof(v)); }

static void put_str(struct keybuf *k, const char *s)
{
	put_u64(k, strlen(s));
	put(k, s, strlen(s));
}

/* The key of a run's guest engine (host = false) or host engine: NULL if
 * out of memory. */
static uint8_t *make_key(const struct scenario *sc, bool host, bool precise, size_t *n)
{
	struct keybuf k = { NULL, 0, 0, false };
	put_u64(&k, host);
	if (host) {
		/* build_host: the host stack and the snippets, each with a HLT */
		put_u64(&k, sc->host.nsnippets);
		for (size_t i = 0; i < sc->host.nsnippets; i++) {
			const struct code_block *cb = &sc->host.snippets[i].code;
			put_u64(&k, cb->base);
			put_u64(&k, cb->size);
			put(&k, cb->bytes, cb->size);
		}
	} else {
		const struct code_block *cb = &sc->guest.code;
		put_u64(&k, (uint64_t)sc->guest.mode);
		put_u64(&k, precise);
		put_u64(&k, cb->base);
		put_u64(&k, cb->size);
		put(&k, cb->bytes, cb->size);
		put_u64(&k, sc->guest.ndata);
		for (size_t i = 0; i < sc->guest.ndata; i++) {
			const struct data_region *d = &sc->guest.data[i];
			put_u64(&k, d->addr);
			put_u64(&k, d->size);
			put_u64(&k, d->bytes ? d->nbytes : 0);
			if (d->bytes)
				put(&k, d->bytes, d->nbytes);
		}
		put_u64(&k, sc->guest.nregs);
		for (size_t i = 0; i < sc->guest.nregs; i++) {
			put_str(&k, sc->guest.regs[i].name);
			put_u64(&k, sc->guest.regs[i].value);
		}
		put_u64(&k, sc->guest.has_user);
		put_u64(&k, sc->guest.user_tables);
		put_u64(&k, sc->guest.user_entry);
		put_u64(&k, sc->guest.user_stack);
		/* an SMP guest: its vCPUs (build_vcpu), kept as a group */
		put_u64(&k, sc->guest.nvcpus);
		for (size_t i = 0; i < sc->guest.nvcpus; i++) {
			const struct vcpu_spec *v = &sc->guest.vcpus[i];
			put_u64(&k, v->entry);
			put_u64(&k, v->nregs);
			for (size_t j = 0; j < v->nregs; j++) {
				put_str(&k, v->regs[j].name);
				put_u64(&k, v->regs[j].value);
			}
		}
	}
	if (k.oom) {
		free(k.p);
		return NULL;
	}
	*n = k.n;
	return k.p;
}

/* This thread's kept engines -- the guest's (one per vCPU, vCPU 0 first)
 * and the host's -- and the keys they were built for. */
struct kept {
	struct engine *g[REUSE_MAX_VCPUS]; unsigned ng; uint8_t *gkey; size_t ngkey;
	struct engine *h; uint8_t *hkey; size_t nhkey;
};
static __thread struct kept kept;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void drop_guest(struct kept *k)
{
	for (unsigned i = k->ng; i-- > 0;)       /* vCPU 0, which owns the memory, last */
		engine_free(k->g[i]);
	free(k->gkey);
	k->ng = 0;
	k->gkey = NULL;
	k->ngkey = 0;
}

static void drop_host(struct kept *k)
{
	engine_free(k->h);
	free(k->hkey);
	k->h = NULL;
	k->hkey = NULL;
	k->nhkey = 0;
}

/* At thread exit (pool workers): free what the thread kept. */
static void on_exit_thread(void *p)
{
	drop_guest(p);
	drop_host(p);
}

/* At process exit: what the exiting thread kept (the main thread's; pool
 * workers have exited before).  Unicorn's own bookkeeping of a live engine
 * sits where the leak checker does not look. */
static void on_exit_process(void)
{
	drop_guest(&kept);
	drop_host(&kept);
}

static void make_exit_key(void)
{
	pthread_key_create(&exit_key, on_exit_thread);
	atexit(on_exit_process);
}

static void registered(void)
{
	pthread_once(&exit_once, make_exit_key);
	pthread_setspecific(exit_key, &kept);
}

static bool same_key(const struct scenario *sc, bool host, bool precise, const uint8_t *key, size_t n)
{
	size_t m = 0;
	uint8_t *k = make_key(sc, host, precise, &m);
	bool same = k && m == n && !memcmp(k, key, n);
	free(k);
	return same;
}

unsigned reuse_take_guest(const struct scenario *sc, bool precise, struct cpu *cpu, struct engine **v)
{
	if (!kept.ng || !same_key(sc, false, precise, kept.gkey, kept.ngkey))
		return 0;
	unsigned n = kept.ng;
	memcpy(v, kept.g, n * sizeof(*v));
	kept.ng = 0;                         /* in use; given back after the run */
	free(kept.gkey);
	kept.gkey = NULL;
	if (!engine_reset_group(v, n, cpu)) {
		for (unsigned i = n; i-- > 0;)
			engine_free(v[i]);
		return 0;
	}
	return n;
}

void reuse_give_guest(const struct scenario *sc, bool precise, struct engine *const *v, unsigned n)
{
	bool ok = n > 0 && n <= REUSE_MAX_VCPUS;
	for (unsigned i = 0; ok && i < n; i++)
		ok = v[i] && engine_reusable(v[i]);
	size_t m = 0;
	uint8_t *key = ok ? make_key(sc, false, precise, &m) : NULL;
	if (!key) {
		for (unsigned i = n; i-- > 0;)
			engine_free(v[i]);
		return;
	}
	drop_guest(&kept);
	memcpy(kept.g, v, n * sizeof(*v));
	kept.ng = n;
	kept.gkey = key;
	kept.ngkey = m;
	registered();
}

struct engine *reuse_take_host(const struct scenario *sc, struct cpu *cpu)
{
	if (!kept.h || !same_key(sc, true, false, kept.hkey, kept.nhkey))
		return NULL;
	struct engine *e = kept.h;
	kept.h = NULL;
	free(kept.hkey);
	kept.hkey = NULL;
	if (!engine_reset(e, cpu)) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void reuse_give_host(const struct scenario *sc, struct engine *e)
{
	if (!e)
		return;
	size_t m = 0;
	uint8_t *key = engine_reusable(e) ? make_key(sc, true, false, &m) : NULL;
	if (!key) {
		engine_free(e);
		return;
	}
	drop_host(&kept);
	kept.h = e;
	kept.hkey = key;
	kept.nhkey = m;
	registered();
}
