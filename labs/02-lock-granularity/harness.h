/* harness.h - helpers the lab 02 programs share (common.h has the thread
 * runner and the random generator). Harness-owned: table.c and
 * bank.c never use these, and the names start with harness_ or coarse_ so
 * they cannot clash with a student's. */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>

/* coarse.c (needs only common/): the harness's own table and bank with one
 * lock for everything, the skeleton's design. The speedup baselines time
 * the same workloads through these, so no submission can slow them down. */
struct coarse_table;
struct coarse_table *coarse_table_new(int nbuckets, int latency_ms);
void coarse_table_free(struct coarse_table *t);
void coarse_table_put(struct coarse_table *t, int key, int value);
bool coarse_table_get(struct coarse_table *t, int key, int *value);

struct coarse_bank;
struct coarse_bank *coarse_bank_new(int naccounts, long initial, int latency_ms);
void coarse_bank_free(struct coarse_bank *b);
bool coarse_bank_transfer(struct coarse_bank *b, int from, int to, long amount);
long coarse_bank_total(struct coarse_bank *b);

/* workload.c (needs only common/): the benchmarks' workloads, run through
 * whichever table or bank the caller passes, so baseline and candidate do
 * exactly the same operations.
 *
 * Table: nthreads threads, each doing ops operations (put, then get of the
 * same key) on keys of its own; the table has 8 * nthreads buckets and
 * thread t's keys all fall in buckets equal to t modulo nthreads, so two
 * threads never need the same bucket. */
struct harness_table_ops {
	void *table;
	void (*put)(void *table, int key, int value);
	bool (*get)(void *table, int key, int *value);
};
int harness_table_buckets(int nthreads);
/* Returns how many gets did not see the value just put (0 when correct). */
long harness_table_workload(const struct harness_table_ops *ops, int nthreads, int nops);

/* Bank: 8 * nthreads accounts holding 1000 each; thread t makes nops
 * transfers of 1, both ways, between accounts equal to t modulo nthreads,
 * so two threads never need the same account and none is refused. */
struct harness_bank_ops {
	void *bank;
	bool (*transfer)(void *bank, int from, int to, long amount);
};
int harness_bank_accounts(int nthreads);
#define HARNESS_BANK_INITIAL 1000L
/* Returns how many transfers were refused (0 when correct). */
long harness_bank_workload(const struct harness_bank_ops *ops, int nthreads, int nops);

#endif /* HARNESS_H */
