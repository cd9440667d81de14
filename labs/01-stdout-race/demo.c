/* demo.c - the seed's experiment in C: TASKS threads each run one task of MS
 * ms on a board that writes to the terminal, then the time spent, as in the
 * notebook. Not graded: it lets you see what the tests see.
 *   usage: demo [TASKS [MS]]     (default 5 tasks of 100 ms) */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"
#include "tasks.h"

#define USAGE "usage: demo [TASKS [MS]] (1 <= TASKS <= 1000, 0 <= MS <= 10000)"

int main(int argc, char **argv)
{
	struct board *b;
	uint64_t start;
	int ntasks = 5, ms = 100;

	if (argc > 3)
		app_error(USAGE);
	if (argc > 1)
		ntasks = arg_int(argv[1], 1, 1000, USAGE);
	if (argc > 2)
		ms = arg_int(argv[2], 0, 10000, USAGE);
	chaos_init();
	b = board_new(STDOUT_FILENO);

	start = clock_now_ns();
	harness_run_tasks(b, ntasks, ms);
	printf("\nTime spent inside the loop: %.4f seconds (chaos seed %u).\n",
	       clock_seconds(clock_now_ns() - start), chaos_seed());
	printf("board_finished() = %d, expected %d.\n", board_finished(b), ntasks);
	board_free(b);
	return EXIT_SUCCESS;
}
