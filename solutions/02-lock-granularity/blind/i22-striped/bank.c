/* bank.c - part B: accounts that many threads move money between at once.
 * Every transfer waits on a slow device (work_sleep_ms) while it holds the
 * locks of its two accounts. */
/* Locking: locks[i] guards accounts[i].balance; nothing is bank-wide.
 * Lock order: accounts are locked in increasing id order. A transfer takes
 * min(from, to) then max(from, to) (one lock when from == to); bank_total
 * takes locks[0], locks[1], ... locks[n-1]. */
#include "granularity.h"

#include <stdlib.h>

#include "common.h"

struct account {
	long balance;		/* guarded by b->locks[id] */
};

struct bank {
	int naccounts;		/* set by bank_new, only read afterwards */
	int latency_ms;		/* likewise */
	pthread_mutex_t *locks;	/* naccounts of them: locks[i] guards accounts[i] */
	struct account *accounts;	/* naccounts of them */
};

struct bank *bank_new(int naccounts, long initial, int latency_ms)
{
	struct bank *b = Calloc(1, sizeof(*b));

	b->naccounts = naccounts;
	b->latency_ms = latency_ms;
	b->accounts = Calloc((size_t)naccounts, sizeof(*b->accounts));
	b->locks = Calloc((size_t)naccounts, sizeof(*b->locks));
	for (int i = 0; i < naccounts; i++) {
		b->accounts[i].balance = initial;
		Pthread_mutex_init(&b->locks[i], NULL);
	}
	return b;
}

void bank_free(struct bank *b)
{
	for (int i = 0; i < b->naccounts; i++)
		Pthread_mutex_destroy(&b->locks[i]);
	free(b->locks);
	free(b->accounts);
	free(b);
}

static int min_id(int a, int c)
{
	return a < c ? a : c;
}

static int max_id(int a, int c)
{
	return a < c ? c : a;
}

bool bank_transfer(struct bank *b, int from, int to, long amount)
{
	struct account *src = &b->accounts[from], *dst = &b->accounts[to];
	int lo = min_id(from, to), hi = max_id(from, to);
	long have;
	bool ok;

	Pthread_mutex_lock(&b->locks[lo]);
	if (hi != lo) {
		chaos_point();		/* between the two locks */
		Pthread_mutex_lock(&b->locks[hi]);
	}
	work_sleep_ms(b->latency_ms);	/* the slow device: inside the locks */
	have = src->balance;
	chaos_point();			/* between the check and the update */
	ok = have >= amount;
	if (ok && from != to) {
		src->balance = have - amount;
		chaos_point();
		dst->balance += amount;
	}
	if (hi != lo)
		Pthread_mutex_unlock(&b->locks[hi]);
	Pthread_mutex_unlock(&b->locks[lo]);
	return ok;
}

long bank_balance(struct bank *b, int id)
{
	long balance;

	Pthread_mutex_lock(&b->locks[id]);
	balance = b->accounts[id].balance;
	Pthread_mutex_unlock(&b->locks[id]);
	return balance;
}

long bank_total(struct bank *b)
{
	long sum = 0;
	int i;

	/* all locks, lowest id first (the lock order), then the sum */
	for (i = 0; i < b->naccounts; i++)
		Pthread_mutex_lock(&b->locks[i]);
	for (i = 0; i < b->naccounts; i++) {
		sum += b->accounts[i].balance;
		chaos_point();		/* between two accounts of the sum */
	}
	for (i = 0; i < b->naccounts; i++)
		Pthread_mutex_unlock(&b->locks[i]);
	return sum;
}
