/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
/* Locking: each account has its own mutex, account->lock, guarding its
 * balance. There is no bank-wide lock.
 * Lock order: by ADDRESS of the account's mutex, lowest address first.
 * lock_two() compares the two addresses and always takes the lower one
 * first, whatever the direction of the transfer, so two transfers can never
 * wait for each other in a circle. bank_total takes every lock in array
 * order, which is increasing address order too (the accounts are one array),
 * so it follows the same order. */
#include "granularity.h"

#include <stdint.h>
#include <stdlib.h>

#include "common.h"

struct account {
	pthread_mutex_t lock;	/* guards balance */
	long balance;
};

struct bank {
	int naccounts;		/* set by bank_new, only read afterwards */
	int latency_ms;		/* likewise */
	struct account *accounts;	/* naccounts of them, one array */
};

struct bank *bank_new(int naccounts, long initial, int latency_ms)
{
	struct bank *b = Calloc(1, sizeof(*b));

	b->naccounts = naccounts;
	b->latency_ms = latency_ms;
	b->accounts = Calloc((size_t)naccounts, sizeof(*b->accounts));
	for (int i = 0; i < naccounts; i++) {
		b->accounts[i].balance = initial;
		Pthread_mutex_init(&b->accounts[i].lock, NULL);
	}
	return b;
}

void bank_free(struct bank *b)
{
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_destroy(&b->accounts[i].lock);
	free(b->accounts);
	free(b);
}

/* Locks x and y (once, if they are the same account), lower address first. */
static void lock_two(struct account *x, struct account *y)
{
	struct account *tmp;

	if (x == y) {
		Pthread_mutex_lock(&x->lock);
		return;
	}
	if ((uintptr_t)&x->lock > (uintptr_t)&y->lock) {
		tmp = x;
		x = y;
		y = tmp;
	}
	Pthread_mutex_lock(&x->lock);
	chaos_point();			/* between the two locks */
	Pthread_mutex_lock(&y->lock);
}

static void unlock_two(struct account *x, struct account *y)
{
	Pthread_mutex_unlock(&x->lock);
	if (x != y)
		Pthread_mutex_unlock(&y->lock);
}

bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	long have;
	bool ok;

	lock_two(src, dst);
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	have = src->balance;
	chaos_point();			/* between the check and the update */
	ok = have >= amount;
	if (ok && from != to) {
		src->balance = have - amount;
		chaos_point();
		dst->balance += amount;
	}
	unlock_two(src, dst);
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	struct account *a = &b->accounts[id];
	long balance;

	Pthread_mutex_lock(&a->lock);
	balance = a->balance;
	Pthread_mutex_unlock(&a->lock);
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;

	/* Every lock, in increasing address order (= array order), then add,
	 * then let them all go: the sum is the bank at one moment. */
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_lock(&b->accounts[i].lock);
	for (int i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	for (int i = b->naccounts - 1; i >= 0; i--)
		Pthread_mutex_unlock(&b->accounts[i].lock);
	return sum;
}
