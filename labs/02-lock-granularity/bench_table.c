/* bench_table.c - part A's benchmark: THREADS threads each make OPS
 * accesses (put, then get of the same key) to the student's table, each
 * access MS ms on the slow device, every thread on buckets of its own; then
 * one BENCH line. Chaos is off whatever CHAOS_SEED says: a timing measures
 * the code.
 *   usage: bench_table THREADS OPS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "granularity.h"
#include "harness.h"

#define USAGE "usage: bench_table THREADS OPS MS (1 <= THREADS <= 64, 2 <= OPS <= 10000, 0 <= MS <= 1000)"

static void put(void *t, int key, int value)
{
	table_put(t, key, value);
}

static bool get(void *t, int key, int *value)
{
	return table_get(t, key, value);
}

int main(int argc, char **argv)
{
	struct harness_table_ops ops = { .put = put, .get = get };
	uint64_t start, elapsed;
	int nthreads, nops, ms;
	long wrong;

	if (argc != 4)
		app_error(USAGE);
	nthreads = arg_int(argv[1], 1, 64, USAGE);
	nops = arg_int(argv[2], 2, 10000, USAGE);
	ms = arg_int(argv[3], 0, 1000, USAGE);
	unsetenv("CHAOS_SEED");
	chaos_init();
	ops.table = table_new(harness_table_buckets(nthreads), ms);

	start = clock_now_ns();
	wrong = harness_table_workload(&ops, nthreads, nops);
	elapsed = clock_now_ns() - start;

	/* Wrong values are graded by the table and races checks; here they
	 * only warn, so that the timing of a broken table is still measured. */
	if (wrong != 0)
		fprintf(stderr, "bench_table: %ld gets did not see the value just put\n", wrong);
	bench_report(elapsed, nthreads);
	table_free(ops.table);
	return EXIT_SUCCESS;
}
