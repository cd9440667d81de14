/* check_queue.c - part A's Check tests: the queue delivers every item
 * exactly once and in order, put waits while it is full and get while it is
 * empty (watched from outside, never assumed), waiting costs no CPU, and
 * close wakes everyone; under seeded chaos (CHAOS_SEED=N replays a run),
 * which makes Pthread_cond_wait return spuriously and late as POSIX allows.
 *
 * Worker threads never call ck_assert: a thread records what it saw, and
 * the test asserts on it from the test's own thread. A thread still blocked
 * when a test fails is left behind: Check runs each test in a process of
 * its own, which ends with the test. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "harness.h"
#include "prodcons.h"

#define SETTLE_MS 50		/* more time, once the threads have reached their waits */
#define READY_MS 500		/* a running thread reaches its wait well within this */
#define WAKE_MS 2000		/* a woken thread returns well within this */
#define IDLE_MS 200		/* the phase whose CPU time is measured */
#define IDLE_CPU_MS 20		/* what six waiting threads may use in it */
#define CLOSE_ROUNDS 20		/* tries of a close racing a get that makes room */

static void setup(void)
{
	chaos_init();
}

/* Items are numbers dressed as pointers: the queue never reads through them. */
static void *item_of(long n)
{
	return (void *)(intptr_t)n;
}

static long number_of(void *item)
{
	return (long)(intptr_t)item;
}

/* True once Pthread_cond_wait has been called n times since trace_reset(),
 * false if not within ms: the harness sees threads reach their waits
 * instead of guessing how long that takes on a busy machine (a queue that
 * polls never gets there, and costs the test ms). */
static bool waits_reach(long n, int ms)
{
	for (int i = 0; i < ms && trace_read().cond_waits < n; i++)
		work_sleep_ms(1);
	return trace_read().cond_waits >= n;
}

/* ---- one call on a thread of its own, watched from outside ---- */

struct call {
	struct queue *q;
	bool is_put;
	void *item;		/* put: what to put; get: what it got */
	bool result;		/* what the call returned */
	int started;		/* seq_cst atomics only: 1 just before the call */
	int done;		/* seq_cst atomics only: 1 once the call returned */
	pthread_t tid;
};

static void *call_main(void *arg)
{
	struct call *c = arg;

	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	c->result = c->is_put ? queue_put(c->q, c->item) : queue_get(c->q, &c->item);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void call_start(struct call *c, struct queue *q, bool is_put, void *item)
{
	*c = (struct call){ .q = q, .is_put = is_put, .item = item };
	Pthread_create(&c->tid, NULL, call_main, c);
}

static bool call_done(struct call *c)
{
	return __atomic_load_n(&c->done, __ATOMIC_SEQ_CST);
}

/* True once the call returned, false if it is still waiting after ms. */
static bool call_wait(struct call *c, int ms)
{
	uint64_t end = clock_now_ns() + (uint64_t)ms * 1000000u;

	while (!call_done(c) && clock_now_ns() < end)
		work_sleep_ms(1);
	if (call_done(c))
		Pthread_join(c->tid, NULL);
	return call_done(c);
}

/* How many of the n calls are still waiting after ms (those done are joined). */
static int calls_still_waiting(struct call *c, int n, int ms)
{
	uint64_t end = clock_now_ns() + (uint64_t)ms * 1000000u;
	int waiting = 0;

	for (int i = 0; i < n; i++) {
		uint64_t now = clock_now_ns();

		waiting += !call_wait(&c[i], now < end ? (int)((end - now) / 1000000u) : 0);
	}
	return waiting;
}

static void fill(struct queue *q, int n, long first)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(queue_put(q, item_of(first + i)), "queue_put returned false "
			      "on an open queue holding %d of its %d items", i, n);
}

static void expect_get(struct queue *q, long want, const char *when)
{
	void *item = item_of(-1);

	ck_assert_msg(queue_get(q, &item), "queue_get returned false %s", when);
	ck_assert_msg(number_of(item) == want, "queue_get gave item %ld %s, but the front "
		      "item was %ld: items must come out in the order they were put (FIFO)",
		      number_of(item), when, want);
}

