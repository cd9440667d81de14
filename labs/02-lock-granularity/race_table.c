/* race_table.c - the races-table check's scenario, small enough for
 * Helgrind: four threads put and get keys on a table of four buckets at
 * once, some keys shared by every thread, some of their own that the
 * others read; then main counts the keys.
 *   usage: race_table
 * Expected under Helgrind: the reference reports 0 errors; a table whose
 * get reads a bucket without its lock reports a data race in table.c. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "granularity.h"
#include "harness.h"

#define THREADS 4
#define KEYS 6

static void worker(void *arg, int th)
{
	struct table *t = arg;
	int v;

	for (int j = 0; j < KEYS; j++) {
		table_put(t, j, th);			/* shared: replaced by everyone */
		table_put(t, 100 + th * KEYS + j, j);	/* this thread's own */
		(void)table_get(t, j, &v);
		(void)table_get(t, 100 + ((th + 1) % THREADS) * KEYS + j, &v);
	}
}

int main(int argc, char **argv)
{
	struct table *t;

	(void)argv;
	if (argc > 1)
		app_error("usage: race_table");
	chaos_init();
	t = table_new(4, 0);
	harness_run_threads(THREADS, worker, t);
	/* Helgrind judges the accesses, not this number. */
	printf("race_table: %d threads, table_count() = %d\n", THREADS, table_count(t));
	table_free(t);
	return EXIT_SUCCESS;
}
