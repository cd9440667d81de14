/* check_future.c - part B's Check tests: pool_submit queues its call and
 * returns at once, future_get sleeps in Pthread_cond_wait until the call has
 * returned and gives its result, many futures in flight from several
 * threads each get their own, and pool_destroy runs every queued call
 * before it joins; under seeded chaos (CHAOS_SEED=N replays a run), which
 * makes Pthread_cond_wait return spuriously now and then, as POSIX allows.
 *
 * The gated task (tasks.c) blocks until the test opens the gate, so the
 * test decides when a call finishes. Helper threads never call ck_assert:
 * they record what they saw and the test asserts. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "pool.h"

#define SUBMIT_MS 300		/* a submit that only queues returns well within this */
#define READY_MS 500		/* a thread reaches its wait well within this */
#define HELD_MS 200		/* how long the gate stays shut while getters wait */
#define WAKE_MS 2000		/* a woken getter returns well within this */
#define IDLE_CPU_MS 20		/* what four waiting getters may use in HELD_MS */

static void setup(void)
{
	chaos_init();
	task_gate_reset();
}

/* ---- a call on a thread of its own, watched from outside ---- */

struct call {
	struct pool *p;
	struct future *f;	/* submit: what it returned; get: what to get */
	int input;
	void *result;		/* get: what future_get gave */
	int done;		/* seq_cst atomics only: 1 once the call returned */
	pthread_t tid;
};

