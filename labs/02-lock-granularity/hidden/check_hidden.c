/* check_hidden.c - lab 02's hidden tests (instructor-only, left out of the
 * student release): the contract's corners that the visible tests leave
 * alone - a transfer from an account to itself, alone and under load; many
 * accounts; one bucket for many threads and keys at the ends of int's range.
 *
 * Worker threads never call ck_assert: a thread records the first thing it
 * saw go wrong, and the test asserts on it once every thread is joined. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "common.h"
#include "granularity.h"
#include "harness.h"

#define NTHREADS 16
#define SELF_ACCOUNTS 3
#define SELF_TRANSFERS 40	/* per thread */
#define MANY_ACCOUNTS 128
#define MANY_INITIAL 20
#define MANY_TRANSFERS 60	/* per worker */
#define ONE_BUCKET_KEYS 8	/* per thread */

struct run {
	struct bank *b;
	struct table *t;
	pthread_mutex_t lock;	/* guards what and net */
	char what[256];
	long *net;		/* per account: what accepted transfers added */
	int workers_left;	/* seq_cst atomics only */
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	Pthread_mutex_init(&r->lock, NULL);
}

static void run_fail(struct run *r, const char *what)
{
	Pthread_mutex_lock(&r->lock);
	if (r->what[0] == '\0')
		snprintf(r->what, sizeof(r->what), "%s", what);
	Pthread_mutex_unlock(&r->lock);
}

static void setup(void)
{
	chaos_init();
}

/* Even threads transfer from an account to itself; odd ones between the
 * three accounts, both ways. */
static void self_thread(void *arg, int th)
{
	struct run *r = arg;
	char what[256];

	for (int i = 0; i < SELF_TRANSFERS; i++) {
		int a = (th + i) % SELF_ACCOUNTS, c = (a + 1 + i % 2) % SELF_ACCOUNTS;

		if (th % 2 == 1) {
			(void)bank_transfer(r->b, a, c, 1);
			continue;
		}
		if (!bank_transfer(r->b, a, a, 1)) {
			snprintf(what, sizeof(what), "bank_transfer(b, %d, %d, 1) returned false "
				 "while other threads transferred: a transfer of 1 from an account to "
				 "itself can be refused only when the account is empty, and these never "
				 "hold less than 900", a, a);
			run_fail(r, what);
		}
	}
}

START_TEST(test_hidden_self_transfer)
{
	struct run r;
	struct bank *b = bank_new(2, 50, 0);
	long total;

	trace_reset();
	ck_assert_msg(bank_transfer(b, 1, 1, 50), "bank_transfer(b, 1, 1, 50) returned false "
		      "while account 1 held 50: a transfer from an account to itself moves "
		      "nothing and succeeds when the account holds the amount");
	ck_assert_msg(!bank_transfer(b, 1, 1, 51), "bank_transfer(b, 1, 1, 51) returned true "
		      "while account 1 held 50: it must be refused");
	ck_assert_msg(bank_balance(b, 1) == 50 && bank_balance(b, 0) == 50, "after transfers "
		      "from account 1 to itself the balances are %ld and %ld, expected 50 and 50",
		      bank_balance(b, 0), bank_balance(b, 1));
	ck_assert_msg(trace_read().work_done == 2, "2 transfers from an account to itself "
		      "called work_sleep_ms() %ld times, expected once each", trace_read().work_done);
	bank_free(b);

	run_init(&r);
	r.b = bank_new(SELF_ACCOUNTS, 1000, 0);
	harness_run_threads(NTHREADS, self_thread, &r);
	ck_assert_msg(r.what[0] == '\0', "%s", r.what);
	total = bank_total(r.b);
	ck_assert_msg(total == SELF_ACCOUNTS * 1000, "bank_total() is %ld after transfers to "
		      "self and between accounts, expected %d", total, SELF_ACCOUNTS * 1000);
	bank_free(r.b);
}
END_TEST

/* Workers transfer at random among many accounts; the last thread reads
 * bank_total until they are done. */
