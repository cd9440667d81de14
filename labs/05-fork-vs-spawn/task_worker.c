/* task_worker.c - the worker program part B spawns: computes
 * task_compute of its one argument and writes the result as one line on
 * its standard output, then exits 0 (or fails as the task says).
 *   usage: task_worker INPUT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "procs.h"

int main(int argc, char **argv)
{
	char *end;
	int64_t input;

	if (argc != 2)
		return 2;
	input = strtoll(argv[1], &end, 10);
	if (*end != '\0')
		return 2;
	printf("%" PRId64 "\n", task_compute(input));
	return fflush(stdout) == 0 ? 0 : 1;
}
