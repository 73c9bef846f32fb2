/* pool.h - the one worker pool: jobs 0..n-1 on N threads.
 *
 * Each job writes only its own result slot (the caller's array, indexed by
 * the job number), and every output is made after pool_run() returns, in
 * job order: the bytes do not depend on the number of threads or on
 * scheduling.  Used by `hvsim compare` and `hvsim sweep`. */
#ifndef HVSIM_SIM_POOL_H
#define HVSIM_SIM_POOL_H
#include <stddef.h>

#define POOL_MAX_THREADS 256

/* Run job i; nonzero stops the pool from handing out further jobs (the jobs
 * already running finish). */
typedef int (*pool_job_fn)(void *ctx, size_t i);
/* Progress, on the calling thread, whenever a job finishes and at least
 * four times a second: `done` jobs finished out of `total`. */
typedef void (*pool_tick_fn)(void *ctx, size_t done, size_t total);

/* Run jobs 0..n-1 on up to `threads` threads (1..POOL_MAX_THREADS).
 * Without a tick the calling thread is one of the workers; with one it
 * waits and reports.  If no thread can be made the jobs run here.
 * Returns the number of jobs that ran (n unless a job stopped the pool). */
size_t pool_run(size_t n, unsigned threads, pool_job_fn job, pool_tick_fn tick, void *ctx);

#endif
