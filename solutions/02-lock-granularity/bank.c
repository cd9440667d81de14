/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
// BEGIN SOLUTION
/* Locking: each account has its own lock, which guards its balance.
 * Lock order: a thread that needs several accounts locks them in increasing
 * id order - a transfer locks the lower id of its two accounts first, and
 * bank_total locks all of them from 0 up. Since every thread takes locks in
 * that one order, no thread can wait for a lock held by a thread that waits,
 * directly or through others, for one of its own: no cycle, no deadlock. A
 * transfer from an account to itself locks it once. naccounts, latency_ms
 * and the accounts array are set by bank_new and only read afterwards. */
// END SOLUTION
//@ /* Locking: b->lock, one lock for the whole bank, guards every balance.
//@  * Correct, and slow: one transfer at a time, even between accounts that
//@  * have nothing in common. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct account {
	//@ // YOUR CODE HERE
	//@ //
	//@ // Give each account its own lock, and write the lock order in the
	//@ // file header.
// BEGIN SOLUTION
	pthread_mutex_t lock;
	// lock must be held when using this:
// END SOLUTION
	long balance;
};

struct bank {
	int naccounts;		/* set by bank_new, only read afterwards */
	int latency_ms;		/* likewise */
	//@ pthread_mutex_t lock;	/* guards every account: the one lock to split */
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
// BEGIN SOLUTION
		Pthread_mutex_init(&b->accounts[i].lock, NULL);
// END SOLUTION
	}
	//@ Pthread_mutex_init(&b->lock, NULL);
	//@ // YOUR CODE HERE
	//@ //
	//@ // Get ready whatever you added to struct account.
	return b;
}

void bank_free(struct bank *b)
{
	//@ Pthread_mutex_destroy(&b->lock);
	//@ // YOUR CODE HERE
	//@ //
	//@ // Release whatever bank_new got ready.
// BEGIN SOLUTION
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_destroy(&b->accounts[i].lock);
// END SOLUTION
	free(b->accounts);
	free(b);
}

// BEGIN SOLUTION
/* Locks accounts i and j, which may be the same one, lower id first. */
static void lock_pair(struct bank *b, int i, int j)
{
	int lo = i < j ? i : j, hi = i < j ? j : i;

	Pthread_mutex_lock(&b->accounts[lo].lock);
	if (hi != lo) {
		chaos_point();	/* between the two locks: where opposite orders deadlock */
		Pthread_mutex_lock(&b->accounts[hi].lock);
	}
}

static void unlock_pair(struct bank *b, int i, int j)
{
	if (i != j)
		Pthread_mutex_unlock(&b->accounts[j].lock);
	Pthread_mutex_unlock(&b->accounts[i].lock);
}

// END SOLUTION
bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	long have;
	bool ok;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Lock only the two accounts of this transfer, in an order that
	//@ // cannot deadlock.
	//@ Pthread_mutex_lock(&b->lock);
// BEGIN SOLUTION
	lock_pair(b, from, to);
// END SOLUTION
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	have = src->balance;
	chaos_point();			/* between the check and the update */
	ok = have >= amount;
	if (ok && from != to) {
		src->balance = have - amount;
		chaos_point();
		dst->balance += amount;
	}
	//@ Pthread_mutex_unlock(&b->lock);
// BEGIN SOLUTION
	unlock_pair(b, from, to);
// END SOLUTION
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	long balance;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Lock only this account.
	//@ Pthread_mutex_lock(&b->lock);
// BEGIN SOLUTION
	Pthread_mutex_lock(&b->accounts[id].lock);
// END SOLUTION
	balance = b->accounts[id].balance;
	//@ Pthread_mutex_unlock(&b->lock);
// BEGIN SOLUTION
	Pthread_mutex_unlock(&b->accounts[id].lock);
// END SOLUTION
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;

	//@ // YOUR CODE HERE
	//@ //
	//@ // Return a sum that was true at one moment: no transfer may move
	//@ // money between accounts already counted and accounts not yet counted.
	//@ Pthread_mutex_lock(&b->lock);
// BEGIN SOLUTION
	for (int i = 0; i < b->naccounts; i++)	/* in the lock order */
		Pthread_mutex_lock(&b->accounts[i].lock);
// END SOLUTION
	for (int i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	//@ Pthread_mutex_unlock(&b->lock);
// BEGIN SOLUTION
	for (int i = b->naccounts - 1; i >= 0; i--)
		Pthread_mutex_unlock(&b->accounts[i].lock);
// END SOLUTION
	return sum;
}
