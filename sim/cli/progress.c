/* progress.c - the progress line of run and compare (progress.h). */
#include "sim/cli/progress.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sim/util/util.h"
#include <unistd.h>

struct progress {
	char verb[16];
	size_t done, total;
	char label[96];
	bool stop;
	double t0;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* with p->mu held */
static void draw(const struct progress *p)
{
	fprintf(stderr, "\r%s: %zu/%zu runs%s%s, %.1f s   ", p->verb, p->done, p->total, p->label[0] ? ", " : "",
		p->label, now() - p->t0);
	fflush(stderr);
}

static void *ticker(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		draw(p);
		struct timespec ts;
		util_deadline_ms(&ts, 250);
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct progress *progress_start(const char *verb, size_t total)
{
	if (!isatty(STDERR_FILENO))
		return NULL;
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	snprintf(p->verb, sizeof(p->verb), "%s", verb);
	p->total = total;
	p->t0 = now();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	draw(p);
	if (pthread_create(&p->th, NULL, ticker, p)) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

void progress_set(struct progress *p, size_t done, const char *label)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	bool changed = p->done != done || strcmp(p->label, label ? label : "");
	p->done = done;
	snprintf(p->label, sizeof(p->label), "%s", label ? label : "");
	if (changed)
		draw(p);               /* every new run is shown, however short */
	pthread_mutex_unlock(&p->mu);
}

void progress_finish(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	fprintf(stderr, "\r%s: %zu/%zu runs in %.1f s%40s\n", p->verb, p->done, p->total, now() - p->t0, "");
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
