/* race_pipeline.c - the races-pipeline check's scenario, small enough for
 * Helgrind: the student's pipeline filters a 16 x 24 image in chunks of 2
 * rows with 3 workers and queues of capacity 2, then main compares the
 * image with the sequential one.
 *   usage: race_pipeline
 * Expected under Helgrind: the reference reports 0 errors. A chunk or a row
 * of the output used by two threads that the queues did not order is a data
 * race; so is anything shared by the workers without a lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "harness.h"
#include "prodcons.h"

int main(int argc, char **argv)
{
	struct pipeline_config cfg = { .nworkers = 3, .chunk_rows = 2, .capacity = 2 };
	struct image in, out, want;

	(void)argv;
	if (argc > 1)
		app_error("usage: race_pipeline");
	chaos_init();
	image_new(&in, 16, 24, 5);
	image_new(&out, 16, 24, 0);
	image_new(&want, 16, 24, 0);
	pipeline_run(&in, &out, &cfg);
	filter_sequential(&in, &want, cfg.chunk_rows);
	/* Helgrind judges the accesses, not this line. */
	printf("race_pipeline: the image %s the sequential one\n",
	       memcmp(out.pixels, want.pixels, 16 * 24) == 0 ? "equals" : "differs from");
	image_free(&want);
	image_free(&out);
	image_free(&in);
	return EXIT_SUCCESS;
}
