/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
/* Locking: each account has its own mutex guarding its balance.
 * Lock order: a transfer always locks the account the money comes FROM
 * first, then the account it goes TO; every transfer follows the same rule,
 * so they all take their locks in the same order. bank_total locks the
 * accounts in increasing id order. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct account {
	pthread_mutex_t lock;	/* guards balance */
	long balance;
};

struct bank {
	int naccounts;		/* set by bank_new, only read afterwards */
	int latency_ms;		/* likewise */
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

bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	long have;
	bool ok;

	/* source first, then destination (only one lock if it's the same account) */
	Pthread_mutex_lock(&src->lock);
	if (dst != src)
		Pthread_mutex_lock(&dst->lock);
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	have = src->balance;
	chaos_point();			/* between the check and the update */
	ok = have >= amount;
	if (ok && from != to) {
		src->balance = have - amount;
		chaos_point();
		dst->balance += amount;
	}
	if (dst != src)
		Pthread_mutex_unlock(&dst->lock);
	Pthread_mutex_unlock(&src->lock);
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	long balance;

	Pthread_mutex_lock(&b->accounts[id].lock);
	balance = b->accounts[id].balance;
	Pthread_mutex_unlock(&b->accounts[id].lock);
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;

	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_lock(&b->accounts[i].lock);
	for (int i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_unlock(&b->accounts[i].lock);
	return sum;
}
