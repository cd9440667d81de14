/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
/* Locking: accounts[i].mtx guards accounts[i].balance.
 * Lock order: accounts are locked in increasing id order (lock_pair takes
 * the lower id first; bank_total goes 0, 1, 2, ...). */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct account {
	pthread_mutex_t mtx;	/* guards balance */
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
		Pthread_mutex_init(&b->accounts[i].mtx, NULL);
	}
	return b;
}

void bank_free(struct bank *b)
{
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_destroy(&b->accounts[i].mtx);
	free(b->accounts);
	free(b);
}

/* Lock order: lower id first. from == to: one lock. */
static void lock_pair(struct bank *b, int x, int y)
{
	int lo = x < y ? x : y, hi = x < y ? y : x;

	Pthread_mutex_lock(&b->accounts[lo].mtx);
	if (hi != lo) {
		chaos_point();
		Pthread_mutex_lock(&b->accounts[hi].mtx);
	}
}

static void unlock_pair(struct bank *b, int x, int y)
{
	Pthread_mutex_unlock(&b->accounts[x].mtx);
	if (x != y)
		Pthread_mutex_unlock(&b->accounts[y].mtx);
}

bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	long have;
	bool ok;

	/* Look at the balance first with only the source locked, so we know
	 * whether the transfer goes through before we grab two locks. */
	Pthread_mutex_lock(&src->mtx);
	have = src->balance;
	Pthread_mutex_unlock(&src->mtx);
	ok = have >= amount;

	lock_pair(b, from, to);
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	chaos_point();			/* between the check and the update */
	if (ok && from != to) {
		src->balance -= amount;
		chaos_point();
		dst->balance += amount;
	}
	unlock_pair(b, from, to);
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	long balance;

	Pthread_mutex_lock(&b->accounts[id].mtx);
	balance = b->accounts[id].balance;
	Pthread_mutex_unlock(&b->accounts[id].mtx);
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;

	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_lock(&b->accounts[i].mtx);
	for (int i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_unlock(&b->accounts[i].mtx);
	return sum;
}
