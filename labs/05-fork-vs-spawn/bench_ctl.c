/* bench_ctl.c - the CPU-bound check's calibration control: the same
 * tasks split evenly over NPROCS plain threads of this process, no child,
 * no student code. bench_seq over bench_ctl is what the machine delivers
 * to perfectly parallel work right now.
 *   usage: bench_ctl fork|spawn NPROCS COUNT MS */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_ctl fork|spawn NPROCS COUNT MS"

static int64_t in[TASKS_MAX], out[TASKS_MAX];
static int count, nthreads;

static void share(void *arg, int t)
{
	(void)arg;
	for (int i = t; i < count; i += nthreads)
		out[i] = task_compute(in[i]);
}

int main(int argc, char **argv)
{
	int ms;
	uint64_t start;

	if (argc != 5)
		app_error(USAGE);
	nthreads = arg_int(argv[2], 1, 64, USAGE);
	count = arg_int(argv[3], 1, TASKS_MAX, USAGE);
	ms = arg_int(argv[4], 0, 1000, USAGE);
	for (int i = 0; i < count; i++)
		in[i] = task_input(i, ms);
	start = clock_now_ns();
	harness_run_threads(nthreads, share, NULL);
	bench_report(clock_now_ns() - start, nthreads);
	return EXIT_SUCCESS;
}
