/* race_scenario.c - the race check's scenario, small enough for Helgrind:
 * four tasks share one board writing to /dev/null, then main reads the
 * finished counter.
 *   usage: race_scenario [TASKS]     (default 4)
 * Expected under Helgrind: the reference reports 0 errors; a board without
 * a lock reports data races on line, len and finished, in tasks.c. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "tasks.h"

#define USAGE "usage: race_scenario [TASKS] (1 <= TASKS <= 64)"

int main(int argc, char **argv)
{
	struct board *b;
	int ntasks = 4, fd;

	if (argc > 2)
		app_error(USAGE);
	if (argc == 2)
		ntasks = harness_arg(argv[1], 1, 64, USAGE);
	chaos_init();
	fd = harness_devnull();
	b = board_new(fd);
	harness_run_tasks(b, ntasks, 1);
	/* Helgrind judges the accesses, not this number. */
	printf("race_scenario: %d tasks, board_finished() = %d\n",
	       ntasks, board_finished(b));
	board_free(b);
	Close(fd);
	return EXIT_SUCCESS;
}
