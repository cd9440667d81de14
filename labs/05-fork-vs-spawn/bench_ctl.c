/* bench_ctl.c - the CPU-bound check's calibration control: the same
 * tasks split evenly over NPROCS plain threads of this process, no child,
 * no student code. bench_seq over bench_ctl is what the machine delivers
 * to perfectly parallel work right now.
 *   usage: bench_ctl fork|spawn NPROCS COUNT MS */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

/* Thread t computes every nprocs-th task, starting at t. */
static void share(void *arg, int t)
{
	struct bench *b = arg;

	for (int i = t; i < b->count; i += b->nprocs)
		b->results[i] = task_compute(b->inputs[i]);
}

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	harness_run_threads(b.nprocs, share, &b);
	bench_report(clock_now_ns() - start, b.nprocs);
	return EXIT_SUCCESS;
}
