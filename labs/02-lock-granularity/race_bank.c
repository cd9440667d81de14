/* race_bank.c - the races-bank check's scenario, small enough for Helgrind,
 * in two phases so that a wrong lock order shows without deadlocking:
 *   phase 1: three threads transfer between four accounts, always from a
 *            lower id to a higher one, while a fourth reads bank_total and
 *            every bank_balance;
 *   phase 2: once they are joined, three threads transfer from higher ids
 *            to lower ones.
 * Within a phase every transfer goes the same way, so even locks taken in
 * argument order cannot deadlock; across the phases both orders happen,
 * which Helgrind reports as a lock order violation.
 *   usage: race_bank
 * Expected under Helgrind: the reference reports 0 errors; a bank without
 * locks reports data races in bank.c, one that locks in argument order a
 * lock order violation. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "granularity.h"
#include "harness.h"

#define ACCOUNTS 4
#define TRANSFERS 6	/* per thread and phase */
#define MOVERS 3

/* The transfers of thread th: pairs (lo, hi) with lo < hi, all overlapping. */
static void pair_of(int th, int i, int *lo, int *hi)
{
	*lo = (th + i) % (ACCOUNTS - 1);
	*hi = *lo + 1 + (i % (ACCOUNTS - 1 - *lo));
}

static void upward(void *arg, int th)
{
	struct bank *b = arg;
	int lo, hi;

	if (th == MOVERS) {		/* the reader */
		for (int i = 0; i < 3; i++) {
			(void)bank_total(b);
			for (int a = 0; a < ACCOUNTS; a++)
				(void)bank_balance(b, a);
		}
		return;
	}
	for (int i = 0; i < TRANSFERS; i++) {
		pair_of(th, i, &lo, &hi);
		(void)bank_transfer(b, lo, hi, 1 + i % 3);
	}
}

static void downward(void *arg, int th)
{
	struct bank *b = arg;
	int lo, hi;

	for (int i = 0; i < TRANSFERS; i++) {
		pair_of(th, i, &lo, &hi);
		(void)bank_transfer(b, hi, lo, 1 + i % 3);
	}
}

int main(int argc, char **argv)
{
	struct bank *b;

	(void)argv;
	if (argc > 1)
		app_error("usage: race_bank");
	chaos_init();
	b = bank_new(ACCOUNTS, 100, 0);
	harness_run_threads(MOVERS + 1, upward, b);
	harness_run_threads(MOVERS, downward, b);
	/* Helgrind judges the accesses and the lock order, not this number. */
	printf("race_bank: bank_total() = %ld, expected %d\n", bank_total(b), ACCOUNTS * 100);
	bank_free(b);
	return EXIT_SUCCESS;
}
