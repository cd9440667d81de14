/* check_map.c - part A's Check tests: pool_map gives out[i] = fn(in[i]) in
 * input order while the calls finish in another order, runs every call
 * exactly once, runs n at once and never more, and uses only the n workers
 * that pool_create started and pool_destroy joins; under seeded chaos
 * (CHAOS_SEED=N replays a run). The harness's watch (tasks.c) sees every
 * call from inside the task. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "pool.h"

#define UNSET ((void *)-1)	/* what out[i] holds before pool_map */

static void *inputs[TASKS_MAX], *outputs[TASKS_MAX];
static int ms[TASKS_MAX];

static void setup(void)
{
	chaos_init();
	for (int i = 0; i < TASKS_MAX; i++)
		inputs[i] = task_input(i);
}

/* A pool size, a number of inputs, and how long each call sleeps. */
struct shape {
	int nworkers, count;
	enum { FLAT, LATER_FIRST, SAWTOOTH } durations;
	int ms;			/* FLAT: every call; else the longest */
};

static void durations(const struct shape *s, int *ms)
{
	for (int i = 0; i < s->count; i++)
		ms[i] = s->durations == FLAT ? s->ms :
			s->durations == LATER_FIRST ? s->ms * (s->count - i) / s->count :
			(s->count - i) % (s->ms + 1);
}

static const char *kind(const struct shape *s)
{
	return s->durations == FLAT ? "equal" : s->durations == LATER_FIRST ?
		"decreasing (later inputs finish first)" : "sawtooth";
}

/* Runs pool_map on a fresh pool of shape s under the watch; with meet > 0
 * the calls wait (a second at most) for meet of them in flight at once. */
static struct watch_report map_shape(const struct shape *s, bool sample_threads, int meet)
{
	struct pool *p = pool_create(s->nworkers);
	struct watch_report r;

	durations(s, ms);
	for (int i = 0; i < s->count; i++)
		outputs[i] = UNSET;
	task_watch_start(s->count, ms, sample_threads);
	if (meet > 0)
		task_watch_meet(meet);
	pool_map(p, task_watched, inputs, outputs, s->count);
	r = task_watch_stop();	/* at once: what had run by the time it returned */
	pool_destroy(p);
	return r;
}

/* The input whose result out holds, or -1. */
static int answer_of(void *out, int count)
{
	for (int j = 0; j < count; j++)
		if (out == task_answer(j))
			return j;
	return -1;
}

static void expect_in_order(const struct shape *s)
{
	for (int i = 0; i < s->count; i++) {
		int j = answer_of(outputs[i], s->count);

		ck_assert_msg(outputs[i] != UNSET, "pool_map of %d inputs on %d workers (%s "
			      "durations) returned with outputs[%d] never written", s->count,
			      s->nworkers, kind(s), i);
		ck_assert_msg(j == i, "pool_map of %d inputs on %d workers (%s durations): "
			      "outputs[%d] holds %s: out[i] must be fn(in[i]), whatever order the "
			      "calls finish in (store each result in the slot of its own input, "
			      "not in the next free slot)", s->count, s->nworkers, kind(s), i,
			      j >= 0 ? "the result of another input" : "a value no call returned");
	}
}

static const struct shape shapes[] = {
	{ 1, 10, FLAT, 0 },		/* one worker */
	{ 4, 1, FLAT, 1 },		/* one input */
	{ 4, 3, LATER_FIRST, 6 },	/* fewer inputs than workers */
	{ 8, 16, LATER_FIRST, 16 },	/* every later input finishes first */
	{ 4, 40, SAWTOOTH, 5 },
	{ 3, 300, FLAT, 0 },		/* many short calls */
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

START_TEST(test_map_results_in_input_order)
{
	struct pool *p = pool_create(2);

	outputs[0] = UNSET;
	pool_map(p, task_watched, inputs, outputs, 0);
	ck_assert_msg(outputs[0] == UNSET, "pool_map of 0 inputs wrote outputs[0]");
	pool_destroy(p);
	for (size_t k = 0; k < NSHAPES; k++) {
		(void)map_shape(&shapes[k], false, 0);
		expect_in_order(&shapes[k]);
	}
}
END_TEST

START_TEST(test_map_each_input_once)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		const struct shape *s = &shapes[k];
		struct watch_report r = map_shape(s, false, 0);

		ck_assert_msg(r.calls_twice == 0, "pool_map of %d inputs on %d worker%s ran %d "
			      "inputs more than once (input %d first): each index must go to exactly "
			      "one worker, read and moved on under the pool's lock", s->count,
			      s->nworkers, s->nworkers == 1 ? "" : "s", r.calls_twice, r.first_twice);
		ck_assert_msg(r.calls_never == 0 && r.returned == s->count, "pool_map of %d "
			      "inputs on %d worker%s returned while %d calls had not returned yet "
			      "(%d had not even started, input %d first): it may return only once "
			      "every call has finished. Count the calls as they finish, under a lock, "
			      "and sleep in a while loop until the count says all: under `if`, a "
			      "spurious wake-up returns early", s->count, s->nworkers,
			      s->nworkers == 1 ? "" : "s", s->count - r.returned, r.calls_never,
			      r.first_never);
	}
}
END_TEST

