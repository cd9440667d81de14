/* run.c - helpers for the labs' harnesses and tests: threads released
 * together by a barrier, a small seeded random generator, and what the
 * process is doing (CPU time, threads, the caller's thread id). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* gettid */
#endif
#include "common.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct start {
	pthread_barrier_t barrier;
	void (*fn)(void *arg, int t);
	void *arg;
};

struct runner {
	struct start *s;
	int t;
};

static void *runner_main(void *p)
{
	struct runner *r = p;
	int rc = pthread_barrier_wait(&r->s->barrier);

	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		posix_error(rc, "pthread_barrier_wait");
	r->s->fn(r->s->arg, r->t);
	return NULL;
}

void harness_run_threads(int nthreads, void (*fn)(void *arg, int t), void *arg)
{
	pthread_t *tids = Calloc((size_t)nthreads, sizeof(*tids));
	struct runner *rs = Calloc((size_t)nthreads, sizeof(*rs));
	struct start s = { .fn = fn, .arg = arg };
	int rc = pthread_barrier_init(&s.barrier, NULL, (unsigned)nthreads);

	if (rc != 0)
		posix_error(rc, "pthread_barrier_init");
	for (int t = 0; t < nthreads; t++) {
		rs[t] = (struct runner){ &s, t };
		Pthread_create(&tids[t], NULL, runner_main, &rs[t]);
	}
	for (int t = 0; t < nthreads; t++)
		Pthread_join(tids[t], NULL);
	pthread_barrier_destroy(&s.barrier);
	free(rs);
	free(tids);
}

unsigned long harness_rand(unsigned long *state)
{
	unsigned long x = *state ? *state : 0x9e3779b97f4a7c15ul;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

uint64_t harness_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		unix_error("harness_cpu_ns: clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int harness_threads_now(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		unix_error("harness_threads_now: /proc/self/status");
	while (n < 0 && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Threads:", 8) == 0)
			n = atoi(line + 8);
	fclose(f);
	if (n < 0)
		app_error("harness_threads_now: no Threads line in /proc/self/status");
	return n;
}

int harness_threads_settled(int most)
{
	int n = harness_threads_now();

	/* poll(), not a sleep: real time even under a controlled schedule,
	 * whose sleeps are virtual and would leave no time to leave. */
	for (int ms = 0; n > most && ms < SETTLE_MAX_MS; ms++) {
		(void)poll(NULL, 0, 1);
		n = harness_threads_now();
	}
	return n;
}

pid_t harness_tid(void)
{
	return gettid();
}
