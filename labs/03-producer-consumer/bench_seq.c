/* bench_seq.c - part B's speedup baseline: the harness's own sequential
 * filter over the same image as bench_pipeline (CHUNKS chunks of 4 rows, MS
 * ms each), on one thread; then one BENCH line. It never links the
 * student's code, so no submission can slow it down. WORKERS is taken only
 * so that both programs read the same arguments.
 *   usage: bench_seq WORKERS CHUNKS MS */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_seq WORKERS CHUNKS MS (1 <= WORKERS <= 64, 1 <= CHUNKS <= 4096, 0 <= MS <= 1000)"
#define WIDTH 256
#define CHUNK_ROWS 4

int main(int argc, char **argv)
{
	struct image in, out;
	uint64_t start, elapsed;
	int nchunks;

	if (argc != 4)
		app_error(USAGE);
	(void)arg_int(argv[1], 1, 64, USAGE);
	nchunks = arg_int(argv[2], 1, 4096, USAGE);
	filter_set_cost_ms(arg_int(argv[3], 0, 1000, USAGE));
	unsetenv("CHAOS_SEED");
	chaos_init();
	image_new(&in, WIDTH, nchunks * CHUNK_ROWS, 3);
	image_new(&out, WIDTH, nchunks * CHUNK_ROWS, 0);

	start = clock_now_ns();
	filter_sequential(&in, &out, CHUNK_ROWS);
	elapsed = clock_now_ns() - start;

	bench_report(elapsed, 1);
	image_free(&out);
	image_free(&in);
	return EXIT_SUCCESS;
}
