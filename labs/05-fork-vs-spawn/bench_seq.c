/* bench_seq.c - the speedup baseline: the same COUNT tasks computed one
 * after the other in this process by the harness, no child, no student
 * code. NPROCS is read only so that both programs take the same words.
 *   usage: bench_seq fork|spawn NPROCS COUNT MS */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_seq fork|spawn NPROCS COUNT MS"

int main(int argc, char **argv)
{
	static int64_t in[TASKS_MAX], out[TASKS_MAX];
	int count, ms;
	uint64_t start;

	if (argc != 5)
		app_error(USAGE);
	(void)arg_int(argv[2], 1, 64, USAGE);
	count = arg_int(argv[3], 1, TASKS_MAX, USAGE);
	ms = arg_int(argv[4], 0, 1000, USAGE);
	for (int i = 0; i < count; i++)
		in[i] = task_input(i, ms);
	start = clock_now_ns();
	task_run_sequential(in, out, count);
	bench_report(clock_now_ns() - start, 1);
	return EXIT_SUCCESS;
}