/* ---- one thread ---- */

START_TEST(test_queue_fifo_one_thread)
{
	struct queue *q = queue_new(5);

	fill(q, 5, 10);
	for (int i = 0; i < 5; i++)
		expect_get(q, 10 + i, "from a queue of capacity 5 filled with 10..14");
	/* Round and round the ring: put two, get two, 50 times. */
	for (int i = 0; i < 50; i++) {
		fill(q, 2, 100 + 2 * i);
		expect_get(q, 100 + 2 * i, "after many puts and gets");
		expect_get(q, 101 + 2 * i, "after many puts and gets");
	}
	ck_assert_msg(queue_put(q, NULL), "queue_put(q, NULL) returned false: NULL is an item too");
	expect_get(q, 0, "after queue_put(q, NULL)");
	queue_free(q);
	q = queue_new(1);
	for (int i = 0; i < 20; i++) {
		fill(q, 1, i);
		expect_get(q, i, "from a queue of capacity 1");
	}
	queue_free(q);
}
END_TEST

/* ---- waiting, watched from outside ---- */

/* Puts items 0, 1, ... until told to stop; counts the puts that returned. */
struct filler {
	struct queue *q;
	int target;
	int returned;		/* seq_cst atomics only */
};

static void *filler_main(void *arg)
{
	struct filler *f = arg;

	for (int i = 0; i < f->target; i++) {
		if (!queue_put(f->q, item_of(i)))
			break;
		__atomic_add_fetch(&f->returned, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

START_TEST(test_queue_put_waits_while_full)
{
	static const int capacities[] = { 1, 3, 8 };

	for (size_t k = 0; k < sizeof(capacities) / sizeof(capacities[0]); k++) {
		int cap = capacities[k];
		struct queue *q = queue_new(cap);
		struct filler f = { q, cap + 2, 0 };
		pthread_t tid;
		bool waiting;
		int n;

		trace_reset();
		Pthread_create(&tid, NULL, filler_main, &f);
		for (int i = 0; i < WAKE_MS && __atomic_load_n(&f.returned, __ATOMIC_SEQ_CST) < cap; i++)
			work_sleep_ms(1);
		waiting = waits_reach(1, READY_MS);
		work_sleep_ms(SETTLE_MS);
		n = __atomic_load_n(&f.returned, __ATOMIC_SEQ_CST);
		ck_assert_msg(n == cap, "a thread putting %d items into an empty queue of "
			      "capacity %d with nobody getting had %d puts return; exactly %d "
			      "may, the next must wait until there is room", cap + 2, cap, n, cap);
		ck_assert_msg(waiting, "queue_put waits on a full queue, but not in "
			      "Pthread_cond_wait: a thread must wait on a condition variable, "
			      "through common.h's wrapper, never poll, sleep or yield in a loop");
		expect_get(q, 0, "from a full queue");
		for (int i = 0; i < WAKE_MS && __atomic_load_n(&f.returned, __ATOMIC_SEQ_CST) == cap; i++)
			work_sleep_ms(1);
		ck_assert_msg(__atomic_load_n(&f.returned, __ATOMIC_SEQ_CST) == cap + 1,
			      "a put waiting on a full queue of capacity %d did not return "
			      "within %d ms after a get made room", cap, WAKE_MS);
		for (int i = 1; i < cap + 2; i++)
			expect_get(q, i, "after the waiting puts were let in");
		Pthread_join(tid, NULL);
		queue_free(q);
	}
}
END_TEST

START_TEST(test_queue_get_waits_while_empty)
{
	struct queue *q = queue_new(4);
	struct call get;
	bool waiting;

	trace_reset();
	call_start(&get, q, false, NULL);
	for (int i = 0; i < WAKE_MS && !__atomic_load_n(&get.started, __ATOMIC_SEQ_CST); i++)
		work_sleep_ms(1);
	waiting = waits_reach(1, READY_MS);
	ck_assert_msg(!call_wait(&get, SETTLE_MS), "queue_get on an empty queue with nobody "
		      "putting returned %s (item %ld) instead of waiting",
		      get.result ? "true" : "false", number_of(get.item));
	ck_assert_msg(waiting, "queue_get waits on an empty queue, but not in "
		      "Pthread_cond_wait: a thread must wait on a condition variable, through "
		      "common.h's wrapper, never poll, sleep or yield in a loop");
	ck_assert(queue_put(q, item_of(42)));
	ck_assert_msg(call_wait(&get, WAKE_MS), "a get waiting on an empty queue did not "
		      "return within %d ms of a put", WAKE_MS);
	ck_assert_msg(get.result && number_of(get.item) == 42, "the waiting get returned %s "
		      "with item %ld; the item put was 42", get.result ? "true" : "false",
		      number_of(get.item));
	queue_free(q);
}
END_TEST

START_TEST(test_queue_no_busy_wait)
{
	struct queue *empty = queue_new(2), *full = queue_new(1);
	struct call calls[6];
	uint64_t cpu;
	int left;

	fill(full, 1, 0);
	trace_reset();
	for (int i = 0; i < 4; i++)
		call_start(&calls[i], empty, false, NULL);
	for (int i = 4; i < 6; i++)
		call_start(&calls[i], full, true, item_of(i));
	(void)waits_reach(6, READY_MS);	/* a poller never gets there: measured anyway */
	work_sleep_ms(SETTLE_MS);
	cpu = harness_cpu_ns();
	work_sleep_ms(IDLE_MS);
	cpu = harness_cpu_ns() - cpu;
	ck_assert_msg(cpu <= IDLE_CPU_MS * 1000000ull, "4 gets on an empty queue and 2 puts on "
		      "a full one, all waiting, used %.0f ms of CPU in %d ms (at most %d): a "
		      "thread that waits must sleep in Pthread_cond_wait, not loop around "
		      "checking", (double)cpu / 1e6, IDLE_MS, IDLE_CPU_MS);
	queue_close(empty);
	queue_close(full);
	left = calls_still_waiting(calls, 6, WAKE_MS);
	ck_assert_msg(left == 0, "waiting used no CPU, but then %d of the 6 waiting threads "
		      "were still waiting %d ms after both queues were closed: close must wake "
		      "every waiter (see test_queue_close_wakes_every_waiter)", left, WAKE_MS);
	queue_free(empty);
	queue_free(full);
}
END_TEST

/* ---- close ---- */

START_TEST(test_queue_close_wakes_every_waiter)
{
	struct queue *empty = queue_new(2), *full = queue_new(2);
	struct call gets[4], puts[4];
	int left;

	fill(full, 2, 0);
	trace_reset();
	for (int i = 0; i < 4; i++) {
		call_start(&gets[i], empty, false, item_of(-7));
		call_start(&puts[i], full, true, item_of(100 + i));
	}
	(void)waits_reach(8, READY_MS);
	work_sleep_ms(SETTLE_MS);
	queue_close(empty);
	left = calls_still_waiting(gets, 4, WAKE_MS);
	ck_assert_msg(left == 0, "%d of 4 gets waiting on an empty queue were still waiting "
		      "%d ms after queue_close: close must wake every waiting thread, not one",
		      left, WAKE_MS);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(!gets[i].result && number_of(gets[i].item) == -7, "a get waiting "
			      "on an empty queue returned %s (item %ld) when the queue was closed: "
			      "it must return false and leave *item alone",
			      gets[i].result ? "true" : "false", number_of(gets[i].item));
	queue_close(full);
	left = calls_still_waiting(puts, 4, WAKE_MS);
	ck_assert_msg(left == 0, "%d of 4 puts waiting on a full queue were still waiting "
		      "%d ms after queue_close: close must wake the waiting producers too", left,
		      WAKE_MS);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(!puts[i].result, "a put waiting on a full queue returned true "
			      "after the queue was closed: it must fail, adding nothing");
	expect_get(full, 0, "from a closed queue still holding 0 and 1");
	expect_get(full, 1, "from a closed queue still holding 1");
	queue_close(full);	/* twice is allowed */
	queue_free(empty);
	queue_free(full);
}
END_TEST

/* A put waits on a full queue; the queue is closed, then a get makes room.
 * The put must still fail: the close came first. Which of the woken put
 * and the get runs first is up to the scheduler, so the tests try often. */
static void close_then_room(void)
{
	struct queue *q = queue_new(1);
	struct call put;
	void *item = item_of(-7);

	fill(q, 1, 1);
	call_start(&put, q, true, item_of(2));
	work_sleep_ms(2);
	queue_close(q);
	expect_get(q, 1, "from a closed queue still holding 1");
	ck_assert_msg(call_wait(&put, WAKE_MS), "a put waiting on a full queue was still "
		      "waiting %d ms after queue_close", WAKE_MS);
	ck_assert_msg(!put.result, "a put that was waiting when the queue was closed "
		      "returned true once a get had made room: after the close a put adds "
		      "nothing, whenever it wakes (test closed after every wake-up, before "
		      "adding)");
	ck_assert_msg(!queue_get(q, &item), "a get found item %ld, put after the queue was "
		      "closed", number_of(item));
	queue_free(q);
}

START_TEST(test_queue_close_drains_then_fails)
{
	struct queue *q = queue_new(4);
	void *item = item_of(-7);

	fill(q, 3, 1);
	queue_close(q);
	ck_assert_msg(!queue_put(q, item_of(9)), "queue_put returned true on a closed queue");
	for (int i = 1; i <= 3; i++)
		expect_get(q, i, "from a closed queue that still held items: items put before "
			   "the close are still got, in order");
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(!queue_get(q, &item), "queue_get returned true on a closed, "
			      "drained queue (item %ld)", number_of(item));
		ck_assert_msg(number_of(item) == -7, "queue_get changed *item on a closed, "
			      "drained queue");
	}
	queue_close(q);
	queue_free(q);
	for (int round = 0; round < CLOSE_ROUNDS; round++)
		close_then_room();
}
END_TEST

/* ---- many threads ---- */

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 600
#define STEAL_ITEMS 1500

/* Under a controlled schedule (SCHEDULE=) the schedules, not the volume,
 * find the interleavings: a tenth of the items keeps each one short. */
static int items(int n)
{
	return schedule_on() ? n / 10 : n;
}

/* Item of producer p, number i: never 0, so an empty slot never passes. */
static long encode(int p, int i)
{
	return (long)p * 1000000 + i + 1;
}

struct traffic {
	struct queue *q;
	int capacity, producers, per_producer;
	int put_returned, get_started;		/* seq_cst atomics only */
	int over_capacity;			/* seq_cst atomics only */
	long *got[CONSUMERS];			/* consumer c's items, in order */
	int ngot[CONSUMERS];
};

/* After a put returned, puts returned - gets started can never exceed the
 * capacity: every item counted is in the queue or being got. */
static void traffic_put(struct traffic *t, long item)
{
	int puts;

	if (!queue_put(t->q, item_of(item)))
		return;
	/* puts first, then gets: reading gets later only makes it larger. */
	puts = __atomic_add_fetch(&t->put_returned, 1, __ATOMIC_SEQ_CST);
	if (puts - __atomic_load_n(&t->get_started, __ATOMIC_SEQ_CST) > t->capacity)
		__atomic_store_n(&t->over_capacity, 1, __ATOMIC_SEQ_CST);
}

static void traffic_producer(void *arg, int p)
{
	struct traffic *t = arg;

	for (int i = 0; i < t->per_producer; i++)
		traffic_put(t, encode(p, i));
}

struct consumer_arg {
	struct traffic *t;
	int c;
	pthread_t tid;
};

static void *traffic_consumer(void *arg)
{
	struct consumer_arg *a = arg;
	struct traffic *t = a->t;
	int total = t->producers * t->per_producer;
	void *item;

	for (;;) {
		__atomic_add_fetch(&t->get_started, 1, __ATOMIC_SEQ_CST);
		if (!queue_get(t->q, &item))
			break;
		if (t->ngot[a->c] < total)
			t->got[a->c][t->ngot[a->c]++] = number_of(item);
	}
	return NULL;
}

/* Runs the producers on a barrier, closes the queue, drains it on
 * nconsumers consumers. */
static void traffic_run(struct traffic *t, int nconsumers)
{
	struct consumer_arg args[CONSUMERS];
	int total = t->producers * t->per_producer;

	t->q = queue_new(t->capacity);
	for (int c = 0; c < nconsumers; c++) {
		t->got[c] = Calloc((size_t)total, sizeof(long));
		args[c] = (struct consumer_arg){ t, c, 0 };
		Pthread_create(&args[c].tid, NULL, traffic_consumer, &args[c]);
	}
	harness_run_threads(t->producers, traffic_producer, t);
	queue_close(t->q);
	for (int c = 0; c < nconsumers; c++)
		Pthread_join(args[c].tid, NULL);
	queue_free(t->q);
}

/* Every item exactly once; each consumer saw each producer's items in order. */
static void traffic_check(struct traffic *t, int nconsumers, const char *what)
{
	int total = t->producers * t->per_producer;
	char *seen = Calloc((size_t)total, 1);
	int n = 0;

	ck_assert_msg(!t->over_capacity, "%s: more items were in the queue at once than its "
		      "capacity of %d (puts returned - gets started went above it)", what,
		      t->capacity);
	for (int c = 0; c < nconsumers; c++) {
		long last[PRODUCERS] = { 0 };

		for (int k = 0; k < t->ngot[c]; k++) {
			long v = t->got[c][k];
			int p = (int)((v - 1) / 1000000), i = (int)((v - 1) % 1000000);

			ck_assert_msg(v >= 1 && p < t->producers && i < t->per_producer,
				      "%s: a get returned item %ld, which no producer put", what, v);
			ck_assert_msg(!seen[p * t->per_producer + i], "%s: item %d of producer %d "
				      "was got twice", what, i, p);
			ck_assert_msg(v > last[p], "%s: a consumer got item %d of producer %d "
				      "after its item %ld: one producer's items must come out in the "
				      "order they went in", what, i, p, (last[p] - 1) % 1000000);
			seen[p * t->per_producer + i] = 1;
			last[p] = v;
			n++;
		}
		free(t->got[c]);
	}
	ck_assert_msg(n == total, "%s: %d of %d items were got; %d were lost", what, n,
		      total, total - n);
	free(seen);
}

START_TEST(test_queue_many_producers_consumers)
{
	struct traffic t = { .capacity = 4, .producers = PRODUCERS, .per_producer = items(PER_PRODUCER) };

	traffic_run(&t, CONSUMERS);
	traffic_check(&t, CONSUMERS, "4 producers, 4 consumers, capacity 4");
}
END_TEST

/* One producer, capacity 1, three consumers: a woken consumer often finds
 * the item already taken by another (a stolen wake-up). */
START_TEST(test_queue_stolen_wakeups)
{
	struct traffic t = { .capacity = 1, .producers = 1, .per_producer = items(STEAL_ITEMS) };

	traffic_run(&t, 3);
	traffic_check(&t, 3, "1 producer, 3 consumers, capacity 1");
}
END_TEST

/* One consumer: it must see every producer's items in order. */
START_TEST(test_queue_fifo_per_producer)
{
	struct traffic t = { .capacity = 3, .producers = PRODUCERS, .per_producer = items(PER_PRODUCER) };

	traffic_run(&t, 1);
	traffic_check(&t, 1, "4 producers, 1 consumer, capacity 3");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_queue_fifo_one_thread,
		test_queue_put_waits_while_full,
		test_queue_get_waits_while_empty,
		test_queue_no_busy_wait,
		test_queue_close_wakes_every_waiter,
		test_queue_close_drains_then_fails,
		test_queue_many_producers_consumers,
		test_queue_fifo_per_producer,
		test_queue_stolen_wakeups,
		NULL
	};

	return check_main(check_suite("queue", setup, tests));
}