static void *submit_main(void *arg)
{
	struct call *c = arg;

	c->f = pool_submit(c->p, task_gated, task_input(c->input));
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *get_main(void *arg)
{
	struct call *c = arg;

	c->result = future_get(c->f);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void call_start(struct call *c, void *(*main)(void *))
{
	c->done = 0;
	Pthread_create(&c->tid, NULL, main, c);
}

/* True once the call returned (and is joined), false if not within ms. */
static bool call_wait(struct call *c, int ms)
{
	for (int i = 0; i < ms && !__atomic_load_n(&c->done, __ATOMIC_SEQ_CST); i++)
		work_sleep_ms(1);
	if (!__atomic_load_n(&c->done, __ATOMIC_SEQ_CST))
		return false;
	Pthread_join(c->tid, NULL);
	return true;
}

/* pool_submit of a gated call, which cannot finish before the gate opens:
 * a submit that waits for its call fails the test (and the gate is opened
 * so that nothing hangs). */
static struct future *submit_gated(struct pool *p, int input)
{
	struct call c = { .p = p, .input = input };

	call_start(&c, submit_main);
	if (!call_wait(&c, SUBMIT_MS)) {
		task_gate_open();
		(void)call_wait(&c, WAKE_MS);
		ck_abort_msg("pool_submit did not return within %d ms while its call could "
			     "not finish yet: it must queue the call for the workers and return "
			     "at once, never run it or wait for it (nor wait for a lock that a "
			     "worker holds while it runs a call)", SUBMIT_MS);
	}
	return c.f;
}

/* True once Pthread_cond_wait has been called n times since trace_reset(). */
static bool waits_reach(long n, int ms)
{
	for (int i = 0; i < ms && trace_read().cond_waits < n; i++)
		work_sleep_ms(1);
	return trace_read().cond_waits >= n;
}

static bool gate_reached(int n, int ms)
{
	for (int i = 0; i < ms && task_gate_entered() < n; i++)
		work_sleep_ms(1);
	return task_gate_entered() >= n;
}

static void expect_result(void *got, int input, const char *when)
{
	ck_assert_msg(got == task_answer(input), "future_get gave a value that is not "
		      "the result of its own call (input %d) %s", input, when);
}

START_TEST(test_future_get_waits_for_the_call)
{
	struct pool *p = pool_create(2);
	struct call get = { .input = 5 };

	get.f = submit_gated(p, 5);
	ck_assert_msg(gate_reached(1, READY_MS), "a submitted call did not start within "
		      "%d ms on a pool of 2 idle workers", READY_MS);
	call_start(&get, get_main);
	ck_assert_msg(!call_wait(&get, HELD_MS), "future_get returned while its call was "
		      "still running: it must sleep until the call has returned. If it waits "
		      "under `if` instead of `while`, a spurious wake-up (the grader's "
		      "Pthread_cond_wait makes some, as POSIX allows) ends the wait early");
	task_gate_open();
	ck_assert_msg(call_wait(&get, WAKE_MS), "future_get still waited %d ms after its "
		      "call had returned: the worker must wake the waiting thread when it "
		      "stores the result", WAKE_MS);
	expect_result(get.result, 5, "after waiting for it");
	pool_destroy(p);
}
END_TEST

START_TEST(test_future_get_sleeps)
{
	struct pool *p = pool_create(2);
	struct call gets[4];
	uint64_t cpu;

	for (int i = 0; i < 4; i++)
		gets[i] = (struct call){ .input = 10 + i, .f = submit_gated(p, 10 + i) };
	ck_assert_msg(gate_reached(2, READY_MS), "2 submitted calls did not start within "
		      "%d ms on a pool of 2 idle workers", READY_MS);
	trace_reset();
	for (int i = 0; i < 4; i++)
		call_start(&gets[i], get_main);
	ck_assert_msg(waits_reach(4, READY_MS), "4 threads in future_get, whose calls cannot "
		      "finish yet, called Pthread_cond_wait %ld times in %d ms: a thread that "
		      "waits for a future must sleep in Pthread_cond_wait (common.h), not poll",
		      trace_read().cond_waits, READY_MS);
	cpu = harness_cpu_ns();
	work_sleep_ms(HELD_MS);
	cpu = harness_cpu_ns() - cpu;
	task_gate_open();
	for (int i = 0; i < 4; i++) {
		ck_assert_msg(call_wait(&gets[i], WAKE_MS), "future_get still waited %d ms after "
			      "its call had returned", WAKE_MS);
		expect_result(gets[i].result, 10 + i, "after waiting for it");
	}
	ck_assert_msg(cpu <= IDLE_CPU_MS * 1000000ull, "4 threads waiting in future_get used "
		      "%llu ms of CPU in %d ms (at most %d): a waiting thread must sleep in "
		      "Pthread_cond_wait, not loop around checking", (unsigned long long)(cpu /
		      1000000), HELD_MS, IDLE_CPU_MS);
	pool_destroy(p);
}
END_TEST

/* ---- many futures, submitted and got by three threads at once ---- */

#define PER_THREAD 100
#define SUBMITTERS 3

struct many {
	struct pool *p;
	struct failure failure;
};

static void submit_and_get(void *arg, int t)
{
	struct many *m = arg;
	struct future *fs[PER_THREAD];
	char what[200];

	for (int k = 0; k < PER_THREAD; k++)
		fs[k] = pool_submit(m->p, task_watched, task_input(t * PER_THREAD + k));
	for (int k = PER_THREAD - 1; k >= 0; k--) {	/* the newest first */
		void *got = future_get(fs[k]);

		if (got != task_answer(t * PER_THREAD + k)) {
			snprintf(what, sizeof(what), "thread %d's future for input %d gave a value "
				 "that is not its own call's result", t, t * PER_THREAD + k);
			failure_set(&m->failure, what);
		}
	}
}

START_TEST(test_future_many_in_flight)
{
	static int ms[SUBMITTERS * PER_THREAD];
	unsigned long seed = chaos_seed() + 1;
	struct many m = { .p = pool_create(4) };
	struct watch_report r;
	long most;

	failure_init(&m.failure);
	for (int i = 0; i < SUBMITTERS * PER_THREAD; i++)
		ms[i] = (int)(harness_rand(&seed) % 4);
	task_watch_start(SUBMITTERS * PER_THREAD, ms, false);
	task_watch_meet(4);	/* a slow machine never makes the pool look short of workers */
	harness_run_threads(SUBMITTERS, submit_and_get, &m);
	r = task_watch_stop();
	most = trace_read().max_inflight;
	pool_destroy(m.p);
	ck_assert_msg(m.failure.what[0] == '\0', "3 threads each submitted 100 calls to a "
		      "pool of 4 and got them newest first: %s", m.failure.what);
	ck_assert_msg(r.calls_twice == 0 && r.calls_never == 0, "3 threads each submitted 100 "
		      "calls to a pool of 4 and got them all: %d calls ran more than once and %d "
		      "never: every queued call must be taken by exactly one worker, and "
		      "future_get return only once its call has run", r.calls_twice, r.calls_never);
	ck_assert_msg(most == 4, "300 calls of 0 to 3 ms on a pool of 4 workers "
		      "ran %ld at once at most: all 4 workers must take calls (and no more than 4 "
		      "may run)", most);
}
END_TEST

START_TEST(test_future_submit_returns_at_once)
{
	struct pool *p = pool_create(2);
	struct future *fs[8];

	/* Both workers block on the gate after the first two: the queue grows. */
	for (int i = 0; i < 8; i++)
		fs[i] = submit_gated(p, 20 + i);
	task_gate_open();
	for (int i = 0; i < 8; i++)
		expect_result(future_get(fs[i]), 20 + i, "(8 calls queued on a pool of 2)");
	ck_assert_msg(task_gate_entered() == 8, "8 submitted calls ran %d times",
		      task_gate_entered());
	pool_destroy(p);
}
END_TEST

START_TEST(test_pool_destroy_finishes_queued_calls)
{
	static int ms[40];
	struct future *fs[40];
	int before = harness_threads_now(), left;
	struct pool *p = pool_create(2);
	struct watch_report r;

	for (int i = 0; i < 40; i++)
		ms[i] = 2;
	task_watch_start(40, ms, false);
	for (int i = 0; i < 40; i++)
		fs[i] = pool_submit(p, task_watched, task_input(i));
	pool_destroy(p);	/* at once: most calls are still queued */
	r = task_watch_stop();
	left = harness_threads_settled(before) - before;
	ck_assert_msg(r.returned == 40, "pool_destroy, called right after 40 calls of 2 ms "
		      "were submitted to 2 workers, returned when %d of them had run: it must "
		      "let the workers finish every queued call before they stop", r.returned);
	ck_assert_msg(left == 0, "pool_destroy returned with %d threads still running: it "
		      "returns only after joining every worker (Pthread_join)", left);
	for (int i = 0; i < 40; i++)	/* a future outlives its pool */
		expect_result(future_get(fs[i]), i, "after pool_destroy");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_future_get_waits_for_the_call,
		test_future_get_sleeps,
		test_future_many_in_flight,
		test_future_submit_returns_at_once,
		test_pool_destroy_finishes_queued_calls,
		NULL
	};

	return check_main(check_suite("future", setup, tests));
}
