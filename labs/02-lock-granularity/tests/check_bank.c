/* check_bank.c - part B's Check tests: money is conserved, no update is
 * lost, every accepted transfer is applied exactly once, no balance goes
 * negative, bank_total is a consistent snapshot while transfers run, and
 * transfers both ways between the same accounts never deadlock, under
 * seeded chaos (CHAOS_SEED=N replays a run). A test that hangs is stopped
 * by its timeout, and the grader shows where each thread waits.
 *
 * Worker threads never call ck_assert: a thread records the first thing it
 * saw go wrong, and the test asserts on it once every thread is joined. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "common.h"
#include "granularity.h"
#include "harness.h"

#define NTHREADS 16		/* threads released together by a barrier */
#define MAX_ACCOUNTS 8

/* test_bank_money_conserved */
#define CONSERVE_ACCOUNTS 8
#define CONSERVE_INITIAL 50
#define CONSERVE_TRANSFERS 50	/* per thread */
#define CONSERVE_MAX_AMOUNT 40	/* amounts 1..40 of 50: many are refused */
#define CONSERVE_ROUNDS 1

/* test_bank_no_overdraft */
#define DRAIN_INITIAL 100
#define DRAIN_AMOUNT 10
#define DRAIN_THREADS 8
#define DRAIN_BUSY_THREADS 4	/* keep the other accounts busy meanwhile */
#define DRAIN_TRIES 8		/* per drainer: 64 tries, 10 can succeed */
#define DRAIN_BUSY_MAX 200	/* transfers per busy thread, at most */
#define DRAIN_MS 1

/* test_bank_total_consistent */
#define SNAP_ACCOUNTS 4
#define SNAP_INITIAL 100
#define SNAP_WORKERS 8
#define SNAP_TRANSFERS 24	/* per worker */
#define SNAP_MS 1

/* test_bank_no_deadlock */
#define CYCLE_ACCOUNTS 3
#define CYCLE_THREADS 8
#define CYCLE_TRANSFERS 60	/* per thread */

/* test_bank_latency_locked */
#define LOCKED_THREADS 4
#define LOCKED_TRANSFERS 3
#define LOCKED_MS 2

static void setup(void)
{
	chaos_init();
}

/* ---- one thread ---- */

static void expect_balances(struct bank *b, const long *want, int n, const char *after)
{
	for (int i = 0; i < n; i++) {
		long got = bank_balance(b, i);

		ck_assert_msg(got == want[i], "after %s, bank_balance(b, %d) is %ld, expected %ld",
			      after, i, got, want[i]);
	}
}

START_TEST(test_bank_transfer_basic)
{
	struct bank *b;
	long total;

	trace_reset();
	b = bank_new(4, 100, 0);
	expect_balances(b, (long[]){ 100, 100, 100, 100 }, 4, "bank_new(4, 100, 0)");
	ck_assert_msg(bank_total(b) == 400, "bank_total() is %ld after bank_new(4, 100, 0), "
		      "expected 400", bank_total(b));
	ck_assert_msg(bank_transfer(b, 0, 1, 30), "bank_transfer(b, 0, 1, 30) returned false "
		      "while account 0 held 100");
	expect_balances(b, (long[]){ 70, 130, 100, 100 }, 4, "bank_transfer(b, 0, 1, 30)");
	ck_assert_msg(!bank_transfer(b, 0, 1, 71), "bank_transfer(b, 0, 1, 71) returned true "
		      "while account 0 held only 70: an overdraft must be refused");
	expect_balances(b, (long[]){ 70, 130, 100, 100 }, 4,
			"a refused bank_transfer(b, 0, 1, 71)");
	ck_assert_msg(bank_transfer(b, 3, 2, 100), "bank_transfer(b, 3, 2, 100) returned false "
		      "while account 3 held exactly 100");
	ck_assert_msg(!bank_transfer(b, 3, 0, 1), "bank_transfer(b, 3, 0, 1) returned true "
		      "while account 3 held 0");
	expect_balances(b, (long[]){ 70, 130, 200, 0 }, 4, "bank_transfer(b, 3, 2, 100)");
	total = bank_total(b);
	ck_assert_msg(total == 400, "bank_total() is %ld, expected 400: transfers move money, "
		      "they never make or destroy it", total);
	ck_assert_msg(trace_read().work_done == 4, "4 calls of bank_transfer called "
		      "work_sleep_ms() %ld times: expected exactly once per call, refused "
		      "transfers included", trace_read().work_done);
	bank_free(b);
}
END_TEST

