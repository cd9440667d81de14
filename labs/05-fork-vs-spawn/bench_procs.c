/* bench_procs.c - the speedup check's candidate: COUNT tasks of about MS
 * ms of computation each, run by run_forked (fork) or run_spawned (spawn)
 * with at most NPROCS children; then one BENCH line.
 *   usage: bench_procs fork|spawn NPROCS COUNT MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "procs.h"

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start;
	int rc;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	rc = b.spawn ? run_spawned(task_worker_path(), b.inputs, b.results, b.count, b.nprocs) :
		run_forked(b.inputs, b.results, b.count, b.nprocs);
	bench_report(clock_now_ns() - start, b.nprocs);
	if (rc != 0)
		fprintf(stderr, "bench_procs: a task failed\n");
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
