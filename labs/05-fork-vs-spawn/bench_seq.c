/* bench_seq.c - the speedup baseline: the same COUNT tasks computed one
 * after the other in this process by the harness, no child, no student
 * code. NPROCS is read only so that both programs take the same words.
 *   usage: bench_seq fork|spawn NPROCS COUNT MS */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	task_run_sequential(b.inputs, b.results, b.count);
	bench_report(clock_now_ns() - start, 1);
	return EXIT_SUCCESS;
}
