/* sweep.c - the notebook's sweep ("Effect of the number of workers on
 * performance"): the same batch mapped by pools of 1, 2, 4 ... 256
 * workers, once with sleep-bound tasks (simulated downloads) and once with
 * CPU-bound ones, each row the median of ROUNDS runs timed from
 * pool_create to pool_destroy, as the notebook timed its with-block. With
 * $SWEEP_DATA naming a file, the curves also go there for common/plot.sh.
 *   usage: sweep [ROUNDS]   (default 3; make sweep [PLOT=curve.svg]) */
#define _GNU_SOURCE		/* sched_getaffinity */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "pool.h"

#define TASKS 256
#define SLEEP_MS 4
#define SPIN_UNITS 1000		/* about 1 ms of computation */
#define ROUNDS_MAX 9

static void *inputs[TASKS], *outputs[TASKS];

/* The CPUs this process may run on (its affinity mask). */
static int cpus_here(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Seconds of one run: the harness's loop (workers == 0) or a pool's. */
static double run_once(task_fn fn, int workers)
{
	uint64_t start = clock_now_ns();

	if (workers == 0) {
		task_run_sequential(fn, inputs, outputs, TASKS);
	} else {
		struct pool *p = pool_create(workers);

		pool_map(p, fn, inputs, outputs, TASKS);
		pool_destroy(p);
	}
	return clock_seconds(clock_now_ns() - start);
}

static double median_run(task_fn fn, int workers, int rounds)
{
	double t[ROUNDS_MAX];

	for (int r = 0; r < rounds; r++)
		t[r] = run_once(fn, workers);
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp_double);
	return t[rounds / 2];
}

/* Prints one curve's table; appends it to data (if any) as a plot block. */
static void sweep(const char *title, const char *curve, task_fn fn, int cost, int rounds,
		  FILE *data)
{
	double seq;

	task_set_cost(cost);
	seq = median_run(fn, 0, rounds);
	printf("%s\n[  no pool  ] Time spent inside the loop: %.3f seconds.\n", title, seq);
	if (data != NULL)
		fprintf(data, "\"%s\"\n", curve);
	for (int w = 1; w <= 256; w *= 2) {
		double t = median_run(fn, w, rounds);

		printf("[%3d workers] Time spent inside the loop: %.3f seconds.  speedup %5.1fx\n",
		       w, t, seq / t);
		fflush(stdout);
		if (data != NULL)
			fprintf(data, "%d %.4f\n", w, seq / t);
	}
	printf("\n");
	if (data != NULL)
		fprintf(data, "\n\n");
}

static FILE *data_open(int rounds)
{
	const char *path = getenv("SWEEP_DATA");
	FILE *f;

	if (path == NULL || *path == '\0')
		return NULL;
	if ((f = fopen(path, "w")) == NULL)
		unix_error("sweep: $SWEEP_DATA");
	fprintf(f, "# title: Lab 04: pool_map of %d tasks by pools of 1 to 256 workers "
		"(median of %d runs each)\n# xlabel: workers in the pool\n"
		"# ylabel: speedup over the loop without a pool\n# cpus: %d\n# ideal: yes\n"
		"# logy: yes\n", TASKS, rounds, cpus_here());
	return f;
}

int main(int argc, char **argv)
{
	char title[160];
	int rounds = argc > 1 ? arg_int(argv[1], 1, ROUNDS_MAX, "usage: sweep [ROUNDS 1..9]") : 3;
	FILE *data = data_open(rounds);

	unsetenv("CHAOS_SEED");
	chaos_init();
	for (int i = 0; i < TASKS; i++)
		inputs[i] = task_input(i);
	printf("Each row: the median of %d runs of pool_create, pool_map of %d tasks, "
	       "pool_destroy.\n\n", rounds, TASKS);
	sweep("Sleep-bound: each task sleeps 4 ms, like a download (seeds 002 and 003).",
	      "sleep-bound: 4 ms of waiting each", task_sleep, SLEEP_MS, rounds, data);
	snprintf(title, sizeof(title), "CPU-bound: each task computes for about 1 ms (seed 004's "
		 "factorials); this process may use %d CPUs.", cpus_here());
	sweep(title, "CPU-bound: 1 ms of computing each", task_spin, SPIN_UNITS, rounds, data);
	if (data != NULL && fclose(data) != 0)
		unix_error("sweep: $SWEEP_DATA");
	return EXIT_SUCCESS;
}
