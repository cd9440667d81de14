/* bench_bank_coarse.c - part B's baseline: bench_bank's workload, the same
 * threads and transfers, through the harness's own bank with one lock for
 * the whole bank (the skeleton's design). It never links the student's
 * bank.c, so no submission can slow it down.
 *   usage: bench_bank_coarse THREADS OPS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "harness.h"

#define USAGE "usage: bench_bank_coarse THREADS OPS MS (1 <= THREADS <= 64, 1 <= OPS <= 10000, 0 <= MS <= 1000)"

static bool transfer(void *b, int from, int to, long amount)
{
	return coarse_bank_transfer(b, from, to, amount);
}

int main(int argc, char **argv)
{
	struct harness_bank_ops ops = { .transfer = transfer };
	uint64_t start, elapsed;
	int nthreads, nops, ms, naccounts;

	if (argc != 4)
		app_error(USAGE);
	nthreads = arg_int(argv[1], 1, 64, USAGE);
	nops = arg_int(argv[2], 1, 10000, USAGE);
	ms = arg_int(argv[3], 0, 1000, USAGE);
	naccounts = harness_bank_accounts(nthreads);
	ops.bank = coarse_bank_new(naccounts, HARNESS_BANK_INITIAL, ms);

	start = clock_now_ns();
	if (harness_bank_workload(&ops, nthreads, nops) != 0)
		app_error("bench_bank_coarse: the harness's own bank refused a transfer");
	elapsed = clock_now_ns() - start;

	if (coarse_bank_total(ops.bank) != naccounts * HARNESS_BANK_INITIAL)
		app_error("bench_bank_coarse: the harness's own bank lost money");
	bench_report(elapsed, nthreads);
	coarse_bank_free(ops.bank);
	return EXIT_SUCCESS;
}
