/* bench_start.c - what starting a process costs: this process first
 * takes and touches MIB MiB of memory (as a parent with a big heap would),
 * then times COUNT tasks that compute nothing, one child at a time, by
 * run_forked (fork) or run_spawned (spawn); then one BENCH line. fork
 * copies the parent's page tables, so its cost grows with MIB;
 * posix_spawn starts a fresh program, so its cost should not.
 *   usage: bench_start fork|spawn MIB COUNT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "harness.h"
#include "procs.h"

#define USAGE "usage: bench_start fork|spawn MIB COUNT (1 <= MIB <= 2048, 1 <= COUNT <= 1024)"

int main(int argc, char **argv)
{
	static int64_t in[TASKS_MAX], out[TASKS_MAX];
	int mib, count, rc;
	uint64_t start;
	char *heap;

	if (argc != 4 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "spawn") != 0))
		app_error(USAGE);
	mib = arg_int(argv[2], 1, 2048, USAGE);
	count = arg_int(argv[3], 1, TASKS_MAX, USAGE);
	heap = Malloc((size_t)mib << 20);
	memset(heap, 1, (size_t)mib << 20);	/* touched: every page is mapped */
	start = clock_now_ns();
	rc = strcmp(argv[1], "fork") == 0 ? run_forked(in, out, count, 1) :
		run_spawned(task_worker_path(), in, out, count, 1);
	bench_report(clock_now_ns() - start, 1);
	free(heap);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
