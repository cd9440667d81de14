/* workload.c - the benchmarks' workloads, run through whichever table or
 * bank the caller passes (the student's or the harness's coarse one), so
 * the baseline and the candidate do exactly the same operations. Needs only
 * common/: the baselines link it without the student's code. */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define SLOTS 8		/* buckets or accounts per thread */

struct table_run {
	const struct harness_table_ops *ops;
	int nthreads, nops;
	long wrong;		/* gets that missed the value just put */
};

int harness_table_buckets(int nthreads)
{
	return SLOTS * nthreads;
}

/* Key j of thread t is t + nthreads * j: with SLOTS * nthreads buckets it
 * lands in a bucket equal to t modulo nthreads, one no other thread uses. */
static void table_thread(void *arg, int t)
{
	struct table_run *r = arg;
	long wrong = 0;

	for (int i = 0; i < r->nops; i++) {
		int key = t + r->nthreads * ((i / 2) % (4 * SLOTS)), v = -1;

		if (i % 2 == 0)
			r->ops->put(r->ops->table, key, i);
		else if (!r->ops->get(r->ops->table, key, &v) || v != i - 1)
			wrong++;
	}
	__atomic_add_fetch(&r->wrong, wrong, __ATOMIC_SEQ_CST);
}

long harness_table_workload(const struct harness_table_ops *ops, int nthreads, int nops)
{
	struct table_run r = { ops, nthreads, nops, 0 };

	harness_run_threads(nthreads, table_thread, &r);
	return r.wrong;
}

struct bank_run {
	const struct harness_bank_ops *ops;
	int nthreads, nops;
	long refused;
};

int harness_bank_accounts(int nthreads)
{
	return SLOTS * nthreads;
}

/* Thread t moves 1 between its own accounts t + nthreads * s, s < SLOTS,
 * going round so that every pair is used in both directions. */
static void bank_thread(void *arg, int t)
{
	struct bank_run *r = arg;
	long refused = 0;

	for (int i = 0; i < r->nops; i++) {
		int s = i % SLOTS, d = (s + 1 + (i / SLOTS) % (SLOTS - 1)) % SLOTS;

		if (!r->ops->transfer(r->ops->bank, t + r->nthreads * s, t + r->nthreads * d, 1))
			refused++;
	}
	__atomic_add_fetch(&r->refused, refused, __ATOMIC_SEQ_CST);
}

long harness_bank_workload(const struct harness_bank_ops *ops, int nthreads, int nops)
{
	struct bank_run r = { ops, nthreads, nops, 0 };

	harness_run_threads(nthreads, bank_thread, &r);
	return r.refused;
}
