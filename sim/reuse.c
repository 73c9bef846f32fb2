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
	}
	if (k.oom) {
		free(k.p);
		return NULL;
	}
	*n = k.n;
	return k.p;
}

/* This thread's kept engines (guest, host) and the keys they were built for. */
struct kept { struct engine *e[2]; uint8_t *key[2]; size_t nkey[2]; };
static __thread struct kept kept;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void drop(struct kept *k, int slot)
{
	engine_free(k->e[slot]);
	free(k->key[slot]);
	k->e[slot] = NULL;
	k->key[slot] = NULL;
	k->nkey[slot] = 0;
}

/* At thread exit (pool workers): free what the thread kept. */
static void on_exit_thread(void *p)
{
	drop(p, 0);
	drop(p, 1);
}

/* At process exit: what the exiting thread kept (the main thread's; pool
 * workers have exited before).  Unicorn's own bookkeeping of a live engine
 * sits where the leak checker does not look. */
static void on_exit_process(void)
{
	drop(&kept, 0);
	drop(&kept, 1);
}

static void make_exit_key(void)
{
	pthread_key_create(&exit_key, on_exit_thread);
	atexit(on_exit_process);
}

struct engine *reuse_take(const struct scenario *sc, bool host, bool precise, struct cpu *cpu)
{
	int slot = host;
	if (!kept.e[slot])
		return NULL;
	size_t n = 0;
	uint8_t *key = make_key(sc, host, precise, &n);
	bool same = key && n == kept.nkey[slot] && !memcmp(key, kept.key[slot], n);
	free(key);
	if (!same)
		return NULL;
	struct engine *e = kept.e[slot];
	kept.e[slot] = NULL;               /* in use; given back after the run */
	if (!engine_reset(e, cpu)) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void reuse_give(const struct scenario *sc, bool host, bool precise, struct engine *e)
{
	int slot = host;
	if (!e)
		return;
	if (!engine_reusable(e)) {
		engine_free(e);
		return;
	}
	size_t n = 0;
	uint8_t *key = make_key(sc, host, precise, &n);
	if (!key) {
		engine_free(e);
		return;
	}
	drop(&kept, slot);
	kept.e[slot] = e;
	kept.key[slot] = key;
	kept.nkey[slot] = n;
	pthread_once(&exit_once, make_exit_key);
	pthread_setspecific(exit_key, &kept);
}