/* ---- many threads ---- */

struct run {
	struct bank *b;
	struct failure fail;
	pthread_mutex_t lock;		/* guards net and accepted */
	long net[MAX_ACCOUNTS];		/* what accepted transfers added to each account */
	long accepted;
	int workers_left;		/* seq_cst atomics only */
	int round;
};

static void run_init(struct run *r, struct bank *b)
{
	memset(r, 0, sizeof(*r));
	r->b = b;
	failure_init(&r->fail);
	Pthread_mutex_init(&r->lock, NULL);
}

/* Adds one thread's tally of accepted transfers to the run's. */
static void run_add(struct run *r, const long *net, long accepted)
{
	Pthread_mutex_lock(&r->lock);
	for (int i = 0; i < MAX_ACCOUNTS; i++)
		r->net[i] += net[i];
	r->accepted += accepted;
	Pthread_mutex_unlock(&r->lock);
}

/* Phase 1: every thread takes from account 0; phase 2: every thread pays
 * into account 3. Two transfers that share an account must not be on the
 * slow device at the same time. */
static void from_zero_thread(void *arg, int th)
{
	struct run *r = arg;

	for (int i = 0; i < LOCKED_TRANSFERS; i++)
		(void)bank_transfer(r->b, 0, 1 + th % 3, 1);
}

static void into_three_thread(void *arg, int th)
{
	struct run *r = arg;

	for (int i = 0; i < LOCKED_TRANSFERS; i++)
		(void)bank_transfer(r->b, th % 3, 3, 1);
}

START_TEST(test_bank_latency_locked)
{
	struct run r;
	struct trace_stats s;

	run_init(&r, bank_new(4, 100, LOCKED_MS));
	trace_reset();
	harness_run_threads(LOCKED_THREADS, from_zero_thread, &r);
	s = trace_read();
	ck_assert_msg(s.work_done == LOCKED_THREADS * LOCKED_TRANSFERS, "%d transfers called "
		      "work_sleep_ms() %ld times: expected exactly once per transfer",
		      LOCKED_THREADS * LOCKED_TRANSFERS, s.work_done);
	ck_assert_msg(s.max_inflight == 1, "%ld transfers out of account 0 were on the slow "
		      "device at the same moment: work_sleep_ms() must be called while holding "
		      "the locks of both accounts, so that two transfers sharing an account never "
		      "overlap", s.max_inflight);
	trace_reset();
	harness_run_threads(LOCKED_THREADS, into_three_thread, &r);
	s = trace_read();
	ck_assert_msg(s.max_inflight == 1, "%ld transfers into account 3 were on the slow "
		      "device at the same moment: work_sleep_ms() must be called while holding "
		      "the locks of both accounts, so that two transfers sharing an account never "
		      "overlap", s.max_inflight);
	bank_free(r.b);
}
END_TEST

/* Random transfers between any two accounts, both ways; each thread keeps
 * the tally of what its accepted transfers moved. */
static void conserve_thread(void *arg, int th)
{
	struct run *r = arg;
	unsigned long rng = 0x5eed0000ul + (unsigned long)(th * 7919 + r->round);
	long net[MAX_ACCOUNTS] = { 0 }, accepted = 0;

	for (int i = 0; i < CONSERVE_TRANSFERS; i++) {
		int from = (int)(harness_rand(&rng) % CONSERVE_ACCOUNTS);
		int to = (from + 1 + (int)(harness_rand(&rng) % (CONSERVE_ACCOUNTS - 1))) %
			 CONSERVE_ACCOUNTS;
		long amount = 1 + (long)(harness_rand(&rng) % CONSERVE_MAX_AMOUNT);

		if (bank_transfer(r->b, from, to, amount)) {
			net[from] -= amount;
			net[to] += amount;
			accepted++;
		}
	}
	run_add(r, net, accepted);
}

