/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
/* Locking: b->lock, one lock for the whole bank, guards every balance.
 * Correct, and slow: one transfer at a time, even between accounts that
 * have nothing in common. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct account {
	// YOUR CODE HERE
	//
	// Give each account its own lock, and write the lock order in the
	// file header.
	long balance;
};

struct bank {
	int naccounts;		/* set by bank_new, only read afterwards */
	int latency_ms;		/* likewise */
	pthread_mutex_t lock;	/* guards every account: the one lock to split */
	struct account *accounts;	/* naccounts of them */
};

struct bank *bank_new(int naccounts, long initial, int latency_ms)
{
	struct bank *b = Calloc(1, sizeof(*b));

	b->naccounts = naccounts;
	b->latency_ms = latency_ms;
	b->accounts = Calloc((size_t)naccounts, sizeof(*b->accounts));
	for (int i = 0; i < naccounts; i++) {
		b->accounts[i].balance = initial;
	}
	Pthread_mutex_init(&b->lock, NULL);
	// YOUR CODE HERE
	//
	// Get ready whatever you added to struct account.
	return b;
}

void bank_free(struct bank *b)
{
	Pthread_mutex_destroy(&b->lock);
	// YOUR CODE HERE
	//
	// Release whatever bank_new got ready.
	free(b->accounts);
	free(b);
}

bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	long have;
	bool ok;

	// YOUR CODE HERE
	//
	// Lock only the two accounts of this transfer, in an order that
	// cannot deadlock.
	Pthread_mutex_lock(&b->lock);
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	have = src->balance;
	chaos_point();			/* between the check and the update */
	ok = have >= amount;
	if (ok && from != to) {
		src->balance = have - amount;
		chaos_point();
		dst->balance += amount;
	}
	Pthread_mutex_unlock(&b->lock);
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	long balance;

	// YOUR CODE HERE
	//
	// Lock only this account.
	Pthread_mutex_lock(&b->lock);
	balance = b->accounts[id].balance;
	Pthread_mutex_unlock(&b->lock);
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;

	// YOUR CODE HERE
	//
	// Return a sum that was true at one moment: no transfer may move
	// money between accounts already counted and accounts not yet counted.
	Pthread_mutex_lock(&b->lock);
	for (int i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	Pthread_mutex_unlock(&b->lock);
	return sum;
}
