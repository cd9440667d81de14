/* check_table.c - part A's Check tests: the table keeps every key exactly
 * once, every get sees the last put of its key, and each access works on
 * the slow device under its bucket's lock, under seeded chaos (CHAOS_SEED=N
 * replays a run).
 *
 * Worker threads never call ck_assert: a thread records the first thing it
 * saw go wrong, and the test asserts on it once every thread is joined. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "granularity.h"
#include "harness.h"

#define NTHREADS 16		/* threads released together by a barrier */
#define SHARED_BUCKETS 4	/* few buckets: many threads in each */
#define PRIVATE_KEYS 16		/* keys per thread in test_table_private_keys */
#define PRIVATE_ROUNDS 2	/* puts of each key */
#define SHARED_KEYS 24		/* keys every thread puts in test_table_shared_keys */
#define SHARED_ROUNDS 2		/* rounds, each on a fresh table */
#define LOCKED_THREADS 4
#define LOCKED_OPS 6		/* puts per thread in test_table_latency_locked */
#define LOCKED_MS 2

static void setup(void)
{
	chaos_init();
}

/* ---- one thread ---- */

/* Puts key=value and checks get. */
static void put_and_check(struct table *t, int key, int value)
{
	int v = -1;

	table_put(t, key, value);
	ck_assert_msg(table_get(t, key, &v), "table_get(t, %d) found nothing right after "
		      "table_put(t, %d, %d)", key, key, value);
	ck_assert_msg(v == value, "table_get(t, %d) gave %d right after table_put(t, %d, %d)",
		      key, v, key, value);
}

START_TEST(test_table_put_get)
{
	/* Keys 5, 13, 21 and -3 all fall in bucket 5 of 8: a chain. */
	static const int keys[] = { 5, 13, 21, -3, INT_MIN, INT_MAX };
	struct table *t;
	long calls = 0;
	int v;

	trace_reset();
	t = table_new(8, 0);
	ck_assert_msg(!table_get(t, 5, &v), "table_get on an empty table found key 5");
	calls++;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++, calls += 2)
		put_and_check(t, keys[i], 100 + (int)i);
	put_and_check(t, 13, 7);	/* replace, in the middle of a chain */
	calls += 2;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++, calls++) {
		int want = keys[i] == 13 ? 7 : 100 + (int)i;

		v = -1;
		ck_assert_msg(table_get(t, keys[i], &v) && v == want,
			      "table_get(t, %d) gave %d, expected %d (the last value put)",
			      keys[i], v, want);
	}
	ck_assert_msg(!table_get(t, 29, &v), "table_get(t, 29) found a key never put "
		      "(29 shares bucket 5 with 5, 13, 21 and -3)");
	calls++;
	ck_assert_msg(table_count(t) == 6, "table_count() is %d after putting 6 keys, one "
		      "of them twice: expected 6", table_count(t));
	ck_assert_msg(trace_read().work_done == calls, "%ld calls of table_put and table_get "
		      "called work_sleep_ms() %ld times: expected exactly once per call", calls,
		      trace_read().work_done);
	table_free(t);

	t = table_new(1, 0);		/* one bucket: every key collides */
	for (int k = 0; k < 100; k++)
		table_put(t, k * 7, k);
	for (int k = 0; k < 100; k++) {
		v = -1;
		ck_assert_msg(table_get(t, k * 7, &v) && v == k, "table of 1 bucket: "
			      "table_get(t, %d) gave %d, expected %d", k * 7, v, k);
	}
	ck_assert_msg(table_count(t) == 100, "table of 1 bucket: table_count() is %d after "
		      "100 keys, expected 100", table_count(t));
	table_free(t);
}
END_TEST

/* ---- many threads ---- */

struct run {
	struct table *t;
	struct failure fail;
	int round;
};

/* Puts only: gets may share a bucket with each other (a read-write lock
 * per bucket is fine), a put may share it with no one. */
static void locked_thread(void *arg, int th)
{
	struct run *r = arg;

	for (int i = 0; i < LOCKED_OPS; i++)
		table_put(r->t, th * 100 + i % 3, i);
}

START_TEST(test_table_latency_locked)
{
	struct run r;
	struct trace_stats s;

	trace_reset();
	r.t = table_new(1, LOCKED_MS);
	harness_run_threads(LOCKED_THREADS, locked_thread, &r);
	s = trace_read();
	table_free(r.t);
	ck_assert_msg(s.work_done == LOCKED_THREADS * LOCKED_OPS, "%d puts called "
		      "work_sleep_ms() %ld times: expected exactly once per put",
		      LOCKED_THREADS * LOCKED_OPS, s.work_done);
	ck_assert_msg(s.max_inflight == 1, "with every key in one bucket, %ld puts were "
		      "on the slow device at the same moment: work_sleep_ms() must be called "
		      "while holding the lock of the key's bucket, so that two puts into one "
		      "bucket never overlap", s.max_inflight);
}
END_TEST

