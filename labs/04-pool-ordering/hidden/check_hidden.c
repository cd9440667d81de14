/* check_hidden.c - lab 04's hidden tests (instructor-only, left out of the
 * student release): the contract's corners that the visible tests leave
 * alone - maps called by two threads at once, on one pool and on two; a
 * map of 4000 inputs; one worker running its queue in order.
 *
 * Helper threads never call ck_assert: they record what they saw, and the
 * test asserts once every thread is joined. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "pool.h"

#define PER_MAP 60
#define ROUNDS 5
#define MANY 4000
#define QUEUED 20

static void setup(void)
{
	chaos_init();
}

/* ---- two maps at once ---- */

struct two_maps {
	struct pool *pools[2];	/* the same pool twice, or two pools */
	struct failure failure;
};

/* Thread t maps inputs t * PER_MAP .. on pools[t], ROUNDS times. */
static void map_rounds(void *arg, int t)
{
	struct two_maps *m = arg;
	void *in[PER_MAP], *out[PER_MAP];
	char what[160];

	for (int i = 0; i < PER_MAP; i++)
		in[i] = task_input(t * PER_MAP + i);
	for (int round = 0; round < ROUNDS; round++) {
		pool_map(m->pools[t], task_watched, in, out, PER_MAP);
		for (int i = 0; i < PER_MAP; i++)
			if (out[i] != task_answer(t * PER_MAP + i)) {
				snprintf(what, sizeof(what), "thread %d's map got a wrong out[%d] "
					 "in round %d", t, i, round + 1);
				failure_set(&m->failure, what);
				return;
			}
	}
}

static void maps_at_once(struct pool *a, struct pool *b, const char *where)
{
	static int ms[2 * PER_MAP];
	struct two_maps m = { .pools = { a, b } };

	failure_init(&m.failure);
	for (int i = 0; i < 2 * PER_MAP; i++)
		ms[i] = i % 3 == 0 ? 1 : 0;	/* a third of the calls sleep: the maps overlap */
	task_watch_start(2 * PER_MAP, ms, false);
	harness_run_threads(2, map_rounds, &m);
	ck_assert_msg(m.failure.what[0] == '\0', "two threads called pool_map at once, %s: "
		      "%s", where, m.failure.what);
}

START_TEST(test_hidden_maps_at_once)
{
	struct pool *p = pool_create(3), *q = pool_create(2);

	maps_at_once(p, p, "on the same pool of 3");
	maps_at_once(p, q, "on two pools of 3 and 2");
	pool_destroy(q);
	pool_destroy(p);
}
END_TEST

START_TEST(test_hidden_many_inputs)
{
	static void *in[MANY], *out[MANY];
	struct pool *p = pool_create(4);
	struct watch_report r;
	long most;

	for (int i = 0; i < MANY; i++) {
		in[i] = task_input(i);
		out[i] = NULL;
	}
	task_watch_start(MANY, NULL, false);
	pool_map(p, task_watched, in, out, MANY);
	r = task_watch_stop();
	most = trace_read().max_inflight;
	pool_destroy(p);
	for (int i = 0; i < MANY; i++)
		ck_assert_msg(out[i] == task_answer(i), "pool_map of 4000 inputs on 4 workers: "
			      "out[%d] is not the result of in[%d]", i, i);
	ck_assert_msg(r.calls_twice == 0 && r.calls_never == 0, "pool_map of 4000 inputs on 4 "
		      "workers: %d ran more than once and %d never", r.calls_twice, r.calls_never);
	ck_assert_msg(most <= 4, "pool_map of 4000 inputs on 4 workers ran %ld calls at once",
		      most);
}
END_TEST

/* ---- one worker: the queue's order ---- */

static int started[QUEUED + 1];
static int nstarted;		/* seq_cst atomics only */

static void *recorded(void *input)
{
	int slot = __atomic_fetch_add(&nstarted, 1, __ATOMIC_SEQ_CST);

	if (slot <= QUEUED)
		started[slot] = (int)(intptr_t)input;
	work_sleep_ms(1);
	return input;
}

START_TEST(test_hidden_one_worker_fifo)
{
	struct pool *p = pool_create(1);
	struct future *fs[QUEUED];
	void *in[1] = { task_input(QUEUED) }, *out[1];

	for (int i = 0; i < QUEUED; i++)
		fs[i] = pool_submit(p, recorded, task_input(i));
	pool_map(p, recorded, in, out, 1);
	for (int i = 0; i < QUEUED; i++)
		ck_assert_msg(future_get(fs[i]) == task_input(i), "future %d gave a value its "
			      "call did not return", i);
	pool_destroy(p);
	for (int i = 0; i <= QUEUED; i++)
		ck_assert_msg(started[i] == i, "with one worker, call number %d to start was the "
			      "one queued as number %d: calls must run in the order they were queued",
			      i + 1, started[i] + 1);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_hidden_maps_at_once,
		test_hidden_many_inputs,
		test_hidden_one_worker_fifo,
		NULL
	};

	return check_main(check_suite("hidden", setup, tests));
}
