/* race_pool.c - the scenario Helgrind watches for the races check: on a
 * pool of 3 workers, one thread maps 24 calls while another submits 12 and
 * gets them newest first; then 6 more are submitted, the pool is destroyed
 * and their futures are got after it. Small, since Helgrind runs it 20 to
 * 100 times slower. The results are checked, so a wrong run fails too.
 *   usage: race_pool */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"
#include "pool.h"

#define MAPPED 24
#define SUBMITTED 12
#define AFTER 6

static struct pool *pool;

static void mapper(void)
{
	void *in[MAPPED], *out[MAPPED];

	for (int i = 0; i < MAPPED; i++)
		in[i] = task_input(i);
	pool_map(pool, task_sleep, in, out, MAPPED);
	for (int i = 0; i < MAPPED; i++)
		if (out[i] != task_answer(i)) {
			fprintf(stderr, "race_pool: pool_map gave a wrong out[%d]\n", i);
			exit(EXIT_FAILURE);
		}
}

static void submitter(void)
{
	struct future *fs[SUBMITTED];

	for (int i = 0; i < SUBMITTED; i++)
		fs[i] = pool_submit(pool, task_sleep, task_input(100 + i));
	for (int i = SUBMITTED - 1; i >= 0; i--)
		if (future_get(fs[i]) != task_answer(100 + i)) {
			fprintf(stderr, "race_pool: future_get gave a wrong result\n");
			exit(EXIT_FAILURE);
		}
}

static void both(void *arg, int t)
{
	(void)arg;
	if (t == 0)
		mapper();
	else
		submitter();
}

int main(void)
{
	struct future *fs[AFTER];

	chaos_init();
	task_set_cost(1);
	pool = pool_create(3);
	harness_run_threads(2, both, NULL);
	for (int i = 0; i < AFTER; i++)
		fs[i] = pool_submit(pool, task_sleep, task_input(200 + i));
	pool_destroy(pool);
	for (int i = 0; i < AFTER; i++)
		if (future_get(fs[i]) != task_answer(200 + i)) {
			fprintf(stderr, "race_pool: a future got after pool_destroy was wrong\n");
			return EXIT_FAILURE;
		}
	return EXIT_SUCCESS;
}
