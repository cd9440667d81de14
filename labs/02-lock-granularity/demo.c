/* demo.c - the seed's two timings, for data: the same accesses through one
 * lock for everything (the harness's coarse table and bank) and through
 * your table.c and bank.c, with the time each took, as in the notebook.
 * Not graded: it lets you see what the speedup checks see.
 *   usage: demo [THREADS [OPS [MS]]]     (default 8 threads, 20 ops, 1 ms) */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "granularity.h"
#include "harness.h"

#define USAGE "usage: demo [THREADS [OPS [MS]]] (1 <= THREADS <= 64, 2 <= OPS <= 10000, 0 <= MS <= 1000)"

static void c_put(void *t, int k, int v) { coarse_table_put(t, k, v); }
static bool c_get(void *t, int k, int *v) { return coarse_table_get(t, k, v); }
static void s_put(void *t, int k, int v) { table_put(t, k, v); }
static bool s_get(void *t, int k, int *v) { return table_get(t, k, v); }
static bool c_xfer(void *b, int f, int t, long a) { return coarse_bank_transfer(b, f, t, a); }
static bool s_xfer(void *b, int f, int t, long a) { return bank_transfer(b, f, t, a); }

static double timed_table(struct harness_table_ops *ops, int nthreads, int nops, long *wrong)
{
	uint64_t start = clock_now_ns();

	*wrong = harness_table_workload(ops, nthreads, nops);
	return clock_seconds(clock_now_ns() - start);
}

static double timed_bank(struct harness_bank_ops *ops, int nthreads, int nops, long *refused)
{
	uint64_t start = clock_now_ns();

	*refused = harness_bank_workload(ops, nthreads, nops);
	return clock_seconds(clock_now_ns() - start);
}

int main(int argc, char **argv)
{
	int nthreads = 8, nops = 20, ms = 1, n;
	struct harness_table_ops ct = { .put = c_put, .get = c_get };
	struct harness_table_ops st = { .put = s_put, .get = s_get };
	struct harness_bank_ops cb = { .transfer = c_xfer }, sb = { .transfer = s_xfer };
	double coarse, mine;
	long bad;

	if (argc > 4)
		app_error(USAGE);
	if (argc > 1)
		nthreads = arg_int(argv[1], 1, 64, USAGE);
	if (argc > 2)
		nops = arg_int(argv[2], 2, 10000, USAGE);
	if (argc > 3)
		ms = arg_int(argv[3], 0, 1000, USAGE);
	chaos_init();
	printf("%d threads, each making %d accesses of %d ms to the slow device.\n\n",
	       nthreads, nops, ms);

	n = harness_table_buckets(nthreads);
	ct.table = coarse_table_new(n, ms);
	st.table = table_new(n, ms);
	coarse = timed_table(&ct, nthreads, nops, &bad);
	mine = timed_table(&st, nthreads, nops, &bad);
	printf("Part A, one lock for the whole table:  %.3f seconds\n", coarse);
	printf("Part A, your table.c:                  %.3f seconds (%.1fx)%s\n",
	       mine, coarse / mine, bad ? ", and some gets missed the value just put" : "");
	coarse_table_free(ct.table);
	table_free(st.table);

	n = harness_bank_accounts(nthreads);
	cb.bank = coarse_bank_new(n, HARNESS_BANK_INITIAL, ms);
	sb.bank = bank_new(n, HARNESS_BANK_INITIAL, ms);
	coarse = timed_bank(&cb, nthreads, nops, &bad);
	mine = timed_bank(&sb, nthreads, nops, &bad);
	printf("Part B, one lock for the whole bank:   %.3f seconds\n", coarse);
	printf("Part B, your bank.c:                   %.3f seconds (%.1fx)%s\n",
	       mine, coarse / mine, bad ? ", and some transfers were refused" : "");
	printf("Part B, bank_total():                  %ld (expected %ld)\n",
	       bank_total(sb.bank), n * HARNESS_BANK_INITIAL);
	coarse_bank_free(cb.bank);
	bank_free(sb.bank);
	return EXIT_SUCCESS;
}
