/* bench_ctl.c - the calibration control of the CPU-bound speedup check:
 * the same tasks split evenly over WORKERS plain threads, no pool, no
 * queue, no student code. bench_seq over bench_ctl is what this machine
 * delivers to perfectly parallel work right now; the student's pool is
 * judged as a share of it, so a busy or small machine lowers the bar
 * instead of failing the student.
 *   usage: bench_ctl sleep|spin WORKERS TASKS COST */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

/* Thread t runs every workers-th task, starting at t. */
static void share(void *arg, int t)
{
	struct bench *b = arg;

	for (int i = t; i < b->count; i += b->workers)
		b->outputs[i] = b->fn(b->inputs[i]);
}

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	harness_run_threads(b.workers, share, &b);
	bench_report(clock_now_ns() - start, b.workers);
	return EXIT_SUCCESS;
}