START_TEST(test_bank_money_conserved)
{
	struct run r;

	for (int round = 1; round <= CONSERVE_ROUNDS; round++) {
		long total;

		run_init(&r, bank_new(CONSERVE_ACCOUNTS, CONSERVE_INITIAL, 0));
		r.round = round;
		harness_run_threads(NTHREADS, conserve_thread, &r);
		for (int i = 0; i < CONSERVE_ACCOUNTS; i++) {
			long got = bank_balance(r.b, i), want = CONSERVE_INITIAL + r.net[i];

			ck_assert_msg(got >= 0, "account %d ends at %ld: a transfer took more "
				      "than the account held (round %d, %d threads)", i, got, round,
				      NTHREADS);
			ck_assert_msg(got == want, "account %d holds %ld, but the %ld transfers "
				      "that returned true leave it %ld: %s (round %d, %d threads)",
				      i, got, r.accepted, want, got > want ? "money came from nowhere" :
				      "an update was lost", round, NTHREADS);
		}
		total = bank_total(r.b);
		ck_assert_msg(total == CONSERVE_ACCOUNTS * CONSERVE_INITIAL, "bank_total() is "
			      "%ld after every thread was joined, expected %d: money is conserved "
			      "(round %d)", total, CONSERVE_ACCOUNTS * CONSERVE_INITIAL, round);
		bank_free(r.b);
	}
}
END_TEST

/* Threads 0..DRAIN_THREADS-1 try to take DRAIN_AMOUNT out of account
 * r->round (the drained one), which only ever loses money, into one of the
 * others. The other threads keep those others busy with transfers among
 * themselves until the drainers are done, so a drainer often waits for its
 * destination's lock: a transfer that checked the balance before locking
 * then lets other drainers check the same balance meanwhile. */
static void drain_thread(void *arg, int th)
{
	struct run *r = arg;
	long net[MAX_ACCOUNTS] = { 0 }, accepted = 0;
	int src = r->round;

	if (th >= DRAIN_THREADS) {
		for (int i = 0; i < DRAIN_BUSY_MAX &&
		     __atomic_load_n(&r->workers_left, __ATOMIC_SEQ_CST) > 0; i++) {
			int a = (src + 1 + (th + i) % 7) % 8, c = (src + 1 + (th + i + 3) % 7) % 8;

			(void)bank_transfer(r->b, a, c, 1);
		}
		return;
	}
	for (int i = 0; i < DRAIN_TRIES; i++) {
		int dst = (src + 1 + (th + i) % 7) % 8;

		if (bank_transfer(r->b, src, dst, DRAIN_AMOUNT)) {
			net[src] -= DRAIN_AMOUNT;
			accepted++;
		}
	}
	run_add(r, net, accepted);
	__atomic_sub_fetch(&r->workers_left, 1, __ATOMIC_SEQ_CST);
}

/* Drains account 0, the first in any order of ids, then account 7, the
 * last, with the other accounts kept busy meanwhile. */
START_TEST(test_bank_no_overdraft)
{
	static const int drained[] = { 0, 7 };
	struct run r;

	for (int k = 0; k < 2; k++) {
		int src = drained[k];
		long left, total;

		run_init(&r, bank_new(8, DRAIN_INITIAL, DRAIN_MS));
		r.round = src;
		r.workers_left = DRAIN_THREADS;
		harness_run_threads(DRAIN_THREADS + DRAIN_BUSY_THREADS, drain_thread, &r);
		left = bank_balance(r.b, src);
		ck_assert_msg(left >= 0 && r.accepted <= DRAIN_INITIAL / DRAIN_AMOUNT, "account %d "
			      "held %d and %d threads tried %d times in all to take %d from it: %ld "
			      "transfers were accepted and it ends at %ld. A transfer must be refused "
			      "when the account holds less than the amount at the moment the money "
			      "moves, not at the moment someone looked", src, DRAIN_INITIAL,
			      DRAIN_THREADS, DRAIN_THREADS * DRAIN_TRIES, DRAIN_AMOUNT, r.accepted, left);
		ck_assert_msg(r.accepted == DRAIN_INITIAL / DRAIN_AMOUNT && left == 0, "account "
			      "%d held %d and %d threads tried %d times in all to take %d from it: %ld "
			      "transfers were accepted (expected exactly %d: none may be refused while "
			      "the money is there) and it ends at %ld", src, DRAIN_INITIAL,
			      DRAIN_THREADS, DRAIN_THREADS * DRAIN_TRIES, DRAIN_AMOUNT, r.accepted,
			      DRAIN_INITIAL / DRAIN_AMOUNT, left);
		total = bank_total(r.b);
		ck_assert_msg(total == 8 * DRAIN_INITIAL, "bank_total() is %ld, expected %d", total,
			      8 * DRAIN_INITIAL);
		bank_free(r.b);
	}
}
END_TEST

