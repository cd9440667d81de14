/* bench_seq.c - the speedup baseline: the same TASKS tasks as bench_map,
 * one after the other on one thread by the harness's own loop. It never
 * links the student's code, so no submission can slow it down. WORKERS is
 * read only so that every benchmark takes the same arguments.
 *   usage: bench_seq sleep|spin WORKERS TASKS COST */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	task_run_sequential(b.fn, b.inputs, b.outputs, b.count);
	bench_report(clock_now_ns() - start, 1);
	return EXIT_SUCCESS;
}
