/* bench_map.c - the speedup checks' candidate: a pool of WORKERS workers
 * maps TASKS tasks, each sleeping COST ms (sleep) or spinning COST units
 * (spin), timed from pool_create to pool_destroy as the notebook timed
 * its `with Pool() as pool:` block; then one BENCH line.
 *   usage: bench_map sleep|spin WORKERS TASKS COST */
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "pool.h"

int main(int argc, char **argv)
{
	static struct bench b;
	uint64_t start, elapsed;
	struct pool *p;

	task_bench_args(&b, argc, argv);
	start = clock_now_ns();
	p = pool_create(b.workers);
	pool_map(p, b.fn, b.inputs, b.outputs, b.count);
	pool_destroy(p);
	elapsed = clock_now_ns() - start;
	bench_report(elapsed, b.workers);
	task_bench_verify(&b, "bench_map");
	return EXIT_SUCCESS;
}