/* Thread th owns keys th + NTHREADS * j: nobody else puts them, so a get
 * by th must see th's own last put. */
static void private_thread(void *arg, int th)
{
	struct run *r = arg;
	char what[256];

	for (int round = 0; round < PRIVATE_ROUNDS; round++) {
		for (int j = 0; j < PRIVATE_KEYS; j++) {
			int key = th + NTHREADS * j, value = round * 1000 + j, v = -1;
			bool found;

			table_put(r->t, key, value);
			found = table_get(r->t, key, &v);
			if (found && v == value)
				continue;
			snprintf(what, sizeof(what), "thread %d put key %d = %d, then its own "
				 "table_get found %s%d: no other thread uses that key, so another "
				 "key's put in the same bucket lost or overwrote it", th, key,
				 value, found ? "the value " : "nothing", found ? v : 0);
			failure_set(&r->fail, what);
			return;
		}
	}
}

START_TEST(test_table_private_keys)
{
	struct run r;
	int count;

	failure_init(&r.fail);
	r.t = table_new(SHARED_BUCKETS, 0);
	harness_run_threads(NTHREADS, private_thread, &r);
	ck_assert_msg(r.fail.what[0] == '\0', "%s (%d threads, %d buckets)", r.fail.what,
		      NTHREADS, SHARED_BUCKETS);
	for (int th = 0; th < NTHREADS; th++) {
		for (int j = 0; j < PRIVATE_KEYS; j++) {
			int key = th + NTHREADS * j, want = (PRIVATE_ROUNDS - 1) * 1000 + j;
			int v = -1;

			ck_assert_msg(table_get(r.t, key, &v) && v == want, "after every thread "
				      "was joined, table_get(t, %d) gave %d, expected %d (the last "
				      "value put)", key, v, want);
		}
	}
	count = table_count(r.t);
	ck_assert_msg(count == NTHREADS * PRIVATE_KEYS, "table_count() is %d after %d "
		      "threads each put %d keys of their own, expected %d: %s", count, NTHREADS,
		      PRIVATE_KEYS, NTHREADS * PRIVATE_KEYS, count < NTHREADS * PRIVATE_KEYS ?
		      "keys were lost" : "keys were stored twice");
	table_free(r.t);
}
END_TEST

/* Every thread puts every key 0..SHARED_KEYS-1 in the same order, value
 * th * 1000 + key: all of them try to insert the same new key at once. */
static void shared_thread(void *arg, int th)
{
	struct run *r = arg;
	char what[256];

	for (int key = 0; key < SHARED_KEYS; key++) {
		int v = -1;

		table_put(r->t, key, th * 1000 + key);
		if (table_get(r->t, key, &v) && v % 1000 == key)
			continue;
		if (v == -1)
			snprintf(what, sizeof(what), "thread %d put key %d, then its table_get "
				 "found nothing: the key was lost (round %d)", th, key, r->round);
		else
			snprintf(what, sizeof(what), "thread %d put key %d, then its table_get "
				 "found %d, a value no thread put for that key (round %d)", th,
				 key, v, r->round);
		failure_set(&r->fail, what);
		return;
	}
}

START_TEST(test_table_shared_keys)
{
	struct run r;

	for (r.round = 1; r.round <= SHARED_ROUNDS; r.round++) {
		int count;

		failure_init(&r.fail);
		r.t = table_new(SHARED_BUCKETS, 0);
		harness_run_threads(NTHREADS, shared_thread, &r);
		ck_assert_msg(r.fail.what[0] == '\0', "%s", r.fail.what);
		count = table_count(r.t);
		ck_assert_msg(count == SHARED_KEYS, "%d threads each put the same %d keys at "
			      "once: table_count() is %d, expected %d: %s (round %d of %d)",
			      NTHREADS, SHARED_KEYS, count, SHARED_KEYS, count > SHARED_KEYS ?
			      "two threads both inserted a key neither found, so it is stored twice" :
			      "keys were lost", r.round, SHARED_ROUNDS);
		for (int key = 0; key < SHARED_KEYS; key++) {
			int v = -1;

			ck_assert_msg(table_get(r.t, key, &v) && v % 1000 == key &&
				      v / 1000 < NTHREADS, "after every thread was joined, "
				      "table_get(t, %d) gave %d, which no thread put for that key "
				      "(round %d)", key, v, r.round);
		}
		table_free(r.t);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_table_put_get,
		test_table_latency_locked,
		test_table_private_keys,
		test_table_shared_keys,
		NULL
	};

	return check_main(check_suite("table", setup, tests));
}
