/* pool.c - the one worker pool (pool.h): a counter of the next job under a
 * mutex, N threads taking jobs from it until none is left. */
#include "sim/pool.h"
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include "sim/util/util.h"

struct pool {
	size_t n;
	size_t next, done;
	bool stopped;                  /* a job failed: hand out no more */
	pool_job_fn job;
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->stopped ? p->n : p->next;
		if (i < p->n)
			p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		int rc = p->job(p->ctx, i);
		pthread_mutex_lock(&p->mu);
		p->done++;
		if (rc)
			p->stopped = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

size_t pool_run(size_t n, unsigned threads, pool_job_fn job, pool_tick_fn tick, void *ctx)
{
	struct pool p = { .n = n, .job = job, .ctx = ctx };
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	if (threads > n)
		threads = n ? (unsigned)n : 1;
	if (threads < 1)
		threads = 1;
	pthread_t th[POOL_MAX_THREADS];
	unsigned started = 0;
	/* without a tick this thread is worker 0 */
	for (unsigned i = tick ? 0 : 1; i < threads; i++)
		if (pthread_create(&th[started], NULL, worker, &p) == 0)
			started++;
	if (!tick || !started)
		worker(&p);             /* (with a tick: no thread could be made) */
	if (tick) {
		pthread_mutex_lock(&p.mu);
		/* until every job handed out has finished and no more will be */
		while (p.done < (p.stopped ? p.next : p.n)) {
			struct timespec ts;
			util_deadline_ms(&ts, 250);
			pthread_cond_timedwait(&p.cv, &p.mu, &ts);
			tick(ctx, p.done, p.n);
		}
		/* the final count, also when every job was done before the first
		 * wait (fast runs: compare's progress line ended at "0/4 runs") */
		tick(ctx, p.done, p.n);
		pthread_mutex_unlock(&p.mu);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return p.done;
}
