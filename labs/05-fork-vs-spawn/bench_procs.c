/* bench_procs.c - the speedup check's candidate: COUNT tasks of about MS
 * ms of computation each, run by run_forked (fork) or run_spawned (spawn)
 * with at most NPROCS children, under the watch; then one BENCH line whose
 * max_inflight is the most tasks the watch saw computing at one moment.
 *   usage: bench_procs fork|spawn NPROCS COUNT MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "procs.h"

int main(int argc, char **argv)
{
	static struct bench b;
	struct watch_report w;
	uint64_t start, elapsed;
	int rc;

	task_bench_args(&b, argc, argv);
	task_watch_start();
	start = clock_now_ns();
	rc = b.spawn ? run_spawned(task_worker_path(), b.inputs, b.results, b.count, b.nprocs) :
		run_forked(b.inputs, b.results, b.count, b.nprocs);
	elapsed = clock_now_ns() - start;
	w = task_watch_stop();
	/* The watch saw every task, in whichever process computed it. */
	bench_report_stats(elapsed, b.nprocs, (struct trace_stats){
		.work_done = w.tasks, .max_inflight = w.max_alive });
	if (rc != 0)
		fprintf(stderr, "bench_procs: a task failed\n");
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
