/* bench.c - the concurrent benchmark: TASKS threads each run one task of MS
 * ms of simulated work through the student's board, then one BENCH line.
 * Chaos is off whatever CHAOS_SEED says: a timing measures the code.
 *   usage: bench TASKS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "tasks.h"

#define USAGE "usage: bench TASKS MS (1 <= TASKS <= 1000, 0 <= MS <= 10000)"

int main(int argc, char **argv)
{
	struct board *b;
	uint64_t start, elapsed;
	int ntasks, ms, fd, done;

	if (argc != 3)
		app_error(USAGE);
	ntasks = arg_int(argv[1], 1, 1000, USAGE);
	ms = arg_int(argv[2], 0, 10000, USAGE);
	unsetenv("CHAOS_SEED");
	chaos_init();
	fd = harness_devnull();
	b = board_new(fd);

	start = clock_now_ns();
	harness_run_tasks(b, ntasks, ms);
	elapsed = clock_now_ns() - start;

	/* A lost count is graded by the unit and races checks; here it only
	 * warns, so that the timing of a racy board is still measured. */
	done = board_finished(b);
	if (done != ntasks)
		fprintf(stderr, "bench: board_finished() is %d after %d tasks: "
			"the finished counter lost updates\n", done, ntasks);
	bench_report(elapsed, ntasks);
	board_free(b);
	Close(fd);
	return EXIT_SUCCESS;
}
