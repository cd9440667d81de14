/* bench_seq.c - the harness's own sequential baseline for bench: the same
 * TASKS tasks of MS ms, one after the other, like the seed's plain loop.
 * It never links the student's tasks.c, so no submission can slow it down.
 *   usage: bench_seq TASKS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_seq TASKS MS (1 <= TASKS <= 1000, 0 <= MS <= 10000)"

static void say(int fd, int id, const char *what)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "Task %d: %s\n", id, what);

	Write(fd, line, (size_t)len);
}

int main(int argc, char **argv)
{
	uint64_t start, elapsed;
	int ntasks, ms, fd, i;

	if (argc != 3)
		app_error(USAGE);
	ntasks = arg_int(argv[1], 1, 1000, USAGE);
	ms = arg_int(argv[2], 0, 10000, USAGE);
	fd = harness_devnull();

	start = clock_now_ns();
	for (i = 0; i < ntasks; i++) {
		say(fd, i, "starting");
		work_sleep_ms(ms);
		say(fd, i, "finishing");
	}
	elapsed = clock_now_ns() - start;

	bench_report(elapsed, 1);
	Close(fd);
	return EXIT_SUCCESS;
}