/* Enough calls, long enough, that every worker gets some at the same time;
 * and a call waits (task_watch_meet) for the others to join it, so that a
 * slow machine never makes a pool look serial. */
START_TEST(test_map_runs_n_at_once)
{
	static const struct shape runs[] = {
		{ 4, 16, FLAT, 20 }, { 6, 30, FLAT, 10 }, { 3, 2, FLAT, 20 }, { 1, 4, FLAT, 5 },
	};

	for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
		const struct shape *s = &runs[k];
		int want = s->count < s->nworkers ? s->count : s->nworkers;
		long most;

		(void)map_shape(s, false, want);
		most = trace_read().max_inflight;
		ck_assert_msg(most <= s->nworkers, "pool_map of %d calls of %d ms on a pool of %d "
			      "workers ran %ld calls at once: a pool of n workers runs at most n",
			      s->count, s->ms, s->nworkers, most);
		ck_assert_msg(most >= want, "pool_map of %d calls of %d ms on a pool of %d workers "
			      "ran at most %ld at once (%d should), though each call waited up to "
			      "1 s for others to join it: every worker must take calls, side by "
			      "side, while the caller only waits", s->count, s->ms,
			      s->nworkers, most, want);
	}
}
END_TEST

START_TEST(test_map_uses_only_its_workers)
{
	static const struct shape s = { 4, 25 * 8, FLAT, 1 };
	int before = harness_threads_now(), most;
	struct pool *p = pool_create(s.nworkers);
	struct watch_report r;

	/* 25 maps of 8 calls on one pool: the watch covers all 200. */
	durations(&s, ms);
	task_watch_start(s.count, ms, true);
	for (int round = 0; round < 25; round++)
		pool_map(p, task_watched, inputs + round * 8, outputs, 8);
	r = task_watch_stop();
	pool_destroy(p);
	most = r.max_threads_alive - before;
	ck_assert_msg(!r.on_watcher, "a task ran on the thread that called pool_map: the "
		      "caller only hands the calls to the workers and waits");
	ck_assert_msg(r.threads <= s.nworkers, "25 calls of pool_map on a pool of %d workers "
		      "ran their tasks on %d different threads: the workers are started once "
		      "by pool_create and each runs call after call, never a thread per task",
		      s.nworkers, r.threads);
	ck_assert_msg(most <= s.nworkers, "while pool_map ran on a pool of %d workers, the "
		      "process had %d threads besides the test's own: the pool may start no "
		      "thread but its %d workers", s.nworkers, most, s.nworkers);
}
END_TEST

START_TEST(test_pool_create_starts_workers_destroy_joins)
{
	static const int sizes[] = { 1, 4, 16 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int before = harness_threads_now(), started, left;
		struct pool *p = pool_create(sizes[k]);

		started = harness_threads_now() - before;
		pool_map(p, task_watched, inputs, outputs, 2 * sizes[k]);
		pool_destroy(p);
		left = harness_threads_settled(before) - before;
		ck_assert_msg(started == sizes[k], "pool_create(%d) returned with %d threads "
			      "started: it starts all its %d workers before it returns, and no "
			      "other thread", sizes[k], started, sizes[k]);
		ck_assert_msg(left == 0, "pool_destroy of a pool of %d workers returned with %d "
			      "threads still running: it returns only after joining every worker "
			      "(Pthread_join)", sizes[k], left);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_map_results_in_input_order,
		test_map_each_input_once,
		test_map_runs_n_at_once,
		test_map_uses_only_its_workers,
		test_pool_create_starts_workers_destroy_joins,
		NULL
	};

	return check_main(check_suite("map", setup, tests));
}
