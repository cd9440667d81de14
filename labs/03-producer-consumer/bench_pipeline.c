/* bench_pipeline.c - part B's benchmark: the student's pipeline filters an
 * image of CHUNKS chunks of 4 rows with WORKERS workers, each chunk costing
 * MS ms; then one BENCH line. Chaos is off whatever CHAOS_SEED says: a
 * timing measures the code. bench_seq is its baseline.
 *   usage: bench_pipeline WORKERS CHUNKS MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "harness.h"
#include "prodcons.h"

#define USAGE "usage: bench_pipeline WORKERS CHUNKS MS (1 <= WORKERS <= 64, 1 <= CHUNKS <= 4096, 0 <= MS <= 1000)"
#define WIDTH 256
#define CHUNK_ROWS 4
#define CAPACITY 4

int main(int argc, char **argv)
{
	struct image in, out, want;
	struct pipeline_config cfg = { .chunk_rows = CHUNK_ROWS, .capacity = CAPACITY };
	uint64_t start, elapsed;
	int nchunks;

	if (argc != 4)
		app_error(USAGE);
	cfg.nworkers = arg_int(argv[1], 1, 64, USAGE);
	nchunks = arg_int(argv[2], 1, 4096, USAGE);
	filter_set_cost_ms(arg_int(argv[3], 0, 1000, USAGE));
	unsetenv("CHAOS_SEED");
	chaos_init();
	image_new(&in, WIDTH, nchunks * CHUNK_ROWS, 3);
	image_new(&out, WIDTH, nchunks * CHUNK_ROWS, 0);

	start = clock_now_ns();
	pipeline_run(&in, &out, &cfg);
	elapsed = clock_now_ns() - start;

	/* A wrong image is graded by the pipeline tests; here it only warns,
	 * so that the timing of a broken pipeline is still measured. */
	bench_report(elapsed, cfg.nworkers);
	filter_set_cost_ms(0);
	image_new(&want, WIDTH, nchunks * CHUNK_ROWS, 0);
	filter_sequential(&in, &want, CHUNK_ROWS);
	if (memcmp(out.pixels, want.pixels, (size_t)WIDTH * (size_t)in.height) != 0)
		fprintf(stderr, "bench_pipeline: the image differs from the sequential one\n");
	image_free(&want);
	image_free(&out);
	image_free(&in);
	return EXIT_SUCCESS;
}
