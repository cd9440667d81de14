/* bench_procs.c - the speedup check's candidate: COUNT tasks of about MS
 * ms of computation each, run by run_forked (fork) or run_spawned (spawn)
 * with at most NPROCS children; then one BENCH line.
 *   usage: bench_procs fork|spawn NPROCS COUNT MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "harness.h"
#include "procs.h"

#define USAGE "usage: bench_procs fork|spawn NPROCS COUNT MS (1 <= NPROCS <= 64, " \
	"1 <= COUNT <= 1024, 0 <= MS <= 1000)"

int main(int argc, char **argv)
{
	static int64_t in[TASKS_MAX], out[TASKS_MAX];
	int nprocs, count, ms, rc;
	uint64_t start;

	if (argc != 5 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "spawn") != 0))
		app_error(USAGE);
	nprocs = arg_int(argv[2], 1, 64, USAGE);
	count = arg_int(argv[3], 1, TASKS_MAX, USAGE);
	ms = arg_int(argv[4], 0, 1000, USAGE);
	for (int i = 0; i < count; i++)
		in[i] = task_input(i, ms);
	start = clock_now_ns();
	rc = strcmp(argv[1], "fork") == 0 ? run_forked(in, out, count, nprocs) :
		run_spawned(task_worker_path(), in, out, count, nprocs);
	bench_report(clock_now_ns() - start, nprocs);
	if (rc != 0)
		fprintf(stderr, "bench_procs: a task failed\n");
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
