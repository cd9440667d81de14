/* coarse.c - the harness's own table and bank, each guarded by one lock for
 * everything: the speedup baselines. Never the student's code.
 *
 * Locking: t->lock guards every bucket of a table, b->lock every balance of
 * a bank, and each operation holds it across the slow device, as the
 * skeleton does. */
#include <stdlib.h>

#include "common.h"
#include "harness.h"

struct coarse_node {
	int key, value;
	struct coarse_node *next;
};

struct coarse_table {
	int nbuckets, latency_ms;	/* set once, only read afterwards */
	pthread_mutex_t lock;
	// lock must be held when using this:
	struct coarse_node **heads;
};

struct coarse_table *coarse_table_new(int nbuckets, int latency_ms)
{
	struct coarse_table *t = Calloc(1, sizeof(*t));

	t->nbuckets = nbuckets;
	t->latency_ms = latency_ms;
	t->heads = Calloc((size_t)nbuckets, sizeof(*t->heads));
	Pthread_mutex_init(&t->lock, NULL);
	return t;
}

void coarse_table_free(struct coarse_table *t)
{
	for (int i = 0; i < t->nbuckets; i++) {
		struct coarse_node *n = t->heads[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	}
	Pthread_mutex_destroy(&t->lock);
	free(t->heads);
	free(t);
}

static struct coarse_node **coarse_find(struct coarse_table *t, int key)
{
	struct coarse_node **p = &t->heads[(unsigned)key % (unsigned)t->nbuckets];

	while (*p != NULL && (*p)->key != key)
		p = &(*p)->next;
	return p;
}

void coarse_table_put(struct coarse_table *t, int key, int value)
{
	struct coarse_node **p;

	Pthread_mutex_lock(&t->lock);
	work_sleep_ms(t->latency_ms);
	p = coarse_find(t, key);
	if (*p == NULL) {
		*p = Malloc(sizeof(**p));
		(*p)->key = key;
		(*p)->next = NULL;
	}
	(*p)->value = value;
	Pthread_mutex_unlock(&t->lock);
}

bool coarse_table_get(struct coarse_table *t, int key, int *value)
{
	struct coarse_node **p;
	bool found;

	Pthread_mutex_lock(&t->lock);
	work_sleep_ms(t->latency_ms);
	p = coarse_find(t, key);
	found = *p != NULL;
	if (found)
		*value = (*p)->value;
	Pthread_mutex_unlock(&t->lock);
	return found;
}

struct coarse_bank {
	int naccounts, latency_ms;	/* set once, only read afterwards */
	pthread_mutex_t lock;
	// lock must be held when using this:
	long *balance;
};

struct coarse_bank *coarse_bank_new(int naccounts, long initial, int latency_ms)
{
	struct coarse_bank *b = Calloc(1, sizeof(*b));

	b->naccounts = naccounts;
	b->latency_ms = latency_ms;
	b->balance = Calloc((size_t)naccounts, sizeof(*b->balance));
	for (int i = 0; i < naccounts; i++)
		b->balance[i] = initial;
	Pthread_mutex_init(&b->lock, NULL);
	return b;
}

void coarse_bank_free(struct coarse_bank *b)
{
	Pthread_mutex_destroy(&b->lock);
	free(b->balance);
	free(b);
}

bool coarse_bank_transfer(struct coarse_bank *b, int from, int to, long amount)
{
	bool ok;

	Pthread_mutex_lock(&b->lock);
	work_sleep_ms(b->latency_ms);
	ok = b->balance[from] >= amount;
	if (ok) {
		b->balance[from] -= amount;
		b->balance[to] += amount;
	}
	Pthread_mutex_unlock(&b->lock);
	return ok;
}

long coarse_bank_total(struct coarse_bank *b)
{
	long sum = 0;

	Pthread_mutex_lock(&b->lock);
	for (int i = 0; i < b->naccounts; i++)
		sum += b->balance[i];
	Pthread_mutex_unlock(&b->lock);
	return sum;
}
