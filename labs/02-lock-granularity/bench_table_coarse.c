/* bench_table_coarse.c - part A's baseline: bench_table's workload, the
 * same threads and accesses, through the harness's own table with one lock
 * for the whole table (the skeleton's design). It never links the student's
 * table.c, so no submission can slow it down.
 *   usage: bench_table_coarse THREADS OPS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_table_coarse THREADS OPS MS (1 <= THREADS <= 64, 2 <= OPS <= 10000, 0 <= MS <= 1000)"

static void put(void *t, int key, int value)
{
	coarse_table_put(t, key, value);
}

static bool get(void *t, int key, int *value)
{
	return coarse_table_get(t, key, value);
}

int main(int argc, char **argv)
{
	struct harness_table_ops ops = { .put = put, .get = get };
	uint64_t start, elapsed;
	int nthreads, nops, ms;

	if (argc != 4)
		app_error(USAGE);
	nthreads = arg_int(argv[1], 1, 64, USAGE);
	nops = arg_int(argv[2], 2, 10000, USAGE);
	ms = arg_int(argv[3], 0, 1000, USAGE);
	ops.table = coarse_table_new(harness_table_buckets(nthreads), ms);

	start = clock_now_ns();
	if (harness_table_workload(&ops, nthreads, nops) != 0)
		app_error("bench_table_coarse: the harness's own table lost a value");
	elapsed = clock_now_ns() - start;

	bench_report(elapsed, nthreads);
	coarse_table_free(ops.table);
	return EXIT_SUCCESS;
}
