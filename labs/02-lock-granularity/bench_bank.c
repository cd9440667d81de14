/* bench_bank.c - part B's benchmark: THREADS threads each make OPS
 * transfers through the student's bank, each MS ms on the slow device,
 * every thread between accounts of its own; then one BENCH line. Chaos is
 * off whatever CHAOS_SEED says: a timing measures the code.
 *   usage: bench_bank THREADS OPS MS */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "granularity.h"
#include "harness.h"

#define USAGE "usage: bench_bank THREADS OPS MS (1 <= THREADS <= 64, 1 <= OPS <= 10000, 0 <= MS <= 1000)"

static bool transfer(void *b, int from, int to, long amount)
{
	return bank_transfer(b, from, to, amount);
}

int main(int argc, char **argv)
{
	struct harness_bank_ops ops = { .transfer = transfer };
	uint64_t start, elapsed;
	int nthreads, nops, ms, naccounts;
	long refused, total;

	if (argc != 4)
		app_error(USAGE);
	nthreads = arg_int(argv[1], 1, 64, USAGE);
	nops = arg_int(argv[2], 1, 10000, USAGE);
	ms = arg_int(argv[3], 0, 1000, USAGE);
	unsetenv("CHAOS_SEED");
	chaos_init();
	naccounts = harness_bank_accounts(nthreads);
	ops.bank = bank_new(naccounts, HARNESS_BANK_INITIAL, ms);

	start = clock_now_ns();
	refused = harness_bank_workload(&ops, nthreads, nops);
	elapsed = clock_now_ns() - start;

	/* Wrong results are graded by the bank and races checks; here they
	 * only warn, so that the timing of a broken bank is still measured. */
	total = bank_total(ops.bank);
	if (refused != 0 || total != naccounts * HARNESS_BANK_INITIAL)
		fprintf(stderr, "bench_bank: %ld transfers refused (expected none), total %ld "
			"(expected %ld)\n", refused, total, naccounts * HARNESS_BANK_INITIAL);
	bench_report(elapsed, nthreads);
	bank_free(ops.bank);
	return EXIT_SUCCESS;
}
