/* sched.c - the deterministic scheduler's bookkeeping: one FIFO run queue
 * per CPU and a round robin over the CPUs.
 *
 * Not Linux's CFS: hvsim wants the same bytes out for the same scenario,
 * and a schedule that a reader can follow by hand when deriving the
 * expected counts before running.  What matters to the debug registers is
 * kept: a task runs on one CPU at a time, a context switch happens only
 * when the next task differs from the current one (so a lone vCPU thread
 * is never put and loaded again), a migrating task leaves its CPU to
 * whatever that CPU runs next and arrives at the back of another CPU's
 * queue.  sim/machine.c runs the slices; this file only orders them. */
#include "host/host.h"
#include <string.h>

void sched_init(struct sched *s, int ncpus)
{
	memset(s, 0, sizeof(*s));
	s->ncpus = ncpus;
}

void sched_enqueue(struct sched *s, int cpu, int task)
{
	unsigned i = (s->qhead[cpu] + s->qlen[cpu]) % HOST_MAX_TASKS;
	s->q[cpu][i] = task;
	s->qlen[cpu]++;
}

int sched_dequeue(struct sched *s, int cpu)
{
	if (!s->qlen[cpu])
		return -1;
	int t = s->q[cpu][s->qhead[cpu]];
	s->qhead[cpu] = (s->qhead[cpu] + 1) % HOST_MAX_TASKS;
	s->qlen[cpu]--;
	return t;
}

int sched_visit(struct sched *s)
{
	int c = s->next_visit;
	s->next_visit = (c + 1) % s->ncpus;
	return c;
}

bool sched_queue_empty(const struct sched *s, int cpu)
{
	return s->qlen[cpu] == 0;
}