/* Workers 0..SNAP_WORKERS/2-1 transfer between the outer accounts 0 and 3,
 * the others between the inner ones 1 and 2, both ways; the last thread
 * reads bank_total and every bank_balance until they are done. A sum read
 * account by account waits behind the inner transfers between reading one
 * outer account and the other, while an outer transfer completes. */
static void snapshot_thread(void *arg, int th)
{
	struct run *r = arg;
	unsigned long rng = 0xabcdul + (unsigned long)th * 104729ul;
	const long want = SNAP_ACCOUNTS * SNAP_INITIAL;
	char what[256];
	long reads = 0;

	if (th < SNAP_WORKERS) {
		int a = th < SNAP_WORKERS / 2 ? 0 : 1, b = SNAP_ACCOUNTS - 1 - a;

		for (int i = 0; i < SNAP_TRANSFERS; i++) {
			long amount = 1 + (long)(harness_rand(&rng) % 60);

			if ((th + i) % 2 == 0)
				(void)bank_transfer(r->b, a, b, amount);
			else
				(void)bank_transfer(r->b, b, a, amount);
		}
		__atomic_sub_fetch(&r->workers_left, 1, __ATOMIC_SEQ_CST);
		return;
	}
	do {
		long total = bank_total(r->b);

		reads++;
		if (total != want) {
			snprintf(what, sizeof(what), "bank_total() returned %ld while transfers "
				 "ran (read number %ld), but the accounts always hold %ld together: "
				 "the sum mixed balances from before and after some transfer", total,
				 reads, want);
			failure_set(&r->fail, what);
			return;
		}
		for (int i = 0; i < SNAP_ACCOUNTS; i++) {
			long one = bank_balance(r->b, i);

			if (one < 0 || one > want) {
				snprintf(what, sizeof(what), "bank_balance(b, %d) returned %ld while "
					 "transfers ran: no balance is ever below 0 or above %ld", i,
					 one, want);
				failure_set(&r->fail, what);
				return;
			}
		}
	} while (__atomic_load_n(&r->workers_left, __ATOMIC_SEQ_CST) > 0);
}

START_TEST(test_bank_total_consistent)
{
	struct run r;

	run_init(&r, bank_new(SNAP_ACCOUNTS, SNAP_INITIAL, SNAP_MS));
	r.workers_left = SNAP_WORKERS;
	harness_run_threads(SNAP_WORKERS + 1, snapshot_thread, &r);
	ck_assert_msg(r.fail.what[0] == '\0', "%s (%d threads transferring, 1 reading)",
		      r.fail.what, SNAP_WORKERS);
	bank_free(r.b);
}
END_TEST

/* Thread th moves 1 around the pair (th % 3, (th + 1) % 3), even threads
 * one way and odd threads the other: every two accounts see transfers in
 * both directions at once. */
static void cycle_thread(void *arg, int th)
{
	struct run *r = arg;
	int a = th % CYCLE_ACCOUNTS, b = (th + 1) % CYCLE_ACCOUNTS;

	for (int i = 0; i < CYCLE_TRANSFERS; i++) {
		if (th % 2 == 0)
			(void)bank_transfer(r->b, a, b, 1);
		else
			(void)bank_transfer(r->b, b, a, 1);
	}
}

START_TEST(test_bank_no_deadlock)
{
	struct run r;
	long total;

	run_init(&r, bank_new(CYCLE_ACCOUNTS, 1000, 0));
	harness_run_threads(CYCLE_THREADS, cycle_thread, &r);
	total = bank_total(r.b);
	ck_assert_msg(total == CYCLE_ACCOUNTS * 1000, "bank_total() is %ld after every thread "
		      "was joined, expected %d", total, CYCLE_ACCOUNTS * 1000);
	bank_free(r.b);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_bank_transfer_basic,
		test_bank_latency_locked,
		test_bank_money_conserved,
		test_bank_no_overdraft,
		test_bank_total_consistent,
		test_bank_no_deadlock,
		NULL
	};

	return check_main(check_suite("bank", setup, tests));
}