static void many_thread(void *arg, int th)
{
	struct run *r = arg;
	unsigned long rng = 0x1234ul + (unsigned long)th * 65537ul;
	const long want = (long)MANY_ACCOUNTS * MANY_INITIAL;
	char what[256];

	if (th == NTHREADS - 1) {
		do {
			long total = bank_total(r->b);

			if (total != want) {
				snprintf(what, sizeof(what), "bank_total() returned %ld while "
					 "transfers ran among %d accounts, expected %ld", total,
					 MANY_ACCOUNTS, want);
				run_fail(r, what);
				return;
			}
			/* Holding every lock, a total stops all transfers: let them run. */
			nanosleep(&(struct timespec){ 0, 5000000L }, NULL);
		} while (__atomic_load_n(&r->workers_left, __ATOMIC_SEQ_CST) > 0);
		return;
	}
	for (int i = 0; i < MANY_TRANSFERS; i++) {
		int from = (int)(harness_rand(&rng) % MANY_ACCOUNTS);
		int to = (from + 1 + (int)(harness_rand(&rng) % (MANY_ACCOUNTS - 1))) % MANY_ACCOUNTS;
		long amount = 1 + (long)(harness_rand(&rng) % 30);

		if (bank_transfer(r->b, from, to, amount)) {
			Pthread_mutex_lock(&r->lock);
			r->net[from] -= amount;
			r->net[to] += amount;
			Pthread_mutex_unlock(&r->lock);
		}
	}
	__atomic_sub_fetch(&r->workers_left, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_hidden_many_accounts)
{
	struct run r;

	run_init(&r);
	r.net = Calloc(MANY_ACCOUNTS, sizeof(*r.net));
	r.b = bank_new(MANY_ACCOUNTS, MANY_INITIAL, 0);
	r.workers_left = NTHREADS - 1;
	harness_run_threads(NTHREADS, many_thread, &r);
	ck_assert_msg(r.what[0] == '\0', "%s", r.what);
	for (int i = 0; i < MANY_ACCOUNTS; i++) {
		long got = bank_balance(r.b, i), want = MANY_INITIAL + r.net[i];

		ck_assert_msg(got == want && got >= 0, "account %d of %d holds %ld, but the "
			      "accepted transfers leave it %ld", i, MANY_ACCOUNTS, got, want);
	}
	bank_free(r.b);
	free(r.net);
}
END_TEST

/* Every thread puts keys of its own into a table of one bucket. */
static void one_bucket_thread(void *arg, int th)
{
	struct run *r = arg;
	char what[256];

	for (int j = 0; j < ONE_BUCKET_KEYS; j++) {
		int key = INT_MIN + th * ONE_BUCKET_KEYS + j, v = 0;

		table_put(r->t, key, j);
		if (!table_get(r->t, key, &v) || v != j) {
			snprintf(what, sizeof(what), "in a table of 1 bucket, thread %d put key %d "
				 "= %d and then could not get it back", th, key, j);
			run_fail(r, what);
			return;
		}
	}
}

START_TEST(test_hidden_table_extremes)
{
	static const int keys[] = { INT_MIN, INT_MIN + 1, -1, 0, 1, INT_MAX - 1, INT_MAX };
	struct table *t = table_new(1024, 0);
	struct run r;
	int v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		table_put(t, keys[i], (int)i);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = -1;
		ck_assert_msg(table_get(t, keys[i], &v) && v == (int)i, "table of 1024 buckets: "
			      "table_get(t, %d) gave %d, expected %d", keys[i], v, (int)i);
	}
	ck_assert_msg(table_count(t) == 7, "table_count() is %d after 7 keys", table_count(t));
	table_free(t);

	run_init(&r);
	r.t = table_new(1, 0);
	harness_run_threads(NTHREADS, one_bucket_thread, &r);
	ck_assert_msg(r.what[0] == '\0', "%s", r.what);
	ck_assert_msg(table_count(r.t) == NTHREADS * ONE_BUCKET_KEYS, "table of 1 bucket: "
		      "table_count() is %d after %d threads put %d keys each, expected %d",
		      table_count(r.t), NTHREADS, ONE_BUCKET_KEYS, NTHREADS * ONE_BUCKET_KEYS);
	table_free(r.t);
}
END_TEST

int main(void)
{
	/* The table first: a bank that deadlocks must not cost it its points. */
	const TTest *const tests[] = {
		test_hidden_table_extremes,
		test_hidden_many_accounts,
		test_hidden_self_transfer,
		NULL
	};

	return check_main(check_suite("hidden", setup, tests));
}
